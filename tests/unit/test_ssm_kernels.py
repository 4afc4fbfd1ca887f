"""Cross-checks of kexue_viz.ssm.kernels and .dplr (S4, post 三): every kernel route against
direct powers, the generating function, the DPLR form, the z = -1 node, complex64, the C̃ trick
and the eigenvector blow-up (brief C14, C15, C16, C18, C19, C21, Q9-Q11).

References: ``scipy.signal.cont2discrete`` + numpy matrix powers, ``numpy.convolve``, exact
rational arithmetic (``fractions``) for the eigenvector recursion, ``math.factorial``.
"""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
import torch
from scipy import signal

from kexue_viz.ssm import hippo
from kexue_viz.ssm.dplr import (eigenvector_condition, hippo_dplr, legs_eigenvectors, legs_partial_sums,
                                legs_s_third, legs_s_third_asymptotic, rank_correction, skew_part)
from kexue_viz.ssm.cauchy import dplr_generating_function, nodes_near_poles, roots_near_poles, unit_roots
from kexue_viz.ssm.kernels import (ROUTES, SSM, c_tilde, fft_conv, hippo_ssm, kernel, kernel_cauchy, kernel_diagonal,
                                   kernel_powers, recover_c, ssm_output)
from kexue_viz.ssm.online import run_recurrence

from numeric_asserts import assert_close, npy

MEASURES = ["legs", "legt", "lagt", "fout", "fout_post"]
EXACT_ROUTES = ["krylov", "generating", "cauchy"]
GRID = [(1, 0.1, 1), (4, 0.5, 2), (16, 0.05, 64), (9, 0.3, 63), (33, 0.01, 256), (64, 0.002, 1000), (24, 1.0, 37)]


def numpy_kernel(measure, N, step, C, L, w=1.0):
    """Independent reference: scipy's bilinear Ā, B̄ and explicit numpy matrix powers."""
    A, B = (npy(t) for t in hippo(measure, N, w=w, norm="paper"))
    Abar, Bbar, *_ = signal.cont2discrete((A, B[:, None], np.eye(len(B)), 0), step, method="bilinear")
    out, x = [], Bbar[:, 0]
    for _ in range(L):
        out.append(C @ x)
        x = Abar @ x
    return np.array(out)


@pytest.mark.parametrize("measure", MEASURES)
def test_powers_match_scipy_reference(measure):
    ssm = hippo_ssm(measure, 12, 0.07, "random", w=0.6, seed=3)
    assert_close(kernel_powers(ssm, 200), numpy_kernel(measure, 12, 0.07, npy(ssm.C), 200, w=0.6), 1e-13,
                 f"{measure} powers vs scipy")


@pytest.mark.parametrize("measure", MEASURES)
@pytest.mark.parametrize("N, step, L", GRID)
def test_every_exact_route_matches_powers(measure, N, step, L):
    """C14: Krylov doubling, dense generating function and DPLR-Cauchy agree with direct powers to
    float64 round-off (relative to max|K̄|), for odd and even L (even L contains z = -1). The CPU
    stays within 3e-13; CUDA's FFT and batched solves reach 6e-13 (LagT, N = 64, L = 1000)."""
    ssm = hippo_ssm(measure, N, step, "random", w=0.8, seed=N)
    reference = kernel_powers(ssm, L)
    for route in EXACT_ROUTES:
        assert_close(kernel(ssm, L, route) / reference.abs().max(), reference / reference.abs().max(),
                     1e-12, f"{measure} N={N} ε={step} L={L} {route}")


def test_generating_function_closed_form():
    """Q9: C̄*(I - zĀ)^{-1}B̄ = (2/(1+z)) C̄*[(2/ε)(1-z)/(1+z) I - A]^{-1}B off the unit circle too."""
    ssm = hippo_ssm("legs", 16, 0.05, "random", seed=1)
    Abar, Bbar = (npy(t) for t in ssm.discrete())
    A, B, C = npy(ssm.A), npy(ssm.B), npy(ssm.C)
    for z in (0.3 + 0.4j, -0.7j, 0.9, np.exp(-2j * np.pi * 5 / 64)):
        direct = C @ np.linalg.solve(np.eye(16) - z * Abar, Bbar)
        g = (2 / 0.05) * (1 - z) / (1 + z)
        closed = 2 / (1 + z) * C @ np.linalg.solve(g * np.eye(16) - A, B)
        assert abs(direct - closed) <= 1e-12 * abs(direct)


def test_truncated_generating_function_is_the_dft():
    """G_L(z_l) with C̃ = C̄(I - Ā^L) equals the DFT of K̄_{<L}; with C̄ (no trick) it does not."""
    ssm = hippo_ssm("legs", 16, 0.05, "random", seed=2)
    L = 64
    z = unit_roots(L)
    G = dplr_generating_function(ssm.dplr(), ssm.B, c_tilde(ssm, L), ssm.step, z)
    dft = torch.fft.rfft(kernel_powers(ssm, L))
    assert_close(G, dft, 1e-13, "G_L(z_l) = DFT(K̄)")
    untruncated = dplr_generating_function(ssm.dplr(), ssm.B, ssm.C, ssm.step, z)
    assert float((untruncated - dft).abs().max()) > 1e-3


def test_z_minus_one_node_is_finite_and_exact():
    """Pitfall: the post's 2/(1+z) and g(z) blow up at z = -1 (a node for even L); the homogeneous
    Cauchy form is finite there and equals the limit εC̃*B/2, in complex128 and complex64."""
    ssm = hippo_ssm("legs", 16, 0.05, "random", seed=4)
    Ct = c_tilde(ssm, 64)
    for dtype, tol in ((torch.complex128, 1e-14), (torch.complex64, 1e-6)):
        z = torch.tensor([-1.0 + 0.0j], dtype=dtype)
        G = dplr_generating_function(ssm.dplr(), ssm.B, Ct, ssm.step, z)
        want = ssm.step * float(Ct @ ssm.B) / 2
        assert torch.isfinite(G).all() and abs(complex(G[0]) - want) <= tol * abs(want)
    with np.errstate(divide="ignore", invalid="ignore"):  # the post's form at z = -1
        z = np.complex128(-1.0)
        g = (2 / 0.05) * (1 - z) / (1 + z)
        post = 2 / (1 + z) * npy(Ct) @ np.linalg.solve(g * np.eye(16) - npy(ssm.A), npy(ssm.B))
    assert not np.isfinite(post)


@pytest.mark.parametrize("L", [64, 1024, 4096])
def test_complex64_cauchy_even_length(L):
    """complex64 Cauchy sums for even L: finite, and accurate to single precision."""
    ssm = hippo_ssm("legs", 64, 0.01, "random", seed=5)
    reference = kernel_powers(ssm, L) if L <= 1024 else kernel(ssm, L, "krylov")
    single = kernel_cauchy(ssm, L, dtype=torch.complex64)
    assert torch.isfinite(single).all()
    assert_close(single / reference.abs().max(), reference / reference.abs().max(), 5e-6, f"complex64 L={L}")


def test_c_tilde_round_trip_and_ill_conditioning():
    """C̃ = (I - Ā^L)ᵀC̄ is inverted safely for HiPPO systems (all modes scale together), but a
    mode whose memory far outlasts L (ε L |Re λ| ≪ 1 next to fast modes) makes I - Ā^L
    ill-conditioned: recover_c refuses and names the condition number."""
    good = hippo_ssm("legs", 16, 0.1, "random", seed=6)
    Abar, _ = good.discrete()
    C, cond = recover_c(Abar, c_tilde(good, 256), 256)
    assert cond < 10 and float((C - good.C).abs().max()) < 1e-13
    A = -torch.diag(torch.tensor([1e-10, 1, 2, 3, 4, 5], dtype=torch.float64))
    slow = SSM(A, torch.ones(6, dtype=torch.float64), torch.ones(6, dtype=torch.float64), 0.1)
    with pytest.raises(ValueError, match="ill-conditioned"):
        recover_c(slow.discrete()[0], c_tilde(slow, 100), 100)


def test_dplr_skew_split_and_reconstruction():
    """C15/Q11: A + vvᵀ/2 + I/2 is exactly skew (v = sqrt(2n+1)); A = V(Λ - PP*)V* with V unitary,
    Re Λ = -1/2, P = s4's rank_correction('legs') = sqrt(n + 1/2); max ω = 80.97 at N = 16."""
    N = 16
    A, _ = hippo("legs", N, norm="paper")
    P = rank_correction("legs", N)
    assert_close(P[:, 0], np.sqrt(np.arange(N) + 0.5), 1e-15, "rank correction")
    shift, S = skew_part(A, P)
    assert shift == pytest.approx(-0.5, abs=1e-13) and float((S + S.T).abs().max()) <= 1e-15 * float(S.abs().max())
    d = hippo_dplr("legs", N)
    assert_close(d.matrix(), npy(A).astype(complex), 1e-13, "DPLR reconstruction")
    assert_close(d.V.conj().T @ d.V, np.eye(N), 1e-14, "V unitary")
    assert_close(d.Lambda.real, np.full(N, -0.5), 1e-13, "Re Λ")
    assert float(d.Lambda.imag.max()) == pytest.approx(80.97, abs=0.01)


@pytest.mark.parametrize("measure", MEASURES)
def test_every_measure_is_normal_plus_low_rank(measure):
    A, _ = hippo(measure, 21, w=0.7)
    assert_close(hippo_dplr(measure, 21, w=0.7).matrix(), npy(A).astype(complex), 1e-12, measure)


def test_integer_normalisation_is_refused_by_dplr():
    with pytest.raises(ValueError, match="normalisation"):
        hippo_dplr("legs", 8, norm="integer")


def exact_partial_sums(N, lam):
    """S_n by the recursion S_{n-1} = (λ-n-1)/(λ+n) S_n from S_{N-1} = 1, in exact rationals."""
    S = [Fraction(0)] * N
    S[N - 1] = Fraction(1)
    for n in range(N - 1, 0, -1):
        S[n - 1] = Fraction(lam - n - 1, lam + n) * S[n]
    return S


@pytest.mark.parametrize("N, lam", [(10, 1), (10, 4), (30, 10), (30, 30), (45, 17)])
def test_eigenvector_closed_form(N, lam):
    """C16: the factorial formula equals the exact recursion (S_{λ-2} = 0, not the post's S_{λ-1});
    the vectors satisfy -Av = λv."""
    exact = np.array([float(s) for s in exact_partial_sums(N, lam)])
    got = npy(legs_partial_sums(N, lam))
    nonzero = exact != 0
    assert np.all(np.abs(got[nonzero] / exact[nonzero] - 1) < 1e-11) and np.all(got[~nonzero] == 0)
    if lam >= 2:
        assert exact[lam - 2] == 0 and exact[lam - 1] != 0
    A, _ = hippo("legs", N)
    V = legs_eigenvectors(N)
    v = V[:, lam - 1]
    assert float((-A @ v - lam * v).abs().max()) <= 1e-12 * float((A @ v).abs().max())


def test_s_third_values_and_corrected_prefactor():
    """Q10: |S_{N/3}| = ((2N/3)!)²/(4N/3-1)!; 2.90178e-10 (N=30), 7.44136e-22 (N=60); ratio to
    N^{3/2}2^{-4N/3} -> (4/3)sqrt(2π/3) = 1.9296 (the post's sqrt(N) prefactor is off by N)."""
    for N in (30, 60, 120):
        exact = math.factorial(2 * N // 3) ** 2 / math.factorial(4 * N // 3 - 1)
        assert legs_s_third(N) == pytest.approx(exact, rel=1e-11)
    assert legs_s_third(30) == pytest.approx(2.90178e-10, rel=1e-5)
    assert legs_s_third(60) == pytest.approx(7.44136e-22, rel=1e-5)
    ratios = [legs_s_third(N) / (N ** 1.5 * 2.0 ** (-4 * N / 3)) for N in (30, 60, 120, 240, 480)]
    assert ratios == pytest.approx([1.9417, 1.9356, 1.9326, 1.9311, 1.9304], abs=1e-4)
    assert legs_s_third(480) / legs_s_third_asymptotic(480) == pytest.approx(1.0, abs=1e-3)
    post = [legs_s_third(N) / (math.sqrt(N) * 2.0 ** (-4 * N / 3)) for N in (30, 480)]
    assert post[1] / post[0] == pytest.approx(16, rel=0.01)  # grows like N: not O(sqrt(N) 2^{-4N/3})


def test_diagonalisation_route_degrades_with_eigenvector_conditioning():
    """Post 3: diagonalising LegS is exact in theory and hopeless in float64: the eigenvector
    condition number explodes, and so does the error of the Vandermonde route; for the (better
    conditioned) Fourier system the same route is accurate."""
    conds = [eigenvector_condition(N) for N in (4, 8, 12, 16)]
    assert all(b > 100 * a for a, b in zip(conds, conds[1:]))
    errors = {}
    for N in (8, 32):
        ssm = hippo_ssm("legs", N, 0.01, "random", seed=N)
        reference = kernel_powers(ssm, 256)
        diagonal = kernel_diagonal(ssm, 256, max_condition=math.inf)
        errors[N] = float((diagonal - reference).abs().max() / reference.abs().max())
    assert errors[8] < 1e-10 and errors[32] > 1e-2
    with pytest.raises(ValueError, match="diagonalisable"):
        kernel_diagonal(hippo_ssm("legs", 32, 0.01), 64)
    fourier = hippo_ssm("fout", 32, 0.01, "random")
    reference = kernel_powers(fourier, 256)
    assert float((kernel_diagonal(fourier, 256) - reference).abs().max() / reference.abs().max()) < 1e-12
    jordan = SSM(torch.tensor([[-1.0, 1.0], [0.0, -1.0]], dtype=torch.float64), torch.ones(2, dtype=torch.float64),
                 torch.ones(2, dtype=torch.float64), 0.1)  # defective: eig's vectors are parallel
    with pytest.raises(ValueError, match="diagonalisable"):
        kernel_diagonal(jordan, 8)


def test_fft_conv_zero_padding_example():
    """C21/Q18: [1,2,3]*[4,5,6] = [4,13,28] with zero padding; [31,31,28] is the circular product."""
    got = fft_conv(torch.tensor([1.0, 2, 3], dtype=torch.float64), torch.tensor([4.0, 5, 6], dtype=torch.float64))
    assert_close(got, [4, 13, 28], 1e-14, "padded")
    circular = torch.fft.irfft(torch.fft.rfft(torch.tensor([1.0, 2, 3])) * torch.fft.rfft(torch.tensor([4.0, 5, 6])), n=3)
    assert_close(circular, [31, 31, 28], 1e-5, "circular")
    rng = np.random.default_rng(0)
    k, u = rng.standard_normal(777), rng.standard_normal(777)
    assert_close(fft_conv(torch.tensor(k), torch.tensor(u)), np.convolve(k, u)[:777], 1e-12, "vs np.convolve")


@pytest.mark.parametrize("measure", ["legs", "legt", "fout"])
def test_convolution_equals_recurrence(measure):
    """C18: y = K̄ * u (FFT) equals y_{k+1} = C̄*x_{k+1} of the recurrence, for every exact route."""
    ssm = hippo_ssm(measure, 24, 0.02, "random", seed=7)
    u = torch.tensor(np.random.default_rng(1).standard_normal(500))
    Abar, Bbar = ssm.discrete()
    y_rnn = run_recurrence(Abar, Bbar, u)[1:] @ ssm.C
    for route in EXACT_ROUTES:
        assert_close(ssm_output(ssm, u, route), y_rnn, 1e-12, f"{measure} {route}")


def test_similarity_invariance():
    """C19: (A, B, C) -> (TAT^{-1}, TB, T^{-ᵀ}C) leaves K̄ unchanged."""
    ssm = hippo_ssm("legs", 12, 0.1, "random", seed=8)
    T = (torch.tensor(np.random.default_rng(2).standard_normal((12, 12))) + 4 * torch.eye(12, dtype=torch.float64)).to(ssm.A)
    Tinv = torch.linalg.inv(T)
    moved = SSM(T @ ssm.A @ Tinv, T @ ssm.B, Tinv.T @ ssm.C, ssm.step)
    assert_close(kernel(moved, 300, "krylov"), kernel_powers(ssm, 300), 1e-11, "similarity")


def test_invalid_inputs_have_clear_messages():
    ssm = hippo_ssm("legs", 8, 0.1)
    with pytest.raises(ValueError, match="route"):
        kernel(ssm, 16, "magic")
    with pytest.raises(ValueError, match="length"):
        kernel(ssm, 0)
    with pytest.raises(ValueError, match="step"):
        hippo_ssm("legs", 8, 0.0)
    with pytest.raises(ValueError, match="low-rank"):
        kernel_cauchy(SSM(ssm.A, ssm.B, ssm.C, 0.1), 16)
    assert set(ROUTES) == {"powers", "krylov", "generating", "cauchy", "diagonal", "rtf"}


def test_near_pole_nodes_are_found_and_evaluated_exactly():
    """Odd N LegT has Λ_i = 0, so d_i(z = 1) = 0: both detectors flag node 0 only, and the
    shifted Woodbury evaluation there equals the dense value -C̃ᵀA^{-1}B (= G(1))."""
    ssm = hippo_ssm("legt", 9, 0.1, "random", seed=9)
    lam = ssm.dplr().Lambda
    assert roots_near_poles(64, lam, 0.1).tolist() == [0]
    assert nodes_near_poles(unit_roots(64), lam, 0.1).tolist() == [0]
    Ct = c_tilde(ssm, 64)
    G1 = dplr_generating_function(ssm.dplr(), ssm.B, Ct, ssm.step, torch.ones(1, dtype=torch.complex128))
    dense = -Ct @ torch.linalg.solve(ssm.A, ssm.B)
    assert abs(complex(G1[0]) - float(dense)) <= 1e-12 * abs(float(dense))
