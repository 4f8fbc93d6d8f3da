"""The chapters as students meet them: a real JupyterLab (with jupyterlab-myst) in Chromium.

Starts `jupyter lab` on 127.0.0.1 (a free port, a random token) on a *copy* of notebooks/ in
a temporary folder, with its own settings and data folders, and drives headless Chromium with
playwright. For every chapter, opened trusted as saved (its {eval} values come from the
``user_expressions`` metadata that `make execute` writes), it fails on

* raw MyST in a rendered markdown cell: ``{glue``, ``{cite``, ``{eval``, ``{exercise``,
  ``{solution``, ``{doc``, ``{ref``, a ``` fence or a ``:class:`` option line, or an {eval}
  expression shown as code (no saved result); and any glue role in the source (jupyterlab-myst
  shows an unknown role as its bare content, ``acc:.3f``, so the text alone would not tell);
* an {eval} value that is not the saved one;
* solution text a student can see (solution cells are collapsed: ``jupyter.source_hidden``);
* a markdown cell JupyterLab failed to render.

One light chapter is also run top to bottom in the kernel (Run All), and its {eval} values,
recomputed live by jupyterlab-myst, must match the saved ones. Screenshots go to
_build/screenshots/lab/. Needs Chromium at /usr/bin/chromium; skipped without it unless
LUTBOOK_REQUIRE_BOOK=1 (`make browser`, CI).
"""
from __future__ import annotations

import re
import shutil
import sys
import time
from pathlib import Path

import nbformat
import pytest

from book_paths import CHROMIUM, REQUIRED, ROOT

sys.path.insert(0, str(ROOT / "scripts"))
from lab_server import LabServer, LabStartError  # noqa: E402  (scripts/lab_server.py)

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SHOTS = ROOT / "_build" / "screenshots" / "lab"
RUN_ALL = "02_lookup_table.ipynb"          # the lightest chapter: run in the kernel too
# raw MyST, or an {eval} expression shown as code because no result was saved for it
RAW_MYST = re.compile(r"\{(glue|cite|eval|exercise|solution|doc|ref)[:}]|```|^:class:|f\"\{|\bprose\.", re.M)
BIN = Path(sys.executable).parent


def _solution_cells(nb) -> list[int]:
    """Indices of solution cells: tagged `solution`, or inside a {solution-start}..{solution-end} gate."""
    out, gate = [], False
    for i, cell in enumerate(nb.cells):
        src = cell.source if cell.cell_type == "markdown" else ""
        if re.search(r"\{solution-start\}", src):
            gate = True
        if gate or "solution" in cell.metadata.get("tags", []):
            out.append(i)
        if re.search(r"\{solution-end\}", src):
            gate = False
    return out


@pytest.fixture(scope="session")   # once per test process (xdist worker)
def lab(tmp_path_factory):
    """A JupyterLab server on a copy of the chapters; yields (base_url, token, folder)."""
    if not Path(CHROMIUM).exists():
        if REQUIRED:
            pytest.fail(f"no Chromium at {CHROMIUM} (LUTBOOK_REQUIRE_BOOK=1)")
        pytest.skip(f"no Chromium at {CHROMIUM}")
    root = tmp_path_factory.mktemp("lab")
    work = root / "notebooks"
    work.mkdir()
    for nb in NOTEBOOKS:
        shutil.copy(nb, work / nb.name)
    try:
        server = LabServer(work)
    except LabStartError as e:
        pytest.fail(str(e))
    yield server.base, server.token, work
    server.close()


@pytest.fixture(scope="session")   # once per test process (xdist worker)
def page(lab, chromium):
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    base, token, _ = lab
    pg.goto(f"{base}/lab?token={token}", wait_until="domcontentloaded")
    pg.wait_for_selector("#jp-main-dock-panel", timeout=90_000)
    yield pg
    context.close()


def _open(page, lab, name):
    base, token, _ = lab
    # ?reset: a fresh workspace, so only this notebook is open
    page.goto(f"{base}/lab/tree/{name}?reset&token={token}", wait_until="domcontentloaded")
    panel = page.locator(".jp-NotebookPanel:visible").first
    panel.wait_for(timeout=90_000)
    page.wait_for_function(
        "n => document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell').length >= n",
        arg=len(nbformat.read(ROOT / "notebooks" / name, as_version=4).cells), timeout=90_000)
    # kernels start by themselves (autoStartDefaultKernel); accept a kernel dialog if one shows
    dialog = page.locator(".jp-Dialog button.jp-mod-accept")
    try:
        dialog.first.click(timeout=3_000)
    except Exception:
        pass
    time.sleep(1.5)          # jupyterlab-myst renders markdown asynchronously
    return page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell")


def _check_rendered(page, cells, nb, name, solutions=True) -> list[str]:
    problems = []
    hidden = set(_solution_cells(nb))
    assert cells.count() == len(nb.cells), f"{name}: {cells.count()} cells shown, {len(nb.cells)} saved"
    for i, cell in enumerate(nb.cells):
        dom = cells.nth(i)
        if i in hidden:
            if not solutions:
                continue
            if dom.locator(".jp-Cell-inputWrapper .jp-InputArea:visible").count():
                problems.append(f"cell {i}: a solution cell is not collapsed (its input is visible)")
            if cell.cell_type == "code" and dom.locator(".jp-OutputArea-output:visible").count():
                problems.append(f"cell {i}: a solution cell's output is visible")
            # a collapsed cell shows its first line: it must be empty or a bare "# Solution"
            shown = re.sub(r"^\[\s*\d*\s*\]:", "", dom.inner_text().replace("\u25cf", "")).strip()
            if shown and not re.fullmatch(r"#\s*Solution\b[^\n]{0,40}", shown):
                problems.append(f"cell {i}: a collapsed solution cell shows {shown[:100]!r}")
            continue
        if cell.cell_type != "markdown":
            continue
        if re.search(r"\{glue(:\w+)?\}`", cell.source):
            # jupyterlab-myst shows an unknown role as its bare content ("acc:.3f"), not raw markup
            problems.append(f"cell {i}: a glue role, which JupyterLab cannot render")
        text = dom.inner_text()
        if "jp-mod-rendered" not in (dom.get_attribute("class") or ""):
            problems.append(f"cell {i}: markdown cell not rendered")
        raw = RAW_MYST.search(text)
        if raw:
            problems.append(f"cell {i}: raw MyST {raw.group(0)!r} visible: ...{text[max(0, raw.start() - 60):raw.end() + 60]!r}...")
        for e in cell.metadata.get("user_expressions", []):
            value = e["result"]["data"]["text/plain"]
            value = re.sub(r"^(['\"])(.*)\1$", r"\2", value)
            if value not in text:
                problems.append(f"cell {i}: {{eval}}`{e['expression']}` should show {value!r}")
    visible = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)").inner_text()
    public = "\n".join(c.source for j, c in enumerate(nb.cells) if j not in hidden)
    for i in hidden if solutions else ():
        src = nb.cells[i].source
        # a distinctive line of solution text must not be readable anywhere on the page
        lines = [ln.strip() for ln in src.splitlines()
                 if len(ln.strip()) > 30 and not re.search(r"[`{}$\\*]|^[#:]", ln.strip())]
        for ln in [ln for ln in lines if ln not in public][:2]:   # lines also shown outside solutions: fine
            if ln in visible:
                problems.append(f"cell {i}: solution text visible: {ln!r}")
    return problems


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_chapter_reads_right_in_jupyterlab(page, lab, path):
    nb = nbformat.read(path, as_version=4)
    cells = _open(page, lab, path.name)
    stem = path.stem
    page.screenshot(path=str(SHOTS / f"{stem}-top.png"))
    for i, cell in enumerate(nb.cells):     # close-ups a person can check
        if cell.cell_type == "markdown" and re.search(r"\{exercise\}", cell.source):
            cells.nth(i).scroll_into_view_if_needed()
            end = min(i + 4, len(nb.cells) - 1)
            page.screenshot(path=str(SHOTS / f"{stem}-exercise-{i}.png"))
            cells.nth(end).scroll_into_view_if_needed()
            break
    problems = _check_rendered(page, cells, nb, path.name)
    assert not problems, f"{path.name} in JupyterLab:\n" + "\n".join(problems)


def _wait_run_all(page, n_shown):
    """Until the kernel is idle with no cell queued and every shown code cell has run."""
    page.wait_for_function(
        """n => {
            const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
            const ps = [...panel.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
                .filter(p => p.offsetParent !== null);
            const done = ps.filter(p => /\\[\\d+\\]/.test(p.textContent));
            const idle = document.body.innerText.includes('| Idle');
            return idle && done.length >= n && !ps.some(p => p.textContent.includes('*'));
        }""", arg=n_shown, timeout=240_000)


def test_run_all_recomputes_the_same_numbers(page, lab):
    """Run All in the kernel: no error, and jupyterlab-myst's live {eval} values equal the saved ones."""
    path = ROOT / "notebooks" / RUN_ALL
    nb = nbformat.read(path, as_version=4)
    cells = _open(page, lab, RUN_ALL)
    # wait for the kernel, then Run > Run All Cells from the menu, as a student would
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle'], "
                           ".jp-Toolbar-kernelStatus", timeout=90_000)
    page.locator(".lm-MenuBar-item", has_text=re.compile(r"^Run$")).first.click()
    page.locator(".lm-Menu-item:visible", has_text="Run All Cells").first.click()
    hidden = set(_solution_cells(nb))
    n_shown = sum(c.cell_type == "code" and c.source.strip() != "" and i not in hidden
                  for i, c in enumerate(nb.cells))
    # done when every code cell shows a number in its prompt (no '*')
    try:
        _wait_run_all(page, n_shown)
    except Exception:
        page.screenshot(path=str(SHOTS / f"{path.stem}-run-all-timeout.png"))
        raise
    time.sleep(2)
    page.screenshot(path=str(SHOTS / f"{path.stem}-after-run-all.png"))
    errors = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) [data-mime-type='application/vnd.jupyter.stderr']")
    tracebacks = [errors.nth(i).inner_text()[:300] for i in range(errors.count())
                  if "Traceback" in errors.nth(i).inner_text() or "Error" in errors.nth(i).inner_text()]
    assert not tracebacks, f"{RUN_ALL}: errors after Run All: {tracebacks}"
    # Running reveals solutions: JupyterLab shows the new outputs of a collapsed code cell and
    # re-renders collapsed markdown. Only rendering and the live numbers are checked here.
    problems = _check_rendered(page, cells, nb, RUN_ALL, solutions=False)
    assert not problems, f"{RUN_ALL} after Run All:\n" + "\n".join(problems)


LIVE_NOTEBOOK = [
    "import matplotlib.pyplot as plt\nimport ipywidgets as widgets\n"
    "from lutlib.live_widgets import LiveWidget",
    "def draw(k):\n    fig, ax = plt.subplots(figsize=(3, 2))\n    ax.plot(range(k))\n    return fig\n\n\n"
    "LiveWidget(draw, {'k': widgets.IntSlider(value=3, min=1, max=9, description='k')},\n"
    "           alt='a line through {k} points', note=lambda k: f'drew {k} points')",
]


def test_live_widget_redraws_and_describes_in_jupyterlab(page, lab):
    """lutlib.live_widgets.LiveWidget in a real JupyterLab: the first figure shows with its text
    alternative; typing a new value into the slider replaces the image, its alt text and the
    status line (role="status", so screen readers announce it)."""
    base, token, work = lab
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in LIVE_NOTEBOOK])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, work / "live_widget_check.ipynb")
    page.goto(f"{base}/lab/tree/live_widget_check.ipynb?reset&token={token}", wait_until="domcontentloaded")
    page.locator(".jp-NotebookPanel:visible").first.wait_for(timeout=90_000)
    page.wait_for_function("() => document.body.innerText.includes('| Idle')", timeout=90_000)
    image = page.locator(".lutbook-live img")
    note = page.locator(".lutbook-live .lutbook-live-note [role='status']")
    try:
        page.locator(".lm-MenuBar-item", has_text=re.compile(r"^Run$")).first.click()
        page.locator(".lm-Menu-item:visible", has_text="Run All Cells").first.click()
        page.wait_for_function(
            "() => { const i = document.querySelector('.lutbook-live img');"
            " return i && i.complete && i.naturalWidth > 0; }", timeout=60_000)
    except Exception:
        page.screenshot(path=str(SHOTS / "live-widget-timeout.png"))
        raise
    assert image.get_attribute("title") == "a line through 3 points"
    # the status line shows the note, and holds the alt text for screen readers in a span
    # of 1 x 1 px with its overflow hidden (innerText still reads it)
    assert note.inner_text().split() == "a line through 3 points. drew 3 points".split()
    hidden = note.locator("span").first
    box = hidden.bounding_box()
    assert box["width"] <= 1 and box["height"] <= 1, box
    assert hidden.evaluate("s => getComputedStyle(s).overflow") == "hidden"
    assert hidden.inner_text().strip() == "a line through 3 points."
    first = image.get_attribute("src")
    readout = page.locator(".lutbook-live .widget-readout")
    readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("7")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.querySelector('.lutbook-live img').title === 'a line through 7 points'",
        timeout=30_000)
    assert image.get_attribute("src") != first
    assert note.inner_text().split()[-3:] == ["drew", "7", "points"]
    assert "a line through 7 points" in note.inner_text()
    assert page.locator(".lutbook-live").count() == 1     # redrawn in place, not a new output
    width = image.evaluate("i => [i.getBoundingClientRect().width, i.naturalWidth]")
    assert width[0] == width[1], f"image shown {width[0]} px wide, drawn {width[1]} px"  # not stretched
    page.locator(".lutbook-live").screenshot(path=str(SHOTS / "live-widget.png"))
