"""Memorization metrics, for neural networks and lut networks alike.

- ``gini``: inequality of a distribution (of loss sensitivities, for instance).
- ``critical_samples`` / ``critical_sample_ratio``: Arpit et al. (2017)'s adversarial search in a box.
- ``easiness``: per-example error after one epoch over many initializations, with the binomial baseline.
- ``memorization_scores``: Feldman & Zhang (2020)'s score, for any estimator with fit/predict.
- ``lut_loo_memorization``: the exact leave-one-out score of a single ``Lut``, from its counts.
- ``flip_sensitivity``, ``lut_critical_samples``: the lut counterparts of input sensitivity and CSR.

The loss sensitivity of Arpit et al. is recorded while an ``MLP`` trains: ``fit(..., sensitivity=True)``.

>>> gini([1, 1, 1, 1])
0.0
"""
from dataclasses import dataclass
from math import lgamma, exp, log

import numpy as np

from ._memory import flip_sensitivity_bytes
from ._tiebreak import coin_bits
from ._validation import check_bits, check_budget, check_memory
from .kernels_numpy import addresses
from .network import _backend_name as _network_name, _kernels as _network_kernels, _threads as _network_threads

#: Arpit et al.'s search parameters on their pixel scale 0..255, here for inputs scaled to [0, 1].
LASS_ALPHA, LASS_BETA, LASS_RADIUS = 0.25 / 255, 0.2 / 255, 0.3 / 255
#: flip_sensitivity works through the examples in chunks whose scratch takes at most this many bytes.
FLIP_CHUNK_BYTES = 64 * 2**20


def gini(values):
    """Gini coefficient of non-negative values: 0 when all are equal, (n-1)/n when one holds all.

    >>> gini([1, 1, 1, 1]), gini([0, 0, 0, 4])
    (0.0, 0.75)
    """
    v = np.sort(np.asarray(values, dtype=np.float64).ravel())
    if v.size == 0:
        raise ValueError("gini needs at least one value.")
    if not np.isfinite(v).all() or v[0] < 0:
        raise ValueError("gini needs finite, non-negative values.")
    n = v.size
    with np.errstate(over="ignore"):
        total = v.sum()
        overflows = not np.isfinite(total * n)   # n * total bounds the weighted sum below
    if total == 0:
        return 0.0
    if overflows:                                  # values near the float limit: scaling keeps the ratio
        v = v / v[-1]
        total = v.sum()
    return float(2 * np.dot(np.arange(1, n + 1), v) / (n * total) - (n + 1) / n)


# ---------------------------------------------------------------------- critical samples (networks)
def critical_samples(model, X, radius=LASS_RADIUS, alpha=LASS_ALPHA, beta=LASS_BETA, steps=20, seed=0,
                     bounds=None):
    """Langevin adversarial sample search (Arpit et al. 2017): which examples are critical?

    x is critical if some x' with ||x' - x||_inf <= radius gets a different predicted class.
    Starting from x' = x, each step moves x' <- clip(x' + alpha * sign(d loss_k / dx') + beta * eta),
    where loss_k is the cross-entropy for the class k predicted at x, eta ~ N(0, I), and clip
    projects back into the box (and into ``bounds``, e.g. (0, 1), if given). A sample found critical
    at any step stays critical. ``model`` needs ``predict`` and ``input_gradient(X, y)`` (an MLP).

    Scale: the defaults are the paper's alpha = 0.25, beta = 0.2, r = 0.3 on the 0..255 pixel
    scale, divided by 255 for inputs in [0, 1] (as in the authors' released search code), with
    ``steps=20`` iterations (their code runs up to 100 and stops early when fewer than 20 new
    critical samples appear in an iteration). Inputs on another scale: scale the three numbers.

    Returns (critical (n,) bool, X_adv (n, d) float32: the last point searched for each example,
    the first point found for critical ones).

    >>> from lutlib.nn import MLP
    >>> net = MLP(hidden=(), seed=0).fit(np.float32([[0.0], [1.0]]), [0, 1], epochs=1)
    >>> net.coefs_[0][:] = [[-1.0, 1.0]]; net.intercepts_[0][:] = 0
    >>> critical_samples(net, np.float32([[0.1], [2.0]]), radius=0.2, alpha=0.1, beta=0.0)[0].tolist()
    [True, False]
    """
    from ._nn_checks import check_features
    X = check_features(X)
    for name, v in (("radius", radius), ("alpha", alpha), ("beta", beta)):
        if not (np.isfinite(v) and v >= 0):
            raise ValueError(f"{name} must be a finite number >= 0; got {v!r}.")
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(f"steps must be a positive integer; got {steps!r}.")
    if bounds is not None:
        if np.ndim(bounds) != 1 or len(bounds) != 2 or not np.all(np.isfinite(np.asarray(bounds, dtype=float))):
            raise ValueError(f"bounds must be a pair of finite numbers (low, high), such as (0, 1); got {bounds!r}.")
        if not bounds[0] < bounds[1]:
            raise ValueError(f"bounds must be (low, high) with low < high; got {tuple(bounds)!r}.")
    rng = np.random.default_rng(seed)
    y0 = model.predict(X)
    lo, hi = X - np.float32(radius), X + np.float32(radius)
    if bounds is not None:
        lo, hi = np.maximum(lo, bounds[0]), np.minimum(hi, bounds[1])
    X_adv, Xa = X.copy(), X.copy()           # Xa, lo, hi, y_t: the examples still searched
    critical = np.zeros(len(X), dtype=bool)
    todo, y_t = np.arange(len(X)), y0
    for step in range(steps + 1):
        if step == steps:                    # the last point: predict only
            critical[todo] = model.predict(Xa) != y_t
            break
        grad, pred = _gradient_and_prediction(model, Xa, y_t)   # one forward pass for both
        hit = pred != y_t                    # (at step 0 none: the prediction at x itself)
        if hit.any():                        # critical: keep the point found, stop searching it
            critical[todo[hit]] = True
            X_adv[todo[hit]] = Xa[hit]
            keep = ~hit
            todo, Xa, grad, lo, hi, y_t = todo[keep], Xa[keep], grad[keep], lo[keep], hi[keep], y_t[keep]
            if todo.size == 0:
                break
        Xa += np.float32(alpha) * np.sign(grad)
        if beta:
            Xa += np.float32(beta) * rng.standard_normal(Xa.shape, dtype=np.float32)
        np.clip(Xa, lo, hi, out=Xa)
    X_adv[todo] = Xa
    return critical, X_adv


def _gradient_and_prediction(model, X, y):
    """input_gradient and the predicted class at X; from one forward pass when the model allows."""
    try:
        grad, logits = model.input_gradient(X, y, return_logits=True)
        return grad, logits.argmax(axis=1)
    except TypeError:                        # a model without return_logits
        return model.input_gradient(X, y), model.predict(X)


def critical_sample_ratio(model, X, **search):
    """Fraction of critical samples in X; the search parameters are those of ``critical_samples``.

    >>> from lutlib.nn import MLP
    >>> net = MLP(hidden=(), seed=0).fit(np.float32([[0.0], [1.0]]), [0, 1], epochs=1)
    >>> 0.0 <= critical_sample_ratio(net, np.float32([[0.4], [0.6]])) <= 1.0
    True
    """
    return float(critical_samples(model, X, **search)[0].mean())


# ---------------------------------------------------------------------- estimators fitted many times
def _fresh(estimator, seed):
    """An unfitted copy of estimator with the given seed (when it has a seed parameter)."""
    params = estimator.get_params()
    if "seed" in params:
        params["seed"] = seed
    elif "random_state" in params:
        params["random_state"] = seed
    return type(estimator)(**params)


def _check_examples(X, y):
    """X and y as arrays with one example per label: (X, y), or a one-line ValueError."""
    X, y = np.asarray(X), np.asarray(y)
    if y.ndim != 1 or len(y) == 0:
        raise ValueError(f"y must be a non-empty 1-D array of labels; got shape {y.shape}.")
    if X.ndim == 0 or len(X) != len(y):
        raise ValueError(f"X and y must hold the same number of examples; got X of shape {X.shape} "
                         f"and {len(y)} labels.")
    return X, y


def _binomial_pmf(n, p):
    k = np.arange(n + 1)
    if p <= 0 or p >= 1:
        return (k == (0 if p <= 0 else n)).astype(float)
    logc = np.array([lgamma(n + 1) - lgamma(i + 1) - lgamma(n - i + 1) for i in k])
    return np.exp(logc + k * log(p) + (n - k) * log(1 - p))


@dataclass
class Easiness:
    """Per-example misclassification counts over ``n_runs`` models, and the binomial baseline.

    error_rate : (n,) fraction of runs that misclassified each example.
    mean_error : the average error rate p over all examples and runs.
    binomial : (n_runs + 1,) expected number of examples misclassified j = 0..n_runs times if every
        example were equally hard (each run errs on each example with probability p, independently).
    observed : (n_runs + 1,) the number of examples misclassified j times.

    >>> Easiness(np.array([0.0, 1.0]), 1, 0.5, np.array([1.0, 1.0]), np.array([1, 1])).mean_error
    0.5
    """
    error_rate: np.ndarray
    n_runs: int
    mean_error: float
    binomial: np.ndarray
    observed: np.ndarray


def easiness(estimator, X, y, n_runs=100, seed=0):
    """Arpit et al.'s easiness: train ``n_runs`` copies (seeds seed, seed+1, ...) and count errors.

    Each copy is fitted with its own seed (initialization and data order) and evaluated on the
    training examples. For "after one epoch" pass an estimator that trains one epoch, e.g.
    ``MLP(hidden=(512,), epochs=1)``. Works for any estimator with get_params/fit/predict.

    >>> from lutlib import LutNetwork
    >>> X = np.random.default_rng(0).integers(0, 2, (100, 8)); y = X[:, 0]
    >>> e = easiness(LutNetwork(hidden=(4,), k=2), X, y, n_runs=5)
    >>> e.observed.sum(), round(float(e.binomial.sum()), 6)
    (np.int64(100), 100.0)
    """
    if isinstance(n_runs, bool) or not isinstance(n_runs, (int, np.integer)) or n_runs < 1:
        raise ValueError(f"n_runs must be a positive integer; got {n_runs!r}.")
    X, y = _check_examples(X, y)
    errors = np.zeros(len(y), dtype=np.int64)
    for run in range(n_runs):
        errors += _fresh(estimator, seed + run).fit(X, y).predict(X) != y
    p = float(errors.mean() / n_runs)
    return Easiness(errors / n_runs, n_runs, p, len(y) * _binomial_pmf(n_runs, p),
                    np.bincount(errors, minlength=n_runs + 1))


@dataclass
class MemorizationScores:
    """Feldman-Zhang scores: score = p_in - p_out per example (NaN where n_in or n_out is 0).

    >>> s = MemorizationScores(*(np.array([v]) for v in (0.5, 1.0, 0.5, 2, 2)))
    >>> float(s.score[0])
    0.5
    """
    score: np.ndarray
    p_in: np.ndarray
    p_out: np.ndarray
    n_in: np.ndarray
    n_out: np.ndarray


def memorization_scores(estimator, X, y, n_models=100, subset=0.7, seed=0, progress=None):
    """Feldman & Zhang (2020): P(correct on i | i in the training subset) - P(correct | i held out).

    Trains ``n_models`` fresh copies of ``estimator`` (seeds seed, seed+1, ...) each on a random
    subset of ``round(subset * n)`` examples drawn without replacement, predicts every example,
    and averages correctness separately over the models that saw and did not see each example.
    Works for ``LutNetwork``, ``MLP`` or any estimator with get_params/fit/predict.
    ``progress``: optional callable run after each model with its index.

    >>> from lutlib import LutNetwork
    >>> X = np.random.default_rng(0).integers(0, 2, (60, 6)); y = X[:, 0] ^ X[:, 1]
    >>> s = memorization_scores(LutNetwork(hidden=(4,), k=2), X, y, n_models=20)
    >>> s.score.shape, bool(np.all((s.n_in + s.n_out) == 20))
    ((60,), True)
    """
    X_all, y = _check_examples(X, y)
    n = len(y)
    if not 0 < subset < 1:
        raise ValueError(f"subset must be a fraction in (0, 1); got {subset!r}.")
    if isinstance(n_models, bool) or not isinstance(n_models, (int, np.integer)) or n_models < 1:
        raise ValueError(f"n_models must be a positive integer; got {n_models!r}.")
    m = int(round(subset * n))
    if not 0 < m < n:
        raise ValueError(f"subset={subset} of {n} examples leaves no example in or none out.")
    rng = np.random.default_rng(seed)
    hits_in, hits_out = np.zeros(n), np.zeros(n)
    n_in = np.zeros(n, dtype=np.int64)
    for t in range(n_models):
        chosen = np.zeros(n, dtype=bool)
        chosen[rng.choice(n, size=m, replace=False)] = True
        correct = _fresh(estimator, seed + t).fit(X_all[chosen], y[chosen]).predict(X_all) == y
        hits_in += correct & chosen
        hits_out += correct & ~chosen
        n_in += chosen
        if progress is not None:
            progress(t)
    n_out = n_models - n_in
    with np.errstate(invalid="ignore", divide="ignore"):
        p_in, p_out = hits_in / n_in, hits_out / n_out
    return MemorizationScores(p_in - p_out, p_in, p_out, n_in, n_out)


# ---------------------------------------------------------------------- luts
def _label_codes(lut, y, n):
    """y as 0/1 codes of the lut's classes (classes_, as its fit encoded them)."""
    classes = np.asarray(getattr(lut, "classes_", [0, 1]))
    y = np.asarray(y)
    if y.ndim != 1 or len(y) != n:
        raise ValueError(f"y must be a 1-D array of {n} labels; got shape {y.shape}.")
    codes = np.clip(np.searchsorted(classes, y), 0, len(classes) - 1)
    if not np.array_equal(classes[codes], y):
        raise ValueError(f"y holds labels the lut was not fitted on (its classes are {classes.tolist()}).")
    return codes.astype(np.int64)


def lut_loo_memorization(lut, X, y, ties="coin"):
    """Exact leave-one-out memorization of every training example of a single fitted ``Lut``.

    score_i = [f(x_i) == y_i] - [f_{-i}(x_i) == y_i], where f_{-i} is the lut refitted without
    example i: its counts at row p(x_i) lose one y_i, nothing else changes. ``ties="coin"`` breaks
    ties with the lut's own seeded coins (exactly what refitting ``Lut(seed)`` gives; needs an
    integer seed); ``ties="expected"`` counts a tie as half correct (the average over coins).
    X, y must be the data the lut was fitted on. No retraining: O(n).

    >>> from lutlib import Lut
    >>> X, y = [[0], [0], [0], [1]], [1, 1, 0, 1]
    >>> lut_loo_memorization(Lut(seed=0).fit(X, y), X, y, ties="expected").tolist()
    [0.5, 0.5, 0.0, 0.5]
    """
    lut._check_fitted()
    X = check_bits(X)
    y = _label_codes(lut, y, X.shape[0])
    if X.shape[1] != lut.k_:
        raise ValueError(f"X has {X.shape[1]} bits per example, but the lut was fitted with k={lut.k_}.")
    if ties not in ("coin", "expected"):
        raise ValueError(f"ties must be 'coin' or 'expected'; got {ties!r}.")
    addr = addresses(np.ascontiguousarray(X.T), range(lut.k_))
    counts = np.bincount(addr * 2 + y, minlength=2 << lut.k_).reshape(-1, 2)
    if not np.array_equal(counts, lut.counts_):
        raise ValueError("X, y are not the data this lut was fitted on (the counts differ); "
                         "the leave-one-out score needs the training set.")
    own = lut.counts_[addr, y] - 1          # count of the example's own label without it
    other = lut.counts_[addr, 1 - y]
    if ties == "coin":
        if isinstance(lut.seed, bool) or not isinstance(lut.seed, (int, np.integer)):
            raise ValueError("ties='coin' needs a lut fitted with an integer seed (its coins are then "
                             "known); use ties='expected' for seed=None.")
        key = np.random.default_rng(lut.seed).integers(0, 2**64, dtype=np.uint64)   # as Lut.fit draws it
        tie_in = (coin_bits(key, addr) == y).astype(float)
        tie_out = tie_in
    else:
        tie_in = tie_out = np.full(len(y), 0.5)
    correct_in = np.where(own + 1 > other, 1.0, np.where(own + 1 < other, 0.0, tie_in))
    correct_out = np.where(own > other, 1.0, np.where(own < other, 0.0, tie_out))
    return correct_in - correct_out


def _readers(wiring, n_inputs):
    """For every input unit u of a layer: the luts reading it and at which bit (CSR-style arrays)."""
    k = wiring.shape[1]
    flat = wiring.ravel()
    order = np.argsort(flat, kind="stable")
    ptr = np.searchsorted(flat[order], np.arange(n_inputs + 1))
    return ptr, order // k, np.uint64(1) << (k - 1 - order % k).astype(np.uint64)


def flip_sensitivity(net, X, return_matrix=False, backend="auto"):
    """For each example: how many single-bit flips of its input change a ``LutNetwork``'s output.

    Computed incrementally: for input bit j only the luts reading j are re-evaluated (their row
    address changes in one bit), then only the luts reading a lut whose output actually changed,
    layer by layer, and only for the examples where something changed. The result equals
    re-predicting all d flipped copies of every example. The examples are processed in chunks
    (``FLIP_CHUNK_BYTES`` of scratch at a time); the memory needed is checked against the
    network's ``max_table_bytes`` before anything is allocated.

    Returns (n,) counts, or with ``return_matrix=True`` the (n, d) bool matrix "flip j changes
    the output of example i".

    >>> from lutlib import LutNetwork
    >>> X = np.random.default_rng(0).integers(0, 2, (50, 6)); y = X[:, 0]
    >>> net = LutNetwork(hidden=(4,), k=2, seed=0).fit(X, y)
    >>> m = flip_sensitivity(net, X, return_matrix=True)
    >>> Xf = X.copy(); Xf[:, 0] ^= 1
    >>> bool(np.array_equal(m[:, 0], net.predict(Xf) != net.predict(X)))
    True
    """
    if backend not in ("auto", "numba", "numpy"):
        raise ValueError(f"backend must be 'auto', 'numba' or 'numpy'; got {backend!r}.")
    kernel = None
    if backend != "numpy":
        try:
            from ._flip_kernel import flip_matrix as kernel
        except ImportError:
            if backend == "numba":
                raise ImportError("backend='numba' needs numba: pip install numba (or backend='numpy').")
    X = net._check_input(X)                       # fitted, bits, width
    n, d = X.shape
    sizes = tuple(t.shape[0] for t in net.tables_)
    k = net.wiring_[0].shape[1]
    layers = _network_kernels(net.backend)
    how = ("numpy", 1) if kernel is None else ("numba", _numba_threads())
    how += (_network_name(layers), _network_threads(layers))
    fixed = sum(flip_sensitivity_bytes(0, d, sizes, k, *how).values())
    per_example = sum(flip_sensitivity_bytes(1, d, sizes, k, *how).values()) - fixed
    rows = max(1, min(n, FLIP_CHUNK_BYTES // per_example))
    need = flip_sensitivity_bytes(rows, d, sizes, k, *how)
    need["result"] = n * d if return_matrix else 8 * n
    check_memory(need, check_budget(net.max_table_bytes),
                 f"The flip sensitivity of {n:,} examples ({rows:,} at a time)")
    plan = None if kernel is None else _flip_plan_numba(net, d)
    out = np.empty((n, d), dtype=bool) if return_matrix else np.empty(n, dtype=np.int64)
    for start in range(0, n, rows):
        part = X[start:start + rows]
        flips = _flip_matrix_numpy(net, part) if kernel is None else _flip_matrix_numba(net, part, kernel, plan)
        out[start:start + rows] = flips if return_matrix else flips.sum(axis=1)
    return out


def _numba_threads():
    import numba
    return numba.get_num_threads()


def _addresses(inputs, wiring, k):
    """Row address of every lut on every example: (n, total luts) int64, and one view per layer.

    Built one address bit at a time (an (n, luts) temporary per bit), not as (n, luts, k) arrays.
    """
    n = inputs[0].shape[0]
    addr = np.zeros((n, sum(w.shape[0] for w in wiring)), dtype=np.int64)
    blocks, col = [], 0
    for inp, w in zip(inputs, wiring):
        block = addr[:, col:col + w.shape[0]]
        for b in range(k):
            block |= np.left_shift(inp[:, w[:, b]], k - 1 - b, dtype=np.int64)
        blocks.append(block)
        col += w.shape[0]
    return addr, blocks


def _flip_plan_numba(net, d):
    """The example-independent inputs of the numba kernel: tables and, for every unit, the luts
    reading it and the address bit it sets (CSR lists), keeping only luts with a path to the output."""
    k = net.wiring_[0].shape[1]
    widths = [d] + [w.shape[0] for w in net.wiring_]
    unit_base = np.cumsum([0] + widths)            # first unit of each layer (inputs are layer 0)
    shifts = np.int64(1) << np.arange(k - 1, -1, -1)
    tables = np.ascontiguousarray(np.concatenate(net.tables_))
    # reader lists over all units: unit (layer l, index u) is read by luts of layer l+1
    src = np.concatenate([unit_base[l] + w.ravel() for l, w in enumerate(net.wiring_)])
    lut_ids = np.concatenate([unit_base[l] - d + np.repeat(np.arange(w.shape[0]), k)
                              for l, w in enumerate(net.wiring_, start=1)])
    bit = np.concatenate([np.tile(shifts, w.shape[0]) for w in net.wiring_])
    # only luts with a path to the output lut can matter: drop edges into all others
    relevant = [np.zeros(w.shape[0], dtype=bool) for w in net.wiring_]
    relevant[-1][:] = True
    for l in range(len(net.wiring_) - 1, 0, -1):
        relevant[l - 1][net.wiring_[l][relevant[l]].ravel()] = True
    keep = np.concatenate([np.repeat(r, k) for r in relevant])
    src, lut_ids, bit = src[keep], lut_ids[keep], bit[keep]
    order = np.argsort(src, kind="stable")
    ptr = np.searchsorted(src[order], np.arange(unit_base[-1] + 1)).astype(np.int64)
    return tables, ptr, lut_ids[order].astype(np.int64), bit[order].astype(np.int64)


def _flip_matrix_numba(net, X, kernel, plan):
    outs = net.layer_outputs(X)
    n, d = X.shape
    vals = np.empty((n, d + sum(o.shape[1] for o in outs)), dtype=np.uint8)
    col = 0
    for part in [X] + outs:
        vals[:, col:col + part.shape[1]] = part
        col += part.shape[1]
    addr, _ = _addresses([X] + outs[:-1], net.wiring_, net.wiring_[0].shape[1])
    del outs
    tables, ptr, reader, mask = plan
    return kernel(vals, addr, d, tables, ptr, reader, mask, d)


def _flip_matrix_numpy(net, X):
    """The same propagation in numpy, vectorized over examples (slower; used without numba)."""
    outs = net.layer_outputs(X)
    n, d = X.shape
    ins = [X] + outs[:-1]
    k = net.wiring_[0].shape[1]
    shifts = (np.int64(1) << np.arange(k - 1, -1, -1)).astype(np.int64)
    _, addr = _addresses(ins, net.wiring_, k)
    readers = [_readers(w, inp.shape[1]) for inp, w in zip(ins, net.wiring_)]
    changed = [np.zeros(inp.shape, dtype=np.uint8) for inp in ins]   # scratch: which inputs flipped
    flips = np.zeros((n, d), dtype=bool)
    everyone = np.arange(n)
    for j in range(d):
        rows, cols, chg = everyone, np.array([j]), None
        for layer, (wiring, tables) in enumerate(zip(net.wiring_, net.tables_)):
            ptr, lut_of, _ = readers[layer]
            cand = np.unique(np.concatenate([lut_of[ptr[c]:ptr[c + 1]] for c in cols]))
            if cand.size == 0:
                break
            buf = changed[layer]
            if chg is None:
                buf[:, j] = 1
            else:
                buf[np.ix_(rows, cols)] = chg
            delta = buf[rows][:, wiring[cand]] @ shifts         # (rows, cand): address bits that flip
            buf[np.ix_(rows, cols)] = 0
            new = tables[cand, addr[layer][np.ix_(rows, cand)] ^ delta]
            chg = new != outs[layer][np.ix_(rows, cand)]
            keep_r, keep_c = chg.any(axis=1), chg.any(axis=0)
            rows, cols, chg = rows[keep_r], cand[keep_c], chg[np.ix_(keep_r, keep_c)]
            if rows.size == 0:
                break
        else:
            flips[rows, j] = chg[:, 0]
    return flips


def lut_critical_samples(net, X, radius=1, n_trials=100, seed=0):
    """Hamming-radius critical samples of a ``LutNetwork``: does flipping <= radius bits change the output?

    radius=1 is exact (``flip_sensitivity`` > 0). For radius > 1 there are too many subsets to try
    them all (C(784, 2) = 306,936), so the search adds ``n_trials`` random sets of ``radius``
    distinct bits per example to the exact radius-1 answer: a sample found critical is critical,
    and the ratio is a lower bound of the true one.

    >>> from lutlib import LutNetwork
    >>> X = np.random.default_rng(0).integers(0, 2, (50, 6)); y = X[:, 0]
    >>> net = LutNetwork(hidden=(4,), k=2, seed=0).fit(X, y)
    >>> bool(lut_critical_samples(net, X, radius=2, n_trials=5).mean() >= lut_critical_samples(net, X).mean())
    True
    """
    if isinstance(radius, bool) or not isinstance(radius, (int, np.integer)) or radius < 1:
        raise ValueError(f"radius must be a positive integer (a number of bits); got {radius!r}.")
    critical = flip_sensitivity(net, X) > 0
    X = check_bits(X)
    n, d = X.shape
    if radius > d:
        raise ValueError(f"radius={radius} is larger than the number of input bits ({d}).")
    if radius == 1:
        return critical
    rng = np.random.default_rng(seed)
    base = net.predict(X)
    for _ in range(n_trials):
        todo = np.flatnonzero(~critical)
        if todo.size == 0:
            break
        bits = np.argpartition(rng.random((todo.size, d)), radius - 1, axis=1)[:, :radius]
        Xf = X[todo]
        Xf[np.arange(todo.size)[:, None], bits] ^= 1
        critical[todo] = net.predict(Xf) != base[todo]
    return critical
