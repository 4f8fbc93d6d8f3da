"""Input checks for lutlib.nn: clear errors instead of silent garbage or crashes deep in numpy."""
import numbers

import numpy as np


def check_features(X, name="X"):
    """Return X as a C-contiguous 2-D float32 array of finite numbers, or raise.

    >>> check_features([[0, 1], [2, 3]]).dtype
    dtype('float32')
    """
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (examples x features); got shape {X.shape}. "
                         "Images? Flatten and scale them, e.g. lutlib.data.scale(images).")
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"{name} is empty (shape {X.shape}).")
    if X.dtype == bool or not (np.issubdtype(X.dtype, np.integer) or np.issubdtype(X.dtype, np.floating)):
        raise TypeError(f"{name} must hold real numbers; got dtype {X.dtype}.")
    with np.errstate(over="ignore"):          # too large for float32 becomes inf, reported below
        X = np.ascontiguousarray(X, dtype=np.float32)
    if not np.isfinite(X).all():
        i, j = np.argwhere(~np.isfinite(X))[0]
        raise ValueError(f"{name} contains {X[i, j]} at row {i}, column {j} (or is too large for float32); "
                         "every feature must be a finite number.")
    return X


def check_int_labels(y, n_examples, n_classes=None, name="y"):
    """Return y as a 1-D int64 array of class indices 0..n_classes-1, or raise.

    >>> check_int_labels([0, 2, 1.0], 3, n_classes=3).tolist()
    [0, 2, 1]
    """
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of class indices; got shape {y.shape}.")
    if y.shape[0] != n_examples:
        raise ValueError(f"{name} has {y.shape[0]} labels but X has {n_examples} examples.")
    if y.dtype == bool:
        y = y.astype(np.int64)
    if not (np.issubdtype(y.dtype, np.integer) or np.issubdtype(y.dtype, np.floating)):
        raise TypeError(f"{name} must hold integer class indices 0, 1, 2, ...; got dtype {y.dtype}.")
    if np.issubdtype(y.dtype, np.floating):
        bad = ~np.isfinite(y) | (y != np.round(y))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(f"{name} must hold integer class indices; found {y[i].item()!r} at index {i}.")
    if not len(y):
        return y.astype(np.int64)
    # Checked before the cast to int64, so that a label such as 1e20 is reported as itself.
    if y.min() < 0:
        i = int(np.argmin(y))
        raise ValueError(f"{name} must hold class indices >= 0; found {y[i].item()!r} at index {i}.")
    i = int(np.argmax(y))
    if n_classes is not None and y[i] >= n_classes:
        raise ValueError(f"{name} has label {y[i].item()!r} at index {i}, out of range for n_classes={n_classes} "
                         f"(labels must be 0..{n_classes - 1}).")
    if y[i] >= 2**62:
        raise ValueError(f"{name} has label {y[i].item()!r} at index {i}: too large for a class index "
                         "(labels must be 0, 1, 2, ... up to the number of classes - 1).")
    return y.astype(np.int64)


def check_unit_mask(mask, n, width, layer):
    """A unit mask as float32, (width,) or (n, width); 0/1 or bool values."""
    m = np.asarray(mask)
    if m.shape not in ((width,), (n, width)):
        raise ValueError(f"unit_mask for hidden layer {layer} must have shape ({width},) or ({n}, {width}); "
                         f"got {m.shape}.")
    if m.dtype != bool and not np.isin(m, (0, 1)).all():
        raise ValueError(f"unit_mask for hidden layer {layer} must hold 0/1 or True/False values.")
    return m.astype(np.float32)


def _is_real(v):
    """A real number (Python or numpy scalar: np.float32, np.int64, ...), not a bool."""
    return isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_))


def _positive_int(name, v):
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
        raise ValueError(f"{name} must be a positive integer; got {v!r}.")


def check_hyperparameters(net):
    """Raise a ValueError naming the first constructor parameter of an MLP that is out of range."""
    try:
        hidden = tuple(net.hidden)
    except TypeError:
        raise ValueError(f"hidden must be a tuple of layer widths, e.g. (512,); got {net.hidden!r}.") from None
    for w in hidden:
        _positive_int("every hidden layer width", w)
    _positive_int("batch_size", net.batch_size)
    _positive_int("epochs", net.epochs)
    if net.blas_threads is not None:
        _positive_int("blas_threads", net.blas_threads)
    if net.n_classes is not None:
        _positive_int("n_classes", net.n_classes)
    if net.optimizer not in ("sgd", "adam"):
        raise ValueError(f"optimizer must be 'sgd' or 'adam'; got {net.optimizer!r}.")
    if net.lr is not None and not (_is_real(net.lr) and np.isfinite(net.lr) and net.lr > 0):
        raise ValueError(f"lr must be a positive finite number (or None for the default); got {net.lr!r}.")
    ranges = {"momentum": (net.momentum, 0, 1), "dropout": (net.dropout, 0, 1)}
    for name, (v, lo, hi) in ranges.items():
        if not (_is_real(v) and lo <= v < hi):
            raise ValueError(f"{name} must be a number in [{lo}, {hi}); got {v!r}.")
    for name in ("weight_decay", "input_noise"):
        v = getattr(net, name)
        if not (_is_real(v) and np.isfinite(v) and v >= 0):
            raise ValueError(f"{name} must be a finite number >= 0; got {v!r}.")


def weight_bytes(sizes, optimizer, max_bytes):
    """Bytes of float32 weights + initial snapshot + optimizer state; raise MemoryError over budget.

    >>> weight_bytes((784, 512, 10), "sgd", 2**31)
    4884600
    """
    n_params = sum((m + 1) * n for m, n in zip(sizes[:-1], sizes[1:]))
    copies = 2 + (2 if optimizer == "adam" else 1)   # weights, initial snapshot, optimizer state
    n_bytes = 4 * n_params * copies
    if n_bytes > max_bytes:
        raise MemoryError(f"An MLP with layer sizes {sizes} has {n_params:,} parameters and would need "
                          f"{n_bytes:,} bytes ({n_bytes / 2**30:.2f} GiB) for weights and optimizer state, over "
                          f"max_weight_bytes={max_bytes:,}. Use narrower layers or fewer classes, or raise "
                          "max_weight_bytes.")
    return n_bytes


def check_record(record, sensitivity, n):
    """Indices of the examples to record (None: none), from fit's ``record`` and ``sensitivity``.

    >>> check_record("all", False, 3).tolist(), check_record(None, False, 3)
    ([0, 1, 2], None)
    """
    if record is None and not sensitivity:
        return None
    if record is None or (isinstance(record, str) and record == "all"):
        return np.arange(n)
    idx = np.asarray(record)
    if idx.ndim != 1 or not np.issubdtype(idx.dtype, np.integer) or len(idx) == 0:
        raise ValueError(f"record must be None, 'all' or a 1-D array of example indices; got {record!r}.")
    if idx.min() < 0 or idx.max() >= n or len(np.unique(idx)) != len(idx):
        raise ValueError(f"record indices must be distinct and in 0..{n - 1}.")
    return idx
