"""Small Sphinx fixes for lutbook's HTML (loaded through `local_extensions` in _config.yml).

1. sphinx-thebe 0.3.1 registers its inline `const THEBE_JS_URL = ...` script twice with
   Sphinx 7 (once through the registry and once on the builder), so every page raises
   "Identifier 'THEBE_JS_URL' has already been declared" in the browser console. We drop exact
   duplicate <script> entries from each page. The browser test (tests/browser) fails on any
   console error, so if this stops working it will be noticed.
2. Accessible names the themes and extensions leave out or get wrong (axe-core, WCAG 2.1 AA;
   tests/browser/test_axe.py):
   - the sidebar's expand/collapse toggles (`<summary>` with only an icon) are named after
     the section they open ("Instructor guide pages");
   - myst-nb's "Show code cell source" toggle was named "Toggle hidden content", a name that
     does not contain its visible label: its name is now its visible text;
   - bibliography entries had the deprecated role `doc-biblioentry` inside a `role="list"`,
     which then held no list items: they are list items now.
   The search and colour-mode buttons are fixed in _templates/ (theme component overrides).
"""
from __future__ import annotations

import html
import re


def _dedupe_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for js in scripts:
        # sphinx-thebe's two copies differ only in filename None vs "", so compare
        # the filename (empty for inline scripts) and the attributes (incl. body).
        attrs = getattr(js, "attributes", {}) or {}
        key = (getattr(js, "filename", str(js)) or "", tuple(sorted((k, str(v)) for k, v in attrs.items())))
        if key in seen:
            continue
        seen.add(key)
        unique.append(js)
    scripts[:] = unique


_NAV_TOGGLE = re.compile(r'(<a class="reference internal" href="[^"]*">((?:(?!</a>|<a ).)*)</a>'
                         r'<details(?: open="open")?>)<summary>', re.S)


def name_nav_toggles(nav: str) -> str:
    """Name each sidebar toggle after the section whose pages it shows.

    >>> name_nav_toggles('<a class="reference internal" href="a.html">A</a></li><li>'
    ...                  '<a class="reference internal" href="g.html">Guide</a>'
    ...                  '<details><summary><span class="toctree-toggle"></span></summary>')[-89:]
    '<details><summary aria-label="Guide pages"><span class="toctree-toggle"></span></summary>'
    """
    def named(m):
        title = " ".join(html.unescape(re.sub(r"<[^>]+>", "", m.group(2))).split())
        return f'{m.group(1)}<summary aria-label="{html.escape(title)} pages">'
    nav = _NAV_TOGGLE.sub(named, nav)
    return nav.replace("<summary><span class=\"toctree-toggle\"",
                       "<summary aria-label=\"Pages of this section\"><span class=\"toctree-toggle\"")


def _accessible_names(app, pagename, templatename, context, doctree):
    toctree = context.get("generate_toctree_html")
    if callable(toctree) and not getattr(toctree, "_lutbook_named", False):
        def generate_toctree_html(*args, **kwargs):
            return name_nav_toggles(str(toctree(*args, **kwargs)))
        generate_toctree_html._lutbook_named = True
        context["generate_toctree_html"] = generate_toctree_html
    body = context.get("body")
    if body and 'role="doc-biblioentry"' in body:
        context["body"] = body.replace('role="doc-biblioentry"', 'role="listitem"')


def _visit_hidden_input(self, node):
    """myst-nb's toggle of a hidden code cell, with the name its visible text gives."""
    classes = " ".join(node["classes"])
    self.body.append(f'<details class="admonition hide {classes}">\n<summary>\n')
    self.body.append(f'<p class="collapsed admonition-title">{html.escape(node["prompt_show"])}</p>\n')
    self.body.append(f'<p class="expanded admonition-title">{html.escape(node["prompt_hide"])}</p>\n')
    self.body.append("</summary>\n")


def setup(app):
    # Run after every extension has added its per-page scripts and context.
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    app.connect("html-page-context", _accessible_names, priority=900)
    app.setup_extension("myst_nb")
    from myst_nb.sphinx_ import HideCodeCellNode, depart_HideCellInput
    app.add_node(HideCodeCellNode, override=True, html=(_visit_hidden_input, depart_HideCellInput))
    return {"parallel_read_safe": True, "parallel_write_safe": True}
