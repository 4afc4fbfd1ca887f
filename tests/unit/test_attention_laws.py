"""Entropy invariance and scale laws (8823, 9034, 9812 decoder note; brief §2.6)."""
from __future__ import annotations

import math

import torch

from kexue_viz.attention.exact import expected_stats
from kexue_viz.attention.laws import (decoder_effective_n, harmonic_number, laplace_gap_per_lambda_d, max_minus_mean,
                                      scale_law)
from kexue_viz.attention.montecarlo import argmax_alpha
from kexue_viz.attention.optimum import alpha_star, approx_objective
from kexue_viz.attention.scores import mean_field_gap, sample_scores

from numeric_asserts import assert_close


def test_exact_entropy_table_under_three_laws():
    n = torch.tensor([64, 512, 4096, 32768.0], dtype=torch.float64)
    table = {"const": [2.634, 4.377, 6.335, 8.386], "log": [3.349, 4.377, 5.024, 5.342],
             "grad_max": [3.122, 4.377, 5.561, 6.706]}
    spread = {}
    for law, row in table.items():
        alpha = scale_law(law, n, n0=512)
        assert abs(float(alpha[1]) - 2.0084) < 1e-4
        entropy = expected_stats(alpha, n).entropy
        assert_close(entropy, row, 1e-3, f"E[H] under {law}", rel=False)
        spread[law] = float(entropy.max() - entropy.min())
    assert spread["log"] < spread["grad_max"] < spread["const"]  # the ln n law keeps H flattest
    assert_close(scale_law("qwen", n, 512), scale_law("log", n, 512).clamp(min=2.0084), 1e-4, "qwen", rel=False)


def test_laplace_constant_and_where_it_holds():
    assert abs(float(laplace_gap_per_lambda_d(1.0)) - 0.2406) < 1e-4
    d = 128
    lam = torch.tensor([0.05, 0.1, 0.25, 0.5, 1.0], dtype=torch.float64)
    exact = mean_field_gap(lam * d, "cosine", d).cpu() / (lam * d)
    assert_close(exact, [0.025, 0.049, 0.115, 0.189, 0.241], 2e-3, "G/(λd) at d=128", rel=False)
    # at standard scales the Gaussian regime G ≈ λ²d/2 holds instead of 0.24λd
    lam_standard = 1 / math.sqrt(d)
    gap = float(mean_field_gap(lam_standard * d, "cosine", d))
    assert abs(gap / (lam_standard ** 2 * d / 2) - 1) < 0.05
    assert abs(gap / (0.24 * lam_standard * d) - 1) > 0.5


def test_decoder_effective_length():
    assert abs(float(harmonic_number(4)) - (1 + 1 / 2 + 1 / 3 + 1 / 4)) < 1e-12
    n_eff = float(decoder_effective_n(4096))
    assert abs(n_eff - 460.5) < 0.1
    assert abs(float(alpha_star(torch.tensor([n_eff]))[0]) - 1.987) < 1e-3
    assert abs(float(alpha_star(torch.tensor([2048.0]))[0]) - 2.279) < 1e-3
    # maximiser of the position-averaged mean-field objective (1/L)Σ_m α(1 − e^{α²}/m)
    alphas = torch.linspace(1.5, 2.5, 2001, dtype=torch.float64)
    m = torch.arange(1, 4097, dtype=torch.float64)
    averaged = approx_objective(alphas[:, None], m[None]).mean(dim=1)
    assert abs(float(argmax_alpha(alphas, averaged)) - 1.987) < 1e-3


def test_9034_max_minus_mean_grows_like_sqrt_2_ln_n_for_normal_scores():
    values = []
    for n in (64, 4096):
        gap = max_minus_mean(sample_scores("normal", (400, n), seed=n)).mean()
        values.append(float(gap) / math.sqrt(2 * math.log(n)))
    assert 0.75 < values[0] < values[1] < 1.0  # ratio → 1 slowly from below
    cosine = max_minus_mean(sample_scores("cosine", (200, 4096), d=16, seed=1)).mean()
    assert float(cosine) < 1.0  # bounded scores: s_max → 1
