"""The offline kit's bookkeeping: what goes in, checksums, and the rules for writing it safely.

Used by scripts/make_offline_kit.py (`make offline-kit`); pure Python, so the unit tests run it
without building wheels. The rules (shared with scripts/make_student.py, whose `Refused` and
`_inside` are reused):

* A kit folder holds a record, ``.offline-kit.json``: the SHA-256 of every file the script
  wrote there (and of the zip it wrote). A folder without that record, or with a file added or
  changed since, is never written over (`check_out`): it may hold someone's work.
* A kit is built in a temporary folder beside the target and swapped in at the end
  (`swap_in`); an interrupted build leaves the previous kit as it was, and the next run tidies
  up what the interrupted one left (`recover`).
* Data files are copied only after their decompressed bytes match the official SHA-256
  (`copy_dataset`), and every wheel must be the version pinned in constraints.txt
  (`check_pins`).

>>> normalize("Jupyterlab_Myst")
'jupyterlab-myst'
"""
from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import os
import re
import shutil
import sys
import uuid
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import atomic  # noqa: E402  (scripts/ is not a package)
from make_student import Refused, _inside  # noqa: E402

try:
    import fcntl
except ImportError:  # Windows: no advisory lock; the swap is still safe for one build at a time
    fcntl = None

TOOL = "make_offline_kit.py"
RECORD = ".offline-kit.json"
SUMS = "SHA256SUMS"
ZIP_ROOT = "lutbook-offline-kit"
#: Already compressed: stored as they are in the zip (deflating them again costs time, saves nothing).
STORED = (".whl", ".gz", ".png", ".jpg", ".woff", ".woff2", ".zip")


class KitError(Exception):
    """The kit cannot be built as asked (bad data, a wheel not pinned, a missing book ...)."""


def normalize(name: str) -> str:
    """A package name as PEP 503 compares them (lower case, runs of -_. as one -)."""
    return re.sub(r"[-_.]+", "-", name).lower()


# ---- what goes in ----------------------------------------------------------------------
def expand_extra(project: dict, extra: str) -> list[str]:
    """The requirements of `project` (pyproject's [project] table) with `extra`, self-references expanded.

    >>> expand_extra({"name": "p", "dependencies": ["a"],
    ...               "optional-dependencies": {"x": ["b"], "y": ["p[x]", "c>=1"]}}, "y")
    ['a', 'b', 'c>=1']
    """
    name, extras = normalize(project["name"]), project.get("optional-dependencies", {})
    out, seen = list(project.get("dependencies", [])), set()

    def add(e):
        if e in seen:
            return
        if e not in extras:
            raise KitError(f"pyproject.toml has no extra {e!r} (extras: {', '.join(sorted(extras))}).")
        seen.add(e)
        for req in extras[e]:
            m = re.match(r"^\s*([A-Za-z0-9._-]+)\s*\[([^\]]*)\]\s*$", req)
            if m and normalize(m.group(1)) == name:
                for sub in m.group(2).split(","):
                    add(sub.strip())
            elif req not in out:
                out.append(req)
    add(extra)
    return out


def read_pins(constraints_text: str) -> dict[str, str]:
    """``name==version`` lines of a constraints file, as {normalized name: version}.

    >>> read_pins("# header\\nscikit-learn==1.9.1\\nNumPy==2.4.6\\n")
    {'scikit-learn': '1.9.1', 'numpy': '2.4.6'}
    """
    pins = {}
    for line in constraints_text.splitlines():
        line = line.split("#", 1)[0].strip()
        m = re.match(r"^([A-Za-z0-9._-]+)\s*==\s*([^\s;]+)$", line)
        if m:
            pins[normalize(m.group(1))] = m.group(2)
    return pins


def wheel_name_version(filename: str) -> tuple[str, str]:
    """(normalized name, version) from a wheel's file name.

    >>> wheel_name_version("scikit_learn-1.9.1-cp311-cp311-manylinux_2_28_x86_64.whl")
    ('scikit-learn', '1.9.1')
    """
    parts = filename[:-len(".whl")].split("-") if filename.endswith(".whl") else []
    if len(parts) not in (5, 6):
        raise KitError(f"{filename} is not a wheel file name (name-version-python-abi-platform.whl).")
    return normalize(parts[0]), parts[1]


def check_pins(wheels, pins: dict[str, str], skip=()) -> tuple[list[str], list[str]]:
    """Compare wheel files with the pins: (wrong versions, packages not pinned at all).

    >>> check_pins(["numpy-2.4.6-cp311-cp311-linux_x86_64.whl", "six-1.0-py3-none-any.whl",
    ...             "colorama-0.4.6-py3-none-any.whl"], {"numpy": "2.4.6", "six": "1.17.0"})
    (['six 1.0 (constraints.txt pins 1.17.0)'], ['colorama 0.4.6'])
    """
    from packaging.version import Version
    wrong, unpinned = [], []
    for w in sorted(wheels):
        name, version = wheel_name_version(Path(w).name)
        if name in skip:
            continue
        if name not in pins:
            unpinned.append(f"{name} {version}")
        elif Version(version) != Version(pins[name]):
            wrong.append(f"{name} {version} (constraints.txt pins {pins[name]})")
    return wrong, unpinned


def target_environment(platform: str, python_version: str) -> dict:
    """Environment-marker values for a --platform tag and a full Python version (PEP 508).

    pip download --platform resolves environment markers for the machine it runs on, not for the
    target, so the target's own conditional dependencies (on Windows: pywin32, pywinpty,
    colorama) must be found separately (`missing_for_target`).

    >>> target_environment("win_amd64", "3.11.9")["sys_platform"]
    'win32'
    """
    families = {"win": ("nt", "win32", "Windows"), "macosx": ("posix", "darwin", "Darwin"),
                "linux": ("posix", "linux", "Linux")}
    family = next((f for f in families if platform.startswith(f) or f in platform), None)
    if family is None:
        raise KitError(f"unknown platform {platform!r}: expected win_*, macosx_*, manylinux_* or linux_*.")
    os_name, sys_platform, system = families[family]
    if family == "win":
        machine = {"win32": "x86", "win_arm64": "ARM64"}.get(platform, "AMD64")
    else:
        m = re.search(r"(x86_64|aarch64|arm64|i686|universal2|ppc64le|s390x|armv7l)$", platform)
        machine = m.group(1) if m else platform.rsplit("_", 1)[-1]
    return {"os_name": os_name, "sys_platform": sys_platform, "platform_system": system,
            "platform_machine": machine, "python_version": ".".join(python_version.split(".")[:2]),
            "python_full_version": python_version, "implementation_name": "cpython",
            "platform_python_implementation": "CPython", "extra": ""}


def missing_for_target(wheelhouse: Path, environment: dict) -> list[str]:
    """Requirements of the wheels in wheelhouse that `environment` needs and no wheel there provides.

    Only requirements with a marker are looked at (pip resolved the others), each evaluated for
    the target; dependencies of optional extras are not (pip resolved those on this machine).
    """
    from packaging.requirements import Requirement
    have = {wheel_name_version(p.name)[0] for p in wheelhouse.glob("*.whl")}
    missing = set()
    for path in sorted(wheelhouse.glob("*.whl")):
        with zipfile.ZipFile(path) as zf:
            meta = [n for n in zf.namelist() if n.endswith(".dist-info/METADATA") and n.count("/") == 1]
            text = zf.read(meta[0]).decode("utf-8", "replace") if meta else ""
        for line in text.split("\n\n", 1)[0].splitlines():
            if not line.startswith("Requires-Dist:"):
                continue
            req = Requirement(line.split(":", 1)[1].strip())
            if req.marker is not None and req.marker.evaluate(environment) and normalize(req.name) not in have:
                req.marker = None
                missing.add(str(req))
    return sorted(missing)


# ---- checksums and the record ----------------------------------------------------------
def sha256_file(path: Path) -> str:
    """SHA-256 of a file, read in chunks (wheels are up to ~60 MB)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def tree_hashes(folder: Path, skip=(RECORD,)) -> dict[str, str]:
    """{relative posix path: sha256} of every file under folder (not `skip`, not symlinks' targets)."""
    out = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if rel in skip:
            continue
        if path.is_symlink() or not (path.is_file() or path.is_dir()):
            out[rel] = "not a regular file"
        elif path.is_file():
            out[rel] = sha256_file(path)
    return out


def sums_text(hashes: dict[str, str]) -> str:
    """The lines of a SHA256SUMS file (`sha256sum -c SHA256SUMS` checks them).

    >>> sums_text({"a/b.txt": "00ff"})
    '00ff  a/b.txt\\n'
    """
    return "".join(f"{h}  {p}\n" for p, h in sorted(hashes.items()))


def read_record(folder: Path) -> dict | None:
    """The record of a kit this script wrote in folder, or None if there is none."""
    try:
        record = json.loads((folder / RECORD).read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:
        raise Refused(f"{folder / RECORD} is unreadable ({e}); it is how {TOOL} knows what it wrote in "
                      f"{folder}. Move {folder} away or choose another --out.") from None
    if not (isinstance(record, dict) and record.get("tool") == TOOL and isinstance(record.get("files"), dict)):
        raise Refused(f"{folder / RECORD} was not written by {TOOL}; move {folder} away or choose another --out.")
    return record


def write_record(folder: Path, record: dict) -> None:
    """Write the record atomically (a reader sees the old one or the new one; scripts/atomic.py)."""
    atomic.write_text(folder / RECORD, json.dumps(record, indent=1, sort_keys=True) + "\n")


def changes(folder: Path, record: dict) -> list[str]:
    """Files in folder added or changed since the record was written (someone's work)."""
    now = tree_hashes(folder)
    added = [f"{p} (added)" for p in now if p not in record["files"]]
    changed = [f"{p} (changed)" for p, h in now.items() if p in record["files"] and h != record["files"][p]]
    return sorted(added + changed)


# ---- refusal rules ---------------------------------------------------------------------
def check_out(out: Path, protected=()) -> dict | None:
    """Refuse an --out that could hold anything this script did not write; return its record.

    protected: folders the kit must not be, be inside of, or hold (the repository, notebooks/,
    the book it copies).
    """
    o = out.resolve()
    for p in map(Path, protected):
        p = p.resolve()
        if _inside(o, p) or _inside(p, o):
            raise Refused(f"--out {out} is, is inside, or holds {p}: the kit would mix with (or replace) "
                          "the sources it is made from. Choose a folder of its own, e.g. _build/offline-kit.")
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise Refused(f"--out {out} exists and is not a folder: nothing was written.")
    if not out.is_dir():
        return None
    record = read_record(out)
    if record is None:
        if any(out.iterdir()):
            names = sorted(p.name for p in out.iterdir())
            raise Refused(f"--out {out} is a folder {TOOL} did not create and it is not empty "
                          f"({', '.join(names[:5])}{' ...' if len(names) > 5 else ''}): nothing was written. "
                          "Choose a new or empty folder, or move it away.")
        return None
    edited = changes(out, record)
    if edited:
        raise Refused(f"in {out}, {len(edited)} file(s) were added or changed since {TOOL} wrote the kit "
                      f"({', '.join(edited[:5])}{' ...' if len(edited) > 5 else ''}); replacing the kit "
                      "would delete them, so nothing was written. Move them (or the kit) away first.")
    return record


def check_zip(zpath: Path, record: dict | None, replace: bool = False) -> str | None:
    """Refuse to replace a zip this script did not write; return its SHA-256 (None if absent)."""
    if zpath.is_symlink() or zpath.is_dir():
        raise Refused(f"--zip {zpath} is a folder or a link: nothing was written.")
    if not zpath.exists():
        return None
    digest = sha256_file(zpath)
    ours = (record or {}).get("zip") or {}
    if digest in (ours.get("sha256"), ours.get("previous_sha256")) or replace:
        return digest
    raise Refused(f"--zip {zpath} exists and {TOOL} did not write it (or it was changed since): nothing was "
                  "written. Move it away, choose another --zip, or pass --replace-zip.")


# ---- writing safely --------------------------------------------------------------------
@contextlib.contextmanager
def locked(out: Path):
    """One build of a given kit at a time (lock file ``.<name>.lock`` beside it)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out.parent / f".{out.name}.lock", "a+b") as handle:
        if fcntl is not None:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise Refused(f"another {TOOL} is writing {out}; wait for it to finish.") from None
        yield


def temp_folder(out: Path) -> Path:
    """A fresh folder beside `out` to build in, marked as ours at once (an empty record)."""
    tmp = out.parent / f".{out.name}.tmp-{uuid.uuid4().hex[:12]}"
    tmp.mkdir(parents=True)
    write_record(tmp, {"tool": TOOL, "files": {}, "state": "building"})
    return tmp


def recover(out: Path, zpath: Path | None = None) -> list[str]:
    """Tidy up after an interrupted build (call under `locked`); returns what it did.

    Unfinished builds (``.<name>.tmp-*`` holding our record, or empty) and unfinished zips
    (``.<zip name>.tmp-*`` files) are removed; if the kit
    itself is missing because a swap was interrupted, the previous kit (``.<name>.old-*``) is put
    back; an old kit left beside a complete new one is removed. Folders without our record are
    left alone.
    """
    done = []
    for tmp in sorted(out.parent.glob(f".{out.name}.tmp-*")):
        if tmp.is_dir() and not tmp.is_symlink() and (not any(tmp.iterdir()) or _ours(tmp)):
            shutil.rmtree(tmp)
            done.append(f"removed {tmp} (an unfinished build)")
    for ztmp in sorted(zpath.parent.glob(f".{zpath.name}.tmp-*")) if zpath is not None else ():
        if ztmp.is_file() and not ztmp.is_symlink():
            ztmp.unlink()
            done.append(f"removed {ztmp} (an unfinished zip)")
    olds = sorted((p for p in out.parent.glob(f".{out.name}.old-*") if p.is_dir() and _ours(p)),
                  key=lambda p: p.stat().st_mtime)
    if olds and not out.exists():
        os.rename(olds[-1], out)
        done.append(f"restored {out} from {olds[-1].name} (a swap was interrupted)")
        olds = olds[:-1]
    for old in olds:
        shutil.rmtree(old)
        done.append(f"removed {old} (the kit before the last build)")
    return done


def _ours(folder: Path) -> bool:
    try:
        return read_record(folder) is not None
    except Refused:
        return False


def swap_in(tmp: Path, out: Path) -> None:
    """Put the finished kit `tmp` at `out`, the previous kit (if any) removed only afterwards."""
    old = None
    if out.exists():
        old = out.parent / f".{out.name}.old-{uuid.uuid4().hex[:12]}"
        os.rename(out, old)
    os.rename(tmp, out)
    if old is not None:
        shutil.rmtree(old)


def write_zip(folder: Path, zpath: Path, root: str = ZIP_ROOT) -> Path:
    """Zip folder (as `root/...`) into a temporary file beside zpath; returns that file.

    Wheels, .gz data and images are stored, the rest deflated; *.sh files are executable.
    """
    zpath.parent.mkdir(parents=True, exist_ok=True)
    tmp = zpath.parent / f".{zpath.name}.tmp-{uuid.uuid4().hex[:12]}"
    try:
        with zipfile.ZipFile(tmp, "w") as zf:
            for path in sorted(folder.rglob("*")):
                if not path.is_file():
                    continue
                rel = path.relative_to(folder).as_posix()
                info = zipfile.ZipInfo.from_file(path, f"{root}/{rel}")
                info.compress_type = zipfile.ZIP_STORED if path.suffix in STORED else zipfile.ZIP_DEFLATED
                info.external_attr = (0o100755 if path.suffix == ".sh" else 0o100644) << 16
                with open(path, "rb") as src, zf.open(info, "w") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


# ---- data ------------------------------------------------------------------------------
def copy_dataset(src: Path, dest: Path, dataset: str, checksums: dict[str, str] | None = None) -> dict[str, str]:
    """Copy the four IDX files of `dataset` from src to dest as .gz, each copy verified.

    checksums: {file name: SHA-256 of the decompressed bytes}; default lutlib's official ones.
    A raw (uncompressed) file is gzipped (reproducibly: no time stamp). Returns {file name:
    SHA-256 of the .gz written}. Raises KitError, naming the file, when one is missing or its
    copy does not match (the bad copy is removed).
    """
    from lutlib.fetch import find_file
    from lutlib.idx import SHA256, DataFileError, read_bytes
    expected = SHA256[dataset] if checksums is None else checksums
    dest.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, digest in expected.items():
        path = find_file(src, name)
        if path is None:
            raise KitError(f"{dataset}: {name} (.gz or raw) not found in {src}; run `make data` or set LUTLIB_DATA.")
        target = dest / f"{name}.gz"
        try:
            if path.suffix == ".gz":
                shutil.copyfile(path, target)
            else:
                target.write_bytes(gzip.compress(read_bytes(path), mtime=0))
            data = read_bytes(target)                    # the copy is what gets checked
        except DataFileError as e:
            raise KitError(str(e)) from None
        if hashlib.sha256(data).hexdigest() != digest:
            target.unlink()
            raise KitError(f"{path}: SHA-256 of its contents does not match the official {dataset} {name}; "
                           "it is corrupt or another file. Fetch it again (lutlib data fetch).")
        written[target.name] = sha256_file(target)
    return written
