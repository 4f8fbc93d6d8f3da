"""Chapter notebooks are committed executed, listed in the book, and follow the conventions.

(nbval, run by `make nbval`, checks that the committed outputs are what the code produces.)
"""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
IDS = [p.name for p in NOTEBOOKS]


def _toc_files():
    text = (ROOT / "_toc.yml").read_text()
    # active entries only: "- file: path" lines that are not commented out
    return re.findall(r"^\s*-\s*file:\s*(\S+)\s*$", text, re.M)


def test_there_are_chapters():
    assert NOTEBOOKS, "no notebooks in notebooks/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_is_executed(path):
    """Every non-empty code cell has an execution count, numbered 1, 2, 3... top to bottom
    (one clean run, as `jupyter nbconvert --execute` produces)."""
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    counts = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        assert cell.execution_count is not None, f"{path.name}: code cell {i} was not executed"
        counts.append(cell.execution_count)
        for out in cell.outputs:
            assert out.output_type != "error", f"{path.name}: cell {i} raised {out.get('ename')}"
    assert counts == list(range(1, len(counts) + 1)), \
        f"{path.name}: execution counts {counts} are not one clean top-to-bottom run"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_is_in_the_toc(path):
    rel = path.relative_to(ROOT).with_suffix("").as_posix()
    assert rel in _toc_files(), f"{rel} is not listed in _toc.yml (only_build_toc_files)"


def test_toc_entries_exist():
    for entry in _toc_files():
        assert any((ROOT / (entry + ext)).exists() for ext in (".md", ".ipynb")), entry


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_ignored_outputs_say_why(path):
    """A cell tagged nbval-ignore-output says why in its metadata (lutbook.ignore_output), where
    maintainers look; the reader never sees test bookkeeping in the code."""
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        if "nbval-ignore-output" in cell.metadata.get("tags", []):
            why = cell.metadata.get("lutbook", {}).get("ignore_output", "")
            assert isinstance(why, str) and len(why.split()) >= 3, \
                f"{path.name}: cell {i} is tagged nbval-ignore-output without a reason in " \
                "its metadata (lutbook.ignore_output: why the output differs from run to run)"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_test_bookkeeping_in_reader_visible_text(path):
    """Code and prose the reader sees do not talk about the test tools (nbval, CI, tags)."""
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        for word in ("nbval", "NBVAL", "ignore-output"):
            assert word not in cell.source, f"{path.name}: cell {i} mentions {word!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_widgets_have_saved_state(path):
    """A notebook that displays widgets keeps their state, so the built book shows them."""
    nb = nbformat.read(path, as_version=4)
    views = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
             if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    if not views:
        pytest.skip("no widgets in this notebook")
    state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    saved = state.get("state", {})
    for v in views:
        model = v["data"]["application/vnd.jupyter.widget-view+json"]["model_id"]
        assert model in saved, f"{path.name}: widget {model} has no saved state " \
            "(execute with --ExecutePreprocessor.store_widget_state=True)"


def _eval_expressions(markdown):
    """The {eval} expressions of a markdown cell, as scripts/execute.py finds them."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("lutbook_execute", ROOT / "scripts" / "execute.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.eval_expressions(markdown)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_glue_left(path):
    """Numbers in the prose are {eval} expressions (JupyterLab cannot render glue roles)."""
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            assert not re.search(r"\{glue(:\w+)?\}`", cell.source), \
                f"{path.name}: markdown cell {i} uses a glue role; run scripts/glue_to_eval.py"
        elif cell.cell_type == "code":
            assert not re.search(r"\bglue\(|from myst_nb import glue", cell.source), \
                f"{path.name}: code cell {i} uses glue(); run scripts/glue_to_eval.py"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_eval_results_are_saved(path):
    """Every {eval} expression has its result saved in its cell's user_expressions metadata
    (jupyterlab-myst's format), as `make execute` writes it, with status ok and text/plain."""
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        expressions = _eval_expressions(cell.source)
        saved = cell.metadata.get("user_expressions")
        if not expressions:
            assert not saved, f"{path.name}: markdown cell {i} has stale user_expressions"
            continue
        assert isinstance(saved, list), \
            f"{path.name}: markdown cell {i} has {{eval}} but no saved results (make execute NB=...)"
        assert [e.get("expression") for e in saved] == expressions, \
            f"{path.name}: markdown cell {i}: saved results are for other expressions (re-execute)"
        for e in saved:
            result = e["result"]
            assert result.get("status") == "ok", \
                f"{path.name}: cell {i}: {{eval}}`{e['expression']}` failed: {result.get('evalue')}"
            assert set(result) == {"status", "data", "metadata"} and "text/plain" in result["data"], \
                f"{path.name}: cell {i}: {{eval}}`{e['expression']}` result is not in jupyterlab-myst's format"
            text = result["data"]["text/plain"]
            assert "np.float" not in text and "np.int" not in text, \
                f"{path.name}: cell {i}: {{eval}}`{e['expression']}` shows a numpy repr {text!r}"
