"""Entropy and mutual information of discrete variables, exactly, and the information bottleneck.

A variable is given by its value on each of n examples: a 1-D array of integer codes, or a 2-D
array whose rows are the values (rows of bits, say a layer's outputs). Probabilities are the
empirical frequencies over the n examples, so nothing is estimated: every quantity is exact for
the empirical distribution. Information is in bits (logarithms base 2).

>>> x = [0, 0, 1, 1]
>>> entropy(x), mutual_information(x, x), mutual_information(x, [0, 1, 0, 1])
(1.0, 1.0, 0.0)
"""
from dataclasses import dataclass

import numpy as np

__all__ = ["codes", "entropy", "conditional_entropy", "mutual_information", "joint_distribution",
           "information_bottleneck", "IBCurve"]


def codes(x, name="x"):
    """Integer codes 0..m-1 of a variable's values, one per example; equal values, equal codes.

    >>> codes([[1, 0], [0, 1], [1, 0]]).tolist()
    [1, 0, 1]
    """
    x = np.asarray(x)
    if x.ndim not in (1, 2):
        raise ValueError(f"{name} must be 1-D (codes) or 2-D (one row per example); got shape {x.shape}.")
    if x.shape[0] == 0:
        raise ValueError(f"{name} has no examples.")
    if x.dtype == object or not (np.issubdtype(x.dtype, np.integer) or x.dtype == bool):
        raise TypeError(f"{name} must hold integers or bools (discrete values); got dtype {x.dtype}. "
                        "Discretize continuous values first, for example with np.digitize.")
    if x.ndim == 2:
        if x.shape[1] == 0:
            return np.zeros(x.shape[0], dtype=np.int64)          # no columns: one value
        if x.dtype == bool or (x.min() >= 0 and x.max() <= 1):
            x = np.packbits(x.astype(np.uint8), axis=1)            # 8 bits per byte: faster unique
        x = np.ascontiguousarray(x).view(np.dtype((np.void, x.dtype.itemsize * x.shape[1])))[:, 0]
    return np.unique(x, return_inverse=True)[1].reshape(-1).astype(np.int64)


def _joint_codes(variables):
    if not variables:
        raise ValueError("give at least one variable.")
    cs = [codes(v, f"variable {i}") for i, v in enumerate(variables)]
    if len({len(c) for c in cs}) > 1:
        raise ValueError(f"variables must have the same number of examples; got {[len(c) for c in cs]}.")
    return cs[0] if len(cs) == 1 else codes(np.column_stack(cs))


def _entropy_of_codes(c):
    p = np.bincount(c) / len(c)
    p = p[p > 0]
    return float(-(p * np.log2(p)).sum()) + 0.0     # + 0.0 turns -0.0 into 0.0


def entropy(*variables):
    """Joint entropy H(X1, X2, ...) in bits of the empirical distribution of the variables.

    >>> entropy([0, 1, 2, 3]), entropy([0, 0, 1, 1], [0, 1, 0, 1])
    (2.0, 2.0)
    """
    return _entropy_of_codes(_joint_codes(variables))


def conditional_entropy(x, given):
    """H(X | given) = H(X, given) - H(given), in bits.

    >>> conditional_entropy([0, 1, 0, 1], given=[0, 0, 1, 1])
    1.0
    """
    return entropy(x, given) - entropy(given)


def mutual_information(x, y):
    """I(X; Y) = H(X) + H(Y) - H(X, Y), in bits, on the empirical joint distribution.

    >>> mutual_information([0, 0, 1, 1], [5, 5, 7, 7])
    1.0
    """
    cx, cy = _joint_codes([x]), _joint_codes([y])
    if len(cx) != len(cy):
        raise ValueError(f"x and y must have the same number of examples; got {len(cx)} and {len(cy)}.")
    return _entropy_of_codes(cx) + _entropy_of_codes(cy) - _entropy_of_codes(codes(np.column_stack([cx, cy])))


def joint_distribution(x, y):
    """The empirical p(x, y) as a (values of x, values of y) array, rows and columns in code order.

    >>> joint_distribution([0, 0, 1, 1], [0, 1, 1, 1]).tolist()
    [[0.25, 0.25], [0.0, 0.5]]
    """
    cx, cy = _joint_codes([x]), _joint_codes([y])
    if len(cx) != len(cy):
        raise ValueError(f"x and y must have the same number of examples; got {len(cx)} and {len(cy)}.")
    p = np.zeros((cx.max() + 1, cy.max() + 1))
    np.add.at(p, (cx, cy), 1.0)
    return p / len(cx)


@dataclass
class IBCurve:
    """The result of ``information_bottleneck``: one entry per beta (ascending).

    i_xt, i_ty : arrays of I(X;T) and I(T;Y) in bits; encoders : list of (n_x, n_t) arrays p(t|x)
    (rows of x with p(x) = 0 are zeros); i_xy, h_x : I(X;Y) and H(X), the curve's limits.
    """
    betas: np.ndarray
    i_xt: np.ndarray
    i_ty: np.ndarray
    encoders: list
    i_xy: float
    h_x: float


def _xlogy_sum(p, q, axis=None):
    """sum p log2(p / q) with 0 log 0 = 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * (np.log2(np.where(p > 0, p, 1.0)) - np.log2(np.where(p > 0, q, 1.0))), 0.0)
    return terms.sum(axis=axis)


def _check_joint(pxy):
    pxy = np.asarray(pxy, dtype=float)
    if pxy.ndim != 2 or min(pxy.shape) == 0:
        raise ValueError(f"pxy must be a 2-D array p(x, y) (values of x by values of y); got shape {pxy.shape}.")
    if not np.isfinite(pxy).all() or (pxy < 0).any():
        raise ValueError("pxy must hold finite, non-negative probabilities.")
    if not np.isclose(pxy.sum(), 1.0, atol=1e-9):
        raise ValueError(f"pxy must sum to 1; it sums to {pxy.sum():.6g}.")
    return pxy


def _ib_step(q, px, py_x, beta):
    """One update of the encoder q = p(t|x) (Tishby, Pereira and Bialek 1999, eq. 28)."""
    pt = px @ q
    alive = pt > 0
    py_t = np.zeros((q.shape[1], py_x.shape[1]))
    py_t[alive] = (q[:, alive] * px[:, None]).T @ py_x / pt[alive, None]
    with np.errstate(divide="ignore"):
        log_py_t = np.log(np.maximum(py_t, 1e-300))
        kl = (py_x * np.log(np.where(py_x > 0, py_x, 1.0))).sum(1)[:, None] - py_x @ log_py_t.T
        logits = np.log(pt)[None, :] - beta * kl
    logits -= logits.max(axis=1, keepdims=True)
    new = np.exp(logits)
    return new / new.sum(axis=1, keepdims=True)


def _ib_informations(q, px, pxy):
    pt = px @ q
    i_xt = float(_xlogy_sum(px[:, None] * q, px[:, None] * pt[None, :]))
    pty = q.T @ pxy
    i_ty = float(_xlogy_sum(pty, pt[:, None] * pxy.sum(0)[None, :]))
    return max(i_xt, 0.0), max(i_ty, 0.0)


def _hard_start(py_x, n_clusters):
    """x split into n_clusters groups of consecutive p(y|x) (sorted): T = X when n_clusters >= n_x."""
    order = np.lexsort(py_x.T[::-1])
    q = np.zeros((len(py_x), n_clusters))
    q[order, np.arange(len(py_x)) * n_clusters // len(py_x)] = 1.0
    return q


def _sweep(betas, q, px, pxy, n_iter, tol, noise, rng):
    """Anneal through betas, each from the previous encoder perturbed; [(I(X;T), I(T;Y), q)]."""
    py_x = pxy / px[:, None]
    out = []
    for beta in betas:
        q = q * (1 + noise * rng.random(q.shape)) + 1e-12      # lets identical clusters split
        q /= q.sum(axis=1, keepdims=True)
        for _ in range(n_iter):
            new = _ib_step(q, px, py_x, beta)
            done = np.abs(new - q).max() < tol
            q = new
            if done:
                break
        out.append((*_ib_informations(q, px, pxy), q))
    return out


def information_bottleneck(pxy, betas, n_clusters=None, n_iter=300, tol=1e-9, noise=0.02, seed=0):
    """The iterative information bottleneck (Tishby, Pereira and Bialek 1999) over a range of beta.

    For each beta (in ascending order) it looks for the encoder p(t|x) that minimizes
    I(X;T) - beta I(T;Y), by the self-consistent updates of p(t), p(y|t) and p(t|x), starting
    from the previous beta's encoder slightly perturbed (deterministic annealing): once upwards
    from a random encoder (clusters split as beta grows), once downwards from T = X (clusters
    merge), keeping for each beta the encoder with the lower I(X;T) - beta I(T;Y). The updates
    find local optima, so the points lie on or below the exact IB curve.

    pxy : (n_x, n_y) joint distribution (for example from ``joint_distribution``).
    betas : positive numbers; n_clusters : size of T (default n_x, enough for any beta).
    Returns an ``IBCurve``.

    >>> pxy = np.array([[0.4, 0.1], [0.1, 0.4]])
    >>> curve = information_bottleneck(pxy, [0.1, 100.0])
    >>> np.round(curve.i_ty, 3).tolist(), round(curve.i_xy, 3)
    ([0.0, 0.278], 0.278)
    """
    pxy = _check_joint(pxy)
    betas = np.asarray(betas, dtype=float)
    if betas.ndim != 1 or len(betas) == 0 or not np.isfinite(betas).all() or (betas <= 0).any():
        raise ValueError(f"betas must be a non-empty 1-D sequence of positive numbers; got {betas!r}.")
    betas = np.sort(betas)
    n_x = pxy.shape[0]
    n_clusters = n_x if n_clusters is None else n_clusters
    for name, value in (("n_clusters", n_clusters), ("n_iter", n_iter)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive int; got {value!r}.")
    for name, value in (("tol", tol), ("noise", noise)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
                or not (np.isfinite(value) and value >= 0):
            raise ValueError(f"{name} must be a finite number >= 0; got {value!r}.")
    px = pxy.sum(1)
    seen = px > 0
    px_s, pxy_s = px[seen], pxy[seen]
    py_x = pxy_s / px_s[:, None]
    rng = np.random.default_rng(seed)
    up = _sweep(betas, rng.dirichlet(np.ones(n_clusters), size=len(px_s)), px_s, pxy_s, n_iter, tol, noise, rng)
    down = _sweep(betas[::-1], _hard_start(py_x, n_clusters), px_s, pxy_s, n_iter, tol, noise, rng)[::-1]
    i_xt, i_ty, encoders = [], [], []
    for beta, a, b in zip(betas, up, down):     # keep the better of the two local optima
        best = min(a, b, key=lambda r: r[0] - beta * r[1])
        i_xt.append(best[0])
        i_ty.append(best[1])
        full = np.zeros((n_x, n_clusters))
        full[seen] = best[2]
        encoders.append(full)
    py = pxy.sum(0)
    i_xy = float(_xlogy_sum(pxy, px[:, None] * py[None, :]))
    h_x = float(-_xlogy_sum(px, np.ones_like(px)))
    return IBCurve(betas, np.array(i_xt), np.array(i_ty), encoders, i_xy, h_x)
