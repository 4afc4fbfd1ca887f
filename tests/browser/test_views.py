"""Views that must show something at their defaults or after a reasonable choice (issue 12, item 5),
checked on the served pages in headless Chromium by reading the Bokeh models the browser holds
(``Bokeh.documents[0].all_models``): the ranges the plots are drawn with, the data in them, the
sliders' ends and the legends' place. Run time ≈ 60–90 s on a shared 2-core machine (four pages)."""
from __future__ import annotations

import re
import time

import pytest
from page_text import wait_drawn

pytestmark = pytest.mark.browser

TIMEOUT_S = 90.0

FIGURES_JS = """
() => {
  const figures = [];
  for (const doc of Bokeh.documents) {
    for (const m of doc.all_models) {
      if (m.type !== "Figure") continue;
      const sources = m.renderers.filter(r => r.data_source).map(r => ({
        columns: Object.keys(r.data_source.data).sort(),
        size: r.glyph && r.glyph.size && r.glyph.size.value,
        x1: Array.from(r.data_source.data.x1 || []), x2: Array.from(r.data_source.data.x2 || [])}));
      const legends = [...m.right, ...m.left, ...m.center, ...m.below, ...m.above].filter(a => a.type === "Legend");
      figures.push({title: m.title ? m.title.text : "", x: [m.x_range.start, m.x_range.end],
                    y: [m.y_range.start, m.y_range.end], inner_width: m.inner_width, outer_width: m.outer_width,
                    sources, legend_sides: legends.map(l => m.right.includes(l) ? "right" : m.below.includes(l)
                                                        ? "below" : "other")});
    }
  }
  return figures;
}
"""

SLIDERS_JS = """
() => [...Bokeh.documents[0].all_models].filter(m => m.type === "Slider")
         .map(m => ({css: m.css_classes, start: m.start, end: m.end, value: m.value}))
"""


def open_page(page, url: str) -> None:
    page.goto(url, wait_until="load", timeout=TIMEOUT_S * 1000)
    wait_drawn(page, TIMEOUT_S)


def figures(page, found, timeout_s: float = TIMEOUT_S) -> list[dict]:
    """The page's figures (see ``FIGURES_JS``) once ``found(figures)`` holds (Bokeh lays out after
    the first paint; fails with what was there)."""
    deadline, last = time.monotonic() + timeout_s, []
    while time.monotonic() < deadline:
        last = page.evaluate(FIGURES_JS)
        if found(last):
            return last
        time.sleep(0.5)
    pytest.fail(f"the expected figures never appeared: {[f['title'] for f in last]}\n{page.recorder.problems()}")


def source(figure: dict, columns: list[str], size=None) -> dict:
    """The figure's one data source with exactly ``columns`` (and glyph ``size`` when given)."""
    matches = [s for s in figure["sources"] if s["columns"] == sorted(columns) and size in (None, s["size"])]
    assert len(matches) == 1, (figure["title"], [s["columns"] for s in figure["sources"]])
    return matches[0]


def drawn(xs: list, ys: list) -> list[tuple[float, float]]:
    """The points of a source that are drawn: a one-colour layer keeps one undrawn row at NaN (its colour column
    stays a column, see ``diffusion.views.coloured``); a NaN may come back as None."""
    return [(x, y) for x, y in zip(xs, ys) if x is not None and y is not None and x == x and y == y]


VISIBLE_SHARE = 0.15  # of the plotted span the data's span at least (measured 0.23 for PFGM + spiral; before 0.006)


def test_pfgm_spiral_shows_the_data_and_marks_far_particles(panel_server, page):
    """PFGM's prior puts particles at radius ~T: the main view and the density map keep the spiral a
    visible share of their axes, and each particle beyond the main view's window has an edge marker."""
    open_page(page, f"{panel_server.url}/diffusion_ode?lang=en&construction=pfgm&dataset=spiral")

    def ready(found):
        return any(["color", "x1", "x2"] in [s["columns"] for s in f["sources"]] for f in found) and any(
            "density" in f["title"] for f in found)

    found = figures(page, ready)
    main = next(f for f in found if ["color", "x1", "x2"] in [s["columns"] for s in f["sources"]])
    density = next(f for f in found if "density" in f["title"])
    for figure in (main, density):
        data = source(figure, ["x1", "x2"], size=5)
        for axis, values in zip(("x", "y"), (data["x1"], data["x2"])):
            low, high = figure[axis]
            assert low <= min(values) and max(values) <= high, (figure["title"], axis, figure[axis])
            share = (max(data["x1"] + data["x2"]) - min(data["x1"] + data["x2"])) / (high - low)
            assert share >= VISIBLE_SHARE / 2, (figure["title"], axis, figure[axis])  # the cloud's larger span
        spans = [max(data[k]) - min(data[k]) for k in ("x1", "x2")]
        assert max(spans) / (figure["x"][1] - figure["x"][0]) >= VISIBLE_SHARE, (figure["title"], figure["x"])
    particles = source(main, ["color", "x1", "x2"])
    (x0, x1), (y0, y1) = main["x"], main["y"]
    beyond = sum(not (x0 <= x <= x1 and y0 <= y <= y1) for x, y in drawn(particles["x1"], particles["x2"]))
    edge = [s for s in main["sources"] if "angle" in s["columns"]]
    assert beyond > 0 and len(edge) == 1 and len(drawn(edge[0]["x1"], edge[0]["x2"])) == beyond
    assert f"▲ {beyond} outside" in main["title"]
    assert not page.recorder.problems(), page.recorder.problems()


def stats_text(page, pattern: str) -> str:
    """The InfoMap stats line once it matches ``pattern``."""
    deadline, text = time.monotonic() + TIMEOUT_S, ""
    while time.monotonic() < deadline:
        text = " ".join(page.locator(".kv-stats p").all_inner_texts())  # Markdown renders in a shadow root
        if re.search(pattern, text):
            return text
        time.sleep(0.5)
    pytest.fail(f"stats never matched {pattern!r}; last: {text!r}\n{page.recorder.problems()}")


def test_lfr_preset_finds_modules_and_a_one_module_answer_is_explained(panel_server, page):
    open_page(page, f"{panel_server.url}/infomap_communities?lang=en&graph=lfr")
    text = stats_text(page, r"NMI vs truth = [\d.]+")
    assert float(re.search(r"NMI vs truth = ([\d.]+)", text).group(1)) >= 0.95, text
    assert int(re.search(r"(\d+) modules", text).group(1)) > 1, text
    open_page(page, f"{panel_server.url}/infomap_communities?lang=en&graph=lfr&lfr_mu=0.6")
    text = stats_text(page, r"Infomap returns one module")
    one, planted = re.search(r"L = H\(p\) = ([\d.]+) bits\)\. The planted partition codes ([\d.]+) bits", text).groups()
    assert float(planted) > float(one) and "prefers one module" in text, text
    assert not page.recorder.problems(), page.recorder.problems()


@pytest.mark.parametrize("query, top", [("", 10.0), ("&model=cosine&d=128", 10 * 128 ** 0.5)])
def test_alpha_slider_spans_the_objective_axis(panel_server, page, query, top):
    """The α slider runs over the α range view B draws (normal [0, 10], cosine [0, 10√d]), not the
    parameter's bound for every model (320)."""
    open_page(page, f"{panel_server.url}/attention_scale?lang=en{query}")
    objective = next(f for f in figures(page, lambda found: any(f["title"].startswith("B.") for f in found))
                     if f["title"].startswith("B."))
    slider, = [s for s in page.evaluate(SLIDERS_JS) if "kv-param-alpha" in s["css"]]
    assert objective["x"] == pytest.approx([0.0, top]), objective["x"]
    assert [slider["start"], slider["end"]] == pytest.approx(objective["x"]), slider
    assert slider["start"] <= slider["value"] <= slider["end"]
    assert not page.recorder.problems(), page.recorder.problems()


def test_legends_of_views_c_and_d_leave_the_frame_its_width(panel_server, page, artifacts_dir):
    """At 1400 px the half-width views C and D keep at least 75 % of their width for the frame (their
    legends at the right took more than half: frames of 177 and 233 px of 550)."""
    open_page(page, f"{panel_server.url}/attention_scale?lang=en")

    def ready(found):
        drawn = [f for f in found if f["title"][:2] in ("C.", "D.")]
        return len(drawn) == 2 and all(f["inner_width"] for f in drawn)

    time.sleep(2.0)  # the grid settles its widths after the first layout
    for figure in (f for f in figures(page, ready) if f["title"][:2] in ("C.", "D.")):
        assert figure["legend_sides"] == ["below"], figure
        assert figure["inner_width"] >= 0.75 * figure["outer_width"], figure
    page.mouse.wheel(0, 900)
    time.sleep(1.0)
    page.screenshot(path=str(artifacts_dir / "attention_views_c_d.png"))
    assert not page.recorder.problems(), page.recorder.problems()
