"""The official ``infomap`` package (GPL, optional extra) as optimiser and as reference evaluator.

Imported lazily: the rest of :mod:`kexue_viz.mapequation` works without it, and a call that needs
it raises :class:`InfomapMissing` with the install command.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .flow import Graph

INSTALL_HINT = ("the optional package 'infomap' (GPL-3.0) is not installed: "
                "pip install 'infomap>=2.16,<3' (or pip install 'kexue_viz[infomap]')")


class InfomapMissing(ImportError):
    """Raised when an Infomap-backed function is called without the ``infomap`` package."""


def require_infomap():
    """The ``infomap`` module, or :class:`InfomapMissing` with the install hint."""
    try:
        import infomap
    except ImportError as error:
        raise InfomapMissing(INSTALL_HINT) from error
    return infomap


def has_infomap() -> bool:
    try:
        require_infomap()
    except InfomapMissing:
        return False
    return True


@dataclass(frozen=True)
class FlowOptions:
    """A flow model in Infomap's terms (see :func:`.flow.compute_flow`)."""

    model: str = "undirected"
    tau: float = 0.15
    recorded: bool = False
    to_nodes: bool = False
    markov_time: float = 1.0

    def infomap_kwargs(self) -> dict:
        kwargs = dict(flow_model=self.model, markov_time=self.markov_time)
        if self.model == "directed":
            kwargs.update(teleportation_probability=self.tau, recorded_teleportation=self.recorded,
                          to_nodes=self.to_nodes)
        return kwargs

    def flow_kwargs(self) -> dict:
        return dict(model=self.model, tau=self.tau, recorded=self.recorded, to_nodes=self.to_nodes,
                    markov_time=self.markov_time)


@dataclass(frozen=True)
class InfomapResult:
    """Infomap's answer, by node index: top-module ``labels`` (0-based), multilevel ``paths``
    (module indices from the top, leaf index dropped), codelengths in bits, flows."""

    labels: np.ndarray
    paths: tuple[tuple[int, ...], ...]
    codelength: float
    index_codelength: float
    module_codelength: float
    one_level_codelength: float
    node_flow: np.ndarray
    num_levels: int


def network(graph: Graph):
    """An ``infomap.Network`` with every node (isolated ones too) and link of ``graph``."""
    infomap = require_infomap()
    net = infomap.Network()
    net.add_nodes(range(graph.n))
    net.add_links(zip(graph.src.tolist(), graph.dst.tolist(), graph.w.tolist()))
    return net


def _result(graph: Graph, result) -> InfomapResult:
    labels = np.zeros(graph.n, dtype=np.int64)
    flow = np.zeros(graph.n)
    paths: list[tuple[int, ...]] = [()] * graph.n
    for node in result.nodes():
        paths[node.node_id] = tuple(int(k) - 1 for k in node.path[:-1])
        flow[node.node_id] = node.flow
    _, labels = np.unique([path[0] if path else -1 for path in paths], return_inverse=True)
    return InfomapResult(labels.astype(np.int64), tuple(paths), result.codelength, result.index_codelength,
                         result.module_codelength, result.one_level_codelength, flow, result.num_levels)


def run_infomap(graph: Graph, options: FlowOptions = FlowOptions(), two_level: bool = True,
                num_trials: int = 3, seed: int = 123, initial_labels=None, **extra) -> InfomapResult:
    """Optimise (or, with ``no_infomap=True`` in ``extra``, only evaluate) the map equation with
    Infomap under the flow model ``options``."""
    infomap = require_infomap()
    initial = None if initial_labels is None else {k: int(m) + 1 for k, m in enumerate(initial_labels)}
    opts = infomap.Options(two_level=two_level, num_trials=num_trials, seed=seed, silent=True,
                           directed=options.model == "directed", **options.infomap_kwargs(), **extra)
    return _result(graph, infomap.run(network(graph), options=opts, initial_partition=initial))


def evaluate_with_infomap(graph: Graph, labels, options: FlowOptions = FlowOptions()) -> InfomapResult:
    """Infomap's own codelength of the two-level partition ``labels`` (``no_infomap``)."""
    return run_infomap(graph, options, two_level=True, num_trials=1, initial_labels=labels, no_infomap=True)


def evaluate_tree_with_infomap(graph: Graph, tree_path: str, options: FlowOptions = FlowOptions()) -> InfomapResult:
    """Infomap's codelength of a hierarchy read from a ``.tree`` file (``cluster_data``)."""
    return run_infomap(graph, options, two_level=False, num_trials=1, no_infomap=True, cluster_data=str(tree_path))
