"""Exact diffusion-ODE field of a point cloud: per-data-point Python loop vs vectorised routes.

One field evaluation (one NFE) of the straight-path / VE-type field
``f_t(x) = (x − x̂_0)/t`` with Gaussian logits ``−‖x − x_i‖²/(2σ²)`` for M query points and N
data points in d = 2 (the cost of every construction is the same O(M·N·d)). Routes:

* ``loop``: post 15's code pattern, a Python loop over data points for each query (numpy
  scalars; only for M·N ≤ 128²), the baseline;
* ``numpy``: broadcasted residuals, logsumexp and ``w @ X`` in numpy float64;
* ``torch64`` / ``torch32``: :func:`kexue_viz.diffusion.field.evaluate` (explicit residuals,
  chunked over M) in float64 / float32;
* ``mm32``: float32 with squared distances through ``torch.cdist``'s matmul path, for the
  accuracy column only (error of x̂_0 against float64 for data offset by 100 at σ = 0.05).

Each cell is the median of ``--repeats`` calls taken round-robin over the routes. All routes
must agree with ``torch64`` (1e-9 relative for float64, 1e-3 for float32) or the script exits 1.
Also reported: the log–log slope of time vs M·N (expected ≈ 1), a 1-vs-2-thread comparison at
the dashboard's default size, and the NFE each fixed-step solver needs for basin agreement ≥ 0.99
with a DOP853 reference (VE, moons 64, 200 particles, log and Karras grids).

Run: ``.venv/bin/python benchmarks/bench_diffusion_ode.py [--quick] [--device all|cpu|cuda]``.
"""
from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import benchmark_devices, fmt_ms, fmt_ratio, header, median_ms, print_table, time_call  # noqa: E402

from kexue_viz.diffusion import field, metrics, solvers  # noqa: E402
from kexue_viz.diffusion.constructions import make_construction  # noqa: E402
from kexue_viz.diffusion.data import PointCloud, make_dataset  # noqa: E402

T_EVAL = 0.3
LOOP_LIMIT = 128 * 128


def loop_field(x: np.ndarray, points: np.ndarray, t: float) -> np.ndarray:
    """Post 15's pattern: for each query, a Python loop over data points (stable weights)."""
    out = np.empty_like(x)
    for m in range(len(x)):
        logits = [-float(np.sum((x[m] - p) ** 2)) / (2 * t * t) for p in points]
        top = max(logits)
        weights = [math.exp(v - top) for v in logits]
        total = sum(weights)
        mean = sum(w * p for w, p in zip(weights, points)) / total
        out[m] = (x[m] - mean) / t
    return out


def numpy_field(x: np.ndarray, points: np.ndarray, t: float) -> np.ndarray:
    diff = x[:, None, :] - points[None]
    logits = -(diff * diff).sum(-1) / (2 * t * t)
    logits -= logits.max(1, keepdims=True)
    w = np.exp(logits)
    w /= w.sum(1, keepdims=True)
    return (x - w @ points) / t


def cloud_of(points: torch.Tensor) -> PointCloud:
    n = points.shape[0]
    return PointCloud(points, torch.full((n,), 1.0 / n, dtype=points.dtype, device=points.device))


def mm_posterior_mean(x: torch.Tensor, points: torch.Tensor, sigma: float) -> torch.Tensor:
    d2 = torch.cdist(x, points) ** 2  # default compute mode: matmul for > 25 points
    return torch.softmax(-d2 / (2 * sigma * sigma), 1) @ points


def accuracy_column(device) -> tuple[float, float]:
    """Max error of float32 x̂_0 (direct residuals vs cdist-mm) against float64, data offset 100."""
    base = make_dataset("moons", 256).points + 100.0
    x = base[:64] + 0.03
    ve = make_construction("ve")
    exact = field.posterior_mean(x, 0.05, cloud_of(base), ve).cpu()
    direct = field.posterior_mean(x.float().to(device), 0.05, cloud_of(base.float().to(device)), ve).double().cpu()
    mm = mm_posterior_mean(x.float().to(device), base.float().to(device), 0.05).double().cpu()
    return float((direct - exact).abs().max()), float((mm - exact).abs().max())


def field_sweep(device, sizes, repeats):
    ve = make_construction("ve")
    rows, slope_points = [], []
    for M in sizes:
        for N in sizes:
            g = torch.Generator().manual_seed(M * 7 + N)
            x64 = torch.randn(M, 2, generator=g, dtype=torch.float64)
            p64 = torch.randn(N, 2, generator=g, dtype=torch.float64)
            routes = {
                "torch64": lambda: field.velocity(x64.to(device), T_EVAL, cloud_of(p64.to(device)), ve),
                "torch32": lambda: field.velocity(x64.float().to(device), T_EVAL, cloud_of(p64.float().to(device)), ve),
            }
            if device.type == "cpu":
                xn, pn_ = x64.numpy(), p64.numpy()
                routes["numpy"] = lambda: numpy_field(xn, pn_, T_EVAL)
                if M * N <= LOOP_LIMIT:
                    routes["loop"] = lambda: loop_field(xn, pn_, T_EVAL)
            times = {name: [] for name in routes}
            results = {name: fn() for name, fn in routes.items() if name != "loop"}  # warm-up
            for _ in range(repeats):
                for name, fn in routes.items():
                    seconds, results[name] = time_call(fn, device)
                    times[name].append(seconds)
            reference = results["torch64"].cpu().double().numpy()
            for name, value in results.items():
                value = value.cpu().double().numpy() if isinstance(value, torch.Tensor) else value
                tol = 1e-3 if name == "torch32" else 1e-9
                error = float(np.abs(value - reference).max() / max(1.0, np.abs(reference).max()))
                if error > tol:
                    raise SystemExit(f"route {name} disagrees at M={M} N={N}: {error:.2e}")
            ms = {name: median_ms(t) for name, t in times.items()}
            slope_points.append((M * N, ms["torch64"]))
            rows.append([str(M), str(N), fmt_ms(ms.get("loop")), fmt_ms(ms.get("numpy")), fmt_ms(ms["torch64"]),
                         fmt_ms(ms["torch32"]),
                         fmt_ratio(ms["loop"] / ms["torch64"]) if "loop" in ms else "-",
                         fmt_ratio(ms["numpy"] / ms["torch64"]) if "numpy" in ms else "-"])
    print_table(["M", "N", "loop ms", "numpy ms", "torch64 ms", "torch32 ms", "loop/torch64", "numpy/torch64"], rows)
    big = [(mn, t) for mn, t in slope_points if mn >= 64 * 256]
    if len(big) >= 2:
        slope = np.polyfit(np.log([b[0] for b in big]), np.log([b[1] for b in big]), 1)[0]
        print(f"\nslope of log(torch64 time) vs log(M·N) for M·N ≥ 64·256: {slope:.2f} (expected ≈ 1)")


def thread_comparison(repeats):
    moons = make_dataset("moons", 64)
    straight = make_construction("straight")
    x = field.sample_prior(128, moons, straight, torch.Generator().manual_seed(0))
    rows = []
    before = torch.get_num_threads()
    for threads in (1, 2):
        torch.set_num_threads(threads)
        seconds = [time_call(lambda: solvers.generate(x, moons, straight, "heun", 16, "karras"), torch.device("cpu"))[0]
                   for _ in range(repeats)]
        rows.append([str(threads), fmt_ms(median_ms(seconds))])
    torch.set_num_threads(before)
    print("dashboard default update (Heun 16 steps = 31 NFE, 128 particles, 64 points):")
    print_table(["threads", "median ms"], rows)


def nfe_for_agreement(quick):
    moons = make_dataset("moons", 64)
    ve = make_construction("ve")
    x = field.sample_prior(100 if quick else 200, moons, ve, torch.Generator().manual_seed(0))
    reference = solvers.generate(x, moons, ve, "dop853", 8, "karras", t_min=0.002, rtol=1e-10)
    rows = []
    for grid in ("log", "karras"):
        for solver in solvers.FIXED_SOLVERS:
            needed = "> 128 steps"
            for n in (4, 8, 16, 32, 64, 128):
                run = solvers.generate(x, moons, ve, solver, n, grid, t_min=0.002)
                if metrics.basin_agreement(run.end, reference.end, moons) >= 0.99:
                    needed = str(run.nfe)
                    break
            rows.append([grid, solver, needed])
    print(f"NFE for basin agreement ≥ 0.99 (reference DOP853 rtol 1e-10, {reference.nfe} NFE):")
    print_table(["grid", "solver", "NFE"], rows, left=2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, few repeats (smoke test)")
    parser.add_argument("--device", choices=("all", "cpu", "cuda"), default="all")
    parser.add_argument("--repeats", type=int, default=None)
    args = parser.parse_args()
    header("Exact diffusion-ODE field: ms per NFE (d = 2)")
    sizes = (64, 256) if args.quick else (64, 256, 1024, 4096)
    repeats = args.repeats or (3 if args.quick else 7)
    for device in benchmark_devices(args.device):
        print(f"== device {device} ==")
        field_sweep(device, sizes, repeats)
        direct, mm = accuracy_column(device)
        print(f"\nfloat32 x̂_0 error, data offset 100, σ = 0.05: direct residuals {direct:.1e}, cdist-mm {mm:.1e}\n")
    thread_comparison(repeats)
    print()
    nfe_for_agreement(args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
