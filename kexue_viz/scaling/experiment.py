"""A real check of the theory: measured one-step optimal learning rates per batch size.

Protocol (the one the theory analyses, brief §5 item 9a): at a fixed point θ of a quadratic loss,
for each batch size B draw R minibatch gradients ``g̃_B``, apply an update map ``u = φ(g̃_B)``
(SGD, sign, softsign with ε inside the root, or real Adam with β₁ = β₂ = 0 and ε outside the root,
``g/(|g| + ε)``) and estimate ``E[uᵀg]`` and ``E[uᵀHu]``. For a quadratic loss
``E L(θ − ηu) = L(θ) − η E[uᵀg] + ½η² E[uᵀHu]`` exactly, so ``η̂* = E[uᵀg]/E[uᵀHu]`` is the
empirical optimum of the true expected loss (no η grid needed); its standard error comes from
the delta method. Every map sees the same minibatches (common random numbers).

Problems:

* ``nqm``: the noisy quadratic model, ``g̃ = Hθ + √h ⊙ z/√B`` (Gaussian by construction);
* ``diabetes``: least squares on scikit-learn's diabetes data (442 examples, 10 standardised
  features, bundled with scikit-learn), minibatches drawn with replacement, so ``Cov g̃_B = Σ/B``
  exactly with the real, non-Gaussian per-example gradients.

The theory curves use the exact per-coordinate Gaussian moments with the problem's own g,
diag Σ and H (:func:`~kexue_viz.scaling.softsign.per_coordinate_curve`; ``update="adam"`` for real
Adam's map). ``size="large"`` is the bigger setting (more draws, larger B).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import torch

from ..device import REAL, get_device
from .expected_loss import fit_inverse_line, sgd_scales, two_batch_noise_scale
from .models import LocalModel, nqm_curvatures
from .softsign import per_coordinate_curve

SIZES = {
    "small": {"B": [1, 2, 4, 8, 16, 32, 64, 128, 256], "R": 4000},
    "large": {"B": [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048], "R": 40000},
}
CHUNK_ELEMENTS = 4_000_000


@dataclass(frozen=True)
class Problem:
    """A quadratic loss at θ: gradient ``g``, Hessian ``H``, per-example gradient covariance
    ``Sigma`` and a sampler of R minibatch-mean gradients of size B."""

    name: str
    g: torch.Tensor
    H: torch.Tensor
    Sigma: torch.Tensor
    sample: Callable[[int, int, torch.Generator], torch.Tensor]

    def model(self) -> LocalModel:
        return LocalModel(self.g, torch.diagonal(self.Sigma).sqrt(), self.H, self.Sigma)


def nqm_problem(N: int = 32, theta0: float = 1.0) -> Problem:
    """NQM at ``θ = θ₀·1``: ``h_i = 1/i``, ``g = hθ``, ``Σ = H`` (Gaussian per-example gradients)."""
    h = nqm_curvatures(N)
    g = h * theta0
    root = h.sqrt()

    def sample(B: int, R: int, generator: torch.Generator) -> torch.Tensor:
        z = torch.randn(R, N, generator=generator, dtype=REAL).to(h.device)
        return g + root * z / math.sqrt(B)

    return Problem("nqm", g, torch.diag(h), torch.diag(h), sample)


def regression_problem(X: torch.Tensor, y: torch.Tensor, theta: torch.Tensor, name: str) -> Problem:
    """Least squares ``L = (1/2n)Σ(x_kᵀθ − y_k)²`` at ``theta``: per-example gradients
    ``G_k = x_k(x_kᵀθ − y_k)``, ``g = mean G``, ``Σ = Cov G`` (population), ``H = XᵀX/n``."""
    G = X * (X @ theta - y)[:, None]
    g = G.mean(0)
    centred = G - g
    Sigma = centred.T @ centred / G.shape[0]
    H = X.T @ X / X.shape[0]

    def sample(B: int, R: int, generator: torch.Generator) -> torch.Tensor:
        index = torch.randint(0, G.shape[0], (R, B), generator=generator).to(G.device)
        return G[index].mean(1)

    return Problem(name, g, H, Sigma, sample)


def diabetes_problem(fraction_trained: float = 0.0) -> Problem:
    """scikit-learn's diabetes regression (standardised X and y) at
    ``θ = fraction_trained · θ_LS`` (0: initialisation; the optimum itself would have g = 0)."""
    from sklearn.datasets import load_diabetes

    X, y = load_diabetes(return_X_y=True)
    X = torch.as_tensor(X, dtype=REAL, device=get_device())
    y = torch.as_tensor(y, dtype=REAL, device=get_device())
    X = (X - X.mean(0)) / X.std(0)
    y = (y - y.mean()) / y.std()
    theta_ls = torch.linalg.lstsq(X, y[:, None]).solution[:, 0]
    return regression_problem(X, y, fraction_trained * theta_ls, "diabetes")


def update_maps(eps_values) -> list[tuple[str, str, float]]:
    """``(label, kind, ε)`` for SGD, sign, and softsign and Adam at each ε (absolute units)."""
    maps = [("SGD", "sgd", 0.0), ("sign", "sign", 0.0)]
    for eps in eps_values:
        maps += [(f"softsign ε={eps:.3g}", "softsign", eps), (f"Adam ε={eps:.3g}", "adam", eps)]
    return maps


def apply_map(kind: str, batch: torch.Tensor, eps: float) -> torch.Tensor:
    """The update ``u = φ(g̃_B)``."""
    if kind == "sgd":
        return batch
    if kind == "sign":
        return torch.sign(batch)
    if kind == "softsign":
        return batch / torch.sqrt(batch * batch + eps * eps)
    if kind == "adam":
        return batch / (batch.abs() + eps)
    raise ValueError(f"unknown update map {kind!r}")


def measure(problem: Problem, B_values, maps, R: int, seed: int = 0) -> dict:
    """Measured ``η̂*`` and its standard error per map and B (arrays [nB]), plus the mean squared
    norm ``E‖g̃_B‖²`` per B (for the noise scale). Minibatches are drawn in chunks (bounded memory)."""
    generator = torch.Generator().manual_seed(seed)
    results = {label: ([], []) for label, _, _ in maps}
    sq_norms = []
    for B in B_values:
        rows = max(1, min(R, CHUNK_ELEMENTS // (B * problem.g.shape[0])))
        gains = {label: [] for label, _, _ in maps}
        curvatures = {label: [] for label, _, _ in maps}
        norms = []
        for start in range(0, R, rows):
            batch = problem.sample(B, min(rows, R - start), generator)
            norms.append((batch * batch).sum(-1))
            for label, kind, eps in maps:
                u = apply_map(kind, batch, eps)
                gains[label].append(u @ problem.g)
                curvatures[label].append(((u @ problem.H) * u).sum(-1))
        sq_norms.append(float(torch.cat(norms).mean()))
        for label, _, _ in maps:
            gain, curvature = torch.cat(gains[label]), torch.cat(curvatures[label])
            eta = float(gain.mean() / curvature.mean())
            se = float((gain - eta * curvature).std() / math.sqrt(R) / curvature.mean())
            results[label][0].append(eta)
            results[label][1].append(se)
    return {"eta": {k: torch.tensor(v[0]) for k, v in results.items()},
            "se": {k: torch.tensor(v[1]) for k, v in results.items()},
            "sq_norm": torch.tensor(sq_norms), "B": torch.tensor(B_values, dtype=REAL)}


def theory(problem: Problem, B, maps) -> dict:
    """Exact-Gaussian η*(B) per map: SGD from the full Σ; sign/softsign/Adam per coordinate from diag Σ."""
    model = problem.model()
    B = torch.as_tensor(B, dtype=REAL, device=problem.g.device)
    out = {}
    for label, kind, eps in maps:
        if kind == "sgd":
            out[label] = sgd_scales(model).eta_star(B)
        else:
            eps_tensor = torch.full_like(B, eps)
            out[label] = per_coordinate_curve(model, eps_tensor, B, "exact", "quadrature",
                                              "adam" if kind == "adam" else "softsign")[0]
    return out


def noise_scales(problem: Problem, measured: dict) -> dict:
    """The exact B_noise_sgd and B_simple of the problem, and two estimates of B_simple from the
    measured ``E‖g̃_B‖²``: the least-squares fit ``‖g‖² + trΣ/B`` and the two-batch estimator
    (smallest and largest B)."""
    scales = sgd_scales(problem.model())
    p, q = fit_inverse_line(measured["B"], measured["sq_norm"])
    B, norms = measured["B"], measured["sq_norm"]
    g2, trace = two_batch_noise_scale(norms[0], norms[-1], float(B[0]), float(B[-1]))
    return {"B_noise_sgd": scales.B_noise_sgd, "B_simple": scales.B_simple, "B_simple_fit": q / p,
            "B_simple_two_batch": float(trace / g2)}


def run(problem: Problem, eps_relative=(0.3, 1.0, 3.0), size: str = "small", seed: int = 0) -> dict:
    """Measure and compute theory for ``problem`` with ε = ε_rel·rms(g); returns maps, measured,
    theory on the measured B and the noise scales."""
    config = SIZES[size]
    rms = float(problem.g.pow(2).mean().sqrt())
    maps = update_maps([e * rms for e in eps_relative])
    measured = measure(problem, config["B"], maps, config["R"], seed)
    return {"maps": maps, "measured": measured, "theory": theory(problem, measured["B"], maps),
            "noise": noise_scales(problem, measured)}


def agreement(result: dict) -> dict[str, torch.Tensor]:
    """Per map, ``(measured − theory)/theory`` per B, and that difference in standard errors."""
    out = {}
    for label, _, _ in result["maps"]:
        measured, se = result["measured"]["eta"][label], result["measured"]["se"][label]
        predicted = result["theory"][label].cpu()
        out[label] = torch.stack([(measured - predicted) / predicted, (measured - predicted) / se])
    return out


def multi_step_losses(model: LocalModel, kind: str, eps: float, B_values, etas, steps: int, seeds: int,
                      seed: int = 0) -> torch.Tensor:
    """Multi-step protocol (brief §5 item 9b): mean final loss after ``steps`` updates
    ``θ ← θ − η φ(g(θ) + σ ⊙ z/√B)`` on the quadratic ``L = ½(θ−θ*)ᵀH(θ−θ*)`` with
    ``g(θ*+x) = Hx`` and Gaussian noise of per-coordinate scale ``model.sigma``, starting from
    ``θ₀ − θ* = H⁻¹g`` (so the first gradient is the model's g). Tensor [nB, nη, seeds, N], one
    step at a time (the recurrence is inherent); returns the mean loss [nB, nη]."""
    B = torch.as_tensor(B_values, dtype=REAL, device=model.g.device)
    etas = torch.as_tensor(etas, dtype=REAL, device=model.g.device)
    generator = torch.Generator().manual_seed(seed)
    x = torch.linalg.solve(model.H, model.g).expand(len(B), len(etas), seeds, model.N).clone()
    noise_scale = model.sigma / B.sqrt()[:, None, None, None]
    step_size = etas[None, :, None, None]
    for _ in range(steps):
        z = torch.randn(x.shape, generator=generator, dtype=REAL).to(x.device)
        x = x - step_size * apply_map(kind, x @ model.H + noise_scale * z, eps)
    return 0.5 * ((x @ model.H) * x).sum(-1).mean(-1)
