"""HiPPO-LegT <-> Padé delay approximant: transfer function and exact poles.

Backs the dashboard's 'numerical vs exact' caveat: numpy's eig of the
non-normal LegT matrix is wrong by O(1) at N=32, the shipped mpmath table is
not.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
import torch
from scipy.optimize import linear_sum_assignment

from kexue_viz.ssm.pade import (
    TABLE_MAX_N,
    compute_pade_poles_mpmath,
    legt_exact_poles,
    pade_delay_coefficients,
    pade_delay_transfer,
    pole_table_metadata,
)


def legt_matrices(N: int, w: float = 1.0):
    """A, B, C of HiPPO-LegT (Su normalisation), straight from the formula."""
    n = np.arange(N)
    r = np.sqrt(2 * n + 1)
    sign = np.where(n[None, :] < n[:, None], 1.0, (-1.0) ** np.abs(n[:, None] - n[None, :]))
    A = -(1.0 / w) * r[:, None] * r[None, :] * sign
    B = np.sqrt(2 * (2 * n + 1)) / w
    C = (-1.0) ** n * np.sqrt((2 * n + 1) / 2)
    return A, B, C


def matched_error(x: np.ndarray, y: np.ndarray) -> float:
    """Max |x_i - y_pi(i)| under the optimal one-to-one matching."""
    d = np.abs(np.asarray(x)[:, None] - np.asarray(y)[None, :])
    i, j = linear_sum_assignment(d)
    return float(d[i, j].max())


# --------------------------------------------------------------------------- Padé


def test_transfer_reference_value():
    assert abs(pade_delay_transfer(4, 1.0, 1.0) - 0.3678792038) < 1e-9


def test_coefficients_are_exact_pade_of_exp():
    # Q(x) e^{-x} - P(x) = O(x^{2N}): all coefficients below x^{2N} vanish exactly
    for N in (1, 2, 5, 9):
        P, Q = pade_delay_coefficients(N)
        assert len(P) == N and len(Q) == N + 1
        assert all(isinstance(c, Fraction) for c in P + Q)
        assert P[0] == Q[0] == 1
        e = [Fraction((-1) ** k, math.factorial(k)) for k in range(2 * N + 1)]
        prod = [sum(Q[j] * e[k - j] for j in range(min(k, N) + 1)) for k in range(2 * N + 1)]
        for k in range(2 * N):
            assert prod[k] == (P[k] if k < N else 0)
        assert prod[2 * N] != 0


@pytest.mark.parametrize("N", [1, 2, 3, 5, 8, 10])
@pytest.mark.parametrize("w", [1.0, 0.7, 2.5])
def test_legt_transfer_equals_pade(N, w):
    A, B, C = legt_matrices(N, w)
    s_values = [1.0, 0.3 + 1.1j, -0.2 + 2.0j, 1.5 - 0.4j, 3j]
    for s in s_values:
        h_ss = C @ np.linalg.solve(s * np.eye(N) - A, B)
        h_pade = pade_delay_transfer(N, w, s)
        assert abs(h_ss - h_pade) <= 1e-10 * max(1.0, abs(h_pade)), (N, w, s)


def test_transfer_array_and_torch_inputs():
    s = np.array([0.5, 1.0 + 1.0j, 2.0j])
    h = pade_delay_transfer(6, 1.3, s)
    assert h.shape == (3,)
    for k in range(3):
        assert abs(h[k] - pade_delay_transfer(6, 1.3, complex(s[k]))) < 1e-14
    ht = pade_delay_transfer(6, 1.3, torch.tensor(s))
    assert isinstance(ht, torch.Tensor) and ht.dtype == torch.complex128
    assert np.allclose(ht.numpy(), h, rtol=1e-14, atol=0)
    # approximates the delay on the imaginary axis at low frequency
    assert abs(pade_delay_transfer(10, 1.0, 1j) - np.exp(-1j)) < 1e-12


# --------------------------------------------------------------------------- exact poles


def test_table_covers_1_to_64():
    for N in range(1, TABLE_MAX_N + 1):
        lam = legt_exact_poles(N)
        assert lam.dtype == np.complex128 and lam.shape == (N,)
        order = np.lexsort((lam.imag, lam.real))
        assert np.array_equal(order, np.arange(N))  # sorted by (real, imag)
    meta = pole_table_metadata()
    assert meta["dps"] >= 50 and "mpmath_version" in meta and "date" in meta


@pytest.mark.parametrize("w", [1.0, 2.0, 0.3])
def test_table_vs_numpy_eig_small_N(w):
    A, _, _ = legt_matrices(8, w)
    ev = np.linalg.eigvals(A)
    assert matched_error(ev, legt_exact_poles(8, w)) < 1e-9


@pytest.mark.parametrize("N", [3, 7, 12])
def test_table_vs_fresh_mpmath(N):
    fresh = np.array([complex(z) for z in compute_pade_poles_mpmath(N)])
    table = legt_exact_poles(N)
    assert np.max(np.abs(fresh - table)) <= 1e-15 * np.max(np.abs(table))


def test_trace_identity_every_N():
    for N in range(1, TABLE_MAX_N + 1):
        for w in (1.0, 3.0):
            lam = legt_exact_poles(N, w)
            tr = -N * N / w
            assert abs(lam.sum() - tr) <= 1e-12 * abs(tr), (N, w)
            assert abs(np.trace(legt_matrices(N, w)[0]) - tr) <= 1e-12 * abs(tr)


def test_table_closed_under_conjugation_and_stable():
    for N in range(1, TABLE_MAX_N + 1):
        lam = legt_exact_poles(N)
        assert np.all(lam.real < 0), N  # open left half plane
        assert matched_error(lam, lam.conj()) == 0.0


@pytest.mark.parametrize(
    "N, max_abs, min_re, max_re",
    [
        (16, "27.8", "-20.82", "-6.486"),
        (32, "58.5", "-42.05", "-8.702"),
        (64, "120.9", "-84.48", "-11.448"),
    ],
)
def test_pole_statistics(N, max_abs, min_re, max_re):
    lam = legt_exact_poles(N)
    for value, given in ((np.abs(lam).max(), max_abs), (lam.real.min(), min_re),
                         (lam.real.max(), max_re)):
        decimals = len(given.split(".")[1])
        assert abs(value - float(given)) <= 0.5 * 10.0 ** (-decimals), (N, value, given)


def test_numpy_eig_fails_at_N32():
    """The caveat: double-precision eig of the non-normal LegT A is unreliable."""
    A, _, _ = legt_matrices(32)
    ev = np.linalg.eigvals(A)
    exact = legt_exact_poles(32)
    err = matched_error(ev, exact)
    assert err > 1e-2, err
    # ...while the exact poles satisfy the characteristic polynomial to high accuracy
    _, Q = pade_delay_coefficients(32)
    q = np.array([float(c) for c in Q])
    for z in exact:
        val = np.polyval(q[::-1], z)
        scale = np.polyval(np.abs(q[::-1]), abs(z))
        assert abs(val) <= 1e-13 * scale


def test_input_validation():
    with pytest.raises(ValueError):
        legt_exact_poles(0)
    with pytest.raises(ValueError):
        legt_exact_poles(4, w=-1.0)
    with pytest.raises(TypeError):
        pade_delay_coefficients(2.5)
