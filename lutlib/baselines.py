"""Nearest neighbours on bits, with exact distances and a stated tie rule.

scikit-learn's ``KNeighborsClassifier`` breaks ties among equally distant training examples
in an order that depends on its chunking and thread count, and on bit vectors (where Hamming
distances tie all the time) that changes the predictions from run to run on a busy machine.
``HammingNeighbors`` computes every Hamming distance exactly and, among equally distant
training examples, prefers the one that comes first in the training set; votes among the k
neighbours that tie go to the smallest label. The answer is the same for any thread count.

Exactness: the distances come from ``|a| + |b| - 2 a.b`` with the dot products computed by a
float32 matrix product. Every partial sum is a whole number below 2**24 (at most the number of
bits per example, checked), so float32 holds it exactly whatever order BLAS adds in.

>>> X = np.array([[0, 0, 0], [1, 1, 1], [0, 0, 1], [1, 0, 0]], dtype=np.uint8)
>>> y = np.array([0, 1, 0, 1])
>>> HammingNeighbors(n_neighbors=1).fit(X, y).predict([[1, 0, 1]]).tolist()   # 3 tie at 1 bit
[1]
"""
import numpy as np

from ._base import Estimator

__all__ = ["HammingNeighbors", "hamming_distances"]

_EXACT_BITS = 2 ** 24          # float32 holds every whole number below this exactly


def _as_bits(X, name):
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array of bits (examples x bits); got shape {X.shape}.")
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"{name} is empty (shape {X.shape}).")
    if not (X.dtype == bool or np.issubdtype(X.dtype, np.integer)):
        raise TypeError(f"{name} must hold bits (0/1 integers or booleans); got dtype {X.dtype}.")
    if X.dtype != bool and (X.min() < 0 or X.max() > 1):
        raise ValueError(f"{name} must hold only 0 and 1; got values from {X.min()} to {X.max()}. "
                         "Binarize first, e.g. lutlib.data.binarize(images).")
    if X.shape[1] >= _EXACT_BITS:
        raise ValueError(f"{name} has {X.shape[1]} bits per example; at most {_EXACT_BITS - 1} "
                         "keep the distances exact.")
    return X.astype(np.float32)


def hamming_distances(A, B):
    """Exact Hamming distances (int64 array, len(A) x len(B)) between rows of bits.

    >>> hamming_distances([[0, 1, 1]], [[0, 1, 1], [1, 0, 0]]).tolist()
    [[0, 3]]
    """
    A, B = _as_bits(A, "A"), _as_bits(B, "B")
    if A.shape[1] != B.shape[1]:
        raise ValueError(f"A has {A.shape[1]} bits per example but B has {B.shape[1]}.")
    dots = (A @ B.T).astype(np.int64)
    return A.sum(axis=1, dtype=np.int64)[:, None] + B.sum(axis=1, dtype=np.int64)[None, :] - 2 * dots


class HammingNeighbors(Estimator):
    """k-nearest-neighbour classifier on bit vectors; deterministic tie rules (module docstring).

    Parameters
    ----------
    n_neighbors : int
        How many neighbours vote (at least 1, at most the number of training examples).
    batch_size : int
        Test examples handled per distance block (bounds memory: batch_size x n_train float32).

    Attributes after fit: ``classes_``, ``n_features_in_``.

    >>> X = np.array([[0, 0], [0, 1], [1, 1]]); y = np.array([0, 0, 1])
    >>> HammingNeighbors(n_neighbors=3).fit(X, y).predict([[1, 1]]).tolist()
    [0]
    """

    def __init__(self, n_neighbors=1, batch_size=500):
        self.n_neighbors = n_neighbors
        self.batch_size = batch_size

    def fit(self, X, y):
        """Remember the training bits and labels (a copy); returns self."""
        for name in ("n_neighbors", "batch_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name} must be a positive integer; got {value!r}.")
        X = _as_bits(X, "X")
        y = np.asarray(y)
        if y.ndim != 1 or len(y) != len(X):
            raise ValueError(f"y must be 1-D with one label per example of X ({len(X)}); got shape {y.shape}.")
        if self.n_neighbors > len(X):
            raise ValueError(f"n_neighbors={self.n_neighbors} is more than the {len(X)} training examples.")
        classes, codes = np.unique(y, return_inverse=True)
        self.classes_, self._codes, self._X = classes, codes, X
        self._ones_f32 = X.sum(axis=1, dtype=np.int64).astype(np.float32)
        self.n_features_in_ = X.shape[1]
        return self

    def kneighbors(self, X):
        """Indices (n, n_neighbors) of the nearest training examples, nearest first; among equal
        distances the lower training index comes first."""
        if not hasattr(self, "_X"):
            raise RuntimeError("HammingNeighbors is not fitted yet: call fit(X, y) first.")
        X = _as_bits(X, "X")
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} bits per example; the model was fitted on {self.n_features_in_}.")
        k = self.n_neighbors
        out = np.empty((len(X), k), dtype=np.int64)
        rows = np.arange(min(self.batch_size, len(X)))
        for start in range(0, len(X), self.batch_size):
            part = X[start:start + self.batch_size]
            # distance minus the query's own bit count (the same for every training example),
            # whole numbers held exactly in float32
            dist = self._ones_f32[None, :] - 2 * (part @ self._X.T)
            r = rows[:len(part)]
            for j in range(k):
                nearest = dist.argmin(axis=1)        # argmin picks the lowest index among ties
                out[start:start + len(part), j] = nearest
                dist[r, nearest] = np.inf
        return out

    def predict(self, X):
        """Majority label of the nearest neighbours (ties to the smallest label)."""
        neighbours = self.kneighbors(X)
        votes = self._codes[neighbours]
        counts = np.stack([(votes == c).sum(axis=1) for c in range(len(self.classes_))], axis=1)
        return self.classes_[counts.argmax(axis=1)]

    def score(self, X, y):
        """Accuracy of predict(X) against the labels y."""
        y = np.asarray(y)
        pred = self.predict(X)
        if y.shape != pred.shape:
            raise ValueError(f"y has shape {y.shape}; expected ({len(pred)},).")
        return float(np.mean(pred == y))
