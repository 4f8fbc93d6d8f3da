"""Masks for the MLP: example-tied dropout on hidden units, and weight masks for lottery tickets.

>>> train, test = example_tied_masks(n_examples=3, width=6, n_generalization=2, p_mem=0.5, seed=0)
>>> train.shape, test.tolist()
((3, 6), [True, True, False, False, False, False])
"""
import numpy as np

from ._nn_checks import check_unit_mask


def example_tied_masks(n_examples, width, n_generalization, p_mem=0.2, seed=0):
    """Masks for example-tied dropout (Maini et al. 2023) on a hidden layer of ``width`` units.

    The first ``n_generalization`` units are generalization units, used by every example during
    training and testing. Each remaining (memorization) unit is kept for example i with
    probability ``p_mem``, by a seeded rule: row i is the same for the same seed, whatever else
    happens. At test time the memorization units are dropped.

    Returns (train_masks (n_examples, width) bool, test_mask (width,) bool); pass them to
    ``MLP.fit(..., unit_mask=train_masks)`` and ``MLP.predict(..., unit_mask=test_mask)``.

    >>> tr, te = example_tied_masks(4, 5, n_generalization=3, p_mem=1.0)
    >>> tr.all(), int(te.sum())
    (np.True_, 3)
    """
    for name, v in (("n_examples", n_examples), ("width", width)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{name} must be a positive integer; got {v!r}.")
    if isinstance(n_generalization, bool) or not isinstance(n_generalization, (int, np.integer)) \
            or not 0 <= n_generalization <= width:
        raise ValueError(f"n_generalization must be an integer in 0..width={width}; got {n_generalization!r}.")
    if not 0 <= p_mem <= 1:
        raise ValueError(f"p_mem must be a probability in [0, 1]; got {p_mem!r}.")
    rng = np.random.default_rng(seed)
    train = np.ones((n_examples, width), dtype=bool)
    train[:, n_generalization:] = rng.random((n_examples, width - n_generalization)) < p_mem
    test = np.zeros(width, dtype=bool)
    test[:n_generalization] = True
    return train, test


def unit_masks(unit_mask, hidden, n):
    """One entry per hidden layer: None, a (width,) mask or an (n, width) per-example mask.

    ``unit_mask`` is an array for the last hidden layer or a dict {hidden layer index: array}.

    >>> [None if m is None else m.shape for m in unit_masks(np.ones((5, 3)), (4, 3), 5)]
    [None, (5, 3)]
    """
    masks = [None] * len(hidden)
    if unit_mask is None:
        return masks
    if not len(hidden):
        raise ValueError("unit_mask needs at least one hidden layer; this MLP has hidden=().")
    items = unit_mask.items() if isinstance(unit_mask, dict) else [(len(hidden) - 1, unit_mask)]
    for layer, m in items:
        if not isinstance(layer, (int, np.integer)) or not -len(hidden) <= layer < len(hidden):
            raise ValueError(f"unit_mask key {layer!r} is not a hidden layer index (0..{len(hidden) - 1}).")
        masks[layer] = check_unit_mask(m, n, hidden[layer], layer)
    return masks


def magnitude_masks(W, mask, fraction):
    """Mask that also removes the ``fraction`` of still-kept weights of W with the smallest |w|.

    >>> magnitude_masks(np.array([[0.1, -3.0], [2.0, 0.5]]), np.ones((2, 2), bool), 0.5).tolist()
    [[False, True], [True, False]]
    """
    if not 0 <= fraction < 1:
        raise ValueError(f"the pruning fraction must be in [0, 1); got {fraction!r}.")
    kept = np.flatnonzero(mask)
    n_drop = int(round(fraction * len(kept)))
    new = mask.copy()
    if n_drop:
        order = np.argsort(np.abs(W.ravel()[kept]), kind="stable")   # ties: the earlier weight goes first
        new.ravel()[kept[order[:n_drop]]] = False
    return new


class LotteryTicketMixin:
    """Weight masks, magnitude pruning and rewinding for ``MLP`` (Frankle & Carbin 2019).

    >>> from lutlib.nn import MLP
    >>> X, y = np.eye(4, dtype=np.float32), [0, 1, 2, 3]
    >>> net = MLP(hidden=(8,), seed=0).fit(X, y, epochs=3).prune(0.5).rewind(0)
    >>> net.partial_fit(X, y, epochs=3).coefs_[0][~net.weight_masks_[0]].any()
    np.False_
    """

    def set_weight_masks(self, masks):
        """Keep only the weights where masks[i] is True (one bool array per weight matrix). Returns self.

        >>> from lutlib.nn import MLP
        >>> net = MLP(hidden=(3,), seed=0).fit(np.eye(2, dtype=np.float32), [0, 1], epochs=1)
        >>> int(net.set_weight_masks([np.zeros((2, 3), bool), np.ones((3, 2), bool)]).coefs_[0].any())
        0
        """
        self._check_fitted()
        if masks is None:
            self.weight_masks_ = None
            return self
        masks = list(masks)
        if len(masks) != len(self.coefs_) or any(np.shape(m) != W.shape for m, W in zip(masks, self.coefs_)):
            raise ValueError("masks must be one array per weight matrix, with shapes "
                             f"{[W.shape for W in self.coefs_]}; got {[np.shape(m) for m in masks]}.")
        self.weight_masks_ = [np.asarray(m, dtype=bool) for m in masks]
        for W, M in zip(self.coefs_, self.weight_masks_):
            W *= M
        for state in getattr(self, "_state", []):   # no momentum or Adam moment may revive a pruned weight
            for S, M in zip(state, self.weight_masks_):
                S *= M
        return self

    def prune(self, fraction, output_fraction=None):
        """Remove the ``fraction`` of remaining weights with the smallest magnitude in each layer.

        The output layer loses ``output_fraction`` (default fraction / 2, as in Frankle & Carbin
        2019). Masks accumulate over calls. Returns self; ``rewind`` then restarts training.

        >>> from lutlib.nn import MLP
        >>> net = MLP(hidden=(8,), seed=0).fit(np.eye(4, dtype=np.float32), [0, 1, 2, 3], epochs=1)
        >>> [int(m.sum()) for m in net.prune(0.5).weight_masks_]
        [16, 24]
        """
        self._check_fitted()
        out = fraction / 2 if output_fraction is None else output_fraction
        fractions = [fraction] * (len(self.coefs_) - 1) + [out]
        old = self.weight_masks_ or [np.ones(W.shape, bool) for W in self.coefs_]
        return self.set_weight_masks([magnitude_masks(W, M, f) for W, M, f in zip(self.coefs_, old, fractions)])

    def rewind(self, epoch=0):
        """Reset the weights to those after ``epoch`` (0: the initial weights), keeping the weight masks.

        The optimizer state is cleared and the history cut back to that epoch; train again with
        ``partial_fit``. Keep an early iterate with ``snapshot_epochs=(epoch,)``.

        >>> from lutlib.nn import MLP
        >>> net = MLP(hidden=(4,), seed=0).fit(np.eye(2, dtype=np.float32), [0, 1], epochs=2)
        >>> np.array_equal(net.rewind(0).coefs_[0], MLP(hidden=(4,), seed=0).fit(np.eye(2, dtype=np.float32), [0, 1], epochs=1).snapshots_[0][0])
        True
        """
        self._check_fitted()
        if epoch not in self.snapshots_:
            raise ValueError(f"no snapshot of epoch {epoch!r}; kept: {sorted(self.snapshots_)}. "
                             "Pass snapshot_epochs=(...) to the MLP before fit.")
        self._set_params_from(self.snapshots_[epoch])
        self._reset_optimizer()
        self.epochs_done_ = epoch
        keep = sum(e <= epoch for e in self.history_["epoch"])
        for key in self.history_:
            del self.history_[key][keep:]
        rec = self.__dict__.pop("sensitivity_examples_", None)    # loss_sensitivity_: the kept epochs only
        self.__dict__.pop("loss_sensitivity_", None)
        self._sens_sum = self._sens_epochs = None
        for sens in self.history_.get("loss_sensitivity", []):
            self._add_sensitivity(rec, sens, history=False)
        return self
