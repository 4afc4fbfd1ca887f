"""Two readers on one server: what one reader does must not break the other (issue 12, item 1).

Reader A opens every dashboard and presses every button, uploads a bad and a good file where the
page takes uploads, and on the diffusion page types points and presses "use typed points" at once
(the click then reaches the server while the typed text is still pending, and Panel runs it as a
task without the document's lock). A's page closes and the server destroys A's sessions. Reader
B then opens every dashboard, switches to English (every plot title and axis label must lose its
Chinese) and opens every tab (each must bring up its plots). The server log must hold no error or
traceback, and neither page a JS error or an off-host request.

Runs on its own server that destroys a session half a second after its page closes
(``expiring_server``); about 2–3 minutes on a 2-core machine.
"""
from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from page_text import wait_drawn

pytestmark = pytest.mark.browser

RENDER_TIMEOUT_S = 90.0
REACT_TIMEOUT_S = 30.0
CLICK_TIMEOUT_MS = 5_000
CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef]")
TYPED = "0, 0\n1, 1\n2, 0\n-1, 2\n0.5, -1"

PLOT_TEXTS_JS = """() => { const seen = new Set(), texts = [];
    const visit = model => { if (seen.has(model)) return; seen.add(model);
        if (model.type === 'Title' && model.text) texts.push(model.text);
        if (typeof model.axis_label === 'string' && model.axis_label) texts.push(model.axis_label);
        for (const reference of model.references()) visit(reference) };
    for (const doc of Bokeh.documents) for (const root of doc.roots()) visit(root);
    return texts }"""  # the models on the page (BokehJS keeps replaced ones in all_models)
DEEP_TEXT_JS = """element => { const text = node => [...(node.shadowRoot || node).childNodes]
    .filter(child => !['STYLE', 'SCRIPT'].includes(child.nodeName))
    .map(child => child.nodeType === Node.TEXT_NODE ? child.textContent : text(child)).join(' ');
    return text(element).replace(/\\s+/g, ' ').trim() }"""
GOOD_UPLOADS = {  # what each page's .kv-upload accepts
    "hippo": ("signal.csv", "u\n" + "\n".join(f"{0.01 * k * (k % 7):.4f}" for k in range(200))),
    "infomap_communities": ("net.csv", "a,b\nb,c\nc,a\nc,d\nd,e\ne,f\nf,d\n"),
}
BAD_UPLOAD = ("bad.csv", "\x00\x01 not , a , number\nnan,inf,-\n")


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


def plot_texts(page) -> list[str]:
    """Every plot title and axis label of the page (Bokeh's models: canvas text is not in the DOM)."""
    return page.evaluate(PLOT_TEXTS_JS)


def chinese_texts(page) -> list[str]:
    return [text for text in plot_texts(page) if CJK.search(text)]


def error_text(page) -> str:
    """The text of the page's error area (it renders in a shadow root), ``""`` while it is hidden."""
    area = page.locator(".kv-error").first
    return area.evaluate(DEEP_TEXT_JS) if area.is_visible() else ""


def press_every_button(page) -> int:
    """Click each visible, enabled button of the page once (a click that removes or hides later
    buttons just skips them); return how many were clicked."""
    buttons, pressed = page.locator("button"), 0
    for index in range(buttons.count()):
        button = buttons.nth(index)
        try:
            if button.is_visible() and button.is_enabled():
                button.click(timeout=CLICK_TIMEOUT_MS)
                pressed += 1
        except Exception:  # gone or covered after an earlier click
            continue
    return pressed


def upload(page, name: str, text: str) -> None:
    page.locator(".kv-upload input[type=file]").first.set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": text.encode("latin-1")})


def typed_points_at_once(page) -> None:
    """Reader A on the diffusion page: type points and press "use typed points" at once."""
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


def reader_a(page, server) -> None:
    open_dashboard(page, f"{server.url}/diffusion_ode?lang=en")
    typed_points_at_once(page)
    page.settle()
    for app in server.apps:
        open_dashboard(page, f"{server.url}/{app}?lang=en")
        assert press_every_button(page) > 0, f"{app}: no button pressed"
        if app in GOOD_UPLOADS:
            upload(page, *BAD_UPLOAD)
            wait_until(lambda: error_text(page), f"{app}: a bad upload gave no message", page)
            upload(page, *GOOD_UPLOADS[app])
            wait_until(lambda: not error_text(page), f"{app}: a good upload left the message", page)
        page.settle()  # the last clicks' work is done before the page leaves


def reader_b(page, server) -> None:
    for app in server.apps:
        open_dashboard(page, f"{server.url}/{app}")
        assert any(CJK.search(text) for text in plot_texts(page)), f"{app}: no Chinese plot text by default"
        page.locator(".kv-sidebar button", has_text="English").first.click()
        wait_until(lambda: not chinese_texts(page), lambda: f"{app}: plot texts still Chinese after switching to "
                                                             f"English: {chinese_texts(page)[:5]}", page)
        tabs = page.locator(".bk-tab")
        for index in range(tabs.count()):
            seen = set(plot_texts(page))
            tabs.nth(index).click()
            if index == 0:
                continue  # the open tab: nothing new to draw
            wait_until(lambda: set(plot_texts(page)) - seen, f"{app}: tab {index} drew no plot", page)
            assert not chinese_texts(page), f"{app}: tab {index} shows Chinese in English: {chinese_texts(page)[:5]}"
        page.settle()


def test_one_readers_clicks_leave_every_other_reader_working(expiring_server, reader):
    server, start = expiring_server, expiring_server.log_offset()
    with reader() as page_a:
        reader_a(page_a, server)
        problems_a = page_a.recorder.problems()
    time.sleep(server.session_expiry_s)  # the server destroys A's sessions
    with reader() as page_b:
        reader_b(page_b, server)
        problems_b = page_b.recorder.problems()
    errors = server.errors_since(start)
    assert not errors, f"the server logged errors:\n{errors[-6000:]}"
    assert not problems_a and not problems_b, f"reader A: {problems_a}\nreader B: {problems_b}"


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
