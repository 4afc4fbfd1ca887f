"""Online function approximation: run a discretised HiPPO system over a sampled input and
read the remembered history back from its state (重温SSM（一）/（二）).

Time grid: the input is ``u_k`` on ``[kε, (k+1)ε)``, ``k = 0..L-1``; the state ``x_k`` is the
state at time ``T = kε`` (after consuming ``u_0..u_{k-1}``), so trajectories have ``L + 1`` rows.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from ..device import REAL, to_core
from .bases import fourier_real, laguerre_functions, legendre, legendre_orthonormal
from .discretize import discretize, legs_step_matrices
from .hippo import coefficient_scale, get_measure, hippo, state_size

MAX_SAMPLES = 200_000


def run_recurrence(Abar: torch.Tensor, Bbar: torch.Tensor, u: torch.Tensor, x0=None) -> torch.Tensor:
    """States of ``x_{k+1} = Ā_k x_k + B̄_k u_k``; ``Ā`` is ``(n, n)`` (LTI) or ``(L, n, n)``.

    Returns ``(L+1, n)`` with row 0 = ``x0`` (default 0). The loop over k is inherent to a
    time-varying recurrence; each step is one fused ``addmv`` into a preallocated row.
    """
    u = to_core(u, Abar)
    L, n = u.shape[0], Abar.shape[-1]
    drive = (Bbar if Bbar.dim() == 2 else Bbar[None, :]) * u[:, None]
    states = torch.empty(L + 1, n, dtype=Abar.dtype, device=Abar.device)
    states[0] = 0.0 if x0 is None else x0
    rows, drives = states.unbind(0), drive.unbind(0)
    matrices = [Abar] * L if Abar.dim() == 2 else Abar.unbind(0)
    for k in range(L):
        torch.addmv(drives[k], matrices[k], rows[k], out=rows[k + 1])
    return states


def krylov(Abar: torch.Tensor, Bbar: torch.Tensor, L: int) -> torch.Tensor:
    """``K_m = Ā^m B̄`` for ``m = 0..L-1`` as ``(L, n)`` by doubling:
    ``[K_{<2^j}] -> [K_{<2^j}, Ā^{2^j} K_{<2^j}]`` (``log2 L`` matrix products, the last one
    only for the rows still needed)."""
    block = Bbar[None, :]
    power = Abar
    while block.shape[0] < L:
        needed = min(block.shape[0], L - block.shape[0])
        block = torch.cat([block, block[:needed] @ power.T], dim=0)
        if block.shape[0] < L:
            power = power @ power
    return block


def causal_conv(kernel: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
    """``y_k = Σ_{j<=k} kernel_{k-j} u_j`` (``kernel``: ``(L, n)``, ``u``: ``(L,)``) by rFFT
    zero-padded to ``2L`` (without padding the product would be a circular convolution)."""
    u = to_core(u, kernel)
    L = u.shape[0]
    size = 2 * L
    spectrum = torch.fft.rfft(kernel.T.contiguous(), n=size, dim=-1) * torch.fft.rfft(u, n=size)[None, :]
    return torch.fft.irfft(spectrum, n=size, dim=-1)[:, :L].T


def lti_states_by_convolution(Abar: torch.Tensor, Bbar: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
    """Same states as :func:`run_recurrence` for an LTI system from ``x_0 = 0``:
    ``x_{k+1} = Σ_{j<=k} Ā^{k-j} B̄ u_j`` = Krylov kernel convolved with ``u``."""
    u = to_core(u, Abar)
    L = u.shape[0]
    states = torch.zeros(L + 1, Abar.shape[0], dtype=Abar.dtype, device=Abar.device)
    states[1:] = causal_conv(krylov(Abar, Bbar, L), u)
    return states


def lti_states_chunked(Abar: torch.Tensor, Bbar: torch.Tensor, u: torch.Tensor, block: int = 64) -> torch.Tensor:
    """Same states as :func:`run_recurrence` for an LTI system from ``x_0 = 0``, by blocks of
    ``b`` steps in matrix–matrix products (a chunked scan):

    * inside block c, from a zero start: ``l_{c,j} = Σ_{i<j} Ā^{j-1-i} B̄ u_{cb+i}`` — one
      product of the blocked input with the block Toeplitz kernel;
    * block starts: ``s_{c+1} = Ā^b s_c + l_{c,b}`` — the only sequential part, ``L/b`` steps;
    * states: ``x_{cb+j} = Ā^j s_c + l_{c,j}``.

    The flops match the loop (``O(L n (n + b))``) but run as BLAS-3, so it wins where
    the FFT route's ``n`` transforms of length ``2L`` cost more than the products (large n).
    """
    u = to_core(u, Abar)
    L, n = u.shape[0], Abar.shape[0]
    block = max(1, min(block, L))
    chunks = -(-L // block)
    padded = torch.zeros(chunks * block, dtype=u.dtype, device=u.device)
    padded[:L] = u
    kernel = krylov(Abar, Bbar, block)  # (b, n)
    lag = torch.arange(block, device=u.device)[:, None] - torch.arange(block, device=u.device)[None, :]
    toeplitz = torch.where((lag >= 0)[..., None], kernel[lag.clamp(min=0)], torch.zeros((), dtype=u.dtype))
    local = (padded.reshape(chunks, block) @ toeplitz.permute(1, 0, 2).reshape(block, block * n))
    local = local.reshape(chunks, block, n)  # local[c, j-1] = l_{c,j}
    jump = torch.linalg.matrix_power(Abar, block)
    starts = torch.zeros(chunks, n, dtype=u.dtype, device=u.device)
    for c in range(1, chunks):
        starts[c] = jump @ starts[c - 1] + local[c - 1, -1]
    carried = torch.empty(chunks, block, n, dtype=u.dtype, device=u.device)
    current = starts
    for j in range(block):
        current = current @ Abar.T
        carried[:, j] = current
    states = torch.zeros(L + 1, n, dtype=u.dtype, device=u.device)
    states[1:] = (carried + local).reshape(chunks * block, n)[:L]
    return states


LEGS_CHUNK_BYTES = 256 * 2 ** 20


def legs_states(A: torch.Tensor, B: torch.Tensor, u: torch.Tensor, method: str = "bilinear") -> torch.Tensor:
    """LegS states ``x_0..x_L`` by the per-step recurrence, building the step matrices a chunk
    at a time so memory stays under ``LEGS_CHUNK_BYTES`` whatever ``L`` (the full set takes
    ``L·n²·8`` bytes: 3.3 GB at n=64, L=10⁵)."""
    u = to_core(u, A)
    L, n = u.shape[0], A.shape[0]
    chunk = max(1, LEGS_CHUNK_BYTES // (8 * n * n))
    states = torch.empty(L + 1, n, dtype=A.dtype, device=A.device)
    states[0] = 0.0
    for start in range(0, L, chunk):
        stop = min(start + chunk, L)
        Abar, Bbar = legs_step_matrices(A, B, stop - start, method, start=start)
        states[start:stop + 1] = run_recurrence(Abar, Bbar, u[start:stop], x0=states[start])
    return states


def step_matrices(measure: str, N: int, L: int, dt: float, *, w=1.0, norm="su", method="bilinear"):
    """``(Ā, B̄)`` for the online run: per step ``(L, n, n)`` for LegS, one ``(n, n)`` otherwise."""
    A, B = hippo(measure, N, w=w, norm=norm)
    if get_measure(measure).time_varying:
        return legs_step_matrices(A, B, L, method)
    return discretize(A, B, dt, "bilinear" if method == "bilinear_s4" else method)


def as_signal(u) -> torch.Tensor:
    """Validate a sampled input and return it as a float64 tensor on the core device."""
    u = to_core(u)
    if u.dim() != 1 or not 1 <= u.shape[0] <= MAX_SAMPLES:
        raise ValueError(f"input must be a 1-D sequence of 1..{MAX_SAMPLES} samples, got shape {tuple(u.shape)}")
    if not torch.isfinite(u).all():
        raise ValueError("input contains NaN or infinite values")
    return u


def online_states(measure: str, N: int, u, dt: float, *, w: float = 1.0, norm: str = "su",
                  method: str = "bilinear", route: str = "auto") -> torch.Tensor:
    """States ``x_0..x_L`` ``(L+1, n)`` of the discretised system driven by samples ``u``.

    ``route``: ``recurrence`` (the loop), ``convolution`` (Krylov + FFT, LTI only),
    ``chunked`` (block scan, LTI only) or ``auto``: LegS the recurrence; LTI the convolution up
    to ``L = 4096`` samples and the chunked scan beyond (where it measured 2-4x faster,
    ``benchmarks/bench_hippo_online.py``).
    """
    u = as_signal(u)
    time_varying = get_measure(measure).time_varying
    if time_varying and route in ("auto", "recurrence"):
        return legs_states(*hippo(measure, N, w=w, norm=norm), u, method)
    Abar, Bbar = step_matrices(measure, N, u.shape[0], dt, w=w, norm=norm, method=method)
    if route == "auto":
        route = "recurrence" if time_varying else ("convolution" if u.shape[0] <= 4096 else "chunked")
    if route in ("convolution", "chunked"):
        if time_varying:
            raise ValueError("LegS is time-varying: it has no convolution form, use route='recurrence'")
        if route == "chunked":
            return lti_states_chunked(Abar, Bbar, u)
        return lti_states_by_convolution(Abar, Bbar, u)
    if route == "recurrence":
        return run_recurrence(Abar, Bbar, u)
    raise ValueError(f"unknown route {route!r}; choose auto, recurrence, convolution or chunked")


def support(measure: str, T: float, w: float = 1.0) -> tuple[float, float]:
    """The part of the past ``[lo, T]`` the state at time ``T`` describes (input starts at 0)."""
    m = get_measure(measure)
    if m.windowed:
        return T - w, T
    return 0.0, T


def basis_coordinate(measure: str, t, T: float, w: float = 1.0):
    """The basis variable at absolute times ``t`` for the state at time ``T``: LegS
    ``2t/T - 1``; LegT ``2(t-T+w)/w - 1``; FouT ``(t-T+w)/w``; LagT the lag ``T - t``."""
    family = get_measure(measure).family
    if measure == "legs":
        return 2 * t / T - 1
    if family == "legendre":
        return 2 * (t - T + w) / w - 1
    if family == "fourier":
        return (t - T + w) / w
    return T - t


def basis_at(measure: str, N: int, t: torch.Tensor, T: float, w: float = 1.0) -> torch.Tensor:
    """Orthonormal basis of ``measure`` at absolute times ``t`` for the state at time ``T``,
    ``(n, M)``: Legendre ``g_n``, real Fourier or Laguerre functions of :func:`basis_coordinate`."""
    family = get_measure(measure).family
    s = basis_coordinate(measure, t, T, w)
    if family == "legendre":
        return legendre_orthonormal(N, s)
    if family == "fourier":
        return fourier_real(state_size(measure, N), s)
    return laguerre_functions(N, s)


def basis_antiderivative(measure: str, N: int, s: torch.Tensor) -> torch.Tensor | None:
    """``G_n(s)`` with ``G_n' = g_n`` in closed form, ``(n, M)``, or ``None`` (Laguerre):
    Legendre ``sqrt((2n+1)/2) (P_{n+1} - P_{n-1})/(2n+1)`` (``G_0 = (s+1)/sqrt2``); Fourier ``s``,
    ``sqrt2 sin(2πks)/(2πk)``, ``-sqrt2 cos(2πks)/(2πk)``."""
    family = get_measure(measure).family
    if family == "legendre":
        P = legendre(N + 1, s)
        n = torch.arange(N, dtype=s.dtype, device=s.device).reshape(N, *([1] * s.dim()))
        previous = torch.cat([-torch.ones_like(P[:1]), P[:N - 1]])  # P_{-1} := -1 makes G_0 = (s+1)/sqrt2
        return torch.sqrt((2 * n + 1) / 2) * (P[1:N + 1] - previous) / (2 * n + 1)
    if family == "fourier":
        size = state_size(measure, N)
        k = torch.tensor([(index + 1) // 2 for index in range(size)], dtype=s.dtype, device=s.device)
        k = k.reshape(size, *([1] * s.dim()))
        phase = 2 * math.pi * k * s
        scale = math.sqrt(2.0) / (2 * math.pi * k.clamp(min=1))
        is_cos = (torch.arange(size, device=s.device) % 2 == 1).reshape(size, *([1] * s.dim()))
        out = torch.where(is_cos, scale * torch.sin(phase), -scale * torch.cos(phase))
        out[0] = s
        return out
    return None


def basis_density(measure: str, T: float, w: float = 1.0) -> float:
    """``ds/dt`` of the map from time to the basis variable (the measure's density on its support)."""
    scale = {"legs": 2.0 / T, "legt": 2.0 / w, "fout": 1.0 / w, "fout_post": 1.0 / w, "lagt": 1.0}
    return scale[measure]


def reconstruct(measure: str, state: torch.Tensor, T: float, t, *, w: float = 1.0, norm: str = "su"):
    """``û(t) = Σ_n λ_n x_n(T) g_n(s(t))`` at absolute times ``t`` inside :func:`support`.

    ``state``: ``(n,)`` coefficients at time ``T``; returns a tensor shaped like ``t``.
    """
    t = torch.as_tensor(t, dtype=REAL, device=state.device)
    N = state.shape[-1]
    lam = coefficient_scale(measure, N, norm, state.device)
    return (state * lam) @ basis_at(measure, N, t, T, w)


def quadrature_points(measure: str, n_state: int, piece: float, T: float, w: float = 1.0) -> int:
    """Gauss–Legendre points per input piece of length ``piece`` that integrate the basis times a
    constant to float64 accuracy: exact for the polynomials (degree ``n-1``), plus one point per
    radian the top Fourier harmonic turns (or per unit of Laguerre decay) across the piece."""
    family = get_measure(measure).family
    turning = piece * basis_density(measure, T, w) * (2 * math.pi * (n_state // 2) if family == "fourier" else 1.0)
    extra = 0 if family == "legendre" else math.ceil(turning)
    return min(n_state // 2 + 8 + extra, 1024)


def _gauss_nodes(points: int, device) -> tuple[torch.Tensor, torch.Tensor]:
    nodes, weights = np.polynomial.legendre.leggauss(points)
    return (torch.as_tensor(nodes, dtype=REAL, device=device),
            torch.as_tensor(weights, dtype=REAL, device=device))


def exact_projection(measure: str, N: int, u, dt: float, T: float, *, w: float = 1.0, norm: str = "su"):
    """State ``x(T)`` of the exact L² projection of the piecewise-constant input onto the
    measure's basis over :func:`support` (no discretisation, no truncation):
    ``x_n = (1/λ_n) Σ_k u_k ∫_{piece k ∩ support} g_n(s) ds``. Legendre and Fourier integrate in
    closed form, ``G_n(s_right) - G_n(s_left)`` (:func:`basis_antiderivative`, O(L·N)); Laguerre
    by Gauss–Legendre quadrature per piece with :func:`quadrature_points` nodes.
    """
    u = as_signal(u)
    lo, hi = support(measure, T, w)
    n_state = state_size(measure, N)
    k = torch.arange(u.shape[0], dtype=REAL, device=u.device)
    left = torch.clamp(k * dt, min=lo, max=hi)
    right = torch.clamp((k + 1) * dt, min=lo, max=hi)
    inside = right > left
    left, right, values = left[inside], right[inside], u[inside]
    scale = coefficient_scale(measure, N, norm, u.device)
    if get_measure(measure).family != "laguerre":
        s_left, s_right = basis_coordinate(measure, left, T, w), basis_coordinate(measure, right, T, w)
        integrals = basis_antiderivative(measure, N, s_right) - basis_antiderivative(measure, N, s_left)
        return (integrals @ values) / scale
    nodes, weights = _gauss_nodes(quadrature_points(measure, n_state, dt, T, w), u.device)
    half = (right - left)[:, None] / 2
    times = (left[:, None] + right[:, None]) / 2 + half * nodes[None, :]
    basis = basis_at(measure, N, times, T, w)
    coeffs = (basis * (half * weights[None, :] * values[:, None])).sum(dim=(1, 2))
    return coeffs * basis_density(measure, T, w) / scale


def squared_norm(measure: str, u, dt: float, T: float, *, w: float = 1.0) -> float:
    """``‖u‖² = ∫ u(t)² (ds/dt) dt`` over :func:`support`, exactly, for the piecewise-constant input
    (the norm in which the basis is orthonormal)."""
    u = as_signal(u)
    lo, hi = support(measure, T, w)
    k = torch.arange(u.shape[0], dtype=REAL, device=u.device)
    overlap = (torch.clamp((k + 1) * dt, min=lo, max=hi) - torch.clamp(k * dt, min=lo, max=hi))
    return float((u ** 2 * overlap).sum()) * basis_density(measure, T, w)


def relative_error(measure: str, state: torch.Tensor, u, dt: float, T: float, *, w=1.0, norm="su",
                   best: torch.Tensor | None = None, total: float | None = None) -> float:
    """Relative L² error ``‖û - u‖ / ‖u‖`` of the reconstruction from ``state``, exactly, in the
    measure's own L² space (the window or ``[0, T]``; for LagT the whole lag axis ``v >= 0``, where
    the input is zero before ``t = 0`` but the reconstruction need not be), by Pythagoras: with ``c`` the exact projection coefficients (``best``, any size
    ``>= n``; computed when not given) and ``λx`` the state's coefficients,
    ``‖û - u‖² = (‖u‖² - ‖c‖²) + ‖c - λx‖²`` (the two parts are orthogonal). The first
    difference cancels in float64, so errors below ~1e-8 relative read as ~1e-8. ``total``:
    ``‖u‖²`` from :func:`squared_norm`, when already known."""
    state = to_core(state)
    n = state.shape[-1]
    if best is None:
        best = exact_projection(measure, n, u, dt, T, w=w, norm=norm)
    lam = coefficient_scale(measure, n, norm, state.device)
    c, x = best[:n] * lam, state * lam
    if total is None:
        total = squared_norm(measure, u, dt, T, w=w)
    if total == 0:
        return 0.0 if float(torch.linalg.vector_norm(x)) == 0 else math.inf
    residual = max(total - float((c ** 2).sum()), 0.0) + float(((c - x) ** 2).sum())
    return math.sqrt(residual / total)
