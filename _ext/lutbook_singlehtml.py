"""The one-page build of the book (``make pdf``, scripts/make_pdf.py) with the html build's nodes.

Sphinx looks up how to write a node under the builder's name first (``singlehtml``) and falls
back to its format (``html``) only for a builder no extension registered anything for. As
sphinx-exercise registers ``singlehtml`` handlers, the html-only handlers of myst-nb
(``HideCodeCellNode``) and sphinx-jupyterbook-latex (``HiddenCellNode``) are never found there
and the build stops with "unknown node type". This copies every html handler that has no
singlehtml one, when the singlehtml builder starts. And as myst-nb adds a notebook's widget
state (and the widgets manager) to that notebook's own page only, the one page gets every
notebook's, so the static widgets show their frames there. Other builds are unchanged;
scripts/make_pdf.py loads this extension for its own build only.

>>> class Registry: translation_handlers = {"html": {"a": 1, "b": 2}, "singlehtml": {"b": 3}}
>>> add_html_handlers(Registry())
['a']
>>> Registry.translation_handlers["singlehtml"]
{'b': 3, 'a': 1}
"""
from __future__ import annotations


def add_html_handlers(registry) -> list:
    """Give the singlehtml writer every html node handler it lacks; return the nodes added."""
    handlers = registry.translation_handlers
    single = handlers.setdefault("singlehtml", {})
    added = [node for node in handlers.get("html", {}) if node not in single]
    for node in added:
        single[node] = handlers["html"][node]
    return added


def _every_notebooks_scripts(app, pagename, templatename, context, doctree):
    """On the one page: the scripts myst-nb noted for every notebook (widget states included)."""
    if app.builder.name != "singlehtml" or doctree is None:
        return
    from myst_nb.sphinx_ import NbMetadataCollector
    for docname in sorted(getattr(app.env, "nb_metadata", {})):
        if docname == pagename:
            continue                # myst-nb adds the page's own
        for uri, kwargs in NbMetadataCollector.get_js_files(app.env, docname).values():
            app.add_js_file(uri, **kwargs)


def _builder_inited(app):
    if app.builder.name == "singlehtml":
        add_html_handlers(app.registry)


def setup(app):
    app.connect("builder-inited", _builder_inited)
    # before lutbook_html's de-duplication (priority 900) and after myst-nb's (500)
    app.connect("html-page-context", _every_notebooks_scripts, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
