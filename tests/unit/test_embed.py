"""The interactive HTML export (kexue_viz.embed): a file that asks no host for anything, the same
bytes for the same states, grids within the parameters' bounds, and clear refusals beyond the
bounds. Opening the file in a browser with the network blocked: tests/browser/test_embed_html.py."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys

import param
import pytest

from kexue_viz import cli, embed
from kexue_viz.tasks import Cancelled
from kexue_viz.ssm.dashboard import HippoDashboard

VALUES = {"N": [4, 8, 16]}  # three states: the view's curves differ in each


@pytest.fixture(scope="module")
def hippo():
    return HippoDashboard(lang="zh")  # the language Bokeh's template does not write


@pytest.fixture(scope="module")
def page(hippo) -> str:
    return embed.interactive_html(hippo, "memory", vary=("N",), values=VALUES).decode("utf-8")


def addresses(html: str) -> list[str]:
    """Every address the page's tags (outside the inlined scripts) or the document's stylesheets
    (Bokeh's ``ImportedStyleSheet`` urls, in the document's JSON, nested in the states or not) load."""
    outside = re.sub(r"(<script\b[^>]*>).*?</script>", r"\1</script>", html, flags=re.S)
    tags = re.findall(r"""<(?:script|link|img|iframe|source)\b[^>]*?\b(?:src|href)\s*=\s*["']([^"']*)""", outside)
    documents = "".join(re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', html, flags=re.S))
    sheets = re.findall(r'"url\\*":\\*"([^"\\]*)', documents)
    return tags + sheets


def test_the_file_loads_nothing_from_any_host(page):
    loaded = addresses(page)
    assert loaded, "expected the stylesheets to be found"
    external = [address[:80] for address in loaded if not address.startswith("data:")]
    assert not external, f"the file names external addresses: {external}"
    assert "<script src" not in page
    assert "cdn.holoviz.org" not in page and "cdn.bokeh.org" not in page
    assert "static/extensions/panel" not in page


def test_the_file_holds_the_view_its_states_title_and_language(page, hippo):
    assert '<html lang="zh">' in page
    assert f"<title>{hippo.t('title')}" in page
    assert page.count('"name":"panel.models.state.State"') == 1  # Panel's embedded states
    assert "BEGIN bokeh.min.js" in page and "BEGIN panel.min.js" in page  # the JS inlined
    assert "kv-param-N" in page


def test_the_same_states_give_the_same_bytes(hippo, page, monkeypatch):
    """Also once Panel's default names have six digits (param's object count past 99999, as in a long
    session or this suite: "Column123456"; the names were normalised at five digits only)."""
    monkeypatch.setattr(param.parameterized, "object_count", 123456)
    again = embed.interactive_html(hippo, "memory", vary=("N",), values=VALUES).decode("utf-8")
    assert again == page


def test_the_dashboard_keeps_its_settings(hippo, page):
    assert hippo.N == 16 and hippo.measure == "legs"


def test_the_default_grid_keeps_the_ends_and_the_current_value(hippo):
    grid = embed.parameter_grid(hippo, "N", 21)
    assert len(grid) <= 21 and grid[0] == 1 and grid[-1] == 64 and 16 in grid and grid == sorted(grid)
    assert embed.parameter_grid(hippo, "measure", 21) == list(hippo.param.measure.objects)
    assert embed.parameter_grid(hippo, "log_y", 21) == [False, True]


def test_a_number_without_a_step_gets_even_steps_with_its_value(hippo):
    grid = embed.parameter_grid(hippo, "w", 5)
    assert len(grid) == 5 and grid[0] == 0.05 and grid[-1] == 10.0 and hippo.w in grid and grid == sorted(grid)


def test_two_parameters_default_to_a_grid_within_the_bound(hippo):
    grids = embed.state_grids(hippo, ("N", "measure"), {})
    assert len(grids["N"]) * len(grids["measure"]) <= embed.MAX_STATES


@pytest.mark.parametrize("vary, values, message", [
    (("N",), {"N": list(range(1, 52))}, "above the bound of 50"),
    (("N", "measure", "w"), {}, "one or two"),
    (("methodz",), {}, "cannot be varied"),
    (("lang",), {}, "cannot be varied"),
    (("N",), {"N": [0, 4]}, "outside what the parameter takes"),
    (("N",), {"measure": ["legs"]}, "cannot be varied"),
])
def test_what_cannot_be_embedded_is_refused_with_a_reason(hippo, vary, values, message):
    with pytest.raises(ValueError, match=message):
        embed.interactive_html(hippo, "memory", vary=vary, values=values)


def test_a_view_that_does_not_read_the_parameter_is_refused(hippo):
    with pytest.raises(ValueError, match="does not depend on readout"):
        embed.interactive_html(hippo, "memory", vary=("readout",))
    assert hippo.readout == "ones"


def test_an_unknown_view_is_refused(hippo):
    with pytest.raises(ValueError, match="no plot view 'memroy'"):
        embed.interactive_html(hippo, "memroy", vary=("N",))


def test_a_file_above_the_size_bound_is_refused(hippo, monkeypatch):
    monkeypatch.setattr(embed, "MAX_BYTES", 2 ** 20)
    with pytest.raises(ValueError, match="above the bound of 1 MB"):
        embed.interactive_html(hippo, "memory", vary=("N",), values={"N": [4, 8]})


def test_served_and_cdn_addresses_of_panel_files_become_data_urls():
    cdn = f'"url":"{embed.CDN_DIST}css/markdown.css?v=1"'
    served = '"url":"static/extensions/panel/css/loading.css"'
    below = '"url":"../static/extensions/panel/css/loading.css"'  # a page served under a path
    for text in (cdn, served, below):
        assert embed.inline_panel_files(text).startswith('"url":"data:text/css;charset=utf-8,')


def test_the_command_line_writes_the_same_file_and_reports_its_progress(page, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PYTHONHASHSEED", cli.HTML_HASH_SEED)  # as if seeded: it runs here, not anew
    output = tmp_path / "memory.html"
    status = cli.main(["export", "hippo", "--view", "memory", "--vary", "N", "--values", "N=4,8,16", "--progress",
                       "-o", str(output)])
    printed = capsys.readouterr()
    assert status == 0, printed.err
    assert output.read_text(encoding="utf-8") == page
    fractions = [json.loads(line)["progress"] for line in printed.out.splitlines() if line.startswith("{")]
    assert len(fractions) >= 6 and fractions == sorted(fractions) and fractions[-1] == 1.0  # 3 built, 3 recorded


def test_the_command_line_runs_an_interactive_export_anew_under_the_fixed_hash_seed(monkeypatch):
    """Unless its string hashes are seeded with HTML_HASH_SEED, the command runs itself anew with the
    same arguments in a process that is (so its file is the dashboard's download, byte for byte)."""
    argv = ["export", "hippo", "--view", "memory", "--vary", "N", "-o", "x.html"]
    monkeypatch.setenv("PYTHONHASHSEED", "random")
    runs = []
    monkeypatch.setattr(cli, "run_seeded", lambda again: runs.append(again) or 0)
    assert cli.main(argv) == 0 and runs == [argv]


def test_the_command_lines_refusal_is_reported_in_both_languages(capsys, monkeypatch):
    monkeypatch.setenv("PYTHONHASHSEED", cli.HTML_HASH_SEED)
    status = cli.main(["export", "hippo", "--view", "memory", "--vary", "N", "--values", "N=0", "--progress",
                       "-o", "x.html"])
    refused = json.loads(capsys.readouterr().out.splitlines()[-1])["refused"]
    assert status == 2 and set(refused) == {"zh", "en"} and "outside what the parameter takes" in refused["en"]


@pytest.mark.parametrize("argv, message", [
    (["--vary", "N", "-o", "x.html"], "name it with --view"),
    (["--view", "memory", "-o", "x.html"], "needs --vary"),
    (["--view", "memory", "--vary", "N", "--html", "-o", "x.png"], "written to FILE.html"),
    (["--view", "memory", "--vary", "N", "-o", "x.png"], "write it to FILE.html"),
])
def test_the_command_line_explains_an_incomplete_interactive_export(argv, message, capsys):
    assert cli.main(["export", "hippo", *argv]) == 2
    assert message in capsys.readouterr().err


def controls(dashboard) -> dict:
    """The dashboard's interactive-export widgets by role: the parameters to vary, the task's
    button and the download."""
    layout = dashboard.__panel__()
    find = lambda css: layout.select(lambda o: css in getattr(o, "css_classes", []))[0]
    return {"vary": find("kv-export-vary"), "prepare": find("kv-prepare-html"), "download": find("kv-export-html")}


def test_the_dashboard_offers_the_file_beside_its_export_button():
    dashboard = HippoDashboard(lang="en", N=8)
    widgets = controls(dashboard)
    assert widgets["vary"].value == [dashboard.probe] and not widgets["download"].visible
    assert embed.child_export(dashboard, ["N"]).filename == "kexue_viz-hippo-memory.html"  # the main view
    dashboard.export_view = "error"
    assert embed.child_export(dashboard, ["N"]).filename == "kexue_viz-hippo-error.html"
    dashboard.lang = "zh"
    assert widgets["prepare"].label == embed.TEXT.get("prepare", "zh")
    widgets["vary"].value = []
    widgets["prepare"].clicks += 1
    assert embed.TEXT.get("choose", "zh") in dashboard._error.object
    widgets["vary"].value = ["N"]
    assert embed._CHILDREN.acquire(blocking=False)  # another reader's file being prepared: told to retry
    try:
        widgets["prepare"].clicks += 1
    finally:
        embed._CHILDREN.release()
    assert embed.TEXT.get("busy", "zh") in dashboard._error.object and not widgets["download"].visible


def test_the_prepared_file_is_the_command_lines(tmp_path):
    """The task (run at once here, without a served page) writes the file in a child process with
    the page's settings: the bytes of kexue-viz export for them, under the child's hash seed."""
    dashboard = HippoDashboard(lang="en", N=8)
    widgets = controls(dashboard)
    widgets["vary"].value = ["norm"]
    widgets["prepare"].clicks += 1
    download = widgets["download"]
    assert download.visible and not dashboard._error.visible, dashboard._error.object
    assert download.filename == "kexue_viz-hippo-memory.html" and re.search(r"\(\d+\.\d MB\)", download.label)
    output = tmp_path / "memory.html"
    command = [sys.executable, "-m", "kexue_viz.cli", "export", "hippo", "--view", "memory", "--vary", "norm",
               "--lang", "en", "--set", "N=8", "-o", str(output)]
    subprocess.run(command, check=True, capture_output=True, env={**os.environ, "PYTHONHASHSEED": cli.HTML_HASH_SEED})
    assert download.file.getvalue() == output.read_bytes()
    dashboard.N = 16  # a file of other settings is withdrawn
    assert not download.visible


def test_the_childs_refusal_is_shown_in_the_pages_language():
    dashboard = HippoDashboard(lang="zh")
    widgets = controls(dashboard)
    widgets["vary"].value = ["readout"]  # a parameter the view does not read
    widgets["prepare"].clicks += 1
    assert "视图 memory 不依赖 readout" in dashboard._error.object and not widgets["download"].visible
    dashboard.lang = "en"
    assert "the view 'memory' does not depend on readout" in dashboard._error.object


def test_cancel_kills_the_child(hippo, monkeypatch):
    started = []

    class Recorded(subprocess.Popen):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            started.append(self)

    def cancelled(fraction: float) -> None:  # the reader pressed cancel
        raise Cancelled

    monkeypatch.setattr(embed.subprocess, "Popen", Recorded)
    with pytest.raises(Cancelled):
        embed.prepare_in_child(embed.child_export(hippo, ["N"]), cancelled)
    assert started[0].returncode == -signal.SIGKILL
    assert embed._CHILDREN.acquire(blocking=False)  # its place is free again
    embed._CHILDREN.release()
