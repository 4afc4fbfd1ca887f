"""The two searches the post describes, as step-by-step traces for visualisation.

* :func:`greedy_merge_trace` — 2008 (Rosvall & Bergstrom, PNAS): from singletons, repeatedly
  merge the pair of modules with the largest decrease of L; stop when no merge decreases L.
  ΔL of every connected pair is recomputed at each step (the plogp(E) term changes them all).
  Ties: the smallest (i, j) among values within ``TIE`` of the minimum.
* :func:`core_move_trace` — 2009 ("The map equation"): visit nodes in random order and move each
  to the neighbouring module (or an empty one) that lowers L most; repeat until no move helps;
  then aggregate modules into nodes and repeat at the next level ("层层递进").

Infomap's refinements (fine/coarse tuning, trials) are left to the official package.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from .codelength import codelength, module_flows
from .delta import MoveState, merge_delta, module_flow_matrix
from .flow import Flow

TIE = 1e-12
IMPROVEMENT = 1e-10


@dataclass
class Trace:
    """One label array per step (node → module id), the codelength and a phase name per step."""

    labels: list = field(default_factory=list)
    codelengths: list = field(default_factory=list)
    phases: list = field(default_factory=list)

    def record(self, labels, L: float, phase: str) -> None:
        self.labels.append(np.asarray(labels, dtype=np.int64).copy())
        self.codelengths.append(float(L))
        self.phases.append(phase)

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def num_modules(self) -> np.ndarray:
        return np.array([len(np.unique(labels)) for labels in self.labels])


def _pick(delta: np.ndarray) -> int:
    """Index of the chosen pair: the smallest (i, j) among ΔL within TIE of the minimum
    (candidates come in row-major (i, j) order)."""
    return int(np.flatnonzero(delta <= delta.min() + TIE)[0])


def greedy_merge_trace(flow: Flow, max_steps: int | None = None) -> Trace:
    """The 2008 greedy merge, vectorised: a dense module-flow matrix, ΔL of all connected pairs
    in one call per step (O(m²) per step)."""
    n = flow.n
    labels = np.arange(n)
    mf = module_flows(flow, labels, n)
    enter, exit_, P = mf.enter.copy(), mf.exit.copy(), mf.flow.copy()
    f = module_flow_matrix(flow, labels, n)
    alive = np.ones(n, dtype=bool)
    trace = Trace()
    trace.record(labels, codelength(flow, labels).total, "start")
    for _ in range(max_steps if max_steps is not None else n - 1):
        phi = f + f.T
        connected = np.triu(phi > 0, 1) & alive[:, None] & alive[None, :]
        i, j = np.nonzero(connected)
        if not len(i):
            break
        delta = merge_delta(enter, exit_, P, enter.sum(), i, j, phi[i, j])
        k = _pick(delta)
        if delta[k] >= -IMPROVEMENT:
            break
        a, b = i[k], j[k]
        enter[a], exit_[a], P[a] = enter[a] + enter[b] - phi[a, b], exit_[a] + exit_[b] - phi[a, b], P[a] + P[b]
        enter[b] = exit_[b] = P[b] = 0.0
        f[a, :] += f[b, :]
        f[:, a] += f[:, b]
        f[b, :] = f[:, b] = 0.0
        f[a, a] = 0.0
        alive[b] = False
        labels = np.where(labels == b, a, labels)
        trace.record(labels, trace.codelengths[-1] + delta[k], "merge")
    return trace


def greedy_merge_trace_naive(flow: Flow, max_steps: int | None = None) -> Trace:
    """The same search recomputing L from scratch for every candidate pair (O(m²·E) per step):
    the baseline for the benchmark and the check of :func:`greedy_merge_trace`."""
    labels = np.arange(flow.n)
    trace = Trace()
    trace.record(labels, codelength(flow, labels).total, "start")
    for _ in range(max_steps if max_steps is not None else flow.n - 1):
        modules = np.unique(labels)
        f = module_flow_matrix(flow, labels, flow.n)
        phi = f + f.T
        pairs = [(a, b) for a in modules for b in modules if a < b and phi[a, b] > 0]
        if not pairs:
            break
        current = trace.codelengths[-1]
        delta = np.array([codelength(flow, np.where(labels == b, a, labels)).total - current for a, b in pairs])
        k = _pick(delta)
        if delta[k] >= -IMPROVEMENT:
            break
        a, b = pairs[k]
        labels = np.where(labels == b, a, labels)
        trace.record(labels, codelength(flow, labels).total, "merge")
    return trace


def aggregate(flow: Flow, labels: np.ndarray) -> Flow:
    """The module-level network: one node per module (labels 0..m-1) with p = P_i, links
    f_ij summed (internal flow dropped) and recorded teleport sums (T_i, V_i)."""
    m = int(labels.max()) + 1
    a, b = labels[flow.src], labels[flow.dst]
    cross = a != b
    merged = sp.coo_matrix((flow.F[cross], (a[cross], b[cross])), shape=(m, m)).tocsr().tocoo()
    teleport = None
    if flow.teleport is not None:
        teleport = (np.bincount(labels, flow.teleport[0], m), np.bincount(labels, flow.teleport[1], m))
    return Flow(np.bincount(labels, flow.p, m), merged.row.astype(np.int64), merged.col.astype(np.int64),
                merged.data, teleport, model=flow.model, settings=flow.settings)


def core_move_trace(flow: Flow, seed: int = 123, max_levels: int = 10, max_sweeps: int = 50) -> Trace:
    """The 2009 core algorithm with aggregation, one recorded step per node move.

    Phases are ``"start"`` and ``"level k"`` (k = 0 for the network's nodes, k ≥ 1 for
    aggregated modules). Loops over nodes inside a sweep are inherent (each move changes the
    next node's ΔL); intended for n ≤ a few hundred. The recorded L is the level's starting L
    plus the ΔL of each move (aggregation shifts L by a constant per level, so the ΔL of a
    module-network move is the ΔL on the original network), not a recomputation per move."""
    rng = np.random.default_rng(seed)
    node_of = np.arange(flow.n)          # original node → node of the current level
    level_flow = flow
    trace = Trace()
    trace.record(node_of, codelength(flow, node_of).total, "start")
    for level in range(max_levels):
        state = MoveState(level_flow, np.arange(level_flow.n))
        current = codelength(flow, node_of).total
        moved = False
        for _ in range(max_sweeps):
            improved = False
            for alpha in rng.permutation(level_flow.n):
                targets, delta = state.move_deltas(alpha)
                if not len(targets) or delta.min() >= -IMPROVEMENT:
                    continue
                best = int(np.argmin(delta))
                state.move(alpha, targets[best])
                current += float(delta[best])
                improved = moved = True
                trace.record(state.labels[node_of], current, f"level {level}")
            if not improved:
                break
        if not moved:
            break
        compact = np.unique(state.labels, return_inverse=True)[1]
        node_of = compact[node_of]
        level_flow = aggregate(level_flow, compact)
    return trace
