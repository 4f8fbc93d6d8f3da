"""Every chapter asks the reader to predict before it shows: at least two "Predict" boxes that
students see (in the book, in JupyterLab and in the student notebooks), each before the figure
that answers it.

The box is a MyST admonition titled "Predict" with the class ``predict`` (CONTRIBUTING.md,
"Shape of a chapter"); the slides give it a slide of its own (tests/test_slides_plan.py).
"""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
IDS = [p.name for p in NOTEBOOKS]
MIN_PROMPTS = 2
PROMPT = re.compile(r"^(`{3,}|:{3,})\{admonition\}\s*Predict\b.*\n:class:[^\n]*\bpredict\b",
                    re.M)
HIDDEN = {"remove-cell", "instructor", "solution"}


def prompts(nb) -> list[int]:
    """Indices of the markdown cells a student sees that hold a Predict box."""
    return [i for i, cell in enumerate(nb.cells)
            if cell.cell_type == "markdown" and not HIDDEN & set(cell.metadata.get("tags", []))
            and PROMPT.search(cell.source)]


def shows_a_result(cell) -> bool:
    """A code cell whose output the reader sees: a figure, a widget, a table or printed numbers."""
    if cell.cell_type != "code" or {"remove-cell", "remove-output"} & set(cell.metadata.get("tags", [])):
        return False
    return any(out.get("data") or out.get("text") for out in cell.outputs)


def test_the_pattern_finds_a_box_and_only_a_box():
    box = "```{admonition} Predict\n:class: predict\n\nWill it fit?\n```"
    assert PROMPT.search(box)
    assert not PROMPT.search("```{admonition} Predict\n:class: tip\n\nWill it fit?\n```")
    assert not PROMPT.search("Predict what happens next.")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_chapter_has_prediction_prompts(path):
    found = prompts(nbformat.read(path, as_version=4))
    assert len(found) >= MIN_PROMPTS, \
        f"{path.name}: {len(found)} Predict box(es) a student sees; a chapter needs {MIN_PROMPTS}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_each_prompt_comes_before_what_answers_it(path):
    """After each prompt a result the reader sees (a figure, widget, table or printed numbers)
    follows before the next prompt or the chapter's end: the prompt is not placed under its
    answer."""
    nb = nbformat.read(path, as_version=4)
    found = prompts(nb)
    for start, end in zip(found, found[1:] + [len(nb.cells)]):
        assert any(shows_a_result(c) for c in nb.cells[start + 1:end]), \
            f"{path.name}: the Predict box in cell {start} is followed by no result before cell {end}"


def _make_student():
    spec = importlib.util.spec_from_file_location("make_student", ROOT / "scripts" / "make_student.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_student_notebooks_keep_the_prompts(path):
    student = _make_student().studentize(nbformat.read(path, as_version=4))
    assert len(prompts(student)) == len(prompts(nbformat.read(path, as_version=4)))
