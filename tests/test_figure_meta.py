"""Every figure a chapter shows has a numbered caption and alt text (CONTRIBUTING.md, "Figures").

A figure is an ``image/png`` output of a code cell the book shows (not tagged ``remove-output``
or ``remove-cell``). It needs ``mystnb: figure: caption`` and ``mystnb: image: alt`` in its
cell's metadata, which ``lutlib.plotting.show_figure`` records and `make execute`
(``scripts/figure_meta.py``) writes; a caption recorded by the run but not copied there is stale.

Every chapter is checked; a new chapter is held to the rule from its first commit.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import figure_meta  # noqa: E402

from lutlib import plotting  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))

HIDDEN_OUTPUT = {"remove-output", "remove-cell"}


def figure_problems(nb) -> list[str]:
    """What keeps the figures of notebook ``nb`` from a caption and alt text, one line each."""
    problems, names = [], {}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or HIDDEN_OUTPUT & set(cell.metadata.get("tags", [])):
            continue
        shown = [o for o in cell.get("outputs", []) if o.get("output_type") in figure_meta.DISPLAYED]
        if not any("image/png" in o.get("data", {}) for o in shown):
            continue
        where = f"cell {index} ({cell.get('id', '?')})"
        try:
            recorded = figure_meta.recorded_figure(cell)
        except ValueError as e:
            problems.append(f"{where}: {e}")
            continue
        mystnb = cell.metadata.get("mystnb", {})
        caption = str(mystnb.get("figure", {}).get("caption", "")).strip()
        alt = str(mystnb.get("image", {}).get("alt", "")).strip()
        if not caption:
            problems.append(f"{where}: figure without a caption (show it with "
                            "lutlib.plotting.show_figure, then run scripts/figure_meta.py)")
        if not alt:
            problems.append(f"{where}: figure without alt text")
        if len(shown) > 1 and caption:
            problems.append(f"{where}: {len(shown)} outputs share one caption: one figure per cell")
        if recorded is not None and any(mystnb.get(p) != recorded.get(p) for p in ("figure", "image")):
            problems.append(f"{where}: caption or alt text differs from the run's: "
                            "run scripts/figure_meta.py on the chapter")
        name = mystnb.get("figure", {}).get("name")
        if name in names:
            problems.append(f"{where}: figure name {name!r} is used by cell {names[name]} too")
        elif name:
            names[name] = index
    return problems


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_every_figure_has_caption_and_alt_text(path):
    problems = figure_problems(nbformat.read(path, as_version=4))
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


def test_there_are_chapters_to_check():
    """The parametrized test above would pass vacuously with no chapters."""
    assert len(NOTEBOOKS) >= 10, NOTEBOOKS


# ------------------------------------------------------------ the check itself
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg=="


def _figure_cell(mystnb=None, recorded=None, tags=(), extra_outputs=()):
    out = nbformat.v4.new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"},
                                 metadata={figure_meta.KEY: recorded} if recorded else {})
    cell = nbformat.v4.new_code_cell("show_figure(fig, ...)", outputs=[out, *extra_outputs])
    if mystnb:
        cell.metadata["mystnb"] = mystnb
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def _notebook(*cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    return nb


GOOD = plotting.figure_metadata("Accuracy rises with k.", "Test accuracy against k, 2 to 12.", "fig-k")


def test_check_accepts_a_captioned_figure_and_hidden_outputs():
    assert figure_problems(_notebook(_figure_cell(GOOD, GOOD))) == []
    assert figure_problems(_notebook(_figure_cell(GOOD))) == []              # written by hand
    assert figure_problems(_notebook(_figure_cell(tags=["remove-output"]))) == []


@pytest.mark.parametrize("mystnb, recorded, match", [
    (None, None, "without a caption"),
    ({"figure": {"caption": "Accuracy rises."}}, None, "without alt text"),
    ({"image": {"alt": "A curve."}}, None, "without a caption"),
    (None, GOOD, "differs from the run's"),
    ({**GOOD, "figure": {"caption": "An old caption.", "name": "fig-k"}}, GOOD, "differs"),
])
def test_check_reports_missing_or_stale_metadata(mystnb, recorded, match):
    problems = figure_problems(_notebook(_figure_cell(mystnb, recorded)))
    assert any(match in p for p in problems), problems


def test_check_reports_shared_captions_and_names():
    table = nbformat.v4.new_output("display_data", data={"text/html": "<table></table>"})
    problems = figure_problems(_notebook(_figure_cell(GOOD, GOOD, extra_outputs=[table])))
    assert any("captioned figures" in p for p in problems), problems
    twice = figure_problems(_notebook(_figure_cell(GOOD), _figure_cell(GOOD)))
    assert len(twice) == 1 and twice[0].startswith("cell 1 (")
    assert twice[0].endswith("figure name 'fig-k' is used by cell 0 too")


def test_figure_metadata_refuses():
    with pytest.raises(ValueError, match="caption must be a non-empty"):
        plotting.figure_metadata(" ", "A curve.")
    with pytest.raises(ValueError, match="not repeat the caption"):
        plotting.figure_metadata("A curve.", "A curve.")
    with pytest.raises(ValueError, match="name must be lowercase"):
        plotting.figure_metadata("A curve.", "Accuracy against k.", "Fig K")


# -------------------------------------------- from a run to the cell's metadata
def test_show_figure_through_make_execute_and_the_script(tmp_path):
    pytest.importorskip("nbclient")
    import execute                                            # scripts/execute.py (make execute)
    nb = _notebook(nbformat.v4.new_code_cell(
        "import matplotlib.pyplot as plt\n"
        "from lutlib.plotting import show_figure\n"
        "acc = 0.884\n"
        "fig, ax = plt.subplots(figsize=(2, 1)); ax.plot([0, 1], [0.5, acc])\n"
        "print('numbers stay outside the figure')\n"
        "show_figure(fig, f'Accuracy reaches {acc:.3f}.', 'A line rising from 0.5 to 0.884.',\n"
        "            name='fig-rise')"))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "chapter.ipynb"
    nbformat.write(nb, path)
    execute.execute(path, timeout=120)
    run = nbformat.read(path, as_version=4)
    cell = run.cells[0]
    assert len([o for o in cell.outputs if "image/png" in o.get("data", {})]) == 1   # shown once
    expected = {"figure": {"caption": "Accuracy reaches 0.884.", "name": "fig-rise"},
                "image": {"alt": "A line rising from 0.5 to 0.884."}}
    assert cell.metadata["mystnb"] == expected
    assert figure_problems(run) == []
    # a notebook run some other way: the script puts the metadata where the book reads it
    del cell.metadata["mystnb"]
    nbformat.write(run, path)
    assert any("without a caption" in p for p in figure_problems(run))
    script = [sys.executable, str(ROOT / "scripts" / "figure_meta.py")]
    assert subprocess.run([*script, "--check", str(path)], capture_output=True).returncode == 1
    assert subprocess.run([*script, str(path)], capture_output=True).returncode == 0
    assert nbformat.read(path, as_version=4).cells[0].metadata["mystnb"] == expected
    assert subprocess.run([*script, "--check", str(path)], capture_output=True).returncode == 0


def test_myst_nb_renders_the_metadata_as_a_numbered_caption_and_alt(tmp_path):
    """The recipe, built by Sphinx with myst-nb (as the book is): numbered caption, real alt."""
    pytest.importorskip("myst_nb")
    cell = _figure_cell(GOOD, GOOD)
    nb = _notebook(nbformat.v4.new_markdown_cell("# A chapter\n\nSee {numref}`fig-k`."), cell)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, tmp_path / "index.ipynb")
    (tmp_path / "conf.py").write_text("extensions = ['myst_nb']\nnumfig = True\n"
                                      "nb_execution_mode = 'off'\nexclude_patterns = ['_build']\n")
    build = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-W", "-q", str(tmp_path),
                            str(tmp_path / "_build")], capture_output=True, text=True)
    assert build.returncode == 0, build.stderr
    html = (tmp_path / "_build" / "index.html").read_text()
    assert 'alt="Test accuracy against k, 2 to 12."' in html
    assert '<span class="caption-number">Fig. 1 </span><span class="caption-text">Accuracy rises with k.' in html
    assert 'href="#fig-k"' in html and "Fig. 1</span></a>" in html

