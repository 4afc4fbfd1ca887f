"""Both languages, read in the browser: every dashboard switched to English shows no Chinese
character (tabs opened, plots' titles, axes, legends and ticks read from the Bokeh models, tooltips
and options included), no sidebar label is cut off in either language, and the messages a bad link
or a bad upload brings read in the page's language and follow a language switch.

Run time: about 1 min per dashboard for the first test on a loaded 2-core machine (a language
switch re-renders every plot), 30–60 s for each message test.
"""
from __future__ import annotations

import re

import pytest

from kexue_viz.i18n import FRAME_TEXT
from kexue_viz.lowrank.dashboard import LowRankDashboard
from kexue_viz.lowrank.text import UPLOAD_TEXT as MATRIX_UPLOAD_TEXT
from kexue_viz.mapequation.dashboard import InfomapDashboard
from kexue_viz.mapequation.text import UPLOAD_TEXT as NETWORK_UPLOAD_TEXT
from kexue_viz.ssm.dashboard import HippoDashboard
from kexue_viz.ssm.text import UPLOAD_TEXT as CSV_UPLOAD_TEXT
from page_text import (HAN, LANGUAGE_NAMES, cut_off_labels, error_text, open_dashboard, open_every_tab, settle,
                       shown_texts, switch_language, wait_for)

pytestmark = pytest.mark.browser

RERENDER_TIMEOUT_S = 150.0  # a language switch re-renders every plot of the page
INTERNAL_NAME = re.compile(r"\w+Dashboard\.\w+")  # param's own messages name 'HippoDashboard.N'


def chinese_texts(page) -> list[str]:
    """The page's texts with a Chinese character, but for the language switch's "中文"."""
    return [text for text in shown_texts(page)
            if HAN.search(text) and not any(text.endswith(name) or f'"{name}"' in text for name in LANGUAGE_NAMES)]


def test_english_page_shows_no_chinese_and_cuts_off_no_label(panel_server, page, app, artifacts_dir):
    stem = app.stem
    open_dashboard(page, f"{panel_server.url}/{stem}")
    settle(page)
    assert not cut_off_labels(page), f"{stem} (中文): cut off in the sidebar: {cut_off_labels(page)}"
    switch_language(page, "English")
    tabs = open_every_tab(page)
    wait_until_english(page, stem)
    cut = cut_off_labels(page)
    shots = artifacts_dir / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / f"{stem}-en.png"), full_page=True)
    assert not cut, f"{stem} (English): cut off in the sidebar: {cut}"
    print(f"{stem}: {tabs} tabs opened, {len(shown_texts(page))} texts read")


def wait_until_english(page, stem: str) -> None:
    """Wait until the page shows no Chinese character; fail listing what still does."""
    import time

    deadline = time.monotonic() + RERENDER_TIMEOUT_S
    while chinese_texts(page) and time.monotonic() < deadline:
        time.sleep(1.0)
    left = chinese_texts(page)
    assert not left, f"{stem} in English still shows Chinese:\n" + "\n".join(text[:200] for text in left)


@pytest.mark.parametrize("stem, board_class, link, upload", [
    ("hippo", HippoDashboard, {"N": "1000", "measure": "chebyshev"},
     (b"value\n1\n2\nthree\n", CSV_UPLOAD_TEXT, "not_a_number", {"line": 4, "cell": "three"})),
    ("infomap_communities", InfomapDashboard, {"markov_time": "99", "nonsense": "1"},
     (b"a,b,x\n", NETWORK_UPLOAD_TEXT, "bad_weight", {"line": 1, "value": "x"})),
    ("low_rank", LowRankDashboard, {"r": "500", "rsvd_q": "two"},
     (b"1,2,3\n", MATRIX_UPLOAD_TEXT, "too_small", {"what": "CSV table", "n": 1, "m": 3})),
])
def test_messages_read_in_the_page_language(panel_server, page, stem, board_class, link, upload):
    """A bad link and a bad upload are answered in English on the English page, naming the control
    by its label (never 'HippoDashboard.N'), and in Chinese once the reader switches."""
    query = "&".join(f"{name}={value}" for name, value in link.items())
    open_dashboard(page, f"{panel_server.url}/{stem}?lang=en&{query}")
    board, expected = board_class(), {}
    for lang in ("en", "zh"):  # the messages and the first setting's label, as the dashboard words them
        board.lang = lang
        expected[lang] = board.apply_settings(link), board.label(next(iter(link)))
    data, table, key, values = upload
    page.locator(".kv-upload input[type=file]").first.set_input_files(
        files=[{"name": "bad.csv", "mimeType": "text/csv", "buffer": data}])
    for lang in ("en", "zh"):
        if lang == "zh":
            switch_language(page, "中文")
        rejected = FRAME_TEXT.get("upload_rejected", lang, reason=table.get(key, lang, **values))
        text = wait_for(lambda: error_text(page) if rejected in error_text(page) else None,
                        f"{stem}: the upload message {rejected!r} ({lang})", page)
        messages, label = expected[lang]
        for message in messages:
            assert message in text, f"{stem} ({lang}): {message!r} not in the error area: {text!r}"
        assert label in text and not INTERNAL_NAME.search(text), text
    english_messages, english_label = expected["en"]
    assert english_label not in text and not any(message in text for message in english_messages), text
    assert table.get(key, "en", **values) not in text, text
