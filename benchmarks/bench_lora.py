"""The LoRA series (brief ../shared/spec/lora.md §7): closed forms of kexue_viz.lora against naive routes.

Items (times are best-of-N with ``time.perf_counter``, CUDA synchronised; ratios = naive / efficient):

1. LoRA-Pro: (H_A, H_B) and G̃ = H_A B + A H_B from (G_A, G_B, A, B). Closed form:
   :func:`kexue_viz.lora.pro.pro_directions` (C = sylvester) plus the n×m write of G̃. Naive routes:
   (i) dense Kronecker least squares over [vec H_A; vec H_B] (``torch.linalg.lstsq``, gelsd, d ≤ 64);
   (ii) matrix-free CG on the normal equations, whose right-hand side is (G_A, G_B) itself, and
   ``scipy.sparse.linalg.lsqr`` with a ``LinearOperator``: per iteration the n×m temporary
   H_A B + A H_B and two O(nmr) products. Both start from x0 = (G_A, G_B): their iterates stay in
   x0 + range(LᵀL), so they converge to the solution closest to (G_A, G_B), which is LoRA-Pro's Sylvester
   choice (10266 (23)); H_A and H_B are compared as well as G̃, within κ(ρ_route + ρ_closed) (κ of LᵀL on
   its range, ρ the normal residuals; ``check_route``). Stopping: ‖LᵀL x − LᵀG‖ ≤ rtol‖LᵀG‖,
   rtol = 1e-10 (float64) / 1e-5 (float32); lsqr with atol = btol = rtol. Data: G ~ N(0, 1), and the
   forward-stable factors of 10001, A ~ N(0, 1/n), B ~ N(0, 1/r) (BBᵀ ≈ (m/r)·AᵀA: CG needs tens of
   iterations). "r×r" is the time of the closed form's r×r work (one batched ``eigh`` of AᵀA and BBᵀ,
   the two inverses and the Sylvester solve from it, :class:`Grams`) on precomputed r×r inputs, as a
   share of the closed form.
2. CPU vs GPU (only when torch sees CUDA): the closed form and CG of item 1 on both devices.
3. The Sylvester equation AᵀA·C + C·BBᵀ = −AᵀG_A(BBᵀ)⁻¹ (r ∈ {8, 64}): ``sylvester_eigh`` (two r×r
   ``eigh``), ``scipy.linalg.solve_sylvester`` (Bartels–Stewart) and the authors' complex ``eig`` route;
   single solves and 32 layers (batched in torch, a loop in scipy); share of item 1's closed form.
4. LoRA-GA init (float32): its SVD step, :func:`gradient_svd` (top 2r, svd_flip), with ``svd="full"`` vs
   ``svd="lowrank"`` (svd_lowrank, q = 4r, niter = 4; the full SVD timed without warm-up), r = 8, on
   G = U diag(σ) Vᵀ with σ_k = 1/k, and the largest sine of the principal angles between the computed
   and the true top-2r singular subspaces (left and right). A flat spectrum σ_k = k^-0.1 shows the
   failure (and must raise the core's warning).
5. LoRA gradients, form (4) G = XᵀL_Y then (GBᵀ, AᵀG), vs form (5) from the activations, b = 16, r = 8.
6. LoRA-Pro Adam state: 2nm (full moments) vs 2r(n+m) (per-factor), checked on a real optimizer step.
7. Batched LoRA+ sweep (:func:`kexue_viz.lora.runners.loraplus_sweep`, K = 13 × 7 = 91, 200 SGD steps
   on the canonical linear problem) vs a Python loop of the same function at K = 1.
8. A live move of the LoRA dashboard's r, lr or steps control: each of the five main methods retrained on the
   canonical linear problem (SGD, η = 0.5, LoRA-Pro with C = sylvester) with every diagnostic and the
   record the views read (:func:`kexue_viz.lora.runners.run` + :func:`kexue_viz.lora.pipeline.record`), at
   100 and 200 steps; then LoRA, LoRA+ and LoRA-GA as the one batch the dashboard trains
   (:func:`kexue_viz.lora.runners.run_batch`), and a move as the dashboard makes it (full + batch + LoRA-Pro);
   the dashboard's budget is "well under 100 ms" per move in all (issue 14).

One thread everywhere (torch and, through threadpoolctl, numpy/scipy BLAS). Every item checks its
routes against each other; the script exits 1 if any check fails.

Run: ``.venv/bin/python benchmarks/bench_lora.py [--quick] [--device all|cpu|cuda] [--cg-timeout S]``.
"""
from __future__ import annotations

import argparse
import dataclasses
import math
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import scipy.linalg
import scipy.sparse.linalg
import torch
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import benchmark_devices, fmt_ms, fmt_ratio, header, print_table, sync, time_call  # noqa: E402

from kexue_viz.lora.adapters import gradient_svd, lora_grads, lora_grads_from_activations  # noqa: E402
from kexue_viz.lora.problems import LinearProblem  # noqa: E402
from kexue_viz.lora.pro import (Grams, LoRAProOptimizer, gram_inverse, pro_directions, pro_state_floats,  # noqa: E402
                                sylvester_eigh, sylvester_from_eigh)
from kexue_viz.lora.pipeline import record  # noqa: E402
from kexue_viz.lora.runners import (BATCHED_METHODS, MAIN_METHODS, RunSettings, grid, loraplus_sweep, run,  # noqa: E402
                                    run_batch)

RTOL = {torch.float64: 1e-10, torch.float32: 1e-5}
DENSE_AGREE = 1e-10
CROSS_DEVICE = {torch.float64: 1e-10, torch.float32: 1e-3}  # the same closed form on the CPU and a GPU
FAILURES: list[str] = []


def check(ok: bool, message: str) -> None:
    """Record a failed accuracy check (printed now, turned into exit status 1 at the end)."""
    if not ok:
        FAILURES.append(message)
        print(f"CHECK FAILED: {message}")


def best_ms(fn, device: torch.device, repeats: int, number: int = 1, warmup: bool = True):
    """``(best ms per call over `repeats` samples of `number` calls, last result)``, after one untimed
    warm-up call if ``warmup``."""
    result = fn() if warmup else None
    samples = []
    for _ in range(repeats):
        sync(device)
        start = time.perf_counter()
        for _ in range(number):
            result = fn()
        sync(device)
        samples.append((time.perf_counter() - start) / number)
    return 1e3 * min(samples), result


def rel(got: torch.Tensor, want: torch.Tensor) -> float:
    """max|got − want| / max|want| (on the CPU, float64)."""
    got, want = got.detach().cpu().double(), want.detach().cpu().double()
    return float((got - want).abs().max() / want.abs().max())


def dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).replace("torch.", "")


# ---------------------------------------------------------------------------------------------------
# item 1: LoRA-Pro closed form vs least squares


def pro_case(d: int, r: int, dtype: torch.dtype, device: torch.device, seed: int = 0):
    """Seeded (G, G_A, G_B, A, B) for n = m = d: G ~ N(0, 1), A ~ N(0, 1/n), B ~ N(0, 1/r) (drawn in float64
    on the CPU, then cast and moved); G_A = GBᵀ, G_B = AᵀG (s = 1)."""
    generator = torch.Generator().manual_seed(seed + 1000 * d + r)
    G = torch.randn(d, d, generator=generator, dtype=torch.float64)
    A = torch.randn(d, r, generator=generator, dtype=torch.float64) / math.sqrt(d)
    B = torch.randn(r, d, generator=generator, dtype=torch.float64) / math.sqrt(r)
    G, A, B = (x.to(dtype=dtype, device=device) for x in (G, A, B))
    G_A, G_B = lora_grads(G, A, B)
    return G, G_A, G_B, A, B


def closed_form(G_A, G_B, A, B):
    """LoRA-Pro's (H_A, H_B) with C = sylvester and the equivalent gradient G̃ = H_A B + A H_B."""
    H_A, H_B = pro_directions(G_A, G_B, A, B, C="sylvester")
    return H_A, H_B, H_A @ B + A @ H_B


def rr_solves(gram_A, gram_B, R):
    """The r×r work of the closed form: one batched ``eigh`` of AᵀA and BBᵀ, their inverses and the Sylvester
    solve from the same decompositions (:class:`~kexue_viz.lora.pro.Grams`)."""
    grams = Grams(gram_A, gram_B)
    return grams.inv_A, grams.inv_B, sylvester_from_eigh(grams.eig_A, grams.eig_B, R)


def rr_inputs(G_A, A, B):
    gram_A, gram_B = A.mT @ A, B @ B.mT
    return gram_A, gram_B, -(A.mT @ G_A) @ gram_inverse(gram_B)


def normal_operator(A, B, H_A, H_B):
    """LᵀL(H_A, H_B) for L(H_A, H_B) = H_A B + A H_B: the n×m temporary, then (W Bᵀ, AᵀW)."""
    W = H_A @ B + A @ H_B
    return W @ B.mT, A.mT @ W


def normal_residual(G_A, G_B, A, B, H_A, H_B) -> float:
    """‖LᵀL(H_A, H_B) − (G_A, G_B)‖ / ‖(G_A, G_B)‖ in float64: CG's stopping quantity, for any solution."""
    G_A, G_B, A, B, H_A, H_B = (t.double() for t in (G_A, G_B, A, B, H_A, H_B))
    N_A, N_B = normal_operator(A, B, H_A, H_B)
    return math.sqrt(float((N_A - G_A).square().sum() + (N_B - G_B).square().sum())
                     / float(G_A.square().sum() + G_B.square().sum()))


def kappa(A, B) -> float:
    """Condition number of LᵀL on its range: its non-zero eigenvalues are λ_i, μ_j and λ_i + μ_j (λ of AᵀA,
    μ of BBᵀ), so κ = (λ_max + μ_max) / min(λ_min, μ_min)."""
    lam, mu = torch.linalg.eigvalsh((A.mT @ A).double()), torch.linalg.eigvalsh((B @ B.mT).double())
    return float((lam[-1] + mu[-1]) / torch.minimum(lam[0], mu[0]))


def solution_error(got, want) -> float:
    """‖(H_A, H_B) − (H_A*, H_B*)‖ / ‖(H_A*, H_B*)‖ (joint Frobenius norm, float64)."""
    num = sum(float((g.double().cpu() - w.double().cpu()).square().sum()) for g, w in zip(got[:2], want[:2]))
    return math.sqrt(num / sum(float(w.double().square().sum()) for w in want[:2]))


def check_route(name, got, want, data, residual_closed: float, label: str) -> float:
    """Check an iterative route against the closed form: two solutions with normal residuals ρ₁, ρ₂ (relative
    to ‖(G_A, G_B)‖) differ by at most κ(ρ₁ + ρ₂) relative to the solution (safety factor 2).
    Returns the max-abs relative difference over (H_A, H_B, G̃) for the table."""
    G_A, G_B, A, B = data
    residual = normal_residual(G_A, G_B, A, B, *got[:2])
    error, bound = solution_error(got, want), 2 * kappa(A, B) * (residual + residual_closed)
    check(error <= bound, f"{name} vs closed form {label}: error {error:.1e} > bound {bound:.1e} "
                          f"(residual {residual:.1e})")
    return agreement(got, want)


def cg_route(G_A, G_B, A, B, rtol: float, max_iter: int = 1000, timeout: float = math.inf):
    """Conjugate gradients on LᵀL x = LᵀG = (G_A, G_B), matrix-free, from x0 = (G_A, G_B), until
    ‖residual‖ ≤ rtol·‖(G_A, G_B)‖ (or ``timeout`` seconds).
    Returns (H_A, H_B, G̃, iterations, converged)."""
    start = time.perf_counter()
    x = [G_A.clone(), G_B.clone()]
    Nx = normal_operator(A, B, *x)
    res = [G_A - Nx[0], G_B - Nx[1]]
    p = [t.clone() for t in res]
    rho = sum(float((t * t).sum()) for t in res)
    target = rtol * math.sqrt(sum(float((t * t).sum()) for t in (G_A, G_B)))
    iterations = 0
    while math.sqrt(rho) > target and iterations < max_iter and time.perf_counter() - start < timeout:
        Np = normal_operator(A, B, *p)
        alpha = rho / sum(float((a * b).sum()) for a, b in zip(p, Np))
        for xi, ri, pi, Npi in zip(x, res, p, Np):
            xi.add_(pi, alpha=alpha)
            ri.sub_(Npi, alpha=alpha)
        rho_new = sum(float((t * t).sum()) for t in res)
        for pi, ri in zip(p, res):
            pi.mul_(rho_new / rho).add_(ri)
        rho, iterations = rho_new, iterations + 1
    H_A, H_B = x
    return H_A, H_B, H_A @ B + A @ H_B, iterations, math.sqrt(rho) <= target


def lsqr_route(G, G_A, G_B, A, B, rtol: float):
    """scipy ``lsqr`` on min ‖L(H_A, H_B) − G‖ with a ``LinearOperator`` (CPU numpy, the tensors' dtype),
    from x0 = (G_A, G_B), atol = btol = rtol. Returns (H_A, H_B, G̃, iterations) as torch tensors."""
    A_np, B_np, G_np = (t.cpu().numpy() for t in (A, B, G))
    (n, r), m = A_np.shape, B_np.shape[1]

    def matvec(x):
        H_A, H_B = x[:n * r].reshape(n, r), x[n * r:].reshape(r, m)
        return (H_A @ B_np + A_np @ H_B).ravel()

    def rmatvec(y):
        W = y.reshape(n, m)
        return np.concatenate([(W @ B_np.T).ravel(), (A_np.T @ W).ravel()])

    operator = scipy.sparse.linalg.LinearOperator((n * m, (n + m) * r), matvec=matvec, rmatvec=rmatvec,
                                                  dtype=G_np.dtype)
    x0 = np.concatenate([G_A.cpu().numpy().ravel(), G_B.cpu().numpy().ravel()])
    x, _, iterations = scipy.sparse.linalg.lsqr(operator, G_np.ravel(), atol=rtol, btol=rtol, iter_lim=5000,
                                                 x0=x0)[:3]
    x = x.astype(G_np.dtype)
    H_A, H_B = torch.from_numpy(x[:n * r].reshape(n, r).copy()), torch.from_numpy(x[n * r:].reshape(r, m).copy())
    return H_A, H_B, torch.from_numpy(matvec(x).reshape(n, m)), iterations


def kronecker_route(G, G_A, G_B, A, B):
    """Dense least squares over [vec H_A; vec H_B] (row-major vec): M = [I_n ⊗ Bᵀ, A ⊗ I_m] (nm × (n+m)r),
    the minimum-norm correction from x0 = (G_A, G_B) by ``lstsq`` (gelsd). Returns (H_A, H_B, G̃)."""
    (n, r), m = A.shape, B.shape[1]
    eye_n = torch.eye(n, dtype=A.dtype, device=A.device)
    eye_m = torch.eye(m, dtype=A.dtype, device=A.device)
    M = torch.cat([torch.kron(eye_n, B.mT.contiguous()), torch.kron(A, eye_m)], dim=1)
    x0 = torch.cat([G_A.reshape(-1), G_B.reshape(-1)])
    x = x0 + torch.linalg.lstsq(M, (G.reshape(-1) - M @ x0)[:, None], driver="gelsd").solution[:, 0]
    return x[:n * r].reshape(n, r), x[n * r:].reshape(r, m), (M @ x).reshape(n, m)


def agreement(got, want) -> float:
    """Largest relative difference over (H_A, H_B, G̃)."""
    return max(rel(g, w) for g, w in zip(got, want))


def dense_table(sizes, repeats: int) -> None:
    print("1(i) LoRA-Pro: closed form vs dense Kronecker lstsq (float64, CPU; ratio = lstsq / closed)")
    device, rows = torch.device("cpu"), []
    for d, r in sizes:
        G, G_A, G_B, A, B = pro_case(d, r, torch.float64, device)
        t_closed, want = best_ms(lambda: closed_form(G_A, G_B, A, B), device, repeats)
        t_dense, got = best_ms(lambda: kronecker_route(G, G_A, G_B, A, B), device, 1)
        error = agreement(got, want)
        check(error <= DENSE_AGREE, f"dense lstsq vs closed form d={d} r={r}: {error:.1e}")
        rows.append([str(d), str(r), f"{d * d}x{2 * d * r}", fmt_ms(t_closed), fmt_ms(t_dense),
                     fmt_ratio(t_dense / t_closed), f"{error:.1e}"])
    print_table(["d", "r", "system", "closed ms", "lstsq ms", "ratio", "max rel diff (H_A,H_B,G~)"], rows)
    print()


def iterative_row(d, r, dtype, device, repeats, with_lsqr: bool, timeout: float):
    """Times and checks of one item-1 configuration; returns the table cells and the closed-form ms."""
    G, G_A, G_B, A, B = pro_case(d, r, dtype, device)
    t_closed, want = best_ms(lambda: closed_form(G_A, G_B, A, B), device, repeats)
    residual = normal_residual(G_A, G_B, A, B, *want[:2])
    check(residual <= RTOL[dtype], f"closed form d={d} r={r} {dtype_name(dtype)}: normal residual {residual:.1e}")
    inputs = rr_inputs(G_A, A, B)
    t_rr, _ = best_ms(lambda: rr_solves(*inputs), device, repeats, number=20)
    seconds, (*got, iters, converged) = time_call(lambda: cg_route(G_A, G_B, A, B, RTOL[dtype], timeout=timeout),
                                                  device)
    t_cg, label = 1e3 * seconds, f"d={d} r={r} {dtype_name(dtype)}"
    cg_error = check_route("CG", got, want, (G_A, G_B, A, B), residual, label)
    cells = [str(d), str(r), dtype_name(dtype), f"{kappa(A, B):.0f}", fmt_ms(t_closed), f"{residual:.0e}",
             f"{100 * t_rr / t_closed:.1f}%",
             fmt_ms(t_cg), str(iters) + ("" if converged else " (timeout)"),
             ("" if converged else ">") + fmt_ratio(t_cg / t_closed), f"{cg_error:.1e}"]
    if with_lsqr:
        seconds, (*got, lsqr_iters) = time_call(lambda: lsqr_route(G, G_A, G_B, A, B, RTOL[dtype]), device)
        lsqr_error = check_route("lsqr", got, want, (G_A, G_B, A, B), residual, label)
        cells += [fmt_ms(1e3 * seconds), str(lsqr_iters), fmt_ratio(1e3 * seconds / t_closed), f"{lsqr_error:.1e}"]
    else:
        cells += ["-"] * 4
    return cells, t_closed, t_rr


def iterative_table(configs, device, repeats, timeout) -> dict:
    """Item 1(ii) on ``device``; ``configs``: (d, r, dtype, with_lsqr). Returns {(d, r, dtype): (closed, r×r) ms}."""
    print(f"1(ii) LoRA-Pro on {device}: closed form vs CG / lsqr (rtol 1e-10 f64, 1e-5 f32; ratio = route / closed)")
    rows, times = [], {}
    for d, r, dtype, with_lsqr in configs:
        cells, t_closed, t_rr = iterative_row(d, r, dtype, device, repeats, with_lsqr and device.type == "cpu",
                                              timeout)
        rows.append(cells)
        times[(d, r, dtype)] = (t_closed, t_rr)
        print("   ", "  ".join(cells), flush=True)
    print()
    print_table(["d", "r", "dtype", "κ", "closed ms", "closed res", "r×r share", "CG ms", "CG iters", "CG/closed",
                 "CG diff",
                 "lsqr ms", "lsqr iters", "lsqr/closed", "lsqr diff"], rows)
    print()
    return times


# ---------------------------------------------------------------------------------------------------
# item 2: CPU vs GPU


def device_table(cpu_times: dict, gpu_times: dict, gpu: torch.device) -> None:
    print(f"2. closed form CPU vs {torch.cuda.get_device_name(gpu)} (ratio = t_CPU / t_GPU)")
    rows = []
    for key in gpu_times:
        if key not in cpu_times:
            continue
        (cpu_closed, cpu_rr), (gpu_closed, gpu_rr) = cpu_times[key], gpu_times[key]
        d, r, dtype = key
        rows.append([str(d), str(r), dtype_name(dtype), fmt_ms(cpu_closed), fmt_ms(gpu_closed),
                     fmt_ratio(cpu_closed / gpu_closed), f"{100 * cpu_rr / cpu_closed:.1f}%",
                     f"{100 * gpu_rr / gpu_closed:.1f}%"])
    print_table(["d", "r", "dtype", "CPU ms", "GPU ms", "CPU/GPU", "r×r share CPU", "r×r share GPU"], rows)
    print()


def cross_device_check(configs, gpu: torch.device) -> None:
    """The same closed form on the CPU and the GPU agrees (relative to max|·|)."""
    for d, r, dtype, _ in configs:
        cpu_out = closed_form(*pro_case(d, r, dtype, torch.device("cpu"))[1:])
        gpu_out = closed_form(*pro_case(d, r, dtype, gpu)[1:])
        error = agreement(gpu_out, cpu_out)
        check(error <= CROSS_DEVICE[dtype], f"GPU vs CPU closed form d={d} r={r} {dtype_name(dtype)}: {error:.1e}")


# ---------------------------------------------------------------------------------------------------
# item 3: Sylvester


def sylvester_eig_complex(P, Q, R):
    """The authors' route for P·C + C·Q = R: complex ``eig`` of P and −Q, F = U⁻¹RV,
    C = U(F ⊘ (λ_i − s_j))V⁻¹."""
    lam, U = torch.linalg.eig(P)
    s, V = torch.linalg.eig(-Q)
    F = torch.linalg.solve(U, R.to(U.dtype) @ V)
    return (U @ (F / (lam[..., :, None] - s[..., None, :])) @ torch.linalg.inv(V)).real


def sylvester_residual(P, Q, R, C) -> float:
    return float((P @ C + C @ Q - R).abs().max() / R.abs().max())


def sylvester_table(ranks, d: int, layers: int, repeats: int, number: int, closed_ms: dict) -> None:
    print(f"3. Sylvester AᵀA·C + C·BBᵀ = −AᵀG_A(BBᵀ)⁻¹ (float64, CPU, d = {d}; µs per solve, "
          f"best of {repeats}; "
          f"{layers} layers: batched torch, looped scipy)")
    device, rows = torch.device("cpu"), []
    for r in ranks:
        _, G_A, _, A, B = pro_case(d, r, torch.float64, device)
        P, Q, R = rr_inputs(G_A, A, B)
        batch = [t.expand(layers, *t.shape).contiguous() for t in (P, Q, R)]
        P_np, Q_np, R_np = (t.numpy() for t in (P, Q, R))
        routes = {
            "eigh (core)": (lambda: sylvester_eigh(P, Q, R), lambda: sylvester_eigh(*batch)),
            "scipy solve_sylvester": (lambda: torch.from_numpy(scipy.linalg.solve_sylvester(P_np, Q_np, R_np)),
                                      lambda: [scipy.linalg.solve_sylvester(P_np, Q_np, R_np) for _ in range(layers)]),
            "complex eig (authors)": (lambda: sylvester_eig_complex(P, Q, R), lambda: sylvester_eig_complex(*batch)),
        }
        base_single = base_batch = None
        for name, (single, batched) in routes.items():
            calls = max(1, number * 8 // r)
            t_single, C = best_ms(single, device, repeats, calls)
            t_batch, _ = best_ms(batched, device, repeats, max(1, calls // layers))
            residual = sylvester_residual(P, Q, R, C)
            check(residual <= 1e-10, f"Sylvester {name} r={r}: residual {residual:.1e}")
            base_single, base_batch = base_single or t_single, base_batch or t_batch
            shares = [f"{100 * t_single / closed_ms[key]:.2f}%" if key in closed_ms else "-"
                      for key in ((1024, r, torch.float64), (2048, r, torch.float64))]
            rows.append([str(r), name, f"{1e3 * t_single:.0f}", fmt_ratio(t_single / base_single),
                         f"{1e3 * t_batch:.0f}", fmt_ratio(t_batch / base_batch), f"{residual:.1e}", *shares])
    print_table(["r", "route", "1 solve µs", "vs eigh", f"{layers} layers µs", "vs eigh", "residual",
                 "share d=1024", "share d=2048"], rows, left=2)
    print("(share: one eigh/scipy/eig solve over item 1's float64 closed form at the same r)")
    print()


# ---------------------------------------------------------------------------------------------------
# item 4: LoRA-GA init


def spectrum_case(d: int, exponent: float, seed: int = 0):
    """G = U diag(k^-exponent) Vᵀ (d×d, float32) with Haar-random orthogonal U, V (float64 QR), and U, Vᵀ."""
    generator = torch.Generator().manual_seed(seed + d)
    U = torch.linalg.qr(torch.randn(d, d, generator=generator, dtype=torch.float64)).Q
    V = torch.linalg.qr(torch.randn(d, d, generator=generator, dtype=torch.float64)).Q
    sigma = torch.arange(1, d + 1, dtype=torch.float64) ** -exponent
    return ((U * sigma) @ V.T).float(), U, V.T


def largest_sine(basis: torch.Tensor, reference: torch.Tensor) -> float:
    """Largest sine of the principal angles between span(basis) and span(reference) (orthonormal columns):
    ‖basis − reference·(referenceᵀ basis)‖₂."""
    basis, reference = basis.double(), reference.double()
    return float(torch.linalg.matrix_norm(basis - reference @ (reference.T @ basis), ord=2))


def subspace_sines(computed, U_true, Vh_true):
    """(sine left, sine right) of a computed top-k triplet ``(U, σ, Vh)`` against the true top-k subspaces."""
    U, _, Vh = computed
    k = U.shape[1]
    return largest_sine(U, U_true[:, :k]), largest_sine(Vh.T, Vh_true[:k].T)


def lora_ga_table(sizes, r: int, repeats: int) -> None:
    print(f"4. LoRA-GA init's SVD (gradient_svd, top 2r), float32, r = {r}: full SVD vs svd_lowrank(q = 4r, niter = 4) "
          "(ratio = full / lowrank); "
          "sine = largest principal-angle sine vs the true top-2r subspace (left, right)")
    device, rows = torch.device("cpu"), []
    for d, exponent in sizes:
        G, U_true, Vh_true = spectrum_case(d, exponent)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            t_full, full = best_ms(lambda: gradient_svd(G, 2 * r, "full"), device, 1 if d >= 2048 else repeats - 1,
                                   warmup=False)
            t_low, low = best_ms(lambda: gradient_svd(G, 2 * r, "lowrank"), device, repeats)
            full_left, full_right = subspace_sines(full, U_true, Vh_true)
            low_left, low_right = subspace_sines(low, U_true, Vh_true)
        warned = any("flat spectrum" in str(w.message) for w in caught)
        check(max(full_left, full_right) <= 1e-3, f"full SVD subspace d={d}: {full_left:.1e} {full_right:.1e}")
        if exponent >= 1:
            check(max(low_left, low_right) <= 1e-2 and not warned,
                  f"lowrank subspace on σ_k = 1/k, d={d}: {low_left:.1e} {low_right:.1e} (warned: {warned})")
        else:
            check(warned, f"lowrank on the flat spectrum d={d}: no warning")
        rows.append([str(d), f"k^-{exponent:g}", fmt_ms(t_full), fmt_ms(t_low), fmt_ratio(t_full / t_low),
                     f"{max(full_left, full_right):.1e}", f"{low_left:.1e}, {low_right:.1e}",
                     "yes" if warned else "no"])
    print_table(["d", "σ_k", "full ms", "lowrank ms", "ratio", "sine full", "sine lowrank (L, R)", "warning"], rows)
    print()


# ---------------------------------------------------------------------------------------------------
# item 5: LoRA gradients, forms (4) and (5)


def form4(X, grad_Y, A, B):
    """Form (4) of 9590: the full gradient G = XᵀL_Y (n×m), then (GBᵀ, AᵀG)."""
    return lora_grads(X.mT @ grad_Y, A, B)


def gradient_table(sizes, b: int, r: int, repeats: int) -> None:
    print(f"5. LoRA gradients, b = {b}, r = {r}, float64, CPU: form (4) via G vs form (5) from activations "
          "(ratio = (4) / (5); FLOP ratio = d(b+2r)/(4br))")
    device, rows = torch.device("cpu"), []
    for d in sizes:
        generator = torch.Generator().manual_seed(d)
        X, grad_Y = (torch.randn(b, d, generator=generator, dtype=torch.float64) for _ in range(2))
        A = torch.randn(d, r, generator=generator, dtype=torch.float64) / math.sqrt(d)
        B = torch.randn(r, d, generator=generator, dtype=torch.float64) / math.sqrt(r)
        t4, want = best_ms(lambda: form4(X, grad_Y, A, B), device, repeats)
        t5, got = best_ms(lambda: lora_grads_from_activations(X, grad_Y, A, B), device, repeats, number=10)
        error = agreement(got, want)
        check(error <= 1e-12, f"form (5) vs form (4) d={d}: {error:.1e}")
        flops = (2 * d * d * (b + 2 * r)) / (4 * b * r * (2 * d))
        rows.append([str(d), fmt_ms(t4), f"{1e3 * t5:.0f} µs", fmt_ratio(t4 / t5), fmt_ratio(flops), f"{error:.1e}"])
    print_table(["d", "form (4)", "form (5)", "ratio", "FLOP ratio", "max rel diff"], rows)
    print()


# ---------------------------------------------------------------------------------------------------
# item 6: LoRA-Pro Adam state


def measured_state_floats(n: int, m: int, r: int, variant: str) -> int:
    """Floats held by LoRAProOptimizer's state after one Adam step on one (A, B) pair (float64, CPU)."""
    generator = torch.Generator().manual_seed(0)
    A = torch.randn(n, r, generator=generator, dtype=torch.float64).requires_grad_(True)
    B = torch.randn(r, m, generator=generator, dtype=torch.float64).requires_grad_(True)
    optimizer = LoRAProOptimizer([(A, B)], lr=1e-3, optimizer="adam", variant=variant)
    G = torch.randn(n, m, generator=generator, dtype=torch.float64)
    A.grad, B.grad = lora_grads(G, A.detach(), B.detach())
    optimizer.step()
    return sum(t.numel() for state in optimizer.state.values() for moments in state.values()
               for t in moments.values() if torch.is_tensor(t))


def memory_table(sizes, ranks) -> None:
    print("6. LoRA-Pro Adam state per adapted d×d matrix: full moments 2nm vs per-factor 2r(n+m) "
          "(MB at float32)")
    for variant in ("full", "simple"):
        n, m, r = 96, 64, 8
        measured = measured_state_floats(n, m, r, variant)
        expected = pro_state_floats(n, m, r, variant)
        check(measured == expected, f"state floats {variant}: measured {measured}, formula {expected}")
    rows = []
    for d in sizes:
        for r in ranks:
            full, simple = pro_state_floats(d, d, r, "full"), pro_state_floats(d, d, r, "simple")
            rows.append([str(d), str(r), f"{full / 1e6:.1f} M", f"{simple / 1e3:.0f} k", f"{4 * full / 2**20:.0f}",
                         f"{4 * simple / 2**20:.2f}", fmt_ratio(full / simple)])
    print_table(["d", "r", "full floats", "simple floats", "full MB", "simple MB", "full/simple"], rows)
    print("(formulas checked against the state of a real LoRAProOptimizer Adam step at n=96, m=64, r=8)")
    print()


# ---------------------------------------------------------------------------------------------------
# item 7: batched LoRA+ sweep


def sweep_table(steps: int, repeats: int) -> None:
    problem = LinearProblem()
    settings = RunSettings(method="lora_plus", optimizer="sgd", steps=steps)
    lr_A, ratio = grid(torch.logspace(-3, 0, 13), 2.0 ** torch.arange(7))
    K = lr_A.numel()
    device = problem.W0.device
    print(f"7. LoRA+ sweep on the linear problem (n={problem.n}, m={problem.m}, r={settings.r}) on {device}, "
          f"K = {K}, {steps} SGD steps: batched [K, n, r] vs a Python loop of K single runs (ratio = loop / batched)")
    t_batched, batched = best_ms(lambda: loraplus_sweep(problem, settings, lr_A, ratio), device, repeats)

    def loop():
        return [loraplus_sweep(problem, settings, lr_A[k:k + 1], ratio[k:k + 1]) for k in range(K)]

    t_loop, singles = best_ms(loop, device, max(1, repeats // 2))
    looped = torch.cat([single.loss for single in singles], dim=1)
    finite = torch.isfinite(batched.loss)
    check(bool((finite == torch.isfinite(looped)).all()), "sweep: batched and looped runs diverge differently")
    error = rel(batched.loss[finite], looped[finite])
    check(error <= 1e-12, f"sweep: batched vs looped losses {error:.1e}")
    diverged = int((~finite[-1]).sum())
    print_table(["K", "steps", "batched ms", "loop ms", "ratio", "per config (batched)", "diverged", "max rel diff"],
                [[str(K), str(steps), fmt_ms(t_batched), fmt_ms(t_loop), fmt_ratio(t_loop / t_batched),
                  f"{t_batched / K:.2f} ms", str(diverged), f"{error:.1e}"]])
    print()


def live_table(step_counts, repeats: int) -> None:
    problem = LinearProblem()
    print(f"8. One live move: the five main methods retrained on the linear problem (n={problem.n}, m={problem.m}, "
          "r=4, SGD η = 0.5) with their diagnostics and records, best-of-N ms on "
          f"{problem.W0.device} (the dashboard's budget: well under 100 ms per move)")
    rows = []
    for steps in step_counts:
        settings = RunSettings(steps=steps, pro_C="sylvester")
        full_settings = dataclasses.replace(settings, method="full")
        reference = run(problem, full_settings)
        cells, times = [str(steps)], {}
        for method in MAIN_METHODS:
            method_settings = dataclasses.replace(settings, method=method)
            times[method], _ = best_ms(lambda: record(run(problem, method_settings, reference=None if method == "full"
                                                               else reference)), problem.W0.device, repeats)
            cells.append(fmt_ms(times[method]))
        batch = [dataclasses.replace(settings, method=method) for method in BATCHED_METHODS]
        t_batch, _ = best_ms(lambda: [record(history) for history in run_batch(problem, batch, reference=reference)],
                             problem.W0.device, repeats)
        move = times["full"] + t_batch + times["lora_pro"]
        rows.append(cells + [fmt_ms(sum(times.values())), fmt_ms(t_batch), fmt_ms(move),
                             f"{1e3 * move / steps:.0f} µs"])
    check(abs(float(run(problem, RunSettings(method="lora")).loss[99]) - 0.211481) < 1e-6, "live: lora L99")
    print_table(["steps", *MAIN_METHODS, "five apart", "batch of 3", "as a move", "per step"], rows)
    print()


# ---------------------------------------------------------------------------------------------------


def item1_configs(quick: bool, device: torch.device):
    """(d, r, dtype, with_lsqr) of item 1(ii) per device; the GPU also gets d = 4096 and 8192 at both dtypes."""
    if quick:
        return [(256, r, dtype, True) for dtype in (torch.float64, torch.float32) for r in (8, 32)]
    configs = [(d, r, dtype, True) for dtype in (torch.float64, torch.float32) for d in (1024, 2048)
               for r in (8, 16, 32, 64)]
    if device.type == "cuda":
        return configs + [(d, r, dtype, False) for dtype in (torch.float64, torch.float32) for d in (4096, 8192)
                          for r in (8, 64)]
    return configs + [(4096, 8, torch.float32, False), (4096, 64, torch.float32, False),
                      (8192, 8, torch.float32, False)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, few repeats (a smoke test)")
    parser.add_argument("--device", default="all", choices=("all", "cpu", "cuda"))
    parser.add_argument("--cg-timeout", type=float, default=30.0, help="seconds one CG solve may run")
    args = parser.parse_args()
    torch.set_num_threads(1)
    started = time.perf_counter()
    header("LoRA series (kexue_viz.lora): closed forms vs naive routes; best-of-N ms, ratios = naive / efficient")
    quick = args.quick
    repeats = 2 if quick else 5
    with threadpool_limits(limits=1):
        devices = benchmark_devices(args.device)
        times = {}
        if devices[0].type == "cpu":
            dense_table([(16, 4)] if quick else [(32, 4), (32, 8), (64, 8)], repeats)
        for device in devices:
            times[device] = iterative_table(item1_configs(quick, device), device, repeats, args.cg_timeout)
        cpu = torch.device("cpu")
        for gpu in (device for device in devices if device.type == "cuda"):
            if cpu in times:
                device_table(times[cpu], times[gpu], gpu)
            cross_device_check(item1_configs(True, gpu), gpu)
        if not any(device.type == "cuda" for device in devices):
            print("2. CPU vs GPU: torch sees no CUDA device here; skipped\n")
        if cpu in times:
            closed_ms = {key: value[0] for key, value in times[cpu].items()}
            sylvester_table([8, 64], 256 if quick else 1024, 32, repeats, 20 if quick else 100, closed_ms)
            lora_ga_table([(512, 1.0), (512, 0.1)] if quick else [(1024, 1.0), (2048, 1.0), (1024, 0.1)], 8,
                          2 if quick else 3)
            gradient_table([1024] if quick else [1024, 4096], 16, 8, repeats)
            memory_table([1024, 2048, 4096, 8192], [8, 16, 32, 64] if not quick else [8, 64])
            sweep_table(20 if quick else 200, 2 if quick else 3)
            live_table([20] if quick else [100, 200], 2 if quick else 5)
    print(f"total {time.perf_counter() - started:.1f} s")
    if FAILURES:
        print(f"{len(FAILURES)} check(s) failed:\n  " + "\n  ".join(FAILURES))
        sys.exit(1)
    print("all checks passed")


if __name__ == "__main__":
    main()
