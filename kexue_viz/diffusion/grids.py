"""Time grids for the fixed-step solvers (brief §2.9): uniform in ``t``, uniform in ``log σ_t``,
and Karras et al.'s ``σ_i = (σ_max^{1/ρ} + i/(n−1)·(σ_min^{1/ρ} − σ_max^{1/ρ}))^ρ`` (k-diffusion
``get_sigmas_karras``). Each runs ``T = t_0 > … > t_{n−1} = t_min`` and appends ``t_n = 0``: the
last step is the exact jump ``x ← x̂_0`` (the field is never evaluated at σ = 0). Uniform-t grids
make Heun and RK4 unstable near σ → 0 (step ≫ σ); use log or Karras for VE and PFGM.
"""
from __future__ import annotations

import torch

from .constructions import Construction

GRIDS = ("uniform", "log", "karras")


def sigma_grid(sigma_max: float, sigma_min: float, n: int, kind: str, rho: float = 7.0) -> torch.Tensor:
    """``n`` noise levels from ``sigma_max`` down to ``sigma_min`` (float64)."""
    ramp = torch.linspace(0, 1, n, dtype=torch.float64)
    if kind == "log":
        return torch.exp(torch.log(torch.tensor(sigma_max, dtype=torch.float64)) * (1 - ramp)
                         + torch.log(torch.tensor(sigma_min, dtype=torch.float64)) * ramp)
    if kind == "karras":
        hi, lo = sigma_max ** (1 / rho), sigma_min ** (1 / rho)
        return (hi + ramp * (lo - hi)) ** rho
    raise ValueError(f"unknown grid {kind!r}; choose one of {', '.join(GRIDS)}")


def time_grid(construction: Construction, n_steps: int, kind: str = "karras", t_min: float = 1e-3,
              rho: float = 7.0) -> torch.Tensor:
    """Times ``t_0 = T > … > t_{n−1} = t_min > t_n = 0`` (``n_steps + 1`` values, float64)."""
    if n_steps < 1:
        raise ValueError("at least one step is needed")
    T = construction.T
    if not 0 < t_min < T:
        raise ValueError(f"t_min must lie in (0, T = {T:g})")
    if n_steps == 1:
        times = torch.tensor([T], dtype=torch.float64)
    elif kind == "uniform":
        times = torch.linspace(T, t_min, n_steps, dtype=torch.float64)
    else:
        schedule = construction.schedule
        sigma = lambda t: float(schedule.sigma(torch.tensor(t, dtype=torch.float64)))  # noqa: E731
        levels = sigma_grid(sigma(T), sigma(t_min), n_steps, kind, rho)
        times = schedule.t_of_sigma(levels)
        times[0], times[-1] = T, t_min  # exact ends (t(σ(T)) may round)
    return torch.cat([times, times.new_zeros(1)])
