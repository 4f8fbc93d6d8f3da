"""lutlib: lookup tables and networks of lookup tables that learn by memorizing (Chatterjee 2018).

>>> from lutlib import Lut
>>> Lut(seed=0).fit([[0], [1], [1]], [0, 1, 1]).table_.tolist()
[0, 1]
"""
from ._base import NotFittedError
from .lut import Lut
from .network import LutNetwork, numba_available

__all__ = ["Lut", "LutNetwork", "NotFittedError", "numba_available"]
__version__ = "0.1.0"
