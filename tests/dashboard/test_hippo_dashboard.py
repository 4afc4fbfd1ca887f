"""The HiPPO dashboard driven through its parameters, without a browser."""
from __future__ import annotations

import numpy as np
import panel as pn
import param
import torch
import pytest

from kexue_viz import cli, ui
from kexue_viz.ssm.dashboard import N_MAX, HippoDashboard


@pytest.fixture
def dashboard():
    board = HippoDashboard()
    board.__panel__()
    return board


def input_data(board):
    """(t, u) of the input curve in the main view."""
    curve = next(el for el in board.memory_view().values() if type(el).__name__ == "Curve")
    return curve.dimension_values(0), curve.dimension_values(1)


def reconstruction_curve(board):
    curves = [el for el in board.memory_view().values() if type(el).__name__ == "Curve"]
    return curves[1]  # [input, reconstruction]


def test_default_views_have_data(dashboard):
    x, y = input_data(dashboard)
    assert len(x) == dashboard.L + 1 and np.isfinite(y).all()
    recon = reconstruction_curve(dashboard)
    assert np.isfinite(recon.dimension_values(1)).all()
    for view in (dashboard.trajectories_view(), dashboard.spectrum_view(), dashboard.error_view(),
                 dashboard.stability_view(), dashboard.discrete_view()):
        assert view is not None
    assert dashboard._error.visible is False


def test_state_size_follows_n(dashboard):
    dashboard.N = 8
    assert dashboard.states().shape == (dashboard.L + 1, 8)
    spikes = dashboard.spectrum_view()
    assert len(next(iter(spikes.values())).dimension_values(0)) == 8
    dashboard.N = 40
    assert dashboard.states().shape[1] == 40


def test_legs_n_is_a_slice_of_one_run(dashboard):
    dashboard.N = 8
    small = dashboard.states().copy()
    dashboard.N = N_MAX
    assert np.array_equal(dashboard.states()[:, :8], small)


def test_more_coefficients_reconstruct_better(dashboard):
    dashboard.signal = "sines"
    errors = []
    for N in (4, 16, 48):
        dashboard.N = N
        errors.append(dashboard.reconstruction()[2])
    assert errors[0] > errors[1] > errors[2]


def test_window_measure_reconstructs_only_the_window(dashboard):
    dashboard.measure = "legt"
    dashboard.w = 1.5
    times = reconstruction_curve(dashboard).dimension_values(0)
    T = dashboard.T
    assert times.min() == pytest.approx(T - 1.5) and times.max() == pytest.approx(T)


def test_cursor_moves_the_reconstruction(dashboard):
    before = reconstruction_curve(dashboard).dimension_values(0).max()
    dashboard.cursor = 0.5
    after = reconstruction_curve(dashboard).dimension_values(0).max()
    assert before == pytest.approx(dashboard.duration) and after == pytest.approx(dashboard.duration / 2)


def test_error_curve_online_never_beats_optimal(dashboard):
    for measure in ("legs", "legt", "fout", "lagt"):
        dashboard.measure = measure
        curve = dashboard.error_curve()
        assert curve["N"] == [1, 2, 4, 8, 16, 32, 64]
        assert all(on >= opt - 1e-9 for on, opt in zip(curve["online"], curve["optimal"])), measure


def test_fourier_post_system_stalls_while_corrected_converges(dashboard):
    dashboard.signal = "sines"
    dashboard.measure = "fout_post"
    post = dashboard.error_curve()["online"]
    dashboard.measure = "fout"
    corrected = dashboard.error_curve()["online"]
    assert corrected[-1] < 0.5 * post[-1]


@pytest.mark.parametrize("name, value", [("N", 0), ("N", 65), ("N", "abc"), ("w", -1), ("L", 3),
                                         ("measure", "chebyshev"), ("cursor", 2.0), ("nonsense", 1)])
def test_bad_settings_are_rejected_with_a_message(dashboard, name, value):
    before = dashboard.settings()
    problems = dashboard.apply_settings({name: value})
    assert len(problems) == 1 and name in problems[0]
    assert dashboard.settings() == before


def test_url_strings_are_parsed(dashboard):
    assert dashboard.apply_settings({"N": "24", "L": "500", "measure": "legt", "log_y": "true", "w": "0.5"}) == []
    assert (dashboard.N, dashboard.L, dashboard.measure, dashboard.log_y, dashboard.w) == (24, 500, "legt", True, 0.5)


def test_url_error_keeps_valid_values_and_reports(dashboard):
    dashboard.apply_link({"N": 12, "w": 99.0})
    assert dashboard.N == 12
    assert dashboard._error.visible and "w" in dashboard._error.object


def test_upload_becomes_the_input(dashboard):
    values = np.sin(np.linspace(0, 6, 300))
    dashboard.load_upload(("u\n" + "\n".join(f"{v:.6f}" for v in values)).encode())
    assert dashboard.signal == "upload" and not dashboard._error.visible
    x, y = input_data(dashboard)
    assert y[0] == pytest.approx(0.0, abs=1e-6) and y.max() == pytest.approx(1.0, abs=1e-3)


@pytest.mark.parametrize("payload, fragment", [(b"", "empty"), (b"\xff\xfe\x00garbage", "UTF-8"),
                                               (b"1\n2\nthree\n", "line 3"), (b"1\nnan\n", "finite")])
def test_bad_upload_reports_and_keeps_the_signal(dashboard, payload, fragment):
    dashboard.signal = "sines"
    dashboard.lang = "en"
    before = input_data(dashboard)[1]
    dashboard.load_upload(payload)
    assert dashboard._error.visible and fragment in dashboard._error.object
    dashboard.lang = "zh"  # the message follows the language
    assert "上传" in dashboard._error.object
    assert dashboard.signal == "sines"
    assert np.array_equal(input_data(dashboard)[1], before)


def test_upload_selected_without_file_keeps_last_view(dashboard):
    guarded = dashboard.guard("input", dashboard.memory_view, lambda: None)
    first = guarded()
    dashboard.signal = "upload"
    assert guarded() is first
    assert dashboard._error.visible


def test_message_clears_when_the_view_recovers(dashboard):
    guarded = dashboard.guard("input", dashboard.memory_view, lambda: None)
    dashboard.signal = "upload"
    guarded()
    assert dashboard._error.visible
    dashboard.signal = "sines"
    guarded()
    assert not dashboard._error.visible


def test_unexpected_failure_is_reported_not_raised(dashboard, monkeypatch):
    guarded = dashboard.guard("traj", dashboard.trajectories_view, lambda: "fallback")
    good = guarded()
    monkeypatch.setattr(dashboard, "states", lambda: (_ for _ in ()).throw(RuntimeError("boom")))
    dashboard.n_shown = 3  # a setting not seen before: the view must be recomputed
    assert guarded() is good
    assert "RuntimeError" in dashboard._error.object


def test_every_method_and_measure_renders(dashboard):
    for measure in ("legs", "legt", "fout", "fout_post", "lagt"):
        for method in ("zoh", "bilinear", "bilinear_s4", "backward_euler", "forward_euler"):
            dashboard.param.update(measure=measure, method=method, N=8, L=250)
            assert np.isfinite(dashboard.reconstruction()[2]) or method == "forward_euler"
            dashboard.discrete_view()
            dashboard.stability_view()


def test_player_sends_frames_as_the_browser_reports_them(dashboard, monkeypatch):
    """The server's half of the player (the browser's half, reporting frames, is tested in
    tests/browser/test_hippo.py): frames go out one by one, at most two unreported."""
    timers = []  # no event loop runs here: the test fires the player's timers itself
    monkeypatch.setattr(pn.state, "add_periodic_callback", lambda callback, period, count: timers.append(callback))
    player = next(iter(dashboard._layout.select(pn.widgets.Player)))

    def elapse():
        for callback in [timers.pop() for _ in list(timers)]:
            callback()

    def report(frame):  # what the browser sends back for a frame it has received
        with param.edit_constant(player):
            player.value_throttled = frame

    assert player.end <= ui.PLAYER_MAX_FRAME and player.value == player.end  # the cursor starts at the end
    player.direction = 1  # ▶ on the last frame: from the first; the light views follow, the dear ones wait
    assert player.value == 1 and dashboard.cursor == 0.01 and dashboard.settled == 1.0
    elapse()  # the interval passed: a second frame goes out before the first is reported, then no more
    assert player.value == 2 and not timers
    report(2)  # a frame reported: it and every frame before it have arrived
    elapse()
    assert player.value == 3
    dashboard.scrub("cursor", 0.503)  # the slider, while playing: the player shows the nearest frame
    assert player.value == 50 and dashboard.cursor == 0.503
    elapse()  # ... and plays on from there
    assert player.value == 51 and dashboard.cursor == 0.51 and dashboard.settled == 1.0
    player.direction = 0  # ⏸ settles
    assert dashboard.settled == 0.51
    with param.edit_constant(player):  # a step button while paused: scrubs and settles
        player.param.update(value=70, value_throttled=70)
    assert dashboard.cursor == dashboard.settled == 0.7
    dashboard.cursor = 0.99
    player.direction = 1
    report(100)
    elapse()  # past the last frame: the run ends and settles
    assert player.direction == 0 and dashboard.cursor == dashboard.settled == 1.0


def test_eigenvalue_views_frame_their_points_at_equal_scales(dashboard):
    for view in (dashboard.stability_view(), dashboard.discrete_view()):
        options = view.opts.get().kwargs
        (x0, x1), (y0, y1) = options["xlim"], options["ylim"]
        assert x1 - x0 == pytest.approx(y1 - y0) and options["frame_width"] == options["frame_height"]
    scaled = dashboard.eigen_data()[0]  # LegS at the last step: δ·λ = -(n+1)·ln(1000/999)
    x0, x1 = dashboard.stability_view().opts.get().kwargs["xlim"]
    assert x0 < scaled.real.min() and scaled.real.max() < 0 < x1 and np.ptp(scaled.real) > 0.4 * (x1 - x0)


def test_language_switch_relabels(dashboard):
    dashboard.lang = "en"
    assert dashboard._widgets["N"].label == "State size N"
    assert "Input" in dashboard.memory_view().opts.get().kwargs["title"]
    dashboard.lang = "zh"
    assert dashboard._widgets["N"].label == "状态维数 N"


def test_png_export_is_a_png(dashboard):
    assert dashboard.export_bytes("png")[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_language_can_be_set_like_any_parameter(tmp_path):
    out = tmp_path / "en.svg"
    assert cli.main(["export", "hippo", "--set", "lang=en", "-o", str(out)]) == 0
    assert b"lang=en" in out.read_bytes()


def test_cli_rejects_bad_values(tmp_path, capsys):
    assert cli.main(["export", "hippo", "--set", "N=999", "-o", str(tmp_path / "x.png")]) == 2
    assert "N" in capsys.readouterr().err
    assert cli.main(["export", "nope", "-o", str(tmp_path / "x.png")]) == 2
    assert cli.main(["export", "hippo", "-o", str(tmp_path / "x.gif")]) == 2


# ---- S4 / RTF view (posts 3, 4) -----------------------------------------------------------------
@pytest.fixture(scope="module")
def s4_board():
    """One dashboard for the S4 view tests (its views compute without building the page); each
    test sets the parameters it relies on."""
    return HippoDashboard(L=250)


def curve_values(view, index):
    curves = [el for el in view.values() if type(el).__name__ == "Curve"]
    return curves[index].dimension_values(1)


def test_s4_kernel_view_agrees_with_direct_powers(s4_board):
    from kexue_viz.ssm.kernels import hippo_ssm, kernel_powers

    s4_board.param.update(N=12, s4_step=0.05, measure="legs", readout="random")
    kernel = curve_values(s4_board.kernel_view(), 0)
    ssm = hippo_ssm("legs", 12, 0.05, "random", norm="paper", seed=s4_board.seed)
    reference = kernel_powers(ssm, 250).cpu().numpy()
    assert len(kernel) == 250 and np.abs(kernel - reference).max() <= 1e-13 * np.abs(reference).max()
    assert "e-1" in s4_board.kernel_view().opts.get().kwargs["title"]  # the printed difference is ~1e-15


def test_s4_transfer_view_is_the_dft_of_the_kernel(s4_board):
    s4_board.param.update(N=16, s4_step=0.01, measure="legs")
    kernel = curve_values(s4_board.kernel_view(), 0)
    magnitude = s4_board.transfer_view()
    assert np.allclose(magnitude.dimension_values(1), np.maximum(np.abs(np.fft.rfft(kernel)), 1e-300), rtol=1e-12)


def test_s4_output_equals_the_recurrence(s4_board):
    from kexue_viz.ssm.kernels import hippo_ssm
    from kexue_viz.ssm.online import run_recurrence

    s4_board.param.update(N=10, s4_step=0.02, measure="legt", w=0.5, readout="ones")
    y = curve_values(s4_board.output_view(), 1)
    ssm = hippo_ssm("legt", 10, 0.02, "ones", w=0.5, norm="paper")
    u = torch.tensor(s4_board.samples()[1])
    y_rnn = (run_recurrence(*ssm.discrete(), u)[1:] @ ssm.C).cpu().numpy()
    assert np.abs(y - y_rnn).max() <= 1e-12 * np.abs(y_rnn).max()


def test_s4_view_follows_every_measure_and_step(s4_board):
    for measure in ("legs", "legt", "fout", "fout_post", "lagt"):
        for step in (0.001, 1.0):
            s4_board.param.update(measure=measure, s4_step=step, N=9)
            title = s4_board.kernel_view().opts.get().kwargs["title"]
            difference = float(title.split("（")[-1].split(" ")[-1].rstrip("）")) if "（" in title else None
            assert difference is not None and difference < 1e-12, (measure, step, title)
            assert np.isfinite(curve_values(s4_board.output_view(), 1)).all()
    assert not s4_board._error.visible


def timing_parts(board):
    """(bar ends, message, title) of the timing chart."""
    view = board.timing_view()
    bars, message = view.values()
    return list(bars.dimension_values(2)), list(message.dimension_values(2)), view.opts.get().kwargs["title"]


def timing_button(board) -> pn.widgets.Button:
    return next(w for w in board._layout.select(pn.widgets.Button) if "kv-time-routes" in w.css_classes)


def test_route_timing_is_on_demand_and_cached_per_n_and_l(monkeypatch):
    """The button times the routes (a background task: without a server it runs at once), the chart
    and the note follow (``notify("timings")``); a second press at the same N and L measures nothing."""
    from kexue_viz.ssm import pipeline

    board = HippoDashboard(L=250, lang="en")
    board.__panel__()
    ends, message, title = timing_parts(board)
    assert "button" in board.timing_note() and not any(ends) and message == [board.t("timing_pending")]
    assert "N=16, L=250" in title
    timed = []
    route_timing = pipeline.route_timing
    monkeypatch.setattr(pipeline, "route_timing", lambda settings, route: timed.append(route) or route_timing(
        settings, route))
    timing_button(board).clicks += 1
    timings = board.current_timings()
    assert timed == ["powers", "krylov", "generating", "cauchy", "rtf"] == list(timings) and min(timings.values()) > 0
    timing_button(board).clicks += 1
    assert len(timed) == 5 and board.current_timings() is timings  # kept for the same (N, L)
    ends, message, title = timing_parts(board)
    assert ends == list(timings.values()) and message == [] and "N=16, L=250" in title  # bar ends = medians
    board.N = 20  # the chart and the note follow N: not timed there yet
    ends, message, title = timing_parts(board)
    assert "N=20, L=250" in title and not any(ends) and message and "button" in board.timing_note()
    board.N = 16
    assert timing_parts(board)[0] == list(timings.values())


def test_timings_refresh_exactly_the_timing_chart_and_note():
    """The timings are not a parameter: their arrival is announced by ``notify("timings")``, which
    redraws the chart and the note and nothing else."""
    board = HippoDashboard(L=250, lang="en")
    builds = {}
    for name in ("timing_view", "timing_note", "kernel_view", "memory_view"):
        build = getattr(board, name)
        setattr(board, name, lambda name=name, build=build: builds.update({name: builds.get(name, 0) + 1}) or build())
    board.__panel__()
    before = dict(builds)
    board.keep_timings(((16, 250), dict.fromkeys(("powers", "krylov", "generating", "cauchy", "rtf"), 2.0)))
    assert builds == {**before, "timing_view": before["timing_view"] + 1, "timing_note": before["timing_note"] + 1}
    shown = next(p for p in board._layout.select(pn.pane.Markdown) if "powers (loop): 2.00 ms" in str(p.object))
    assert "(1.0×)" in shown.object


def test_a_failed_timing_is_reported_and_a_later_one_withdraws_it(monkeypatch):
    from kexue_viz.ssm import pipeline

    board = HippoDashboard(L=250, lang="en")
    board.__panel__()
    monkeypatch.setattr(pipeline, "route_timing", lambda settings, route: (_ for _ in ()).throw(
        RuntimeError("no clock")))
    timing_button(board).clicks += 1
    assert board._error.visible and "no clock" in board._error.object
    assert board.current_timings() is None and not timing_button(board).disabled
    monkeypatch.undo()
    timing_button(board).clicks += 1  # a later press that works withdraws the message
    assert board.current_timings() is not None and not board._error.visible


def test_s4_cache_ignores_the_window_for_unwindowed_measures(s4_board):
    s4_board.measure = "legs"
    first = s4_board.s4_pair()
    s4_board.w = 2.0
    assert s4_board.s4_pair() is first


def test_s4_views_refresh_once_per_update():
    """The S4 views follow what they read: one refresh for an update of several of their inputs,
    none for the cursor (not one of them)."""
    board = HippoDashboard(L=250)
    builds = []
    kernel_view = board.kernel_view
    board.kernel_view = lambda: builds.append(1) or kernel_view()
    board.__panel__()
    builds.clear()
    board.param.update(N=20, s4_step=0.1, measure="legt")
    assert len(builds) == 1
    board.cursor = 0.5
    assert len(builds) == 1
    assert {"timing_version", "s4_version"}.isdisjoint(board.param)  # no counter parameters


def test_the_sections_lay_out_the_views():
    """Posts 1/2: the main plot, then a grid whose eigenvalue views keep their square frames and
    whose last cell is the reading note; posts 3/4 under their heading, the timing button and note
    under the timing chart."""
    board = HippoDashboard(lang="en")
    layout = board.__panel__()
    main = board.panes["memory"]
    assert "kv-main-plot" in main.css_classes
    assert board.panes["stability"].sizing_mode == board.panes["discrete"].sizing_mode == "fixed"
    grids = list(layout.select(pn.GridBox))
    assert len(grids) == 2 and grids[0].ncols == grids[1].ncols == 2
    assert [board.panes["note"]] in [cell.objects for cell in grids[0].objects]  # each cell a column of its own
    assert "Reading the figure" in board.panes["note"].object
    headings = [p.object for p in layout.select(pn.pane.Markdown) if str(p.object).startswith("### ")]
    assert headings == ["### " + board.t("s4_heading")]
    timing_cell = next(cell for cell in grids[1].objects if board.panes["timing"] in getattr(cell, "objects", ()))
    assert any("kv-time-routes" in w.css_classes for w in timing_cell.select(pn.widgets.Button))


def test_readers_share_read_only_results(dashboard):
    """Two pages at the same settings hold the same arrays, which neither can change (that a
    second page computes nothing is checked for every dashboard in test_every_dashboard.py)."""
    second = HippoDashboard()
    assert second.states().base is dashboard.states().base
    with pytest.raises(ValueError, match="read-only"):
        second.states()[0, 0] = 1.0  # no reader can change what the others see


def test_an_upload_is_keyed_by_its_samples_and_an_unused_setting_by_nothing(dashboard):
    """Two readers uploading the same series share its results; a preset's unused frequency (the
    step) and the window of an unwindowed measure (LegS) do not enter the settings."""
    from kexue_viz.ssm import pipeline

    data = ("u\n" + "\n".join(f"{v:.3f}" for v in np.sin(np.linspace(0, 9, 300)))).encode()
    other = HippoDashboard()
    dashboard.load_upload(data), other.load_upload(data)
    assert other.states() is not None and other.trajectory_settings() == dashboard.trajectory_settings()
    dashboard.param.update(signal="step", freq=3.0, w=2.0)
    other.param.update(signal="step", freq=5.0, w=0.5)
    assert dashboard.trajectory_settings() == other.trajectory_settings()
    dashboard.measure = other.measure = "legt"  # LTI: the step ε = duration / L enters, the window too
    assert dashboard.trajectory_settings() != other.trajectory_settings()
    other.w = 2.0
    other.states()
    misses = pipeline.trajectory.cache_info().misses
    dashboard.states()
    assert pipeline.trajectory.cache_info().misses == misses


def test_an_uploaded_input_follows_the_duration_under_a_time_invariant_measure(dashboard):
    """The step ε = duration / L enters an LTI system, so an upload's trajectory changes with the
    duration (its samples do not); LegS is ε-free and keeps its run."""
    dashboard.load_upload(("u\n" + "\n".join(f"{v:.3f}" for v in np.cos(np.linspace(0, 7, 400)))).encode())
    dashboard.measure = "legt"
    before = dashboard.states()
    dashboard.duration = 8.0
    assert not np.array_equal(dashboard.states(), before)
    dashboard.measure = "legs"
    legs = dashboard.states()
    dashboard.duration = 2.0
    assert dashboard.states() is not None and dashboard.states().base is legs.base
