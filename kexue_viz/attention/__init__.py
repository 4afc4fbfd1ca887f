"""Attention scale, entropy invariance, concentration, sparsity and RoPE (kexue.fm 9812, 8823,
9034, 9889, 9595, 9403).

Public API::

    softmax_jacobian(s, α) / gradient_size(s, α, measure)      J = α(diag p − ppᵀ) and its sizes
    log_mgf(α, model, d) / log_r / mean_field_gap             score-model moments (normal, cosine)
    alpha_star(n, model, d) / alpha_star_normal(n) / lambertw  mean-field optimum α*(n) of 9812
    approx_objective(α, n, model, d)                           f̃ = α(1 − r(α)/n)
    expected_stats(α, n, model, d) / objective_limit(n)        exact E[Σp²], E[H], L(n)
    sample_scores / mc_objective / gradient_over_alpha        batched Monte Carlo
    scale_law(law, n, n0) / decoder_effective_n(L)             length-dependent scales (8823)
    concentration.*, sparsity.*, rope.*                        9889, 9595, 9403
"""
from . import concentration, rope, sparsity
from .exact import ExactStats, expected_stats, objective_limit
from .laws import LAWS, decoder_effective_n, laplace_gap_per_lambda_d, scale_law
from .montecarlo import (Summary, argmax_alpha, auto_samples, entropy_over_alpha, gradient_over_alpha,
                         mc_objective, position_averaged_objective, renyi2_over_alpha, summarize)
from .optimum import (POST_GRID, alpha_star, alpha_star_normal, approx_objective, fit_constant, lambertw,
                      n_for_alpha, stationary_log_n)
from .scores import (MODELS, UNITS, from_alpha, log_mgf, log_r, mean_field_gap, sample_cosines_by_vectors,
                     sample_scores, tilted_mean, to_alpha)
from .softmax import MEASURES, entropy, gradient_size, log_power_sum, softmax_jacobian

__all__ = [
    "LAWS", "MEASURES", "MODELS", "POST_GRID", "UNITS", "ExactStats", "Summary",
    "alpha_star", "alpha_star_normal", "approx_objective", "argmax_alpha", "auto_samples", "concentration",
    "decoder_effective_n", "entropy", "entropy_over_alpha", "expected_stats", "fit_constant", "from_alpha",
    "gradient_over_alpha", "gradient_size", "lambertw", "laplace_gap_per_lambda_d", "log_mgf", "log_power_sum",
    "log_r", "mc_objective", "mean_field_gap", "n_for_alpha", "objective_limit", "position_averaged_objective",
    "renyi2_over_alpha", "rope", "sample_cosines_by_vectors", "sample_scores", "scale_law", "softmax_jacobian",
    "sparsity", "stationary_log_n", "summarize", "tilted_mean", "to_alpha",
]
