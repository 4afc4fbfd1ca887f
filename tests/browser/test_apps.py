"""Drive every served dashboard in headless Chromium.

For each ``apps/<stem>.py`` (helpers named ``_*.py`` excluded; ``app`` is parametrized by
``conftest.pytest_generate_tests``) the test checks that the page

* renders its Bokeh plots (a visible ``canvas``; the ``.kv-main-plot`` element visible, with a
  canvas inside),
* reacts to the ``.kv-probe`` slider: the main plot's pixels change and the page URL gains a
  query parameter (the frame syncs parameters to the URL),
* exports a PNG or SVG through the ``.kv-export`` FileDownload,
* requests nothing from any host but the local server and logs no JS error, start to end.

Artifacts: ``artifacts/screenshots/<stem>.png`` (full page after the first render),
``artifacts/exports/<stem>-<filename>`` (the downloaded export).
"""
from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest

pytestmark = pytest.mark.browser

RENDER_TIMEOUT_S = 60.0   # first render of a Panel/Bokeh page on a 2-core machine
REACT_TIMEOUT_S = 15.0    # server round trip + re-render after a slider move
EXPORT_TIMEOUT_S = 60.0   # server-side figure export (matplotlib) + transfer
SETTLE_S = 0.5            # two identical shots this far apart = rendering has finished
PRESSES = 2               # arrow-key presses on the probe slider's handle


def _fail(page, what: str) -> None:
    """``pytest.fail`` (no Python traceback) with the page recorder's findings appended."""
    extra = page.recorder.problems()
    pytest.fail(what + (f"\n{extra}" if extra else ""), pytrace=False)


def _attempt(fn, *args, **kwargs):
    """Run ``fn``; return ``(result, None)`` or ``(None, exception)``."""
    try:
        return fn(*args, **kwargs), None
    except Exception as exc:  # playwright TimeoutError / Error
        return None, exc


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _open(page, url: str) -> None:
    _, err = _attempt(page.goto, url, wait_until="load", timeout=RENDER_TIMEOUT_S * 1000)
    if err:
        _fail(page, f"could not load {url}: {_first_line(err)}")


def _wait_rendered(page, stem: str) -> None:
    """Wait until a Bokeh canvas, ``.kv-main-plot`` and a canvas inside it are visible and the
    other plots are drawn (``.kv-ready``)."""
    deadline = time.monotonic() + RENDER_TIMEOUT_S
    for what, selector in (
        ("a visible <canvas> (Bokeh plot)", "canvas"),
        ("the element with CSS class kv-main-plot", ".kv-main-plot"),
        ("a visible <canvas> inside .kv-main-plot", ".kv-main-plot canvas"),
        ("the mark that every plot is drawn (.kv-ready)", ".kv-ready"),
    ):
        left_ms = max(1_000, 1000 * (deadline - time.monotonic()))
        state = "attached" if selector == ".kv-ready" else "visible"
        _, err = _attempt(page.locator(selector).first.wait_for, state=state, timeout=left_ms)
        if err:
            _fail(page, f"{stem}: {what} did not become visible within {RENDER_TIMEOUT_S:.0f} s "
                        f"of page load")


TRANSIENT = ("not attached to the DOM", "not visible or not an HTMLElement")


def _main_plot_png(page, attempts: int = 20) -> bytes:
    """Screenshot ``.kv-main-plot``. A full re-render replaces the pane's element in the page; one
    that happens while Playwright shoots the element leaves it detached or not yet laid out (both
    seen in CI): the locator finds the new element on a later attempt (250 ms apart)."""
    for attempt in range(attempts):
        try:
            return page.locator(".kv-main-plot").first.screenshot(animations="disabled", timeout=30_000)
        except Exception as exc:  # playwright Error
            if not any(reason in str(exc) for reason in TRANSIENT) or attempt == attempts - 1:
                raise
            page.wait_for_timeout(250)


def _stable_main_plot_png(page, max_s: float = 10.0) -> bytes:
    """Screenshot the main plot once two shots ``SETTLE_S`` apart agree."""
    deadline = time.monotonic() + max_s
    prev = _main_plot_png(page)
    while time.monotonic() < deadline:
        time.sleep(SETTLE_S)
        cur = _main_plot_png(page)
        if cur == prev:
            break
        prev = cur
    return prev


def _press_probe(page, stem: str) -> None:
    """Focus the probe slider's handle and press ArrowRight (ArrowLeft when at the maximum).

    Every press is a server round trip and a re-render, during which the page's main thread is
    busy (about 2 s a press on 2 cores for a heavy dashboard), so press only ``PRESSES`` times."""
    handle = page.locator(".kv-probe .noUi-handle").first
    _, err = _attempt(handle.wait_for, state="visible", timeout=30_000)
    if err:
        _fail(page, f"{stem}: no visible slider handle '.kv-probe .noUi-handle' "
                    "(mark the slider to move with css_classes=['kv-probe'])")
    handle.scroll_into_view_if_needed()
    handle.focus()
    now, top = handle.get_attribute("aria-valuenow"), handle.get_attribute("aria-valuemax")
    key = "ArrowLeft" if now is not None and now == top else "ArrowRight"
    for _ in range(PRESSES):
        handle.press(key)


def _drag_probe(page, fraction: float = 0.25) -> None:
    """Fallback: drag the handle right by ``fraction`` of the slider track with the mouse."""
    handle = page.locator(".kv-probe .noUi-handle").first
    track = page.locator(".kv-probe .noUi-base").first
    hb, tb = handle.bounding_box(), track.bounding_box()
    if not hb or not tb:
        return
    x, y = hb["x"] + hb["width"] / 2, hb["y"] + hb["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(min(tb["x"] + tb["width"] - 2, x + fraction * tb["width"]), y, steps=8)
    page.mouse.up()


def _wait_changed(page, before: bytes, timeout_s: float) -> bytes | None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        time.sleep(0.3)
        after = _main_plot_png(page)
        if after != before:
            return after
    return None


def _wait_query(page, timeout_s: float) -> dict:
    deadline = time.monotonic() + timeout_s
    while True:
        params = parse_qs(urlsplit(page.url).query, keep_blank_values=True)
        if params or time.monotonic() > deadline:
            return params
        time.sleep(0.25)


def test_app(panel_server, page, app, artifacts_dir):
    stem = app.stem
    timings: dict[str, float] = {}
    shots = artifacts_dir / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)

    # 1. load and render
    t0 = time.monotonic()
    _open(page, f"{panel_server.url}/{stem}")
    _wait_rendered(page, stem)
    timings["render"] = time.monotonic() - t0
    page.screenshot(path=str(shots / f"{stem}.png"), full_page=True)

    # 2. move the probe slider: the main plot must change, the URL must gain a query
    t1 = time.monotonic()
    before = _stable_main_plot_png(page)
    timings["settle"] = time.monotonic() - t1
    t1 = time.monotonic()
    _press_probe(page, stem)
    how = "keyboard"
    after = _wait_changed(page, before, REACT_TIMEOUT_S)
    if after is None:  # the keyboard did not take: try the mouse once before failing
        how = "mouse"
        _drag_probe(page)
        after = _wait_changed(page, before, REACT_TIMEOUT_S)
    if after is None:
        (shots / f"{stem}-after-slider.png").write_bytes(_main_plot_png(page))
        _fail(page, f"{stem}: .kv-main-plot did not change within {REACT_TIMEOUT_S:.0f} s after "
                    "moving the .kv-probe slider (ArrowRight presses, then a mouse drag)")
    timings[f"react ({how})"] = time.monotonic() - t1
    if not _wait_query(page, REACT_TIMEOUT_S):
        _fail(page, f"{stem}: page URL has no query parameter after moving the slider "
                    f"(url={page.url!r}); the frame should sync parameters to the URL")

    # 3. export through the FileDownload
    t2 = time.monotonic()
    export = page.locator(".kv-export").first
    _, err = _attempt(export.wait_for, state="visible", timeout=30_000)
    if err:
        _fail(page, f"{stem}: no visible export button with CSS class kv-export")
    inner = page.locator(".kv-export button, .kv-export a").first
    target = inner if inner.count() else export
    download, err = None, None
    try:
        with page.expect_download(timeout=EXPORT_TIMEOUT_S * 1000) as dl_info:
            target.click()
        download = dl_info.value
        path = download.path()
    except Exception as exc:
        err = exc
    if err or download is None:
        _fail(page, f"{stem}: clicking .kv-export produced no download within "
                    f"{EXPORT_TIMEOUT_S:.0f} s ({_first_line(err) if err else 'no download'})")
    data = path.read_bytes()
    head = data[:512].lstrip()
    if not (data.startswith(b"\x89PNG\r\n\x1a\n") or head.startswith((b"<?xml", b"<svg"))):
        _fail(page, f"{stem}: export {download.suggested_filename!r} ({len(data)} bytes) is "
                    f"neither PNG nor SVG; it starts with {data[:32]!r}")
    (artifacts_dir / "exports").mkdir(parents=True, exist_ok=True)
    download.save_as(str(artifacts_dir / "exports" / f"{stem}-{download.suggested_filename}"))
    timings["export"] = time.monotonic() - t2

    # 4. nothing off-host, no JS error, over the whole visit
    time.sleep(0.5)
    problems = page.recorder.problems()
    if problems:
        pytest.fail(f"{stem}: {problems}", pytrace=False)
    print(f"{stem}: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))


def test_index(panel_server, page):
    _open(page, panel_server.url + "/")
    _attempt(page.wait_for_load_state, "networkidle", timeout=30_000)
    html = page.content()
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    linked = {h.split("?")[0].split("#")[0].rstrip("/").rsplit("/", 1)[-1] for h in hrefs}
    missing = [s for s in panel_server.apps if s not in linked and f"/{s}" not in html]
    if len(panel_server.apps) == 1 and urlsplit(page.url).path.strip("/") == panel_server.apps[0]:
        missing = []  # with a single app and no index, Bokeh redirects "/" to that app
    if missing:
        _fail(page, f"index page {page.url} does not link to: {missing}")
    time.sleep(0.5)
    problems = page.recorder.problems()
    if problems:
        pytest.fail(f"index page: {problems}", pytrace=False)
