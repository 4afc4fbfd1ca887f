"""Independent cross-checks of the HiPPO matrices (kexue_viz.ssm.hippo, .bases).

References used here never call back into the package's own helpers:

* state-spaces/s4 ``transition()`` formulas (and nengo LMU), re-typed in numpy;
* sympy exact derivations from the projection definition (brief §2.1) with Rodrigues-formula
  Legendre polynomials, and the Legendre identities of §2.2 (C2);
* scipy ``solve_ivp`` (DOP853) against Gauss–Legendre quadrature of the true coefficients
  (C3 LegS exactness, C5 LegT convergence, §2.3 Fourier window as written vs corrected);
* ``scipy.linalg.expm`` for the Fourier staircase (C13) and the LagT kernels (C12).

Notation: the package's ``N`` is the state size; for the Fourier measures the package's N is
``2K`` where ``K`` is the brief's harmonic count (n = -K..K).
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import pytest
import sympy as sp
import torch
from scipy import integrate, linalg, special

from kexue_viz.ssm import MEASURES, coefficient_scale, hippo, state_size
from kexue_viz.ssm import bases

import functools

import numeric_asserts
from numeric_asserts import npy

SQRT2 = math.sqrt(2.0)
assert_close = functools.partial(numeric_asserts.assert_close, rel=False)  # absolute tolerances here


# --------------------------------------------------------------------------------------------
# re-typed reference formulas (state-spaces/s4 src/models/hippo/hippo.py, nengo LMU)
# --------------------------------------------------------------------------------------------

def s4_legt(N: int, halved: bool):
    """s4 ``transition('legt')``; ``visualizations.py`` has no halving, ``hippo.py`` halves."""
    Q = np.arange(N, dtype=np.float64)
    R = (2 * Q + 1) ** 0.5
    j, i = np.meshgrid(Q, Q)
    A = R[:, None] * np.where(i < j, (-1.0) ** (i - j), 1) * R[None, :]
    B = R[:, None]
    A = -A
    if halved:
        A = A * 0.5
        B = B * 0.5
    return A, B[:, 0]


def s4_lmu(N: int, theta: float = 1.0):
    Q = np.arange(N, dtype=np.float64)
    R = (2 * Q + 1)[:, None] / theta
    j, i = np.meshgrid(Q, Q)
    A = np.where(i < j, -1, (-1.0) ** (i - j + 1)) * R
    B = (-1.0) ** Q[:, None] * R
    return A, B[:, 0]


def s4_legs(N: int):
    q = np.arange(N, dtype=np.float64)
    col, row = np.meshgrid(q, q)
    r = 2 * q + 1
    M = -(np.where(row >= col, r, 0) - np.diag(q))
    T = np.sqrt(np.diag(2 * q + 1))
    A = T @ M @ np.linalg.inv(T)
    B = np.diag(T)[:, None]
    return A, B[:, 0].copy(), M


def s4_lagt(N: int, beta: float = 1.0):
    return np.eye(N) / 2 - np.tril(np.ones((N, N))), beta * np.ones(N)


def s4_fourier(N: int, kind: str):
    """s4 ``fourier`` (corrected, window 2), ``fourier_decay`` (as written, window 2) and
    ``fourier2`` (corrected, window 1). Index 1 is a dummy ``sin(0)`` state; sines run in the
    lag direction (opposite sign to the package's ``sin(2πks)``)."""
    freqs = np.arange(N // 2) * (2 if kind == "fourier2" else 1)
    d = np.stack([np.zeros(N // 2), freqs], axis=-1).reshape(-1)[1:]
    A = np.pi * (-np.diag(d, 1) + np.diag(d, -1))
    B = np.zeros(N)
    B[0::2] = 2 ** 0.5
    B[0] = 1
    factor = {"fourier": 1.0, "fourier_decay": 0.5, "fourier2": 2.0}[kind]
    return A - factor * B[:, None] * B[None, :], factor * B


# --------------------------------------------------------------------------------------------
# C1: matrices against the s4 / LMU conventions and the closed forms of the posts
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("N", [1, 2, 5, 16, 64])
def test_legs_paper_norm_is_s4_legs(N):
    A_ref, B_ref, _ = s4_legs(N)
    A, B = hippo("legs", N, norm="paper")
    assert_close(npy(A), A_ref, 1e-14, f"LegS paper A vs s4 legs, N={N}", rel=True)
    assert_close(npy(B), B_ref, 1e-14, f"LegS paper B vs s4 legs, N={N}", rel=True)


@pytest.mark.parametrize("N", [1, 3, 8, 32])
def test_legs_su_and_integer_closed_forms(N):
    n = np.arange(N)
    r = np.sqrt(2 * n + 1)
    A_su = -(np.tril(np.outer(r, r), -1) + np.diag(n + 1.0))
    A, B = hippo("legs", N)
    assert_close(npy(A), A_su, 1e-14, "LegS Su A = -(tril(r r^T) with diag n+1)", rel=True)
    assert_close(npy(B), SQRT2 * r, 1e-14, "LegS Su B = sqrt(2(2n+1))", rel=True)
    # integer form (post 1 eq. leg-s-hippo-2): no square roots at all
    A_int = -np.where(n[None, :] < n[:, None], (2 * n + 1)[:, None] * 1.0, 0.0) - np.diag(n + 1.0)
    Ai, Bi = hippo("legs", N, norm="integer")
    assert_close(npy(Ai), A_int, 1e-13, "LegS integer A", rel=True)
    assert_close(npy(Bi), 2 * n + 1.0, 1e-13, "LegS integer B = 2n+1", rel=True)
    # ... and it is NOT s4's internal M (column index 2k+1 below the diagonal), brief §2.5
    if N > 2:
        _, _, M = s4_legs(N)
        assert np.max(np.abs(npy(Ai) - M)) > 0.5, "integer LegS must differ from s4's internal M"


@pytest.mark.parametrize("N", [1, 4, 16, 48])
def test_legt_paper_norm_is_s4_visualizations_legt(N):
    A_ref, B_ref = s4_legt(N, halved=False)
    A, B = hippo("legt", N, w=1.0, norm="paper")
    assert_close(npy(A), A_ref, 1e-14, f"LegT w=1 paper A vs s4 visualizations legt, N={N}", rel=True)
    assert_close(npy(B), B_ref, 1e-14, f"LegT w=1 paper B vs s4 visualizations legt, N={N}", rel=True)
    # Su normalisation has the same A and B scaled by sqrt2 (lambda_n = sqrt2)
    A_su, B_su = hippo("legt", N, w=1.0)
    assert_close(npy(A_su), A_ref, 1e-14, "LegT Su A = paper A", rel=True)
    assert_close(npy(B_su), SQRT2 * B_ref, 1e-14, "LegT Su B = sqrt2 * paper B", rel=True)


@pytest.mark.parametrize("N", [1, 4, 16, 48])
def test_legt_window_two_is_s4_hippo_halved_legt(N):
    A_ref, B_ref = s4_legt(N, halved=True)
    A, B = hippo("legt", N, w=2.0, norm="paper")
    assert_close(npy(A), A_ref, 1e-14, f"LegT w=2 paper A vs s4 hippo.py (halved) legt, N={N}", rel=True)
    assert_close(npy(B), B_ref, 1e-14, f"LegT w=2 paper B vs s4 hippo.py (halved) legt, N={N}", rel=True)


@pytest.mark.parametrize("N,w", [(1, 1.0), (6, 1.0), (16, 0.37), (40, 2.5)])
def test_legt_integer_form_and_lmu(N, w):
    n = np.arange(N)
    sign = np.where(n[None, :] < n[:, None], 1.0, (-1.0) ** np.abs(n[:, None] - n[None, :]))
    A_int_ref = -((2 * n + 1.0)[:, None] / w) * sign
    A_int, B_int = hippo("legt", N, w=w, norm="integer")
    assert_close(npy(A_int), A_int_ref, 1e-13, "LegT integer A = -(2n+1)/w {1; (-1)^(n-k)}", rel=True)
    assert_close(npy(B_int), (2 * n + 1.0) / w, 1e-13, "LegT integer B = (2n+1)/w (post erratum fixed)", rel=True)
    # D A_int D, D B_int with D = diag((-1)^n) is the LMU (keras-lmu / s4 'lmu') system with theta = w
    D = np.diag((-1.0) ** n)
    A_lmu, B_lmu = s4_lmu(N, theta=w)
    assert_close(D @ npy(A_int) @ D, A_lmu, 1e-13, "D A_int D vs A_lmu", rel=True)
    assert_close(D @ npy(B_int), B_lmu, 1e-13, "D B_int vs B_lmu", rel=True)


@pytest.mark.parametrize("N,w", [(5, 1.0), (12, 0.6)])
def test_legt_lmu_erratum(N, w):
    """Post 1 writes lambda_n = 2/sqrt(2n+1) for the LMU form; that leaves B_n = (2n+1)/(sqrt2 w),
    so the integer form needs lambda_n = sqrt(2/(2n+1)) (brief §3.3 erratum 1)."""
    n = np.arange(N)
    A_su, B_su = (npy(x) for x in hippo("legt", N, w=w))
    lam_post = 2 / np.sqrt(2 * n + 1)
    A_post = A_su * lam_post[None, :] / lam_post[:, None]
    B_post = B_su / lam_post
    A_int, B_int = (npy(x) for x in hippo("legt", N, w=w, norm="integer"))
    assert_close(A_post, A_int, 1e-13, "the post's lambda leaves A in integer form", rel=True)
    assert_close(B_post, (2 * n + 1) / (SQRT2 * w), 1e-13, "post's lambda gives B=(2n+1)/(sqrt2 w)", rel=True)
    assert_close(B_int, (2 * n + 1) / w, 1e-13, "package integer B = (2n+1)/w", rel=True)
    assert np.max(np.abs(B_int - B_post)) > 0.1, "integer B must not be the erratum's B"
    # and the package's lambda is sqrt(2/(2n+1))
    assert_close(npy(coefficient_scale("legt", N, "integer")), np.sqrt(2 / (2 * n + 1)), 1e-15, "lambda_n")


@pytest.mark.parametrize("N", [1, 4, 10])
def test_lagt_is_s4_lagt(N):
    A_ref, B_ref = s4_lagt(N)
    A, B = hippo("lagt", N)
    assert_close(npy(A), A_ref, 0, "LagT A = I/2 - tril(1)")
    assert_close(npy(B), B_ref, 0, "LagT B = 1")
    for norm in ("paper", "integer"):  # normalisation applies to Legendre measures only
        A2, B2 = hippo("lagt", N, norm=norm)
        assert_close(npy(A2), A_ref, 0, f"LagT norm={norm} unchanged")
        assert_close(npy(B2), B_ref, 0, f"LagT norm={norm} unchanged")


@pytest.mark.parametrize("K", [1, 3, 8])
@pytest.mark.parametrize("kind,measure,w", [("fourier", "fout", 2.0), ("fourier_decay", "fout_post", 2.0),
                                            ("fourier2", "fout", 1.0)])
def test_fourier_window_vs_s4_fourier_family(K, kind, measure, w):
    """s4 ``fourier``/``fourier2`` = corrected window Fourier, ``fourier_decay`` = post 1 as written
    (brief §2.3), after dropping s4's dummy sin(0) state and flipping its sine orientation."""
    A_s4, B_s4 = s4_fourier(2 * K + 2, kind)
    keep = [0] + list(range(2, 2 * K + 2))
    A_s4, B_s4 = A_s4[np.ix_(keep, keep)], B_s4[keep]
    D = np.diag([1.0] + [1.0 if i % 2 == 1 else -1.0 for i in range(1, 2 * K + 1)])
    A, B = hippo(measure, 2 * K, w=w)
    assert A.shape == (2 * K + 1, 2 * K + 1)
    assert_close(npy(A), D @ A_s4 @ D, 1e-13, f"{measure} w={w} A vs s4 {kind}", rel=True)
    assert_close(npy(B), D @ B_s4, 1e-13, f"{measure} w={w} B vs s4 {kind}", rel=True)


@pytest.mark.parametrize("K,w", [(1, 1.0), (4, 1.0), (6, 0.45)])
@pytest.mark.parametrize("corrected", [False, True])
def test_fourier_window_complex_form_of_post(K, w, corrected):
    """In the complex basis e^{2πins}, n=-K..K: post 1 has A_nn=(2πin-1)/w, A_nk=-1/w, B=1/w;
    the corrected system A = diag(2πin/w) - (2/w) 11^T, B = 2/w (brief §2.3)."""
    measure = "fout" if corrected else "fout_post"
    A, B = (npy(x) for x in hippo(measure, 2 * K, w=w))
    # complex coefficient c_n = ∫u e^{-2πins}: c_0 = x_0, c_{±k} = (x_cos_k ∓ i x_sin_k)/sqrt2
    size = 2 * K + 1
    U = np.zeros((size, size), dtype=complex)
    order = list(range(-K, K + 1))
    for row, n in enumerate(order):
        if n == 0:
            U[row, 0] = 1
        else:
            k = abs(n)
            U[row, 2 * k - 1] = 1 / SQRT2
            U[row, 2 * k] = (-1j if n > 0 else 1j) / SQRT2
    Ac = U @ A @ np.linalg.inv(U)
    Bc = U @ B
    weight = 2.0 if corrected else 1.0
    n = np.array(order)
    A_ref = np.diag(2j * np.pi * n / w) - weight / w * np.ones((size, size))
    assert_close(Ac, A_ref, 1e-12, f"{measure}: complex-basis A", rel=True)
    assert_close(Bc, weight / w * np.ones(size), 1e-12, f"{measure}: complex-basis B", rel=True)


@pytest.mark.parametrize("measure", sorted(MEASURES))
@pytest.mark.parametrize("norm", ["su", "paper", "integer"])
def test_shapes_dtype_and_rescaling_rule(measure, norm):
    N = 7
    A, B = hippo(measure, N, w=0.8, norm=norm)
    n_state = state_size(measure, N)
    assert n_state == (2 * (N // 2) + 1 if "fou" in measure else N)
    assert A.shape == (n_state, n_state) and B.shape == (n_state,)
    assert A.dtype == torch.float64 and B.dtype == torch.float64
    # c = lambda x: A_norm = diag(1/lambda) A_su diag(lambda), B_norm = B_su / lambda
    A_su, B_su = (npy(x) for x in hippo(measure, N, w=0.8))
    lam = npy(coefficient_scale(measure, N, norm))
    assert_close(npy(A), A_su * lam[None, :] / lam[:, None], 1e-13, f"{measure}/{norm} A rescaling", rel=True)
    assert_close(npy(B), B_su / lam, 1e-13, f"{measure}/{norm} B rescaling", rel=True)


@pytest.mark.parametrize("measure", ["legt", "fout", "fout_post"])
def test_window_scaling(measure):
    """Window length enters as A(w) = A(1)/w, B(w) = B(1)/w."""
    A1, B1 = (npy(x) for x in hippo(measure, 6, w=1.0))
    Aw, Bw = (npy(x) for x in hippo(measure, 6, w=0.3))
    assert_close(Aw, A1 / 0.3, 1e-12, f"{measure} A(w) = A(1)/w", rel=True)
    assert_close(Bw, B1 / 0.3, 1e-12, f"{measure} B(w) = B(1)/w", rel=True)


@pytest.mark.parametrize("bad", [dict(measure="legx", N=4), dict(measure="legt", N=0),
                                 dict(measure="legt", N=5000), dict(measure="legt", N=4, w=0.0),
                                 dict(measure="legt", N=4, w=-1.0), dict(measure="legs", N=4, norm="lmu")])
def test_hippo_rejects_bad_arguments(bad):
    measure, N = bad.pop("measure"), bad.pop("N")
    with pytest.raises(ValueError):
        hippo(measure, N, **bad)


@pytest.mark.parametrize("w", [float("nan"), float("inf")])
def test_hippo_rejects_non_finite_window(w):
    """A NaN/inf window is not 'positive' in any useful sense: NaN slips through ``w <= 0`` and
    silently yields an all-NaN system; inf yields A = 0, B = 0."""
    with pytest.raises(ValueError):
        hippo("legt", 4, w=w)


# --------------------------------------------------------------------------------------------
# Exact derivations from the projection definition (sympy), brief §2.1
# --------------------------------------------------------------------------------------------

s_sym, T_sym, w_sym = sp.symbols("s T w", positive=True)


@lru_cache(maxsize=None)
def rodrigues(n: int, x=s_sym):
    """P_n by Rodrigues' formula (independent of any recurrence)."""
    return sp.expand(sp.diff((x ** 2 - 1) ** n, x, n) / (2 ** n * sp.factorial(n)))


@lru_cache(maxsize=None)
def g_sym(n: int):
    return sp.sqrt(sp.Rational(2 * n + 1, 2)) * rodrigues(n)


def rho_of_map(t_map):
    """rho(s) = (∂t/∂T)/(∂t/∂s) for a map s -> t_{<=T}(s)."""
    return sp.simplify(sp.diff(t_map, T_sym) / sp.diff(t_map, s_sym))


def test_rho_table_and_nonuniform_map():
    """Brief §2.1 table; Q1: t = T sqrt(s) maps s = 1/4 to T/2."""
    table = {
        "fourier window": (s_sym * w_sym + T_sym - w_sym, 1 / w_sym),
        "legt": ((s_sym + 1) * w_sym / 2 + T_sym - w_sym, 2 / w_sym),
        "legs": ((s_sym + 1) * T_sym / 2, (s_sym + 1) / T_sym),
        "fourier scaled": (s_sym * T_sym, s_sym / T_sym),
    }
    for name, (t_map, rho) in table.items():
        assert sp.simplify(rho_of_map(t_map) - rho) == 0, f"rho for {name}"
    assert sp.simplify(T_sym * sp.sqrt(sp.Rational(1, 4)) - T_sym / 2) == 0


def derived_legt(N: int):
    """dc_n/dT = [u rho g_n]_{-1}^{1} - ∫ u d[rho g_n] with u(T-w) ≈ Σ_k c_k g_k(-1)."""
    t_map = (s_sym + 1) * w_sym / 2 + T_sym - w_sym
    rho = rho_of_map(t_map)
    g = [g_sym(n) for n in range(N)]
    A = sp.zeros(N, N)
    B = sp.zeros(N, 1)
    for n in range(N):
        B[n] = (rho * g[n]).subs(s_sym, 1)
        d_rho_g = sp.diff(rho * g[n], s_sym)
        for k in range(N):
            A[n, k] = -sp.integrate(sp.expand(g[k] * d_rho_g), (s_sym, -1, 1)) \
                - (rho * g[n]).subs(s_sym, -1) * g[k].subs(s_sym, -1)
    return sp.simplify(A), sp.simplify(B)


def derived_legs(N: int):
    """T dc_n/dT = T[u rho g_n]_{-1}^{1} - T∫ u d[rho g_n]; rho(-1) = 0 so there is no truncation."""
    t_map = (s_sym + 1) * T_sym / 2
    rho = rho_of_map(t_map)
    g = [g_sym(n) for n in range(N)]
    A = sp.zeros(N, N)
    B = sp.zeros(N, 1)
    for n in range(N):
        assert sp.simplify((rho * g[n]).subs(s_sym, -1)) == 0
        B[n] = sp.simplify(T_sym * (rho * g[n]).subs(s_sym, 1))
        d_rho_g = sp.expand(T_sym * sp.diff(rho * g[n], s_sym))
        for k in range(N):
            A[n, k] = -sp.integrate(sp.expand(g[k] * d_rho_g), (s_sym, -1, 1))
    return sp.simplify(A), sp.simplify(B)


def test_orthonormality_of_rodrigues_basis():
    for m in range(6):
        for n in range(6):
            val = sp.integrate(g_sym(m) * g_sym(n), (s_sym, -1, 1))
            assert val == (1 if m == n else 0), f"<g_{m}, g_{n}> = {val}"


@pytest.mark.parametrize("N", [1, 2, 3, 5])
def test_legt_matrices_rederived_symbolically(N):
    A_sym, B_sym = derived_legt(N)
    for w in (1.0, 0.7, 3.0):
        A_num = np.array(A_sym.subs(w_sym, w).evalf(30), dtype=float)
        B_num = np.array(B_sym.subs(w_sym, w).evalf(30), dtype=float)[:, 0]
        A, B = hippo("legt", N, w=w)
        assert_close(npy(A), A_num, 1e-13, f"LegT A vs sympy derivation, N={N}, w={w}", rel=True)
        assert_close(npy(B), B_num, 1e-13, f"LegT B vs sympy derivation, N={N}, w={w}", rel=True)


@pytest.mark.parametrize("N", [1, 2, 3, 5])
def test_legs_matrices_rederived_symbolically(N):
    A_sym, B_sym = derived_legs(N)
    assert not A_sym.free_symbols and not B_sym.free_symbols, "LegS (T A, T B) must not depend on T"
    A, B = hippo("legs", N)
    assert_close(npy(A), np.array(A_sym.evalf(30), dtype=float), 1e-13, f"LegS A vs sympy, N={N}", rel=True)
    assert_close(npy(B), np.array(B_sym.evalf(30), dtype=float)[:, 0], 1e-13, f"LegS B vs sympy, N={N}", rel=True)


def _projection_coefficients(u_expr, t_map, N):
    return [sp.expand(sp.integrate(sp.expand(u_expr.subs(T_sym, t_map) * g_sym(n)), (s_sym, -1, 1)))
            for n in range(N)]


def test_legt_ode_holds_exactly_for_low_degree_inputs():
    """Directly from the definition c_n(T) = ∫ u(t(s)) g_n(s) ds (no integration by parts): for a
    cubic u and N = 5 >= 4 the truncation is exact, so dc/dT = A c + B u(T) at every T, w."""
    N = 5
    tt = sp.Symbol("tt")
    u = tt ** 3 - 2 * tt + 1
    t_map = (s_sym + 1) * w_sym / 2 + T_sym - w_sym
    c = [sp.expand(sp.integrate(sp.expand(u.subs(tt, t_map) * g_sym(n)), (s_sym, -1, 1))) for n in range(N)]
    dc = [sp.diff(ci, T_sym) for ci in c]
    for T, w in [(1.3, 0.7), (2.0, 1.0), (0.4, 2.5)]:
        A, B = (npy(x) for x in hippo("legt", N, w=w))
        cv = np.array([float(ci.subs({T_sym: T, w_sym: w})) for ci in c])
        dv = np.array([float(di.subs({T_sym: T, w_sym: w})) for di in dc])
        rhs = A @ cv + B * float(u.subs(tt, T))
        assert_close(rhs, dv, 1e-11, f"LegT ODE from the definition at T={T}, w={w}", rel=True)


def test_legs_ode_holds_exactly_for_any_polynomial_input():
    """LegS is exact for any input (no truncation): a degree-6 input with N = 4."""
    N = 4
    tt = sp.Symbol("tt")
    u = tt ** 6 - tt + 2
    t_map = (s_sym + 1) * T_sym / 2
    c = [sp.expand(sp.integrate(sp.expand(u.subs(tt, t_map) * g_sym(n)), (s_sym, -1, 1))) for n in range(N)]
    A, B = (npy(x) for x in hippo("legs", N))
    for T in (0.3, 1.0, 2.7):
        cv = np.array([float(ci.subs(T_sym, T)) for ci in c])
        dv = np.array([float(sp.diff(ci, T_sym).subs(T_sym, T)) for ci in c])
        rhs = (A @ cv + B * float(u.subs(tt, T))) / T
        assert_close(rhs, dv, 1e-11, f"LegS ODE from the definition at T={T}", rel=True)


@pytest.mark.parametrize("measure", ["fout", "fout_post"])
def test_fourier_window_ode_exact_for_periodic_trig_inputs(measure):
    """For a trigonometric polynomial of period w with degree <= K the window series is exact and
    u(T-w) = u(T), so both Fourier systems satisfy dc/dT = A c + B u(T) exactly. Coefficients and
    their T-derivatives (differentiating under the integral) by the trapezoid rule, exact here."""
    K, w = 3, 0.7
    a = [(0.3, 0.0), (1.0, 0.2), (-0.5, 0.7), (0.25, -0.4)]  # (cos, sin) amplitude per harmonic

    def u(t):
        return sum(ca * np.cos(2 * np.pi * h * t / w) + sa * np.sin(2 * np.pi * h * t / w)
                   for h, (ca, sa) in enumerate(a))

    def du(t):
        return sum((2 * np.pi * h / w) * (-ca * np.sin(2 * np.pi * h * t / w) + sa * np.cos(2 * np.pi * h * t / w))
                   for h, (ca, sa) in enumerate(a))

    M = 64
    s = np.arange(M) / M
    basis = [np.ones(M)]
    for k in range(1, K + 1):
        basis += [SQRT2 * np.cos(2 * np.pi * k * s), SQRT2 * np.sin(2 * np.pi * k * s)]
    basis = np.array(basis)
    A, B = (npy(x) for x in hippo(measure, 2 * K, w=w))
    for T in (0.9, 1.6, 3.05):
        t = s * w + T - w
        c = basis @ u(t) / M
        dc = basis @ (du(t) * 1.0) / M  # dt/dT = 1
        assert_close(A @ c + B * u(T), dc, 1e-12, f"{measure} ODE at T={T}", rel=True)


def derived_fourier(K: int, corrected: bool):
    """Real basis 1, sqrt2 cos, sqrt2 sin on [0,1], rho = 1/w; boundary u(T-w) ≈ Σ c_k g_k(0)
    (post) or 2Σ c_k g_k(0) - u(T) (corrected)."""
    g = [sp.Integer(1)]
    for k in range(1, K + 1):
        g += [sp.sqrt(2) * sp.cos(2 * sp.pi * k * s_sym), sp.sqrt(2) * sp.sin(2 * sp.pi * k * s_sym)]
    size = len(g)
    rho = 1 / w_sym
    A = sp.zeros(size, size)
    B = sp.zeros(size, 1)
    for n in range(size):
        at1, at0 = (rho * g[n]).subs(s_sym, 1), (rho * g[n]).subs(s_sym, 0)
        d_rho_g = sp.diff(rho * g[n], s_sym)
        for k in range(size):
            inner = sp.integrate(sp.expand(g[k] * d_rho_g), (s_sym, 0, 1))
            boundary = (2 if corrected else 1) * at0 * g[k].subs(s_sym, 0)
            A[n, k] = -inner - boundary
        B[n] = at1 + (at0 if corrected else 0)
    return sp.simplify(A), sp.simplify(B)


@pytest.mark.parametrize("corrected", [False, True])
def test_fourier_window_matrices_rederived_symbolically(corrected):
    K = 2
    A_sym, B_sym = derived_fourier(K, corrected)
    w = 0.8
    A, B = hippo("fout" if corrected else "fout_post", 2 * K, w=w)
    assert_close(npy(A), np.array(A_sym.subs(w_sym, w).evalf(30), dtype=float), 1e-13, "FouT A vs sympy", rel=True)
    assert_close(npy(B), np.array(B_sym.subs(w_sym, w).evalf(30), dtype=float)[:, 0], 1e-13, "FouT B vs sympy",
                 rel=True)


# --------------------------------------------------------------------------------------------
# C2: Legendre identities of §2.2, symbolically for n < 15
# --------------------------------------------------------------------------------------------

x_sym = sp.Symbol("x")
NMAX = 15


@pytest.fixture(scope="module")
def legendre_polys():
    return [sp.Poly(sp.legendre(n, x_sym), x_sym, domain="QQ") for n in range(NMAX + 1)]


def _chi(j):
    return 1 if j % 2 == 0 else 0


def test_legendre_orthogonality_and_endpoints(legendre_polys):
    P = legendre_polys
    for m in range(NMAX):
        assert P[m].eval(1) == 1 and P[m].eval(-1) == (-1) ** m
        for n in range(m, NMAX):
            prod = (P[m] * P[n]).integrate()
            val = prod.eval(1) - prod.eval(-1)
            assert val == (sp.Rational(2, 2 * n + 1) if m == n else 0), f"∫P_{m}P_{n} = {val}"


def test_legendre_derivative_identities(legendre_polys):
    P = legendre_polys
    X = sp.Poly(x_sym, x_sym, domain="QQ")
    D = [p.diff(x_sym) for p in P]
    zero = sp.Poly(0, x_sym, domain="QQ")
    for n in range(NMAX):
        # (leg-r1) P'_{n+1} - P'_{n-1} = (2n+1) P_n
        if n >= 1:
            assert D[n + 1] - D[n - 1] - (2 * n + 1) * P[n] == zero, f"leg-r1 n={n}"
        # (leg-r2) P'_{n+1} = (n+1) P_n + x P'_n
        assert D[n + 1] - (n + 1) * P[n] - X * D[n] == zero, f"leg-r2 n={n}"
        # (leg-dot) P'_{n+1} = Σ_{k<=n} (2k+1) χ_{n-k} P_k
        rhs = sum(((2 * k + 1) * _chi(n - k) * P[k] for k in range(n + 1)), zero)
        assert D[n + 1] - rhs == zero, f"leg-dot n={n}"
        # x P'_n = n P_n + (2n-3) P_{n-2} + (2n-7) P_{n-4} + ...
        rhs = n * P[n] + sum(((2 * k + 1) * P[k] for k in range(n - 2, -1, -2)), zero)
        assert X * D[n] - rhs == zero, f"x P'_n expansion n={n}"
        # (leg-dot-t1) (x+1) P'_n = -(n+1) P_n + Σ_{k<=n} (2k+1) P_k
        rhs = -(n + 1) * P[n] + sum(((2 * k + 1) * P[k] for k in range(n + 1)), zero)
        assert (X + 1) * D[n] - rhs == zero, f"leg-dot-t1 n={n}"
        # LegT sign identity: 2χ_{n-1-k} + (-1)^{n-k} = 1 for k < n
        for k in range(n):
            assert 2 * _chi(n - 1 - k) + (-1) ** (n - k) == 1


def test_legendre_antiderivative(legendre_polys):
    """∫_{-1}^x P_n = (P_{n+1} - P_{n-1})/(2n+1) for n >= 1, and x + 1 for n = 0."""
    P = legendre_polys
    for n in range(NMAX):
        integral = P[n].integrate()
        integral = integral - integral.eval(-1)
        want = (P[n + 1] - P[n - 1]) * sp.Rational(1, 2 * n + 1) if n >= 1 else sp.Poly(x_sym + 1, x_sym, domain="QQ")
        assert integral - want == sp.Poly(0, x_sym, domain="QQ"), f"antiderivative n={n}"


# --------------------------------------------------------------------------------------------
# The bases module against scipy / quadrature
# --------------------------------------------------------------------------------------------

def test_legendre_basis_vs_scipy():
    s = np.linspace(-1, 1, 301)
    P = npy(bases.legendre(64, torch.tensor(s, dtype=torch.float64)))
    ref = np.array([special.eval_legendre(n, s) for n in range(64)])
    assert_close(P, ref, 1e-12, "Legendre recurrence vs scipy.special.eval_legendre, N=64")
    G = npy(bases.legendre_orthonormal(64, torch.tensor(s, dtype=torch.float64)))
    assert_close(G, np.sqrt((2 * np.arange(64) + 1) / 2)[:, None] * ref, 1e-11, "orthonormal Legendre")


def test_laguerre_functions_vs_scipy():
    v = np.linspace(0, 40, 401)
    got = npy(bases.laguerre_functions(32, torch.tensor(v, dtype=torch.float64)))
    ref = np.array([special.eval_laguerre(n, v) for n in range(32)]) * np.exp(-v / 2)
    assert_close(got, ref, 1e-10, "Laguerre functions vs scipy.special.eval_laguerre * e^{-v/2}")


def test_fourier_real_basis_is_orthonormal_and_ordered():
    size = 9
    xg, wg = np.polynomial.legendre.leggauss(80)
    s = (xg + 1) / 2
    F = npy(bases.fourier_real(size, torch.tensor(s, dtype=torch.float64)))
    gram = (F * (wg / 2)) @ F.T
    assert_close(gram, np.eye(size), 1e-13, "real Fourier basis Gram matrix on [0,1]")
    assert_close(F[3], SQRT2 * np.cos(4 * np.pi * s), 1e-14, "index 3 = sqrt2 cos(2π·2s)")
    assert_close(F[4], SQRT2 * np.sin(4 * np.pi * s), 1e-14, "index 4 = sqrt2 sin(2π·2s)")
    e = npy(bases.fourier_real_at_zero(size))
    assert_close(e, [1, SQRT2, 0, SQRT2, 0, SQRT2, 0, SQRT2, 0], 0, "basis at s=0")


# --------------------------------------------------------------------------------------------
# Spectral facts
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("N", [1, 5, 16, 64])
@pytest.mark.parametrize("norm", ["su", "paper", "integer"])
def test_legs_eigenvalues_are_minus_one_to_minus_n(N, norm):
    """Q2: eigenvalues -1..-N (any normalisation: a similarity), distinct, hence diagonalisable."""
    A = npy(hippo("legs", N, norm=norm)[0])
    ev = np.sort(np.linalg.eigvals(A).real)
    assert_close(ev, -np.arange(N, 0, -1.0), 1e-12 * N, f"LegS eigenvalues N={N} norm={norm}")
    assert np.allclose(np.tril(A), A), "LegS A must be lower-triangular"
    if N <= 16:  # eigenvector matrix is well conditioned only for small N (brief §2.12)
        _, V = np.linalg.eig(A)
        assert np.linalg.matrix_rank(V) == N


@pytest.mark.parametrize("N,w", [(4, 1.0), (8, 1.0), (16, 0.5)])
def test_legt_trace_identity(N, w):
    """Σλ = tr A = -N²/w (C19 / brief §2.4)."""
    A = npy(hippo("legt", N, w=w)[0])
    assert abs(np.trace(A) + N * N / w) < 1e-12 * N * N / w
    assert abs(np.sum(np.linalg.eigvals(A)).real + N * N / w) < 1e-9 * N * N / w


@pytest.mark.parametrize("t", [0.1, 1.0, 3.0])
def test_legs_lti_kernel_is_warped_legendre(t):
    """C11 (S4 view of LegS, paper B): (e^{tA}B)_n = sqrt(2n+1) P_n(2e^{-t} - 1) e^{-t}, N = 10."""
    N = 10
    A, B = (npy(x) for x in hippo("legs", N, norm="paper"))
    got = linalg.expm(t * A) @ B
    n = np.arange(N)
    ref = np.sqrt(2 * n + 1) * special.eval_legendre(n, 2 * math.exp(-t) - 1) * math.exp(-t)
    assert_close(got, ref, 1e-12, f"LegS-LTI kernel at t={t}")


# --------------------------------------------------------------------------------------------
# C12: LagT kernels
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("t", [0.0, 0.1, 1.0, 3.0, 7.5])
def test_lagt_kernel_is_laguerre_function(t):
    N = 12
    A, B = (npy(x) for x in hippo("lagt", N))
    got = linalg.expm(t * A) @ B
    ref = np.array([special.eval_laguerre(n, t) for n in range(N)]) * math.exp(-t / 2)
    assert_close(got, ref, 1e-12, f"e^(tA)B vs L_n(t) e^(-t/2) at t={t}")


# --------------------------------------------------------------------------------------------
# C3 / C5 / §2.3: continuous-time exactness and convergence with scipy solve_ivp (DOP853)
# --------------------------------------------------------------------------------------------

def u_test(t):
    return np.sin(2 * np.pi * 1.3 * t) + 0.5 * np.cos(5 * t) + t ** 2 / 3


XG, WG = np.polynomial.legendre.leggauss(200)


def legendre_window_coefficients(N, lo, hi):
    """c_n = ∫_{-1}^{1} u(t(s)) g_n(s) ds for the map [-1,1] -> [lo, hi], 200-node Gauss."""
    t = (XG + 1) * (hi - lo) / 2 + lo
    G = np.sqrt((2 * np.arange(N) + 1) / 2)[:, None] * np.array([special.eval_legendre(n, XG) for n in range(N)])
    return G @ (WG * u_test(t))


def fourier_window_coefficients(size, T, w=1.0):
    s = (XG + 1) / 2
    rows = [np.ones_like(s)]
    for k in range(1, size // 2 + 1):
        rows += [SQRT2 * np.cos(2 * np.pi * k * s), SQRT2 * np.sin(2 * np.pi * k * s)]
    return np.array(rows) @ (WG / 2 * u_test(s * w + T - w))


def solve(rhs, t0, t1, x0):
    sol = integrate.solve_ivp(rhs, (t0, t1), x0, method="DOP853", rtol=1e-12, atol=1e-14)
    assert sol.success, sol.message
    return sol.y[:, -1]


@pytest.mark.parametrize("N", [4, 8, 16])
def test_legs_ode_is_exact_projection(N):
    """C3: start at t0 = 1e-3 from the exact coefficients, integrate x' = (Ax+Bu)/t to T = 3."""
    A, B = (npy(x) for x in hippo("legs", N))
    x0 = legendre_window_coefficients(N, 0.0, 1e-3)
    x3 = solve(lambda t, x: (A @ x + B * u_test(t)) / t, 1e-3, 3.0, x0)
    assert_close(x3, legendre_window_coefficients(N, 0.0, 3.0), 1e-10, f"LegS ODE vs quadrature N={N}")


@pytest.mark.parametrize("N,expected", [(4, 1.4e-1), (8, 2.5e-3), (16, 1.9e-9)])
def test_legt_convergence_numbers(N, expected):
    """C5 / brief §2.4: relative coefficient error at T=3 from the exact start at T=1, w=1."""
    A, B = (npy(x) for x in hippo("legt", N, w=1.0))
    x3 = solve(lambda t, x: A @ x + B * u_test(t), 1.0, 3.0, legendre_window_coefficients(N, 0.0, 1.0))
    exact = legendre_window_coefficients(N, 2.0, 3.0)
    err = np.linalg.norm(x3 - exact) / np.linalg.norm(exact)
    assert expected / 3 < err < expected * 3, f"LegT N={N}: relative error {err:.3e}, brief {expected:.1e}"


def test_legt_convergence_n32_reaches_roundoff():
    A, B = (npy(x) for x in hippo("legt", 32, w=1.0))
    x3 = solve(lambda t, x: A @ x + B * u_test(t), 1.0, 3.0, legendre_window_coefficients(32, 0.0, 1.0))
    exact = legendre_window_coefficients(32, 2.0, 3.0)
    err = np.linalg.norm(x3 - exact) / np.linalg.norm(exact)
    assert err < 1e-11, f"LegT N=32 relative error {err:.3e} (brief: 3.7e-13)"


@pytest.mark.parametrize("K,corrected_expected", [(4, 0.043), (8, 0.023), (16, 0.012), (32, 0.0063)])
def test_fourier_window_post_vs_corrected(K, corrected_expected):
    """§2.3: post 1 as written stalls at ≈0.287 for every K; the corrected system is O(1/K)."""
    size = 2 * K + 1
    x1 = fourier_window_coefficients(size, 1.0)
    exact = fourier_window_coefficients(size, 3.0)
    errors = {}
    for measure in ("fout_post", "fout"):
        A, B = (npy(x) for x in hippo(measure, 2 * K, w=1.0))
        x3 = solve(lambda t, x: A @ x + B * u_test(t), 1.0, 3.0, x1)
        errors[measure] = np.linalg.norm(x3 - exact) / np.linalg.norm(exact)
    assert abs(errors["fout_post"] - 0.287) < 0.005, f"post-1 FouT K={K}: {errors['fout_post']:.4f} (brief 0.287)"
    assert abs(errors["fout"] / corrected_expected - 1) < 0.1, \
        f"corrected FouT K={K}: {errors['fout']:.4f} (brief {corrected_expected})"


def test_fourier_window_staircase_kernel():
    """C13: (e^{tA}B)_0 of post-1 FouT at w=1, brief N=64 (package N=128): 0.6657 / 0.2218 at
    t = 0.5 / 1.5 (limits 2/3, 2/9); the corrected kernel is ≈ 1 on [0, 1) and ≈ 0 after."""
    def kernel0(measure):
        """(e^{tA}B)_0 at t = 0.25 m, m = 0..10, from one expm: e^{0.25(m+1)A}B = E e^{0.25mA}B."""
        A, B = (npy(x) for x in hippo(measure, 128, w=1.0))
        E = linalg.expm(0.25 * A)
        values, v = [], B
        for _ in range(11):
            values.append(v[0])
            v = E @ v
        return dict(zip([0.25 * m for m in range(11)], values))

    stair = kernel0("fout_post")
    k05, k15 = stair[0.5], stair[1.5]
    assert abs(k05 - 0.6657) < 1e-3 and abs(k15 - 0.2218) < 1e-3, f"staircase K_0: {k05:.5f}, {k15:.5f}"
    assert abs(k05 - 2 / 3) < 2e-3 and abs(k15 - 2 / 9) < 2e-3
    box = kernel0("fout")
    for t, want in [(0.25, 1.0), (0.5, 1.0), (0.75, 1.0), (1.25, 0.0), (1.5, 0.0), (2.5, 0.0)]:
        assert abs(box[t] - want) < 5e-3, f"corrected box kernel at t={t}: {box[t]:.5f}, want ≈{want}"
