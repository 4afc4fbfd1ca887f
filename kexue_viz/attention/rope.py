"""RoPE as computable checks (9403; long-range decay from 8265; brief §2.9).

Standard RoPE rotates adjacent pairs (2i, 2i+1) of a d-vector at position n by nθᵢ, θᵢ = base^{−2i/d}:
R_n = block-diag(R_{nθᵢ}) = exp(n·block-diag(J_{θᵢ})), so R_mᵀR_n = R_{n−m} and qᵀR_mᵀR_n k depends
on n − m only. 9403: every solution of R_mᵀR_n = R_{n−m} is exp(nB) with B skew (or Oⁿ, O orthogonal),
and exp(nB) is the block form after an orthogonal change of basis P (real Schur form), which
self-attention absorbs into W_q, W_k. Angles are computed in float64 (fp32 nθ loses ~0.01–0.1 rad
at positions 10⁵–10⁶).
"""
from __future__ import annotations

import numpy as np
import scipy.linalg
import torch

from ..device import REAL, get_device

CONVENTIONS = ("adjacent", "half")


def frequencies(d: int, base: float = 10000.0) -> torch.Tensor:
    """θᵢ = base^{−2i/d}, i = 0 … d/2 − 1 (float64)."""
    if d % 2:
        raise ValueError(f"RoPE needs an even dimension, got d={d}")
    return base ** (-2 * torch.arange(d // 2, dtype=REAL, device=get_device()) / d)


def angle_cache(positions, d: int, base: float = 10000.0) -> tuple[torch.Tensor, torch.Tensor]:
    """(cos, sin) of nθᵢ per position and pair, shape (len(positions), d/2), float64."""
    angles = torch.as_tensor(positions, dtype=REAL, device=get_device())[:, None] * frequencies(d, base)
    return torch.cos(angles), torch.sin(angles)


def rotate(x: torch.Tensor, positions, base: float = 10000.0, convention: str = "adjacent") -> torch.Tensor:
    """Apply R_n to ``x`` (..., L, d) at ``positions`` (L,), elementwise in O(L·d):
    ``adjacent`` pairs (2i, 2i+1) as in the post and rotary-embedding-torch, or ``half`` pairs
    (i, i + d/2) as in HF LLaMA (the same map up to a fixed permutation of coordinates)."""
    d = x.shape[-1]
    cos, sin = angle_cache(positions, d, base)
    cos, sin = cos.to(x), sin.to(x)  # x's dtype and device
    if convention == "adjacent":
        even, odd = x[..., 0::2], x[..., 1::2]
        return torch.stack([even * cos - odd * sin, even * sin + odd * cos], dim=-1).flatten(-2)
    if convention == "half":
        first, second = x[..., : d // 2], x[..., d // 2:]
        return torch.cat([first * cos - second * sin, first * sin + second * cos], dim=-1)
    raise ValueError(f"unknown convention {convention!r}; choose one of {CONVENTIONS}")


def half_permutation(d: int) -> torch.Tensor:
    """Index map taking an adjacent-pair vector to the half-split layout: x_half = x_adj[perm]."""
    return torch.cat([torch.arange(0, d, 2), torch.arange(1, d, 2)])


def generator(d: int, base: float = 10000.0) -> torch.Tensor:
    """B = block-diag(J_{θᵢ}), J_θ = [[0, −θ], [θ, 0]]: the skew generator of standard RoPE (teaching only)."""
    theta = frequencies(d, base)
    B = torch.zeros(d, d, dtype=REAL, device=theta.device)
    idx = torch.arange(0, d, 2, device=theta.device)
    B[idx, idx + 1], B[idx + 1, idx] = -theta, theta
    return B


def rope_matrix(n: float, B: torch.Tensor) -> torch.Tensor:
    """R_n = exp(nB) (dense; teaching and tests)."""
    return torch.linalg.matrix_exp(n * B)


def random_skew(d: int, seed: int = 0) -> torch.Tensor:
    """A random skew-symmetric d×d matrix (a general RoPE generator)."""
    g = torch.Generator().manual_seed(seed)
    A = torch.randn(d, d, generator=g, dtype=REAL)
    return (A - A.T).to(get_device())


def random_orthogonal(d: int, seed: int = 0, det: int = 1) -> torch.Tensor:
    """A random orthogonal d×d matrix with determinant ``det`` (±1), from QR of a Gaussian matrix."""
    g = torch.Generator().manual_seed(seed)
    Q, R = torch.linalg.qr(torch.randn(d, d, generator=g, dtype=REAL))
    Q = Q * torch.sign(torch.diagonal(R))
    if torch.sign(torch.linalg.det(Q)) != det:
        Q[:, 0] = -Q[:, 0]
    return Q.to(get_device())


def real_schur(B: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(Λ, P) with B = PΛPᵀ, P orthogonal and Λ block-diagonal 2×2 rotations generators (real
    Schur form of a skew matrix; the post writes P⁻¹, which for skew B may be taken as Pᵀ)."""
    T, Z = scipy.linalg.schur(B.cpu().numpy(), output="real")
    return torch.as_tensor(T, device=B.device), torch.as_tensor(Z, device=B.device)


def decay_bound(r, d: int = 128, base: float = 10000.0) -> torch.Tensor:
    """y(r) = (2/d) Σ_{j=1}^{d/2} |S_j(r)|, S_j = Σ_{i<j} e^{i r θᵢ}: the Abel-summation bound
    factor of RoPE's long-range decay (8265), one value per r."""
    angles = torch.as_tensor(r, dtype=REAL, device=get_device())[:, None] * frequencies(d, base)
    partial_re, partial_im = torch.cumsum(torch.cos(angles), -1), torch.cumsum(torch.sin(angles), -1)
    return (2 / d) * torch.sqrt(partial_re ** 2 + partial_im ** 2).sum(-1)


def ones_inner_product(r, d: int = 128, base: float = 10000.0) -> torch.Tensor:
    """𝟙ᵀR_r𝟙 = Σᵢ 2cos(rθᵢ), also E[qᵀR_r q] for q with unit-variance i.i.d. components."""
    angles = torch.as_tensor(r, dtype=REAL, device=get_device())[:, None] * frequencies(d, base)
    return 2 * torch.cos(angles).sum(-1)


def position_scores(q: torch.Tensor, k: torch.Tensor, base: float = 10000.0) -> torch.Tensor:
    """Matrix [ (R_m q_m)ᵀ (R_n k_n) ]_{m,n} for queries q (L, d) and keys k (L, d) at positions
    0…L−1. With the same content at every position it depends on n − m only (Toeplitz); with
    different content per position it does not (the common demo mistake)."""
    positions = torch.arange(q.shape[0], device=q.device)
    return rotate(q, positions, base) @ rotate(k, positions, base).T


def reflection_counterexample(d: int = 8, seed: int = 0) -> dict[str, float]:
    """9403's det O = −1 step: it writes O = O₊I₋ and Oⁿ = I₋ⁿ exp(nB). With O₊ = O I₋ (det +1) the
    claim needs O₊ and I₋ to commute; they do not: returns ‖(O₊I₋)² − O₊²‖, ‖O₊I₋ − I₋O₊‖ and,
    for the repair (reflect along a real eigenvector of O with eigenvalue −1, which commutes with
    the rest), the same commutator, which vanishes."""
    O = random_orthogonal(d, seed, det=-1)
    I_minus = torch.eye(d, dtype=REAL, device=O.device)
    I_minus[0, 0] = -1
    O_plus = O @ I_minus
    values, vectors = np.linalg.eig(O.cpu().numpy())
    index = int(np.argmin(np.abs(values + 1)))
    u = torch.as_tensor(np.real(vectors[:, index]), dtype=REAL, device=O.device)
    u = u / u.norm()
    reflection = torch.eye(d, dtype=REAL, device=O.device) - 2 * torch.outer(u, u)
    rotation_part = O @ reflection
    return {
        "square_gap": float(torch.linalg.norm(O @ O - O_plus @ O_plus)),
        "commutator": float(torch.linalg.norm(O_plus @ I_minus - I_minus @ O_plus)),
        "repaired_commutator": float(torch.linalg.norm(rotation_part @ reflection - reflection @ rotation_part)),
        "repaired_det": float(torch.linalg.det(rotation_part)),
    }


def reflection_powers(d: int = 8, seed: int = 0, n_max: int = 12) -> dict[str, np.ndarray]:
    """9403's det O = −1 case as errors per power n = 0 … n_max, for a random orthogonal O with det −1.
    O₊ = O I₋ ∈ SO(d) is exp(B) for some skew B, so exp(nB) = O₊ⁿ (computed as that power):

    * ``post``: ‖Oⁿ − I₋ⁿ exp(nB)‖ — the post's O = O₊I₋, Oⁿ = I₋ⁿexp(nB); nonzero from n = 1
      because O₊ and I₋ do not commute;
    * ``repaired``: ‖Oⁿ − Hᵤⁿ exp(nB′)‖ with Hᵤ = I − 2uuᵀ the reflection along a real eigenvector u
      of O (eigenvalue −1) and exp(B′) = O Hᵤ ∈ SO(d), which commutes with Hᵤ: rounding only;
    * ``relative``: maxₘ ‖(Oᵐ)ᵀOⁿ − O^{n−m}‖ over m = 0 … n_max: Oⁿ itself satisfies the relative
      property R_mᵀR_n = R_{n−m} (rounding only), although no exp(nB) equals it at odd n
      (``det`` = det Oⁿ = (−1)ⁿ, while det exp(nB) = e^{n tr B} = 1).
    Norms are Frobenius; ``n`` holds the powers."""
    O = random_orthogonal(d, seed, det=-1)
    eye = torch.eye(d, dtype=REAL, device=O.device)
    I_minus = eye.clone()
    I_minus[0, 0] = -1
    values, vectors = np.linalg.eig(O.cpu().numpy())
    u = torch.as_tensor(np.real(vectors[:, int(np.argmin(np.abs(values + 1)))]), dtype=REAL, device=O.device)
    reflection = eye - 2 * torch.outer(u, u) / (u @ u)
    powers = lambda A: [torch.linalg.matrix_power(A, n) for n in range(n_max + 1)]  # noqa: E731
    O_n, rotation_n, repaired_n = powers(O), powers(O @ I_minus), powers(O @ reflection)
    signed = lambda k: O_n[k] if k >= 0 else O_n[-k].T  # noqa: E731  O^{−k} = (Oᵏ)ᵀ
    norm = lambda A: float(torch.linalg.norm(A))  # noqa: E731
    post, repaired, relative = [], [], []
    for n, On in enumerate(O_n):
        flip = n % 2  # I₋ⁿ and Hᵤⁿ are the identity for even n
        post.append(norm(On - (I_minus if flip else eye) @ rotation_n[n]))
        repaired.append(norm(On - (reflection if flip else eye) @ repaired_n[n]))
        relative.append(max(norm(O_n[m].T @ On - signed(n - m)) for m in range(n_max + 1)))
    return {"n": np.arange(n_max + 1), "post": np.array(post), "repaired": np.array(repaired),
            "relative": np.array(relative), "det": np.array([float(torch.linalg.det(On)) for On in O_n])}
