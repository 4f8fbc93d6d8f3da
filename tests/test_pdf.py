"""The book as one PDF (`make pdf`, scripts/make_pdf.py).

The tests of the PDF itself skip when `_build/lutbook.pdf` was not built (`make pdf`), unless
LUTBOOK_REQUIRE_PDF=1, when they fail. The others check the pieces on small inputs.
"""
from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "scripts"), str(ROOT / "_ext")]
import lutbook_singlehtml  # noqa: E402
import make_pdf  # noqa: E402

pypdf = pytest.importorskip("pypdf", reason="pypdf is in the dev extra: pip install -e '.[dev]'")

PDF = Path(os.environ.get("LUTBOOK_PDF", ROOT / "_build" / "lutbook.pdf"))
RAW_MYST = ("{eval}", "{cite", "{doc}", "{ref}", "{numref}", ":::", "```{", "$$", "\\frac", "\\mathrm")


def chapters() -> list[tuple[str, str]]:
    """(notebook, title) of every chapter of _toc.yml, titles from each notebook's first # line."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    out = []
    for part in toc["parts"]:
        for entry in part["chapters"]:
            path = ROOT / f"{entry['file']}.ipynb"
            if path.exists():
                cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
                text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
                out.append((entry["file"], re.search(r"^# (.+)$", text, re.M).group(1).strip()))
    return out


def shown_figures() -> int:
    """Saved figures (image/png outputs) of the chapters' cells that the book shows."""
    hidden = {"remove-cell", "remove-output", "hide-output"}
    n = 0
    for nb, _ in chapters():
        for cell in json.loads((ROOT / f"{nb}.ipynb").read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] == "code" and not hidden & set(cell["metadata"].get("tags", [])):
                n += sum("image/png" in o.get("data", {}) for o in cell.get("outputs", []))
    return n


# ---- the pieces ------------------------------------------------------------------------------

def test_config_for_the_one_page_build(tmp_path):
    config = make_pdf.singlehtml_config(ROOT / "_config.yml", tmp_path)
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    local = data["sphinx"]["local_extensions"]
    original = yaml.safe_load((ROOT / "_config.yml").read_text())["sphinx"]["local_extensions"]
    assert set(local) == set(original) | {"lutbook_singlehtml"}
    assert all(Path(p).is_absolute() and Path(p).is_dir() for p in local.values())
    assert not list(tmp_path.glob("*.tmp"))


def test_singlehtml_gets_the_html_handlers_it_lacks():
    class Registry:
        translation_handlers = {"html": {"a": 1, "b": 2}, "singlehtml": {"b": 3}}
    assert lutbook_singlehtml.add_html_handlers(Registry()) == ["a"]
    assert Registry.translation_handlers["singlehtml"] == {"b": 3, "a": 1}   # its own kept


def _pdf_with_outline(path, titles):
    writer = pypdf.PdfWriter()
    for _ in titles:
        writer.add_blank_page(100, 100)
    parent = None
    for i, t in enumerate(titles):
        item = writer.add_outline_item(title=t, page_number=i, parent=parent)
        parent = parent or item            # the first is the parent of the others
    with open(path, "wb") as f:
        writer.write(f)


def test_outline_takes_the_headings_text(tmp_path):
    pdf = tmp_path / "a.pdf"
    _pdf_with_outline(pdf, ["Book", "1.1. SummarySummary", "Varying  "])
    assert make_pdf.name_outline(pdf, ["Book", "1.1. Summary", "Varying k"]) == 3
    reader = pypdf.PdfReader(str(pdf))
    assert [e["/Title"] for e in make_pdf.outline_entries(reader.trailer["/Root"]["/Outlines"])] == \
        ["Book", "1.1. Summary", "Varying k"]


def test_outline_is_left_alone_when_the_counts_differ(tmp_path, capsys):
    pdf = tmp_path / "a.pdf"
    _pdf_with_outline(pdf, ["Book", "Two"])
    assert make_pdf.name_outline(pdf, ["Book"]) == 0
    assert "2 entries for 1 headings" in capsys.readouterr().err


def test_out_must_be_a_pdf(capsys):
    assert make_pdf.main(["--out", "book.html", "--no-build"]) == 2
    assert "--out must end in .pdf" in capsys.readouterr().err


def test_doctests():
    import doctest
    for module in (make_pdf, lutbook_singlehtml):
        assert doctest.testmod(module).failed == 0, module.__name__


# ---- the PDF ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def book_pdf():
    if not PDF.is_file():
        if os.environ.get("LUTBOOK_REQUIRE_PDF") == "1":
            pytest.fail(f"no {PDF} (LUTBOOK_REQUIRE_PDF=1)")
        pytest.skip(f"no {PDF}: run `make pdf` to build it")
    return pypdf.PdfReader(str(PDF))


@pytest.fixture(scope="module")
def book_text(book_pdf):
    """Each page's text, and its text outside code (not in a monospace font): code may
    mention MyST, prose may not."""
    pages = []
    for page in book_pdf.pages:
        prose = []

        def visit(text, cm, tm, font, size, prose=prose):
            if font is not None and "Mono" not in str(font.get("/BaseFont", "")):
                prose.append(text)
        pages.append((page.extract_text(visitor_text=visit) or "", "".join(prose)))
    return pages


def test_the_pdf_opens_and_has_pages(book_pdf):
    assert len(book_pdf.pages) > 10 * len(chapters())       # every chapter is several pages


def test_outline_lists_every_chapter(book_pdf):
    titles = [str(e["/Title"]) for e in make_pdf.outline_entries(book_pdf.trailer["/Root"]["/Outlines"])]
    top = [str(e.title) for e in book_pdf.outline if not isinstance(e, list)]
    for k, (nb, title) in enumerate(chapters(), start=1):
        assert f"{k}. {title}" in top, f"{nb}: '{k}. {title}' is not a top-level outline entry"
    assert "Bibliography" in top
    assert not [t for t in titles if re.search(r"(.{6,})\1", t)], "an outline entry repeats itself"


def test_every_chapter_starts_a_page(book_pdf, book_text):
    for k, (nb, title) in enumerate(chapters(), start=1):
        entry = next(e for e in book_pdf.outline if not isinstance(e, list) and e.title == f"{k}. {title}")
        page = book_text[book_pdf.get_destination_page_number(entry)][0]
        assert page.lstrip().startswith(f"{k}."), f"{nb}: its page starts with {page[:60]!r}"


def test_no_raw_myst_or_tex(book_text):
    for n, (_, text) in enumerate(book_text, start=1):
        for raw in RAW_MYST:
            assert raw not in text, f"page {n}: {raw!r} in {text[max(0, text.find(raw) - 60):][:140]!r}"


def test_figures_citations_and_bibliography(book_pdf, book_text):
    images = sum(len(page.images) for page in book_pdf.pages)
    assert images >= shown_figures(), f"{images} images in the PDF, the chapters show {shown_figures()}"
    text = "\n".join(full for full, _ in book_text)
    assert re.search(r"Chatterjee\s*\[?2018", text)          # a citation in the text
    bib = text[text.rindex("Bibliography"):]
    assert "Learning and memorization" in bib                 # an entry of references.bib


def test_no_build_without_a_one_page_build_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)                    # relative paths, as the Makefile passes them
    assert make_pdf.main(["--out", "book.pdf", "--work", "pdf-src", "--no-build"]) == 1
    assert "run without --no-build first" in capsys.readouterr().err
    assert not (tmp_path / "book.pdf").exists()
