"""HoloViews views of the LoRA series (panels A–I of brief §4). Pure functions: numpy arrays, texts and a
text lookup ``t_(key, **values)`` in, HoloViews objects out (dashboard, notebook and export).
The LoRA+ heatmap is a plain ``hv.HeatMap`` (:mod:`kexue_viz.plot` has no deferred one; it changes only
when its task finishes).

A line is a :class:`Line` (label, colour, dash, x, y); a view is an overlay of lines on fixed dimension
names (``x``, ``y``) whose axis titles are options, so a language switch or a new method retitles a plot
in place. Elements come from :mod:`kexue_viz.plot` (light specs inside a live plot).
"""
from __future__ import annotations

import math
from typing import NamedTuple

import holoviews as hv
import numpy as np

from .. import plot
from ..mapequation.views import texts
from ..style import CYCLE, per_backend, styled

METHOD_COLORS = {"full": "#000000", "lora": CYCLE[0], "lora_plus": CYCLE[1], "lora_ga": CYCLE[2],
                 "lora_pro": CYCLE[3], "scaled_gd": CYCLE[5]}
C_COLORS = {"zero": CYCLE[0], "sym": CYCLE[1], "sylvester": CYCLE[3]}
FACTOR_COLORS = {"W0": "#BBBBBB", "A": CYCLE[0], "B": CYCLE[1]}  # A and B as in the σ(G₀) view
GUIDE_COLOR = "#555555"
PROBE_COLOR = "#D55E00"
X = hv.Dimension("x")
Y = hv.Dimension("y")
LOG_CEILING = 1e8
# the LoRA+ heatmap's columns, labelled as its axes, colour bar and hover show them
RATIO = hv.Dimension("ratio", label="λ = η(B)/η(A)")
LR_A = hv.Dimension("lr_A", label="η(A)")
LOG_LOSS = hv.Dimension("log10_loss", label="log₁₀ L(T)")
PLOT = dict(responsive=True, show_grid=True, height=300, fig_inches=(6, 3.2), aspect=1.8)


class Line(NamedTuple):
    """One curve: legend ``label`` (empty: no legend entry), colour, Bokeh dash, data."""
    label: str
    color: str
    dash: str
    x: np.ndarray
    y: np.ndarray
    width: float = 2.0


def curve(line: Line):
    return styled(plot.Curve((np.asarray(line.x, dtype=float), np.asarray(line.y, dtype=float)), X, Y,
                             label=line.label), color=line.color, line_dash=line.dash, line_width=line.width)


def legend_key(label: str, color: str, dash: str = "solid"):
    """A curve of one NaN point drawing only a legend entry."""
    return curve(Line(label, color, dash, np.array([math.nan]), np.array([math.nan]), 1.5))


def lines_view(lines, title: str, xlabel: str, ylabel: str, logx=False, logy=False, vlines=(), extra=(),
               legend="right", log_floor=0.0, **options):
    """An overlay of :class:`Line` curves, ``extra`` elements and vertical guides (``vlines``: list of
    ``(x, colour, dash)``). On a log axis the values ≤ ``log_floor`` or above ``LOG_CEILING`` (a diverging
    run) are left out (NaN)."""
    if logy:
        lines = [line._replace(y=np.where((np.asarray(line.y) > log_floor) & (np.asarray(line.y) < LOG_CEILING),
                                          line.y, np.nan)) for line in lines]
    layers = [curve(line) for line in lines] + list(extra)
    if not layers:  # nothing to show yet (digits before its run): an empty frame with its title
        layers = [legend_key("", GUIDE_COLOR)]
    layers += [styled(plot.VLine(float(x)), color=color, line_dash=dash, line_width=1.3) for x, color, dash in vlines]
    return styled(plot.Overlay(layers), title=title, xlabel=xlabel, ylabel=ylabel, logx=logx, logy=logy,
                  legend_position=legend, **{**PLOT, **options})


def floor_lines(floors, steps: int) -> list[Line]:
    """The loss floors as flat dashed lines over the steps: ``floors`` list of ``(label, value)``."""
    x = np.array([0.0, float(steps)])
    dashes = ("dashed", "dotted", "dashdot")
    return [Line(label, GUIDE_COLOR, dashes[i % 3], x, np.full(2, value), 1.4)
            for i, (label, value) in enumerate(floors)]


def loss_view(lines, floors, steps: int, t_probe: int, t_, ylim):
    """A. Loss against step (log y, limits ``ylim``), one line per method, the floors dashed, the probed
    step marked."""
    title = t_("view_loss_floors" if floors else "view_loss")
    return lines_view([*lines, *floor_lines(floors, steps)], title, t_("step"), t_("loss_axis"),
                      logy=True, vlines=[(t_probe, PROBE_COLOR, "solid")], height=380, aspect=2.6,
                      fig_inches=(9, 3.8), ylim=tuple(ylim))


def distance_view(lines, t_probe: int, t_, ylim):
    """B. ‖ΔW_method(t) − ΔW_full(t)‖/‖ΔW_full(t)‖ against step (limits ``ylim``: a diverging run leaves
    the frame)."""
    return lines_view(lines, t_("view_distance"), t_("step"), t_("distance_axis"),
                      vlines=[(t_probe, PROBE_COLOR, "solid")], legend="top_right", ylim=tuple(ylim))


def cosine_view(lines, bounds, t_probe: int, t_):
    """C. cos(G̃_t, G_t) per method (solid) and the projection bound ‖G̃_Pro‖/‖G‖ at the same (A_t, B_t)
    (dashed, same colour; one grey legend entry for them all)."""
    dashed = [line._replace(label="", dash="dashed", width=1.4) for line in bounds]
    return lines_view([*lines, *dashed], t_("view_cos"), t_("step"), t_("cos_axis"),
                      extra=[legend_key(t_("bound"), GUIDE_COLOR, "dashed")],
                      vlines=[(t_probe, PROBE_COLOR, "solid")], legend="bottom_right")


def spectrum_view(lines, r: int, t: int, t_):
    """D. Singular values of ΔW at step t (log y) against their index, guides at r and 2r."""
    return lines_view(lines, t_("view_spectrum", t=t, r=r, r2=2 * r), t_("sv_index"), t_("sv_axis"), logy=True,
                      vlines=[(r, GUIDE_COLOR, "dashed"), (2 * r, GUIDE_COLOR, "dotted")], legend="top_right")


def markers(points, size: int = 10):
    """Labelled markers: ``points`` list of ``(label, colour, marker, x, y)``."""
    return [styled(plot.Scatter((np.array([x], dtype=float), np.array([y], dtype=float)), X, Y, label=label),
                   color=color, marker=marker, size=size) for label, color, marker, x, y in points]


def heatmap_view(lrs, ratios, losses, best, t_):
    """E. Final loss of LoRA+ over (η_A, λ) as log₁₀ loss (blank: diverged), the best cell named in the
    title; ``losses`` [len(lrs), len(ratios)], ``best`` ``(η_A, λ, loss)`` or None. Without data: an
    empty frame asking for the button."""
    if losses is None:
        return lines_view([], t_("view_heatmap_empty"), RATIO.label, LR_A.label)
    values = np.log10(np.where(np.isfinite(losses) & (losses > 0), losses, np.nan))
    rows = np.repeat(np.arange(len(lrs)), len(ratios))
    data = (np.tile([f"{v:g}" for v in ratios], len(lrs)), np.array([f"{lrs[i]:.3g}" for i in rows]), values.ravel())
    title = t_("view_heatmap", lr=best[0], ratio=best[1], loss=best[2]) if best else t_("view_heatmap_none")
    heatmap = styled(hv.HeatMap(data, [RATIO, LR_A], LOG_LOSS), title=title, xlabel=RATIO.label, ylabel=LR_A.label,
                     cmap="viridis", colorbar=True, tools=["hover"], clabel=LOG_LOSS.label, **PLOT)
    return per_backend(heatmap, matplotlib=dict(show_values=False))  # the colour bar reads the cells


def sigma_view(sigma, idx_A, idx_B, t_):
    """F. σ(G0) against index (log y): LoRA-GA's indices for A0 and B0 highlighted."""
    k = np.arange(1, len(sigma) + 1, dtype=float)
    positive = np.where(sigma > 0, sigma, np.nan)
    layers = [styled(plot.Scatter((k, positive), X, Y, label=t_("sigma_all")), color=GUIDE_COLOR, size=6)]
    for label, index, color in ((t_("sigma_A"), idx_A, CYCLE[0]), (t_("sigma_B"), idx_B, CYCLE[1])):
        layers.append(styled(plot.Scatter((k[index], positive[index]), X, Y, label=label), color=color, size=10,
                             marker="square"))
    return styled(plot.Overlay(layers), title=t_("view_sigma"), xlabel=t_("sv_index"), ylabel="σᵢ(G₀)", logy=True,
                  legend_position="top_right", **PLOT)


def equal_scale_limits(xlim: tuple, ylim: tuple, aspect: float) -> tuple[tuple, tuple]:
    """``(xlim, ylim)`` widened about their centres on one axis so that x-span/y-span = ``aspect``: in a
    frame of that aspect one data unit is as long on both axes."""
    (x0, x1), (y0, y1) = xlim, ylim
    if (x1 - x0) < aspect * (y1 - y0):
        pad = (aspect * (y1 - y0) - (x1 - x0)) / 2
        return (x0 - pad, x1 + pad), (y0, y1)
    pad = ((x1 - x0) / aspect - (y1 - y0)) / 2
    return (x0, x1), (y0 - pad, y1 + pad)


def schematic_view(n: int, m: int, r: int, t_, aspect: float = 2.0):
    """I. Figure F1 of 9590, 10001 and 10226, to scale: W = W₀ + AB with W₀ (n×m) frozen, A (n×r) the input
    side and B (r×m) the output side, each a rectangle of rows × columns (equal units on both axes, B
    aligned with A's top rows as in a matrix product), named with its shape and its role (W₀ with its nm
    entries, A and B with their peft names); the title counts the trained entries r(n + m) and their
    share. The frame is ``aspect`` times as wide as high (Bokeh ``frame_width``/``frame_height``,
    matplotlib ``aspect``)."""
    gap, unit = max(n, m) / 5, max(n, m) / 10
    x_A = m + gap
    x_B = x_A + r + gap
    blocks = {"W0": (0.0, 0.0, m, n), "A": (x_A, 0.0, x_A + r, n), "B": (x_B, n - r, x_B + m, n)}
    layers = [per_backend(plot.Rectangles([box]), bokeh=dict(color=FACTOR_COLORS[name], line_color="#555555"),
                          matplotlib=dict(color=FACTOR_COLORS[name], edgecolor="#555555"))
              for name, box in blocks.items()]
    x = [m / 2, x_A + r / 2, x_B + m / 2]
    bottom = [0.0, 0.0, n - r]  # under each block: its name, then its role (lines centred as one block)
    role_texts = [t_("schematic_W0_role", full=n * m), t_("schematic_A_role"), t_("schematic_B_role")]
    names = (x, [y - 0.9 * unit for y in bottom],
             [t_("schematic_W0", n=n, m=m), t_("schematic_A", n=n, r=r), t_("schematic_B", r=r, m=m)])
    roles = (x, [y - (2.0 + 0.4 * text.count("\n")) * unit for y, text in zip(bottom, role_texts)], role_texts)
    operators = ([m + gap / 2, x_A + r + gap / 2], [n / 2, n - r / 2], ["+", "×"])
    layers += [texts(x, y, text, size) for (x, y, text), size in ((names, 10), (roles, 8), (operators, 18))]
    xlim, ylim = equal_scale_limits((-unit, x_B + m + unit), (-3.8 * unit, n + 0.8 * unit), aspect)  # texts below
    title = t_("view_schematic", trained=r * (n + m), share=r * (n + m) / (n * m))
    return styled(plot.Overlay(layers), title=title, xlim=xlim, ylim=ylim, xaxis=None, yaxis=None,
                  show_grid=False, toolbar=None, frame_width=460, frame_height=round(460 / aspect),
                  aspect=aspect, fig_inches=(8, 4.4))
