"""The pseudo-inverse by every route of post 1 of 低秩近似之路 (10366), and its ε path.

Symbols of the brief (§2.1): ``A ∈ R^{n×r}``, ``B ∈ R^{r×m}``, ``M ∈ R^{n×m}``, loss ``L = ‖AB − M‖_F²``.
All functions take torch tensors (or arrays) through :func:`kexue_viz.device.to_core` and compute in
float64 unless a ``dtype`` (float32 for demonstrations) is given.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch

from kexue_viz.device import REAL, to_core
from kexue_viz.lowrank.matrices import haar_orthogonal, with_spectrum

ROUTES = ("svd", "normal", "tikhonov", "eig", "lstsq")
EIG_RTOL_UNITS = 4.0  # eigen route: keep λ_i > 4·eps·λ_max (Q4: errors ≤ 2e−15 on rank-deficient inputs)


def default_rtol(A: torch.Tensor) -> float:
    """``max(n, m)·eps_dtype``: the SVD cut-off relative to σ_1 used by torch and SciPy."""
    return max(A.shape) * torch.finfo(A.dtype).eps


def masked_reciprocal(values: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
    """``1/values`` where ``keep``, 0 elsewhere (the diagonal of ``Σ^†`` or ``Λ^†``)."""
    safe = torch.where(keep, values, torch.ones_like(values))
    return torch.where(keep, 1.0 / safe, torch.zeros_like(values))


def svd_pinv(A: torch.Tensor, rtol: float) -> torch.Tensor:
    """``A^† = V Σ^† Uᵀ`` (post 2) with ``Σ^†`` inverting only ``σ_i > rtol·σ_1``."""
    U, S, Vh = torch.linalg.svd(A, full_matrices=False)
    return (Vh.mT * masked_reciprocal(S, S > rtol * S.max())) @ U.mT


def is_full_rank(A: torch.Tensor, rtol: float) -> bool:
    """``rank(A) = min(n, m)`` with singular values counted above ``rtol·σ_1``."""
    return int(torch.linalg.matrix_rank(A, rtol=rtol)) == min(A.shape)


def normal_pinv(A: torch.Tensor) -> torch.Tensor:
    """``(AᵀA)^{-1}Aᵀ`` for a tall A (eq:p-inv-a) or ``Aᵀ(AAᵀ)^{-1}`` for a wide one (eq:p-inv-b), by
    ``torch.linalg.solve`` on the Gram matrix (κ(Gram) = κ(A)²)."""
    if A.shape[0] >= A.shape[1]:
        return torch.linalg.solve(A.mT @ A, A.mT)
    return torch.linalg.solve(A @ A.mT, A).mT


def tikhonov_pinv(A: torch.Tensor, eps: float) -> torch.Tensor:
    """``T(ε) = (AᵀA + εI)^{-1}Aᵀ`` (eq:a-pinv-lim before the limit); for a wide A the equal
    ``Aᵀ(AAᵀ + εI)^{-1}``, whose Gram is the smaller one."""
    if A.shape[0] >= A.shape[1]:
        eye = torch.eye(A.shape[1], dtype=A.dtype, device=A.device)
        return torch.linalg.solve(A.mT @ A + eps * eye, A.mT)
    eye = torch.eye(A.shape[0], dtype=A.dtype, device=A.device)
    return torch.linalg.solve(A @ A.mT + eps * eye, A).mT


def eig_pinv(A: torch.Tensor, rtol: float) -> torch.Tensor:
    """``A^† = U Λ^† Uᵀ Aᵀ`` with ``AᵀA = UΛUᵀ`` (post 1's eigen route); ``Λ^†`` inverts the ``λ_i > rtol·λ_max``.
    ``rtol = 0`` is the post's literal rule "invert every non-zero λ_i" (E4: rounding makes the zero
    eigenvalues ±1e−15, and inverting them costs O(1)–O(1e3) errors)."""
    lam, U = torch.linalg.eigh(A.mT @ A)
    keep = (lam > rtol * lam.max()) if rtol > 0 else lam != 0
    return (U * masked_reciprocal(lam, keep)) @ U.mT @ A.mT


def lstsq_pinv(A: torch.Tensor, rtol: float) -> torch.Tensor:
    """Minimum-norm least squares ``argmin_B ‖AB − I_n‖_F`` by LAPACK gelsd (SVD-based, cut-off ``rtol·σ_1``).
    torch offers gelsd on the CPU only, so this route runs there and returns to A's device."""
    eye = torch.eye(A.shape[0], dtype=A.dtype)
    solution = torch.linalg.lstsq(A.cpu(), eye, rcond=rtol, driver="gelsd").solution
    return solution.to(A.device)


def pinv(A, route: str = "svd", eps: float = 1e-8, rtol: float | None = None, dtype: torch.dtype = REAL,
         check_rank: bool = True) -> torch.Tensor:
    """Moore–Penrose pseudo-inverse ``A^† ∈ R^{m×n}`` of ``A ∈ R^{n×m}`` (any shape and rank) by ``route``:

    * ``'svd'`` (default): ``VΣ^†Uᵀ``, σ_i kept above ``rtol·σ_1``, ``rtol = max(n, m)·eps_dtype`` by default;
    * ``'normal'``: ``(AᵀA)^{-1}Aᵀ`` / ``Aᵀ(AAᵀ)^{-1}``; raises ``ValueError`` when A is rank deficient at
      ``rtol`` (``check_rank=False`` skips that SVD-based check, for timing and conditioning demonstrations);
    * ``'tikhonov'``: ``(AᵀA + εI)^{-1}Aᵀ`` at ``eps`` (equals A^† only in the limit ε → 0⁺);
    * ``'eig'``: ``UΛ^†UᵀAᵀ`` from ``eigh(AᵀA)``, λ kept above ``rtol·λ_max``, ``rtol = 4·eps_dtype`` by default;
    * ``'lstsq'``: minimum-norm ``lstsq(A, I_n)`` (gelsd, on the CPU).

    Computed in ``dtype`` (float64 by default)."""
    A = to_core(A).to(dtype)
    if route == "svd":
        return svd_pinv(A, default_rtol(A) if rtol is None else rtol)
    if route == "normal":
        if check_rank and not is_full_rank(A, default_rtol(A) if rtol is None else rtol):
            raise ValueError("pinv(route='normal') needs full rank: AᵀA (or AAᵀ) is singular")
        return normal_pinv(A)
    if route == "tikhonov":
        return tikhonov_pinv(A, eps)
    if route == "eig":
        return eig_pinv(A, EIG_RTOL_UNITS * torch.finfo(A.dtype).eps if rtol is None else rtol)
    if route == "lstsq":
        return lstsq_pinv(A, default_rtol(A) if rtol is None else rtol)
    raise ValueError(f"unknown pinv route {route!r}; expected one of {ROUTES}")


def loss_gradients(A, B, M) -> tuple[torch.Tensor, torch.Tensor]:
    """``(∂L/∂A, ∂L/∂B) = (2(AB − M)Bᵀ, 2Aᵀ(AB − M))`` for ``L = ‖AB − M‖_F²`` (post 1)."""
    A, B, M = (to_core(x) for x in (A, B, M))
    residual = A @ B - M
    return 2 * residual @ B.mT, 2 * A.mT @ residual


def solution_set_member(A, M, W) -> torch.Tensor:
    """``A^†M + (I − A^†A)W``: for every ``W ∈ R^{r×m}`` a minimiser of ``‖AB − M‖_F²`` over B; ``W = 0`` gives
    the one of least Frobenius norm."""
    A, M, W = (to_core(x) for x in (A, M, W))
    A_pinv = pinv(A)
    return A_pinv @ M + W - A_pinv @ (A @ W)


class PathPoint(NamedTuple):
    """``‖T(ε) − A^†‖_F`` computed in ``dtype`` (``error``) and by the closed form (``closed_form``), per ε."""
    eps: torch.Tensor
    error: torch.Tensor
    closed_form: torch.Tensor


def tikhonov_gap(A, eps: float) -> torch.Tensor:
    """Exact ``T(ε) − A^† = V diag(−ε/(σ_i(σ_i² + ε))) Uᵀ`` over the σ_i > 0 of the compact SVD ``A = UΣVᵀ``
    (float64, σ_i kept above the default ``rtol``)."""
    U, S, Vh = compact_svd(to_core(A))
    return (Vh.mT * (-eps / (S * (S.square() + eps)))) @ U.mT


def tikhonov_gap_norm(singular_values: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """``‖T(ε) − A^†‖_F = ε (Σ_{σ_i>0} 1/(σ_i²(σ_i² + ε)²))^{1/2}`` for each ε (linear in ε as ε → 0⁺)."""
    s2 = singular_values.square()[None, :]
    return eps * (1.0 / (s2 * (s2 + eps[:, None]).square())).sum(1).sqrt()


def compact_svd(A: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``A = UΣVᵀ`` keeping only ``σ_i > max(n, m)·eps·σ_1`` (the compact SVD of the numerical rank)."""
    U, S, Vh = torch.linalg.svd(A, full_matrices=False)
    rank = int((S > default_rtol(A) * S[0]).sum())
    return U[:, :rank], S[:rank], Vh[:rank]


def pinv_path(A, eps_values, dtype: torch.dtype = REAL) -> PathPoint:
    """The ε path of (eq:a-pinv-lim): ``‖T(ε) − A^†‖_F`` with ``T(ε)`` computed in ``dtype`` by
    :func:`tikhonov_pinv` and ``A^†`` by the float64 SVD, next to the closed form
    :func:`tikhonov_gap_norm`. U-shaped in ε: linear (the closed form) until rounding, ~eps_dtype·κ(AᵀA + εI),
    takes over (brief Q3)."""
    A = to_core(A)
    eps = to_core(eps_values).reshape(-1)
    reference = pinv(A)
    low = A.to(dtype)
    errors = torch.stack([path_error(low, float(e), reference) for e in eps])
    closed = tikhonov_gap_norm(compact_svd(A)[1], eps)
    return PathPoint(eps, errors, closed)


def path_error(A: torch.Tensor, eps: float, reference: torch.Tensor) -> torch.Tensor:
    """``‖T(ε) − A^†‖_F`` with ``T(ε)`` in A's dtype, or NaN where ``AᵀA + εI`` is singular in that dtype (a
    rank-deficient A and an ε below its rounding: float32 already at ε ≈ 1e−7·‖A‖²)."""
    try:
        return torch.linalg.norm(tikhonov_pinv(A, eps).to(REAL) - reference)
    except torch.linalg.LinAlgError:
        return torch.full((), torch.nan, dtype=REAL, device=reference.device)


class DescentHistory(NamedTuple):
    """Gradient descent on ``‖AB − M‖_F²``: the final B, and per step (index 0 = B_0) the distance
    ``‖B_t − A^†M‖_F`` and the distance to the predicted limit ``A^†M + (I − A^†A)B_0``."""
    B: torch.Tensor
    to_pinv: torch.Tensor
    to_limit: torch.Tensor


def pinv_gradient_descent(A, M, B0=None, steps: int = 3000, lr: float | None = None) -> DescentHistory:
    """``B_{t+1} = B_t − η·2Aᵀ(AB_t − M)`` from ``B_0`` (zero by default) with ``η = 1/(2‖A‖_2²)`` by default.
    The iterates never leave ``B_0 + range(Aᵀ)``, so they converge to ``A^†M + (I − A^†A)B_0``: from zero, to the
    least-norm solution ``A^†M`` (brief §2.1: 1.7e−14 after 3000 steps)."""
    A, M = to_core(A), to_core(M)
    B = torch.zeros(A.shape[1], M.shape[1], dtype=A.dtype, device=A.device) if B0 is None else to_core(B0).clone()
    step = 1.0 / (2 * float(torch.linalg.matrix_norm(A, ord=2)) ** 2) if lr is None else lr
    target = pinv(A) @ M
    limit = solution_set_member(A, M, B)
    to_pinv, to_limit = [torch.linalg.norm(B - target)], [torch.linalg.norm(B - limit)]
    for _ in range(steps):
        B = B - step * loss_gradients(A, B, M)[1]
        to_pinv.append(torch.linalg.norm(B - target))
        to_limit.append(torch.linalg.norm(B - limit))
    return DescentHistory(B, torch.stack(to_pinv), torch.stack(to_limit))


class ConditioningRow(NamedTuple):
    """Relative errors ``‖X − A^†‖_F/‖A^†‖_F`` of five routes on one κ (brief §2.7's table)."""
    kappa: float
    normal: float
    eig: float
    svd: float
    svd_f32: float
    normal_f32: float


def conditioning_table(kappas=(1e2, 1e4, 1e6, 1e8), rows: int = 50, cols: int = 5,
                       seed: int = 0) -> list[ConditioningRow]:
    """Brief §2.7: for each κ, ``A = Q₁ diag(σ) Q₂ᵀ`` with ``σ = logspace(0, −log10 κ, cols)``
    (:func:`kexue_viz.lowrank.matrices.with_spectrum`, Haar factors from ``seed``), the relative error of
    ``pinv`` by the normal equations (no rank check), the eigen route and the SVD, and the SVD and normal
    equations in float32, against ``Q₂ diag(1/σ) Q₁ᵀ`` from the same draws. A has full rank, so every route
    inverts all ``cols`` directions (``rtol = 0``): the table measures the arithmetic, not a rank decision
    (the default float32 cut-off ``max(n, m)·eps`` = 6e−6 would drop σ = 1e−6 and 1e−8)."""
    table = []
    for kappa in kappas:
        sigma = np.logspace(0.0, -np.log10(kappa), cols)
        rng = np.random.default_rng(seed)
        q1, q2 = haar_orthogonal(rows, cols, rng), haar_orthogonal(cols, cols, rng)
        reference = to_core((q2 / sigma) @ q1.T)
        A = with_spectrum(sigma, rows, cols, seed)

        def relative(X: torch.Tensor) -> float:
            return float(torch.linalg.norm(X.to(REAL) - reference) / torch.linalg.norm(reference))

        table.append(ConditioningRow(
            kappa, relative(pinv(A, "normal", check_rank=False)), relative(pinv(A, "eig", rtol=0.0)),
            relative(pinv(A, rtol=0.0)), relative(pinv(A, rtol=0.0, dtype=torch.float32)),
            relative(pinv(A, "normal", dtype=torch.float32, check_rank=False))))
    return table
