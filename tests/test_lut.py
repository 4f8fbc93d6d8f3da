"""A single lut: the learning rule, its exact examples, and its error messages."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from lutlib import Lut, NotFittedError
from lutlib.data import three_bit_example


def test_three_bit_example_from_the_slides():
    X, y = three_bit_example()
    lut = Lut(seed=0).fit(X, y)
    rows = {pat: (n0, n1, f, rnd) for pat, n0, n1, f, rnd in lut.to_rows()}
    assert rows["000"] == (1, 2, 1, False)
    assert rows["001"] == (0, 1, 1, False)
    assert rows["100"] == (1, 0, 0, False)
    assert rows["110"][:2] == (1, 1) and rows["110"][3] is True  # a tie: f by coin
    for unseen in ("010", "011", "101", "111"):
        assert rows[unseen][:2] == (0, 0) and rows[unseen][3] is True
    text = lut.to_text()
    assert "110 |      1 |      1 | " in text and "*" in text.splitlines()[8]


def test_table_rows_are_most_significant_bit_first():
    lut = Lut(seed=0).fit([[1, 0, 0]], [1])
    assert lut.counts_[0b100].tolist() == [0, 1]


def bayes_error(X, y):
    """Error of the best function of X on this set: sum over patterns of min(n0, n1), over n."""
    patterns = X @ (1 << np.arange(X.shape[1]))
    err = 0
    for p in np.unique(patterns):
        labels = y[patterns == p]
        err += min((labels == 0).sum(), (labels == 1).sum())
    return err / len(y)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 6).flatmap(lambda k: st.tuples(
    arrays(np.uint8, st.tuples(st.integers(1, 40), st.just(k)), elements=st.integers(0, 1)),
    st.integers(0, 2**32 - 1))))
def test_zero_training_error_iff_zero_bayes_error(case):
    X, seed = case
    y = np.random.default_rng(seed).integers(0, 2, len(X)).astype(np.uint8)
    lut = Lut(seed=seed).fit(X, y)
    train_error = 1 - lut.score(X, y)
    bayes = bayes_error(X, y)
    assert train_error >= bayes - 1e-12
    assert (train_error == 0) == (bayes == 0)
    assert lut.counts_.sum() == len(X)
    seen = lut.counts_.sum(axis=1) > 0
    ties = lut.counts_[:, 0] == lut.counts_[:, 1]
    if not (ties & seen).any():
        assert train_error == pytest.approx(bayes)


@settings(max_examples=30, deadline=None)
@given(arrays(np.uint8, st.tuples(st.integers(1, 50), st.integers(1, 5)), elements=st.integers(0, 1)),
       st.integers(0, 1000))
def test_same_seed_same_table(X, seed):
    y = (X.sum(axis=1) % 2).astype(np.uint8)
    a, b = Lut(seed=seed).fit(X, y), Lut(seed=seed).fit(X, y)
    assert np.array_equal(a.table_, b.table_) and np.array_equal(a.random_, b.random_)


def test_coins_are_not_constant():
    lut = Lut(seed=1).fit(np.zeros((1, 10), dtype=np.uint8), [1])  # 1023 unseen rows
    assert 0.4 < lut.table_[lut.random_].mean() < 0.6


def test_predict_uses_the_table():
    X = np.array([[0, 1], [1, 0], [1, 1], [1, 1]])
    lut = Lut(seed=0).fit(X, [1, 0, 1, 1])
    assert lut.predict([[0, 1], [1, 0], [1, 1]]).tolist() == [1, 0, 1]


@pytest.mark.parametrize("X, y, message", [
    ([[0, 2], [1, 1]], [0, 1], "must be binary"),
    ([[0, 0.5]], [1], "must be binary"),
    ([0, 1, 1], [0, 1, 1], "2-D"),
    (np.zeros((0, 3)), [], "empty"),
    ([[0, 1], [1, 1]], [0, 1, 1], "2 examples"),
    ([[0, 1], [1, 1], [0, 0]], [0, 1, 2], "Only binary classification is supported"),
    ([[0, 1], [1, 1]], ["a", "a"], "single class 'a'"),
    ([[0, 1], [1, 1]], [0.5, 1], "Unknown label type"),
    ([[0, 1], [1, 1]], None, "requires y to be passed"),
    ([[0, 1], [1, 1]], [0, 1j], "Complex data not supported"),
    ([[0, np.nan]], [1], "NaN"),
    ([[0, np.inf]], [1], "infinity"),
    (np.zeros((3, 0)), [0, 1, 1], r"0 feature\(s\)"),
    ([[0, 1], [1, 1]], [[0, 1], [1, 0]], "1-D"),
    ([["a", "b"]], [0], "dtype"),
])
def test_bad_input_gets_a_clear_error(X, y, message):
    with pytest.raises((ValueError, TypeError), match=message):
        Lut().fit(X, y)


def test_predict_checks_width_and_fitted():
    with pytest.raises(NotFittedError):
        Lut().predict([[0, 1]])
    lut = Lut().fit([[0, 1]], [1])
    with pytest.raises(ValueError, match="X has 3 features, but Lut is expecting 2 features .*k=2"):
        lut.predict([[0, 1, 1]])


def test_table_too_large_is_refused_up_front():
    with pytest.raises(MemoryError, match="bytes"):
        Lut(max_table_bytes=1000).fit(np.zeros((2, 8), dtype=np.uint8), [0, 1])


def test_html_repr_marks_random_rows():
    X, y = three_bit_example()
    html = Lut(seed=0).fit(X, y)._repr_html_()
    assert "<code>110</code>" in html and "*" in html
    assert Lut()._repr_html_() is None


@pytest.mark.parametrize("params, message", [
    ({"seed": -1}, "seed must be None or a non-negative integer; got -1"),
    ({"seed": "0"}, "seed must be"),
    ({"max_table_bytes": None}, "max_table_bytes must be a positive integer number of bytes"),
    ({"max_table_bytes": 2.5e9}, "max_table_bytes must be a positive integer"),
])
def test_bad_parameters_get_clear_errors(params, message):
    with pytest.raises(ValueError, match=message):
        Lut(**params).fit([[0, 1], [1, 1]], [0, 1])


def test_seed_none_draws_fresh_coins_seed_int_repeats():
    X, y = np.zeros((1, 12), dtype=np.uint8), [1]        # 4,095 unseen rows: coins
    assert np.array_equal(Lut(seed=5).fit(X, y).table_, Lut(seed=5).fit(X, y).table_)
    assert not np.array_equal(Lut(seed=None).fit(X, y).table_, Lut(seed=None).fit(X, y).table_)
    assert Lut().seed == 0
