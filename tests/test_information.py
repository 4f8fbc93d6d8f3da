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
