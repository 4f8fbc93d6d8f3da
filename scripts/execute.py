#!/usr/bin/env python3
"""Execute chapter notebooks headless: outputs, widget state and the prose's {eval} results.

    python scripts/execute.py notebooks/00_first_look.ipynb [more.ipynb ...]
                              [--out DIR] [--timeout 600]

Used by `make execute`. Each notebook runs top to bottom in a fresh kernel (cwd: its folder)
and is written back in place (or into --out), through scripts/atomic.py: beside the chapter,
then renamed over it, so a full disk or a kill while writing leaves the chapter as it was.
Three things differ from
`jupyter nbconvert --execute`:

* **{eval} in the prose.** Markdown cells say numbers with MyST's inline role, e.g.
  ``{eval}`f"{prose.test_acc:.3f}"```. When the run reaches a markdown cell, its expressions
  are evaluated in the kernel at that point (an ``execute_request`` with empty code and
  ``user_expressions``, exactly the request jupyterlab-myst sends when a reader runs the
  cell) and the replies are saved in the cell's ``user_expressions`` metadata in
  jupyterlab-myst's format, ``[{"expression": ..., "result": {"status": "ok", "data":
  {...}, "metadata": {}}}]``. JupyterLab (with jupyterlab-myst) shows them before anyone runs
  the notebook, and the book renders them with execution off (_ext/lutbook_eval.py). An
  expression that fails stops the run with the cell and the error.
* **No hang after widget cells.** nbclient imitates a front end's Output widget and, for every
  output captured inside one (``widgets.interactive`` draws its figure inside one), sends a
  ``comm_msg`` back to the kernel *on the shell socket*, from the coroutine that reads IOPub,
  while another coroutine is waiting on that same socket for the cell's ``execute_reply``.
  That send can swallow the socket's wake-up for the reply already queued (ZeroMQ's file
  descriptor is edge-triggered), and the client then waits for ever with kernel and client
  idle: jupyter/nbclient#312, jupyter/nbconvert#2029. Here the imitation Output widget keeps
  its outputs (they are saved with the widget state) but never sends anything: headless,
  nobody needs the kernel's copy updated, so the shell socket is only ever read while a cell
  runs. Every cell also has a timeout (``--timeout``, seconds), so a hang of any other kind
  fails instead of blocking CI.
* **Solutions collapsed in JupyterLab.** Every solution cell (tagged ``solution``, or between
  ``{solution-start}`` and ``{solution-end}``) gets ``jupyter.source_hidden`` (and, for code,
  ``jupyter.outputs_hidden``), which JupyterLab honours: the student sees a collapsed cell and
  opens it on purpose. A collapsed cell shows its first line, so markdown solution cells start
  with an empty line and code solution cells with a ``# Solution`` comment. The book ignores these keys (sphinx-exercise hides the solution there)
  and `make student` still removes the cells.
* **Clean metadata.** No per-cell timing metadata (it changed every run and churned diffs).
* **Figure captions.** The caption and alt text each ``lutlib.plotting.show_figure`` recorded
  go into its cell's ``mystnb`` metadata, where the book reads them (scripts/figure_meta.py).

Execution counts come out 1, 2, 3, ... (one clean run), widget state is saved
(``store_widget_state``), and a failing cell stops the run with its traceback.
"""
from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from nbclient.output_widget import OutputWidget

sys.path.insert(0, str(Path(__file__).resolve().parent))
import atomic  # noqa: E402  (scripts/ is not a package)
import figure_meta  # noqa: E402

# {eval}`expression`: the role's content runs to the next backtick (as in MyST).
EVAL_ROLE = re.compile(r"\{eval\}`([^`]+)`")
_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,}|:{3,})(.*)$")
_GATE_START = re.compile(r"^[ \t]*(`{3,}|:{3,})\{solution-start\}", re.M)
_GATE_END = re.compile(r"^[ \t]*(`{3,}|:{3,})\{solution-end\}", re.M)


def _prose_only(markdown: str) -> str:
    """Markdown without the lines inside code blocks (directive bodies are kept: MyST parses them).

    >>> _prose_only("a\\n```python\\nx\\n```\\n````{note}\\nb\\n````\\nc")
    'a\\nb\\nc'
    """
    kept, stack = [], []          # stack of open fences: (character, length, is_code)
    for line in markdown.split("\n"):
        m = _FENCE.match(line)
        if m:
            fence, info = m.group(1), m.group(2).strip()
            if stack and fence[0] == stack[-1][0] and len(fence) >= stack[-1][1] and not info:
                stack.pop()
                continue
            if not (stack and stack[-1][2]):          # inside a code block a fence is just text
                stack.append((fence[0], len(fence), fence[0] != ":" and not info.startswith("{")))
                continue
        if not any(code for _, _, code in stack):
            kept.append(line)
    return "\n".join(kept)


def eval_expressions(markdown: str) -> list[str]:
    """The {eval} expressions of a markdown cell, in order (code fences skipped).

    >>> eval_expressions('A {eval}`f"{x:.2f}"` and {eval}`n`.')
    ['f"{x:.2f}"', 'n']
    >>> eval_expressions('````{solution-start} ex\\n````\\n(a) {eval}`a`\\n```python\\n{eval}`no`\\n```')
    ['a']
    """
    return EVAL_ROLE.findall(_prose_only(markdown))


def solution_cells(nb) -> list[int]:
    r"""Indices of solution cells: tagged `solution`, or inside a solution-start/-end gate.

    >>> from nbformat.v4 import new_notebook, new_markdown_cell as md, new_code_cell as code
    >>> start, end = md("````{solution-start} ex\n````"), md("````{solution-end}\n````")
    >>> solution_cells(new_notebook(cells=[md("x"), start, code("1"), end, md("y")]))
    [1, 2, 3]
    """
    out, gate = [], False
    for i, cell in enumerate(nb.cells):
        src = cell.source if cell.cell_type == "markdown" else ""
        if _GATE_START.search(src):
            gate = True
        if gate or "solution" in cell.get("metadata", {}).get("tags", []):
            out.append(i)
        if _GATE_END.search(src):
            gate = False
    return out


def collapse_solutions(nb) -> None:
    """Collapse every solution cell in JupyterLab (jupyter.source_hidden / outputs_hidden).

    A collapsed cell still shows its first line, so that line must give nothing away: a
    markdown cell gets an empty first line, a code cell a ``# Solution`` comment (unless it
    already starts with a comment).
    """
    for i in solution_cells(nb):
        cell = nb.cells[i]
        hidden = {"source_hidden": True}
        if cell.cell_type == "code":
            hidden["outputs_hidden"] = True
            if not cell.source.lstrip().startswith("#"):
                cell.source = "# Solution\n" + cell.source
        elif not cell.source.startswith("\n"):
            cell.source = "\n" + cell.source
        cell.metadata.setdefault("jupyter", {}).update(hidden)


class QuietOutputWidget(OutputWidget):
    """nbclient's Output-widget imitation without the message back to the kernel (see above)."""

    def sync_state(self) -> None:
        pass


class ExpressionError(RuntimeError):
    """An {eval} expression failed in the kernel."""


class ChapterClient(NotebookClient):
    """NotebookClient that also evaluates each markdown cell's {eval} expressions in order."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.widget_registry = {"@jupyter-widgets/output": {"OutputModel": QuietOutputWidget}}

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        cell.get("metadata", {}).pop("execution", None)
        if cell.cell_type == "markdown":
            await self._evaluate_expressions(cell, cell_index)
            return cell
        return await super().async_execute_cell(cell, cell_index, execution_count, store_history)

    async def _evaluate_expressions(self, cell, cell_index):
        expressions = eval_expressions(cell.source)
        if not expressions:
            cell.metadata.pop("user_expressions", None)
            return
        named = {str(i): expr for i, expr in enumerate(expressions)}
        # empty code, silent: no execution count used, nothing stored in the history
        msg_id = self.kc.execute("", silent=True, store_history=False, user_expressions=named)
        reply = await self.async_wait_for_reply(msg_id, cell)
        if reply is None or reply["content"].get("status") != "ok":
            raise ExpressionError(f"markdown cell {cell_index}: the kernel did not evaluate its "
                                  f"{{eval}} expressions ({reply and reply['content'].get('status')})")
        results = reply["content"]["user_expressions"]
        saved = []
        for key, expr in named.items():
            result = results[key]
            if result.get("status") != "ok":
                raise ExpressionError(f"markdown cell {cell_index}: {{eval}}`{expr}` failed: "
                                      f"{result.get('ename')}: {result.get('evalue')}")
            saved.append({"expression": expr, "result": result})
        cell.metadata["user_expressions"] = saved


def execute(path: Path, out: Path | None = None, timeout: int = 600) -> float:
    """Execute one notebook and write it (in place, or into folder `out`); returns seconds."""
    if isinstance(timeout, bool) or not isinstance(timeout, int) or timeout < 1:
        raise ValueError(f"timeout must be a whole number of seconds, 1 or more; got {timeout!r}")
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    client = ChapterClient(nb, timeout=timeout, kernel_name="python3", store_widget_state=True,
                           record_timing=False,
                           resources={"metadata": {"path": str(path.resolve().parent)}})
    client.execute()
    collapse_solutions(nb)
    figure_meta.apply(nb)
    seconds = time.perf_counter() - start
    dest = path if out is None else out / path.name
    dest.parent.mkdir(parents=True, exist_ok=True)
    atomic.write_notebook(nb, dest)
    return seconds


def timeout_seconds(text: str) -> int:
    """A --timeout value: a whole number of seconds, 1 or more (0 would mean no timeout at all).

    >>> timeout_seconds("600")
    600
    """
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of seconds, 1 or more; got {text!r}")
    return value


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("notebooks", nargs="+", type=Path)
    ap.add_argument("--out", type=Path, help="write executed copies here instead of in place")
    ap.add_argument("--timeout", type=timeout_seconds, default=600, help="per-cell timeout in seconds (default 600)")
    args = ap.parse_args(argv)
    for path in args.notebooks:
        if not path.is_file() or path.suffix != ".ipynb":
            print(f"error: {path} is not a notebook file", file=sys.stderr)
            return 2
    for path in args.notebooks:
        try:
            seconds = execute(path, args.out, args.timeout)
        except (CellExecutionError, CellTimeoutError, DeadKernelError, ExpressionError) as e:
            print(f"error: {path}: {e}", file=sys.stderr)
            return 1
        except OSError as e:            # e.g. a full disk while writing: the chapter is unchanged
            print(f"error: {path}: {e} (nothing was written: "
                  f"{path if args.out is None else args.out / path.name} is as it was)", file=sys.stderr)
            return 1
        where = path if args.out is None else args.out / path.name
        print(f"executed {path} in {seconds:.0f} s -> {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
