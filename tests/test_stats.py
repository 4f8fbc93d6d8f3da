"""lutlib.stats against independent references: scipy.stats, brute-force enumeration, simulation."""
from __future__ import annotations

import doctest
import itertools

import numpy as np
import pytest

from lutlib import stats

scipy_stats = pytest.importorskip("scipy.stats")


def test_doctests():
    assert doctest.testmod(stats).failed == 0


# ------------------------------------------------------------------ t quantile
@pytest.mark.parametrize("df", [1, 2, 3, 4, 5, 9, 19, 30, 2.5, 7.3, 150])
@pytest.mark.parametrize("p", [0.5001, 0.9, 0.975, 0.995, 0.025])
def test_t_quantile_matches_scipy(p, df):
    assert stats.t_quantile(p, df) == pytest.approx(scipy_stats.t.ppf(p, df), rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("bad", [dict(p=0, df=3), dict(p=1.2, df=3), dict(p=0.9, df=0)])
def test_t_quantile_refuses(bad):
    with pytest.raises(ValueError, match="t_quantile needs"):
        stats.t_quantile(**bad)


# ------------------------------------------------------------------ mean_ci
def test_t_interval_matches_scipy():
    values = np.random.default_rng(1).normal(0.88, 0.01, size=7)
    r = stats.mean_ci(values, level=0.9)
    low, high = scipy_stats.t.interval(0.9, 6, loc=values.mean(), scale=scipy_stats.sem(values))
    assert (r.mean, r.low, r.high, r.n) == (pytest.approx(values.mean()), pytest.approx(low),
                                             pytest.approx(high), 7)
    assert r.half_width == pytest.approx((high - low) / 2)


def test_axis_gives_one_interval_per_setting():
    grid = np.random.default_rng(2).normal(size=(5, 3))          # seeds x widths
    by_axis = stats.mean_ci(grid, axis=0)
    for j in range(3):
        one = stats.mean_ci(grid[:, j])
        assert by_axis.low[j] == pytest.approx(one.low) and by_axis.high[j] == pytest.approx(one.high)
    assert stats.mean_ci(grid.T, axis=1).mean == pytest.approx(by_axis.mean)
    assert by_axis[2] == stats.mean_ci(grid[:, 2])
    with pytest.raises(TypeError, match="single one"):
        stats.mean_ci(grid[:, 0])[0]


def test_t_interval_covers_the_mean_95_percent_of_the_time():
    # 2000 experiments of 5 seeds each: the coverage's standard error is 0.005, the band is 3 of them
    draws = np.random.default_rng(3).normal(loc=0.7, scale=0.02, size=(5, 2000))
    r = stats.mean_ci(draws, axis=0)
    coverage = np.mean((r.low <= 0.7) & (0.7 <= r.high))
    assert 0.935 <= coverage <= 0.965, coverage
    # the band has power: a normal (z) interval, the usual mistake at n = 5, falls outside it
    z_half = 1.959964 * draws.std(axis=0, ddof=1) / np.sqrt(5)
    assert np.mean(np.abs(draws.mean(axis=0) - 0.7) <= z_half) < 0.935


def test_bootstrap_interval_is_seeded_and_close_to_scipy():
    values = np.random.default_rng(4).exponential(size=40)
    a = stats.mean_ci(values, method="bootstrap", seed=7)
    assert a == stats.mean_ci(values, method="bootstrap", seed=7)
    assert a != stats.mean_ci(values, method="bootstrap", seed=8)
    ref = scipy_stats.bootstrap((values,), np.mean, method="percentile", n_resamples=10_000,
                                random_state=0).confidence_interval
    width = ref.high - ref.low
    assert abs(a.low - ref.low) < 0.05 * width and abs(a.high - ref.high) < 0.05 * width


def test_bootstrap_coverage_at_thirty_seeds():
    draws = np.random.default_rng(5).normal(size=(30, 300))
    r = stats.mean_ci(draws, method="bootstrap", n_resamples=1000)
    coverage = np.mean((r.low <= 0) & (0 <= r.high))
    assert 0.88 <= coverage <= 0.98, coverage        # percentile bootstrap runs a little narrow


@pytest.mark.parametrize("values, match", [
    ([0.9, 0.8, 0.85], "has 3 value.*at least 5"),
    ([0.9, np.nan, 0.8, 0.7, 0.8], "contains nan at index \\(1,\\)"),
    ([0.9, np.inf, 0.8, 0.7, 0.8], "contains inf"),
    (0.9, "single number"),
])
def test_mean_ci_refuses(values, match):
    with pytest.raises(ValueError, match=match):
        stats.mean_ci(values)


def test_mean_ci_refuses_bad_options():
    five = [1.0, 2, 3, 4, 5]
    with pytest.raises(ValueError, match="method must be"):
        stats.mean_ci(five, method="z")
    with pytest.raises(ValueError, match="level must be"):
        stats.mean_ci(five, level=95)
    with pytest.raises(ValueError, match="axis=2 is out of range"):
        stats.mean_ci(five, axis=2)
    with pytest.raises(TypeError, match="must hold numbers"):
        stats.mean_ci(["a", "b", "c", "d", "e"])
    assert stats.mean_ci([1.0, 2.0], min_n=2).n == 2


# ------------------------------------------------------ differences, verdicts
def test_paired_difference_matches_scipy():
    rng = np.random.default_rng(6)
    a = rng.normal(0.9, 0.01, 6)
    b = a - 0.004 + rng.normal(0, 0.003, 6)
    d = stats.paired_difference(a, b)
    ref = scipy_stats.ttest_rel(a, b).confidence_interval(0.95)
    assert (d.low, d.high) == (pytest.approx(ref.low), pytest.approx(ref.high))


def test_welch_difference_matches_scipy():
    rng = np.random.default_rng(7)
    a, b = rng.normal(1.0, 1.0, 6), rng.normal(0.0, 3.0, 9)
    d = stats.welch_difference(a, b, level=0.9)
    ref = scipy_stats.ttest_ind(a, b, equal_var=False).confidence_interval(0.9)
    assert (d.low, d.high) == (pytest.approx(ref.low), pytest.approx(ref.high))


def test_paired_difference_refuses_unpaired_shapes():
    with pytest.raises(ValueError, match="same shape"):
        stats.paired_difference([1.0] * 5, [1.0] * 6)


def test_verdict_names_the_larger_and_quotes_the_interval():
    low = [0.880, 0.881, 0.879, 0.882, 0.880]
    high = [v + 0.010 + 0.001 * i for i, v in enumerate(low)]       # +0.010 .. +0.014
    d = stats.paired_difference(high, low)
    text = stats.verdict(high, low, ("512 units", "32 units"))
    assert text == (f"512 units > 32 units (difference {d.mean:.3f}, 95 % CI {d.low:.3f} to "
                    f"{d.high:.3f})")
    assert stats.verdict(low, high, ("32 units", "512 units")) == text


def test_verdict_says_not_resolved_when_the_interval_holds_zero():
    rng = np.random.default_rng(8)
    a = rng.normal(0.884, 0.004, 5)
    b = a + rng.normal(0, 0.004, 5) * np.array([1, -1, 1, -1, 1])
    d = stats.paired_difference(a, b)
    assert d.low < 0 < d.high                                         # the premise
    text = stats.verdict(a, b, ("wide", "narrow"))
    assert text.startswith("not resolved at this scale (wide − narrow: difference")
    assert text.endswith("includes 0)")


def test_verdict_unpaired_uses_welch():
    a, b = [1.0, 1.2, 0.9, 1.1, 1.0], [0.0, 0.3, -0.2, 0.1, 0.0, 0.2]
    d = stats.welch_difference(a, b)
    assert stats.verdict(a, b, paired=False) == (
        f"A > B (difference {d.mean:.3f}, 95 % CI {d.low:.3f} to {d.high:.3f})")
    with pytest.raises(ValueError, match="same shape"):
        stats.verdict(a, b)                                          # paired needs pairs


def test_verdict_against_a_reference_value_is_a_one_sample_interval():
    values = [0.012, 0.010, 0.015, 0.011, 0.013]
    r = stats.mean_ci(values)
    assert stats.verdict(values, 0, ("slope", "0")) == (
        f"slope > 0 (difference {r.mean:.3f}, 95 % CI {r.low:.3f} to {r.high:.3f})")
    assert stats.verdict(values, 0.02, ("slope", "0.02")).startswith("0.02 > slope")
    assert stats.verdict(values, 0.012, ("slope", "0.012")).startswith("not resolved")


def test_slopes_match_scipy_linregress():
    rng = np.random.default_rng(13)
    x = np.array([0.2, 0.4, 0.6, 0.8, 1.0])
    grid = 224 - 10 * x + rng.normal(0, 8, size=(6, 5))            # 6 seeds x 5 settings
    expected = [scipy_stats.linregress(x, row).slope for row in grid]
    assert stats.slopes(x, grid) == pytest.approx(expected)
    assert stats.slopes(x, grid.T, axis=1) == pytest.approx(expected)
    with pytest.raises(ValueError, match="one column per x"):
        stats.slopes(x[:4], grid)
    with pytest.raises(ValueError, match="two different values"):
        stats.slopes([1, 1, 1, 1, 1], grid)


def test_verdict_refuses_bad_names_and_2d():
    five = [1.0, 2, 3, 4, 5]
    with pytest.raises(ValueError, match="names must be two strings"):
        stats.verdict(five, five, names="AB")
    with pytest.raises(ValueError, match="1-D"):
        stats.verdict(np.ones((5, 2)), np.ones((5, 2)))


def test_format_ci():
    r = stats.Interval(0.8842, 0.8801, 0.8883, 0.0041, 5, 0.95, "t")
    assert stats.format_ci(r) == "0.884 ± 0.004"
    assert stats.format_ci(r, digits=4) == "0.8842 ± 0.0041"
    skewed = stats.Interval(0.50, 0.40, 0.70, 0.15, 30, 0.95, "bootstrap")
    assert stats.format_ci(skewed, 2) == "0.50 (0.40 to 0.70)"
    negative = stats.Interval(-0.012, -0.020, -0.004, 0.008, 5, 0.95, "t")
    assert stats.format_ci(negative) == "−0.012 ± 0.008"
    grid = stats.mean_ci(np.array([[1.0, 2.0]] * 4 + [[1.5, 2.5]]))
    assert stats.format_ci(grid, 1) == [stats.format_ci(stats.mean_ci([1, 1, 1, 1, 1.5]), 1),
                                         stats.format_ci(stats.mean_ci([2, 2, 2, 2, 2.5]), 1)]
    with pytest.raises(TypeError, match="format_ci needs"):
        stats.format_ci((0.9, 0.01))


# -------------------------------------------------------------- permutations
def _mean_difference(x, y):
    return np.mean(x) - np.mean(y)


def test_permutation_p_value_matches_exact_enumeration():
    x, y = np.array([3.1, 2.4, 4.0, 3.3, 2.9]), np.array([2.2, 2.8, 1.9, 2.6, 3.0])
    pooled, observed = np.r_[x, y], _mean_difference(x, y)
    splits = [np.isin(np.arange(10), c) for c in itertools.combinations(range(10), 5)]
    exact = np.mean([abs(_mean_difference(pooled[s], pooled[~s])) >= abs(observed) - 1e-12
                     for s in splits])
    r = stats.permutation_null(_mean_difference, x, y, n_permutations=20_000, seed=1)
    assert r.observed == pytest.approx(observed)
    assert r.null.shape == (20_000,)
    assert abs(r.p_value - exact) < 0.01, (r.p_value, exact)      # sd of the estimate: 0.002


def test_paired_permutation_matches_exact_sign_flips():
    a = np.array([0.91, 0.90, 0.93, 0.92, 0.90, 0.94])
    b = np.array([0.90, 0.91, 0.90, 0.91, 0.89, 0.91])
    d = a - b
    exact = np.mean([abs(np.mean(d * s)) >= abs(d.mean()) - 1e-12
                     for s in itertools.product((1, -1), repeat=6)])
    r = stats.permutation_null(_mean_difference, a, b, n_permutations=20_000, seed=2, paired=True)
    assert abs(r.p_value - exact) < 0.01, (r.p_value, exact)
    greater = stats.permutation_null(_mean_difference, a, b, 20_000, seed=2, paired=True,
                                     alternative="greater")
    exact_greater = np.mean([np.mean(d * s) >= d.mean() - 1e-12
                             for s in itertools.product((1, -1), repeat=6)])
    assert abs(greater.p_value - exact_greater) < 0.01


def test_permutation_p_value_has_the_plus_one_and_is_valid_under_the_null():
    far = stats.permutation_null(_mean_difference, [10.0] * 3 + [11.0] * 3, [0.0] * 6,
                                 n_permutations=99, seed=0)
    assert far.p_value == pytest.approx(1 / 100) or far.p_value > 1 / 100
    rng = np.random.default_rng(3)
    p = [stats.permutation_null(_mean_difference, rng.normal(size=8), rng.normal(size=8),
                                n_permutations=199, seed=i).p_value for i in range(300)]
    assert 0.02 <= np.mean(np.array(p) <= 0.05) <= 0.09              # about 0.05; sd 0.013


def test_permutation_null_refuses():
    with pytest.raises(TypeError, match="statistic must be a function"):
        stats.permutation_null(0.5, [1, 2], [3, 4])
    with pytest.raises(ValueError, match="alternative must be"):
        stats.permutation_null(_mean_difference, [1, 2], [3, 4], alternative="bigger")
    with pytest.raises(ValueError, match="n_permutations must be"):
        stats.permutation_null(_mean_difference, [1, 2], [3, 4], n_permutations=0)
    with pytest.raises(ValueError, match="paired=True needs"):
        stats.permutation_null(_mean_difference, [1, 2], [3, 4, 5], paired=True)
    with pytest.raises(ValueError, match="contains nan"):
        stats.permutation_null(_mean_difference, [1, np.nan], [3, 4])


# ------------------------------------------------------------------ spearman
@pytest.mark.parametrize("seed", range(5))
def test_spearman_matches_scipy_with_ties(seed):
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, 6, 40), rng.integers(0, 4, 40) + rng.integers(0, 6, 40) * (seed % 2)
    assert stats.spearman(a, b) == pytest.approx(scipy_stats.spearmanr(a, b).statistic, abs=1e-12)
    assert stats._ranks(a.astype(float)) == pytest.approx(scipy_stats.rankdata(a))


def test_spearman_refuses():
    with pytest.raises(ValueError, match="b is constant"):
        stats.spearman([1, 2, 3], [5, 5, 5])
    with pytest.raises(ValueError, match="same length"):
        stats.spearman([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="a has 1 value.*a rank correlation needs at least 2$"):
        stats.spearman([1], [1])


# ------------------------------------------------------- split-half reliability
def test_split_half_reproduces_a_split_by_hand():
    rng = np.random.default_rng(9)
    scores = rng.normal(size=200) + rng.normal(size=(11, 200))     # odd: one model sits out
    r = stats.split_half_reliability(scores, n_splits=3, seed=4)
    order = np.random.default_rng(4).permutation(11)
    first = scipy_stats.spearmanr(scores[order[:5]].mean(0), scores[order[5:10]].mean(0)).statistic
    assert r.half_r[0] == pytest.approx(first)
    corrected = 2 * r.half_r / (1 + r.half_r)
    assert r.mean == pytest.approx(corrected.mean())
    assert r.low <= r.mean <= r.high


def test_split_half_recovers_the_known_reliability():
    # truth + noise of equal variance, 20 models: the mean of 20 has reliability 20/21 = 0.952;
    # Spearman on normal scores is a little lower ((6/pi) asin(r/2) = 0.949)
    rng = np.random.default_rng(10)
    scores = rng.normal(size=3000) + rng.normal(size=(20, 3000))
    r = stats.split_half_reliability(scores, n_splits=40)
    assert r.mean == pytest.approx(0.949, abs=0.01)
    pure_noise = stats.split_half_reliability(rng.normal(size=(20, 3000)), n_splits=40)
    assert abs(pure_noise.mean) < 0.1


def test_split_half_function_and_nan_array_agree():
    # a model scores only the examples it held out (NaN elsewhere), as in leave-out estimates
    rng = np.random.default_rng(11)
    scores = rng.normal(size=100) + rng.normal(size=(16, 100))
    scores[rng.random((16, 100)) < 0.2] = np.nan
    from_array = stats.split_half_reliability(scores, n_splits=10, seed=1)
    from_function = stats.split_half_reliability(lambda m: np.nanmean(scores[m], axis=0),
                                                 n_splits=10, seed=1, n_models=16)
    assert from_array.half_r == pytest.approx(from_function.half_r)
    assert (from_array.n_examples == 100).all()


def test_split_half_drops_examples_missing_in_a_half_when_asked():
    # 12 models, each example held out by 3: some halves of 6 hold none of them
    rng = np.random.default_rng(12)
    scores = np.full((12, 300), np.nan)
    for j in range(300):
        scores[rng.choice(12, 3, replace=False), j] = rng.normal() + j / 100
    with pytest.raises(ValueError, match="has no estimate in one half.*missing='drop'"):
        stats.split_half_reliability(scores, n_splits=5)
    r = stats.split_half_reliability(scores, n_splits=5, missing="drop")
    order = np.random.default_rng(0).permutation(12)                 # the first split, by hand
    with np.errstate(invalid="ignore"), pytest.warns(RuntimeWarning, match="empty slice"):
        a, b = np.nanmean(scores[order[:6]], 0), np.nanmean(scores[order[6:]], 0)
    both = ~(np.isnan(a) | np.isnan(b))
    assert r.n_examples[0] == both.sum() < 300
    assert r.half_r[0] == pytest.approx(scipy_stats.spearmanr(a[both], b[both]).statistic)


def test_split_half_refuses():
    with pytest.raises(ValueError, match="n_models is required"):
        stats.split_half_reliability(lambda m: m)
    with pytest.raises(ValueError, match="at least 2 models"):
        stats.split_half_reliability(np.ones((1, 10)))
    holes = np.ones((4, 3))
    holes[:, 0] = [1.0, np.nan, np.nan, np.nan]
    holes[:, 1:] = np.arange(8).reshape(4, 2)
    with pytest.raises(ValueError, match="example 0 has no estimate"):
        stats.split_half_reliability(holes, n_splits=5)
    with pytest.raises(ValueError, match="missing must be"):
        stats.split_half_reliability(holes, missing="skip")
