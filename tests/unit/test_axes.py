"""The shared axis helper."""
from __future__ import annotations

import numpy as np
import pytest

from kexue_viz.axes import nice_ceiling


@pytest.mark.parametrize("value, expected", [(0.9, 1.0), (1.0, 1.0), (1.01, 1.25), (2.4, 2.5), (2.6, 5.0),
                                             (7.0, 10.0), (0.031, 0.05), (1234.0, 1250.0), (1300.0, 2000.0), (0.0, 1e-12)])
def test_nice_ceiling_is_the_next_step(value, expected):
    assert nice_ceiling(value) == pytest.approx(expected)


def test_nice_ceiling_bounds_and_steps_hold_everywhere():
    values = np.geomspace(1e-6, 1e6, 5001)
    for steps in ((1, 1.25, 2, 2.5, 5), (1, 1.5, 2, 3, 5, 7.5)):
        tops = np.array([nice_ceiling(v, steps) for v in values])
        assert np.all(tops >= values * (1 - 1e-12)) and np.all(np.diff(tops) >= 0)
        mantissas = tops / 10.0 ** np.floor(np.log10(tops) + 1e-12)
        assert all(np.isclose(m, [*steps, 10]).any() for m in mantissas)
