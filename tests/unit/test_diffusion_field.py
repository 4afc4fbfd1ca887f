"""Exact fields of point clouds (brief §6 #1, #2, #7, #9, #10, #11, #12, #15): every construction
satisfies the continuity equation; closed forms agree with autograd and quadrature."""
from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.special as sp
import sympy
import torch
from scipy import integrate, stats

from kexue_viz.diffusion import field, solvers
from kexue_viz.diffusion.constructions import CONSTRUCTIONS, make_construction
from kexue_viz.diffusion.data import PRESETS, from_points, make_dataset
from kexue_viz.diffusion.gravity import augmented_field
from kexue_viz.diffusion.kernels import KERNELS, get_kernel, log_sphere_area, poisson_log_constant

from numeric_asserts import assert_close, npy

CASES = [(key, "gaussian") for key in CONSTRUCTIONS] + [("straight", "poisson"), ("cosine", "poisson")]


def random_queries(cloud, construction, m=24, seed=1):
    g = torch.Generator().manual_seed(seed)
    x = 1.5 * torch.randn(m, cloud.dim, generator=g, dtype=torch.float64)
    t = construction.T * (0.05 + 0.9 * torch.rand(m, generator=g, dtype=torch.float64))
    return x.to(cloud.points.device), t.to(cloud.points.device)


@pytest.mark.parametrize("key, prior", CASES)
@pytest.mark.parametrize("dataset", ["moons", "four_1d"])
def test_continuity_equation_holds_for_every_field(key, prior, dataset):
    cloud = make_dataset(dataset, n=12)
    construction = make_construction(key, prior=prior)
    x, t = random_queries(cloud, construction)
    residual, scale = field.continuity_residual(x, t, cloud, construction)
    assert float((residual.abs() / scale).max()) < 1e-10


def test_continuity_fails_for_a_wrong_field():
    """The check can fail: a VE field with σ̇ doubled violates the continuity equation."""
    cloud = make_dataset("moons", n=12)
    right = make_construction("ve")
    wrong_schedule = right.schedule.__class__(right.schedule.alpha, right.schedule.sigma, right.schedule.dalpha,
                                              lambda t: 2 * torch.ones_like(t), right.schedule.t_of_sigma)
    wrong = right.__class__("ve", wrong_schedule, right.kernel, right.T)
    x, t = random_queries(cloud, right)

    def residual_of(construction):  # log p from the true schedule, f from the given one
        x_ = x.clone().requires_grad_(True)
        t_ = t.clone().requires_grad_(True)
        gx, gt = torch.autograd.grad(field.log_density(x_, t_, cloud, right).sum(), (x_, t_))
        values = field.evaluate(x, t, cloud, construction, divergence=True)
        return gt + values.divergence + (values.velocity * gx).sum(1)

    assert float(residual_of(right).abs().max()) < 1e-10
    assert float(residual_of(wrong).abs().max()) > 1e-2


@pytest.mark.parametrize("key, prior", [("ve", "gaussian"), ("pfgm", "gaussian"), ("psi_tanh", "gaussian"),
                                        ("psi_exp", "gaussian"), ("straight", "poisson"), ("cosine", "gaussian")])
def test_closed_form_divergence_equals_autograd(key, prior):
    cloud = make_dataset("spiral", n=10)
    construction = make_construction(key, prior=prior)
    x, t = random_queries(cloud, construction, m=8)
    jac = torch.stack([torch.autograd.functional.jacobian(
        lambda y: field.velocity(y[None], ti, cloud, construction)[0], xi) for xi, ti in zip(x, t)])
    assert_close(field.divergence(x, t, cloud, construction), jac.diagonal(dim1=1, dim2=2).sum(-1), 1e-11,
                 f"{key} divergence")


def test_heat_equation_for_sigma_squared_equal_t():
    """Post 12: with σ² = t (D = σσ̇ = 1/2), p_t solves ∂_t p = D ∇²p."""
    cloud = make_dataset("ring8")
    construction = make_construction("ve_sq", T=9.0)
    x, t = random_queries(cloud, construction, m=10)
    x.requires_grad_(True)
    t.requires_grad_(True)
    p = torch.exp(field.log_density(x, t, cloud, construction))
    grad_x, dp_dt = torch.autograd.grad(p.sum(), (x, t), create_graph=True)
    laplacian = sum(torch.autograd.grad(grad_x[:, k].sum(), x, retain_graph=True)[0][:, k] for k in range(2))
    assert_close(dp_dt.detach(), 0.5 * laplacian.detach(), 1e-10 * float(dp_dt.detach().abs().max()), "heat equation", rel=False)


@pytest.mark.parametrize("key", ["ve", "pfgm", "psi_tanh", "psi_exp", "straight"])
def test_single_point_one_euler_step_lands_on_it(key):
    cloud = from_points([[0.3, -1.2]])
    construction = make_construction(key)
    x = torch.tensor([[4.0, 2.5], [-3.0, 0.1]], dtype=torch.float64, device=cloud.points.device)
    rhs = lambda y, s: field.velocity(y, s, cloud, construction)  # noqa: E731
    T = construction.T
    step = solvers.rk_step(rhs, x, T, -T, solvers.TABLEAUS["euler"])
    assert_close(step, cloud.points.expand(2, 2), 1e-12, key)


@pytest.mark.parametrize("key, prior", [("ve", "gaussian"), ("pfgm", "gaussian"), ("psi_tanh", "gaussian"),
                                        ("straight", "poisson"), ("cosine", "gaussian")])
def test_log_density_change_is_the_divergence_integral(key, prior):
    """Post 12 eq:approx-ode: log p_{t1}(x_{t1}) − log p_{t0}(x_{t0}) = −∫ ∇·f dt along a trajectory."""
    cloud = make_dataset("moons", n=16)
    construction = make_construction(key, prior=prior)
    T = construction.T
    x0 = field.sample_prior(6, cloud, construction, torch.Generator().manual_seed(3)) * (0.9 if T == 1 else 1)
    t0, t1 = 0.9 * T, 0.05 * T
    times, states, delta = solvers.log_density_path(x0, t0, t1, cloud, construction, n_eval=5)
    closed = torch.stack([field.log_density(s, float(t), cloud, construction) for s, t in zip(states, times)])
    assert_close(delta, closed - closed[0], 1e-8, f"{key} log-density identity")


@pytest.mark.parametrize("name", ["gaussian", "poisson", "tanh", "exp"])
@pytest.mark.parametrize("d", [1, 2, 3])
def test_radial_kernels_integrate_to_one(name, d):
    kernel = get_kernel(name)

    def radial(r):
        z = torch.zeros(1, d, dtype=torch.float64)
        z[0, 0] = r
        return math.exp(log_sphere_area(d) + (d - 1) * math.log(max(r, 1e-300)) + float(kernel.log_density(z)[0]))

    total = sum(integrate.quad(radial, a, b, limit=200, epsabs=1e-13, epsrel=1e-12)[0]
                for a, b in ((0, 1), (1, 100), (100, np.inf)))
    assert abs(total - 1) < 1e-10, (name, d, total)


@pytest.mark.parametrize("d", [1, 2, 3, 10])
def test_poisson_constant_normalises_the_half_space_kernel(d):
    """C = Γ((d+1)/2)/π^{(d+1)/2} = 2/S_{d+1} makes ∫ C t/(t² + r²)^{(d+1)/2} dx = 1 (t = 1)."""
    C = math.exp(poisson_log_constant(d))
    assert C == pytest.approx(2 / math.exp(log_sphere_area(d + 1)), rel=1e-14)
    radial = lambda r: math.exp(log_sphere_area(d)) * r ** (d - 1) * C / (1 + r * r) ** ((d + 1) / 2)  # noqa: E731
    total = integrate.quad(radial, 0, 1, epsabs=1e-14)[0] + integrate.quad(radial, 1, np.inf, epsabs=1e-14)[0]
    assert abs(total - 1) < 1e-10


def poisson_radius_cdf(r, d):
    return sp.betainc(d / 2, 0.5, r * r / (1 + r * r))


@pytest.mark.parametrize("d", [1, 2, 3])
def test_three_poisson_samplers_match_the_incomplete_beta_law(d):
    n = 200_000
    ratio = torch.linalg.vector_norm(get_kernel("poisson").sample(n, d, torch.Generator().manual_seed(d)), dim=1)
    u = np.random.default_rng(d).beta(d / 2, 0.5, n)
    beta_radius = np.sqrt(u / (1 - u))  # PFGM repo
    for sample in (ratio.numpy(), beta_radius):
        assert stats.kstest(sample, lambda r: poisson_radius_cdf(r, d)).pvalue > 1e-3
    closed = {1: lambda r: 2 / np.pi * np.arctan(r), 2: lambda r: 1 - (1 + r * r) ** -0.5,
              3: lambda r: 2 / np.pi * (np.arctan(r) - r / (1 + r * r))}[d]
    grid = np.linspace(0.01, 50, 500)
    assert np.abs(closed(grid) - poisson_radius_cdf(grid, d)).max() < 1e-12
    median = {1: 1.0, 2: math.sqrt(3), 3: 2.2644}[d]
    assert poisson_radius_cdf(median, d) == pytest.approx(0.5, abs=5e-5)


@pytest.mark.parametrize("name, psi", [("tanh", np.tanh), ("exp", lambda r: 1 - np.exp(-r)),
                                       ("gaussian", lambda r: sp.gammainc(1.0, r * r / 2))])
def test_radial_samplers_follow_their_cdf(name, psi):
    r = torch.linalg.vector_norm(get_kernel(name).sample(100_000, 2, torch.Generator().manual_seed(5)), dim=1)
    assert stats.kstest(r.numpy(), psi).pvalue > 1e-3


def test_pfgm_density_is_minus_twice_the_field_flux_and_lines_are_the_velocity():
    """p_t = −2 F_t with post 13's normalisation; dx/dt = F_x/F_t is the core's PFGM velocity."""
    cloud = make_dataset("spiral", n=20)
    construction = make_construction("pfgm")
    x, t = random_queries(cloud, construction, m=16)
    Fx, Ft = augmented_field(x, t, cloud)
    p = torch.exp(field.log_density(x, t, cloud, construction))
    assert_close(-2 * Ft / p, torch.ones_like(p), 1e-13, "p_t = −2F_t")
    assert_close(Fx / Ft[:, None], field.velocity(x, t, cloud, construction), 1e-13, "F_x/F_t")


def test_uniform_prior_outside_support_has_zero_field_and_is_flagged():
    cloud = make_dataset("post15_1d")
    construction = make_construction("straight", prior="uniform")
    x = torch.tensor([[0.4], [1.5], [5.0]], dtype=torch.float64)
    values = field.evaluate(x, 0.2, cloud, construction)
    assert values.empty.tolist() == [False, False, True]
    assert float(values.velocity[2, 0]) == 0.0 and torch.isneginf(values.log_density[2])
    # inside: only the support [0.8·1.7, 0.8·1.7 + 0.4] of 1.7 contains 1.5 -> f = (x − 1.7)/t
    assert float(values.velocity[1, 0]) == pytest.approx((1.5 - 1.7) / 0.2, rel=1e-14)


def test_chunked_evaluation_equals_one_block():
    cloud = make_dataset("checkerboard", n=64)
    construction = make_construction("pfgm")
    x, t = random_queries(cloud, construction, m=300)
    whole = field.evaluate(x, t, cloud, construction, divergence=True)
    parts = field.evaluate(x, t, cloud, construction, divergence=True, chunk_elements=1000)
    for name in ("velocity", "mean", "log_density", "divergence"):
        assert torch.equal(getattr(whole, name), getattr(parts, name)), name


def test_float32_far_from_origin_keeps_accuracy():
    """Residuals are explicit differences: offset data in float32 lose little (brief §2.9)."""
    base = make_dataset("moons", n=64)
    shifted = from_points(npy(base.points) + 100.0)
    construction = make_construction("ve")
    x = shifted.points[:8] + 0.03
    exact = field.posterior_mean(x, 0.05, shifted, construction)
    single = field.posterior_mean(x.float(), 0.05, shifted.to(dtype=torch.float32), construction)
    assert float((single.double() - exact).abs().max()) < 1e-3


def test_sympy_psi_construction_is_divergence_free_and_recovers_gaussian():
    r, t, d = sympy.symbols("r t d", positive=True)
    psi = sympy.Function("psi")(r, t)
    phi = r ** (1 - d) * sympy.diff(psi, r)
    varphi = -r ** (-d) * sympy.diff(psi, t)
    assert sympy.simplify(sympy.diff(phi, t) + r ** (1 - d) * sympy.diff(varphi * r ** d, r)) == 0
    sigma = sympy.Function("sigma")(t)
    rho = sympy.symbols("rho", positive=True)
    for dim in (1, 2):
        gauss = (2 * sympy.pi * sigma ** 2) ** sympy.Rational(-dim, 2) * sympy.exp(-r ** 2 / (2 * sigma ** 2))
        mass = sympy.integrate(gauss.subs(r, rho) * rho ** (dim - 1), (rho, 0, r))
        varphi_gauss = -r ** (-dim) * sympy.diff(mass, t)
        assert sympy.simplify(varphi_gauss - sympy.diff(sigma, t) / sigma * gauss) == 0


def test_lambda_t_is_not_arbitrary():
    """Post 14 erratum: a term −λ̇ (x − x0)/r^d has flux −λ̇ S_d through every sphere, i.e. a point
    source at x0 (the divergence equation fails there)."""
    r, lam_dot = sympy.symbols("r lamdot", positive=True)
    for dim in (1, 2, 3):
        flux = -lam_dot * r ** (1 - dim) * sympy.Integer(1) * r ** (dim - 1) * 2 * sympy.pi ** sympy.Rational(dim, 2) \
            / sympy.gamma(sympy.Rational(dim, 2))
        assert sympy.simplify(flux) != 0 and sympy.diff(flux, r) == 0


@pytest.mark.parametrize("name", list(PRESETS))
def test_presets_are_seeded_and_finite(name):
    a, b = make_dataset(name, n=32, seed=4), make_dataset(name, n=32, seed=4)
    assert torch.equal(a.points, b.points) and torch.isfinite(a.points).all()
    assert float(a.weights.sum()) == pytest.approx(1.0)


@pytest.mark.parametrize("points, fragment", [([], "empty"), ([[np.nan, 0]], "NaN"), ([[1e9, 0]], "rescale"),
                                              (np.zeros((5000, 2)), "too many")])
def test_bad_point_sets_are_rejected(points, fragment):
    with pytest.raises(ValueError, match=fragment):
        from_points(points)


def test_duplicates_become_weights():
    cloud = make_dataset("post15_1d")
    assert cloud.points[:, 0].tolist() == [0.5, 1.2, 1.7] and cloud.weights.tolist() == [0.5, 0.25, 0.25]


def test_every_kernel_listed():
    assert set(KERNELS) == {"gaussian", "poisson", "tanh", "exp", "uniform"}
