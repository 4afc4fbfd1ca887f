"""Scaling series: exact per-coordinate moments, η*(B, ε) sweeps and the one-step experiment.

1. Moments ``M1, M2`` of softsign at 10⁴ random pairs (a ∈ [−60, 60], log10 b ∈ [−4, 4]):
   * ``scalar``: per-pair ``scipy.integrate.quad`` on y with breakpoints at −b, 0, b (the naive
     scalar route; timed on a subset and reported per pair),
   * ``mc``: Monte Carlo with 10⁵ samples per pair (vectorised, chunked),
   * ``laplace``: :func:`kexue_viz.scaling.moments.softsign_exact` (vectorised quadrature),
   * ``table``: :func:`kexue_viz.scaling.moment_table.softsign_lookup` (bilinear on a cached table).
   Accuracy: max error against mpmath on a subset of pairs.
2. η*(B, ε) for the quantile model, N ∈ {64, 256, 1024}, 81 batch sizes × 5 ε: a Python loop over
   (ε, B) calling the per-coordinate path once per pair vs one batched call (both direct quadrature),
   and the batched call through the table.
3. The one-step experiment (diabetes, B = 64, R = 4000 draws, 8 update maps): the ratio estimator
   ``E[uᵀg]/E[uᵀHu]`` vs a 50-point η grid evaluating the sampled loss at every η.
4. The dense sum of the η* identity ``Σm_ig_i / (mᵀHm + Σ(s_i − m_i²)H_ii)`` over N coordinates vs
   :func:`~kexue_viz.scaling.softsign.per_coordinate_curve`, which sums over the K distinct
   ``(|g_i|/σ_i, σ_i)`` pairs (aligned spike: K = 1; quantile: K = N/2), 81 B × 5 ε (curve families
   of the dashboard, moments by the closed-form mean-field backend so that the sums dominate).

Each time is the best of 5 (fewer for slow baselines); speed-ups are ratios against the baseline
of each block. Run: ``.venv/bin/python benchmarks/bench_scaling.py [--quick] [--device all|cpu|cuda]``.
"""
from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import mpmath as mp
import numpy as np
import scipy.integrate
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import benchmark_devices, fmt_ms, fmt_ratio, header, print_table, sync  # noqa: E402

from kexue_viz.scaling import experiment as ex  # noqa: E402
from kexue_viz.scaling import models  # noqa: E402
from kexue_viz.scaling.moment_table import load_table, softsign_lookup  # noqa: E402
from kexue_viz.scaling.moments import softsign_exact  # noqa: E402
from kexue_viz.scaling.expected_loss import optimal_step  # noqa: E402
from kexue_viz.scaling.softsign import coordinate_moments, per_coordinate_curve  # noqa: E402

F64 = torch.float64


def best_of(fn, device, repeats=5):
    """``(best seconds, result)`` over ``repeats`` calls."""
    best, result = math.inf, None
    for _ in range(repeats):
        sync(device)
        start = time.perf_counter()
        result = fn()
        sync(device)
        best = min(best, time.perf_counter() - start)
    return best, result


def random_pairs(count, device, seed=0):
    generator = torch.Generator().manual_seed(seed)
    a = (torch.rand(count, generator=generator, dtype=F64) - 0.5) * 120
    b = 10 ** (torch.rand(count, generator=generator, dtype=F64) * 8 - 4)
    return a.to(device), b.to(device)


def scalar_quadrature(a, b):
    """Per-pair scipy quad of E softsign and E softsign² (the naive scalar route)."""
    out = np.empty((len(a), 2))
    for k, (x, e) in enumerate(zip(a, b)):
        density = lambda y: math.exp(-0.5 * (y - x) ** 2) / math.sqrt(2 * math.pi)  # noqa: E731
        edges = sorted({x - 12, -e, 0.0, e, x + 12})
        edges = [v for v in edges if x - 12 <= v <= x + 12]
        parts = list(zip(edges[:-1], edges[1:]))
        out[k, 0] = sum(scipy.integrate.quad(lambda y: y / math.sqrt(y * y + e * e) * density(y), lo, hi,
                                             epsabs=1e-12, limit=200)[0] for lo, hi in parts)
        out[k, 1] = sum(scipy.integrate.quad(lambda y: y * y / (y * y + e * e) * density(y), lo, hi,
                                             epsabs=1e-12, limit=200)[0] for lo, hi in parts)
    return out


def monte_carlo(a, b, samples, seed=0):
    generator = torch.Generator(device=a.device).manual_seed(seed)
    m1, m2 = torch.empty_like(a), torch.empty_like(a)
    chunk = max(1, 4_000_000 // samples)
    for start in range(0, len(a), chunk):
        x, e = a[start:start + chunk, None], b[start:start + chunk, None]
        y = x + torch.randn(x.shape[0], samples, generator=generator, dtype=F64, device=a.device)
        u = y / torch.sqrt(y * y + e * e)
        m1[start:start + chunk], m2[start:start + chunk] = u.mean(1), (u * u).mean(1)
    return m1, m2


def mpmath_reference(a, b):
    mp.mp.dps = 20
    out = []
    for x, e in zip(a, b):
        density = lambda y: mp.npdf(y, x, 1)  # noqa: E731
        points = sorted({-mp.inf, x - 12, -e, mp.mpf(0), e, x + 12, mp.inf})
        out.append((float(mp.quad(lambda y: y / mp.sqrt(y * y + e * e) * density(y), points)),
                    float(mp.quad(lambda y: y * y / (y * y + e * e) * density(y), points))))
    return np.array(out)


def moments_block(device, quick):
    count = 2000 if quick else 10_000
    a, b = random_pairs(count, device)
    subset = 40 if quick else 200
    reference = mpmath_reference(a[:subset].tolist(), b[:subset].tolist())
    load_table()
    rows = []
    scalar_pairs = 40 if quick else 200
    t_scalar, scalar = best_of(lambda: scalar_quadrature(a[:scalar_pairs].tolist(), b[:scalar_pairs].tolist()), device, 1)
    per_pair_scalar = t_scalar / scalar_pairs
    routes = {
        "mc (1e5/pair)": lambda: monte_carlo(a, b, 20_000 if quick else 100_000),
        "laplace (exact)": lambda: softsign_exact(a, b),
        "table lookup": lambda: softsign_lookup(a, b),
    }
    err_scalar = np.abs(scalar[:subset] - reference[:min(subset, scalar_pairs)]).max(0)
    rows.append(["scalar quad (scipy)", fmt_ms(1e3 * per_pair_scalar * count), "1.00x",
                 f"{err_scalar[0]:.1e}", f"{err_scalar[1]:.1e}", f"{count} pairs (timed {scalar_pairs})"])
    for name, fn in routes.items():
        seconds, (m1, m2) = best_of(fn, device, 1 if name.startswith("mc") else 5)
        err = np.abs(np.stack([m1[:subset].cpu().numpy(), m2[:subset].cpu().numpy()], 1) - reference).max(0)
        rows.append([name, fmt_ms(1e3 * seconds), fmt_ratio(per_pair_scalar * count / seconds), f"{err[0]:.1e}",
                     f"{err[1]:.1e}", f"{count} pairs"])
    print(f"1. softsign moments on {device} (error: max |Δ| vs mpmath on {subset} pairs)")
    print_table(["route", "ms", "speed-up", "err M1", "err M2", "size"], rows, left=1)
    print()


def sweep_block(device, quick):
    print(f"2. η*(B, ε) sweep on {device}: quantile model, 81 B × 5 ε")
    rows = []
    B = torch.logspace(0, 4, 81, dtype=F64, device=device)
    for N in ((64,) if quick else (64, 256, 1024)):
        model = models.quantile(N=N)
        model = models.LocalModel(model.g.to(device), model.sigma.to(device), model.H.to(device))
        eps = torch.tensor([0.0, 0.25, 0.5, 1.0, 2.0], dtype=F64, device=device) * model.rms_g

        def loop():
            return torch.stack([torch.stack([per_coordinate_curve(model, e, b, method="quadrature")[0]
                                             for b in B]) for e in eps])

        loop_pairs = 2 if quick else 5
        t_loop, _ = best_of(lambda: [per_coordinate_curve(model, e, b, method="quadrature")[0]
                                     for e in eps[:1] for b in B[:loop_pairs * 8]], device, 1)
        t_loop *= (len(eps) * len(B)) / (loop_pairs * 8)
        t_batched, batched = best_of(lambda: per_coordinate_curve(model, eps[:, None], B[None, :], method="quadrature")[0],
                                     device, 3)
        t_table, table = best_of(lambda: per_coordinate_curve(model, eps[:, None], B[None, :], method="table")[0],
                                 device, 5)
        spot = loop() if (N == 64 and not quick) else None
        agree = float((spot - batched).abs().max() / batched.abs().max()) if spot is not None else float("nan")
        rows.append([str(N), fmt_ms(1e3 * t_loop), fmt_ms(1e3 * t_batched), fmt_ms(1e3 * t_table),
                     fmt_ratio(t_loop / t_batched), fmt_ratio(t_loop / t_table),
                     f"{float(((table - batched) / batched).abs().max()):.1e}",
                     "-" if math.isnan(agree) else f"{agree:.0e}"])
    print_table(["N", "loop ms", "batched ms", "table ms", "batched×", "table×", "table rel err", "loop=batched"],
                rows)
    print("(loop: a Python loop over (ε, B) pairs, extrapolated from a timed subset)")
    print()


def experiment_block(device, quick):
    print("3. one-step experiment (diabetes, B = 64, 8 update maps)")
    problem = ex.diabetes_problem()
    R = 1000 if quick else 4000
    rms = float(problem.g.pow(2).mean().sqrt())
    maps = ex.update_maps([e * rms for e in (0.3, 1.0, 3.0)])
    etas = torch.logspace(-3, 1, 50, dtype=F64)  # the baseline must cover every map's optimum

    def ratio():
        return ex.measure(problem, [64], maps, R, seed=1)["eta"]

    def grid():
        generator = torch.Generator().manual_seed(1)
        batch = problem.sample(64, R, generator)
        out = {}
        for label, kind, eps in maps:
            u = ex.apply_map(kind, batch, eps)
            losses = [float((-(e * u) @ problem.g + 0.5 * e * e * ((u @ problem.H) * u).sum(-1)).mean()) for e in etas]
            out[label] = float(etas[int(np.argmin(losses))])
        return out

    t_ratio, by_ratio = best_of(ratio, torch.device("cpu"), 3)
    t_grid, by_grid = best_of(grid, torch.device("cpu"), 1)
    worst = max(abs(math.log(float(by_ratio[k][0]) / by_grid[k])) for k in by_grid)
    step = math.log(float(etas[1] / etas[0]))
    print_table(["route", "ms", "speed-up", "max |log(η̂ratio/η̂grid)|"],
                [["η grid (50 points)", fmt_ms(1e3 * t_grid), "1.00x", ""],
                 ["ratio estimator", fmt_ms(1e3 * t_ratio), fmt_ratio(t_grid / t_ratio), f"{worst:.2f} (grid step {step:.2f})"]],
                left=1)
    small = time.perf_counter()
    ex.run(ex.nqm_problem(), size="small")
    ex.run(problem, size="small")
    assert worst <= step, "the ratio estimator and the grid disagree by more than one grid step"
    print(f"whole small experiment (NQM + diabetes, 9 B × 8 maps × 4000 draws): {1e3 * (time.perf_counter() - small):.0f} ms")
    print()


def pairs_block(device, quick):
    print(f"4. η* identity summed over coordinates vs over distinct pairs on {device}: 81 B × 5 ε")
    rows = []
    B = torch.logspace(0, 4, 81, dtype=F64, device=device)[None, :]
    for N in ((64,) if quick else (64, 256, 1024)):
        for name in ("aligned_spike", "quantile"):
            model = models.preset(name, N)
            model = models.LocalModel(model.g.to(device), model.sigma.to(device), model.H.to(device))
            eps = torch.tensor([0.0, 0.25, 0.5, 1.0, 2.0], dtype=F64, device=device)[:, None] * model.rms_g
            t_dense, dense = best_of(lambda: optimal_step(*coordinate_moments(model, eps, B, "mean_field"),
                                                          model.g, model.H)[0], device)
            t_pairs, pairs = best_of(lambda: per_coordinate_curve(model, eps, B, "mean_field")[0], device)
            K = int(torch.unique(torch.stack([model.g.abs() / model.sigma, model.sigma], 1), dim=0).shape[0])
            rows.append([str(N), name, str(K), fmt_ms(1e3 * t_dense), fmt_ms(1e3 * t_pairs),
                         fmt_ratio(t_dense / t_pairs), f"{float(((pairs - dense) / dense).abs().max()):.0e}"])
    print_table(["N", "model", "K", "coordinates ms", "pairs ms", "speed-up", "max rel diff"], rows, left=2)
    print()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    parser.add_argument("--device", default="all", choices=["all", "cpu", "cuda"])
    args = parser.parse_args()
    header("bench_scaling: exact moments, η*(B, ε) sweeps, one-step experiment")
    for device in benchmark_devices(args.device):
        moments_block(device, args.quick)
        sweep_block(device, args.quick)
        pairs_block(device, args.quick)
    experiment_block(torch.device("cpu"), args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
