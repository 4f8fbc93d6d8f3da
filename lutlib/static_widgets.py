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
"""
from __future__ import annotations

import io
import itertools
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import ipywidgets as widgets

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


def _key(value):
    """Values compare by their repr-rounded form, so 0.1 + 0.2 finds 0.3."""
    if isinstance(value, float):
        return round(value, 9)
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


def frame_widget(obj, dpi: int = DPI) -> widgets.Widget:
    """One frame: a matplotlib Figure or PNG bytes become an ``Image``, a str an ``HTML``.

    >>> frame_widget("<b>hi</b>").value
    '<b>hi</b>'
    """
    if isinstance(obj, (bytes, bytearray)):
        if not bytes(obj[:4]) == b"\x89PNG":
            raise ValueError("frame bytes must be a PNG image")
        return widgets.Image(value=bytes(obj), format="png")
    if isinstance(obj, str):
        return widgets.HTML(obj)
    if hasattr(obj, "savefig"):
        return widgets.Image(value=figure_png(obj, dpi), format="png")
    raise TypeError(f"a frame must be a matplotlib Figure, PNG bytes or an HTML str, "
                    f"got {type(obj).__name__}")


def frames_stack(values, draw_fn: Callable, description: str = "", value=None,
                 kind: str = "slider", fmt: str = "", dpi: int = DPI):
    """A control over ``values`` and a ``Stack`` of ``draw_fn(v)`` frames, jslinked.

    Returns ``(control, stack)``; display them together with ``static_widget`` or any box.

    >>> control, stack = frames_stack([1, 2], lambda v: f"<p>{v}</p>", "v")
    >>> [c.value for c in stack.children], stack.selected_index
    (['<p>1</p>', '<p>2</p>'], 0)
    """
    view = static_widget(draw_fn, Axis(description, values, value=value, kind=kind, fmt=fmt),
                         dpi=dpi)
    return view.children[0], view.children[1]


def _nested(axes: Sequence[Axis], controls, draw_fn, prefix, dpi, links):
    axis, rest = axes[0], axes[1:]
    children = []
    for v in axis.values:
        if rest:
            children.append(_nested(rest, controls[1:], draw_fn, prefix + (v,), dpi, links))
        else:
            children.append(frame_widget(draw_fn(*prefix, v), dpi))
    stack = widgets.Stack(children, selected_index=axis.index(axis.value))
    stack.add_class(FRAMES_CLASS)
    links.append(widgets.jslink((controls[0], "index"), (stack, "selected_index")))
    return stack


def static_widget(draw_fn: Callable, *axes: Axis, name: str = "", dpi: int = DPI):
    """Controls for ``axes`` and every frame ``draw_fn(v1, v2, ...)``, in one ``VBox``.

    The box's children are the controls (one per axis, in order) and then the outer stack;
    it carries the CSS classes ``lutbook-static`` and ``lutbook-static-<name>`` so that tests
    and readers' style sheets can find it. ``draw_fn`` returns a Figure, PNG bytes or HTML.
    """
    if not axes:
        raise ValueError("static_widget needs at least one Axis")
    if not callable(draw_fn):
        raise TypeError("draw_fn must be callable")
    controls = [a.control() for a in axes]
    links: list = []
    stack = _nested(axes, controls, draw_fn, (), dpi, links)
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
