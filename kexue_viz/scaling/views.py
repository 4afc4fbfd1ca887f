"""HoloViews views of the batch-size / learning-rate series. Pure functions: numpy arrays and a
text lookup ``t_(key, **values)`` in, HoloViews objects out (dashboard, notebook and export).

Elements are built with :mod:`kexue_viz.plot` (``plot.Curve`` … as ``hv.Curve`` …): inside a live
plot they are light specs whose Bokeh columns are computed without building any element. A family
of curves is one element (:func:`curve_family`: segments with a colour column), so a view costs
the same however many ε and backends it shows.
"""
from __future__ import annotations

import math

import holoviews as hv
import numpy as np

from .. import plot
from ..style import CYCLE, styled

PLOT = dict(responsive=True, show_grid=True, fig_inches=(6, 3.2), aspect=1.8, tools=["hover"])
DASH = {"exact": "solid", "clip": "dashdot", "erf_rational": "dashed", "mean_field": "dotted", "adam": "dashdot"}
SGD_COLOR = "#000000"
MARKER_COLOR = "#555555"
PROBE_COLOR = "#D55E00"
ETA = hv.Dimension("eta", label="η*")  # fixed column name; the axis title comes from the overlay's ylabel
HOVER_FORMAT = {"B": "0.[00]a", "eta_raw": "0.[0000]", "dL": "0.[000]", "dL_rel": "0.[000]", "beta": "0.000",
                "eps": "0.[00]"}  # Bokeh numeral formats of the hover columns
ETA_PLOT = dict(logx=True, height=380, legend_position="right", xlabel="B",
                **{**PLOT, "tools": [], "aspect": 2.4, "fig_inches": (9, 3.8)})


def curve(data, kdim, vdims, label: str = "", **style):
    """``styled(plot.Curve(data, kdim, vdims, label=label), **style)``."""
    return styled(plot.Curve(data, kdim, vdims, label=label), **style)


def eps_color(index: int) -> str:
    """Colour of the ``index``-th ε (the same ε has the same colour in every view)."""
    return CYCLE[index % len(CYCLE)]


def legend_keys(entries) -> list:
    """Curves of one NaN point that only draw legend entries (Bokeh draws no legend swatch for an
    empty source): ``entries`` is a list of ``(label, color, line_dash, line_width)``. The curve
    families (:func:`curve_family`) carry no legend of their own (one element, many lines)."""
    return [curve((np.array([math.nan]), np.array([math.nan])), "B", ETA, label, color=color, line_dash=dash,
                  line_width=width) for label, color, dash, width in entries]


def curve_family(B, rows, t_, line_dash="solid", line_width=1.8):
    """One element for many lines over ``B``: segments joining consecutive points, with a colour
    column. ``rows``: list of ``(color, y, hover)`` with ``hover`` a dict ``{column: values over B,
    or one value}`` (same columns in every row; shown on hover after ``B``, labelled
    ``t_("hover.<column>")``, each segment showing the values at its left end). A non-finite y
    leaves a gap."""
    columns = list(rows[0][2]) if rows else []
    segments = len(B) - 1
    data = {"B": np.tile(B[:-1], len(rows)), "eta": _stacked([y[:-1] for _, y, _ in rows]),
            "B_end": np.tile(B[1:], len(rows)), "eta_end": _stacked([y[1:] for _, y, _ in rows])}
    for column in columns:
        data[column] = _stacked([np.asarray(hover[column])[:-1] if np.ndim(hover[column]) else
                                 np.full(segments, hover[column]) for _, _, hover in rows])
    data["color"] = np.repeat(np.array([color for color, _, _ in rows], dtype=object), segments)
    return styled(plot.Segments(data, ["B", ETA, "B_end", "eta_end"], [*columns, "color"]), color="color",
                  line_dash=line_dash, line_width=line_width, tools=["hover"],
                  hover_tooltips=hover_line(["B", *columns], t_))


HOVER_VALUE_ONLY = {"backend"}  # the value names itself (e.g. "erf (10542/10563)")


def hover_line(columns, t_) -> str:
    """A one-line HTML tooltip (many lines can lie under the pointer where curves meet: one compact
    line each reads as a table): a swatch in the line's colour, then ``label=value`` per column
    (numbers formatted by :data:`HOVER_FORMAT`; the columns of :data:`HOVER_VALUE_ONLY` show their
    value only)."""
    parts = []
    for column in columns:
        value = "@{%s}" % column + ("{%s}" % HOVER_FORMAT[column] if column in HOVER_FORMAT else "")
        if column in HOVER_VALUE_ONLY:
            parts.append(value)
            continue
        label = t_(f"hover.{column}") if column != "B" else "B"
        parts.append(f"{label}={value}")
    return ('<div style="white-space:nowrap"><span style="color:@{color}">&#9473;&#9473;</span> '
            + " · ".join(parts) + "</div>")


def _stacked(parts) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0)


def eta_layers(B, families, legend, peaks, sgd, B_simple, t_) -> list:
    """View A's layers but the probe line: ``legend`` (:func:`legend_keys`), ``families`` (one
    :func:`curve_family` per backend: colour = ε, dash = backend), the SGD curve (``sgd``: y values,
    or None: an empty layer, so the view keeps its layers and updates in place), the exact peaks
    (``peaks``: list of ``(eps_index, B_peak, y_peak)``; empty when none) and a dashed line at B_simple."""
    sgd_data = (B, sgd) if sgd is not None else (np.empty(0), np.empty(0))
    points = np.array([[b, y] for _, b, y in peaks], dtype=float).reshape(-1, 2)
    return [*legend, *families,
            curve(sgd_data, "B", ETA, t_("sgd"), color=SGD_COLOR, line_dash="dotted", line_width=1.8),
            styled(plot.Scatter((points[:, 0], points[:, 1]), "B", ETA, label=t_("peak")),
                   color=MARKER_COLOR, marker="triangle", size=11),
            styled(plot.VLine(B_simple, label="Bₛᵢₘₚₗₑ"), color=MARKER_COLOR, line_dash="dashed", line_width=1)]


def eta_view(layers, B, B_probe, y_label, title):
    """View A: η*(B) on log B, :func:`eta_layers` plus a vertical line at the probed B. The y axis
    is titled ``y_label`` (the layers keep fixed column names: a change of unit retitles in place)."""
    probe = styled(plot.VLine(B_probe), color=PROBE_COLOR, line_width=1.5)
    return styled(plot.Overlay([*layers, probe]), title=title, ylabel=y_label, xlim=(float(B[0]), float(B[-1])),
                  **ETA_PLOT)


def loss_view(B, family, legend, t_):
    """View B: ΔL(B)/ΔL(B_max) on log B (monotone even where η* surges): ``family`` is a
    :func:`curve_family` of every (ε, backend) line coloured by ε, ``legend`` its :func:`legend_keys`."""
    return styled(plot.Overlay([*legend, family]), title=t_("view_dL"), logx=True, height=300,
                  legend_position="bottom_right", ylabel=t_("dL_rel"), xlabel="B", ylim=(0, 1.05),
                  xlim=(float(B[0]), float(B[-1])), **{**PLOT, "tools": []})


def hyperbola_curve(t_):
    """The hyperbola ``(S/S_min − 1)(E/E_min − 1) = 1`` (log–log axes ≥ 1)."""
    x = np.logspace(math.log10(1.0101), 2, 200)
    label = "(S/Sₘᵢₙ−1)(E/Eₘᵢₙ−1)=1"
    return curve((1 + 1 / (x - 1), x), t_("S_rel"), t_("E_rel"), label, color=SGD_COLOR, line_width=1.5)


def hyperbola_view(curve, points, B_probe, t_):
    """View C: :func:`hyperbola_curve` and, per ε, the point of the probed B,
    ``(1 + B_dL/B, 1 + B/B_dL)``. ``points``: list of ``(label, B_dL)``."""
    B_dL = np.array([value for _, value in points])
    eps = np.array([float(label) for label, _ in points])
    dots = styled(plot.Scatter((1 + B_dL / B_probe, 1 + B_probe / B_dL, eps), t_("S_rel"), [t_("E_rel"), "ε"]),
                  color=PROBE_COLOR, size=9)
    return styled(plot.Overlay([curve, dots]), title=t_("view_SE", B=B_probe), logx=True, logy=True, height=300,
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
    return styled(plot.Overlay(layers), title=t_("view_moments", b=b), height=300, ylim=(-1.05, 1.05),
                  legend_position="bottom_right", **PLOT)


def erf_view(t_):
    """Figure F1 of post 10563: erf(x), x/√(x²+π/4) and clip(2x/√π, −1, 1)."""
    from scipy.special import erf

    x = np.linspace(-3, 3, 301)
    layers = [styled(plot.Curve((x, erf(x)), "x", "S(x)", label="erf(x)"), color=SGD_COLOR, line_width=2),
              styled(plot.Curve((x, x / np.sqrt(x * x + np.pi / 4)), "x", "S(x)", label="x/√(x²+π/4)"),
                     color=CYCLE[0], line_dash="dashed", line_width=1.6),
              styled(plot.Curve((x, np.clip(2 * x / np.sqrt(np.pi), -1, 1)), "x", "S(x)", label="clip(2x/√π,−1,1)"),
                     color=CYCLE[1], line_dash="dotted", line_width=1.6)]
    return styled(plot.Overlay(layers), title=t_("view_erf"), height=300, legend_position="bottom_right", **PLOT)


def experiment_view(measured, theory, y_label, title):
    """Measured one-step optima (points, with ±2 standard errors) over theory curves, log–log.
    ``measured``: list of ``(index, label, B, eta, se)``; ``theory``: ``(index, label, B_dense, eta)``."""
    layers = []
    for index, label, B_dense, eta in theory:
        layers.append(styled(plot.Curve((B_dense, eta), "B", y_label, label=f"{label} (theory)"),
                             color=eps_color(index), line_width=1.6))
    for index, label, B_points, eta, se in measured:
        layers.append(styled(plot.ErrorBars((B_points, eta, 2 * se), "B", [y_label, "yerr"]), color=eps_color(index)))
        layers.append(styled(plot.Scatter((B_points, eta), "B", y_label, label=f"{label} (measured)"),
                             color=eps_color(index), size=7))
    return styled(plot.Overlay(layers), title=title, logx=True, logy=True, height=360, legend_position="right",
                  **{**PLOT, "aspect": 2.2, "fig_inches": (9, 3.8)})
