"""Test and preset matrices of the low-rank series: controlled spectra and the adversarial Kahan family."""
from __future__ import annotations

import numpy as np
import torch

from kexue_viz.device import to_core


def haar_orthogonal(rows: int, cols: int, rng: np.random.Generator) -> np.ndarray:
    """A ``rows × cols`` matrix with orthonormal columns (``cols ≤ rows``): the Q factor of a Gaussian
    matrix drawn from ``rng``, as the brief's recipes ``qr(g.standard_normal((rows, cols)))`` do."""
    q, _ = np.linalg.qr(rng.standard_normal((rows, cols)))
    return q


def with_spectrum(singular_values, rows: int, cols: int, seed: int) -> torch.Tensor:
    """``M = Q₁ diag(σ) Q₂ᵀ`` with Haar-random orthonormal ``Q₁ ∈ R^{rows×p}``, ``Q₂ ∈ R^{cols×p}``
    (p = len(σ) ≤ min(rows, cols)), both drawn from ``default_rng(seed)`` in that order."""
    rng = np.random.default_rng(seed)
    sigma = np.asarray(singular_values, dtype=np.float64)
    q1 = haar_orthogonal(rows, sigma.size, rng)
    q2 = haar_orthogonal(cols, sigma.size, rng)
    return to_core((q1 * sigma) @ q2.T)


def kahan(n: int, theta: float = 1.2, tie_break: bool = True) -> torch.Tensor:
    """Kahan's matrix ``K = diag(sⁱ)(I − c·triu(1, 1))`` (i = 0 … n−1, ``s = sin θ``, ``c = cos θ``), on which
    column-pivoted QR keeps the natural order and misses the smallest singular value by a factor
    exponential in n. ``tie_break`` adds MATLAB's ``25·eps·diag(n, …, 1)`` so the first maximum is the
    natural pivot under any tie rule."""
    s, c = np.sin(theta), np.cos(theta)
    upper = np.triu(np.ones((n, n)), 1)
    k = np.diag(s ** np.arange(n)) @ (np.eye(n) - c * upper)
    if tie_break:
        k = k + 25 * np.finfo(np.float64).eps * np.diag(np.arange(n, 0, -1.0))
    return to_core(k)
