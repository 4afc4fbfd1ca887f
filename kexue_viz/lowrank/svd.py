"""Singular value decomposition and optimal low-rank approximation (post 2 of 低秩近似之路, 10407)."""
from __future__ import annotations

import torch


def tail_norms(singular_values: torch.Tensor) -> torch.Tensor:
    """``tail_F(r) = (Σ_{j>r} σ_j²)^{1/2}`` for r = 0 … p (p + 1 values, the last 0): the Frobenius error
    of the best rank-r approximation (Eckart–Young–Mirsky). Computed as a reverse cumulative sum of σ²,
    never as ``‖M‖_F² − head``, which loses every digit once ``tail² < eps·‖M‖_F²``."""
    squares = singular_values.square()
    reverse_cumsum = squares.flip(0).cumsum(0).flip(0)
    return torch.cat([reverse_cumsum, reverse_cumsum.new_zeros(1)]).sqrt()
