"""Eigen-structure of the HiPPO matrices behind S4's kernel (重温SSM（三）).

Why S4 does not diagonalise LegS, and what it does instead:

* The eigenvector of ``-A`` (LegS, Su normalisation) for the eigenvalue ``λ ∈ {1..N}``, with
  ``S_n = Σ_{k<=n} r_k v_k``, ``r_n = sqrt(2n+1)`` and ``S_{N-1} = 1``, is
  ``S_n = (-1)^{N-n-1} (N-λ)! (n+λ)! / ((N+λ-1)! (n-λ+1)!)`` for ``n >= λ-1`` and ``S_n = 0``
  for ``n <= λ-2``; hence ``v_n = (S_n - S_{n-1})/r_n = S_n r_n/(λ+n)``. At ``n = λ = N/3``,
  ``|S| = ((2N/3)!)² / (4N/3 - 1)! ~ (4/3) sqrt(2π/3) N^{3/2} 2^{-4N/3}``: the eigenvector matrix
  spans exponentially many orders of magnitude (the post's ``O(sqrt(N) 2^{-4N/3})`` has the right
  rate but the prefactor is ``N^{3/2}``).
* Normal plus low rank: for each measure a low-rank ``P`` (``N × r``, r = 1 or 2) makes
  ``A + PPᵀ`` normal, namely ``c I + S`` with ``S`` skew-symmetric (LegS: ``P = r/sqrt2``,
  ``c = -1/2``, the post's ``A + vvᵀ/2 + I/2``). A unitary ``V`` diagonalises ``S`` stably
  (``eigh`` of the Hermitian ``-iS``), so ``A = V (diag Λ - P̃ P̃*) V*`` with ``Λ = c + iω`` and
  ``P̃ = V* P``: the DPLR form.

The low-rank corrections are those of state-spaces/s4 ``rank_correction`` re-derived for this
package's Su normalisation and window ``w``; ``paper`` normalisation leaves ``A`` unchanged.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from ..device import COMPLEX, REAL, get_device
from .bases import fourier_real_at_zero
from .hippo import get_measure, hippo, state_size

SKEW_TOLERANCE = 1e-12
DPLR_NORMS = ("su", "paper")


def rank_correction(measure: str, N: int, w: float = 1.0, device=None) -> torch.Tensor:
    """``P`` (``n × r``, float64) such that ``A + PPᵀ`` is a multiple of ``I`` plus a skew matrix.

    * ``legs``: ``P = r/sqrt2`` (``A + PPᵀ = S - I/2``);
    * ``legt``: ``P = [r·1_even, r·1_odd]/sqrt(w)`` (rank 2; ``A + PPᵀ`` skew);
    * ``lagt``: ``P = 1/sqrt2``; ``fout``: ``P = sqrt(2/w) g(0)``; ``fout_post``: ``P = g(0)/sqrt(w)``.
    """
    get_measure(measure)
    device = device or get_device()
    size = state_size(measure, N)
    r = torch.sqrt(2 * torch.arange(size, dtype=REAL, device=device) + 1)
    if measure == "legs":
        return (r / math.sqrt(2.0))[:, None]
    if measure == "legt":
        even = (torch.arange(size, device=device) % 2 == 0).to(REAL)
        return torch.stack([r * even, r * (1 - even)], dim=1) / math.sqrt(w)
    if measure == "lagt":
        return torch.full((size, 1), 1 / math.sqrt(2.0), dtype=REAL, device=device)
    weight = 2.0 if measure == "fout" else 1.0
    return (fourier_real_at_zero(size, device=device) * math.sqrt(weight / w))[:, None]


@dataclass(frozen=True)
class DPLR:
    """``A = V (diag Λ - P P*) V*``: ``Lambda`` (n,) complex, ``P`` (n, r) complex (already rotated,
    ``V* P_original``), ``V`` (n, n) unitary."""

    Lambda: torch.Tensor
    P: torch.Tensor
    V: torch.Tensor

    def matrix(self) -> torch.Tensor:
        """The represented ``A`` (complex; real up to round-off for a real input)."""
        core = torch.diag(self.Lambda) - self.P @ self.P.conj().T
        return self.V @ core @ self.V.conj().T

    def rotate(self, x: torch.Tensor) -> torch.Tensor:
        """``V* x`` for a vector (or the columns of a matrix) in the original coordinates."""
        return self.V.conj().T @ x.to(COMPLEX)


def skew_part(A: torch.Tensor, P: torch.Tensor) -> tuple[float, torch.Tensor]:
    """``(c, S)`` with ``A + PPᵀ = c I + S``, ``c = tr(A + PPᵀ)/n`` and ``S`` skew-symmetric.

    Raises ``ValueError`` when ``S`` is not skew to ``SKEW_TOLERANCE`` (relative), i.e. when ``P``
    is not a normal-plus-low-rank correction of ``A``."""
    M = A + P @ P.T
    shift = float(torch.trace(M)) / M.shape[0]
    S = M - shift * torch.eye(M.shape[0], dtype=M.dtype, device=M.device)
    asymmetry = float(torch.linalg.matrix_norm(S + S.T)) / max(1.0, float(torch.linalg.matrix_norm(S)))
    if asymmetry > SKEW_TOLERANCE:
        raise ValueError(f"A + PPᵀ - cI is not skew-symmetric (relative ‖S + Sᵀ‖ = {asymmetry:.1e})")
    return shift, S


def normal_plus_low_rank(A: torch.Tensor, P: torch.Tensor) -> DPLR:
    """DPLR form of a real ``A`` given its low-rank correction ``P``: ``A + PPᵀ = cI + S``,
    ``S = V diag(iω) V*`` from ``eigh(-iS)`` (Hermitian, so ``V`` is unitary to round-off),
    ``Λ = c + iω``, rotated ``P̃ = V* P``."""
    shift, S = skew_part(A, P)
    omega, V = torch.linalg.eigh(-1j * S.to(COMPLEX))
    return DPLR(Lambda=shift + 1j * omega.to(COMPLEX), P=V.conj().T @ P.to(COMPLEX), V=V)


def hippo_dplr(measure: str, N: int, *, w: float = 1.0, norm: str = "paper") -> DPLR:
    """DPLR form of ``hippo(measure, N, w=w, norm=norm).A`` (``norm`` ``su`` or ``paper``, which
    share ``A``; the ``integer`` form is a non-orthogonal similarity of it, so its ``A + PPᵀ`` is
    not normal: use ``su`` and fold the scale into ``B`` and ``C``)."""
    if norm not in DPLR_NORMS:
        raise ValueError(f"the DPLR form needs normalisation {DPLR_NORMS}, got {norm!r}")
    A, _ = hippo(measure, N, w=w, norm=norm)
    return normal_plus_low_rank(A, rank_correction(measure, N, w, A.device))


def _log_factorial(x: torch.Tensor) -> torch.Tensor:
    return torch.lgamma(x + 1)


def legs_partial_sums(N: int, lam: int, device=None) -> torch.Tensor:
    """``S_n`` (n = 0..N-1, float64) of the eigenvector of ``-A`` (LegS) for eigenvalue ``lam``,
    normalised by ``S_{N-1} = 1``, from the factorial closed form (in log space, so no overflow)."""
    if not 1 <= lam <= N:
        raise ValueError(f"the eigenvalues of -A are 1..{N}, got {lam}")
    n = torch.arange(N, dtype=REAL, device=device or get_device())
    valid = n >= lam - 1
    m = torch.where(valid, n, torch.full_like(n, lam - 1.0))
    log_size = (_log_factorial(torch.tensor(N - lam, dtype=REAL)) + _log_factorial(m + lam)
                - _log_factorial(torch.tensor(N + lam - 1, dtype=REAL)) - _log_factorial(m - lam + 1))
    sign = 1.0 - 2.0 * ((N - n - 1) % 2)
    return torch.where(valid, sign * torch.exp(log_size.to(n.device)), torch.zeros_like(n))


def legs_eigenvectors(N: int, device=None) -> torch.Tensor:
    """Closed-form eigenvectors of LegS ``A`` (Su normalisation), columns for eigenvalues
    ``-1, -2, .., -N``: ``v_n = S_n r_n / (λ + n)`` (zero above the diagonal block), each scaled
    to unit 2-norm. Entries below ~1e-308 underflow to zero (N beyond ~700)."""
    device = device or get_device()
    n = torch.arange(N, dtype=REAL, device=device)
    r = torch.sqrt(2 * n + 1)
    columns = [legs_partial_sums(N, lam, device) * r / (lam + n) for lam in range(1, N + 1)]
    V = torch.stack(columns, dim=1)
    return V / torch.linalg.vector_norm(V, dim=0, keepdim=True)


def legs_s_third(N: int) -> float:
    """``|S_n|`` at ``n = λ = round(N/3)`` (exact up to float64 round-off; ``N >= 3``):
    ``(N-λ)! (2λ)! / ((N+λ-1)! 1!)`` — ``((2N/3)!)²/(4N/3-1)!`` when ``3 | N``."""
    lam = max(1, round(N / 3))
    return abs(float(legs_partial_sums(N, lam, torch.device("cpu"))[lam]))


def legs_s_third_asymptotic(N: float) -> float:
    """Stirling: ``|S_{N/3}| ~ (4/3) sqrt(2π/3) N^{3/2} 2^{-4N/3}`` (the post writes ``sqrt(N)``)."""
    return (4 / 3) * math.sqrt(2 * math.pi / 3) * N ** 1.5 * 2.0 ** (-4 * N / 3)


def eigenvector_condition(N: int) -> float:
    """2-norm condition number of the (closed-form, unit-column) eigenvector matrix of LegS,
    computed in float64: it grows exponentially and saturates near ``1/eps`` ≈ 1e16-1e18."""
    return float(torch.linalg.cond(legs_eigenvectors(N, torch.device("cpu"))))
