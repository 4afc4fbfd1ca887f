"""Batch size vs learning rate, SignSGD and Adam's ε (posts 10542, 10563, 11280, 9473, 9902).

Modules: ``moments`` (per-coordinate update moments), ``moment_table`` (cached lookup),
``models`` (local models, NQM), ``expected_loss`` (second-order model, SGD scales),
``softsign`` (η*(B) of sign/softsign, peaks, thresholds), ``experiment`` (measured optima),
``optimizers`` (Lion, SIGNUM, AdamW, Amos rule; 9473), ``regret`` (projected online SGD; 9902).

Public API::

    update_moments(a, b, backend) -> (M1, M2)          per-coordinate moments, a = g√B/σ, b = ε√B/σ
    softsign_lookup(a, b) -> (M1, M2)                  cached-table version of the exact moments
    preset(name, N, c, kappa, spread) -> LocalModel    g, σ, H of a local model
    sgd_scales(model) -> SGDScales                     η_max, B_noise_sgd, B_simple, ΔL_max
    optimal_step(m, s, g, H) -> (η*, ΔL)               the second-order expected-loss model
    eta_curves(model, eps, B, backend, path) -> (η*, ΔL)   SignSGD/SoftSignSGD η*(B) per ε
    collapsed(model, eps, K_rule) -> Collapsed          the posts' β closed forms (P, Q, D, K)
    find_peak(model, eps) -> (B_peak, η_peak)           exact surge peak (NaN: no surge)
    mean_update_shrinkage(model, eps, η*, ΔL) -> β      the posts' batch factor β = E[ũ]ᵀg/uᵀg
    large_batch_coefficient(model, eps), surge_threshold(model, criterion)
    sign_eta_correlated(model, B)                       SignSGD η*(B) with correlated Gaussian noise
    experiment.run(problem, eps_relative, size)         measured one-step optimal LR per batch size
"""
from .expected_loss import (SGDScales, expected_loss_change, fit_inverse_line, fit_steps_examples, optimal_step,
                            sgd_scales, steps_examples, two_batch_noise_scale, update_curvature)
from .moment_table import softsign_lookup
from .models import PRESETS, LocalModel, linear_regression_stats, nqm_curvatures, nqm_expected_loss, nqm_model, preset
from .moments import BACKENDS, clip_moments, kink_quadrature, sign_moments, softsign_exact, update_moments
from .softsign import (K_RULES, KAPPA2_RULES, Collapsed, collapsed, coordinate_moments, eta_curves, eta_infinity,
                       find_peak, kappa_squared, large_batch_coefficient, mean_update_shrinkage, noise_constant,
                       per_coordinate_curve,
                       sign_aligned_spike_peak, sign_eta_correlated, softsign, surge_threshold)

__all__ = [
    "BACKENDS", "K_RULES", "KAPPA2_RULES", "PRESETS", "Collapsed", "LocalModel", "SGDScales",
    "clip_moments", "collapsed", "coordinate_moments", "eta_curves", "eta_infinity", "expected_loss_change",
    "find_peak", "fit_inverse_line", "fit_steps_examples", "kappa_squared", "kink_quadrature",
    "large_batch_coefficient", "linear_regression_stats", "mean_update_shrinkage", "noise_constant", "nqm_curvatures", "nqm_expected_loss",
    "nqm_model", "optimal_step", "per_coordinate_curve", "preset", "sgd_scales", "sign_aligned_spike_peak",
    "sign_eta_correlated", "sign_moments", "softsign", "softsign_exact", "softsign_lookup", "steps_examples",
    "surge_threshold",
    "two_batch_noise_scale", "update_curvature", "update_moments",
]
