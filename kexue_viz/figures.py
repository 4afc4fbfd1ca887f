"""Rendered figures shared by every reader: a process-wide memo of Bokeh figures by view content.

Rendering a view with HoloViews (``get_plot``) is most of what a new reader's page costs the
server: 0.3–0.7 s for a main plot of a dozen layers on 2 cores, nearly all of it HoloViews and
Bokeh building some 150 models one property at a time. Every reader at the default settings asks
for the same views, so :class:`FigureMemo` keeps, per view content (:func:`fingerprint`), a
pristine copy of the figure HoloViews drew and gives each later reader a fresh copy of it
(:func:`copy_models`: new model ids, the same property values, the data arrays shared — Bokeh
never changes a column in place, it replaces ``source.data``), ten times faster than a render.
What the copier cannot reproduce (Python callbacks on the models) is not used by these figures:
a tap hook is attached to every figure a pane shows (:func:`kexue_viz.ui.on_tap`).
"""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from typing import Any, NamedTuple

import holoviews as hv
import numpy as np
import pandas as pd
from bokeh.core.has_props import HasProps
from bokeh.core.property.wrappers import PropertyValueContainer
from bokeh.document import Document
from bokeh.model import Model
from bokeh.util.serialization import make_id
from holoviews.core.dimension import Dimension

from . import plot

MAX_FIGURES = 96  # distinct views kept
MAX_BYTES = 96 * 2 ** 20  # of the data arrays they hold


def fingerprint(view) -> bytes | None:
    """A digest of everything a view draws: for a spec (:mod:`kexue_viz.plot`) its element kinds,
    constructor arguments (arrays by dtype, shape and bytes) and option calls; for a HoloViews
    element its type, dimensions, data and the options in force. ``None`` when the view holds
    something this cannot digest (a Bokeh model, a function in an option): such a view is
    rendered every time."""
    digest = hashlib.blake2b(digest_size=20)
    try:
        _feed(digest, view)
    except _Undigestible:
        return None
    return digest.digest()


class _Undigestible(Exception):
    pass


def _feed(digest, value) -> None:
    """Feed ``value`` to ``digest`` unambiguously (each item tagged with its type)."""
    if isinstance(value, plot.ElementSpec):
        digest.update(b"E" + value.kind.encode())
        _feed(digest, (value.args, value.kwargs, value.calls))
    elif isinstance(value, plot.OverlaySpec):
        digest.update(b"O" + value.op.encode())
        _feed(digest, (value.parts, value.kwargs, value.calls))
    elif isinstance(value, np.ndarray):
        if value.dtype.hasobject:
            _feed(digest, value.tolist())
            return
        digest.update(b"A" + str(value.dtype).encode() + repr(value.shape).encode())
        digest.update(np.ascontiguousarray(value).tobytes())
    elif isinstance(value, (list, tuple)):
        digest.update(b"L" if isinstance(value, list) else b"T")
        digest.update(str(len(value)).encode())
        for item in value:
            _feed(digest, item)
    elif isinstance(value, dict):
        digest.update(b"D" + str(len(value)).encode())
        for key, item in value.items():
            _feed(digest, key)
            _feed(digest, item)
    elif value is None or isinstance(value, (bool, int, float, complex, str, np.generic)):
        digest.update(b"S" + type(value).__name__.encode() + repr(value).encode())
    elif isinstance(value, pd.DataFrame):
        digest.update(b"F")
        _feed(digest, {str(name): value[name].to_numpy() for name in value.columns})
    elif isinstance(value, Dimension) and value.value_format is None:
        _feed(digest, ("Dimension", value.name, value.label, value.unit, value.range, value.soft_range))
    elif isinstance(value, hv.Cycle):
        _feed(digest, ("Cycle", list(value.values)))
    elif isinstance(value, hv.dim):
        _feed(digest, ("dim", repr(value)))
    elif isinstance(value, (hv.Element, hv.Overlay)):
        _feed_holoviews(digest, value)
    else:
        raise _Undigestible


def _feed_holoviews(digest, value) -> None:
    """A HoloViews element or overlay: its type, group, label, dimensions, data (a graph's nodes
    and edge paths too) and the options in force for it on the Bokeh backend."""
    digest.update(b"H" + type(value).__name__.encode())
    options = tuple(hv.Store.lookup_options("bokeh", value, kind).kwargs for kind in ("plot", "style", "norm"))
    _feed(digest, (value.group, value.label, options))
    if isinstance(value, hv.Overlay):
        _feed(digest, list(value.values()))
        return
    _feed(digest, (value.kdims, value.vdims, value.data))
    if isinstance(value, hv.Graph):
        _feed(digest, (value.nodes, value.edgepaths))


def copy_models(root: Model) -> tuple[Model, dict[str, Model]]:
    """A copy of ``root`` and every model it references: new ids, equal property values
    (containers copied, arrays shared). Returns the copy and ``{original id: copy}``.

    Bokeh's own route (``Document.from_json``, 0.2 s for a figure of 160 models) validates every
    value, fills every unstable default and formats each array for a trace log; this copies each
    model's set values and unstable defaults as they are (they were valid on the original), in
    a tenth of that time. The copies' property containers are Bokeh's own, owned by the copy."""
    originals = list(root.references())
    copies = {model.id: _blank_copy(model) for model in originals}
    for model in originals:
        copy = copies[model.id]
        copy._property_values = _copied_values(copy, model._property_values, copies)
        copy._unstable_default_values = _copied_values(copy, model._unstable_default_values, copies)
        copy._unstable_themed_values = {}
        copy._initialized = True
    return copies[root.id], copies


def _blank_copy(model: Model) -> Model:
    """An instance of ``model``'s class with a new id and no property values, initialised as
    Bokeh's deserializer initialises one (its document, callbacks) without filling defaults."""
    cls = type(model)
    copy = cls.__new__(cls, id=make_id())
    super(HasProps, copy).__init__()  # the document reference and callback managers
    return copy


def _copied_values(owner: Model, values: dict[str, Any], copies: dict[str, Model]) -> dict[str, Any]:
    """``values`` with models replaced by their copies, containers copied and owned by ``owner``."""
    copied = {}
    for name, value in values.items():
        value = _remap(value, copies)
        if isinstance(value, (dict, list)):
            descriptor = owner.lookup(name)
            value = descriptor.property.wrap(value)
            if isinstance(value, PropertyValueContainer):
                value._register_owner(owner, descriptor)
        copied[name] = value
    return copied


def _remap(value, copies: dict[str, Model]):
    """``value`` with every model replaced by its copy and every container copied."""
    if isinstance(value, Model):
        return copies[value.id]
    if isinstance(value, dict):
        return {key: _remap(item, copies) for key, item in value.items()}
    if isinstance(value, list):
        return [_remap(item, copies) for item in value]
    if isinstance(value, tuple):
        return tuple(_remap(item, copies) for item in value)
    return value


class Converter:
    """HoloViews' conversion of a kept view's layers to Bokeh data, for the layers of its copies
    that the fast path cannot compute (see :class:`~kexue_viz.live.LivePlot`). The view is
    rendered once, on the first conversion, into a document of its own that no page shows (a
    conversion may touch that plot's models, never a reader's); one conversion at a time."""

    def __init__(self, view):
        self.view = view
        self._subplots: list | None = None
        self._lock = threading.Lock()

    def convert(self, index: int, element) -> tuple[dict, dict]:
        """``(data, mapping)`` of ``element`` drawn as layer ``index`` of the view."""
        with self._lock:
            if self._subplots is None:
                from .live import bokeh_renderer  # live imports this module

                rendered = bokeh_renderer().get_plot(plot.materialize(self.view), doc=Document())
                self._subplots = list(rendered.subplots.values()) if getattr(rendered, "subplots", None) \
                    else [rendered]
            data, mapping, _ = self._subplots[index].get_data(element, {}, {})
            return data, mapping


class Rendered(NamedTuple):
    """What a render left besides the figure: per layer, the ids of its Bokeh handles in the figure
    (source, glyph renderer, annotation glyph) and whether it has a hover tool; whether each layer's fast data matched
    HoloViews' (see :class:`~kexue_viz.live.LivePlot`); whether the axis titles follow in place."""
    handles: tuple[dict[str, str], ...]
    hover: tuple[bool, ...]
    fast: tuple[bool, ...]
    labels_follow: bool
    converter: Converter | None = None  # (None only in tests that never convert)


class FigureMemo:
    """Pristine copies of rendered figures by view fingerprint, least recently used dropped first
    (at most :data:`MAX_FIGURES`, :data:`MAX_BYTES` of arrays). Thread-safe."""

    def __init__(self, max_figures: int = MAX_FIGURES, max_bytes: int = MAX_BYTES):
        self.max_figures, self.max_bytes = max_figures, max_bytes
        self._entries: OrderedDict[bytes, tuple[Model, Rendered, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: bytes | None) -> tuple[Model, Rendered, dict[str, Model]] | None:
        """A fresh copy of the figure kept for ``key``, its render facts and the id map."""
        with self._lock:
            entry = self._entries.get(key) if key is not None else None
            if entry is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
        template, rendered, _ = entry
        figure, copies = copy_models(template)
        return figure, rendered, copies

    def put(self, key: bytes | None, figure: Model, rendered: Rendered) -> None:
        """Keep a pristine copy of ``figure`` (taken now: the shown one changes in place later)."""
        if key is None:
            return
        template, copies = copy_models(figure)
        if any(ref not in copies for handles in rendered.handles for ref in handles.values()):
            return  # a handle outside the figure (HoloViews keeps some): not copyable
        rendered = rendered._replace(handles=tuple({name: copies[ref].id for name, ref in handles.items()}
                                                   for handles in rendered.handles))
        size = 2 * _array_bytes(template)  # the figure's columns and the converter's view
        with self._lock:
            if key in self._entries:
                return
            self._entries[key] = (template, rendered, size)
            self._bytes += size
            while self._entries and (len(self._entries) > self.max_figures or self._bytes > self.max_bytes):
                _, (_, _, dropped) = self._entries.popitem(last=False)
                self._bytes -= dropped

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0


def _array_bytes(root: Model) -> int:
    """Bytes of the column data held by ``root``'s sources."""
    total = 0
    for model in root.references():
        data: Any = getattr(model, "data", None)
        if isinstance(data, dict):
            total += sum(getattr(column, "nbytes", 8 * len(column)) for column in data.values())
    return total


FIGURES = FigureMemo()
