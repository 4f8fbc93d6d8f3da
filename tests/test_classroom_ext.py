"""_ext/lutbook_classroom: nbgitpuller links built from _config.yml, in nbgitpuller's format.

nbgitpuller's link generator (its docs, ``_static/link_gen/link.js``, ``generateRegularUrl``)
builds ``new URL(hub)``, sets the query parameters ``repo``, ``urlpath`` and ``branch`` with
``URLSearchParams`` and appends ``hub/user-redirect/git-pull`` to the path; for JupyterLab
``urlpath`` is ``lab/tree/<repository folder>/<file>``. The tests check the Python builder
against a link of that form and, when Node.js is there, against ``URLSearchParams`` itself.
"""
from __future__ import annotations

import doctest
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qsl, urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "_ext"))

import lutbook_classroom as lc  # noqa: E402


def test_doctests():
    assert doctest.testmod(lc).failed == 0


def test_a_link_in_the_documented_form():
    # A link of the generator's form (classic interface) as published on a course page.
    url = lc.nbgitpuller_url("https://datahub.eecs245.org", "https://github.com/eecs245/wn26-code",
                             "main", "homeworks/hw11/hw11.ipynb", interface="classic")
    assert url == ("https://datahub.eecs245.org/hub/user-redirect/git-pull?"
                   "repo=https%3A%2F%2Fgithub.com%2Feecs245%2Fwn26-code"
                   "&urlpath=tree%2Fwn26-code%2Fhomeworks%2Fhw11%2Fhw11.ipynb&branch=main")


@pytest.mark.parametrize("hub", ["https://hub.example.org", "https://hub.example.org/",
                                 "https://example.org/jupyter/", "http://127.0.0.1:8000"])
def test_hub_path_and_query_round_trip(hub):
    repo, branch, path = "https://git.example.org/a b/ré~po.git", "feat/x y", "notebooks/ä b.ipynb"
    url = lc.nbgitpuller_url(hub, repo, branch, path)
    parts = urlsplit(url)
    assert parts.path == urlsplit(hub).path.rstrip("/") + "/hub/user-redirect/git-pull"
    assert parse_qsl(parts.query, strict_parsing=True) == [
        ("repo", repo), ("urlpath", "lab/tree/ré~po/notebooks/ä b.ipynb"), ("branch", branch)]


_JS = """
const [hub, urlPath, repo, branch] = JSON.parse(process.argv[1]);
const url = new URL(hub);
url.searchParams.set('repo', repo);
url.searchParams.set('urlpath', urlPath);
url.searchParams.set('branch', branch);
url.pathname += 'hub/user-redirect/git-pull';
console.log(url.toString());
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js not installed")
@pytest.mark.parametrize("repo, branch, path", [
    ("https://github.com/lutbook/lutbook", "main", "notebooks/00_first_look.ipynb"),
    ("https://gitlab.example.org/a/b.git", "release/2.0", "notebooks/"),
    ("https://github.com/x/y", "a+b c~d*e", "notebooks/é ü (1).ipynb"),
])
def test_same_as_url_search_params(repo, branch, path):
    """The documented generator's algorithm, run by Node's WHATWG URL, gives the same link."""
    hub = "https://hub.example.org/course/"     # the generator expects a trailing slash
    urlpath = "lab/tree/" + lc.repo_folder(repo) + "/" + path
    js = subprocess.run(["node", "-e", _JS, json.dumps([hub, urlpath, repo, branch])],
                        capture_output=True, text=True, check=True, timeout=60).stdout.strip()
    assert lc.nbgitpuller_url(hub, repo, branch, path) == js


@pytest.mark.parametrize("kwargs, message", [
    (dict(hub_url="hub.example.org"), "jupyterhub_url must be an http"),
    (dict(repo_url=""), "repository URL and branch"),
    (dict(interface="vscode"), "notebook_interface must be one of"),
    (dict(repo_url="https://github.com/"), "cannot tell the repository's folder"),
])
def test_bad_settings_are_refused(kwargs, message):
    args = dict(hub_url="https://hub.example.org", repo_url="https://github.com/a/b", branch="main",
                path="x", interface="jupyterlab") | kwargs
    with pytest.raises(ValueError, match=message):
        lc.nbgitpuller_url(**args)


def test_settings_come_from_the_theme_options_jupyter_book_derives():
    cfg = yaml.safe_load((ROOT / "_config.yml").read_text())
    theme = {"repository_url": cfg["repository"]["url"], "repository_branch": cfg["repository"]["branch"],
             "launch_buttons": cfg["launch_buttons"]}
    conf = lc.settings(SimpleNamespace(html_theme_options=theme))
    assert conf == {"hub_url": cfg["launch_buttons"]["jupyterhub_url"],
                    "repo_url": cfg["repository"]["url"].rstrip("/"),
                    "branch": cfg["repository"]["branch"],
                    "interface": cfg["launch_buttons"]["notebook_interface"]}


def test_a_sphinx_build_renders_the_links_from_the_config(tmp_path):
    """A small Sphinx project (MyST) with the extension: role, table and Colab cell rendered."""
    from sphinx.application import Sphinx

    src = tmp_path / "src"
    (src / "notebooks").mkdir(parents=True)
    (src / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "colab_cell.py", src / "scripts")
    (src / "_config.yml").write_text("repository:\n  url: https://github.com/course/fork\n  branch: spring\n")
    (src / "notebooks" / "01_a.md").write_text("# Chapter A\n")
    (src / "index.md").write_text(
        "# Class\n\n{nbgitpuller}`notebooks/`\n\n{nbgitpuller}`Chapter A <notebooks/01_a.md>`\n\n"
        "```{nbgitpuller-url} notebooks/01_a.md\n```\n\n```{nbgitpuller-table}\n```\n\n```{colab-cell}\n```\n\n```{toctree}\nnotebooks/01_a\n```\n")
    (src / "conf.py").write_text(
        f"import sys; sys.path.insert(0, {str(ROOT / '_ext')!r})\n"
        "extensions = ['myst_parser', 'lutbook_classroom']\nhtml_theme = 'sphinx_book_theme'\n"
        "html_theme_options = {'repository_url': 'https://github.com/course/fork',"
        " 'repository_branch': 'spring', 'launch_buttons': {'jupyterhub_url': 'https://hub.uni.example/',"
        " 'notebook_interface': 'jupyterlab'}}\n")
    out = tmp_path / "out"
    app = Sphinx(str(src), str(src), str(out), str(tmp_path / "doctrees"), "html",
                 status=None, warning=None, freshenv=True, warningiserror=True)
    app.build()
    html = (out / "index.html").read_text()
    folder = lc.nbgitpuller_url("https://hub.uni.example/", "https://github.com/course/fork", "spring", "notebooks/")
    chapter = lc.nbgitpuller_url("https://hub.uni.example/", "https://github.com/course/fork", "spring",
                                 "notebooks/01_a.md")
    assert folder.replace("&", "&amp;") in html
    assert chapter.replace("&", "&amp;") in html and ">Chapter A</a>" in html
    assert "nbgitpuller-table" in html and html.count(chapter.replace("&", "&amp;")) == 3  # role, url, table
    assert "git+https://github.com/course/fork@spring" in html        # the Colab cell, from _config.yml
    assert re.search(r"<pre>(<span></span>)?" + re.escape(chapter.replace("&", "&amp;")), html)  # the URL block


def test_a_missing_path_is_a_warning(tmp_path):
    from sphinx.application import Sphinx

    src = tmp_path / "src"
    src.mkdir()
    (src / "index.md").write_text("# Class\n\n{nbgitpuller}`notebooks/nope.ipynb`\n")
    (src / "conf.py").write_text(
        f"import sys; sys.path.insert(0, {str(ROOT / '_ext')!r})\n"
        "extensions = ['myst_parser', 'lutbook_classroom']\nhtml_theme = 'sphinx_book_theme'\n"
        "html_theme_options = {'repository_url': 'https://github.com/a/b',"
        " 'launch_buttons': {'jupyterhub_url': 'https://hub.example.org'}}\n")
    warnings = io.StringIO()
    app = Sphinx(str(src), str(src), str(tmp_path / "out"), str(tmp_path / "dt"), "html",
                 status=None, warning=warnings, freshenv=True)
    app.build()
    assert "index.md:3:" in warnings.getvalue()
    assert "nbgitpuller: 'notebooks/nope.ipynb' does not exist in the repository" in warnings.getvalue()
