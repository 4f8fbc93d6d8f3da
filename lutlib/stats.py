"""From several seeds to a finding: intervals, paired differences, permutation nulls, reliability.

Every comparison the book states as a finding is computed over at least ``MIN_SEEDS`` seeds
and quoted as a mean with a 95 % interval; the verdict the prose states is computed from that
interval (``verdict``). Numpy only: the Student t quantile is computed here
(``t_quantile``), so the library needs no scipy.

>>> accuracy = [0.884, 0.881, 0.887, 0.886, 0.882]       # one value per seed
>>> format_ci(mean_ci(accuracy))
'0.884 ± 0.003'
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

MIN_SEEDS = 5
"""Fewest values (seeds) an interval is computed from unless ``min_n`` says otherwise."""


@dataclass(frozen=True)
class Interval:
    """A mean and its interval: floats, or arrays when computed along an axis of a 2-D input.

    >>> Interval(0.5, 0.4, 0.6, 0.1, 5, 0.95, "t").half_width
    0.1
    """
    mean: float | np.ndarray
    low: float | np.ndarray
    high: float | np.ndarray
    half_width: float | np.ndarray
    n: int
    level: float
    method: str

    def __getitem__(self, index):
        """The interval of one setting, when computed along an axis.

        >>> r = mean_ci([[0.1, 0.5], [0.2, 0.6], [0.3, 0.7]], min_n=3)
        >>> round(r[1].mean, 3)
        0.6
        """
        if np.ndim(self.mean) == 0:
            raise TypeError("this interval is a single one: there is nothing to index")
        pick = lambda v: v[index] if np.ndim(v[index]) else float(v[index])
        return Interval(pick(self.mean), pick(self.low), pick(self.high), pick(self.half_width),
                        self.n, self.level, self.method)


@dataclass(frozen=True)
class PermutationResult:
    """``observed`` statistic, the ``null`` statistics of the permutations, the ``p_value``.

    >>> PermutationResult(1.0, np.zeros(3), 0.25).p_value
    0.25
    """
    observed: float
    null: np.ndarray
    p_value: float


# ------------------------------------------------------------------ checks
def _values(values, name, min_n, axis=0, needs="an interval"):
    """values as a float array with at least ``min_n`` finite entries along ``axis``."""
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must hold numbers; got {values!r:.80}") from None
    if arr.ndim == 0:
        raise ValueError(f"{name} must be one value per seed (1-D, or 2-D with an axis); "
                         f"got the single number {values!r}")
    if not -arr.ndim <= axis < arr.ndim:
        raise ValueError(f"axis={axis!r} is out of range for {name} of shape {arr.shape}")
    if not np.isfinite(arr).all():
        where = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        raise ValueError(f"{name} contains {arr[where]} at index {where}: drop or rerun the failed "
                         "seeds explicitly; an interval over the rest would hide them")
    if arr.shape[axis] < min_n:
        why = " (one per seed; see lutlib.stats.MIN_SEEDS)" if needs == "an interval" else ""
        raise ValueError(f"{name} has {arr.shape[axis]} value(s) along axis {axis}; {needs} "
                         f"needs at least {min_n}{why}")
    return arr


def _level(level):
    if isinstance(level, bool) or not isinstance(level, (int, float)) or not 0 < level < 1:
        raise ValueError(f"level must be a probability in (0, 1), e.g. 0.95; got {level!r}")
    return float(level)


def _count(value, name, smallest=1):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < smallest:
        raise ValueError(f"{name} must be an integer >= {smallest}; got {value!r}")
    return int(value)


# ------------------------------------------------------------ t quantile
def _incomplete_beta(x, a, b):
    """Regularized incomplete beta I_x(a, b) by its continued fraction (Lentz)."""
    if x <= 0.0 or x >= 1.0:
        return 0.0 if x <= 0.0 else 1.0
    if x > (a + 1.0) / (a + b + 2.0):           # the fraction converges fast on this side
        return 1.0 - _incomplete_beta(1.0 - x, b, a)
    log_front = a * math.log(x) + b * math.log1p(-x) - math.log(a) - (
        math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b))
    tiny, c, d = 1e-300, 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    result = d
    for m in range(1, 500):
        for numerator in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                          -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            result *= d * c
        if abs(d * c - 1.0) < 1e-15:
            break
    return math.exp(log_front) * result


def t_cdf(t, df):
    """P(T <= t) for Student's t with ``df`` degrees of freedom.

    >>> round(t_cdf(2.776445, 4), 6)
    0.975
    """
    tail = 0.5 * _incomplete_beta(df / (df + t * t), df / 2.0, 0.5)
    return 1.0 - tail if t > 0 else tail


def t_quantile(p, df):
    """The ``p`` quantile of Student's t with ``df`` (> 0, not necessarily whole) degrees of freedom.

    >>> round(t_quantile(0.975, 4), 4)
    2.7764
    """
    p, df = float(p), float(df)
    if not 0 < p < 1 or not df > 0:
        raise ValueError(f"t_quantile needs 0 < p < 1 and df > 0; got p={p!r}, df={df!r}")
    if p < 0.5:
        return -t_quantile(1.0 - p, df)
    low, high = 0.0, 1.0
    while t_cdf(high, df) < p:
        low, high = high, 2.0 * high
    for _ in range(200):                        # bisection: exact to float precision
        mid = 0.5 * (low + high)
        low, high = (mid, high) if t_cdf(mid, df) < p else (low, mid)
        if high - low <= 1e-13 * high:
            break
    return 0.5 * (low + high)


# -------------------------------------------------------------- intervals
def mean_ci(values, axis=0, level=0.95, method="t", n_resamples=10_000, seed=0, min_n=MIN_SEEDS):
    """Mean of ``values`` along ``axis`` (one value per seed) and its ``level`` interval.

    ``method="t"``: Student's t interval, mean ± t * sd / sqrt(n). ``"bootstrap"``: the
    percentile interval of ``n_resamples`` bootstrap means drawn with ``seed`` (use it for
    skewed values and n of 20 or more; with 5 seeds it is too narrow).

    >>> r = mean_ci([0.80, 0.82, 0.81, 0.83, 0.79])
    >>> round(r.mean, 3), round(r.half_width, 4), r.n
    (0.81, 0.0196, 5)
    """
    level = _level(level)
    arr = _values(values, "values", _count(min_n, "min_n", 2), axis)
    arr = np.moveaxis(arr, axis, 0)
    n, mean = arr.shape[0], arr.mean(axis=0)
    if method == "t":
        half = t_quantile(0.5 + level / 2, n - 1) * arr.std(axis=0, ddof=1) / math.sqrt(n)
        low, high = mean - half, mean + half
    elif method == "bootstrap":
        rng = np.random.default_rng(seed)
        picks = rng.integers(0, n, size=(_count(n_resamples, "n_resamples", 100), n))
        means = arr[picks].mean(axis=1)
        low, high = np.quantile(means, [(1 - level) / 2, (1 + level) / 2], axis=0)
        half = (high - low) / 2
    else:
        raise ValueError(f"method must be 't' or 'bootstrap'; got {method!r}")
    scalar = lambda v: float(v) if np.ndim(v) == 0 else np.asarray(v)
    return Interval(scalar(mean), scalar(low), scalar(high), scalar(half), n, level, method)


def paired_difference(a, b, level=0.95, method="t", seed=0, min_n=MIN_SEEDS):
    """Mean of ``a - b`` over paired seeds (seed i of a with seed i of b) and its interval.

    >>> d = paired_difference([0.90, 0.91, 0.92, 0.90, 0.91], [0.88, 0.90, 0.90, 0.89, 0.90])
    >>> round(d.mean, 3), d.low > 0
    (0.014, True)
    """
    a = _values(a, "a", 1)
    b = _values(b, "b", 1)
    if a.shape != b.shape:
        raise ValueError(f"paired values need the same shape (one per seed); a has {a.shape}, "
                         f"b has {b.shape}. Unpaired runs: verdict(..., paired=False)")
    return mean_ci(a - b, level=level, method=method, seed=seed, min_n=min_n)


def welch_difference(a, b, level=0.95, min_n=MIN_SEEDS):
    """Mean(a) - mean(b) for independent runs, with Welch's t interval (unequal variances).

    >>> round(welch_difference([1, 2, 3, 4, 5], [0, 1, 2, 3, 4]).mean, 6)
    1.0
    """
    level = _level(level)
    a, b = _values(a, "a", min_n), _values(b, "b", min_n)
    if a.ndim != 1 or b.ndim != 1:
        raise ValueError(f"a and b must be 1-D (one value per run); got shapes {a.shape}, {b.shape}")
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    diff, se = a.mean() - b.mean(), math.sqrt(va + vb)
    if se == 0:
        return Interval(float(diff), float(diff), float(diff), 0.0, min(len(a), len(b)), level, "welch")
    df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    half = t_quantile(0.5 + level / 2, df) * se
    return Interval(float(diff), float(diff - half), float(diff + half), float(half), min(len(a), len(b)),
                    level, "welch")


def _number(x, digits):
    return f"{x:.{digits}f}".replace("-", "\N{MINUS SIGN}")


def verdict(a, b, names=("A", "B"), level=0.95, paired=True, digits=3, min_n=MIN_SEEDS):
    """The finding the interval of mean(a) - mean(b) supports, as a sentence fragment.

    ``paired=True``: a[i] and b[i] share seed i (``paired_difference``); otherwise Welch's
    interval (``welch_difference``). ``b`` may be one number, a reference value (0 for a
    trend: ``verdict(slopes(x, y), 0, ("slope", "0"))``). The larger one is named first;
    when the interval contains 0 the verdict says so.

    >>> verdict([0.90, 0.91, 0.92, 0.90, 0.91], [0.88, 0.90, 0.90, 0.89, 0.90], ("wide", "narrow"))
    'wide > narrow (difference 0.014, 95 % CI 0.007 to 0.021)'
    >>> verdict([0.90, 0.88, 0.91, 0.89, 0.90], [0.89, 0.90, 0.90, 0.88, 0.90], ("wide", "narrow"))
    'not resolved at this scale (wide − narrow: difference 0.002, 95 % CI −0.014 to 0.018 includes 0)'
    """
    if not (isinstance(names, (tuple, list)) and len(names) == 2 and all(isinstance(s, str) for s in names)):
        raise ValueError(f"names must be two strings, e.g. ('MLP', 'lut'); got {names!r}")
    if np.ndim(b) == 0:
        b = np.full(np.shape(a), _values([b], "b", 1)[0])
        paired = True
    d = paired_difference(a, b, level, min_n=min_n) if paired else welch_difference(a, b, level, min_n)
    if np.ndim(d.mean):
        raise ValueError("verdict compares one number per seed: a and b must be 1-D; "
                         f"got shape {np.shape(a)}")
    pct = f"{100 * level:g} % CI"
    if d.low > 0 or d.high < 0:
        sign = 1 if d.low > 0 else -1
        first, second = names if sign > 0 else names[::-1]
        low, high = sorted((sign * d.low, sign * d.high))
        return (f"{first} > {second} (difference {_number(sign * d.mean, digits)}, "
                f"{pct} {_number(low, digits)} to {_number(high, digits)})")
    return (f"not resolved at this scale ({names[0]} \N{MINUS SIGN} {names[1]}: difference "
            f"{_number(d.mean, digits)}, {pct} {_number(d.low, digits)} to "
            f"{_number(d.high, digits)} includes 0)")


def slopes(x, values, axis=0):
    """Least-squares slope of ``values`` against ``x``, one per seed: feed it to ``mean_ci``.

    ``values``: seeds x settings (``axis=0``: the seeds run down the rows), one column per
    value of ``x``.

    >>> slopes([0, 1, 2], [[1.0, 2.0, 3.0], [0.0, 2.0, 4.0]]).tolist()
    [1.0, 2.0]
    """
    x = _values(x, "x", 2, needs="a slope")
    values = np.moveaxis(_values(values, "values", 1, axis), axis, 0)
    if x.ndim != 1 or values.ndim != 2 or values.shape[1] != len(x):
        raise ValueError(f"values must be seeds x settings with one column per x ({len(x)}); "
                         f"got shape {np.shape(values)} (axis={axis})")
    if np.ptp(x) == 0:
        raise ValueError(f"x must take at least two different values; got {x.tolist()}")
    centred = x - x.mean()
    return (values - values.mean(axis=1, keepdims=True)) @ centred / (centred @ centred)


def format_ci(result, digits=3):
    """``"mean ± half-width"`` for prose and tables; ``"mean (low to high)"`` when asymmetric.

    Arrays (an interval per setting) give a list of strings.

    >>> format_ci(Interval(0.8842, 0.8801, 0.8883, 0.0041, 5, 0.95, "t"))
    '0.884 ± 0.004'
    """
    if not all(hasattr(result, f) for f in ("mean", "low", "high", "half_width")):
        raise TypeError(f"format_ci needs a result of mean_ci or paired_difference; got {result!r:.80}")
    digits = _count(digits, "digits", 0)
    if np.ndim(result.mean):
        return [format_ci(Interval(m, lo, hi, h, result.n, result.level, result.method), digits)
                for m, lo, hi, h in zip(result.mean, result.low, result.high, result.half_width)]
    below, above = result.mean - result.low, result.high - result.mean
    if _number(below, digits) == _number(above, digits):
        return f"{_number(result.mean, digits)} ± {_number(result.half_width, digits)}"
    return f"{_number(result.mean, digits)} ({_number(result.low, digits)} to {_number(result.high, digits)})"


# ------------------------------------------------------------ permutations
def permutation_null(statistic, x, y, n_permutations=9_999, seed=0, paired=False,
                     alternative="two-sided"):
    """Observed ``statistic(x, y)``, its null distribution and the permutation p-value.

    Unpaired: the pooled values are reassigned to groups of the sizes of x and y. Paired
    (``paired=True``, x[i] with y[i]): each pair is swapped or not at random. The p-value
    counts the observed value as one of the permutations, p = (1 + #{null as extreme}) /
    (1 + n_permutations), so it is never 0. Two-sided compares |statistic|: use a statistic
    that is 0 when the groups do not differ (a difference, not a ratio).

    >>> diff = lambda x, y: np.mean(x) - np.mean(y)
    >>> r = permutation_null(diff, [5, 6, 7, 8, 9], [0, 1, 2, 3, 4], n_permutations=999)
    >>> round(r.observed, 1), r.p_value < 0.05
    (5.0, True)
    """
    if not callable(statistic):
        raise TypeError(f"statistic must be a function of (x, y); got {statistic!r:.80}")
    if alternative not in ("two-sided", "greater", "less"):
        raise ValueError(f"alternative must be 'two-sided', 'greater' or 'less'; got {alternative!r}")
    x, y = _values(x, "x", 2, needs="a permutation"), _values(y, "y", 2, needs="a permutation")
    n_permutations = _count(n_permutations, "n_permutations", 1)
    if paired and x.shape != y.shape:
        raise ValueError(f"paired=True needs x and y of the same shape; got {x.shape} and {y.shape}")
    rng = np.random.default_rng(seed)
    observed = float(statistic(x, y))
    null = np.empty(n_permutations)
    pooled = np.concatenate([x, y])
    for i in range(n_permutations):
        if paired:
            swap = rng.random(len(x)) < 0.5
            swap = swap.reshape((-1,) + (1,) * (x.ndim - 1))
            null[i] = statistic(np.where(swap, y, x), np.where(swap, x, y))
        else:
            order = rng.permutation(len(pooled))
            null[i] = statistic(pooled[order[:len(x)]], pooled[order[len(x):]])
    tolerance = 1e-12 * max(1.0, abs(observed))   # ties with the observed value count
    if alternative == "two-sided":
        extreme = np.abs(null) >= abs(observed) - tolerance
    elif alternative == "greater":
        extreme = null >= observed - tolerance
    else:
        extreme = null <= observed + tolerance
    return PermutationResult(observed, null, float((1 + extreme.sum()) / (1 + n_permutations)))


# ------------------------------------------------------ rank correlation
def _ranks(v):
    """Ranks 1..n, ties sharing the mean of their ranks."""
    order = np.argsort(v, kind="mergesort")
    sorted_v = v[order]
    starts = np.flatnonzero(np.r_[True, sorted_v[1:] != sorted_v[:-1]])
    ends = np.r_[starts[1:], len(v)]
    ranks = np.empty(len(v))
    ranks[order] = np.repeat((starts + ends + 1) / 2.0, ends - starts)
    return ranks


def spearman(a, b):
    """Spearman's rank correlation of ``a`` and ``b``, ties given their mean rank.

    >>> spearman([1, 2, 3, 4], [10, 20, 20, 40])
    0.9486832980505138
    """
    a, b = (_values(v, name, 2, needs="a rank correlation") for v, name in ((a, "a"), (b, "b")))
    if a.ndim != 1 or a.shape != b.shape:
        raise ValueError(f"a and b must be 1-D of the same length; got shapes {a.shape} and {b.shape}")
    ra, rb = _ranks(a) - (len(a) + 1) / 2, _ranks(b) - (len(b) + 1) / 2
    for name, r in (("a", ra), ("b", rb)):
        if not r.any():
            raise ValueError(f"{name} is constant: a rank correlation with it is undefined")
    return float(ra @ rb / math.sqrt((ra @ ra) * (rb @ rb)))


@dataclass(frozen=True)
class Reliability:
    """Split-half reliability: Spearman-Brown corrected rank correlation over random splits.

    ``mean``, ``low``, ``high``: the mean and the central ``level`` range of the corrected
    correlation over the splits; ``half_r``: each split's uncorrected correlation;
    ``n_examples``: how many examples each split correlated (fewer with ``missing="drop"``).

    >>> Reliability(0.8, 0.7, 0.9, np.array([0.67]), np.array([100]), 0.95).mean
    0.8
    """
    mean: float
    low: float
    high: float
    half_r: np.ndarray
    n_examples: np.ndarray
    level: float


def spearman_brown(r):
    """The reliability of the whole from the correlation ``r`` of its two halves: 2r / (1 + r).

    >>> spearman_brown(0.5)
    0.6666666666666666
    """
    return 2 * r / (1 + r)


def split_half_reliability(scores_by_model, n_splits=100, seed=0, level=0.95, n_models=None,
                           missing="raise"):
    """How well a per-example estimate agrees with itself: two disjoint halves of the models.

    ``scores_by_model``: an array (models x examples) whose mean over models (NaNs ignored,
    e.g. where a model did not hold the example out) is the estimate; or a function that,
    given an array of model indices, returns the per-example estimate from those models
    only, NaN where they cannot estimate it (then ``n_models`` is required). For each of
    ``n_splits`` random splits into two halves, the Spearman correlation of the halves'
    estimates is corrected to the full number of models with ``spearman_brown``. An example
    with no estimate in a half raises, or with ``missing="drop"`` is left out of that split.
    The range is over splits, which share the same models: it shows how much the split
    matters, not a sampling interval. Two learners' scores cannot agree better than about
    sqrt(reliability_1 * reliability_2).

    >>> rng = np.random.default_rng(0); truth = rng.normal(size=200)
    >>> scores = truth + rng.normal(size=(20, 200))        # 20 noisy models
    >>> r = split_half_reliability(scores, n_splits=50)
    >>> 0.8 < r.mean < 0.99
    True
    """
    n_splits, level = _count(n_splits, "n_splits"), _level(level)
    if missing not in ("raise", "drop"):
        raise ValueError(f"missing must be 'raise' or 'drop'; got {missing!r}")
    if callable(scores_by_model):
        if n_models is None:
            raise ValueError("n_models is required when scores_by_model is a function")
        estimate, n_models = scores_by_model, _count(n_models, "n_models", 2)
    else:
        scores = np.asarray(scores_by_model, dtype=float)
        if scores.ndim != 2 or scores.shape[0] < 2:
            raise ValueError(f"scores_by_model must be 2-D (models x examples) with at least 2 "
                             f"models; got shape {scores.shape}")
        if np.isinf(scores).any():
            raise ValueError("scores_by_model contains infinity")
        n_models = scores.shape[0]

        def estimate(models):
            chosen = scores[models]
            seen = (~np.isnan(chosen)).sum(axis=0)
            return np.where(seen > 0, np.nansum(chosen, axis=0) / np.maximum(seen, 1), np.nan)
    rng = np.random.default_rng(seed)
    half = n_models // 2
    half_r, used = np.empty(n_splits), np.empty(n_splits, dtype=np.int64)
    for i in range(n_splits):
        order = rng.permutation(n_models)
        first = np.asarray(estimate(order[:half]), dtype=float)
        second = np.asarray(estimate(order[half:2 * half]), dtype=float)
        both = ~(np.isnan(first) | np.isnan(second))
        if missing == "raise" and not both.all():
            raise ValueError(f"example {int(np.flatnonzero(~both)[0])} has no estimate in one half "
                             "of the models: use more models, or missing='drop'")
        half_r[i], used[i] = spearman(first[both], second[both]), both.sum()
    corrected = spearman_brown(half_r)
    low, high = np.quantile(corrected, [(1 - level) / 2, (1 + level) / 2])
    return Reliability(float(corrected.mean()), float(low), float(high), half_r, used, level)
