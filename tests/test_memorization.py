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
