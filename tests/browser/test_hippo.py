"""The HiPPO page in headless Chromium: the cursor player, the eigenvalue views and the timing chart.

The player must start where it shows the cursor, play smoothly (frames counted where the browser
draws them) and leave the other controls free while it plays. The eigenvalue views must frame
their points at equal scales (a circle is round), and the route-timing chart must say what to do
until the routes are timed (a background task behind the button) and name the current N. About
60–90 s on 2 cores (two page loads).
"""
from __future__ import annotations

import re
import time

import pytest

pytestmark = pytest.mark.browser

TIMEOUT_S = 60.0
MIN_FPS = 3.0          # the player aims at 10+ frames/s (7.5 median under load 8); the old code drew 0–0.5: 3 separates them without flaking on a loaded 2-core machine (4.0 seen twice in 9 runs at load 8)
PLAY_WARMUP_S = 1.0    # frames are counted after this much play
PLAY_WINDOW_S = 4.0    # ... for this long (100 frames at 80 ms last 8 s: the player is still going)
CONTROL_TIMEOUT_S = 3.0  # another control must be answered this fast while the player plays

# ---- JS run in the page -------------------------------------------------------------------------
MODELS = "[...Bokeh.documents[0].all_models]"
FIGURE = MODELS + ".find(m => m.constructor.__name__ == 'Figure' && m.title && m.title.text.startsWith(prefix))"

PLAYER_STATE = f"""() => {{
  const player = {MODELS}.find(m => m.constructor.__name__ == 'Player');
  const hosts = [];
  const walk = root => {{ for (const el of root.querySelectorAll('*')) {{
    if (el.classList.contains('kv-player')) hosts.push(el);
    if (el.shadowRoot) walk(el.shadowRoot); }} }};
  walk(document);
  const range = hosts[0].shadowRoot.querySelector('input[type=range]');
  return {{value: player.value, start: player.start, end: player.end,
           shown: Number(range.value), shown_max: Number(range.max), direction: player.direction}};
}}"""

# each animation frame (what the browser draws), the main plot's cursor position when it moved
COUNT_FRAMES = f"""() => {{
  const prefix = 'Input u(t)';
  const figure = {FIGURE};
  const cursor = [...figure.center, ...figure.renderers].find(m => m.constructor.__name__ == 'Span');
  const log = window.kvFrames = {{times: [], positions: [], last: cursor.location}};
  const tick = now => {{
    if (cursor.location !== log.last) {{ log.last = cursor.location; log.times.push(now); log.positions.push(cursor.location); }}
    requestAnimationFrame(tick);
  }};
  requestAnimationFrame(tick);
  return cursor.location;
}}"""

FIGURE_STATE = f"""prefix => {{
  const figure = {FIGURE};
  const columns = figure.renderers.filter(r => r.data_source).map(r => {{
    const data = r.data_source.data, glyph = r.glyph;
    const field = name => glyph[name] && glyph[name].field !== undefined ? Array.from(data[glyph[name].field]) : null;
    return {{glyph: glyph.constructor.__name__, x: field('x'), y: field('y'), right: field('right'),
             text: data.text ? Array.from(data.text) : null}};
  }});
  return {{title: figure.title.text, inner: [figure.inner_width, figure.inner_height],
           x: [figure.x_range.start, figure.x_range.end], y: [figure.y_range.start, figure.y_range.end], columns}};
}}"""

VISIBLE_CURVES = f"""() => {{
  const prefix = 'Coefficient trajectories';
  const figure = {FIGURE};
  return figure.renderers.filter(r => r.glyph && r.glyph.constructor.__name__ == 'Line' && r.data_source.data[r.glyph.x.field].length > 0).length;
}}"""


# the time since the page's main thread last ran a long task (> 50 ms), in ms
WATCH_LONG_TASKS = """() => {
  window.kvLastLongTask = performance.now();
  new PerformanceObserver(list => { for (const task of list.getEntries())
    window.kvLastLongTask = Math.max(window.kvLastLongTask, task.startTime + task.duration); }).observe({type: 'longtask'});
}"""
QUIET_MS = "() => performance.now() - window.kvLastLongTask"


def open_hippo(page, panel_server, query: str = "lang=en") -> None:
    """Load the page and wait until it is built and has drawn (its main thread quiet for 1 s)."""
    page.add_init_script(f"({WATCH_LONG_TASKS})()")
    page.goto(f"{panel_server.url}/hippo?{query}", wait_until="load", timeout=TIMEOUT_S * 1000)
    page.locator(".kv-main-plot canvas").first.wait_for(state="visible", timeout=TIMEOUT_S * 1000)
    wait_for(page, lambda: page.evaluate(f"() => {{ const prefix = 'Time per'; return Boolean({FIGURE}); }}"),
             "the page's last plot (route timing) to be built")
    wait_for(page, lambda: page.evaluate(QUIET_MS) > 1000, "the page to finish drawing (no long task for 1 s)")


def wait_for(page, condition, what: str, timeout_s: float = TIMEOUT_S):
    """``condition()``'s first truthy value (polled), else fail saying ``what`` did not happen."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    pytest.fail(f"timed out after {timeout_s:.0f} s waiting for {what}\n{page.recorder.problems()}", pytrace=False)


def figure_state(page, prefix: str) -> dict:
    return page.evaluate(FIGURE_STATE, prefix)


def press_slider(page, name: str, key: str = "ArrowRight") -> None:
    handle = page.locator(f".kv-param-{name} .noUi-handle").first
    handle.focus()
    handle.press(key)


def scale_ratio(state: dict) -> float:
    """Data units per pixel along x over the same along y (1 at equal scales)."""
    (x0, x1), (y0, y1), (width, height) = state["x"], state["y"], state["inner"]
    return ((x1 - x0) / width) / ((y1 - y0) / height)


def test_player_starts_where_it_shows_plays_smoothly_and_leaves_the_controls_free(panel_server, page):
    open_hippo(page, panel_server)
    start = page.evaluate(PLAYER_STATE)
    # the cursor starts at the end (T = duration): the player must show that frame, and ▶ there plays from the start
    assert start["value"] == start["end"] and start["shown"] == start["value"] and start["shown_max"] == start["end"], start
    assert "T=4.00" in figure_state(page, "Input u(t)")["title"]
    page.evaluate(COUNT_FRAMES)

    page.locator(".kv-player button.play").first.click()
    played = time.monotonic()
    time.sleep(PLAY_WARMUP_S)
    counted_from = page.evaluate("() => performance.now()")
    time.sleep(1.0)
    press_slider(page, "n_shown")  # 4 -> 5 coefficient curves, while the player plays
    pressed = time.monotonic()
    wait_for(page, lambda: page.evaluate(VISIBLE_CURVES) == 5, "the coefficient plot to show 5 curves while playing",
             timeout_s=CONTROL_TIMEOUT_S)
    answered_s = time.monotonic() - pressed
    time.sleep(max(0.0, played + PLAY_WARMUP_S + PLAY_WINDOW_S - time.monotonic()))
    log = page.evaluate("() => window.kvFrames")
    page.locator(".kv-player button.pause").first.click()

    window = [(t, x) for t, x in zip(log["times"], log["positions"]) if counted_from <= t <= counted_from + 1e3 * PLAY_WINDOW_S]
    fps = len(window) / PLAY_WINDOW_S
    print(f"player: {fps:.1f} frames/s drawn in the browser over {PLAY_WINDOW_S:.0f} s; "
          f"another control answered in {answered_s:.2f} s while playing")
    assert log["positions"] and log["positions"][0] < 1.0, f"▶ at the end did not start again from the start: {log['positions'][:5]}"
    assert all(a < b for a, b in zip(log["positions"], log["positions"][1:])), "the cursor did not advance steadily"
    assert fps >= MIN_FPS, f"the player drew {fps:.1f} frames/s (< {MIN_FPS}); cursor positions {log['positions']}"
    wait_for(page, lambda: page.evaluate(PLAYER_STATE)["direction"] == 0, "the player to pause")
    assert not page.recorder.problems(), page.recorder.problems()


def test_eigenvalue_views_frame_their_points_at_equal_scales_and_the_timing_chart_follows_n(panel_server, page):
    open_hippo(page, panel_server)
    for moved in (False, True):
        if moved:  # N 16 -> 18: the views update in place and must keep both properties
            press_slider(page, "N")
            press_slider(page, "N")
            wait_for(page, lambda: len(figure_state(page, "δ·λ(A)")["columns"][-1]["x"]) == 18,
                     "the δ·λ(A) view to show 18 eigenvalues after N moved to 18")
        scaled = figure_state(page, "δ·λ(A)")
        points = next(c for c in scaled["columns"] if c["glyph"] == "Scatter")
        (x0, x1), (y0, y1) = scaled["x"], scaled["y"]
        assert all(x0 < x < x1 for x in points["x"]) and all(y0 < y < y1 for y in points["y"]), scaled
        spread = max(points["x"]) - min(points["x"])
        assert spread > 0.4 * (x1 - x0), f"δ·λ(A): eigenvalues spread over {spread:.3g} of an axis {x1 - x0:.3g} wide"
        for prefix in ("δ·λ(A)", "λ(Ā)"):
            state = figure_state(page, prefix)
            assert scale_ratio(state) == pytest.approx(1.0, abs=0.02), (prefix, state["x"], state["y"], state["inner"])

    timing = figure_state(page, "Time per kernel route")
    bars, message = timing["columns"]
    assert "N=18," in timing["title"] and not any(bars["right"]), timing
    assert message["text"] and message["text"][0].startswith("Not timed"), timing  # says what to press
    page.locator(".kv-time-routes button").first.click()
    timed = wait_for(page, lambda: (lambda s: s if all(s["columns"][0]["right"]) else None)(
        figure_state(page, "Time per kernel route")), "the route timings to appear after the button")
    assert "N=18," in timed["title"] and not timed["columns"][1]["text"], timed
    # the timing runs off the event loop (a background task): once done, its progress bar and cancel hide again
    wait_for(page, lambda: not page.locator(".kv-time-routes-progress").first.is_visible()
             and not page.locator(".kv-time-routes-cancel").first.is_visible(), "the timing's progress bar to hide")
    press_slider(page, "N")
    wait_for(page, lambda: re.search(r"N=19,", figure_state(page, "Time per kernel route")["title"]),
             "the timing chart's title to follow N to 19")
    assert not page.recorder.problems(), page.recorder.problems()
