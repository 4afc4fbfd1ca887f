"""A cached 2-D table of the exact softsign moments for fast interactive lookups.

``M1`` and ``M2`` are tabulated by :func:`~kexue_viz.scaling.moments.softsign_exact` on a
257 × 257 grid of ``u = asinh|a| ∈ [0, asinh 64]`` × ``v = log10 b ∈ [−4, 4]`` and read back by
bilinear interpolation (``torch.nn.functional.grid_sample``; measured max abs error ≈ 3e-4).
Outside the table the asymptotic forms take over: ``b < 1e-4``: ``M1 = erf(a/√2)``,
``M2 = 1 − πbφ(a)``; ``b > 1e4``: ``M1 = a/b − (a³+3a)/(2b³)``, ``M2 = (a²+1)/b² − (a⁴+6a²+3)/b⁴``;
``|a| > 64``: the delta method ``M1 = f + f''/2``, ``M2 = f² + f'² + f f''`` with
``f(y) = y/√(y²+b²)`` at ``y = a``. The table is built once (a few seconds) and stored in
``~/.cache/kexue_viz/`` (``KEXUE_VIZ_CACHE`` overrides the folder).
"""
from __future__ import annotations

import math
import os
from functools import lru_cache
from pathlib import Path

import torch
import torch.nn.functional as F

from .moments import normal_pdf, sign_moments, softsign_exact

SIZE = 257
A_MAX = 64.0
LOG10_B = (-4.0, 4.0)
VERSION = 2


def cache_path() -> Path:
    folder = Path(os.environ.get("KEXUE_VIZ_CACHE", Path.home() / ".cache" / "kexue_viz"))
    return folder / f"softsign_moments_{SIZE}_v{VERSION}.pt"


def grid_axes(dtype=torch.float64) -> tuple[torch.Tensor, torch.Tensor]:
    """Table axes ``(|a|, b)`` as 1-D tensors (asinh-spaced and log-spaced)."""
    u = torch.linspace(0.0, math.asinh(A_MAX), SIZE, dtype=dtype)
    v = torch.linspace(*LOG10_B, SIZE, dtype=dtype)
    return torch.sinh(u), 10.0 ** v


def build_table() -> torch.Tensor:
    """``[2, SIZE(b), SIZE(|a|)]`` float32 table of ``(M1, M2)`` by direct quadrature."""
    a, b = grid_axes()
    m1, m2 = softsign_exact(a[None, :], b[:, None])
    return torch.stack([m1, m2]).to(torch.float32)


@lru_cache(maxsize=1)
def load_table() -> torch.Tensor:
    """The table, from the cache file or freshly built (and then saved, best effort)."""
    path = cache_path()
    try:
        table = torch.load(path, weights_only=True)
        if table.shape == (2, SIZE, SIZE):
            return table
    except (OSError, RuntimeError, EOFError):
        pass
    table = build_table()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.save(table, path)
    except OSError:
        pass
    return table


def _delta_method(a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Second-order delta method for ``|a| ≫ 1``: ``f(y) = y(y²+b²)^{-1/2}``."""
    r2 = a * a + b * b
    f = a / r2.sqrt()
    f1 = b * b / r2.pow(1.5)
    f2 = -3.0 * b * b * a / r2.pow(2.5)
    return f + 0.5 * f2, f * f + f1 * f1 + f * f2


def softsign_lookup(a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``(M1, M2)`` at broadcast ``(a, b)`` from the table and asymptotics (float64 out)."""
    a, b = torch.broadcast_tensors(a, b)
    table = load_table().to(a.device)
    abs_a = a.abs()
    u = torch.asinh(abs_a.clamp(max=A_MAX)) / math.asinh(A_MAX) * 2.0 - 1.0
    v = (torch.log10(b.clamp(min=10 ** LOG10_B[0], max=10 ** LOG10_B[1])) - LOG10_B[0]) / (LOG10_B[1] - LOG10_B[0])
    grid = torch.stack([u, v * 2.0 - 1.0], dim=-1).reshape(1, 1, -1, 2).to(torch.float32)
    values = F.grid_sample(table[None], grid, mode="bilinear", align_corners=True).reshape(2, *a.shape).double()
    m1, m2 = torch.sign(a) * values[0], values[1]
    small, large, far = b < 10 ** LOG10_B[0], b > 10 ** LOG10_B[1], abs_a > A_MAX
    s1, _ = sign_moments(a)
    m1 = torch.where(small, s1, m1)
    m2 = torch.where(small, 1.0 - math.pi * b * normal_pdf(a), m2)
    safe_b = b.clamp(min=1.0)
    m1 = torch.where(large, a / safe_b - (a ** 3 + 3 * a) / (2 * safe_b ** 3), m1)
    m2 = torch.where(large, (a * a + 1) / safe_b ** 2 - (a ** 4 + 6 * a * a + 3) / safe_b ** 4, m2)
    d1, d2 = _delta_method(a, b)
    return torch.where(far, d1, m1), torch.where(far, d2, m2)
