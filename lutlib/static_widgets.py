"""Widgets that keep working in the static book: every frame saved with the page.

A chapter's main widget retrains something when a control moves, so it needs a Python
kernel. Its *static counterpart* computes the sweep once, when the notebook runs, renders one
frame per setting (a PNG from a matplotlib figure, or a piece of HTML) and stacks the frames
in an ipywidgets ``Stack``. The control is linked to the stack's ``selected_index`` with
``jslink``, which runs in the browser: in the built HTML book (no kernel, no network) moving
the control shows the matching saved frame, and in JupyterLab it works the same way.

Two or more controls use nested stacks: the first control picks a child of the outer stack,
the next one picks the frame inside it (every inner stack is linked to the same control).

>>> import matplotlib.pyplot as plt
>>> def draw(k):
...     fig, ax = plt.subplots(figsize=(2, 1))
...     ax.set_title(f"k = {k}")
...     return fig
>>> view = static_widget(draw, Axis("k", (2, 4, 8), value=4), name="demo")
>>> control, stack = view.children
>>> control.index, stack.selected_index, len(stack.children)
(1, 1, 3)
>>> frame_bytes(view, (2,))[:8]
b'\\x89PNG\\r\\n\\x1a\\n'

Every image frame carries a text alternative that says what it shows: ``alt`` is a function
of the values, a ``str.format`` template, or by default the controls' settings:

>>> view = static_widget(draw, Axis("k", (2, 4)), alt=lambda k: f"a title reading k = {k}")
>>> frame_alt(view, (4,))
'a title reading k = 4'
"""
from __future__ import annotations

import io
import itertools
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import ipywidgets as widgets
import numpy as np
from traitlets import Unicode

from .plotting import DPI  # frames are saved at the book style's resolution

VIEW_CLASS = "lutbook-static"
CONTROL_CLASS = "lutbook-static-control"
FRAMES_CLASS = "lutbook-static-frames"

_KINDS = ("slider", "buttons", "dropdown")


@dataclass
class Axis:
    """One control of a static widget: its description and the values it offers.

    ``labels`` (optional) are the texts the control shows for the values; by default
    ``format(value, fmt)``. ``kind`` is "slider" (a ``SelectionSlider``), "buttons"
    (``ToggleButtons``) or "dropdown". ``value`` is the initial value (default: the first).

    >>> Axis("noise", (0.0, 0.5), fmt=".0%").texts()
    ['0%', '50%']
    """

    description: str
    values: Sequence[Any]
    value: Any = None
    kind: str = "slider"
    fmt: str = ""
    labels: Sequence[str] | None = field(default=None)

    def __post_init__(self):
        self.values = tuple(self.values)
        if not self.values:
            raise ValueError(f"Axis {self.description!r}: values must not be empty")
        for v in self.values:
            try:
                hash(_key(v))
            except TypeError:
                raise TypeError(f"Axis {self.description!r}: values must be hashable "
                                f"(numbers, str, None, tuples), got {v!r}") from None
        if len(set(map(_key, self.values))) != len(self.values):
            raise ValueError(f"Axis {self.description!r}: values must be distinct, "
                             f"got {self.values!r}")
        if self.kind not in _KINDS:
            raise ValueError(f"Axis {self.description!r}: kind must be one of {_KINDS}, "
                             f"got {self.kind!r}")
        if self.labels is not None and len(self.labels) != len(self.values):
            raise ValueError(f"Axis {self.description!r}: {len(self.labels)} labels for "
                             f"{len(self.values)} values")
        if self.value is None:
            self.value = self.values[0]
        self.index(self.value)          # raises if the initial value is not offered

    def texts(self) -> list[str]:
        """What the control shows for each value."""
        if self.labels is not None:
            return [str(t) for t in self.labels]
        return [format(v, self.fmt) for v in self.values]

    def index(self, value) -> int:
        """Position of ``value`` among the values (ValueError if it is not one of them)."""
        keys = [_key(v) for v in self.values]
        try:
            return keys.index(_key(value))
        except ValueError:
            raise ValueError(f"Axis {self.description!r}: {value!r} is not one of "
                             f"{self.values!r}") from None

    def control(self) -> widgets.Widget:
        """A new control widget over this axis (its ``index`` trait drives the frames)."""
        options = list(zip(self.texts(), range(len(self.values))))
        cls = {"slider": widgets.SelectionSlider, "buttons": widgets.ToggleButtons,
               "dropdown": widgets.Dropdown}[self.kind]
        kwargs = dict(options=options, value=self.index(self.value),
                      description=self.description,
                      style={"description_width": "initial"})
        if self.kind == "slider":
            kwargs.update(continuous_update=True, readout=True)
        w = cls(**kwargs)
        w.add_class(CONTROL_CLASS)
        return w


class _NaN:
    """The key of every NaN, so that a NaN value finds itself (NaN != NaN)."""

    def __repr__(self):
        return "NaN"


_NAN = _NaN()


def _key(value):
    """What values compare by: floats to 12 significant digits (0.1 + 0.2 finds 0.3, while
    1e-10 and 2e-10 stay apart), every NaN equal to NaN, numpy scalars as Python numbers.

    >>> _key(0.1 + 0.2) == _key(0.3), _key(1e-10) == _key(2e-10), _key(float("nan"))
    (True, False, NaN)
    """
    if isinstance(value, (float, np.floating)):
        value = float(value)
        if math.isnan(value):
            return _NAN
        return float(f"{value:.12g}") + 0.0          # + 0.0: -0.0 is 0.0
    if isinstance(value, np.integer):
        return int(value)
    return value


def figure_png(fig, dpi: int = DPI) -> bytes:
    """A matplotlib figure as a palette PNG (no timestamp or version inside: the same
    figure gives the same bytes); the figure is closed.

    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots(figsize=(1, 1))
    >>> png = figure_png(fig)
    >>> png[:4] == b"\\x89PNG" and png == figure_png(plt.subplots(figsize=(1, 1))[0])
    True
    """
    import matplotlib.pyplot as plt
    from PIL import Image
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    plt.close(fig)
    # 256-colour palette: line plots keep their look at a third of the bytes (frames are
    # saved in the notebook and the page, one per setting)
    image = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    image = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT,
                           dither=Image.Dither.NONE)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


class DescribedImage(widgets.Image):
    """An ``Image`` whose ``tooltip`` (its text alternative) the front ends can show.

    ipywidgets 8 renders a DOM widget's tooltip as its ``title`` only when the model has an
    empty ``description``, and stops rendering an ``Image`` with a tooltip, which has none. So
    this image syncs an empty description; its model and view stay ipywidgets' ImageModel.
    """

    description = Unicode("", help="Always empty: lets the front end show the tooltip.").tag(
        sync=True)


def frame_widget(obj, dpi: int = DPI, alt: str | None = None) -> widgets.Widget:
    """One frame: a matplotlib Figure or PNG bytes become an ``Image``, a str an ``HTML``.

    ``alt``, the text alternative of an image frame, is saved as the image's ``tooltip``: its
    ``title`` in JupyterLab and the book, where _ext/widgets-config.js makes it the ``alt``.

    >>> frame_widget("<b>hi</b>").value
    '<b>hi</b>'
    >>> frame_widget(b"\\x89PNG...", alt="an empty plot").tooltip
    'an empty plot'
    """
    if isinstance(obj, (bytes, bytearray)):
        if not bytes(obj[:4]) == b"\x89PNG":
            raise ValueError("frame bytes must be a PNG image")
        return DescribedImage(value=bytes(obj), format="png", tooltip=alt)
    if isinstance(obj, str):
        return widgets.HTML(obj)
    if hasattr(obj, "savefig"):
        return DescribedImage(value=figure_png(obj, dpi), format="png", tooltip=alt)
    raise TypeError(f"a frame must be a matplotlib Figure, PNG bytes or an HTML str, "
                    f"got {type(obj).__name__}")


def _alt_text(alt, axes: Sequence[Axis], values: tuple) -> str:
    """The text alternative of the frame for ``values`` (see ``static_widget``)."""
    if alt is None:
        parts = [f"{a.description.rstrip(' :')} = {a.texts()[a.index(v)]}"
                 for a, v in zip(axes, values)]
        return "Figure for " + " and ".join(parts)
    try:
        text = alt.format(*values) if isinstance(alt, str) else alt(*values)
    except (IndexError, KeyError, ValueError) as err:
        raise ValueError(f"alt {alt!r} cannot describe the frame for {values!r}: "
                         f"{err}") from None
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"alt must give a non-empty str for every frame, got {text!r} "
                         f"for {values!r}")
    return " ".join(text.split())


def frames_stack(values, draw_fn: Callable, description: str = "", value=None,
                 kind: str = "slider", fmt: str = "", dpi: int = DPI, alt=None):
    """A control over ``values`` and a ``Stack`` of ``draw_fn(v)`` frames, jslinked.

    Returns ``(control, stack)``; display them together with ``static_widget`` or any box.

    >>> control, stack = frames_stack([1, 2], lambda v: f"<p>{v}</p>", "v")
    >>> [c.value for c in stack.children], stack.selected_index
    (['<p>1</p>', '<p>2</p>'], 0)
    """
    view = static_widget(draw_fn, Axis(description, values, value=value, kind=kind, fmt=fmt),
                         dpi=dpi, alt=alt)
    return view.children[0], view.children[1]


def _nested(axes: Sequence[Axis], controls, draw_fn, prefix, dpi, links, alt, all_axes):
    axis, rest = axes[0], axes[1:]
    children = []
    for v in axis.values:
        if rest:
            children.append(_nested(rest, controls[1:], draw_fn, prefix + (v,), dpi, links,
                                    alt, all_axes))
        else:
            text = _alt_text(alt, all_axes, prefix + (v,))
            children.append(frame_widget(draw_fn(*prefix, v), dpi, alt=text))
    stack = widgets.Stack(children, selected_index=axis.index(axis.value))
    stack.add_class(FRAMES_CLASS)
    links.append(widgets.jslink((controls[0], "index"), (stack, "selected_index")))
    return stack


def static_widget(draw_fn: Callable, *axes: Axis, name: str = "", alt=None, dpi: int = DPI):
    """Controls for ``axes`` and every frame ``draw_fn(v1, v2, ...)``, in one ``VBox``.

    The box's children are the controls (one per axis, in order) and then the outer stack;
    it carries the CSS classes ``lutbook-static`` and ``lutbook-static-<name>`` so that tests
    and readers' style sheets can find it. ``draw_fn`` returns a Figure, PNG bytes or HTML.

    ``alt`` says in words what each image frame shows, for readers who cannot see it: a
    function of the values (``alt=lambda p: f"test accuracy over 40 epochs with {p:.0%} of
    labels flipped"``), or a template filled with them (``"... {0:.0%} of labels flipped"``).
    By default it names the settings ("Figure for k = 8 and label noise = 40%").
    """
    if not axes:
        raise ValueError("static_widget needs at least one Axis")
    if not callable(draw_fn):
        raise TypeError("draw_fn must be callable")
    if not (alt is None or isinstance(alt, str) or callable(alt)):
        raise TypeError(f"alt must be None, a str template or a function of the values, "
                        f"got {type(alt).__name__}")
    controls = [a.control() for a in axes]
    links: list = []
    stack = _nested(axes, controls, draw_fn, (), dpi, links, alt, axes)
    box = widgets.VBox([*controls, stack])
    box.add_class(VIEW_CLASS)
    if name:
        box.add_class(f"{VIEW_CLASS}-{name}")
    box._lutbook_links = links          # keep the links alive with the view
    box._lutbook_axes = axes
    return box


def frame_at(view, values) -> widgets.Widget:
    """The frame widget a static widget shows for ``values`` (one per axis)."""
    axes = view._lutbook_axes
    if len(values) != len(axes):
        raise ValueError(f"{len(axes)} values needed, got {len(values)}")
    node = view.children[-1]
    for axis, v in zip(axes, values):
        node = node.children[axis.index(v)]
    return node


def frame_alt(view, values) -> str | None:
    """The text alternative of the frame for ``values`` (None for an HTML frame)."""
    return getattr(frame_at(view, values), "tooltip", None)


def frame_bytes(view, values) -> bytes:
    """The saved PNG (or UTF-8 HTML) of the frame for ``values``."""
    w = frame_at(view, values)
    if isinstance(w.value, str):
        return w.value.encode()
    return bytes(w.value)          # ipywidgets keeps Image.value as a memoryview


def n_frames(view) -> int:
    """How many frames a static widget holds."""
    n = 1
    for a in view._lutbook_axes:
        n *= len(a.values)
    return n


def all_settings(view):
    """Every combination of values, in frame order."""
    return list(itertools.product(*(a.values for a in view._lutbook_axes)))
