"""The attention-scale results as functions of what they depend on, memoised for the whole process
(:mod:`kexue_viz.pipeline`): every reader, the notebook and the CLI share them.

Each function's arguments are exactly its inputs (plain strings and numbers, or a frozen
:class:`Draws`): the score draws (model, d, n, S, seed); the Monte Carlo curves over the α-grid
(draws, measure); the exact expected objective and L(n) (model, d, n); α*(n) and the scale laws
(model, d, n₀); the entropy curves, exact and Monte Carlo E[H₂] (model, d, n₀, law); the MC α*
points (model, d, measure, seed; each one also n); the sparsity measures of a draw over the α-grid.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from ..device import to_core
from ..pipeline import memoised
from . import precompute, rope, sparsity
from .exact import expected_stats
from .laws import scale_law
from .montecarlo import argmax_alpha, draws_by_length, gradient_over_alpha, renyi2_by_length, summarize
from .optimum import alpha_star
from .scores import mean_field_gap, sample_scores

STAR_N = np.unique(np.round(np.logspace(math.log10(4), 6, 120)))
ENTROPY_N = 2.0 ** np.arange(2, 17)
ENTROPY_SEED = 0
ENTROPY_BUDGET = 2 ** 18  # scores per length n (S_n = clamp(2¹⁸/n, 8, 256))
MC_POINT_N = (16, 64, 256, 1024, 4096)
MC_POINT_SAMPLES = 96
SPARSITY_MEASURES = ("S0", "S1,2", "S*1,2", "S*1,4", "S*0.5,1")
REFLECTION_D, REFLECTION_POWERS = 8, 12  # the det O = −1 example: 8×8, powers 0…12


def alpha_grid(model: str, d: int) -> np.ndarray:
    """The α-grid of the curves (:func:`~.precompute.alpha_grid`)."""
    return precompute.alpha_grid(model, d)


def alpha_max(model: str, d: int) -> float:
    """Largest α of the slider and the curves: 10 (normal), 10√d (cosine)."""
    return float(alpha_grid(model, d)[-1])


@dataclass(frozen=True)
class Draws:
    """Score draws: ``samples`` rows of ``n`` scores of the model at dimension ``d`` with ``seed``."""
    model: str
    d: int
    n: int
    samples: int
    seed: int


@memoised(max_bytes=64 * 2**20)
def scores(draws: Draws) -> torch.Tensor:
    """The scores (S, n) (α only rescales them)."""
    return sample_scores(draws.model, (draws.samples, draws.n), draws.d, draws.seed)


@memoised(max_bytes=8 * 2**20)
def mc_curves(draws: Draws, measure: str):
    """Monte Carlo summary (mean, se, median, q10, q90) of the gradient size over the α-grid."""
    return summarize(gradient_over_alpha(scores(draws), alpha_grid(draws.model, draws.d), measure))


@memoised(max_bytes=8 * 2**20)
def scale_measures(draws: Draws) -> dict[str, np.ndarray]:
    """Each 9595 sparsity measure of softmax(α s) over the α-grid, s the first draw."""
    measures = sparsity.softmax_measures(scores(draws)[0].double(), alpha_grid(draws.model, draws.d),
                                         SPARSITY_MEASURES)
    return {name: values.cpu().numpy() for name, values in measures.items()}


@memoised(max_bytes=64 * 2**20)
def exact_table() -> dict:
    """The precomputed exact curves (:func:`~.precompute.load_table`)."""
    return precompute.load_table()


@memoised(max_bytes=4 * 2**20)
def exact_curve(model: str, d: int, n: int) -> tuple[np.ndarray, float]:
    """Exact E[α(1 − Σp²)] on :func:`alpha_grid` and L(n): from the precomputed table when it holds
    this (model, d, n), else by the n-independent quadrature (~1 s)."""
    values = exact_table().get(precompute.table_key(model, d, n))
    if values is None:
        values = precompute.compute_curve(model, d, n)
    return values[:-1], float(values[-1])


@memoised(max_bytes=2**20)
def star_curve(model: str, d: int) -> np.ndarray:
    """Mean-field α*(n) on ``STAR_N``."""
    return alpha_star(torch.as_tensor(STAR_N, dtype=torch.float64), model, d).cpu().numpy()


@memoised(max_bytes=4 * 2**20)
def law_curve(law: str, model: str, d: int, n0: int, n_key: tuple) -> np.ndarray:
    """α(n) of a scale law calibrated at n₀, on the lengths ``n_key``."""
    return scale_law(law, torch.as_tensor(n_key, dtype=torch.float64), n0, None, model, d).cpu().numpy()


@memoised(max_bytes=2**20)
def entropy_curve(law: str, model: str, d: int, n0: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact E[H] and mean-field ln n − G(α) on ``ENTROPY_N`` under ``law`` calibrated at n₀."""
    alpha = to_core(law_curve(law, model, d, n0, tuple(ENTROPY_N)))
    n = to_core(ENTROPY_N)
    exact = expected_stats(alpha, n, model, d).entropy.cpu().numpy()
    mean_field = np.log(np.asarray(ENTROPY_N, dtype=float)) - mean_field_gap(alpha, model, d).cpu().numpy()
    return exact, mean_field


@memoised(max_bytes=64 * 2**20)
def entropy_draws(model: str, d: int) -> list[torch.Tensor]:
    """Score draws per n of ``ENTROPY_N`` (fixed seed, shared by the scale laws)."""
    return draws_by_length(ENTROPY_N, model, d, ENTROPY_SEED, ENTROPY_BUDGET)


@memoised(max_bytes=2**20)
def entropy_mc(law: str, model: str, d: int, n0: int) -> tuple[np.ndarray, np.ndarray]:
    """MC E[H₂] and its standard error on ``ENTROPY_N`` under ``law`` (≈ 60 ms)."""
    alpha = law_curve(law, model, d, n0, tuple(ENTROPY_N))
    mean, se = renyi2_by_length(entropy_draws(model, d), alpha)
    return mean.cpu().numpy(), se.cpu().numpy()


@memoised(max_bytes=2**20)
def mc_star_point(model: str, d: int, measure: str, seed: int, n: int) -> float:
    """MC median-argmax α at length n: the α maximising the median over ``MC_POINT_SAMPLES`` draws
    (seed + n) of the gradient size on an 80-point α-grid (one batched (A, S, n) evaluation)."""
    grid = torch.linspace(0.25, alpha_max(model, d), 80)
    draws = sample_scores(model, (MC_POINT_SAMPLES, n), d, seed + n)
    median = summarize(gradient_over_alpha(draws, grid, measure)).median
    return float(argmax_alpha(grid, median))


@memoised(max_bytes=2**20)
def mc_star_points(model: str, d: int, measure: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """MC median-argmax α at every n ∈ ``MC_POINT_N`` (:func:`mc_star_point`): the per-draw optimum
    the exact mean lacks (a few seconds: behind a button, which computes the points one by one)."""
    peaks = [mc_star_point(model, d, measure, seed, n) for n in MC_POINT_N]
    return np.array(MC_POINT_N, dtype=float), np.array(peaks)


@memoised(max_bytes=2**20)
def rope_counterexample() -> dict:
    """The fixed 8×8 det O = −1 example of 9403."""
    return rope.reflection_counterexample(REFLECTION_D, seed=0)


@memoised(max_bytes=2**20)
def reflection_errors() -> dict:
    """Errors of the det O = −1 decompositions per power n (9403; fixed 8×8 example)."""
    return rope.reflection_powers(REFLECTION_D, seed=0, n_max=REFLECTION_POWERS)
