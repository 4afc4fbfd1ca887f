"""The interactive HTML export opened from disk with the network blocked: the page draws, moving its
slider changes the plot (Bokeh's data and title, and the page's pixels), and no request leaves the
file; once written by the API, once prepared by a served dashboard (in a child process, while a
second reader's slider still answers at once) and downloaded. Screenshots of the states and of the
sidebar while the file is prepared and once it is ready go to ``ARTIFACTS/embed``."""
from __future__ import annotations

import json
import re
import time

import pytest

from kexue_viz import embed
from kexue_viz.ssm.dashboard import HippoDashboard

from page_text import open_dashboard, wait_for

pytestmark = pytest.mark.browser

DOWNLOAD_TIMEOUT_S = 180.0  # 21 states built on a busy 2-core machine
OTHER_READER_S = 2.0  # another reader's slider must answer this fast while a file is being prepared
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


def check_offline(chromium, path, shots, name: str) -> None:
    """Open ``path`` from disk with every request but the file's own aborted; the plot must draw
    with a title, follow one ArrowRight on the N slider, and nothing may be requested or fail."""
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
    shots.mkdir(parents=True, exist_ok=True)
    try:
        page.goto(path.as_uri())
        page.wait_for_function(DRAWN_JS, timeout=60_000)
        page.wait_for_timeout(1000)
        before, before_png = page.evaluate(PLOT_STATE_JS), page.screenshot(path=shots / f"{name}-before.png")
        assert any("T=" in title for title in before["titles"]), before["titles"]
        handle = page.locator(".kv-param-N .noUi-handle").first  # Playwright's CSS crosses the shadow roots
        handle.focus()
        handle.press("ArrowRight")
        page.wait_for_function(f"before => JSON.stringify(({PLOT_STATE_JS})()) !== before",
                               arg=json.dumps(before), timeout=15_000)
        page.wait_for_timeout(500)  # the canvas repaints after the models change
        after, after_png = page.evaluate(PLOT_STATE_JS), page.screenshot(path=shots / f"{name}-after.png")
    finally:
        context.close()
    assert not requested, f"the file asked for {requested}"
    assert not errors, f"errors in the page: {errors}"
    assert after["titles"] != before["titles"], "the plot's title did not follow the slider"
    assert after["data"] != before["data"], "the plot's data did not follow the slider"
    assert after_png != before_png, "the page looks the same after the slider moved"


def test_the_file_works_from_disk_with_the_network_blocked(chromium, tmp_path, artifacts_dir):
    path = tmp_path / "hippo-memory.html"
    path.write_bytes(embed.interactive_html(HippoDashboard(lang="en"), "memory", vary=("N",),
                                            values={"N": [4, 8, 16, 32]}))
    check_offline(chromium, path, artifacts_dir / "embed", "api-hippo-memory")


def test_the_dashboards_file_is_prepared_off_the_server_and_works_from_disk(panel_server, page, reader, chromium,
                                                                          tmp_path, artifacts_dir):
    """Prepare the file (a child process), and while it is being prepared a second reader's slider
    on the same server answers within :data:`OTHER_READER_S`; download it and open it from disk."""
    shots = artifacts_dir / "embed"
    shots.mkdir(parents=True, exist_ok=True)
    with reader() as other:
        open_dashboard(other, f"{panel_server.url}/hippo?lang=en")
        open_dashboard(page, f"{panel_server.url}/hippo?lang=en")
        page.locator(".kv-prepare-html button").first.click()
        page.locator(".kv-prepare-html-cancel").first.wait_for(state="visible", timeout=30_000)
        before = other.evaluate(PLOT_STATE_JS)
        handle = other.locator(".kv-param-N .noUi-handle").first
        handle.focus()
        pressed = time.monotonic()
        handle.press("ArrowRight")
        other.wait_for_function(f"before => JSON.stringify(({PLOT_STATE_JS})()) !== before",
                                arg=json.dumps(before), timeout=30_000)
        answered_s = time.monotonic() - pressed
        still_preparing = page.locator(".kv-prepare-html-cancel").first.is_visible()
        other.settle()
    progress = page.locator(".kv-prepare-html-progress progress").first
    wait_for(lambda: float(progress.get_attribute("value") or 0) > 0, "the progress bar moving", page, timeout_s=120)
    page.locator(".kv-sidebar").first.screenshot(path=shots / "served-sidebar-preparing.png")
    print(f"the other reader's slider answered in {answered_s:.2f} s while the file was being prepared")
    assert still_preparing, "the file was ready before the other reader's answer: the test proved nothing"
    assert answered_s <= OTHER_READER_S, f"the other reader's slider took {answered_s:.2f} s while a file was prepared"
    button = page.locator(".kv-export-html button, .kv-export-html a").first
    button.wait_for(state="visible", timeout=DOWNLOAD_TIMEOUT_S * 1000)
    page.locator(".kv-sidebar").first.screenshot(path=shots / "served-sidebar-ready.png")
    assert re.search(r"Download interactive HTML \(\d+\.\d MB\)", button.inner_text()), button.inner_text()
    with page.expect_download(timeout=60_000) as download:
        button.click()
    assert download.value.suggested_filename == "kexue_viz-hippo-memory.html"
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(str(path))
    page.settle()
    assert not page.recorder.problems(), page.recorder.problems()
    check_offline(chromium, path, shots, "served-hippo-memory")
