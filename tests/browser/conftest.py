"""Fixtures for the tests of the built book (`make browser`).

They need `_build/html` (from `make book`) and Chromium at /usr/bin/chromium. When either is
missing the tests are skipped, unless LUTBOOK_REQUIRE_BOOK=1 (set by `make browser` and so by
`make test` and CI), in which case they fail: CI never passes by skipping them.
"""
from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

import pytest

from book_paths import CHROMIUM, CHROMIUM_ARGS, HTML, REQUIRED


def _missing(what: str):
    if REQUIRED:
        pytest.fail(f"{what} (LUTBOOK_REQUIRE_BOOK=1)")
    pytest.skip(f"{what}; run `make browser`")


@pytest.fixture(scope="session")
def book() -> Path:
    if not (HTML / "index.html").is_file():
        _missing(f"{HTML}/index.html not built")
    return HTML


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass


@pytest.fixture(scope="session")
def server(book):
    """Serve _build/html on 127.0.0.1 (a free port) for the whole session."""
    handler = functools.partial(_QuietHandler, directory=str(book))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium for the whole session: Playwright's sync API can run only once."""
    if not Path(CHROMIUM).exists():
        _missing(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def browser(book, chromium):
    return chromium
