"""Softmax Jacobian and gradient-size measures (brief §6.1, §6.9) against autograd and direct sums."""
from __future__ import annotations

import torch

from kexue_viz.attention.montecarlo import entropy_over_alpha, gradient_over_alpha
from kexue_viz.attention.softmax import entropy, gradient_size, log_power_sum, softmax_jacobian

from numeric_asserts import assert_close


def scores(n=12, seed=0, dtype=torch.float64):
    return torch.randn(n, generator=torch.Generator().manual_seed(seed), dtype=dtype)


def test_jacobian_matches_autograd_and_its_identities():
    s, alpha = scores(), 1.7
    J = softmax_jacobian(s, alpha)
    auto = torch.autograd.functional.jacobian(lambda x: torch.softmax(alpha * x, dim=0), s)
    assert_close(J, auto, 1e-12, "J vs autograd")
    assert_close(J, J.T, 1e-15, "symmetric")
    assert_close(J.sum(dim=1), torch.zeros(len(s)), 1e-15, "zero row sums")
    p = torch.softmax(alpha * s, 0)
    sum2, sum3 = (p ** 2).sum(), (p ** 3).sum()
    assert_close(0.5 * J.abs().sum(), alpha * (1 - sum2), 1e-12, "½L1 = α(1 − Σp²)")
    assert_close(torch.linalg.matrix_norm(J), alpha * torch.sqrt(sum2 - 2 * sum3 + sum2 ** 2), 1e-12, "Frobenius")
    assert_close(torch.linalg.matrix_norm(J, ord=1), (2 * alpha * p * (1 - p)).max(), 1e-12, "operator 1-norm")
    assert float(torch.linalg.matrix_norm(J, ord=2)) <= alpha / 2 + 1e-12


def test_measures_equal_direct_matrix_norms():
    s = scores(20, 1)
    for alpha in (0.3, 2.0, 7.5):
        J = softmax_jacobian(s, alpha)
        want = {"l1": 0.5 * J.abs().sum(), "frobenius": torch.linalg.matrix_norm(J),
                "operator1": torch.linalg.matrix_norm(J, ord=1)}
        for measure, value in want.items():
            assert_close(gradient_size(s, alpha, measure), value, 1e-12, f"{measure} at α={alpha}")


def test_log_sum_p2_is_stable_where_the_naive_sum_fails():
    s = scores(64, 2)
    log_sum = log_power_sum(1e4 * s, 2)  # softmax is one-hot: Σp² = 1
    assert torch.isfinite(log_sum) and abs(float(log_sum)) < 1e-12
    naive = (torch.exp(1e4 * s) / torch.exp(1e4 * s).sum()).pow(2).sum()
    assert torch.isnan(naive)  # exp overflows: inf/inf
    assert torch.isfinite(gradient_size(s, 1e4)) and float(gradient_size(s, 1e4)) >= 0


def test_prefix_sums_equal_direct_recomputation_in_float32():
    s = torch.randn(8, 200, generator=torch.Generator().manual_seed(3))
    alphas = torch.tensor([0.5, 2.0, 6.0])
    for measure in ("l1", "frobenius", "operator1"):
        prefix = gradient_over_alpha(s, alphas, measure, prefix=True)
        for m in (1, 7, 64, 200):
            direct = gradient_over_alpha(s[:, :m], alphas, measure)
            assert_close(prefix[..., m - 1], direct, 1e-5, f"{measure} prefix m={m}")
    entropies = entropy_over_alpha(s, alphas, prefix=True)
    for m in (1, 13, 200):
        assert_close(entropies[..., m - 1], entropy_over_alpha(s[:, :m], alphas), 1e-5, f"entropy prefix m={m}")


def test_frobenius_is_accurate_near_one_hot():
    s = scores(16, 5)
    alpha = 12.0
    J = softmax_jacobian(s, alpha)
    exact = torch.linalg.matrix_norm(J)
    assert abs(float(gradient_size(s, alpha, "frobenius") / exact) - 1) < 1e-12


def test_entropy_matches_definition():
    s = scores(30, 4)
    p = torch.softmax(3.0 * s, 0)
    assert_close(entropy(3.0 * s), -(p * p.log()).sum(), 1e-12, "H")
    assert_close(entropy(3.0 * s[None], prefix=True)[0, -1], -(p * p.log()).sum(), 1e-12, "prefix H")


def test_batched_mc_path_matches_direct_and_keeps_precision_at_large_alpha():
    s = torch.randn(32, 300, generator=torch.Generator().manual_seed(6), dtype=torch.float64)
    alphas = torch.tensor([0.0, 0.5, 2.0, 9.0, 40.0], dtype=torch.float64)
    for measure in ("l1", "operator1"):
        batched = gradient_over_alpha(s, alphas, measure)
        direct = torch.stack([gradient_size(s, float(a), measure) for a in alphas])
        assert_close(batched, direct, 1e-12, f"{measure} batched vs direct")
    s32 = s.float()
    big = gradient_over_alpha(s32, torch.tensor([60.0]))[0]
    reference = gradient_over_alpha(s32.double(), torch.tensor([60.0], dtype=torch.float64))[0]
    # relative accuracy even where the value is tiny (fp32 rounding of α·(s − s_max) ≲ 360·6e-8)
    assert bool(((big.double() - reference).abs() <= 1e-4 * reference).all())
    naive = 60.0 * (1 - (torch.softmax(60.0 * s32, -1) ** 2).sum(-1))
    assert float(((naive.double() - reference).abs() / reference).max()) > 1e-3
