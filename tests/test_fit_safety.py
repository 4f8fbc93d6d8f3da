"""What fit and predict promise beyond the learning rule: an interrupted refit loses nothing, memory
is refused up front (all of it), predict keeps only what it returns, and the tie rule on seen
patterns, the k limit and the column order of the tables are pinned by direct tests."""
import tracemalloc

import numpy as np
import pytest

import lutlib.lut
from lutlib import Lut, LutNetwork, NotFittedError, kernels_numpy, numba_available
from lutlib._memory import lut_fit_bytes, network_fit_bytes, network_predict_bytes
from lutlib._tiebreak import coin_bits, table_from_counts
from lutlib._validation import DEFAULT_MAX_TABLE_BYTES, MAX_K, check_k
from lutlib.data import three_bit_example

BACKENDS = ["numpy", pytest.param("numba", marks=pytest.mark.skipif(not numba_available(),
                                                                    reason="numba not installed"))]


def bits(rng, n, d):
    return rng.integers(0, 2, size=(n, d)).astype(np.uint8)


def kernel_module(backend):
    if backend == "numpy":
        return kernels_numpy
    from lutlib import kernels_numba
    return kernels_numba


# ---- an interrupted fit leaves the old model intact, or none ------------------------------------
def interrupt_on_call(monkeypatch, module, name, call):
    """Make module.name raise KeyboardInterrupt (as Jupyter's stop button does) on its call-th call."""
    real, calls = getattr(module, name), []

    def wrapped(*args, **kwargs):
        calls.append(1)
        if len(calls) == call:
            raise KeyboardInterrupt
        return real(*args, **kwargs)
    monkeypatch.setattr(module, name, wrapped)
    return calls


@pytest.mark.parametrize("backend", BACKENDS)
def test_interrupted_refit_on_a_wider_input_keeps_the_old_network(rng, monkeypatch, backend):
    X, y = bits(rng, 300, 16), rng.integers(0, 2, 300).astype(np.uint8)
    net = LutNetwork(hidden=(12, 8), k=3, seed=1, backend=backend, keep_counts=True).fit(X, y)
    before = net.predict(X), [w.copy() for w in net.wiring_], [t.copy() for t in net.tables_]
    wide = bits(rng, 300, 64)
    calls = interrupt_on_call(monkeypatch, kernel_module(backend), "fit_layer_eval", call=2)  # mid-network
    with pytest.raises(KeyboardInterrupt):
        net.fit(wide, y)
    assert len(calls) == 2, "the refit was interrupted after its first layer"
    assert net.n_features_in_ == 16 and len(net.counts_) == 3
    assert all(np.array_equal(a, b) for a, b in zip(before[1], net.wiring_))
    assert all(np.array_equal(a, b) for a, b in zip(before[2], net.tables_))
    assert np.array_equal(net.predict(X), before[0])
    with pytest.raises(ValueError, match="X has 64 features, but LutNetwork is expecting 16"):
        net.predict(wide)


def test_interrupted_first_fit_leaves_no_model(rng, monkeypatch):
    X, y = bits(rng, 100, 8), rng.integers(0, 2, 100).astype(np.uint8)
    net = LutNetwork(hidden=(4,), k=2, backend="numpy")
    interrupt_on_call(monkeypatch, kernels_numpy, "fit_layer_eval", call=2)
    with pytest.raises(KeyboardInterrupt):
        net.fit(X, y)
    assert not any(name.endswith("_") for name in vars(net)), vars(net).keys()
    with pytest.raises(NotFittedError):
        net.predict(X)


def test_interrupted_lut_refit_keeps_the_old_table(rng, monkeypatch):
    X, y = three_bit_example()
    lut = Lut(seed=0).fit(X, y)
    old = {name: np.copy(getattr(lut, name)) for name in ("counts_", "table_", "random_", "k_")}
    predicted = lut.predict(X)
    monkeypatch.setattr(lutlib.lut, "table_from_counts", lambda *a: (_ for _ in ()).throw(KeyboardInterrupt))
    with pytest.raises(KeyboardInterrupt):
        lut.fit(bits(rng, 50, 6), rng.integers(0, 2, 50))
    assert all(np.array_equal(getattr(lut, name), value) for name, value in old.items())
    assert np.array_equal(lut.predict(X), predicted)


@pytest.mark.parametrize("backend", BACKENDS)
def test_inconsistent_wiring_is_refused_not_read_out_of_bounds(rng, backend):
    X, y = bits(rng, 100, 8), rng.integers(0, 2, 100).astype(np.uint8)
    net = LutNetwork(hidden=(4,), k=2, backend=backend).fit(X, y)
    net.wiring_[0] = net.wiring_[0] + 100   # as a half-built refit on a wider input used to leave it
    with pytest.raises(ValueError, match="Layer 1 .* inconsistent: its wiring reads inputs 0..10[0-9] of a layer with 8"):
        net.predict(X)
    with pytest.raises(ValueError, match="inconsistent"):
        net.layer_outputs(X)


# ---- memory is refused up front, all of it ----------------------------------------------------
def test_k30_lut_is_refused_under_the_default_budget():
    X = np.zeros((1, 30), dtype=np.uint8)
    with pytest.raises(MemoryError, match=r"A lut with k=30 .* would need [\d,]+ bytes \(\d+\.\d\d GiB: .*counts "
                                          r"17,179,869,184.*over the budget of max_table_bytes=2,147,483,648"):
        Lut().fit(X, [1])


@pytest.mark.parametrize("backend", BACKENDS)
def test_counting_buffers_are_counted_per_thread(backend, monkeypatch):
    X, y = np.zeros((4, 30), dtype=np.uint8), [0, 1, 0, 1]
    if backend == "numba":   # int32 counts (2 x 2^k) and int32 addresses (n) in every thread
        per_lut = {30: 4 * 2 * 2**30 + 4 * 4, 29: 4 * 2 * 2**29 + 4 * 4}
    else:                    # int64 bincount, uint8 table + bool ties, coin chunk, three int64 address arrays
        per_lut = {k: 8 * 2 * 2**k + 2 * 2**k + 6 * 8 * 2**16 + 3 * 8 * 4 for k in (29, 30)}
    with pytest.raises(MemoryError, match=f"counting buffers {per_lut[30]:,}"):
        LutNetwork(hidden=(), k=30, backend=backend).fit(X, y)
    if backend == "numba":
        import numba
        monkeypatch.setattr(numba, "get_num_threads", lambda: 2)
        with pytest.raises(MemoryError, match=f"counting buffers {2 * per_lut[29]:,}"):
            LutNetwork(hidden=(29,), k=29, backend=backend).fit(X, y)   # two luts at once, two buffers


def test_activations_are_counted(rng):
    X, y = bits(rng, 1000, 32), rng.integers(0, 2, 1000).astype(np.uint8)
    need = network_fit_bytes(1000, 32, (1024, 1024, 1), 2, False, "numpy", 1)
    assert need["activations"] == 2048 * 1000
    with pytest.raises(MemoryError, match="activations 2,048,000"):
        LutNetwork(hidden=(1024, 1024), k=2, backend="numpy", max_table_bytes=sum(need.values()) - 1).fit(X, y)
    LutNetwork(hidden=(1024, 1024), k=2, backend="numpy", max_table_bytes=sum(need.values())).fit(X, y)


def test_layer_outputs_counts_every_layer_predict_does_not(rng):
    X, y = bits(rng, 2000, 16), rng.integers(0, 2, 2000).astype(np.uint8)
    net = LutNetwork(hidden=(256,) * 4, k=4, backend="numpy").fit(X, y)
    net.max_table_bytes = 1_500_000       # 4 x 256 x 2000 = 2 MB of layer outputs
    with pytest.raises(MemoryError, match="outputs of every layer"):
        net.layer_outputs(X)
    assert np.array_equal(net.predict(X), LutNetwork(hidden=(256,) * 4, k=4, backend="numpy").fit(X, y).predict(X))


def traced_peak(f):
    tracemalloc.start()
    try:
        f()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("n, k", [(20000, 16), (200000, 8), (1000, 20)])
def test_lut_estimate_covers_the_measured_peak(rng, n, k):
    X, y = bits(rng, n, k), rng.integers(0, 2, n).astype(np.uint8)
    peak, estimate = traced_peak(lambda: Lut().fit(X, y)), sum(lut_fit_bytes(n, k).values())
    assert peak <= estimate <= 3 * peak


@pytest.mark.parametrize("n, d, hidden, k", [(20000, 64, (256,) * 3, 8), (5000, 32, (64,), 14),
                                             (50000, 16, (32, 32), 4)])
def test_network_estimates_cover_the_measured_peaks(rng, n, d, hidden, k):
    X, y = bits(rng, n, d), rng.integers(0, 2, n).astype(np.uint8)
    net = LutNetwork(hidden=hidden, k=k, backend="numpy")
    sizes = hidden + (1,)
    peak, estimate = traced_peak(lambda: net.fit(X, y)), sum(network_fit_bytes(n, d, sizes, k, False, "numpy", 1).values())
    assert peak <= estimate <= 2 * peak
    peak = traced_peak(lambda: net.layer_outputs(X))
    assert peak <= sum(network_predict_bytes(n, d, sizes, "numpy", 1, keep_all=True).values()) <= 2 * peak


def test_predict_keeps_only_what_it_returns(rng, monkeypatch):
    n, d, hidden = 60000, 32, (256,) * 4
    X, y = bits(rng, n, d), rng.integers(0, 2, n).astype(np.uint8)
    net = LutNetwork(hidden=hidden, k=6, backend="numpy").fit(X, y)
    every_layer = traced_peak(lambda: net.layer_outputs(X))
    assert every_layer >= sum(hidden) * n                           # what predict used to keep
    monkeypatch.setattr(lutlib.network, "PREDICT_CHUNK_BYTES", 2**20)  # 1 MiB chunks: ~1,900 examples
    expected = net.layer_outputs(X)[-1][:, 0]
    peak = traced_peak(lambda: net.predict(X))
    assert np.array_equal(net.predict(X), expected)
    assert peak < n + 3 * 2**20, (peak, every_layer)                # the labels plus about one chunk


# ---- the tie rule on seen patterns, directly and on both backends ------------------------------
@pytest.mark.parametrize("backend", BACKENDS)
def test_seen_ties_take_the_luts_coin_and_majorities_win(backend):
    # one input bit, k=1: row 0 seen with labels (0, 1) -> tie; row 1 seen (1, 1, 1) -> n1 > n0
    A = np.array([[0, 0, 1, 1, 1]], dtype=np.uint8)
    y = np.array([0, 1, 1, 1, 1], dtype=np.uint8)
    keys = np.arange(1, 65, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    wiring = np.zeros((64, 1), dtype=np.int64)
    tables, out, counts = kernel_module(backend).fit_layer(A, y, wiring, keys, keep_counts=True)
    assert counts[:, 0].tolist() == [[1, 1]] * 64 and counts[:, 1].tolist() == [[0, 3]] * 64  # (n(y=0), n(y=1))
    coins = np.array([coin_bits(key, [0])[0] for key in keys])
    assert np.array_equal(tables[:, 0], coins), "a seen tie is decided by the lut's own coin"
    assert 10 < coins.sum() < 54, "the coins differ from lut to lut"
    assert (tables[:, 1] == 1).all(), "n1 > n0 gives 1 whatever the coin"
    assert np.array_equal(out[:, 0], coins) and (out[:, 2:] == 1).all()


def test_table_from_counts_tie_rule():
    counts = np.array([[2, 1], [1, 2], [3, 3], [0, 0], [5, 4]])
    for key in map(np.uint64, range(40)):
        table, coin = table_from_counts(counts, key)
        assert table[[0, 1, 4]].tolist() == [0, 1, 0] and coin.tolist() == [False, False, True, True, False]
        assert table[[2, 3]].tolist() == coin_bits(key, [2, 3]).tolist()


def test_lut_seen_tie_is_the_seeded_coin():
    X, y = three_bit_example()                      # row 110 is seen once with y=0 and once with y=1
    lut = Lut(seed=0).fit(X, y)
    key = np.random.default_rng(0).integers(0, 2**64, dtype=np.uint64)
    assert lut.counts_[0b110].tolist() == [1, 1] and lut.random_[0b110]
    assert int(lut.table_[0b110]) == int(coin_bits(key, [0b110])[0])


# ---- the k limit and the column order ----------------------------------------------------------
def test_k_limit_is_30():
    assert check_k(30, 100) == 30
    with pytest.raises(ValueError, match="k=31 is too large"):
        check_k(31, 100)
    with pytest.raises(ValueError, match="k=31 is too large"):  # refused as too large, not merely over budget
        Lut().fit(np.zeros((1, 31), dtype=np.uint8), [1])
    assert MAX_K == 30 and DEFAULT_MAX_TABLE_BYTES == 2**31


def test_table_columns_are_n0_then_n1_everywhere(rng):
    X, y = three_bit_example()                      # row 000: n(y=0) = 1, n(y=1) = 2
    lut = Lut(seed=0).fit(X, y)
    assert lut.counts_[0].tolist() == [1, 2]
    assert lut.to_rows()[0][:4] == ("000", 1, 2, 1)
    assert "n(y=0) | n(y=1) | f" in lut.to_text()
    assert "    000 |      1 |      2 | 1" in lut.to_text().splitlines()
    assert ("<th>n(y=0)</th><th>n(y=1)</th>" in lut._repr_html_()
            and "<td><code>000</code></td><td>1</td><td>2</td><td><b>1</b></td>" in lut._repr_html_())
    Xb, yb = bits(rng, 200, 6), rng.integers(0, 2, 200).astype(np.uint8)
    net = LutNetwork(hidden=(5,), k=3, backend="numpy", keep_counts=True).fit(Xb, yb)
    for wires, c in zip(net.wiring_[0], net.counts_[0]):
        rows = Xb[:, wires] @ np.array([4, 2, 1])
        assert c[:, 0].tolist() == np.bincount(rows[yb == 0], minlength=8).tolist()
        assert c[:, 1].tolist() == np.bincount(rows[yb == 1], minlength=8).tolist()
