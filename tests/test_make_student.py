"""scripts/make_student.py removes solutions and nothing else."""
from __future__ import annotations

import importlib.util
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "make_student.py"
spec = importlib.util.spec_from_file_location("make_student", SCRIPT)
make_student = importlib.util.module_from_spec(spec)
spec.loader.exec_module(make_student)


def _code(src, tags=(), output="42"):
    c = new_code_cell(src, execution_count=1,
                      outputs=[new_output("stream", name="stdout", text=output)])
    if tags:
        c.metadata["tags"] = list(tags)
    return c


def _md(src, tags=()):
    c = new_markdown_cell(src)
    if tags:
        c.metadata["tags"] = list(tags)
    return c


def example_notebook():
    nb = new_notebook(cells=[
        _md("# Chapter\nIntro text."),
        _code("x = 1  # setup"),
        _md("```{exercise} Add\n:label: ex-add\n\nCompute 1 + 1.\n```"),
        # 1. gated solution over three cells
        _md("Before the gate.\n\n````{solution-start} ex-add\n:class: dropdown\n````\nGATED PROSE"),
        _code("print(1 + 1)  # GATED CODE", tags=["nbval-ignore-output"]),
        _md("GATED AFTER\n\n````{solution-end}\n````\nAfter the gate."),
        # 2. tagged cells
        _md("TAGGED MARKDOWN", tags=["solution"]),
        _code("TAGGED_CODE = 2", tags=["solution"]),
        # 3. a {solution} directive inside a markdown cell with other text
        _md("Keep me.\n\n:::{solution} ex-add\n:class: dropdown\n\nINLINE SOLUTION\n:::\n\nKeep me too."),
        _md("````{solution} ex-add\n:class: dropdown\n```python\nFENCED = 3\n```\n````"),
        _code("y = 2  # not a solution", output="not secret"),
    ])
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    return nb


def all_text(nb):
    return "\n".join(c.source for c in nb.cells)


def test_removes_every_kind_of_solution():
    out = make_student.studentize(example_notebook())
    text = all_text(out)
    for secret in ("GATED PROSE", "GATED CODE", "GATED AFTER", "TAGGED MARKDOWN", "TAGGED_CODE",
                   "INLINE SOLUTION", "FENCED", "{solution", "solution-end"):
        assert secret not in text, secret


def test_keeps_everything_else():
    out = make_student.studentize(example_notebook())
    text = all_text(out)
    for kept in ("# Chapter", "x = 1  # setup", "{exercise} Add", "Compute 1 + 1.",
                 "Before the gate.", "After the gate.", "Keep me.", "Keep me too.",
                 "y = 2  # not a solution"):
        assert kept in text, kept
    # order is preserved
    assert text.index("Before the gate.") < text.index("After the gate.") < text.index("Keep me.")


def test_code_solutions_become_placeholders_and_outputs_are_cleared():
    out = make_student.studentize(example_notebook())
    code = [c for c in out.cells if c.cell_type == "code"]
    assert [c.source for c in code] == ["x = 1  # setup", make_student.PLACEHOLDER,
                                        make_student.PLACEHOLDER, "y = 2  # not a solution"]
    assert code[1].metadata.get("tags") == ["nbval-ignore-output"]  # other tags survive
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    assert "widgets" not in out.metadata


def test_input_notebook_unchanged():
    nb = example_notebook()
    before = nbformat.writes(nb)
    make_student.studentize(nb)
    assert nbformat.writes(nb) == before


@pytest.mark.parametrize("cells", [
    [_md("````{solution-start} ex\n````"), _code("secret")],          # never closed
    [_md(":::{solution} ex\nsecret\n")],                               # unclosed directive
])
def test_malformed_solutions_fail(cells):
    with pytest.raises(make_student.StudentError):
        make_student.studentize(new_notebook(cells=cells))


def test_command_line_writes_notebooks_and_zip(tmp_path):
    src = tmp_path / "nbs"
    src.mkdir()
    nbformat.write(example_notebook(), src / "00_x.ipynb")
    nbformat.write(new_notebook(cells=[_md("plain")]), src / "01_y.ipynb")
    out, zpath = tmp_path / "student", tmp_path / "student.zip"
    subprocess.run([sys.executable, str(SCRIPT), "--src", str(src), "--out", str(out),
                    "--zip", str(zpath)], check=True, capture_output=True)
    assert sorted(p.name for p in out.glob("*.ipynb")) == ["00_x.ipynb", "01_y.ipynb"]
    with zipfile.ZipFile(zpath) as zf:
        assert sorted(zf.namelist()) == ["lutbook-student/00_x.ipynb", "lutbook-student/01_y.ipynb"]
        text = zf.read("lutbook-student/00_x.ipynb").decode()
    assert "TAGGED_CODE" not in text and "Keep me too." in text
    nbformat.validate(nbformat.read(out / "00_x.ipynb", as_version=4))


def test_real_chapters_have_no_solution_left(tmp_path):
    chapters = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert chapters, "no chapter notebooks"
    for path in chapters:
        original = nbformat.read(path, as_version=4)
        student = make_student.studentize(original)
        assert "{solution" not in all_text(student), path.name
        if "{solution" in all_text(original) or any(
                "solution" in c.metadata.get("tags", []) for c in original.cells):
            assert len(all_text(student)) < len(all_text(original)), path.name
