"""The shared foundation: device choice, text tables, export, the index page."""
from __future__ import annotations

import subprocess
import sys

import holoviews as hv
import numpy as np
import pytest

from kexue_viz import cli
from kexue_viz.export import cjk_font_available, export, figure_bytes
from kexue_viz.i18n import FRAME_TEXT, TextTable
from kexue_viz.registry import DASHBOARDS
from kexue_viz.style import styled


def run_python(code: str, **env) -> str:
    import os

    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={**os.environ, **env}, check=True)
    return result.stdout.strip()


def test_device_defaults_to_cpu_without_cuda_and_honours_the_environment():
    code = "from kexue_viz.device import get_device; import torch; print(get_device(), torch.get_num_threads())"
    assert run_python(code, KEXUE_VIZ_DEVICE="cpu", KEXUE_VIZ_THREADS="1") == "cpu 1"
    assert run_python(code, KEXUE_VIZ_DEVICE="cpu", KEXUE_VIZ_THREADS="2") == "cpu 2"


def test_requesting_missing_cuda_fails_clearly():
    code = "from kexue_viz.device import get_device; get_device()"
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(subprocess.CalledProcessError) as failure:
        run_python(code, KEXUE_VIZ_DEVICE="cuda")
    assert "no CUDA device" in failure.value.stderr


def test_text_table_needs_both_languages_and_formats():
    with pytest.raises(ValueError, match="lacks"):
        TextTable({"x": {"zh": "只有中文"}})
    table = TextTable({"hello": {"zh": "你好 {name}", "en": "hello {name}"}})
    assert table.get("hello", "en", name="Su") == "hello Su"
    with pytest.raises(ValueError):
        table.get("hello", "fr")
    assert "export" in FRAME_TEXT


def test_every_dashboard_text_table_is_complete():
    for entry in DASHBOARDS.values():
        text = entry.load().text
        for key in text.entries:
            assert text.get(key, "zh") and text.get(key, "en"), key


@pytest.fixture
def chinese_view():
    curve = hv.Curve((np.arange(5), np.arange(5) ** 2), "时间 t", "数值")
    return styled(curve, color="#D55E00", line_width=2, title="中文标题")


@pytest.mark.parametrize("fmt, signature", [("png", b"\x89PNG"), ("svg", b"<?xml"), ("pdf", b"%PDF")])
def test_export_formats(chinese_view, tmp_path, fmt, signature):
    path = export(chinese_view, tmp_path / f"figure.{fmt}", metadata={"N": 3})
    assert path.read_bytes().startswith(signature)


def test_export_is_deterministic(chinese_view):
    assert figure_bytes(chinese_view, "svg") == figure_bytes(chinese_view, "svg")
    assert figure_bytes(chinese_view, "png") == figure_bytes(chinese_view, "png")


def test_chinese_labels_render_with_a_cjk_font(chinese_view, recwarn):
    assert cjk_font_available(), "install fonts-wqy-microhei (scripts/setup.sh does)"
    figure_bytes(chinese_view, "png")
    missing = [w for w in recwarn if "missing from" in str(w.message) or "Glyph" in str(w.message)]
    assert not missing, [str(w.message) for w in missing]


def test_export_rejects_unknown_format(chinese_view):
    with pytest.raises(ValueError, match="unknown format"):
        figure_bytes(chinese_view, "gif")


def test_index_page_lists_every_dashboard(tmp_path):
    page = cli.write_index(tmp_path).read_text(encoding="utf-8")
    for slug in DASHBOARDS:
        assert f'href="./{slug}"' in page
    assert "http://" not in page.replace("http://www.w3.org", "") and "https://fonts" not in page


def test_cli_list(capsys):
    assert cli.main(["list"]) == 0
    assert "hippo" in capsys.readouterr().out


def test_live_plot_updates_in_place_and_rerenders_on_structure():
    from kexue_viz.live import LivePlot

    state = {"scale": 1.0, "label": "a"}

    def build():
        x = np.linspace(0, 1, 50)
        return styled(hv.Curve((x, state["scale"] * x), "x", "y", label=state["label"]) * hv.VLine(state["scale"]),
                      title=f"scale {state['scale']}")

    plot = LivePlot(build)
    figure = plot.pane.object
    source = next(r.data_source for r in figure.renderers if hasattr(r, "data_source"))
    state["scale"] = 2.0
    plot.refresh()
    assert plot.pane.object is figure, "a data change must not replace the figure"
    assert np.allclose(source.data["y"], 2 * source.data["x"])
    assert figure.title.text == "scale 2.0"
    state["label"] = "b"
    plot.refresh()
    assert plot.pane.object is not figure, "a legend change re-renders"


def test_live_plot_moves_fixed_limits_in_place():
    import holoviews as hv
    from kexue_viz.live import LivePlot

    state = {"height": 1.0}

    def build():
        x = np.linspace(0, 1, 20)
        return styled(hv.Curve((x, state["height"] * x), "x", "y"), ylim=(-state["height"], state["height"]))

    plot = LivePlot(build)
    figure = plot.pane.object
    state["height"] = 3.0
    plot.refresh()
    assert plot.pane.object is figure, "a data-dependent fixed limit must not re-render"
    assert (figure.y_range.start, figure.y_range.end) == (-3.0, 3.0)


def test_styled_reuses_option_trees_and_leaves_its_input_alone():
    import holoviews as hv

    x = np.linspace(0, 1, 5)
    first = styled(hv.Curve((x, x), label="a"), color="#D55E00", line_width=2, line_dash="dashed")
    plain = hv.Curve((x, 2 * x), label="a")
    second = styled(plain, color="#D55E00", line_width=2, line_dash="dashed")
    other = styled(hv.Curve((x, x), label="a"), color="#0072B2", line_width=2, line_dash="dashed")
    assert plain.id is None, "styled must not restyle the element it was given"
    assert second.id == first.id != other.id
    for backend, dash in (("bokeh", "dashed"), ("matplotlib", "--")):
        style = hv.Store.lookup_options(backend, second, "style").kwargs
        assert style["color"] == "#D55E00"
        assert style["line_dash" if backend == "bokeh" else "linestyle"] == dash, backend
    assert np.allclose(second.dimension_values(1), 2 * x)


def test_live_plot_retitles_axes_in_place():
    import holoviews as hv
    from kexue_viz.live import LivePlot

    state = {"unit": "ms"}

    def build():
        x = np.linspace(0, 1, 20)
        return styled(hv.Curve((x, x), "x", hv.Dimension("y", label=f"time ({state['unit']})")), title="t")

    plot = LivePlot(build)
    figure = plot.pane.object
    assert figure.yaxis[0].axis_label == "time (ms)"
    state["unit"] = "s"
    plot.refresh()
    assert plot.pane.object is figure, "a new axis title must not re-render"
    assert figure.yaxis[0].axis_label == "time (s)"


def test_styled_reuse_survives_garbage_collection():
    """HoloViews frees an option tree once no element carries its id; the cache must not hand
    out such a dead id (the element would lose its style)."""
    import gc

    import holoviews as hv

    x = np.linspace(0, 1, 5)
    styled(hv.Curve((x, x), label="gc"), color="#CC79A7", line_width=3)
    gc.collect()
    again = styled(hv.Curve((x, x), label="gc"), color="#CC79A7", line_width=3)
    for backend in ("bokeh", "matplotlib"):
        assert hv.Store.lookup_options(backend, again, "style").kwargs["color"] == "#CC79A7", backend


def test_live_plot_keeps_categorical_axes():
    import holoviews as hv
    from bokeh.models import FactorRange
    from kexue_viz.live import LivePlot

    state = {"scale": 1.0}
    plot = LivePlot(lambda: styled(hv.Bars((["a", "b", "c"], state["scale"] * np.arange(3.0)), "route", "ms")))
    figure = plot.pane.object
    assert isinstance(figure.x_range, FactorRange)
    state["scale"] = 2.0
    plot.refresh()
    assert plot.pane.object is figure
    assert list(figure.renderers[0].data_source.data["ms"]) == [0.0, 2.0, 4.0]


def test_live_plot_keeps_style_mapped_columns():
    """A colour mapped to a dimension lives in a source column that HoloViews' data-only path
    leaves out: an update must not drop it (the points would lose their colours)."""
    import holoviews as hv
    from kexue_viz.live import LivePlot

    state = {"shift": 0.0}

    def build():
        x = np.arange(5.0)
        return styled(hv.Points((x, x + state["shift"], x % 2), ["x", "y"], "module"), color="module", cmap="Category10")

    plot = LivePlot(build)
    state["shift"] = 1.0
    plot.refresh()
    renderer = next(r for r in plot.pane.object.renderers if hasattr(r, "data_source"))
    data = renderer.data_source.data
    assert "color" in data and np.allclose(data["color"], np.arange(5.0) % 2)
    assert np.allclose(data["y"], np.arange(5.0) + 1.0)
