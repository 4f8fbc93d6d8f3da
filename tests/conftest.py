import os
from pathlib import Path

import numpy as np
import pytest


@pytest.fixture(scope="session")
def data_folder():
    """The shared data folder ($LUTLIB_DATA). Required in CI; elsewhere its tests are skipped."""
    folder = os.environ.get("LUTLIB_DATA")
    if folder and (Path(folder) / "mnist").is_dir():
        return Path(folder)
    if os.environ.get("CI"):
        pytest.fail("CI must set LUTLIB_DATA to the shared data folder (../shared/data).")
    pytest.skip("LUTLIB_DATA is not set to a folder with mnist/")


@pytest.fixture(scope="session")
def small_mnist(data_folder):
    """3,000 training and 1,000 test images of real MNIST, as bits and 0-4 vs 5-9 labels."""
    from lutlib.data import binarize, binary_task, load_mnist
    Xtr, ytr, Xte, yte = load_mnist(data_folder)
    return binarize(Xtr[:3000]), binary_task(ytr[:3000]), binarize(Xte[:1000]), binary_task(yte[:1000])


@pytest.fixture
def rng():
    return np.random.default_rng(12345)
