"""9595: sparsity measures' properties D1–D4, P1, P2 as hypothesis property tests, bounds, the
S*₁,₂ = cos(sign x, x) link, Rényi entropy, and the missing-square-root erratum (§6.12)."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from kexue_viz.attention.sparsity import (cos_sign, lower_bound, moment_ratio, moment_ratio_post, renyi_entropy, s0,
                                          s1p, s_star)

MEASURES = {  # name -> (function, properties it satisfies per 9595; D1 for S0 only with ≥)
    "S0": (s0, {"D1>=", "D2", "D3", "D4", "P1", "P2"}),
    "S1,2": (lambda x: s1p(x, 2.0), {"D1", "D2", "D3", "P1", "P2"}),
    "S*1,2": (lambda x: s_star(x, 1.0, 2.0), {"D1", "D2", "D3", "D4", "P1", "P2"}),
    "S*1,3": (lambda x: s_star(x, 1.0, 3.0), {"D1", "D2", "D3", "D4", "P1", "P2"}),
    "S*0.5,2": (lambda x: s_star(x, 0.5, 2.0), {"D1", "D2", "D3", "D4", "P1", "P2"}),
}
vectors = st.lists(st.floats(0.05, 10.0), min_size=3, max_size=12).filter(lambda v: max(v) - min(v) > 0.05)
EPS = 1e-12


def value(f, x):
    return float(f(torch.tensor(x, dtype=torch.float64)))


@pytest.mark.parametrize("name", list(MEASURES))
@settings(max_examples=60, deadline=None)
@given(x=vectors, fraction=st.floats(0.05, 0.95), scale=st.floats(0.1, 10.0), shift=st.floats(0.01, 5.0))
def test_properties(name, x, fraction, scale, shift):
    f, claims = MEASURES[name]
    base = value(f, x)
    i, j = int(np.argmax(x)), int(np.argmin(x))
    moved = list(x)
    step = fraction * (x[i] - x[j]) / 2
    moved[i] -= step
    moved[j] += step
    robin = value(f, moved)
    assert robin > base + EPS if "D1" in claims else robin >= base - EPS  # D1: more even, less sparse
    assert abs(value(f, [scale * v for v in x]) - base) < 1e-12  # D2
    assert value(f, [v + shift for v in x]) > base  # D3
    cloned = value(f, x + x)
    assert (abs(cloned - base) < 1e-12) == ("D4" in claims)  # D4
    big = list(x)
    big[0] = 1e3 * max(x)
    bigger = list(big)
    bigger[0] += shift
    assert value(f, bigger) < value(f, big)  # P1
    assert value(f, x + [0.0]) < base  # P2


def test_bounds_and_cos_sign():
    n = 9
    one_hot = torch.zeros(n, dtype=torch.float64)
    one_hot[4] = 2.0
    constant = torch.full((n,), 3.0, dtype=torch.float64)
    for q, p in ((1.0, 2.0), (1.0, 4.0), (0.5, 1.0)):
        assert abs(float(s_star(one_hot, q, p)) - lower_bound(n, q, p)) < 1e-12
        assert abs(float(s_star(constant, q, p)) - 1) < 1e-12
    assert abs(float(s_star(one_hot)) - 1 / math.sqrt(n)) < 1e-12
    x = torch.randn(50, 17, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    assert torch.allclose(s_star(x), cos_sign(x), atol=1e-14, rtol=0)
    values = s_star(x.abs(), 1.0, 2.0)
    assert bool(((values >= 1 / math.sqrt(17) - 1e-15) & (values <= 1 + 1e-15)).all())


def test_renyi_entropy():
    p = torch.softmax(torch.randn(40, generator=torch.Generator().manual_seed(1), dtype=torch.float64), 0)
    shannon = float(-(p * p.log()).sum())
    assert abs(float(renyi_entropy(p, 1.0)) - shannon) < 1e-15
    for a in (1 - 1e-5, 1 + 1e-5):
        assert abs(float(renyi_entropy(p, a)) - shannon) < 1e-5
    orders = np.linspace(0.1, 5, 50)
    values = [float(renyi_entropy(p, a)) for a in orders]
    assert all(a >= b - 1e-14 for a, b in zip(values, values[1:])) and 0 <= values[-1] and values[0] <= math.log(40)
    assert abs(float(renyi_entropy(torch.full((40,), 1 / 40, dtype=torch.float64), 2.0)) - math.log(40)) < 1e-12
    assert abs(float(torch.exp(-renyi_entropy(p, 2.0))) - float((p ** 2).sum())) < 1e-15  # Σp² = e^{−H₂}


def test_erratum_missing_square_root():
    """9595 prints E|x|/√((E|x|)² + Var|x|) = 1/(1 + Var/E²); the right side needs a square root."""
    x = torch.distributions.Exponential(1.0).sample((400_000,)).double()
    direct = float(x.mean() / torch.sqrt((x ** 2).mean()))
    assert abs(float(moment_ratio(x)) - direct) < 1e-12
    assert abs(direct - 1 / math.sqrt(2)) < 0.01  # Exp(1): 0.707 (the brief's sample: 0.714)
    assert abs(float(moment_ratio_post(x)) - 0.5) < 0.01  # as printed: 0.5 (brief's sample: 0.510)


def test_softmax_measures_against_direct_formulas():
    from kexue_viz.attention.sparsity import softmax_measures
    s = torch.randn(200, dtype=torch.float64, generator=torch.Generator().manual_seed(4))
    alphas = [0.0, 0.5, 2.0, 6.0]
    got = softmax_measures(s, alphas)
    n = len(s)
    for index, alpha in enumerate(alphas):
        x = np.exp(alpha * s.numpy() - (alpha * s.numpy()).max())
        p = x / x.sum()
        l = lambda q: (p ** q).sum() ** (1 / q)  # noqa: E731
        direct = {"S0": p.mean() / p.max(), "S1,2": l(1) / n / l(2), "S*1,2": n ** (1 / 2 - 1) * l(1) / l(2),
                  "S*1,4": n ** (1 / 4 - 1) * l(1) / l(4), "S*0.5,1": n ** (1 - 2) * l(0.5) / l(1)}
        for name, value in direct.items():
            assert float(got[name][index]) == pytest.approx(value, rel=1e-10), (name, alpha)
        # S*1,2 = 1/√(nΣp²) = e^{H₂/2}/√n for a distribution
        assert float(got["S*1,2"][index]) == pytest.approx(1 / math.sqrt(n * (p ** 2).sum()), rel=1e-10)


def test_softmax_measures_run_from_uniform_to_one_hot_bounds():
    from kexue_viz.attention.sparsity import softmax_measures
    s = torch.randn(64, dtype=torch.float64, generator=torch.Generator().manual_seed(5))
    got = softmax_measures(s, [0.0, 1e4])
    for name in ("S0", "S*1,2", "S*1,4", "S*0.5,1"):
        assert float(got[name][0]) == pytest.approx(1.0, rel=1e-12)
    for name, (q, p) in {"S*1,2": (1, 2), "S*1,4": (1, 4), "S*0.5,1": (0.5, 1)}.items():
        assert float(got[name][1]) == pytest.approx(lower_bound(64, q, p), rel=1e-9)


def test_renyi_spectrum_matches_one_order_at_a_time():
    from kexue_viz.attention.sparsity import renyi_spectrum
    p = torch.softmax(2 * torch.randn(50, dtype=torch.float64, generator=torch.Generator().manual_seed(6)), 0)
    orders = [0.1, 0.5, 1.0, 1.0 + 1e-7, 2.0, 4.5]
    spectrum = renyi_spectrum(p, orders)
    for a, value in zip(orders, spectrum):
        assert float(value) == pytest.approx(float(renyi_entropy(p, a)), rel=1e-12)
    assert float(spectrum[3]) == pytest.approx(float(-(p * p.log()).sum()), rel=1e-12)
    with pytest.raises(ValueError):
        renyi_spectrum(p, [0.0, 1.0])
