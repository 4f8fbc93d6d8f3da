#!/usr/bin/env python3
"""The chapters' first code cell: install lutlib when, and only when, running on Colab.

    python scripts/colab_cell.py                 # print the cell, built from _config.yml
    python scripts/colab_cell.py --apply NB...   # put it in notebooks (then re-execute them)

Colab has numpy, scikit-learn, numba, matplotlib and ipywidgets, but not lutlib. So every
chapter starts with one code cell that, on Colab only, pip-installs lutlib from the book's
repository (``repository.url`` and ``repository.branch`` in ``_config.yml``: the one setting
a fork changes); the data then come through lutlib's own fetch on the chapter's first
``load_mnist()``. Everywhere else the cell does nothing and prints nothing. The cell is
tagged ``remove-cell`` (the built book hides it) and kept in student notebooks.
``tests/test_colab_cell.py`` checks that every chapter has exactly this cell.

>>> print(cell_source("https://github.com/me/fork", "main").splitlines()[-2])
    LUTLIB = "lutlib[fast,ml] @ git+https://github.com/me/fork@main"
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import atomic  # noqa: E402  (scripts/ is not a package)

CELL_ID = "colab-install"
TAGS = ["remove-cell"]
#: ipywidgets 8 has the ``Stack`` the static widgets use; Colab ships 7.x (see the classroom page).
EXTRA = '"ipywidgets>=8"'

_TEMPLATE = '''\
# On Google Colab only: install lutlib from the book's repository (the data sets are
# fetched by lutlib when a chapter first loads them). Elsewhere this cell does nothing.
import sys

if "google.colab" in sys.modules:
    LUTLIB = "lutlib[fast,ml] @ git+{url}@{branch}"
    %pip install --quiet "{{LUTLIB}}" {extra}'''


def repository(config: Path = ROOT / "_config.yml") -> tuple[str, str]:
    """``(url, branch)`` of ``repository:`` in the book's _config.yml.

    >>> url, branch = repository()
    >>> url.startswith("https://")
    True
    """
    repo = (yaml.safe_load(config.read_text()) or {}).get("repository") or {}
    url, branch = repo.get("url"), repo.get("branch") or "main"
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise ValueError(f"{config}: repository.url must be an http(s) URL; got {url!r}")
    return url.rstrip("/"), str(branch)


def cell_source(url: str | None = None, branch: str | None = None) -> str:
    """The cell's source for a repository (default: the one in _config.yml).

    >>> "%pip install" in cell_source("https://example.org/r", "dev")
    True
    """
    if url is None or branch is None:
        url, branch = repository()
    if any(c in url + branch for c in ' "{}\n'):
        raise ValueError(f"repository URL or branch with a space, quote or brace: {url!r} {branch!r}")
    return _TEMPLATE.format(url=url, branch=branch, extra=EXTRA)


def first_code_index(nb) -> int | None:
    """Index of the first code cell, or None."""
    return next((i for i, c in enumerate(nb.cells) if c.cell_type == "code"), None)


def apply(path: Path, source: str | None = None) -> bool:
    """Put the cell right before the first code cell of notebook `path` (or update it there).

    Returns True if the file changed. Outputs of other cells are untouched: re-execute after.
    """
    source = cell_source() if source is None else source
    nb = nbformat.read(path, as_version=4)
    existing = [i for i, c in enumerate(nb.cells) if c.get("id") == CELL_ID]
    if existing:
        cell = nb.cells[existing[0]]
        if cell.source == source and cell.metadata.get("tags") == TAGS:
            return False
        cell.source, cell.metadata["tags"] = source, list(TAGS)
    else:
        at = first_code_index(nb)
        cell = nbformat.v4.new_code_cell(source, metadata={"tags": list(TAGS)})
        cell.id = CELL_ID
        nb.cells.insert(len(nb.cells) if at is None else at, cell)
    nbformat.validate(nb)
    atomic.write_notebook(nb, path)      # beside the chapter, then renamed: never half a chapter
    return True


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--apply", nargs="+", type=Path, metavar="NB",
                    help="insert or update the cell in these notebooks")
    args = ap.parse_args(argv)
    source = cell_source()
    if not args.apply:
        print(source)
        return 0
    for path in args.apply:
        if not path.is_file() or path.suffix != ".ipynb":
            print(f"error: {path} is not a notebook file", file=sys.stderr)
            return 2
        try:
            changed = apply(path, source)
        except OSError as e:
            print(f"error: {path}: {e.strerror or e} (nothing was written: it is as it was)", file=sys.stderr)
            return 1
        print(f"{path}: {'changed (re-execute it)' if changed else 'already up to date'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
