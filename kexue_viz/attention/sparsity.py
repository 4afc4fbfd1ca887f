"""Sparsity measures and Rényi entropy (9595, after Hurley–Rickard; brief §2.8).

For x ∈ ℝⁿ (last axis) with ℓₚ = (Σ|xᵢ|ᵖ)^{1/p}:

* S₀ = mean|x| / max|x|;  S₁,ₚ = (ℓ₁/n)/ℓₚ;  S*₁,ₚ = n^{(1−p)/p} ℓ₁/ℓₚ ∈ [n^{(1−p)/p}, 1];
* S*_q,p = n^{1/p − 1/q} ℓ_q/ℓₚ ∈ [n^{1/p−1/q}, 1] for p > q > 0; S*₁,₂ = cos(sign x, x);
* Rényi H_a(p) = ln Σpᵢᵃ / (1 − a), Shannon at a = 1, non-increasing in a, in [0, ln n].
Larger values mean less sparse (S*) / more spread (H).
"""
from __future__ import annotations

import math

import torch

from ..device import REAL, get_device

RENYI_SHANNON_BAND = 1e-6


def _t(x) -> torch.Tensor:
    return torch.as_tensor(x, dtype=REAL, device=get_device())


def lp_norm(x, p: float) -> torch.Tensor:
    """ℓₚ over the last axis (p > 0), computed in log space so that large p does not overflow."""
    x = _t(x).abs()
    return torch.exp(torch.logsumexp(p * torch.log(x), dim=-1) / p)


def s0(x) -> torch.Tensor:
    x = _t(x).abs()
    return x.mean(dim=-1) / x.max(dim=-1).values


def s1p(x, p: float = 2.0) -> torch.Tensor:
    x = _t(x)
    return lp_norm(x, 1) / x.shape[-1] / lp_norm(x, p)


def s_star(x, q: float = 1.0, p: float = 2.0) -> torch.Tensor:
    """S*_q,p = n^{1/p − 1/q} ℓ_q/ℓₚ (p > q > 0); S*₁,ₚ at q = 1."""
    if not p > q > 0:
        raise ValueError(f"S*_q,p needs p > q > 0, got q={q}, p={p}")
    x = _t(x)
    return x.shape[-1] ** (1 / p - 1 / q) * lp_norm(x, q) / lp_norm(x, p)


def cos_sign(x) -> torch.Tensor:
    """cos(sign x, x), equal to S*₁,₂ when no component is zero."""
    x = _t(x)
    return torch.nn.functional.cosine_similarity(torch.sign(x), x, dim=-1)


def renyi_entropy(p, a: float) -> torch.Tensor:
    """H_a(p) = LSE(a ln p)/(1 − a) for a distribution p (last axis); Shannon −Σ p ln p within 1e-6 of a = 1."""
    p = _t(p)
    if abs(a - 1) < RENYI_SHANNON_BAND:
        return -torch.xlogy(p, p).sum(dim=-1)
    if a <= 0:
        raise ValueError("Rényi order a must be positive")
    return torch.logsumexp(a * torch.log(p), dim=-1) / (1 - a)


def moment_ratio_post(x) -> torch.Tensor:
    """9595 as printed: 1/(1 + Var|x|/E|x|²) (missing a square root; see :func:`moment_ratio`)."""
    x = _t(x).abs()
    return 1 / (1 + x.var(dim=-1, unbiased=False) / x.mean(dim=-1) ** 2)


def moment_ratio(x) -> torch.Tensor:
    """E|x|/√(E|x|² ) = 1/√(1 + Var|x|/(E|x|)²) (the corrected identity)."""
    x = _t(x).abs()
    return 1 / torch.sqrt(1 + x.var(dim=-1, unbiased=False) / x.mean(dim=-1) ** 2)


MEASURES = {
    "S0": s0,
    "S1,2": lambda x: s1p(x, 2.0),
    "S*1,2": lambda x: s_star(x, 1.0, 2.0),
    "S*1,4": lambda x: s_star(x, 1.0, 4.0),
    "S*0.5,1": lambda x: s_star(x, 0.5, 1.0),
}


def softmax_measures(scores, alphas, names=tuple(MEASURES)) -> dict[str, torch.Tensor]:
    """The 9595 measures of the attention weights p = softmax(α s) of one score vector ``scores``
    (n,) at every scale in ``alphas`` (A,): name → (A,). At α = 0 p is uniform (every S* is 1);
    as α → ∞ p tends to one-hot, where S*_q,p falls to its minimum n^{1/p − 1/q}."""
    alphas = torch.as_tensor(alphas, dtype=REAL, device=get_device())
    p = torch.softmax(alphas[:, None] * _t(scores)[None], dim=-1)
    return {name: MEASURES[name](p) for name in names}


def renyi_spectrum(p, orders) -> torch.Tensor:
    """H_a(p) for every order a in ``orders`` (A,) at once, Shannon where |a − 1| < 1e-6: (A,)."""
    p = _t(p)
    orders = torch.as_tensor(orders, dtype=REAL, device=p.device)
    if bool((orders <= 0).any()):
        raise ValueError("Rényi orders must be positive")
    shannon = torch.isclose(orders, torch.ones_like(orders), rtol=0, atol=RENYI_SHANNON_BAND)
    safe = torch.where(shannon, torch.full_like(orders, 2.0), orders)
    general = torch.logsumexp(safe[:, None] * torch.log(p)[None], dim=-1) / (1 - safe)
    return torch.where(shannon, -torch.xlogy(p, p).sum(), general)


def lower_bound(n: int, q: float, p: float) -> float:
    """The minimum n^{1/p − 1/q} of S*_q,p (attained by one-hot vectors)."""
    return n ** (1 / p - 1 / q)


def entropy_bounds(n: int) -> tuple[float, float]:
    return 0.0, math.log(n)
