"""Input checks shared by every estimator: clear errors instead of crashes deep inside numpy."""
import sys
import warnings

import numpy as np

#: Default memory budget of fit and predict, in bytes (2 GiB): tables, counts, counting
#: buffers (per thread), activations and outputs, estimated before anything is allocated.
DEFAULT_MAX_TABLE_BYTES = 2 * 1024**3
#: Largest k: a lut has 2^k rows, and the kernels address rows with 32-bit integers.
MAX_K = 30
#: check_bits validates X (when it is not already unsigned 0/1) in blocks of about this many
#: values, so its temporary masks take a few MB whatever the size of X.
CHECK_BLOCK_VALUES = 1 << 21


def _as_numbers(v, name):
    """np.asarray, refusing sparse matrices and complex numbers, reading object arrays as floats."""
    if hasattr(v, "tocsr") or hasattr(v, "sparse"):  # scipy.sparse / pandas sparse, without importing them
        raise TypeError(f"{name} is sparse: sparse input is not supported; pass a dense 0/1 array "
                        f"({name}.toarray()).")
    v = np.asarray(v)
    if np.iscomplexobj(v):
        raise ValueError(f"Complex data not supported: {name} must hold 0/1 values; got dtype {v.dtype}.")
    if v.dtype == object:
        try:
            v = v.astype(float)
        except (TypeError, ValueError) as e:
            raise TypeError(f"{name} has dtype object and holds something other than numbers ({e}).") from None
    return v


def check_bits(X, name="X"):
    """Return X as a C-contiguous 2-D uint8 array of 0/1 values, or raise a specific error.

    >>> check_bits([[0, 1], [1, 1]]).dtype
    dtype('uint8')
    """
    X = _as_numbers(X, name)
    if X.ndim != 2:
        raise ValueError(f"Reshape your data: {name} must be a 2-D array (examples x bits); got shape {X.shape}. "
                         "Images? Flatten and binarize them with lutlib.data.binarize(images).")
    if X.shape[0] == 0:
        raise ValueError(f"{name} is empty: 0 sample(s) (shape={X.shape}) while a minimum of 1 is required.")
    if X.shape[1] == 0:
        raise ValueError(f"{name} has no input bits: 0 feature(s) (shape={X.shape}) while a minimum of 1 is "
                         "required.")
    if X.dtype == bool:
        return np.ascontiguousarray(X, dtype=np.uint8)
    if not (np.issubdtype(X.dtype, np.integer) or np.issubdtype(X.dtype, np.floating)):
        raise TypeError(f"{name} must hold numbers 0/1; got dtype {X.dtype}.")
    if np.issubdtype(X.dtype, np.unsignedinteger) and X.max() <= 1:
        return np.ascontiguousarray(X, dtype=np.uint8)  # the common case, without a mask as large as X
    # Other dtypes are checked a block of rows at a time: the masks never grow with X.
    rows = max(1, CHECK_BLOCK_VALUES // X.shape[1])
    blocks = [(start, X[start:start + rows]) for start in range(0, X.shape[0], rows)]
    if np.issubdtype(X.dtype, np.floating) and not all(np.isfinite(b).all() for _, b in blocks):
        what = "NaN" if any(np.isnan(b).any() for _, b in blocks) else "infinity"
        raise ValueError(f"{name} contains {what}; it must hold 0/1 bits.")
    for start, block in blocks:
        bad = (block != 0) & (block != 1)
        if bad.any():
            i, j = np.argwhere(bad)[0]
            raise ValueError(f"{name} must be binary (0/1 bits); found {block[i, j].item()!r} at row {start + i}, "
                             f"column {j}. Binarize first, e.g. lutlib.data.binarize(images, threshold=0.5), "
                             "or sklearn.preprocessing.Binarizer in a pipeline.")
    return np.ascontiguousarray(X, dtype=np.uint8)


def check_labels(y, n_examples, name="y"):
    """Return y as a 1-D uint8 array of 0/1 labels (matching n_examples unless None), or raise.

    >>> check_labels([0, 1, 1], 3)
    array([0, 1, 1], dtype=uint8)
    """
    if y is None:
        raise ValueError(f"fit requires y to be passed, but the target {name} is None.")
    y = _as_numbers(y, name)
    if y.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of labels; got shape {y.shape}.")
    if n_examples is not None and y.shape[0] != n_examples:
        raise ValueError(f"{name} has {y.shape[0]} labels but X has {n_examples} examples.")
    if y.dtype == bool:
        return y.astype(np.uint8)
    if not (np.issubdtype(y.dtype, np.integer) or np.issubdtype(y.dtype, np.floating)):
        raise TypeError(f"{name} must hold labels 0/1; got dtype {y.dtype}.")
    if np.issubdtype(y.dtype, np.floating) and not (np.isfinite(y).all() and (y == np.round(y)).all()):
        raise ValueError(f"Unknown label type: {name} looks continuous (for example {y[y != np.round(y)][:1]}); "
                         "a lut classifies labels 0 and 1.")
    bad = (y != 0) & (y != 1)
    if bad.any():
        labels = np.unique(y)
        if len(labels) > 2:
            raise ValueError(f"Only binary classification is supported: {name} has {len(labels)} distinct labels "
                             f"{labels[:5].tolist()}; they must be 0 and 1. "
                             "For digits use lutlib.data.binary_task(labels).")
        i = int(np.flatnonzero(bad)[0])
        found = np.unique(y[bad])[:5].tolist()
        raise ValueError(f"{name} must contain only labels 0 and 1; found {found} (first at index {i}). "
                         "For digits use lutlib.data.binary_task(labels).")
    return y.astype(np.uint8)


def encode_labels(y, name="y"):
    """Return (codes, classes): y as 0/1 uint8 codes and the two labels they stand for.

    Labels 0/1 (or booleans) keep their meaning and ``classes`` is ``[0, 1]`` even if only one
    of them occurs (a lut still answers unseen patterns with a coin). Any other labels must be
    exactly two distinct values; code 1 stands for the larger, as in scikit-learn.

    >>> codes, classes = encode_labels(["cat", "dog", "dog"])
    >>> codes.tolist(), classes.tolist()
    ([0, 1, 1], ['cat', 'dog'])
    """
    if y is None:
        raise ValueError(f"fit requires y to be passed, but the target {name} is None.")
    if hasattr(y, "tocsr") or hasattr(y, "sparse"):
        raise TypeError(f"{name} is sparse: sparse input is not supported; pass a dense 1-D array.")
    y = np.asarray(y)
    if np.iscomplexobj(y):
        raise ValueError(f"Complex data not supported: {name} must hold class labels; got dtype {y.dtype}.")
    if y.ndim == 2 and y.shape[1] == 1:
        sk = sys.modules.get("sklearn.exceptions")  # scikit-learn's warning class when it is loaded
        warnings.warn("A column-vector y was passed when a 1d array was expected; using y.ravel().",
                      sk.DataConversionWarning if sk else UserWarning, stacklevel=4)
        y = y.ravel()
    if y.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of labels; got shape {y.shape}.")
    if y.dtype == object:
        try:
            y = y.astype(float)
        except (TypeError, ValueError):
            pass  # labels such as strings, kept as objects
    if y.dtype.kind == "f" and not (np.isfinite(y).all() and (y == np.round(y)).all()):
        raise ValueError(f"Unknown label type: {name} looks continuous (for example "
                         f"{float(y[~np.isfinite(y) | (y != np.round(y))][0])!r}); a lut classifies two classes.")
    if y.dtype.kind in "biuf" and ((y == 0) | (y == 1)).all():
        return y.astype(np.uint8), np.array([0, 1])
    try:
        classes = np.unique(y)
    except TypeError as e:
        raise ValueError(f"Unknown label type: the labels in {name} cannot be compared ({e}).") from None
    if len(classes) > 2:
        raise ValueError(f"Only binary classification is supported: {name} has {len(classes)} distinct labels "
                         f"{classes[:5].tolist()}{' ...' if len(classes) > 5 else ''}. "
                         "For digits use lutlib.data.binary_task(labels).")
    if len(classes) < 2:
        raise ValueError(f"{name} has a single class {classes.tolist()[0]!r}: give labels 0/1 (a lut then answers unseen "
                         "patterns with a coin) or exactly two classes.")
    return (y == classes[1]).astype(np.uint8), classes


def check_Xy(X, y):
    """Check the labels first (as scikit-learn does), then the bits, then that their lengths agree.

    Returns (X as uint8 bits, y as 0/1 codes, classes).

    >>> X, y, classes = check_Xy([[0, 1], [1, 1]], [True, False])
    >>> X.shape, y.tolist(), classes.tolist()
    ((2, 2), [1, 0], [0, 1])
    """
    y, classes = encode_labels(y)
    X = check_bits(X)
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"y has {y.shape[0]} labels but X has {X.shape[0]} examples.")
    return X, y, classes


def check_k(k, n_inputs, where="the input"):
    """Check that k is a positive int, at most MAX_K and at most the number of available inputs.

    >>> check_k(MAX_K + 1, 100)
    Traceback (most recent call last):
    ...
    ValueError: k=31 is too large: a lut has 2^k rows (2^31 = 2,147,483,648); the limit is k=30.
    """
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive integer; got {k!r}.")
    if k > MAX_K:
        raise ValueError(f"k={k} is too large: a lut has 2^k rows (2^{k} = {2**k:,}); the limit is k={MAX_K}.")
    if k > n_inputs:
        raise ValueError(f"k={k} is larger than {where}, which has only {n_inputs} bits (n_features={n_inputs}); "
                         "each lut needs k distinct inputs.")
    return int(k)


def check_seed(seed):
    """None (fresh entropy on every fit) or a non-negative int; returns a numpy Generator.

    >>> check_seed(-1)
    Traceback (most recent call last):
    ...
    ValueError: seed must be None or a non-negative integer; got -1.
    """
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
        raise ValueError(f"seed must be None or a non-negative integer; got {seed!r}.")
    return np.random.default_rng(seed)


def check_flag(value, name):
    """A parameter that must be True or False (not a string such as "no").

    >>> check_flag(np.True_, "keep_counts")
    True
    """
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False; got {value!r}.")
    return bool(value)


def check_budget(max_bytes):
    """The memory budget: a positive integer number of bytes.

    >>> check_budget(DEFAULT_MAX_TABLE_BYTES) == 2**31
    True
    """
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, (int, np.integer)) or max_bytes < 1:
        raise ValueError("max_table_bytes must be a positive integer number of bytes (the memory budget, "
                         f"default {DEFAULT_MAX_TABLE_BYTES:,} = 2 GiB); got {max_bytes!r}.")
    return int(max_bytes)


def check_hidden(hidden):
    """Hidden layer widths: a tuple or list of positive ints (``()`` for none); returns a tuple.

    >>> check_hidden([8, 4])
    (8, 4)
    """
    if not isinstance(hidden, (tuple, list)):
        raise ValueError(f"hidden must be a tuple of layer widths, e.g. (8,) for one layer of 8 luts "
                         f"or () for none; got {hidden!r}.")
    if any(isinstance(m, bool) or not isinstance(m, (int, np.integer)) or m < 1 for m in hidden):
        raise ValueError(f"hidden must be a tuple of positive layer widths; got {hidden!r}.")
    return tuple(int(m) for m in hidden)


def check_memory(parts, max_bytes, what):
    """Refuse up front work whose memory (a dict of name -> bytes) would exceed the budget.

    >>> check_memory({"tables": 10, "activations": 5}, 12, "A test")
    Traceback (most recent call last):
    ...
    MemoryError: A test would need 15 bytes (0.00 GiB: tables 10, activations 5), over the budget of max_table_bytes=12 bytes (0.00 GiB). Use a smaller k, fewer luts or fewer examples, or raise max_table_bytes.
    """
    total = int(sum(parts.values()))
    if total > max_bytes:
        detail = ", ".join(f"{name} {int(n):,}" for name, n in parts.items() if n)
        raise MemoryError(f"{what} would need {total:,} bytes ({total / 2**30:.2f} GiB: {detail}), over the "
                          f"budget of max_table_bytes={max_bytes:,} bytes ({max_bytes / 2**30:.2f} GiB). "
                          "Use a smaller k, fewer luts or fewer examples, or raise max_table_bytes.")
    return total
