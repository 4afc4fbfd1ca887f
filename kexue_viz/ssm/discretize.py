"""Discretisation of HiPPO systems for a piecewise-constant input ``u(t) = u_k`` on ``[kε, (k+1)ε)``
(重温SSM（二）).

Time-invariant ``x' = Ax + Bu`` (one step ``x_{k+1} = Ā x_k + B̄ u_k``):

====================  =============================================================
``forward_euler``     ``Ā = I + εA``, ``B̄ = εB``
``backward_euler``    ``Ā = (I - εA)^{-1}``, ``B̄ = ε(I - εA)^{-1}B``
``bilinear``          ``Ā = (I - εA/2)^{-1}(I + εA/2)``, ``B̄ = ε(I - εA/2)^{-1}B``
``zoh``               ``Ā = e^{εA}``, ``B̄ = ∫_0^ε e^{sA}ds B`` (exact for piecewise-constant u)
====================  =============================================================

The first three are the post's generalised scheme ``(I - (1-α)εA)^{-1}[(I + αεA)x + εBu]``
with ``α = 1, 0, 1/2``. ZOH uses Van Loan's block exponential, so ``A`` need not be invertible.

LegS ``x' = (Ax + Bu)/t`` is time-varying; :func:`legs_step_matrices` returns one ``(Ā_k, B̄_k)``
per step. Every LegS scheme is independent of ε (timescale equivariance, post 2).
"""
from __future__ import annotations

import math

import torch

ALPHA = {"forward_euler": 1.0, "backward_euler": 0.0, "bilinear": 0.5}
LTI_METHODS = ("zoh", "bilinear", "backward_euler", "forward_euler")
LEGS_METHODS = ("zoh", "bilinear", "bilinear_s4", "backward_euler", "forward_euler")


def generalized_bilinear(A: torch.Tensor, B: torch.Tensor, dt, alpha: float):
    """Post 2's α-scheme: ``Ā = (I-(1-α)εA)^{-1}(I+αεA)``, ``B̄ = ε(I-(1-α)εA)^{-1}B``.

    ``dt`` is a float or a tensor of shape ``(L,)``, giving batched ``(L, n, n)``/``(L, n)``.
    """
    dt = torch.as_tensor(dt, dtype=A.dtype, device=A.device)
    eps = dt.reshape(*dt.shape, 1, 1)
    eye = torch.eye(A.shape[-1], dtype=A.dtype, device=A.device)
    implicit = eye - (1 - alpha) * eps * A
    explicit = eye + alpha * eps * A
    rhs = torch.cat([explicit, (eps * B[:, None]).expand(*explicit.shape[:-1], 1)], dim=-1)
    solved = torch.linalg.solve(implicit, rhs)
    return solved[..., :-1], solved[..., -1]


def matrix_exp(M: torch.Tensor) -> torch.Tensor:
    """``e^M`` (batched) accurate to float64 round-off for every norm.

    torch's scaling-and-squaring uses a low-degree Taylor branch for 1-norms in roughly
    ``[3e-4, 0.05]`` whose error (~1e-12) exceeds float64 round-off; shifting by the identity,
    ``e^M = e^{-1} e^{M + I}``, moves such matrices onto the accurate branch.
    """
    eye = torch.eye(M.shape[-1], dtype=M.dtype, device=M.device)
    return torch.linalg.matrix_exp(M + eye) * math.exp(-1.0)


def zoh(A: torch.Tensor, B: torch.Tensor, dt):
    """Exact step: ``exp(ε [[A, B], [0, 0]]) = [[e^{εA}, ∫_0^ε e^{sA} ds B], [0, 1]]`` (Van Loan)."""
    dt = torch.as_tensor(dt, dtype=A.dtype, device=A.device)
    n = A.shape[-1]
    block = torch.zeros(n + 1, n + 1, dtype=A.dtype, device=A.device)
    block[:n, :n] = A
    block[:n, n] = B
    expo = matrix_exp(dt.reshape(*dt.shape, 1, 1) * block)
    return expo[..., :n, :n], expo[..., :n, n]


def discretize(A: torch.Tensor, B: torch.Tensor, dt: float, method: str = "bilinear"):
    """``(Ā, B̄)`` of ``x' = Ax + Bu`` for step ``dt`` by ``method`` (see the module table)."""
    if not dt > 0 or not math.isfinite(dt):
        raise ValueError(f"step must be a positive finite number, got {dt}")
    if method == "zoh":
        return zoh(A, B, dt)
    if method in ALPHA:
        return generalized_bilinear(A, B, dt, ALPHA[method])
    raise ValueError(f"unknown discretisation {method!r}; choose one of {LTI_METHODS}")


def legs_step_matrices(A: torch.Tensor, B: torch.Tensor, L: int, method: str = "bilinear", start: int = 0):
    """Per-step ``(Ā_k, B̄_k)``, ``k = start..start+L-1``, shapes ``(L, n, n)`` and ``(L, n)``, for
    LegS ``x' = (Ax + Bu)/t`` with ``x_k = x(kε)`` and ``x_0 = 0``; none depends on ε.

    * ``zoh``: exact (ZOH in ``τ = ln t``): ``Ā_k = e^{δ_k A}``, ``B̄_k = A^{-1}(e^{δ_k A} - I)B``,
      ``δ_k = ln((k+1)/k)``; the first step is the exact projection of a constant,
      ``Ā_0 = 0``, ``B̄_0 = -A^{-1}B``.
    * ``bilinear`` (post 2, eq. legs-ode-bilinear): ``Ā_k = (I - A/(2(k+1)))^{-1}(I + A/(2k))``,
      ``B̄_k = (I - A/(2(k+1)))^{-1}B/k``; undefined at ``k = 0``, which takes the exact first step.
    * ``bilinear_s4`` (state-spaces/s4 ``HiPPOScale``), with ``t = k+1``:
      ``Ā = (I - A/(2t))^{-1}(I + A/(2t))``, ``B̄ = (I - A/(2t))^{-1}B/t``.
    * ``backward_euler``: ``Ā = (I - A/t)^{-1}``, ``B̄ = (I - A/t)^{-1}B/t``, ``t = k+1``.
    * ``forward_euler``: ``Ā = I + A/t``, ``B̄ = B/t``, ``t = k+1``; unstable while
      ``t < (n+1)/2`` for coefficient n.
    """
    if method not in LEGS_METHODS:
        raise ValueError(f"unknown LegS discretisation {method!r}; choose one of {LEGS_METHODS}")
    if L < 1 or start < 0:
        raise ValueError(f"need at least one step from a non-negative start, got L={L}, start={start}")
    k = torch.arange(start, start + L, dtype=A.dtype, device=A.device)
    t = k + 1
    if method in ("bilinear_s4", "backward_euler", "forward_euler"):
        return generalized_bilinear(A, B, 1 / t, {"bilinear_s4": 0.5, "backward_euler": 0.0, "forward_euler": 1.0}[method])
    Abar = torch.zeros(L, *A.shape, dtype=A.dtype, device=A.device)
    Bbar = torch.empty(L, A.shape[0], dtype=A.dtype, device=A.device)
    later = k[k > 0]
    if start == 0:
        Bbar[0] = -torch.linalg.solve_triangular(A, B[:, None], upper=False)[:, 0]
    if later.numel() == 0:
        return Abar, Bbar
    rest = slice(L - later.numel(), L)
    if method == "zoh":
        Abar[rest], Bbar[rest] = zoh(A, B, torch.log((later + 1) / later))
    else:
        eye = torch.eye(A.shape[0], dtype=A.dtype, device=A.device)
        implicit = eye - A / (2 * (later + 1)).reshape(-1, 1, 1)
        explicit = eye + A / (2 * later).reshape(-1, 1, 1)
        rhs = torch.cat([explicit, (B / later.reshape(-1, 1)).unsqueeze(-1)], dim=-1)
        solved = torch.linalg.solve_triangular(implicit, rhs, upper=False)
        Abar[rest], Bbar[rest] = solved[..., :-1], solved[..., -1]
    return Abar, Bbar
