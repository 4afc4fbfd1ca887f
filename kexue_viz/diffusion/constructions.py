"""Every construction of posts 12–15 as ``(α_t, σ_t, K, T)`` (brief §2.7).

All have the conditional law ``x_t | x_0 = α_t x_0 + σ_t z``, ``z ~ K``; ``t = 0`` is data and
``t = T`` the simple distribution (the posts' convention; flow-matching libraries use
``t' = T − t``, ``v' = −v``).

| key | post | α_t | σ_t | K | T |
|---|---|---|---|---|---|
| ``ve`` | 12 (heat equation, ``D_t = σ̇σ``) | 1 | t | Gaussian | σ_max (20) |
| ``ve_sq`` | 12 (``σ² = t``, constant ``D = 1/2``) | 1 | √t | Gaussian | σ_max² (400) |
| ``pfgm`` | 13/14 (Poisson field, t = extra coordinate) | 1 | t | Poisson | 40 |
| ``psi_tanh`` / ``psi_exp`` | 14 (``ψ_t(r) = Ψ(r/t)``) | 1 | t | tanh / exp | 20 |
| ``straight`` | 15 (``x_t = (1−t)x_0 + t x_1``) | 1−t | t | prior p_1 | 1 |
| ``cosine`` | 15 general (``μ_t = α_t x_0``) | cos(πt/2) | sin(πt/2) | prior p_1 | 1 |
| ``vp_linear`` | Song et al. VP-SDE, β ∈ [0.1, 20] | exp(−¼t²Δβ − ½tβ_min) | √(1−α²) | Gaussian | 1 |

Schedules give ``α, σ, α̇, σ̇`` at ``t`` (torch, differentiable: the continuity checks use
autograd in ``t``) and ``t_of_sigma`` for time grids uniform in ``σ``, ``log σ`` or Karras in ``σ``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Callable

import torch

from .kernels import Kernel, get_kernel

BETA_MIN, BETA_MAX = 0.1, 20.0


@dataclass(frozen=True)
class Schedule:
    """``α(t)``, ``σ(t)``, their derivatives, and ``t(σ)`` (the inverse of σ)."""

    alpha: Callable
    sigma: Callable
    dalpha: Callable
    dsigma: Callable
    t_of_sigma: Callable


def _ones(t):
    return torch.ones_like(t)


def _zeros(t):
    return torch.zeros_like(t)


VE = Schedule(_ones, lambda t: t, _zeros, _ones, lambda s: s)
VE_SQUARE = Schedule(_ones, torch.sqrt, _zeros, lambda t: 0.5 / torch.sqrt(t), lambda s: s * s)
STRAIGHT = Schedule(lambda t: 1 - t, lambda t: t, lambda t: -_ones(t), _ones, lambda s: s)
COSINE = Schedule(lambda t: torch.cos(0.5 * math.pi * t), lambda t: torch.sin(0.5 * math.pi * t),
                  lambda t: -0.5 * math.pi * torch.sin(0.5 * math.pi * t),
                  lambda t: 0.5 * math.pi * torch.cos(0.5 * math.pi * t),
                  lambda s: torch.asin(s) * (2 / math.pi))


def _vp_log_alpha(t):
    return -0.25 * t * t * (BETA_MAX - BETA_MIN) - 0.5 * t * BETA_MIN


def _vp_alpha(t):
    return torch.exp(_vp_log_alpha(t))


def _vp_dalpha(t):
    return _vp_alpha(t) * (-0.5 * t * (BETA_MAX - BETA_MIN) - 0.5 * BETA_MIN)


def _vp_sigma(t):
    return torch.sqrt(-torch.expm1(2 * _vp_log_alpha(t)))


def _vp_dsigma(t):
    return -_vp_alpha(t) * _vp_dalpha(t) / _vp_sigma(t)


def _vp_t_of_sigma(s):
    """Root of ``¼Δβ t² + ½β_min t = −½ log(1 − σ²)``."""
    a, b, c = 0.25 * (BETA_MAX - BETA_MIN), 0.5 * BETA_MIN, 0.5 * torch.log1p(-s * s)
    return (-b + torch.sqrt(b * b - 4 * a * c)) / (2 * a)


VP_LINEAR = Schedule(_vp_alpha, _vp_sigma, _vp_dalpha, _vp_dsigma, _vp_t_of_sigma)


@dataclass(frozen=True)
class Construction:
    """A schedule, a kernel and the end time ``T``; ``posts`` names the source posts."""

    key: str
    schedule: Schedule
    kernel: Kernel
    T: float
    posts: tuple[str, ...] = field(default=())

    def coefficients(self, t: torch.Tensor):
        """``(α, σ, a, b)`` at ``t`` with ``f_t(x) = a·x + b·x̂_0``: ``a = σ̇/σ``, ``b = α̇ − α σ̇/σ``."""
        s = self.schedule
        alpha, sigma = s.alpha(t), s.sigma(t)
        a = s.dsigma(t) / sigma
        return alpha, sigma, a, s.dalpha(t) - alpha * a

    def with_T(self, T: float) -> "Construction":
        return replace(self, T=float(T))

    @property
    def linear_path(self) -> bool:
        """True for the paths of post 15 (``α_T ≈ 0``, the prior is the kernel itself at ``T = 1``)."""
        return self.key in ("straight", "cosine", "vp_linear")


_TABLE = {
    "ve": (VE, "gaussian", 20.0, ("9280",)),
    "ve_sq": (VE_SQUARE, "gaussian", 400.0, ("9280",)),
    "pfgm": (VE, "poisson", 40.0, ("9305", "9370")),
    "psi_tanh": (VE, "tanh", 20.0, ("9370",)),
    "psi_exp": (VE, "exp", 20.0, ("9370",)),
    "straight": (STRAIGHT, None, 1.0, ("9379",)),
    "cosine": (COSINE, None, 1.0, ("9379",)),
    "vp_linear": (VP_LINEAR, "gaussian", 1.0, ("9379",)),
}
CONSTRUCTIONS = tuple(_TABLE)
PRIORS = ("gaussian", "uniform", "poisson")  # p_1 of the linear paths (poisson = multivariate Cauchy)


def make_construction(key: str, T: float | None = None, prior: str = "gaussian") -> Construction:
    """The construction ``key`` (see module table); ``prior`` is ``p_1`` for ``straight``/``cosine``."""
    try:
        schedule, kernel, default_T, posts = _TABLE[key]
    except KeyError:
        raise ValueError(f"unknown construction {key!r}; choose one of {', '.join(_TABLE)}") from None
    if kernel is None:
        if prior not in PRIORS:
            raise ValueError(f"unknown prior {prior!r}; choose one of {', '.join(PRIORS)}")
        kernel = prior
    T = default_T if T is None else float(T)
    if key in ("straight", "cosine", "vp_linear") and not 0 < T <= 1:
        raise ValueError("linear paths run on 0 < t ≤ 1")
    if T <= 0:
        raise ValueError("T must be positive")
    return Construction(key, schedule, get_kernel(kernel), T, posts)
