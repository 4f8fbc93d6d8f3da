"""lutlib.baselines: exact Hamming distances, the stated tie rules, agreement with scikit-learn."""
import numpy as np
import pytest

from lutlib.baselines import HammingNeighbors, hamming_distances


def test_distances_are_exact_hamming(rng):
    A = rng.integers(0, 2, size=(40, 97), dtype=np.uint8)
    B = rng.integers(0, 2, size=(30, 97), dtype=np.uint8)
    expected = (A[:, None, :] != B[None, :, :]).sum(axis=2)
    assert np.array_equal(hamming_distances(A, B), expected)


def test_ties_go_to_the_first_training_example():
    # every training example is 1 bit away from the query; labels alternate
    X = np.eye(6, dtype=np.uint8)
    query = np.zeros((1, 6), dtype=np.uint8)
    for first_label in (0, 1):
        y = (np.arange(6) + first_label) % 2
        model = HammingNeighbors(n_neighbors=1).fit(X, y)
        assert model.kneighbors(query).tolist() == [[0]]
        assert model.predict(query).tolist() == [first_label]
    # reversing the training order changes which one is first, hence the answer
    y = np.array([1, 0, 0, 0, 0, 0])
    assert HammingNeighbors(1).fit(X, y).predict(query).tolist() == [1]
    assert HammingNeighbors(1).fit(X[::-1], y[::-1]).predict(query).tolist() == [0]


def test_neighbours_nearest_first_then_by_index():
    X = np.array([[1, 1, 1], [0, 0, 1], [0, 1, 0], [0, 0, 0]], dtype=np.uint8)
    model = HammingNeighbors(n_neighbors=4, batch_size=1).fit(X, [0, 1, 0, 1])
    assert model.kneighbors([[0, 0, 0], [1, 1, 1]]).tolist() == [[3, 1, 2, 0], [0, 1, 2, 3]]


def test_vote_ties_go_to_the_smallest_label():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    model = HammingNeighbors(n_neighbors=2).fit(X, ["b", "a", "b", "a"])
    # neighbours of [0, 0]: index 0 ("b") and index 1 ("a", 1 bit, before index 2): a 1-1 tie
    assert model.predict([[0, 0]]).tolist() == ["a"]


def test_matches_scikit_learn_where_there_are_no_ties(rng):
    from sklearn.neighbors import KNeighborsClassifier
    X = rng.integers(0, 2, size=(300, 64), dtype=np.uint8)
    y = rng.integers(0, 2, size=300)
    Q = rng.integers(0, 2, size=(200, 64), dtype=np.uint8)
    d = hamming_distances(Q, X)
    two = np.sort(d, axis=1)[:, :2]
    unique = two[:, 0] < two[:, 1]          # queries whose nearest example is unique
    assert unique.sum() > 20
    ours = HammingNeighbors(1).fit(X, y).predict(Q)
    theirs = KNeighborsClassifier(n_neighbors=1, metric="hamming").fit(X, y).predict(Q)
    assert np.array_equal(ours[unique], theirs[unique])


def test_same_answer_whatever_the_batch(rng):
    X = rng.integers(0, 2, size=(500, 30), dtype=np.uint8)   # 30 bits: many ties
    y = rng.integers(0, 2, size=500)
    Q = rng.integers(0, 2, size=(101, 30), dtype=np.uint8)
    a = HammingNeighbors(5, batch_size=7).fit(X, y).kneighbors(Q)
    b = HammingNeighbors(5, batch_size=1000).fit(X, y).kneighbors(Q)
    assert np.array_equal(a, b)


@pytest.mark.parametrize("X, message", [
    (np.array([[0, 2]]), "only 0 and 1"),
    (np.array([0, 1]), "2-D"),
    (np.array([[0.0, 1.0]]), "dtype"),
    (np.zeros((0, 3), dtype=np.uint8), "empty"),
])
def test_bad_input_is_refused(X, message):
    with pytest.raises((ValueError, TypeError), match=message):
        HammingNeighbors().fit(X, np.zeros(len(X)))


def test_bad_parameters_and_unfitted_use():
    X = np.eye(3, dtype=np.uint8)
    with pytest.raises(ValueError, match="n_neighbors"):
        HammingNeighbors(n_neighbors=0).fit(X, [0, 1, 0])
    with pytest.raises(ValueError, match="more than the 3"):
        HammingNeighbors(n_neighbors=4).fit(X, [0, 1, 0])
    with pytest.raises(RuntimeError, match="not fitted"):
        HammingNeighbors().predict(X)
    with pytest.raises(ValueError, match="fitted on 3"):
        HammingNeighbors().fit(X, [0, 1, 0]).predict(np.eye(4, dtype=np.uint8))
