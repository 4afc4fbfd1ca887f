"""Graph presets, uploads (each kind of bad file), exports (.clu/.tree/CSV), prefix codes."""
from __future__ import annotations

import numpy as np
import pytest

from kexue_viz.mapequation import codelength, compute_flow, graphs, one_level_codelength
from kexue_viz.mapequation.coding import (encode_two_level, expected_length, huffman_code, kraft_sum,
                                          running_bits, simulate_walk, two_level_code)
from kexue_viz.mapequation.codelength import entropy
from kexue_viz.mapequation.io import MAX_BYTES, UploadError, parse_network, to_clu, to_csv


def test_presets():
    assert (graphs.karate().n, graphs.karate().num_links) == (34, 78)
    assert graphs.karate(True).w.max() > 1 and graphs.karate().w.max() == 1
    assert graphs.les_miserables().n == 77 and graphs.florentine().n == 15 and graphs.davis().n == 32
    ring = graphs.ring_of_cliques(5, 4)
    assert ring.n == 20 and len(np.unique(ring.truth)) == 5
    lfr = graphs.lfr(250, 0.3, 42)
    assert lfr.n == 250 and lfr.truth is not None and (lfr.src != lfr.dst).all()
    assert graphs.d6().directed and graphs.directed_planted().directed


def test_knn_graph_recipe():
    X = np.random.default_rng(0).normal(size=(60, 5))
    graph = graphs.knn_graph(X, k=4, directed=True)
    assert np.array_equal(np.bincount(graph.src, minlength=60), np.full(60, 4))
    unit = X / np.linalg.norm(X, axis=1, keepdims=True)
    sim = unit @ unit.T
    np.testing.assert_allclose(graph.w, np.maximum(sim[graph.src, graph.dst], 0), atol=1e-12)
    thresholded = graphs.knn_graph(X, k=8, min_sim=0.5)
    assert (thresholded.w >= 0.5).all()
    for u in range(60):  # stop at the first neighbour below the threshold
        order = np.argsort(-np.where(np.eye(60, dtype=bool)[u], -np.inf, sim[u]))[:8]
        kept = [v for v in order[:np.argmax(sim[u, order] < 0.5) if (sim[u, order] < 0.5).any() else 8]]
        assert sorted(thresholded.dst[thresholded.src == u]) == sorted(kept)
    digits = graphs.digits(300, 5, 0.0, False)
    assert digits.n == 300 and not digits.directed and len(np.unique(digits.truth)) == 10


GOOD = {
    "csv": b"source,target,weight\na,b,1\nb,c,2.5\nc,a,1\n",
    "tsv": b"a\tb\nb\tc\n",
    "space": b"# comment\n1 2 3\n2 3\n",
    "pajek": b'*Vertices 3\n1 "alpha"\n2 "beta"\n3 "gamma"\n*Arcs\n1 2 1.5\n2 3\n3 1\n',
}


@pytest.mark.parametrize("kind", list(GOOD))
def test_good_uploads(kind):
    graph = parse_network(GOOD[kind])
    assert graph.n == 3 and graph.num_links >= 2
    if kind == "pajek":
        assert graph.directed and graph.names == ("alpha", "beta", "gamma") and graph.w[0] == 1.5
    if kind == "csv":
        assert graph.names == ("a", "b", "c") and graph.w.tolist() == [1, 2.5, 1]
    codelength(compute_flow(graph), np.zeros(graph.n, int))


BAD = {
    "empty": b"  \n",
    "too_large": b"a,b\n" * (MAX_BYTES // 4 + 1),
    "not_text": b"PK\x03\x04\x00\x00binary",
    "few_columns": b"a,b\nc\n",
    "bad_weight": b"a,b,heavy\n",
    "negative_weight": b"a,b,-1\n",
    "no_links": b"a,b,0\n",
    "too_many_links": b"".join(f"{k},{k + 1}\n".encode() for k in range(20_001)),
    "too_many_nodes": b"*Vertices 5000\n*Edges\n1 2\n",
    "pajek_vertices": b"*Vertices many\n",
    "pajek_vertex": b"*Vertices 3\n*Edges\n1 7\n",
    "pajek_section": b"*Vertices 3\n*Matrix\n",
}


@pytest.mark.parametrize("kind", list(BAD))
def test_bad_uploads_are_named(kind):
    with pytest.raises(UploadError) as caught:
        parse_network(BAD[kind])
    assert caught.value.key == kind
    assert str(caught.value)


def test_clu_round_trip_through_infomap(tmp_path):
    infomap = pytest.importorskip("infomap")
    from kexue_viz.mapequation.optimise import network
    graph = graphs.karate()
    flow = compute_flow(graph)
    labels = graph.truth
    path = tmp_path / "club.clu"
    path.write_text(to_clu(labels, flow.p))
    result = infomap.run(network(graph), options=infomap.Options(no_infomap=True, two_level=True, silent=True,
                                                                  cluster_data=str(path)))
    assert result.codelength == pytest.approx(codelength(flow, labels).total, abs=1e-9)
    rows = to_csv(graph, labels, flow.p).splitlines()
    assert rows[0] == "node,name,module,flow" and len(rows) == graph.n + 1


def test_huffman_and_walk_encoding():
    p = np.array([0.4, 0.2, 0.2, 0.1, 0.05, 0.05])
    codes = huffman_code(p)
    assert kraft_sum(codes) == 1.0
    assert all(not b.startswith(a) for a in codes for b in codes if a != b)
    H = entropy(p)
    assert H <= expected_length(p, codes) < H + 1
    graph = graphs.ring_of_cliques(6, 4)
    flow = compute_flow(graph)
    labels = graph.truth
    walk = simulate_walk(flow, 30_000, seed=2)
    one, two = running_bits(walk, labels, flow)
    assert one[-1] == pytest.approx(expected_length(flow.p, huffman_code(flow.p)), abs=0.05)
    assert one_level_codelength(flow) <= one[-1] + 0.05 < one_level_codelength(flow) + 1
    L = codelength(flow, labels).total
    assert L - 0.05 <= two[-1] < L + 1 and two[-1] < one[-1]
    tokens = encode_two_level(walk[:50], labels, two_level_code(flow, labels))
    assert sum(t.kind == "node" for t in tokens) == 50
    assert sum(t.kind == "exit" for t in tokens) == sum(t.kind == "index" for t in tokens) - 1
