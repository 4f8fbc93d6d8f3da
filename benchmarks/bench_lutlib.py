"""Speed and memory of lutlib against the targets of the lutlib-core issue. Prints figures and ratios.

    LUTLIB_DATA=../shared/data python benchmarks/bench_lutlib.py [--quick] [--profile-only]

Targets (2 cores): Experiment 1 training <= 0.35 s and the widget's fit <= 0.7 s (2 numba
threads, fit profile below); the whole Table 2 sweep (16 networks) <= 60 s; peak memory of a
k=16 network <= 1.5 GB; PCA of 60,000 x 784 < 3 s; a single lut on PCA bits for k = 2..20
< 5 s after PCA. Timings are medians of repeated runs after a warm-up (numba compiles once).
This is a report, not a test: it never fails a build.

The fit profile (first) runs Experiment 1 (5 x 1024, k = 8, 60,000 images) and the chapter's
widget fit (the same with the 10,000 test images as eval_set) in fresh processes with 1 and 2
numba threads. It gives the least wall-clock and the least process CPU time of several runs
(CPU time is the work done, whatever else runs on the machine; the load average is printed
beside it), and where one fit's time goes: the features-major copies, the wiring, each layer's
kernel (addresses, counts, table, lookups).
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

from _timing import load, timed, timed_min

PROFILE_REPEAT = 5


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


def profile_child(repeat):
    """Runs in a fresh process (numba's thread count is fixed at start): prints a JSON profile."""
    import numba
    from lutlib import kernels_numba
    Xtr, ytr, Xte, yte = binary_mnist()
    LutNetwork(hidden=(4,), k=2, backend="numba").fit(Xtr[:16], ytr[:16], eval_set=[(Xte[:8], yte[:8])])
    fit = lambda: LutNetwork(backend="numba").fit(Xtr, ytr)  # noqa: E731
    widget = lambda: LutNetwork(backend="numba").fit(Xtr, ytr, eval_set=[(Xte, yte)])  # noqa: E731
    result = {"threads": numba.get_num_threads(), "exp1": timed_min(fit, repeat),
              "widget": timed_min(widget, repeat)}
    parts = {}
    originals = {name: getattr(kernels_numba, name) for name in ("features_major", "smallest_keys",
                                                                  "fit_layer_eval")}

    def timing(name, fn):
        def wrapper(*args, **kwargs):
            wall, cpu = time.perf_counter(), time.process_time()
            out = fn(*args, **kwargs)
            parts.setdefault(name, []).append((time.perf_counter() - wall, time.process_time() - cpu))
            return out
        return wrapper

    best = {}
    try:
        for name, fn in originals.items():
            setattr(kernels_numba, name, timing(name, fn))
        for _ in range(repeat):
            parts.clear()
            fit()
            for name, calls in parts.items():
                for i, figures in enumerate(calls):
                    key = f"{name} {i + 1}" if name == "fit_layer_eval" else name
                    total = figures if key not in best or name == "fit_layer_eval" else None
                    if name != "fit_layer_eval":   # summed over the calls of one fit
                        total = tuple(map(sum, zip(*calls)))
                    best[key] = tuple(map(min, zip(best.get(key, total), total)))
    finally:
        for name, fn in originals.items():
            setattr(kernels_numba, name, fn)
    result["parts"] = best
    print(json.dumps(result))


def fit_profile(repeat):
    """Profile of Experiment 1 with 1 and 2 numba threads, each in a fresh process."""
    rows = {}
    for threads in (1, 2):
        env = dict(os.environ, NUMBA_NUM_THREADS=str(threads))
        before = load()
        out = subprocess.run([sys.executable, __file__, "--profile-child", str(repeat)], env=env,
                             capture_output=True, text=True, check=True).stdout
        rows[threads] = json.loads(out.splitlines()[-1])
        print(f"numba threads {threads}: {before} before, {load()} after; least of {repeat} runs")
    print(f"{'':44s} {'1 thread':>17s} {'2 threads':>17s}")
    print(f"{'':44s} {'wall':>8s} {'CPU':>8s} {'wall':>8s} {'CPU':>8s}")

    def show(name, one, two):
        print(f"{name:44s} {one[0] * 1e3:6.0f}ms {one[1] * 1e3:6.0f}ms {two[0] * 1e3:6.0f}ms {two[1] * 1e3:6.0f}ms")

    show("Experiment 1 fit (5x1024, k=8, 60k)", rows[1]["exp1"], rows[2]["exp1"])
    show("widget fit (the same + 10k eval_set)", rows[1]["widget"], rows[2]["widget"])
    print("  one Experiment 1 fit, part by part:")
    for key in rows[1]["parts"]:
        label = {"features_major": "features-major copy of X", "smallest_keys": "wiring (k smallest keys)"}.get(
            key, key.replace("fit_layer_eval", "layer kernel").replace("kernel 6", "kernel 6 (output lut)"))
        show("    " + label, rows[1]["parts"][key], rows[2]["parts"][key])
    speedup = rows[1]["exp1"][0] / rows[2]["exp1"][0]
    print(f"  2 threads against 1: {speedup:.2f}x wall; CPU {rows[2]['exp1'][1] / rows[1]['exp1'][1]:.2f}x")
    return [line("Experiment 1 training, numba, 2 threads (least)", rows[2]["exp1"][0], 0.35),
            line("widget fit in the kernel, numba, 2 threads (least)", rows[2]["widget"][0], 0.7)]


def line(name, seconds, target, unit="s"):
    verdict = "ok" if seconds <= target else "OVER TARGET"
    print(f"{name:52s} {seconds:8.2f} {unit}   target <= {target:g} {unit}   {verdict}")
    return {"name": name, "value": seconds, "target": target, "unit": unit, "ok": seconds <= target}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one repeat, skip the numpy Table 2 estimate")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--profile-only", action="store_true", help="only the fit profile")
    parser.add_argument("--profile-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.profile_child:
        return profile_child(args.profile_child)
    repeat = 1 if args.quick else 3
    import numba
    print(f"cores: {os.cpu_count()}, numba threads: {numba.get_num_threads()}, numpy {np.__version__}, numba {numba.__version__}")
    results = fit_profile(2 if args.quick else PROFILE_REPEAT)
    if args.profile_only:
        return

    Xtr, ytr, Xte, yte = binary_mnist()
    LutNetwork(hidden=(4,), k=2, backend="numba").fit(Xtr[:10], ytr[:10])  # compile
    t_numba = timed(lambda: LutNetwork(backend="numba").fit(Xtr, ytr), repeat)
    results.append(line("Experiment 1 training, numba (5x1024, k=8, 60k)", t_numba, 0.35))
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
