"""The live static widgets of the built book switch frames in the browser, with no kernel.

Each chapter's main widget has a static counterpart (`lutlib.static_widgets`): controls
jslinked to nested ipywidgets Stacks of frames saved with the page. This test reads the
frames from the committed notebook's saved widget state, opens the chapter in headless
Chromium (no network), drags each slider / clicks each button to every value, and fails
unless the image (or HTML) on screen is, byte for byte, the saved frame for the values the
controls show, and unless its alt text is the description saved with that frame. Every image
frame must have one. Run with `make browser` (after `make book`).
"""
from __future__ import annotations

import base64
import itertools
import json
import re
from pathlib import Path

import pytest

from book_paths import HTML, ROOT, SCREENSHOTS

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
STATE_KEY = "application/vnd.jupyter.widget-state+json"
VIEW_CLASS = "lutbook-static"
MAX_COMBINATIONS = 80          # every combination is visited up to this many frames
FILE_NAME = re.compile(r"\.(png|jpe?g|svg)\b|[0-9a-f]{16,}", re.I)


def _ref(value: str) -> str:
    assert value.startswith("IPY_MODEL_"), value
    return value[len("IPY_MODEL_"):]


def _frames(state, model_id):
    """Nested lists of the saved frames under a Stack: ('png', bytes, alt) or ('html', str,
    None), alt being the image's saved description (its tooltip; None if it has none)."""
    model = state[model_id]
    name = model["model_name"]
    if name == "StackModel":
        return [_frames(state, _ref(c)) for c in model["state"]["children"]]
    if name == "ImageModel":
        buffers = {tuple(b["path"]): b["data"] for b in model.get("buffers", [])}
        assert ("value",) in buffers, f"image {model_id} saved without its bytes"
        return ("png", base64.b64decode(buffers[("value",)]), model["state"].get("tooltip"))
    if name == "HTMLModel":
        return ("html", model["state"]["value"], None)
    raise AssertionError(f"unexpected frame model {name}")


def static_views(path: Path) -> list[dict]:
    """The static widgets a notebook saves: name, controls (kind, labels), frames."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    state = nb.get("metadata", {}).get("widgets", {}).get(STATE_KEY, {}).get("state", {})
    views = []
    for model in state.values():
        classes = model["state"].get("_dom_classes", [])
        if model["model_name"] != "VBoxModel" or VIEW_CLASS not in classes:
            continue
        name = next((c[len(VIEW_CLASS) + 1:] for c in classes
                     if c.startswith(VIEW_CLASS + "-") and c != VIEW_CLASS + "-control"), "")
        children = [_ref(c) for c in model["state"]["children"]]
        controls = []
        for cid in children[:-1]:
            c = state[cid]
            controls.append({"kind": c["model_name"], "labels": c["state"]["_options_labels"],
                             "index": c["state"]["index"]})
        views.append({"name": name, "controls": controls,
                      "frames": _frames(state, children[-1])})
    return views


CASES = [(p.stem, v["name"]) for p in NOTEBOOKS for v in static_views(p)]


def _frame(frames, indices):
    for i in indices:
        frames = frames[i]
    return frames


def test_every_chapter_has_a_live_static_widget():
    missing = [p.name for p in NOTEBOOKS if not static_views(p)]
    assert not missing, f"chapters without a live static widget: {missing}"
    for stem, name in CASES:
        assert name, f"{stem}: a static widget without a name (static_widget(name=...))"


def _shown(tab, root):
    """What the view shows now: ('png', bytes, alt) of its one visible image, or ('html', str)."""
    return tab.evaluate(
        """async (root) => {
            const box = document.querySelector(root);
            const imgs = [...box.querySelectorAll('img')].filter(i => i.offsetParent !== null);
            if (imgs.length > 1) return ['error', imgs.length + ' images visible'];
            if (imgs.length === 1) {
                const buf = new Uint8Array(await (await fetch(imgs[0].src)).arrayBuffer());
                let s = ''; for (const b of buf) s += String.fromCharCode(b);
                return ['png', btoa(s), imgs[0].getAttribute('alt')];
            }
            const html = [...box.querySelectorAll('.widget-html-content')]
                .filter(h => h.offsetParent !== null);
            if (html.length !== 1) return ['error', html.length + ' HTML frames visible'];
            return ['html', html[0].innerHTML];
        }""", root)


def _matches(shown, expected) -> bool:
    kind, value = shown[0], shown[1]
    if kind != expected[0]:
        return False
    if kind == "png":
        return base64.b64decode(value) == expected[1] and (
            expected[2] is None or shown[2] == expected[2])
    # the browser normalises HTML; compare the text without whitespace differences
    return " ".join(value.split()) == " ".join(expected[1].split())


def _set(tab, control, kind, labels, j):
    """Move one control to option j, the way a reader does: drag a slider, click a button."""
    if kind == "SelectionSliderModel":
        track = control.locator(".noUi-target")
        handle = control.locator(".noUi-handle")
        box, hbox = track.bounding_box(), handle.bounding_box()
        x = box["x"] + box["width"] * (j / (len(labels) - 1) if len(labels) > 1 else 0)
        y = hbox["y"] + hbox["height"] / 2
        tab.mouse.move(hbox["x"] + hbox["width"] / 2, y)
        tab.mouse.down()
        tab.mouse.move(x, y, steps=6)
        tab.mouse.up()
        readout = control.locator(".widget-readout").inner_text().strip()
        assert readout == labels[j], f"dragged to {labels[j]!r}, the readout says {readout!r}"
    elif kind == "ToggleButtonsModel":
        control.locator("button", has_text=labels[j]).first.click()
    elif kind == "DropdownModel":
        control.locator("select").select_option(label=labels[j])
    else:
        raise AssertionError(f"no way to move a {kind}")


@pytest.mark.parametrize("stem, name", CASES, ids=[f"{s}:{n}" for s, n in CASES])
def test_moving_the_control_shows_the_matching_frame(browser, server, stem, name):
    view = next(v for v in static_views(ROOT / "notebooks" / f"{stem}.ipynb")
                if v["name"] == name)
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = ctx.new_page()
    errors = []
    tab.on("pageerror", lambda e: errors.append(str(e)))
    tab.route("**/*", lambda r: r.continue_() if r.request.url.startswith(
        (server, "data:", "blob:")) else r.abort())
    tab.goto(f"{server}/notebooks/{stem}.html", wait_until="load")
    root = f".{VIEW_CLASS}-{name}"
    tab.wait_for_selector(f"{root} .{VIEW_CLASS}-control", timeout=30_000)
    box = tab.locator(root)
    assert box.count() == 1, f"{stem}: {box.count()} views named {name}"
    box.scroll_into_view_if_needed()
    controls = box.locator(f".{VIEW_CLASS}-control")
    assert controls.count() == len(view["controls"])

    def check(indices, what):
        expected = _frame(view["frames"], indices)
        shown = None
        for _ in range(50):                     # the view updates asynchronously
            shown = _shown(tab, root)
            if _matches(shown, expected):
                return
            tab.wait_for_timeout(100)
        labels = [c["labels"][i] for c, i in zip(view["controls"], indices)]
        pytest.fail(f"{stem} {name}: after {what}, the controls read {labels} but the page "
                    f"does not show the saved frame for them (shows {shown[0]}, "
                    f"{len(shown[1])} characters)")

    # the initial frame is the one for the controls' saved values
    start = [c["index"] for c in view["controls"]]
    check(start, "loading")

    sizes = [len(c["labels"]) for c in view["controls"]]
    combos = list(itertools.product(*map(range, sizes)))
    if len(combos) > MAX_COMBINATIONS:          # every value of every control, at least
        combos = [tuple((i + a * 7) % n for a, n in enumerate(sizes))
                  for i in range(max(sizes))]
    current = list(start)
    for target in combos:
        for a, j in enumerate(target):
            if current[a] != j:
                c = view["controls"][a]
                _set(tab, controls.nth(a), c["kind"], c["labels"], j)
                current[a] = j
        check(target, f"moving to {target}")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    box.screenshot(path=str(SCREENSHOTS / f"static__{stem}__{name}.png"))
    ctx.close()
    assert not errors, errors


def _flat(frames):
    while isinstance(frames, list) and frames and isinstance(frames[0], list):
        frames = [f for sub in frames for f in sub]
    return frames


@pytest.mark.parametrize("stem, name", CASES, ids=[f"{s}:{n}" for s, n in CASES])
def test_every_image_frame_says_what_it_shows(stem, name):
    """Each image frame has its own alt text, and it is words, not a file name or hash."""
    view = next(v for v in static_views(ROOT / "notebooks" / f"{stem}.ipynb")
                if v["name"] == name)
    alts = [f[2] for f in _flat(view["frames"]) if f[0] == "png"]
    missing = sum(not a or not a.strip() for a in alts)
    assert not missing, (f"{stem} {name}: {missing} of {len(alts)} image frames have no alt "
                         "text; re-execute the chapter (static_widget(..., alt=...))")
    assert not [a for a in alts if FILE_NAME.search(a)], f"{stem} {name}: alt names a file"
    assert len(set(alts)) == len(alts), f"{stem} {name}: frames share alt text: {alts}"


def test_frames_differ(browser):
    """A view whose frames were all the same would pass the test above vacuously."""
    for stem, name in CASES:
        view = next(v for v in static_views(ROOT / "notebooks" / f"{stem}.ipynb")
                    if v["name"] == name)
        flat = _flat(view["frames"])
        assert len({f[1] for f in flat}) == len(flat), f"{stem} {name}: repeated frames"
