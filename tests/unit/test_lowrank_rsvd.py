"""Randomised SVD (kexue_viz.lowrank.rsvd) against scikit-learn's randomized_svd with the injected Ω, against
torch.svd_lowrank statistically, and HMT Thm 10.5/10.6 by Monte Carlo: the brief's target Q19 and check C19."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.utils.extmath import randomized_svd

from kexue_viz.lowrank.matrices import with_spectrum
from kexue_viz.lowrank.rsvd import (auto_power_iterations, hmt_frobenius_bound, hmt_spectral_bound, range_finder,
                                    rsvd, sklearn_omega)
from kexue_viz.lowrank.svd import eym_tail
from numeric_asserts import assert_close, npy

SIGMA = 1.0 / np.arange(1, 201)


@pytest.fixture(scope="module")
def harmonic():
    """Q19's ``M = Q₁ diag(1/i) Q₂ᵀ`` (300×200, seed 0), as an array."""
    return npy(with_spectrum(SIGMA, 300, 200, seed=0))


@pytest.mark.parametrize("q", [0, 1, 2, 4])
def test_q19_c19_matches_sklearn_with_injected_omega(harmonic, q):
    """sklearn randomized_svd(random_state=0, n_oversamples=5, flip_sign=False) at r = 10: 2-norm errors
    0.14059 / 0.09195 / 0.09113 / 0.09091 for n_iter 0/1/2/4 (q = 4 uses the LU normaliser)."""
    U, S, Vt = randomized_svd(harmonic, 10, n_oversamples=5, n_iter=q, random_state=0, flip_sign=False)
    ours = rsvd(harmonic, 10, p=5, q=q, seed=0)
    assert_close(ours.matrix(), (U * S) @ Vt, 1e-12, f"rank-10 product, q={q}")
    assert_close(ours.S, S, 1e-12, f"σ, q={q}")
    brief = {0: 0.14059, 1: 0.09195, 2: 0.09113, 4: 0.09091}[q]
    assert abs(np.linalg.norm(harmonic - npy(ours.matrix()), 2) - brief) < 5e-6


@pytest.mark.parametrize("q", [0, 2, 5])
def test_c19_transposed_wide_input_and_auto_rules_match_sklearn(q):
    """n < m: both sketch Mᵀ with Ω = RandomState(seed).normal((n, r + p)); q = 5 > 2 normalises by LU."""
    W = np.random.default_rng(3).standard_normal((40, 90))
    U, S, Vt = randomized_svd(W, 5, n_iter=q, random_state=7, flip_sign=False)
    ours = rsvd(W, 5, q=q, seed=7)
    assert ours.U.shape == (40, 5) and ours.Vh.shape == (5, 90)
    assert_close(ours.matrix(), (U * S) @ Vt, 1e-12, f"wide product, q={q}")
    assert auto_power_iterations(3, (100, 80)) == 7 and auto_power_iterations(8, (100, 80)) == 4
    U, S, Vt = randomized_svd(W, 5, random_state=1, flip_sign=False)   # n_iter='auto' → 7
    assert_close(rsvd(W, 5, seed=1).matrix(), (U * S) @ Vt, 1e-10, "auto q")


def test_injected_omega_equals_seeded_omega(harmonic):
    omega = np.random.RandomState(4).normal(size=(200, 15))
    assert_close(sklearn_omega(200, 15, 4), omega, 0, "Ω")
    assert_close(rsvd(harmonic, 10, 5, 1, omega=omega).matrix(), rsvd(harmonic, 10, 5, 1, seed=4).matrix(),
                 0, "omega= vs seed=")


def test_q19_hmt_bounds_by_monte_carlo(harmonic):
    """Q19: 400 draws of Ω (continuing default_rng(0) after Q₁, Q₂), q = 0, p = 5, untruncated QQᵀM:
    E‖·‖_F = 0.3866 ≤ 0.5618 (optimum 0.3003) and E‖·‖_2 = 0.1650 ≤ 0.8669 (σ_11 = 0.0909), each mean within
    3 standard errors of the brief's value."""
    g = np.random.default_rng(0)
    g.standard_normal((300, 200)), g.standard_normal((200, 200))
    M = torch.as_tensor(harmonic)
    fro, spec = [], []
    for _ in range(400):
        Q = range_finder(M, g.standard_normal((200, 15)))
        R = M - Q @ (Q.mT @ M)
        fro.append(float(torch.linalg.norm(R)))
        spec.append(float(torch.linalg.matrix_norm(R, 2)))
    assert abs(hmt_frobenius_bound(SIGMA, 10, 5) - 0.5618) < 5e-5
    assert abs(hmt_spectral_bound(SIGMA, 10, 5) - 0.8669) < 5e-5
    assert abs(float(eym_tail(SIGMA)[10]) - 0.3003) < 5e-5
    for values, brief, bound in ((fro, 0.3866, 0.5618), (spec, 0.1650, 0.8669)):
        mean, sem = np.mean(values), np.std(values) / np.sqrt(len(values))
        assert abs(mean - brief) < 3 * sem + 5e-5 and mean + 3 * sem < bound
    assert min(fro) >= 0.3003 and min(spec) >= SIGMA[10]


def test_c19_torch_svd_lowrank_route_statistically_equal(harmonic):
    """torch.svd_lowrank (QR-normalised, its own Gaussian Ω) and ours draw from the same error distribution:
    mean truncated F errors over 60 seeds agree within 3 standard errors of the difference; q = 2 both reach
    EYM to 1%. The torch route leaves the global RNG untouched."""
    state = torch.random.get_rng_state()
    ours = [np.linalg.norm(harmonic - npy(rsvd(harmonic, 10, 5, 0, seed=s).matrix())) for s in range(60)]
    theirs = [np.linalg.norm(harmonic - npy(rsvd(harmonic, 10, 5, 0, seed=s, route="torch").matrix()))
              for s in range(60)]
    assert torch.equal(state, torch.random.get_rng_state())
    sem = np.sqrt(np.var(ours) / 60 + np.var(theirs) / 60)
    assert abs(np.mean(ours) - np.mean(theirs)) < 3 * sem
    optimum = float(eym_tail(SIGMA)[10])
    for route in ("hmt", "torch"):
        err = np.linalg.norm(harmonic - npy(rsvd(harmonic, 10, 5, 2, seed=1, route=route).matrix()))
        assert optimum <= err < 1.01 * optimum


def test_qr_normaliser_is_hmt_alg_44_and_errors_shrink_with_q(harmonic):
    """Alg. 4.4 (QR each step) spans the same range as the unnormalised Alg. 4.3 (q ≤ 2, no overflow)."""
    omega = np.random.default_rng(2).standard_normal((200, 15))
    for q in (1, 2):
        Q_qr, Q_none = (npy(range_finder(harmonic, omega, q, mode)) for mode in ("qr", "none"))
        assert_close(Q_qr @ Q_qr.T, Q_none @ Q_none.T, 1e-10, f"projectors, q={q}")
    errors = [np.linalg.norm(harmonic - npy(rsvd(harmonic, 10, 5, q, seed=3).matrix()), 2) for q in range(4)]
    assert errors[0] > errors[1] > errors[3] >= SIGMA[10]
    with pytest.raises(ValueError, match="normaliser"):
        range_finder(harmonic, omega, 1, "cholesky")


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(3, 30), m=st.integers(3, 30), r=st.integers(1, 5),
       p=st.integers(0, 6), q=st.integers(0, 3))
def test_property_rsvd_error_at_least_eym(seed, n, m, r, p, q):
    """Hypothesis: rank-r rSVD errors are ≥ the EYM optimum in the Frobenius and spectral norms."""
    M = np.random.default_rng(seed).standard_normal((n, m))
    r = min(r, min(n, m) - 1)
    approx = npy(rsvd(M, r, p, q, seed=seed).matrix())
    assert np.linalg.norm(M - approx) >= float(eym_tail(M)[r]) * (1 - 1e-12)
    assert np.linalg.norm(M - approx, 2) >= float(eym_tail(M, "2")[r]) * (1 - 1e-12)
