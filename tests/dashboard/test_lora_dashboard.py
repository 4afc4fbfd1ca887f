"""The LoRA vs full fine-tuning dashboard driven through its parameters, without a browser."""
from __future__ import annotations

import dataclasses
import re

import holoviews as hv
import numpy as np
import panel as pn
import pytest

from kexue_viz import plot
from kexue_viz.lora import pipeline
from kexue_viz.lora.dashboard import LoRADashboard
from kexue_viz.lora.problems import LinearProblem
from kexue_viz.lora.runners import RunSettings, run
from kexue_viz.lora.views import LOG_CEILING

HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def shared_board():
    board = LoRADashboard()
    board.__panel__()
    board.open_every_tab()
    return board


@pytest.fixture
def page(shared_board):
    """One built dashboard for the module (building one costs seconds), reset to the defaults."""
    defaults = {name: shared_board.param[name].default for name in shared_board.url_parameters()}
    shared_board.param.update(**defaults)
    shared_board._problems.clear()
    shared_board._show_problems()
    yield shared_board
    shared_board.param.update(**defaults)


def button(page, css: str) -> pn.widgets.Button:
    return next(b for b in page._layout.select(pn.widgets.Button) if css in b.css_classes)


def layers(view, kind="Curve"):
    return [layer for layer in plot.layers(plot.materialize(view)) if type(layer).__name__ == kind]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_view_builds_and_renders_in_both_languages(page, lang):
    page.lang = lang
    for key, view in page._live.items():
        built = view.build()
        if isinstance(built, str):
            assert built.strip(), key
            assert lang == "zh" or not HAN.search(built), key
            continue
        hv.render(plot.materialize(built), backend="bokeh")
        assert lang == "zh" or not HAN.search(title(built)), key
    assert not page._error.visible, page._error.object
    assert set(page._live) >= {"loss", "distance", "cos", "spectrum", "readout", "factor_loss", "balance",
                               "heatmap", "first_step", "scale", "sigma_G0", "gap", "jump", "projection",
                               "schematic"}


def core_runs():
    """The default linear run of every main method, straight from the core."""
    problem = LinearProblem()
    full = run(problem, RunSettings(method="full"))
    runs = {"full": full}
    for method in ("lora", "lora_plus", "lora_ga", "lora_pro"):
        settings = RunSettings(method=method, lp_ratio=16.0, pro_C="sylvester")
        runs[method] = run(problem, settings, reference=full)
    return problem, runs


def test_linear_numbers_shown_match_the_core(page):
    """The readout's numbers and the plotted curves are the core's (brief §3.3 at the defaults)."""
    page.lang = "en"
    problem, runs = core_runs()
    readout = page.readout()
    rows = {line.split("|")[1].strip(): [cell.strip() for cell in line.split("|")[2:-1]]
            for line in readout.splitlines() if line.startswith("| ") and "method" not in line}
    for method, history in runs.items():
        label = page.t(f"methods.{method}") + (page.t("diverged_mark") if history.diverged else "")
        cells = rows[label]
        loss = history.loss.numpy()
        assert cells[0] == f"{loss[1]:.6g}" and cells[2] == (f"{loss[-1]:.6g}" if np.isfinite(loss[-1]) else "–")
        assert cells[6] == str(history.rank)
    assert rows["LoRA"][:2] == ["0.853621", "0.367514"] and rows["LoRA-GA"][0] == "0.329206"
    assert rows["LoRA-Pro"][0] == "0.836421" and rows["LoRA-GA"][3] == "0.9769" and rows["LoRA-GA"][6] == "8"
    floors = [float(f) for f in re.findall(r"= (\d\.\d{6})", readout.split("Floors")[1])]
    assert floors == pytest.approx([0.112214, 0.209781, 0.152587], abs=1e-6)
    curves = {layer.label: layer.dimension_values(1) for layer in layers(page.loss_view())}
    for method, history in runs.items():
        loss = history.loss.numpy()
        expected = np.where(loss < LOG_CEILING, loss, np.nan)  # a diverging run leaves the log axis
        np.testing.assert_allclose(curves[page.t(f"methods.{method}")], expected, rtol=1e-12)
    spectrum = {layer.label: layer.dimension_values(1) for layer in layers(page.spectrum_view())}
    sigma = np.linalg.svd(runs["lora_ga"].delta_W[page.t_probe].numpy(), compute_uv=False)
    np.testing.assert_allclose(spectrum["LoRA-GA"][:8], sigma[:8], rtol=1e-10)
    assert np.isnan(spectrum["LoRA-GA"][8:]).all()  # rank 8: the rest are zero (not drawn on the log axis)


def test_a_control_reruns_only_the_methods_that_read_it(page):
    """λ is read by LoRA+ alone: moving it leaves full fine-tuning and LoRA-Pro the same objects (memoised) and
    re-runs the batch LoRA+ trains in (LoRA, LoRA+, LoRA-GA), whose other runs come back the same."""
    before = {method: page.record(method) for method in ("full", "lora", "lora_ga", "lora_pro")}
    page.lp_ratio = 2
    assert all(page.record(method) is before[method] for method in ("full", "lora_pro"))
    for method in ("lora", "lora_ga"):
        after = page.record(method)
        assert after is not before[method]
        for field in dataclasses.fields(after):
            np.testing.assert_array_equal(getattr(after, field.name), getattr(before[method], field.name))
    assert page.record("lora_plus").diverged is False  # λ = 2 does not diverge at η = 0.5


def test_the_probe_moves_the_spectrum_and_a_tap_probes(page):
    page.t_probe = 1
    one = {layer.label: layer.dimension_values(1) for layer in layers(page.spectrum_view())}
    assert np.isfinite(one[page.t("methods.lora")]).sum() == page.r  # ΔW₁ = A₀ΔB₀ has rank r
    page.probe_at(37.4)
    assert page.t_probe == 37
    page.probe_at(float("nan"))
    assert page.t_probe == 37
    page.t_probe = 500  # beyond the steps: the last step is shown
    assert page.t_shown() == page.steps


def test_the_digits_task_runs_on_request_and_its_result_lands(page):
    """The digits runs are a task (no server: it runs at once); the views read the memo only, so a
    second reader finds them done."""
    page.param.update(problem="digits", steps=20, methods=["full", "lora"], optimizer="adam")
    assert page.shown() == [] and "digits" in page.readout().lower()
    button(page, "kv-run-digits").clicks += 1
    assert not page._error.visible, page._error.object
    shown = dict(page.shown())
    assert set(shown) == {"full", "lora"} and shown["lora"].steps == 20
    assert 0 < shown["lora"].test_accuracy <= 1 and "|" in page.readout()
    problem, runs = page.digits_plan()
    assert all(pipeline.history.cached(problem, settings) is not None for settings in runs)
    second = LoRADashboard(problem="digits", steps=20, methods=["full", "lora"], optimizer="adam")
    assert [method for method, _ in second.shown()] == ["full", "lora"]
    assert len(layers(page.gap_view())) == 3  # tab G's three choices of C came with the press


def title(view) -> str:
    return hv.Store.lookup_options("bokeh", plot.materialize(view), "plot").kwargs["title"]


def test_the_loraplus_heatmap_task_lands(page):
    page.param.update(steps=40, lang="en")
    assert page.heatmap_rows() is None and "press the button" in title(page.heatmap_view())
    button(page, "kv-run-heatmap").clicks += 1
    losses = page.heatmap_rows()
    assert losses.shape == (13, 7) and np.isfinite(losses).any()
    assert title(page.heatmap_view()).startswith("Final loss") and not page._error.visible


@pytest.mark.parametrize("settings, shape", [({"n": 40, "m": 36, "r": 16}, (40, 36, 16)),
                                             ({"problem": "digits", "r": 1}, (64, 64, 1))])
def test_the_schematic_is_drawn_to_the_scale_of_n_m_and_r(page, settings, shape):
    """I. Figure F1: W₀, A and B are rectangles of columns × rows (m×n, r×n, m×r; B on A's top rows), on
    equal scales (the limits' spans have the frame's aspect), named with their shapes; the title counts
    r(n + m) of nm."""
    page.param.update(lang="en", **settings)
    n, m, r = shape
    view = plot.materialize(page.schematic_view())
    boxes = [layer.dframe().iloc[0] for layer in layers(view, "Rectangles")]
    sizes = [(box.x1 - box.x0, box.y1 - box.y0) for box in boxes]
    assert np.allclose(sizes, [(m, n), (r, n), (m, r)], rtol=1e-12)
    assert boxes[2].y1 == boxes[1].y1 == n
    options = hv.Store.lookup_options("bokeh", view, "plot").kwargs
    (x0, x1), (y0, y1) = options["xlim"], options["ylim"]
    assert (x1 - x0) / (y1 - y0) == pytest.approx(options["frame_width"] / options["frame_height"], rel=1e-2)
    assert x0 < 0 and x1 > max(box.x1 for box in boxes) and y0 < 0 and y1 > n
    names = {text for layer in layers(view, "Labels") for text in layer.dimension_values("text")}
    assert {f"W₀ ({n}×{m})", f"A ({n}×{r})", f"B ({r}×{m})"} <= names
    assert f"r(n+m) = {r * (n + m):,} ({r * (n + m) / (n * m):.0%})" in options["title"]
    assert not page._error.visible


@pytest.mark.parametrize("settings, fragment", [
    ({"r": "40"}, "between 1 and 16"),
    ({"lp_ratio": "3"}, "must be one of"),
    ({"steps": "5"}, "between 20 and 500"),
])
def test_out_of_bounds_settings_are_refused_with_a_message(page, settings, fragment):
    page.lang = "en"
    before = page.settings()
    problems = page.apply_settings(settings)
    assert len(problems) == 1 and fragment in problems[0]
    assert page.settings() == before


@pytest.mark.parametrize("settings, fragment", [
    ({"m": 40}, "needs m ≤ n"),
    ({"r": 13}, "LoRA-GA takes the top 2r"),
])
def test_settings_the_problem_cannot_take_are_explained(page, settings, fragment):
    page.lang = "en"
    page.param.update(**settings)
    assert page._error.visible and fragment in page._error.object
    page.param.update(m=24, r=4)
    assert not page._error.visible


def test_export_writes_panels_a_to_d(page):
    png = page.export_bytes("png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    svg = page.export_bytes("svg")
    assert b"<svg" in svg[:2000] and b"lora" in svg
