"""A chapter's deck as a lecturer shows it: figure-led, one idea per slide (scripts/make_slides.py).

From the chapter's structure (``lecture_plan``):

* ``#`` / ``##`` headings start a slide, ``###`` a sub-slide, each with the first sentence of
  the paragraph that follows (the lead); the section's prose goes to the speaker notes;
* every figure, static widget and table a code cell shows is the centre of a slide: the
  exhibit, its caption (``mystnb: figure: caption``, under it) and its alt text
  (``mystnb: image: alt`` on the <img>), one exhibit per slide; it shares the heading's slide
  when both fit; code and printed output are left to the notebook;
* a prediction prompt (an ``{admonition}`` with class ``predict``) and the learning objectives
  are slides of their own, before what they introduce;
* exercises show their titles (their text in the notes), the summary and displayed equations
  are shown as they are (the summary's items cut to their first sentence); the prose and other
  boxes go to the notes;
* cells tagged ``instructor`` are notes; a ``slides-*`` tag or ``slideshow.slide_type`` still
  overrides all this for its cell (shown as the text layout of slides_plan.py shows it).

``deck_stats`` counts slides and the slides with a figure.

>>> first_sentence("Luts count. Then they look up.")
'Luts count.'
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass

from slides_myst import _DIRECTIVE, _TARGET, _source
from slides_plan import (BUDGET, INSTRUCTOR_TAG, NO_INPUT_TAGS, NO_OUTPUT_TAGS, Block, Piece,
                         _chunks, _widget_height, block_height, explicit_type, output_height,
                         split_blocks, strip_bookkeeping, text_height, visible_cells)

WIDGET = "application/vnd.jupyter.widget-view+json"
CAPTION_CHARS = 95                  # caption text per line (20 px font)
DENSE_TEXT = 20 / 24                # the lutbook-dense class: 20 px type for 24 px body text
SUMMARY = re.compile(r"^#+\s+(summary|in short|key points|takeaways)\b", re.I)
_PROTECT = re.compile(r"\{[a-z:]+\}`[^`]*`|`[^`]*`|\$\$.*?\$\$|\$[^$]*\$", re.S)
_SENTENCE_END = re.compile(r"[.!?][)\"'*_\u201d\u2019]*\s+(?=[A-Z0-9(*_\"\u201c\[])")
_ABBREVIATIONS = {"e.g.", "i.e.", "al.", "cf.", "fig.", "vs.", "etc.", "eq.", "resp.", "approx."}


def first_sentence(text: str) -> str:
    """The first sentence of a paragraph (roles, code and math are not cut into).

    >>> first_sentence("Zhang et al. showed it: {eval}`f'{x:.2f}'` of 1.5. Next.")
    "Zhang et al. showed it: {eval}`f'{x:.2f}'` of 1.5."
    """
    masked = _PROTECT.sub(lambda m: "X" * len(m.group()), text)
    for m in _SENTENCE_END.finditer(masked):
        word = masked[:m.start() + 1].split()[-1].lower()
        if word not in _ABBREVIATIONS:
            return text[:m.start() + len(m.group().rstrip())].strip()
    return text.strip()


def is_exhibit(output) -> bool:
    """A figure, a widget or an HTML table: what a slide is built around."""
    data = output.get("data", {})
    return any(k in data for k in ("image/png", WIDGET, "text/html"))


def is_figure(output) -> bool:
    """A saved figure or a widget (what deck_stats counts as a figure)."""
    data = output.get("data", {})
    return "image/png" in data or WIDGET in data


def _plain(text: str) -> str:
    """Caption text for an alt attribute: no roles' markup, no markdown emphasis.

    >>> _plain("*Test* accuracy, {cite:t}`a`")
    'Test accuracy, a'
    """
    text = re.sub(r"\{[a-z:]+\}`([^`<]*?)(?:\s*<[^>]*>)?`", r"\1", text)
    return re.sub(r"[*_`]", "", text).strip()


@dataclass
class _Slide:
    used: float = 0.0
    exhibit: bool = False       # already holds a figure / table
    closed: bool = False        # a prompt or the objectives: nothing joins it
    started: bool = False


class _Deck:
    """The pieces in order, each given its slide type as it is added."""

    def __init__(self):
        self.pieces: list[Piece] = []
        self.cur = _Slide()
        self.section = ""           # the heading of the section being read
        self.lead_due = False       # the next paragraph's first sentence goes under the heading

    def starts_slide(self, piece: Piece, extra: float = 0.0, exhibit: bool = False) -> bool:
        """Whether a "flow" piece would start a new sub-slide."""
        return self.cur.started and (self.cur.closed or (exhibit and self.cur.exhibit)
                                     or self.cur.used + piece.height + extra > BUDGET)

    def running_title(self, index: int) -> None:
        """Start a sub-slide with the section's title, small: a figure, a prompt or a
        continued list is not left without its context."""
        title = re.sub(r"^#+\s+", "", self.section).strip()
        if title:
            self.add(Piece("markdown", f'<p class="lutbook-running">{title}</p>', height=1.0,
                           index=index), "subslide")

    def add(self, piece: Piece, want: str, extra: float = 0.0, exhibit: bool = False,
            closed: bool = False) -> Piece:
        """want: "slide", "subslide", "flow" (here if it fits), "with" (stay with the last
        shown piece), "notes", "skip", or a forced type."""
        if want == "flow" and self.section and self.starts_slide(piece, extra, exhibit):
            self.running_title(piece.index)      # a continued section keeps its title
            want = "with"
        if want in ("notes", "skip"):
            piece.slide_type = want
        elif not self.cur.started:
            piece.slide_type = "slide"
        elif want == "flow":
            fits = self.cur.used + piece.height + extra <= BUDGET
            piece.slide_type = "-" if fits and not self.cur.closed and not (
                exhibit and self.cur.exhibit) else "subslide"
        elif want == "with":
            piece.slide_type = "-"
        else:
            piece.slide_type = want
        st = piece.slide_type
        if st in ("slide", "subslide"):
            self.cur = _Slide(started=True)
        if st not in ("notes", "skip"):
            self.cur.used += piece.height
            self.cur.exhibit |= exhibit
            self.cur.closed |= closed
        self.pieces.append(piece)
        return piece


def _directive(block_text: str) -> tuple[str, str, dict]:
    """(name, argument, options) of a fenced directive block."""
    lines = block_text.lstrip("\n").split("\n")
    m = _DIRECTIVE.match(lines[0])
    if not m:
        return "", "", {}
    options = {}
    for line in lines[1:]:
        o = re.match(r"^[ \t]*:([\w-]+):[ \t]*(.*)$", line)
        if not o:
            break
        options[o.group(1)] = o.group(2).strip()
    return m.group("name"), m.group("arg").strip(), options


def _title_only(block_text: str) -> str:
    """An exercise box with its title and label but not its text (the text goes to the notes)."""
    lines = block_text.lstrip("\n").split("\n")
    head = [lines[0]] + [x for x in lines[1:] if re.match(r"^[ \t]*:[\w-]+:", x)]
    fence = re.match(r"^[ \t]*(`{3,}|:{3,})", lines[0]).group(1)
    return "\n".join(head) + "\n" + fence


def _markdown(deck: _Deck, cell, index: int, saved: list) -> None:
    blocks = [b for b in split_blocks(_source(cell)) if not _TARGET.fullmatch(b.text.strip())]
    notes: list[str] = []
    items: list[Block] = []         # the summary's items, each cut to its first sentence

    def flush_notes():
        for text, h in _chunks(items, saved):
            deck.add(Piece("markdown", text, height=h, index=index, saved=saved), "flow")
        items.clear()
        if notes:
            deck.add(Piece("markdown", "\n\n".join(notes), index=index, saved=saved), "notes")
            notes.clear()

    for b in blocks:
        if b.kind == "heading" and b.level <= 3:
            flush_notes()
            deck.section = b.text
            want = "slide" if b.level <= 2 else "subslide"
            deck.add(Piece("markdown", b.text, height=block_height(b, saved), index=index, saved=saved), want)
            deck.lead_due = True
            continue
        name, _, options = _directive(b.text) if b.kind == "fence" else ("", "", {})
        shown_all = bool(SUMMARY.match(deck.section))
        if name == "admonition" and "predict" in options.get("class", "").split():
            flush_notes()
            deck.running_title(index)
            deck.add(Piece("markdown", b.text, height=block_height(b, saved), index=index, saved=saved),
                     "with" if deck.section else "subslide", closed=True)
        elif name == "admonition" and b.text.split("\n")[0].rstrip().lower().endswith("learning objectives"):
            flush_notes()
            text, h = _fitted_objectives(b, saved)
            deck.add(Piece("markdown", text, height=h, index=index, saved=saved), "flow", closed=True)
        elif name == "exercise":
            flush_notes()
            title = _title_only(b.text)
            deck.add(Piece("markdown", title, height=1.8, index=index, saved=saved), "flow")
            notes.append(b.text)
        elif shown_all and b.item:
            items.append(Block("text", _item_lead(b.text), item=True))
            notes.append(b.text)
        elif b.kind == "math" or shown_all or b.kind == "text" and b.text.lstrip().startswith("|"):
            flush_notes()
            for text, h in _chunks([b], saved):
                deck.add(Piece("markdown", text, height=h, index=index, saved=saved), "flow")
        elif deck.lead_due and b.kind == "text" and not b.item:
            lead = first_sentence(b.text)
            deck.add(Piece("markdown", lead, height=0.4 + text_height(lead, saved=saved), index=index,
                           saved=saved), "with")
            if lead != b.text.strip():
                notes.append(b.text)
        else:
            notes.append(b.text)
        deck.lead_due = False
    flush_notes()


def _fitted_objectives(block: Block, saved: list) -> tuple[str, float]:
    """The learning objectives box, in the template's smaller type (class lutbook-dense) when it
    would not fit a slide in body text; with its height in body lines.

    >>> text, h = _fitted_objectives(split_blocks("```{admonition} Learning objectives\\n:class: tip"
    ...                              "\\n\\n" + "\\n".join(["1. " + "word " * 30] * 8) + "\\n```")[0], [])
    >>> text.split("\\n")[1], h < BUDGET
    (':class: tip lutbook-dense', True)
    """
    h = block_height(block, saved)
    if h <= BUDGET:
        return block.text, h
    lines = block.text.split("\n")
    at = next((i for i, line in enumerate(lines[1:], 1) if line.startswith(":class:")), None)
    if at is None:
        lines.insert(1, ":class: lutbook-dense")
    else:
        lines[at] += " lutbook-dense"
    return "\n".join(lines), h * DENSE_TEXT


def _item_lead(item: str) -> str:
    """A list item cut to its first sentence (its marker kept).

    >>> _item_lead("- Luts count. They also look up.")
    '- Luts count.'
    """
    m = re.match(r"^(\s*(?:[-*+]|\d+[.)])\s+)", item)
    marker = m.group(1) if m else ""
    return marker + first_sentence(" ".join(item[len(marker):].split()))


def _caption_piece(cell, index: int, number: int) -> tuple[Piece | None, str]:
    """The caption under a figure (mystnb: figure: caption) and the img's alt text."""
    meta = cell.get("metadata", {}).get("mystnb", {})
    caption = str(meta.get("figure", {}).get("caption", "") or "").strip()
    alt = str(meta.get("image", {}).get("alt", "") or "").strip() or _plain(caption)
    if not alt:
        alt = f"Figure {number} of this chapter"
    if not caption:
        return None, alt
    # a box render_myst makes into one HTML block (roles and math in the caption work)
    source = f"````{{admonition}} Figure\n:class: lutbook-caption\n\n{caption}\n````"
    lines = max(1, -(-len(_plain(caption)) // CAPTION_CHARS))
    return Piece("markdown", source, height=0.3 + 0.85 * lines, index=index), alt


def _code(deck: _Deck, cell, index: int, widget_lines: float, figures: list[int]) -> None:
    deck.lead_due = False
    tags = set(cell.get("metadata", {}).get("tags", []))
    code = strip_bookkeeping(_source(cell))
    outputs = [] if tags & NO_OUTPUT_TAGS else list(cell.get("outputs", []))
    cell = {**cell, "outputs": copy.deepcopy(cell.get("outputs", []))}
    exhibits = [k for k, o in enumerate(outputs) if is_exhibit(o)]
    captioned = False
    for k in exhibits:
        o = cell["outputs"][k]
        caption = None
        if "image/png" in o.get("data", {}):
            figures[0] += 1
            caption, alt = _caption_piece(cell, index, figures[0])
            if captioned:
                caption = None          # one caption per cell: its first figure's
            captioned = captioned or caption is not None
            o.setdefault("metadata", {})["lutbook"] = {"alt": alt}
        extra = caption.height if caption else 0.0
        piece = Piece("code", code, height=output_height(o, widget_lines), cell=cell,
                      show_input=False, show_output=True, index=index, outputs=[k])
        deck.add(piece, "flow", extra=extra, exhibit=True)
        if caption:
            deck.add(caption, "with")


def _forced(deck: _Deck, cell, index: int, forced: str, widget_lines: float) -> None:
    """A cell with a slides-* tag or slideshow metadata: shown as the text layout shows it."""
    if cell["cell_type"] == "markdown":
        saved = cell.get("metadata", {}).get("user_expressions", [])
        for j, (text, h) in enumerate(_chunks(split_blocks(_source(cell)), saved)):
            want = forced if j == 0 or forced in ("notes", "skip") else "flow"
            deck.add(Piece("markdown", text, forced=True, height=h, index=index, saved=saved), want)
        return
    tags = set(cell.get("metadata", {}).get("tags", []))
    cell = {**cell, "outputs": copy.deepcopy(cell.get("outputs", []))}
    for o in cell["outputs"]:
        if "image/png" in o.get("data", {}):
            o.setdefault("metadata", {})["lutbook"] = {"alt": _caption_piece(cell, index, 0)[1]}
    show_in, show_out = not (tags & NO_INPUT_TAGS), not (tags & NO_OUTPUT_TAGS)
    h = sum(output_height(o, widget_lines) for o in cell["outputs"]) if show_out else 0.0
    deck.add(Piece("code", strip_bookkeeping(_source(cell)), forced=True, height=h, cell=cell,
                   show_input=show_in, show_output=show_out, index=index),
             "flow" if forced == "-" else forced)


def lecture_plan(nb) -> list[Piece]:
    """The deck's pieces with their slide types (see the module docstring)."""
    deck, widget_lines, figures = _Deck(), _widget_height(nb), [0]
    for i, cell in visible_cells(nb["cells"]):
        tags = set(cell.get("metadata", {}).get("tags", []))
        forced = explicit_type(cell, i)
        if forced is not None:
            _forced(deck, cell, i, forced, widget_lines)
        elif INSTRUCTOR_TAG in tags:
            deck.add(Piece("markdown" if cell["cell_type"] == "markdown" else "code",
                           _source(cell), cell=cell if cell["cell_type"] == "code" else None,
                           index=i, show_output=False,
                           saved=cell.get("metadata", {}).get("user_expressions", [])), "notes")
        elif cell["cell_type"] == "markdown":
            _markdown(deck, cell, i, cell.get("metadata", {}).get("user_expressions", []))
        else:
            _code(deck, cell, i, widget_lines, figures)
    return deck.pieces


def deck_stats(pieces: list[Piece]) -> tuple[int, int]:
    """(slides, slides showing a figure or widget) of a planned deck.

    >>> from slides_plan import Piece
    >>> fig = {"output_type": "display_data", "data": {"image/png": ""}}
    >>> deck_stats([Piece("markdown", "# T", "slide"), Piece("code", "", "subslide",
    ...             cell={"outputs": [fig]}, show_input=False, outputs=[0])])
    (2, 1)
    """
    slides, with_figure, current = 0, 0, False
    for p in pieces:
        if p.slide_type in ("notes", "skip"):
            continue
        if p.slide_type in ("slide", "subslide"):
            slides, with_figure, current = slides + 1, with_figure + current, False
        if p.kind == "code" and p.show_output and p.cell is not None:
            outs = p.cell.get("outputs", [])
            chosen = outs if p.outputs is None else [outs[k] for k in p.outputs]
            current = current or any(is_figure(o) for o in chosen)
    return slides, with_figure + current


def chapter_hours(course_plan: dict) -> dict[str, float]:
    """Hours of class per chapter: its sessions in the course plan times the session length.

    >>> chapter_hours({"session_minutes": 90, "sessions": [{"chapter": "a"}, {"chapter": "a"}]})
    {'a': 3.0}
    """
    minutes = course_plan.get("session_minutes", 90)
    hours: dict[str, float] = {}
    for s in course_plan.get("sessions", []):
        name = str(s["chapter"]).rsplit("/", 1)[-1]
        hours[name] = hours.get(name, 0.0) + minutes / 60
    return hours

