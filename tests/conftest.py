import os
from pathlib import Path

import numpy as np
import pytest


@pytest.fixture(scope="session")
def data_folder():
    """$LUTLIB_DATA, else the cache `make data` filled; required in CI, elsewhere tests skip."""
    folder = os.environ.get("LUTLIB_DATA")
    if folder and (Path(folder) / "mnist").is_dir():
        return Path(folder)
    from lutlib.fetch import cache_dir
    gz = ("mnist/train-images-idx3-ubyte.gz", "fashion-mnist/train-images-idx3-ubyte.gz")
    if all((cache_dir() / f).is_file() for f in gz):
        return cache_dir()   # `make data` fetched the .gz files: the layout of LUTLIB_DATA
    if os.environ.get("CI"):
        pytest.fail("CI needs the data: LUTLIB_DATA (../shared/data) or `make data` first.")
    pytest.skip("no data: set LUTLIB_DATA to a folder with mnist/, or run `make data`")


@pytest.fixture(scope="session")
def small_mnist(data_folder):
    """3,000 training and 1,000 test images of real MNIST, as bits and 0-4 vs 5-9 labels."""
    from lutlib.data import binarize, binary_task, load_mnist
    Xtr, ytr, Xte, yte = load_mnist(data_folder)
    return binarize(Xtr[:3000]), binary_task(ytr[:3000]), binarize(Xte[:1000]), binary_task(yte[:1000])


@pytest.fixture
def rng():
    return np.random.default_rng(12345)
