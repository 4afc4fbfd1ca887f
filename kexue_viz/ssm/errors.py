"""Reconstruction error as a function of the state size N (重温SSM（一）: resolution vs memory)."""
from __future__ import annotations

import torch

from .hippo import get_measure, hippo, state_size
from .online import (as_signal, exact_projection, krylov, legs_states, relative_error, squared_norm,
                     step_matrices)


def lti_state_at(Abar: torch.Tensor, Bbar: torch.Tensor, u: torch.Tensor, k: int) -> torch.Tensor:
    """``x_k = Σ_{j<k} Ā^{k-1-j} B̄ u_j`` of an LTI recurrence from ``x_0 = 0`` (Krylov kernel,
    no full trajectory)."""
    return krylov(Abar, Bbar, k).flip(0).T @ u[:k]


def state_at(measure: str, N: int, u: torch.Tensor, dt: float, k: int, *, w=1.0, norm="su",
             method="bilinear") -> torch.Tensor:
    """The online state ``x_k`` (time ``T = kε``) of the discretised system, ``k >= 1``."""
    if get_measure(measure).time_varying:
        return legs_states(*hippo(measure, N, w=w, norm=norm), u[:k], method)[-1]
    return lti_state_at(*step_matrices(measure, N, k, dt, w=w, norm=norm, method=method), u, k)


def errors_from_states(measure: str, states: dict[int, torch.Tensor], best: torch.Tensor, u, dt: float,
                       T: float, *, w=1.0, norm="su") -> dict[str, list[float]]:
    """Relative errors at ``T`` of the given online states ``{N: x}`` and of the optimal
    projection ``best`` sliced to each N (orthonormal projections are nested: the first
    coefficients of a larger projection are the smaller projection)."""
    N_values = sorted(states)
    options = dict(w=w, norm=norm, best=best, total=squared_norm(measure, u, dt, T, w=w))
    online = [relative_error(measure, states[N], u, dt, T, **options) for N in N_values]
    optimal = [relative_error(measure, best[:state_size(measure, N)], u, dt, T, **options) for N in N_values]
    return {"N": N_values, "online": online, "optimal": optimal}


def error_vs_n(measure: str, N_values, u, dt: float, k: int, *, w=1.0, norm="su",
               method="bilinear") -> dict[str, list[float]]:
    """Relative L² reconstruction error at ``T = kε`` for each N in ``N_values``.

    Returns ``{"N": [...], "online": [...], "optimal": [...]}``: ``online`` reconstructs from the
    discretised system's state, ``optimal`` from the exact projection (Bessel's bound: the best
    any N-term expansion in this basis can do). LegS runs once at ``max(N)`` and slices, since
    its lower-triangular A makes the first N' coefficients of an N-state run the N'-state run.
    """
    u = as_signal(u)
    if not 1 <= k <= u.shape[0]:
        raise ValueError(f"time index k must be in [1, {u.shape[0]}], got {k}")
    N_values = sorted(set(int(n) for n in N_values))
    largest = N_values[-1]
    options = dict(w=w, norm=norm, method=method)
    if get_measure(measure).time_varying:
        full = state_at(measure, largest, u, dt, k, **options)
        states = {N: full[:N] for N in N_values}
    else:
        states = {N: state_at(measure, N, u, dt, k, **options) for N in N_values}
    best = exact_projection(measure, largest, u, dt, k * dt, w=w, norm=norm)
    return errors_from_states(measure, states, best, u, dt, k * dt, w=w, norm=norm)
