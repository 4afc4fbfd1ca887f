"""生成扩散模型漫谈 (十二)–(十五): exact ODE fields of point clouds, solvers and trajectories.

Core (torch, no plotting): :mod:`.data` (seeded toy sets, validation), :mod:`.kernels` (noise
kernels K), :mod:`.constructions` (α_t, σ_t, K, T of every construction), :mod:`.field` (the
softmax-weighted mean giving the exact marginal velocity, log-density and divergence),
:mod:`.grids` and :mod:`.solvers` (Euler/Heun/RK4/DPM++2M, adaptive, both directions),
:mod:`.exact1d` (exact 1-D trajectories by the conserved CDF), :mod:`.gravity` (post 13's fields),
:mod:`.metrics`. Views and the dashboard: :mod:`.views`, :mod:`.dashboard`.
"""
from .constructions import CONSTRUCTIONS, make_construction
from .data import PointCloud, from_points, make_dataset
from .field import evaluate, sample_prior, velocity
from .solvers import encode, generate

__all__ = ["CONSTRUCTIONS", "PointCloud", "encode", "evaluate", "from_points", "generate", "make_construction",
           "make_dataset", "sample_prior", "velocity"]
