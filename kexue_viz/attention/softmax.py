"""The softmax Jacobian of 9812 and its gradient-size measures, all from log-space reductions.

Convention (brief §2.0): ``p = softmax(α s)`` for scores ``s ∈ ℝⁿ``; the scale α multiplies the
scores. Every function takes scores ``s`` with the key axis last and broadcasts over the rest.
"""
from __future__ import annotations

import torch

MEASURES = ("l1", "frobenius", "operator1")


def softmax_jacobian(s: torch.Tensor, alpha: float) -> torch.Tensor:
    """``J = ∂p/∂s = α(diag p − p pᵀ)`` (9812 eq. 2), shape ``(..., n, n)``."""
    p = torch.softmax(alpha * s, dim=-1)
    return alpha * (torch.diag_embed(p) - p[..., :, None] * p[..., None, :])


def log_power_sum(x: torch.Tensor, k: int, prefix: bool = False) -> torch.Tensor:
    """``log Σᵢ pᵢᵏ`` for ``p = softmax(x)`` as ``LSE(k x) − k LSE(x)``: finite for any scale.
    With ``prefix`` the sum runs over the first ``m`` keys for every ``m`` (causal attention),
    by ``logcumsumexp``; the result then has the key axis."""
    reduce = (lambda y: torch.logcumsumexp(y, dim=-1)) if prefix else (lambda y: torch.logsumexp(y, dim=-1))
    return reduce(k * x) - k * reduce(x)


def log_p_max(x: torch.Tensor, prefix: bool = False) -> torch.Tensor:
    """``log maxᵢ pᵢ`` (over every prefix with ``prefix``)."""
    if prefix:
        return torch.cummax(x, dim=-1).values - torch.logcumsumexp(x, dim=-1)
    return x.max(dim=-1).values - torch.logsumexp(x, dim=-1)


def gradient_size(s: torch.Tensor, alpha, measure: str = "l1", prefix: bool = False) -> torch.Tensor:
    """Size of ``J`` for scores ``s`` at scale ``alpha`` (a number, or a tensor that broadcasts
    against ``s`` with a trailing key axis of size 1, e.g. ``α[:, None, None]`` for an α-batch),
    reduced over the key axis (over every prefix with ``prefix``):

    * ``l1``: ½Σᵢⱼ|Jᵢⱼ| = α(1 − Σp²), the post's objective;
    * ``frobenius``: ‖J‖_F = α√(Σp² − 2Σp³ + (Σp²)²);
    * ``operator1``: maxⱼ Σᵢ|Jᵢⱼ| = 2α·p_max(1 − p_max) (the column maximum sits at p_max, since
      the runner-up has p ≤ 1 − p_max and p(1 − p) is symmetric about ½)."""
    alpha = torch.as_tensor(alpha, dtype=s.dtype, device=s.device)
    x = alpha * s
    factor = alpha if (prefix or alpha.dim() == 0) else alpha.squeeze(-1)
    if measure == "l1":
        return factor * -torch.expm1(log_power_sum(x, 2, prefix))
    if measure == "frobenius":
        return factor * (_frobenius_prefix(x) if prefix else _frobenius(x))
    if measure == "operator1":
        p_max = torch.exp(log_p_max(x, prefix))
        return factor * 2 * p_max * (1 - p_max)
    raise ValueError(f"unknown gradient measure {measure!r}; choose one of {MEASURES}")


def _frobenius(x: torch.Tensor) -> torch.Tensor:
    """‖J‖_F/α = √Σᵢ pᵢ²[(1 − pᵢ)² + Σ_{j≠i} pⱼ²], every term non-negative: near one-hot p the
    largest key's Σ_{j≠i} pⱼ² comes from a log-sum-exp with that key masked (no cancellation)."""
    log_p = torch.log_softmax(x, dim=-1)
    p = log_p.exp()
    top = log_p == log_p.max(dim=-1, keepdim=True).values
    first_top = top & (torch.cumsum(top.long(), dim=-1) == 1)
    others_top = torch.exp(torch.logsumexp(torch.where(first_top, -torch.inf, 2 * log_p), dim=-1, keepdim=True))
    others = torch.where(first_top, others_top, (p ** 2).sum(dim=-1, keepdim=True) - p ** 2)
    return torch.sqrt((p ** 2 * ((-torch.expm1(log_p)) ** 2 + others)).sum(dim=-1))


def _frobenius_prefix(x: torch.Tensor) -> torch.Tensor:
    """‖J‖_F/α over every prefix from power sums, √(Σp² − 2Σp³ + (Σp²)²), in float64: the terms
    cancel near one-hot p, leaving an absolute error ~ √ε_float64 ≈ 1e-8 (√ε_float32 would be 3e-4)."""
    x64 = x.double()
    sum2 = torch.exp(log_power_sum(x64, 2, True))
    sum3 = torch.exp(log_power_sum(x64, 3, True))
    return torch.sqrt(torch.clamp(sum2 - 2 * sum3 + sum2 ** 2, min=0.0)).to(x.dtype)


def entropy(x: torch.Tensor, prefix: bool = False) -> torch.Tensor:
    """Shannon entropy of ``softmax(x)`` (nats). Direct: ``−Σ p log p`` from ``log_softmax``.
    Prefix: ``H = LSE(x) − Σpx`` in float64 with the positive and negative parts of ``x − c`` summed
    separately in log space (``c`` the row minimum, so ``x − c ≥ 0``), stable for any scale."""
    if not prefix:
        log_p = torch.log_softmax(x, dim=-1)
        return -(log_p.exp() * log_p).sum(dim=-1)
    shifted = (x - x.min(dim=-1, keepdim=True).values).double()  # float64: H is a difference of O(|x|) terms
    lse = torch.logcumsumexp(shifted, dim=-1)
    weighted = torch.logcumsumexp(shifted + torch.log(shifted), dim=-1)  # log Σ e^{y} y, y ≥ 0
    return (lse - torch.exp(weighted - lse)).to(x.dtype)
