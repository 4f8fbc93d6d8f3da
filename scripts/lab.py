#!/usr/bin/env python3
"""`make lab`: JupyterLab on notebooks/ here; on a JupyterHub, the project's kernel instead.

    python scripts/lab.py [--notebook-dir notebooks] [--dry-run]

On your own machine this runs ``.venv/bin/jupyter lab --notebook-dir=notebooks``, as before.

In a JupyterHub terminal (the hub sets ``JUPYTERHUB_SERVICE_PREFIX`` and
``JUPYTERHUB_API_TOKEN`` in every single-user server), a second ``jupyter lab`` started
there listens on a port of the student's container that the browser cannot reach: only
the hub's proxy is reachable, and it forwards to the hub's own server. So on a hub:

1. the project's virtualenv is registered as a Jupyter kernel, **"Python (lutbook)"**
   (``python -m ipykernel install --user --name lutbook``), which the hub's own JupyterLab
   lists at once: open a chapter in the hub's file browser, then *Kernel > Change Kernel... >
   Python (lutbook)* (JupyterLab also asks when a notebook's kernel is missing);
2. if the hub's server has ``jupyter-server-proxy`` (``LUTBOOK_LAB_PROXY=1`` to force,
   ``=0`` to skip), the project's JupyterLab, with jupyterlab-myst, is also served through
   it at ``<prefix>proxy/absolute/<port>/lab``, and the script prints that address.

Which of these applies is decided by :func:`plan`, a pure function of the environment
(tested in ``tests/test_lab_hub.py``).
"""
from __future__ import annotations

import argparse
import os
import secrets
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KERNEL_NAME = "lutbook"
KERNEL_DISPLAY = "Python (lutbook)"
HUB_VARIABLES = ("JUPYTERHUB_SERVICE_PREFIX", "JUPYTERHUB_API_TOKEN")


def on_jupyterhub(environ) -> bool:
    """True inside a JupyterHub single-user server (either variable set and not empty).

    >>> on_jupyterhub({"JUPYTERHUB_SERVICE_PREFIX": "/user/ada/"}), on_jupyterhub({})
    (True, False)
    """
    return any(environ.get(name, "").strip() for name in HUB_VARIABLES)


@dataclass
class Plan:
    """What `make lab` does: commands to run in order, and what to tell the user."""

    mode: str                                   # "local", "hub-kernel" or "hub-proxy"
    commands: list[list[str]] = field(default_factory=list)
    message: str = ""
    lab_url: str | None = None                  # where the proxied JupyterLab appears


def _prefix(environ) -> str:
    prefix = environ.get("JUPYTERHUB_SERVICE_PREFIX", "").strip() or "/"
    return prefix if prefix.endswith("/") else prefix + "/"


def plan(environ, venv_bin: Path, notebook_dir: Path, proxy_available: bool, port: int = 0,
         token: str = "") -> Plan:
    """Decide what `make lab` does in this environment (no side effects).

    >>> plan({}, Path(".venv/bin"), Path("notebooks"), False).commands
    [['.venv/bin/jupyter', 'lab', '--notebook-dir=notebooks']]
    >>> plan({"JUPYTERHUB_API_TOKEN": "t"}, Path(".venv/bin"), Path("nb"), False).mode
    'hub-kernel'
    """
    jupyter, python = str(venv_bin / "jupyter"), str(venv_bin / "python")
    if not on_jupyterhub(environ):
        return Plan("local", [[jupyter, "lab", f"--notebook-dir={notebook_dir}"]])
    register = [python, "-m", "ipykernel", "install", "--user", "--name", KERNEL_NAME,
                "--display-name", KERNEL_DISPLAY]
    where = _hub_path(environ, notebook_dir)
    message = (
        "This terminal runs inside a JupyterHub server: a second JupyterLab started here could not\n"
        "be reached from your browser. Instead, the project's virtualenv is now a Jupyter kernel,\n"
        f'"{KERNEL_DISPLAY}". In the hub\'s JupyterLab, open {where} in the file browser, open a\n'
        f"chapter and choose Kernel > Change Kernel... > {KERNEL_DISPLAY}.")
    forced = environ.get("LUTBOOK_LAB_PROXY", "").strip()
    if forced == "0" or (forced != "1" and not proxy_available):
        if forced != "0":
            message += ("\n(The hub's server has no jupyter-server-proxy, so the project's own JupyterLab,\n"
                        "with jupyterlab-myst, cannot be served through the hub.)")
        return Plan("hub-kernel", [register], message)
    base_url = f"{_prefix(environ)}proxy/absolute/{port}/"
    lab = [jupyter, "lab", f"--notebook-dir={notebook_dir}", "--no-browser", "--ip=127.0.0.1",
           f"--port={port}", f"--ServerApp.base_url={base_url}", f"--IdentityProvider.token={token}"]
    url = f"{base_url}lab?token={token}"
    message += ("\n\nThe project's own JupyterLab (which renders the chapters' MyST) is also served\n"
                f"through the hub's jupyter-server-proxy. Open, on the hub's address:\n    {url}\n"
                "Stop it with Ctrl-C.")
    return Plan("hub-proxy", [register, lab], message, url)


def _hub_path(environ, notebook_dir: Path) -> str:
    """notebooks/ as the hub's file browser shows it (relative to $HOME when below it)."""
    full = (ROOT / notebook_dir).resolve()
    home = Path(environ.get("HOME", "~")).expanduser()
    try:
        return str(full.relative_to(home.resolve())) + "/"
    except ValueError:
        return str(full) + "/"


def proxy_in_hub_server(venv_bin: Path) -> bool:
    """Whether a Python on PATH other than the project's (the hub server's) has jupyter-server-proxy."""
    seen = set()
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        exe = shutil.which("python3", path=folder) if folder else None
        if not exe or Path(folder).resolve() == venv_bin.resolve() or Path(exe).resolve() in seen:
            continue
        seen.add(Path(exe).resolve())
        try:
            found = subprocess.run([exe, "-c", "import jupyter_server_proxy"], capture_output=True,
                                   timeout=30).returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            found = False
        if found:
            return True
    return False


def missing_programs(the_plan: Plan) -> list[str]:
    """The programs the plan runs that are not there (or not executable): a bad --venv-bin.

    >>> missing_programs(plan({}, Path("/nowhere/bin"), Path("notebooks"), False))
    ['/nowhere/bin/jupyter']
    """
    programs = dict.fromkeys(cmd[0] for cmd in the_plan.commands)
    return [p for p in programs if not (os.path.isfile(p) and os.access(p, os.X_OK))]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--notebook-dir", type=Path, default=Path("notebooks"))
    ap.add_argument("--venv-bin", type=Path, default=Path(".venv/bin"))
    ap.add_argument("--dry-run", action="store_true", help="print the plan, run nothing")
    args = ap.parse_args(argv)
    env = os.environ
    hub = on_jupyterhub(env)
    proxy = hub and env.get("LUTBOOK_LAB_PROXY", "").strip() != "0" and proxy_in_hub_server(args.venv_bin)
    the_plan = plan(env, args.venv_bin, args.notebook_dir, proxy,
                    port=_free_port() if hub else 0, token=secrets.token_hex(16) if hub else "")
    missing = missing_programs(the_plan)
    if missing:
        print(f"error: --venv-bin {args.venv_bin}: {', '.join(missing)} not found or not executable "
              "(give the bin folder of the project's virtualenv; `make venv` makes .venv/bin)", file=sys.stderr)
        return 2
    if args.dry_run:
        print(f"mode: {the_plan.mode}")
        for cmd in the_plan.commands:
            print("would run:", " ".join(cmd))
        if the_plan.message:
            print(the_plan.message)
        return 0
    if the_plan.mode == "local":
        cmd = the_plan.commands[0]
        os.execv(cmd[0], cmd)                    # as `jupyter lab` itself: Ctrl-C, exit status
    *setup, last = the_plan.commands
    for cmd in setup + ([] if the_plan.mode == "hub-proxy" else [last]):
        subprocess.run(cmd, check=True)
    print(the_plan.message, flush=True)
    if the_plan.mode == "hub-proxy":
        os.execv(last[0], last)
    return 0


if __name__ == "__main__":
    sys.exit(main())
