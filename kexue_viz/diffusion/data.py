"""Seeded toy data sets (2-D and 1-D) as weighted point clouds, and validation of reader input.

A data set is a :class:`PointCloud`: points ``x_i`` (N, d) and weights ``π_i ≥ 0`` with
``Σ π_i = 1`` (the empirical law ``p_0 = Σ π_i δ(x − x_i)``). Duplicated points act as weights:
post 15's code lists 0.5 twice to give it double weight, and :func:`from_points` merges them.
2-D presets are centred and scaled to unit RMS per coordinate, the data scale the noise levels of
the constructions are chosen for (brief erratum 9: "σ_T ≫ 1" means ≫ the data scale).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import torch

from ..device import REAL, get_device

MAX_POINTS = 4096
MAX_ABS_COORDINATE = 1e3


@dataclass(frozen=True)
class PointCloud:
    """Weighted empirical distribution: ``points`` (N, d), ``weights`` (N,) summing to 1."""

    points: torch.Tensor
    weights: torch.Tensor

    @cached_property
    def log_weights(self) -> torch.Tensor:
        """``log π_i`` (computed once per cloud)."""
        return torch.log(self.weights)

    @property
    def dim(self) -> int:
        return self.points.shape[1]

    @property
    def size(self) -> int:
        return self.points.shape[0]

    def to(self, device=None, dtype=None) -> "PointCloud":
        return PointCloud(self.points.to(device=device, dtype=dtype), self.weights.to(device=device, dtype=dtype))

    def scale(self) -> float:
        """RMS distance of the points from their weighted mean (1 for an isotropic unit cloud in d dims: √d)."""
        mean = self.weights @ self.points
        return float(torch.sqrt(self.weights @ ((self.points - mean) ** 2).sum(1)))


def from_points(points, weights=None, merge_duplicates: bool = True) -> PointCloud:
    """Validate points (N, d) with d ∈ {1, 2, ...} and optional weights; duplicated points are merged
    with summed weight. Raises ``ValueError`` with a reader-facing reason for empty, non-finite,
    too many or too large inputs."""
    array = np.asarray(points, dtype=np.float64)
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2 or array.shape[0] == 0 or array.shape[1] == 0:
        raise ValueError("the data set is empty: add at least one point")
    if not np.isfinite(array).all():
        raise ValueError("the data contain NaN or infinite coordinates")
    if array.shape[0] > MAX_POINTS:
        raise ValueError(f"too many data points ({array.shape[0]} > {MAX_POINTS})")
    if np.abs(array).max() > MAX_ABS_COORDINATE:
        raise ValueError(f"coordinates beyond ±{MAX_ABS_COORDINATE:g}: rescale the data")
    w = np.ones(len(array)) if weights is None else np.asarray(weights, dtype=np.float64)
    if w.shape != (len(array),) or not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
        raise ValueError("weights must be finite, non-negative, one per point, with a positive sum")
    if merge_duplicates:
        array, inverse = np.unique(array, axis=0, return_inverse=True)
        w = np.bincount(inverse.reshape(-1), weights=w, minlength=len(array))
    device = get_device()
    return PointCloud(torch.as_tensor(array, dtype=REAL, device=device),
                      torch.as_tensor(w / w.sum(), dtype=REAL, device=device))


def _unit_scale(points: np.ndarray) -> np.ndarray:
    """Centre and scale to unit RMS per coordinate."""
    centred = points - points.mean(0)
    return centred / math.sqrt((centred ** 2).mean())


def moons(n: int, seed: int = 0) -> np.ndarray:
    """Two interleaved half circles, evenly spaced (deterministic; ``seed`` unused)."""
    outer, inner = (n + 1) // 2, n // 2
    a = np.linspace(0, math.pi, outer)
    b = np.linspace(0, math.pi, inner)
    points = np.concatenate([np.stack([np.cos(a), np.sin(a)], 1),
                             np.stack([1 - np.cos(b), 0.5 - np.sin(b)], 1)])
    return _unit_scale(points)


def ring(n: int, seed: int = 0, radius: float = 2.0, count: int = 8) -> np.ndarray:
    """``count`` points evenly on a circle of ``radius`` (``n`` and ``seed`` unused)."""
    angle = 2 * math.pi * np.arange(count) / count
    return radius * np.stack([np.cos(angle), np.sin(angle)], 1)


def eight_gaussians(n: int, seed: int = 0) -> np.ndarray:
    """``n`` samples of 8 Gaussians (std 0.15) centred on a circle of radius 2 (seeded)."""
    rng = np.random.default_rng(seed)
    centre = ring(8)[rng.integers(0, 8, n)]
    return centre + 0.15 * rng.standard_normal((n, 2))


def checkerboard(n: int, seed: int = 0) -> np.ndarray:
    """``n`` uniform samples on the 8 dark squares of a 4×4 checkerboard (seeded)."""
    rng = np.random.default_rng(seed)
    dark = np.array([(i, j) for i in range(4) for j in range(4) if (i + j) % 2 == 0], dtype=np.float64)
    cells = dark[rng.integers(0, len(dark), n)]
    return _unit_scale(cells + rng.uniform(0, 1, (n, 2)))


def spiral(n: int, seed: int = 0) -> np.ndarray:
    """``n`` points on an Archimedean spiral with a little seeded jitter."""
    rng = np.random.default_rng(seed)
    theta = np.sqrt(np.linspace(0.05, 1, n)) * 3 * math.pi
    points = np.stack([theta * np.cos(theta), theta * np.sin(theta)], 1)
    return _unit_scale(points + 0.1 * rng.standard_normal((n, 2)))


def post13_four_sources(n: int = 4, seed: int = 0) -> np.ndarray:
    """Four point sources on a skewed quadrilateral (post 13's field-line figure; positions not given)."""
    return np.array([[-1.0, -0.6], [1.2, -0.9], [0.7, 1.1], [-0.8, 0.9]])


def post15_demo(n: int = 4, seed: int = 0) -> np.ndarray:
    """Post 15's 1-D data ``[0.5, 0.5, 1.2, 1.7]`` (0.5 listed twice: double weight)."""
    return np.array([[0.5], [0.5], [1.2], [1.7]])


def four_points_1d(n: int = 4, seed: int = 0) -> np.ndarray:
    """The brief's 1-D worked example ``{−1, 0, 0.5, 2}``."""
    return np.array([[-1.0], [0.0], [0.5], [2.0]])


PRESETS = {
    "moons": moons,
    "ring8": ring,
    "eight_gaussians": eight_gaussians,
    "checkerboard": checkerboard,
    "spiral": spiral,
    "post13_four": post13_four_sources,
    "post15_1d": post15_demo,
    "four_1d": four_points_1d,
}


def make_dataset(name: str, n: int = 64, seed: int = 0) -> PointCloud:
    """The preset ``name`` with ``n`` points (where the preset takes a size) as a :class:`PointCloud`."""
    try:
        generate = PRESETS[name]
    except KeyError:
        raise ValueError(f"unknown data set {name!r}; choose one of {', '.join(PRESETS)}") from None
    return from_points(generate(n, seed))
