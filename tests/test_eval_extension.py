"""_ext/lutbook_eval.py: the book renders {eval} from saved results, and fails without them."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent


def _saved(expression, text):
    return {"expression": expression,
            "result": {"status": "ok", "data": {"text/plain": text}, "metadata": {}}}


def _build(tmp_path, cells):
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT / '_ext')!r})\n"
        "extensions = ['myst_nb', 'lutbook_eval']\nnb_execution_mode = 'off'\n"
        "root_doc = 'index'\nexclude_patterns = ['_build']\n")
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, src / "index.ipynb")
    out = tmp_path / "html"
    run = subprocess.run([sys.executable, "-m", "sphinx", "-W", "-q", "-E", "-b", "html", str(src), str(out)],
                         capture_output=True, text=True, timeout=240)
    return run.returncode, run.stderr, (out / "index.html").read_text() if run.returncode == 0 else ""


def test_saved_results_are_rendered_per_cell(tmp_path):
    first = new_markdown_cell('# T\n\nAccuracy {eval}`f"{prose.acc:.3f}"` of {eval}`f"{prose.n:,}"`.')
    first.metadata["user_expressions"] = [_saved('f"{prose.acc:.3f}"', "'0.876'"),
                                          _saved('f"{prose.n:,}"', "'60,000'")]
    # the same expression in a later cell has its own (later) value
    second = new_markdown_cell('Later {eval}`f"{prose.acc:.3f}"`.')
    second.metadata["user_expressions"] = [_saved('f"{prose.acc:.3f}"', "'0.901'")]
    code, errors, html = _build(tmp_path, [first, new_code_cell("x = 1"), second])
    assert code == 0, errors
    assert "Accuracy <span" in html and "0.876</span> of" in html and "60,000</span>" in html
    assert "0.901</span>" in html
    assert "'0.876'" not in html and "{eval}" not in html


@pytest.mark.parametrize("metadata, message", [
    ({}, "has no saved result"),
    ({"user_expressions": [_saved("other", "1")]}, "has no saved result"),
    ({"user_expressions": [{"expression": "x", "result": {"status": "error", "ename": "NameError",
                                                          "evalue": "name 'x' is not defined",
                                                          "traceback": []}}]}, "NameError"),
])
def test_missing_or_failed_result_fails_the_build(tmp_path, metadata, message):
    cell = new_markdown_cell("# T\n\nValue {eval}`x`.")
    cell.metadata.update(metadata)
    code, errors, _ = _build(tmp_path, [cell])
    assert code != 0 and message in errors, errors
