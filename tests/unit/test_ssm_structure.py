"""O(N) LegS/LegT operations against dense algebra, and post 2's Fourier-scaled system."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy import integrate

from kexue_viz.ssm import hippo
from kexue_viz.ssm.structure import fourier_scaled, legs_matvec, legs_solve, legt_matvec
from numeric_asserts import npy

torch.manual_seed(0)


@pytest.mark.parametrize("N", [1, 5, 64])
def test_legs_matvec_matches_dense(N):
    A, _ = hippo("legs", N)
    v = torch.randn(3, N, dtype=torch.float64).to(A.device)
    assert torch.allclose(legs_matvec(v), v @ A.T, rtol=0, atol=1e-12 * N)


@pytest.mark.parametrize("lam", [0.01, 0.3, 2.0, 1 / 7])
def test_legs_solve_matches_dense(lam):
    N = 48
    A, _ = hippo("legs", N)
    v = torch.randn(N, dtype=torch.float64).to(A.device)
    dense = torch.linalg.solve(torch.eye(N, dtype=torch.float64, device=A.device) - lam * A, v)
    assert torch.allclose(legs_solve(v, lam), dense, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("w", [1.0, 0.3])
def test_legt_matvec_matches_dense(w):
    N = 40
    A, _ = hippo("legt", N, w=w)
    v = torch.randn(2, N, dtype=torch.float64).to(A.device)
    assert torch.allclose(legt_matvec(v, w), v @ A.T, rtol=0, atol=1e-10)


def fourier_scaled_error(K: int) -> float:
    """Relative error of post 2's system against the true coefficients of
    ``u = sin(2π·1.3t) + 0.5cos5t + t²/3`` on ``[0, T]``, started exactly at T=0.5, run to T=3."""
    u = lambda t: np.sin(2 * np.pi * 1.3 * t) + 0.5 * np.cos(5 * t) + t ** 2 / 3
    n = np.arange(-K, K + 1)

    def exact(T):
        s, weights = np.polynomial.legendre.leggauss(400)
        s, weights = (s + 1) / 2, weights / 2
        return (u(s * T)[None, :] * np.exp(-2j * np.pi * n[:, None] * s[None, :]) * weights).sum(axis=1)

    A, B = (npy(t) for t in fourier_scaled(K))
    rhs = lambda t, x: (A @ x + B * u(t)) / t
    solution = integrate.solve_ivp(rhs, (0.5, 3.0), exact(0.5).astype(complex), method="DOP853",
                                   rtol=1e-10, atol=1e-12)
    truth = exact(3.0)
    return float(np.linalg.norm(solution.y[:, -1] - truth) / np.linalg.norm(truth))


def test_fourier_scaled_converges_slowly_like_inverse_square_root():
    errors = [fourier_scaled_error(K) for K in (4, 16)]
    assert errors == pytest.approx([0.192, 0.093], abs=0.01)  # brief §2.7: ≈ N^{-1/2}


def test_fourier_scaled_row_zero_is_exact():
    A, B = fourier_scaled(3)
    row = A[3].clone()
    assert row[3] == -1 and torch.all(row[torch.arange(7) != 3] == 0) and B[3] == 1
