"""Layer kernels: training and evaluation in one pass, numba bit-identical to numpy at every k."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lutlib import kernels_numpy, numba_available
from lutlib.kernels_numpy import addresses

needs_numba = pytest.mark.skipif(not numba_available(), reason="numba not installed")


def layer_problem(seed, fan_in, n_luts, k, n, n_evals):
    rng = np.random.default_rng(seed)
    A = rng.integers(0, 2, size=(fan_in, n), dtype=np.uint8)
    y = rng.integers(0, 2, size=n).astype(np.uint8)
    wiring = np.sort(np.argsort(rng.random((n_luts, fan_in)), axis=1)[:, :k], axis=1).astype(np.int64)
    keys = rng.integers(0, 2**64, size=n_luts, dtype=np.uint64)
    E = rng.integers(0, 2, size=(fan_in, sum(n_evals)), dtype=np.uint8)
    y_eval = rng.integers(0, 2, size=sum(n_evals)).astype(np.uint8)
    return A, y, wiring, keys, E, y_eval, np.cumsum(n_evals)


@pytest.mark.parametrize("k", [1, 3, 8, 9, 12, 16, 17])
def test_one_pass_evaluation_is_what_separate_calls_give(k):
    """out_eval is predict_layer on E; hits count outputs equal to the labels, set by set."""
    A, y, wiring, keys, E, y_eval, ends = layer_problem(k, 20, 6, k, 300, [40, 0, 25])
    tables, out, _, out_eval, hits = kernels_numpy.fit_layer_eval(A, y, wiring, keys, E, y_eval, ends)
    assert np.array_equal(out_eval, kernels_numpy.predict_layer(E, wiring, tables))
    assert np.array_equal(out, kernels_numpy.predict_layer(A, wiring, tables))
    for j in range(len(wiring)):
        assert np.array_equal(tables[j][addresses(A, wiring[j])], out[j])
        assert hits[j, 0] == np.sum(out[j] == y)
        parts = np.split(out_eval[j] == y_eval, ends[:-1])
        assert hits[j, 1:].tolist() == [int(p.sum()) for p in parts]
    same = kernels_numpy.fit_layer(A, y, wiring, keys)
    assert np.array_equal(same[0], tables) and np.array_equal(same[1], out)


@needs_numba
@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10**6), st.integers(1, 17), st.integers(1, 9), st.integers(1, 400),
       st.lists(st.integers(0, 60), min_size=0, max_size=3), st.booleans())
def test_numba_and_numpy_kernels_are_identical(seed, k, n_luts, n, n_evals, keep):
    """Every address width (uint8 to k=8, uint16 to 16, uint32 above) against the numpy reference."""
    from lutlib import kernels_numba
    A, y, wiring, keys, E, y_eval, ends = layer_problem(seed, k + 3, n_luts, k, n, n_evals)
    if not n_evals:
        E = y_eval = ends = None
    a = kernels_numpy.fit_layer_eval(A, y, wiring, keys, E, y_eval, ends, keep_counts=keep)
    b = kernels_numba.fit_layer_eval(A, y, wiring, keys, E, y_eval, ends, keep_counts=keep)
    for x, z in zip(a, b):
        assert (x is None and z is None) or (np.array_equal(x, z) and x.dtype == z.dtype)
    assert np.array_equal(kernels_numba.predict_layer(A, wiring, a[0]),
                          kernels_numpy.predict_layer(A, wiring, a[0]))


@pytest.mark.parametrize("kernels", ["numpy", "numba"])
def test_bad_evaluation_arguments_are_refused(kernels):
    if kernels == "numba" and not numba_available():
        pytest.skip("numba not installed")
    from importlib import import_module
    fit_layer_eval = import_module(f"lutlib.kernels_{kernels}").fit_layer_eval
    A, y, wiring, keys, E, y_eval, ends = layer_problem(0, 10, 2, 3, 50, [5, 5])
    with pytest.raises(ValueError, match="fan_in=10"):
        fit_layer_eval(A, y, wiring, keys, E[:9], y_eval)
    with pytest.raises(ValueError, match="must hold E's 10 labels"):
        fit_layer_eval(A, y, wiring, keys, E, y_eval[:9])
    with pytest.raises(ValueError, match="rise to 10"):
        fit_layer_eval(A, y, wiring, keys, E, y_eval, [5, 9])
    with pytest.raises(ValueError, match="rise to 10"):
        fit_layer_eval(A, y, wiring, keys, E, y_eval, [7, 5, 10])


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_fit_scores_are_layer_scores_from_the_same_pass(backend):
    if backend == "numba" and not numba_available():
        pytest.skip("numba not installed")
    from lutlib import LutNetwork
    rng = np.random.default_rng(1)
    X = rng.integers(0, 2, size=(500, 30), dtype=np.uint8)
    y = np.where(X[:, 0] ^ X[:, 1], "b", "a")
    Xt, yt = X[:120] ^ (rng.random((120, 30)) < 0.1), y[:120]
    net = LutNetwork(hidden=(12, 6), k=3, seed=0, backend=backend).fit(X, y, eval_set=[(Xt, yt), (X[:50], y[:50])])
    assert net.fit_scores_ == [net.layer_scores(X, y), net.layer_scores(Xt, yt), net.layer_scores(X[:50], y[:50])]
    assert net.fit_scores_[0][-1]["mean"] == net.train_accuracy_
    plain = LutNetwork(hidden=(12, 6), k=3, seed=0, backend=backend).fit(X, y)
    assert all(np.array_equal(a, b) for a, b in zip(plain.tables_, net.tables_))
    with pytest.raises(ValueError, match="not one of the classes"):
        net.fit(X, y, eval_set=[(Xt, np.full(120, "c"))])


@needs_numba
@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), fan_in=st.integers(1, 60), n_rows=st.integers(1, 8),
       levels=st.sampled_from([3, 1000, None]), data=st.data())
def test_wiring_selection_is_the_same_in_both_backends_ties_included(seed, fan_in, n_rows, levels, data):
    """The k smallest keys per row, ties to the lower index: numba's one-pass selection equals
    numpy's stable argsort, also with many equal keys (levels=3), which argpartition would
    break arbitrarily."""
    from lutlib import kernels_numba
    k = data.draw(st.integers(1, fan_in))
    rng = np.random.default_rng(seed)
    keys = rng.random((n_rows, fan_in)) if levels is None else rng.integers(0, levels, (n_rows, fan_in)) / levels
    got = kernels_numba.smallest_keys(keys, k)
    assert np.array_equal(got, kernels_numpy.smallest_keys(keys, k))
    for row, wires in zip(keys, got):
        assert np.all(np.diff(wires) > 0)
        assert row[wires].max() <= np.delete(row, wires).min(initial=np.inf)


@needs_numba
@pytest.mark.parametrize("shape", [(1, 1), (63, 5), (64, 784), (130, 3), (1000, 1)])
def test_features_major_transposes_like_numpy(shape):
    from lutlib import kernels_numba
    X = np.random.default_rng(shape[0]).integers(0, 2, size=shape, dtype=np.uint8)
    for kernels in (kernels_numpy, kernels_numba):
        got = kernels.features_major(X)
        assert got.flags.c_contiguous and got.dtype == np.uint8
        assert np.array_equal(got, X.T)


# Whole networks: numba against numpy, and numba with 1 against 2 threads (in fresh processes,
# since numba's thread count is fixed at start). Shapes cover the uint64 transposition
# (examples and features multiples of 8), the byte loop, the four-lane counting (k <= 9) and
# the single counter (k > 9), tables with more rows than examples (k = 16), with and without
# evaluation sets and count tables.
NETWORK_CASES = [
    dict(n=800, d=64, hidden=(48, 32), k=8, eval_set=True, keep_counts=True),
    dict(n=803, d=61, hidden=(37, 101, 13), k=5, eval_set=True, keep_counts=False),
    dict(n=640, d=40, hidden=(64, 64), k=12, eval_set=False, keep_counts=True),
    dict(n=999, d=16, hidden=(9,), k=2, eval_set=True, keep_counts=True),
    dict(n=512, d=24, hidden=(20, 20), k=9, eval_set=True, keep_counts=False),
    dict(n=700, d=40, hidden=(24, 16), k=16, eval_set=True, keep_counts=True),  # most rows empty
]

NETWORK_SCRIPT = """
import hashlib, json, sys
import numpy as np
from lutlib import LutNetwork

def fingerprint(case, backend):
    rng = np.random.default_rng(case["n"] * 7 + case["k"])
    X = (rng.random((case["n"], case["d"])) < 0.3).astype(np.uint8)
    y = (X[:, : case["d"] // 2].sum(axis=1) > X[:, case["d"] // 2:].sum(axis=1)).astype(np.uint8)
    X_eval = X[:200] ^ (rng.random((200, case["d"])) < 0.1).astype(np.uint8)
    net = LutNetwork(hidden=case["hidden"], k=case["k"], seed=3, backend=backend,
                     keep_counts=case["keep_counts"])
    net.fit(X, y, eval_set=[(X_eval, y[:200]), (X[:56], y[:56])] if case["eval_set"] else None)
    digest = hashlib.sha256()
    for a in net.wiring_ + net.tables_ + net.counts_ + [net.predict(X_eval)] + net.layer_outputs(X[:64]):
        digest.update(str((a.dtype, a.shape)).encode())
        digest.update(np.ascontiguousarray(a).tobytes())
    digest.update(repr(net.fit_scores_).encode())
    return digest.hexdigest()

if __name__ == "__main__":
    import numba
    print(json.dumps({"threads": numba.get_num_threads(),
                      "digests": [fingerprint(c, "numba") for c in json.loads(sys.argv[1])]}))
"""


def network_fingerprints_in_process(threads, tmp_path):
    import json
    import os
    import subprocess
    import sys
    script = tmp_path / "fingerprint.py"
    script.write_text(NETWORK_SCRIPT)
    env = dict(os.environ, NUMBA_NUM_THREADS=str(threads))
    done = subprocess.run([sys.executable, str(script), json.dumps(NETWORK_CASES)], env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["threads"] == threads
    return result["digests"]


@needs_numba
def test_networks_are_identical_in_both_backends_and_with_1_or_2_threads(tmp_path):
    namespace = {}
    exec(NETWORK_SCRIPT, namespace)
    numpy_digests = [namespace["fingerprint"](case, "numpy") for case in NETWORK_CASES]
    assert len(set(numpy_digests)) == len(NETWORK_CASES)   # the cases really differ
    assert network_fingerprints_in_process(1, tmp_path) == numpy_digests
    assert network_fingerprints_in_process(2, tmp_path) == numpy_digests


@needs_numba
@pytest.mark.parametrize("shape", [(8, 8), (72, 16), (64, 8), (16, 800), (8, 7), (7, 8)])
def test_features_major_word_transposition_covers_every_byte(shape):
    """Byte values 0..255 (not only bits), so a swapped or shifted byte cannot go unnoticed."""
    from lutlib import kernels_numba
    X = np.random.default_rng(sum(shape)).integers(0, 256, size=shape, dtype=np.uint8)
    assert np.array_equal(kernels_numba.features_major(X), X.T)
    assert np.array_equal(kernels_numba.features_major(X[:, ::-1]), X[:, ::-1].T)


@pytest.mark.parametrize("kernels", ["numpy", "numba"])
def test_outputs_written_into_a_given_buffer_are_the_same_and_bad_buffers_are_refused(kernels):
    if kernels == "numba" and not numba_available():
        pytest.skip("numba not installed")
    from importlib import import_module
    fit_layer_eval = import_module(f"lutlib.kernels_{kernels}").fit_layer_eval
    A, y, wiring, keys, E, y_eval, ends = layer_problem(2, 10, 10, 3, 50, [5, 5])
    fresh = fit_layer_eval(A, y, wiring, keys, E, y_eval, ends)
    buffer = np.full((10, 50), 7, dtype=np.uint8)
    given = fit_layer_eval(A, y, wiring, keys, E, y_eval, ends, out=buffer)
    assert given[1] is buffer
    assert all(np.array_equal(a, b) for a, b in zip(fresh, given) if a is not None)
    for bad in (np.empty((10, 49), np.uint8), np.empty((10, 50), np.int64), np.empty((50, 10), np.uint8).T, A, [[0]]):
        with pytest.raises(ValueError, match="out must be"):
            fit_layer_eval(A, y, wiring, keys, out=bad)


def test_a_fit_leaves_the_callers_array_alone_when_it_is_the_features_major_input():
    """With one input bit, X (n, 1) transposed is a view of X itself in the numpy backend; the
    fit must not write a later layer's outputs (same shape) into it."""
    from lutlib import LutNetwork
    X = np.random.default_rng(4).integers(0, 2, size=(300, 1), dtype=np.uint8)
    y = X[:, 0] ^ X[::-1, 0]
    before = X.copy()
    net = LutNetwork(hidden=(1, 1, 1, 1), k=1, seed=0, backend="numpy").fit(X, y)
    assert np.array_equal(X, before)
    assert net.train_accuracy_ == LutNetwork(hidden=(1, 1, 1, 1), k=1, seed=0).fit(before, y).train_accuracy_
