"""scripts/offline_kit.py and make_offline_kit.py: what goes in the kit, and the rules for writing it.

Fast: the pip steps are replaced by fakes that write placeholder wheels. The real kit, installed
offline and running a chapter, is tested in tests/kit/ (`make kit`).
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import importlib.util
import json
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent


def _load(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


mok = _load("make_offline_kit")
kit = mok.kit                     # the offline_kit module make_offline_kit uses
Refused = mok.Refused


# ---- what goes in --------------------------------------------------------------------------
def test_lab_extra_is_what_a_student_needs():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = {kit.normalize(r.split(">")[0].split("=")[0].split("<")[0].strip()) for r in kit.expand_extra(project, "lab")}
    assert {"numpy", "numba", "scikit-learn", "jupyterlab", "ipywidgets", "matplotlib", "jupyterlab-myst",
            "scipy", "threadpoolctl", "tqdm"} <= names
    assert not names & {"lutlib", "jupyter-book", "pytest", "playwright", "nbval", "sphinx-exercise"}
    # every one of them is pinned
    pins = kit.read_pins((ROOT / "constraints.txt").read_text())
    assert names - set(pins) == set()


def test_expand_extra_unknown_and_recursive():
    project = {"name": "p", "dependencies": [], "optional-dependencies": {"a": ["p[b]"], "b": ["p[a]", "x"]}}
    assert kit.expand_extra(project, "a") == ["x"]
    with pytest.raises(kit.KitError, match="no extra 'nope'"):
        kit.expand_extra(project, "nope")


def test_pins_and_wheel_names():
    pins = kit.read_pins("# c\nJupyterlab_Myst==2.7.0\njupyter-book==1.0.4.post1\nnot a pin\nx>=1\n")
    assert pins == {"jupyterlab-myst": "2.7.0", "jupyter-book": "1.0.4.post1"}
    wheels = ["jupyterlab_myst-2.7.0-py3-none-any.whl", "jupyter_book-1.0.4.post1-py3-none-any.whl",
              "lutlib-0.1.0-py3-none-any.whl"]
    assert kit.check_pins(wheels, pins, skip={"lutlib"}) == ([], [])
    assert kit.check_pins(["jupyterlab_myst-2.6.0-py3-none-any.whl"], pins)[0] == \
        ["jupyterlab-myst 2.6.0 (constraints.txt pins 2.7.0)"]
    with pytest.raises(kit.KitError, match="not a wheel"):
        kit.wheel_name_version("numpy-2.4.6.tar.gz")


# ---- data ---------------------------------------------------------------------------------
def _idx(n):
    return bytes([0, 0, 8, 1, 0, 0, 0, n]) + bytes(range(n))


def _fake_dataset(folder, raw=False):
    folder.mkdir(parents=True)
    checksums = {}
    for i, name in enumerate(("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                              "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")):
        data = _idx(i + 3)
        checksums[name] = hashlib.sha256(data).hexdigest()
        if raw:
            (folder / name).write_bytes(data)
        else:
            (folder / f"{name}.gz").write_bytes(gzip.compress(data))
    return checksums


def test_copy_dataset_verifies_every_copy(tmp_path):
    checksums = _fake_dataset(tmp_path / "src")
    written = kit.copy_dataset(tmp_path / "src", tmp_path / "dest", "mnist", checksums)
    assert sorted(written) == sorted(f"{n}.gz" for n in checksums)
    for name in checksums:
        assert (tmp_path / "dest" / f"{name}.gz").read_bytes() == (tmp_path / "src" / f"{name}.gz").read_bytes()
        assert written[f"{name}.gz"] == kit.sha256_file(tmp_path / "dest" / f"{name}.gz")


def test_copy_dataset_gzips_raw_files_reproducibly(tmp_path):
    checksums = _fake_dataset(tmp_path / "src", raw=True)
    first = kit.copy_dataset(tmp_path / "src", tmp_path / "a", "mnist", checksums)
    second = kit.copy_dataset(tmp_path / "src", tmp_path / "b", "mnist", checksums)
    assert first == second                                   # no time stamp in the gzip header
    name = "t10k-labels-idx1-ubyte"
    assert gzip.decompress((tmp_path / "a" / f"{name}.gz").read_bytes()) == (tmp_path / "src" / name).read_bytes()


def test_copy_dataset_refuses_a_corrupt_or_missing_file(tmp_path):
    checksums = _fake_dataset(tmp_path / "src")
    bad = tmp_path / "src" / "t10k-images-idx3-ubyte.gz"
    bad.write_bytes(gzip.compress(_idx(9)))                  # a valid file, but not the official one
    with pytest.raises(kit.KitError, match="t10k-images-idx3-ubyte.*does not match"):
        kit.copy_dataset(tmp_path / "src", tmp_path / "dest", "mnist", checksums)
    assert not (tmp_path / "dest" / "t10k-images-idx3-ubyte.gz").exists()
    bad.unlink()
    with pytest.raises(kit.KitError, match="t10k-images-idx3-ubyte .*not found"):
        kit.copy_dataset(tmp_path / "src", tmp_path / "dest2", "mnist", checksums)


def test_copy_dataset_real_mnist(data_folder, tmp_path):
    written = kit.copy_dataset(data_folder / "mnist", tmp_path / "mnist", "mnist")
    assert len(written) == 4


# ---- refusal rules ------------------------------------------------------------------------
def _our_kit(folder, files=None):
    folder.mkdir(parents=True)
    for rel, text in (files or {"a.txt": "a", "sub/b.txt": "b"}).items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text)
    record = {"tool": kit.TOOL, "files": kit.tree_hashes(folder)}
    kit.write_record(folder, record)
    return record


def test_check_out_new_empty_and_ours(tmp_path):
    assert kit.check_out(tmp_path / "new") is None
    (tmp_path / "empty").mkdir()
    assert kit.check_out(tmp_path / "empty") is None
    record = _our_kit(tmp_path / "kit")
    assert kit.check_out(tmp_path / "kit") == record


def test_check_out_refuses_a_folder_it_did_not_create(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("years of work")
    with pytest.raises(Refused, match="did not create.*thesis.tex"):
        kit.check_out(tmp_path / "mine")
    (tmp_path / "file").write_text("x")
    with pytest.raises(Refused, match="not a folder"):
        kit.check_out(tmp_path / "file")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / kit.RECORD).write_text('{"tool": "someone else", "files": {}}')
    with pytest.raises(Refused, match="not written by"):
        kit.check_out(tmp_path / "other")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / kit.RECORD).write_text("{not json")
    with pytest.raises(Refused, match="unreadable"):
        kit.check_out(tmp_path / "broken")


def test_check_out_refuses_added_or_changed_files(tmp_path):
    _our_kit(tmp_path / "kit")
    (tmp_path / "kit" / "venv").mkdir()
    (tmp_path / "kit" / "venv" / "pyvenv.cfg").write_text("home = /usr/bin")
    with pytest.raises(Refused, match=r"venv/pyvenv.cfg \(added\)"):
        kit.check_out(tmp_path / "kit")
    shutil.rmtree(tmp_path / "kit" / "venv")
    (tmp_path / "kit" / "sub" / "b.txt").write_text("a student's answer")
    with pytest.raises(Refused, match=r"sub/b.txt \(changed\)"):
        kit.check_out(tmp_path / "kit")


def test_check_out_refuses_the_sources(tmp_path):
    (tmp_path / "repo" / "notebooks").mkdir(parents=True)
    protected = [tmp_path / "repo" / "notebooks"]
    for out in (tmp_path / "repo", tmp_path / "repo" / "notebooks", tmp_path / "repo" / "notebooks" / "kit"):
        with pytest.raises(Refused, match="sources"):
            kit.check_out(out, protected)
    assert kit.check_out(tmp_path / "repo" / "_build" / "kit", protected) is None


def test_check_zip(tmp_path):
    z = tmp_path / "kit.zip"
    assert kit.check_zip(z, None) is None
    z.write_bytes(b"someone's zip")
    with pytest.raises(Refused, match="did not write it"):
        kit.check_zip(z, None)
    with pytest.raises(Refused, match="did not write it"):
        kit.check_zip(z, {"zip": {"sha256": "0" * 64}})
    digest = kit.sha256_file(z)
    assert kit.check_zip(z, None, replace=True) == digest
    assert kit.check_zip(z, {"zip": {"sha256": digest}}) == digest
    assert kit.check_zip(z, {"zip": {"sha256": "0" * 64, "previous_sha256": digest}}) == digest


# ---- swap and recovery --------------------------------------------------------------------
def test_swap_in_replaces_the_old_kit(tmp_path):
    _our_kit(tmp_path / "kit", {"old.txt": "old"})
    new = kit.temp_folder(tmp_path / "kit")
    (new / "new.txt").write_text("new")
    kit.swap_in(new, tmp_path / "kit")
    assert sorted(p.name for p in (tmp_path / "kit").iterdir()) == [kit.RECORD, "new.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kit"]


def test_recover_after_interruptions(tmp_path):
    out, z = tmp_path / "kit", tmp_path / "kit.zip"
    record = _our_kit(tmp_path / ".kit.old-1", {"old.txt": "the previous kit"})   # swap cut short
    kit.temp_folder(out)                                                      # a build cut short
    (tmp_path / ".kit.tmp-empty").mkdir()                                     # cut short at once
    (tmp_path / ".kit.tmp-foreign").mkdir()                                   # not ours: kept
    (tmp_path / ".kit.tmp-foreign" / "x").write_text("x")
    (tmp_path / ".kit.zip.tmp-1").write_bytes(b"half a zip")
    done = kit.recover(out, z)
    assert any("restored" in d for d in done)
    assert kit.check_out(out) == record and (out / "old.txt").read_text() == "the previous kit"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".kit.tmp-foreign", "kit"]
    _our_kit(tmp_path / ".kit.old-2")                                         # beside a complete kit
    kit.recover(out, z)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".kit.tmp-foreign", "kit"]


def test_write_zip(tmp_path):
    _our_kit(tmp_path / "kit", {"install.sh": "echo hi\n", "wheelhouse/a-1-py3-none-any.whl": "w"})
    z = kit.write_zip(tmp_path / "kit", tmp_path / "kit.zip")
    with zipfile.ZipFile(z) as zf:
        info = {i.filename: i for i in zf.infolist()}
    assert set(info) == {f"{kit.ZIP_ROOT}/{p}" for p in ("install.sh", "wheelhouse/a-1-py3-none-any.whl", kit.RECORD)}
    assert info[f"{kit.ZIP_ROOT}/install.sh"].external_attr >> 16 == 0o100755
    assert info[f"{kit.ZIP_ROOT}/wheelhouse/a-1-py3-none-any.whl"].compress_type == zipfile.ZIP_STORED


# ---- the whole build, pip replaced by fakes -----------------------------------------------
PINS = kit.read_pins((ROOT / "constraints.txt").read_text())


def _wheel(wheelhouse, filename, requires=()):
    """A minimal wheel file: just its METADATA, with the given Requires-Dist lines."""
    name, version = filename.split("-")[:2]
    meta = "Metadata-Version: 2.1\nName: {}\nVersion: {}\n{}\n".format(
        name, version, "".join(f"Requires-Dist: {r}\n" for r in requires))
    with zipfile.ZipFile(wheelhouse / filename, "w") as zf:
        zf.writestr(f"{name}-{version}.dist-info/METADATA", meta)


def fake_download(extra_wheels=()):
    """Stands in for pip download: pinned wheels of three packages (jupyterlab, on Windows only,
    needs pywinpty, as terminado does), a wheel for any requirement asked for later, and extras."""
    def download(reqs, constraints, wheelhouse, platform=None, python_version=None):
        if any(r.startswith("numpy") for r in reqs):
            for name in ("numpy", "numba"):
                _wheel(wheelhouse, f"{name}-{PINS[name]}-py3-none-any.whl")
            _wheel(wheelhouse, f"jupyterlab-{PINS['jupyterlab']}-py3-none-any.whl",
                   ['pywinpty>=1.1.0; os_name == "nt"', 'numpy'])
            for w in extra_wheels:
                _wheel(wheelhouse, w)
        else:
            for r in reqs:
                _wheel(wheelhouse, f"{re.match(r'[A-Za-z0-9_.-]+', r).group(0)}-3.0.0-py3-none-any.whl")
    return download


def fake_wheel(root, wheelhouse):
    _wheel(wheelhouse, "lutlib-0.1.0-py3-none-any.whl")


@pytest.fixture
def args(tmp_path, monkeypatch):
    """A build's arguments: a small book, and tiny stand-in data sets (their checksums patched in)."""
    import lutlib.idx
    data = tmp_path / "data"
    for dataset in ("mnist", "fashion-mnist"):
        monkeypatch.setitem(lutlib.idx.SHA256, dataset, _fake_dataset(data / dataset))
    book = tmp_path / "html"
    book.mkdir()
    (book / "index.html").write_text("<html>the book</html>")
    slides = tmp_path / "slides"
    slides.mkdir()
    (slides / "index.html").write_text("<html>the decks</html>")
    pdf = tmp_path / "lutbook.pdf"
    pdf.write_bytes(b"%PDF-1.7 the book")
    return argparse.Namespace(out=tmp_path / "_build" / "offline-kit", zip=tmp_path / "_build" / "offline-kit.zip",
                              book=book, slides=slides, pdf=pdf, data=data, extra="lab", platform=None,
                              python_version=None, replace_zip=False)


def test_a_kit_without_the_pdf_says_so(args, capsys):
    args.pdf = args.pdf.with_name("missing.pdf")
    mok.build(args, fake_download(), fake_wheel)
    assert not (args.out / "lutbook.pdf").exists()
    assert "missing.pdf (make pdf); the kit has no PDF" in capsys.readouterr().err


def test_build_writes_the_kit(args):
    record = mok.build(args, fake_download(), fake_wheel)
    out = args.out
    assert kit.check_out(out) == json.loads((out / kit.RECORD).read_text()) == record
    assert set(record["files"]) == set(kit.tree_hashes(out))
    assert (out / "book" / "index.html").read_text() == "<html>the book</html>"
    assert (out / "slides" / "index.html").read_text() == "<html>the decks</html>"
    assert (out / "lutbook.pdf").read_bytes() == b"%PDF-1.7 the book"
    assert sorted(p.name for p in (out / "notebooks").glob("*.ipynb")) == \
        sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    for nb_path in (out / "notebooks").glob("*.ipynb"):
        nb = nbformat.read(nb_path, as_version=4)
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
        assert not any({"solution", "instructor"} & set(c.get("metadata", {}).get("tags", [])) for c in nb.cells)
    assert "numba==" in (out / "constraints.txt").read_text()
    for name in ("install.sh", "README.md"):
        text = (out / name).read_text()
        assert not re.search(r"@[A-Z_]+@", text)
        assert "%d.%d" % sys.version_info[:2] in text
    assert subprocess.run(["bash", "-n", str(out / "install.sh")]).returncode == 0
    sums = (out / kit.SUMS).read_text()
    assert "data/mnist/train-images-idx3-ubyte.gz" in sums and "install.sh" in sums
    if shutil.which("sha256sum"):
        assert subprocess.run(["sha256sum", "--quiet", "-c", kit.SUMS], cwd=out).returncode == 0
    assert record["zip"]["sha256"] == kit.sha256_file(args.zip)
    with zipfile.ZipFile(args.zip) as zf:
        assert f"{kit.ZIP_ROOT}/data/fashion-mnist/t10k-labels-idx1-ubyte.gz" in zf.namelist()
    assert sorted(p.name for p in args.out.parent.iterdir()) == [".offline-kit.lock", "offline-kit",
                                                                 "offline-kit.zip"]
    # built again: the old kit and zip are its own, so they are replaced
    again = mok.build(args, fake_download(), fake_wheel)
    assert again["zip"]["previous_sha256"] == record["zip"]["sha256"]


def test_build_never_writes_over_someones_work(args):
    mok.build(args, fake_download(), fake_wheel)
    (args.out / "notebooks" / "my-notes.ipynb").write_text("{}")
    before = kit.tree_hashes(args.out)
    zip_before = kit.sha256_file(args.zip)
    with pytest.raises(Refused, match="my-notes.ipynb"):
        mok.build(args, fake_download(), fake_wheel)
    assert kit.tree_hashes(args.out) == before and kit.sha256_file(args.zip) == zip_before
    # a zip that is not ours
    (args.out / "notebooks" / "my-notes.ipynb").unlink()
    args.zip.write_bytes(b"a zip someone made")
    with pytest.raises(Refused, match="--zip"):
        mok.build(args, fake_download(), fake_wheel)
    assert args.zip.read_bytes() == b"a zip someone made"
    args.replace_zip = True
    mok.build(args, fake_download(), fake_wheel)


def test_build_refuses_a_foreign_folder(args):
    args.out.mkdir(parents=True)
    (args.out / "lesson-plan.md").write_text("mine")
    with pytest.raises(Refused, match="did not create"):
        mok.build(args, fake_download(), fake_wheel)
    assert [p.name for p in args.out.iterdir()] == ["lesson-plan.md"] and not args.zip.exists()
    assert sorted(p.name for p in args.out.parent.iterdir()) == ["offline-kit"]     # not even a lock file
    args.out = args.book / "kit"                                                     # inside the book it copies
    with pytest.raises(Refused, match="sources"):
        mok.build(args, fake_download(), fake_wheel)
    assert sorted(p.name for p in args.book.iterdir()) == ["index.html"]


def test_interrupted_build_leaves_the_previous_kit(args):
    mok.build(args, fake_download(), fake_wheel)
    before, zip_before = kit.tree_hashes(args.out), kit.sha256_file(args.zip)

    def interrupted(*a):
        raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        mok.build(args, interrupted, fake_wheel)
    assert kit.tree_hashes(args.out) == before and kit.sha256_file(args.zip) == zip_before
    assert sorted(p.name for p in args.out.parent.iterdir()) == [".offline-kit.lock", "offline-kit",
                                                                 "offline-kit.zip"]


def test_build_checks_the_pins(args):
    with pytest.raises(kit.KitError, match="not pinned.*colorama"):
        mok.build(args, fake_download(["colorama-0.4.6-py3-none-any.whl"]), fake_wheel)
    with pytest.raises(kit.KitError, match="other versions.*numpy 1.0"):
        mok.build(args, fake_download(["numpy-1.0-py3-none-any.whl"]), fake_wheel)
    assert not args.out.exists()
    # for another platform, unpinned packages are allowed and named in the kit's README, and the
    # dependencies only the target's markers select are added (pip chose for this machine)
    args.platform, args.python_version = "win_amd64", "3.11.9"
    record = mok.build(args, fake_download(["colorama-0.4.6-py3-none-any.whl"]), fake_wheel)
    assert record["unpinned"] == ["colorama 0.4.6", "pywinpty 3.0.0"] and not record["native"]
    assert "colorama 0.4.6, pywinpty 3.0.0" in (args.out / "README.md").read_text()
    assert 'PYTHON_VERSION="3.11"' in (args.out / "install.sh").read_text()
    args.platform = "manylinux_2_28_x86_64"
    record = mok.build(args, fake_download(), fake_wheel)
    assert record["unpinned"] == []                          # no pywinpty on Linux


def test_target_markers(tmp_path):
    env = kit.target_environment("win_amd64", "3.11.9")
    assert (env["os_name"], env["platform_system"], env["python_version"]) == ("nt", "Windows", "3.11")
    assert kit.target_environment("macosx_11_0_arm64", "3.12.7")["platform_machine"] == "arm64"
    assert kit.target_environment("manylinux_2_28_x86_64", "3.12.7")["sys_platform"] == "linux"
    with pytest.raises(kit.KitError, match="unknown platform"):
        kit.target_environment("solaris", "3.11.9")
    _wheel(tmp_path, "tqdm-4.70.1-py3-none-any.whl", ['colorama; platform_system == "Windows"',
                                                       'ipywidgets>=6; extra == "notebook"'])
    _wheel(tmp_path, "ipython-9.18.1-py3-none-any.whl", ['appnope>=0.1.2; sys_platform == "darwin"', "tqdm"])
    assert kit.missing_for_target(tmp_path, env) == ["colorama"]
    assert kit.missing_for_target(tmp_path, kit.target_environment("macosx_11_0_arm64", "3.12.7")) == ["appnope>=0.1.2"]


def test_python_version_must_be_full(capsys):
    with pytest.raises(SystemExit):
        mok.main(["--platform", "win_amd64", "--python-version", "3.11"])
    assert "full version" in capsys.readouterr().err


def test_build_needs_the_book_and_the_data(args, tmp_path):
    (args.book / "index.html").unlink()
    with pytest.raises(kit.KitError, match="make book"):
        mok.build(args, fake_download(), fake_wheel)
    (args.book / "index.html").write_text("x")
    args.data = tmp_path / "nodata"
    args.data.mkdir()
    with pytest.raises(kit.KitError, match="make data"):
        mok.build(args, fake_download(), fake_wheel)
    assert not args.out.exists() and not args.zip.exists()


# ---- install.sh, before it installs anything ----------------------------------------------
def _install_sh(tmp_path, version):
    folder = tmp_path / "kit"
    folder.mkdir()
    text = mok._fill((ROOT / "scripts" / "kit" / "install.sh").read_text(),
                     {"PYTHON_VERSION": version, "PLATFORM": "linux-x86_64", "LUTLIB_VERSION": "0.1.0",
                      "EXTRA": "lab", "N_WHEELS": 1, "BUILT": "now"})
    (folder / "install.sh").write_text(text)
    return folder / "install.sh"


def test_install_sh_needs_the_kits_python(tmp_path):
    script = _install_sh(tmp_path, "2.7")
    proc = subprocess.run(["bash", str(script)], capture_output=True, text=True)
    assert proc.returncode == 1 and "no Python 2.7 found" in proc.stderr
    proc = subprocess.run(["bash", str(script), "--python", sys.executable], capture_output=True, text=True)
    assert proc.returncode == 1 and "this kit's wheels are for Python 2.7" in proc.stderr
    assert not (tmp_path / "kit" / "venv").exists()


def test_install_sh_refuses_a_folder_that_is_not_a_venv(tmp_path):
    script = _install_sh(tmp_path, "%d.%d" % sys.version_info[:2])
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "essay.txt").write_text("mine")
    proc = subprocess.run(["bash", str(script), "--venv", str(mine), "--python", sys.executable],
                          capture_output=True, text=True)
    assert proc.returncode == 1 and "is not a virtual environment: nothing was changed" in proc.stderr
    assert [p.name for p in mine.iterdir()] == ["essay.txt"]
    proc = subprocess.run(["bash", str(script), "--bogus"], capture_output=True, text=True)
    assert proc.returncode == 1 and "unknown argument" in proc.stderr


def test_templates_have_no_unfilled_placeholders():
    with pytest.raises(kit.KitError, match="@PLATFORM@"):
        mok._fill("for @PLATFORM@", {})


def test_docstring_examples():
    import doctest
    result = doctest.testmod(kit)
    assert result.failed == 0 and result.attempted >= 6


def test_clean_removes_only_an_unchanged_kit(args):
    mok.build(args, fake_download(), fake_wheel)
    (args.out / "answers.ipynb").write_text("{}")
    assert mok.clean(args.out, args.zip) == [str(args.out), str(args.zip)]
    assert (args.out / "answers.ipynb").exists() and args.zip.exists()
    (args.out / "answers.ipynb").unlink()
    assert mok.clean(args.out, args.zip) == []
    assert sorted(p.name for p in args.out.parent.iterdir()) == []
    args.out.mkdir()
    (args.out / "mine.txt").write_text("x")
    assert mok.clean(args.out, args.zip) == [str(args.out)]
    assert (args.out / "mine.txt").exists()
