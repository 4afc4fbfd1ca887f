"""Methods run side by side on a problem of :mod:`kexue_viz.lora.problems`, with per-step records.

Layout of brief §2.1 (W = W_base + AB, A n×r, B r×m, G = ∂L/∂W, multiplier s = 1 as in the posts). A run
keeps (A, B) — or W for full fine-tuning — and at every step t evaluates ``(L_t, G_t) =
problem.loss_and_grad(W_t)`` (exact sufficient statistics for ``linear``, torch autograd for ``digits``),
forms the method's direction from G_t (form (4) of 9590, since the diagnostics need G anyway), and
moves the factors with hand-written SGD or Adam (β = (0.9, 0.999), ε = 1e-8, torch's ε placement E6):

* ``full``: W ← W − η·U(G) (U = identity for SGD, Adam's direction otherwise);
* ``lora``: (G_A, G_B) = (GBᵀ, AᵀG) at one rate; ``zero_init`` "B" (A random) or "A" (B random);
* ``lora_plus``: the same with η_B = λ·η_A (λ = ``lp_ratio``, 10001);
* ``lora_ga``: plain LoRA from the LoRA-GA init (10226): A0, B0 from the SVD of G0 with the ``ga_*``
  scale and direction, W_base = W0 − A0B0;
* ``lora_pro``: the step of :class:`~kexue_viz.lora.pro.LoRAProOptimizer` (C, Adam variant) (10266), by
  :func:`~kexue_viz.lora.pro.pro_step_directions`;
* ``scaled_gd``: the Riemannian peer (peft's ``create_riemannian_optimizer``):
  (G_A(BBᵀ + δI)⁻¹, (AᵀA + δI)⁻¹G_B), equivalent gradient P_AG + GP_B, then SGD or Adam.

``lora``, ``lora_plus`` and ``lora_ga`` share one update rule (hand-written SGD or Adam on A and B, each with its
own init and rates): :func:`run_batch` trains them at once over a leading method axis, per-op overhead shared.
LoRA-Pro runs that differ in C alone (and in their init) train as one batch of their own the same way.

``init="lora_ga"`` starts lora, lora_plus, lora_pro and scaled_gd from the LoRA-GA init as well
(``lora_ga`` is ``lora`` with that init). ``capacity_matched`` (E9) runs the methods whose ΔW has rank ≤ r
at rank 2r, matching LoRA-GA's rank-2r ΔW = A_tB_t − A0B0.
"""
from __future__ import annotations

import contextlib
import dataclasses
import math
from dataclasses import dataclass
from typing import Callable

import torch

from kexue_viz.lora import diagnostics as dg
from kexue_viz.lora.adapters import lora_ga_init, lora_grads, shifted_base
from kexue_viz.lora.pro import adam_direction, gram_inverse, pro_step_directions

METHODS = ("full", "lora", "lora_plus", "lora_ga", "lora_pro", "scaled_gd")
MAIN_METHODS = ("full", "lora", "lora_plus", "lora_ga", "lora_pro")
BATCHED_METHODS = ("lora", "lora_plus", "lora_ga")  # plain LoRA's update rule: trained as one batch (run_batch)
BATCHED_RULES = (*BATCHED_METHODS, "lora_pro")  # the methods run_batch trains over a leading method axis
OPTIMIZERS = ("sgd", "adam")
PROGRESS_EVERY = 10


@dataclass(frozen=True)
class RunSettings:
    """Everything that determines a run (frozen and hashable: the dashboard memoises runs by it).

    ``lr`` is η (η_A for LoRA+); ``r`` the adapter rank; ``seed`` the seed of the random factor
    (``problem.random_factor``) and of LoRA-GA's ``random`` direction; ``damping`` δ of the r×r solves of
    lora_pro and scaled_gd; ``ga_scale`` ∈ unit | stable (γ = ``ga_gamma``) | custom (c = ``ga_c``) |
    adam_optimal (c*); ``pro_C`` ∈ zero | sym | sylvester; ``pro_variant`` ∈ full | simple (Adam only)."""

    method: str = "lora"
    r: int = 4
    optimizer: str = "sgd"
    lr: float = 0.5
    steps: int = 100
    seed: int = 1
    zero_init: str = "B"
    init: str = "zero"
    lp_ratio: float = 16.0
    ga_scale: str = "unit"
    ga_gamma: float = 16.0
    ga_c: float = 1.0
    ga_direction: str = "ArB2r"
    capacity_matched: bool = False
    pro_C: str = "zero"
    pro_variant: str = "full"
    damping: float = 0.0
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8

    def __post_init__(self):
        if self.method not in METHODS or self.optimizer not in OPTIMIZERS:
            raise ValueError(f"method in {METHODS}, optimizer in {OPTIMIZERS} "
                             f"(got {self.method!r}, {self.optimizer!r})")
        if self.zero_init not in ("A", "B") or self.init not in ("zero", "lora_ga"):
            raise ValueError(f"zero_init in A|B, init in zero|lora_ga (got {self.zero_init!r}, {self.init!r})")


@dataclass
class History:
    """Per-step record of one run of T = ``settings.steps`` steps (CPU float64 tensors).

    State quantities, index t = 0…T (after t steps): ``loss`` L(W_t); ``distance``
    ‖ΔW_t − ΔW_full,t‖/‖ΔW_full,t‖ (NaN at t = 0, where ΔW_full,0 = 0); ``rms_A``, ``rms_B`` (NaN for full); ``delta_W``
    [T+1, n, m] the snapshots ΔW_t = W_t − W0; ``sigma`` [T+1, min(n, m)] their singular values (from the
    factors for a factor method, ΔW_t = A_tB_t − A0B0; NaN for a non-finite snapshot).
    Step quantities, index t = 0…T−1 (the step from W_t to W_{t+1}, with first-order part
    D_t = ΔA·B + A·ΔB, or ΔW for full): ``cos`` cos(−D_t, G_t) (= cos(G̃_t, G_t) under SGD);
    ``cos_projection`` ‖G̃_Pro‖/‖G_t‖ at (A_t, B_t), the best any adapter update reaches; ``gap``
    ‖ΔA·ΔB‖/‖D_t‖; ``dL_A``, ``dL_B`` ⟨G_A, ΔA⟩, ⟨G_B, ΔB⟩; ``step_A`` ‖ΔA‖/‖A_t‖ (LoRA-Pro's jump at a
    zero-B start). ``sigma_G0`` the singular values of G0; ``finite`` [T+1] whether ΔW_t is finite (False for a
    state not reached); ``rank`` the numerical rank of ΔW_T;
    ``floors`` the problem's floors at rank ``r_used``; ``test_accuracy`` at W_T (NaN if the problem has
    none). A run whose loss stops being finite stops there (``diverged``); later entries are NaN and
    ``rank`` is that of the last finite ΔW."""

    settings: RunSettings
    r_used: int
    loss: torch.Tensor
    distance: torch.Tensor
    rms_A: torch.Tensor
    rms_B: torch.Tensor
    delta_W: torch.Tensor
    sigma: torch.Tensor
    cos: torch.Tensor
    cos_projection: torch.Tensor
    gap: torch.Tensor
    dL_A: torch.Tensor
    dL_B: torch.Tensor
    step_A: torch.Tensor
    sigma_G0: torch.Tensor
    finite: torch.Tensor
    rank: int
    floors: tuple
    test_accuracy: float
    diverged: bool

    @property
    def rms_ratio(self) -> torch.Tensor:
        """RMS(B_t)/RMS(A_t), the LoRA+ self-consistency measure (E4: ≈ λ only in direction)."""
        return self.rms_B / self.rms_A


class HandOptimizer:
    """Hand-written SGD or Adam over a list of tensors, one learning rate each (a float, or a tensor that
    broadcasts against the parameter for batched sweeps). :meth:`increments` maps gradients to the
    parameter changes: SGD −η·g; Adam −η·M̂/(√V̂ + ε) (:func:`~kexue_viz.lora.pro.adam_direction`, torch's ε
    placement, E6)."""

    def __init__(self, kind: str, rates, betas=(0.9, 0.999), eps: float = 1e-8):
        self.kind, self.betas, self.eps = kind, betas, eps
        self.descents = [-rate for rate in rates]  # −η once (a tensor rate's negation is an op per step otherwise)
        self.moments = [{} for _ in self.descents]

    def increments(self, grads) -> list[torch.Tensor]:
        """Parameter changes for ``grads`` (same order as the rates); advances the Adam moments."""
        if self.kind == "sgd":
            return [descent * g for descent, g in zip(self.descents, grads)]
        return [descent * adam_direction(moments, g, self.betas, self.eps)
                for descent, g, moments in zip(self.descents, grads, self.moments)]


def adapter_rank(settings: RunSettings) -> int:
    """The rank the factors get: 2r for capacity-matched methods whose ΔW has rank ≤ r (zero-product
    init), r otherwise (LoRA-GA's ΔW already has rank ≤ 2r, E9)."""
    starts_at_zero = settings.method not in ("full", "lora_ga") and settings.init == "zero"
    return 2 * settings.r if settings.capacity_matched and starts_at_zero else settings.r


def initial_factors(problem, settings: RunSettings, G0: torch.Tensor):
    """(A0, B0, W_base) of a factor method: LoRA-GA's init from G0 with W_base = W0 − A0B0, or one random
    factor (``problem.random_factor``, variance 1/fan-in) and one zero factor with W_base = W0."""
    r = adapter_rank(settings)
    if settings.method == "lora_ga" or settings.init == "lora_ga":
        generator = torch.Generator().manual_seed(settings.seed)
        A0, B0 = lora_ga_init(G0, r, settings.ga_direction, settings.ga_scale, settings.ga_gamma, settings.ga_c,
                              generator=generator)
        return A0, B0, shifted_base(problem.W0, A0, B0)
    n, m = problem.W0.shape
    if settings.zero_init == "B":
        A0, B0 = problem.random_factor(n, r, settings.seed), torch.zeros(r, m, dtype=G0.dtype, device=G0.device)
    else:
        A0, B0 = torch.zeros(n, r, dtype=G0.dtype, device=G0.device), problem.random_factor(r, m, settings.seed)
    return A0, B0, problem.W0.clone()


def factor_rates(settings: RunSettings):
    """(η_A, η_B): η_B = λ·η_A for LoRA+, equal otherwise."""
    ratio = settings.lp_ratio if settings.method == "lora_plus" else 1.0
    return settings.lr, settings.lr * ratio


def scaled_gd_directions(G_A, G_B, A, B, damping: float = 0.0):
    """The Riemannian (scaled GD) directions ``(G_A(BBᵀ + δI)⁻¹, (AᵀA + δI)⁻¹G_B)`` (peft's
    ``create_riemannian_optimizer`` in the layout of §2.1; pseudo-inverse when ill-conditioned)."""
    return G_A @ gram_inverse(B @ B.mT, damping), gram_inverse(A.mT @ A, damping) @ G_B


class FactorStepper:
    """Moves (A, B) one step for a factor method: :meth:`step` takes G_A, G_B and returns (ΔA, ΔB).
    ``rates`` (η_A, η_B) default to :func:`factor_rates`; a batch passes tensors [K, 1, 1] (one rate per method).
    ``pro_C``: LoRA-Pro's C, ``settings.pro_C`` by default; a batch passes one per member."""

    def __init__(self, settings: RunSettings, rates=None, pro_C: str | tuple[str, ...] | None = None):
        self.settings = settings
        if settings.method == "lora_pro":
            self.pro_state = {}  # LoRA-Pro's Adam moments (:func:`~.pro.pro_step_directions`)
            self.pro_C = settings.pro_C if pro_C is None else pro_C
        else:
            rates = factor_rates(settings) if rates is None else rates
            self.hand = HandOptimizer(settings.optimizer, rates, settings.betas, settings.eps)

    def step(self, G_A, G_B, A, B):
        """(ΔA, ΔB) of one step from (A, B) with factor gradients (G_A, G_B)."""
        settings = self.settings
        if settings.method == "lora_pro":
            H_A, H_B = pro_step_directions(self.pro_state, G_A, G_B, A, B, settings.optimizer, settings.pro_variant,
                                           self.pro_C, 1.0, settings.damping, settings.betas, settings.eps)
            return -settings.lr * H_A, -settings.lr * H_B
        if settings.method == "scaled_gd":
            G_A, G_B = scaled_gd_directions(G_A, G_B, A, B, settings.damping)
        return tuple(self.hand.increments((G_A, G_B)))


def _sub_progress(progress, start: float, width: float):
    """``progress`` rescaled to report fractions in [start, start + width] (None stays None)."""
    return None if progress is None else (lambda fraction: progress(start + width * fraction))


def batch_key(settings: RunSettings) -> tuple | None:
    """What the methods trained as one batch share (:func:`run_batch`): the update rule (plain LoRA's for
    BATCHED_METHODS; LoRA-Pro's with its variant and damping, its members free to differ in C), optimizer, rate,
    steps, Adam's constants and the adapter rank; ``None`` for a method outside BATCHED_RULES."""
    shared = (settings.optimizer, settings.lr, settings.steps, settings.betas, settings.eps, adapter_rank(settings))
    if settings.method in BATCHED_METHODS:
        return ("plain", *shared)
    if settings.method == "lora_pro":
        return ("pro", *shared, settings.pro_variant, settings.damping)
    return None


def _grad_free(problem):
    """``torch.inference_mode()`` for a problem whose gradient needs no autograd (cheaper per op), else nothing."""
    return contextlib.nullcontext() if problem.needs_autograd else torch.inference_mode()


def run(problem, settings: RunSettings, progress: Callable[[float], None] | None = None,
        reference: History | None = None, floors: tuple | None = None) -> History:
    """Run ``settings.method`` on ``problem`` for ``settings.steps`` steps and record every diagnostic of
    :class:`History`. ``reference`` is the full fine-tuning run with the same optimizer, lr and steps (for
    the distance); it is computed first when not given. ``floors``: ``problem.floors`` at the run's rank
    (:func:`adapter_rank`) when already known (the pipeline memoises them). ``progress(fraction)`` is called
    every PROGRESS_EVERY steps and at the end; an exception it raises cancels the run.

    The training loop keeps only what a step needs (W_t, or A_t and B_t, and G_t); every diagnostic is computed
    afterwards in one batched call over the steps (per-op overhead dominates at these sizes). A method of
    BATCHED_RULES is a batch of one (:func:`run_batch`)."""
    return run_batch(problem, (settings,), progress, reference, floors)[0]


def run_batch(problem, batch, progress: Callable[[float], None] | None = None, reference: History | None = None,
              floors: tuple | None = None) -> list[History]:
    """:func:`run` for each settings of ``batch``: one method, or methods of BATCHED_RULES with one
    :func:`batch_key` trained at once over a leading method axis (factors [K, n, r], [K, r, m], each with its own
    init and rates, or C for LoRA-Pro: one training loop for K methods). Each history equals the method's own
    run (a batch runs until no loss is finite; a method's records stop where its loss stopped being finite).
    ``reference`` and ``floors`` are shared (same optimizer, rate, steps and rank)."""
    batch = tuple(batch)
    keys = {batch_key(settings) for settings in batch}
    if len(batch) > 1 and (None in keys or len(keys) > 1):
        raise ValueError(f"a batch is methods of {BATCHED_METHODS}, or LoRA-Pro runs, with one optimizer, lr, steps "
                         f"and rank (got {batch})")
    first = batch[0]
    with _grad_free(problem):
        if first.method != "full" and reference is None:
            reference = run(problem, dataclasses.replace(first, method="full"), _sub_progress(progress, 0.0, 0.5))
            progress = _sub_progress(progress, 0.5, 0.5)
        G0 = problem.loss_and_grad(problem.W0)[1]
        if first.method == "full":
            trained = [_run_full(problem, first, progress)]
        elif first.method in BATCHED_RULES:
            trained = _run_batched(problem, batch, G0, progress)
        else:
            trained = _run_single(problem, first, G0, progress)
        floors = tuple(problem.floors(adapter_rank(first)) if floors is None else floors)
        return [_history(problem, settings, records, W_T, G0, reference, floors)
                for settings, (records, W_T) in zip(batch, trained)]


def _history(problem, settings: RunSettings, records: dict, W_T: torch.Tensor, G0: torch.Tensor,
             reference: History | None, floors: tuple) -> History:
    """The :class:`History` of one run from its records over the states and steps reached and its final W."""
    finite = records.pop("finite").cpu()
    finite = torch.cat([finite, finite.new_zeros(settings.steps + 1 - len(finite))])  # states not reached
    records = {key: _padded(values.cpu(), settings.steps + (key in STATE_KEYS)) for key, values in records.items()}
    deltas = records.pop("delta_W")
    full_deltas = deltas if reference is None else reference.delta_W
    last_finite = int(finite.nonzero().max())
    accuracy = float(problem.test_accuracy(W_T)) if hasattr(problem, "test_accuracy") else math.nan
    return History(settings=settings, r_used=adapter_rank(settings), distance=dg.relative_distance(deltas, full_deltas),
                   delta_W=deltas, sigma_G0=dg.singular_values(G0).cpu(), finite=finite,
                   rank=int(dg.rank_of_spectrum(records["sigma"][last_finite])), floors=floors,
                   test_accuracy=accuracy, diverged=not bool(torch.isfinite(records["loss"]).all()), **records)


STATE_KEYS = ("loss", "rms_A", "rms_B", "delta_W", "sigma")
STEP_KEYS = ("cos", "cos_projection", "gap", "dL_A", "dL_B", "step_A")


def _stop(loss: torch.Tensor, t: int, steps: int) -> bool:
    """True at the last state, or when no loss is finite: a diverged run stops there, a batch once all its
    methods have, checked every PROGRESS_EVERY steps (its records are cut per method afterwards, so the steps
    run meanwhile change nothing; a check costs a few ops)."""
    if t == steps:
        return True
    if loss.dim() == 0:
        return not math.isfinite(float(loss))
    return t % PROGRESS_EVERY == 0 and not bool(torch.isfinite(loss).any())


def _padded(values: torch.Tensor, length: int) -> torch.Tensor:
    """``values`` (one entry per recorded state or step) extended with NaN entries to ``length`` (a run that
    stopped early), in float64 like the snapshots."""
    values = values.to(torch.float64)
    missing = length - values.shape[0]
    return values if missing == 0 else torch.cat([values, values.new_full((missing, *values.shape[1:]), math.nan)])


def _report(progress, t: int, steps: int):
    """Call ``progress`` every PROGRESS_EVERY steps and at the end."""
    if progress is not None and ((t + 1) % PROGRESS_EVERY == 0 or t + 1 == steps):
        progress((t + 1) / steps)


def _run_full(problem, settings: RunSettings, progress):
    """Full fine-tuning: the records of :func:`run` as tensors over the states and steps reached (factor-only
    fields NaN) and the final W."""
    W0 = problem.W0
    W, hand = W0.clone(), HandOptimizer(settings.optimizer, [settings.lr], settings.betas, settings.eps)
    states, losses, grads, increments = [], [], [], []
    for t in range(settings.steps + 1):
        loss, G = problem.loss_and_grad(W)
        states.append(W)
        losses.append(loss)
        if _stop(loss, t, settings.steps):
            break
        (dW,) = hand.increments([G])
        grads.append(G)
        increments.append(dW)
        W = W + dW
        _report(progress, t, settings.steps)
    deltas = torch.stack(states) - W0
    loss = torch.stack(losses)
    state_nan, step_nan = torch.full_like(loss, math.nan), loss.new_full((len(grads),), math.nan)
    cos = dg.masked_cosine(-torch.stack(increments), torch.stack(grads)) if grads else step_nan
    finite = dg.finite_matrices(deltas)
    sigma = deltas.new_full(deltas.shape[:1] + (min(deltas.shape[-2:]),), math.nan)
    sigma[finite] = dg.singular_values(deltas[finite])
    return {"loss": loss, "rms_A": state_nan, "rms_B": state_nan, "delta_W": deltas, "sigma": sigma, "finite": finite,
            "cos": cos, "cos_projection": torch.ones_like(step_nan), "gap": torch.zeros_like(step_nan),
            "dL_A": step_nan, "dL_B": step_nan, "step_A": step_nan}, W


def _train(problem, A, B, W_base, stepper: FactorStepper, steps: int, progress, keep: bool = True):
    """The factor loop of single runs, batches (a leading method axis on A, B and W_base) and sweeps: up to
    ``steps`` steps of ``stepper`` from (A, B), stopping once no loss is finite (:func:`_stop`). Returns the
    losses stacked over the states reached and, with ``keep``, the states (A_t, B_t, W_t) and the steps
    (G, G_A, G_B, ΔA, ΔB) stacked over t (``None`` for no step); without, the last state alone."""
    product = torch.baddbmm if A.dim() == 3 else torch.addmm  # W_base + AB in one op (per-op overhead dominates)
    states, losses, records = [], [], []
    for t in range(steps + 1):
        W = product(W_base, A, B)
        loss, G = problem.loss_and_grad(W)
        states.append((A, B, W))
        losses.append(loss)
        if _stop(loss, t, steps):
            break
        G_A, G_B = lora_grads(G, A, B)
        dA, dB = stepper.step(G_A, G_B, A, B)
        if keep:
            records.append((G, G_A, G_B, dA, dB))
        else:
            states.clear()  # a sweep keeps its last state alone
        A, B = A + dA, B + dB
        _report(progress, t, steps)
    states = tuple(map(torch.stack, zip(*states))) if keep else states[-1]
    return torch.stack(losses), states, tuple(map(torch.stack, zip(*records))) if records else None


def _run_single(problem, settings: RunSettings, G0: torch.Tensor, progress):
    """A factor method outside BATCHED_RULES (scaled GD) as a batch of one: [(records, final W)]."""
    A0, B0, W_base = initial_factors(problem, settings, G0)
    losses, states, steps = _train(problem, A0, B0, W_base, FactorStepper(settings), settings.steps, progress)
    with_axis = (lambda tensors: None if tensors is None else tuple(x.unsqueeze(1) for x in tensors))
    return _factor_records(problem, losses.unsqueeze(1), with_axis(states), with_axis(steps), A0[None], B0[None])


def _run_batched(problem, batch: tuple[RunSettings, ...], G0: torch.Tensor, progress):
    """The methods of ``batch`` (BATCHED_RULES, one :func:`batch_key`) trained at once, factors stacked on a
    leading method axis with per-method rates [K, 1, 1] (or LoRA-Pro's C per method): [(records, final W)] per
    method."""
    A0, B0, W_base = (torch.stack(parts) for parts in zip(*(initial_factors(problem, s, G0) for s in batch)))
    if batch[0].method == "lora_pro":
        stepper = FactorStepper(batch[0], pro_C=tuple(settings.pro_C for settings in batch))
    else:
        rates = torch.tensor([factor_rates(s) for s in batch], dtype=A0.dtype, device=A0.device)
        stepper = FactorStepper(batch[0], rates[:, :, None, None].unbind(1))
    losses, states, steps = _train(problem, A0, B0, W_base, stepper, batch[0].steps, progress)
    return _factor_records(problem, losses, states, steps, A0, B0)


def _factor_records(problem, losses, states, steps, A0, B0) -> list[tuple[dict, torch.Tensor]]:
    """Per method k of a trained batch (``losses`` [T+1, K], ``states`` (A_t, B_t, W_t) [T+1, K, …], ``steps``
    (G, G_A, G_B, ΔA, ΔB) [T, K, …] or ``None``, initial factors [K, …]): the records of :func:`run` over the
    states up to the first whose loss is not finite and the steps before it (a run of its own stops there), and
    its final W. The diagnostics are bulk work over the steps: the methods that stopped at the same state share
    one batched call per diagnostic (all of them, unless one diverged)."""
    finite = torch.isfinite(losses)
    reached = torch.where(finite.all(0), losses.shape[0] - 1, (~finite).to(torch.int64).argmax(0)).tolist()
    results = [None] * len(reached)
    for last in dict.fromkeys(reached):
        members = [k for k, reach in enumerate(reached) if reach == last]
        chosen = slice(None) if len(members) == len(reached) else torch.tensor(members, device=losses.device)
        As, Bs, Ws = (x[:last + 1, chosen] for x in states)
        deltas = Ws - problem.W0
        shared = {"rms_A": dg.rms(As), "rms_B": dg.rms(Bs), "finite": dg.finite_matrices(deltas)}
        if last > 0:
            G, G_A, G_B, dA, dB = (x[:last, chosen] for x in steps)
            shared |= _step_diagnostics(G, As[:-1], Bs[:-1], G_A, G_B, dA, dB)
        else:
            shared |= {key: losses.new_empty((0, len(members))) for key in STEP_KEYS}
        for j, k in enumerate(members):
            records = {key: values[:, j] for key, values in shared.items()}
            records |= {"loss": losses[:last + 1, k], "delta_W": deltas[:, j],
                        "sigma": _factor_spectra(As[:, j], Bs[:, j], A0[k], B0[k], records["finite"])}
            results[k] = (records, Ws[-1, j])
    return results


def _factor_spectra(As, Bs, A0, B0, finite) -> torch.Tensor:
    """Singular values of ΔW_t = A_tB_t − A0B0 for the states ``finite`` marks, NaN for the others, from the
    factors (:func:`~.diagnostics.product_singular_values`; a zero-product start needs A_t and B_t only)."""
    if bool((A0 @ B0).any()):
        As, Bs = torch.cat([As, A0.expand_as(As)], -1), torch.cat([Bs, -B0.expand_as(Bs)], -2)
    if bool(finite.all()):  # no copy of the factors through a mask
        return dg.product_singular_values(As, Bs)
    n, m = As.shape[-2], Bs.shape[-1]
    sigma = As.new_full((As.shape[0], min(n, m)), math.nan)
    sigma[finite] = dg.product_singular_values(As[finite], Bs[finite])
    return sigma


def _step_diagnostics(G, A, B, G_A, G_B, dA, dB) -> dict[str, torch.Tensor]:
    """The per-step records of factor methods from their steps stacked along leading dimensions (step, method:
    one batched call per diagnostic instead of one call per step and method)."""
    first, second = dg.increment_parts(A, B, dA, dB)
    dL_A, dL_B = dg.factor_loss_changes(G_A, G_B, dA, dB)
    return {"cos": dg.masked_cosine(-first, G), "cos_projection": dg.projection_cosine(G, A, B),
            "gap": dg.second_order_gap(first, second), "dL_A": dL_A, "dL_B": dL_B,
            "step_A": dg.frobenius(dA) / dg.frobenius(A)}


@dataclass
class Sweep:
    """A batched LoRA / LoRA+ sweep over K configurations (``lr_A[k]``, ``ratio[k]``): ``loss`` [T+1, K] and
    the final ``rms_A``, ``rms_B`` [K] (CPU)."""

    lr_A: torch.Tensor
    ratio: torch.Tensor
    loss: torch.Tensor
    rms_A: torch.Tensor
    rms_B: torch.Tensor


def loraplus_sweep(problem, settings: RunSettings, lr_A, ratio, progress=None) -> Sweep:
    """K LoRA+ runs at once as batched [K, n, r], [K, r, m] factors, (η_A, η_B) = (``lr_A[k]``,
    ``ratio[k]``·``lr_A[k]``), every other setting (optimizer, r, steps, seed, zero_init) from ``settings``.
    Each configuration follows exactly the trajectory of :func:`run` with method ``lora_plus`` (the LoRA+
    heatmap of view E and the RMS ratios of E4; the training loop of :func:`run_batch`, keeping only the
    losses). Use :func:`grid` for an (η_A, λ) product."""
    settings = dataclasses.replace(settings, method="lora_plus", init="zero")
    with _grad_free(problem):
        G0 = problem.loss_and_grad(problem.W0)[1]
        A, B, W_base = initial_factors(problem, settings, G0)
        lr_A, ratio = (torch.as_tensor(x, dtype=A.dtype, device=A.device).reshape(-1) for x in (lr_A, ratio))
        K = lr_A.numel()
        rate_A = lr_A[:, None, None]
        stepper = FactorStepper(settings, (rate_A, rate_A * ratio[:, None, None]))
        losses, (A, B, _), _ = _train(problem, A.expand(K, *A.shape), B.expand(K, *B.shape), W_base, stepper,
                                      settings.steps, progress, keep=False)
        return Sweep(lr_A=lr_A.cpu(), ratio=ratio.cpu(), loss=_padded(losses.cpu(), settings.steps + 1),
                     rms_A=dg.rms(A).cpu(), rms_B=dg.rms(B).cpu())


def grid(lrs_A, ratios):
    """The (η_A, λ) product as flat tensors (η_A major): ``lr_A[i·len(ratios) + j] = lrs_A[i]``,
    ``ratio[…] = ratios[j]``; reshape a sweep's losses to [len(lrs_A), len(ratios)]."""
    lrs_A, ratios = torch.as_tensor(lrs_A, dtype=torch.float64), torch.as_tensor(ratios, dtype=torch.float64)
    mesh_lr, mesh_ratio = torch.meshgrid(lrs_A, ratios, indexing="ij")
    return mesh_lr.reshape(-1), mesh_ratio.reshape(-1)
