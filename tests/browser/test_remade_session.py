"""A page whose own session was discarded before its websocket connected: Bokeh discards a session
unused for ``--unused-session-lifetime`` (15 s by default, and on a loaded 2-core server a page's
websocket took that long), then makes a new session when the websocket connects. That page must
be drawn and ask nothing of another host. Before kexue_viz.ui.local_stylesheet_links, Panel linked
such a session's stylesheets to cdn.holoviz.org (every page of seven, forced as here; 1–2 pages of
14 in 2 of 3 runs of the soak test, unforced).
"""
from __future__ import annotations

import pytest
from page_text import wait_drawn

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("stem", ["adam_epsilon_batch", "lora"])
def test_a_session_made_when_the_websocket_connects_is_drawn_offline(forgetful_server, page, stem):
    start = forgetful_server.log_offset()
    page.goto(f"{forgetful_server.url}/{stem}?lang=en", wait_until="commit")
    wait_drawn(page)
    page.settle()
    assert not page.recorder.problems(), page.recorder.problems()
    errors = forgetful_server.errors_since(start)
    assert not errors, f"the server logged errors:\n{errors[-6000:]}"
