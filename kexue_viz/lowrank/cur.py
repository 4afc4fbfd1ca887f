"""CUR decomposition, leverage scores and DEIM (post 5 of 低秩近似之路, 10662).

CUR approximates ``M ∈ R^{n×m}`` by ``C U R`` with ``C = M[:, S1]`` (columns), ``R = M[S2, :]`` (rows)
and a small middle factor U (``|S1|×|S2|``; the counts may differ). Shapes: ``M`` n×m float64 on
:func:`get_device`; index sets are 0-based int64 tensors. Column selections below act on the columns of
their argument; rows are selected by passing ``M.T`` (or ``U_r`` instead of ``V_r``).

* :func:`cur` — the middle factor: optimal ``C^† M R^†``, cross ``M[S2,S1]^†`` (reproduces the chosen rows
  and columns, fills the rest with ``C A^{-1} B``) or truncated cross;
* :func:`leverage_scores` — rank-k (and ridge) leverage scores ``H_ii = ‖V[i, :k]‖²``;
* :func:`deim`, :func:`qdeim` — greedy interpolation indices of a singular basis;
* :func:`deim_cur`, :func:`sorensen_embree_bound` — DEIM-CUR and its ``(η_p + η_q) σ_{r+1}`` bound;
* :func:`select_columns` — the post's selection menu by name.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch

from kexue_viz.lowrank.idec import as_matrix, cpqr

MIDDLE_FACTORS = ("opt", "cross", "cross_trunc")
SELECTIONS = ("norm_top", "norm_sample", "uniform", "cpqr", "leverage_top", "leverage_sample", "deim", "qdeim",
              "kmeans", "subsample_cpqr")
SUBSAMPLE_FACTOR = 4  # subsample_cpqr draws SUBSAMPLE_FACTOR·r columns before choosing r


class CURDecomposition(NamedTuple):
    """``M ≈ M[:, cols] @ u @ M[rows, :]``: ``cols`` (k1,), ``rows`` (k2,) int64, ``u`` k1×k2."""
    cols: torch.Tensor
    rows: torch.Tensor
    u: torch.Tensor


class DeimSelection(NamedTuple):
    """DEIM indices (r,) int64 in selection order and the residuals (m×r; column k is the residual whose
    largest entry chose ``indices[k]``; column 0 is the first basis vector itself)."""
    indices: torch.Tensor
    residuals: torch.Tensor


def _index(values, M: torch.Tensor) -> torch.Tensor:
    return torch.as_tensor(values, dtype=torch.int64, device=M.device)


def cur(M, rows, cols, u: str = "opt", tau: float | None = None) -> CURDecomposition:
    """Middle factor of ``C U R`` for ``C = M[:, cols]``, ``R = M[rows, :]``:

    * ``'opt'``: ``U* = C^† M R^†``, the Frobenius optimum (SVD pseudo-inverses, torch's default rtol);
    * ``'cross'``: ``U = M[rows, cols]^†`` (E18: catastrophic when the intersection is ill-conditioned);
    * ``'cross_trunc'``: the same with singular values below ``tau·σ_max(M[rows, cols])`` dropped."""
    M = as_matrix(M)
    rows, cols = _index(rows, M), _index(cols, M)
    if u == "opt":
        middle = torch.linalg.pinv(M[:, cols]) @ M @ torch.linalg.pinv(M[rows, :])
    elif u == "cross":
        middle = torch.linalg.pinv(M[rows][:, cols])
    elif u == "cross_trunc":
        if tau is None:
            raise ValueError("u='cross_trunc' needs tau (relative singular value threshold)")
        middle = torch.linalg.pinv(M[rows][:, cols], rtol=tau)
    else:
        raise ValueError(f"u must be one of {MIDDLE_FACTORS}, not {u!r}")
    return CURDecomposition(cols, rows, middle)


def cur_approximation(M, factors: CURDecomposition) -> torch.Tensor:
    """The n×m matrix ``M[:, cols] @ u @ M[rows, :]``."""
    M = as_matrix(M)
    return M[:, factors.cols] @ factors.u @ M[factors.rows, :]


def numerical_rank(singular_values: torch.Tensor, shape) -> int:
    """γ: the count of ``σ_i > max(n, m)·eps·σ_1`` (numpy's ``matrix_rank`` rule)."""
    if singular_values.numel() == 0 or float(singular_values[0]) == 0.0:
        return 0
    threshold = max(shape) * torch.finfo(singular_values.dtype).eps * singular_values[0]
    return int((singular_values > threshold).sum())


def leverage_scores(M, k: int | None = None, ridge: float | None = None) -> torch.Tensor:
    """Column leverage scores (m,) from ``M = UΣVᵀ``:

    * plain: ``H_ii = ‖V[i, :k]‖²``, the diagonal of ``H = V_k V_kᵀ`` (= ``M^†M`` for k = γ = rank, which is
      the default; then ``Σ H_ii = γ``, and a full-column-rank M has all scores 1, E17). Use ``k = r``.
    * ridge (``ridge = λ > 0``): ``Σ_{j<k} σ_j²/(σ_j² + λ) V_ij²`` (Cohen–Musco–Musco), k default all.

    Row scores: ``leverage_scores(M.T, k)``. Sampling probabilities: ``scores / scores.sum()``."""
    M = as_matrix(M)
    _, sigma, vh = torch.linalg.svd(M, full_matrices=False)
    if ridge is None:
        k = numerical_rank(sigma, M.shape) if k is None else k
        return vh[:k].square().sum(0)
    k = sigma.numel() if k is None else k
    weights = sigma[:k].square() / (sigma[:k].square() + ridge)
    return weights @ vh[:k].square()


def deim(basis) -> DeimSelection:
    """DEIM (Chaturantabut–Sorensen) on the m×r basis ``V`` (``V_r`` for columns, ``U_r`` for rows):
    ``s_0 = argmax|V[:, 0]|``; for k ≥ 1, ``res = V[:, k] − V[:, :k] V[S_k, :k]^{-1} V[S_k, k]`` (zero on
    ``S_k``) and ``s_k = argmax|res|``. Invariant to the signs of the basis vectors; nested in r."""
    basis = as_matrix(basis)
    residuals = torch.empty_like(basis)
    residuals[:, 0] = basis[:, 0]
    indices = [int(torch.argmax(basis[:, 0].abs()))]
    for k in range(1, basis.shape[1]):
        chosen = _index(indices, basis)
        coeffs = torch.linalg.solve(basis[chosen, :k], basis[chosen, k])
        residuals[:, k] = basis[:, k] - basis[:, :k] @ coeffs
        indices.append(int(torch.argmax(residuals[:, k].abs())))
    return DeimSelection(_index(indices, basis), residuals)


def qdeim(basis) -> torch.Tensor:
    """Q-DEIM (Drmač–Gugercin): the first r CPQR pivots of ``Vᵀ`` for the m×r basis V, (r,) int64."""
    basis = as_matrix(basis)
    return cpqr(basis.T, basis.shape[1]).piv[:basis.shape[1]]


def singular_bases(M, r: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(U_r, σ, V_r)``: leading r left (n×r) and right (m×r) singular vectors and all singular values."""
    u, sigma, vh = torch.linalg.svd(as_matrix(M), full_matrices=False)
    return u[:, :r], sigma, vh[:r].T


def deim_cur(M, r: int, u: str = "opt", tau: float | None = None) -> CURDecomposition:
    """DEIM-CUR (Sorensen–Embree): rows by DEIM on ``U_r``, columns by DEIM on ``V_r``, middle by :func:`cur`."""
    M = as_matrix(M)
    left, _, right = singular_bases(M, r)
    return cur(M, deim(left).indices, deim(right).indices, u=u, tau=tau)


def sorensen_embree_bound(left, right, rows, cols, sigma_next: float) -> float:
    """``‖M − C U* R‖_2 ≤ (η_p + η_q) σ_{r+1}`` with ``η_p = ‖U_r[rows, :]^{-1}‖_2``, ``η_q =
    ‖V_r[cols, :]^{-1}‖_2`` (``left`` = U_r n×r, ``right`` = V_r m×r, r rows and r columns)."""
    eta_p = 1.0 / torch.linalg.svdvals(left[_index(rows, left)])[-1]
    eta_q = 1.0 / torch.linalg.svdvals(right[_index(cols, right)])[-1]
    return float((eta_p + eta_q) * sigma_next)


def select_columns(M, r: int, method: str, seed: int | np.random.Generator = 0, k: int | None = None,
                   scores: torch.Tensor | None = None) -> torch.Tensor:
    """r column indices of M by the post's menu (rows: pass ``M.T``):

    * ``'norm_top'`` the r largest ``‖m_j‖``; ``'norm_sample'`` r without replacement, ``p ∝ ‖m_j‖²``;
      ``'uniform'`` r uniformly without replacement;
    * ``'cpqr'`` the first r CPQR pivots;
    * ``'leverage_top'`` / ``'leverage_sample'`` by rank-k leverage scores (k default r), top or
      ``p = H_jj/k`` without replacement; ``'deim'``, ``'qdeim'`` on ``V_r``.

    * ``'kmeans'`` (post 5's "columns as cluster centres"): k-means (scikit-learn, ``random_state=seed``) of
      the m columns into r clusters, then per cluster the column nearest its centre (the next nearest not
      yet chosen, so the r columns are distinct);
    * ``'subsample_cpqr'`` (post 5's "subsample first when m is large"): ``SUBSAMPLE_FACTOR·r`` columns drawn
      uniformly without replacement, then the first r CPQR pivots among them.

    Random draws: ``default_rng(seed).choice(m, r, replace=False, p=…)``. ``scores``: the leverage scores
    of the leverage methods when already known (e.g. from a cached SVD), else computed here."""
    M = as_matrix(M)
    if method in ("norm_top", "norm_sample"):
        weights = M.square().sum(0)
    elif method in ("leverage_top", "leverage_sample"):
        weights = leverage_scores(M, r if k is None else k) if scores is None else scores
    if method in ("norm_top", "leverage_top"):
        return torch.argsort(weights, descending=True, stable=True)[:r]
    if method in ("norm_sample", "leverage_sample", "uniform"):
        p = None if method == "uniform" else (weights / weights.sum()).cpu().numpy()
        return _index(np.random.default_rng(seed).choice(M.shape[1], r, replace=False, p=p), M)
    if method == "cpqr":
        return cpqr(M, r).piv[:r]
    if method in ("deim", "qdeim"):
        right = singular_bases(M, r)[2]
        return deim(right).indices if method == "deim" else qdeim(right)
    if method == "kmeans":
        return _index(kmeans_columns(M.mT.cpu().numpy(), r, seed), M)
    if method == "subsample_cpqr":
        sample = _index(np.random.default_rng(seed).choice(M.shape[1], min(M.shape[1], SUBSAMPLE_FACTOR * r),
                                                            replace=False), M)
        return sample[cpqr(M[:, sample], r).piv[:r]]
    raise ValueError(f"method must be one of {SELECTIONS}, not {method!r}")


def kmeans_columns(points: np.ndarray, r: int, seed: int | np.random.Generator = 0) -> np.ndarray:
    """r distinct rows of ``points`` (m × n: one column of M per row) nearest the centres of a k-means
    clustering into r clusters (``sklearn.cluster.KMeans(r, n_init=4, random_state=…)``); clusters are taken
    in order and each takes its nearest row not taken yet."""
    from sklearn.cluster import KMeans

    state = seed if isinstance(seed, int) else int(seed.integers(2 ** 31))
    centres = KMeans(n_clusters=r, n_init=4, random_state=state).fit(points).cluster_centers_
    distances = ((points[None, :, :] - centres[:, None, :]) ** 2).sum(-1)  # r × m
    chosen: list[int] = []
    for row in distances:
        chosen.append(next(int(i) for i in np.argsort(row, kind="stable") if int(i) not in chosen))
    return np.array(chosen)
