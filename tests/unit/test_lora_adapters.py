"""LoRA adapters (kexue_viz.lora.adapters; posts 9590, 10001, 10226) against independent routes: autograd,
finite differences, scikit-learn's svd_flip, scipy L-BFGS, seeded Monte Carlo, and the brief's §3.3 numbers."""
from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.optimize
import torch
from sklearn.utils.extmath import svd_flip as sklearn_svd_flip

from kexue_viz.device import to_core
from kexue_viz.lora.adapters import (adam_optimal_scale, additive_delta, additive_grads, gradient_l1_ratio,
                                     gradient_svd, lora_equivalent_gradient, lora_ga_indices, lora_ga_init,
                                     lora_ga_objective, lora_ga_sign_objective, lora_ga_sign_search, lora_grads,
                                     lora_grads_from_activations, loraplus_random_model_ratio, loraplus_ratio,
                                     random_projection_update, sgd_increment, shifted_base, signsgd_loss_change,
                                     svd_flip)
from numeric_asserts import assert_close, npy


def randn(*shape, seed=0):
    return to_core(np.random.default_rng(seed).standard_normal(shape))


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def nonquadratic_loss(Y, target):
    """A non-quadratic loss of the layer output Y (b×m)."""
    return (torch.log(torch.cosh(Y - target)) + 0.1 * torch.sin(Y) ** 2).sum()


def canonical_linear():
    """The canonical teacher–student problem of brief §3.3, built as written: (loss_and_grad, W0, A_init)."""
    rng = np.random.default_rng(0)
    N, n, m = 512, 32, 24
    X = rng.standard_normal((N, n))
    W0 = rng.standard_normal((n, m)) / math.sqrt(n)
    U = np.linalg.qr(rng.standard_normal((n, m)))[0]
    V = np.linalg.qr(rng.standard_normal((m, m)))[0]
    Y = X @ (W0 + U @ np.diag(1.0 / np.arange(1, m + 1)) @ V.T) + 0.1 * rng.standard_normal((N, m))
    S, XY, half_yy = to_core(X.T @ X / N), to_core(X.T @ Y / N), float((Y ** 2).sum() / (2 * N))

    def loss_and_grad(W):
        SW = S @ W
        return float(0.5 * (W * SW).sum() - (W * XY).sum() + half_yy), SW - XY

    A = to_core(np.random.default_rng(1).standard_normal((n, 4)) / math.sqrt(n))
    return loss_and_grad, to_core(W0), A


def lora_sgd_run(loss_and_grad, W_base, A, B, lr, steps):
    """Plain LoRA SGD by hand: per step (loss, cos(G̃, G), gap) with gap = ‖exact ΔW + ηG̃‖/‖ηG̃‖."""
    records = []
    for _ in range(steps):
        L, G = loss_and_grad(W_base + A @ B)
        G_A, G_B = lora_grads(G, A, B)
        G_eq = lora_equivalent_gradient(G, A, B)
        A_next, B_next = A - lr * G_A, B - lr * G_B
        gap = (A_next @ B_next - A @ B + lr * G_eq).norm() / (lr * G_eq).norm()
        records.append((L, float((G_eq * G).sum() / (G_eq.norm() * G.norm())), float(gap)))
        A, B = A_next, B_next
    return records, W_base + A @ B


# ------------------------------------------------------------------------------------------- 9590


def test_both_gradient_forms_match_autograd():
    """9590 (4) and (5) with a multiplier s = 2 against autograd on a non-quadratic loss (§6.1, ≤ 1e-12)."""
    b, n, m, r, s = 7, 9, 6, 3, 2.0
    X, target, W0 = randn(b, n, seed=1), randn(b, m, seed=2), randn(n, m, seed=3)
    A, B = randn(n, r, seed=4).requires_grad_(True), randn(r, m, seed=5).requires_grad_(True)
    W = (W0 + s * A @ B).detach().requires_grad_(True)
    Y = X @ W
    Y.retain_grad()
    nonquadratic_loss(Y, target).backward()
    nonquadratic_loss(X @ (W0 + s * A @ B), target).backward()
    for G_A, G_B in (lora_grads(W.grad, A.detach(), B.detach(), s),
                     lora_grads_from_activations(X, Y.grad, A.detach(), B.detach(), s)):
        assert_close(G_A, A.grad, 1e-12, "G_A")
        assert_close(G_B, B.grad, 1e-12, "G_B")


def test_sgd_increment_is_exact_and_rank_2r():
    """9590 (6), (8): the product of SGD-updated factors equals first + second order (§6.2, 1e-12), with
    LoRA+ rates and s ≠ 1; the first-order part is −s²(η_A GBᵀB + η_B AAᵀG), of rank ≤ 2r."""
    n, m, r, s, lr_A, lr_B = 10, 8, 2, 1.5, 0.3, 0.7
    G, A, B = randn(n, m, seed=1), randn(n, r, seed=2), randn(r, m, seed=3)
    G_A, G_B = lora_grads(G, A, B, s)
    exact = s * ((A - lr_A * G_A) @ (B - lr_B * G_B) - A @ B)
    first, second = sgd_increment(G, A, B, lr_A, lr_B, s)
    assert_close(first + second, exact, 1e-12, "exact increment")
    assert_close(first, -s ** 2 * (lr_A * G @ B.mT @ B + lr_B * A @ A.mT @ G), 1e-12, "first order")
    assert int(torch.linalg.matrix_rank(first)) == 2 * r
    assert_close(lora_equivalent_gradient(G, A, B), -sgd_increment(G, A, B, 1.0)[0], 1e-12, "G̃_LoRA (9590 (9))")


def test_dropped_second_order_term_is_not_small():
    """E8 (9590 (9), 10226 (3)): "≈" drops η²GBᵀAᵀG, which is small only when η‖G‖ is. At the LoRA-GA
    init of a 12×10 gradient with η = 0.1, the η² term is larger than the first-order residual
    η‖G − G_2r‖, so the exact increment must be computed (the brief's example: 0.65 vs 0.48)."""
    G = 3.0 * randn(12, 10, seed=11)
    A0, B0 = lora_ga_init(G, 2)
    lr = 0.1
    first, second = sgd_increment(G, A0, B0, lr)
    residual = float((first + lr * G).norm())
    assert residual == pytest.approx(lr * math.sqrt(float(lora_ga_objective(G, A0, B0))), rel=1e-12)
    assert float(second.norm()) > 1.5 * residual


def test_random_projection_shapes_as_posted_do_not_conform():
    """E1 (9590 (10)): the post's u ∈ ℝ^{m×1}, v ∈ ℝ^{1×n} do not conform with G ∈ ℝ^{n×m} (numpy raises);
    the corrected u ∈ ℝ^{n×1}, v ∈ ℝ^{1×m} do, and E uuᵀ = I_n, E vᵀv = I_m as (11) requires."""
    n, m = 9, 6
    G = np.ones((n, m))
    u_post, v_post = np.ones((m, 1)), np.ones((1, n))
    with pytest.raises(ValueError):
        G @ v_post.T @ v_post + u_post @ u_post.T @ G
    update = random_projection_update(to_core(G), 1.0, gen())
    assert update.shape == (n, m)


def test_random_projection_mean_is_twice_the_gradient():
    """E2 (9590 §随机投影): the post calls the redrawn projection "equivalent to full-rank SGD on average";
    its mean update is −2ηG, not −ηG (n = 9, m = 6, 2·10⁵ seeded draws: deviation from 2G ≈ 0.005, from G
    ≈ 1.00, §6.6 at 1 %+). The dropped η² term G vᵀuᵀG has mean zero."""
    n, m, lr, chunks, per_chunk = 9, 6, 0.1, 4, 50_000
    G, generator = randn(n, m, seed=3), gen(9)
    total = torch.zeros_like(G)
    for _ in range(chunks):
        total += random_projection_update(G, lr, generator, draws=per_chunk).sum(0)
    mean = total / (chunks * per_chunk)
    assert float((mean + 2 * lr * G).norm() / (2 * lr * G).norm()) < 0.015
    assert float((mean + lr * G).norm() / (lr * G).norm()) == pytest.approx(1.0, abs=0.03)
    u = torch.randn(per_chunk, n, 1, generator=generator, dtype=torch.float64)
    v = torch.randn(per_chunk, 1, m, generator=generator, dtype=torch.float64)
    second = (G.cpu() @ v.mT @ u.mT @ G.cpu()).mean(0)
    assert float(second.norm() / (G.norm() ** 2 / math.sqrt(per_chunk))) < 5.0


@pytest.mark.parametrize("blocks", [1, 3])
def test_additive_gradients_match_autograd_and_reach_rank_2r(blocks):
    """9590 (12)–(14): row/column (block) sums against autograd (§6.1); rank of the additive adapter is 2r
    generically, against r for AB."""
    n, m = 12, 9
    X, target, W0 = randn(5, n, seed=1), randn(5, m, seed=2), randn(n, m, seed=3)
    A, B = randn(n, blocks, seed=4).requires_grad_(True), randn(blocks, m, seed=5).requires_grad_(True)
    W = (W0 + additive_delta(A, B, n, m)).detach().requires_grad_(True)
    nonquadratic_loss(X @ W, target).backward()
    nonquadratic_loss(X @ (W0 + additive_delta(A, B, n, m)), target).backward()
    G_A, G_B = additive_grads(W.grad, blocks)
    assert_close(G_A, A.grad, 1e-12, "additive G_A")
    assert_close(G_B, B.grad, 1e-12, "additive G_B")
    with torch.no_grad():
        assert int(torch.linalg.matrix_rank(additive_delta(A, B, n, m))) == 2 * blocks
        assert int(torch.linalg.matrix_rank(A @ B)) == blocks


# ------------------------------------------------------------------------------------------- 10001


def test_loraplus_rules_and_practice_range():
    """10001 (5): (n/m)√(n/r); at r = 8 and n = m = 768 … 4096, √(n/r) = 9.80 … 22.63 brackets the default 16;
    the table's formula columns (brief §3.3)."""
    assert loraplus_ratio(768, 768, 8) == pytest.approx(9.798, abs=1e-3)
    assert loraplus_ratio(4096, 4096, 8) == pytest.approx(22.627, abs=1e-3)
    expected = {(256, 256, 8): (5.66, 5.66), (1024, 256, 8): (45.25, 22.63), (256, 1024, 8): (1.41, 2.83),
                (2048, 512, 16): (45.25, 22.63)}
    for (n, m, r), (post, counted) in expected.items():
        assert loraplus_ratio(n, m, r, "post") == pytest.approx(post, abs=5e-3)
        assert loraplus_ratio(n, m, r, "random_count") == pytest.approx(counted, abs=5e-3)
    with pytest.raises(ValueError):
        loraplus_ratio(8, 8, 2, "measured")


def test_loraplus_random_model_table():
    """E3 (10001 (5) when m ≠ n): under the random model (brief §3.3; b = 32, 20 draws) the measured
    ‖G_A‖₁/‖G_B‖₁ follows n/√(mr), not the post's (n/m)√(n/r), which is off by √(n/m) (×2 or ×½ here);
    the two agree at m = n. Seeded Monte Carlo within 3 % of the brief's measurements (§6.6). The post's
    other rule (contributions ∝ parameter counts nr, mr) then gives η_B/η_A = measured·m/n ≈ √(m/r)."""
    table = {(256, 256, 8): 5.69, (1024, 256, 8): 22.90, (256, 1024, 8): 2.83, (2048, 512, 16): 22.57}
    generator = gen(0)
    for (n, m, r), measured_in_brief in table.items():
        measured = loraplus_random_model_ratio(n, m, r, generator)
        assert measured == pytest.approx(measured_in_brief, rel=0.03)
        assert measured == pytest.approx(loraplus_ratio(n, m, r, "random_count"), rel=0.03)
        post_error = loraplus_ratio(n, m, r, "post") / measured
        assert post_error == pytest.approx(math.sqrt(n / m), rel=0.03)
        assert measured * m / n == pytest.approx(loraplus_ratio(n, m, r, "param_count"), rel=0.03)


def test_signsgd_loss_change_matches_finite_differences():
    """10001 (3): a SignSGD step on Y = XAB changes the loss by −η_A‖G_A‖₁ − η_B‖G_B‖₁ to first order
    (finite differences along the sign directions; the brief: actual/predicted = 1.00002 at step 1e-5)."""
    b, n, m, r = 16, 12, 10, 3
    X, target = randn(b, n, seed=1), randn(b, m, seed=2)
    A, B = randn(n, r, seed=3) / math.sqrt(n), randn(r, m, seed=4) / math.sqrt(r)
    Y = (X @ A @ B).requires_grad_(True)
    nonquadratic_loss(Y, target).backward()
    G_A, G_B = lora_grads_from_activations(X, Y.grad, A, B)
    lr_A, lr_B = 1e-5, 4e-5
    dL_A, dL_B = signsgd_loss_change(G_A, G_B, lr_A, lr_B)
    A_new, B_new = A - lr_A * torch.sign(G_A), B - lr_B * torch.sign(G_B)
    with torch.no_grad():
        actual = nonquadratic_loss(X @ A_new @ B_new, target) - nonquadratic_loss(X @ A @ B, target)
    assert float(actual / (dL_A + dL_B)) == pytest.approx(1.0, abs=1e-3)
    assert float(dL_A / dL_B) == pytest.approx(lr_A / lr_B * float(gradient_l1_ratio(G_A, G_B)), rel=1e-12)


# ------------------------------------------------------------------------------------------- 10226


def test_svd_flip_matches_sklearn_and_removes_lapack_signs():
    """svd_flip equals sklearn's u-based convention, and after it the SVD (hence LoRA-GA) no longer depends
    on the signs LAPACK returns: pre-flipping any pairs gives the same output (§6.7)."""
    M = np.random.default_rng(1).standard_normal((7, 5))
    U, _, Vh = np.linalg.svd(M, full_matrices=False)
    want_U, want_Vh = sklearn_svd_flip(U.copy(), Vh.copy())
    got_U, got_Vh = svd_flip(to_core(U), to_core(Vh))
    assert_close(got_U, want_U, 1e-15, "U")
    assert_close(got_Vh, want_Vh, 1e-15, "Vh")
    signs = to_core([1.0, -1.0, -1.0, 1.0, -1.0])
    again_U, again_Vh = svd_flip(to_core(U) * signs, signs[:, None] * to_core(Vh))
    assert_close(again_U, got_U, 1e-15, "U after pre-flip")
    assert_close(again_Vh, got_Vh, 1e-15, "Vh after pre-flip")


def test_lora_ga_closed_form_example_and_first_step():
    """10226 (8): G = diag(5, 4, 3, 2, 1), r = 2: objective exactly 1 = σ₅²; the first SGD step is −ηG_2r and
    cos(G̃, G) = √(Σ_{i≤2r}σ²/Σσ²); every direction split gives the same optimum (non-uniqueness)."""
    G = torch.diag(to_core([5.0, 4.0, 3.0, 2.0, 1.0]))
    for direction in ("ArB2r", "A2rBr", "ArBr", "random"):
        A0, B0 = lora_ga_init(G, 2, direction=direction, generator=gen(3))
        assert float(lora_ga_objective(G, A0, B0)) == pytest.approx(1.0, abs=1e-13)
    A0, B0 = lora_ga_init(G, 2)
    G_2r = torch.diag(to_core([5.0, 4.0, 3.0, 2.0, 0.0]))
    assert_close(lora_equivalent_gradient(G, A0, B0), G_2r, 1e-14, "first step = G_2r")
    G_eq = lora_equivalent_gradient(G, A0, B0)
    assert float((G_eq * G).sum() / (G_eq.norm() * G.norm())) == pytest.approx(math.sqrt(54 / 55), abs=1e-14)


def test_lora_ga_directions_pick_the_documented_indices():
    """ArB2r: A0 = U[:, :r], B0 = Vh[r:2r] (the post); A2rBr swaps; ArBr gives A the odd, B the even pairs."""
    assert [t.tolist() for t in lora_ga_indices(2, "ArB2r")] == [[0, 1], [2, 3]]
    assert [t.tolist() for t in lora_ga_indices(2, "A2rBr")] == [[2, 3], [0, 1]]
    assert [t.tolist() for t in lora_ga_indices(2, "ArBr")] == [[1, 3], [0, 2]]
    G = randn(8, 6, seed=2)
    U, _, Vh = np.linalg.svd(npy(G))
    U, Vh = sklearn_svd_flip(U[:, :6], Vh)
    A0, B0 = lora_ga_init(G, 2)
    assert_close(A0, U[:, :2], 1e-13, "A0 = U[:, :r]")
    assert_close(B0, Vh[2:4], 1e-13, "B0 = Vh[r:2r]")


def test_lora_ga_matches_multistart_lbfgs():
    """Eckart–Young (§6.5): 10-start L-BFGS on (A0, B0) never goes below Σ_{i>2r}σ², and its best start
    reaches it to 1e-8 relative; the construction attains it."""
    n, m, r = 7, 6, 2
    G = npy(randn(n, m, seed=4))
    tail = float((np.linalg.svd(G, compute_uv=False)[2 * r:] ** 2).sum())

    def objective(x):
        A, B = x[:n * r].reshape(n, r), x[n * r:].reshape(r, m)
        R = A @ A.T @ G + G @ B.T @ B - G
        grad_A = 2 * (R @ G.T @ A + G @ R.T @ A)
        grad_B = 2 * (B @ R.T @ G + B @ G.T @ R)
        return float((R ** 2).sum()), np.concatenate([grad_A.ravel(), grad_B.ravel()])

    rng = np.random.default_rng(0)
    values = [scipy.optimize.minimize(objective, rng.standard_normal(r * (n + m)), jac=True, method="L-BFGS-B",
                                      options=dict(ftol=1e-16, gtol=1e-12, maxiter=5000)).fun for _ in range(10)]
    assert min(values) >= tail * (1 - 1e-10)
    assert min(values) == pytest.approx(tail, rel=1e-8)
    A0, B0 = lora_ga_init(to_core(G), r)
    assert float(lora_ga_objective(to_core(G), A0, B0)) == pytest.approx(tail, rel=1e-12)


def test_lora_ga_scale_curve_and_unchanged_start():
    """Common factor c: the objective is (c² − 1)²‖G_2r‖² + Σ_{i>2r}σ² (minimum at c = 1, brief §2.4);
    ``stable`` is m^{1/4}/√γ; W_base + A0B0 = W0 to 1e-12 for every init (§6.7)."""
    n, m, r = 12, 10, 2
    G, W0 = randn(n, m, seed=5), randn(n, m, seed=6)
    sigma = torch.linalg.svdvals(G)
    head, tail = float(sigma[:2 * r].square().sum()), float(sigma[2 * r:].square().sum())
    for c in (0.5, 1.0, 1.7):
        A0, B0 = lora_ga_init(G, r, scale="custom", c=c)
        assert float(lora_ga_objective(G, A0, B0)) == pytest.approx((c * c - 1) ** 2 * head + tail, rel=1e-12)
        assert_close(shifted_base(W0, A0, B0) + A0 @ B0, W0, 1e-12, "W(0) = W0")
    A_unit, _ = lora_ga_init(G, r)
    A_stable, _ = lora_ga_init(G, r, scale="stable", gamma=16.0)
    assert_close(A_stable, A_unit * m ** 0.25 / 4.0, 1e-14, "stable scale")


def test_canonical_linear_lora_and_lora_ga_rows():
    """Brief §3.3 canonical teacher–student (to 1e-6): L(W0) = 0.921436; LoRA (B = 0, η = 0.5) L₁, L₂, L₁₀,
    L₉₉ = 0.853621, 0.814178, 0.367514, 0.211481, cos₀ 0.3288, gap₁ 0.0495, gap₂ 0.0801, rank ΔW 4;
    LoRA-GA unit (svd_flip) 0.329206, 0.213909, 0.186705, 0.186702, cos₀ = 0.976890 = √(top-8 energy of
    G0), gap₁ 0.0796, gap₂ 0.0410, and rank ΔW = 8 = 2r (the W0 − A0B0 shift, E9)."""
    loss_and_grad, W0, A = canonical_linear()
    assert loss_and_grad(W0)[0] == pytest.approx(0.921436, abs=1e-6)
    B = torch.zeros(4, 24, dtype=W0.dtype, device=W0.device)
    rows = {"lora": (lora_sgd_run(loss_and_grad, W0, A, B, 0.5, 100), (0.853621, 0.814178, 0.367514, 0.211481),
                     (0.3288, 0.0495, 0.0801), 4)}
    G0 = loss_and_grad(W0)[1]
    A0, B0 = lora_ga_init(G0, 4)
    rows["lora_ga"] = (lora_sgd_run(loss_and_grad, shifted_base(W0, A0, B0), A0, B0, 0.5, 100),
                       (0.329206, 0.213909, 0.186705, 0.186702), (0.9769, 0.0796, 0.0410), 8)
    for name, ((records, W_end), losses, (cos0, gap1, gap2), rank) in rows.items():
        assert [records[t][0] for t in (1, 2, 10, 99)] == pytest.approx(losses, abs=1e-6), name
        assert (records[0][1], records[1][2], records[2][2]) == pytest.approx((cos0, gap1, gap2), abs=1e-4), name
        assert int(torch.linalg.matrix_rank(W_end - W0)) == rank, name
    sigma = torch.linalg.svdvals(G0)
    assert rows["lora_ga"][0][0][0][1] == pytest.approx(float(sigma[:8].norm() / sigma.norm()), abs=1e-12)
    assert rows["lora_ga"][0][0][0][1] == pytest.approx(0.976890, abs=1e-6)


def test_lowrank_svd_accurate_for_decaying_and_warns_for_flat_spectra():
    """Brief §2.6: svd_lowrank(q = 4r, niter = 4) finds the top-2r subspace of a decaying spectrum (σ_k ∝ 1/k;
    largest principal-angle sine small) but not of a flat one (σ_k ∝ k^{-0.1}), where it warns."""
    d, r = 256, 8
    rng = np.random.default_rng(2)
    Q1, Q2 = np.linalg.qr(rng.standard_normal((d, d)))[0], np.linalg.qr(rng.standard_normal((d, d)))[0]
    sines = {}
    for name, power in (("decaying", 1.0), ("flat", 0.1)):
        G = to_core(Q1 @ np.diag(np.arange(1, d + 1) ** -power) @ Q2.T)
        if name == "flat":
            with pytest.warns(UserWarning, match="flat spectrum"):
                U, _, _ = gradient_svd(G, 2 * r, svd="lowrank")
        else:
            U, _, _ = gradient_svd(G, 2 * r, svd="lowrank")
        cosines = torch.linalg.svdvals(U.mT @ to_core(Q1[:, :2 * r]))
        sines[name] = float((1 - cosines.min() ** 2).clamp_min(0).sqrt())
    assert sines["decaying"] < 0.05
    assert sines["flat"] > 0.5


@pytest.mark.parametrize("n, c_star, at_one, at_c_star", [(64, 0.981, 0.7592, 0.7591), (256, 1.882, 0.8270, 0.7782),
                                                          (1024, 2.822, 0.9274, 0.8756)])
def test_adam_optimal_scale_table(n, c_star, at_one, at_c_star):
    """Brief §3.3 (10226 (9) under Adam): G = Q₁diag(1/k)₃₂Q₂ᵀ + 10⁻³ noise (default_rng(5): Q₁, Q₂ from qr of
    n×32 normals, then the noise), r = 8, LoRA-GA init: c* and the objective/nm at c = 1 and at c*. c* is
    checked against a dense scan of c (the objective is quadratic along the ray)."""
    rng = np.random.default_rng(5)
    Q1 = np.linalg.qr(rng.standard_normal((n, 32)))[0]
    Q2 = np.linalg.qr(rng.standard_normal((n, 32)))[0]
    G = to_core(Q1 @ np.diag(1.0 / np.arange(1, 33)) @ Q2.T + 1e-3 * rng.standard_normal((n, n)))
    A0, B0 = lora_ga_init(G, 8)
    c = float(adam_optimal_scale(G, A0, B0))
    assert c == pytest.approx(c_star, abs=5e-4)
    assert float(lora_ga_sign_objective(G, A0, B0)) / n ** 2 == pytest.approx(at_one, abs=5e-5)
    assert float(lora_ga_sign_objective(G, c * A0, c * B0)) / n ** 2 == pytest.approx(at_c_star, abs=5e-5)
    scan = [float(lora_ga_sign_objective(G, x * A0, x * B0)) for x in np.linspace(0.5 * c, 1.5 * c, 41)]
    assert float(lora_ga_sign_objective(G, c * A0, c * B0)) <= min(scan) + 1e-9
    A_opt, _ = lora_ga_init(G, 8, scale="adam_optimal")
    assert_close(A_opt, c * A0, 1e-14, "scale='adam_optimal'")


def test_adam_init_options():
    """10226's three Adam options on a random 16×12 gradient (r = 2): (a) the SGD init rescaled by c*,
    (b) the L-BFGS search (never worse than (a), it starts there), (c) the SVD of sign(G0), all scored by
    the true sign objective (9)."""
    G = randn(16, 12, seed=8)
    A_a, B_a = lora_ga_init(G, 2, scale="adam_optimal")
    option_a = float(lora_ga_sign_objective(G, A_a, B_a))
    A_b, B_b, option_b = lora_ga_sign_search(G, 2, gen(1), starts=3, max_iter=30)
    assert option_b == pytest.approx(float(lora_ga_sign_objective(G, A_b, B_b)), rel=1e-12)
    assert option_b <= option_a + 1e-9
    A_c, B_c = lora_ga_init(torch.sign(G), 2)
    c = adam_optimal_scale(G, A_c, B_c)
    option_c = float(lora_ga_sign_objective(G, c * A_c, c * B_c))
    assert 0 < min(option_a, option_b, option_c) < float(torch.sign(G).square().sum())
