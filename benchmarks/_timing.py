"""What the benchmark scripts share (run them as `python benchmarks/NAME.py`)."""
import statistics
import time


def timed(fn, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def timed_min(fn, repeat):
    """(wall, cpu): the least wall-clock and the least process CPU seconds of `repeat` calls.

    On a shared machine the minimum is the figure least moved by other work, and process CPU
    time (all threads) is the work done, whatever the load.
    """
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - wall)
    return min(walls), min(cpus)


def load():
    """The machine's 1-minute load average, for printing beside a timing."""
    import os
    return f"load {os.getloadavg()[0]:.1f}"
