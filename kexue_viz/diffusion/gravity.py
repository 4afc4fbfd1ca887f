"""Post 13's gravitational fields: d-dimensional point sources, the augmented (d+1)-dimensional
field of PFGM, a ring of sources, and field lines with their flux shares (brief §2.4).

* d-dim gravity (eq:grad-d): ``F(x) = −(1/S_d) Σ_j m_j (x − y_j)/‖x − y_j‖^d``.
* Augmented field (eq:field): data at ``(x_i, 0) ∈ R^{d+1}``,
  ``F(x, t) = −(1/S_{d+1}) Σ_i π_i (x − x_i, t)/(‖x − x_i‖² + t²)^{(d+1)/2}``; its field lines
  ``dx/dt = F_x/F_t`` are the PFGM ODE, and ``p_t(x) = −2 F_t(x, t)`` (derived: the Poisson kernel's
  constant is ``C = 2/S_{d+1}``, half the flux leaves through ``t < 0``).
* A ring of N equal sources at the N-th roots of unity (d = 2, total mass 1), in complex notation
  ``F(z) = −(1/(2πN)) conj(N z^{N−1}/(z^N − 1))``: ``O(|z|^{N−1})`` inside, so the interior field
  vanishes as N → ∞ (post 13, "球壳内部的均匀力场").
"""
from __future__ import annotations

import math

import numpy as np
import torch

from .data import PointCloud
from .kernels import log_sphere_area


def gravity_field(x: torch.Tensor, sources: torch.Tensor, masses: torch.Tensor) -> torch.Tensor:
    """d-dimensional gravity of point ``sources`` (N, d) with ``masses`` (N,) at ``x`` (M, d)."""
    d = x.shape[1]
    diff = x[:, None, :] - sources[None]
    r = torch.linalg.vector_norm(diff, dim=-1, keepdim=True)
    return -math.exp(-log_sphere_area(d)) * (masses[None, :, None] * diff / r ** d).sum(1)


def augmented_field(x: torch.Tensor, t, cloud: PointCloud):
    """``(F_x (M, d), F_t (M,))``: the (d+1)-dim field of the data placed on the plane t = 0."""
    x = x.to(cloud.points.device)
    d = x.shape[1]
    t = torch.as_tensor(t, dtype=x.dtype, device=x.device).reshape(-1, 1)
    diff = x[:, None, :] - cloud.points[None]
    r2 = (diff * diff).sum(-1) + t * t
    scale = -math.exp(-log_sphere_area(d + 1)) * cloud.weights[None] / r2 ** (0.5 * (d + 1))
    return (scale[..., None] * diff).sum(1), (scale * t).sum(1)


def ring_sources(n: int, radius: float = 1.0) -> torch.Tensor:
    angle = 2 * math.pi * torch.arange(n, dtype=torch.float64) / n
    return radius * torch.stack([torch.cos(angle), torch.sin(angle)], 1)


def ring_field_closed_form(z: np.ndarray, n: int) -> np.ndarray:
    """The unit-ring field at complex points ``z`` as complex numbers ``F_1 + i F_2``."""
    return -np.conj(n * z ** (n - 1) / (z ** n - 1)) / (2 * math.pi * n)


def centroid_relative_error(sources: torch.Tensor, masses: torch.Tensor, radius: float, n_angles: int = 256) -> float:
    """Max over a circle of ``radius`` about the centroid of ``‖F − F_centroid‖/‖F_centroid‖``, with
    ``F_centroid`` the field of the total mass at the centroid (post 13's far-field argument)."""
    centre = masses @ sources / masses.sum()
    angle = 2 * math.pi * torch.arange(n_angles, dtype=sources.dtype) / n_angles
    x = centre + radius * torch.stack([torch.cos(angle), torch.sin(angle)], 1)
    many = gravity_field(x, sources, masses)
    one = gravity_field(x, centre[None], masses.sum()[None])
    return float((torch.linalg.vector_norm(many - one, dim=1) / torch.linalg.vector_norm(one, dim=1)).max())


def field_lines(starts: torch.Tensor, sources: torch.Tensor, masses: torch.Tensor, step: float = 0.02,
                max_steps: int = 4000, capture: float = 0.03):
    """Field lines ``dx/ds = F/‖F‖`` (unit speed, RK4) from ``starts`` (M, 2) until they come within
    ``capture`` of a source. Returns ``(paths (K, M, 2) with NaN after capture, hit (M,) source
    index or −1)``. The loop is over arc-length steps (inherent); each step is vectorised."""
    direction = lambda x: (lambda f: f / torch.linalg.vector_norm(f, dim=1, keepdim=True))(  # noqa: E731
        gravity_field(x, sources, masses))
    x = starts.clone()
    hit = torch.full((x.shape[0],), -1, dtype=torch.long)
    paths = [x.clone()]
    for _ in range(max_steps):
        k1 = direction(x)
        k2 = direction(x + 0.5 * step * k1)
        k3 = direction(x + 0.5 * step * k2)
        k4 = direction(x + step * k3)
        moving = hit < 0
        x = torch.where(moving[:, None], x + step / 6 * (k1 + 2 * k2 + 2 * k3 + k4), x)
        distance = torch.cdist(x, sources, compute_mode="donot_use_mm_for_euclid_dist")
        nearest = distance.argmin(1)
        hit = torch.where(moving & (distance.min(1).values < capture), nearest, hit)
        paths.append(torch.where(moving[:, None], x, torch.full_like(x, float("nan"))))
        if bool((hit >= 0).all()):
            break
    return torch.stack(paths), hit


def flux_fractions(sources: torch.Tensor, masses: torch.Tensor, n_lines: int = 400, radius: float = 20.0,
                   step: float = 0.02, capture: float = 0.03):
    """Fraction of ``n_lines`` field lines launched uniformly on a far circle that end on each source
    (Gauss: → the mass fractions as the radius grows and the step shrinks)."""
    _, hit = field_lines_from_circle(sources, masses, n_lines, radius, step, capture)
    return torch.bincount(hit[hit >= 0], minlength=len(sources)).double() / n_lines


def field_lines_from_circle(sources: torch.Tensor, masses: torch.Tensor, n_lines: int, radius: float,
                            step: float = 0.02, capture: float = 0.03):
    """:func:`field_lines` from ``n_lines`` starts spaced uniformly on the circle of ``radius`` about
    the centre of mass (post 13's figure: lines come from far away and end on the sources)."""
    centre = masses @ sources / masses.sum()
    angle = 2 * math.pi * (torch.arange(n_lines, dtype=sources.dtype, device=sources.device) + 0.5) / n_lines
    starts = centre + radius * torch.stack([torch.cos(angle), torch.sin(angle)], 1)
    return field_lines(starts, sources, masses, step=step, max_steps=int(3 * radius / step), capture=capture)
