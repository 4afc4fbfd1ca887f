"""Attention-scale dashboard (9812 with 8823, 9034, 9889, 9595, 9403).

The results come from :mod:`.pipeline`, memoised for the whole process by what each depends on
(see there). Moving α only moves markers and recomputes one draw's softmax, so it answers in a few
milliseconds; n, model, d, seed and the measure recompute the Monte Carlo curves (≤ 2·10⁶
elements) unless some reader asked for them before. The measure and the unit keep view B's layers
and dimensions, so they update in place too. The four tabs are sections of the frame: each is built
when first opened and its plots refresh only while it is shown (the sparsity tab follows view A's
draw). The MC α* points are a background task, one memoised length at a time.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np
import panel as pn
import param
import torch

from .. import plot
from ..axes import nice_ceiling
from ..style import styled
from ..ui import Dashboard, Section, View
from . import concentration, pipeline, precompute, rope, sparsity, views
from .laws import LAWS, decoder_effective_n
from .montecarlo import argmax_alpha, auto_samples
from .optimum import alpha_star, approx_objective, fit_constant
from .scores import MODELS, UNITS, from_alpha
from .softmax import MEASURES, gradient_size
from .text import TEXT

ALPHA_POINTS = precompute.ALPHA_POINTS
JACOBIAN_KEYS = 48
TOP_WEIGHTS = 64
SHOW = ("approx", "exact", "mc_mean", "mc_median", "guides")
POST_FIT = {"normal": (0.84, "sqrt_log"), "cosine": (3.5, "log")}
MLM_TABLE = ("| n | 64 | 128 | 256 | 512 | 1024 |\n|---|---|---|---|---|---|\n"
             "| Attention-O | 43.27 | 36.53 | 23.02 | 15.12 | 11.54 |\n"
             "| Attention-E | 43.11 | 41.17 | 34.04 | 20.15 | 13.58 |")
TRANSFORMS = ("D1", "D2", "D3", "D4", "P1", "P2")
TEMPERATURE_FIRST = 2  # the temperature axis ends at 1/α₂ (α₂ = α_max/20)
ERROR_FLOOR = 1e-17  # log axis: exact zeros (n = 0) drawn at the floor
ROPE_SEED = 0  # the 9403 tab draws its own fixed vectors (the main seed drives the scores)


class AttentionScaleDashboard(Dashboard):
    """The optimal softmax scale (9812) against the exact expectation and Monte Carlo, with entropy
    invariance (8823, 9034), concentration (9889), sparsity measures (9595) and RoPE (9403)."""

    slug = "attention_scale"
    text = TEXT
    posts = tuple((f"post_{p}", f"https://kexue.fm/archives/{p}") for p in ("9812", "8823", "9034", "9889", "9595",
                                                                           "9403"))
    controls = ("model", "d", "log2_n", "alpha", "unit", "measure", "samples", "seed", "show", "laws", "n0")
    widget_options = {"seed": {"type": pn.widgets.IntInput}, "model": {"type": pn.widgets.RadioButtonGroup},
                      "show": {"type": pn.widgets.CheckBoxGroup}, "laws": {"type": pn.widgets.CheckBoxGroup},
                      "alpha": {"step": 0.05}, "transform": {"max_width": 320}}
    probe = "alpha"

    model = param.Selector(default="normal", objects=list(MODELS))
    d = param.Selector(default=128, objects=list(precompute.DIMENSIONS))
    log2_n = param.Integer(9, bounds=(2, 16))
    alpha = param.Number(2.0, bounds=(0.0, 10 * math.sqrt(1024)), step=0.05)
    unit = param.Selector(default="alpha", objects=list(UNITS))
    measure = param.Selector(default="l1", objects=list(MEASURES))
    samples = param.Integer(0, bounds=(0, 256))
    seed = param.Integer(0, bounds=(0, 9999))
    show = param.ListSelector(default=list(SHOW), objects=list(SHOW))
    laws = param.ListSelector(default=list(LAWS), objects=list(LAWS))
    n0 = param.Integer(512, bounds=(64, 8192))
    # concentration (9889)
    beta = param.Number(-1.0, bounds=(-3.0, 3.0), step=0.1)
    decay_lambda = param.Number(0.95, bounds=(0.5, 1.0), step=0.005)
    linear_d = param.Integer(16, bounds=(1, 256))
    # sparsity (9595) of view A's weights p = softmax(α s)
    transform = param.Selector(default="D1", objects=list(TRANSFORMS))
    # RoPE (9403)
    rope_d = param.Selector(default=128, objects=[32, 64, 128, 256])
    log10_base = param.Number(4.0, bounds=(2.0, 6.0), step=0.1)
    r_max = param.Integer(1024, bounds=(64, 8192))
    different_content = param.Boolean(False)

    LATENCY_MOVES = {
        "alpha": [round(1.0 + 0.25 * i, 2) for i in range(16)],
        "log2_n": [5, 6, 7, 8, 10, 11, 12, 6, 7, 8, 10, 11],
        "seed": list(range(1, 13)),
        "measure": ["frobenius", "operator1", "l1"] * 4,
        "unit": ["lambda", "temperature", "alpha"] * 4,
        "beta": [round(-2.5 + 0.4 * i, 2) for i in range(12)],
        "log10_base": [round(2.5 + 0.25 * i, 2) for i in range(12)],
        "show": [[key for key in SHOW if key != hidden] for hidden in SHOW] * 2 + [list(SHOW[:2]), list(SHOW[2:])],
    }

    # ---- validation -----------------------------------------------------------------------
    @param.depends("model", "d", watch=True)
    def _fit_alpha_range(self):
        top = pipeline.alpha_max(self.model, self.d)
        widget = self._widgets.get("alpha")
        if widget is not None:
            widget.end, widget.step = top, (0.05 if self.model == "normal" else 0.25)
        if self.alpha > top:
            self.alpha = round(min(self.alpha, top), 2)

    def register_widget(self, name: str, widget):
        """The frame's registration; the α slider starts on its model's range (the parameter's bounds
        hold every model's, so that a link's α is clamped with a message rather than refused)."""
        widget = super().register_widget(name, widget)
        if name == "alpha":
            self._fit_alpha_range()
        return widget

    @param.depends("model", watch=True)
    def _default_alpha(self):
        self.alpha = 2.0 if self.model == "normal" else round(2.1 * math.sqrt(self.d), 1)

    @property
    def n(self) -> int:
        return 2 ** self.log2_n

    @property
    def effective_alpha(self) -> float:
        """α clamped to the model's range (a link may carry a cosine-sized α into the normal model)."""
        top = pipeline.alpha_max(self.model, self.d)
        if self.alpha > top:
            self.report(self.out_of_range("alpha", self.alpha, self.param.alpha.bounds[0], round(top, 4)), source="alpha")
            return top
        self.clear_error("alpha")
        return self.alpha

    @property
    def sample_count(self) -> int:
        return self.samples or auto_samples(self.n, ALPHA_POINTS)

    # ---- computation ----------------------------------------------------------------------
    def draws_settings(self) -> pipeline.Draws:
        return pipeline.Draws(self.model, self.d, self.n, self.sample_count, self.seed)

    def draws(self) -> torch.Tensor:
        """The scores (S, n) for the current model, d, n, S and seed (α only rescales them)."""
        return pipeline.scores(self.draws_settings())

    def mc_curves(self):
        """MC summary over the α-grid for the current draws and measure."""
        return pipeline.mc_curves(self.draws_settings(), self.measure)

    def approx_star(self) -> float:
        return float(alpha_star(torch.tensor([float(self.n)], dtype=torch.float64), self.model, self.d)[0])

    def scale_x(self, alpha):
        """α values in the chosen unit."""
        alpha = np.asarray(alpha, dtype=float)
        if self.unit == "temperature":
            with np.errstate(divide="ignore"):
                return np.where(alpha > 0, 1.0 / np.maximum(alpha, 1e-300), np.inf)
        return from_alpha(alpha, self.unit, self.model, self.d)

    def scale_xlim(self) -> tuple[float, float]:
        """Fixed x limits of view B in the chosen unit: the α-grid's range, or for the temperature
        (linear axis, so a unit switch stays in place) [0, 1/α₂], α₂ = α_max/20."""
        grid = pipeline.alpha_grid(self.model, self.d)
        if self.unit == "temperature":
            return 0.0, float(self.scale_x(grid[TEMPERATURE_FIRST]))
        x = self.scale_x(grid)
        return float(x[0]), float(x[-1])

    # ---- views ----------------------------------------------------------------------------
    def objective_key(self) -> tuple:
        return (self.model, self.d, self.n, self.sample_count, self.seed, self.measure, self.unit, tuple(self.show))

    def objective_parts(self) -> dict:
        """Data of view B without the current-α marker (cached): layer specs, y top, x range,
        approximate α* and the MC median's argmax."""
        return self.cached_view("objective_parts", self.objective_key(), self._objective_parts)

    def _objective_parts(self) -> dict:
        """Every measure draws the same layers (a switch of measure or unit swaps data in place):
        the mean field, the exact mean and L(n) exist for ½‖J‖₁ only and are empty (not drawn,
        legend entry hidden) for the other measures."""
        grid = pipeline.alpha_grid(self.model, self.d)
        keep = grid > 0 if self.unit == "temperature" else np.ones_like(grid, dtype=bool)
        x = self.scale_x(grid)[keep]
        summary = self.mc_curves()
        l1 = self.measure == "l1"
        exact, limit = pipeline.exact_curve(self.model, self.d, self.n)
        shown = set(self.show)
        mean, se = summary.mean.cpu().numpy()[keep], summary.se.cpu().numpy()[keep]
        bands = {"mc_mean": (mean - 2 * se, mean + 2 * se) if "mc_mean" in shown else None,
                 "mc_median": ((summary.q10.cpu().numpy()[keep], summary.q90.cpu().numpy()[keep])
                               if "mc_median" in shown else None)}
        approx = approx_objective(torch.as_tensor(grid), float(self.n), self.model, self.d).cpu().numpy()[keep]
        curves = {"approx": approx if l1 and "approx" in shown else None,
                  "exact": exact[keep] if l1 and "exact" in shown else None,
                  "mc_mean": mean if "mc_mean" in shown else None,
                  "mc_median": summary.median.cpu().numpy()[keep] if "mc_median" in shown else None}
        lines = [np.clip(y, 0, None) for key, y in curves.items() if key != "approx" and y is not None]
        if not lines:  # bands may leave the frame
            lines = [band[1] for band in bands.values() if band is not None] or [np.ones(1)]
        drawn_limit = limit if l1 else 0.0
        top = nice_ceiling(1.1 * max([drawn_limit] + [float(np.nanmax(y)) for y in lines] + [1e-3]))
        star = self.approx_star()
        median_peak = float(argmax_alpha(torch.as_tensor(grid), summary.median.double()))
        markers = [(float(self.scale_x(star)), "star", self.t("star"), "dashed"),
                   (float(self.scale_x(median_peak)), "median_argmax", self.t("median_argmax"), "dashed")]
        unit = 1.0 if self.model == "normal" else math.sqrt(self.d)  # cosine: √d·s ≈ N(0, 1)
        for key, value in (("freeze_half", math.sqrt(math.log(self.n) / 2)),
                           ("freeze_full", math.sqrt(math.log(self.n)))):
            position = float(self.scale_x(unit * value)) if "guides" in shown else None
            markers.append((position, "guide", self.t(key), "dotted" if key == "freeze_half" else "dashdot"))
        specs = views.objective_specs(x, curves, bands, markers, limit if l1 else np.nan, top)
        return {"specs": specs, "top": top, "xlim": self.scale_xlim(), "star": star, "median_peak": median_peak}

    def current_x(self) -> float:
        """The current α in the axis unit (temperature: 1/α, held at the axis end below α₂)."""
        alpha = self.effective_alpha
        if self.unit == "temperature":
            return min(float(self.scale_x(alpha)), self.scale_xlim()[1])
        return float(self.scale_x(alpha))

    def objective_title(self) -> str:
        """View B's title: the measure, and for other measures than ½‖J‖₁ that only MC is drawn."""
        key = "view_objective_title" if self.measure == "l1" else "view_objective_title_mc"
        return self.t(key, measure=self.t(f"measure.{self.measure}"))

    def objective_view(self):
        """View B: the cached layers of :meth:`objective_parts` and the current-α marker. A hidden
        curve keeps its layer, empty; measure, unit and the curve toggles keep the layers,
        dimensions and axis types: the live plot updates them in place."""
        parts = self.objective_parts()
        current = ("marker", "current", self.t("current"), views.marker_data(self.current_x(), parts["top"]), "solid")
        return views.objective_view([*parts["specs"], current], self.objective_title(), parts["top"], parts["xlim"],
                                    self.t, self.t(f"{self.unit}_axis"))

    def one_draw(self):
        """(scores of draw 0, p) at the current α, float64."""
        s = self.draws()[0].double()
        return s, torch.softmax(self.effective_alpha * s, dim=0)

    def readouts(self) -> str:
        """Σp², H, H₂, S*₁,₂ and the gradient size of draw 0, and α in the three units."""
        s, p = self.one_draw()
        alpha = self.effective_alpha
        sum_p2 = float((p ** 2).sum())
        text = self.t("view_draw", p2=sum_p2, H=float(-torch.xlogy(p, p).sum()), H2=-math.log(sum_p2),
                      S=1 / math.sqrt(self.n * sum_p2), obj=float(gradient_size(s, alpha, self.measure)))
        units = self.t("readout_units", alpha=alpha, lam=from_alpha(alpha, "lambda", self.model, self.d),
                       temp=from_alpha(alpha, "temperature", self.model, self.d))
        parts = self.objective_parts()
        optimum = self.t("view_objective", n=self.n, star=parts["star"], median=parts["median_peak"])
        escape = lambda line: line.replace("*", "\\*")  # α*, S*₁,₂ are not Markdown emphasis
        return "  \n".join((f"**{escape(optimum)}**", f"**{escape(text)}**", escape(units)))

    def draw_view(self):
        """The largest weights p of draw 0, sorted (view A)."""
        _, p = self.one_draw()
        top = torch.sort(p, descending=True).values[:TOP_WEIGHTS].cpu().numpy()
        return views.draw_view(top, self.t("view_draw_title"), self.t)

    def jacobian_view(self):
        """J/α = diag p − ppᵀ on the (up to) 48 keys of largest weight, in decreasing order, on a
        symmetric-log colour scale with a fixed range (α and n move data only)."""
        _, p = self.one_draw()
        k = min(self.n, JACOBIAN_KEYS)
        top = torch.sort(p, descending=True).values[:k]
        J = (torch.diag(top) - torch.outer(top, top)).cpu().numpy()
        return views.jacobian_view(J, self.t("view_jacobian", k=k), self.t)

    def star_view(self):
        """View C: α*(n) with the post's and the least-squares fits, the ticked scale laws, the MC
        points once computed, and the n_eff and current-n points last (they follow n)."""
        alpha_n = pipeline.star_curve(self.model, self.d)
        constant, law = POST_FIT[self.model]
        g = np.sqrt(np.log(pipeline.STAR_N)) if law == "sqrt_log" else np.log(pipeline.STAR_N)
        fitted = fit_constant(torch.as_tensor(pipeline.STAR_N), torch.tensor(alpha_n), law)  # alpha_n: read-only
        shape = "√ln n" if law == "sqrt_log" else "ln n"
        curves = {self.t("alpha_star_curve"): (alpha_n, views.COLORS["grad_max"], "solid"),
                  self.t("post_fit", text=f"{constant}·{shape}"): (constant * g, views.COLORS["approx"], "dotted"),
                  self.t("ls_fit", text=f"{fitted:.3f}·{shape}"): (fitted * g, views.COLORS["limit"], "dashed")}
        for law_name in self.laws:
            if law_name == "grad_max":
                continue
            y = pipeline.law_curve(law_name, self.model, self.d, self.n0, tuple(pipeline.STAR_N))
            curves[self.t(f"laws.{law_name}")] = (y, views.COLORS[law_name], views.LAW_DASH[law_name])
        points = {}
        found = pipeline.mc_star_points.cached(*self.mc_key())
        if found is None and plot.is_deferred():  # a live plot keeps the layer, empty until the points exist (its
            found = (np.zeros(0), np.zeros(0))  # legend entry hidden): a move to settings without them redraws nothing
        if found is not None:
            points[self.t("mc_points_label")] = (*found, views.COLORS["median_argmax"])
        n_eff = float(decoder_effective_n(self.n))
        star_eff = alpha_star(torch.tensor([n_eff]), self.model, self.d).cpu().numpy()
        points[self.t("n_eff")] = (np.array([n_eff]), star_eff, views.COLORS["guide"])
        points[self.t("current")] = (np.array([float(self.n)]), np.array([self.approx_star()]), views.COLORS["current"])
        title = self.t("view_star", fit=self.t("post_fit", text=f"{constant}·{shape}"))
        return views.star_view(pipeline.STAR_N, curves, points, title, self.t, "α")

    def mc_key(self) -> tuple:
        return (self.model, self.d, self.measure, self.seed)

    @param.depends("model", "d", "measure", "seed", watch=True, on_init=True)
    def _aim_mc_points(self):
        """The settings the MC points button computes for, kept here on the session's thread: the
        task's work runs in a worker thread, where reading a parameter would be recorded as read by
        whichever view the session is building at that moment."""
        self._mc_points_key = self.mc_key()

    def mc_points_task(self):
        """The button computing the MC median-argmax α at n ∈ {16 … 4096} in the background, one
        length at a time (:func:`mc_points`); view C shows them when done."""
        return self.task("mc_points", lambda progress: mc_points(self._mc_points_key, progress),
                         lambda points: self.notify("mc_points"))

    def entropy_view(self):
        """View D: per law the exact E[H], the mean field and the MC E[H₂] ± 2SE (all cached per
        model, d, law and n₀: the α, n, seed and measure controls do not touch this view)."""
        exact, mean_field, monte_carlo = {}, {}, {}
        for law in self.laws:
            values, approx = pipeline.entropy_curve(law, self.model, self.d, self.n0)
            label, color = self.t(f"laws.{law}"), views.COLORS[law]
            exact[label], mean_field[label] = (values, color), (approx, color)
            monte_carlo[label] = (*pipeline.entropy_mc(law, self.model, self.d, self.n0), color)
        return views.entropy_view(pipeline.ENTROPY_N, exact, mean_field, monte_carlo, self.t("view_entropy", n0=self.n0),
                                  self.t)

    # ---- concentration, sparsity, RoPE --------------------------------------------------------
    def gamma_view(self):
        gamma = np.linspace(0.02, 5, 250)
        t = self.beta / gamma
        curves = {self.t("f_exp"): (concentration.sparsity_exp(gamma).cpu().numpy(), views.COLORS["f_exp"], "solid"),
                  self.t("f_relu2"): (concentration.sparsity_relu2(t).cpu().numpy(), views.COLORS["f_relu2"], "solid"),
                  self.t("f_identity"): (concentration.sparsity_identity(t).cpu().numpy(), views.COLORS["f_identity"], "solid")}
        return views.lines_view(gamma, curves, self.t("view_gamma", beta=self.beta), self.t("gamma_axis"),
                                self.t("sparsity_axis"), ylim=(0, 1.02))

    def decay_view(self):
        n = np.unique(np.round(np.logspace(0, 5, 200)))
        curves = {f"λ={self.decay_lambda:.3f}": (concentration.sparsity_decay(self.decay_lambda, n).cpu().numpy(),
                                                 views.COLORS["grad_max"], "solid"),
                  "1/√n": (1 / np.sqrt(n), views.COLORS["limit"], "dashed")}
        return views.lines_view(n, curves, self.t("view_decay", lam=self.decay_lambda), self.t("n_axis"),
                                self.t("sparsity_axis"), ylim=(1e-3, 1.2), logx=True, logy=True)

    def linear_view(self):
        ratio = np.linspace(0, 5, 200)
        one_hot = np.zeros(self.linear_d)
        one_hot[0] = 1.0
        curves = {self.t("q_dense"): (concentration.sparsity_linear(ratio, np.ones(self.linear_d)).cpu().numpy(),
                                      views.COLORS["log"], "solid"),
                  self.t("q_onehot"): (concentration.sparsity_linear(ratio, one_hot).cpu().numpy(), views.COLORS["approx"],
                                       "dashed")}
        return views.lines_view(ratio, curves, self.t("view_linear", d=self.linear_d), self.t("ratio_axis"),
                                self.t("sparsity_axis"), ylim=(0, 1.02))

    def sparsity_vector(self) -> np.ndarray:
        """The weights p = softmax(α s) of view A's draw (the scores the reader is looking at)."""
        return self.one_draw()[1].cpu().numpy()

    def scale_measures(self) -> dict[str, np.ndarray]:
        """Each 9595 measure of softmax(α s) of view A's draw over the α-grid."""
        return pipeline.scale_measures(self.draws_settings())

    def scale_measures_view(self):
        """F. The measures against α (log y) with the current-α marker (a new draw moves the
        curves, α the marker)."""
        return views.scale_measures_view(pipeline.alpha_grid(self.model, self.d), self.scale_measures(),
                                         self.effective_alpha, self.t("view_scale_measures"), self.t)

    def transformed_vector(self, x: np.ndarray) -> np.ndarray:
        i, j = int(np.argmax(x)), int(np.argmin(x))
        if self.transform == "D1":
            y = x.copy()
            step = (x[i] - x[j]) / 4
            y[i] -= step
            y[j] += step
            return y
        return {"D2": lambda: 3 * x, "D3": lambda: x + 0.1 * x.max(), "D4": lambda: np.concatenate([x, x]),
                "P1": lambda: np.where(np.arange(len(x)) == i, 3 * x.max(), x),
                "P2": lambda: np.append(x, 0.0)}[self.transform]()

    def measures_view(self):
        """Each measure of p before and after the property transform (α moves the bars' data only)."""
        x = self.sparsity_vector()
        y = self.transformed_vector(x)
        before = np.array([float(sparsity.MEASURES[name](x)) for name in pipeline.SPARSITY_MEASURES])
        after = np.array([float(sparsity.MEASURES[name](y)) for name in pipeline.SPARSITY_MEASURES])
        title = f"{self.t('view_measures')}: {self.t('transform.' + self.transform)}"
        return views.measures_view(list(pipeline.SPARSITY_MEASURES), before, after, title, self.t)

    def renyi_view(self):
        """H_a/ln n of view A's weights p against the order a, in [0, 1]."""
        orders = np.linspace(0.1, 5, 99)
        values = sparsity.renyi_spectrum(self.sparsity_vector(), orders).cpu().numpy() / math.log(self.n)
        curves = {"H_a/ln n": (values, views.COLORS["mc_mean"], "solid"),
                  self.t("renyi_bound"): (np.ones_like(orders), views.COLORS["limit"], "dashed")}
        return views.lines_view(orders, curves, self.t("view_renyi"), self.t("order_axis"), self.t("renyi_axis"),
                                ylim=(0, 1.05))

    def rope_decay_view(self):
        r = np.arange(0, self.r_max + 1)
        base = 10.0 ** self.log10_base
        bound = rope.decay_bound(r, self.rope_d, base).cpu().numpy()
        ones = rope.ones_inner_product(r, self.rope_d, base).cpu().numpy()
        curves = {"y(r)/y(0)": (bound / bound[0], views.COLORS["grad_max"], "solid"),
                  "𝟙ᵀR_r𝟙/d": (ones / self.rope_d, views.COLORS["log"], "solid")}
        return views.lines_view(r, curves, self.t("view_decay_bound"), self.t("r_axis"), self.t("value_axis"),
                                ylim=(-0.5, 1.05))

    def rope_positions_view(self):
        L, d = 32, self.rope_d
        generator = torch.Generator().manual_seed(ROPE_SEED)
        if self.different_content:
            q, k = torch.randn(L, d, generator=generator, dtype=torch.float64), torch.randn(L, d, generator=generator,
                                                                                              dtype=torch.float64)
        else:
            q = torch.randn(d, generator=generator, dtype=torch.float64).expand(L, d)
            k = torch.randn(d, generator=generator, dtype=torch.float64).expand(L, d)
        matrix = rope.position_scores(q, k, 10.0 ** self.log10_base).cpu().numpy()
        what = self.t("changing_content" if self.different_content else "same_content")
        return views.position_view(matrix, self.t("view_positions", what=what), self.t)

    def reflection_view(self):
        """G. det O = −1: ‖Oⁿ − I₋ⁿexp(nB)‖ (the post's step), the repaired decomposition and the
        relative property of Oⁿ itself, against n = 1 … 12 (log y, floored at 1e-17)."""
        errors = pipeline.reflection_errors()
        n = errors["n"][1:].astype(float)  # n = 0 is the identity on every side
        curves = {self.t(f"reflection_{key}"): (np.maximum(errors[key][1:], ERROR_FLOOR), views.COLORS[color], dash)
                  for key, color, dash in (("post", "approx", "solid"), ("repaired", "mc_median", "dashed"),
                                           ("relative", "mc_mean", "dotted"))}
        return views.lines_view(n, curves, self.t("view_reflection", d=pipeline.REFLECTION_D), self.t("power_axis"),
                                self.t("error_axis"), ylim=(ERROR_FLOOR, 1e2), logy=True)

    # ---- export and layout ------------------------------------------------------------------
    def figure(self):
        """Exported figure: objective vs α, one draw, α* vs n and entropy vs n."""
        layout = self.objective_view() + self.jacobian_view() + self.star_view() + self.entropy_view()
        return styled(layout.cols(2), shared_axes=False, sublabel_format="", fig_inches=(13, 8))

    def rope_note(self) -> str:
        """The RoPE note with the numbers of the fixed det O = −1 example."""
        counter = pipeline.rope_counterexample()
        return self.t("rope_note", gap=counter["square_gap"], fix=counter["repaired_commutator"])

    def entropy_notes(self) -> list:
        """View D's caption and 8823's MLM table, under view D."""
        return [self.text_pane("entropy_caption"), self.text_pane("mlm_table", "{}\n\n" + MLM_TABLE)]

    def sections(self) -> list[Section]:
        """Four tabs: the scale (view B with its note; the readouts, one draw, its Jacobian, α*(n)
        with the MC points button, entropy against n), concentration, sparsity (view A's draw
        against α; the measures under a transform, Rényi entropies) and RoPE (long-range decay,
        position scores; the det O = −1 panel with its note)."""
        return [
            Section((View("objective", self.objective_view, main=True),), note="note", tab="tab_scale"),
            Section((View("readouts", self.readouts, text=True, wide=True),
                     View("draw", self.draw_view), View("jacobian", self.jacobian_view),
                     View("star", self.star_view, triggers=("mc_points",),
                          below=lambda: [self.mc_points_task().layout]),
                     View("entropy", self.entropy_view, below=self.entropy_notes)), tab="tab_scale"),
            Section((View("gamma", self.gamma_view), View("decay", self.decay_view), View("linear", self.linear_view),
                     View("concentration_note", lambda: self.t("concentration_note"), text=True)),
                    controls=("beta", "decay_lambda", "linear_d"), tab="tab_concentration"),
            Section((View("scale_measures", self.scale_measures_view, wide=True),), tab="tab_sparsity"),
            Section((View("measures", self.measures_view), View("renyi", self.renyi_view)),
                    controls=("transform",), note="sparsity_note", tab="tab_sparsity"),
            Section((View("rope_decay", self.rope_decay_view), View("rope_positions", self.rope_positions_view)),
                    controls=("rope_d", "log10_base", "r_max", "different_content"), tab="tab_rope"),
            Section((View("reflection", self.reflection_view, wide=True),
                     View("rope_note", self.rope_note, text=True, wide=True)), tab="tab_rope"),
        ]


def mc_points(key: tuple, progress: Callable[[float], None]) -> tuple[np.ndarray, np.ndarray]:
    """The MC α* points for ``key`` = (model, d, measure, seed), one memoised length after another
    with progress in between (:func:`.pipeline.mc_star_point`): a second reader finds them done."""
    for index, n in enumerate(pipeline.MC_POINT_N):
        progress(index / len(pipeline.MC_POINT_N))
        pipeline.mc_star_point(*key, n)
    return pipeline.mc_star_points(*key)
