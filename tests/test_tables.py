"""lutlib.tables.html_table: accessible HTML (caption, header scopes), intervals as "m ± h"."""
from __future__ import annotations

import doctest
from html.parser import HTMLParser

import numpy as np
import pytest

from lutlib import tables
from lutlib.stats import Interval, mean_ci


def test_doctests():
    assert doctest.testmod(tables).failed == 0


class Cells(HTMLParser):
    """The caption, and each th/td with its attributes and text, in document order."""

    def __init__(self, text):
        super().__init__()
        self.cells, self.caption, self._open = [], "", None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        if tag in ("th", "td", "caption"):
            self._open = [tag, dict(attrs), ""]

    def handle_data(self, data):
        if self._open is not None:
            self._open[2] += data

    def handle_endtag(self, tag):
        if self._open is not None and tag == self._open[0]:
            if tag == "caption":
                self.caption = self._open[2]
            else:
                self.cells.append(tuple(self._open))
            self._open = None


def test_structure_is_accessible():
    t = tables.html_table(["width", "train", "test"],
                          [(32, 1.0, 0.8801), (512, np.float32(1.0), np.float64(0.8893))],
                          caption="Accuracy by width")
    parsed = Cells(t._repr_html_())
    assert parsed.caption == "Accuracy by width"
    assert [(tag, a.get("scope"), text) for tag, a, text in parsed.cells] == [
        ("th", "col", "width"), ("th", "col", "train"), ("th", "col", "test"),
        ("th", "row", "32"), ("td", None, "1.000"), ("td", None, "0.880"),
        ("th", "row", "512"), ("td", None, "1.000"), ("td", None, "0.889")]
    assert all("text-align: right" in a["style"] for tag, a, _ in parsed.cells[3:])
    plain = tables.html_table(["a", "b"], [("x", 1)], caption="c", row_headers=False)
    assert [tag for tag, _, _ in Cells(plain.html).cells] == ["th", "th", "td", "td"]


def test_intervals_render_as_mean_plus_minus_half_width():
    seeds = [0.884, 0.881, 0.887, 0.886, 0.882]
    r = mean_ci(seeds)
    t = tables.html_table(["width", "test accuracy", "gap"],
                          [(32, r, (0.0123, 0.0041)), (64, Interval(-0.5, -0.6, -0.4, 0.1, 5, 0.95, "t"),
                                                       float("nan"))],
                          caption="With intervals", digits=3)
    texts = [text for _, _, text in Cells(t.html).cells[3:]]
    half = r.half_width
    assert texts == ["32", f"{r.mean:.3f} ± {half:.3f}", "0.012 ± 0.004",
                     "64", "−0.500 ± 0.100", "n/a"]


def test_caption_is_escaped_and_cells_are_html():
    t = tables.html_table(["f<sub>1</sub>"], [("a < b",)], caption="x < y & z")
    assert "<caption>x &lt; y &amp; z</caption>" in t.html
    assert ">f<sub>1</sub></th>" in t.html


def test_text_repr_is_the_table():
    t = tables.html_table(["k", "accuracy"], [(8, 0.91234), (12, (0.9, 0.01))], caption="By k")
    assert repr(t) == "By k\nk  | accuracy\n8  | 0.912\n12 | 0.900 ± 0.010"


@pytest.mark.parametrize("args, match", [
    ((["a", "b"], [(1, 2)], ""), "caption must say what the table shows"),
    ((["a", "b"], [(1, 2)], None), "caption must say"),
    ((["a", "b"], [(1, 2, 3)], "c"), "row 0 has 3 cells and the header 2 columns"),
    (([], [], "c"), "header must name at least one column"),
])
def test_html_table_refuses(args, match):
    with pytest.raises(ValueError, match=match):
        tables.html_table(*args)


def test_a_cell_refuses_an_interval_per_setting():
    grid = mean_ci(np.random.default_rng(0).normal(size=(5, 3)))
    with pytest.raises(ValueError, match="pass result\\[j\\]"):
        tables.html_table(["a", "b"], [(1, grid)], caption="c")
    assert "±" in tables.html_table(["a", "b"], [(1, grid[0])], caption="c").html
