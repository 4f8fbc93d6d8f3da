"""scripts/execute.py: a chapter is never lost, and a timeout is always a timeout."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "execute.py"
sys.path.insert(0, str(ROOT / "scripts"))
import execute  # noqa: E402

# Runs execute.py with the file-size limit (RLIMIT_FSIZE) lowered once the kernel is done, just
# before the notebook is written: every write past LIMIT bytes then fails with EFBIG, as a full
# disk fails with ENOSPC.
DISK_FULL = """
import resource, runpy, signal, sys
sys.path.insert(0, {scripts!r})
import execute
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
collapse = execute.collapse_solutions
def collapse_then_fill_the_disk(nb):
    collapse(nb)
    resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
execute.collapse_solutions = collapse_then_fill_the_disk
sys.exit(execute.main({argv!r}))
"""


def _chapter(path: Path) -> bytes:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# A chapter"),
                                         nbformat.v4.new_code_cell("print('x' * 20000)")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path.read_bytes()


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
def test_a_full_disk_leaves_the_chapter_as_it_was(tmp_path):
    chapter = tmp_path / "01_chapter.ipynb"
    before = _chapter(chapter)
    assert len(before) < 4096
    code = DISK_FULL.format(scripts=str(ROOT / "scripts"), limit=4096, argv=[str(chapter), "--timeout", "60"])
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          cwd=tmp_path)
    assert proc.returncode != 0
    assert chapter.read_bytes() == before                      # byte for byte
    assert [p.name for p in tmp_path.iterdir()] == [chapter.name]   # no temporary file left
    assert "File too large" in proc.stderr or "No space" in proc.stderr, proc.stderr[-2000:]


def test_a_completed_write_replaces_the_chapter(tmp_path, monkeypatch):
    chapter = tmp_path / "01_chapter.ipynb"
    _chapter(chapter)
    monkeypatch.setattr(execute.ChapterClient, "execute", lambda self: None)   # no kernel needed
    execute.execute(chapter)
    assert "jupyter" not in nbformat.read(chapter, as_version=4).cells[1].metadata
    assert [p.name for p in tmp_path.iterdir()] == [chapter.name]


@pytest.mark.parametrize("value", ["0", "-5", "1.5", "soon"])
def test_a_timeout_that_is_not_a_positive_number_of_seconds_is_refused(value, tmp_path, capsys):
    chapter = tmp_path / "01_chapter.ipynb"
    before = _chapter(chapter)
    with pytest.raises(SystemExit) as exit_:
        execute.main([str(chapter), "--timeout", value])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert f"--timeout: must be a whole number of seconds, 1 or more; got {value!r}" in err
    assert chapter.read_bytes() == before


@pytest.mark.parametrize("value", [0, -1, None, 2.5])
def test_execute_refuses_a_timeout_that_is_not_positive(value, tmp_path):
    chapter = tmp_path / "01_chapter.ipynb"
    before = _chapter(chapter)
    with pytest.raises(ValueError, match="timeout must be a whole number of seconds, 1 or more"):
        execute.execute(chapter, timeout=value)
    assert chapter.read_bytes() == before


def test_doctests():
    import doctest
    import atomic
    for module in (execute, atomic):
        assert doctest.testmod(module).failed == 0, module.__name__
