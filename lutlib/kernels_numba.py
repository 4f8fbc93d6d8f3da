"""The same layer kernels fused and parallel with numba: one pass to count, one to look up.

Each lut (a ``prange`` iteration) builds its row addresses, counts labels per row, takes the
majority (coins on ties, the same splitmix64 coins as ``_tiebreak``), and writes its outputs.
Results are bit-for-bit those of ``kernels_numpy``.
"""
import numba
import numpy as np

from ._tiebreak import _M1, _M2, GOLDEN as _GOLDEN  # one definition of the coins for both backends


@numba.njit(cache=True, inline="always")
def _coin(key, p):
    z = key + np.uint64(p) * _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    z = z ^ (z >> np.uint64(31))
    return np.uint8(z >> np.uint64(63))


@numba.njit(cache=True, inline="always")
def _addresses(A, wires, addr):
    n = A.shape[1]
    for i in range(n):
        addr[i] = 0
    for w in wires:
        row = A[w]
        for i in range(n):
            addr[i] = (addr[i] << 1) | row[i]


@numba.njit(parallel=True, cache=True)
def _fit_layer(A, y, wiring, keys, tables, out, counts, keep_counts):
    n_luts, k = wiring.shape
    rows = 1 << k
    n = A.shape[1]
    for j in numba.prange(n_luts):
        addr = np.empty(n, dtype=np.int32)
        _addresses(A, wiring[j], addr)
        c = np.zeros(2 * rows, dtype=np.int32)
        for i in range(n):
            c[2 * addr[i] + y[i]] += 1
        key = keys[j]
        for p in range(rows):
            n0 = c[2 * p]
            n1 = c[2 * p + 1]
            if n1 > n0:
                tables[j, p] = 1
            elif n0 > n1:
                tables[j, p] = 0
            else:
                tables[j, p] = _coin(key, p)
            if keep_counts:
                counts[j, p, 0] = n0
                counts[j, p, 1] = n1
        t = tables[j]
        for i in range(n):
            out[j, i] = t[addr[i]]


@numba.njit(parallel=True, cache=True)
def _predict_layer(A, wiring, tables, out):
    n = A.shape[1]
    for j in numba.prange(wiring.shape[0]):
        addr = np.empty(n, dtype=np.int32)
        _addresses(A, wiring[j], addr)
        t = tables[j]
        for i in range(n):
            out[j, i] = t[addr[i]]


def fit_layer(A, y, wiring, keys, keep_counts=False):
    """Train every lut of a layer; return (tables, outputs on A, counts or None)."""
    n_luts, k = wiring.shape
    tables = np.empty((n_luts, 1 << k), dtype=np.uint8)
    out = np.empty((n_luts, A.shape[1]), dtype=np.uint8)
    counts = np.empty((n_luts, 1 << k, 2) if keep_counts else (1, 1, 2), dtype=np.int64)
    _fit_layer(A, y, wiring, keys, tables, out, counts, keep_counts)
    return tables, out, (counts if keep_counts else None)


def predict_layer(A, wiring, tables):
    """Outputs of a trained layer on activations A."""
    out = np.empty((wiring.shape[0], A.shape[1]), dtype=np.uint8)
    _predict_layer(A, wiring, tables, out)
    return out
