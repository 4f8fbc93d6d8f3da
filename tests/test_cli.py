"""The command line: the paper's experiments on the real data, exit codes, Ctrl-C, pipes, JSON."""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import pytest
from loopback import TrickleHandler, serve

from lutlib import __version__, cli, experiments

ROW = re.compile(r"^\s*(\d+) \| +([\d.]+) \(([\d.]+)\) \| +([\d.]+) \(([\d.]+)\) \| +([\d.]+) \(([\d.]+)\) \| ([\d.]+)$")


def run(*args, env=None, stdout=subprocess.PIPE):
    """`python -m lutlib ...` in a subprocess, with a clean environment plus env."""
    base = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp")}
    return subprocess.run([sys.executable, "-m", "lutlib", *args], stdin=subprocess.DEVNULL, stdout=stdout,
                          stderr=subprocess.PIPE, text=True, env={**base, **(env or {})})


def test_reproduce_exp1_json(data_folder, capsys, monkeypatch):
    monkeypatch.setenv("LUTLIB_DATA", str(data_folder))
    assert cli.main(["reproduce", "exp1", "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert abs(r["train"] - r["paper"]["train"]) <= 0.01
    assert abs(r["test"] - r["paper"]["test"]) <= 0.01
    assert [l["layer"] for l in r["layers"]] == [1, 2, 3, 4, 5, "output"]


def test_reproduce_table2_text(data_folder, capsys, monkeypatch):
    """The text table a reader sees: one row per k, ours beside the paper's, in the right columns."""
    monkeypatch.setenv("LUTLIB_DATA", str(data_folder))
    assert cli.main(["reproduce", "table2", "--k", "2", "8"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Table 2: 5 hidden layers x 1024 luts")
    rows = [ROW.match(line) for line in out.splitlines()]
    rows = [[float(x) for x in m.groups()] for m in rows if m]
    assert [r[0] for r in rows] == [2, 8]
    paper = experiments.PAPER["table2"]
    for k, real_train, p_real_train, real_test, p_real_test, random_train, p_random_train, random_test in rows:
        j = paper["k"].index(k)
        assert (p_real_train, p_real_test, p_random_train) == (
            paper["real_train"][j], paper["real_test"][j], paper["random_train"][j])
        assert abs(real_train - p_real_train) <= 0.02
        assert abs(real_test - p_real_test) <= 0.02
        assert abs(random_train - p_random_train) <= 0.02
        # Random labels: test accuracy at chance. At small k a few crowded rows decide whole digit
        # classes by chance, so chance level here varies by about +-0.05 between seeds.
        assert abs(random_test - 0.5) <= 0.06


def test_table2_columns_and_json(monkeypatch, capsys):
    """Every number lands in its own column, a k the paper lacks shows (  - ), --json is the same result."""
    result = {"k": [2, 3], "real_train": [0.111, 0.112], "real_test": [0.221, 0.222],
              "random_train": [0.331, 0.332], "random_test": [0.441, 0.442],
              "paper": {"k": [2], "real_train": [0.51], "real_test": [0.52], "random_train": [0.53]}}
    monkeypatch.setattr(experiments, "binary_mnist", lambda: None)
    monkeypatch.setattr(experiments, "table2", lambda data, ks, **kw: {**result, "k": list(ks)})
    assert cli.main(["reproduce", "table2", "--k", "2", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[3] == "   2 |       0.111 (0.51) |      0.221 (0.52) |         0.331 (0.53) | 0.441"
    assert lines[4] == "   3 |       0.112 (  - ) |      0.222 (  - ) |         0.332 (  - ) | 0.442"
    assert cli.main(["reproduce", "table2", "--k", "2", "3", "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert {key: r[key] for key in result} == result and r["seconds"] >= 0


def test_python_dash_m_entry_point(data_folder):
    proc = run("reproduce", "pca", "--json", env={"LUTLIB_DATA": str(data_folder)})
    assert proc.returncode == 0, proc.stderr
    r = json.loads(proc.stdout)
    assert r["k"] == list(range(2, 21))
    assert r["train"][-1] > 0.98 and max(r["test"]) > r["test"][-1] + 0.05  # memorizes, then overfits
    assert r["unseen_test"][0] == 0 and r["unseen_test"][-1] > 0.3


def test_usage_errors_exit_2_runtime_errors_exit_1(tmp_path):
    proc = run("reproduce", "table3")
    assert proc.returncode == cli.EXIT_USAGE == 2 and "invalid choice" in proc.stderr
    proc = run("reproduce", "exp1", "--k", "4")
    assert proc.returncode == 2 and "--k applies only to table2 and pca" in proc.stderr
    proc = run("reproduce", "table2", "--k", "31")
    assert proc.returncode == 2 and "k must be between 1 and 30" in proc.stderr
    proc = run("data", "fetch", "--deadline", "0")
    assert proc.returncode == 2 and "must be positive" in proc.stderr
    proc = run("data", "fetch", "--folder", str(tmp_path))  # runs, and fails: nothing there
    assert proc.returncode == cli.EXIT_FAILED == 1
    assert proc.stderr.startswith("lutlib: error: mnist:") and "not found in" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_version():
    proc = run("--version")
    assert proc.returncode == 0 and proc.stdout.strip() == f"lutlib {__version__}"


def test_data_fetch_json_and_text(data_folder, monkeypatch, capsys):
    monkeypatch.setenv("LUTLIB_DATA", str(data_folder))
    assert cli.main(["data", "fetch", "--dataset", "all", "--json"]) == 0
    reports = json.loads(capsys.readouterr().out)
    assert [r["dataset"] for r in reports] == ["mnist", "fashion-mnist"] and all(r["ok"] for r in reports)
    assert [f["shape"] for f in reports[0]["files"]] == [[60000, 28, 28], [60000], [10000, 28, 28], [10000]]
    assert cli.main(["data", "fetch"]) == 0
    assert capsys.readouterr().out == f"mnist: ready in {data_folder / 'mnist'} (4 files, SHA-256 verified)\n"


def test_data_fetch_verifies_lutlib_data_first(data_folder, tmp_path, monkeypatch, capsys):
    """A corrupt file where LUTLIB_DATA points is an error, not "ready"."""
    shutil.copytree(data_folder / "mnist", tmp_path / "mnist")
    victim = tmp_path / "mnist" / "t10k-images-idx3-ubyte.gz"
    victim.write_bytes(victim.read_bytes()[:-1000])
    monkeypatch.setenv("LUTLIB_DATA", str(tmp_path))
    assert cli.main(["data", "fetch"]) == cli.EXIT_FAILED
    out, err = capsys.readouterr()
    assert "ready" not in out and "t10k-images-idx3-ubyte: " in err and "not a valid gzip" in err
    assert cli.main(["data", "fetch", "--json"]) == cli.EXIT_FAILED
    r = json.loads(capsys.readouterr().out)[0]
    assert not r["ok"] and [f["ok"] for f in r["files"]] == [True, True, False, True]


def test_data_info(data_folder, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("LUTLIB_DATA", str(data_folder))
    assert cli.main(["data", "info"]) == 0
    out = capsys.readouterr().out
    assert "mnist: OK" in out and "fashion-mnist: OK" in out and out.count("sha256 ok") == 8
    assert cli.main(["data", "info", "--folder", str(tmp_path), "--dataset", "mnist"]) == 1


def test_permission_denied_is_a_clear_error(data_folder, monkeypatch, capsys):
    """Reading a data file without permission: one clear line, exit 1 (root ignores chmod, so inject it)."""
    import lutlib.data
    import lutlib.idx
    real_open = open

    def denied(path, *args, **kw):
        if str(path).endswith("train-labels-idx1-ubyte.gz"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kw)
    monkeypatch.setattr(lutlib.idx, "open", denied, raising=False)
    lutlib.data._load_cached.cache_clear()  # so the files are really read
    monkeypatch.setenv("LUTLIB_DATA", str(data_folder))
    assert cli.main(["reproduce", "pca", "--k", "2"]) == cli.EXIT_FAILED
    err = capsys.readouterr().err
    assert err.startswith("lutlib: error: ") and "permission denied" in err and "chmod" in err
    assert cli.main(["data", "info", "--dataset", "mnist"]) == cli.EXIT_FAILED
    assert "permission denied" in capsys.readouterr().out


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root can read any file")
def test_permission_denied_for_real(data_folder, tmp_path):
    shutil.copytree(data_folder / "mnist", tmp_path / "mnist")
    (tmp_path / "mnist" / "train-labels-idx1-ubyte.gz").chmod(0)
    proc = run("reproduce", "pca", "--k", "2", env={"LUTLIB_DATA": str(tmp_path)})
    assert proc.returncode == 1 and "permission denied" in proc.stderr and "Traceback" not in proc.stderr


def test_closed_pipe_is_silent(tmp_path):
    """`lutlib data info --json | head -1`: no "Broken pipe", no traceback (the reader closed early)."""
    env = {"XDG_CACHE_HOME": str(tmp_path)}
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first write: EPIPE every time
    try:
        proc = run("data", "info", "--json", env=env, stdout=write_end)
    finally:
        os.close(write_end)
    assert proc.stderr == "" and proc.returncode == 0
    shell = subprocess.run(f"{sys.executable} -m lutlib data info --json | head -1", shell=True, text=True,
                           capture_output=True, env={"PATH": os.environ["PATH"], **env})
    assert shell.stdout == "[\n" and shell.stderr == ""


def test_ctrl_c_prints_one_line(monkeypatch, capsys):
    def interrupted(args):
        raise KeyboardInterrupt
    monkeypatch.setattr(cli, "cmd_data_info", interrupted)
    assert cli.main(["data", "info"]) == cli.EXIT_INTERRUPTED == 130
    assert capsys.readouterr().err == "lutlib: interrupted\n"


def test_ctrl_c_during_a_download(tmp_path):
    """A real SIGINT while `lutlib data fetch` waits on a slow server: one line, exit 130, no leftovers.

    Ctrl-C at a terminal: the child sets that state itself, since a test run started as a
    background job (`cmd &` in a script, nohup, some CI runners) passes SIGINT on ignored.
    """
    url, server = serve(TrickleHandler)
    child = ("import signal, sys\nsignal.signal(signal.SIGINT, signal.default_int_handler)\n"
             "from lutlib import cli, fetch\nfetch.NPM_COMMAND = None\n"
             f"fetch.MIRRORS['mnist'] = [{url + '/'!r}]\nprint('ready', flush=True)\n"
             "sys.exit(cli.main(['data', 'fetch', '--json']))\n")
    proc = subprocess.Popen([sys.executable, "-c", child], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE,
                            text=True, env={"PATH": os.environ["PATH"], "XDG_CACHE_HOME": str(tmp_path)})
    try:
        assert proc.stdout.readline() == "ready\n"
        for _ in range(300):  # until the download has begun (its partial folder exists)
            if list((tmp_path / "lutlib" / "mnist").glob(".fetch-*/*")):
                break
            time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
        server.shutdown()
    assert proc.returncode == 130 and err == "lutlib: interrupted\n" and out == ""
    assert not list((tmp_path / "lutlib" / "mnist").glob(".fetch-*")), "the partial download is removed"


@pytest.mark.parametrize("args", ["data info", "--version", "reproduce table2 --k 2"])
def test_closed_stdout_is_one_line_before_any_work(args, tmp_path):
    """`lutlib ... >&-`: Python has no sys.stdout at all; one error line, exit 1, nothing run."""
    shell = subprocess.run(f"{sys.executable} -m lutlib {args} >&-", shell=True, text=True, capture_output=True,
                           stdin=subprocess.DEVNULL, env={"PATH": os.environ["PATH"], "XDG_CACHE_HOME": str(tmp_path)})
    assert shell.returncode == cli.EXIT_FAILED, shell.stderr
    assert shell.stderr == ("lutlib: error: standard output is closed, so nothing was done; to discard the "
                            "output, redirect it instead (>/dev/null)\n")
    assert not (tmp_path / "lutlib").exists(), "no fetch was started"
