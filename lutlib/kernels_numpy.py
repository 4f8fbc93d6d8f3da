"""Layer kernels in plain numpy: one lut at a time, vectorized over examples.

Activations are stored features-major, ``A[feature, example]``, so the k input rows a lut
reads are contiguous. Pattern bits are read most significant first: inputs (x0, x1, x2) = (1, 0, 0)
is row 0b100 = 4, the order in which the book prints tables.
"""
import numpy as np

from ._tiebreak import table_from_counts


def addresses(A, wires):
    """Row index of every example for a lut reading inputs ``wires`` (MSB first)."""
    addr = np.zeros(A.shape[1], dtype=np.int64)
    for w in wires:
        addr <<= 1
        addr |= A[w]
    return addr


def fit_layer(A, y, wiring, keys, keep_counts=False):
    """Train every lut of a layer; return (tables, outputs on A, counts or None)."""
    n_luts, k = wiring.shape
    rows = 1 << k
    tables = np.empty((n_luts, rows), dtype=np.uint8)
    out = np.empty((n_luts, A.shape[1]), dtype=np.uint8)
    counts = np.empty((n_luts, rows, 2), dtype=np.int64) if keep_counts else None
    for j in range(n_luts):
        addr = addresses(A, wiring[j])
        c = np.bincount(addr * 2 + y, minlength=2 * rows).reshape(rows, 2)
        tables[j], _ = table_from_counts(c, keys[j])
        out[j] = tables[j][addr]
        if keep_counts:
            counts[j] = c
    return tables, out, counts


def predict_layer(A, wiring, tables):
    """Outputs of a trained layer on activations A."""
    out = np.empty((wiring.shape[0], A.shape[1]), dtype=np.uint8)
    for j in range(wiring.shape[0]):
        out[j] = tables[j][addresses(A, wiring[j])]
    return out
