"""The second-order expected-loss model and everything it gives for SGD (post 10542).

For one step ``θ ← θ − ηũ`` with independent update coordinates (means ``m_i``, second moments
``s_i``):

    E L(θ − ηũ) ≈ L(θ) − η mᵀg + ½η² tr(E[ũũᵀ]H),   tr(E[ũũᵀ]H) = mᵀHm + Σ_i (s_i − m_i²) H_ii,

so ``η* = mᵀg / tr(E[ũũᵀ]H)`` and ``ΔL(η*) = (mᵀg)²/(2 tr(E[ũũᵀ]H))`` (exact for a quadratic loss).

SGD (``ũ = g̃_B``): ``η*(B) = η_max/(1 + B_noise_sgd/B)``, ``ΔL(B) = ΔL_max/(1 + B_noise_sgd/B)`` with
``η_max = gᵀg/gᵀHg``, ``B_noise_sgd = tr(ΣH)/gᵀHg``, ``ΔL_max = (gᵀg)²/(2gᵀHg)``; the H ∝ I surrogate
``B_simple = tr Σ/gᵀg``; steps and examples ``S = (1 + B_noise/B)S_min``, ``E = BS`` obey
``(S/S_min − 1)(E/E_min − 1) = 1`` (10542 (10)–(14)).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from .models import LocalModel


def update_curvature(m: torch.Tensor, s: torch.Tensor, H: torch.Tensor) -> torch.Tensor:
    """``tr(E[ũũᵀ]H) = mᵀHm + Σ_i (s_i − m_i²)H_ii`` over the last axis (the variance is clamped at
    0: ``s − m²`` can cancel to −1e-16 where it is truly ~b⁴/a⁶)."""
    variance = (s - m * m).clamp(min=0.0)
    return ((m @ H) * m).sum(-1) + (variance * torch.diagonal(H)).sum(-1)


def optimal_step(m: torch.Tensor, s: torch.Tensor, g: torch.Tensor,
                 H: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``(η*, ΔL(η*))`` of the second-order model for update moments ``m``, ``s`` [..., N]."""
    gain = (m * g).sum(-1)
    curvature = update_curvature(m, s, H)
    return gain / curvature, gain * gain / (2.0 * curvature)


def expected_loss_change(eta: torch.Tensor, m: torch.Tensor, s: torch.Tensor, g: torch.Tensor,
                         H: torch.Tensor) -> torch.Tensor:
    """``E L(θ − ηũ) − L(θ) = −η mᵀg + ½η² tr(E[ũũᵀ]H)`` (negative = improvement)."""
    return -eta * (m * g).sum(-1) + 0.5 * eta * eta * update_curvature(m, s, H)


@dataclass(frozen=True)
class SGDScales:
    """The named noise scales of SGD at one point (post 10542 (10)–(13))."""

    eta_max: float       # gᵀg/gᵀHg
    B_noise_sgd: float   # tr(ΣH)/gᵀHg
    B_simple: float      # tr Σ/gᵀg
    dL_max: float        # (gᵀg)²/(2gᵀHg)

    def eta_star(self, B):
        """``η*(B) = η_max/(1 + B_noise_sgd/B)``."""
        return self.eta_max / (1.0 + self.B_noise_sgd / B)

    def loss_decrease(self, B):
        """``ΔL(B) = ΔL_max/(1 + B_noise_sgd/B)``."""
        return self.dL_max / (1.0 + self.B_noise_sgd / B)


def sgd_scales(model: LocalModel) -> SGDScales:
    """η_max, B_noise_sgd, B_simple and ΔL_max of ``model`` (full Σ when the model has it)."""
    g, H = model.g, model.H
    gg, gHg = float(g @ g), float(g @ H @ g)
    return SGDScales(gg / gHg, model.trace_Sigma_H / gHg, model.trace_Sigma / gg, gg * gg / (2.0 * gHg))


def steps_examples(B, B_crit):
    """``(S/S_min, E/E_min) = (1 + B_crit/B, 1 + B/B_crit)``: the points of the hyperbola
    ``(S/S_min − 1)(E/E_min − 1) = 1`` (10542 (14))."""
    return 1.0 + B_crit / B, 1.0 + B / B_crit


def fit_steps_examples(S, E) -> tuple[float, float, float]:
    """Least squares of ``1/S = 1/S_min − (E_min/S_min)(1/E)`` (⇔ ``S_min/S + E_min/E = 1``);
    returns ``(S_min, E_min, B_crit = E_min/S_min)``."""
    S, E = torch.as_tensor(S, dtype=torch.float64), torch.as_tensor(E, dtype=torch.float64)
    design = torch.stack([torch.ones_like(E), 1.0 / E], dim=1)
    intercept, slope = torch.linalg.lstsq(design, (1.0 / S)[:, None]).solution[:, 0].tolist()
    S_min = 1.0 / intercept
    return S_min, -slope * S_min, -slope


def fit_inverse_line(B, values) -> tuple[float, float]:
    """Least squares of ``values = p + q/B``; returns ``(p, q)``. Used for ``1/η*(B)`` (then
    ``B_noise = q/p``) and for ``E‖g̃_B‖² = ‖g‖² + trΣ/B`` (then ``B_simple = q/p``)."""
    B, values = torch.as_tensor(B, dtype=torch.float64), torch.as_tensor(values, dtype=torch.float64)
    design = torch.stack([torch.ones_like(B), 1.0 / B], dim=1)
    p, q = torch.linalg.lstsq(design, values[:, None]).solution[:, 0].tolist()
    return p, q


def two_batch_noise_scale(sq_norm_small, sq_norm_big, B_small: float, B_big: float) -> tuple:
    """McCandlish et al.'s unbiased estimates from squared norms of a small and a big batch mean:
    ``|G|² = (B_big‖G_big‖² − B_small‖G_small‖²)/(B_big − B_small)`` and
    ``trΣ = (‖G_small‖² − ‖G_big‖²)/(1/B_small − 1/B_big)`` (elementwise on tensors, so EMAs of
    numerator and denominator can be taken before the ratio B_simple = trΣ/|G|²)."""
    g2 = (B_big * sq_norm_big - B_small * sq_norm_small) / (B_big - B_small)
    trace = (sq_norm_small - sq_norm_big) / (1.0 / B_small - 1.0 / B_big)
    return g2, trace
