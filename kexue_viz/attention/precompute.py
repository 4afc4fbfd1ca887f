"""Precomputed exact objective curves for the dashboard: ``python -m kexue_viz.attention.precompute``.

The exact E[α(1 − Σp²)] on the dashboard's α-grid costs ~1 s per (model, d, n) on a 2-core CPU; the
table holds every slider combination (normal; cosine for each d; n = 2² … 2¹⁶) so that a first
visit answers at once. It is a cache of :func:`.exact.expected_stats`, rebuilt by this module and
checked against fresh computation by the tests.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch

from .exact import expected_stats, objective_limit

TABLE = Path(__file__).with_name("data") / "exact_curves.npz"
ALPHA_POINTS = 41
NORMAL_ALPHA_MAX = 10.0
DIMENSIONS = (16, 32, 64, 128, 256, 512, 1024)
LOG2_N = tuple(range(2, 17))


def alpha_grid(model: str, d: int) -> np.ndarray:
    """The dashboard's α-grid: 41 points on [0, 10] (normal) or [0, 10√d] (cosine)."""
    top = NORMAL_ALPHA_MAX if model == "normal" else 10 * math.sqrt(d)
    return np.linspace(0.0, top, ALPHA_POINTS)


def table_key(model: str, d: int, n: int) -> str:
    return f"{model}_{d if model == 'cosine' else 0}_{n}"


def compute_curve(model: str, d: int, n: int) -> np.ndarray:
    """Exact objective on :func:`alpha_grid` followed by L(n) (one array of 42 values)."""
    grid = torch.as_tensor(alpha_grid(model, d))
    objective = expected_stats(grid, float(n), model, d).objective.cpu().numpy()
    limit = float(objective_limit(float(n), model, d)[0]) if n >= 2 else 0.0
    return np.append(objective, limit)


def load_table() -> dict[str, np.ndarray]:
    if not TABLE.exists():
        return {}
    with np.load(TABLE) as data:
        return {key: data[key] for key in data.files}


def build_table(path: Path = TABLE) -> None:
    entries = {}
    for model, dims in (("normal", (0,)), ("cosine", DIMENSIONS)):
        for d in dims:
            for k in LOG2_N:
                entries[table_key(model, d, 2 ** k)] = compute_curve(model, d, 2 ** k)
                print(table_key(model, d, 2 ** k), flush=True)
    path.parent.mkdir(exist_ok=True)
    np.savez_compressed(path, **entries)


if __name__ == "__main__":
    build_table()
