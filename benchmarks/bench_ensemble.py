"""Seeds that cost little: S MLPs trained together (MLPEnsemble) against S single fits, and lut seeds.

    LUTLIB_DATA=../shared/data python benchmarks/bench_ensemble.py [--quick] [--repeat 3] [--threads 1,2]

The chapters show findings over several seeds with small MLPs: 1,000 to 2,000 MNIST images
(784 pixels in [0, 1]), one hidden layer of 8 to 512 units, SGD with momentum, batch 128, a few
epochs. One such fit leaves the machine mostly idle (each step is a few small products and a few
dozen numpy calls). This script times S = 5 and 10 seeds trained as an ``MLPEnsemble`` against
the same S seeds fitted one after the other with ``MLP``, with 1 and 2 BLAS threads
(threadpoolctl), the ensemble's members in one group (``n_jobs=1``) and in two groups trained side
by side in two threads (``n_jobs=2``, the default), and prints the throughput ratios (sequential
time / ensemble time) measured in this run. Target: >= 3x at S = 10. The sequential time for
S = 5 is the time of the first 5 of the 10 single fits.

Then the lut network's seeds (wirings): S LutNetwork fits one after the other, at n = 250, 1,000
and 2,000, to show how much of a fit is a fixed cost per fit (what batching the seeds could
save) and how much grows with n (what it could not).

The machine may be shared: the load average is printed beside every timing. Medians of
``--repeat`` runs, the sequential and ensemble runs interleaved. A report, never a test.
"""
import argparse
import os
import statistics
import time

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from lutlib import LutNetwork
from lutlib.data import binarize, load_mnist, scale
from lutlib.nn import MLP
from lutlib.nn_ensemble import MLPEnsemble


def load():
    return f"load {os.getloadavg()[0]:4.1f}"


def seconds(fn):
    """Wall-clock and CPU seconds (this process, all its threads) of fn()."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return np.array([time.perf_counter() - wall, time.process_time() - cpu])


def mlp_row(X, y, width, n_seeds, epochs, repeat, threads, jobs):
    """Median (wall, CPU) seconds: the first 5 and all 10 single fits, and for each n_jobs in jobs
    the ensembles of 5 and of 10."""
    params = dict(hidden=(width,), lr=0.1, batch_size=128)
    single, ens5, ens10 = [], {j: [] for j in jobs}, {j: [] for j in jobs}
    with threadpool_limits(threads, user_api="blas"):
        MLP(seed=0, **params).fit(X[:256], y[:256], epochs=1)          # warm-up: BLAS start-up
        for _ in range(repeat):
            single.append([seconds(lambda: MLP(seed=s, **params).fit(X, y, epochs=epochs)) for s in range(n_seeds)])
            for j in jobs:
                ens5[j].append(seconds(lambda: MLPEnsemble(n_seeds=5, n_jobs=j, **params).fit(X, y, epochs=epochs)))
                ens10[j].append(seconds(lambda: MLPEnsemble(n_seeds=10, n_jobs=j, **params).fit(X, y, epochs=epochs)))
    median = lambda runs: np.median(np.array(runs), axis=0)
    return (median([sum(run[:5]) for run in single]), {j: median(r) for j, r in ens5.items()},
            median([sum(run) for run in single]), {j: median(r) for j, r in ens10.items()})


def bench_mlp(args, X_all, y_all):
    print(f"\nMLP 784-w-10, SGD momentum, batch 128, {args.epochs} epochs; wall-clock seconds of S fits, "
          "throughput ratio sequential / ensemble, and the same ratio in CPU seconds (less sensitive to "
          "other processes on a shared machine)")
    print(f"{'n':>5} {'width':>5} {'BLAS':>4} {'jobs':>4} | {'S=5 seq':>8} {'ens':>7} {'ratio':>6} {'cpu':>6} | "
          f"{'S=10 seq':>8} {'ens':>7} {'ratio':>6} {'cpu':>6} |")
    ratios = {}
    for n in args.sizes:
        X, y = X_all[:n], y_all[:n]
        for width in args.widths:
            for threads in args.threads:
                seq5, ens5, seq10, ens10 = mlp_row(X, y, width, 10, args.epochs, args.repeat, threads, args.jobs)
                for j in args.jobs:
                    r5, r10 = seq5 / ens5[j], seq10 / ens10[j]
                    ratios[n, width, threads, j] = r10[0]
                    print(f"{n:5d} {width:5d} {threads:4d} {j:4d} | {seq5[0]:8.3f} {ens5[j][0]:7.3f} {r5[0]:5.2f}x "
                          f"{r5[1]:5.2f}x | {seq10[0]:8.3f} {ens10[j][0]:7.3f} {r10[0]:5.2f}x {r10[1]:5.2f}x | "
                          f"{load()}", flush=True)
    for j in args.jobs:
        mine = {key[:3]: r for key, r in ratios.items() if key[3] == j}
        print(f"S = 10, n_jobs = {j}, wall clock: ratio {min(mine.values()):.2f}x to {max(mine.values()):.2f}x "
              f"(target >= 3x); (n, width, BLAS threads) at 3x or more: "
              f"{sorted(key for key, r in mine.items() if r >= 3) or 'none'}")


def bench_lut(args, B_all, t_all):
    print("\nLutNetwork seeds (wirings) fitted one after the other, backend 'auto'; seconds per fit "
          "(median over the seeds)")
    for hidden in ((256, 256), (1024,) * 5):
        times = {}
        for n in (250, 1000, 2000):
            B, t = B_all[:n], t_all[:n]
            LutNetwork(hidden=hidden, k=8, seed=0).fit(B, t)                 # warm-up (numba compiles)
            times[n] = statistics.median(seconds(lambda: LutNetwork(hidden=hidden, k=8, seed=s).fit(B, t))[0]
                                         for s in range(args.lut_seeds))
            print(f"  hidden {len(hidden)} x {hidden[0]}, k=8, n={n:5d}: {times[n] * 1000:7.1f} ms per fit, "
                  f"{args.lut_seeds} seeds {times[n] * args.lut_seeds:6.2f} s   {load()}", flush=True)
        slope = (times[2000] - times[1000]) / 1000
        fixed = max(times[1000] - slope * 1000, 0.0)
        print(f"  -> a straight line through n=1,000 and 2,000: {fixed * 1000:.1f} ms fixed per fit + "
              f"{slope * 1e6:.1f} us per image; the fixed part is {fixed / times[1000]:.0%} of a fit at n=1,000")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="n = 1,000 only, widths 8 and 128, 1 repeat")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--lut-seeds", type=int, default=5)
    p.add_argument("--threads", default="1,2", help="BLAS thread counts, e.g. 1,2 (default) or 2")
    p.add_argument("--jobs", default="1,2", help="MLPEnsemble n_jobs values, e.g. 1,2 (default) or 2")
    p.add_argument("--skip-lut", action="store_true")
    p.add_argument("--skip-mlp", action="store_true")
    args = p.parse_args()
    args.threads = [int(t) for t in args.threads.split(",")]
    args.jobs = [int(j) for j in args.jobs.split(",")]
    args.sizes, args.widths = ((1000,), (8, 128)) if args.quick else ((1000, 2000), (8, 32, 128, 512))
    if args.quick:
        args.repeat = 1
    blas = [(i["internal_api"], i["version"], i["num_threads"]) for i in threadpool_info() if i["user_api"] == "blas"]
    print(f"{os.cpu_count()} cores, BLAS {blas}, {load()}")
    X_train, y_train, _, _ = load_mnist()
    rows = np.random.default_rng(0).choice(len(X_train), 2000, replace=False)
    if not args.skip_mlp:
        bench_mlp(args, scale(X_train[rows]), y_train[rows].astype(np.int64))
    if not args.skip_lut:
        bench_lut(args, binarize(X_train[rows]), (y_train[rows] >= 5).astype(np.uint8))


if __name__ == "__main__":
    main()
