"""The Adam-ε / batch-size results as functions of frozen settings, memoised process-wide
(:mod:`kexue_viz.pipeline`): the dashboard, the notebook and the CLI share them.

Every preset has ``σ_i = κσ̂_i`` with σ̂ free of κ, and the update moments see B only through
``a, b ∝ √B/σ``, so ``η*(B; κ) = η*(B/κ²; 1)``: the exact peaks and the surge thresholds are
computed once on the unit-noise model (κ = 1) and rescaled (``B_peak ∝ κ²``, η unchanged).
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
import torch

from ..pipeline import memoised
from .expected_loss import SGDScales, fit_inverse_line, sgd_scales
from .models import LocalModel, preset
from .softsign import (COLLAPSE_RULE, collapsed, eta_curves, eta_infinity, find_peak, large_batch_coefficient,
                       mean_update_shrinkage, surge_threshold)

B_POINTS = 81  # batch sizes per curve, log-spaced over the B range


@dataclass(frozen=True)
class ModelSettings:
    """A preset local model (see :func:`~.models.preset`). Build it with :meth:`of`, which drops
    what the preset ignores (c for ``diagonal``, spread but for ``quantile``), so that settings
    giving the same model are equal and share one result."""
    preset: str
    N: int
    c: float
    kappa: float
    spread: float

    @classmethod
    def of(cls, preset: str, N: int, c: float, kappa: float, spread: float) -> "ModelSettings":
        return cls(preset, int(N), 0.0 if preset == "diagonal" else float(c), float(kappa),
                   float(spread) if preset == "quantile" else 1.0)

    def unit_noise(self) -> "ModelSettings":
        """The same model at κ = 1 (module doc)."""
        return dataclasses.replace(self, kappa=1.0)


@dataclass(frozen=True)
class CurveSettings:
    """One backend's η*(B) curves: the model, the ε values (as ε / rms g, sorted), the B range
    (log₁₀ B from, to), the backend, whether its collapsed (post) path is taken, and the κ² rule
    (only the collapsed erf_rational path reads it). Build it with :meth:`of`."""
    model: ModelSettings
    eps_rel: tuple[float, ...]
    B_range: tuple[float, float]
    backend: str
    collapsed_path: bool
    kappa2_rule: str | None

    @classmethod
    def of(cls, model: ModelSettings, eps_rel, B_range, backend: str, path: str, kappa2_rule: str):
        collapsed_path = path == "collapsed" and backend in COLLAPSE_RULE
        rule = kappa2_rule if collapsed_path and backend == "erf_rational" else None
        return cls(model, tuple(eps_rel), (float(B_range[0]), float(B_range[1])), backend, collapsed_path, rule)


@memoised(max_bytes=16 * 2**20)
def local_model(settings: ModelSettings) -> LocalModel:
    """The preset's local model ``g, σ, H, Σ``."""
    return preset(settings.preset, settings.N, settings.c, settings.kappa, settings.spread)


def B_grid(B_range: tuple[float, float]) -> np.ndarray:
    """``B_POINTS`` batch sizes log-spaced from 10^lo to 10^hi."""
    lo, hi = B_range
    return np.logspace(lo, hi, B_POINTS)


def absolute_eps(model: LocalModel, eps_rel: tuple[float, ...]) -> torch.Tensor:
    """ε = (ε / rms g) · rms g."""
    return torch.tensor(eps_rel, dtype=torch.float64) * model.rms_g


@memoised(max_bytes=32 * 2**20)
def curves(settings: CurveSettings) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(η*, ΔL, β)`` [E, B_POINTS] of one backend; β is the mean-update shrinkage
    :func:`~.softsign.mean_update_shrinkage`."""
    model = local_model(settings.model)
    eps = absolute_eps(model, settings.eps_rel)
    eta, dL = eta_curves(model, eps, torch.as_tensor(B_grid(settings.B_range)), settings.backend,
                         "collapsed" if settings.collapsed_path else "per_coordinate",
                         settings.kappa2_rule or "ratio_of_sums")
    beta = mean_update_shrinkage(model, eps, eta, dL)
    return eta.cpu().numpy(), dL.cpu().numpy(), beta.cpu().numpy()


@memoised(max_bytes=4 * 2**20)
def unit_noise_peaks(unit_model: ModelSettings, eps_rel: tuple[float, ...]):
    """Exact ``(B_peak, η_peak, η*(∞))`` per ε on the unit-noise model (NaN: no surge)."""
    model = local_model(unit_model)
    eps = absolute_eps(model, eps_rel)
    B_peak, eta_peak = find_peak(model, eps, method="auto")
    return B_peak.cpu().numpy(), eta_peak.cpu().numpy(), eta_infinity(model, eps).cpu().numpy()


def peaks(model: ModelSettings, eps_rel: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exact ``(B_peak, η_peak, η*(∞))`` per ε: :func:`unit_noise_peaks` with ``B_peak = κ² B_peak(κ = 1)``."""
    B_unit, eta_peak, eta_inf = unit_noise_peaks(model.unit_noise(), eps_rel)
    return B_unit * model.kappa ** 2, eta_peak, eta_inf


@memoised(max_bytes=2**20)
def unit_noise_thresholds(unit_model: ModelSettings) -> tuple[float, float]:
    """ε/rms g above which the surge disappears, ``(exact, approximate)``, on the unit-noise model."""
    unit = local_model(unit_model)
    return surge_threshold(unit, "exact") / unit.rms_g, surge_threshold(unit, "approximate") / unit.rms_g


def thresholds(model: ModelSettings) -> tuple[float, float]:
    """:func:`unit_noise_thresholds`: the signs of C and of Q − 2D do not depend on κ (C ∝ κ², Q and
    D are free of σ), so the unit-noise model serves every κ."""
    return unit_noise_thresholds(model.unit_noise())


@dataclass(frozen=True)
class Summary:
    """The readout's numbers: SGD scales, sign aggregates D = tr H and S_off = sᵀHs − D (s = sign g),
    β = √(D/S_off), the surge thresholds, and per ε the posts' collapsed peaks and B_dL, whether
    Q > 2D and the large-batch coefficient C."""
    scales: SGDScales
    D: float
    S_off: float
    beta: float
    eps_exact: float
    eps_approx: float
    peak_10563: np.ndarray
    peak_11280: np.ndarray
    BdL_10563: np.ndarray
    BdL_11280: np.ndarray
    Q2D: np.ndarray
    C: np.ndarray


@memoised(max_bytes=4 * 2**20)
def summary(model_settings: ModelSettings, eps_rel: tuple[float, ...], kappa2_rule: str) -> Summary:
    """The readout (:class:`Summary`) of a model and ε list."""
    model = local_model(model_settings)
    eps = absolute_eps(model, eps_rel)
    D = model.trace_H
    s = torch.sign(model.g)
    S_off = float(s @ model.H @ s) - D
    post_10563 = collapsed(model, eps, "pi_kappa2_over_2", kappa2_rule)
    post_11280 = collapsed(model, eps, "B_simple_eps")
    eps_exact, eps_approx = thresholds(model_settings)
    return Summary(sgd_scales(model), D, S_off, math.sqrt(D / S_off) if S_off > 0 else math.inf, eps_exact, eps_approx,
                   post_10563.B_peak.cpu().numpy(), post_11280.B_peak.cpu().numpy(),
                   post_10563.B_dL.cpu().numpy(), post_11280.B_dL.cpu().numpy(),
                   (post_11280.Q > 2 * D).cpu().numpy(), large_batch_coefficient(model, eps).cpu().numpy())


def fitted_B_dL(settings: CurveSettings) -> np.ndarray:
    """B_dL per ε fitted to the curves' ΔL(B): ``1/ΔL = 1/ΔL_max + (B_dL/ΔL_max)/B``."""
    _, dL, _ = curves(settings)
    B = B_grid(settings.B_range)
    fits = [fit_inverse_line(B, 1.0 / row) for row in dL]
    return np.array([q / p for p, q in fits])
