"""Several seeds of the same MLP trained together: one batched matrix product per layer.

A finding shown over several seeds needs several networks. When the networks are small (a few
thousand images, a few to a few dozen hidden units), a minibatch step of one fit is a few small
matrix products and some forty numpy calls, and the calls cost more than the arithmetic.
``MLPEnsemble`` trains S networks in one pass instead: every weight matrix gets a leading seed
axis, ``W`` of shape (S, d, h), the minibatches of all members are stacked, ``Xb`` of shape
(S, b, d), and ``np.matmul(Xb, W)`` does the S products in one call, so the calls are paid once
for S networks. The arithmetic is not shared (each member has its own minibatch and weights),
so from 16 units on the members train in two groups side by side, one thread each (``n_jobs``).
Measured on 2 cores, S = 10 on 1,000 and 2,000 MNIST images, against the ten single fits one
after the other (benchmarks/bench_ensemble.py, one BLAS thread): 2.0-2.4x faster at 8 units,
1.9-2.0x at 32, 1.2-1.3x at 128 and 1.0-1.1x at 512, where the products dominate. In one group,
wide layers are slower than single fits (0.7-0.8x at 128 and 512 units).

Each member is the network ``MLP(seed=s)`` trains alone, with the same hyperparameters: it
draws its initial weights, its order of the examples, its dropout and its input noise from its
own random generator, exactly as the single MLP does, and takes the same steps. The two differ
at most by float32 rounding. The first layer leaves out the input features that add nothing:
MLP those that are 0 in the whole minibatch, the ensemble those that are 0 in every training
example (pixels at the border of images); where the two sets differ, the first layer's sums are
split differently and may round differently. Where neither leaves anything out (inputs with few
zeros, or input noise), every member is its single fit bit for bit (with OpenBLAS, which numpy's
matmul calls once per member).

Data: ``X`` of shape (n, d) and ``y`` of shape (n,) are seen by every member. Give each member
its own data with a leading seed axis: ``y`` of shape (S, n) (its own random labels, say) and/or
``X`` of shape (S, n, d) (its own subset or its own noise images). All members have the same n.
``predict``, ``score`` and ``loss_per_example`` take the same shapes and answer per member.

``member(i)`` returns member i as a plain ``MLP`` (weights, optimizer state, random generator,
history): prune it, rewind it, take its input gradients, or train it further with
``partial_fit`` and it continues as the single fit would have.

>>> import numpy as np
>>> X = np.random.default_rng(0).normal(size=(300, 2)).astype(np.float32)
>>> y = (X[:, 0] * X[:, 1] > 0).astype(int)            # XOR of the signs: not linear
>>> ens = MLPEnsemble(n_seeds=3, hidden=(32,), lr=0.1).fit(X, y, epochs=60)
>>> ens.score(X, y).shape, bool((ens.score(X, y) > 0.9).all())     # one accuracy per seed
((3,), True)
>>> single = MLP(hidden=(32,), lr=0.1, seed=1).fit(X, y, epochs=60)
>>> bool(np.allclose(ens.member(1).coefs_[0], single.coefs_[0], rtol=1e-4, atol=1e-5))
True
"""
import copy
import threading
import time
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait

import numpy as np

from ._base import Estimator
from ._validation import DEFAULT_MAX_TABLE_BYTES
from ._nn_checks import check_features, check_hyperparameters, check_int_labels, check_record, weight_bytes
from .nn import MLP, _blas_limit

__all__ = ["MLPEnsemble"]

_MLP_PARAMS = ("hidden", "n_classes", "weight_decay", "dropout", "input_noise", "optimizer", "lr",
               "momentum", "batch_size", "epochs", "blas_threads")


class _Stopped(Exception):
    """A group of members stopped between two steps because another group failed."""


#: With n_jobs=None, the members train in two groups side by side when the first layer has at
#: least this many units (benchmarks/bench_ensemble.py: at 8 units, two groups were no faster than
#: one, or slower; from 32 units, 1.2 to 2 times faster).
MIN_WIDTH_FOR_TWO_GROUPS = 16


def _groups(n_members, n_jobs):
    """(first, end) of n_jobs contiguous groups of members, sizes as equal as possible.

    >>> _groups(10, 2), _groups(5, 2), _groups(3, 8)
    ([(0, 5), (5, 10)], [(0, 2), (2, 5)], [(0, 1), (1, 2), (2, 3)])
    """
    n = min(n_jobs, n_members)
    bounds = [i * n_members // n for i in range(n + 1)]
    return list(zip(bounds[:-1], bounds[1:]))


#: One member's slice of a parameter above this many numbers is updated member by member, so the
#: few passes of an optimizer step over it run in the cache (same arithmetic, element by element).
_BLOCK_SIZE = 1 << 14


def _member_blocks(*arrays):
    """The arrays whole, or their slices member by member when one member's slice is large."""
    if arrays[0][0].size < _BLOCK_SIZE:
        yield arrays
    else:
        for s in range(len(arrays[0])):
            yield tuple(a[s] for a in arrays)


def _transposed(A):
    """The last two axes swapped (a view): W.T for every member."""
    return A.transpose(0, 2, 1)


class MLPEnsemble(Estimator):
    """S independently seeded MLPs with the same hyperparameters, trained together.

    Parameters
    ----------
    n_seeds : int
        Number of members.
    seeds : sequence of int or None
        The members' seeds (distinct, >= 0); None gives 0, 1, ..., n_seeds - 1. When given,
        ``n_seeds`` must equal ``len(seeds)``.
    hidden, n_classes, weight_decay, dropout, input_noise, optimizer, lr, momentum, batch_size,
    epochs, blas_threads
        As for ``MLP``, the same for every member.
    n_jobs : int or None
        Train the members in this many groups side by side, one thread each (numpy and BLAS
        release the GIL while they compute). None (default): 2 when the first layer has at
        least ``MIN_WIDTH_FOR_TWO_GROUPS`` units, else 1 (narrower layers make short steps that
        are mostly Python, so two threads wait on each other). The groups are contiguous runs of
        members and every member computes exactly what it would alone, so the results do not
        depend on n_jobs. With ``blas_threads`` above 1, each group's products use that many
        BLAS threads.
    max_weight_bytes : int
        Refuse, before allocating, an ensemble whose weights, initial weights, optimizer state and
        minibatch activations (all members together) exceed this.

    Attributes (after fit)
    ----------------------
    coefs_, intercepts_ : lists of float32 arrays with a leading seed axis, (S, m, n) and (S, n).
    seeds_ : the members' seeds, in order.
    history_ : list of S dicts, one per member, with the keys of ``MLP.history_`` (``seconds`` is
        the time of the epoch of the whole ensemble).
    n_features_in_, n_classes_, classes_, epochs_done_ : as for ``MLP``.

    Not supported here (use ``member(i)`` or single MLPs): unit masks, weight masks and pruning,
    snapshots other than the initial weights, loss sensitivity, input gradients.
    """

    def __init__(self, n_seeds=5, seeds=None, hidden=(512,), n_classes=None, weight_decay=0.0, dropout=0.0,
                 input_noise=0.0, optimizer="sgd", lr=None, momentum=0.9, batch_size=128, epochs=10,
                 blas_threads=None, n_jobs=None, max_weight_bytes=DEFAULT_MAX_TABLE_BYTES):
        self.n_seeds = n_seeds
        self.seeds = seeds
        self.hidden = hidden
        self.n_classes = n_classes
        self.weight_decay = weight_decay
        self.dropout = dropout
        self.input_noise = input_noise
        self.optimizer = optimizer
        self.lr = lr
        self.momentum = momentum
        self.batch_size = batch_size
        self.epochs = epochs
        self.blas_threads = blas_threads
        self.n_jobs = n_jobs
        self.max_weight_bytes = max_weight_bytes

    # ------------------------------------------------------------------ checks
    def _check_seeds(self):
        """The members' seeds as a tuple of int, or a ValueError naming the parameter."""
        n = self.n_seeds
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"n_seeds must be a positive integer; got {n!r}.")
        if self.seeds is None:
            return tuple(range(n))
        seeds = tuple(self.seeds) if np.ndim(self.seeds) == 1 else None
        if not seeds or any(isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 0 for s in seeds):
            raise ValueError(f"seeds must be a sequence of integers >= 0 (or None); got {self.seeds!r}.")
        if len(set(seeds)) != len(seeds):
            raise ValueError(f"seeds must be distinct (two equal seeds train the same network); got {self.seeds!r}.")
        if len(seeds) != n:
            raise ValueError(f"n_seeds={n} but seeds has {len(seeds)} entries; pass n_seeds={len(seeds)}.")
        return tuple(int(s) for s in seeds)

    def _check_n_jobs(self):
        """Groups of members to train side by side (see the n_jobs parameter)."""
        n = self.n_jobs
        if n is None:
            return 2 if self.coefs_[0].shape[2] >= MIN_WIDTH_FOR_TWO_GROUPS else 1
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"n_jobs must be a positive integer or None (threads training groups of members); "
                             f"got {n!r}.")
        return int(n)

    def _check_X(self, X, name="X"):
        """(S, n, d) float32 for per-member data, or (n, d) shared by every member."""
        X = np.asarray(X)
        S = len(self.seeds_)
        if X.ndim == 3:
            if X.shape[0] != S:
                raise ValueError(f"{name} has shape {X.shape}: a 3-D {name} holds one data set per member, so "
                                 f"its first axis must be the number of members, {S}.")
            return np.stack([check_features(X[s], f"{name}[{s}]") for s in range(S)])
        if X.ndim != 2:
            raise ValueError(f"{name} must have shape (n, d), shared by every member, or (n_members, n, d); "
                             f"got shape {X.shape}.")
        return check_features(X, name)

    def _check_y(self, y, n, n_classes, name="y"):
        """(S, n) int64 labels: y of shape (n,) is shared by every member, (S, n) is per member."""
        y = np.asarray(y)
        S = len(self.seeds_)
        if y.ndim == 2:
            if y.shape[0] != S:
                raise ValueError(f"{name} has shape {y.shape}: a 2-D {name} holds one set of labels per member, "
                                 f"so its first axis must be the number of members, {S}.")
            return np.stack([check_int_labels(y[s], n, n_classes, f"{name}[{s}]") for s in range(S)])
        return np.broadcast_to(check_int_labels(y, n, n_classes, name), (S, n))

    def _check_n_features(self, X, name="X"):
        if X.shape[-1] != self.n_features_in_:
            raise ValueError(f"{name} has {X.shape[-1]} features per example, but this MLPEnsemble was fitted "
                             f"on {self.n_features_in_}.")

    def _check_memory(self, sizes, n_members):
        """MemoryError before anything is allocated, with what would be needed."""
        per_net = weight_bytes(sizes, self.optimizer, float("inf"))
        batch = min(self.batch_size, 1 << 20)
        activations = 4 * batch * (sizes[0] + 3 * sum(sizes[1:]))     # inputs, acts, scales, gradients
        total = n_members * (per_net + activations)
        if total > self.max_weight_bytes:
            raise MemoryError(f"An ensemble of {n_members} MLPs with layer sizes {sizes} would need {total:,} bytes "
                              f"({total / 2**30:.2f} GiB) for weights, optimizer state and minibatch activations, "
                              f"over max_weight_bytes={self.max_weight_bytes:,}. Use fewer members, narrower "
                              "layers or a smaller batch_size, or raise max_weight_bytes.")

    # ------------------------------------------------------------------ set-up
    def _mlp(self, seed):
        """A single MLP with this ensemble's hyperparameters and the given seed."""
        return MLP(seed=seed, max_weight_bytes=self.max_weight_bytes,
                   **{name: getattr(self, name) for name in _MLP_PARAMS})

    def _init(self, seeds, n_features, n_classes):
        check_hyperparameters(self)
        sizes = (n_features,) + tuple(self.hidden) + (n_classes,)
        self._check_memory(sizes, len(seeds))
        S, shapes = len(seeds), list(zip(sizes[:-1], sizes[1:]))
        self.coefs_ = [np.empty((S, m, n), np.float32) for m, n in shapes]
        self.intercepts_ = [np.empty((S, n), np.float32) for _, n in shapes]
        self._rngs = []
        for s, seed in enumerate(seeds):   # each member initialized by MLP itself: same weights, same generator
            net = self._mlp(seed)
            net._init(n_features, n_classes)
            for stack, p in zip(self.coefs_ + self.intercepts_, net.coefs_ + net.intercepts_):
                stack[s] = p
            self._rngs.append(net._rng)
        self.seeds_ = seeds
        self._initial = [p.copy() for p in self.coefs_ + self.intercepts_]
        self.n_features_in_, self.n_classes_ = n_features, n_classes
        self.classes_ = np.arange(n_classes)
        self.epochs_done_ = 0
        self.history_ = [{"epoch": [], "loss": [], "accuracy": [], "seconds": []} for _ in seeds]
        self._reset_optimizer()

    def _optimizer_kind(self):
        return "adam" if self.optimizer == "adam" else ("momentum" if self.momentum else "sgd")

    def _reset_optimizer(self):
        self._state_kind = self._optimizer_kind()
        n_states = {"sgd": 0, "momentum": 1, "adam": 2}[self._state_kind]
        self._state = [[np.zeros_like(p) for p in self.coefs_ + self.intercepts_] for _ in range(n_states)]
        self._step = 0

    def _training_state(self):
        return ([p.copy() for p in self.coefs_ + self.intercepts_], [[s.copy() for s in st] for st in self._state],
                self._step, [rng.bit_generator.state for rng in self._rngs])

    def _restore_training_state(self, saved):
        params, self._state, self._step, rng_states = saved
        n = len(self.coefs_)
        self.coefs_, self.intercepts_ = params[:n], params[n:]
        for rng, state in zip(self._rngs, rng_states):
            rng.bit_generator.state = state

    def _lr(self):
        return self.lr if self.lr is not None else {"sgd": 0.05, "adam": 0.001}[self.optimizer]

    # ------------------------------------------------------------------ forward and backward
    def _forward(self, Xb, scales):
        """Activations of every layer (input first) and the logits, all with the seed axis first.

        Xb may hold only the first features (see ``_nonzero_features_first``): the first layer
        then multiplies by the matching rows of its weights.
        """
        acts = [Xb]
        coefs = [self.coefs_[0][:, :Xb.shape[-1]]] + self.coefs_[1:]
        for W, b, s in zip(coefs[:-1], self.intercepts_[:-1], scales):
            a = np.matmul(acts[-1], W)
            a += b[:, None, :]
            np.maximum(a, 0, out=a)
            if s is not None:
                a *= s
            acts.append(a)
        logits = np.matmul(acts[-1], coefs[-1]) + self.intercepts_[-1][:, None, :]
        return acts, logits

    def _backward(self, acts, scales, g, first_grad=None):
        """Weight and bias gradients, from g, the gradient of the loss with respect to the logits.

        first_grad: when the first layer saw only the first k features, a buffer for its full
        gradient (reused from step to step; its rows k: are set to 0, the gradient of the rest).
        """
        dW, db = [], []
        for layer in range(len(self.coefs_) - 1, -1, -1):
            if layer == 0 and first_grad is not None:
                k = acts[0].shape[-1]
                first_grad[:, k:] = 0                  # _update may have added weight decay there
                np.matmul(_transposed(acts[0]), g, out=first_grad[:, :k])
                dW.append(first_grad)
            else:
                dW.append(np.matmul(_transposed(acts[layer]), g))
            db.append(g.sum(axis=1))
            if layer > 0:
                g = np.matmul(g, _transposed(self.coefs_[layer]))
                g *= acts[layer] > 0                  # ReLU (and any dropped unit) passes no gradient
                if scales[layer - 1] is not None:
                    g *= scales[layer - 1]
        return dW[::-1], db[::-1]

    @staticmethod
    def _softmax_xent(logits, y):
        """Per-example losses (S, b) and their gradients with respect to the logits (S, b, c)."""
        z = logits - logits.max(axis=-1, keepdims=True)
        e = np.exp(z)
        total = e.sum(axis=-1, keepdims=True)
        at_label = np.arange(y.size) * z.shape[-1] + y.ravel()        # flat index of (member, row, y)
        losses = np.log(total[..., 0]) - z.ravel()[at_label].reshape(y.shape)
        g = e / total
        g.ravel()[at_label] -= 1
        return losses, g

    def _update(self, dW, db):
        """One optimizer step for every member: the same arithmetic as MLP._update."""
        lr = np.float32(self._lr())
        grads = dW + db
        params = self.coefs_ + self.intercepts_
        if self.weight_decay:
            for W, g in zip(self.coefs_, grads):
                for W, g in _member_blocks(W, g):
                    g += np.float32(self.weight_decay) * W
        self._step += 1
        if self.optimizer == "adam":
            b1, b2, t = 0.9, 0.999, self._step
            step = lr * np.float32(np.sqrt(1 - b2**t) / (1 - b1**t))
            for arrays in zip(params, grads, *self._state):
                for p, g, mi, vi in _member_blocks(*arrays):
                    mi *= b1
                    mi += (1 - b1) * g
                    vi *= b2
                    vi += (1 - b2) * g * g
                    p -= step * mi / (np.sqrt(vi) + np.float32(1e-8))
        elif self._state:
            for arrays in zip(params, grads, self._state[0]):
                for p, g, vi in _member_blocks(*arrays):
                    vi *= np.float32(self.momentum)
                    vi += g
                    p -= lr * vi
        else:
            for p, g in zip(params, grads):
                p -= lr * g

    # ------------------------------------------------------------------ training
    def fit(self, X, y, epochs=None, validation=None, record=None):
        """Start every member from fresh weights and train ``epochs`` (default: ``self.epochs``).

        X : (n, d) shared, or (S, n, d), one data set per member. y : (n,) or (S, n).
        validation : (X_val, y_val), shapes as for X and y, evaluated after every epoch, or None.
        record : None, "all" or indices of training examples whose loss and correctness are
            recorded every epoch, in every member (``history_[i]["example_loss"]``, as MLP).
        If training fails (bad input, a loss that becomes NaN in any member), the ensemble is
        left as it was. Returns self.

        >>> ens = MLPEnsemble(n_seeds=2, hidden=(4,)).fit([[0.0], [1.0]], [[0, 1], [1, 0]], epochs=3)
        >>> [h["epoch"] for h in ens.history_]
        [[1, 2, 3], [1, 2, 3]]
        """
        saved = dict(self.__dict__)
        try:
            for name in [k for k in self.__dict__ if k.endswith("_") and not k.startswith("_")]:
                del self.__dict__[name]
            return self.partial_fit(X, y, epochs=self.epochs if epochs is None else epochs,
                                    validation=validation, record=record)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(saved)
            raise

    def partial_fit(self, X, y, epochs=1, validation=None, record=None):
        """Train every member ``epochs`` more epochs (1 by default); fresh weights on the first call.

        Same arguments as ``fit``. An epoch is all or nothing, for all members together.

        >>> ens = MLPEnsemble(n_seeds=2, hidden=(4,))
        >>> ens.partial_fit([[0.0], [1.0]], [0, 1]).partial_fit([[0.0], [1.0]], [0, 1]).epochs_done_
        2
        """
        if not hasattr(self, "coefs_"):
            self.seeds_ = self._check_seeds()
        elif self._check_seeds() != self.seeds_:
            raise ValueError(f"seeds changed since fit (fitted with {self.seeds_}); call fit() to start afresh.")
        X = self._check_X(X)
        n = X.shape[-2]
        if not hasattr(self, "coefs_"):
            n_classes = self.n_classes
            if n_classes is None:
                n_classes = int(self._check_y(y, n, None).max()) + 1
            self._init(self.seeds_, X.shape[-1], n_classes)
        else:
            check_hyperparameters(self)
            self._check_unchanged_layers()
        self._check_n_features(X)
        y = self._check_y(y, n, self.n_classes_)
        if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 1:
            raise ValueError(f"epochs must be a positive integer; got {epochs!r}.")
        if validation is not None:
            Xv = self._check_X(validation[0], "validation X")
            self._check_n_features(Xv, "validation X")
            yv = self._check_y(validation[1], Xv.shape[-2], self.n_classes_, "validation y")
        rec = check_record(record, False, n)
        features = self._nonzero_features_first(X)
        if self._state_kind != self._optimizer_kind():
            self._reset_optimizer()
        for _ in range(epochs):
            saved = self._training_state()
            try:
                with np.errstate(over="ignore", invalid="ignore"), _blas_limit(self.blas_threads):
                    entries = self._epoch(X, y, rec, features)
                if validation is not None:
                    val_loss = self.loss_per_example(Xv, yv).mean(axis=1)
                    val_accuracy = self.score(Xv, yv)
                    for s, entry in enumerate(entries):
                        entry["val_loss"], entry["val_accuracy"] = float(val_loss[s]), float(val_accuracy[s])
            except BaseException:
                self._restore_training_state(saved)
                raise
            for h, entry in zip(self.history_, entries):
                for key, value in entry.items():
                    h.setdefault(key, []).append(value)
            self.epochs_done_ += 1
        return self

    def _check_unchanged_layers(self):
        fitted = tuple(W.shape[2] for W in self.coefs_[:-1])
        if tuple(self.hidden) != fitted:
            raise ValueError(f"hidden={tuple(self.hidden)} but this MLPEnsemble was fitted with hidden={fitted}; "
                             "call fit() to train networks with the new layers.")
        if self.n_classes is not None and self.n_classes != self.n_classes_:
            raise ValueError(f"n_classes={self.n_classes} but this MLPEnsemble was fitted with {self.n_classes_} "
                             "classes; call fit() to train networks with the new number of classes.")

    def _train_draws(self, shape_b):
        """Input noise (S, b, d) and dropout scales per hidden layer (S, b, width), or None.

        Each member draws from its own generator in the order MLP draws: its noise, then its
        dropout layer by layer.
        """
        S, (b, d) = len(self._rngs), shape_b
        widths = [W.shape[2] for W in self.coefs_[:-1]]
        noise = np.empty((S, b, d), np.float32) if self.input_noise else None
        keep = np.float32(1 - self.dropout)
        kept = [np.empty((S, b, w), bool) for w in widths] if self.dropout else None
        for s, rng in enumerate(self._rngs):
            if noise is not None:
                noise[s] = rng.standard_normal((b, d), dtype=np.float32)
            if kept is not None:
                for k, w in zip(kept, widths):
                    k[s] = rng.random((b, w), dtype=np.float32) < keep
        scales = [k / keep for k in kept] if kept is not None else [None] * len(widths)
        return noise, scales

    def _nonzero_features_first(self, X):
        """(X reduced to its features that are not 0 in every example, an order of all features that
        puts those first) when that leaves out at least a tenth of them; else None.

        A feature that is 0 in every training example adds nothing to the first layer's products
        and its weights get no gradient, so training leaves it out (as MLP does for the features
        that are 0 in one minibatch; images have such pixels). With input noise no feature is 0.
        """
        if self.input_noise:
            return None
        used = X.reshape(-1, X.shape[-1]).any(axis=0)
        if used.sum() >= 0.9 * X.shape[-1]:
            return None
        order = np.argsort(~used, kind="stable")
        return np.ascontiguousarray(X[..., order[:used.sum()]]), order

    def _reorder_first_layer(self, order):
        """Put the rows of the first weight matrix, and of its optimizer state, in this order."""
        self.coefs_[0] = self.coefs_[0][:, order]
        for state in self._state:
            state[0] = state[0][:, order]

    def _epoch(self, X, y, rec, features=None):
        """Train one epoch of every member; return one history entry per member.

        features: None, or (X with the used features only, the order that puts them first):
        while the epoch runs, the first layer's weights are held in that order, so the rows that
        are used form one block.
        """
        if features is None:
            return self._epoch_groups(X, y, rec)
        X, order = features
        self._reorder_first_layer(order)
        try:
            return self._epoch_groups(X, y, rec)
        finally:
            self._reorder_first_layer(np.argsort(order))

    def _group(self, first, end):
        """Members first..end-1 as an ensemble of their own whose arrays are views of this one's:
        its steps update these members in place."""
        part = copy.copy(self)
        part.coefs_ = [W[first:end] for W in self.coefs_]
        part.intercepts_ = [b[first:end] for b in self.intercepts_]
        part._state = [[a[first:end] for a in state] for state in self._state]
        part._rngs, part.seeds_, part._first_member = self._rngs[first:end], self.seeds_[first:end], first
        return part

    def _epoch_groups(self, X, y, rec):
        """One epoch of every member, the groups of n_jobs in threads side by side."""
        groups = _groups(len(self.seeds_), self._check_n_jobs())
        if len(groups) == 1:
            return self._epoch_steps(X, y, rec)
        start, stop = time.perf_counter(), threading.Event()
        parts = [self._group(first, end) for first, end in groups]

        def run(part, first, end):
            with np.errstate(over="ignore", invalid="ignore"):   # error states are per thread
                return part._epoch_steps(X[first:end] if X.ndim == 3 else X, y[first:end], rec, stop)

        with ThreadPoolExecutor(len(parts), thread_name_prefix="MLPEnsemble") as pool:
            futures = [pool.submit(run, part, *group) for part, group in zip(parts, groups)]
            try:                               # all done, or one failed, or Ctrl-C: the others
                wait(futures, return_when=FIRST_EXCEPTION)       # stop at their next step, and
            finally:                                             # the caller restores the state
                stop.set()                                       # once they have
                wait(futures)
        failures = [f.exception() for f in futures if f.exception() and not isinstance(f.exception(), _Stopped)]
        if failures:
            raise failures[0]
        entries = [entry for future in futures for entry in future.result()]
        self._step = parts[0]._step
        seconds = time.perf_counter() - start
        for entry in entries:
            entry["seconds"] = seconds
        return entries

    def _epoch_steps(self, X, y, rec, stop=None):
        start, S, n = time.perf_counter(), len(self.seeds_), X.shape[-2]
        first_member = getattr(self, "_first_member", 0)
        epoch = self.epochs_done_ + 1
        members = np.arange(S)[:, None]
        orders = np.stack([rng.permutation(n) for rng in self._rngs])       # (S, n), each its own order
        if rec is not None:
            slot = np.full(n, -1)
            slot[rec] = np.arange(len(rec))
            ex_loss = np.full((S, len(rec)), np.nan, dtype=np.float32)
            ex_correct = np.zeros((S, len(rec)), dtype=bool)
        loss_sum, hits = np.zeros(S), np.zeros(S, dtype=np.int64)
        first_grad = np.zeros_like(self.coefs_[0]) if X.shape[-1] < self.coefs_[0].shape[1] else None
        for lo in range(0, n, self.batch_size):
            if stop is not None and stop.is_set():
                raise _Stopped
            idx = orders[:, lo:lo + self.batch_size]                        # (S, b)
            Xb = X[members, idx] if X.ndim == 3 else X[idx]                  # (S, b, d)
            yb = y[members, idx]
            noise, scales = self._train_draws(Xb.shape[1:])
            if noise is not None:
                Xb = Xb + np.float32(self.input_noise) * noise
            acts, logits = self._forward(Xb, scales)
            losses, g = self._softmax_xent(logits, yb)
            batch_loss = losses.sum(axis=1)
            if not np.isfinite(batch_loss).all():
                s = int(np.flatnonzero(~np.isfinite(batch_loss))[0])
                raise FloatingPointError(
                    f"The training loss of member {first_member + s} (seed {self.seeds_[s]}) became {batch_loss[s]} in epoch "
                    f"{epoch}; stopped. Try a smaller learning rate than lr={self._lr():g}. The weights of every "
                    f"member are those from before epoch {epoch}.")
            loss_sum += batch_loss
            correct = logits.argmax(axis=-1) == yb
            hits += correct.sum(axis=1)
            g /= np.float32(idx.shape[1])
            if rec is not None:
                r = slot[idx]
                sel = r >= 0
                ex_loss[np.nonzero(sel)[0], r[sel]] = losses[sel]
                ex_correct[np.nonzero(sel)[0], r[sel]] = correct[sel]
            dW, db = self._backward(acts, scales, g, first_grad)
            self._update(dW, db)
        seconds = time.perf_counter() - start
        entries = []
        for s in range(S):
            entry = {"epoch": epoch, "loss": float(loss_sum[s]) / n, "accuracy": int(hits[s]) / n}
            if rec is not None:
                entry.update(example_loss=ex_loss[s], example_correct=ex_correct[s])
            entry["seconds"] = seconds
            entries.append(entry)
        return entries

    # ------------------------------------------------------------------ what experiments read
    def _logits(self, X, chunk=4096):
        """Logits (S, n, n_classes) in evaluation mode, X shared (n, d) or per member (S, n, d)."""
        self._check_fitted()
        X = self._check_X(X)
        self._check_n_features(X)
        n, parts = X.shape[-2], []
        with _blas_limit(self.blas_threads):
            for lo in range(0, n, chunk):
                a = X[..., lo:lo + chunk, :]
                for W, b in zip(self.coefs_[:-1], self.intercepts_[:-1]):
                    a = np.matmul(a, W)                  # (n, d) @ (S, d, h) broadcasts over the members
                    a += b[:, None, :]
                    np.maximum(a, 0, out=a)
                parts.append(np.matmul(a, self.coefs_[-1]) + self.intercepts_[-1][:, None, :])
        return np.concatenate(parts, axis=1)

    def decision_function(self, X):
        """Logits (S, n, n_classes) of every member."""
        return self._logits(X)

    def predict_proba(self, X):
        """Class probabilities (S, n, n_classes) of every member."""
        z = self._logits(X)
        z -= z.max(axis=-1, keepdims=True)
        np.exp(z, out=z)
        return z / z.sum(axis=-1, keepdims=True)

    def predict(self, X):
        """Most probable class (S, n) of each example, for every member."""
        return self._logits(X).argmax(axis=-1)

    def score(self, X, y, sample_weight=None):
        """Accuracy of every member (an array of S floats); y of shape (n,) or (S, n).

        >>> MLPEnsemble(n_seeds=2, hidden=(8,), lr=0.5).fit([[0.0], [1.0]], [0, 1], epochs=50).score(
        ...     [[0.0], [1.0]], [0, 1]).tolist()
        [1.0, 1.0]
        """
        pred = self.predict(X)
        hits = pred == self._check_y(y, pred.shape[1], self.n_classes_)
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight, dtype=float)
            if sample_weight.shape != (pred.shape[1],):
                raise ValueError(f"sample_weight has shape {sample_weight.shape}; expected ({pred.shape[1]},).")
        return np.average(hits, axis=1, weights=sample_weight)

    def loss_per_example(self, X, y):
        """Cross-entropy loss (S, n) of each example under each member, without weight decay."""
        logits = self._logits(X)
        losses, _ = self._softmax_xent(logits, self._check_y(y, logits.shape[1], self.n_classes_))
        return losses

    def member(self, i):
        """Member i as a plain MLP: its weights, optimizer state, random generator and history.

        Every MLP tool works on it (prune, rewind(0), input_gradient, ...), and training it
        further with partial_fit continues as the single MLP with its seed would have.

        >>> ens = MLPEnsemble(n_seeds=2, hidden=(4,)).fit([[0.0], [1.0]], [0, 1], epochs=2)
        >>> net = ens.member(1)
        >>> net.seed, net.epochs_done_, bool(np.array_equal(net.coefs_[0], ens.coefs_[0][1]))
        (1, 2, True)
        """
        self._check_fitted()
        S = len(self.seeds_)
        if isinstance(i, bool) or not isinstance(i, (int, np.integer)) or not -S <= i < S:
            raise ValueError(f"member index must be an integer in 0..{S - 1}; got {i!r}.")
        net = self._mlp(self.seeds_[i])
        net._init(self.n_features_in_, self.n_classes_)      # initial weights, snapshots_[0], generator
        net.coefs_ = [W[i].copy() for W in self.coefs_]
        net.intercepts_ = [b[i].copy() for b in self.intercepts_]
        net.snapshots_ = {0: [p[i].copy() for p in self._initial]}
        if self._state_kind == net._optimizer_kind():
            net._state = [[s[i].copy() for s in st] for st in self._state]
            net._step = self._step
        net._rng.bit_generator.state = self._rngs[i].bit_generator.state
        net.epochs_done_ = self.epochs_done_
        net.history_ = {key: list(values) for key, values in self.history_[i].items()}
        return net
