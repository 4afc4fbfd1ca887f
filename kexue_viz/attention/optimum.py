"""The mean-field optimum of 9812 (brief §2.2) and the post's fitted laws.

Mean field: Σpᵢ² ≈ r(α)/n with r = M(2α)/M(α)², so the objective α(1 − Σp²) becomes
f̃(α; n) = α(1 − r(α)/n). Stationarity f̃′ = 0 ⇔ n = r(α)[1 + α (ln r)′(α)], explicit in α, so
α*(n) is found by bisection (any model) or in closed form (normal):
α*(n) = √(W₀(√e·n/2) − ½). This is the optimum of the *approximate* objective; the exact
expected objective has no interior maximum (see :mod:`.exact`).
"""
from __future__ import annotations

import math

import torch

from ..device import REAL, get_device
from .scores import check_model, log_r

POST_GRID = tuple(range(40, 20001, 40))  # Mathematica nRange = 40*Range[1, 500]
GRID_POINTS = 256
SECANT_STEPS = 6


def _tensor(x) -> torch.Tensor:
    return torch.as_tensor(x, dtype=REAL, device=get_device())


def lambertw(x) -> torch.Tensor:
    """Principal branch W₀(x) for x ≥ 0 (float64, vectorised Halley iteration on w eʷ = x,
    started at ln x − ln ln x for x > e and ln(1 + x) otherwise)."""
    x = _tensor(x)
    if bool((x < 0).any()):
        raise ValueError("lambertw: this implementation covers x >= 0 only")
    big = x > math.e
    safe_big = torch.where(big, x, torch.full_like(x, math.e + 1))
    w = torch.where(big, torch.log(safe_big) - torch.log(torch.log(safe_big)), torch.log1p(x))
    for _ in range(8):
        ew = torch.exp(w)
        f = w * ew - x
        w = w - f / (ew * (w + 1) - (w + 2) * f / (2 * w + 2))
    return w


def alpha_star_normal(n) -> torch.Tensor:
    """Closed form α*(n) = √(W₀(√e·n/2) − ½) of e^{α²}(1 + 2α²) = n, for n ≥ 1 (normal scores)."""
    n = _tensor(n)
    if bool((n < 1).any()):
        raise ValueError("alpha_star_normal needs n >= 1")
    return torch.sqrt(torch.clamp(lambertw(math.sqrt(math.e) * n / 2) - 0.5, min=0.0))


def approx_objective(alpha, n, model: str = "normal", d: int = 128) -> torch.Tensor:
    """f̃(α; n) = α(1 − exp(ln r(α) − ln n)) (9812 eq. approx; finite where e^{α²} overflows)."""
    alpha, n = _tensor(alpha), _tensor(n)
    return alpha * -torch.expm1(log_r(alpha, model, d)[0] - torch.log(n))


def stationary_log_n(alpha, model: str = "normal", d: int = 128) -> torch.Tensor:
    """ln n(α) with n(α) = r(α)[1 + α (ln r)′(α)]: the n at which α is the mean-field optimum."""
    lr, dlr = log_r(_tensor(alpha), model, d)
    return lr + torch.log1p(_tensor(alpha) * dlr)


def alpha_star(n, model: str = "normal", d: int = 128) -> torch.Tensor:
    """Mean-field optimum α*(n): Lambert closed form (normal). Cosine: ``stationary_log_n`` on an
    α-grid (one batched quadrature) brackets every root, then secant steps polish all n at once."""
    check_model(model, d)
    n = _tensor(n)
    if model == "normal":
        return alpha_star_normal(n)
    if bool((n <= 1).any()):
        raise ValueError("alpha_star needs n > 1")
    target = torch.log(n)
    top = 4 * math.sqrt(d)  # the normal limit is α* ≈ √d·α*_normal(n) ≈ 3√d for n ≲ 10⁶
    while float(stationary_log_n(top, model, d)) < float(target.max()):
        top *= 2
    grid = torch.linspace(0.0, top, GRID_POINTS, dtype=REAL, device=n.device)
    values = stationary_log_n(grid, model, d)  # increasing in α
    right = torch.clamp(torch.searchsorted(values, target), 1, GRID_POINTS - 1)
    a0, a1 = grid[right - 1], grid[right]
    f0, f1 = values[right - 1] - target, values[right] - target
    for _ in range(SECANT_STEPS):
        a2 = a1 - f1 * (a1 - a0) / torch.where(f1 == f0, torch.ones_like(f1), f1 - f0)
        a0, f0 = a1, f1
        a1, f1 = a2, stationary_log_n(a2, model, d) - target
    return a1


def fit_constant(n, alpha, law: str) -> float:
    """Least-squares c in α ≈ c·g(n), uniform weights over the given n (the post's fitting):
    g = √ln n (``sqrt_log``) or ln n (``log``)."""
    n, alpha = _tensor(n), _tensor(alpha)
    g = torch.sqrt(torch.log(n)) if law == "sqrt_log" else torch.log(n)
    if law not in ("sqrt_log", "log"):
        raise ValueError(f"unknown law {law!r}; choose sqrt_log or log")
    return float((alpha * g).sum() / (g * g).sum())


def n_for_alpha(alpha, model: str = "normal", d: int = 128) -> torch.Tensor:
    """The n whose mean-field optimum is α (inverse of :func:`alpha_star`)."""
    return torch.exp(stationary_log_n(alpha, model, d))
