"""Fast in-place updates of a Bokeh figure rendered from a HoloViews view.

HoloViews' own update path (a DynamicMap per plot) re-resolves options, recomputes ranges and
rebuilds glyph properties on every frame: measured ~70 ms per plot in a served dashboard, so a
page of six plots answered a slider move in ~450 ms. :class:`LivePlot` renders the view once
with HoloViews (same styling as the notebook and the export) and, while the view's structure
stays the same (layer types, labels, dimensions, axis options), only pushes the new data into
the existing Bokeh sources and annotations. Any structural change renders afresh. Axes without
explicit limits auto-range in the browser (``DataRange1d``).

Building the HoloViews elements of a view was then most of an update's cost (~1.5–2 ms per
element, ~86 % of a HiPPO slider move), so views built with :mod:`kexue_viz.plot` arrive here as
specs, and the new data of the common layer kinds (:data:`GLYPH_COLUMNS`,
:data:`ANNOTATION_PROPERTIES`) are computed from the specs directly; HoloViews builds only what
is rendered, and the layers this module cannot (or, as checked at each render, does not)
reproduce exactly.
"""
from __future__ import annotations

import functools
from typing import Callable, NamedTuple

import holoviews as hv
import numpy as np
import pandas as pd
import panel as pn
from bokeh.document import Document
from bokeh.models import DataRange1d, FactorRange
from holoviews.core.util import dimension_sanitizer
from holoviews.operation.element import interpolate_curve

from . import figures, plot

_STRUCTURAL_OPTIONS = ("logx", "logy", "width", "height", "data_aspect", "legend_position",
                       "xticks", "yticks", "responsive", "show_legend")


def plot_options(view) -> dict:
    """The Bokeh options (title, limits, axes) in force for ``view``: recorded on a deferred view,
    looked up in HoloViews' option tree for a HoloViews object."""
    if isinstance(view, plot.Spec):
        return view.options("bokeh")
    return hv.Store.lookup_options("bokeh", view, "plot").kwargs


def layer_key(layer) -> tuple:
    """A layer's type, group, label and dimension names (the source's columns and the legend)."""
    if isinstance(layer, plot.ElementSpec):
        return layer.kind, layer.group, layer.label, layer.dimension_names()
    return type(layer).__name__, layer.group, layer.label, tuple(d.name for d in layer.dimensions())


def signature(view) -> tuple:
    """What must stay equal for an in-place update: per layer :func:`layer_key`, the
    axis-defining options, and which axes have explicit limits (their values are updated in
    place, see :func:`axis_limits`)."""
    options = plot_options(view)
    return (tuple(layer_key(layer) for layer in plot.layers(view)),
            tuple((key, repr(options.get(key))) for key in _STRUCTURAL_OPTIONS),
            tuple(limit_kind(options.get(key)) for key in ("xlim", "ylim")))


def limit_kind(limit) -> str:
    """How an ``xlim``/``ylim`` option shapes its axis: ``"auto"`` (none given: the browser
    auto-ranges), ``"fixed"`` (both ends given: moved in place by :meth:`LivePlot.refresh`), or
    the limit itself when one end is ``None`` (HoloViews takes it from the data: structural)."""
    if limit is None:
        return "auto"
    return "fixed" if None not in tuple(limit) else repr(limit)


def axis_limits(options: dict) -> list[tuple[str, tuple]]:
    """The fixed limits among ``xlim``/``ylim`` as ``[(option, (start, end))]``."""
    return [(key, tuple(options[key])) for key in ("xlim", "ylim") if limit_kind(options.get(key)) == "fixed"]


def axis_labels(view) -> tuple[str, str]:
    """The x and y axis titles HoloViews gives ``view``: the ``xlabel``/``ylabel`` options,
    else the first layer's key dimension and its first value dimension (its second key
    dimension when it has no value dimension). Labels may change in place; names may not (they
    name the source's columns)."""
    options = plot_options(view)
    labels = next((dimension_labels(layer) for layer in plot.layers(view) if dimension_labels(layer)), ())
    x, y = (labels + ("", ""))[:2]
    return options.get("xlabel") or x, options.get("ylabel") or y


def dimension_labels(layer) -> tuple[str, ...]:
    """A layer's dimensions' axis titles, or ``()`` when it has no key dimension."""
    if isinstance(layer, plot.ElementSpec):
        return layer.dimension_labels() if layer.dims("kdims") else ()
    return tuple(d.pprint_label for d in layer.dimensions()) if layer.kdims else ()


# ---- Bokeh data straight from a spec ---------------------------------------------------------
# Per element kind: (spec, its columns by dimension name) -> (the glyph's source
# columns as HoloViews' ``get_data`` builds them, the dimension columns its hover data come from).
# ``None``: not computable here (HoloViews builds it). Checked against HoloViews at every render
# (:meth:`LivePlot._fast_layers`), so a wrong mapping only makes that layer slow, never wrong.
_STEPS = {"steps-pre": interpolate_curve.pts_to_prestep, "steps-mid": interpolate_curve.pts_to_midstep,
          "steps-post": interpolate_curve.pts_to_poststep}


def _curve_columns(layer, columns: dict):
    """Curve: x and y; stepped first when ``interpolation`` is a steps mode (HoloViews' own step
    functions, applied to every dimension as ``interpolate_curve`` does)."""
    names = list(columns)
    steps = _STEPS.get(layer.options("bokeh").get("interpolation", "linear"))
    if steps is not None:
        x, rest = steps(columns[names[0]], tuple(columns[name] for name in names[1:]))
        columns = dict(zip(names, (x, *rest)))
    return {name: columns[name] for name in names[:2]}, columns


def _point_columns(layer, columns: dict):
    """Scatter/Points: the first two dimensions under their names."""
    return {name: columns[name] for name in list(columns)[:2]}, columns


def _spike_columns(layer, columns: dict):
    """Spikes: ``x``, ``y0 = position``, ``y1 = value + position`` (a fixed ``spike_length`` or a
    single dimension is left to HoloViews)."""
    names, options = list(columns), layer.options("bokeh")
    if len(names) < 2 or "spike_length" in options:
        return None
    position = options.get("position", 0)
    x = columns[names[0]]
    return {"x": x, "y0": np.full(len(x), position), "y1": columns[names[1]] + position}, columns


def _segment_columns(layer, columns: dict):
    """Segments: the four key dimensions under their sanitized names."""
    return {dimension_sanitizer(name): columns[name] for name in list(columns)[:4]}, columns


def _rectangle_columns(layer, columns: dict):
    """Rectangles: ``left/right/bottom/top`` as the ordered corners."""
    x0, y0, x1, y1 = (columns[name] for name in list(columns)[:4])
    return {"left": np.minimum(x0, x1), "right": np.maximum(x0, x1),
            "bottom": np.minimum(y0, y1), "top": np.maximum(y0, y1)}, columns


def _label_columns(layer, columns: dict):
    """Labels: x and y under their sanitized names, the text dimension formatted by its
    ``pprint_value``."""
    x, y, text = list(columns)[:3]
    dimension = hv.Dimension(layer.dimensions()[2])
    return {dimension_sanitizer(x): columns[x], dimension_sanitizer(y): columns[y],
            dimension_sanitizer(text): [dimension.pprint_value(v) for v in columns[text]]}, columns


GLYPH_COLUMNS = {"Curve": _curve_columns, "Scatter": _point_columns, "Points": _point_columns,
                 "Spikes": _spike_columns, "Segments": _segment_columns, "Rectangles": _rectangle_columns,
                 "Labels": _label_columns}
ANNOTATION_PROPERTIES = {  # the Bokeh annotation's properties from the element's positional data
    "VLine": lambda x: {"location": x}, "HLine": lambda y: {"location": y},
    "VSpan": lambda x1=None, x2=None: {"left": x1, "right": x2},
    "HSpan": lambda y1=None, y2=None: {"bottom": y1, "top": y2},
}


def _image_data(layer) -> dict | None:
    """An Image given as a 2-D array with explicit ``bounds=(l, b, r, t)``: the array upside down (Bokeh's
    row 0 is at the bottom) and its placement, as HoloViews' ``get_data`` gives them; ``None`` for any
    other form (left to HoloViews)."""
    data, bounds = (layer.args[0] if layer.args else None), layer.kwargs.get("bounds")
    if not isinstance(data, np.ndarray) or data.ndim != 2 or bounds is None:
        return None
    left, bottom, right, top = bounds
    return {"x": [left], "y": [bottom], "dw": [right - left], "dh": [top - bottom], "image": [np.flipud(data)]}


def fast_data(layer, hover: bool) -> dict | None:
    """What an update of ``layer`` sends, computed from its spec without building an element:
    the source's columns (glyphs; with ``hover`` the dimension columns under their sanitized
    names, as HoloViews adds them for the hover tool) or the annotation's properties. ``None``
    when this module has no mapping for the layer."""
    if not isinstance(layer, plot.ElementSpec):
        return None
    if layer.kind in ANNOTATION_PROPERTIES:
        return ANNOTATION_PROPERTIES[layer.kind](*layer.args)
    if layer.kind == "Image":
        return _image_data(layer)
    mapping, columns = GLYPH_COLUMNS.get(layer.kind), layer.columns()
    result = mapping(layer, columns) if mapping and columns is not None else None
    if result is None:
        return None
    data, dimension_columns = result
    if hover:
        for name, values in dimension_columns.items():
            data.setdefault(dimension_sanitizer(name), values)
    return data


def same_values(old, new) -> bool:
    """Equality of plot data (NaN equal to NaN): arrays, data frames, dicts of columns, (ragged)
    lists of them; a list equals an array holding the same values."""
    if old is new:
        return True
    if isinstance(old, pd.DataFrame) or isinstance(new, pd.DataFrame):
        return isinstance(old, pd.DataFrame) and isinstance(new, pd.DataFrame) and old.equals(new)
    if isinstance(old, dict) or isinstance(new, dict):
        return isinstance(old, dict) and isinstance(new, dict) and same_columns(old, new)
    if isinstance(old, (list, tuple)) and isinstance(new, (list, tuple)):
        return len(old) == len(new) and all(same_values(a, b) for a, b in zip(old, new))
    try:
        old, new = np.asarray(old), np.asarray(new)
    except ValueError:  # ragged list against an array
        return False
    try:
        return np.array_equal(old, new, equal_nan=True)
    except TypeError:  # strings, objects: no NaN test
        return np.array_equal(old, new)


def same_columns(old: dict, new: dict) -> bool:
    """True when two column dictionaries hold equal values under the same names."""
    return old.keys() == new.keys() and all(same_values(old[k], new[k]) for k in new)


@functools.cache
def bokeh_renderer():
    """HoloViews' Bokeh renderer in ``server`` mode: the one mode in which ``get_plot`` attaches the
    plot to the ``doc`` it is given. Otherwise it attaches the plot (its session-end hook and its
    theme) to ``bokeh.io.curdoc()``: a module-level Document when called outside a Bokeh callback,
    and whichever session's document Bokeh has patched in (possibly another reader's) inside one.

    Plots draw on a 2-D canvas, not WebGL (HoloViews' default): the views hold at most a few thousand
    points, where WebGL gains nothing and costs a read-back of its buffer on every paint. Where the
    browser has no GPU (software GL) that read-back dominated a page's first paint: 243 ms of the
    Adam-ε page's 1.8 s sampled in Chromium's profiler (``blit_webgl``); first paint over a minimal
    page went from 1.65 to 1.24 (``benchmarks/bench_first_paint.py``)."""
    return hv.renderer("bokeh").instance(mode="server", webgl=False)


def _set_colour_limits(layer, subplot) -> None:
    """Move a colour-mapped layer's colour limits to its ``clim`` option (an image whose range changes)."""
    mapper = subplot.handles.get("color_mapper")
    clim = layer.options("bokeh").get("clim") if isinstance(layer, plot.ElementSpec) else None
    if mapper is None or clim is None or None in clim:
        return
    low, high = (float(value) for value in clim)
    if (mapper.low, mapper.high) != (low, high):
        mapper.update(low=low, high=high)


class LivePlot:
    """A Panel Bokeh pane showing ``build()`` (a view built with :mod:`kexue_viz.plot`, or any
    HoloViews object); call :meth:`refresh` when its inputs change.

    ``build()`` runs inside :func:`kexue_viz.plot.deferred`, so a converted view comes back as a
    spec. A structural change (:func:`signature`) renders ``materialize(view)`` with HoloViews;
    otherwise each changed layer's new data go into its Bokeh source or annotation: computed
    by :func:`fast_data` from the spec for the layers whose fast data matched what HoloViews drew
    at the render ("fast" layers), else by HoloViews' ``get_data`` on that one layer."""

    renders = 0  # full renders by all live plots of the process (the update benchmark reports it)

    def __init__(self, build: Callable[[], object], css_classes=()):
        self.build = build
        self.pane = pn.pane.Bokeh(None, css_classes=list(css_classes), sizing_mode="stretch_width")
        self._signature = None
        self._plot = None  # HoloViews' plot of the last render
        self._subplots: list = []
        self._layers: list = []
        self._fast: list[bool] = []
        self._figure = None
        self._labels: tuple[str, str] = ("", "")
        self._labels_follow = False
        self.refresh()

    def document(self) -> Document | None:
        """The document the figure is shown in (a served session's, once the page holds it)."""
        return self._figure.document if self._figure is not None else None

    def _plot_document(self) -> Document:
        """The document HoloViews attaches a render to (it gives it its theme and hooks the plot's
        cleanup to the session's end): the served document the figure is shown in, else the one of
        the session being built; without a server (notebook, tests, CLI) one of the live plot's own."""
        document = self.document() or pn.state.curdoc
        if document is not None and document.session_context is not None:
            return document
        return self._own_document

    @functools.cached_property
    def _own_document(self) -> Document:
        return Document()

    def refresh(self) -> None:
        with plot.deferred():
            view = self.build()
        shape = signature(view)
        if shape != self._signature or (self._labels_follow is False and axis_labels(view) != self._labels):
            self._render(view, shape)
            return
        new_layers = plot.layers(view)
        for layer, previous, subplot, fast in zip(new_layers, self._layers, self._subplots, self._fast):
            if previous is layer or same_values(data_of(previous), data_of(layer)):  # nothing to send
                continue
            if not self._update_layer(layer, subplot, fast):
                self._render(view, shape)
                return
        self._layers = new_layers
        self._hide_empty_legend_items()
        options = plot_options(view)
        self._set_limits(options)
        self._set_axis_labels(axis_labels(view))
        title = options.get("title")
        if title is not None and self._figure.title.text != title:
            self._figure.title.text = title

    @staticmethod
    def _update_layer(layer, subplot, fast: bool) -> bool:
        """Push ``layer``'s data into its Bokeh model; ``False`` when only a full render can."""
        glyph = "glyph_renderer" in subplot.handles
        # a fast layer can come back as a real element (a view's last good result, built outside
        # a live plot): fast_data has no spec to read then, and HoloViews converts it
        data = fast_data(layer, "hover" in subplot.handles) if fast else None
        if data is None:
            data, mapping, _ = subplot.get_data(plot.materialize(layer), {}, {})
            data = data if glyph else mapping
        if glyph:
            source = subplot.handles["source"]
            if data.keys() != source.data.keys():
                # a column the first render made (a style mapped to a dimension, folded
                # when constant) is missing here: only a full render draws it right
                return False
            if not same_columns(source.data, data):  # unchanged layers send nothing
                source.data = data
            _set_colour_limits(layer, subplot)
            return True
        # annotations (VLine, VSpan...): positions live on the model itself
        model = subplot.handles["glyph"]
        changed = {key: value for key, value in data.items()  # None: Bokeh's default (frame edge)
                   if value is not None and key in model.properties() and getattr(model, key) != value}
        if changed:  # a model-valued property set makes a served document re-walk its models
            model.update(**changed)
        return True

    @staticmethod
    def _fast_layer(layer, subplot) -> bool:
        """Whether :func:`fast_data` reproduces exactly what HoloViews drew for ``layer``: the same
        source columns with equal values, or the annotation's properties."""
        data = fast_data(layer, "hover" in subplot.handles)
        if data is None:
            return False
        if "glyph_renderer" in subplot.handles:
            return same_columns(subplot.handles["source"].data, data)
        model = subplot.handles.get("glyph")
        return model is not None and all(value is None or (key in model.properties() and getattr(model, key) == value)
                                         for key, value in data.items())

    def _hide_empty_legend_items(self) -> None:
        """Show a legend entry only while one of its glyphs has data: a view can keep a fixed set
        of layers (so a change in how many it draws stays an in-place update) and leave the
        unused ones empty."""
        for legend in self._figure.legend:
            for item in legend.items:
                sources = [r.data_source.data for r in item.renderers if hasattr(r, "data_source")]
                if not sources:
                    continue
                visible = any(len(next(iter(data.values()), ())) > 0 for data in sources)
                if item.visible != visible:
                    item.visible = visible

    def _set_axis_labels(self, labels: tuple[str, str]) -> None:
        """Retitle the axes in place (e.g. a switch of units)."""
        for axes, label in zip((self._figure.xaxis, self._figure.yaxis), labels):
            for axis in axes:
                if axis.axis_label != label:
                    axis.axis_label = label

    def _set_limits(self, options: dict) -> None:
        """Move explicit axis limits in place (a data-dependent limit is not a new plot)."""
        for key, (start, end) in axis_limits(options):
            axis_range = self._figure.x_range if key == "xlim" else self._figure.y_range
            if (axis_range.start, axis_range.end) != (start, end):
                axis_range.update(start=start, end=end)

    def _render(self, view, shape) -> None:
        """Show ``view`` drawn afresh: a copy of the same view's figure drawn for an earlier
        reader (:data:`~kexue_viz.figures.FIGURES`), else HoloViews' render, kept for later ones."""
        LivePlot.renders += 1
        key = figures.fingerprint(view)
        kept = figures.FIGURES.get(key)
        if kept is not None:
            figure, rendered, copies = kept
            subplots = [CopiedLayer({**{name: copies[ref] for name, ref in handles.items()},
                                     **({"hover": True} if hover else {})}, rendered.converter, index)
                        for index, (handles, hover) in enumerate(zip(rendered.handles, rendered.hover))]
            self._show(view, shape, None, figure, subplots, list(rendered.fast), rendered.labels_follow)
            return
        rendered_plot = bokeh_renderer().get_plot(plot.materialize(view), doc=self._plot_document())
        figure = rendered_plot.state
        options = plot_options(view)
        # numeric axes without limits follow the data in the browser; categorical ones stay
        if options.get("xlim") is None and not isinstance(figure.x_range, FactorRange):
            figure.x_range = DataRange1d(range_padding=0.03)
        if options.get("ylim") is None and not isinstance(figure.y_range, FactorRange):
            figure.y_range = DataRange1d(range_padding=0.08)
        subplots = list(rendered_plot.subplots.values()) if getattr(rendered_plot, "subplots", None) else [rendered_plot]
        fast = [self._fast_layer(layer, subplot) for layer, subplot in zip(plot.layers(view), subplots)]
        # titles this module predicts as HoloViews drew them can follow the data in place;
        # otherwise (a layout HoloViews labels its own way) a new title re-renders
        drawn = tuple(axes[0].axis_label if axes else "" for axes in (figure.xaxis, figure.yaxis))
        labels_follow = drawn == axis_labels(view)
        if key is not None:
            figures.FIGURES.put(key, figure, figures.Rendered(
                tuple({name: subplot.handles[name].id for name in copied_handles(subplot)} for subplot in subplots), tuple("hover" in subplot.handles for subplot in subplots),
                tuple(fast), labels_follow, figures.Converter(view)))
        self._show(view, shape, rendered_plot, figure, subplots, fast, labels_follow)

    def _show(self, view, shape, rendered_plot, figure, subplots, fast, labels_follow) -> None:
        """Make ``figure`` the one shown and updated in place."""
        if self._plot is not None:
            self._plot.cleanup()  # unhooks it from the document and its streams
        self._plot, self._figure, self._subplots, self._fast = rendered_plot, figure, subplots, fast
        self._layers = plot.layers(view)
        self._signature = shape
        self._labels = axis_labels(view)
        self._labels_follow = labels_follow
        self._hide_empty_legend_items()
        self.pane.object = figure


def copied_handles(subplot) -> tuple[str, ...]:
    """The Bokeh handles of a layer that an in-place update uses (see :meth:`LivePlot._update_layer`):
    a glyph's source and renderer, or an annotation's model."""
    return ("source", "glyph_renderer") if "glyph_renderer" in subplot.handles else ("glyph",)


class CopiedLayer(NamedTuple):
    """A layer ``index`` of a copied figure (:mod:`kexue_viz.figures`): its Bokeh handles and, for
    data the fast path cannot compute, the kept view's shared converter (no HoloViews plot of its own)."""
    handles: dict
    converter: figures.Converter
    index: int

    def get_data(self, element, ranges, style):
        """As HoloViews' ``ElementPlot.get_data``, by the shared converter."""
        return (*self.converter.convert(self.index, element), style)


def data_of(layer):
    """What a layer draws: a spec's constructor arguments, an element's data."""
    return layer.args if isinstance(layer, plot.ElementSpec) else layer.data
