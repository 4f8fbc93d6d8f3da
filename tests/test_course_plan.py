"""The instructor guide's course plan: it covers every chapter, and its build fails on bad data.

`_ext/courseplan.py` checks `book/instructors/course_plan.yml` against the chapter notebooks;
`_ext/lutbook_courseplan.py` renders it in the book and turns every problem into a warning
(the book builds with -W). The Sphinx tests build a tiny book with one chapter.
"""
from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "_ext"))
import courseplan as cp  # noqa: E402

PLAN = ROOT / "book" / "instructors" / "course_plan.yml"
TOC = cp.toc_chapters(ROOT / "_toc.yml")


@pytest.fixture(scope="module")
def real():
    plan = cp.load_plan(PLAN)
    chapters = {d: cp.read_chapter(ROOT / f"{d}.ipynb", d) for d in TOC}
    return plan, chapters


# ---- the real plan ---------------------------------------------------------------------

def test_every_chapter_in_the_toc_has_a_session(real):
    plan, chapters = real
    planned = {s["chapter"] for s in plan["sessions"]}
    missing = [d for d in TOC if d not in planned]
    assert not missing, f"chapters in _toc.yml without a course-plan session: {missing}"


def test_the_real_plan_has_no_problem(real):
    plan, chapters = real
    assert cp.check_plan(plan, chapters, TOC) == []


def test_a_chapter_added_to_the_toc_without_a_session_is_reported(real, tmp_path):
    plan, chapters = real
    new = "notebooks/10_new_chapter"
    chapters = dict(chapters, **{new: cp.Chapter(new, "New", objectives=["x"])})
    problems = cp.check_plan(plan, chapters, TOC + [new])
    assert problems == [f"{new} is in the toc but has no session in the course plan: add one"]


def test_every_exercise_of_every_chapter_is_assigned(real):
    plan, chapters = real
    assigned = {(s["chapter"], e["label"]) for s in plan["sessions"] for e in s.get("exercises", [])}
    missing = [(d, label) for d, ch in chapters.items() for label in ch.exercises
               if (d, label) not in assigned]
    assert not missing, f"exercises no session assigns: {missing}"


def test_every_chapter_has_objectives_and_an_instructor_note(real):
    _, chapters = real
    for doc, ch in chapters.items():
        assert len(ch.objectives) >= 3, doc
        assert ch.notes, f"{doc} has no cell tagged 'instructor'"


@pytest.mark.parametrize("path", sorted((ROOT / "notebooks").glob("*.ipynb")), ids=lambda p: p.stem)
def test_instructor_notes_follow_the_convention(path):
    """Markdown, hidden in the book (remove-cell), an admonition titled 'For instructors', and
    renderable on the course plan page too: no {eval} (no saved results there), no relative {doc}."""
    for cell in nbformat.read(path, as_version=4).cells:
        tags = cell.metadata.get("tags", [])
        if "instructor" not in tags:
            assert "{admonition} For instructors" not in cell.source, "untagged instructor note"
            continue
        assert cell.cell_type == "markdown" and "remove-cell" in tags
        assert re.match(r"^(`{3,}|:{3,})\{admonition\} For instructors\n", cell.source)
        assert "{eval}" not in cell.source
        assert not re.search(r"\{doc\}`(?!/)", cell.source)


# ---- the checks can fail ---------------------------------------------------------------

def _md(src, meta=None, tags=()):
    c = new_markdown_cell(src)
    if meta:
        c.metadata["user_expressions"] = meta
    if tags:
        c.metadata["tags"] = list(tags)
    return c


def _saved(expression, text):
    return {"expression": expression, "result": {"status": "ok", "data": {"text/plain": text}, "metadata": {}}}


OBJECTIVES = ("# A chapter\n\nIntro.\n\n```{admonition} Learning objectives\n:class: tip\n\n"
              "After this chapter you can\n\n1. count the rows of a table;\n2. read a **number**\n"
              "   over two lines.\n```")


PNG = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


def tiny_chapter(first=OBJECTIVES, note=True):
    figure = new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"})
    cells = [_md(first), _md("## Counting\n\nText."),
             new_code_cell("prose.acc = 0.876", execution_count=1, outputs=[figure]),
             _md('The accuracy is {eval}`f"{prose.acc:.3f}"`.', [_saved('f"{prose.acc:.3f}"', "'0.876'")]),
             _md("## Exercises\n\n```{exercise} Count\n:label: ex-tiny-count\n\nCount.\n```")]
    if note:
        cells.insert(2, _md("```{admonition} For instructors\n:class: note\n\nDraw it. TINY NOTE\n```",
                            tags=["instructor", "remove-cell"]))
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def tiny_plan(**changes):
    session = {"chapter": "notebooks/00_tiny",
               "timing": [{"activity": "Warm-up", "minutes": 30},
                          {"section": "Counting", "minutes": 40, "note": "at the board"},
                          {"exercise": "ex-tiny-count", "minutes": 20}],
               "live": [{"section": "Counting", "do": "LIVE DEMO TEXT"}],
               "exercises": [{"label": "ex-tiny-count", "when": "homework"}],
               "questions": ["WHY QUESTION?"],
               "misconceptions": [{"claim": "CLAIM", "answer": "ANSWER", "section": "Counting"}],
               "outputs": [{"value": "prose.acc", "what": "TEST ACCURACY"},
                           {"figure": 1, "section": "Counting", "what": "THE FIGURE"}]}
    session.update(changes)
    return {"session_minutes": 90, "sessions": [session]}


def _check(plan, nb):
    path = Path(__import__("tempfile").mkdtemp()) / "00_tiny.ipynb"
    nbformat.write(nb, path)
    ch = cp.read_chapter(path, "notebooks/00_tiny")
    return cp.check_plan(plan, {ch.docname: ch}, [ch.docname])


def test_tiny_plan_passes_and_objectives_come_from_the_chapter():
    assert _check(tiny_plan(), tiny_chapter()) == []
    path = Path(__import__("tempfile").mkdtemp()) / "00_tiny.ipynb"
    nbformat.write(tiny_chapter(), path)
    ch = cp.read_chapter(path, "notebooks/00_tiny")
    assert ch.objectives == ["count the rows of a table;", "read a **number** over two lines."]
    assert ch.notes and ch.notes[0][1] == "Counting"
    assert cp.find_value(ch, "prose.acc") == ("0.876", "Counting")


@pytest.mark.parametrize("change, message", [
    ({"timing": [{"section": "Countng", "minutes": 90}]}, "has no (unique) heading 'Countng'"),
    ({"timing": [{"activity": "a", "minutes": 30}, {"section": "Counting", "minutes": 45}]},
     "minutes add up to 75, not 90"),
    ({"live": [{"section": "Summary", "do": "x"}]}, "has no (unique) heading 'Summary'"),
    ({"exercises": [{"label": "ex-tiny-cuont"}]}, "has no label 'ex-tiny-cuont'"),
    ({"outputs": [{"value": "prose.loss"}]}, "saved no {eval} value for 'prose.loss'"),
    ({"outputs": [{"figure": 2, "section": "Counting"}]}, "has 1 figure(s) in section 'Counting', not a figure 2"),
    ({"outputs": [{"figure": 1}]}, "a figure needs the section"),
    ({"objectives": [1, 3]}, "has no learning objective 3"),
    ({"objectives": [1]}, "learning objectives [2] are taught in no session"),
    ({"chapter": "notebooks/99_none"}, "unknown chapter 'notebooks/99_none'"),
    ({"timing": [{"activity": "a", "section": "Counting", "minutes": 90}]}, "exactly one of"),
])
def test_bad_plans_are_reported(change, message):
    problems = _check(tiny_plan(**change), tiny_chapter())
    assert any(message in p for p in problems), problems


def test_malformed_plan_files_get_a_clear_error(tmp_path):
    bad = tmp_path / "plan.yml"
    bad.write_text("sessions: [\n")
    with pytest.raises(ValueError, match="not valid YAML"):
        cp.load_plan(bad)
    bad.write_text("- just a list\n")
    with pytest.raises(ValueError, match="a 'sessions' list"):
        cp.load_plan(bad)
    problems = _check(tiny_plan(timing=["Counting, 90 minutes"]), tiny_chapter())
    assert any("timing must be lists of mappings" in p for p in problems), problems


def test_a_chapter_without_objectives_is_reported():
    problems = _check(tiny_plan(), tiny_chapter(first="# A chapter\n\nNo objectives here."))
    assert any("no 'Learning objectives' admonition" in p for p in problems), problems


# ---- the Sphinx extension: renders from the chapter, fails the build -------------------

def _build(tmp_path, plan, nb):
    src = tmp_path / "src"
    (src / "notebooks").mkdir(parents=True)
    (src / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT / '_ext')!r})\n"
        "extensions = ['myst_nb', 'sphinx_exercise', 'lutbook_eval', 'lutbook_courseplan']\n"
        "nb_execution_mode = 'off'\nroot_doc = 'index'\nexclude_patterns = ['_build']\n"
        "myst_enable_extensions = ['dollarmath', 'colon_fence']\n"
        "courseplan_data = 'plan.yml'\n")
    (src / "index.md").write_text("# Tiny\n\n```{toctree}\nnotebooks/00_tiny\nplan\n```\n")
    (src / "plan.md").write_text("# Plan\n\n```{course-plan} sessions\n```\n")
    (src / "plan.yml").write_text(yaml.safe_dump(plan))
    (src / "_toc.yml").write_text("parts:\n- caption: Chapters\n  chapters:\n  - file: notebooks/00_tiny\n")
    nbformat.write(nb, src / "notebooks" / "00_tiny.ipynb")
    out = tmp_path / "html"
    run = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-E", "-b", "html",
                          str(src), str(out)], capture_output=True, text=True, timeout=300)
    page = out / "plan.html"
    return run.returncode, run.stderr, page.read_text() if run.returncode == 0 else ""


def test_extension_renders_the_plan_from_the_chapter(tmp_path):
    code, errors, html = _build(tmp_path, tiny_plan(), tiny_chapter())
    assert code == 0, errors
    text = re.sub(r"<[^>]+>", "", html)
    for shown in ("Session 1: A chapter", "count the rows of a table;", "LIVE DEMO TEXT", "WHY QUESTION?",
                  "CLAIM", "TEST ACCURACY: 0.876", "TINY NOTE", "at the board", "THE FIGURE"):
        assert shown in text, shown
    assert f'src="data:image/png;base64,{PNG}"' in html              # the chapter's own figure
    assert 'href="notebooks/00_tiny.html#counting"' in html        # the section link resolves
    assert "course-plan" not in text                                # the placeholder was replaced


@pytest.mark.parametrize("plan, nb, message", [
    (tiny_plan(timing=[{"section": "Countng", "minutes": 90}]), tiny_chapter(), "no (unique) heading"),
    (tiny_plan(timing=[{"activity": "a", "minutes": 60}]), tiny_chapter(), "add up to 60, not 90"),
    (tiny_plan(), tiny_chapter(first="# A chapter\n\nNo objectives."), "no 'Learning objectives' admonition"),
])
def test_extension_fails_the_build(tmp_path, plan, nb, message):
    code, errors, _ = _build(tmp_path, plan, nb)
    assert code != 0 and message in errors, errors
