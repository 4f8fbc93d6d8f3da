"""The command line reproduces the paper's experiments on the real data."""
import json
import subprocess
import sys

from lutlib import cli


def test_reproduce_exp1_json(data_folder, capsys, monkeypatch):
    monkeypatch.setenv("LUTLIB_DATA", str(data_folder))
    assert cli.main(["reproduce", "exp1", "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert abs(r["train"] - r["paper"]["train"]) <= 0.01
    assert abs(r["test"] - r["paper"]["test"]) <= 0.01
    assert [l["layer"] for l in r["layers"]] == [1, 2, 3, 4, 5, "output"]


def test_reproduce_table2_text(data_folder, capsys, monkeypatch):
    monkeypatch.setenv("LUTLIB_DATA", str(data_folder))
    assert cli.main(["reproduce", "table2", "--k", "2", "8", "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["k"] == [2, 8]
    for i, k in enumerate(r["k"]):
        j = r["paper"]["k"].index(k)
        assert abs(r["real_train"][i] - r["paper"]["real_train"][j]) <= 0.02
        assert abs(r["real_test"][i] - r["paper"]["real_test"][j]) <= 0.02
        assert abs(r["random_train"][i] - r["paper"]["random_train"][j]) <= 0.02
        # Random labels: test accuracy at chance. At small k a few crowded rows decide whole digit
        # classes by chance, so chance level here varies by about +-0.05 between seeds.
        assert abs(r["random_test"][i] - 0.5) <= 0.06


def test_python_dash_m_entry_point(data_folder):
    out = subprocess.run([sys.executable, "-m", "lutlib", "reproduce", "pca", "--json"],
                         capture_output=True, text=True, check=True,
                         env={"LUTLIB_DATA": str(data_folder), "PATH": ""}).stdout
    r = json.loads(out)
    assert r["k"] == list(range(2, 21))
    assert r["train"][-1] > 0.98 and max(r["test"]) > r["test"][-1] + 0.05  # memorizes, then overfits
    assert r["unseen_test"][0] == 0 and r["unseen_test"][-1] > 0.3


def test_usage_errors_exit_nonzero():
    proc = subprocess.run([sys.executable, "-m", "lutlib", "reproduce", "table3"], capture_output=True, text=True)
    assert proc.returncode == 2 and "invalid choice" in proc.stderr
