"""Randomised SVD (Halko–Martinsson–Tropp 2011, "HMT"), the practitioner's baseline of the low-rank lab.

Brief §2.6. ``M ∈ R^{n×m}``, target rank r, oversampling p, l = r + p, power iterations q:
``Y = (MMᵀ)^q MΩ`` with Gaussian ``Ω ∈ R^{m×l}``, normalised between products (Alg. 4.3/4.4);
``Q = qr(Y)``; ``B = QᵀM = ŨΣVᵀ``; ``U = QŨ``, truncated to r (Alg. 5.1). Conventions follow scikit-learn's
``randomized_svd`` so that an injected Ω reproduces it to rounding (``flip_sign=False``):
``n_oversamples = 10``, ``n_iter = 'auto'`` (7 if r < 0.1·min(n, m), else 4), normaliser ``'auto'`` (none when
q ≤ 2, LU otherwise), transposed when n < m, and ``Ω = RandomState(seed).normal(size=(cols, l))``.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from kexue_viz.device import to_core
from kexue_viz.lowrank.svd import SVD, tail_norms

NORMALISERS = ("auto", "qr", "lu", "none")
ROUTES = ("hmt", "torch")


def auto_power_iterations(r: int, shape: tuple[int, int]) -> int:
    """scikit-learn's ``n_iter='auto'``: 7 when ``r < 0.1·min(n, m)``, else 4."""
    return 7 if r < 0.1 * min(shape) else 4


def sklearn_omega(cols: int, size: int, seed: int) -> torch.Tensor:
    """scikit-learn's test matrix ``RandomState(seed).normal(size=(cols, size))`` (float64)."""
    return to_core(np.random.RandomState(seed).normal(size=(cols, size)))


def normalise(Y: torch.Tensor, normaliser: str) -> torch.Tensor:
    """One power-iteration normalisation: ``qr`` (thin Q), ``lu`` (the permuted lower factor PL, as
    ``scipy.linalg.lu(permute_l=True)``) or ``none``."""
    if normaliser == "qr":
        return torch.linalg.qr(Y).Q
    if normaliser == "lu":
        P, L, _ = torch.linalg.lu(Y)
        return P @ L
    return Y


def range_finder(M, omega, q: int = 0, normaliser: str = "auto") -> torch.Tensor:
    """HMT Alg. 4.3/4.4 on ``M`` as given (no transpose): ``Q = qr((MMᵀ)^q MΩ)`` with each product
    ``MX``, ``MᵀX`` normalised by ``normaliser`` (``'auto'``: none when q ≤ 2, LU otherwise). ``Q`` is
    n×l with orthonormal columns; ``‖M − QQᵀM‖`` is the untruncated error of HMT Thm 10.5/10.6."""
    M, Y = to_core(M), to_core(omega)
    mode = ("none" if q <= 2 else "lu") if normaliser == "auto" else normaliser
    if mode not in NORMALISERS:
        raise ValueError(f"unknown normaliser {normaliser!r}; expected one of {NORMALISERS}")
    for _ in range(q):
        Y = normalise(M @ Y, mode)
        Y = normalise(M.mT @ Y, mode)
    return torch.linalg.qr(M @ Y).Q


def rsvd(M, r: int, p: int = 10, q: int | str = "auto", omega=None, seed: int = 0, normaliser: str = "auto",
         route: str = "hmt") -> SVD:
    """Rank-r randomised SVD ``M ≈ U diag(S) Vh`` (U n×r, S r, Vh r×m), float64.

    * ``route='hmt'``: :func:`range_finder` on M, or on Mᵀ when n < m (then U and Vh swap back), followed by
      the SVD of ``B = QᵀM``. ``omega`` (cols × (r + p), cols = the columns of the matrix sketched) replaces
      :func:`sklearn_omega` ``(cols, r + p, seed)``.
    * ``route='torch'``: ``torch.svd_lowrank(M, q=r + p, niter=q)`` (QR-normalised, the GPU route), with
      torch's generator seeded by ``seed`` inside ``torch.random.fork_rng``; ``omega`` is not accepted.

    ``q='auto'`` is scikit-learn's rule :func:`auto_power_iterations`. A batch of test matrices ``omega``
    (S × cols × (r + p)) gives S decompositions at once (batched factors: U S×n×r, S S×r, Vh S×r×m)."""
    M = to_core(M)
    q = auto_power_iterations(r, tuple(M.shape)) if q == "auto" else q
    if route == "torch":
        return torch_rsvd(M, r, p, q, seed)
    if route != "hmt":
        raise ValueError(f"unknown rsvd route {route!r}; expected one of {ROUTES}")
    transpose = M.shape[0] < M.shape[1]
    target = M.mT if transpose else M
    omega = sklearn_omega(target.shape[1], r + p, seed) if omega is None else to_core(omega)
    Q = range_finder(target, omega, q, normaliser)
    U_hat, S, Vh = torch.linalg.svd(Q.mT @ target, full_matrices=False)
    U = Q @ U_hat
    if transpose:
        return SVD(Vh[..., :r, :].mT, S[..., :r], U[..., :r].mT)
    return SVD(U[..., :r], S[..., :r], Vh[..., :r, :])


def torch_rsvd(M: torch.Tensor, r: int, p: int, q: int, seed: int) -> SVD:
    """``torch.svd_lowrank(M, q=r + p, niter=q)`` truncated to r, drawing its Gaussian test matrix from a
    forked generator seeded with ``seed`` (the caller's global RNG state is left untouched)."""
    devices = [M.device] if M.device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        U, S, V = torch.svd_lowrank(M, q=r + p, niter=q)
    return SVD(U[:, :r], S[:r], V[:, :r].mT)


def hmt_frobenius_bound(singular_values, r: int, p: int) -> float:
    """HMT Thm 10.5: ``E‖M − QQᵀM‖_F ≤ (1 + r/(p − 1))^{1/2}·tail_F(r)`` for the untruncated basis, q = 0, p ≥ 2."""
    if p < 2:
        raise ValueError("the HMT expectation bounds need p ≥ 2")
    sigma = to_core(singular_values)
    return math.sqrt(1 + r / (p - 1)) * float(tail_norms(sigma)[r])


def hmt_spectral_bound(singular_values, r: int, p: int) -> float:
    """HMT Thm 10.6: ``E‖M − QQᵀM‖_2 ≤ (1 + (r/(p − 1))^{1/2})σ_{r+1} + (e(r + p)^{1/2}/p)·tail_F(r)``, q = 0, p ≥ 2."""
    if p < 2:
        raise ValueError("the HMT expectation bounds need p ≥ 2")
    sigma = to_core(singular_values)
    sigma_next = float(sigma[r]) if r < sigma.numel() else 0.0
    return ((1 + math.sqrt(r / (p - 1))) * sigma_next
            + math.e * math.sqrt(r + p) / p * float(tail_norms(sigma)[r]))
