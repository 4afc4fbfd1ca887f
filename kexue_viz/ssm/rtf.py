"""Rational transfer functions (RTF, 重温SSM（四）; the post's intro calls it "RFT").

The truncated generating function of a discretised SSM is rational in ``z``:

``G_L(z) = C̃*(I - zĀ)^{-1}B̄ = (b_1 + b_2 z + .. + b_N z^{N-1}) / (1 + a_1 z + .. + a_N z^N)``,

with ``λ^N + a_1 λ^{N-1} + .. + a_N = det(λI - Ā)`` and ``b_1 λ^{N-1} + .. + b_N =
det(λI - Ā + B̄C̃*) - det(λI - Ā)`` (from ``det(I + UV) = det(I + VU)``, ``λ = 1/z``). At the L-th
roots of unity the numerator and denominator are DFTs of the zero-padded coefficient vectors, so
``K̄_{<L} = IDFT(DFT(b_1..b_N, 0..) / DFT(1, a_1..a_N, 0..))``: O(L log L) for any ``N < L``.

The inverse map is the companion realisation: ``Ā`` with first row ``-a`` and ones on the
subdiagonal, ``B̄ = e_1``, ``C̃ = b`` (scipy ``tf2ss([0, *b], [1, *a])``); its recurrence costs O(N)
per step and, with ``a = 0``, is a shift register of the last N inputs (RTF's zero init).
"""
from __future__ import annotations

import math

import torch

from ..device import COMPLEX, REAL


def _roots_of_unity(M: int, device) -> torch.Tensor:
    m = torch.arange(M, dtype=REAL, device=device)
    return torch.polar(torch.ones_like(m), -2 * math.pi * m / M).to(COMPLEX)


def rtf_coefficients(Abar: torch.Tensor, Bbar: torch.Tensor, Ctilde: torch.Tensor):
    """``(a, b)`` (float64, each ``(N,)``) of ``G_L(z) = C̃*(I - zĀ)^{-1}B̄ = b(z)/a(z)``.

    Both polynomials are sampled at the ``N+1`` roots of unity ``z_m`` — ``a(z_m) = det(I - z_mĀ)``,
    ``b(z_m) = a(z_m) G_L(z_m)`` from one batched LU each — and interpolated by an inverse FFT
    (exact for degree <= N and well conditioned on the unit circle), equal to the characteristic
    polynomials of the post (``np.poly(Ā)``, ``np.poly(Ā - B̄C̃*)``) without computing eigenvalues."""
    N = Abar.shape[0]
    z = _roots_of_unity(N + 1, Abar.device)
    systems = torch.eye(N, dtype=COMPLEX, device=Abar.device) - z[:, None, None] * Abar.to(COMPLEX)
    denominator = torch.linalg.det(systems)
    resolvent = torch.linalg.solve(systems, Bbar.to(COMPLEX).expand(N + 1, -1))
    numerator = denominator * (resolvent @ Ctilde.to(COMPLEX))
    a = torch.fft.ifft(denominator).real
    b = torch.fft.ifft(numerator).real
    return a[1:] / a[0], b[:N] / a[0]


def rtf_kernel(a: torch.Tensor, b: torch.Tensor, L: int, delay: int = 0, h0: float = 0.0) -> torch.Tensor:
    """``K̄_{<L} = irfft(rfft(b̄, L) / rfft(ā, L))`` with ``ā = (1, a_1..a_N, 0..)``, ``b̄ = (b_1..b_N, 0..)``.

    ``a``, ``b``: ``(..., N)`` real with ``N < L``. It is the impulse response of ``b(z)/a(z)``
    folded modulo L: ``K̄_k = Σ_m h_{k+mL}``. ``delay = 1`` is the RTF code's convention, the
    kernel of ``h0 + z b(z)/a(z)``, i.e. ``(h0, K̄_0, K̄_1, ..)`` (numerator ``h0·ā + (0, b)``).
    Raises ``ValueError`` when ``a`` vanishes at a root of unity (``Ā^L`` has an eigenvalue 1)."""
    N = a.shape[-1]
    if b.shape[-1] != N or delay not in (0, 1) or not N + 1 <= L:
        raise ValueError(f"need a, b of equal size N < L and delay 0 or 1; got N={N}, len(b)={b.shape[-1]}, "
                         f"L={L}, delay={delay}")
    a_bar = torch.cat([torch.ones_like(a[..., :1]), a], dim=-1)
    b_bar = b if delay == 0 else h0 * a_bar + torch.cat([torch.zeros_like(b[..., :1]), b], dim=-1)
    denominator = torch.fft.rfft(a_bar, n=L)
    if bool((denominator == 0).any()):
        raise ValueError("a(z) is zero at a root of unity to float64 precision (Ā^L has the eigenvalue 1, "
                         "or cancellation in a's coefficients ate every digit): G_L is undefined")
    return torch.fft.irfft(torch.fft.rfft(b_bar, n=L) / denominator, n=L)


def companion(a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Companion realisation ``(Ā, B̄, C̃)`` of ``b(z)/a(z)``: ``Ā`` first row ``-a``, subdiagonal
    ones; ``B̄ = e_1``; ``C̃ = b``. ``det(λI - Ā) = λ^N + a_1λ^{N-1} + .. + a_N``."""
    N = a.shape[0]
    Abar = torch.diag(torch.ones(N - 1, dtype=a.dtype, device=a.device), -1)
    Abar[0] = -a
    Bbar = torch.zeros(N, dtype=a.dtype, device=a.device)
    Bbar[0] = 1.0
    return Abar, Bbar, b.clone()


def companion_states(a: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
    """States ``x_0..x_L`` ``(L+1, N)`` of the companion recurrence from ``x_0 = 0`` in O(N) per step:
    ``x_{k+1} = (u_k - ⟨a, x_k⟩, x_{k,0}, .., x_{k,N-2})``. Every state is a window of the all-pole
    sequence ``w_k = u_k - Σ_i a_i w_{k-i}`` (``x_{k+1} = (w_k, .., w_{k-N+1})``), so only ``w`` is
    computed; the loop over k is the recurrence itself (inherently sequential)."""
    N, L = a.shape[0], u.shape[0]
    w = torch.zeros(N + L, dtype=u.dtype, device=u.device)  # w[N + k] = w_k; w[:N] = 0 (x_0 = 0)
    taps = torch.flip(a, [0])
    for k in range(L):
        w[N + k] = u[k] - taps @ w[k:N + k]
    windows = w.unfold(0, N, 1)  # windows[j] = (w_{j-N} .. w_{j-1})
    return torch.flip(windows, [1])


def rtf_condition(a: torch.Tensor, L: int) -> float:
    """``max_l Σ|ā_i| / |a(z_l)|`` over the L-th roots of unity: the factor by which rounding of
    the coefficients (``eps·Σ|ā_i|`` per value) is amplified in ``DFT(ā)`` and hence in K̄. It is
    large when ``Ā`` has many eigenvalues near 1 (HiPPO with small step): the kernel from
    ``(a, b)`` then loses about ``log10`` of it in digits, whatever way ``(a, b)`` is computed."""
    a_bar = torch.cat([torch.ones_like(a[..., :1]), a], dim=-1)
    return float(a_bar.abs().sum() / torch.fft.rfft(a_bar, n=L).abs().min())


def stability_sum(a: torch.Tensor) -> torch.Tensor:
    """``Σ|a_i|`` (over the last axis): below 1 it guarantees every root of
    ``λ^N + a_1λ^{N-1} + .. + a_N`` lies strictly inside the unit disc (post 4's theorem)."""
    return a.abs().sum(dim=-1)


def rtf_poles(a: torch.Tensor) -> torch.Tensor:
    """Roots of ``λ^N + a_1λ^{N-1} + .. + a_N`` (the poles of ``b(z)/a(z)`` in ``λ = 1/z``), as the
    eigenvalues of the companion matrix; ``a`` may be batched ``(..., N)``."""
    N = a.shape[-1]
    Abar = torch.diag(torch.ones(N - 1, dtype=a.dtype, device=a.device), -1).expand(*a.shape[:-1], N, N).clone()
    Abar[..., 0, :] = -a
    return torch.linalg.eigvals(Abar)
