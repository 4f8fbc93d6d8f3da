"""IDX reading and validation, loading, and the data transforms."""
import gzip
import shutil

import numpy as np
import pytest

from lutlib import data
from lutlib.idx import DataFileError, load_idx, parse_idx


def idx_bytes(array):
    array = np.asarray(array, dtype=np.uint8)
    header = bytes([0, 0, 8, array.ndim]) + np.array(array.shape, dtype=">u4").tobytes()
    return header + array.tobytes()


def test_parse_round_trip_raw_and_gzip(tmp_path):
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    (tmp_path / "a").write_bytes(idx_bytes(images))
    (tmp_path / "a.gz").write_bytes(gzip.compress(idx_bytes(images)))
    assert np.array_equal(load_idx(tmp_path / "a"), images)
    assert np.array_equal(load_idx(tmp_path / "a.gz", expected_ndim=3), images)


@pytest.mark.parametrize("mangle, message", [
    (lambda b: b[:-1], "truncated"),
    (lambda b: b + b"\0", "longer than its header"),
    (lambda b: b"\1" + b[1:], "magic number"),
    (lambda b: b[:2] + b"\x0d" + b[3:], "not unsigned byte"),
    (lambda b: b[:6], "truncated inside the header"),
    (lambda b: b[:3], "too short"),
])
def test_damaged_idx_is_refused(mangle, message):
    good = idx_bytes(np.ones((2, 3, 3)))
    with pytest.raises(DataFileError, match=message):
        parse_idx(mangle(good))


def test_wrong_dimensions_and_corrupt_gzip(tmp_path):
    with pytest.raises(DataFileError, match="expected 1"):
        parse_idx(idx_bytes(np.ones((2, 2))), expected_ndim=1)
    path = tmp_path / "x.gz"
    path.write_bytes(gzip.compress(idx_bytes(np.ones(100)))[:-10])
    with pytest.raises(DataFileError, match="not a valid gzip"):
        load_idx(path)


def test_checksum_mismatch_is_detected(tmp_path):
    path = tmp_path / "train-labels-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(idx_bytes(np.zeros(60000))))
    with pytest.raises(DataFileError, match="SHA-256"):
        load_idx(path, "mnist", "train-labels-idx1-ubyte", 1)


def test_load_mnist_real(data_folder):
    Xtr, ytr, Xte, yte = data.load_mnist(data_folder)
    assert Xtr.shape == (60000, 28, 28) and Xte.shape == (10000, 28, 28) and Xtr.dtype == np.uint8
    assert np.bincount(ytr).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert np.bincount(yte).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    with pytest.raises(ValueError, match="read-only"):
        Xtr[0, 0, 0] = 1
    F = data.load_fashion_mnist(data_folder)
    assert F[0].shape == (60000, 28, 28) and np.bincount(F[1]).tolist() == [6000] * 10


def test_env_var_folder_and_missing_files(tmp_path, monkeypatch, data_folder):
    monkeypatch.setenv("LUTLIB_DATA", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="not found in"):
        data.load_mnist()
    monkeypatch.setenv("LUTLIB_DATA", str(data_folder))
    assert data.load_mnist()[0].shape == (60000, 28, 28)


def test_binarize_and_tasks():
    images = np.array([[[0, 127], [128, 255]]], dtype=np.uint8)
    assert data.binarize(images).tolist() == [[0, 0, 1, 1]]
    assert data.binarize(images, threshold=0.0).tolist() == [[0, 1, 1, 1]]
    with pytest.raises(ValueError, match="threshold"):
        data.binarize(images, 1.5)
    with pytest.raises(TypeError, match="uint8"):
        data.binarize(images.astype(float))
    assert data.binary_task(np.arange(10)).tolist() == [0] * 5 + [1] * 5
    imgs, y = data.pair_task(np.arange(6)[:, None], np.array([4, 9, 1, 9, 4, 2]), 4, 9)
    assert imgs.ravel().tolist() == [0, 1, 3, 4] and y.tolist() == [0, 1, 1, 0]
    with pytest.raises(ValueError, match="two different"):
        data.pair_task(imgs, y, 3, 3)


def test_pca_bits_fits_on_train_only(rng):
    train = rng.integers(0, 256, size=(300, 16), dtype=np.uint8)
    test = rng.integers(0, 256, size=(50, 16), dtype=np.uint8)
    a_tr, a_te, mean, comps = data.pca_bits(train, test, 4, return_pca=True)
    b_tr, b_te = data.pca_bits(train, np.concatenate([test, 255 - test]), 4)
    assert np.array_equal(a_tr, b_tr) and np.array_equal(a_te, b_te[:50])  # test data does not move the PCA
    assert a_tr.shape == (300, 4) and set(np.unique(a_tr)) <= {0, 1}
    assert np.allclose(comps @ comps.T, np.eye(4), atol=1e-5)
    assert abs(a_tr.mean() - 0.5) < 0.15  # projections of centred data split roughly in half
    with pytest.raises(ValueError, match="between 1 and 16"):
        data.pca_bits(train, test, 17)


def test_random_labels_and_inputs(rng):
    y = np.zeros(10000, dtype=np.uint8)
    noisy = data.random_labels(y, fraction=0.4, seed=1, n_classes=2)
    assert abs(noisy.mean() - 0.2) < 0.02 and y.sum() == 0  # input untouched
    assert np.array_equal(noisy, data.random_labels(y, 0.4, seed=1, n_classes=2))
    with pytest.raises(ValueError, match="fraction"):
        data.random_labels(y, 1.2)
    y = (rng.random(1000) < 0.3).astype(np.uint8)
    permuted = data.permute_labels(y, fraction=1.0, seed=0)
    assert permuted.sum() == y.sum() and 0.4 < (permuted != y).mean() < 0.5  # balance kept, ~42% moved
    half = data.permute_labels(y, fraction=0.5, seed=0)
    assert half.sum() == y.sum() and (half != y).mean() < (permuted != y).mean()
    X = (rng.random((2000, 50)) < 0.2).astype(np.uint8)
    Xn, replaced = data.random_inputs(X, fraction=0.5, seed=0)
    assert replaced.sum() == 1000 and np.array_equal(Xn[~replaced], X[~replaced])
    assert abs(Xn[replaced].mean() - X.mean()) < 0.01
    imgs = rng.integers(0, 256, size=(100, 4, 4)).astype(np.uint8)
    In, rep = data.random_inputs(imgs, 0.3, seed=0)
    assert In.dtype == np.uint8 and rep.sum() == 30


def test_toy_tables():
    features, names, X, y = data.animals()
    assert X.shape == (len(names), len(features)) == (9, 3)
    frog, octopus = names.index("frog"), names.index("octopus")
    assert X[frog].tolist() == X[octopus].tolist() and y[frog] != y[octopus]
    X3, y3 = data.three_bit_example()
    assert X3.shape == (7, 3) and y3.shape == (7,)


def test_load_cache_follows_the_resolved_folder(tmp_path, monkeypatch, data_folder):
    """A relative folder after chdir is another folder; a replaced file is another file."""
    monkeypatch.delenv("LUTLIB_DATA", raising=False)
    for side in ("a", "b"):
        shutil.copytree(data_folder / "mnist", tmp_path / side / "d")
    victim = tmp_path / "b" / "d" / "t10k-labels-idx1-ubyte.gz"
    victim.write_bytes(victim.read_bytes()[:-10])  # b/d is damaged
    monkeypatch.chdir(tmp_path / "a")
    first = data.load_mnist("d")
    assert data.load_mnist("d") is first, "same folder, same files: served from the cache"
    monkeypatch.chdir(tmp_path / "b")
    with pytest.raises(DataFileError, match="t10k-labels"):
        data.load_mnist("d")  # not a's arrays
    monkeypatch.chdir(tmp_path / "a")
    assert data.load_mnist("d") is first
    labels = tmp_path / "a" / "d" / "train-labels-idx1-ubyte.gz"
    labels.unlink()
    labels.write_bytes(gzip.compress(gzip.decompress(victim.with_name(labels.name).read_bytes())))
    again = data.load_mnist("d")  # a new file (new inode and size): read again
    assert again is not first and np.array_equal(again[1], first[1])


def test_unreadable_file_is_a_clear_error(tmp_path, monkeypatch, data_folder):
    import lutlib.idx
    real_open = open

    def denied(path, *args, **kw):
        if str(path).endswith("t10k-images-idx3-ubyte.gz"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kw)
    shutil.copytree(data_folder / "mnist", tmp_path / "m")
    monkeypatch.setattr(lutlib.idx, "open", denied, raising=False)
    with pytest.raises(PermissionError, match=r"t10k-images-idx3-ubyte.gz: permission denied.*chmod a\+r"):
        data.load_mnist(tmp_path / "m")
