"""Cross-checks of kexue_viz.ssm.rtf (post 四): rational coefficients, the state-free kernel,
aliasing, the companion realisation, the shift register and the stability disc (brief C17, C18,
Q13-Q17).

References: ``numpy.poly`` (characteristic polynomials from eigenvalues), ``scipy.signal.lfilter``
(impulse responses), ``scipy.signal.tf2ss``, explicit matrix powers.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy import signal

from kexue_viz.ssm.kernels import c_tilde, fft_conv, hippo_ssm, kernel, kernel_powers, recover_c
from kexue_viz.ssm.online import run_recurrence
from kexue_viz.ssm.rtf import (companion, companion_states, rtf_coefficients, rtf_condition, rtf_kernel, rtf_poles,
                               stability_sum)

from numeric_asserts import assert_close, npy

EPS = np.finfo(np.float64).eps


def random_system(N, seed, radius=0.9):
    """A random real (Ā, B̄, C̃) with spectral radius ``radius``."""
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((N, N))
    A *= radius / np.max(np.abs(np.linalg.eigvals(A)))
    return (torch.tensor(A), torch.tensor(rng.standard_normal(N)), torch.tensor(rng.standard_normal(N)))


def powers(Abar, Bbar, C, L):
    A, x, C = npy(Abar), npy(Bbar), npy(C)
    out = []
    for _ in range(L):
        out.append(C @ x)
        x = A @ x
    return np.array(out)


@pytest.mark.parametrize("N", [1, 2, 5, 16, 40])
def test_coefficients_are_the_characteristic_polynomials(N):
    """Q15: a = np.poly(Ā)[1:], b = np.poly(Ā - B̄C̃ᵀ)[1:] - a (post's det(I+UV) = det(I+VU) derivation)."""
    Abar, Bbar, Ct = random_system(N, N)
    a, b = rtf_coefficients(Abar, Bbar, Ct)
    pa = np.poly(npy(Abar))[1:]
    pb = np.poly(npy(Abar) - np.outer(npy(Bbar), npy(Ct)))[1:] - pa
    assert_close(a, pa, 1e-12, "a")
    assert_close(b, pb, 1e-12, "b")


@pytest.mark.parametrize("N, L", [(1, 2), (4, 5), (16, 64), (16, 100), (32, 255), (40, 1024)])
def test_rtf_kernel_matches_powers(N, L):
    """C17: IDFT(DFT b̄ / DFT ā) = C̄ Ā^k B̄ when (a, b) come from (Ā, B̄, C̃ = (I - Ā^L)ᵀC̄)."""
    Abar, Bbar, C = random_system(N, 100 + N)
    c_tilde_ = (torch.eye(N, dtype=torch.float64) - torch.linalg.matrix_power(Abar, L)).T @ C
    a, b = rtf_coefficients(Abar, Bbar, c_tilde_)
    assert_close(rtf_kernel(a, b, L), powers(Abar, Bbar, C, L), 1e-12, f"N={N} L={L}")


def test_kernel_is_the_impulse_response_folded_modulo_l():
    """The RTF kernel from (a, b) directly is the impulse response of b(z)/a(z) aliased mod L."""
    rng = np.random.default_rng(3)
    a = rng.uniform(-1, 1, 6)
    a *= 0.95 / np.abs(a).sum()
    b = rng.standard_normal(6)
    L, periods = 32, 40
    impulse = np.zeros(L * periods)
    impulse[0] = 1.0
    h = signal.lfilter(b, np.concatenate([[1.0], a]), impulse)
    folded = h.reshape(periods, L).sum(axis=0)
    assert_close(rtf_kernel(torch.tensor(a), torch.tensor(b), L), folded, 1e-14, "aliasing")
    numerator = 0.7 * np.concatenate([[1.0], a]) + np.concatenate([[0.0], b])  # h0 + z b(z)/a(z)
    h_delay = signal.lfilter(numerator, np.concatenate([[1.0], a]), impulse)
    got = rtf_kernel(torch.tensor(a), torch.tensor(b), L, delay=1, h0=0.7)
    assert_close(got, h_delay.reshape(periods, L).sum(axis=0), 1e-14, "delay=1 (RTF code convention)")


@pytest.mark.filterwarnings("ignore::scipy.signal.BadCoefficients")  # tf2ss warns about the leading 0 of [0, b]
def test_companion_realisation():
    """Companion (Ā, B̄, C̃) equals scipy's tf2ss([0, b], [1, a]); its coefficients round-trip."""
    rng = np.random.default_rng(4)
    a, b = torch.tensor(rng.uniform(-0.2, 0.2, 7)), torch.tensor(rng.standard_normal(7))
    Abar, Bbar, Ct = companion(a, b)
    As, Bs, Cs, Ds = signal.tf2ss(np.concatenate([[0.0], npy(b)]), np.concatenate([[1.0], npy(a)]))
    assert_close(Abar, As, 1e-15, "A")
    assert_close(Bbar, Bs[:, 0], 1e-15, "B")
    assert_close(Ct, Cs[0], 1e-15, "C")
    assert_close(np.poly(npy(Abar))[1:], a, 1e-12, "charpoly of the companion matrix")
    a2, b2 = rtf_coefficients(Abar, Bbar, Ct)
    assert_close(a2, a, 1e-13, "a round trip")
    assert_close(b2, b, 1e-13, "b round trip")


def test_companion_recurrence_equals_convolution():
    """C18 for RTF: the O(N) companion recurrence with C̄ = C̃(I - Ā^L)^{-1} gives y = K̄ * u."""
    rng = np.random.default_rng(5)
    N, L = 8, 300
    a = rng.uniform(-1, 1, N)
    a *= 0.9 / np.abs(a).sum()
    a, b = torch.tensor(a), torch.tensor(rng.standard_normal(N))
    u = torch.tensor(rng.standard_normal(L))
    Abar, Bbar, Ct = companion(a, b)
    C, _ = recover_c(Abar, Ct, L)
    states = companion_states(a, u)
    assert_close(states, run_recurrence(Abar, Bbar, u), 1e-12, "companion states")
    assert_close(states[1:] @ C, fft_conv(rtf_kernel(a, b, L), u), 1e-12, "recurrence = RTF convolution")


def test_zero_denominator_is_a_shift_register():
    """Q16: a = 0 makes the state the last N inputs and the kernel b itself (padded)."""
    u = torch.arange(1.0, 11.0, dtype=torch.float64)
    states = companion_states(torch.zeros(3, dtype=torch.float64), u)
    assert_close(states[5], [5.0, 4.0, 3.0], 0, "x_5 = (u_4, u_3, u_2)")
    b = torch.tensor([2.0, -1.0, 0.5], dtype=torch.float64)
    assert_close(rtf_kernel(torch.zeros(3, dtype=torch.float64), b, 8), [2, -1, 0.5, 0, 0, 0, 0, 0], 1e-15, "K = b")


def test_stability_disc():
    """Q17: Σ|a_i| < 1 puts every root strictly inside the unit disc (20 000 random trials);
    without it roots leave the disc."""
    generator = torch.Generator().manual_seed(0)
    a = torch.rand(20000, 6, generator=generator, dtype=torch.float64) * 2 - 1
    inside = a / stability_sum(a)[:, None] * torch.rand(20000, 1, generator=generator, dtype=torch.float64)
    assert float(rtf_poles(inside).abs().max()) < 1
    assert float(rtf_poles(a * 3).abs().max()) > 1


def test_hippo_conversion_loses_digits_predicted_by_rtf_condition():
    """Converting a HiPPO system to (a, b) is exact in exact arithmetic, but with many eigenvalues
    of Ā near 1 the coefficients cancel: the kernel error stays below eps·rtf_condition, and
    well-conditioned cases agree to float64 precision."""
    for measure, N, step, L in (("legs", 8, 0.3, 63), ("legs", 16, 0.05, 64), ("legt", 16, 0.5, 128),
                                ("lagt", 8, 0.3, 63)):
        ssm = hippo_ssm(measure, N, step, "random", seed=N)
        Abar, Bbar = ssm.discrete()
        a, b = rtf_coefficients(Abar, Bbar, c_tilde(ssm, L))
        reference = kernel_powers(ssm, L)
        error = float((kernel(ssm, L, "rtf") - reference).abs().max() / reference.abs().max())
        assert error <= 10 * EPS * rtf_condition(a, L), (measure, N, step, error)
    good = hippo_ssm("legs", 8, 0.3, "random", seed=8)
    reference = kernel_powers(good, 63)
    assert float((kernel(good, 63, "rtf") - reference).abs().max() / reference.abs().max()) < 1e-13


def test_invalid_rtf_inputs():
    a = torch.zeros(4, dtype=torch.float64)
    with pytest.raises(ValueError, match="N < L"):
        rtf_kernel(a, a, 4)
    with pytest.raises(ValueError, match="root of unity"):
        rtf_kernel(torch.tensor([-1.0], dtype=torch.float64), torch.ones(1, dtype=torch.float64), 4)  # a(1) = 0
    with pytest.raises(ValueError, match="delay"):
        rtf_kernel(a, a, 16, delay=2)


def test_parameter_count():
    """Q14: the RTF has 2N parameters (a, b) against N² + 2N for (Ā, B̄, C̃)."""
    ssm = hippo_ssm("legs", 16, 0.1)
    a, b = rtf_coefficients(*ssm.discrete(), c_tilde(ssm, 64))
    assert a.numel() + b.numel() == 2 * 16
    assert ssm.A.numel() + ssm.B.numel() + ssm.C.numel() == 16 ** 2 + 2 * 16
