"""Solvers and trajectories (brief §6 #3–#6, #8, #16–#19) and post 15's uniform-prior figure."""
from __future__ import annotations

import importlib
import importlib.util
import math
import sys
import types

import numpy as np
import pytest
import torch
from scipy import stats
from scipy.integrate import odeint

from kexue_viz.diffusion import exact1d, field, metrics, solvers
from kexue_viz.diffusion.constructions import make_construction
from kexue_viz.diffusion.data import make_dataset
from kexue_viz.diffusion.grids import sigma_grid, time_grid

from numeric_asserts import assert_close, npy

F64 = torch.float64


def k_diffusion_sampling():
    """k-diffusion 0.1.1.post1's ``sampling.py`` (the peer), without the package ``__init__``.

    The package's ``__init__`` imports its training stack (scikit-image, clean-fid, CLIP, dctorch,
    einops, torchvision, …). The samplers need only ``sampling.py`` and ``utils.append_dims``; we
    register the installed package directory without running ``__init__`` and import the real
    ``sampling`` and ``utils`` modules from it. ``utils`` imports ``torchvision.transforms.functional``
    at module level for image conversions the samplers never call: only that import is stubbed.
    """
    if "k_diffusion.sampling" in sys.modules:
        return sys.modules["k_diffusion.sampling"]
    spec = importlib.util.find_spec("k_diffusion")
    assert spec is not None, "k-diffusion is not installed: pip install --no-deps k-diffusion==0.1.1.post1"
    package = types.ModuleType("k_diffusion")
    package.__path__ = list(spec.submodule_search_locations)
    sys.modules["k_diffusion"] = package
    if importlib.util.find_spec("torchvision") is None:
        stubs = {name: types.ModuleType(name) for name in
                 ("torchvision", "torchvision.transforms", "torchvision.transforms.functional")}
        stubs["torchvision"].transforms = stubs["torchvision.transforms"]
        stubs["torchvision.transforms"].functional = stubs["torchvision.transforms.functional"]
        sys.modules.update(stubs)
    return importlib.import_module("k_diffusion.sampling")


@pytest.mark.parametrize("ours, theirs", [("euler", "sample_euler"), ("heun", "sample_heun"),
                                          ("dpmpp_2m", "sample_dpmpp_2m")])
def test_k_diffusion_parity_on_a_karras_grid(ours, theirs):
    sampling = k_diffusion_sampling()
    cloud = make_dataset("moons", n=32)
    construction = make_construction("ve", T=20.0)
    sigmas = sampling.get_sigmas_karras(12, 0.02, 20.0, rho=7.0).to(F64).to(cloud.points.device)
    x_T = field.sample_prior(40, cloud, construction, torch.Generator().manual_seed(0))
    denoiser = lambda x, sigma: field.posterior_mean(x, sigma, cloud, construction)  # noqa: E731  (σ per row)
    expected = getattr(sampling, theirs)(denoiser, x_T.clone(), sigmas, disable=True)
    ours_grid = time_grid(construction, 12, "karras", t_min=0.02)
    assert_close(ours_grid, sigmas, 1e-6, "Karras grid (k-diffusion builds it in float32)")
    assert_close(solvers.integrate_fixed(x_T, sigmas, cloud, construction, ours).end, expected, 1e-12, ours)


def test_nfe_counts():
    cloud = make_dataset("ring8")
    construction = make_construction("ve")
    x = field.sample_prior(5, cloud, construction, torch.Generator().manual_seed(0))
    counts = {s: solvers.generate(x, cloud, construction, s, 16).nfe for s in solvers.FIXED_SOLVERS}
    assert counts == {"euler": 16, "heun": 31, "rk4": 61, "dpmpp_2m": 16}


@pytest.mark.parametrize("key, expected", [("ve", 0.339192492036), ("pfgm", 0.354477901698)])
def test_cdf_invariant_matches_the_ode(key, expected):
    """Brief §6 #3: data {−1, 0, 0.5, 2}, x = 0.7 at t = 3, value at t = 0.2."""
    cloud = make_dataset("four_1d")
    construction = make_construction(key, T=3.0)
    x = torch.tensor([0.7], dtype=F64)
    exact = exact1d.cdf_trajectories(x, torch.tensor([0.2], dtype=F64), cloud, construction)[0, 0]
    ode = solvers.integrate_adaptive(x[:, None], torch.tensor([3.0, 0.2], dtype=F64), cloud, construction,
                                     "dop853", 1e-12, 1e-12).end[0, 0]
    assert abs(float(exact) - expected) < 1e-9 and abs(float(ode) - expected) < 1e-9


def test_cdf_is_conserved_along_several_trajectories():
    cloud = make_dataset("four_1d")
    construction = make_construction("psi_tanh", T=5.0)
    starts = torch.linspace(-4, 5, 7, dtype=F64)
    times = torch.tensor([5.0, 2.0, 0.7, 0.1], dtype=F64)
    path = solvers.integrate_adaptive(starts[:, None], times, cloud, construction, "dop853", 1e-12, 1e-12).states
    u = torch.stack([exact1d.cdf(path[k, :, 0], float(t), cloud, construction) for k, t in enumerate(times)])
    assert_close(u, u[:1].expand_as(u), 1e-9, "F_t(x_t)")


def post15_article_trajectory(x1):
    """Post 15's own code (scipy odeint, f = 0 outside every support), one start."""
    prior = lambda x: 0.5 if 2 >= x >= 0 else 0  # noqa: E731
    p = lambda xt, x0, t: prior((xt - x0) / t + x0) / t  # noqa: E731

    def f_full(xt, t):
        x0s = [0.5, 0.5, 1.2, 1.7]
        fs = np.array([(xt - x0) / t for x0 in x0s]).reshape(-1)
        ps = np.array([p(xt, x0, t) for x0 in x0s]).reshape(-1)
        return (fs * ps).sum() / (ps.sum() + 1e-8)

    ts = np.arange(1, 0, -0.001)
    return ts, odeint(f_full, x1, ts).reshape(-1)


POST15_STARTS = np.arange(0.01, 1.99, 0.10999 / 2)


def test_post15_figure_values_and_basin_counts():
    cloud = make_dataset("post15_1d")
    construction = make_construction("straight", prior="uniform")
    times = torch.tensor([0.75, 0.5, 0.25, 0.1, 0.0], dtype=F64)
    exact = exact1d.cdf_trajectories(torch.tensor([1.25], dtype=F64), times, cloud, construction)[:, 0]
    assert_close(exact, [1.18125, 1.1125, 1.15, 1.18, 1.2], 1e-12, "x1 = 1.25 (non-monotone)")
    ts, article = post15_article_trajectory(1.25)
    at = [int(round((1 - t) / 0.001)) for t in (0.75, 0.5, 0.25, 0.1)]
    assert_close(article[at], exact[:4], 1e-6, "article odeint vs CDF route")
    ends = exact1d.cdf_trajectories(torch.tensor(POST15_STARTS), torch.tensor([0.0], dtype=F64), cloud,
                                    construction)[0]
    assert len(POST15_STARTS) == 37
    assert [int((ends == v).sum()) for v in (0.5, 1.2, 1.7)] == [19, 9, 9]
    colours = []
    for x1 in POST15_STARTS:  # the article's own classification of its figure
        end = post15_article_trajectory(x1)[1][-1]
        colours.append("skyblue" if abs(end - 0.5) < 0.1 else "orange" if abs(end - 1.2) < 0.1 else "limegreen")
    assert [colours.count(c) for c in ("skyblue", "orange", "limegreen")] == [19, 9, 9]


def test_post15_fine_euler_matches_and_coarse_solvers_can_freeze():
    """Euler with 2·10⁴ uniform steps reproduces the exact piecewise-linear solution to 1e-3; the
    start 0.99991 (within 1e-4 of the 0.5/1.2 basin boundary) is what coarse solvers push out of
    the support union, where the field is 0 and the particle freezes (brief §2.6 pitfall)."""
    cloud = make_dataset("post15_1d")
    construction = make_construction("straight", prior="uniform")
    starts = torch.tensor(POST15_STARTS)[:, None]
    times = torch.linspace(1.0, 0.001, 20_001, dtype=F64)
    fine = solvers.integrate_fixed(starts, times, cloud, construction, "euler").end[:, 0]
    exact = exact1d.cdf_trajectories(starts[:, 0], torch.tensor([0.001], dtype=F64), cloud, construction)[0]
    assert_close(fine, exact, 1e-3, "Euler 2e4 steps")
    coarse = solvers.integrate_fixed(starts, torch.linspace(1.0, 0.001, 21, dtype=F64), cloud, construction, "heun")
    assert bool(coarse.outside.any())
    frozen = coarse.end[coarse.outside, 0]
    assert float(metrics.endpoint_error(frozen[:, None], torch.tensor([[0.5]], dtype=F64)).min()) > 0.05


def final_value(solver, n):
    cloud = make_dataset("four_1d")
    construction = make_construction("ve", T=3.0)
    times = torch.linspace(3.0, 0.2, n + 1, dtype=F64)
    return float(solvers.integrate_fixed(torch.tensor([[0.7]], dtype=F64), times, cloud, construction,
                                         solver).end[0, 0])


@pytest.mark.parametrize("solver, order", [("euler", 1), ("heun", 2), ("rk4", 4)])
def test_solver_orders(solver, order):
    errors = [abs(final_value(solver, n) - 0.339192492036) for n in (32, 64, 128)]
    slope = -np.polyfit(np.log([32, 64, 128]), np.log(errors), 1)[0]
    assert abs(slope - order) < 0.4, (solver, slope)


def test_canonical_equivalence_straight_cosine_and_ve():
    """y = x/α, s = σ/α: straight (s = t/(1−t)) and cosine (s = tan(πt/2)) paths with a Gaussian
    prior follow the VE trajectories of the same data (brief §2.7 (i))."""
    cloud = make_dataset("moons", n=16)
    ve = make_construction("ve", T=50.0)
    x = torch.randn(6, 2, generator=torch.Generator().manual_seed(2), dtype=F64)
    for key, s_of_t, alpha_of_t in (("straight", lambda t: t / (1 - t), lambda t: 1 - t),
                                    ("cosine", lambda t: math.tan(math.pi * t / 2), lambda t: math.cos(math.pi * t / 2))):
        path = make_construction(key)
        t0, t1 = 0.9, 0.1
        native = solvers.integrate_adaptive(x, torch.tensor([t0, t1], dtype=F64), cloud, path, "dop853",
                                            1e-12, 1e-12).end
        canonical = solvers.integrate_adaptive(x / alpha_of_t(t0), torch.tensor([s_of_t(t0), s_of_t(t1)], dtype=F64),
                                               cloud, ve, "dop853", 1e-12, 1e-12).end
        assert_close(native, alpha_of_t(t1) * canonical, 1e-9, key)


def test_straight_euler_is_ddim_on_ve():
    cloud = make_dataset("ring8")
    straight, ve = make_construction("straight"), make_construction("ve", T=1000.0)
    times = torch.tensor([0.95, 0.7, 0.4, 0.2, 0.05, 0.01], dtype=F64)
    x = torch.randn(10, 2, generator=torch.Generator().manual_seed(1), dtype=F64)
    native = solvers.integrate_fixed(x, times, cloud, straight, "euler").states
    canonical = solvers.integrate_fixed(x / (1 - times[0]), times / (1 - times), cloud, ve, "euler").states
    assert_close(native, (1 - times.to(canonical.device))[:, None, None] * canonical, 1e-12, "DDIM invariance")


def test_encode_decode_round_trip():
    cloud = make_dataset("moons", n=32)
    construction = make_construction("ve", T=20.0)
    g = torch.Generator().manual_seed(0)
    start = cloud.points[:10] + 0.01 * torch.randn(10, 2, generator=g, dtype=F64).to(cloud.points.device)
    up = torch.exp(torch.linspace(math.log(0.01), math.log(20.0), 401, dtype=F64))
    encoded = solvers.integrate_fixed(start, up, cloud, construction, "rk4").end
    decoded = solvers.integrate_fixed(encoded, up.flip(0), cloud, construction, "rk4").end
    assert_close(decoded, start, 1e-6, "round trip")
    via_api = solvers.encode(start, cloud, construction, "rk4", n_steps=401, grid="log", t_min=0.01)
    assert_close(via_api.times, up, 1e-13, "encode() runs the generation grid reversed")
    assert_close(via_api.end, encoded, 1e-8, "encode()")


def test_dopri5_agrees_with_dop853():
    cloud = make_dataset("moons", n=32)
    construction = make_construction("ve")
    x = field.sample_prior(16, cloud, construction, torch.Generator().manual_seed(4))
    a = solvers.generate(x, cloud, construction, "dopri5", 8, "log", rtol=1e-9, atol=1e-9)
    b = solvers.generate(x, cloud, construction, "dop853", 8, "log", rtol=1e-12, atol=1e-12)
    assert_close(a.states[:-1], b.states[:-1], 1e-6, "dopri5 vs DOP853")


def test_endpoints_are_data_points_with_probability_pi():
    """Memorisation: from the exact p_T every trajectory ends on a data point, point i with
    probability π_i (chi-square, fixed seeds): 1-D exact route and a 2-D RK4 solve."""
    cloud = make_dataset("post15_1d")
    for construction in (make_construction("straight", prior="uniform"), make_construction("pfgm", T=40.0)):
        x = field.sample_prior(4000, cloud, construction, torch.Generator().manual_seed(7))[:, 0]
        ends = exact1d.cdf_trajectories(x, torch.tensor([0.0], dtype=F64), cloud, construction)[0]
        counts = [int((ends == v).sum()) for v in cloud.points[:, 0].tolist()]
        assert sum(counts) == 4000
        assert stats.chisquare(counts, 4000 * npy(cloud.weights)).pvalue > 1e-3
    ring = make_dataset("ring8")
    construction = make_construction("ve")
    x = field.sample_prior(2000, ring, construction, torch.Generator().manual_seed(8))
    end = solvers.generate(x, ring, construction, "rk4", 100, "karras").end
    assert float(metrics.endpoint_error(end, ring.points[metrics.nearest_point(end, ring)]).max()) < 1e-9
    counts = npy(torch.bincount(metrics.nearest_point(end, ring), minlength=8))
    assert stats.chisquare(counts).pvalue > 1e-3


def test_accuracy_improves_with_steps_on_karras_grid():
    cloud = make_dataset("moons", n=64)
    construction = make_construction("ve")
    x = field.sample_prior(100, cloud, construction, torch.Generator().manual_seed(0))
    reference = solvers.generate(x, cloud, construction, "dop853", 8, "karras", t_min=0.02, rtol=1e-10)
    agreement = [metrics.basin_agreement(solvers.generate(x, cloud, construction, "heun", n, "karras",
                                                          t_min=0.02).end, reference.end, cloud) for n in (4, 40)]
    assert agreement[0] < agreement[1] and agreement[1] >= 0.9


def test_grids():
    construction = make_construction("cosine")
    for kind in ("uniform", "log", "karras"):
        times = time_grid(construction, 10, kind, t_min=1e-3)
        assert times[0] == 1.0 and times[-2] == pytest.approx(1e-3) and times[-1] == 0
        assert bool((times[1:] < times[:-1]).all())
    assert_close(sigma_grid(20.0, 0.02, 5, "log"), np.geomspace(20.0, 0.02, 5), 1e-14, "log grid")
    vp = make_construction("vp_linear")
    t = torch.linspace(0.01, 1, 7, dtype=F64)
    assert_close(vp.schedule.t_of_sigma(vp.schedule.sigma(t)), t, 1e-12, "VP t(σ)")
    with pytest.raises(ValueError):
        time_grid(construction, 0)


def test_metrics():
    straight = torch.stack([torch.zeros(3, 2), torch.ones(3, 2), 2 * torch.ones(3, 2)]).double()
    assert_close(metrics.tortuosity(straight), torch.ones(3), 1e-12, "straight line")
    assert float(metrics.curvature(straight).abs().max()) < 1e-12
    corner = torch.tensor([[[0.0, 0.0]], [[1.0, 0.0]], [[1.0, 1.0]]], dtype=F64)
    assert float(metrics.tortuosity(corner)[0]) == pytest.approx(2 / math.sqrt(2))
    assert float(metrics.curvature(corner)[0, 0]) == pytest.approx(math.pi / 2)
