"""LoRA vs full fine-tuning dashboard (posts 9590, 10001, 10226, 10266; brief §4).

The methods run side by side on the chosen problem (:mod:`.runners`, real training with torch): the
main views are the loss with its floors (A), the distance to full fine-tuning (B), the cosine of each
equivalent gradient with the projection bound (C) and the singular values of ΔW at the probed step
with guides at r and 2r (D), over a readout of the brief's table. Tabs hold the LoRA+ balance (E),
LoRA-GA's first step and scale curves (F), LoRA-Pro's choice of C (G), the 9590 extras (H) and the
posts' figure F1 to scale (I), each with the controls of its method.

Runs come from :mod:`.pipeline`, memoised process-wide by (problem, normalised run settings): a
control re-runs only the methods that read it, LoRA, LoRA+ and LoRA-GA together (one batched training,
:func:`.pipeline.batched_history`), LoRA-Pro's three choices of C together (another). The linear problem answers live; the digits runs and
the LoRA+ heatmap are tasks behind buttons (:meth:`~kexue_viz.ui.Dashboard.task`, off the event loop,
progress per memoised run, cancel), and their views read the memo only (``cached``), so a second
reader finds the results done.
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np
import panel as pn
import param

from ..i18n import TextError
from ..style import CYCLE, styled
from ..ui import ChoiceSlider, Dashboard, Section, View, on_tap
from . import pipeline, views
from .adapters import LORA_GA_DIRECTIONS, LORA_GA_SCALES
from .pro import PRO_C_CHOICES, PRO_VARIANTS
from .runners import BATCHED_METHODS, MAIN_METHODS, METHODS, RunSettings
from .text import TEXT

SGD_LRS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0]
ADAM_LRS = [1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 3e-3, 5e-3, 1e-2, 2e-2, 3e-2, 5e-2, 1e-1]
RATIOS = [1, 2, 4, 8, 16, 32, 64, 128, 256]
HEATMAP_RATIOS = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0)
HEATMAP_LRS = {  # η_A rows of the LoRA+ heatmap by (problem, optimizer)
    ("linear", "sgd"): tuple(float(f"{x:.3g}") for x in np.geomspace(0.01, 2.0, 13)),
    ("linear", "adam"): tuple(float(f"{x:.3g}") for x in np.geomspace(1e-4, 0.1, 13)),
    ("digits", "sgd"): (0.1, 0.3, 1.0, 3.0),
    ("digits", "adam"): (1e-3, 3e-3, 1e-2, 3e-2),
}
LINEAR_CONTROLS = ("n", "m", "N", "exponent", "noise")


def _fmt(value: float, digits: int = 4) -> str:
    return "–" if value is None or not math.isfinite(value) else f"{value:.{digits}g}"


def _ratio(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    """top/bottom, NaN where bottom is 0 (a factor at zero)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(bottom != 0, top / bottom, np.nan)


def _at(values: np.ndarray, index: int) -> float:
    return float(values[index]) if 0 <= index < len(values) else math.nan


def _ga_refused(settings: RunSettings, limit: int) -> bool:
    """Whether the settings start from LoRA-GA's init with r above ``limit`` = min(n, m)/2 (G0 has too few
    singular pairs)."""
    return (settings.method == "lora_ga" or settings.init == "lora_ga") and settings.r > limit


class LoRADashboard(Dashboard):
    """LoRA, LoRA+, LoRA-GA and LoRA-Pro against full fine-tuning, step by step."""

    slug = "lora"
    text = TEXT
    posts = (("post_9590", "https://kexue.fm/archives/9590"), ("post_10001", "https://kexue.fm/archives/10001"),
             ("post_10226", "https://kexue.fm/archives/10226"), ("post_10266", "https://kexue.fm/archives/10266"))
    controls = ("problem", *LINEAR_CONTROLS, "methods", "optimizer", "lr_sgd", "lr_adam", "r", "steps", "seed",
                "init", "capacity_matched", "t_probe")
    widget_options = {
        "methods": {"type": pn.widgets.CheckButtonGroup, "orientation": "vertical"},
        "problem": {"type": pn.widgets.RadioButtonGroup},
        "optimizer": {"type": pn.widgets.RadioButtonGroup},
        "N": {"type": ChoiceSlider},
        "lr_sgd": {"type": ChoiceSlider},
        "lr_adam": {"type": ChoiceSlider},
        "lp_ratio": {"type": ChoiceSlider},
        "seed": {"type": pn.widgets.IntInput},
        "steps": {"step": 10},
    }
    probe = "t_probe"
    LATENCY_MOVES = {
        "t_probe": [60, 70, 80, 90, 100, 40, 30, 20, 10, 5, 2, 1],
        "lp_ratio": [8, 4, 2, 1, 32, 64, 128, 256, 16, 8, 4, 2],
        "pro_C": ["zero", "sym", "sylvester"] * 4,
        "ga_scale": ["stable", "custom", "adam_optimal", "unit"] * 3,
        "zero_init": ["A", "B"] * 6,
        "r": [5, 6, 7, 8, 9, 10, 11, 12, 3, 2, 1, 4],
        "lr_sgd": [0.3, 0.2, 0.1, 0.7, 1.0, 0.05, 0.02, 0.01, 1.5, 0.5, 0.3, 0.2],
        "steps": [110, 120, 130, 140, 150, 160, 170, 180, 190, 200, 90, 80],
    }

    problem = param.Selector(default="linear", objects=list(pipeline.PROBLEMS))
    n = param.Integer(32, bounds=(8, 64))
    m = param.Integer(24, bounds=(4, 64))
    N = param.Selector(default=512, objects=[64, 128, 256, 512, 1024, 2048, 4096])
    exponent = param.Number(1.0, bounds=(0.0, 3.0), step=0.1)
    noise = param.Number(0.1, bounds=(0.0, 1.0), step=0.05)
    methods = param.ListSelector(default=list(MAIN_METHODS), objects=list(METHODS))
    optimizer = param.Selector(default="sgd", objects=["sgd", "adam"])
    lr_sgd = param.Selector(default=0.5, objects=SGD_LRS)
    lr_adam = param.Selector(default=1e-2, objects=ADAM_LRS)
    r = param.Integer(4, bounds=(1, 16))
    steps = param.Integer(100, bounds=(20, 500), step=10)
    seed = param.Integer(1, bounds=(0, 9999))
    t_probe = param.Integer(50, bounds=(0, 500))
    lp_ratio = param.Selector(default=16, objects=RATIOS)
    zero_init = param.Selector(default="B", objects=["B", "A"])
    init = param.Selector(default="zero", objects=["zero", "lora_ga"])
    ga_scale = param.Selector(default="unit", objects=list(LORA_GA_SCALES))
    ga_gamma = param.Number(16.0, bounds=(1.0, 64.0), step=1.0)
    ga_c = param.Number(1.0, bounds=(0.05, 4.0), step=0.05)
    ga_direction = param.Selector(default="ArB2r", objects=list(LORA_GA_DIRECTIONS))
    capacity_matched = param.Boolean(False)
    pro_C = param.Selector(default="sylvester", objects=list(PRO_C_CHOICES))
    pro_variant = param.Selector(default="full", objects=list(PRO_VARIANTS))

    # ---- settings for the pipeline (:mod:`.pipeline`, shared by every session) ------------------
    def problem_settings(self) -> pipeline.ProblemSettings:
        """The chosen problem; a linear teacher wider than its input (m > n) is refused."""
        if self.problem == "digits":
            return pipeline.ProblemSettings.of("digits")
        if self.m > self.n:
            raise ValueError(self.t("m_above_n", n=self.n, m=self.m))
        return pipeline.ProblemSettings.of("linear", self.n, self.m, self.N, self.exponent, self.noise)

    def sizes(self) -> tuple[int, int]:
        """(n, m) of the adapted matrix."""
        return self.problem_settings().shape

    @property
    def lr(self) -> float:
        """η of the chosen optimizer (η_A for LoRA+)."""
        return float(self.lr_adam if self.optimizer == "adam" else self.lr_sgd)

    def controls_settings(self) -> RunSettings:
        """The :class:`~.runners.RunSettings` the controls give (method ``lora``, not normalised; each control
        read once: a parameter read costs more than the settings built from it)."""
        return RunSettings(r=self.r, optimizer=self.optimizer, lr=self.lr, steps=self.steps, seed=self.seed,
                           zero_init=self.zero_init, init=self.init, lp_ratio=float(self.lp_ratio),
                           ga_scale=self.ga_scale, ga_gamma=float(self.ga_gamma), ga_c=float(self.ga_c),
                           ga_direction=self.ga_direction, capacity_matched=self.capacity_matched, pro_C=self.pro_C,
                           pro_variant=self.pro_variant)

    def run_settings(self, method: str, controls: RunSettings | None = None, **changes) -> RunSettings:
        """The method's :class:`~.runners.RunSettings` from the controls (``controls`` when already read;
        ``changes`` override them), normalised (:func:`.pipeline.normalised`)."""
        controls = self.controls_settings() if controls is None else controls
        return pipeline.normalised(dataclasses.replace(controls, method=method, **changes))

    def check_ga_rank(self, settings: RunSettings, shape: tuple[int, int] | None = None) -> None:
        """LoRA-GA takes 2r singular pairs of G0: refuse r > min(n, m)/2 with a message (``shape`` (n, m) when
        already known)."""
        limit = min(self.sizes() if shape is None else shape) // 2
        if _ga_refused(settings, limit):
            raise ValueError(self.t("ga_rank", r=settings.r, limit=limit))

    def record(self, method: str, **changes) -> pipeline.Record | None:
        """The method's run: computed now on the linear problem (the methods of
        :data:`~.runners.BATCHED_METHODS` as one memoised batch, those refused left out, LoRA-Pro as another
        (:meth:`pro_choices_trained`), trained to the next hundred steps and cut: :func:`.pipeline.live_history`),
        read from the memo on digits (``None`` until the digits button has run it)."""
        return self._record(self.problem_settings(), self.controls_settings(), method, **changes)

    def _record(self, problem: pipeline.ProblemSettings, controls: RunSettings, method: str,
                **changes) -> pipeline.Record | None:
        """:meth:`record` with the problem and the controls already read."""
        settings, limit = self.run_settings(method, controls, **changes), min(problem.shape) // 2
        self.check_ga_rank(settings, problem.shape)
        if problem.live:
            runs = [*(self.run_settings(batched, controls) for batched in BATCHED_METHODS),
                    *(self.run_settings("lora_pro", controls, pro_C=C) for C in self.pro_choices_trained(controls))]
            batch = tuple(run for run in runs if not _ga_refused(run, limit))
            return pipeline.live_history(problem, settings, batch)
        return pipeline.history.cached(problem, settings)

    def pro_choices_trained(self, controls: RunSettings) -> tuple[str, ...]:
        """The choices of C LoRA-Pro's batch trains: all three while the LoRA-Pro tab is on screen (its views show
        them: one batch costs about 1.6 runs), else the chosen one (the main views show it alone). A run is the
        same, bit for bit, in either batch: this choice changes the cost of a move, never a value."""
        return PRO_C_CHOICES if self.tab_on_screen() == "tab_lorapro" else (controls.pro_C,)

    _last_shown: tuple | None = None  # (what shown() read, its answer) on the linear problem

    def shown(self) -> list[tuple[str, pipeline.Record]]:
        """The selected methods (in the order of ``METHODS``) whose runs are available. On the linear problem the
        last answer stands while the problem, the controls, the methods and the tab on screen do (every view of a
        move asks for it: the runs are in the process-wide memo either way, this saves the lookups); on digits
        the runs appear when the button's task has made them, so each call reads the memo."""
        problem, controls, methods = self.problem_settings(), self.controls_settings(), tuple(self.methods)
        read = (problem, controls, methods, self.tab_on_screen())
        if problem.live and self._last_shown is not None and self._last_shown[0] == read:
            return self._last_shown[1]
        runs = [(method, self._record(problem, controls, method)) for method in METHODS if method in methods]
        runs = [(method, run) for method, run in runs if run is not None]
        if problem.live:
            self._last_shown = (read, runs)
        return runs

    def method_label(self, method: str) -> str:
        """The method's legend entry (fixed: a changed label would redraw the plot; divergence is in the readout)."""
        return self.t(f"methods.{method}")

    def t_shown(self) -> int:
        """The probed step, at most the number of steps."""
        return min(self.t_probe, self.steps)

    def method_lines(self, field: str, start: int = 0, runs=None) -> list[views.Line]:
        """One :class:`~.views.Line` per shown method: ``field`` of its record against step (from ``start``)."""
        lines = []
        for method, run in self.shown() if runs is None else runs:
            y = getattr(run, field)
            lines.append(views.Line(self.method_label(method), views.METHOD_COLORS[method], "solid",
                                    np.arange(start, len(y)), y[start:]))
        return lines

    # ---- A–D and the readout --------------------------------------------------------------------
    def floors(self) -> list[tuple[str, float]]:
        """The problem's floors as ``(label, loss)`` (none on digits: not known in closed form)."""
        if not self.problem_settings().live:
            return []
        floors = pipeline.floors(self.problem_settings(), self.r)
        return [(self.t("floor_full"), floors[0]), (self.t("floor_r"), floors[1]), (self.t("floor_2r"), floors[2])]

    def loss_view(self):
        """A. Loss against step with the floors."""
        view = views.loss_view(self.method_lines("loss"), self.floors(), self.steps, self.t_shown(), self.t,
                               self.loss_range())
        return self.pending_title(view)

    def loss_range(self) -> tuple[float, float]:
        """The loss axis: from below the lowest loss or floor to above L₀ (every method starts at L(W0)), so
        that a diverging run leaves the frame rather than stretching it."""
        runs, floors = self.shown(), [value for _, value in self.floors()]
        if not runs:
            return (0.01, 10.0)
        finite = np.concatenate([run.loss[np.isfinite(run.loss) & (run.loss > 0)] for _, run in runs] + [floors])
        start = max(float(run.loss[0]) for _, run in runs)
        return (0.8 * float(finite.min(initial=start)), 1.5 * start)

    def pending_title(self, view):
        """On digits before the button: the view's title asks for it."""
        if self.problem_settings().live or self.shown():
            return view
        return styled(view, title=self.t("digits_pending"))

    def distance_view(self):
        """B. Distance to full fine-tuning; the axis fits the runs that did not diverge."""
        runs = [(method, run) for method, run in self.shown() if method != "full"]
        kept = [run.distance[1:] for _, run in runs if not run.diverged]
        top = max([1.0] + [float(np.nanmax(d)) for d in kept if np.isfinite(d).any()])
        return views.distance_view(self.method_lines("distance", 1, runs), self.t_shown(), self.t, (0.0, 1.05 * top))

    def cosine_view(self):
        return views.cosine_view(self.method_lines("cos"), self.method_lines(
            "cos_projection", runs=[(m, run) for m, run in self.shown() if m != "full"]), self.t_shown(), self.t)

    def spectrum_view(self):
        """D. σ(ΔW_t) at the probed step per method."""
        t, lines = self.t_shown(), []
        for method, run in self.shown():
            sigma = run.sigma[t]
            lines.append(views.Line(self.method_label(method), views.METHOD_COLORS[method], "solid",
                                    np.arange(1, len(sigma) + 1), sigma))
        return views.spectrum_view(lines, self.r, t, self.t)

    def readout(self) -> str:
        """The brief's table for the shown runs: L₁, L₁₀, L_T, cos₀, gap₁, gap₂, rank ΔW_T, distance at T
        (and test accuracy on digits), with the floors."""
        runs = self.shown()
        if not runs:
            return self.t("digits_pending")
        digits = not self.problem_settings().live
        columns = ["col_method", "col_L1", "col_L10", "col_LT", "col_cos0", "col_gap1", "col_gap2", "col_rank",
                   "col_distance"] + (["col_accuracy"] if digits else [])
        lines = ["| " + " | ".join(self.t(c, T=self.steps) for c in columns) + " |", "|" + "---|" * len(columns)]
        for method, run in runs:
            label = self.method_label(method) + (self.t("diverged_mark") if run.diverged else "")
            cells = [label, _fmt(_at(run.loss, 1), 6), _fmt(_at(run.loss, 10), 6),
                     _fmt(run.loss[-1], 6), _fmt(_at(run.cos, 0)), _fmt(_at(run.gap, 1)), _fmt(_at(run.gap, 2)),
                     str(run.rank), _fmt(run.distance[-1])]
            cells += [_fmt(run.test_accuracy, 3)] if digits else []
            lines.append("| " + " | ".join(cells) + " |")
        floors = self.floors()
        below = "; ".join(f"{label} = {value:.6f}" for label, value in floors)
        return "\n".join(lines) + ("\n\n" + self.t("floors_line", floors=below, r=self.r) if floors else "")

    # ---- E: LoRA+ -------------------------------------------------------------------------------
    def loraplus_runs(self) -> list[tuple[str, pipeline.Record]]:
        runs = [(method, self.record(method)) for method in ("lora", "lora_plus")]
        return [(method, run) for method, run in runs if run is not None]

    def factor_loss_view(self):
        """E. −ΔL_A and −ΔL_B per step of LoRA and LoRA+ (first order, 10001 (1))."""
        lines = []
        for method, run in self.loraplus_runs():
            color, label = views.METHOD_COLORS[method], self.method_label(method)
            steps = np.arange(len(run.dL_A))
            lines += [views.Line(f"{label}: −ΔL_A", color, "solid", steps, -run.dL_A),
                      views.Line(f"{label}: −ΔL_B", color, "dashed", steps, -run.dL_B)]
        return views.lines_view(lines, self.t("view_factor_loss"), self.t("step"), "−ΔL", logy=True,
                                legend="top_right")

    def balance_view(self):
        """E. RMS(B)/RMS(A) of LoRA and LoRA+ against the line λ, and LoRA+'s ΔL_B/ΔL_A (E4)."""
        lines = []
        for method, run in self.loraplus_runs():
            color, label = views.METHOD_COLORS[method], self.method_label(method)
            lines.append(views.Line(f"{label}: RMS(B)/RMS(A)", color, "solid", np.arange(len(run.rms_A)),
                                    _ratio(run.rms_B, run.rms_A)))
            if method == "lora_plus":
                lines.append(views.Line(f"{label}: ΔL_B/ΔL_A", color, "dotted", np.arange(len(run.dL_A)),
                                        _ratio(run.dL_B, run.dL_A)))
        lines.append(views.Line("λ", views.GUIDE_COLOR, "dashed", np.array([0.0, self.steps]),
                                np.full(2, float(self.lp_ratio)), 1.4))
        return views.lines_view(lines, self.t("view_balance"), self.t("step"), self.t("ratio_axis"), logy=True,
                                legend="bottom_right")

    def heatmap_plan(self) -> tuple:
        """What the LoRA+ heatmap of the current settings runs: (problem, base settings, η_A rows, λ)."""
        problem = self.problem_settings()
        base = pipeline.heatmap_base(self.run_settings("lora_plus"))
        return problem, base, HEATMAP_LRS[(problem.kind, self.optimizer)], HEATMAP_RATIOS

    def heatmap_rows(self):
        """The heatmap's final losses [rows, λ] if every row is in the memo (by any reader), else ``None``."""
        problem, base, lrs, ratios = self.heatmap_plan()
        rows = [pipeline.heatmap_row.cached(problem, base, lr, ratios) for lr in lrs]
        return None if None in rows else np.stack([row[0] for row in rows])

    def heatmap_view(self):
        _, _, lrs, ratios = self.heatmap_plan()
        losses = self.heatmap_rows()
        best = None
        if losses is not None and np.isfinite(losses).any():
            i, j = np.unravel_index(np.nanargmin(np.where(np.isfinite(losses), losses, np.nan)), losses.shape)
            best = (lrs[i], ratios[j], float(losses[i, j]))
        return views.heatmap_view(lrs, ratios, losses, best, self.t)

    def heatmap_task(self):
        """The heatmap button: one memoised batched sweep per η_A row, progress per row."""
        def work(plan, progress):
            problem, base, lrs, ratios = plan
            for index, lr in enumerate(lrs):
                pipeline.heatmap_row(problem, base, lr, ratios)
                progress((index + 1) / len(lrs))

        return self.task("run_heatmap", work, lambda _: self.notify("heatmap"), prepare=self.heatmap_plan)

    def ratio_readout(self) -> str:
        """The LoRA+ ratio rules of 10001 for the current (n, m, r) and the measured random-model ratio."""
        n, m = self.sizes()
        rules = pipeline.ratio_rules(n, m, self.r, self.seed)
        return self.t("ratio_readout", n=n, m=m, r=self.r, post=rules["post"], random=rules["random_count"],
                      param=rules["param_count"], measured=rules["measured"], chosen=self.lp_ratio)

    # ---- F: LoRA-GA -----------------------------------------------------------------------------
    def gradient_ready(self) -> bool:
        """Whether G0 is at hand: always on linear, on digits once a digits run has loaded the problem."""
        problem = self.problem_settings()
        return problem.live or pipeline.initial_gradient.cached(problem) is not None

    def ga_arguments(self) -> tuple:
        """(problem, r, direction, seed) of the LoRA-GA init, r checked against min(n, m)/2."""
        self.check_ga_rank(self.run_settings("lora_ga"))
        return self.problem_settings(), self.r, self.ga_direction, self.seed

    def first_step_view(self):
        """F. LoRA-GA's first step against full fine-tuning's over η (E8), the current η marked."""
        if not self.gradient_ready():
            return views.lines_view([], self.t("digits_pending"), "η", self.t("first_step_axis"), logx=True)
        step = pipeline.ga_first_step(*self.ga_arguments(), self.ga_scale, float(self.ga_gamma), float(self.ga_c))
        color = views.METHOD_COLORS["lora_ga"]
        lines = [views.Line(self.t("exact"), color, "solid", step.lr, step.exact),
                 views.Line(self.t("first_order"), color, "dashed", step.lr, step.first_order)]
        return views.lines_view(lines, self.t("view_first_step"), "η", self.t("first_step_axis"), logx=True,
                                logy=True, vlines=[(self.lr, views.PROBE_COLOR, "solid")], legend="top_left")

    def scale_view(self):
        """F. Objectives (5) and (9) along c·(A0, B0), marking c = 1, c* and the stable scale."""
        if not self.gradient_ready():
            return views.lines_view([], self.t("digits_pending"), "c", self.t("objective_axis"))
        curve = pipeline.ga_scale_curve(*self.ga_arguments(), float(self.ga_gamma))
        sgd, adam = views.Line(self.t("objective_sgd"), CYCLE[0], "solid", curve.c, curve.sgd), \
            views.Line(self.t("objective_adam"), CYCLE[1], "solid", curve.c, curve.adam)

        def at(c: float, y: np.ndarray) -> float:
            return float(np.interp(c, curve.c, y))

        # fixed legend labels (a label holding c* would redraw the plot at every move of r): the values are in
        # the readout beside it
        points = [("c = 1", CYCLE[0], "circle", 1.0, at(1.0, curve.sgd)),
                  ("c*", CYCLE[1], "triangle", curve.c_star, at(curve.c_star, curve.adam)),
                  (self.t("ga_scale.stable"), views.GUIDE_COLOR, "square", curve.c_stable,
                   at(curve.c_stable, curve.adam))]
        return views.lines_view([sgd, adam], self.t("view_scale"), "c", self.t("objective_axis"), logy=True,
                                extra=views.markers(points), legend="bottom_right")

    def sigma_view(self):
        """F. σ(G0) with LoRA-GA's 2r indices."""
        if not self.gradient_ready():
            return views.lines_view([], self.t("digits_pending"), self.t("sv_index"), "σᵢ(G₀)")
        return views.sigma_view(*pipeline.ga_split(*self.ga_arguments()), self.t)

    def ga_readout(self) -> str:
        """cos₀ = √(top-2r energy of G0), c* and the stable scale (text views refresh in a closed tab too:
        this one reads no run)."""
        if not self.gradient_ready():
            return self.t("digits_pending")
        step = pipeline.ga_first_step(*self.ga_arguments(), "unit", 16.0, 1.0)
        curve = pipeline.ga_scale_curve(*self.ga_arguments(), float(self.ga_gamma))
        return self.t("ga_readout", cos0=step.cos0, r2=2 * self.r, c_star=curve.c_star, c_stable=curve.c_stable)

    # ---- G: LoRA-Pro ----------------------------------------------------------------------------
    def pro_runs(self) -> list[tuple[str, pipeline.Record]]:
        runs = [(C, self.record("lora_pro", pro_C=C)) for C in PRO_C_CHOICES]
        return [(C, run) for C, run in runs if run is not None]

    def pro_view(self, field: str, title: str, axis: str, log_floor: float = 0.0):
        lines = [views.Line(self.t(f"pro_C.{C}"), views.C_COLORS[C], "solid", np.arange(len(getattr(run, field))),
                            getattr(run, field)) for C, run in self.pro_runs()]
        return views.lines_view(lines, self.t(title), self.t("step"), self.t(axis), logy=True, legend="top_right",
                                log_floor=log_floor)

    def gap_view(self):
        """G. gap_t = ‖ΔA·ΔB‖/‖first-order part‖ for the three choices of C (E5); a share below 10⁻⁶
        (C = 0's exact zero at step 1 on a quadratic loss) is left off the log axis."""
        return self.pro_view("gap", "view_gap", "gap_axis", log_floor=1e-6)

    def jump_view(self):
        """G. ‖ηH_A‖/‖A‖ per step for the three choices of C (the zero-B start's jump)."""
        return self.pro_view("step_A", "view_jump", "jump_axis")

    def pro_loss_view(self):
        """G. The loss per step for the three choices of C: apart at L₂ after a zero-B start, then together (E5)."""
        return self.pro_view("loss", "view_pro_loss", "loss_axis")

    def memory_readout(self) -> str:
        """The Adam state of one adapted matrix: full fine-tuning, LoRA, LoRA-Pro (25) and its simple variant."""
        n, m = self.sizes()
        return self.t("memory", n=n, m=m, r=self.r, **pipeline.memory_floats(n, m, self.r))

    # ---- H: 9590 extras -------------------------------------------------------------------------
    def projection_views(self):
        """(coefficient, deviations) of the random projection's running mean (E2), or None without G0."""
        if not self.gradient_ready():
            return None
        return pipeline.projection_means(self.problem_settings(), self.seed)

    def projection_view(self):
        """H. The running mean's coefficient along −ηG against the number of draws: → 2 (E2)."""
        means = self.projection_views()
        lines = [] if means is None else [
            views.Line(self.t("mc_mean"), CYCLE[0], "solid", means.draws, means.coefficient),
            views.Line("2 (E2)", views.GUIDE_COLOR, "dashed", means.draws[[0, -1]], np.full(2, 2.0), 1.4),
            views.Line(self.t("post_claim"), views.GUIDE_COLOR, "dotted", means.draws[[0, -1]], np.full(2, 1.0), 1.4)]
        return views.lines_view(lines, self.t("view_projection"), self.t("draws"), self.t("coefficient_axis"),
                                logx=True, legend="bottom_right")

    def deviation_view(self):
        """H. ‖mean − 2G‖/‖2G‖ and ‖mean − G‖/‖G‖ against the number of draws."""
        means = self.projection_views()
        lines = [] if means is None else [
            views.Line("‖mean − 2G‖/‖2G‖", CYCLE[0], "solid", means.draws, means.to_2G),
            views.Line("‖mean − G‖/‖G‖", CYCLE[1], "solid", means.draws, means.to_G)]
        return views.lines_view(lines, self.t("view_deviation"), self.t("draws"), self.t("deviation_axis"),
                                logx=True, logy=True, legend="bottom_left")

    def additive_readout(self) -> str:
        n, m = self.sizes()
        rows = pipeline.additive_ranks(n, m, 16, self.seed)
        table = "\n".join(f"| {r} | {ab} | {additive} |" for r, ab, additive in rows)
        return self.t("additive_readout", n=n, m=m) + "\n\n| r | rank AB | rank additive |\n|---|---|---|\n" + table

    # ---- I: figure F1 ---------------------------------------------------------------------------
    def schematic_view(self):
        """I. Figure F1, W = W₀ + AB drawn to the scale of the adapted matrix (n, m) and the rank r."""
        n, m = self.sizes()
        return views.schematic_view(n, m, self.r, self.t)

    # ---- digits -----------------------------------------------------------------------------------
    def digits_plan(self) -> tuple:
        """The runs every view needs on the current problem: full fine-tuning, the selected methods, LoRA
        and LoRA+ (tab E) and LoRA-Pro with each C (tab G), each once."""
        settings = [self.run_settings("full"), *(self.run_settings(m) for m in METHODS if m in self.methods),
                    self.run_settings("lora"), self.run_settings("lora_plus"),
                    *(self.run_settings("lora_pro", pro_C=C) for C in PRO_C_CHOICES)]
        for run in settings:
            self.check_ga_rank(run)
        return self.problem_settings(), tuple(dict.fromkeys(settings))

    def digits_task(self):
        """The digits button: G0, then one memoised run per needed setting (progress per run)."""
        def work(plan, progress):
            problem, runs = plan
            pipeline.initial_gradient(problem)
            for index, settings in enumerate(runs):
                pipeline.history(problem, settings)
                progress((index + 1) / len(runs))

        task = self.task("run_digits", work, lambda _: self.notify("digits"), prepare=self.digits_plan)
        task.layout.visible = self.problem == "digits"
        self.param.watch(lambda event: setattr(task.layout, "visible", event.new == "digits"), "problem")
        return [task.layout]

    # ---- layout ---------------------------------------------------------------------------------
    def sections(self) -> list[Section]:
        digits, heatmap = ("digits",), ("heatmap",)
        return [
            Section((View("loss", self.loss_view, main=True, triggers=digits),
                     View("distance", self.distance_view, triggers=digits),
                     View("cos", self.cosine_view, triggers=digits),
                     View("spectrum", self.spectrum_view, triggers=digits),
                     View("readout", self.readout, text=True, triggers=digits)),
                    widgets=self.digits_task, note="note_main"),
            Section((View("factor_loss", self.factor_loss_view, triggers=digits),
                     View("balance", self.balance_view, triggers=digits),
                     View("heatmap", self.heatmap_view, triggers=heatmap),
                     View("ratios", self.ratio_readout, text=True)),
                    heading="heading_loraplus", controls=("lp_ratio", "zero_init"),
                    widgets=lambda: [self.heatmap_task().layout], note="note_loraplus", tab="tab_loraplus"),
            Section((View("first_step", self.first_step_view, triggers=digits),
                     View("scale", self.scale_view, triggers=digits),
                     View("sigma_G0", self.sigma_view, triggers=digits),
                     View("ga_readout", self.ga_readout, text=True, triggers=digits)),
                    heading="heading_loraga",
                    controls=("ga_scale", "ga_gamma", "ga_c", "ga_direction"),
                    note="note_loraga", tab="tab_loraga"),
            Section((View("gap", self.gap_view, triggers=digits), View("jump", self.jump_view, triggers=digits),
                     View("pro_loss", self.pro_loss_view, triggers=digits),
                     View("memory", self.memory_readout, text=True)),
                    heading="heading_lorapro", controls=("pro_C", "pro_variant"), note="note_lorapro",
                    tab="tab_lorapro"),
            Section((View("projection", self.projection_view, triggers=digits),
                     View("deviation", self.deviation_view, triggers=digits),
                     View("additive", self.additive_readout, text=True),
                     View("schematic", self.schematic_view, own_size=True)),
                    heading="heading_9590", note="note_9590", tab="tab_9590"),
        ]

    def build_views(self):
        layout = super().build_views()
        on_tap(self.panes["loss"], lambda x, y: self.probe_at(x))  # a tap on the loss view probes that step
        self._show_controls_of_choice()
        self.param.watch(lambda *_: self._show_controls_of_choice(), ["problem", "optimizer"])
        return layout

    def _show_controls_of_choice(self) -> None:
        """Show the learning rate of the chosen optimizer and the linear problem's controls on linear only."""
        shown = {"lr_sgd": self.optimizer == "sgd", "lr_adam": self.optimizer == "adam",
                 **{name: self.problem == "linear" for name in LINEAR_CONTROLS}}
        for name, visible in shown.items():
            if name in self._widgets:
                self._widgets[name].visible = visible

    def probe_at(self, step) -> None:
        """Probe the step nearest ``step`` (a tap's x; anything off the data is ignored)."""
        if step is None or not math.isfinite(step):
            return
        self.t_probe = int(min(max(round(step), 0), self.steps))

    def figure(self):
        """Exported figure: panels A–D (refused while no selected method has a run to show: digits before its
        button, or no method chosen)."""
        if not self.shown():
            raise TextError(TEXT, "nothing_to_export")
        layout = self.loss_view() + self.distance_view() + self.cosine_view() + self.spectrum_view()
        return styled(layout.cols(2), shared_axes=False, sublabel_format="", fig_inches=(13, 8))
