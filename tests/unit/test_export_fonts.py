"""Exported figures take each glyph from a font that has it (per-glyph font fallback)."""
from __future__ import annotations

import io
import warnings

import holoviews as hv
import matplotlib
import pytest
from matplotlib import font_manager, ft2font

from kexue_viz import export
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
