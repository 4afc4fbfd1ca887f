"""The interactive HTML export (kexue_viz.embed): a file that asks no host for anything, the same
bytes for the same states, grids within the parameters' bounds, and clear refusals beyond the
bounds. Opening the file in a browser with the network blocked: tests/browser/test_embed_html.py."""
from __future__ import annotations

import re

import pytest

from kexue_viz import cli, embed
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


def test_the_same_states_give_the_same_bytes(hippo, page):
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


def test_the_command_line_writes_the_same_file(page, tmp_path, capsys):
    output = tmp_path / "memory.html"
    status = cli.main(["export", "hippo", "--view", "memory", "--vary", "N", "--values", "N=4,8,16", "-o", str(output)])
    assert status == 0, capsys.readouterr().err
    assert output.read_text(encoding="utf-8") == page


@pytest.mark.parametrize("argv, message", [
    (["--vary", "N", "-o", "x.html"], "name it with --view"),
    (["--view", "memory", "-o", "x.html"], "needs --vary"),
    (["--view", "memory", "--vary", "N", "--html", "-o", "x.png"], "written to FILE.html"),
    (["--view", "memory", "--vary", "N", "-o", "x.png"], "write it to FILE.html"),
])
def test_the_command_line_explains_an_incomplete_interactive_export(argv, message, capsys):
    assert cli.main(["export", "hippo", *argv]) == 2
    assert message in capsys.readouterr().err


def test_the_dashboard_offers_the_file_beside_its_export_button():
    dashboard = HippoDashboard(lang="en", N=8)
    layout = dashboard.__panel__()
    vary = layout.select(lambda o: "kv-export-vary" in getattr(o, "css_classes", []))[0]
    download = layout.select(lambda o: "kv-export-html" in getattr(o, "css_classes", []))[0]
    assert vary.value == [dashboard.probe] and download.filename == "kexue_viz-hippo-memory.html"  # the main view
    dashboard.export_view = "error"
    assert download.filename == "kexue_viz-hippo-error.html"
    dashboard.export_view, vary.value = "memory", ["N"]
    html = download.callback().getvalue().decode("utf-8")
    assert '<html lang="en">' in html and "kv-param-N" in html and dashboard.N == 8
    dashboard.lang = "zh"
    assert download.label == embed.TEXT.get("download", "zh")
    vary.value = []
    assert download.callback().getvalue() == b""
    assert embed.TEXT.get("choose", "zh") in dashboard._error.object
    vary.value = ["readout"]  # a parameter the view does not read: refused in the page's language
    assert download.callback().getvalue() == b""
    assert "视图 memory 不依赖 readout" in dashboard._error.object
