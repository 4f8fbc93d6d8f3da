"""lutlib.nn_ensemble: every member is the network its seed gives alone; per-member data; errors.

Tolerances. A member performs the float32 operations of the single MLP in the same order
(numpy's matmul on a stack calls the same sgemm once per member), with one exception: the first
layer leaves out the pixel columns that are 0 in the minibatch, and the ensemble leaves out those
that are 0 in every member's minibatch, so the first layer's sums may be split differently and
round differently (by about one float32 ulp, 1.2e-7 relative). Over a few epochs these
differences grow to about 1e-6 on weights of size 0.05 to 0.5 (measured: at most 1.9e-6 after
5 epochs of Adam on 500 MNIST images). WEIGHT_ATOL = 1e-5 bounds that with margin and stays
four orders below the distance between two seeds' networks (checked in every test that uses it).
Where no column is left out (dense inputs) and the BLAS is OpenBLAS, the members are
bit-identical to the single fits, and the tests say so.
"""
import numpy as np
import pytest

from lutlib import NotFittedError
from lutlib.nn import MLP
from lutlib.nn_ensemble import MLPEnsemble

WEIGHT_ATOL, RTOL = 1e-5, 1e-5


def blas_is_openblas():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    return all(info["internal_api"] == "openblas" for info in threadpoolctl.threadpool_info()
               if info["user_api"] == "blas")


def sparse_problem(n=150, d=30, classes=4, seed=0):
    """Inputs with many zeros, as images have, and a border that is 0 in every example: the first
    layer leaves columns out (MLP per minibatch, the ensemble those 0 in every example)."""
    rng = np.random.default_rng(seed)
    X = rng.random((n, d), dtype=np.float32) * (rng.random((n, d)) < 0.15)
    X[:, :d // 4] = 0
    return X, rng.integers(0, classes, n)


def dense_problem(n=150, d=12, classes=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)).astype(np.float32), rng.integers(0, classes, n)


def assert_same_network(member, single, X, y, exact):
    """Weights, history and everything read from the networks agree (bit for bit if exact)."""
    check = np.testing.assert_array_equal if exact else (
        lambda a, b: np.testing.assert_allclose(a, b, rtol=RTOL, atol=WEIGHT_ATOL))
    for a, b in zip(member.coefs_ + member.intercepts_, single.coefs_ + single.intercepts_):
        check(a, b)
    assert member.history_["epoch"] == single.history_["epoch"]
    for key in ("loss", "accuracy", "val_loss", "val_accuracy", "example_loss"):
        if key in single.history_ or key in member.history_:
            check(np.array(member.history_[key], dtype=float), np.array(single.history_[key], dtype=float))


CONFIGS = {
    "sgd momentum, 1 hidden, 150 / 64 examples per step": dict(hidden=(16,), lr=0.1, batch_size=64),
    "sgd, no hidden layer, input noise, 150 / 17": dict(hidden=(), momentum=0.0, input_noise=0.2,
                                                           batch_size=17),
    "adam, 2 hidden, dropout, weight decay, 150 / 40": dict(hidden=(16, 8), optimizer="adam", lr=0.01,
                                                             dropout=0.3, weight_decay=0.01, batch_size=40),
    "sgd, dropout, weight decay, n_classes given": dict(hidden=(24,), dropout=0.5, weight_decay=0.05,
                                                        n_classes=6, batch_size=32),
}


@pytest.mark.parametrize("params", CONFIGS.values(), ids=CONFIGS.keys())
@pytest.mark.parametrize("data", ["sparse", "dense"])
def test_each_member_equals_the_network_its_seed_gives_alone(params, data):
    X, y = sparse_problem() if data == "sparse" else dense_problem()
    Xv, yv = (sparse_problem if data == "sparse" else dense_problem)(n=40, seed=1)
    exact = data == "dense" and blas_is_openblas()
    seeds = (7, 0, 3)
    ens = MLPEnsemble(n_seeds=3, seeds=seeds, **params).fit(X, y, epochs=3, validation=(Xv, yv), record="all")
    assert ens.coefs_[0].shape[0] == 3 and ens.seeds_ == seeds
    proba, losses, pred = ens.predict_proba(Xv), ens.loss_per_example(Xv, yv), ens.predict(Xv)
    singles = [MLP(seed=s, **params).fit(X, y, epochs=3, validation=(Xv, yv), record="all") for s in seeds]
    for i, single in enumerate(singles):
        assert_same_network(ens.member(i), single, X, y, exact)
        check = np.testing.assert_array_equal if exact else (
            lambda a, b: np.testing.assert_allclose(a, b, rtol=RTOL, atol=WEIGHT_ATOL))
        check(proba[i], single.predict_proba(Xv))
        check(losses[i], single.loss_per_example(Xv, yv))
        assert np.array_equal(pred[i], single.predict(Xv)) or not exact
    np.testing.assert_allclose(ens.score(Xv, yv), [s.score(Xv, yv) for s in singles], atol=1 / 40 + 1e-12)
    # The tolerance is far below what tells two seeds apart.
    assert np.abs(singles[0].coefs_[0] - singles[1].coefs_[0]).max() > 1000 * WEIGHT_ATOL


def test_each_member_its_own_labels_or_its_own_images():
    X, y = sparse_problem(n=120)
    S = 3
    labels = np.stack([np.random.default_rng(s).permutation(y) for s in range(S)])      # (S, n)
    images = np.stack([np.random.default_rng(10 + s).permuted(X, axis=1) for s in range(S)])  # (S, n, d)
    params = dict(hidden=(12,), lr=0.1, batch_size=50)
    by_labels = MLPEnsemble(n_seeds=S, **params).fit(X, labels, epochs=2)
    by_images = MLPEnsemble(n_seeds=S, **params).fit(images, y, epochs=2)
    for s in range(S):
        assert_same_network(by_labels.member(s), MLP(seed=s, **params).fit(X, labels[s], epochs=2), X, y, False)
        assert_same_network(by_images.member(s), MLP(seed=s, **params).fit(images[s], y, epochs=2), X, y, False)
    assert by_labels.score(X, labels).shape == (S,)
    np.testing.assert_allclose(by_images.score(images, y), [by_images.member(s).score(images[s], y)
                                                            for s in range(S)])
    assert by_labels.loss_per_example(X, labels).shape == (S, 120)


def test_a_member_is_a_plain_mlp_that_trains_on_as_the_single_fit():
    X, y = sparse_problem()
    params = dict(hidden=(16,), optimizer="adam", lr=0.01, dropout=0.2, batch_size=64)
    ens = MLPEnsemble(n_seeds=2, seeds=(5, 6), **params).fit(X, y, epochs=2)
    net = ens.member(1)
    assert isinstance(net, MLP) and net.seed == 6 and net.epochs_done_ == 2
    net.partial_fit(X, y, epochs=2)                        # optimizer state and generator carried over
    assert_same_network(net, MLP(seed=6, **params).fit(X, y, epochs=4), X, y, False)
    np.testing.assert_array_equal(net.rewind(0).coefs_[0], MLP(seed=6, **params).fit(X, y, epochs=1).snapshots_[0][0])
    assert net.input_gradient(X, y).shape == X.shape       # every MLP tool works on a member
    assert not np.shares_memory(ens.member(0).coefs_[0], ens.coefs_[0])


def test_partial_fit_continues_and_seeds_default_to_range():
    X, y = dense_problem()
    a = MLPEnsemble(n_seeds=3, hidden=(8,)).fit(X, y, epochs=3)
    b = MLPEnsemble(n_seeds=3, hidden=(8,))
    for _ in range(3):
        b.partial_fit(X, y)
    assert a.seeds_ == (0, 1, 2) and b.epochs_done_ == 3
    for Wa, Wb in zip(a.coefs_, b.coefs_):
        np.testing.assert_array_equal(Wa, Wb)
    assert [h["loss"] for h in a.history_] == [h["loss"] for h in b.history_]
    b.set_params(seeds=(0, 1, 5))
    with pytest.raises(ValueError, match="seeds changed since fit"):
        b.partial_fit(X, y)
    sklearn = pytest.importorskip("sklearn.base")
    assert sklearn.clone(a).get_params() == a.get_params()


@pytest.mark.parametrize("params, match", [
    (dict(n_seeds=0), "n_seeds must be a positive integer; got 0"),
    (dict(n_seeds=2.0), "n_seeds must be a positive integer"),
    (dict(n_seeds=2, seeds=(0, 0)), "seeds must be distinct"),
    (dict(n_seeds=2, seeds=(0, -1)), "seeds must be a sequence of integers >= 0"),
    (dict(n_seeds=1, seeds=5), "seeds must be a sequence of integers"),
    (dict(n_seeds=5, seeds=(0, 1, 2)), "n_seeds=5 but seeds has 3 entries; pass n_seeds=3"),
    (dict(dropout=1.0), r"dropout must be a number in \[0, 1\)"),
    (dict(batch_size=0), "batch_size must be a positive integer"),
    (dict(optimizer="rmsprop"), "optimizer must be 'sgd' or 'adam'"),
])
def test_bad_parameters(params, match):
    with pytest.raises(ValueError, match=match):
        MLPEnsemble(**{"hidden": (4,), **params}).fit([[0.0], [1.0]], [0, 1])


@pytest.mark.parametrize("X, y, error, match", [
    (np.zeros((3, 2, 1)), [0, 1], ValueError, r"first axis must be the number of members, 2"),
    ([[0.0], [1.0]], [[0, 1], [1, 0], [0, 0]], ValueError, r"first axis must be the number of members, 2"),
    ([[0.0], [1.0]], [[0, 1], [1, -1]], ValueError, r"y\[1\] must hold class indices >= 0"),
    ([[[0.0], [1.0]], [[0.0], [np.nan]]], [0, 1], ValueError, r"X\[1\] contains nan at row 1"),
    ([0.0, 1.0], [0, 1], ValueError, r"shape \(n, d\), shared by every member, or \(n_members, n, d\)"),
    ([[0.0], [1.0]], [0], ValueError, "1 labels but X has 2"),
    ([["a"], ["b"]], [0, 1], TypeError, "real numbers"),
])
def test_bad_data(X, y, error, match):
    with pytest.raises(error, match=match):
        MLPEnsemble(n_seeds=2, hidden=(4,)).fit(X, y)


def test_fitted_checks_and_readers():
    with pytest.raises(NotFittedError):
        MLPEnsemble(n_seeds=2).predict([[0.0]])
    ens = MLPEnsemble(n_seeds=2, hidden=(4,), n_classes=3).fit([[0.0], [1.0]], [0, 2], epochs=1)
    with pytest.raises(ValueError, match="2 features per example, but this MLPEnsemble was fitted on 1"):
        ens.predict([[0.0, 1.0]])
    with pytest.raises(ValueError, match=r"label 3 at index 1, out of range for n_classes=3"):
        ens.score([[0.0], [1.0]], [0, 3])
    with pytest.raises(ValueError, match=r"member index must be an integer in 0..1; got 2"):
        ens.member(2)
    with pytest.raises(ValueError, match=r"sample_weight has shape \(3,\); expected \(2,\)"):
        ens.score([[0.0], [1.0]], [0, 2], sample_weight=[1, 1, 1])
    with pytest.raises(ValueError, match=r"validation X\[1\] contains inf"):
        ens.partial_fit([[0.0], [1.0]], [0, 1], validation=([[[0.0]], [[np.inf]]], [0]))
    ens.set_params(hidden=(5,))
    with pytest.raises(ValueError, match=r"hidden=\(5,\) but this MLPEnsemble was fitted with hidden=\(4,\)"):
        ens.partial_fit([[0.0], [1.0]], [0, 1])


def test_memory_budget_refused_before_allocating():
    with pytest.raises(MemoryError, match=r"An ensemble of 10 MLPs .* over max_weight_bytes=1,000,000"):
        MLPEnsemble(n_seeds=10, hidden=(100,), max_weight_bytes=10**6).fit(np.zeros((2, 99), np.float32), [0, 1])
    MLPEnsemble(n_seeds=1, hidden=(100,), max_weight_bytes=10**6).fit(np.zeros((2, 99), np.float32), [0, 1])
    with pytest.raises(MemoryError, match="bytes"):      # 10 x 10^9 weights: refused, never allocated
        MLPEnsemble(n_seeds=10, hidden=(10**6,)).fit(np.zeros((2, 1000), np.float32), [0, 1])


def test_a_nan_loss_in_one_member_undoes_the_epoch_of_all():
    X, y = dense_problem(n=200)
    ens = MLPEnsemble(n_seeds=3, hidden=(64,), lr=1e12)
    with pytest.raises(FloatingPointError, match=r"loss of member \d \(seed \d\) became .* in epoch \d+"):
        ens.fit(X, y, epochs=50)
    assert not hasattr(ens, "coefs_")                     # a failed fit leaves the ensemble unfitted
    good = MLPEnsemble(n_seeds=3, hidden=(64,)).fit(X, y, epochs=1)
    before = [W.copy() for W in good.coefs_]
    good.set_params(lr=1e12)
    with pytest.raises(FloatingPointError, match="from before epoch"):
        good.partial_fit(X, y, epochs=50)
    assert good.epochs_done_ == len(good.history_[0]["loss"]) >= 1
    assert np.isfinite(good.coefs_[0]).all()
    if good.epochs_done_ == 1:
        np.testing.assert_array_equal(good.coefs_[0], before[0])


@pytest.mark.parametrize("params", CONFIGS.values(), ids=CONFIGS.keys())
def test_results_do_not_depend_on_n_jobs(params):
    """Groups of members trained in threads side by side compute what one group computes."""
    X, y = sparse_problem(n=120)
    Xs = np.stack([X, X[::-1], X * 0.5])               # per-member data, split with the members
    runs = [MLPEnsemble(n_seeds=3, seeds=(4, 0, 9), n_jobs=jobs, **params).fit(
        Xs, y, epochs=3, record="all", validation=(X[:50], y[:50])) for jobs in (1, 2, 3, 8)]
    for other in runs[1:]:
        for a, b in zip(runs[0].coefs_ + runs[0].intercepts_, other.coefs_ + other.intercepts_):
            np.testing.assert_array_equal(a, b)
        for h1, h2 in zip(runs[0].history_, other.history_):
            np.testing.assert_array_equal(np.array(h1["example_loss"]), np.array(h2["example_loss"]))
            assert h1["loss"] == h2["loss"] and h1["val_accuracy"] == h2["val_accuracy"]
    assert not np.array_equal(runs[0].coefs_[0][0], runs[0].coefs_[0][1])   # members do differ


def test_groups_train_in_threads_side_by_side(monkeypatch):
    import lutlib.nn_ensemble as module
    threads = set()
    steps = module.MLPEnsemble._epoch_steps

    def spy(self, *args, **kwargs):
        import threading
        threads.add((threading.current_thread().name, self.seeds_))
        return steps(self, *args, **kwargs)
    monkeypatch.setattr(module.MLPEnsemble, "_epoch_steps", spy)
    X, y = dense_problem()
    MLPEnsemble(n_seeds=5, hidden=(16,)).fit(X, y, epochs=1)        # n_jobs=None: 2 from 16 units
    assert {seeds for _, seeds in threads} == {(0, 1), (2, 3, 4)}
    assert all(name.startswith("MLPEnsemble") for name, _ in threads)
    threads.clear()
    MLPEnsemble(n_seeds=5, n_jobs=1, hidden=(4,)).fit(X, y, epochs=1)
    assert threads == {(threading_main_name(), (0, 1, 2, 3, 4))}


def threading_main_name():
    import threading
    return threading.main_thread().name


def test_n_jobs_none_uses_two_groups_from_16_units(monkeypatch):
    X, y = dense_problem()
    seen = []
    monkeypatch.setattr("lutlib.nn_ensemble._groups", lambda S, n: seen.append(n) or [(0, S)])
    for width in (8, 15, 16, 64):
        MLPEnsemble(n_seeds=3, hidden=(width,)).fit(X, y, epochs=1)
    MLPEnsemble(n_seeds=3, hidden=()).fit(X, y, epochs=1)          # 4 classes: the output layer
    assert seen == [1, 1, 2, 2, 1]


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_bad_n_jobs(bad):
    with pytest.raises(ValueError, match="n_jobs must be a positive integer or None"):
        MLPEnsemble(n_seeds=2, hidden=(4,), n_jobs=bad).fit([[0.0], [1.0]], [0, 1])


def test_a_nan_loss_in_the_second_group_undoes_the_epoch_of_all():
    """Member 2 (second group) diverges, members 0 and 1 (first group) do not: the error names
    member 2, the first group stops too, and every member is back where the epoch started."""
    X, y = dense_problem(n=200)
    y2 = np.stack([y, y, y])
    ens = MLPEnsemble(n_seeds=3, hidden=(16,), n_jobs=2).fit(X, y2, epochs=1)
    before = [p.copy() for p in ens.coefs_ + ens.intercepts_]
    X3 = np.stack([X, X, X * 1e30])                      # member 2's inputs overflow
    with pytest.raises(FloatingPointError, match=r"loss of member 2 \(seed 2\) became"):
        ens.partial_fit(X3, y2)
    for a, b in zip(ens.coefs_ + ens.intercepts_, before):
        np.testing.assert_array_equal(a, b)
    assert ens.epochs_done_ == 1
    ens.partial_fit(np.stack([X, X, X]), y2)               # and it trains on afterwards
    assert ens.epochs_done_ == 2


def test_ctrl_c_while_groups_train_leaves_the_state_of_before(monkeypatch):
    """KeyboardInterrupt in the main thread while the groups run: both groups stop at their next
    step before the weights and random generators are restored, so a rerun equals an uninterrupted
    run."""
    import lutlib.nn_ensemble as module
    X, y = dense_problem(n=600)
    ens = MLPEnsemble(n_seeds=4, hidden=(8,), batch_size=8, n_jobs=2).fit(X, y, epochs=1)
    reference = MLPEnsemble(n_seeds=4, hidden=(8,), batch_size=8, n_jobs=2).fit(X, y, epochs=2)
    real_wait = module.wait
    calls = []

    def interrupted_wait(futures, **kwargs):
        calls.append(kwargs)
        if kwargs.get("return_when") == module.FIRST_EXCEPTION:
            raise KeyboardInterrupt        # as if Ctrl-C arrived while the main thread waits
        return real_wait(futures, **kwargs)
    monkeypatch.setattr(module, "wait", interrupted_wait)
    with pytest.raises(KeyboardInterrupt):
        ens.partial_fit(X, y)
    monkeypatch.setattr(module, "wait", real_wait)
    assert ens.epochs_done_ == 1
    ens.partial_fit(X, y)
    for a, b in zip(ens.coefs_ + ens.intercepts_, reference.coefs_ + reference.intercepts_):
        np.testing.assert_array_equal(a, b)
