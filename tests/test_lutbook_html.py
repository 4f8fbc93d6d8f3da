"""_ext/lutbook_html.py: the accessible names it gives the theme's HTML (see tests/browser/test_axe.py)."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "_ext"))

import lutbook_html  # noqa: E402

NAV = ('<li><a class="reference internal" href="a.html">Set-up</a></li>'
       '<li class="has-children"><a class="reference internal" href="g.html">Instructor &amp; '
       'guide</a><details open="open"><summary><span class="toctree-toggle" role="presentation">'
       '<i class="fa-solid fa-chevron-down"></i></span></summary><ul></ul></details></li>')


def test_sidebar_toggles_are_named_after_their_section():
    named = lutbook_html.name_nav_toggles(NAV)
    assert '<summary aria-label="Instructor &amp; guide pages">' in named
    assert "<summary>" not in named
    assert named.replace(' aria-label="Instructor &amp; guide pages"', "") == NAV


def test_page_context_names_toggles_and_makes_bibliography_entries_list_items():
    context = {"generate_toctree_html": lambda **kw: NAV,
               "body": '<div role="list" class="citation-list">'
                       '<div class="citation" id="id4" role="doc-biblioentry"></div></div>'}
    lutbook_html._accessible_names(None, "p", "page.html", context, None)
    assert 'aria-label="Instructor &amp; guide pages"' in context["generate_toctree_html"]()
    assert 'role="listitem"' in context["body"] and "doc-biblioentry" not in context["body"]
    # applying it twice does not wrap twice
    wrapped = context["generate_toctree_html"]
    lutbook_html._accessible_names(None, "p", "page.html", context, None)
    assert context["generate_toctree_html"] is wrapped


def test_hidden_code_toggle_is_named_by_its_visible_text():
    class Writer:
        body: list = []

    writer = Writer()
    writer.body = []
    lutbook_html._visit_hidden_input(writer, {"classes": ["above-input"], "prompt_show": "Show <code>",
                                              "prompt_hide": "Hide code"})
    html = "".join(writer.body)
    assert "<summary>" in html and "aria-label" not in html
    assert "Show &lt;code&gt;" in html
