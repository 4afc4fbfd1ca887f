"""S4's generating function at many nodes from the DPLR form: Woodbury plus Cauchy sums (重温SSM（三）).

For bilinear ``Ā, B̄`` and ``A = V(Λ - PP*)V*``, ``G(z) = C̃*(I - zĀ)^{-1}B̄`` is, with
``d_i(z) = (2/ε)(1-z) - (1+z)Λ_i``, ``c = V*C̃``, ``b = V*B``, ``p = V*P``,
``G = 2 c̄ᵀ (diag d + (1+z) p p*)^{-1} b``: a diagonal plus rank-r matrix, inverted by Woodbury
with Cauchy sums ``Σ_i α_i β_i / d_i`` in O(N r²) per node. Written this way (the post's
``2/(1+z)`` multiplied into the bracket) it has no pole at ``z = -1``; nodes where some ``d_i``
vanishes are handled by a signed rank-one shift (see :func:`dplr_generating_function`).
"""
from __future__ import annotations

import math

import torch

from ..device import COMPLEX, REAL, get_device
from .dplr import DPLR

NEAR_POLE = 1e-6


def unit_roots(L: int, device=None, dtype=COMPLEX) -> torch.Tensor:
    """``z_l = e^{-2πil/L}`` for ``l = 0..L//2`` (the half spectrum a real kernel needs)."""
    l = torch.arange(L // 2 + 1, dtype=REAL, device=device or get_device())
    return torch.polar(torch.ones_like(l), -2 * math.pi * l / L).to(dtype)


def cauchy_sums(left: torch.Tensor, right: torch.Tensor, denominators: torch.Tensor) -> torch.Tensor:
    """All ``k[α, β]_l = Σ_i α_i β_i / d_{l,i}`` for the columns ``α`` of ``left`` (n, p) and ``β`` of
    ``right`` (n, q), as one product of the Cauchy matrix ``1/d`` (M, n) -> (M, p, q)."""
    weights = (left[:, :, None] * right[:, None, :]).reshape(left.shape[0], -1)
    return ((1.0 / denominators) @ weights).reshape(-1, left.shape[1], right.shape[1])


def bilinear_poles(lam: torch.Tensor, step: float) -> torch.Tensor:
    """``p_i = (2/ε - Λ_i)/(2/ε + Λ_i)``: the zeros of ``d_i(z) = (2/ε)(1-z) - (1+z)Λ_i = (2/ε + Λ_i)(p_i - z)``."""
    return (2 / step - lam) / (2 / step + lam)


def nodes_near_poles(z: torch.Tensor, lam: torch.Tensor, step: float) -> torch.Tensor:
    """Indices of the nodes ``z`` within ``NEAR_POLE`` (relative) of some ``p_i``: where ``d_i(z)``
    cancels. Any nodes; O(N·M)."""
    poles = bilinear_poles(lam, step)
    close = (z[:, None] - poles[None, :]).abs() < NEAR_POLE * torch.clamp(z.abs()[:, None], min=1.0)
    return close.any(dim=1).nonzero()[:, 0]


def roots_near_poles(L: int, lam: torch.Tensor, step: float) -> torch.Tensor:
    """:func:`nodes_near_poles` for the nodes ``z_l = e^{-2πil/L}``, ``l <= L/2``, in O(N): each pole
    is compared with its nearest node only (found from its angle)."""
    poles = bilinear_poles(lam, step)
    nearest = torch.round(-torch.angle(poles) * L / (2 * math.pi)).long() % L
    gap = (torch.polar(torch.ones_like(poles.real), -2 * math.pi * nearest.to(poles.real.dtype) / L) - poles).abs()
    hit = nearest[(gap < NEAR_POLE) & (nearest <= L // 2)]
    return torch.unique(hit)


def woodbury_sums(c: torch.Tensor, b: torch.Tensor, U: torch.Tensor, s: torch.Tensor, d: torch.Tensor):
    """``2 c̄ᵀ (diag(d_l) + U diag(s_l) U*)^{-1} b`` for every node l, by Woodbury with Cauchy sums:
    ``k_cb - k_cU (I + S k_UU)^{-1} S k_Ub`` (``c, b``: (n, 1); ``U``: (n, q); ``s``: (M, q); ``d``: (M, n))."""
    sums = cauchy_sums(torch.cat([c, U.conj()], dim=1), torch.cat([b, U], dim=1), d)
    k_cb, k_cu, k_ub, k_uu = sums[:, 0, 0], sums[:, 0, 1:], sums[:, 1:, 0], sums[:, 1:, 1:]
    eye = torch.eye(U.shape[1], dtype=d.dtype, device=d.device)
    correction = torch.linalg.solve(eye + s[:, :, None] * k_uu, (s * k_ub)[:, :, None])[:, :, 0]
    return 2 * (k_cb - (k_cu * correction).sum(dim=1))


def dplr_generating_function(dplr: DPLR, B: torch.Tensor, Ctilde: torch.Tensor, step: float,
                             z: torch.Tensor, near: torch.Tensor | None = None) -> torch.Tensor:
    """``G(z) = C̃*(I - zĀ)^{-1}B̄`` for bilinear ``Ā, B̄`` and ``A = V(Λ - PP*)V*``, at any nodes ``z``
    (its dtype sets the precision; complex64 or complex128).

    The post's form ``(2/(1+z)) C̃*[g(z)I - A]^{-1}B`` with ``g = (2/ε)(1-z)/(1+z)`` blows up at
    ``z = -1`` (a DFT node for even L). Multiplying ``g I - Λ`` by ``1+z`` removes the pole:
    with ``d_i(z) = (2/ε)(1-z) - (1+z)Λ_i``, ``c = V*C̃``, ``b = V*B``, ``p = V*P`` and Cauchy sums
    ``k[α,β] = Σ α_iβ_i/d_i``, Woodbury gives
    ``G = 2( k[c̄,b] - (1+z) k[c̄,p] (I + (1+z) k[p̄,p])^{-1} k[p̄,b] )``,
    finite everywhere on the unit circle; at ``z = -1`` it is ``εC̃*B/2`` exactly.

    Second pitfall: Woodbury needs every ``d_i(z) ≠ 0``. For odd N the skew part of
    LegT/LagT/FouT has ``ω = 0``, so ``Λ_i = 0`` and ``d_i(1) = 0``; for large ``ω`` a pole can
    also fall next to a node. At such nodes (``near``; by default :func:`nodes_near_poles`) the
    offending ``d_i`` get a shift ``σ_i = 2/ε + |Λ_i|`` that is taken back as a rank-one term
    ``-σ_i e_i e_iᵀ`` of the low-rank part (Woodbury with signed weights): still O(N) per node."""
    z = z.to(dplr.Lambda.device)  # computed where the DPLR form lives; z's dtype sets the precision
    dtype = z.dtype
    lam = dplr.Lambda.to(dtype)
    c = dplr.rotate(Ctilde).conj().to(dtype)[:, None]
    b = dplr.rotate(B).to(dtype)[:, None]
    p = dplr.P.to(dtype)
    denominators = (2 / step) * (1 - z)[:, None] - (1 + z)[:, None] * lam[None, :]
    weights = (1 + z)[:, None].expand(-1, p.shape[1])
    G = woodbury_sums(c, b, p, weights, denominators)
    if near is None:
        near = nodes_near_poles(z, dplr.Lambda.to(z.device), step)
    poles = bilinear_poles(lam, step)
    for l in near.tolist():
        offending = ((poles - z[l]).abs() < NEAR_POLE * max(1.0, float(z[l].abs()))).nonzero()[:, 0]
        shift = torch.zeros_like(lam)
        shift[offending] = (2 / step + lam[offending].abs()).to(dtype)
        U = torch.cat([p, torch.eye(lam.shape[0], dtype=dtype, device=z.device)[:, offending]], dim=1)
        s = torch.cat([weights[l], -shift[offending]])[None, :]
        G[l] = woodbury_sums(c, b, U, s, (denominators[l] + shift)[None, :])[0]
    return G


def kernel_from_dplr(dplr: DPLR, B: torch.Tensor, Ctilde: torch.Tensor, step: float, L: int,
                     dtype=COMPLEX) -> torch.Tensor:
    """``K̄_{<L} = irfft(G_L(z_l))`` from S4's parameters ``(Λ, P, B, C̃)`` (no ``Ā^L`` needed)."""
    z = unit_roots(L, B.device, dtype)
    near = roots_near_poles(L, dplr.Lambda, step)
    return torch.fft.irfft(dplr_generating_function(dplr, B, Ctilde, step, z, near), n=L).to(REAL)
