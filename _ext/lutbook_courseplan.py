"""Sphinx extension: the instructor guide's course plan, built from the chapters at build time.

A page of the book writes a placeholder directive,

    ```{course-plan} sessions
    ```

(``sessions``: the 90-minute sessions; ``workshop``: the one-day variant; ``summary``: a table
of all sessions). When Sphinx reads the page, the placeholder is replaced by MyST markdown
generated from ``book/instructors/course_plan.yml`` (timings, live experiments, exercises,
questions, misconceptions) and from the chapter notebooks themselves: the learning objectives
of each chapter's first cell, section and exercise titles (as cross-references), the values
the chapter saved for its ``{eval}`` expressions (expected outputs) and the chapter's
instructor notes (markdown cells tagged ``instructor``). Nothing is retyped. Every problem
that ``courseplan.check_plan`` finds (a heading or label that does not exist, minutes that do
not add up to 90, a chapter without objectives or without a session) is a warning, so the
book build (``-W``) fails.

Chapter sections get labels ``cp-<chapter>--<heading>`` (see :func:`section_label`) when the
chapter is read, so the plan links to them with ``{ref}``.
"""
from __future__ import annotations

import re
from pathlib import Path

from sphinx.util import logging

import courseplan as cp

LOGGER = logging.getLogger(__name__)
PLACEHOLDER = re.compile(r"^(`{3,}|:{3,})\{course-plan\}[ \t]*(\w*)[ \t]*\n\1[ \t]*$", re.M)


def section_label(docname: str, heading: str) -> str:
    """The label the extension gives a chapter section.

    >>> section_label("notebooks/00_first_look", "The data: MNIST")
    'cp-notebooks-00-first-look--the-data-mnist'
    """
    return f"cp-{re.sub(r'[^0-9a-z]+', '-', docname.lower())}--{cp.slug(heading)}"


def _clock(minutes: int) -> str:
    return f"{minutes // 60}:{minutes % 60:02d}"


def _where(item, session, toc, chapters) -> str:
    doc = item.get("chapter", session.get("chapter"))
    parts = []
    if item.get("section"):
        parts.append(f"{{ref}}`{section_label(doc, item['section'])}`")
    label = item.get("exercise") or item.get("label")
    title = chapters[doc].exercises.get(label) if doc in chapters else None
    if label:
        parts.append(f"{{ref}}`{label}`" + (f" *{title}*" if title else ""))
    if doc != session.get("chapter") and doc in chapters:
        parts.append(f"chapter {toc.index(doc) + 1}" if doc in toc else f"{{doc}}`/{doc}`")
    return ", ".join(parts)


def _objectives(session, chapters) -> list[str]:
    objectives = session.get("objectives")
    if objectives is None or isinstance(objectives, list):
        objectives = {session["chapter"]: objectives}
    lines = []
    for doc, numbers in objectives.items():
        ch = chapters[doc]
        numbers = list(numbers or range(1, len(ch.objectives) + 1))
        if len(objectives) > 1:
            lines.append(f"From {{doc}}`/{doc}`:\n")
        contiguous = numbers == list(range(numbers[0], numbers[0] + len(numbers))) if numbers else True
        for n in numbers:                    # markdown renumbers a list: gaps need their own items
            lines.append(f"{n}. {ch.objectives[n - 1]}" if contiguous
                         else f"- objective {n}: {ch.objectives[n - 1]}")
        lines.append("")
    return lines


def _session_md(heading: str, s: dict, plan: dict, chapters, toc, notes) -> list[str]:
    doc = s.get("chapter")
    out = [heading, ""]
    docs = list(s["objectives"]) if isinstance(s.get("objectives"), dict) else [doc]
    names = [f"chapter {toc.index(d) + 1 if d in toc else '?'}, {{doc}}`/{d}`" for d in docs]
    line = "; ".join(names)
    out += [f"{line[:1].upper()}{line[1:]} · {plan.get('session_minutes', 90)} minutes", ""]
    out += [f"````{{admonition}} Learning objectives (from the chapter{'s' if len(docs) > 1 else ''})",
            ":class: tip", ""]
    out += _objectives(s, chapters) + ["````", ""]
    out += ["**Timing**", "", "| start | min | what | notes |", "| --- | ---: | --- | --- |"]
    t = 0
    for item in s.get("timing", []):
        what = item.get("activity") or _where(item, s, toc, chapters)
        out.append(f"| {_clock(t)} | {item['minutes']} | {what} | "
                   f"{item.get('note', '')} |")
        t += item["minutes"]
    out.append("")
    blocks = (("live", "**Run live**", lambda i: f"{_where(i, s, toc, chapters)}: {i.get('do', '')}"),
              ("exercises", "**Exercises to assign**",
               lambda i: f"{_where(i, s, toc, chapters)} ({i.get('when', 'homework')})"
                         + (f": {i['note']}" if i.get("note") else "")),
              ("misconceptions", "**Common misconceptions, and where the chapter answers them**",
               lambda i: f"*{i['claim']}* {i.get('answer', '')} (see {_where(i, s, toc, chapters)})"))
    for key, title, fmt in blocks:
        if s.get(key):
            out += [title, ""] + [f"- {fmt(i)}" for i in s[key]] + [""]
    if s.get("questions"):
        out += ["**Discussion questions**", ""] + [f"{i}. {q}" for i, q in enumerate(s["questions"], 1)] + [""]
    if s.get("outputs"):
        out += ["**Expected outputs** (the values and figures the chapter saved when it was "
                "executed; the links go to where it shows them)", ""]
        figures = []
        for item in s["outputs"]:
            ch = chapters[item.get("chapter", doc)]
            where = _where(item, s, toc, chapters)
            if "value" in item:
                value, section = cp.find_value(ch, str(item["value"]), item.get("section"))
                if not item.get("section") and not item.get("label") and section:
                    where = ", ".join(p for p in (f"{{ref}}`{section_label(ch.docname, section)}`",
                                                  where) if p)
                out.append(f"- {item.get('what', item['value'])}: **{value}** ({where})")
            elif "figure" in item:
                figures.append((cp.find_figure(ch, str(item["section"]), item["figure"]),
                                item.get("what", "The chapter's figure"), where))
            else:
                out.append(f"- {item.get('what', '')} ({where})")
        out.append("")
        for png, what, where in figures:     # the chapter's own output, embedded as saved
            out += [f"```{{figure}} data:image/png;base64,{png}", f":alt: {what}", "",
                    f"{what} ({where})", "```", ""]
    if notes:
        out += ["**Instructor notes** (cells tagged `instructor` in the chapter notebook; "
                "`make instructor` keeps them, `make student` removes them)", ""]
        for text, section in notes:
            out += [text.strip(), ""]
    return out


def _notes_by_session(plan, chapters) -> dict:
    """Each chapter's instructor notes, placed in the session whose timing names their section."""
    placed = {}
    for doc, ch in chapters.items():
        indices = [i for i, s in enumerate(plan["sessions"]) if s.get("chapter") == doc]
        for note in ch.notes:
            home = next((i for i in indices for item in plan["sessions"][i].get("timing", [])
                         if note[1] and cp._norm(str(item.get("section", ""))) == cp._norm(note[1])),
                        indices[0] if indices else None)
            if home is not None:
                placed.setdefault(home, []).append(note)
    return placed


def render(kind: str, plan: dict, chapters: dict, toc: list[str]) -> str:
    """The MyST markdown for one placeholder (`kind`: sessions, workshop or summary)."""
    out = []
    if kind == "sessions":
        notes = _notes_by_session(plan, chapters)
        for i, s in enumerate(plan["sessions"], 1):
            title = s.get("title") or chapters[s["chapter"]].title
            out += [f"(cp-session-{i})="]
            out += _session_md(f"## Session {i}: {title}", s, plan, chapters, toc, notes.get(i - 1))
    elif kind == "workshop":
        w = plan.get("workshop") or {}
        for i, s in enumerate(w.get("blocks", []), 1):
            start = s.get("start", "")
            if start:
                h, m = map(int, start.split(":"))
                end = h * 60 + m + plan.get("session_minutes", 90)
                start = f" ({start}–{end // 60:02d}:{end % 60:02d})"
            out += [f"(cp-workshop-{i})="]
            out += _session_md(f"## Block {i}{start}: {s['title']}", s, plan, chapters, toc, None)
    elif kind == "summary":
        out += ["| session | chapter | run live | exercises |", "| --- | --- | --- | --- |"]
        for i, s in enumerate(plan["sessions"], 1):
            live = "; ".join(_where(x, s, toc, chapters) for x in s.get("live", []))
            ex = "; ".join(f"{{ref}}`{x['label']}`" for x in s.get("exercises", []))
            out.append(f"| {{ref}}`{i} <cp-session-{i}>` | {toc.index(s['chapter']) + 1}. "
                       f"{{doc}}`/{s['chapter']}` | {live} | {ex} |")
        out.append("")
    else:
        raise ValueError(f"unknown course-plan part {kind!r} (sessions, workshop or summary)")
    return "\n".join(out)


def _load(app):
    """(plan, chapters, toc, problems), read fresh from the plan file and the notebooks."""
    src = Path(app.srcdir)
    toc = cp.toc_chapters(src / app.config.courseplan_toc)
    plan = cp.load_plan(src / app.config.courseplan_data)
    named = [d for d in dict.fromkeys(toc + cp.named_chapters(plan)) if (src / f"{d}.ipynb").exists()]
    chapters = {d: cp.read_chapter(src / f"{d}.ipynb", d) for d in named}
    return plan, chapters, toc, cp.check_plan(plan, chapters, toc)


def _source_read(app, docname, source):
    if not PLACEHOLDER.search(source[0]):
        return
    src = Path(app.srcdir)
    app.env.note_dependency(str(src / app.config.courseplan_data))
    try:
        plan, chapters, toc, problems = _load(app)
    except (OSError, ValueError) as e:
        problems, plan = [str(e)], None
    for p in problems:
        LOGGER.warning(f"course plan: {p}", location=docname, type="lutbook", subtype="courseplan")
    for d in (chapters if plan else {}):
        app.env.note_dependency(str(src / f"{d}.ipynb"))

    def replace(m):
        if problems:
            return "*The course plan could not be built: see the build's warnings.*"
        try:
            return render(m.group(2) or "sessions", plan, chapters, toc)
        except ValueError as e:
            LOGGER.warning(f"course plan: {e}", location=docname, type="lutbook", subtype="courseplan")
            return ""
    source[0] = PLACEHOLDER.sub(replace, source[0])


def _label_sections(app, doctree):
    """Give every section of a chapter the label section_label(chapter, title)."""
    from docutils import nodes
    docname = app.env.docname
    if not docname.startswith(app.config.courseplan_chapter_prefix):
        return
    std = app.env.get_domain("std")
    for section in doctree.findall(nodes.section):
        if not section["ids"] or not section.children or not isinstance(section[0], nodes.title):
            continue
        title = section[0].astext()
        name = section_label(docname, title)
        std.anonlabels[name] = (docname, section["ids"][0])
        std.labels[name] = (docname, section["ids"][0], title)


def setup(app):
    app.add_config_value("courseplan_data", "book/instructors/course_plan.yml", "env")
    app.add_config_value("courseplan_toc", "_toc.yml", "env")
    app.add_config_value("courseplan_chapter_prefix", "notebooks/", "env")
    app.connect("source-read", _source_read)
    app.connect("doctree-read", _label_sections)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
