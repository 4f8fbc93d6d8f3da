"""lutlib.threads: settings that must reach OpenMP before numba starts its threads, and BLAS limits.

Each case runs in a fresh Python, since OpenMP reads its environment once, when it starts. With
OMP_DISPLAY_ENV=VERBOSE libgomp prints the settings it actually uses, so the tests read the
runtime's own word, not just os.environ: GOMP_SPINCOUNT, how long an idle worker busy-waits,
is 0 under OMP_WAIT_POLICY=PASSIVE and 300,000 by default (libgomp prints the policy itself as
'PASSIVE' in both cases, so the spin count is what tells them apart).
"""
import os
import re
import subprocess
import sys

import pytest

from lutlib import numba_available

needs_numba = pytest.mark.skipif(not numba_available(), reason="numba not installed")

FIT = ("from lutlib import LutNetwork; import numpy as np\n"
       "LutNetwork(hidden=(2,), k=1, backend='numba').fit(np.eye(4, dtype=np.uint8), [0, 1, 0, 1])\n")


def run(code, **env):
    base = {k: v for k, v in os.environ.items()
            if k not in ("OMP_WAIT_POLICY", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")}
    r = subprocess.run([sys.executable, "-W", "always", "-c", code], env={**base, **env},
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    return r


def spin_count(stderr):
    """How many times libgomp's idle workers spin before sleeping (from OMP_DISPLAY_ENV=VERBOSE)."""
    found = re.findall(r"GOMP_SPINCOUNT = '(\d+)'", stderr)
    assert found, f"libgomp printed no settings (numba not on the omp layer?):\n{stderr[-2000:]}"
    return int(found[-1])


def _omp_layer():
    r = run("import lutlib.threads\n" + FIT + "import numba; print(numba.threading_layer())")
    return r.stdout.split()[-1] == "omp"


@needs_numba
def test_configure_before_the_first_fit_makes_numbas_openmp_passive():
    r = run("import lutlib.threads\nlutlib.threads.configure()\n" + FIT
            + "print(lutlib.threads.current())", OMP_DISPLAY_ENV="VERBOSE")
    info = eval(r.stdout.strip().splitlines()[-1])
    assert info["omp_wait_policy"] == "PASSIVE" and info["numba_threads"] >= 1
    if info["numba_threading_layer"] == "omp":
        assert spin_count(r.stderr) == 0
    assert "RuntimeWarning" not in r.stderr


@needs_numba
def test_using_the_numba_backend_sets_the_default_even_without_configure():
    r = run(FIT + "import os; print(os.environ.get('OMP_WAIT_POLICY'))", OMP_DISPLAY_ENV="VERBOSE")
    assert r.stdout.split()[-1] == "PASSIVE"
    if _omp_layer():
        assert spin_count(r.stderr) == 0


@needs_numba
def test_a_users_own_setting_is_kept():
    r = run("import lutlib.threads\nlutlib.threads.configure()\n" + FIT
            + "import os; print(os.environ['OMP_WAIT_POLICY'])", OMP_WAIT_POLICY="ACTIVE", OMP_DISPLAY_ENV="VERBOSE")
    assert r.stdout.split()[-1] == "ACTIVE"
    if _omp_layer():
        assert spin_count(r.stderr) > 10**6


@needs_numba
def test_too_late_is_said_and_really_too_late():
    """numba's threads started first (by someone else's parallel code): the policy cannot change,
    and configure() warns instead of pretending."""
    code = ("import numba, numpy as np\n"
            "@numba.njit(parallel=True)\n"
            "def f(a):\n"
            "    for i in numba.prange(a.shape[0]):\n"
            "        a[i] += 1\n"
            "f(np.zeros(100))\n"
            "import lutlib.threads\nlutlib.threads.configure()\n" + FIT)
    r = run(code, OMP_DISPLAY_ENV="VERBOSE")
    assert "RuntimeWarning" in r.stderr and "before the first fit" in r.stderr
    if _omp_layer():
        assert spin_count(r.stderr) > 0


def test_blas_threads_are_limited_at_once():
    pytest.importorskip("threadpoolctl")
    r = run("import numpy, lutlib.threads as t\nt.configure(blas_threads=1)\nprint(t.current()['blas_threads'])\n"
            "t.configure(blas_threads=2)\nprint(t.current()['blas_threads'])")
    first, second = r.stdout.split()[-2:]
    if first == "None":
        pytest.skip("no BLAS library found by threadpoolctl")
    assert (first, second) == ("1", str(min(2, int(second))))
    assert second in ("1", "2")


@pytest.mark.parametrize("kwargs", [{"blas_threads": 0}, {"blas_threads": 1.5}, {"numba_threads": True},
                                    {"numba_threads": -2}])
def test_bad_thread_counts_are_refused(kwargs):
    import lutlib.threads
    with pytest.raises(ValueError, match="must be a positive int or None"):
        lutlib.threads.configure(**kwargs)


@needs_numba
@pytest.mark.parametrize("value", ["100000", "5000"])
def test_an_unusable_numba_num_threads_is_refused_not_a_crash(value):
    """numba starts NUMBA_NUM_THREADS threads at its first parallel call: 100000 was a segfault.
    (0 or less: numba itself refuses it when imported, with its own error.)"""
    base = {k: v for k, v in os.environ.items() if k != "NUMBA_NUM_THREADS"}
    r = subprocess.run([sys.executable, "-c", FIT], env={**base, "NUMBA_NUM_THREADS": value},
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)
    assert r.returncode == 1, (r.returncode, r.stderr[-2000:])  # -11 would be the segfault
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith(f"ValueError: NUMBA_NUM_THREADS={value} is not a usable number of threads")
    assert "Unset it, or set it to at most" in last
    cli = subprocess.run([sys.executable, "-m", "lutlib", "data", "info"], env={**base, "NUMBA_NUM_THREADS": value},
                         stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)
    assert cli.returncode == 1 and cli.stderr.startswith(f"lutlib: error: NUMBA_NUM_THREADS={value} ")
    assert "Traceback" not in cli.stderr


@needs_numba
def test_a_sensible_numba_num_threads_is_kept():
    r = run(FIT + "import numba; print(numba.get_num_threads())", NUMBA_NUM_THREADS="3")
    assert r.stdout.split()[-1] == "3"


def test_the_thread_limit_is_8_per_core_and_at_least_64(monkeypatch):
    import lutlib.threads as t
    monkeypatch.setattr(t.os, "cpu_count", lambda: 16)
    assert t.numba_thread_limit() == 128
    monkeypatch.setattr(t.os, "cpu_count", lambda: 2)
    assert t.numba_thread_limit() == 64
    for ok in ("1", " 64 ", "abc", ""):   # not an integer: numba warns and uses its default
        monkeypatch.setenv("NUMBA_NUM_THREADS", ok)
        t.check_numba_threads_variable()
    for bad in ("65", "0"):
        monkeypatch.setenv("NUMBA_NUM_THREADS", bad)
        with pytest.raises(ValueError, match=f"NUMBA_NUM_THREADS={bad} .* from 1 to 64 on this machine"):
            t.check_numba_threads_variable()
