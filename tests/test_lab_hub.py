"""scripts/lab.py (`make lab`): JupyterLab here, the project's kernel on a JupyterHub."""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("lutbook_lab", ROOT / "scripts" / "lab.py")
lab = sys.modules["lutbook_lab"] = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lab)

BIN, NB = Path(".venv/bin"), Path("notebooks")


@pytest.mark.parametrize("environ, expected", [
    ({}, False),
    ({"JUPYTERHUB_SERVICE_PREFIX": "/user/ada/"}, True),
    ({"JUPYTERHUB_API_TOKEN": "abc"}, True),
    ({"JUPYTERHUB_SERVICE_PREFIX": "", "JUPYTERHUB_API_TOKEN": "  "}, False),   # set but empty
    ({"JUPYTER_SERVER_URL": "http://x", "JUPYTERHUB_USER": "ada"}, False),      # other variables
])
def test_hub_detection(environ, expected):
    assert lab.on_jupyterhub(environ) is expected


def test_local_runs_jupyter_lab_on_notebooks():
    p = lab.plan({"HOME": "/home/x"}, BIN, NB, proxy_available=True)
    assert p.mode == "local"
    assert p.commands == [[".venv/bin/jupyter", "lab", "--notebook-dir=notebooks"]]


def test_hub_without_proxy_registers_the_kernel_and_says_how_to_pick_it():
    p = lab.plan({"JUPYTERHUB_SERVICE_PREFIX": "/user/ada/"}, BIN, NB, proxy_available=False)
    assert p.mode == "hub-kernel"
    assert p.commands == [[".venv/bin/python", "-m", "ipykernel", "install", "--user", "--name", "lutbook",
                           "--display-name", "Python (lutbook)"]]
    assert not any("jupyter" in c[0] and "lab" in c for c in p.commands)   # no second JupyterLab
    assert "Change Kernel" in p.message and "Python (lutbook)" in p.message
    assert "no jupyter-server-proxy" in p.message


def test_hub_with_proxy_also_serves_the_lab_under_the_hub_prefix():
    env = {"JUPYTERHUB_SERVICE_PREFIX": "/user/ada", "JUPYTERHUB_API_TOKEN": "t"}
    p = lab.plan(env, BIN, NB, proxy_available=True, port=43210, token="tok")
    assert p.mode == "hub-proxy"
    assert p.commands[0][2:4] == ["ipykernel", "install"]
    server = p.commands[1]
    assert server[:3] == [".venv/bin/jupyter", "lab", "--notebook-dir=notebooks"]
    assert "--ServerApp.base_url=/user/ada/proxy/absolute/43210/" in server
    assert "--port=43210" in server and "--ip=127.0.0.1" in server
    assert p.lab_url == "/user/ada/proxy/absolute/43210/lab?token=tok"
    assert parse_qs(urlsplit(p.lab_url).query) == {"token": ["tok"]}
    assert p.lab_url in p.message


@pytest.mark.parametrize("forced, available, mode", [("0", True, "hub-kernel"), ("1", False, "hub-proxy"),
                                                     ("", True, "hub-proxy"), ("", False, "hub-kernel")])
def test_lutbook_lab_proxy_overrides_detection(forced, available, mode):
    env = {"JUPYTERHUB_API_TOKEN": "t", "LUTBOOK_LAB_PROXY": forced}
    assert lab.plan(env, BIN, NB, proxy_available=available, port=1, token="x").mode == mode


def _run(env_extra, *args, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTERHUB_", "LUTBOOK_LAB"))}
    env.update(HOME=str(tmp_path), JUPYTER_DATA_DIR=str(tmp_path / "data"), **env_extra)
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "lab.py"), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def test_dry_run_off_the_hub_prints_the_local_command(tmp_path):
    r = _run({}, "--dry-run", tmp_path=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "mode: local" in r.stdout and "would run: .venv/bin/jupyter lab --notebook-dir=notebooks" in r.stdout


def test_on_a_hub_the_kernel_is_really_registered(tmp_path):
    """Runs the real `ipykernel install --user` into a temporary Jupyter data folder."""
    r = _run({"JUPYTERHUB_SERVICE_PREFIX": "/user/ada/", "LUTBOOK_LAB_PROXY": "0"}, tmp_path=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    spec_file = tmp_path / "data" / "kernels" / "lutbook" / "kernel.json"
    assert spec_file.is_file(), r.stdout + r.stderr
    kernel = json.loads(spec_file.read_text())
    assert kernel["display_name"] == "Python (lutbook)"
    assert Path(kernel["argv"][0]).parent == (ROOT / ".venv" / "bin")
    assert "Change Kernel" in r.stdout


def test_the_proxied_lab_command_serves_under_the_hub_prefix(tmp_path):
    """The hub-proxy plan's JupyterLab command, run for real on loopback, answers at
    <prefix>proxy/absolute/<port>/ (what jupyter-server-proxy forwards unchanged)."""
    import time
    import urllib.request

    port = lab._free_port()
    p = lab.plan({"JUPYTERHUB_SERVICE_PREFIX": "/user/ada/"}, ROOT / ".venv" / "bin", tmp_path,
                 proxy_available=True, port=port, token="secret")
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTERHUB_")}
    env.update(HOME=str(tmp_path), JUPYTER_RUNTIME_DIR=str(tmp_path / "rt"))
    cmd = p.commands[1] + (["--allow-root"] if os.geteuid() == 0 else [])   # CI runs as root
    server = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                              stderr=open(tmp_path / "lab.log", "w"))
    try:
        url = f"http://127.0.0.1:{port}/user/ada/proxy/absolute/{port}/api/status"
        deadline = time.monotonic() + 120
        while True:
            try:
                req = urllib.request.Request(url, headers={"Authorization": "token secret"})
                with urllib.request.urlopen(req, timeout=5) as r:
                    assert r.status == 200 and "started" in json.loads(r.read())
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("JupyterLab did not answer under the prefix; log:\n"
                                + (tmp_path / "lab.log").read_text()[-2000:])
                time.sleep(0.5)
        lab_page = f"http://127.0.0.1:{port}{p.lab_url}"
        with urllib.request.urlopen(lab_page, timeout=30) as r:
            assert r.status == 200 and b"JupyterLab" in r.read()
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.parametrize("hub", [{}, {"JUPYTERHUB_SERVICE_PREFIX": "/user/ada/", "LUTBOOK_LAB_PROXY": "0"}])
@pytest.mark.parametrize("venv_bin", ["no-such-venv/bin", "notebooks"])
def test_a_bad_venv_bin_is_a_clear_error(tmp_path, hub, venv_bin):
    r = _run(hub, "--venv-bin", venv_bin, tmp_path=tmp_path)
    assert r.returncode == 2
    assert r.stderr.startswith(f"error: --venv-bin {venv_bin}: {venv_bin}/") and "not found" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    assert not (tmp_path / "data" / "kernels").exists()          # nothing registered
