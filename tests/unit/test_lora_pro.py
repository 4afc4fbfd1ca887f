"""LoRA-Pro (kexue_viz.lora.pro; post 10266) against independent routes: Kronecker least squares, null-space
least squares per criterion of C, scipy.linalg.solve_sylvester, autograd, torch.optim.Adam, and the brief's
§3.3 numbers. peft's optimizers (§6.9) are checked in test_lora_peft.py."""
from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.linalg
import torch

from kexue_viz.device import to_core
from kexue_viz.lora.adapters import lora_equivalent_gradient, lora_ga_init, lora_grads, shifted_base
from kexue_viz.lora.pro import (LoRAProOptimizer, gram_inverse, pro_directions, pro_equivalent_gradient,
                                pro_free_matrix, pro_state_floats, projectors, sylvester_eigh)
from numeric_asserts import assert_close, npy
from test_lora_adapters import canonical_linear, randn


def cosine(X, Y):
    return float((X * Y).sum() / (X.norm() * Y.norm()))


def random_state(n=9, m=7, r=3, seed=0):
    G, A, B = randn(n, m, seed=seed), randn(n, r, seed=seed + 1), randn(r, m, seed=seed + 2)
    return (G, A, B) + lora_grads(G, A, B)


def null_space_optimum(rows, offset):
    """min_C ‖rows·vec_r(C) + offset‖ by lstsq (rows: list of Kronecker blocks, offset: matching vectors)."""
    return np.linalg.lstsq(np.vstack(rows), -np.concatenate(offset), rcond=None)[0]


def test_closed_form_example():
    """Brief §3.3: A = [I₂; 0], B = [I₂, 0], G = 1 (6×5): plain LoRA cos = 22/30, LoRA-Pro cos = √0.6 with
    residual √12; the Sylvester C and the symmetric C both equal −½·1₂ₓ₂."""
    n, m, r = 6, 5, 2
    A, B, G = torch.zeros(n, r, dtype=torch.float64), torch.zeros(r, m, dtype=torch.float64), torch.ones(n, m)
    A[:r], B[:, :r] = torch.eye(r), torch.eye(r)
    A, B, G = to_core(A), to_core(B), to_core(G)
    assert cosine(lora_equivalent_gradient(G, A, B), G) == pytest.approx(22 / 30, abs=1e-15)
    G_pro = pro_equivalent_gradient(G, A, B)
    assert cosine(G_pro, G) == pytest.approx(math.sqrt(0.6), abs=1e-15)
    assert float((G - G_pro).norm()) == pytest.approx(math.sqrt(12), abs=1e-14)
    G_A, G_B = lora_grads(G, A, B)
    for C in ("sym", "sylvester"):
        assert_close(pro_free_matrix(C, G_A, G_B, A, B), -0.5 * np.ones((r, r)), 1e-15, f"C {C}")


def test_closed_form_matches_kronecker_least_squares():
    """§6.3: lstsq over (vec H_A, vec H_B) with K = [I_n ⊗ Bᵀ, A ⊗ I_m] (row-major vec) gives the same
    residual and G̃ as the closed form (1e-10); H_A B + A H_B = G̃ for every C (invariance, 10266 (14))."""
    G, A, B, G_A, G_B = random_state()
    n, m = npy(G).shape
    K = np.hstack([np.kron(np.eye(n), npy(B).T), np.kron(npy(A), np.eye(m))])
    x = np.linalg.lstsq(K, npy(G).ravel(), rcond=None)[0]
    G_eq = pro_equivalent_gradient(G, A, B)
    assert_close(G_eq, (K @ x).reshape(n, m), 1e-10, "G̃ vs lstsq")
    assert float((G - G_eq).norm()) == pytest.approx(np.linalg.norm(K @ x - npy(G).ravel()), rel=1e-10)
    for C in ("zero", "sym", "sylvester"):
        H_A, H_B = pro_directions(G_A, G_B, A, B, C)
        assert_close(H_A @ B + A @ H_B, G_eq, 1e-12, f"G̃ with C={C}")
    P_A, P_B = (npy(P) for P in projectors(A, B))
    assert_close(G_eq, npy(G) - (np.eye(n) - P_A) @ npy(G) @ (np.eye(m) - P_B), 1e-12, "G − (I − P_A)G(I − P_B)")


def test_each_choice_of_C_solves_its_criterion():
    """§6.3 without a Sylvester solver: parametrise (H_A, H_B) = (H⁰_A + AC, H⁰_B − CB) and solve each
    criterion for vec C by linear least squares. sym solves both (20) min ‖H_AB − AH_B‖ and (21)
    min ‖H_AB − G‖² + ‖AH_B − G‖²; sylvester solves (23) min ‖H_A − G_A‖² + ‖H_B − G_B‖²."""
    G, A, B, G_A, G_B = random_state(seed=3)
    r = npy(A).shape[1]
    H0_A, H0_B = (npy(h) for h in pro_directions(G_A, G_B, A, B, "zero"))
    a, b, g = npy(A), npy(B), npy(G)
    I_r = np.eye(r)
    kron_ACB = np.kron(a, b.T)
    c20 = null_space_optimum([2 * kron_ACB], [(H0_A @ b - a @ H0_B).ravel()])
    c21 = null_space_optimum([kron_ACB, -kron_ACB], [(H0_A @ b - g).ravel(), (a @ H0_B - g).ravel()])
    c23 = null_space_optimum([np.kron(a, I_r), -np.kron(I_r, b.T)],
                             [(H0_A - npy(G_A)).ravel(), (H0_B - npy(G_B)).ravel()])
    C_sym = pro_free_matrix("sym", G_A, G_B, A, B)
    assert_close(C_sym, c20.reshape(r, r), 1e-10, "sym solves (20)")
    assert_close(C_sym, c21.reshape(r, r), 1e-10, "sym solves (21)")
    assert_close(pro_free_matrix("sylvester", G_A, G_B, A, B), c23.reshape(r, r), 1e-10, "sylvester solves (23)")


def test_derivative_22_matches_autograd():
    """10266 (22): ∂/∂C ‖H_AB − AH_B‖² = 4Aᵀ[G_A(BBᵀ)⁻¹B + 2ACB]Bᵀ, against autograd (§6.1, 1e-12)."""
    G, A, B, G_A, G_B = random_state(seed=5)
    H0_A, H0_B = pro_directions(G_A, G_B, A, B, "zero")
    C = randn(3, 3, seed=9).requires_grad_(True)
    ((H0_A + A @ C) @ B - A @ (H0_B - C @ B)).square().sum().backward()
    formula = 4 * A.mT @ (G_A @ torch.linalg.inv(B @ B.mT) @ B + 2 * A @ C.detach() @ B) @ B.mT
    assert_close(formula, C.grad, 1e-12, "(22)")


@pytest.mark.parametrize("log_cond", [0, 4, 8])
def test_sylvester_eigh_matches_scipy(log_cond):
    """§6.4: the two-eigh solver against scipy.linalg.solve_sylvester for SPD P, Q with cond up to 1e8. Both are
    backward stable (relative residual ≤ 1e-14); their forward agreement is bounded by ~eps times the condition
    number κ = (λ_max + μ_max)/(λ_min + μ_min) of the Sylvester operator: 2e-15 at κ = 1, 1e-9 at κ ≈ 1e8
    (the brief's "1e-12 at cond 1e8" holds for the residual, not for the solutions)."""
    rng = np.random.default_rng(log_cond)
    r = 6
    Q1, Q2 = (np.linalg.qr(rng.standard_normal((r, r)))[0] for _ in range(2))
    P = Q1 @ np.diag(np.logspace(0, log_cond, r)) @ Q1.T
    Q = Q2 @ np.diag(np.logspace(0, -log_cond / 2, r)) @ Q2.T
    R = rng.standard_normal((r, r))
    want = scipy.linalg.solve_sylvester(P, Q, R)
    got = npy(sylvester_eigh(to_core(P), to_core(Q), to_core(R)))
    lam, mu = np.linalg.eigvalsh(P), np.linalg.eigvalsh(Q)
    kappa = (lam.max() + mu.max()) / (lam.min() + mu.min())
    assert_close(got, want, 1e-14 * kappa, "Sylvester vs scipy")
    for C in (got, want):
        residual = np.abs(P @ C + C @ Q - R).max() / ((np.abs(P).max() + np.abs(Q).max()) * np.abs(C).max())
        assert residual < 1e-14


def test_descent_identity_and_projection_bound():
    """§6.7: ⟨G_A, H_A⟩ + ⟨G_B, H_B⟩ = ‖G̃‖² for every C; cos_Pro ≥ cos_LoRA at the same (A, B) (G̃_Pro is the
    orthogonal projection of G on the tangent space, which contains G̃_LoRA); G̃_Pro is idempotent."""
    for seed in range(4):
        G, A, B, G_A, G_B = random_state(seed=10 * seed)
        G_eq = pro_equivalent_gradient(G, A, B)
        for C in ("zero", "sym", "sylvester"):
            H_A, H_B = pro_directions(G_A, G_B, A, B, C)
            assert float((G_A * H_A).sum() + (G_B * H_B).sum()) == pytest.approx(float(G_eq.square().sum()),
                                                                                 rel=1e-12)
        assert cosine(G_eq, G) >= cosine(lora_equivalent_gradient(G, A, B), G)
        assert_close(pro_equivalent_gradient(G_eq, A, B), G_eq, 1e-12, "idempotent")


def test_exact_increment_of_pro_directions_and_scale():
    """§6.2: (A − ηH_A)(B − ηH_B) − AB = −η(H_AB + AH_B) + η²H_AH_B (10266 (6)); with a multiplier s the
    directions are divided by s², so s(H_AB + AH_B) = G̃ for every s."""
    G, A, B, G_A, G_B = random_state(seed=7)
    lr = 0.3
    H_A, H_B = pro_directions(G_A, G_B, A, B, "sylvester")
    exact = (A - lr * H_A) @ (B - lr * H_B) - A @ B
    assert_close(exact, -lr * (H_A @ B + A @ H_B) + lr * lr * H_A @ H_B, 1e-12, "exact increment")
    s = 2.5
    H_A, H_B = pro_directions(*lora_grads(G, A, B, s), A, B, "sym", scale=s)
    assert_close(s * (H_A @ B + A @ H_B), pro_equivalent_gradient(G, A, B), 1e-12, "scale s")


def test_lora_ga_init_makes_lora_and_pro_coincide():
    """§6.7 and brief §2.5: at the LoRA-GA init P_AGP_B = 0, so plain LoRA's and LoRA-Pro's directions both
    equal G_2r (1e-15 scale); with AᵀA = BBᵀ = cI the Sylvester C equals the symmetric C."""
    G = randn(12, 10, seed=4)
    A0, B0 = lora_ga_init(G, 2, scale="custom", c=1.3)
    P_A, P_B = projectors(A0, B0)
    assert float((P_A @ G @ P_B).abs().max()) < 1e-14
    U, S, Vh = torch.linalg.svd(G)
    G_2r = U[:, :4] @ torch.diag(S[:4]) @ Vh[:4]
    assert_close(pro_equivalent_gradient(G, A0, B0), G_2r, 1e-14, "Pro = G_2r")
    assert_close(lora_equivalent_gradient(G, A0, B0) / 1.3 ** 2, G_2r, 1e-14, "LoRA = c²G_2r")
    G_A, G_B = lora_grads(G, A0, B0)
    assert_close(pro_free_matrix("sylvester", G_A, G_B, A0, B0), pro_free_matrix("sym", G_A, G_B, A0, B0),
                 1e-14, "C_pro = C_s")


def test_gram_inverse_damping_and_pinv_fallback():
    """Brief §2.6: (M + δI)⁻¹ by Cholesky; a rank-deficient factor (duplicated column, cond > 1e12) falls back
    to the pseudo-inverse and stays finite instead of NaN."""
    M = to_core([[4.0, 1.0], [1.0, 3.0]])
    assert_close(gram_inverse(M, 0.5), np.linalg.inv(npy(M) + 0.5 * np.eye(2)), 1e-14, "damped inverse")
    A = randn(8, 2, seed=1)
    A = torch.cat([A, A[:, :1]], dim=1)
    inverse = gram_inverse(A.mT @ A)
    assert bool(torch.isfinite(inverse).all())
    assert_close(inverse, np.linalg.pinv(npy(A.mT @ A)), 1e-8, "pinv fallback")
    G, _, B, _, _ = random_state(n=8, m=7, r=3, seed=2)
    H_A, H_B = pro_directions(*lora_grads(G, A, B), A, B, "sylvester")
    assert bool(torch.isfinite(H_A).all() and torch.isfinite(H_B).all())


def canonical_pro_steps(A, B, W_base, C, steps, loss_and_grad, lr=0.5):
    """LoRA-Pro SGD by hand: per step (loss, cos(G̃, G), gap, ‖ηH_A‖/‖A‖)."""
    records = []
    for _ in range(steps):
        L, G = loss_and_grad(W_base + A @ B)
        H_A, H_B = pro_directions(*lora_grads(G, A, B), A, B, C)
        G_eq = H_A @ B + A @ H_B
        A_next, B_next = A - lr * H_A, B - lr * H_B
        gap = float((A_next @ B_next - A @ B + lr * G_eq).norm() / (lr * G_eq).norm())
        records.append((L, cosine(G_eq, G), gap, float((lr * H_A).norm() / A.norm())))
        A, B = A_next, B_next
    return records


def test_zero_b_start_step0_rule_and_choice_of_C():
    """E5 (10266 §最优参数, closed-form steps on the canonical problem of §3.3): the post expects the choice of
    C to matter little. Right after a zero-B start it does not: with the step-0 rule (H_A = G_A = 0,
    H_B = (AᵀA)⁻¹G_B) all give L₁ = 0.836421 and cos₀ = 0.3551, but the second-order share of the step-1
    update (gap₁) is 0, 0.2623, 0.5027 and L₂ = 0.422652, 0.369648, 0.342767 for C = 0, sym, Sylvester,
    as A jumps by O(1) (‖ηH_A‖/‖A‖ ≥ 1). From the LoRA-GA init the three L₂ agree within 0.6 %
    (0.21996, 0.22115, 0.22100)."""
    loss_and_grad, W0, A = canonical_linear()
    B = torch.zeros(4, 24, dtype=W0.dtype, device=W0.device)
    want = {"zero": (0.0, 0.422652), "sym": (0.2623, 0.369648), "sylvester": (0.5027, 0.342767)}
    for C, (gap1, L2) in want.items():
        records = canonical_pro_steps(A, B, W0, C, 3, loss_and_grad)
        assert records[0][3] == 0.0
        assert records[1][0] == pytest.approx(0.836421, abs=1e-6)
        assert records[0][1] == pytest.approx(0.3551, abs=1e-4)
        assert records[1][2] == pytest.approx(gap1, abs=1e-4)
        assert records[2][0] == pytest.approx(L2, abs=1e-6)
        assert records[1][3] >= 1.0
    G0 = loss_and_grad(W0)[1]
    A0, B0 = lora_ga_init(G0, 4)
    L2 = [canonical_pro_steps(A0, B0, shifted_base(W0, A0, B0), C, 3, loss_and_grad)[2][0] for C in want]
    assert L2 == pytest.approx([0.21996, 0.22115, 0.22100], abs=1e-5)
    assert max(L2) / min(L2) < 1.006


def layer_problem(seed=0, s=2.0):
    """A small adapted layer with a non-quadratic loss: (A, B) leaves and a closure giving the loss."""
    X, target, W0 = randn(16, 8, seed=seed), randn(16, 6, seed=seed + 1), randn(8, 6, seed=seed + 2)
    A = randn(8, 2, seed=seed + 3).requires_grad_(True)
    B = (0.5 * randn(2, 6, seed=seed + 4)).requires_grad_(True)

    def loss_fn(A, B):
        Y = X @ (W0 + s * A @ B)
        return (torch.log(torch.cosh(Y - target))).sum()
    return A, B, loss_fn


def test_optimizer_sgd_matches_hand_steps():
    """LoRAProOptimizer(sgd) with autograd gradients through W = W0 + s·AB equals hand-written steps."""
    s = 2.0
    A, B, loss_fn = layer_problem(s=s)
    A_hand, B_hand = A.detach().clone(), B.detach().clone()
    optimizer = LoRAProOptimizer([(A, B)], lr=0.05, C="sym", scale=s)
    for _ in range(4):
        optimizer.zero_grad()
        loss_fn(A, B).backward()
        optimizer.step()
        a, b = A_hand.clone().requires_grad_(True), B_hand.clone().requires_grad_(True)
        loss_fn(a, b).backward()
        H_A, H_B = pro_directions(a.grad, b.grad, A_hand, B_hand, "sym", scale=s)
        A_hand, B_hand = A_hand - 0.05 * H_A, B_hand - 0.05 * H_B
    assert_close(A.detach(), A_hand, 1e-12, "A")
    assert_close(B.detach(), B_hand, 1e-12, "B")


def test_optimizer_adam_variants_match_torch_adam():
    """Adam versions against torch.optim.Adam (independent moment bookkeeping, ε outside the root):
    "simple" = torch Adam fed with (H_A, H_B); "full" (10266 (25)) = torch Adam on a dummy n×m parameter
    fed with G̃, its step U projected with LoRA-Pro's C. State sizes 2nm vs 2r(n + m) (brief §7 #6:
    33.6 M vs 131 k floats at d = 4096, r = 8)."""
    s, lr, steps = 2.0, 0.01, 5
    for variant in ("simple", "full"):
        A, B, loss_fn = layer_problem(seed=3, s=s)
        a, b = A.detach().clone().requires_grad_(True), B.detach().clone().requires_grad_(True)
        ours = LoRAProOptimizer([(A, B)], lr=lr, optimizer="adam", variant=variant, C="sylvester", scale=s)
        dummy = torch.zeros(8, 6, dtype=A.dtype, device=A.device, requires_grad=True)
        reference = torch.optim.Adam([a, b] if variant == "simple" else [dummy], lr=lr, betas=(0.9, 0.999),
                                     eps=1e-8)
        for _ in range(steps):
            ours.zero_grad()
            loss_fn(A, B).backward()
            ours.step()
            a.grad = b.grad = None
            loss_fn(a, b).backward()
            with torch.no_grad():
                if variant == "simple":
                    a.grad, b.grad = pro_directions(a.grad, b.grad, a, b, "sylvester", scale=s)
                    reference.step()
                    continue
                H_A, H_B = pro_directions(a.grad, b.grad, a, b, "zero", scale=s)
                dummy.grad = s * (H_A @ b + a @ H_B)
                before = dummy.detach().clone()
                reference.step()
                U = (before - dummy.detach()) / lr
                H_A, H_B = pro_directions(s * U @ b.mT, s * a.mT @ U, a, b, "sylvester", scale=s)
                a -= lr * H_A
                b -= lr * H_B
        assert_close(A.detach(), a.detach(), 1e-12, f"A ({variant})")
        assert_close(B.detach(), b.detach(), 1e-12, f"B ({variant})")
        floats = sum(t.numel() for state in ours.state.values() for entry in state.values()
                     for t in entry.values() if isinstance(t, torch.Tensor))
        assert floats == pro_state_floats(8, 6, 2, variant)
    assert (pro_state_floats(4096, 4096, 8, "full"), pro_state_floats(4096, 4096, 8, "simple")) == (33_554_432,
                                                                                                   131_072)


def test_epsilon_placement_follows_torch():
    """E6 (10266 (25)): the post writes M̂/√(V̂ + ε); torch and the authors' code use M̂/(√V̂ + ε). On a first
    Adam step with tiny gradients the two differ by orders of magnitude; the optimizer follows torch."""
    A, B, loss_fn = layer_problem(seed=6)
    optimizer = LoRAProOptimizer([(A, B)], lr=1.0, optimizer="adam", variant="simple", C="zero", scale=2.0)
    optimizer.zero_grad()
    (1e-6 * loss_fn(A, B)).backward()
    H_A, _ = pro_directions(A.grad, B.grad, A.detach(), B.detach(), "zero", scale=2.0)
    A_before = A.detach().clone()
    optimizer.step()
    step = A_before - A.detach()
    assert_close(step, H_A / (H_A.abs() + 1e-8), 1e-12, "torch placement")
    post = H_A / (H_A.square() + 1e-8).sqrt()
    assert float((step - post).abs().max()) > 0.1
