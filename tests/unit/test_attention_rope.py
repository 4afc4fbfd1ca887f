"""9403: RoPE's relative property in its three forms, completeness by real Schur form, agreement
with rotary-embedding-torch, the long-range decay numbers of 8265, and the det −1 erratum (§6.13)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from kexue_viz.attention import rope

from numeric_asserts import assert_close


def test_relative_property_block_generator_and_orthogonal_power():
    d = 8
    for B in (rope.generator(d), rope.random_skew(d, seed=1)):
        for m, n in ((0, 3), (2, 7), (5, 1)):
            R = lambda k: rope.rope_matrix(k, B)
            assert_close(R(m).T @ R(n), R(n - m), 1e-12, f"R_mᵀR_n = R_(n−m), m={m} n={n}")
    O = rope.random_orthogonal(d, seed=2)
    P = lambda k: torch.linalg.matrix_power(O, k) if k >= 0 else torch.linalg.matrix_power(O.T, -k)
    for m, n in ((1, 4), (3, 2)):
        assert_close(P(m).T @ P(n), P(n - m), 1e-12, "Oⁿ form")
    block = rope.rope_matrix(5.0, rope.generator(d))
    x = torch.randn(d, dtype=torch.float64).to(block.device)
    assert_close(rope.rotate(x[None], [5.0])[0], block @ x, 1e-12, "elementwise = dense block form")
    assert float(torch.linalg.det(rope.rope_matrix(1.0, rope.random_skew(d)))) > 0  # det exp(A) = e^{tr A} = 1


def test_completeness_by_real_schur_form():
    B = rope.random_skew(8, seed=3)
    Lam, P = rope.real_schur(B)
    assert_close(P @ Lam @ P.T, B, 1e-12, "B = PΛPᵀ")
    assert_close(P.T @ P, torch.eye(8, dtype=torch.float64), 1e-12, "P orthogonal")
    off_block = Lam.clone()
    for i in range(0, 8, 2):
        off_block[i:i + 2, i:i + 2] = 0
    assert float(off_block.abs().max()) < 1e-10
    q, k = torch.randn(8, dtype=torch.float64).to(B.device), torch.randn(8, dtype=torch.float64).to(B.device)
    for r in (1.0, 4.0):  # qᵀexp(rB)k = (Pᵀq)ᵀexp(rΛ)(Pᵀk): P absorbed into W_q, W_k
        assert abs(float(q @ rope.rope_matrix(r, B) @ k - (P.T @ q) @ rope.rope_matrix(r, Lam) @ (P.T @ k))) < 1e-10
    # linear attention φ(q)ᵀexp(rB)ϕ(k) cannot absorb P: φ acts before P
    phi = torch.nn.functional.elu
    lhs = (phi(q) + 1) @ rope.rope_matrix(2.0, B) @ (phi(k) + 1)
    rhs = (phi(P.T @ q) + 1) @ rope.rope_matrix(2.0, Lam) @ (phi(P.T @ k) + 1)
    assert abs(float(lhs - rhs)) > 1e-3


def test_agreement_with_rotary_embedding_torch():
    rotary = pytest.importorskip("rotary_embedding_torch")
    d, L = 64, 16  # the library's angles are float32 (error ~ position·6e-8), ours float64
    x = torch.randn(2, L, d, generator=torch.Generator().manual_seed(0))
    reference = rotary.RotaryEmbedding(dim=d).rotate_queries_or_keys(x)
    ours = rope.rotate(x, torch.arange(L))
    assert float((ours - reference).abs().max()) < 1e-6


def test_half_split_convention_is_a_permutation():
    d = 16
    x = torch.randn(5, d, dtype=torch.float64)
    perm = rope.half_permutation(d)
    adjacent = rope.rotate(x, torch.arange(5))
    half = rope.rotate(x[:, perm], torch.arange(5), convention="half")
    assert_close(half, adjacent[:, perm], 1e-14, "half = permuted adjacent")


def test_long_range_decay_numbers():
    assert_close(rope.decay_bound([0, 10, 50, 100, 250, 1000]), [32.5, 17.95, 12.63, 10.23, 6.55, 4.47], 6e-3,
                 "y(r)", rel=False)
    assert_close(rope.ones_inner_product([0, 10, 100, 1000]), [128, 85.64, 61.09, 20.36], 6e-3, "Σ2cos", rel=False)


def test_position_scores_depend_on_offset_only_for_fixed_content():
    d, L = 32, 12
    q, k = torch.randn(d, dtype=torch.float64), torch.randn(d, dtype=torch.float64)
    same = rope.position_scores(q.expand(L, d), k.expand(L, d))
    for offset in range(-3, 4):
        diagonal = torch.diagonal(same, offset)
        assert float(diagonal.max() - diagonal.min()) < 1e-12
    different = rope.position_scores(torch.randn(L, d, dtype=torch.float64), torch.randn(L, d, dtype=torch.float64))
    assert float(torch.diagonal(different, 1).std()) > 0.1  # the common demo mistake


def test_det_minus_one_erratum():
    result = rope.reflection_counterexample(8, seed=0)
    assert result["square_gap"] > 0.5 and result["commutator"] > 0.5  # O₊, I₋ do not commute: Oⁿ ≠ I₋ⁿO₊ⁿ
    assert result["repaired_commutator"] < 1e-12 and abs(result["repaired_det"] - 1) < 1e-12


def test_float64_angles_matter_at_long_positions():
    theta = rope.frequencies(128)
    positions = torch.tensor([1e5, 1e6], dtype=torch.float64, device=theta.device)
    exact = positions[:, None] * theta
    fp32 = (positions.float()[:, None] * theta.float()).double()
    wrapped = torch.remainder(fp32 - exact + np.pi, 2 * np.pi) - np.pi
    assert float(wrapped.abs().max()) > 1e-3


def test_det_minus_one_powers_against_matrix_logarithm_and_numpy():
    """The panel's errors, recomputed independently: exp(nB) by scipy expm of a real logm of O₊,
    powers by numpy; the post's decomposition fails from n = 1, the repair and the relative
    property hold to rounding, det Oⁿ = (−1)ⁿ."""
    import scipy.linalg
    result = rope.reflection_powers(8, seed=0, n_max=6)
    O = rope.random_orthogonal(8, 0, det=-1).cpu().numpy()
    I_minus = np.diag([-1.0] + [1.0] * 7)
    B = np.real(scipy.linalg.logm(O @ I_minus))
    assert np.abs(B + B.T).max() < 1e-10  # a skew generator: O₊ = exp(B) is a general RoPE
    for n in range(7):
        On = np.linalg.matrix_power(O, n)
        post = np.linalg.norm(On - np.linalg.matrix_power(I_minus, n) @ scipy.linalg.expm(n * B))
        assert result["post"][n] == pytest.approx(post, abs=1e-9)
        assert result["det"][n] == pytest.approx((-1) ** n, abs=1e-12)
    assert result["post"][0] == 0 and np.all(result["post"][1:] > 0.5)
    assert result["post"][2] == pytest.approx(rope.reflection_counterexample(8, seed=0)["square_gap"], rel=1e-12)
    assert np.all(result["repaired"] < 1e-12) and np.all(result["relative"] < 1e-12)
