#!/usr/bin/env python3
"""Build a reveal.js slide deck from every chapter in _toc.yml (`make slides`).

    python scripts/make_slides.py [--out _build/slides] [--vendor _build/vendor/_vendor] [NB ...]

Writes ``<out>/<chapter>.html`` (one deck per chapter), ``<out>/index.html`` and
``<out>/_vendor/`` (reveal.js, MathJax, require.js and the widgets manager, copied from what
``make vendor`` put in ``_build/vendor/_vendor``), so the decks open from ``file://`` with no
network. The notebooks are read, never changed.

It never writes over or deletes what it did not write, as scripts/make_student.py: it records
what it wrote in ``<out>/.make_slides.json`` (each deck's, the index's and every _vendor/ file's
SHA-256, taken from the bytes written) and refuses, writing nothing, when ``--out`` is a
non-empty folder it did not make, or holds a deck or index page changed since it wrote it, a
deck of someone else where one of its own would go, or a file added to or changed in
``_vendor/``. Every file is written beside its target and renamed into place (scripts/atomic.py),
and ``_vendor/`` is copied beside and swapped in, so a run stopped anywhere leaves a state the
next run accepts. ``index.html`` lists every deck it made that is there, in the book's order,
also after a run for some chapters only (``make_slides.py 01_x``).

What goes on the slides (``slides_lecture.lecture_plan``): a deck a lecturer shows, built
around the chapter's figures. ``#`` and ``##`` headings start a slide, ``###`` a sub-slide,
each with the first sentence of its section; every figure, static widget and table is a slide
of its own (or shares the heading's slide when both fit) with its caption and alt text from
the cell's ``mystnb`` metadata; prediction prompts (``{admonition}`` with class ``predict``)
and the learning objectives are slides of their own; exercises show their titles; the summary
and displayed equations are shown as written; the rest of the prose, the boxes and the code go
to the speaker notes (press ``s``), as do cells tagged ``instructor``. Cells tagged
``remove-cell`` / ``hide-cell`` and solutions are left out; a leading
``# nbval-ignore-output: ...`` comment is not shown. A cell tag ``slides-slide``,
``slides-subslide``, ``slides-fragment``, ``slides-continue``, ``slides-skip`` or
``slides-notes`` (then nbconvert's ``slideshow.slide_type``) overrides the default for its cell.

MyST becomes what the book shows: ``{eval}`` the value saved in the cell by
``scripts/execute.py``, ``{cite}`` / ``{cite:t}`` author-year text (labels from
``_ext/lutbook_bibstyle.py``), ``{doc}`` the chapter's title, ``{ref}`` the heading or
"Exercise N.M", admonitions / notes / exercises boxes; ``(label)=`` targets are dropped.

The rules are in scripts/slides_lecture.py and scripts/slides_plan.py (heights, tags), the MyST
rendering in scripts/slides_myst.py.

>>> index_page([("a.html", "A first look", 3)]).count("<li>")
1
"""
from __future__ import annotations

import argparse
import hashlib
import html
import json
import os
import re
import shutil
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "scripts"), str(ROOT / "_ext")]

import atomic  # noqa: E402

from slides_myst import Refs, SlidesError, read_refs, render_myst  # noqa: E402
from slides_lecture import lecture_plan  # noqa: E402
from slides_plan import SLIDE_HEIGHT, SLIDE_WIDTH, figure_size, png_size  # noqa: E402

TEMPLATE_DIR = ROOT / "scripts" / "slides_template"


# ---- the decks ------------------------------------------------------------------------------

def deck_notebook(nb, refs: Refs, name: str):
    """An in-memory notebook (nbformat) for nbconvert: visible cells, slide types set."""
    import nbformat
    pieces = lecture_plan(nb)
    if not pieces:
        raise SlidesError(f"{name}: nothing to show")
    cells = []
    for p in pieces:
        if p.kind == "markdown":
            src = render_myst(p.source, p.saved, refs, f"{name} cell {p.index}")
            cell = nbformat.v4.new_markdown_cell(src)
        else:
            cell = nbformat.from_dict(dict(p.cell))
            cell.source = p.source
            cell.metadata = {}
            if not p.show_output:
                cell.outputs = []
            elif p.outputs is not None:
                cell.outputs = [cell.outputs[k] for k in p.outputs]
            for o in cell.outputs:       # figures enlarged (the template reads these sizes)
                if "image/png" in o.get("data", {}):
                    w, h = figure_size(*png_size(o["data"]["image/png"]))
                    o.setdefault("metadata", {})["image/png"] = {"width": w, "height": h}
            if not p.show_input:
                cell.metadata["transient"] = {"remove_source": True}
        cell.metadata["slideshow"] = {"slide_type": p.slide_type}
        cell["id"] = f"deck-{len(cells)}"        # unique (a split cell appears twice)
        cells.append(cell)
    out = nbformat.v4.new_notebook(cells=cells, metadata=dict(nb.get("metadata", {})))
    out.metadata["title"] = refs.docs.get(name, name)
    return out


_REMOTE = re.compile(r"""(?:src|href)\s*=\s*["']\s*(?:https?:)?//|url\(\s*["']?\s*(?:https?:)?//|@import\s+["']?(?:https?:)?//""",
                     re.I)


def remote_references(page: str) -> list[str]:
    """What in a page would make the browser fetch from the network (links <a href> excepted).

    >>> remote_references('<a href="https://x.org">x</a><script src="https://cdn/x.js">')
    ['<script src="https://cdn/x.js"']
    """
    found = []
    for m in _REMOTE.finditer(page):
        tag_start = page.rfind("<", 0, m.start())
        if re.match(r"<a\s", page[tag_start:m.start()], re.I):
            continue                                   # a link is not a request
        quote = page.find('"', m.end())
        found.append(page[max(tag_start, m.start() - 40) if page[tag_start:tag_start + 6] == "<style"
                          else tag_start:quote + 1])
    return found


def export(nb, resources_name: str) -> str:
    """The deck's HTML (nbconvert's SlidesExporter with scripts/slides_template)."""
    from nbconvert.exporters import SlidesExporter
    from traitlets.config import Config
    c = Config()
    c.SlidesExporter.extra_template_basedirs = [str(TEMPLATE_DIR)]
    c.SlidesExporter.template_name = "lutbook_reveal"
    c.SlidesExporter.exclude_input_prompt = True
    c.SlidesExporter.exclude_output_prompt = True
    c.SlidesExporter.embed_images = True
    c.TemplateExporter.exclude_anchor_links = True
    body, _ = SlidesExporter(config=c).from_notebook_node(
        nb, resources={"metadata": {"name": resources_name},
                       "deck": {"width": SLIDE_WIDTH, "height": SLIDE_HEIGHT}})
    return body


VENDOR_KEEP = {"tex-chtml.js", "input", "output", "a11y", "ui", "sre"}   # of mathjax/: what the decks load


def _vendor_files(src: Path) -> dict[str, Path]:
    """{path under _vendor/: source file} of what the decks load (MathJax without its unused
    combined files)."""
    if not (src / "reveal.js" / "reveal.js").exists():
        raise SlidesError(f"{src} has no reveal.js: run `make vendor` first")
    files = {}
    for top in ("mathjax", "reveal.js", "requirejs", "html-manager"):
        for path in sorted((src / top).rglob("*")):
            rel = path.relative_to(src)
            if top == "mathjax" and rel.parts[1] not in VENDOR_KEEP and not rel.parts[1].startswith("LICENSE"):
                continue
            if path.is_file():
                files[rel.as_posix()] = path
    files["widgets-config.js"] = src / "widgets-config.js"
    return files


def vendor(src: Path, out: Path) -> dict[str, str]:
    """Copy what the decks load into out/_vendor; returns {path under _vendor/: sha256}.

    The copy is made beside it and swapped in, so _vendor/ is the old copy or the new one.
    """
    files = _vendor_files(src)
    hashes = {rel: _sha256(path) for rel, path in files.items()}
    dest = out / "_vendor"
    if dest.is_dir() and _tree_hashes(dest) == hashes:
        return hashes                                          # already this copy
    tmp = out / f".{dest.name}.tmp-{uuid.uuid4().hex[:8]}"
    try:
        for rel, path in files.items():
            (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, tmp / rel)
        old = out / f".{dest.name}.old-{uuid.uuid4().hex[:8]}"
        if dest.exists():
            os.rename(dest, old)
        os.rename(tmp, dest)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return hashes


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _tree_hashes(folder: Path) -> dict[str, str]:
    """{relative posix path: sha256} of every file under `folder` (a link counts as a change)."""
    return {p.relative_to(folder).as_posix(): "a link" if p.is_symlink() else _sha256(p)
            for p in sorted(folder.rglob("*")) if p.is_file() or p.is_symlink()}


def toc_docs(toc: Path) -> tuple[list[str], list[str]]:
    """(every page of the toc, the chapters: pages that are notebooks), in order."""
    import yaml
    try:
        data = yaml.safe_load(toc.read_text(encoding="utf-8"))
        docs = [data["root"]] + [c["file"] for part in data.get("parts", []) for c in part.get("chapters", [])]
    except FileNotFoundError:
        raise SlidesError(f"--toc {toc}: no such file (the book's table of contents, e.g. _toc.yml)") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError, KeyError, TypeError, AttributeError) as e:
        raise SlidesError(f"--toc {toc} is not a jupyter-book table of contents (root:, parts: "
                          f"chapters: file:): {type(e).__name__}: {' '.join(str(e).split())}") from None
    return docs, [d for d in docs if (toc.parent / d).with_suffix(".ipynb").exists()]


def index_page(decks: list[tuple[str, str, int]]) -> str:
    items = "\n".join(f'<li><a href="{html.escape(f)}">{html.escape(t)}</a> '
                      f'<span class="n">({n} slides)</span></li>' for f, t, n in decks)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>lutbook: slides</title>
<style>body{{font-family:sans-serif;max-width:46em;margin:3em auto;line-height:1.5}}
.n{{color:#666}} li{{margin:.3em 0}}</style></head>
<body><h1>lutbook: slides</h1>
<p>One reveal.js deck per chapter; they work offline. Keys: arrows or space to move,
<kbd>Esc</kbd> for the overview, <kbd>s</kbd> for speaker notes, <kbd>f</kbd> full screen.</p>
<ol>
{items}
</ol></body></html>
"""


RECORD = ".make_slides.json"
TOOL = "make_slides.py"


def _read_record(out: Path) -> dict:
    """What this script wrote in `out` (a fresh record if nothing); refuses a folder it did not make.

    The record: ``{"decks": {chapter: {"sha256", "title", "slides"}}, "index": sha256,
    "vendor": {path: sha256}, "pending": {file: sha256}}`` (pending: a file being written, from
    just before its write until just after, so a run killed in between leaves a state the next
    run accepts). A record of an earlier version (``{"decks": [names]}``), or a lutbook index
    page without a record, vouches for the decks without their hashes.
    """
    fresh = {"tool": TOOL, "decks": {}, "index": None, "vendor": None, "pending": {}}
    if not out.exists() or not any(p.name != RECORD and not _our_leftover(p) for p in out.iterdir()):
        return fresh
    try:
        record = json.loads((out / RECORD).read_text(encoding="utf-8"))
    except FileNotFoundError:
        index = out / "index.html"
        if index.is_file() and "<title>lutbook: slides</title>" in index.read_text(encoding="utf-8"):
            return {**fresh, "legacy": True}           # made before the record existed
        raise SlidesError(f"{out} is not empty and was not made by {TOOL} (no {RECORD}); "
                          "choose another --out") from None
    except (OSError, ValueError) as e:
        raise SlidesError(f"{out / RECORD} is unreadable ({e}); move {out} away") from None
    decks = record.get("decks") if isinstance(record, dict) else None
    if isinstance(decks, list) and all(isinstance(d, str) for d in decks):
        return {**fresh, "decks": {d: {} for d in decks}, "legacy": True}
    if not (isinstance(decks, dict) and record.get("tool") == TOOL and isinstance(record.get("pending"), dict)):
        raise SlidesError(f"{out / RECORD} is not a record {TOOL} wrote; move {out} away")
    return record


def _our_leftover(path: Path) -> bool:
    """A temporary file or folder an interrupted run of this script left in --out."""
    return bool(re.fullmatch(r"\.(_vendor\.(tmp|old)-[0-9a-f]{8}|.+\.tmp-[a-z0-9_]{8})", path.name))


def _changed(out: Path, record: dict, targets: list[str]) -> list[str]:
    """What in `out` someone added or changed since this script wrote it (it would be lost)."""
    legacy = record.get("legacy", False)
    pending = record["pending"]
    found = []
    for path in sorted(out.glob("*.html")):
        name = path.stem
        if path.name == "index.html":
            ok = legacy or _sha256(path) in (record["index"], pending.get(path.name))
        elif name in record["decks"]:
            ok = legacy and not record["decks"][name] or _sha256(path) in (
                record["decks"][name].get("sha256"), pending.get(path.name))
        else:
            ok = name not in targets                   # a page of theirs, not in the way: left alone
        if not ok:
            found.append(path.name)
    vendor_now = _tree_hashes(out / "_vendor") if (out / "_vendor").is_dir() else {}
    if record["vendor"] is not None or not legacy:
        ours, coming = record["vendor"] or {}, record.get("pending_vendor") or {}
        found += [f"_vendor/{rel}" for rel, h in vendor_now.items() if h not in (ours.get(rel), coming.get(rel))]
    return found


def _save(out: Path, record: dict) -> None:
    atomic.write_text(out / RECORD, json.dumps({k: v for k, v in record.items() if k != "legacy"},
                                               indent=1, sort_keys=True))


def _write_recorded(out: Path, record: dict, name: str, page: str) -> str:
    """Write out/name atomically, its hash recorded as pending before, as written after."""
    data = page.encode("utf-8")
    digest = hashlib.sha256(data).hexdigest()
    record["pending"][name] = digest
    _save(out, record)
    atomic.write_bytes(out / name, data)
    record["pending"].pop(name)
    return digest


def build(out: Path, vendor_src: Path, toc: Path, only: list[str] | None = None) -> list[Path]:
    """Write the decks, the index page and _vendor/ into `out`; return the deck paths.

    `out` must be empty, absent, or a folder this function made, in which nothing it wrote was
    changed and nothing was added to _vendor/ (it records what it wrote, with SHA-256, in
    out/.make_slides.json); it refuses, writing nothing, otherwise. Decks of chapters no longer
    in the toc are removed; the index lists every deck it made that is there, also those of
    chapters not rebuilt in this run (`only`).
    """
    import nbformat
    docs, chapters = toc_docs(toc)
    names = [Path(d).name for d in chapters]
    unknown = sorted(set(only or []) - set(names))
    if unknown:
        raise SlidesError(f"not a chapter of {toc.name}: {', '.join(unknown)} "
                          f"(chapters: {', '.join(names)})")
    record = _read_record(out)
    changed = _changed(out, record, only or names)
    if changed:
        raise SlidesError(f"in {out}, {', '.join(changed[:5])}{' ...' if len(changed) > 5 else ''} "
                          f"{'was' if len(changed) == 1 else 'were'} added or changed since {TOOL} wrote "
                          "them (your edits?): nothing was written. Move them away or choose another --out.")
    _vendor_files(vendor_src)                          # before anything is written: is it there?
    refs = read_refs(docs, toc.parent)
    pages = {}
    for doc in chapters:                               # every deck made before anything is written
        path = (toc.parent / doc).with_suffix(".ipynb")
        name = path.stem
        if only and name not in only:
            continue
        deck = deck_notebook(nbformat.read(path, as_version=4), refs, name)
        page = export(deck, name)
        remote = remote_references(page)
        if remote:
            raise SlidesError(f"{name}: the deck would load from the network: {remote[:3]}")
        n = sum(1 for c in deck.cells if c.metadata["slideshow"]["slide_type"] in ("slide", "subslide"))
        pages[name] = (page, refs.docs.get(name, name), n)
    out.mkdir(parents=True, exist_ok=True)
    for leftover in [p for p in out.iterdir() if _our_leftover(p)]:
        shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink()
    record.pop("legacy", None)
    _save(out, record)                                 # from here on, the folder is known to be ours
    record["pending_vendor"] = {rel: _sha256(path) for rel, path in _vendor_files(vendor_src).items()}
    _save(out, record)                                 # _vendor/ is being replaced
    record["vendor"] = vendor(vendor_src, out)
    del record["pending_vendor"]
    _save(out, record)
    for stale in set(record["decks"]) - set(names):
        (out / f"{stale}.html").unlink(missing_ok=True)
        del record["decks"][stale]
        _save(out, record)
    written = []
    for name, (page, title, n) in pages.items():
        target = out / f"{name}.html"
        digest = _write_recorded(out, record, target.name, page)
        record["decks"][name] = {"sha256": digest, "title": title, "slides": n}
        _save(out, record)
        written.append(target)
        print(f"{target.relative_to(out.parent) if out.parent in target.parents else target}: "
              f"{n} slides, {len(page.encode()) / 1e6:.1f} MB")
    listed = [(f"{name}.html", record["decks"][name].get("title", name), record["decks"][name].get("slides", 0))
              for name in names if name in record["decks"] and (out / f"{name}.html").is_file()]
    record["index"] = _write_recorded(out, record, "index.html", index_page(listed))
    _save(out, record)
    return written


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("notebooks", nargs="*", help="only these chapters (names or paths)")
    ap.add_argument("--out", type=Path, default=ROOT / "_build" / "slides")
    ap.add_argument("--vendor", type=Path, default=ROOT / "_build" / "vendor" / "_vendor")
    ap.add_argument("--toc", type=Path, default=ROOT / "_toc.yml")
    args = ap.parse_args(argv)
    only = [Path(n).stem for n in args.notebooks] or None
    try:
        build(args.out, args.vendor, args.toc, only)
    except SlidesError as e:
        print(f"make_slides: {e}", file=sys.stderr)
        return 1
    except OSError as e:            # a read-only or full --out: each file is the old one or the new one
        where = f"{e.filename}: " if e.filename else ""
        print(f"make_slides: could not write ({where}{e.strerror or e}); nothing in --out {args.out} "
              "is half-written.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

