"""The diffusion-ODE results as functions of frozen settings, memoised process-wide
(:mod:`kexue_viz.pipeline`): every reader's dashboard, the notebook and the CLI share them.

What each result depends on is its settings object, built with ``.of(...)``, which drops what the
result ignores (the prior of constructions that have their own, T of the linear paths, ρ off the
Karras grid, rtol off the adaptive solver, the prior mode and radius clip when encoding), so that
settings giving the same result are equal:

* :class:`DataSettings` → :func:`cloud` (a preset or the reader's own points, as a tuple of rows);
* :class:`ConstructionSettings` → :func:`construction`;
* :class:`ReferenceSettings` (data, construction, start seed and mode, direction, t_min) →
  :func:`start_sample` (``MAX_PARTICLES`` seeded starts: every run takes a prefix) and
  :func:`reference` (accurate trajectories of the first :func:`reference_count` starts);
* :class:`RunSettings` (a reference setting, particle count, solver and its grid) → :func:`run`,
  :func:`basins`, :func:`frame` (positions at a view time), :func:`strip` (a particle's posterior
  weights), :func:`quality` (agreement with the reference);
* :class:`GridSettings` with a reference setting → :func:`sweep` (agreement vs NFE of every
  fixed-step solver), assembled from one memoised :func:`sweep_point` per run of ``SWEEP_RUNS``.

Also here, plain functions of arrays: the work a run costs (:func:`run_cost`, refused beyond
``COST_LIMIT``), the views' axis windows (:func:`plane_window`, :func:`path_limits`,
:func:`line_axis`) and the particle nearest to a point (:func:`nearest_particle`).

Trajectories are the core's :class:`~.solvers.Trajectories` (torch, shared: do not modify them);
the numpy arrays of every memoised result are read-only (copy before modifying one in place).
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import torch

from ..axes import nice_ceiling
from ..pipeline import memoised
from . import exact1d, metrics
from .constructions import Construction, make_construction
from .data import PointCloud, from_points, make_dataset
from .field import evaluate, sample_prior_clipped, weights
from .gravity import augmented_field, centroid_relative_error, field_lines_from_circle, ring_sources
from .solvers import FIXED_SOLVERS, Trajectories, encode, generate, integrate_adaptive

REFERENCE_PARTICLES = 128
MAX_PARTICLES = 1000
REFERENCE_WORK = 1e7  # reference particles × data points × ~800 NFE stays under this
REFERENCE_RTOL = 1e-8
COMPACT_REFERENCE_STEPS = 400  # RK4 on a uniform grid: DOP853 crawls across the jumps of a compact prior's field
DENSE_TIMES = 48
SWEEP_STEPS = (2, 4, 8, 16, 32, 64)
SWEEP_RUNS = tuple((solver, n_steps) for solver in FIXED_SOLVERS for n_steps in SWEEP_STEPS)
COST_LIMIT = 3e7  # NFE × particles × data points of one run
EXPECTED_NFE = {"euler": lambda n: n, "heun": lambda n: 2 * n - 1, "rk4": lambda n: 4 * n - 3,
                "dpmpp_2m": lambda n: n, "dopri5": lambda n: 200 + n}
WINDOW_STEPS = (1, 1.5, 2, 3, 5, 7.5)  # the data window's half-widths: finer than the axes' default steps
WINDOW_ZOOM = 3  # the 2-D views and the x₁(t) axes span at most this many times the data's padded extent
UNIT_SPAN = 2.0  # ... where the data's span is at least this (the bulk of the linear paths' unit-scale priors)
DRAWN_PATHS = 256
STRIP_TIMES = 64  # columns of the weight strip (log-spaced view times)
COMMIT_LEVEL = 0.9  # commitment: the largest weight first exceeds this (brief §2.10)
HALF_PLANE_GRID = 16  # arrows per side of the PFGM (x, t) view
FIELD_LINES = 25  # exact field lines of the 1-D PFGM (x, t) view
GRAVITY_LINES = 272  # field lines of post 13's gravity figure (16 per source of the 17-point ring)
GRAVITY_STEP, GRAVITY_CAPTURE, GRAVITY_DRAWN_EVERY = 0.05, 0.05, 2  # arc-length step, capture radius, drawn rows
RING_SIZE, RING_RADIUS = 16, 2.0
LINEAR_PATHS = ("straight", "cosine", "vp_linear")  # t ∈ (0, 1]: T is fixed
OWN_PRIOR = ("straight", "cosine")  # the constructions whose prior p_1 is a choice


# ---- settings ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class DataSettings:
    """A preset data set (name, size, seed) or the reader's points (``dataset == "custom"``; size and
    seed unused, ``points`` a tuple of rows). Build it with :meth:`of`."""
    dataset: str
    n_data: int
    seed: int
    points: tuple[tuple[float, ...], ...] | None

    @classmethod
    def of(cls, dataset: str, n_data: int, seed: int, points: np.ndarray) -> "DataSettings":
        if dataset == "custom":
            return cls("custom", 0, 0, tuple(tuple(float(v) for v in row) for row in np.asarray(points)))
        return cls(dataset, int(n_data), int(seed), None)


@dataclass(frozen=True)
class ConstructionSettings:
    """A construction: its key, its prior (only ``straight``/``cosine`` choose one) and its T (σ_T;
    ``ve_sq`` runs to T²; the linear paths run on (0, 1], T unused). Build it with :meth:`of`."""
    construction: str
    prior: str | None
    T: float | None

    @classmethod
    def of(cls, construction: str, prior: str, T: float) -> "ConstructionSettings":
        return cls(construction, prior if construction in OWN_PRIOR else None,
                   None if construction in LINEAR_PATHS else float(T))


@dataclass(frozen=True)
class ReferenceSettings:
    """What the starts and the reference depend on: data, construction, the start sample's seed, prior
    mode and radius clip (generation only; 0 = off), the direction and t_min (a fraction of T).
    Build it with :meth:`of`."""
    data: DataSettings
    construction: ConstructionSettings
    seed: int
    prior_mode: str | None
    radius_clip: float
    direction: str
    t_min: float

    @classmethod
    def of(cls, data: DataSettings, construction: ConstructionSettings, seed: int, prior_mode: str,
           radius_clip: float, direction: str, t_min: float) -> "ReferenceSettings":
        generating = direction == "generate"
        return cls(data, construction, int(seed), prior_mode if generating else None,
                   float(radius_clip) if generating else 0.0, direction, float(t_min))


@dataclass(frozen=True)
class GridSettings:
    """A fixed-step time grid: its kind and ρ (Karras only). Build it with :meth:`of`."""
    grid: str
    rho: float | None

    @classmethod
    def of(cls, grid: str, rho: float) -> "GridSettings":
        return cls(grid, float(rho) if grid == "karras" else None)


@dataclass(frozen=True)
class RunSettings:
    """One solver run: the reference setting (starts), the particle count, the solver, its steps and
    grid, and rtol (``dopri5`` only). Build it with :meth:`of`."""
    reference: ReferenceSettings
    n_particles: int
    solver: str
    n_steps: int
    grid: GridSettings
    rtol: float | None

    @classmethod
    def of(cls, reference: ReferenceSettings, n_particles: int, solver: str, n_steps: int, grid: GridSettings,
           rtol: float) -> "RunSettings":
        return cls(reference, int(n_particles), solver, int(n_steps), grid,
                   float(rtol) if solver == "dopri5" else None)


# ---- inputs -----------------------------------------------------------------------------------
@memoised(max_bytes=2**20)
def cloud(settings: DataSettings) -> PointCloud:
    """The data set (``ValueError``, reader-facing, for points that cannot be one)."""
    if settings.dataset == "custom":
        return from_points(np.array(settings.points))
    return make_dataset(settings.dataset, settings.n_data, settings.seed)


@memoised(max_bytes=2**20)
def construction(settings: ConstructionSettings) -> Construction:
    """The construction (T = σ_T, so ``ve_sq`` runs to T²; the linear paths on (0, 1])."""
    T = settings.T ** 2 if settings.construction == "ve_sq" else settings.T
    return make_construction(settings.construction, T=T, prior=settings.prior or "gaussian")


def absolute_t_min(settings: ReferenceSettings) -> float:
    """t_min in the construction's time (the setting's fraction of T)."""
    return settings.t_min * construction(settings.construction).T


def view_time(settings: ReferenceSettings, fraction: float) -> float:
    """``t`` at a log-scale fraction of the way from ``T`` (0) to ``t_min`` (1)."""
    T, t_min = construction(settings.construction).T, absolute_t_min(settings)
    return math.exp(math.log(T) + fraction * (math.log(t_min) - math.log(T)))


def run_direction(direction: str):
    """The solver entry of the direction: :func:`~.solvers.generate` or :func:`~.solvers.encode`."""
    return encode if direction == "encode" else generate


@memoised(max_bytes=4 * 2**20)
def start_sample(settings: ReferenceSettings) -> tuple[torch.Tensor, np.ndarray]:
    """``(starts (MAX_PARTICLES, d), clipped (MAX_PARTICLES,) bool)``: generation draws ``x_T`` (its
    radius clipped at ``radius_clip``·σ_T, 0 = off); encoding ``α x_i + σ z`` at ``t_min``, ``i ~ π``.
    A run of M particles takes the first M (so the reference's particles are the first of every run)."""
    data, path = cloud(settings.data), construction(settings.construction)
    generator = torch.Generator().manual_seed(settings.seed)
    if settings.direction == "generate":
        starts, clipped = sample_prior_clipped(MAX_PARTICLES, data, path, generator,
                                               exact=settings.prior_mode == "exact",
                                               max_radius=settings.radius_clip or None)
        return starts, clipped.cpu().numpy()
    t = torch.tensor(absolute_t_min(settings), dtype=torch.float64)
    alpha, sigma = path.schedule.alpha(t), path.schedule.sigma(t)
    index = torch.multinomial(data.weights.cpu(), MAX_PARTICLES, replacement=True, generator=generator)
    noise = path.kernel.sample(MAX_PARTICLES, data.dim, generator)
    return alpha * data.points[index] + sigma * noise.to(data.points.device), np.zeros(MAX_PARTICLES, dtype=bool)


def starts(settings: ReferenceSettings, count: int) -> torch.Tensor:
    """The first ``count`` starts of :func:`start_sample`."""
    return start_sample(settings)[0][:count]


# ---- the reference ----------------------------------------------------------------------------
def reference_count(settings: ReferenceSettings) -> int:
    """Reference particles: up to ``REFERENCE_PARTICLES``, fewer for large data sets."""
    return int(min(REFERENCE_PARTICLES, max(16, REFERENCE_WORK // (800 * cloud(settings.data).size))))


def reference_method(settings: ReferenceSettings) -> str:
    """``"cdf"`` (1-D generation), ``"rk4"`` (compact prior) or ``"dop853"``."""
    if cloud(settings.data).dim == 1 and settings.direction == "generate":
        return "cdf"
    return "rk4" if construction(settings.construction).kernel.compact else "dop853"


@memoised(max_bytes=32 * 2**20)
def reference(settings: ReferenceSettings) -> Trajectories:
    """Accurate trajectories of the first :func:`reference_count` starts on a dense log grid: the exact
    CDF route in 1-D (generation); DOP853 at rtol 1e-8; for a compact prior, whose field jumps at
    support edges, RK4 with ``COMPACT_REFERENCE_STEPS`` uniform steps."""
    data, path = cloud(settings.data), construction(settings.construction)
    x = starts(settings, reference_count(settings))
    t_min = absolute_t_min(settings)
    method = reference_method(settings)
    if method == "rk4":
        return run_direction(settings.direction)(x, data, path, "rk4", COMPACT_REFERENCE_STEPS, "uniform",
                                                 t_min=t_min)
    dense = torch.exp(torch.linspace(math.log(path.T), math.log(t_min), DENSE_TIMES, dtype=torch.float64))
    if settings.direction == "encode":
        return integrate_adaptive(x, dense.flip(0), data, path, "dop853", REFERENCE_RTOL, REFERENCE_RTOL)
    times = torch.cat([dense, dense.new_zeros(1)])
    if method == "cdf":
        states = exact1d.cdf_trajectories(x[:, 0], times, data, path)[..., None]
        return Trajectories(times, states, 0, torch.zeros(x.shape[0], dtype=torch.bool))
    return integrate_adaptive(x, times, data, path, "dop853", REFERENCE_RTOL, REFERENCE_RTOL)


@memoised(max_bytes=2**20)
def reference_geometry(settings: ReferenceSettings) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(times, mean curvature, tortuosity)`` of the reference trajectories (x, or (t, x) in 1-D)."""
    paths = reference(settings)
    positive = paths.times > 0
    times, states = paths.times[positive], paths.states[positive]
    if states.shape[-1] == 1:
        states = torch.cat([times[:, None, None].expand(-1, states.shape[1], 1), states], -1)
    kappa = metrics.curvature(states).mean(1)
    return times[1:-1].cpu().numpy(), kappa.cpu().numpy(), metrics.tortuosity(paths.states).cpu().numpy()


@memoised(max_bytes=4 * 2**20)
def exact_paths(settings: ReferenceSettings, count: int) -> tuple[np.ndarray, np.ndarray]:
    """``(times (K,), x (K, count))``: the CDF-route trajectories of the first ``count`` starts (1-D
    generation) on a dense grid."""
    data, path = cloud(settings.data), construction(settings.construction)
    dense = torch.cat([torch.linspace(path.T, 0, 41, dtype=torch.float64)[:-1],
                       torch.exp(torch.linspace(math.log(path.T / 40), math.log(absolute_t_min(settings)), 24,
                                                dtype=torch.float64)), torch.zeros(1, dtype=torch.float64)])
    dense = torch.sort(dense, descending=True).values
    x = starts(settings, count)[:, 0]
    return dense.cpu().numpy(), exact1d.cdf_trajectories(x, dense, data, path).cpu().numpy()


# ---- runs -------------------------------------------------------------------------------------
def solve(settings: ReferenceSettings, x: torch.Tensor, solver: str, n_steps: int, grid: GridSettings,
          rtol: float | None) -> Trajectories:
    """Starts ``x`` integrated in the setting's direction by ``solver`` on ``grid``."""
    data, path = cloud(settings.data), construction(settings.construction)
    options = {"rho": grid.rho} if grid.rho is not None else {}
    if rtol is not None:
        options["rtol"] = rtol
    return run_direction(settings.direction)(x, data, path, solver, n_steps, grid.grid,
                                             t_min=absolute_t_min(settings), **options)


@memoised(max_bytes=64 * 2**20)
def run(settings: RunSettings) -> Trajectories:
    """The first ``n_particles`` starts integrated by the setting's solver (up to ~3 MB each)."""
    x = starts(settings.reference, settings.n_particles)
    return solve(settings.reference, x, settings.solver, settings.n_steps, settings.grid, settings.rtol)


@memoised(max_bytes=2 * 2**20)
def basins(settings: RunSettings) -> np.ndarray:
    """Colour index per particle: the data point nearest to the endpoint (generate) or the start (encode)."""
    paths = run(settings)
    anchor = paths.states[-1] if settings.reference.direction == "generate" else paths.states[0]
    return metrics.nearest_point(anchor, cloud(settings.reference.data)).cpu().numpy()


def interpolate_path(times: np.ndarray, path: np.ndarray, query: np.ndarray) -> np.ndarray:
    """One particle's states (K, d) at ``times`` (positive ones used) interpolated linearly in
    ``log t`` at the ``query`` times (S,): (S, d)."""
    positive = times > 0
    log_times, stored = np.log(times[positive]), path[positive]
    order = np.argsort(log_times)
    return np.column_stack([np.interp(np.log(query), log_times[order], stored[order, k])
                            for k in range(path.shape[1])])


def interpolate_log_time(times: np.ndarray, states: np.ndarray, t: float) -> np.ndarray:
    """States (M, d) at ``t`` by linear interpolation in ``log t`` between stored positive times."""
    positive = times > 0
    log_times, stored = np.log(times[positive]), states[positive]
    order = np.argsort(log_times)
    log_times, stored = log_times[order], stored[order]
    x = np.clip(math.log(t), log_times[0], log_times[-1])
    k = int(np.clip(np.searchsorted(log_times, x) - 1, 0, len(log_times) - 2)) if len(log_times) > 1 else 0
    if len(log_times) == 1:
        return stored[0]
    w = (x - log_times[k]) / (log_times[k + 1] - log_times[k])
    return (1 - w) * stored[k] + w * stored[k + 1]


def positions_at(paths: Trajectories, t: float) -> np.ndarray:
    """Every particle's state (M, d) at ``t`` (:func:`interpolate_log_time`)."""
    return interpolate_log_time(paths.times.cpu().numpy(), paths.states.cpu().numpy(), t)


class Frame(NamedTuple):
    """The view time ``t`` and the particles' positions (M, d) there."""
    t: float
    positions: np.ndarray


@memoised(max_bytes=8 * 2**20)
def frame(settings: RunSettings, fraction: float) -> Frame:
    """The run at the view time a log-scale ``fraction`` of the way from T to t_min (:func:`view_time`)."""
    t = view_time(settings.reference, fraction)
    return Frame(t, positions_at(run(settings), t))


@memoised(max_bytes=4 * 2**20)
def reference_positions(settings: ReferenceSettings, fraction: float) -> np.ndarray:
    """The reference particles' positions (M, d) at the view time ``fraction`` (:func:`view_time`)."""
    return positions_at(reference(settings), view_time(settings, fraction))


class Strip(NamedTuple):
    """A particle's posterior weights ``w_i(x_t, t)`` (S, N) at ``times`` (S,) and its commitment time."""
    times: np.ndarray
    weights: np.ndarray
    commit: float


@memoised(max_bytes=8 * 2**20)
def strip(settings: RunSettings, particle: int) -> Strip:
    """:class:`Strip` of ``particle`` at ``STRIP_TIMES`` log-spaced times along its trajectory."""
    data, path, paths = cloud(settings.reference.data), construction(settings.reference.construction), run(settings)
    times = np.exp(np.linspace(math.log(path.T), math.log(absolute_t_min(settings.reference)), STRIP_TIMES))
    states = interpolate_path(paths.times.cpu().numpy(), paths.states[:, particle].cpu().numpy(), times)
    w = weights(torch.as_tensor(states), torch.as_tensor(times), data, path)
    commit = metrics.commitment_time(w[:, None], torch.as_tensor(times, device=w.device), COMMIT_LEVEL)
    return Strip(times, w.cpu().numpy(), float(commit[0]))


# ---- accuracy ---------------------------------------------------------------------------------
def agreement(settings: ReferenceSettings, end: torch.Tensor, reference_end: torch.Tensor) -> float:
    """Generation: share ending at the same nearest data point as the reference; encoding: share of
    endpoints within 1e-3·σ_T of the reference's."""
    if settings.direction == "generate":
        return metrics.basin_agreement(end, reference_end, cloud(settings.data))
    path = construction(settings.construction)
    sigma_T = float(path.schedule.sigma(torch.tensor(path.T, dtype=torch.float64)))
    return float((metrics.endpoint_error(end, reference_end) < 1e-3 * sigma_T).double().mean())


def solve_reference_starts(settings: ReferenceSettings, solver: str, n_steps: int, grid: GridSettings,
                           rtol: float | None = None) -> Trajectories:
    """The reference's starts integrated by ``solver``."""
    return solve(settings, reference(settings).states[0], solver, n_steps, grid, rtol)


def quality(settings: RunSettings) -> tuple[int, float]:
    """(NFE, agreement) of the run's first reference-count particles with the reference: a fixed-step
    solver treats particles one by one, so that is the run of exactly those particles; ``dopri5``'s
    steps depend on every particle, so the run itself when it has that many (:func:`run_quality`)."""
    count = reference_count(settings.reference)
    n_particles = max(settings.n_particles, count) if settings.solver == "dopri5" else count
    return run_quality(dataclasses.replace(settings, n_particles=n_particles))


@memoised(max_bytes=2**20)
def run_quality(settings: RunSettings) -> tuple[int, float]:
    """(NFE, agreement) of the run's first reference-count particles with the reference."""
    paths, target = run(settings), reference(settings.reference)
    return paths.nfe, agreement(settings.reference, paths.end[:target.end.shape[0]], target.end)


@memoised(max_bytes=2**20)
def sweep_point(settings: ReferenceSettings, grid: GridSettings, solver: str, n_steps: int) -> tuple[int, float]:
    """(NFE, agreement) of ``solver`` with ``n_steps`` steps on ``grid`` from the reference's starts."""
    paths = solve_reference_starts(settings, solver, n_steps, grid)
    return paths.nfe, agreement(settings, paths.end, reference(settings).end)


def sweep(settings: ReferenceSettings, grid: GridSettings) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """``{solver: (NFE, agreement)}`` over ``SWEEP_STEPS`` for every fixed-step solver on ``grid``, on
    the reference's starts (:func:`sweep_point` for each of ``SWEEP_RUNS``; 1–3 s in all when none is
    stored yet)."""
    points = {run: sweep_point(settings, grid, *run) for run in SWEEP_RUNS}
    return {solver: (np.array([points[solver, n][0] for n in SWEEP_STEPS]),
                     np.array([points[solver, n][1] for n in SWEEP_STEPS])) for solver in FIXED_SOLVERS}


def run_cost(settings: RunSettings) -> float:
    """The work of a run as it is refused beyond ``COST_LIMIT``: expected NFE × particles × data points."""
    return EXPECTED_NFE[settings.solver](settings.n_steps) * settings.n_particles * cloud(settings.reference.data).size


# ---- axis windows -----------------------------------------------------------------------------
def widest_span(data: np.ndarray) -> float:
    """The widest axis span of the views that show the data (N, d): ``WINDOW_ZOOM`` times its
    largest coordinate span (at least ``UNIT_SPAN``), padded by 15 %."""
    return WINDOW_ZOOM * max(float(np.ptp(data, axis=0).max()), UNIT_SPAN) * 1.15


def plane_window(data: np.ndarray, positions: np.ndarray) -> tuple[tuple[float, float], tuple[float, float]]:
    """Square axis limits of a 2-D view holding the data (N, 2) and the particles' (M, 2) central 96 %,
    in nice steps (``WINDOW_STEPS``) so that scrubbing the view time rarely moves the axes, and at most
    :func:`widest_span` wide (then centred on the data): a prior of scale T ≫ 1 (VE, PFGM's heavy tail
    at t ≈ T) would otherwise shrink the data to a dot; the main view marks the particles beyond the
    window on its edge."""
    sample = np.concatenate([data, positions])
    lo = np.minimum(np.quantile(sample, 0.02, axis=0), data.min(0))
    hi = np.maximum(np.quantile(sample, 0.98, axis=0), data.max(0))
    half = nice_ceiling(0.5 * max(float((hi - lo).max()), 1.0) * 1.15, WINDOW_STEPS)
    widest = nice_ceiling(0.5 * widest_span(data), WINDOW_STEPS)
    if half > widest:
        half, lo, hi = widest, data.min(0), data.max(0)
    step = half / 4
    centre = np.round(0.5 * (lo + hi) / step) * step
    return (centre[0] - half, centre[0] + half), (centre[1] - half, centre[1] + half)


def path_limits(data: np.ndarray, values: np.ndarray, tail: float = 0.02) -> tuple[float, float]:
    """x₁ limits of the x₁(t) views of the data's x₁ (N,) and the drawn paths' ``values``: both but a
    ``tail`` share of the values at either end, padded (PFGM's heavy-tailed starts would otherwise
    squeeze every path to a line), and at most :func:`widest_span` about the data (paths from farther
    come in from the edges; the same rule as :func:`plane_window`)."""
    lo, hi = min(np.quantile(values, tail), data.min()), max(np.quantile(values, 1 - tail), data.max())
    pad = 0.05 * max(hi - lo, 1e-9)
    widest = widest_span(data[:, None])
    if hi - lo + 2 * pad > widest:
        middle = 0.5 * (data.min() + data.max())
        return float(middle - 0.5 * widest), float(middle + 0.5 * widest)
    return float(lo - pad), float(hi + pad)


def line_axis(data: np.ndarray, positions: np.ndarray, size: int = 400) -> np.ndarray:
    """``size`` points along x of a 1-D view: the data (N,) and the particles' (M,) central 96 %, padded."""
    sample = np.concatenate([data, positions])
    lo, hi = np.quantile(sample, 0.02), np.quantile(sample, 0.98)
    pad = 0.1 * max(hi - lo, 1.0)
    return np.linspace(min(lo, float(data.min())) - pad, max(hi, float(data.max())) + pad, size)


def nearest_particle(positions: np.ndarray, x: float, y: float) -> int:
    """The index of the particle (M, 2) nearest to ``(x, y)``."""
    return int(np.argmin(np.hypot(positions[:, 0] - x, positions[:, 1] - y)))


# ---- field near the data ----------------------------------------------------------------------
class HalfPlane(NamedTuple):
    """PFGM's (x, t) view: the x window and t top, the arrows' feet ``x, t`` (R,) and the augmented
    field there (R, 2), and in 1-D exact field lines ``(x (K, L), t (K,))`` (else ``None``)."""
    window: tuple[float, float]
    top: float
    x: np.ndarray
    t: np.ndarray
    force: np.ndarray
    lines: tuple[np.ndarray, np.ndarray] | None


@memoised(max_bytes=2 * 2**20)
def half_plane(data_settings: DataSettings, construction_settings: ConstructionSettings) -> HalfPlane:
    """:class:`HalfPlane` near the data (where the field lines bend): the augmented field ``(F_x₁, F_t)``
    on a ``HALF_PLANE_GRID``² grid (d = 2: the slice through the data's mean x₂) and, in d = 1, exact
    field lines (the PFGM trajectories, by the conserved CDF) from t = top."""
    data, path = cloud(data_settings), construction(construction_settings)
    x1 = data.points[:, 0].cpu().numpy()
    pad = max(1.0, 0.75 * float(x1.max() - x1.min()))
    window = (float(x1.min()) - pad, float(x1.max()) + pad)
    top = window[1] - window[0]
    xs = np.linspace(*window, HALF_PLANE_GRID)
    ts = np.linspace(top / HALF_PLANE_GRID, top, HALF_PLANE_GRID)
    gx, gt = (a.ravel() for a in np.meshgrid(xs, ts))
    query = torch.as_tensor(gx)[:, None]
    if data.dim == 2:  # the slice through the data's mean x₂
        query = torch.cat([query, torch.full_like(query, float(data.points[:, 1].mean()))], 1)
    force_x, force_t = augmented_field(query, torch.as_tensor(gt), data)
    force = np.column_stack([force_x[:, 0].cpu().numpy(), force_t.cpu().numpy()])
    lines = None
    if data.dim == 1:
        times = torch.linspace(top, 0.0, 61, dtype=torch.float64)
        line_starts = torch.linspace(*window, FIELD_LINES, dtype=torch.float64)
        lines = (exact1d.cdf_trajectories(line_starts, times, data, path, t_start=top).cpu().numpy(),
                 times.cpu().numpy())
    return HalfPlane(window, top, gx, gt, force, lines)


# ---- post 13: gravity -------------------------------------------------------------------------
def gravity_setup(sources: str) -> tuple[torch.Tensor, torch.Tensor]:
    """``(sources (N, 2), masses (N,))``: post 13's four sources (``"four"``), or a ring of ``RING_SIZE``
    around a centre point (``"ring"``); equal masses summing to 1."""
    if sources == "four":
        points = make_dataset("post13_four").points.cpu().double()
    else:
        points = torch.cat([ring_sources(RING_SIZE, RING_RADIUS), torch.zeros(1, 2, dtype=torch.float64)])
    return points, torch.full((len(points),), 1.0 / len(points), dtype=torch.float64)


class GravityLines(NamedTuple):
    """Field lines ``paths`` (K, L, 2) (every ``GRAVITY_DRAWN_EVERY``-th step), the source each ends on
    ``hit`` (L,), the flux share per source (N,), the launch radius and the sources' centre (2,)."""
    paths: np.ndarray
    hit: np.ndarray
    shares: np.ndarray
    launch: float
    centre: np.ndarray


@memoised(max_bytes=16 * 2**20)
def gravity_lines(sources: str) -> GravityLines:
    """:class:`GravityLines` from a far circle (4× the sources' extent): the share ending on each
    source is its mass share (Gauss)."""
    points, masses = gravity_setup(sources)
    centre = masses @ points
    launch = max(4.0, 4.0 * float(torch.linalg.vector_norm(points - centre, dim=1).max()))
    paths, hit = field_lines_from_circle(points, masses, GRAVITY_LINES, launch, GRAVITY_STEP, GRAVITY_CAPTURE)
    shares = torch.bincount(hit[hit >= 0], minlength=len(points)).double() / GRAVITY_LINES
    return GravityLines(paths[::GRAVITY_DRAWN_EVERY].cpu().numpy(), hit.cpu().numpy(), shares.cpu().numpy(), launch,
                        centre.cpu().numpy())


@memoised(max_bytes=2**20)
def centroid_errors(sources: str) -> tuple[np.ndarray, np.ndarray]:
    """``(radii, errors)``: the centroid approximation's max relative error on circles of radius R."""
    points, masses = gravity_setup(sources)
    extent = float(torch.linalg.vector_norm(points - masses @ points, dim=1).max())
    radii = np.geomspace(1.5 * extent, 60.0, 28)
    return radii, np.array([centroid_relative_error(points, masses, float(r)) for r in radii])


def centroid_error(sources: str, radius: float) -> float:
    """The centroid approximation's max relative error on the circle of ``radius``."""
    return centroid_relative_error(*gravity_setup(sources), radius)


def field_on_grid(data_settings: DataSettings, construction_settings: ConstructionSettings, t: float,
                  bounds, size: int):
    """``(xs, ys, gx, gy, field values)`` on a ``size``² grid over ``bounds`` ((x lo, hi), (y lo, hi))."""
    xs, ys = np.linspace(*bounds[0], size), np.linspace(*bounds[1], size)
    gx, gy = np.meshgrid(xs, ys)
    query = torch.as_tensor(np.column_stack([gx.ravel(), gy.ravel()]))
    return xs, ys, gx, gy, evaluate(query, t, cloud(data_settings), construction(construction_settings))


def posterior_means(data_settings: DataSettings, construction_settings: ConstructionSettings, x: np.ndarray,
                    t: float) -> np.ndarray:
    """The posterior means x̂₀ (M, d) of states ``x`` (M, d) at ``t`` (``x`` is copied: it may be a read-only
    result)."""
    values = evaluate(torch.tensor(x), t, cloud(data_settings), construction(construction_settings))
    return values.mean.cpu().numpy()


def density_on_line(data_settings: DataSettings, construction_settings: ConstructionSettings, xs: np.ndarray,
                    t: float) -> np.ndarray:
    """The exact 1-D marginal density p_t at ``xs`` (S,)."""
    values = evaluate(torch.as_tensor(xs)[:, None], t, cloud(data_settings), construction(construction_settings))
    return torch.exp(values.log_density).cpu().numpy()


def cdf_at(data_settings: DataSettings, construction_settings: ConstructionSettings, xs: np.ndarray,
           t: float) -> np.ndarray:
    """The exact 1-D marginal CDF F_t at ``xs`` (S,) (copied: they may be a read-only result)."""
    return exact1d.cdf(torch.tensor(xs), t, cloud(data_settings), construction(construction_settings)).cpu().numpy()
