"""Local models of a loss at one point θ: gradient g, per-example gradient spread σ (the square
root of diag Σ) and Hessian H, all float64 on the package device.

Presets (brief §3.3):

* ``aligned_spike``: ``g_i = g₀ s_i`` (seeded random signs), ``σ_i = κ g₀``,
  ``H = h₀(I + c ĝĝᵀ)`` with ``ĝ = s/√N`` (a Hessian spike aligned with the sign pattern);
* ``quantile``: ``g_i = sign(q_i)|q_i|^spread`` with ``q_i = Φ⁻¹((i−½)/N)`` (spread 1 is the
  brief's heterogeneous model, spread 0 the homogeneous one), ``σ_i = κ``, ``H = I + c ĝĝᵀ``
  with ``ĝ = g/‖g‖``;
* ``diagonal``: as ``aligned_spike`` with ``c = 0`` (``H = h₀ I``).

Also the exact statistics of linear regression with Gaussian inputs (Isserlis) and of the
noisy quadratic model (NQM).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from ..device import REAL, get_device, to_core

PRESETS = ("aligned_spike", "quantile", "diagonal")


@dataclass(frozen=True)
class LocalModel:
    """``g`` [N], ``sigma`` [N] (√diag Σ of one example's gradient), ``H`` [N, N]; ``Sigma``
    optionally the full per-example covariance (SGD uses ``tr(ΣH)``; sign methods assume diag)."""

    g: torch.Tensor
    sigma: torch.Tensor
    H: torch.Tensor
    Sigma: torch.Tensor | None = None

    @property
    def N(self) -> int:
        return self.g.shape[0]

    @property
    def diag_H(self) -> torch.Tensor:
        return torch.diagonal(self.H)

    @property
    def trace_H(self) -> float:
        """``D = tr H``."""
        return float(self.diag_H.sum())

    @property
    def rms_g(self) -> float:
        return float(self.g.pow(2).mean().sqrt())

    @property
    def trace_Sigma_H(self) -> float:
        """``tr(ΣH)`` (``Σσ_i²H_ii`` when only diag Σ is known)."""
        if self.Sigma is not None:
            return float((self.Sigma * self.H).sum())
        return float((self.sigma ** 2 * self.diag_H).sum())

    @property
    def trace_Sigma(self) -> float:
        return float(self.sigma.pow(2).sum())


def _tensor(values) -> torch.Tensor:
    return torch.as_tensor(values, dtype=REAL, device=get_device())


def random_signs(N: int, seed: int = 0) -> torch.Tensor:
    """N seeded signs ±1 (the results of the presets do not depend on them)."""
    generator = torch.Generator().manual_seed(seed)
    return _tensor(torch.randint(0, 2, (N,), generator=generator).double() * 2 - 1)


def spiked_hessian(direction: torch.Tensor, c: float, h0: float = 1.0) -> torch.Tensor:
    """``h₀(I + c v vᵀ)`` with ``v = direction/‖direction‖``."""
    v = direction / direction.norm()
    return h0 * (torch.eye(direction.shape[0], dtype=REAL, device=direction.device) + c * torch.outer(v, v))


def aligned_spike(N: int = 64, c: float = 3.0, kappa: float = 4.0, g0: float = 1.0, h0: float = 1.0,
                  seed: int = 0) -> LocalModel:
    """The homogeneous model of brief §2.5 (the dashboard's default)."""
    signs = random_signs(N, seed)
    return LocalModel(g0 * signs, torch.full_like(signs, kappa * g0), spiked_hessian(signs, c, h0))


def quantile(N: int = 64, c: float = 3.0, kappa: float = 4.0, spread: float = 1.0) -> LocalModel:
    """Heterogeneous gradients: normal quantiles raised to ``spread`` (brief §3.3 at spread 1)."""
    q = torch.special.ndtri(_tensor((torch.arange(N, dtype=REAL) + 0.5) / N))
    g = torch.sign(q) * q.abs().pow(spread)
    return LocalModel(g, torch.full_like(g, kappa), spiked_hessian(g, c))


def diagonal(N: int = 64, kappa: float = 4.0, g0: float = 1.0, h0: float = 1.0, seed: int = 0) -> LocalModel:
    """Homogeneous gradients with ``H = h₀ I`` (no off-diagonal curvature)."""
    return aligned_spike(N, 0.0, kappa, g0, h0, seed)


def preset(name: str, N: int = 64, c: float = 3.0, kappa: float = 4.0, spread: float = 1.0) -> LocalModel:
    """A preset by name (see module doc)."""
    if name == "aligned_spike":
        return aligned_spike(N, c, kappa)
    if name == "quantile":
        return quantile(N, c, kappa, spread)
    if name == "diagonal":
        return diagonal(N, kappa)
    raise ValueError(f"unknown preset {name!r}; choose one of {PRESETS}")


def linear_regression_stats(S: torch.Tensor, d: torch.Tensor, noise_var: float) -> LocalModel:
    """Exact local model of ``½E(xᵀw − y)²`` with ``x ~ N(0, S)``, ``y = xᵀw* + noise`` at
    ``d = w − w*``: ``H = S``, ``g = Sd``, ``Σ = (dᵀSd + s²)S + Sd dᵀS`` (Isserlis; brief §3.3)."""
    S, d = _tensor(S), _tensor(d)
    g = S @ d
    Sigma = (d @ S @ d + noise_var) * S + torch.outer(g, g)
    return LocalModel(g, torch.diagonal(Sigma).sqrt(), S, Sigma)


def nqm_curvatures(N: int = 100) -> torch.Tensor:
    """Noisy quadratic model curvatures ``h_i = 1/i`` (Zhang et al. 2019); the per-example
    gradient covariance is ``Σ = H`` and the start θ₀ = 1."""
    return 1.0 / torch.arange(1, N + 1, dtype=REAL, device=get_device())


def nqm_model(theta: torch.Tensor, h: torch.Tensor) -> LocalModel:
    """Local model of the NQM ``L = ½Σh_iθ_i²`` at ``theta`` (g = hθ, σ_i² = h_i)."""
    theta = to_core(theta, h)
    return LocalModel(h * theta, h.sqrt(), torch.diag(h))


def nqm_expected_loss(eta: torch.Tensor, B: torch.Tensor, K: int, h: torch.Tensor,
                      theta0: torch.Tensor) -> torch.Tensor:
    """Exact expected NQM loss after ``K`` SGD steps (brief §7 item 4):
    ``E L_K = ½Σ h_i[r_i^{2K}θ₀ᵢ² + (η²h_i/B)(1 − r_i^{2K})/(1 − r_i²)]`` with ``r_i = 1 − ηh_i``
    (here ``c_i = h_i``). ``eta`` and ``B`` broadcast; the coordinate axis is appended last."""
    eta, B = torch.broadcast_tensors(to_core(eta, h), to_core(B, h))
    return nqm_expected_loss_at(eta, B, torch.full_like(eta, float(K)), h, theta0)


def stationary_variance(eta: float, B: float, h: float, sigma2: float) -> float:
    """Stationary variance of SGD on ``½hθ²`` with per-example noise variance σ²:
    ``ησ²/(Bh(2 − ηh))`` (≈ ``ησ²/(2hB)`` for ηh ≪ 1; brief §2.2)."""
    if not 0 < eta * h < 2:
        raise ValueError("SGD on ½hθ² is stable only for 0 < ηh < 2")
    return eta * sigma2 / (B * h * (2.0 - eta * h))


def nqm_steps_to_target(eta: torch.Tensor, B: torch.Tensor, h: torch.Tensor, theta0: torch.Tensor, target: float,
                        K_max: int = 1 << 16) -> torch.Tensor:
    """Smallest K with ``E L_K ≤ target`` (:func:`nqm_expected_loss`) for every broadcast (η, B), by
    bisection on K (each coordinate's expected loss moves monotonically towards its noise floor; the
    search takes the sum as monotone); ``inf`` where even ``K_max`` steps do not reach the target."""
    eta, B = torch.broadcast_tensors(to_core(eta, h), to_core(B, h))
    lo = torch.zeros_like(eta)
    hi = torch.full_like(eta, float(K_max))
    reachable = nqm_expected_loss(eta, B, K_max, h, theta0) <= target
    while bool(((hi - lo) > 1).any()):
        middle = torch.floor((lo + hi) / 2)
        below = nqm_expected_loss_at(eta, B, middle, h, theta0) <= target
        hi, lo = torch.where(below, middle, hi), torch.where(below, lo, middle)
    return torch.where(reachable, hi, torch.full_like(hi, float("inf")))


def nqm_expected_loss_at(eta: torch.Tensor, B: torch.Tensor, K: torch.Tensor, h: torch.Tensor,
                         theta0: torch.Tensor) -> torch.Tensor:
    """:func:`nqm_expected_loss` with a tensor of step counts ``K`` broadcast with ``eta`` and ``B``."""
    theta0 = to_core(theta0, h)
    r2 = (1.0 - eta[..., None] * h) ** 2
    r2K = r2.pow(K[..., None])
    one_minus = 1.0 - r2
    safe = torch.where(one_minus == 0, torch.ones_like(one_minus), one_minus)
    geometric = torch.where(one_minus == 0, K[..., None].expand_as(r2), (1.0 - r2K) / safe)
    return 0.5 * (h * (r2K * theta0 ** 2 + eta[..., None] ** 2 * h / B[..., None] * geometric)).sum(-1)
