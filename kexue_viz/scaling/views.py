"""HoloViews views of the batch-size / learning-rate series. Pure functions: numpy arrays and a
text lookup ``t_(key, **values)`` in, HoloViews objects out (dashboard, notebook and export)."""
from __future__ import annotations

import math
from collections import OrderedDict

import holoviews as hv
import numpy as np

from ..style import CYCLE, styled

PLOT = dict(responsive=True, show_grid=True, fig_inches=(6, 3.2), aspect=1.8, tools=["hover"])
DASH = {"exact": "solid", "clip": "dashdot", "erf_rational": "dashed", "mean_field": "dotted", "adam": "dashdot"}
SGD_COLOR = "#000000"
MARKER_COLOR = "#555555"


def curve(data, kdim, vdims, label: str = "", **style):
    """``styled(hv.Curve(data, kdim, vdims, label=label), **style)``."""
    return styled(hv.Curve(data, kdim, vdims, label=label), **style)


def eps_color(index: int) -> str:
    """Colour of the ``index``-th ε (the same ε has the same colour in every view)."""
    return CYCLE[index % len(CYCLE)]


def eta_curves_view(B, curves, peaks, sgd, B_simple, y_label, t_, title):
    """View A without the probe line: η*(B) on log B. ``curves``: list of ``(eps_index, eps_label,
    backend_label, backend, y, dL)``; ``peaks``: list of ``(eps_index, B_peak, y_peak)`` (exact
    backend); ``sgd``: y values or None; a dashed line at B_simple."""
    # fixed column names (labels carry the unit): a change of unit retitles the axis in place
    eta = hv.Dimension("eta", label=y_label)
    layers = []
    labelled = set()
    for index, eps_label, backend_label, backend, y, dL in curves:
        # legend: one entry per ε (first backend drawn) and one per further backend (line style)
        label = f"ε={eps_label}" if backend == curves[0][3] else "" if backend in labelled else backend_label
        labelled.add(backend)
        layers.append(curve((B, y, dL), "B", [eta, "ΔL"], label, color=eps_color(index), line_dash=DASH[backend],
                            line_width=2.2 if backend == "exact" else 1.6))
    if sgd is not None:
        layers.append(curve((B, sgd, np.full_like(B, np.nan)), "B", [eta, "ΔL"], t_("sgd"), color=SGD_COLOR,
                            line_dash="dotted", line_width=1.8))
    # always drawn, empty when no curve peaks: the plot keeps its layers and updates in place
    points = np.array([[b, y] for _, b, y in peaks], dtype=float).reshape(-1, 2)
    layers.append(styled(hv.Scatter((points[:, 0], points[:, 1]), "B", eta, label=t_("peak")),
                         color=MARKER_COLOR, marker="triangle", size=11))
    layers.append(styled(hv.VLine(B_simple, label="B_simple"), color=MARKER_COLOR, line_dash="dashed", line_width=1))
    return styled(hv.Overlay(layers), title=title, logx=True, height=380, legend_position="right",
                  xlim=(float(B[0]), float(B[-1])), **{**PLOT, "aspect": 2.4, "fig_inches": (9, 3.8)})


def with_probe(curves, B_probe):
    """``curves`` (an overlay from :func:`eta_curves_view`) plus a vertical line at the probed B.
    A clone keeps the overlay's id, hence its plot options, at no cost (re-applying them would
    walk every layer)."""
    line = styled(hv.VLine(B_probe), color="#D55E00", line_width=1.5)
    return curves.clone(OrderedDict([*curves.data.items(), (("VLine", "Probe"), line)]))


def loss_view(B, curves, t_):
    """View B: ΔL(B)/ΔL(B_max) on log B (monotone even where η* surges); one line per ε, the
    backends of that ε joined by gaps."""
    by_eps: dict[int, list] = {}
    for index, eps_label, _, _, _, dL in curves:
        by_eps.setdefault(index, [eps_label, [], []])
        by_eps[index][1].extend([B, [np.nan]])
        by_eps[index][2].extend([dL / dL[-1], [np.nan]])
    layers = [curve((np.concatenate(x), np.concatenate(y)), "B", t_("dL_rel"), f"ε={label}", color=eps_color(index),
                    line_width=1.8) for index, (label, x, y) in by_eps.items()]
    return styled(hv.Overlay(layers), title=t_("view_dL"), logx=True, height=300, legend_position="bottom_right",
                  ylim=(0, 1.05), xlim=(float(B[0]), float(B[-1])), **PLOT)


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
    dots = styled(hv.Scatter((1 + B_dL / B_probe, 1 + B_probe / B_dL, eps), t_("S_rel"), [t_("E_rel"), "ε"]),
                  color="#D55E00", size=9)
    return styled(curve * dots, title=t_("view_SE", B=B_probe), logx=True, logy=True, height=300,
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
    return styled(hv.Overlay(layers), title=t_("view_moments", b=b), height=300, ylim=(-1.05, 1.05),
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
