#!/usr/bin/env python3
"""Write student versions of the chapter notebooks: solutions and instructor notes removed,
outputs cleared.

    python scripts/make_student.py [--src notebooks] [--out _build/student] [--zip _build/student.zip]

Conventions (see CONTRIBUTING.md):

* A cell tagged ``solution`` is a solution. A code cell is replaced by an empty code cell
  holding ``# Your solution here``; a markdown cell is dropped.
* Everything from a markdown cell that opens ``{solution-start}`` up to and including the
  cell that holds ``{solution-end}`` (sphinx-exercise's gated solution) is dropped, whatever
  the tags. A code cell inside such a block becomes the placeholder cell too.
* A ``{solution}`` directive inside any markdown cell is cut out of that cell (the rest of
  the cell, e.g. the exercise, stays).
* A cell tagged ``instructor`` (an instructor note) is dropped.
* Every output, execution count and the saved widget state are removed: students run the
  notebook themselves, and outputs could give answers away.

The script then checks that no solution text and no instructor note is left (fails otherwise,
also on a "For instructors" admonition someone forgot to tag), and zips the notebooks. Only the standard library and nbformat are used.

It never deletes or overwrites what it did not write. It records what it wrote (names and
SHA-256 of the notebooks, and of the zip) in ``--out``/.make_student.json, and refuses, writing
nothing, when

* ``--out`` is ``--src``, inside it, or holds it;
* ``--out`` is a non-empty folder without that record (a folder it did not create);
* a notebook it would write over, or an old one it would remove, was changed since it wrote it
  (a student's or a teacher's edits);
* ``--zip`` exists and is not the zip it wrote: it asks first when run in a terminal, and
  ``--replace-zip`` allows it without asking.

``--clean`` removes only the unchanged notebooks (and zip) it wrote, keeps edited ones and says
which (``make clean`` uses it).

Interrupted or run twice at once, it stays consistent: every file is written beside its target
and renamed into place (scripts/atomic.py); its SHA-256 is recorded as pending before the write
and as written after it, so a run stopped anywhere (Ctrl-C, SIGTERM, a full disk) leaves a state
the next run accepts; the output is the same bytes on every run (cell ids derived from the
chapter's, a zip with fixed dates); and runs writing into the same folder take turns (a lock on
the folder that holds ``--out``).

``scripts/make_instructor.py`` writes the instructor versions with the same rules: it passes its
own :class:`Kind` (transform, record name, zip folder) to :func:`build`, :func:`clean` and
:func:`main`.
"""
from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import os
import re
import sys
import zipfile
from pathlib import Path
from typing import Callable, NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parent))
import atomic  # noqa: E402  (scripts/ is not a package)

try:
    import fcntl
except ImportError:  # Windows: runs are not serialized (each file is still replaced atomically)
    fcntl = None

try:
    import nbformat
except ImportError:  # --clean works without it (make clean, before make venv)
    nbformat = None

PLACEHOLDER = "# Your solution here\n"
SOLUTION_TAG = "solution"
INSTRUCTOR_TAG = "instructor"
_INSTRUCTOR_NOTE = re.compile(r"^[ \t]*(`{3,}|:{3,})\{admonition\}[ \t]+For instructors", re.M | re.I)
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


def derived_id(cell, suffix: str = "") -> str | None:
    """The id of a cell made from `cell`: its id (plus a suffix), the same on every run.

    Random ids (nbformat's default for new cells) would make every run's notebook different.

    >>> derived_id({"id": "a1b2"}, "after"), derived_id({"id": "a1b2"}), derived_id({})
    ('a1b2-after', 'a1b2', None)
    """
    base = cell.get("id")
    if not base:
        return None
    return f"{base[:63 - len(suffix)]}-{suffix}" if suffix else base


def _new_cell(make, source, like, suffix=""):
    """A new cell (nbformat.v4.new_*_cell `make`) whose id is derived from cell `like`."""
    new = make(source)
    cid = derived_id(like, suffix)
    if cid is None:
        new.pop("id", None)              # a notebook without ids (nbformat 4.4) gets none
    else:
        new["id"] = cid
    return new


def _placeholder(cell):
    new = _new_cell(nbformat.v4.new_code_cell, PLACEHOLDER, cell)
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
                cells.append(_new_cell(nbformat.v4.new_markdown_cell, kept, cell, "before"))
            continue
        if in_gate:
            if cell.cell_type == "markdown" and _GATE_END.search(src):
                in_gate = False
                rest = _after_directive(src, _GATE_END.search(src))
                if rest:
                    cells.append(_new_cell(nbformat.v4.new_markdown_cell, rest, cell, "after"))
            elif cell.cell_type == "code":
                cells.append(_placeholder(cell))
            continue
        if INSTRUCTOR_TAG in tags:
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
        if INSTRUCTOR_TAG in cell.get("metadata", {}).get("tags", []):
            raise StudentError("a cell tagged 'instructor' survived")
        if cell.cell_type == "markdown" and _INSTRUCTOR_NOTE.search(cell.source):
            raise StudentError("a 'For instructors' admonition in a cell not tagged 'instructor' "
                               f"(tag the cell): {cell.source[:80]!r}")
        if cell.cell_type == "markdown" and re.search(r"\{solution(-start|-end)?\}", cell.source):
            raise StudentError(f"solution directive survived: {cell.source[:80]!r}")


RECORD = ".make_student.json"


class Refused(Exception):
    """Writing would delete or overwrite something this script did not write."""


class Kind(NamedTuple):
    """What a version of the chapters is: its transform, record file, zip folder and defaults."""

    tool: str                      # the script's name, in messages
    record: str                    # the record file in --out
    arcdir: str                    # the folder inside the zip
    transform: Callable            # notebook -> notebook (raises StudentError)
    out: str                       # default --out
    zip: str                       # default --zip
    description: str


STUDENT = Kind("make_student.py", RECORD, "lutbook-student", studentize, "_build/student",
               "_build/student.zip", "Write student versions of the chapter notebooks: "
               "solutions and instructor notes removed, outputs cleared.")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _read_record(out: Path, kind: Kind = STUDENT) -> dict | None:
    """What this script wrote into `out` before ({"files": {name: sha256}, "zip": ...}), or None."""
    try:
        record = json.loads((out / kind.record).read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:
        raise Refused(f"{out / kind.record} is unreadable ({e}); it is how this script knows what it wrote "
                      f"in {out}. Move {out} away or choose another --out.") from None
    if not isinstance(record, dict) or not isinstance(record.get("files"), dict):
        raise Refused(f"{out / kind.record} is not a record this script wrote; move {out} away or choose "
                      "another --out.")
    record.setdefault("pending", {})
    return record


def _edited(out: Path, record: dict, names) -> list[str]:
    """Of `names` (files this script wrote), those changed or replaced since.

    A file is unchanged when it holds what the record says, or what a run that was interrupted
    was writing (its hash is in ``record["pending"]`` from before the write until after it).
    """
    return [n for n in names if (out / n).exists()
            and _sha256(out / n) not in (record["files"].get(n), record["pending"].get(n))]


def _check_out(src: Path, out: Path, kind: Kind = STUDENT) -> dict:
    """Refuse an --out that could hold anything this script did not write; return its record."""
    s, o = src.resolve(), out.resolve()
    if _inside(o, s):
        raise Refused(f"--out {out} is {'--src' if o == s else 'inside --src'} {src}: the "
                      f"{kind.arcdir.split('-')[-1]} notebooks would mix with (or replace) the chapters. "
                      "Choose a folder outside it.")
    if _inside(s, o):
        raise Refused(f"--out {out} holds --src {src}. Choose a folder of its own, "
                      f"e.g. {out / kind.arcdir.split('-')[-1]}.")
    if out.exists() and not out.is_dir():
        raise Refused(f"--out {out} exists and is not a folder.")
    record = _read_record(out, kind) if out.is_dir() else None
    # a run killed before its first record was in place leaves only that record's temporary file
    found = sorted(set(out.iterdir()) - set(atomic.leftovers(out, [kind.record]))) if out.is_dir() else []
    if record is None and found:
        raise Refused(f"--out {out} is a folder this script did not create and it is not empty "
                      f"({', '.join(p.name for p in found[:5])}...): nothing was written. "
                      f"Choose a new or empty folder, e.g. --out {out / kind.arcdir.split('-')[-1]}.")
    return record or {"files": {}, "pending": {}}


def _zip_is_ours(zpath: Path, record: dict) -> bool:
    ours = record.get("zip") or {}
    return (ours.get("path") == str(zpath.resolve()) and zpath.is_file()
            and _sha256(zpath) in (ours.get("sha256"), ours.get("pending")))


def _check_zip(zpath: Path, record: dict, src: Path, replace: bool, ask, kind: Kind = STUDENT) -> None:
    if _inside(zpath.resolve(), src.resolve()):
        raise Refused(f"--zip {zpath} is inside --src {src}. Choose a path outside it.")
    if not zpath.exists():
        return
    if zpath.is_dir():
        raise Refused(f"--zip {zpath} is a folder.")
    if _zip_is_ours(zpath, record):
        return
    if replace or (ask is not None and ask(f"{zpath} exists and was not written by {kind.tool} "
                                           "(or was changed since). Replace it? [y/N] ")):
        return
    raise Refused(f"--zip {zpath} exists and this script did not write it (or it was changed since): "
                  "nothing was written. Choose another --zip, move it away, or pass --replace-zip.")


def _save_record(out: Path, record: dict, kind: Kind = STUDENT) -> None:
    atomic.write_bytes(out / kind.record, json.dumps(record, indent=1, sort_keys=True).encode())


def _write_recorded(dest: Path, data: bytes, record: dict, out: Path, kind: Kind) -> None:
    """Write `dest` (a file in `out`) atomically, its hash recorded as pending before and as
    written after: a run killed anywhere in between leaves a state the next run accepts."""
    digest = hashlib.sha256(data).hexdigest()
    record["pending"][dest.name] = digest
    _save_record(out, record, kind)
    atomic.write_bytes(dest, data)
    record["files"][dest.name] = digest
    del record["pending"][dest.name]
    _save_record(out, record, kind)


def zip_bytes(notebooks: list[tuple[str, bytes]], arcdir: str) -> bytes:
    """The zip of `notebooks` ((name, bytes) pairs) under `arcdir`/: the same bytes on every run
    (fixed dates and modes, no file-system metadata)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in notebooks:
            info = zipfile.ZipInfo(f"{arcdir}/{name}", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o100644 << 16
            zf.writestr(info, data)
    return buffer.getvalue()


@contextlib.contextmanager
def _one_run_at_a_time(out: Path, kind: Kind):
    """Hold a lock on the folder that holds --out while this run checks and writes.

    A second run waits (and says so), then finds the first one's files: the same bytes. The
    lock is flock on the folder itself, so no lock file is left; where there is no flock
    (Windows) runs are not serialized.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    if fcntl is None:
        yield
        return
    fd = os.open(out.parent, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"{kind.tool}: waiting for another run writing in {out.parent} ...", file=sys.stderr)
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _tidy(out: Path, zpath: Path, record: dict, kind: Kind) -> None:
    """Remove the temporary files an interrupted run of this script left (ours by their names)."""
    names = list(record["files"]) + list(record["pending"]) + [kind.record]
    for leftover in atomic.leftovers(out, names) + atomic.leftovers(zpath.parent, [zpath.name]):
        leftover.unlink(missing_ok=True)


def build(src: Path, out: Path, zpath: Path, replace_zip: bool = False, ask=None,
          kind: Kind = STUDENT) -> list[Path]:
    """Write the student (or `kind`'s) notebooks and the zip; returns the notebooks written.

    Raises Refused (nothing written) or StudentError.
    """
    if nbformat is None:
        raise Refused(f"{kind.tool} needs nbformat (pip install nbformat, or make venv).")
    sources = sorted(src.glob("*.ipynb"))
    if not sources:
        raise Refused(f"no notebooks in {src}")
    students = []
    for s in sources:                           # every notebook checked before anything is written
        try:
            students.append((s.name, nbformat.writes(kind.transform(nbformat.read(s, as_version=4))).encode()))
        except StudentError as e:
            raise StudentError(f"{s}: {e}") from None
    with _one_run_at_a_time(out, kind):
        return _write_all(src, out, zpath, students, replace_zip, ask, kind)


def _write_all(src, out, zpath, students, replace_zip, ask, kind) -> list[Path]:
    record = _check_out(src, out, kind)
    names = [name for name, _ in students]
    stale = [n for n in record["files"] if n not in names]
    edited = _edited(out, record, names + stale)
    mine = set(record["files"]) | set(record["pending"])
    theirs = [n for n in names if (out / n).exists() and n not in mine]
    if edited or theirs:
        raise Refused(f"in {out}, {', '.join(edited + theirs)} "
                      f"{'was' if len(edited + theirs) == 1 else 'were'} not written by {kind.tool} or "
                      "changed since (your edits?): nothing was written. Move them away or choose another --out.")
    _check_zip(zpath, record, src, replace_zip, ask, kind)
    out.mkdir(parents=True, exist_ok=True)
    _tidy(out, zpath, record, kind)
    _save_record(out, record, kind)                   # from here on, the folder is known to be ours
    written = []
    for name, data in students:
        _write_recorded(out / name, data, record, out, kind)
        written.append(out / name)
        print(f"wrote {out / name}")
    for n in stale:                             # from an earlier run, unchanged, no longer a chapter
        (out / n).unlink(missing_ok=True)
        record["files"].pop(n, None)
        record["pending"].pop(n, None)
        _save_record(out, record, kind)
        print(f"removed {out / n} (written by an earlier run; no such chapter now)")
    data = zip_bytes(students, kind.arcdir)
    digest = hashlib.sha256(data).hexdigest()
    zpath.parent.mkdir(parents=True, exist_ok=True)
    previous = record.get("zip") or {}
    record["zip"] = {"path": str(zpath.resolve()), "pending": digest,
                     "sha256": previous.get("sha256") if previous.get("path") == str(zpath.resolve()) else None}
    _save_record(out, record, kind)
    atomic.write_bytes(zpath, data)
    record["zip"] = {"path": str(zpath.resolve()), "sha256": digest}
    _save_record(out, record, kind)
    print(f"wrote {zpath} ({len(written)} notebooks)")
    return written


def clean(out: Path, zpath: Path, kind: Kind = STUDENT) -> list[str]:
    """Remove what this script wrote and nobody changed since; returns the names it kept."""
    if not out.is_dir():
        return []
    with _one_run_at_a_time(out, kind):
        record = _read_record(out, kind)
        if record is None:
            print(f"{out}: not written by {kind.tool} (no {kind.record}); left as it is")
            return sorted(p.name for p in out.iterdir())
        _tidy(out, zpath, record, kind)
        written = list(dict.fromkeys(list(record["files"]) + list(record["pending"])))
        kept = _edited(out, record, written)
        for n in written:
            if n not in kept:
                (out / n).unlink(missing_ok=True)
                record["files"].pop(n, None)
                record["pending"].pop(n, None)
        if _zip_is_ours(zpath, record):
            zpath.unlink()
            record.pop("zip")
        if kept:
            print(f"kept, changed since {kind.tool} wrote them: {', '.join(str(out / n) for n in kept)}")
            _save_record(out, record, kind)
        else:
            (out / kind.record).unlink()
        others = sorted(p.name for p in out.iterdir())
        if not others:
            out.rmdir()
        elif not kept:
            print(f"kept in {out}, not written by {kind.tool}: {', '.join(others)}")
        return kept + [n for n in others if n != kind.record and n not in kept]


def main(argv=None, kind: Kind = STUDENT) -> int:
    ap = argparse.ArgumentParser(description=kind.description)
    ap.add_argument("--src", default="notebooks", type=Path)
    ap.add_argument("--out", default=kind.out, type=Path)
    ap.add_argument("--zip", default=kind.zip, type=Path)
    ap.add_argument("--replace-zip", action="store_true",
                    help="replace an existing --zip this script did not write, without asking")
    ap.add_argument("--clean", action="store_true",
                    help="remove the notebooks and zip this script wrote, unless changed since")
    args = ap.parse_args(argv)
    ask = None
    if sys.stdin.isatty():
        def ask(question):
            return input(question).strip().lower() in ("y", "yes")
    try:
        if args.clean:
            clean(args.out, args.zip, kind)
        else:
            build(args.src, args.out, args.zip, args.replace_zip, ask, kind)
    except (Refused, StudentError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except OSError as e:             # e.g. a read-only or full --out: what was written stays consistent
        where = f"{e.filename}: " if e.filename else ""
        print(f"error: {kind.tool} could not write ({where}{e.strerror or e}); --out {args.out} and "
              f"--zip {args.zip} hold the previous run's files or none.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
