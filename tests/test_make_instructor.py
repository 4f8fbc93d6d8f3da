"""scripts/make_instructor.py: solutions open, instructor notes kept, make_student's safety rules."""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "make_instructor.py"
sys.path.insert(0, str(ROOT / "scripts"))
spec = importlib.util.spec_from_file_location("make_instructor", SCRIPT)
make_instructor = importlib.util.module_from_spec(spec)
spec.loader.exec_module(make_instructor)
ms = make_instructor.ms

NOTE = "```{admonition} For instructors\n:class: note\n\nRun the slider live. NOTE TEXT\n```"


def _cell(cell, tags=(), hidden=False):
    if tags:
        cell.metadata["tags"] = list(tags)
    if hidden:
        cell.metadata["jupyter"] = {"source_hidden": True}
        if cell.cell_type == "code":
            cell.metadata["jupyter"]["outputs_hidden"] = True
    return cell


def example_notebook():
    """A chapter as `make execute` leaves it: solutions collapsed, outputs saved, a note."""
    out = [new_output("stream", name="stdout", text="42")]
    nb = new_notebook(cells=[
        new_markdown_cell("# Chapter"),
        _cell(new_markdown_cell(NOTE), tags=["instructor", "remove-cell"]),
        new_code_cell("x = 1", execution_count=1, outputs=out),
        new_markdown_cell("```{exercise} Add\n:label: ex-add\n\nCompute 1 + 1.\n```"),
        _cell(new_markdown_cell("\n````{solution-start} ex-add\n:class: dropdown\n````\nGATED"), hidden=True),
        _cell(new_code_cell("# Solution\nprint(2)", execution_count=2, outputs=out), hidden=True),
        _cell(new_markdown_cell("\nAfter.\n\n````{solution-end}\n````"), hidden=True),
        _cell(new_markdown_cell("\n````{solution} ex-add\n:class: dropdown\n\nPROSE ANSWER\n````"),
              tags=["solution"], hidden=True),
        new_markdown_cell("Keep.\n\n:::{solution} ex-add\n:label: sol-x\n:class: tip dropdown\n\nINLINE\n:::"),
    ])
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {"m": {}}}}
    return nb


def test_solutions_open_notes_and_outputs_kept():
    nb = example_notebook()
    out = make_instructor.instructorize(nb)
    text = "\n".join(c.source for c in out.cells)
    assert "dropdown" not in text
    assert ":class: tip" in text and ":label: sol-x" in text          # other options stay
    assert all("jupyter" not in c.metadata for c in out.cells)
    for kept in ("NOTE TEXT", "GATED", "print(2)", "PROSE ANSWER", "INLINE", "{solution-end}"):
        assert kept in text, kept
    assert out.cells[0].source.startswith("```{admonition} Instructor version")
    assert len(out.cells) == len(nb.cells) + 1
    code = [c for c in out.cells if c.cell_type == "code"]
    assert [c.outputs[0]["text"] for c in code] == ["42", "42"] and code[1].execution_count == 2
    assert out.metadata["widgets"] == nb.metadata["widgets"]


def test_input_notebook_unchanged():
    nb = example_notebook()
    before = nbformat.writes(nb)
    make_instructor.instructorize(nb)
    assert nbformat.writes(nb) == before


def test_check_fails_on_a_dropdown_left_or_a_lost_note():
    nb = make_instructor.instructorize(example_notebook())
    notes = sum("instructor" in c.metadata.get("tags", []) for c in nb.cells)
    make_instructor._check_open(nb, notes)                           # the real result passes
    with pytest.raises(ms.StudentError, match="instructor note"):
        make_instructor._check_open(nb, notes + 1)
    nb.cells[-1].source = "````{solution} ex\n:class: dropdown\n\nx\n````"
    with pytest.raises(ms.StudentError, match="dropdown"):
        make_instructor._check_open(nb, notes)
    nb.cells[-1].source = "x"
    nb.cells[6].metadata["jupyter"] = {"source_hidden": True}        # a gated solution cell
    with pytest.raises(ms.StudentError, match="collapsed"):
        make_instructor._check_open(nb, notes)


def test_student_version_of_the_same_notebook_has_no_note_and_no_solution():
    student = ms.studentize(example_notebook())
    text = "\n".join(c.source for c in student.cells)
    for gone in ("NOTE TEXT", "GATED", "PROSE ANSWER", "INLINE", "print(2)"):
        assert gone not in text, gone


def _run(*args):
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL)


def _chapters(folder, names=("00_x.ipynb", "01_y.ipynb")):
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        nbformat.write(example_notebook(), folder / name)
    return folder


def test_command_line_writes_notebooks_zip_and_its_own_record(tmp_path):
    src = _chapters(tmp_path / "nbs")
    out, z = tmp_path / "instructor", tmp_path / "instructor.zip"
    r = _run("--src", src, "--out", out, "--zip", z)
    assert r.returncode == 0, r.stderr
    assert sorted(os.listdir(out)) == [".make_instructor.json", "00_x.ipynb", "01_y.ipynb"]
    with zipfile.ZipFile(z) as zf:
        assert sorted(zf.namelist()) == ["lutbook-instructor/00_x.ipynb", "lutbook-instructor/01_y.ipynb"]
        assert "PROSE ANSWER" in zf.read("lutbook-instructor/00_x.ipynb").decode()
    nbformat.validate(nbformat.read(out / "00_x.ipynb", as_version=4))
    assert _run("--src", src, "--out", out, "--zip", z).returncode == 0          # rerun: its own files


def test_never_overwrites_what_it_did_not_write(tmp_path):
    src = _chapters(tmp_path / "nbs")
    before = {p.name: p.read_bytes() for p in src.iterdir()}
    r = _run("--src", src, "--out", src / "instructor", "--zip", tmp_path / "i.zip")
    assert r.returncode == 1 and "inside --src" in r.stderr and "instructor notebooks" in r.stderr
    assert {p.name: p.read_bytes() for p in src.iterdir()} == before
    student = tmp_path / "student"                      # make_student's folder is not its own
    assert subprocess.run([sys.executable, str(ROOT / "scripts" / "make_student.py"), "--src", str(src),
                           "--out", str(student), "--zip", str(tmp_path / "s.zip")],
                          stdin=subprocess.DEVNULL).returncode == 0
    r = _run("--src", src, "--out", student, "--zip", tmp_path / "i.zip")
    assert r.returncode == 1 and "did not create" in r.stderr
    out, z = tmp_path / "instructor", tmp_path / "i.zip"
    assert _run("--src", src, "--out", out, "--zip", z).returncode == 0
    edited = out / "00_x.ipynb"
    edited.write_text(edited.read_text().replace("Run the slider live.", "Ask Ada to run it."))
    r = _run("--src", src, "--out", out, "--zip", z)
    assert r.returncode == 1 and "00_x.ipynb" in r.stderr and "make_instructor.py" in r.stderr
    assert "Ask Ada" in edited.read_text()
    z.write_bytes(b"not ours any more")
    edited.unlink()
    r = _run("--src", src, "--out", out, "--zip", z)
    assert r.returncode == 1 and "--replace-zip" in r.stderr and z.read_bytes() == b"not ours any more"


def test_clean_keeps_edited_instructor_notebooks(tmp_path):
    src = _chapters(tmp_path / "nbs")
    out, z = tmp_path / "instructor", tmp_path / "i.zip"
    assert _run("--src", src, "--out", out, "--zip", z).returncode == 0
    (out / "01_y.ipynb").write_text((out / "01_y.ipynb").read_text() + " ")
    r = _run("--clean", "--out", out, "--zip", z)
    assert r.returncode == 0 and "01_y.ipynb" in r.stdout
    assert sorted(os.listdir(out)) == [".make_instructor.json", "01_y.ipynb"] and not z.exists()


def test_real_chapters_open_every_solution_and_keep_every_note():
    chapters = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert chapters
    for path in chapters:
        original = nbformat.read(path, as_version=4)
        out = make_instructor.instructorize(original)
        text = "\n".join(c.source for c in out.cells if c.cell_type == "markdown")
        assert not any(":class: dropdown" in line for line in text.split("\n")), path.name
        notes = [c for c in original.cells if "instructor" in c.metadata.get("tags", [])]
        assert all(n.source in text for n in notes), path.name
        solutions = make_instructor._solution_cells(original)
        assert all("source_hidden" not in out.cells[i + 1].metadata.get("jupyter", {})
                   for i in solutions), path.name
