"""Structure of the HiPPO matrices that makes them cheap (重温SSM（二）), Su normalisation.

* LegS: ``(Av)_n = n v_n - r_n S_n`` with ``S_n = Σ_{k<=n} r_k v_k``, ``r_n = sqrt(2n+1)``: O(N).
* LegS: ``z = (I - λA)^{-1} v`` in O(N) from ``S_n = [(1-λn) S_{n-1} + r_n v_n] / (1 + λn + λ)``,
  ``z_n = (S_n - S_{n-1}) / r_n``. The recursion is sequential (its factor ``1 - λn`` changes
  sign, so a cumulative-product vectorisation would divide by zero); it loops over n, batched
  over any leading dimensions.
* LegT: ``(Av)_n = -(r_n/w) [Σ_{k<n} r_k v_k + (-1)^n Σ_{k>=n} (-1)^k r_k v_k]``: O(N).
* The Fourier-scaled system of post 2 (``t_{<=T}(s) = sT``, basis ``e^{-2πins}``, n = -K..K):
  ``x' = (Ax + Bu)/t``, ``A_nk = -n/(n-k)`` (k≠n), ``A_nn = iπn - 1``, ``B_n = 1``.
"""
from __future__ import annotations

import math

import torch

from ..device import COMPLEX, get_device


def _sqrt_odd(N: int, like: torch.Tensor) -> torch.Tensor:
    return torch.sqrt(2 * torch.arange(N, dtype=like.dtype, device=like.device) + 1)


def legs_matvec(v: torch.Tensor) -> torch.Tensor:
    """``A v`` for LegS (Su normalisation) in O(N); ``v`` has shape ``(..., N)``."""
    N = v.shape[-1]
    r = _sqrt_odd(N, v)
    n = torch.arange(N, dtype=v.dtype, device=v.device)
    return n * v - r * torch.cumsum(r * v, dim=-1)


def legs_solve(v: torch.Tensor, lam: float) -> torch.Tensor:
    """``(I - λA)^{-1} v`` for LegS (Su normalisation) in O(N) by the ``S_n`` recursion."""
    N = v.shape[-1]
    r = _sqrt_odd(N, v)
    partial = torch.zeros(v.shape[:-1], dtype=v.dtype, device=v.device)
    z = torch.empty_like(v)
    for n in range(N):
        updated = ((1 - lam * n) * partial + r[n] * v[..., n]) / (1 + lam * n + lam)
        z[..., n] = (updated - partial) / r[n]
        partial = updated
    return z


def legt_matvec(v: torch.Tensor, w: float = 1.0) -> torch.Tensor:
    """``A v`` for LegT (Su normalisation, window ``w``) in O(N); ``v`` has shape ``(..., N)``."""
    N = v.shape[-1]
    r = _sqrt_odd(N, v)
    sign = 1.0 - 2.0 * (torch.arange(N, device=v.device) % 2).to(v.dtype)
    weighted = r * v
    before = torch.cumsum(weighted, dim=-1) - weighted
    signed = sign * weighted
    from_here = torch.flip(torch.cumsum(torch.flip(signed, [-1]), dim=-1), [-1])
    return -(r / w) * (before + sign * from_here)


def fourier_scaled(K: int, device=None) -> tuple[torch.Tensor, torch.Tensor]:
    """Post 2's Fourier-scaled system, complex, ``n = -K..K`` (state size ``2K+1``)."""
    device = device or get_device()
    n = torch.arange(-K, K + 1, dtype=torch.float64, device=device)
    difference = n[:, None] - n[None, :]
    off_diagonal = -n[:, None] / torch.where(difference == 0, torch.ones_like(difference), difference)
    A = torch.where(difference == 0, torch.zeros_like(difference), off_diagonal).to(COMPLEX)
    A = A + torch.diag(1j * math.pi * n - 1).to(COMPLEX)
    return A, torch.ones(2 * K + 1, dtype=COMPLEX, device=device)
