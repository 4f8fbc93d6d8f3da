#!/usr/bin/env python3
"""Build a reveal.js slide deck from every chapter in _toc.yml (`make slides`).

    python scripts/make_slides.py [--out _build/slides] [--vendor _build/vendor/_vendor] [NB ...]

Writes ``<out>/<chapter>.html`` (one deck per chapter), ``<out>/index.html`` and
``<out>/_vendor/`` (reveal.js, MathJax, require.js and the widgets manager, copied from what
``make vendor`` put in ``_build/vendor/_vendor``), so the decks open from ``file://`` with no
network. The notebooks are read, never changed.

Where the slides break (``slide_types``):

* a cell tag ``slides-slide``, ``slides-subslide``, ``slides-fragment``, ``slides-continue``,
  ``slides-skip`` or ``slides-notes`` wins; then nbconvert's ``slideshow.slide_type`` metadata;
  then the default below;
* ``#`` and ``##`` headings start a new slide, ``###`` a sub-slide (markdown cells are cut at
  every such heading);
* what does not fit under the previous content (a height estimate: wrapped text lines, code
  lines, image heights) starts a sub-slide, and a markdown cell too long for one slide is cut
  between paragraphs;
* cells tagged ``remove-cell`` / ``hide-cell``, solutions (tag ``solution``, a
  ``{solution-start}`` ... ``{solution-end}`` gate, a ``{solution}`` directive) are left out;
  ``remove-input`` / ``hide-input`` show the output only, ``remove-output`` / ``hide-output``
  the code only (as the book shows them, minus the toggles); cells tagged ``instructor`` become
  speaker notes (press ``s``), also when the book removes them; a leading
  ``# nbval-ignore-output: ...`` comment is not shown.

MyST becomes what the book shows: ``{eval}`` the value saved in the cell by
``scripts/execute.py``, ``{cite}`` / ``{cite:t}`` author-year text (labels from
``_ext/lutbook_bibstyle.py``), ``{doc}`` the chapter's title, ``{ref}`` the heading or
"Exercise N.M", admonitions / notes / exercises boxes; ``(label)=`` targets are dropped.

The rules are in scripts/slides_plan.py, the MyST rendering in scripts/slides_myst.py.

>>> index_page([("a.html", "A first look", 3)]).count("<li>")
1
"""
from __future__ import annotations

import argparse
import html
import json
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "scripts"), str(ROOT / "_ext")]

from slides_myst import Refs, SlidesError, read_refs, render_myst  # noqa: E402
from slides_plan import (SLIDE_HEIGHT, SLIDE_WIDTH, figure_size, pieces_of,  # noqa: E402
                         png_size, slide_types)

TEMPLATE_DIR = ROOT / "scripts" / "slides_template"


# ---- the decks ------------------------------------------------------------------------------

def deck_notebook(nb, refs: Refs, name: str):
    """An in-memory notebook (nbformat) for nbconvert: visible cells, slide types set."""
    import nbformat
    pieces = slide_types(pieces_of(nb))
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


def vendor(src: Path, out: Path) -> None:
    """Copy what the decks load into out/_vendor (MathJax without its unused combined files)."""
    if not (src / "reveal.js" / "reveal.js").exists():
        raise SlidesError(f"{src} has no reveal.js: run `make vendor` first")
    dest = out / "_vendor"
    if dest.exists():
        shutil.rmtree(dest)
    keep = {"tex-chtml.js", "input", "output", "a11y", "ui", "sre"}
    shutil.copytree(src / "mathjax", dest / "mathjax",
                    ignore=lambda d, names: [n for n in names if Path(d) == src / "mathjax"
                                             and n not in keep and not n.startswith("LICENSE")])
    for name in ("reveal.js", "requirejs", "html-manager"):
        shutil.copytree(src / name, dest / name)
    shutil.copy2(src / "widgets-config.js", dest / "widgets-config.js")


def toc_docs(toc: Path) -> tuple[list[str], list[str]]:
    """(every page of the toc, the chapters: pages that are notebooks), in order."""
    import yaml
    data = yaml.safe_load(toc.read_text(encoding="utf-8"))
    docs = [data["root"]] + [c["file"] for part in data.get("parts", []) for c in part.get("chapters", [])]
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


def _check_out(out: Path) -> list[str]:
    """Refuse an `out` this script did not make (it replaces out/_vendor); return the decks it
    wrote there last time."""
    if not out.exists() or not any(out.iterdir()):
        return []
    try:
        return list(json.loads((out / RECORD).read_text(encoding="utf-8"))["decks"])
    except FileNotFoundError:
        index = out / "index.html"
        if index.is_file() and "<title>lutbook: slides</title>" in index.read_text(encoding="utf-8"):
            return []                   # made before the record existed
        raise SlidesError(f"{out} is not empty and was not made by make_slides.py (no {RECORD}); "
                          "choose another --out") from None
    except (ValueError, KeyError, TypeError) as e:
        raise SlidesError(f"{out / RECORD} is unreadable ({e}); move {out} away") from None


def build(out: Path, vendor_src: Path, toc: Path, only: list[str] | None = None) -> list[Path]:
    """Write the decks, the index page and _vendor/ into `out`; return the deck paths.

    `out` must be empty, absent, or a folder this function made (it records its decks in
    out/.make_slides.json); decks of chapters no longer in the toc are removed.
    """
    import nbformat
    docs, chapters = toc_docs(toc)
    names = [Path(d).name for d in chapters]
    unknown = sorted(set(only or []) - set(names))
    if unknown:
        raise SlidesError(f"not a chapter of {toc.name}: {', '.join(unknown)} "
                          f"(chapters: {', '.join(names)})")
    old = _check_out(out)
    refs = read_refs(docs, toc.parent)
    out.mkdir(parents=True, exist_ok=True)
    vendor(vendor_src, out)
    for stale in set(old) - set(names):
        (out / stale).with_suffix(".html").unlink(missing_ok=True)
    (out / RECORD).write_text(json.dumps({"decks": names}), encoding="utf-8")
    written, listed = [], []
    for doc in chapters:
        path = (toc.parent / doc).with_suffix(".ipynb")
        name = path.stem
        if only and name not in only:
            continue
        nb = nbformat.read(path, as_version=4)
        deck = deck_notebook(nb, refs, name)
        page = export(deck, name)
        remote = remote_references(page)
        if remote:
            raise SlidesError(f"{name}: the deck would load from the network: {remote[:3]}")
        target = out / f"{name}.html"
        target.write_text(page, encoding="utf-8")
        n = sum(1 for c in deck.cells if c.metadata["slideshow"]["slide_type"] in ("slide", "subslide"))
        written.append(target)
        listed.append((target.name, refs.docs.get(name, name), n))
        print(f"{target.relative_to(out.parent) if out.parent in target.parents else target}: "
              f"{n} slides, {target.stat().st_size / 1e6:.1f} MB")
    (out / "index.html").write_text(index_page(listed), encoding="utf-8")
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
    return 0


if __name__ == "__main__":
    sys.exit(main())

