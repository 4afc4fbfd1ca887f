"""Flow and map equation of kexue_viz.mapequation against Infomap 2.16, sympy, networkx and the
post's (and the brief's) numbers."""
from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
import sympy as sp

from kexue_viz.mapequation import codelength, compute_flow, multilevel_codelength, one_level_codelength
from kexue_viz.mapequation import graphs
from kexue_viz.mapequation.codelength import codelength_batch, entropy_rate, module_flows, set_partitions
from kexue_viz.mapequation.flow import Graph, dense_flow_reference
from kexue_viz.mapequation.optimise import FlowOptions, evaluate_with_infomap, network, run_infomap

infomap = pytest.importorskip("infomap")

DIRECTED_MODELS = [FlowOptions("directed", 0.15, recorded, to_nodes)
                   for recorded in (False, True) for to_nodes in (False, True)]
ALL_MODELS = [FlowOptions("undirected"), *DIRECTED_MODELS]


def model_id(options: FlowOptions) -> str:
    if options.model == "undirected":
        return "undirected"
    return f"{'recorded' if options.recorded else 'unrecorded'}-{'nodes' if options.to_nodes else 'links'}"


def d6_with_extras() -> Graph:
    """D6 plus self-links 0→0, 4→4 (w = 2), a weighted link and a dangling node 6 (reached from 1)."""
    base = graphs.d6()
    src = np.concatenate([base.src, [0, 4, 1]])
    dst = np.concatenate([base.dst, [0, 4, 6]])
    return Graph(7, src, dst, np.concatenate([base.w, [2.0, 2.0, 0.5]]), directed=True)


def build_cases():
    rng = np.random.default_rng(3)
    karate_weighted = graphs.karate(weighted=True)
    return [
        ("d6", graphs.d6(), np.array([0, 0, 0, 1, 1, 1])),
        ("d6-extras", d6_with_extras(), np.array([0, 0, 0, 1, 1, 1, 2])),
        ("karate-weighted", karate_weighted, rng.integers(0, 4, karate_weighted.n)),
        ("planted", graphs.directed_planted(), rng.integers(0, 5, 40)),
    ]


CASES = build_cases()


def tree_module_flows(result, labels) -> dict:
    """Infomap's top modules (renumbered by Infomap), keyed by our label of their members:
    label -> (enter, exit, flow)."""
    ours = {node.path[0]: labels[node.node_id] for node in result.nodes()}
    return {ours[node.path[0]]: (node.data.enter_flow, node.data.exit_flow, node.data.flow)
            for node in result.tree() if not node.is_leaf and node.depth == 1}


@pytest.mark.parametrize("options", ALL_MODELS + [FlowOptions("directed", 0.3, True, False, 2.0),
                                                  FlowOptions("undirected", markov_time=0.5),
                                                  FlowOptions("directed", 0.05, False, True, 1.7)],
                         ids=lambda o: f"{model_id(o)}-tau{o.tau}-t{o.markov_time}")
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_codelength_matches_infomap_for_a_given_partition(case, options):
    name, graph, labels = case
    flow = compute_flow(graph, **options.flow_kwargs())
    ours = codelength(flow, labels)
    opts = infomap.Options(no_infomap=True, two_level=True, silent=True, directed=options.model == "directed",
                           **options.infomap_kwargs())
    theirs = infomap.run(network(graph), options=opts,
                         initial_partition={k: int(m) + 1 for k, m in enumerate(labels)})
    assert ours.total == pytest.approx(theirs.codelength, abs=1e-9)
    assert ours.index == pytest.approx(theirs.index_codelength, abs=1e-9)
    assert ours.module == pytest.approx(theirs.module_codelength, abs=1e-9)
    assert one_level_codelength(flow) == pytest.approx(theirs.one_level_codelength, abs=1e-9)
    node_flow = np.zeros(graph.n)
    for node in theirs.nodes():
        node_flow[node.node_id] = node.flow
    np.testing.assert_allclose(flow.p, node_flow, atol=1e-12)
    mf = module_flows(flow, labels)
    for module, (enter, exit_, total) in tree_module_flows(theirs, labels).items():
        assert (mf.enter[module], mf.exit[module], mf.flow[module]) == pytest.approx((enter, exit_, total), abs=1e-12)


D6_TABLE = {  # brief §3.3: L, index, module, H(p)
    "unrecorded-links": (2.467314, 0.173591, 2.293723, 2.584175),
    "recorded-links": (2.603600, 0.211091, 2.392509, 2.584175),
    "unrecorded-nodes": (2.441914, 0.166667, 2.275247, 2.584963),
    "recorded-nodes": (2.623930, 0.216667, 2.407263, 2.584963),
    "undirected": (2.713688, 0.25, 2.463688, 2.561278),
}


@pytest.mark.parametrize("options", ALL_MODELS, ids=model_id)
def test_d6_table(options):
    flow = compute_flow(graphs.d6(), **options.flow_kwargs())
    result = codelength(flow, [0, 0, 0, 1, 1, 1])
    got = (result.total, result.index, result.module, one_level_codelength(flow))
    assert got == pytest.approx(D6_TABLE[model_id(options)], abs=5e-7)


def test_d6_with_self_links():
    base = graphs.d6()
    graph = Graph(6, np.concatenate([base.src, [0, 4]]), np.concatenate([base.dst, [0, 4]]),
                  np.concatenate([base.w, [2.0, 2.0]]), directed=True)
    labels = [0, 0, 0, 1, 1, 1]
    assert codelength(compute_flow(graph, "directed"), labels).total == pytest.approx(1.982973, abs=5e-7)
    assert codelength(compute_flow(graph), labels).total == pytest.approx(2.508240, abs=5e-7)


def test_two_triangles_exact():
    """Worked value: two triangles joined by an edge, split into the triangles = 3 − (3/7) log2 3,
    and the same value from the post's entropy form (eq. 11) in exact rationals."""
    graph = Graph(6, np.array([0, 0, 1, 3, 3, 4, 2]), np.array([1, 2, 2, 4, 5, 5, 3]), np.ones(7))
    exact = 3 - sp.Rational(3, 7) * sp.log(3, 2)
    assert codelength(compute_flow(graph), [0, 0, 0, 1, 1, 1]).total == pytest.approx(float(exact), abs=1e-12)
    p = [sp.Rational(2, 14)] * 2 + [sp.Rational(3, 14)]           # one triangle's node flows
    q = sp.Rational(1, 14)                                          # its exit (= enter) flow
    H = lambda probs: -sum(x / sum(probs) * sp.log(x / sum(probs), 2) for x in probs)
    entropy_form = 2 * q * H([q, q]) + 2 * (q + sum(p)) * H([q, *p])
    assert sp.simplify(entropy_form - exact) == 0


def test_one_module_is_entropy_of_flow_and_cycle_exact():
    flow = compute_flow(graphs.ring_of_cliques(4, 3))
    assert codelength(flow, np.zeros(flow.n, int)).total == pytest.approx(one_level_codelength(flow), abs=1e-12)
    cycle = Graph(8, np.arange(8), (np.arange(8) + 1) % 8, np.ones(8))
    assert one_level_codelength(compute_flow(cycle)) == pytest.approx(3.0, abs=1e-12)


KARATE = {  # brief §3.3
    False: dict(one_level=4.704423, rate=2.580980, club=(4.462091, 0.141026, 4.321065), best=4.311793),
    True: dict(one_level=4.634008, club=(4.254142,), best=4.087423),
}


@pytest.mark.parametrize("weighted", [False, True])
def test_karate_numbers(weighted):
    graph = graphs.karate(weighted)
    flow = compute_flow(graph)
    want = KARATE[weighted]
    assert one_level_codelength(flow) == pytest.approx(want["one_level"], abs=5e-7)
    club = codelength(flow, graph.truth)
    assert (club.total, club.index, club.module)[:len(want["club"])] == pytest.approx(want["club"], abs=5e-7)
    best = run_infomap(graph, num_trials=10, seed=123)
    assert best.codelength == pytest.approx(want["best"], abs=5e-7)
    assert codelength(flow, best.labels).total == pytest.approx(best.codelength, abs=1e-12)
    if not weighted:
        assert entropy_rate(flow) == pytest.approx(want["rate"], abs=5e-7)
        mf = module_flows(flow, best.labels)
        assert sorted(np.round(mf.flow * 78, 9)) == [8, 31, 39]
        assert sorted(np.round(mf.exit * 78, 9)) == [2, 5, 7]
        assert (best.index_codelength, best.module_codelength) == pytest.approx((0.256947, 4.054846), abs=5e-7)


def test_post_eq_15_literally_is_recorded_teleportation_to_nodes():
    """Post eqs. (13), (15), (11) with dense matrices on graphs without dangling nodes."""
    rng = np.random.default_rng(5)
    for graph in (graphs.d6(), graphs.directed_planted(seed=5)):
        W = np.zeros((graph.n, graph.n))
        np.add.at(W, (graph.src, graph.dst), graph.w)
        assert (W.sum(axis=1) > 0).all()
        tau, n = 0.15, graph.n
        p = dense_flow_reference(W, tau)
        P = W / W.sum(axis=1, keepdims=True)
        labels = rng.integers(0, 4, n)
        member = labels[:, None] == np.arange(labels.max() + 1)[None, :]
        q = np.array([tau * (n - m.sum()) / n * p[m].sum() + (1 - tau) * (p[m][:, None] * P[np.ix_(m, ~m)]).sum()
                      for m in member.T])
        P_mod = np.array([p[m].sum() for m in member.T])
        H = lambda x: -(x / x.sum() * np.log2(x / x.sum())).sum()
        L = q.sum() * H(q) + sum((q[i] + P_mod[i]) * H(np.concatenate([[q[i]], p[m]])) for i, m in enumerate(member.T))
        options = FlowOptions("directed", tau, True, True)
        flow = compute_flow(graph, **options.flow_kwargs())
        np.testing.assert_allclose(flow.p, p, atol=1e-12)
        assert codelength(flow, labels).total == pytest.approx(L, abs=1e-9)
        assert evaluate_with_infomap(graph, labels, options).codelength == pytest.approx(L, abs=1e-9)


def test_recorded_to_nodes_flow_is_networkx_pagerank():
    graph = d6_with_extras()
    flow = compute_flow(graph, "directed", tau=0.2, recorded=True, to_nodes=True)
    G = nx.DiGraph()
    G.add_nodes_from(range(graph.n))
    G.add_weighted_edges_from(zip(graph.src.tolist(), graph.dst.tolist(), graph.w.tolist()))
    pr = nx.pagerank(G, alpha=0.8, tol=1e-14, max_iter=1000)
    np.testing.assert_allclose(flow.p, [pr[v] for v in range(graph.n)], atol=1e-10)


def test_equation_8_normaliser_changes_the_optimum():
    """Post eq. (8) divides by 1 + 2q, which depends on the partition: minimising L/(1+2q)
    prefers fragmented partitions (exhaustive over all 21,147 partitions of barbell(4,1))."""
    G = nx.barbell_graph(4, 1)
    graph = graphs.from_networkx(G)
    flow = compute_flow(graph)
    partitions = set_partitions(graph.n)
    assert len(partitions) == 21147
    L, q = codelength_batch(flow, partitions)
    best = partitions[np.argmin(L)]
    bridge = list(G.nodes).index(4)
    groups = {frozenset(np.flatnonzero(best == m)) for m in np.unique(best)}
    cliques = [frozenset(list(G.nodes).index(v) for v in part) for part in ([0, 1, 2, 3], [5, 6, 7, 8])]
    assert groups == {*cliques, frozenset([bridge])}
    assert L.min() == pytest.approx(2.574165, abs=5e-7)
    ratio = L / (1 + 2 * q)
    winners = partitions[ratio <= ratio.min() + 1e-12]
    assert L[np.argmin(ratio)] == pytest.approx(3.599059, abs=5e-7)
    assert all(len(np.unique(w)) >= 5 for w in winners)
    names = list(G.nodes)

    def contiguous(nodes):
        return nx.is_connected(G.subgraph([names[k] for k in nodes]))

    assert any(not contiguous(np.flatnonzero(w == m)) for w in winners for m in np.unique(w))


def test_batch_matches_single_evaluation():
    flow = compute_flow(graphs.d6(), "directed", recorded=True)
    labels = np.random.default_rng(0).integers(0, 6, (20, 6))
    L, _ = codelength_batch(flow, labels)
    np.testing.assert_allclose(L, [codelength(flow, row).total for row in labels], atol=1e-12)


def test_invariants():
    graph = graphs.les_miserables()
    flow = compute_flow(graph)
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 6, graph.n)
    L = codelength(flow, labels).total
    perm = rng.permutation(graph.n)  # node i of the new graph is old node perm[i]
    inverse = np.argsort(perm)
    permuted = Graph(graph.n, inverse[graph.src], inverse[graph.dst], graph.w)
    assert codelength(compute_flow(permuted), labels[perm]).total == pytest.approx(L, abs=1e-12)
    assert codelength(flow, (labels * 7 + 3) % 41).total == pytest.approx(L, abs=1e-12)
    scaled = type(flow)(flow.p * 3, flow.src, flow.dst, flow.F * 3)
    assert codelength(scaled, labels).total == pytest.approx(3 * L, abs=1e-12)  # the c·log c terms cancel
    mf = module_flows(flow, labels)
    np.testing.assert_allclose(mf.enter, mf.exit, atol=1e-15)
    rate = entropy_rate(flow)
    assert all(codelength(flow, rng.integers(0, k, graph.n)).total >= rate for k in (1, 2, 5, 20, 77))


def test_float32_is_not_enough():
    graph = graphs.lfr(1000, 0.3, 42)
    flow = compute_flow(graph)
    labels = graph.truth
    L64 = codelength(flow, labels).total
    flow32 = type(flow)(flow.p.astype(np.float32), flow.src, flow.dst, flow.F.astype(np.float32))
    mf = module_flows(flow32, labels)
    e, x, P = (a.astype(np.float32) for a in (mf.enter, mf.exit, mf.flow))
    f32 = lambda v: (v * np.log2(np.where(v > 0, v, 1))).astype(np.float32)
    L32 = float(f32(e.sum()) - f32(e).sum() - f32(x).sum() + f32(x + P).sum() - f32(flow32.p).sum())
    assert abs(L32 - L64) > 1e-7


def test_multilevel_formula_matches_infomap():
    graph = graphs.ring_of_cliques(12, 4)
    flow = compute_flow(graph)
    result = run_infomap(graph, two_level=False, num_trials=5, seed=3)
    tree = multilevel_codelength(flow, result.paths)
    assert tree.total == pytest.approx(result.codelength, abs=1e-9)
    assert tree.index == pytest.approx(result.index_codelength, abs=1e-9)
    two_level = multilevel_codelength(flow, [(m,) for m in result.labels])
    assert two_level.total == pytest.approx(codelength(flow, result.labels).total, abs=1e-12)


def test_hand_written_tree_file(tmp_path):
    """A three-level hierarchy written by hand, evaluated by Infomap through ``cluster_data``."""
    graph = graphs.ring_of_cliques(6, 3)
    # super-module 0: three cliques as submodules; super-module 1: nine nodes as direct leaves
    paths = [(0, k // 3) if k < 9 else (1,) for k in range(18)]
    from kexue_viz.mapequation.io import parse_tree, to_tree
    flow = compute_flow(graph)
    text = to_tree(graph, paths, flow.p)
    path = tmp_path / "hand.tree"
    path.write_text(text)
    assert parse_tree(text, graph.n) == tuple(paths)
    opts = infomap.Options(no_infomap=True, cluster_data=str(path), silent=True, two_level=False)
    theirs = infomap.run(network(graph), options=opts)
    ours = multilevel_codelength(flow, paths)
    assert ours.total == pytest.approx(theirs.codelength, abs=1e-9)
    assert ours.index == pytest.approx(theirs.index_codelength, abs=1e-9)


def test_directed_networkx_input_keeps_direction():
    """Infomap issue #913: a DiGraph run reports the directed codelength."""
    graph = graphs.d6()
    G = nx.DiGraph(list(zip(graph.src.tolist(), graph.dst.tolist())))
    result = infomap.run(G, options=infomap.Options(no_infomap=True, two_level=True, silent=True, directed=True),
                         initial_partition={v: 1 + v // 3 for v in range(6)})
    assert result.codelength == pytest.approx(D6_TABLE["unrecorded-links"][0], abs=5e-7)


def test_recorded_teleportation_with_trials():
    """Infomap issue #327: the index codelength with num_trials > 1 under recorded teleportation."""
    graph = graphs.directed_planted(seed=2)
    options = FlowOptions("directed", recorded=True)
    result = run_infomap(graph, options, num_trials=4, seed=5)
    ours = codelength(compute_flow(graph, **options.flow_kwargs()), result.labels)
    assert (ours.total, ours.index) == pytest.approx((result.codelength, result.index_codelength), abs=1e-9)


def test_igraph_peer_is_undirected_only():
    igraph = pytest.importorskip("igraph")
    graph = graphs.karate()
    g = igraph.Graph(n=graph.n, edges=list(zip(graph.src.tolist(), graph.dst.tolist())))
    clustering = g.community_infomap(trials=10)
    flow = compute_flow(graph)
    assert codelength(flow, clustering.membership).total == pytest.approx(clustering.codelength, abs=1e-9)
    assert clustering.codelength == pytest.approx(KARATE[False]["best"], abs=5e-7)
    d6 = graphs.d6()
    directed = igraph.Graph(n=6, edges=list(zip(d6.src.tolist(), d6.dst.tolist())), directed=True)
    result = directed.community_infomap(trials=5)
    assert result.codelength == pytest.approx(codelength(compute_flow(d6), result.membership).total, abs=1e-9)


def test_lfr_nmi():
    from sklearn.metrics import normalized_mutual_info_score as nmi
    scores = []
    for mu in (0.1, 0.3, 0.5):
        graph = graphs.lfr(1000, mu, 42)
        scores.append(nmi(graph.truth, run_infomap(graph, num_trials=2, seed=1).labels))
    assert scores[0] >= 0.99
    assert scores[1] <= scores[0] + 0.01 and scores[2] <= scores[1] + 0.01


def test_digits_knn_beats_kmeans():
    from sklearn.cluster import KMeans
    from sklearn.datasets import load_digits
    from sklearn.metrics import normalized_mutual_info_score as nmi
    graph = graphs.digits(1797, 10, 0.0, True)
    result = run_infomap(graph, FlowOptions("directed"), num_trials=5, seed=1)
    score = nmi(graph.truth, result.labels)
    kmeans = nmi(graph.truth, KMeans(10, n_init=4, random_state=0).fit_predict(load_digits().data))
    assert score == pytest.approx(0.767, abs=0.03)
    assert kmeans == pytest.approx(0.742, abs=0.03)
    assert score > kmeans
