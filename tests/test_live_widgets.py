"""lutlib.live_widgets.LiveWidget: the kernel widget that redraws one image in place."""
from __future__ import annotations

import struct

import ipywidgets as widgets
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from lutlib.live_widgets import LIVE_CLASS, LiveWidget  # noqa: E402
from lutlib.plotting import DPI  # noqa: E402


def png_size(data) -> tuple[int, int]:
    data = bytes(data)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def line(k):
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot(range(k))
    ax.set_title(f"k = {k}")
    return fig


def slider(value=3):
    return widgets.IntSlider(value=value, min=1, max=20)


def test_first_figure_alt_and_note_are_shown():
    view = LiveWidget(line, {"k": slider(3)}, alt="a line through {k} points",
                      note=lambda k: f"drew {k} points")
    assert png_size(view.image.value) == (3 * DPI, 2 * DPI)   # the figure's size: no cropping
    assert view.image.tooltip == "a line through 3 points"
    assert 'role="status"' in view.note.value and "drew 3 points" in view.note.value
    # the new figure's description is announced with the note, in a visually hidden span
    assert '<span style="position:absolute;width:1px;height:1px;' in view.note.value
    assert "a line through 3 points. </span>drew 3 points" in view.note.value
    assert LIVE_CLASS in view._dom_classes
    assert view.children[0] is view.controls["k"] and view.children[1] is view.image
    assert view.seconds_ > 0


def test_moving_a_control_redraws_in_place():
    view = LiveWidget(line, {"k": slider(3)}, alt=lambda k: f"{k} points")
    image, first = view.image, bytes(view.image.value)
    view.controls["k"].value = 9
    assert view.image is image                      # the same widget, new bytes
    assert bytes(view.image.value) != first
    assert view.image.tooltip == "9 points"
    view.controls["k"].value = 3                    # back: the same figure again
    assert bytes(view.image.value) == first


def test_default_alt_names_every_setting():
    view = LiveWidget(lambda k, name: line(k), {"k": slider(4), "name": widgets.Text("a")})
    assert view.image.tooltip == "Figure for k = 4, name = a"


def test_figures_are_closed():
    before = len(plt.get_fignums())
    view = LiveWidget(line, {"k": slider(3)})
    for k in (4, 5, 6):
        view.controls["k"].value = k
    assert len(plt.get_fignums()) == before


def test_a_failing_redraw_keeps_the_last_figure_and_says_why():
    def draw(k):
        if k == 13:
            raise ValueError("no figure for 13")
        return line(k)
    view = LiveWidget(draw, {"k": slider(3)})
    shown = bytes(view.image.value)
    view.controls["k"].value = 13
    assert bytes(view.image.value) == shown
    assert 'role="alert"' in view.note.value
    assert "ValueError: no figure for 13" in view.note.value
    view.controls["k"].value = 4                    # and it recovers
    assert 'role="status"' in view.note.value and bytes(view.image.value) != shown


def test_a_failing_first_figure_raises():
    def draw(k):
        raise RuntimeError("broken")
    with pytest.raises(RuntimeError, match="broken"):
        LiveWidget(draw, {"k": slider()})


def test_error_text_is_escaped():
    def draw(k):
        if k == 2:
            raise ValueError("<b>bold</b>")
        return line(k)
    view = LiveWidget(draw, {"k": slider(3)})
    view.controls["k"].value = 2
    assert "<b>" not in view.note.value and "&lt;b&gt;" in view.note.value


@pytest.mark.parametrize("args, error, message", [
    (("not callable", {"k": None}), TypeError, "draw_fn must be callable"),
    ((line, {}), ValueError, "non-empty mapping"),
    ((line, [("k", 3)]), ValueError, "non-empty mapping"),
    ((line, {"k": 3}), TypeError, "control 'k' must be a widget with a value"),
    ((line, {"k": widgets.Button()}), TypeError, "control 'k' must be a widget with a value"),
])
def test_bad_arguments_get_a_clear_error(args, error, message):
    with pytest.raises(error, match=message):
        LiveWidget(*args)


def test_bad_alt_and_note_get_a_clear_error():
    with pytest.raises(TypeError, match="alt must be"):
        LiveWidget(line, {"k": slider()}, alt=3)
    with pytest.raises(TypeError, match="note must be"):
        LiveWidget(line, {"k": slider()}, note="text")


def test_draw_fn_must_return_a_figure():
    with pytest.raises(TypeError, match="must return a matplotlib Figure, got int"):
        LiveWidget(lambda k: k, {"k": slider()})


def _growing_label(figures):
    """A figure whose y tick labels widen with k (no fixed limits), kept for inspection."""
    def draw(k):
        fig, ax = plt.subplots(figsize=(3, 2), layout="constrained")
        ax.plot([0, 10 ** k])
        ax.set_ylabel("value")
        figures.append(fig)
        return fig
    return draw


@pytest.mark.parametrize("keep", [True, False])
def test_keep_layout_reuses_the_first_layout_only_when_asked(keep):
    figures = []
    view = LiveWidget(_growing_label(figures), {"k": slider(1)}, keep_layout=keep)
    view.controls["k"].value = 7                    # wider tick labels: "1e7" offset, longer
    first, second = (f.axes[0].get_position().bounds for f in figures)
    if keep:
        assert second == pytest.approx(first)       # positions copied, layout not run
        assert figures[1].get_layout_engine().__class__.__name__ == "PlaceHolderLayoutEngine"
    else:
        assert figures[1].get_layout_engine().__class__.__name__ == "ConstrainedLayoutEngine"


def test_keep_layout_lays_out_again_for_another_shape():
    figures = []

    def draw(n):
        fig, axes = plt.subplots(1, n, figsize=(3, 2), layout="constrained", squeeze=False)
        figures.append(fig)
        return fig
    view = LiveWidget(draw, {"n": slider(1)}, keep_layout=True)
    view.controls["n"].value = 2                    # two axes: the stored layout does not fit
    assert figures[1].get_layout_engine().__class__.__name__ == "ConstrainedLayoutEngine"
    left, right = (ax.get_position() for ax in figures[1].axes)
    assert left.x1 <= right.x0


def test_png_is_written_once_per_move(monkeypatch):
    saves = []
    original = matplotlib.figure.Figure.savefig

    def counting(self, *args, **kwargs):
        saves.append(kwargs.get("bbox_inches"))
        return original(self, *args, **kwargs)
    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", counting)
    view = LiveWidget(line, {"k": slider(3)})
    view.controls["k"].value = 4
    assert saves == [None, None]                    # one rendering each, never a tight crop
