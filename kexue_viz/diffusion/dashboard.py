"""Diffusion ODE trajectories dashboard (posts 9280, 9305, 9370, 9379).

The results come from :mod:`.pipeline`, split by what each control changes and memoised for the
whole process by exactly what each depends on (its settings object): the data set; the starting
particles (prior sample or encoding starts); the solver's trajectories; a reference (DOP853 at
rtol 1e-8 on a dense log grid, or in 1-D the exact CDF route) for at most ``REFERENCE_PARTICLES``
particles; the accuracy-vs-NFE sweep against it. Every reader shares them: a second reader at the
same settings computes nothing. Moving the view time only interpolates stored trajectories and
evaluates the field on a small grid (arrows, log-density). Work beyond ``COST_LIMIT`` (NFE ×
particles × data points) is refused with a message. The accuracy-vs-NFE sweep (1–3 s) runs only
when the reader presses its button, as a background task (:meth:`~kexue_viz.ui.Dashboard.task`),
one memoised solver run at a time. The dashboard keeps per session only what is not a result: the
reader's custom points (announced to the views as ``"custom_points"``), the editor, the sweeps this
reader ran (announced as ``"sweep"``), and built views.

The page is two sections: the trajectories (main view, with the custom-data canvas under it, the
status line, then density, x₁(t), accuracy vs NFE with its button, weight strip, curvature,
tortuosity and, for PFGM only, the augmented half-plane) and post 13's gravity figures with their
two controls.

Views hold few HoloViews elements (one per layer, colours as a data column, see
:func:`.views.coloured`): building elements is the dearest part of an in-place update.
"""
from __future__ import annotations

import math
from typing import Callable

import holoviews as hv
import numpy as np
import panel as pn
import param

from ..style import styled
from ..tasks import Task
from ..ui import Dashboard, Section, View, next_tick, on_tap
from . import pipeline, views
from .constructions import CONSTRUCTIONS, PRIORS
from .data import PRESETS, from_points
from .grids import GRIDS
from .kernels import poisson_tail
from .pipeline import COMMIT_LEVEL, COST_LIMIT, DRAWN_PATHS, MAX_PARTICLES
from .solvers import FIXED_SOLVERS
from .text import TEXT

ARROW_GRID = 20
DENSITY_GRID = 40
MAIN_WIDTH, SIDE_WIDTH = 600, 390  # 1-D main and density plots in their fixed-size panes (2-D: equal axes)
RADIUS_CLIPS = (0, 5, 10, 20, 50, 100, 200, 500, 1000)  # ‖x_T − α x_i‖ ≤ clip·σ_T; 0 = off
CUSTOM = ("custom_points",)  # the trigger of the views that read the reader's points (see :meth:`notify`)
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
    points = param.String(encode_points(DEFAULT_CUSTOM), doc="the custom data set, 'x,y;x,y;…' (kept in the link)")
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
        self._swept: set = set()  # the sweep settings this reader has run (the page shows only those)
        self._editor_pane: pn.pane.HoloViews | None = None  # the canvas and the typed-points box, once built
        self._typed: pn.widgets.TextAreaInput | None = None

    # ---- settings for the pipeline (:mod:`.pipeline`, shared by every session) --------------------
    def data_settings(self) -> pipeline.DataSettings:
        if self.dataset == "custom" and len(self._custom) == 0:
            raise ValueError(self.t("custom_empty"))
        return pipeline.DataSettings.of(self.dataset, self.n_data, self.seed, self._custom)

    def cloud(self):
        return pipeline.cloud(self.data_settings())

    def construction_settings(self) -> pipeline.ConstructionSettings:
        return pipeline.ConstructionSettings.of(self.construction, self.prior, self.T)

    def make_construction(self):
        """The selected construction; ``T`` is σ_T (so ``ve_sq`` runs to ``T²``); linear paths use 1."""
        return pipeline.construction(self.construction_settings())

    def reference_settings(self) -> pipeline.ReferenceSettings:
        """What the starts and the reference depend on (not the particle count: it has its own particles)."""
        return pipeline.ReferenceSettings.of(self.data_settings(), self.construction_settings(), self.seed,
                                             self.prior_mode, self.radius_clip, self.direction, self.t_min)

    def grid_settings(self) -> pipeline.GridSettings:
        """The time grid's settings (ρ only matters for the Karras grid)."""
        return pipeline.GridSettings.of(self.grid, self.rho)

    def run_settings(self) -> pipeline.RunSettings:
        return pipeline.RunSettings.of(self.reference_settings(), self.n_particles, self.solver, self.n_steps,
                                       self.grid_settings(), self.rtol)

    def check_cost(self) -> None:
        """Refuse (``ValueError``, reader-facing) a run beyond ``COST_LIMIT`` (:func:`.pipeline.run_cost`)."""
        cost = pipeline.run_cost(self.run_settings())
        if cost > COST_LIMIT:
            raise ValueError(self.t("too_costly", cost=cost, limit=COST_LIMIT))

    # ---- results (:mod:`.pipeline`) -----------------------------------------------------------------
    def run(self):
        """``(cloud, construction, trajectories)`` of the current solver (:func:`.pipeline.run`); work
        beyond ``COST_LIMIT`` is refused with a message."""
        self.check_cost()
        return self.cloud(), self.make_construction(), pipeline.run(self.run_settings())

    def reference(self):
        """The reference trajectories (:func:`.pipeline.reference`)."""
        return pipeline.reference(self.reference_settings())

    def sweep_key(self) -> tuple:
        return (self.reference_settings(), self.grid_settings())

    def finished_sweep(self) -> dict | None:
        """The sweep of the current setting if this reader has run it (see :meth:`sweep_task`), else ``None``."""
        return self.sweep() if self.sweep_key() in self._swept else None

    def sweep(self) -> dict:
        """Agreement with the reference vs NFE for every fixed-step solver on the current grid
        (:func:`.pipeline.sweep`; 1–3 s, so the page runs it only on a button press)."""
        return pipeline.sweep(*self.sweep_key())

    def sweep_task(self) -> Task:
        """The accuracy-vs-NFE button (:meth:`~kexue_viz.ui.Dashboard.task`): runs the sweep of the setting
        read at the press (:meth:`sweep_key`) off the event loop (:func:`run_sweep`), then the accuracy
        view (trigger ``"sweep"``) shows it."""
        return self.task("run_sweep", run_sweep, self.swept, prepare=self.sweep_key)

    def swept(self, key: tuple) -> None:
        """A sweep of ``key`` is done: the accuracy view shows it whenever the setting is ``key``."""
        self._swept.add(key)
        self.notify("sweep")

    def current_quality(self) -> tuple:
        """(NFE, agreement) of the current solver setting on the reference's starts (:func:`.pipeline.quality`)."""
        self.check_cost()
        return pipeline.quality(self.run_settings())

    def view_time(self, fraction: float | None = None) -> float:
        """``t`` at a log-scale fraction of the way from ``T`` (0) to ``t_min`` (1); default ``t_view``."""
        return pipeline.view_time(self.reference_settings(), self.t_view if fraction is None else fraction)

    def frame(self):
        """Everything the views at the view time need: cloud, construction, run, t, positions, basins."""
        cloud, construction, trajectories = self.run()
        settings = self.run_settings()
        t, positions = pipeline.frame(settings, self.t_view)
        return cloud, construction, trajectories, t, positions, pipeline.basins(settings)

    def bounds(self, cloud, positions):
        """The 2-D views' square window for the data and the particles (:func:`.pipeline.plane_window`)."""
        return pipeline.plane_window(cloud.points.cpu().numpy(), positions)

    def grid_field(self, t, bounds, size):
        """(xs, ys, gx, gy, field values) on a size×size grid over ``bounds`` (:func:`.pipeline.field_on_grid`)."""
        return pipeline.field_on_grid(self.data_settings(), self.construction_settings(), t, bounds, size)

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
                xs, ys, gx, gy, values = self.grid_field(t, bounds, ARROW_GRID)
                if self.show_field:
                    arrows = (gx.ravel(), gy.ravel(), values.velocity.cpu().numpy(), bounds[0][1] - bounds[0][0])
                if self.show_density:
                    xs, ys, _, _, values = self.grid_field(t, bounds, DENSITY_GRID)
                    density = (xs, ys, values.log_density.cpu().numpy().reshape(DENSITY_GRID, DENSITY_GRID))
            static = self.cached_view("plane_static", (self.run_settings(),), lambda: views.plane_layers(
                self.data_layer(cloud), trajectories.states[:, :DRAWN_PATHS].cpu().numpy(), basins[:DRAWN_PATHS]))
            means = pipeline.posterior_means(self.data_settings(), self.construction_settings(), positions, t) \
                if self.show_mean else None
            beyond = int(views.outside(positions, bounds).sum())
            return views.plane_view(static, positions, basins, self.title(trajectories, t, beyond), bounds, self.t,
                                    arrows=arrows, density=density, reference=self.reference_layer(),
                                    means=means, selected=positions[self.selected_index()])

        key = (self.run_settings(), self.t_view, self.show_field, self.show_density, self.show_reference, self.show_mean,
               self.selected_index())
        return self.cached_view("main", key, build)

    def data_layer(self, cloud):
        """The 2-D data as black dots (one element per data set, shared by the views)."""
        return self.cached_view("data_layer", (self.data_settings(),), lambda: views.data_points(cloud.points.cpu().numpy(),
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

        return self.cached_view("reference_layer", (self.reference_settings(), min(self.n_particles, DRAWN_PATHS)), build)

    def line_1d_view(self, cloud, construction, trajectories, t, basins):
        def static():
            exact, exact_times = None, None
            if self.direction == "generate":
                exact_times, exact = self.exact_1d()
            return views.tx_layers(trajectories.times.cpu().numpy(), trajectories.states[:, :DRAWN_PATHS, 0].cpu().numpy(),
                                   basins[:DRAWN_PATHS], self.t, exact=exact, exact_times=exact_times,
                                   data=cloud.points[:, 0].cpu().numpy())

        title = self.t("view_line1d", construction=self.option_label("construction", self.construction), t=t)
        limits = self.cached_view("line_limits", (self.run_settings(),),
                                  lambda: self.tx_limits(cloud, trajectories, tail=0.0))
        return views.tx_view(self.cached_view("line_static", (self.run_settings(),), static), t, title, self.t, ylabel="x",
                             height=520, width=MAIN_WIDTH, ylim=limits)

    def exact_1d(self):
        """The CDF-route trajectories of the drawn particles on a dense grid (:func:`.pipeline.exact_paths`)."""
        return pipeline.exact_paths(self.reference_settings(), min(self.n_particles, DRAWN_PATHS))

    def tx_view(self):
        def build():
            cloud, construction, trajectories, t, positions, basins = self.frame()
            if cloud.dim == 1:
                xs = self.axis_1d(cloud, positions)
                F = pipeline.cdf_at(self.data_settings(), self.construction_settings(), xs, t)
                levels = pipeline.cdf_at(self.data_settings(), self.construction_settings(), positions[:, 0], t)
                return views.cdf_view(xs, F, positions[:, 0], levels, basins, self.t("view_cdf", t=t), self.t)
            logx = not construction.linear_path  # T ≫ 1: the action is at small t
            keep = (trajectories.times > 0).cpu().numpy() if logx else slice(None)
            static = self.cached_view("tx_static", (self.run_settings(),), lambda: views.tx_layers(
                trajectories.times.cpu().numpy()[keep], trajectories.states[keep, :DRAWN_PATHS, 0].cpu().numpy(),
                basins[:DRAWN_PATHS], self.t))
            return views.tx_view(static, t, self.t("view_tx"), self.t, logx=logx, ylim=self.cached_view(
                "tx_limits", (self.run_settings(),), lambda: self.tx_limits(cloud, trajectories)))

        return self.cached_view("tx", (self.run_settings(), self.t_view), build)

    def tx_limits(self, cloud, trajectories, tail: float = 0.02) -> tuple[float, float]:
        """x₁ limits of the x₁(t) views for the drawn paths (:func:`.pipeline.path_limits`)."""
        return pipeline.path_limits(cloud.points[:, 0].cpu().numpy(),
                                    trajectories.states[:, :DRAWN_PATHS, 0].cpu().numpy(), tail)

    def axis_1d(self, cloud, positions) -> np.ndarray:
        """The x samples of the 1-D views (:func:`.pipeline.line_axis`)."""
        return pipeline.line_axis(cloud.points[:, 0].cpu().numpy(), positions[:, 0])

    def density_view(self):
        """The exact marginal at the settled view time; axes from the reference particles, so the map
        does not depend on (and is not redrawn for) the solver, its grid or the particle count."""
        def build():
            cloud = self.cloud()
            t = self.view_time(self.t_settled)
            positions = pipeline.reference_positions(self.reference_settings(), self.t_settled)
            if cloud.dim == 1:
                xs = self.axis_1d(cloud, positions)
                p = pipeline.density_on_line(self.data_settings(), self.construction_settings(), xs, t)
                self.run()  # refused beyond the cost limit
                run_positions = pipeline.frame(self.run_settings(), self.t_settled).positions
                return views.density_view_1d(xs, p, run_positions[:, 0], self.t("view_density1d", t=t), self.t,
                                             width=SIDE_WIDTH)
            bounds = self.bounds(cloud, positions)
            xs, ys, _, _, values = self.grid_field(t, bounds, DENSITY_GRID)
            log_p = values.log_density.cpu().numpy().reshape(DENSITY_GRID, DENSITY_GRID)
            return views.density_view(xs, ys, log_p, self.data_layer(cloud), self.t("view_density", t=t), self.t)

        key = (self.reference_settings(), self.t_settled, self.run_settings() if self.dimension() == 1 else None)
        return self.cached_view("density", key, build)

    def dimension(self) -> int:
        return 1 if self.dataset in ("post15_1d", "four_1d") or (self.dataset == "custom" and self._custom.shape[1] == 1) \
            else 2

    def quality_view(self):
        """Agreement vs NFE: the current setting always; every solver's curve once the sweep has run."""
        sweep = self.finished_sweep()
        reference = self.t(f"reference.{pipeline.reference_method(self.reference_settings())}")
        title = self.t("view_quality", reference=reference)

        def build():
            static = self.cached_view("quality_static", (self.sweep_key(), sweep is not None),
                                      lambda: views.quality_layers(sweep or {}, self.t))
            return views.quality_view(static, self.current_quality(), title, self.t)

        return self.cached_view("quality", (self.sweep_key(), sweep is not None, self.solver, self.n_steps,
                                            self.rtol), build)

    def strip(self) -> pipeline.Strip:
        """``(times (S,), weights (S, N), commitment time)`` of the selected particle
        (:func:`.pipeline.strip`)."""
        self.run()  # refused beyond the cost limit
        return pipeline.strip(self.run_settings(), self.selected_index())

    def strip_view(self):
        def build():
            times, w, commit = self.strip()
            title = self.t("view_strip", particle=self.selected_index(), level=COMMIT_LEVEL,
                           commit=self.t("never") if math.isnan(commit) else f"{commit:.3g}")
            return views.weight_strip(times, w, commit, title, self.t)

        return self.cached_view("strip", (self.run_settings(), self.selected_index()), build)

    def half_plane_view(self):
        """PFGM only: the augmented (x, t) half-plane of post 13 with the field ``F(x, t)`` of the data
        on t = 0; the particles' x₁(t) (d = 2: projected) and the view time as a line."""
        def static():
            cloud, _, trajectories, _, _, basins = self.frame()
            window, top, x, t, force, lines = pipeline.half_plane(self.data_settings(), self.construction_settings())
            arrows = views.unit_arrows(x, t, force, 0.45 * top / pipeline.HALF_PLANE_GRID)
            keep = trajectories.times.cpu().numpy() <= 1.05 * top
            layers = views.half_plane_layers(arrows, trajectories.times.cpu().numpy()[keep],
                                             trajectories.states[keep, :DRAWN_PATHS, 0].cpu().numpy(), basins[:DRAWN_PATHS],
                                             cloud.points[:, 0].cpu().numpy(), lines)
            return layers, window, top

        def build():
            construction = self.make_construction()
            layers, window, top = self.cached_view("half_static", (self.run_settings(),), static)
            title = self.t("view_half_plane" if self.dimension() == 1 else "view_half_plane_2d", T=construction.T)
            return views.half_plane_view(layers, self.view_time(), window, top, title, self.t)

        if self.construction != "pfgm":
            return self.cached_view("half_plane_off", (), lambda: hv.Curve([]))
        return self.cached_view("half_plane", (self.run_settings(), self.t_view), build)

    def geometry(self):
        """(times, mean curvature, tortuosity) of the reference trajectories (:func:`.pipeline.reference_geometry`)."""
        return pipeline.reference_geometry(self.reference_settings())

    def curvature_view(self):
        def curve():
            times, kappa, _ = self.geometry()
            keep = kappa > 0
            return views.curvature_curve(times[keep], kappa[keep], self.t)

        return self.cached_view("curvature", (self.reference_settings(), self.t_view), lambda: views.curvature_view(
            self.cached_view("curvature_curve", (self.reference_settings(),), curve), self.view_time(), self.t))

    def tortuosity_view(self):
        return self.cached_view("tortuosity", (self.reference_settings(),),
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
        clipped = int(pipeline.start_sample(self.reference_settings())[1][:self.n_particles].sum())
        text = self.t("clipped", clipped=clipped, total=self.n_particles, clip=self.radius_clip)
        if construction.kernel.name == "poisson":
            text += " " + self.t("clipped_expected", share=poisson_tail(self.radius_clip, cloud.dim))
        return text

    def figure(self):
        """Exported figure: the two square views side by side (main view, density), then x(t) or CDF,
        accuracy vs NFE, the weight strip (and the PFGM half-plane for PFGM)."""
        layout = self.main_view() + self.density_view() + self.tx_view() + self.quality_view() + self.strip_view()
        if self.construction == "pfgm":
            layout = layout + self.half_plane_view()
        return styled(layout.cols(2), shared_axes=False, sublabel_format="", fig_inches=(12, 15))

    def sections(self) -> list[Section]:
        """The trajectories: the main view (square, the custom-data canvas beside it), the status line,
        then the density (square), x₁(t), accuracy vs NFE (its button under it), the weight strip,
        curvature, tortuosity and, for PFGM only, the augmented half-plane. Then post 13's gravity
        figures with their two controls. Every view but gravity's reads the reader's points."""
        return [
            Section((View("main", self.main_view, main=True, own_size=True, triggers=CUSTOM,
                          beside=lambda: [self.custom_data()]),
                     View("status", self.status_text, text=True, wide=True, triggers=CUSTOM),
                     View("density", self.density_view, own_size=True, triggers=CUSTOM),
                     View("tx", self.tx_view, triggers=CUSTOM),
                     View("quality", self.quality_view, triggers=(*CUSTOM, "sweep"),
                          below=lambda: [self.sweep_task().layout]),
                     View("strip", self.strip_view, triggers=CUSTOM),
                     View("curvature", self.curvature_view, triggers=CUSTOM),
                     View("tortuosity", self.tortuosity_view, triggers=CUSTOM),
                     View("half_plane", self.half_plane_view, triggers=CUSTOM,
                          shown_when=lambda: self.construction == "pfgm")),
                    note="note"),
            Section((View("gravity", self.gravity_view, own_size=True), View("centroid", self.centroid_view)),
                    heading="gravity_heading", note="gravity_note", controls=("gravity_sources", "gravity_radius")),
        ]

    def build_views(self):
        layout = super().build_views()
        on_tap(self.panes["main"], self.select_nearest)  # tapping the main 2-D view selects the nearest particle
        return layout

    def select_nearest(self, x: float, y: float) -> None:
        """Make the particle nearest to ``(x, y)`` at the view time the selected one (2-D data)."""
        if x is None or y is None or self.dimension() != 2:
            return
        self.particle = pipeline.nearest_particle(self.frame()[4], x, y)

    # ---- post 13: gravity ------------------------------------------------------------------------
    def gravity_lines(self) -> pipeline.GravityLines:
        """Post 13's field lines from a far circle (:func:`.pipeline.gravity_lines`)."""
        return pipeline.gravity_lines(self.gravity_sources)

    def centroid_errors(self):
        """``(radii, errors)`` of the centroid approximation (:func:`.pipeline.centroid_errors`)."""
        return pipeline.centroid_errors(self.gravity_sources)

    def gravity_view(self):
        def build():
            paths, hit, shares, launch, centre = self.gravity_lines()
            sources = pipeline.gravity_setup(self.gravity_sources)[0].cpu().numpy()
            title = self.t("view_gravity", low=shares.min(), high=shares.max(), n=len(shares))
            return views.gravity_lines_view(paths, hit, sources, self.gravity_radius, centre, title, self.t,
                                            limit=max(launch, 1.05 * self.gravity_radius))

        return self.cached_view("gravity", (self.gravity_sources, self.gravity_radius), build)

    def centroid_view(self):
        def build():
            radii, errors = self.centroid_errors()
            error = pipeline.centroid_error(self.gravity_sources, self.gravity_radius)
            title = self.t("view_centroid", R=self.gravity_radius, error=error)
            return views.centroid_error_view(radii, errors, self.gravity_radius, error, title, self.t)

        return self.cached_view("centroid", (self.gravity_sources, self.gravity_radius), build)

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
        self.notify("custom_points")
        if self.dataset != "custom":
            self.dataset = "custom"
        if self._typed is not None:
            self._typed.value = typed_text(array)
        if not from_canvas and self._editor_pane is not None:
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
        """A canvas where the reader taps to add, drags to move and deletes points (PointDraw), redrawn
        with the language."""
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
        self.param.watch(lambda _: setattr(self._editor_pane, "object", self.editor_element()), "lang")
        return self._editor_pane

    def custom_data(self):
        """The custom-data canvas with the count of the custom points under it."""
        count = self.live_text("custom_count", lambda: self.t("custom_count", count=len(self._custom)), CUSTOM,
                               css_classes=["kv-custom-count"])
        return pn.Column(self.editor(), count, sizing_mode="stretch_width")

    def view_time_slider(self):
        """The view-time slider: dragging scrubs (trajectory views follow live), releasing settles
        (the density map follows); programmatic changes flow back to it."""
        slider = pn.widgets.FloatSlider(start=0.0, end=1.0, step=0.01, value=self.t_view, label=self.t("t_view"),
                                        css_classes=["kv-param-t_view", "kv-probe"], sizing_mode="stretch_width")
        return self.scrub_slider("t_view", slider)

    def extra_controls(self) -> list:
        """The view-time slider, and the typed-points box with its button."""
        self._typed = area = pn.widgets.TextAreaInput(value=typed_text(self._custom), height=110,
                                                      sizing_mode="stretch_width", css_classes=["kv-typed"])
        button = self.button("use_typed", sizing_mode="stretch_width", css_classes=["kv-use-typed"])

        def use():
            try:
                self.set_custom(parse_typed_points(area.value, self.t))
            except ValueError as error:
                self.report(str(error), source="custom")

        # Panel runs a click that comes while the box's text is still on its way as a task without
        # the document's lock: like the canvas, change the data set on the next tick
        button.on_click(lambda _: next_tick(use))
        return [self.view_time_slider(), self.text_pane("typed_points"), area, button]


def run_sweep(key: tuple, progress: Callable[[float], None]) -> tuple:
    """The sweep of ``key`` (reference and grid settings, see :meth:`DiffusionOdeDashboard.sweep_key`):
    the reference, then each of ``SWEEP_RUNS`` (:func:`.pipeline.sweep_point`), with progress in between
    (a second reader finds them done); returns ``key``."""
    reference, grid = key
    runs = pipeline.SWEEP_RUNS
    pipeline.reference(reference)
    for index, run in enumerate(runs):
        progress((index + 1) / (len(runs) + 1))
        pipeline.sweep_point(reference, grid, *run)
    return key
