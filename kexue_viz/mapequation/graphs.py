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


def powerlaw_integers(rng: np.random.Generator, exponent: float, low: int, high: int, size: int) -> np.ndarray:
    """``size`` integers in [low, high] with P(k) ∝ k^−exponent."""
    values = np.arange(low, high + 1)
    weights = values ** -float(exponent)
    return rng.choice(values, size=size, p=weights / weights.sum())


def powerlaw_min_degree(exponent: float, mean: float, high: int) -> int:
    """The smallest degree whose power law on [k_min, high] has the mean closest to ``mean``."""
    def law_mean(low):
        k = np.arange(low, high + 1, dtype=float)
        weights = k ** -exponent
        return float((k * weights).sum() / weights.sum())

    return min(range(1, high + 1), key=lambda low: abs(law_mean(low) - mean))


def community_sizes(rng: np.random.Generator, n: int, exponent: float, low: int, high: int) -> np.ndarray:
    """Power-law community sizes in [low, high] summing to ``n`` (the last one cut to fit; a draw
    whose remainder is below ``low`` is redrawn)."""
    for _ in range(1000):
        sizes = powerlaw_integers(rng, exponent, low, high, n // low + 1)
        total = np.cumsum(sizes)
        count = int(np.searchsorted(total, n)) + 1
        sizes = sizes[:count].copy()
        sizes[-1] -= total[count - 1] - n
        if sizes[-1] >= low:
            return sizes
    raise ValueError(f"no community sizes in [{low}, {high}] sum to n = {n}")


def assign_communities(rng: np.random.Generator, internal: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """A community per node with room for its internal degree (size > degree): nodes in
    decreasing internal degree, each into a random community that still has room and is big enough."""
    label = np.empty(len(internal), dtype=np.int64)
    free = sizes.copy()
    for node in np.argsort(-internal, kind="stable"):
        fits = np.flatnonzero((free > 0) & (sizes > internal[node]))
        if not len(fits):
            raise ValueError("no community is big enough for a node's internal degree")
        label[node] = fits[rng.integers(len(fits))]
        free[label[node]] -= 1
    return label


def pair_stubs(rng: np.random.Generator, stubs: np.ndarray, allowed, rounds: int = 30) -> np.ndarray:
    """Random simple pairs (E, 2) of ``stubs`` (node ids, one per link end) that pass ``allowed(a, b)``:
    a configuration model whose failing pairs (not allowed, or repeating an earlier pair) are re-paired
    together with as many random good ones, ``rounds`` times; what still fails and an odd stub are dropped."""
    pairs = rng.permutation(stubs)[: len(stubs) // 2 * 2].reshape(-1, 2)

    def failing():
        key = np.minimum(pairs[:, 0], pairs[:, 1]) * (int(stubs.max(initial=0)) + 1) + np.maximum(pairs[:, 0], pairs[:, 1])
        repeated = np.ones(len(pairs), dtype=bool)
        repeated[np.unique(key, return_index=True)[1]] = False
        return repeated | ~allowed(pairs[:, 0], pairs[:, 1])

    for _ in range(rounds):
        bad = failing()
        if not bad.any():
            break
        good = np.flatnonzero(~bad)
        redo = np.concatenate([np.flatnonzero(bad), rng.choice(good, min(int(bad.sum()), len(good)), replace=False)])
        pairs[redo] = rng.permutation(pairs[redo].ravel()).reshape(-1, 2)
    return pairs[~failing()]


@lru_cache(maxsize=16)
def lfr(n: int = 250, mu: float = 0.3, seed: int = 42) -> Graph:
    """LFR benchmark (Lancichinetti, Fortunato & Radicchi 2008: degrees ∝ k^−2.5 with ⟨k⟩ = 20,
    k_max = 50; community sizes ∝ s^−1.5 in 20–100; ⟨k⟩ = 10 and smaller communities below
    n = 250) whose nodes have a share ``mu`` of their links outside their community; the planted
    communities are the truth.

    Wired here as configuration models (each community's internal stubs among themselves, the
    external stubs across communities): networkx's ``LFR_benchmark_graph`` adds links without
    checking the far end's degree, so its graphs mix more than asked (μ = 0.3 gave 0.45 at n = 250,
    ⟨k⟩ 29 instead of 20; networkx issue 6809). A seed whose draw cannot be placed is retried as
    seed + 1, ...; the realised mixing is within a few hundredths of ``mu``."""
    small = n < 250
    mean, high = (10 if small else 20), min(50, n // 4)
    low_size, high_size = (10, min(50, n // 2)) if small else (20, min(100, n // 2))
    for attempt in range(LFR_RETRIES):
        rng = np.random.default_rng(seed + attempt)
        degree = powerlaw_integers(rng, 2.5, powerlaw_min_degree(2.5, mean, high), high, n)
        internal = np.round((1 - mu) * degree).astype(np.int64)
        try:
            label = assign_communities(rng, internal, community_sizes(rng, n, 1.5, low_size, high_size))
        except ValueError:
            continue
        inside = np.concatenate([pair_stubs(rng, np.repeat(members, internal[members]), np.not_equal)
                                 for members in (np.flatnonzero(label == c) for c in range(label.max() + 1))])
        across = pair_stubs(rng, np.repeat(np.arange(n), degree - internal), lambda a, b: label[a] != label[b])
        links = np.concatenate([inside, across])
        return Graph(n, links[:, 0], links[:, 1], np.ones(len(links)), truth=label, name=f"lfr-{n}-{mu}-{seed + attempt}")
    raise ValueError(f"the LFR communities could not be placed for n={n}, mu={mu} (seeds {seed}..{seed + LFR_RETRIES - 1})")


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
