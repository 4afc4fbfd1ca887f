"""The LoRA problems (kexue_viz.lora.problems) against independent routes: the raw-data loss and autograd,
multi-start L-BFGS over factor pairs for the rank-r floors, a hand-written backward pass for the digits
MLP, and the reference numbers of brief §3.3."""
from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.optimize
import torch

from kexue_viz.lora import problems
from kexue_viz.lora.problems import DigitsProblem, LinearProblem, cache_directory, pretrained_digits
from numeric_asserts import assert_close


@pytest.fixture(scope="module")
def linear():
    return LinearProblem()


@pytest.fixture(scope="module")
def digits(tmp_path_factory):
    return DigitsProblem(tmp_path_factory.mktemp("cache"))


def raw_loss(problem, W):
    """‖XW − Y‖²/(2N) from the raw data (not the sufficient statistics)."""
    return (problem.X @ W - problem.Y).square().sum() / (2 * problem.N)


def test_linear_reference_values(linear):
    """§3.3: L(W0) = 0.921436, full optimum 0.112214, best rank-4 / rank-8 adapters 0.209781 / 0.152587."""
    assert abs(float(linear.loss(linear.W0)) - 0.921436) < 1e-6
    floors = linear.floors(4)
    for got, want in zip(floors, (0.112214, 0.209781, 0.152587)):
        assert abs(got - want) < 1e-6, (floors, want)


def test_linear_loss_and_grad_match_raw_data_and_autograd(linear):
    W = (linear.W0 + 0.1 * torch.randn(linear.n, linear.m, generator=torch.Generator().manual_seed(3),
                                       dtype=torch.float64)).requires_grad_(True)
    reference = raw_loss(linear, W)
    (grad,) = torch.autograd.grad(reference, W)
    loss, G = linear.loss_and_grad(W.detach())
    assert_close(loss, reference.detach(), 1e-13, "L via S, XᵀY/N")
    assert_close(G, grad, 1e-12, "G = SW − XᵀY/N")
    batched_loss, batched_G = linear.loss_and_grad(torch.stack([W.detach(), linear.W0]))
    assert_close(batched_loss[0], loss, 1e-14, "batched L")
    assert_close(batched_G[1], linear.loss_and_grad(linear.W0)[1], 1e-14, "batched G")


def test_linear_floor_matches_multistart_lbfgs(linear):
    """The S-weighted SVD floor equals min over (P, Q) of L(W0 + PQ), P n×r, Q r×m, by 4-start L-BFGS."""
    r, n, m = 2, linear.n, linear.m
    S, XtY, W0 = (t.numpy() for t in (linear.S, linear.XtY, linear.W0))

    def objective(z):
        P, Q = z[:n * r].reshape(n, r), z[n * r:].reshape(r, m)
        W = W0 + P @ Q
        G = S @ W - XtY
        value = 0.5 * np.sum(W * (S @ W)) - np.sum(W * XtY) + linear.half_yy
        return value, np.concatenate([(G @ Q.T).ravel(), (P.T @ G).ravel()])

    rng = np.random.default_rng(0)
    best = min(scipy.optimize.minimize(objective, 0.3 * rng.standard_normal(r * (n + m)), jac=True,
                                       method="L-BFGS-B", options={"maxiter": 5000, "gtol": 1e-12}).fun
               for _ in range(4))
    assert abs(best - linear.floors(r).rank_r) < 1e-8 * best
    assert int(torch.linalg.matrix_rank(linear.best_adapter(r))) == r


def test_linear_sliders_change_the_problem():
    small = LinearProblem(n=12, m=8, N=64, exponent=2.0, noise=0.0, seed=3)
    assert small.W0.shape == (12, 8)
    assert abs(small.floors(4).full) < 1e-12  # noise 0: the teacher is reachable
    with pytest.raises(ValueError):
        LinearProblem(n=8, m=12)


def test_random_factor_recipes(linear, digits):
    """§3.3: A = default_rng(1).standard_normal((n, 4))/√n (linear); A = randn/√n with seed 1 (digits)."""
    want = np.random.default_rng(1).standard_normal((32, 4)) / math.sqrt(32)
    assert_close(linear.random_factor(32, 4, 1), want, 0.0, "linear A0")
    want = torch.randn(64, 4, generator=torch.Generator().manual_seed(1), dtype=torch.float64) / 8
    assert_close(digits.random_factor(64, 4, 1), want, 0.0, "digits A0")


def test_digits_reference_values(digits):
    """§3.3: pretrained test accuracy 0.973, 0.459 on the mirrored test images, L0 = 5.434."""
    params = pretrained_digits(digits.cache_dir)
    X, y, X_test, y_test = problems.digits_data()
    accuracy = (problems.mlp_logits(X_test, **params).argmax(-1) == y_test).double().mean()
    assert abs(float(accuracy) - 0.973) < 5e-4
    assert abs(float(digits.test_accuracy(digits.W0)) - 0.459) < 5e-4
    assert abs(float(digits.loss(digits.W0)) - 5.434) < 5e-4
    assert (X.shape, X_test.shape) == ((1200, 64), (597, 64))


def test_digits_gradient_matches_hand_backprop(digits):
    """Autograd's ∂L/∂W1 against the hand-written backward pass
    G = Xᵀ[(1 − H²) ⊙ ((softmax(Z) − onehot(y)) W2ᵀ)]/N with H = tanh(XW1 + b1), Z = HW2 + b2."""
    W = digits.W0 + 0.05
    loss, G = digits.loss_and_grad(W)
    H = torch.tanh(digits.X @ W + digits.b1)
    Z = H @ digits.W2 + digits.b2
    delta = torch.softmax(Z, -1) - torch.nn.functional.one_hot(digits.y, 10).double()
    want = digits.X.T @ ((1 - H * H) * (delta @ digits.W2.T)) / len(digits.y)
    assert_close(G, want, 1e-12, "digits G")
    assert_close(loss, torch.nn.functional.cross_entropy(Z, digits.y), 1e-13, "digits L")
    batched_loss, batched_G = digits.loss_and_grad(torch.stack([W, digits.W0]))
    assert_close(batched_G[0], G, 1e-14, "batched digits G")
    assert_close(batched_loss[1], digits.loss(digits.W0), 1e-14, "batched digits L")


def test_digits_cache_on_disk_and_xdg(digits, tmp_path, monkeypatch):
    """Pretraining is stored under the cache directory with its recipe and read back; XDG_CACHE_HOME is
    respected (~/.cache when unset)."""
    path = digits.cache_dir / problems.DIGITS_CACHE_NAME
    stored = torch.load(path, weights_only=True)
    assert stored["recipe"] == problems.DIGITS_RECIPE
    assert_close(stored["params"]["W1"], digits.W0, 0.0, "cached W1")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_directory() == tmp_path / "kexue_viz"
    monkeypatch.setenv("XDG_CACHE_HOME", "")
    assert cache_directory() == problems.Path.home() / ".cache" / "kexue_viz"
    monkeypatch.setattr(problems, "pretrain_digits", lambda: pytest.fail("retrained despite the disk cache"))
    reread = pretrained_digits.__wrapped__(digits.cache_dir)
    assert_close(reread["W2"], digits.W2, 0.0, "W2 read from disk")
