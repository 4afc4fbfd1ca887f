"""Random-walk flow on a weighted graph: what the map equation encodes (post eqs. 12–15).

A :class:`Graph` is a COO link list ``src → dst`` with weights ``w ≥ 0`` on ``n`` nodes. A
:class:`Flow` holds the node visit rates ``p_α`` (Σp = 1) and the flow on every real link
``F[α→β]``; under *recorded* teleportation it also carries the teleport flow leaving each node
``t_α`` and the teleport target distribution ``v``, so the dense teleport part of F is never
built (module sums give it exactly, see :mod:`.codelength`).

Flow models are Infomap's (verified against ``infomap`` 2.16 in the tests):

* ``undirected``: S = W + Wᵀ − diag(W); p_α = s_α/Σs, F[α→β] = S[α,β]/Σs each way (no teleport).
* ``directed``: PageRank with teleportation τ to ``v`` (to nodes: uniform; to links:
  v ∝ s_out unrecorded, v ∝ s_in recorded); dangling nodes always teleport:
  π_β = (τ + (1−τ)d) v_β + (1−τ) Σ_α π_α T[α,β],  d = Σ_{α dangling} π_α.
  Unrecorded: F[α→β] = π_α T[α,β]/(1−d), p_β = Σ_α F[α→β]. Recorded: p = π,
  F[α→β] = (1−τ)π_α T[α,β] on real links, t_α = τπ_α (+ (1−τ)π_α if α is dangling).
* Markov time ``t`` scales the flow on real links, not p and not recorded teleport flow
  (Infomap 2.16's convention, pinned by a test).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import scipy.sparse as sp

FLOW_MODELS = ("undirected", "directed")
FLOW_TOLERANCE = 1e-15
MIN_FLOW_ITERATIONS = 50
MAX_FLOW_ITERATIONS = 1000


@dataclass(frozen=True, eq=False)
class Graph:
    """Weighted links ``src[k] → dst[k]`` with weight ``w[k]`` on nodes ``0..n-1``.

    Compared and hashed by identity (it holds arrays). ``directed`` is the graph's natural reading (the dashboard's default flow model);
    ``names`` label nodes, ``truth`` is a planted partition when known (LFR, digits labels)."""

    n: int
    src: np.ndarray
    dst: np.ndarray
    w: np.ndarray
    directed: bool = False
    names: tuple[str, ...] | None = None
    truth: np.ndarray | None = None
    name: str = ""

    def __post_init__(self):
        for key, dtype in (("src", np.int64), ("dst", np.int64), ("w", np.float64)):
            object.__setattr__(self, key, np.ascontiguousarray(getattr(self, key), dtype=dtype))
        if not (len(self.src) == len(self.dst) == len(self.w)):
            raise ValueError("src, dst and w must have the same length")
        if len(self.src) and (min(self.src.min(), self.dst.min()) < 0 or max(self.src.max(), self.dst.max()) >= self.n):
            raise ValueError("link endpoints must lie in 0..n-1")
        if len(self.w) and (not np.isfinite(self.w).all() or self.w.min() < 0):
            raise ValueError("link weights must be finite and non-negative")

    @property
    def num_links(self) -> int:
        return len(self.src)

    def label(self, node: int) -> str:
        return self.names[node] if self.names is not None else str(node)

    def undirected_pairs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Links merged as undirected pairs ``a ≤ b`` (weights of (a,b) and (b,a) summed)."""
        a, b = np.minimum(self.src, self.dst), np.maximum(self.src, self.dst)
        merged = sp.coo_matrix((self.w, (a, b)), shape=(self.n, self.n)).tocsr().tocoo()
        return merged.row.astype(np.int64), merged.col.astype(np.int64), merged.data


@dataclass(frozen=True, eq=False)
class Flow:
    """Visit rates and link flows of one flow model (all float64, Σp = 1).

    ``teleport`` is ``None`` unless teleportation is recorded; then it is ``(t, v)``: the
    teleport flow leaving each node and the teleport target distribution (Σv = 1)."""

    p: np.ndarray
    src: np.ndarray
    dst: np.ndarray
    F: np.ndarray
    teleport: tuple[np.ndarray, np.ndarray] | None = None
    model: str = "undirected"
    settings: dict = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.p)

    def scaled(self, markov_time: float) -> "Flow":
        """The same walk encoded at Markov time ``t``: real-link flows × t; p and recorded
        teleport flows unchanged."""
        return replace(self, F=self.F * markov_time)


def undirected_flow(graph: Graph) -> Flow:
    """Undirected flow: p_α = s_α/Σs with s the strength of S = W + Wᵀ − diag(W); each
    non-self link carries S[α,β]/Σs in each direction (self-links never cross a boundary)."""
    a, b, w = graph.undirected_pairs()
    loop = a == b
    strength = np.bincount(a, w, graph.n) + np.bincount(b, w * ~loop, graph.n)
    total = strength.sum()
    if total <= 0:
        raise ValueError("the graph has no link with positive weight")
    a, b, w = a[~loop], b[~loop], w[~loop] / total
    return Flow(strength / total, np.concatenate([a, b]), np.concatenate([b, a]), np.concatenate([w, w]),
                model="undirected")


def teleport_distribution(graph: Graph, to_nodes: bool, recorded: bool) -> np.ndarray:
    """Teleport targets ``v`` (Σv = 1): uniform over nodes, or ∝ s_out (unrecorded) / s_in
    (recorded) when teleporting to links, as Infomap does."""
    if to_nodes:
        return np.full(graph.n, 1.0 / graph.n)
    strength = np.bincount(graph.dst if recorded else graph.src, graph.w, graph.n)
    return strength / strength.sum()


def pagerank(graph: Graph, tau: float, v: np.ndarray, tol: float = FLOW_TOLERANCE,
             max_iter: int = MAX_FLOW_ITERATIONS) -> tuple[np.ndarray, np.ndarray, int]:
    """Stationary π of the teleporting walk by sparse power iteration, O(E) per step.

    Returns ``(π, dangling_mask, iterations)``. Stops when the L1 change ≤ ``tol`` or, after
    ``MIN_FLOW_ITERATIONS``, stops decreasing (Infomap's rule); π renormalised each step."""
    s_out = np.bincount(graph.src, graph.w, graph.n)
    dangling = s_out <= 0
    T = sp.csr_matrix((graph.w / np.where(dangling, 1.0, s_out)[graph.src], (graph.dst, graph.src)),
                      shape=(graph.n, graph.n))  # T transposed: rows are targets
    pi = np.full(graph.n, 1.0 / graph.n)
    previous_change = np.inf
    for iteration in range(1, max_iter + 1):
        d = pi[dangling].sum()
        new = (tau + (1 - tau) * d) * v + (1 - tau) * (T @ pi)
        new /= new.sum()
        change = np.abs(new - pi).sum()
        pi = new
        if change <= tol or (iteration >= MIN_FLOW_ITERATIONS and change >= previous_change):
            break
        previous_change = change
    return pi, dangling, iteration


def directed_flow(graph: Graph, tau: float = 0.15, recorded: bool = False, to_nodes: bool = False) -> Flow:
    """Directed flow with teleportation probability ``tau`` (see module docstring)."""
    if graph.w.sum() <= 0:
        raise ValueError("the graph has no link with positive weight")
    v = teleport_distribution(graph, to_nodes, recorded)
    pi, dangling, iterations = pagerank(graph, tau, v)
    s_out = np.bincount(graph.src, graph.w, graph.n)
    step = pi[graph.src] * graph.w / s_out[graph.src]  # π_α T[α,β] on every real link
    settings = dict(tau=tau, recorded=recorded, to_nodes=to_nodes, iterations=iterations)
    if recorded:
        t = tau * pi + (1 - tau) * pi * dangling
        return Flow(pi, graph.src, graph.dst, (1 - tau) * step, (t, v), model="directed", settings=settings)
    F = step / (1.0 - pi[dangling].sum())
    return Flow(np.bincount(graph.dst, F, graph.n), graph.src, graph.dst, F, model="directed", settings=settings)


def compute_flow(graph: Graph, model: str = "undirected", tau: float = 0.15, recorded: bool = False,
                 to_nodes: bool = False, markov_time: float = 1.0) -> Flow:
    """The flow of ``graph`` under one of :data:`FLOW_MODELS` (Infomap's options by the same names:
    ``teleportation_probability``, ``recorded_teleportation``, ``to_nodes``, ``markov_time``)."""
    if model not in FLOW_MODELS:
        raise ValueError(f"unknown flow model {model!r}; choose one of {FLOW_MODELS}")
    if not 0 < tau < 1:
        raise ValueError("the teleportation probability must lie in (0, 1)")
    if markov_time <= 0:
        raise ValueError("the Markov time must be positive")
    flow = undirected_flow(graph) if model == "undirected" else directed_flow(graph, tau, recorded, to_nodes)
    return flow if markov_time == 1.0 else flow.scaled(markov_time)


def dense_flow_reference(W: np.ndarray, tau: float) -> np.ndarray:
    """Post eq. (13) literally, dense: p = (1−τ) Pᵀp + τ/n, P[α,β] = W[α,β]/s_out(α) (no
    dangling nodes). O(n²) per step: a baseline for tests and the benchmark."""
    n = len(W)
    P = W / W.sum(axis=1, keepdims=True)
    G = (1 - tau) * P + tau / n
    p = np.full(n, 1.0 / n)
    for _ in range(MAX_FLOW_ITERATIONS):
        new = p @ G
        new /= new.sum()
        if np.abs(new - p).sum() <= FLOW_TOLERANCE:
            return new
        p = new
    return p
