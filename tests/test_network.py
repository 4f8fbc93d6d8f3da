"""Networks of luts: the paper's training rule, backend agreement, errors (scikit-learn: test_sklearn.py)."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lutlib import Lut, LutNetwork, numba_available
from lutlib.kernels_numpy import addresses

needs_numba = pytest.mark.skipif(not numba_available(), reason="numba not installed")


def parity_data(rng, n=600, d=32):
    X = rng.integers(0, 2, size=(n, d)).astype(np.uint8)
    return X, (X[:, 0] ^ X[:, 1]).astype(np.uint8)


@needs_numba
@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10**6), st.lists(st.integers(1, 12), min_size=0, max_size=3),
       st.integers(1, 5), st.integers(1, 300), st.booleans())
def test_numba_and_numpy_backends_are_identical(seed, hidden, k, n, keep):
    hidden = tuple(max(h, k) for h in hidden)
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 2, size=(n, 12)).astype(np.uint8)
    y = rng.integers(0, 2, size=n).astype(np.uint8)
    a = LutNetwork(hidden=hidden, k=k, seed=seed, backend="numpy", keep_counts=keep).fit(X, y)
    b = LutNetwork(hidden=hidden, k=k, seed=seed, backend="numba", keep_counts=keep).fit(X, y)
    for ta, tb, wa, wb in zip(a.tables_, b.tables_, a.wiring_, b.wiring_):
        assert np.array_equal(wa, wb) and np.array_equal(ta, tb)
    if keep:
        for ca, cb in zip(a.counts_, b.counts_):
            assert np.array_equal(ca, cb)
    Xt = rng.integers(0, 2, size=(50, 12)).astype(np.uint8)
    assert np.array_equal(a.predict(Xt), b.predict(Xt))
    assert a.train_accuracy_ == b.train_accuracy_


def test_training_follows_the_paper_layer_by_layer(rng):
    """Rebuild the network by hand with Lut: each lut fits the final label on its wired inputs,
    and a layer's training-set predictions are the next layer's input."""
    X, y = parity_data(rng, n=300, d=10)
    net = LutNetwork(hidden=(6, 4), k=3, seed=7, backend="numpy", keep_counts=True).fit(X, y)
    inputs = X
    for layer, (wiring, tables, counts) in enumerate(zip(net.wiring_, net.tables_, net.counts_)):
        assert all(len(set(w)) == 3 for w in wiring), "k distinct inputs per lut"
        outputs = []
        for j, wires in enumerate(wiring):
            by_hand = Lut().fit(inputs[:, wires], y)
            assert np.array_equal(by_hand.counts_, counts[j])
            decided = ~by_hand.random_
            assert np.array_equal(by_hand.table_[decided], tables[j][decided])
            outputs.append(tables[j][addresses(np.ascontiguousarray(inputs.T), wires)])
        inputs = np.stack(outputs, axis=1)
        assert np.array_equal(inputs, net.layer_outputs(X)[layer])
    assert net.train_accuracy_ == net.score(X, y)


def test_depth_learns_what_one_small_lut_cannot(rng):
    X = rng.integers(0, 2, size=(4000, 8)).astype(np.uint8)
    y = (X[:, :3].sum(axis=1) >= 2).astype(np.uint8)  # majority of 3 bits; a 2-input lut sees at most 2
    single = LutNetwork(hidden=(), k=2, seed=0).fit(X, y).score(X, y)
    deep = LutNetwork(hidden=(256,) * 3, k=2, seed=0).fit(X, y).score(X, y)
    assert deep > single + 0.05


def test_same_seed_same_network_other_seed_other_wiring(rng):
    X, y = parity_data(rng)
    a, b = LutNetwork(hidden=(16,), k=4, seed=3).fit(X, y), LutNetwork(hidden=(16,), k=4, seed=3).fit(X, y)
    c = LutNetwork(hidden=(16,), k=4, seed=4).fit(X, y)
    assert all(np.array_equal(p, q) for p, q in zip(a.tables_, b.tables_))
    assert not np.array_equal(a.wiring_[0], c.wiring_[0])


def test_layer_scores_shape_and_values(rng):
    X, y = parity_data(rng)
    net = LutNetwork(hidden=(8, 8), k=4, seed=0).fit(X, y)
    scores = net.layer_scores(X, y)
    assert [s["layer"] for s in scores] == [1, 2, "output"]
    assert [s["luts"] for s in scores] == [8, 8, 1]
    assert scores[-1]["mean"] == pytest.approx(net.score(X, y)) and scores[-1]["sd"] == 0
    for s in scores:
        assert s["min"] <= s["mean"] <= s["max"]


@pytest.mark.parametrize("params, message", [
    ({"k": 40}, "k=40 is too large"),
    ({"k": 31, "max_table_bytes": 2**62}, "k=31 is too large"),
    ({"k": 4, "hidden": (2,)}, "hidden layer 1"),
    ({"k": 0}, "positive integer"),
    ({"hidden": (4, -1)}, "positive layer widths"),
    ({"hidden": 8}, r"tuple of layer widths, e.g. \(8,\)"),
    ({"hidden": None}, "tuple of layer widths"),
    ({"seed": -1}, "seed must be None or a non-negative integer; got -1"),
    ({"seed": 1.5}, "seed must be"),
    ({"keep_counts": "no"}, "keep_counts must be True or False; got 'no'"),
    ({"max_table_bytes": None}, "max_table_bytes must be a positive integer"),
    ({"max_table_bytes": 0}, "max_table_bytes must be a positive integer"),
    ({"backend": "cuda"}, "backend must be"),
    ({"k": 12, "hidden": (1000,) * 3, "max_table_bytes": 10**6}, "bytes"),
])
def test_bad_parameters_get_clear_errors(rng, params, message):
    X, y = parity_data(rng, d=32)
    with pytest.raises((ValueError, MemoryError), match=message):
        LutNetwork(**{"hidden": (8,), "k": 2, **params}).fit(X, y)


def test_k_larger_than_the_input_is_refused(rng):
    X, y = parity_data(rng, d=6)
    with pytest.raises(ValueError, match=r"k=7 is larger than the input, which has only 6 bits \(n_features=6\)"):
        LutNetwork(hidden=(8,), k=7).fit(X, y)


def test_predict_checks_input_width(rng):
    X, y = parity_data(rng)
    net = LutNetwork(hidden=(4,), k=2).fit(X, y)
    with pytest.raises(ValueError, match="X has 10 features, but LutNetwork is expecting 32 features"):
        net.predict(X[:, :10])


def test_small_real_mnist(small_mnist):
    """3,000 real MNIST images: the network generalizes well above chance and the layers improve."""
    Xtr, ytr, Xte, yte = small_mnist
    net = LutNetwork(hidden=(256,) * 3, k=6, seed=0).fit(Xtr, ytr)
    test = net.score(Xte, yte)
    assert 0.75 < test < net.train_accuracy_ + 0.05
    means = [s["mean"] for s in net.layer_scores(Xte, yte)]
    assert means[0] < means[1] < means[2]
    rand = LutNetwork(hidden=(256,) * 3, k=6, seed=0).fit(Xtr, np.random.default_rng(0).permutation(ytr))
    assert rand.score(Xte, yte) < 0.6, "random labels do not generalize"
