"""Figures and code a reader can read, in every committed chapter.

* every saved figure (cell outputs and the frames of live static widgets) fits the book's
  content column, so the page never shrinks it (lutlib.plotting.COLUMN_PX);
* the book style's fonts are at least lutlib.plotting.MIN_FONT_PT, every chapter applies it,
  and no chapter asks for a smaller font in its code;
* code lines are short enough for the column (MAX_LINE characters);
* a cell that is mostly bookkeeping (numbers stored for the prose) hides its input.
"""
from __future__ import annotations

import base64
import re
import struct
from pathlib import Path

import nbformat
import pytest

from lutlib import plotting

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
IDS = [p.name for p in NOTEBOOKS]
STATE_KEY = "application/vnd.jupyter.widget-state+json"
MAX_LINE = 88
"""Longest code line, in characters (the column shows about 80 before it scrolls)."""
MAX_BOOKKEEPING = 4
"""A cell with more lines than this that only store numbers for the prose hides its input."""
BOOKKEEPING = re.compile(r"\s*(glue\(|prose\.\w+(\s*,\s*prose\.\w+)*\s*=|setattr\(prose,)")
HIDDEN = {"hide-input", "remove-input", "remove-cell"}


def png_width(data: bytes) -> int:
    """Width in pixels from a PNG's IHDR chunk.

    >>> png_width(b"\\x89PNG\\r\\n\\x1a\\n" + b"\\x00\\x00\\x00\\rIHDR" + struct.pack(">II", 640, 1))
    640
    """
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    return struct.unpack(">I", data[16:20])[0]


def saved_pngs(nb):
    """(where, PNG bytes) of every figure a notebook saves: outputs and widget images."""
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            png = out.get("data", {}).get("image/png")
            if png:
                yield f"cell {i}", base64.b64decode(png)
    state = nb.metadata.get("widgets", {}).get(STATE_KEY, {}).get("state", {})
    for model_id, model in state.items():
        if model["model_name"] == "ImageModel":
            for buf in model.get("buffers", []):
                if buf["path"] == ["value"]:
                    yield f"widget image {model_id[:8]}", base64.b64decode(buf["data"])


def test_png_width_reads_real_figures():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from lutlib.static_widgets import figure_png
    fig = plt.figure(figsize=(2, 1))
    assert png_width(figure_png(fig, dpi=50)) == 100


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_figures_fit_the_column(path):
    nb = nbformat.read(path, as_version=4)
    too_wide = [(where, w) for where, data in saved_pngs(nb)
                if (w := png_width(data)) > plotting.COLUMN_PX]
    assert not too_wide, (f"{path.name}: figures wider than the book's column "
                          f"({plotting.COLUMN_PX} px) are shrunk, fonts with them: {too_wide}; "
                          f"keep figsize width <= {plotting.MAX_WIDTH_IN:.1f} in")


def test_book_style_fonts_are_legible():
    import matplotlib
    matplotlib.use("Agg")
    plotting.use_book_style()
    assert plotting.smallest_font_px() >= plotting.MIN_FONT_PX
    assert plotting.MIN_FONT_PX >= 11, "fonts under 11 screen pixels are hard to read"


def test_font_px_refuses_unknown_settings():
    with pytest.raises(ValueError, match="not a font-size setting"):
        plotting.font_px("lines.linewidth")


def _code(nb):
    return [(i, c.source) for i, c in enumerate(nb.cells) if c.cell_type == "code"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_chapter_uses_the_book_style(path):
    nb = nbformat.read(path, as_version=4)
    code = "\n".join(src for _, src in _code(nb))
    assert "use_book_style()" in code, f"{path.name}: call lutlib.plotting.use_book_style()"
    assert not re.search(r"rcParams\[\"figure\.dpi\"\]|rcParams\['figure\.dpi'\]", code), \
        f"{path.name}: set the resolution through use_book_style(), not rcParams"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_small_fonts_in_code(path):
    nb = nbformat.read(path, as_version=4)
    small = []
    for i, src in _code(nb):
        for m in re.finditer(r"fontsize\s*=\s*([\d.]+|[\"'][\w-]+[\"'])", src):
            size = m.group(1).strip("\"'")
            if size.replace(".", "").isdigit():
                if float(size) < plotting.MIN_FONT_PT:
                    small.append((i, m.group(0)))
            elif size in ("xx-small", "x-small", "small", "smaller"):
                small.append((i, m.group(0)))
    assert not small, f"{path.name}: fonts below {plotting.MIN_FONT_PT} pt: {small}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_code_lines_are_short(path):
    nb = nbformat.read(path, as_version=4)
    long = [(i, len(line)) for i, src in _code(nb) for line in src.splitlines()
            if len(line) > MAX_LINE]
    assert not long, f"{path.name}: code lines over {MAX_LINE} characters (cell, length): {long}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_bookkeeping_is_hidden(path):
    nb = nbformat.read(path, as_version=4)
    shown = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or HIDDEN & set(cell.metadata.get("tags", [])):
            continue
        n = sum(bool(BOOKKEEPING.match(line)) for line in cell.source.splitlines())
        if n > MAX_BOOKKEEPING:
            shown.append((i, n))
    assert not shown, (f"{path.name}: cells with more than {MAX_BOOKKEEPING} lines of "
                       f"numbers for the prose, shown to the reader (cell, lines): {shown}; "
                       "move them to a cell tagged remove-input")


def test_bookkeeping_pattern():
    assert BOOKKEEPING.match("prose.a = 1")
    assert BOOKKEEPING.match("prose.a, prose.b = 1, 2")
    assert BOOKKEEPING.match('glue("x", 1, display=False)')
    assert BOOKKEEPING.match('    setattr(prose, f"x{k}", 1)')
    assert not BOOKKEEPING.match("prose = SimpleNamespace()")
    assert not BOOKKEEPING.match("print(prose.a)")
