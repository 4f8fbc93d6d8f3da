"""lutlib.static_widgets: frames saved with the page, switched in the browser by jslink."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import ipywidgets as widgets  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lutlib.static_widgets import (  # noqa: E402
    CONTROL_CLASS, FRAMES_CLASS, VIEW_CLASS, Axis, all_settings, figure_png, frame_alt,
    frame_at, frame_bytes, frame_widget, frames_stack, n_frames, static_widget)


def draw(*values):
    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.set_title(" ".join(map(str, values)))
    ax.plot([0, 1], [0, len(values)])
    return fig


def _links(view):
    return view._lutbook_links


def test_one_axis_links_control_index_to_stack():
    view = static_widget(draw, Axis("k", (2, 4, 8), value=8), name="t1")
    control, stack = view.children
    assert isinstance(control, widgets.SelectionSlider)
    assert isinstance(stack, widgets.Stack)
    assert control.index == stack.selected_index == 2
    assert len(stack.children) == 3
    [link] = _links(view)
    assert isinstance(link, widgets.widget_link.Link)
    assert (link.source[0] is control and link.source[1] == "index"
            and link.target == (stack, "selected_index"))
    assert control.options == (("2", 0), ("4", 1), ("8", 2))
    assert {VIEW_CLASS, f"{VIEW_CLASS}-t1"} <= set(view._dom_classes)
    assert CONTROL_CLASS in control._dom_classes and FRAMES_CLASS in stack._dom_classes


def test_frames_are_distinct_pngs_in_value_order():
    view = static_widget(draw, Axis("k", (2, 4, 8)))
    frames = [frame_bytes(view, (k,)) for k in (2, 4, 8)]
    assert all(f.startswith(b"\x89PNG") for f in frames)
    assert len(set(frames)) == 3
    # the frame for k=4 is what draw(4) renders
    assert frames[1] == figure_png(draw(4))


def test_two_axes_nest_stacks_and_link_every_inner_stack():
    seen = []

    def record(a, b):
        seen.append((a, b))
        return f"<p>{a}-{b}</p>"

    view = static_widget(record, Axis("k", (8, 12), kind="buttons", value=12),
                         Axis("noise", (0.0, 0.5, 1.0), fmt=".0%", value=0.5), name="grid")
    k_control, noise_control, outer = view.children
    assert isinstance(k_control, widgets.ToggleButtons)
    assert noise_control.options == (("0%", 0), ("50%", 1), ("100%", 2))
    assert seen == [(8, 0.0), (8, 0.5), (8, 1.0), (12, 0.0), (12, 0.5), (12, 1.0)]
    assert outer.selected_index == 1
    assert [inner.selected_index for inner in outer.children] == [1, 1]
    links = _links(view)
    assert len(links) == 3          # outer <- k, each inner <- noise
    targets = {id(link.target[0]): link.source[0] for link in links}
    assert targets[id(outer)] is k_control
    for inner in outer.children:
        assert targets[id(inner)] is noise_control
    assert frame_at(view, (12, 1.0)).value == "<p>12-1.0</p>"
    assert n_frames(view) == 6 and all_settings(view)[4] == (12, 0.5)


def test_frames_stack_returns_control_and_stack():
    control, stack = frames_stack(["a", "b"], lambda v: f"<i>{v}</i>", "letter", value="b",
                                  kind="dropdown")
    assert isinstance(control, widgets.Dropdown)
    assert control.index == stack.selected_index == 1


def test_png_is_deterministic():
    assert figure_png(draw(1)) == figure_png(draw(1))
    assert figure_png(draw(1)) != figure_png(draw(2))


def test_float_values_are_found_despite_rounding():
    axis = Axis("f", (0.1, 0.3), value=0.1 + 0.2)
    assert axis.index(0.30000000000000004) == 1


def test_tiny_floats_are_distinct_and_nan_finds_itself():
    axis = Axis("eps", (1e-10, 2e-10, 3e-10), value=2e-10)
    assert axis.index(2e-10) == 1 and axis.index(3e-10) == 2
    nan_axis = Axis("threshold", (float("nan"), 0.5), value=float("nan"))
    assert nan_axis.index(np.nan) == 0 and nan_axis.index(0.5) == 1
    with pytest.raises(ValueError, match="distinct"):
        Axis("threshold", (float("nan"), np.nan))
    # numpy scalars find their Python equals, and -0.0 finds 0.0
    assert Axis("f", (np.float32(0.25), 0.0)).index(0.25) == 0
    assert Axis("f", (0.25, 0.0)).index(-0.0) == 1
    assert Axis("n", (np.int64(3), 4)).index(3) == 0


def test_every_image_frame_has_its_own_alt_text():
    view = static_widget(draw, Axis("k", (8, 12), kind="buttons"),
                         Axis("label noise", (0.0, 0.4), fmt=".0%"),
                         alt=lambda k, p: f"test accuracy of k = {k} with {p:.0%} flipped")
    alts = [frame_alt(view, s) for s in all_settings(view)]
    assert alts[3] == "test accuracy of k = 12 with 40% flipped"
    assert len(set(alts)) == 4
    # the alt text is the image's tooltip, saved with the widget state
    assert frame_at(view, (8, 0.4)).tooltip == "test accuracy of k = 8 with 40% flipped"
    template = static_widget(draw, Axis("p", (0.1, 0.5)), alt="accuracy, {0:.0%} flipped")
    assert frame_alt(template, (0.5,)) == "accuracy, 50% flipped"


def test_default_alt_text_names_the_settings_not_a_file():
    view = static_widget(draw, Axis("k", (8, 12)), Axis("label noise:", (0.0, 0.4), fmt=".0%"))
    assert frame_alt(view, (12, 0.4)) == "Figure for k = 12 and label noise = 40%"
    labelled = static_widget(draw, Axis("strength", (0, 1), labels=("weak", "strong")))
    assert frame_alt(labelled, (1,)) == "Figure for strength = strong"
    assert frame_alt(static_widget(lambda k: f"<p>{k}</p>", Axis("k", (1,))), (1,)) is None


@pytest.mark.parametrize("alt, error, message", [
    (42, TypeError, "alt must be None, a str template or a function"),
    (lambda k: "", ValueError, "non-empty str"),
    (lambda k: None, ValueError, "non-empty str .* got None for \\(2,\\)"),
    ("accuracy {1}", ValueError, "cannot describe the frame for \\(2,\\)"),
])
def test_bad_alt_is_refused(alt, error, message):
    with pytest.raises(error, match=message):
        static_widget(draw, Axis("k", (2, 4)), alt=alt)


@pytest.mark.parametrize("kwargs, message", [
    (dict(values=()), "must not be empty"),
    (dict(values=(1, 1)), "distinct"),
    (dict(values=(1, 2), value=3), "not one of"),
    (dict(values=(1, 2), kind="knob"), "kind must be"),
    (dict(values=(1, 2), labels=("a",)), "1 labels for 2 values"),
    (dict(values=(1e-10, 1e-10)), "distinct"),
    (dict(values=(1e-10, 2e-10), value=float("nan")), "nan is not one of"),
])
def test_bad_axes_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Axis("x", **kwargs)


def test_unhashable_values_are_refused_clearly():
    with pytest.raises(TypeError, match="values must be hashable .* got \\[1, 2\\]"):
        Axis("x", ([1, 2], [3]))


def test_bad_frames_and_calls_are_refused():
    with pytest.raises(TypeError, match="matplotlib Figure, PNG bytes or an HTML str"):
        frame_widget(42)
    with pytest.raises(ValueError, match="PNG"):
        frame_widget(b"GIF89a")
    with pytest.raises(ValueError, match="at least one Axis"):
        static_widget(draw)
    with pytest.raises(TypeError, match="callable"):
        static_widget("draw", Axis("k", (1,)))
    view = static_widget(draw, Axis("k", (1, 2)))
    with pytest.raises(ValueError, match="1 values needed"):
        frame_at(view, (1, 2))


def test_state_is_saved_with_images_as_buffers():
    """What the book saves: the Stack and the Image models with their PNG bytes."""
    view = static_widget(draw, Axis("k", (1, 2)))
    state = widgets.Widget.get_manager_state(drop_defaults=False)["state"]
    stack = view.children[1]
    assert state[stack.model_id]["state"]["_model_name"] == "StackModel"
    image = stack.children[0]
    assert state[image.model_id]["state"]["_model_name"] == "ImageModel"
    assert state[image.model_id]["buffers"], "the PNG is not saved with the image"
    assert state[image.model_id]["state"]["tooltip"] == "Figure for k = 1"
    # an Image with a tooltip renders only if its model has an empty description (ipywidgets 8)
    assert state[image.model_id]["state"]["description"] == ""
