"""Networks of lookup tables trained layer by layer, every lut aiming at the final label."""
import numpy as np

from . import kernels_numpy
from ._base import Estimator
from ._validation import DEFAULT_MAX_TABLE_BYTES, check_bits, check_k, check_labels, check_table_bytes


def numba_available():
    """True when the numba backend can be used."""
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


def _kernels(backend):
    if backend not in ("auto", "numba", "numpy"):
        raise ValueError(f"backend must be 'auto', 'numba' or 'numpy'; got {backend!r}.")
    if backend == "numpy" or (backend == "auto" and not numba_available()):
        return kernels_numpy
    if backend == "numba" and not numba_available():
        raise ImportError("backend='numba' needs numba: pip install numba (or use backend='numpy').")
    from . import kernels_numba
    return kernels_numba


class LutNetwork(Estimator):
    """Hidden layers of k-input luts and one output lut, as in Chatterjee (2018).

    Each lut reads k distinct inputs of the previous layer, chosen at random (the first hidden
    layer reads input bits). Layers are trained left to right; every lut's target is the final
    label y, and a trained layer's predictions on the training set are the next layer's input.

    Parameters
    ----------
    hidden : tuple of int
        Number of luts in each hidden layer; ``()`` gives a single lut on k random input bits.
    k : int
        Inputs per lut.
    seed : int
        Seeds the wiring and the coins of tied rows; same seed, same network.
    backend : {"auto", "numba", "numpy"}
        "numba" is fused and parallel; "numpy" runs anywhere. Both give identical networks.
    keep_counts : bool
        Keep every lut's (2^k, 2) count table in ``counts_`` (for small, explained networks).
    max_table_bytes : int
        Refuse, before training, networks whose tables exceed this many bytes.

    Attributes (after fit)
    ----------------------
    wiring_ : list of (n_luts, k) int arrays, the inputs each lut reads from the layer before.
    tables_ : list of (n_luts, 2^k) uint8 arrays, the learned functions; the last is the output lut.
    counts_ : list of (n_luts, 2^k, 2) arrays, only with keep_counts=True.

    Example
    -------
    >>> X = np.random.default_rng(0).integers(0, 2, size=(200, 16))
    >>> y = X[:, 0] ^ X[:, 1]
    >>> net = LutNetwork(hidden=(8,), k=4, seed=0).fit(X, y)
    >>> [t.shape for t in net.tables_]
    [(8, 16), (1, 16)]
    """

    def __init__(self, hidden=(1024,) * 5, k=8, seed=0, backend="auto", keep_counts=False,
                 max_table_bytes=DEFAULT_MAX_TABLE_BYTES):
        self.hidden = hidden
        self.k = k
        self.seed = seed
        self.backend = backend
        self.keep_counts = keep_counts
        self.max_table_bytes = max_table_bytes

    def _layer_sizes(self):
        hidden = tuple(self.hidden)
        if any(isinstance(m, bool) or not isinstance(m, (int, np.integer)) or m < 1 for m in hidden):
            raise ValueError(f"hidden must be a tuple of positive layer widths; got {self.hidden!r}.")
        return hidden + (1,)

    def fit(self, X, y):
        """Train the layers left to right on bits X and 0/1 labels y. Returns self."""
        X = check_bits(X)
        y = check_labels(y, X.shape[0])
        sizes = self._layer_sizes()
        kernels = _kernels(self.backend)
        widths = (X.shape[1],) + sizes
        for i, (fan_in, m) in enumerate(zip(widths[:-1], sizes)):
            where = "the input" if i == 0 else f"hidden layer {i} (width {fan_in})"
            check_k(self.k, fan_in, where=where)
        per_row = 1 + (16 if self.keep_counts else 0)
        check_table_bytes(sum(sizes) * (1 << self.k) * per_row, self.max_table_bytes,
                          f"A network of {sum(sizes):,} luts with k={self.k}")

        rng = np.random.default_rng(self.seed)
        self.wiring_, self.tables_, self.counts_ = [], [], []
        A = np.ascontiguousarray(X.T)
        for fan_in, m in zip(widths[:-1], sizes):
            wiring = _random_wiring(rng, m, fan_in, self.k)
            keys = rng.integers(0, 2**64, size=m, dtype=np.uint64)
            tables, A, counts = kernels.fit_layer(A, y, wiring, keys, keep_counts=self.keep_counts)
            self.wiring_.append(wiring)
            self.tables_.append(tables)
            if self.keep_counts:
                self.counts_.append(counts)
        self.n_features_in_ = X.shape[1]
        self.train_accuracy_ = float(np.mean(A[0] == y))
        return self

    def layer_outputs(self, X):
        """Outputs of every layer on X: a list of (n_examples, n_luts) uint8 arrays, output last."""
        self._check_fitted()
        X = check_bits(X)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} bits per example; the network was fitted on "
                             f"{self.n_features_in_}.")
        kernels = _kernels(self.backend)
        A = np.ascontiguousarray(X.T)
        outputs = []
        for wiring, tables in zip(self.wiring_, self.tables_):
            A = kernels.predict_layer(A, wiring, tables)
            outputs.append(A.T)
        return outputs

    def predict(self, X):
        """Predicted 0/1 label of each example."""
        return np.ascontiguousarray(self.layer_outputs(X)[-1][:, 0])

    def layer_scores(self, X, y):
        """Accuracy of every lut against y, summarized per layer.

        Returns a list of dicts, one per layer (output last), with keys
        ``layer`` (1-based; the output lut is ``"output"``), ``luts``, ``mean``, ``sd``, ``min``, ``max``.
        """
        outputs = self.layer_outputs(X)
        y = check_labels(y, outputs[0].shape[0])
        rows = []
        for i, out in enumerate(outputs):
            acc = (out == y[:, None]).mean(axis=0)
            rows.append({"layer": "output" if i == len(outputs) - 1 else i + 1, "luts": out.shape[1],
                         "mean": float(acc.mean()), "sd": float(acc.std()),
                         "min": float(acc.min()), "max": float(acc.max())})
        return rows


def _random_wiring(rng, n_luts, fan_in, k):
    """k distinct random inputs (sorted) for each of n_luts luts."""
    if k == fan_in:
        return np.tile(np.arange(fan_in, dtype=np.int64), (n_luts, 1))
    keys = rng.random((n_luts, fan_in))
    return np.sort(np.argpartition(keys, k - 1, axis=1)[:, :k], axis=1).astype(np.int64)
