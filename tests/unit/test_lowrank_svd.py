"""SVD, Eckart–Young–Mirsky, the LoRA-GA variant and the 2×2 geometry (kexue_viz.lowrank.svd) against numpy,
SciPy gesvd, mpmath, L-BFGS and sampling: the brief's targets Q5–Q7, cross-checks C5–C7, C20, errata E5–E8."""
from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest
import scipy.linalg
import scipy.optimize
from hypothesis import given, settings
from hypothesis import strategies as st

from kexue_viz.lowrank.matrices import with_spectrum
from kexue_viz.lowrank.pinv import pinv
from kexue_viz.lowrank.svd import (als_low_rank, eym_tail, eym_weights, lora_ga_loss, lora_ga_optimum, svd,
                                   svd_geometry_2x2, truncated_svd)
from numeric_asserts import assert_close, npy


@pytest.fixture(scope="module")
def m12x9():
    """The brief's ``default_rng(0).standard_normal((12, 9))`` (Q5, Q6)."""
    return np.random.default_rng(0).standard_normal((12, 9))


def test_q5_c6_eym_frobenius_and_spectral(m12x9):
    """Q5: err_F² = 33.0396460803 and err_2 = σ_4 = 3.5697244953 at r = 3; C6: ‖M − M_r‖_2 = σ_{r+1} for all r."""
    fro, spec = npy(eym_tail(m12x9)), npy(eym_tail(m12x9, "2"))
    assert abs(fro[3] ** 2 - 33.0396460803) < 1e-9 and abs(spec[3] - 3.5697244953) < 1e-9
    sigma = np.linalg.svd(m12x9, compute_uv=False)
    for r in range(10):
        residual = m12x9 - npy(truncated_svd(m12x9, r).matrix())
        assert abs(np.linalg.norm(residual, 2) - (sigma[r] if r < 9 else 0)) <= 1e-12 * sigma[0]
        assert abs(np.linalg.norm(residual) - fro[r]) <= 1e-12 * sigma[0]


def test_q5_als_and_random_competitors_never_beat_eym(m12x9):
    g = np.random.default_rng(11)
    optimum = 33.0396460803
    errors = npy(als_low_rank(m12x9, g.standard_normal((12, 3)), steps=300))
    assert abs(errors[-1] ** 2 - optimum) < 1e-8 and np.all(np.diff(errors) <= 1e-12)
    for _ in range(20):
        A = g.standard_normal((12, 3))
        assert np.sum((A @ npy(pinv(A)) @ m12x9 - m12x9) ** 2) >= optimum


def test_c5_eym_against_numpy_scipy_gesvd_and_closed_spectra():
    sigma = 0.8 ** np.arange(15)
    M = with_spectrum(sigma, 30, 20, seed=4)
    want = np.sqrt(np.cumsum((sigma ** 2)[::-1])[::-1])
    assert_close(eym_tail(M)[:15], want, 1e-10, "tail_F vs closed-form spectrum")
    for reference in (np.linalg.svd(npy(M), compute_uv=False),
                      scipy.linalg.svd(npy(M), compute_uv=False, lapack_driver="gesvd")):
        assert_close(eym_tail(M, "2")[:20], reference, 1e-12, "σ vs numpy/scipy gesvd")
    U, S, Vh = np.linalg.svd(npy(M))
    for r in (1, 5, 12):
        assert_close(truncated_svd(M, r).matrix(), (U[:, :r] * S[:r]) @ Vh[:r], 1e-12, f"M_{r} vs numpy")


def test_c5_hilbert_tails_against_mpmath():
    """50-digit singular values of the 8×8 Hilbert matrix (κ ≈ 1.5e10): tails agree to 1e−10 relative plus the
    float64 backward error 10·eps·σ_1."""
    mp.mp.dps = 50
    H = mp.hilbert(8)
    exact = [mp.mpf(x) for x in mp.svd_r(H, compute_uv=False)]
    exact.sort(reverse=True)
    tails = [float(mp.sqrt(mp.fsum(s ** 2 for s in exact[r:]))) for r in range(9)]
    got = npy(eym_tail(np.array(H.tolist(), dtype=np.float64)))
    slack = 10 * np.finfo(np.float64).eps * float(exact[0])
    assert np.all(np.abs(got - tails) <= 1e-10 * np.array(tails) + slack)


def test_norms_and_svd_pinv_identity():
    """Post 2: ‖M‖_F² = Σσ², ‖M‖_2 = σ_1 ≤ ‖M‖_F, and A^† = VΣ^†Uᵀ serves as left and right pseudo-inverse."""
    g = np.random.default_rng(5)
    for shape in ((7, 4), (4, 7)):
        M = g.standard_normal(shape)
        sigma = npy(svd(M).S)
        assert abs(np.sum(sigma ** 2) - np.sum(M ** 2)) < 1e-12 * np.sum(M ** 2)
        assert abs(sigma[0] - np.linalg.norm(M, 2)) < 1e-12 and sigma[0] <= np.linalg.norm(M)
        assert_close(pinv(M), pinv(M, "normal"), 1e-12, f"VΣ^†Uᵀ vs normal equations {shape}")


def test_q6_c7_e7_lora_ga_optimum_attained_and_lbfgs_never_lower(m12x9):
    """E7: the post shows only rank(AAᵀM + MBᵀB) ≤ 2r; the optimum Σ_{j>2r}σ² = 5.3390636007 is attained by
    A = U[:, :r], B = V[:, r:2r]ᵀ (Q6), and L-BFGS from 10 random starts (the brief ran 20: 5.3390636131 at best)
    never goes lower (C7)."""
    best = lora_ga_optimum(m12x9, 3)
    assert abs(float(best.loss) - 5.3390636007) < 1e-9 and abs(float(best.loss / best.tail) - 1) < 1e-12
    M = m12x9

    def objective(x):
        """The loss and its gradient 2(RMᵀA + MRᵀA), 2(BRᵀM + BMᵀR) in numpy, R = AAᵀM + MBᵀB − M."""
        A, B = x[:36].reshape(12, 3), x[36:].reshape(3, 9)
        R = A @ (A.T @ M) + (M @ B.T) @ B - M
        grad_A = 2 * (R @ (M.T @ A) + M @ (R.T @ A))
        grad_B = 2 * (B @ (R.T @ M) + (B @ M.T) @ R)
        return np.sum(R ** 2), np.concatenate([grad_A.ravel(), grad_B.ravel()])

    g = np.random.default_rng(0)
    finals = [scipy.optimize.minimize(objective, g.standard_normal(63) * 0.3, jac=True, method="L-BFGS-B",
                                      options={"maxiter": 3000, "gtol": 1e-10}).fun for _ in range(10)]
    assert min(finals) >= float(best.loss) * (1 - 1e-10)
    x = g.standard_normal(63)
    assert abs(objective(x)[0] - float(lora_ga_loss(x[:36].reshape(12, 3), x[36:].reshape(3, 9), M))) < 1e-9
    assert min(finals) < float(best.loss) * (1 + 1e-6)


def test_q7_e8_svd_via_eig_loses_small_singular_values_and_orthogonality():
    """E8/Q7: M = Q₁ diag(logspace(0, −12, 10)) Q₂ᵀ (40×10). eig(MᵀM) resolves only σ ≳ sqrt(eps)·σ_1: σ_7 = 1e−8
    comes out with an O(1e−9) error (σ_6 = 2e−7 already with 2e−4 relative), σ_8 = 4.6e−10 as ~1e−8 (brief 7.5e−9), σ_9, σ_10 as 0 or garbage ≤ 3e−8
    (the exact values are rounding noise; the brief's 1.35e−8 etc. differ from this LAPACK build). U = MVΣ^{-1}
    is orthonormal to ~1e−9 at k = 4 but not at k = 7 (brief 0.61). LAPACK keeps every σ to 1e−3 relative."""
    sigma = np.logspace(0, -12, 10)
    M = with_spectrum(sigma, 40, 10, seed=0)
    via_eig = npy(svd(M, route="eig").S)
    assert np.all(np.abs(via_eig - sigma) < 3e-8)
    assert np.all(np.abs(via_eig[:5] / sigma[:5] - 1) < 1e-5)
    assert abs(via_eig[7] / sigma[7]) > 3
    assert np.all(np.abs(npy(svd(M).S) / sigma - 1) < 1e-3)
    for k, low, high in ((4, 1e-12, 1e-7), (7, 1e-2, 2.0)):
        U = npy(svd(M, "eig", k=k).U)
        assert low < np.max(np.abs(U.T @ U - np.eye(k))) < high


def test_eym_weights_proof_picture():
    """min_B ‖AB − Σ‖² = Σ w_j σ_j² with 0 ≤ w_j ≤ 1, Σw_j = n − rank A; EYM's 0/1 pattern is the least."""
    g = np.random.default_rng(8)
    sigma = np.sort(g.uniform(0.1, 3, 6))[::-1].copy()
    Sigma = np.zeros((9, 6))
    Sigma[:6, :6] = np.diag(sigma)
    for A in (g.standard_normal((9, 3)), g.standard_normal((9, 1)) @ g.standard_normal((1, 3))):
        w = eym_weights(A, sigma)
        direct = np.sum((A @ np.linalg.lstsq(A, Sigma, rcond=None)[0] - Sigma) ** 2)
        assert abs(float(w.objective) - direct) < 1e-12 * direct
        weights = npy(w.weights)
        assert np.all(weights > -1e-14) and np.all(weights < 1 + 1e-14)
        assert abs(weights.sum() - (9 - np.linalg.matrix_rank(A))) < 1e-12
        assert float(w.objective) >= float(w.optimal_objective)
    assert abs(float(w.optimal_objective) - np.sum(sigma[3:] ** 2)) < 1e-12


def test_e5_zero_block_is_n_by_m_minus_r():
    """E5: in (MV[:, :r], MV[:, r:]) the zero block MV[:, r:] is n×(m−r), not m×(m−r) (here 6×3, rank 2, m = 5)."""
    g = np.random.default_rng(2)
    M = g.standard_normal((6, 2)) @ g.standard_normal((2, 5))
    factors = svd(M, route="eig", k=2)
    tail = M @ npy(factors.Vh).T[:, 2:]
    assert tail.shape == (6, 3) and np.max(np.abs(tail)) < 1e-13
    assert_close(factors.matrix(), M, 1e-12, "U_r Σ_r V_rᵀ = M")


def test_e6_induction_step_with_a_zero_eigenvalue_and_wide_spectral_norm():
    """E6: the induction step needs no λ_1 ≠ 0: deflating a symmetric matrix on an eigenvector of eigenvalue 0
    gives the block form diag(0, QᵀMQ). And for a wide M (y ∈ R^m, only p = n singular values) ‖Mx‖ ≤ σ_1."""
    g = np.random.default_rng(6)
    basis = np.linalg.qr(g.standard_normal((5, 5)))[0]
    S = (basis * np.array([0.0, 2.0, 2.0, -1.0, 3.0])) @ basis.T
    u1 = basis[:, :1]
    full = np.hstack([u1, scipy.linalg.null_space(u1.T)])
    block = full.T @ S @ full
    assert np.max(np.abs(block[0])) < 1e-14 and np.max(np.abs(block[:, 0])) < 1e-14
    M = g.standard_normal((3, 8))
    x = g.standard_normal((8, 5000))
    x /= np.linalg.norm(x, axis=0)
    sigma = npy(svd(M).S)
    assert sigma.shape == (3,) and np.max(np.linalg.norm(M @ x, axis=0)) <= sigma[0] * (1 + 1e-14)


def test_f_svd_target_and_c20_geometry():
    """F-SVD: M = [[1.5, 0.8], [−0.3, 1.0]] has σ = (1.7192034, 1.0120966), σ_1σ_2 = det M = 1.74; Mv_i = σ_iu_i;
    the stages compose to M; 10⁴ circle samples give the semi-axes to 1e−6 (C20)."""
    M = np.array([[1.5, 0.8], [-0.3, 1.0]])
    geo = svd_geometry_2x2(M, samples=10_000)
    S = npy(geo.S)
    assert_close(S, [1.7192034, 1.0120966], 5e-8, "σ")
    assert abs(S.prod() - 1.74) < 1e-12 and abs(float(geo.area) - np.pi * 1.74) < 1e-12
    assert_close(M @ npy(geo.Vh).T, npy(geo.U) * S, 1e-12, "Mv_i = σ_i u_i")
    stages = npy(geo.stages)
    assert_close(stages[3], M @ stages[0], 1e-12, "U(Σ(Vᵀx)) = Mx")
    assert_close(np.linalg.norm(stages[1], axis=0), np.ones(10_000), 1e-12, "Vᵀ keeps the circle")
    radii = np.linalg.norm(stages[3], axis=0)
    assert abs(radii.max() - S[0]) < 1e-6 and abs(radii.min() - S[1]) < 1e-6
    assert_close(npy(geo.basis)[2], np.diag(S), 1e-12, "Σ takes Vᵀv_i to σ_i e_i")
    g = np.random.default_rng(1)
    for _ in range(20):
        R = g.standard_normal((2, 2))
        s = npy(svd_geometry_2x2(R, samples=8).S)
        assert abs(s.prod() - abs(np.linalg.det(R))) < 1e-12 * max(1, s[0] ** 2)
        assert abs(np.sum(s ** 2) - np.sum(R ** 2)) < 1e-12 * max(1, s[0] ** 2)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(2, 9), m=st.integers(2, 9), r=st.integers(1, 4))
def test_property_every_rank_r_competitor_is_at_least_eym(seed, n, m, r):
    """Hypothesis: random factors with the optimal B, ALS after 3 rounds and LoRA-GA at random (A, B) all have
    error ≥ the EYM optimum (rank r, resp. 2r)."""
    g = np.random.default_rng(seed)
    M = g.standard_normal((n, m))
    r = min(r, min(n, m))
    tail = npy(eym_tail(M))
    A = g.standard_normal((n, r))
    floor = tail[r] * (1 - 1e-12)
    assert np.linalg.norm(A @ npy(pinv(A)) @ M - M) >= floor
    assert npy(als_low_rank(M, A, steps=3))[-1] >= floor
    B = g.standard_normal((r, m))
    assert float(lora_ga_loss(A, B, M)) >= tail[min(2 * r, min(n, m))] ** 2 * (1 - 1e-12)
