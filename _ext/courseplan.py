"""The course plan's data, checked against the chapters it names (no Sphinx needed).

The instructor guide's course plan (``book/instructors/course_plan.yml``) names chapter
sections by their headings, exercises by their labels and expected outputs by the ``prose``
values the chapters quote with ``{eval}``. This module reads what the chapters really hold
(:func:`read_chapter`) and checks the plan against it (:func:`check_plan`); the Sphinx
extension ``lutbook_courseplan`` renders the checked plan, and the book build (``-W``) fails
on every problem reported here. Nothing is copied from a chapter into the plan by hand: the
learning objectives, section titles, exercise titles and numbers come from the notebooks.

>>> slug("How much does each lut see? Varying $k$")
'how-much-does-each-lut-see-varying-k'
"""
from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

SESSION_KEYS = {"title", "chapter", "objectives", "timing", "live", "exercises", "questions",
                "misconceptions", "outputs", "start"}
TIMING_KINDS = ("section", "exercise", "activity")
_FENCE = re.compile(r"^[ \t]*(`{3,}|:{3,})(.*)$")
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$")
_TARGET = re.compile(r"^\(([^()\s]+)\)=[ \t]*$")
_EVAL = re.compile(r"\{eval\}`([^`]+)`")
_OBJECTIVES = re.compile(r"^(`{3,}|:{3,})\{admonition\}[ \t]+Learning objectives[ \t]*$", re.M)
_ITEM = re.compile(r"^(\d+)\.[ \t]+(.*)$")
INSTRUCTOR_TAG = "instructor"


def slug(text: str) -> str:
    """A heading's anchor text: lower case, MyST markup dropped, runs of other characters -> '-'."""
    text = re.sub(r"[$`*_]", "", text).lower()
    return re.sub(r"[^0-9a-z]+", "-", text).strip("-")


def _norm(text: str) -> str:
    return " ".join(text.split())


@dataclass
class Chapter:
    """What a chapter notebook holds, as far as the course plan is concerned."""

    docname: str                  # e.g. notebooks/00_first_look
    title: str
    objectives: list = field(default_factory=list)    # item texts, in order (MyST markdown)
    headings: list = field(default_factory=list)      # (level, text)
    labels: set = field(default_factory=set)          # (name)= targets
    exercises: dict = field(default_factory=dict)     # label -> title
    evals: list = field(default_factory=list)         # (expression, rendered value, section)
    notes: list = field(default_factory=list)         # (markdown, section) of instructor cells
    figures: list = field(default_factory=list)       # (section, base64 PNG) of code cell outputs
    problems: list = field(default_factory=list)

    def has_heading(self, text: str) -> bool:
        return sum(_norm(h) == _norm(text) for _, h in self.headings) == 1


def _lines_outside_code(markdown: str):
    """(line, depth) for every line not inside a code block; depth = open directive fences."""
    stack = []
    for line in markdown.split("\n"):
        m = _FENCE.match(line)
        if m:
            fence, info = m.group(1), m.group(2).strip()
            if stack and fence[0] == stack[-1][0] and len(fence) >= stack[-1][1] and not info:
                stack.pop()
                yield line, len(stack) + 1
                continue
            if not (stack and stack[-1][2]):
                stack.append((fence[0], len(fence), fence[0] != ":" and not info.startswith("{")))
                yield line, len(stack)
                continue
        if not any(code for _, _, code in stack):
            yield line, len(stack)


def _objectives(first_cell: str) -> list[str] | None:
    """The numbered items of the first cell's "Learning objectives" admonition, or None."""
    m = _OBJECTIVES.search(first_cell)
    if m is None:
        return None
    fence = m.group(1)
    body = first_cell[m.end():]
    end = re.search(r"^" + re.escape(fence[0]) + "{" + str(len(fence)) + r",}[ \t]*$", body, re.M)
    body = body[:end.start()] if end else body
    items = []
    for line in body.split("\n"):
        item = _ITEM.match(line)
        if item:
            items.append(item.group(2).strip())
        elif items and line.startswith((" ", "\t")) and line.strip():
            items[-1] += " " + line.strip()
        elif items and line.strip() and not line.startswith(":"):
            break
    return items


def _plain(text_plain: str) -> str:
    """jupyterlab-myst's saved text/plain (a repr) as shown in the book: quotes stripped."""
    try:
        value = ast.literal_eval(text_plain)
    except (ValueError, SyntaxError):
        return text_plain
    return value if isinstance(value, str) else text_plain


def read_chapter(path: Path, docname: str) -> Chapter:
    """Read a chapter notebook (plain JSON: the saved cells are all that is needed)."""
    cells = json.loads(Path(path).read_text(encoding="utf-8"))["cells"]
    src = lambda c: "".join(c["source"]) if isinstance(c["source"], list) else c["source"]  # noqa: E731
    markdown = [c for c in cells if c["cell_type"] == "markdown"]
    title = next((h.group(2) for c in markdown[:1] for h in [_HEADING.match(src(c).split("\n")[0])] if h),
                 docname)
    ch = Chapter(docname, title)
    objectives = _objectives(src(markdown[0])) if markdown else None
    if not objectives:
        ch.problems.append(f"{docname}: its first markdown cell has no 'Learning objectives' "
                           "admonition with a numbered list (CONTRIBUTING.md, 'Shape of a chapter')")
    ch.objectives = objectives or []
    section = None
    for cell in cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if cell["cell_type"] != "markdown":
            for output in cell.get("outputs", []):
                png = output.get("data", {}).get("image/png")
                if png:
                    png = "".join(png) if isinstance(png, list) else png
                    ch.figures.append((section, re.sub(r"\s", "", png)))
            continue
        text = src(cell)
        if INSTRUCTOR_TAG in tags:
            ch.notes.append((text, section))
        saved = {e.get("expression"): e.get("result", {}) for e in
                 cell.get("metadata", {}).get("user_expressions", [])}
        directive = None
        for line, depth in _lines_outside_code(text):
            fence = _FENCE.match(line)
            if fence and fence.group(2).strip().startswith("{exercise}"):
                directive = ["exercise", fence.group(2).strip()[len("{exercise}"):].strip(), None]
            elif directive and line.strip().startswith(":label:"):
                ch.exercises[line.split(":label:", 1)[1].strip()] = directive[1]
                directive = None
            h, t = _HEADING.match(line), _TARGET.match(line)
            if h and depth == 0:
                section = h.group(2)
                ch.headings.append((len(h.group(1)), section))
            elif t and depth == 0:
                ch.labels.add(t.group(1))
            for expr in _EVAL.findall(line):
                result = saved.get(expr, {})
                if result.get("status") == "ok":
                    ch.evals.append((expr, _plain(result.get("data", {}).get("text/plain", "")), section))
    return ch


def toc_chapters(toc_path: Path, caption: str = "Chapters") -> list[str]:
    """The docnames of the toc part `caption` (the book's chapters, in order).

    >>> import tempfile, os
    >>> p = Path(tempfile.mkdtemp()) / "_toc.yml"
    >>> _ = p.write_text("parts:\\n- caption: Chapters\\n  chapters:\\n  - file: notebooks/a\\n")
    >>> toc_chapters(p)
    ['notebooks/a']
    """
    toc = yaml.safe_load(Path(toc_path).read_text(encoding="utf-8"))
    for part in toc.get("parts", []):
        if part.get("caption") == caption:
            return [c["file"] for c in part.get("chapters", [])]
    raise ValueError(f"{toc_path}: no part with caption {caption!r}")


def load_plan(path: Path) -> dict:
    """The plan's YAML; a clear error if it is not a mapping with a `sessions` list."""
    try:
        plan = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise ValueError(f"{path}: not valid YAML: {e}") from None
    if not isinstance(plan, dict) or not isinstance(plan.get("sessions"), list):
        raise ValueError(f"{path}: expected a mapping with a 'sessions' list")
    return plan


def find_figure(ch: Chapter, section: str, number: int) -> str:
    """The base64 PNG of the `number`-th figure (1, 2, ...) printed in `section`; LookupError if none."""
    found = [png for s, png in ch.figures if _norm(s or "") == _norm(section)]
    if not (isinstance(number, int) and 1 <= number <= len(found)):
        raise LookupError(f"{ch.docname} has {len(found)} figure(s) in section {section!r}, not a "
                          f"figure {number!r}")
    return found[number - 1]


def find_value(ch: Chapter, name: str, section: str | None = None):
    """The one value the chapter saved for `name` (an expression or a ``prose`` attribute).

    Returns (value, section) or raises LookupError saying why (absent, or several values).
    """
    pat = re.compile(r"(?<![\w.])" + re.escape(name) + r"(?![\w])")
    hits = [(v, s) for e, v, s in ch.evals
            if (e == name or pat.search(e)) and (section is None or _norm(s or "") == _norm(section))]
    if not hits:
        raise LookupError(f"{ch.docname} saved no {{eval}} value for {name!r}"
                          + (f" in section {section!r}" if section else ""))
    if len({v for v, _ in hits}) > 1:
        raise LookupError(f"{ch.docname} saved several values for {name!r} "
                          f"({', '.join(sorted({v for v, _ in hits}))}): name the exact expression "
                          "or a section")
    return hits[0]


def _sessions(plan: dict):
    for i, s in enumerate(plan.get("sessions", []), 1):
        yield f"session {i}", s
    for i, s in enumerate((plan.get("workshop") or {}).get("blocks", []), 1):
        yield f"workshop block {i}", s


def named_chapters(plan: dict) -> list[str]:
    """Every chapter the plan names (sessions, their items, objectives), in order, once.

    >>> named_chapters({"sessions": [{"chapter": "a", "live": [{"chapter": "b"}]}],
    ...                 "workshop": {"blocks": [{"objectives": {"c": [1]}}]}})
    ['a', 'b', 'c']
    """
    names = []
    for _, s in _sessions(plan):
        if not isinstance(s, dict):
            continue
        names.append(s.get("chapter"))
        for key in ("timing", "live", "exercises", "outputs", "misconceptions"):
            items = s.get(key) if isinstance(s.get(key), list) else []
            names += [i.get("chapter") for i in items if isinstance(i, dict)]
        if isinstance(s.get("objectives"), dict):
            names += list(s["objectives"])
    return [n for n in dict.fromkeys(names) if isinstance(n, str)]


def _chapter_of(item: dict, session: dict) -> str | None:
    return item.get("chapter", session.get("chapter"))


def check_plan(plan: dict, chapters: dict, toc: list[str] | None = None) -> list[str]:
    """Every problem of `plan` against `chapters` (docname -> Chapter); [] when all is well.

    Checks: minutes add up to the session length; every named chapter, heading, exercise
    label and saved value exists; objective numbers exist and every objective of a chapter is
    taught in one of its sessions; with `toc`, every chapter of the toc has a session.
    """
    problems = [p for ch in chapters.values() for p in ch.problems]
    length = plan.get("session_minutes", 90)
    taught = {}

    def chapter(name, where):
        if name not in chapters:
            problems.append(f"{where}: unknown chapter {name!r}")
            return None
        return chapters[name]

    def place(item, session, where, keys=("section", "exercise", "label")):
        ch = chapter(_chapter_of(item, session), where) if _chapter_of(item, session) else None
        if ch is None:
            if not _chapter_of(item, session):
                problems.append(f"{where}: no chapter given")
            return
        if item.get("section") is not None and not ch.has_heading(str(item["section"])):
            problems.append(f"{where}: {ch.docname} has no (unique) heading {item['section']!r}")
        for key in ("exercise", "label"):
            if key in keys and item.get(key) is not None:
                name = str(item[key])
                if name not in ch.exercises and (key == "exercise" or name not in ch.labels):
                    problems.append(f"{where}: {ch.docname} has no {'exercise ' if key == 'exercise' else ''}"
                                    f"label {name!r}")

    for name, s in _sessions(plan):
        if not isinstance(s, dict):
            problems.append(f"{name}: not a mapping")
            continue
        unknown = set(s) - SESSION_KEYS
        if unknown:
            problems.append(f"{name}: unknown keys {sorted(unknown)}")
        bad = [k for k in ("timing", "live", "exercises", "misconceptions", "outputs")
               if not isinstance(s.get(k) or [], list) or not all(isinstance(i, dict) for i in s.get(k) or [])]
        if bad:
            problems.append(f"{name}: {', '.join(bad)} must be lists of mappings")
            continue
        if s.get("chapter") is not None:
            chapter(s["chapter"], name)
        minutes = 0
        for j, item in enumerate(s.get("timing") or [], 1):
            where = f"{name}, timing item {j}"
            kinds = [k for k in TIMING_KINDS if k in item]
            if len(kinds) != 1:
                problems.append(f"{where}: give exactly one of {', '.join(TIMING_KINDS)}")
            if not isinstance(item.get("minutes"), int) or item["minutes"] <= 0:
                problems.append(f"{where}: minutes must be a positive whole number")
            else:
                minutes += item["minutes"]
            if kinds and kinds[0] != "activity":
                place(item, s, where)
        if minutes != length:
            problems.append(f"{name}: its minutes add up to {minutes}, not {length}")
        for key, required in (("live", "section"), ("misconceptions", "section")):
            for j, item in enumerate(s.get(key) or [], 1):
                where = f"{name}, {key} item {j}"
                if required not in item:
                    problems.append(f"{where}: name the chapter {required} it refers to")
                place(item, s, where)
        for j, item in enumerate(s.get("exercises") or [], 1):
            if "label" not in item:
                problems.append(f"{name}, exercises item {j}: no label")
            place(item, s, f"{name}, exercises item {j}")
        for j, item in enumerate(s.get("outputs") or [], 1):
            where = f"{name}, outputs item {j}"
            place(item, s, where)
            if "value" in item:
                ch = chapters.get(_chapter_of(item, s))
                if ch is not None:
                    try:
                        find_value(ch, str(item["value"]), item.get("section"))
                    except LookupError as e:
                        problems.append(f"{where}: {e}")
            elif "figure" in item:
                ch = chapters.get(_chapter_of(item, s))
                if "section" not in item:
                    problems.append(f"{where}: a figure needs the section it is printed in")
                elif ch is not None:
                    try:
                        find_figure(ch, str(item["section"]), item["figure"])
                    except LookupError as e:
                        problems.append(f"{where}: {e}")
            elif "section" not in item and "label" not in item:
                problems.append(f"{where}: give a value, a figure, a section or a label")
        objectives = s.get("objectives")
        if objectives is None and s.get("chapter"):
            objectives = {s["chapter"]: None}
        elif isinstance(objectives, list):
            objectives = {s.get("chapter"): objectives}
        for doc, numbers in (objectives or {}).items():
            ch = chapter(doc, name)
            if ch is None:
                continue
            numbers = range(1, len(ch.objectives) + 1) if numbers is None else numbers
            for n in numbers:
                if not (isinstance(n, int) and 1 <= n <= len(ch.objectives)):
                    problems.append(f"{name}: {doc} has no learning objective {n!r} "
                                    f"(it has {len(ch.objectives)})")
                elif not name.startswith("workshop"):
                    taught.setdefault(doc, set()).add(n)
    for doc, ch in chapters.items():
        missing = sorted(set(range(1, len(ch.objectives) + 1)) - taught.get(doc, set()))
        if doc in taught and missing:
            problems.append(f"{doc}: learning objectives {missing} are taught in no session")
    for doc in toc or []:
        if not any(isinstance(s, dict) and s.get("chapter") == doc for s in plan["sessions"]):
            problems.append(f"{doc} is in the toc but has no session in the course plan: add one")
    return problems
