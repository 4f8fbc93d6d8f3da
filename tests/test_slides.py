"""scripts/make_slides.py (and slides_plan.py, slides_myst.py): where slides break, what is left
out, and MyST made plain.

The decks themselves are opened in Chromium by tests/browser/test_slides.py.
"""
from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import make_slides as ms  # noqa: E402
import slides_myst as my  # noqa: E402
import slides_plan as sp  # noqa: E402
from slides_myst import SlidesError  # noqa: E402


def md(src, tags=(), **meta):
    cell = nbformat.v4.new_markdown_cell(src)
    if tags:
        cell.metadata["tags"] = list(tags)
    cell.metadata.update(meta)
    return cell


def code(src, outputs=(), tags=()):
    cell = nbformat.v4.new_code_cell(src)
    cell.outputs = [nbformat.from_dict(o) for o in outputs]
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def stream(lines):
    return {"output_type": "stream", "name": "stdout", "text": "".join(f"{i}\n" for i in range(lines))}


def png(w, h):
    import base64
    import struct
    head = b"\x89PNG\r\n\x1a\n" + b"\0\0\0\rIHDR" + struct.pack(">II", w, h) + b"\0" * 8
    return {"output_type": "display_data", "metadata": {},
            "data": {"image/png": base64.b64encode(head).decode(), "text/plain": "<Figure>"}}


def plan(*cells):
    nb = nbformat.v4.new_notebook(cells=list(cells))
    return sp.slide_types(sp.pieces_of(nb))


def types(pieces):
    return [p.slide_type for p in pieces]


# ---- slide types -----------------------------------------------------------------------------

def test_headings_make_slides_and_subslides():
    p = plan(md("# Title\n\nIntro."), md("## Section\n\nText."), code("x = 1"),
             md("### Part\n\nMore."), md("Plain text."))
    assert types(p) == ["slide", "slide", "-", "subslide", "-"]


def test_a_cell_is_cut_at_each_heading():
    p = plan(md("# Title\n\nIntro.\n\n## A\n\nText a.\n\n### B\n\nText b."))
    assert [(x.source.split("\n")[0], x.slide_type) for x in p] == [
        ("# Title", "slide"), ("## A", "slide"), ("### B", "subslide")]


def test_tag_overrides_metadata_overrides_default():
    p = plan(md("# T"), md("## S", tags=["slides-continue"]),
             md("text", slideshow={"slide_type": "subslide"}),
             md("## Other", tags=["slides-fragment"], slideshow={"slide_type": "skip"}))
    assert types(p) == ["slide", "-", "subslide", "fragment"]
    assert [x.forced for x in p] == [False, True, True, True]


@pytest.mark.parametrize("tags, message", [
    (["slides-side"], "unknown slide tag 'slides-side'"),
    (["slides-slide", "slides-skip"], "several slide tags"),
])
def test_bad_slide_tags_are_refused(tags, message):
    with pytest.raises(SlidesError, match=message):
        plan(md("# T"), md("x", tags=tags))


def test_bad_slide_type_metadata_is_refused():
    with pytest.raises(SlidesError, match="slideshow.slide_type 'slid'"):
        plan(md("# T"), md("x", slideshow={"slide_type": "slid"}))


def test_what_does_not_fit_starts_a_subslide():
    p = plan(md("# T"), code("plot()", [png(688, 250)]), code("plot()", [png(688, 250)]))
    assert types(p) == ["slide", "-", "subslide"]
    assert all(x.height <= sp.BUDGET for x in p)


def test_long_markdown_is_cut_between_paragraphs():
    paragraphs = [f"Paragraph {i} " + "word " * 40 for i in range(12)]
    p = plan(md("# T"), md("## Long\n\n" + "\n\n".join(paragraphs)))
    assert len(p) >= 4
    assert all(x.height <= sp.BUDGET for x in p)
    assert types(p)[1] == "slide" and set(types(p)[2:]) == {"subslide"}
    # nothing lost, nothing repeated
    text = "\n\n".join(x.source for x in p[1:])
    assert all(text.count(f"Paragraph {i} ") == 1 for i in range(12))


def test_a_long_tight_list_is_cut_between_items_and_stays_tight():
    items = [f"{i}. item {i} " + "word " * 30 for i in range(1, 13)]
    p = plan(md("# T"), md("## Summary\n\n" + "\n".join(items)))
    assert len(p) >= 3 and all(x.height <= sp.BUDGET for x in p)
    for x in p[1:]:
        body = x.source.replace("## Summary\n\n", "")
        assert "\n\n" not in body            # still a tight list: no blank line between items
    assert p[2].source.split(" ")[0].rstrip(".").isdigit()    # numbering goes on (e.g. "7.")


def test_an_equation_stays_with_its_sentence():
    filler = "\n\n".join("Filler " + "word " * 80 for _ in range(2))
    p = plan(md("# T"), md(f"## S\n\n{filler}\n\nThe entropy is\n\n$$\nH = 1\n$$\n\nin bits."))
    chunk = next(x.source for x in p if "$$" in x.source)
    assert "The entropy is" in chunk and "in bits." in chunk


def test_fences_and_display_math_are_never_cut():
    body = "$$\n" + "\n\n".join(f"x_{i}" for i in range(40)) + "\n$$"
    blocks = sp.split_blocks("Intro\n\n" + body + "\n\n```{note}\na\n\nb\n```")
    assert [b.kind for b in blocks] == ["text", "math", "fence"]
    assert blocks[1].text == body


def test_code_too_tall_for_one_slide_puts_outputs_after_it():
    p = plan(md("# T"), code("\n".join(f"line{i}" for i in range(12)),
                            [png(688, 400), stream(10), png(688, 400)]))
    assert p[1].show_input and not p[1].show_output
    assert all(not x.show_input and x.show_output for x in p[2:]) and len(p) >= 4
    assert all(x.height <= sp.BUDGET for x in p[1:])
    assert sorted(k for x in p[2:] for k in x.outputs) == [0, 1, 2]


def test_lead_in_goes_with_what_it_introduces():
    p = plan(md("# T"), code("plot()", [png(688, 250)]), md("The whole sweep:"),
             code("plot()", [png(688, 250)]))
    assert types(p) == ["slide", "-", "subslide", "-"]


# ---- what is shown ----------------------------------------------------------------------------

def test_removed_cells_and_solutions_are_left_out():
    cells = [md("# T"), code("secret_setup()", tags=["remove-cell"]),
             md("```{exercise} E\n:label: ex-a\n\nDo it.\n```"),
             md("\n````{solution-start} ex-a\n:class: dropdown\n````\nGated answer", tags=["solution"]),
             code("# Solution\nanswer = 42", tags=["solution"]),
             md("More gated answer\n````{solution-end}\n````", tags=["solution"]),
             md("Before.\n\n````{solution} ex-a\n:class: dropdown\n\nInline answer\n````\n\nAfter."),
             code("tagged_answer()", tags=["solution"])]
    shown = "\n".join(x.source for x in plan(*cells))
    for secret in ("secret_setup", "Gated answer", "answer = 42", "More gated", "Inline answer",
                   "tagged_answer", "{solution"):
        assert secret not in shown
    assert "Do it." in shown and "Before." in shown and "After." in shown


def test_unclosed_gate_is_an_error():
    with pytest.raises(SlidesError, match="solution-start"):
        plan(md("# T"), md("````{solution-start} ex-a\n````"))


def test_display_tags_and_instructor_notes():
    p = plan(md("# T"), code("prose.x = 1", [stream(1)], tags=["remove-input"]),
             code("show()", [stream(1)], tags=["hide-output"]),
             md("Say this slowly.", tags=["instructor", "remove-cell"]),
             code("quiet = 1"))
    assert [(x.show_input, x.show_output) for x in p[1:3]] == [(False, True), (True, False)]
    assert p[3].slide_type == "notes" and p[3].height > 0
    # a code cell with no output is shown (its code), a cell that shows nothing is dropped
    assert p[4].source == "quiet = 1"
    assert len(plan(md("# T"), code("x = 1", tags=["remove-input"]))) == 1


def test_nbval_comment_is_not_shown():
    assert sp.strip_bookkeeping("# nbval-ignore-output: timing\n# varies\nimport time\n# keep") == \
        "import time\n# keep"
    assert sp.strip_bookkeeping("# a normal comment\nx = 1") == "# a normal comment\nx = 1"


# ---- MyST ------------------------------------------------------------------------------------

def saved(expr, text_plain, status="ok"):
    result = {"status": status, "data": {"text/plain": text_plain}}
    if status != "ok":
        result = {"status": status, "ename": "NameError", "evalue": "name 'prose' is not defined"}
    return {"expression": expr, "result": result}


REFS = my.Refs(cites={"chatterjee2018learning": "Chatterjee 2018",
                      "zhang2017understanding": "Zhang et al. 2017"},
               docs={"02_lookup_table": "A single lookup table"},
               labels={"ex-a": "Exercise 3.1", "sec-x": "Why it matters"})


def test_eval_shows_the_saved_value():
    out = my.render_myst('Accuracy {eval}`f"{prose.acc:.3f}"`, n = {eval}`f"{prose.n:,}"`.',
                         [saved('f"{prose.acc:.3f}"', "'0.876'"), saved('f"{prose.n:,}"', "'60,000'")], REFS)
    assert out == "Accuracy 0.876, n = 60,000."


@pytest.mark.parametrize("entry, message", [
    ([], "has no saved result"),
    ([saved("x", "", status="error")], "failed when the notebook ran: NameError"),
])
def test_eval_without_a_result_is_an_error(entry, message):
    with pytest.raises(SlidesError, match=message):
        my.render_myst("{eval}`x`", entry, REFS, "nb cell 3")


def test_citations_references_and_targets():
    out = my.render_myst("(sec-x)=\n## Head\n\n{cite:t}`chatterjee2018learning` and "
                         "{cite}`chatterjee2018learning,zhang2017understanding`; see "
                         "{doc}`02_lookup_table`, {doc}`the table <02_lookup_table>`, {ref}`ex-a`, "
                         "{ref}`sec-x` and {ref}`this <sec-x>`.", [], REFS)
    assert out == ("\n## Head\n\nChatterjee [2018] and [Chatterjee, 2018; Zhang et al., 2017]; see "
                   "*A single lookup table*, *the table*, Exercise 3.1, Why it matters and this.")


@pytest.mark.parametrize("src, message", [
    ("{cite}`nobody2000`", "unknown citation key 'nobody2000'"),
    ("{doc}`99_missing`", "no such page"),
    ("{ref}`ex-missing`", "no such label"),
])
def test_unknown_targets_are_errors(src, message):
    with pytest.raises(SlidesError, match=message):
        my.render_myst(src, [], REFS)


def test_directives_become_boxes_and_math_is_left_to_mathjax():
    src = ("```{admonition} Learning objectives\n:class: tip\n\n1. one $x$\n2. two\n```\n\n"
           "```{note}\nA note with $\\text{err}(f)$.\n```\n\n"
           "```{exercise} Hard digits\n:label: ex-a\n\nCompute $\\{0,1\\}^k$.\n```\n\n"
           "$$\n\\text{gap} = a - b\n$$")
    out = my.render_myst(src, [], REFS)
    assert '<div class="admonition tip">\n<p class="admonition-title">Learning objectives</p>' in out
    assert '<div class="admonition note">\n<p class="admonition-title">Note</p>' in out
    assert '<p class="admonition-title">Exercise 3.1: Hard digits</p>' in out
    assert "$\\text{err}(f)$" in out and "$\\{0,1\\}^k$" in out and "\\text{gap} = a - b" in out
    for raw in ("```", "{admonition}", "{note}", "{exercise}", ":label:", ":class:"):
        assert raw not in out
    # one HTML block per box: a blank line inside would end it before its body
    box = out[out.index('<div class="admonition tip">'):]
    assert "\n\n" not in box[:box.index("</div>")]


def test_unclosed_directive_is_an_error():
    with pytest.raises(SlidesError, match="unclosed"):
        sp.split_blocks("```{note}\nnever closed")


def test_refs_read_from_the_book():
    docs, chapters = ms.toc_docs(ROOT / "_toc.yml")
    refs = my.read_refs(docs)
    assert refs.cites["chatterjee2018learning"] == "Chatterjee 2018"
    first = Path(chapters[0]).name
    assert refs.docs[first]
    # exercises numbered as in the book: chapter 1 is the toc's first notebook
    assert any(v.startswith("Exercise 1.") for v in refs.labels.values())


def test_remote_references_are_found():
    page = ('<a href="https://example.org">link</a><script src="https://cdn.x/r.js"></script>'
            '<link rel="stylesheet" href="//fonts.x/css"><style>@import "https://f.x/a.css";'
            'b{background:url(http://x/y.png)}</style><img src="data:image/png;base64,AA">')
    found = ms.remote_references(page)
    assert len(found) == 4 and not any("example.org" in f for f in found)


# ---- the decks -------------------------------------------------------------------------------

def test_deck_html_is_offline_and_has_the_slides(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[
        md("# Title\n\nIntro with $x^2$ and {eval}`x`.", user_expressions=[saved("x", "'7'")]),
        md("## Two"), code("print(1)", [stream(2)]), md("### Three"), code("plot()", [png(688, 300)]),
        md("Tell them about $k$.", tags=["instructor", "remove-cell"])])
    deck = ms.deck_notebook(nb, REFS, "demo")
    page = ms.export(deck, "demo")
    assert ms.remote_references(page) == []
    assert page.count("<section") == 2 + 3          # two slides: one alone, one with 2 sub-slides
    assert "Intro with $x^2$ and 7." in page and "{eval" not in page
    notes = page[page.index('<aside class="notes">'):]
    assert "Tell them about $k$." in notes[:notes.index("</aside>")]   # speaker notes
    assert 'src="_vendor/reveal.js/reveal.js"' in page and 'src="_vendor/mathjax/tex-chtml.js"' in page
    assert f"width: {sp.SLIDE_WIDTH}," in page and f"height: {sp.SLIDE_HEIGHT}," in page
    img = page[page.index("<img"):].split(">")[0]
    assert 'width="963"' in img and 'height="420"' in img   # the figure enlarged for the slide


def test_doctests():
    import doctest
    for module in (ms, sp, my):
        assert doctest.testmod(module).failed == 0, module.__name__


def test_vendor_needs_make_vendor(tmp_path):
    with pytest.raises(SlidesError, match="make vendor"):
        ms.vendor(tmp_path / "nothing", tmp_path / "out")


@pytest.mark.parametrize("chapter", ms.toc_docs(ROOT / "_toc.yml")[1])
def test_every_chapter_makes_a_deck_without_raw_myst(chapter):
    docs, _ = ms.toc_docs(ROOT / "_toc.yml")
    refs = my.read_refs(docs)
    nb = nbformat.read(ROOT / f"{chapter}.ipynb", as_version=4)
    deck = ms.deck_notebook(nb, refs, Path(chapter).name)
    shown = [c for c in deck.cells if c.metadata["slideshow"]["slide_type"] != "skip"]
    assert deck.cells[0].metadata["slideshow"]["slide_type"] == "slide"
    for c in shown:
        if c.cell_type == "markdown":
            for raw in ("{eval", "{cite", "{doc}", "{ref}", "```{", ":::{", "{solution"):
                assert raw not in c.source, f"{chapter}: {raw} left in {c.source[:80]!r}"
    # every # / ## heading the deck shows starts a slide, every ### a sub-slide, and nothing else
    # starts a slide
    for c in shown:
        level = sp.heading_level(c.source) if c.cell_type == "markdown" else 0
        st = c.metadata["slideshow"]["slide_type"]
        if st == "notes":
            continue
        assert (st == "slide") == (1 <= level <= 2), (chapter, st, c.source[:60])
        if level == 3:
            assert st == "subslide", (chapter, c.source[:60])
    headings = [line for c in nb.cells if c.cell_type == "markdown"
                and not {"remove-cell", "solution"} & set(c.metadata.get("tags", []))
                for line in c.source.split("\n") if line.startswith(("# ", "## "))]
    assert sum(c.metadata["slideshow"]["slide_type"] == "slide" for c in shown) == len(headings)


def _vendor_src(tmp_path):
    src = tmp_path / "vendor"
    for rel in ("reveal.js/reveal.js", "mathjax/tex-chtml.js", "mathjax/es5-combined-unused.js",
                "requirejs/require.js", "html-manager/embed-amd.js", "widgets-config.js"):
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_text("//")
    return src


def _book(tmp_path, chapters=("01_a", "02_b")):
    root = tmp_path / "book"
    (root / "notebooks").mkdir(parents=True)
    for name in chapters:
        nb = nbformat.v4.new_notebook(cells=[md(f"# Chapter {name}\n\nText.")])
        nbformat.write(nb, root / "notebooks" / f"{name}.ipynb")
    toc = root / "_toc.yml"
    toc.write_text("root: intro\nparts:\n- caption: Chapters\n  chapters:\n"
                   + "".join(f"  - file: notebooks/{n}\n" for n in chapters))
    return toc


def test_build_writes_decks_index_and_vendor(tmp_path):
    out = tmp_path / "slides"
    written = ms.build(out, _vendor_src(tmp_path), _book(tmp_path))
    assert sorted(p.name for p in written) == ["01_a.html", "02_b.html"]
    assert (out / "index.html").read_text().count("<li>") == 2
    assert (out / "_vendor/mathjax/tex-chtml.js").is_file()
    assert not (out / "_vendor/mathjax/es5-combined-unused.js").exists()   # trimmed


def test_build_refuses_a_folder_it_did_not_make(tmp_path):
    out = tmp_path / "html"
    (out / "_vendor").mkdir(parents=True)
    (out / "index.html").write_text("the book")
    with pytest.raises(SlidesError, match="not made by make_slides.py"):
        ms.build(out, _vendor_src(tmp_path), _book(tmp_path))
    assert (out / "index.html").read_text() == "the book" and (out / "_vendor").is_dir()


def test_build_removes_decks_of_chapters_gone_from_the_toc(tmp_path):
    out, src = tmp_path / "slides", _vendor_src(tmp_path)
    ms.build(out, src, _book(tmp_path))
    toc = tmp_path / "book" / "_toc.yml"
    toc.write_text(toc.read_text().replace("  - file: notebooks/02_b\n", ""))
    ms.build(out, src, toc)
    assert sorted(p.name for p in out.glob("*.html")) == ["01_a.html", "index.html"]


def test_unknown_chapter_name_is_an_error(tmp_path):
    with pytest.raises(SlidesError, match="not a chapter of _toc.yml: 03_typo"):
        ms.build(tmp_path / "slides", _vendor_src(tmp_path), _book(tmp_path), only=["03_typo"])
    assert ms.main(["03_typo", "--out", str(tmp_path / "s2"), "--vendor", str(_vendor_src(tmp_path)),
                    "--toc", str(tmp_path / "book" / "_toc.yml")]) == 1


# ---- never over someone's work ----------------------------------------------------------------

def _build_twice(tmp_path, between, only=None):
    out, src, toc = tmp_path / "slides", _vendor_src(tmp_path), _book(tmp_path)
    ms.build(out, src, toc)
    between(out)
    return lambda: ms.build(out, src, toc, only)


def test_build_never_overwrites_an_edited_deck(tmp_path):
    again = _build_twice(tmp_path, lambda out: (out / "01_a.html").write_text("my version of the deck"))
    with pytest.raises(SlidesError, match=r"01_a.html was added or changed since make_slides.py wrote"):
        again()
    assert (tmp_path / "slides" / "01_a.html").read_text() == "my version of the deck"


def test_build_never_deletes_files_added_to_vendor(tmp_path):
    again = _build_twice(tmp_path, lambda out: (out / "_vendor" / "my-theme.css").write_text("h1 {}"))
    with pytest.raises(SlidesError, match=r"_vendor/my-theme.css was added or changed"):
        again()
    assert (tmp_path / "slides" / "_vendor" / "my-theme.css").read_text() == "h1 {}"


def test_build_never_overwrites_an_edited_index(tmp_path):
    again = _build_twice(tmp_path, lambda out: (out / "index.html").write_text("<title>lutbook: slides</title> mine"))
    with pytest.raises(SlidesError, match=r"index.html was added or changed"):
        again()


def test_a_deck_of_someone_else_in_the_way_is_refused(tmp_path):
    out, src, toc = tmp_path / "slides", _vendor_src(tmp_path), _book(tmp_path)
    ms.build(out, src, toc, only=["02_b"])
    (out / "01_a.html").write_text("a deck someone put here")
    (out / "notes.html").write_text("not a chapter's name: left alone")
    with pytest.raises(SlidesError, match=r"in .*slides, 01_a.html was added or changed"):
        ms.build(out, src, toc)
    assert (out / "01_a.html").read_text() == "a deck someone put here"
    ms.build(out, src, toc, only=["02_b"])
    assert (out / "notes.html").read_text() == "not a chapter's name: left alone"


def test_a_run_for_some_chapters_keeps_the_other_decks_in_the_index(tmp_path):
    again = _build_twice(tmp_path, lambda out: None, only=["02_b"])
    written = again()
    assert [p.name for p in written] == ["02_b.html"]
    index = (tmp_path / "slides" / "index.html").read_text()
    assert index.count("<li>") == 2 and "01_a.html" in index and "02_b.html" in index
    assert index.index("01_a.html") < index.index("02_b.html")            # in the book's order


def test_the_record_holds_what_is_on_disk_and_a_second_run_accepts_it(tmp_path):
    import hashlib
    import json
    out = tmp_path / "slides"
    again = _build_twice(tmp_path, lambda out: None)
    record = json.loads((out / ".make_slides.json").read_text())
    for name in ("01_a", "02_b"):
        assert record["decks"][name]["sha256"] == hashlib.sha256((out / f"{name}.html").read_bytes()).hexdigest()
    assert record["index"] == hashlib.sha256((out / "index.html").read_bytes()).hexdigest()
    assert record["pending"] == {}
    again()
    assert sorted(p.name for p in out.iterdir()) == [".make_slides.json", "01_a.html", "02_b.html", "_vendor",
                                                     "index.html"]


def test_an_earlier_record_without_hashes_is_accepted(tmp_path):
    out, src, toc = tmp_path / "slides", _vendor_src(tmp_path), _book(tmp_path)
    out.mkdir()
    (out / ".make_slides.json").write_text('{"decks": ["01_a", "02_b"]}')
    (out / "01_a.html").write_text("old deck")
    assert len(ms.build(out, src, toc)) == 2
    assert "old deck" not in (out / "01_a.html").read_text()


@pytest.mark.parametrize("toc_text, message", [
    (None, "--toc .*missing.yml: no such file"),
    ("parts: [", "is not a jupyter-book table of contents"),
    ("- just a list", "is not a jupyter-book table of contents"),
])
def test_a_missing_or_bad_toc_is_a_clear_error(tmp_path, capsys, toc_text, message):
    toc = tmp_path / "missing.yml"
    if toc_text is not None:
        toc.write_text(toc_text)
    code = ms.main(["--toc", str(toc), "--out", str(tmp_path / "s"), "--vendor", str(_vendor_src(tmp_path))])
    assert code == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and err.startswith("make_slides: ")
    import re
    assert re.search(message, err), err
    assert not (tmp_path / "s").exists()


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="runs builds in forked processes")
def test_a_build_killed_at_any_rename_leaves_a_state_the_next_build_accepts(tmp_path, monkeypatch):
    """SIGTERM right after each rename (os.replace, and os.rename of the _vendor/ swap) of a
    rebuild over an earlier one; the next build must succeed and give the same files."""
    import os
    import signal
    monkeypatch.setattr(os, "fsync", lambda fd: None)          # the order matters here, not the disk

    def build_in_child(out, src, toc, kill_at=0):
        pid = os.fork()
        if pid == 0:
            code = 70
            try:
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                calls = [0]
                for name in ("replace", "rename"):
                    def renamed(a, b, _real=getattr(os, name)):
                        _real(a, b)
                        calls[0] += 1
                        if calls[0] == kill_at:
                            os.kill(os.getpid(), signal.SIGTERM)
                    setattr(os, name, renamed)
                ms.build(out, src, toc)
                (out.parent / f"{out.name}.renames").write_text(str(calls[0]))
                code = 0
            finally:
                os._exit(code)
        return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])

    src, toc = _vendor_src(tmp_path), _book(tmp_path, chapters=("01_a",))
    expected = tmp_path / "expected"
    assert build_in_child(expected, src, toc) == 0
    n = int((tmp_path / "expected.renames").read_text())
    files = sorted(p.relative_to(expected).as_posix() for p in expected.rglob("*") if p.is_file())
    assert n >= 6
    for at in range(1, n + 1):
        out = tmp_path / f"k{at}"
        assert build_in_child(out, src, toc) == 0
        (src / "widgets-config.js").write_text(f"// version {at}")      # so _vendor/ is replaced too
        assert build_in_child(out, src, toc, kill_at=at) == -signal.SIGTERM
        assert build_in_child(out, src, toc) == 0, at
        assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == files, at
        assert (out / "_vendor" / "widgets-config.js").read_text() == f"// version {at}"
