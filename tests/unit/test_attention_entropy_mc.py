"""Monte Carlo Rényi-2 entropy per length under a scale law (view D), against a direct numpy
softmax on the same draws and against the exact quadrature (Jensen and H₂ ≤ H bounds)."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from kexue_viz.attention.exact import expected_stats
from kexue_viz.attention.montecarlo import draws_by_length, length_samples, renyi2_by_length

LENGTHS = (4, 64, 1024)


def test_sample_counts_follow_the_budget():
    assert [length_samples(n, 2 ** 12) for n in (4, 64, 1024, 2 ** 16)] == [256, 64, 8, 8]
    draws = draws_by_length(LENGTHS, "normal", budget=2 ** 12)
    assert [tuple(x.shape) for x in draws] == [(256, 4), (64, 64), (8, 1024)]


@pytest.mark.parametrize("model", ["normal", "cosine"])
def test_mean_and_error_equal_a_direct_softmax(model):
    draws = draws_by_length(LENGTHS, model, 64, seed=3, budget=2 ** 12)
    alphas = [1.5, 2.5, 3.5] if model == "normal" else [12.0, 20.0, 28.0]
    mean, se = renyi2_by_length(draws, alphas)
    for scores, alpha, m, e in zip(draws, alphas, mean, se):
        x = alpha * scores.double().cpu().numpy()
        p = np.exp(x - x.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        h2 = -np.log((p ** 2).sum(axis=1))
        assert float(m) == pytest.approx(h2.mean(), rel=1e-10)
        assert float(e) == pytest.approx(h2.std(ddof=1) / math.sqrt(len(h2)), rel=1e-8)


def test_zero_scale_gives_log_n_without_error():
    mean, se = renyi2_by_length(draws_by_length(LENGTHS, budget=2 ** 12), [0.0, 0.0, 0.0])
    assert np.allclose(mean.cpu().numpy(), np.log(LENGTHS), atol=1e-12) and np.all(se.cpu().numpy() < 1e-12)


def test_bounds_from_the_exact_quadrature():
    """−ln E[Σp²] ≤ E[H₂] (Jensen) and E[H₂] ≤ E[H] (H₂ ≤ H per draw), both within 3 SE."""
    alphas = torch.tensor([1.0, 2.0, 2.0], dtype=torch.float64)
    mean, se = renyi2_by_length(draws_by_length(LENGTHS, seed=1, budget=2 ** 16), alphas)
    stats = expected_stats(alphas, torch.tensor(LENGTHS, dtype=torch.float64), "normal")
    jensen = -torch.log(stats.sum_p2)
    assert torch.all(mean + 3 * se >= jensen) and torch.all(mean - 3 * se <= stats.entropy)
    assert torch.all(mean < stats.entropy)  # strict here: the gap H − H₂ is ≫ SE at these α
