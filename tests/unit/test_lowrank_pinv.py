"""Pseudo-inverse routes of post 1 (kexue_viz.lowrank.pinv) against numpy/scipy/torch/sympy, autograd, the
closed-form ε path, and the brief's targets Q1–Q4, cross-checks C1–C4 and errata E1–E4."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
import sympy
import torch

from kexue_viz.lowrank.pinv import (conditioning_table, loss_gradients, pinv, pinv_gradient_descent, pinv_path,
                                    solution_set_member, tikhonov_gap)
from numeric_asserts import assert_close, npy

ROUTES_FULL_RANK = ("svd", "normal", "eig", "lstsq")


def q3_matrix(seed: int = 0) -> np.ndarray:
    """The brief's rank-2 8×4 recipe ``g.standard_normal((8,2)) @ g.standard_normal((2,4))``."""
    g = np.random.default_rng(seed)
    return g.standard_normal((8, 2)) @ g.standard_normal((2, 4))


@pytest.mark.parametrize("shape", [(9, 4), (4, 9), (6, 6)])
@pytest.mark.parametrize("route", ROUTES_FULL_RANK)
def test_c1_full_rank_routes_match_numpy_scipy_torch(shape, route):
    A = np.random.default_rng(sum(shape)).standard_normal(shape)
    want = np.linalg.pinv(A, rcond=1e-12)
    got = pinv(A, route)
    assert_close(got, want, 1e-12, f"{route} vs numpy")
    assert_close(got, scipy.linalg.pinv(A), 1e-12, f"{route} vs scipy")
    assert_close(got, torch.linalg.pinv(torch.as_tensor(A)), 1e-12, f"{route} vs torch")


@pytest.mark.parametrize("route", ("svd", "eig", "lstsq"))
def test_c1_rank_deficient_integer_matrices_match_sympy(route):
    """Exact rational pseudo-inverses of rank-deficient integer matrices (sympy) vs the thresholded routes."""
    cases = [[[1, 2, 3], [2, 4, 6], [1, 0, 1], [0, 2, 2]],        # 4×3, rank 2
             [[1, 1, 0, 2], [2, 2, 0, 4], [0, 1, 1, 1]],           # 3×4, rank 2
             [[3, 6], [1, 2], [2, 4]]]                             # 3×2, rank 1
    for entries in cases:
        exact = np.array(sympy.Matrix(entries).pinv().evalf(30).tolist(), dtype=np.float64)
        assert_close(pinv(np.array(entries, float), route), exact, 1e-12, f"{route} on {entries}")


def test_c1_lstsq_min_norm_and_tikhonov_limit_on_rank_deficient():
    A = q3_matrix()
    want = np.linalg.pinv(A, rcond=1e-12)
    min_norm = np.linalg.lstsq(A, np.eye(8), rcond=1e-12)[0]
    assert_close(pinv(A, "lstsq"), min_norm, 1e-12, "lstsq route vs numpy lstsq")
    assert_close(pinv(A, "tikhonov", eps=1e-7), want, 3e-8, "tikhonov at the floor ε = 1e−7")


def test_normal_route_raises_on_rank_deficiency():
    with pytest.raises(ValueError, match="full rank"):
        pinv(q3_matrix(), "normal")
    with pytest.raises(ValueError, match="unknown pinv route"):
        pinv(np.eye(3), "qr")


def test_c2_gradients_match_autograd():
    g = np.random.default_rng(2)
    A, B, M = (torch.tensor(g.standard_normal(s), requires_grad=True) for s in ((7, 3), (3, 5), (7, 5)))
    loss = (A @ B - M).square().sum()
    loss.backward()
    grad_A, grad_B = loss_gradients(A.detach(), B.detach(), M.detach())
    assert_close(grad_A, A.grad, 1e-12, "dL/dA")
    assert_close(grad_B, B.grad, 1e-12, "dL/dB")


def test_c3_tikhonov_matches_sympy_rationals_and_closed_gap():
    """At ε = 1/1000, T(ε) and T(ε) − A^† in exact rationals vs the float route and the SVD closed form."""
    entries = [[1, 2, 3], [2, 4, 6], [1, 0, 1], [0, 2, 2]]
    A = sympy.Matrix(entries)
    eps = sympy.Rational(1, 1000)
    T = (A.T * A + eps * sympy.eye(3)).inv() * A.T
    exact_T = np.array(T.evalf(30).tolist(), dtype=np.float64)
    exact_gap = np.array((T - A.pinv()).evalf(30).tolist(), dtype=np.float64)
    A_f = np.array(entries, float)
    assert np.max(np.abs(npy(pinv(A_f, "tikhonov", eps=1e-3)) - exact_T)) <= 1e-8 * np.max(np.abs(exact_T))
    assert np.max(np.abs(npy(tikhonov_gap(A_f, 1e-3)) - exact_gap)) <= 1e-8 * np.max(np.abs(exact_gap))


def test_c4_moore_penrose_conditions_all_routes():
    A = q3_matrix(3)
    for route in ("svd", "eig", "lstsq"):
        X = npy(pinv(A, route))
        assert_close(A @ X @ A, A, 1e-12, f"{route}: AXA = A")
        assert_close(X @ A @ X, X, 1e-12, f"{route}: XAX = X")
        assert_close((A @ X).T, A @ X, 1e-12, f"{route}: AX symmetric")
        assert_close((X @ A).T, X @ A, 1e-12, f"{route}: XA symmetric")


def test_q1_e3_left_inverse_of_a_tall_matrix():
    """E3: post 1 calls A^† = argmin_B ‖AB − I‖ the "right" pseudo-inverse, but A^†A = I_r while AA^† is only a
    rank-3 projector (max|AA^† − I_8| = 0.8915): in usual terms A^† is a left inverse (optimum over the right
    factor)."""
    A = np.random.default_rng(0).standard_normal((8, 3))
    X = npy(pinv(A))
    assert_close(X @ A, np.eye(3), 1e-13, "A^†A = I_3")
    P = A @ X
    assert abs(np.max(np.abs(P - np.eye(8))) - 0.8915) < 5e-5
    assert abs(np.trace(P) - 3) < 1e-13
    assert_close(P @ P, P, 1e-13, "AA^† idempotent")
    assert_close(npy(pinv(X)), A, 1e-12, "(A^†)^† = A")


def test_q2_e1_wide_matrix_objective_is_identity_of_size_m():
    """E1: for B ∈ R^{3×7} the post writes argmin_A ‖AB − I_n‖; AB is 7×7 so the identity is I_m (m = 7).
    B^† = Bᵀ(BBᵀ)^{-1} solves it, and ‖B^†B − I_7‖_F² = 7 − 3 = 4."""
    B = np.random.default_rng(1).standard_normal((3, 7))
    X = npy(pinv(B, "normal"))
    assert X.shape == (7, 3)
    assert abs(np.sum((X @ B - np.eye(7)) ** 2) - 4) < 1e-12
    assert_close(X, B.T @ np.linalg.inv(B @ B.T), 1e-12, "eq:p-inv-b")
    # argmin over A of ‖AB − I_7‖ column by column: lstsq on Bᵀ Aᵀ = I_7
    assert_close(X, np.linalg.lstsq(B.T, np.eye(7), rcond=None)[0].T, 1e-12, "argmin_A ‖AB − I_7‖")
    assert_close(B @ X @ B, B, 1e-12, "BB^†B = B")
    assert_close(X @ B @ X, X, 1e-12, "B^†BB^† = B^†")


def test_non_uniqueness_and_gradient_descent():
    """Every A^†M + (I − A^†A)W is optimal; A^†M has the least norm; GD from 0 reaches A^†M (1.7e−14 in the
    brief, 1.8e−15 here) and from B_0 the predicted A^†M + (I − A^†A)B_0 (1.8e−15)."""
    g = np.random.default_rng(0)
    A = g.standard_normal((8, 2)) @ g.standard_normal((2, 4))
    M = g.standard_normal((8, 3))
    B0 = g.standard_normal((4, 3))
    best = npy(pinv(A)) @ M
    loss = lambda B: np.sum((A @ npy(B) - M) ** 2)  # noqa: E731
    other = solution_set_member(A, M, B0)
    assert abs(loss(other) - loss(best)) < 1e-12 and np.linalg.norm(npy(other)) > np.linalg.norm(best)
    from_zero = pinv_gradient_descent(A, M)
    assert from_zero.to_pinv[-1] < 1e-13 and from_zero.to_pinv[0] > 0.5
    from_random = pinv_gradient_descent(A, M, B0)
    assert from_random.to_limit[-1] < 1e-13 and from_random.to_pinv[-1] > 1
    assert_close(from_random.B, other, 1e-13, "GD limit = A^†M + (I − A^†A)B_0")


def test_q3_eps_path_closed_form_and_floors():
    """Q3. The closed form ε(Σ 1/(σ²(σ²+ε)²))^{1/2} equals the computed gap (C3): to 1e−8 rel for ε ≥ 1e−4,
    but only to ~3e−6 at ε = 1e−6 (the brief's 1e−8 there is below the solve's rounding, ~eps·‖A^†‖/ε). The
    rounding floors are solver-dependent: numpy's gesv reproduces the brief's 1.0e−8 / 2.5e−6 / 2.2e−4 and
    float32 1.40e−4 / 7.9e−4 / 6.1e−3 / 6.5e−2 exactly; torch's solve gives the same orders (checked to 3×)."""
    A = q3_matrix()
    assert_close(np.linalg.svd(A, compute_uv=False)[:2], [4.28158185, 2.17689969], 1e-8, "σ")
    path = pinv_path(A, [1e-1, 1e-2, 1e-4, 1e-6, 1e-7, 1e-10, 1e-12])
    error, closed = npy(path.error), npy(path.closed_form)
    assert np.all(np.abs(error[:3] / closed[:3] - 1) < 1e-8)
    assert abs(error[3] / closed[3] - 1) < 1e-4
    assert np.all(np.abs(closed[:4] / [9.577e-3, 9.757e-4, 9.777e-6, 9.777e-8] - 1) < 5e-4)
    for got, brief in zip(error[4:], [1.0e-8, 2.5e-6, 2.2e-4]):
        assert brief / 3 < got < brief * 3
    f32 = npy(pinv_path(A, [1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6], torch.float32).error)
    assert np.all(np.abs(f32[:2] / [9.58e-3, 9.76e-4] - 1) < 0.01)
    for got, brief in zip(f32[2:], [1.40e-4, 7.9e-4, 6.1e-3, 6.5e-2]):
        assert brief / 3 < got < brief * 3
    assert np.argmin(f32) == 2 and np.argmin(error) == 4   # U shape: floors near 1e−3 (f32) and 1e−7 (f64)


def test_rank_deficient_gram_inverse_blows_up_like_one_over_eps():
    """Only the product (AᵀA + εI)^{-1}Aᵀ has a limit: ‖(AᵀA + εI)^{-1}‖_2 = 1/ε when rank A < r."""
    A = q3_matrix()
    for eps in (1e-2, 1e-4):
        norm = np.linalg.norm(np.linalg.inv(A.T @ A + eps * np.eye(4)), 2)
        assert abs(norm * eps - 1) < 1e-6


def test_q4_e4_literal_eigen_rule_fails_threshold_fixes():
    """E4/Q4: on the rank-2 recipe (seeds 0..4) eigh returns the two zero eigenvalues as ±1e−15…1e−20 (or an exact
    0); inverting every non-zero λ (the post's rule, exact in exact arithmetic) gives O(1)–O(1e4) errors (brief:
    4.7e3, 0.78, 0.63, 0.46, 4.6; the values are rounding noise and change with the LAPACK build), while the
    threshold 4·eps·λ_max gives ≤ 2e−15."""
    literal_errors = []
    for seed in range(5):
        A = q3_matrix(seed)
        want = np.linalg.pinv(A, rcond=1e-12)
        lam = np.linalg.eigvalsh(A.T @ A)
        assert np.all(np.abs(lam[:2]) < 1e-13)
        assert np.max(np.abs(npy(pinv(A, "eig")) - want)) < 5e-15 * max(1, np.max(np.abs(want)))
        literal = npy(pinv(A, "eig", rtol=0.0))
        literal_errors.append(np.linalg.norm(literal - want) if np.all(np.isfinite(literal)) else np.inf)
    assert min(literal_errors) > 0.1 and max(literal_errors) > 100


def test_e2_lambda_dagger_is_r_by_r():
    """E2: Λ comes from AᵀA ∈ R^{r×r}, so Λ^† = diag(κ_1..κ_r), not ..κ_n; the eig route with r = 4 ≠ n = 8."""
    A = q3_matrix()
    lam, _ = np.linalg.eigh(A.T @ A)
    assert lam.shape == (4,) and npy(pinv(A, "eig")).shape == (4, 8)


def test_conditioning_table_orders_of_magnitude():
    """§2.7 table (50×5, σ = logspace(0, −log10 κ, 5)). Rounding-driven, so checked within 20× of the brief's
    entries (kept below 0.5) and by its scaling: SVD ≲ κ·eps, normal equations ≳ κ²·eps/100 ≫ SVD."""
    brief = {1e2: (1e-13, 5e-13, 3e-15, 5e-7, 8e-5), 1e4: (2e-9, 1e-8, 8e-13, 7e-5, 4.7),
             1e6: (3e-5, 1e-4, 3e-11, 5e-3, 1.0), 1e8: (0.16, 0.03, 6e-9, 0.56, 1.0)}
    eps = np.finfo(np.float64).eps
    for row in conditioning_table():
        for got, want in zip(row[1:], brief[row.kappa]):
            assert (want / 20 < got < want * 20) if want < 0.5 else got > 0.1, (row, want)
        assert row.svd < 10 * row.kappa * eps and row.normal > row.kappa ** 2 * eps / 100
