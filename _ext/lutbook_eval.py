"""Render MyST's inline ``{eval}`expr``` from results saved in the notebook (no kernel needed).

The chapters quote computed numbers with ``{eval}`f"{prose.test_acc:.3f}"```, which
jupyterlab-myst renders in JupyterLab. `make execute` (scripts/execute.py) evaluates each
markdown cell's expressions in the kernel at that point of the run and saves the results in
the cell's ``user_expressions`` metadata, in jupyterlab-myst's format. myst-nb's own ``eval``
role only asks a running kernel (``nb_execution_mode: inline``) and ignores saved results
(executablebooks/MyST-NB#596); the book is built with execution off. This extension replaces
the role: it looks the expression up in the current markdown cell's saved results and renders
them with myst-nb's own inline rendering (quotes stripped from strings, as jupyterlab-myst
does). A missing or failed result is a warning, and the book builds with -W, so it fails.

To know the current cell, myst-nb's markdown-cell renderer is wrapped to note the cell's
``user_expressions`` on the document while the cell renders.
"""
from __future__ import annotations

from myst_nb.core import render as nb_render
from myst_nb.core.variables import VariableOutput, render_variable_outputs
from myst_nb.ext.utils import RoleBase
from sphinx.util import logging

LOGGER = logging.getLogger(__name__)
_ATTR = "_lutbook_user_expressions"
_original_render_markdown = nb_render.MditRenderMixin.render_nb_cell_markdown


def _render_nb_cell_markdown(self, token):
    meta = token.meta or {}
    setattr(self.document, _ATTR, (meta.get("index"), meta.get("metadata", {}).get("user_expressions")))
    try:
        _original_render_markdown(self, token)
    finally:
        setattr(self.document, _ATTR, None)


def saved_result(saved, expr):
    """The result saved for ``{eval}`expr``` among a cell's ``user_expressions``.

    Returns ``(result, None)``, or ``(None, why)`` when there is no result or it failed; the
    slides (scripts/slides_myst.py) read the saved values with it too.

    >>> saved_result([{"expression": "x", "result": {"status": "ok", "data": {}}}], "x")
    ({'status': 'ok', 'data': {}}, None)
    >>> saved_result([], "x")[1]
    'has no saved result: execute the notebook with `make execute NB=...`'
    """
    match = next((e for e in saved or [] if e.get("expression") == expr), None)
    if match is None:
        return None, "has no saved result: execute the notebook with `make execute NB=...`"
    result = match.get("result", {})
    if result.get("status") != "ok":
        return None, f"failed when the notebook ran: {result.get('ename')}: {result.get('evalue')}"
    return result, None


class SavedEvalRole(RoleBase):
    """``{eval}`expr```: the result saved for ``expr`` in this markdown cell's metadata."""

    def _warn(self, message):
        LOGGER.warning(message, location=(self.source, self.line), type="lutbook", subtype="eval")
        return [], []

    def run(self):
        current = getattr(self.document, _ATTR, None)
        if current is None:
            return self._warn(f"{{eval}}`{self.text}` outside a notebook markdown cell: "
                              "nothing is saved for it")
        index, saved = current
        result, why = saved_result(saved, self.text)
        if why:
            return self._warn(f"{{eval}}`{self.text}` (markdown cell {index}) {why}")
        if "nb_renderer" not in self.document:
            return self._warn(f"{{eval}}`{self.text}`: this page is not a notebook")
        output = VariableOutput(data=result.get("data", {}), metadata={"strip_text_quotes": True},
                                nb_renderer=self.document["nb_renderer"], vtype="eval")
        return render_variable_outputs([output], self.document, self.line, self.source, inline=True), []


def _register(app, config=None):
    app.add_role("eval", SavedEvalRole(), override=True)


def setup(app):
    nb_render.MditRenderMixin.render_nb_cell_markdown = _render_nb_cell_markdown
    _register(app)
    # myst-nb registers its own role in its setup; make sure ours is the one in force
    app.connect("config-inited", _register, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
