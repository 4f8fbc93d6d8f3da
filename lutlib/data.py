"""Data for the book: MNIST and Fashion-MNIST, binarization, binary tasks, PCA bits, noise, toy tables.

>>> from lutlib.data import binary_task
>>> binary_task([0, 4, 5, 9]).tolist()
[0, 0, 1, 1]
"""
import functools
import os
from pathlib import Path

import numpy as np

from .fetch import ENV_VAR, cache_dir, find_file, locate
from .idx import FILES, DataFileError, load_idx

#: The paper's task: digits 0-4 are class 0, digits 5-9 are class 1.
HIGH_DIGITS = (5, 6, 7, 8, 9)
FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                   "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")


def _load(dataset, folder):
    """Load through a cache keyed by the folder's resolved path and the files' identity."""
    if folder is not None or os.environ.get(ENV_VAR):
        return _load_cached(dataset, *_identity(locate(dataset, folder=folder, download=False)))
    cached = cache_dir() / dataset
    try:
        return _load_cached(dataset, *_identity(cached))
    except (FileNotFoundError, DataFileError):
        pass  # missing or damaged: locate fetches or replaces it, under the fetch lock
    return _load_cached(dataset, *_identity(locate(dataset)))


def _identity(folder):
    """(resolved folder, ((path, device, inode, size, mtime), ...) for the four files)."""
    files = []
    for name in FILES:
        path = find_file(folder, name)
        if path is None:
            raise FileNotFoundError(f"{name} not found in {folder}.")
        st = path.resolve().stat()
        files.append((str(path.resolve()), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns))
    return str(Path(folder).resolve()), tuple(files)


@functools.lru_cache(maxsize=4)
def _load_cached(dataset, folder, files):
    paths = dict(zip(FILES, (f[0] for f in files)))
    arrays = []
    for split in ("train", "t10k"):
        images = load_idx(paths[f"{split}-images-idx3-ubyte"], dataset, f"{split}-images-idx3-ubyte", 3)
        labels = load_idx(paths[f"{split}-labels-idx1-ubyte"], dataset, f"{split}-labels-idx1-ubyte", 1)
        if len(images) != len(labels):
            raise DataFileError(f"{dataset} {split} in {folder}: {len(images)} images but {len(labels)} labels.")
        arrays += [images, labels]
    for a in arrays:
        a.setflags(write=False)  # cached and shared: copy before changing
    return tuple(arrays)


def load_mnist(folder=None):
    """MNIST as (X_train, y_train, X_test, y_test): uint8 images (n, 28, 28) and digit labels.

    Looks in `folder`, then $LUTLIB_DATA, then the user cache, and fetches once if needed.
    Arrays are read-only and shared between calls with the same folder and unchanged files (a
    relative folder means the same folder only from the same working directory); copy to modify.
    """
    return _load("mnist", None if folder is None else str(folder))


def load_fashion_mnist(folder=None):
    """Fashion-MNIST, same layout as load_mnist; class names in FASHION_CLASSES."""
    return _load("fashion-mnist", None if folder is None else str(folder))


def _as_flat_images(images, name="images"):
    images = np.asarray(images)
    if images.ndim == 3:
        images = images.reshape(len(images), -1)
    if images.ndim != 2:
        raise ValueError(f"{name} must be (n, height, width) or (n, pixels); got shape {images.shape}.")
    return images


def _as_flat_uint8(images):
    images = _as_flat_images(images)
    if images.dtype != np.uint8:
        raise TypeError(f"expected uint8 images (0-255); got dtype {images.dtype}.")
    return images


def scale(images):
    """Unroll and scale uint8 images to floats in [0, 1], shape (n, pixels)."""
    return _as_flat_uint8(images).astype(np.float32) / 255.0


def binarize(images, threshold=0.5):
    """Unroll, scale to [0, 1] and threshold: bit = pixel/255 > threshold. Returns (n, pixels) uint8.

    >>> binarize(np.array([[[0, 128], [255, 127]]], dtype=np.uint8)).tolist()
    [[0, 1, 1, 0]]
    """
    if not 0 <= threshold < 1:
        raise ValueError(f"threshold must be in [0, 1); got {threshold}.")
    images = _as_flat_uint8(images)
    bit_of_pixel = (np.arange(256) / 255 > threshold).astype(np.uint8)  # all 256 pixel values at once
    return bit_of_pixel[images]


def binary_task(labels, positive=HIGH_DIGITS):
    """0/1 labels: 1 for classes in `positive` (default: digits 5-9, the paper's task).

    Labels and `positive` must both be numbers or both be text: "5" is not the digit 5.
    """
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"labels must be 1-D; got shape {labels.shape}.")
    positive = np.asarray(positive)
    if _is_text(labels) != _is_text(positive):
        text, numbers = ("labels", "positive") if _is_text(labels) else ("positive", "labels")
        raise TypeError(f"{text} holds text and {numbers} holds numbers, so no label would match "
                        f"(labels {labels[:3].tolist()}, positive {positive.ravel()[:5].tolist()}); convert "
                        "one to the other's type first, e.g. np.asarray(labels, dtype=int).")
    return np.isin(labels, positive).astype(np.uint8)


def _is_text(a):
    """True when an array holds strings (str or bytes dtype, or Python strings in an object array)."""
    if a.dtype.kind in "US":
        return True
    return a.dtype == object and any(isinstance(v, (str, bytes)) for v in a.ravel())


def pair_task(images, labels, a, b):
    """Only the examples of class a (label 0) and class b (label 1): returns (images, y)."""
    labels = np.asarray(labels)
    if a == b:
        raise ValueError(f"a pairwise task needs two different classes; got {a} and {b}.")
    keep = (labels == a) | (labels == b)
    if not keep.any():
        raise ValueError(f"no examples of class {a} or {b}.")
    return np.asarray(images)[keep], (labels[keep] == b).astype(np.uint8)


def pca_bits(train, test, k, return_pca=False):
    """One bit per principal component: bit = projection > 0. PCA is fitted on `train` only.

    train, test: uint8 images. Returns (bits_train, bits_test) as uint8 (n, k); with
    return_pca=True also (mean, components) where components is (k, pixels).
    """
    Xtr, Xte = scale(train), scale(test)
    if not 1 <= k <= Xtr.shape[1]:
        raise ValueError(f"k must be between 1 and {Xtr.shape[1]}; got {k}.")
    mean, components = _pca(Xtr, k)
    bits = [(((X - mean) @ components.T) > 0).astype(np.uint8) for X in (Xtr, Xte)]
    return (*bits, mean, components) if return_pca else tuple(bits)


def _pca(X, k):
    """Top-k principal axes from the covariance matrix, signs fixed so results are reproducible."""
    mean = X.mean(axis=0)
    Xc = X - mean
    cov = (Xc.T @ Xc).astype(np.float64) / len(X)
    values, vectors = np.linalg.eigh(cov)
    components = vectors[:, ::-1][:, :k].T
    signs = np.sign(components[np.arange(k), np.abs(components).argmax(axis=1)])
    return mean, (components * signs[:, None]).astype(np.float32)


def random_labels(y, fraction=1.0, seed=0, n_classes=None):
    """Replace a fraction of the labels by uniformly random classes (Zhang et al. 2017).

    The chosen examples get a label drawn uniformly from 0..n_classes-1 (default: max(y)+1), so
    about 1/n_classes of them keep their old label by chance. Returns a new array.
    """
    y = np.asarray(y)
    _check_fraction(fraction)
    n_classes = int(y.max()) + 1 if n_classes is None else n_classes
    rng = np.random.default_rng(seed)
    out = y.copy()
    chosen = _choose(rng, len(y), fraction)
    out[chosen] = rng.integers(0, n_classes, size=len(chosen))
    return out


def permute_labels(y, fraction=1.0, seed=0):
    """Shuffle the labels of a fraction of the examples among themselves.

    Like random_labels, the chosen labels no longer depend on the inputs, but the class balance
    is kept exactly: this is how Zhang et al. (2017) randomly permute labels, and it reproduces
    the random-label column of Chatterjee's Table 2. It matters for lut networks: on MNIST 0-4
    vs 5-9 (49% ones), permuted labels are memorized more slowly than exactly balanced coin flips.

    >>> sorted(permute_labels([0, 0, 1, 1, 1], seed=0).tolist())
    [0, 0, 1, 1, 1]
    """
    y = np.asarray(y)
    _check_fraction(fraction)
    rng = np.random.default_rng(seed)
    out = y.copy()
    chosen = _choose(rng, len(y), fraction)
    out[chosen] = y[rng.permutation(chosen)]
    return out


def random_inputs(X, fraction=1.0, seed=0):
    """Replace a fraction of the examples by noise (Arpit et al. 2017's random inputs).

    Bits (0/1) are replaced by random bits with the data's overall density of ones; other data
    by Gaussian values with the data's mean and standard deviation, kept in the data's range
    and dtype: uint8 images clipped to 0..255, other integers rounded and clipped to their
    smallest and largest value, floats (say images scaled to [0, 1]) clipped to theirs.
    Returns (new X, boolean mask of replaced examples).

    >>> noisy, replaced = random_inputs(np.float32([[0.2, 0.4], [0.6, 0.8]]), fraction=0.5)
    >>> noisy.dtype, int(replaced.sum()), bool(((0.2 <= noisy) & (noisy <= 0.8)).all())
    (dtype('float32'), 1, True)
    """
    X = np.asarray(X)
    _check_fraction(fraction)
    if X.ndim == 0 or len(X) == 0:
        raise ValueError(f"X must hold at least one example (an array of shape (n, ...)); got shape {X.shape}.")
    if X.dtype != bool and not (np.issubdtype(X.dtype, np.integer) or np.issubdtype(X.dtype, np.floating)):
        raise TypeError(f"X must hold numbers; got dtype {X.dtype}.")
    if np.issubdtype(X.dtype, np.floating) and not np.isfinite(X).all():
        raise ValueError("X contains NaN or infinity; noise with its mean and spread would be meaningless.")
    rng = np.random.default_rng(seed)
    chosen = np.zeros(len(X), dtype=bool)
    chosen[_choose(rng, len(X), fraction)] = True
    out = X.copy()
    shape = (int(chosen.sum()),) + X.shape[1:]
    if np.isin(X, (0, 1)).all():
        out[chosen] = (rng.random(shape) < X.mean()).astype(X.dtype)
    else:
        noise = rng.normal(X.mean(), X.std(), size=shape)
        if X.dtype == np.uint8:
            out[chosen] = np.clip(np.rint(noise), 0, 255)
        elif np.issubdtype(X.dtype, np.integer):
            out[chosen] = np.clip(np.rint(noise), X.min(), X.max())
        else:
            out[chosen] = np.clip(noise, X.min(), X.max())
    return out, chosen


def _choose(rng, n, fraction):
    """Indices of round(fraction * n) distinct examples, drawn from rng."""
    return rng.choice(n, size=round(fraction * n), replace=False)


def _check_fraction(fraction):
    if not 0 <= fraction <= 1:
        raise ValueError(f"fraction must be between 0 and 1; got {fraction}.")


def animals():
    """A toy table for Chapter 2: three yes/no features of an animal -> is it a vertebrate?

    Our own table in the spirit of the seed slides. Returns (feature_names, animal_names, X, y).
    Note the octopus: same features as a frog, but not a vertebrate.
    """
    features = ("lives in water", "has eyes", "has limbs")
    rows = [("fish", 1, 1, 0, 1), ("frog", 1, 1, 1, 1), ("dog", 0, 1, 1, 1), ("eagle", 0, 1, 1, 1),
            ("snake", 0, 1, 0, 1), ("jellyfish", 1, 0, 0, 0), ("earthworm", 0, 0, 0, 0),
            ("octopus", 1, 1, 1, 0), ("snail", 0, 1, 0, 0)]
    names = tuple(r[0] for r in rows)
    X = np.array([r[1:4] for r in rows], dtype=np.uint8)
    y = np.array([r[4] for r in rows], dtype=np.uint8)
    return features, names, X, y


def three_bit_example():
    """The 7-example, 3-bit training set of the seed slides: returns (X, y).

    Its lut: 000 -> 1 (1 vs 2), 001 -> 1, 100 -> 0, 110 is a tie (1 vs 1); other rows unseen.
    """
    X = np.array([[0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 1], [1, 0, 0], [1, 1, 0], [1, 1, 0]], dtype=np.uint8)
    y = np.array([0, 1, 1, 1, 0, 0, 1], dtype=np.uint8)
    return X, y
