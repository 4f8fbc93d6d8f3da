"""Speed of lutlib.nn and lutlib.memorization against their targets. Prints figures and ratios.

    LUTLIB_DATA=../shared/data python benchmarks/bench_nn.py [--quick] [--skip-busy] [--mlp-only] [--profile]

Targets (2 cores): one epoch of the MLP 784-512-10 over 60,000 MNIST images (float32, batch 128)
<= 1.0 s and faster than scikit-learn's MLPClassifier on the same architecture, data and epoch;
recording per-example losses and loss sensitivity <= 25 % extra; critical sample ratio of 1,000
examples with 20 search steps < 2 s; exact single-lut memorization scores on 60,000 examples
< 0.1 s; the Feldman-Zhang estimator with 100 lut networks (5x256, k=8) on 70 % subsets < 60 s;
flip sensitivity of all 784 single-bit flips of 1,000 test images on the 5x1024 network < 10 s.

BLAS threads are set with threadpoolctl here, never globally by the library. The MLP epoch is
measured with 1 and 2 BLAS threads, on the machine as it is ("idle": other people's work may be
running, see the load average printed) and with one extra CPU-bound process started by this
script ("busy"). Epoch timings are the least of the repeats after a warm-up (wall and process CPU time); the
recording overheads are medians of interleaved runs. On a shared machine all of them are noisy.
The machine's sgemm rate is measured in the same run, and each epoch is also given as a share of
it: the epoch's matrix products are ~97 GFLOP for dense inputs (fewer here: minibatch columns that
are zero in every image are left out of the first layer). ``--profile`` splits one epoch's time
into its steps (matrix products, softmax, gathers, the optimizer's update). Every timing is printed
with the 1-minute load average beside it.
This is a report, not a test: it never fails a build.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time
import warnings

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from lutlib import Lut, LutNetwork
from lutlib.data import binarize, binary_task, load_mnist, scale
from lutlib.memorization import critical_sample_ratio, flip_sensitivity, lut_loo_memorization, memorization_scores
from lutlib.nn import MLP

from _timing import timed, timed_min


def load():
    return f"[load {os.getloadavg()[0]:.2f}]"


def line(name, value, target, unit="s", better="lower"):
    ok = value <= target if better == "lower" else value >= target
    sign = "<=" if better == "lower" else ">="
    print(f"{name:60s} {value:8.3f} {unit:2s}  target {sign} {target:g} {unit}  {'ok' if ok else 'OVER TARGET'}  "
          f"{load()}", flush=True)
    return value


def sgemm_rate(repeat):
    """GFLOP per wall second and per process CPU second of a float32 product 2048 x 2048 x 2048."""
    a, b = (np.random.default_rng(0).standard_normal((2048, 2048), dtype=np.float32) for _ in range(2))
    a @ b
    wall, cpu = timed_min(lambda: a @ b, max(repeat, 3))
    return 2 * 2048**3 / wall / 1e9, 2 * 2048**3 / cpu / 1e9


def epoch_flops(X, batch=128, hidden=512, classes=10, seed=0):
    """FLOP of one epoch's matrix products: (dense, as computed with the all-zero columns left out)."""
    order, dense, sparse = np.random.default_rng(seed).permutation(len(X)), 0, 0
    for lo in range(0, len(X), batch):
        Xb = X[order[lo:lo + batch]]
        cols = int(Xb.any(axis=0).sum())
        cols = cols if cols < 0.9 * X.shape[1] else X.shape[1]
        rest = 3 * 2 * len(Xb) * hidden * classes               # the output layer: forward, dW, back
        dense += 2 * 2 * len(Xb) * X.shape[1] * hidden + rest     # first layer: forward and dW
        sparse += 2 * 2 * len(Xb) * cols * hidden + rest
    return dense, sparse


def mlp_epoch(X, y, **kw):
    net = MLP(hidden=(512,), seed=0, batch_size=128)
    net.partial_fit(X[:2048], y[:2048])                 # warm-up: allocations, BLAS start-up
    return lambda: net.partial_fit(X, y, **kw)


def sklearn_epoch(X, y):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    def run():
        clf = MLPClassifier(hidden_layer_sizes=(512,), solver="sgd", batch_size=128, learning_rate_init=0.05,
                            momentum=0.9, nesterovs_momentum=False, alpha=0.0, max_iter=1, shuffle=True,
                            random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(X, y)
    return run


def epoch_figures(X, y, repeat, label, flops=None):
    out = {}
    for threads in (1, 2):
        with threadpool_limits(threads):
            rate, cpu_rate = sgemm_rate(repeat) if flops else (None, None)
            ours, ours_cpu = timed_min(mlp_epoch(X, y), repeat)
            theirs, theirs_cpu = timed_min(sklearn_epoch(X, y), repeat)
        line(f"MLP epoch, {threads} BLAS thread(s), {label} (least wall)", ours, 1.0)
        print(f"{'  scikit-learn MLPClassifier, same epoch':60s} {theirs:8.3f} s   ratio sklearn / lutlib = "
              f"{theirs / ours:.2f} ({'lutlib faster' if ours < theirs else 'lutlib SLOWER'}; target >= 1.5)  "
              f"{load()}", flush=True)
        print(f"{'  process CPU seconds, lutlib / scikit-learn':60s} {ours_cpu:8.3f} / {theirs_cpu:.3f} s  ratio "
              f"{theirs_cpu / ours_cpu:.2f} (CPU time moves less with other people's load)", flush=True)
        if flops:
            dense, done = flops
            print(f"{'  sgemm 2048^3 rate, same threads':60s} {rate:8.1f} GFLOP/s; epoch: {done / 1e9:.0f} GFLOP "
                  f"of products ({dense / 1e9:.0f} dense) in {ours:.3f} s = {done / ours / 1e9:.1f} GFLOP/s = "
                  f"{done / ours / 1e9 / rate:.0%} of the sgemm rate; the products alone at that rate: "
                  f"{done / rate / 1e9:.3f} s  {load()}", flush=True)
            print(f"{'  the same in CPU time':60s} {cpu_rate:8.1f} GFLOP per CPU s; epoch {done / ours_cpu / 1e9:.1f} "
                  f"= {done / ours_cpu / 1e9 / cpu_rate:.0%} of it", flush=True)
        out[threads] = (ours, theirs)
    return out


def profile_epoch(X, y, threads=1):
    """One epoch's steps as in MLP._epoch (SGD with momentum), each step's time summed over the epoch."""
    from collections import defaultdict
    spent = defaultdict(float)

    def tick(name, t0):
        t = time.perf_counter()
        spent[name] += t - t0
        return t
    with threadpool_limits(threads):
        net = MLP(hidden=(512,), seed=0).partial_fit(X[:2048], y[:2048])
        order = np.random.default_rng(0).permutation(len(X))
        start = time.perf_counter()
        for lo in range(0, len(X), 128):
            t = time.perf_counter()
            idx = order[lo:lo + 128]
            Xb, yb = X[idx], y[idx]
            t = tick("gather the minibatch X[idx]", t)
            cols = np.flatnonzero(Xb.any(axis=0))
            Xb, W0 = Xb[:, cols], net.coefs_[0][cols]
            t = tick("find and gather the non-zero columns (X, W0)", t)
            a = Xb @ W0
            t = tick("product: layer 1 forward", t)
            a += net.intercepts_[0]
            np.maximum(a, 0, out=a)
            t = tick("bias + ReLU", t)
            logits = a @ net.coefs_[1] + net.intercepts_[1]
            t = tick("product: layer 2 forward", t)
            losses, g = net._softmax_xent(logits, yb)
            float(losses.sum()), int((logits.argmax(axis=1) == yb).sum())
            g /= np.float32(len(idx))
            t = tick("softmax, cross-entropy, accuracy", t)
            dW, db, _ = net._backward([Xb, a], [None], g)
            t = tick("products: backward (dW1 is most of it)", t)
            net._update(dW, db, rows0=cols)
            tick("optimizer update (momentum)", t)
        total = time.perf_counter() - start
    print(f"one epoch, {threads} BLAS thread(s), steps timed one by one: {total:.3f} s  {load()}")
    for name, sec in sorted(spent.items(), key=lambda item: -item[1]):
        print(f"  {name:58s} {sec:8.3f} s  {sec / total:6.1%}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one repeat, 10 instead of 100 lut networks")
    parser.add_argument("--skip-busy", action="store_true", help="skip the measurement with a busy process")
    parser.add_argument("--mlp-only", action="store_true", help="only the MLP epoch and the recording overhead")
    parser.add_argument("--profile", action="store_true", help="also split one epoch's time into its steps")
    args = parser.parse_args()
    repeat = 1 if args.quick else 3
    blas = [(i["internal_api"], i.get("version"), i["num_threads"]) for i in threadpool_info()]
    print(f"cores: {os.cpu_count()}, load average (1, 5, 15 min): {os.getloadavg()}, numpy {np.__version__}, "
          f"BLAS: {blas}")
    print("Figures are wall-clock medians on a shared machine: noisy, compare the ratios within this run.\n")

    Xtr, ytr, Xte, yte = load_mnist()
    X, y, Xt = scale(Xtr), ytr.astype(np.int64), scale(Xte)

    print("== MLP 784-512-10, one epoch, 60,000 images, batch 128, float32 ==")
    if args.profile:
        profile_epoch(X, y, threads=1)
    epoch_figures(X, y, min(repeat, 2), "machine as is", flops=epoch_flops(X))
    if not args.skip_busy:
        hog = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        try:
            time.sleep(0.5)
            epoch_figures(X, y, min(repeat, 2), "+1 busy process")
        finally:
            hog.kill()
            hog.wait()

    # The rest with one BLAS thread: on a shared machine it is the stable (and usually faster) choice.
    print("\n== recording during training (1 BLAS thread) ==")
    # Interleaved (plain, losses, sensitivity of all, of a tenth) on one network, repeated: a change
    # of load during the run then touches every variant alike. Medians of the epoch times.
    variants = {"plain": {}, "losses": {"record": "all"}, "sens_all": {"record": "all", "sensitivity": True},
                "sens_sub": {"record": np.arange(0, 60000, 10), "sensitivity": True}}
    times = {name: [] for name in variants}
    cpu = {name: [] for name in variants}
    with threadpool_limits(1):
        # One network per variant (partial_fit averages the sensitivity of one set of examples).
        nets = {name: MLP(hidden=(512,), seed=0).partial_fit(X[:2048], y[:2048]) for name in variants}
        for _ in range(max(repeat, 2)):
            for name, kw in variants.items():
                start, start_cpu = time.perf_counter(), time.process_time()
                nets[name].partial_fit(X, y, **kw)
                times[name].append(time.perf_counter() - start)
                cpu[name].append(time.process_time() - start_cpu)
    plain, losses, sens_all, sens_sub = (statistics.median(times[name]) for name in variants)
    print(f"{'plain epoch':60s} {plain:8.3f} s  {load()}")
    line("overhead: per-example loss + correctness, all 60,000", losses / plain - 1, 0.25, "x")
    line("overhead: + loss sensitivity of all 60,000", sens_all / plain - 1, 0.25, "x")
    line("overhead: + loss sensitivity of 6,000 (every 10th)", sens_sub / plain - 1, 0.25, "x")
    plain_cpu, sens_cpu = statistics.median(cpu["plain"]), statistics.median(cpu["sens_all"])
    print(f"{'  the same in process CPU time: plain, + sensitivity of all':60s} {plain_cpu:8.3f} s  "
          f"{sens_cpu:.3f} s  overhead {sens_cpu / plain_cpu - 1:+.0%}")
    extra = 2 * len(X) * 512 * X.shape[1]
    print(f"{'  the sensitivity product alone (60,000 x 512 x 784)':60s} {extra / 1e9:8.1f} GFLOP = "
          f"{extra / epoch_flops(X)[1]:.0%} of the plain epoch's products")
    if args.mlp_only:
        return

    print("\n== critical sample ratio (Langevin search, 20 steps, 1,000 test images, 1 BLAS thread) ==")
    with threadpool_limits(1):
        net = MLP(hidden=(512,), seed=0).fit(X, y, epochs=1)
        csr = []
        t = timed(lambda: csr.append(critical_sample_ratio(net, Xt[:1000], steps=20, seed=0)), repeat)
    line(f"CSR of 1,000 examples, 20 steps (CSR = {csr[-1]:.3f})", t, 2.0)

    print("\n== luts ==")
    bits, bits_t, yb = binarize(Xtr), binarize(Xte), binary_task(ytr)
    centre = [r * 28 + c for r, c in [(14, 14), (10, 14), (18, 14), (14, 10), (14, 18), (7, 12), (21, 16),
                                      (12, 7), (16, 21), (9, 9), (19, 19), (5, 14)]]
    lut = Lut(seed=0).fit(bits[:, centre], yb)
    t = timed(lambda: lut_loo_memorization(lut, bits[:, centre], yb), max(repeat, 3))
    line("exact LOO memorization, one lut k=12, 60,000 examples", t, 0.1)

    n_models = 10 if args.quick else 100
    start = time.perf_counter()
    s = memorization_scores(LutNetwork(hidden=(256,) * 5, k=8), bits, yb, n_models=n_models, subset=0.7, seed=0)
    t = time.perf_counter() - start
    label = f"Feldman-Zhang, {n_models} lut networks 5x256 k=8, 70 % subsets"
    if n_models != 100:
        line(label + " (x10 = estimate for 100)", t * 100 / n_models, 60.0)
    else:
        line(label, t, 60.0)
    print(f"{'  mean score; share of examples with score > 0.5':60s} {np.nanmean(s.score):8.3f}    "
          f"{np.nanmean(s.score > 0.5):.3f}")

    big = LutNetwork(hidden=(1024,) * 5, k=8, seed=0).fit(bits, yb)
    flip_sensitivity(big, bits_t[:10])                   # numba compiles (cached) once
    counts = []
    t = timed(lambda: counts.append(flip_sensitivity(big, bits_t[:1000])), repeat)
    line(f"flip sensitivity, 784 flips x 1,000 images, 5x1024 (mean {counts[-1].mean():.1f})", t, 10.0)


if __name__ == "__main__":
    main()
