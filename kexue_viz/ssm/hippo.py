"""HiPPO transition matrices ``(A, B)`` for the measures of 重温SSM (一)/(二).

Convention: ``x'(t) = A x(t) + B u(t)`` for the time-invariant measures and
``x'(t) = (A x(t) + B u(t)) / t`` for LegS (the ``1/t`` is applied by the online routines).
Coefficients ``c_n`` of the orthonormal basis are stored as ``x_n = c_n / λ_n``; the
normalisation ``norm`` picks ``λ`` (Legendre measures only):

* ``"su"``: ``λ_n = 1``, basis ``g_n = sqrt((2n+1)/2) P_n`` (the posts);
* ``"paper"``: ``λ_n = sqrt2`` (HiPPO paper, state-spaces/s4);
* ``"integer"``: ``λ_n = sqrt(2/(2n+1))``, which removes every square root (post 1's LMU-like
  form; the post's ``λ_n = 2/sqrt(2n+1)`` is an erratum: it leaves ``B_n = (2n+1)/(sqrt2 w)``).

Rescaling acts as ``A -> diag(1/λ) A diag(λ)``, ``B -> B/λ``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from ..device import REAL, get_device
from .bases import fourier_real_at_zero


@dataclass(frozen=True)
class Measure:
    """What a measure remembers and how its coefficients are laid out."""

    key: str
    family: str  # "legendre" | "fourier" | "laguerre": the orthonormal basis of the state
    time_varying: bool  # True for LegS: x' = (A x + B u) / t
    windowed: bool  # True when only [T - w, T] is remembered


MEASURES: dict[str, Measure] = {
    "legs": Measure("legs", "legendre", time_varying=True, windowed=False),
    "legt": Measure("legt", "legendre", time_varying=False, windowed=True),
    "fout": Measure("fout", "fourier", time_varying=False, windowed=True),
    "fout_post": Measure("fout_post", "fourier", time_varying=False, windowed=True),
    "lagt": Measure("lagt", "laguerre", time_varying=False, windowed=False),
}
NORMS = ("su", "paper", "integer")


def get_measure(key: str) -> Measure:
    """Look up a measure by key, with a message listing the valid keys."""
    try:
        return MEASURES[key]
    except KeyError:
        raise ValueError(f"unknown measure {key!r}; choose one of {sorted(MEASURES)}") from None


def state_size(measure: str, N: int) -> int:
    """Number of coefficients: ``N``, except Fourier uses ``2*(N//2)+1`` (full harmonics)."""
    if get_measure(measure).family == "fourier":
        return 2 * (N // 2) + 1
    return N


def coefficient_scale(measure: str, N: int, norm: str = "su", device=None) -> torch.Tensor:
    """``λ_n`` with ``c_n = λ_n x_n`` (``c``: orthonormal-basis coefficient, ``x``: state)."""
    if norm not in NORMS:
        raise ValueError(f"unknown normalisation {norm!r}; choose one of {NORMS}")
    size = state_size(measure, N)
    device = device or get_device()
    if get_measure(measure).family != "legendre" or norm == "su":
        return torch.ones(size, dtype=REAL, device=device)
    if norm == "paper":
        return torch.full((size,), math.sqrt(2.0), dtype=REAL, device=device)
    n = torch.arange(size, dtype=REAL, device=device)
    return torch.sqrt(2.0 / (2 * n + 1))


def _sqrt_odd(N: int, device) -> torch.Tensor:
    """``r_n = sqrt(2n+1)``."""
    return torch.sqrt(2 * torch.arange(N, dtype=REAL, device=device) + 1)


def legt(N: int, w: float = 1.0, device=None) -> tuple[torch.Tensor, torch.Tensor]:
    """HiPPO-LegT, Su normalisation (post 1, eq. leg-t-hippo-1):
    ``A_nk = -(1/w) r_n r_k {1 if k<n; (-1)^(n-k) if k>=n}``, ``B_n = sqrt2 r_n / w``."""
    r = _sqrt_odd(N, device)
    n = torch.arange(N, device=device)
    sign = torch.where(n[None, :] < n[:, None], 1.0, (-1.0) ** (n[:, None] - n[None, :]).abs()).to(REAL)
    return -(r[:, None] * r[None, :] * sign) / w, math.sqrt(2.0) * r / w


def legs(N: int, device=None) -> tuple[torch.Tensor, torch.Tensor]:
    """HiPPO-LegS, Su normalisation (post 1, eq. leg-s-hippo):
    ``A_nk = -{r_n r_k if k<n; n+1 if k=n; 0 if k>n}``, ``B_n = sqrt2 r_n``."""
    r = _sqrt_odd(N, device)
    n = torch.arange(N, dtype=REAL, device=device)
    A = -(torch.tril(r[:, None] * r[None, :], diagonal=-1) + torch.diag(n + 1))
    return A, math.sqrt(2.0) * r


def lagt(N: int, device=None) -> tuple[torch.Tensor, torch.Tensor]:
    """HiPPO-LagT (HiPPO paper, s4 ``transition('lagt')``): ``A = I/2 - tril(1)``, ``B = 1``.
    ``(e^{tA}B)_n = L_n(t) e^{-t/2}``: the state projects ``u(T - v)`` onto Laguerre functions."""
    A = torch.eye(N, dtype=REAL, device=device) / 2 - torch.tril(torch.ones(N, N, dtype=REAL, device=device))
    return A, torch.ones(N, dtype=REAL, device=device)


def fourier_window(N: int, w: float = 1.0, corrected: bool = True, device=None):
    """Sliding-window Fourier system (post 1) in the real basis ``1, sqrt2 cos, sqrt2 sin``.

    With ``e = g(0)`` and ``J`` the rotation ``c_cos' += 2πk c_sin, c_sin' -= 2πk c_cos``:

    * as written in the post, ``u(T-w) ≈ Σ c_k g_k(0)``: ``A = (J - e eᵀ)/w``, ``B = e/w``;
    * corrected, ``u(T-w) ≈ 2Σ c_k g_k(0) - u(T)`` (the truncated series converges to the
      midpoint of the jump of the periodic extension): ``A = (J - 2 e eᵀ)/w``, ``B = 2e/w``.
    """
    size = state_size("fout", N)
    e = fourier_real_at_zero(size, device=device)
    J = torch.zeros(size, size, dtype=REAL, device=device)
    for k in range(1, size // 2 + 1):
        cos_i, sin_i = 2 * k - 1, 2 * k
        J[cos_i, sin_i] = 2 * math.pi * k
        J[sin_i, cos_i] = -2 * math.pi * k
    weight = 2.0 if corrected else 1.0
    return (J - weight * torch.outer(e, e)) / w, weight * e / w


def hippo(measure: str, N: int, *, w: float = 1.0, norm: str = "su", device=None):
    """Return ``(A, B)`` (float64, shapes ``(n, n)`` and ``(n,)``, ``n = state_size(measure, N)``).

    ``measure``: ``legs``, ``legt``, ``lagt``, ``fout`` (corrected window Fourier) or
    ``fout_post`` (post 1 as written); ``w``: window length (LegT/FouT); ``norm``: see module doc.
    """
    get_measure(measure)
    if not 1 <= N <= 4096:
        raise ValueError(f"N must be in [1, 4096], got {N}")
    if not (math.isfinite(w) and w > 0):
        raise ValueError(f"window w must be a positive finite number, got {w}")
    device = device or get_device()
    builders = {
        "legs": lambda: legs(N, device),
        "legt": lambda: legt(N, w, device),
        "lagt": lambda: lagt(N, device),
        "fout": lambda: fourier_window(N, w, True, device),
        "fout_post": lambda: fourier_window(N, w, False, device),
    }
    A, B = builders[measure]()
    lam = coefficient_scale(measure, N, norm, device)
    return A * lam[None, :] / lam[:, None], B / lam
