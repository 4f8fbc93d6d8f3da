"""Every page of the built book and every slide deck passes axe-core's WCAG 2.1 A/AA rules.

axe-core (pinned in package.json, installed by `npm ci`) is injected into each page, opened
in the Debian Chromium the other browser tests use, with no network; static widgets are
rendered first (their sliders, buttons and frames are checked too). A deck is checked as first
shown, then with every slide laid out in reveal.js's print view. Any violation
of the tags wcag2a, wcag2aa, wcag21a, wcag21aa fails, with its rule, impact and nodes.
"""
from __future__ import annotations

import pytest

from book_paths import HTML, REQUIRED, ROOT, html_pages

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SLIDES = ROOT / "_build" / "slides"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
WIDGETS_RENDERED = """() => [...document.querySelectorAll(
    'script[type="application/vnd.jupyter.widget-view+json"]')].every(s => {
        const area = s.previousElementSibling;
        return area && area.classList.contains('widget-subarea') && area.children.length; })"""


def slide_decks() -> list[str]:
    return sorted(p.name for p in SLIDES.glob("*.html")) if SLIDES.is_dir() else []


@pytest.fixture(scope="module")
def axe_js() -> str:
    if not AXE.is_file():
        message = f"{AXE} missing; run `npm ci`"
        if REQUIRED:
            pytest.fail(message)
        pytest.skip(message)
    return AXE.read_text(encoding="utf-8")


def axe_violations(tab, axe_js: str) -> list[dict]:
    """axe-core's violations of TAGS on the page open in ``tab``, once its widgets render."""
    tab.wait_for_function(WIDGETS_RENDERED, timeout=60_000)
    tab.wait_for_timeout(300)           # the widgets' accessible names are set as they appear
    tab.add_script_tag(content=axe_js)
    result = tab.evaluate(
        """tags => axe.run(document, {runOnly: {type: 'tag', values: tags},
                                      resultTypes: ['violations']})""", TAGS)
    return result["violations"]


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}, {len(v['nodes'])} nodes): {v['help']}")
        for node in v["nodes"][:5]:
            lines.append(f"    {' '.join(map(str, node['target']))}: {node['html'][:160]}")
    return "\n".join(lines)


def _open(browser, url: str, allowed: tuple[str, ...]):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = ctx.new_page()
    tab.route("**/*", lambda r: r.continue_() if r.request.url.startswith(allowed)
              else r.abort())
    tab.goto(url, wait_until="load")
    return ctx, tab


PAGES = [p.as_posix() for p in html_pages()]


@pytest.mark.parametrize("page", PAGES)
def test_book_page_has_no_wcag_violation(browser, server, axe_js, page):
    ctx, tab = _open(browser, f"{server}/{page}", (server, "data:", "blob:"))
    try:
        violations = axe_violations(tab, axe_js)
    finally:
        ctx.close()
    assert not violations, f"{page}:\n{describe(violations)}"


def deck_violations(tab, axe_js: str, url: str) -> list[dict]:
    """axe-core's violations on a reveal.js deck: as first shown in ``tab``, then every slide at
    once in reveal.js's print view (``?view=print``, one page per slide, all laid out).

    The print view keeps the ``hidden``/``aria-hidden`` attributes of the interactive view on
    the slides it lays out (they are shown all the same); they are removed before checking, so
    each slide is checked as a reader sees it when it is presented.
    """
    violations = axe_violations(tab, axe_js)
    tab.goto(url + "?view=print", wait_until="load")
    tab.wait_for_function("window.Reveal && Reveal.isReady()", timeout=60_000)
    tab.wait_for_function("document.body.getAttribute('data-mathjax') === 'done'", timeout=60_000)
    pages = tab.evaluate("""() => {
        for (const s of document.querySelectorAll('.reveal .slides section')) {
            s.removeAttribute('hidden'); s.removeAttribute('aria-hidden'); }
        return document.querySelectorAll('.reveal .slides .pdf-page').length; }""")
    assert pages == tab.evaluate("Reveal.getTotalSlides()"), "the print view lost slides"
    found = axe_violations(tab, axe_js)
    for v in found:
        v["help"] = f"print view, {len(v['nodes'])} nodes: {v['help']}"
    return violations + found


@pytest.mark.parametrize("deck", slide_decks())
def test_slide_deck_has_no_wcag_violation(browser, axe_js, deck):
    ctx, tab = _open(browser, (SLIDES / deck).as_uri(), ("file:", "data:", "blob:"))
    try:
        if deck == "index.html":
            violations = axe_violations(tab, axe_js)
        else:
            tab.wait_for_function("window.Reveal && Reveal.isReady()", timeout=60_000)
            violations = deck_violations(tab, axe_js, (SLIDES / deck).as_uri())
    finally:
        ctx.close()
    assert not violations, f"slides/{deck}:\n{describe(violations)}"


def test_there_are_pages_to_check(book):
    """The parametrized tests above would pass vacuously on an empty build."""
    assert (HTML / "index.html").is_file() and len(PAGES) >= 10, PAGES
