"""scripts/make_student.py removes solutions and nothing else."""
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


def test_instructor_notes_are_removed_and_untagged_ones_refused():
    note = _md("```{admonition} For instructors\n:class: note\n\nINSTRUCTOR SECRET\n```",
               tags=["instructor", "remove-cell"])
    nb = example_notebook()
    nb.cells.insert(2, note)
    nb.cells.append(_code("z = 3", tags=["instructor"]))      # any cell type
    out = make_student.studentize(nb)
    assert "INSTRUCTOR SECRET" not in all_text(out) and "z = 3" not in all_text(out)
    assert len(out.cells) == len(make_student.studentize(example_notebook()).cells)
    note.metadata["tags"] = ["remove-cell"]                  # a note someone forgot to tag
    with pytest.raises(make_student.StudentError, match="not tagged 'instructor'"):
        make_student.studentize(nb)


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
                    "--zip", str(zpath)], check=True, capture_output=True,
                   stdin=subprocess.DEVNULL)
    assert sorted(p.name for p in out.glob("*.ipynb")) == ["00_x.ipynb", "01_y.ipynb"]
    with zipfile.ZipFile(zpath) as zf:
        assert sorted(zf.namelist()) == ["lutbook-student/00_x.ipynb", "lutbook-student/01_y.ipynb"]
        text = zf.read("lutbook-student/00_x.ipynb").decode()
    assert "TAGGED_CODE" not in text and "Keep me too." in text
    nbformat.validate(nbformat.read(out / "00_x.ipynb", as_version=4))
    umask = os.umask(0o022)
    os.umask(umask)
    for made in (out / "00_x.ipynb", zpath):        # readable like any new file, not mkstemp's 0600
        assert made.stat().st_mode & 0o777 == 0o666 & ~umask, made


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
        assert not any("instructor" in c.metadata.get("tags", []) for c in student.cells), path.name
        assert "For instructors" not in all_text(student), path.name


# ---- it never deletes or overwrites what it did not write (issue 8) ----------------------

def _chapters(folder, names=("00_x.ipynb", "01_y.ipynb")):
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        nbformat.write(example_notebook(), folder / name)
    return folder


def _run(*args):
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL)


def _snapshot(folder):
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("where", ["same", "inside"])
def test_out_equal_to_or_inside_src_is_refused_and_src_untouched(tmp_path, where):
    src = _chapters(tmp_path / "nbs")
    before = _snapshot(src)
    out = src if where == "same" else src / "student"
    r = _run("--src", src, "--out", out, "--zip", tmp_path / "s.zip")
    assert r.returncode == 1 and "--src" in r.stderr and "nothing" not in r.stdout
    assert _snapshot(src) == before and not (tmp_path / "s.zip").exists()


def test_out_holding_src_is_refused(tmp_path):
    src = _chapters(tmp_path / "book" / "nbs")
    r = _run("--src", src, "--out", tmp_path / "book", "--zip", tmp_path / "s.zip")
    assert r.returncode == 1 and "holds --src" in r.stderr


def test_non_empty_folder_it_did_not_create_is_refused(tmp_path):
    src = _chapters(tmp_path / "nbs")
    out = tmp_path / "mine"
    out.mkdir()
    (out / "00_x.ipynb").write_text("my own notebook")
    (out / "notes.txt").write_text("my notes")
    r = _run("--src", src, "--out", out, "--zip", tmp_path / "s.zip")
    assert r.returncode == 1 and "did not create" in r.stderr and "nothing was written" in r.stderr
    assert (out / "00_x.ipynb").read_text() == "my own notebook" and sorted(os.listdir(out)) == ["00_x.ipynb", "notes.txt"]
    assert not (tmp_path / "s.zip").exists()


def test_empty_folder_and_rerun_are_fine_and_extra_files_are_kept(tmp_path):
    src = _chapters(tmp_path / "nbs")
    out, z = tmp_path / "empty", tmp_path / "s.zip"
    out.mkdir()
    assert _run("--src", src, "--out", out, "--zip", z).returncode == 0
    (out / "notes.txt").write_text("a student's notes")          # added after: not ours, kept
    nbformat.write(new_notebook(cells=[_md("plain")]), src / "02_z.ipynb")
    (src / "01_y.ipynb").unlink()                                  # a chapter gone: its old copy goes
    r = _run("--src", src, "--out", out, "--zip", z)
    assert r.returncode == 0, r.stderr
    assert sorted(os.listdir(out)) == [".make_student.json", "00_x.ipynb", "02_z.ipynb", "notes.txt"]
    assert (out / "notes.txt").read_text() == "a student's notes"
    with zipfile.ZipFile(z) as zf:
        assert sorted(zf.namelist()) == ["lutbook-student/00_x.ipynb", "lutbook-student/02_z.ipynb"]


def test_edited_student_notebook_is_never_overwritten_or_removed(tmp_path):
    src = _chapters(tmp_path / "nbs")
    out, z = tmp_path / "student", tmp_path / "s.zip"
    assert _run("--src", src, "--out", out, "--zip", z).returncode == 0
    edited = out / "01_y.ipynb"
    edited.write_text(edited.read_text().replace("Your solution here", "my answer: 2"))
    r = _run("--src", src, "--out", out, "--zip", z)
    assert r.returncode == 1 and "01_y.ipynb" in r.stderr and "nothing was written" in r.stderr
    assert "my answer: 2" in edited.read_text()
    (src / "01_y.ipynb").unlink()                                  # not even when its chapter is gone
    assert _run("--src", src, "--out", out, "--zip", z).returncode == 1
    assert "my answer: 2" in edited.read_text()


def test_zip_it_did_not_write_is_not_overwritten_without_asking(tmp_path):
    src = _chapters(tmp_path / "nbs")
    z = tmp_path / "precious.zip"
    z.write_bytes(b"not ours")
    r = _run("--src", src, "--out", tmp_path / "student", "--zip", z)
    assert r.returncode == 1 and "--replace-zip" in r.stderr and z.read_bytes() == b"not ours"
    assert not (tmp_path / "student").exists()                     # refused before writing anything
    out = tmp_path / "student2"
    asked = []
    with pytest.raises(make_student.Refused):
        make_student.build(src, out, z, ask=lambda q: asked.append(q) or False)
    assert asked and z.read_bytes() == b"not ours"
    make_student.build(src, out, z, ask=lambda q: True)           # the user said yes
    assert zipfile.is_zipfile(z)
    assert _run("--src", src, "--out", out, "--zip", z).returncode == 0   # now it is ours: rewritten freely
    z.write_bytes(b"changed by hand")
    assert _run("--src", src, "--out", out, "--zip", z).returncode == 1
    assert _run("--src", src, "--out", out, "--zip", z, "--replace-zip").returncode == 0


def test_clean_removes_only_unchanged_files_it_wrote(tmp_path):
    src = _chapters(tmp_path / "nbs")
    out, z = tmp_path / "student", tmp_path / "s.zip"
    assert _run("--src", src, "--out", out, "--zip", z).returncode == 0
    (out / "00_x.ipynb").write_text((out / "00_x.ipynb").read_text() + " ")   # edited
    (out / "notes.txt").write_text("mine")
    r = _run("--clean", "--out", out, "--zip", z)
    assert r.returncode == 0 and "00_x.ipynb" in r.stdout
    assert sorted(os.listdir(out)) == [".make_student.json", "00_x.ipynb", "notes.txt"] and not z.exists()
    (out / "00_x.ipynb").unlink()
    (out / "notes.txt").unlink()
    assert _run("--clean", "--out", out, "--zip", z).returncode == 0
    assert not out.exists()                                        # all ours and unchanged: gone
    stranger = tmp_path / "stranger"
    _chapters(stranger)
    assert _run("--clean", "--out", stranger, "--zip", z).returncode == 0
    assert sorted(os.listdir(stranger)) == ["00_x.ipynb", "01_y.ipynb"]   # no record: untouched


def test_make_clean_keeps_edited_student_notebooks_and_the_numba_cache(tmp_path):
    """`make clean` in a copy of the project's Makefile: build output goes, user material stays."""
    import shutil
    if shutil.which("make") is None:
        pytest.skip("no make")
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    (tmp_path / "scripts").mkdir()
    shutil.copy(SCRIPT, tmp_path / "scripts" / SCRIPT.name)
    for script in ("make_instructor.py", "make_offline_kit.py", "offline_kit.py", "atomic.py"):
        shutil.copy(ROOT / "scripts" / script, tmp_path / "scripts" / script)
    src = _chapters(tmp_path / "notebooks")
    out, z = tmp_path / "_build" / "student", tmp_path / "_build" / "student.zip"
    assert _run("--src", src, "--out", out, "--zip", z).returncode == 0
    (out / "00_x.ipynb").write_text((out / "00_x.ipynb").read_text().replace("Your solution", "My answer"))
    iout, iz = tmp_path / "_build" / "instructor", tmp_path / "_build" / "instructor.zip"
    r = subprocess.run([sys.executable, str(tmp_path / "scripts" / "make_instructor.py"), "--src", str(src),
                        "--out", str(iout), "--zip", str(iz)], capture_output=True, text=True,
                       stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr
    (iout / "01_y.ipynb").write_text((iout / "01_y.ipynb").read_text().replace("Keep me", "Say it slowly"))
    (tmp_path / "_build" / "offline-kit").mkdir(parents=True)     # a kit folder with a teacher's file,
    (tmp_path / "_build" / "offline-kit" / "room-12.txt").write_text("mine")   # no record: not ours
    for made in ("_build/html/index.html", "_build/.doctrees/x", "node_modules/m/x.js", ".hypothesis/x",
                 "lutlib/__pycache__/a.cpython-311.pyc", "tests/__pycache__/t.pyc"):
        (tmp_path / made).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / made).write_text("x")
    kept = ["lutlib/__pycache__/kernels_numba._fit_layer-1.py311.nbi",
            "lutlib/__pycache__/kernels_numba._fit_layer-1.py311.1.nbc", "notebooks/00_x.ipynb",
            ".venv/lib/x.pyc"]
    for name in kept[:2] + kept[3:]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("keep")
    r = subprocess.run(["make", "-C", str(tmp_path), "clean", f"PYTHON={sys.executable}"],
                       capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stdout + r.stderr
    left = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert left == sorted(kept + ["Makefile", "notebooks/01_y.ipynb", "scripts/make_student.py",
                                  "scripts/make_instructor.py", "scripts/make_offline_kit.py",
                                  "scripts/offline_kit.py", "scripts/atomic.py", "_build/offline-kit/room-12.txt",
                                  "_build/student/00_x.ipynb", "_build/student/.make_student.json",
                                  "_build/instructor/01_y.ipynb", "_build/instructor/.make_instructor.json"])
    assert "My answer" in (out / "00_x.ipynb").read_text() and "00_x.ipynb" in r.stdout
    assert "Say it slowly" in (iout / "01_y.ipynb").read_text() and "01_y.ipynb" in r.stdout


def test_a_read_only_out_is_a_clear_error(tmp_path):
    """One line naming the folder and the reason, not a traceback. Read-only: a folder without
    write permission, or (as root, who may write anywhere) a read-only bind mount."""
    import shutil
    src = _chapters(tmp_path / "src")
    locked = tmp_path / "read-only"
    locked.mkdir()
    out, z = locked / "student", locked / "student.zip"
    cmd = [sys.executable, str(SCRIPT), "--src", str(src), "--out", str(out), "--zip", str(z)]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        if not shutil.which("unshare"):
            pytest.skip("as root, needs unshare for a read-only mount")
        mount = f"mount --bind '{locked}' '{locked}' && mount -o remount,bind,ro '{locked}'"
        if subprocess.run(["unshare", "-m", "sh", "-c", mount], capture_output=True).returncode != 0:
            pytest.skip("as root, needs a mount namespace for a read-only mount")
        cmd = ["unshare", "-m", "sh", "-c", mount + ' && exec "$@"', "sh", *cmd]
    else:
        locked.chmod(0o555)
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    finally:
        locked.chmod(0o755)
    assert r.returncode == 1
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert r.stderr.startswith("error: make_student.py could not write")
    assert f"{out}: Permission denied" in r.stderr or f"{out}: Read-only file system" in r.stderr, r.stderr
    assert list(locked.iterdir()) == []
