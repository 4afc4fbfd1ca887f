"""The diffusion-ODE dashboard driven through its parameters, without a browser."""
from __future__ import annotations

import math

import numpy as np
import panel as pn
import pytest
import torch

from kexue_viz.diffusion.constructions import CONSTRUCTIONS
from kexue_viz.diffusion.data import PRESETS
from kexue_viz.diffusion.dashboard import (COST_LIMIT, DEFAULT_CUSTOM, MAX_CUSTOM_POINTS, DiffusionOdeDashboard,
                                           encode_points, parse_typed_points)
from kexue_viz.diffusion.pipeline import interpolate_log_time


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
    """Particles are the one Points layer coloured by basin (a ``color`` value dimension) and nothing
    else (the edge markers of particles outside the window also carry their own position and angle)."""
    coloured, = [el for el in layers(view, "Points") if [d.name for d in el.vdims] == ["color"]]
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
    import holoviews as hv

    dashboard.param.update(construction=construction, prior=prior, n_particles=32, n_data=16)
    assert len(particle_positions(dashboard.main_view())) == 32
    hv.render(dashboard.main_view(), backend="bokeh")  # a title HoloViews cannot format (braces) fails here
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
    assert "Fₜ" in str(dashboard.tx_view().opts.get().kwargs["title"]) or dashboard.lang == "zh"
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
    dashboard._point_stream.event(data={"x1": [0.0, 1.0], "x2": [0.5, -0.5]})
    assert dashboard.run()[0].size == 2 and dashboard.points == "0,0.5;1,-0.5"
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


def test_custom_points_are_kept_in_the_link(dashboard):
    """Item 7 of issue 12: ``points`` (a URL parameter) follows the custom data, rounded as the link
    keeps them, and a link's ``points`` become the custom data."""
    assert dashboard.points == encode_points(DEFAULT_CUSTOM) == "-1,-0.5;1,-0.5;0,1;0.3,0.2"
    assert dashboard.set_custom([[0.123456789, -2.0], [1.0, 1e-7]])
    assert dashboard.points == "0.123457,-2;1,1e-07"
    assert np.array_equal(dashboard._custom, [[0.123457, -2.0], [1.0, 1e-7]])  # the data are what the link says
    opened = DiffusionOdeDashboard()
    assert not opened.apply_settings({"points": dashboard.points, "dataset": "custom"})
    assert np.array_equal(opened._custom, dashboard._custom) and opened.run()[0].size == 2
    assert opened.apply_settings({"points": "0.5;1.5;2"}) == [] and opened._custom.shape == (3, 1)


@pytest.mark.parametrize("link, fragment", [("1,2;x", "x"), ("1,2;3", "dimension"), ("", "empty"),
                                            ("5000,1", "1000"), ("nan,1", "NaN"),
                                            (";".join(["1,1"] * (MAX_CUSTOM_POINTS + 1)), str(MAX_CUSTOM_POINTS))])
def test_a_bad_link_value_is_explained_and_undone(dashboard, link, fragment):
    dashboard.lang = "en"
    before = dashboard.points
    dashboard.points = link
    assert dashboard._error.visible and fragment in dashboard._error.object and "points" in dashboard._error.object
    assert dashboard.points == before and np.array_equal(dashboard._custom, DEFAULT_CUSTOM)
    assert dashboard.set_custom([[0.0, 0.0]]) and not dashboard._error.visible  # good data withdraw the message


def test_typed_box_and_canvas_show_the_current_points(page):
    area, = [widget for widget in page._layout.select(pn.widgets.TextAreaInput) if "kv-typed" in widget.css_classes]
    page.points = "0,0;2,1"
    assert area.value == "0, 0\n2, 1" and page.dataset == "custom"
    drawn = page._editor_pane.object
    assert np.array_equal(drawn.array(), [[0.0, 0.0], [2.0, 1.0]])


def drawn_data_points(pane) -> int:
    """How many data points the main view's figure draws (its largest (x1, x2) source; the other one is
    the selected particle's ring)."""
    from bokeh.models import ColumnDataSource

    return max(len(source.data["x1"]) for source in pane.object.select(ColumnDataSource)
               if sorted(source.data) == ["x1", "x2"])


def test_custom_points_refresh_the_views_that_read_them(page):
    """The reader's points are not a parameter: ``set_custom`` announces them (``notify("custom_points")``)
    and the drawn views and the count under the canvas follow, with the data set already custom."""
    page.set_custom([[0.0, 0.0], [1.0, 1.0], [2.0, 0.0]])
    assert page.dataset == "custom" and drawn_data_points(page.panes["main"]) == 3
    assert page.set_custom([[0.0, 0.0], [1.0, 1.0], [2.0, 0.0], [0.5, 2.0]])
    assert drawn_data_points(page.panes["main"]) == 4
    count = next(pane for pane in page._layout.select(pn.pane.Markdown) if "kv-custom-count" in pane.css_classes)
    assert "4" in count.object
    assert "custom_points" not in page.param  # a name given to notify(), not a counter parameter


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


def plain_layers(view, kind):
    return [el for el in layers(view, kind) if "color" not in el.vdims]


def test_radius_clip_bounds_the_starts_and_reports_the_share(dashboard):
    """PFGM's data-free prior clipped at c: every start within c·T of the origin; the status line
    gives the clipped count and the Poisson kernel's expected share."""
    dashboard.param.update(lang="en", construction="pfgm", prior_mode="approximate", n_particles=400, radius_clip=5)
    cloud, construction, trajectories = dashboard.run()
    radius = np.linalg.norm(trajectories.states[0].cpu().numpy(), axis=1)
    assert radius.max() == pytest.approx(5 * construction.T, rel=1e-12)
    clipped = int((radius > 5 * construction.T * (1 - 1e-12)).sum())
    assert f"{clipped} / 400 starts clipped" in dashboard.status_text() and "0.196" in dashboard.status_text()
    dashboard.radius_clip = 0
    assert np.linalg.norm(dashboard.run()[2].states[0].cpu().numpy(), axis=1).max() > 5 * construction.T
    assert "clipped" not in dashboard.status_text()


def test_reference_overlay_draws_the_reference_paths(dashboard):
    dashboard.param.update(n_data=16, n_particles=24)
    dashed = lambda: [el for el in plain_layers(dashboard.main_view(), "Segments")  # noqa: E731
                      if el.opts.get().kwargs.get("line_dash") == "dashed"]
    assert [len(el) for el in dashed()] == [0]  # off: an empty layer (the plot keeps its layers)
    dashboard.show_reference = True
    reference = dashboard.reference()
    starts = reference.states[0, :24].cpu().numpy()  # the first particles' own reference trajectories
    drawn, = dashed()
    assert len(drawn) == (reference.states.shape[0] - 1) * len(starts)
    np.testing.assert_allclose(np.sort(drawn.array(["x1", "x2"])[:len(starts)], 0), np.sort(starts, 0))


def test_mean_arrows_point_at_the_posterior_mean(dashboard):
    from kexue_viz.diffusion.field import evaluate

    dashboard.param.update(n_data=16, n_particles=24, t_view=0.5, show_mean=True)
    cloud, construction, _, t, positions, _ = dashboard.frame()
    arrows = [el for el in layers(dashboard.main_view(), "Segments") if "color" in el.vdims
              and el.opts.get().kwargs.get("line_dash") == "dotted"][0]
    want = evaluate(torch.tensor(positions), t, cloud, construction).mean.cpu().numpy()
    np.testing.assert_allclose(arrows.array(["x1_end", "x2_end"]).astype(float), want, atol=1e-12)
    np.testing.assert_allclose(arrows.array(["x1", "x2"]).astype(float), positions, atol=0)


def test_tap_selects_the_nearest_particle_and_the_strip_follows(dashboard):
    dashboard.param.update(lang="en", n_data=16, n_particles=32, t_view=0.3)
    positions = dashboard.frame()[4]
    dashboard.select_nearest(*(positions[17] + 1e-9))
    assert dashboard.particle == 17
    times, w, commit = dashboard.strip()
    assert w.shape == (len(times), 16) and np.allclose(w.sum(1), 1)
    assert "#17" in dashboard.strip_view().opts.get().kwargs["title"]
    end = dashboard.run()[2].end[17].cpu().numpy()  # the strip ends committed to the endpoint's data point
    assert np.argmax(w[np.argmin(times)]) == np.argmin(np.linalg.norm(dashboard.cloud().points.cpu().numpy() - end,
                                                                      axis=1))
    assert not math.isnan(commit) and times.min() <= commit <= times.max()
    dashboard.particle = 999  # beyond the particles drawn: the last one
    assert dashboard.selected_index() == 31


def test_sweep_runs_only_on_request(dashboard):
    """Slider moves never start the 1–3 s sweep; the button (run_sweep) does, once per setting."""
    dashboard.param.update(construction="ve", n_data=16, n_particles=24)
    for steps in (4, 8, 12):
        dashboard.n_steps = steps
        dashboard.quality_view()
    assert dashboard.finished_sweep() is None
    assert not [el for el in layers(dashboard.quality_view(), "Curve")]
    dashboard.sweep_task().start()  # no server: the task runs at once
    assert dashboard.finished_sweep() is not None
    curves = layers(dashboard.quality_view(), "Curve")
    assert len(curves) == 4 and all(len(curve) == 6 for curve in curves)
    dashboard.n_steps = 20  # the sweep of this grid and reference stays
    assert dashboard.finished_sweep() is not None


def sweep_button(page) -> pn.widgets.Button:
    return next(button for button in page._layout.select(pn.widgets.Button) if "kv-run-sweep" in button.css_classes)


def test_sweep_button_computes_and_refreshes(page):
    """The button is a background task (:meth:`~kexue_viz.ui.Dashboard.task`; without a server it runs
    at once): its result lands in the accuracy view, its runs in the pipeline's memo."""
    from kexue_viz.diffusion import pipeline

    page.param.update(construction="ve", n_data=16, n_particles=24, grid="log")
    assert page.finished_sweep() is None
    sweep_button(page).clicks += 1
    assert page.finished_sweep() is not None and not sweep_button(page).disabled
    curves = layers(page._live["quality"].build(), "Curve")
    assert len(curves) == 4 and all(len(curve) == len(pipeline.SWEEP_STEPS) for curve in curves)
    key = page.sweep_key()
    assert all(pipeline.sweep_point.cached(*key, *run) is not None for run in pipeline.SWEEP_RUNS)
    assert not page._problems


def test_a_failing_sweep_is_reported_and_shows_nothing(page, monkeypatch):
    from kexue_viz.diffusion import pipeline

    def fail(*args):
        raise ValueError("no reference today")

    page.param.update(lang="en", construction="ve", n_data=16, n_particles=24, grid="uniform")
    monkeypatch.setattr(pipeline, "sweep_point", fail)
    sweep_button(page).clicks += 1
    assert page._error.visible and "no reference today" in page._error.object
    assert page.finished_sweep() is None and not sweep_button(page).disabled


def test_the_sweep_runs_the_setting_shown_when_pressed(page):
    """The task's work reads no parameter (it runs in a worker thread on a served page): it sweeps the
    setting read at the press (``prepare``), after the reader changed it."""
    page.param.update(construction="ve", n_data=16, n_particles=24, grid="karras", rho=5.0)
    page.rho = 3.0
    sweep_button(page).clicks += 1
    assert page.finished_sweep() is not None and page.sweep_key()[1].rho == 3.0


def test_the_half_plane_is_shown_for_pfgm_only(page):
    cell = next(column for column in page._layout.select(pn.Column) if page.panes["half_plane"] in column.objects)
    page.construction = "straight"
    assert cell.visible is False
    page.construction = "pfgm"
    assert cell.visible is True
    page.construction = "straight"
    assert cell.visible is False


@pytest.mark.parametrize("dataset", ["post15_1d", "moons"])
def test_pfgm_half_plane_shows_the_augmented_field(dashboard, dataset):
    """Arrows along (F_x₁, F_t) of post 13's augmented field; in 1-D exact field lines (the PFGM
    trajectories by the conserved CDF) that end on the data at t = 0."""
    from kexue_viz.diffusion.gravity import augmented_field

    dashboard.param.update(construction="pfgm", dataset=dataset, n_data=16, n_particles=24)
    view = dashboard.half_plane_view()
    arrows, *rest = plain_layers(view, "Segments")
    start, end = arrows.array(["x", "t"]).astype(float), arrows.array(["x_end", "t_end"]).astype(float)
    cloud = dashboard.cloud()
    query = torch.as_tensor(start[:, :1])
    if cloud.dim == 2:
        query = torch.cat([query, torch.full_like(query, float(cloud.points[:, 1].mean()))], 1)
    force_x, force_t = augmented_field(query, torch.as_tensor(start[:, 1]), cloud)
    force = np.column_stack([force_x[:, 0].cpu().numpy(), force_t.cpu().numpy()])
    direction = (end - start) / np.linalg.norm(end - start, axis=1, keepdims=True)
    np.testing.assert_allclose(direction, force / np.linalg.norm(force, axis=1, keepdims=True), atol=1e-12)
    assert (direction[:, 1] < 0).all()  # the field pulls down towards the data on t = 0
    if cloud.dim == 1:
        lines, = rest
        ends = lines.array(["x_end", "t_end"]).astype(float)
        on_plane = ends[ends[:, 1] == 0, 0]
        assert len(on_plane) > 0 and np.isin(np.round(on_plane, 9), np.round(cloud.points[:, 0].cpu().numpy(), 9)).all()
    dashboard.construction = "straight"
    assert len(dashboard.half_plane_view()) == 0  # hidden for other constructions


@pytest.mark.parametrize("sources", ["four", "ring"])
def test_gravity_flux_shares_equal_mass_shares(dashboard, sources):
    """Post 13's figure: field lines from a far circle end on the sources in proportion to their masses
    (Gauss), the ring's centre point included (no collapse for point sources); each line ends on its source."""
    from kexue_viz.diffusion.pipeline import GRAVITY_CAPTURE, GRAVITY_LINES, gravity_setup

    dashboard.gravity_sources = sources
    paths, hit, shares, launch, centre = dashboard.gravity_lines()
    masses = gravity_setup(sources)[1].numpy()
    assert (hit >= 0).all() and np.abs(shares - masses).max() <= 1.5 / GRAVITY_LINES
    points = gravity_setup(sources)[0].numpy()
    last = np.array([paths[np.isfinite(paths[:, k, 0]), k][-1] for k in range(paths.shape[1])])
    assert (np.linalg.norm(last - points[hit], axis=1) < GRAVITY_CAPTURE + 0.15).all()  # drawn every 2nd step
    assert np.allclose(np.linalg.norm(paths[0] - centre, axis=1), launch)


def test_centroid_error_decays_like_r_minus_two(dashboard):
    """Far field (brief §2.4): the four sources' field minus the centroid's is O(R⁻²) relative (no dipole)."""
    dashboard.gravity_sources = "four"
    radii, errors = dashboard.centroid_errors()
    far = radii >= 10
    slope = np.polyfit(np.log(radii[far]), np.log(errors[far]), 1)[0]
    assert slope == pytest.approx(-2.0, abs=0.3)
    dashboard.gravity_sources = "ring"  # a symmetric ring: every low multipole cancels
    assert dashboard.centroid_errors()[1][-1] < 1e-9


def test_gravity_radius_moves_the_circle_and_the_marker(dashboard):
    dashboard.param.update(lang="en", gravity_sources="four", gravity_radius=12.0)
    ring = [el for el in layers(dashboard.gravity_view(), "Segments") if "color" not in el.vdims][0]
    assert np.allclose(np.hypot(*(ring.array(["x1", "x2"]) - dashboard.gravity_lines()[4]).T), 12.0)
    marker = layers(dashboard.centroid_view(), "Scatter")[0].array()
    assert marker[0, 0] == 12.0 and "R = 12" in dashboard.centroid_view().opts.get().kwargs["title"]


def test_colour_image_keeps_orientation_and_allows_one_row():
    """Weight strip and density colours are computed as RGB (see views.colour_image): cell (x, y)
    shows the value given for it; a single data point makes a one-row image."""
    from kexue_viz.diffusion import views

    values = np.array([[0.0, 0.5, 1.0], [1.0, 0.0, 0.0]])
    image = views.colour_image(np.array([0.0, 1.0, 2.0]), np.array([10.0, 20.0]), values, "Greys", ("a", "b"))
    red = image.dimension_values("R", flat=False)
    assert np.array_equal(np.argsort(red, axis=1), np.argsort(-values, axis=1))  # Greys: larger = darker
    assert views.colour_image(np.arange(4.0), np.zeros(1), np.ones((1, 4)), "Greys", ("a", "b")).bounds.lbrt()[1] == -0.5


def test_one_data_point_and_one_particle_render(dashboard):
    dashboard.set_custom([[0.2, 0.3]])
    dashboard.n_particles = 1
    for view in (dashboard.main_view, dashboard.strip_view, dashboard.tx_view, dashboard.density_view):
        view()
    times, w, commit = dashboard.strip()
    assert np.allclose(w, 1.0) and commit == times.max()  # one point: committed from the start
    assert not dashboard._problems


def drawn_ranges(view) -> tuple[tuple[float, float], tuple[float, float]]:
    """The x and y ranges ``view`` is drawn with: its explicit limits, else the range of every layer
    on that axis (what a live plot's auto-range shows)."""
    from kexue_viz.live import plot_options

    options, axes = plot_options(view), view.values()[0].kdims[:2]
    return tuple(tuple(options[key]) if options.get(key) is not None else tuple(view.range(axis))
                 for key, axis in zip(("xlim", "ylim"), axes))


VISIBLE_SHARE = 0.15  # of an axis the data span at least (measured ≥ 0.174; before the window rule down to 0.0003)


def assert_data_visible(axes, data: np.ndarray, what: str) -> None:
    """The data (N, k) lie inside the ``axes`` (k ranges) and their largest coordinate span is at least
    ``VISIBLE_SHARE`` of the widest axis (the cloud is not a dot)."""
    for (low, high), values in zip(axes, data.T):
        assert low <= values.min() and values.max() <= high, f"{what}: data off the axis {(low, high)}"
    span = max(float(np.ptp(data, axis=0).max()), 1.0)  # a one-point data set is seen against a unit span
    share = span / max(high - low for low, high in axes)
    assert share >= VISIBLE_SHARE, f"{what}: the data span {share:.3g} of the axes {axes}"


@pytest.mark.parametrize("dataset", [name for name in PRESETS])
def test_every_construction_shows_the_data(dashboard, dataset):
    """For every preset and construction at the first view time (t = T, particles farthest), the views
    that draw the data or paths onto it (main, x₁(t), PFGM half-plane; the density map shares the main
    view's window rule and is checked once, it needs the slow reference) keep the data a visible share
    of their axes; particles beyond the main view's window are marked on its edge."""
    dashboard.param.update(dataset=dataset, n_particles=64, n_data=32, t_view=0.0)
    for construction, prior in [(c, "gaussian") for c in CONSTRUCTIONS] + [("straight", "poisson")]:
        dashboard.param.update(construction=construction, prior=prior)
        cloud, _, _, _, positions, _ = dashboard.frame()
        data = cloud.points.cpu().numpy()
        what = f"{dataset}/{construction}/{prior}"
        if cloud.dim == 1:
            assert_data_visible(drawn_ranges(dashboard.main_view())[1:], data, f"{what} x(t)")
        else:
            if (dataset, construction) == ("spiral", "pfgm"):
                assert_data_visible(drawn_ranges(dashboard.density_view()), data, f"{what} density")
            assert_data_visible(drawn_ranges(dashboard.tx_view())[1:], data[:, :1], f"{what} x1(t)")
            main = dashboard.main_view()
            (x0, x1), (y0, y1) = window = drawn_ranges(main)
            assert_data_visible(window, data, f"{what} main")
            beyond = (positions[:, 0] < x0) | (positions[:, 0] > x1) | (positions[:, 1] < y0) | (positions[:, 1] > y1)
            edge, = [el for el in layers(main, "Points") if "angle" in el]
            on_edge = edge.array(["x1", "x2"])
            on_edge = on_edge[np.isfinite(on_edge).all(1)]  # a one-colour layer's undrawn row is at NaN
            assert len(on_edge) == beyond.sum(), what
            assert (on_edge >= [x0, y0]).all() and (on_edge <= [x1, y1]).all(), what
        if construction == "pfgm":
            assert_data_visible(drawn_ranges(dashboard.half_plane_view())[:1], data[:, :1], f"{what} half-plane")
    assert not dashboard._error.visible


def test_a_second_reader_at_the_defaults_computes_nothing():
    """Results are shared by every session (:mod:`kexue_viz.diffusion.pipeline`): a new page at the
    settings of an open one takes them all from the process-wide memo."""
    from kexue_viz.diffusion import pipeline
    from kexue_viz.pipeline import Memo

    memos = [value for value in vars(pipeline).values() if isinstance(value, Memo)]
    first = DiffusionOdeDashboard()
    first.__panel__()
    misses = [memo.cache_info().misses for memo in memos]
    second = DiffusionOdeDashboard()
    second.__panel__()
    assert [memo.cache_info().misses for memo in memos] == misses
    assert second.run()[2] is first.run()[2] and second.frame()[4] is first.frame()[4]
    with pytest.raises(ValueError, match="read-only"):
        second.frame()[4][0, 0] = 1.0  # no reader can change what the others see
