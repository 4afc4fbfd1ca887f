"""The Adam-ε vs batch-size dashboard driven through its parameters, without a browser."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from bokeh.events import Tap
from scipy import special

from kexue_viz.scaling import pipeline, views
from kexue_viz.scaling.dashboard import B_PROBES, AdamEpsilonDashboard
from kexue_viz.scaling.softsign import collapsed, find_peak, surge_threshold



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


def families(view):
    """The curve families of a view (one ``hv.Segments`` per backend in view A)."""
    return [el for el in view.values() if type(el).__name__ == "Segments"]


def lines(family):
    """``{colour: (B, y)}``: the lines of a family, each as its points (segment starts plus the last end)."""
    colours = family.dimension_values("color")
    out = {}
    for colour in dict.fromkeys(colours):
        rows = colours == colour
        B = np.append(family.dimension_values("B")[rows], family.dimension_values("B_end")[rows][-1])
        y = np.append(family.dimension_values("eta")[rows], family.dimension_values("eta_end")[rows][-1])
        out[colour] = (B, y)
    return out


def test_default_views_have_data_and_reproduce_the_peaks(dashboard):
    view = dashboard.eta_view()
    drawn = families(view)
    assert len(drawn) == 3  # one element per backend, however many ε
    assert all(len(lines(family)) == 5 for family in drawn)
    assert all(np.isfinite(family.dimension_values("eta")).all() for family in drawn)
    assert [el.label for el in view.values() if type(el).__name__ == "Curve"][-1] == "SGD"
    B_peak, eta_peak, eta_inf = dashboard.peaks()
    assert B_peak[0] == pytest.approx(11.113645, rel=1e-5) and B_peak[4] == pytest.approx(51.2257, rel=1e-4)
    for view in (dashboard.loss_view(), dashboard.hyperbola_view(), dashboard.moments_view(), dashboard.erf_view()):
        assert view is not None
    assert "11.11" in dashboard.readout() and "2.394" in dashboard.readout() and "0.9542" in dashboard.readout()
    assert not dashboard._error.visible


def test_legend_has_one_entry_per_eps_and_per_further_backend(dashboard):
    labels = [el.label for el in dashboard.eta_view().values() if el.label]
    assert labels[:7] == ["ε=0", "ε=0.25", "ε=0.5", "ε=1", "ε=2", "erf 近似（10542/10563）", "平均场（11280）"]


def test_normalised_curves_tend_to_one(dashboard):
    exact = lines(families(dashboard.eta_view())[0])  # backends in order: exact first, one line per ε
    assert len(exact) == 5
    for B, y in exact.values():
        assert B[-1] == pytest.approx(1e4) and y[-1] == pytest.approx(1.0, abs=0.02)


def test_hover_shows_B_eta_dL_and_beta(dashboard):
    family = families(dashboard.eta_view())[0]
    tooltip = family.opts.get("plot", backend="bokeh").kwargs["hover_tooltips"]
    for shown in ("B=@{B}", "η*=@{eta_raw}", "ΔL=@{dL}", "β=@{beta}", "ε/rms g=@{eps}", "@{backend}"):
        assert shown in tooltip
    eps0 = family.dimension_values("eps") == 0.0
    B, beta = family.dimension_values("B")[eps0], family.dimension_values("beta")[eps0]
    # ε = 0 on the homogeneous model: β = E sign(g̃)/sign(g) = erf(a/√2), a = √B/κ
    assert beta == pytest.approx(special.erf(np.sqrt(B) / (4.0 * np.sqrt(2.0))), rel=1e-9)


def test_hover_beta_on_the_collapsed_path_is_the_posts_beta(dashboard):
    dashboard.param.update(path="collapsed", backends=["mean_field"], eps_rel=[0.5])
    family = families(dashboard.eta_view())[0]
    B, beta = family.dimension_values("B"), family.dimension_values("beta")
    K = float(collapsed(dashboard.model, [0.5 * dashboard.model.rms_g], "B_simple_eps").K[0])
    assert beta == pytest.approx((1 + K / B) ** -0.5, rel=1e-12)  # 11280 (4): β = (1 + B_simple/B)^{-1/2}


def test_probe_and_display_options_do_not_recompute(dashboard, monkeypatch):
    dashboard.eta_view()
    for name in ("find_peak", "eta_curves", "surge_threshold"):
        monkeypatch.setattr(f"kexue_viz.scaling.pipeline.{name}", lambda *a, **k: pytest.fail("recomputed"))
    dashboard.B_probe = 100.0
    dashboard.y_mode = "eta"
    dashboard.show_sgd = False
    dashboard.probe_eps = 2.0
    assert not dashboard._error.visible


def test_kappa_move_rescales_peaks_without_a_new_search(dashboard, monkeypatch):
    """Every preset has σ ∝ κ: η*(B; κ) = η*(B/κ²; 1), so the peaks move as κ² and the thresholds stay."""
    dashboard.readout()
    thresholds = pipeline.thresholds(dashboard.model_settings())
    for name in ("find_peak", "surge_threshold"):
        monkeypatch.setattr(f"kexue_viz.scaling.pipeline.{name}", lambda *a, **k: pytest.fail("searched again"))
    dashboard.kappa = 8.0
    monkeypatch.undo()
    B_peak, eta_peak, _ = dashboard.peaks()
    eps = torch.tensor(dashboard.eps_values(), dtype=torch.float64) * dashboard.model.rms_g
    direct_B, direct_eta = find_peak(dashboard.model, eps, method="auto")
    assert B_peak == pytest.approx(direct_B.cpu().numpy(), rel=1e-6) and B_peak[0] == pytest.approx(4 * 11.113645, rel=1e-5)
    assert eta_peak == pytest.approx(direct_eta.cpu().numpy(), rel=1e-9)
    rms = dashboard.model.rms_g
    assert thresholds == pytest.approx((surge_threshold(dashboard.model, "exact") / rms,
                                        surge_threshold(dashboard.model, "approximate") / rms), rel=1e-9)
    assert not dashboard._error.visible


@pytest.mark.parametrize("preset", ["aligned_spike", "quantile", "diagonal"])
def test_every_preset_scales_sigma_with_kappa(dashboard, preset):
    """What the peak and threshold rescaling rests on: κ only multiplies σ (g and H stay)."""
    dashboard.param.update(preset=preset, kappa=8.0, N=24)
    model, unit = dashboard.model, pipeline.local_model(dashboard.model_settings().unit_noise())
    assert torch.equal(model.g, unit.g) and torch.equal(model.H, unit.H)
    assert torch.allclose(model.sigma, 8.0 * unit.sigma, rtol=1e-15, atol=0)


def test_display_options_do_not_recompute_curves(dashboard):
    dashboard.eta_view()
    before = pipeline.curves.cache_info().misses
    dashboard.show_sgd = False
    dashboard.y_mode = "per_eps"
    assert pipeline.curves.cache_info().misses == before
    view = dashboard.eta_view()
    sgd = next(el for el in view.values() if el.label == "SGD")
    assert len(sgd) == 0  # kept, empty: the plot keeps its layers (its legend entry is hidden)
    for family in families(view):
        drawn = lines(family)
        # η*/ε is undefined at ε = 0: its line of each backend is kept, blank
        blank = [colour for colour, (_, y) in drawn.items() if np.isnan(y).all()]
        assert blank == [views.eps_color(0)] and len(drawn) == 5


def test_large_eps_over_eps_tends_to_sgd(dashboard):
    dashboard.param.update(eps_rel=[4.0], backends=["exact"], y_mode="per_eps", B_range=(0.0, 5.0))
    view = dashboard.eta_view()
    (_, exact), = lines(families(view)[0]).values()
    sgd = next(el for el in view.values() if el.label == "SGD").dimension_values(1)
    assert exact[-1] == pytest.approx(sgd[-1], rel=0.05)  # ε = 4 rms g: close to the SGD limit


def test_tap_on_the_main_plot_probes_the_nearest_batch_size(dashboard):
    figure = dashboard.panes["eta"].object
    assert figure is not None
    moments_title = dashboard.moments_view().opts.get("plot", backend="bokeh").kwargs["title"]
    figure._trigger_event(Tap(figure, x=93.0, y=1.0))  # what the browser sends on a click at B = 93
    assert dashboard.B_probe == 100.0  # snapped to the slider's nearest value in log B
    spans = [r for r in dashboard.panes["eta"].object.renderers if type(r).__name__ == "Span"]
    assert any(span.location == 100.0 for span in spans)  # the probe line moved
    assert dashboard.moments_view().opts.get("plot", backend="bokeh").kwargs["title"] != moments_title
    assert "B=100" in dashboard.hyperbola_view().opts.get("plot", backend="bokeh").kwargs["title"]
    dashboard.panes["eta"].object._trigger_event(Tap(dashboard.panes["eta"].object, x=5e9, y=1.0))
    assert dashboard.B_probe == max(B_PROBES)  # bounded by the slider's range
    for off in (-3.0, 0.0, None, math.nan):  # a tap that missed the data leaves the probe
        dashboard.probe_at(off)
        assert dashboard.B_probe == max(B_PROBES)
    dashboard.backends = ["exact"]  # a structural change renders a new figure: taps follow it
    assert dashboard.panes["eta"].object is not figure
    dashboard.panes["eta"].object._trigger_event(Tap(dashboard.panes["eta"].object, x=2.0, y=1.0))
    assert dashboard.B_probe == 2.0
    assert not dashboard._error.visible


def test_presets_and_paths_render(dashboard):
    for name in ("quantile", "diagonal", "aligned_spike"):
        for path in ("per_coordinate", "collapsed"):
            dashboard.param.update(preset=name, path=path, N=32, backends=["exact", "clip", "erf_rational",
                                                                          "mean_field"])
            assert all(np.isfinite(f.dimension_values("eta")).all() for f in families(dashboard.eta_view()))
            dashboard.loss_view(), dashboard.moments_view(), dashboard.readout()
    assert not dashboard._error.visible


def test_quantile_kappa_rule_erratum_in_readout(dashboard):
    dashboard.param.update(preset="quantile", eps_rel=[0.0], path="collapsed", kappa2_rule="arithmetic_mean")
    assert "3124" in dashboard.readout()
    dashboard.kappa2_rule = "ratio_of_sums"
    assert "32.02" in dashboard.readout() and "20.39" in dashboard.readout()


def test_empty_eps_selection_reports_and_keeps_the_view(dashboard):
    guarded = dashboard.guard("eta_test", dashboard.eta_view, lambda: None)  # not the live plot's key
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


def test_readers_share_read_only_results(dashboard):
    """Two pages at the same settings hold the same arrays, which neither can change (that a
    second page computes nothing is checked for every dashboard in test_every_dashboard.py)."""
    second = AdamEpsilonDashboard()
    assert second.curve("exact")[0] is dashboard.curve("exact")[0]
    with pytest.raises(ValueError, match="read-only"):
        second.curve("exact")[0][0, 0] = 1.0  # no reader can change what the others see
