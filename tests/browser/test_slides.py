"""The slide decks of `make slides` in headless Chromium, opened from file:// with no network.

Every deck (one per chapter of _toc.yml) is opened offline (any request that is not file:,
data: or blob: is blocked and fails the test), then every slide is shown in turn and checked:
math typeset by the vendored MathJax (no raw ``$...$``, ``\\(``, no MathJax error), figures
loaded (``naturalWidth > 0``, saved widgets rendered), no raw MyST (``{eval``, ``{cite``,
fences), nothing taller than the slide. Screenshots of some slides go to
_build/screenshots/slides/ (all of them with LUTBOOK_SLIDE_SHOTS=all).

Needs `make slides`; `make browser` (so `make test`) builds the slides first.
"""
from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest

from book_paths import REQUIRED, ROOT, SCREENSHOTS

sys.path.insert(0, str(ROOT / "scripts"))
from make_slides import toc_docs  # noqa: E402

SLIDES = Path(os.environ.get("LUTBOOK_SLIDES", ROOT / "_build" / "slides"))
CHAPTERS = [Path(d).name for d in toc_docs(ROOT / "_toc.yml")[1]]
SHOTS = SCREENSHOTS / "slides"
ALL_SHOTS = os.environ.get("LUTBOOK_SLIDE_SHOTS") == "all"
RAW_MYST = ("{eval", "{cite", "{doc}", "{ref}", "```", ":::", "{admonition", "{exercise",
            "{solution", "{note}", ":label:", ":class:")
TARGET = re.compile(r"\((?:[a-z0-9]+-)+[a-z0-9]+\)=")      # a MyST target such as (sec-x)=
RAW_MATH = re.compile(r"\$[^$\s][^$]*\$|\\\(|\\\[|\$\$")


@pytest.fixture(scope="module")
def slides() -> Path:
    if not (SLIDES / "index.html").is_file():
        if REQUIRED:
            pytest.fail(f"{SLIDES}/index.html not built: run `make slides` (LUTBOOK_REQUIRE_BOOK=1)")
        pytest.skip(f"{SLIDES}/index.html not built; run `make slides`")
    return SLIDES


def test_one_deck_per_chapter_and_an_index(slides):
    decks = sorted(p.stem for p in slides.glob("*.html") if p.name != "index.html")
    assert decks == sorted(CHAPTERS), "decks and _toc.yml chapters differ: run `make slides`"
    index = (slides / "index.html").read_text(encoding="utf-8")
    for name in CHAPTERS:
        assert f'href="{name}.html"' in index, f"index.html has no link to {name}.html"


# In the page: the text a reader sees on the current slide, without typeset math, code and
# outputs (prints may hold dollar signs), and what could be wrong with it.
_SLIDE_STATE = """() => {
  const s = Reveal.getCurrentSlide();
  const clone = s.cloneNode(true);
  clone.querySelectorAll('mjx-container, pre, code, .jp-OutputArea, aside.notes, script, style')
       .forEach(e => e.remove());
  const imgs = [...s.querySelectorAll('img')];
  const widgets = [...s.querySelectorAll('.jupyter-widgets.jp-OutputArea-output')];
  return {
    text: clone.textContent,
    math: s.querySelectorAll('mjx-container').length,
    merror: s.querySelectorAll('mjx-merror, mjx-container [data-mjx-error]').length,
    images: imgs.length,
    broken: imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src.slice(0, 60)),
    widgets: widgets.length,
    unrendered: widgets.filter(w => !w.querySelector('.lm-Widget')).length,
    height: s.scrollHeight,
    wide: [...s.querySelectorAll('mjx-container[display="true"], img, table')]
            .filter(e => e.getBoundingClientRect().right > s.getBoundingClientRect().right + 2
                         && !e.closest('.jp-OutputArea-output[style*=overflow], pre'))
            .map(e => e.tagName.toLowerCase()),
    title: (s.querySelector('h1, h2, h3') || {}).textContent || '',
  };
}"""


@pytest.mark.parametrize("name", CHAPTERS)
def test_deck_offline(slides, chromium, name):
    deck = slides / f"{name}.html"
    assert deck.is_file(), f"{deck} missing: run `make slides`"
    problems: list[str] = []
    ctx = chromium.new_context(viewport={"width": 1280, "height": 800}, service_workers="block")
    tab = ctx.new_page()

    def route(r):
        if urlparse(r.request.url).scheme in ("file", "data", "blob"):
            r.continue_()
        else:
            problems.append(f"request leaving file://: {r.request.url}")
            r.abort()

    tab.route("**/*", route)
    ctx.on("request", lambda r: urlparse(r.url).scheme not in ("file", "data", "blob")
           and problems.append(f"request: {r.url}"))
    tab.on("console", lambda m: m.type == "error" and problems.append(f"console error: {m.text}"))
    tab.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    tab.on("requestfailed", lambda r: problems.append(f"request failed: {r.url} ({r.failure})"))
    try:
        tab.goto(deck.as_uri(), wait_until="load")
        tab.wait_for_function("document.body.getAttribute('data-mathjax') === 'done'", timeout=60_000)
        tab.wait_for_function("window.Reveal && Reveal.isReady()", timeout=30_000)
        n_widgets = tab.evaluate("document.querySelectorAll('script[type=\"application/vnd.jupyter"
                                 ".widget-view+json\"]').length")
        if n_widgets:   # the widgets manager renders each saved view (a Lumino widget)
            tab.wait_for_function(
                "[...document.querySelectorAll('.jupyter-widgets.jp-OutputArea-output')]"
                ".every(w => w.querySelector('.lm-Widget'))", timeout=60_000)
        slides_idx = tab.evaluate("Reveal.getSlides().map(s => Reveal.getIndices(s))")
        height = tab.evaluate("Reveal.getConfig().height")
        assert len(slides_idx) >= 3, f"{name}: only {len(slides_idx)} slides"
        SHOTS.mkdir(parents=True, exist_ok=True)
        total_math = total_images = shots = 0
        for k, idx in enumerate(slides_idx, 1):
            tab.evaluate(f"Reveal.slide({idx['h']}, {idx['v'] or 0})")
            tab.evaluate("Promise.all([...Reveal.getCurrentSlide().querySelectorAll('img')]"
                         ".map(i => i.decode().catch(() => null)))")
            st = tab.evaluate(_SLIDE_STATE)
            where = f"{name} slide {k} ({st['title'][:40]!r})"
            for raw in RAW_MYST:
                if raw in st["text"]:
                    at = st["text"].find(raw)
                    problems.append(f"{where}: raw MyST {raw!r}: ...{st['text'][max(0, at - 40):at + 40]!r}")
            target = TARGET.search(st["text"])
            if target:
                problems.append(f"{where}: raw MyST target {target.group(0)!r}")
            raw_math = RAW_MATH.search(st["text"])
            if raw_math:
                problems.append(f"{where}: math not typeset: {raw_math.group(0)[:60]!r}")
            if st["merror"]:
                problems.append(f"{where}: {st['merror']} MathJax errors")
            if st["broken"]:
                problems.append(f"{where}: images not loaded: {st['broken']}")
            if st["unrendered"]:
                problems.append(f"{where}: {st['unrendered']} widgets not rendered")
            if st["wide"]:
                problems.append(f"{where}: wider than the slide: {st['wide']}")
            if st["height"] > height + 4:
                problems.append(f"{where}: content is {st['height']} px tall, the slide {height} px")
            total_math += st["math"]
            total_images += st["images"]
            if ALL_SHOTS or k <= 2 or (st["images"] and shots < 2):
                shots += bool(st["images"]) and k > 2
                tab.screenshot(path=str(SHOTS / f"{name}-{k:02d}.png"))
        assert total_math > 0, f"{name}: no typeset math in the whole deck"
        assert total_images > 0, f"{name}: no figure in the whole deck"
    finally:
        ctx.close()
    assert not problems, "\n".join(problems[:25])


def test_static_widget_switches_frames_in_a_deck(slides, chromium):
    """The saved static widgets work in the slides too: a button shows another saved frame."""
    decks = [slides / f"{n}.html" for n in CHAPTERS
             if "ToggleButtonsModel" in (slides / f"{n}.html").read_text(encoding="utf-8")]
    assert decks, "no deck has a static widget with buttons"
    deck = decks[0]
    ctx = chromium.new_context(viewport={"width": 1280, "height": 800}, service_workers="block")
    tab = ctx.new_page()
    tab.route("**/*", lambda r: r.continue_() if urlparse(r.request.url).scheme in ("file", "data", "blob")
              else r.abort())
    try:
        tab.goto(deck.as_uri(), wait_until="load")
        tab.wait_for_function("document.body.getAttribute('data-mathjax') === 'done'", timeout=60_000)
        tab.wait_for_function("document.querySelectorAll('.widget-toggle-button').length > 0",
                              timeout=60_000)
        k = tab.evaluate("Reveal.getSlides().findIndex(s => s.querySelector('.widget-toggle-button'))")
        assert k >= 0, "no slide with a static widget's buttons"
        idx = tab.evaluate(f"Reveal.getIndices(Reveal.getSlides()[{k}])")
        tab.evaluate(f"Reveal.slide({idx['h']}, {idx['v'] or 0})")
        shown = ("() => [...Reveal.getCurrentSlide().querySelectorAll('.widget-image')]"
                 ".filter(i => i.offsetParent).map(i => i.src)")
        before = tab.evaluate(shown)
        assert len(before) == 1, before
        tab.locator("section.present .widget-toggle-button:not(.mod-active)").first.click()
        tab.wait_for_function(f"({shown})()[0] !== {before[0]!r}", timeout=10_000)
        after = tab.evaluate(shown)
        assert len(after) == 1 and after != before
        assert tab.evaluate("[...Reveal.getCurrentSlide().querySelectorAll('.widget-image')]"
                            ".filter(i => i.offsetParent).every(i => i.naturalWidth > 0)")
    finally:
        ctx.close()
