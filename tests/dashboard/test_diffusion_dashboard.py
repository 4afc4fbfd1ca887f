"""The diffusion-ODE dashboard driven through its parameters, without a browser."""
from __future__ import annotations

import numpy as np
import pytest

from kexue_viz.diffusion.dashboard import (COST_LIMIT, DiffusionOdeDashboard, interpolate_log_time,
                                           parse_typed_points)


@pytest.fixture(scope="module")
def built():
    """One dashboard with its page built (widgets, canvas stream): every change refreshes all views."""
    board = DiffusionOdeDashboard()
    board.__panel__()
    return board


@pytest.fixture
def page(built):
    for source in list(built._problems):
        built.clear_error(source)
    built.param.update(lang="zh", dataset="moons")
    return built


@pytest.fixture
def dashboard():
    """A dashboard without a page: views are computed only when asked for."""
    return DiffusionOdeDashboard()


def layers(view, kind):
    return [el for el in view.values() if type(el).__name__ == kind]


def particle_positions(view):
    """Particles are the one Points layer coloured by basin (a ``color`` value dimension)."""
    coloured, = [el for el in layers(view, "Points") if "color" in el.vdims]
    return coloured.array(coloured.kdims).astype(float)


def test_default_views_have_data(dashboard):
    main = dashboard.main_view()
    positions = particle_positions(main)
    assert len(positions) == dashboard.n_particles and np.isfinite(positions).all()
    for view in (dashboard.tx_view(), dashboard.density_view(), dashboard.quality_view(),
                 dashboard.curvature_view(), dashboard.tortuosity_view()):
        assert view is not None
    assert not dashboard._error.visible


def test_generated_endpoints_are_data_points(dashboard):
    cloud, _, trajectories = dashboard.run()
    end = trajectories.end.cpu().numpy()
    distance = np.linalg.norm(end[:, None] - cloud.points.cpu().numpy()[None], axis=-1).min(1)
    assert distance.max() < 1e-12


def test_view_time_moves_particles_not_paths(dashboard):
    before = dashboard.main_view()
    dashboard.t_view = 0.6
    after = dashboard.main_view()
    paths = [el for el in layers(before, "Segments") if "color" in el.vdims and len(el)]  # (x̂₀ arrows: off)
    assert paths and all(any(a is b for b in layers(after, "Segments")) for a in paths)  # cached, not rebuilt
    assert not np.array_equal(particle_positions(before), particle_positions(after))


def test_interpolation_in_log_time():
    times = np.array([4.0, 2.0, 1.0, 0.0])
    states = np.array([[[4.0]], [[2.0]], [[1.0]], [[9.0]]])
    assert interpolate_log_time(times, states, 2.0)[0, 0] == pytest.approx(2.0)
    assert interpolate_log_time(times, states, np.sqrt(2.0))[0, 0] == pytest.approx(1.5)


@pytest.mark.parametrize("construction, prior", [("ve", "gaussian"), ("ve_sq", "gaussian"), ("pfgm", "gaussian"),
                                                 ("psi_tanh", "gaussian"), ("psi_exp", "gaussian"),
                                                 ("straight", "uniform"), ("straight", "poisson"),
                                                 ("cosine", "gaussian"), ("vp_linear", "gaussian")])
def test_every_construction_renders(dashboard, construction, prior):
    dashboard.param.update(construction=construction, prior=prior, n_particles=32, n_data=16)
    assert len(particle_positions(dashboard.main_view())) == 32
    dashboard.density_view()
    dashboard.tx_view()
    assert not dashboard._error.visible


@pytest.mark.parametrize("solver", ["euler", "heun", "rk4", "dpmpp_2m", "dopri5"])
@pytest.mark.parametrize("direction", ["generate", "encode"])
def test_solvers_and_directions(dashboard, solver, direction):
    dashboard.param.update(solver=solver, direction=direction, construction="ve", n_particles=24, n_data=16)
    _, construction, trajectories = dashboard.run()
    times = trajectories.times.cpu().numpy()
    if direction == "encode":
        assert times[0] == pytest.approx(1e-3 * construction.T) and times[-1] == pytest.approx(construction.T)
    else:
        assert times[0] == construction.T and times[-1] == 0
    assert np.isfinite(trajectories.states.cpu().numpy()).all()


def test_post15_demo_is_one_dimensional_with_exact_overlay(dashboard):
    dashboard.param.update(dataset="post15_1d", construction="straight", prior="uniform", solver="rk4", n_steps=100,
                           grid="uniform")
    main = dashboard.main_view()
    dashed = [el for el in layers(main, "Segments") if el.opts.get().kwargs.get("line_dash") == "dashed"]
    assert sum(len(el) for el in dashed) > 0  # the exact CDF-route trajectories
    assert "F_t" in str(dashboard.tx_view().opts.get().kwargs["title"]) or dashboard.lang == "zh"
    cloud, _, trajectories = dashboard.run()
    ends = np.round(trajectories.end.cpu().numpy()[:, 0], 9)
    assert set(ends) <= {0.5, 1.2, 1.7} or trajectories.outside.any()


def test_frozen_particles_are_reported(dashboard):
    dashboard.param.update(dataset="post15_1d", construction="straight", prior="uniform", solver="heun", n_steps=8,
                           grid="uniform", n_particles=400)
    assert "/ 400" in dashboard.status_text()


def test_quality_sweep_improves_with_steps(dashboard):
    dashboard.param.update(construction="ve", n_data=32)
    sweep = dashboard.sweep()
    for solver in ("heun", "rk4"):
        nfe, agreement = sweep[solver]
        assert agreement[-1] >= agreement[0] and agreement[-1] > 0.9


def test_custom_points_from_text_and_canvas(dashboard):
    dashboard.editor()  # the canvas and its PointDraw stream
    points = parse_typed_points("0, 0\n1.5 1\n\n-1;2", dashboard.t)
    assert points.shape == (3, 2)
    assert dashboard.set_custom(points) and dashboard.dataset == "custom"
    assert dashboard.run()[0].size == 3
    version = dashboard.custom_version
    dashboard._point_stream.event(data={"x1": [0.0, 1.0], "x2": [0.5, -0.5]})
    assert dashboard.custom_version == version + 1 and dashboard.run()[0].size == 2
    assert dashboard.set_custom([[0.2]])  # one point (1-D): every trajectory ends on it
    _, _, trajectories = dashboard.run()
    assert np.allclose(trajectories.end.cpu().numpy(), 0.2)


@pytest.mark.parametrize("text, fragment", [("", "empty"), ("1, 2\nabc", "2"), ("1, 2, 3", "1"), ("1\n1, 2", "dimension"),
                                            ("nan, 1", "NaN")])
def test_bad_typed_points_are_reported(dashboard, text, fragment):
    dashboard.lang = "en"
    dashboard.dataset = "moons"
    try:
        dashboard.set_custom(parse_typed_points(text, dashboard.t))
    except ValueError as error:
        dashboard.report(str(error), source="custom")
    assert dashboard._error.visible and fragment in dashboard._error.object
    assert dashboard.dataset == "moons"


def test_empty_canvas_is_reported_and_keeps_data(dashboard):
    dashboard.editor()
    dashboard.lang = "en"
    dashboard._point_stream.event(data={"x1": [], "x2": []})
    assert dashboard._error.visible and "empty" in dashboard._error.object


def test_huge_work_is_refused_with_a_message(dashboard):
    dashboard.lang = "en"
    guarded = dashboard.guard("main", dashboard.main_view, lambda: None)
    good = guarded()
    dashboard.param.update(n_particles=1000, n_data=512, solver="rk4", n_steps=200)
    assert guarded() is good
    assert "Too much work" in dashboard._error.object and f"{COST_LIMIT:.2g}" in dashboard._error.object


@pytest.mark.parametrize("name, value", [("n_steps", 0), ("n_steps", 201), ("n_particles", 5000), ("T", 0.5),
                                         ("construction", "sde"), ("t_view", 1.5), ("nonsense", 1)])
def test_bad_settings_are_rejected_with_a_message(dashboard, name, value):
    before = dashboard.settings()
    problems = dashboard.apply_settings({name: value})
    assert len(problems) == 1 and name in problems[0]
    assert dashboard.settings() == before


def test_language_switch_relabels(page):
    dashboard = page
    dashboard.lang = "en"
    assert dashboard._widgets["n_steps"].label == "Steps"
    assert "straight line" in dashboard.main_view().opts.get().kwargs["title"]
    assert dashboard._editor_pane.object.opts.get().kwargs["title"].startswith("Custom data")
    dashboard.lang = "zh"
    assert dashboard._widgets["n_steps"].label == "步数"
