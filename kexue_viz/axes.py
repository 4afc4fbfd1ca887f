"""Axis helpers shared by every series' views."""
from __future__ import annotations

import math

STEPS = (1, 1.25, 2, 2.5, 5)


def nice_ceiling(value: float, steps: tuple[float, ...] = STEPS) -> float:
    """The smallest of ``steps`` times a power of ten that is ≥ ``value`` (> 0; tiny values count as
    1e-12): axis limits that stay put while the data move a little, so plots update in place."""
    value = max(value, 1e-12)
    power = 10.0 ** math.floor(math.log10(value))
    return next(step * power for step in (*steps, 10) if step * power >= value * (1 - 1e-12))
