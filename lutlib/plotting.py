"""The book's figure style: legible at the width of the book's content column.

Every chapter calls ``use_book_style()`` once, after importing matplotlib. Figures are saved
at ``DPI`` dots per inch, so a figure ``w`` inches wide is ``w * DPI`` pixels wide in the
book; keep it at most ``MAX_WIDTH_IN`` inches, or the page shrinks it and every letter with
it. Fonts are at least ``MIN_FONT_PT`` points, ``MIN_FONT_PT * DPI / 72`` pixels on screen.

>>> import matplotlib.pyplot as plt
>>> use_book_style()
>>> plt.rcParams["figure.dpi"] == DPI and font_px("legend.fontsize") >= MIN_FONT_PX
True
"""
from __future__ import annotations

import re

DPI = 80
"""Dots per inch of every figure in the book (inline output and saved widget frames)."""

COLUMN_PX = 688
"""Width of a code cell's output area in the built book (sphinx-book-theme, 1280 px wide
window, measured with Chromium). Wider images are scaled down to it."""

MAX_WIDTH_IN = COLUMN_PX / DPI
"""Widest figure, in inches, that the book shows at its natural size (8.6 in)."""

MIN_FONT_PT = 10
"""Smallest font size, in points, of any text in a figure."""

MIN_FONT_PX = MIN_FONT_PT * DPI / 72

BOOK_RC = {
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "figure.figsize": (7.0, 3.6),
    "figure.constrained_layout.use": True,
    "font.size": 11,
    "axes.titlesize": 11,
    "axes.labelsize": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10,
    "legend.title_fontsize": 10,
    "figure.titlesize": 12,
    "legend.framealpha": 0.9,
}
"""The rc settings ``use_book_style`` applies."""

_FONT_KEYS = ("font.size", "axes.titlesize", "axes.labelsize", "xtick.labelsize",
              "ytick.labelsize", "legend.fontsize", "legend.title_fontsize", "figure.titlesize")


def use_book_style() -> None:
    """Apply ``BOOK_RC`` to matplotlib's rcParams (call once per chapter)."""
    import matplotlib.pyplot as plt
    plt.rcParams.update(BOOK_RC)


def font_px(key: str) -> float:
    """The current size of rc font setting ``key`` in screen pixels at ``DPI``.

    >>> use_book_style(); round(font_px("font.size"), 1)
    12.2
    """
    import matplotlib.font_manager as fm
    import matplotlib.pyplot as plt
    if key not in _FONT_KEYS:
        raise ValueError(f"{key!r} is not a font-size setting; one of {_FONT_KEYS}")
    size = plt.rcParams[key]
    if isinstance(size, str):        # "medium", "small", "larger" ...
        size = fm.FontProperties(size=size).get_size_in_points()
    return float(size) * plt.rcParams["figure.dpi"] / 72


def smallest_font_px() -> float:
    """The smallest font size of all rc font settings, in pixels."""
    return min(font_px(k) for k in _FONT_KEYS)


# ------------------------------------------------------------- captions and alt text
FIGURE_METADATA_KEY = "lutbook"
"""Key of the output metadata where ``show_figure`` records a figure's caption and alt text;
``scripts/figure_meta.py`` copies it into the cell's ``mystnb`` metadata, which the book reads."""

_FIGURE_NAME = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


def figure_metadata(caption: str, alt: str, name: str | None = None) -> dict:
    """The cell metadata myst-nb needs for a numbered, captioned figure with alt text.

    ``caption``: the takeaway in one sentence (MyST: ``$k$``, roles such as ``{cite}``; an
    f-string for computed numbers). ``alt``: what the figure shows, for a reader who cannot
    see it. ``name``: the label the prose cites with ``{numref}`` (lowercase, digits, hyphens).

    >>> figure_metadata("Wider nets fit faster.", "Steps to fit against width.", "fig-width")
    {'figure': {'caption': 'Wider nets fit faster.', 'name': 'fig-width'}, 'image': {'alt': 'Steps to fit against width.'}}
    """
    for label, text in (("caption", caption), ("alt", alt)):
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"{label} must be a non-empty string; got {text!r}")
    if alt.strip() == caption.strip():
        raise ValueError("alt must describe what the figure shows, not repeat the caption; "
                         f"got the caption twice: {alt!r}")
    figure = {"caption": caption.strip()}
    if name is not None:
        if not isinstance(name, str) or not _FIGURE_NAME.fullmatch(name):
            raise ValueError("name must be lowercase letters and digits joined by hyphens, "
                             f"e.g. 'fig-steps-to-fit'; got {name!r}")
        figure["name"] = name
    return {"figure": figure, "image": {"alt": alt.strip()}}


def show_figure(fig, caption: str, alt: str, name: str | None = None) -> None:
    """Show ``fig`` as the cell's figure, recording its caption and alt text, then close it.

    Call it once per cell, as the cell's only displayed output (printed text is fine), in
    place of ``plt.show()``. The output carries ``figure_metadata(caption, alt, name)``
    under ``FIGURE_METADATA_KEY``; `make execute` (``scripts/figure_meta.py``) then puts
    it where the book reads it (numbered caption, ``alt`` attribute).

    >>> import matplotlib; matplotlib.use("Agg"); import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> show_figure(fig, "A line.", "")
    Traceback (most recent call last):
    ...
    ValueError: alt must be a non-empty string; got ''
    """
    import matplotlib.pyplot as plt
    from IPython.display import display
    from matplotlib.figure import Figure

    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure (plt.subplots() returns one); got {fig!r:.80}")
    meta = figure_metadata(caption, alt, name)
    try:
        display(fig, metadata={FIGURE_METADATA_KEY: meta})
    finally:
        plt.close(fig)        # the inline backend would show it a second time otherwise
