"""Per-view export in the browser (issue 15): in a served dashboard the reader chooses a view in the
"what to export" select, clicks the export button and downloads that view alone: the file is named
after it, its metadata names it, and it is not the whole figure downloaded just before. Screenshots
of the sidebar and the files go to ``ARTIFACTS/export_views``."""
from __future__ import annotations

import pytest

from kexue_viz.registry import DASHBOARDS

from page_text import open_dashboard, settle

pytestmark = pytest.mark.browser

SLUG, VIEW = "adam_epsilon_batch", "dL"  # a light page; its second view
EXPORT_TIMEOUT_S = 90.0  # a figure export (matplotlib) on a busy 2-core machine, and the transfer


def download(page, folder) -> tuple[str, bytes]:
    """Click the export button; the downloaded file's suggested name and bytes (saved in ``folder``)."""
    button = page.locator(".kv-export button, .kv-export a").first
    with page.expect_download(timeout=EXPORT_TIMEOUT_S * 1000) as started:
        button.click()
    name = started.value.suggested_filename
    started.value.save_as(str(folder / name))
    return name, (folder / name).read_bytes()


def test_a_chosen_view_downloads_alone(panel_server, page, artifacts_dir):
    folder = artifacts_dir / "export_views"
    folder.mkdir(parents=True, exist_ok=True)
    open_dashboard(page, f"{panel_server.url}/{SLUG}?lang=en")
    whole_name, whole = download(page, folder)
    assert whole_name == f"kexue_viz-{SLUG}.png"

    label = DASHBOARDS[SLUG].views()[VIEW]["en"]
    page.locator(".kv-param-export_view select").first.select_option(label=label)
    settle(page)
    page.locator(".kv-sidebar").first.screenshot(path=str(folder / f"{SLUG}-sidebar.png"))
    name, data = download(page, folder)
    assert name == f"kexue_viz-{SLUG}-{VIEW}.png"
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and f"view={VIEW};".encode() in data
    assert data != whole and b"view=" not in whole
    settle(page)
    assert not page.recorder.problems(), page.recorder.problems()
