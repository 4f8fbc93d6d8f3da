"""Kernel widgets that redraw in place: controls above one figure that changes as they move.

``widgets.interactive`` with ``plt.show()`` clears its output area and sends a new one on every
move, and the inline backend renders each figure twice (once to find the tight bounding box).
A live widget keeps one image and replaces its PNG, rendered once at the figure's own size.
With ``keep_layout=True`` the first figure's layout is kept for the next ones, so constrained
layout runs once, not on every move. Its text alternative (``alt``) changes with the figure,
and a status line below it (``note``) is announced to screen readers together with the new
figure's text alternative (which only they read).

>>> import ipywidgets as widgets
>>> import matplotlib.pyplot as plt
>>> def draw(k):
...     fig, ax = plt.subplots(figsize=(2, 1))
...     ax.plot(range(k))
...     return fig
>>> view = LiveWidget(draw, {"k": widgets.IntSlider(value=3, min=1, max=9)},
...                   alt="a line through {k} points")
>>> view.image.tooltip
'a line through 3 points'
>>> view.controls["k"].value = 5      # what moving the slider does
>>> view.image.tooltip, bytes(view.image.value[:4])
('a line through 5 points', b'\\x89PNG')
"""
from __future__ import annotations

import html
import io
import time
from typing import Callable, Mapping

import ipywidgets as widgets

from .plotting import DPI
from .static_widgets import DescribedImage

LIVE_CLASS = "lutbook-live"
# read by screen readers, not shown (the usual "visually hidden" rules)
_SCREEN_READER_ONLY = ("position:absolute;width:1px;height:1px;margin:-1px;padding:0;border:0;"
                       "overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap")
NOTE_CLASS = "lutbook-live-note"


class LiveWidget(widgets.VBox):
    """Controls, the figure ``draw_fn(**values)`` returns, and a status line.

    Parameters
    ----------
    draw_fn : callable
        Takes the controls' values as keyword arguments, returns a matplotlib Figure.
    controls : mapping of name to widget
        The controls (anything with a ``value`` trait); their names are ``draw_fn``'s
        parameters. Set ``continuous_update=False`` on sliders whose figure takes long.
    alt : str, callable or None
        The figure's text alternative: a ``str.format`` template of the values, a function of
        them, or None (the controls' settings).
    note : callable or None
        A function of the values giving the status line's text (e.g. how long a fit took).
    keep_layout : bool
        Reuse the first figure's axes positions for later figures of the same size and number
        of axes: about 0.08 s less per move for a one-axes figure. Only right when every
        label keeps its size (fixed axis limits and tick labels, titles of fixed line count):
        a wider tick label would be cut off at the edge.

    A failing first drawing raises; a later one keeps the last figure and says what failed
    in the status line.
    """

    def __init__(self, draw_fn: Callable, controls: Mapping[str, widgets.Widget], alt=None,
                 note: Callable | None = None, keep_layout: bool = False, dpi: int = DPI):
        if not callable(draw_fn):
            raise TypeError(f"draw_fn must be callable, got {type(draw_fn).__name__}")
        if not isinstance(controls, Mapping) or not controls:
            raise ValueError("controls must be a non-empty mapping of name -> widget")
        for name, control in controls.items():
            if not (isinstance(control, widgets.Widget) and control.has_trait("value")):
                raise TypeError(f"control {name!r} must be a widget with a value, "
                                f"got {type(control).__name__}")
        if not (alt is None or isinstance(alt, str) or callable(alt)):
            raise TypeError("alt must be a str template, a function of the values or None")
        if note is not None and not callable(note):
            raise TypeError("note must be a function of the values or None")
        self.draw_fn, self.alt, self.note_fn = draw_fn, alt, note
        self.controls = dict(controls)
        self.keep_layout, self.dpi = keep_layout, dpi
        self._layout = None            # (figure size, number of axes), axes positions
        self.seconds_ = None           # time of the last redraw: drawing plus rendering
        # at its own size (a VBox would stretch it to the output's width), narrower if need be
        self.image = DescribedImage(format="png", layout=widgets.Layout(align_self="flex-start",
                                                                        max_width="100%"))
        self.note = widgets.HTML()
        self.note.add_class(NOTE_CLASS)
        super().__init__([*self.controls.values(), self.image, self.note])
        self.add_class(LIVE_CLASS)
        self._show(self.values())      # the first figure: errors raise here
        for control in self.controls.values():
            control.observe(self._on_change, names="value")

    def values(self) -> dict:
        """The controls' current values, by name."""
        return {name: control.value for name, control in self.controls.items()}

    def _on_change(self, change=None) -> None:
        values = self.values()
        try:
            self._show(values)
        except Exception as error:     # in a callback an exception would go to the log only
            self.note.value = (f'<div role="alert">Could not draw {html.escape(repr(values))}: '
                               f'{html.escape(type(error).__name__)}: '
                               f'{html.escape(str(error))}</div>')

    def _show(self, values: dict) -> None:
        start = time.perf_counter()
        png = self._render(self.draw_fn(**values))
        alt = self._alt(values)
        note = str(self.note_fn(**values)) if self.note_fn else ""
        self.image.value, self.image.tooltip = png, alt
        self.note.value = (f'<div role="status" aria-live="polite"><span style="{_SCREEN_READER_ONLY}">'
                           f'{html.escape(alt)}. </span>{html.escape(note)}</div>')
        self.seconds_ = time.perf_counter() - start

    def _alt(self, values: dict) -> str:
        if callable(self.alt):
            return str(self.alt(**values))
        if isinstance(self.alt, str):
            return self.alt.format(**values)
        return "Figure for " + ", ".join(f"{name} = {value}" for name, value in values.items())

    def _render(self, fig) -> bytes:
        """The figure as PNG bytes, rendered once; the figure is closed."""
        import matplotlib.pyplot as plt
        if not hasattr(fig, "savefig"):
            raise TypeError(f"draw_fn must return a matplotlib Figure, got {type(fig).__name__}")
        try:
            key = (tuple(fig.get_size_inches().round(4)), len(fig.axes))
            reuse = self.keep_layout and self._layout is not None and self._layout[0] == key
            if reuse:
                fig.set_layout_engine("none")
                for ax, position in zip(fig.axes, self._layout[1]):
                    ax.set_position(position)
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=self.dpi, metadata={"Software": None})
            if self.keep_layout and not reuse:
                self._layout = (key, [ax.get_position() for ax in fig.axes])
        finally:
            plt.close(fig)
        return buf.getvalue()
