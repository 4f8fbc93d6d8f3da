"""lutlib.memorization: each metric against a known answer or brute force."""
from itertools import combinations
from math import comb

import numpy as np
import pytest

from lutlib import Lut, LutNetwork, numba_available
from lutlib.memorization import (
    _binomial_pmf, critical_sample_ratio, critical_samples, easiness, flip_sensitivity, gini,
    lut_critical_samples, lut_loo_memorization, memorization_scores)
from lutlib.nn import MLP

BACKENDS = ["numpy"] + (["numba"] if numba_available() else [])


# ---------------------------------------------------------------------- gini
def test_gini_of_known_distributions():
    rng = np.random.default_rng(0)
    assert gini(np.full(10, 3.0)) == 0.0
    assert gini([0, 0, 0, 0, 5]) == pytest.approx(4 / 5)
    assert gini([1, 3]) == pytest.approx(0.25)                   # sum |xi - xj| / (2 n^2 mean) = 4 / 16
    assert gini(rng.uniform(0, 1, 200_000)) == pytest.approx(1 / 3, abs=0.005)
    assert gini(rng.exponential(2.0, 200_000)) == pytest.approx(1 / 2, abs=0.005)
    x = rng.uniform(size=50)
    assert gini(x) == pytest.approx(gini(7 * rng.permutation(x)))   # scale and order free
    pairs = np.abs(x[:, None] - x[None, :]).sum() / (2 * len(x) ** 2 * x.mean())
    assert gini(x) == pytest.approx(pairs)                         # the textbook definition
    assert gini([0, 0]) == 0.0


@pytest.mark.parametrize("values, match", [([], "at least one"), ([1, -1], "non-negative"), ([1, np.nan], "finite")])
def test_gini_errors(values, match):
    with pytest.raises(ValueError, match=match):
        gini(values)


# ---------------------------------------------------------------------- critical samples
def linear_model(w_diff, bias, d):
    """A two-class linear model (MLP without hidden layers) with logit_1 - logit_0 = w_diff . x + bias."""
    net = MLP(hidden=(), seed=0).fit(np.zeros((2, d), np.float32), [0, 1], epochs=1)
    net.coefs_[0][:] = np.stack([-w_diff / 2, w_diff / 2], axis=1)
    net.intercepts_[0][:] = [-bias / 2, bias / 2]
    return net


@pytest.mark.parametrize("beta", [0.0, 0.05])
def test_csr_finds_the_analytic_adversarial_point_of_a_linear_model(beta):
    rng = np.random.default_rng(1)
    d, r = 6, 0.2
    w = rng.normal(size=d).astype(np.float32)
    net = linear_model(w, 0.1, d)
    X = rng.normal(size=(400, d)).astype(np.float32)
    pred = net.predict(X)
    margin = np.abs(X @ w + 0.1)
    # The box corner x - r * sign(w) * (+1 for class 1, -1 for class 0) lowers the margin by r * ||w||_1:
    # x is critical exactly when margin < r * ||w||_1.
    analytic = margin < r * np.abs(w).sum()
    assert 0.2 < analytic.mean() < 0.8
    critical, X_adv = critical_samples(net, X, radius=r, alpha=0.15, beta=beta, steps=10, seed=0)
    assert np.array_equal(critical, analytic)
    assert np.all(np.abs(X_adv - X) <= r + 1e-6)
    assert np.all(net.predict(X_adv[critical]) != pred[critical])
    if beta == 0:
        corner = X - r * np.sign(w) * np.where(pred == 1, 1, -1)[:, None]
        np.testing.assert_allclose(X_adv[~critical], corner[~critical], atol=1e-6)


def test_csr_grows_with_the_radius_and_is_reproducible():
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(300, 10)).astype(np.float32)
    y = rng.integers(0, 4, 300)
    net = MLP(hidden=(32,), seed=0).fit(X, y, epochs=5)
    ratios = [critical_sample_ratio(net, X, radius=r, alpha=r / 2, beta=r / 4, bounds=(0, 1)) for r in (0.0, 0.05, 0.3)]
    assert ratios[0] == 0.0 and ratios[0] <= ratios[1] <= ratios[2] and ratios[2] > 0
    a = critical_samples(net, X, radius=0.05, alpha=0.02, beta=0.02, seed=3)
    b = critical_samples(net, X, radius=0.05, alpha=0.02, beta=0.02, seed=3)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    _, X_adv = critical_samples(net, X, radius=0.3, alpha=0.2, beta=0.2, bounds=(0, 1))
    assert X_adv.min() >= 0 and X_adv.max() <= 1


@pytest.mark.parametrize("kw, match", [(dict(radius=-1.0), "radius"), (dict(steps=0), "steps"),
                                       (dict(alpha=np.nan), "alpha")])
def test_csr_errors(kw, match):
    net = linear_model(np.ones(2, np.float32), 0.0, 2)
    with pytest.raises(ValueError, match=match):
        critical_samples(net, np.zeros((3, 2), np.float32), **kw)


# ---------------------------------------------------------------------- easiness, Feldman-Zhang
def test_binomial_baseline():
    p = 0.3
    expected = [comb(5, j) * p**j * (1 - p) ** (5 - j) for j in range(6)]
    np.testing.assert_allclose(_binomial_pmf(5, p), expected)
    assert _binomial_pmf(4, 0.0).tolist() == [1, 0, 0, 0, 0]


def test_easiness_sees_the_hard_examples():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 2, (300, 12))
    y = X[:, 0].copy()
    y[:30] ^= 1                                        # 30 flipped labels: no lut can get them all
    e = easiness(LutNetwork(hidden=(8,), k=3), X, y, n_runs=10, seed=0)
    assert e.observed.sum() == 300 and e.binomial.sum() == pytest.approx(300)
    assert e.error_rate[:30].mean() > 0.5 > e.error_rate[30:].mean()
    assert e.mean_error == pytest.approx(e.error_rate.mean())
    again = easiness(LutNetwork(hidden=(8,), k=3), X, y, n_runs=10, seed=0)
    assert np.array_equal(e.error_rate, again.error_rate)
    with pytest.raises(ValueError, match="n_runs"):
        easiness(LutNetwork(), X, y, n_runs=0)


def test_feldman_zhang_score_of_a_memorizer_on_random_labels_is_one_half():
    """A lut that reads all 10 bits of 1,024 distinct patterns: right on every seen example, a coin on
    held-out ones. So p_in = 1, p_out ~ 1/2 and the score ~ 1/2 for every example."""
    X = ((np.arange(1024)[:, None] >> np.arange(10)) & 1).astype(np.uint8)
    y = np.random.default_rng(0).integers(0, 2, 1024)
    s = memorization_scores(LutNetwork(hidden=(), k=10), X, y, n_models=40, subset=0.7, seed=0)
    assert np.all(s.p_in[s.n_in > 0] == 1)
    assert np.all(s.n_in + s.n_out == 40)
    assert s.score.mean() == pytest.approx(0.5, abs=0.03)
    again = memorization_scores(LutNetwork(hidden=(), k=10), X, y, n_models=40, subset=0.7, seed=0)
    np.testing.assert_array_equal(s.score, again.score)


def test_feldman_zhang_works_for_the_mlp():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 4)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)
    s = memorization_scores(MLP(hidden=(8,), epochs=20, lr=0.1), X, y, n_models=6, subset=0.5)
    assert s.score.shape == (80,) and np.nanmax(np.abs(s.score)) <= 1
    for bad in (dict(subset=1.0), dict(n_models=0)):
        with pytest.raises(ValueError):
            memorization_scores(MLP(), X, y, **bad)


# ---------------------------------------------------------------------- exact lut leave-one-out
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_exact_lut_loo_equals_brute_force_retraining(seed):
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 2, (150, 4))
    y = np.where(rng.random(150) < 0.7, X[:, 0], 1 - X[:, 0])
    lut = Lut(seed=seed).fit(X, y)
    exact = lut_loo_memorization(lut, X, y)
    brute = np.empty(len(y))
    for i in range(len(y)):
        rest = np.delete(np.arange(len(y)), i)
        out = Lut(seed=seed).fit(X[rest], y[rest]).predict(X[i:i + 1])[0]
        brute[i] = float(lut.predict(X[i:i + 1])[0] == y[i]) - float(out == y[i])
    np.testing.assert_array_equal(exact, brute)
    assert (exact != 0).any()                         # the test exercises non-trivial cases


def test_lut_loo_expected_ties_and_errors():
    X, y = [[0], [0], [1]], [0, 1, 1]
    lut = Lut(seed=0).fit(X, y)
    assert lut_loo_memorization(lut, X, y, ties="expected").tolist() == [0.5 - 0.0, 0.5 - 0.0, 1 - 0.5]
    lut37 = Lut(seed=0).fit(X, [3, 7, 7])                    # any two labels, as the lut encodes them
    assert lut_loo_memorization(lut37, X, [3, 7, 7]).tolist() == lut_loo_memorization(lut, X, y).tolist()
    with pytest.raises(ValueError, match="labels the lut was not fitted on"):
        lut_loo_memorization(lut37, X, [3, 5, 7])
    with pytest.raises(ValueError, match="not the data this lut was fitted on"):
        lut_loo_memorization(lut, X, [0, 0, 1])
    with pytest.raises(ValueError, match="integer seed"):
        lut_loo_memorization(Lut(seed=None).fit(X, y), X, y)
    with pytest.raises(ValueError, match="ties must be"):
        lut_loo_memorization(lut, X, y, ties="never")


# ---------------------------------------------------------------------- flip sensitivity and Hamming CSR
def brute_force_flips(net, X):
    base = net.predict(X)
    out = np.zeros(X.shape, dtype=bool)
    for j in range(X.shape[1]):
        Xf = X.copy()
        Xf[:, j] ^= 1
        out[:, j] = net.predict(Xf) != base
    return out


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("hidden, k, d", [((16, 8), 3, 12), ((), 4, 6), ((32, 32, 32, 16), 4, 20), ((64,), 8, 30)])
def test_flip_sensitivity_equals_brute_force(backend, hidden, k, d):
    rng = np.random.default_rng(len(hidden) + k)
    X = rng.integers(0, 2, (200, d)).astype(np.uint8)
    y = X[:, 0] ^ X[:, 1] ^ (rng.random(200) < 0.1)
    net = LutNetwork(hidden=hidden, k=k, seed=0).fit(X, y)
    m = flip_sensitivity(net, X, return_matrix=True, backend=backend)
    brute = brute_force_flips(net, X)
    np.testing.assert_array_equal(m, brute)
    assert brute.any()
    np.testing.assert_array_equal(flip_sensitivity(net, X, backend=backend), brute.sum(axis=1))


def test_flip_sensitivity_on_mnist_equals_brute_force(small_mnist):
    X, y, Xt, _ = small_mnist
    net = LutNetwork(hidden=(256,) * 3, k=8, seed=0).fit(X, y)
    np.testing.assert_array_equal(flip_sensitivity(net, Xt[:40], return_matrix=True), brute_force_flips(net, Xt[:40]))


def test_hamming_csr_radius_one_is_exact_and_radius_two_finds_all_on_a_small_input():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 2, (120, 8)).astype(np.uint8)
    y = X[:, 0] & X[:, 1] & X[:, 2]
    net = LutNetwork(hidden=(8,), k=3, seed=1).fit(X, y)
    one = lut_critical_samples(net, X, radius=1)
    np.testing.assert_array_equal(one, brute_force_flips(net, X).any(axis=1))
    base = net.predict(X)
    exhaustive = one.copy()                          # all C(8, 2) = 28 pairs
    for a, b in combinations(range(8), 2):
        Xf = X.copy(); Xf[:, [a, b]] ^= 1
        exhaustive |= net.predict(Xf) != base
    assert exhaustive.sum() > one.sum()
    found = lut_critical_samples(net, X, radius=2, n_trials=300, seed=0)
    np.testing.assert_array_equal(found, exhaustive)   # 300 random pairs of 28: all found
    few = lut_critical_samples(net, X, radius=2, n_trials=2, seed=0)
    assert np.all(few <= exhaustive) and np.all(few >= one)
    with pytest.raises(ValueError, match="radius"):
        lut_critical_samples(net, X, radius=0)
    with pytest.raises(ValueError, match="backend"):
        flip_sensitivity(net, X, backend="gpu")


# ---------------------------------------------------------------------- independent references
class Recorder:
    """A fake estimator: remembers which examples (column 0 holds the index) each fit saw, and
    predicts example i correctly unless (i * 7 + seed) % 3 == 0 (a fixed, known pattern)."""

    fits = []

    def __init__(self, seed=0):
        self.seed = seed

    def get_params(self):
        return {"seed": self.seed}

    def fit(self, X, y):
        Recorder.fits.append((self.seed, set(np.asarray(X)[:, 0].tolist())))
        self.labels_ = dict(zip(np.asarray(X)[:, 0].tolist(), y))
        return self

    def predict(self, X):
        idx = np.asarray(X)[:, 0]
        truth = idx % 2
        wrong = (idx * 7 + self.seed) % 3 == 0
        seen = np.array([i in self.labels_ for i in idx.tolist()])
        return np.where(wrong & ~seen, 1 - truth, truth)     # errs only on held-out examples of the pattern


def test_memorization_scores_equal_a_direct_count():
    n, n_models, subset = 23, 9, 0.6
    X = np.column_stack([np.arange(n), np.zeros(n)])
    y = np.arange(n) % 2
    Recorder.fits = []
    s = memorization_scores(Recorder(), X, y, n_models=n_models, subset=subset, seed=5)
    assert [seed for seed, _ in Recorder.fits] == list(range(5, 5 + n_models))
    assert all(len(seen) == round(subset * n) for _, seen in Recorder.fits)
    for i in range(n):
        ins = [seed for seed, seen in Recorder.fits if i in seen]
        outs = [seed for seed, seen in Recorder.fits if i not in seen]
        right_out = [(i * 7 + seed) % 3 != 0 for seed in outs]
        assert (s.n_in[i], s.n_out[i]) == (len(ins), len(outs))
        p_in = 1.0 if ins else np.nan
        p_out = np.mean(right_out) if outs else np.nan
        np.testing.assert_equal([s.p_in[i], s.p_out[i], s.score[i]], [p_in, p_out, p_in - p_out])


class Erring(Recorder):
    """Errs on example i exactly when (i + seed) % 4 == 0, seen or not."""

    def predict(self, X):
        idx = np.asarray(X)[:, 0]
        return np.where((idx + self.seed) % 4 == 0, 1 - idx % 2, idx % 2)


def test_easiness_equals_a_direct_count():
    n, n_runs = 30, 6
    X = np.column_stack([np.arange(n), np.zeros(n)])
    e = easiness(Erring(), X, np.arange(n) % 2, n_runs=n_runs, seed=2)
    errors = np.array([sum((i + seed) % 4 == 0 for seed in range(2, 2 + n_runs)) for i in range(n)])
    np.testing.assert_array_equal(e.error_rate, errors / n_runs)
    assert e.mean_error == pytest.approx(errors.sum() / (n * n_runs), rel=1e-15)
    np.testing.assert_array_equal(e.observed, [np.sum(errors == j) for j in range(n_runs + 1)])
    p = errors.sum() / (n * n_runs)
    np.testing.assert_allclose(e.binomial, [n * comb(n_runs, j) * p**j * (1 - p) ** (n_runs - j)
                                            for j in range(n_runs + 1)], rtol=1e-12)
    assert _binomial_pmf(3, 1.0).tolist() == [0, 0, 0, 1]


def langevin_reference(net, X, radius, alpha, steps, bounds):
    """Arpit et al.'s search without noise, one example at a time, written out plainly."""
    critical, last = [], []
    for x in X:
        y0 = net.predict(x[None])[0]
        lo, hi = x - np.float32(radius), x + np.float32(radius)
        if bounds is not None:
            lo, hi = np.maximum(lo, bounds[0]), np.minimum(hi, bounds[1])
        z, found = x.copy(), False
        for _ in range(steps):
            if net.predict(z[None])[0] != y0:
                found = True
                break
            z = np.clip(z + np.float32(alpha) * np.sign(net.input_gradient(z[None], np.array([y0]))[0]), lo, hi)
        found = found or net.predict(z[None])[0] != y0
        critical.append(found)
        last.append(z)
    return np.array(critical), np.array(last)


@pytest.mark.parametrize("bounds, steps", [(None, 3), ((0, 1), 1), ((0, 1), 4)])
def test_critical_samples_equal_a_plain_loop(bounds, steps):
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(120, 5)).astype(np.float32)
    net = MLP(hidden=(16,), seed=0).fit(X, rng.integers(0, 3, 120), epochs=20)
    critical, X_adv = critical_samples(net, X, radius=0.12, alpha=0.05, beta=0.0, steps=steps, bounds=bounds)
    ref_critical, ref_adv = langevin_reference(net, X, 0.12, 0.05, steps, bounds)
    np.testing.assert_array_equal(critical, ref_critical)
    assert 0 < critical.sum() < len(X)
    np.testing.assert_allclose(X_adv, ref_adv, atol=1e-6)


def test_critical_samples_noise_has_scale_beta():
    """alpha = 0 and a huge box: one step moves x by beta * N(0, 1), nothing else."""
    X = np.full((4000, 3), 0.5, np.float32)
    net = linear_model(np.zeros(3, np.float32), 1.0, 3)      # predicts class 1 everywhere: never critical
    critical, X_adv = critical_samples(net, X, radius=100.0, alpha=0.0, beta=0.3, steps=1, seed=0)
    z = (X_adv - X) / 0.3
    assert not critical.any()
    assert abs(z.mean()) < 0.05 and abs(z.std() - 1) < 0.03


@pytest.mark.parametrize("seed", [0, 3])
def test_lut_loo_expected_ties_equal_brute_force_counts(seed):
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 2, (80, 3))
    y = rng.integers(0, 2, 80)
    lut = Lut(seed=seed).fit(X, y)

    def correct(counts, label):
        own, other = counts[label], counts[1 - label]
        return 1.0 if own > other else 0.0 if own < other else 0.5
    expected = []
    for i in range(len(y)):
        rest = np.delete(np.arange(len(y)), i)
        row = int("".join(map(str, X[i])), 2)
        without = Lut(seed=seed).fit(X[rest], y[rest]).counts_[row]
        expected.append(correct(lut.counts_[row], y[i]) - correct(without, y[i]))
    np.testing.assert_array_equal(lut_loo_memorization(lut, X, y, ties="expected"), expected)
    assert 0.5 in np.abs(expected)


def test_gini_equals_the_pairwise_definition_exactly():
    for seed in range(3):
        x = np.random.default_rng(seed).exponential(size=37)
        pairs = np.abs(x[:, None] - x[None, :]).sum() / (2 * len(x) ** 2 * x.mean())
        assert gini(x) == pytest.approx(pairs, rel=1e-12)
