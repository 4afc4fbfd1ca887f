"""Length-dependent scale laws and entropy invariance (8823, 9034, 9812 §相关思考; brief §2.6).

All laws are in the score multiplier α of :mod:`.scores` and calibrated so that α(n₀) = α₀:

* ``const``    α₀ (Attention-O: the usual fixed 1/√d);
* ``log``      α₀ ln n / ln n₀ (Attention-E of 8823: λ = κ ln n / d, normalised by log₅₁₂ n);
* ``sqrt_log`` α₀ √(ln n / ln n₀) (the shape of 9812's 0.84√ln n fit);
* ``grad_max`` the mean-field optimum α*(n) of 9812 (α₀ is then α*(n₀));
* ``qwen``     α₀ max(1, log_{n₀} n) (Qwen-1 ``use_logn_attn``, per query position there).
"""
from __future__ import annotations

import math

import torch

from ..device import REAL, get_device
from .optimum import alpha_star

LAWS = ("const", "log", "sqrt_log", "grad_max", "qwen")
LAPLACE_CONSTANT_AT_ONE = 0.2406


def scale_law(law: str, n, n0: float = 512, alpha0: float | None = None, model: str = "normal",
              d: int = 128) -> torch.Tensor:
    """α(n) under ``law``, calibrated to α(n₀) = α₀ (default α₀ = α*(n₀), the grad-max value)."""
    n = torch.as_tensor(n, dtype=REAL, device=get_device())
    if alpha0 is None:
        alpha0 = float(alpha_star(torch.tensor([float(n0)]), model, d)[0])
    ratio = torch.log(n) / math.log(n0)
    if law == "const":
        return torch.full_like(n, alpha0)
    if law == "log":
        return alpha0 * ratio
    if law == "sqrt_log":
        return alpha0 * torch.sqrt(ratio)
    if law == "grad_max":
        return alpha_star(n, model, d) * (alpha0 / float(alpha_star(torch.tensor([float(n0)]), model, d)[0]))
    if law == "qwen":
        return alpha0 * torch.clamp(ratio, min=1.0)
    raise ValueError(f"unknown scale law {law!r}; choose one of {LAWS}")


def laplace_gap_per_lambda_d(lam) -> torch.Tensor:
    """8823's Laplace (large-d) estimate of G/(λd) at fixed λ on the raw q·k = d cos θ:
    −ln(1 − s*²)/(2λ) with s* = (√(1 + 4λ²) − 1)/(2λ); equals 0.2406 at λ = 1 (the post's 0.24)."""
    lam = torch.as_tensor(lam, dtype=REAL, device=get_device())
    s_star = (torch.sqrt(1 + 4 * lam ** 2) - 1) / (2 * lam)
    return -torch.log1p(-s_star ** 2) / (2 * lam)


def harmonic_number(L) -> torch.Tensor:
    """H_L = Σ_{m≤L} 1/m = ψ(L + 1) + γ."""
    L = torch.as_tensor(L, dtype=REAL, device=get_device())
    return torch.special.digamma(L + 1) + 0.5772156649015329


def decoder_effective_n(L) -> torch.Tensor:
    """n_eff = L / H_L: averaging the mean-field objective over positions 1…L gives
    α(1 − e^{α²}H_L/L), maximised at α*(L/H_L) (the post suggests n = L/2)."""
    L = torch.as_tensor(L, dtype=REAL, device=get_device())
    return L / harmonic_number(L)


def max_minus_mean(scores: torch.Tensor) -> torch.Tensor:
    """s_max − s̄ per row (9034's H ≈ ln n − λ(s_max − s̄)); grows like √(2 ln n) for normal scores."""
    return scores.max(dim=-1).values - scores.mean(dim=-1)
