"""Write a HoloViews view to PNG, SVG or PDF through the matplotlib backend, in the post style.

The same view object the dashboard shows is rendered, so an exported figure is exactly the
dashboard's figure. Output is deterministic for the same view (fixed SVG hash salt, no dates),
and the parameters that produced it travel in the file's metadata.

A figure is drawn at a width preset (:data:`WIDTHS`: a blog column or a 16:9 slide) on one
constrained-layout matplotlib figure: a layout's panels sit in a grid of equal cells, each
HoloViews panel drawn into its cell, and then every figure, composed or single view, gets the same
finishing (:func:`finish`): colorbars docked to their panels, legends moved off the data, titles
and axis labels wrapped to their axes, rows as tall as their panels need, only the tick labels
that fit. One font list serves every glyph (:func:`font_families`); SVG keeps text as text.
"""
from __future__ import annotations

import io
import math
import re
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import holoviews as hv
import matplotlib
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator
from matplotlib.transforms import Bbox, ScaledTranslation

from .style import CJK_FONTS, LATIN_FONT, load_backends

FORMATS = ("png", "svg", "pdf")


@dataclass(frozen=True)
class Width:
    """A figure size preset: ``inches`` wide, PNG written at ``dpi``; ``aspect`` (height / width)
    fixes the whole figure's shape, ``None`` lets the panels set its height; ``font_scale``
    multiplies the post style's font sizes."""
    inches: float
    dpi: int
    aspect: float | None = None
    font_scale: float = 1.0

    @property
    def pixels(self) -> int:
        return round(self.inches * self.dpi)


WIDTHS = {
    # 7.5 in at 150 dpi = 1125 px: a blog column ~750 CSS px wide at 1.5× pixel density (crisp on
    # high-density screens), 10-pt text ≈ 13 CSS px there
    "column": Width(7.5, 150),
    # 13.33 × 7.5 in at 144 dpi = 1920 × 1080 px: a 16:9 slide, text 1.4× larger to read from the back
    "slide": Width(40 / 3, 144, 9 / 16, 1.4),
}
PANEL_ASPECT = 0.62  # height / width of a grid cell (and of a single view that states no shape)
SINGLE_ASPECT = (0.35, 0.8)  # the range a single view's own height / width is kept in

POST_STYLE = {
    "font.size": 10,
    "axes.titlesize": 10.5,
    "axes.titleweight": "normal",
    "axes.labelsize": 9.5,
    "xtick.labelsize": 8.5,
    "ytick.labelsize": 8.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.frameon": True,  # an inner legend gets a light box: readable over grid lines and shading
    "legend.framealpha": 0.85,
    "legend.edgecolor": "none",
    "legend.fontsize": 8,
    "legend.columnspacing": 1.0,  # compact legends: more columns fit under a grid panel
    "legend.handlelength": 1.6,
    "svg.hashsalt": "kexue_viz",
    "svg.fonttype": "none",  # text stays text (selectable, searchable); the font-family list goes with it
    "pdf.fonttype": 42,
    "figure.constrained_layout.h_pad": 0.05,
    "figure.constrained_layout.w_pad": 0.05,
}
_FONT_SIZES = ("font.size", "axes.titlesize", "axes.labelsize", "xtick.labelsize", "ytick.labelsize",
               "legend.fontsize")

_COSMETIC_WARNINGS = (  # matplotlib notes about colour arguments HoloViews passes; the output is right
    "Setting the 'color' property will override",
    "You passed an edgecolor/edgecolors",
)
_FIXED_METADATA = {
    "png": {"Software": "kexue_viz"},
    "svg": {"Creator": "kexue_viz", "Date": None},
    "pdf": {"Creator": "kexue_viz", "CreationDate": None},
}


def _installed_fonts() -> set[str]:
    return {font.name for font in font_manager.fontManager.ttflist}


def cjk_font_available() -> str | None:
    """Name of the first installed font from the CJK list, or ``None``."""
    installed = _installed_fonts()
    return next((name for name in CJK_FONTS if name in installed), None)


def font_families() -> list[str]:
    """The installed fonts of the figure text, in fallback order: :data:`~kexue_viz.style.LATIN_FONT`
    (Latin, Greek, mathematical signs, sub- and superscripts, fractions) then the CJK list
    (Chinese). Given as explicit family names, matplotlib (≥ 3.6) takes each glyph from the first
    font in the list that has it. The CJK font is not first: it lacks modifier letters (ᵀ, ᵢ) and
    draws some glyphs it maps wrongly (WenQuanYi Micro Hei's ½ is "1⁄" without the 2, shown as ⅟)."""
    installed = _installed_fonts()
    return [name for name in dict.fromkeys((LATIN_FONT, *CJK_FONTS)) if name in installed]


def _rc(size: Width) -> dict:
    """The post style's matplotlib settings at the preset ``size`` (fonts scaled, its resolution)."""
    families = font_families() or ["sans-serif"]
    sizes = {key: POST_STYLE[key] * size.font_scale for key in _FONT_SIZES}
    return {**POST_STYLE, **sizes, "font.family": families, "font.sans-serif": families,
            "savefig.dpi": size.dpi}


@contextmanager
def post_style(width: str = "column"):
    """Inside the block matplotlib draws in the post style at the preset ``width`` (fonts, sizes,
    resolution), without the cosmetic warnings HoloViews' colour arguments cause."""
    rc = _rc(preset(width))
    load_backends()
    with matplotlib.rc_context(rc), warnings.catch_warnings():
        for message in _COSMETIC_WARNINGS:
            warnings.filterwarnings("ignore", message=message)
        yield


def preset(width: str) -> Width:
    """The :data:`WIDTHS` entry named ``width`` (a ``ValueError`` naming the choices otherwise)."""
    try:
        return WIDTHS[width]
    except KeyError:
        raise ValueError(f"unknown width {width!r}; choose one of {tuple(WIDTHS)}") from None


# ---- drawing ------------------------------------------------------------------------------------
def panels(view) -> tuple[list, int]:
    """The panels of ``view`` and the number of grid columns: a layout's items and its column
    count, or the view alone in one column."""
    if isinstance(view, hv.Layout):
        items = list(view)
        return items, max(1, min(view._max_cols, len(items)))
    return [view], 1


def _own_aspect(view) -> float:
    """A single view's height / width from its matplotlib ``fig_inches`` (within :data:`SINGLE_ASPECT`)."""
    inches = hv.Store.lookup_options("matplotlib", view, "plot").kwargs.get("fig_inches")
    if not isinstance(inches, (tuple, list)) or None in inches:
        return PANEL_ASPECT
    low, high = SINGLE_ASPECT
    return min(max(inches[1] / inches[0], low), high)


def _figure_size(size: Width, items: list, columns: int) -> tuple[float, float]:
    """Width and height in inches to start from: the preset's width; its aspect, else rows of
    cells of :data:`PANEL_ASPECT` (a single view: its own shape)."""
    if size.aspect is not None:
        return size.inches, size.inches * size.aspect
    if len(items) == 1:
        return size.inches, size.inches * _own_aspect(items[0])
    rows = math.ceil(len(items) / columns)
    return size.inches, rows * size.inches / columns * PANEL_ASPECT


def keep_box(plot, view) -> None:
    """Let ``plot``'s axes fill its grid cell (``aspect="auto"``) unless the view asks for a shape:
    equal data units (``aspect="equal"`` or ``data_aspect``) or a square box (HoloViews' default
    ``"square"`` with a square ``fig_inches``)."""
    if plot.aspect == "equal" or plot.data_aspect:
        return
    inches = hv.Store.lookup_options("matplotlib", view, "plot").kwargs.get("fig_inches")
    square = isinstance(inches, (tuple, list)) and inches[0] == inches[1]
    if not (plot.aspect == "square" and square):
        plot.handles["axis"].set_aspect("auto")


def render(view, width: str = "column") -> Figure:
    """``view`` drawn as a matplotlib figure at the preset ``width`` (call inside :func:`post_style`).

    Every panel fills its grid cell, so a grid's panels are equal, except those asking for a shape
    (:func:`keep_box`), centred in their cells. HoloViews draws on a figure without layout and with matplotlib's
    base canvas, which does not draw (each HoloViews colorbar asks for a full draw); the layout
    engine and the Agg canvas come after, and the engine goes once :func:`finish` has laid it out
    (the figure is drawn and saved exactly as laid out)."""
    size = preset(width)
    items, columns = panels(view)
    figure = Figure(figsize=_figure_size(size, items, columns))
    axes = list(figure.subplots(math.ceil(len(items) / columns), columns, squeeze=False).flat)
    renderer = hv.Store.renderers["matplotlib"]
    for axis, item in zip(axes, items):
        keep_box(renderer.get_plot(item, fig=figure, axis=axis), item)
    for axis in axes[len(items):]:
        axis.remove()
    FigureCanvasAgg(figure)
    figure.set_layout_engine("constrained")
    finish(figure, _minimum_height(size, items, columns))
    # the final layout is kept: no engine at all ("none" leaves a placeholder), else a draw or a save
    # would lay out again, differently from what finish measured
    figure.set_layout_engine(None)
    return figure


MINIMUM_AXES_ASPECT = 0.4  # a grid panel's plotting box is at least this × its cell's width high
SINGLE_BOX_SHARE = 0.6  # a single view's plotting box is at least this share of its own shape's height


def _minimum_height(size: Width, items: list, columns: int) -> float:
    """The least plotting box height (inches) :func:`finish` keeps: 0 for a fixed shape (it cannot
    grow), else :data:`MINIMUM_AXES_ASPECT` of a grid cell's width, or for a single view
    :data:`SINGLE_BOX_SHARE` of the height its own shape gives."""
    if size.aspect is not None:
        return 0.0
    if len(items) > 1:
        return size.inches / columns * MINIMUM_AXES_ASPECT
    return size.inches * _own_aspect(items[0]) * SINGLE_BOX_SHARE


# ---- finishing ------------------------------------------------------------------------------------


def _panel_axes(figure: Figure) -> list:
    """The figure's plotting axes (not its colorbars)."""
    return [axis for axis in figure.axes if not hasattr(axis, "_colorbar")]


def finish(figure: Figure, minimum_height: float = 0.0) -> None:
    """What every exported figure gets, on one constrained layout: colorbars docked to their
    panels; legends kept off the data and from crowding their axes; titles and axis labels
    wrapped to their axes; the figure made tall enough that each panel's plotting box is at least
    ``minimum_height`` inches high under its title, axis and legend; only the tick labels that
    fit (see each step). A figure of fixed shape (``minimum_height`` 0: a slide) cannot grow, so
    its legends go beside the axes rather than below. Two layout passes: one to measure the axes
    (without the labels, so that an overlong one does not squeeze its axes first), one final (and
    one more where that final layout left a label longer than its axes)."""
    dock_colorbars(figure)
    labels = _labels(figure)
    for _, text, _, _ in labels:
        text.set_in_layout(False)
    renderer = figure.canvas.get_renderer()
    cell = figure.get_figwidth() * figure.dpi / max(axis.get_gridspec().ncols for axis in _panel_axes(figure))
    legends = [axis.get_legend() for axis in _panel_axes(figure) if axis.get_legend() is not None]
    below = [legend for legend in legends if minimum_height
             and not _inside(legend, legend.axes, renderer) and _too_wide(legend, cell, renderer)]
    below = [legend_below(legend, cell, renderer) for legend in below]
    _grow(figure, minimum_height, below, renderer)  # before measuring: y labels wrap to the boxes' height
    engine = figure.get_layout_engine()
    engine.execute(figure)
    crowded = crowded_legends(figure, renderer)
    if minimum_height:
        below += crowded
    else:
        for legend in crowded:
            legend_beside(legend)
    fit_labels(labels, renderer)
    below = [legend_below(legend, cell, renderer) for legend in below]  # again: the x label is wrapped now
    _grow(figure, minimum_height, below, renderer)
    engine.execute(figure)
    if fit_labels(labels, renderer, overflowing_only=True):  # a box the final layout made narrower
        engine.execute(figure)
    thin_tick_labels(figure, renderer)


COLORBAR_BOUNDS = (1.03, 0.0, 0.045, 1.0)  # a colorbar beside its panel, in the panel's axes fraction


def dock_colorbars(figure: Figure) -> None:
    """Re-attach each colorbar to its panel, as an inset just right of the panel's box (which a
    fixed data aspect may have shrunk inside its cell): HoloViews draws one as a free axes beside
    where its panel was when drawn, which a layout engine neither moves with the panel nor makes
    room for; an inset moves with it and counts in its extent. Ticks, their labels and the colorbar's label are kept."""
    for cax in [axis for axis in figure.axes if hasattr(axis, "_colorbar")]:
        old = cax._colorbar
        locator, formatter = old.locator, old.formatter
        label, extend, parent = cax.get_ylabel(), old.extend, old.mappable.axes
        cax.remove()
        new = figure.colorbar(old.mappable, cax=parent.inset_axes(COLORBAR_BOUNDS), extend=extend)
        new.locator, new.formatter = locator, formatter
        new.set_label(label)


_CJK = "\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef"
_CLOSING = "）)，,。：:；;、」’”·"
# the units a line may break between: first the phrases (up to a space, after a comma or colon, before
# a full-width opening bracket), else also between CJK characters (each with the closing punctuation after it)
_PHRASES = re.compile(rf"（?[^\s（]+?(?:[{_CLOSING}]+|\s+|(?=（)|$)\s*|\s+")
_CHARACTERS = re.compile(rf"[^\s{_CJK}]+\s*|[^\s][{_CLOSING}]*\s*|\s+")


# a relation or operator keeps its operands on its line ("b = ε√B/σ = 0.497" is one unit, not "b" over "= …")
_OPERATOR = re.compile(r"[=≈≠≤≥<>+−×·/→∝]$")


_WIDE = re.compile(rf"[{_CJK}]")


def _glued(units: list[str]) -> list[str]:
    """``units`` with each one joined to the one before where no line should break between them: it
    starts with an operator or follows one, or the two touch inside a formula (no space, neither side
    CJK: "ΔW(全量)" + "‖/‖…")."""
    glued: list[str] = []
    for unit in units:
        previous = glued[-1] if glued else ""
        touching = previous and not previous[-1].isspace() and not unit[0].isspace() \
            and not _WIDE.match(previous[-1]) and not _WIDE.match(unit[0])
        if previous and (touching or _OPERATOR.match(unit.lstrip()[:1]) or _OPERATOR.search(previous.rstrip())):
            glued[-1] += unit
        else:
            glued.append(unit)
    return glued


def _greedy(units: list[str], fits) -> list[str]:
    lines, line = [], ""
    for unit in units:
        if line.strip() and not fits((line + unit).rstrip()):
            lines.append(line.rstrip())
            line = unit.lstrip()
        else:
            line += unit
    return [*lines, line.rstrip()]


def _lines(paragraph: str, measure, room: float) -> list[str]:
    """``paragraph`` in lines no wider than ``room`` where it can be: greedily between phrases, or,
    where a phrase alone is too long, also between words and CJK characters."""
    fits = lambda line: measure(line) <= room  # noqa: E731
    by_phrase = _greedy(_glued(_PHRASES.findall(paragraph)), fits)
    return by_phrase if all(map(fits, by_phrase)) else _greedy(_CHARACTERS.findall(paragraph), fits)


def wrap(text: str, measure, room: float) -> str:
    """``text`` broken into lines that ``measure`` (a line's width) finds no wider than ``room``
    where it can, balanced: the narrowest room giving as few lines is used, so that a last line is
    not left with a word (a unit too long alone keeps its own line)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        best = _lines(paragraph, measure, room)
        for share in (0.9, 0.8, 0.7, 0.6):
            narrower = _lines(paragraph, measure, share * room)
            if len(narrower) > len(best) or max(map(measure, narrower)) > room:
                break
            best = narrower
        lines += best
    return "\n".join(lines)


def _labels(figure: Figure) -> list[tuple]:
    """(axes, text, "width" or "height", its string) for each non-empty title and axis label of
    the panels."""
    return [(axis, text, along, text.get_text()) for axis in _panel_axes(figure)
            for text, along in ((axis.title, "width"), (axis._left_title, "width"), (axis._right_title, "width"),
                                (axis.xaxis.label, "width"), (axis.yaxis.label, "height"))
            if text.get_text()]


def _text_width(text: str, source, renderer) -> float:
    """The width in pixels of ``text`` in the font of the matplotlib text ``source``."""
    width, _, _ = renderer.get_text_width_height_descent(text, source.get_fontproperties(), ismath=False)
    return width


def fit_labels(labels: list[tuple], renderer, overflowing_only: bool = False) -> bool:
    """Wrap each title and x label (from its string) to its axes' width and each y label to its
    height, and put it (back) in the layout; with ``overflowing_only`` only those now longer than
    that. Whether any text changed."""
    changed = False
    for axis, text, along, string in labels:
        axis.apply_aspect()  # a fixed data aspect shrinks the box laid out only when drawn
        box = axis.get_window_extent(renderer)
        room = box.width if along == "width" else box.height
        extent = text.get_window_extent(renderer)
        if overflowing_only and (extent.width if along == "width" else extent.height) <= room + 1:
            continue
        wrapped = wrap(string, lambda line: _text_width(line, text, renderer), room)
        changed |= wrapped != text.get_text()
        text.set_text(wrapped)
        text.set_in_layout(True)
    return changed


TICK_GAP = 4.0  # pixels at least between neighbouring tick labels


def thin_tick_labels(figure: Figure, renderer) -> None:
    """Keep the x tick labels a view set itself (categories, captions) that fit: where neighbours
    overlap, every k-th one, for the smallest k that leaves none overlapping (matplotlib's own
    number ticks are spaced already)."""
    for axis in _panel_axes(figure):
        if not isinstance(axis.xaxis.get_major_locator(), FixedLocator):
            continue
        locations, labels = axis.get_xticks(), axis.get_xticklabels()
        boxes = [label.get_window_extent(renderer) for label in labels]
        step = next(step for step in range(1, len(boxes) + 1)
                    if all(a.x1 + TICK_GAP <= b.x0 for a, b in zip(boxes[::step], boxes[step::step])))
        if step > 1:
            axis.set_xticks(locations[::step], [label.get_text() for label in labels[::step]])


def covers_data(legend, axis, renderer) -> bool:
    """Whether ``legend``'s box meets a line, a segment or a marker of ``axis`` (shaded areas and
    images do not count: a legend over shading reads fine)."""
    box = legend.get_window_extent(renderer)
    for line in axis.get_lines():
        path = line.get_transform().transform_path(line.get_path())
        if line.get_visible() and path.intersects_bbox(box, filled=False):
            return True
    for collection in axis.collections:
        if not collection.get_visible():
            continue
        if isinstance(collection, PathCollection) and len(collection.get_offsets()):
            points = collection.get_offset_transform().transform(collection.get_offsets())
            if box.count_contains(points):
                return True
        if isinstance(collection, LineCollection):
            transform = collection.get_transform()
            paths = (transform.transform_path(path) for path in collection.get_paths())
            if any(path.intersects_bbox(box, filled=False) for path in paths):
                return True
    return False


def _inside(legend, axis, renderer) -> bool:
    """Whether ``legend`` sits within its axes (HoloViews' ``inner`` and corner positions)."""
    box, frame = legend.get_window_extent(renderer), axis.get_window_extent(renderer)
    return frame.contains((box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2)


OUTSIDE_SHARE = 0.3  # a legend beside its axes may be this share of its grid cell's width; a wider one goes below


def _too_wide(legend, cell: float, renderer) -> bool:
    """Whether ``legend`` is wider than :data:`OUTSIDE_SHARE` of a grid cell ``cell`` pixels wide."""
    return legend.get_window_extent(renderer).width > OUTSIDE_SHARE * cell


def crowded_legends(figure: Figure, renderer) -> list:
    """The legends that must leave their axes: one inside that covers data goes first where
    matplotlib finds the least data (``loc="best"``); it is listed if it still covers data."""
    crowded = []
    for axis in _panel_axes(figure):
        legend = axis.get_legend()
        if legend is None or not _inside(legend, axis, renderer) or not covers_data(legend, axis, renderer):
            continue
        legend.set_loc("best")
        if covers_data(legend, axis, renderer):
            crowded.append(legend)
    return crowded


def legend_beside(legend) -> None:
    """Put ``legend`` to the right of its axes, top-aligned (the layout makes room)."""
    legend.set_loc("upper left")
    legend.set_bbox_to_anchor((1.02, 1.0), transform=legend.axes.transAxes)


def legend_below(legend, cell: float, renderer):
    """``legend`` redrawn under its x axis (ticks and label), centred, in as many columns as fit
    its grid cell, ``cell`` pixels wide; returns the new legend (matplotlib lays out a legend's
    columns only when it is made)."""
    axis, figure = legend.axes, legend.figure
    ticks = axis.xaxis.get_tightbbox(renderer) or axis.get_window_extent(renderer)  # None for a hidden axis
    drop = (axis.get_window_extent(renderer).y0 - ticks.y0) / figure.dpi + 0.04
    under_ticks = axis.transAxes + ScaledTranslation(0, -drop, figure.dpi_scale_trans)
    handles, labels = legend.legend_handles, [text.get_text() for text in legend.texts]
    for columns in range(len(handles), 0, -1):
        legend = axis.legend(handles, labels, ncols=columns, loc="upper center", bbox_to_anchor=(0.5, 0.0),
                             bbox_transform=under_ticks, fontsize=legend.texts[0].get_fontsize())
        if legend.get_window_extent(renderer).width <= cell:
            break
    return legend


ROW_PAD = 0.12  # inches between a row's lowest text and the next row's title
SHAPED_SHARE = 0.8  # a panel of fixed data aspect is given a box this share of its cell's width (or as high)


def _box_height(axis, minimum_height: float, cell: float) -> float:
    """The plotting box height (inches) a panel needs: ``minimum_height``, or for a panel of fixed
    data aspect the height its shape takes at :data:`SHAPED_SHARE` of its cell, ``cell`` inches
    wide (at most that width)."""
    aspect = axis.get_aspect()
    if aspect == "auto":
        return minimum_height
    ratio = min(float(aspect) * axis.get_data_ratio(), 1.0)
    return max(minimum_height, SHAPED_SHARE * cell * ratio)


def _grow(figure: Figure, minimum_height: float, below: list, renderer) -> None:
    """Make ``figure`` tall enough that every row of panels has the plotting box height each of
    its panels needs (:func:`_box_height`) plus its tallest title, x axis (ticks and label) and
    legend ``below`` it; the rows' heights are shared in proportion to their boxes (a fixed shape,
    ``minimum_height`` 0, is left as it is)."""
    if not minimum_height:
        return
    boxes: dict[int, float] = {}
    texts: dict[int, float] = {}
    for axis in _panel_axes(figure):
        ticks = axis.xaxis.get_tightbbox(renderer)  # None for a hidden axis
        extra = axis.title.get_window_extent(renderer).height + (ticks.height if ticks is not None else 0.0)
        if axis.get_legend() in below:
            extra += axis.get_legend().get_window_extent(renderer).height
        spec = axis.get_subplotspec()
        row, cell = spec.rowspan.start, figure.get_figwidth() / spec.get_gridspec().ncols
        boxes[row] = max(boxes.get(row, 0.0), _box_height(axis, minimum_height, cell))
        texts[row] = max(texts.get(row, 0.0), extra / figure.dpi + ROW_PAD)
    grid = _panel_axes(figure)[0].get_gridspec()
    grid.set_height_ratios([boxes.get(row, minimum_height) for row in range(grid.nrows)])
    figure.set_figheight(max(figure.get_figheight(), sum(boxes.values()) + sum(texts.values())))


# ---- writing ------------------------------------------------------------------------------------
def _trimmed(figure: Figure, pad: float = 0.04) -> Bbox:
    """The figure's drawn extent in inches plus ``pad``, from its final layout (saving then does
    not draw twice to find the extent, as ``bbox_inches="tight"`` does)."""
    return figure.get_tightbbox(figure.canvas.get_renderer()).padded(pad)


def figure_files(view, formats=FORMATS, metadata: dict | None = None, width: str = "column") -> dict[str, bytes]:
    """Render ``view`` once with the matplotlib backend at the preset ``width`` (:data:`WIDTHS`) and
    return it encoded in each of ``formats``, format -> file; each file is byte-identical to that
    format's export alone (the figure is laid out and trimmed before the first save, which changes nothing)."""
    formats = [fmt.lower() for fmt in formats]
    unknown = [fmt for fmt in formats if fmt not in FORMATS]
    if unknown:
        raise ValueError(f"unknown format {unknown[0]!r}; choose one of {FORMATS}")
    files = {}
    with post_style(width):
        figure = render(view, width)
        box = _trimmed(figure)
        for fmt in formats:
            buffer = io.BytesIO()
            figure.savefig(buffer, format=fmt, metadata=_metadata(fmt, metadata), bbox_inches=box)
            files[fmt] = buffer.getvalue()
    return files


def _metadata(fmt: str, metadata: dict | None) -> dict:
    """The file metadata of format ``fmt``: the fixed entries, and ``metadata`` as ``key=value; …``
    in the PDF subject or the PNG/SVG description."""
    info = dict(_FIXED_METADATA[fmt])
    if metadata:
        info["Subject" if fmt == "pdf" else "Description"] = "; ".join(f"{k}={v}" for k, v in metadata.items())
    return info


def figure_bytes(view, fmt: str = "png", metadata: dict | None = None, width: str = "column") -> bytes:
    """Render ``view`` with the matplotlib backend at the preset ``width`` (:data:`WIDTHS`) and
    return the encoded file (:func:`figure_files` for one format)."""
    return figure_files(view, (fmt,), metadata, width)[fmt.lower()]


def export(view, path, fmt: str | None = None, metadata: dict | None = None, width: str = "column") -> Path:
    """Write ``view`` to ``path`` at the preset ``width``; the format comes from ``fmt`` or the file suffix."""
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    path.write_bytes(figure_bytes(view, fmt, metadata, width))
    return path
