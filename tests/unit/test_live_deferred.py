"""Deferred views (kexue_viz.plot) and the live plot's fast path (kexue_viz.live).

A view built inside ``plot.deferred()`` must materialize to the very object the direct calls
build; the Bokeh columns the live plot computes from a spec must equal what HoloViews computes;
a layer whose fast mapping is wrong must fall back to HoloViews and still draw the right data."""
from __future__ import annotations

import holoviews as hv
import numpy as np
import panel as pn
import pytest
from bokeh.document import Document

from kexue_viz import live, plot
from kexue_viz.mapequation import views as map_views
from kexue_viz.ssm import pipeline as ssm_pipeline
from kexue_viz.ssm import views as ssm_views
from kexue_viz.style import COLORS, load_backends, styled

load_backends()
hv.Store.set_current_backend("bokeh")
T_ = lambda key, **values: key  # noqa: E731  (text lookup: the key itself)
X = np.linspace(0.0, 1.0, 9)


def both_ways(build):
    """``(direct, materialize(deferred))`` for a view function."""
    direct = build()
    with plot.deferred():
        spec = build()
    assert isinstance(spec, plot.Spec)
    return direct, plot.materialize(spec)


def options(obj, backend: str) -> dict:
    return {group: hv.Store.lookup_options(backend, obj, group).kwargs for group in ("plot", "style")}


def assert_same_object(direct, rebuilt):
    assert type(direct) is type(rebuilt)
    assert (direct.group, direct.label) == (rebuilt.group, rebuilt.label)
    for backend in ("bokeh", "matplotlib"):
        assert repr(options(direct, backend)) == repr(options(rebuilt, backend)), backend
    overlay = isinstance(direct, hv.Overlay)
    leaves = (list(direct.values()), list(rebuilt.values())) if overlay else ([direct], [rebuilt])
    assert len(leaves[0]) == len(leaves[1])
    if overlay:
        assert list(direct.keys()) == list(rebuilt.keys())
    for a, b in zip(*leaves):
        assert type(a) is type(b) and (a.group, a.label) == (b.group, b.label)
        assert [d.name for d in a.dimensions()] == [d.name for d in b.dimensions()]
        assert live.same_values(a.data, b.data)
        for backend in ("bokeh", "matplotlib"):
            assert repr(options(a, backend)) == repr(options(b, backend)), (type(a).__name__, backend)


VIEWS = {
    "memory": lambda: ssm_views.memory_view(X, np.sin(X), X[2:], np.cos(X[2:]), (0.2, 0.9), 0.9, 0.01, T_),
    "trajectories": lambda: ssm_views.trajectories_view(
        ssm_views.trajectory_curves(X, np.outer(X, [1.0, 2.0]), T_, slots=4), 0.5, T_),
    "spectrum": lambda: ssm_views.spectrum_view(np.abs(np.sin(X)) + 0.1, True, T_),
    "error": lambda: ssm_views.error_view([1, 2, 4], [0.5, 0.2, 0.1], [0.4, 0.1, 0.05], 2, T_),
    "stability": lambda: ssm_views.stability_view(np.array([-1 + 1j, -2.0]), ssm_pipeline.AMPLIFICATION["bilinear"],
                                                  "title", T_, exact=np.array([-1.0 + 0j])),
    "timing": lambda: ssm_views.route_timing_view({"powers": 2.0, "cauchy": 0.5}, 8, 100, T_),
    "network": lambda: map_views.network_view(np.c_[np.cos(X), np.sin(X)], (np.arange(8), np.arange(1, 9)),
                                              np.linspace(0.1, 1, 8), np.arange(9) % 3,
                                              map_views.module_colors(np.arange(9) % 3), np.full(9, 1 / 9),
                                              np.array([str(k) for k in range(9)]), True, "network"),
    "decomposition": lambda: map_views.decomposition_view(1.0, [0.5, 0.7], ["#0072B2", "#E69F00"], 3.0, 2.5, T_),
    "trajectory": lambda: map_views.trajectory_view(
        map_views.trajectory_curves({"greedy": X, "core": X[::-1]}, [(0.5, 2.5, "level 0")], T_), 3, 0.5, T_),
}


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_deferred_view_materializes_to_the_direct_object(name):
    direct, rebuilt = both_ways(VIEWS[name])
    assert isinstance(direct, hv.core.Dimensioned)
    assert_same_object(direct, rebuilt)


def test_spec_records_options_per_backend_and_overlays_flatten_like_holoviews():
    with plot.deferred():
        a = styled(plot.Curve((X, X), "t", "u", label="a"), color="#D55E00", line_width=2, fig_inches=(3, 2))
        view = styled(plot.Overlay([a, plot.Scatter((X, X))]) * plot.VLine(0.5), title="T", height=200)
    assert a.options("bokeh") == {"color": "#D55E00", "line_width": 2}
    assert a.options("matplotlib") == {"color": "#D55E00", "linewidth": 2, "fig_inches": (3, 2)}
    assert [live.layer_key(layer)[0] for layer in plot.layers(view)] == ["Curve", "Scatter", "VLine"]
    real = plot.materialize(view)
    assert [type(layer).__name__ for layer in real.values()] == ["Curve", "Scatter", "VLine"]
    assert live.signature(view) == live.signature(real)
    assert live.axis_labels(view) == live.axis_labels(real) == ("t", "u")
    assert plot.materialize(real) is real


def test_other_holoviews_methods_answer_from_the_materialized_object():
    with plot.deferred():
        curve = styled(plot.Curve((X, 2 * X), "t", "u"), color="#D55E00")
        assert np.allclose(curve.dimension_values("u"), 2 * X)
        assert type(curve.clone()).__name__ == "Curve"
        layout = curve + plot.Scatter((X, X))
    assert isinstance(layout, hv.Layout) and len(layout) == 2


FAST_LAYERS = {  # built inside plot.deferred(): specs
    "Curve": lambda: plot.Curve((X, X ** 2), "时间 t", "value (a)"),
    "Curve steps": lambda: styled(plot.Curve((X, np.sin(X)), "t", "u"), interpolation="steps-post"),
    "Scatter": lambda: plot.Scatter((X, -X), "N", "rel err"),
    "Points": lambda: plot.Points({"x": X, "y": X, "module": X > 0.5}, ["x", "y"], ["module"]),
    "Spikes": lambda: plot.Spikes((np.arange(9), X + 1), "n", "|x_n|"),
    "Segments": lambda: plot.Segments((X, X, X + 1, X + 2)),
    "Rectangles": lambda: plot.Rectangles((X, X, X + 0.1, X - 0.2)),
    "Labels": lambda: plot.Labels({"x": X, "y": X, "text": [f"{v:.2f}" for v in X]}, ["x", "y"], "text"),
    "VLine": lambda: plot.VLine(0.3),
    "HLine": lambda: plot.HLine(-0.2),
    "VSpan": lambda: plot.VSpan(0.1, 0.4),
}


def render_layers(view):
    """``(spec layers, HoloViews subplots)`` of ``view`` rendered as a live plot renders it."""
    rendered = hv.renderer("bokeh").get_plot(plot.materialize(view))
    return plot.layers(view), list(rendered.subplots.values())


@pytest.mark.parametrize("hover", [False, True])
@pytest.mark.parametrize("name", sorted(FAST_LAYERS))
def test_fast_data_equal_holoviews_get_data(name, hover):
    with plot.deferred():
        view = styled(plot.Overlay([FAST_LAYERS[name](), plot.Curve((X, X))]), tools=["hover"] if hover else [])
    (layer, _), (subplot, _) = render_layers(view)
    data, mapping, _ = subplot.get_data(plot.materialize(layer), {}, {})
    fast = live.fast_data(layer, "hover" in subplot.handles)
    if "glyph_renderer" in subplot.handles:
        assert live.same_columns(data, fast), (sorted(data), sorted(fast))
    else:
        assert {k: v for k, v in mapping.items() if k in fast} == fast
    assert live.LivePlot._fast_layer(layer, subplot), "what HoloViews drew must match too"


def drive(build):
    """A LivePlot inside a Bokeh document (as a served session holds it), and the document's
    change events."""
    live_plot = live.LivePlot(build)
    document = Document()
    document.add_root(live_plot.pane.get_root(document))
    events = []
    document.on_change(events.append)
    return live_plot, document, events


def source_of(live_plot, document, index: int = 0):
    renderers = [r for r in live_plot.pane.object.renderers if hasattr(r, "data_source")]
    return document.get_model_by_id(renderers[index].data_source.id)


def test_in_place_update_reaches_the_document_without_building_elements(monkeypatch):
    state = {"scale": 1.0, "T": 0.2}

    def build():
        curve = styled(plot.Curve((X, state["scale"] * X), "t", "u", label="u"), color=COLORS["input"])
        return styled(curve * plot.VLine(state["T"]), title=f"scale {state['scale']}")

    live_plot, document, events = drive(build)
    figure = live_plot.pane.object
    assert live_plot._fast == [True, True]
    built = []
    monkeypatch.setattr(plot, "materialize", lambda view: built.append(view) or view)
    state.update(scale=3.0, T=0.7)
    live_plot.refresh()
    assert not built, "a fast update must not build HoloViews elements"
    assert live_plot.pane.object is figure
    assert np.allclose(source_of(live_plot, document).data["u"], 3.0 * X)
    span = next(r for r in figure.renderers if type(r).__name__ == "Span")
    assert document.get_model_by_id(span.id).location == 0.7
    assert figure.title.text == "scale 3.0"
    assert any(getattr(event, "model", None) is source_of(live_plot, document) for event in events)


def test_a_wrong_fast_mapping_falls_back_and_draws_the_right_data(monkeypatch):
    correct = live.GLYPH_COLUMNS["Curve"]

    def broken(layer, columns):
        data, dimension_columns = correct(layer, columns)
        return {key: 2 * np.asarray(values) for key, values in data.items()}, dimension_columns

    monkeypatch.setitem(live.GLYPH_COLUMNS, "Curve", broken)
    state = {"scale": 1.0}
    live_plot, document, _ = drive(lambda: plot.Curve((X, state["scale"] * X), "t", "u") * plot.Scatter((X, X)))
    assert live_plot._fast == [False, True], "the render must catch the broken mapping"
    figure = live_plot.pane.object
    state["scale"] = -2.0
    live_plot.refresh()
    assert live_plot.pane.object is figure
    data = source_of(live_plot, document).data
    assert np.allclose(data["t"], X) and np.allclose(data["u"], -2.0 * X)


def test_a_fast_layer_that_comes_back_as_a_real_element_is_converted_by_holoviews():
    """A guarded view may hand back its last good result, built outside the live plot (a real
    element) where the live plot had a spec: the update still lands, through HoloViews."""
    state = {"scale": 1.0, "real": False}

    def build():
        make = hv.Curve if state["real"] else plot.Curve
        return make((X, state["scale"] * X), "t", "u")

    live_plot, document, _ = drive(build)
    assert live_plot._fast == [True]
    figure = live_plot.pane.object
    state.update(scale=5.0, real=True)
    live_plot.refresh()
    assert live_plot.pane.object is figure
    assert np.allclose(source_of(live_plot, document).data["u"], 5.0 * X)


def test_empty_layers_hide_their_legend_entries_in_place():
    state = {"shown": 2}

    def build():
        empty = np.empty(0)
        return plot.Overlay([plot.Curve((X, n * X) if n < state["shown"] else (empty, empty), label=f"x_{n}")
                             for n in range(4)])

    live_plot, _, _ = drive(build)
    figure = live_plot.pane.object
    visible = lambda: [item.visible for item in figure.legend[0].items]  # noqa: E731
    assert visible() == [True, True, False, False]
    state["shown"] = 3
    live_plot.refresh()
    assert live_plot.pane.object is figure and visible() == [True, True, True, False]


def test_dashboard_views_are_real_outside_live_plots_and_cached_apart():
    from kexue_viz.ssm.dashboard import HippoDashboard

    board = HippoDashboard()
    assert isinstance(board.memory_view(), hv.Overlay)
    with plot.deferred():
        assert isinstance(board.memory_view(), plot.Spec)
    assert isinstance(board.memory_view(), hv.Overlay)
    assert isinstance(board.trajectories_view(), hv.Overlay)
    assert len(board.trajectories_view()) == board.n_shown + 1, "an export draws only the curves shown"


def test_hippo_curves_shown_update_in_place():
    from kexue_viz.ssm.dashboard import HippoDashboard

    board = HippoDashboard()
    document = Document()
    document.add_root(pn.panel(board).get_root(document))
    pane = next(p for p in board._layout.select(pn.pane.Bokeh) if p.object is not None and p.object.legend
                and "x₀" in str(p.object.legend[0].items[0].label))
    figure = pane.object
    board.n_shown = 7
    assert pane.object is figure
    shown = [item for item in figure.legend[0].items if item.visible]
    assert len(shown) == 7
