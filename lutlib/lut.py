"""A single lookup table (lut) that learns by counting."""
import numpy as np

from ._base import Estimator
from ._memory import lut_fit_bytes
from ._tiebreak import table_from_counts
from ._validation import (DEFAULT_MAX_TABLE_BYTES, check_bits, check_budget, check_k, check_memory, check_seed,
                          check_Xy)
from .kernels_numpy import addresses


class Lut(Estimator):
    """A k-input lookup table: one row per bit pattern, filled by majority vote of the labels.

    ``fit(X, y)`` counts, for every pattern p of the k input bits, how many examples had y=0
    and y=1. The learned function f(p) is 1 if n1 > n0, 0 if n0 > n1, and a seeded coin flip
    on a tie (an unseen pattern, 0 vs 0, is a tie too). Bits are read most significant first.
    A scikit-learn classifier: with labels 0/1, ``classes_`` is ``[0, 1]`` and counts_ columns are
    n(y=0), n(y=1); any other two labels are coded 0/1 in the order of ``classes_``.

    Parameters
    ----------
    seed : int >= 0 or None, default 0
        Seed of the coins for tied rows. Same seed, same table; None draws fresh coins each fit.
    max_table_bytes : int, default 2 GiB
        Memory budget: fit refuses, before allocating, work whose counts, tables, addresses and
        temporaries would exceed it (a MemoryError naming the bytes).

    Attributes (after fit)
    ----------------------
    counts_ : (2^k, 2) int64, counts_[p] = (n(y=0), n(y=1)).
    table_ : (2^k,) uint8, the learned function f.
    random_ : (2^k,) bool, rows whose f came from a coin.
    k_, n_features_in_ : int, the number of input bits.
    classes_ : the two labels ([0, 1] for 0/1 labels); predict returns them.

    Example
    -------
    >>> lut = Lut(seed=0).fit([[0, 0], [0, 1], [0, 1]], [0, 1, 1])
    >>> lut.counts_[1].tolist(), int(lut.table_[1])
    ([0, 2], 1)
    """

    def __init__(self, seed=0, max_table_bytes=DEFAULT_MAX_TABLE_BYTES):
        self.seed = seed
        self.max_table_bytes = max_table_bytes

    def fit(self, X, y):
        """Count labels per input pattern and take the majority. Returns self.

        The fitted attributes are replaced only when fit completes: an interrupted refit leaves
        the previous model as it was.
        """
        budget = check_budget(self.max_table_bytes)
        rng = check_seed(self.seed)
        X, y, classes = check_Xy(X, y)
        k = check_k(X.shape[1], X.shape[1])
        check_memory(lut_fit_bytes(X.shape[0], k), budget, f"A lut with k={k} on {X.shape[0]:,} examples")
        key = rng.integers(0, 2**64, dtype=np.uint64)
        addr = addresses(np.ascontiguousarray(X.T), range(k))
        counts = np.bincount(addr * 2 + y, minlength=2 << k).reshape(1 << k, 2)
        del addr
        table, random = table_from_counts(counts, key)
        self.__dict__.update(counts_=counts, table_=table, random_=random, k_=k, n_features_in_=k,
                             classes_=classes)  # one step: all new attributes or none
        return self

    def predict(self, X):
        """f(p) for each row p of X."""
        self._check_fitted()
        X = check_bits(X)
        if X.shape[1] != self.k_:
            raise ValueError(f"X has {X.shape[1]} features, but {type(self).__name__} is expecting {self.k_} "
                             f"features as input (bits per example; it was fitted with k={self.k_}).")
        n = X.shape[0]
        check_memory({"input copy": n * self.k_, "addresses": 8 * n, "output": n}, check_budget(self.max_table_bytes),
                     f"Predicting {n:,} examples")
        return self._decode(self.table_[addresses(np.ascontiguousarray(X.T), range(self.k_))])

    def patterns(self):
        """All 2^k patterns as strings, row order: '000', '001', ..."""
        self._check_fitted()
        return [format(p, f"0{self.k_}b") for p in range(1 << self.k_)]

    def to_rows(self, only_seen=False):
        """Table rows as tuples (pattern, n(y=0), n(y=1), f, random)."""
        self._check_fitted()
        rows = []
        for p, pat in enumerate(self.patterns()):
            n0, n1 = (int(c) for c in self.counts_[p])
            if only_seen and n0 + n1 == 0:
                continue
            rows.append((pat, n0, n1, int(self.table_[p]), bool(self.random_[p])))
        return rows

    def _shown_rows(self, max_rows):
        """Rows to display (only the seen ones when the table is long), and how many are left out."""
        only_seen = (1 << self.k_) > max_rows
        rows = self.to_rows(only_seen=only_seen)[:max_rows]
        return rows, (1 << self.k_) - len(rows), only_seen

    def to_text(self, max_rows=32):
        """The table as the seed slides print it: pattern | n(y=0) | n(y=1) | f, * = coin."""
        self._check_fitted()
        rows, hidden, only_seen = self._shown_rows(max_rows)
        w = max(self.k_, 7)
        lines = [f"{'pattern':>{w}} | n(y=0) | n(y=1) | f", "-" * (w + 26)]
        for pat, n0, n1, f, rnd in rows:
            lines.append(f"{pat:>{w}} | {n0:6d} | {n1:6d} | {f}{'*' if rnd else ''}")
        if hidden:
            lines.append(f"... {hidden:,} more rows not shown" + (" (unseen rows are all coin flips)" if only_seen else ""))
        lines.append("* = tie (unseen patterns included), f decided by a seeded coin")
        return "\n".join(lines)

    def _repr_html_(self):
        if not hasattr(self, "n_features_in_"):
            return None
        rows, hidden, _ = self._shown_rows(max_rows=32)
        body = "".join(
            f"<tr><td><code>{pat}</code></td><td>{n0}</td><td>{n1}</td><td><b>{f}</b>{'*' if rnd else ''}</td></tr>"
            for pat, n0, n1, f, rnd in rows)
        note = f"<br>{hidden:,} more rows not shown." if hidden else ""
        return (f"<table><caption>Lut with k={self.k_} inputs</caption>"
                "<thead><tr><th>pattern</th><th>n(y=0)</th><th>n(y=1)</th><th>f</th></tr></thead>"
                f"<tbody>{body}</tbody></table><small>* tie: f decided by a seeded coin.{note}</small>")
