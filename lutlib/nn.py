"""A multilayer perceptron in numpy, small enough to read in one sitting.

ReLU hidden layers, a softmax output and the cross-entropy loss, trained by minibatch SGD (with
momentum) or Adam, in float32 with BLAS matrix products. Everything an experiment on memorization
reads is exposed: per-example losses, gradients with respect to the inputs, masks on hidden units
(example-tied dropout) and on weights (lottery tickets, with rewinding).

The forward pass of one hidden layer is ``a = relu(a_prev @ W + b) * s``, where ``s`` multiplies
the units by a mask and, while training with dropout, by ``keep / (1 - dropout)``. Backward is the
chain rule written out in ``_backward``: no autograd.

>>> import numpy as np
>>> X = np.random.default_rng(0).normal(size=(300, 2)).astype(np.float32)
>>> y = (X[:, 0] * X[:, 1] > 0).astype(int)            # XOR of the signs: not linear
>>> net = MLP(hidden=(32,), lr=0.1, seed=0).fit(X, y, epochs=60)
>>> net.score(X, y) > 0.9
True
"""
import contextlib
import time

import numpy as np

from ._base import Estimator
from ._validation import DEFAULT_MAX_TABLE_BYTES
from ._nn_checks import check_features, check_hyperparameters, check_int_labels, check_record, weight_bytes
from .nn_masks import LotteryTicketMixin, example_tied_masks, unit_masks

__all__ = ["MLP", "example_tied_masks"]

#: Bytes of temporaries for one chunk of examples in predict, score, loss_per_example, ...
EVAL_CHUNK_BYTES = 32 * 2**20


def _blas_limit(threads):
    """Limit the BLAS threads for the duration of a with-block (threadpoolctl); None: no limit."""
    if threads is None:
        return contextlib.nullcontext()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        raise ImportError("blas_threads needs threadpoolctl: pip install threadpoolctl "
                          "(or leave blas_threads=None).") from None
    return threadpool_limits(threads, user_api="blas")


class MLP(LotteryTicketMixin, Estimator):
    """A ReLU network with a softmax output, trained on cross-entropy; scikit-learn conventions.

    Parameters
    ----------
    hidden : tuple of int
        Widths of the hidden layers; ``()`` is multinomial logistic regression.
    n_classes : int or None
        Number of classes; None takes ``max(y) + 1`` at the first fit. Any number works, up to one
        class per example.
    seed : int or None
        Seeds the initial weights, the order of the examples, dropout and input noise.
    weight_decay : float
        L2 penalty ``weight_decay / 2 * sum(W**2)`` over the weight matrices (not the biases).
    dropout : float in [0, 1)
        Probability of dropping each hidden unit while training (inverted dropout).
    input_noise : float
        Standard deviation of Gaussian noise added to the inputs while training.
    optimizer : {"sgd", "adam"}
        SGD with (heavy-ball) momentum, or Adam (beta1 = 0.9, beta2 = 0.999).
    lr : float or None
        Learning rate; None gives 0.05 for SGD and 0.001 for Adam.
    momentum : float in [0, 1)
        SGD momentum (ignored by Adam).
    batch_size : int
    epochs : int
        Epochs run by ``fit`` when it is not given ``epochs``.
    snapshot_epochs : tuple of int
        Keep a copy of the weights after these epochs, for ``rewind``; the initial weights
        (epoch 0) are always kept. A snapshot is taken the first time an epoch is reached, so
        retraining after ``rewind`` does not overwrite it.
    blas_threads : int or None
        BLAS threads while this MLP computes (set with threadpoolctl for the duration of each call,
        never globally); None leaves the BLAS as it is. On a machine where other processes compete
        for the cores, 1 can be many times faster than 2 (see benchmarks/bench_nn.py).
    max_weight_bytes : int
        Refuse, before allocating, a network whose weights and optimizer state exceed this, and an
        (examples x classes) array from ``decision_function`` or ``predict_proba`` over it.

    Attributes (after fit)
    ----------------------
    coefs_, intercepts_ : lists of float32 arrays, one per layer, output last.
    weight_masks_ : list of bool arrays or None (see ``prune`` and ``set_weight_masks``). Masked
        weights stay exactly zero through ``partial_fit``; ``fit`` starts afresh, without masks.
    history_ : dict of lists, one entry per epoch: ``epoch``, ``loss`` and ``accuracy`` (running
        training figures, in training mode, from the minibatches as they were seen: no second
        pass), ``val_loss``, ``val_accuracy`` (when ``validation`` is given), ``seconds``; with
        ``record``: ``example_loss``, ``example_correct`` (per recorded example, when it was seen),
        and with ``sensitivity=True`` also ``loss_sensitivity`` and ``sensitivity_gini``.
    loss_sensitivity_ : mean of ||d loss_i / d x_i||_1 over the steps where example i was in the
        minibatch, over the epochs trained with ``sensitivity=True`` since ``fit`` (Arpit et al.
        2017), for the examples ``sensitivity_examples_``.

    Example
    -------
    >>> X, y = np.eye(4, dtype=np.float32), [0, 1, 2, 3]          # one class per example
    >>> net = MLP(hidden=(16,), lr=0.5, seed=0).fit(X, y, epochs=30, record="all")
    >>> net.predict(X).tolist(), len(net.history_["example_loss"])
    ([0, 1, 2, 3], 30)
    """

    def __init__(self, hidden=(512,), n_classes=None, seed=0, weight_decay=0.0, dropout=0.0,
                 input_noise=0.0, optimizer="sgd", lr=None, momentum=0.9, batch_size=128, epochs=10,
                 snapshot_epochs=(), blas_threads=None, max_weight_bytes=DEFAULT_MAX_TABLE_BYTES):
        self.hidden = hidden
        self.n_classes = n_classes
        self.seed = seed
        self.weight_decay = weight_decay
        self.dropout = dropout
        self.input_noise = input_noise
        self.optimizer = optimizer
        self.lr = lr
        self.momentum = momentum
        self.batch_size = batch_size
        self.epochs = epochs
        self.snapshot_epochs = snapshot_epochs
        self.blas_threads = blas_threads
        self.max_weight_bytes = max_weight_bytes

    # ------------------------------------------------------------------ set-up
    def _init(self, n_features, n_classes):
        check_hyperparameters(self)
        sizes = (n_features,) + tuple(self.hidden) + (n_classes,)
        weight_bytes(sizes, self.optimizer, self.max_weight_bytes)       # raises before allocating
        init_seq, train_seq = np.random.SeedSequence(self.seed).spawn(2)
        init_rng = np.random.default_rng(init_seq)
        self._rng = np.random.default_rng(train_seq)
        # He initialization for ReLU layers, zero biases.
        self.coefs_ = [(init_rng.standard_normal((m, n), dtype=np.float32) * np.float32(np.sqrt(2 / m)))
                       for m, n in zip(sizes[:-1], sizes[1:])]
        self.intercepts_ = [np.zeros(n, dtype=np.float32) for n in sizes[1:]]
        self.weight_masks_ = None
        self.n_features_in_, self.n_classes_ = n_features, n_classes
        self.classes_ = np.arange(n_classes)
        self.epochs_done_ = 0
        self.snapshots_ = {0: self._params_copy()}
        self.history_ = {"epoch": [], "loss": [], "accuracy": [], "seconds": []}
        self._sens_sum = self._sens_epochs = None
        self._reset_optimizer()

    def _optimizer_kind(self):
        return "adam" if self.optimizer == "adam" else ("momentum" if self.momentum else "sgd")

    def _reset_optimizer(self):
        params = self.coefs_ + self.intercepts_
        self._state_kind = self._optimizer_kind()
        n_states = {"sgd": 0, "momentum": 1, "adam": 2}[self._state_kind]
        self._state = [[np.zeros_like(p) for p in params] for _ in range(n_states)]
        self._step = 0

    def _fitted_hidden(self):
        return tuple(W.shape[1] for W in self.coefs_[:-1])

    def _training_state(self):
        """What one epoch changes (weights, optimizer, random generator), to undo an interrupted epoch."""
        return (self._params_copy(), [[s.copy() for s in st] for st in self._state], self._step,
                self._rng.bit_generator.state)

    def _restore_training_state(self, saved):
        self._set_params_from(saved[0])
        self._state, self._step, self._rng.bit_generator.state = saved[1], saved[2], saved[3]

    def _params_copy(self):
        return [p.copy() for p in self.coefs_ + self.intercepts_]

    def _set_params_from(self, arrays):
        n = len(self.coefs_)
        self.coefs_ = [a.copy() for a in arrays[:n]]
        self.intercepts_ = [a.copy() for a in arrays[n:]]
        if self.weight_masks_ is not None:
            for W, M in zip(self.coefs_, self.weight_masks_):
                W *= M

    # ------------------------------------------------------------------ forward and backward
    def _forward(self, X, scales, coefs=None):
        """Activations of every layer (input first) and the logits. scales: per hidden layer or None."""
        coefs = self.coefs_ if coefs is None else coefs
        acts = [X]
        for W, b, s in zip(coefs[:-1], self.intercepts_[:-1], scales):
            a = acts[-1] @ W
            a += b
            np.maximum(a, 0, out=a)
            if s is not None:
                a *= s
            acts.append(a)
        logits = acts[-1] @ coefs[-1] + self.intercepts_[-1]
        return acts, logits

    def _backward(self, acts, scales, g):
        """Weight and bias gradients of the loss whose gradient with respect to the logits is g.

        Also returns g at the first layer's output (before its ReLU): ``g @ W0.T`` is then the
        gradient with respect to the input."""
        dW, db = [], []
        for layer in range(len(self.coefs_) - 1, -1, -1):
            dW.append(acts[layer].T @ g)
            db.append(g.sum(axis=0))
            if layer > 0:
                g = self._down(g, layer, acts, scales)
        return dW[::-1], db[::-1], g

    def _down(self, g, layer, acts, scales):
        """Gradient with respect to the input of ``layer`` (the output of the layer below)."""
        g = g @ self.coefs_[layer].T
        if layer > 0:
            g *= acts[layer] > 0                  # ReLU (and any zeroed unit) passes no gradient
            if scales[layer - 1] is not None:
                g *= scales[layer - 1]
        return g

    def _input_grad(self, acts, scales, g):
        """Gradient with respect to the network's input, from the gradient g at the logits."""
        for layer in range(len(self.coefs_) - 1, -1, -1):
            g = self._down(g, layer, acts, scales)
        return g

    @staticmethod
    def _softmax_xent(logits, y):
        """Per-example losses, and the gradient of each example's loss with respect to its logits."""
        z = logits - logits.max(axis=1, keepdims=True)
        e = np.exp(z)
        total = e.sum(axis=1, keepdims=True)
        rows = np.arange(len(y))
        losses = np.log(total[:, 0]) - z[rows, y]
        g = e / total
        g[rows, y] -= 1
        return losses, g

    def _update(self, dW, db, rows0=None):
        """One optimizer step; weight decay added here, weight masks keep pruned weights at zero.

        rows0: dW[0] holds only these rows of the first layer's gradient (the others are zero).
        The step is the same, number for number, as with the full gradient: a zero adds nothing
        to a moment or a velocity, so only those rows of them are added to."""
        lr = np.float32(self._lr())
        if rows0 is not None and (self.weight_decay or self.weight_masks_ is not None):
            full = np.zeros_like(self.coefs_[0])
            full[rows0] = dW[0]
            dW, rows0 = [full] + dW[1:], None
        grads = dW + db
        params = self.coefs_ + self.intercepts_
        for i, W in enumerate(self.coefs_):
            if self.weight_decay:
                grads[i] += np.float32(self.weight_decay) * W
            if self.weight_masks_ is not None:
                grads[i] *= self.weight_masks_[i]
        self._step += 1
        rows = [rows0] + [slice(None)] * (len(params) - 1)
        if self.optimizer == "adam":
            m, v = self._state
            b1, b2, t = 0.9, 0.999, self._step
            step = lr * np.float32(np.sqrt(1 - b2**t) / (1 - b1**t))
            for p, g, mi, vi, r in zip(params, grads, m, v, rows):
                mi *= b1
                mi[r] += (1 - b1) * g
                vi *= b2
                vi[r] += (1 - b2) * g * g
                p -= step * mi / (np.sqrt(vi) + np.float32(1e-8))
        elif self._state:
            for p, g, vi, r in zip(params, grads, self._state[0], rows):
                vi *= np.float32(self.momentum)
                vi[r] += g
                p -= lr * vi
        else:
            for p, g, r in zip(params, grads, rows):
                p[r] -= lr * g
        if self.weight_masks_ is not None:          # pruned weights stay exactly zero
            for W, M in zip(self.coefs_, self.weight_masks_):
                W *= M

    def _lr(self):
        return self.lr if self.lr is not None else {"sgd": 0.05, "adam": 0.001}[self.optimizer]

    # ------------------------------------------------------------------ training
    def fit(self, X, y, epochs=None, validation=None, record=None, sensitivity=False, unit_mask=None):
        """Start from fresh weights and train for ``epochs`` (default: ``self.epochs``). Returns self.

        validation : (X_val, y_val) evaluated after every epoch, or None.
        record : None, "all" or indices of training examples whose loss and correctness are
            recorded every epoch (when each was seen, in training mode: no extra pass).
        sensitivity : record the loss sensitivity ||d loss_i / d x_i||_1 of the recorded examples
            (all examples when ``record`` is None).
        unit_mask : masks on hidden units per training example (see ``example_tied_masks``): an
            array for the last hidden layer, or a dict {hidden layer index: array}.

        If training fails (bad input, a loss that becomes NaN), the estimator is left as it was.

        >>> MLP(hidden=(4,), seed=0).fit([[0.0], [1.0]], [0, 1], epochs=3).history_["epoch"]
        [1, 2, 3]
        """
        saved = dict(self.__dict__)
        try:
            for name in [k for k in self.__dict__ if k.endswith("_") and not k.startswith("_")]:
                del self.__dict__[name]
            return self.partial_fit(X, y, epochs=self.epochs if epochs is None else epochs,
                                    validation=validation, record=record, sensitivity=sensitivity,
                                    unit_mask=unit_mask)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(saved)
            raise

    def partial_fit(self, X, y, epochs=1, validation=None, record=None, sensitivity=False, unit_mask=None):
        """Train ``epochs`` more epochs (1 by default), starting from fresh weights on the first call.

        Same arguments as ``fit``. Epoch-by-epoch experiments call this in a loop. An epoch is
        all or nothing: if it is interrupted (Ctrl-C, an error, a NaN loss), the weights, optimizer
        and random generator are put back as they were before it, so ``epochs_done_`` and
        ``history_`` describe the weights. After ``set_params(optimizer=...)`` (or momentum on/off)
        the new optimizer starts afresh from the current weights. ``loss_sensitivity_`` averages
        over the calls that recorded it, so they must all record the same examples (``fit``
        starts afresh).

        >>> net = MLP(hidden=(4,), seed=0)
        >>> for _ in range(2):
        ...     net = net.partial_fit([[0.0], [1.0]], [0, 1])
        >>> net.epochs_done_
        2
        """
        X = check_features(X)
        if not hasattr(self, "coefs_"):
            n_classes = self.n_classes
            if n_classes is None:
                n_classes = int(check_int_labels(y, X.shape[0]).max()) + 1
            self._init(X.shape[1], n_classes)
        else:
            check_hyperparameters(self)
            self._check_unchanged_layers()
        self._check_n_features(X)
        y = check_int_labels(y, X.shape[0], self.n_classes_)
        if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 1:
            raise ValueError(f"epochs must be a positive integer; got {epochs!r}.")
        masks = unit_masks(unit_mask, self.hidden, X.shape[0])
        if validation is not None:
            Xv, yv = validation
            Xv = check_features(Xv, "validation X")
            self._check_n_features(Xv)
            yv = check_int_labels(yv, Xv.shape[0], self.n_classes_, "validation y")
        rec = check_record(record, sensitivity, X.shape[0])
        if sensitivity:
            self._check_same_sensitivity_examples(rec)
        if self._state_kind != self._optimizer_kind():
            self._reset_optimizer()
        for _ in range(epochs):
            saved = self._training_state()
            try:
                with np.errstate(over="ignore", invalid="ignore"), _blas_limit(self.blas_threads):
                    entry = self._epoch(X, y, masks, rec, sensitivity)   # a NaN loss is caught and reported
                if validation is not None:
                    entry["val_loss"] = float(self.loss_per_example(Xv, yv).mean())
                    entry["val_accuracy"] = self.score(Xv, yv)
            except BaseException:
                self._restore_training_state(saved)
                raise
            self._commit_epoch(entry, rec)
        return self

    def _check_unchanged_layers(self):
        if tuple(self.hidden) != self._fitted_hidden():
            raise ValueError(f"hidden={tuple(self.hidden)} but this MLP was fitted with hidden="
                             f"{self._fitted_hidden()}; partial_fit continues the same network. Call fit() "
                             "to train a network with the new layers.")
        if self.n_classes is not None and self.n_classes != self.n_classes_:
            raise ValueError(f"n_classes={self.n_classes} but this MLP was fitted with {self.n_classes_} "
                             "classes; call fit() to train a network with the new number of classes.")

    def _check_same_sensitivity_examples(self, rec):
        old = getattr(self, "sensitivity_examples_", None)
        if self._sens_sum is not None and old is not None and not np.array_equal(old, rec):
            raise ValueError(f"loss_sensitivity_ so far averages the sensitivity of {len(old):,} examples "
                             f"(sensitivity_examples_); this call would record {len(rec):,} examples, not the "
                             "same ones. Pass the same record to partial_fit, or call fit() to start afresh.")

    def _epoch(self, X, y, masks, rec, sensitivity):
        """Train one epoch; return what it adds to history_ (committed by _commit_epoch)."""
        start, n = time.perf_counter(), X.shape[0]
        epoch = self.epochs_done_ + 1
        if rec is not None:
            slot = np.full(n, -1)
            slot[rec] = np.arange(len(rec))
            ex_loss = np.full(len(rec), np.nan, dtype=np.float32)
            ex_correct = np.zeros(len(rec), dtype=bool)
            sens = np.zeros(len(rec), dtype=np.float32)
        loss_sum, hits = 0.0, 0
        order = self._rng.permutation(n)
        for lo in range(0, n, self.batch_size):
            idx = order[lo:lo + self.batch_size]
            Xb, yb = X[idx], y[idx]
            if self.input_noise:
                Xb = Xb + np.float32(self.input_noise) * self._rng.standard_normal(Xb.shape, dtype=np.float32)
            scales = self._train_scales(idx, masks)
            # Images have many pixels that are 0 in the whole minibatch: leave them out of the
            # first layer's products (exact: they add nothing, and their weights get no gradient).
            cols = np.flatnonzero(Xb.any(axis=0)) if not self.input_noise else None
            if cols is not None and len(cols) < 0.9 * Xb.shape[1]:
                Xb, coefs = Xb[:, cols], [self.coefs_[0][cols]] + self.coefs_[1:]
            else:
                cols, coefs = None, self.coefs_
            acts, logits = self._forward(Xb, scales, coefs)
            losses, g = self._softmax_xent(logits, yb)
            batch_loss = float(losses.sum())
            if not np.isfinite(batch_loss):
                raise FloatingPointError(
                    f"The training loss became {batch_loss} in epoch {epoch} (examples {lo}-{lo + len(idx) - 1} "
                    f"of the epoch); stopped. Try a smaller learning rate than lr={self._lr():g}. The weights "
                    f"are those from before epoch {epoch}.")
            loss_sum += batch_loss
            correct = logits.argmax(axis=1) == yb
            hits += int(correct.sum())
            g /= np.float32(len(idx))
            if rec is not None:
                r = slot[idx]
                sel = r >= 0
                ex_loss[r[sel]], ex_correct[r[sel]] = losses[sel], correct[sel]
            dW, db, g_first = self._backward(acts, scales, g)
            if sensitivity and sel.any():  # d loss_i / d x_i of the recorded rows (all input columns)
                g_rec = g_first if sel.all() else g_first[sel]
                gx = (g_rec * np.float32(len(idx))) @ self.coefs_[0].T
                sens[r[sel]] += np.abs(gx).sum(axis=1)
            self._update(dW, db, rows0=cols)
        entry = {"epoch": epoch, "loss": loss_sum / n, "accuracy": hits / n}
        if rec is not None:
            entry.update(example_loss=ex_loss, example_correct=ex_correct)
        if sensitivity:
            entry["loss_sensitivity"] = sens
        entry["seconds"] = time.perf_counter() - start
        return entry

    def _commit_epoch(self, entry, rec):
        """Add a finished epoch to history_ and the counters (epochs_done_ last)."""
        h, epoch = self.history_, entry["epoch"]
        for key in ("epoch", "loss", "accuracy", "val_loss", "val_accuracy", "example_loss", "example_correct"):
            if key in entry:
                h.setdefault(key, []).append(entry[key])
        if "loss_sensitivity" in entry:
            self._add_sensitivity(rec, entry["loss_sensitivity"])
        if epoch in tuple(self.snapshot_epochs) and epoch not in self.snapshots_:   # first time only
            self.snapshots_[epoch] = self._params_copy()
        h["seconds"].append(entry["seconds"])
        self.epochs_done_ = epoch

    def _train_scales(self, idx, masks):
        """Per hidden layer, what multiplies the units of this minibatch: unit masks times dropout."""
        keep, scales = np.float32(1 - self.dropout), []
        for mask, width in zip(masks, self._fitted_hidden()):
            s = mask[idx] if mask is not None and mask.ndim == 2 else mask
            if self.dropout:
                d = (self._rng.random((len(idx), width), dtype=np.float32) < keep) / keep
                s = d if s is None else d * s
            scales.append(s)
        return scales

    def _add_sensitivity(self, rec, sens, history=True):
        if history:
            from .memorization import gini
            self.history_.setdefault("loss_sensitivity", []).append(sens)
            self.history_.setdefault("sensitivity_gini", []).append(gini(sens))
        if self._sens_sum is None:
            self._sens_sum, self._sens_epochs = np.zeros_like(sens), 0
        self._sens_sum, self._sens_epochs = self._sens_sum + sens, self._sens_epochs + 1
        self.loss_sensitivity_ = self._sens_sum / self._sens_epochs
        self.sensitivity_examples_ = rec

    def _check_n_features(self, X):
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features per example, but this MLP was fitted on "
                             f"{self.n_features_in_}.")

    # ------------------------------------------------------------------ what experiments read
    def _checked(self, X):
        self._check_fitted()
        X = check_features(X)
        self._check_n_features(X)
        return X

    def _chunk_rows(self):
        """Rows per evaluation chunk: at most 4096, and fewer when there are many classes or units."""
        row_bytes = 4 * (self.n_features_in_ + 2 * sum(self._fitted_hidden()) + 3 * self.n_classes_)
        return int(max(1, min(4096, EVAL_CHUNK_BYTES // row_bytes)))

    def _eval(self, X, unit_mask=None):
        """Yield (rows, acts, scales, logits) of a checked X in evaluation mode (no dropout, no noise)."""
        masks = unit_masks(unit_mask, self._fitted_hidden(), X.shape[0])
        chunk = self._chunk_rows()
        with _blas_limit(self.blas_threads):
            for lo in range(0, X.shape[0], chunk):
                rows = slice(lo, lo + chunk)
                scales = [m if m is None or m.ndim == 1 else m[rows] for m in masks]
                acts, logits = self._forward(X[rows], scales)
                yield rows, acts, scales, logits

    def _per_class_output(self, n, what):
        """An empty (n, n_classes) float32 array, refused before it is allocated if over the budget."""
        n_bytes = 4 * n * self.n_classes_
        if n_bytes > self.max_weight_bytes:
            raise MemoryError(f"{what} of {n:,} examples x {self.n_classes_:,} classes would need {n_bytes:,} "
                              f"bytes ({n_bytes / 2**30:.2f} GiB), over max_weight_bytes={self.max_weight_bytes:,}. "
                              "predict, score and loss_per_example work in chunks and need no such array; or "
                              "pass fewer examples at a time, or raise max_weight_bytes.")
        return np.empty((n, self.n_classes_), dtype=np.float32)

    def decision_function(self, X, unit_mask=None):
        """Logits (n, n_classes): the inputs of the softmax.

        >>> MLP(hidden=(4,), seed=0).fit([[0.0], [1.0]], [0, 1], epochs=1).decision_function([[0.5]]).shape
        (1, 2)
        """
        X = self._checked(X)
        out = self._per_class_output(X.shape[0], "decision_function")
        for rows, _, _, logits in self._eval(X, unit_mask):
            out[rows] = logits
        return out

    def predict_proba(self, X, unit_mask=None):
        """Class probabilities (n, n_classes).

        >>> p = MLP(hidden=(4,), seed=0).fit([[0.0], [1.0]], [0, 1], epochs=1).predict_proba([[0.5]])
        >>> round(float(p.sum()), 5)
        1.0
        """
        X = self._checked(X)
        out = self._per_class_output(X.shape[0], "predict_proba")
        for rows, _, _, z in self._eval(X, unit_mask):
            z -= z.max(axis=1, keepdims=True)
            np.exp(z, out=z)
            np.divide(z, z.sum(axis=1, keepdims=True), out=out[rows])
        return out

    def predict(self, X, unit_mask=None):
        """Most probable class of each example (computed in chunks: no n x n_classes array).

        >>> MLP(hidden=(8,), lr=0.5, seed=0).fit([[0.0], [1.0]], [0, 1], epochs=50).predict([[0.0], [1.0]]).tolist()
        [0, 1]
        """
        X = self._checked(X)
        out = np.empty(X.shape[0], dtype=np.int64)
        for rows, _, _, logits in self._eval(X, unit_mask):
            out[rows] = logits.argmax(axis=1)
        return out

    def score(self, X, y, sample_weight=None, unit_mask=None):
        """Accuracy of predict(X) against integer labels y.

        >>> MLP(hidden=(8,), lr=0.5, seed=0).fit([[0.0], [1.0]], [0, 1], epochs=50).score([[0.0], [1.0]], [0, 1])
        1.0
        """
        pred = self.predict(X, unit_mask)
        hits = pred == check_int_labels(y, len(pred), self.n_classes_)
        return float(np.average(hits, weights=sample_weight))

    def loss_per_example(self, X, y, unit_mask=None):
        """Cross-entropy loss of each example (n,), in evaluation mode, without weight decay.

        >>> X = np.eye(3, dtype=np.float32); net = MLP(hidden=(4,), seed=0).fit(X, [0, 1, 2], epochs=1)
        >>> net.loss_per_example(X, [0, 1, 2]).shape
        (3,)
        """
        X = self._checked(X)
        y = check_int_labels(y, X.shape[0], self.n_classes_)
        out = np.empty(X.shape[0], dtype=np.float32)
        for rows, _, _, logits in self._eval(X, unit_mask):
            out[rows] = self._softmax_xent(logits, y[rows])[0]
        return out

    def input_gradient(self, X, y, unit_mask=None, return_logits=False):
        """d loss_i / d x_i for each example (n, n_features): the gradient of its own loss.

        With ``return_logits=True`` also the logits at X (from the same forward pass).

        >>> X = np.eye(3, dtype=np.float32); net = MLP(hidden=(4,), seed=0).fit(X, [0, 1, 2], epochs=1)
        >>> net.input_gradient(X, [0, 1, 2]).shape
        (3, 3)
        """
        X = self._checked(X)
        y = check_int_labels(y, X.shape[0], self.n_classes_)
        grad = np.empty_like(X)
        all_logits = self._per_class_output(X.shape[0], "input_gradient(return_logits=True)") if return_logits else None
        for rows, acts, scales, logits in self._eval(X, unit_mask):
            grad[rows] = self._input_grad(acts, scales, self._softmax_xent(logits, y[rows])[1])
            if return_logits:
                all_logits[rows] = logits
        return (grad, all_logits) if return_logits else grad

    def class_gradient(self, X, c, unit_mask=None):
        """d logit_c / d x for each example (n, n_features); c is one class or one per example.

        >>> net = MLP(hidden=(), seed=0).fit(np.eye(2, dtype=np.float32), [0, 1], epochs=1)
        >>> np.allclose(net.class_gradient(np.eye(2, dtype=np.float32), 1), net.coefs_[0][:, 1])
        True
        """
        X = self._checked(X)
        n = X.shape[0]
        c = np.broadcast_to(np.asarray(c), (n,)) if np.ndim(c) == 0 else c
        c = check_int_labels(c, n, self.n_classes_, "c")
        grad = np.empty_like(X)
        for rows, acts, scales, logits in self._eval(X, unit_mask):
            g = np.zeros_like(logits)
            g[np.arange(len(g)), c[rows]] = 1
            grad[rows] = self._input_grad(acts, scales, g)
        return grad
