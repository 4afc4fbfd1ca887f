"""η*(B) for SGD, SignSGD and SoftSignSGD: the brief's reference numbers (§3.3), limits,
symbolic identities (sympy), Monte Carlo, and each erratum of §9 at its corrected value."""
from __future__ import annotations

import math
import sys

import pytest
import sympy as sp
import torch

from kexue_viz.scaling import expected_loss as el
from kexue_viz.scaling import models
from kexue_viz.scaling.softsign import (collapsed, coordinate_moments, eta_curves, eta_infinity, find_peak, large_batch_coefficient,
                                        mean_update_shrinkage, per_coordinate_curve, sign_aligned_spike_peak, softsign,
                                        surge_threshold)
from numeric_asserts import assert_close

F64 = torch.float64
EPS_TABLE = [0.0, 0.25, 0.5, 1.0, 2.0, 3.0]


@pytest.fixture(scope="module")
def spike():
    return models.aligned_spike()


@pytest.fixture(scope="module")
def spike_peaks(spike):
    return find_peak(spike, EPS_TABLE)


def test_aligned_spike_sgd_and_sign_aggregates(spike):
    scales = el.sgd_scales(spike)
    assert (scales.eta_max, scales.B_noise_sgd, scales.B_simple) == pytest.approx((0.25, 4.1875, 16.0), rel=1e-12)
    D = spike.trace_H
    s = torch.sign(spike.g)
    S_off = float(s @ spike.H @ s) - D
    assert (D, S_off, math.sqrt(D / S_off)) == pytest.approx((67, 189, 0.595397), rel=1e-6)


def test_exact_softsign_peaks_reproduce_the_table(spike, spike_peaks):
    B_peak, eta_peak = spike_peaks
    assert_close(B_peak[:5], [11.113645, 10.7185, 11.3099, 14.4396, 51.2257], 2e-5, "B_peak")
    assert_close(eta_peak[:5], [0.284369, 0.310991, 0.338974, 0.401325, 0.564606], 2e-6, "η_peak")
    assert math.isnan(float(B_peak[5]))  # ε = 3: monotone
    assert_close(eta_infinity(spike, EPS_TABLE), [0.25, 0.257694, 0.279508, 0.353553, 0.559017, 0.790569], 2e-6, "η∞")


def test_sign_peak_closed_form(spike, spike_peaks):
    B_closed, eta_closed = sign_aligned_spike_peak(64, 3.0, 4.0)
    assert float(spike_peaks[0][0]) == pytest.approx(B_closed, rel=1e-6)
    assert float(spike_peaks[1][0]) == pytest.approx(eta_closed, rel=1e-9)


def test_collapsed_peaks_and_B_dL(spike):
    post_10563 = collapsed(spike, [0.0, 0.25, 0.5, 1.0], "pi_kappa2_over_2")
    post_11280 = collapsed(spike, [0.0, 0.25, 0.5, 1.0], "B_simple_eps")
    assert_close(post_10563.B_peak[:3], [13.802407, 14.82, 19.03], 5e-3, "10563 peaks")
    assert_close(post_11280.B_peak[:3], [8.786885, 9.43, 12.11], 5e-3, "11280 peaks")
    assert math.isnan(float(post_10563.B_peak[3])) and math.isnan(float(post_11280.B_peak[3]))
    assert float(post_10563.B_dL[0]) == pytest.approx(6.577710, rel=1e-6)
    assert float(post_11280.B_dL[0]) == pytest.approx(4.1875, rel=1e-12)
    for description in (post_10563, post_11280):  # 1/B_dL − 1/B_peak = 2/K (10542 (33))
        assert float(1 / description.B_dL[0] - 1 / description.B_peak[0]) == pytest.approx(2 / float(description.K[0]))


def test_homogeneous_collapsed_peak_is_K_beta2_over_one_minus_beta2(spike):
    beta2 = 67 / 189
    for rule, K in (("pi_kappa2_over_2", math.pi * 16 / 2), ("B_simple_eps", 16.0)):
        assert float(collapsed(spike, [0.0], rule).B_peak[0]) == pytest.approx(K * beta2 / (1 - beta2), rel=1e-12)


def test_surge_thresholds(spike):
    assert surge_threshold(spike, "exact") == pytest.approx(2.394022, rel=1e-6)
    assert surge_threshold(spike, "approximate") == pytest.approx(0.954174, rel=1e-6)
    rho = (64 + 3) / (64 * 4)
    assert surge_threshold(spike, "exact") == pytest.approx(math.sqrt(3 / (2 * rho)), rel=1e-9)


@pytest.mark.parametrize("few_pairs", [16, 0])  # S by matrix products / by row-then-column sums
def test_pair_grouped_curve_equals_the_coordinate_sum(monkeypatch, few_pairs):
    """per_coordinate_curve sums over distinct (|g|/σ, σ) pairs; it must equal the plain identity
    η* = Σm_ig_i / (mᵀHm + Σ(s_i − m_i²)H_ii) over coordinates (repeated pairs, signs, a zero
    gradient, a dense H with negative off-diagonals)."""
    monkeypatch.setattr(sys.modules["kexue_viz.scaling.softsign"], "FEW_PAIRS", few_pairs)  # the package
    # re-exports the function softsign under the module's name
    generator = torch.Generator().manual_seed(3)
    g = torch.tensor([1.0, -1.0, 0.5, -0.5, 0.5, 2.0, 0.0, -2.0], dtype=F64)
    sigma = torch.tensor([1.0, 1.0, 2.0, 2.0, 2.0, 1.0, 1.0, 3.0], dtype=F64)
    A = torch.randn(8, 8, generator=generator, dtype=F64)
    model = models.LocalModel(g, sigma, A @ A.T / 8 + torch.eye(8, dtype=F64))
    eps, B = torch.tensor([0.0, 0.3, 2.0], dtype=F64)[:, None], torch.logspace(-1, 4, 11, dtype=F64)[None, :]
    for backend in ("exact", "clip", "erf_rational", "mean_field"):
        m, s = coordinate_moments(model, eps, B, backend)
        want = el.optimal_step(m, s, model.g, model.H)
        got = per_coordinate_curve(model, eps, B, backend)
        for a, b, what in zip(got, want, ("η*", "ΔL")):
            assert_close(a, b, 1e-12, f"{backend} {what}")


def test_noise_ratio_only_rescales_batch_size():
    """σ = κσ̂ enters only through a, b ∝ √B/σ: η*(B; κ) = η*(B/κ²; 1), so B_peak ∝ κ², η_peak
    is unchanged and the surge thresholds (signs of C ∝ κ² and of Q − 2D) do not move."""
    for name in ("aligned_spike", "quantile"):
        unit, noisy = models.preset(name, 32, 3.0, 1.0), models.preset(name, 32, 3.0, 8.0)
        eps = torch.tensor([0.0, 0.5, 1.0], dtype=F64) * unit.rms_g
        B = torch.logspace(-1, 4, 21, dtype=F64)
        assert_close(per_coordinate_curve(noisy, eps[:, None], 64 * B)[0],
                     per_coordinate_curve(unit, eps[:, None], B)[0], 1e-12, "η*(64B; κ=8) = η*(B; 1)")
        (B_unit, eta_unit), (B_noisy, eta_noisy) = find_peak(unit, eps), find_peak(noisy, eps)
        assert_close(B_noisy, 64 * B_unit, 1e-6, "B_peak ∝ κ²", rel=True)
        assert_close(eta_noisy, eta_unit, 1e-9, "η_peak", rel=True)
        for criterion in ("exact", "approximate"):
            assert surge_threshold(noisy, criterion) == pytest.approx(surge_threshold(unit, criterion), rel=1e-9,
                                                                      nan_ok=True)


def test_mean_update_shrinkage_is_the_posts_beta(spike):
    """β = E[ũ]ᵀg/uᵀg: erf(a/√2) for exact SignSGD on the homogeneous model, and exactly
    (1 + K/B)^{-1/2} on the collapsed path (10542 (24), 11280 (4))."""
    B = torch.logspace(-1, 4, 41, dtype=F64, device=spike.g.device)
    eta, dL = eta_curves(spike, [0.0], B)
    beta = mean_update_shrinkage(spike, [0.0], eta, dL)
    assert_close(beta[0], torch.special.erf(B.sqrt() / (4.0 * math.sqrt(2.0))), 1e-12, "β = erf(a/√2)")
    eps = torch.tensor([0.0, 0.5, 1.0], dtype=F64)
    for backend, rule in (("erf_rational", "pi_kappa2_over_2"), ("mean_field", "B_simple_eps")):
        eta, dL = eta_curves(spike, eps, B, backend, "collapsed")
        K = collapsed(spike, eps, rule).K
        assert_close(mean_update_shrinkage(spike, eps, eta, dL), (1 + K[:, None] / B[None, :]) ** -0.5, 1e-12,
                     f"collapsed β ({backend})", rel=True)


def test_quantile_model_and_kappa_erratum():
    model = models.quantile()
    assert (float(model.g.abs().sum()), float(model.g @ model.g)) == pytest.approx((50.8507, 62.7399), rel=1e-5)
    B_peak, eta_peak = find_peak(model, [0.0])
    assert float(B_peak[0]) == pytest.approx(19.578, rel=1e-4)
    assert float(eta_peak[0]) == pytest.approx(0.284038, rel=1e-5)
    assert float(eta_infinity(model, [0.0])[0]) == pytest.approx(0.270996, rel=1e-5)
    assert float(collapsed(model, [0.0], "B_simple_eps").B_peak[0]) == pytest.approx(20.385, rel=1e-4)
    assert float(collapsed(model, [0.0], "pi_kappa2_over_2").B_peak[0]) == pytest.approx(32.02, rel=1e-3)
    arithmetic = float(collapsed(model, [0.0], "pi_kappa2_over_2", "arithmetic_mean").B_peak[0])
    assert arithmetic == pytest.approx(3124, rel=1e-3) and arithmetic / float(B_peak[0]) > 150  # erratum 3


def test_single_coordinate_diagonal_bump():
    one = models.LocalModel(torch.ones(1, dtype=F64), torch.ones(1, dtype=F64), torch.eye(1, dtype=F64))
    B_peak, eta_peak = find_peak(one, [0.3])
    assert float(B_peak[0]) == pytest.approx(6.3167, rel=1e-4)
    assert float(eta_peak[0] / eta_infinity(one, [0.3])[0]) == pytest.approx(1.017135, rel=1e-6)
    assert surge_threshold(one, "exact") == pytest.approx(math.sqrt(1.5), rel=1e-9)  # erratum 6
    assert math.isnan(surge_threshold(one, "approximate"))  # Q > 2D never holds on a diagonal H
    small = torch.tensor([1e-8], dtype=F64)
    eta, _ = per_coordinate_curve(one, torch.zeros(1, dtype=F64), small)
    assert float(eta[0] / small.sqrt()) == pytest.approx(math.sqrt(2 / math.pi), rel=1e-6)  # B→0: ∝ √B


def test_erratum_1_small_batch_limit_of_sign_on_diagonal_H():
    """10542 (26) prints Σσ_i/(κΣH_ii)·√(2B/π); (25) gives Σ|g_i|/(κΣH_ii)·√(2B/π)."""
    kappa, B = 4.0, torch.tensor([1e-6], dtype=F64)
    model = models.diagonal(N=16, kappa=kappa)
    corrected = float(model.g.abs().sum()) / (kappa * model.trace_H) * math.sqrt(2 * float(B) / math.pi)
    printed = float(model.sigma.sum()) / (kappa * model.trace_H) * math.sqrt(2 * float(B) / math.pi)
    exact = float(per_coordinate_curve(model, torch.zeros(1, dtype=F64), B)[0][0])
    post = float(collapsed(model, [0.0], "pi_kappa2_over_2").eta_star(B)[0, 0])
    assert exact == pytest.approx(corrected, rel=1e-5) and post == pytest.approx(corrected, rel=1e-5)
    assert printed / corrected == pytest.approx(kappa)


def test_erratum_2_three_noise_scales_differ(spike, spike_peaks):
    scales = el.sgd_scales(spike)
    B_dL = float(collapsed(spike, [0.0], "pi_kappa2_over_2").B_dL[0])
    assert len({round(scales.B_noise_sgd, 4), round(float(spike_peaks[0][0]), 4), round(B_dL, 4)}) == 3


def heterogeneous_model():
    """Varying σ_i and H_ii (and correlated curvature) for the ε → ∞ limit."""
    generator = torch.Generator().manual_seed(5)
    N = 12
    g = torch.randn(N, generator=generator, dtype=F64)
    sigma = 0.5 + 3 * torch.rand(N, generator=generator, dtype=F64)
    A = torch.randn(N, N, generator=generator, dtype=F64) / math.sqrt(N)
    H = A @ A.T + torch.diag(0.2 + 2 * torch.rand(N, generator=generator, dtype=F64))
    return models.LocalModel(g, sigma, H)


def test_erratum_4_large_eps_limit_is_sgd_with_the_true_sigma():
    model = heterogeneous_model()
    B = torch.tensor([0.5, 3.0, 40.0], dtype=F64)
    eps = 1e3 * model.rms_g
    eta, _ = per_coordinate_curve(model, torch.tensor([eps], dtype=F64)[:, None], B[None, :])
    g, H = model.g, model.H
    sgd_true = float(g @ g) / (float(g @ H @ g) + float((model.sigma ** 2 * model.diag_H).sum()) / B)
    post_pi_half = float(g @ g) / (float(g @ H @ g) + math.pi * float(model.sigma.pow(2).mean())
                                   * model.trace_H / (2 * B))
    assert_close(eta[0] / eps / sgd_true, torch.ones(3, dtype=F64), 1e-4, "η*/ε → SGD with true Σ")
    assert float((eta[0] / eps / post_pi_half - 1).abs().max()) > 1e-2


def test_erratum_5_Q_between_D_and_2D_has_no_interior_peak():
    """10563 states Q − D > 0; an interior maximum in β ∈ (0,1) needs Q > 2D."""
    model = models.aligned_spike(N=64, c=1.0, kappa=4.0)  # D = 65, Q = 128: D < Q < 2D
    description = collapsed(model, [0.0], "B_simple_eps")
    D, Q = description.D, float(description.Q[0])
    assert D < Q < 2 * D and math.isnan(float(description.B_peak[0]))
    B = torch.logspace(-2, 6, 400, dtype=F64)
    assert torch.all(torch.diff(description.eta_star(B)[0]) > 0)


def test_erratum_5_Q_can_grow_with_eps_under_negative_off_diagonals():
    model = models.LocalModel(torch.tensor([1.0, 0.01], dtype=F64), torch.ones(2, dtype=F64),
                              torch.tensor([[1.0, -0.9], [-0.9, 1.0]], dtype=F64))
    Q = collapsed(model, [0.0, 0.1]).Q
    assert float(Q[1]) > 3 * float(Q[0])


def test_limits_eps_to_zero_and_large_batch(spike):
    B = torch.logspace(-1, 4, 21, dtype=F64)
    sign_eta, _ = eta_curves(spike, [0.0], B)
    tiny_eta, _ = eta_curves(spike, [1e-9], B)
    assert_close(tiny_eta, sign_eta, 1e-6, "ε→0 gives SignSGD")
    model = heterogeneous_model()
    eps = torch.tensor([0.7 * model.rms_g], dtype=F64)
    big = torch.tensor([1e5, 1e6], dtype=F64)
    eta, _ = per_coordinate_curve(model, eps, big)
    scaled = big * (eta / eta_infinity(model, eps) - 1)  # = C + C₂/B + ...
    richardson = float(10 * scaled[1] - scaled[0]) / 9
    assert richardson == pytest.approx(float(large_batch_coefficient(model, eps)[0]), rel=1e-3)


def test_loss_decrease_is_monotone_while_eta_surges(spike):
    B = torch.logspace(-1, 6, 141, dtype=F64)
    for backend, path in (("exact", "per_coordinate"), ("erf_rational", "collapsed"), ("mean_field", "collapsed"),
                          ("clip", "per_coordinate")):
        eta, dL = eta_curves(spike, [0.0, 0.5, 2.0], B, backend, path)
        assert torch.all(eta > 0) and torch.all(dL > 0)
        assert torch.all(torch.diff(dL, dim=1) >= -1e-9 * dL[:, 1:]), backend
        assert float(eta[0].max()) > float(eta[0, -1]) * 1.05, backend  # the surge (ε = 0)
    _, dL = eta_curves(models.quantile(), [0.0, 0.5], B, "exact", method="quadrature")
    assert torch.all(torch.diff(dL, dim=1) >= -1e-9 * dL[:, 1:])


def test_monte_carlo_one_step_optimum_of_softsign(spike):
    """E[uᵀg]/E[uᵀHu] over sampled Gaussian batch gradients vs the exact per-coordinate η*."""
    model = models.quantile(N=16, c=3.0, kappa=2.0)
    eps, B, R = 0.4, 8.0, 200_000
    generator = torch.Generator().manual_seed(11)
    noise = torch.randn(R, model.N, generator=generator, dtype=F64).to(model.g.device)
    batch = model.g + model.sigma / math.sqrt(B) * noise
    u = softsign(batch, eps)
    gain, curvature = u @ model.g, ((u @ model.H) * u).sum(-1)
    eta_hat = float(gain.mean() / curvature.mean())
    # delta-method standard error of a ratio of means
    r = gain - eta_hat * curvature
    se = float(r.std() / math.sqrt(R) / curvature.mean())
    eta, _ = per_coordinate_curve(model, torch.tensor([eps], dtype=F64), torch.tensor([B], dtype=F64))
    assert abs(eta_hat - float(eta[0])) < 4 * se


def test_sgd_linear_regression_reference_numbers():
    S = torch.tensor([4, 2, 1, 0.5, 0.25, 0.125, 1 / 16, 1 / 32], dtype=F64)
    model = models.linear_regression_stats(torch.diag(S), torch.ones(8, dtype=F64), 0.5)
    scales = el.sgd_scales(model)
    assert (scales.B_noise_sgd, scales.B_simple, scales.eta_max) == pytest.approx((3.470015, 4.163424, 0.291662),
                                                                                  rel=2e-6)
    assert [scales.eta_star(b) for b in (1, 4, 32)] == pytest.approx([0.065249, 0.156178, 0.263129], rel=2e-5)


def test_sgd_linear_regression_monte_carlo_within_half_percent():
    S = torch.tensor([4, 2, 1, 0.5, 0.25, 0.125, 1 / 16, 1 / 32], dtype=F64)
    d = torch.ones(8, dtype=F64)
    model = models.linear_regression_stats(torch.diag(S), d, 0.5)
    generator = torch.Generator().manual_seed(2)
    B, R = 4, 250_000  # 1e6 examples
    x = torch.randn(R, B, 8, generator=generator, dtype=F64) * S.sqrt()
    residual = x @ d + math.sqrt(0.5) * torch.randn(R, B, generator=generator, dtype=F64)
    batch = (x * residual[..., None]).mean(1).to(model.g.device)
    eta_hat = float((batch @ model.g).mean() / ((batch @ model.H) * batch).sum(-1).mean())
    assert eta_hat == pytest.approx(el.sgd_scales(model).eta_star(B), rel=5e-3)


def test_nqm_init_and_closed_form_loss():
    h = models.nqm_curvatures(100)
    on = dict(dtype=F64, device=h.device)  # the core's device (CUDA when the suite runs there)
    theta0 = torch.ones(100, **on)
    scales = el.sgd_scales(models.nqm_model(theta0, h))
    assert scales.eta_max == pytest.approx(1.360211, rel=1e-6) and scales.B_noise_sgd == pytest.approx(1.360211,
                                                                                                       rel=1e-6)
    eta, B, K = torch.tensor([0.3, 1.1], **on), torch.tensor([4.0, 32.0], **on), 17
    closed = models.nqm_expected_loss(eta, B, K, h, theta0)
    mean, var = theta0.clone().expand(2, -1).clone(), torch.zeros(2, 100, **on)
    for _ in range(K):  # E θ and Var θ recursions: θ ← (1 − ηh)θ − η·noise, noise variance h/B
        mean = (1 - eta[:, None] * h) * mean
        var = (1 - eta[:, None] * h) ** 2 * var + eta[:, None] ** 2 * h / B[:, None]
    recursion = 0.5 * (h * (mean ** 2 + var)).sum(-1)
    assert_close(closed, recursion, 1e-12, "NQM closed form")
    grid = torch.linspace(0.01, 2.5, 2000, **on)
    one_step = models.nqm_expected_loss(grid, torch.tensor(8.0, **on), 1, h, theta0)
    assert float(grid[one_step.argmin()]) == pytest.approx(scales.eta_star(8.0), abs=2e-3)


def test_sympy_identities():
    eta, gg, gHg, tr, B, Bn, Smin, Emin = sp.symbols("eta gg gHg tr B B_n S_min E_min", positive=True)
    loss = -eta * gg + eta ** 2 / 2 * (gHg + tr / B)
    eta_star = sp.solve(sp.diff(loss, eta), eta)[0]
    assert sp.simplify(eta_star - (gg / gHg) / (1 + (tr / gHg) / B)) == 0
    assert sp.simplify(-loss.subs(eta, eta_star) - gg ** 2 / (2 * gHg) / (1 + (tr / gHg) / B)) == 0
    S, E = (1 + Bn / B) * Smin, B * (1 + Bn / B) * Smin
    assert sp.simplify((S / Smin - 1) * (E / (Bn * Smin) - 1) - 1) == 0
    beta, P, D, Soff, K = sp.symbols("beta P D S_off K", positive=True)
    Q = D + Soff
    eta_beta = beta * P / (D + beta ** 2 * (Q - D))
    assert sp.simplify(sp.solve(sp.diff(eta_beta, beta), beta)[0] ** 2 - D / (Q - D)) == 0
    beta_n = sp.sqrt(D / Soff)
    eta_max_sign = P / (2 * sp.sqrt(D * Soff))
    assert sp.simplify(eta_beta - eta_max_sign / ((beta_n / beta + beta / beta_n) / 2)) == 0
    B_peak, B_dL = K * D / (Q - 2 * D), K * D / Q
    assert sp.simplify(1 / B_dL - 1 / B_peak - 2 / K) == 0
    r = sp.symbols("r", positive=True)
    term = r / (1 + r) ** sp.Rational(3, 2)
    assert sp.solve(sp.diff(term, r), r) == [2] and sp.simplify(term.subs(r, 2) - 2 * sp.sqrt(3) / 9) == 0
    x, c = sp.symbols("x c", positive=True)
    assert sp.solve(sp.Eq(sp.diff(x / sp.sqrt(x ** 2 + c), x).subs(x, 0), 2 / sp.sqrt(sp.pi)), c) == [sp.pi / 4]


def test_steps_examples_fit_and_gns_estimators():
    B = torch.tensor([2.0, 5, 10, 30, 100, 400], dtype=F64)
    S_rel, E_rel = el.steps_examples(B, 12.0)
    S_min, E_min = 150.0, 150.0 * 12.0
    assert el.fit_steps_examples(S_rel * S_min, E_rel * E_min) == pytest.approx((S_min, E_min, 12.0), rel=1e-10)
    g2, trace = el.two_batch_noise_scale(torch.tensor(3.0 + 20 / 8), torch.tensor(3.0 + 20 / 64), 8, 64)
    assert (float(g2), float(trace)) == pytest.approx((3.0, 20.0))
    p, q = el.fit_inverse_line(B, 3.0 + 20 / B)
    assert (p, q) == pytest.approx((3.0, 20.0))
