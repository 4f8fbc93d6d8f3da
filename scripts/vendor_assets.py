#!/usr/bin/env python3
"""Copy the book's offline JavaScript from node_modules/ into _build/vendor/_vendor/.

Run after `npm ci` (the Makefile's `vendor` target does both). `_config.yml` lists
`_build/vendor` in Sphinx's `html_extra_path`, so everything here lands in
`_build/html/_vendor/` and the built book loads MathJax, require.js and the Jupyter
widgets HTML manager from its own folder instead of a CDN. reveal.js (the slides of
`make slides`, scripts/make_slides.py) is copied to `_vendor/reveal.js/` too: its script,
its CSS, the white theme (fonts inlined) and the speaker-notes plugin, about 0.3 MB.

Only the standard library is used, so this runs before the virtualenv exists.
"""
from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"
DEST = ROOT / "_build" / "vendor" / "_vendor"

# (package, source inside the package, destination inside _vendor/, files to skip)
ASSETS = [
    ("mathjax", "es5", "mathjax", ()),
    ("requirejs", "require.js", "requirejs/require.js", ()),
    # The dist folder holds embed-amd.js plus the Font Awesome fonts it references
    # relative to its own URL. Source maps and the non-AMD bundles are not needed.
    ("@jupyter-widgets/html-manager", "dist", "html-manager",
     ("*.map", "embed.js", "embed.js.LICENSE.txt", "libembed-amd.js")),
    # The slides (scripts/make_slides.py): the UMD builds (loaded before require.js).
    ("reveal.js", "dist/reveal.js", "reveal.js/reveal.js", ()),
    ("reveal.js", "dist/reveal.css", "reveal.js/reveal.css", ()),
    ("reveal.js", "dist/theme/white.css", "reveal.js/theme/white.css", ()),
    ("reveal.js", "dist/plugin/notes.js", "reveal.js/plugin/notes.js", ()),
]
LICENSES = ("LICENSE", "LICENSE.txt", "LICENSE.md")


def main() -> int:
    lock = json.loads((ROOT / "package-lock.json").read_text())
    if DEST.exists():
        shutil.rmtree(DEST)
    DEST.mkdir(parents=True)
    for package, source, dest, skip in ASSETS:
        pkg_dir = NODE_MODULES / package
        if not pkg_dir.is_dir():
            print(f"error: {pkg_dir} missing; run `npm ci` first", file=sys.stderr)
            return 1
        want = lock["packages"][f"node_modules/{package}"]["version"]
        have = json.loads((pkg_dir / "package.json").read_text())["version"]
        if want != have:
            print(f"error: {package} is {have} in node_modules but {want} in "
                  "package-lock.json; run `npm ci`", file=sys.stderr)
            return 1
        src, out = pkg_dir / source, DEST / dest
        out.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, out, ignore=shutil.ignore_patterns(*skip))
        else:
            shutil.copy2(src, out)
        license_dir = out if src.is_dir() else out.parent
        for name in LICENSES:
            if (pkg_dir / name).exists():
                shutil.copy2(pkg_dir / name, license_dir / f"{name}.{Path(package).name}")
    # Our own require.js configuration for the widgets bundle (see its comments).
    shutil.copy2(ROOT / "_ext" / "widgets-config.js", DEST / "widgets-config.js")
    n = sum(1 for p in DEST.rglob("*") if p.is_file())
    print(f"vendored {n} files into {DEST.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
