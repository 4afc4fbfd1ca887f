"""Per-coordinate moments of one update coordinate under Gaussian gradient noise.

One coordinate of the batch gradient is ``g̃ = g + σ z/√B`` with ``z ~ N(0, 1)``. In the
dimensionless variables ``a = g√B/σ`` (signal-to-noise) and ``b = ε√B/σ`` the update
``softsign(g̃, ε) = g̃/√(g̃² + ε²)`` equals ``y/√(y² + b²)`` with ``y ~ N(a, 1)``, so every
moment is a function of ``(a, b)`` only:

* ``M1(a, b) = E[y/√(y²+b²)]`` (odd in a) and ``M2(a, b) = E[y²/(y²+b²)]`` (even in a);
  ``b = 0`` is SignSGD: ``M1 = erf(a/√2)``, ``M2 = 1``.

Backends (all take broadcastable float64 tensors ``a``, ``b ≥ 0`` and return ``(M1, M2)``):

* ``exact``: quadrature of the Laplace representations (smooth positive integrands, no kink)
  ``M1 = (2/√π)·a·∫₀^∞ exp(−b²s² − a²s²/(1+2s²)) (1+2s²)^{-3/2} ds`` and
  ``M2 = ∫₀^∞ exp(−b²t − a²t/(1+2t)) (1+2t)^{-3/2} (1 + a²/(1+2t)) dt``, by the trapezoid rule
  in ``ξ = ln s`` (step 0.15) and ``ξ = ln t`` (step 0.25) (exponentially convergent);
* ``clip``: closed forms ``C1, C2`` of ``clip(y/b, −1, 1)`` (post 10563 (8); ``C2`` derived in the brief);
* ``erf_rational``: posts 10542/10563, ``M1 ≈ a/√(a²+b²+π/2)``, ``M2 ≈ 1 − b²/(a²+b²+π/2)``;
* ``mean_field``: post 11280, ``M1 ≈ a/√(a²+1+b²)``, ``M2 ≈ (a²+1)/(a²+1+b²)``;
* ``adam``: real Adam with β₁ = β₂ = 0 and ε outside the root, ``y/(|y| + b)`` (not a post's map),
  by composite Gauss–Legendre quadrature refined geometrically around the kink at ``y = 0``.

:func:`kink_quadrature` is that composite rule for any odd map; it also gives an independent
check of the Laplace route for softsign.
"""
from __future__ import annotations

import math

import numpy as np
import torch

BACKENDS = ("exact", "clip", "erf_rational", "mean_field")
UPDATE_MAPS = ("sign", "softsign", "adam")
M1_STEP = 0.15  # trapezoid step in ξ = ln s: |ΔM1| ~ 1e-14 (0.25 gives ~5e-9)
M2_STEP = 0.25  # in ξ = ln t: relative ΔM2 ~ 1e-15
CHUNK_PAIRS = 8192
CLIP_SERIES_BELOW = 1e-4
SQRT2 = math.sqrt(2.0)
SQRT_2PI = math.sqrt(2.0 * math.pi)


def normal_pdf(x: torch.Tensor) -> torch.Tensor:
    """Standard normal density φ(x)."""
    return torch.exp(-0.5 * x * x) / SQRT_2PI


def sign_moments(a: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """SignSGD: ``E sign(y) = erf(a/√2)``, ``E sign² = 1`` (post 10542 (16))."""
    return torch.special.erf(a / SQRT2), torch.ones_like(a)


def _laplace_grid(b_min: float, b_max: float, power: int, step: float, like: torch.Tensor) -> torch.Tensor:
    """Nodes ``ξ`` of the trapezoid rule covering every ``b`` in ``[b_min, b_max]``: from where
    the integrand is ~e^{-40} below the peak at small s up to where ``exp(-b_min² s^power)`` is
    negligible (``power``: 1 for M1 in s, 2 for M2 in t = s²)."""
    lo = -power * max(math.log(b_max), 0.0) - 40.0
    hi = power * max(-math.log(b_min), 0.0) + 5.0
    count = int(math.ceil((hi - lo) / step)) + 1
    return lo + step * torch.arange(count, dtype=like.dtype, device=like.device)


def _laplace_flat(a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Laplace-representation M1, M2 for 1-D ``a``, ``b > 0`` (one chunk)."""
    b_min, b_max = float(b.min()), float(b.max())
    a2, b2 = (a * a)[:, None], (b * b)[:, None]
    s2 = torch.exp(2.0 * _laplace_grid(b_min, b_max, 1, M1_STEP, a))[None, :]
    one_2s2 = 1.0 + 2.0 * s2
    m1 = torch.exp(-b2 * s2 - a2 * s2 / one_2s2) * one_2s2.pow(-1.5) * s2.sqrt()
    m1 = (2.0 / math.sqrt(math.pi)) * a * M1_STEP * m1.sum(-1)
    t = torch.exp(_laplace_grid(b_min, b_max, 2, M2_STEP, a))[None, :]
    one_2t = 1.0 + 2.0 * t
    m2 = torch.exp(-b2 * t - a2 * t / one_2t) * one_2t.pow(-1.5) * (1.0 + a2 / one_2t) * t
    return m1, M2_STEP * m2.sum(-1)


def _chunked(fn, a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Apply ``fn`` (1-D → 1-D pairs) to broadcast ``a``, ``b`` in chunks of CHUNK_PAIRS pairs
    (bounded memory: a chunk's integrand is CHUNK_PAIRS × nodes)."""
    a, b = torch.broadcast_tensors(a, b)
    flat_a, flat_b = a.reshape(-1), b.reshape(-1)
    parts = [fn(flat_a[i:i + CHUNK_PAIRS], flat_b[i:i + CHUNK_PAIRS]) for i in range(0, flat_a.numel(), CHUNK_PAIRS)]
    if not parts:
        return a.clone(), a.clone()
    return torch.cat([p[0] for p in parts]).reshape(a.shape), torch.cat([p[1] for p in parts]).reshape(a.shape)


def _route_sign(fn, a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``fn(a, b)`` where ``b > 0``, sign moments where ``b == 0`` (the integrals need b > 0)."""
    a, b = torch.broadcast_tensors(a, b)
    positive = b > 0
    m1, m2 = sign_moments(a)
    if bool(positive.any()):
        p1, p2 = _chunked(fn, a[positive], b[positive])
        m1, m2 = m1.clone(), m2.clone()
        m1[positive], m2[positive] = p1, p2
    return m1, m2


def softsign_exact(a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Exact ``M1(a, b)``, ``M2(a, b)`` of softsign by the Laplace representations (module doc);
    |ΔM1| ≲ 1e-13 and relative ΔM2 ≲ 1e-14 against mpmath for a ∈ [−60, 60], b ∈ [1e-4, 1e4]."""
    return _route_sign(_laplace_flat, a, b)


def clip_moments(a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Closed forms of ``E clip(y/b, −1, 1)`` and ``E clip(y/b, −1, 1)²`` for ``y ~ N(a, 1)``:

    ``C1 = ½[erf((a+b)/√2) + erf((a−b)/√2)] + (a/2b)[erf((a+b)/√2) − erf((a−b)/√2)]
    + (e^{−(a+b)²/2} − e^{−(a−b)²/2})/(b√(2π))`` (post 10563 (8)) and, with
    ``Δ = ½[erf((a+b)/√2) − erf((a−b)/√2)]``,
    ``C2 = 1 − Δ + [(a²+1)Δ + (a−b)φ(a+b) − (a+b)φ(a−b)]/b²``.
    Series for ``b < 1e-4`` (``C1 ≈ erf(a/√2) − aφ(a)b²/3``, ``C2 ≈ 1 − (4/3)φ(a)b``) and the
    exact ``a/b``, ``(a²+1)/b²`` when the whole mass lies inside ``|y| < b`` (``|a| + 9 < b``)."""
    a, b = torch.broadcast_tensors(a, b)
    safe_b = torch.where(b > CLIP_SERIES_BELOW, b, torch.ones_like(b))
    plus, minus = torch.special.erf((a + safe_b) / SQRT2), torch.special.erf((a - safe_b) / SQRT2)
    delta = 0.5 * (plus - minus)
    c1 = 0.5 * (plus + minus) + a / safe_b * delta + (normal_pdf(a + safe_b) - normal_pdf(a - safe_b)) / safe_b
    c2 = 1.0 - delta + ((a * a + 1.0) * delta + (a - safe_b) * normal_pdf(a + safe_b)
                        - (a + safe_b) * normal_pdf(a - safe_b)) / safe_b ** 2
    small = b <= CLIP_SERIES_BELOW
    phi = normal_pdf(a)
    c1 = torch.where(small, torch.special.erf(a / SQRT2) - a * phi * b * b / 3.0, c1)
    c2 = torch.where(small, 1.0 - 4.0 / 3.0 * phi * b, c2)
    inside = a.abs() + 9.0 < b
    c1 = torch.where(inside, a / safe_b, c1)
    c2 = torch.where(inside, (a * a + 1.0) / safe_b ** 2, c2)
    return c1, c2


def erf_rational_moments(a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Posts 10542 (18) / 10563 (9), (12): ``M1 ≈ a/√(a²+b²+π/2)``, ``M2 ≈ 1 − b²/(a²+b²+π/2)``."""
    denominator = a * a + b * b + math.pi / 2
    return a / denominator.sqrt(), 1.0 - b * b / denominator


def mean_field_moments(a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Post 11280 (21)–(22), ``E[x/√x²] ≈ E x/√(E x²)``:
    ``M1 ≈ a/√(a²+1+b²)``, ``M2 ≈ (a²+1)/(a²+1+b²)``."""
    denominator = a * a + 1.0 + b * b
    return a / denominator.sqrt(), (a * a + 1.0) / denominator


_GAUSS_LEGENDRE = np.polynomial.legendre.leggauss(8)


def _kink_flat(phi, a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Composite 8-point Gauss–Legendre of ``E φ(y)``, ``E φ(y)²`` over ``[a−12, a+12]``: 48
    uniform panels plus panel edges ``0, ±b·2^k`` (k = 0..K, up to |y| ≈ 2) that resolve the kink of
    width b at the origin; edges outside the interval collapse onto its ends (empty panels)."""
    like = a
    b_min = float(b.min())
    levels = max(1, int(math.ceil(math.log2(2.0 / b_min))) + 1) if b_min < 2 else 1
    powers = 2.0 ** torch.arange(levels, dtype=like.dtype, device=like.device)
    geometric = b[:, None] * powers[None, :]
    geometric = geometric.clamp(max=2.0)
    uniform = a[:, None] + torch.linspace(-12.0, 12.0, 49, dtype=like.dtype, device=like.device)[None, :]
    edges = torch.cat([uniform, geometric, -geometric, torch.zeros_like(a)[:, None]], dim=1)
    edges = torch.minimum(torch.maximum(edges, uniform[:, :1]), uniform[:, -1:]).sort(dim=1).values
    nodes, weights = (torch.as_tensor(v, dtype=like.dtype, device=like.device) for v in _GAUSS_LEGENDRE)
    left, right = edges[:, :-1, None], edges[:, 1:, None]
    half = 0.5 * (right - left)
    y = left + half * (1.0 + nodes)
    w = half * weights * normal_pdf(y - a[:, None, None])
    values = phi(y, b[:, None, None])
    return (w * values).sum((1, 2)), (w * values * values).sum((1, 2))


def kink_quadrature(phi, a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``(E φ(y, b), E φ(y, b)²)`` for ``y ~ N(a, 1)`` and a map ``φ`` with a kink of width ``b > 0``
    at ``y = 0`` (vectorised over pairs; see :func:`_kink_flat`)."""
    return _chunked(lambda x, y: _kink_flat(phi, x, y), a, b)


def adam_map(y: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Real Adam's first step with β₁ = β₂ = 0: ``y/(|y| + b)`` (ε outside the square root)."""
    return y / (y.abs() + b)


def softsign_map(y: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``softsign(y, b) = y/√(y² + b²)`` (post 10563 (1))."""
    return y / torch.sqrt(y * y + b * b)


def adam_moments(a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``E[y/(|y|+b)]`` and ``E[y²/(|y|+b)²]`` (Adam with ε outside the root), by
    :func:`kink_quadrature`; ``b = 0`` gives the sign moments."""
    return _route_sign(lambda x, y: _kink_flat(adam_map, x, y), a, b)


_MOMENTS = {"exact": softsign_exact, "clip": clip_moments, "erf_rational": erf_rational_moments,
            "mean_field": mean_field_moments, "adam": adam_moments}


def update_moments(a: torch.Tensor, b: torch.Tensor, backend: str = "exact") -> tuple[torch.Tensor, torch.Tensor]:
    """``(M1, M2)`` of the update coordinate at ``(a, b)`` by ``backend`` (one of :data:`BACKENDS`
    or ``"adam"``). Every backend gives the sign moments at ``b = 0`` except the approximations,
    which give their own ε = 0 forms (``clip`` reaches the sign moments through its small-b series)."""
    try:
        fn = _MOMENTS[backend]
    except KeyError:
        raise ValueError(f"unknown moment backend {backend!r}; choose one of {sorted(_MOMENTS)}") from None
    return fn(*torch.broadcast_tensors(a, b))


_GL48 = np.polynomial.legendre.leggauss(48)


def bivariate_normal_cdf(h: torch.Tensor, k: torch.Tensor, rho: torch.Tensor) -> torch.Tensor:
    """``Φ₂(h, k; ρ) = P(X ≤ h, Y ≤ k)`` for a standard bivariate normal with correlation ρ, by
    ``Φ(h)Φ(k) + (1/2π)∫₀^{arcsin ρ} exp(−(h² + k² − 2hk sin θ)/(2cos²θ)) dθ`` (the substitution
    ``r = sin θ`` removes the 1/√(1−r²) singularity), 48-point Gauss–Legendre; broadcast inputs."""
    h, k, rho = torch.broadcast_tensors(h, k, rho)
    nodes, weights = (torch.as_tensor(v, dtype=h.dtype, device=h.device) for v in _GL48)
    top = torch.asin(rho.clamp(-1.0, 1.0))[..., None]
    theta = 0.5 * top * (nodes + 1.0)
    cos2 = torch.cos(theta) ** 2
    hh, kk = h[..., None], k[..., None]
    exponent = -(hh ** 2 + kk ** 2 - 2 * hh * kk * torch.sin(theta)) / (2 * cos2)
    integral = 0.5 * top[..., 0] * (weights * torch.exp(exponent)).sum(-1)
    return torch.special.ndtr(h) * torch.special.ndtr(k) + integral / (2 * math.pi)


def sign_pair_moments(mu: torch.Tensor, tau: torch.Tensor, corr: torch.Tensor) -> torch.Tensor:
    """``E[sign X_i sign X_j]`` for a Gaussian vector with means ``mu`` [..., N], standard
    deviations ``tau`` [..., N] and correlation matrix ``corr`` [N, N]:
    ``4Φ₂(μ_i/τ_i, μ_j/τ_j; ρ_ij) − 2Φ(μ_i/τ_i) − 2Φ(μ_j/τ_j) + 1`` (1 on the diagonal)."""
    z = mu / tau
    zi, zj = z[..., :, None], z[..., None, :]
    pairs = 4 * bivariate_normal_cdf(zi, zj, corr) - 2 * torch.special.ndtr(zi) - 2 * torch.special.ndtr(zj) + 1
    eye = torch.eye(mu.shape[-1], dtype=torch.bool, device=mu.device)
    return torch.where(eye, torch.ones_like(pairs), pairs)
