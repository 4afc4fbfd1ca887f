"""Per-step diagnostics of a LoRA run (brief §4 views A–G), from the factors before and after a step.

Layout of brief §2.1: W = W_base + AB, A (n×r), B (r×m), G = ∂L/∂W (n×m). A step changes the factors by
(ΔA, ΔB), whatever the method or optimizer, so the exact increment of the product splits as

    A'B' − AB = (ΔA·B + A·ΔB) + ΔA·ΔB   (first order, rank ≤ 2r; second order).

Under SGD the first-order part is −η·G̃ with G̃ the method's equivalent gradient (9590 (9), 10266 (6)), so
``cos(−first, G)`` is cos(G̃, G) and ``‖second‖/‖first‖`` is gap_t = ‖ΔW_t + ηG̃_t‖/‖ηG̃_t‖ (brief §3.3).
Every function takes float tensors and is batched over leading dimensions; reductions are over the last
two (matrix) dimensions and return tensors.
"""
from __future__ import annotations

import torch

COSINE_FLOOR = 1e-12  # brief §2.6: cos is 0/0 at stationary points; masked where ‖X‖ < 1e-12·‖Y‖


def frobenius(X: torch.Tensor) -> torch.Tensor:
    """‖X‖_F over the last two dimensions."""
    return torch.linalg.matrix_norm(X)


def masked_cosine(X: torch.Tensor, Y: torch.Tensor, floor: float = COSINE_FLOOR) -> torch.Tensor:
    """cos(X, Y) = ⟨X, Y⟩/(‖X‖‖Y‖); NaN where ‖X‖ < floor·‖Y‖ or Y = 0 (the 0/0 of a stationary point)."""
    norm_X, norm_Y = frobenius(X), frobenius(Y)
    cosine = (X * Y).sum((-2, -1)) / (norm_X * norm_Y)
    return torch.where((norm_X >= floor * norm_Y) & (norm_Y > 0), cosine, torch.nan)


def relative_distance(X: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """‖X − reference‖/‖reference‖ (NaN where the reference is 0, e.g. ΔW_full,0)."""
    norm = frobenius(reference)
    return torch.where(norm > 0, frobenius(X - reference) / norm, torch.nan)


def increment_parts(A: torch.Tensor, B: torch.Tensor, dA: torch.Tensor, dB: torch.Tensor):
    """The exact increment (A + ΔA)(B + ΔB) − AB as ``(first, second) = (ΔA·B + A·ΔB, ΔA·ΔB)`` (n×m each)."""
    return dA @ B + A @ dB, dA @ dB


def second_order_gap(first: torch.Tensor, second: torch.Tensor) -> torch.Tensor:
    """gap = ‖exact − first‖/‖first‖ = ‖second‖/‖first‖ (NaN where the first-order part vanishes)."""
    norm = frobenius(first)
    return torch.where(norm > 0, frobenius(second) / norm, torch.nan)


def factor_loss_changes(G_A: torch.Tensor, G_B: torch.Tensor, dA: torch.Tensor, dB: torch.Tensor):
    """First-order loss changes of one step, split by factor (10001 (1)): ΔL_A = ⟨G_A, ΔA⟩, ΔL_B = ⟨G_B, ΔB⟩
    (for SignSGD ΔA = −η_A sign G_A and ΔL_A = −η_A‖G_A‖₁, 10001 (3))."""
    return (G_A * dA).sum((-2, -1)), (G_B * dB).sum((-2, -1))


def rms(X: torch.Tensor) -> torch.Tensor:
    """Root mean square of the entries, ‖X‖_F/√(size) (RMS(A), RMS(B) of the LoRA+ magnitude check, E4)."""
    return frobenius(X) / (X.shape[-2] * X.shape[-1]) ** 0.5


def column_basis(M: torch.Tensor, rtol: float = 1e-12) -> torch.Tensor:
    """An orthonormal basis of col(M) (n×k) from its SVD; columns of singular values ≤ rtol·σ_max are zeroed
    (all of them for M = 0, so the projector Q Qᵀ is 0 there, as the pseudo-inverse gives).

    Fast path (batched, a few times cheaper than the SVD): for a tall M = QR whose R is certifiably well
    conditioned, ‖R‖_F‖R⁻¹‖_F < 1/rtol (an upper bound of σ_max/σ_min), no column would be zeroed and Q spans
    the same space (the projector is the same); the SVD runs only on the matrices without that certificate
    (a zero factor at a zero start, a rank-deficient one)."""
    if M.shape[-1] > M.shape[-2]:
        return _svd_basis(M, rtol)
    Q, R = torch.linalg.qr(M)
    eye = torch.eye(R.shape[-1], dtype=R.dtype, device=R.device)
    bound = frobenius(R) * frobenius(torch.linalg.solve_triangular(R, eye, upper=True))
    uncertain = ~(bound < 1.0 / rtol)  # NaN or inf for a singular R
    if bool(uncertain.any()):
        Q[uncertain] = _svd_basis(M[uncertain], rtol)
    return Q


def _svd_basis(M: torch.Tensor, rtol: float) -> torch.Tensor:
    """:func:`column_basis` from the SVD of M: the left singular vectors, those of σ ≤ rtol·σ_max zeroed."""
    U, sigma, _ = torch.linalg.svd(M, full_matrices=False)
    keep = (sigma > rtol * sigma[..., :1]) & (sigma > 0)
    return U * keep[..., None, :].to(U.dtype)


def projection_cosine(G: torch.Tensor, A: torch.Tensor, B: torch.Tensor) -> torch.Tensor:
    """cos(G̃_Pro, G) = ‖G̃_Pro‖/‖G‖ with G̃_Pro = G − (I − P_A)G(I − P_B) (brief §2.5): the best cosine any
    first-order update H_A B + A H_B can reach at (A, B), an upper bound for every method's cos.

    Computed from the orthogonal split G̃_Pro = P_AG + (I − P_A)GP_B with orthonormal bases Q_A of col(A)
    and Q_B of row(B): ‖G̃‖² = ‖Q_AᵀG‖² + ‖(G − Q_AQ_AᵀG)Q_B‖². This avoids the cancellation of G − (…) near
    stationary points, where ‖G̃‖ ≪ ‖G‖ (NaN below 1e-12‖G‖, brief §2.6)."""
    Q_A, Q_B = column_basis(A), column_basis(B.mT)
    inside = Q_A.mT @ G
    norm = torch.sqrt(frobenius(inside) ** 2 + frobenius((G - Q_A @ inside) @ Q_B) ** 2)
    norm_G = frobenius(G)
    return torch.where((norm >= COSINE_FLOOR * norm_G) & (norm_G > 0), norm / norm_G, torch.nan)


def finite_matrices(X: torch.Tensor) -> torch.Tensor:
    """Whether each matrix (the last two dimensions) of X has only finite entries (one reduction)."""
    return torch.isfinite(X).flatten(-2).all(-1)


def singular_values(X: torch.Tensor) -> torch.Tensor:
    """Singular values of X (descending) over the last two dimensions (view D: σ(ΔW_t), σ(G0))."""
    return torch.linalg.svdvals(X)


def product_singular_values(F: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    """Singular values of the product F·K (F [..., n, k], K [..., k, m]; descending, min(n, m) of them) without
    forming it: with the reduced QR factorisations F = Q_F R_F and Kᵀ = Q_K R_K, σ(FK) = σ(R_F R_Kᵀ), a
    matrix of at most k×k, padded with zeros (σ(ΔW_t) of a rank-≤ k adapter in O((n + m)k²) per step)."""
    core = torch.linalg.qr(F, mode="r")[1] @ torch.linalg.qr(K.mT, mode="r")[1].mT
    sigma = singular_values(core)
    missing = min(F.shape[-2], K.shape[-1]) - sigma.shape[-1]
    return torch.nn.functional.pad(sigma, (0, missing))


def numerical_rank(X: torch.Tensor, rtol: float = 1e-9) -> torch.Tensor:
    """Number of singular values above ``rtol``·σ_max (rank ΔW ≤ r, or ≤ 2r for a shifted init)."""
    return rank_of_spectrum(singular_values(X), rtol)


def rank_of_spectrum(sigma: torch.Tensor, rtol: float = 1e-9) -> torch.Tensor:
    """Number of the singular values ``sigma`` (descending, last dimension) above ``rtol``·σ_max."""
    return (sigma > rtol * sigma[..., :1]).sum(-1)
