"""Every chapter's first code cell installs lutlib on Colab only (scripts/colab_cell.py).

The cell is run here in a real IPython shell with a fake ``google.colab`` module and a fake
``%pip`` magic that records its arguments (nothing is installed, no network).
"""
from __future__ import annotations

import importlib.util
import re
import shlex
import sys
import types
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


def _load_script():
    spec = importlib.util.spec_from_file_location("colab_cell", ROOT / "scripts" / "colab_cell.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


colab_cell = _load_script()


def _chapters():
    text = (ROOT / "_toc.yml").read_text()
    files = re.findall(r"^\s*-\s*file:\s*(notebooks/\S+)\s*$", text, re.M)
    return [ROOT / (f + ".ipynb") for f in files]


CHAPTERS = _chapters()


def test_there_are_chapters_in_the_toc():
    assert CHAPTERS and all(p.exists() for p in CHAPTERS)


def test_source_uses_the_repository_setting():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]
    source = colab_cell.cell_source()
    assert f'git+{config["url"].rstrip("/")}@{config.get("branch", "main")}"' in source
    # a fork's URL goes in, unchanged
    assert "git+https://git.example.org/a/b@dev\"" in colab_cell.cell_source("https://git.example.org/a/b", "dev")


@pytest.mark.parametrize("bad", ["https://x.org/a b", 'https://x.org/"a', "https://x.org/{a}"])
def test_source_refuses_urls_that_would_break_the_magic(bad):
    with pytest.raises(ValueError, match="space, quote or brace"):
        colab_cell.cell_source(bad, "main")


def test_repository_refuses_a_missing_url(tmp_path):
    config = tmp_path / "_config.yml"
    config.write_text("repository:\n  branch: main\n")
    with pytest.raises(ValueError, match="repository.url must be an http"):
        colab_cell.repository(config)


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.name for p in CHAPTERS])
def test_chapter_has_exactly_the_cell_first(path):
    nb = nbformat.read(path, as_version=4)
    expected = colab_cell.cell_source()
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, f"{path.name}: no code cells"
    first = code[0]
    assert first.source == expected, \
        f"{path.name}: the first code cell is not the Colab cell (python scripts/colab_cell.py --apply {path.relative_to(ROOT)})"
    assert first.get("id") == colab_cell.CELL_ID
    assert first.metadata.get("tags") == ["remove-cell"], f"{path.name}: the Colab cell must be tagged remove-cell only"
    assert first.outputs == [], f"{path.name}: the Colab cell printed something when executed off Colab"
    others = [c for c in code[1:] if "google.colab" in c.source or c.get("id") == colab_cell.CELL_ID]
    assert not others, f"{path.name}: more than one Colab cell"


@pytest.fixture
def shell():
    """A real IPython shell whose %pip records its argument instead of installing."""
    from IPython.core.interactiveshell import InteractiveShell

    ip = InteractiveShell.instance()
    calls = []
    ip.register_magic_function(lambda line: calls.append(line), magic_kind="line", magic_name="pip")
    ip.user_ns.pop("LUTLIB", None)
    yield ip, calls
    ip.user_ns.pop("LUTLIB", None)


def test_on_colab_it_pip_installs_lutlib_from_the_repository(shell, monkeypatch):
    ip, calls = shell
    google = types.ModuleType("google")
    colab = types.ModuleType("google.colab")
    google.colab = colab
    monkeypatch.setitem(sys.modules, "google", google)
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    url, branch = colab_cell.repository()

    result = ip.run_cell(colab_cell.cell_source(), store_history=False)

    assert result.success, result.error_in_exec or result.error_before_exec
    assert len(calls) == 1
    assert shlex.split(calls[0]) == ["install", "--quiet", f"lutlib[fast,ml] @ git+{url}@{branch}",
                                     "ipywidgets>=8"]


def test_off_colab_it_does_nothing_and_prints_nothing(shell, monkeypatch, capfd):
    ip, calls = shell
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    capfd.readouterr()

    result = ip.run_cell(colab_cell.cell_source(), store_history=False)

    assert result.success and result.result is None
    assert calls == []
    assert "LUTLIB" not in ip.user_ns
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_apply_inserts_before_the_first_code_cell_and_is_idempotent(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# T"),
                                         nbformat.v4.new_markdown_cell("## Setting up"),
                                         nbformat.v4.new_code_cell("import numpy")])
    path = tmp_path / "ch.ipynb"
    nbformat.write(nb, path)
    assert colab_cell.apply(path, "pass") is True
    cells = nbformat.read(path, as_version=4).cells
    assert [c.cell_type for c in cells] == ["markdown", "markdown", "code", "code"]
    assert cells[2].source == "pass" and cells[2].id == colab_cell.CELL_ID
    assert colab_cell.apply(path, "pass") is False
    assert colab_cell.apply(path, "pass  # new url") is True
    cells = nbformat.read(path, as_version=4).cells
    assert len(cells) == 4 and cells[2].source == "pass  # new url"


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.name for p in CHAPTERS])
def test_student_notebooks_keep_the_cell_first(path):
    """make student keeps the Colab cell (students may open their copy on Colab)."""
    spec = importlib.util.spec_from_file_location("make_student", ROOT / "scripts" / "make_student.py")
    make_student = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_student)
    student = make_student.studentize(nbformat.read(path, as_version=4))
    first = next(c for c in student.cells if c.cell_type == "code")
    assert first.source == colab_cell.cell_source()
