"""最小熵原理（五）: InfoMap — random-walk flow, the map equation and its searches (post 7006).

Core (numpy, float64; no plotting imports):

* :func:`compute_flow` — visit rates p and link flows F of a :class:`Graph` under Infomap's flow
  models (undirected; directed with teleportation recorded or not, to nodes or links; Markov time).
* :func:`codelength` / :func:`multilevel_codelength` — the two-level and multilevel map
  equation, split into index and module codelength.
* :func:`merge_delta`, :class:`MoveState` — ΔL of a merge or a node move.
* :func:`greedy_merge_trace`, :func:`core_move_trace` — the 2008 and 2009 searches step by step.
* :func:`run_infomap` — the official ``infomap`` package (optional, imported lazily).
"""
from .codelength import (Codelength, codelength, entropy, entropy_rate, module_flows, multilevel_codelength,
                         one_level_codelength, plogp)
from .delta import MoveState, merge_delta, module_flow_matrix
from .flow import FLOW_MODELS, Flow, Graph, compute_flow
from .optimise import FlowOptions, InfomapMissing, evaluate_with_infomap, run_infomap
from .search import Trace, core_move_trace, greedy_merge_trace

__all__ = ["Codelength", "FLOW_MODELS", "Flow", "FlowOptions", "Graph", "InfomapMissing", "MoveState", "Trace",
           "codelength", "compute_flow", "core_move_trace", "entropy", "entropy_rate", "evaluate_with_infomap",
           "greedy_merge_trace", "merge_delta", "module_flow_matrix", "module_flows", "multilevel_codelength",
           "one_level_codelength", "plogp", "run_infomap"]
