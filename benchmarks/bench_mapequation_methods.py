"""Community detection on LFR benchmark graphs: Infomap (1 and 5 trials), igraph's Infomap
(undirected peer), networkx Louvain and label propagation. Time, NMI against the planted
communities, number of modules, and the map-equation codelength of every method's partition
computed by the core (one scale for all). Ratios are method time / Infomap (1 trial) time.

LFR: τ1 = 2.5, τ2 = 1.5, ⟨k⟩ = 20, k_max = 50, communities 20–100 (``graphs.lfr``), μ fixed.
Run: ``.venv/bin/python benchmarks/bench_mapequation_methods.py [--quick] [--mu 0.3]``.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import normalized_mutual_info_score as nmi

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import fmt_ms, fmt_ratio, header, print_table  # noqa: E402

from kexue_viz.mapequation import codelength, compute_flow, graphs  # noqa: E402
from kexue_viz.mapequation.compare import detect  # noqa: E402


def methods(graph):
    """name -> function returning labels (igraph only when installed)."""
    found = {
        "Infomap, 1 trial": lambda: detect(graph, "infomap", num_trials=1),
        "Infomap, 5 trials": lambda: detect(graph, "infomap", num_trials=5),
        "Louvain (networkx)": lambda: detect(graph, "louvain"),
        "label propagation": lambda: detect(graph, "label_propagation"),
    }
    try:
        import igraph
    except ImportError:
        return found
    a, b, w = graph.undirected_pairs()
    g = igraph.Graph(n=graph.n, edges=list(zip(a.tolist(), b.tolist())))

    def igraph_infomap():
        random.seed(1)  # igraph draws from Python's random module
        return np.array(g.community_infomap(edge_weights=w.tolist(), trials=5).membership)

    found["igraph Infomap, 5 trials"] = igraph_infomap
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="n = 250 and 1000 only")
    parser.add_argument("--mu", type=float, default=0.3)
    args = parser.parse_args()
    header(f"bench_mapequation_methods: LFR, μ = {args.mu}")
    for n in ([250, 1000] if args.quick else [250, 1000, 10_000]):
        start = time.perf_counter()
        graph = graphs.lfr(n, args.mu, 42)
        built = time.perf_counter() - start
        flow = compute_flow(graph)
        print(f"LFR n = {n:,}: {graph.num_links:,} links, {len(np.unique(graph.truth))} planted communities "
              f"(generated in {built:.1f} s; {graph.name})")
        rows, reference = [], None
        for name, run in methods(graph).items():
            start = time.perf_counter()
            labels = run()
            elapsed = time.perf_counter() - start
            reference = reference or elapsed
            rows.append([name, fmt_ms(1e3 * elapsed), fmt_ratio(elapsed / reference), f"{nmi(graph.truth, labels):.4f}",
                         str(labels.max() + 1), f"{codelength(flow, labels).total:.4f}"])
        print_table(["method", "ms", "time / Infomap(1)", "NMI", "modules", "L (bits)"], rows, left=1)
        print()


if __name__ == "__main__":
    main()
