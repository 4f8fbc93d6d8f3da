"""A private JupyterLab server for the browser tests and the widget benchmark.

``LabServer(folder)`` starts ``jupyter lab`` on ``folder`` at 127.0.0.1 (a free port, a random
token), with its own config, data, runtime, settings and workspace folders beside ``folder`` (so
nothing of the user's JupyterLab is read or changed), every cell rendered (no windowing), no news
fetched, and the notebooks trusted as a reader's own. It waits until the server answers; use it
as a context manager, or call ``close()``.

>>> import tempfile
>>> with tempfile.TemporaryDirectory() as tmp:              # doctest: +SKIP
...     with LabServer(Path(tmp)) as lab:
...         lab.url("lab")
'http://127.0.0.1:...'
"""
from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

BIN = Path(sys.executable).parent


class LabStartError(RuntimeError):
    """jupyter lab exited or did not answer in time; the message ends with its log."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LabServer:
    """JupyterLab on ``folder``; ``base``, ``token`` and ``url(path)`` reach it. See the module."""

    def __init__(self, folder: Path, *, auto_start_kernel: bool = True, timeout: float = 120,
                 extra_args: tuple[str, ...] = ()):
        folder = Path(folder)
        root = folder.parent
        settings = root / "settings" / "@jupyterlab"
        (settings / "notebook-extension").mkdir(parents=True, exist_ok=True)
        # render every cell (JupyterLab 4 otherwise renders only the cells in view)
        (settings / "notebook-extension" / "tracker.jupyterlab-settings").write_text(json.dumps(
            {"windowingMode": "none", "autoStartDefaultKernel": auto_start_kernel}))
        (settings / "apputils-extension").mkdir(parents=True, exist_ok=True)
        (settings / "apputils-extension" / "notification.jupyterlab-settings").write_text(
            json.dumps({"fetchNews": "false", "checkForUpdates": False}))
        self.env = dict(os.environ, JUPYTER_CONFIG_DIR=str(root / "config"),
                        JUPYTER_DATA_DIR=str(root / "data"), JUPYTER_RUNTIME_DIR=str(root / "runtime"),
                        JUPYTERLAB_SETTINGS_DIR=str(root / "settings"),
                        JUPYTERLAB_WORKSPACES_DIR=str(root / "workspaces"), TQDM_DISABLE="1")
        # opened as a reader opens notebooks they ran themselves: trusted
        subprocess.run([str(BIN / "jupyter"), "trust", *map(str, sorted(folder.glob("*.ipynb")))],
                       env=self.env, check=True, capture_output=True)
        self.port, self.token = free_port(), secrets.token_hex(16)
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = root / "lab.log"
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [str(BIN / "jupyter"), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={self.port}",
             f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={folder}",
             "--LabApp.news_url=", "--ServerApp.port_retries=0", "--allow-root",
             "--LabApp.extension_manager=readonly", *extra_args],
            env=self.env, stdout=self._log, stderr=subprocess.STDOUT, cwd=folder)
        deadline = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(self.url("api/status"), timeout=2)
                return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.close()
                    raise LabStartError("jupyter lab did not start; log:\n"
                                        + self.log_path.read_text()[-3000:]) from None
                time.sleep(0.5)

    def url(self, path: str) -> str:
        """The address of ``path`` on this server, with the token."""
        sep = "&" if "?" in path else "?"
        return f"{self.base}/{path.lstrip('/')}{sep}token={self.token}"

    def close(self):
        """Stop the server (and its kernels)."""
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self._log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
