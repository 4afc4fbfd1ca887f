"""Exact 1-D trajectories by the conserved CDF (brief §2.1, derived).

In d = 1 the continuity equation ``∂_t p + ∂_x(f p) = 0`` integrates to ``∂_t F + f ∂_x F = 0``
for ``F_t(x) = ∫_{−∞}^x p_t``: the CDF is constant along every trajectory. So
``x_t = F_t^{−1}(F_T(x_T))`` without any ODE solve, with the mixture CDF
``F_t(x) = Σ_i π_i K_cdf((x − α_t x_i)/σ_t)``; as t → 0 the trajectory ends on the data point whose
CDF step contains ``F_T(x_T)``. This is the reference for post 15's uniform-prior figure (whose
piecewise-linear curves a fixed-step solver can push into a support gap, where the field is 0).
"""
from __future__ import annotations

import torch

from .constructions import Construction
from .data import PointCloud

BISECTIONS = 64  # the bracket starts a few σ wide: 2^-64 of it is below float64 resolution


def cdf(x: torch.Tensor, t, cloud: PointCloud, construction: Construction) -> torch.Tensor:
    """``F_t(x)`` of the exact marginal for ``x`` of any shape (d = 1); ``t`` broadcasts against ``x``."""
    x = x.to(cloud.points.device)
    t = torch.as_tensor(t, dtype=x.dtype, device=x.device)
    alpha, sigma = construction.schedule.alpha(t), construction.schedule.sigma(t)
    z = (x[..., None] - alpha[..., None] * cloud.points[:, 0]) / sigma[..., None]
    return (construction.kernel.cdf_1d(z) * cloud.weights).sum(-1)


def quantile(u: torch.Tensor, t, cloud: PointCloud, construction: Construction) -> torch.Tensor:
    """``F_t^{−1}(u)`` by vectorised bracketing and bisection (``t > 0``, broadcasting with ``u``)."""
    t = torch.as_tensor(t, dtype=u.dtype, device=u.device).expand_as(u)
    alpha, sigma = construction.schedule.alpha(t), construction.schedule.sigma(t)
    centres = cloud.points[:, 0]
    lo = alpha * centres.min() - sigma
    hi = alpha * centres.max() + sigma
    width = hi - lo
    for _ in range(200):  # widen until the bracket holds u (heavy-tailed kernels need many widths)
        below, above = cdf(lo, t, cloud, construction) > u, cdf(hi, t, cloud, construction) < u
        if not (below.any() or above.any()):
            break
        lo, hi, width = torch.where(below, lo - width, lo), torch.where(above, hi + width, hi), 2 * width
    for _ in range(BISECTIONS):
        mid = 0.5 * (lo + hi)
        right = cdf(mid, t, cloud, construction) < u
        lo, hi = torch.where(right, mid, lo), torch.where(right, hi, mid)
    return 0.5 * (lo + hi)


def endpoint(u: torch.Tensor, cloud: PointCloud) -> torch.Tensor:
    """The data point whose CDF step contains ``u``: the t → 0 limit of ``F_t^{−1}(u)``."""
    order = torch.argsort(cloud.points[:, 0])
    cumulative = torch.cumsum(cloud.weights[order], 0)
    index = torch.searchsorted(cumulative, u.contiguous()).clamp_max(cloud.size - 1)
    return cloud.points[order, 0][index]


def cdf_trajectories(x_start: torch.Tensor, times: torch.Tensor, cloud: PointCloud, construction: Construction,
                     t_start: float | None = None) -> torch.Tensor:
    """Exact positions (K, M) at ``times`` of the trajectories through ``x_start`` (M,) at ``t_start``
    (default ``T``); a time of 0 gives the endpoint on the data."""
    if cloud.dim != 1:
        raise ValueError("the CDF route needs 1-D data")
    t_start = construction.T if t_start is None else t_start
    u = cdf(x_start, t_start, cloud, construction)
    rows = []
    for t in torch.as_tensor(times).tolist():  # K quantile solves, each vectorised over the particles
        rows.append(endpoint(u, cloud) if t == 0 else quantile(u, t, cloud, construction))
    return torch.stack(rows)
