"""Several `lutlib data fetch` processes at once over a corrupt cache: all succeed, none sees a
half-replaced file, the lock makes a second fetch wait, and no partial download is left behind.

The children fetch from a loopback mirror (set inside each child); nothing touches the internet.
"""
import functools
import os
import shutil
import subprocess
import sys
import time

import pytest
from loopback import QuietHandler, serve

from lutlib import fetch
from lutlib.idx import FILES

CHILD = """import sys
from lutlib import cli, fetch
fetch.NPM_COMMAND = None
fetch.MIRRORS["mnist"] = [sys.argv[1]]
sys.exit(cli.main(["data", "fetch", "--json"]))
"""


@pytest.fixture
def setup(tmp_path, data_folder):
    """(mirror url, environment for the children, the cache folder holding a corrupt MNIST copy)."""
    url, server = serve(functools.partial(QuietHandler, directory=str(data_folder / "mnist")))
    cache = tmp_path / "cache" / "lutlib" / "mnist"
    shutil.copytree(data_folder / "mnist", cache)
    for name in ("train-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        (cache / name).write_bytes((cache / name).read_bytes()[:-100])
    (cache / ".fetch-killed").mkdir()  # left by a fetch that was killed
    env = {"PATH": os.environ["PATH"], "XDG_CACHE_HOME": str(tmp_path / "cache")}
    yield url + "/", env, cache
    server.shutdown()


def start(url, env):
    return subprocess.Popen([sys.executable, "-c", CHILD, url], env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_concurrent_fetches_over_a_corrupt_cache(setup):
    url, env, cache = setup
    procs = [start(url, env) for _ in range(3)]
    results = [p.communicate(timeout=120) for p in procs]
    for p, (out, err) in zip(procs, results):
        assert p.returncode == 0, err
        assert b"No such file" not in err
    assert all(f["ok"] for f in fetch.check_folder(cache, "mnist"))
    assert sorted(p.name for p in cache.iterdir()) == sorted(f"{n}.gz" for n in FILES)


def test_a_fetch_waits_for_the_lock_and_touches_nothing_meanwhile(setup):
    url, env, cache = setup
    damaged = (cache / "t10k-labels-idx1-ubyte.gz").read_bytes()
    with fetch._locked(cache):  # another fetch "in progress" (this process holds the lock)
        proc = start(url, env)
        waited = b""
        deadline = time.monotonic() + 60
        while b"waiting for another process" not in waited and time.monotonic() < deadline:
            waited += proc.stderr.read1(200)
        assert b"waiting for another process" in waited
        time.sleep(0.5)
        assert (cache / "t10k-labels-idx1-ubyte.gz").read_bytes() == damaged, "nothing changed under the lock"
        assert proc.poll() is None
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert all(f["ok"] for f in fetch.check_folder(cache, "mnist"))
    assert not list(cache.glob(".fetch-*"))
