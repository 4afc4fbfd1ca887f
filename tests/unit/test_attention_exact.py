"""Exact expectations by the n-independent quadrature, against Monte Carlo, scipy and the brief's
reference values; and the central finding: the exact mean objective has no interior maximum
while the per-draw median peaks, far from the mean-field α* (brief §2.3–2.5, §6.7–6.8)."""
from __future__ import annotations

import math

import pytest
import scipy.integrate
import scipy.stats
import torch

from kexue_viz.attention import exact, scores
from kexue_viz.attention.exact import expected_stats, objective_limit
from kexue_viz.attention.montecarlo import argmax_alpha, entropy_over_alpha, gradient_over_alpha, summarize
from kexue_viz.attention.optimum import alpha_star, approx_objective
from kexue_viz.attention.scores import sample_scores

from numeric_asserts import assert_close

REFERENCE = [  # model, d, α, n, E[Σp²], E[H]
    ("normal", 0, 1.0, 64, 0.038804, 3.684746),
    ("normal", 0, 2.0, 64, 0.160735, 2.642502),
    ("normal", 0, 3.0, 256, 0.215575, 2.562473),
    ("normal", 0, 2.5, 1024, 0.072289, 4.183846),
    ("normal", 0, 4.0, 512, 0.312265, 2.065132),
    ("cosine", 128, 10.0, 64, 0.032034, 3.787025),
    ("cosine", 128, 24.0, 512, 0.051817, 4.259002),
    ("cosine", 128, 40.0, 512, 0.232402, 2.514093),
]


@pytest.mark.parametrize("model", ["normal", "cosine"])
def test_reference_values(model):
    rows = [r for r in REFERENCE if r[0] == model]
    stats = expected_stats([r[2] for r in rows], [r[3] for r in rows], model, 128)
    assert_close(stats.sum_p2, [r[4] for r in rows], 2e-6, "E[Σp²]", rel=False)
    assert_close(stats.entropy, [r[5] for r in rows], 2e-6, "E[H]", rel=False)


def test_grid_refinement_changes_nothing(monkeypatch):
    alpha, n = [1.0, 3.0, 8.0, 24.0], [64, 256, 512, 512]
    models = ["normal", "normal", "normal", "cosine"]
    before = [expected_stats(a, m_n, model) for a, m_n, model in zip(alpha, n, models)]
    monkeypatch.setattr(exact, "V_STEP", exact.V_STEP / 2)
    monkeypatch.setattr(scores, "RESOLUTION", scores.RESOLUTION / 2)
    monkeypatch.setattr(scores, "THETA_NODES", scores.THETA_NODES * 2)
    after = [expected_stats(a, m_n, model) for a, m_n, model in zip(alpha, n, models)]
    for b, a in zip(before, after):
        assert_close(b.sum_p2, a.sum_p2, 1e-8, "E[Σp²] refined", rel=False)
        assert_close(b.entropy, a.entropy, 1e-8, "E[H] refined", rel=False)


def test_single_key_and_zero_scale():
    stats = expected_stats([0.0, 2.0, 7.0], [1, 1, 1])
    assert_close(stats.sum_p2, [1.0, 1.0, 1.0], 1e-10, "n = 1")
    assert_close(stats.entropy, [0.0, 0.0, 0.0], 1e-10, "n = 1 entropy", rel=False)
    uniform = expected_stats(0.0, 100)
    assert abs(float(uniform.sum_p2[0]) - 0.01) < 1e-10 and abs(float(uniform.entropy[0]) - math.log(100)) < 1e-9


@pytest.mark.parametrize("model,d,alpha,n,samples", [("normal", 0, 2.0, 64, 200_000), ("normal", 0, 3.0, 256, 50_000),
                                                      ("cosine", 128, 24.0, 64, 100_000)])
def test_monte_carlo_agrees_within_three_standard_errors(model, d, alpha, n, samples):
    draws = sample_scores(model, (samples, n), d or 128, seed=11, dtype=torch.float64)
    p2 = -gradient_over_alpha(draws, [alpha])[0] / alpha + 1  # Σp² per draw
    H = entropy_over_alpha(draws, [alpha])[0]
    want = expected_stats(alpha, n, model, d or 128)
    for values, target in ((p2, want.sum_p2), (H, want.entropy)):
        stats = summarize(values[None], dim=1)
        assert abs(float(stats.mean[0] - target[0])) < 3 * float(stats.se[0])


def test_large_alpha_limit():
    normal = lambda s: math.exp(-s * s / 2) / math.sqrt(2 * math.pi)
    for n in (2, 16, 64, 512):
        want = scipy.integrate.quad(lambda s: n * (n - 1) * normal(s) ** 2 * scipy.stats.norm.cdf(s) ** (n - 2),
                                    -12, 12, epsabs=1e-13, epsrel=1e-12, limit=400)[0]
        assert abs(float(objective_limit(n)[0]) - want) < 1e-8
    assert abs(float(objective_limit(2)[0]) - 1 / math.sqrt(math.pi)) < 1e-12
    assert_close(objective_limit([16, 64, 512, 4096]), [1.76599, 2.34373, 3.04390, 3.62608], 1e-5, "L(n)",
                 rel=False)
    assert_close(objective_limit([64, 512], "cosine", 128), [27.016, 35.837], 1e-3, "L cosine", rel=False)


def test_n2_has_the_exact_sech_form():
    """n = 2: Δ = s₁ − s₂ ~ N(0, 2), E[α(1 − Σp²)] = E[α / (2 cosh²(αΔ/2))]."""
    for alpha in (0.5, 2.0, 6.0):
        want = scipy.integrate.quad(lambda x: alpha / (2 * math.cosh(alpha * x / 2) ** 2)
                                    * math.exp(-x * x / 4) / math.sqrt(4 * math.pi), -20, 20, epsabs=1e-13,
                                    limit=400)[0]
        assert abs(float(expected_stats(alpha, 2).objective[0]) - want) < 1e-9


def test_central_finding_no_interior_maximum_of_the_exact_mean():
    """The exact mean objective rises monotonically to L(n) (brief §2.5 table): the post's α* is
    the optimum of its mean-field approximation, not of the expected objective."""
    grid = torch.tensor([1, 2, 3, 4, 6, 8, 12, 16.0], dtype=torch.float64)
    table = {64: [0.9612, 1.6785, 2.0211, 2.1674, 2.2719, 2.3058, 2.3280, 2.3352],
             512: [0.9948, 1.9072, 2.4843, 2.7509, 2.9338, 2.9884, 3.0220, 3.0323]}
    for n, row in table.items():
        objective = expected_stats(grid, n).objective
        assert_close(objective, row, 1e-4, f"exact mean objective n={n}", rel=False)
        fine = expected_stats(torch.linspace(0.5, 16, 24, dtype=torch.float64), n).objective
        assert bool((fine.diff() > 0).all())
        assert float(fine[-1]) < float(objective_limit(n)[0])
    cosine = expected_stats(torch.linspace(4, 112, 10, dtype=torch.float64), 512, "cosine", 128).objective
    assert bool((cosine.diff() > 0).all()) and float(cosine[-1]) < 35.837
    # the approximation disagrees beyond the freezing point √(ln n / 2): n = 512
    approx = 1 - approx_objective(torch.tensor([1.0, 2.0, 3.0]), 512).cpu() / torch.tensor([1.0, 2.0, 3.0])
    assert_close(approx, [0.005309, 0.1067, 15.8], 2e-3, "mean-field Σp²", rel=True)
    assert_close(expected_stats([1.0, 2.0, 3.0], 512).sum_p2, [0.005235, 0.04639, 0.1719], 1e-5, "exact Σp²",
                 rel=False)


def test_central_finding_the_median_peaks_elsewhere():
    """Per draw the objective → 0 as α → ∞, so the median has a finite argmax: about 5 at n = 64,
    far above the mean-field α*(64) = 1.55."""
    alphas = torch.linspace(0.5, 12, 47)
    draws = sample_scores("normal", (4000, 64), seed=5)
    median = summarize(gradient_over_alpha(draws, alphas)).median
    peak = float(argmax_alpha(alphas, median))
    assert 4.0 <= peak <= 6.5
    assert peak > 2.5 * float(alpha_star(torch.tensor([64.0]))[0])
    assert float(median[-1]) < float(median.max()) * 0.97  # it does fall after the peak
