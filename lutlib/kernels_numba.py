"""The same layer kernels fused and parallel with numba: one pass per lut counts, decides, looks up.

Each lut (a ``prange`` iteration) builds its row addresses, counts labels per row, takes the
majority (coins on ties, the same splitmix64 coins as ``_tiebreak``), writes its outputs on the
training set and, in the same iteration, on evaluation examples. Its hits on the training set
come from the counts (each row's majority count), those on evaluation sets from compares.
Row addresses are as narrow as k allows (uint8 for k <= 8, uint16 for k <= 16): less memory to
stream, four times more addresses per vector instruction than int32.
Results are bit-for-bit those of ``kernels_numpy``.
"""
import sys

import numpy as np

from . import threads

threads.set_environment_defaults()  # before numba starts its OpenMP threads: idle workers sleep

import numba  # noqa: E402  (after the OpenMP settings above)

from ._tiebreak import _M1, _M2, GOLDEN as _GOLDEN  # noqa: E402  one definition of the coins
from .kernels_numpy import eval_arguments, output_buffer  # noqa: E402  the same checks in both backends


@numba.njit(cache=True, inline="always")
def _coin(key, p):
    z = key + np.uint64(p) * _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    z = z ^ (z >> np.uint64(31))
    return np.uint8(z >> np.uint64(63))


@numba.njit(cache=True, inline="always")
def _addresses(A, wires, addr):
    # addr[i] = the bits A[wires[0], i] ... A[wires[k-1], i], most significant first. The first
    # k % 4 rows one at a time, then four rows per pass: a quarter of the passes over addr.
    n = A.shape[1]
    k = wires.shape[0]
    q = k % 4
    if q == 0:
        for i in range(n):
            addr[i] = 0
    else:
        first = A[wires[0]]
        for i in range(n):
            addr[i] = first[i]
        for r in range(1, q):
            row = A[wires[r]]
            for i in range(n):
                addr[i] = (addr[i] << 1) | row[i]
    for r in range(q, k, 4):
        a, b, c, d = A[wires[r]], A[wires[r + 1]], A[wires[r + 2]], A[wires[r + 3]]
        for i in range(n):
            addr[i] = (addr[i] << 4) | (a[i] << 3) | (b[i] << 2) | (c[i] << 1) | d[i]


@numba.njit(cache=True, inline="always")
def _look_up(t32, addr, out, n):
    # out[i] = t32[addr[i]] for i < n. The table is widened to int32 and the loop does nothing
    # else, so it compiles to vector gathers (with the label compares in the same loop, or a
    # loop bound read from an array, it ran 2-3 times slower).
    for i in range(n):
        out[i] = t32[np.int32(addr[i])]


@numba.njit(cache=True, inline="always")
def _matches(out, labels, start, stop):
    # How many of out[start:stop] equal labels[start:stop] (vector compares and adds).
    h = np.int32(0)
    for i in range(start, stop):
        h += np.int32(out[i] == labels[i])
    return h


@numba.njit(cache=True, inline="always")
def _count(addr, y, n, rows):
    # Label counts per row: c[2p + label].
    c = np.zeros(2 * rows, dtype=np.int32)
    for i in range(n):
        c[2 * addr[i] + y[i]] += 1
    return c


@numba.njit(cache=True, inline="always")
def _counter_indices(addr, y, n):
    # The counters' indices 2 * addr + label, made first in a vector loop (uint16: k <= 15), so
    # a scatter loop only loads an index and increments (addresses and counts of Experiment 1's
    # five layers: 326 to 281 ms CPU, 1 thread, A/B in one process).
    key = np.empty(n, dtype=np.uint16)
    for i in range(n):
        key[i] = (np.uint16(addr[i]) << 1) | y[i]
    return key


@numba.njit(cache=True, inline="always")
def _fold(c, step, lanes):
    # The sum of the lanes sub-histograms of c (each step counters long).
    total = c[:step].copy()
    for q in range(1, lanes):
        for p in range(step):
            total[p] += c[q * step + p]
    return total


@numba.njit(cache=True, inline="always")
def _count4(addr, y, n, rows):
    # The same with four sub-histograms taking turns, so a run of equal addresses (common in
    # deep layers, where most luts agree) does not wait on one counter; summed at the end.
    # Measured at k = 8, 1 thread: the five layers of Experiment 1 from 498 to 454 ms CPU.
    step = 2 * rows
    key = _counter_indices(addr, y, n)
    c = np.zeros(4 * step, dtype=np.int32)
    m = n - n % 4
    for i in range(0, m, 4):
        c[key[i]] += 1
        c[step + key[i + 1]] += 1
        c[2 * step + key[i + 2]] += 1
        c[3 * step + key[i + 3]] += 1
    for i in range(m, n):
        c[key[i]] += 1
    return _fold(c, step, 4)


@numba.njit(cache=True, inline="always")
def _count2(addr, y, n, rows):
    # Two sub-histograms taking turns, for k = 10 to 13: their counters (2 x 2 x 2^k int32,
    # 64 KiB at k = 12) are in the L2 cache, where four would not be.
    step = 2 * rows
    key = _counter_indices(addr, y, n)
    c = np.zeros(2 * step, dtype=np.int32)
    m = n - n % 2
    for i in range(0, m, 2):
        c[key[i]] += 1
        c[step + key[i + 1]] += 1
    for i in range(m, n):
        c[key[i]] += 1
    return _fold(c, step, 2)


@numba.njit(cache=True, inline="always")
def _decide(c, key, rows, t, t32):
    # Each row's majority (a coin on ties, empty rows included); returns the training examples
    # whose output will equal their label, from the counts. No branch: which count is larger
    # is unpredictable, and a mispredicted branch per row cost more than drawing every row's
    # coin (1 thread, 60,000 examples, per 1024-lut layer: k = 16 806 -> 305-319 ms,
    # k = 14 289 -> 164 ms; 6,000 examples, k = 16: 593 -> 123 ms).
    right = 0
    for p in range(rows):
        n0 = c[2 * p]
        n1 = c[2 * p + 1]
        bit = np.int32(n1 > n0) | (np.int32(n1 == n0) & np.int32(_coin(key, p)))
        t[p] = np.uint8(bit)
        t32[p] = bit
        right += n0 + (n1 - n0) * bit
    return right


@numba.njit(parallel=True, cache=True)
def _fit_layer(A, y, wiring, keys, tables, out, counts, keep_counts, E, y_eval, ends, out_eval, hits,
               proto):
    n_luts, k = wiring.shape
    rows = 1 << k
    lanes = 4 if k <= 9 else 2 if k <= 13 else 1   # sub-histograms: 4 while they fit in L1 (16 KiB)
    n, n_eval = A.shape[1], E.shape[1]
    for j in numba.prange(n_luts):
        addr = np.empty(max(n, n_eval), dtype=proto.dtype)
        _addresses(A, wiring[j], addr)
        if lanes == 4:
            c = _count4(addr, y, n, rows)
        elif lanes == 2:
            c = _count2(addr, y, n, rows)
        else:
            c = _count(addr, y, n, rows)
        key = keys[j]
        t = tables[j]
        t32 = np.empty(rows, dtype=np.int32)
        hits[j, 0] = _decide(c, key, rows, t, t32)
        _look_up(t32, addr, out[j], n)
        if keep_counts:
            for p in range(rows):
                counts[j, p, 0] = c[2 * p]
                counts[j, p, 1] = c[2 * p + 1]
        if n_eval > 0:
            _addresses(E, wiring[j], addr)
            o = out_eval[j]
            _look_up(t32, addr, o, n_eval)
            start = 0
            for s in range(ends.shape[0]):
                hits[j, 1 + s] = _matches(o, y_eval, start, ends[s])
                start = ends[s]


@numba.njit(parallel=True, cache=True)
def _predict_layer(A, wiring, tables, out, proto):
    n = A.shape[1]
    for j in numba.prange(wiring.shape[0]):
        addr = np.empty(n, dtype=proto.dtype)
        _addresses(A, wiring[j], addr)
        t32 = tables[j].astype(np.int32)   # int32 table: the lookups compile to vector gathers
        o = out[j]
        for i in range(n):
            o[i] = t32[np.int32(addr[i])]


@numba.njit(parallel=True, cache=True)
def _smallest_keys(keys, k, wiring):
    # wiring[r] = the indices of row r's k smallest keys, sorted; ties go to the lower index.
    for r in numba.prange(keys.shape[0]):
        row, idx = keys[r], wiring[r]
        best = np.empty(k)
        m = 0
        for i in range(keys.shape[1]):
            v = row[i]
            if m == k and v >= best[k - 1]:
                continue
            pos = m if m < k else k - 1
            while pos > 0 and best[pos - 1] > v:
                best[pos] = best[pos - 1]
                idx[pos] = idx[pos - 1]
                pos -= 1
            best[pos] = v
            idx[pos] = i
            m = min(m + 1, k)
        idx.sort()


def smallest_keys(keys, k):
    """Indices of the k smallest keys of each row, sorted; ties go to the lower index.

    The same as ``np.sort(np.argsort(keys, kind="stable")[:, :k])`` in one pass per row.

    >>> smallest_keys(np.array([[0.5, 0.1, 0.9, 0.3]]), 2).tolist()
    [[1, 3]]
    """
    wiring = np.empty((keys.shape[0], k), dtype=np.int64)
    _smallest_keys(np.ascontiguousarray(keys, dtype=np.float64), k, wiring)
    return wiring


@numba.njit(parallel=True, cache=True)
def _transpose(X, out):
    # out[f, i] = X[i, f], 64 examples at a time per thread (cache-friendly both ways)
    n, d = X.shape
    for b in numba.prange((n + 63) // 64):
        for f in range(d):
            for i in range(64 * b, min(n, 64 * b + 64)):
                out[f, i] = X[i, f]


_BYTE_SWAPS = ((np.uint64(8), np.uint64(0x00FF00FF00FF00FF), 1),
               (np.uint64(16), np.uint64(0x0000FFFF0000FFFF), 2),
               (np.uint64(32), np.uint64(0x00000000FFFFFFFF), 4))


@numba.njit(parallel=True, cache=True)
def _transpose_words(Xw, outw):
    # The same with 8 x 8 blocks of bytes held in eight uint64 words (little-endian): byte c of
    # word r is X[i + r, f + c]; three rounds of swaps (bytes, byte pairs, halves) make byte r of
    # word c equal to it. About 1 operation per byte instead of a load and a store.
    n, dw = Xw.shape
    for b in numba.prange((n + 63) // 64):
        w = np.empty(8, dtype=np.uint64)
        for i in range(64 * b, min(n, 64 * b + 64), 8):
            for g in range(dw):
                for r in range(8):
                    w[r] = Xw[i + r, g]
                for shift, mask, step in _BYTE_SWAPS:
                    for r in range(8):
                        if r & step == 0:
                            t = ((w[r] >> shift) ^ w[r + step]) & mask
                            w[r + step] ^= t
                            w[r] ^= t << shift
                for c in range(8):
                    outw[8 * g + c, i // 8] = w[c]


def features_major(X):
    """X (examples, features) uint8 as a C-contiguous (features, examples) array, in parallel.

    >>> features_major(np.array([[1, 0, 1], [0, 0, 1]], dtype=np.uint8)).tolist()
    [[1, 0], [0, 0], [1, 1]]
    """
    X = np.ascontiguousarray(X, dtype=np.uint8)
    out = np.empty(X.shape[::-1], dtype=np.uint8)
    if X.shape[0] % 8 == 0 and X.shape[1] % 8 == 0 and X.size and sys.byteorder == "little":
        _transpose_words(X.view(np.uint64), out.view(np.uint64))
    else:
        _transpose(X, out)
    return out


def _address_type(k):
    """An empty array of the narrowest unsigned type that holds a k-bit row address."""
    return np.empty(0, dtype=np.uint8 if k <= 8 else np.uint16 if k <= 16 else np.uint32)


def fit_layer_eval(A, y, wiring, keys, E=None, y_eval=None, ends=None, keep_counts=False, out=None):
    """Train every lut of a layer and, in the same pass, evaluate it.

    A : (fan_in, n) uint8 training activations (features-major); y : n labels 0/1.
    E : (fan_in, n_eval) uint8 evaluation activations or None; y_eval : n_eval labels (0/1);
    ends : cumulative ends of the evaluation sets inside E (default: one set, ``[n_eval]``).
    out : (n_luts, n) uint8 array to write the outputs on A into (a buffer no longer needed,
    saving a fresh allocation and its page faults), or None for a new one.

    Returns (tables, out, counts or None, out_eval, hits): out (n_luts, n) and out_eval
    (n_luts, n_eval) are the luts' outputs; hits (n_luts, 1 + len(ends)) counts, per lut, the
    outputs equal to the label on the training set (column 0) and on each evaluation set.

    >>> A = np.array([[0, 1, 1, 0]], dtype=np.uint8)
    >>> tables, out, _, out_eval, hits = fit_layer_eval(A, np.array([0, 1, 1, 0]), np.array([[0]]),
    ...     np.zeros(1, np.uint64), E=np.array([[1, 0]], np.uint8), y_eval=np.array([1, 1]))
    >>> tables.tolist(), out_eval.tolist(), hits.tolist()
    ([[0, 1]], [[1, 0]], [[4, 1]])
    """
    n_luts, k = wiring.shape
    E, y_eval, ends = eval_arguments(A, E, y_eval, ends)
    tables = np.empty((n_luts, 1 << k), dtype=np.uint8)
    out = output_buffer(out, A, n_luts)
    out_eval = np.empty((n_luts, E.shape[1]), dtype=np.uint8)
    hits = np.zeros((n_luts, 1 + len(ends)), dtype=np.int64)
    counts = np.empty((n_luts, 1 << k, 2) if keep_counts else (1, 1, 2), dtype=np.int64)
    _fit_layer(A, y, wiring, keys, tables, out, counts, keep_counts, E, y_eval, ends, out_eval, hits,
               _address_type(k))
    return tables, out, (counts if keep_counts else None), out_eval, hits


def fit_layer(A, y, wiring, keys, keep_counts=False):
    """Train every lut of a layer; return (tables, outputs on A, counts or None)."""
    tables, out, counts, _, _ = fit_layer_eval(A, y, wiring, keys, keep_counts=keep_counts)
    return tables, out, counts


def predict_layer(A, wiring, tables):
    """Outputs of a trained layer on activations A."""
    out = np.empty((wiring.shape[0], A.shape[1]), dtype=np.uint8)
    _predict_layer(A, wiring, tables, out, _address_type(wiring.shape[1]))
    return out
