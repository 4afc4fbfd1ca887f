"""Low-rank series (低秩近似之路): the package's routes against numpy, SciPy, scikit-learn and torch.

What is timed against what (brief ``low-rank.md`` §7). Each time is the median of ``--repeats`` runs (default
5; 3 with ``--quick``) taken round-robin over a table's routes, so that load changes on a shared machine hit
every route alike. ``t/ref`` is that median over the median of the table's reference (named in its title) on
the CPU: below 1 the route is faster. numpy/SciPy/scikit-learn run under
``threadpoolctl.threadpool_limits(threads)``, torch under :func:`kexue_viz.device.configure_threads`
(``--threads``, default 1). float64 throughout.

Test matrix of tables 2-4: ``M = Q₁ diag(σ) Q₂ᵀ`` (n×n, Haar factors,
:func:`kexue_viz.lowrank.matrices.with_spectrum`) with ``σ_j = 1/j`` for j ≤ 500 and 0 beyond: a slowly
decaying spectrum, and the Eckart–Young–Mirsky optimum ``tail_F(r)`` is known without an SVD.
``err/EYM`` is ``‖M − M̂‖_F / tail_F(r)`` (1 is optimal); r = 50 unless stated.

1. **pinv** of ``A ∈ R^{n×n/4}``, ``σ = logspace(0, −6)`` (κ = 1e6): :func:`kexue_viz.lowrank.pinv.pinv` routes
   svd, normal (``check_rank=False``), tikhonov (ε = 1e−8), eig, lstsq against numpy pinv (reference),
   SciPy and torch pinv, numpy and SciPy ``lstsq(A, I)``. ``rel. error`` is ``‖X − A^†‖_F/‖A^†‖_F`` with
   ``A^† = Q₂ diag(1/σ) Q₁ᵀ`` from the factors A was built from.
   Checks: the svd and lstsq routes within 10× numpy's error; tikhonov equal to its closed-form gap
   (:func:`~kexue_viz.lowrank.pinv.tikhonov_gap_norm`) to 1e−3.
2. **truncated SVD**, r ∈ {10, 50, 100}: :func:`kexue_viz.lowrank.rsvd.rsvd` (p = 10, q ∈ {0, 1, 2} and
   scikit-learn's ``'auto'``) against the full numpy SVD (reference) and torch SVD, ``scipy.sparse.linalg.svds``,
   scikit-learn ``randomized_svd`` (``n_iter`` auto and 0) and ``torch.svd_lowrank`` (niter 0 and 2).
   Checks: every err/EYM ≥ 1 − 1e−9; ours within HMT's bound ``1 + (1 + r/(p − 1))^{1/2}`` (Thm 10.5 for the
   range, plus the truncation term of Thm 9.3); ours with q = auto equal to scikit-learn's (same Ω) to 1e−8.
3. **CPQR / ID**: :func:`~kexue_viz.lowrank.idec.id_cpqr` (``cpqr`` route auto: LAPACK geqp3 on the CPU, the
   partial torch loop on a GPU; and the torch loop forced), :func:`~kexue_viz.lowrank.idec.id_sketch`,
   :func:`~kexue_viz.lowrank.idec.id_colsample` against the full ``scipy.linalg.qr(pivoting=True)``
   (reference; its err is ``‖R[r:, r:]‖_F``) and ``scipy.linalg.interpolative.interp_decomp`` rand=False/True.
   Checks: our pivots (both CPQR routes) equal SciPy's, in order; our CPQR-ID error equals rand=False's to
   1e−8; every err/EYM ≥ 1 − 1e−9.
4. **CUR** (``U* = C^†MR^†``): DEIM on the factors of :func:`~kexue_viz.lowrank.rsvd.rsvd` (q = 0, 2) and
   top rank-r leverage scores (full SVD, rSVD q = 2) against full-SVD DEIM
   (:func:`~kexue_viz.lowrank.cur.deim_cur`, reference); a CUR-ID (columns by ``id_sketch``, rows by CPQR of
   ``Cᵀ``, after Voronin–Martinsson). Check: every err/EYM ≥ 1 − 1e−9.
5. **CR matmul** ``XY ≈ X[:, S] diag(λ) Y[S, :]``, n = m = 512, X heavy-tailed
   (:func:`~kexue_viz.lowrank.matrices.heavy_tailed_product`, α = 2), l ∈ {4096, 16384, 65536}, r i.i.d.
   draws with ``p ∝ ‖x_i‖‖y_i‖`` (r = l/64, l/16, l/4) against ``X @ Y``: the sampled product with p given, and
   p itself (:func:`~kexue_viz.lowrank.cr.cr_probabilities`, its own row: a pass over X and Y, memory-bound);
   the speed-up ``t(XY)/t`` without and with p's time, next to l/r; ``err²/E`` = the mean squared error over the
   timed samples (one seed each) over the closed form :func:`~kexue_viz.lowrank.cr.cr_expected_error`.
   Check: ``err²/E`` in [0.5, 2].

n = 1000 and 2000; n = 4000 (not with ``--quick``) for the sketching routes only (their table's reference is
then its first row). ``--quick``: n = 400 (rank 200, r = 20), n = m = 256 and l = 2048 for CR, 3 repeats.
When torch sees a GPU (or ``KEXUE_VIZ_DEVICE=cuda``), the package's and torch's routes run again with the core
on that GPU (one untimed warm-up round, ``torch.cuda.synchronize()`` around every timed call); the numpy,
SciPy and scikit-learn rows stay CPU-only, and the cuda ``t/ref`` is against the same CPU reference.
The checks run on every device; any failure is listed at the end and the script exits with status 1.

Run: ``.venv/bin/python benchmarks/bench_low_rank.py [--quick] [--threads N] [--repeats R]``.
"""
from __future__ import annotations

import argparse
import contextlib
import math
import os
import sys
import time
from pathlib import Path
from typing import Callable, NamedTuple

import numpy as np
import scipy.linalg
import scipy.linalg.interpolative as sli
import scipy.sparse.linalg
import torch
from sklearn.utils.extmath import randomized_svd
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import benchmark_devices, fmt_ms, fmt_ratio, header, median_ms, print_table, time_call  # noqa: E402

from kexue_viz import device as kv_device  # noqa: E402
from kexue_viz.lowrank.cr import cr_draws, cr_expected_error, cr_probabilities, cr_sample_weights  # noqa: E402
from kexue_viz.lowrank.cur import cur, cur_approximation, deim, deim_cur, select_columns, singular_bases  # noqa: E402
from kexue_viz.lowrank.idec import cpqr, id_colsample, id_cpqr, id_sketch  # noqa: E402
from kexue_viz.lowrank.matrices import haar_orthogonal, heavy_tailed_product, with_spectrum  # noqa: E402
from kexue_viz.lowrank.pinv import pinv, tikhonov_gap_norm  # noqa: E402
from kexue_viz.lowrank.rsvd import rsvd  # noqa: E402
from kexue_viz.lowrank.svd import tail_norms  # noqa: E402

OVERSAMPLING = 10  # p of every randomised SVD
SPECTRUM_RANK = 500  # σ_j = 1/j for j ≤ 500, 0 beyond
KAPPA_DIGITS = 6  # pinv test matrix: σ = logspace(0, −6)
TIKHONOV_EPS = 1e-8
PINV_FACTOR = 10.0  # our svd/lstsq pinv errors ≤ 10× numpy's
EYM_SLACK = 1e-9  # err/EYM ≥ 1 − slack (nothing beats the optimum)
SAME_ERROR = 1e-8  # relative agreement of errors of the same algorithm
CR_BAND = (0.5, 2.0)  # mean sampled err² / closed-form expectation
SECOND_FULL_SVD_MAX_N = 1000  # torch's full SVD and full-SVD leverage CUR: each costs a reference's time
FAILURES: list[str] = []


class Route(NamedTuple):
    """A timed call; ``cpu_only`` for numpy/SciPy/scikit-learn routes (not rerun on a GPU)."""
    name: str
    run: Callable[[], object]
    cpu_only: bool = False


class Timed(NamedTuple):
    """Median ms of a route and the results of its timed calls, in order."""
    ms: float
    results: list


def check(condition: bool, message: str) -> None:
    """Record a failed accuracy check (listed at the end; the exit status becomes 1)."""
    if not condition:
        FAILURES.append(message)
        print(f"CHECK FAILED: {message}")


@contextlib.contextmanager
def core_on(device: torch.device):
    """The package's core on ``device`` inside the block: :func:`kexue_viz.device.get_device` reads
    ``KEXUE_VIZ_DEVICE`` once and caches it, so the variable is set and the cache cleared (both restored)."""
    previous = os.environ.get("KEXUE_VIZ_DEVICE")
    os.environ["KEXUE_VIZ_DEVICE"] = str(device)
    kv_device.get_device.cache_clear()
    try:
        yield
    finally:
        if previous is None:
            del os.environ["KEXUE_VIZ_DEVICE"]
        else:
            os.environ["KEXUE_VIZ_DEVICE"] = previous
        kv_device.get_device.cache_clear()


def measure(routes: list[Route], device: torch.device, repeats: int) -> dict[str, Timed]:
    """Time each route ``repeats`` times, round-robin, with the core on ``device`` (CPU-only routes are
    skipped on a GPU, which first gets one untimed warm-up round: cuSOLVER handles, allocator)."""
    routes = [route for route in routes if device.type == "cpu" or not route.cpu_only]
    seconds = {route.name: [] for route in routes}
    results = {route.name: [] for route in routes}
    with core_on(device):
        if device.type == "cuda":
            for route in routes:
                route.run()
        for _ in range(repeats):
            for route in routes:
                elapsed, result = time_call(route.run, device)
                seconds[route.name].append(elapsed)
                results[route.name].append(result)
    return {name: Timed(median_ms(seconds[name]), results[name]) for name in seconds}


def as_tensor(value, like: torch.Tensor) -> torch.Tensor:
    """A numpy or torch result as a float64 tensor on ``like``'s device (SciPy's ``svds`` returns reversed views,
    which torch refuses: numpy arrays are made contiguous first)."""
    if isinstance(value, np.ndarray):
        value = np.ascontiguousarray(value)
    return torch.as_tensor(value, dtype=torch.float64).to(like.device)


def relative_residual(M: torch.Tensor, approx, scale: float) -> float:
    """``‖M − approx‖_F / scale``."""
    return float(torch.linalg.matrix_norm(M - as_tensor(approx, M))) / scale


def rank_r(factors, r: int, like: torch.Tensor) -> torch.Tensor:
    """``U[:, :r] diag(S[:r]) Vh[:r]`` from any ``(U, S, Vh)`` (numpy or torch)."""
    U, S, Vh = (as_tensor(x, like) for x in factors)
    return (U[:, :r] * S[:r]) @ Vh[:r]


def spectrum(n: int) -> np.ndarray:
    """``σ_j = 1/j`` for j = 1 … min(n, 500)."""
    return 1.0 / np.arange(1, min(n, SPECTRUM_RANK) + 1)


def test_matrix(n: int, seed: int = 0) -> tuple[torch.Tensor, np.ndarray, torch.Tensor]:
    """``(M, M as numpy, tail_F(r) for r = 0 … rank)`` for the n×n matrix with :func:`spectrum`."""
    sigma = spectrum(n)
    with core_on(torch.device("cpu")):
        M = with_spectrum(sigma, n, n, seed)
    return M, M.numpy(), tail_norms(torch.as_tensor(sigma))


def emit(title: str, columns: list[str], rows: list[list[str]], left: int = 1) -> None:
    print(title)
    print_table(columns, rows, left=left)
    print()


def timing_cells(name: str, timed: dict, reference_ms: float) -> list[str]:
    """``ms, t/ref`` per device (``-`` where the route did not run there)."""
    cells = []
    for per_route in timed.values():
        ms = per_route[name].ms if name in per_route else None
        cells += [fmt_ms(ms), "-" if ms is None else fmt_ratio(ms / reference_ms)]
    return cells


def timing_columns(devices: list[torch.device]) -> list[str]:
    return [c for d in devices for c in (f"{d.type} ms", "t/ref")]


# ---- 1. pseudo-inverse -----------------------------------------------------------------------------------

def pinv_case(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(A, A^†, σ)``: ``A = Q₁ diag(σ) Q₂ᵀ ∈ R^{n×n/4}`` with Haar ``Q₁, Q₂`` and ``A^† = Q₂ diag(1/σ) Q₁ᵀ``."""
    m = n // 4
    sigma = np.logspace(0, -KAPPA_DIGITS, m)
    rng = np.random.default_rng(seed)
    q1, q2 = haar_orthogonal(n, m, rng), haar_orthogonal(m, m, rng)
    return (q1 * sigma) @ q2.T, (q2 / sigma) @ q1.T, sigma


def pinv_table(n: int, devices, repeats: int) -> None:
    A_np, exact, sigma = pinv_case(n)
    eye = np.eye(n)
    scale = float(np.linalg.norm(exact))
    exact_t = torch.as_tensor(exact)
    timed = {}
    for device in devices:
        A = torch.as_tensor(A_np).to(device)
        routes = [
            Route("numpy pinv (ref)", lambda: np.linalg.pinv(A_np), True),
            Route("scipy pinv", lambda: scipy.linalg.pinv(A_np), True),
            Route("numpy lstsq(A, I)", lambda: np.linalg.lstsq(A_np, eye, rcond=None)[0], True),
            Route("scipy lstsq(A, I)", lambda: scipy.linalg.lstsq(A_np, eye)[0], True),
            Route("torch.linalg.pinv", lambda: torch.linalg.pinv(A)),
            Route("ours svd", lambda: pinv(A, "svd")),
            Route("ours normal", lambda: pinv(A, "normal", check_rank=False)),
            Route(f"ours tikhonov ε={TIKHONOV_EPS:g}", lambda: pinv(A, "tikhonov", eps=TIKHONOV_EPS)),
            Route("ours eig", lambda: pinv(A, "eig")),
            Route("ours lstsq", lambda: pinv(A, "lstsq")),
        ]
        timed[device] = measure(routes, device, repeats)
    gap = float(tikhonov_gap_norm(torch.as_tensor(sigma), torch.tensor([TIKHONOV_EPS]))[0]) / scale
    errors = {}
    for device, per_route in timed.items():
        errors[device] = {name: relative_residual(exact_t, t.results[-1], scale)
                          for name, t in per_route.items()}
    reference_error = errors[devices[0]]["numpy pinv (ref)"]
    for device, errs in errors.items():
        for name in ("ours svd", "ours lstsq"):
            check(errs[name] <= PINV_FACTOR * reference_error + 1e-14,
                  f"pinv n={n} {device} {name}: error {errs[name]:.1e} > {PINV_FACTOR:g}× numpy's "
                  f"{reference_error:.1e}")
        tik = errs[f"ours tikhonov ε={TIKHONOV_EPS:g}"]
        check(abs(tik - gap) <= 1e-3 * gap, f"pinv n={n} {device} tikhonov error {tik:.6e} vs closed form {gap:.6e}")
    rows = [[name, *timing_cells(name, timed, timed[devices[0]]["numpy pinv (ref)"].ms),
             f"{errors[devices[0]][name]:.1e}"] for name in timed[devices[0]]]
    emit(f"1. pinv of A ∈ R^{{{n}×{n // 4}}}, κ = 1e{KAPPA_DIGITS} (ref: numpy pinv; closed-form Tikhonov gap "
         f"{gap:.3e})", ["route", *timing_columns(devices), "rel. error"], rows)


# ---- 2. truncated SVD ------------------------------------------------------------------------------------

def hmt_truncated_factor(r: int, p: int = OVERSAMPLING) -> float:
    """``1 + (1 + r/(p − 1))^{1/2}``: HMT Thm 10.5 bounds ``E‖M − QQᵀM‖_F`` by ``(1 + r/(p−1))^{1/2} tail_F(r)``, and
    truncating ``QQᵀM`` to rank r adds at most ``tail_F(r)`` (Thm 9.3)."""
    return 1.0 + math.sqrt(1.0 + r / (p - 1))


def sketch_svd_routes(M: torch.Tensor, M_np: np.ndarray, r: int, with_auto: bool) -> list[Route]:
    """The randomised routes at rank r (scikit-learn's n_iter='auto' ones only when ``with_auto``)."""
    l = r + OVERSAMPLING
    routes = [Route(f"ours rsvd q={q}", lambda q=q: rsvd(M, r, OVERSAMPLING, q)) for q in (0, 1, 2)]
    routes += [Route(f"torch.svd_lowrank niter={q}", lambda q=q: lowrank_factors(M, l, q)) for q in (0, 2)]
    routes += [
               Route("sklearn randomized_svd n_iter=0",
                     lambda: randomized_svd(M_np, r, n_oversamples=OVERSAMPLING, n_iter=0, random_state=0), True)]
    if with_auto:
        routes += [Route("ours rsvd q=auto", lambda: rsvd(M, r, OVERSAMPLING, "auto")),
                   Route("sklearn randomized_svd auto",
                         lambda: randomized_svd(M_np, r, n_oversamples=OVERSAMPLING, random_state=0), True)]
    return routes


def lowrank_factors(M: torch.Tensor, l: int, niter: int):
    """``(U, S, Vh)`` of ``torch.svd_lowrank(M, q=l, niter=niter)`` (which returns V, not Vh), torch's generator
    seeded with 0 first so that its Gaussian test matrix, hence its error, is the same on every run."""
    torch.manual_seed(0)
    U, S, V = torch.svd_lowrank(M, q=l, niter=niter)
    return U, S, V.mT


def svd_tables(n: int, ranks, devices, repeats: int, sketch_only: bool) -> None:
    M_cpu, M_np, tails = test_matrix(n)
    full = {}
    if not sketch_only:
        for device in devices:
            M = M_cpu.to(device)
            routes = [Route("numpy svd (ref)", lambda: np.linalg.svd(M_np, full_matrices=False), True)]
            if n <= SECOND_FULL_SVD_MAX_N:
                routes.append(Route("torch.linalg.svd", lambda: torch.linalg.svd(M, full_matrices=False)))
            full[device] = measure(routes, device, repeats)
    for r in ranks:
        timed = {}
        for device in devices:
            M = M_cpu.to(device)
            routes = sketch_svd_routes(M, M_np, r, with_auto=not sketch_only)
            if not sketch_only:
                routes.append(Route("scipy svds (ARPACK)",
                                    lambda: scipy.sparse.linalg.svds(M_np, k=r, rng=np.random.default_rng(0)), True))
            timed[device] = {**full.get(device, {}), **measure(routes, device, repeats)}
        tail = float(tails[r])
        rows = []
        reference = "numpy svd (ref)" if not sketch_only else "sklearn randomized_svd n_iter=0"
        for name in timed[devices[0]]:
            ratios = {}
            for device, per_route in timed.items():
                if name not in per_route:
                    continue
                M = M_cpu.to(device)
                value = relative_residual(M, rank_r(per_route[name].results[-1], r, M), tail)
                ratios[device] = value
                check(value >= 1 - EYM_SLACK, f"svd n={n} r={r} {device} {name}: err/EYM {value:.6f} < 1")
                if name.startswith("ours rsvd"):
                    check(value <= hmt_truncated_factor(r),
                          f"svd n={n} r={r} {device} {name}: err/EYM {value:.4f} > HMT {hmt_truncated_factor(r):.4f}")
            rows.append([name, *timing_cells(name, timed, timed[devices[0]][reference].ms),
                         f"{ratios[devices[0]]:.4f}"])
        if "ours rsvd q=auto" in timed[devices[0]]:
            ours = relative_residual(M_cpu, rank_r(timed[devices[0]]["ours rsvd q=auto"].results[-1], r, M_cpu), tail)
            theirs = relative_residual(M_cpu, rank_r(timed[devices[0]]["sklearn randomized_svd auto"].results[-1], r,
                                                     M_cpu), tail)
            check(abs(ours - theirs) <= SAME_ERROR * theirs,
                  f"svd n={n} r={r}: ours q=auto err/EYM {ours:.10f} ≠ sklearn's {theirs:.10f}")
        ref_note = "numpy svd, full" if not sketch_only else f"{reference}; sketching routes only"
        emit(f"2. truncated SVD, n = {n}, r = {r}, p = {OVERSAMPLING} (ref: {ref_note}; HMT bound on err/EYM "
             f"{hmt_truncated_factor(r):.2f})", ["route", *timing_columns(devices), "err/EYM"], rows)


# ---- 3. CPQR and interpolative decompositions ------------------------------------------------------------

def interp_matrix(result) -> tuple[np.ndarray, np.ndarray]:
    """``(cols, Z)`` of a SciPy ``interp_decomp`` result at rank ``proj.shape[0]``."""
    idx, proj = result
    return idx[:proj.shape[0]], sli.reconstruct_interp_matrix(idx, proj)


def id_table(n: int, r: int, devices, repeats: int, sketch_only: bool) -> None:
    M_cpu, M_np, tails = test_matrix(n)
    tail = float(tails[r])
    timed = {}
    for device in devices:
        M = M_cpu.to(device)
        routes = [] if sketch_only else [
            Route("scipy qr pivoting, full (ref)",
                  lambda: scipy.linalg.qr(M_np, pivoting=True, mode="economic"), True),
            Route("interp_decomp rand=False", lambda: sli.interp_decomp(M_np, r, rand=False), True),
            Route("ours id_cpqr (auto)", lambda: id_cpqr(M, r)),
            Route("ours id_cpqr (torch loop)", lambda: id_cpqr(M, r, cpqr(M, r, route="torch")))]
        routes += [Route("interp_decomp rand=True",
                         lambda: sli.interp_decomp(M_np, r, rand=True, rng=np.random.default_rng(0)), True),
                   Route("ours id_sketch", lambda: id_sketch(M, r)),
                   Route("ours id_colsample", lambda: id_colsample(M, r))]
        timed[device] = measure(routes, device, repeats)
    rows = []
    reference = next(iter(timed[devices[0]]))
    for name in timed[devices[0]]:
        errors = {}
        for device, per_route in timed.items():
            if name not in per_route:
                continue
            M = M_cpu.to(device)
            result = per_route[name].results[-1]
            if name.startswith("scipy qr"):
                errors[device] = float(np.linalg.norm(result[1][r:, r:])) / tail
            elif name.startswith("interp_decomp"):
                cols, z = interp_matrix(result)
                errors[device] = relative_residual(M, M_np[:, cols] @ z, tail)
            else:
                errors[device] = relative_residual(M, M[:, result.cols] @ result.z, tail)
            check(errors[device] >= 1 - EYM_SLACK, f"id n={n} {device} {name}: err/EYM {errors[device]:.6f} < 1")
        rows.append([name, *timing_cells(name, timed, timed[devices[0]][reference].ms), f"{errors[devices[0]]:.4f}"])
    if not sketch_only:
        scipy_pivots = timed[devices[0]]["scipy qr pivoting, full (ref)"].results[-1][2][:r]
        interp_cols, interp_z = interp_matrix(timed[devices[0]]["interp_decomp rand=False"].results[-1])
        check(np.array_equal(interp_cols, scipy_pivots), f"id n={n}: interp_decomp rand=False pivots ≠ geqp3's")
        interp_error = relative_residual(M_cpu, M_np[:, interp_cols] @ interp_z, tail)
        for device, per_route in timed.items():
            M = M_cpu.to(device)
            for name in ("ours id_cpqr (auto)", "ours id_cpqr (torch loop)"):
                result = per_route[name].results[-1]
                check(np.array_equal(result.cols.cpu().numpy(), scipy_pivots),
                      f"id n={n} {device} {name}: pivots differ from SciPy's geqp3")
                ours = relative_residual(M, M[:, result.cols] @ result.z, tail)
                check(abs(ours - interp_error) <= SAME_ERROR * interp_error,
                      f"id n={n} {device} {name}: err/EYM {ours:.10f} ≠ interp_decomp's {interp_error:.10f}")
    note = "scipy qr pivoting, full" if not sketch_only else f"{reference}; sketching routes only"
    emit(f"3. CPQR / ID, n = {n}, r = {r} (ref: {note})", ["route", *timing_columns(devices), "err/EYM"], rows)


# ---- 4. CUR ----------------------------------------------------------------------------------------------

def deim_on_rsvd(M: torch.Tensor, r: int, q: int):
    """CUR with rows by DEIM on U and columns by DEIM on V of :func:`rsvd` (p = 10, q), middle ``U*``."""
    U, _, Vh = rsvd(M, r, OVERSAMPLING, q)
    return cur(M, deim(U).indices, deim(Vh.mT).indices)


def leverage_cur(M: torch.Tensor, U: torch.Tensor, Vh: torch.Tensor, r: int):
    """CUR with the r rows and r columns of largest rank-r leverage score, middle ``U*``. The scores of M at
    rank r are those of ``Vhᵀ``'s orthonormal rows (``Uᵀ`` for rows), so ``select_columns`` runs on the small
    factors."""
    return cur(M, select_columns(U.mT, r, "leverage_top"), select_columns(Vh, r, "leverage_top"))


def cur_id(M: torch.Tensor, r: int):
    """CUR-ID (Voronin–Martinsson): columns by :func:`id_sketch`, rows by the first r CPQR pivots of ``Cᵀ``,
    middle ``U*``."""
    cols = id_sketch(M, r).cols
    return cur(M, cpqr(M[:, cols].mT, r).piv[:r], cols)


def cur_table(n: int, r: int, devices, repeats: int, sketch_only: bool) -> None:
    M_cpu, _, tails = test_matrix(n)
    tail = float(tails[r])
    timed = {}
    for device in devices:
        M = M_cpu.to(device)

        def leverage_full():
            U, _, V = singular_bases(M, r)
            return leverage_cur(M, U, V.mT, r)

        def leverage_rsvd():
            U, _, Vh = rsvd(M, r, OVERSAMPLING, 2)
            return leverage_cur(M, U, Vh, r)

        routes = [] if sketch_only else [Route("DEIM, full SVD (ref)", lambda: deim_cur(M, r))]
        if not sketch_only and n <= SECOND_FULL_SVD_MAX_N:
            routes.append(Route("leverage top, full SVD", leverage_full))
        routes += [Route("DEIM, rsvd q=0", lambda: deim_on_rsvd(M, r, 0)),
                   Route("DEIM, rsvd q=2", lambda: deim_on_rsvd(M, r, 2)),
                   Route("leverage top, rsvd q=2", leverage_rsvd),
                   Route("CUR-ID (sketch cols, CPQR rows)", lambda: cur_id(M, r))]
        timed[device] = measure(routes, device, repeats)
    rows = []
    reference = next(iter(timed[devices[0]]))
    for name in timed[devices[0]]:
        errors = {}
        for device, per_route in timed.items():
            M = M_cpu.to(device)
            errors[device] = relative_residual(M, cur_approximation(M, per_route[name].results[-1]), tail)
            check(errors[device] >= 1 - EYM_SLACK, f"cur n={n} {device} {name}: err/EYM {errors[device]:.6f} < 1")
        rows.append([name, *timing_cells(name, timed, timed[devices[0]][reference].ms), f"{errors[devices[0]]:.4f}"])
    note = "DEIM on the full SVD" if not sketch_only else f"{reference}; sketching routes only"
    emit(f"4. CUR, n = {n}, r = {r}, middle U* = C^†MR^† (ref: {note})",
         ["route", *timing_columns(devices), "err/EYM"], rows)


# ---- 5. CR approximation of a product ----------------------------------------------------------------------

def sampled_product(X: torch.Tensor, Y: torch.Tensor, p: torch.Tensor, r: int, seed: int) -> torch.Tensor:
    """``X[:, S] diag(λ) Y[S, :]`` from r i.i.d. draws from ``p`` (:func:`cr_probabilities`), ``λ_i = count_i/(r p_i)``
    (post 3's unbiased estimator; duplicates merged): :func:`cr_draws`, :func:`cr_sample_weights`."""
    draws = cr_draws(p, r, seed=seed)[0]
    indices = torch.unique(draws)
    weights = cr_sample_weights(draws, p)[indices]
    return (X[:, indices] * weights) @ Y[indices]


def cr_table(side: int, inners, devices, repeats: int) -> None:
    rows = []
    for l in inners:
        x_np, y_np = heavy_tailed_product(side, l, side, np.random.default_rng(0), alpha=2.0)
        ranks = (l // 64, l // 16, l // 4)
        names = {r: f"sampled r = l/{l // r}" for r in ranks}
        timed, ratios = {}, {}
        for device in devices:
            with core_on(device):
                X, Y = torch.as_tensor(x_np).to(device), torch.as_tensor(y_np).to(device)
                p = cr_probabilities(X, Y)
            seeds = iter(range(10 ** 6))
            routes = [Route("X @ Y (ref)", lambda: X @ Y),
                      Route("p = cr_probabilities", lambda: cr_probabilities(X, Y))]
            routes += [Route(names[r], lambda r=r: sampled_product(X, Y, p, r, next(seeds))) for r in ranks]
            timed[device] = measure(routes, device, repeats)
            product = timed[device]["X @ Y (ref)"].results[-1]
            with core_on(device):
                for r in ranks:
                    errors = torch.stack([(a - product).square().sum() for a in timed[device][names[r]].results])
                    ratios[device, r] = float(errors.mean()) / float(cr_expected_error(X, Y, r))
                    check(CR_BAND[0] <= ratios[device, r] <= CR_BAND[1],
                          f"cr l={l} r={r} {device}: mean err²/E = {ratios[device, r]:.3f} outside {CR_BAND}")
        reference_ms = timed[devices[0]]["X @ Y (ref)"].ms

        def cells(name: str, with_p: bool) -> list[str]:
            out = []
            for d in devices:
                ms = timed[d][name].ms
                total = ms + timed[d]["p = cr_probabilities"].ms if with_p else None
                out += [fmt_ms(ms), fmt_ratio(reference_ms / ms),
                        "-" if total is None else fmt_ratio(reference_ms / total)]
            return out

        rows.append([str(l), "-", "-", *cells("X @ Y (ref)", False), "-"])
        rows.append([str(l), "p", "-", *cells("p = cr_probabilities", False), "-"])
        rows += [[str(l), str(r), str(l // r), *cells(names[r], True), f"{ratios[devices[0], r]:.3f}"] for r in ranks]
    emit(f"5. CR matmul, X ∈ R^{{{side}×l}} heavy-tailed (α = 2), Y ∈ R^{{l×{side}}}, p ∝ ‖x_i‖‖y_i‖ (rows r: "
         f"sampled product with p given; speed-up = t(X@Y on CPU)/t, +p: with p's time added; err²/E = mean "
         f"over {repeats} seeds / closed form)",
         ["l", "r", "l/r", *[c for d in devices for c in (f"{d.type} ms", "speed-up", "+p")], "err²/E"], rows, left=0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="n = 400, CR at 256×2048×256, 3 repeats")
    parser.add_argument("--threads", type=int, default=1, help="threads for torch and for numpy/SciPy BLAS")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    started = time.perf_counter()
    repeats = 3 if args.quick else args.repeats
    sizes, sketch_sizes = ([400], []) if args.quick else ([1000, 2000], [4000])
    ranks = (20,) if args.quick else (10, 50, 100)
    r = 20 if args.quick else 50
    cr_side, cr_inners = (256, [2048]) if args.quick else (512, [4096, 16384, 65536])
    devices = benchmark_devices("all")
    kv_device.configure_threads(args.threads)
    with threadpool_limits(limits=args.threads):
        header("Low-rank routes vs numpy/SciPy/scikit-learn/torch: medians in ms; t/ref = t / t(reference on CPU); "
               f"threadpoolctl and torch at {args.threads} thread(s); {repeats} repeats")
        for n in sizes:
            pinv_table(n, devices, repeats)
        for n in sizes:
            svd_tables(n, ranks, devices, repeats, sketch_only=False)
        for n in sketch_sizes:
            svd_tables(n, (50,), devices, repeats, sketch_only=True)
        for n in sizes:
            id_table(n, r, devices, repeats, sketch_only=False)
        for n in sketch_sizes:
            id_table(n, r, devices, repeats, sketch_only=True)
        for n in sizes:
            cur_table(n, r, devices, repeats, sketch_only=False)
        for n in sketch_sizes:
            cur_table(n, r, devices, repeats, sketch_only=True)
        cr_table(cr_side, cr_inners, devices, repeats)
    load = os.getloadavg()
    print(f"total {time.perf_counter() - started:.0f} s; loadavg at the end (1m, 5m, 15m) = "
          f"{load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f}")
    if FAILURES:
        print(f"{len(FAILURES)} accuracy check(s) failed:")
        for message in FAILURES:
            print(f"  {message}")
        return 1
    print("all accuracy checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
