"""HiPPO dynamics dashboard: online function approximation by LegS, LegT, FouT and LagT, and the
S4/RTF view of posts 3 and 4 (the measure's A used time-invariantly: kernel, generating function,
output, timing of the kernel routes).

Computation is split by what each control changes, and each piece is cached by its inputs:
the input samples; the discretised system (LegS: per-step matrices at ``N_MAX``, shared by
every session, so N is a slice); the trajectory; the error-vs-N sweep at the cursor. Moving the
cursor only slices cached trajectories and evaluates one reconstruction; the heavier views
(coefficient spectrum, error vs N, eigenvalues) follow the cursor once it rests (``settled``:
slider released, player paused, or a value set from a link or code).
"""
from __future__ import annotations

import hashlib
from functools import lru_cache

import numpy as np
import panel as pn
import param
import torch

from .. import plot
from ..style import styled
from ..ui import Dashboard, LruDict
from . import views
from .discretize import LEGS_METHODS
from .errors import errors_from_states, lti_state_at
from .hippo import MEASURES, NORMS, get_measure, hippo, state_size
from .kernels import fft_conv, hippo_ssm, kernel_cauchy, kernel_krylov, parametrised_routes, time_routes
from .online import (as_signal, exact_projection, lti_states_by_convolution, reconstruct, relative_error,
                     run_recurrence, step_matrices, support)
from .pade import legt_exact_poles
from .signals import PRESETS, make_signal, parse_csv_column, resample
from .text import TEXT

N_MAX = 64
ERROR_GRID = (1, 2, 4, 8, 16, 32, 64)
PLAYER_FRAMES = 100  # the player moves the cursor in steps of 1/100 (ui.PLAYER_MAX_FRAME bounds it)
PLAYER_INTERVAL_MS = 80  # at most 12.5 frames/s; slower when the server or the browser needs longer per frame
RECON_POINTS = 400
S4_STEPS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0)
READOUTS = ("ones", "random", "e0")
TIMED_ROUTES = ("powers", "krylov", "generating", "cauchy", "rtf")
TIMING_REPEATS = 3
S4_INPUTS = ("measure", "N", "w", "L", "s4_step", "readout", "seed", "signal", "freq", "duration")


@lru_cache(maxsize=32)
def preset_samples(kind: str, freq: float, seed: int, L: int, duration: float) -> np.ndarray:
    """Samples of a preset input (cached; shared by sessions)."""
    samples = make_signal(kind, L, duration / L, freq, seed)
    samples.setflags(write=False)
    return samples


@lru_cache(maxsize=4)
def legs_steps(L: int, method: str, norm: str):
    """LegS per-step matrices at ``N_MAX`` (the expensive part; ε-free, shared by sessions;
    at most 4 × 66 MB for L = 2000)."""
    return step_matrices("legs", N_MAX, L, 1.0, norm=norm, method=method)


@lru_cache(maxsize=32)
def lti_system(measure: str, N: int, dt: float, w: float, norm: str, method: str):
    """Discretised ``(Ā, B̄)`` of a time-invariant measure (cached; shared by sessions)."""
    return step_matrices(measure, N, 0, dt, w=w, norm=norm, method=method)


@lru_cache(maxsize=32)
def s4_kernels(measure: str, N: int, step: float, readout: str, seed: int, w: float, L: int):
    """``(K̄ by DPLR–Cauchy, K̄ by Krylov powers)`` as read-only numpy arrays for the measure's
    ``A`` used time-invariantly (S4; paper normalisation), cached by what they depend on and
    shared by sessions (a few ms each at N = 64, L = 2000)."""
    ssm = hippo_ssm(measure, N, step, readout, w=w, norm="paper", seed=seed)
    pair = kernel_cauchy(ssm, L).cpu().numpy(), kernel_krylov(ssm, L).cpu().numpy()
    for array in pair:
        array.setflags(write=False)
    return pair


def route_timings(measure: str, N: int, step: float, w: float, L: int) -> dict[str, float]:
    """Median milliseconds of each of ``TIMED_ROUTES`` for one system (RTF from ``(a, b)`` of size
    N: its cost does not depend on their values)."""
    ssm = hippo_ssm(measure, N, step, "random", w=w, norm="paper")
    n = ssm.N
    ab = (torch.zeros(n, dtype=torch.float64), torch.ones(n, dtype=torch.float64))
    seconds = time_routes(parametrised_routes(ssm, L, ab=ab, routes=TIMED_ROUTES), repeats=TIMING_REPEATS)
    return {name: 1e3 * value for name, value in seconds.items()}


def at_own_size(pane: pn.pane.Bokeh) -> pn.Column:
    """``pane`` showing its figure at the figure's own size (a complex plane's square frame at equal
    scales, see ``views.COMPLEX_PLANE``), in a column that fills its grid cell as the others do."""
    pane.sizing_mode = "fixed"  # as the diffusion dashboard's square frames (Bokeh logs W-1005: no outer size)
    return pn.Column(pane, sizing_mode="stretch_width")


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
    timing_version = param.Integer(0, bounds=(0, 10 ** 9), precedence=-1, doc="bumped when routes were timed (derived)")
    s4_version = param.Integer(0, bounds=(0, 10 ** 9), precedence=-1, doc="bumped after S4 inputs change (derived)")
    settled = param.Number(1.0, bounds=(0.005, 1.0), precedence=-1, doc="the cursor once it rests (derived)")
    eigen_step = param.Integer(0, bounds=(0, 2000), precedence=-1, doc="LegS: the settled step; LTI: 0 (derived)")

    def __init__(self, **params):
        super().__init__(**params)
        self._upload: tuple[str, np.ndarray] | None = None
        self._trajectories = LruDict(8)
        self._errors = LruDict(32)
        self._eigen = LruDict(16)
        self._projections = LruDict(16)
        self._outputs = LruDict(8)
        self._timings = LruDict(16)
        self._s4_pending = False

    @param.depends("settled", "measure", "L", watch=True, on_init=True)
    def _update_eigen_step(self):
        self.eigen_step = self.settled_step if get_measure(self.measure).time_varying else 0

    # ---- computation ----------------------------------------------------------------------
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

    def samples(self) -> tuple[str, np.ndarray]:
        """``(key, u)`` for the current input; the key identifies it in caches."""
        if self.signal == "upload":
            if self._upload is None:
                raise ValueError(self.t("upload_needed"))
            digest, values = self._upload
            return f"upload:{digest}:{self.L}", resample(values, self.L)
        key = f"{self.signal}:{self.freq}:{self.seed}:{self.L}:{self.duration}"
        return key, preset_samples(self.signal, self.freq, self.seed, self.L, self.duration)

    @property
    def window_key(self):
        """``w`` where the measure has a window, else ``None``: moving ``w`` under LegS/LagT
        changes nothing, so it must not invalidate their caches."""
        return self.w if get_measure(self.measure).windowed else None

    def trajectory_key(self) -> tuple:
        """What the trajectory depends on: input, measure, computed size, window, norm, scheme."""
        size = N_MAX if get_measure(self.measure).time_varying else self.N
        return (self.samples()[0], self.measure, size, self.window_key, self.norm, self.method)

    def states(self) -> np.ndarray:
        """Trajectory ``x_0..x_L`` for the current settings (LegS: all ``N_MAX`` coefficients)."""
        _, u = self.samples()
        cache_key = self.trajectory_key()
        time_varying, size = get_measure(self.measure).time_varying, cache_key[2]

        def compute():
            signal = as_signal(u)
            if time_varying:
                Abar, Bbar = legs_steps(self.L, self.method, self.norm)
                return run_recurrence(Abar, Bbar, signal).cpu().numpy()
            Abar, Bbar = lti_system(self.measure, size, self.dt, self.w, self.norm, self.method)
            return lti_states_by_convolution(Abar, Bbar, signal).cpu().numpy()

        states = self._trajectories.fetch(cache_key, compute)
        return states[:, :state_size(self.measure, self.N)]

    def reconstruction(self) -> tuple[np.ndarray, np.ndarray, float]:
        """Times, reconstructed history and relative error at the cursor."""
        T = self.step * self.dt
        lo, hi = support(self.measure, T, self.w)
        lo = max(lo, 0.0)
        grid = torch.linspace(lo, hi, RECON_POINTS, dtype=torch.float64)
        state = torch.as_tensor(self.states()[self.step])
        values = reconstruct(self.measure, state, T, grid, w=self.w, norm=self.norm)
        error = relative_error(self.measure, state, self.samples()[1], self.dt, T, w=self.w, norm=self.norm,
                               best=self.best_projection(self.step, self.N))
        return grid.cpu().numpy(), values.cpu().numpy(), error

    def best_projection(self, step: int, size: int = N_MAX) -> torch.Tensor:
        """Exact projection of the input at state index ``step`` onto ``size`` functions (cached;
        the live view needs only N of them, the error-vs-N sweep all ``N_MAX``)."""
        key, u = self.samples()
        cache_key = (key, self.measure, self.window_key, self.norm, step, size)
        return self._projections.fetch(cache_key, lambda: exact_projection(
            self.measure, size, u, self.dt, step * self.dt, w=self.w, norm=self.norm))

    def error_curve(self) -> dict[str, list[float]]:
        """Online and optimal errors on ``ERROR_GRID`` at the settled cursor (cached)."""
        key, u = self.samples()
        step = self.settled_step
        cache_key = (key, self.measure, self.window_key, self.norm, self.method, step)

        def compute():
            if get_measure(self.measure).time_varying:
                per_n = {n: torch.as_tensor(self.states_full()[step, :n]) for n in ERROR_GRID}
            else:
                per_n = {n: self.lti_state(n, u, step) for n in ERROR_GRID}
            return errors_from_states(self.measure, per_n, self.best_projection(step), u, self.dt, step * self.dt,
                                      w=self.w, norm=self.norm)

        return self._errors.fetch(cache_key, compute)

    def states_full(self) -> np.ndarray:
        """The whole cached trajectory (LegS: all ``N_MAX`` coefficients, not sliced to N)."""
        self.states()
        return self._trajectories[self.trajectory_key()]

    def lti_state(self, N: int, u: np.ndarray, step: int) -> torch.Tensor:
        """State at index ``step`` of the N-coefficient LTI system."""
        Abar, Bbar = lti_system(self.measure, N, self.dt, self.w, self.norm, self.method)
        return lti_state_at(Abar, Bbar, as_signal(u), step)

    def eigen_data(self):
        """``(z, exact_z, discrete, exact_discrete, title)``: scaled continuous and discrete eigenvalues
        (cached; for LegS the discrete matrix is the step at the cursor)."""
        return self._eigen.fetch((*self.eigen_key(), self.lang), self._eigen_data)

    def eigen_key(self) -> tuple:
        """What the eigenvalue views depend on (LegS: the settled step's matrix)."""
        return (self.measure, self.N, self.window_key, self.norm, self.method, self.dt, self.L, self.eigen_step)

    def _eigen_data(self):
        A, _ = hippo(self.measure, self.N, w=self.w, norm=self.norm)
        continuous = torch.linalg.eigvals(A).cpu().numpy()
        exact = legt_exact_poles(self.N, self.w) if self.measure == "legt" else None
        if get_measure(self.measure).time_varying:
            k = min(self.eigen_step, self.L - 1)  # the step x_k -> x_{k+1} at the settled cursor
            delta = np.log((k + 1) / k) if k > 0 else np.inf
            Abar = legs_steps(self.L, self.method, self.norm)[0][k, :self.N, :self.N]
            title = self.t("view_eig_cont_legs")
        else:
            delta = self.dt
            Abar = lti_system(self.measure, self.N, self.dt, self.w, self.norm, self.method)[0]
            title = self.t("view_eig_cont")
        discrete = torch.linalg.eigvals(Abar).cpu().numpy()
        amplification = views.AMPLIFICATION[self.method]
        exact_discrete = amplification(delta * exact) if exact is not None else None
        return delta * continuous, None if exact is None else delta * exact, discrete, exact_discrete, title

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

        return self.cached_view("memory", (self.trajectory_key(), self.N, self.step), build)

    def trajectories_view(self):
        shown = min(self.n_shown, state_size(self.measure, self.N))
        # a live plot always gets n_shown's maximum of curves (the rest empty): changing n_shown
        # then updates it in place; an export or notebook draws only the curves shown
        slots = self.param.n_shown.bounds[1] if plot.is_deferred() else 0
        curves = self.cached_view("curves", (self.trajectory_key(), shown), lambda: views.trajectory_curves(
            np.arange(self.L + 1) * self.dt, self.states()[:, :shown], self.t, slots=slots))
        return self.cached_view("traj", (self.trajectory_key(), shown, self.step),
                                lambda: views.trajectories_view(curves, self.T, self.t))

    def spectrum_view(self):
        key = (self.trajectory_key(), self.N, self.settled_step, self.log_y)
        return self.cached_view("spectrum", key, lambda: views.spectrum_view(
            np.abs(self.states()[self.settled_step]), self.log_y, self.t))

    def error_view(self):
        def build():
            curve = self.error_curve()
            return views.error_view(curve["N"], curve["online"], curve["optimal"], self.N, self.t)

        return self.cached_view("error", (self.trajectory_key(), self.settled_step, self.N), build)

    def stability_view(self):
        def build():
            scaled, exact, _, _, title = self.eigen_data()
            return views.stability_view(scaled, views.AMPLIFICATION[self.method], title, self.t, exact=exact)

        return self.cached_view("stability", self.eigen_key(), build)

    def discrete_view(self):
        def build():
            _, _, discrete, exact_discrete, _ = self.eigen_data()
            return views.discrete_eigen_view(discrete, self.t, exact=exact_discrete)

        return self.cached_view("discrete", self.eigen_key(), build)

    # ---- S4 / RTF (posts 3, 4) --------------------------------------------------------------
    @param.depends(*S4_INPUTS, watch=True)
    def _schedule_s4(self):
        """Refresh the S4 views after the HiPPO views: in a served session the bump runs on the next
        tick of the event loop, so a slider move sends the main plots first (their latency is not
        charged with the S4 section); several changes in one update are merged into one refresh."""
        if self._s4_pending:
            return
        self._s4_pending = True
        pn.state.execute(self._bump_s4, schedule=True)

    def _bump_s4(self):
        self._s4_pending = False
        self.s4_version += 1

    def s4_key(self) -> tuple:
        """What the S4 kernel depends on: measure, N, step, readout (and its seed), window, L."""
        seed = self.seed if self.readout == "random" else 0
        return (self.measure, self.N, self.s4_step, self.readout, seed, self.window_key or 1.0, self.L)

    def s4_pair(self):
        return s4_kernels(*self.s4_key())

    def s4_output(self) -> np.ndarray:
        """``y = K̄ * u`` on the current input (cached by kernel and input)."""
        key, u = self.samples()
        return self._outputs.fetch((self.s4_key(), key), lambda: fft_conv(
            torch.tensor(self.s4_pair()[0]), as_signal(u)).cpu().numpy())

    def kernel_view(self):
        return self.cached_view("kernel", self.s4_key(), lambda: views.kernel_view(*self.s4_pair(), self.t))

    def transfer_view(self):
        return self.cached_view("transfer", self.s4_key(), lambda: views.transfer_view(self.s4_pair()[0], self.t))

    def output_view(self):
        def build():
            _, u = self.samples()
            return views.ssm_output_view(np.arange(self.L + 1) * self.dt, u, self.s4_output(), self.t)

        return self.cached_view("output", (self.s4_key(), self.samples()[0]), build)

    def measure_timings(self) -> dict[str, float]:
        """Time the kernel routes for the current N and L (cached per (N, L); on demand: a button)."""
        timings = self._timings.fetch((self.N, self.L), lambda: route_timings(
            self.measure, self.N, self.s4_step, self.window_key or 1.0, self.L))
        self.timing_version += 1  # refreshes the timing view and its note
        return timings

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

    def build_views(self):
        signal = ("signal", "freq", "seed", "duration", "L")
        system = (*signal, "measure", "N", "w", "method", "norm")
        eigen = ("duration", "L", "measure", "N", "w", "method", "norm", "eigen_step")
        grid = pn.GridBox(
            self.live("traj", self.trajectories_view, (*system, "cursor", "n_shown")),
            self.live("spectrum", self.spectrum_view, (*system, "settled", "log_y")),
            self.live("error", self.error_view, (*system, "settled")),
            at_own_size(self.live("stability", self.stability_view, eigen)),
            at_own_size(self.live("discrete", self.discrete_view, eigen)),
            pn.pane.Markdown(pn.bind(lambda lang: self.t("note"), self.param.lang), sizing_mode="stretch_width"),
            ncols=2, sizing_mode="stretch_width",
        )
        main = self.live("memory", self.memory_view, (*system, "cursor"), css_classes=["kv-main-plot"])
        return pn.Column(main, grid, self.s4_section(), sizing_mode="stretch_width")

    def s4_section(self):
        """Posts 3/4: kernel, generating function on the unit circle, output, route timing."""
        kernel = ("s4_version",)
        button = pn.widgets.Button(label=self.t("time_routes"), color="primary", css_classes=["kv-time-routes"])
        button.on_click(lambda event: self.measure_timings())
        self.param.watch(lambda event: setattr(button, "label", self.t("time_routes")), "lang")
        note = pn.pane.Markdown(pn.bind(lambda *args: self.timing_note(), self.param.N, self.param.L,
                                        self.param.timing_version, self.param.lang), sizing_mode="stretch_width")
        timing = pn.Column(self.live("timing", self.timing_view, ("N", "L", "timing_version")), pn.Row(button), note,
                           sizing_mode="stretch_width")
        grid = pn.GridBox(
            self.live("kernel", self.kernel_view, kernel),
            self.live("transfer", self.transfer_view, kernel),
            self.live("output", self.output_view, kernel),
            timing,
            ncols=2, sizing_mode="stretch_width",
        )
        heading = pn.pane.Markdown(pn.bind(lambda lang: self.t("s4_heading"), self.param.lang),
                                   sizing_mode="stretch_width")
        note_s4 = pn.pane.Markdown(pn.bind(lambda lang: self.t("s4_note"), self.param.lang), sizing_mode="stretch_width")
        return pn.Column(heading, grid, note_s4, sizing_mode="stretch_width")

    # ---- extra controls -------------------------------------------------------------------
    def load_upload(self, data: bytes) -> None:
        """Validate an uploaded CSV and make it the input; on error keep the current input."""
        try:
            values = parse_csv_column(data)
        except ValueError as error:
            self.report(self.message("upload_rejected", reason=error), source="upload")
            return
        self.clear_error("upload")
        self._upload = (hashlib.sha1(data).hexdigest()[:12], values)
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
