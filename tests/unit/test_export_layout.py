"""The exported figures' layout, checked on the rendered matplotlib figure: legends off the data,
titles within their axes, equal panels in a grid, tick labels apart, the width presets."""
from __future__ import annotations

import io

import holoviews as hv
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image

from kexue_viz import export, plot
from kexue_viz.attention.dashboard import AttentionScaleDashboard
from kexue_viz.mapequation.views import bar_view
from kexue_viz.ssm.dashboard import HippoDashboard


@pytest.fixture(scope="module")
def hippo():
    return HippoDashboard(lang="zh")


@pytest.fixture(scope="module")
def attention():
    return AttentionScaleDashboard(lang="en")


def rendered(view, width: str = "column"):
    """The figure an export of ``view`` saves, laid out and drawn."""
    with export.post_style(width):
        figure = export.render(plot.materialize(view), width)
        figure.canvas.draw()
    return figure


def panel_axes(figure) -> list:
    return [axis for axis in figure.axes if not hasattr(axis, "_colorbar")]


def data_points_under(legend, axis) -> int:
    """How many vertices of the axes' lines and markers lie inside the legend's box."""
    renderer = axis.figure.canvas.get_renderer()
    box = legend.get_window_extent(renderer)
    count = 0
    for line in axis.get_lines():
        count += box.count_contains(line.get_transform().transform(line.get_xydata()))
    for collection in axis.collections:
        offsets = collection.get_offsets()
        if len(offsets) and collection.get_offset_transform() is not None:
            count += box.count_contains(collection.get_offset_transform().transform(offsets))
    return count


@pytest.mark.parametrize("whole", [True, False], ids=["figure", "view"])
def test_the_hippo_memory_legend_covers_no_data(hippo, whole):
    figure = rendered(hippo.figure() if whole else hippo.memory_view())
    memory = panel_axes(figure)[0]
    assert memory.get_legend() is not None
    assert data_points_under(memory.get_legend(), memory) == 0


def test_holoviews_own_placement_covered_the_memory_data(hippo):
    """The control: HoloViews' figure of the same view (its 'inner' legend, the figure's own
    square box) puts the legend over the curves, as the issue reported."""
    with export.post_style():
        figure = hv.render(plot.materialize(hippo.memory_view()), backend="matplotlib")
        FigureCanvasAgg(figure).draw()
    axis = figure.axes[0]
    assert data_points_under(axis.get_legend(), axis) > 0


@pytest.mark.parametrize("width", list(export.WIDTHS))
def test_titles_fit_within_their_axes(hippo, attention, width):
    for dashboard in (hippo, attention):
        figure = rendered(dashboard.figure(), width)
        renderer = figure.canvas.get_renderer()
        for axis in panel_axes(figure):
            title = axis.title.get_window_extent(renderer)
            box = axis.get_window_extent(renderer)
            assert title.width <= box.width + 2, (dashboard.slug, axis.get_title())
            assert box.x0 - 2 <= title.x0 and title.x1 <= box.x1 + 2, (dashboard.slug, axis.get_title())


def test_a_long_title_is_wrapped_not_cut():
    title = "A long title for a narrow panel: every word of it must stay, wrapped over lines " * 2
    figure = rendered(hv.Curve([(0, 0), (1, 1)]).opts(title=title.strip(), backend="matplotlib"))
    text = panel_axes(figure)[0].get_title()
    assert "\n" in text and text.replace("\n", " ").split() == title.split()


@pytest.mark.parametrize("width", list(export.WIDTHS))
def test_grid_panels_are_equal(hippo, attention, width):
    """Panels that fill their cells (no fixed data aspect) have one width per grid column and one
    height per row (a row holding a square panel may be taller than the others)."""
    for dashboard in (hippo, attention):
        figure = rendered(dashboard.figure(), width)
        filling = [axis for axis in panel_axes(figure) if axis.get_aspect() == "auto"]
        assert len(filling) >= 3
        for attribute, span in (("width", "colspan"), ("height", "rowspan")):
            groups: dict[int, list[float]] = {}
            for axis in filling:
                groups.setdefault(getattr(axis.get_subplotspec(), span).start, []).append(
                    getattr(axis.get_position(), attribute))
            spread = max(max(sizes) - min(sizes) for sizes in groups.values())
            assert spread < 0.005, (dashboard.slug, attribute, groups)


def test_only_tick_labels_that_fit_are_shown():
    captions = [f"{k}: {format(k, 'b').zfill(7)}" for k in range(40)]
    view = bar_view(np.linspace(1, 0.1, 40), ["#0072B2"] * 40, captions, "codebook", "rate")
    figure = rendered(view)
    axis = panel_axes(figure)[0]
    renderer = figure.canvas.get_renderer()
    boxes = sorted((label.get_window_extent(renderer) for label in axis.get_xticklabels() if label.get_text()),
                   key=lambda box: box.x0)
    assert 3 <= len(boxes) < 40
    assert all(a.x1 <= b.x0 for a, b in zip(boxes, boxes[1:]))


@pytest.mark.parametrize("width", list(export.WIDTHS))
def test_png_width_is_the_preset(hippo, width):
    png = Image.open(io.BytesIO(export.figure_bytes(plot.materialize(hippo.figure()), "png", width=width)))
    preset = export.WIDTHS[width]
    assert 0.9 * preset.pixels <= png.width <= preset.pixels + 0.1 * preset.dpi
    if preset.aspect is not None:
        assert png.height <= preset.pixels * preset.aspect + 0.1 * preset.dpi


def test_several_formats_from_one_drawing_are_each_formats_own_export(hippo):
    """:func:`~kexue_viz.export.figure_files` draws the figure once and saves it in every format;
    each file is byte for byte what :func:`~kexue_viz.export.figure_bytes` writes alone (saving
    one format leaves the figure as it was for the next)."""
    view, metadata = plot.materialize(hippo.figure()), {"dashboard": "hippo", "N": 16}
    files = export.figure_files(view, export.FORMATS, metadata)
    assert list(files) == list(export.FORMATS)
    for fmt in export.FORMATS:
        assert files[fmt] == export.figure_bytes(view, fmt, metadata), fmt
