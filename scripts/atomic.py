"""Write a file so that it is either the old file or the whole new one, never half of either.

Every script that writes a file a person may have (a chapter, a student notebook, a deck, a zip)
writes through here: the bytes go to a temporary file beside the target (same folder, so the
same file system), are flushed to the disk (``fsync``), and only then is the temporary file
renamed over the target (``os.replace``, atomic on POSIX and Windows). A full disk, a kill or a
power cut in the middle leaves the target as it was; the temporary file is removed when Python
still runs, and is a hidden ``.<name>.tmp-<random>`` otherwise (`leftovers` finds those).

>>> import tempfile, pathlib
>>> target = pathlib.Path(tempfile.mkdtemp()) / "notes.txt"
>>> write_text(target, "first")
>>> write_text(target, "second"); target.read_text()
'second'
"""
from __future__ import annotations

import contextlib
import os
import re
import tempfile
from pathlib import Path


def _new_file_mode() -> int:
    """The mode a new file gets here (0666 minus the umask); mkstemp's own is 0600."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _fsync_folder(folder: Path) -> None:
    """Make a rename in `folder` durable (POSIX; a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def replacing(dest: Path):
    """Yield a temporary path beside `dest`; on a clean exit it replaces `dest`, else it is removed.

    For writers that want a path (zipfile, nbformat): ``with replacing(p) as tmp: zf = ZipFile(tmp, "w")``.
    The file keeps the mode of the `dest` it replaces (a new one gets the usual 0666 minus umask).
    """
    dest = Path(dest)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.tmp-")
    os.close(fd)
    tmp = Path(tmp)
    try:
        try:
            mode = dest.stat().st_mode & 0o7777
        except FileNotFoundError:
            mode = _new_file_mode()
        os.chmod(tmp, mode)
        yield tmp
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_folder(dest.parent)


def leftovers(folder: Path, names) -> list[Path]:
    """Temporary files a killed writer left in `folder` for the files `names` (to remove).

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / ".a.txt.tmp-x1y2z3w4").write_text("half"), (folder / ".a.txt.mine").write_text("")
    >>> [p.name for p in leftovers(folder, ["a.txt"])]
    ['.a.txt.tmp-x1y2z3w4']
    """
    pattern = re.compile("|".join(rf"\.{re.escape(n)}\.tmp-[a-z0-9_]{{8}}" for n in names) or "(?!)")
    try:
        return sorted(p for p in folder.iterdir() if pattern.fullmatch(p.name) and p.is_file()
                      and not p.is_symlink())
    except FileNotFoundError:
        return []


def write_bytes(dest: Path, data: bytes) -> None:
    """Replace `dest` by `data` atomically (see the module's docstring)."""
    with replacing(dest) as tmp:
        with open(tmp, "wb") as f:
            f.write(data)


def write_text(dest: Path, text: str, encoding: str = "utf-8") -> None:
    """Replace `dest` by `text` atomically (UTF-8 by default, newlines as given)."""
    write_bytes(dest, text.encode(encoding))


def write_notebook(nb, dest: Path) -> None:
    """Write notebook `nb` (nbformat) to `dest` atomically, in nbformat's own layout."""
    import nbformat
    text = nbformat.writes(nb)
    write_text(dest, text if text.endswith("\n") else text + "\n")
