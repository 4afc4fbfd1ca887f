"""HoloViews views of the batch-size / learning-rate series. Pure functions: numpy arrays and a
text lookup ``t_(key, **values)`` in, HoloViews objects out (dashboard, notebook and export).

A live view is rebuilt on every slider move, so construction cost matters: a family of curves is
one element (:func:`curve_family`), and every element and overlay is made by :func:`element` /
:func:`overlay`, which construct it once and share the option tree of a styled, empty template
(``styled`` on a fresh element constructs it a second time, and on an overlay walks every layer).
"""
from __future__ import annotations

import math
from collections import OrderedDict

import holoviews as hv
import numpy as np

from ..style import CYCLE, active_backends, styled

PLOT = dict(responsive=True, show_grid=True, fig_inches=(6, 3.2), aspect=1.8, tools=["hover"])
DASH = {"exact": "solid", "clip": "dashdot", "erf_rational": "dashed", "mean_field": "dotted", "adam": "dashdot"}
SGD_COLOR = "#000000"
MARKER_COLOR = "#555555"
PROBE_COLOR = "#D55E00"
ETA = hv.Dimension("eta", label="η*")  # fixed column name; the axis title comes from the overlay's ylabel

_TEMPLATES: dict[tuple, object] = {}
_TEMPLATES_MAX = 512  # options computed from data (titles with numbers) could grow it: start afresh beyond


def _template(kind, args: tuple, label: str, options: dict):
    """A styled, empty ``kind`` with these dimensions, label and options (cached per backends)."""
    key = (kind, repr(args), label, active_backends(), repr(sorted(options.items())))
    template = _TEMPLATES.get(key)
    if template is None:
        if len(_TEMPLATES) >= _TEMPLATES_MAX:
            _TEMPLATES.clear()
        empty = 0.0 if issubclass(kind, hv.VLine) else []
        template = _TEMPLATES[key] = styled(kind(empty, *args, label=label) if label else kind(empty, *args),
                                            **options)
    return template


def element(kind, data, *args, label: str = "", **options):
    """``styled(kind(data, *args, label=label), **options)``, constructing ``kind`` once: the new
    element takes the id (hence the options) of a cached styled template (``args``: kdims, vdims;
    names become cached ``hv.Dimension`` objects, which HoloViews takes as they are)."""
    template_id = _template(kind, args, label, options).id
    args = tuple(_dimensions(arg) for arg in args)
    return kind(data, *args, label=label, id=template_id) if label else kind(data, *args, id=template_id)


_DIMENSIONS: dict[str, hv.Dimension] = {}


def _dimensions(spec):
    """``spec`` (a name, a Dimension or a list of them) with names replaced by cached Dimensions."""
    if isinstance(spec, (list, tuple)):
        return [_dimensions(item) for item in spec]
    if isinstance(spec, str):
        return _DIMENSIONS.setdefault(spec, hv.Dimension(spec))
    return spec


def overlay(layers, **options):
    """``styled(hv.Overlay(layers), **options)`` without walking the layers: the overlay takes the
    id of a cached styled empty overlay (the layers keep their own options)."""
    return hv.Overlay(layers, id=_template(hv.Overlay, (), "", options).id)


def curve(data, kdim, vdims, label: str = "", **style):
    """A styled ``hv.Curve`` (see :func:`element`)."""
    return element(hv.Curve, data, kdim, vdims, label=label, **style)


def eps_color(index: int) -> str:
    """Colour of the ``index``-th ε (the same ε has the same colour in every view)."""
    return CYCLE[index % len(CYCLE)]


def legend_keys(entries):
    """Styled curves of one NaN point that only draw legend entries (Bokeh draws no legend swatch
    for an empty source): ``entries`` is a list of ``(label, color, line_dash, line_width)``. The
    curve families (:func:`curve_family`) carry no legend of their own (one element, many lines)."""
    return [curve(([math.nan], [math.nan]), "B", ETA, label, color=color, line_dash=dash, line_width=width)
            for label, color, dash, width in entries]


def curve_family(B, rows, t_, line_dash="solid", line_width=1.8):
    """One element for many lines over ``B``: an ``hv.Segments`` joining consecutive points, with a
    colour column, so a family of curves costs one element however many lines it has. ``rows``:
    list of ``(color, y, hover)`` with ``hover`` a dict ``{column: values over B, or one value}``
    (same columns in every row; shown on hover with ``B``, labelled ``t_("hover.<column>")``, each
    segment showing the values at its left end). Non-finite y leaves a gap."""
    columns = list(rows[0][2]) if rows else []
    segments = len(B) - 1
    data = {"B": np.tile(B[:-1], len(rows)), "eta": _stacked([y[:-1] for _, y, _ in rows]),
            "B_end": np.tile(B[1:], len(rows)), "eta_end": _stacked([y[1:] for _, y, _ in rows])}
    for column in columns:
        data[column] = _stacked([np.asarray(hover[column])[:-1] if np.ndim(hover[column]) else
                                 np.full(segments, hover[column]) for _, _, hover in rows])
    data["color"] = np.repeat(np.array([color for color, _, _ in rows], dtype=object), segments)
    tooltips = [("B", "@B")] + [(t_(f"hover.{column}"), "@{%s}" % column) for column in columns]
    return element(hv.Segments, data, ["B", ETA, "B_end", "eta_end"], [*columns, "color"], color="color",
                   line_dash=line_dash, line_width=line_width, tools=["hover"], hover_tooltips=tooltips)


def _stacked(parts) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0)


def eta_curves_view(B, families, legend, peaks, sgd, B_simple, y_label, t_, title):
    """View A without the probe line: η*(B) on log B. ``families``: one :func:`curve_family` per
    backend (colour = ε, dash = backend); ``legend``: :func:`legend_keys`; ``peaks``: list of
    ``(eps_index, B_peak, y_peak)`` (exact backend); ``sgd``: y values or None; a dashed line at
    B_simple. The y axis is titled by ``y_label`` (the layers keep fixed column names, so a change
    of unit retitles the axis in place)."""
    layers = [*legend, *families]
    if sgd is not None:
        layers.append(curve((B, sgd), "B", ETA, t_("sgd"), color=SGD_COLOR, line_dash="dotted", line_width=1.8))
    # always drawn, empty when no curve peaks: the plot keeps its layers and updates in place
    points = np.array([[b, y] for _, b, y in peaks], dtype=float).reshape(-1, 2)
    layers.append(element(hv.Scatter, (points[:, 0], points[:, 1]), "B", ETA, label=t_("peak"),
                          color=MARKER_COLOR, marker="triangle", size=11))
    layers.append(element(hv.VLine, B_simple, label="B_simple", color=MARKER_COLOR, line_dash="dashed",
                          line_width=1))
    return overlay(layers, title=title, logx=True, height=380, legend_position="right", ylabel=y_label, xlabel="B",
                   xlim=(float(B[0]), float(B[-1])), **{**PLOT, "tools": [], "aspect": 2.4, "fig_inches": (9, 3.8)})


def with_probe(curves, B_probe):
    """``curves`` (an overlay from :func:`eta_curves_view`) plus a vertical line at the probed B.
    A clone keeps the overlay's id, hence its plot options, at no cost (re-applying them would
    walk every layer)."""
    line = element(hv.VLine, B_probe, color=PROBE_COLOR, line_width=1.5)
    return curves.clone(OrderedDict([*curves.data.items(), (("VLine", "Probe"), line)]))


def loss_view(B, family, legend, t_):
    """View B: ΔL(B)/ΔL(B_max) on log B (monotone even where η* surges): ``family`` is a
    :func:`curve_family` of every (ε, backend) line coloured by ε, ``legend`` its :func:`legend_keys`."""
    return overlay([*legend, family], title=t_("view_dL"), logx=True, height=300, legend_position="bottom_right",
                   ylabel=t_("dL_rel"), xlabel="B", ylim=(0, 1.05), xlim=(float(B[0]), float(B[-1])),
                   **{**PLOT, "tools": []})


def hyperbola_curve(t_):
    """The hyperbola ``(S/S_min − 1)(E/E_min − 1) = 1`` (log–log axes ≥ 1)."""
    x = np.logspace(math.log10(1.0101), 2, 200)
    label = "(S/Sₘᵢₙ−1)(E/Eₘᵢₙ−1)=1"
    return styled(hv.Curve((1 + 1 / (x - 1), x), t_("S_rel"), t_("E_rel"), label=label), color=SGD_COLOR, line_width=1.5)


def hyperbola_view(curve, points, B_probe, t_):
    """View C: :func:`hyperbola_curve` and, per ε, the point of the probed B,
    ``(1 + B_dL/B, 1 + B/B_dL)``. ``points``: list of ``(label, B_dL)``."""
    B_dL = np.array([value for _, value in points])
    eps = np.array([float(label) for label, _ in points])
    dots = element(hv.Scatter, (1 + B_dL / B_probe, 1 + B_probe / B_dL, eps), t_("S_rel"), [t_("E_rel"), "ε"],
                   color=PROBE_COLOR, size=9)
    return overlay([curve, dots], title=t_("view_SE", B=B_probe), logx=True, logy=True, height=300,
                   xlim=(1.0, 100.0), ylim=(1.0, 100.0), show_legend=False, **PLOT)


def moments_view(a, moments, b, t_):
    """View D: M1 (odd, S-shaped) and M2 (even, bell-shaped) against a at fixed b, one line per
    backend (M1 and M2 joined by a gap). ``moments``: list of ``(backend, label, M1, M2)``."""
    layers = []
    for index, (backend, label, m1, m2) in enumerate(moments):
        colour = CYCLE[(index + 4) % len(CYCLE)] if backend != "exact" else SGD_COLOR
        x = np.concatenate([a, [np.nan], a])
        y = np.concatenate([m1, [np.nan], m2])
        layers.append(curve((x, y), "a", t_("moment"), label, color=colour, line_dash=DASH[backend],
                            line_width=2.2 if backend == "exact" else 1.6))
    return overlay(layers, title=t_("view_moments", b=b), height=300, ylim=(-1.05, 1.05),
                   legend_position="bottom_right", **PLOT)


def erf_view(t_):
    """Figure F1 of post 10563: erf(x), x/√(x²+π/4) and clip(2x/√π, −1, 1)."""
    from scipy.special import erf

    x = np.linspace(-3, 3, 301)
    layers = [styled(hv.Curve((x, erf(x)), "x", "S(x)", label="erf(x)"), color=SGD_COLOR, line_width=2),
              styled(hv.Curve((x, x / np.sqrt(x * x + np.pi / 4)), "x", "S(x)", label="x/√(x²+π/4)"),
                     color=CYCLE[0], line_dash="dashed", line_width=1.6),
              styled(hv.Curve((x, np.clip(2 * x / np.sqrt(np.pi), -1, 1)), "x", "S(x)", label="clip(2x/√π,−1,1)"),
                     color=CYCLE[1], line_dash="dotted", line_width=1.6)]
    return styled(hv.Overlay(layers), title=t_("view_erf"), height=300, legend_position="bottom_right", **PLOT)


def experiment_view(measured, theory, y_label, title):
    """Measured one-step optima (points, with ±2 standard errors) over theory curves, log–log.
    ``measured``: list of ``(index, label, B, eta, se)``; ``theory``: ``(index, label, B_dense, eta)``."""
    layers = []
    for index, label, B_dense, eta in theory:
        layers.append(styled(hv.Curve((B_dense, eta), "B", y_label, label=f"{label} (theory)"),
                             color=eps_color(index), line_width=1.6))
    for index, label, B_points, eta, se in measured:
        layers.append(styled(hv.ErrorBars((B_points, eta, 2 * se), "B", [y_label, "yerr"]), color=eps_color(index)))
        layers.append(styled(hv.Scatter((B_points, eta), "B", y_label, label=f"{label} (measured)"),
                             color=eps_color(index), size=7))
    return styled(hv.Overlay(layers), title=title, logx=True, logy=True, height=360, legend_position="right",
                  **{**PLOT, "aspect": 2.2, "fig_inches": (9, 3.8)})
