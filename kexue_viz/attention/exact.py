"""Exact expectations over i.i.d. scores, by an n-independent quadrature (brief §2.3).

With 1/Z² = ∫₀^∞ t e^{−tZ} dt, independence and φ(t) = E[e^{−t e^{αs}}]:

* E[Σpᵢ²]  = n ∫₀^∞ t · E[e^{2αs − t e^{αs}}] · φ(t)^{n−1} dt
* E[ln Z]  = ∫₀^∞ (e^{−t} − φ(t)ⁿ) / t dt                              (Frullani)
* E[Σpᵢsᵢ] = n ∫₀^∞ E[s e^{αs − t e^{αs}}] · φ(t)^{n−1} dt
* E[H]     = E[ln Z] − α E[Σpᵢsᵢ]

Each is a (score nodes × v nodes) sum with t = eᵛ, so its cost does not depend on n. The score
law is the quadrature measure of :func:`.scores.score_grid` (spacing ≤ 0.4/α in s); the v-grid
is uniform with spacing ≤ 0.3 (the trapezoid rule converges exponentially on these analytic
integrands) over [−ln n − ½ ln M(2α) − 30, −α s_min + 5]; all sums are taken in log space in
float64, and ln φ uses ``log1p`` of the complement while φ is near 1.

The large-α limit of the mean objective α E[1 − Σp²] is L(n) = n(n−1)∫ p(s)² F(s)^{n−2} ds, the
density at 0 of the gap between the two largest scores (:func:`objective_limit`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from ..device import REAL, get_device
from .scores import check_model, score_grid, theta_grid

V_STEP = 0.3
V_MARGIN_LOW = 30.0
V_MARGIN_HIGH = 5.0
CHUNK_ELEMENTS = 2 ** 22
GRID_REUSE = 1.25
LIMIT_NODES = 20001


@dataclass(frozen=True)
class ExactStats:
    """Exact expectations for pairs (α, n): E[Σp²], E[H], E[ln Z] and the mean ½L1 objective."""
    alpha: torch.Tensor
    n: torch.Tensor
    sum_p2: torch.Tensor
    entropy: torch.Tensor
    log_z: torch.Tensor

    @property
    def objective(self) -> torch.Tensor:
        """E[α(1 − Σp²)]."""
        return self.alpha * (1 - self.sum_p2)


def _v_range(alpha, n, s, log_w):
    """Integration range in v = ln t per pair: below it the integrands are ≤ e^{−30} of their
    scale (small-t expansion), above it e^{−t e^{α s_min}} ≤ e^{−e⁵}."""
    log_m2 = torch.logsumexp(2 * alpha[:, None] * s + log_w, dim=-1)
    return -torch.log(n) - 0.5 * log_m2 - V_MARGIN_LOW, -alpha * s.min() + V_MARGIN_HIGH


def _chunk_stats(alpha, n, s, log_w):
    """Integrals for one chunk: ``alpha``, ``n`` shape (A,), grid ``s``, ``log_w`` shape (K,)."""
    u = alpha[:, None] * s  # (A, K)
    v_lo, v_hi = _v_range(alpha, n, s, log_w)
    V = int(math.ceil(float((v_hi - v_lo).max()) / V_STEP)) + 1
    steps = (v_hi - v_lo) / (V - 1)  # (A,)
    v = v_lo[:, None] + steps[:, None] * torch.arange(V, dtype=REAL, device=s.device)  # (A, V)
    e = torch.exp(torch.clamp(v[:, :, None] + u[:, None, :], max=700.0))  # t e^{αs}, (A, V, K)
    w = log_w.exp()
    complement = (w * -torch.expm1(-e)).sum(dim=-1)  # 1 − φ
    log_phi = torch.where(complement < 0.5, torch.log1p(-torch.clamp(complement, max=0.5)),
                          torch.logsumexp(log_w - e, dim=-1))
    n_col = n[:, None]
    rest = torch.where(n_col > 1, (n_col - 1) * log_phi, torch.zeros_like(log_phi))  # ln φ^{n−1}
    log_n = torch.log(n_col)
    p2 = torch.exp(log_n + 2 * v + torch.logsumexp(log_w + 2 * u[:, None, :] - e, dim=-1) + rest)
    tilted = log_w + u[:, None, :] - e
    ps = torch.exp(log_n + v + torch.logsumexp(tilted, dim=-1) + rest) * (torch.softmax(tilted, dim=-1) * s).sum(-1)
    lz = -torch.expm1(n_col * log_phi) + torch.expm1(-torch.exp(v))
    weight = steps[:, None]
    return (p2 * weight).sum(-1), (lz * weight).sum(-1), (ps * weight).sum(-1)


def expected_stats(alpha, n, model: str = "normal", d: int = 128) -> ExactStats:
    """Exact E[Σp²], E[ln Z], E[H] for each pair ``(alpha[i], n[i])`` (broadcast 1-D, n ≥ 1).
    Pairs are processed in α order, in chunks that share one score grid (≤ 4 M elements each)."""
    check_model(model, d)
    device = get_device()
    alpha, n = torch.broadcast_tensors(torch.as_tensor(alpha, dtype=REAL, device=device).reshape(-1),
                                       torch.as_tensor(n, dtype=REAL, device=device).reshape(-1))
    if bool((n < 1).any()) or bool((alpha < 0).any()):
        raise ValueError("expected_stats needs n >= 1 and alpha >= 0")
    order = torch.argsort(alpha)
    sum_p2, log_z, ps = (torch.empty_like(alpha) for _ in range(3))
    start = 0
    while start < len(order):
        limit = max(1.0, GRID_REUSE * float(alpha[order[start]]))  # the grid resolves α up to here
        s, log_w = score_grid(model, d, limit, device)
        v_lo, v_hi = _v_range(alpha[order[start:]], n[order[start:]], s, log_w)
        width = torch.cummax(v_hi - v_lo, dim=0).values / V_STEP * len(s)  # elements per pair so far
        count = torch.arange(1, len(width) + 1, device=device)
        fits = (alpha[order[start:]] <= limit) & (count * width <= CHUNK_ELEMENTS)
        stop = start + max(1, int(torch.cumprod(fits.long(), 0).sum()))
        index = order[start:stop]
        sum_p2[index], log_z[index], ps[index] = _chunk_stats(alpha[index], n[index], s, log_w)
        start = stop
    return ExactStats(alpha, n, sum_p2, log_z - alpha * ps, log_z)


def objective_limit(n, model: str = "normal", d: int = 128) -> torch.Tensor:
    """L(n) = n(n−1) ∫ p(s)² F(s)^{n−2} ds, the α → ∞ limit of E[α(1 − Σp²)] (n ≥ 2):
    normal by a fine uniform grid with ``log_ndtr``; cosine on the θ-grid (ds = sin θ dθ) with the
    CDF from ``logcumsumexp`` of the midpoint weights."""
    check_model(model, d)
    device = get_device()
    n = torch.as_tensor(n, dtype=REAL, device=device).reshape(-1, 1)
    if model == "normal":
        s = torch.linspace(-12.0, 12.0, LIMIT_NODES, dtype=REAL, device=device)
        log_p = -0.5 * s ** 2 - 0.5 * math.log(2 * math.pi)
        log_f = torch.special.log_ndtr(s)
        log_terms = 2 * log_p + (n - 2) * log_f + math.log(float(s[1] - s[0]))
    else:
        cos, log_w = theta_grid(d, LIMIT_NODES, device)
        cos, log_w = cos.flip(0), log_w.flip(0)  # increasing s
        sin = torch.sqrt(1 - cos ** 2)
        log_density = log_w - math.log(math.pi / LIMIT_NODES) - torch.log(sin)  # p(s) = w(θ)/sin θ
        below = torch.logcumsumexp(log_w, dim=0)  # F at the node's upper edge; midpoint: minus w/2
        log_f = below + torch.log1p(-0.5 * torch.exp(log_w - below))
        log_terms = log_w + log_density + (n - 2) * log_f
    return n.squeeze(-1) * (n.squeeze(-1) - 1) * torch.exp(torch.logsumexp(log_terms, dim=-1))
