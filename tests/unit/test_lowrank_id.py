"""Column-pivoted QR and interpolative decompositions (kexue_viz.lowrank.idec, post 10501) against
LAPACK/SciPy, exact rational pivoting (fractions), numpy pseudo-inverses and the brief's targets Q12–Q15."""
from __future__ import annotations

import itertools
from fractions import Fraction

import mpmath as mp
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.linalg import interpolative as sli
from sklearn.datasets import load_sample_image
from threadpoolctl import threadpool_limits

from kexue_viz.lowrank import curves, idec, matrices
from numeric_asserts import assert_close

F64 = torch.float64


def relative_residual(M, decomposition):
    """‖M − M[:, cols] Z‖_F by numpy."""
    M = np.asarray(M)
    return np.linalg.norm(M - M[:, decomposition.cols.numpy()] @ decomposition.z.numpy())


@pytest.fixture(autouse=True, scope="module")
def one_blas_thread():
    """numpy/SciPy BLAS at one thread, like torch (oversubscribed threads made these tests 30× slower)."""
    with threadpool_limits(1):
        yield


@pytest.fixture(scope="module")
def q12_matrix():
    """Q12: M = Q1 diag(logspace(0, −3, 20)) Q2ᵀ, 30×20, seed 0."""
    return matrices.with_spectrum(np.logspace(0, -3, 20), 30, 20, seed=0)


def test_q12_cpqr_id_targets_and_scipy(q12_matrix):
    """Q12 and C12: pivots {0,1,4,11,18,19}, ‖R22‖_F, ‖R22‖_2, max|Z| as in the brief; SciPy's
    interp_decomp(rand=False) has the same pivots and interpolation matrix; Z = C^†M (numpy pinv)."""
    M = q12_matrix
    factor = idec.cpqr(M)
    decomposition = idec.id_cpqr(M, 6, factor)
    assert sorted(decomposition.cols.tolist()) == [0, 1, 4, 11, 18, 19]
    assert abs(float(idec.id_error_curve(factor)[6]) - 0.2005063546) < 1e-10
    assert abs(float(idec.id_spectral_error(factor, 6)) - 0.1484330660) < 1e-10
    assert abs(float(decomposition.z.abs().max()) - 1.0501563) < 1e-7
    sigma = np.linalg.svd(M.numpy(), compute_uv=False)
    assert abs(np.sqrt(np.sum(sigma[6:] ** 2)) - 0.1570367073) < 1e-10 and abs(sigma[6] - 0.1128837892) < 1e-10
    idx, proj = sli.interp_decomp(M.numpy(), 6, rand=False)
    assert idx[:6].tolist() == decomposition.cols.tolist()
    assert_close(decomposition.z, sli.reconstruct_interp_matrix(idx, proj), 1e-12, "Z vs SciPy")
    c = M.numpy()[:, idx[:6]]
    assert_close(decomposition.z, np.linalg.pinv(c, rcond=1e-13) @ M.numpy(), 1e-12, "Z vs C^+ M")
    residual = M.numpy() - c @ decomposition.z.numpy()
    assert abs(np.linalg.norm(residual) - 0.2005063546) < 1e-10
    assert abs(np.linalg.norm(residual, 2) - 0.1484330660) < 1e-10


def test_error_curve_from_one_cpqr_matches_direct_residuals(q12_matrix):
    """‖M − CZ‖_F = ‖R[r:, r:]‖_F for every r from one CPQR (2-D suffix sums) = the numpy residual of
    C^†M, and = the Householder row-suffix curve of curves.id_projection_curve."""
    M = q12_matrix.numpy()
    factor = idec.cpqr(M)
    curve = idec.id_error_curve(factor).numpy()
    piv = factor.piv.numpy()
    direct = [np.linalg.norm(M - M[:, piv[:r]] @ np.linalg.pinv(M[:, piv[:r]]) @ M) for r in range(21)]
    assert_close(curve / np.linalg.norm(M), np.array(direct) / np.linalg.norm(M), 1e-12, "suffix vs direct")
    assert_close(curves.id_projection_curve(torch.as_tensor(M), factor.piv[:20]), curve, 1e-13, "projection")


@pytest.mark.parametrize("shape, steps", [((40, 25), None), ((25, 40), None), ((60, 50), 12), ((8, 30), 8)])
def test_torch_cpqr_loop_matches_lapack(shape, steps):
    """C11: the torch partial loop (recomputed norms, CGS2, first maximum) picks LAPACK geqp3's pivots on
    tie-free Gaussian inputs, with the same R up to column signs, and M[:, piv] = QR; the Businger–Golub
    inequalities R_kk² ≥ Σ_{i=k}^{j} R_ij² hold on the LAPACK factor."""
    M = torch.as_tensor(np.random.default_rng(sum(shape)).standard_normal(shape) * np.linspace(0.2, 3, shape[1]))
    lapack, loop = idec.cpqr(M, steps, route="lapack"), idec.cpqr(M, steps, route="torch")
    k = lapack.r.shape[0]
    assert loop.piv[:k].tolist() == lapack.piv[:k].tolist()
    signs = torch.sign(lapack.r.diagonal() * loop.r.diagonal())
    in_original_order = [torch.empty_like(f.r).index_copy_(1, f.piv, f.r) for f in (loop, lapack)]
    assert_close(in_original_order[0] * signs[:, None], in_original_order[1], 1e-12, "R torch vs LAPACK")
    if steps is None:
        for factor in (loop, lapack):
            assert_close(factor.q @ factor.r, M[:, factor.piv], 1e-12, "M[:, piv] = QR")
    for kk in range(k):  # R_kk² ≥ Σ_{i=k}^{j} R_ij² = ‖R[k:, j]‖² for every j ≥ k (R is upper triangular)
        assert float(lapack.r[kk, kk] ** 2) >= float(lapack.r[kk:, kk:].square().sum(0).max()) * (1 - 1e-12)


def exact_pivots(M):
    """Businger–Golub pivots by exact rational Gram–Schmidt on an integer matrix (asserts no ties)."""
    columns = [[Fraction(int(x)) for x in col] for col in np.asarray(M).T]
    basis, pivots = [], []
    for _ in range(min(np.shape(M))):
        residuals = {}
        for j, col in enumerate(columns):
            if j in pivots:
                continue
            res = list(col)
            for b in basis:
                coef = sum(x * y for x, y in zip(res, b)) / sum(y * y for y in b)
                res = [x - coef * y for x, y in zip(res, b)]
            residuals[j] = (sum(x * x for x in res), res)
        best = max(v[0] for v in residuals.values())
        winners = [j for j, v in residuals.items() if v[0] == best]
        assert len(winners) == 1, "tie"
        pivots.append(winners[0])
        basis.append(residuals[winners[0]][1])
    return pivots


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cpqr_pivots_match_exact_rational_pivoting(seed):
    """C11: both routes give the exact-arithmetic pivots of a tie-free integer matrix."""
    M = np.random.default_rng(seed).integers(-9, 10, size=(7, 6))
    want = exact_pivots(M)
    for route in ("lapack", "torch"):
        assert idec.cpqr(torch.as_tensor(M, dtype=F64), route=route).piv.tolist()[:6] == want


def test_q13_kahan_defeats_cpqr():
    """Q13/E14/C14: on Kahan's matrix (θ = 1.2, MATLAB tie-break) CPQR keeps the natural order (both
    routes), |R_nn| = s^{n−1} (closed form: K is its own R) is 4.2e3× σ_n at n = 30 (σ_n by mpmath at
    30 digits) and 4.5e7× at n = 60, and max|Z| reaches 2.09e3 / 2.2e7: the post's "|z| > 2 almost
    never happens" fails on this family."""
    for n, ratio, zmax in [(30, 4.2e3, 2.09e3), (60, 4.5e7, 2.2e7)]:
        K = matrices.kahan(n)
        factor = idec.cpqr(K)
        assert factor.piv.tolist() == list(range(n))
        assert idec.cpqr(K, route="torch").piv.tolist() == list(range(n))
        r_nn = abs(float(factor.r[-1, -1]))
        assert abs(r_nn / np.sin(1.2) ** (n - 1) - 1) < 1e-8
        sigma_min = float(torch.linalg.svdvals(K)[-1])
        assert abs(r_nn / sigma_min / ratio - 1) < 0.03
        assert abs(float(idec.id_cpqr(K, n - 1, factor).z.abs().max()) / zmax - 1) < 0.03
    mp.mp.dps = 30
    K30 = mp.matrix(matrices.kahan(30).numpy().tolist())
    sigma_mp = float(min(mp.svd_r(K30, compute_uv=False)))
    assert abs(float(torch.linalg.svdvals(matrices.kahan(30))[-1]) / sigma_mp - 1) < 1e-8
    assert abs(sigma_mp - 3.085e-5) < 5e-9 and abs(abs(float(idec.cpqr(matrices.kahan(30)).r[-1, -1])) - 0.1299) < 1e-4


def test_q14_rank1_enumeration_beats_cpqr():
    """Q14/C13: columns [1.5 e1, e2 ×5]: CPQR keeps the longest column (err² = 5); enumeration keeps e2
    (err² = 2.25 = σ_2²). Totals equal the exact Fraction enumeration of Σ_j ‖m_j − proj_i m_j‖²."""
    M = np.array([[1.5, 0, 0, 0, 0, 0], [0, 1, 1, 1, 1, 1]])
    exact = []
    for i in range(6):
        mi = [Fraction(x).limit_denominator() for x in M[:, i]]
        total = Fraction(0)
        for j in range(6):
            mj = [Fraction(x).limit_denominator() for x in M[:, j]]
            coef = sum(a * b for a, b in zip(mj, mi)) / sum(a * a for a in mi)
            total += sum((a - coef * b) ** 2 for a, b in zip(mj, mi))
        exact.append(total)
    assert_close(idec.r1_total_errors(torch.as_tensor(M)), [float(x) for x in exact], 1e-15, "totals")
    assert exact[0] == 5 and exact[1] == Fraction(9, 4)
    best = idec.id_r1_exact(torch.as_tensor(M))
    assert best.cols.tolist() == [1] and abs(relative_residual(M, best) ** 2 - 2.25) < 1e-14
    assert abs(relative_residual(M, idec.id_cpqr(torch.as_tensor(M), 1)) ** 2 - 5) < 1e-14
    assert idec.id_greedy_total(torch.as_tensor(M), 1).cols.tolist() == [1]


def q15_ratios(M, seeds=20, r=20):
    """Ratios ‖M − CZ‖_F / tail_F(20) for the brief's Q15 recipe: per seed one default_rng(seed), the
    Gaussian sketch drawn first, then the column sample (that order reproduces the brief's numbers)."""
    M = torch.as_tensor(M, dtype=F64)
    tail = np.sqrt(np.sum(np.linalg.svd(M.numpy(), compute_uv=False)[r:] ** 2))
    sketch, sample = [], []
    for seed in range(seeds):
        g = np.random.default_rng(seed)
        sketch.append(relative_residual(M, idec.id_sketch(M, r, seed=g)) / tail)
        sample.append(relative_residual(M, idec.id_colsample(M, r, seed=g)) / tail)
    det = relative_residual(M, idec.id_cpqr(M, r)) / tail
    greedy = relative_residual(M, idec.id_greedy_total(M, r, max_cols=M.shape[1])) / tail
    return det, greedy, np.array(sketch), np.array(sample)


def test_q15_id_variants_on_the_china_image():
    """Q15/E13 (20 seeds, r = 20, china gray mean(2)[::2, ::2], 214×320): det CPQR 1.342, greedy-total 1.212
    (it wins on the image), Gaussian sketch 1.346 [1.290, 1.383], column sampling 1.306 [1.276, 1.376];
    SciPy rand=True returns the deterministic pivots (1.342)."""
    image = load_sample_image("china.jpg").mean(2)[::2, ::2]
    det, greedy, sketch, sample = q15_ratios(image)
    assert abs(det - 1.342) < 5e-4 and abs(greedy - 1.212) < 5e-4
    assert_close([sketch.mean(), sketch.min(), sketch.max()], [1.346, 1.290, 1.383], 5e-4, "sketch", rel=False)
    assert_close([sample.mean(), sample.min(), sample.max()], [1.306, 1.276, 1.376], 5e-4, "colsample", rel=False)
    idx, proj = sli.interp_decomp(image, 20, rand=True, rng=0)
    scipy_err = np.linalg.norm(image - image[:, idx[:20]] @ sli.reconstruct_interp_matrix(idx, proj))
    tail = np.sqrt(np.sum(np.linalg.svd(image, compute_uv=False)[20:] ** 2))
    assert abs(scipy_err / tail - det) < 1e-9


def test_q15_geometric_spectrum_and_loud_columns():
    """Q15/E13 on U diag(0.9^i) Vᵀ (200×300, with_spectrum seed 0): det 1.427, greedy-total 1.507 (loses
    here), sketch 1.563, column sampling 1.801; with the first 5 columns ×30, column sampling is 6.17
    [4.90, 7.57], 4.6× CPQR's 1.339 (the post's "column sampling is often better" fails)."""
    A = matrices.with_spectrum(0.9 ** np.arange(200), 200, 300, seed=0).numpy()
    det, greedy, sketch, sample = q15_ratios(A)
    assert_close([det, greedy, sketch.mean(), sample.mean()], [1.427, 1.507, 1.563, 1.801], 5e-4, "geo", rel=False)
    A[:, :5] *= 30
    det, greedy, sketch, sample = q15_ratios(A)
    assert_close([det, greedy, sketch.mean()], [1.339, 1.382, 1.464], 5e-4, "loud", rel=False)
    assert_close([sample.mean(), sample.min(), sample.max()], [6.17, 4.90, 7.57], 5e-3, "loud colsample", rel=False)
    assert abs(sample.mean() / det - 4.6) < 0.05


def test_greedy_total_refuses_wide_inputs():
    with pytest.raises(ValueError):
        idec.id_greedy_total(torch.zeros((4, idec.GREEDY_TOTAL_MAX_COLS + 1), dtype=F64), 2)


def test_interpolative_bound_holds_for_the_max_volume_subset():
    """CGMR: the maximum-volume column subset has |Z| ≤ 1 (Cramer's rule) and ‖M − CZ‖_2 ≤
    (1 + r(m−r))^{1/2} σ_{r+1}; found by brute force over all C(8, 3) subsets."""
    M = np.random.default_rng(4).standard_normal((6, 8))
    r = 3
    best = max(itertools.combinations(range(8), r), key=lambda s: np.linalg.det(M[:, s].T @ M[:, s]))
    c = M[:, best]
    z = np.linalg.pinv(c) @ M
    assert np.abs(z).max() <= 1 + 1e-12
    bound = curves.interpolative_bound(torch.as_tensor(np.linalg.svd(M, compute_uv=False)), 8)[r]
    assert np.linalg.norm(M - c @ z, 2) <= float(bound)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(4, 12), m=st.integers(4, 12), data=st.data())
def test_every_id_route_has_optimal_z_and_error_above_eym(seed, n, m, data):
    """Hypothesis: for every ID route Z = C^†M (numpy lstsq) and the error is ≥ the EYM tail."""
    r = data.draw(st.integers(1, min(n, m) - 1))
    M = torch.as_tensor(np.random.default_rng(seed).standard_normal((n, m)))
    tail = np.sqrt(np.sum(np.linalg.svd(M.numpy(), compute_uv=False)[r:] ** 2))
    routes = [idec.id_cpqr(M, r), idec.id_sketch(M, r, seed=seed), idec.id_colsample(M, r, seed=seed),
              idec.id_greedy_total(M, r), idec.id_from_columns(M, idec.cpqr(M, r, route="torch").piv[:r])]
    for decomposition in routes:
        c = M.numpy()[:, decomposition.cols.numpy()]
        assert_close(decomposition.z, np.linalg.lstsq(c, M.numpy(), rcond=None)[0], 1e-9, "Z = C^+ M")
        assert relative_residual(M, decomposition) >= tail * (1 - 1e-12)
