"""Can attention concentrate? The sparsity S = E|a| / √E[a²] of attention weights as n → ∞ (9889).

Keys k ~ N(μ, σ²I), weights aᵢ ∝ f(q·kᵢ) = f(β + γε), ε ~ N(0, 1), β = q·μ, γ = σ‖q‖. S near 0
means concentrated (sparse) weights, S near 1 spread-out ones. Except for exp, S depends only on
t = β/γ. Closed forms (brief §2.7); the relu² form is the stable rewrite: it stays finite where the
post's literal expression returns NaN (t ≲ −8).
"""
from __future__ import annotations

import math

import torch

from ..device import REAL, get_device

MILLS_SWITCH = -8.0


def _t(x) -> torch.Tensor:
    return torch.as_tensor(x, dtype=REAL, device=get_device())


def sparsity_exp(gamma) -> torch.Tensor:
    """f = exp: S = e^{−γ²/2}, independent of β; → 0 as γ → ∞ (softmax can concentrate)."""
    return torch.exp(-_t(gamma) ** 2 / 2)


def sparsity_relu2(t) -> torch.Tensor:
    """f = relu²: S(t) = [(t²+1)Φ + tφ] / √[(t⁴+6t²+3)Φ + (t³+5t)φ]. For t < −8, Φ = φR with the
    Mills ratio R = √(π/2)·erfcx(−t/√2) and √φ = e^{−t²/4}/(2π)^{1/4}, so nothing underflows."""
    t = _t(t)
    mills = math.sqrt(math.pi / 2) * torch.special.erfcx(-t / math.sqrt(2))
    num_ratio = (t ** 2 + 1) * mills + t  # numerator / φ
    den_ratio = (t ** 4 + 6 * t ** 2 + 3) * mills + t ** 3 + 5 * t  # denominator² / φ
    sqrt_phi = torch.exp(-t ** 2 / 4) / (2 * math.pi) ** 0.25
    tail = sqrt_phi * num_ratio / torch.sqrt(den_ratio)
    cdf, pdf = torch.special.ndtr(t), torch.exp(-t ** 2 / 2) / math.sqrt(2 * math.pi)
    body = ((t ** 2 + 1) * cdf + t * pdf) / torch.sqrt((t ** 4 + 6 * t ** 2 + 3) * cdf + (t ** 3 + 5 * t) * pdf)
    return torch.where(t < MILLS_SWITCH, tail, body)


def sparsity_relu2_post(beta, gamma) -> torch.Tensor:
    """The post's Mathematica expression for relu², term by term, for comparison only: it is
    correct, but erf + 1 cancels and e^{β²/2γ²} overflows, so it returns NaN for t = β/γ ≲ −8 on
    the CPU and already for t ≲ −6.8 on CUDA, whose erf rounds 1 + erf(t/√2) to 0 sooner (seen on an H100)."""
    beta, gamma = _t(beta), _t(gamma)
    erf1 = torch.erf(beta / (math.sqrt(2) * gamma)) + 1
    g = torch.exp(beta ** 2 / (2 * gamma ** 2))
    num = torch.exp(-beta ** 2 / (2 * gamma ** 2)) * (math.sqrt(2) * beta * gamma
                                                       + math.sqrt(math.pi) * g * (beta ** 2 + gamma ** 2) * erf1)
    den = math.pi ** 0.25 * torch.sqrt(2 * math.sqrt(2) * beta * gamma * torch.exp(-beta ** 2 / (2 * gamma ** 2))
                                       * (beta ** 2 + 5 * gamma ** 2)
                                       + 2 * math.sqrt(math.pi) * (beta ** 4 + 6 * beta ** 2 * gamma ** 2
                                                                   + 3 * gamma ** 4) * erf1)
    return num / den


def sparsity_identity(t) -> torch.Tensor:
    """f = identity (signed weights): S(t) = [2φ(t) + t·erf(t/√2)] / √(1 + t²); even, minimum √(2/π) at 0."""
    t = _t(t)
    pdf = torch.exp(-t ** 2 / 2) / math.sqrt(2 * math.pi)
    return (2 * pdf + t * torch.erf(t / math.sqrt(2))) / torch.sqrt(1 + t ** 2)


def sparsity_linear(ratio, q) -> torch.Tensor:
    """General non-negative linear attention with i.i.d. feature components of mean μ̃, std σ̃:
    S = 1/√(1 + (σ̃/μ̃ · ‖q̃‖₂/‖q̃‖₁)²). ``ratio`` = σ̃/μ̃, ``q`` the query features (..., d).
    (‖q̃‖₂/‖q̃‖₁ ∈ [1/√d, 1]: the post's "maximum √d" is the reciprocal's.)"""
    q = _t(q)
    norms = q.norm(dim=-1) / q.abs().sum(dim=-1)
    return 1 / torch.sqrt(1 + (_t(ratio) * norms) ** 2)


def sparsity_decay(lam, n) -> torch.Tensor:
    """Linear decay weights (λ^{n−1}, …, λ, 1) (RNN-like): S = √[(1−λⁿ)(1+λ) / (n(1−λ)(1+λⁿ))]; 1 at λ = 1."""
    lam, n = torch.broadcast_tensors(_t(lam), _t(n))
    one = torch.isclose(lam, torch.ones_like(lam))
    safe = torch.where(one, torch.full_like(lam, 0.5), lam)
    ln = safe ** n
    value = torch.sqrt((1 - ln) * (1 + safe) / (n * (1 - safe) * (1 + ln)))
    return torch.where(one, torch.ones_like(lam), value)


def sparsity_of_vector(a) -> torch.Tensor:
    """S = mean|a| / √mean(a²) of a vector (last axis): the finite-n quantity the limits describe."""
    a = _t(a)
    return a.abs().mean(dim=-1) / torch.sqrt((a ** 2).mean(dim=-1))
