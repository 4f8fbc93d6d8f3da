"""Where a chapter's slides break: the default from its structure, and the tags that override it.

Used by scripts/make_slides.py (see its docstring for the rules). Heights are estimated in
lines of body text (``BUDGET`` fit under a slide's heading): wrapped text, code lines, figure
and table heights; the template's CSS uses the same sizes.

>>> [b.kind for b in split_blocks("## A\\n\\nText\\n\\n$$\\nx\\n\\ny\\n$$")]
['heading', 'text', 'math']
"""
from __future__ import annotations

import base64
import math
import re
import struct
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "scripts") not in sys.path:
    sys.path.insert(0, str(ROOT / "scripts"))

from make_student import (SOLUTION_TAG, StudentError, _GATE_END, _GATE_START,  # noqa: E402
                          _strip_solution_directives)
from slides_myst import SlidesError, _source, saved_value  # noqa: E402

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
MAX_IMAGE_PX = 440              # tallest figure shown (room for a heading, a sentence, a caption)
FIGURE_ZOOM = 1.4               # figures are drawn for the book's 688 px column: enlarge them
MAX_FIGURE_WIDTH = 1040


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


def _shown_value(saved: list | None, expr: str) -> str:
    """What ``{eval}`expr``` shows on the slide (its saved text), or a short stand-in."""
    try:
        return saved_value(saved or [], expr, "")
    except SlidesError:
        return "0.000"


def text_height(text: str, chars: int = CHARS_PER_LINE, saved: list | None = None) -> float:
    """Estimated height of a markdown block in body-text lines (wrapped at CHARS_PER_LINE).

    ``{eval}`` roles count as the text they show (``saved``: the cell's user_expressions).

    >>> text_height("short"), text_height("x" * 200)
    (1.0, 3.0)
    >>> text_height("{eval}`v`", saved=[{"expression": "v", "result": {"status": "ok",
    ...             "data": {"text/plain": repr("x" * 100)}}}])
    2.0
    """
    plain = re.sub(r"\{eval\}`([^`]*)`", lambda m: _shown_value(saved, m.group(1)), text)
    plain = re.sub(r"\{[a-z:]+\}`([^`<]*?)(?:<[^>]*>)?`", r"\1", plain)
    return float(sum(max(1, math.ceil(len(line.strip()) / chars))
                     for line in plain.split("\n") if line.strip() and not line.strip().startswith(":")))


def block_height(block: Block, saved: list | None = None) -> float:
    """Height of a block in body lines, spacing included (``saved``: see text_height)."""
    if block.kind == "heading":
        return 2.0 if block.level <= 2 else 1.6
    if block.kind == "math":
        return 1.0 + 1.2 * max(1, block.text.count("\\\\") + 1)
    if block.kind == "fence":
        inner = "\n".join(block.text.split("\n")[1:-1])
        return 1.6 + text_height(inner, saved=saved)
    if re.match(r"^\s*([-*+]|\d+\.)\s", block.text):      # a list item: indented, spaced
        return 0.5 + text_height(block.text, CHARS_PER_LINE - 8, saved)
    return 0.4 + text_height(block.text, saved=saved)


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
    ((963, 420), (505, 440))
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
        chunks = _chunks(split_blocks(_source(cell)), saved)
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


def _chunks(blocks: list[Block], saved: list | None = None) -> list[tuple[str, float]]:
    """Group a markdown cell's blocks: a new chunk at each heading of level <= 3, and before a
    unit of blocks (see _units) that would overflow the chunk (``saved``: see text_height)."""
    def join(bs):
        out = bs[0].text
        for a, b in zip(bs, bs[1:]):
            out += ("\n" if a.item and b.item else "\n\n") + b.text
        return out

    chunks, cur, h = [], [], 0.0
    for unit in _units(blocks):
        uh = sum(block_height(b, saved) for b in unit)
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

