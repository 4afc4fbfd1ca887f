"""ODE solvers for the exact fields, in both directions of time (brief §2.7, §2.9).

* Fixed-step explicit Runge–Kutta (``euler``, ``heun``, ``rk4``): one engine, one Butcher tableau
  each. Generation runs ``T → t_min`` on a grid of :mod:`.grids`, then the exact last step
  ``x ← x̂_0(x, t_min)`` (what an Euler step to σ = 0 gives; k-diffusion's Heun also ends with
  an Euler step). NFE: Euler ``n``, Heun ``2n − 1``, RK4 ``4n − 3``.
* ``dpmpp_2m``: DPM-Solver++(2M) (Lu et al. 2022; k-diffusion ``sample_dpmpp_2m``) in the
  canonical variables ``y = x/α``, ``s = σ/α``, where every construction reads
  ``dy/ds = (y − x̂_0)/s``: ``y' = (s'/s) y + (1 − s'/s) D̃``, ``D̃ = (1 + 1/2r) x̂_0 − (1/2r) x̂_0^prev``.
* Adaptive: scipy ``solve_ivp`` (``DOP853``, float64, the reference) or torchdiffeq ``dopri5``,
  both in log-time ``τ = log t`` where ``dx/dτ = t f_t(x)`` stays bounded as t → 0 (and for PFGM
  far out). One step size serves the whole batch unless ``per_particle=True``.
* :func:`log_density_path`: the instantaneous change of variables ``d log p_t(x_t)/dt = −∇·f_t``
  integrated along the trajectory (post 12, eq:approx-ode).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from scipy.integrate import solve_ivp

from .constructions import Construction
from .data import PointCloud
from .field import evaluate
from .grids import time_grid

TABLEAUS = {  # (a: lower-triangular rows for stages 2.., b: weights); c_i = Σ_j a_ij
    "euler": ((), (1.0,)),
    "heun": (((1.0,),), (0.5, 0.5)),
    "rk4": (((0.5,), (0.0, 0.5), (0.0, 0.0, 1.0)), (1 / 6, 1 / 3, 1 / 3, 1 / 6)),
}
FIXED_SOLVERS = (*TABLEAUS, "dpmpp_2m")
ADAPTIVE_SOLVERS = ("dop853", "dopri5")
SOLVERS = (*FIXED_SOLVERS, *ADAPTIVE_SOLVERS)


@dataclass
class Trajectories:
    """``times`` (K,) and ``states`` (K, M, d) from ``times[0]`` to ``times[-1]``; ``nfe`` field
    evaluations; ``outside`` (M,) particles that met a point outside every support (compact priors:
    the field is 0 there and they freeze)."""

    times: torch.Tensor
    states: torch.Tensor
    nfe: int
    outside: torch.Tensor

    @property
    def end(self) -> torch.Tensor:
        return self.states[-1]


class _Field:
    """The velocity as a function of ``(x, t)``, counting evaluations and outside-support hits."""

    def __init__(self, cloud: PointCloud, construction: Construction, m: int):
        self.cloud, self.construction, self.nfe = cloud, construction, 0
        self.outside = torch.zeros(m, dtype=torch.bool, device=cloud.points.device)

    def __call__(self, x, t, divergence=False):
        self.nfe += 1
        values = evaluate(x, t, self.cloud, self.construction, divergence=divergence)
        self.outside |= values.empty
        return values


def rk_step(rhs, x: torch.Tensor, t: float, h: float, tableau) -> torch.Tensor:
    """One explicit Runge–Kutta step of ``dx/dt = rhs(x, t)`` from ``t`` to ``t + h``."""
    a, b = tableau
    stages = [rhs(x, t)]
    for row in a:
        stages.append(rhs(x + h * sum(coef * k for coef, k in zip(row, stages)), t + sum(row) * h))
    return x + h * sum(coef * k for coef, k in zip(b, stages))


def _integrate_rk(field, x, times, tableau):
    states = [x]
    rhs = lambda y, t: field(y, t).velocity  # noqa: E731
    for t, t_next in zip(times[:-1].tolist(), times[1:].tolist()):
        if t_next == 0.0:
            x = field(x, t).mean
        else:
            x = rk_step(rhs, x, t, t_next - t, tableau)
        states.append(x)
    return states


def _integrate_dpmpp_2m(field, x, times, construction):
    """DPM-Solver++(2M) written without dividing by α (α_T = 0 on the linear paths at T = 1):
    ``x' = (σ'/σ) x + (α' − α σ'/σ) D̃``, the canonical update ``y' = (s'/s) y + (1 − s'/s) D̃`` times α'."""
    schedule = construction.schedule
    tt = times.to(x.dtype)
    alpha, sigma = schedule.alpha(tt), schedule.sigma(tt)
    log_s = torch.log(sigma) - torch.log(alpha)  # +inf where α = 0: the first step is then first order
    states, previous = [x], None
    for i in range(len(times) - 1):
        denoised = field(x, tt[i]).mean
        if tt[i + 1] == 0:
            x = denoised
        else:
            target = denoised
            if previous is not None:
                r = (log_s[i - 1] - log_s[i]) / (log_s[i] - log_s[i + 1])
                target = (1 + 1 / (2 * r)) * denoised - previous / (2 * r)
            ratio = sigma[i + 1] / sigma[i]
            x = ratio * x + (alpha[i + 1] - alpha[i] * ratio) * target
        previous = denoised
        states.append(x)
    return states


def integrate_fixed(x: torch.Tensor, times: torch.Tensor, cloud: PointCloud, construction: Construction,
                    solver: str = "heun") -> Trajectories:
    """Integrate along ``times`` (decreasing: generation, with the exact jump where a time is 0;
    increasing: encoding) with a fixed-step solver, on the cloud's device."""
    x = x.to(cloud.points.device)
    if solver not in FIXED_SOLVERS:
        raise ValueError(f"unknown fixed-step solver {solver!r}; choose one of {', '.join(FIXED_SOLVERS)}")
    field = _Field(cloud, construction, x.shape[0])
    if solver == "dpmpp_2m":
        states = _integrate_dpmpp_2m(field, x, times, construction)
    else:
        states = _integrate_rk(field, x, times, TABLEAUS[solver])
    return Trajectories(times.to(x.dtype), torch.stack(states), field.nfe, field.outside)


def _log_time_rhs(field, shape, with_logp=False):
    """``d(state)/dτ`` with ``t = e^τ`` on a flat float64 numpy state (scipy's interface)."""
    m, d = shape

    def rhs(tau, flat):
        t = float(np.exp(tau))
        state = torch.as_tensor(flat, dtype=field.cloud.points.dtype, device=field.cloud.points.device)
        state = state.reshape(m, d + with_logp)
        values = field(state[:, :d].contiguous(), t, divergence=with_logp)
        out = t * values.velocity
        if with_logp:
            out = torch.cat([out, -t * values.divergence[:, None]], 1)
        return out.reshape(-1).cpu().numpy()

    return rhs


def integrate_adaptive(x: torch.Tensor, times: torch.Tensor, cloud: PointCloud, construction: Construction,
                       solver: str = "dop853", rtol: float = 1e-10, atol: float = 1e-10,
                       per_particle: bool = False) -> Trajectories:
    """Adaptive solve from ``times[0]`` through the (monotone, positive except a final 0) ``times``.
    A final time 0 is the exact jump ``x ← x̂_0``. ``dop853`` uses scipy (float64), ``dopri5``
    torchdiffeq; ``per_particle`` solves each particle alone (exact, slower). On the cloud's device."""
    x = x.to(cloud.points.device)
    jump = float(times[-1]) == 0.0
    positive = times[:-1] if jump else times
    field = _Field(cloud, construction, x.shape[0])
    taus = torch.log(positive.to(torch.float64))
    if solver == "dopri5":
        states = _dopri5(field, x, taus, rtol, atol)
    elif solver == "dop853":
        groups = [slice(i, i + 1) for i in range(x.shape[0])] if per_particle else [slice(None)]
        states = torch.cat([_dop853(field, x, rows, taus, rtol, atol) for rows in groups], 1)
    else:
        raise ValueError(f"unknown adaptive solver {solver!r}; choose one of {', '.join(ADAPTIVE_SOLVERS)}")
    if jump:
        states = torch.cat([states, field(states[-1], float(positive[-1])).mean[None]])
    return Trajectories(times.to(x.dtype), states, field.nfe, field.outside)


def _dop853(field, x, rows, taus, rtol, atol):
    x = x[rows]
    m, d = x.shape
    sub = _Field(field.cloud, field.construction, m)
    t_eval = taus.cpu().numpy()
    solution = solve_ivp(_log_time_rhs(sub, (m, d)), (t_eval[0], t_eval[-1]), x.reshape(-1).cpu().double().cpu().numpy(),
                         method="DOP853", t_eval=t_eval, rtol=rtol, atol=atol)
    if not solution.success:
        raise RuntimeError(f"DOP853 failed: {solution.message}")
    field.nfe += sub.nfe
    field.outside[rows] |= sub.outside
    return torch.as_tensor(solution.y.T.reshape(-1, m, d), dtype=x.dtype, device=x.device)


def _dopri5(field, x, taus, rtol, atol):
    from torchdiffeq import odeint

    lo, hi = float(taus.min()), float(taus.max())

    def rhs(tau, state):  # torchdiffeq may probe τ slightly outside the span (torchdiffeq#78): clamp
        t = float(torch.exp(tau.clamp(lo, hi)))
        return t * field(state, t).velocity

    return odeint(rhs, x, taus.to(x.dtype).to(x.device), method="dopri5", rtol=rtol, atol=atol)


def generate(x_T: torch.Tensor, cloud: PointCloud, construction: Construction, solver: str = "heun",
             n_steps: int = 16, grid: str = "karras", t_min: float | None = None, rho: float = 7.0,
             rtol: float = 1e-5, atol: float | None = None) -> Trajectories:
    """Noise → data: from ``x_T`` at ``T`` down to ``t_min`` (default ``1e-3·T``), then ``x ← x̂_0``.
    Adaptive solvers report their states on the same grid (dense output)."""
    t_min = 1e-3 * construction.T if t_min is None else t_min
    times = time_grid(construction, n_steps, grid, t_min, rho)
    if solver in ADAPTIVE_SOLVERS:
        return integrate_adaptive(x_T, times, cloud, construction, solver, rtol, rtol if atol is None else atol)
    return integrate_fixed(x_T, times, cloud, construction, solver)


def encode(x_start: torch.Tensor, cloud: PointCloud, construction: Construction, solver: str = "heun",
           n_steps: int = 16, grid: str = "karras", t_min: float | None = None, rho: float = 7.0,
           rtol: float = 1e-5, atol: float | None = None) -> Trajectories:
    """Data → noise: from ``x_start`` at ``t_min`` (e.g. ``α x_i + σ z``, ``z ~ K``; encoding from
    exactly ``x_i`` at t = 0 is ill-posed, a fan of trajectories leaves every data point) up to ``T``
    on the generation grid reversed."""
    t_min = 1e-3 * construction.T if t_min is None else t_min
    times = time_grid(construction, n_steps, grid, t_min, rho)[:-1].flip(0)
    if solver in ADAPTIVE_SOLVERS:
        return integrate_adaptive(x_start, times, cloud, construction, solver, rtol, rtol if atol is None else atol)
    return integrate_fixed(x_start, times, cloud, construction, solver)


def log_density_path(x: torch.Tensor, t0: float, t1: float, cloud: PointCloud, construction: Construction,
                     n_eval: int = 32, rtol: float = 1e-11, atol: float = 1e-11):
    """``(times, states, Δlog p)``: DOP853 on ``(x, ℓ)`` with ``dℓ/dt = −∇·f_t(x)`` from ``t0`` to ``t1``
    (both > 0); ``Δlog p[k] = log p_{t_k}(x_{t_k}) − log p_{t0}(x_{t0})`` (M,) at each output time."""
    m, d = x.shape
    field = _Field(cloud, construction, m)
    taus = np.linspace(np.log(t0), np.log(t1), n_eval)
    start = torch.cat([x.double(), x.new_zeros(m, 1, dtype=torch.float64)], 1).reshape(-1).cpu().numpy()
    solution = solve_ivp(_log_time_rhs(field, (m, d), with_logp=True), (taus[0], taus[-1]), start,
                         method="DOP853", t_eval=taus, rtol=rtol, atol=atol)
    if not solution.success:
        raise RuntimeError(f"DOP853 failed: {solution.message}")
    path = torch.as_tensor(solution.y.T.reshape(n_eval, m, d + 1), dtype=x.dtype, device=x.device)
    return torch.as_tensor(np.exp(taus)), path[..., :d], path[..., d]
