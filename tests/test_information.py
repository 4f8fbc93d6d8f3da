"""lutlib.information: exact entropies and mutual informations, and the iterative IB."""
import numpy as np
import pytest

from lutlib.information import (codes, conditional_entropy, entropy, information_bottleneck,
                                joint_distribution, mutual_information)


def test_known_entropies():
    assert entropy([3, 3, 3]) == 0.0
    assert entropy([0, 1, 2, 3, 4, 5, 6, 7]) == pytest.approx(3.0)
    assert entropy([0, 0, 0, 1]) == pytest.approx(-(0.75 * np.log2(0.75) + 0.25 * np.log2(0.25)))


def test_rows_and_codes_agree():
    rng = np.random.default_rng(0)
    bits = rng.integers(0, 2, size=(500, 5))
    as_int = bits @ (2 ** np.arange(5))
    assert entropy(bits) == pytest.approx(entropy(as_int))
    wide = rng.integers(0, 3, size=(200, 20))                   # not bits: rows compared as they are
    assert entropy(wide) == pytest.approx(np.log2(len(np.unique(wide, axis=0))))
    assert codes(np.array([[True, False], [True, False]])).tolist() == [0, 0]


def test_independent_variables_give_zero():
    x = np.repeat(np.arange(4), 6)           # every pair (x, y) equally often: exactly independent
    y = np.tile(np.arange(6), 4)
    assert mutual_information(x, y) == pytest.approx(0.0, abs=1e-12)
    assert conditional_entropy(x, given=y) == pytest.approx(entropy(x))


def test_self_information_is_entropy_and_chain_rule():
    rng = np.random.default_rng(1)
    x = rng.integers(0, 7, size=1000)
    y = (x + rng.integers(0, 2, size=1000)) % 7
    assert mutual_information(x, x) == pytest.approx(entropy(x))
    assert entropy(x, y) == pytest.approx(entropy(y) + conditional_entropy(x, given=y))
    assert mutual_information(x, y) == pytest.approx(entropy(x) - conditional_entropy(x, given=y))
    assert 0 < mutual_information(x, y) < entropy(x)


def test_data_processing_inequality_on_a_random_markov_chain():
    rng = np.random.default_rng(2)
    n = 5000
    y = rng.integers(0, 4, size=n)
    x = (y * 3 + rng.integers(0, 5, size=n)) % 12              # Y -> X: noisy
    t1 = (x + (rng.random(n) < 0.2)) // 2                        # X -> T1: noise, then merging
    t2 = t1 // 2                                                  # T1 -> T2: a function
    chain = [mutual_information(y, v) for v in (x, t1, t2)]
    assert chain[0] >= chain[1] >= chain[2] > 0
    assert mutual_information(x, t2) <= mutual_information(x, t1) + 1e-12


def test_joint_distribution():
    p = joint_distribution([0, 1, 1, 2], [1, 0, 0, 1])
    assert p.shape == (3, 2) and p.sum() == pytest.approx(1.0)
    assert p.tolist() == [[0.0, 0.25], [0.5, 0.0], [0.0, 0.25]]


def _random_joint(seed, n_x=24, n_y=3):
    return np.random.default_rng(seed).dirichlet(np.full(n_x * n_y, 0.5)).reshape(n_x, n_y)


def test_ib_reaches_i_xy_at_large_beta_and_nothing_at_small_beta():
    pxy = _random_joint(3)
    curve = information_bottleneck(pxy, np.geomspace(0.01, 1e4, 40))   # annealed: a sweep
    assert curve.i_xt[0] == pytest.approx(0.0, abs=1e-6) and curve.i_ty[0] == pytest.approx(0.0, abs=1e-6)
    assert curve.i_ty[-1] == pytest.approx(curve.i_xy, abs=1e-3)
    assert curve.i_xy == pytest.approx(mutual_information(*_samples(pxy)), abs=0.05)


def _samples(pxy, n=100_000):
    cells = np.random.default_rng(0).choice(pxy.size, size=n, p=pxy.ravel())
    return np.divmod(cells, pxy.shape[1])


def test_ib_curve_is_monotone_and_below_the_limits():
    pxy = _random_joint(4)
    curve = information_bottleneck(pxy, np.geomspace(0.5, 200, 25))
    assert np.all(np.diff(curve.i_xt) >= -1e-9) and np.all(np.diff(curve.i_ty) >= -1e-9)
    assert np.all(curve.i_ty <= curve.i_xy + 1e-9) and np.all(curve.i_xt <= curve.h_x + 1e-9)
    assert np.all(curve.i_ty <= curve.i_xt + 1e-9)              # DPI: I(T;Y) <= I(X;T)
    for enc in curve.encoders:
        assert np.allclose(enc.sum(axis=1), 1.0)


def test_ib_encoder_beats_a_random_encoder_on_the_lagrangian():
    pxy = _random_joint(5)
    beta = 20.0
    curve = information_bottleneck(pxy, [beta])
    rng = np.random.default_rng(0)
    px = pxy.sum(1)
    for _ in range(20):
        q = rng.dirichlet(np.ones(4), size=pxy.shape[0])
        pt = px @ q
        i_xt = np.sum(px[:, None] * q * np.log2(q / pt))
        pty = q.T @ pxy
        i_ty = np.sum(pty * np.log2(pty / (pt[:, None] * pxy.sum(0))))
        assert curve.i_xt[0] - beta * curve.i_ty[0] <= i_xt - beta * i_ty + 1e-9


def test_input_validation():
    with pytest.raises(TypeError, match="integers or bools"):
        entropy([0.5, 1.5])
    with pytest.raises(ValueError, match="1-D .* or 2-D"):
        entropy(np.zeros((2, 2, 2), dtype=int))
    with pytest.raises(ValueError, match="no examples"):
        entropy([])
    with pytest.raises(ValueError, match="same number of examples"):
        mutual_information([0, 1], [0, 1, 1])
    with pytest.raises(ValueError, match="at least one variable"):
        entropy()
    with pytest.raises(ValueError, match="sum to 1"):
        information_bottleneck([[0.5, 0.1]], [1.0])
    with pytest.raises(ValueError, match="non-negative"):
        information_bottleneck([[1.5, -0.5]], [1.0])
    with pytest.raises(ValueError, match="2-D array"):
        information_bottleneck([0.5, 0.5], [1.0])
    with pytest.raises(ValueError, match="positive numbers"):
        information_bottleneck([[0.5, 0.5]], [0.0, 1.0])
    with pytest.raises(ValueError, match="n_clusters"):
        information_bottleneck([[0.5, 0.5]], [1.0], n_clusters=0)


# ---------------------------------------------------------------------- independent references
from collections import Counter  # noqa: E402
from math import log2  # noqa: E402


def plain_entropy(*variables):
    """H of the empirical joint distribution, from a Counter of tuples."""
    rows = list(zip(*[[tuple(np.atleast_1d(v).tolist()) for v in var] for var in variables]))
    counts = Counter(rows)
    n = len(rows)
    return -sum(c / n * log2(c / n) for c in counts.values())


@pytest.mark.parametrize("seed", [0, 1])
def test_entropies_and_informations_equal_plain_counting(seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 5, 300)
    y = (x + rng.integers(0, 3, 300)) % 4
    bits = rng.integers(0, 2, (300, 3))
    few = rng.choice(np.array([[1, 2], [1, 1], [2, 1], [0, 2]]), size=300)   # rows of 0..2, few distinct
    for args in ((x,), (x, y), (bits,), (few,), (x, few), (bits, y)):
        assert entropy(*args) == pytest.approx(plain_entropy(*args), rel=1e-12, abs=1e-12)
    assert conditional_entropy(x, given=y) == pytest.approx(plain_entropy(x, y) - plain_entropy(y), rel=1e-12)
    pxy = Counter(zip(x.tolist(), y.tolist()))
    px, py = Counter(x.tolist()), Counter(y.tolist())
    n = len(x)
    mi = sum(c / n * log2((c / n) / (px[a] / n * py[b] / n)) for (a, b), c in pxy.items())
    assert mutual_information(x, y) == pytest.approx(mi, rel=1e-12)
    assert mutual_information(few, y) == pytest.approx(
        plain_entropy(few) + plain_entropy(y) - plain_entropy(few, y), rel=1e-12)
    p = joint_distribution(x, y)
    for (a, b), c in pxy.items():
        assert p[np.searchsorted(np.unique(x), a), np.searchsorted(np.unique(y), b)] == c / n
    assert p.sum() == pytest.approx(1.0) and np.count_nonzero(p) == len(pxy)


def plain_informations(q, pxy):
    """I(X;T) and I(T;Y) of encoder q(t|x), summed term by term."""
    px, py = pxy.sum(1), pxy.sum(0)
    pt = [sum(px[i] * q[i, t] for i in range(len(px))) for t in range(q.shape[1])]
    i_xt = sum(px[i] * q[i, t] * log2(q[i, t] / pt[t])
               for i in range(len(px)) for t in range(q.shape[1]) if px[i] * q[i, t] > 0)
    pty = [[sum(pxy[i, j] * q[i, t] for i in range(len(px))) for j in range(len(py))] for t in range(q.shape[1])]
    i_ty = sum(pty[t][j] * log2(pty[t][j] / (pt[t] * py[j]))
               for t in range(q.shape[1]) for j in range(len(py)) if pty[t][j] > 0)
    return i_xt, i_ty


def ib_update(q, pxy, beta):
    """One self-consistent IB update (Tishby et al. 1999), written out with loops."""
    px = pxy.sum(1)
    n_x, n_t = q.shape
    pt = np.array([sum(px[i] * q[i, t] for i in range(n_x)) for t in range(n_t)])
    py_x = pxy / px[:, None]
    new = np.zeros_like(q)
    for i in range(n_x):
        for t in range(n_t):
            if pt[t] == 0:
                continue
            py_t = np.array([sum(pxy[a, j] * q[a, t] for a in range(n_x)) / pt[t] for j in range(pxy.shape[1])])
            kl = sum(py_x[i, j] * log2(py_x[i, j] / py_t[j]) for j in range(pxy.shape[1]) if py_x[i, j] > 0)
            new[i, t] = pt[t] * np.exp(-beta * kl * np.log(2))   # exp(-beta KL) with the KL in nats
        new[i] /= new[i].sum()
    return new


@pytest.mark.parametrize("beta", [1.5, 4.0, 30.0])
def test_ib_results_are_fixed_points_and_their_informations(beta):
    pxy = _random_joint(7, n_x=6, n_y=3)
    curve = information_bottleneck(pxy, [beta], n_iter=5000, tol=1e-13)
    q = curve.encoders[0]
    np.testing.assert_allclose(ib_update(q, pxy, beta), q, atol=1e-6)
    i_xt, i_ty = plain_informations(q, pxy)
    assert curve.i_xt[0] == pytest.approx(i_xt, abs=1e-12) and curve.i_ty[0] == pytest.approx(i_ty, abs=1e-12)


def test_ib_limits_betas_and_unseen_rows():
    pxy = _random_joint(8, n_x=5, n_y=2)
    pxy[2] = 0
    pxy /= pxy.sum()
    px, py = pxy.sum(1), pxy.sum(0)
    curve = information_bottleneck(pxy, [50.0, 0.05, 2.0])
    assert curve.betas.tolist() == [0.05, 2.0, 50.0]
    ref = information_bottleneck(pxy, [0.05, 2.0, 50.0])
    np.testing.assert_array_equal(curve.i_ty, ref.i_ty)
    assert curve.h_x == pytest.approx(-sum(p * log2(p) for p in px if p > 0), rel=1e-12)
    assert curve.i_xy == pytest.approx(sum(pxy[i, j] * log2(pxy[i, j] / (px[i] * py[j]))
                                           for i in range(5) for j in range(2) if pxy[i, j] > 0), rel=1e-12)
    for beta, i_xt, i_ty, q in zip(curve.betas, curve.i_xt, curve.i_ty, curve.encoders):
        assert q.shape == (5, 5) and not q[2].any() and np.allclose(np.delete(q, 2, axis=0).sum(1), 1)
        # no worse than the two trivial encoders: one cluster (L = 0) and T = X (L = H(X) - beta I(X;Y))
        assert i_xt - beta * i_ty <= min(0.0, curve.h_x - beta * curve.i_xy) + 1e-6
    assert curve.i_ty[-1] <= curve.i_xy + 1e-12 and curve.i_xt[0] < 1e-6
