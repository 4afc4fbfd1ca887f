"""The InfoMap results as functions of frozen settings, memoised process-wide
(:mod:`kexue_viz.pipeline`): every reader of the dashboard, the notebook and the CLI share them.

Each settings object holds exactly what its result depends on, normalised by its ``of``
classmethod: a preset network only its own parameters, an uploaded one its bytes and file name;
an undirected flow only the Markov time (τ and teleportation do not enter it); a search's seed
only where the search reads it. A sweep's points are memoised one network at a time, so a sweep
that was cancelled, or run by another reader, is not computed again.

The numbers of a given partition (its codelengths, codebooks, the coded walk) are plain functions
of the flow and the labels: a partition the reader edits by hand has no settings to key them by.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp

from ..pipeline import memoised
from . import compare, graphs
from .codelength import Codelength, codelength, entropy_rate, multilevel_codelength, one_level_codelength
from .coding import Token, encode_two_level, huffman_code, running_bits, simulate_walk, two_level_code
from .flow import Flow, Graph, compute_flow
from .io import parse_network
from .optimise import FlowOptions, run_infomap
from .search import core_move_trace, greedy_merge_trace

STEPWISE = ("greedy", "core")  # the searches traced step by step
PRESETS = {  # name -> builder of the preset from its own parameters (GraphSettings.params)
    "karate": lambda: graphs.karate(False), "karate_weighted": lambda: graphs.karate(True),
    "les_miserables": graphs.les_miserables, "florentine": graphs.florentine, "davis": graphs.davis,
    "ring": graphs.ring_of_cliques, "lfr": graphs.lfr, "digits": graphs.digits,
    "d6": graphs.d6, "planted": graphs.directed_planted,
}
# the presets with a ground truth that a sweep runs through: name -> (axis label, values of the swept
# parameter, which is the preset's params[SWEPT]: LFR's μ, the digits graph's k)
SWEEPS = {"lfr": ("μ", (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)), "digits": ("k", (3, 5, 10, 20, 40))}
SWEPT = 1
MODULE_BOOK_SHOWN = 40  # a module codebook lists the exit and at most this many nodes


@dataclass(frozen=True)
class GraphSettings:
    """A network: a preset ``name`` with its own parameters ``params`` (ring: cliques, clique size;
    lfr: n, μ, seed; digits: subset, k, minimum similarity, directed), or ``name = "upload"`` with
    the uploaded file's bytes and name."""
    name: str
    params: tuple = ()
    upload: bytes = b""
    filename: str = ""

    @classmethod
    def of(cls, name: str, n_cliques: int, clique_size: int, lfr_n: int, lfr_mu: float, lfr_seed: int, knn_k: int,
           knn_subset: int, knn_min_sim: float, knn_directed: bool) -> "GraphSettings":
        own = {"ring": (int(n_cliques), int(clique_size)), "lfr": (int(lfr_n), round(lfr_mu, 2), int(lfr_seed)),
               "digits": (int(knn_subset), int(knn_k), round(knn_min_sim, 2), bool(knn_directed))}
        return cls(name, own.get(name, ()))

    @classmethod
    def uploaded(cls, data: bytes, filename: str) -> "GraphSettings":
        return cls("upload", upload=data, filename=filename)


@memoised(max_bytes=64 * 2**20)
def network(settings: GraphSettings) -> Graph:
    """The network (an upload parsed by :func:`~.io.parse_network`, which raises
    :class:`~.io.UploadError` for a bad file)."""
    if settings.name == "upload":
        return parse_network(settings.upload, name=settings.filename)
    return PRESETS[settings.name](*settings.params)


@memoised(max_bytes=8 * 2**20)
def layout(settings: GraphSettings) -> np.ndarray:
    """Spring/Kamada–Kawai node positions (the slow part of a graph change)."""
    return graphs.layout(network(settings))


@dataclass(frozen=True)
class FlowSettings:
    """The flow of a network under a flow model (undirected: the Markov time alone)."""
    graph: GraphSettings
    options: FlowOptions

    @classmethod
    def of(cls, graph: GraphSettings, model: str, tau: float, recorded: bool, to_nodes: bool,
           markov_time: float) -> "FlowSettings":
        if model == "undirected":
            return cls(graph, FlowOptions("undirected", markov_time=round(markov_time, 4)))
        return cls(graph, FlowOptions(model, round(tau, 4), bool(recorded), bool(to_nodes), round(markov_time, 4)))


@memoised(max_bytes=32 * 2**20)
def flow(settings: FlowSettings) -> Flow:
    """Visit rates and link flows (:func:`~.flow.compute_flow`)."""
    return compute_flow(network(settings.graph), **settings.options.flow_kwargs())


@dataclass(frozen=True)
class TraceSettings:
    """A stepwise search (``greedy`` merges or ``core`` moves; the seed only for ``core``) on a flow."""
    flow: FlowSettings
    source: str
    seed: int | None

    @classmethod
    def of(cls, flow: FlowSettings, source: str, seed: int) -> "TraceSettings":
        return cls(flow, source, int(seed) if source == "core" else None)


@memoised(max_bytes=32 * 2**20)
def trace(settings: TraceSettings):
    """The whole trace of the search (labels per step, codelengths, module counts; core: phases)."""
    if settings.source == "greedy":
        return greedy_merge_trace(flow(settings.flow))
    return core_move_trace(flow(settings.flow), seed=settings.seed)


@memoised(max_bytes=4 * 2**20)
def search_curves(flow: FlowSettings, seed: int) -> tuple[dict, dict, list]:
    """``(codelengths, module counts, phase bands)`` of the two stepwise searches (``greedy`` and
    ``core``, seeded): per search the codelength and the number of modules per step; the core
    search's phases as ``(first step - ½, last step + ½, phase)`` bands, its start left out."""
    traces = {source: trace(TraceSettings.of(flow, source, seed)) for source in STEPWISE}
    curves = {source: np.array(result.codelengths) for source, result in traces.items()}
    counts = {source: result.num_modules for source, result in traces.items()}
    phases, bands, start = traces["core"].phases, [], 0
    for k in range(1, len(phases) + 1):
        if k == len(phases) or phases[k] != phases[start]:
            if phases[start] != "start":
                bands.append((start - 0.5, k - 0.5, phases[start]))
            start = k
    return curves, counts, bands


@dataclass(frozen=True)
class InfomapSettings:
    """Infomap on a flow model: two-level or multilevel, trials and seed."""
    flow: FlowSettings
    two_level: bool
    num_trials: int
    seed: int


@memoised(max_bytes=8 * 2**20)
def infomap_partition(settings: InfomapSettings) -> tuple[np.ndarray, tuple]:
    """``(labels, paths)`` Infomap finds (raises :class:`~.optimise.InfomapMissing` without it)."""
    result = run_infomap(network(settings.flow.graph), settings.flow.options, two_level=settings.two_level,
                         num_trials=settings.num_trials, seed=settings.seed)
    return result.labels, result.paths


@dataclass(frozen=True)
class WalkSettings:
    """A random walk of ``T`` steps on a flow, seeded."""
    flow: FlowSettings
    T: int
    seed: int


@memoised(max_bytes=8 * 2**20)
def walk(settings: WalkSettings) -> np.ndarray:
    """The visited nodes (:func:`~.coding.simulate_walk`)."""
    return simulate_walk(flow(settings.flow), settings.T, seed=settings.seed)


def link_pairs(flow: Flow) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray]:
    """Each node pair once (a < b) with the flow on its links in both directions."""
    a, b = np.minimum(flow.src, flow.dst), np.maximum(flow.src, flow.dst)
    keep = a != b
    merged = sp.coo_matrix((flow.F[keep], (a[keep], b[keep])), shape=(flow.n, flow.n)).tocsr().tocoo()
    return (merged.row.astype(np.int64), merged.col.astype(np.int64)), merged.data


@memoised(max_bytes=2**20)
def planted_codelength(settings: FlowSettings) -> float | None:
    """L of the network's planted partition (its ground truth) under the flow; ``None`` without one."""
    truth = network(settings.graph).truth
    return None if truth is None else codelength(flow(settings), np.unique(truth, return_inverse=True)[1]).total


@memoised(max_bytes=2**20)
def flow_entropy_rate(settings: FlowSettings) -> float | None:
    """The entropy rate of an undirected flow (the lower bound of any code, :func:`~.codelength.entropy_rate`);
    ``None`` for a directed one."""
    result = flow(settings)
    return entropy_rate(result) if result.model == "undirected" else None


@dataclass(frozen=True)
class PartitionSummary:
    """The codelengths of a partition in bits per step: ``L`` (the multilevel codelength for a module
    tree), its index and module parts, the one-level ``H`` = H(p), the share saved 1 − L/H, the number
    of top modules ``m``, and the two-level terms (:class:`~.codelength.Codelength`)."""
    L: float
    index: float
    module: float
    H: float
    saving: float
    m: int
    two_level: Codelength


def partition_summary(flow: Flow, labels: np.ndarray, paths: tuple | None = None) -> PartitionSummary:
    """:class:`PartitionSummary` of the partition ``labels`` (0..m−1); with ``paths`` (module path
    per node) L is the multilevel codelength of that tree, split as index (of the top level) and
    the rest."""
    two_level = codelength(flow, labels)
    H = one_level_codelength(flow)
    total = multilevel_codelength(flow, paths).total if paths is not None else two_level.total
    return PartitionSummary(total, two_level.index, total - two_level.index, H, 1 - total / H if H else 0.0,
                            int(labels.max()) + 1, two_level)


def truth_nmi(graph: Graph, labels: np.ndarray) -> float | None:
    """The normalised mutual information of ``labels`` and the network's ground truth (``None``
    without one)."""
    if graph.truth is None:
        return None
    from sklearn.metrics import normalized_mutual_info_score

    return float(normalized_mutual_info_score(graph.truth, labels))


def index_codebook(summary: PartitionSummary) -> tuple[np.ndarray, list[str]]:
    """Each module's share of the module entries and its Huffman codeword in the index codebook."""
    enter = summary.two_level.flows.enter
    return enter / max(enter.sum(), 1e-300), huffman_code(np.maximum(enter, 0))


def module_codebook(flow: Flow, labels: np.ndarray, summary: PartitionSummary,
                    module: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The codebook of ``module``: its first :data:`MODULE_BOOK_SHOWN` nodes, the shares of its exit
    and of those nodes' visits (exit first), and their Huffman codewords over those rates."""
    members = np.flatnonzero(labels == module)[:MODULE_BOOK_SHOWN]
    rates = np.concatenate([[summary.two_level.flows.exit[module]], flow.p[members]])
    return members, rates / rates.sum(), huffman_code(rates)


@dataclass(frozen=True)
class CodedWalk:
    """The first steps of a walk coded both ways (``one_level``: a codeword per step; ``two_level``:
    the two-level code's tokens, exit and index codewords at module switches) and, for the whole
    walk, the bits per step so far of each code."""
    one_level: list[str]
    two_level: list[Token]
    one_bits: np.ndarray
    two_bits: np.ndarray


def coded_walk(flow: Flow, labels: np.ndarray, walk: np.ndarray, shown: int) -> CodedWalk:
    """The walk's first ``shown`` steps under the one-level Huffman code over the visit rates and
    the two-level code of ``labels`` (:mod:`.coding`), with both codes' running bits per step."""
    head = walk[:shown]
    one_codes = huffman_code(flow.p)
    one_bits, two_bits = running_bits(walk, labels, flow)
    return CodedWalk([one_codes[a] for a in head], encode_two_level(head, labels, two_level_code(flow, labels)),
                     one_bits, two_bits)


def sweep_networks(graph: GraphSettings) -> tuple[GraphSettings, ...]:
    """The networks of the sweep through ``graph``'s swept parameter (:data:`SWEEPS`; the other
    parameters as in ``graph``)."""
    _, values = SWEEPS[graph.name]
    return tuple(replace(graph, params=(*graph.params[:SWEPT], value, *graph.params[SWEPT + 1:])) for value in values)


@memoised(max_bytes=2**20)
def sweep_point(graph: GraphSettings, seed: int) -> tuple[tuple[float, str, float, int], ...]:
    """``(swept value, method, NMI against the truth, modules)`` of each method of :mod:`.compare`
    on one network of a sweep (:func:`sweep_networks`)."""
    return tuple(compare.sweep(lambda value: network(graph), (graph.params[SWEPT],), seed=seed))
