"""ΔL of a module merge and of a single-node move, from module-level flows only (brief §2.6).

With e_i, x_i, P_i the enter, exit and flow of module i and E = Σe, the two-level codelength is
L = plogp(E) − Σ plogp(e_i) − Σ plogp(x_i) + Σ plogp(x_i + P_i) − Σ_α plogp(p_α). A merge or a
move changes e, x, P of one or two modules and E, so ΔL touches only those terms.
"""
from __future__ import annotations

import numpy as np

from .codelength import module_flows, plogp
from .flow import Flow


def module_term_change(enter_old, exit_old, flow_old, enter_new, exit_new, flow_new):
    """Σ over the given modules of [−plogp(e) − plogp(x) + plogp(x + P)]_new − [...]_old
    (arrays broadcast; the last axis sums the modules involved)."""
    def terms(e, x, P):
        return -plogp(e) - plogp(x) + plogp(x + P)
    return (terms(enter_new, exit_new, flow_new) - terms(enter_old, exit_old, flow_old)).sum(axis=-1)


def merge_delta(enter, exit_, flow, E, i, j, phi):
    """ΔL of merging modules i and j (arrays of pairs), φ = f_ij + f_ji the flow between them:
    e' = e_i + e_j − φ, x' = x_i + x_j − φ, P' = P_i + P_j, E' = E − φ."""
    pair = np.stack([i, j], axis=-1)
    merged = np.stack([enter[i] + enter[j] - phi, np.zeros_like(phi)], axis=-1)
    merged_exit = np.stack([exit_[i] + exit_[j] - phi, np.zeros_like(phi)], axis=-1)
    merged_flow = np.stack([flow[i] + flow[j], np.zeros_like(phi)], axis=-1)
    return (plogp(E - phi) - plogp(E)
            + module_term_change(enter[pair], exit_[pair], flow[pair], merged, merged_exit, merged_flow))


def module_flow_matrix(flow: Flow, labels: np.ndarray, m: int) -> np.ndarray:
    """Dense f[i, j] = flow from module i to module j ≠ i (links plus recorded teleport T_i V_j)."""
    f = np.zeros((m, m))
    np.add.at(f, (labels[flow.src], labels[flow.dst]), flow.F)
    if flow.teleport is not None:
        t, v = flow.teleport
        f += np.outer(np.bincount(labels, t, m), np.bincount(labels, v, m))
    np.fill_diagonal(f, 0.0)
    return f


class MoveState:
    """A partition of ``flow``'s nodes kept with its module flows, for O(deg) move deltas.

    Module ids run over 0..n-1 (at most one module per node; empty ones have zero flows)."""

    def __init__(self, flow: Flow, labels: np.ndarray):
        self.flow = flow
        self.n = flow.n
        self.labels = np.asarray(labels, dtype=np.int64).copy()
        flows = module_flows(flow, self.labels, self.n)
        self.enter, self.exit, self.P = flows.enter.copy(), flows.exit.copy(), flows.flow.copy()
        self.out_ptr, self.out_to, self.out_F = _csr(flow.src, flow.dst, flow.F, self.n)
        self.in_ptr, self.in_from, self.in_F = _csr(flow.dst, flow.src, flow.F, self.n)
        if flow.teleport is not None:
            self.t, self.v = flow.teleport
        else:
            self.t, self.v = np.zeros(self.n), np.zeros(self.n)
        self.T = np.bincount(self.labels, self.t, self.n)
        self.V = np.bincount(self.labels, self.v, self.n)
        self.sizes = np.bincount(self.labels, minlength=self.n)

    def _node_links(self, alpha: int):
        """(modules, flow α→module, flow module→α) over α's non-self links, by module."""
        lo, hi = self.out_ptr[alpha], self.out_ptr[alpha + 1]
        keep = self.out_to[lo:hi] != alpha
        out_mod, out_F = self.labels[self.out_to[lo:hi][keep]], self.out_F[lo:hi][keep]
        lo, hi = self.in_ptr[alpha], self.in_ptr[alpha + 1]
        keep = self.in_from[lo:hi] != alpha
        in_mod, in_F = self.labels[self.in_from[lo:hi][keep]], self.in_F[lo:hi][keep]
        modules, inverse = np.unique(np.concatenate([out_mod, in_mod]), return_inverse=True)
        to_mod = np.bincount(inverse[:len(out_mod)], out_F, len(modules))
        from_mod = np.bincount(inverse[len(out_mod):], in_F, len(modules))
        return modules, to_mod, from_mod

    def move_deltas(self, alpha: int, candidates: np.ndarray | None = None):
        """``(targets, ΔL)`` for moving α to each neighbouring module (or to ``candidates``), plus
        an empty module when α is not alone; empty when there is nowhere to go."""
        i = self.labels[alpha]
        modules, to_mod, from_mod = self._node_links(alpha)
        targets = modules if candidates is None else np.asarray(candidates, dtype=np.int64)
        if candidates is None and self.sizes[i] > 1:
            empty = np.flatnonzero(self.sizes == 0)
            if len(empty):
                targets = np.append(targets, empty[0])
        targets = targets[targets != i]
        if not len(targets):
            return targets, np.zeros(0)
        lookup = dict(zip(modules.tolist(), range(len(modules))))
        index = np.array([lookup.get(k, -1) for k in targets.tolist()])
        link_to = np.where(index >= 0, to_mod[index], 0.0)
        link_from = np.where(index >= 0, from_mod[index], 0.0)
        t, v, p = self.t[alpha], self.v[alpha], self.flow.p[alpha]
        k = lookup.get(int(i), -1)
        to_i = (to_mod[k] if k >= 0 else 0.0) + t * (self.V[i] - v)
        from_i = (from_mod[k] if k >= 0 else 0.0) + (self.T[i] - t) * v
        x_alpha = to_mod.sum() + t * (1 - v)
        e_alpha = from_mod.sum() + (self.T.sum() - t) * v
        to_j = link_to + t * self.V[targets]
        from_j = link_from + self.T[targets] * v
        e_i, x_i = self.enter[i] - e_alpha + to_i + from_i, self.exit[i] - x_alpha + to_i + from_i
        e_j = self.enter[targets] + e_alpha - to_j - from_j
        x_j = self.exit[targets] + x_alpha - to_j - from_j
        E = self.enter.sum()
        E_new = E - self.enter[i] - self.enter[targets] + e_i + e_j
        old = np.stack([np.full(len(targets), self.enter[i]), self.enter[targets]], axis=-1)
        old_x = np.stack([np.full(len(targets), self.exit[i]), self.exit[targets]], axis=-1)
        old_P = np.stack([np.full(len(targets), self.P[i]), self.P[targets]], axis=-1)
        new = np.stack([np.full(len(targets), e_i), e_j], axis=-1)
        new_x = np.stack([np.full(len(targets), x_i), x_j], axis=-1)
        new_P = np.stack([np.full(len(targets), self.P[i] - p), self.P[targets] + p], axis=-1)
        delta = plogp(E_new) - plogp(E) + module_term_change(old, old_x, old_P, new, new_x, new_P)
        return targets, delta

    def move(self, alpha: int, j: int) -> None:
        """Move α to module j; the flows of modules i and j are recomputed from their boundary
        links (O(E); exact, so no drift accumulates over a long trace)."""
        i = self.labels[alpha]
        self.labels[alpha] = j
        for key, value in (("T", self.t[alpha]), ("V", self.v[alpha]), ("P", self.flow.p[alpha]), ("sizes", 1)):
            array = getattr(self, key)
            array[i] -= value
            array[j] += value
        self._refresh_modules(np.array([i, j]))

    def _refresh_modules(self, modules: np.ndarray) -> None:
        mask = np.zeros(self.n, dtype=bool)
        mask[modules] = True
        a, b = self.labels[self.flow.src], self.labels[self.flow.dst]
        cross = (a != b) & (mask[a] | mask[b])
        exit_ = np.bincount(a[cross], self.flow.F[cross], self.n)
        enter = np.bincount(b[cross], self.flow.F[cross], self.n)
        T_total = self.T.sum()
        self.exit[modules] = exit_[modules] + self.T[modules] * (1 - self.V[modules])
        self.enter[modules] = enter[modules] + (T_total - self.T[modules]) * self.V[modules]

    def codelength(self) -> float:
        """L of the current partition of ``flow``'s nodes from the kept module flows."""
        E = self.enter.sum()
        return float(plogp(E) - plogp(self.enter).sum() - plogp(self.exit).sum()
                     + plogp(self.exit + self.P).sum() - plogp(self.flow.p).sum())


def _csr(rows, cols, values, n):
    order = np.argsort(rows, kind="stable")
    return np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n))]), cols[order], values[order]
