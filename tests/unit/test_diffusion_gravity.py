"""Post 13's gravitational fields (brief §6 #13, #14 and the flux-share reproduction)."""
from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import torch

from kexue_viz.diffusion import gravity

F64 = torch.float64


def test_far_field_error_decays_as_inverse_square():
    sources = torch.randn(5, 2, generator=torch.Generator().manual_seed(0), dtype=F64)
    sources -= sources.mean(0)
    masses = torch.full((5,), 0.2, dtype=F64)
    errors = [gravity.centroid_relative_error(sources, masses, R) for R in (10.0, 20.0, 40.0)]
    assert all(3.5 < a / b < 4.5 for a, b in zip(errors, errors[1:])), errors


def test_ring_field_equals_the_complex_closed_form():
    n = 12
    sources = gravity.ring_sources(n)
    masses = torch.full((n,), 1 / n, dtype=F64)
    rng = np.random.default_rng(0)
    z = 0.8 * np.sqrt(rng.uniform(0, 1, 20)) * np.exp(2j * np.pi * rng.uniform(0, 1, 20))
    z = np.concatenate([z, 3 * np.exp(2j * np.pi * rng.uniform(0, 1, 5))])
    F = gravity.gravity_field(torch.tensor(np.stack([z.real, z.imag], 1)), sources, masses).numpy()
    with mpmath.workdps(30):
        closed = [complex(-mpmath.conj(n * mpmath.mpc(w) ** (n - 1) / (mpmath.mpc(w) ** n - 1)) / (2 * mpmath.pi * n))
                  for w in z]
    # direct summation cancels to O(|z|^{N−1}) inside: relative 1e-12 of the size of one term (≈ 1/(2πN))
    assert np.allclose(F[:, 0] + 1j * F[:, 1], closed, rtol=1e-12, atol=1e-12 / (2 * math.pi * n))
    assert np.allclose(gravity.ring_field_closed_form(z, n), closed, rtol=1e-12, atol=0)


def test_ring_interior_field_vanishes_as_n_grows():
    inside = np.array([0.5 + 0.2j])
    magnitudes = [abs(gravity.ring_field_closed_form(inside, n)[0]) for n in (4, 8, 16, 32)]
    assert all(b < 0.1 * a for a, b in zip(magnitudes, magnitudes[1:]))


def test_flux_shares_equal_mass_fractions():
    """Gauss's law (post 13 figure 1): 16 ring sources plus a centre point, lines from a far circle."""
    sources = torch.cat([2 * gravity.ring_sources(16), torch.zeros(1, 2, dtype=F64)])
    masses = torch.full((17,), 1 / 17, dtype=F64)
    shares = gravity.flux_fractions(sources, masses, n_lines=340, radius=12.0, step=0.05, capture=0.05)
    assert float(shares.sum()) == pytest.approx(1.0)
    assert float((shares - 1 / 17).abs().max()) < 0.012
    assert float(shares[16]) > 0.04  # the centre point receives its share: no collapse for point sources
