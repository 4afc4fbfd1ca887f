"""Noise kernels ``K``: the law of ``z`` in ``x_t = α_t x_0 + σ_t z`` (brief §2.5, §2.7).

Each kernel gives the normalised ``log K(z)``, its gradient ``∇ log K(z)`` (for the closed-form
divergence), a sampler, and in d = 1 its CDF (for the CDF-invariant route of :mod:`.exact1d`).

| kernel | post | ``log K(z)`` (r = ‖z‖) | radial CDF ``Ψ(r)`` |
|---|---|---|---|
| ``gaussian`` | 12, 15 | ``−r²/2 − (d/2) log 2π`` | ``P(d/2, r²/2)`` |
| ``poisson`` | 13, 14 | ``log C_d − ((d+1)/2) log(1 + r²)``, ``C_d = Γ((d+1)/2)/π^{(d+1)/2}`` | ``I_{r²/(1+r²)}(d/2, 1/2)`` |
| ``tanh`` | 14 | ``log sech² r − (d−1) log r − log S_d`` | ``tanh r`` |
| ``exp`` | 14 | ``−r − (d−1) log r − log S_d`` | ``1 − e^{−r}`` |
| ``uniform`` | 15 | ``−d log 2`` on ``[0, 2]^d``, else ``−∞`` | — |

``S_d = 2π^{d/2}/Γ(d/2)`` is the area of the unit sphere. The Poisson kernel is the multivariate
Student-t with ν = 1 ("Cauchy"); ``C_d`` is the constant post 14 leaves unspecified (brief §2.4).
The tanh and exp kernels have an integrable ``r^{1−d}`` spike at 0 for d ≥ 2: ``r`` is clamped at
``R_FLOOR`` so that log-weights stay finite at a data point.
"""
from __future__ import annotations

import functools
import math
import operator

import scipy.special as sp
import torch

R_FLOOR = 1e-12
LOG_2 = math.log(2.0)


def log_sphere_area(d: int) -> float:
    """``log S_d(1) = log(2 π^{d/2} / Γ(d/2))``."""
    return LOG_2 + 0.5 * d * math.log(math.pi) - math.lgamma(0.5 * d)


def poisson_log_constant(d: int) -> float:
    """``log C_d`` with ``C_d = Γ((d+1)/2)/π^{(d+1)/2} = 2/S_{d+1}(1)`` (derived; brief §2.4)."""
    return math.lgamma(0.5 * (d + 1)) - 0.5 * (d + 1) * math.log(math.pi)


def squared_norm(z: torch.Tensor) -> torch.Tensor:
    """``‖z‖²`` over the last axis as a sum unrolled over the (few) coordinates: for the (M, N, d)
    residuals of a field evaluation with d = 1, 2 this is ~4× faster than ``(z * z).sum(-1)``
    (torch reduces a length-2 axis slowly), and for d ≤ 2 it adds in the same order."""
    return functools.reduce(operator.add, (z[..., k] * z[..., k] for k in range(z.shape[-1])))


def _norm(z: torch.Tensor) -> torch.Tensor:
    return torch.linalg.vector_norm(z, dim=-1).clamp_min(R_FLOOR)


def _directions(n: int, d: int, generator, dtype, device) -> torch.Tensor:
    v = torch.randn(n, d, generator=generator, dtype=dtype, device=device)
    return v / torch.linalg.vector_norm(v, dim=-1, keepdim=True)


def _uniform(n: int, generator, dtype, device) -> torch.Tensor:
    return torch.rand(n, 1, generator=generator, dtype=dtype, device=device)


class Kernel:
    """Base class: ``log_density``, ``grad_log_density``, ``sample``, ``cdf_1d``."""

    name = ""
    compact = False  # True: logits can be −∞ (a point outside every support)

    def log_density(self, z: torch.Tensor) -> torch.Tensor:
        """Normalised ``log K(z)`` for ``z`` of shape (..., d)."""
        raise NotImplementedError

    def grad_log_density(self, z: torch.Tensor) -> torch.Tensor:
        """``∇_z log K(z)``, shape (..., d)."""
        raise NotImplementedError

    def sample(self, n: int, d: int, generator: torch.Generator, dtype=torch.float64, device="cpu") -> torch.Tensor:
        """``n`` independent draws of ``z ~ K`` in ``R^d``, shape (n, d)."""
        raise NotImplementedError

    def cdf_1d(self, z: torch.Tensor) -> torch.Tensor:
        """``P(Z ≤ z)`` for d = 1."""
        raise NotImplementedError


class Gaussian(Kernel):
    name = "gaussian"

    def log_density(self, z):
        return -0.5 * squared_norm(z) - 0.5 * z.shape[-1] * math.log(2 * math.pi)

    def grad_log_density(self, z):
        return -z

    def sample(self, n, d, generator, dtype=torch.float64, device="cpu"):
        return torch.randn(n, d, generator=generator, dtype=dtype, device=device)

    def cdf_1d(self, z):
        return torch.special.ndtr(z)


class Poisson(Kernel):
    """PFGM's Poisson kernel of the upper half-space, ``p_t(x|x0) = C t/(t² + ‖x−x0‖²)^{(d+1)/2}``."""

    name = "poisson"

    def log_density(self, z):
        d = z.shape[-1]
        return poisson_log_constant(d) - 0.5 * (d + 1) * torch.log1p(squared_norm(z))

    def grad_log_density(self, z):
        d = z.shape[-1]
        return -(d + 1) * z / (1 + squared_norm(z)[..., None])

    def sample(self, n, d, generator, dtype=torch.float64, device="cpu"):
        """Post 14's ratio of Gaussians: ``z = ε_x/|ε_t|``, ``(ε_x, ε_t) ~ N(0, I_{d+1})``."""
        eps = torch.randn(n, d + 1, generator=generator, dtype=dtype, device=device)
        return eps[:, :d] / eps[:, d:].abs()

    def cdf_1d(self, z):
        return 0.5 + torch.atan(z) / math.pi


class RadialScale(Kernel):
    """ψ-construction kernel of post 14 from a radial CDF ``Ψ``: ``K(z) = Ψ'(r)/(S_d r^{d−1})``."""

    def log_psi_prime(self, r):
        raise NotImplementedError

    def dlog_psi_prime(self, r):
        raise NotImplementedError

    def psi(self, r):
        raise NotImplementedError

    def psi_inverse(self, u):
        raise NotImplementedError

    def log_density(self, z):
        d = z.shape[-1]
        r = _norm(z)
        return self.log_psi_prime(r) - (d - 1) * torch.log(r) - log_sphere_area(d)

    def grad_log_density(self, z):
        d = z.shape[-1]
        r = _norm(z)[..., None]
        return (self.dlog_psi_prime(r) - (d - 1) / r) * z / r

    def sample(self, n, d, generator, dtype=torch.float64, device="cpu"):
        radius = self.psi_inverse(_uniform(n, generator, dtype, device))
        return radius * _directions(n, d, generator, dtype, device)

    def cdf_1d(self, z):
        return 0.5 + 0.5 * torch.sign(z) * self.psi(z.abs())


class Tanh(RadialScale):
    """``Ψ(r) = tanh r`` (post 14, ``ψ_t(r) = tanh(r/t)``)."""

    name = "tanh"

    def log_psi_prime(self, r):  # log sech² r, stable for large r
        return 2 * (LOG_2 - r - torch.log1p(torch.exp(-2 * r)))

    def dlog_psi_prime(self, r):
        return -2 * torch.tanh(r)

    def psi(self, r):
        return torch.tanh(r)

    def psi_inverse(self, u):
        return torch.atanh(u)


class Exponential(RadialScale):
    """``Ψ(r) = 1 − e^{−r}`` (post 14, ``ψ_t(r) = 1 − e^{−r/t}``)."""

    name = "exp"

    def log_psi_prime(self, r):
        return -r

    def dlog_psi_prime(self, r):
        return -torch.ones_like(r)

    def psi(self, r):
        return -torch.expm1(-r)

    def psi_inverse(self, u):
        return -torch.log1p(-u)


class UniformBox(Kernel):
    """Uniform prior on ``[0, 2]^d`` (post 15's demo uses ``U[0, 2]``)."""

    name = "uniform"
    compact = True

    def log_density(self, z):
        inside = ((z >= 0) & (z <= 2)).all(-1)
        value = torch.full(inside.shape, -z.shape[-1] * LOG_2, dtype=z.dtype, device=z.device)
        return value.masked_fill(~inside, -math.inf)

    def grad_log_density(self, z):
        return torch.zeros_like(z)

    def sample(self, n, d, generator, dtype=torch.float64, device="cpu"):
        return 2 * torch.rand(n, d, generator=generator, dtype=dtype, device=device)

    def cdf_1d(self, z):
        return (0.5 * z).clamp(0, 1)


def clip_radius(z: torch.Tensor, max_radius: float | None):
    """``(z', clipped)``: rows of ``z`` (n, d) with ``‖z‖ > max_radius`` scaled back onto that
    radius (direction kept), and the (n,) mask of those rows; ``None`` clips nothing. PFGM's prior
    has an infinite-mean radius (``P(‖z‖ > k) ~ c/k``); its repo clips the radius likewise."""
    if max_radius is None:
        return z, torch.zeros(z.shape[0], dtype=torch.bool, device=z.device)
    if not max_radius > 0:
        raise ValueError("the clipping radius must be positive")
    radius = torch.linalg.vector_norm(z, dim=-1)
    clipped = radius > max_radius
    scale = torch.where(clipped, max_radius / radius.clamp_min(R_FLOOR), torch.ones_like(radius))
    return z * scale[:, None], clipped


def poisson_tail(r: float, d: int) -> float:
    """``P(‖z‖ > r)`` for the Poisson kernel in ``R^d``: ``1 − I_{r²/(1+r²)}(d/2, 1/2)`` (brief §2.4;
    d = 2: ``(1 + r²)^{−1/2}``). The expected fraction of a PFGM prior sample beyond ``r·T``."""
    u = r * r / (1 + r * r)
    return float(sp.betainc(0.5, 0.5 * d, 1 - u))  # = 1 − I_u(d/2, 1/2), without cancellation


KERNELS: dict[str, Kernel] = {k.name: k for k in (Gaussian(), Poisson(), Tanh(), Exponential(), UniformBox())}


def get_kernel(name: str) -> Kernel:
    try:
        return KERNELS[name]
    except KeyError:
        raise ValueError(f"unknown kernel {name!r}; choose one of {', '.join(KERNELS)}") from None
