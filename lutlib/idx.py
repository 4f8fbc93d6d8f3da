"""Reading IDX files (the MNIST format), gzip or raw, with every header field checked.

An IDX file is a 4-byte magic number (0, 0, type code, number of dimensions), one big-endian
uint32 per dimension, then the data. MNIST uses type 0x08 (unsigned byte).
"""
import gzip
import hashlib
import zlib
from pathlib import Path

import numpy as np

#: SHA-256 of the *decompressed* official files (from ../shared/data/README.md).
SHA256 = {
    "mnist": {
        "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    },
    "fashion-mnist": {
        "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
    },
}
FILES = tuple(SHA256["mnist"])


class DataFileError(ValueError):
    """A data file is missing, truncated, corrupt, or not the file it claims to be."""


def read_bytes(path):
    """The decompressed bytes of a .gz or raw file; a damaged gzip raises DataFileError.

    An unreadable file raises PermissionError with a message that says what to do.
    """
    path = Path(path)
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except PermissionError as e:
        raise PermissionError(f"{path}: permission denied, lutlib cannot read this data file. Make it "
                              "readable (chmod a+r), or point LUTLIB_DATA at a copy you can read.") from e
    if raw[:2] != b"\x1f\x8b":
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as e:
        raise DataFileError(f"{path} is not a valid gzip file ({e}); it is truncated or corrupt. "
                            "Delete it and fetch again (lutlib data fetch).") from e


def parse_idx(data, source="<bytes>", expected_ndim=None):
    """Parse IDX bytes into a uint8 array, validating magic number, dimensions and length.

    >>> parse_idx(bytes([0, 0, 8, 1, 0, 0, 0, 2, 7, 9])).tolist()
    [7, 9]
    """
    if len(data) < 4:
        raise DataFileError(f"{source}: only {len(data)} bytes, too short for an IDX header.")
    zero, zero2, dtype_code, ndim = data[:4]
    if zero or zero2 or ndim == 0:
        raise DataFileError(f"{source}: bad IDX magic number {data[:4].hex()} (expected 0000 08 0N); "
                            "not an IDX file.")
    if dtype_code != 0x08:
        raise DataFileError(f"{source}: IDX type code 0x{dtype_code:02x} is not unsigned byte (0x08).")
    if expected_ndim is not None and ndim != expected_ndim:
        raise DataFileError(f"{source}: has {ndim} dimensions, expected {expected_ndim}.")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise DataFileError(f"{source}: truncated inside the header ({len(data)} bytes).")
    dims = tuple(int(d) for d in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    expected = header + int(np.prod(dims, dtype=np.int64))
    if len(data) != expected:
        what = "truncated" if len(data) < expected else "longer than its header says"
        raise DataFileError(f"{source}: {what}: {len(data):,} bytes, but dimensions {dims} need {expected:,}.")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(dims)


def sha256_ok(data, dataset, name):
    """True if data matches the known checksum (True also for files we have none for)."""
    expected = SHA256.get(dataset, {}).get(name)
    return expected is None or hashlib.sha256(data).hexdigest() == expected


def load_idx(path, dataset=None, name=None, expected_ndim=None):
    """Read, checksum and parse one IDX file (.gz or raw)."""
    data = read_bytes(path)
    arr = parse_idx(data, source=str(path), expected_ndim=expected_ndim)
    if dataset and name and not sha256_ok(data, dataset, name):
        raise DataFileError(f"{path}: SHA-256 of the decompressed bytes does not match the official "
                            f"{dataset} {name}; the file is corrupt or a different data set.")
    return arr
