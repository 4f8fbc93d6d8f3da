"""Give each figure shown with ``lutlib.plotting.show_figure`` its caption and alt text in the book.

``show_figure(fig, caption, alt, name)`` records the caption (computed when the chapter
runs, so its numbers are the run's), the alt text and the figure's name in the metadata of
its output. myst-nb reads them from the *cell's* metadata (``mystnb: figure: {caption,
name}`` and ``mystnb: image: {alt}``), which a running cell cannot write. ``apply`` copies
them there: `make execute` (scripts/execute.py) calls it after each run. For a chapter run
some other way (saved from JupyterLab), run this script:

    python scripts/figure_meta.py notebooks/06_closer_look.ipynb
    python scripts/figure_meta.py --check notebooks/*.ipynb         # exit 1 if one is stale

A notebook is rewritten (atomically) only when something changed. myst-nb wraps every
displayed output of a captioned cell in the figure, so a cell with a recorded figure must
display nothing else (printed text is fine): the script refuses otherwise.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
import atomic  # noqa: E402  (scripts/ is not a package)

KEY = "lutbook"           # lutlib.plotting.FIGURE_METADATA_KEY (not imported: no lutlib needed)
DISPLAYED = ("display_data", "execute_result")


def recorded_figure(cell) -> dict | None:
    """The ``figure_metadata`` that ``show_figure`` left in ``cell``'s outputs, or None.

    >>> out = nbformat.v4.new_output("display_data", data={"text/plain": "<Figure>"},
    ...                              metadata={KEY: {"figure": {"caption": "C."}}})
    >>> recorded_figure(nbformat.v4.new_code_cell("show()", outputs=[out]))
    {'figure': {'caption': 'C.'}}
    """
    displayed = [o for o in cell.get("outputs", []) if o.get("output_type") in DISPLAYED]
    recorded = [o for o in displayed if KEY in o.get("metadata", {})]
    if not recorded:
        return None
    if len(displayed) > 1:
        raise ValueError(f"cell {cell.get('id', '?')!r} displays {len(displayed)} outputs and "
                         f"{len(recorded)} of them are captioned figures: the caption would wrap "
                         "them all. Show one figure per cell and the rest in another cell.")
    return recorded[0]["metadata"][KEY]


def apply(nb) -> list[str]:
    """Copy every recorded caption and alt text into its cell's ``mystnb`` metadata.

    Returns the ids of the cells that changed (empty: the notebook is up to date).
    """
    changed = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        meta = recorded_figure(cell)
        if meta is None:
            continue
        mystnb = cell.metadata.setdefault("mystnb", {})
        if any(mystnb.get(part) != meta.get(part) for part in ("figure", "image")):
            mystnb["figure"], mystnb["image"] = dict(meta["figure"]), dict(meta["image"])
            changed.append(cell.get("id", "?"))
    return changed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 if a notebook's figure metadata is stale")
    args = parser.parse_args(argv)
    stale = 0
    for path in args.notebooks:
        nb = nbformat.read(path, as_version=4)
        try:
            changed = apply(nb)
        except ValueError as e:
            print(f"{path}: {e}", file=sys.stderr)
            return 2
        if changed and args.check:
            stale += 1
            print(f"{path}: figure metadata out of date in cells {', '.join(changed)}; "
                  f"run: python scripts/figure_meta.py {path}")
        elif changed:
            atomic.write_notebook(nb, path)
            print(f"{path}: caption and alt text set in cells {', '.join(changed)}")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
