"""lutlib.nn against a reference written out plainly here, in float64: the forward pass, softmax
cross-entropy, backpropagation, weight decay, SGD with momentum, Adam with its bias correction and
inverted dropout with its 1/keep scale. Only the minibatch order and the dropout draws (which units
were kept) are read from the MLP; every number is recomputed here."""
import copy

import numpy as np
import pytest

from lutlib.nn import MLP


def reference_training(X, y, coefs, intercepts, steps, optimizer, lr, momentum, weight_decay, keep):
    """Train a copy of the weights; steps: (rows of the minibatch, kept units per hidden layer or None)."""
    Ws = [W.astype(np.float64) for W in coefs]
    bs = [b.astype(np.float64) for b in intercepts]
    params, n_layers = Ws + bs, len(Ws)
    first = [np.zeros_like(p) for p in params]      # momentum velocity, or Adam's first moment
    second = [np.zeros_like(p) for p in params]     # Adam's second moment
    for t, (rows, kept) in enumerate(steps, start=1):
        Xb, yb = X[rows].astype(np.float64), y[rows]
        # forward: ReLU, then inverted dropout (kept units scaled by 1 / keep)
        acts = [Xb]
        for W, b, k in zip(Ws[:-1], bs[:-1], kept):
            h = np.maximum(acts[-1] @ W + b, 0.0)
            acts.append(h if k is None else h * k / keep)
        z = acts[-1] @ Ws[-1] + bs[-1]
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        # d(mean cross-entropy)/d logits = (softmax - one-hot) / batch size
        delta = p.copy()
        delta[np.arange(len(yb)), yb] -= 1.0
        delta /= len(yb)
        grads_W, grads_b = [None] * n_layers, [None] * n_layers
        for layer in reversed(range(n_layers)):
            grads_W[layer] = acts[layer].T @ delta + weight_decay * Ws[layer]
            grads_b[layer] = delta.sum(axis=0)
            if layer > 0:
                delta = (delta @ Ws[layer].T) * (acts[layer] > 0)
                k = kept[layer - 1]
                if k is not None:
                    delta = delta * k / keep
        for i, g in enumerate(grads_W + grads_b):
            if optimizer == "adam":
                first[i] = 0.9 * first[i] + 0.1 * g
                second[i] = 0.999 * second[i] + 0.001 * g * g
                m_hat = first[i] / (1 - 0.9 ** t)
                v_hat = second[i] / (1 - 0.999 ** t)
                # epsilon = 1e-8 added to sqrt(v) before its correction (Kingma & Ba, end of section 2)
                params[i] -= lr * m_hat / (np.sqrt(v_hat) + 1e-8 / np.sqrt(1 - 0.999 ** t))
            else:
                first[i] = momentum * first[i] + g
                params[i] -= lr * first[i]
    return params[:n_layers], params[n_layers:]


def spy_on_minibatches(monkeypatch, net):
    """Record, for every training step, the minibatch's rows and which hidden units were kept."""
    steps, original = [], net._train_scales

    def recording(idx, masks):
        scales = original(idx, masks)
        steps.append((idx.copy(), [None if s is None else s > 0 for s in scales]))
        recording.scales.append(scales)
        return scales
    recording.scales = []
    monkeypatch.setattr(net, "_train_scales", recording)
    return steps, recording.scales


@pytest.mark.parametrize("optimizer, lr, momentum, weight_decay, dropout", [
    ("sgd", 0.1, 0.0, 0.0, 0.0),
    ("sgd", 0.1, 0.9, 0.01, 0.0),
    ("sgd", 0.1, 0.9, 0.0, 0.5),
    ("adam", 0.01, 0.9, 0.0, 0.0),
    ("adam", 0.01, 0.9, 0.02, 0.0),
    ("adam", 0.01, 0.9, 0.0, 0.3),
])
def test_training_equals_the_reference(monkeypatch, optimizer, lr, momentum, weight_decay, dropout):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(48, 6)).astype(np.float32)
    y = rng.integers(0, 4, 48)
    net = MLP(hidden=(12, 9), seed=2, optimizer=optimizer, lr=lr, momentum=momentum,
              weight_decay=weight_decay, dropout=dropout, batch_size=16, n_classes=4)
    net.partial_fit(X[:1], y[:1])
    net._reset_optimizer()                   # the reference starts Adam and momentum from zero, t = 0
    coefs, intercepts = [W.copy() for W in net.coefs_], [b.copy() for b in net.intercepts_]
    steps, _ = spy_on_minibatches(monkeypatch, net)
    net.partial_fit(X, y, epochs=4)
    assert len(steps) == 12
    Ws, bs = reference_training(X, y, coefs, intercepts, steps, optimizer, lr, momentum, weight_decay,
                                keep=1 - dropout)
    for got, want in zip(net.coefs_ + net.intercepts_, Ws + bs):
        np.testing.assert_allclose(got, want, rtol=2e-4, atol=2e-6)


@pytest.mark.parametrize("dropout", [0.25, 0.5, 0.8])
def test_inverted_dropout_keeps_the_expected_activation(monkeypatch, dropout):
    """Each unit is kept with probability 1 - dropout and then scaled by 1 / (1 - dropout): E[scale] = 1."""
    X = np.random.default_rng(0).normal(size=(4096, 3)).astype(np.float32)
    net = MLP(hidden=(64,), dropout=dropout, seed=0, batch_size=4096).partial_fit(X, np.arange(4096) % 2)
    _, scales = spy_on_minibatches(monkeypatch, net)
    net.partial_fit(X, np.arange(4096) % 2)
    s = scales[0][0]
    keep = 1 - dropout
    values = np.unique(s)
    assert len(values) == 2 and values[0] == 0 and values[1] == pytest.approx(1 / keep, rel=1e-6)
    assert s.mean() == pytest.approx(1.0, abs=0.02)
    assert (s > 0).mean() == pytest.approx(keep, abs=0.01)


def test_adam_first_steps_move_each_weight_by_about_the_learning_rate():
    """With bias correction, Adam's first step is lr * g / (|g| + eps): about lr for every weight."""
    net = MLP(hidden=(5,), optimizer="adam", lr=0.003, seed=0).partial_fit(np.eye(3, dtype=np.float32), [0, 1, 2])
    net._reset_optimizer()
    before = [W.copy() for W in net.coefs_]
    grads = [np.full_like(W, 1e-3) for W in net.coefs_]
    net._update(grads, [np.zeros_like(b) for b in net.intercepts_])
    for W, old in zip(net.coefs_, before):
        np.testing.assert_allclose(old - W, 0.003, rtol=1e-3)


@pytest.mark.parametrize("kw", [{}, {"momentum": 0.0}, {"optimizer": "adam"}, {"weight_decay": 0.01},
                                {"optimizer": "adam", "weight_decay": 0.01}])
def test_a_step_given_some_first_layer_rows_equals_the_full_step(kw):
    """Minibatches leave all-zero input columns out: the step from those rows is the full step, bit for bit."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 7)).astype(np.float32), np.arange(40) % 3
    net = MLP(hidden=(6,), seed=0, **kw).fit(X, y, epochs=2)          # velocities and moments non-zero
    twin = copy.deepcopy(net)
    rows = np.array([0, 3, 4])
    dW = [rng.normal(size=(3, 6)).astype(np.float32), rng.normal(size=(6, 3)).astype(np.float32)]
    db = [rng.normal(size=6).astype(np.float32), rng.normal(size=3).astype(np.float32)]
    full = np.zeros((7, 6), np.float32)
    full[rows] = dW[0]
    net._update([dW[0].copy(), dW[1].copy()], [b.copy() for b in db], rows0=rows)
    twin._update([full, dW[1].copy()], [b.copy() for b in db])
    for a, b in zip(net.coefs_ + net.intercepts_, twin.coefs_ + twin.intercepts_):
        np.testing.assert_array_equal(a, b)
    for sa, sb in zip(net._state, twin._state):
        for a, b in zip(sa, sb):
            np.testing.assert_array_equal(a, b)


def test_large_logits_give_finite_losses_and_probabilities():
    """exp(1000) overflows float32: the softmax must be taken relative to the largest logit."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(30, 4)).astype(np.float32), np.arange(30) % 3
    net = MLP(hidden=(6,), seed=0).fit(X, y, epochs=1)
    net.intercepts_[-1][:] = [1000.0, 0.0, -1000.0]
    z = net.decision_function(X).astype(np.float64)
    top = z.max(axis=1)
    log_total = top + np.log(np.exp(z - top[:, None]).sum(axis=1))
    np.testing.assert_allclose(net.loss_per_example(X, y), log_total - z[np.arange(30), y], rtol=1e-5)
    np.testing.assert_allclose(net.predict_proba(X), np.exp(z - log_total[:, None]), atol=1e-6)
    net.partial_fit(X, y)                                   # a training step: no NaN loss either
    assert np.isfinite(net.history_["loss"][-1])


def test_initial_weights_are_he_initialized():
    """Normal weights with standard deviation sqrt(2 / fan-in), zero biases (He et al. 2015)."""
    net = MLP(hidden=(400, 200), seed=0).partial_fit(np.zeros((2, 300), np.float32), [0, 1])
    initial = net.snapshots_[0]
    for W in initial[:3]:
        assert W.std() == pytest.approx(np.sqrt(2 / W.shape[0]), rel=0.1 if W.size < 1000 else 0.02)
        assert abs(W.mean()) < 4 * W.std() / np.sqrt(W.size)
    assert not any(b.any() for b in initial[3:])


@pytest.mark.parametrize("optimizer, lr", [("sgd", 0.05), ("adam", 0.001)])
def test_the_default_learning_rate_is_the_documented_one(optimizer, lr):
    X, y = np.random.default_rng(0).normal(size=(40, 3)).astype(np.float32), np.arange(40) % 2
    default = MLP(hidden=(5,), optimizer=optimizer, seed=0).fit(X, y, epochs=2)
    given = MLP(hidden=(5,), optimizer=optimizer, lr=lr, seed=0).fit(X, y, epochs=2)
    np.testing.assert_array_equal(default.coefs_[0], given.coefs_[0])
    assert not np.array_equal(default.coefs_[0], MLP(hidden=(5,), optimizer=optimizer, lr=2 * lr, seed=0)
                              .fit(X, y, epochs=2).coefs_[0])
