"""The shared foundation: device choice, text tables, export, the index page."""
from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import holoviews as hv
import numpy as np
import pytest

from kexue_viz import cli
from kexue_viz.export import cjk_font_available, export, figure_bytes
from kexue_viz.i18n import FRAME_TEXT, TextTable
from kexue_viz.registry import DASHBOARDS
from kexue_viz.style import styled


def run_python(code: str, **env) -> str:
    import os

    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={**os.environ, **env}, check=True)
    return result.stdout.strip()


def test_device_defaults_to_cpu_without_cuda_and_honours_the_environment():
    code = "from kexue_viz.device import get_device; import torch; print(get_device(), torch.get_num_threads())"
    assert run_python(code, KEXUE_VIZ_DEVICE="cpu", KEXUE_VIZ_THREADS="1") == "cpu 1"
    assert run_python(code, KEXUE_VIZ_DEVICE="cpu", KEXUE_VIZ_THREADS="2") == "cpu 2"


def test_requesting_missing_cuda_fails_clearly():
    code = "from kexue_viz.device import get_device; get_device()"
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(subprocess.CalledProcessError) as failure:
        run_python(code, KEXUE_VIZ_DEVICE="cuda")
    assert "no CUDA device" in failure.value.stderr


def test_text_table_needs_both_languages_and_formats():
    with pytest.raises(ValueError, match="lacks"):
        TextTable({"x": {"zh": "只有中文"}})
    table = TextTable({"hello": {"zh": "你好 {name}", "en": "hello {name}"}})
    assert table.get("hello", "en", name="Su") == "hello Su"
    with pytest.raises(ValueError):
        table.get("hello", "fr")
    assert "export" in FRAME_TEXT


def text_tables() -> dict[str, TextTable]:
    """Every text table of the package: each series' tables (``kexue_viz.<series>.text``) and the frame's."""
    import importlib
    import pkgutil

    import kexue_viz

    tables = {"FRAME_TEXT": FRAME_TEXT}
    for package in pkgutil.iter_modules(kexue_viz.__path__):
        if package.ispkg and importlib.util.find_spec(f"kexue_viz.{package.name}.text"):
            module = importlib.import_module(f"kexue_viz.{package.name}.text")
            tables.update({f"{package.name}.{name}": value for name, value in vars(module).items()
                           if isinstance(value, TextTable)})
    return tables


def test_every_text_table_is_complete():
    """Every entry of every table (labels, messages, upload errors) reads in both languages: the
    English one has no Chinese character, and the Chinese one is not English left untranslated
    (it has a Chinese character, or it is the English text, a formula or names, up to full-width
    punctuation, with no English word in lower case: 'log₁₀ base' is not Chinese)."""
    tables = text_tables()
    assert {"FRAME_TEXT", "ssm.TEXT", "ssm.UPLOAD_TEXT", "mapequation.UPLOAD_TEXT"} <= set(tables)
    for table_name, table in tables.items():
        for key, texts in table.entries.items():
            assert texts["zh"].strip() and texts["en"].strip(), (table_name, key)
            assert HAN.search(texts["zh"]) or (neutral(texts["zh"]) == neutral(texts["en"])
                                               and not ENGLISH_WORD.findall(texts["zh"])), (table_name, key, texts["zh"])
            assert not HAN.search(texts["en"]), (table_name, key, texts["en"])


HAN = re.compile(r"[\u3400-\u9fff]")
# an English word, but a function's or a dtype's name, or a {placeholder}
ENGLISH_WORD = re.compile(r"(?<!\{)\b(?!(?:logn|relu|rtol|softmax|complex)(?![a-z]))[a-z]{4,}")


def neutral(text: str) -> str:
    """``text`` without spaces and with full-width punctuation as ASCII."""
    return "".join(text.translate(str.maketrans("，：（）；", ",:();")).split())
# reader-facing text in code: keyword arguments and calls whose string goes to the page
TEXT_KEYWORDS = {"label", "title", "placeholder", "xlabel", "ylabel", "clabel", "header", "tooltip"}
TEXT_CALLS = {"Markdown", "HTML", "Alert", "StaticText", "report", "ValueError"}
LOOKUPS = {"t", "message"}  # text-table lookups: the values they fill in are text too, but for
# ``name``, a parameter's name as a link or `--set` writes it
WORDY = re.compile(r"[A-Za-z]{3,}|[\u3400-\u9fff]")
PRODUCT = "kexue_viz"  # the package's name, the same in both languages


def literal_text(node) -> list[str]:
    """The literal pieces of a string expression (constants, f-string parts, concatenations)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        return [piece for value in node.values for piece in literal_text(value)]
    if isinstance(node, ast.BinOp):
        return literal_text(node.left) + literal_text(node.right)
    return []


def hard_coded_text(path: Path, calls=TEXT_CALLS) -> list[str]:
    """``file:line: text`` for each word-bearing string literal that ``path`` hands to the page
    directly (a widget label, a pane's text, a message: ``TEXT_KEYWORDS``, the first argument of
    ``calls``) instead of through a text table."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        function = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        arguments = [keyword.value for keyword in node.keywords if keyword.arg in TEXT_KEYWORDS
                     or function in LOOKUPS and keyword.arg != "name"]
        if function in calls:
            arguments += node.args[:1]
        found += [f"{path.parent.name}/{path.name}:{node.lineno}: {piece!r}" for argument in arguments
                  for piece in literal_text(argument) if WORDY.search(piece.replace(PRODUCT, ""))]
    return found


def test_dashboards_show_no_hard_coded_text():
    """Labels, pane texts and messages of the dashboards and the frame come from text tables: a
    literal would show one language on both pages (the frame's checks of its own arguments,
    which a reader cannot reach, raise plain errors)."""
    package = Path(__file__).resolve().parents[2] / "kexue_viz"
    found = [hit for path in sorted(package.glob("*/dashboard.py")) for hit in hard_coded_text(path)]
    found += hard_coded_text(package / "ui.py", calls=TEXT_CALLS - {"ValueError"})
    assert not found, "\n".join(found)


def test_hard_coded_text_is_found():
    """The scan above finds what it looks for."""
    import tempfile

    code = ("pn.widgets.Button(label='Run')\nraise ValueError(f'line {n} is bad')\n"
            "pn.pane.Markdown(self.t('ok'))\nself.report('上传失败')\nwidget(label=f'{x}: {y}')\n"
            "self.t('bad', reason='unknown name')\n")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "dashboard.py"
        path.write_text(code, encoding="utf-8")
        found = hard_coded_text(path)
    assert sorted(hit.split(": ", 1)[1] for hit in found) == sorted(["'Run'", "'line '", "' is bad'", "'上传失败'",
                                                                    "'unknown name'"])


@pytest.fixture
def chinese_view():
    curve = hv.Curve((np.arange(5), np.arange(5) ** 2), "时间 t", "数值")
    return styled(curve, color="#D55E00", line_width=2, title="中文标题")


@pytest.mark.parametrize("fmt, signature", [("png", b"\x89PNG"), ("svg", b"<?xml"), ("pdf", b"%PDF")])
def test_export_formats(chinese_view, tmp_path, fmt, signature):
    path = export(chinese_view, tmp_path / f"figure.{fmt}", metadata={"N": 3})
    assert path.read_bytes().startswith(signature)


def test_export_is_deterministic(chinese_view):
    assert figure_bytes(chinese_view, "svg") == figure_bytes(chinese_view, "svg")
    assert figure_bytes(chinese_view, "png") == figure_bytes(chinese_view, "png")


def test_chinese_labels_render_with_a_cjk_font(chinese_view, recwarn):
    assert cjk_font_available(), "install fonts-wqy-microhei (scripts/setup.sh does)"
    figure_bytes(chinese_view, "png")
    missing = [w for w in recwarn if "missing from" in str(w.message) or "Glyph" in str(w.message)]
    assert not missing, [str(w.message) for w in missing]


def test_export_rejects_unknown_format(chinese_view):
    with pytest.raises(ValueError, match="unknown format"):
        figure_bytes(chinese_view, "gif")


def test_index_page_lists_every_dashboard(tmp_path):
    page = cli.write_index(tmp_path).read_text(encoding="utf-8")
    for slug in DASHBOARDS:
        assert f'href="./{slug}"' in page
    assert "http://" not in page.replace("http://www.w3.org", "") and "https://fonts" not in page


def test_cli_list(capsys):
    assert cli.main(["list"]) == 0
    assert "hippo" in capsys.readouterr().out


def test_live_plot_updates_in_place_and_rerenders_on_structure():
    from kexue_viz.live import LivePlot

    state = {"scale": 1.0, "label": "a"}

    def build():
        x = np.linspace(0, 1, 50)
        return styled(hv.Curve((x, state["scale"] * x), "x", "y", label=state["label"]) * hv.VLine(state["scale"]),
                      title=f"scale {state['scale']}")

    plot = LivePlot(build)
    figure = plot.pane.object
    source = next(r.data_source for r in figure.renderers if hasattr(r, "data_source"))
    state["scale"] = 2.0
    plot.refresh()
    assert plot.pane.object is figure, "a data change must not replace the figure"
    assert np.allclose(source.data["y"], 2 * source.data["x"])
    assert figure.title.text == "scale 2.0"
    state["label"] = "b"
    plot.refresh()
    assert plot.pane.object is not figure, "a legend change re-renders"


def test_live_plot_moves_fixed_limits_in_place():
    import holoviews as hv
    from kexue_viz.live import LivePlot

    state = {"height": 1.0}

    def build():
        x = np.linspace(0, 1, 20)
        return styled(hv.Curve((x, state["height"] * x), "x", "y"), ylim=(-state["height"], state["height"]))

    plot = LivePlot(build)
    figure = plot.pane.object
    state["height"] = 3.0
    plot.refresh()
    assert plot.pane.object is figure, "a data-dependent fixed limit must not re-render"
    assert (figure.y_range.start, figure.y_range.end) == (-3.0, 3.0)


def test_styled_reuses_option_trees_and_leaves_its_input_alone():
    import holoviews as hv

    x = np.linspace(0, 1, 5)
    first = styled(hv.Curve((x, x), label="a"), color="#D55E00", line_width=2, line_dash="dashed")
    plain = hv.Curve((x, 2 * x), label="a")
    second = styled(plain, color="#D55E00", line_width=2, line_dash="dashed")
    other = styled(hv.Curve((x, x), label="a"), color="#0072B2", line_width=2, line_dash="dashed")
    assert plain.id is None, "styled must not restyle the element it was given"
    assert second.id == first.id != other.id
    for backend, dash in (("bokeh", "dashed"), ("matplotlib", "--")):
        style = hv.Store.lookup_options(backend, second, "style").kwargs
        assert style["color"] == "#D55E00"
        assert style["line_dash" if backend == "bokeh" else "linestyle"] == dash, backend
    assert np.allclose(second.dimension_values(1), 2 * x)


def test_live_plot_retitles_axes_in_place():
    import holoviews as hv
    from kexue_viz.live import LivePlot

    state = {"unit": "ms"}

    def build():
        x = np.linspace(0, 1, 20)
        return styled(hv.Curve((x, x), "x", hv.Dimension("y", label=f"time ({state['unit']})")), title="t")

    plot = LivePlot(build)
    figure = plot.pane.object
    assert figure.yaxis[0].axis_label == "time (ms)"
    state["unit"] = "s"
    plot.refresh()
    assert plot.pane.object is figure, "a new axis title must not re-render"
    assert figure.yaxis[0].axis_label == "time (s)"


def test_styled_reuse_survives_garbage_collection():
    """HoloViews frees an option tree once no element carries its id; the cache must not hand
    out such a dead id (the element would lose its style)."""
    import gc

    import holoviews as hv

    x = np.linspace(0, 1, 5)
    styled(hv.Curve((x, x), label="gc"), color="#CC79A7", line_width=3)
    gc.collect()
    again = styled(hv.Curve((x, x), label="gc"), color="#CC79A7", line_width=3)
    for backend in ("bokeh", "matplotlib"):
        assert hv.Store.lookup_options(backend, again, "style").kwargs["color"] == "#CC79A7", backend


def test_live_plot_keeps_categorical_axes():
    import holoviews as hv
    from bokeh.models import FactorRange
    from kexue_viz.live import LivePlot

    state = {"scale": 1.0}
    plot = LivePlot(lambda: styled(hv.Bars((["a", "b", "c"], state["scale"] * np.arange(3.0)), "route", "ms")))
    figure = plot.pane.object
    assert isinstance(figure.x_range, FactorRange)
    state["scale"] = 2.0
    plot.refresh()
    assert plot.pane.object is figure
    assert list(figure.renderers[0].data_source.data["ms"]) == [0.0, 2.0, 4.0]


def test_live_plot_keeps_style_mapped_columns():
    """A colour mapped to a dimension lives in a source column that HoloViews' data-only path
    leaves out: an update must not drop it (the points would lose their colours)."""
    import holoviews as hv
    from kexue_viz.live import LivePlot

    state = {"shift": 0.0}

    def build():
        x = np.arange(5.0)
        return styled(hv.Points((x, x + state["shift"], x % 2), ["x", "y"], "module"), color="module", cmap="Category10")

    plot = LivePlot(build)
    state["shift"] = 1.0
    plot.refresh()
    renderer = next(r for r in plot.pane.object.renderers if hasattr(r, "data_source"))
    data = renderer.data_source.data
    assert "color" in data and np.allclose(data["color"], np.arange(5.0) % 2)
    assert np.allclose(data["y"], np.arange(5.0) + 1.0)
