"""HiPPO dynamics dashboard: online function approximation by LegS, LegT, FouT and LagT, and the
S4/RTF view of posts 3 and 4 (the measure's A used time-invariantly: kernel, generating function,
output, timing of the kernel routes).

Computation is split by what each control changes: the results (input samples, LegS per-step
matrices at ``N_MAX`` so that N is a slice, trajectories, reconstructions, the error-vs-N sweep,
eigenvalues, S4 kernels and outputs) come from :mod:`.pipeline`, memoised for the whole process by
exactly what each depends on, so every reader shares them. Moving the cursor only slices a
trajectory and evaluates one reconstruction; the heavier views (coefficient spectrum, error vs N,
eigenvalues) follow the cursor once it rests (``settled``: slider released, player paused, or a
value set from a link or code). The reader's upload and route timings stay with the session; the
routes are timed behind a button, off the event loop (:meth:`~kexue_viz.ui.Dashboard.task`), and
announced to the timing chart and note by ``notify("timings")``.
"""
from __future__ import annotations

import numpy as np
import panel as pn
import param

from .. import plot
from ..style import styled
from ..ui import Dashboard, LruDict, Section, View
from . import pipeline, views
from .discretize import LEGS_METHODS
from .hippo import MEASURES, NORMS, get_measure, state_size
from .online import support
from .pipeline import AMPLIFICATION, N_MAX, TIMED_ROUTES
from .signals import PRESETS, parse_csv_column
from .text import TEXT

PLAYER_FRAMES = 100  # the player moves the cursor in steps of 1/100 (ui.PLAYER_MAX_FRAME bounds it)
PLAYER_INTERVAL_MS = 80  # at most 12.5 frames/s; slower when the server or the browser needs longer per frame
S4_STEPS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0)
READOUTS = ("ones", "random", "e0")


class HippoDashboard(Dashboard):
    """Online approximation of a signal by HiPPO state-space systems (posts 10114, 10137) and the
    S4/RTF kernel view (posts 10162, 10180)."""

    slug = "hippo"
    text = TEXT
    posts = (("post_1", "https://kexue.fm/archives/10114"), ("post_2", "https://kexue.fm/archives/10137"),
             ("post_3", "https://kexue.fm/archives/10162"), ("post_4", "https://kexue.fm/archives/10180"))
    controls = ("signal", "freq", "seed", "duration", "L", "measure", "N", "w", "method", "norm",
                "n_shown", "log_y", "s4_step", "readout")
    widget_options = {"seed": {"type": pn.widgets.IntInput}}
    probe = "N"

    SCRUBBED = {"cursor": "settled"}
    LATENCY_MOVES = {  # benchmarks/bench_dashboard_update.py: values unlike the defaults
        "N": list(range(17, 41)),
        "cursor": [round(v, 3) for v in np.linspace(0.95, 0.5, 24)],
        "freq": [round(v, 2) for v in np.linspace(2.1, 4.4, 24)],
        "n_shown": [5, 6, 7, 8, 3, 2, 9, 10, 11, 12, 13, 14],
        "s4_step": [0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 0.005, 0.002, 0.001, 0.02, 0.05, 0.1],
    }

    signal = param.Selector(default="white_noise", objects=[*PRESETS, "upload"])
    freq = param.Number(2.0, bounds=(0.5, 10.0), step=0.1)
    seed = param.Integer(0, bounds=(0, 9999))
    duration = param.Number(4.0, bounds=(1.0, 10.0), step=0.5)
    L = param.Selector(default=1000, objects=[250, 500, 1000, 2000])
    measure = param.Selector(default="legs", objects=list(MEASURES))
    N = param.Integer(16, bounds=(1, N_MAX))
    w = param.Number(1.0, bounds=(0.05, 10.0), step=0.05)
    method = param.Selector(default="bilinear", objects=list(LEGS_METHODS))
    norm = param.Selector(default="su", objects=list(NORMS))
    cursor = param.Number(1.0, bounds=(0.005, 1.0), step=0.005)
    n_shown = param.Integer(4, bounds=(1, 16))
    log_y = param.Boolean(False)
    s4_step = param.Selector(default=0.01, objects=list(S4_STEPS))
    readout = param.Selector(default="ones", objects=list(READOUTS))
    settled = param.Number(1.0, bounds=(0.005, 1.0), precedence=-1, doc="the cursor once it rests (derived)")
    eigen_step = param.Integer(0, bounds=(0, 2000), precedence=-1, doc="LegS: the settled step; LTI: 0 (derived)")

    def __init__(self, **params):
        super().__init__(**params)
        self._upload: dict[int, pipeline.SignalSettings] | None = None  # the reader's series, per choice of L
        self._timings = LruDict(16)  # route timings measured for this reader, by (N, L)

    @param.depends("settled", "measure", "L", watch=True, on_init=True)
    def _update_eigen_step(self):
        self.eigen_step = self.settled_step if get_measure(self.measure).time_varying else 0

    # ---- computation: settings for the pipeline (:mod:`.pipeline`, shared by every session) ------
    @property
    def dt(self) -> float:
        return self.duration / self.L

    def step_of(self, fraction: float) -> int:
        """A cursor fraction as a state index ``k`` (time ``T = kε``), at least 1."""
        return max(1, int(round(fraction * self.L)))

    @property
    def step(self) -> int:
        return self.step_of(self.cursor)

    @property
    def settled_step(self) -> int:
        return self.step_of(self.settled)

    def signal_settings(self) -> pipeline.SignalSettings:
        """The current input: a preset, or the reader's upload."""
        if self.signal == "upload":
            if self._upload is None:
                raise ValueError(self.t("upload_needed"))
            return self._upload[self.L]
        return pipeline.SignalSettings.preset(self.signal, self.L, self.freq, self.seed, self.duration)

    def samples(self) -> tuple[pipeline.SignalSettings, np.ndarray]:
        """``(settings, u)`` for the current input."""
        signal = self.signal_settings()
        return signal, pipeline.samples(signal)

    def trajectory_settings(self) -> pipeline.TrajectorySettings:
        return pipeline.TrajectorySettings.of(self.signal_settings(), self.measure, self.N, self.w, self.norm,
                                              self.method, self.dt)

    def states(self) -> np.ndarray:
        """Trajectory ``x_0..x_L`` for the current settings, N coefficients (:func:`.pipeline.trajectory`)."""
        return pipeline.trajectory(self.trajectory_settings())[:, :state_size(self.measure, self.N)]

    def reconstruction(self) -> tuple[np.ndarray, np.ndarray, float]:
        """Times, reconstructed history and relative error at the cursor (:func:`.pipeline.reconstruction`)."""
        return pipeline.reconstruction(self.trajectory_settings(), self.N, self.step, self.dt)

    def error_curve(self) -> dict[str, list[float]]:
        """Online and optimal errors on ``ERROR_GRID`` at the settled cursor (:func:`.pipeline.error_curve`)."""
        return pipeline.error_curve(pipeline.ErrorSettings.of(self.signal_settings(), self.measure, self.w, self.norm,
                                                              self.method, self.dt, self.settled_step))

    def eigen_settings(self) -> pipeline.EigenSettings:
        """What the eigenvalue views depend on (LegS: the settled step's matrix)."""
        return pipeline.EigenSettings.of(self.measure, self.N, self.w, self.norm, self.method, self.dt,
                                         self.eigen_step, self.L)

    def eigen_data(self):
        """``(z, exact_z, discrete, exact_discrete, title)``: scaled continuous and discrete eigenvalues
        (:func:`.pipeline.eigenvalues`) and the stability view's title."""
        time_varying = get_measure(self.measure).time_varying
        title = self.t("view_eig_cont_legs" if time_varying else "view_eig_cont")
        return (*pipeline.eigenvalues(self.eigen_settings()), title)

    # ---- views ----------------------------------------------------------------------------
    @property
    def T(self) -> float:
        return self.step * self.dt

    def memory_view(self):
        def build():
            _, u = self.samples()
            recon_t, recon_u, error = self.reconstruction()
            lo, hi = support(self.measure, self.T, self.w)
            return views.memory_view(np.arange(self.L + 1) * self.dt, np.append(u, u[-1]), recon_t, recon_u,
                                     (max(lo, 0.0), hi), self.T, error, self.t)

        return self.cached_view("memory", (self.trajectory_settings(), self.N, self.step), build)

    def trajectories_view(self):
        shown = min(self.n_shown, state_size(self.measure, self.N))
        # a live plot always gets n_shown's maximum of curves (the rest empty): changing n_shown
        # then updates it in place; an export or notebook draws only the curves shown
        slots = self.param.n_shown.bounds[1] if plot.is_deferred() else 0
        curves = self.cached_view("curves", (self.trajectory_settings(), shown), lambda: views.trajectory_curves(
            np.arange(self.L + 1) * self.dt, self.states()[:, :shown], self.t, slots=slots))
        return self.cached_view("traj", (self.trajectory_settings(), shown, self.step),
                                lambda: views.trajectories_view(curves, self.T, self.t))

    def spectrum_view(self):
        key = (self.trajectory_settings(), self.N, self.settled_step, self.log_y)
        return self.cached_view("spectrum", key, lambda: views.spectrum_view(
            np.abs(self.states()[self.settled_step]), self.log_y, self.t))

    def error_view(self):
        def build():
            curve = self.error_curve()
            return views.error_view(curve["N"], curve["online"], curve["optimal"], self.N, self.t)

        return self.cached_view("error", (self.trajectory_settings(), self.settled_step, self.N), build)

    def stability_view(self):
        def build():
            scaled, exact, _, _, title = self.eigen_data()
            return views.stability_view(scaled, AMPLIFICATION[self.method], title, self.t, exact=exact)

        return self.cached_view("stability", (self.eigen_settings(),), build)

    def discrete_view(self):
        def build():
            _, _, discrete, exact_discrete, _ = self.eigen_data()
            return views.discrete_eigen_view(discrete, self.t, exact=exact_discrete)

        return self.cached_view("discrete", (self.eigen_settings(),), build)

    # ---- S4 / RTF (posts 3, 4) --------------------------------------------------------------
    def s4_settings(self) -> pipeline.S4Settings:
        """What the S4 kernel depends on: measure, N, step, readout (and its seed), window, L."""
        return pipeline.S4Settings.of(self.measure, self.N, self.s4_step, self.readout, self.seed, self.w, self.L)

    def s4_pair(self):
        return pipeline.s4_kernels(self.s4_settings())

    def s4_output(self) -> np.ndarray:
        """``y = K̄ * u`` on the current input (:func:`.pipeline.s4_output`)."""
        return pipeline.s4_output(self.s4_settings(), self.signal_settings())

    def kernel_view(self):
        return self.cached_view("kernel", (self.s4_settings(),), lambda: views.kernel_view(*self.s4_pair(), self.t))

    def transfer_view(self):
        return self.cached_view("transfer", (self.s4_settings(),),
                                lambda: views.transfer_view(self.s4_pair()[0], self.t))

    def output_view(self):
        def build():
            _, u = self.samples()
            return views.ssm_output_view(np.arange(self.L + 1) * self.dt, u, self.s4_output(), self.t)

        return self.cached_view("output", (self.s4_settings(), self.signal_settings()), build)

    def timing_request(self) -> tuple[pipeline.S4Settings, dict[str, float] | None]:
        """What the timing button works on, read at the press: the S4 settings and the medians this
        reader already has for their N and L (``None`` when not timed yet)."""
        settings = self.s4_settings()
        return settings, self._timings.get((settings.N, settings.L))

    @staticmethod
    def measure_routes(request, progress) -> tuple[tuple[int, int], dict[str, float]]:
        """The timing button's work (a worker thread on a served page): ``((N, L), medians)``, one
        route timed per step, or the medians the reader already has."""
        settings, timings = request
        if timings is None:
            timings = {}
            for index, route in enumerate(TIMED_ROUTES):
                progress(index / len(TIMED_ROUTES))
                timings[route] = pipeline.route_timing(settings, route)
        return (settings.N, settings.L), timings

    def keep_timings(self, result: tuple[tuple[int, int], dict[str, float]]) -> None:
        """Keep the medians measured for ``(N, L)`` and refresh the chart and the note showing them."""
        key, timings = result
        self._timings.fetch(key, lambda: timings)
        self.notify("timings")

    def current_timings(self) -> dict[str, float] | None:
        """The routes' medians for the current N and L, ``None`` until they are timed."""
        return self._timings.get((self.N, self.L))

    def timing_view(self):
        """The routes' medians for the current N and L, or (not timed yet) what to press."""
        timings = self.current_timings()
        return self.cached_view("timing", (self.N, self.L, timings is None), lambda: views.route_timing_view(
            timings or dict.fromkeys(TIMED_ROUTES, 0.0), self.N, self.L, self.t,
            pending="" if timings else self.t("timing_pending")))

    def timing_note(self) -> str:
        """The measured medians with their speed-up over the loop, or what to press."""
        timings = self.current_timings()
        if timings is None:
            return self.t("timing_none")
        return " · ".join(f"{self.t('route.' + name)}: {ms:.2f} ms ({timings['powers'] / ms:.1f}×)"
                          for name, ms in timings.items())

    def figure(self):
        """Exported figure: input and memory, trajectories, error vs N, discrete eigenvalues."""
        layout = self.memory_view() + self.trajectories_view() + self.error_view() + self.discrete_view()
        return styled(layout.cols(2), shared_axes=False, sublabel_format="", fig_inches=(12, 7))

    def timing_controls(self) -> list:
        """Under the timing chart: the button timing the routes (off the event loop, with progress
        and a cancel) and the note giving their medians."""
        task = self.task("time_routes", self.measure_routes, self.keep_timings, prepare=self.timing_request)
        return [task.layout, self.live_text("timing_note", self.timing_note, triggers=("timings",))]

    def sections(self) -> list[Section]:
        """Posts 1/2: the memory view over trajectories, coefficient spectrum, error vs N, the two
        eigenvalue views (square frames at their own size) and the reading note; posts 3/4 (S4/RTF):
        kernel, generating function, output and the route timing."""
        return [
            Section((View("memory", self.memory_view, main=True), View("traj", self.trajectories_view),
                     View("spectrum", self.spectrum_view), View("error", self.error_view),
                     View("stability", self.stability_view, own_size=True),
                     View("discrete", self.discrete_view, own_size=True),
                     View("note", lambda: self.t("note"), text=True))),
            Section((View("kernel", self.kernel_view), View("transfer", self.transfer_view),
                     View("output", self.output_view),
                     View("timing", self.timing_view, triggers=("timings",), below=self.timing_controls)),
                    heading="s4_heading", note="s4_note"),
        ]

    # ---- extra controls -------------------------------------------------------------------
    def load_upload(self, data: bytes) -> None:
        """Validate an uploaded CSV and make it the input; on error keep the current input."""
        try:
            values = parse_csv_column(data)
        except ValueError as error:
            self.report(self.message("upload_rejected", reason=error), source="upload")
            return
        self.clear_error("upload")
        self._upload = {L: pipeline.SignalSettings.uploaded(values, L) for L in self.param.L.objects}
        if self.signal == "upload":
            self.param.trigger("signal")
        else:
            self.signal = "upload"

    def cursor_controls(self) -> list:
        """The time cursor as a slider and a player (``Dashboard.scrub_player``): moving either
        scrubs live; releasing the slider or pausing the player settles it. Programmatic changes
        flow back to both."""
        slider = pn.widgets.FloatSlider(start=0.005, end=1.0, step=0.005, value=self.cursor, label=self.t("cursor"),
                                        css_classes=["kv-param-cursor"], sizing_mode="stretch_width")
        player = pn.widgets.Player(start=1, end=PLAYER_FRAMES, loop_policy="once", show_loop_controls=False, width=265,
                                   css_classes=["kv-player"])
        self.scrub_player("cursor", player, to_value=lambda frame: frame / PLAYER_FRAMES,
                          to_frame=lambda cursor: round(cursor * PLAYER_FRAMES), interval_ms=PLAYER_INTERVAL_MS)
        return [self.scrub_slider("cursor", slider), player]

    def extra_controls(self) -> list:
        upload = pn.widgets.FileInput(accept=".csv,.tsv,.txt", sizing_mode="stretch_width", css_classes=["kv-upload"])
        upload.param.watch(lambda event: event.new and self.load_upload(event.new), "value")
        return [*self.cursor_controls(), self.text_pane("upload"), upload]
