"""_ext/lutbook_citedby: the bibliography page's table of which pages cite each work."""
from __future__ import annotations

import doctest
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "_ext"))

import lutbook_citedby as cb  # noqa: E402


def test_doctests():
    assert doctest.testmod(cb).failed == 0


def test_table_lists_every_entry_with_its_pages():
    keys = cb.bib_keys((ROOT / "references.bib").read_text(encoding="utf-8"))
    assert "chatterjee2018learning" in keys and len(keys) == len(set(keys))
    table = cb.citations_table(keys, {"chatterjee2018learning": ["notebooks/00_first_look"]})
    rows = table.splitlines()[4:]
    assert len(rows) == len(keys)
    assert rows[keys.index("chatterjee2018learning")] == \
        "| {cite:t}`chatterjee2018learning` | {doc}`/notebooks/00_first_look` |"
    assert all(r.endswith("not cited yet |") for k, r in zip(keys, rows)
               if k != "chatterjee2018learning")


def test_the_first_chapter_cites_the_paper():
    text = (ROOT / "notebooks" / "00_first_look.ipynb").read_text(encoding="utf-8")
    assert "chatterjee2018learning" in cb.cited_keys(text)
