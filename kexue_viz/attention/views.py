"""HoloViews views of the attention series. Pure functions: numpy data and a text lookup
``t(key, **values)`` in, HoloViews objects out (built with :mod:`kexue_viz.plot`, so a live plot
gets specs that cost microseconds and update in place); the dashboard, the notebook and the export
all draw with these."""
from __future__ import annotations

import numpy as np

from .. import plot
from ..style import active_backends, styled

PLOT = dict(responsive=True, show_grid=True, fig_inches=(6, 3), aspect=2.0, tools=["hover"])
COLORS = {  # one colour per quantity across views (Okabe–Ito)
    "approx": "#D55E00",
    "exact": "#000000",
    "mc_mean": "#0072B2",
    "mc_median": "#009E73",
    "limit": "#999999",
    "star": "#D55E00",
    "median_argmax": "#009E73",
    "guide": "#CC79A7",
    "current": "#E69F00",
    "const": "#000000",
    "log": "#0072B2",
    "sqrt_log": "#56B4E9",
    "grad_max": "#D55E00",
    "qwen": "#CC79A7",
    "f_exp": "#0072B2",
    "f_relu2": "#D55E00",
    "f_identity": "#009E73",
}
CYCLE_ATTENTION = ["#000000", "#0072B2", "#56B4E9", "#009E73", "#E69F00", "#D55E00", "#CC79A7"]
LAW_DASH = {"const": "solid", "log": "solid", "sqrt_log": "dashdot", "grad_max": "solid", "qwen": "dotted"}

LEGEND_ROW = 22  # px per row of a legend below a plot (Bokeh's glyph height 20 + spacing)


def legend_below(overlay, entries: int, columns: int = 2, height: int = 340):
    """``overlay`` with its legend of ``entries`` below the frame in ``columns`` columns in Bokeh, the
    plot grown by the legend's rows from ``height``: at the right of a half-width plot the legends of
    views C and D took more than half the width (frames of 177 and 233 px of ~460). The exported
    figure keeps it at the right (matplotlib's legend below expands over its columns and is cut)."""
    rows = -(-entries // columns)
    return styled(overlay, legend_position="right").opts(
        legend_position="bottom", legend_cols=columns, height=height + LEGEND_ROW * rows, backend="bokeh")


def band(x, lo, hi, xlabel: str, ylabel: str, color: str, label: str):
    return styled(plot.Area((x, lo, hi), xlabel, [ylabel, ylabel + "_hi"], label=label), color=color,
                  fill_color=color, alpha=0.18, line_width=0)


EMPTY = (np.empty(0), np.empty(0))  # a kept layer with nothing to draw (its legend entry is hidden)
EMPTY_BAND = (np.empty(0), np.empty(0), np.empty(0))


def objective_specs(x, curves: dict, bands: dict, markers: list, limit: float, top: float) -> list:
    """Layers of :func:`objective_view` in drawing order, as (kind, key, label key or text, data, dash):
    bands ((lo, hi) or ``None``), curves (approx, exact, mc_mean, mc_median), the α → ∞ limit L(n)
    (NaN), the vertical markers [(x, key, label, dash)]; ``None``/NaN: the layer is kept but empty,
    so showing or hiding it is an in-place update."""
    specs = [("band", key, key, EMPTY_BAND if pair is None else (x, *pair), None) for key, pair in bands.items()]
    specs += [("curve", key, key, EMPTY if y is None else (x, y), "dashed" if key == "approx" else "solid")
              for key, y in curves.items()]
    limit_data = ([float(np.min(x)), float(np.max(x))], [limit, limit]) if np.isfinite(limit) else EMPTY
    specs.append(("curve", "limit", "limit", limit_data, "dashed"))
    specs += [("marker", key, label, EMPTY if position is None else marker_data(position, top), dash)
              for position, key, label, dash in markers]
    return specs


def objective_view(specs: list, title: str, top: float, xlim: tuple, t_, xlabel: str):
    """Gradient size against the scale from :func:`objective_specs` (the current-α marker last).

    The axes are linear in every unit (α, λ, temperature 1/α) with fixed limits and one column
    name ``scale``: a unit switch or a change of measure swaps data, limits and titles in place."""
    ylabel = t_("gradient")
    xlabel = ("scale", xlabel)
    layers = []
    for kind, key, label, data, dash in specs:
        if kind == "band":
            layers.append(band(*data, xlabel, ylabel, COLORS[key], t_(label)))
        elif kind == "curve":
            width = 1.2 if key == "limit" else 2.2 if key in ("exact", "approx") else 1.8
            layers.append(styled(plot.Curve(data, xlabel, ylabel, label=t_(label)), color=COLORS[key],
                                 line_dash=dash, line_width=width))
        else:
            layers.append(styled(plot.Curve(data, xlabel, ylabel, label=label), color=COLORS[key], line_dash=dash,
                                 line_width=1.5))
    return styled(plot.Overlay(layers), title=title, height=380, ylim=(0.0, top), xlim=xlim,
                  legend_position="right", **PLOT)


def marker_data(x: float, top: float):
    return ([x, x], [0.0, top])


DRAW_FLOOR = 1e-12


def draw_view(p_sorted, title: str, t_):
    """Sorted attention weights of one draw (top 64), log y, floored at 1e-12."""
    rank = np.arange(1, len(p_sorted) + 1)
    values = np.maximum(p_sorted, DRAW_FLOOR)
    line = plot.Curve((rank, values), t_("rank"), t_("probability"))
    return styled(line, title=title, height=300, logy=True, ylim=(DRAW_FLOOR, 1.5), color=COLORS["mc_mean"],
                  line_width=1.5, **PLOT)


JACOBIAN_THRESHOLD = 1e-6  # linear below |J/α| = 10⁻⁶ (the symmetric-log colour scale)
JACOBIAN_MAX = 0.25  # |J/α| ≤ max p(1 − p) = 1/4
JACOBIAN_COLOUR_LABEL = "J/α (symlog)"  # one label in every language: a colour bar is not retitled in place


def symlog(values, threshold: float = JACOBIAN_THRESHOLD):
    """Symmetric log: sign(v)·log₁₀(1 + |v|/τ), linear for |v| ≪ τ, logarithmic above: the colour
    scale that shows J/α = diag p − ppᵀ, whose entries span many decades."""
    values = np.asarray(values, dtype=float)
    return np.sign(values) * np.log10(1 + np.abs(values) / threshold)


def _symlog_ticks() -> list[tuple[float, str]]:
    decades = (1e-5, 1e-3, 1e-1)
    ticks = [(float(symlog(-v)), f"−1e{int(np.log10(v))}") for v in reversed(decades)] + [(0.0, "0")]
    return ticks + [(float(symlog(v)), f"1e{int(np.log10(v))}") for v in decades]


def jacobian_view(J, title: str, t_):
    """Heatmap of J/α on a symmetric-log colour scale (:func:`symlog`, fixed range ±1/4, ticks in
    J/α units), key 1 at the lower left."""
    k = J.shape[0]
    top = float(symlog(JACOBIAN_MAX))
    image = plot.Image(symlog(np.flipud(J)), bounds=(0.5, 0.5, k + 0.5, k + 0.5), kdims=[t_("key_j"), t_("key_i")],
                       vdims=[("symlog_J", JACOBIAN_COLOUR_LABEL)])
    image = styled(image, title=title, height=300, cmap="RdBu_r", clim=(-top, top), colorbar=True,
                   responsive=True, fig_inches=(4, 3.5), tools=["hover"])
    return with_colorbar_ticks(image, _symlog_ticks())


def with_colorbar_ticks(element, ticks: list[tuple[float, str]]):
    """Colour-bar ticks (value, label) under each styled backend (Bokeh ``cticks``, matplotlib
    ``cbar_ticks``; :func:`~kexue_viz.style.styled` knows neither name)."""
    names = {"bokeh": "cticks", "matplotlib": "cbar_ticks"}
    for backend in active_backends():
        element = element.opts(**{names[backend]: ticks}, backend=backend)
    return element


def star_view(n, curves: dict, points: dict, title: str, t_, ylabel: str):
    """α* and scale laws against n (log x). ``curves`` label → (y, colour, dash); ``points`` label → (n, y, colour)."""
    layers = [styled(plot.Curve((n, y), t_("n_axis"), ylabel, label=label), color=color, line_dash=dash,
                     line_width=2.2 if dash == "solid" else 1.6)
              for label, (y, color, dash) in curves.items()]
    layers += [styled(plot.Scatter((x, y), t_("n_axis"), ylabel, label=label), color=color, size=9)
               for label, (x, y, color) in points.items()]
    return legend_below(styled(plot.Overlay(layers), title=title, logx=True, **PLOT), len(layers))


def entropy_view(n, exact: dict, mean_field: dict, monte_carlo: dict, title: str, t_):
    """Entropy against n for each scale law (one legend entry per law): exact E[H] (solid with
    points), mean field ln n − G(α) (dashed), and the Monte Carlo E[H₂] (Rényi-2, dotted) with a
    ±2SE band. ``exact``/``mean_field`` label → (y, colour); ``monte_carlo`` label → (mean, se, colour)."""
    x, y = t_("n_axis"), t_("entropy_axis")
    if not exact:  # every law unticked: an empty frame that says so (an empty Overlay cannot be drawn)
        return styled(plot.Curve(EMPTY, x, y), title=f"{title}: {t_('no_law')}", logx=True, **PLOT)
    layers = []
    for label, (mean, se, color) in monte_carlo.items():
        layers.append(band(n, mean - 2 * se, mean + 2 * se, x, y, color, label))
    for label, (values, color) in exact.items():
        layers.append(styled(plot.Curve((n, values), x, y, label=label), color=color, line_width=2))
        layers.append(styled(plot.Scatter((n, values), x, y, label=label), color=color, size=5))
    for label, (values, color) in mean_field.items():
        layers.append(styled(plot.Curve((n, values), x, y, label=label), color=color, line_dash="dashed",
                             line_width=1.2))
    for label, (mean, _, color) in monte_carlo.items():
        layers.append(styled(plot.Curve((n, mean), x, y, label=label), color=color, line_dash="dotted", line_width=2))
    return legend_below(styled(plot.Overlay(layers), title=title, logx=True, **PLOT), len(exact))


def lines_view(x, curves: dict, title: str, xlabel: str, ylabel: str, ylim=None, logx=False, logy=False, height=300):
    """Generic overlay of labelled curves: ``curves`` label → (y, colour, dash)."""
    layers = [styled(plot.Curve((x, y), xlabel, ylabel, label=label), color=color, line_dash=dash, line_width=2)
              for label, (y, color, dash) in curves.items()]
    options = dict(title=title, height=height, logx=logx, logy=logy, legend_position="right", **PLOT)
    if ylim is not None:
        options["ylim"] = ylim
    return styled(plot.Overlay(layers), **options)


MEASURES_RANGE = (1e-5, 1.2)  # every measure plotted is ≥ 1/n ≥ 1/2¹⁶ (one-hot p) and ≤ 1


def scale_measures_view(alpha, curves: dict, current: float, title: str, t_):
    """Sparsity measures of softmax(α s) against α (``curves`` label → y) on a fixed log-y range
    (the same for every n: a new draw swaps data in place), with the current-α marker as the last
    layer."""
    layers = [styled(plot.Curve((alpha, y), t_("alpha_axis"), t_("value_axis"), label=label),
                     color=CYCLE_ATTENTION[index % len(CYCLE_ATTENTION)], line_width=2)
              for index, (label, y) in enumerate(curves.items())]
    layers.append(styled(plot.Curve(measures_marker(current), t_("alpha_axis"), t_("value_axis"), label=t_("current")),
                         color=COLORS["current"], line_width=1.5))
    return styled(plot.Overlay(layers), title=title, height=300, logy=True, ylim=MEASURES_RANGE,
                  xlim=(float(np.min(alpha)), float(np.max(alpha))), legend_position="right", **PLOT)


def measures_marker(x: float):
    return ([x, x], list(MEASURES_RANGE))


def measures_view(names, original, transformed, title: str, t_):
    """Each sparsity measure before and after a property transform, as paired bars on a numeric
    axis (thick spikes; a categorical axis would not update in place)."""
    x = np.arange(len(names), dtype=float)
    layers = []
    for offset, values, key, color in ((-0.17, original, "original", "#0072B2"),
                                       (0.17, transformed, "transformed", "#E69F00")):
        layers.append(styled(plot.Spikes((x + offset, np.asarray(values, dtype=float)), t_("measure_axis"),
                                         t_("value_axis"), label=t_(key)), color=color, line_width=22))
    return styled(plot.Overlay(layers), title=title, height=300, ylim=(0.0, 1.05), xlim=(-0.6, len(names) - 0.4),
                  xticks=[(float(i), name) for i, name in enumerate(names)], legend_position="top_left", **PLOT)


def position_view(matrix, title: str, t_):
    """Heatmap of (R_m q_m)ᵀ(R_n k_n) over positions."""
    L = matrix.shape[0]
    scale = float(np.max(np.abs(matrix))) or 1.0
    image = plot.Image(np.flipud(matrix), bounds=(-0.5, -0.5, L - 0.5, L - 0.5),
                       kdims=[t_("position_n"), t_("position_m")], vdims=["score"])
    return styled(image, title=title, height=300, cmap="RdBu_r", clim=(-scale, scale), colorbar=True, responsive=True,
                  fig_inches=(4, 3.5), tools=["hover"])
