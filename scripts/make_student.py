#!/usr/bin/env python3
"""Write student versions of the chapter notebooks: solutions removed, outputs cleared.

    python scripts/make_student.py [--src notebooks] [--out _build/student] [--zip _build/student.zip]

Conventions (see CONTRIBUTING.md):

* A cell tagged ``solution`` is a solution. A code cell is replaced by an empty code cell
  holding ``# Your solution here``; a markdown cell is dropped.
* Everything from a markdown cell that opens ``{solution-start}`` up to and including the
  cell that holds ``{solution-end}`` (sphinx-exercise's gated solution) is dropped, whatever
  the tags. A code cell inside such a block becomes the placeholder cell too.
* A ``{solution}`` directive inside any markdown cell is cut out of that cell (the rest of
  the cell, e.g. the exercise, stays).
* Every output, execution count and the saved widget state are removed: students run the
  notebook themselves, and outputs could give answers away.

The script then checks that no solution text is left (fails otherwise), and zips the
notebooks. Only the standard library and nbformat are used.
"""
from __future__ import annotations

import argparse
import re
import sys
import zipfile
from pathlib import Path

import nbformat

PLACEHOLDER = "# Your solution here\n"
SOLUTION_TAG = "solution"
# An opening fence (``` or :::, 3+ characters) whose directive is solution-ish.
_FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|:{3,})\{(?P<name>[a-z-]+)\}", re.M)
_GATE_START = re.compile(r"^[ \t]*(`{3,}|:{3,})\{solution-start\}", re.M)
_GATE_END = re.compile(r"^[ \t]*(`{3,}|:{3,})\{solution-end\}", re.M)


class StudentError(Exception):
    """A notebook's solutions are malformed (e.g. an unclosed gated solution)."""


def _strip_solution_directives(text: str) -> str:
    """Remove every ```{solution} ... ``` (or :::{solution} ... :::) block from markdown."""
    out, pos = [], 0
    while True:
        m = None
        for cand in _FENCE_OPEN.finditer(text, pos):
            if cand.group("name") == "solution":
                m = cand
                break
        if m is None:
            out.append(text[pos:])
            return "".join(out)
        fence = m.group("fence")
        # Closing fence: same character, at least as long, alone on its line.
        close = re.compile(r"^[ \t]*" + re.escape(fence[0]) + "{" + str(len(fence)) + r",}[ \t]*$", re.M)
        line_end = text.find("\n", m.end())
        c = close.search(text, line_end + 1 if line_end != -1 else len(text))
        if c is None:
            raise StudentError("unclosed {solution} directive")
        out.append(text[pos:m.start()])
        pos = c.end() + 1 if c.end() < len(text) else c.end()


def _after_directive(text: str, m: re.Match) -> str:
    """Markdown after a body-less directive such as ````{solution-end}\n```` (matched by m)."""
    fence = m.group(1)
    rest = text[m.end():].split("\n", 1)[1] if "\n" in text[m.end():] else ""
    closing = re.match(r"[ \t]*" + re.escape(fence[0]) + "{" + str(len(fence)) + r",}[ \t]*(\n|$)", rest)
    if closing:
        rest = rest[closing.end():]
    return rest.strip()


def _placeholder(cell):
    new = nbformat.v4.new_code_cell(PLACEHOLDER)
    tags = [t for t in cell.get("metadata", {}).get("tags", []) if t != SOLUTION_TAG]
    if tags:
        new.metadata["tags"] = tags
    return new


def studentize(nb):
    """Return a student copy of notebook `nb` (nbformat NotebookNode); `nb` is not changed."""
    nb = nbformat.from_dict(nb)
    cells, in_gate = [], False
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        src = cell.source
        if cell.cell_type == "markdown" and _GATE_START.search(src):
            if in_gate:
                raise StudentError("{solution-start} inside another gated solution")
            start = _GATE_START.search(src)
            end = _GATE_END.search(src, start.end())
            kept = src[:start.start()].strip()
            if end:  # start and end in one cell
                kept = "\n\n".join(p for p in (kept, _after_directive(src, end)) if p)
            in_gate = end is None
            if kept:
                cells.append(nbformat.v4.new_markdown_cell(kept))
            continue
        if in_gate:
            if cell.cell_type == "markdown" and _GATE_END.search(src):
                in_gate = False
                rest = _after_directive(src, _GATE_END.search(src))
                if rest:
                    cells.append(nbformat.v4.new_markdown_cell(rest))
            elif cell.cell_type == "code":
                cells.append(_placeholder(cell))
            continue
        if SOLUTION_TAG in tags:
            if cell.cell_type == "code":
                cells.append(_placeholder(cell))
            continue
        if cell.cell_type == "markdown":
            cell.source = _strip_solution_directives(src)
            if not cell.source.strip():
                continue
        cells.append(cell)
    if in_gate:
        raise StudentError("{solution-start} without {solution-end}")
    for cell in cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.pop("attachments", None) if cell.cell_type == "code" else None
    nb.cells = cells
    nb.metadata.pop("widgets", None)
    _check_clean(nb)
    return nb


def _check_clean(nb):
    for cell in nb.cells:
        if SOLUTION_TAG in cell.get("metadata", {}).get("tags", []):
            raise StudentError("a cell tagged 'solution' survived")
        if cell.cell_type == "markdown" and re.search(r"\{solution(-start|-end)?\}", cell.source):
            raise StudentError(f"solution directive survived: {cell.source[:80]!r}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--src", default="notebooks", type=Path)
    ap.add_argument("--out", default="_build/student", type=Path)
    ap.add_argument("--zip", default="_build/student.zip", type=Path)
    args = ap.parse_args(argv)
    sources = sorted(args.src.glob("*.ipynb"))
    if not sources:
        print(f"error: no notebooks in {args.src}", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    for old in args.out.glob("*.ipynb"):
        old.unlink()
    written = []
    for src in sources:
        try:
            nb = studentize(nbformat.read(src, as_version=4))
        except StudentError as e:
            print(f"error: {src}: {e}", file=sys.stderr)
            return 1
        dest = args.out / src.name
        nbformat.write(nb, dest)
        written.append(dest)
        print(f"wrote {dest}")
    args.zip.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(args.zip, "w", zipfile.ZIP_DEFLATED) as zf:
        for dest in written:
            zf.write(dest, arcname=f"lutbook-student/{dest.name}")
    print(f"wrote {args.zip} ({len(written)} notebooks)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
