"""Column-pivoted QR and interpolative decompositions (post 4 of 低秩近似之路, 10501).

An ID approximates ``M ∈ R^{n×m}`` by ``C Z`` with ``C = M[:, S]`` (``|S| = r`` columns of M) and
``Z ∈ R^{r×m}``. For a fixed S the best ``Z`` is ``C^† M``; every route below differs only in how S is
chosen. Shapes: ``M`` is n×m float64 (or float32 for a demonstration) on :func:`get_device`; column
indices are 0-based ``int64`` tensors on the same device.

* :func:`cpqr` — Businger–Golub column-pivoted QR ``M Π = Q R`` (LAPACK geqp3 on the CPU, a partial
  torch loop elsewhere);
* :func:`id_cpqr` — the ID of a truncated CPQR, ``Z = [I_r, R₁₁^{-1} R₁₂] Π^T`` (= SciPy
  ``interp_decomp(A, r, rand=False)``); :func:`id_error_curve` — ``‖M − CZ‖_F`` for every r from one CPQR;
* :func:`id_sketch`, :func:`id_colsample` — randomised pivots (Gaussian sketch ``ΩM``; CPQR of ``k``
  uniformly sampled columns, "Optim-RID");
* :func:`id_r1_exact`, :func:`id_greedy_total` — the post's exact rank-1 choice and its greedy extension.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
import scipy.linalg
import torch

from kexue_viz.device import to_core

GREEDY_TOTAL_MAX_COLS = 256  # greedy-total forms the m×m residual Gram matrix r times: O(r n m²)
SKETCH_OVERSAMPLING = 10  # d = r + 10 sketch rows, k = r + 10 sampled columns (the post's and Optim-RID's choice)


class CPQR(NamedTuple):
    """``M[:, piv] ≈ q @ r``: ``q`` n×k with orthonormal columns, ``r`` k×m upper triangular in the
    pivoted column order, ``piv`` the m column indices in pivot order (only the first k are chosen
    pivots when the factorisation is partial). ``k = min(n, m)`` for a full factorisation."""
    q: torch.Tensor
    r: torch.Tensor
    piv: torch.Tensor


class InterpolativeDecomposition(NamedTuple):
    """``M ≈ M[:, cols] @ z``: ``cols`` (r,) int64 chosen columns, ``z`` r×m interpolation matrix."""
    cols: torch.Tensor
    z: torch.Tensor


def as_matrix(M) -> torch.Tensor:
    """A tensor input as it is (its dtype and device kept, so float32 demonstrations stay float32);
    anything else through :func:`to_core` (float64 on the core device)."""
    return M if isinstance(M, torch.Tensor) else to_core(M)


def residual_column_norms(residual: torch.Tensor) -> torch.Tensor:
    """Euclidean norm of every column of ``residual`` (n×m → (m,)), recomputed from the entries."""
    return torch.linalg.vector_norm(residual, dim=0)


def r1_total_errors(M: torch.Tensor) -> torch.Tensor:
    """For every column i, ``Σ_j ‖m_j − (m_jᵀm_i/‖m_i‖²) m_i‖² = Σ_j G_jj − Σ_j G_ij²/G_ii`` with
    ``G = MᵀM`` (m×m; ``O(nm²)``): the total squared error of the rank-1 ID on column i (post 4's
    enumeration). A zero column projects nothing: its total is ``Σ_j G_jj``."""
    gram = M.T @ M
    diag = gram.diagonal()
    explained = gram.square().sum(1) / torch.where(diag > 0, diag, torch.ones_like(diag))
    return diag.sum() - torch.where(diag > 0, explained, torch.zeros_like(diag))


def _orthonormalise(v: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    """``v`` made orthogonal to the columns of ``q`` by classical Gram–Schmidt applied twice (CGS2),
    then normalised."""
    for _ in range(2):
        v = v - q @ (q.T @ v)
    return v / torch.linalg.vector_norm(v)


def greedy_columns(M: torch.Tensor, r: int, score) -> tuple[torch.Tensor, torch.Tensor]:
    """Greedy column selection with orthogonal deflation. Starting from ``E = M``, ``r`` times: pick the
    unchosen column ``p`` minimising ``score(E)`` ((m,) tensor; the first minimum wins), orthonormalise
    ``M[:, p]`` against the chosen basis (CGS2) into ``q_k``, deflate ``E ← E − q_k(q_kᵀE)``.
    Returns ``(Q, pivots)``: n×r orthonormal basis and the (r,) chosen columns in order."""
    n, m = M.shape
    residual = M.clone()
    basis = M.new_zeros((n, 0))
    chosen = torch.zeros(m, dtype=torch.bool, device=M.device)
    pivots = []
    for _ in range(r):
        scores = score(residual).masked_fill(chosen, float("inf"))
        pivot = int(torch.argmin(scores))
        q = _orthonormalise(M[:, pivot], basis)
        residual = residual - torch.outer(q, q @ residual)
        basis = torch.cat([basis, q[:, None]], dim=1)
        chosen[pivot] = True
        pivots.append(pivot)
    return basis, torch.tensor(pivots, dtype=torch.int64, device=M.device)


def _cpqr_torch(M: torch.Tensor, r: int) -> CPQR:
    """Partial r-step CPQR in torch: the pivot is the largest residual column norm (recomputed each
    step, first maximum), ``R = Qᵀ M[:, piv]`` with its strictly lower part set to zero."""
    q, pivots = greedy_columns(M, r, lambda residual: -residual_column_norms(residual))
    rest = torch.ones(M.shape[1], dtype=torch.bool, device=M.device)
    rest[pivots] = False
    piv = torch.cat([pivots, torch.nonzero(rest).flatten()])
    return CPQR(q, torch.triu(q.T @ M[:, piv]), piv)


def _cpqr_lapack(M: torch.Tensor, r: int) -> CPQR:
    """LAPACK geqp3 through ``scipy.linalg.qr(pivoting=True, mode='economic')``, truncated to r steps."""
    q, upper, piv = scipy.linalg.qr(M.detach().cpu().numpy(), pivoting=True, mode="economic")
    return CPQR(to_core(q[:, :r], M), to_core(upper[:r], M),
                torch.as_tensor(piv, dtype=torch.int64, device=M.device))


def cpqr(M, r: int | None = None, route: str = "auto") -> CPQR:
    """Column-pivoted QR ``M Π = Q R`` (Businger–Golub): step k takes the remaining column with the
    largest residual norm, so ``R_kk² ≥ Σ_{i=k}^{j} R_ij²`` for every ``j ≥ k``, hence ``|R_00| ≥ |R_11| ≥ …``;
    ``r`` steps (default ``min(n, m)``). ``route``: ``'lapack'`` (SciPy geqp3, CPU), ``'torch'`` (the
    partial loop: recomputed norms, CGS2, first maximum; for GPUs) or ``'auto'`` (LAPACK on the CPU,
    torch on other devices). On inputs without ties both give the same pivots."""
    M = as_matrix(M)
    steps = min(M.shape) if r is None else r
    if route == "auto":
        route = "lapack" if M.device.type == "cpu" else "torch"
    if route == "lapack":
        return _cpqr_lapack(M, steps)
    if route == "torch":
        return _cpqr_torch(M, steps)
    raise ValueError(f"unknown CPQR route {route!r}")


def interpolation_matrix(M: torch.Tensor, cols, rtol: float | None = None) -> torch.Tensor:
    """The optimal ``Z = C^† M`` (r×m) for ``C = M[:, cols]``, by the SVD pseudo-inverse with relative
    threshold ``rtol`` (torch's default ``max(n, r)·eps`` when None), so a rank-deficient C is safe."""
    c = M[:, torch.as_tensor(cols, device=M.device)]
    return torch.linalg.pinv(c, rtol=rtol) @ M


def id_cpqr(M, r: int, factor: CPQR | None = None) -> InterpolativeDecomposition:
    """ID from the first r CPQR steps: ``cols = piv[:r]``, ``Z = [I_r, R[:r,:r]^{-1} R[:r,r:]] Πᵀ``
    (triangular solve). Equals ``C^† M``, and ``‖M − CZ‖ = ‖R[r:, r:]‖`` (F and 2). ``factor`` reuses a
    CPQR of M with at least r steps."""
    M = as_matrix(M)
    factor = cpqr(M, r) if factor is None else factor
    r11, r12 = factor.r[:r, :r], factor.r[:r, r:]
    t = torch.linalg.solve_triangular(r11, r12, upper=True)
    z = torch.empty((r, M.shape[1]), dtype=M.dtype, device=M.device)
    z[:, factor.piv] = torch.cat([torch.eye(r, dtype=M.dtype, device=M.device), t], dim=1)
    return InterpolativeDecomposition(factor.piv[:r], z)


def id_error_curve(factor: CPQR) -> torch.Tensor:
    """``err_F(r) = ‖R[r:, r:]‖_F = (Σ_{i,j ≥ r} R_ij²)^{1/2}`` of :func:`id_cpqr` for r = 0 … k
    (k + 1 values, the last 0), from one full CPQR (k = min(n, m)): the diagonal of the 2-D suffix sums
    of ``R²`` (sums run from the small trailing entries up, like :func:`.svd.tail_norms`)."""
    k, m = factor.r.shape
    if k != min(factor.q.shape[0], m):
        raise ValueError("id_error_curve needs a full CPQR (r=None)")
    suffix = factor.r.square().flip(0, 1).cumsum(0).cumsum(1).flip(0, 1)
    return torch.cat([suffix.diagonal(), suffix.new_zeros(1)]).sqrt()


def id_spectral_error(factor: CPQR, r: int) -> torch.Tensor:
    """``‖M − CZ‖_2 = ‖R[r:, r:]‖_2`` for the CPQR-ID of rank r (full factor)."""
    return torch.linalg.matrix_norm(factor.r[r:, r:], ord=2)


def id_from_columns(M: torch.Tensor, cols) -> InterpolativeDecomposition:
    """The ID with the given columns and the optimal ``Z = C^† M``."""
    cols = torch.as_tensor(cols, dtype=torch.int64, device=M.device)
    return InterpolativeDecomposition(cols, interpolation_matrix(M, cols))


def id_sketch(M, r: int, d: int | None = None, seed: int | np.random.Generator = 0) -> InterpolativeDecomposition:
    """Randomised ID (Gaussian sketch): pivots of the first r CPQR steps of ``ΩM`` with ``Ω ∈ R^{d×n}``,
    ``Ω_ij ~ N(0, 1/d)`` (the JL scaling; the post's ``N(0, 1/n)`` gives the same pivots, E12) drawn as
    ``default_rng(seed).standard_normal((d, n))`` (``seed`` may be a Generator, which is advanced),
    default ``d = r + 10``; then ``Z = C^† M``."""
    M = as_matrix(M)
    d = r + SKETCH_OVERSAMPLING if d is None else d
    omega = np.random.default_rng(seed).standard_normal((d, M.shape[0])) / np.sqrt(d)
    return id_from_columns(M, cpqr(to_core(omega, M) @ M, r).piv[:r])


def id_colsample(M, r: int, k: int | None = None, seed: int | np.random.Generator = 0) -> InterpolativeDecomposition:
    """Randomised ID by column sampling ("Optim-RID", arXiv 2105.07076): ``k`` columns drawn uniformly
    without replacement (``default_rng(seed).choice(m, k, replace=False)``; ``seed`` may be a Generator,
    which is advanced; default ``k = r + 10``),
    r of them chosen by CPQR of ``M[:, S_k]``, then ``Z = C^† M``."""
    M = as_matrix(M)
    k = min(r + SKETCH_OVERSAMPLING if k is None else k, M.shape[1])
    sample = torch.as_tensor(np.random.default_rng(seed).choice(M.shape[1], k, replace=False), device=M.device)
    return id_from_columns(M, sample[cpqr(M[:, sample], r).piv[:r]])


def id_r1_exact(M) -> InterpolativeDecomposition:
    """Exact rank-1 ID: the column minimising :func:`r1_total_errors` (first minimum), ``Z = C^† M``."""
    M = as_matrix(M)
    return id_from_columns(M, torch.argmin(r1_total_errors(M))[None])


def id_greedy_total(M, r: int, max_cols: int = GREEDY_TOTAL_MAX_COLS) -> InterpolativeDecomposition:
    """"Greedy-total" ID (post 4's suggestion): each step picks the column whose projection leaves the
    least total error of the current residual E (:func:`r1_total_errors` of E) instead of the largest
    residual norm; ``Z = C^† M``. ``O(r n m²)``: refused for more than ``max_cols`` columns."""
    M = as_matrix(M)
    if M.shape[1] > max_cols:
        raise ValueError(f"greedy-total ID on {M.shape[1]} > {max_cols} columns (O(r n m²)); raise max_cols")
    return id_from_columns(M, greedy_columns(M, r, r1_total_errors)[1])
