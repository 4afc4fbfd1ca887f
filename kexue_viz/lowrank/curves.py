"""Error-versus-rank curves in one pass, and the literature's reference lines (posts 4 and 5).

For nested selections (the first r columns and rows of one ordered list for every r, as CPQR, DEIM and
greedy selections give), ``X ↦ P_C X P_R`` is an orthogonal projection in ``⟨·,·⟩_F`` and ``C U* R =
P_C M P_R``, so the optimal CUR error is a sum of squared entries of M written in orthonormal bases adapted
to C and R. With complete Householder bases ``Q_C`` (n×n; its first r columns span the
first r selected columns) and ``Q_R`` (m×m), ``W = Q_Cᵀ M Q_R`` and

    ``‖M − C_r U* R_r‖_F² = Σ_{i ≥ r or j ≥ r} W_ij²``,   ``‖M − C_r C_r^† M‖_F² = Σ_{i ≥ r} Σ_j W_ij²``

for every r at once (suffix sums). The brief's ``‖M‖_F² − Σ_{i,j<r} W_ij²`` is the same number by
subtraction; it cancels catastrophically once the relative error falls below ~1e−7 (its relative
accuracy is ≈ eps/(2·relerr²)) and needed a direct-residual fallback, while these sums of squares keep
full relative accuracy, so no fallback is needed. ``W`` is formed with the implicit Householder
reflectors (``geqrf`` + ``ormqr``), ``O(nm(k₁+k₂))``.
"""
from __future__ import annotations

import numpy as np
import torch

from kexue_viz.lowrank.idec import as_matrix
from kexue_viz.lowrank.svd import tail_norms


def _apply_householder_transpose(selected: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """``Q_fullᵀ @ target`` where ``selected = Q R`` is the Householder QR (n×k selected, n×m target)."""
    reflectors, tau = torch.geqrf(selected)
    return torch.ormqr(reflectors, tau, target, left=True, transpose=True)


def _indices(index, device) -> torch.Tensor:
    """``index`` (a sequence, an array — a memo's are read-only, so copied — or a tensor) as int64 on ``device``."""
    if isinstance(index, np.ndarray):
        index = index.copy()
    return torch.as_tensor(index, dtype=torch.int64, device=device)


def _rotated(M: torch.Tensor, cols, rows=None) -> torch.Tensor:
    """``W = Q_Cᵀ M Q_R`` (n×m) with complete bases adapted to ``M[:, cols]`` and ``M[rows, :]ᵀ``
    (``Q_R = I`` when ``rows`` is None)."""
    cols = _indices(cols, M.device)
    w = _apply_householder_transpose(M[:, cols], M)
    if rows is None:
        return w
    rows = _indices(rows, M.device)
    return _apply_householder_transpose(M[rows, :].T, w.T).T


def _suffix_sums(values: torch.Tensor, dim: int) -> torch.Tensor:
    """Sums over indices ≥ r along ``dim`` for r = 0 … size (size + 1 entries, the last 0)."""
    suffix = values.flip(dim).cumsum(dim).flip(dim)
    shape = list(values.shape)
    shape[dim] = 1
    return torch.cat([suffix, values.new_zeros(shape)], dim=dim)


def id_projection_curve(M, cols) -> torch.Tensor:
    """``‖M − C_r C_r^† M‖_F`` for r = 0 … len(cols) with ``C_r = M[:, cols[:r]]`` (the ID error with the
    optimal ``Z = C^† M``): row suffix sums of ``(Q_Cᵀ M)²``. Assumes the selected columns are linearly
    independent (otherwise the Householder basis is not adapted to the nested spans)."""
    M = as_matrix(M)
    return _suffix_sums(_rotated(M, cols).square().sum(1), 0)[:len(cols) + 1].sqrt()


def cur_error_curve(M, rows, cols) -> torch.Tensor:
    """``‖M − C_r U* R_r‖_F`` (``U* = C_r^† M R_r^†``) for r = 0 … k = min(len(rows), len(cols)) with the
    first r selected columns and rows: ``Σ_{i ≥ r or j ≥ r} W_ij²`` = the rows ``i ≥ r`` (row suffix sums)
    plus the columns ``j ≥ r`` of the rows ``i < r`` (column suffix sums, then prefix sums over rows).
    Same independence assumption as :func:`id_projection_curve`, for rows and columns."""
    M = as_matrix(M)
    k = min(len(rows), len(cols))
    squares = _rotated(M, cols, rows).square()
    lower = _suffix_sums(squares.sum(1), 0)[:k + 1]
    right_prefix = _suffix_sums(squares, 1).cumsum(0)  # [i, r] = Σ_{i' ≤ i} Σ_{j ≥ r} W_i'j²
    upper_right = torch.cat([squares.new_zeros(1), right_prefix.diagonal(offset=1)[:k]])
    return (lower + upper_right).sqrt()


def volume_sampling_bound(singular_values) -> torch.Tensor:
    """``√(r+1)·tail_F(r)`` for r = 0 … p: volume sampling's ``E‖M − CC^†M‖_F² ≤ (r+1) tail_F(r)²``
    (Deshpande et al. 2006), so some r columns come within ``√(r+1)`` of Eckart–Young–Mirsky."""
    tails = tail_norms(singular_values)
    ranks = torch.arange(tails.numel(), dtype=tails.dtype, device=tails.device)
    return (ranks + 1).sqrt() * tails


def interpolative_bound(singular_values, m: int, f: float = 1.0) -> torch.Tensor:
    """``(1 + f² r(m − r))^{1/2} σ_{r+1}`` for r = 0 … p−1: with f = 1 the existence bound of
    Cheng–Gimbutas–Martinsson–Rokhlin (some S has ``|Z| ≤ 1`` and ``‖M − CZ‖_2`` below it); with f > 1 the
    strong rank-revealing QR guarantee of Gu–Eisenstat (``|R₁₁^{-1}R₁₂| ≤ f``)."""
    sigma = singular_values
    ranks = torch.arange(sigma.numel(), dtype=sigma.dtype, device=sigma.device)
    return (1 + f * f * ranks * (m - ranks)).sqrt() * sigma

