"""lutlib.nn: gradients against finite differences (every regularizer on), training, masks, errors."""
import numpy as np
import pytest

from lutlib import NotFittedError
from lutlib.nn import MLP, example_tied_masks


def small_problem(n=60, d=5, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)).astype(np.float32)
    y = rng.integers(0, classes, n)
    return X, y


def as_float64(net):
    net.coefs_ = [W.astype(np.float64) for W in net.coefs_]
    net.intercepts_ = [b.astype(np.float64) for b in net.intercepts_]
    return net


def training_loss(net, X, y, scales):
    """The loss one training step descends: mean cross-entropy plus weight_decay / 2 * sum W^2."""
    _, logits = net._forward(X, scales)
    losses, _ = net._softmax_xent(logits, y)
    return losses.mean() + net.weight_decay / 2 * sum((W ** 2).sum() for W in net.coefs_)


def test_gradients_match_finite_differences_with_every_regularizer_on():
    X, y = small_problem()
    net = MLP(hidden=(7, 6), seed=1, weight_decay=0.03, dropout=0.3, input_noise=0.2, momentum=0.0, lr=0.1)
    net.fit(X, y, epochs=2)
    net.prune(0.3)                                       # weight masks on
    net = as_float64(net)
    rng = np.random.default_rng(5)
    Xn = X.astype(np.float64) + 0.2 * rng.normal(size=X.shape)               # a fixed input-noise draw
    unit, _ = example_tied_masks(len(X), 6, n_generalization=3, p_mem=0.5, seed=2)
    drop = [(rng.random((len(X), w)) < 0.7) / 0.7 for w in (7, 6)]        # a fixed dropout draw
    scales = [drop[0], drop[1] * unit]
    acts, logits = net._forward(Xn, scales)
    _, g = net._softmax_xent(logits, y)
    g /= len(X)
    dW, db, _ = net._backward(acts, scales, g)
    dX = net._input_grad(acts, scales, g)
    eps = 1e-6
    for layer, W in enumerate(net.coefs_):
        grad = dW[layer] + net.weight_decay * W             # what _update adds
        for (i, j) in [(0, 0), (1, 2), (W.shape[0] - 1, W.shape[1] - 1)]:
            old = W[i, j]
            W[i, j] = old + eps; up = training_loss(net, Xn, y, scales)
            W[i, j] = old - eps; down = training_loss(net, Xn, y, scales)
            W[i, j] = old
            assert (up - down) / (2 * eps) == pytest.approx(grad[i, j], rel=1e-5, abs=1e-8)
        b = net.intercepts_[layer]
        b[0] += eps; up = training_loss(net, Xn, y, scales)
        b[0] -= 2 * eps; down = training_loss(net, Xn, y, scales)
        b[0] += eps
        assert (up - down) / (2 * eps) == pytest.approx(db[layer][0], rel=1e-5, abs=1e-8)
    for (i, j) in [(0, 0), (3, 4), (59, 2)]:              # dL/dx (the mean loss, so n * dX per example)
        old = Xn[i, j]
        Xn[i, j] = old + eps; up = training_loss(net, Xn, y, scales)
        Xn[i, j] = old - eps; down = training_loss(net, Xn, y, scales)
        Xn[i, j] = old
        assert (up - down) / (2 * eps) == pytest.approx(dX[i, j], rel=1e-5, abs=1e-8)


def test_update_adds_weight_decay_and_keeps_pruned_weights_at_zero():
    X, y = small_problem()
    net = MLP(hidden=(8,), seed=0, weight_decay=0.1, momentum=0.0, lr=0.5).fit(X, y, epochs=1).prune(0.5)
    W0 = [W.copy() for W in net.coefs_]
    dW = [np.ones_like(W) for W in net.coefs_]
    db = [np.zeros_like(b) for b in net.intercepts_]
    net._update(dW, db)
    for W, old, M in zip(net.coefs_, W0, net.weight_masks_):
        np.testing.assert_allclose(W, old - 0.5 * (1 + 0.1 * old) * M, rtol=1e-6)
        assert not W[~M].any()


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_public_gradients_match_finite_differences(optimizer):
    X, y = small_problem(n=20)
    net = MLP(hidden=(16,), seed=0, optimizer=optimizer).fit(X, y, epochs=3)
    g = net.input_gradient(X, y)
    cg = net.class_gradient(X, 2)
    eps = 1e-2
    for i, j in [(0, 0), (5, 3), (19, 4)]:
        Xp, Xm = X.copy(), X.copy()
        Xp[i, j] += eps; Xm[i, j] -= eps
        fd = (net.loss_per_example(Xp, y)[i] - net.loss_per_example(Xm, y)[i]) / (2 * eps)
        assert fd == pytest.approx(g[i, j], rel=2e-2, abs=1e-3)
        fd = (net.decision_function(Xp)[i, 2] - net.decision_function(Xm)[i, 2]) / (2 * eps)
        assert fd == pytest.approx(cg[i, j], rel=2e-2, abs=1e-3)


def test_learns_a_nonlinear_task_and_sklearn_conventions():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 2)).astype(np.float32)
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    net = MLP(hidden=(32,), lr=0.1, seed=0)
    assert net.fit(X, y, epochs=60) is net
    assert net.score(X, y) > 0.9
    assert net.history_["loss"][-1] < net.history_["loss"][0]
    p = net.predict_proba(X)
    np.testing.assert_allclose(p.sum(axis=1), 1, rtol=1e-5)
    assert np.array_equal(net.predict(X), p.argmax(axis=1))
    assert net.get_params()["hidden"] == (32,)
    assert net.set_params(lr=0.2).lr == 0.2
    assert net.classes_.tolist() == [0, 1]
    sklearn = pytest.importorskip("sklearn.base")
    assert sklearn.clone(net).get_params() == net.get_params()


def test_one_class_per_example():
    """Arpit et al.'s 'as many classes as examples': the network can still memorize them."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 20)).astype(np.float32)
    y = np.arange(200)
    net = MLP(hidden=(256,), optimizer="adam", lr=0.01, seed=0).fit(X, y, epochs=30)
    assert net.n_classes_ == 200
    assert net.score(X, y) > 0.9


def test_same_seed_same_numbers_and_partial_fit_equals_fit():
    X, y = small_problem(n=300)
    kw = dict(hidden=(16,), dropout=0.2, input_noise=0.1, seed=3, batch_size=32)
    a = MLP(**kw).fit(X, y, epochs=3)
    b = MLP(**kw)
    for _ in range(3):
        b.partial_fit(X, y)
    for Wa, Wb in zip(a.coefs_, b.coefs_):
        assert np.array_equal(Wa, Wb)
    assert a.history_["loss"] == b.history_["loss"]
    c = MLP(**{**kw, "seed": 4}).fit(X, y, epochs=3)
    assert not np.array_equal(a.coefs_[0], c.coefs_[0])


def test_one_and_two_blas_threads_agree():
    pytest.importorskip("threadpoolctl")
    X, y = small_problem(n=2000, d=300, classes=10)
    runs = [MLP(hidden=(256,), seed=0, blas_threads=t).fit(X, y, epochs=2) for t in (1, 2)]
    np.testing.assert_allclose(runs[0].history_["loss"], runs[1].history_["loss"], rtol=1e-4)
    np.testing.assert_allclose(runs[0].coefs_[0], runs[1].coefs_[0], atol=1e-4)


def test_recorded_losses_and_sensitivity_are_those_of_the_step_that_saw_the_example():
    X, y = small_problem(n=50)
    net = MLP(hidden=(8,), seed=0, batch_size=50).fit(X, y, epochs=1)   # one step per epoch
    expected_loss = net.loss_per_example(X, y)
    expected_sens = np.abs(net.input_gradient(X, y)).sum(axis=1)
    net.partial_fit(X, y, record="all", sensitivity=True)
    np.testing.assert_allclose(net.history_["example_loss"][-1], expected_loss, rtol=1e-5)
    np.testing.assert_allclose(net.history_["loss_sensitivity"][-1], expected_sens, rtol=1e-4)
    sub = MLP(hidden=(8,), seed=0).fit(X, y, epochs=2, record=[3, 7], sensitivity=True)
    assert [a.shape for a in sub.history_["example_loss"]] == [(2,), (2,)]
    assert sub.loss_sensitivity_.shape == (2,) and len(sub.history_["sensitivity_gini"]) == 2


def test_recorded_correctness_matches_the_logits_of_the_step():
    X, y = small_problem(n=40)
    net = MLP(hidden=(8,), seed=0, batch_size=40).fit(X, y, epochs=1)
    before = net.predict(X) == y
    net.partial_fit(X, y, record="all")
    assert net.history_["example_correct"][-1].tolist() == before.tolist()


def test_validation_history():
    X, y = small_problem(n=100)
    net = MLP(hidden=(8,), seed=0).fit(X[:80], y[:80], epochs=3, validation=(X[80:], y[80:]))
    assert net.history_["epoch"] == [1, 2, 3]
    assert net.history_["val_accuracy"][-1] == net.score(X[80:], y[80:])
    assert len(net.history_["val_loss"]) == 3


def test_example_tied_dropout_units_unused_by_every_example_never_change():
    X, y = small_problem(n=64)
    train, test = example_tied_masks(64, 10, n_generalization=4, p_mem=0.5, seed=0)
    train[:, 9] = False                                   # unit 9: no example uses it
    net = MLP(hidden=(10,), seed=0)
    net.partial_fit(X, y, epochs=1, unit_mask=train)
    W0 = net.snapshots_[0][0]
    assert np.array_equal(net.coefs_[0][:, 9], W0[:, 9])
    assert not np.array_equal(net.coefs_[0][:, 0], W0[:, 0])
    full = net.decision_function(X)
    gen_only = net.decision_function(X, unit_mask=test)
    assert not np.allclose(full, gen_only)
    no_mem = net.coefs_[1].copy(); no_mem[4:] = 0        # test mask == zeroing the outgoing weights
    expected = np.maximum(X @ net.coefs_[0] + net.intercepts_[0], 0) @ no_mem + net.intercepts_[1]
    np.testing.assert_allclose(gen_only, expected, rtol=1e-5, atol=1e-5)
    again, _ = example_tied_masks(64, 10, n_generalization=4, p_mem=0.5, seed=0)
    assert np.array_equal(again[:, :9], train[:, :9])    # a seeded rule: same rows every time


def test_lottery_ticket_prune_rewind_retrain():
    X, y = small_problem(n=200)
    net = MLP(hidden=(32,), seed=0, snapshot_epochs=(1,)).fit(X, y, epochs=3)
    after_one = MLP(hidden=(32,), seed=0).fit(X, y, epochs=1).coefs_[0]
    net.prune(0.6)
    kept = net.weight_masks_[0]
    assert kept.mean() == pytest.approx(0.4, abs=0.01)
    assert net.weight_masks_[1].mean() == pytest.approx(0.7, abs=0.02)
    net.rewind(0)
    assert np.array_equal(net.coefs_[0], net.snapshots_[0][0] * kept)
    assert net.history_["epoch"] == [] and net.epochs_done_ == 0
    net.partial_fit(X, y, epochs=2)
    assert not net.coefs_[0][~kept].any() and net.coefs_[0][kept].all()
    net.rewind(1)
    np.testing.assert_array_equal(net.coefs_[0], after_one * kept)
    with pytest.raises(ValueError, match="no snapshot of epoch 2"):
        net.rewind(2)


@pytest.mark.parametrize("X, y, error, match", [
    ([[0.0, np.nan]], [0], ValueError, "nan at row 0, column 1"),
    ([[0.0, np.inf]], [0], ValueError, "inf"),
    ([[1e39, 0.0]], [0], ValueError, "too large for float32"),
    ([0.0, 1.0], [0, 1], ValueError, "2-D"),
    ([["a", "b"]], [0], TypeError, "real numbers"),
    ([[0.0], [1.0]], [0], ValueError, "1 labels but X has 2"),
    ([[0.0], [1.0]], [0, 1.5], ValueError, "integer class indices; found 1.5"),
    ([[0.0], [1.0]], [0, -1], ValueError, ">= 0; found -1"),
    ([[0.0], [1.0]], ["a", "b"], TypeError, "integer class indices"),
])
def test_bad_data(X, y, error, match):
    with pytest.raises(error, match=match):
        MLP(hidden=(4,)).fit(X, y)


@pytest.mark.parametrize("params, match", [
    (dict(batch_size=0), "batch_size must be a positive integer"),
    (dict(lr=-0.1), "lr must be a positive finite number"),
    (dict(lr=float("nan")), "lr must be a positive finite number"),
    (dict(dropout=1.0), r"dropout must be a number in \[0, 1\)"),
    (dict(momentum=-0.5), "momentum"),
    (dict(weight_decay=-1.0), "weight_decay"),
    (dict(optimizer="rmsprop"), "optimizer must be 'sgd' or 'adam'"),
    (dict(hidden=(10, 0)), "hidden layer width"),
    (dict(hidden=5), "hidden must be a tuple"),
    (dict(epochs=0), "epochs"),
    (dict(blas_threads=0), "blas_threads"),
])
def test_bad_parameters(params, match):
    with pytest.raises(ValueError, match=match):
        MLP(**params).fit([[0.0], [1.0]], [0, 1])


def test_labels_out_of_range_and_feature_mismatch():
    net = MLP(hidden=(4,), n_classes=3).fit([[0.0], [1.0]], [0, 2], epochs=1)
    with pytest.raises(ValueError, match="label 3 at index 1, out of range for n_classes=3"):
        net.partial_fit([[0.0], [1.0]], [0, 3])
    with pytest.raises(ValueError, match="2 features per example, but this MLP was fitted on 1"):
        net.predict([[0.0, 1.0]])
    with pytest.raises(ValueError, match=r"unit_mask for hidden layer 0 must have shape \(4,\) or \(2, 4\)"):
        net.partial_fit([[0.0], [1.0]], [0, 1], unit_mask=np.ones((2, 5)))
    with pytest.raises(ValueError, match="masks must be one array per weight matrix"):
        net.set_weight_masks([np.ones((1, 4), bool)])
    with pytest.raises(NotFittedError):
        MLP().predict([[0.0]])


def test_memory_budget_refused_before_allocating():
    with pytest.raises(MemoryError, match=r"would need 4,8[0-9,]+ bytes .* over max_weight_bytes=1,000,000"):
        MLP(hidden=(1000,), max_weight_bytes=10**6).fit(np.zeros((2, 399), np.float32), [0, 1])
    with pytest.raises(MemoryError, match="bytes"):   # 10^6 x 10^6 weights: refused, not allocated
        MLP(hidden=(10**6,)).fit(np.zeros((2, 10**6 // 1000), np.float32), [0, 1])


def test_nan_loss_stops_with_the_epoch_and_keeps_the_previous_state():
    X, y = small_problem(n=200)
    net = MLP(hidden=(64,), lr=1e12, momentum=0.9, seed=0)
    with pytest.raises(FloatingPointError, match=r"epoch \d+ .*smaller learning rate than lr=1e\+12"):
        net.fit(X, y, epochs=50)
    assert not hasattr(net, "coefs_")                     # a failed fit leaves the estimator unfitted
    good = MLP(hidden=(64,), seed=0).fit(X, y, epochs=1)
    good.set_params(lr=1e12)
    with pytest.raises(FloatingPointError, match="The weights are those from before epoch") as info:
        good.partial_fit(X, y, epochs=50)
    failed = int(info.value.args[0].split(" in epoch ")[1].split()[0])
    assert good.epochs_done_ == failed - 1 >= 1            # kept: the state after the last good epoch
    assert len(good.history_["loss"]) == good.epochs_done_ and np.isfinite(good.history_["loss"]).all()
    assert np.isfinite(good.coefs_[0]).all()


def test_a_step_on_sparse_inputs_equals_the_dense_step():
    """Minibatches with all-zero input columns skip them in the first layer: same step as dense."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 30)).astype(np.float32)
    X[:, 5:25] = 0                                       # 20 of 30 columns zero in the whole batch
    y = rng.integers(0, 3, 64)
    net = MLP(hidden=(16,), seed=0, momentum=0.0, lr=0.1, batch_size=64, weight_decay=0.01)
    net.partial_fit(X, y)
    before = [W.astype(np.float64) for W in net.coefs_], [b.astype(np.float64) for b in net.intercepts_]
    dense = as_float64(MLP(hidden=(16,), seed=0, momentum=0.0, lr=0.1, weight_decay=0.01).partial_fit(X, y))
    dense.coefs_, dense.intercepts_ = [W.copy() for W in before[0]], [b.copy() for b in before[1]]
    acts, logits = dense._forward(X.astype(np.float64), [None])
    _, g = dense._softmax_xent(logits, y)
    dW, db, _ = dense._backward(acts, [None], g / 64)
    net.partial_fit(X, y)
    for W_new, W_old, grad in zip(net.coefs_, before[0], dW):
        np.testing.assert_allclose(W_new, W_old - 0.1 * (grad + 0.01 * W_old), rtol=1e-5, atol=1e-6)
    for b_new, b_old, grad in zip(net.intercepts_, before[1], db):
        np.testing.assert_allclose(b_new, b_old - 0.1 * grad, rtol=1e-5, atol=1e-6)
