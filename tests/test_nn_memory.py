"""lutlib.nn with one class per example: evaluation works in chunks of bounded memory, and an
(examples x classes) answer over the budget is refused before it is allocated."""
import tracemalloc

import numpy as np
import pytest

from lutlib import nn
from lutlib.nn import MLP

N = 3000                                     # examples, and classes: one class per example


def peak_bytes(fn):
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.fixture(scope="module")
def one_class_per_example():
    X = np.random.default_rng(0).normal(size=(N, 10)).astype(np.float32)
    y = np.arange(N)
    return MLP(hidden=(8,), seed=0).fit(X, y, epochs=1), X, y


@pytest.mark.parametrize("method", ["predict", "score", "loss_per_example", "input_gradient"])
def test_evaluation_stays_within_the_chunk_budget(monkeypatch, one_class_per_example, method):
    net, X, y = one_class_per_example
    args = (X,) if method == "predict" else (X, y)
    expected = getattr(net, method)(*args)
    monkeypatch.setattr(nn, "EVAL_CHUNK_BYTES", 2**20, raising=False)
    peak = peak_bytes(lambda: getattr(net, method)(*args))
    assert peak < 3 * 2**20, f"{method} used {peak:,} bytes; 4 * n * n_classes = {4 * N * N:,}"
    np.testing.assert_allclose(getattr(net, method)(*args), expected, rtol=1e-5, atol=1e-6)


def test_validation_scoring_stays_within_the_chunk_budget(monkeypatch, one_class_per_example):
    net, X, y = one_class_per_example
    monkeypatch.setattr(nn, "EVAL_CHUNK_BYTES", 2**20, raising=False)
    peak = peak_bytes(lambda: net.partial_fit(X[:256], y[:256], validation=(X, y)))
    assert peak < 12 * 2**20, f"{peak:,} bytes"
    assert net.history_["val_accuracy"][-1] == net.score(X, y)


@pytest.mark.parametrize("call", [
    lambda net, X, y: net.decision_function(X),
    lambda net, X, y: net.predict_proba(X),
    lambda net, X, y: net.input_gradient(X, y, return_logits=True),
])
def test_a_per_class_answer_over_the_budget_is_refused_before_allocating(one_class_per_example, call):
    net, X, y = one_class_per_example
    net.set_params(max_weight_bytes=10**7)
    tracemalloc.start()
    try:
        with pytest.raises(MemoryError, match=r"3,000 examples x 3,000 classes would need 36,000,000 bytes "
                                              r"\(0.03 GiB\), over max_weight_bytes=10,000,000"):
            call(net, X, y)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        net.set_params(max_weight_bytes=nn.DEFAULT_MAX_TABLE_BYTES)
    assert peak < 2**20


def test_predict_proba_is_the_softmax_of_the_logits(one_class_per_example, monkeypatch):
    net, X, _ = one_class_per_example
    monkeypatch.setattr(nn, "EVAL_CHUNK_BYTES", 2**20, raising=False)                 # several chunks
    z = net.decision_function(X).astype(np.float64)
    p = np.exp(z - z.max(axis=1, keepdims=True))
    np.testing.assert_allclose(net.predict_proba(X), p / p.sum(axis=1, keepdims=True), rtol=1e-4, atol=1e-9)
    assert np.array_equal(net.predict(X), z.argmax(axis=1))


def test_sixty_thousand_examples_one_class_each_in_bounded_memory():
    """The README's case: 60,000 examples and classes (4 * n * n_classes = 14.4 GB of logits)."""
    n = 60_000
    net = MLP(hidden=(2,), n_classes=n, seed=0).partial_fit(np.float32([[0.0], [1.0]]), [0, 1])
    X = np.linspace(0, 1, n, dtype=np.float32)[:, None]
    with pytest.raises(MemoryError, match=r"would need 14,400,000,000 bytes \(13.41 GiB\)"):
        net.decision_function(X)
    # predict on all 60,000 takes seconds (3.6e9 logits); 2,000 of them show the chunks' bound.
    peak = peak_bytes(lambda: net.predict(X[:2000]))
    assert peak < 2 * nn.EVAL_CHUNK_BYTES < 4 * 2000 * n
