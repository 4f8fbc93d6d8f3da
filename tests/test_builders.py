"""lutlib.builders: the same models and bits as the definitions the chapters carried."""
from __future__ import annotations

import doctest
from functools import partial

import numpy as np
import pytest

from lutlib import LutNetwork, builders
from lutlib.data import binarize
from lutlib.nn import MLP


def test_doctests():
    assert doctest.testmod(builders).failed == 0


# The chapters' own definitions, as they were (references, written out here on purpose).
def chapter7_mlp(width, seed=0):
    return MLP(hidden=(width,), seed=seed, n_classes=2, optimizer="adam", lr=0.003, batch_size=64)


def chapter8_mlp(n_classes=10, seed=0, **regularizer):
    return MLP(n_classes=n_classes, seed=seed, hidden=(256,), optimizer="adam", lr=0.003,
               batch_size=64, **regularizer)


def chapter10_mlp(n_classes, hidden=(128,), seed=0, **kw):
    return MLP(hidden=hidden, n_classes=n_classes, seed=seed, lr=0.05, batch_size=64, **kw)


def chapter7_lut_net(k, hidden=(256, 256), seed=0):
    return LutNetwork(hidden=hidden, k=k, seed=seed, backend="numpy")


def chapter10_lut_net(seed=0):
    return LutNetwork(hidden=(64, 64), k=6, seed=seed, backend="numpy")


def chapter_to_bits(images):
    small = images.reshape(len(images), 14, 2, 14, 2).mean(axis=(2, 4))
    return binarize(small.astype(np.uint8))


def same(a, b):
    return type(a) is type(b) and a.get_params() == b.get_params()


def test_mlp_presets_match_the_chapters():
    assert same(builders.mlp(64), chapter7_mlp(64))
    assert same(builders.mlp(64, seed=3), chapter7_mlp(64, seed=3))
    ch8 = partial(builders.mlp, hidden=256, n_classes=10)
    assert same(ch8(), chapter8_mlp())
    assert same(ch8(n_classes=2, dropout=0.5, seed=4), chapter8_mlp(2, seed=4, dropout=0.5))
    ch10 = partial(builders.mlp, hidden=128, optimizer="sgd", lr=0.05)
    assert same(ch10(n_classes=10), chapter10_mlp(10))
    assert same(ch10(n_classes=2, hidden=(64,), epochs=15), chapter10_mlp(2, hidden=(64,), epochs=15))
    assert not same(ch10(n_classes=10), chapter10_mlp(2))                # the check can fail


def test_lut_net_presets_match_the_chapters():
    assert same(builders.lut_net(8), chapter7_lut_net(8))
    assert same(builders.lut_net(10, hidden=(64, 64), seed=2), chapter7_lut_net(10, (64, 64), 2))
    ch10 = partial(builders.lut_net, k=6, hidden=(64, 64))
    assert same(ch10(), chapter10_lut_net()) and same(ch10(seed=5), chapter10_lut_net(5))


def test_built_models_train_as_the_chapters_did():
    rng = np.random.default_rng(0)
    bits = rng.integers(0, 2, (200, 20)).astype(np.uint8)
    labels = bits[:, 0] ^ bits[:, 3]
    ours = builders.lut_net(4, hidden=(16,), seed=1).fit(bits, labels).predict(bits)
    theirs = chapter7_lut_net(4, (16,), 1).fit(bits, labels).predict(bits)
    assert np.array_equal(ours, theirs)
    floats = bits.astype(np.float32)
    ours = builders.mlp(16, seed=2, epochs=2).fit(floats, labels).predict_proba(floats)
    theirs = MLP(hidden=(16,), seed=2, n_classes=2, optimizer="adam", lr=0.003, batch_size=64,
                 epochs=2).fit(floats, labels).predict_proba(floats)
    assert np.array_equal(ours, theirs)


@pytest.mark.parametrize("bad, match", [
    (dict(hidden=0), "positive"), (dict(hidden="wide"), "tuple of layer widths"),
    (dict(hidden=True), "tuple of layer widths"),
])
def test_mlp_refuses(bad, match):
    with pytest.raises(ValueError, match=match):
        builders.mlp(**bad)


def test_to_bits_matches_the_chapters_and_keeps_the_boundary():
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, (50, 28, 28)).astype(np.uint8)
    assert np.array_equal(builders.to_bits(images), chapter_to_bits(images))
    assert np.array_equal(builders.to_bits(images.reshape(50, 784)), chapter_to_bits(images))
    block = np.zeros((2, 2, 2), dtype=np.uint8)
    block[0] = [[128, 128], [128, 127]]            # mean 127.75: truncated to 127, so 0
    block[1] = [[128, 128], [128, 128]]            # mean 128: 1
    assert builders.to_bits(block).ravel().tolist() == [0, 1]
    assert builders.to_bits(images, block=4).shape == (50, 49)


@pytest.mark.parametrize("images, kw, match", [
    (np.zeros((3, 27, 27), np.uint8), {}, "not square with a side divisible"),
    (np.zeros((3, 780), np.uint8), {}, "not square"),
    (np.zeros(784, np.uint8), {}, "must be \\(n, side, side\\)"),
    (np.full((2, 28, 28), 300), {}, "grey levels 0-255"),
    (np.full((2, 28, 28), 0.5), {}, "grey levels 0-255"),
    (np.zeros((2, 28, 28), np.uint8), {"block": 0}, "block must be"),
])
def test_to_bits_refuses(images, kw, match):
    with pytest.raises(ValueError, match=match):
        builders.to_bits(images, **kw)
