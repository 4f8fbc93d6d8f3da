#!/usr/bin/env python3
"""Write instructor versions of the chapter notebooks: solutions shown, instructor notes kept.

    python scripts/make_instructor.py [--src notebooks] [--out _build/instructor] [--zip _build/instructor.zip]

An instructor version is the chapter as committed (executed: outputs, figures, widget state and
the prose's saved ``{eval}`` values kept), with

* a first cell saying that this copy is for the instructor (solutions and notes inside);
* every solution open: the ``dropdown`` class is taken off ``{solution}`` and
  ``{solution-start}`` directives (in the book it hides them), and the JupyterLab collapse that
  ``make execute`` puts on solution cells (``jupyter.source_hidden`` / ``outputs_hidden``) is
  removed;
* the instructor notes (markdown cells tagged ``instructor``) kept where they are.

It checks the result (no solution left collapsed or in a dropdown, every instructor note still
there) and fails otherwise. Writing, the zip, ``--clean`` and the safety rules are those of
``scripts/make_student.py`` (the same code, with this script's :data:`INSTRUCTOR` kind): it never
deletes or overwrites what it did not write, records what it wrote in
``--out``/.make_instructor.json, refuses an ``--out`` equal to, inside or holding ``--src`` or a
non-empty folder it did not create, keeps instructor notebooks edited since it wrote them (your
own notes for a class), and asks before replacing a zip it did not write (``--replace-zip``).
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_student as ms  # noqa: E402  (scripts/ is not a package)

BANNER = """```{admonition} Instructor version
:class: warning

This copy of the chapter is for the instructor: every solution is open and the instructor notes
(cells tagged `instructor`) are kept. Give students the student version (`make student`).
```"""
_SOLUTION_OPEN = re.compile(r"^[ \t]*(`{3,}|:{3,})\{solution(-start)?\}[^\n]*\n", re.M)
_CLASS = re.compile(r"^([ \t]*:class:)([^\n]*)$", re.M)


def _open_solution_directives(text: str) -> str:
    """Drop the `dropdown` class from every {solution}/{solution-start} directive's options.

    >>> _open_solution_directives("````{solution} ex\\n:class: dropdown\\n\\nAnswer\\n````")
    '````{solution} ex\\n\\nAnswer\\n````'
    >>> _open_solution_directives("```{solution} ex\\n:class: dropdown tip\\n```")
    '```{solution} ex\\n:class: tip\\n```'
    """
    out, pos = [], 0
    for m in _SOLUTION_OPEN.finditer(text):
        out.append(text[pos:m.end()])
        pos = m.end()
        while True:                                   # the option lines right after the fence
            line_end = text.find("\n", pos)
            line = text[pos:] if line_end == -1 else text[pos:line_end + 1]
            if not line.lstrip().startswith(":") or not line.strip():
                break
            c = _CLASS.match(line.rstrip("\n"))
            if c:
                classes = [x for x in re.split(r"[\s,]+", c.group(2).strip()) if x and x != "dropdown"]
                line = f"{c.group(1)} {' '.join(classes)}\n" if classes else ""
                if line and line_end == -1:
                    line = line.rstrip("\n")
            out.append(line)
            pos = len(text) if line_end == -1 else line_end + 1
    out.append(text[pos:])
    return "".join(out)


def _solution_cells(nb) -> list[int]:
    """Indices of solution cells: tagged `solution`, or inside a {solution-start}/-end gate."""
    found, gate = [], False
    for i, cell in enumerate(nb.cells):
        src = cell.source if cell.cell_type == "markdown" else ""
        if ms._GATE_START.search(src):
            gate = True
        if gate or ms.SOLUTION_TAG in cell.get("metadata", {}).get("tags", []):
            found.append(i)
        if ms._GATE_END.search(src):
            gate = False
    return found


def instructorize(nb):
    """Return the instructor copy of notebook `nb` (nbformat NotebookNode); `nb` is not changed."""
    nb = ms.nbformat.from_dict(nb)
    notes = sum(ms.INSTRUCTOR_TAG in c.get("metadata", {}).get("tags", []) for c in nb.cells)
    for i in _solution_cells(nb):
        jupyter = nb.cells[i].get("metadata", {}).get("jupyter", {})
        jupyter.pop("source_hidden", None)
        jupyter.pop("outputs_hidden", None)
        if not jupyter:
            nb.cells[i].metadata.pop("jupyter", None)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = _open_solution_directives(cell.source)
    banner = ms._new_cell(ms.nbformat.v4.new_markdown_cell, BANNER,
                          {"id": "instructor-version"} if nb.get("nbformat_minor", 0) >= 5 else {})
    banner.metadata["tags"] = [ms.INSTRUCTOR_TAG]
    nb.cells.insert(0, banner)
    _check_open(nb, notes + 1)
    return nb


def _check_open(nb, notes: int) -> None:
    if sum(ms.INSTRUCTOR_TAG in c.get("metadata", {}).get("tags", []) for c in nb.cells) != notes:
        raise ms.StudentError("an instructor note was lost")
    for i in _solution_cells(nb):
        if {"source_hidden", "outputs_hidden"} & set(nb.cells[i].get("metadata", {}).get("jupyter", {})):
            raise ms.StudentError(f"solution cell {i} is still collapsed")
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for m in _SOLUTION_OPEN.finditer(cell.source):
            options = cell.source[m.end():].split("\n\n", 1)[0]
            if re.search(r"^[ \t]*:class:[^\n]*\bdropdown\b", options, re.M):
                raise ms.StudentError(f"a solution is still a dropdown: {cell.source[:80]!r}")


INSTRUCTOR = ms.Kind("make_instructor.py", ".make_instructor.json", "lutbook-instructor", instructorize,
                     "_build/instructor", "_build/instructor.zip",
                     "Write instructor versions of the chapter notebooks: solutions shown, "
                     "instructor notes kept.")


def build(src: Path, out: Path, zpath: Path, replace_zip: bool = False, ask=None) -> list[Path]:
    """Write the instructor notebooks and the zip (make_student.build's rules)."""
    return ms.build(src, out, zpath, replace_zip, ask, INSTRUCTOR)


def main(argv=None) -> int:
    return ms.main(argv, INSTRUCTOR)


if __name__ == "__main__":
    sys.exit(main())
