"""The average-loss (regret) bound of projected online SGD (post 9902).

For convex per-sample losses on a convex domain of diameter D (enforced by projection), gradients
bounded by G and non-increasing η_t, 9902 (4):
``(1/T)Σ_t L(x_t, θ_t) − (1/T)Σ_t L(x_t, θ*) ≤ D²/(2Tη_T) + (G²/2T)Σ_t η_t``.
A constant ``η = D/(G√T)`` gives ``DG/√T``; ``η_t = α/√t`` gives ``< D²/(2α√T) + G²α/√T``
(using ``Σ_{t≤T} t^{-1/2} ≤ 2√T − 1``), best at ``α = D/(√2 G)`` with value ``√2·DG/√T``.
"""
from __future__ import annotations

import math

import torch


def project_ball(theta: torch.Tensor, radius: float) -> torch.Tensor:
    """Euclidean projection onto ``{‖θ‖ ≤ radius}`` (rows are points)."""
    norm = theta.norm(dim=-1, keepdim=True)
    return theta * torch.clamp(radius / norm.clamp(min=1e-300), max=1.0)


def logistic_losses(theta: torch.Tensor, X: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """``log(1 + exp(−y xᵀθ))`` per sample (labels ±1); ``theta`` [..., d], ``X`` [T, d]."""
    return torch.nn.functional.softplus(-y * (X @ theta.transpose(-1, -2)).transpose(-1, -2))


def online_sgd(X: torch.Tensor, y: torch.Tensor, radius: float, step_sizes: torch.Tensor) -> torch.Tensor:
    """Projected online SGD on the logistic loss, one sample per step (the recurrence over t is
    inherent); ``step_sizes`` [S, T] runs S schedules side by side. Returns the iterates θ_t used
    at each step, [S, T, d] (θ_1 = 0)."""
    schedules, steps = step_sizes.shape
    theta = torch.zeros(schedules, X.shape[1], dtype=X.dtype, device=X.device)
    iterates = torch.empty(schedules, steps, X.shape[1], dtype=X.dtype, device=X.device)
    for t in range(steps):
        iterates[:, t] = theta
        margin = y[t] * (theta @ X[t])
        gradient = -y[t] * torch.sigmoid(-margin)[:, None] * X[t]
        theta = project_ball(theta - step_sizes[:, t, None] * gradient, radius)
    return iterates


def best_in_hindsight(X: torch.Tensor, y: torch.Tensor, radius: float, iterations: int = 3000) -> torch.Tensor:
    """``θ* = argmin_{‖θ‖≤R} (1/T)Σ_t L(x_t, θ)`` by projected gradient descent with step 1/L_smooth
    (the logistic loss is (¼‖x‖²)-smooth)."""
    smooth = 0.25 * float((X * X).sum(1).mean())
    theta = torch.zeros(X.shape[1], dtype=X.dtype, device=X.device)
    for _ in range(iterations):  # a fixed-point iteration (inherently sequential)
        gradient = -(y * torch.sigmoid(-y * (X @ theta)))[:, None].mul(X).mean(0)
        theta = project_ball(theta - gradient / smooth, radius)
    return theta


def average_regret(iterates: torch.Tensor, X: torch.Tensor, y: torch.Tensor, theta_star: torch.Tensor) -> torch.Tensor:
    """Running ``(1/T)Σ_{t≤T}[L(x_t, θ_t) − L(x_t, θ*)]`` for every T, per schedule [S, T]."""
    online = torch.nn.functional.softplus(-y * (iterates * X).sum(-1))
    fixed = torch.nn.functional.softplus(-y * (X @ theta_star))
    T = torch.arange(1, X.shape[0] + 1, dtype=X.dtype, device=X.device)
    return torch.cumsum(online - fixed, dim=-1) / T


def regret_bound(D: float, G: float, step_sizes: torch.Tensor) -> torch.Tensor:
    """9902 (4) at every T: ``D²/(2Tη_T) + (G²/2T)Σ_{t≤T}η_t`` [S, T]."""
    T = torch.arange(1, step_sizes.shape[-1] + 1, dtype=step_sizes.dtype, device=step_sizes.device)
    return D * D / (2 * T * step_sizes) + G * G / (2 * T) * torch.cumsum(step_sizes, dim=-1)


def inverse_sqrt_sum_bound(T: int) -> tuple[float, float]:
    """``(Σ_{t≤T} t^{-1/2}, 2√T − 1)`` — 9902 (7)."""
    return float((torch.arange(1, T + 1, dtype=torch.float64) ** -0.5).sum()), 2 * math.sqrt(T) - 1
