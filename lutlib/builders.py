"""The models and inputs the chapters build again and again: an MLP, a lut network, 14 x 14 bits.

Chapters set their own settings once with ``functools.partial`` and vary the seed:

>>> from functools import partial
>>> wide = partial(mlp, hidden=512)
>>> [net.seed for net in (wide(seed=s) for s in range(3))], wide().hidden
([0, 1, 2], (512,))
"""
from __future__ import annotations

import numpy as np

from ._validation import check_hidden
from .data import binarize
from .network import LutNetwork
from .nn import MLP

MLP_TRAINING = {"optimizer": "adam", "lr": 0.003, "batch_size": 64}
"""How the chapters' MLPs train unless told otherwise: Adam, step 0.003, minibatches of 64."""

LUT_HIDDEN = (256, 256)
"""The chapters' lut network: two hidden layers of 256 luts."""


def _layers(hidden):
    """``hidden`` as a tuple of widths; a single int is one layer of that width."""
    if isinstance(hidden, (int, np.integer)) and not isinstance(hidden, bool):
        hidden = (int(hidden),)
    return check_hidden(hidden)


def mlp(hidden=(256,), *, n_classes=2, seed=0, **options) -> MLP:
    """An untrained ``lutlib.nn.MLP``; ``hidden`` is a width (one layer) or a tuple of widths.

    Trains as ``MLP_TRAINING`` says unless ``options`` override it (``optimizer="sgd"``,
    ``lr=``, ``epochs=``, ``dropout=``, ``weight_decay=``, ``input_noise=`` ...).

    >>> net = mlp(128, n_classes=10, seed=3, dropout=0.2)
    >>> net.hidden, net.n_classes, net.seed, net.optimizer, net.dropout
    ((128,), 10, 3, 'adam', 0.2)
    """
    return MLP(hidden=_layers(hidden), n_classes=n_classes, seed=seed,
               **{**MLP_TRAINING, **options})


def lut_net(k=8, *, hidden=LUT_HIDDEN, seed=0, backend="numpy") -> LutNetwork:
    """An untrained ``LutNetwork`` with ``k``-input luts; ``seed`` fixes its wiring and coins.

    The numpy backend gives the same tables at any number of threads and needs no compile
    wait; pass ``backend="auto"`` for numba's speed on large runs.

    >>> net = lut_net(6, hidden=(64, 64), seed=1)
    >>> net.k, net.hidden, net.seed, net.backend
    (6, (64, 64), 1, 'numpy')
    """
    return LutNetwork(hidden=_layers(hidden), k=k, seed=seed, backend=backend)


def to_bits(images, block=2, threshold=0.5):
    """Images shrunk by averaging ``block`` x ``block`` pixels, then thresholded: (n, bits) uint8.

    28 x 28 MNIST images become 196 bits. The block means are truncated to whole grey
    levels before ``lutlib.data.binarize(..., threshold)``: a bit is 1 when the block's
    mean is at least 128 at the default threshold.

    >>> img = np.zeros((1, 4, 4), dtype=np.uint8); img[0, :2, :2] = [[255, 255], [255, 0]]
    >>> to_bits(img).tolist()
    [[1, 0, 0, 0]]
    """
    images = np.asarray(images)
    if images.ndim not in (2, 3) or images.size == 0:
        raise ValueError(f"images must be (n, side, side) or (n, side * side) pixels; "
                         f"got shape {images.shape}")
    if isinstance(block, bool) or not isinstance(block, (int, np.integer)) or block < 1:
        raise ValueError(f"block must be a positive integer; got {block!r}")
    pixels = int(np.prod(images.shape[1:]))
    side = int(round(np.sqrt(pixels)))
    if side * side != pixels or side % block:
        raise ValueError(f"images of {pixels} pixels are not square with a side divisible by "
                         f"block={block} (shape {images.shape})")
    if not (np.issubdtype(images.dtype, np.integer) and images.min() >= 0 and images.max() <= 255):
        raise ValueError(f"images must hold grey levels 0-255 as integers; got dtype {images.dtype}"
                         f" with values from {images.min()} to {images.max()}")
    n, small = len(images), side // block
    means = images.reshape(n, small, block, small, block).mean(axis=(2, 4))
    return binarize(means.astype(np.uint8), threshold=threshold)
