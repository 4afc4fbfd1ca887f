"""A diffusion reader's typed points, in the browser (issue 12, items 1 and 7): typed and applied
at once, and carried by a copied link.

What several readers do to one another is the soak's (``test_soak.py``: seven readers press every
control at once, then seven new readers must find the defaults and both languages working). Runs on its own server that destroys a session soon after its page closes
(``expiring_server``).
"""
from __future__ import annotations

import time
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from page_text import wait_drawn

pytestmark = pytest.mark.browser

RENDER_TIMEOUT_S = 90.0
REACT_TIMEOUT_S = 30.0
TYPED = "0, 0\n1, 1\n2, 0\n-1, 2\n0.5, -1"

DEEP_TEXT_JS = """element => { const text = node => [...(node.shadowRoot || node).childNodes]
    .filter(child => !['STYLE', 'SCRIPT'].includes(child.nodeName))
    .map(child => child.nodeType === Node.TEXT_NODE ? child.textContent : text(child)).join(' ');
    return text(element).replace(/\\s+/g, ' ').trim() }"""


def open_dashboard(page, url: str) -> None:
    """Load ``url`` and wait until its main plot is drawn."""
    page.goto(url, wait_until="load", timeout=RENDER_TIMEOUT_S * 1000)
    wait_drawn(page)


def wait_until(condition, what, page, timeout_s: float = REACT_TIMEOUT_S):
    """Poll ``condition()`` until it returns a true value (returned); else fail with ``what`` (a
    string, or a function giving one at the time of failure)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        page.wait_for_timeout(250)  # (time.sleep would hold back Playwright's events: page.url stays stale)
    message = what() if callable(what) else what
    pytest.fail(f"{message} (after {timeout_s:.0f} s)\n{page.recorder.problems()}", pytrace=False)


def error_text(page) -> str:
    """The text of the page's error area (it renders in a shadow root), ``""`` while it is hidden."""
    area = page.locator(".kv-error").first
    return area.evaluate(DEEP_TEXT_JS) if area.is_visible() else ""


def test_typed_points_applied_at_once(expiring_server, reader):
    """Type points and press "use typed points" at once: the click reaches the server while the
    typed text is still pending (Panel then runs it as a task without the document's lock); the
    points become the data set, and a bad line is explained in the page."""
    server, start = expiring_server, expiring_server.log_offset()
    with reader() as page:
        open_dashboard(page, f"{server.url}/diffusion_ode?lang=en")
        typed_points_at_once(page)
        page.settle()
        assert not page.recorder.problems(), page.recorder.problems()
    errors = server.errors_since(start)
    assert not errors, f"the server logged errors:\n{errors[-6000:]}"


def typed_points_at_once(page) -> None:
    """On the diffusion page: type points and press "use typed points" at once."""
    before = page.locator(".kv-main-plot").first.screenshot()
    page.locator(".kv-typed textarea").first.fill(TYPED)
    page.locator(".kv-use-typed button").first.click()
    wait_until(lambda: "5 points" in page.locator(".kv-custom-count p").first.inner_text(),
               "the typed points did not become the data set", page)
    wait_until(lambda: page.locator(".kv-main-plot").first.screenshot() != before,
               "the main plot did not change for the typed points", page)
    page.locator(".kv-typed textarea").first.fill("0, 0\nzero, 1")
    page.locator(".kv-use-typed button").first.click()
    wait_until(lambda: "Line 2" in error_text(page), "a bad typed line gave no message", page)


def test_a_copied_link_reopens_the_typed_points(expiring_server, reader):
    """Issue 12, item 7: the custom points are part of the link (and a bad value in a link is
    explained in the page, the data staying the default ones)."""
    server = expiring_server
    with reader() as page:
        open_dashboard(page, f"{server.url}/diffusion_ode?lang=en")
        page.locator(".kv-typed textarea").first.fill(TYPED)
        page.locator(".kv-use-typed button").first.click()
        wait_until(lambda: parse_qs(urlsplit(page.evaluate("location.href")).query).get("points")
                   == ["0,0;1,1;2,0;-1,2;0.5,-1"], lambda: f"the link lacks the typed points: {page.url}", page)
        link = page.evaluate("location.href")
        page.settle()
    with reader() as page:
        open_dashboard(page, link)
        wait_until(lambda: "5 points" in page.locator(".kv-custom-count p").first.inner_text(),
                   "the link did not bring back the typed points", page)
        assert page.locator(".kv-typed textarea").first.input_value().splitlines()[3] == "-1, 2"
        assert page.locator(".kv-param-dataset select").first.input_value().startswith("Custom")
        page.settle()
        open_dashboard(page, f"{server.url}/diffusion_ode?" + urlencode({"lang": "en", "points": "1,2;3"}))
        wait_until(lambda: "points" in error_text(page), "a bad link value gave no message", page)
        assert "4 points" in page.locator(".kv-custom-count p").first.inner_text()
        assert not page.recorder.problems(), page.recorder.problems()
        page.settle()
