"""Optimal learning rate η*(B) of SignSGD and SoftSignSGD (Adam with ε inside the root) under
Gaussian gradient noise (posts 10542, 10563, 11280; brief §2.5–2.7).

Two paths from the per-coordinate moments (``a_i = g_i√B/σ_i``, ``b_i = ε√B/σ_i``):

* per coordinate: ``m_i = sign(g_i)|M1(a_i, b_i)|``, ``s_i = M2(a_i, b_i)`` and the exact identity
  ``η* = Σm_ig_i / (mᵀHm + Σ(s_i − m_i²)H_ii)`` (any backend of :mod:`.moments`);
* collapsed (the posts' closed forms): ``u_i = softsign(g_i, ε)``, ``P = Σu_ig_i``, ``Q = uᵀHu``,
  ``D = tr H``, ``β = (1 + K/B)^{-1/2}`` and ``η*(β) = βP/(D + β²(Q − D))``,
  ``ΔL = ΔL_max/(1 + B_dL/B)`` with ``ΔL_max = P²/(2Q)``, ``B_dL = KD/Q``; the surge peak
  ``B_peak = KD/(Q − 2D)`` exists iff ``Q > 2D``. ``K`` is ``πκ²/2`` (10542/10563, κ² an average of
  ``σ_i²/(g_i²+ε²)`` by a chosen rule) or ``B_simple^ε = trΣ/(gᵀg + Nε²)`` (11280).

The posts' "B_noise" is split into ``B_noise_sgd`` (:mod:`.expected_loss`), ``B_peak`` (where η*
peaks) and ``B_dL`` (the ΔL scale).
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import torch
from scipy.optimize import brentq

from ..device import to_core
from .moment_table import softsign_lookup
from .models import LocalModel
from .moments import sign_pair_moments, update_moments

KAPPA2_RULES = ("ratio_of_sums", "arithmetic_mean", "median")
K_RULES = ("pi_kappa2_over_2", "B_simple_eps")
COLLAPSE_RULE = {"erf_rational": "pi_kappa2_over_2", "mean_field": "B_simple_eps"}
SURGE_TOLERANCE = 1e-9
TABLE_ABOVE_PAIRS = 4000
FEW_PAIRS = 16  # up to this many distinct coordinate pairs, S = QᵀHQ by matrix products
SEARCH_LOG10_B = (-3.0, 8.0)
NEWTON_WIDTHS = (0.1, 0.01, 5e-4, 2e-5)  # central-difference widths in log₁₀B, one per Newton step


def softsign(x: torch.Tensor, eps) -> torch.Tensor:
    """``softsign(x, ε) = x/√(x² + ε²)``; ``ε = 0`` gives ``sign(x)``."""
    eps = torch.as_tensor(eps, dtype=x.dtype, device=x.device)
    return torch.where(eps > 0, x / torch.sqrt(x * x + eps * eps), torch.sign(x))


def _as(values, like: torch.Tensor) -> torch.Tensor:
    return torch.as_tensor(values, dtype=like.dtype, device=like.device)


def pair_moments(model: LocalModel, eps, B, backend: str = "exact", method: str = "auto",
                 update: str = "softsign") -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(M1, M2, inverse)``: the moments ``[*broadcast(eps, B), K]`` of the K distinct coordinate
    pairs ``(|g_i|/σ_i, 1/σ_i)`` (every coordinate of a pair has the same ``|m_i|`` and ``s_i``) and
    ``inverse`` [N], the pair of each coordinate. ``method``: ``auto`` (direct quadrature for few
    distinct pairs, the cached table for many), ``quadrature`` or ``table`` (exact backend only).
    ``update="adam"`` uses ε outside the root (exact backend)."""
    g, sigma = model.g, model.sigma
    eps, B = torch.broadcast_tensors(_as(eps, g), _as(B, g))
    pairs, inverse = torch.unique(torch.stack([g.abs() / sigma, 1.0 / sigma], dim=1), dim=0, return_inverse=True)
    root = B.sqrt()[..., None]
    a = pairs[:, 0] * root
    b = eps[..., None] * pairs[:, 1] * root
    if update == "adam":
        m1, m2 = update_moments(a, b, "adam")
    elif backend == "exact" and (method == "table" or (method == "auto" and a.numel() > TABLE_ABOVE_PAIRS)):
        m1, m2 = softsign_lookup(a, b)
    else:
        m1, m2 = update_moments(a, b, backend)
    return m1, m2, inverse


def coordinate_moments(model: LocalModel, eps, B, backend: str = "exact", method: str = "auto",
                       update: str = "softsign") -> tuple[torch.Tensor, torch.Tensor]:
    """``(m, s)`` of shape ``[*broadcast(eps, B), N]``: per-coordinate first and second moments of
    the update, ``m_i = sign(g_i)M1``, ``s_i = M2`` of the coordinate's pair (:func:`pair_moments`)."""
    m1, m2, inverse = pair_moments(model, eps, B, backend, method, update)
    return torch.sign(model.g) * m1[..., inverse], m2[..., inverse]


def per_coordinate_curve(model: LocalModel, eps, B, backend: str = "exact", method: str = "auto",
                         update: str = "softsign") -> tuple[torch.Tensor, torch.Tensor]:
    """``(η*, ΔL)`` over ``broadcast(eps, B)`` by the per-coordinate path, summed over the K
    distinct pairs instead of the N coordinates (exact; O(K²) per point instead of O(N²)): with
    ``m_i = sign(g_i)μ_k`` for the pair k of coordinate i, ``Σm_ig_i = Σ_k μ_k G_k``,
    ``mᵀHm = μᵀSμ`` and ``Σ(s_i − m_i²)H_ii = Σ_k (s_k − μ_k²)D_k``, where ``G_k = Σ_{i∈k}|g_i|``,
    ``D_k = Σ_{i∈k}H_ii`` and ``S_kl = Σ_{i∈k, j∈l} sign(g_i)sign(g_j)H_ij``."""
    m1, m2, inverse = pair_moments(model, eps, B, backend, method, update)
    G, D, S = _pair_sums(model, inverse, m1.shape[-1])
    gain = (m1 * G).sum(-1)
    curvature = ((m1 @ S) * m1).sum(-1) + ((m2 - m1 * m1).clamp(min=0.0) * D).sum(-1)
    return gain / curvature, gain * gain / (2.0 * curvature)


def _pair_sums(model: LocalModel, inverse: torch.Tensor, K: int) -> tuple[torch.Tensor, ...]:
    """``G_k``, ``D_k`` and ``S_kl`` of :func:`per_coordinate_curve`. ``S = QᵀHQ`` with
    ``Q_ik = sign(g_i)`` where coordinate i belongs to pair k: two matrix products for few pairs
    (O(N²K)), else summing the rows then the columns of ``diag(sign g) H diag(sign g)`` by pair (O(N²))."""
    g, H = model.g, model.H
    zeros = functools.partial(torch.zeros, dtype=g.dtype, device=g.device)
    G = zeros(K).index_add_(0, inverse, g.abs())
    D = zeros(K).index_add_(0, inverse, torch.diagonal(H))
    signs = torch.sign(g)
    if K <= FEW_PAIRS:
        Q = zeros(model.N, K).index_put_((torch.arange(model.N, device=g.device), inverse), signs)
        return G, D, Q.T @ (H @ Q)
    rows = zeros(K, model.N).index_add_(0, inverse, signs[:, None] * H * signs[None, :])
    return G, D, zeros(K, K).index_add_(1, inverse, rows)


def kappa_squared(model: LocalModel, eps: torch.Tensor, rule: str = "ratio_of_sums") -> torch.Tensor:
    """κ² per ε: an average of ``σ_i²/(g_i²+ε²)``. ``ratio_of_sums`` = ``Σσ_i²/Σ(g_i²+ε²)`` (robust);
    ``arithmetic_mean`` (dominated by the smallest |g_i|; brief §9.3) or ``median``."""
    sigma2 = model.sigma ** 2
    denominator = model.g[None, :] ** 2 + eps[:, None] ** 2
    if rule == "ratio_of_sums":
        return sigma2.sum() / denominator.sum(-1)
    ratios = sigma2[None, :] / denominator
    if rule == "arithmetic_mean":
        return ratios.mean(-1)
    if rule == "median":
        return ratios.median(-1).values
    raise ValueError(f"unknown κ² rule {rule!r}; choose one of {KAPPA2_RULES}")


def noise_constant(model: LocalModel, eps: torch.Tensor, K_rule: str,
                   kappa2_rule: str = "ratio_of_sums") -> torch.Tensor:
    """``K`` of ``β = (1 + K/B)^{-1/2}``: ``πκ²/2`` (10542/10563) or
    ``B_simple^ε = trΣ/(gᵀg + Nε²)`` (11280)."""
    if K_rule == "pi_kappa2_over_2":
        return math.pi / 2 * kappa_squared(model, eps, kappa2_rule)
    if K_rule == "B_simple_eps":
        return model.trace_Sigma / ((model.g ** 2).sum() + model.N * eps ** 2)
    raise ValueError(f"unknown K rule {K_rule!r}; choose one of {K_RULES}")


@dataclass(frozen=True)
class Collapsed:
    """The collapsed (β) description per ε: ``P``, ``Q``, ``D``, ``K`` (tensors [E])."""

    P: torch.Tensor
    Q: torch.Tensor
    D: float
    K: torch.Tensor

    def eta_star(self, B: torch.Tensor) -> torch.Tensor:
        """``η*(B) = βP/(D + β²(Q − D))`` over ``[E, nB]``."""
        B = to_core(B, self.K)
        beta2 = 1.0 / (1.0 + self.K[:, None] / B[None, :])
        return beta2.sqrt() * self.P[:, None] / (self.D + beta2 * (self.Q - self.D)[:, None])

    def loss_decrease(self, B: torch.Tensor) -> torch.Tensor:
        """``ΔL(B) = ΔL_max/(1 + B_dL/B)``, ``ΔL_max = P²/(2Q)``."""
        B = to_core(B, self.K)
        return (self.P ** 2 / (2 * self.Q))[:, None] / (1.0 + self.B_dL[:, None] / B[None, :])

    @property
    def B_dL(self) -> torch.Tensor:
        """``B_dL = KD/Q`` (10542's "B_noise-2", 11280's "B_noise")."""
        return self.K * self.D / self.Q

    @property
    def B_peak(self) -> torch.Tensor:
        """``B_peak = KD/(Q − 2D)`` where ``Q > 2D`` (an interior maximum in β ∈ (0,1)), else NaN."""
        excess = self.Q - 2 * self.D
        return torch.where(excess > 0, self.K * self.D / excess.clamp(min=1e-300), torch.full_like(excess, math.nan))

    @property
    def eta_peak(self) -> torch.Tensor:
        """``P/(2√(D(Q − D)))`` where there is a peak, else NaN."""
        value = self.P / (2 * torch.sqrt(self.D * (self.Q - self.D).clamp(min=1e-300)))
        return torch.where(self.Q > 2 * self.D, value, torch.full_like(value, math.nan))


def collapsed(model: LocalModel, eps, K_rule: str = "B_simple_eps", kappa2_rule: str = "ratio_of_sums") -> Collapsed:
    """The collapsed quantities of ``model`` at each ε."""
    eps = _as(eps, model.g).reshape(-1)
    u = softsign(model.g[None, :], eps[:, None])
    Q = ((u @ model.H) * u).sum(-1)
    return Collapsed((u * model.g).sum(-1), Q, model.trace_H, noise_constant(model, eps, K_rule, kappa2_rule))


def eta_infinity(model: LocalModel, eps) -> torch.Tensor:
    """``η*(B→∞) = P₀/Q₀`` with ``u = softsign(g, ε)`` (every backend's limit)."""
    eps = _as(eps, model.g).reshape(-1)
    u = softsign(model.g[None, :], eps[:, None])
    return (u * model.g).sum(-1) / ((u @ model.H) * u).sum(-1)


def mean_update_shrinkage(model: LocalModel, eps, eta: torch.Tensor, dL: torch.Tensor) -> torch.Tensor:
    """The batch-size factor β of the posts, read off any path's curves: ``β(B) = E[ũ]ᵀg / uᵀg``
    with ``u = softsign(g, ε)`` (how much gradient noise shrinks the mean update along g). The
    collapsed path assumes ``E ũ = βu`` with ``β = (1 + K/B)^{-1/2}`` (10542 (24), 10563 (10),
    11280 (4)); ``ε = 0`` per coordinate on a homogeneous model gives ``erf(a/√2)``. Since
    ``η* = E[ũ]ᵀg/den`` and ``ΔL = (E[ũ]ᵀg)²/(2den)``: ``β = 2ΔL/(η* P₀)``, ``P₀ = uᵀg``. ``eta``,
    ``dL``: ``[E, nB]``."""
    eps = _as(eps, model.g).reshape(-1)
    P0 = (softsign(model.g[None, :], eps[:, None]) * model.g).sum(-1)
    return 2.0 * dL / (eta * P0[:, None])


def eta_curves(model: LocalModel, eps, B, backend: str = "exact", path: str = "per_coordinate",
               kappa2_rule: str = "ratio_of_sums", method: str = "auto") -> tuple[torch.Tensor, torch.Tensor]:
    """``(η*, ΔL)`` of shape ``[E, nB]`` for a backend and path (the collapsed path applies to
    ``erf_rational`` (K = πκ²/2) and ``mean_field`` (K = B_simple^ε); others stay per coordinate)."""
    eps, B = _as(eps, model.g).reshape(-1), _as(B, model.g).reshape(-1)
    if path == "collapsed" and backend in COLLAPSE_RULE:
        description = collapsed(model, eps, COLLAPSE_RULE[backend], kappa2_rule)
        return description.eta_star(B), description.loss_decrease(B)
    return per_coordinate_curve(model, eps[:, None], B[None, :], backend, method)


def find_peak(model: LocalModel, eps, backend: str = "exact", grid_points: int = 45,
              method: str = "quadrature") -> tuple[torch.Tensor, torch.Tensor]:
    """``(B_peak, η_peak)`` per ε by the per-coordinate path: grid argmax over x = log₁₀B ∈ [−3, 8],
    then Newton steps on ``dη*/dx = 0`` with central differences of shrinking width h (one batched
    evaluation of ``x − h, x, x + h`` per step, vectorised over ε), kept inside the grid bracket.
    NaN where there is no interior maximum above ``η*(∞)(1 + 1e-9)`` (no surge, or a peak outside
    the search range)."""
    eps = _as(eps, model.g).reshape(-1)
    log_grid = torch.linspace(*SEARCH_LOG10_B, grid_points, dtype=eps.dtype, device=eps.device)
    eta_grid, _ = per_coordinate_curve(model, eps[:, None], 10 ** log_grid[None, :], backend, method)
    index = eta_grid.argmax(-1).clamp(1, grid_points - 2)
    lo, hi, x = log_grid[index - 1], log_grid[index + 1], log_grid[index]

    def eta_at(log_B):
        return per_coordinate_curve(model, eps[:, None], 10 ** log_B, backend, method)[0]

    offsets = torch.tensor([-1.0, 0.0, 1.0], dtype=eps.dtype, device=eps.device)
    for h in NEWTON_WIDTHS:
        below, middle, above = eta_at(x[:, None] + h * offsets).unbind(-1)
        curvature = above - 2 * middle + below
        concave = curvature < 0
        step = torch.where(concave, -0.5 * h * (above - below) / torch.where(concave, curvature, -1.0),
                           torch.zeros_like(x))
        x = torch.minimum(torch.maximum(x + step, lo), hi)
    eta_peak = eta_at(x[:, None])[:, 0]
    interior = (eta_grid.argmax(-1) > 0) & (eta_grid.argmax(-1) < grid_points - 1)
    surge = (eta_peak > eta_infinity(model, eps) * (1 + SURGE_TOLERANCE)) & interior
    nan = torch.full_like(eta_peak, math.nan)
    return torch.where(surge, 10 ** x, nan), torch.where(surge, eta_peak, nan)


def large_batch_coefficient(model: LocalModel, eps) -> torch.Tensor:
    """``C`` in ``η*(B) = η*(∞)[1 + C/B + O(B⁻²)]`` (delta method; brief §2.6): with
    ``f = softsign(·, ε)``, ``u = f(g)``, ``P₀ = Σu_ig_i``, ``Q₀ = uᵀHu``,
    ``C = Σf''(g_i)σ_i²g_i/(2P₀) − [Σ_j(Hu)_j f''(g_j)σ_j² + Σ_i f'(g_i)²σ_i²H_ii]/Q₀``,
    ``f'(x) = ε²/(x²+ε²)^{3/2}``, ``f''(x) = −3ε²x/(x²+ε²)^{5/2}``. C > 0 means η* approaches its limit
    from above (a surge). ``ε = 0`` gives 0 (the sign corrections are exponentially small in B)."""
    eps = _as(eps, model.g).reshape(-1)[:, None]
    g, sigma2 = model.g[None, :], model.sigma[None, :] ** 2
    r2 = g * g + eps * eps
    safe = torch.where(r2 > 0, r2, torch.ones_like(r2))
    u = softsign(g, eps)
    f1 = eps ** 2 / safe.pow(1.5)
    f2 = -3 * eps ** 2 * g / safe.pow(2.5)
    P0 = (u * g).sum(-1)
    Hu = u @ model.H
    Q0 = (Hu * u).sum(-1)
    mean_shift = (f2 * sigma2 * g).sum(-1) / (2 * P0)
    curvature_shift = ((Hu * f2 * sigma2).sum(-1) + (f1 ** 2 * sigma2 * model.diag_H).sum(-1)) / Q0
    C = mean_shift - curvature_shift
    return torch.where(eps[:, 0] > 0, C, torch.zeros_like(C))


def _last_switch(criterion, model: LocalModel, lo: float = 1e-3, hi: float = 1e3, points: int = 121,
                 rel_tol: float = 1e-13) -> float:
    """The largest ε (in units of rms g) where ``criterion(ε) > 0`` turns ≤ 0: a log scan (one
    batched evaluation), then Brent's method (``scipy.optimize.brentq``, scalar evaluations) in the
    last bracket, to ``rel_tol``; NaN when the criterion is never positive on the scan, inf when it
    is still positive at ``hi``."""
    rms = model.rms_g
    grid = torch.logspace(math.log10(lo), math.log10(hi), points, dtype=model.g.dtype, device=model.g.device) * rms
    positive = criterion(grid) > 0
    if not bool(positive.any()):
        return math.nan
    last = int(torch.nonzero(positive)[-1])
    if last == points - 1:
        return math.inf
    left, right = float(grid[last]), float(grid[last + 1])
    return brentq(lambda eps: float(criterion(_as([eps], model.g))[0]), left, right, xtol=rel_tol * left)


def surge_threshold(model: LocalModel, criterion: str = "exact") -> float:
    """The ε above which the surge disappears: ``exact`` = sign change of the large-B coefficient
    C (exact moments), ``approximate`` = ``Q(ε) = 2D`` (the posts' collapsed criterion)."""
    if criterion == "exact":
        return _last_switch(lambda e: large_batch_coefficient(model, e), model)
    if criterion == "approximate":
        return _last_switch(lambda e: collapsed(model, e).Q - 2 * model.trace_H, model)
    raise ValueError(f"unknown criterion {criterion!r}; choose exact or approximate")


def sign_aligned_spike_peak(N: int, c: float, kappa: float, g0: float = 1.0, h0: float = 1.0) -> tuple[float, float]:
    """Closed form for exact SignSGD on the aligned-spike model: ``m = erf(√B/(κ√2))`` is shared by all
    coordinates, η* peaks where ``m = β_noise = √((N+c)/(c(N−1)))``: ``B_peak = 2κ²erfinv(β_noise)²``,
    ``η_peak = N g₀/(2h₀√((N+c)c(N−1)))`` (NaN when β_noise ≥ 1)."""
    beta_noise = math.sqrt((N + c) / (c * (N - 1))) if c > 0 else math.inf
    if beta_noise >= 1:
        return math.nan, math.nan
    erfinv = float(torch.special.erfinv(torch.tensor(beta_noise, dtype=torch.float64)))
    return 2 * kappa ** 2 * erfinv ** 2, N * g0 / (2 * h0 * math.sqrt((N + c) * c * (N - 1)))


__all__ = ["softsign", "coordinate_moments", "per_coordinate_curve", "kappa_squared", "noise_constant", "Collapsed",
           "collapsed", "eta_infinity", "mean_update_shrinkage", "eta_curves", "find_peak", "large_batch_coefficient",
           "surge_threshold", "sign_aligned_spike_peak"]


def sign_eta_correlated(model: LocalModel, B) -> torch.Tensor:
    """SignSGD's η*(B) without the independence assumption (brief §2.7 extension), for a model
    with the full per-example covariance Σ: ``η* = Σ_i m_ig_i / Σ_ij E[s_is_j]H_ij`` with
    ``m_i = erf(a_i/√2)`` and the pair moments from bivariate normal orthant probabilities."""
    if model.Sigma is None:
        raise ValueError("the correlated sign moments need the full covariance Σ")
    B = _as(B, model.g).reshape(-1)
    sigma = torch.diagonal(model.Sigma).sqrt()
    corr = model.Sigma / torch.outer(sigma, sigma)
    tau = sigma / B.sqrt()[:, None]
    pairs = sign_pair_moments(model.g.expand_as(tau), tau, corr)
    m = torch.special.erf(model.g * B.sqrt()[:, None] / (sigma * math.sqrt(2.0)))
    return (m * model.g).sum(-1) / (pairs * model.H).sum((-2, -1))
