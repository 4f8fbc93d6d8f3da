"""The instructor notebooks (`make instructor`) in a real JupyterLab, as the teacher opens them.

Builds the instructor versions of two chapters with scripts/make_instructor.py into a temporary
folder, starts `jupyter lab` on it (127.0.0.1, a free port, a random token, its own settings)
and checks in headless Chromium that every instructor note and the "Instructor version" banner
are rendered (no raw MyST), and that every solution cell is open: its input is visible and its
text readable, where the chapters themselves collapse it (tests/browser/test_lab.py).
Screenshots in _build/screenshots/lab/. Skipped without Chromium unless LUTBOOK_REQUIRE_BOOK=1.
"""
from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import nbformat
import pytest

from book_paths import CHROMIUM, REQUIRED, ROOT
from test_lab import RAW_MYST, SHOTS, _solution_cells

sys.path.insert(0, str(ROOT / "scripts"))
import make_instructor  # noqa: E402
from lab_server import LabServer, LabStartError  # noqa: E402

CHAPTERS = ("01_memorize_or_generalize.ipynb", "04_lut_networks.ipynb")   # gated and prose solutions
BIN = Path(sys.executable).parent


@pytest.fixture(scope="session")   # once per test process (xdist worker)
def instructor_lab(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        if REQUIRED:
            pytest.fail(f"no Chromium at {CHROMIUM} (LUTBOOK_REQUIRE_BOOK=1)")
        pytest.skip(f"no Chromium at {CHROMIUM}")
    root = tmp_path_factory.mktemp("instructor-lab")
    src = root / "chapters"
    src.mkdir()
    for name in CHAPTERS:
        (src / name).write_bytes((ROOT / "notebooks" / name).read_bytes())
    work = root / "instructor"
    make_instructor.build(src, work, root / "instructor.zip")
    try:
        server = LabServer(work, auto_start_kernel=False)
    except LabStartError as e:
        pytest.fail(str(e))
    yield server.base, server.token, work
    server.close()


def _text_once(dom, ready, tries: int, pause: float = 0.5) -> str:
    """The cell's text once ``ready(text)`` holds, polled ``tries`` times; else its last text."""
    for _ in range(tries):
        text = dom.inner_text()
        if ready(text):
            break
        time.sleep(pause)
    return text


@pytest.mark.parametrize("name", CHAPTERS)
def test_instructor_version_shows_notes_and_open_solutions(instructor_lab, chromium, name):
    base, token, work = instructor_lab
    nb = nbformat.read(work / name, as_version=4)
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{base}/lab/tree/{name}?reset&token={token}", wait_until="domcontentloaded")
        page.locator(".jp-NotebookPanel:visible").first.wait_for(timeout=90_000)
        page.wait_for_function(
            "n => document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell').length >= n",
            arg=len(nb.cells), timeout=90_000)
        time.sleep(2)                                 # jupyterlab-myst renders asynchronously
        cells = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell")
        assert cells.count() == len(nb.cells)
        problems, notes = [], [i for i, c in enumerate(nb.cells) if "instructor" in c.metadata.get("tags", [])]
        assert len(notes) >= 2, "the banner and at least one note"
        for i in notes:
            dom = cells.nth(i)
            dom.scroll_into_view_if_needed()
            text = _text_once(dom, str.strip, tries=20)   # a long notebook renders for a while
            if "jp-mod-rendered" not in (dom.get_attribute("class") or ""):
                problems.append(f"cell {i}: instructor note not rendered")
            if not re.search(r"For instructors|Instructor version", text) or RAW_MYST.search(text):
                problems.append(f"cell {i}: instructor note shows {text[:120]!r}")
        solutions = _solution_cells(nb)
        assert solutions
        quotes = str.maketrans("\u2018\u2019\u201c\u201d", "''\"\"")      # jupyterlab-myst's smart quotes
        for i in solutions:
            dom = cells.nth(i)
            dom.scroll_into_view_if_needed()      # JupyterLab renders the cells near the view
            if not dom.locator(".jp-Cell-inputWrapper .jp-InputArea:visible").count():
                problems.append(f"cell {i}: a solution cell is collapsed")
            lines = [ln.strip() for ln in nb.cells[i].source.splitlines()
                     if len(ln.strip()) > 30 and not re.search(r"[`{}$\\*]|^[#:]", ln.strip())]
            if nb.cells[i].cell_type != "markdown" or not lines:
                continue
            # rendered asynchronously, later on a busy machine
            text = _text_once(dom, lambda t: lines[0] in t.translate(quotes), tries=40)
            if lines[0] not in text.translate(quotes):
                problems.append(f"cell {i}: solution text not readable: {lines[0]!r}")
        cells.nth(notes[1]).scroll_into_view_if_needed()
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"instructor-{Path(name).stem}-note.png"))
        cells.nth(solutions[0]).scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / f"instructor-{Path(name).stem}-solution.png"))
        assert not problems, f"instructor {name} in JupyterLab:\n" + "\n".join(problems)
    finally:
        context.close()
