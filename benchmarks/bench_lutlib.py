"""Speed and memory of lutlib against the targets of the lutlib-core issue. Prints figures and ratios.

    LUTLIB_DATA=../shared/data python benchmarks/bench_lutlib.py [--quick]

Targets (2 cores): Experiment 1 training <= 2 s (aim 1 s); the whole Table 2 sweep (16 networks)
<= 60 s; peak memory of a k=16 network <= 1.5 GB; PCA of 60,000 x 784 < 3 s; a single lut on PCA
bits for k = 2..20 < 5 s after PCA. Timings are medians of repeated runs after a warm-up (numba
compiles once). This is a report, not a test: it never fails a build.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np

from lutlib import Lut, LutNetwork
from lutlib.data import load_mnist, pca_bits
from lutlib.experiments import binary_mnist, table2

from _timing import timed


def peak_memory_mb(k):
    """Peak resident memory of a fresh process that loads MNIST and trains a 5x1024 network at k."""
    # VmHWM (peak resident set) starts afresh at exec, unlike ru_maxrss, which a child inherits.
    code = ("import re; from lutlib import LutNetwork; from lutlib.experiments import binary_mnist\n"
            "hwm = lambda: int(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read())[1]) / 1024\n"
            "X, y, _, _ = binary_mnist(); base = hwm()\n"
            f"LutNetwork(k={k}).fit(X, y)\n"
            "print(base, hwm())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return tuple(float(v) for v in out.split())


def line(name, seconds, target, unit="s"):
    verdict = "ok" if seconds <= target else "OVER TARGET"
    print(f"{name:52s} {seconds:8.2f} {unit}   target <= {target:g} {unit}   {verdict}")
    return {"name": name, "value": seconds, "target": target, "unit": unit, "ok": seconds <= target}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one repeat, skip the numpy Table 2 estimate")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    repeat = 1 if args.quick else 3
    import numba
    print(f"cores: {os.cpu_count()}, numba threads: {numba.get_num_threads()}, numpy {np.__version__}, numba {numba.__version__}")
    results = []

    Xtr, ytr, Xte, yte = binary_mnist()
    LutNetwork(hidden=(4,), k=2, backend="numba").fit(Xtr[:10], ytr[:10])  # compile
    t_numba = timed(lambda: LutNetwork(backend="numba").fit(Xtr, ytr), repeat)
    results.append(line("Experiment 1 training, numba (5x1024, k=8, 60k)", t_numba, 2.0))
    t_numpy = timed(lambda: LutNetwork(backend="numpy").fit(Xtr, ytr), 1)
    print(f"{'Experiment 1 training, vectorized numpy backend':52s} {t_numpy:8.2f} s   "
          f"numba is {t_numpy / t_numba:.1f}x faster")
    results.append({"name": "numpy/numba ratio", "value": t_numpy / t_numba})

    start = time.perf_counter()
    table2((Xtr, ytr, Xte, yte))
    results.append(line("Table 2 sweep (16 networks, k=2..16, with scoring)", time.perf_counter() - start, 60.0))

    base, peak = peak_memory_mb(16)
    results.append(line("Peak memory training k=16 (process total)", peak, 1536, "MB"))
    print(f"{'  of which MNIST loaded and binarized':52s} {base:8.0f} MB")

    images, labels, test_images, _ = load_mnist()
    t_pca = timed(lambda: pca_bits(images, test_images, 20), repeat)
    results.append(line("PCA of 60,000 x 784 (+ projecting train and test)", t_pca, 3.0))
    bits, _ = pca_bits(images, test_images, 20)
    y = (labels >= 5).astype(np.uint8)
    t_sweep = timed(lambda: [Lut(seed=0).fit(bits[:, :k], y).score(bits[:, :k], y) for k in range(2, 21)], repeat)
    results.append(line("Single lut on PCA bits, k = 2..20 (fit + score)", t_sweep, 5.0))

    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    print(f"peak memory of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
