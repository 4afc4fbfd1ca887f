"""Independent cross-checks of kexue_viz.ssm.discretize (brief §2.8, C8, C9, C19, Q3, Q8).

References: ``scipy.signal.cont2discrete`` (euler / backward_diff / bilinear / zoh / gbt),
``scipy.linalg.expm`` and ``solve_triangular``, ``scipy.integrate.solve_ivp`` (DOP853) with a
piecewise-constant input, and numpy re-typings of post 2's and s4 ``HiPPOScale``'s LegS steps.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy import integrate, linalg, signal

from kexue_viz.ssm import LEGS_METHODS, LTI_METHODS, discretize, hippo, legs_step_matrices, online_states
from kexue_viz.ssm.discretize import generalized_bilinear

from numeric_asserts import assert_close, npy

SQRT2 = math.sqrt(2.0)
SCIPY_METHOD = {"forward_euler": "euler", "backward_euler": "backward_diff", "bilinear": "bilinear", "zoh": "zoh"}





def cont2discrete(A, B, dt, method, **kw):
    A, B = npy(A), npy(B)
    n = A.shape[0]
    Ad, Bd, *_ = signal.cont2discrete((A, B[:, None], np.eye(n), np.zeros((n, 1))), dt, method=method, **kw)
    return Ad, Bd[:, 0]


SYSTEMS = [("legt", 8, dict(w=1.0)), ("legt", 6, dict(w=0.4, norm="integer")), ("legs", 8, {}),
           ("lagt", 6, {}), ("fout", 6, dict(w=1.0)), ("fout_post", 6, dict(w=2.0))]


# --------------------------------------------------------------------------------------------
# C9: LTI discretisation vs scipy.signal.cont2discrete (only Ā, B̄ are compared)
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("measure,N,kw", SYSTEMS)
@pytest.mark.parametrize("method", LTI_METHODS)
@pytest.mark.parametrize("dt", [1e-3, 0.05, 0.7])
def test_discretize_matches_cont2discrete(measure, N, kw, method, dt):
    A, B = hippo(measure, N, **kw)
    Ad, Bd = discretize(A, B, dt, method)
    Ad_ref, Bd_ref = cont2discrete(A, B, dt, SCIPY_METHOD[method])
    assert_close(Ad, Ad_ref, 1e-12, f"{measure} {method} dt={dt}: Abar vs cont2discrete")
    assert_close(Bd, Bd_ref, 1e-12, f"{measure} {method} dt={dt}: Bbar vs cont2discrete")


@pytest.mark.parametrize("alpha", [0.0, 0.25, 0.5, 1.0])
def test_generalized_alpha_is_scipy_gbt_with_one_minus_alpha(alpha):
    """Post 2's α weights x(t); scipy's gbt alpha weights x(t+ε): scipy alpha = 1 - α."""
    A, B = hippo("legt", 6)
    Ad, Bd = generalized_bilinear(A, B, 0.03, alpha)
    Ad_ref, Bd_ref = cont2discrete(A, B, 0.03, "gbt", alpha=1 - alpha)
    assert_close(Ad, Ad_ref, 1e-12, f"alpha={alpha} Abar vs gbt")
    assert_close(Bd, Bd_ref, 1e-12, f"alpha={alpha} Bbar vs gbt")


def test_zoh_with_singular_a():
    """Van Loan's block exponential needs no A^{-1}: A = 0 gives (I, εB); a rotation block with a
    zero row matches cont2discrete's zoh."""
    B = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64)
    Ad, Bd = discretize(torch.zeros(3, 3, dtype=torch.float64), B, 0.2, "zoh")
    assert_close(Ad, np.eye(3), 1e-15, "A=0: Abar = I")
    assert_close(Bd, 0.2 * npy(B), 1e-15, "A=0: Bbar = εB")
    J = torch.tensor([[0.0, 0.0, 0.0], [0.0, 0.0, 3.0], [0.0, -3.0, 0.0]], dtype=torch.float64)
    Ad, Bd = discretize(J, B, 0.2, "zoh")
    Ad_ref, Bd_ref = cont2discrete(J, B, 0.2, "zoh")
    assert_close(Ad, Ad_ref, 1e-14, "singular A zoh Abar")
    assert_close(Bd, Bd_ref, 1e-14, "singular A zoh Bbar")


@pytest.mark.parametrize("measure,N", [("legs", 8), ("legt", 4), ("fout", 6)])
def test_zoh_accuracy_across_step_sizes(measure, N):
    """ZOH must be accurate to ~1e-13 for every step size, in particular when ‖ε[A B; 0 0]‖₁ lands
    in (3.4e-4, 0.0499], where torch.linalg.matrix_exp (float64) switches to its degree-8
    evaluation (scipy.linalg.expm agrees with a 40-digit mpmath expm to 1e-18 here)."""
    A, B = hippo(measure, N)
    n = A.shape[0]
    block = np.zeros((n + 1, n + 1))
    block[:n, :n], block[:n, n] = npy(A), npy(B)
    norm1 = np.abs(block).sum(axis=0).max()
    worst = (0.0, None)
    for target in np.geomspace(1e-4, 0.2, 25):  # sweep ‖εM‖₁ across torch's degree thresholds
        dt = float(target / norm1)
        Ad, Bd = discretize(A, B, dt, "zoh")
        E = linalg.expm(dt * block)
        err = max(np.max(np.abs(npy(Ad) - E[:n, :n])), np.max(np.abs(npy(Bd) - E[:n, n])))
        if err > worst[0]:
            worst = (err, target)
    assert worst[0] < 1e-13, (f"{measure} N={N}: ZOH error {worst[0]:.2e} vs scipy expm at "
                              f"‖εM‖₁ = {worst[1]:.3g}")


@pytest.mark.parametrize("dt", [0.0, -0.1, float("nan"), float("inf")])
def test_discretize_rejects_bad_step(dt):
    A, B = hippo("legt", 4)
    with pytest.raises(ValueError):
        discretize(A, B, dt, "zoh")


def test_discretize_rejects_unknown_method():
    A, B = hippo("legt", 4)
    with pytest.raises(ValueError, match="unknown discretisation"):
        discretize(A, B, 0.1, "rk4")


# --------------------------------------------------------------------------------------------
# C8: ZOH is exact for piecewise-constant input (vs solve_ivp, one solve per interval)
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("measure,N,kw", [("legt", 8, dict(w=1.0)), ("lagt", 6, {}), ("fout", 6, dict(w=1.0)),
                                          ("legs", 6, {})])
def test_zoh_is_exact_for_piecewise_constant_input(measure, N, kw):
    """x' = Ax + Bu (LegS used time-invariantly here, as in S4) with u = u_k on [kε,(k+1)ε)."""
    dt, L = 0.05, 24
    u = np.random.default_rng(3).standard_normal(L)
    A, B = (npy(x) for x in hippo(measure, N, **kw))
    x = np.zeros(A.shape[0])
    ref = [x]
    for k in range(L):
        sol = integrate.solve_ivp(lambda t, y, uk=u[k]: A @ y + B * uk, (k * dt, (k + 1) * dt), x,
                                  method="DOP853", rtol=1e-12, atol=1e-14)
        x = sol.y[:, -1]
        ref.append(x)
    ref = np.array(ref)
    if measure == "legs":
        Ad, Bd = discretize(*hippo(measure, N, **kw), dt, "zoh")
        got = [np.zeros(N)]
        for k in range(L):
            got.append(npy(Ad) @ got[-1] + npy(Bd) * u[k])
        got = np.array(got)
    else:
        got = npy(online_states(measure, N, u, dt, method="zoh", route="recurrence", **kw))
    assert_close(got, ref, 1e-10, f"{measure}: ZOH states vs solve_ivp")


# --------------------------------------------------------------------------------------------
# §2.8 stability numbers (LegT, w = 1)
# --------------------------------------------------------------------------------------------

SPECTRAL_RADII = {  # eps: (FE, BE, bilinear, ZOH), brief §2.8, LegT N=16 w=1
    1e-3: (0.9939, 0.9932, 0.993537, 0.9935),
    1e-2: (0.9735, 0.9102, 0.938277, 0.9372),
    0.1: (2.7295, 0.3244, 0.798883, 0.5228),
    1.0: (27.62, 0.0457, 0.967222, 0.0015),
}


@pytest.mark.parametrize("eps", sorted(SPECTRAL_RADII))
def test_legt_spectral_radius_table(eps):
    A, B = hippo("legt", 16, w=1.0)
    for method, want in zip(("forward_euler", "backward_euler", "bilinear", "zoh"), SPECTRAL_RADII[eps]):
        got = np.max(np.abs(np.linalg.eigvals(npy(discretize(A, B, eps, method)[0]))))
        decimals = len(repr(want).split(".")[1])  # as printed in the brief
        assert abs(got - want) <= 0.6 * 10.0 ** -decimals, \
            f"rho({method}, eps={eps}) = {got:.6g}, brief {want}"


@pytest.mark.parametrize("N,threshold", [(4, 0.1941), (8, 0.05638), (16, 0.01674)])
def test_legt_forward_euler_threshold(N, threshold):
    """ε* = min(-2 Re λ / |λ|²); FE is stable just below it and unstable just above."""
    A, B = hippo("legt", N, w=1.0)
    lam = np.linalg.eigvals(npy(A))
    eps_star = np.min(-2 * lam.real / np.abs(lam) ** 2)
    assert abs(eps_star / threshold - 1) < 5e-4, f"N={N}: eps* = {eps_star:.6g}, brief {threshold}"
    below = np.max(np.abs(np.linalg.eigvals(npy(discretize(A, B, 0.98 * threshold, "forward_euler")[0]))))
    above = np.max(np.abs(np.linalg.eigvals(npy(discretize(A, B, 1.02 * threshold, "forward_euler")[0]))))
    assert below < 1 < above, f"N={N}: rho below/above threshold = {below:.6f}/{above:.6f}"
    for method in ("backward_euler", "bilinear", "zoh"):  # A-stable / exact
        rho = np.max(np.abs(np.linalg.eigvals(npy(discretize(A, B, 1.02 * threshold, method)[0]))))
        assert rho < 1, f"{method} must be stable at any step, rho = {rho}"


def test_legs_lti_forward_euler_threshold_is_two_over_n():
    """Q7: LegS as an LTI system (S4): eigenvalues -1..-N, FE stable iff ε < 2/N."""
    N = 10
    A, B = hippo("legs", N)
    for eps, stable in [(0.99 * 2 / N, True), (1.01 * 2 / N, False)]:
        rho = np.max(np.abs(np.linalg.eigvals(npy(discretize(A, B, eps, "forward_euler")[0]))))
        assert (rho < 1) == stable, f"eps={eps}: rho={rho}"


Q8_ERRORS = {"bilinear": [7.3e-3, 1.8e-3, 4.4e-4, 1.1e-4], "forward_euler": [0.36, 0.16, 0.074, 0.036]}


@pytest.mark.parametrize("method", ["bilinear", "forward_euler"])
def test_q8_bilinear_second_order_forward_euler_first_order(method):
    """LegT N=8, w=1, horizon 2, u = sin(2π·1.3t) + 0.5cos5t sampled at kε; max-abs state error at
    T = 2 against the exact ZOH run on the same piecewise-constant input."""
    eps_values = [0.02, 0.01, 0.005, 0.0025]
    A, B = (npy(x) for x in hippo("legt", 8, w=1.0))
    errors = []
    for eps in eps_values:
        L = round(2 / eps)
        u = np.sin(2 * np.pi * 1.3 * np.arange(L) * eps) + 0.5 * np.cos(5 * np.arange(L) * eps)
        Az, Bz = (npy(x) for x in discretize(*hippo("legt", 8, w=1.0), eps, "zoh"))
        exact = np.zeros(8)
        for k in range(L):  # independent numpy loop for the exact run
            exact = Az @ exact + Bz * u[k]
        approx = npy(online_states("legt", 8, u, eps, method=method))[-1]
        errors.append(np.max(np.abs(approx - exact)))
    for got, want, eps in zip(errors, Q8_ERRORS[method], eps_values):
        assert abs(got / want - 1) < 0.08, f"{method} eps={eps}: error {got:.3g}, brief {want}"
    slope = math.log(errors[-2] / errors[-1]) / math.log(eps_values[-2] / eps_values[-1])  # finest pair
    order = 2 if method == "bilinear" else 1
    assert abs(slope - order) < 0.1, f"{method}: convergence slope {slope:.3f}, expected {order}"


# --------------------------------------------------------------------------------------------
# LegS per-step matrices (time-varying x' = (Ax + Bu)/t)
# --------------------------------------------------------------------------------------------

def legs_reference_steps(A, B, L, method):
    """numpy/scipy re-typing of post 2 (bilinear, exact) and s4 HiPPOScale (t = k+1) steps."""
    A, B = npy(A), npy(B)
    n = A.shape[0]
    eye = np.eye(n)
    Abar, Bbar = np.zeros((L, n, n)), np.zeros((L, n))
    for k in range(L):
        if method in ("zoh", "bilinear") and k == 0:  # exact first step: projection of a constant
            Bbar[0] = -linalg.solve_triangular(A, B, lower=True)
            continue
        if method == "zoh":
            E = linalg.expm(math.log((k + 1) / k) * A)
            Abar[k] = E
            Bbar[k] = linalg.solve_triangular(A, E @ B - B, lower=True)
        elif method == "bilinear":  # post 2 eq. legs-ode-bilinear with t = kε
            M = eye - A / (2 * (k + 1))
            Abar[k] = linalg.solve_triangular(M, eye + A / (2 * k), lower=True)
            Bbar[k] = linalg.solve_triangular(M, B / k, lower=True)
        else:  # s4 HiPPOScale, t = k + 1
            t = k + 1
            At, Bt = A / t, B / t
            if method == "forward_euler":
                Abar[k], Bbar[k] = eye + At, Bt
            elif method == "backward_euler":
                Abar[k] = linalg.solve_triangular(eye - At, eye, lower=True)
                Bbar[k] = linalg.solve_triangular(eye - At, Bt, lower=True)
            else:  # bilinear_s4
                Abar[k] = linalg.solve_triangular(eye - At / 2, eye + At / 2, lower=True)
                Bbar[k] = linalg.solve_triangular(eye - At / 2, Bt, lower=True)
    return Abar, Bbar


@pytest.mark.parametrize("method", LEGS_METHODS)
@pytest.mark.parametrize("norm", ["su", "paper", "integer"])
def test_legs_step_matrices_vs_reference(method, norm):
    A, B = hippo("legs", 7, norm=norm)
    L = 30
    Abar, Bbar = legs_step_matrices(A, B, L, method)
    assert Abar.shape == (L, 7, 7) and Bbar.shape == (L, 7)
    Aref, Bref = legs_reference_steps(A, B, L, method)
    assert_close(Abar, Aref, 1e-12, f"LegS {method}/{norm} Abar_k")
    assert_close(Bbar, Bref, 1e-12, f"LegS {method}/{norm} Bbar_k")


@pytest.mark.parametrize("method", ["zoh", "bilinear"])
@pytest.mark.parametrize("norm,first", [("su", SQRT2), ("paper", 1.0), ("integer", 1.0)])
def test_legs_first_step_is_exact(method, norm, first):
    """x(0+) = -A^{-1}B u(0) = sqrt2 u(0) e_0 (Su), u(0) e_0 (paper); integer λ_0 = sqrt2 too."""
    A, B = hippo("legs", 9, norm=norm)
    Abar, Bbar = legs_step_matrices(A, B, 3, method)
    assert_close(Abar[0], np.zeros((9, 9)), 0, "Abar_0 = 0")
    want = np.zeros(9)
    want[0] = first
    assert_close(Bbar[0], want, 1e-13, f"Bbar_0 ({norm})")
    x = npy(online_states("legs", 9, [0.7, -1.0, 2.0], 0.1, norm=norm, method=method))
    assert_close(x[1], 0.7 * want, 1e-13, "x_1 = x(ε) for a constant first piece")


@pytest.mark.parametrize("method", LEGS_METHODS)
def test_legs_recurrence_is_step_size_free(method):
    """Q3 / timescale equivariance: the LegS states do not depend on ε."""
    u = np.random.default_rng(7).standard_normal(120)
    a = npy(online_states("legs", 12, u, 0.01, method=method))
    b = npy(online_states("legs", 12, u, 3.7, method=method))
    assert_close(a, b, 1e-12, f"LegS {method}: states with ε=0.01 vs ε=3.7")


@pytest.mark.parametrize("method", LEGS_METHODS)
def test_legs_nested_step_matrices_and_states(method):
    """C19: A lower-triangular -> the leading N' block of every step is the N'-state step."""
    big = legs_step_matrices(*hippo("legs", 12), 40, method)
    small = legs_step_matrices(*hippo("legs", 5), 40, method)
    assert_close(big[0][:, :5, :5], small[0], 1e-12, f"{method}: nested Abar_k")
    assert_close(big[1][:, :5], small[1], 1e-12, f"{method}: nested Bbar_k")
    u = np.cos(np.arange(40) * 0.3)
    xs_big = npy(online_states("legs", 12, u, 0.1, method=method))
    xs_small = npy(online_states("legs", 5, u, 0.1, method=method))
    assert_close(xs_big[:, :5], xs_small, 1e-12, f"{method}: nested states")


@pytest.mark.parametrize("method", LEGS_METHODS)
def test_legs_constant_input(method):
    """ZOH keeps the exact projection sqrt2 e_0 of a constant for all k; post 2's bilinear does not
    (B/(2k) vs B/(2(k+1))), nor do the s4-style schemes."""
    x = npy(online_states("legs", 8, np.ones(60), 0.1, method=method))
    want = np.zeros(8)
    want[0] = SQRT2
    dev = np.max(np.abs(x[1:] - want))
    if method == "zoh":
        assert dev < 1e-12, f"ZOH must preserve a constant exactly, deviation {dev:.2e}"
    else:
        assert dev > 1e-3, f"{method}: expected a visible deviation from sqrt2 e_0, got {dev:.2e}"


def test_legs_post_bilinear_one_step_by_hand():
    """x_2 = (I - A/4)^{-1}[(I + A/2) x_1 + B u_1] with x_1 = sqrt2 u_0 e_0 (post 2, k = 1)."""
    A, B = (npy(x) for x in hippo("legs", 6))
    u0, u1 = 0.8, -0.3
    x1 = np.zeros(6)
    x1[0] = SQRT2 * u0
    x2 = np.linalg.solve(np.eye(6) - A / 4, (np.eye(6) + A / 2) @ x1 + B * u1)
    got = npy(online_states("legs", 6, [u0, u1], 1.0, method="bilinear"))
    assert_close(got[2], x2, 1e-13, "post bilinear, second step")


def test_legs_forward_euler_transient_blows_up_then_recovers():
    """FE with t = k+1 is unstable while t < (n+1)/2: huge transient (brief: ~3e8 at N=16), then
    it recovers towards the exact projection."""
    N, L = 16, 400
    u = np.sin(0.05 * np.arange(L)) + 0.5
    fe = npy(online_states("legs", N, u, 0.01, method="forward_euler"))
    exact = npy(online_states("legs", N, u, 0.01, method="zoh"))
    rel = np.linalg.norm(fe[1:] - exact[1:], axis=1) / np.linalg.norm(exact[1:], axis=1)
    assert rel.max() > 1e6, f"FE transient should explode, max relative error {rel.max():.3g}"
    assert rel[-1] < 0.2, f"FE should recover, final relative error {rel[-1]:.3g}"
    # the growth factor of coefficient n at step t is |1 - (n+1)/t| > 1 exactly while t < (n+1)/2
    A, B = hippo("legs", N)
    Abar, _ = legs_step_matrices(A, B, 20, "forward_euler")
    for k in range(20):
        t = k + 1
        diag = np.diag(npy(Abar[k]))
        assert_close(diag, 1 - (np.arange(N) + 1) / t, 1e-13, f"FE diagonal at t={t}")


def test_legs_step_matrices_reject_bad_arguments():
    A, B = hippo("legs", 4)
    with pytest.raises(ValueError, match="unknown LegS discretisation"):
        legs_step_matrices(A, B, 5, "rk4")
    with pytest.raises(ValueError):
        legs_step_matrices(A, B, 0, "zoh")
    Abar, Bbar = legs_step_matrices(A, B, 1, "zoh")
    assert Abar.shape == (1, 4, 4) and Bbar.shape == (1, 4)


def test_legs_polynomial_decay_and_zoh_composition():
    """Post 2 / Q4: Φ(n←m) = e^{ln(n/m)A} has entries that are polynomials in r = m/n with powers
    r^1..r^N (eigenvalues -1..-N); the product of the ZOH steps m..n-1 is exactly Φ(n←m)."""
    N = 5
    A, B = hippo("legs", N)
    An = npy(A)
    ratios = np.linspace(0.05, 1.0, 25)
    Phi = np.array([linalg.expm(math.log(1 / r) * An) for r in ratios])  # n/m = 1/r
    V = np.stack([ratios ** p for p in range(1, N + 1)], axis=1)  # no constant term
    coef, *_ = np.linalg.lstsq(V, Phi.reshape(len(ratios), -1), rcond=None)
    resid = np.max(np.abs(V @ coef - Phi.reshape(len(ratios), -1)))
    assert resid < 1e-10, f"Φ entries are not polynomials in m/n of degree <= N: residual {resid:.2e}"
    Abar, _ = legs_step_matrices(A, B, 40, "zoh")
    for m, n in [(1, 2), (3, 17), (10, 40)]:
        prod = np.eye(N)
        for k in range(m, n):
            prod = npy(Abar[k]) @ prod
        assert_close(prod, linalg.expm(math.log(n / m) * An), 1e-12, f"Π ZOH steps {m}..{n - 1} = Φ({n}←{m})")
