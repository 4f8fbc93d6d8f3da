"""Sphinx extension: the bibliography page shows which pages cite each work.

When Sphinx reads the page that holds the ``{bibliography}`` directive (``book/bibliography``),
this extension scans every page of the book (markdown and notebooks) for ``{cite}``,
``{cite:t}``, ``{cite:p}`` ... roles and appends a table "work | cited in" to the page's
source, with one row per entry of ``references.bib`` in file order; works no page cites yet
say so. Loaded from ``_config.yml`` (``sphinx.local_extensions``).
"""
from __future__ import annotations

import re
from pathlib import Path

CITE = re.compile(r"\{cite(?::\w+)?\}`([^`]+)`")
BIB_KEY = re.compile(r"^@\w+\s*\{\s*([^,\s]+)\s*,", re.M)
PAGE = "book/bibliography"
HEADING = "## Where each work is cited"


def cited_keys(text: str) -> set[str]:
    """Citation keys used in a page's source text.

    >>> sorted(cited_keys("see {cite}`a2019, b2020` and {cite:t}`c`"))
    ['a2019', 'b2020', 'c']
    """
    return {k.strip() for m in CITE.finditer(text) for k in m.group(1).split(",") if k.strip()}


def bib_keys(text: str) -> list[str]:
    """Entry keys of a BibTeX file, in file order.

    >>> bib_keys("@book{x2000,\\n title={T}}\\n@misc{y, note={}}")
    ['x2000', 'y']
    """
    return BIB_KEY.findall(text)


def citations_table(keys, cited_in) -> str:
    """The MyST markdown appended to the bibliography page."""
    lines = [HEADING, "", "| work | cited in |", "| --- | --- |"]
    for key in keys:
        docs = cited_in.get(key, [])
        where = ", ".join(f"{{doc}}`/{d}`" for d in docs) if docs else "not cited yet"
        lines.append(f"| {{cite:t}}`{key}` | {where} |")
    return "\n".join(lines) + "\n"


def _source_read(app, docname, source):
    if docname != PAGE:
        return
    env = app.env
    cited_in: dict[str, list[str]] = {}
    for doc in sorted(env.found_docs):
        if doc == PAGE:
            continue
        path = Path(env.doc2path(doc))
        if not path.is_file():
            continue
        for key in sorted(cited_keys(path.read_text(encoding="utf-8"))):
            cited_in.setdefault(key, []).append(doc)
    keys: list[str] = []
    for bib in app.config.bibtex_bibfiles:
        keys += bib_keys((Path(app.srcdir) / bib).read_text(encoding="utf-8"))
    source[0] = source[0].rstrip("\n") + "\n\n" + citations_table(keys, cited_in)


def setup(app):
    app.connect("source-read", _source_read)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
