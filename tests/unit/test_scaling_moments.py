"""Per-coordinate update moments (kexue_viz.scaling.moments / moment_table) against independent
references: mpmath quadrature, scipy, Monte Carlo, series, the brief's reference numbers."""
from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest
import scipy.integrate
import scipy.special
import torch

from kexue_viz.scaling.moment_table import softsign_lookup
from kexue_viz.scaling.moments import (adam_moments, clip_moments, erf_rational_moments, kink_quadrature,
                                       mean_field_moments, sign_moments, softsign_exact, softsign_map,
                                       update_moments)
from numeric_asserts import assert_close

F64 = torch.float64


def T(*values):
    return torch.tensor(values, dtype=F64)


def mp_moments(phi, a, b):
    """E φ(y), E φ(y)² for y ~ N(a, 1) by mpmath with breakpoints at −b, 0, b, a ± 12."""
    density = lambda y: mp.npdf(y, a, 1)  # noqa: E731
    points = sorted({-mp.inf, a - 12, -b, mp.mpf(0), b, a + 12, mp.inf})
    return (float(mp.quad(lambda y: phi(y, b) * density(y), points)),
            float(mp.quad(lambda y: phi(y, b) ** 2 * density(y), points)))


@pytest.fixture(scope="module")
def random_pairs():
    rng = np.random.default_rng(7)
    a = np.concatenate([rng.uniform(-60, 60, 25), rng.uniform(-4, 4, 25)])
    b = 10 ** rng.uniform(-4, 4, 50)
    return a, b


def test_softsign_exact_matches_mpmath(random_pairs):
    mp.mp.dps = 17
    a, b = random_pairs
    refs = np.array([mp_moments(lambda y, e: y / mp.sqrt(y * y + e * e), x, e) for x, e in zip(a, b)])
    m1, m2 = softsign_exact(torch.as_tensor(a), torch.as_tensor(b))
    assert_close(m1, refs[:, 0], 1e-11, "M1", rel=False)
    assert np.max(np.abs(m2.numpy() / refs[:, 1] - 1)) < 1e-12


def test_adam_moments_match_mpmath(random_pairs):
    mp.mp.dps = 20
    a, b = (x[::5] for x in random_pairs)
    refs = np.array([mp_moments(lambda y, e: y / (abs(y) + e), x, e) for x, e in zip(a, b)])
    m1, m2 = adam_moments(torch.as_tensor(a), torch.as_tensor(b))
    assert_close(m1, refs[:, 0], 1e-10, "Adam M1", rel=False)
    assert np.max(np.abs(m2.numpy() / refs[:, 1] - 1)) < 1e-10


def test_reference_numbers_of_the_brief():
    m1, m2 = softsign_exact(T(1.0, 0.5, 0.0), T(1.0, 0.01, 1.0))
    assert_close(m1, [0.5134672004, 0.3828386806, 0.0], 1e-9, "M1 refs")
    assert_close(m2, [0.4791375641, 0.9890161114, 0.344320457581], 1e-9, "M2 refs")
    c1, c2 = clip_moments(T(0.3, 0.0), T(0.7, 1.0))
    assert_close(c1[0], 0.218395190915, 1e-11, "C1(0.3,0.7)")
    assert_close(c2, [0.659186658156, 0.516058550962], 1e-11, "C2")


def test_laplace_route_agrees_with_kink_quadrature(random_pairs):
    a, b = (torch.as_tensor(x) for x in random_pairs)
    laplace = softsign_exact(a, b)
    direct = kink_quadrature(softsign_map, a, b)
    assert_close(laplace[0], direct[0], 1e-8, "M1 two routes", rel=False)
    assert_close(laplace[1], direct[1], 1e-10, "M2 two routes", rel=False)


@pytest.mark.parametrize("a, b", [(0.3, 0.7), (-1.5, 2.0), (2.5, 0.05), (0.0, 1e-3), (4.0, 30.0)])
def test_clip_closed_forms_match_scipy(a, b):
    clip = lambda y: float(np.clip(y / b, -1, 1))  # noqa: E731
    density = lambda y: math.exp(-0.5 * (y - a) ** 2) / math.sqrt(2 * math.pi)  # noqa: E731
    points = [-b, 0.0, b]
    first = sum(scipy.integrate.quad(lambda y: clip(y) * density(y), lo, hi, epsabs=1e-13, limit=200)[0]
                for lo, hi in zip([a - 14, *points], [*points, a + 14]))
    second = sum(scipy.integrate.quad(lambda y: clip(y) ** 2 * density(y), lo, hi, epsabs=1e-13, limit=200)[0]
                 for lo, hi in zip([a - 14, *points], [*points, a + 14]))
    c1, c2 = clip_moments(T(a), T(b))
    assert_close(c1, [first], 1e-10, "C1", rel=False)
    assert_close(c2, [second], 1e-10, "C2", rel=False)


def test_clip_series_and_closed_forms_meet_at_the_switch():
    mp.mp.dps = 30
    for b in (0.99e-4, 1.01e-4):
        for a in (-1.0, 0.2, 1.7):
            def clip(y, power):
                return min(max(y / b, -1), 1) ** power * mp.npdf(y, a, 1)

            want = [float(mp.quad(lambda y: clip(y, k), [-mp.inf, -b, 0, b, mp.inf])) for k in (1, 2)]
            c1, c2 = clip_moments(T(a), T(b))
            assert_close(torch.stack([c1, c2])[:, 0], want, 1e-8, f"clip at a={a}, b={b}", rel=False)


def test_sign_is_erf_and_monte_carlo_agrees():
    a = T(-2.0, -0.3, 0.0, 0.7, 3.0)
    m1, m2 = sign_moments(a)
    assert_close(m1, scipy.special.erf(a.numpy() / math.sqrt(2)), 1e-14, "erf", rel=False)
    assert torch.all(m2 == 1)
    generator = torch.Generator().manual_seed(0)
    y = a[:, None] + torch.randn(5, 400_000, generator=generator, dtype=F64)
    estimate = torch.sign(y).mean(1)
    standard_error = torch.sign(y).std(1) / math.sqrt(y.shape[1])
    assert torch.all((estimate - m1).abs() < 4 * standard_error + 1e-12)


def test_softsign_monte_carlo():
    a, b = T(0.4, 1.5, -2.0), T(0.3, 1.0, 2.5)
    generator = torch.Generator().manual_seed(1)
    y = a[:, None] + torch.randn(3, 300_000, generator=generator, dtype=F64)
    u = softsign_map(y, b[:, None])
    m1, m2 = softsign_exact(a, b)
    assert torch.all((u.mean(1) - m1).abs() < 4 * u.std(1) / math.sqrt(y.shape[1]))
    assert torch.all(((u * u).mean(1) - m2).abs() < 4 * (u * u).std(1) / math.sqrt(y.shape[1]))


def test_invariants():
    a = torch.linspace(-8, 8, 81, dtype=F64)
    for b_value in (1e-3, 0.3, 1.0, 5.0):
        b = torch.full_like(a, b_value)
        m1, m2 = softsign_exact(a, b)
        assert_close(m1, -torch.flip(m1, [0]), 1e-14, "M1 odd", rel=False)
        assert_close(m2, torch.flip(m2, [0]), 1e-14, "M2 even", rel=False)
        assert torch.all(m1 * m1 <= m2 + 1e-8) and torch.all(m2 <= 1 + 1e-15)  # |ΔM1| ≲ 1e-8
        assert torch.all(torch.diff(m1) > 0)
    b = torch.logspace(-3, 3, 61, dtype=F64)
    m1, m2 = softsign_exact(torch.full_like(b, 0.8), b)
    assert torch.all(torch.diff(m1) < 0) and torch.all(torch.diff(m2) < 0)


def test_small_and_large_b_series():
    a = T(-1.3, 0.0, 0.5, 2.0)
    b = torch.full_like(a, 1e-4)
    m1, m2 = softsign_exact(a, b)
    assert_close(m2, 1 - math.pi * b * torch.exp(-a * a / 2) / math.sqrt(2 * math.pi), 1e-7, "M2 b→0", rel=False)
    assert_close(m1, scipy.special.erf(a.numpy() / math.sqrt(2)), 1e-6, "M1 b→0", rel=False)
    b = torch.full_like(a, 3000.0)
    m1, m2 = softsign_exact(a, b)
    assert_close(m1, a / b - (a ** 3 + 3 * a) / (2 * b ** 3), 1e-9, "M1 b→∞ (next term O(b⁻⁵))", rel=False)
    assert torch.all(((m2 - ((a * a + 1) / b ** 2 - (a ** 4 + 6 * a * a + 3) / b ** 4)) / m2).abs() < 1e-8)


def test_approximations_at_their_defining_points():
    x = torch.linspace(0, 4, 40001, dtype=F64)
    error = (torch.special.erf(x) - x / torch.sqrt(x * x + math.pi / 4)).abs()
    assert float(error.max()) == pytest.approx(0.107838, abs=2e-6)
    assert float(x[error.argmax()]) == pytest.approx(1.33010, abs=2e-4)
    a = T(0.0, 1.0, 3.0)
    for fn in (erf_rational_moments, mean_field_moments):
        m1, m2 = fn(a, torch.zeros_like(a))
        assert torch.all(m1 >= 0) and torch.all(m1 < 1)
    assert_close(erf_rational_moments(a, torch.zeros_like(a))[1], [1, 1, 1], 0, "sign M2 (10542)")
    assert_close(mean_field_moments(a, torch.zeros_like(a))[1], [1, 1, 1], 0, "sign M2 (11280)")


def test_table_agrees_with_direct_quadrature():
    generator = torch.Generator().manual_seed(3)
    a = (torch.rand(4000, generator=generator, dtype=F64) - 0.5) * 300
    b = 10 ** (torch.rand(4000, generator=generator, dtype=F64) * 10 - 5)
    direct = softsign_exact(a, b)
    table = softsign_lookup(a, b)
    assert_close(table[0], direct[0], 5e-4, "table M1", rel=False)
    assert_close(table[1], direct[1], 5e-4, "table M2", rel=False)


def test_every_backend_routes_zero_epsilon_and_unknown_is_rejected():
    a = T(0.5, -1.0)
    for backend in ("exact", "clip", "adam"):
        m1, m2 = update_moments(a, torch.zeros_like(a), backend)
        assert_close(m1, scipy.special.erf(a.numpy() / math.sqrt(2)), 1e-15, backend, rel=False)
    with pytest.raises(ValueError, match="unknown moment backend"):
        update_moments(a, a, "gauss_hermite")


def test_torch_adam_first_step_is_eps_outside_the_root():
    g = T(0.3, -2e-3, 5e-4)
    parameter = torch.zeros(3, dtype=F64, requires_grad=True)
    optimizer = torch.optim.Adam([parameter], lr=1.0, eps=1e-3)
    parameter.grad = g.clone()
    optimizer.step()
    step = -parameter.detach()
    assert_close(step, g / (g.abs() + 1e-3), 1e-12, "Adam step = g/(|g|+ε)", rel=False)
    assert float((step - g / torch.sqrt(g * g + 1e-6)).abs().max()) > 1e-2  # not softsign
