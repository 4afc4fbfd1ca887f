"""ΔL formulas against full recomputation; the 2008 and 2009 search traces."""
from __future__ import annotations

import numpy as np
import pytest

from kexue_viz.mapequation import MoveState, codelength, compute_flow, merge_delta, module_flow_matrix, module_flows
from kexue_viz.mapequation import graphs
from kexue_viz.mapequation.codelength import plogp
from kexue_viz.mapequation.search import aggregate, core_move_trace, greedy_merge_trace, greedy_merge_trace_naive

KARATE_BEST = 4.311793
FLOWS = {
    "undirected": lambda g: compute_flow(g),
    "recorded": lambda g: compute_flow(g, "directed", recorded=True),
    "unrecorded": lambda g: compute_flow(g, "directed", tau=0.2, to_nodes=True),
}


@pytest.fixture(params=list(FLOWS))
def flow(request):
    return FLOWS[request.param](graphs.directed_planted(seed=3) if request.param != "undirected" else graphs.les_miserables())


def test_merge_delta_matches_recomputation(flow):
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 8, flow.n)
    before = codelength(flow, labels)
    mf = module_flows(flow, labels, 8)
    f = module_flow_matrix(flow, labels, 8)
    i, j = np.triu_indices(8, 1)
    delta = merge_delta(mf.enter, mf.exit, mf.flow, mf.enter.sum(), i, j, f[i, j] + f[j, i])
    after = [codelength(flow, np.where(labels == b, a, labels)).total for a, b in zip(i, j)]
    np.testing.assert_allclose(delta, np.array(after) - before.total, atol=1e-12)


def test_move_delta_matches_recomputation(flow):
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 6, flow.n)
    state = MoveState(flow, labels)
    before = codelength(flow, labels).total
    assert state.codelength() == pytest.approx(before, abs=1e-12)
    for alpha in rng.choice(flow.n, 12, replace=False):
        targets, delta = state.move_deltas(alpha, candidates=np.arange(7))  # 6 = an empty module
        for j, d in zip(targets, delta):
            moved = labels.copy()
            moved[alpha] = j
            assert d == pytest.approx(codelength(flow, moved).total - before, abs=1e-12)
    targets, delta = state.move_deltas(5)
    state.move(5, targets[np.argmin(delta)])
    assert state.codelength() == pytest.approx(codelength(flow, state.labels).total, abs=1e-12)
    assert state.codelength() == pytest.approx(before + delta.min(), abs=1e-12)


def test_greedy_vectorised_equals_naive():
    flow = compute_flow(graphs.karate())
    fast, naive = greedy_merge_trace(flow), greedy_merge_trace_naive(flow)
    assert len(fast) == len(naive)
    for a, b in zip(fast.labels, naive.labels):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(fast.codelengths, naive.codelengths, atol=1e-12)


def test_greedy_on_karate_stops_short_of_infomap():
    flow = compute_flow(graphs.karate())
    trace = greedy_merge_trace(flow)
    for labels, L in zip(trace.labels, trace.codelengths):
        assert L == pytest.approx(codelength(flow, labels).total, abs=1e-12)
    assert np.all(np.diff(trace.codelengths) < 0)
    assert np.all(np.diff(trace.num_modules) == -1)
    assert trace.codelengths[-1] in (pytest.approx(4.384621, abs=5e-7), pytest.approx(4.424082, abs=5e-7))
    assert trace.codelengths[-1] >= KARATE_BEST - 1e-9


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_core_moves_with_aggregation(seed):
    flow = compute_flow(graphs.karate())
    trace = core_move_trace(flow, seed=seed)
    assert trace.phases[0] == "start" and trace.num_modules[0] == flow.n
    assert np.all(np.diff(trace.codelengths) < 0)
    for labels, L in zip(trace.labels, trace.codelengths):  # accumulated ΔL = recomputed L at every step
        assert L == pytest.approx(codelength(flow, labels).total, abs=1e-12)
    assert trace.codelengths[-1] >= KARATE_BEST - 1e-9
    assert trace.codelengths[-1] <= 4.45


def test_core_moves_reach_levels_on_ring_of_cliques():
    flow = compute_flow(graphs.ring_of_cliques(8, 5))
    trace = core_move_trace(flow, seed=4)
    assert trace.num_modules[-1] == 8
    assert "level 1" in trace.phases or trace.num_modules[-1] == 8
    for labels, L in zip(trace.labels, trace.codelengths):  # ΔL of module-network moves, accumulated
        assert L == pytest.approx(codelength(flow, labels).total, abs=1e-12)


def test_aggregated_network_keeps_the_codelength():
    """L of a coarse partition = L on the module network + Σ plogp(P_i) − Σ plogp(p_α)."""
    for flow in (compute_flow(graphs.les_miserables()), compute_flow(graphs.directed_planted(), "directed", recorded=True)):
        rng = np.random.default_rng(2)
        fine = rng.integers(0, 15, flow.n)
        fine = np.unique(fine, return_inverse=True)[1]
        coarse_of_fine = rng.integers(0, 4, fine.max() + 1)
        module_net = aggregate(flow, fine)
        offset = plogp(module_net.p).sum() - plogp(flow.p).sum()
        assert codelength(flow, coarse_of_fine[fine]).total == pytest.approx(
            codelength(module_net, coarse_of_fine).total + offset, abs=1e-12)


def test_torch_mirror_matches_numpy_core():
    import torch

    from kexue_viz.mapequation import torch_core
    from kexue_viz.mapequation.codelength import codelength_batch
    from kexue_viz.mapequation.flow import pagerank, teleport_distribution

    graph = graphs.directed_planted(seed=3)
    for flow in (compute_flow(graph, "directed", recorded=True), compute_flow(graphs.les_miserables())):
        labels = np.random.default_rng(0).integers(0, 5, (6, flow.n))
        ours = torch_core.codelength_batch(flow, labels, torch.device("cpu")).numpy()
        np.testing.assert_allclose(ours, codelength_batch(flow, labels)[0], atol=1e-12)
    v = teleport_distribution(graph, False, False)
    pi, _ = torch_core.pagerank(graph, 0.15, v, torch.device("cpu"))
    np.testing.assert_allclose(pi.numpy(), pagerank(graph, 0.15, v)[0], atol=1e-13)
