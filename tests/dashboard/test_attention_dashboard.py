"""The attention-scale dashboard driven through its parameters, without a browser."""
from __future__ import annotations

import math
import re

import numpy as np
import panel as pn
import pytest

from kexue_viz import cli, live
from kexue_viz.attention import views
from kexue_viz.attention import pipeline, precompute
from kexue_viz.attention.dashboard import AttentionScaleDashboard, mc_points
from kexue_viz.attention.pipeline import alpha_grid, exact_curve
from kexue_viz.tasks import Cancelled


@pytest.fixture(scope="module")
def built():
    board = AttentionScaleDashboard()
    board.__panel__()
    return board


@pytest.fixture
def dashboard(built):
    """One built page for the module (building all views takes seconds); every test starts from
    the defaults."""
    defaults = {name: built.param[name].default for name in built.url_parameters()}
    built.param.update(**defaults)
    built.param.update(alpha=2.0)
    yield built
    built.param.update(**defaults)
    built.param.update(alpha=2.0)


def layer(view, label):
    return next(el for el in view.values() if el.label == label)


def test_default_views_have_data_and_no_error(dashboard):
    view = dashboard.objective_view()
    labels = {el.label for el in view.values()}
    for key in ("approx", "exact", "mc_mean", "mc_median", "limit", "star", "median_argmax", "current"):
        assert dashboard.t(key) in labels, key
    for build in (dashboard.jacobian_view, dashboard.draw_view, dashboard.star_view, dashboard.entropy_view,
                  dashboard.gamma_view, dashboard.decay_view, dashboard.linear_view, dashboard.measures_view,
                  dashboard.renyi_view, dashboard.rope_decay_view, dashboard.rope_positions_view):
        assert build() is not None
    assert dashboard._error.visible is False


def test_exact_mean_rises_while_the_approximation_peaks(dashboard):
    view = dashboard.objective_view()
    exact = layer(view, dashboard.t("exact")).dimension_values(1)
    approx = layer(view, dashboard.t("approx")).dimension_values(1)
    assert np.all(np.diff(exact) > 0)
    peak = int(np.argmax(approx))
    assert 0 < peak < len(approx) - 1  # the mean-field curve has an interior maximum, near α*(512) = 2.01
    assert abs(alpha_grid("normal", 128)[peak] - 2.0) <= 0.25
    _, limit = exact_curve("normal", 128, 512)
    assert abs(limit - 3.04390) < 1e-4 and exact[-1] < limit


def test_alpha_moves_only_the_marker(dashboard):
    before = dashboard.objective_view()
    dashboard.alpha = 3.5
    after = dashboard.objective_view()
    marker = layer(after, dashboard.t("current")).dimension_values(0)
    assert np.allclose(marker, 3.5)
    same = layer(before, dashboard.t("exact")).dimension_values(1), layer(after, dashboard.t("exact")).dimension_values(1)
    assert np.array_equal(*same)


def test_units_change_the_axis(dashboard):
    dashboard.model = "cosine"
    assert dashboard.alpha == pytest.approx(round(2.1 * math.sqrt(128), 1))
    dashboard.unit = "lambda"
    marker = layer(dashboard.objective_view(), dashboard.t("current")).dimension_values(0)
    assert marker[0] == pytest.approx(dashboard.alpha / 128)
    dashboard.unit = "temperature"
    marker = layer(dashboard.objective_view(), dashboard.t("current")).dimension_values(0)
    assert marker[0] == pytest.approx(1 / dashboard.alpha)


def test_other_measures_show_monte_carlo_only(dashboard):
    dashboard.measure = "frobenius"
    view = dashboard.objective_view()
    for key in ("approx", "exact", "limit"):  # kept as layers (in-place switch), with nothing drawn
        assert len(layer(view, dashboard.t(key)).dimension_values(1)) == 0, key
    assert np.isfinite(layer(view, dashboard.t("mc_mean")).dimension_values(1)).all()
    title = live.plot_options(view)["title"]
    assert title == dashboard.t("view_objective_title_mc", measure=dashboard.t("measure.frobenius"))


@pytest.mark.parametrize("name, values", [("measure", ["frobenius", "operator1", "l1"]),
                                          ("unit", ["lambda", "temperature", "alpha"]),
                                          ("show", [["exact"], ["mc_mean", "guides"], []])])
def test_measure_unit_and_curve_switches_keep_the_view_structure(dashboard, name, values):
    """The live plot updates in place (no re-render) when the structure signature is unchanged."""
    shape = live.signature(dashboard.objective_view())
    for value in values:
        setattr(dashboard, name, value)
        view = dashboard.objective_view()
        assert live.signature(view) == shape, value
        start, end = live.plot_options(view)["xlim"]
        assert 0 <= start < end and live.limit_kind((start, end)) == "fixed"


def test_hidden_curves_keep_empty_layers_and_come_back(dashboard):
    full = {spec_label: len(layer(dashboard.objective_view(), spec_label).dimension_values(0))
            for spec_label in (dashboard.t("exact"), dashboard.t("mc_median"))}
    assert all(count > 0 for count in full.values())
    dashboard.show = ["mc_median"]
    view = dashboard.objective_view()
    assert len(layer(view, dashboard.t("exact")).dimension_values(0)) == 0
    assert len(layer(view, dashboard.t("mc_median")).dimension_values(0)) == full[dashboard.t("mc_median")]
    dashboard.show = list(dashboard.param.show.objects)
    assert len(layer(dashboard.objective_view(), dashboard.t("exact")).dimension_values(0)) == full[dashboard.t("exact")]


def test_temperature_axis_is_linear_with_the_marker_held_in_frame(dashboard):
    dashboard.unit = "temperature"
    view = dashboard.objective_view()
    start, end = live.plot_options(view)["xlim"]
    assert (start, end) == (0.0, pytest.approx(1 / alpha_grid("normal", 128)[2]))
    assert layer(view, dashboard.t("current")).dimension_values(0)[0] == pytest.approx(0.5)
    dashboard.alpha = 0.1  # temperature 10 lies beyond the axis: the marker stays at its end
    assert layer(dashboard.objective_view(), dashboard.t("current")).dimension_values(0)[0] == pytest.approx(end)


def test_jacobian_colours_are_symmetric_log_of_the_draw(dashboard):
    image = dashboard.jacobian_view()
    _, p = dashboard.one_draw()
    top = np.sort(p.cpu().numpy())[::-1][:48]
    J = np.diag(top) - np.outer(top, top)
    shown = image.dimension_values(2, flat=False)  # rows by ascending y = key i
    expected = np.sign(J) * np.log10(1 + np.abs(J) / views.JACOBIAN_THRESHOLD)
    assert np.allclose(shown, expected, rtol=1e-12, atol=0)
    assert image[1, 1] == pytest.approx(expected[0, 0])  # key 1 (largest p) at the lower left
    # most entries are visible: below 1 % of the largest entry on a linear scale, not here
    linear_visible = np.mean(np.abs(J) > 0.01 * np.abs(J).max())
    log_visible = np.mean(np.abs(expected) > 0.2 * np.abs(expected).max())
    assert linear_visible < 0.2 < log_visible
    assert image.vdims[0].label == views.JACOBIAN_COLOUR_LABEL


def test_alpha_out_of_range_for_the_model_is_clamped_with_a_message(dashboard):
    problems = dashboard.apply_settings({"alpha": "500"})
    assert problems and "alpha" in problems[0]
    dashboard.alpha = 60.0  # allowed by the widest bound (cosine) but not by the normal model
    dashboard.objective_view()
    assert dashboard._error.visible and "alpha" in dashboard._error.object
    dashboard.alpha = 2.0
    dashboard.objective_view()
    assert dashboard._error.visible is False


def legend_labels(pane) -> list[str]:
    """The legend entries the figure a live plot's pane shows (an empty layer's entry is hidden)."""
    return [item.label.value for legend in pane.object.legend for item in legend.items if item.visible]


def mc_points_button(dashboard):
    return next(button for button in dashboard._layout.select(pn.widgets.Button)
                if "kv-mc-points" in button.css_classes)


def test_mc_points_task_gives_a_median_optimum_above_the_approximation_and_redraws_view_c(dashboard):
    """Without a server the task runs at once; its end notifies view C (no counter parameter)."""
    assert dashboard.t("mc_points_label") not in legend_labels(dashboard.panes["star"])
    mc_points_button(dashboard).clicks += 1
    n, peaks = pipeline.mc_star_points.cached(*dashboard.mc_key())
    assert list(n) == [16, 64, 256, 1024, 4096]
    assert [pipeline.mc_star_point.cached(*dashboard.mc_key(), size) for size in (16, 4096)] == [peaks[0], peaks[-1]]
    approx = [dashboard.approx_star()]
    assert np.all(peaks > 2.5) and approx[0] < 2.1
    assert dashboard.t("mc_points_label") in legend_labels(dashboard.panes["star"])
    assert "mc_version" not in dashboard.param and dashboard._error.visible is False


def test_mc_points_report_progress_between_lengths_and_stop_when_cancelled():
    seen = []

    def progress(fraction):
        seen.append(fraction)
        if len(seen) == 2:
            raise Cancelled

    key = ("normal", 16, "l1", 3)
    with pytest.raises(Cancelled):
        mc_points(key, progress)
    assert seen == [0.0, 0.2]  # before each of the five lengths
    assert pipeline.mc_star_point.cached(*key, 16) is not None and pipeline.mc_star_point.cached(*key, 64) is None


def test_mc_points_task_reports_a_failure_and_computes_for_the_settings_shown(dashboard, monkeypatch):
    asked = []

    def fail(*args):
        asked.append(args)
        raise ValueError("no draws today")

    monkeypatch.setattr(pipeline, "mc_star_point", fail)
    dashboard.seed = 7  # the task computes for the settings on screen when it is pressed
    mc_points_button(dashboard).clicks += 1
    assert asked == [("normal", 128, "l1", 7, 16)]
    assert dashboard._error.visible and "no draws today" in dashboard._error.object
    assert pipeline.mc_star_points.cached(*dashboard.mc_key()) is None
    monkeypatch.undo()
    dashboard.seed = 0
    mc_points_button(dashboard).clicks += 1  # a later success withdraws the message
    assert dashboard._error.visible is False


def test_language_switch_relabels_widgets_and_views(dashboard, capsys):
    """(The export button is checked for every dashboard in test_every_dashboard.py.)"""
    dashboard.lang = "en"
    assert dashboard._widgets["alpha"].label == dashboard.t("alpha") and "Scale" in dashboard.t("alpha")
    assert live.plot_options(dashboard.objective_view())["title"].startswith("B. Gradient size")
    assert cli.main(["list"]) == 0 and "attention_scale" in capsys.readouterr().out


def test_precomputed_table_matches_fresh_quadrature():
    table = precompute.load_table()
    assert len(table) == 15 * 8
    for model, d, n in (("normal", 128, 64), ("cosine", 16, 2 ** 6)):
        cached = table[precompute.table_key(model, d, n)]
        assert np.allclose(cached, precompute.compute_curve(model, d, n), rtol=0, atol=1e-9)


def test_sparsity_transform_and_rope_toggle(dashboard):
    dashboard.transform = "D4"
    original, transformed = (spikes.dimension_values(1) for spikes in dashboard.measures_view().values())
    index = ("S0", "S1,2", "S*1,2", "S*1,4", "S*0.5,1").index("S*1,2")
    assert np.isclose(original[index], transformed[index])  # cloning keeps S*
    assert not np.isclose(original[1], transformed[1])  # ... but not S1,2
    dashboard.different_content = True
    assert dashboard.rope_positions_view() is not None


def test_entropy_view_shows_monte_carlo_renyi2_with_band_per_law(dashboard):
    from kexue_viz.attention.pipeline import ENTROPY_N, entropy_curve, entropy_mc
    view = dashboard.entropy_view()
    for law in dashboard.laws:
        label = dashboard.t(f"laws.{law}")
        mine = [el for el in view.values() if el.label == label]
        mean, se = entropy_mc(law, "normal", 128, 512)
        exact, _ = entropy_curve(law, "normal", 128, 512)
        assert np.all(mean < exact) and np.all(se > 0)
        area = next(el for el in mine if type(el).__name__ == "Area")
        assert np.allclose(area.dimension_values(1), mean - 2 * se)
        assert np.allclose(area.dimension_values(2), mean + 2 * se)
        assert any(type(el).__name__ == "Curve" and np.allclose(el.dimension_values(1), mean) for el in mine)
        assert len(mean) == len(ENTROPY_N)
    dashboard.n0 = 1024  # the law's calibration moves the MC curve too
    assert not np.allclose(entropy_mc("log", "normal", 128, 1024)[0], entropy_mc("log", "normal", 128, 512)[0])


def test_sparsity_tab_measures_view_a_draw_across_alpha(dashboard):
    _, p = dashboard.one_draw()
    assert np.allclose(dashboard.sparsity_vector(), p.cpu().numpy())
    view = dashboard.scale_measures_view()
    curves = {el.label: el for el in view.values()}
    s_star = curves["S*1,2"]
    grid = alpha_grid("normal", 128)
    assert np.allclose(s_star.dimension_values(0), grid)
    at_two = s_star.dimension_values(1)[np.argmin(np.abs(grid - 2.0))]
    assert at_two == pytest.approx(1 / math.sqrt(dashboard.n * float((p ** 2).sum())), rel=1e-9)  # view A's readout
    assert np.allclose(curves[dashboard.t("current")].dimension_values(0), 2.0)
    bars_before = list(dashboard.measures_view().values())[0].dimension_values(1)
    dashboard.alpha = 4.0  # the bars and the marker follow α; the curves stay
    assert not np.allclose(list(dashboard.measures_view().values())[0].dimension_values(1), bars_before)
    moved = {el.label: el for el in dashboard.scale_measures_view().values()}
    assert np.allclose(moved[dashboard.t("current")].dimension_values(0), 4.0)
    assert np.array_equal(moved["S*1,2"].dimension_values(1), s_star.dimension_values(1))
    dashboard.seed = 5  # a new draw: new curves
    assert not np.allclose({el.label: el for el in dashboard.scale_measures_view().values()}["S*1,2"]
                           .dimension_values(1), s_star.dimension_values(1))


def test_rope_det_minus_one_panel(dashboard):
    view = dashboard.reflection_view()
    curves = {el.label: el.dimension_values(1) for el in view.values()}
    post, repaired, relative = (curves[dashboard.t(f"reflection_{key}")] for key in ("post", "repaired", "relative"))
    assert np.all(post > 0.5) and len(post) == 12  # n = 1 … 12
    assert np.all(repaired < 1e-12) and np.all(relative < 1e-12)
    assert live.plot_options(view)["logy"] is True


def open_tab(dashboard, key: str) -> pn.Tabs:
    """Show the tab ``key`` (its sections are built when first opened)."""
    tabs = dashboard._layout.select(pn.Tabs)[0]
    tabs.active = list(dict.fromkeys(section.tab for section in dashboard.sections())).index(key)
    return tabs


def test_tabs_are_built_when_first_opened(dashboard):
    """A fresh page builds the Scale tab only; the RoPE tab, its controls and its note come when opened."""
    fresh = AttentionScaleDashboard()
    fresh.__panel__()
    assert "objective" in fresh.panes and "rope_decay" not in fresh.panes and "rope_d" not in fresh._widgets
    open_tab(fresh, "tab_rope")
    assert {"rope_decay", "rope_positions", "reflection", "rope_note"} <= set(fresh.panes)
    assert {"rope_d", "log10_base", "r_max", "different_content"} <= set(fresh._widgets)
    assert re.search(r"‖O²−O₊²‖=\d\.\d\d", fresh.panes["rope_note"].object)  # the example's numbers
    assert fresh._error.visible is False


def test_sparsity_plots_follow_the_draw_only_while_their_tab_is_open(dashboard):
    tabs = open_tab(dashboard, "tab_sparsity")  # first opened: its views are built
    figure = next(pane.object for pane in dashboard._layout.select(pn.pane.Bokeh)
                  if pane.object is not None and pane.object.title.text == dashboard.t("view_scale_measures"))

    def marker_x():
        renderer = figure.renderers[-1]  # the current-α marker is the last layer
        return np.asarray(renderer.data_source.data[renderer.glyph.x])

    assert np.allclose(marker_x(), 2.0)
    tabs.active = 0
    dashboard.alpha = 3.0  # the Scale tab is on screen: the hidden plot keeps its data
    assert np.allclose(marker_x(), 2.0)
    open_tab(dashboard, "tab_sparsity")  # opening the tab brings it up to date
    assert np.allclose(marker_x(), 3.0)
    dashboard.alpha = 3.5  # while open it follows α
    assert np.allclose(marker_x(), 3.5)
    tabs.active = 0


def test_no_law_ticked_draws_an_empty_entropy_frame_that_says_so(dashboard):
    """A reader unticking every law got no plot and a server error (HoloViews cannot draw an empty
    Overlay); found by the soak test."""
    dashboard.lang = "en"
    dashboard.laws = []
    drawn = live.LivePlot(dashboard.entropy_view)
    assert "tick at least one scale law" in drawn.pane.object.title.text
    dashboard.laws = ["log"]
    drawn.refresh()
    assert "tick" not in drawn.pane.object.title.text


def test_a_second_reader_at_the_defaults_computes_nothing(dashboard):
    """Results are shared by every session (:mod:`kexue_viz.attention.pipeline`)."""
    memos = (pipeline.scores, pipeline.mc_curves, pipeline.exact_curve, pipeline.star_curve, pipeline.law_curve,
             pipeline.entropy_curve, pipeline.entropy_mc, pipeline.scale_measures)
    misses = [memo.cache_info().misses for memo in memos]
    second = AttentionScaleDashboard()
    second.__panel__()
    second.objective_view(), second.star_view(), second.entropy_view()
    assert [memo.cache_info().misses for memo in memos] == misses
    assert second.draws() is dashboard.draws()
