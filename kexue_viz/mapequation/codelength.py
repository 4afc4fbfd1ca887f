"""The map equation of a partition (post eqs. 7–11, 14–15), two-level and multilevel, in bits.

Two-level, expanded form (Infomap's; e = module enter flow, x = exit flow, P = module flow):

    L = plogp(Σe) − Σ_i plogp(e_i)                               index codelength  q↶H(Q)
        − Σ_i plogp(x_i) − Σ_α plogp(p_α) + Σ_i plogp(x_i + P_i)  module codelength Σ p_i↻H(P^i)

The index codebook uses *enter* flows, module codebooks *exit* flows; they agree for undirected
flow and recorded teleportation (the post writes q_i↷ in both places). Flows are normalised so
that Σp = 1 (never by the partition-dependent 1 + 2q of the post's eq. 8).

Multilevel (Rosvall & Bergstrom 2011): every tree node m has a codebook with its exit rate x_m,
the enter rates e_c of its child modules and the rates p_α of leaves directly in m;
L = Σ_m [plogp(r_m) − plogp(x_m) − Σ_c plogp(e_c) − Σ_α plogp(p_α)], r_m = x_m + Σe_c + Σp_α.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .flow import Flow


def plogp(x):
    """x·log2(x) elementwise, with plogp(0) = 0."""
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, x * np.log2(np.where(x > 0, x, 1.0)), 0.0)


def sum_by(ids, weights, size: int) -> np.ndarray:
    """Σ of ``weights`` per id in 0..size-1, always float64 (numpy gives int64 for empty input)."""
    return np.bincount(ids, weights, size).astype(np.float64, copy=False)


def entropy(p) -> float:
    """Shannon entropy in bits of a (not necessarily normalised) non-negative vector."""
    p = np.asarray(p, dtype=np.float64)
    total = p.sum()
    return float(-plogp(p / total).sum()) if total > 0 else 0.0


@dataclass(frozen=True)
class ModuleFlows:
    """Per-module flows of a partition with labels ``0..m-1``: enter e, exit x, flow P."""

    enter: np.ndarray
    exit: np.ndarray
    flow: np.ndarray


@dataclass(frozen=True)
class Codelength:
    """L = index + module; ``module_terms[i]`` = p_i↻H(P^i); ``index_term`` = q↶H(Q)."""

    total: float
    index: float
    module: float
    module_terms: np.ndarray
    flows: ModuleFlows


def compact_labels(labels) -> tuple[np.ndarray, int]:
    """Labels renumbered 0..m-1 in order of first appearance value (np.unique order), and m."""
    _, inverse = np.unique(np.asarray(labels), return_inverse=True)
    return inverse.astype(np.int64), int(inverse.max()) + 1 if len(inverse) else 0


def module_flows(flow: Flow, labels: np.ndarray, m: int | None = None) -> ModuleFlows:
    """Enter/exit/flow per module by scatter-adds over the boundary links, O(E + n); recorded
    teleportation adds T_i(1−V_i) to exit and (ΣT − T_i)V_i to enter (T, V: module sums of t, v)."""
    labels = np.asarray(labels, dtype=np.int64)
    m = int(labels.max()) + 1 if m is None else m
    a, b = labels[flow.src], labels[flow.dst]
    cross = a != b
    exit_ = sum_by(a[cross], flow.F[cross], m)
    enter = sum_by(b[cross], flow.F[cross], m)
    if flow.teleport is not None:
        t, v = flow.teleport
        T, V = sum_by(labels, t, m), sum_by(labels, v, m)
        exit_ = exit_ + T * (1 - V)
        enter = enter + (T.sum() - T) * V
    return ModuleFlows(enter, exit_, sum_by(labels, flow.p, m))


def codelength(flow: Flow, labels) -> Codelength:
    """Two-level map equation of the partition ``labels`` (any hashable ints per node)."""
    labels, m = compact_labels(labels)
    flows = module_flows(flow, labels, m)
    index = float(plogp(flows.enter.sum()) - plogp(flows.enter).sum())
    node_terms = sum_by(labels, plogp(flow.p), m)
    module_terms = plogp(flows.exit + flows.flow) - plogp(flows.exit) - node_terms
    module = float(module_terms.sum())
    return Codelength(index + module, index, module, module_terms, flows)


def one_level_codelength(flow: Flow) -> float:
    """H(p): the codelength with every node in one module (no exits)."""
    return float(-plogp(flow.p).sum())


def entropy_rate(flow: Flow) -> float:
    """Σ_α p_α H(T_α·) of the encoded walk: a lower bound on L for every partition
    (undirected flow; link flows normalised per source node)."""
    out = sum_by(flow.src, flow.F, flow.n)
    share = flow.F / np.where(out > 0, out, 1.0)[flow.src]
    return float(-(flow.p[flow.src] * plogp(share)).sum())


def hierarchy_levels(paths) -> list[np.ndarray]:
    """For multilevel ``paths`` (per node, the tuple of module indices from the top, leaf index
    excluded) return per depth d ≥ 1 an int array: the id of the node's depth-d module, or −1
    when the node sits higher up as a leaf."""
    depth = max(len(path) for path in paths)
    levels = []
    for d in range(1, depth + 1):
        prefixes = [tuple(path[:d]) if len(path) >= d else None for path in paths]
        ids = {prefix: k for k, prefix in enumerate(dict.fromkeys(p for p in prefixes if p is not None))}
        levels.append(np.array([ids[p] if p is not None else -1 for p in prefixes], dtype=np.int64))
    return levels


@dataclass(frozen=True)
class TreeCodelength:
    total: float
    index: float
    module: float
    per_level: tuple[float, ...]


def multilevel_codelength(flow: Flow, paths) -> TreeCodelength:
    """Multilevel map equation of a module tree given by ``paths`` (see :func:`hierarchy_levels`).
    ``index`` is the root codebook (Infomap's index_codelength), ``per_level[d]`` the sum of the
    codebooks of depth-d tree nodes (d = 0: root)."""
    levels = hierarchy_levels(paths)
    leaf_depth = np.array([len(path) for path in paths])
    # codebook terms: each codebook at depth d (owner = parent prefix) gets +plogp(r) − plogp(x) − ...
    exits, enters, owners = [], [], []
    for d, level in enumerate(levels):
        inside = level >= 0
        m = int(level.max()) + 1
        extended = np.where(inside, level, m)  # one bucket for "not in a depth-d module"
        flows = module_flows(flow, extended, m + 1)
        parent = levels[d - 1] if d else np.zeros(len(level), dtype=np.int64)
        owner = np.zeros(m, dtype=np.int64)
        owner[level[inside]] = parent[inside]
        exits.append(flows.exit[:m])
        enters.append(flows.enter[:m])
        owners.append(owner)
    per_level, total = [], 0.0
    for d in range(len(levels) + 1):  # codebooks of tree nodes at depth d
        m_d = 1 if d == 0 else len(exits[d - 1])
        x = np.zeros(1) if d == 0 else exits[d - 1]
        rate = x.copy()
        child_terms = np.zeros(m_d)
        if d < len(levels):
            np.add.at(rate, owners[d], enters[d])
            np.add.at(child_terms, owners[d], plogp(enters[d]))
        leaves = leaf_depth == d
        owner_of_leaf = (np.zeros(len(paths), dtype=np.int64) if d == 0 else levels[d - 1])[leaves]
        rate += sum_by(owner_of_leaf, flow.p[leaves], m_d)
        leaf_terms = sum_by(owner_of_leaf, plogp(flow.p[leaves]), m_d)
        term = float((plogp(rate) - plogp(x) - child_terms - leaf_terms).sum())
        per_level.append(term)
        total += term
    return TreeCodelength(total, per_level[0], total - per_level[0], tuple(per_level))


def codelength_batch(flow: Flow, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two-level L and total exit flow Σx for B partitions at once (``labels`` of shape (B, n),
    ids in 0..n-1): module ids are offset by b·n so one scatter-add fills all B partitions."""
    labels = np.asarray(labels, dtype=np.int64)
    B, n = labels.shape
    offset = (np.arange(B) * n)[:, None]
    size = B * n
    a, b = (labels[:, flow.src] + offset).ravel(), (labels[:, flow.dst] + offset).ravel()
    F = np.broadcast_to(flow.F, (B, len(flow.F))).ravel()
    cross = a != b
    exit_ = sum_by(a[cross], F[cross], size)
    enter = sum_by(b[cross], F[cross], size)
    ids = (labels + offset).ravel()
    P = sum_by(ids, np.tile(flow.p, B), size)
    if flow.teleport is not None:
        T = sum_by(ids, np.tile(flow.teleport[0], B), size)
        V = sum_by(ids, np.tile(flow.teleport[1], B), size)
        T_total = np.repeat(T.reshape(B, n).sum(axis=1), n)
        exit_, enter = exit_ + T * (1 - V), enter + (T_total - T) * V
    enter, exit_, P = enter.reshape(B, n), exit_.reshape(B, n), P.reshape(B, n)
    L = (plogp(enter.sum(axis=1)) - plogp(enter).sum(axis=1) - plogp(exit_).sum(axis=1)
         + plogp(exit_ + P).sum(axis=1) - plogp(flow.p).sum())
    return L, exit_.sum(axis=1)


def set_partitions(n: int) -> np.ndarray:
    """Every partition of n items as restricted-growth label rows (Bell(n) rows; n ≤ 10)."""
    if n > 10:
        raise ValueError("exhaustive enumeration is limited to n ≤ 10 (Bell(10) = 115,975 partitions)")
    rows = np.zeros((1, 1), dtype=np.int64)
    for _ in range(1, n):
        highest = rows.max(axis=1)
        repeats = highest + 2
        base = np.repeat(rows, repeats, axis=0)
        new = np.concatenate([np.arange(r) for r in repeats])
        rows = np.column_stack([base, new])
    return rows
