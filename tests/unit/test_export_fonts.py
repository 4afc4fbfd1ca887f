"""Exported figures take each glyph from a font that has it and draws it right (per-glyph font fallback,
DejaVu Sans first, the CJK font for Chinese), and SVG keeps text as text."""
from __future__ import annotations

import inspect
import io
import re
import unicodedata
import warnings
from pathlib import Path

import holoviews as hv
import matplotlib
import numpy as np
import pytest
from matplotlib import font_manager, ft2font
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from kexue_viz import export
from kexue_viz.registry import DASHBOARDS
from kexue_viz.style import load_backends

# Greek, the math minus and the modifier/subscript letters CJK fonts lack (plus Chinese where a CJK
# font is installed: without one no font here has it, which test_frame.py reports)
LATIN_TEXT = "α: diag p − ppᵀ, log₅₁₂ n, n₀=512, Σᵢ pᵢ²"
TEXT = ("梯度 " if export.cjk_font_available() else "") + LATIN_TEXT
GLYPHS_CJK_FONTS_LACK = "ᵀ₀₅ᵢ"  # WenQuanYi Micro Hei has ₁ and ₂ but not these


def font_with(char: str, families: list[str]) -> str | None:
    """The first family in ``families`` whose font file maps ``char`` (read from the file's charmap)."""
    for family in families:
        path = font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
        if ord(char) in ft2font.FT2Font(path).get_charmap():
            return family
    return None


def missing_glyph_warnings(fmt: str) -> list[str]:
    load_backends()
    view = hv.Curve([(0, 0), (1, 1)], "n₀", "pᵀ").opts(title=TEXT, backend="matplotlib")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = export.figure_bytes(view, fmt)
    assert len(data) > 1000
    return [str(w.message) for w in caught if "missing from font" in str(w.message)]


def test_every_glyph_of_the_text_has_a_font_in_the_fallback_list():
    families = export.font_families()
    assert families[0] == "DejaVu Sans"
    for char in set(TEXT) - {" "}:
        assert font_with(char, families) is not None, char
    cjk = export.cjk_font_available()
    if cjk is not None:  # Latin, signs and modifier letters from DejaVu Sans, Chinese from the CJK font
        assert families[1] == cjk and font_with("梯", families) == cjk
        for char in GLYPHS_CJK_FONTS_LACK + "½":
            assert font_with(char, families) == "DejaVu Sans", char


@pytest.mark.parametrize("fmt", export.FORMATS)
def test_export_renders_modifier_letters_without_missing_glyphs(fmt):
    assert missing_glyph_warnings(fmt) == []


def test_a_single_generic_family_would_miss_them():
    """The control: the former setting (one generic family) loses ᵀ and ₀ with the CJK font."""
    cjk = export.cjk_font_available()
    if cjk is None or cjk == "DejaVu Sans":
        pytest.skip("no CJK font installed: nothing lacks these glyphs")
    assert font_with("ᵀ", [cjk]) is None
    load_backends()
    with matplotlib.rc_context({**export.POST_STYLE, "font.family": "sans-serif", "font.sans-serif": [cjk]}), \
            warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figure = hv.render(hv.Curve([(0, 0), (1, 1)]).opts(title=TEXT, backend="matplotlib"), backend="matplotlib")
        figure.savefig(io.BytesIO(), format="png")
    assert any("missing from font" in str(w.message) for w in caught)


# ---- every label of every dashboard, both languages -------------------------------------------------
def is_cjk(char: str) -> bool:
    """Chinese characters and the CJK punctuation and full-width forms written with them."""
    return unicodedata.name(char, "").startswith(("CJK", "IDEOGRAPHIC", "FULLWIDTH")) or "\u3000" <= char <= "\u303f"


def dashboard_characters() -> dict[str, str]:
    """Each character of every text of every dashboard (both languages) and of the views' and
    figures' own strings (the series' views.py and dashboard.py), with where it was first seen."""
    found: dict[str, str] = {}
    for slug, entry in DASHBOARDS.items():
        dashboard = entry.load()
        for key, texts in dashboard.text.entries.items():
            for lang, text in texts.items():
                for char in text:
                    found.setdefault(char, f"{slug} {key} ({lang})")
        package = Path(inspect.getfile(dashboard)).parent
        for name in ("views.py", "dashboard.py"):
            for char in (package / name).read_text(encoding="utf-8"):
                if ord(char) > 127:
                    found.setdefault(char, f"{package.name}/{name}")
    return found


def test_every_dashboard_label_takes_its_glyph_from_a_font_that_draws_it():
    """Every character has a font; the CJK font serves only Chinese and CJK punctuation (it maps
    some Latin signs to wrong drawings: ½ as "1⁄"), everything else comes from DejaVu Sans."""
    families = export.font_families()
    chars = {char: where for char, where in dashboard_characters().items() if not char.isspace()}
    assert len(chars) > 500
    missing = {char: where for char, where in chars.items() if font_with(char, families) is None}
    assert not missing
    if export.cjk_font_available():
        from_cjk = {char: where for char, where in chars.items() if font_with(char, families) != "DejaVu Sans"}
        assert from_cjk and all(map(is_cjk, from_cjk)), {c: w for c, w in from_cjk.items() if not is_cjk(c)}


def render_text(text: str, families: list[str]) -> np.ndarray:
    """``text`` drawn alone in ``families`` (agg, 100 dpi), as an RGBA pixel array."""
    figure = Figure(figsize=(1.5, 0.5), dpi=100)
    FigureCanvasAgg(figure)
    figure.text(0.1, 0.3, text, family=families, size=20)
    figure.canvas.draw()
    return np.asarray(figure.canvas.buffer_rgba()).copy()


def test_one_half_is_drawn_as_one_half():
    """The export's fonts draw ½ exactly as DejaVu Sans does; the control: WenQuanYi Micro Hei's
    own glyph (a composite of ¹ and ⁄ only, the "⅟" of the issue) draws differently."""
    families = export.font_families()
    assert np.array_equal(render_text("½", families), render_text("½", ["DejaVu Sans"]))
    cjk = export.cjk_font_available()
    if cjk == "WenQuanYi Micro Hei":
        assert not np.array_equal(render_text("½", [cjk]), render_text("½", ["DejaVu Sans"]))


# ---- SVG keeps text as text -------------------------------------------------------------------------
def test_svg_keeps_text_as_text_with_the_font_list():
    title = "梯度大小（½‖J‖₁）" if export.cjk_font_available() else "½‖J‖₁ pᵀ"
    view = hv.Curve([(0, 0), (1, 1)], "n₀", "pᵀ").opts(title=title, backend="matplotlib")
    svg = export.figure_bytes(view, "svg").decode("utf-8")
    texts = re.findall(r"<text[^>]*>(.*?)</text>", svg, flags=re.S)
    assert title in texts and "pᵀ" in texts and "n₀" in texts
    families = re.findall(r"font-family: ([^;\"]+)", svg)
    assert families and all("'DejaVu Sans'" in family for family in families)
    if export.cjk_font_available():
        assert all(repr(export.cjk_font_available()) in family for family in families)
