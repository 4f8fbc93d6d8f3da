"""Memory estimates, in bytes, of fit and predict, made before anything is allocated.

Each estimate is a dict ``{part: bytes}`` for ``_validation.check_memory``. The numbers follow the
allocations in ``lut.py``, ``network.py`` and the two kernel modules; ``tests/test_memory.py``
checks them against the peak tracemalloc measures for the numpy code paths.

>>> lut_fit_bytes(n=1000, k=10)["counts"]
16384
"""

#: Bytes of temporaries per row in ``_tiebreak.table_from_counts`` (is_random, the uint8 table).
_TABLE_ROW_BYTES = 2
#: Upper bound of the coin temporaries in ``table_from_counts``: it works in chunks of 2^16 rows,
#: with a handful of uint64 arrays per chunk.
_COIN_CHUNK_BYTES = 6 * 8 * (1 << 16)


def _coin_bytes(k):
    return min(_COIN_CHUNK_BYTES, 6 * 8 * (1 << k))


def lut_fit_bytes(n, k):
    """A single lut fitted on n examples of k bits (numpy only)."""
    rows = 1 << k
    return {
        "input copy": n * k,              # the features-major copy of X
        "addresses": 3 * 8 * n,           # int64 addresses, addr * 2, addr * 2 + y
        "counts": 2 * 8 * rows,           # bincount, kept as counts_
        "tables": _TABLE_ROW_BYTES * rows,  # table_ and random_
        "coins": _coin_bytes(k),
    }


def _per_lut_scratch(backend, n, k):
    """Counting buffers one lut (one thread) uses while a layer is fitted."""
    rows = 1 << k
    if backend == "numba":
        return 4 * n + 4 * 2 * rows   # int32 addresses + int32 counts, per prange iteration
    # numpy: int64 addresses and addr * 2 + y (3 arrays of n), bincount (2^k x 2 int64), tie-break
    return 3 * 8 * n + 2 * 8 * rows + _TABLE_ROW_BYTES * rows + _coin_bytes(k)


def network_fit_bytes(n, n_inputs, sizes, k, keep_counts, backend, threads):
    """A network with layer widths ``sizes`` (output last) fitted on n examples of n_inputs bits."""
    widths = (n_inputs,) + tuple(sizes)
    n_luts = sum(sizes)
    concurrent = min(threads, max(sizes)) if backend == "numba" else 1
    return {
        "input copy": n * n_inputs,        # the features-major copy of X
        "tables": n_luts * (1 << k),
        "counts": n_luts * (1 << k) * 2 * 8 if keep_counts else 0,
        "wiring": n_luts * k * 8,
        "activations": max(a + b for a, b in zip(widths[:-1], widths[1:])) * n,  # a layer's input and output
        "counting buffers": concurrent * _per_lut_scratch(backend, n, k),
    }


def network_predict_bytes(n, n_inputs, sizes, backend, threads, keep_all=False):
    """predict (keep_all=False: only the previous layer is kept) or layer_outputs (keep_all=True)."""
    widths = (n_inputs,) + tuple(sizes)
    concurrent = min(threads, max(sizes)) if backend == "numba" else 1
    per_lut = 4 * n if backend == "numba" else 2 * 8 * n + n  # addresses (+ numpy's shift temp, lookup)
    if keep_all:
        activations = n_inputs * n + sum(sizes) * n
    else:
        activations = max(a + b for a, b in zip(widths[:-1], widths[1:])) * n
    return {
        "input copy": n * n_inputs,
        "activations": activations,
        "lookup buffers": concurrent * per_lut,
    }


def flip_sensitivity_bytes(n, n_inputs, sizes, k, backend, threads, layer_backend, layer_threads):
    """``memorization.flip_sensitivity`` on n examples of a network with layer widths ``sizes``.

    backend, threads: the flip propagation's ("numba" or "numpy"); layer_backend, layer_threads:
    the network's own kernels, which compute every layer's outputs first.

    >>> flip_sensitivity_bytes(10, 784, (1024, 1), 8, "numba", 1, "numba", 1)["addresses"]
    174160
    """
    n_luts, widest = sum(sizes), max(sizes)
    fan_ins = (n_inputs,) + tuple(sizes[:-1])
    outputs = network_predict_bytes(n, n_inputs, sizes, layer_backend, layer_threads, keep_all=True)
    parts = {f"layer outputs: {name}": v for name, v in outputs.items()}
    parts["addresses"] = 8 * n * n_luts + 9 * n * widest   # int64 addresses; one address bit's temporaries
    parts["flips"] = n * n_inputs
    if backend == "numba":
        parts["unit values"] = n * (n_inputs + n_luts)
        parts["kernel scratch"] = threads * 8 * (3 * n_luts + n_inputs)   # delta, front, cand per thread
        parts["reader lists"] = (n_luts << k) + 8 * 8 * n_luts * k       # the tables, and edges sorted by unit
    else:
        parts["changed inputs"] = n * sum(fan_ins)
        # one layer's step: the gathered rows of flags, (rows, luts, k) flags as int64, then a
        # handful of (rows, luts) int64 and bool arrays
        parts["propagation"] = n * (max(fan_ins) + widest * (9 * k + 5 * 8))
    return parts
