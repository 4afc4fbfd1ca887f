"""Comparison helpers shared by the core cross-check tests."""
from __future__ import annotations

import numpy as np
import torch


def npy(t):
    """A torch tensor or array-like as a numpy array."""
    return t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)


def assert_close(got, want, tol, what, rel=True):
    """``max|got - want| <= tol * max(1, max|want|)`` (``rel``) or ``<= tol``, with a message."""
    got, want = npy(got), npy(want)
    assert got.shape == want.shape, f"{what}: shape {got.shape} != {want.shape}"
    err = float(np.max(np.abs(got - want))) if got.size else 0.0
    scale = max(1.0, float(np.max(np.abs(want)))) if rel else 1.0
    assert err <= tol * scale, f"{what}: max |got - want| = {err:.3e} > {tol:.1e}*{scale:.3g}"
