"""The diffusion-ODE page in headless Chromium: tapping the custom-data canvas adds a data point on
the server (PointDraw -> ``set_custom``), and tapping the main view selects a particle."""
from __future__ import annotations

import re
import time

import pytest

pytestmark = pytest.mark.browser

TIMEOUT_S = 60.0


def wait_for_text(page, selector: str, pattern: str, timeout_s: float = TIMEOUT_S) -> str:
    """The text of the Markdown pane ``selector`` once it matches ``pattern`` (fails with the last text)."""
    deadline, text = time.monotonic() + timeout_s, ""
    while time.monotonic() < deadline:
        text = page.locator(f"{selector} p").first.inner_text()  # Markdown renders inside a shadow root
        if re.search(pattern, text):
            return text
        time.sleep(0.25)
    pytest.fail(f"{selector} never matched {pattern!r}; last text {text!r}\n{page.recorder.problems()}",
                pytrace=False)


def frame_box(page, selector: str) -> dict:
    """The bounding box of the plot canvas inside ``selector``, once it is drawn."""
    canvas = page.locator(f"{selector} canvas").first
    canvas.wait_for(state="visible", timeout=TIMEOUT_S * 1000)
    time.sleep(1.0)  # Bokeh lays out after the first paint
    return canvas.bounding_box()


def test_tapping_the_canvas_adds_a_data_point(panel_server, page):
    page.goto(f"{panel_server.url}/diffusion_ode?lang=en", wait_until="load", timeout=TIMEOUT_S * 1000)
    wait_for_text(page, ".kv-custom-count", r"Custom data: 4 points")
    box = frame_box(page, ".kv-editor")
    # an empty spot of the 300×300 frame (x₁ ≈ 1.5, x₂ ≈ −1.7; a tap on a point would select it)
    page.mouse.click(box["x"] + 0.7 * box["width"], box["y"] + 0.75 * box["height"])
    wait_for_text(page, ".kv-custom-count", r"Custom data: 5 points")
    assert page.locator(".kv-error").first.is_hidden(), page.locator(".kv-error").first.inner_text()
    assert not page.recorder.problems(), page.recorder.problems()


def test_tapping_the_main_view_selects_a_particle(panel_server, page):
    page.goto(f"{panel_server.url}/diffusion_ode?lang=en&particle=3", wait_until="load",
              timeout=TIMEOUT_S * 1000)
    assert page.locator(".kv-param-particle input").first.input_value(timeout=TIMEOUT_S * 1000) == "3"
    box = frame_box(page, ".kv-main-plot")
    for fx, fy in ((0.3, 0.3), (0.6, 0.7), (0.45, 0.55)):  # some tap lands nearest another particle
        page.mouse.click(box["x"] + fx * box["width"], box["y"] + fy * box["height"])
        time.sleep(1.5)
        if page.locator(".kv-param-particle input").first.input_value() != "3":
            break
    assert page.locator(".kv-param-particle input").first.input_value() != "3"
    assert not page.recorder.problems(), page.recorder.problems()
