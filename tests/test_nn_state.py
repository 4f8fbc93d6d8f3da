"""lutlib.nn: what partial_fit keeps between calls (masks, optimizer state, loss sensitivity, an
interrupted epoch), and how it answers changed parameters and odd numbers."""
import copy

import numpy as np
import pytest

from lutlib.nn import MLP


def small_problem(n=64, d=5, classes=3, seed=0):
    X = np.random.default_rng(seed).normal(size=(n, d)).astype(np.float32)
    return X, np.arange(n) % classes


def assert_same_weights(a, b):
    for p, q in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
        np.testing.assert_array_equal(p, q)


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_masked_weights_stay_zero_through_partial_fit(optimizer):
    X, y = small_problem()
    net = MLP(hidden=(16,), optimizer=optimizer).fit(X, y, epochs=5)   # momentum / Adam moments now non-zero
    net.set_weight_masks([np.zeros((5, 16), bool), np.ones((16, 3), bool)]).partial_fit(X, y)
    assert (net.coefs_[0] != 0).sum() == 0
    net = MLP(hidden=(16,), optimizer=optimizer, weight_decay=0.01).fit(X, y, epochs=5).prune(0.5)
    net.partial_fit(X, y, epochs=3)
    for W, M in zip(net.coefs_, net.weight_masks_):
        assert not W[~M].any() and W[M].all()
    for state in net._state:                             # and the optimizer holds nothing there either
        for S, M in zip(state, net.weight_masks_):
            assert not S[~M].any()


def test_fit_after_prune_starts_afresh_without_masks():
    X, y = small_problem()
    net = MLP(hidden=(16,), seed=1).fit(X, y, epochs=2).prune(0.5).fit(X, y, epochs=2)
    assert net.weight_masks_ is None
    assert_same_weights(net, MLP(hidden=(16,), seed=1).fit(X, y, epochs=2))


def test_fit_starts_the_loss_sensitivity_afresh():
    X, y = small_problem()
    again = MLP(hidden=(16,), seed=0).fit(X, y, epochs=3, sensitivity=True).fit(X, y, epochs=1, sensitivity=True)
    fresh = MLP(hidden=(16,), seed=0).fit(X, y, epochs=1, sensitivity=True)
    np.testing.assert_array_equal(again.loss_sensitivity_, fresh.loss_sensitivity_)


def test_partial_fit_averages_the_sensitivity_of_the_same_examples_only():
    X, y = small_problem()
    net = MLP(hidden=(16,), seed=0).fit(X, y, epochs=2, record=[0, 1], sensitivity=True)
    before = net.loss_sensitivity_.copy()
    with pytest.raises(ValueError, match="averages the sensitivity of 2 examples.*not the same ones"):
        net.partial_fit(X, y, record=[2, 3], sensitivity=True)
    np.testing.assert_array_equal(net.loss_sensitivity_, before)
    assert net.epochs_done_ == 2
    net.partial_fit(X, y, record=[0, 1], sensitivity=True)          # the same examples: averaged over 3
    np.testing.assert_allclose(net.loss_sensitivity_, np.mean(net.history_["loss_sensitivity"], axis=0), rtol=1e-6)
    net.fit(X, y, epochs=1, record=[2, 3], sensitivity=True)         # fit starts afresh: any subset
    assert net.sensitivity_examples_.tolist() == [2, 3]


def test_rewind_keeps_the_sensitivity_of_the_kept_epochs_only():
    X, y = small_problem()
    net = MLP(hidden=(16,), seed=0, snapshot_epochs=(1,)).fit(X, y, epochs=3, sensitivity=True)
    first = net.history_["loss_sensitivity"][0]
    net.rewind(1)
    np.testing.assert_array_equal(net.loss_sensitivity_, first)
    assert not hasattr(net.rewind(0), "loss_sensitivity_")


def interrupt_on_call(monkeypatch, net, method, call, error=KeyboardInterrupt):
    original, calls = getattr(net, method), []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == call:
            raise error()
        return original(*args, **kwargs)
    monkeypatch.setattr(net, method, failing)


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_an_interrupted_epoch_is_undone_and_can_be_run_again(monkeypatch, optimizer):
    X, y = small_problem()
    kw = dict(hidden=(16,), seed=0, batch_size=8, optimizer=optimizer, dropout=0.3, input_noise=0.1)
    net, twin = MLP(**kw).fit(X, y, epochs=1), MLP(**kw).fit(X, y, epochs=1)
    before = copy.deepcopy(net.__dict__)
    interrupt_on_call(monkeypatch, net, "_update", 3)                 # in the middle of epoch 2
    with pytest.raises(KeyboardInterrupt):
        net.partial_fit(X, y, record="all", sensitivity=True)
    assert net.epochs_done_ == 1 and len(net.history_["loss"]) == 1
    assert "example_loss" not in net.history_ and not hasattr(net, "loss_sensitivity_")
    assert_same_weights(net, twin)
    for a, b in zip(net._state, before["_state"]):
        for p, q in zip(a, b):
            np.testing.assert_array_equal(p, q)
    monkeypatch.undo()
    net.partial_fit(X, y)                                            # as if never interrupted
    twin.partial_fit(X, y)
    assert_same_weights(net, twin)
    assert net.history_["loss"] == twin.history_["loss"]


def test_an_interrupted_validation_undoes_its_epoch(monkeypatch):
    X, y = small_problem()
    net = MLP(hidden=(16,), seed=0).fit(X, y, epochs=1, validation=(X, y))
    twin = copy.deepcopy(net)
    interrupt_on_call(monkeypatch, net, "score", 1)
    with pytest.raises(KeyboardInterrupt):
        net.partial_fit(X, y, validation=(X, y))
    assert net.epochs_done_ == 1
    assert {k: len(v) for k, v in net.history_.items()} == {k: 1 for k in twin.history_}
    assert_same_weights(net, twin)


def test_a_changed_optimizer_starts_afresh_from_the_current_weights():
    X, y = small_problem()
    for old, new in [({}, {"optimizer": "adam"}), ({"optimizer": "adam"}, {"optimizer": "sgd"}),
                     ({}, {"momentum": 0.0}), ({"momentum": 0.0}, {"momentum": 0.5})]:
        net = MLP(hidden=(16,), seed=0, **old).fit(X, y, epochs=1)
        expected = copy.deepcopy(net).set_params(**new)
        expected._reset_optimizer()
        net.set_params(**new).partial_fit(X, y)
        expected.partial_fit(X, y)
        assert_same_weights(net, expected)


@pytest.mark.parametrize("change, match", [
    ({"hidden": (8,)}, r"hidden=\(8,\) but this MLP was fitted with hidden=\(16,\).*Call fit\(\)"),
    ({"hidden": (16, 4)}, r"fitted with hidden=\(16,\)"),
    ({"n_classes": 5}, "n_classes=5 but this MLP was fitted with 3 classes"),
])
def test_changed_layers_are_refused_by_partial_fit(change, match):
    X, y = small_problem()
    net = MLP(hidden=(16,), dropout=0.2, seed=0).fit(X, y, epochs=1)
    weights = copy.deepcopy(net.coefs_)
    with pytest.raises(ValueError, match=match):
        net.set_params(**change).partial_fit(X, y)
    assert all(np.array_equal(a, b) for a, b in zip(net.coefs_, weights))
    assert net.predict(X).shape == (64,)                  # predicting still uses the fitted layers
    assert net.fit(X, y, epochs=1).epochs_done_ == 1      # and fit builds the new ones


@pytest.mark.parametrize("name, value", [
    ("lr", np.float32(0.05)), ("lr", np.float64(0.05)), ("lr", np.int64(1)), ("dropout", np.float32(0.25)),
    ("dropout", np.float64(0.25)), ("momentum", np.float32(0.5)), ("weight_decay", np.float32(0.01)),
    ("input_noise", np.float32(0.1)),
])
def test_numpy_scalars_are_accepted_as_numbers(name, value):
    X, y = small_problem()
    net = MLP(hidden=(8,), seed=0, **{name: value}).fit(X, y, epochs=2)
    plain = MLP(hidden=(8,), seed=0, **{name: value.item()}).fit(X, y, epochs=2)
    np.testing.assert_allclose(net.coefs_[0], plain.coefs_[0], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("value", [np.bool_(True), True])
def test_a_bool_is_not_a_learning_rate(value):
    with pytest.raises(ValueError, match="lr must be a positive finite number"):
        MLP(lr=value).fit([[0.0], [1.0]], [0, 1])


@pytest.mark.parametrize("y, n_classes, match", [
    ([0, 1e20], None, r"label 1e\+20 at index 1: too large for a class index"),
    ([0, 1e20], 3, r"label 1e\+20 at index 1, out of range for n_classes=3"),
    (np.array([0, 2**64 - 1], np.uint64), None, "label 18446744073709551615 at index 1: too large"),
    (np.array([0, 2**63 - 1], np.int64), None, "label 9223372036854775807 at index 1: too large"),
    ([0, -1e20], None, r">= 0; found -1e\+20 at index 1"),
])
def test_huge_labels_are_reported_as_they_are(y, n_classes, match):
    with pytest.raises(ValueError, match=match):
        MLP(hidden=(4,), n_classes=n_classes).fit([[0.0], [1.0]], y)


def test_the_sensitivity_of_some_examples_is_theirs_when_all_are_recorded():
    X, y = small_problem(n=100, d=10)
    X[:, 3:5] = 0                                   # all-zero columns: the first layer leaves them out
    every = MLP(hidden=(8,), seed=0, batch_size=16).fit(X, y, epochs=2, sensitivity=True)
    some = MLP(hidden=(8,), seed=0, batch_size=16).fit(X, y, epochs=2, record=[5, 17, 60], sensitivity=True)
    np.testing.assert_allclose(some.loss_sensitivity_, every.loss_sensitivity_[[5, 17, 60]], rtol=1e-5)
    assert some.sensitivity_examples_.tolist() == [5, 17, 60]
