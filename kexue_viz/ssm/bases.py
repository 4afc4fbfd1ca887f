"""Orthonormal function families that HiPPO projects onto, evaluated by stable recurrences.

All functions take and return float64 torch tensors on the caller's device; shapes are
``(N, M)``: row ``n`` is the n-th function at the ``M`` points.
"""
from __future__ import annotations

import math

import torch


def legendre(N: int, s: torch.Tensor) -> torch.Tensor:
    """Legendre polynomials ``P_0..P_{N-1}`` at ``s`` by ``(n+1)P_{n+1} = (2n+1)sP_n - nP_{n-1}``."""
    out = torch.empty((N, *s.shape), dtype=s.dtype, device=s.device)
    out[0] = 1.0
    if N > 1:
        out[1] = s
    for n in range(1, N - 1):
        out[n + 1] = ((2 * n + 1) * s * out[n] - n * out[n - 1]) / (n + 1)
    return out


def legendre_orthonormal(N: int, s: torch.Tensor) -> torch.Tensor:
    """``g_n(s) = sqrt((2n+1)/2) P_n(s)``: orthonormal on ``[-1, 1]`` with ``ds``."""
    n = torch.arange(N, dtype=s.dtype, device=s.device)
    scale = torch.sqrt((2 * n + 1) / 2).reshape(N, *([1] * s.dim()))
    return scale * legendre(N, s)


def laguerre_functions(N: int, v: torch.Tensor) -> torch.Tensor:
    """``L_n(v) e^{-v/2}``: orthonormal on ``[0, inf)`` with ``dv`` (Laguerre recurrence)."""
    out = torch.empty((N, *v.shape), dtype=v.dtype, device=v.device)
    out[0] = 1.0
    if N > 1:
        out[1] = 1.0 - v
    for n in range(1, N - 1):
        out[n + 1] = ((2 * n + 1 - v) * out[n] - n * out[n - 1]) / (n + 1)
    return out * torch.exp(-v / 2)


def fourier_real(N: int, s: torch.Tensor) -> torch.Tensor:
    """Real Fourier basis on ``[0, 1]``: ``1, sqrt2 cos(2πks), sqrt2 sin(2πks)`` for k = 1..,
    interleaved (cos before sin) and truncated to ``N`` functions; orthonormal with ``ds``."""
    out = torch.empty((N, *s.shape), dtype=s.dtype, device=s.device)
    out[0] = 1.0
    for index in range(1, N):
        k = (index + 1) // 2
        trig = torch.cos if index % 2 == 1 else torch.sin
        out[index] = math.sqrt(2.0) * trig(2 * math.pi * k * s)
    return out


def fourier_real_at_zero(N: int, dtype=torch.float64, device=None) -> torch.Tensor:
    """The real Fourier basis at ``s = 0`` (= at ``s = 1``): ``(1, sqrt2, 0, sqrt2, 0, ...)``."""
    return fourier_real(N, torch.zeros((), dtype=dtype, device=device))
