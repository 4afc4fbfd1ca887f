"""Graphs to encode: networkx's bundled social networks, planted-partition benchmarks, the
post's vectors → kNN-graph recipe (on scikit-learn's bundled digits) and small directed toys."""
from __future__ import annotations

from functools import lru_cache

import networkx as nx
import numpy as np

from .flow import Graph

D6_LINKS = ((0, 1), (1, 2), (2, 0), (2, 3), (3, 4), (4, 5), (5, 3), (5, 0))
LFR_RETRIES = 20


def from_networkx(G, weight: str | None = "weight", name: str = "", truth=None) -> Graph:
    """A :class:`Graph` of a networkx graph (nodes renumbered in G's order, names kept);
    ``weight=None`` reads every link as weight 1."""
    nodes = list(G.nodes)
    index = {node: k for k, node in enumerate(nodes)}
    edges = list(G.edges(data=True))
    src = np.array([index[u] for u, _, _ in edges], dtype=np.int64)
    dst = np.array([index[v] for _, v, _ in edges], dtype=np.int64)
    w = np.array([float(d.get(weight, 1.0)) if weight else 1.0 for _, _, d in edges])
    return Graph(len(nodes), src, dst, w, directed=G.is_directed(), names=tuple(str(v) for v in nodes),
                 truth=None if truth is None else np.asarray(truth, dtype=np.int64), name=name)


def karate(weighted: bool = False) -> Graph:
    """Zachary's karate club; the truth is the club split (Mr Hi vs Officer). networkx's copy
    carries interaction-count weights: ``weighted=False`` ignores them."""
    G = nx.karate_club_graph()
    truth = [0 if G.nodes[v]["club"] == "Mr. Hi" else 1 for v in G]
    return from_networkx(G, "weight" if weighted else None, "karate", truth)


def les_miserables() -> Graph:
    return from_networkx(nx.les_miserables_graph(), "weight", "les_miserables")


def florentine() -> Graph:
    return from_networkx(nx.florentine_families_graph(), None, "florentine")


def davis() -> Graph:
    """Davis' southern women and the events they attended, read as one ordinary graph; the
    truth separates women from events."""
    G = nx.davis_southern_women_graph()
    return from_networkx(G, None, "davis", [G.nodes[v]["bipartite"] for v in G])


def ring_of_cliques(n_cliques: int = 8, clique_size: int = 5) -> Graph:
    """``n_cliques`` complete graphs of ``clique_size`` nodes joined in a ring by single links."""
    G = nx.ring_of_cliques(n_cliques, clique_size)
    return from_networkx(G, None, "ring", np.arange(n_cliques * clique_size) // clique_size)


@lru_cache(maxsize=16)
def lfr(n: int = 250, mu: float = 0.3, seed: int = 42) -> Graph:
    """LFR benchmark (τ1 = 2.5, τ2 = 1.5, ⟨k⟩ = 20, k_max = 50, communities 20–100; ⟨k⟩ = 10 and
    smaller communities below n = 250) with its planted communities as truth. networkx's
    generator sometimes fails to converge: the seeds seed, seed+1, ... are tried in turn."""
    small = n < 250
    for attempt in range(LFR_RETRIES):
        try:
            G = nx.LFR_benchmark_graph(n, 2.5, 1.5, mu, average_degree=10 if small else 20,
                                       max_degree=min(50, n // 4), min_community=20,
                                       max_community=min(100, n // 2), seed=seed + attempt)
        except nx.ExceededMaxIterations:
            continue
        G.remove_edges_from(nx.selfloop_edges(G))
        communities = {frozenset(G.nodes[v]["community"]) for v in G}
        label = {v: k for k, community in enumerate(sorted(communities, key=min)) for v in community}
        return from_networkx(G, None, f"lfr-{n}-{mu}-{seed + attempt}", [label[v] for v in G])
    raise ValueError(f"the LFR generator did not converge for n={n}, mu={mu} (seeds {seed}..{seed + LFR_RETRIES - 1})")


def knn_graph(X: np.ndarray, k: int = 10, min_sim: float | None = None, directed: bool = True,
              truth=None, name: str = "knn") -> Graph:
    """The post's word-clustering recipe for any vectors: link each row u to its k most
    cosine-similar rows v ≠ u with weight sim(u, v), stopping at the first neighbour below
    ``min_sim``. ``directed=False`` symmetrises (S = W + Wᵀ, a mutual pair is summed)."""
    X = np.asarray(X, dtype=np.float64)
    unit = X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-300)
    sim = unit @ unit.T
    np.fill_diagonal(sim, -np.inf)
    k = min(k, len(X) - 1)
    top = np.argpartition(-sim, k - 1, axis=1)[:, :k]
    top_sim = np.take_along_axis(sim, top, axis=1)
    order = np.argsort(-top_sim, axis=1)
    top, top_sim = np.take_along_axis(top, order, axis=1), np.take_along_axis(top_sim, order, axis=1)
    keep = np.ones_like(top_sim, dtype=bool) if min_sim is None else np.cumprod(top_sim >= min_sim, axis=1).astype(bool)
    src = np.repeat(np.arange(len(X)), k)[keep.ravel()]
    return Graph(len(X), src, top.ravel()[keep.ravel()], np.maximum(top_sim.ravel()[keep.ravel()], 0.0),
                 directed=directed, truth=None if truth is None else np.asarray(truth), name=name)


@lru_cache(maxsize=8)
def digits(subset: int = 500, k: int = 10, min_sim: float = 0.5, directed: bool = True) -> Graph:
    """kNN graph of the first ``subset`` images of scikit-learn's bundled digits (8×8, 1,797
    images); truth = the digit."""
    from sklearn.datasets import load_digits

    data = load_digits()
    X, y = data.data[:subset], data.target[:subset]
    return knn_graph(X, k, min_sim or None, directed, truth=y, name=f"digits-{subset}-{k}")


def d6() -> Graph:
    """The brief's directed toy: two directed triangles 0→1→2→0 and 3→4→5→3 joined by 2→3, 5→0."""
    src, dst = np.array(D6_LINKS).T
    return Graph(6, src, dst, np.ones(len(src)), directed=True, truth=np.array([0, 0, 0, 1, 1, 1]), name="d6")


def directed_planted(groups: int = 4, size: int = 10, p_in: float = 0.4, p_out: float = 0.03, seed: int = 1) -> Graph:
    """A directed planted-partition graph (networkx ``planted_partition_graph``)."""
    G = nx.planted_partition_graph(groups, size, p_in, p_out, seed=seed, directed=True)
    return from_networkx(G, None, "planted", np.arange(groups * size) // size)


def memorise_cycle() -> Graph:
    """The post's 12-item sequence (3 fruits, 5 cities, 4 numbers) as a directed 12-cycle;
    truth = the three categories."""
    names = ("雪梨", "葡萄", "香蕉", "广州", "上海", "北京", "杭州", "深圳", "123", "654", "798", "963")
    src = np.arange(12)
    return Graph(12, src, (src + 1) % 12, np.ones(12), directed=True, names=names,
                 truth=np.repeat([0, 1, 2], [3, 5, 4]), name="memorise")


def to_networkx(graph: Graph) -> nx.Graph:
    """An undirected networkx graph with summed weights (for layouts and peer algorithms)."""
    G = nx.Graph()
    G.add_nodes_from(range(graph.n))
    a, b, w = graph.undirected_pairs()
    G.add_weighted_edges_from(zip(a.tolist(), b.tolist(), w.tolist()))
    return G


def spring_positions(graph: Graph, iterations: int, seed: int = 7) -> np.ndarray:
    """Fruchterman–Reingold positions, vectorised over all node pairs (dense n×n float32 per
    iteration; networkx's sparse version is a Python loop, 10–20× slower at n ≥ 500)."""
    n = graph.n
    pos = np.random.default_rng(seed).random((n, 2)).astype(np.float32)
    A = np.zeros((n, n), dtype=np.float32)
    np.add.at(A, (graph.src, graph.dst), graph.w.astype(np.float32))
    A = A + A.T
    A /= max(float(A.max()), 1e-30)
    k, temperature = np.sqrt(1.0 / n), 0.1
    for step in range(iterations):
        dx = pos[:, None, 0] - pos[None, :, 0]
        dy = pos[:, None, 1] - pos[None, :, 1]
        dist = np.maximum(np.sqrt(dx * dx + dy * dy), 0.01)
        force = k * k / (dist * dist) - A * dist / k
        disp = np.stack([(dx * force).sum(axis=1), (dy * force).sum(axis=1)], axis=1)
        length = np.maximum(np.linalg.norm(disp, axis=1), 0.01)
        pos += disp * (temperature * (1 - step / (iterations + 1)) / length)[:, None]
    return pos.astype(np.float64)


def layout(graph: Graph, seed: int = 7) -> np.ndarray:
    """Node positions (n, 2) in [-1, 1]²: Kamada–Kawai for small connected graphs (reads best
    on social networks), else :func:`spring_positions`. Cache it: it is the slow part."""
    G = to_networkx(graph)
    if graph.n <= 60 and nx.is_connected(G):
        positions = nx.kamada_kawai_layout(G, weight=None)
        xy = np.array([positions[v] for v in range(graph.n)])
    else:
        xy = spring_positions(graph, 80 if graph.n <= 500 else 30, seed)
    xy -= xy.mean(axis=0)
    return xy / max(np.abs(xy).max(), 1e-12)
