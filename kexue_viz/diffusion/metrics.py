"""Trajectory metrics for the accuracy-vs-cost and curvature views (brief §2.10)."""
from __future__ import annotations

import torch

from .data import PointCloud


def nearest_point(x: torch.Tensor, cloud: PointCloud) -> torch.Tensor:
    """Index of the nearest data point for each row of ``x`` (M, d) (the basin of an endpoint)."""
    diff = x[:, None, :] - cloud.points[None]
    return (diff * diff).sum(-1).argmin(1)


def basin_agreement(end: torch.Tensor, reference_end: torch.Tensor, cloud: PointCloud) -> float:
    """Fraction of particles whose endpoint's nearest data point equals the reference's."""
    return float((nearest_point(end, cloud) == nearest_point(reference_end, cloud)).double().mean())


def endpoint_error(end: torch.Tensor, reference_end: torch.Tensor) -> torch.Tensor:
    """``‖x_end − x_ref‖`` per particle (M,)."""
    return torch.linalg.vector_norm(end - reference_end.to(end.device), dim=-1)


def tortuosity(states: torch.Tensor) -> torch.Tensor:
    """Path length over chord, ``Σ‖x_{k+1} − x_k‖ / ‖x_last − x_first‖ ≥ 1`` per particle, from
    ``states`` (K, M, d) (invariant under time reparametrisation, not under ``x = α y``)."""
    length = torch.linalg.vector_norm(states[1:] - states[:-1], dim=-1).sum(0)
    chord = torch.linalg.vector_norm(states[-1] - states[0], dim=-1)
    return length / chord.clamp_min(1e-300)


def curvature(states: torch.Tensor) -> torch.Tensor:
    """Discrete curvature (turning angle per unit length) of 2-D polylines ``states`` (K, M, 2) at the
    K − 2 interior vertices, (K − 2, M): ``κ ≈ angle(Δ_k, Δ_{k+1}) / (½(‖Δ_k‖ + ‖Δ_{k+1}‖))``."""
    delta = states[1:] - states[:-1]
    a, b = delta[:-1], delta[1:]
    cross = a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]
    angle = torch.atan2(cross.abs(), (a * b).sum(-1))
    length = 0.5 * (torch.linalg.vector_norm(a, dim=-1) + torch.linalg.vector_norm(b, dim=-1))
    return angle / length.clamp_min(1e-300)


def commitment_time(weights_over_time: torch.Tensor, times: torch.Tensor, level: float = 0.9) -> torch.Tensor:
    """For weights (K, M, N) along decreasing ``times`` (K,), the first (largest) t at which
    ``max_i w_i`` exceeds ``level`` (NaN if never), per particle (M,)."""
    committed = weights_over_time.max(-1).values > level
    first = committed.double().argmax(0)
    found = committed.any(0)
    return torch.where(found, times.to(first.device)[first].to(weights_over_time.dtype), torch.full_like(first, float("nan"),
                                                                                        dtype=weights_over_time.dtype))
