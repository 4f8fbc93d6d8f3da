"""binder/: what Binder (repo2docker) needs to open a working kernel, checked as far as possible here.

repo2docker reads ``binder/`` (and then ignores configuration files at the root): it installs
``requirements.txt`` with pip, on the Python named by ``runtime.txt`` (``python-X.Y``), then
runs ``postBuild`` in the repository. Binder itself cannot be reached from here; these tests
check the files: pins equal to constraints.txt, every import of the chapters covered, and
postBuild run for real with fake ``python`` (pip, lutlib) commands.
"""
from __future__ import annotations

import importlib.metadata as md
import os
import re
import shutil
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import nbformat
import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
BINDER = ROOT / "binder"


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        req = Requirement(line)
        spec = list(req.specifier)
        assert len(spec) == 1 and spec[0].operator == "==", f"{path.name}: {raw!r} is not an exact pin"
        name = canonicalize_name(req.name)
        assert name not in pins, f"{path.name}: {req.name} listed twice"
        pins[name] = spec[0].version
    return pins


def test_binder_has_only_the_files_repo2docker_should_use():
    names = {p.name for p in BINDER.iterdir()}
    assert {"requirements.txt", "runtime.txt", "postBuild"} <= names
    # environment.yml would replace requirements.txt, a Dockerfile everything else
    assert not names & {"environment.yml", "environment.yaml", "Dockerfile", "Project.toml"}


def test_every_binder_pin_equals_constraints():
    binder, constraints = _pins(BINDER / "requirements.txt"), _pins(ROOT / "constraints.txt")
    assert binder, "binder/requirements.txt pins nothing"
    missing = sorted(set(binder) - set(constraints))
    assert not missing, f"pinned for Binder but not in constraints.txt: {missing}"
    differ = {n: (v, constraints[n]) for n, v in binder.items() if constraints[n] != v}
    assert not differ, f"binder/requirements.txt differs from constraints.txt (binder, constraints): {differ}"


def _imports(source: str) -> set[str]:
    mods = set()
    for m in re.finditer(r"^\s*(?:from\s+([\w.]+)\s+import|import\s+([\w.]+(?:\s*,\s*[\w.]+)*))", source, re.M):
        names = [m.group(1)] if m.group(1) else m.group(2).split(",")
        mods |= {n.strip().split(".")[0] for n in names if not n.strip().startswith(".")}
    return mods


def test_every_package_the_chapters_and_lutlib_import_is_pinned_for_binder():
    mods = set()
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        mods |= {m for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"
                 for m in _imports(c.source)}
    for path in (ROOT / "lutlib").glob("*.py"):
        mods |= _imports(path.read_text())
    mods -= set(sys.stdlib_module_names) | {"lutlib", "google"}   # google: the Colab cell only
    to_dist = md.packages_distributions()
    dists = {canonicalize_name(to_dist[m][0]) for m in mods if m in to_dist}
    unknown = sorted(m for m in mods if m not in to_dist)
    assert not unknown, f"imported but not installed here (cannot check): {unknown}"
    needed = dists | {"jupyterlab", "jupyterlab-myst", "ipykernel"}   # the interface Binder opens
    missing = sorted(needed - set(_pins(BINDER / "requirements.txt")))
    assert not missing, f"binder/requirements.txt lacks {missing}"


def test_binder_pins_include_every_dependency_of_what_they_pin():
    """A complete set: nothing left for pip to pick freely at build time."""
    pins = _pins(BINDER / "requirements.txt")
    missing = set()
    for name in pins:
        for raw in md.distribution(name).requires or []:
            req = Requirement(raw)
            if req.marker and not req.marker.evaluate({"extra": ""}):
                continue
            if canonicalize_name(req.name) not in pins:
                missing.add(f"{req.name} (for {name})")
    assert not missing, f"dependencies not pinned in binder/requirements.txt: {sorted(missing)}"


def test_runtime_names_a_python_the_project_supports():
    text = (BINDER / "runtime.txt").read_text().strip()
    m = re.fullmatch(r"python-(\d+)\.(\d+)", text)
    assert m, f"runtime.txt must read python-X.Y; got {text!r}"
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert Version(f"{m[1]}.{m[2]}") in SpecifierSet(requires)


def test_postbuild_is_an_executable_bash_script_without_syntax_errors():
    post = BINDER / "postBuild"
    assert post.read_text().startswith("#!/bin/bash\n")
    assert post.stat().st_mode & stat.S_IXUSR
    subprocess.run(["bash", "-n", str(post)], check=True)


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck not installed")
def test_postbuild_passes_shellcheck():
    r = subprocess.run(["shellcheck", str(BINDER / "postBuild")], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout


FAKE_PYTHON = """#!/bin/bash
echo "python $*" >> "$FAKE_LOG"
case "$*" in
  "-m lutlib data info"*) exit "${FAKE_INFO_RC:-0}" ;;
  "-m lutlib data fetch"*) exit "${FAKE_FETCH_RC:-0}" ;;
esac
"""


def _postbuild(tmp_path, info_rc, fetch_rc):
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "python").write_text(FAKE_PYTHON)
    (fake / "python").chmod(0o755)
    log = tmp_path / "log"
    log.touch()
    env = {"PATH": f"{fake}{os.pathsep}/usr/bin{os.pathsep}/bin", "FAKE_LOG": str(log),
           "FAKE_INFO_RC": str(info_rc), "FAKE_FETCH_RC": str(fetch_rc), "HOME": str(tmp_path)}
    r = subprocess.run(["bash", str(BINDER / "postBuild")], cwd=ROOT, env=env, capture_output=True,
                       text=True, timeout=60)
    return r, log.read_text().splitlines()


def test_postbuild_installs_lutlib_and_keeps_data_already_there(tmp_path):
    r, calls = _postbuild(tmp_path, info_rc=0, fetch_rc=1)
    assert r.returncode == 0, r.stderr
    assert calls == ["python -m pip install --no-deps -e .", "python -m lutlib data info --dataset all"]
    assert "already in the image" in r.stdout


def test_postbuild_fetches_missing_data(tmp_path):
    r, calls = _postbuild(tmp_path, info_rc=1, fetch_rc=0)
    assert r.returncode == 0, r.stderr
    assert calls[-1] == "python -m lutlib data fetch --dataset all"
    assert "fetched into the image" in r.stdout


def test_postbuild_survives_a_failed_fetch_and_says_so(tmp_path):
    r, calls = _postbuild(tmp_path, info_rc=1, fetch_rc=1)
    assert r.returncode == 0
    assert "will fetch it when first run" in r.stderr


def test_postbuild_stops_when_lutlib_cannot_be_installed(tmp_path):
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "python").write_text('#!/bin/bash\necho "python $*" >> "$FAKE_LOG"\n'
                                 '[[ "$*" == "-m pip"* ]] && exit 1\nexit 0\n')
    (fake / "python").chmod(0o755)
    env = {"PATH": f"{fake}{os.pathsep}/usr/bin{os.pathsep}/bin", "FAKE_LOG": str(tmp_path / "log")}
    r = subprocess.run(["bash", str(BINDER / "postBuild")], cwd=ROOT, env=env, capture_output=True, text=True)
    assert r.returncode != 0
    assert (tmp_path / "log").read_text().splitlines() == ["python -m pip install --no-deps -e ."]
