"""PFGM's heavy-tailed prior and its radius clip (brief §2.4), the weight strip's posterior weights
along a trajectory and its commitment time (brief §2.10), and the fast squared norm of the field."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy import integrate, special

from kexue_viz.diffusion import field, metrics
from kexue_viz.diffusion.constructions import make_construction
from kexue_viz.diffusion.pipeline import interpolate_log_time, interpolate_path
from kexue_viz.diffusion.data import make_dataset
from kexue_viz.diffusion.kernels import clip_radius, poisson_tail, squared_norm

from numeric_asserts import assert_close, npy

F64 = torch.float64


def radial_tail_by_quadrature(r: float, d: int) -> float:
    """``P(‖z‖ > r)`` from post 14's radial density ``∝ ρ^{d−1}(1 + ρ²)^{−(d+1)/2}`` (eq:pz-3), by quadrature."""
    density = lambda rho: rho ** (d - 1) * (1 + rho * rho) ** (-0.5 * (d + 1))  # noqa: E731
    total = integrate.quad(density, 0, np.inf)[0]
    return integrate.quad(density, r, np.inf)[0] / total


@pytest.mark.parametrize("d", [1, 2, 3, 5])
@pytest.mark.parametrize("r", [0.5, 1.0, 5.0, 50.0])
def test_poisson_tail_matches_the_radial_density(d, r):
    assert poisson_tail(r, d) == pytest.approx(radial_tail_by_quadrature(r, d), rel=1e-7)


def test_poisson_tail_closed_forms():
    """Brief §2.4: d = 1 ``1 − (2/π) atan r``, d = 2 ``(1 + r²)^{−1/2}``, d = 3 ``1 − (2/π)(atan r − r/(1+r²))``;
    medians 1, √3, 2.2644; 1 % of a d = 2 prior lies beyond 100·T."""
    for r in (0.3, 2.0, 40.0):
        assert poisson_tail(r, 1) == pytest.approx(1 - 2 / math.pi * math.atan(r), rel=1e-12)
        assert poisson_tail(r, 2) == pytest.approx((1 + r * r) ** -0.5, rel=1e-12)
        assert poisson_tail(r, 3) == pytest.approx(1 - 2 / math.pi * (math.atan(r) - r / (1 + r * r)), rel=1e-10)
    for d, median in ((1, 1.0), (2, math.sqrt(3)), (3, 2.2644)):
        assert poisson_tail(median, d) == pytest.approx(0.5, abs=1e-4)
    assert poisson_tail(100.0, 2) == pytest.approx(0.01, rel=1e-4)


def test_clip_radius_caps_norms_and_keeps_directions():
    z = torch.randn(500, 3, generator=torch.Generator().manual_seed(0), dtype=F64) * 4
    clipped, mask = clip_radius(z, 2.5)
    norms = torch.linalg.vector_norm(z, dim=1)
    assert torch.equal(mask, norms > 2.5)
    assert_close(torch.linalg.vector_norm(clipped[mask], dim=1), torch.full((int(mask.sum()),), 2.5, dtype=F64), 1e-14,
                 "clipped radius")
    assert_close(clipped[mask] / 2.5, z[mask] / norms[mask, None], 1e-14, "direction kept")
    assert torch.equal(clipped[~mask], z[~mask])
    same, none = clip_radius(z, None)
    assert same is z and not none.any()
    with pytest.raises(ValueError):
        clip_radius(z, 0.0)


@pytest.mark.parametrize("exact", [True, False])
def test_clipped_pfgm_prior_share_matches_the_tail(exact):
    """With the clip on, the share of clipped starts follows ``P(‖z‖ > c)`` (binomial 5σ), and every
    start lies within ``c·T`` of its data point (data-free prior: of the origin)."""
    cloud, pfgm, n, c = make_dataset("moons", 32), make_construction("pfgm", T=40.0), 20_000, 5.0
    x, clipped = field.sample_prior_clipped(n, cloud, pfgm, torch.Generator().manual_seed(3), exact=exact,
                                            max_radius=c)
    p = poisson_tail(c, 2)
    assert abs(float(clipped.double().mean()) - p) < 5 * math.sqrt(p * (1 - p) / n)
    if exact:
        nearest = torch.cdist(x, cloud.points, compute_mode="donot_use_mm_for_euclid_dist").min(1).values
        assert float(nearest.max()) <= c * pfgm.T * (1 + 1e-12)
    else:
        assert float(torch.linalg.vector_norm(x, dim=1).max()) == pytest.approx(c * pfgm.T, rel=1e-12)
    unclipped = field.sample_prior(n, cloud, pfgm, torch.Generator().manual_seed(3), exact=exact)
    assert torch.equal(x[~clipped], unclipped[~clipped])  # the clip moves only the clipped draws


@pytest.mark.parametrize("d", [1, 2, 3, 10])
def test_squared_norm_equals_the_sum_of_squares(d):
    z = torch.randn(7, 5, d, generator=torch.Generator().manual_seed(d), dtype=F64)
    want = (z * z).sum(-1)
    if d <= 2:
        assert torch.equal(squared_norm(z), want)  # same additions in the same order
    else:
        assert_close(squared_norm(z), want, 1e-15, "squared norm")


def weights_by_hand(x: np.ndarray, t: float, points: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
    """Straight path with a Gaussian prior, written out: ``w_i ∝ π_i N(x; (1−t)x_i, t²I)``."""
    log_w = np.log(probabilities) - ((x[None] - (1 - t) * points) ** 2).sum(1) / (2 * t * t)
    return special.softmax(log_w)


def test_weights_along_a_trajectory_match_a_direct_softmax():
    """The weight strip evaluates ``w_i(x_t, t)`` with per-row times; compare with a per-row softmax."""
    cloud, straight = make_dataset("moons", 24), make_construction("straight")
    times = np.exp(np.linspace(0.0, math.log(1e-3), 40))
    path = 0.3 * np.column_stack([np.cos(7 * times), np.sin(5 * times)])
    got = field.weights(torch.as_tensor(path), torch.as_tensor(times), cloud, straight)
    want = np.stack([weights_by_hand(x, t, npy(cloud.points), npy(cloud.weights)) for x, t in zip(path, times)])
    assert_close(got, want, 1e-12, "weights along a path")


def test_commitment_time_is_the_first_time_the_top_weight_passes_the_level():
    times = torch.tensor([4.0, 2.0, 1.0, 0.5, 0.25], dtype=F64)
    top = torch.tensor([[0.3, 0.5], [0.6, 0.95], [0.91, 0.8], [0.99, 0.99], [1.0, 1.0]], dtype=F64)
    w = torch.stack([top, 1 - top], -1)  # (K, M, 2): the top weight of each particle and the rest
    got = metrics.commitment_time(w, times, 0.9)
    assert got.tolist() == [1.0, 2.0]
    never = metrics.commitment_time(torch.full((5, 1, 2), 0.5, dtype=F64), times, 0.9)
    assert math.isnan(float(never[0]))


def test_interpolate_path_agrees_with_the_frame_interpolation():
    times = np.array([4.0, 2.0, 1.0, 0.1, 0.0])
    states = np.random.default_rng(0).normal(size=(5, 3, 2))
    query = np.array([3.0, 1.5, 0.5, 0.1])
    for particle in range(3):
        got = interpolate_path(times, states[:, particle], query)
        want = np.stack([interpolate_log_time(times, states, t)[particle] for t in query])
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-14)
