"""Mean-field optimum α*(n) of 9812: closed forms vs numerical maximisation, Bessel oracles, the
post's figures and fitted constants by its own fitting (brief §6.2–6.6, 6.14, 6.15)."""
from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import scipy.integrate
import scipy.optimize
import scipy.special
import sympy
import torch

from kexue_viz.attention.optimum import (POST_GRID, alpha_star, alpha_star_normal, approx_objective, fit_constant,
                                         lambertw, n_for_alpha, stationary_log_n)
from kexue_viz.attention.scores import (from_alpha, log_mgf, log_r, sample_cosines_by_vectors, sample_scores,
                                        tilted_mean, to_alpha)

from numeric_asserts import assert_close, npy

GRID = torch.tensor(POST_GRID, dtype=torch.float64)


def test_lambertw_matches_scipy():
    x = np.logspace(-3, 12, 400)
    got = npy(lambertw(x))
    want = scipy.special.lambertw(x).real
    assert np.max(np.abs(got / want - 1)) < 1e-12


def test_closed_form_alpha_star_against_a_scalar_optimiser():
    want = {2: 0.515993, 10: 1.060348, 512: 2.008395, 1e6: 3.271990}
    got = npy(alpha_star_normal(list(want)))
    assert_close(got, list(want.values()), 1e-6, "brief values", rel=False)
    for n, value in zip(want, got):
        found = scipy.optimize.minimize_scalar(lambda a: -float(approx_objective(a, n)), bounds=(1e-6, 6),
                                               method="bounded", options={"xatol": 1e-12}).x
        assert abs(found - value) < 1e-7, (n, found, value)


def test_approx_objective_is_finite_where_the_literal_formula_overflows():
    alpha = torch.tensor([20.0, 26.65], dtype=torch.float64)  # e^{α²} overflows float64 beyond α ≈ 26.64
    literal = alpha * (1 - torch.exp(alpha ** 2) / 512)
    assert not torch.isfinite(literal[1])
    got = approx_objective(alpha, 512)
    assert torch.isfinite(got).all() and float(got[1]) < -1e300


def cosine_log_mgf_oracles(alpha, d):
    nu = d / 2 - 1
    by_ive = math.lgamma(nu + 1) + nu * math.log(2 / alpha) + math.log(scipy.special.ive(nu, alpha)) + alpha
    by_mpmath = float(mpmath.log(mpmath.gamma(nu + 1) * (2 / mpmath.mpf(alpha)) ** nu * mpmath.besseli(nu, alpha)))
    weight = lambda s: (1 - s * s) ** ((d - 3) / 2)  # the post's h(a)/h(0)
    h = scipy.integrate.quad(lambda s: math.exp(alpha * s - alpha) * weight(s), -1, 1, epsabs=0, epsrel=1e-13,
                             limit=400)[0]
    h0 = scipy.integrate.quad(weight, -1, 1, epsabs=0, epsrel=1e-13, limit=400)[0]
    return by_ive, by_mpmath, math.log(h / h0) + alpha


@pytest.mark.parametrize("d", [16, 128])
def test_cosine_mgf_quadrature_against_bessel_and_the_posts_integral(d):
    for alpha in (0.5, 5.0, 30.0, 80.0):
        got = float(log_mgf(alpha, "cosine", d))
        for oracle in cosine_log_mgf_oracles(alpha, d):
            assert abs(got - oracle) <= 1e-9 * max(1.0, abs(oracle)), (d, alpha, got, oracle)
    assert_close(log_mgf([5.0, 30.0, 80.0], "cosine", 128), [0.0975830, 3.4267060, 21.666767], 1e-6,
                 "brief ln M", rel=False)
    nu = d / 2 - 1
    ratio = scipy.special.ive(nu + 1, 20.0) / scipy.special.ive(nu, 20.0)
    assert abs(float(tilted_mean(20.0, "cosine", d)) - ratio) < 1e-10


def test_cosine_mgf_stays_finite_where_scipy_underflows():
    d, alpha = 2048, 50.0
    assert scipy.special.ive(d / 2 - 1, alpha) == 0.0  # scipy: ln 0 = −inf
    value = float(log_mgf(alpha, "cosine", d))
    want = float(mpmath.log(mpmath.hyp0f1(d / 2, mpmath.mpf(alpha) ** 2 / 4)))
    assert abs(value - want) < 1e-9 * abs(want)


def test_cosine_alpha_star_inversion_against_bounded_maximisation():
    n = torch.tensor([40.0, 512.0, 20000.0], dtype=torch.float64)
    got = npy(alpha_star(n, "cosine", 128))
    for nv, value in zip(n.tolist(), got):
        found = scipy.optimize.minimize_scalar(lambda a: -float(approx_objective(a, nv, "cosine", 128)),
                                               bounds=(1.0, 80.0), method="bounded", options={"xatol": 1e-10}).x
        assert abs(found - value) < 1e-6, (nv, found, value)


def test_figure_1_normal_targets_and_fit():
    alpha = alpha_star(GRID)
    assert abs(fit_constant(GRID, alpha, "sqrt_log") - 0.8413) < 5e-4
    logspaced = torch.logspace(math.log10(40), math.log10(20000), 500, dtype=torch.float64)
    assert abs(fit_constant(logspaced, alpha_star(logspaced), "sqrt_log") - 0.817) < 1e-3
    points = torch.tensor([40.0, 100, 512, 1000, 4096, 20000], dtype=torch.float64)
    assert_close(alpha_star(points), [1.4342, 1.6545, 2.0084, 2.1419, 2.4055, 2.6782], 1e-4, "α*", rel=False)
    gap = alpha.cpu() - 0.84 * torch.sqrt(torch.log(GRID))
    assert int(gap.abs().argmax()) == 0 and abs(float(gap[0]) + 0.179) < 1e-3
    # "α* between 2 and 3 over a wide range": n ∈ [491.4, 153 959]; α* = 2.5 at n = 6993
    assert_close(n_for_alpha([2.0, 3.0]), [491.4, 153959], 1e-5, "range ends", rel=True)
    assert abs(float(n_for_alpha(2.5)) - 6993) < 1


def test_figure_2_cosine_targets_and_fit():
    alpha = alpha_star(GRID, "cosine", 128)
    assert abs(fit_constant(GRID, alpha, "log") - 3.4877) < 5e-4
    points = torch.tensor([40.0, 100, 512, 1000, 4096, 20000], dtype=torch.float64)
    assert_close(alpha_star(points, "cosine", 128), [16.810, 19.586, 24.214, 26.021, 29.700, 33.684], 1e-3,
                 "α*_cos", rel=False)
    ends = n_for_alpha(torch.tensor([25.0, 35.0]), "cosine", 128)
    assert abs(float(ends[0]) - 684) < 1 and abs(float(ends[1]) - 34149) < 20
    for d, slope in ((16, 2.412), (32, 2.304), (256, 4.704)):
        assert abs(fit_constant(GRID, alpha_star(GRID, "cosine", d), "log") - slope) < 1e-3


def test_large_d_limit_of_the_cosine_optimum():
    n = torch.tensor([512.0], dtype=torch.float64)
    ratios = [float(alpha_star(n, "cosine", d)[0]) / math.sqrt(d) for d in (16, 32, 128, 256, 4096)]
    assert_close(ratios[:4], [3.292, 2.569, 2.140, 2.074], 1e-3, "α*/√d", rel=False)
    assert all(a > b for a, b in zip(ratios, ratios[1:]))
    assert abs(ratios[-1] - float(alpha_star_normal(512))) < 0.01


def test_cosine_fit_is_a_range_fit_growth_is_a_power_of_n():
    """As n → ∞ at fixed d, r(α) ~ α^{(d−1)/2}, so n(α) ~ α^{(d−1)/2} and α* ~ n^{2/(d−1)}, not ln n."""
    d = 16
    log_n = stationary_log_n(torch.tensor([500.0, 1000.0, 4000.0, 8000.0], dtype=torch.float64), "cosine", d)
    slopes = (log_n[1::2] - log_n[0::2]) / math.log(2)
    assert float(slopes[0]) < float(slopes[1]) < (d - 1) / 2 and abs(float(slopes[1]) - (d - 1) / 2) < 0.01


def test_sympy_stationarity_and_bessel_ratio():
    a, n = sympy.symbols("alpha n", positive=True)
    f = a * (1 - sympy.exp(a ** 2) / n)
    stationary = sympy.solve(sympy.Eq(sympy.diff(f, a), 0), n)
    assert len(stationary) == 1 and sympy.simplify(stationary[0] - sympy.exp(a ** 2) * (1 + 2 * a ** 2)) == 0
    d = 128
    M = sympy.hyper([], [sympy.Rational(d, 2)], a ** 2 / 4)
    log_derivative = sympy.diff(M, a) / M
    for value in (3.0, 40.0):
        got = float(log_derivative.subs(a, value).evalf(30))
        want = float(mpmath.besseli(d / 2, value) / mpmath.besseli(d / 2 - 1, value))
        assert abs(got - want) < 1e-12


def test_unit_conversions_and_samplers():
    for model, d in (("normal", 64), ("cosine", 128)):
        for unit in ("alpha", "lambda", "temperature"):
            assert abs(to_alpha(from_alpha(2.5, unit, model, d), unit, model, d) - 2.5) < 1e-12
    assert to_alpha(0.25, "lambda", "normal", 64) == 2.0 and to_alpha(0.25, "lambda", "cosine", 64) == 16.0
    beta = sample_scores("cosine", (200_000,), d=32, seed=1, dtype=torch.float64)
    literal = sample_cosines_by_vectors((200_000,), d=32, seed=2)
    for sample in (beta, literal):  # both against the law: Var = 1/d, E s⁴ = 3/(d(d+2))
        assert abs(float(sample.var()) * 32 - 1) < 0.01
        assert abs(float((sample ** 4).mean()) * 32 * 34 / 3 - 1) < 0.03
    assert abs(float(log_r(2.0)[0]) - 4.0) < 1e-15
