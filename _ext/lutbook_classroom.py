"""Sphinx extension: nbgitpuller links to the course's JupyterHub, built from _config.yml.

An nbgitpuller link makes a JupyterHub clone (or update) a repository into the student's
server and open a file there. Nothing of it is typed by hand in the book: the hub comes from
``launch_buttons.jupyterhub_url``, the repository and branch from ``repository.url`` /
``repository.branch`` (Jupyter Book passes them to the theme as ``html_theme_options``), and
the interface from ``launch_buttons.notebook_interface``. A fork or a course copy changes
those lines and every link follows.

In MyST::

    {nbgitpuller}`notebooks/`                       the link, shown as its URL
    {nbgitpuller}`Open chapter 1 <notebooks/00_first_look.ipynb>`

    ```{nbgitpuller-url} notebooks/
    ```                                             the URL in a code block (copy button)

    ```{nbgitpuller-table}
    ```                                             one row per chapter in notebooks/

    ```{colab-cell}
    ```                                             the chapters' Colab cell, as
                                                    scripts/colab_cell.py builds it

A path that does not exist in the repository is a warning (the book builds with -W).
The link's format is nbgitpuller's own link generator's (``docs/_static/link_gen/link.js``:
``<hub>/hub/user-redirect/git-pull?repo=...&urlpath=...&branch=...``, the query encoded as
``URLSearchParams`` does, and ``urlpath`` = ``lab/tree/<repository folder>/<path>``).
Loaded from ``_config.yml`` (``sphinx.local_extensions``).
"""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote_plus, urlsplit, urlunsplit

from docutils import nodes
from sphinx import addnodes
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective, SphinxRole

LOGGER = logging.getLogger(__name__)
INTERFACES = {"jupyterlab": "lab/tree/", "classic": "tree/"}
_EXPLICIT = re.compile(r"^(.*?)\s*<([^<>]+)>$", re.S)


def form_encode(value: str) -> str:
    """Encode a query value as the WHATWG ``URLSearchParams`` does (nbgitpuller's generator).

    Letters, digits and ``*-._`` stay; a space is ``+``; every other byte of the UTF-8 form
    is ``%XX``.

    >>> form_encode("https://github.com/a/b c~d")
    'https%3A%2F%2Fgithub.com%2Fa%2Fb+c%7Ed'
    """
    return quote_plus(value, safe="*").replace("~", "%7E")


def repo_folder(repo_url: str) -> str:
    """The folder nbgitpuller clones a repository into: its last path part, less ``.git``.

    >>> repo_folder("https://github.com/lutbook/lutbook.git/")
    'lutbook'
    """
    name = urlsplit(repo_url).path.rstrip("/").split("/")[-1]
    name = name[:-4] if name.endswith(".git") else name
    if not name:
        raise ValueError(f"cannot tell the repository's folder from {repo_url!r}")
    return name


def nbgitpuller_url(hub_url: str, repo_url: str, branch: str = "main", path: str = "",
                    interface: str = "jupyterlab") -> str:
    """The nbgitpuller link that pulls `repo_url` into a hub and opens `path` in it.

    >>> nbgitpuller_url("https://hub.example.org", "https://github.com/a/lutbook", "main",
    ...                 "notebooks/00_first_look.ipynb")  # doctest: +NORMALIZE_WHITESPACE
    'https://hub.example.org/hub/user-redirect/git-pull?repo=https%3A%2F%2Fgithub.com%2Fa%2Flutbook&urlpath=lab%2Ftree%2Flutbook%2Fnotebooks%2F00_first_look.ipynb&branch=main'
    """
    parts = urlsplit(hub_url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"jupyterhub_url must be an http(s) URL; got {hub_url!r}")
    if not repo_url or not branch:
        raise ValueError("the repository URL and branch must be set (repository.url, repository.branch)")
    if interface not in INTERFACES:
        raise ValueError(f"notebook_interface must be one of {sorted(INTERFACES)}; got {interface!r}")
    urlpath = INTERFACES[interface] + repo_folder(repo_url) + "/" + path.lstrip("/")
    query = "&".join(f"{k}={form_encode(v)}" for k, v in
                     (("repo", repo_url), ("urlpath", urlpath), ("branch", branch)))
    return urlunsplit((parts.scheme, parts.netloc,
                       parts.path.rstrip("/") + "/hub/user-redirect/git-pull", query, ""))


def settings(config) -> dict:
    """Hub, repository, branch and interface from the Sphinx config Jupyter Book wrote."""
    theme = getattr(config, "html_theme_options", None) or {}
    launch = theme.get("launch_buttons") or {}
    return {"hub_url": (launch.get("jupyterhub_url") or "").strip(),
            "repo_url": (theme.get("repository_url") or "").strip().rstrip("/"),
            "branch": (theme.get("repository_branch") or "main").strip(),
            "interface": launch.get("notebook_interface") or "jupyterlab"}


def _link(env, path: str, text: str | None, location) -> list[nodes.Node]:
    """A reference node for `path` (relative to the repository root), or a warning."""
    conf = settings(env.config)
    root = Path(env.srcdir)
    if not (root / path).exists():
        LOGGER.warning(f"nbgitpuller: {path!r} does not exist in the repository", location=location,
                       type="lutbook", subtype="nbgitpuller")
        return [nodes.literal(path, path)]
    if not conf["hub_url"]:
        return [nodes.literal(path, path), nodes.Text(" (set launch_buttons.jupyterhub_url in _config.yml)")]
    try:
        url = nbgitpuller_url(conf["hub_url"], conf["repo_url"], conf["branch"], path, conf["interface"])
    except ValueError as e:
        LOGGER.warning(f"nbgitpuller: {e}", location=location, type="lutbook", subtype="nbgitpuller")
        return [nodes.literal(path, path)]
    ref = nodes.reference("", "", refuri=url, classes=["nbgitpuller-link"])
    ref += nodes.Text(text) if text else nodes.literal(url, url)
    return [ref]


class NbgitpullerRole(SphinxRole):
    """``{nbgitpuller}`path``` or ``{nbgitpuller}`text <path>```."""

    def run(self):
        m = _EXPLICIT.match(self.text)
        text, path = (m.group(1), m.group(2)) if m else (None, self.text)
        return _link(self.env, path.strip(), text, self.get_location()), []


class NbgitpullerUrl(SphinxDirective):
    """The link for one path as a code block, to copy (the book has sphinx-copybutton)."""

    required_arguments = 1
    has_content = False

    def run(self):
        found = _link(self.env, self.arguments[0].strip(), None, self.get_location())
        ref = next((n for n in found if isinstance(n, nodes.reference)), None)
        if ref is None:
            return [nodes.paragraph("", "", *found)]
        return [nodes.literal_block(ref["refuri"], ref["refuri"], language="text")]


class NbgitpullerTable(SphinxDirective):
    """A table: every chapter (the book's pages in ``notebooks/``) and its nbgitpuller link."""

    has_content = False

    def run(self):
        chapters = sorted(d for d in self.env.found_docs if d.startswith("notebooks/"))
        table = nodes.table(classes=["nbgitpuller-table"])
        group = nodes.tgroup(cols=2)
        table += group
        group += [nodes.colspec(colwidth=1), nodes.colspec(colwidth=1)]
        head = nodes.thead()
        head += self._row(nodes.Text("chapter"), nodes.Text("opens on the hub"))
        body = nodes.tbody()
        for doc in chapters:
            xref = addnodes.pending_xref("", refdomain="std", reftype="doc", reftarget="/" + doc,
                                         refexplicit=False, refwarn=True)
            xref += nodes.inline(doc, doc)
            source = Path(self.env.doc2path(doc, False)).as_posix()    # the file, with its suffix
            body += self._row(xref, _link(self.env, source, "nbgitpuller link", self.get_location()))
        group += [head, body]
        return [table]

    @staticmethod
    def _row(*cells):
        row = nodes.row()
        for content in cells:
            entry = nodes.entry()
            entry += nodes.paragraph("", "", *(content if isinstance(content, list) else [content]))
            row += entry
        return row


class ColabCell(SphinxDirective):
    """The chapters' first code cell, from scripts/colab_cell.py (one source, never retyped)."""

    has_content = False

    def run(self):
        import importlib.util

        script = Path(self.env.srcdir) / "scripts" / "colab_cell.py"
        spec = importlib.util.spec_from_file_location("lutbook_colab_cell", script)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        self.env.note_dependency(str(script))
        self.env.note_dependency(str(Path(self.env.srcdir) / "_config.yml"))
        source = module.cell_source()
        block = nodes.literal_block(source, source, language="ipython3")
        return [block]


def setup(app):
    app.add_role("nbgitpuller", NbgitpullerRole())
    app.add_directive("nbgitpuller-url", NbgitpullerUrl)
    app.add_directive("nbgitpuller-table", NbgitpullerTable)
    app.add_directive("colab-cell", ColabCell)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
