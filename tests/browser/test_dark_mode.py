"""In the dark theme every figure stays readable: it sits on a light backing.

Figures are drawn with black axes, labels and legends. On the dark theme's page they would
vanish wherever the figure is transparent, so every figure of the built book (cell outputs,
figures, the frames of static widgets) must be shown on a light background. Each visible
figure is photographed in the dark theme at 1280 px; the colour most of its pixels have (its
background) must give black text a contrast of at least 4.5 : 1 (WCAG AA). Screenshots of
each chapter's first figure are saved in _build/screenshots/dark/.
"""
from __future__ import annotations

import io
from collections import Counter

import pytest

from book_paths import SCREENSHOTS, html_pages

CHAPTERS = [p.as_posix() for p in html_pages() if p.parts[0] == "notebooks"]
FIGURES = ".bd-content :is(div.cell_output img, figure img, img.widget-image)"
MIN_CONTRAST = 4.5
EXTRA_SCRIPT = ""      # tests of this test put a style sheet here


def luminance(rgb) -> float:
    """WCAG relative luminance of an sRGB colour (0-255 channels).

    >>> round(luminance((255, 255, 255)), 3), luminance((0, 0, 0))
    (1.0, 0.0)
    """
    def linear(c):
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (linear(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_with_black(rgb) -> float:
    return (luminance(rgb) + 0.05) / 0.05


def background(png: bytes):
    """The colour most pixels of a screenshot have (a figure's background)."""
    from PIL import Image
    image = Image.open(io.BytesIO(png)).convert("RGB")
    image.thumbnail((200, 200))
    data = image.tobytes()
    return tuple(Counter(data[i:i + 3] for i in range(0, len(data), 3)).most_common(1)[0][0])


def test_background_detects_a_dark_figure():
    """The check can fail: a figure left transparent on the dark page shows the page's colour."""
    from PIL import Image
    dark = Image.new("RGB", (40, 20), (18, 18, 18))
    buf = io.BytesIO()
    dark.save(buf, format="PNG")
    assert contrast_with_black(background(buf.getvalue())) < MIN_CONTRAST
    assert contrast_with_black((255, 255, 255)) == pytest.approx(21)


@pytest.mark.parametrize("page", CHAPTERS)
def test_figures_are_readable_in_the_dark_theme(browser, server, page):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    ctx.add_init_script("localStorage.setItem('mode', 'dark'); localStorage.setItem('theme', 'dark');"
                        + EXTRA_SCRIPT)
    tab = ctx.new_page()
    tab.route("**/*", lambda r: r.continue_() if r.request.url.startswith(
        (server, "data:", "blob:")) else r.abort())
    try:
        tab.goto(f"{server}/{page}", wait_until="load")
        assert tab.evaluate("document.documentElement.dataset.theme") == "dark"
        tab.wait_for_function(f"""() => [...document.querySelectorAll('{FIGURES}')]
            .every(i => i.complete)""", timeout=60_000)
        figures = tab.locator(FIGURES)
        unreadable, checked = [], 0
        for i in range(figures.count()):
            fig = figures.nth(i)
            if not fig.is_visible() or (fig.bounding_box() or {}).get("width", 0) < 100:
                continue
            fig.scroll_into_view_if_needed()
            shot = fig.screenshot()
            if checked == 0:
                (SCREENSHOTS / "dark").mkdir(parents=True, exist_ok=True)
                tab.screenshot(path=str(SCREENSHOTS / "dark" / page.replace("/", "__").replace(
                    ".html", ".png")))
            checked += 1
            colour = background(shot)
            if contrast_with_black(colour) < MIN_CONTRAST:
                unreadable.append(f"figure {i} ({fig.get_attribute('alt') or 'no alt'}): "
                                  f"background {colour}, contrast "
                                  f"{contrast_with_black(colour):.1f} : 1")
    finally:
        ctx.close()
    assert checked, f"{page}: no figure found to check"
    assert not unreadable, f"{page}: figures unreadable in the dark theme:\n" + "\n".join(unreadable)
