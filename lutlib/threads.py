"""Thread behaviour of lutlib, set in one place: numba counts, BLAS multiplies, neither spins.

On a small shared machine (2 cores) two thread pools fight:

- numba's parallel kernels run on an OpenMP pool (libgomp). Unless told otherwise its workers
  busy-wait after a parallel loop (libgomp's GOMP_SPINCOUNT: 300,000 spins) before they sleep,
  taking cores from whatever runs next, BLAS's threads included.
  ``OMP_WAIT_POLICY=PASSIVE`` makes them sleep at once. OpenMP reads it when numba starts its
  threads (the first parallel call), so it must be in the environment **before** that: importing
  :mod:`lutlib.kernels_numba` sets it (unless you set it yourself), and :func:`configure` warns
  when it comes too late.
- OpenBLAS (numpy's matrix products, scikit-learn's PCA, MLP, logistic regression) with 2 threads
  on a busy 2-core machine is many times slower than with 1: its threads wait on each other by
  spinning while one of them is descheduled. Its result can also depend on the thread count.
  :func:`configure` limits BLAS to one thread (threadpoolctl, effective at once).

Lut fits do not depend on the number of numba threads (they only count), so numba keeps every core.

Call ``configure()`` once, first thing (chapters and the command line do):

>>> import lutlib.threads
>>> lutlib.threads.configure()
>>> lutlib.threads.current()["blas_threads"] in (1, None)   # None: no BLAS library found
True
"""
import os
import sys
import warnings

WAIT_POLICY = "PASSIVE"
#: ``NUMBA_NUM_THREADS`` above this many threads per core (and above MIN_THREAD_LIMIT) is refused:
#: numba starts them all at once and crashes the process (a segfault) when the system refuses one.
THREADS_PER_CORE_LIMIT, MIN_THREAD_LIMIT = 8, 64


def numba_thread_limit():
    """The largest ``NUMBA_NUM_THREADS`` accepted on this machine: 8 per core, at least 64.

    >>> numba_thread_limit() >= MIN_THREAD_LIMIT
    True
    """
    return max(MIN_THREAD_LIMIT, THREADS_PER_CORE_LIMIT * (os.cpu_count() or 1))


def check_numba_threads_variable():
    """Refuse a ``NUMBA_NUM_THREADS`` that is an integer below 1 or above `numba_thread_limit`.

    numba reads the variable when it is imported and starts that many threads at its first
    parallel call; 0 fails deep inside numba and 100000 kills Python with a segfault. Values
    that are not integers are left to numba (it warns and uses its default).

    >>> check_numba_threads_variable()   # unset or sensible: nothing happens
    """
    text = os.environ.get("NUMBA_NUM_THREADS", "").strip()
    try:
        value = int(text)
    except ValueError:
        return
    limit = numba_thread_limit()
    if not 1 <= value <= limit:
        raise ValueError(f"NUMBA_NUM_THREADS={text} is not a usable number of threads: it must be from 1 to "
                         f"{limit} on this machine ({os.cpu_count()} cores). Unset it, or set it to at most "
                         f"{limit}, and restart Python.")


def set_environment_defaults():
    """Put ``OMP_WAIT_POLICY=PASSIVE`` in the environment unless it is set; True if it was set here.

    Only acts on OpenMP runtimes that have not started yet (see the module docstring). Also
    refuses an unusable ``NUMBA_NUM_THREADS`` (see `check_numba_threads_variable`).

    >>> set_environment_defaults() in (True, False)
    True
    """
    check_numba_threads_variable()
    if "OMP_WAIT_POLICY" in os.environ:
        return False
    os.environ["OMP_WAIT_POLICY"] = WAIT_POLICY
    return True


def numba_threads_started():
    """True once numba has started its thread pool (its OpenMP settings are then fixed).

    >>> numba_threads_started() in (True, False)
    True
    """
    parallel = sys.modules.get("numba.np.ufunc.parallel")
    return bool(parallel is not None and getattr(parallel, "_is_initialized", False))


def configure(blas_threads=1, numba_threads=None):
    """Set lutlib's thread behaviour for this process; returns None (prints nothing).

    blas_threads : int or None
        Threads for BLAS (OpenBLAS, MKL, BLIS) from now on; None leaves BLAS alone.
    numba_threads : int or None
        Threads for lutlib's numba kernels; None keeps numba's default (every core).

    Warns if numba's threads had already started without ``OMP_WAIT_POLICY`` (restart the
    kernel and call ``configure()`` before the first fit).

    >>> configure(blas_threads=1)
    """
    for name, value in (("blas_threads", blas_threads), ("numba_threads", numba_threads)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise ValueError(f"{name} must be a positive int or None; got {value!r}.")
    if not numba_threads_started():
        set_environment_defaults()
    elif os.environ.get("OMP_WAIT_POLICY", "").upper() != WAIT_POLICY:
        warnings.warn("numba's threads started before OMP_WAIT_POLICY=PASSIVE was set, so its idle "
                      "workers may spin; call lutlib.threads.configure() before the first fit "
                      "(restart the kernel).", RuntimeWarning, stacklevel=2)
    if blas_threads is not None:
        _limit_blas(blas_threads)
    if numba_threads is not None:
        import numba
        numba.set_num_threads(min(numba_threads, numba.config.NUMBA_NUM_THREADS))


def _limit_blas(n):
    os.environ["OPENBLAS_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = str(n)  # for children
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # without threadpoolctl only a process started later is affected
        if "numpy" in sys.modules:
            warnings.warn("threadpoolctl is not installed: BLAS threads are limited only for "
                          "processes started from now on (pip install threadpoolctl).",
                          RuntimeWarning, stacklevel=3)
        return
    threadpool_limits(limits=n, user_api="blas")


def current():
    """What is in effect: a dict with ``omp_wait_policy``, ``numba_threads``,
    ``numba_threading_layer`` (None until numba's threads start) and ``blas_threads``
    (None when no BLAS library is loaded or threadpoolctl is missing).

    >>> sorted(current())
    ['blas_threads', 'numba_threading_layer', 'numba_threads', 'omp_wait_policy']
    """
    info = {"omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"), "numba_threads": None,
            "numba_threading_layer": None, "blas_threads": None}
    if "numba" in sys.modules:
        import numba
        info["numba_threads"] = numba.get_num_threads()
        if numba_threads_started():
            info["numba_threading_layer"] = numba.threading_layer()
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return info
    blas = [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]
    info["blas_threads"] = max(blas) if blas else None
    return info
