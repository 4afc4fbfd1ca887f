"""Adam-ε vs batch-size dashboard: η*(B) of SoftSignSGD for several ε and moment backends, ΔL(B),
the steps/examples hyperbola, the per-coordinate moments at a probed B and a readout table.

The results (local model, curves per backend, exact peaks, surge thresholds, readout numbers) come
from :mod:`.pipeline`, memoised for the whole process by exactly what each depends on: every reader
shares them, and a κ move rescales the peaks of the unit-noise model. Display options (vertical
axis, SGD overlay) and the probed B only rebuild views from those arrays; the probe recomputes the
small moment view alone. A tap on the main plot probes the batch size under the pointer. Each curve
family is one element (a :func:`~.views.curve_family` per backend), not one element per line.
"""
from __future__ import annotations

import math

import numpy as np
import panel as pn
import param
import torch

from ..style import styled
from ..ui import ChoiceSlider, Dashboard, Section, View, on_tap
from . import pipeline, views
from .models import PRESETS
from .moments import BACKENDS, update_moments
from .softsign import KAPPA2_RULES
from .text import TEXT

EPS_CHOICES = [0.0, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0]
B_PROBES = [float(f"{10 ** (k / 10):.3g}") for k in range(-10, 61)]  # 0.1 … 1e6, 10 per decade
C_CHOICES = [0.0, 0.1, 0.3, 0.5, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 30.0, 100.0]
KAPPA_CHOICES = [0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 100.0]
MOMENT_A = np.linspace(-6, 6, 241)


def _fmt(value: float) -> str:
    return "–" if value is None or not math.isfinite(value) else f"{value:.4g}"


class AdamEpsilonDashboard(Dashboard):
    """Optimal learning rate vs batch size for SignSGD / SoftSignSGD (posts 10542, 10563, 11280)."""

    slug = "adam_epsilon_batch"
    text = TEXT
    posts = (("post_10542", "https://kexue.fm/archives/10542"), ("post_10563", "https://kexue.fm/archives/10563"),
             ("post_11280", "https://kexue.fm/archives/11280"), ("post_9473", "https://kexue.fm/archives/9473"),
             ("post_9902", "https://kexue.fm/archives/9902"))
    controls = ("preset", "N", "c", "kappa", "spread", "eps_rel", "backends", "path", "kappa2_rule", "B_range",
                "y_mode", "show_sgd", "B_probe", "probe_eps", "grad_rms", "eps_abs")
    widget_options = {
        "N": {"step": 8},
        "c": {"type": ChoiceSlider},
        "kappa": {"type": ChoiceSlider},
        "B_probe": {"type": ChoiceSlider},
        "grad_rms": {"type": ChoiceSlider},
        "eps_rel": {"type": pn.widgets.MultiChoice},
        "backends": {"type": pn.widgets.CheckButtonGroup, "orientation": "vertical"},
        "path": {"type": pn.widgets.RadioButtonGroup},
        "y_mode": {"type": pn.widgets.RadioButtonGroup},
        "B_range": {"step": 0.5},
        "spread": {"step": 0.1},
    }
    probe = "B_probe"
    LATENCY_MOVES = {
        "B_probe": B_PROBES[23:47],
        "kappa": [1.0, 2.0, 8.0, 16.0, 0.5, 32.0, 0.25, 100.0, 0.1, 1.0, 2.0, 8.0],
        "c": [1.0, 2.0, 5.0, 10.0, 30.0, 100.0, 0.5, 0.3, 0.1, 1.5, 0.0, 2.0],
        "N": [72, 80, 88, 96, 104, 112, 120, 128, 136, 144, 152, 160],
        "y_mode": ["eta", "per_eps", "eta", "per_eps", "eta", "per_eps", "eta", "per_eps", "eta", "per_eps", "eta",
                   "per_eps"],
        "probe_eps": [0.1, 0.25, 1.0, 2.0, 4.0, 0.1, 0.25, 1.0, 2.0, 4.0, 0.1, 0.25],
    }

    preset = param.Selector(default="aligned_spike", objects=list(PRESETS))
    N = param.Integer(64, bounds=(8, 256))
    c = param.Selector(default=3.0, objects=C_CHOICES)
    kappa = param.Selector(default=4.0, objects=KAPPA_CHOICES)
    spread = param.Number(1.0, bounds=(0.0, 2.0))
    eps_rel = param.ListSelector(default=[0.0, 0.25, 0.5, 1.0, 2.0], objects=EPS_CHOICES)
    backends = param.ListSelector(default=["exact", "erf_rational", "mean_field"], objects=list(BACKENDS))
    path = param.Selector(default="per_coordinate", objects=["per_coordinate", "collapsed"])
    kappa2_rule = param.Selector(default="ratio_of_sums", objects=list(KAPPA2_RULES))
    B_range = param.Range(default=(0.0, 4.0), bounds=(-1.0, 6.0))
    y_mode = param.Selector(default="normalized", objects=["eta", "normalized", "per_eps"])
    show_sgd = param.Boolean(True)
    B_probe = param.Selector(default=15.8, objects=B_PROBES)
    probe_eps = param.Selector(default=0.5, objects=EPS_CHOICES[1:])
    grad_rms = param.Selector(default=1e-5, objects=[1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2])
    eps_abs = param.Selector(default=1e-8, objects=[1e-8, 1e-7, 1e-5, 1e-3])

    # ---- computation: settings for the pipeline (:mod:`.pipeline`, shared by every session) ------
    def model_settings(self) -> pipeline.ModelSettings:
        return pipeline.ModelSettings.of(self.preset, self.N, self.c, self.kappa, self.spread)

    @property
    def model(self):
        return pipeline.local_model(self.model_settings())

    def eps_values(self) -> tuple[float, ...]:
        """Selected ε / rms g, sorted (at least one is required)."""
        if not self.eps_rel:
            raise ValueError(self.t("eps_rel") + ": ∅")
        return tuple(sorted(float(e) for e in self.eps_rel))

    def B_range_checked(self) -> tuple[float, float]:
        lo, hi = self.B_range
        if hi - lo < 0.5:
            raise ValueError(f"{self.t('B_range')}: {lo:g}…{hi:g} (≥ 0.5)")
        return (float(lo), float(hi))

    def B_grid(self) -> np.ndarray:
        return pipeline.B_grid(self.B_range_checked())

    def curve_settings(self, backend: str) -> pipeline.CurveSettings:
        return pipeline.CurveSettings.of(self.model_settings(), self.eps_values(), self.B_range_checked(), backend,
                                         self.path, self.kappa2_rule)

    def curve(self, backend: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(η*, ΔL, β)`` [E, nB] of one backend (:func:`.pipeline.curves`)."""
        return pipeline.curves(self.curve_settings(backend))

    def peaks(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Exact ``(B_peak, η_peak, η*(∞))`` per ε (:func:`.pipeline.peaks`)."""
        return pipeline.peaks(self.model_settings(), self.eps_values())

    def summary(self) -> pipeline.Summary:
        return pipeline.summary(self.model_settings(), self.eps_values(), self.kappa2_rule)

    def y_values(self, eta: np.ndarray, index: int) -> np.ndarray:
        """η* in the chosen vertical units (NaN where undefined: ε = 0 in η*/ε mode, so the
        curve is blank but the plot keeps its layers and updates in place)."""
        eps_abs = self.eps_values()[index] * self.model.rms_g
        if self.y_mode == "normalized":
            return eta / self.peaks()[2][index]
        if self.y_mode == "per_eps":
            return eta / eps_abs if eps_abs > 0 else np.full_like(eta, np.nan)
        return eta

    # ---- views ----------------------------------------------------------------------------
    def selected_backends(self) -> list[str]:
        return [b for b in BACKENDS if b in self.backends]

    def eta_families(self) -> list:
        """View A's lines: one :func:`~.views.curve_family` per backend (colour = ε, dash = backend),
        hover ``B, η*, ΔL, β, ε, backend``."""
        families = []
        for backend in self.selected_backends():
            eta, dL, beta = self.curve(backend)
            label = self.t(f"backends.{backend}")
            rows = [(views.eps_color(i), self.y_values(eta[i], i),
                     {"eta_raw": eta[i], "dL": dL[i], "beta": beta[i], "eps": eps, "backend": label})
                    for i, eps in enumerate(self.eps_values())]
            families.append(views.curve_family(self.B_grid(), rows, self.t, views.DASH[backend],
                                               2.2 if backend == "exact" else 1.6))
        return families

    def legend(self, view: str) -> list:
        """Legend entries (cached per ε list, backends and language): one per ε in the first
        backend's line style, and for view A one per further backend (grey, its dash)."""
        def build():
            backends = self.selected_backends()
            first = backends[0] if backends else "exact"
            dash, width = (views.DASH[first], 2.2) if view == "eta" else ("solid", 1.8)
            entries = [(f"ε={eps:g}", views.eps_color(i), dash, width) for i, eps in enumerate(self.eps_values())]
            if view == "eta":
                entries += [(self.t(f"backends.{b}"), views.MARKER_COLOR, views.DASH[b], 1.6) for b in backends[1:]]
            return views.legend_keys(entries)

        return self.cached_view(f"legend_{view}", (self.eps_values(), tuple(self.backends)), build)

    def eta_view(self):
        """View A: the cached layers (:meth:`eta_layers`) with the probe line."""
        return views.eta_view(self.eta_layers(), self.B_grid(), self.B_probe, self.t(f"eta_axis.{self.y_mode}"),
                              self.t("view_eta"))

    def eta_layers_key(self) -> tuple:
        return (self.model_settings(), self.eps_values(), tuple(self.B_range), tuple(self.backends), self.path,
                self.kappa2_rule, self.y_mode, self.show_sgd)

    def eta_layers(self) -> list:
        """View A's layers but the probe line, cached by everything they depend on."""
        def build():
            B = self.B_grid()
            B_peak, eta_peak, eta_inf = self.peaks()
            peaks = []
            for index, (b, e) in enumerate(zip(B_peak, eta_peak)):
                y = self.y_values(np.array([e]), index)
                if math.isfinite(b) and math.isfinite(y[0]) and B[0] <= b <= B[-1]:
                    peaks.append((index, b, float(y[0])))
            scales = self.summary().scales
            unit = scales.eta_max if self.y_mode == "normalized" else 1.0
            sgd = scales.eta_star(B) / unit if self.show_sgd else None
            return views.eta_layers(B, self.eta_families(), self.legend("eta"), peaks, sgd, scales.B_simple, self.t)

        return self.cached_view("eta_layers", self.eta_layers_key(), build)

    def loss_view(self):
        def build():
            rows = []
            for backend in self.selected_backends():
                _, dL, _ = self.curve(backend)
                label = self.t(f"backends.{backend}")
                rows += [(views.eps_color(i), dL[i] / dL[i][-1], {"dL_rel": dL[i] / dL[i][-1], "eps": eps,
                                                                  "backend": label})
                         for i, eps in enumerate(self.eps_values())]
            family = views.curve_family(self.B_grid(), rows, self.t)
            return views.loss_view(self.B_grid(), family, self.legend("dL"), self.t)

        key = (self.model_settings(), self.eps_values(), tuple(self.B_range), tuple(self.backends), self.path,
               self.kappa2_rule)
        return self.cached_view("dL", key, build)

    def hyperbola_view(self):
        def build():
            B_dL = self.exact_B_dL()
            points = [(f"{e:g}", float(B_dL[i])) for i, e in enumerate(self.eps_values())]
            curve = self.cached_view("hyperbola", (), lambda: views.hyperbola_curve(self.t))
            return views.hyperbola_view(curve, points, self.B_probe, self.t)

        return self.cached_view("SE", (self.model_settings(), self.eps_values(), tuple(self.B_range), self.B_probe), build)

    def exact_B_dL(self) -> np.ndarray:
        """B_dL per ε fitted to the exact ΔL(B) curve: ``1/ΔL = 1/ΔL_max + (B_dL/ΔL_max)/B``."""
        return pipeline.fitted_B_dL(self.curve_settings("exact"))

    def probe_b(self) -> float:
        """``b = ε√B/σ̄`` at the probe (σ̄ = rms σ)."""
        model = self.model
        sigma = float(model.sigma.pow(2).mean().sqrt())
        return self.probe_eps * model.rms_g * math.sqrt(self.B_probe) / sigma

    def moments_view(self):
        def build():
            b = self.probe_b()
            a = torch.as_tensor(MOMENT_A)
            rows = []
            for backend in self.selected_backends() or ["exact"]:
                m1, m2 = update_moments(a, torch.full_like(a, b), backend)
                rows.append((backend, self.t(f"backends.{backend}"), m1.cpu().numpy(), m2.cpu().numpy()))
            return views.moments_view(MOMENT_A, rows, b, self.t)

        key = (self.model_settings(), self.probe_eps, self.B_probe, tuple(self.backends))
        return self.cached_view("moments", key, build)

    def erf_view(self):
        return self.cached_view("erf", (), lambda: views.erf_view(self.t))

    def readout(self) -> str:
        """Markdown readout table per ε and the global scales line."""
        summary = self.summary()
        B_peak, eta_peak, eta_inf = self.peaks()
        columns = ["col_eps", "col_eta_inf", "col_peak_exact", "col_gain", "col_peak_10563", "col_peak_11280",
                   "col_BdL", "col_Q2D", "col_C"]
        lines = ["| " + " | ".join(self.t(c) for c in columns) + " |", "|" + "---|" * len(columns)]
        for i, eps in enumerate(self.eps_values()):
            peak = _fmt(B_peak[i]) if math.isfinite(B_peak[i]) else self.t("none")
            gain = _fmt(eta_peak[i] / eta_inf[i]) if math.isfinite(eta_peak[i]) else "1"
            cells = [f"{eps:g}", _fmt(eta_inf[i]), peak, gain, _fmt(summary.peak_10563[i]),
                     _fmt(summary.peak_11280[i]),
                     f"{_fmt(summary.BdL_10563[i])} / {_fmt(summary.BdL_11280[i])}",
                     self.t("yes") if summary.Q2D[i] else self.t("no"), _fmt(summary.C[i])]
            lines.append("| " + " | ".join(cells) + " |")
        scales = summary.scales
        line = self.t("scales", eta_max=scales.eta_max, B_noise=scales.B_noise_sgd, B_simple=scales.B_simple,
                      D=summary.D, S_off=summary.S_off, beta=summary.beta,
                      eps_exact=_fmt(summary.eps_exact),
                      eps_approx=_fmt(summary.eps_approx))
        return f"**{self.t('table_title')}**\n\n" + "\n".join(lines) + "\n\n" + line + "\n\n" + self.llm_units()

    def llm_units(self) -> str:
        """ε/rms g for a real ε and gradient size (torch 1e-8, Keras 1e-7, LLaMA2 1e-5)."""
        return self.t("llm_units", eps=self.eps_abs, rms=self.grad_rms, ratio=self.eps_abs / self.grad_rms)

    def probe_at(self, B) -> None:
        """Probe the slider value nearest ``B`` in log B (the tap handler); anything but a positive
        finite number (a tap that missed the data area) is ignored."""
        if B is None or not math.isfinite(B) or B <= 0:
            return
        self.B_probe = min(B_PROBES, key=lambda value: abs(math.log(value / B)))

    def figure(self):
        """Exported figure: η*(B), ΔL(B), the hyperbola and the moments at the probe."""
        layout = self.eta_view() + self.loss_view() + self.hyperbola_view() + self.moments_view()
        return styled(layout.cols(2), shared_axes=False, sublabel_format="", fig_inches=(13, 8))

    def sections(self) -> list[Section]:
        """η*(B) with its readout; ΔL(B), the hyperbola, the moments at the probe and erf's curve."""
        return [Section((View("eta", self.eta_view, main=True), View("readout", self.readout, text=True, wide=True)),
                        columns=1),
                Section((View("dL", self.loss_view), View("SE", self.hyperbola_view),
                         View("moments", self.moments_view), View("erf", self.erf_view)), note="note")]

    def build_views(self):
        layout = super().build_views()
        on_tap(self.panes["eta"], lambda x, y: self.probe_at(x))  # a tap on the main plot probes its B
        return layout
