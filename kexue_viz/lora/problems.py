"""The two problems of the LoRA dashboard (brief §3.3, §4): a linear teacher–student problem with exact
floors and the digits "mirror" task trained with torch autograd.

Both expose the same interface, which the runners use (layout of brief §2.1: W is n×m, Y = XW):

* ``W0`` — the pretrained weight (n×m, float64 on :func:`kexue_viz.device.get_device`);
* ``loss(W)`` and ``loss_and_grad(W) -> (L, G)`` with G = ∂L/∂W. ``W`` may carry leading batch dimensions
  ([K, n, m]); ``L`` then has shape [K] and each G[k] is the gradient of L[k] (the LoRA+ sweeps run K
  configurations at once);
* ``floors(r)`` — the losses no rank-r / rank-2r adapter and no full fine-tuning can go below;
* ``random_factor(rows, cols, seed)`` — the seeded random LoRA factor of the recipe, entries of variance
  1/rows (A = randn/√n; B = randn/√r when A starts at zero).
* ``needs_autograd`` — whether ``loss_and_grad`` records an autograd graph (the runners train the others
  under ``torch.inference_mode()``, cheaper per op).
"""
from __future__ import annotations

import math
import os
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch

from kexue_viz.device import REAL, get_device, to_core

DIGITS_CACHE_NAME = "lora_digits.pt"
DIGITS_RECIPE = "v1: load_digits/16, randperm(1797, seed 0)[:1200], h=64, seed 1, Adam 0.01 x 400"
DIGITS_TRAIN = 1200
DIGITS_HIDDEN = 64
DIGITS_PRETRAIN_STEPS = 400
DIGITS_PRETRAIN_LR = 0.01


class Floors(NamedTuple):
    """Loss floors: the full fine-tuning optimum and the best adapters of rank r and 2r (NaN: not known)."""

    full: float
    rank_r: float
    rank_2r: float


class LinearProblem:
    """The canonical linear teacher–student problem of brief §3.3, built exactly as written there.

    With ``rng = np.random.default_rng(seed)`` it draws, in this order, X (N×n) ~ N(0, 1),
    W0 = randn(n, m)/√n, U = qr(randn(n, m))[0], V = qr(randn(m, m))[0], and the noise of
    Y = X(W0 + ΔW*) + noise·randn(N, m), where ΔW* = U diag(k^-exponent) Vᵀ, k = 1…m (needs m ≤ n).
    The loss L(W) = ‖XW − Y‖²/(2N) = ½⟨W, SW⟩ − ⟨W, XᵀY/N⟩ + ‖Y‖²/(2N) runs through the sufficient
    statistics S = XᵀX/N and XᵀY/N, so a step costs O(n²m) whatever N is. ``X`` and ``Y`` are kept for
    independent checks. Defaults (32, 24, 512, 1, 0.1, 0) give the reference numbers of §3.3.
    """

    needs_autograd = False

    def __init__(self, n: int = 32, m: int = 24, N: int = 512, exponent: float = 1.0, noise: float = 0.1,
                 seed: int = 0):
        if m > n:
            raise ValueError(f"the teacher's U = qr(randn(n, m)) needs m <= n (got n={n}, m={m})")
        self.n, self.m, self.N, self.exponent, self.noise, self.seed = n, m, N, exponent, noise, seed
        rng = np.random.default_rng(seed)
        X = rng.standard_normal((N, n))
        W0 = rng.standard_normal((n, m)) / math.sqrt(n)
        U = np.linalg.qr(rng.standard_normal((n, m)))[0]
        V = np.linalg.qr(rng.standard_normal((m, m)))[0]
        delta = U @ np.diag(np.arange(1, m + 1, dtype=float) ** -exponent) @ V.T
        Y = X @ (W0 + delta) + noise * rng.standard_normal((N, m))
        self.X, self.Y, self.W0 = to_core(X), to_core(Y), to_core(W0)
        self.S = self.X.T @ self.X / N
        self.XtY = self.X.T @ self.Y / N
        self.half_yy = float((self.Y * self.Y).sum()) / (2 * N)
        self._half_yy = torch.tensor(self.half_yy, dtype=self.W0.dtype, device=self.W0.device)

    def loss(self, W: torch.Tensor) -> torch.Tensor:
        """L(W) = ½⟨W, SW⟩ − ⟨W, XᵀY/N⟩ + ‖Y‖²/(2N) over the last two dimensions of W ([..., n, m])."""
        return self.loss_and_grad(W)[0]

    def grad(self, W: torch.Tensor) -> torch.Tensor:
        """G = SW − XᵀY/N ([..., n, m]; one fused op for one W or a batch [K, n, m])."""
        if W.dim() == 2:
            return torch.addmm(self.XtY, self.S, W, beta=-1)
        if W.dim() == 3:
            return torch.baddbmm(self.XtY, self.S.expand(W.shape[0], -1, -1), W, beta=-1)
        return self.S @ W - self.XtY

    def loss_and_grad(self, W: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(L(W), G), exact, with the loss from G: L = ½⟨W, G − XᵀY/N⟩ + ‖Y‖²/(2N) (S@W formed once; a
        run's step cost is per-op overhead at these sizes)."""
        G = self.grad(W)
        return torch.add(self._half_yy, ((G - self.XtY) * W).sum((-2, -1)), alpha=0.5), G

    def optimum(self) -> torch.Tensor:
        """The full fine-tuning optimum W* = S⁻¹XᵀY/N (n×m)."""
        return torch.linalg.solve(self.S, self.XtY)

    def best_adapter(self, rank: int) -> torch.Tensor:
        """The rank-``rank`` ΔW minimising L(W0 + ΔW): with S = QΛQᵀ and S^{1/2} = QΛ^{1/2}Qᵀ,
        L(W0 + ΔW) = L(W*) + ½‖S^{1/2}(W0 + ΔW − W*)‖², so ΔW = S^{-1/2}[S^{1/2}(W* − W0)]_rank
        (Eckart–Young in the S-weighted norm; [·]_k is the SVD truncation)."""
        lam, Q = torch.linalg.eigh(self.S)
        root, inv_root = (Q * lam.sqrt()) @ Q.T, (Q / lam.sqrt()) @ Q.T
        U, sigma, Vh = torch.linalg.svd(root @ (self.optimum() - self.W0), full_matrices=False)
        return inv_root @ (U[:, :rank] * sigma[:rank]) @ Vh[:rank]

    def floors(self, r: int) -> Floors:
        """Exact floors: L(W*), and L(W0 + best rank-r ΔW), L(W0 + best rank-2r ΔW)."""
        return Floors(float(self.loss(self.optimum())), float(self.loss(self.W0 + self.best_adapter(r))),
                      float(self.loss(self.W0 + self.best_adapter(2 * r))))

    def random_factor(self, rows: int, cols: int, seed: int) -> torch.Tensor:
        """``np.random.default_rng(seed).standard_normal((rows, cols))/√rows`` (§3.3: A = …(n, r)/√n)."""
        return to_core(np.random.default_rng(seed).standard_normal((rows, cols)) / math.sqrt(rows))


def cache_directory() -> Path:
    """``$XDG_CACHE_HOME/kexue_viz`` (``~/.cache/kexue_viz`` when the variable is unset or empty)."""
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(root) / "kexue_viz"


def digits_data() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """scikit-learn's 8×8 digits as (X_train, y_train, X_test, y_test): pixels/16 (float64, [·, 64]), labels
    (int64), split by ``torch.randperm(1797, generator=manual_seed(0))`` into 1200 train and 597 test."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    X = torch.as_tensor(digits.data / 16.0, dtype=REAL)
    y = torch.as_tensor(digits.target, dtype=torch.int64)
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(0))
    train, test = order[:DIGITS_TRAIN], order[DIGITS_TRAIN:]
    return X[train], y[train], X[test], y[test]


def mirror(X: torch.Tensor) -> torch.Tensor:
    """The images of X ([·, 64]) mirrored left–right."""
    return X.reshape(-1, 8, 8).flip(-1).reshape(-1, 64)


def mlp_logits(X: torch.Tensor, W1: torch.Tensor, b1: torch.Tensor, W2: torch.Tensor,
               b2: torch.Tensor) -> torch.Tensor:
    """tanh(X W1 + b1) W2 + b2; W1 may be batched ([..., 64, h]), giving logits [..., samples, 10]."""
    return torch.tanh(X @ W1 + b1) @ W2 + b2


def pretrain_digits() -> dict[str, torch.Tensor]:
    """The pretrained digits MLP (CPU float64): seed-1 init W1 = randn(64, h)/8, W2 = randn(h, 10)/√h, zero
    biases (h = 64), then Adam(lr 0.01) for 400 full-batch cross-entropy steps on the original images."""
    X, y, _, _ = digits_data()
    generator = torch.Generator().manual_seed(1)
    params = {"W1": torch.randn(64, DIGITS_HIDDEN, generator=generator, dtype=REAL) / 8.0,
              "b1": torch.zeros(DIGITS_HIDDEN, dtype=REAL),
              "W2": torch.randn(DIGITS_HIDDEN, 10, generator=generator, dtype=REAL) / math.sqrt(DIGITS_HIDDEN),
              "b2": torch.zeros(10, dtype=REAL)}
    for value in params.values():
        value.requires_grad_(True)
    optimizer = torch.optim.Adam(params.values(), lr=DIGITS_PRETRAIN_LR)
    for _ in range(DIGITS_PRETRAIN_STEPS):
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(mlp_logits(X, **params), y).backward()
        optimizer.step()
    return {name: value.detach() for name, value in params.items()}


@lru_cache(maxsize=4)
def pretrained_digits(cache_dir: Path) -> dict[str, torch.Tensor]:
    """:func:`pretrain_digits`, cached in memory and in ``cache_dir/lora_digits.pt`` (tagged with the
    recipe, so a changed recipe retrains)."""
    path = Path(cache_dir) / DIGITS_CACHE_NAME
    if path.exists():
        stored = torch.load(path, weights_only=True)
        if stored.get("recipe") == DIGITS_RECIPE:
            return stored["params"]
    params = pretrain_digits()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    torch.save({"recipe": DIGITS_RECIPE, "params": params}, partial)
    partial.replace(path)
    return params


class DigitsProblem:
    """The digits mirror task of brief §3.3: the pretrained MLP tanh(XW1 + b1)W2 + b2 is fine-tuned on the
    mirrored images with only W1 (64×64, so n = m = 64) adapted; biases and head frozen. The loss is the
    full-batch mean cross-entropy on the 1200 mirrored training images, its gradient by torch autograd.
    Pretraining is cached (:func:`pretrained_digits`, in ``cache_dir`` or :func:`cache_directory`)."""

    needs_autograd = True

    def __init__(self, cache_dir: Path | str | None = None):
        self.cache_dir = Path(cache_dir) if cache_dir is not None else cache_directory()
        params = pretrained_digits(self.cache_dir)
        device = get_device()
        self.W0 = params["W1"].to(device)
        self.b1, self.W2, self.b2 = (params[name].to(device) for name in ("b1", "W2", "b2"))
        X, y, X_test, y_test = digits_data()
        self.X, self.y = mirror(X).to(device), y.to(device)
        self.X_test, self.y_test = mirror(X_test).to(device), y_test.to(device)
        self.n, self.m = self.W0.shape

    def logits(self, X: torch.Tensor, W: torch.Tensor) -> torch.Tensor:
        """Logits of the frozen network with first-layer weight W ([..., 64, 64])."""
        return mlp_logits(X, W, self.b1, self.W2, self.b2)

    def loss(self, W: torch.Tensor) -> torch.Tensor:
        """Mean cross-entropy on the mirrored training set, one value per leading index of W."""
        log_p = torch.log_softmax(self.logits(self.X, W), -1)
        return -log_p.gather(-1, self.y.expand(log_p.shape[:-1]).unsqueeze(-1)).squeeze(-1).mean(-1)

    def loss_and_grad(self, W: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(L(W), ∂L/∂W) by autograd; batched W gives per-configuration losses and gradients."""
        with torch.enable_grad():
            leaf = W.detach().requires_grad_(True)
            loss = self.loss(leaf)
            (grad,) = torch.autograd.grad(loss.sum(), leaf)
        return loss.detach(), grad

    def test_accuracy(self, W: torch.Tensor) -> torch.Tensor:
        """Accuracy on the 597 mirrored test images, one value per leading index of W."""
        predictions = self.logits(self.X_test, W).argmax(-1)
        return (predictions == self.y_test).to(REAL).mean(-1)

    def floors(self, r: int) -> Floors:
        """Not known in closed form for this task: all NaN."""
        return Floors(math.nan, math.nan, math.nan)

    def random_factor(self, rows: int, cols: int, seed: int) -> torch.Tensor:
        """``torch.randn(rows, cols, generator=manual_seed(seed))/√rows`` (§3.3: A = randn/√n, seed 1)."""
        generator = torch.Generator().manual_seed(seed)
        return (torch.randn(rows, cols, generator=generator, dtype=REAL) / math.sqrt(rows)).to(get_device())
