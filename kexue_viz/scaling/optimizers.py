"""Update rules of post 9473 (Lion, SIGNUM, AdamW) and its Amos-based LR / weight-decay rule.

* Lion (9473 (1)): ``u = sign(β₁m + (1−β₁)g)``, ``θ ← θ − η(u + λθ)``, then ``m ← β₂m + (1−β₂)g``
  (the momentum is updated after the parameters). With β₁ = β₂ = 0 it is SignSGD, so the SignSGD
  analysis of post 10542 applies to it.
* SIGNUM (9473 (3)): ``m ← βm + (1−β)g``, ``θ ← θ − η sign(m)`` — Lion with β₁ = β₂ = β and λ = 0.
* AdamW (9473 (2)): bias-corrected moments, ``u = m̂/(√v̂ + ε)`` (ε outside the root, as torch),
  decoupled weight decay ``θ ← θ − η(u + λθ)``.
* Amos (9473 (4)–(6)): with ``σ = √(1/d)`` the initial scale, ``η ≈ α₀σ`` and ``λ = α₀/(2σ)``.
"""
from __future__ import annotations

import math

import torch


def lion_step(theta: torch.Tensor, m: torch.Tensor, g: torch.Tensor, lr: float, beta1: float = 0.9,
              beta2: float = 0.99, weight_decay: float = 0.0) -> tuple[torch.Tensor, torch.Tensor]:
    """One Lion step; returns ``(θ, m)``."""
    update = torch.sign(beta1 * m + (1 - beta1) * g)
    return theta - lr * (update + weight_decay * theta), beta2 * m + (1 - beta2) * g


def signum_step(theta: torch.Tensor, m: torch.Tensor, g: torch.Tensor, lr: float,
                beta: float = 0.9) -> tuple[torch.Tensor, torch.Tensor]:
    """One SIGNUM step (sign of the momentum); returns ``(θ, m)``."""
    m = beta * m + (1 - beta) * g
    return theta - lr * torch.sign(m), m


def adamw_step(theta: torch.Tensor, m: torch.Tensor, v: torch.Tensor, step: int, g: torch.Tensor, lr: float,
               beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
               weight_decay: float = 0.01) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """One AdamW step (``step`` counts from 1); returns ``(θ, m, v)``."""
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    update = (m / (1 - beta1 ** step)) / ((v / (1 - beta2 ** step)).sqrt() + eps)
    return theta - lr * (update + weight_decay * theta), m, v


def amos_lr_weight_decay(d: int, alpha0: float) -> tuple[float, float]:
    """Post 9473's rule of thumb from Amos: ``σ = √(1/d)``, ``η = α₀σ``, ``λ = α₀/(2σ)``."""
    sigma = math.sqrt(1.0 / d)
    return alpha0 * sigma, alpha0 / (2 * sigma)
