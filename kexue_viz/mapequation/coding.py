"""Prefix codes for the walk-encoding view (post §熵与编码, figures 2, 4 and 5).

Huffman codes reach H ≤ Σ p_i l_i < H + 1 with Σ 2^(−l_i) = 1 (Kraft, eq. 1, with equality).
A simulated random walk is encoded with one Huffman code over the visit rates (one level), or
with the two-level code of a partition: an index codebook over module enter rates, and per
module a codebook over its exit codeword and its nodes.
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np

from .codelength import module_flows
from .flow import Flow


def huffman_code(weights) -> list[str]:
    """Binary Huffman codewords for non-negative ``weights`` (one symbol gets ``"0"``).
    A heap of (weight, tie, symbols); O(n log n)."""
    weights = np.asarray(weights, dtype=np.float64)
    codes = [""] * len(weights)
    if len(weights) == 1:
        return ["0"]
    heap = [(float(w), k, [k]) for k, w in enumerate(weights)]
    heapq.heapify(heap)
    tie = len(weights)
    while len(heap) > 1:
        w0, _, left = heapq.heappop(heap)
        w1, _, right = heapq.heappop(heap)
        for symbol in left:
            codes[symbol] = "0" + codes[symbol]
        for symbol in right:
            codes[symbol] = "1" + codes[symbol]
        heapq.heappush(heap, (w0 + w1, tie, left + right))
        tie += 1
    return codes


def expected_length(weights, codes) -> float:
    """Σ p_i l_i with p = weights / Σ weights."""
    weights = np.asarray(weights, dtype=np.float64)
    return float((weights / weights.sum() * np.array([len(c) for c in codes])).sum())


def kraft_sum(codes) -> float:
    return float(sum(2.0 ** -len(c) for c in codes))


def simulate_walk(flow: Flow, steps: int, seed: int = 0) -> np.ndarray:
    """A walk of ``steps`` nodes following the link flows (next node ∝ F[α→·]); with recorded
    teleportation, or at a node without out-flow, it jumps to ``v`` with the teleport share."""
    rng = np.random.default_rng(seed)
    order = np.argsort(flow.src, kind="stable")
    targets, F = flow.dst[order], flow.F[order]
    ptr = np.concatenate([[0], np.cumsum(np.bincount(flow.src, minlength=flow.n))])
    cumulative = np.cumsum(F)
    t, v = flow.teleport if flow.teleport is not None else (np.zeros(flow.n), np.full(flow.n, 1.0 / flow.n))
    node = int(rng.choice(flow.n, p=flow.p / flow.p.sum()))
    walk = np.empty(steps, dtype=np.int64)
    draws = rng.random((steps, 2))
    for step in range(steps):  # a walk is sequential by nature
        walk[step] = node
        lo, hi = ptr[node], ptr[node + 1]
        out = F[lo:hi].sum()
        jump = t[node] / (t[node] + out) if out > 0 else 1.0
        if draws[step, 0] < jump:
            node = int(np.searchsorted(np.cumsum(v), draws[step, 1] * v.sum()))
            node = min(node, flow.n - 1)
        else:
            base = cumulative[lo - 1] if lo > 0 else 0.0
            k = int(np.searchsorted(cumulative[lo:hi] - base, draws[step, 1] * out, side="right"))
            node = int(targets[lo + min(k, hi - lo - 1)])
    return walk


@dataclass(frozen=True)
class Token:
    """One codeword in an encoded walk: kind is 'index', 'node' or 'exit'."""

    kind: str
    code: str
    node: int
    module: int


@dataclass(frozen=True)
class TwoLevelCode:
    index: list
    modules: dict       # module -> (exit codeword, {node: codeword})


def two_level_code(flow: Flow, labels) -> TwoLevelCode:
    """Huffman codebooks of the partition: index over enter rates, module i over (x_i, p_α∈i)."""
    labels = np.asarray(labels)
    m = int(labels.max()) + 1
    flows = module_flows(flow, labels, m)
    modules = {}
    for i in range(m):
        members = np.flatnonzero(labels == i)
        codes = huffman_code(np.concatenate([[flows.exit[i]], flow.p[members]]))
        modules[i] = (codes[0], dict(zip(members.tolist(), codes[1:])))
    return TwoLevelCode(huffman_code(flows.enter), modules)


def encode_two_level(walk, labels, code: TwoLevelCode) -> list[Token]:
    """Tokens of the walk: a module switch emits exit, index and node codewords."""
    labels = np.asarray(labels)
    tokens = []
    for k, node in enumerate(np.asarray(walk).tolist()):
        module = int(labels[node])
        if k == 0 or labels[walk[k - 1]] != module:
            if k > 0:
                previous = int(labels[walk[k - 1]])
                tokens.append(Token("exit", code.modules[previous][0], -1, previous))
            tokens.append(Token("index", code.index[module], -1, module))
        tokens.append(Token("node", code.modules[module][1][node], node, module))
    return tokens


def running_bits(walk, labels, flow: Flow) -> tuple[np.ndarray, np.ndarray]:
    """Bits per step after each step, for the one-level and the two-level Huffman codes
    (the first step's module codeword is not counted: the stationary code has no start)."""
    walk = np.asarray(walk)
    labels = np.asarray(labels)
    one = np.array([len(c) for c in huffman_code(flow.p)])[walk]
    code = two_level_code(flow, labels)
    node_bits = np.array([len(code.modules[labels[a]][1][a]) for a in range(flow.n)])
    exit_bits = np.array([len(code.modules[i][0]) for i in range(len(code.modules))])
    index_bits = np.array([len(c) for c in code.index])
    switch = np.concatenate([[False], labels[walk[1:]] != labels[walk[:-1]]])
    previous = labels[np.concatenate([[walk[0]], walk[:-1]])]
    two = node_bits[walk] + switch * (exit_bits[previous] + index_bits[labels[walk]])
    steps = np.arange(1, len(walk) + 1)
    return np.cumsum(one) / steps, np.cumsum(two) / steps
