"""Rendered figures shared by readers (:mod:`kexue_viz.figures`): a copy serialises exactly as the
figure it copies, equal views share one render, and a reader's copy changes alone."""
from __future__ import annotations

import json
import re

import holoviews as hv
import numpy as np
import pytest
from bokeh.document import Document

from kexue_viz import figures, plot
from kexue_viz.live import LivePlot, bokeh_renderer
from kexue_viz.style import load_backends, styled


@pytest.fixture(autouse=True)
def fresh_memo():
    load_backends()
    figures.FIGURES.clear()
    yield
    figures.FIGURES.clear()


def sample_view(scale: float = 1.0, title: str = "waves"):
    x = np.linspace(0, 6, 50)
    return styled(plot.Curve((x, scale * np.sin(x)), "x", "y", label="sin") * plot.Scatter((x, np.cos(x)), "x", "y")
                  * plot.VLine(2.0), title=title, responsive=True, height=300, tools=["hover"])


def document_json(model) -> str:
    """The model tree as a document serialises it, ids numbered in order of appearance."""
    document = Document()
    document.add_root(model)
    text = json.dumps(document.to_json(deferred=False)["roots"], sort_keys=True, default=str)
    document.remove_root(model)
    numbering: dict[str, str] = {}
    return re.sub(r'"(p\d+)"', lambda m: '"#%s"' % numbering.setdefault(m.group(1), str(len(numbering))), text)


def test_a_copy_serialises_as_the_original_with_new_ids():
    with plot.deferred():
        view = sample_view()
    original = bokeh_renderer().get_plot(plot.materialize(view), doc=Document()).state
    copy, copies = figures.copy_models(original)
    assert {m.id for m in copy.references()}.isdisjoint({m.id for m in original.references()})
    assert len(copies) == len(list(original.references()))
    assert document_json(copy) == document_json(original)


def test_fingerprint_tells_views_apart_by_data_and_text():
    with plot.deferred():
        same = figures.fingerprint(sample_view()), figures.fingerprint(sample_view())
        other_data = figures.fingerprint(sample_view(scale=2.0))
        other_title = figures.fingerprint(sample_view(title="other"))
    assert same[0] == same[1] is not None
    assert len({same[0], other_data, other_title}) == 3
    assert figures.fingerprint(hv.Curve([1, 2])) == figures.fingerprint(hv.Curve([1, 2])) is not None
    assert figures.fingerprint(hv.Curve([1, 2])) != figures.fingerprint(hv.Curve([1, 3]))
    hooked = hv.Curve([1, 2]).opts(hooks=[lambda plot, element: None])
    assert figures.fingerprint(hooked) is None  # a function in an option: rendered every time


def test_second_live_plot_of_an_equal_view_is_a_copy_that_updates_alone():
    scale = {"value": 1.0}
    first = LivePlot(lambda: sample_view(scale["value"]))
    renders_before = figures.FIGURES.hits
    second = LivePlot(lambda: sample_view(scale["value"]))
    assert figures.FIGURES.hits == renders_before + 1
    assert second._plot is None and second._figure is not first._figure
    first_y = first._figure.renderers[0].data_source.data["y"].copy()
    scale["value"] = 3.0
    second.refresh()  # in place, on the copy's own source
    assert second._plot is None
    assert np.allclose(second._figure.renderers[0].data_source.data["y"], 3.0 * first_y)
    assert np.allclose(first._figure.renderers[0].data_source.data["y"], first_y)
    third = LivePlot(lambda: sample_view(1.0))  # the kept figure is as first drawn
    assert np.allclose(third._figure.renderers[0].data_source.data["y"], first_y)


def test_memo_is_bounded():
    memo = figures.FigureMemo(max_figures=2)
    with plot.deferred():
        views = [sample_view(scale) for scale in (1.0, 2.0, 3.0)]
    for view in views:
        figure = bokeh_renderer().get_plot(plot.materialize(view), doc=Document()).state
        memo.put(figures.fingerprint(view), figure, figures.Rendered((), (), (), True))
    assert len(memo._entries) == 2 and memo.get(figures.fingerprint(views[0])) is None


def test_a_copy_converts_the_layers_the_fast_path_cannot_as_holoviews_does():
    """A histogram has no fast data: a copy's update goes through the kept view's converter and
    sends what a HoloViews render of the new view draws."""
    counts = {"value": np.array([1.0, 3.0, 2.0])}

    def view():
        return styled(plot.Histogram((np.array([0.0, 1.0, 2.0, 3.0]), counts["value"])), title="h",
                      responsive=True, height=200)

    LivePlot(view)
    copy = LivePlot(view)
    assert copy._plot is None and copy._fast == [False]
    renders = LivePlot.renders
    counts["value"] = np.array([4.0, 0.0, 5.0])
    copy.refresh()
    assert LivePlot.renders == renders  # in place
    fresh = LivePlot(lambda: styled(plot.Histogram((np.array([0.0, 1.0, 2.0, 3.0]), counts["value"])), title="h",
                                    responsive=True, height=200))
    drawn = copy._figure.renderers[0].data_source.data
    expected = fresh._figure.renderers[0].data_source.data
    assert drawn.keys() == expected.keys()
    assert all(np.array_equal(np.asarray(drawn[k]), np.asarray(expected[k])) for k in drawn)
