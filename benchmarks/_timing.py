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
