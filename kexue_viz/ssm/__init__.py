"""重温SSM: HiPPO matrices, discretisation and online function approximation.

Public API::

    hippo(measure, N, w=1.0, norm="su") -> (A, B)
    discretize(A, B, dt, method) -> (Abar, Bbar)
    legs_step_matrices(A, B, L, method) -> (Abar_k, Bbar_k)
    online_states(measure, N, u, dt, method=..., route=...) -> states (L+1, n)
    reconstruct(measure, state, T, t) -> û(t)
    exact_projection(measure, N, u, dt, T) -> state of the exact L² projection
    relative_error(measure, state, u, dt, T) -> ‖û - u‖ / ‖u‖ over the remembered window
    error_vs_n(measure, N_values, u, dt, k, ...) -> online and optimal errors per N
    legs_matvec / legs_solve / legt_matvec -> the O(N) structure of post 2
    fourier_scaled(K) -> post 2's Fourier-scaled system (complex)

S4 and RTF (posts 3, 4)::

    hippo_ssm(measure, N, step, C) -> SSM (continuous A, B, C; bilinear step; low-rank P)
    kernel(ssm, L, route) -> K̄_{<L}; routes powers, krylov, generating, cauchy, diagonal, rtf
    fft_conv(K̄, u) / ssm_output(ssm, u) -> causal convolution y = K̄ * u (zero-padded rFFT)
    hippo_dplr(measure, N) -> DPLR (Λ, P, V) with A = V(Λ - PP*)V*; legs_eigenvectors, legs_s_third
    rtf_coefficients(Ā, B̄, C̃) -> (a, b); rtf_kernel(a, b, L); companion(a, b); companion_states(a, u)
"""
from .discretize import LEGS_METHODS, LTI_METHODS, discretize, legs_step_matrices
from .dplr import DPLR, eigenvector_condition, hippo_dplr, legs_eigenvectors, legs_s_third, rank_correction
from .errors import error_vs_n
from .kernels import ROUTES, SSM, c_tilde, fft_conv, hippo_ssm, kernel, recover_c, ssm_output
from .hippo import MEASURES, NORMS, coefficient_scale, get_measure, hippo, state_size
from .online import (causal_conv, exact_projection, krylov, lti_states_by_convolution, lti_states_chunked,
                     online_states,
                     reconstruct, relative_error, run_recurrence, support)
from .rtf import companion, companion_states, rtf_coefficients, rtf_kernel, rtf_poles, stability_sum
from .signals import PRESETS, make_signal, parse_csv_column
from .structure import fourier_scaled, legs_matvec, legs_solve, legt_matvec

__all__ = [
    "DPLR", "LEGS_METHODS", "LTI_METHODS", "MEASURES", "NORMS", "PRESETS", "ROUTES", "SSM",
    "c_tilde", "companion", "companion_states", "eigenvector_condition", "fft_conv", "hippo_dplr", "hippo_ssm",
    "kernel", "legs_eigenvectors", "legs_s_third", "rank_correction", "recover_c", "rtf_coefficients",
    "rtf_kernel", "rtf_poles", "ssm_output", "stability_sum",
    "causal_conv", "coefficient_scale", "discretize", "error_vs_n", "exact_projection", "fourier_scaled",
    "get_measure", "legs_matvec", "legs_solve", "legt_matvec",
    "hippo", "krylov", "legs_step_matrices", "lti_states_by_convolution", "lti_states_chunked", "make_signal",
    "online_states", "parse_csv_column", "reconstruct", "relative_error", "run_recurrence",
    "state_size", "support",
]
