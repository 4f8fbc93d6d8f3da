"""No code line is clipped at the book's column width: at 1280 px, no `pre` on any page of the
built book is wider inside than its box (scrollWidth > clientWidth means the reader must
scroll sideways to see the end of a line). The failure names each page, the notebook cell
(for chapters) and the lines cut off.
"""
from __future__ import annotations

import json

import pytest

from book_paths import ROOT, html_pages

PAGES = [p.as_posix() for p in html_pages()]
CLIPPED = """() => {
    const canvas = document.createElement('canvas').getContext('2d');
    return [...document.querySelectorAll('.bd-content pre')]
        .filter(pre => pre.offsetParent !== null && pre.scrollWidth > pre.clientWidth + 1)
        .map(pre => {
            const style = getComputedStyle(pre);
            canvas.font = `${style.fontSize} ${style.fontFamily}`;
            const room = pre.clientWidth - parseFloat(style.paddingLeft)
                - parseFloat(style.paddingRight);
            const lines = pre.textContent.split('\\n')
                .filter(line => canvas.measureText(line).width > room);
            const output = !!pre.closest('.cell_output, .output');
            return {output, overflow: pre.scrollWidth - pre.clientWidth, lines};
        });
}"""


def locate(page: str, line: str, output: bool) -> str:
    """Which cell of the page's notebook holds ``line`` (for a chapter), else ''."""
    nb_path = ROOT / page.replace(".html", ".ipynb")
    if not nb_path.is_file():
        return ""
    cells = json.loads(nb_path.read_text(encoding="utf-8"))["cells"]
    needle = line.strip()
    for i, cell in enumerate(cells):
        if output:
            texts = ["".join(o.get("text", "")) + "".join(o.get("data", {}).get("text/plain", ""))
                     for o in cell.get("outputs", [])]
        else:
            texts = ["".join(cell["source"])]
        if any(needle and needle in t for t in texts):
            return f"{nb_path.name} cell {i}" + (" (output)" if output else "")
    return nb_path.name


@pytest.mark.parametrize("page", PAGES)
def test_no_code_line_is_clipped(browser, server, page):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = ctx.new_page()
    tab.route("**/*", lambda r: r.continue_() if r.request.url.startswith(
        (server, "data:", "blob:")) else r.abort())
    try:
        tab.goto(f"{server}/{page}", wait_until="load")
        clipped = tab.evaluate(CLIPPED)
    finally:
        ctx.close()
    report = [f"{locate(page, line, c['output']) or page}: {len(line)} chars: {line.strip()[:100]}"
              for c in clipped for line in (c["lines"] or ["(no single line: padding)"])]
    assert not clipped, f"{page}: {len(clipped)} code blocks clipped at 1280 px:\n" + "\n".join(report)
