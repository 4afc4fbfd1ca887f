"""The S4 convolution kernel ``K̄_k = C̄* Ā^k B̄`` (k < L) by every route of 重温SSM（三）/（四）.

System: ``x' = Ax + Bu``, ``y = C* x`` (D dropped), bilinear step ``ε``:
``Ā = (I - εA/2)^{-1}(I + εA/2)``, ``B̄ = ε(I - εA/2)^{-1}B``, ``C̄ = C``; ``x_0 = 0``,
``x_{k+1} = Āx_k + B̄u_k``, ``y_{k+1} = C̄* x_{k+1} = Σ_{j<=k} K̄_{k-j} u_j`` (the posts write
``u_{L-k}`` where ``u_{L-1-k}`` is meant).

Every route is ``kernel_<route>(ssm, L) -> K̄`` (float64 tensor of shape ``(L,)``):

================  ====================================================================  ==========
``powers``        loop ``x <- Āx`` from ``B̄``, ``K̄_k = C̄·x`` (the reference)              O(N²L)
``krylov``        ``[Ā^k B̄]_{k<L}`` by doubling (log₂ L dense products), then ``·C̄``       O(N²L)
``generating``    ``G_L(z_l) = C̃*(I - z_lĀ)^{-1}B̄`` at ``z_l = e^{-2πil/L}``, dense solves,  O(N³L)
                  ``C̃* = C̄*(I - Ā^L)``; ``K̄ = IDFT(G_L)``
``cauchy``        same nodes, ``A = V(Λ - PP*)V*`` (DPLR), Woodbury, Cauchy sums (cauchy.py)  O(NL)
``diagonal``      ``A = WΛW^{-1}`` by ``eig`` then a Vandermonde sum: exact in exact       O(NL)
                  arithmetic, wrecked by the eigenvector conditioning for LegS (post 3)
``rtf``           ``(a, b)`` of the rational ``G_L = b(z)/a(z)`` (``rtf.py``), then          O(L log L)
                  ``IDFT(DFT b̄ / DFT ā)``
================  ====================================================================  ==========

Only the ``cauchy`` route needs ``ssm.P`` (the low-rank correction of ``A``, ``dplr.py``).
Real ``A, B, C`` give ``G(z̄) = conj G(z)``, so the frequency routes evaluate ``l <= L/2`` and
invert with ``irfft``.
"""
from __future__ import annotations

import math
import statistics
import time
from dataclasses import dataclass, field
from typing import Callable

import torch

from ..device import COMPLEX, REAL, get_device
from .cauchy import kernel_from_dplr, unit_roots
from .discretize import generalized_bilinear
from .dplr import DPLR, normal_plus_low_rank, rank_correction
from .hippo import hippo, state_size
from .online import causal_conv, krylov
from .rtf import rtf_coefficients, rtf_kernel

MAX_CONDITION = 1e8


@dataclass(frozen=True)
class SSM:
    """A single-input single-output S4 system: continuous ``A`` (n, n), ``B`` (n,), readout ``C``
    (n,), bilinear step ``step``; optional ``P`` (n, r) with ``A + PPᵀ`` normal (for ``cauchy``)."""

    A: torch.Tensor
    B: torch.Tensor
    C: torch.Tensor
    step: float
    P: torch.Tensor | None = None
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self):
        if not (math.isfinite(self.step) and self.step > 0):
            raise ValueError(f"step must be a positive finite number, got {self.step}")

    @property
    def N(self) -> int:
        return self.A.shape[0]

    def discrete(self) -> tuple[torch.Tensor, torch.Tensor]:
        """``(Ā, B̄)`` of the bilinear scheme (cached on the instance)."""
        if "discrete" not in self._cache:
            self._cache["discrete"] = generalized_bilinear(self.A, self.B, self.step, 0.5)
        return self._cache["discrete"]

    def to(self, device) -> "SSM":
        """The same system with its tensors on ``device``."""
        move = (lambda t: None if t is None else t.to(device))
        return SSM(move(self.A), move(self.B), move(self.C), self.step, move(self.P))

    def dplr(self) -> DPLR:
        """DPLR form of ``A`` from ``P`` (cached)."""
        if self.P is None:
            raise ValueError("the Cauchy route needs the low-rank correction P of A (see hippo_ssm)")
        if "dplr" not in self._cache:
            self._cache["dplr"] = normal_plus_low_rank(self.A, self.P)
        return self._cache["dplr"]


def readout(kind: str, n: int, seed: int = 0, device=None) -> torch.Tensor:
    """A readout ``C``: ``ones``, ``random`` (standard normal, seeded) or ``e0`` (first coefficient)."""
    device = device or get_device()
    if kind == "ones":
        return torch.ones(n, dtype=REAL, device=device)
    if kind == "e0":
        return torch.nn.functional.one_hot(torch.tensor(0), n).to(REAL).to(device)
    if kind == "random":
        generator = torch.Generator().manual_seed(seed)
        return torch.randn(n, dtype=REAL, generator=generator).to(device)
    raise ValueError(f"unknown readout {kind!r}; choose ones, random or e0")


def hippo_ssm(measure: str, N: int, step: float, C: str | torch.Tensor = "ones", *, w: float = 1.0,
              norm: str = "paper", seed: int = 0) -> SSM:
    """The S4 system of a HiPPO measure used time-invariantly (S4 takes LegS with ``B`` in paper
    normalisation): ``A, B = hippo(measure, N, w, norm)``, ``C`` a tensor or a :func:`readout` kind,
    ``P`` its :func:`~kexue_viz.ssm.dplr.rank_correction` (``norm`` ``su`` or ``paper``, which share A)."""
    A, B = hippo(measure, N, w=w, norm=norm)
    n = state_size(measure, N)
    C = readout(C, n, seed, A.device) if isinstance(C, str) else C.to(device=A.device, dtype=REAL)
    P = rank_correction(measure, N, w, A.device) if norm in ("su", "paper") else None
    return SSM(A, B, C, float(step), P)


def _check_length(L: int) -> None:
    if not 1 <= L <= 2 ** 22:
        raise ValueError(f"kernel length L must be in [1, 2^22], got {L}")


def kernel_powers(ssm: SSM, L: int) -> torch.Tensor:
    """Reference: ``K̄_k = C̄·(Ā^k B̄)`` by ``L`` sequential mat-vecs (a Python loop over k)."""
    _check_length(L)
    Abar, x = ssm.discrete()
    out = torch.empty(L, dtype=REAL, device=x.device)
    for k in range(L):
        out[k] = ssm.C @ x
        x = Abar @ x
    return out


def kernel_krylov(ssm: SSM, L: int) -> torch.Tensor:
    """``K̄ = [Ā^k B̄]_{k<L} C̄`` with the Krylov block built by doubling (:func:`online.krylov`)."""
    _check_length(L)
    Abar, Bbar = ssm.discrete()
    return krylov(Abar, Bbar, L) @ ssm.C


def truncation_factor(ssm: SSM, L: int) -> torch.Tensor:
    """``I - Ā^L`` (``Ā^L`` by repeated squaring)."""
    Abar, _ = ssm.discrete()
    return torch.eye(ssm.N, dtype=REAL, device=Abar.device) - torch.linalg.matrix_power(Abar, L)


def c_tilde(ssm: SSM, L: int) -> torch.Tensor:
    """``C̃ = (I - Ā^L)ᵀ C̄``, so that ``C̃*(I - zĀ)^{-1}B̄`` is the truncated ``G_L`` at ``z^L = 1``."""
    return truncation_factor(ssm, L).T @ ssm.C


def recover_c(Abar: torch.Tensor, Ctilde: torch.Tensor, L: int, max_condition: float = MAX_CONDITION):
    """``C̄`` from a trained ``C̃`` by solving ``(I - Ā^L)ᵀ C̄ = C̃``; returns ``(C̄, cond)``.

    ``I - Ā^L`` is ill-conditioned when ``Ā^L`` keeps an eigenvalue near 1 (``εL·min|Re λ|``
    small: memory longer than the training length). Raises ``ValueError`` naming the 2-norm
    condition number when it exceeds ``max_condition`` instead of returning a meaningless ``C̄``."""
    eye = torch.eye(Abar.shape[0], dtype=Abar.dtype, device=Abar.device)
    factor = eye - torch.linalg.matrix_power(Abar, L)
    cond = float(torch.linalg.cond(factor))
    if not cond <= max_condition:
        raise ValueError(f"I - Ā^L is ill-conditioned (cond = {cond:.2e} > {max_condition:.0e}): "
                         f"C̄ cannot be recovered from C̃; use a longer L or a larger step")
    return torch.linalg.solve(factor.T, Ctilde), cond


def kernel_generating(ssm: SSM, L: int) -> torch.Tensor:
    """``K̄ = IDFT(G_L(z_l))`` with ``G_L(z) = C̃*(I - zĀ)^{-1}B̄`` by one dense solve per node."""
    _check_length(L)
    Abar, Bbar = ssm.discrete()
    z = unit_roots(L, Abar.device)
    eye = torch.eye(ssm.N, dtype=COMPLEX, device=Abar.device)
    systems = eye - z[:, None, None] * Abar.to(COMPLEX)
    resolvent = torch.linalg.solve(systems, Bbar.to(COMPLEX).expand(z.shape[0], -1))
    return torch.fft.irfft(resolvent @ c_tilde(ssm, L).to(COMPLEX), n=L)


def kernel_cauchy(ssm: SSM, L: int, dtype=COMPLEX) -> torch.Tensor:
    """S4's route: ``G_L`` at the roots of unity from the DPLR form (``dplr_generating_function``,
    O(NL) Cauchy sums), then ``irfft``. ``dtype`` ``complex64`` runs the sums in single precision
    (the z = -1 node needs no special case); the result is returned as float64."""
    _check_length(L)
    return kernel_from_dplr(ssm.dplr(), ssm.B, c_tilde(ssm, L), ssm.step, L, dtype)


def kernel_diagonal(ssm: SSM, L: int, max_condition: float = 1e10) -> torch.Tensor:
    """Diagonalise ``A = WΛW^{-1}`` numerically (``eig``), then ``K̄_k = Σ_i (Cᵀ W)_i (W^{-1}B̄)_i λ̄_i^k``
    with ``λ̄ = (1 + ελ/2)/(1 - ελ/2)`` (a Vandermonde product). Exact in exact arithmetic, but the
    error grows like ``cond(W)·eps``: for LegS ``cond(W)`` explodes with N (post 3: why S4 does not
    diagonalise). Raises ``ValueError`` when ``cond(W) > max_condition`` (pass ``math.inf`` to see
    the wrong kernel anyway)."""
    _check_length(L)
    _, Bbar = ssm.discrete()
    lam, W = torch.linalg.eig(ssm.A)
    cond = float(torch.linalg.cond(W))
    if not cond <= max_condition:
        raise ValueError(f"A is not safely diagonalisable in float64: cond(eigenvectors) = {cond:.1e} "
                         f"> {max_condition:.0e}")
    lam_bar = (1 + ssm.step * lam / 2) / (1 - ssm.step * lam / 2)
    weights = (ssm.C.to(COMPLEX) @ W) * torch.linalg.solve(W, Bbar.to(COMPLEX))
    return vandermonde_kernel(lam_bar, weights, L)


def vandermonde_kernel(lam_bar: torch.Tensor, weights: torch.Tensor, L: int) -> torch.Tensor:
    """``K̄_k = Re Σ_i w_i λ̄_i^k`` (k < L) for a diagonal system (S4D's parameters): the
    Vandermonde matrix ``λ̄_i^k = exp(k log λ̄_i)`` times the weights, O(NL)."""
    k = torch.arange(L, dtype=REAL, device=lam_bar.device)
    return (torch.exp(k[:, None] * torch.log(lam_bar)[None, :]) @ weights).real


def kernel_rtf_route(ssm: SSM, L: int) -> torch.Tensor:
    """Post 4's route: ``(a, b)`` of ``G_L = C̃*(I - zĀ)^{-1}B̄`` then ``IDFT(DFT b̄ / DFT ā)``."""
    Abar, Bbar = ssm.discrete()
    a, b = rtf_coefficients(Abar, Bbar, c_tilde(ssm, L))
    return rtf_kernel(a, b, L)


ROUTES = {
    "powers": kernel_powers,
    "krylov": kernel_krylov,
    "generating": kernel_generating,
    "cauchy": kernel_cauchy,
    "diagonal": kernel_diagonal,
    "rtf": kernel_rtf_route,
}


def kernel(ssm: SSM, L: int, route: str = "krylov") -> torch.Tensor:
    """``K̄_{<L}`` by ``route`` (one of :data:`ROUTES`)."""
    try:
        compute = ROUTES[route]
    except KeyError:
        raise ValueError(f"unknown kernel route {route!r}; choose one of {sorted(ROUTES)}") from None
    return compute(ssm, L)


def parametrised_routes(ssm: SSM, L: int, ab: tuple[torch.Tensor, torch.Tensor] | None = None,
                        routes=("powers", "krylov", "generating", "cauchy", "cauchy64", "diagonal", "rtf"),
                        ) -> dict[str, Callable[[], torch.Tensor]]:
    """Each route as a zero-argument callable that computes ``K̄_{<L}`` from the parameters a model
    of that kind holds; the set-up (discretisation; DPLR form and ``C̃`` for S4; ``(λ̄, w)`` for a
    diagonal SSM; ``(a, b)`` for RTF — ``ab`` when given, else converted from ``ssm``) happens here,
    outside any timing. ``cauchy64`` is the Cauchy route in complex64; ``diagonal`` times the
    Vandermonde product of :func:`diagonal_part` (S4D's diagonal system, not LegS's kernel: LegS
    itself cannot be diagonalised in float64, see :func:`kernel_diagonal`)."""
    ssm.discrete()  # the dense routes start from (Ā, B̄), cached on the instance
    makers = {
        "powers": lambda: (lambda: kernel_powers(ssm, L)),
        "krylov": lambda: (lambda: kernel_krylov(ssm, L)),
        "generating": lambda: (lambda: kernel_generating(ssm, L)),
        "cauchy": lambda: _dplr_callable(ssm, L, COMPLEX),
        "cauchy64": lambda: _dplr_callable(ssm, L, torch.complex64),
        "diagonal": lambda: _diagonal_callable(ssm, L),
        "rtf": lambda: _rtf_callable(ssm, L, ab),
    }
    unknown = set(routes) - set(makers)
    if unknown:
        raise ValueError(f"unknown routes {sorted(unknown)}; choose from {sorted(makers)}")
    return {name: makers[name]() for name in routes}


def _dplr_callable(ssm: SSM, L: int, dtype):
    dplr, Ct = ssm.dplr(), c_tilde(ssm, L)
    return lambda: kernel_from_dplr(dplr, ssm.B, Ct, ssm.step, L, dtype)


def diagonal_part(ssm: SSM) -> tuple[torch.Tensor, torch.Tensor]:
    """``(λ̄, w)`` of the diagonal SSM left when the low-rank term is dropped from the DPLR form
    (S4D's initialisation, ``A ≈ V diag(Λ) V*``): bilinear ``λ̄ = (1 + εΛ/2)/(1 - εΛ/2)``,
    ``w = conj(V*C) ⊙ ε(V*B)/(1 - εΛ/2)``. A different (but well-conditioned) kernel of the same
    size, whose Vandermonde product times the diagonal route."""
    dplr = ssm.dplr()
    half = 1 - ssm.step * dplr.Lambda / 2
    lam_bar = (1 + ssm.step * dplr.Lambda / 2) / half
    return lam_bar, dplr.rotate(ssm.C).conj() * ssm.step * dplr.rotate(ssm.B) / half


def _diagonal_callable(ssm: SSM, L: int):
    lam_bar, weights = diagonal_part(ssm)
    return lambda: vandermonde_kernel(lam_bar, weights, L)


def _rtf_callable(ssm: SSM, L: int, ab):
    a, b = ab if ab is not None else rtf_coefficients(*ssm.discrete(), c_tilde(ssm, L))
    return lambda: rtf_kernel(a, b, L)


def time_routes(callables: dict[str, Callable[[], torch.Tensor]], repeats: int = 5) -> dict[str, float]:
    """Median wall time in seconds of each callable over ``repeats`` runs, taken round-robin (after
    one warm-up run each) so that load changes hit every route alike. CPU timing; on CUDA the
    callers synchronise (``benchmarks/_common.time_call``)."""
    for fn in callables.values():
        fn()
    seconds = {name: [] for name in callables}
    for _ in range(repeats):
        for name, fn in callables.items():
            start = time.perf_counter()
            fn()
            seconds[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in seconds.items()}


def fft_conv(kernel_values: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
    """Causal convolution ``y_k = Σ_{j<=k} K̄_{k-j} u_j`` (k < L) by rFFT zero-padded to 2L (without
    the padding the product is circular: ``[1,2,3]*[4,5,6]`` gives ``[31,31,28]``, not ``[4,13,28]``)."""
    if kernel_values.shape != u.shape or u.dim() != 1:
        raise ValueError(f"kernel and input must be 1-D of equal length, got {tuple(kernel_values.shape)}, "
                         f"{tuple(u.shape)}")
    return causal_conv(kernel_values[:, None], u)[:, 0]


def ssm_output(ssm: SSM, u: torch.Tensor, route: str = "krylov") -> torch.Tensor:
    """``y_1..y_L`` of the recurrence for input ``u_0..u_{L-1}`` as ``K̄ * u`` (FFT convolution)."""
    return fft_conv(kernel(ssm, u.shape[0], route), u)
