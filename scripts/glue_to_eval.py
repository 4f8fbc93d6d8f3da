#!/usr/bin/env python3
"""Turn myst-nb glue into MyST {eval} expressions, which JupyterLab (jupyterlab-myst) renders.

    python scripts/glue_to_eval.py notebooks/*.ipynb      # rewrites in place; then `make execute`

(In place: each notebook is written beside itself and renamed over it, scripts/atomic.py.)

Run once per notebook (running it again changes nothing). In code cells,

    glue("test_acc", float(test_acc), display=False)   ->   prose.test_acc = float(test_acc)
    glue(f"acc_{k}", value, display=False)             ->   setattr(prose, f"acc_{k}", value)

where ``prose`` is a ``types.SimpleNamespace`` made in the cell that imported glue, before its
first use (``from myst_nb import glue`` becomes ``from types import SimpleNamespace``). In markdown cells the format spec moves
into an f-string, so the formatting survives:

    {glue:text}`test_acc:.3f`   ->   {eval}`f"{prose.test_acc:.3f}"`
    {glue:text}`n_train:,`      ->   {eval}`f"{prose.n_train:,}"`
    {glue:text}`k_best`         ->   {eval}`f"{prose.k_best}"`   (str(), so numpy scalars print plainly)

Outputs that glue left behind (display data marked ``scrapbook``) are dropped. The numbers
themselves appear when the notebook is executed by scripts/execute.py, which saves each
expression's value in its markdown cell's ``user_expressions`` metadata.
"""
from __future__ import annotations

import argparse
import ast
import re
import sys
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
import atomic  # noqa: E402  (scripts/ is not a package)

NAMESPACE = "prose"
IMPORT = "from types import SimpleNamespace"
SETUP = f"{NAMESPACE} = SimpleNamespace()   # numbers the text quotes, shown with {{eval}} in markdown"
GLUE_ROLE = re.compile(r"\{glue(?::text)?\}`([A-Za-z_]\w*)(?::([^`]*))?`")
GLUE_IMPORT = re.compile(r"^from myst_nb import glue[ \t]*$", re.M)


class ConversionError(ValueError):
    """A glue use this script does not know how to convert safely."""


def convert_markdown(text: str) -> str:
    """Rewrite glue roles as {eval} expressions.

    >>> convert_markdown("reaches {glue:text}`acc:.3f` on {glue:text}`n:,` images ({glue}`k`)")
    'reaches {eval}`f"{prose.acc:.3f}"` on {eval}`f"{prose.n:,}"` images ({eval}`f"{prose.k}"`)'
    """
    def repl(m):
        name, spec = m.group(1), m.group(2)
        return f'{{eval}}`f"{{{NAMESPACE}.{name}{":" + spec if spec else ""}}}"`'
    out = GLUE_ROLE.sub(repl, text)
    if re.search(r"\{glue[:}]", out):
        raise ConversionError(f"a glue role this script cannot convert: {out[:120]!r}")
    return out


def convert_code(source: str) -> str:
    """Rewrite ``glue(name, value, display=False)`` statements as assignments to the namespace.

    >>> print(convert_code('glue("acc", float(a), display=False)\\nglue(f"x_{i}", 2, display=False)'))
    prose.acc = float(a)
    setattr(prose, f"x_{i}", 2)
    """
    try:
        tree = ast.parse(source)
    except SyntaxError as e:
        if "glue(" in source:
            raise ConversionError(f"cannot parse a cell that uses glue: {e}") from None
        return source
    lines = source.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))

    def pos(lineno, col):
        return offsets[lineno - 1] + len(lines[lineno - 1].encode()[:col].decode())

    edits = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "glue"):
            continue
        stmt = next((s for s in ast.walk(tree) if isinstance(s, ast.Expr) and s.value is node), None)
        kw = {k.arg: k.value for k in node.keywords}
        display = kw.get("display")
        if (stmt is None or len(node.args) != 2 or set(kw) != {"display"}
                or not (isinstance(display, ast.Constant) and display.value is False)):
            raise ConversionError(f"only `glue(name, value, display=False)` statements are converted; "
                                  f"got {ast.get_source_segment(source, node)!r}")
        name, value = node.args
        value_src = ast.get_source_segment(source, value)
        if isinstance(name, ast.Constant) and isinstance(name.value, str) and name.value.isidentifier():
            new = f"{NAMESPACE}.{name.value} = {value_src}"
        else:
            new = f"setattr({NAMESPACE}, {ast.get_source_segment(source, name)}, {value_src})"
        edits.append((pos(node.lineno, node.col_offset), pos(node.end_lineno, node.end_col_offset), new))
    for start, end, new in sorted(edits, reverse=True):
        source = source[:start] + new + source[end:]
    # comments about the glue convention ("# glue() numbers as plain ...") are obsolete now
    source = re.sub(r"^[ \t]*#[^\n]*\bglue\(\)[^\n]*\n", "", source, flags=re.M)
    if any(isinstance(n, ast.Name) and n.id == "glue" for n in ast.walk(ast.parse(source))):
        raise ConversionError("a use of glue is left after conversion")
    return source


def convert_notebook(nb) -> int:
    """Convert one notebook in memory; returns the number of changes made."""
    changes = 0
    setup_done = any(c.cell_type == "code" and re.search(rf"^{NAMESPACE} = SimpleNamespace\(", c.source, re.M)
                     for c in nb.cells)
    for cell in nb.cells:
        before = cell.source
        if cell.cell_type == "markdown":
            cell.source = convert_markdown(cell.source)
        elif cell.cell_type == "code":
            if GLUE_IMPORT.search(cell.source):
                cell.source = GLUE_IMPORT.sub("" if setup_done else IMPORT, cell.source)
                cell.source = re.sub(r"\n{3,}", "\n\n", cell.source)
                if not setup_done:
                    cell.source = cell.source.rstrip("\n") + "\n" + SETUP
                setup_done = True
            cell.source = convert_code(cell.source)
            if SETUP in cell.source:   # the namespace must exist before this cell's first use
                rest = cell.source.replace("\n" + SETUP, "")
                use = re.search(rf"^.*\b{NAMESPACE}\b", rest, re.M)
                cell.source = (rest[:use.start()] + SETUP + "\n" + rest[use.start():]) if use else cell.source
            kept = [o for o in cell.get("outputs", []) if "scrapbook" not in o.get("metadata", {})]
            if len(kept) != len(cell.get("outputs", [])):
                cell.outputs = kept
                changes += 1
        changes += cell.source != before
    if changes and not setup_done:
        raise ConversionError(f"glue is used but no cell imports it; add `{SETUP}` by hand")
    return changes


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("notebooks", nargs="+", type=Path)
    args = ap.parse_args(argv)
    for path in args.notebooks:
        nb = nbformat.read(path, as_version=4)
        try:
            changes = convert_notebook(nb)
        except ConversionError as e:
            print(f"error: {path}: {e}", file=sys.stderr)
            return 1
        if changes:
            try:
                atomic.write_notebook(nb, path)    # beside it, then renamed: never half a notebook
            except OSError as e:
                print(f"error: {path}: {e.strerror or e} (nothing was written: it is as it was)", file=sys.stderr)
                return 1
        print(f"{path}: {changes} cell(s) changed" if changes else f"{path}: no glue left")
    return 0


if __name__ == "__main__":
    sys.exit(main())
