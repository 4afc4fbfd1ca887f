"""peft as a peer of kexue_viz.lora (brief §6.9): its LoRA layer, its LoRA+ and Riemannian optimizers, and
what its LoRA-GA init does, on a tiny ``torch.nn.Linear`` (float64, CPU; nothing downloaded).

Layout (brief §2.1): ``nn.Linear`` stores weight = W0ᵀ (m×n); peft's ``lora_A.weight`` = Aᵀ (r×n) and
``lora_B.weight`` = Bᵀ (m×r), and the layer computes Y = X(W0 + s·AB) + b with s = α/r (α/√r with rsLoRA).
peft's LoRA-GA init is compared by subspaces only (E10: it scales lora_B by σ[r:2r] and ``stable`` scales
lora_B alone, so its values are not the authors')."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from kexue_viz.lora.adapters import (gradient_svd, lora_equivalent_gradient, lora_ga_indices, lora_ga_init,
                                     lora_ga_scale, lora_grads, lora_grads_from_activations, sgd_increment)
from kexue_viz.lora.runners import scaled_gd_directions
from numeric_asserts import assert_close

peft = pytest.importorskip("peft")
from peft.optimizers import create_loraplus_optimizer, create_riemannian_optimizer  # noqa: E402

N_IN, N_OUT, RANK, ALPHA = 12, 10, 2, 6.0


def randn(*shape, seed=0):
    return torch.from_numpy(np.random.default_rng(seed).standard_normal(shape))


class OneLayer(torch.nn.Module):
    """Y = X W0 + b as ``nn.Linear(n, m)`` in float64 with seeded weights (weight = W0ᵀ)."""

    def __init__(self, n: int = N_IN, m: int = N_OUT, seed: int = 0):
        super().__init__()
        self.lin = torch.nn.Linear(n, m, dtype=torch.float64)
        with torch.no_grad():
            self.lin.weight.copy_(randn(m, n, seed=seed) / math.sqrt(n))
            self.lin.bias.copy_(randn(m, seed=seed + 1))

    def forward(self, X):
        return self.lin(X)


def nonquadratic_loss(Y, target):
    """A non-quadratic loss of the layer output Y (b×m)."""
    return (torch.log(torch.cosh(Y - target)) + 0.1 * torch.sin(Y) ** 2).sum()


def adapted(config, seed: int = 0):
    """``get_peft_model`` on :class:`OneLayer`: (model, its LoRA layer)."""
    torch.manual_seed(seed)  # peft's own initialisers draw from the global generator
    model = peft.get_peft_model(OneLayer(seed=seed), config)
    return model, model.base_model.model.lin


def factors(layer):
    """(W_base, A, B, s) of a peft LoRA layer in the posts' layout."""
    return (layer.base_layer.weight.detach().T.clone(), layer.lora_A["default"].weight.detach().T.clone(),
            layer.lora_B["default"].weight.detach().T.clone(), layer.scaling["default"])


def full_gradient(X, target, W, bias):
    """(G = ∂L/∂W (n×m), L_Y = ∂L/∂Y) of :func:`nonquadratic_loss` at Y = XW + b, by autograd on Y only."""
    Y = (X @ W + bias).requires_grad_(True)
    (grad_Y,) = torch.autograd.grad(nonquadratic_loss(Y, target), Y)
    return X.T @ grad_Y, grad_Y


def batch(seed: int = 3, b: int = 7):
    return randn(b, N_IN, seed=seed), randn(b, N_OUT, seed=seed + 1)


def sine_between(P: torch.Tensor, Q: torch.Tensor) -> float:
    """Sine of the largest principal angle between the column spaces of P and Q (same dimension)."""
    P, Q = torch.linalg.qr(P)[0], torch.linalg.qr(Q)[0]
    return float(torch.linalg.matrix_norm(Q - P @ (P.T @ Q), ord=2))


# ---------------------------------------------------------------------------------------------------
# §6.9 (a): the LoRA layer


@pytest.mark.parametrize("rslora", [False, True])
@pytest.mark.parametrize("init", [True, "gaussian", False])
def test_peft_lora_layer_matches_the_posts_convention(init, rslora):
    """peft's layer is Y = X(W0 + s·AB) + b with A = lora_A.weightᵀ (input side, n×r), B = lora_B.weightᵀ
    (output side, r×m, the factor its default init zeroes) and s = α/r (α/√r with rsLoRA); its autograd
    gradients of lora_A and lora_B are our ``lora_grads`` (9590 (4), s·GBᵀ and s·AᵀG) and
    ``lora_grads_from_activations`` (9590 (5)), transposed, to 1e-13; merging gives W0 + s·AB."""
    config = peft.LoraConfig(r=RANK, lora_alpha=ALPHA, target_modules=["lin"], init_lora_weights=init,
                             use_rslora=rslora)
    model, layer = adapted(config)
    W0, A, B, s = factors(layer)
    assert s == pytest.approx(ALPHA / (math.sqrt(RANK) if rslora else RANK), rel=1e-15)
    assert A.shape == (N_IN, RANK) and B.shape == (RANK, N_OUT)
    assert bool((B == 0).all()) == (init is not False), "peft zero-initialises lora_B, the posts' B"
    assert bool((A != 0).any())
    with torch.no_grad():  # a non-zero B, or G_A = s·GBᵀ would be 0
        layer.lora_B["default"].weight.copy_(randn(N_OUT, RANK, seed=5))
    W0, A, B, s = factors(layer)
    X, target = batch()
    bias = layer.base_layer.bias.detach()
    Y = model(X)
    assert_close(Y, X @ (W0 + s * A @ B) + bias, 1e-13, "peft forward vs X(W0 + s·AB) + b")
    nonquadratic_loss(Y, target).backward()
    assert layer.base_layer.weight.grad is None, "the base weight is frozen"
    G, grad_Y = full_gradient(X, target, W0 + s * A @ B, bias)
    peft_grads = (layer.lora_A["default"].weight.grad.T, layer.lora_B["default"].weight.grad.T)
    for ours in (lora_grads(G, A, B, s), lora_grads_from_activations(X, grad_Y, A, B, s)):
        assert_close(peft_grads[0], ours[0], 1e-13, "lora_A.grad vs G_A = s·GBᵀ")
        assert_close(peft_grads[1], ours[1], 1e-13, "lora_B.grad vs G_B = s·AᵀG")
    merged = model.merge_and_unload()
    assert_close(merged.lin.weight.detach().T, W0 + s * A @ B, 1e-14, "merged weight vs W0 + s·AB")


# ---------------------------------------------------------------------------------------------------
# §6.9 (b), (e): the LoRA+ and Riemannian optimizers


def random_factors(layer, seed: int = 6):
    with torch.no_grad():
        layer.lora_A["default"].weight.copy_(randn(RANK, N_IN, seed=seed) / math.sqrt(N_IN))
        layer.lora_B["default"].weight.copy_(randn(N_OUT, RANK, seed=seed + 1) / math.sqrt(RANK))


def one_step(model, layer, optimizer):
    """One optimizer step on :func:`nonquadratic_loss`: (G, A, B, s) before it and (A', B') after it."""
    W0, A, B, s = factors(layer)
    X, target = batch()
    G, _ = full_gradient(X, target, W0 + s * A @ B, layer.base_layer.bias.detach())
    optimizer.zero_grad()
    nonquadratic_loss(model(X), target).backward()
    optimizer.step()
    _, A_next, B_next, _ = factors(layer)
    return G, A, B, s, A_next, B_next


def test_peft_loraplus_is_our_increment_with_eta_B_lambda_eta_A():
    """``create_loraplus_optimizer(SGD, lr=η, loraplus_lr_ratio=λ)`` gives lora_A the rate η and lora_B
    (the posts' B) λη; its step changes W by our exact ``sgd_increment`` with (η_A, η_B) = (η, λη) (first
    order plus the η² term, 1e-12). Every 1-D trainable parameter (here the bias, ``bias="lora_only"``)
    also gets λη, as in the authors' repository."""
    lr, ratio = 0.05, 8.0
    model, layer = adapted(peft.LoraConfig(r=RANK, lora_alpha=ALPHA, target_modules=["lin"], bias="lora_only"))
    random_factors(layer)
    optimizer = create_loraplus_optimizer(model, torch.optim.SGD, lr=lr, loraplus_lr_ratio=ratio)
    rates = {id(p): group["lr"] for group in optimizer.param_groups for p in group["params"]}
    assert rates[id(layer.lora_A["default"].weight)] == lr
    assert rates[id(layer.lora_B["default"].weight)] == lr * ratio
    assert rates[id(layer.base_layer.bias)] == lr * ratio
    G, A, B, s, A_next, B_next = one_step(model, layer, optimizer)
    first, second = sgd_increment(G, A, B, lr, lr * ratio, s)
    assert_close(s * (A_next @ B_next - A @ B), first + second, 1e-12, "peft LoRA+ step vs the exact increment")


def test_peft_riemannian_optimizer_is_scaled_gd():
    """``create_riemannian_optimizer(SGD, lr=η, reg=δ)`` moves (A, B) by −η times our ``scaled_gd``
    directions (G_A(BBᵀ + δI)⁻¹, (AᵀA + δI)⁻¹G_B) with (G_A, G_B) = ``lora_grads(G, A, B, s)`` (1e-12)."""
    lr, reg = 0.1, 1e-2
    model, layer = adapted(peft.LoraConfig(r=RANK, lora_alpha=ALPHA, target_modules=["lin"]))
    random_factors(layer)
    G, A, B, s, A_next, B_next = one_step(model, layer, create_riemannian_optimizer(model, torch.optim.SGD, lr=lr,
                                                                                  reg=reg))
    H_A, H_B = scaled_gd_directions(*lora_grads(G, A, B, s), A, B, damping=reg)
    assert_close(A_next - A, -lr * H_A, 1e-12, "peft Riemannian ΔA vs −η·G_A(BBᵀ + δI)⁻¹")
    assert_close(B_next - B, -lr * H_B, 1e-12, "peft Riemannian ΔB vs −η·(AᵀA + δI)⁻¹G_B")


# ---------------------------------------------------------------------------------------------------
# §6.9 (c): peft's LoRA-GA init (subspaces, E10)

GA_SIGMA = (9.0, 7.0, 5.0, 4.0, 0.05, 0.04, 0.03, 0.02, 0.01, 0.005)  # a clear gap after 2r = 4


def designed_gradient(seed: int = 8) -> torch.Tensor:
    """G = Q₁ diag(GA_SIGMA) Q₂ᵀ (n×m, Q's orthonormal): distinct top-2r singular values, then a gap."""
    rng = np.random.default_rng(seed)
    Q1 = np.linalg.qr(rng.standard_normal((N_IN, N_OUT)))[0]
    Q2 = np.linalg.qr(rng.standard_normal((N_OUT, N_OUT)))[0]
    return torch.from_numpy(Q1 @ np.diag(GA_SIGMA) @ Q2.T)


def peft_lora_ga(G: torch.Tensor, direction: str, scale: str, gamma: int = 16):
    """peft's LoRA-GA on :class:`OneLayer` whose weight gradient is G: the train step computes
    L = ⟨XW + b, G⟩ with X = I_n, so ∂L/∂W = G. Returns (W0, W_base, A, B, s)."""
    config = peft.LoraConfig(r=RANK, lora_alpha=ALPHA, target_modules=["lin"], init_lora_weights="lora_ga",
                             lora_ga_config=peft.LoraGAConfig(direction=direction, scale=scale, stable_gamma=gamma))
    model = OneLayer()
    W0 = model.lin.weight.detach().T.clone()

    def train_step():
        (model(torch.eye(N_IN, dtype=torch.float64)) * G).sum().backward()

    torch.manual_seed(0)  # svd_lowrank's sketch
    peft.preprocess_loraga(model, config, train_step)
    peft_model = peft.get_peft_model(model, config)
    return (W0, *factors(peft_model.base_model.model.lin))


@pytest.mark.filterwarnings("ignore:Full backward hook is firing")  # the train step's input needs no gradient
@pytest.mark.parametrize("direction", ["ArB2r", "A2rBr", "ArBr"])
@pytest.mark.parametrize("scale", ["unit", "stable"])
def test_peft_lora_ga_init_spans_our_subspaces_with_other_scales(direction, scale):
    """peft's ``init_lora_weights="lora_ga"`` against our ``lora_ga_init`` on a gradient with a gap at σ_2r:

    * the subspaces agree: col(A) = span U[:, idx_A] and row(B) = span Vh[idx_B] for every direction
      (largest principal-angle sine < 1e-5: peft's float32 ``svd_lowrank`` vs our float64 SVD);
    * W_base + s·AB = W0 to float32 precision (peft subtracts the offset in float32);
    * the scales differ (E10): peft keeps A orthonormal (AᵀA = I) and makes B's rows σ_{idx_B}·c_B·v
      (BBᵀ = diag(σ²)c_B², c_B = 1 for ``unit``, m^{1/4}/√γ for ``stable``: lora_B alone), so its first
      SGD step s²(AAᵀG + GBᵀB) misses G_2r by far, while ours (c = 1, s = 1) is G_2r exactly."""
    G = designed_gradient()
    W0, W_base, A, B, s = peft_lora_ga(G, direction, scale)
    A0, B0 = lora_ga_init(G, RANK, direction)
    idx_A, idx_B = lora_ga_indices(RANK, direction)
    assert sine_between(A, A0) < 1e-5
    assert sine_between(B.T, B0.T) < 1e-5
    assert_close(W_base + s * A @ B, W0, 1e-6, "peft W_base + s·AB vs W0")
    assert_close(A.T @ A, torch.eye(RANK, dtype=A.dtype), 1e-6, "peft's AᵀA")
    c_B = lora_ga_scale(G, A0, B0, scale)
    sigma = torch.tensor(GA_SIGMA, dtype=G.dtype)
    assert_close(B @ B.T, torch.diag((c_B * sigma[idx_B]) ** 2), 1e-5, "peft's BBᵀ = diag(σ_B²)·c_B²")
    U, S, Vh = gradient_svd(G, 2 * RANK)
    G_2r = U @ torch.diag(S) @ Vh
    ours = float(torch.linalg.norm(lora_equivalent_gradient(G, A0, B0) - G_2r) / torch.linalg.norm(G_2r))
    theirs = float(torch.linalg.norm(s ** 2 * lora_equivalent_gradient(G, A, B) - G_2r) / torch.linalg.norm(G_2r))
    assert ours < 1e-13
    assert theirs > 1.0
