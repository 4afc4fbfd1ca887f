"""9889: sparsity of attention weights as n → ∞, closed forms against quadrature and MC (§6.10–6.11)."""
from __future__ import annotations

import math

import mpmath
import scipy.integrate
import torch

from kexue_viz.attention.concentration import (sparsity_decay, sparsity_exp, sparsity_identity, sparsity_linear,
                                               sparsity_of_vector, sparsity_relu2, sparsity_relu2_post)

from numeric_asserts import assert_close


def by_quadrature(f, beta, gamma):
    density = lambda e: math.exp(-e * e / 2) / math.sqrt(2 * math.pi)
    first = scipy.integrate.quad(lambda e: abs(f(beta + gamma * e)) * density(e), -40, 40, epsabs=1e-14, limit=400,
                                 points=[-beta / gamma])[0]
    second = scipy.integrate.quad(lambda e: f(beta + gamma * e) ** 2 * density(e), -40, 40, epsabs=1e-14, limit=400,
                                  points=[-beta / gamma])[0]
    return first / math.sqrt(second)


def test_closed_forms_against_quadrature():
    for beta, gamma in ((0.3, 0.5), (-1.0, 1.2), (2.0, 0.7)):
        assert abs(float(sparsity_exp(gamma)) - by_quadrature(math.exp, beta, gamma)) < 1e-8
        relu2 = lambda x: max(x, 0.0) ** 2
        assert abs(float(sparsity_relu2(beta / gamma)) - by_quadrature(relu2, beta, gamma)) < 1e-8
        assert abs(float(sparsity_identity(beta / gamma)) - by_quadrature(lambda x: x, beta, gamma)) < 1e-8


def test_relu2_values_limits_and_stability():
    t = torch.tensor([-3, -2, -1, 0, 1, 2, 3.0], dtype=torch.float64)
    assert_close(sparsity_relu2(t), [0.01671, 0.07201, 0.20526, 0.40825, 0.61277, 0.76167, 0.85124], 1e-5, "relu²")
    assert abs(float(sparsity_relu2(0.0)) - 1 / math.sqrt(6)) < 1e-14
    finite = torch.linspace(-6, 5, 56, dtype=torch.float64)  # CUDA's erf makes the post's form NaN from ≈ −6.8
    assert_close(sparsity_relu2(finite), sparsity_relu2_post(finite, 1.0), 1e-9, "post form where finite")
    deep = torch.linspace(-40, -8.5, 20, dtype=torch.float64)
    assert torch.isnan(sparsity_relu2_post(deep, 1.0)).all()
    stable = sparsity_relu2(deep)
    assert torch.isfinite(stable).all() and (stable > 0).all() and bool((stable.diff() > 0).all())
    for t_value in (-20.0, -9.0):  # the Mills-ratio branch against mpmath
        mt = mpmath.mpf(t_value)
        Phi, phi = mpmath.ncdf(mt), mpmath.npdf(mt)
        want = ((mt ** 2 + 1) * Phi + mt * phi) / mpmath.sqrt((mt ** 4 + 6 * mt ** 2 + 3) * Phi + (mt ** 3 + 5 * mt) * phi)
        assert abs(float(sparsity_relu2(t_value)) / float(want) - 1) < 1e-7


def test_identity_is_even_with_minimum_sqrt_2_over_pi():
    t = torch.linspace(-5, 5, 201, dtype=torch.float64)
    values = sparsity_identity(t)
    assert_close(values, values.flip(0), 1e-14, "even")
    assert abs(float(values.min()) - math.sqrt(2 / math.pi)) < 1e-12 and int(values.argmin()) == 100
    assert_close(sparsity_identity(torch.tensor([1.0, 2, 3])), [0.82493, 0.90202, 0.94892], 1e-5, "identity")


def test_general_linear_against_monte_carlo():
    d = 16
    g = torch.Generator().manual_seed(0)
    q = torch.rand(d, generator=g, dtype=torch.float64)
    keys = torch.distributions.Gamma(2.0, 1.0).sample((400_000, d)).double()  # μ̃ = 2, σ̃ = √2
    weights = keys @ q
    mc = float(sparsity_of_vector(weights))
    assert abs(mc - float(sparsity_linear(math.sqrt(2) / 2, q))) < 1e-3
    # erratum (9889 §一般线性): ‖q̃‖₂/‖q̃‖₁ ∈ [1/√d, 1], maximum 1 at one-hot, not √d
    one_hot = torch.zeros(d, dtype=torch.float64)
    one_hot[3] = 1
    ratio = lambda v: float(v.norm() / v.abs().sum())
    assert abs(ratio(one_hot) - 1) < 1e-15 and abs(ratio(torch.ones(d)) - 1 / math.sqrt(d)) < 1e-15
    samples = torch.rand(10_000, d, generator=g, dtype=torch.float64)
    ratios = samples.norm(dim=1) / samples.sum(dim=1)
    assert float(ratios.max()) <= 1 and float(ratios.min()) >= 1 / math.sqrt(d) - 1e-15


def test_decay_closed_form():
    for lam in (0.5, 0.9, 0.999):
        for n in (1, 10, 500):
            vector = lam ** torch.arange(n - 1, -1, -1, dtype=torch.float64)
            assert abs(float(sparsity_decay(lam, n)) - float(sparsity_of_vector(vector))) < 1e-12
    assert float(sparsity_decay(1.0, 1000)) == 1.0
    assert abs(float(sparsity_decay(1 - 1e-9, 1000)) - 1) < 1e-6
    big = sparsity_decay(0.9, torch.tensor([1e2, 1e4, 1e6]))
    assert bool((big.diff() < 0).all()) and float(big[-1]) < 1e-2
