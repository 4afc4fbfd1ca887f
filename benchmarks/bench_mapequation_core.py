"""Map-equation core: codelength evaluation against Infomap's own, directed flow dense vs sparse,
the 2008 greedy merge naive vs vectorised.

1. Codelength of a given partition (random graph, E ≈ 10n links, 20 planted groups): the numpy
   core (flow + L, and L alone), the torch mirror with 1 and 2 intra-op threads (L alone), and
   Infomap's ``no_infomap`` evaluation through the Python API (network building, flow and
   evaluation). The values must agree to 1e-9.
2. Directed flow (PageRank with τ = 0.15, teleport to nodes): a dense Google-matrix power
   iteration (n ≤ 2000; O(n²) memory and work per step) against the sparse numpy core and the
   sparse torch mirror (1 and 2 threads). π must agree to 1e-12.
3. Greedy merge (2008), full trajectory: naive (recompute L for every candidate pair) against the
   vectorised ΔL over all connected module pairs; identical trajectories asserted.

Each cell is the median of ``REPEATS`` runs (1 for runs over 2 s). Ratios are baseline / route.
Run: ``.venv/bin/python benchmarks/bench_mapequation_core.py [--quick]``.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import fmt_ms, fmt_ratio, header, print_table  # noqa: E402

from kexue_viz.mapequation import codelength, compute_flow, graphs  # noqa: E402
from kexue_viz.mapequation import torch_core  # noqa: E402
from kexue_viz.mapequation.flow import FLOW_TOLERANCE, Graph, pagerank, teleport_distribution  # noqa: E402
from kexue_viz.mapequation.optimise import evaluate_with_infomap  # noqa: E402
from kexue_viz.mapequation.search import greedy_merge_trace, greedy_merge_trace_naive  # noqa: E402

REPEATS = 5
CPU = torch.device("cpu")


def timed(fn, repeats: int = REPEATS):
    """(median seconds, last result); a first run over 2 s is not repeated."""
    times, result = [], None
    for k in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
        if k == 0 and times[0] > 2.0:
            break
    return statistics.median(times), result


def random_graph(n: int, directed: bool, seed: int = 0) -> Graph:
    """E = 10n links: each node links to 10 random others, 80 % inside its group of n/20."""
    rng = np.random.default_rng(seed)
    src = np.repeat(np.arange(n), 10)
    groups = np.arange(n) * 20 // n
    inside = rng.random(len(src)) < 0.8
    size = max(n // 20, 2)
    same = groups[src] * size + rng.integers(0, size, len(src))
    dst = np.where(inside, np.minimum(same, n - 1), rng.integers(0, n, len(src)))
    keep = src != dst
    return Graph(n, src[keep], dst[keep], np.ones(keep.sum()), directed=directed, truth=groups)


def with_threads(threads: int, fn):
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        return fn()
    finally:
        torch.set_num_threads(previous)


def bench_codelength(sizes) -> None:
    print("1. codelength of a given partition (undirected, E ≈ 10n); ratios = Infomap / route")
    rows = []
    for n in sizes:
        graph = random_graph(n, directed=False)
        labels = graph.truth
        flow = compute_flow(graph)
        t_infomap, reference = timed(lambda: evaluate_with_infomap(graph, labels), 3)
        t_full, ours = timed(lambda: codelength(compute_flow(graph), labels).total)
        t_L, _ = timed(lambda: codelength(flow, labels).total)
        t_torch1, L1 = with_threads(1, lambda: timed(lambda: float(torch_core.codelength_batch(flow, labels, CPU)[0])))
        t_torch2, _ = with_threads(2, lambda: timed(lambda: float(torch_core.codelength_batch(flow, labels, CPU)[0])))
        error = max(abs(ours - reference.codelength), abs(L1 - reference.codelength))
        assert error <= 1e-9, (n, error)
        rows.append([f"{n:,}", f"{graph.num_links:,}", fmt_ms(1e3 * t_infomap), fmt_ms(1e3 * t_full), fmt_ms(1e3 * t_L),
                     fmt_ms(1e3 * t_torch1), fmt_ms(1e3 * t_torch2), fmt_ratio(t_infomap / t_full),
                     fmt_ratio(t_infomap / t_L), f"{error:.1e}"])
    print_table(["n", "links", "Infomap ms", "flow+L ms", "L ms", "torch1 L ms", "torch2 L ms",
                 "Infomap/(flow+L)", "Infomap/L", "|ΔL|"], rows)
    print()


def dense_pagerank(graph: Graph, tau: float, v: np.ndarray) -> np.ndarray:
    """Power iteration with the dense Google matrix G = (1−τ)T + τ·1vᵀ (dangling rows → v)."""
    W = np.zeros((graph.n, graph.n))
    np.add.at(W, (graph.src, graph.dst), graph.w)
    s = W.sum(axis=1, keepdims=True)
    T = np.where(s > 0, W / np.where(s > 0, s, 1.0), v[None, :])
    G = (1 - tau) * T + tau * v[None, :]
    pi = np.full(graph.n, 1.0 / graph.n)
    for _ in range(1000):
        new = pi @ G
        new /= new.sum()
        done = np.abs(new - pi).sum() <= FLOW_TOLERANCE
        pi = new
        if done:
            break
    return pi


def bench_flow(sizes, dense_limit: int) -> None:
    print("2. directed flow, τ = 0.15 (E ≈ 10n); ratios = dense / route (or numpy / route above the dense limit)")
    rows = []
    for n in sizes:
        graph = random_graph(n, directed=True, seed=1)
        v = teleport_distribution(graph, to_nodes=True, recorded=True)
        t_np, (pi, _, iterations) = timed(lambda: pagerank(graph, 0.15, v), 3)
        t_t1, (pi_t, _) = with_threads(1, lambda: timed(lambda: torch_core.pagerank(graph, 0.15, v, CPU), 3))
        t_t2, _ = with_threads(2, lambda: timed(lambda: torch_core.pagerank(graph, 0.15, v, CPU), 3))
        assert np.abs(pi_t.numpy() - pi).max() <= 1e-12
        t_dense = None
        if n <= dense_limit:
            t_dense, pi_d = timed(lambda: dense_pagerank(graph, 0.15, v), 1)
            assert np.abs(pi_d - pi).max() <= 1e-12
        base = t_dense or t_np
        rows.append([f"{n:,}", str(iterations), fmt_ms(None if t_dense is None else 1e3 * t_dense), fmt_ms(1e3 * t_np),
                     fmt_ms(1e3 * t_t1), fmt_ms(1e3 * t_t2), fmt_ratio(base / t_np), fmt_ratio(base / t_t1),
                     fmt_ratio(base / t_t2)])
    print_table(["n", "iterations", "dense ms", "numpy ms", "torch1 ms", "torch2 ms", "÷numpy", "÷torch1", "÷torch2"], rows)
    print()


def bench_greedy(sizes, naive_limit: int) -> None:
    print("3. greedy merge (2008), whole trajectory; ratio = naive / vectorised")
    rows, points = [], []
    for n in sizes:
        graph = graphs.karate() if n == 34 else graphs.lfr(n, 0.3, 42)
        flow = compute_flow(graph)
        t_fast, fast = timed(lambda: greedy_merge_trace(flow), 3)
        t_naive = None
        if n <= naive_limit:
            t_naive, naive = timed(lambda: greedy_merge_trace_naive(flow), 1)
            assert all((a == b).all() for a, b in zip(fast.labels, naive.labels))
        points.append((n, t_fast))
        rows.append([f"{n}", f"{graph.num_links}", str(len(fast) - 1), fmt_ms(None if t_naive is None else 1e3 * t_naive),
                     fmt_ms(1e3 * t_fast), fmt_ratio(None if t_naive is None else t_naive / t_fast),
                     f"{fast.codelengths[-1]:.6f}"])
    print_table(["n", "links", "merges", "naive ms", "vectorised ms", "naive/vectorised", "final L"], rows)
    if len(points) > 1:
        (n0, t0), (n1, t1) = points[0], points[-1]
        print(f"log–log slope of the vectorised search, n = {n0}..{n1}: {np.log(t1 / t0) / np.log(n1 / n0):.2f}")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes only (CI smoke run)")
    args = parser.parse_args()
    header("bench_mapequation_core: codelength, directed flow, greedy merge")
    if args.quick:
        bench_codelength([300, 1000])
        bench_flow([1000, 2000], dense_limit=2000)
        bench_greedy([34, 100], naive_limit=34)
    else:
        bench_codelength([300, 1000, 10_000, 100_000])
        bench_flow([1000, 2000, 10_000, 100_000], dense_limit=2000)
        bench_greedy([34, 100, 250], naive_limit=100)


if __name__ == "__main__":
    main()
