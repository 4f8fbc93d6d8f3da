"""Results side by side: a small accessible HTML table, with intervals shown as "0.884 ± 0.004".

``html_table(header, rows, caption)`` returns a ``Table``: a notebook shows its HTML (a
``<caption>``, column headers ``<th scope="col">``, the first cell of each row as its
``<th scope="row">``), and its ``repr`` is the same table as plain text.

>>> from lutlib.stats import mean_ci
>>> t = html_table(["width", "test accuracy"],
...                [(32, mean_ci([0.880, 0.879, 0.882, 0.881, 0.878])), (512, 0.8891)],
...                caption="Test accuracy by width (5 seeds, 95 % interval)")
>>> print(repr(t))
Test accuracy by width (5 seeds, 95 % interval)
width | test accuracy
32    | 0.880 ± 0.002
512   | 0.889
"""
from __future__ import annotations

import html
import math
import numbers

import numpy as np

from .stats import format_ci

_PAD = "padding: 2px 10px; border-bottom: 1px solid rgba(128, 128, 128, 0.4)"
_TEXT = f"{_PAD}; text-align: left"
_NUMBER = f"{_PAD}; text-align: right; font-variant-numeric: tabular-nums"


def _is_pair(value):
    """A (mean, half_width) pair of numbers."""
    return (isinstance(value, tuple) and len(value) == 2
            and all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in value))


def format_cell(value, digits=3) -> str:
    """A table cell's text: floats with ``digits`` decimals, an interval (``lutlib.stats``
    result, or a pair ``(mean, half_width)``) as ``"mean ± half-width"``, NaN as "n/a",
    anything else as ``str`` (strings are HTML: ``"f<sub>1</sub>"`` works).

    >>> format_cell(0.88412), format_cell((0.8842, 0.0041)), format_cell(12_000), format_cell(None)
    ('0.884', '0.884 ± 0.004', '12000', '')
    """
    if value is None:
        return ""
    if hasattr(value, "half_width") and hasattr(value, "mean"):
        if np.ndim(value.mean):
            raise ValueError("a cell holds one interval; this one has one per setting: "
                             "pass result[j] for setting j")
        return format_ci(value, digits)
    if _is_pair(value):
        mean, half = (float(v) for v in value)
        return f"{format_cell(mean, digits)} ± {format_cell(half, digits)}"
    if isinstance(value, numbers.Integral) or isinstance(value, bool):
        return str(value)
    if isinstance(value, numbers.Real):
        value = float(value)
        return "n/a" if math.isnan(value) else f"{value:.{digits}f}".replace("-", "\N{MINUS SIGN}")
    return str(value)


def _is_number(value):
    return not isinstance(value, bool) and (
        isinstance(value, numbers.Real) or hasattr(value, "half_width") or _is_pair(value))


class Table:
    """An HTML table for a notebook (``_repr_html_``) that prints as text (``repr``).

    >>> Table("<table></table>", "t").html
    '<table></table>'
    """

    def __init__(self, html_text: str, text: str):
        self.html, self.text = html_text, text

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.text


def html_table(header, rows, caption, digits=3, row_headers=True) -> Table:
    """A table of ``rows`` under ``header``, with ``caption`` saying what it shows.

    Cells are formatted by ``format_cell``; numbers are right-aligned. With ``row_headers``
    the first cell of each row labels the row for screen readers (``<th scope="row">``).
    ``caption`` is plain text (escaped); header and cell strings are HTML.

    >>> html_table(["k", "accuracy"], [(8, 0.9)], caption="Accuracy by k").html.count('scope="col"')
    2
    """
    header = [str(h) for h in header]
    if not header:
        raise ValueError("header must name at least one column")
    if not isinstance(caption, str) or not caption.strip():
        raise ValueError(f"caption must say what the table shows (a non-empty string); got {caption!r}")
    rows = [tuple(row) for row in rows]
    for i, row in enumerate(rows):
        if len(row) != len(header):
            raise ValueError(f"row {i} has {len(row)} cells and the header {len(header)} columns: "
                             f"{row!r:.120}")
    head = "".join(f'<th scope="col" style="{_TEXT}">{h}</th>' for h in header)
    body = []
    for row in rows:
        cells = []
        for j, v in enumerate(row):
            style = _NUMBER if _is_number(v) else _TEXT
            if j == 0 and row_headers:
                cells.append(f'<th scope="row" style="{style}; font-weight: normal">'
                             f"{format_cell(v, digits)}</th>")
            else:
                cells.append(f'<td style="{style}">{format_cell(v, digits)}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    html_text = (f"<table><caption>{html.escape(caption.strip())}</caption><thead><tr>{head}</tr>"
                 f"</thead><tbody>{''.join(body)}</tbody></table>")
    return Table(html_text, _as_text(caption.strip(), header, rows, digits))


def _as_text(caption, header, rows, digits):
    """The table as aligned plain text: caption, header, one line per row."""
    lines = [header] + [[format_cell(v, digits) for v in row] for row in rows]
    widths = [max(len(line[j]) for line in lines) for j in range(len(header))]
    return "\n".join([caption] + [" | ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip()
                                  for line in lines])
