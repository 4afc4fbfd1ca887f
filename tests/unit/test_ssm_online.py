"""Independent cross-checks of kexue_viz.ssm.online and .errors: online states, convolution vs
recurrence, exact projections, reconstruction, Bessel's identity and error-vs-N (C4, C18, C19,
C20, C21 and brief §2.5/§2.8).

References: closed-form piecewise-constant projections through the Legendre antiderivative
(∫_{-1}^x P_n = (P_{n+1} - P_{n-1})/(2n+1), scipy ``eval_legendre``) and trigonometric
antiderivatives, ``scipy.integrate.quad`` with Laguerre functions, ``np.convolve``, explicit
matrix powers, numpy loops with ``scipy.signal.cont2discrete`` matrices, Gauss–Legendre sums.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy import integrate, signal, special

from kexue_viz.ssm import (LEGS_METHODS, LTI_METHODS, causal_conv, discretize, error_vs_n, exact_projection, hippo,
                           krylov, lti_states_by_convolution, online_states, reconstruct, relative_error,
                           run_recurrence, support)

from numeric_asserts import assert_close, npy

SQRT2 = math.sqrt(2.0)
LTI_MEASURES = [("legt", dict(w=1.0)), ("legt", dict(w=0.3, norm="integer")), ("legt", dict(w=0.5, norm="paper")),
                ("fout", dict(w=1.0)), ("fout_post", dict(w=0.7)), ("lagt", {}), ]





def u_smooth(t):
    return np.sin(2 * np.pi * 1.3 * t) + 0.5 * np.cos(5 * t) + t ** 2 / 3


# --------------------------------------------------------------------------------------------
# closed-form exact projections of a piecewise-constant input (independent of the package)
# --------------------------------------------------------------------------------------------

def legendre_antiderivative(n, x):
    """Q_n(x) = ∫_{-1}^x P_n."""
    if n == 0:
        return x + 1
    return (special.eval_legendre(n + 1, x) - special.eval_legendre(n - 1, x)) / (2 * n + 1)


def pieces(u, dt, lo, hi):
    """Pieces [a, b] of [kε, (k+1)ε] ∩ [lo, hi] with value u_k (input is 0 before t = 0)."""
    k = np.arange(len(u))
    a = np.clip(k * dt, lo, hi)
    b = np.clip((k + 1) * dt, lo, hi)
    keep = b > a
    return a[keep], b[keep], np.asarray(u)[keep]


def closed_form_legendre(N, u, dt, lo, hi):
    """Su coefficients c_n = ∫_{-1}^1 u(t(s)) g_n(s) ds over [lo, hi] (LegS: [0, T]; LegT: window)."""
    a, b, v = pieces(u, dt, lo, hi)
    sa, sb = 2 * (a - lo) / (hi - lo) - 1, 2 * (b - lo) / (hi - lo) - 1
    return np.array([math.sqrt((2 * n + 1) / 2) * np.sum(v * (legendre_antiderivative(n, sb)
                                                              - legendre_antiderivative(n, sa)))
                     for n in range(N)])


def closed_form_fourier(size, u, dt, T, w):
    a, b, v = pieces(u, dt, T - w, T)
    sa, sb = (a - T + w) / w, (b - T + w) / w
    out = [np.sum(v * (sb - sa))]
    for k in range(1, size // 2 + 1):
        om = 2 * np.pi * k
        out.append(SQRT2 * np.sum(v * (np.sin(om * sb) - np.sin(om * sa))) / om)
        out.append(SQRT2 * np.sum(v * (np.cos(om * sa) - np.cos(om * sb))) / om)
    return np.array(out)


def quad_laguerre(N, u, dt, T):
    a, b, v = pieces(u, dt, 0.0, T)
    out = np.zeros(N)
    for n in range(N):
        f = lambda t, n=n: special.eval_laguerre(n, T - t) * math.exp(-(T - t) / 2)
        out[n] = sum(vk * integrate.quad(f, ak, bk, epsabs=1e-15, epsrel=1e-13)[0] for ak, bk, vk in zip(a, b, v))
    return out


LAMBDA = {  # c_n = λ_n x_n for the Legendre measures
    "su": lambda N: np.ones(N),
    "paper": lambda N: np.full(N, SQRT2),
    "integer": lambda N: np.sqrt(2 / (2 * np.arange(N) + 1)),
}


# --------------------------------------------------------------------------------------------
# C4: LegS ZOH recurrence = piecewise-constant projection (closed form)
# --------------------------------------------------------------------------------------------

def test_legs_zoh_recurrence_is_closed_form_projection():
    N, K = 16, 200
    u = np.random.default_rng(0).standard_normal(K)
    X = npy(online_states("legs", N, u, 0.01, method="zoh"))
    assert X.shape == (K + 1, N)
    assert_close(X[0], np.zeros(N), 0, "x_0 = 0")
    ref = np.array([closed_form_legendre(N, u, 0.01, 0.0, k * 0.01) for k in range(1, K + 1)])
    assert_close(X[1:], ref, 1e-12, "LegS ZOH states vs closed-form projection, N=16, K=200")


@pytest.mark.parametrize("norm", ["su", "paper", "integer"])
@pytest.mark.parametrize("T", [0.37, 0.5, 1.234])
def test_exact_projection_legs_closed_form(norm, T):
    u = np.random.default_rng(1).standard_normal(60)
    got = npy(exact_projection("legs", 12, u, 0.01, T, norm=norm))
    want = closed_form_legendre(12, u, 0.01, 0.0, T) / LAMBDA[norm](12)
    assert_close(got, want, 1e-12, f"exact_projection legs T={T} norm={norm}")


@pytest.mark.parametrize("norm", ["su", "paper", "integer"])
@pytest.mark.parametrize("T,w", [(0.55, 0.2), (0.6, 1.0), (0.123, 0.5)])
def test_exact_projection_legt_closed_form(norm, T, w):
    """Window [T-w, T], cut mid-piece; for T < w the part before t = 0 holds zeros."""
    u = np.random.default_rng(2).standard_normal(60)
    got = npy(exact_projection("legt", 10, u, 0.01, T, w=w, norm=norm))
    want = closed_form_legendre(10, u, 0.01, T - w, T) / LAMBDA[norm](10)
    assert_close(got, want, 1e-12, f"exact_projection legt T={T} w={w} norm={norm}")


@pytest.mark.parametrize("measure", ["fout", "fout_post"])
@pytest.mark.parametrize("T,w", [(0.55, 0.2), (0.45, 1.0)])
def test_exact_projection_fourier_closed_form(measure, T, w):
    u = np.random.default_rng(3).standard_normal(60)
    got = npy(exact_projection(measure, 8, u, 0.01, T, w=w))
    assert_close(got, closed_form_fourier(9, u, 0.01, T, w), 1e-12, f"exact_projection {measure} T={T} w={w}")


def test_exact_projection_lagt_quad():
    u = np.random.default_rng(4).standard_normal(12)
    got = npy(exact_projection("lagt", 6, u, 0.1, 1.15))
    assert_close(got, quad_laguerre(6, u, 0.1, 1.15), 1e-12, "exact_projection lagt vs quad")


def test_lagt_zoh_online_is_exact_projection():
    """LagT has no truncation: (e^{vA}B)_n = L_n(v)e^{-v/2}, so the ZOH state is the projection."""
    u = np.random.default_rng(5).standard_normal(80)
    X = npy(online_states("lagt", 8, u, 0.05, method="zoh"))
    for k in (1, 13, 80):
        want = npy(exact_projection("lagt", 8, u, 0.05, k * 0.05))
        assert_close(X[k], want, 1e-11, f"LagT ZOH x_{k} vs exact projection")


# --------------------------------------------------------------------------------------------
# C18: convolution route = recurrence route; independent numpy loops
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("measure,kw", LTI_MEASURES)
@pytest.mark.parametrize("method", LTI_METHODS)
def test_convolution_route_equals_recurrence(measure, kw, method):
    u = np.random.default_rng(6).standard_normal(300)
    dt = 0.004
    conv = npy(online_states(measure, 8, u, dt, method=method, route="convolution", **kw))
    rec = npy(online_states(measure, 8, u, dt, method=method, route="recurrence", **kw))
    chunked = npy(online_states(measure, 8, u, dt, method=method, route="chunked", **kw))
    auto = npy(online_states(measure, 8, u, dt, method=method, **kw))
    scale = np.max(np.abs(rec))
    for name, other in (("conv", conv), ("chunked", chunked)):
        assert np.max(np.abs(other - rec)) <= 1e-12 * scale, \
            f"{measure} {method}: {name} vs recurrence {np.max(np.abs(other - rec)) / scale:.2e} relative"
    assert np.array_equal(auto, conv), "route='auto' must be the convolution for short LTI inputs"


@pytest.mark.parametrize("L, block", [(1, 64), (63, 64), (64, 64), (65, 64), (5000, 64), (777, 1), (300, 512)])
def test_chunked_scan_handles_ragged_blocks(L, block):
    from kexue_viz.ssm import discretize, hippo, lti_states_chunked, run_recurrence

    Abar, Bbar = discretize(*hippo("legt", 12), 0.01, "bilinear")
    u = torch.as_tensor(np.random.default_rng(L).standard_normal(L))
    rec, chunked = run_recurrence(Abar, Bbar, u), lti_states_chunked(Abar, Bbar, u, block=block)
    assert torch.allclose(chunked, rec, rtol=0, atol=1e-12 * float(rec.abs().max()))


@pytest.mark.parametrize("measure,kw", LTI_MEASURES)
@pytest.mark.parametrize("method,scipy_method", [("zoh", "zoh"), ("bilinear", "bilinear"),
                                                 ("forward_euler", "euler"), ("backward_euler", "backward_diff")])
def test_online_states_vs_numpy_loop(measure, kw, method, scipy_method):
    u = np.random.default_rng(7).standard_normal(50)
    dt = 0.01
    A, B = (npy(x) for x in hippo(measure, 6, **kw))
    n = A.shape[0]
    Ad, Bd, *_ = signal.cont2discrete((A, B[:, None], np.eye(n), np.zeros((n, 1))), dt, method=scipy_method)
    x = np.zeros(n)
    ref = [x]
    for uk in u:
        x = Ad @ x + Bd[:, 0] * uk
        ref.append(x)
    got = npy(online_states(measure, 6, u, dt, method=method, **kw))
    assert_close(got, np.array(ref), 1e-11, f"{measure} {method}: online_states vs numpy loop")


def test_bilinear_s4_on_lti_measure_is_bilinear():
    u = np.random.default_rng(8).standard_normal(40)
    a = npy(online_states("legt", 6, u, 0.01, method="bilinear_s4"))
    b = npy(online_states("legt", 6, u, 0.01, method="bilinear"))
    assert np.array_equal(a, b)


def test_causal_conv_zero_padding_example():
    """C21: [1,2,3] * [4,5,6] = [4,13,28] (circular without padding would give [31,31,28])."""
    kernel = torch.tensor([[1.0], [2.0], [3.0]], dtype=torch.float64)
    got = npy(causal_conv(kernel, torch.tensor([4.0, 5.0, 6.0], dtype=torch.float64)))[:, 0]
    assert_close(got, [4, 13, 28], 1e-13, "causal conv [1,2,3]*[4,5,6]")
    circular = np.real(np.fft.ifft(np.fft.fft([1, 2, 3]) * np.fft.fft([4, 5, 6])))
    assert_close(circular, [31, 31, 28], 1e-12, "numpy circular reference")


@pytest.mark.parametrize("L", [1, 2, 7, 64, 333])
def test_causal_conv_vs_numpy_convolve(L):
    rng = np.random.default_rng(L)
    kernel, u = rng.standard_normal((L, 3)), rng.standard_normal(L)
    got = npy(causal_conv(torch.tensor(kernel), torch.tensor(u)))
    want = np.stack([np.convolve(kernel[:, j], u)[:L] for j in range(3)], axis=1)
    assert_close(got, want, 1e-12, f"causal_conv vs np.convolve, L={L}")


@pytest.mark.parametrize("L", [1, 2, 3, 5, 37, 64])
def test_krylov_vs_explicit_powers(L):
    A, B = hippo("legt", 5)
    Ad, Bd = (npy(x) for x in discretize(A, B, 0.05, "bilinear"))
    want, v = [], Bd.copy()
    for _ in range(L):
        want.append(v)
        v = Ad @ v
    got = npy(krylov(torch.tensor(Ad), torch.tensor(Bd), L))
    assert got.shape == (L, 5)
    assert_close(got, np.array(want), 1e-13, f"Krylov doubling vs powers, L={L}")


def test_run_recurrence_time_varying_with_initial_state():
    rng = np.random.default_rng(9)
    L, n = 11, 4
    As, Bs, u, x0 = rng.standard_normal((L, n, n)) / 2, rng.standard_normal((L, n)), rng.standard_normal(L), \
        rng.standard_normal(n)
    got = npy(run_recurrence(*(torch.tensor(a) for a in (As, Bs, u)), x0=torch.tensor(x0)))
    x, want = x0, [x0]
    for k in range(L):
        x = As[k] @ x + Bs[k] * u[k]
        want.append(x)
    assert_close(got, np.array(want), 1e-13, "time-varying recurrence with x0")
    got_lti = npy(run_recurrence(torch.tensor(As[0]), torch.tensor(Bs[0]), torch.tensor(u)))
    x, want = np.zeros(n), [np.zeros(n)]
    for k in range(L):
        x = As[0] @ x + Bs[0] * u[k]
        want.append(x)
    assert_close(got_lti, np.array(want), 1e-13, "LTI recurrence from 0")
    conv = npy(lti_states_by_convolution(torch.tensor(As[0]), torch.tensor(Bs[0]), torch.tensor(u)))
    assert_close(conv, np.array(want), 1e-12, "lti_states_by_convolution vs loop")


def test_online_states_rejects_bad_input():
    with pytest.raises(ValueError, match="NaN or infinite"):
        online_states("legt", 4, [0.0, float("nan")], 0.1)
    with pytest.raises(ValueError, match="NaN or infinite"):
        online_states("legt", 4, [0.0, float("inf")], 0.1)
    with pytest.raises(ValueError, match="1-D"):
        online_states("legt", 4, np.zeros((3, 2)), 0.1)
    with pytest.raises(ValueError, match="1-D"):
        online_states("legt", 4, [], 0.1)
    with pytest.raises(ValueError, match="no convolution form"):
        online_states("legs", 4, [1.0, 2.0], 0.1, route="convolution")
    with pytest.raises(ValueError, match="unknown route"):
        online_states("legt", 4, [1.0, 2.0], 0.1, route="fft")
    with pytest.raises(ValueError):
        online_states("legq", 4, [1.0, 2.0], 0.1)


# --------------------------------------------------------------------------------------------
# Reconstruction, Bessel's identity (C20), error vs N
# --------------------------------------------------------------------------------------------

def test_support():
    assert support("legs", 3.0) == (0.0, 3.0)
    assert support("lagt", 3.0) == (0.0, 3.0)
    assert support("legt", 3.0, 0.5) == (2.5, 3.0)
    assert support("fout", 3.0, 1.0) == (2.0, 3.0)


def legendre_series(c, s):
    """Σ_n c_n g_n(s) with scipy's Legendre polynomials."""
    return sum(cn * math.sqrt((2 * n + 1) / 2) * special.eval_legendre(n, s) for n, cn in enumerate(c))


@pytest.mark.parametrize("measure,T,w", [("legs", 0.8, 1.0), ("legs", 0.537, 1.0), ("legt", 0.8, 0.3)])
@pytest.mark.parametrize("N", [3, 10])
def test_bessel_identity(measure, T, w, N):
    """C20: ∫(u - û)² ds = ‖u‖² - Σc² (Su normalisation, measure ds on [-1, 1]); the error
    integral is computed piece by piece with Gauss–Legendre (exact for the polynomial parts)."""
    u = np.random.default_rng(10).standard_normal(80)
    dt = 0.01
    lo, hi = support(measure, T, w)
    c = npy(exact_projection(measure, N, u, dt, T, w=w))
    a, b, v = pieces(u, dt, lo, hi)
    sa, sb = 2 * (a - lo) / (hi - lo) - 1, 2 * (b - lo) / (hi - lo) - 1
    norm2 = np.sum(v ** 2 * (sb - sa))
    xg, wg = np.polynomial.legendre.leggauss(N + 2)
    err2 = 0.0
    for s0, s1, vk in zip(sa, sb, v):
        s = (s0 + s1) / 2 + (s1 - s0) / 2 * xg
        err2 += np.sum(wg * (s1 - s0) / 2 * (vk - legendre_series(c, s)) ** 2)
    assert abs(err2 - (norm2 - np.sum(c ** 2))) <= 1e-10 * norm2, \
        f"Bessel: ∫(u-û)² = {err2:.12g}, ‖u‖²-Σc² = {norm2 - np.sum(c ** 2):.12g}"
    # reconstruct() agrees with the scipy series at absolute times inside the support
    t = np.linspace(lo, hi, 57)
    got = npy(reconstruct(measure, torch.tensor(c), T, t, w=w))
    assert_close(got, legendre_series(c, 2 * (t - lo) / (hi - lo) - 1), 1e-12, "reconstruct vs scipy series")
    # relative_error of the optimal state is exactly the Bessel error
    rel = relative_error(measure, torch.tensor(c), u, dt, T, w=w)
    exact_rel = math.sqrt(err2 / norm2)
    assert abs(rel / exact_rel - 1) < 1e-6, f"relative_error {rel:.8f} vs exact {exact_rel:.8f}"


@pytest.mark.parametrize("measure,kw", [("legs", {}), ("legt", dict(w=1.0)), ("fout", dict(w=1.0)),
                                        ("lagt", {})])
def test_reconstruction_is_norm_invariant(measure, kw):
    """su/paper/integer are coefficient scalings only: the same û for every normalisation."""
    u = u_smooth(np.arange(300) * 0.01)
    method = "zoh"
    recs = []
    for norm in ("su", "paper", "integer"):
        x = online_states(measure, 10, u, 0.01, method=method, norm=norm, **kw)[-1]
        t = np.linspace(*support(measure, 3.0, kw.get("w", 1.0)), 101)
        recs.append(npy(reconstruct(measure, x, 3.0, t, norm=norm, **kw)))
    assert_close(recs[1], recs[0], 1e-11, f"{measure}: paper vs su reconstruction")
    assert_close(recs[2], recs[0], 1e-11, f"{measure}: integer vs su reconstruction")


@pytest.mark.parametrize("value", [0.7, 0.123, 1 / 3])
def test_constant_input_is_reconstructed_exactly(value):
    """A constant is in every Legendre span: û = u. relative_error works by Pythagoras
    (‖u‖² - ‖c‖² + ‖c - x‖²), so its floor is sqrt(machine eps) ≈ 1e-8, not 1e-16."""
    u = np.full(50, value)
    x = npy(online_states("legs", 6, u, 0.02, method="zoh")[-1])
    want = np.zeros(6)
    want[0] = SQRT2 * value
    assert_close(x, want, 1e-13, "LegS ZOH state of a constant")
    assert relative_error("legs", torch.tensor(x), u, 0.02, 1.0) < 3e-8
    assert relative_error("legs", torch.zeros(6, dtype=torch.float64), np.zeros(50), 0.02, 1.0) == 0.0


@pytest.mark.parametrize("measure,method,kw", [("legs", "zoh", {}), ("legs", "bilinear", {}),
                                               ("legt", "zoh", dict(w=1.0)), ("legt", "bilinear", dict(w=1.0))])
def test_reconstruction_error_falls_with_n(measure, method, kw):
    dt, L = 0.002, 1500  # T = 3
    u = u_smooth(np.arange(L) * dt)
    errors = []
    for N in (2, 4, 8, 16):
        x = online_states(measure, N, u, dt, method=method, **kw)[-1]
        errors.append(relative_error(measure, x, u, dt, L * dt, **kw))
    assert all(e1 > e2 for e1, e2 in zip(errors, errors[1:])), f"{measure}/{method}: errors {errors}"
    assert errors[-1] < 0.02 and errors[0] > 5 * errors[-1], f"{measure}/{method}: errors {errors}"


def test_fourier_window_online_post_vs_corrected():
    """Discrete analogue of §2.3: the corrected FouT state tracks the window coefficients, the
    post-1 system stays off by tens of percent."""
    dt, L, K = 0.002, 1500, 16
    u = u_smooth(np.arange(L) * dt)
    exact = npy(exact_projection("fout", 2 * K, u, dt, L * dt))
    rel = {}
    for measure in ("fout", "fout_post"):
        x = npy(online_states(measure, 2 * K, u, dt, method="zoh")[-1])
        rel[measure] = np.linalg.norm(x - exact) / np.linalg.norm(exact)
    assert rel["fout"] < 0.03 and rel["fout_post"] > 0.2, f"relative coefficient errors {rel}"


@pytest.mark.parametrize("measure,method,kw", [("legs", "bilinear", {}), ("legs", "zoh", {}),
                                               ("legt", "bilinear", dict(w=1.0)), ("fout", "zoh", dict(w=1.0)),
                                               ("lagt", "zoh", {})])
def test_error_vs_n(measure, method, kw):
    dt, L = 0.004, 500
    u = u_smooth(np.arange(L) * dt)
    k = 450
    N_values = [8, 1, 4, 4, 16]
    res = error_vs_n(measure, N_values, u, dt, k, method=method, **kw)
    assert res["N"] == [1, 4, 8, 16], "N values sorted and deduplicated"
    for N, online, optimal in zip(res["N"], res["online"], res["optimal"]):
        assert optimal <= online * (1 + 1e-3) + 1e-12, f"{measure} N={N}: optimal {optimal} > online {online}"
        # online entries are exactly what a separate run at this N gives (nestedness for LegS)
        x = online_states(measure, N, u, dt, method=method, **kw)[k]
        direct = relative_error(measure, x, u, dt, k * dt, **kw)
        assert abs(direct - online) <= 1e-9 * max(1.0, online), f"{measure} N={N}: {online} vs separate run {direct}"
        best = exact_projection(measure, N, u, dt, k * dt, **kw)
        assert abs(relative_error(measure, best, u, dt, k * dt, **kw) - optimal) <= 1e-12
    if measure != "lagt":
        assert res["optimal"][-1] < res["optimal"][0], f"{measure}: optimal error must fall with N"


def test_error_vs_n_rejects_bad_k():
    u = np.ones(10)
    for k in (0, 11):
        with pytest.raises(ValueError, match="time index"):
            error_vs_n("legs", [2, 4], u, 0.1, k)


@pytest.mark.parametrize("method", LEGS_METHODS)
def test_legs_nested_online_states(method):
    """C19 through the public API: first N' coefficients of an N-state run = the N'-state run."""
    u = u_smooth(np.arange(200) * 0.01)
    big = npy(online_states("legs", 16, u, 0.01, method=method))
    for n_small in (1, 5, 9):
        small = npy(online_states("legs", n_small, u, 0.01, method=method))
        assert_close(big[:, :n_small], small, 1e-12, f"LegS {method}: nested N'={n_small}")


@pytest.mark.parametrize("measure", ["fout", "fout_post"])
@pytest.mark.parametrize("N,L,duration,w", [(64, 250, 10.0, 0.05), (64, 250, 10.0, 0.1), (32, 250, 10.0, 0.05),
                                             (64, 500, 10.0, 0.05)])
def test_exact_projection_fourier_long_pieces(measure, N, L, duration, w):
    """Dashboard extremes (duration 10, L = 250, w = 0.05, N = 64): one input piece spans tens of
    periods of the top harmonic; the projection must still be exact (closed-form reference)."""
    dt = duration / L
    u = np.random.default_rng(12).standard_normal(L)
    got = npy(exact_projection(measure, N, u, dt, duration, w=w))
    want = closed_form_fourier(2 * (N // 2) + 1, u, dt, duration, w)
    rel = np.linalg.norm(got - want) / np.linalg.norm(want)
    assert rel < 1e-10, f"{measure} N={N} dt={dt} w={w}: relative coefficient error {rel:.3e}"


def brute_force_relative_error(measure, x, u, dt, T, w, N):
    """‖û - u‖/‖u‖ over the support in the measure ds (uniform in t), û from numpy/scipy bases,
    each input piece split into 64 sub-intervals with 16-point Gauss–Legendre."""
    lo, hi = support(measure, T, w)
    a, b, v = pieces(u, dt, lo, hi)
    xg, wg = np.polynomial.legendre.leggauss(16)
    num = den = 0.0
    for ak, bk, vk in zip(a, b, v):
        edges = np.linspace(ak, bk, 65)
        t = ((edges[:-1] + edges[1:]) / 2)[:, None] + ((edges[1:] - edges[:-1]) / 2)[:, None] * xg[None, :]
        weights = ((edges[1:] - edges[:-1]) / 2)[:, None] * wg[None, :]
        if measure in ("legs", "legt"):
            s = 2 * (t - lo) / (hi - lo) - 1
            uhat = legendre_series(x, s)
        elif measure == "lagt":
            uhat = sum(xn * special.eval_laguerre(n, T - t) * np.exp(-(T - t) / 2) for n, xn in enumerate(x))
        else:
            s = (t - lo) / w
            uhat = x[0] + sum(SQRT2 * (x[2 * k - 1] * np.cos(2 * np.pi * k * s) + x[2 * k] * np.sin(2 * np.pi * k * s))
                              for k in range(1, len(x) // 2 + 1))
        num += np.sum(weights * (vk - uhat) ** 2)
        den += np.sum(weights * vk ** 2)
    if measure == "lagt":
        # LagT's basis is orthonormal on the whole lag axis v in [0, ∞): the input is 0 before t = 0
        # (v > T) but the reconstruction is not, and that tail belongs to the L² error whose
        # optimum the exact projection is.
        tail = integrate.quad(lambda v: sum(xn * special.eval_laguerre(n, v) for n, xn in enumerate(x)) ** 2
                              * np.exp(-v), T, np.inf, epsabs=1e-14, epsrel=1e-12, limit=200)[0]
        num += tail
    return math.sqrt(num / den)


@pytest.mark.parametrize("measure,N,L,duration,w", [("legs", 16, 250, 4.0, 1.0), ("legt", 16, 250, 4.0, 0.5),
                                                    ("lagt", 8, 100, 4.0, 1.0), ("fout", 16, 250, 4.0, 1.0),
                                                    ("fout", 64, 250, 10.0, 0.05),
                                                    ("fout_post", 32, 250, 10.0, 0.05)])
def test_relative_error_vs_brute_force(measure, N, L, duration, w):
    """relative_error (Pythagoras with the exact projection) against direct integration of
    (u - û)² for an online (bilinear) state, at the end of the input."""
    dt = duration / L
    u = np.sin(np.arange(L) * dt * 2.1) + 0.3 * np.random.default_rng(13).standard_normal(L)
    x = online_states(measure, N, u, dt, w=w, method="bilinear")[-1]
    got = relative_error(measure, x, u, dt, duration, w=w)
    want = brute_force_relative_error(measure, npy(x), u, dt, duration, w, N)
    assert abs(got - want) <= 1e-6 * want + 1e-7, f"{measure} N={N} w={w}: relative_error {got:.8f}, direct {want:.8f}"


@pytest.mark.parametrize("method", ["zoh", "bilinear", "bilinear_s4", "backward_euler", "forward_euler"])
def test_legs_chunked_step_matrices_equal_one_block(method, monkeypatch):
    """Long LegS runs build step matrices a chunk at a time (bounded memory); same states."""
    from kexue_viz.ssm import hippo, legs_step_matrices, run_recurrence
    from kexue_viz.ssm import online

    A, B = hippo("legs", 12)
    u = torch.as_tensor(np.random.default_rng(11).standard_normal(1000))
    whole = run_recurrence(*legs_step_matrices(A, B, 1000, method), u)
    monkeypatch.setattr(online, "LEGS_CHUNK_BYTES", 8 * 12 * 12 * 333)  # chunks of 333 steps
    # bitwise on the CPU; CUDA's matrix-vector kernels may round the same sums differently
    assert_close(online.legs_states(A, B, u, method), whole, 1e-13, "chunked LegS states")
    assert torch.equal(legs_step_matrices(A, B, 5, method, start=400)[0], legs_step_matrices(A, B, 405, method)[0][400:])
