"""The two score models of 9812 and their moment-generating functions (brief §2.0, §2.2).

* ``normal``: sᵢ ~ N(0, 1) i.i.d. (q·k/√d with unit-variance components); α = 1 is the usual 1/√d.
* ``cosine``: s = cos∠(q, k) of independent uniform directions in ℝᵈ, density
  p(s) = (1 − s²)^{(d−3)/2} / B(½, (d−1)/2) on [−1, 1], Var s = 1/d; α is the inverse temperature.

Units: 8823/9034 write λ for the multiplier of the raw q·k with ‖q‖ = ‖k‖ = √d, so
α_normal = λ√d and α_cosine = λd; the temperature is 1/α.

For the cosine model every expectation is a log-space midpoint quadrature over θ (s = cos θ,
weight sin^{d−2}θ), valid for any d; SciPy/mpmath Bessel functions serve only as test oracles
(``scipy.special.ive`` underflows when α ≪ d).
"""
from __future__ import annotations

import math

import torch

from ..device import REAL, get_device

MODELS = ("normal", "cosine")
UNITS = ("alpha", "lambda", "temperature")
THETA_NODES = 2048
NORMAL_SPAN = 10.0  # P(|s| > 10) = 1.5e-23: beyond it no node carries weight at float64
RESOLUTION = 0.4  # nodes per unit of α·s: resolves the cutoff e^{−t e^{αs}} (trapezoid error ~ e^{−π²/0.4})
NEGLIGIBLE_LOG_WEIGHT = -55.0
MAX_ALPHA = 2e4  # θ-grid of π·α/0.4 nodes: ≤ 1.6·10⁵


def check_model(model: str, d: int) -> None:
    if model not in MODELS:
        raise ValueError(f"unknown score model {model!r}; choose one of {MODELS}")
    if model == "cosine" and (int(d) != d or d < 3):
        raise ValueError(f"the cosine model needs an integer dimension d >= 3, got {d}")


def to_alpha(value, unit: str, model: str, d: int):
    """The score multiplier α for a value given in ``unit``: ``alpha`` (itself), ``lambda``
    (multiplier of the raw q·k: α = λ√d normal, λd cosine) or ``temperature`` (α = 1/T)."""
    if unit == "alpha":
        return value
    if unit == "lambda":
        return value * (math.sqrt(d) if model == "normal" else d)
    if unit == "temperature":
        return 1.0 / value
    raise ValueError(f"unknown unit {unit!r}; choose one of {UNITS}")


def from_alpha(alpha, unit: str, model: str, d: int):
    """Inverse of :func:`to_alpha`."""
    if unit == "alpha":
        return alpha
    if unit == "lambda":
        return alpha / (math.sqrt(d) if model == "normal" else d)
    if unit == "temperature":
        return 1.0 / alpha if alpha != 0 else math.inf
    raise ValueError(f"unknown unit {unit!r}; choose one of {UNITS}")


def theta_grid(d: int, nodes: int = THETA_NODES, device=None) -> tuple[torch.Tensor, torch.Tensor]:
    """Cosine model on the θ-midpoint grid: nodes ``s_k = cos θ_k`` and normalised log weights
    ``(d − 2) ln sin θ_k − LSE`` (float64)."""
    device = device or get_device()
    theta = (torch.arange(nodes, dtype=REAL, device=device) + 0.5) * (math.pi / nodes)
    log_w = (d - 2) * torch.log(torch.sin(theta))
    return torch.cos(theta), log_w - torch.logsumexp(log_w, dim=0)


def score_grid(model: str, d: int, alpha_max: float, device=None) -> tuple[torch.Tensor, torch.Tensor]:
    """Quadrature nodes ``s_k`` and normalised log weights of one score's law, fine enough for
    integrands in ``e^{−t e^{αs}}`` up to ``alpha_max`` (spacing ≤ 0.4/α in s), with nodes of
    negligible weight (< e^{−55}) dropped. Normal: uniform on [−10, 10]; cosine: θ-midpoints."""
    check_model(model, d)
    device = device or get_device()
    if model == "normal":
        nodes = max(201, math.ceil(2 * NORMAL_SPAN * max(alpha_max, 1.0) / RESOLUTION) + 1)
        s = torch.linspace(-NORMAL_SPAN, NORMAL_SPAN, nodes, dtype=REAL, device=device)
        log_w = -0.5 * s ** 2
        log_w = log_w - torch.logsumexp(log_w, dim=0)
    else:
        nodes = max(THETA_NODES, math.ceil(math.pi * max(alpha_max, 1.0) / RESOLUTION))
        s, log_w = theta_grid(d, nodes, device)
    keep = log_w > log_w.max() + NEGLIGIBLE_LOG_WEIGHT
    return s[keep], log_w[keep]


def _tilted(alpha: torch.Tensor, d: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(ln M(α), A(α)) for the cosine model by θ-quadrature; α any shape, |α| ≤ ``MAX_ALPHA``."""
    top = float(alpha.abs().max())
    if top > MAX_ALPHA:
        raise ValueError(f"cosine moments are computed for |α| <= {MAX_ALPHA:g}, got {top:g}")
    s, log_w = theta_grid(d, max(THETA_NODES, math.ceil(math.pi * top / RESOLUTION)), alpha.device)
    exponent = alpha[..., None] * s + log_w
    log_m = torch.logsumexp(exponent, dim=-1)
    mean = (torch.softmax(exponent, dim=-1) * s).sum(dim=-1)
    return log_m, mean


def log_mgf(alpha, model: str = "normal", d: int = 128) -> torch.Tensor:
    """ln M(α) = ln E[e^{αs}]: α²/2 (normal); ln ₀F₁(; d/2; α²/4) by quadrature (cosine)."""
    check_model(model, d)
    alpha = torch.as_tensor(alpha, dtype=REAL, device=get_device())
    return alpha ** 2 / 2 if model == "normal" else _tilted(alpha, d)[0]


def tilted_mean(alpha, model: str = "normal", d: int = 128) -> torch.Tensor:
    """A(α) = (ln M)′(α), the mean of the tilted law ∝ e^{αs}p(s): α (normal); I_{d/2}(α)/I_{d/2−1}(α) (cosine)."""
    check_model(model, d)
    alpha = torch.as_tensor(alpha, dtype=REAL, device=get_device())
    return alpha.clone() if model == "normal" else _tilted(alpha, d)[1]


def log_r(alpha, model: str = "normal", d: int = 128) -> tuple[torch.Tensor, torch.Tensor]:
    """``(ln r, (ln r)′)`` with r(α) = M(2α)/M(α)², the mean-field n·Σp² of 9812 eq. approx."""
    alpha = torch.as_tensor(alpha, dtype=REAL, device=get_device())
    if model == "normal":
        check_model(model, d)
        return alpha ** 2, 2 * alpha
    both = torch.stack([2 * alpha, alpha])
    log_m, mean = _tilted(both, d)
    return log_m[0] - 2 * log_m[1], 2 * mean[0] - 2 * mean[1]


def mean_field_gap(alpha, model: str = "normal", d: int = 128) -> torch.Tensor:
    """G(α) = α A(α) − ln M(α) = KL(tilted ‖ score law), so that mean-field H ≈ ln n − G(α) (8823)."""
    alpha = torch.as_tensor(alpha, dtype=REAL, device=get_device())
    if model == "normal":
        return alpha ** 2 / 2
    check_model(model, d)
    log_m, mean = _tilted(alpha, d)
    return alpha * mean - log_m


def sample_scores(model: str, shape: tuple[int, ...], d: int = 128, seed: int = 0,
                  dtype=torch.float32, device=None) -> torch.Tensor:
    """I.i.d. scores: ``randn`` (normal) or ``2B − 1`` with B ~ Beta((d−1)/2, (d−1)/2) (cosine, exact
    and O(1) per score). Reproducible from ``seed``."""
    check_model(model, d)
    device = device or get_device()
    generator = torch.Generator(device=device).manual_seed(int(seed))
    if model == "normal":
        return torch.randn(shape, generator=generator, dtype=dtype, device=device)
    half = torch.full(shape, (d - 1) / 2, dtype=torch.float64, device=device)
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        torch.manual_seed(int(seed))
        g1, g2 = torch._standard_gamma(half), torch._standard_gamma(half)
    return (2 * g1 / (g1 + g2) - 1).to(dtype)


def sample_cosines_by_vectors(shape: tuple[int, ...], d: int, seed: int = 0, device=None) -> torch.Tensor:
    """Cosine scores the slow, literal way: cosines between independent normalised Gaussian
    vectors in ℝᵈ, O(d) per score (an independent path for testing :func:`sample_scores`)."""
    device = device or get_device()
    generator = torch.Generator(device=device).manual_seed(int(seed))
    q = torch.nn.functional.normalize(torch.randn((*shape, d), generator=generator, dtype=REAL, device=device), dim=-1)
    k = torch.nn.functional.normalize(torch.randn((*shape, d), generator=generator, dtype=REAL, device=device), dim=-1)
    return (q * k).sum(dim=-1)
