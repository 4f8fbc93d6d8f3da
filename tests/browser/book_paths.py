"""Paths and settings shared by the browser tests and their fixtures."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"
SCREENSHOTS = ROOT / "_build" / "screenshots"
CHROMIUM = os.environ.get("LUTBOOK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
REQUIRED = os.environ.get("LUTBOOK_REQUIRE_BOOK") == "1"


def html_pages() -> list[Path]:
    """Every HTML page of the built book, relative to _build/html."""
    if not HTML.is_dir():
        return []
    return sorted(p.relative_to(HTML) for p in HTML.rglob("*.html")
                  if "_vendor" not in p.parts and "_static" not in p.parts
                  and not _is_redirect(p))


def _is_redirect(page: Path) -> bool:
    """A stub that only forwards the browser elsewhere (the root index.html): no content to
    check, and a test that reads it would race the navigation."""
    head = page.read_text(encoding="utf-8", errors="replace")[:200].lower()
    return head.lstrip().startswith('<meta http-equiv="refresh"')
