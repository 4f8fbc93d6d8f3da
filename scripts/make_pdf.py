#!/usr/bin/env python3
"""The whole book as one PDF (`make pdf`), printed by Chromium from the one-page HTML build.

    python scripts/make_pdf.py [--out _build/lutbook.pdf] [--work _build/pdf-src] [--no-build]

1. ``jupyter-book build --builder singlehtml`` into ``<work>/_build/singlehtml`` with -W, the
   project's _config.yml plus ``_ext/lutbook_singlehtml.py`` (what the one-page build needs:
   the html writers' node handlers, every notebook's widget state). The html build is not
   touched.
2. The page is opened from ``file://`` in the Debian Chromium (/usr/bin/chromium, through
   playwright; nothing is downloaded, every request off the machine is refused). It waits until
   MathJax has typeset every equation, every widget is drawn (a static widget shows its
   default frame) and every image has loaded; the book's chapters become the PDF's top-level
   headings, a list of them opens the PDF, solutions are opened, and print CSS hides the
   navigation.
3. Chromium prints A4 with an outline (bookmarks) of the headings and page numbers; the PDF is
   written beside ``--out`` and renamed into place.

No LaTeX. tests/test_pdf.py checks the result.

>>> outline_entries({})
[]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("LUTBOOK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
WAIT_MS = 120_000


class PdfError(Exception):
    """The PDF cannot be made (says why)."""


def singlehtml_config(config: Path, work: Path) -> Path:
    """The project's _config.yml for the one-page build: extension paths made absolute (the
    file lives in `work`) and _ext/lutbook_singlehtml.py added. Written beside, then renamed."""
    import yaml
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    sphinx = data.setdefault("sphinx", {})
    local = sphinx.setdefault("local_extensions", {}) or {}
    local = {name: str((config.parent / path).resolve()) for name, path in local.items()}
    local["lutbook_singlehtml"] = str((ROOT / "_ext").resolve())
    sphinx["local_extensions"] = local
    work.mkdir(parents=True, exist_ok=True)
    target = work / "_config.yml"
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text("# Written by scripts/make_pdf.py from _config.yml; edit that file instead.\n"
                   + yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    os.replace(tmp, target)
    return target


def build_singlehtml(work: Path, source: Path = ROOT) -> Path:
    """Build the book as one page; return the page's path."""
    import yaml
    config = singlehtml_config(source / "_config.yml", work)
    cmd = [str(Path(sys.executable).with_name("jupyter-book")), "build", str(source), "--all", "-W",
           "--keep-going", "--builder", "singlehtml", "--path-output", str(work), "--config", str(config)]
    if subprocess.run(cmd).returncode:
        raise PdfError("the one-page build failed (see its messages above)")
    root_doc = yaml.safe_load((source / "_toc.yml").read_text(encoding="utf-8"))["root"]
    page = work / "_build" / "singlehtml" / f"{root_doc}.html"
    if not page.is_file():
        raise PdfError(f"the one-page build wrote no {page}")
    return page


def top_page(page: Path) -> Path:
    """The page copied to the build's top folder: its links (_static/, _images/) are relative
    to there, not to the folder of the root document."""
    top = page.parent
    while not (top / "_static").is_dir():
        if top == top.parent:
            raise PdfError(f"no _static/ above {page}")
        top = top.parent
    target = top / "lutbook-print.html"
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_bytes(page.read_bytes())
    os.replace(tmp, target)
    return target


PRINT_CSS = """
@page { size: A4; margin: 14mm 13mm 16mm 13mm; }
.bd-header, .bd-sidebar-primary, .bd-sidebar-secondary, .bd-header-article, .bd-footer,
.bd-footer-article, .bd-footer-content, .prev-next-area, .headerlink, .skip-link,
#pst-back-to-top, .search-button-field, button.toggle-button, .toggle-button, .copybtn,
details.hide, #jb-print-docs-body { display: none !important; }
.bd-main .bd-content .bd-article h1:first-of-type { display: block !important; }
.bd-page-width, .bd-main, .bd-main .bd-content, .bd-article-container, .bd-article {
  max-width: 100% !important; width: 100% !important; margin: 0 !important; padding: 0 !important; }
.bd-container, .bd-container__inner { display: block !important; max-width: 100% !important; }
body { font-size: 10.5pt; }
.lutbook-doc { break-before: page; }
img, figure, .cell_output, mjx-container[display="true"], .admonition, table { break-inside: avoid; }
h1, h2, h3, h4 { break-after: avoid; }
.toggle-hidden, .solution.dropdown > :not(.admonition-title) { display: block !important;
  visibility: visible !important; opacity: 1 !important; height: auto !important; }
nav.lutbook-pdf-toc ul { list-style: none; padding-left: 0; } nav.lutbook-pdf-toc li { margin: .15em 0; }
"""

# The pages' titles become h1 (Chromium's outline follows heading levels), every heading below
# moves up with its page; a list of the pages follows the book's title.
RESTRUCTURE_JS = """
() => {
  const docs = [...document.querySelectorAll('span[id^="document-"]')]
    .map(s => s.nextElementSibling).filter(s => s && s.tagName === 'SECTION');
  const depth = s => { let d = 0; for (let p = s.parentElement; p; p = p.parentElement)
    if (docs.includes(p)) d++; return d; };
  const rename = (h, level) => {
    if (h.tagName === 'H' + level) return h;
    const n = document.createElement('h' + level);
    for (const a of h.attributes) n.setAttribute(a.name, a.value);
    while (h.firstChild) n.appendChild(h.firstChild);
    h.replaceWith(n); return n;
  };
  const shift = new Map();
  for (const s of docs) {
    const h = s.querySelector(':scope > h1, :scope > h2, :scope > h3, :scope > h4, :scope > h5');
    if (h) shift.set(s, Number(h.tagName[1]) - 1 - depth(s));
  }
  const inner = h => { for (let p = h.parentElement; p; p = p.parentElement)
    if (shift.has(p)) return shift.get(p); return 0; };
  for (const h of [...document.querySelectorAll('article h1, article h2, article h3, article h4, article h5, article h6')]) {
    const n = Number(h.tagName[1]), d = inner(h);
    if (d) rename(h, Math.min(6, Math.max(1, n - d)));
  }
  const titles = [];
  for (const s of docs) {
    const h = s.querySelector(':scope > h1, :scope > h2');
    if (h) { h.classList.add('lutbook-doc'); titles.push([s.id, h.textContent.replace(/#$/, '').trim(), depth(s)]); }
  }
  const nav = document.createElement('nav');
  nav.className = 'lutbook-pdf-toc';
  nav.innerHTML = '<ul>' + titles.map(([id, t, d]) =>
    `<li style="margin-left:${1.5 * d}em"><a href="#${id}">${t.replace(/</g, '&lt;')}</a></li>`).join('') + '</ul>';
  // where the root page's table of contents was (its pages follow), else after the title
  const firstDoc = document.querySelector('span[id^="document-"]');
  const first = document.querySelector('article h1');
  if (firstDoc) firstDoc.parentElement.insertBefore(nav, firstDoc);
  else first.parentElement.insertBefore(nav, first.nextSibling);
  document.querySelectorAll('details').forEach(d => { if (!d.classList.contains('hide')) d.open = true; });
  return titles.map(t => t[1]);
}
"""

# The headings as the outline should name them: equations as their TeX, no "#" link.
HEADINGS_JS = """
() => [...document.querySelectorAll('article h1, article h2, article h3, article h4, article h5, article h6')]
  .filter(h => h.getClientRects().length > 0)
  .map(h => { const c = h.cloneNode(true);
    c.querySelectorAll('.headerlink').forEach(a => a.remove());
    c.querySelectorAll('mjx-container').forEach(m => {
      const tex = m.querySelector('mjx-assistive-mml math');
      const item = MathJax.startup.document.getMathItemsWithin(h).find(i => i.typesetRoot && m.isEqualNode(i.typesetRoot));
      m.replaceWith(item ? item.math : (tex ? tex.textContent : '')); });
    return c.textContent.replace(/\\s+/g, ' ').trim(); })
"""

READY_JS = """
() => {
  const views = document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]');
  const drawn = [...views].every(v => { const p = v.previousElementSibling;
    return p && p.classList.contains('widget-subarea') && p.children.length > 0; });
  const imgs = [...document.images].every(i => i.complete && (i.naturalWidth > 0 || i.offsetParent === null));
  return drawn && imgs;
}
"""


def print_pdf(page: Path, out: Path) -> dict:
    """Print `page` to `out` (written beside, renamed); return what was waited for."""
    from playwright.sync_api import sync_playwright
    if not Path(CHROMIUM).exists():
        raise PdfError(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    errors = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            tab = browser.new_page(viewport={"width": 1000, "height": 1400})
            tab.on("pageerror", lambda e: errors.append(str(e)))
            tab.route("**/*", lambda r: r.continue_() if r.request.url.startswith(
                ("file:", "data:", "blob:")) else r.abort())
            tab.goto(page.as_uri(), wait_until="load", timeout=WAIT_MS)
            tab.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise",
                                  timeout=WAIT_MS)
            tab.evaluate("() => MathJax.startup.promise")
            tab.wait_for_function(READY_JS, timeout=WAIT_MS)
            counts = tab.evaluate("""() => ({
                math: document.querySelectorAll('mjx-container').length,
                math_errors: document.querySelectorAll('mjx-merror').length,
                widgets: document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]').length,
                images: document.images.length})""")
            if counts["math_errors"]:
                raise PdfError(f"MathJax could not typeset {counts['math_errors']} equation(s)")
            counts["chapters"] = tab.evaluate(RESTRUCTURE_JS)
            tab.add_style_tag(content=PRINT_CSS)
            tab.emulate_media(media="print")
            tab.evaluate("() => document.fonts.ready")
            headings = tab.evaluate(HEADINGS_JS)
            out.parent.mkdir(parents=True, exist_ok=True)
            tmp = out.with_name(out.name + ".tmp")
            tab.pdf(path=str(tmp), format="A4", print_background=True, outline=True, tagged=True,
                    prefer_css_page_size=True, display_header_footer=True,
                    header_template="<span></span>",
                    footer_template='<div style="font-size:8px;width:100%;text-align:center">'
                                    '<span class="pageNumber"></span> / <span class="totalPages"></span></div>')
            counts["outline"] = name_outline(tmp, headings)
            os.replace(tmp, out)
        finally:
            browser.close()
    if errors:
        print("make_pdf: the page reported errors:\n  " + "\n  ".join(errors[:5]), file=sys.stderr)
    return counts


def outline_entries(node) -> list:
    """The outline's entries (PDF dictionaries) below `node`, depth first: the headings' order."""
    items, child = [], node.get("/First")
    while child is not None:
        child = child.get_object()
        items.append(child)
        items.extend(outline_entries(child))
        child = child.get("/Next")
    return items


def name_outline(pdf: Path, headings: list[str]) -> int:
    """Give the outline's entries the headings' text. Chromium names them from the laid-out
    text: a heading broken over two lines loses the space, an equation vanishes, and some come
    out twice ("SummarySummary"). The entries are the visible headings, in order; when the
    counts differ nothing is renamed. Returns the number of entries renamed.
    """
    import logging
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject, TextStringObject
    logging.getLogger("pypdf").setLevel(logging.ERROR)   # Chromium's trailer size is off by a few
    writer = PdfWriter(clone_from=PdfReader(str(pdf)))
    root = writer.root_object.get("/Outlines")
    items = outline_entries(root.get_object()) if root is not None else []
    if len(items) != len(headings):
        print(f"make_pdf: the outline has {len(items)} entries for {len(headings)} headings; "
              "left as Chromium named them", file=sys.stderr)
        return 0
    for item, text in zip(items, headings):
        item[NameObject("/Title")] = TextStringObject(text)
    with open(pdf, "wb") as f:
        writer.write(f)
    return len(items)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=ROOT / "_build" / "lutbook.pdf")
    ap.add_argument("--work", type=Path, default=ROOT / "_build" / "pdf-src",
                    help="folder of the one-page build (its own, never _build/html)")
    ap.add_argument("--no-build", action="store_true", help="print the existing one-page build")
    args = ap.parse_args(argv)
    if args.out.suffix.lower() != ".pdf":
        print(f"make_pdf: --out must end in .pdf, got {str(args.out)!r}", file=sys.stderr)
        return 2
    args.out, args.work = args.out.resolve(), args.work.resolve()   # file:// needs absolute paths
    start = time.monotonic()
    try:
        if args.no_build:
            import yaml
            root_doc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))["root"]
            page = args.work / "_build" / "singlehtml" / f"{root_doc}.html"
            if not page.is_file():
                raise PdfError(f"no {page}: run without --no-build first")
        else:
            page = build_singlehtml(args.work)
        built = time.monotonic()
        counts = print_pdf(top_page(page), args.out)
    except PdfError as e:
        print(f"make_pdf: {e}", file=sys.stderr)
        return 1
    print(f"{args.out}: {args.out.stat().st_size / 1e6:.1f} MB, {len(counts['chapters'])} pages of the "
          f"book, {counts['images']} images, {counts['math']} equations, {counts['widgets']} widgets "
          f"(build {built - start:.0f} s, print {time.monotonic() - built:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
