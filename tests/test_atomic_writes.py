"""Every script that writes a user's file writes it beside the file and renames it into place
(scripts/atomic.py): a disk that fills up mid-write leaves the file as it was.

The full disk is the file-size limit (RLIMIT_FSIZE) lowered for the length of the write: every
write past that many bytes of a file then fails (EFBIG), as a full disk fails with ENOSPC.
"""
from __future__ import annotations

import contextlib
import errno
import json
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import atomic  # noqa: E402
import colab_cell  # noqa: E402
import glue_to_eval  # noqa: E402
import make_student  # noqa: E402
import offline_kit  # noqa: E402

resource = pytest.importorskip("resource")     # POSIX
LIMIT = 8192
BIG = "A paragraph of the chapter. " * 1000      # ~28 KB: its notebook cannot be written under LIMIT


@contextlib.contextmanager
def disk_full_after(nbytes: int):
    """Every write beyond `nbytes` of a file fails with EFBIG while this is active."""
    import signal
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (nbytes, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, handler)


def _only(folder: Path, *names) -> None:
    """No temporary file was left beside the targets."""
    assert sorted(p.name for p in folder.iterdir()) == sorted(names)


def test_atomic_write_keeps_the_old_file_when_the_disk_is_full(tmp_path):
    target = tmp_path / "notes.txt"
    target.write_text("the old text")
    target.chmod(0o640)
    with disk_full_after(LIMIT), pytest.raises(OSError) as e:
        atomic.write_text(target, BIG)
    assert e.value.errno in (errno.EFBIG, errno.ENOSPC)
    assert target.read_text() == "the old text"
    _only(tmp_path, "notes.txt")
    atomic.write_text(target, "new")
    assert target.read_text() == "new" and target.stat().st_mode & 0o777 == 0o640   # mode kept


def test_glue_to_eval_keeps_the_notebook_when_the_disk_is_full(tmp_path, capsys):
    nb = new_notebook(cells=[new_code_cell("from myst_nb import glue\nglue(\"n\", 3, display=False)"),
                             new_markdown_cell("We saw {glue:text}`n` things. " + BIG)])
    path = tmp_path / "01_chapter.ipynb"
    nbformat.write(nb, path)
    before = path.read_bytes()
    with disk_full_after(LIMIT):
        code = glue_to_eval.main([str(path)])
    assert code == 1 and "nothing was written" in capsys.readouterr().err
    assert path.read_bytes() == before
    _only(tmp_path, path.name)
    assert glue_to_eval.main([str(path)]) == 0 and "{eval}" in path.read_text()


def test_colab_cell_apply_keeps_the_chapter_when_the_disk_is_full(tmp_path, capsys):
    path = tmp_path / "01_chapter.ipynb"
    nbformat.write(new_notebook(cells=[new_markdown_cell("# Chapter\n\n" + BIG), new_code_cell("x = 1")]), path)
    before = path.read_bytes()
    with disk_full_after(LIMIT):
        code = colab_cell.main(["--apply", str(path)])
    assert code == 1 and "nothing was written" in capsys.readouterr().err
    assert path.read_bytes() == before
    _only(tmp_path, path.name)


def test_make_student_keeps_its_notebooks_and_record_when_the_disk_is_full(tmp_path, capsys):
    src, out, z = tmp_path / "src", tmp_path / "out", tmp_path / "student.zip"
    src.mkdir()
    path = src / "01_chapter.ipynb"
    nbformat.write(new_notebook(cells=[new_markdown_cell("# Chapter\n\nshort")]), path)
    assert make_student.main(["--src", str(src), "--out", str(out), "--zip", str(z)]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    nbformat.write(new_notebook(cells=[new_markdown_cell("# Chapter\n\n" + BIG)]), path)
    with disk_full_after(LIMIT):
        code = make_student.main(["--src", str(src), "--out", str(out), "--zip", str(z)])
    assert code == 1 and "could not write" in capsys.readouterr().err
    assert (out / path.name).read_bytes() == before[path.name]       # the previous student copy
    _only(out, *before)
    assert make_student.main(["--src", str(src), "--out", str(out), "--zip", str(z)]) == 0   # accepted
    assert BIG[:100] in (out / path.name).read_text()


def test_offline_kit_record_is_written_atomically(tmp_path):
    offline_kit.write_record(tmp_path, {"tool": offline_kit.TOOL, "files": {}})
    with disk_full_after(LIMIT), pytest.raises(OSError):
        offline_kit.write_record(tmp_path, {"tool": offline_kit.TOOL, "files": {f"f{i}": BIG[:64] for i in range(400)}})
    assert json.loads((tmp_path / offline_kit.RECORD).read_text())["files"] == {}
    _only(tmp_path, offline_kit.RECORD)
