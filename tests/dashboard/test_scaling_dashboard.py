"""The Adam-ε vs batch-size dashboard driven through its parameters, without a browser."""
from __future__ import annotations

import numpy as np
import pytest

from kexue_viz.scaling.dashboard import AdamEpsilonDashboard


@pytest.fixture(scope="module")
def shared_board():
    board = AdamEpsilonDashboard()
    board.__panel__()
    return board


@pytest.fixture
def dashboard(shared_board):
    """One built dashboard for the module (building one costs seconds), reset to the defaults."""
    defaults = {name: shared_board.param[name].default for name in shared_board.url_parameters()}
    shared_board.param.update(**defaults)
    shared_board._problems.clear()
    shared_board._show_problems()
    yield shared_board
    shared_board.param.update(**defaults)


def curves(view):
    return [el for el in view.values() if type(el).__name__ == "Curve"]


def test_default_views_have_data_and_reproduce_the_peaks(dashboard):
    main = curves(dashboard.eta_view())
    assert len(main) == 5 * 3 + 1  # 5 ε × 3 backends + SGD
    assert all(np.isfinite(c.dimension_values(1)).all() for c in main[:-1])
    B_peak, eta_peak, eta_inf = dashboard.peaks()
    assert B_peak[0] == pytest.approx(11.113645, rel=1e-5) and B_peak[4] == pytest.approx(51.2257, rel=1e-4)
    for view in (dashboard.loss_view(), dashboard.hyperbola_view(), dashboard.moments_view(), dashboard.erf_view()):
        assert view is not None
    assert "11.11" in dashboard.readout() and "2.394" in dashboard.readout() and "0.9542" in dashboard.readout()
    assert not dashboard._error.visible


def test_normalised_curves_tend_to_one(dashboard):
    exact = curves(dashboard.eta_view())[:5]  # backends in order: exact first, one curve per ε
    assert [c.label for c in exact] == ["ε=0", "ε=0.25", "ε=0.5", "ε=1", "ε=2"]
    for curve in exact:
        assert curve.dimension_values(1)[-1] == pytest.approx(1.0, abs=0.02)


def test_probe_and_display_options_do_not_recompute(dashboard, monkeypatch):
    dashboard.eta_view()
    for name in ("find_peak", "eta_curves", "surge_threshold"):
        monkeypatch.setattr(f"kexue_viz.scaling.dashboard.{name}", lambda *a, **k: pytest.fail("recomputed"))
    dashboard.B_probe = 100.0
    dashboard.y_mode = "eta"
    dashboard.show_sgd = False
    dashboard.probe_eps = 2.0
    assert not dashboard._error.visible


def test_display_options_do_not_recompute_curves(dashboard):
    before = dict(dashboard._curves)
    dashboard.show_sgd = False
    dashboard.y_mode = "per_eps"
    assert dict(dashboard._curves) == before
    drawn = curves(dashboard.eta_view())
    assert len(drawn) == 5 * 3  # 5 ε × 3 backends; SGD overlay off
    blank = [c for c in drawn if np.isnan(c.dimension_values(1)).all()]
    # η*/ε is undefined at ε = 0: its curve of each backend is kept, blank
    assert len(blank) == 3 and blank[0].label == "ε=0"


def test_large_eps_over_eps_tends_to_sgd(dashboard):
    dashboard.param.update(eps_rel=[4.0], backends=["exact"], y_mode="per_eps", B_range=(0.0, 5.0))
    curve = curves(dashboard.eta_curves_view())
    exact, sgd = curve[0].dimension_values(1), curve[1].dimension_values(1)
    assert exact[-1] == pytest.approx(sgd[-1], rel=0.05)  # ε = 4 rms g: close to the SGD limit


def test_presets_and_paths_render(dashboard):
    for name in ("quantile", "diagonal", "aligned_spike"):
        for path in ("per_coordinate", "collapsed"):
            dashboard.param.update(preset=name, path=path, N=32, backends=["exact", "clip", "erf_rational",
                                                                          "mean_field"])
            assert all(np.isfinite(c.dimension_values(1)).all() for c in curves(dashboard.eta_view()))
            dashboard.loss_view(), dashboard.moments_view(), dashboard.readout()
    assert not dashboard._error.visible


def test_quantile_kappa_rule_erratum_in_readout(dashboard):
    dashboard.param.update(preset="quantile", eps_rel=[0.0], path="collapsed", kappa2_rule="arithmetic_mean")
    assert "3124" in dashboard.readout()
    dashboard.kappa2_rule = "ratio_of_sums"
    assert "32.02" in dashboard.readout() and "20.39" in dashboard.readout()


def test_empty_eps_selection_reports_and_keeps_the_view(dashboard):
    guarded = dashboard.guard("eta", dashboard.eta_view, lambda: None)
    first = guarded()
    dashboard.eps_rel = []
    assert guarded() is first
    assert dashboard._error.visible
    dashboard.eps_rel = [0.5]
    guarded()
    assert not dashboard._error.visible


@pytest.mark.parametrize("name, value", [("N", 4), ("N", 300), ("c", 7.0), ("kappa", "x"), ("spread", 3.0),
                                         ("B_probe", 12345.0), ("preset", "cubic"), ("nonsense", 1)])
def test_bad_settings_are_rejected_with_a_message(dashboard, name, value):
    before = dashboard.settings()
    problems = dashboard.apply_settings({name: value})
    assert len(problems) == 1 and name in problems[0]
    assert dashboard.settings() == before


def test_url_strings_are_parsed(dashboard):
    assert dashboard.apply_settings({"N": "32", "c": "10.0", "kappa": "2.0", "preset": "quantile",
                                     "show_sgd": "false", "B_probe": "100.0"}) == []
    assert (dashboard.N, dashboard.c, dashboard.kappa, dashboard.preset, dashboard.show_sgd, dashboard.B_probe) == (
        32, 10.0, 2.0, "quantile", False, 100.0)


def test_llm_units_line(dashboard):
    dashboard.param.update(eps_abs=1e-5, grad_rms=1e-6)
    assert "**10**" in dashboard.readout()


def test_language_switch_relabels(dashboard):
    dashboard.lang = "en"
    assert dashboard._widgets["N"].label == "Dimension N"
    assert "Optimal learning rate" in dashboard.eta_view().opts.get().kwargs["title"]
    assert "Readout" in dashboard.readout()
    dashboard.lang = "zh"
    assert dashboard._widgets["N"].label == "参数维数 N"
