"""One post style for both HoloViews backends: the Okabe–Ito colour-blind-safe palette, a colour
per quantity used the same way in every view, and option names translated per backend so a view
draws the same in the dashboard (Bokeh) and in an exported figure (matplotlib)."""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

import holoviews as hv
from holoviews.core.dimension import LabelledData
import numpy as np

from . import plot

_BACKENDS: ContextVar[tuple[str, ...]] = ContextVar("kexue_viz_style_backends", default=("bokeh", "matplotlib"))

OKABE_ITO = ["#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"]
COLORS = {
    "input": "#000000",
    "reconstruction": "#D55E00",
    "measure": "#56B4E9",
    "cursor": "#999999",
    "optimal": "#009E73",
    "online": "#D55E00",
    "continuous": "#0072B2",
    "discrete": "#E69F00",
    "exact": "#009E73",
    "stability": "#56B4E9",
}
CYCLE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
# exported figures' fonts (kexue_viz.export.font_families): matplotlib's own font, always installed, for every
# glyph it has (Latin, Greek, signs, sub/superscripts, ½), then the first installed CJK font for Chinese
LATIN_FONT = "DejaVu Sans"
CJK_FONTS = ["WenQuanYi Micro Hei", "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "SimHei"]

_RENAMES = {
    "matplotlib": {"line_width": "linewidth", "line_dash": "linestyle", "size": "s", "fill_alpha": "alpha",
                   "fill_color": "facecolor"},
    "bokeh": {},
}
_ONLY = {
    "bokeh": {"tools", "active_tools", "responsive", "height", "min_height", "width", "fill_alpha",
              "muted_alpha", "toolbar", "default_tools", "hover_tooltips", "frame_width", "frame_height"},
    "matplotlib": {"fig_inches", "aspect", "sublabel_format"},
}
_DASH = {"dashed": "--", "dotted": ":", "solid": "-", "dashdot": "-."}
_MARKER = {"circle": "o", "square": "s", "triangle": "^", "diamond": "D", "cross": "+"}


def marker_area(diameter: float) -> float:
    """matplotlib's marker size ``s`` (area, points²) for a Bokeh marker ``size`` (diameter, CSS
    pixels of 0.75 pt): the same marker on paper as on screen."""
    return (0.75 * diameter) ** 2


def translate(backend: str, options: dict) -> dict:
    """``options`` (Bokeh names) as ``backend`` spells them; options of the other backend only are dropped."""
    other = "matplotlib" if backend == "bokeh" else "bokeh"
    out = {}
    for key, value in options.items():
        if key in _ONLY[other] and key not in _ONLY[backend]:
            continue
        if backend == "matplotlib" and key == "line_dash":
            value = _DASH.get(value, value)
        if backend == "matplotlib" and key == "marker":
            value = _MARKER.get(value, value)
        if backend == "matplotlib" and key == "size" and isinstance(value, (int, float)):
            value = marker_area(value)
        out[_RENAMES[backend].get(key, key)] = value
    return out


@contextmanager
def only(*backends: str):
    """Style for these backends only inside the block (a live dashboard skips matplotlib's
    options, which halves the cost of building a view; exports use the default, both)."""
    token = _BACKENDS.set(backends)
    try:
        yield
    finally:
        _BACKENDS.reset(token)


def active_backends() -> tuple[str, ...]:
    """The backends :func:`styled` currently styles for (part of any cache key of styled views)."""
    return _BACKENDS.get()


# see _style_key: per key, a holder of the HoloViews option-tree id built for it. HoloViews drops a
# tree once no object carrying its id is alive, so the cache keeps one such (data-free) object.
_STYLE_IDS: dict[tuple, LabelledData] = {}
_STYLE_IDS_MAX = 4096  # options computed from data could grow it without end: start afresh beyond
_SCALARS = (str, int, float, bool, type(None), np.number, np.bool_)


def _frozen(value):
    """``value`` as a hashable key part, or ``None`` when it is not made of plain scalars."""
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, (list, tuple)):
        parts = [_frozen(item) for item in value]
        return None if any(part is None and item is not None for part, item in zip(parts, value)) else tuple(parts)
    return None


def _style_key(element, options: dict) -> tuple | None:
    """What fixes the option tree :func:`styled` gives a single element: its type, group, label,
    the options it already carries (its ``id``), the backends styled and the options. ``None``
    (no reuse) for containers (overlays, layouts) and for options that are not plain values."""
    if not isinstance(element, hv.Element):
        return None
    frozen = tuple(sorted((key, _frozen(value)) for key, value in options.items()))
    if any(part is None and options[key] is not None for key, part in frozen):
        return None
    return type(element), element.group, element.label, element.id, _BACKENDS.get(), frozen


def styled(element, **options):
    """Apply ``options`` (Bokeh names; matplotlib-only ones like ``fig_inches`` allowed) to
    ``element`` for every loaded backend (see :func:`only`), translated per backend. Returns a
    styled copy; ``element`` itself is unchanged.

    Resolving options is the dearest step of building a view (~1 ms per element against ~0.3 ms
    to construct it), and a live view restyles the same kinds of element on every update: the
    option tree built for a key (see :func:`_style_key`) is reused by id.

    A deferred view (:mod:`kexue_viz.plot`) only records the call, with the backends active now;
    :func:`kexue_viz.plot.materialize` replays it here."""
    if isinstance(element, plot.Spec):
        return element.styled(_BACKENDS.get(), options)
    if not {"bokeh", "matplotlib"} <= set(hv.Store.renderers):
        load_backends()
    key = _style_key(element, options)
    if key is not None and key in _STYLE_IDS:
        return element.clone(id=_STYLE_IDS[key].id)
    for backend in _BACKENDS.get():
        element = element.opts(**translate(backend, options), backend=backend)
    if key is not None:
        if len(_STYLE_IDS) >= _STYLE_IDS_MAX:
            _STYLE_IDS.clear()
        holder = LabelledData(None)
        holder.id = element.id  # registers with HoloViews: the tree lives while the holder does
        _STYLE_IDS[key] = holder
    return element


def load_backends() -> None:
    """Load Bokeh (interactive, current) and matplotlib (export) backends once."""
    current = hv.Store.current_backend if hv.Store.renderers else "bokeh"
    import holoviews.plotting.bokeh  # noqa: F401  (registers the renderer)
    import holoviews.plotting.mpl  # noqa: F401

    if hv.Store.current_backend != current:  # setting it anew rebuilds HoloViews' option builders (~0.1 s)
        hv.Store.set_current_backend(current)


def per_backend(element, bokeh: dict | None = None, matplotlib: dict | None = None):
    """Options spelled per backend, one ``opts`` call per backend being styled (a live
    dashboard styles Bokeh only, see :func:`kexue_viz.style.only`)."""
    if not {"bokeh", "matplotlib"} <= set(hv.Store.renderers):
        load_backends()
    for backend, options in (("bokeh", bokeh), ("matplotlib", matplotlib)):
        if options and backend in active_backends():
            element = element.opts(backend=backend, **options)
    return element
