"""The LoRA results as functions of frozen settings, memoised process-wide (:mod:`kexue_viz.pipeline`):
the dashboard, the notebook and the CLI share them.

A run is keyed by the problem's settings (:class:`ProblemSettings`) and the core's frozen
:class:`~.runners.RunSettings`, normalised by :func:`normalised` so that settings a method ignores
(λ for anything but LoRA+, C for anything but LoRA-Pro…) do not split one result into several.
LoRA, LoRA+ and LoRA-GA share one update rule and train as one batch, LoRA-Pro's three choices of C as
another (:func:`batch_histories`, each batch memoised by its settings, :func:`trained_batch`): a LoRA+
slider re-runs the first batch, about the cost of one run, and the LoRA-Pro runs stay. Every factor method's distance to full fine-tuning comes from the
one memoised full run with the same optimizer, rate and steps (:func:`full_run`). Results are numpy
(:class:`Record`); the ΔW snapshots are reduced to their singular values at every step.
"""
from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass

import numpy as np
import torch

from ..pipeline import memoised
from . import runners
from .adapters import (additive_delta, gradient_svd, lora_equivalent_gradient, lora_ga_indices, lora_ga_init,
                       lora_ga_sign_matrix, lora_ga_scale, loraplus_random_model_ratio, loraplus_ratio,
                       random_projection_update, sgd_increment)
from .diagnostics import numerical_rank, rank_of_spectrum
from .problems import DIGITS_HIDDEN, DigitsProblem, LinearProblem
from .pro import pro_state_floats

PROBLEMS = ("linear", "digits")
SIGMA_FLOOR = 1e-12  # singular values below this share of σ_max are zero (NaN on a log axis)
FIRST_STEP_LRS = tuple(float(x) for x in np.geomspace(1e-3, 10.0, 41))  # η grid of the LoRA-GA first step
SCALE_GRID = tuple(float(x) for x in np.linspace(0.0, 3.0, 121))  # c grid of the LoRA-GA scale curves
MC_CHUNK = 500  # random-projection draws per batch
MC_POINTS = tuple(int(k) for k in np.unique(np.geomspace(1, 10_000, 41).round()))  # draws at which the mean is read


@dataclass(frozen=True)
class ProblemSettings:
    """A problem of :mod:`.problems`: ``kind`` linear (the teacher–student problem with its sizes,
    spectrum exponent and noise) or digits (the mirror task, which has none). Build it with :meth:`of`,
    which drops what digits ignores, so that equal problems are equal settings."""
    kind: str
    n: int = 0
    m: int = 0
    N: int = 0
    exponent: float = 0.0
    noise: float = 0.0

    @classmethod
    def of(cls, kind: str, n: int = 32, m: int = 24, N: int = 512, exponent: float = 1.0,
           noise: float = 0.1) -> "ProblemSettings":
        if kind not in PROBLEMS:
            raise ValueError(f"problem in {PROBLEMS} (got {kind!r})")
        if kind == "digits":
            return cls("digits")
        return cls("linear", int(n), int(m), int(N), float(exponent), float(noise))

    @property
    def shape(self) -> tuple[int, int]:
        """(n, m) of the adapted matrix (digits: the first layer, 64 pixels × DIGITS_HIDDEN)."""
        return (64, DIGITS_HIDDEN) if self.kind == "digits" else (self.n, self.m)

    @property
    def live(self) -> bool:
        """Whether runs of this problem are cheap enough to compute on a slider move (linear)."""
        return self.kind == "linear"


@memoised(max_bytes=32 * 2**20)
def problem(settings: ProblemSettings):
    """The problem object (digits: the pretrained network, trained once and cached on disk)."""
    if settings.kind == "digits":
        return DigitsProblem()
    return LinearProblem(settings.n, settings.m, settings.N, settings.exponent, settings.noise)


@memoised(max_bytes=2**20)
def floors(settings: ProblemSettings, r: int) -> tuple[float, float, float]:
    """The problem's loss floors: full fine-tuning's optimum, the best rank-r and rank-2r adapters."""
    return tuple(map(float, problem(settings).floors(r)))


@functools.lru_cache(maxsize=1024)
def normalised(settings: runners.RunSettings) -> runners.RunSettings:
    """``settings`` with every field the method does not read set to its default (one result per run; kept for
    the settings last seen: a dashboard asks for them in every view)."""
    default = runners.RunSettings()
    keep = {"method", "optimizer", "lr", "steps", "betas", "eps"}
    if settings.method != "full":
        keep |= {"r", "init"}
        from_ga = settings.method == "lora_ga" or settings.init == "lora_ga"
        keep |= {"seed"} if not from_ga or settings.ga_direction == "random" else set()
        if from_ga:
            keep |= {"ga_scale", "ga_direction"}
            keep |= {"ga_gamma"} if settings.ga_scale == "stable" else set()
            keep |= {"ga_c"} if settings.ga_scale == "custom" else set()
        else:
            keep |= {"zero_init", "capacity_matched"}
    if settings.method == "lora_plus":
        keep.add("lp_ratio")
    if settings.method == "lora_pro":
        keep |= {"pro_C", "damping"} | ({"pro_variant"} if settings.optimizer == "adam" else set())
    if settings.method == "scaled_gd":
        keep.add("damping")
    changes = {field.name: getattr(default, field.name) for field in dataclasses.fields(default)
               if field.name not in keep}
    if settings.method == "lora_ga":
        changes["init"] = default.init
    return dataclasses.replace(settings, **changes)


def reference_settings(settings: runners.RunSettings) -> runners.RunSettings:
    """The full fine-tuning run a method is compared with (same optimizer, rate and steps)."""
    return normalised(dataclasses.replace(settings, method="full"))


@memoised(max_bytes=64 * 2**20)
def full_run(problem_settings: ProblemSettings, settings: runners.RunSettings) -> runners.History:
    """The full fine-tuning :class:`~.runners.History` (its ΔW snapshots are every method's reference)."""
    return runners.run(problem(problem_settings), settings)


@dataclass(frozen=True)
class Record:
    """One run as the views read it (numpy; step t = 0…T for states, 0…T−1 for steps, as
    :class:`~.runners.History`): the per-step fields of the history, ``sigma`` [T+1, min(n, m)] the
    singular values of ΔW_t (NaN below ``SIGMA_FLOOR``·σ_max and after a divergence), ``ranks[t]`` = rank ΔW_t
    (−1 for a state not reached or not finite), and its scalars."""
    loss: np.ndarray
    distance: np.ndarray
    cos: np.ndarray
    cos_projection: np.ndarray
    gap: np.ndarray
    dL_A: np.ndarray
    dL_B: np.ndarray
    step_A: np.ndarray
    rms_A: np.ndarray
    rms_B: np.ndarray
    sigma: np.ndarray
    sigma_G0: np.ndarray
    ranks: np.ndarray
    r_used: int
    floors: tuple[float, float, float]
    test_accuracy: float

    @property
    def steps(self) -> int:
        return len(self.loss) - 1

    @property
    def rank(self) -> int:
        """rank ΔW at the last state reached."""
        return int(self.ranks[self.ranks >= 0][-1])

    @property
    def diverged(self) -> bool:
        """Whether the loss stopped being finite."""
        return not bool(np.isfinite(self.loss).all())


def floored_spectra(sigma: torch.Tensor) -> np.ndarray:
    """The singular values of the snapshots ΔW_t ([T+1, min(n, m)], from :class:`~.runners.History`) with
    those below ``SIGMA_FLOOR``·σ_max set to NaN (exact zeros of a low-rank ΔW; NaN rows stay NaN)."""
    return torch.where(sigma > SIGMA_FLOOR * sigma[:, :1], sigma, torch.nan).cpu().numpy()


HISTORY_STATES = ("loss", "distance", "rms_A", "rms_B")  # copied from the history, one entry per state t = 0…T
STATE_FIELDS = (*HISTORY_STATES, "sigma", "ranks")
STEP_FIELDS = ("cos", "cos_projection", "gap", "dL_A", "dL_B", "step_A")  # one per step t = 0…T−1


def record(history: runners.History) -> Record:
    """The :class:`Record` of a core history (its rank and divergence read from the arrays, as the history's)."""
    arrays = {name: getattr(history, name).cpu().numpy() for name in (*HISTORY_STATES, *STEP_FIELDS)}
    ranks = torch.where(history.finite, rank_of_spectrum(history.sigma), -1).cpu().numpy()
    return Record(**arrays, sigma=floored_spectra(history.sigma), sigma_G0=history.sigma_G0.cpu().numpy(),
                  ranks=ranks, r_used=history.r_used, floors=tuple(map(float, history.floors)),
                  test_accuracy=float(history.test_accuracy))


def prefix(run: Record, steps: int) -> Record:
    """The record of the same run stopped after ``steps`` (≤ its own) steps: a run's first T′ steps do not
    depend on how many follow (constant rates, no schedule; a batch member's records stop where its loss
    stops being finite), so the first T′ + 1 states and T′ steps (rank and divergence follow).
    Not for digits, whose test accuracy is the final W's."""
    if steps == run.steps:
        return run
    cut = {name: getattr(run, name)[:steps + 1] for name in STATE_FIELDS}
    cut |= {name: getattr(run, name)[:steps] for name in STEP_FIELDS}
    return dataclasses.replace(run, **cut)


@memoised(max_bytes=32 * 2**20)
def history(problem_settings: ProblemSettings, settings: runners.RunSettings) -> Record:
    """One method's run on the problem (``settings`` as :func:`normalised` gives them), as a :class:`Record`."""
    if settings.method == "full":
        return record(full_run(problem_settings, settings))
    reference = full_run(problem_settings, reference_settings(settings))
    return record(runners.run(problem(problem_settings), settings, reference=reference,
                              floors=floors(problem_settings, runners.adapter_rank(settings))))


def batch_histories(problem_settings: ProblemSettings, batch: tuple[runners.RunSettings, ...]) -> tuple[Record, ...]:
    """The runs of ``batch`` (settings of :data:`~.runners.BATCHED_RULES` as :func:`normalised` gives them) as
    :class:`Record` s in its order, trained as one memoised batch per :func:`~.runners.batch_key`
    (:func:`trained_batch`; plain LoRA's methods in one when they share optimizer, rate, steps and rank, LoRA-Pro's
    choices of C in another: a change of one method's setting re-runs its batch alone, about the cost of one
    run). Each equals :func:`history` of its settings."""
    groups: dict = {}
    for settings in dict.fromkeys(batch):
        groups.setdefault(runners.batch_key(settings), []).append(settings)
    records = {}
    for group in map(tuple, groups.values()):
        records.update(zip(group, trained_batch(problem_settings, group)))
    return tuple(records[settings] for settings in batch)


@memoised(max_bytes=32 * 2**20)
def trained_batch(problem_settings: ProblemSettings, group: tuple[runners.RunSettings, ...]) -> tuple[Record, ...]:
    """The runs of ``group`` (one :func:`~.runners.batch_key`) trained as one batch (:func:`~.runners.run_batch`)."""
    first = group[0]
    histories = runners.run_batch(problem(problem_settings), group,
                                  reference=full_run(problem_settings, reference_settings(first)),
                                  floors=floors(problem_settings, runners.adapter_rank(first)))
    return tuple(map(record, histories))


def batched_history(problem_settings: ProblemSettings, settings: runners.RunSettings,
                    batch: tuple[runners.RunSettings, ...]) -> Record:
    """The run of ``settings`` read from the memoised ``batch`` (:func:`batch_histories`) when it is one of
    them, else its own run (:func:`history`)."""
    if settings in batch:
        return batch_histories(problem_settings, batch)[batch.index(settings)]
    return history(problem_settings, settings)


LIVE_HORIZON = 100  # steps: a live run is trained to the next multiple of this and cut (:func:`live_history`)


def live_history(problem_settings: ProblemSettings, settings: runners.RunSettings,
                 batch: tuple[runners.RunSettings, ...]) -> Record:
    """:func:`batched_history` of a live problem, trained to the horizon (``settings.steps`` rounded up to a
    multiple of LIVE_HORIZON) and cut to its steps (:func:`prefix`): a reader moving the number of steps within
    a hundred waits for the views only, not for every run again; a move into the next hundred trains up to it."""
    def to_horizon(run: runners.RunSettings) -> runners.RunSettings:
        return dataclasses.replace(run, steps=-(-run.steps // LIVE_HORIZON) * LIVE_HORIZON)

    run = batched_history(problem_settings, to_horizon(settings), tuple(map(to_horizon, batch)))
    return prefix(run, settings.steps)


# ---- LoRA+ (10001) ---------------------------------------------------------------------------------
@memoised(max_bytes=2**20)
def heatmap_row(problem_settings: ProblemSettings, settings: runners.RunSettings, lr_A: float,
                ratios: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Final loss and RMS(B)/RMS(A) of LoRA+ at η_A = ``lr_A`` for every λ in ``ratios`` (one batched
    :func:`~.runners.loraplus_sweep`; the other settings from ``settings``)."""
    sweep = runners.loraplus_sweep(problem(problem_settings), settings, [lr_A] * len(ratios), list(ratios))
    return sweep.loss[-1].cpu().numpy(), (sweep.rms_B / sweep.rms_A).cpu().numpy()


def heatmap_base(settings: runners.RunSettings) -> runners.RunSettings:
    """The settings a LoRA+ sweep reads (optimizer, r, steps, seed, zero_init), the rest at defaults."""
    default = runners.RunSettings()
    return normalised(dataclasses.replace(settings, method="lora_plus", init="zero", capacity_matched=False,
                                          lr=default.lr, lp_ratio=default.lp_ratio))


@memoised(max_bytes=2**20)
def ratio_rules(n: int, m: int, r: int, seed: int) -> dict[str, float]:
    """η_B/η_A by the three rules of 10001 and as measured under the random model (20 draws, b = 32)."""
    rules = {rule: loraplus_ratio(n, m, r, rule) for rule in ("post", "random_count", "param_count")}
    rules["measured"] = loraplus_random_model_ratio(n, m, r, torch.Generator().manual_seed(seed))
    return rules


# ---- LoRA-GA (10226) -------------------------------------------------------------------------------
@memoised(max_bytes=8 * 2**20)
def initial_gradient(problem_settings: ProblemSettings) -> np.ndarray:
    """G0 = ∂L/∂W at W0 (n×m)."""
    task = problem(problem_settings)
    return task.loss_and_grad(task.W0)[1].cpu().numpy()


def _ga_factors(G0: torch.Tensor, r: int, direction: str, seed: int, scale: str = "unit", gamma: float = 16.0,
                c: float = 1.0):
    """LoRA-GA's (A0, B0) as the runners draw them (``random`` direction seeded with ``seed``)."""
    return lora_ga_init(G0, r, direction, scale, gamma, c, generator=torch.Generator().manual_seed(seed))


@dataclass(frozen=True)
class FirstStep:
    """LoRA-GA's first SGD step against full fine-tuning's over ``lr`` (E8): ‖W1 − W1_full‖/‖ηG0‖ exact
    and to first order; ``cos0`` = √(top-2r energy of G0), the first-order value at c = 1."""
    lr: np.ndarray
    exact: np.ndarray
    first_order: np.ndarray
    cos0: float


@memoised(max_bytes=2**20)
def ga_first_step(problem_settings: ProblemSettings, r: int, direction: str, seed: int, scale: str,
                  gamma: float, c: float) -> FirstStep:
    """:class:`FirstStep` at the LoRA-GA init of the given scale (adam_optimal gives c*)."""
    G0 = torch.tensor(initial_gradient(problem_settings))
    A0, B0 = _ga_factors(G0, r, direction, seed, scale, gamma, c)
    lrs = torch.tensor(FIRST_STEP_LRS, dtype=G0.dtype)[:, None, None]
    first, second = sgd_increment(G0, A0, B0, lrs)
    norm = lrs[:, 0, 0] * torch.linalg.matrix_norm(G0)
    exact = torch.linalg.matrix_norm(first + second + lrs * G0) / norm
    first_order = torch.linalg.matrix_norm(first + lrs * G0) / norm
    sigma = torch.linalg.svdvals(G0)
    cos0 = float(sigma[:2 * r].square().sum().sqrt() / sigma.square().sum().sqrt())
    return FirstStep(np.array(FIRST_STEP_LRS), exact.cpu().numpy(), first_order.cpu().numpy(), cos0)


@dataclass(frozen=True)
class ScaleCurve:
    """LoRA-GA's objectives along the ray c·(A0, B0) (unit init): (5)/‖G0‖² (SGD, minimum at c = 1) and
    (9)/nm (Adam's sign objective, minimum at ``c_star``); ``c_stable`` = m^{1/4}/√γ."""
    c: np.ndarray
    sgd: np.ndarray
    adam: np.ndarray
    c_star: float
    c_stable: float


@memoised(max_bytes=2**20)
def ga_scale_curve(problem_settings: ProblemSettings, r: int, direction: str, seed: int, gamma: float) -> ScaleCurve:
    """:class:`ScaleCurve` of the problem's G0. Both objectives are quadratics along the ray: the equivalent
    gradient at c·(A0, B0) is c²E with E = A0A0ᵀG + GB0ᵀB0, so (5) = c⁴‖E‖² − 2c²⟨E, G⟩ + ‖G‖², and the sign
    matrix is c·M, so (9) = c²‖M‖² − 2c⟨M, sign G⟩ + ‖sign G‖² (evaluated on the grid from these inner products)."""
    G0 = torch.tensor(initial_gradient(problem_settings))
    A0, B0 = _ga_factors(G0, r, direction, seed)
    c = torch.tensor(SCALE_GRID, dtype=G0.dtype)
    E, G_squared = lora_equivalent_gradient(G0, A0, B0), G0.square().sum()
    sgd = (c ** 4 * E.square().sum() - 2 * c ** 2 * (E * G0).sum() + G_squared) / G_squared
    M, target = lora_ga_sign_matrix(G0, A0, B0), torch.sign(G0)
    M_squared, M_target = M.square().sum(), (M * target).sum()
    adam = (c ** 2 * M_squared - 2 * c * M_target + target.square().sum()) / G0.numel()
    return ScaleCurve(np.array(SCALE_GRID), sgd.cpu().numpy(), adam.cpu().numpy(), float(M_target / M_squared),
                      float(lora_ga_scale(G0, A0, B0, "stable", gamma)))


@memoised(max_bytes=2**20)
def ga_split(problem_settings: ProblemSettings, r: int, direction: str,
             seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """σ(G0) and the indices of the top 2r singular pairs LoRA-GA gives A0 and B0."""
    G0 = torch.tensor(initial_gradient(problem_settings))
    _, sigma, _ = gradient_svd(G0, min(G0.shape))
    idx_A, idx_B = lora_ga_indices(r, direction, torch.Generator().manual_seed(seed))
    return sigma.cpu().numpy(), idx_A.cpu().numpy(), idx_B.cpu().numpy()


# ---- LoRA-Pro (10266) ------------------------------------------------------------------------------
def memory_floats(n: int, m: int, r: int) -> dict[str, int]:
    """Adam state (floats) of one adapted n×m matrix: full fine-tuning, LoRA (per-factor moments),
    LoRA-Pro with full moments (10266 (25)) and its per-factor variant."""
    return {"full": 2 * n * m, "lora": 2 * r * (n + m), "pro_full": pro_state_floats(n, m, r, "full"),
            "pro_simple": pro_state_floats(n, m, r, "simple")}


# ---- 9590 extras -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ProjectionMeans:
    """The running mean of k random-projection updates −η(Gvᵀv + uuᵀG) over k = ``draws``: its
    coefficient along −ηG (→ 2, E2) and its relative distances to −2ηG and to −ηG."""
    draws: np.ndarray
    coefficient: np.ndarray
    to_2G: np.ndarray
    to_G: np.ndarray


@memoised(max_bytes=2**20)
def projection_means(problem_settings: ProblemSettings, seed: int) -> ProjectionMeans:
    """:class:`ProjectionMeans` on the problem's G0 (η = 1), draws up to 10⁴ in batches of ``MC_CHUNK``."""
    G = torch.tensor(initial_gradient(problem_settings))
    generator = torch.Generator().manual_seed(seed)
    total, done, rows = torch.zeros_like(G), 0, []
    points = list(MC_POINTS)
    while points:
        updates = -random_projection_update(G, 1.0, generator, draws=MC_CHUNK)
        sums = total + updates.cumsum(0)
        for k in [k for k in points if k <= done + MC_CHUNK]:
            rows.append(sums[k - done - 1] / k)
            points.remove(k)
        total, done = sums[-1], done + MC_CHUNK
    means = torch.stack(rows)
    norm_G = torch.linalg.matrix_norm(G)
    coefficient = (means * G).sum((-2, -1)) / norm_G ** 2
    return ProjectionMeans(np.array(MC_POINTS), coefficient.cpu().numpy(),
                           (torch.linalg.matrix_norm(means - 2 * G) / (2 * norm_G)).cpu().numpy(),
                           (torch.linalg.matrix_norm(means - G) / norm_G).cpu().numpy())


@memoised(max_bytes=2**20)
def additive_ranks(n: int, m: int, r_max: int, seed: int) -> tuple[tuple[int, int, int], ...]:
    """``(r, rank AB, rank of the additive adapter)`` for random factors, every r ≤ ``r_max`` dividing n and m
    (9590 (12)–(14): ≤ r against ≤ 2r)."""
    generator = torch.Generator().manual_seed(seed)
    rows = []
    for r in (r for r in range(1, r_max + 1) if n % r == 0 and m % r == 0):
        A = torch.randn(n, r, generator=generator, dtype=torch.float64)
        B = torch.randn(r, m, generator=generator, dtype=torch.float64)
        rows.append((r, int(numerical_rank(A @ B)), int(numerical_rank(additive_delta(A, B, n, m)))))
    return tuple(rows)
