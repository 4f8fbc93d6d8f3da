"""Networks of lookup tables trained layer by layer, every lut aiming at the final label."""
import numpy as np

from . import kernels_numpy
from ._base import Estimator
from ._memory import network_fit_bytes, network_predict_bytes
from ._validation import (DEFAULT_MAX_TABLE_BYTES, check_bits, check_budget, check_flag, check_hidden, check_k,
                          check_memory, check_seed, check_Xy)

#: predict works through the examples in chunks whose activations take at most this many bytes,
#: so its peak memory is what it returns plus one chunk.
PREDICT_CHUNK_BYTES = 64 * 2**20


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


def _threads(kernels):
    """Threads that may run luts at the same time (each with its own counting buffers)."""
    if kernels is kernels_numpy:
        return 1
    import numba
    return numba.get_num_threads()


def _backend_name(kernels):
    return "numpy" if kernels is kernels_numpy else "numba"


class LutNetwork(Estimator):
    """Hidden layers of k-input luts and one output lut, as in Chatterjee (2018).

    Each lut reads k distinct inputs of the previous layer, chosen at random (the first hidden
    layer reads input bits). Layers are trained left to right; every lut's target is the final
    label y, and a trained layer's predictions on the training set are the next layer's input.

    A scikit-learn classifier: labels 0/1 (``classes_`` is ``[0, 1]``) or any two labels.

    Parameters
    ----------
    hidden : tuple of int, default (1024,) * 5
        Number of luts in each hidden layer; ``()`` gives a single lut on k random input bits.
    k : int, default 8
        Inputs per lut (at most 30).
    seed : int >= 0 or None, default 0
        Seeds the wiring and the coins of tied rows; same seed, same network. None: fresh each fit.
    backend : {"auto", "numba", "numpy"}
        "numba" is fused and parallel; "numpy" runs anywhere. Both give identical networks.
    keep_counts : bool
        Keep every lut's (2^k, 2) count table in ``counts_`` (for small, explained networks).
    max_table_bytes : int, default 2 GiB
        Memory budget. fit refuses, before training, networks whose tables, counts, counting
        buffers (per thread), activations and wiring exceed it; predict and layer_outputs
        refuse the same way (predict works in chunks, so only a tiny budget stops it).

    Attributes (after fit)
    ----------------------
    wiring_ : list of (n_luts, k) int arrays, the inputs each lut reads from the layer before.
    tables_ : list of (n_luts, 2^k) uint8 arrays, the learned functions; the last is the output lut.
    counts_ : list of (n_luts, 2^k, 2) arrays, only with keep_counts=True (else empty).
    n_features_in_ : int; classes_ : the two labels; train_accuracy_ : float.

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
        return check_hidden(self.hidden) + (1,)

    def fit(self, X, y, eval_set=None):
        """Train the layers left to right on bits X and 0/1 labels y. Returns self.

        eval_set : list of (X_eval, y_eval) pairs, optional. Scored in the same pass as the
        training (each lut's outputs on them are computed while its table is fresh), with no
        second pass through the layers: ``fit_scores_`` then holds ``layer_scores`` rows for the
        training set followed by one list per pair, ``fit_scores_[i + 1] == layer_scores(*eval_set[i])``.

        The fitted attributes are replaced only when fit completes: an interrupted refit
        (Ctrl-C, Jupyter's stop button) leaves the previous network as it was.
        """
        sizes = self._layer_sizes()
        keep_counts = check_flag(self.keep_counts, "keep_counts")
        budget = check_budget(self.max_table_bytes)
        rng = check_seed(self.seed)
        kernels = _kernels(self.backend)
        X, y, classes = check_Xy(X, y)
        evals = [_eval_pair(Xe, ye, X.shape[1], classes) for Xe, ye in (eval_set or ())]
        n_eval = sum(len(c) for _, c in evals)
        widths = (X.shape[1],) + sizes
        for i, fan_in in enumerate(widths[:-1]):
            where = "the input" if i == 0 else f"hidden layer {i} (width {fan_in})"
            k = check_k(self.k, fan_in, where=where)
        need = network_fit_bytes(X.shape[0] + n_eval, X.shape[1], sizes, k, keep_counts, _backend_name(kernels),
                                 _threads(kernels))
        check_memory(need, budget, f"A network of {sum(sizes):,} luts with k={k} on {X.shape[0]:,} examples")

        wiring_, tables_, counts_, hits_ = [], [], [], []
        A = kernels.features_major(X)
        E = kernels.features_major(np.concatenate([Xe for Xe, _ in evals])) if evals else None
        y_eval = np.concatenate([c for _, c in evals]) if evals else None
        ends = np.cumsum([len(c) for _, c in evals]) if evals else None
        # A layer's outputs are written over the outputs of two layers back when the shapes
        # agree: fewer fresh arrays (and page faults). Never over A from X (it may be X itself).
        spare, written = None, None
        for fan_in, m in zip(widths[:-1], sizes):
            wiring = _random_wiring(rng, m, fan_in, k, kernels.smallest_keys)
            keys = rng.integers(0, 2**64, size=m, dtype=np.uint64)
            reuse = spare if spare is not None and spare.shape == (m, A.shape[1]) else None
            tables, A, counts, E_next, hits = kernels.fit_layer_eval(A, y, wiring, keys, E, y_eval, ends,
                                                                     keep_counts=keep_counts, out=reuse)
            spare, written = written, A
            E = E_next if evals else None
            hits_.append(hits)
            wiring_.append(wiring)
            tables_.append(tables)
            if keep_counts:
                counts_.append(counts)
        n_scored = [X.shape[0]] + [len(c) for _, c in evals]
        fit_scores_ = [[_layer_row(i, len(hits_), h[:, s] / n) for i, h in enumerate(hits_)]
                       for s, n in enumerate(n_scored)]
        # one step: the new network replaces the old one whole, or not at all
        self.__dict__.update(wiring_=wiring_, tables_=tables_, counts_=counts_, n_features_in_=X.shape[1],
                             fit_scores_=fit_scores_,
                             classes_=classes, train_accuracy_=float(np.mean(A[0] == y)))
        return self

    def _check_input(self, X):
        self._check_fitted()
        X = check_bits(X)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, but {type(self).__name__} is expecting "
                             f"{self.n_features_in_} features as input (bits per example; it was fitted on "
                             f"{self.n_features_in_}).")
        return X

    def _propagate(self, kernels, A, layers):
        """Yield each layer's outputs (features-major) on activations A, checking the wiring first."""
        for i, (wiring, tables) in enumerate(layers):
            if wiring.shape[0] != tables.shape[0] or (wiring.size and (wiring.min() < 0
                                                                      or wiring.max() >= A.shape[0])):
                raise ValueError(f"Layer {i + 1} of this {type(self).__name__} is inconsistent: its wiring "
                                 f"reads inputs 0..{wiring.max()} of a layer with {A.shape[0]}; refit it.")
            A = kernels.predict_layer(A, wiring, tables)
            yield A

    def _sizes_fitted(self):
        return tuple(t.shape[0] for t in self.tables_)

    def layer_outputs(self, X):
        """Outputs of every layer on X: a list of (n_examples, n_luts) uint8 arrays, output last."""
        X = self._check_input(X)
        kernels = _kernels(self.backend)
        need = network_predict_bytes(X.shape[0], X.shape[1], self._sizes_fitted(), _backend_name(kernels),
                                     _threads(kernels), keep_all=True)
        check_memory(need, check_budget(self.max_table_bytes),
                     f"The outputs of every layer on {X.shape[0]:,} examples (predict needs less)")
        A = kernels.features_major(X)
        return [out.T for out in self._propagate(kernels, A, zip(self.wiring_, self.tables_))]

    def predict(self, X):
        """Predicted label of each example (uint8 0/1 for labels 0/1, else from classes_).

        Works through the examples in chunks and keeps only the previous layer's outputs of
        the current chunk, so memory is the returned labels plus one chunk's activations.
        """
        X = self._check_input(X)
        kernels = _kernels(self.backend)
        n, d = X.shape
        sizes = self._sizes_fitted()
        name, threads = _backend_name(kernels), _threads(kernels)
        per_example = sum(network_predict_bytes(1, d, sizes, name, threads).values())
        rows = max(1, min(n, PREDICT_CHUNK_BYTES // per_example))
        check_memory({"output": n, **network_predict_bytes(rows, d, sizes, name, threads)},
                     check_budget(self.max_table_bytes), f"Predicting {n:,} examples ({rows:,} at a time)")
        out = np.empty(n, dtype=np.uint8)
        layers = list(zip(self.wiring_, self.tables_))
        for start in range(0, n, rows):
            A = kernels.features_major(X[start:start + rows])
            for A in self._propagate(kernels, A, layers):
                pass
            out[start:start + rows] = A[0]
        return self._decode(out)

    def layer_scores(self, X, y):
        """Accuracy of every lut against y, summarized per layer.

        Returns a list of dicts, one per layer (output last), with keys
        ``layer`` (1-based; the output lut is ``"output"``), ``luts``, ``mean``, ``sd``, ``min``, ``max``.
        """
        outputs = self.layer_outputs(X)
        y = self._encode(y, outputs[0].shape[0])
        return [_layer_row(i, len(outputs), (out == y[:, None]).mean(axis=0))
                for i, out in enumerate(outputs)]


def _layer_row(i, n_layers, acc):
    """layer_scores' summary of layer i's per-lut accuracies acc."""
    return {"layer": "output" if i == n_layers - 1 else i + 1, "luts": len(acc),
            "mean": float(acc.mean()), "sd": float(acc.std()),
            "min": float(acc.min()), "max": float(acc.max())}


def _eval_pair(X, y, n_features, classes):
    """One checked eval_set pair: (bits, 0/1 codes with the training classes)."""
    X = check_bits(X, name="X_eval")
    if X.shape[1] != n_features:
        raise ValueError(f"eval_set: X_eval has {X.shape[1]} features; X has {n_features}.")
    y = np.asarray(y)
    if y.shape != (X.shape[0],):
        raise ValueError(f"eval_set: y_eval has shape {y.shape}; expected ({X.shape[0]},).")
    codes = (y == classes[-1]).astype(np.uint8)
    unknown = (y != classes[0]) & (codes == 0)
    if unknown.any():
        raise ValueError(f"eval_set: y_eval holds {y[unknown][0]!r}, which is not one of the classes "
                         f"{classes.tolist()} of y.")
    return X, codes


def _random_wiring(rng, n_luts, fan_in, k, smallest_keys=None):
    """k distinct random inputs (sorted) for each of n_luts luts: each lut reads the inputs
    with its k smallest of fan_in uniform keys (ties, which have probability ~2**-40 here, go
    to the lower input)."""
    if k == fan_in:
        return np.tile(np.arange(fan_in, dtype=np.int64), (n_luts, 1))
    select = smallest_keys or kernels_numpy.smallest_keys
    return select(rng.random((n_luts, fan_in)), k)
