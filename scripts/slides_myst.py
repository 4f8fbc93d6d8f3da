"""MyST in the chapters' markdown, made plain for the slides (scripts/make_slides.py).

``{eval}`` shows the value saved in the cell by ``scripts/execute.py`` (as the book's
``_ext/lutbook_eval.py`` does), ``{cite}`` / ``{cite:t}`` author-year text with the labels of
``_ext/lutbook_bibstyle.py``, ``{doc}`` the chapter's title, ``{ref}`` the heading or
"Exercise N.M"; admonitions, notes and exercises become boxes (one HTML block each), solutions
are dropped, ``(label)=`` targets removed. Math is left for MathJax.

>>> render_roles("{cite:t}`a`", [], Refs(cites={"a": "Chatterjee 2018"}), "")
'Chatterjee [2018]'
"""
from __future__ import annotations

import ast
import html
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "_ext") not in sys.path:
    sys.path.append(str(ROOT / "_ext"))


class SlidesError(Exception):
    """A chapter cannot be made into slides (says which cell and why)."""


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


@dataclass
class Refs:
    """What MyST roles point to: citation labels, chapter titles, labels (headings, exercises)."""

    cites: dict = field(default_factory=dict)      # key -> "Arpit et al. 2017"
    docs: dict = field(default_factory=dict)       # "02_lookup_table" -> title
    labels: dict = field(default_factory=dict)     # label -> text


def saved_value(saved: list, expr: str, where: str) -> str:
    """The text ``{eval}`expr``` shows: the saved text/plain, string quotes stripped (as the book).

    The saved result is found by the book's own ``_ext/lutbook_eval.py``.

    >>> saved_value([{"expression": "x", "result": {"status": "ok", "data": {"text/plain": "'0.876'"}}}], "x", "")
    '0.876'
    """
    from lutbook_eval import saved_result
    result, why = saved_result(saved, expr)
    if why:
        raise SlidesError(f"{where}: {{eval}}`{expr}` {why}")
    text = result.get("data", {}).get("text/plain", "")
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text
    return value if isinstance(value, str) else text


_ROLE = re.compile(r"\{(?P<name>[a-z][a-z:-]*)\}`(?P<body>[^`]+)`")
_TARGET = re.compile(r"^\([^()\s]+\)=[ \t]*$", re.M)
_DIRECTIVE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|:{3,})\{(?P<name>[a-z-]+)\}[ \t]*(?P<arg>.*)$")
ADMONITIONS = {"note", "tip", "warning", "important", "hint", "caution", "attention", "danger",
               "error", "seealso"}


def _markdown2html(text: str) -> str:
    """Markdown -> HTML with nbconvert's renderer (math left for MathJax)."""
    from nbconvert.filters.markdown_mistune import markdown2html_mistune
    return markdown2html_mistune(text)


def _split_title(body: str) -> tuple[str, str]:
    m = re.match(r"^(.*?)\s*<([^<>]+)>$", body.strip(), re.S)
    return (m.group(1).strip(), m.group(2).strip()) if m else ("", body.strip())


def render_roles(text: str, saved: list, refs: Refs, where: str) -> str:
    """Replace MyST roles by text (see the module docstring).

    >>> render_roles("{cite:t}`a` and {cite}`a`", [], Refs(cites={"a": "Arpit et al. 2017"}), "")
    'Arpit et al. [2017] and [Arpit et al., 2017]'
    """
    def cite(key: str) -> tuple[str, str]:
        if key not in refs.cites:
            raise SlidesError(f"{where}: unknown citation key {key!r} (not in references.bib)")
        names, _, year = refs.cites[key].rpartition(" ")
        return names, year

    def role(m: re.Match) -> str:
        name, body = m.group("name"), m.group("body")
        if name == "eval":
            return html.escape(saved_value(saved, body, where), quote=False)
        if name in ("cite", "cite:p", "cite:ps", "cite:t", "cite:ts"):
            keys = [k.strip() for k in body.split(",") if k.strip()]
            if name.startswith("cite:t"):
                return ", ".join(f"{n} [{y}]" for n, y in map(cite, keys))
            return "[" + "; ".join(f"{n}, {y}" for n, y in map(cite, keys)) + "]"
        title, target = _split_title(body)
        if name == "doc":
            doc = target.rsplit("/", 1)[-1]
            if not title and doc not in refs.docs:
                raise SlidesError(f"{where}: {{doc}}`{body}`: no such page in the toc")
            return f"*{title or refs.docs[doc]}*"
        if name in ("ref", "numref"):
            if not title and target not in refs.labels:
                raise SlidesError(f"{where}: {{{name}}}`{body}`: no such label in the chapters")
            return title or refs.labels[target]
        if name == "math":
            return f"${body}$"
        return title or target   # any other role: its text, never raw markup

    return _ROLE.sub(role, text)


def render_myst(text: str, saved: list, refs: Refs, where: str = "") -> str:
    """MyST markdown -> markdown with HTML boxes that nbconvert's renderer understands.

    >>> print(render_myst("```{note}\\nSee {eval}`x`.\\n```", [{"expression": "x",
    ...       "result": {"status": "ok", "data": {"text/plain": "'3'"}}}], Refs()))
    <div class="admonition note">
    <p class="admonition-title">Note</p>
    <p>See 3.</p>
    </div>
    """
    text = _TARGET.sub("", text)
    out, lines, i = [], text.split("\n"), 0
    while i < len(lines):
        m = _DIRECTIVE.match(lines[i])
        if not m:
            out.append(lines[i])
            i += 1
            continue
        fence, name, arg = m.group("fence"), m.group("name"), m.group("arg").strip()
        close = re.compile(r"^[ \t]*" + re.escape(fence[0]) + "{" + str(len(fence)) + r",}[ \t]*$")
        j = i + 1
        while j < len(lines) and not close.match(lines[j]):
            j += 1
        if j == len(lines):
            raise SlidesError(f"{where}: unclosed {{{name}}} directive")
        body = lines[i + 1:j]
        options = {}
        while body and re.match(r"^[ \t]*:[\w-]+:", body[0]):
            key, _, val = body.pop(0).strip()[1:].partition(":")
            options[key] = val.strip()
        inner = render_myst("\n".join(body), saved, refs, where)
        if name == "math":
            out.append(f"$$\n{inner.strip()}\n$$")
            i = j + 1
            continue
        elif name in ("solution", "solution-start", "solution-end"):
            pass
        else:
            if name == "exercise":
                title = "Exercise" + (f": {arg}" if arg else "")
                label = options.get("label")
                if label and label in refs.labels:
                    title = refs.labels[label] + (f": {arg}" if arg else "")
                css = "exercise"
            elif name == "admonition":
                title, css = arg or "Note", " ".join(re.findall(r"[\w-]+", options.get("class", "note"))) or "note"
            else:
                title, css = (arg or name.capitalize()), name if name in ADMONITIONS else "note"
            title = render_roles(html.escape(title, quote=False), saved, refs, where)
            # One HTML block (no blank line in it): markdown would end the block at a blank line
            # and close the <div> there, leaving the body outside the box.
            body_html = re.sub(r"\n\s*\n", "\n", _markdown2html(inner).strip())
            out.append(f'<div class="admonition {css}">\n<p class="admonition-title">{title}</p>\n'
                       f"{body_html}\n</div>")
        i = j + 1
    return render_roles("\n".join(out), saved, refs, where)


def read_refs(toc_docs: list[str], root: Path = ROOT, bib: Path | None = None) -> Refs:
    """Citation labels from references.bib, titles and labels from the toc's pages."""
    refs = Refs()
    bib = bib or root / "references.bib"
    if bib.exists():
        from pybtex.database import parse_file
        from pybtex.style.formatting.plain import Style
        from lutbook_bibstyle import AuthorYearLabelStyle
        entries = list(parse_file(str(bib)).entries.values())
        entries = Style().sort(entries)
        for entry, label in zip(entries, AuthorYearLabelStyle().format_labels(entries)):
            refs.cites[entry.key] = label
    chapter = 0
    for doc in toc_docs:
        path = root / doc
        is_nb = path.with_suffix(".ipynb").exists()
        if is_nb:
            chapter += 1
            cells = json.loads(path.with_suffix(".ipynb").read_text(encoding="utf-8"))["cells"]
            texts = [_source(c) for c in cells if c["cell_type"] == "markdown"]
        elif path.with_suffix(".md").exists():
            texts = [path.with_suffix(".md").read_text(encoding="utf-8")]
        else:
            continue
        n_ex = 0
        if is_nb:   # captioned figures (show_figure), numbered per chapter as the book does
            named = [c["metadata"]["mystnb"]["figure"] for c in cells if c["cell_type"] == "code"
                     and c.get("metadata", {}).get("mystnb", {}).get("figure", {}).get("caption")]
            for n_fig, figure in enumerate(named, 1):
                if figure.get("name"):
                    refs.labels[figure["name"]] = f"Figure {chapter}.{n_fig}"
        for text in texts:
            lines = text.split("\n")
            for k, line in enumerate(lines):
                h = re.match(r"^#[ \t]+(.+)$", line)
                if h and path.name not in refs.docs:
                    refs.docs[path.name] = h.group(1).strip()
                t = re.match(r"^\(([^()\s]+)\)=[ \t]*$", line)
                if t:
                    nxt = next((x for x in lines[k + 1:] if x.strip()), "")
                    refs.labels[t.group(1)] = re.sub(r"^#+[ \t]+", "", nxt).strip()
                d = _DIRECTIVE.match(line)
                if d and d.group("name") == "exercise" and is_nb:
                    n_ex += 1
                    for opt in lines[k + 1:k + 4]:
                        if opt.strip().startswith(":label:"):
                            refs.labels[opt.split(":label:", 1)[1].strip()] = f"Exercise {chapter}.{n_ex}"
    return refs

