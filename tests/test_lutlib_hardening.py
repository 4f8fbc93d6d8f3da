"""Wrong-looking inputs get the right answer or a one-line error; memory is bounded before it is used.

binary_task, random_inputs, gini, critical_samples, information_bottleneck, memorization_scores,
easiness, check_bits and flip_sensitivity.
"""
import tracemalloc
import warnings

import numpy as np
import pytest

import lutlib._validation as validation
import lutlib.memorization as memorization
from lutlib import LutNetwork, numba_available
from lutlib.data import binary_task, random_inputs
from lutlib.information import information_bottleneck
from lutlib.memorization import critical_samples, easiness, flip_sensitivity, gini, memorization_scores
from lutlib.nn import MLP

BACKENDS = ["numpy"] + (["numba"] if numba_available() else [])


# ---------------------------------------------------------------------- data
def test_binary_task_refuses_text_labels_against_number_classes():
    with pytest.raises(TypeError, match=r"labels holds text and positive holds numbers, .*\['5', '1'\]"):
        binary_task(["5", "1"])
    with pytest.raises(TypeError, match="positive holds text and labels holds numbers"):
        binary_task([5, 1], positive=["5"])
    with pytest.raises(TypeError, match="labels holds text"):
        binary_task(np.array(["5", 1], dtype=object))
    assert binary_task(["5", "1"], positive=["5", "6"]).tolist() == [1, 0]
    assert binary_task(np.array([5, 1], dtype=object)).tolist() == [1, 0]
    assert binary_task([5.0, 1.0]).tolist() == [1, 0]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_random_inputs_on_scaled_images_is_noise_in_their_own_range_and_dtype(dtype):
    X = np.random.default_rng(0).uniform(0.1, 0.9, size=(400, 30)).astype(dtype)
    noisy, replaced = random_inputs(X, fraction=0.5, seed=1)
    assert noisy.dtype == dtype and replaced.sum() == 200
    assert np.array_equal(noisy[~replaced], X[~replaced])
    noise = noisy[replaced]
    assert noise.min() >= X.min() and noise.max() <= X.max()
    assert len(np.unique(noise)) > 0.9 * noise.size            # not rounded to 0/1
    assert abs(noise.mean() - X.mean()) < 0.01 and abs(noise.std() - X.std()) < 0.03  # clipping trims a little


def test_random_inputs_integer_and_bit_data():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(300, 20), dtype=np.uint8)
    noisy, replaced = random_inputs(images, fraction=1.0, seed=0)
    assert noisy.dtype == np.uint8 and replaced.all()
    assert abs(float(noisy.mean()) - float(images.mean())) < 3
    signed = rng.integers(-5, 6, size=(300, 20))
    noisy, _ = random_inputs(signed, seed=0)
    assert noisy.dtype == signed.dtype and noisy.min() >= -5 and noisy.max() <= 5 and noisy.min() < 0
    bits = (rng.random((300, 20)) < 0.3).astype(np.float32)
    noisy, _ = random_inputs(bits, seed=0)
    assert set(np.unique(noisy)) <= {0.0, 1.0} and abs(noisy.mean() - 0.3) < 0.03


@pytest.mark.parametrize("X, error, match", [
    (np.array([[0.5, np.nan]]), ValueError, "NaN or infinity"),
    (np.array([["a", "b"]]), TypeError, "must hold numbers"),
    (np.zeros((0, 3)), ValueError, "at least one example"),
])
def test_random_inputs_refuses_what_has_no_noise(X, error, match):
    with pytest.raises(error, match=match):
        random_inputs(X)


# ---------------------------------------------------------------------- memorization
def test_gini_near_the_float_limit():
    with warnings.catch_warnings():
        warnings.simplefilter("error")                          # no overflow warning either
        assert gini([1e308] * 2) == 0.0
        assert gini([0, 1e308]) == pytest.approx(0.5, rel=1e-15)
        assert gini([1e305] * 1000) == pytest.approx(0.0, abs=1e-12)
        x = np.random.default_rng(0).uniform(size=40)
        assert gini(x * 1.7e308) == pytest.approx(gini(x), rel=1e-12)


def linear_net(d=2):
    net = MLP(hidden=(), seed=0).fit(np.zeros((2, d), np.float32), [0, 1], epochs=1)
    net.coefs_[0][:] = 0
    net.coefs_[0][0] = [-1.0, 1.0]
    return net


@pytest.mark.parametrize("bounds, match", [((1, 0), "low < high"), ((0.5, 0.5), "low < high"),
                                           ((0, np.nan), "pair of finite numbers"), ((0,), "pair of finite"),
                                           ((0, 1, 2), "pair of finite"), ("01", "pair of finite")])
def test_critical_samples_refuses_a_reversed_or_broken_box(bounds, match):
    with pytest.raises(ValueError, match=match):
        critical_samples(linear_net(), np.zeros((3, 2), np.float32), bounds=bounds)


def test_critical_samples_bounds_still_clip():
    X = np.float32([[0.05, 0.5], [0.95, 0.5]])
    _, X_adv = critical_samples(linear_net(), X, radius=0.3, alpha=0.3, beta=0.0, steps=1, bounds=(0, 1))
    assert X_adv.min() >= 0 and X_adv.max() <= 1


@pytest.mark.parametrize("kw, match", [(dict(n_iter=0), "n_iter must be a positive int"),
                                       (dict(n_iter=1.5), "n_iter"), (dict(n_iter=True), "n_iter"),
                                       (dict(tol=-1e-9), "tol must be"), (dict(noise=np.inf), "noise must be"),
                                       (dict(noise="0.1"), "noise must be")])
def test_information_bottleneck_refuses_settings_that_do_nothing(kw, match):
    with pytest.raises(ValueError, match=match):
        information_bottleneck(np.array([[0.4, 0.1], [0.1, 0.4]]), [1.0], **kw)


def test_information_bottleneck_n_iter_one_is_accepted():
    curve = information_bottleneck(np.array([[0.4, 0.1], [0.1, 0.4]]), [1.0], n_iter=1)
    assert curve.i_ty.shape == (1,)


@pytest.mark.parametrize("func", [memorization_scores, easiness])
def test_examples_and_labels_must_agree(func):
    X = np.random.default_rng(0).integers(0, 2, (60, 6))
    with pytest.raises(ValueError, match=r"same number of examples; got X of shape \(60, 6\) and 50 labels"):
        func(LutNetwork(hidden=(4,), k=2), X, X[:50, 0], n_models=2) if func is memorization_scores else \
            func(LutNetwork(hidden=(4,), k=2), X, X[:50, 0], n_runs=2)
    with pytest.raises(ValueError, match="1-D array of labels"):
        func(LutNetwork(hidden=(4,), k=2), X, X[:, :2])


# ---------------------------------------------------------------------- memory
def test_check_bits_on_floats_allocates_no_mask_as_large_as_x(monkeypatch):
    X = np.random.default_rng(0).integers(0, 2, (4000, 784)).astype(np.float32)
    monkeypatch.setattr(validation, "CHECK_BLOCK_VALUES", 1 << 16)
    tracemalloc.start()
    bits = validation.check_bits(X)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert np.array_equal(bits, X) and bits.dtype == np.uint8
    assert peak <= X.size + 8 * (1 << 16) + 65536, peak          # the uint8 result and a few block masks
    X[3999, 783] = 0.5
    with pytest.raises(ValueError, match="found 0.5 at row 3999, column 783"):
        validation.check_bits(X)
    X[17, 3] = np.nan
    with pytest.raises(ValueError, match="contains NaN"):
        validation.check_bits(X)


@pytest.fixture(scope="module")
def wide_net():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 2, (600, 200)).astype(np.uint8)
    y = X[:, 0] ^ X[:, 1] ^ (rng.random(600) < 0.1)
    return LutNetwork(hidden=(256, 256), k=6, seed=0).fit(X, y), X


@pytest.mark.parametrize("backend", BACKENDS)
def test_flip_sensitivity_memory_estimate_covers_the_real_peak(wide_net, backend):
    """tracemalloc sees numpy's allocations (not numba's own, inside the kernel)."""
    net, X = wide_net
    flip_sensitivity(net, X[:5], backend=backend)                # compile, first-call caches
    tracemalloc.start()
    flip_sensitivity(net, X, backend=backend)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    layers = memorization._network_kernels(net.backend)
    how = (backend, memorization._numba_threads() if backend == "numba" else 1,
           memorization._network_name(layers), memorization._network_threads(layers))
    estimate = sum(memorization.flip_sensitivity_bytes(len(X), 200, (256, 256, 1), 6, *how).values()) + 8 * len(X)
    # numpy's bound assumes every lut of a layer is re-evaluated at once, which a few flips rarely cause
    assert peak <= estimate <= (2 if backend == "numba" else 4) * peak, (peak, estimate)


@pytest.mark.parametrize("backend", BACKENDS)
def test_flip_sensitivity_in_chunks_is_the_same_and_refuses_over_budget(wide_net, backend, monkeypatch):
    net, X = wide_net
    whole = flip_sensitivity(net, X, return_matrix=True, backend=backend)
    monkeypatch.setattr(memorization, "FLIP_CHUNK_BYTES", 1)     # one example at a time
    assert np.array_equal(flip_sensitivity(net, X[:50], return_matrix=True, backend=backend), whole[:50])
    assert np.array_equal(flip_sensitivity(net, X[:50], backend=backend), whole[:50].sum(axis=1))
    monkeypatch.setattr(memorization, "FLIP_CHUNK_BYTES", 64 * 2**20)
    tight = LutNetwork(**{**net.get_params(), "max_table_bytes": 200_000})
    tight.__dict__.update({k: v for k, v in net.__dict__.items() if k.endswith("_")})
    with pytest.raises(MemoryError, match=r"The flip sensitivity of 600 examples \(600 at a time\) would need"):
        flip_sensitivity(tight, X, backend=backend)
