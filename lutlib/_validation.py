"""Input checks shared by every estimator: clear errors instead of crashes deep inside numpy."""
import numpy as np

#: Default ceiling for the memory a model's tables may take, in bytes (2 GiB).
DEFAULT_MAX_TABLE_BYTES = 2 * 1024**3


def check_bits(X, name="X"):
    """Return X as a C-contiguous 2-D uint8 array of 0/1 values, or raise a specific error.

    >>> check_bits([[0, 1], [1, 1]]).dtype
    dtype('uint8')
    """
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (examples x bits); got shape {X.shape}. "
                         "Images? Flatten and binarize them with lutlib.data.binarize(images).")
    if X.shape[0] == 0:
        raise ValueError(f"{name} is empty: it has no examples (shape {X.shape}).")
    if X.shape[1] == 0:
        raise ValueError(f"{name} has no input bits (shape {X.shape}).")
    if X.dtype == bool:
        return np.ascontiguousarray(X, dtype=np.uint8)
    if not (np.issubdtype(X.dtype, np.integer) or np.issubdtype(X.dtype, np.floating)):
        raise TypeError(f"{name} must hold numbers 0/1; got dtype {X.dtype}.")
    bad = (X != 0) & (X != 1)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise ValueError(f"{name} must be binary (0/1 bits); found {X[i, j]!r} at row {i}, column {j}. "
                         "Binarize first, e.g. lutlib.data.binarize(images, threshold=0.5).")
    return np.ascontiguousarray(X, dtype=np.uint8)


def check_labels(y, n_examples, name="y"):
    """Return y as a 1-D uint8 array of 0/1 labels matching n_examples, or raise.

    >>> check_labels([0, 1, 1], 3)
    array([0, 1, 1], dtype=uint8)
    """
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of labels; got shape {y.shape}.")
    if y.shape[0] != n_examples:
        raise ValueError(f"{name} has {y.shape[0]} labels but X has {n_examples} examples.")
    if y.dtype == bool:
        return y.astype(np.uint8)
    if not (np.issubdtype(y.dtype, np.integer) or np.issubdtype(y.dtype, np.floating)):
        raise TypeError(f"{name} must hold labels 0/1; got dtype {y.dtype}.")
    bad = (y != 0) & (y != 1)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        found = np.unique(y[bad])[:5].tolist()
        raise ValueError(f"{name} must contain only labels 0 and 1; found {found} (first at index {i}). "
                         "For digits use lutlib.data.binary_task(labels).")
    return y.astype(np.uint8)


def check_k(k, n_inputs, where="the input"):
    """Check that k is a positive int no larger than the number of available inputs."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive integer; got {k!r}.")
    if k > n_inputs:
        raise ValueError(f"k={k} is larger than {where}, which has only {n_inputs} bits; "
                         "each lut needs k distinct inputs.")
    if k > 30:
        raise ValueError(f"k={k} is too large: a lut has 2^k rows (2^{k} = {2**k:,}).")
    return int(k)


def check_table_bytes(n_bytes, max_bytes, what):
    """Refuse up front a model whose tables would not fit the memory budget."""
    if n_bytes > max_bytes:
        raise MemoryError(f"{what} would need {n_bytes:,} bytes ({n_bytes / 2**30:.2f} GiB) of tables, "
                          f"over the budget of {max_bytes:,} bytes ({max_bytes / 2**30:.2f} GiB). "
                          "Use a smaller k or fewer luts, or raise max_table_bytes.")
