"""Lion / SIGNUM / AdamW steps and the Amos rule (post 9473); the regret bound (post 9902)."""
from __future__ import annotations

import math

import pytest
import torch

from kexue_viz.scaling import optimizers as opt
from kexue_viz.scaling import regret as rg

F64 = torch.float64


def gradients(steps=30, d=6, seed=0):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(steps, d, generator=generator, dtype=F64)


def test_signum_equals_lion_with_equal_betas_and_no_decay():
    theta_l = theta_s = torch.zeros(6, dtype=F64)
    m_l = m_s = torch.zeros(6, dtype=F64)
    for g in gradients():
        theta_l, m_l = opt.lion_step(theta_l, m_l, g, 0.01, beta1=0.9, beta2=0.9, weight_decay=0.0)
        theta_s, m_s = opt.signum_step(theta_s, m_s, g, 0.01, beta=0.9)
        assert torch.equal(theta_l, theta_s)


def test_lion_without_momentum_is_sign_sgd():
    theta, m = torch.ones(6, dtype=F64), torch.zeros(6, dtype=F64)
    g = gradients(1)[0]
    new, _ = opt.lion_step(theta, m, g, 0.1, beta1=0.0, beta2=0.0)
    assert torch.equal(new, theta - 0.1 * torch.sign(g))


def test_adamw_matches_torch():
    parameter = torch.zeros(6, dtype=F64, requires_grad=True)
    reference = torch.optim.AdamW([parameter], lr=0.01, betas=(0.9, 0.99), eps=1e-6, weight_decay=0.1)
    theta, m, v = torch.zeros(6, dtype=F64), torch.zeros(6, dtype=F64), torch.zeros(6, dtype=F64)
    for step, g in enumerate(gradients(), start=1):
        parameter.grad = g.clone()
        reference.step()
        theta, m, v = opt.adamw_step(theta, m, v, step, g, 0.01, 0.9, 0.99, 1e-6, 0.1)
    assert torch.allclose(theta, parameter.detach(), rtol=0, atol=1e-12)


def test_amos_rule_of_thumb_numbers():
    lr, wd = opt.amos_lr_weight_decay(768, 1.11e-3)
    assert lr == pytest.approx(4.0e-5, rel=2e-3) and wd == pytest.approx(0.0154, rel=2e-3)


def test_projection_is_non_expansive():
    generator = torch.Generator().manual_seed(1)
    a, b = (3 * torch.randn(500, 4, generator=generator, dtype=F64) for _ in range(2))
    pa, pb = rg.project_ball(a, 1.5), rg.project_ball(b, 1.5)
    assert torch.all(pa.norm(dim=1) <= 1.5 + 1e-12)
    assert torch.all((pa - pb).norm(dim=1) <= (a - b).norm(dim=1) + 1e-12)


def test_online_sgd_regret_stays_below_the_bound():
    generator = torch.Generator().manual_seed(0)
    T, d, radius = 1000, 5, 2.0
    X = torch.randn(T, d, generator=generator, dtype=F64)
    y = torch.sign(X @ torch.randn(d, generator=generator, dtype=F64) + 0.5 * torch.randn(T, generator=generator,
                                                                                            dtype=F64))
    D, G = 2 * radius, float(X.norm(dim=1).max())
    t = torch.arange(1, T + 1, dtype=F64)
    steps = torch.stack([torch.full((T,), D / (G * math.sqrt(T)), dtype=F64), D / (math.sqrt(2) * G) / t.sqrt()])
    regret = rg.average_regret(rg.online_sgd(X, y, radius, steps), X, y, rg.best_in_hindsight(X, y, radius, 1500))
    bound = rg.regret_bound(D, G, steps)
    assert torch.all(regret <= bound + 1e-9)
    assert float(bound[0, -1]) == pytest.approx(D * G / math.sqrt(T))
    total, limit = rg.inverse_sqrt_sum_bound(T)
    assert total <= limit
