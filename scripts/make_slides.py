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

>>> [b.kind for b in split_blocks("## A\\n\\nText\\n\\n$$\\nx\\n\\ny\\n$$")]
['heading', 'text', 'math']
"""
from __future__ import annotations

import argparse
import ast
import html
import json
import math
import re
import shutil
import struct
import sys
import base64
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "scripts"), str(ROOT / "_ext")]

from make_student import (SOLUTION_TAG, StudentError, _GATE_END, _GATE_START,  # noqa: E402
                          _strip_solution_directives)

TEMPLATE_DIR = ROOT / "scripts" / "slides_template"
SLIDE_TYPES = ("slide", "subslide", "fragment", "-", "skip", "notes")
TAG_TYPES = {"slides-slide": "slide", "slides-subslide": "subslide",
             "slides-fragment": "fragment", "slides-continue": "-", "slides-skip": "skip",
             "slides-notes": "notes"}
SKIP_TAGS = {"remove-cell", "hide-cell"}
NO_INPUT_TAGS = {"remove-input", "hide-input"}
NO_OUTPUT_TAGS = {"remove-output", "hide-output"}
INSTRUCTOR_TAG = "instructor"

# Slide geometry (reveal.js width x height, CSS in the template), in "lines" of body text.
SLIDE_WIDTH, SLIDE_HEIGHT = 1120, 700
LINE_PX = 34                    # body text: 24 px font, line-height 1.4
CHARS_PER_LINE = 82             # characters of body text per line
BUDGET = 17.0                   # lines that fit under a slide's heading
CODE_LINE = 0.66                # a code line (17 px font) in body lines
MAX_CODE = 14 * CODE_LINE       # code boxes scroll beyond this (CSS max-height)
MAX_IMAGE_PX = 520              # tallest figure shown
FIGURE_ZOOM = 1.4               # figures are drawn for the book's 688 px column: enlarge them
MAX_FIGURE_WIDTH = 1040


class SlidesError(Exception):
    """A chapter cannot be made into slides (says which cell and why)."""


# ---- markdown blocks --------------------------------------------------------------------

@dataclass
class Block:
    """A top-level markdown block: ``heading`` (with ``level``), ``math``, ``fence`` or ``text``."""

    kind: str
    text: str
    level: int = 0
    item: bool = False      # one item of a tight list (joined to the next item by one newline)


_HEADING = re.compile(r"^(#{1,6})[ \t]+\S")
_FENCE = re.compile(r"^[ \t]*(`{3,}|:{3,})")


def split_blocks(markdown: str) -> list[Block]:
    """Cut markdown at blank lines outside fences and ``$$`` math; headings are their own block.

    >>> [(b.kind, b.level) for b in split_blocks("# T\\nintro\\n```{note}\\na\\n\\nb\\n```")]
    [('heading', 1), ('text', 0), ('fence', 0)]
    """
    blocks, lines, fence, in_math = [], [], None, False

    def flush():
        text = "\n".join(lines).strip("\n")
        if text.strip():
            first = text.lstrip()
            kind = ("fence" if _FENCE.match(first) else "math" if first.startswith("$$") else "text")
            items = _list_items(text) if kind == "text" else []
            if len(items) > 1:
                blocks.extend(Block("text", item, item=True) for item in items)
            else:
                blocks.append(Block(kind, text))
        lines.clear()

    for line in markdown.split("\n"):
        if fence:
            lines.append(line)
            m = _FENCE.match(line)
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence) \
                    and not line.strip()[len(m.group(1)):].strip():
                fence = None
                flush()
            continue
        if in_math:
            lines.append(line)
            if line.rstrip().endswith("$$"):
                in_math = False
                flush()
            continue
        m = _FENCE.match(line)
        if m:
            flush()
            fence = m.group(1)
            lines.append(line)
            continue
        if line.lstrip().startswith("$$"):
            flush()
            lines.append(line)
            if not (line.strip() != "$$" and line.rstrip().endswith("$$") and len(line.strip()) > 2):
                in_math = True
            else:
                flush()
            continue
        h = _HEADING.match(line)
        if h:
            flush()
            blocks.append(Block("heading", line.strip(), len(h.group(1))))
            continue
        if not line.strip():
            flush()
            continue
        lines.append(line)
    if fence:
        raise SlidesError(f"unclosed fence {fence!r} in markdown: {markdown[:80]!r}")
    flush()
    return blocks


_ITEM = re.compile(r"^([-*+]|\d+[.)])[ \t]+")


def _list_items(text: str) -> list[str]:
    """The items of a tight top-level list (every line an item or indented under one), else [].

    >>> _list_items("- a\\n  more a\\n- b")
    ['- a\\n  more a', '- b']
    """
    lines = text.split("\n")
    if not _ITEM.match(lines[0]):
        return []
    items: list[list[str]] = []
    for line in lines:
        if _ITEM.match(line):
            items.append([line])
        elif line.startswith((" ", "\t")) or not line.strip():
            items[-1].append(line)
        else:
            return []
    return ["\n".join(i) for i in items]


def text_height(text: str, chars: int = CHARS_PER_LINE) -> float:
    """Estimated height of a markdown block in body-text lines (wrapped at CHARS_PER_LINE).

    >>> text_height("short"), text_height("x" * 200)
    (1.0, 3.0)
    """
    plain = re.sub(r"\{eval\}`[^`]*`", "0.000", text)
    plain = re.sub(r"\{[a-z:]+\}`([^`<]*?)(?:<[^>]*>)?`", r"\1", plain)
    return float(sum(max(1, math.ceil(len(line.strip()) / chars))
                     for line in plain.split("\n") if line.strip() and not line.strip().startswith(":")))


def block_height(block: Block) -> float:
    """Height of a block in body lines, spacing included."""
    if block.kind == "heading":
        return 2.0 if block.level <= 2 else 1.6
    if block.kind == "math":
        return 1.0 + 1.2 * max(1, block.text.count("\\\\") + 1)
    if block.kind == "fence":
        inner = "\n".join(block.text.split("\n")[1:-1])
        return 1.6 + text_height(inner)
    if re.match(r"^\s*([-*+]|\d+\.)\s", block.text):      # a list item: indented, spaced
        return 0.5 + text_height(block.text, CHARS_PER_LINE - 8)
    return 0.4 + text_height(block.text)


# ---- code cells ---------------------------------------------------------------------------

def png_size(b64: str) -> tuple[int, int]:
    """(width, height) of a base64 PNG, read from its header.

    >>> png_size(base64.b64encode(b"\\x89PNG\\r\\n\\x1a\\n" + b"\\0\\0\\0\\rIHDR" + struct.pack(">II", 3, 2)).decode())
    (3, 2)
    """
    head = base64.b64decode(b64[:64].encode() + b"=" * (-len(b64[:64]) % 4))
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        raise SlidesError("image/png output is not a PNG")
    return struct.unpack(">II", head[16:24])


def figure_size(w: int, h: int) -> tuple[int, int]:
    """Size a saved figure is shown at on a slide: enlarged, within the slide and MAX_IMAGE_PX.

    >>> figure_size(688, 300), figure_size(688, 600)
    ((963, 420), (596, 520))
    """
    scale = min(FIGURE_ZOOM, MAX_FIGURE_WIDTH / max(w, 1), MAX_IMAGE_PX / max(h, 1))
    return round(w * scale), round(h * scale)


def _widget_height(nb) -> float:
    """A static widget shows one frame plus its control: the largest image in the widget state."""
    state = nb.get("metadata", {}).get("widgets", {}).get(
        "application/vnd.jupyter.widget-state+json", {}).get("state", {})
    tallest = 0
    for model in state.values():
        for buf in model.get("buffers", []):
            try:
                w, h = png_size(buf["data"])
            except (SlidesError, KeyError, ValueError, struct.error):
                continue
            tallest = max(tallest, figure_size(w, h)[1])   # enlarged as figures (template JS)
    return (tallest or 300) / LINE_PX + 1.5


def output_height(output, widget_lines: float) -> float:
    """Height of one output in body lines."""
    if output.get("output_type") == "stream":
        text = output.get("text", "")
        text = "".join(text) if isinstance(text, list) else text
        return 0.3 + min(text.count("\n") + 1, 12) * CODE_LINE
    data = output.get("data", {})
    if "application/vnd.jupyter.widget-view+json" in data:
        return widget_lines
    if "image/png" in data:
        png = data["image/png"]
        return 0.3 + figure_size(*png_size("".join(png) if isinstance(png, list) else png))[1] / LINE_PX
    if "text/html" in data:
        text = data["text/html"]
        text = "".join(text) if isinstance(text, list) else text
        return 0.6 + min(max(text.count("<tr") * 0.85, 1), 15)
    if "text/plain" in data:
        text = data["text/plain"]
        text = "".join(text) if isinstance(text, list) else text
        return 0.3 + min(text.count("\n") + 1, 12) * CODE_LINE
    return 0.0


def strip_bookkeeping(code: str) -> str:
    """Drop a leading ``# nbval-ignore-output: ...`` comment (and its continuation lines).

    >>> strip_bookkeeping("# nbval-ignore-output: why\\n# more why\\nx = 1")
    'x = 1'
    """
    lines = code.split("\n")
    if not lines or not lines[0].startswith("# nbval-ignore-output"):
        return code
    i = 1
    while i < len(lines) and lines[i].startswith("#"):
        i += 1
    return "\n".join(lines[i:]).lstrip("\n")


# ---- which cells, which slide type ------------------------------------------------------------

@dataclass
class Piece:
    """One cell of the deck: a markdown chunk or a code cell, with its slide type."""

    kind: str                          # "markdown" or "code"
    source: str
    slide_type: str = "-"
    forced: bool = False               # set by a tag or metadata, not by the default
    height: float = 0.0
    cell: dict | None = None           # the notebook's code cell
    show_input: bool = True
    show_output: bool = True
    index: int = 0                     # cell index in the notebook
    outputs: list | None = None        # which of the cell's outputs (None: all)
    saved: list = field(default_factory=list)   # the markdown cell's user_expressions


def explicit_type(cell, index: int = 0) -> str | None:
    """The slide type a cell asks for: a ``slides-*`` tag, else ``slideshow.slide_type``.

    >>> explicit_type({"metadata": {"tags": ["slides-subslide"]}})
    'subslide'
    >>> explicit_type({"metadata": {"slideshow": {"slide_type": "fragment"}}})
    'fragment'
    """
    meta = cell.get("metadata", {})
    tags = [t for t in meta.get("tags", []) if t.startswith("slides-")]
    unknown = [t for t in tags if t not in TAG_TYPES]
    if unknown:
        raise SlidesError(f"cell {index}: unknown slide tag {unknown[0]!r}; use one of "
                          f"{', '.join(sorted(TAG_TYPES))}")
    if len(tags) > 1:
        raise SlidesError(f"cell {index}: several slide tags {tags}; keep one")
    if tags:
        return TAG_TYPES[tags[0]]
    st = meta.get("slideshow", {}).get("slide_type")
    if st is None:
        return None
    if st not in SLIDE_TYPES:
        raise SlidesError(f"cell {index}: slideshow.slide_type {st!r} is not one of {SLIDE_TYPES}")
    return st


def visible_cells(cells):
    """(index, cell) of the cells the slides show: no removed cells, no solutions."""
    in_gate = False
    for i, cell in enumerate(cells):
        tags = set(cell.get("metadata", {}).get("tags", []))
        src = _source(cell)
        if cell["cell_type"] == "markdown" and _GATE_START.search(src):
            start = _GATE_START.search(src)
            end = _GATE_END.search(src, start.end())
            in_gate = end is None
            kept = src[:start.start()].strip()
            if kept:
                yield i, {**cell, "source": kept}
            continue
        if in_gate:
            if cell["cell_type"] == "markdown" and _GATE_END.search(src):
                in_gate = False
            continue
        if SOLUTION_TAG in tags or cell["cell_type"] == "raw" or (
                tags & SKIP_TAGS and INSTRUCTOR_TAG not in tags):   # notes hidden in the book
            continue
        if cell["cell_type"] == "markdown":
            try:
                src = _strip_solution_directives(src)
            except StudentError as e:
                raise SlidesError(f"cell {i}: {e}") from None
            if not src.strip():
                continue
            cell = {**cell, "source": src}
        yield i, cell
    if in_gate:
        raise SlidesError("{solution-start} without {solution-end}")


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def pieces_of(nb) -> list[Piece]:
    """The deck's pieces before packing: markdown cut at headings and paragraphs, code cells."""
    widget_lines = _widget_height(nb)
    pieces = []
    for i, cell in visible_cells(nb["cells"]):
        tags = set(cell.get("metadata", {}).get("tags", []))
        forced = explicit_type(cell, i)
        if INSTRUCTOR_TAG in tags and forced is None:
            forced = "notes"
        if cell["cell_type"] == "code":
            show_in, show_out = not (tags & NO_INPUT_TAGS), not (tags & NO_OUTPUT_TAGS)
            code = strip_bookkeeping(_source(cell))
            show_in = show_in and bool(code.strip())
            h_in = 0.6 + min((code.count("\n") + 1) * CODE_LINE, MAX_CODE) if show_in else 0.0
            heights = [output_height(o, widget_lines) for o in cell.get("outputs", [])] if show_out else []
            h_out = sum(heights)
            if h_in + h_out == 0.0 and forced is None:
                continue                         # nothing to show
            if h_in and h_out and h_in + h_out > BUDGET and forced is None:
                # too tall for one slide: the code, then its outputs on the next sub-slide(s),
                # as many outputs on each as fit
                pieces.append(Piece("code", code, "-", False, h_in, cell, True, False, i))
                for group, h in _groups(heights):
                    pieces.append(Piece("code", code, "-", False, h, cell, False, True, i, group))
                continue
            pieces.append(Piece("code", code, forced or "-", forced is not None, h_in + h_out, cell,
                                show_in, show_out, i))
            continue
        saved = cell.get("metadata", {}).get("user_expressions", [])
        chunks = _chunks(split_blocks(_source(cell)))
        for j, (text, h) in enumerate(chunks):
            st = forced if (forced and j == 0) or forced in ("notes", "skip") else None
            pieces.append(Piece("markdown", text, st or "-", st is not None, h, None,
                                index=i, saved=saved))
    return pieces


def _groups(heights: list[float]) -> list[tuple[list[int], float]]:
    """Consecutive outputs grouped so that each group fits a slide (a taller one alone).

    >>> _groups([10, 5, 9, 20])
    [([0, 1], 15.0), ([2], 9.0), ([3], 20.0)]
    """
    groups, cur, h = [], [], 0.0
    for k, hk in enumerate(heights):
        if cur and h + hk > BUDGET:
            groups.append((cur, h))
            cur, h = [], 0.0
        cur.append(k)
        h += hk
    if cur:
        groups.append((cur, h))
    return groups


def _units(blocks: list[Block]) -> list[list[Block]]:
    """Blocks that must stay on one slide: a displayed equation stays with the sentence it is
    part of (the text before it does not end a sentence, or the text after it goes on in lower
    case).

    >>> [len(u) for u in _units(split_blocks("Then\\n\\n$$x$$\\n\\nin bits.\\n\\nNew."))]
    [3, 1]
    """
    units: list[list[Block]] = []
    for b in blocks:
        prev = units[-1][-1] if units else None
        glue = prev is not None and (
            (b.kind == "math" and prev.kind == "text" and not re.search(r"[.!?]\)?$", prev.text.rstrip()))
            or (b.kind == "text" and prev.kind == "math" and b.text.lstrip()[:1].islower()))
        if glue:
            units[-1].append(b)
        else:
            units.append([b])
    return units


def _chunks(blocks: list[Block]) -> list[tuple[str, float]]:
    """Group a markdown cell's blocks: a new chunk at each heading of level <= 3, and before a
    unit of blocks (see _units) that would overflow the chunk."""
    def join(bs):
        out = bs[0].text
        for a, b in zip(bs, bs[1:]):
            out += ("\n" if a.item and b.item else "\n\n") + b.text
        return out

    chunks, cur, h = [], [], 0.0
    for unit in _units(blocks):
        uh = sum(block_height(b) for b in unit)
        first = unit[0]
        alone = all(b.kind == "heading" for b in cur)     # never leave a heading alone
        if cur and (first.kind == "heading" and first.level <= 3 or h + uh > BUDGET and not alone):
            chunks.append((join(cur), h))
            cur, h = [], 0.0
        cur.extend(unit)
        h += uh
    if cur:
        chunks.append((join(cur), h))
    return chunks


def heading_level(markdown: str) -> int:
    """Level of the heading a markdown chunk starts with (0: none).

    >>> heading_level("### Sub"), heading_level("text")
    (3, 0)
    """
    m = _HEADING.match(markdown)
    return len(m.group(1)) if m else 0


def slide_types(pieces: list[Piece]) -> list[Piece]:
    """Assign the default slide types (the tags' and metadata's are kept), in place.

    A heading of level 1-2 starts a slide, level 3 a sub-slide; a piece that does not fit in
    what is left of the current (sub-)slide starts a sub-slide. Notes and skipped pieces take
    no room. The first shown piece always starts a slide.
    """
    used, first = 0.0, True
    for p in pieces:
        if p.slide_type in ("notes", "skip"):
            continue
        if first:
            p.slide_type, first, used = "slide", False, p.height
            continue
        level = heading_level(p.source) if p.kind == "markdown" else 0
        if not p.forced:
            if 1 <= level <= 2:
                p.slide_type = "slide"
            elif level == 3:
                p.slide_type = "subslide"
            elif used + p.height > BUDGET and used > 0:
                p.slide_type = "subslide"
        used = p.height if p.slide_type in ("slide", "subslide") else used + p.height
    # A short lead-in ("The whole sweep in one figure:") moves to the sub-slide of what it
    # introduces.
    shown = [p for p in pieces if p.slide_type not in ("notes", "skip")]
    for a, b in zip(shown, shown[1:]):
        if (a.kind == "markdown" and not a.forced and a.slide_type == "-"
                and a.source.rstrip().endswith(":") and a.height <= 3
                and b.slide_type == "subslide" and not b.forced and a.height + b.height <= BUDGET):
            a.slide_type, b.slide_type = "subslide", "-"
    return pieces


# ---- MyST -> markdown/HTML ------------------------------------------------------------------

@dataclass
class Refs:
    """What MyST roles point to: citation labels, chapter titles, labels (headings, exercises)."""

    cites: dict = field(default_factory=dict)      # key -> "Arpit et al. 2017"
    docs: dict = field(default_factory=dict)       # "02_lookup_table" -> title
    labels: dict = field(default_factory=dict)     # label -> text


def saved_value(saved: list, expr: str, where: str) -> str:
    """The text ``{eval}`expr``` shows: the saved text/plain, string quotes stripped (as the book).

    >>> saved_value([{"expression": "x", "result": {"status": "ok", "data": {"text/plain": "'0.876'"}}}], "x", "")
    '0.876'
    """
    match = next((e for e in saved or [] if e.get("expression") == expr), None)
    if match is None:
        raise SlidesError(f"{where}: {{eval}}`{expr}` has no saved result; execute the notebook "
                          "with `make execute NB=...`")
    result = match.get("result", {})
    if result.get("status") != "ok":
        raise SlidesError(f"{where}: {{eval}}`{expr}` failed when the notebook ran: "
                          f"{result.get('ename')}: {result.get('evalue')}")
    text = result.get("data", {}).get("text/plain", "")
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text
    return value if isinstance(value, str) else text


_ROLE = re.compile(r"\{(?P<name>[a-z][a-z:-]*)\}`(?P<body>[^`]+)`")
_TARGET = re.compile(r"^\([^()\s]+\)=[ \t]*$", re.M)
_DIRECTIVE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|:{3,})\{(?P<name>[a-z-]+)\}[ \t]*(?P<arg>.*)$")
ADMONITIONS = {"note", "tip", "warning", "important", "hint", "caution", "attention", "danger",
               "error", "seealso"}


def _markdown2html(text: str) -> str:
    """Markdown -> HTML with nbconvert's renderer (math left for MathJax)."""
    from nbconvert.filters.markdown_mistune import markdown2html_mistune
    return markdown2html_mistune(text)


def _split_title(body: str) -> tuple[str, str]:
    m = re.match(r"^(.*?)\s*<([^<>]+)>$", body.strip(), re.S)
    return (m.group(1).strip(), m.group(2).strip()) if m else ("", body.strip())


def render_roles(text: str, saved: list, refs: Refs, where: str) -> str:
    """Replace MyST roles by text (see the module docstring).

    >>> render_roles("{cite:t}`a` and {cite}`a`", [], Refs(cites={"a": "Arpit et al. 2017"}), "")
    'Arpit et al. [2017] and [Arpit et al., 2017]'
    """
    def cite(key: str) -> tuple[str, str]:
        if key not in refs.cites:
            raise SlidesError(f"{where}: unknown citation key {key!r} (not in references.bib)")
        names, _, year = refs.cites[key].rpartition(" ")
        return names, year

    def role(m: re.Match) -> str:
        name, body = m.group("name"), m.group("body")
        if name == "eval":
            return html.escape(saved_value(saved, body, where), quote=False)
        if name in ("cite", "cite:p", "cite:ps", "cite:t", "cite:ts"):
            keys = [k.strip() for k in body.split(",") if k.strip()]
            if name.startswith("cite:t"):
                return ", ".join(f"{n} [{y}]" for n, y in map(cite, keys))
            return "[" + "; ".join(f"{n}, {y}" for n, y in map(cite, keys)) + "]"
        title, target = _split_title(body)
        if name == "doc":
            doc = target.rsplit("/", 1)[-1]
            if not title and doc not in refs.docs:
                raise SlidesError(f"{where}: {{doc}}`{body}`: no such page in the toc")
            return f"*{title or refs.docs[doc]}*"
        if name in ("ref", "numref"):
            if not title and target not in refs.labels:
                raise SlidesError(f"{where}: {{{name}}}`{body}`: no such label in the chapters")
            return title or refs.labels[target]
        if name == "math":
            return f"${body}$"
        return title or target   # any other role: its text, never raw markup

    return _ROLE.sub(role, text)


def render_myst(text: str, saved: list, refs: Refs, where: str = "") -> str:
    """MyST markdown -> markdown with HTML boxes that nbconvert's renderer understands.

    >>> print(render_myst("```{note}\\nSee {eval}`x`.\\n```", [{"expression": "x",
    ...       "result": {"status": "ok", "data": {"text/plain": "'3'"}}}], Refs()))
    <div class="admonition note">
    <p class="admonition-title">Note</p>
    <p>See 3.</p>
    </div>
    """
    text = _TARGET.sub("", text)
    out, lines, i = [], text.split("\n"), 0
    while i < len(lines):
        m = _DIRECTIVE.match(lines[i])
        if not m:
            out.append(lines[i])
            i += 1
            continue
        fence, name, arg = m.group("fence"), m.group("name"), m.group("arg").strip()
        close = re.compile(r"^[ \t]*" + re.escape(fence[0]) + "{" + str(len(fence)) + r",}[ \t]*$")
        j = i + 1
        while j < len(lines) and not close.match(lines[j]):
            j += 1
        if j == len(lines):
            raise SlidesError(f"{where}: unclosed {{{name}}} directive")
        body = lines[i + 1:j]
        options = {}
        while body and re.match(r"^[ \t]*:[\w-]+:", body[0]):
            key, _, val = body.pop(0).strip()[1:].partition(":")
            options[key] = val.strip()
        inner = render_myst("\n".join(body), saved, refs, where)
        if name == "math":
            out.append(f"$$\n{inner.strip()}\n$$")
            i = j + 1
            continue
        elif name in ("solution", "solution-start", "solution-end"):
            pass
        else:
            if name == "exercise":
                title = "Exercise" + (f": {arg}" if arg else "")
                label = options.get("label")
                if label and label in refs.labels:
                    title = refs.labels[label] + (f": {arg}" if arg else "")
                css = "exercise"
            elif name == "admonition":
                title, css = arg or "Note", options.get("class", "note").split()[0]
            else:
                title, css = (arg or name.capitalize()), name if name in ADMONITIONS else "note"
            title = render_roles(html.escape(title, quote=False), saved, refs, where)
            # One HTML block (no blank line in it): markdown would end the block at a blank line
            # and close the <div> there, leaving the body outside the box.
            body_html = re.sub(r"\n\s*\n", "\n", _markdown2html(inner).strip())
            out.append(f'<div class="admonition {css}">\n<p class="admonition-title">{title}</p>\n'
                       f"{body_html}\n</div>")
        i = j + 1
    return render_roles("\n".join(out), saved, refs, where)


def read_refs(toc_docs: list[str], root: Path = ROOT, bib: Path | None = None) -> Refs:
    """Citation labels from references.bib, titles and labels from the toc's pages."""
    refs = Refs()
    bib = bib or root / "references.bib"
    if bib.exists():
        from pybtex.database import parse_file
        from pybtex.style.formatting.plain import Style
        from lutbook_bibstyle import AuthorYearLabelStyle
        entries = list(parse_file(str(bib)).entries.values())
        entries = Style().sort(entries)
        for entry, label in zip(entries, AuthorYearLabelStyle().format_labels(entries)):
            refs.cites[entry.key] = label
    chapter = 0
    for doc in toc_docs:
        path = root / doc
        is_nb = path.with_suffix(".ipynb").exists()
        if is_nb:
            chapter += 1
            cells = json.loads(path.with_suffix(".ipynb").read_text(encoding="utf-8"))["cells"]
            texts = [_source(c) for c in cells if c["cell_type"] == "markdown"]
        elif path.with_suffix(".md").exists():
            texts = [path.with_suffix(".md").read_text(encoding="utf-8")]
        else:
            continue
        n_ex = 0
        for text in texts:
            lines = text.split("\n")
            for k, line in enumerate(lines):
                h = re.match(r"^#[ \t]+(.+)$", line)
                if h and path.name not in refs.docs:
                    refs.docs[path.name] = h.group(1).strip()
                t = re.match(r"^\(([^()\s]+)\)=[ \t]*$", line)
                if t:
                    nxt = next((x for x in lines[k + 1:] if x.strip()), "")
                    refs.labels[t.group(1)] = re.sub(r"^#+[ \t]+", "", nxt).strip()
                d = _DIRECTIVE.match(line)
                if d and d.group("name") == "exercise" and is_nb:
                    n_ex += 1
                    for opt in lines[k + 1:k + 4]:
                        if opt.strip().startswith(":label:"):
                            refs.labels[opt.split(":label:", 1)[1].strip()] = f"Exercise {chapter}.{n_ex}"
    return refs


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
        nb, resources={"metadata": {"name": resources_name}})
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


def build(out: Path, vendor_src: Path, toc: Path, only: list[str] | None = None) -> list[Path]:
    """Write the decks, the index page and _vendor/ into `out`; return the deck paths."""
    import nbformat
    docs, chapters = toc_docs(toc)
    refs = read_refs(docs, toc.parent)
    out.mkdir(parents=True, exist_ok=True)
    vendor(vendor_src, out)
    written, listed = [], []
    for doc in chapters:
        path = (toc.parent / doc).with_suffix(".ipynb")
        name = path.stem
        if only and name not in only and str(path) not in only:
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
