"""Singular value decomposition and optimal low-rank approximation (post 2 of 低秩近似之路, 10407)."""
from __future__ import annotations

from typing import NamedTuple

import torch

from kexue_viz.device import to_core
from kexue_viz.lowrank.pinv import pinv


def tail_norms(singular_values: torch.Tensor) -> torch.Tensor:
    """``tail_F(r) = (Σ_{j>r} σ_j²)^{1/2}`` for r = 0 … p (p + 1 values, the last 0): the Frobenius error
    of the best rank-r approximation (Eckart–Young–Mirsky). Computed as a reverse cumulative sum of σ²,
    never as ``‖M‖_F² − head``, which loses every digit once ``tail² < eps·‖M‖_F²``."""
    squares = singular_values.square()
    reverse_cumsum = squares.flip(0).cumsum(0).flip(0)
    return torch.cat([reverse_cumsum, reverse_cumsum.new_zeros(1)]).sqrt()


SVD_ROUTES = ("lapack", "eig")


class SVD(NamedTuple):
    """Thin SVD factors ``M = U diag(S) Vh``: ``U`` n×k, ``S`` (descending), ``Vh`` k×m."""
    U: torch.Tensor
    S: torch.Tensor
    Vh: torch.Tensor

    def matrix(self) -> torch.Tensor:
        """``U diag(S) Vh`` (k = number of columns of U; batched factors give a batch of matrices)."""
        k = self.U.shape[-1]
        return (self.U * self.S[..., None, :k]) @ self.Vh[..., :k, :]


def svd(M, route: str = "lapack", k: int | None = None) -> SVD:
    """SVD of ``M ∈ R^{n×m}`` (float64), p = min(n, m).

    * ``'lapack'``: ``torch.linalg.svd(full_matrices=False)``; U n×p, S p, Vh p×m.
    * ``'eig'`` (post 2's constructive proof, a teaching route only, E8): ``MᵀM = VΛVᵀ`` by ``eigh`` sorted
      descending, ``σ = max(λ, 0)^{1/2}`` (all m values), and ``U_k = M V_k Σ_k^{-1}`` for the first ``k``
      columns (default: the number of λ > 0). Forming MᵀM squares κ: only ``σ ≳ sqrt(eps)·σ_1`` survive and
      U loses orthogonality once ``σ_k`` is small (brief Q7)."""
    M = to_core(M)
    if route == "lapack":
        return SVD(*torch.linalg.svd(M, full_matrices=False))
    if route != "eig":
        raise ValueError(f"unknown svd route {route!r}; expected one of {SVD_ROUTES}")
    lam, V = torch.linalg.eigh(M.mT @ M)
    lam, V = lam.flip(0), V.flip(1)
    sigma = lam.clamp(min=0).sqrt()
    k = int((lam > 0).sum()) if k is None else k
    return SVD((M @ V[:, :k]) / sigma[:k], sigma, V.mT)


def truncated_svd(M, r: int) -> SVD:
    """``M_r = U[:, :r] diag(σ_1..σ_r) V[:, :r]ᵀ``, the best rank-r approximation in every unitarily invariant
    norm (Eckart–Young–Mirsky): ``‖M − M_r‖_F = tail_F(r)`` and ``‖M − M_r‖_2 = σ_{r+1}``. Not unique when
    σ_r = σ_{r+1}: compare errors or projectors, not factors."""
    U, S, Vh = svd(M)
    return SVD(U[:, :r], S[:r], Vh[:r])


def eym_tail(M, norm: str = "fro") -> torch.Tensor:
    """The EYM optimum ``min_{rank ≤ r} ‖M − M̂‖`` for r = 0 … p (p + 1 values): ``tail_F(r)`` (``norm='fro'``,
    via :func:`tail_norms`) or ``σ_{r+1}`` with ``σ_{p+1} = 0`` (``norm='2'``). ``M`` is a matrix, or a
    1-D tensor of its singular values (descending)."""
    values = to_core(M)
    sigma = values if values.ndim == 1 else torch.linalg.svdvals(values)
    if norm == "fro":
        return tail_norms(sigma)
    if norm == "2":
        return torch.cat([sigma, sigma.new_zeros(1)])
    raise ValueError(f"norm must be 'fro' or '2', got {norm!r}")


class EYMWeights(NamedTuple):
    """Post 2's proof picture for ``min_B ‖AB − Σ‖_F²`` at a given A: ``weights[j] = w_j`` and
    ``objective = Σ_j w_j σ_j²``, next to the optimal 0/1 pattern (0 on the r largest σ) and its value
    ``tail_F(r)²``."""
    weights: torch.Tensor
    objective: torch.Tensor
    optimal_weights: torch.Tensor
    optimal_objective: torch.Tensor


def eym_weights(A, singular_values) -> EYMWeights:
    """For ``A ∈ R^{n×r}`` and the diagonal ``Σ`` (n×m) with the given ``σ`` (length ≤ n, padded with zeros):
    ``min_B ‖AB − Σ‖_F² = ‖(AA^† − I)Σ‖_F² = Σ_j w_j σ_j²`` with ``w_j = (I − AA^†)_{jj}`` (the squared column
    norms of the last ``n − rank A`` rows of ``U_Aᵀ``): ``0 ≤ w_j ≤ 1`` and ``Σ w_j = n − rank A ≥ n − r``.
    The sum is least with weight 0 on the r largest σ_j, which gives EYM."""
    A = to_core(A)
    n, r = A.shape
    sigma = torch.cat([to_core(singular_values), A.new_zeros(n - len(singular_values))])
    weights = 1.0 - (A * pinv(A).mT).sum(1)
    optimal = (torch.arange(n, device=A.device) >= r).to(A.dtype)
    return EYMWeights(weights, (weights * sigma.square()).sum(), optimal, (optimal * sigma.square()).sum())


def lora_ga_loss(A, B, M) -> torch.Tensor:
    """``‖AAᵀM + MBᵀB − M‖_F²`` for ``A ∈ R^{n×r}``, ``B ∈ R^{r×m}`` (post 2, the LoRA-GA objective)."""
    A, B, M = (to_core(x) for x in (A, B, M))
    return (A @ (A.mT @ M) + (M @ B.mT) @ B - M).square().sum()


class LoraGAOptimum(NamedTuple):
    """The LoRA-GA optimum: factors, their loss, and the rank-2r EYM value ``Σ_{j>2r} σ_j²`` it attains."""
    A: torch.Tensor
    B: torch.Tensor
    loss: torch.Tensor
    tail: torch.Tensor


def lora_ga_optimum(M, r: int) -> LoraGAOptimum:
    """``A = U[:, :r]``, ``B = V[:, r:2r]ᵀ`` attain ``min ‖AAᵀM + MBᵀB − M‖_F² = Σ_{j>2r} σ_j²`` (needs 2r ≤ p):
    ``AAᵀM`` keeps the first r singular triplets and ``MBᵀB`` the next r, so the sum is ``M_{2r}``. The post
    only shows rank ≤ 2r (E7); the bound is attained."""
    U, S, Vh = svd(M)
    if 2 * r > S.numel():
        raise ValueError(f"lora_ga_optimum needs 2r ≤ min(n, m) = {S.numel()}, got r = {r}")
    A, B = U[:, :r], Vh[r:2 * r]
    return LoraGAOptimum(A, B, lora_ga_loss(A, B, M), tail_norms(S)[2 * r].square())


def als_low_rank(M, A0, steps: int = 50) -> torch.Tensor:
    """Alternating least squares for ``min_{A,B} ‖AB − M‖_F`` from ``A_0 ∈ R^{n×r}``: ``B ← A^†M``, ``A ← MB^†``.
    Returns the error ``‖AB − M‖_F`` after each of the ``steps`` rounds; it decreases to ``tail_F(r)`` from a
    generic start (brief Q5)."""
    M, A = to_core(M), to_core(A0)
    errors = []
    for _ in range(steps):
        B = pinv(A) @ M
        A = M @ pinv(B)
        errors.append(torch.linalg.norm(A @ B - M))
    return torch.stack(errors)


class Geometry2x2(NamedTuple):
    """``Mx = U(Σ(Vᵀx))`` on the unit circle: ``stages[0]`` the circle, then after ``Vᵀ``, after ``Σ``, after
    ``U`` (4 × 2 × samples); ``basis`` the same stages of ``v_1, v_2`` (4 × 2 × 2, columns); ``S = (σ_1, σ_2)``
    are the semi-axes of the final ellipse, of area ``π|det M| = πσ_1σ_2``."""
    U: torch.Tensor
    S: torch.Tensor
    Vh: torch.Tensor
    stages: torch.Tensor
    basis: torch.Tensor
    area: torch.Tensor


def svd_geometry_2x2(M, samples: int = 256) -> Geometry2x2:
    """Post 2's figure: the unit circle stays a circle under the rotation/reflection ``Vᵀ``, becomes the
    axis-aligned ellipse with semi-axes ``σ_1, σ_2`` under ``Σ``, and is turned by ``U`` into ``M``'s image.
    The basis columns ``v_i`` end as ``Mv_i = σ_i u_i``."""
    M = to_core(M)
    if M.shape != (2, 2):
        raise ValueError(f"svd_geometry_2x2 needs a 2×2 matrix, got {tuple(M.shape)}")
    U, S, Vh = torch.linalg.svd(M)
    theta = torch.linspace(0, 2 * torch.pi, samples + 1, dtype=M.dtype, device=M.device)[:-1]
    circle = torch.stack([theta.cos(), theta.sin()])

    def stages_of(x: torch.Tensor) -> torch.Tensor:
        rotated = Vh @ x
        stretched = S[:, None] * rotated
        return torch.stack([x, rotated, stretched, U @ stretched])

    return Geometry2x2(U, S, Vh, stages_of(circle), stages_of(Vh.mT), torch.pi * S.prod())
