"""The interactive HTML export opened from disk with the network blocked: the page draws, moving its
slider changes the plot (Bokeh's data and title, and the canvas's pixels), and no request leaves
the file. A screenshot of each state goes to ``ARTIFACTS/embed``."""
from __future__ import annotations

import json

import pytest

from kexue_viz import embed
from kexue_viz.ssm.dashboard import HippoDashboard

# what the plot shows: every title's text and, per data source, the sum of its finite numbers
PLOT_STATE_JS = """() => {
  const models = [...Bokeh.documents[0].all_models];
  const sum = column => Array.from(column).reduce((s, v) => typeof v === 'number' && isFinite(v) ? s + v : s, 0);
  return {
    titles: models.filter(m => m.type === 'Title').map(m => m.text).sort(),
    data: models.filter(m => m.type === 'ColumnDataSource')
                .map(m => Object.values(m.data).reduce((s, c) => s + (c && c.length !== undefined ? sum(c) : 0), 0)),
  };
}"""
DRAWN_JS = "() => window.Bokeh !== undefined && Bokeh.documents.length > 0"


@pytest.fixture(scope="module")
def html_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("embed") / "hippo-memory.html"
    path.write_bytes(embed.interactive_html(HippoDashboard(lang="en"), "memory", vary=("N",),
                                            values={"N": [4, 8, 16, 32]}))
    return path


def test_the_file_works_from_disk_with_the_network_blocked(chromium, html_file, artifacts_dir):
    context = chromium.new_context(viewport={"width": 1100, "height": 800})
    page = context.new_page()
    requested, errors = [], []

    def only_the_file(route):
        url = route.request.url
        if url.startswith(("file:", "data:", "blob:")):
            route.continue_()
        else:
            requested.append(url)
            route.abort()

    context.route("**/*", only_the_file)
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    shots = artifacts_dir / "embed"
    shots.mkdir(parents=True, exist_ok=True)
    try:
        page.goto(html_file.as_uri())
        page.wait_for_function(DRAWN_JS, timeout=60_000)
        page.wait_for_timeout(1000)
        before, before_png = page.evaluate(PLOT_STATE_JS), page.screenshot(path=shots / "hippo-memory-N16.png")
        assert any("relative error" in title for title in before["titles"]), before["titles"]
        handle = page.locator(".kv-param-N .noUi-handle").first  # Playwright's CSS crosses the shadow roots
        handle.focus()
        handle.press("ArrowRight")  # N 16 -> 32
        page.wait_for_function(f"before => JSON.stringify(({PLOT_STATE_JS})()) !== before",
                               arg=json.dumps(before), timeout=15_000)
        page.wait_for_timeout(500)  # the canvas repaints after the models change
        after, after_png = page.evaluate(PLOT_STATE_JS), page.screenshot(path=shots / "hippo-memory-N32.png")
    finally:
        context.close()
    assert not requested, f"the file asked for {requested}"
    assert not errors, f"errors in the page: {errors}"
    assert after["titles"] != before["titles"], "the plot's title did not follow the slider"
    assert after["data"] != before["data"], "the plot's data did not follow the slider"
    assert after_png != before_png, "the page looks the same after the slider moved"
