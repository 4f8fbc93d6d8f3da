"""Reproducible coin flips for table rows where the counts tie (unseen patterns included).

A lut's coin for pattern p is one bit of splitmix64(key + p * golden), where ``key`` is drawn
once per lut from the estimator's seeded generator. Being a pure function of (key, p), the same
coins come out of the numpy and the numba backends, in any order of evaluation.
"""
import numpy as np

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def coin_bits(key, patterns):
    """Return the tie-break bit (uint8 0/1) of each pattern for a lut with this 64-bit key.

    >>> coin_bits(np.uint64(7), np.arange(4)).tolist()
    [0, 0, 0, 1]
    """
    with np.errstate(over="ignore"):
        z = np.uint64(key) + np.asarray(patterns, dtype=np.uint64) * GOLDEN
        z = (z ^ (z >> np.uint64(30))) * _M1
        z = (z ^ (z >> np.uint64(27))) * _M2
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(63)).astype(np.uint8)


#: Rows whose coins are computed at once: bounds the uint64 temporaries of a large table.
COIN_CHUNK = 1 << 16


def table_from_counts(counts, key):
    """Majority vote of a (2^k, 2) count table; ties (seen or unseen) decided by the lut's coins.

    Returns (table, is_random) as uint8 and bool arrays of length 2^k.

    >>> table, coin = table_from_counts(np.array([[2, 1], [0, 3], [1, 1], [0, 0]]), np.uint64(7))
    >>> table.tolist(), coin.tolist(), coin_bits(np.uint64(7), [2, 3]).tolist()
    ([0, 1, 0, 1], [False, False, True, True], [0, 1])
    """
    n0, n1 = counts[:, 0], counts[:, 1]
    is_random = n0 == n1
    table = (n1 > n0).view(np.uint8)
    for start in range(0, len(table), COIN_CHUNK):
        rows = np.flatnonzero(is_random[start:start + COIN_CHUNK]) + start
        table[rows] = coin_bits(key, rows)
    return table, is_random
