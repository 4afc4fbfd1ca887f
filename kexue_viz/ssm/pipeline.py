"""HiPPO and S4 results as functions of frozen settings, memoised process-wide
(:mod:`kexue_viz.pipeline`): every reader of the dashboard, the notebook and the CLI share them.

Each settings object holds exactly what its result depends on, normalised by its ``of``
classmethod: the window ``w`` only for windowed measures, the step ``dt`` only where it enters
(LegS steps are ε-free), a preset's frequency and seed only where the preset reads them, an
uploaded series as its float64 bytes. LegS runs once at ``N_MAX`` coefficients: its
lower-triangular A makes the first N of them the N-state run, so N is a slice.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..pipeline import memoised
from .discretize import legs_step_matrices
from .errors import errors_from_states, lti_state_at
from .hippo import get_measure, hippo, state_size
from .kernels import fft_conv, hippo_ssm, kernel_cauchy, kernel_krylov, parametrised_routes, time_routes
from .online import (as_signal, exact_projection, lti_states_by_convolution, reconstruct, relative_error,
                     run_recurrence, step_matrices, support)
from .pade import legt_exact_poles
from .signals import make_signal, resample

N_MAX = 64
ERROR_GRID = (1, 2, 4, 8, 16, 32, 64)
RECON_POINTS = 400
TIMED_ROUTES = ("powers", "krylov", "generating", "cauchy", "rtf")
TIMING_REPEATS = 3
USES_FREQ = ("white_noise", "sines", "square", "chirp")
USES_SEED = ("white_noise", "random_walk")

# the amplification factor R(z) of each scheme on x' = λx: one step multiplies x by R(ελ)
AMPLIFICATION = {
    "forward_euler": lambda z: 1 + z,
    "backward_euler": lambda z: 1 / (1 - z),
    "bilinear": lambda z: (1 + z / 2) / (1 - z / 2),
    "bilinear_s4": lambda z: (1 + z / 2) / (1 - z / 2),
    "zoh": np.exp,
}


def window(measure: str, w: float) -> float | None:
    """``w`` where the measure has a window, else ``None`` (moving w under LegS/LagT changes nothing)."""
    return float(w) if get_measure(measure).windowed else None


@dataclass(frozen=True)
class SignalSettings:
    """The sampled input: a preset (``kind``, its frequency and seed where it reads them, ``L``
    samples over ``duration``) or an uploaded series (``kind = "upload"``: its ``L`` samples as
    float64 bytes, which do not depend on the duration; at most 16 kB, as they key every result)."""
    kind: str
    L: int
    freq: float = 0.0
    seed: int = 0
    duration: float = 0.0
    upload: bytes = b""

    @classmethod
    def preset(cls, kind: str, L: int, freq: float, seed: int, duration: float) -> "SignalSettings":
        return cls(kind, int(L), float(freq) if kind in USES_FREQ else 0.0, int(seed) if kind in USES_SEED else 0,
                   float(duration))

    @classmethod
    def uploaded(cls, values: np.ndarray, L: int) -> "SignalSettings":
        """An uploaded series stretched onto ``L`` samples (:func:`~.signals.resample`)."""
        return cls("upload", int(L), upload=resample(values, int(L)).astype(np.float64).tobytes())


@memoised(max_bytes=8 * 2**20)
def samples(signal: SignalSettings) -> np.ndarray:
    """The input samples ``u_0..u_{L-1}``."""
    if signal.kind == "upload":
        return np.frombuffer(signal.upload, dtype=np.float64)
    return make_signal(signal.kind, signal.L, signal.duration / signal.L, signal.freq, signal.seed)


@dataclass(frozen=True)
class SystemSettings:
    """A discretised time-invariant HiPPO system: measure, state size N, window (windowed measures
    only), norm, scheme and step ``dt``."""
    measure: str
    N: int
    w: float | None
    norm: str
    method: str
    dt: float

    @classmethod
    def of(cls, measure: str, N: int, w: float, norm: str, method: str, dt: float) -> "SystemSettings":
        return cls(measure, int(N), window(measure, w), norm, method, float(dt))


@memoised(max_bytes=4 * 2**20)
def lti_system(system: SystemSettings) -> tuple[torch.Tensor, torch.Tensor]:
    """Discretised ``(Ā, B̄)`` of a time-invariant measure."""
    return step_matrices(system.measure, system.N, 0, system.dt, w=system.w or 1.0, norm=system.norm,
                         method=system.method)


@memoised(max_bytes=160 * 2**20)
def legs_steps(L: int, method: str, norm: str) -> tuple[torch.Tensor, torch.Tensor]:
    """LegS per-step ``(Ā_k, B̄_k)``, ``k < L``, at ``N_MAX`` (ε-free; 33 MB at L = 1000, 66 MB at
    L = 2000: the bound keeps two of the largest)."""
    return step_matrices("legs", N_MAX, L, 1.0, norm=norm, method=method)


@dataclass(frozen=True)
class TrajectorySettings:
    """The online run: the input, the measure, the computed state size (``N_MAX`` for LegS), the
    window (windowed measures), norm, scheme and step ``dt`` (``None`` for LegS: its steps are ε-free)."""
    signal: SignalSettings
    measure: str
    size: int
    w: float | None
    norm: str
    method: str
    dt: float | None

    @classmethod
    def of(cls, signal: SignalSettings, measure: str, N: int, w: float, norm: str, method: str,
           dt: float) -> "TrajectorySettings":
        time_varying = get_measure(measure).time_varying
        return cls(signal, measure, N_MAX if time_varying else int(N), window(measure, w), norm, method,
                   None if time_varying else float(dt))

    def system(self) -> SystemSettings:
        """The time-invariant system of this run (not for LegS)."""
        return SystemSettings(self.measure, self.size, self.w, self.norm, self.method, self.dt)


@memoised(max_bytes=64 * 2**20)
def trajectory(settings: TrajectorySettings) -> np.ndarray:
    """States ``x_0..x_L`` ``(L+1, n)`` of the discretised system driven by the input (LegS: the
    per-step recurrence at ``N_MAX``; otherwise the Krylov convolution)."""
    signal = as_signal(samples(settings.signal))
    if settings.dt is None:
        Abar, Bbar = legs_steps(settings.signal.L, settings.method, settings.norm)
        return run_recurrence(Abar, Bbar, signal).cpu().numpy()
    Abar, Bbar = lti_system(settings.system())
    return lti_states_by_convolution(Abar, Bbar, signal).cpu().numpy()


@dataclass(frozen=True)
class ProjectionSettings:
    """The exact L² projection of the input at state index ``step`` (time ``step·dt``) onto
    ``size`` functions of the measure's basis (window for windowed measures, norm)."""
    signal: SignalSettings
    measure: str
    w: float | None
    norm: str
    dt: float
    step: int
    size: int

    @classmethod
    def of(cls, signal: SignalSettings, measure: str, w: float, norm: str, dt: float, step: int,
           size: int = N_MAX) -> "ProjectionSettings":
        return cls(signal, measure, window(measure, w), norm, float(dt), int(step), int(size))


@memoised(max_bytes=4 * 2**20)
def projection(settings: ProjectionSettings) -> torch.Tensor:
    """:func:`~.online.exact_projection` of the input (the error-vs-N sweep takes all ``N_MAX``
    functions, the live view only N)."""
    return exact_projection(settings.measure, settings.size, samples(settings.signal), settings.dt,
                            settings.step * settings.dt, w=settings.w or 1.0, norm=settings.norm)


@memoised(max_bytes=8 * 2**20)
def reconstruction(settings: TrajectorySettings, N: int, step: int, dt: float) -> tuple[np.ndarray, np.ndarray, float]:
    """``(times, û, relative error)``: the history the N-coefficient state at index ``step``
    remembers, on ``RECON_POINTS`` points of the remembered span, and its relative L² error."""
    T = step * dt
    w = settings.w or 1.0
    lo, hi = support(settings.measure, T, w)
    grid = torch.linspace(max(lo, 0.0), hi, RECON_POINTS, dtype=torch.float64)
    state = torch.tensor(trajectory(settings)[step, :state_size(settings.measure, N)])
    values = reconstruct(settings.measure, state, T, grid, w=w, norm=settings.norm)
    best = projection(ProjectionSettings(settings.signal, settings.measure, settings.w, settings.norm, float(dt),
                                         step, N))
    error = relative_error(settings.measure, state, samples(settings.signal), dt, T, w=w, norm=settings.norm,
                           best=best)
    return grid.cpu().numpy(), values.cpu().numpy(), error


@dataclass(frozen=True)
class ErrorSettings:
    """The error-vs-N sweep (every N of ``ERROR_GRID``) at state index ``step``: the input, the
    measure, the window (windowed measures), norm, scheme and step ``dt``."""
    signal: SignalSettings
    measure: str
    w: float | None
    norm: str
    method: str
    dt: float
    step: int

    @classmethod
    def of(cls, signal: SignalSettings, measure: str, w: float, norm: str, method: str, dt: float,
           step: int) -> "ErrorSettings":
        return cls(signal, measure, window(measure, w), norm, method, float(dt), int(step))


@memoised(max_bytes=2**20)
def error_curve(settings: ErrorSettings) -> dict[str, list[float]]:
    """Online and optimal relative errors at ``step`` for each N of ``ERROR_GRID``
    (:func:`~.errors.errors_from_states`; LegS slices its ``N_MAX`` run)."""
    s = settings
    u = samples(s.signal)
    if get_measure(s.measure).time_varying:
        states = trajectory(TrajectorySettings.of(s.signal, s.measure, N_MAX, 1.0, s.norm, s.method, s.dt))
        per_n = {n: torch.tensor(states[s.step, :n]) for n in ERROR_GRID}
    else:
        signal = as_signal(u)
        per_n = {n: lti_state_at(*lti_system(SystemSettings(s.measure, n, s.w, s.norm, s.method, s.dt)), signal,
                                 s.step) for n in ERROR_GRID}
    best = projection(ProjectionSettings(s.signal, s.measure, s.w, s.norm, s.dt, s.step, N_MAX))
    return errors_from_states(s.measure, per_n, best, u, s.dt, s.step * s.dt, w=s.w or 1.0, norm=s.norm)


@dataclass(frozen=True)
class EigenSettings:
    """The eigenvalues of the continuous and the discrete system: measure, N, window (windowed
    measures), norm, scheme, and either the step ``dt`` (time-invariant) or the LegS step index
    ``k`` (its discrete matrix is the step ``x_k -> x_{k+1}``; ``dt`` is ``None``)."""
    measure: str
    N: int
    w: float | None
    norm: str
    method: str
    dt: float | None
    k: int | None

    @classmethod
    def of(cls, measure: str, N: int, w: float, norm: str, method: str, dt: float, step: int,
           L: int) -> "EigenSettings":
        if get_measure(measure).time_varying:
            return cls(measure, int(N), None, norm, method, None, min(int(step), int(L) - 1))
        return cls(measure, int(N), window(measure, w), norm, method, float(dt), None)


@memoised(max_bytes=2**20)
def eigenvalues(settings: EigenSettings):
    """``(δλ, δλ_exact, eig Ā, R(δλ_exact))``: the continuous eigenvalues scaled by the step δ
    (``dt``; LegS ``ln((k+1)/k)``), the exact LegT poles where known (else ``None``), the discrete
    matrix's eigenvalues and the exact poles mapped by the scheme's :data:`AMPLIFICATION`."""
    w = settings.w or 1.0
    A, B = hippo(settings.measure, settings.N, w=w, norm=settings.norm)
    continuous = torch.linalg.eigvals(A).cpu().numpy()
    exact = legt_exact_poles(settings.N, w) if settings.measure == "legt" else None
    if settings.dt is None:
        k = settings.k
        delta = np.log((k + 1) / k) if k > 0 else np.inf
        A_max, B_max = hippo(settings.measure, N_MAX, w=w, norm=settings.norm)
        Abar = legs_step_matrices(A_max, B_max, 1, settings.method, start=k)[0][0, :settings.N, :settings.N]
    else:
        delta = settings.dt
        Abar = lti_system(SystemSettings(settings.measure, settings.N, settings.w, settings.norm, settings.method,
                                         settings.dt))[0]
    discrete = torch.linalg.eigvals(Abar).cpu().numpy()
    if exact is None:
        return delta * continuous, None, discrete, None
    return delta * continuous, delta * exact, discrete, AMPLIFICATION[settings.method](delta * exact)


@dataclass(frozen=True)
class S4Settings:
    """The S4 kernel of the measure's A used time-invariantly: measure, N, step, readout C (its seed
    only for ``random``), window (1 for unwindowed measures), length L."""
    measure: str
    N: int
    step: float
    readout: str
    seed: int
    w: float
    L: int

    @classmethod
    def of(cls, measure: str, N: int, step: float, readout: str, seed: int, w: float, L: int) -> "S4Settings":
        return cls(measure, int(N), float(step), readout, int(seed) if readout == "random" else 0,
                   window(measure, w) or 1.0, int(L))


@memoised(max_bytes=8 * 2**20)
def s4_kernels(settings: S4Settings) -> tuple[np.ndarray, np.ndarray]:
    """``(K̄ by DPLR–Cauchy, K̄ by Krylov powers)`` (paper normalisation; a few ms each at N = 64,
    L = 2000)."""
    ssm = hippo_ssm(settings.measure, settings.N, settings.step, settings.readout, w=settings.w, norm="paper",
                    seed=settings.seed)
    return kernel_cauchy(ssm, settings.L).cpu().numpy(), kernel_krylov(ssm, settings.L).cpu().numpy()


@memoised(max_bytes=8 * 2**20)
def s4_output(settings: S4Settings, signal: SignalSettings) -> np.ndarray:
    """``y = K̄ * u``: the DPLR–Cauchy kernel convolved with the input."""
    return fft_conv(torch.tensor(s4_kernels(settings)[0]), as_signal(samples(signal))).cpu().numpy()


def route_timing(settings: S4Settings, route: str) -> float:
    """Median milliseconds of one of ``TIMED_ROUTES`` for the settings' system over
    ``TIMING_REPEATS`` runs (after a warm-up), measured now (not memoised: a measurement, not a
    result); RTF from ``(a, b)`` of size N: its cost does not depend on their values, nor any
    route's on the readout. The set-up (discretisation, DPLR form, ``C̃``) is not timed."""
    ssm = hippo_ssm(settings.measure, settings.N, settings.step, "random", w=settings.w, norm="paper")
    n = ssm.N
    ab = (torch.zeros(n, dtype=torch.float64), torch.ones(n, dtype=torch.float64))
    seconds = time_routes(parametrised_routes(ssm, settings.L, ab=ab, routes=(route,)), repeats=TIMING_REPEATS)
    return 1e3 * seconds[route]
