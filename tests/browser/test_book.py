"""The built book works in a browser with no network: every page, every asset local.

Run with `make browser` (after `make book`). Screenshots go to _build/screenshots/.
"""
from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest

from book_paths import HTML, SCREENSHOTS, html_pages

PAGES = html_pages()
# Pages that Sphinx writes for itself; still visited, but they have no content to check.
GENERATED = {"genindex.html", "search.html", "index.html"}

EXTERNAL_ASSET = re.compile(
    r"""<(?:script|img|iframe|source|audio|video)\b[^>]*\bsrc=["']\s*(?:https?:)?//"""
    r"""|<link\b[^>]*\bhref=["']\s*(?:https?:)?//""",
    re.IGNORECASE)
CSS_EXTERNAL = re.compile(r"""(?:url\(\s*["']?\s*(?:https?:)?//|@import\s+["'](?:https?:)?//)""",
                          re.IGNORECASE)


def test_book_has_pages(book):
    names = {p.as_posix() for p in PAGES}
    assert "book/intro.html" in names
    assert "book/bibliography.html" in names
    assert any(n.startswith("notebooks/") for n in names), "no chapter notebook in the book"


@pytest.mark.parametrize("page", PAGES, ids=str)
def test_page_loads_nothing_from_the_network(book, page):
    """Static check: no <script src>, <link href>, <img src> ... points off the book.

    Plain <a href> links (launch buttons, references) are fine: they are links, not assets.
    """
    html = (HTML / page).read_text(encoding="utf-8")
    hits = [m.group(0) for m in EXTERNAL_ASSET.finditer(html)]
    assert not hits, f"{page} loads assets from the network: {hits[:5]}"


def test_stylesheets_load_nothing_from_the_network(book):
    offenders = []
    for css in HTML.rglob("*.css"):
        text = css.read_text(encoding="utf-8", errors="replace")
        offenders += [f"{css.relative_to(HTML)}: {m.group(0)}" for m in CSS_EXTERNAL.finditer(text)]
    assert not offenders, offenders[:10]


def test_offline_javascript_is_vendored(book):
    for rel in ("_vendor/mathjax/tex-chtml.js", "_vendor/requirejs/require.js",
                "_vendor/html-manager/embed-amd.js"):
        assert (HTML / rel).is_file(), f"{rel} missing from the build (make vendor)"


def _check_page(browser, server, page):
    url = f"{server}/{page.as_posix()}"
    origin = urlparse(server).netloc
    problems: list[str] = []
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    tab = ctx.new_page()

    def route(r):
        u = urlparse(r.request.url)
        if u.scheme in ("data", "blob") or (u.scheme == "http" and u.netloc == origin):
            r.continue_()
        else:
            problems.append(f"request leaving localhost: {r.request.url}")
            r.abort()

    tab.route("**/*", route)
    tab.on("console", lambda m: m.type == "error" and problems.append(f"console error: {m.text}"))
    tab.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    tab.on("requestfailed", lambda r: problems.append(
        f"request failed: {r.url} ({r.failure})"))
    tab.on("response", lambda r: r.status >= 400 and problems.append(
        f"HTTP {r.status}: {r.url}"))

    tab.goto(url, wait_until="load")
    tab.wait_for_load_state("networkidle")
    html = (HTML / page).read_text(encoding="utf-8")

    # Math: every Sphinx math node must have been typeset by MathJax.
    n_math = tab.locator(".math").count()
    if n_math:
        tab.wait_for_function(
            "() => [...document.querySelectorAll('.math')]"
            ".every(e => e.querySelector('mjx-container'))", timeout=30_000)
        assert tab.locator("mjx-container").count() >= n_math

    # Widgets: every saved widget view must have been rendered by the HTML manager, which
    # puts a .widget-subarea holding the view right before each view's <script> tag.
    n_views = html.count('type="application/vnd.jupyter.widget-view+json"')
    if n_views:
        tab.wait_for_function(
            """() => [...document.querySelectorAll(
                   'script[type="application/vnd.jupyter.widget-view+json"]')]
               .every(s => s.previousElementSibling
                      && s.previousElementSibling.classList.contains('widget-subarea')
                      && s.previousElementSibling.querySelector('.jupyter-widgets'))""",
            timeout=30_000)
        errors = tab.locator(".widget-error").count()
        assert errors == 0, f"{page}: {errors} widgets failed to render"
        assert "Error rendering Jupyter widget" not in tab.content()

    # Images: all loaded.
    tab.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    tab.wait_for_function(
        "() => [...document.images].every(i => i.complete)", timeout=30_000)
    broken = tab.evaluate(
        "() => [...document.images].filter(i => i.naturalWidth === 0).map(i => i.src)")
    problems += [f"image did not load: {src}" for src in broken]
    tab.evaluate("() => window.scrollTo(0, 0)")

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / (page.as_posix().replace("/", "__").removesuffix(".html") + ".png")
    tab.screenshot(path=str(shot), full_page=True)
    ctx.close()
    return problems, n_math, n_views


@pytest.mark.parametrize("page", PAGES, ids=str)
def test_page_in_browser(browser, server, page):
    problems, n_math, n_views = _check_page(browser, server, page)
    assert not problems, f"{page}:\n" + "\n".join(problems)


def test_chapter_pages_have_math_widgets_and_download(browser, server):
    """The first chapter exercises every offline feature; if it stops doing so, the
    checks above would pass vacuously."""
    page = next(p for p in PAGES if p.as_posix() == "notebooks/00_first_look.html")
    html = (HTML / page).read_text(encoding="utf-8")
    assert 'type="application/vnd.jupyter.widget-state+json"' in html
    assert "_sources/notebooks/00_first_look.ipynb" in html, "no .ipynb download button"
    for launcher in ("mybinder.org", "colab.research.google.com", "/hub/user-redirect/git-pull"):
        assert launcher in html, f"no {launcher} launch button"
    problems, n_math, n_views = _check_page(browser, server, page)
    assert not problems, problems
    assert n_math > 0 and n_views > 0
    # The slider and the figure saved inside the interactive() output area are shown.
    ctx = browser.new_context()
    tab = ctx.new_page()
    tab.goto(f"{server}/{page.as_posix()}", wait_until="load")
    tab.wait_for_function(
        "() => [...document.querySelectorAll('.jupyter-widgets img')]"
        ".some(i => i.complete && i.naturalWidth > 0)", timeout=30_000)
    assert tab.locator(".widget-subarea .widget-slider").count() == 1
    assert tab.locator(".widget-subarea .widget-readout").inner_text().strip() == "8"
    ctx.close()


def test_solutions_are_hidden_until_clicked(browser, server):
    """Exercise solutions (sphinx-exercise, :class: dropdown) start collapsed."""
    ctx = browser.new_context()
    tab = ctx.new_page()
    tab.goto(f"{server}/notebooks/00_first_look.html", wait_until="load")
    solution = tab.locator(".solution.dropdown").first
    assert solution.count() == 1, "no dropdown solution on the first chapter"
    body = solution.locator("text=Compare predictions with the binary labels")
    assert not body.is_visible(), "solution visible before clicking"
    solution.locator("button.toggle-button").click()
    body.wait_for(state="visible", timeout=5_000)
    ctx.close()


def test_chapter_reads_from_a_file_url(browser, book):
    """Opened straight from disk (file://, e.g. a USB stick), math and widgets still render."""
    ctx = browser.new_context()
    tab = ctx.new_page()
    problems = []
    tab.on("console", lambda m: m.type == "error" and problems.append(f"console error: {m.text}"))
    tab.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    tab.on("request", lambda r: not r.url.startswith(("file:", "data:", "blob:"))
           and problems.append(f"request leaving the disk: {r.url}"))
    tab.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
    tab.goto((book / "notebooks" / "00_first_look.html").as_uri(), wait_until="load")
    tab.wait_for_function("() => document.querySelector('mjx-container') && "
                          "document.querySelector('.jupyter-widgets .widget-slider')",
                          timeout=30_000)
    ctx.close()
    assert not problems, problems
