"""Diffusion ODE trajectories dashboard (posts 9280, 9305, 9370, 9379).

Computation is split by what each control changes and cached by its inputs: the data set; the
starting particles (prior sample or encoding starts); the solver's trajectories; a reference
(DOP853 at rtol 1e-8 on a dense log grid, or in 1-D the exact CDF route) for at most
``REFERENCE_PARTICLES`` particles; the accuracy-vs-NFE sweep against it. Moving the view time only
interpolates stored trajectories and evaluates the field on a small grid (arrows, log-density).
Work beyond ``COST_LIMIT`` (NFE × particles × data points) is refused with a message. The
accuracy-vs-NFE sweep (1–3 s) runs only when the reader presses its button, cached per setting.

Views hold few HoloViews elements (one per layer, colours as a data column, see
:func:`.views.coloured`): building elements is the dearest part of an in-place update.
"""
from __future__ import annotations

import math

import holoviews as hv
import numpy as np
import panel as pn
import param
import torch

from ..style import styled
from ..ui import Dashboard, LruDict, next_tick, on_tap
from . import exact1d, metrics, views
from .constructions import CONSTRUCTIONS, PRIORS, make_construction
from .data import PRESETS, from_points, make_dataset
from .field import evaluate, sample_prior_clipped, weights
from .gravity import augmented_field, centroid_relative_error, field_lines_from_circle, ring_sources
from .grids import GRIDS
from .kernels import poisson_tail
from .solvers import FIXED_SOLVERS, Trajectories, encode, generate, integrate_adaptive
from .text import TEXT

COST_LIMIT = 3e7
REFERENCE_PARTICLES = 128
MAX_PARTICLES = 1000
REFERENCE_WORK = 1e7  # reference particles × data points × ~800 NFE stays under this
REFERENCE_RTOL = 1e-8
COMPACT_REFERENCE_STEPS = 400  # RK4 on a uniform grid: DOP853 crawls across the jumps of a compact prior's field
DENSE_TIMES = 48
SWEEP_STEPS = (2, 4, 8, 16, 32, 64)
ARROW_GRID = 20
DENSITY_GRID = 40
DRAWN_PATHS = 256
MAIN_WIDTH, SIDE_WIDTH = 600, 390  # 1-D main and density plots in their fixed-size panes (2-D: equal axes)
STRIP_TIMES = 64  # columns of the weight strip (log-spaced view times)
COMMIT_LEVEL = 0.9  # commitment: the largest weight first exceeds this (brief §2.10)
HALF_PLANE_GRID = 16  # arrows per side of the PFGM (x, t) view
FIELD_LINES = 25  # exact field lines of the 1-D PFGM (x, t) view
WINDOW_ZOOM = 3  # the 2-D views and the x₁(t) axes span at most this many times the data's padded extent
UNIT_SPAN = 2.0  # ... where the data's span is at least this (the bulk of the linear paths' unit-scale priors)
RADIUS_CLIPS = (0, 5, 10, 20, 50, 100, 200, 500, 1000)  # ‖x_T − α x_i‖ ≤ clip·σ_T; 0 = off
GRAVITY_LINES = 272  # field lines of post 13's gravity figure (16 per source of the 17-point ring)
GRAVITY_STEP, GRAVITY_CAPTURE, GRAVITY_DRAWN_EVERY = 0.05, 0.05, 2  # arc-length step, capture radius, drawn rows
RING_SIZE, RING_RADIUS = 16, 2.0
EXPECTED_NFE = {"euler": lambda n: n, "heun": lambda n: 2 * n - 1, "rk4": lambda n: 4 * n - 3,
                "dpmpp_2m": lambda n: n, "dopri5": lambda n: 200 + n}
DEFAULT_CUSTOM = np.array([[-1.0, -0.5], [1.0, -0.5], [0.0, 1.0], [0.3, 0.2]])
MAX_CUSTOM_POINTS = 512  # the custom data set's points, all kept in the link (≤ ~15 kB of query)


def encode_points(points: np.ndarray) -> str:
    """Points (N, d) as the link keeps them: ``"x,y;x,y;…"`` (1-D: ``"x;x;…"``), 6 significant digits."""
    return ";".join(",".join(f"{value:.6g}" for value in row) for row in points)


def decode_points(text: str, t_) -> np.ndarray:
    """The points of :func:`encode_points`' format as an (N, d) array; ``ValueError`` (reader-facing)."""
    return parse_typed_points(text.replace(";", "\n"), t_)


def typed_text(points: np.ndarray) -> str:
    """Points (N, d) as the typed-points box shows them: one ``"x, y"`` per line."""
    return "\n".join(", ".join(f"{value:.6g}" for value in row) for row in points)


def parse_typed_points(text: str, t_) -> np.ndarray:
    """Lines of "x, y" or "x" (commas, spaces or tabs) as an (N, d) array; ``ValueError`` with the line."""
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        cells = [c for c in line.replace(",", " ").replace(";", " ").split() if c]
        if not cells:
            continue
        try:
            values = [float(c) for c in cells]
        except ValueError:
            raise ValueError(t_("typed_bad", line=number, text=line.strip()[:40])) from None
        if len(values) not in (1, 2):
            raise ValueError(t_("typed_bad", line=number, text=line.strip()[:40]))
        rows.append(values)
    if not rows:
        raise ValueError(t_("custom_empty"))
    if len({len(r) for r in rows}) > 1:
        raise ValueError(t_("typed_mixed"))
    return np.array(rows)


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 1.5, 2, 3, 5, 7.5 × 10^k that is ≥ ``value``."""
    exponent = math.floor(math.log10(value))
    for mantissa in (1, 1.5, 2, 3, 5, 7.5, 10):
        if mantissa * 10 ** exponent >= value:
            return mantissa * 10 ** exponent
    return 10 ** (exponent + 1)


def widest_span(data: np.ndarray) -> float:
    """The widest axis span of the views that show the data (N, d): ``WINDOW_ZOOM`` times its
    largest coordinate span (at least ``UNIT_SPAN``), padded by 15 %."""
    return WINDOW_ZOOM * max(float(np.ptp(data, axis=0).max()), UNIT_SPAN) * 1.15


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


class DiffusionOdeDashboard(Dashboard):
    """Exact ODE trajectories of point clouds for the constructions of 生成扩散模型漫谈 (十二)–(十五)."""

    slug = "diffusion_ode"
    text = TEXT
    posts = (("post_12", "https://kexue.fm/archives/9280"), ("post_13", "https://kexue.fm/archives/9305"),
             ("post_14", "https://kexue.fm/archives/9370"), ("post_15", "https://kexue.fm/archives/9379"))
    controls = ("dataset", "n_data", "seed", "construction", "prior", "T", "prior_mode", "radius_clip", "direction",
                "solver", "n_steps", "grid", "rho", "rtol", "t_min", "n_particles", "show_field", "show_density",
                "show_reference", "show_mean", "particle")
    widget_options = {"seed": {"type": pn.widgets.IntInput}, "particle": {"type": pn.widgets.IntInput}}
    probe = "t_view"

    dataset = param.Selector(default="moons", objects=[*PRESETS, "custom"])
    n_data = param.Integer(64, bounds=(2, 512))
    seed = param.Integer(0, bounds=(0, 9999))
    construction = param.Selector(default="straight", objects=list(CONSTRUCTIONS))
    prior = param.Selector(default="gaussian", objects=list(PRIORS))
    T = param.Number(20.0, bounds=(1.0, 200.0), step=1.0)
    prior_mode = param.Selector(default="exact", objects=["exact", "approximate"])
    radius_clip = param.Selector(default=0, objects=list(RADIUS_CLIPS), doc="clip ‖z‖ of the start sample; 0 = off")
    direction = param.Selector(default="generate", objects=["generate", "encode"])
    solver = param.Selector(default="heun", objects=[*FIXED_SOLVERS, "dopri5"])
    n_steps = param.Integer(16, bounds=(1, 200))
    grid = param.Selector(default="karras", objects=list(GRIDS))
    rho = param.Number(7.0, bounds=(1.0, 10.0), step=0.5)
    rtol = param.Selector(default=1e-5, objects=[1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2])
    t_min = param.Selector(default=1e-3, objects=[1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1])
    n_particles = param.Integer(128, bounds=(1, MAX_PARTICLES))
    t_view = param.Number(0.0, bounds=(0.0, 1.0), step=0.01)
    show_field = param.Boolean(True)
    show_density = param.Boolean(False)
    show_reference = param.Boolean(False, doc="the reference trajectories (dashed) in the main view")
    show_mean = param.Boolean(False, doc="arrows from each particle to its posterior mean x̂₀ at the view time")
    particle = param.Integer(0, bounds=(0, MAX_PARTICLES - 1), doc="the particle of the weight strip (tap one)")
    gravity_sources = param.Selector(default="four", objects=["four", "ring"], doc="post 13's gravity figure")
    gravity_radius = param.Number(6.0, bounds=(1.0, 50.0), step=0.5, doc="circle where multi-source ≈ centroid field")
    sweeps_done = param.Integer(0, bounds=(0, 10 ** 9), precedence=-1, doc="bumped when a sweep finishes")
    points = param.String(encode_points(DEFAULT_CUSTOM), doc="the custom data set, 'x,y;x,y;…' (kept in the link)")
    custom_version = param.Integer(0, bounds=(0, 10 ** 9), precedence=-1, doc="bumped when custom points change")
    t_settled = param.Number(0.0, bounds=(0.0, 1.0), precedence=-1, doc="the view time once it rests (derived)")

    SCRUBBED = {"t_view": "t_settled"}
    LATENCY_MOVES = {
        "t_view": [round(0.05 * k, 2) for k in range(1, 21)],
        "n_steps": [4, 6, 8, 10, 12, 14, 18, 20, 24, 28, 32, 40],
        "solver": ["euler", "rk4", "dpmpp_2m", "euler", "rk4", "dpmpp_2m"] * 2,
        "grid": ["log", "uniform", "log", "uniform"] * 3,
        "n_particles": [32, 64, 96, 160, 192, 224, 256, 48, 80, 112, 144, 176],
        "particle": [5, 9, 17, 33, 2, 64, 100, 7, 45, 80, 21, 127],
        "show_mean": [True, False] * 6,
        "show_reference": [True, False] * 6,
        "radius_clip": [5, 0, 10, 0, 20, 0, 50, 0, 100, 0, 5, 0],
        "gravity_radius": [3.0, 4.5, 8.0, 12.0, 2.5, 20.0, 5.5, 30.0, 9.5, 1.5, 40.0, 7.0],
    }

    def __init__(self, **params):
        super().__init__(**params)
        self._custom = DEFAULT_CUSTOM.copy()
        self._runs = LruDict(16)
        self._references = LruDict(8)
        self._sweeps = LruDict(8)
        self._qualities = LruDict(32)
        self._exact = LruDict(8)
        self._frames = LruDict(4)
        self._basins = LruDict(16)
        self._starts = LruDict(8)
        self._strips = LruDict(16)
        self._gravity = LruDict(4)

    # ---- inputs -------------------------------------------------------------------------------
    def data_key(self) -> tuple:
        if self.dataset == "custom":
            return ("custom", self.custom_version)
        return (self.dataset, self.n_data, self.seed)

    def cloud(self):
        if self.dataset == "custom":
            if len(self._custom) == 0:
                raise ValueError(self.t("custom_empty"))
            return from_points(self._custom)
        return make_dataset(self.dataset, self.n_data, self.seed)

    def construction_key(self) -> tuple:
        return (self.construction, self.prior if self.construction in ("straight", "cosine") else None, self.T)

    def make_construction(self):
        """The selected construction; ``T`` is σ_T (so ``ve_sq`` runs to ``T²``); linear paths use 1."""
        if self.construction in ("straight", "cosine", "vp_linear"):
            return make_construction(self.construction, prior=self.prior)
        return make_construction(self.construction, T=self.T ** 2 if self.construction == "ve_sq" else self.T)

    def start_key(self) -> tuple:
        return (*self.reference_key(), self.n_particles)

    def max_radius(self) -> float | None:
        """The clipping radius of the standardised start sample ``z`` (``None``: off)."""
        return float(self.radius_clip) if self.radius_clip else None

    def absolute_t_min(self, construction) -> float:
        return self.t_min * construction.T

    def starts(self, cloud, construction, count: int) -> torch.Tensor:
        """The first ``count`` of ``MAX_PARTICLES`` seeded starts (so the reference's particles are the
        first ones of every run), see :meth:`start_sample`."""
        return self.start_sample(cloud, construction)[0][:count]

    def start_sample(self, cloud, construction):
        """``(starts, clipped)`` for ``MAX_PARTICLES`` particles (cached): generation draws ``x_T`` (its
        radius clipped at ``radius_clip``); encoding ``α x_i + σ z`` at ``t_min``, ``i ~ π``."""
        def compute():
            generator = torch.Generator().manual_seed(self.seed)
            if self.direction == "generate":
                return sample_prior_clipped(MAX_PARTICLES, cloud, construction, generator,
                                            exact=self.prior_mode == "exact", max_radius=self.max_radius())
            t = torch.tensor(self.absolute_t_min(construction), dtype=torch.float64)
            alpha, sigma = construction.schedule.alpha(t), construction.schedule.sigma(t)
            index = torch.multinomial(cloud.weights.cpu(), MAX_PARTICLES, replacement=True, generator=generator)
            noise = construction.kernel.sample(MAX_PARTICLES, cloud.dim, generator)
            return (alpha * cloud.points[index] + sigma * noise.to(cloud.points.device),
                    torch.zeros(MAX_PARTICLES, dtype=torch.bool))

        return self._starts.fetch(self.reference_key(), compute)

    def check_cost(self, cloud) -> None:
        cost = EXPECTED_NFE[self.solver](self.n_steps) * self.n_particles * cloud.size
        if cost > COST_LIMIT:
            raise ValueError(self.t("too_costly", cost=cost, limit=COST_LIMIT))

    # ---- computation ------------------------------------------------------------------------
    def run(self):
        """``(cloud, construction, trajectories)`` of the current solver (cached)."""
        key = self.run_key()

        def compute():
            cloud, construction = self.cloud(), self.make_construction()
            self.check_cost(cloud)
            x = self.starts(cloud, construction, self.n_particles)
            run = encode if self.direction == "encode" else generate
            return cloud, construction, run(x, cloud, construction, self.solver, self.n_steps, self.grid,
                                            t_min=self.absolute_t_min(construction), rho=self.rho, rtol=self.rtol)

        return self._runs.fetch(key, compute)

    def reference_key(self) -> tuple:
        """What the reference depends on (not the particle count: it has its own particles)."""
        return (self.data_key(), self.construction_key(), self.seed, self.prior_mode, self.direction, self.t_min,
                self.radius_clip if self.direction == "generate" else 0)

    def reference_count(self, cloud) -> int:
        """Reference particles: up to ``REFERENCE_PARTICLES``, fewer for large data sets."""
        return int(min(REFERENCE_PARTICLES, max(16, REFERENCE_WORK // (800 * cloud.size))))

    def reference_method(self, cloud, construction) -> str:
        if cloud.dim == 1 and self.direction == "generate":
            return "cdf"
        return "rk4" if construction.kernel.compact else "dop853"

    def reference(self):
        """Accurate trajectories of starts of their own (see :meth:`reference_count`) on a dense log
        grid: the exact CDF route in 1-D (generation); DOP853 at rtol 1e-8; for a compact prior, whose
        field jumps at support edges, RK4 with ``COMPACT_REFERENCE_STEPS`` uniform steps (cached)."""
        def compute():
            cloud, construction = self.cloud(), self.make_construction()
            x = self.starts(cloud, construction, self.reference_count(cloud))
            t_min = self.absolute_t_min(construction)
            method = self.reference_method(cloud, construction)
            if method == "rk4":
                run = encode if self.direction == "encode" else generate
                return run(x, cloud, construction, "rk4", COMPACT_REFERENCE_STEPS, "uniform", t_min=t_min)
            dense = torch.exp(torch.linspace(math.log(construction.T), math.log(t_min), DENSE_TIMES,
                                             dtype=torch.float64))
            if self.direction == "encode":
                return integrate_adaptive(x, dense.flip(0), cloud, construction, "dop853", REFERENCE_RTOL,
                                          REFERENCE_RTOL)
            times = torch.cat([dense, dense.new_zeros(1)])
            if method == "cdf":
                states = exact1d.cdf_trajectories(x[:, 0], times, cloud, construction)[..., None]
                return Trajectories(times, states, 0, torch.zeros(x.shape[0], dtype=torch.bool))
            return integrate_adaptive(x, times, cloud, construction, "dop853", REFERENCE_RTOL, REFERENCE_RTOL)

        return self._references.fetch(self.reference_key(), compute)

    def solve_reference_starts(self, solver: str, n_steps: int):
        """The reference's starts integrated by a fixed-step solver (for the accuracy views)."""
        cloud, construction = self.cloud(), self.make_construction()
        run = encode if self.direction == "encode" else generate
        return run(self.reference().states[0], cloud, construction, solver, n_steps, self.grid,
                   t_min=self.absolute_t_min(construction), rho=self.rho, rtol=self.rtol)

    def sweep_key(self) -> tuple:
        return (self.reference_key(), self.grid_key())

    def finished_sweep(self) -> dict | None:
        """The sweep of the current setting if it has been run (see :meth:`run_sweep`), else ``None``."""
        return self._sweeps.get(self.sweep_key())

    def run_sweep(self) -> None:
        """Compute (or recall) the sweep of the current setting and refresh the accuracy view."""
        self.sweep()
        self.sweeps_done += 1

    def sweep(self) -> dict:
        """Agreement with the reference vs NFE for every fixed-step solver on the current grid (cached;
        1–3 s, so the page runs it only on a button press)."""
        def compute():
            cloud, reference = self.cloud(), self.reference()
            result = {}
            for solver in FIXED_SOLVERS:
                runs = [self.solve_reference_starts(solver, n) for n in SWEEP_STEPS]
                result[solver] = (np.array([r.nfe for r in runs]),
                                  np.array([self.agreement(r.end, reference.end, cloud) for r in runs]))
            return result

        return self._sweeps.fetch(self.sweep_key(), compute)

    def current_quality(self) -> tuple:
        """(NFE, agreement) of the current solver setting on the reference's starts (cached)."""
        def compute():
            reference = self.reference()
            count = reference.end.shape[0]
            trajectories = self.run()[2]
            if trajectories.end.shape[0] < count:  # fewer particles than the reference: solve its starts
                trajectories = self.solve_reference_starts(self.solver, self.n_steps)
            return trajectories.nfe, self.agreement(trajectories.end[:count], reference.end, self.cloud())

        return self._qualities.fetch((self.reference_key(), self.grid_key(), self.solver, self.n_steps, self.rtol,
                                      min(self.n_particles, REFERENCE_PARTICLES)), compute)

    def agreement(self, end, reference_end, cloud) -> float:
        """Generation: same nearest data point; encoding: endpoint within 1e-3·σ_T of the reference."""
        if self.direction == "generate":
            return metrics.basin_agreement(end, reference_end, cloud)
        construction = self.make_construction()
        sigma_T = float(construction.schedule.sigma(torch.tensor(construction.T, dtype=torch.float64)))
        return float((metrics.endpoint_error(end, reference_end) < 1e-3 * sigma_T).double().mean())

    def basins(self, cloud, trajectories) -> np.ndarray:
        """Colour index per particle: the data point of the endpoint (generate) or of the start (encode)."""
        anchor = trajectories.states[-1] if self.direction == "generate" else trajectories.states[0]
        return metrics.nearest_point(anchor, cloud).cpu().numpy()

    def view_time(self, construction, fraction: float | None = None) -> float:
        """``t`` at a log-scale fraction of the way from ``T`` (0) to ``t_min`` (1); default ``t_view``."""
        fraction = self.t_view if fraction is None else fraction
        T, t_min = construction.T, self.absolute_t_min(construction)
        return math.exp(math.log(T) + fraction * (math.log(t_min) - math.log(T)))

    def frame(self):
        """Everything the views at the view time need: cloud, construction, run, t, positions, basins
        (cached: three views ask for the same frame)."""
        def compute():
            cloud, construction, trajectories = self.run()
            t = self.view_time(construction)
            positions = interpolate_log_time(trajectories.times.cpu().numpy(), trajectories.states.cpu().numpy(), t)
            basins = self._basins.fetch(self.run_key(), lambda: self.basins(cloud, trajectories))
            return cloud, construction, trajectories, t, positions, basins

        return self._frames.fetch((self.run_key(), self.t_view), compute)

    def bounds(self, cloud, positions):
        """Square axis limits holding the data and the particles' central 96 %, in nice steps so
        that scrubbing the view time rarely moves the axes, and at most ``WINDOW_ZOOM`` times the
        data's own (then centred on the data): a prior of scale T ≫ 1 (VE, PFGM's heavy tail at
        t ≈ T) would otherwise shrink the data to a dot; the main view marks the particles
        beyond the window on its edge."""
        data = cloud.points.cpu().numpy()
        sample = np.concatenate([data, positions])
        lo = np.minimum(np.quantile(sample, 0.02, axis=0), data.min(0))
        hi = np.maximum(np.quantile(sample, 0.98, axis=0), data.max(0))
        half = nice_ceiling(0.5 * max(float((hi - lo).max()), 1.0) * 1.15)
        widest = nice_ceiling(0.5 * widest_span(data))
        if half > widest:
            half, lo, hi = widest, data.min(0), data.max(0)
        step = half / 4
        centre = np.round(0.5 * (lo + hi) / step) * step
        return (centre[0] - half, centre[0] + half), (centre[1] - half, centre[1] + half)

    def grid_field(self, cloud, construction, t, bounds, size):
        """(xs, ys, field values) on a size×size grid over ``bounds``."""
        xs, ys = np.linspace(*bounds[0], size), np.linspace(*bounds[1], size)
        gx, gy = np.meshgrid(xs, ys)
        query = torch.as_tensor(np.column_stack([gx.ravel(), gy.ravel()]))
        return xs, ys, gx, gy, evaluate(query, t, cloud, construction)

    # ---- views --------------------------------------------------------------------------------
    def title(self, trajectories, t, beyond: int = 0) -> str:
        """The main view's title; ``beyond``: particles outside its window (marked on the edge)."""
        title = self.t("view_plane", construction=self.option_label("construction", self.construction),
                       nfe=trajectories.nfe, t=t)
        return f"{title} · {self.t('beyond_window', count=beyond)}" if beyond else title

    def main_view(self):
        def build():
            cloud, construction, trajectories, t, positions, basins = self.frame()
            if cloud.dim == 1:
                return self.line_1d_view(cloud, construction, trajectories, t, basins)
            bounds = self.bounds(cloud, positions)
            arrows = density = None
            if self.show_field or self.show_density:
                xs, ys, gx, gy, values = self.grid_field(cloud, construction, t, bounds, ARROW_GRID)
                if self.show_field:
                    arrows = (gx.ravel(), gy.ravel(), values.velocity.cpu().numpy(), bounds[0][1] - bounds[0][0])
                if self.show_density:
                    xs, ys, _, _, values = self.grid_field(cloud, construction, t, bounds, DENSITY_GRID)
                    density = (xs, ys, values.log_density.cpu().numpy().reshape(DENSITY_GRID, DENSITY_GRID))
            static = self.cached_view("plane_static", self.run_key(), lambda: views.plane_layers(
                self.data_layer(cloud), trajectories.states[:, :DRAWN_PATHS].cpu().numpy(), basins[:DRAWN_PATHS]))
            means = evaluate(torch.as_tensor(positions), t, cloud, construction).mean.cpu().numpy() if self.show_mean \
                else None
            beyond = int(views.outside(positions, bounds).sum())
            return views.plane_view(static, positions, basins, self.title(trajectories, t, beyond), bounds, self.t,
                                    arrows=arrows, density=density, reference=self.reference_layer(),
                                    means=means, selected=positions[self.selected_index()])

        key = (self.run_key(), self.t_view, self.show_field, self.show_density, self.show_reference, self.show_mean,
               self.selected_index())
        return self.cached_view("main", key, build)

    def data_layer(self, cloud):
        """The 2-D data as black dots (one element per data set, shared by the views)."""
        return self.cached_view("data_layer", self.data_key(), lambda: views.data_points(cloud.points.cpu().numpy(),
                                                                                         ("x1", "x2")))

    def selected_index(self) -> int:
        """The particle of the weight strip: ``particle``, at most the last one drawn."""
        return min(self.particle, self.n_particles - 1)

    def reference_layer(self):
        """The reference trajectories of the first particles as dashed polylines (``None`` when off)."""
        if not self.show_reference:
            return None
        def build():
            states = self.reference().states[:, :min(self.n_particles, DRAWN_PATHS)].cpu().numpy()
            return views.reference_paths(states[..., 0], states[..., 1], ("x1", "x2"))

        return self.cached_view("reference_layer", (self.reference_key(), min(self.n_particles, DRAWN_PATHS)), build)

    def run_key(self) -> tuple:
        return (self.start_key(), self.solver, self.n_steps, self.grid_key(), self.rtol if self.solver == "dopri5" else None)

    def grid_key(self) -> tuple:
        """The time grid's settings (ρ only matters for the Karras grid)."""
        return (self.grid, self.rho if self.grid == "karras" else None)

    def line_1d_view(self, cloud, construction, trajectories, t, basins):
        def static():
            exact, exact_times = None, None
            if self.direction == "generate":
                exact_times, exact = self.exact_1d(cloud, construction, trajectories)
            return views.tx_layers(trajectories.times.cpu().numpy(), trajectories.states[:, :DRAWN_PATHS, 0].cpu().numpy(),
                                   basins[:DRAWN_PATHS], self.t, exact=exact, exact_times=exact_times,
                                   data=cloud.points[:, 0].cpu().numpy())

        title = self.t("view_line1d", construction=self.option_label("construction", self.construction), t=t)
        limits = self.cached_view("line_limits", self.run_key(), lambda: self.tx_limits(cloud, trajectories, tail=0.0))
        return views.tx_view(self.cached_view("line_static", self.run_key(), static), t, title, self.t, ylabel="x",
                             height=520, width=MAIN_WIDTH, ylim=limits)

    def exact_1d(self, cloud, construction, trajectories):
        """The CDF-route trajectories of the drawn particles on a dense grid (cached)."""
        def compute():
            dense = torch.cat([torch.linspace(construction.T, 0, 41, dtype=torch.float64)[:-1],
                               torch.exp(torch.linspace(math.log(construction.T / 40),
                                                        math.log(self.absolute_t_min(construction)), 24,
                                                        dtype=torch.float64)), torch.zeros(1, dtype=torch.float64)])
            dense = torch.sort(dense, descending=True).values
            starts = trajectories.states[0, :DRAWN_PATHS, 0]
            return dense.cpu().numpy(), exact1d.cdf_trajectories(starts, dense, cloud, construction).cpu().numpy()

        return self._exact.fetch(self.start_key(), compute)

    def tx_view(self):
        def build():
            cloud, construction, trajectories, t, positions, basins = self.frame()
            if cloud.dim == 1:
                xs = self.axis_1d(cloud, positions)
                F = exact1d.cdf(torch.as_tensor(xs), t, cloud, construction).cpu().numpy()
                levels = exact1d.cdf(torch.as_tensor(positions[:, 0]), t, cloud, construction).cpu().numpy()
                return views.cdf_view(xs, F, positions[:, 0], levels, basins, self.t("view_cdf", t=t), self.t)
            logx = not construction.linear_path  # T ≫ 1: the action is at small t
            keep = (trajectories.times > 0).cpu().numpy() if logx else slice(None)
            static = self.cached_view("tx_static", self.run_key(), lambda: views.tx_layers(
                trajectories.times.cpu().numpy()[keep], trajectories.states[keep, :DRAWN_PATHS, 0].cpu().numpy(),
                basins[:DRAWN_PATHS], self.t))
            return views.tx_view(static, t, self.t("view_tx"), self.t, logx=logx, ylim=self.cached_view(
                "tx_limits", self.run_key(), lambda: self.tx_limits(cloud, trajectories)))

        return self.cached_view("tx", (self.run_key(), self.t_view), build)

    def tx_limits(self, cloud, trajectories, tail: float = 0.02) -> tuple[float, float]:
        """x₁ limits of the x₁(t) views: the data and the drawn paths' values but a ``tail`` share at
        either end, padded (PFGM's heavy-tailed starts would otherwise squeeze every path to a line),
        and at most :func:`widest_span` about the data (paths from farther come in from the edges;
        the same rule as the main view's :meth:`bounds`)."""
        values = trajectories.states[:, :DRAWN_PATHS, 0].cpu().numpy()
        data = cloud.points[:, 0].cpu().numpy()
        lo, hi = min(np.quantile(values, tail), data.min()), max(np.quantile(values, 1 - tail), data.max())
        pad = 0.05 * max(hi - lo, 1e-9)
        widest = widest_span(data[:, None])
        if hi - lo + 2 * pad > widest:
            middle = 0.5 * (data.min() + data.max())
            return float(middle - 0.5 * widest), float(middle + 0.5 * widest)
        return float(lo - pad), float(hi + pad)

    def axis_1d(self, cloud, positions) -> np.ndarray:
        sample = np.concatenate([cloud.points[:, 0].cpu().numpy(), positions[:, 0]])
        lo, hi = np.quantile(sample, 0.02), np.quantile(sample, 0.98)
        pad = 0.1 * max(hi - lo, 1.0)
        return np.linspace(min(lo, float(cloud.points.min())) - pad, max(hi, float(cloud.points.max())) + pad, 400)

    def density_view(self):
        """The exact marginal at the settled view time; axes from the reference particles, so the map
        does not depend on (and is not redrawn for) the solver, its grid or the particle count."""
        def build():
            cloud, construction = self.cloud(), self.make_construction()
            t = self.view_time(construction, self.t_settled)
            reference = self.reference()
            positions = interpolate_log_time(reference.times.cpu().numpy(), reference.states.cpu().numpy(), t)
            if cloud.dim == 1:
                xs = self.axis_1d(cloud, positions)
                p = torch.exp(evaluate(torch.as_tensor(xs)[:, None], t, cloud, construction).log_density).cpu().numpy()
                trajectories = self.run()[2]
                run_positions = interpolate_log_time(trajectories.times.cpu().numpy(), trajectories.states.cpu().numpy(), t)
                return views.density_view_1d(xs, p, run_positions[:, 0], self.t("view_density1d", t=t), self.t,
                                             width=SIDE_WIDTH)
            bounds = self.bounds(cloud, positions)
            xs, ys, _, _, values = self.grid_field(cloud, construction, t, bounds, DENSITY_GRID)
            log_p = values.log_density.cpu().numpy().reshape(DENSITY_GRID, DENSITY_GRID)
            return views.density_view(xs, ys, log_p, self.data_layer(cloud), self.t("view_density", t=t), self.t)

        key = (self.reference_key(), self.t_settled, self.run_key() if self.dimension() == 1 else None)
        return self.cached_view("density", key, build)

    def dimension(self) -> int:
        return 1 if self.dataset in ("post15_1d", "four_1d") or (self.dataset == "custom" and self._custom.shape[1] == 1) \
            else 2

    def quality_view(self):
        """Agreement vs NFE: the current setting always; every solver's curve once the sweep has run."""
        sweep = self.finished_sweep()
        reference = self.t(f"reference.{self.reference_method(self.cloud(), self.make_construction())}")
        title = self.t("view_quality", reference=reference)

        def build():
            static = self.cached_view("quality_static", (self.sweep_key(), sweep is not None),
                                      lambda: views.quality_layers(sweep or {}, self.t))
            return views.quality_view(static, self.current_quality(), title, self.t)

        return self.cached_view("quality", (self.sweep_key(), sweep is not None, self.solver, self.n_steps,
                                            self.rtol), build)

    def strip(self):
        """``(times (S,), weights (S, N), commitment time)`` of the selected particle: its posterior
        weights ``w_i(x_t, t)`` at ``STRIP_TIMES`` log-spaced times along its trajectory (cached)."""
        def compute():
            cloud, construction, trajectories = self.run()
            times = np.exp(np.linspace(math.log(construction.T), math.log(self.absolute_t_min(construction)),
                                       STRIP_TIMES))
            path = interpolate_path(trajectories.times.cpu().numpy(),
                                    trajectories.states[:, self.selected_index()].cpu().numpy(), times)
            w = weights(torch.as_tensor(path), torch.as_tensor(times), cloud, construction)
            commit = metrics.commitment_time(w[:, None], torch.as_tensor(times, device=w.device), COMMIT_LEVEL)
            return times, w.cpu().numpy(), float(commit[0])

        return self._strips.fetch((self.run_key(), self.selected_index()), compute)

    def strip_view(self):
        def build():
            times, w, commit = self.strip()
            title = self.t("view_strip", particle=self.selected_index(), level=COMMIT_LEVEL,
                           commit=self.t("never") if math.isnan(commit) else f"{commit:.3g}")
            return views.weight_strip(times, w, commit, title, self.t)

        return self.cached_view("strip", (self.run_key(), self.selected_index()), build)

    def half_plane(self, cloud, construction):
        """``(x window, t top, arrows table, field lines (K, L) x and t or None)`` of the PFGM (x, t) view
        near the data (where the field lines bend): the augmented field ``(F_x₁, F_t)`` on a grid
        (d = 2: the slice through the data's mean x₂) and, in d = 1, exact field lines (the PFGM
        trajectories, by the conserved CDF) from t = top."""
        x1 = cloud.points[:, 0].cpu().numpy()
        pad = max(1.0, 0.75 * float(x1.max() - x1.min()))
        window = (float(x1.min()) - pad, float(x1.max()) + pad)
        top = window[1] - window[0]
        xs = np.linspace(*window, HALF_PLANE_GRID)
        ts = np.linspace(top / HALF_PLANE_GRID, top, HALF_PLANE_GRID)
        gx, gt = (a.ravel() for a in np.meshgrid(xs, ts))
        query = torch.as_tensor(gx)[:, None]
        if cloud.dim == 2:  # the slice through the data's mean x₂
            query = torch.cat([query, torch.full_like(query, float(cloud.points[:, 1].mean()))], 1)
        force_x, force_t = augmented_field(query, torch.as_tensor(gt), cloud)
        force = np.column_stack([force_x[:, 0].cpu().numpy(), force_t.cpu().numpy()])
        arrows = views.unit_arrows(gx, gt, force, 0.45 * top / HALF_PLANE_GRID)
        lines = None
        if cloud.dim == 1:
            times = torch.linspace(top, 0.0, 61, dtype=torch.float64)
            starts = torch.linspace(*window, FIELD_LINES, dtype=torch.float64)
            lines = (exact1d.cdf_trajectories(starts, times, cloud, construction, t_start=top).cpu().numpy(),
                     times.cpu().numpy())
        return window, top, arrows, lines

    def half_plane_view(self):
        """PFGM only: the augmented (x, t) half-plane of post 13 with the field ``F(x, t)`` of the data
        on t = 0; the particles' x₁(t) (d = 2: projected) and the view time as a line."""
        def static():
            cloud, construction, trajectories, _, _, basins = self.frame()
            window, top, arrows, lines = self.half_plane(cloud, construction)
            keep = trajectories.times.cpu().numpy() <= 1.05 * top
            layers = views.half_plane_layers(arrows, trajectories.times.cpu().numpy()[keep],
                                             trajectories.states[keep, :DRAWN_PATHS, 0].cpu().numpy(), basins[:DRAWN_PATHS],
                                             cloud.points[:, 0].cpu().numpy(), lines)
            return layers, window, top

        def build():
            construction = self.make_construction()
            layers, window, top = self.cached_view("half_static", self.run_key(), static)
            title = self.t("view_half_plane" if self.dimension() == 1 else "view_half_plane_2d", T=construction.T)
            return views.half_plane_view(layers, self.view_time(construction), window, top, title, self.t)

        if self.construction != "pfgm":
            return self.cached_view("half_plane_off", (), lambda: hv.Curve([]))
        return self.cached_view("half_plane", (self.run_key(), self.t_view), build)

    def geometry(self):
        """(times, mean curvature, tortuosity) of the reference trajectories (x, or (t, x) in 1-D)."""
        reference = self.reference()
        positive = reference.times > 0
        times, states = reference.times[positive], reference.states[positive]
        if states.shape[-1] == 1:
            states = torch.cat([times[:, None, None].expand(-1, states.shape[1], 1), states], -1)
        kappa = metrics.curvature(states).mean(1)
        return times[1:-1].cpu().numpy(), kappa.cpu().numpy(), metrics.tortuosity(reference.states).cpu().numpy()

    def curvature_view(self):
        def curve():
            times, kappa, _ = self.geometry()
            keep = kappa > 0
            return views.curvature_curve(times[keep], kappa[keep], self.t)

        construction = self.make_construction()
        return self.cached_view("curvature", (self.reference_key(), self.t_view), lambda: views.curvature_view(
            self.cached_view("curvature_curve", self.reference_key(), curve), self.view_time(construction), self.t))

    def tortuosity_view(self):
        return self.cached_view("tortuosity", self.reference_key(),
                                lambda: views.tortuosity_view(self.geometry()[2], self.t))

    def status_text(self) -> str:
        try:
            cloud, construction, trajectories = self.run()
        except ValueError:
            return ""
        status = self.t("status", outside=int(trajectories.outside.sum()), total=trajectories.outside.shape[0],
                        memo=self.t("memo"))
        return f"{self.clip_text(cloud, construction)} {status}".strip()

    def clip_text(self, cloud, construction) -> str:
        """How many of the drawn starts the radius clip moved, and for PFGM the Poisson kernel's
        expected share ``P(‖z‖ > clip)`` (brief §2.4)."""
        if self.direction != "generate" or not self.radius_clip:
            return ""
        clipped = int(self.start_sample(cloud, construction)[1][:self.n_particles].sum())
        text = self.t("clipped", clipped=clipped, total=self.n_particles, clip=self.radius_clip)
        if construction.kernel.name == "poisson":
            text += " " + self.t("clipped_expected", share=poisson_tail(self.radius_clip, cloud.dim))
        return text

    def figure(self):
        """Exported figure: main view, x(t) or CDF, density, accuracy vs NFE, weight strip (and the
        PFGM half-plane for PFGM)."""
        layout = self.main_view() + self.tx_view() + self.density_view() + self.quality_view() + self.strip_view()
        if self.construction == "pfgm":
            layout = layout + self.half_plane_view()
        return styled(layout.cols(2), shared_axes=False, sublabel_format="", fig_inches=(12, 15))

    def build_views(self):
        data = ("dataset", "n_data", "seed", "custom_version")
        reference = (*data, "construction", "prior", "T", "prior_mode", "radius_clip", "direction", "t_min")
        run = (*reference, "n_particles", "solver", "n_steps", "grid", "rho", "rtol")
        main = self.live("main", self.main_view, (*run, "t_view", "show_field", "show_density", "show_reference",
                                                  "show_mean", "particle"), css_classes=["kv-main-plot"])
        on_tap(main, self.select_nearest)  # tapping the main 2-D view selects the nearest particle
        density = self.live("density", self.density_view, (*run, "t_settled"))  # 2-D: cached apart from the run
        for square in (main, density):  # fixed-size frames: a stretched pane would distort equal axes
            square.sizing_mode = "fixed"
        half_plane = pn.Column(self.live("half_plane", self.half_plane_view, (*run, "t_view")),
                               visible=self.construction == "pfgm", sizing_mode="stretch_width")  # the pane's own
        # visibility follows its Bokeh figure's
        self.param.watch(lambda event: setattr(half_plane, "visible", event.new == "pfgm"), "construction")
        quality = pn.Column(self.live("quality", self.quality_view, (*reference, "solver", "n_steps", "grid", "rho",
                                                                     "rtol", "sweeps_done")),
                            self.sweep_button(), sizing_mode="stretch_width")
        pairs = ((self.live("tx", self.tx_view, (*run, "t_view")), quality),
                 (self.live("strip", self.strip_view, (*run, "particle")), half_plane),
                 (self.live("curvature", self.curvature_view, (*reference, "t_view")),
                  self.live("tortuosity", self.tortuosity_view, reference)))
        grid = pn.Column(*[pn.Row(*pair, sizing_mode="stretch_width") for pair in pairs], sizing_mode="stretch_width")
        status = pn.pane.Markdown(pn.bind(lambda *_: self.status_text(), *[self.param[p] for p in (*run, "lang")]),
                                  sizing_mode="stretch_width", css_classes=["kv-status"])
        note = pn.pane.Markdown(pn.bind(lambda lang: self.t("note"), self.param.lang), sizing_mode="stretch_width")
        count = pn.pane.Markdown(pn.bind(lambda *_: self.t("custom_count", count=len(self._custom)),
                                         self.param.custom_version, self.param.lang), css_classes=["kv-custom-count"])
        top = pn.Row(main, pn.Column(density, self.editor(), count), sizing_mode="stretch_width")
        return pn.Column(top, status, grid, self.gravity_section(), note, sizing_mode="stretch_width")

    def sweep_button(self) -> pn.widgets.Button:
        """Runs the accuracy-vs-NFE sweep (1–3 s) with a busy indicator; a served page first shows the
        indicator, then computes on the next tick."""
        button = pn.widgets.Button(label=self.t("run_sweep"), color="primary", sizing_mode="stretch_width",
                                   css_classes=["kv-run-sweep"])

        def finish():
            try:
                self.guard("sweep", self.run_sweep, lambda: None)()
            finally:
                button.loading = False

        def press(_):
            button.loading = True
            next_tick(finish)

        button.on_click(press)
        self.param.watch(lambda _: setattr(button, "label", self.t("run_sweep")), "lang")
        self._sweep_button = button
        return button

    def select_nearest(self, x: float, y: float) -> None:
        """Make the particle nearest to ``(x, y)`` at the view time the selected one (2-D data)."""
        if x is None or y is None or self.dimension() != 2:
            return
        positions = self.frame()[4]
        self.particle = int(np.argmin(np.hypot(positions[:, 0] - x, positions[:, 1] - y)))

    # ---- post 13: gravity ------------------------------------------------------------------------
    def gravity_setup(self):
        """``(sources (N, 2), masses (N,))``: post 13's four sources, or a ring of ``RING_SIZE`` around a
        centre point; equal masses summing to 1."""
        if self.gravity_sources == "four":
            sources = make_dataset("post13_four").points.cpu().double()
        else:
            sources = torch.cat([ring_sources(RING_SIZE, RING_RADIUS), torch.zeros(1, 2, dtype=torch.float64)])
        return sources, torch.full((len(sources),), 1.0 / len(sources), dtype=torch.float64)

    def gravity_lines(self):
        """``(paths (K, L, 2), hit (L,), flux shares (N,), launch radius, centre)``: field lines from a far
        circle (4× the sources' extent) and the share ending on each source (Gauss: → mass shares)."""
        def compute():
            sources, masses = self.gravity_setup()
            centre = masses @ sources
            launch = max(4.0, 4.0 * float(torch.linalg.vector_norm(sources - centre, dim=1).max()))
            paths, hit = field_lines_from_circle(sources, masses, GRAVITY_LINES, launch, GRAVITY_STEP,
                                                 GRAVITY_CAPTURE)
            shares = torch.bincount(hit[hit >= 0], minlength=len(sources)).double() / GRAVITY_LINES
            return (paths[::GRAVITY_DRAWN_EVERY].cpu().numpy(), hit.cpu().numpy(), shares.cpu().numpy(), launch,
                    centre.cpu().numpy())

        return self._gravity.fetch(("lines", self.gravity_sources), compute)

    def centroid_errors(self):
        """``(radii, errors)``: the centroid approximation's max relative error on circles of radius R."""
        def compute():
            sources, masses = self.gravity_setup()
            extent = float(torch.linalg.vector_norm(sources - masses @ sources, dim=1).max())
            radii = np.geomspace(1.5 * extent, 60.0, 28)
            return radii, np.array([centroid_relative_error(sources, masses, float(r)) for r in radii])

        return self._gravity.fetch(("centroid", self.gravity_sources), compute)

    def gravity_view(self):
        def build():
            paths, hit, shares, launch, centre = self.gravity_lines()
            sources = self.gravity_setup()[0].cpu().numpy()
            title = self.t("view_gravity", low=shares.min(), high=shares.max(), n=len(shares))
            return views.gravity_lines_view(paths, hit, sources, self.gravity_radius, centre, title, self.t,
                                            limit=max(launch, 1.05 * self.gravity_radius))

        return self.cached_view("gravity", (self.gravity_sources, self.gravity_radius), build)

    def centroid_view(self):
        def build():
            radii, errors = self.centroid_errors()
            sources, masses = self.gravity_setup()
            error = centroid_relative_error(sources, masses, self.gravity_radius)
            title = self.t("view_centroid", R=self.gravity_radius, error=error)
            return views.centroid_error_view(radii, errors, self.gravity_radius, error, title, self.t)

        return self.cached_view("centroid", (self.gravity_sources, self.gravity_radius), build)

    def gravity_section(self):
        """Post 13's non-augmented gravity figures with their two controls."""
        heading = pn.pane.Markdown(pn.bind(lambda lang: self.t("gravity_heading"), self.param.lang),
                                   sizing_mode="stretch_width")
        controls = pn.Row(self._widget("gravity_sources"), self._widget("gravity_radius"), sizing_mode="stretch_width")
        plots = pn.Row(self.live("gravity", self.gravity_view, ("gravity_sources", "gravity_radius")),
                       self.live("centroid", self.centroid_view, ("gravity_sources", "gravity_radius")),
                       sizing_mode="stretch_width")
        plots[0].sizing_mode = "fixed"  # equal axes
        return pn.Column(heading, controls, plots, sizing_mode="stretch_width")

    # ---- custom data ----------------------------------------------------------------------------
    def checked_points(self, points) -> np.ndarray:
        """Reader points (N, d) as the custom data set keeps them: rounded as the link keeps them
        (:func:`encode_points`); ``ValueError`` (reader-facing) when they cannot be the data set."""
        array = np.asarray(points, dtype=np.float64).reshape(len(points), -1) if len(points) else np.zeros((0, 2))
        if len(array) == 0:
            raise ValueError(self.t("custom_empty"))
        if len(array) > MAX_CUSTOM_POINTS:
            raise ValueError(self.t("custom_too_many", count=len(array), limit=MAX_CUSTOM_POINTS))
        array = decode_points(encode_points(array), self.t)
        from_points(array)
        return array

    def set_custom(self, points, from_canvas: bool = False) -> bool:
        """Make reader points (N, d) the data set (see :meth:`checked_points`), shown in the typed-points
        box and (unless they come from it) on the canvas; else report why and keep the current ones."""
        try:
            array = self.checked_points(points)
        except ValueError as error:
            self.report(str(error), source="custom")
            return False
        self.clear_error("custom")
        self._custom = array
        self.points = encode_points(array)
        self.custom_version += 1
        if self.dataset != "custom":
            self.dataset = "custom"
        if not from_canvas and self._layout is not None:
            self._editor_pane.object = self.editor_element()
        return True

    @param.depends("points", watch=True)
    def _points_from_link(self) -> None:
        """Make ``points`` (a link, the CLI) the custom data set; a bad value is explained in the page
        and ``points`` goes back to the current set."""
        if self.points == encode_points(self._custom):
            return
        try:
            array = self.checked_points(decode_points(self.points, self.t))
        except ValueError as error:
            self.report(self.t("bad_link_points", value=self.points[:40], reason=error), source="custom")
            self.points = encode_points(self._custom)
            return
        self.set_custom(array)

    def editor_element(self):
        """The editable points (current custom points when 2-D) with the PointDraw tool active."""
        points = views.editor_points(self._custom if self._custom.shape[1] == 2 else DEFAULT_CUSTOM, self.t)
        points = points.opts(active_tools=["point_draw"], backend="bokeh")  # the stream adds the tool; a
        # "point_draw" in tools would add a second one, without renderers, and activate that
        self._point_stream.source = points
        return points

    def editor(self):
        """A canvas where the reader taps to add, drags to move and deletes points (PointDraw)."""
        stream = hv.streams.PointDraw(num_objects=MAX_CUSTOM_POINTS, add=True, drag=True)
        self._point_stream = stream
        points = self.editor_element()

        def changed(data):
            if data is None:
                return
            xs, ys = data.get("x1", data.get("x", [])), data.get("x2", data.get("y", []))
            points = np.column_stack([np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)]) if len(xs) else []
            # the stream reports from an asynchronous task without the document's lock: update the
            # document's models (every view follows the data) in a callback that holds it
            next_tick(lambda: self.set_custom(points, from_canvas=True))

        stream.add_subscriber(changed)
        self._editor_pane = pn.pane.HoloViews(points, sizing_mode="fixed", css_classes=["kv-editor"])
        return self._editor_pane

    def view_time_slider(self):
        """The view-time slider: dragging scrubs (trajectory views follow live), releasing settles
        (the density map follows); programmatic changes flow back to it."""
        slider = pn.widgets.FloatSlider(start=0.0, end=1.0, step=0.01, value=self.t_view, label=self.t("t_view"),
                                        css_classes=["kv-param-t_view", "kv-probe"], sizing_mode="stretch_width")
        return self.scrub_slider("t_view", slider)

    def extra_controls(self) -> list:
        area = pn.widgets.TextAreaInput(value=typed_text(self._custom), height=110, sizing_mode="stretch_width",
                                        css_classes=["kv-typed"])
        self.param.watch(lambda _: setattr(area, "value", typed_text(self._custom)), "custom_version")
        button = pn.widgets.Button(label=self.t("use_typed"), sizing_mode="stretch_width", css_classes=["kv-use-typed"])

        def use():
            try:
                self.set_custom(parse_typed_points(area.value, self.t))
            except ValueError as error:
                self.report(str(error), source="custom")

        # Panel runs a click that comes while the box's text is still on its way as a task without
        # the document's lock: like the canvas, change the data set on the next tick
        button.on_click(lambda _: next_tick(use))
        heading = pn.pane.Markdown(self.t("typed_points"))

        def relabel(_):
            heading.object, button.label = self.t("typed_points"), self.t("use_typed")
            self._editor_pane.object = self.editor_element()

        self.param.watch(relabel, "lang")
        return [self.view_time_slider(), heading, area, button]
