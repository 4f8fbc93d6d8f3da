"""The offline kit works with no internet: installed into a fresh virtual environment with the
package index switched off, it runs a chapter and gets the committed chapter's outputs.

Needs the kit (`make offline-kit`, in _build/offline-kit or $LUTBOOK_KIT); without it the tests
skip, unless LUTBOOK_REQUIRE_KIT=1 (`make kit`, and so `make test` and CI), when they fail.
Nothing here touches the network: pip's index and every proxy variable point at a loopback
server that answers 404 and records each request (the test fails on any), pip reads no
configuration, HOME and the caches are empty temporary folders (no lutlib data cache), and
`npm`, `apt-get`, `curl`, `wget` are replaced by commands that fail, so a fetch of the data
could not succeed either.
"""
from __future__ import annotations

import configparser
import http.server
import json
import os
import re
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import offline_kit  # noqa: E402  (scripts/offline_kit.py: the kit's checksums and record)

KIT = Path(os.environ.get("LUTBOOK_KIT") or ROOT / "_build" / "offline-kit")
CHAPTER = "00_first_look.ipynb"
NETWORK_TOOLS = ("npm", "apt-get", "curl", "wget")


@pytest.fixture(scope="module")
def kit() -> Path:
    if not (KIT / ".offline-kit.json").is_file():
        message = f"no offline kit at {KIT} (make offline-kit)"
        if os.environ.get("LUTBOOK_REQUIRE_KIT") == "1":
            pytest.fail(f"{message} (LUTBOOK_REQUIRE_KIT=1)")
        pytest.skip(message)
    return KIT


@pytest.fixture(scope="module")
def record(kit) -> dict:
    return json.loads((kit / ".offline-kit.json").read_text())


def test_kit_is_complete_and_unchanged(kit, record):
    """Every file the record lists is there with its checksum; the parts the issue asks for exist."""
    assert offline_kit.changes(kit, record) == []
    missing = [p for p in record["files"] if not (kit / p).is_file()]
    assert missing == []
    assert (kit / "book" / "index.html").is_file()
    assert sorted(p.name for p in (kit / "notebooks").glob("*.ipynb")) == \
        sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    for dataset in ("mnist", "fashion-mnist"):
        assert len(list((kit / "data" / dataset).glob("*-ubyte.gz"))) == 4
    assert len(list((kit / "wheelhouse").glob("lutlib-*.whl"))) == 1
    assert (kit / "install.sh").stat().st_mode & 0o111


class _Recorder(http.server.BaseHTTPRequestHandler):
    """Answers every request (and proxy CONNECT) with 404 and records it."""
    seen: list = []

    def _refuse(self):
        self.seen.append(self.requestline)
        self.send_error(404, "offline test: no network")

    do_GET = do_HEAD = do_POST = do_CONNECT = _refuse

    def log_message(self, *args):
        pass


@pytest.fixture
def trap():
    """A loopback "network": its URL, and the list of requests it received."""
    _Recorder.seen = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Recorder.seen
    server.shutdown()
    server.server_close()


def test_zip_holds_the_kit(kit, record):
    """The zip is the one the record names, every file of the folder is in it, and none is damaged."""
    zpath = Path(record["zip"]["path"])
    assert zpath.is_file() and offline_kit.sha256_file(zpath) == record["zip"]["sha256"]
    with zipfile.ZipFile(zpath) as zf:
        assert zf.testzip() is None
        names = {n.split("/", 1)[1] for n in zf.namelist()}
    assert set(record["files"]) <= names


def _offline_env(tmp: Path, trap_url: str) -> dict:
    """The environment of a classroom machine with no network (see the module docstring)."""
    fake = tmp / "no-network-bin"
    fake.mkdir()
    for tool in NETWORK_TOOLS:
        (fake / tool).write_text(f"#!/bin/sh\necho 'offline test: {tool} was called' >&2\nexit 97\n")
        (fake / tool).chmod(0o755)
    proxies = {"http_proxy", "https_proxy", "all_proxy", "no_proxy", "ftp_proxy"}
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PIP_", "LUTLIB_", "JUPYTER", "PYTHON", "VIRTUAL_ENV", "XDG_"))
           and k.lower() not in proxies}
    home = tmp / "home"
    home.mkdir()
    env.update({
        "HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache"), "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "PIP_CONFIG_FILE": os.devnull, "PIP_INDEX_URL": trap_url + "/simple", "PIP_NO_CACHE_DIR": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        **{k: trap_url for k in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")},
        "npm_config_registry": trap_url, "TQDM_DISABLE": "1",
        "PATH": f"{fake}{os.pathsep}{env['PATH']}",
    })
    return env


def _text(cell) -> str:
    """A code cell's text outputs (streams and text/plain), as nbval compares them."""
    parts = []
    for o in cell.get("outputs", []):
        if o["output_type"] == "stream":
            parts.append(o["text"])
        elif "data" in o and "text/plain" in o["data"] and "image/png" not in o["data"]:
            parts.append(o["data"]["text/plain"])
        elif o["output_type"] == "error":
            parts.append(f"ERROR {o['ename']}: {o['evalue']}")
    return "".join(parts)


def _sanitize(text: str) -> str:
    cfg = configparser.ConfigParser(interpolation=None)
    cfg.read(ROOT / "tests" / "nbval_sanitize.cfg")
    for section in cfg.sections():
        text = re.sub(cfg[section]["regex"], cfg[section].get("replace", ""), text)
    return text


def _images(cell) -> int:
    return sum("image/png" in o.get("data", {}) for o in cell.get("outputs", []))


def test_offline_install_runs_a_chapter(kit, record, tmp_path, trap):
    if not record.get("native") or record.get("python") != "%d.%d" % sys.version_info[:2]:
        pytest.skip(f"the kit is for Python {record.get('python')} on {record.get('platform')}, not this one")
    trap_url, requests = trap
    env = _offline_env(tmp_path, trap_url)
    venv = tmp_path / "venv"
    started = time.monotonic()
    install = subprocess.run(["bash", str(kit / "install.sh"), "--venv", str(venv),
                              "--python", os.path.realpath(sys._base_executable)],
                             env=env, capture_output=True, text=True, timeout=900)
    install_s = time.monotonic() - started
    assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]
    assert "offline test:" not in install.stderr
    assert requests == []
    # The trap works: what would reach the network (pip with its index, a proxied download) reaches it.
    probe = subprocess.run([str(venv / "bin" / "python"), "-c",
                            "import urllib.request\ntry:\n    urllib.request.urlopen('http://example.org/x', timeout=30)\n"
                            "except Exception as e:\n    print(e)"], env=env, capture_output=True, text=True, timeout=60)
    pip = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "download", "--no-deps", "--retries", "0",
                          "-d", str(tmp_path / "probe"), "six"], env=env, capture_output=True, text=True, timeout=120)
    assert pip.returncode != 0 and len(requests) >= 2, (probe.stdout, pip.stderr[-2000:], requests)
    requests.clear()

    # The chapter, as a student's copy, run headless in the kit's environment (activated, as a
    # student would), lutlib reading the kit's data; a last cell says where everything came from.
    nb = nbformat.read(kit / "notebooks" / CHAPTER, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(
        "import os, sys, lutlib\nprint(sys.prefix)\nprint(lutlib.__file__)\nprint(os.environ['LUTLIB_DATA'])"))
    run = tmp_path / "run"
    run.mkdir()
    nbformat.write(nb, run / CHAPTER)
    started = time.monotonic()
    proc = subprocess.run(
        ["bash", "-c", 'source "$1/bin/activate" && exec python "$2" "$3" --out "$4" --timeout 600', "run",
         str(venv), str(ROOT / "scripts" / "execute.py"), str(run / CHAPTER), str(tmp_path / "out")],
        env=env, capture_output=True, text=True, timeout=1200)
    run_s = time.monotonic() - started
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    assert "offline test:" not in proc.stderr
    assert requests == []
    done = nbformat.read(tmp_path / "out" / CHAPTER, as_version=4)
    errors = [_text(c) for c in done.cells if c.cell_type == "code"
              and any(o["output_type"] == "error" for o in c.outputs)]
    assert errors == []

    where = _text(done.cells[-1]).split("\n")
    assert Path(where[0]).resolve() == venv.resolve()
    assert Path(where[1]).resolve().is_relative_to(venv.resolve())       # the wheel, not the repository
    assert Path(where[2]).resolve() == (kit / "data").resolve()

    # The key outputs: every output nbval checks in the committed chapter comes out the same.
    committed = nbformat.read(ROOT / "notebooks" / CHAPTER, as_version=4)
    by_source = {c.source: c for c in done.cells if c.cell_type == "code"}
    checked = 0
    for cell in committed.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if cell.cell_type != "code" or not cell.outputs or {"nbval-ignore-output", "solution"} & set(tags):
            continue
        assert cell.source in by_source, \
            f"a cell of notebooks/{CHAPTER} is not in the kit: rebuild it (make offline-kit)\n{cell.source[:200]}"
        fresh = by_source[cell.source]
        assert _sanitize(_text(fresh)) == _sanitize(_text(cell)), cell.source[:200]
        assert _images(fresh) == _images(cell), cell.source[:200]
        checked += 1
    assert checked >= 8
    assert any("test" in _text(c) and "accuracy" in _text(c).lower() for c in done.cells if c.cell_type == "code")

    launcher = venv / "bin" / "lutbook-lab"
    version = subprocess.run([str(launcher), "--version"], env=env, capture_output=True, text=True, timeout=120)
    assert version.returncode == 0 and re.match(r"\d+\.\d+", version.stdout), version.stderr[-2000:]
    assert requests == []
    print(f"offline install into a fresh venv: {install_s:.0f} s; {CHAPTER} run: {run_s:.0f} s; "
          f"{checked} checked cells equal to the committed ones")
