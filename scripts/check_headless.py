#!/usr/bin/env python3
"""Execute chapters headless many times in a row and report any hang (issue 9 item 4).

    python scripts/check_headless.py notebooks/00_first_look.ipynb [...] [--runs 10]
                                     [--run-timeout 900] [--runner execute|nbconvert]
    python scripts/check_headless.py --repro [--runs 10] [--runner nbconvert]

Each run executes a fresh copy in a temporary folder (the committed notebooks are never
touched) in its own process group; a run still going after --run-timeout seconds counts as a
HANG and is killed with its kernel. ``--runner execute`` (default) is scripts/execute.py, what
`make execute` uses; ``--runner nbconvert`` is the former `jupyter nbconvert --execute
--ExecutePreprocessor.store_widget_state=True`, for comparison. ``--repro`` runs instead a
small synthetic notebook that stresses the suspected cause: 40 cells, each a
``widgets.interactive`` whose function draws a figure (every captured output makes nbclient's
Output-widget imitation talk to the kernel while a reply is awaited).

Prints one line per run and a summary; exits 1 if any run hung or failed. Long: run it with
``nice -n 10`` when the machine is quiet.
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def repro_notebook(path: Path, cells: int = 40) -> Path:
    """Write the synthetic widget notebook used by --repro."""
    from nbformat.v4 import new_code_cell, new_notebook
    setup = ("import ipywidgets as widgets\n"
             "import matplotlib.pyplot as plt\n\n"
             "def draw(k=3):\n    fig, ax = plt.subplots(figsize=(3, 2))\n    ax.plot(range(k))\n"
             "    print('k =', k)\n    plt.show()\n")
    body = [new_code_cell(f"widgets.interactive(draw, k=widgets.IntSlider(value={i % 7 + 2}, min=1, max=9))")
            for i in range(cells)]
    nb = new_notebook(cells=[new_code_cell(setup), *body])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def command(runner: str, notebook: Path, out: Path) -> list[str]:
    if runner == "execute":
        return [PY, str(ROOT / "scripts" / "execute.py"), str(notebook), "--out", str(out)]
    return [str(Path(PY).parent / "jupyter"), "nbconvert", "--to", "notebook", "--execute",
            "--output-dir", str(out), "--ExecutePreprocessor.store_widget_state=True",
            "--ExecutePreprocessor.timeout=-1", str(notebook)]


def run_once(runner: str, notebook: Path, timeout: float) -> tuple[str, float, str]:
    """Run one execution; returns (status, seconds, last lines of its log)."""
    with tempfile.TemporaryDirectory(prefix="headless-") as tmp:
        tmp = Path(tmp)
        copy = tmp / notebook.name
        copy.write_bytes(notebook.read_bytes())
        out = tmp / "out"
        log = tmp / "log.txt"
        start = time.perf_counter()
        with open(log, "w") as fh:
            proc = subprocess.Popen(command(runner, copy, out), stdout=fh, stderr=subprocess.STDOUT,
                                    cwd=notebook.resolve().parent, start_new_session=True)
            try:
                code = proc.wait(timeout=timeout)
                status = "ok" if code == 0 and (out / notebook.name).is_file() else f"FAILED (exit {code})"
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)   # the runner and its kernel
                proc.wait()
                status = "HANG"
        seconds = time.perf_counter() - start
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-5:])
    return status, seconds, tail


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("notebooks", nargs="*", type=Path)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--run-timeout", type=float, default=900, help="seconds before a run counts as a hang")
    ap.add_argument("--runner", choices=("execute", "nbconvert"), default="execute")
    ap.add_argument("--repro", action="store_true", help="run the synthetic widget notebook instead")
    args = ap.parse_args(argv)
    if args.runs < 1:
        ap.error("--runs must be at least 1")
    with tempfile.TemporaryDirectory(prefix="repro-") as keep:
        notebooks = list(args.notebooks)
        if args.repro:
            notebooks.append(repro_notebook(Path(keep) / "widget_repro.ipynb"))
        if not notebooks:
            ap.error("give notebooks, or --repro")
        for nb in notebooks:
            if not nb.is_file():
                ap.error(f"{nb} is not a file")
        bad, total = 0, 0
        for nb in notebooks:
            times = []
            for i in range(1, args.runs + 1):
                status, seconds, tail = run_once(args.runner, nb, args.run_timeout)
                total += 1
                times.append(seconds)
                print(f"{nb.name} run {i}/{args.runs} [{args.runner}]: {status} in {seconds:.0f} s", flush=True)
                if status != "ok":
                    bad += 1
                    print("    " + tail.replace("\n", "\n    "), flush=True)
            print(f"{nb.name}: {args.runs} runs, {sum(1 for _ in times)} timed, "
                  f"{min(times):.0f}-{max(times):.0f} s each", flush=True)
    print(f"summary: {total - bad} of {total} runs finished, {bad} hung or failed "
          f"(runner {args.runner}, run timeout {args.run_timeout:.0f} s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
