"""Community detection methods side by side, for the dashboard's sweep, the notebook and the
benchmark: Infomap (the official package), networkx Louvain and label propagation. Every
partition is returned as node labels so the core can score it with the map equation."""
from __future__ import annotations

from typing import Callable, Iterator

import networkx as nx
import numpy as np

from .flow import Graph
from .graphs import to_networkx
from .optimise import FlowOptions, run_infomap

METHODS = ("infomap", "louvain", "label_propagation")


def as_labels(communities, n: int) -> np.ndarray:
    """Node labels from a list of node sets."""
    labels = np.zeros(n, dtype=np.int64)
    for k, members in enumerate(communities):
        labels[list(members)] = k
    return labels


def detect(graph: Graph, method: str, seed: int = 1, num_trials: int = 3,
           options: FlowOptions = FlowOptions()) -> np.ndarray:
    """Labels found by ``method`` (one of :data:`METHODS`; networkx methods read the graph as
    undirected with summed weights)."""
    if method == "infomap":
        return run_infomap(graph, options, num_trials=num_trials, seed=seed).labels
    G = to_networkx(graph)
    if method == "louvain":
        return as_labels(nx.community.louvain_communities(G, seed=seed), graph.n)
    if method == "label_propagation":
        return as_labels(nx.community.label_propagation_communities(G), graph.n)
    raise ValueError(f"unknown method {method!r}; choose one of {METHODS}")


def sweep(build: Callable[[float], Graph], values, seed: int = 1) -> Iterator[tuple[float, str, float, int]]:
    """For each parameter value, build the graph and yield ``(value, method, NMI, modules)`` for
    every method (NMI against the graph's ``truth``)."""
    from sklearn.metrics import normalized_mutual_info_score

    for value in values:
        graph = build(value)
        options = FlowOptions("directed" if graph.directed else "undirected")
        for method in METHODS:
            labels = detect(graph, method, seed=seed, options=options)
            yield value, method, float(normalized_mutual_info_score(graph.truth, labels)), int(labels.max()) + 1
