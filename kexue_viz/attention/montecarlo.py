"""Monte Carlo of the gradient size over an α-grid, batched as one (A, S, n) tensor (brief §2.4).

Scores are drawn once per (model, d, S, n, seed); a change of α only rescales them (common
random numbers: curves are smooth in α). Σp² comes from log-sum-exp, so any α is stable, and
with ``prefix`` every length m ≤ n (causal attention: token m sees m keys) comes from one
``logcumsumexp`` pass.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from .scores import sample_scores
from .softmax import entropy, gradient_size, log_power_sum

ELEMENT_BUDGET = 2_000_000


def auto_samples(n: int, alphas: int, budget: int = ELEMENT_BUDGET, low: int = 8, high: int = 256) -> int:
    """Samples S = clamp(budget / (A·n), 8, 256): an interactive update stays within ``budget`` elements."""
    return int(min(high, max(low, budget // max(1, alphas * n))))


@dataclass(frozen=True)
class Summary:
    """Per α (and per prefix length): mean, its standard error, median and the 10–90 % band."""
    mean: torch.Tensor
    se: torch.Tensor
    median: torch.Tensor
    q10: torch.Tensor
    q90: torch.Tensor


def summarize(values: torch.Tensor, dim: int = 1) -> Summary:
    """Statistics of ``values`` over the sample axis ``dim``."""
    count = values.shape[dim]
    quantiles = torch.quantile(values, torch.tensor([0.1, 0.5, 0.9], dtype=values.dtype, device=values.device),
                               dim=dim)
    se = values.std(dim=dim) / count ** 0.5 if count > 1 else torch.zeros_like(values.mean(dim=dim))
    return Summary(values.mean(dim=dim), se, quantiles[1], quantiles[0], quantiles[2])


def gradient_over_alpha(scores: torch.Tensor, alphas, measure: str = "l1", prefix: bool = False) -> torch.Tensor:
    """Gradient size for every α and sample: ``scores`` (S, n), ``alphas`` (A,) → (A, S)
    (or (A, S, n) over prefixes)."""
    alphas = torch.as_tensor(alphas, dtype=scores.dtype, device=scores.device)
    return gradient_size(scores[None], alphas[:, None, None], measure, prefix)


def entropy_over_alpha(scores: torch.Tensor, alphas, prefix: bool = False) -> torch.Tensor:
    """Shannon entropy of softmax(α s) for every α and sample, (A, S) or (A, S, n)."""
    alphas = torch.as_tensor(alphas, dtype=scores.dtype, device=scores.device)
    return entropy(alphas[:, None, None] * scores[None], prefix)


def renyi2_over_alpha(scores: torch.Tensor, alphas, prefix: bool = False) -> torch.Tensor:
    """Rényi-2 entropy H₂ = −ln Σp² for every α and sample."""
    alphas = torch.as_tensor(alphas, dtype=scores.dtype, device=scores.device)
    return -log_power_sum(alphas[:, None, None] * scores[None], 2, prefix)


def mc_objective(alphas, n: int, model: str = "normal", d: int = 128, samples: int = 64, seed: int = 0,
                 measure: str = "l1", dtype=torch.float32) -> Summary:
    """MC summary of the gradient size at each α for n i.i.d. scores, S = ``samples`` draws."""
    scores = sample_scores(model, (samples, n), d, seed, dtype)
    return summarize(gradient_over_alpha(scores, alphas, measure))


def argmax_alpha(alphas, curve: torch.Tensor) -> torch.Tensor:
    """The α of the largest value of ``curve`` along its first axis (grid argmax)."""
    alphas = torch.as_tensor(alphas, dtype=curve.dtype, device=curve.device)
    return alphas[curve.argmax(dim=0)]


def position_averaged_objective(scores: torch.Tensor, alphas, measure: str = "l1") -> torch.Tensor:
    """Decoder attention: the gradient size averaged over query positions 1…L (position m sees
    the first m keys) and over samples, per α — one prefix pass. ``scores`` (S, L) → (A,)."""
    return gradient_over_alpha(scores, alphas, measure, prefix=True).mean(dim=(1, 2))
