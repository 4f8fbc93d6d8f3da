"""numba kernel for lutlib.memorization.flip_sensitivity: per example, per flipped bit, propagate
only the units whose value changes, layer by layer (a frontier), through a lut network."""
import numpy as np

from . import threads

threads.set_environment_defaults()  # before numba starts its threads (see lutlib.threads)

import numba  # noqa: E402


@numba.njit(parallel=True, cache=True)
def flip_matrix(vals, addr, lut_base, tables, ptr, reader, mask, n_bits):
    """flips[i, j]: does flipping input bit j of example i change the output lut?

    vals (n, units) uint8: every unit's value (inputs first, then each layer's luts);
    addr (n, luts) int64: every lut's row address; tables (luts, 2^k) uint8;
    ptr/reader/mask: CSR lists of the luts reading each unit and the address bit it sets;
    lut_base: number of input units (lut g is unit lut_base + g); n_bits: input bits to flip.
    """
    n, n_luts = addr.shape
    out_lut = n_luts - 1
    flips = np.zeros((n, n_bits), dtype=np.bool_)
    for i in numba.prange(n):
        delta = np.zeros(n_luts, dtype=np.int64)
        front = np.empty(n_luts + n_bits, dtype=np.int64)   # changed units of the current layer
        cand = np.empty(n_luts, dtype=np.int64)             # luts of the next layer to re-evaluate
        for j in range(n_bits):
            front[0] = j
            n_front = 1
            while n_front > 0:
                n_cand = 0
                for f in range(n_front):
                    u = front[f]
                    for e in range(ptr[u], ptr[u + 1]):
                        r = reader[e]
                        if delta[r] == 0:
                            cand[n_cand] = r
                            n_cand += 1
                        delta[r] ^= mask[e]
                n_front = 0
                for c in range(n_cand):
                    r = cand[c]
                    if delta[r] != 0:   # two flipped inputs never cancel: each sets its own bit
                        if tables[r, addr[i, r] ^ delta[r]] != vals[i, lut_base + r]:
                            if r == out_lut:
                                flips[i, j] = True
                            front[n_front] = lut_base + r
                            n_front += 1
                        delta[r] = 0
    return flips
