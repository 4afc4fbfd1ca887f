"""``panel serve apps/``, the way the README tells readers to start the dashboards: Bokeh serves the
directory as one app (``/apps``, built by ``apps/main.py``). ``/`` leads to the landing page, which
links every dashboard in the chosen language; following a link opens that dashboard, drawn, with
the link's ``app`` key kept and no complaint about it. Nothing is asked of another host, no JS
error, no server error.

Artifact: ``artifacts/screenshots/serve_directory_landing.png``.
"""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from page_text import RENDER_TIMEOUT_S, settle, wait_drawn, wait_for

from kexue_viz.registry import DASHBOARDS

pytestmark = pytest.mark.browser

FOLLOWED = "hippo"  # the dashboard whose link the test follows


def card_links(page) -> dict[str, str]:
    """The landing page's cards: dashboard slug -> the card's link (``?app=<slug>&lang=...``)."""
    hrefs = page.locator("a.kv-card").evaluate_all("cards => cards.map(card => card.getAttribute('href'))")
    return {parse_qs(urlsplit(href).query)["app"][0]: href for href in hrefs}


def test_landing_page_links_every_dashboard_in_both_languages(directory_server, reader, artifacts_dir):
    log_start = directory_server.log_offset()
    with reader() as page:
        page.goto(directory_server.url + "/", wait_until="load", timeout=RENDER_TIMEOUT_S * 1000)
        page.locator("a.kv-card").first.wait_for(state="visible", timeout=RENDER_TIMEOUT_S * 1000)
        assert urlsplit(page.url).path == "/apps", page.url
        assert set(card_links(page)) == set(DASHBOARDS)
        assert DASHBOARDS[FOLLOWED].title("zh") in page.locator("a.kv-card").first.inner_text()
        (artifacts_dir / "screenshots").mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(artifacts_dir / "screenshots" / "serve_directory_landing.png"), full_page=True)

        page.get_by_role("button", name="English").click()
        wait_for(lambda: DASHBOARDS[FOLLOWED].title("en") in page.locator("a.kv-card").first.inner_text(),
                 "the cards in English", page)
        wait_for(lambda: parse_qs(urlsplit(page.url).query).get("lang") == ["en"], "lang=en in the link", page)
        assert all("lang=en" in href for href in card_links(page).values())

        page.locator("a.kv-card", has_text=DASHBOARDS[FOLLOWED].title("en")).click()
        page.wait_for_url(lambda url: parse_qs(urlsplit(url).query).get("app") == [FOLLOWED],
                          timeout=RENDER_TIMEOUT_S * 1000)
        wait_drawn(page)
        settle(page)
        query = parse_qs(urlsplit(page.url).query)
        assert query.get("app") == [FOLLOWED] and query.get("lang") == ["en"], page.url
        assert page.locator(".kv-error").first.is_hidden(), page.locator(".kv-error").first.inner_text()
        page.settle()
        problems = page.recorder.problems()
    assert not problems, problems
    assert not directory_server.errors_since(log_start), directory_server.errors_since(log_start)


def test_unknown_dashboard_gets_the_landing_page_with_a_note(directory_server, reader):
    with reader() as page:
        page.goto(directory_server.url + "/apps?app=no_such_page&lang=en", wait_until="load",
                  timeout=RENDER_TIMEOUT_S * 1000)
        note = page.locator(".kv-unknown")
        note.wait_for(state="visible", timeout=RENDER_TIMEOUT_S * 1000)
        assert "no_such_page" in note.inner_text()
        assert set(card_links(page)) == set(DASHBOARDS)
        page.settle()
        assert not page.recorder.problems(), page.recorder.problems()
