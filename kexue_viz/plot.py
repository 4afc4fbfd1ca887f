"""HoloViews element constructors that a live dashboard can read without building the elements.

Constructing a HoloViews element costs 1–2 ms (param's ``Parameterized`` set-up and deep copies of
options) and styling it about as much again; a dashboard's view functions build dozens per slider
move, which was ~86 % of a move's server time. Views therefore call ``plot.Curve(...)`` (same
signature as ``hv.Curve``) instead of ``hv.Curve(...)``:

- outside :func:`deferred` (notebooks, tests, export) each constructor returns the real HoloViews
  element, so nothing changes for any caller;
- inside :func:`deferred` (what :class:`~kexue_viz.live.LivePlot` uses) it returns a light
  :class:`ElementSpec`: the constructor's name and arguments plus the options later applied to it
  (:func:`kexue_viz.style.styled` and ``.opts`` are recorded, not resolved). Specs combine with
  ``*`` and :func:`Overlay` as HoloViews elements do, and :func:`materialize` builds from a spec
  exactly the object the direct calls would have built (it replays them). Any other HoloViews
  method (``+``, ``clone``, ``dimension_values``...) works on the materialized object, so the
  rename from ``hv.X`` to ``plot.X`` is always safe; only the speed-up is lost there.

A live plot renders the first time from ``materialize(view)`` and afterwards computes the new Bokeh
columns straight from each spec's data (:mod:`kexue_viz.live`).
"""
from __future__ import annotations

import functools
import operator
from contextlib import contextmanager
from contextvars import ContextVar

import holoviews as hv
import numpy as np

from . import style

_DEFERRED: ContextVar[bool] = ContextVar("kexue_viz_plot_deferred", default=False)

# elements whose positional arguments are their data (a position or two), not (data, kdims, vdims)
ANNOTATIONS = frozenset({"VLine", "HLine", "VSpan", "HSpan"})


@contextmanager
def deferred():
    """Inside the block the constructors of this module return specs instead of elements."""
    token = _DEFERRED.set(True)
    try:
        yield
    finally:
        _DEFERRED.reset(token)


def is_deferred() -> bool:
    """Whether constructors currently return specs (part of any cache key of built views)."""
    return _DEFERRED.get()


class Spec:
    """What a deferred view records besides its data: the option calls applied to it, in order.
    Each call is ``("styled", backends, options)`` (see :func:`kexue_viz.style.styled`) or
    ``("opts", backend, options)`` (``element.opts(backend=..., **options)``)."""

    __slots__ = ("calls", "_merged")

    def __init__(self, calls: tuple = ()):
        self.calls = calls
        self._merged: dict[str, dict] = {}  # backend -> options(backend), computed once

    def _with_call(self, call: tuple) -> "Spec":
        raise NotImplementedError

    def styled(self, backends: tuple[str, ...], options: dict) -> "Spec":
        """A copy with ``styled(**options)`` for ``backends`` recorded (this spec is unchanged)."""
        return self._with_call(("styled", tuple(backends), dict(options)))

    def opts(self, backend: str | None = None, **options) -> "Spec":
        """A copy with ``.opts(backend=backend, **options)`` recorded, like HoloViews' ``opts``."""
        return self._with_call(("opts", backend, options))

    def options(self, backend: str = "bokeh") -> dict:
        """The options recorded for ``backend`` merged in order, in that backend's names (a shared
        dict: read it, do not change it)."""
        if backend in self._merged:
            return self._merged[backend]
        merged = self._merged[backend] = {}
        for how, where, options in self.calls:
            if how == "styled" and backend in where:
                merged.update(style.translate(backend, options))
            elif how == "opts" and (where or hv.Store.current_backend) == backend:
                merged.update(options)
        return merged

    def restyle(self, element):
        """``element`` with the recorded option calls replayed on it."""
        for how, where, options in self.calls:
            if how == "styled":
                with style.only(*where):
                    element = style.styled(element, **options)
            else:
                element = element.opts(backend=where, **options) if where else element.opts(**options)
        return element

    def __mul__(self, other):
        return OverlaySpec("mul", (self, other))

    def __rmul__(self, other):
        return OverlaySpec("mul", (other, self))

    def __add__(self, other):
        return materialize(self) + materialize(other)

    def __radd__(self, other):
        return materialize(other) + materialize(self)

    def __getattr__(self, name):
        """Anything else a HoloViews object offers (``clone``, ``dimension_values``, ``cols``...)
        is answered by the materialized object: correct, only without the savings of a spec."""
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(materialize(self), name)


class ElementSpec(Spec):
    """A deferred ``hv.<kind>(*args, **kwargs)``. It keeps references to the arrays it was given
    (HoloViews copies them): a view must not change an array in place after building on it, or a
    live plot sees "no change" (cached arrays are best made read-only, ``setflags(write=False)``)."""

    __slots__ = ("kind", "args", "kwargs")

    def __init__(self, kind: str, args: tuple, kwargs: dict, calls: tuple = ()):
        super().__init__(calls)
        self.kind, self.args, self.kwargs = kind, args, kwargs

    def _with_call(self, call):
        return ElementSpec(self.kind, self.args, self.kwargs, (*self.calls, call))

    @property
    def group(self) -> str:
        return self.kwargs.get("group") or _class_default(self.kind, "group")

    @property
    def label(self) -> str:
        return self.kwargs.get("label") or ""

    @property
    def data(self):
        """The data argument (annotations: their positional arguments)."""
        if self.kind in ANNOTATIONS:
            return self.args
        return self.args[0] if self.args else self.kwargs.get("data")

    def dims(self, which: str) -> list:
        """``"kdims"`` or ``"vdims"`` as given to the constructor, else the element type's default."""
        position = 1 if which == "kdims" else 2
        given = self.args[position] if len(self.args) > position else self.kwargs.get(which)
        if given is None or self.kind in ANNOTATIONS:
            return list(_class_default(self.kind, which))
        return list(given) if isinstance(given, list) else [given]

    def dimensions(self) -> list:
        """The key then value dimensions as given to the constructor (strings, ``(name, label)``
        tuples or ``hv.Dimension``), or the element type's defaults."""
        return self.dims("kdims") + self.dims("vdims")

    def dimension_names(self) -> tuple[str, ...]:
        return tuple(_name(d) for d in self.dimensions())

    def dimension_labels(self) -> tuple[str, ...]:
        """Axis titles as HoloViews writes them (``Dimension.pprint_label``)."""
        return tuple(_pprint_label(d) for d in self.dimensions())

    def columns(self) -> dict[str, np.ndarray] | None:
        """``{dimension name: values}`` for data given as a tuple of columns, a dict of columns or a
        2-D array with one column per dimension; ``None`` for any other form (left to HoloViews)."""
        data, names = self.data, self.dimension_names()
        if isinstance(data, tuple) and len(data) == len(names):
            return {name: np.asarray(values) for name, values in zip(names, data)}
        if isinstance(data, dict) and all(name in data for name in names):
            return {name: np.asarray(data[name]) for name in names}
        if isinstance(data, np.ndarray) and data.ndim == 2 and data.shape[1] == len(names):
            return {name: data[:, k] for k, name in enumerate(names)}
        return None


class OverlaySpec(Spec):
    """A deferred overlay: ``parts[0] * parts[1]`` (``op="mul"``) or ``hv.Overlay(parts, **kwargs)``
    (``op="list"``). Parts are specs or real HoloViews objects."""

    __slots__ = ("op", "parts", "kwargs")

    def __init__(self, op: str, parts: tuple, kwargs: dict | None = None, calls: tuple = ()):
        super().__init__(calls)
        self.op, self.parts, self.kwargs = op, parts, kwargs or {}

    def _with_call(self, call):
        return OverlaySpec(self.op, self.parts, self.kwargs, (*self.calls, call))


def layers(view) -> list:
    """The leaf elements (specs or HoloViews elements) of a view, in the order HoloViews plots
    them: overlays are flattened as ``hv.Overlay`` flattens nested overlays."""
    if isinstance(view, OverlaySpec):
        return [leaf for part in view.parts for leaf in layers(part)]
    if isinstance(view, hv.Overlay):
        return list(view.values())
    return [view]


def materialize(view):
    """The HoloViews object that the direct (non-deferred) calls would have built for ``view``;
    HoloViews objects are returned as they are."""
    if isinstance(view, ElementSpec):
        element = getattr(hv, view.kind)(*view.args, **view.kwargs)
    elif isinstance(view, OverlaySpec):
        parts = [materialize(part) for part in view.parts]
        element = functools.reduce(operator.mul, parts) if view.op == "mul" else hv.Overlay(parts, **view.kwargs)
    else:
        return view
    return view.restyle(element)


@functools.lru_cache(maxsize=None)
def _class_default(kind: str, parameter: str):
    default = getattr(hv, kind).param[parameter].default
    return tuple(default) if isinstance(default, list) else default


def _name(dimension) -> str:
    if isinstance(dimension, hv.Dimension):
        return dimension.name
    return dimension[0] if isinstance(dimension, tuple) else str(dimension)


def _pprint_label(dimension) -> str:
    if isinstance(dimension, hv.Dimension):
        return dimension.pprint_label
    return dimension[1] if isinstance(dimension, tuple) else str(dimension)


def _constructor(kind: str):
    element_type = getattr(hv, kind)

    def construct(*args, **kwargs):
        if _DEFERRED.get():
            return ElementSpec(kind, args, kwargs)
        return element_type(*args, **kwargs)

    construct.__name__ = construct.__qualname__ = kind
    construct.__doc__ = (f"``hv.{kind}(*args, **kwargs)``; inside :func:`deferred` an :class:`ElementSpec` "
                         f"recording the call instead.")
    construct.__wrapped__ = element_type  # inspect.signature shows HoloViews' own
    return construct


def Overlay(items=(), **kwargs):
    """``hv.Overlay(items, **kwargs)``; inside :func:`deferred` an :class:`OverlaySpec`."""
    if _DEFERRED.get():
        return OverlaySpec("list", tuple(items), kwargs)
    return hv.Overlay(list(items), **kwargs)


Curve = _constructor("Curve")
Scatter = _constructor("Scatter")
Points = _constructor("Points")
Spikes = _constructor("Spikes")
VLine = _constructor("VLine")
HLine = _constructor("HLine")
VSpan = _constructor("VSpan")
HSpan = _constructor("HSpan")
Segments = _constructor("Segments")
Rectangles = _constructor("Rectangles")
Area = _constructor("Area")
Polygons = _constructor("Polygons")
Path = _constructor("Path")
Image = _constructor("Image")
Histogram = _constructor("Histogram")
Labels = _constructor("Labels")
ErrorBars = _constructor("ErrorBars")
Bars = _constructor("Bars")
Text = _constructor("Text")
