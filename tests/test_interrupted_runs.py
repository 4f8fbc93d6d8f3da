"""make_student.py / make_instructor.py: a run killed at any point, or two runs at once, leave a
state the next run accepts, and the output is the same bytes on every run."""
from __future__ import annotations

import hashlib
import os
import signal
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import make_instructor  # noqa: E402
import make_student  # noqa: E402

TOOLS = {"make_student": (make_student.main, ".make_student.json"),
         "make_instructor": (make_instructor.main, ".make_instructor.json")}
pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="runs the tools in forked processes")


@pytest.fixture(autouse=True)
def _no_fsync(monkeypatch):
    """What is tested is the order of the writes, not that they reach the disk: fsync costs
    seconds here on a busy disk."""
    monkeypatch.setattr(os, "fsync", lambda fd: None)


def _start(tool, src, out, zpath, at=0, when="before", sig="SIGTERM", delay=0.0) -> int:
    """Run a tool in a forked process; returns its pid.

    os.replace is wrapped there: at its `at`-th call the process sends itself `sig` just before
    (`when="before"`) or just after (`when="after"`) the rename. SIGINT raises KeyboardInterrupt
    at that point (Ctrl-C), SIGTERM kills the process on the spot. `delay` slows every rename.
    """
    pid = os.fork()
    if pid:
        return pid
    code = 70
    try:
        # the signal state is set here, not inherited (a background job starts with SIGINT ignored)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        real, calls = os.replace, [0]

        def replace(a, b):
            calls[0] += 1
            time.sleep(delay)
            if calls[0] == at and when == "before":
                os.kill(os.getpid(), getattr(signal, sig))
            real(a, b)
            if calls[0] == at and when == "after":
                os.kill(os.getpid(), getattr(signal, sig))
        os.replace = replace
        code = TOOLS[tool][0](["--src", str(src), "--out", str(out), "--zip", str(zpath)])
        (out.parent / f"{out.name}.renames").write_text(str(calls[0]))
    except BaseException:
        code = 71
    finally:
        os._exit(code)


def _wait(pid) -> int:
    """Exit status of a forked run (negative: killed by that signal)."""
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def _run(tool, src, out, zpath, **kill) -> int:
    return _wait(_start(tool, src, out, zpath, **kill))


def _chapters(src: Path, version: str) -> None:
    src.mkdir(exist_ok=True)
    for name in ("00_a", "01_b"):
        prose = new_markdown_cell(f"# {name} {version}\n\nText.")
        exercise = new_markdown_cell("Before.\n\n````{solution-start} ex\n:class: dropdown\n````\nGATED")
        answer = new_code_cell("x = 2", execution_count=1, outputs=[new_output("stream", name="stdout", text="2")])
        end = new_markdown_cell("````{solution-end}\n````\nAfter the gate.")
        tagged = new_code_cell("y = 3")
        tagged.metadata["tags"] = ["solution"]
        note = new_markdown_cell("```{admonition} For instructors\n:class: note\n\nA note.\n```")
        note.metadata["tags"] = ["instructor"]
        cells = [prose, exercise, answer, end, tagged, note]
        for i, cell in enumerate(cells):
            cell["id"] = f"{name}-{i}"            # a chapter's ids stay as they are
        nbformat.write(new_notebook(cells=cells), src / f"{name}.ipynb")


def _files(out: Path, zpath: Path) -> dict[str, str]:
    """Every notebook and the zip, as SHA-256 (the record itself and hidden files left out)."""
    found = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.glob("*.ipynb"))}
    found["zip"] = hashlib.sha256(zpath.read_bytes()).hexdigest()
    return found


@pytest.mark.parametrize("tool", TOOLS)
def test_two_runs_write_the_same_bytes(tool, tmp_path):
    _chapters(tmp_path / "src", "v1")
    results = []
    for k in (1, 2):
        out, z = tmp_path / f"out{k}", tmp_path / f"{k}.zip"
        assert _run(tool, tmp_path / "src", out, z) == 0
        results.append(_files(out, z))
    assert results[0] == results[1]


def _renames(tool, src, out, z) -> int:
    assert _run(tool, src, out, z) == 0
    return int((out.parent / f"{out.name}.renames").read_text())


@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("tool", TOOLS)
def test_a_run_killed_at_any_point_leaves_a_state_the_next_run_accepts(tool, sig, tmp_path):
    src, clean_out, clean_zip = tmp_path / "src", tmp_path / "clean", tmp_path / "clean.zip"
    _chapters(src, "v1")
    _renames(tool, src, clean_out, clean_zip)              # the output of an earlier run ...
    _chapters(src, "v2")                                    # ... of chapters changed since
    n = _renames(tool, src, tmp_path / "count", tmp_path / "count.zip")
    _renames(tool, src, clean_out, clean_zip)
    expected = _files(clean_out, clean_zip)
    assert n >= 6
    for start in ("empty", "earlier run"):
        for at in range(1, n + 1):
            for when in ("before", "after"):
                out, z = tmp_path / f"{start[0]}{at}{when}", tmp_path / f"{start[0]}{at}{when}.zip"
                if start == "earlier run":
                    _chapters(src, "v1")
                    _renames(tool, src, out, z)
                    _chapters(src, "v2")
                killed = _run(tool, src, out, z, at=at, when=when, sig=sig)
                assert killed == (-signal.SIGTERM if sig == "SIGTERM" else 71), (start, at, when)
                assert TOOLS[tool][0](["--src", str(src), "--out", str(out), "--zip", str(z)]) == 0, \
                    (start, at, when)
                assert _files(out, z) == expected, (start, at, when)
                assert sorted(p.name for p in out.iterdir()) == sorted([*expected][:-1] + [TOOLS[tool][1]])
                assert [p.name for p in tmp_path.glob(f".{z.name}*")] == []     # no unfinished zip left


@pytest.mark.parametrize("tool", TOOLS)
def test_two_runs_at_once_leave_a_state_the_next_run_accepts(tool, tmp_path):
    src = tmp_path / "src"
    _chapters(src, "v1")
    out, z = tmp_path / "out", tmp_path / "out.zip"
    for offset in (0, 0.05, 0.15, 0.3):     # a slow run, and a quick one started that much later
        first = _start(tool, src, out, z, delay=0.1)
        time.sleep(offset)
        second = _start(tool, src, out, z)
        assert [_wait(first), _wait(second)] == [0, 0], offset
        assert _run(tool, src, out, z) == 0
