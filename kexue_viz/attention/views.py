"""HoloViews views of the attention series. Pure functions: numpy data and a text lookup
``t(key, **values)`` in, HoloViews objects out; the dashboard, the notebook and the export all
draw with these."""
from __future__ import annotations

import math

import holoviews as hv
import numpy as np

from ..style import styled

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


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 1.25, 2, 2.5, 5 times a power of ten ≥ ``value`` (> 0): axis limits that
    stay put while data move a little, so plots update in place."""
    value = max(value, 1e-12)
    power = 10.0 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 1.25, 2, 2.5, 5, 10) if step * power >= value * (1 - 1e-12))


def band(x, lo, hi, xlabel: str, ylabel: str, color: str, label: str):
    return styled(hv.Area((x, lo, hi), xlabel, [ylabel, ylabel + "_hi"], label=label), color=color,
                  fill_color=color, alpha=0.18, line_width=0)


def objective_specs(x, curves: dict, bands: dict, markers: list, limit: float | None, top: float) -> list:
    """Layers of :func:`objective_view` in drawing order, as (kind, key, label key or text, data, dash):
    bands, curves (approx, exact, mc_mean, mc_median), the α → ∞ limit L(n), the vertical markers
    [(x, key, label, dash)]. ``[spec[3] for spec in specs]`` is what :func:`with_data` swaps in."""
    specs = [("band", key, key, (x, lo, hi), None) for key, (lo, hi) in bands.items()]
    specs += [("curve", key, key, (x, y), "dashed" if key == "approx" else "solid") for key, y in curves.items()]
    if limit is not None:
        specs.append(("curve", "limit", "limit", ([float(np.min(x)), float(np.max(x))], [limit, limit]), "dashed"))
    specs += [("marker", key, label, marker_data(position, top), dash) for position, key, label, dash in markers]
    return specs


def objective_view(specs: list, title: str, top: float, xlim: tuple, t_, xlabel: str, logx: bool = False):
    """Gradient size against the scale from :func:`objective_specs` (the current-α marker last)."""
    ylabel = t_("gradient")
    # one column name whatever the unit (the label carries it): a unit switch retitles the axis in place
    xlabel = hv.Dimension("scale", label=xlabel)
    layers = []
    for kind, key, label, data, dash in specs:
        if kind == "band":
            layers.append(band(*data, xlabel, ylabel, COLORS[key], t_(label)))
        elif kind == "curve":
            width = 1.2 if key == "limit" else 2.2 if key in ("exact", "approx") else 1.8
            layers.append(styled(hv.Curve(data, xlabel, ylabel, label=t_(label)), color=COLORS[key], line_dash=dash,
                                 line_width=width))
        else:
            layers.append(styled(hv.Curve(data, xlabel, ylabel, label=label), color=COLORS[key], line_dash=dash,
                                 line_width=1.5))
    return styled(hv.Overlay(layers), title=title, height=380, ylim=(0.0, top), xlim=xlim, logx=logx,
                  legend_position="right", **PLOT)


def marker_data(x: float, top: float):
    return ([x, x], [0.0, top])


def with_data(view, data: dict):
    """The same styled view with new data in some layers (``{layer index: data}``): clones keep
    their ids and so their options, which costs a few ms instead of restyling (~20–60 ms)."""
    if not isinstance(view, hv.Overlay):
        return view.clone(data[0])
    layers = list(view.values())
    for index, values in data.items():
        layers[index] = layers[index].clone(values)
    return view.clone(layers)


DRAW_FLOOR = 1e-12


def draw_view(p_sorted, title: str, t_):
    """Sorted attention weights of one draw (top 64), log y, floored at 1e-12 (one curve with
    markers; new data: :func:`with_data` ``{0: (rank, p)}``)."""
    rank = np.arange(1, len(p_sorted) + 1)
    values = np.maximum(p_sorted, DRAW_FLOOR)
    line = hv.Curve((rank, values), t_("rank"), t_("probability"))
    return styled(line, title=title, height=300, logy=True, ylim=(DRAW_FLOOR, 1.5), color=COLORS["mc_mean"],
                  line_width=1.5, **PLOT)


def jacobian_view(J, scale: float, title: str, t_):
    """Heatmap of J with colour range ±``scale``, key 1 at the lower left (new data: :func:`with_data`
    ``{0: np.flipud(J)}``)."""
    k = J.shape[0]
    image = hv.Image(np.flipud(J), bounds=(0.5, 0.5, k + 0.5, k + 0.5), kdims=[t_("key_j"), t_("key_i")], vdims=["J/α"])
    return styled(image, title=title, height=300, cmap="RdBu_r", clim=(-scale, scale), colorbar=True,
                  responsive=True, fig_inches=(4, 3.5), tools=["hover"])


def star_view(n, curves: dict, points: dict, title: str, t_, ylabel: str):
    """α* and scale laws against n (log x). ``curves`` label → (y, colour, dash); ``points`` label → (n, y, colour)."""
    layers = [styled(hv.Curve((n, y), t_("n_axis"), ylabel, label=label), color=color, line_dash=dash,
                     line_width=2.2 if dash == "solid" else 1.6)
              for label, (y, color, dash) in curves.items()]
    layers += [styled(hv.Scatter((x, y), t_("n_axis"), ylabel, label=label), color=color, size=9)
               for label, (x, y, color) in points.items()]
    return styled(hv.Overlay(layers), title=title, height=340, logx=True, legend_position="right", **PLOT)


def entropy_view(n, exact: dict, mean_field: dict, title: str, t_):
    """E[H] against n for each scale law: exact (solid) and mean field ln n − G(α) (dashed)."""
    layers = []
    for label, (y, color) in exact.items():
        layers.append(styled(hv.Curve((n, y), t_("n_axis"), t_("entropy_axis"), label=label), color=color, line_width=2))
        layers.append(styled(hv.Scatter((n, y), t_("n_axis"), t_("entropy_axis"), label=label), color=color, size=5))
    for label, (y, color) in mean_field.items():
        layers.append(styled(hv.Curve((n, y), t_("n_axis"), t_("entropy_axis"), label=label), color=color,
                             line_dash="dashed", line_width=1.2))
    return styled(hv.Overlay(layers), title=title, height=340, logx=True, legend_position="right", **PLOT)


def lines_view(x, curves: dict, title: str, xlabel: str, ylabel: str, ylim=None, logx=False, logy=False, height=300):
    """Generic overlay of labelled curves: ``curves`` label → (y, colour, dash)."""
    layers = [styled(hv.Curve((x, y), xlabel, ylabel, label=label), color=color, line_dash=dash, line_width=2)
              for label, (y, color, dash) in curves.items()]
    options = dict(title=title, height=height, logx=logx, logy=logy, legend_position="right", **PLOT)
    if ylim is not None:
        options["ylim"] = ylim
    return styled(hv.Overlay(layers), **options)


def measures_view(names, original, transformed, title: str, t_):
    """Each sparsity measure before and after a property transform, as paired bars on a numeric
    axis (thick spikes; a categorical axis would not update in place)."""
    x = np.arange(len(names), dtype=float)
    layers = []
    for offset, values, key, color in ((-0.17, original, "original", "#0072B2"),
                                       (0.17, transformed, "transformed", "#E69F00")):
        layers.append(styled(hv.Spikes((x + offset, np.asarray(values, dtype=float)), t_("measure_axis"),
                                       t_("value_axis"), label=t_(key)), color=color, line_width=22))
    return styled(hv.Overlay(layers), title=title, height=300, ylim=(0.0, 1.05), xlim=(-0.6, len(names) - 0.4),
                  xticks=[(float(i), name) for i, name in enumerate(names)], legend_position="top_left", **PLOT)


def position_view(matrix, title: str, t_):
    """Heatmap of (R_m q_m)ᵀ(R_n k_n) over positions."""
    L = matrix.shape[0]
    scale = float(np.max(np.abs(matrix))) or 1.0
    image = hv.Image(np.flipud(matrix), bounds=(-0.5, -0.5, L - 0.5, L - 0.5), kdims=[t_("position_n"), t_("position_m")],
                     vdims=["score"])
    return styled(image, title=title, height=300, cmap="RdBu_r", clim=(-scale, scale), colorbar=True, responsive=True,
                  fig_inches=(4, 3.5), tools=["hover"])
