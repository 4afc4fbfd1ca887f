"""Write a HoloViews view to PNG, SVG or PDF through the matplotlib backend, in the post style.

The same view object the dashboard shows is rendered, so an exported figure is exactly the
dashboard's figure. Output is deterministic for the same view (fixed SVG hash salt, no dates),
and the parameters that produced it travel in the file's metadata.
"""
from __future__ import annotations

import io
import warnings
from pathlib import Path

import holoviews as hv
import matplotlib
from matplotlib import font_manager

from .style import CJK_FONTS, load_backends

FORMATS = ("png", "svg", "pdf")
POST_STYLE = {
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.titleweight": "normal",
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.frameon": False,
    "legend.fontsize": 8,
    "axes.unicode_minus": False,  # CJK fonts often lack U+2212
    "svg.hashsalt": "kexue_viz",
    "svg.fonttype": "path",  # text as outlines: the SVG shows Chinese without the font installed
    "pdf.fonttype": 42,
    "savefig.dpi": 150,
}


_COSMETIC_WARNINGS = (  # matplotlib notes about colour arguments HoloViews passes; the output is right
    "Setting the 'color' property will override",
    "You passed an edgecolor/edgecolors",
)
_FIXED_METADATA = {
    "png": {"Software": "kexue_viz"},
    "svg": {"Creator": "kexue_viz", "Date": None},
    "pdf": {"Creator": "kexue_viz", "CreationDate": None},
}


# matplotlib's own font: it has the modifier letters and sub/superscripts (ᵀ, ₀…₉, ᵢ, ⁿ) that
# CJK fonts such as WenQuanYi Micro Hei lack, and it is always installed with matplotlib
GLYPH_FALLBACK_FONTS = ("DejaVu Sans",)


def _installed_fonts() -> set[str]:
    return {font.name for font in font_manager.fontManager.ttflist}


def cjk_font_available() -> str | None:
    """Name of the first installed font from the CJK list, or ``None``."""
    installed = _installed_fonts()
    return next((name for name in CJK_FONTS if name in installed), None)


def font_families() -> list[str]:
    """The installed fonts of the figure text, in fallback order: the CJK list (Chinese and Latin)
    then :data:`GLYPH_FALLBACK_FONTS`. Given as explicit family names, matplotlib (≥ 3.6) takes
    each glyph from the first font in the list that has it (a generic ``sans-serif`` family
    resolves to one font only, whose missing glyphs print as boxes)."""
    installed = _installed_fonts()
    return [name for name in dict.fromkeys((*CJK_FONTS, *GLYPH_FALLBACK_FONTS)) if name in installed]


def _rc() -> dict:
    return {**POST_STYLE, "font.family": font_families() or ["sans-serif"], "font.sans-serif": CJK_FONTS}


def figure_bytes(view, fmt: str = "png", metadata: dict | None = None) -> bytes:
    """Render ``view`` with the matplotlib backend and return the encoded file."""
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {FORMATS}")
    load_backends()
    renderer = hv.Store.renderers["matplotlib"]
    with matplotlib.rc_context(_rc()), warnings.catch_warnings():
        for message in _COSMETIC_WARNINGS:
            warnings.filterwarnings("ignore", message=message)
        plot = renderer.get_plot(view)
        figure = plot.state
        buffer = io.BytesIO()
        info = dict(_FIXED_METADATA[fmt])
        if metadata:
            info["Subject" if fmt == "pdf" else "Description"] = "; ".join(f"{k}={v}" for k, v in metadata.items())
        figure.savefig(buffer, format=fmt, metadata=info, bbox_inches="tight")
    return buffer.getvalue()


def export(view, path, fmt: str | None = None, metadata: dict | None = None) -> Path:
    """Write ``view`` to ``path``; the format comes from ``fmt`` or the file suffix."""
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    path.write_bytes(figure_bytes(view, fmt, metadata))
    return path
