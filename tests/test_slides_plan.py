"""The lecture layout of the decks (scripts/slides_lecture.py): figure-led, one idea per slide,
prediction prompts before their figure, prose in the speaker notes, captions and alt text.

tests/test_slides.py covers the deck builder, the MyST rendering and the tags; the decks in
Chromium are tests/browser/test_slides.py.
"""
from __future__ import annotations

import base64
import struct
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "scripts"), str(ROOT / "_ext")]
import make_slides as ms  # noqa: E402
import slides_lecture as sl  # noqa: E402
import slides_myst as my  # noqa: E402

PREDICT = ":::{admonition} Predict\n:class: predict\nWill the test accuracy rise with $k$?\n:::"
LONG = ("Counting is all a lut does. " + "It keeps one count per row and class, " * 6
        + "and nothing else.")


def md(src, tags=()):
    cell = nbformat.v4.new_markdown_cell(src)
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def figure(caption=None, alt=None, w=688, h=300, n=1):
    head = b"\x89PNG\r\n\x1a\n" + b"\0\0\0\rIHDR" + struct.pack(">II", w, h) + b"\0" * 8
    out = {"output_type": "display_data", "metadata": {},
           "data": {"image/png": base64.b64encode(head).decode(), "text/plain": "<Figure>"}}
    cell = nbformat.v4.new_code_cell("plot()")
    cell.outputs = [nbformat.from_dict(out) for _ in range(n)]
    if caption or alt:
        cell.metadata["mystnb"] = {"figure": {"caption": caption or ""}, "image": {"alt": alt or ""}}
    return cell


def plan(*cells):
    return sl.lecture_plan(nbformat.v4.new_notebook(cells=list(cells)))


def shown(pieces):
    return [p for p in pieces if p.slide_type not in ("notes", "skip")]


def slides(pieces):
    """The shown pieces grouped by slide."""
    out = []
    for p in shown(pieces):
        if p.slide_type in ("slide", "subslide") or not out:
            out.append([])
        out[-1].append(p)
    return out


def test_headings_get_their_first_sentence_and_the_rest_goes_to_the_notes():
    p = plan(md(f"# Title\n\n{LONG}"), md(f"## Section\n\n{LONG}\n\nA second paragraph."))
    assert [[x.source for x in s] for s in slides(p)] == [
        ["# Title", "Counting is all a lut does."], ["## Section", "Counting is all a lut does."]]
    notes = "\n".join(x.source for x in p if x.slide_type == "notes")
    assert notes.count(LONG) == 2 and "A second paragraph." in notes


def test_a_prompt_is_a_slide_of_its_own_before_its_figure():
    p = plan(md("# T\n\nIntro."), md(f"## Sweep\n\nWe vary $k$.\n\n{PREDICT}"), figure())
    groups = slides(p)
    prompt = next(s for s in groups if any("class: predict" in x.source for x in s))
    assert all(x.kind == "markdown" for x in prompt)              # nothing else on it
    assert "Sweep" in prompt[0].source                             # its section's title
    after = groups[groups.index(prompt) + 1]
    assert any(x.kind == "code" for x in after)                    # the figure comes next


def test_one_exhibit_per_slide_with_its_caption_and_alt_text():
    p = plan(md("# T"), md("## Results\n\nTwo figures."),
             figure("Train accuracy reaches 1.0 while test accuracy stays at 0.5.",
                    "Line plot of train and test accuracy against k"),
             figure(), md("Then a table."))
    groups = slides(p)
    with_figures = [s for s in groups if any(x.kind == "code" for x in s)]
    assert len(with_figures) == 2 and all(sum(x.kind == "code" for x in s) == 1 for s in with_figures)
    first = with_figures[0]
    code = next(x for x in first if x.kind == "code")
    assert code.show_input is False and code.outputs == [0]       # the figure, not the code
    assert code.cell["outputs"][0]["metadata"]["lutbook"]["alt"] == \
        "Line plot of train and test accuracy against k"
    caption = first[first.index(code) + 1]
    assert "lutbook-caption" in caption.source and "stays at 0.5" in caption.source
    second = next(x for x in with_figures[1] if x.kind == "code")
    assert second.cell["outputs"][0]["metadata"]["lutbook"]["alt"]      # never empty
    assert "Then a table." in "\n".join(x.source for x in p if x.slide_type == "notes")


def test_a_deck_never_says_no_description(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[md("# T\n\nIntro."),
                                         figure("Accuracy rises with $k$.", "Bar chart of accuracy"),
                                         figure(n=2)])
    page = ms.export(ms.deck_notebook(nb, my.Refs(), "demo"), "demo")
    assert "No description has been provided" not in page
    assert 'alt="Bar chart of accuracy"' in page
    assert page.count("<img") == 3 and page.count(' alt="') == 3
    assert '<div class="admonition lutbook-caption">' in page and "Accuracy rises with $k$." in page


def test_exercises_show_titles_and_summary_its_points():
    ex = "```{exercise} Count the rows\n:label: ex-rows\n\nHow many rows has a lut with $k$ inputs?\n```"
    p = plan(md("# T"), md(f"## Exercises\n\n{ex}"),
             md("## Summary\n\n- Luts count. They never compute gradients.\n- Luts generalize."))
    text = "\n".join(x.source for x in shown(p))
    assert "```{exercise} Count the rows" in text and "How many rows" not in text
    assert "- Luts count.\n- Luts generalize." in text and "gradients" not in text
    notes = "\n".join(x.source for x in p if x.slide_type == "notes")
    assert "How many rows" in notes and "gradients" in notes


def test_tags_still_override():
    p = plan(md("# T"), md(f"## S\n\n{LONG}"), md("Show all of this.", tags=["slides-subslide"]),
             md("Hidden.", tags=["slides-skip"]), md("Say it.", tags=["instructor", "remove-cell"]))
    types = {x.source: x.slide_type for x in p}
    assert types["Show all of this."] == "subslide" and types["Hidden."] == "skip"
    assert types["Say it."] == "notes"


def test_deck_stats_counts_slides_and_figures():
    p = plan(md("# T\n\nIntro."), md("## A\n\nText."), figure(h=400), md("## B\n\nMore."), figure(h=400))
    assert sl.deck_stats(p) == (len(slides(p)), 2)
    assert sl.deck_stats(plan(md("# T"), md("## A"))) == (2, 0)


def test_first_sentence_keeps_roles_math_and_abbreviations_whole():
    assert sl.first_sentence("See {eval}`f'{x:.2f}'`. Next.") == "See {eval}`f'{x:.2f}'`."
    assert sl.first_sentence("Arpit et al. found $p = 0.5$. Then.") == "Arpit et al. found $p = 0.5$."
    assert sl.first_sentence("No end") == "No end"


# ---- the chapters ------------------------------------------------------------------------------

CHAPTERS = ms.toc_docs(ROOT / "_toc.yml")[1]
HOURS = sl.chapter_hours(yaml.safe_load((ROOT / "book/instructors/course_plan.yml").read_text()))
SLIDES_PER_HOUR = 30


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[Path(c).name for c in CHAPTERS])
def test_every_chapter_deck_is_figure_led(chapter):
    nb = nbformat.read(ROOT / f"{chapter}.ipynb", as_version=4)
    pieces = sl.lecture_plan(nb)
    n, with_figure = sl.deck_stats(pieces)
    name = Path(chapter).name
    assert n <= SLIDES_PER_HOUR * HOURS[name], f"{name}: {n} slides for {HOURS[name]} h"
    # every figure and widget the book shows is on a slide, one exhibit per slide
    hidden = {"remove-cell", "remove-output", "hide-output", "solution"}
    figures = sum(sl.is_figure(o) for c in nb.cells if c.cell_type == "code"
                  and not hidden & set(c.metadata.get("tags", [])) for o in c.outputs)
    on_slides = sum(sl.is_figure(p.cell["outputs"][k]) for p in shown(pieces)
                    if p.kind == "code" and p.outputs for k in p.outputs)
    assert on_slides == figures, f"{name}: {on_slides} of {figures} figures on slides"
    assert with_figure == figures
    for group in slides(pieces):
        assert sum(1 for p in group if p.kind == "code") <= 1, f"{name}: two exhibits on one slide"
        prompts = [p for p in group if "class: predict" in p.source]
        assert not prompts or all(p.kind == "markdown" for p in group)
