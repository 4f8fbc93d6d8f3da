#!/usr/bin/env python3
"""Write the offline classroom kit: wheels, data, the book, student notebooks, an install script.

    python scripts/make_offline_kit.py [--out _build/offline-kit] [--zip _build/offline-kit.zip]
        [--book _build/html] [--data FOLDER] [--extra lab]
        [--platform TAG --python-version X.Y] [--replace-zip]
    python scripts/make_offline_kit.py --clean [--out ...] [--zip ...]

Used by `make offline-kit`. The kit (a folder and the same as a zip) holds

* ``wheelhouse/``: a wheel of every package ``pip install 'lutlib[lab]'`` needs, each the version
  pinned in constraints.txt (checked), for this machine's Python and platform, or for another
  (``--platform win_amd64 --python-version 3.11.9``: binary wheels only, plus the dependencies
  only the target's markers select, e.g. pywinpty on Windows); lutlib itself is a wheel built
  from the working tree;
* ``data/``: MNIST and Fashion-MNIST (.gz), each file's contents checked against the official
  SHA-256 (from --data, $LUTLIB_DATA or lutlib's cache: `make data`), and ``data/SHA256SUMS``;
* ``book/``: the built book (--book, from `make book`); ``slides/``: the decks (--slides, from
  `make slides`, when built); ``lutbook.pdf``: the book as one PDF (--pdf, from `make pdf`,
  when built); ``notebooks/``: the student notebooks
  (scripts/make_student.py's rules: solutions removed, outputs cleared);
* ``install.sh``, ``README.md``, ``constraints.txt`` (the versions in the wheelhouse) and
  ``SHA256SUMS`` (every file: ``sha256sum -c SHA256SUMS`` checks a copied kit).

Building needs the package registry (``pip download``); installing from the kit does not. The kit
is built beside --out and swapped in at the end; the script never writes over a folder or zip
it did not write, nor over files added or changed in its kit since (scripts/offline_kit.py).
``--clean`` removes the kit and zip it wrote, and keeps (and names) a kit with files added or
changed since.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import offline_kit as kit  # noqa: E402
from make_student import Refused, StudentError, studentize  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "scripts" / "kit"
DATASETS = ("mnist", "fashion-mnist")


# ---- the heavy steps (network, builds); tests replace them --------------------------------
def download_wheels(reqs, constraints: Path, wheelhouse: Path, platform=None, python_version=None) -> None:
    """``pip download`` binary wheels of `reqs` (and their dependencies) into wheelhouse."""
    cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--dest", str(wheelhouse),
           "--only-binary=:all:", "-c", str(constraints)]
    if platform:
        cmd += ["--platform", platform, "--python-version", python_version, "--implementation", "cp"]
    _run(cmd + list(reqs), "pip download")


def build_lutlib_wheel(root: Path, wheelhouse: Path) -> None:
    """Build lutlib's wheel from a copy of the working tree (pip would leave build/ in the repository)."""
    with tempfile.TemporaryDirectory(prefix="lutlib-src-") as tmp:
        src = Path(tmp)
        for name in ("pyproject.toml", "README.md"):
            shutil.copy2(root / name, src / name)
        shutil.copytree(root / "lutlib", src / "lutlib", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(wheelhouse),
              str(src)], "pip wheel (lutlib)")


def _run(cmd, what):
    try:
        subprocess.run(cmd, check=True)
    except subprocess.CalledProcessError as e:
        raise kit.KitError(f"{what} failed (exit {e.returncode}): {' '.join(cmd[:8])} ...") from None


# ---- assembling ---------------------------------------------------------------------------
def _git_state(root: Path) -> dict:
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                                text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--", "lutlib", "pyproject.toml",
                                "notebooks"], capture_output=True, text=True, check=True).stdout.split("\n")
        return {"commit": commit, "uncommitted": [line[3:] for line in dirty if line.strip()]}
    except (OSError, subprocess.CalledProcessError):
        return {"commit": None, "uncommitted": []}


def _fill(template: str, values: dict) -> str:
    for key, value in values.items():
        template = template.replace(f"@{key}@", str(value))
    left = re.findall(r"@[A-Z_]+@", template)
    if left:
        raise kit.KitError(f"template placeholders left unfilled: {', '.join(sorted(set(left)))}")
    return template


def _wheels(tmp: Path, args, download, build_wheel) -> tuple[list[str], list[str]]:
    import tomllib
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = kit.expand_extra(project, args.extra)
    wheelhouse = tmp / "wheelhouse"
    wheelhouse.mkdir()
    download(reqs, ROOT / "constraints.txt", wheelhouse, args.platform, args.python_version)
    if args.platform:  # pip resolved markers for this machine: add what the target itself needs
        target = kit.target_environment(args.platform, args.python_version)
        for _ in range(5):
            missing = kit.missing_for_target(wheelhouse, target)
            if not missing:
                break
            print(f"for {args.platform}: also {', '.join(missing)}")
            download(missing, ROOT / "constraints.txt", wheelhouse, args.platform, args.python_version)
    build_wheel(ROOT, wheelhouse)
    others = sorted(p.name for p in wheelhouse.iterdir() if not p.name.endswith(".whl"))
    if others:
        raise kit.KitError(f"the wheelhouse holds files that are not wheels: {', '.join(others)}")
    wheels = sorted(p.name for p in wheelhouse.glob("*.whl"))
    if sum(kit.wheel_name_version(w)[0] == "lutlib" for w in wheels) != 1:
        raise kit.KitError("the wheelhouse must hold exactly one lutlib wheel")
    wrong, unpinned = kit.check_pins(wheels, kit.read_pins((ROOT / "constraints.txt").read_text()), skip={"lutlib"})
    if wrong:
        raise kit.KitError("wheels at other versions than constraints.txt pins: " + ", ".join(wrong))
    if unpinned and not args.platform:
        raise kit.KitError("packages not pinned in constraints.txt: " + ", ".join(unpinned) +
                           ". Pin them (CONTRIBUTING.md: regenerate constraints.txt) and build again.")
    pins = "".join(f"{n}=={v}\n" for n, v in sorted(map(kit.wheel_name_version, wheels)) if n != "lutlib")
    (tmp / "constraints.txt").write_text("# The versions in wheelhouse/ (install.sh installs with these).\n" + pins)
    return wheels, unpinned


def assemble(tmp: Path, args, download=download_wheels, build_wheel=build_lutlib_wheel) -> dict:
    """Fill the empty kit folder tmp; returns facts for the record."""
    import nbformat
    from lutlib import __version__
    from lutlib.fetch import locate
    if not (args.book / "index.html").is_file():
        raise kit.KitError(f"no built book at {args.book}/index.html; run `make book` first.")
    stale = [p.name for p in sorted((ROOT / "notebooks").glob("*.ipynb"))
             if p.stat().st_mtime > (args.book / "index.html").stat().st_mtime]
    if stale:
        print(f"warning: {', '.join(stale)} changed after the book in {args.book} was built; "
              "run `make book` for a kit that matches them", file=sys.stderr)
    # data first: cheap, and the most likely to be missing
    sums = {}
    for dataset in DATASETS:
        try:
            src = locate(dataset, folder=args.data, download=False)
        except FileNotFoundError as e:
            raise kit.KitError(f"{e} Run `make data` (or set LUTLIB_DATA) first.") from None
        for name, digest in kit.copy_dataset(Path(src), tmp / "data" / dataset, dataset).items():
            sums[f"{dataset}/{name}"] = digest
    (tmp / "data" / kit.SUMS).write_text(kit.sums_text(sums))
    print(f"data: MNIST and Fashion-MNIST, SHA-256 verified, in {tmp.name}/data")
    (tmp / "notebooks").mkdir()
    for nb_path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        try:
            student = studentize(nbformat.read(nb_path, as_version=4))
        except StudentError as e:
            raise kit.KitError(f"{nb_path}: {e}") from None
        nbformat.write(student, tmp / "notebooks" / nb_path.name)
    shutil.copytree(args.book, tmp / "book")
    slides = getattr(args, "slides", None)
    if slides and (slides / "index.html").is_file():
        shutil.copytree(slides, tmp / "slides")   # for the projector: reveal.js decks, offline
    elif slides:
        print(f"warning: no slides at {slides}/index.html (make slides); the kit has none", file=sys.stderr)
    pdf = getattr(args, "pdf", None)
    if pdf and pdf.is_file():
        shutil.copy2(pdf, tmp / "lutbook.pdf")     # the whole book, to print or read on a tablet
    elif pdf:
        print(f"warning: no {pdf} (make pdf); the kit has no PDF", file=sys.stderr)
    started = time.monotonic()
    wheels, unpinned = _wheels(tmp, args, download, build_wheel)
    print(f"wheelhouse: {len(wheels)} wheels in {time.monotonic() - started:.0f} s")
    native = not args.platform
    values = {
        "PYTHON_VERSION": ".".join((args.python_version or "%d.%d" % sys.version_info[:2]).split(".")[:2]),
        "PLATFORM": args.platform or sysconfig.get_platform(),
        "LUTLIB_VERSION": __version__, "EXTRA": args.extra, "N_WHEELS": len(wheels),
        "BUILT": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "UNPINNED": ", ".join(unpinned) if unpinned else "none",
    }
    for name in ("install.sh", "README.md"):
        (tmp / name).write_text(_fill((TEMPLATES / name).read_text(), values))
    (tmp / "install.sh").chmod(0o755)
    return {"python": values["PYTHON_VERSION"], "platform": values["PLATFORM"], "native": native,
            "extra": args.extra, "wheels": len(wheels), "unpinned": unpinned, "lutlib": __version__,
            "built": values["BUILT"], "git": _git_state(ROOT)}


def build(args, download=download_wheels, build_wheel=build_lutlib_wheel) -> dict:
    """Build the kit into a temporary folder, zip it, swap both in; returns the new record."""
    out, zpath = args.out, args.zip
    protected = [ROOT / "notebooks", ROOT / "lutlib", ROOT / "scripts", ROOT / "tests", args.book]
    started = time.monotonic()
    if kit._inside(zpath.resolve(), out.resolve()):
        raise Refused(f"--zip {zpath} is inside --out {out}; put it beside the folder.")
    kit.check_zip(zpath, kit.check_out(out, protected), args.replace_zip)   # before writing even a lock file
    with kit.locked(out):
        for line in kit.recover(out, zpath):
            print(line)
        old = kit.check_out(out, protected)                                 # again, now that no one else builds
        previous_zip = kit.check_zip(zpath, old, args.replace_zip)
        tmp, ztmp = kit.temp_folder(out), None
        try:
            facts = assemble(tmp, args, download, build_wheel)
            (tmp / kit.SUMS).write_text(kit.sums_text(kit.tree_hashes(tmp)))
            record = {"tool": kit.TOOL, "files": kit.tree_hashes(tmp), **facts}
            kit.write_record(tmp, record)
            ztmp = kit.write_zip(tmp, zpath)
            record["zip"] = {"path": str(zpath.resolve()), "sha256": kit.sha256_file(ztmp),
                             "previous_sha256": previous_zip}
            record["bytes"] = {"folder": sum((tmp / p).stat().st_size for p in record["files"]),
                               "zip": ztmp.stat().st_size}
            kit.write_record(tmp, record)
            # checked again just before the swap: the old kit may have been changed meanwhile
            kit.check_zip(zpath, kit.check_out(out, protected), args.replace_zip)
            kit.swap_in(tmp, out)
            os.replace(ztmp, zpath)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            if ztmp is not None:
                ztmp.unlink(missing_ok=True)
            raise
    mb = record["bytes"]
    print(f"wrote {out} ({len(record['files'])} files, {mb['folder'] / 1e6:.0f} MB) and {zpath} "
          f"({mb['zip'] / 1e6:.0f} MB) in {time.monotonic() - started:.0f} s")
    return record


def clean(out: Path, zpath: Path) -> list[str]:
    """Remove the kit and zip this script wrote, unless changed since; returns what it kept."""
    kept = []
    if not out.exists() and not zpath.exists():
        return kept
    with kit.locked(out):
        kit.recover(out, zpath)
        try:
            record = kit.check_out(out) if out.exists() else None
        except Refused as e:
            print(f"kept {out}: {e}")
            record, kept = None, [str(out)]
        if record is not None:
            shutil.rmtree(out)
            print(f"removed {out}")
        ours = (record or {}).get("zip") or {}
        if zpath.is_file() and kit.sha256_file(zpath) in (ours.get("sha256"), ours.get("previous_sha256")):
            zpath.unlink()
            print(f"removed {zpath}")
        elif zpath.exists():
            print(f"kept {zpath}: not written by {kit.TOOL}, or its kit was kept")
            kept.append(str(zpath))
    (out.parent / f".{out.name}.lock").unlink(missing_ok=True)
    return kept


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=ROOT / "_build" / "offline-kit")
    ap.add_argument("--zip", type=Path, default=ROOT / "_build" / "offline-kit.zip")
    ap.add_argument("--book", type=Path, default=ROOT / "_build" / "html", help="the built book (make book)")
    ap.add_argument("--slides", type=Path, default=ROOT / "_build" / "slides",
                    help="the slide decks (make slides), copied into slides/ when present")
    ap.add_argument("--pdf", type=Path, default=ROOT / "_build" / "lutbook.pdf",
                    help="the book as one PDF (make pdf), copied in as lutbook.pdf when present")
    ap.add_argument("--data", type=Path, help="folder with mnist/ and fashion-mnist/ (default: "
                    "$LUTLIB_DATA, else lutlib's cache)")
    ap.add_argument("--extra", default="lab", help="the lutlib extra to install (default: lab)")
    ap.add_argument("--platform", help="wheels for another platform, e.g. win_amd64, macosx_11_0_arm64, "
                    "manylinux_2_28_x86_64 (needs --python-version)")
    ap.add_argument("--python-version", help="the classroom's full Python version for --platform, e.g. 3.11.9")
    ap.add_argument("--replace-zip", action="store_true", help="replace a --zip this script did not write")
    ap.add_argument("--clean", action="store_true",
                    help="remove the kit and zip this script wrote, unless files were added or changed since")
    args = ap.parse_args(argv)
    if bool(args.platform) != bool(args.python_version):
        ap.error("--platform and --python-version go together")
    if args.python_version and not re.fullmatch(r"3\.\d+\.\d+", args.python_version):
        ap.error("--python-version needs the classroom's full version, e.g. 3.11.9: pip reads 3.11 as 3.11.0, "
                 "and some pinned packages need a later 3.11.x (soupsieve 4.1.2 needs 3.11.5 or later)")
    try:
        clean(args.out, args.zip) if args.clean else build(args)
    except (Refused, kit.KitError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
