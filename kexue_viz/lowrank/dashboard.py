"""The low-rank lab: every method of the road-to-low-rank series (posts 10366, 10407, 10427, 10501, 10662)
on one matrix, against the Eckart–Young–Mirsky optimum, with one rank cursor shared by every view.

The results come from :mod:`.pipeline`, memoised for the whole process by the matrix's name (a preset's
:class:`~.matrices.MatrixSpec` or an upload's digest) and the method settings: a second reader at the same
settings computes nothing. A rank move only rebuilds the rank-r approximations; the randomised methods'
curves show the sidebar's seed until the reader computes their band over seeds (a button: the band is
the one sweep that takes longer than a slider move).
"""
from __future__ import annotations

import math

import holoviews as hv
import numpy as np
import panel as pn
import param

from ..style import styled
from ..ui import Dashboard, Section, View
from . import pipeline, views
from .matrices import PRESETS, PRODUCT_PRESETS, SIZES, MatrixSpec
from .text import TEXT

MATRIX_SOURCES = [name for name in PRESETS if name not in PRODUCT_PRESETS] + ["upload"]
DEFAULT_METHODS = ["svd", "rsvd", "id_cpqr", "cur_deim"]
WEIGHT_COUNT = 24


class LowRankDashboard(Dashboard):
    """Low-rank lab (the road to low-rank approximation, posts 1–5)."""

    slug = "low_rank"
    text = TEXT
    posts = (("post_10366", "https://kexue.fm/archives/10366"), ("post_10407", "https://kexue.fm/archives/10407"),
             ("post_10427", "https://kexue.fm/archives/10427"), ("post_10501", "https://kexue.fm/archives/10501"),
             ("post_10662", "https://kexue.fm/archives/10662"))
    controls = ("source", "size", "center", "r", "methods", "focus", "norm", "seed", "n_seeds")
    widget_options = {
        "methods": {"type": pn.widgets.CheckButtonGroup, "orientation": "vertical"},
        "norm": {"type": pn.widgets.RadioButtonGroup},
        "seed": {"type": pn.widgets.IntInput},
        "stage": {"step": 0.05},
        "log_tau": {"step": 0.5},
        **{name: {"step": 0.1} for name in ("a11", "a12", "a21", "a22")},
    }
    probe = "r"
    LATENCY_MOVES = {
        "r": [8, 12, 16, 20, 24, 32, 10, 14, 18, 22, 28, 40],
        "focus": ["svd", "id_cpqr", "cur_cpqr", "cur_deim", "svd", "id_cpqr", "cur_cpqr", "cur_deim", "svd",
                  "id_cpqr", "cur_cpqr", "cur_deim"],
        "oversample": [12, 14, 16, 18, 20, 8, 6, 4, 2, 10, 12, 14],
        "stage": [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 2.25, 1.75, 1.25, 0.75, 0.25],
        "a11": [1.2, 1.0, 0.8, 0.6, 0.4, 0.2, 0.0, -0.2, 0.5, 1.5, 1.8, 1.5],
    }

    source = param.Selector(default="china", objects=MATRIX_SOURCES)
    size = param.Selector(default=192, objects=list(SIZES))
    center = param.Boolean(False)
    r = param.Integer(16, bounds=(1, pipeline.RANK_CAP))
    methods = param.ListSelector(default=DEFAULT_METHODS, objects=list(pipeline.METHODS))
    focus = param.Selector(default="cur_deim", objects=list(pipeline.METHODS))
    u_choice = param.Selector(default="opt", objects=["opt", "cross", "cross_trunc"])
    log_tau = param.Number(-2.0, bounds=(-8.0, 0.0))
    leverage_k = param.Integer(0, bounds=(0, pipeline.RANK_CAP))
    rsvd_p = param.Integer(10, bounds=(0, 20))
    rsvd_q = param.Integer(0, bounds=(0, 4))
    oversample = param.Integer(10, bounds=(0, 40))
    seed = param.Integer(0, bounds=(0, 9999))
    n_seeds = param.Integer(8, bounds=(1, 32))
    norm = param.Selector(default="fro", objects=list(pipeline.NORMS))
    a11 = param.Number(1.5, bounds=(-2.0, 2.0))
    a12 = param.Number(0.8, bounds=(-2.0, 2.0))
    a21 = param.Number(-0.3, bounds=(-2.0, 2.0))
    a22 = param.Number(1.0, bounds=(-2.0, 2.0))
    stage = param.Number(3.0, bounds=(0.0, 3.0))
    cr_source = param.Selector(default="heavy_tailed", objects=list(PRODUCT_PRESETS))
    cr_scheme = param.Selector(default="optimal", objects=["optimal", "x_norm2", "uniform"])
    replacement = param.Boolean(True)

    def __init__(self, **params):
        super().__init__(**params)
        self._upload: tuple[str, bytes] | None = None  # (file name, bytes) of this reader's upload
        self._band_task = self.task("run_spread", pipeline_bands, lambda _: self.notify("bands"),
                                    prepare=self.band_requests)

    # ---- the matrix and the settings -------------------------------------------------------------
    def matrix_source(self) -> pipeline.Source:
        """The name of the matrix shown: a preset's spec, or this reader's upload read at the chosen size."""
        if self.source != "upload":
            return MatrixSpec(self.source, self.size, 0, self.center)
        if self._upload is None:
            raise ValueError(self.t("upload_none"))
        filename, data = self._upload
        return pipeline.register_upload(filename, data, self.size, self.center)

    def shape(self) -> tuple[int, int]:
        return pipeline.matrix(self.matrix_source()).shape

    def rank(self) -> int:
        """The rank shown: r, at most :func:`pipeline.rank_limit` of the matrix."""
        return min(self.r, pipeline.rank_limit(self.shape()))

    def method_settings(self) -> pipeline.MethodSettings:
        return pipeline.MethodSettings(self.u_choice, 10.0 ** self.log_tau, self.rsvd_p, self.rsvd_q, self.oversample,
                                       self.leverage_k)

    def seeds(self) -> tuple[int, ...]:
        return tuple(range(self.seed, self.seed + self.n_seeds))

    def selected(self) -> list[str]:
        """The chosen methods in the lab's order (at least one)."""
        chosen = [method for method in pipeline.METHODS if method in self.methods]
        if not chosen:
            raise ValueError(self.t("no_methods"))
        return chosen

    def method_label(self, method: str) -> str:
        return self.t(f"method.{method}")

    # ---- the lab -----------------------------------------------------------------------------------
    def band_requests(self) -> list[tuple]:
        """The randomised curves over seeds the band button computes (read at the press)."""
        source, settings = self.matrix_source(), self.method_settings()
        return [(source, method, pipeline.method_settings_for(method, settings), self.seeds(), self.norm)
                for method in self.selected() if method in pipeline.RANDOMISED]

    def curve_of(self, method: str) -> tuple[str, np.ndarray, np.ndarray, tuple | None]:
        """``(label, ranks, errors, band)``: a deterministic curve; a randomised method's median over the seeds
        when its band has been computed (``band`` = min, max), else its curve at the sidebar's seed."""
        source, settings = self.matrix_source(), pipeline.method_settings_for(method, self.method_settings())
        if method not in pipeline.RANDOMISED:
            ranks, errors = pipeline.deterministic_curve(source, method, settings, self.norm)
            return self.method_label(method), ranks, errors, None
        found = pipeline.random_errors.cached(source, method, settings, self.seeds(), self.norm)
        if found is None:
            ranks, errors = pipeline.random_errors(source, method, settings, (self.seed,), self.norm)
            return self.method_label(method), ranks, errors[:, 0], None
        ranks, errors = found
        label = self.t("median_over", label=self.method_label(method), n=errors.shape[1])
        return label, ranks, np.median(errors, 1), (errors.min(1), errors.max(1))

    def error_view(self):
        lines, bands = [], []
        for method in self.selected():
            label, ranks, errors, band = self.curve_of(method)
            lines.append((method, label, ranks, errors))
            if band is not None:
                bands.append((method, ranks, *band))
        shown = {"eym", "volume"} | ({"hmt"} if "rsvd" in self.methods else set()) | {"cgmr"}
        bounds = [(key, self.t(f"bound.{key}"), ranks, values)
                  for key, (ranks, values) in pipeline.bound_lines(self.matrix_source(), self.norm, self.rsvd_p).items()
                  if key in shown]
        title = self.t("view_error", norm=self.t(f"norm.{self.norm}"))
        return views.error_view(lines, bands, bounds, self.rank(), title, self.t)

    def focused(self) -> pipeline.Approximation:
        """The focused method's rank-r approximation at the sidebar's seed."""
        return pipeline.approximation(self.matrix_source(), self.focus, self.rank(), self.method_settings(), self.seed)

    def original_view(self):
        found = self.focused()
        n, m = self.shape()
        title = self.t("view_original", n=n, m=m, method=self.method_label(self.focus))
        return views.image_view(pipeline.matrix(self.matrix_source()), title, bands=(found.cols, found.rows))

    def approximation_view(self):
        found, r = self.focused(), self.rank()
        source = self.matrix_source()
        error = float(pipeline.error_at(source, self.focus, r, self.method_settings(), (self.seed,), "fro")[0])
        optimum = pipeline.bound_lines(source, "fro", 10)["eym"][1][r]
        extra = ""
        if not math.isnan(found.max_z):
            extra = self.t("extra_z", value=found.max_z)
        elif self.focus in pipeline.CUR_METHODS:
            extra = self.t("extra_cond", value=found.cond)
        title = self.t("view_approx", method=self.method_label(self.focus), r=r, error=error,
                       ratio=error / optimum if optimum > 0 else math.inf, extra=extra)
        return views.image_view(found.matrix, title)

    def residual_view(self):
        found = self.focused()
        residual = pipeline.matrix(self.matrix_source()) - found.matrix
        return views.image_view(residual, self.t("view_residual"), cmap="RdBu_r", symmetric=True)

    def spectrum_view(self):
        F = pipeline.factors(self.matrix_source())
        return views.spectrum_view(F.s, np.diag(F.R), self.rank(), self.t)

    def probabilities_view(self):
        source, r, settings = self.matrix_source(), self.rank(), self.method_settings()
        F = pipeline.factors(source)
        k = min(self.leverage_k or r, len(F.s))
        leverage = (F.Vt[:k] ** 2).sum(0) / k
        column_norms = (pipeline.matrix(source) ** 2).sum(0)
        deim_cols = pipeline.approximation(source, "cur_deim", r, settings, 0).cols
        sampled = pipeline.approximation(source, "cur_leverage", r, settings, self.seed).cols
        return views.probabilities_view(leverage, column_norms / column_norms.sum(), deim_cols, sampled, k, r, self.t)

    def spread_view(self):
        source, r, settings = self.matrix_source(), self.rank(), self.method_settings()
        points = [(method, self.method_label(method),
                   pipeline.error_at(source, method, r, settings, self.seeds(), self.norm)) for method in self.selected()]
        return views.spread_view(points, r, self.t)

    # ---- post tabs ---------------------------------------------------------------------------------
    def eps_view(self):
        return views.eps_path_view(pipeline.eps_path(self.seed), self.t)

    def descent_view(self):
        return views.descent_view(pipeline.descent(self.seed), self.t)

    def geometry_view(self):
        found = pipeline.geometry((self.a11, self.a12, self.a21, self.a22))
        return views.geometry_view(found["stages"], found["basis"], self.stage, found["sigma"], self.t)

    def weights_view(self):
        source = self.matrix_source()
        count = min(len(pipeline.factors(source).s), max(WEIGHT_COUNT, 2 * self.rank()))
        r = min(self.rank(), count - 1)
        return views.weights_view(pipeline.eym_weights(source, r, self.seed, count), r, self.t)

    def product_settings(self) -> pipeline.ProductSettings:
        spec = MatrixSpec(self.cr_source, self.size, 0)
        return pipeline.ProductSettings(spec, self.cr_scheme, self.replacement)

    def cr_error_view(self):
        settings = self.product_settings()
        inner = len(pipeline.product(settings.spec)["w"])
        data = pipeline.cr_curves(settings, self.seeds(), min(inner, pipeline.RANK_CAP))
        return views.cr_error_view(data, self.cr_scheme, self.replacement, self.r, self.t)

    def cr_draw_view(self):
        settings = self.product_settings()
        r = min(self.r, len(pipeline.product(settings.spec)["w"]))
        return views.cr_draw_view(pipeline.cr_draw(settings, r, self.seed), r, self.t)

    # ---- page ----------------------------------------------------------------------------------------
    def sections(self) -> list[Section]:
        """The lab (error vs rank, then the approximation, spectrum, sampling and seed spread), and one
        tab per post for what is not a method comparison: the ε path, the SVD's geometry, CR."""
        band = lambda: [self._band_task.layout]  # noqa: E731
        return [
            Section((View("error", self.error_view, main=True, triggers=("bands", "upload"), below=band),),
                    heading="lab_heading", note="lab_note"),
            Section((View("original", self.original_view, triggers=("upload",)),
                     View("approximation", self.approximation_view, triggers=("upload",)),
                     View("residual", self.residual_view, triggers=("upload",)),
                     View("spectrum", self.spectrum_view, triggers=("upload",)),
                     View("probabilities", self.probabilities_view, triggers=("upload",)),
                     View("spread", self.spread_view, triggers=("upload",))),
                    heading="detail_heading", note="detail_note", columns=3,
                    controls=("u_choice", "log_tau", "leverage_k", "rsvd_p", "rsvd_q", "oversample")),
            Section((View("eps", self.eps_view), View("descent", self.descent_view)), note="pinv_note", tab="tab_pinv"),
            Section((View("geometry", self.geometry_view, own_size=True),
                     View("weights", self.weights_view, triggers=("upload",))),
                    controls=("a11", "a12", "a21", "a22", "stage"), note="svd_note", tab="tab_svd"),
            Section((View("cr", self.cr_error_view, wide=True), View("cr_draw", self.cr_draw_view)),
                    controls=("cr_source", "cr_scheme", "replacement"), note="cr_note", tab="tab_cr"),
        ]

    def extra_controls(self) -> list:
        upload = pn.widgets.FileInput(accept=".png,.jpg,.jpeg,.csv,.npy", sizing_mode="stretch_width",
                                      css_classes=["kv-upload"])
        upload.param.watch(lambda event: event.new and self.load_upload(upload.filename or "upload", event.new),
                           "value")
        return [self.text_pane("upload_help"), upload]

    def load_upload(self, filename: str, data: bytes) -> None:
        """Read the reader's file at the chosen size; on success show it, else explain in the error area
        (the matrix shown before stays)."""
        try:
            pipeline.register_upload(filename, data, self.size, self.center)
        except ValueError as error:
            self.report(self.message("upload_rejected", reason=error), source="upload")
            return
        self.clear_error("upload")
        self._upload = (filename, data)
        if self.source == "upload":
            self.notify("upload")
        else:
            self.source = "upload"

    def figure(self):
        """Exported figure: error vs rank, the focused approximation and its residual, the spectrum."""
        layout = hv.Layout([self.error_view(), self.approximation_view(), self.residual_view(), self.spectrum_view()])
        return styled(layout.cols(2), shared_axes=False, sublabel_format="", fig_inches=(13, 8))


def pipeline_bands(requests: list[tuple], progress) -> None:
    """Compute each randomised curve over seeds (:func:`pipeline.random_errors`), telling ``progress`` the
    share done between curves."""
    for done, request in enumerate(requests):
        progress(done / max(len(requests), 1))
        pipeline.random_errors(*request)
