"""Small Sphinx fixes for lutbook's HTML (loaded through `local_extensions` in _config.yml).

sphinx-thebe 0.3.1 registers its inline `const THEBE_JS_URL = ...` script twice with
Sphinx 7 (once through the registry and once on the builder), so every page raises
"Identifier 'THEBE_JS_URL' has already been declared" in the browser console. We drop exact
duplicate <script> entries from each page. The browser test (tests/browser) fails on any
console error, so if this stops working it will be noticed.
"""
from __future__ import annotations


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


def setup(app):
    # Run after every extension has added its per-page scripts.
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
