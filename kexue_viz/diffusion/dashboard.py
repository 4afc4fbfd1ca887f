"""Diffusion ODE trajectories dashboard (posts 9280, 9305, 9370, 9379).

Computation is split by what each control changes and cached by its inputs: the data set; the
starting particles (prior sample or encoding starts); the solver's trajectories; a reference
(DOP853 at rtol 1e-8 on a dense log grid, or in 1-D the exact CDF route) for at most
``REFERENCE_PARTICLES`` particles; the accuracy-vs-NFE sweep against it. Moving the view time only
interpolates stored trajectories and evaluates the field on a small grid (arrows, log-density).
Work beyond ``COST_LIMIT`` (NFE × particles × data points) is refused with a message.
"""
from __future__ import annotations

import math

import holoviews as hv
import numpy as np
import panel as pn
import param
import torch

from ..style import styled
from ..ui import Dashboard, LruDict
from . import exact1d, metrics, views
from .constructions import CONSTRUCTIONS, PRIORS, make_construction
from .data import MAX_POINTS, PRESETS, from_points, make_dataset
from .field import evaluate, sample_prior
from .grids import GRIDS
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
EXPECTED_NFE = {"euler": lambda n: n, "heun": lambda n: 2 * n - 1, "rk4": lambda n: 4 * n - 3,
                "dpmpp_2m": lambda n: n, "dopri5": lambda n: 200 + n}
DEFAULT_CUSTOM = np.array([[-1.0, -0.5], [1.0, -0.5], [0.0, 1.0], [0.3, 0.2]])


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
    controls = ("dataset", "n_data", "seed", "construction", "prior", "T", "prior_mode", "direction", "solver",
                "n_steps", "grid", "rho", "rtol", "t_min", "n_particles", "show_field", "show_density")
    widget_options = {"seed": {"type": pn.widgets.IntInput}}
    probe = "t_view"

    dataset = param.Selector(default="moons", objects=[*PRESETS, "custom"])
    n_data = param.Integer(64, bounds=(2, 512))
    seed = param.Integer(0, bounds=(0, 9999))
    construction = param.Selector(default="straight", objects=list(CONSTRUCTIONS))
    prior = param.Selector(default="gaussian", objects=list(PRIORS))
    T = param.Number(20.0, bounds=(1.0, 200.0), step=1.0)
    prior_mode = param.Selector(default="exact", objects=["exact", "approximate"])
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
    custom_version = param.Integer(0, bounds=(0, 10 ** 9), precedence=-1, doc="bumped when custom points change")
    t_settled = param.Number(0.0, bounds=(0.0, 1.0), precedence=-1, doc="the view time once it rests (derived)")

    SCRUBBED = {"t_view": "t_settled"}
    LATENCY_MOVES = {
        "t_view": [round(0.05 * k, 2) for k in range(1, 21)],
        "n_steps": [4, 6, 8, 10, 12, 14, 18, 20, 24, 28, 32, 40],
        "solver": ["euler", "rk4", "dpmpp_2m", "euler", "rk4", "dpmpp_2m"] * 2,
        "grid": ["log", "uniform", "log", "uniform"] * 3,
        "n_particles": [32, 64, 96, 160, 192, 224, 256, 48, 80, 112, 144, 176],
    }

    def __init__(self, **params):
        super().__init__(**params)
        self._custom = DEFAULT_CUSTOM.copy()
        self._runs = LruDict(16)
        self._references = LruDict(8)
        self._sweeps = LruDict(8)
        self._exact = LruDict(8)
        self._frames = LruDict(4)
        self._basins = LruDict(16)

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
        return (self.data_key(), self.construction_key(), self.n_particles, self.seed, self.prior_mode,
                self.direction, self.t_min)

    def absolute_t_min(self, construction) -> float:
        return self.t_min * construction.T

    def starts(self, cloud, construction, count: int) -> torch.Tensor:
        """The first ``count`` of ``MAX_PARTICLES`` seeded starts (so the reference's particles are the
        first ones of every run): generation draws ``x_T``; encoding ``α x_i + σ z`` at ``t_min``, ``i ~ π``."""
        generator = torch.Generator().manual_seed(self.seed)
        if self.direction == "generate":
            return sample_prior(MAX_PARTICLES, cloud, construction, generator, exact=self.prior_mode == "exact")[:count]
        t = torch.tensor(self.absolute_t_min(construction), dtype=torch.float64)
        alpha, sigma = construction.schedule.alpha(t), construction.schedule.sigma(t)
        index = torch.multinomial(cloud.weights, MAX_PARTICLES, replacement=True, generator=generator)
        noise = construction.kernel.sample(MAX_PARTICLES, cloud.dim, generator)
        return (alpha * cloud.points[index] + sigma * noise)[:count]

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
        return (self.data_key(), self.construction_key(), self.seed, self.prior_mode, self.direction, self.t_min)

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

    def sweep(self) -> dict:
        """Agreement with the reference vs NFE for every fixed-step solver on the current grid (cached)."""
        def compute():
            cloud, reference = self.cloud(), self.reference()
            result = {}
            for solver in FIXED_SOLVERS:
                runs = [self.solve_reference_starts(solver, n) for n in SWEEP_STEPS]
                result[solver] = (np.array([r.nfe for r in runs]),
                                  np.array([self.agreement(r.end, reference.end, cloud) for r in runs]))
            return result

        return self._sweeps.fetch((self.reference_key(), self.grid_key()), compute)

    def current_quality(self) -> tuple:
        """(NFE, agreement) of the current solver setting on the reference's starts (cached)."""
        def compute():
            reference = self.reference()
            count = reference.end.shape[0]
            trajectories = self.run()[2]
            if trajectories.end.shape[0] < count:  # fewer particles than the reference: solve its starts
                trajectories = self.solve_reference_starts(self.solver, self.n_steps)
            return trajectories.nfe, self.agreement(trajectories.end[:count], reference.end, self.cloud())

        return self._sweeps.fetch((self.reference_key(), self.grid_key(), self.solver, self.n_steps, self.rtol,
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
        return metrics.nearest_point(anchor, cloud).numpy()

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
            positions = interpolate_log_time(trajectories.times.numpy(), trajectories.states.numpy(), t)
            basins = self._basins.fetch(self.run_key(), lambda: self.basins(cloud, trajectories))
            return cloud, construction, trajectories, t, positions, basins

        return self._frames.fetch((self.run_key(), self.t_view), compute)

    def bounds(self, cloud, positions):
        """Square axis limits holding the data and the particles' central 96 %, in nice steps so
        that scrubbing the view time rarely moves the axes."""
        sample = np.concatenate([cloud.points.numpy(), positions])
        lo = np.minimum(np.quantile(sample, 0.02, axis=0), cloud.points.numpy().min(0))
        hi = np.maximum(np.quantile(sample, 0.98, axis=0), cloud.points.numpy().max(0))
        half = nice_ceiling(0.5 * max(float((hi - lo).max()), 1.0) * 1.15)
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
    def title(self, trajectories, t) -> str:
        return self.t("view_plane", construction=self.option_label("construction", self.construction),
                      nfe=trajectories.nfe, t=t)

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
                    arrows = (gx.ravel(), gy.ravel(), values.velocity.numpy(), bounds[0][1] - bounds[0][0])
                if self.show_density:
                    xs, ys, _, _, values = self.grid_field(cloud, construction, t, bounds, DENSITY_GRID)
                    density = (xs, ys, values.log_density.numpy().reshape(DENSITY_GRID, DENSITY_GRID))
            static = self.cached_view("plane_static", self.run_key(), lambda: views.plane_layers(
                cloud.points.numpy(), trajectories.states[:, :DRAWN_PATHS].numpy(), basins[:DRAWN_PATHS], self.t))
            return views.plane_view(static, positions, basins, self.title(trajectories, t), bounds, self.t,
                                    arrows=arrows, density=density)

        return self.cached_view("main", (self.run_key(), self.t_view, self.show_field, self.show_density), build)

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
            return views.tx_layers(trajectories.times.numpy(), trajectories.states[:, :DRAWN_PATHS, 0].numpy(),
                                   basins[:DRAWN_PATHS], self.t, exact=exact, exact_times=exact_times,
                                   data=cloud.points[:, 0].numpy())

        title = self.t("view_line1d", construction=self.option_label("construction", self.construction), t=t)
        return views.tx_view(self.cached_view("line_static", self.run_key(), static), t, title, self.t, ylabel="x",
                             height=520)

    def exact_1d(self, cloud, construction, trajectories):
        """The CDF-route trajectories of the drawn particles on a dense grid (cached)."""
        def compute():
            dense = torch.cat([torch.linspace(construction.T, 0, 41, dtype=torch.float64)[:-1],
                               torch.exp(torch.linspace(math.log(construction.T / 40),
                                                        math.log(self.absolute_t_min(construction)), 24,
                                                        dtype=torch.float64)), torch.zeros(1, dtype=torch.float64)])
            dense = torch.sort(dense, descending=True).values
            starts = trajectories.states[0, :DRAWN_PATHS, 0]
            return dense.numpy(), exact1d.cdf_trajectories(starts, dense, cloud, construction).numpy()

        return self._exact.fetch(self.start_key(), compute)

    def tx_view(self):
        def build():
            cloud, construction, trajectories, t, positions, basins = self.frame()
            if cloud.dim == 1:
                xs = self.axis_1d(cloud, positions)
                F = exact1d.cdf(torch.as_tensor(xs), t, cloud, construction).numpy()
                levels = exact1d.cdf(torch.as_tensor(positions[:, 0]), t, cloud, construction).numpy()
                return views.cdf_view(xs, F, positions[:, 0], levels, basins, self.t("view_cdf", t=t), self.t)
            logx = not construction.linear_path  # T ≫ 1: the action is at small t
            keep = (trajectories.times > 0).numpy() if logx else slice(None)
            static = self.cached_view("tx_static", self.run_key(), lambda: views.tx_layers(
                trajectories.times.numpy()[keep], trajectories.states[keep, :DRAWN_PATHS, 0].numpy(),
                basins[:DRAWN_PATHS], self.t))
            return views.tx_view(static, t, self.t("view_tx"), self.t, logx=logx)

        return self.cached_view("tx", (self.run_key(), self.t_view), build)

    def axis_1d(self, cloud, positions) -> np.ndarray:
        sample = np.concatenate([cloud.points[:, 0].numpy(), positions[:, 0]])
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
            positions = interpolate_log_time(reference.times.numpy(), reference.states.numpy(), t)
            if cloud.dim == 1:
                xs = self.axis_1d(cloud, positions)
                p = torch.exp(evaluate(torch.as_tensor(xs)[:, None], t, cloud, construction).log_density).numpy()
                trajectories = self.run()[2]
                run_positions = interpolate_log_time(trajectories.times.numpy(), trajectories.states.numpy(), t)
                return views.density_view_1d(xs, p, run_positions[:, 0], self.t("view_density1d", t=t), self.t)
            bounds = self.bounds(cloud, positions)
            xs, ys, _, _, values = self.grid_field(cloud, construction, t, bounds, DENSITY_GRID)
            log_p = values.log_density.numpy().reshape(DENSITY_GRID, DENSITY_GRID)
            data_layer = self.cached_view("data_layer", self.data_key(), lambda: views.data_points(
                cloud.points.numpy(), ("x1", "x2"), self.t))
            return views.density_view(xs, ys, log_p, data_layer, self.t("view_density", t=t), self.t)

        key = (self.reference_key(), self.t_settled, self.run_key() if self.dimension() == 1 else None)
        return self.cached_view("density", key, build)

    def dimension(self) -> int:
        return 1 if self.dataset in ("post15_1d", "four_1d") or (self.dataset == "custom" and self._custom.shape[1] == 1) \
            else 2

    def quality_view(self):
        return self.cached_view("quality", (self.reference_key(), self.grid_key(), self.solver, self.n_steps, self.rtol),
                                lambda: views.quality_view(self.cached_view(
                                    "quality_static", (self.reference_key(), self.grid_key()),
                                    lambda: views.quality_layers(self.sweep(), self.t)), self.current_quality(),
                                    self.t(f"reference.{self.reference_method(self.cloud(), self.make_construction())}"),
                                    self.t))

    def geometry(self):
        """(times, mean curvature, tortuosity) of the reference trajectories (x, or (t, x) in 1-D)."""
        reference = self.reference()
        positive = reference.times > 0
        times, states = reference.times[positive], reference.states[positive]
        if states.shape[-1] == 1:
            states = torch.cat([times[:, None, None].expand(-1, states.shape[1], 1), states], -1)
        kappa = metrics.curvature(states).mean(1)
        return times[1:-1].numpy(), kappa.numpy(), metrics.tortuosity(reference.states).numpy()

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
            _, _, trajectories = self.run()
        except ValueError:
            return ""
        return self.t("status", outside=int(trajectories.outside.sum()), total=trajectories.outside.shape[0],
                      memo=self.t("memo"))

    def figure(self):
        """Exported figure: main view, x(t) or CDF, density, accuracy vs NFE."""
        layout = self.main_view() + self.tx_view() + self.density_view() + self.quality_view()
        return styled(layout.cols(2), shared_axes=False, sublabel_format="", fig_inches=(12, 10))

    def build_views(self):
        data = ("dataset", "n_data", "seed", "custom_version")
        setup = (*data, "construction", "prior", "T", "prior_mode", "direction", "t_min", "n_particles")
        run = (*setup, "solver", "n_steps", "grid", "rho", "rtol")
        reference = (*data, "construction", "prior", "T", "prior_mode", "direction", "t_min")
        main = self.live("main", self.main_view, (*run, "t_view", "show_field", "show_density"),
                         css_classes=["kv-main-plot"])
        density = self.live("density", self.density_view, (*run, "t_settled"))  # 2-D: cached apart from the run
        for square in (main, density):  # fixed-size frames: a stretched pane would distort equal axes
            square.sizing_mode = "fixed"
        grid = pn.GridBox(
            self.live("tx", self.tx_view, (*run, "t_view")),
            self.live("quality", self.quality_view, (*reference, "solver", "n_steps", "grid", "rho", "rtol")),
            self.live("curvature", self.curvature_view, (*reference, "t_view")),
            self.live("tortuosity", self.tortuosity_view, reference),
            ncols=2, sizing_mode="stretch_width",
        )
        status = pn.pane.Markdown(pn.bind(lambda *_: self.status_text(), *[self.param[p] for p in (*run, "lang")]),
                                  sizing_mode="stretch_width")
        note = pn.pane.Markdown(pn.bind(lambda lang: self.t("note"), self.param.lang), sizing_mode="stretch_width")
        top = pn.Row(main, pn.Column(density, self.editor()), sizing_mode="stretch_width")
        return pn.Column(top, status, grid, note, sizing_mode="stretch_width")

    # ---- custom data ----------------------------------------------------------------------------
    def set_custom(self, points) -> bool:
        """Validate reader points (N, d); on success make them the data set, else report and keep."""
        try:
            array = np.asarray(points, dtype=np.float64).reshape(len(points), -1) if len(points) else np.zeros((0, 2))
            if len(array) == 0:
                raise ValueError(self.t("custom_empty"))
            if len(array) > MAX_POINTS:
                raise ValueError(f"> {MAX_POINTS}")
            from_points(array)
        except ValueError as error:
            self.report(str(error), source="custom")
            return False
        self.clear_error("custom")
        self._custom = array
        self.custom_version += 1
        if self.dataset != "custom":
            self.dataset = "custom"
        return True

    def editor_element(self):
        """The editable points (current custom points when 2-D) with the PointDraw tool active."""
        points = views.editor_points(self._custom if self._custom.shape[1] == 2 else DEFAULT_CUSTOM, self.t)
        points = points.opts(tools=["point_draw"], active_tools=["point_draw"], backend="bokeh")
        self._point_stream.source = points
        return points

    def editor(self):
        """A canvas where the reader taps to add, drags to move and deletes points (PointDraw)."""
        stream = hv.streams.PointDraw(num_objects=MAX_POINTS, add=True, drag=True)
        self._point_stream = stream
        points = self.editor_element()

        def changed(data):
            if data is None:
                return
            xs, ys = data.get("x1", data.get("x", [])), data.get("x2", data.get("y", []))
            self.set_custom(np.column_stack([np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)])
                            if len(xs) else [])

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
        area = pn.widgets.TextAreaInput(value="\n".join(f"{x:g}, {y:g}" for x, y in DEFAULT_CUSTOM), height=110,
                                        sizing_mode="stretch_width", css_classes=["kv-typed"])
        button = pn.widgets.Button(label=self.t("use_typed"), sizing_mode="stretch_width", css_classes=["kv-use-typed"])

        def use(_):
            try:
                self.set_custom(parse_typed_points(area.value, self.t))
            except ValueError as error:
                self.report(str(error), source="custom")

        button.on_click(use)
        heading = pn.pane.Markdown(self.t("typed_points"))

        def relabel(_):
            heading.object, button.label = self.t("typed_points"), self.t("use_typed")
            self._editor_pane.object = self.editor_element()

        self.param.watch(relabel, "lang")
        return [self.view_time_slider(), heading, area, button]
