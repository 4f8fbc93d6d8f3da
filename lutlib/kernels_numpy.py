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
    rows = 1 << k
    E, y_eval, ends = eval_arguments(A, E, y_eval, ends)
    tables = np.empty((n_luts, rows), dtype=np.uint8)
    out = output_buffer(out, A, n_luts)
    out_eval = np.empty((n_luts, E.shape[1]), dtype=np.uint8)
    hits = np.zeros((n_luts, 1 + len(ends)), dtype=np.int64)
    counts = np.empty((n_luts, rows, 2), dtype=np.int64) if keep_counts else None
    starts = np.concatenate([[0], ends[:-1]]).astype(np.int64)
    for j in range(n_luts):
        addr = addresses(A, wiring[j])
        c = np.bincount(addr * 2 + y, minlength=2 * rows).reshape(rows, 2)
        tables[j], _ = table_from_counts(c, keys[j])
        out[j] = tables[j][addr]
        hits[j, 0] = np.count_nonzero(out[j] == y)
        if keep_counts:
            counts[j] = c
        if E.shape[1]:
            out_eval[j] = tables[j][addresses(E, wiring[j])]
            right = (out_eval[j] == y_eval).astype(np.int64)
            hits[j, 1:] = [right[a:b].sum() for a, b in zip(starts, ends)]
    return tables, out, counts, out_eval, hits


def eval_arguments(A, E, y_eval, ends):
    """Checked (E, y_eval, ends) for fit_layer_eval; with E None, no evaluation set at all."""
    if E is None:
        return np.empty((A.shape[0], 0), dtype=np.uint8), np.empty(0, np.uint8), np.empty(0, np.int64)
    E = np.ascontiguousarray(E, dtype=np.uint8)
    if E.ndim != 2 or E.shape[0] != A.shape[0]:
        raise ValueError(f"E must be (fan_in={A.shape[0]}, n_eval) activations; got shape {E.shape}.")
    n_eval = E.shape[1]
    y_eval = np.zeros(n_eval, np.uint8) if y_eval is None else np.ascontiguousarray(y_eval)
    ends = np.array([n_eval] if ends is None else ends, dtype=np.int64).reshape(-1)
    if (y_eval.shape != (n_eval,) or len(ends) == 0 or ends[-1] != n_eval
            or np.any(np.diff(np.concatenate([[0], ends])) < 0)):
        raise ValueError(f"y_eval must hold E's {n_eval} labels and ends must rise to {n_eval}; "
                         f"got {y_eval.shape[0]} labels and ends {ends.tolist()}.")
    return E, y_eval, ends


def output_buffer(out, A, n_luts):
    """out itself if it is a writeable C-contiguous (n_luts, n) uint8 array apart from the
    activations A (fan_in, n); a new one if out is None.

    >>> output_buffer(None, np.zeros((4, 3), np.uint8), 2).shape
    (2, 3)
    """
    n = A.shape[1]
    if out is None:
        return np.empty((n_luts, n), dtype=np.uint8)
    if not (isinstance(out, np.ndarray) and out.shape == (n_luts, n) and out.dtype == np.uint8
            and out.flags.c_contiguous and out.flags.writeable) or np.may_share_memory(out, A):
        raise ValueError(f"out must be a writeable C-contiguous ({n_luts}, {n}) uint8 array apart "
                         f"from A; got {getattr(out, 'dtype', type(out).__name__)} "
                         f"{getattr(out, 'shape', '')}.")
    return out


def fit_layer(A, y, wiring, keys, keep_counts=False):
    """Train every lut of a layer; return (tables, outputs on A, counts or None)."""
    tables, out, counts, _, _ = fit_layer_eval(A, y, wiring, keys, keep_counts=keep_counts)
    return tables, out, counts


def features_major(X):
    """X (examples, features) as a C-contiguous uint8 (features, examples) array.

    >>> features_major(np.array([[1, 0, 1], [0, 0, 1]], dtype=np.uint8)).tolist()
    [[1, 0], [0, 0], [1, 1]]
    """
    return np.ascontiguousarray(X.T, dtype=np.uint8)


def smallest_keys(keys, k):
    """Indices of the k smallest keys of each row, sorted; ties go to the lower index.

    >>> smallest_keys(np.array([[0.5, 0.1, 0.9, 0.3]]), 2).tolist()
    [[1, 3]]
    """
    return np.sort(np.argsort(keys, axis=1, kind="stable")[:, :k], axis=1).astype(np.int64)


def predict_layer(A, wiring, tables):
    """Outputs of a trained layer on activations A."""
    out = np.empty((wiring.shape[0], A.shape[1]), dtype=np.uint8)
    for j in range(wiring.shape[0]):
        out[j] = tables[j][addresses(A, wiring[j])]
    return out
