"""HoloViews views of the low-rank lab. Pure functions: arrays and a text lookup ``t_(key, **values)`` in,
HoloViews objects out (dashboard, notebook and export). Elements are built with :mod:`kexue_viz.plot`, so a
live plot updates their Bokeh columns without building them. Every method has one colour in every view
(:data:`METHOD_COLOR`); the randomised ones are drawn as a median over seeds with a min–max band.
"""
from __future__ import annotations

import numpy as np

from .. import plot
from ..style import per_backend, styled

PLOT = dict(responsive=True, show_grid=True, fig_inches=(6, 3.4), aspect=1.8)
METHOD_COLOR = {"svd": "#000000", "rsvd": "#0072B2", "id_cpqr": "#E69F00", "id_sketch": "#56B4E9",
                "id_colsample": "#009E73", "id_greedy": "#CC79A7", "cur_deim": "#D55E00", "cur_leverage": "#882255",
                "cur_cpqr": "#999933"}
BOUND_DASH = {"eym": "solid", "volume": "dotted", "hmt": "dashed", "cgmr": "dotted"}
CURSOR = "#777777"
IMAGE_HEIGHT = 220
SELECTION = "#D55E00"
SCHEME_COLOR = {"optimal": "#0072B2", "x_norm2": "#E69F00", "uniform": "#009E73"}


def _positive(values) -> np.ndarray:
    """``values`` with non-positive entries as NaN (a log axis cannot show them: an exact fit)."""
    values = np.asarray(values, dtype=float)
    return np.where(values > 0, values, np.nan)


def cursor(r: float):
    """The shared rank cursor: a vertical line at r."""
    return styled(plot.VLine(float(r)), color=CURSOR, line_width=1.2, line_dash="dashed")


def error_view(lines, bands, bounds, r: int, title: str, t_):
    """Error vs rank (the main view). ``lines``: ``(method, label, ranks, errors)`` — a deterministic curve or
    a randomised method's median; ``bands``: ``(method, ranks, low, high)`` — min–max over seeds;
    ``bounds``: ``(key, label, ranks, values)`` reference lines (EYM thick, the bounds dashed/dotted)."""
    layers = []
    for method, ranks, low, high in bands:
        layers.append(styled(plot.Area((ranks, _positive(low), _positive(high)), "r", ["error", "error_high"]),
                             color=METHOD_COLOR[method], fill_alpha=0.18, line_width=0))
    for key, label, ranks, values in bounds:
        layers.append(styled(plot.Curve((ranks[1:], _positive(values[1:])), "r", "error", label=label),
                             color="#000000", line_width=3.2 if key == "eym" else 1.3,
                             line_dash=BOUND_DASH[key], alpha=0.35 if key == "eym" else 0.8))
    for method, label, ranks, errors in lines:
        keep = ranks >= 1
        layers.append(styled(plot.Curve((ranks[keep], _positive(errors[keep])), "r", "error", label=label),
                             color=METHOD_COLOR[method], line_width=2.0))
    layers.append(cursor(r))
    return styled(plot.Overlay(layers), title=title, logy=True, xlabel=t_("axis_rank"), ylabel=t_("axis_error"),
                  height=400, legend_position="right", **{**PLOT, "aspect": 2.4, "fig_inches": (9, 4)})


def image_view(values, title: str, cmap: str = "gray", symmetric: bool = False, bands=None):
    """One matrix as an image (row 0 on top), float32; ``symmetric``: colour limits ±max|values| (a
    signed residual); ``bands``: ``(cols, rows)`` drawn as translucent stripes over it (the chosen columns
    and rows, a repeated index darker)."""
    values = np.asarray(values, dtype=np.float32)
    n, m = values.shape
    if symmetric:
        limit = float(np.nanmax(np.abs(values))) or 1.0
        clim = (-limit, limit)
    else:
        clim = (float(np.nanmin(values)), float(np.nanmax(values)))
    image = styled(plot.Image(values, bounds=(0, 0, m, n), kdims=["column", "row"], vdims=["value"]), cmap=cmap,
                   clim=clim, colorbar=symmetric)
    layers = [image]
    if bands is not None:
        cols, rows = bands
        boxes = [(c, 0, c + 1, n) for c in np.asarray(cols if cols is not None else [], dtype=float)]
        boxes += [(0, n - i - 1, m, n - i) for i in np.asarray(rows if rows is not None else [], dtype=float)]
        rectangles = np.array(boxes, dtype=float).reshape(-1, 4)
        layers.append(styled(plot.Rectangles(rectangles, ["x0", "y0", "x1", "y1"]), color=SELECTION, alpha=0.28,
                             line_width=0))
    return styled(plot.Overlay(layers), title=title, xaxis=None, yaxis=None, frame_height=IMAGE_HEIGHT,
                  data_aspect=1, fig_inches=(4, 3), show_grid=False)


def spectrum_view(sigma, r_kk, r: int, t_):
    """σ_i (log) with the discarded tail beyond r shaded, and CPQR's ``|R_kk|`` (rank-revealing when it
    follows σ)."""
    index = np.arange(1, len(sigma) + 1)
    layers = [styled(plot.VSpan(r + 0.5, float(len(sigma)) + 0.5), color=CURSOR, alpha=0.12),
              styled(plot.Curve((index, _positive(sigma)), "i", "value", label="σᵢ"), color="#000000", line_width=2),
              styled(plot.Curve((np.arange(1, len(r_kk) + 1), _positive(np.abs(r_kk))), "i", "value",
                                label="|Rₖₖ| (CPQR)"), color=METHOD_COLOR["id_cpqr"], line_width=1.6,
                     line_dash="dashed"),
              cursor(r)]
    return styled(plot.Overlay(layers), title=t_("view_spectrum"), logy=True, xlabel=t_("axis_index"),
                  ylabel=t_("axis_singular"), height=300, legend_position="top_right", **PLOT)


def probabilities_view(leverage, norms, deim_cols, sampled_cols, k: int, r: int, t_):
    """Column sampling probabilities: rank-k leverage ``H_jj/k``, squared column norms, uniform; the
    DEIM columns (first r) as markers; the leverage draw at this seed as ticks along the bottom."""
    m = len(leverage)
    columns = np.arange(m)
    deim_cols = np.asarray(deim_cols, dtype=int)
    sampled = np.asarray(sampled_cols, dtype=float)
    layers = [styled(plot.Curve((columns, leverage), "column", "p", label=t_("leverage_label")),
                     color=METHOD_COLOR["cur_leverage"], line_width=1.6),
              styled(plot.Curve((columns, norms), "column", "p", label=t_("norm_label")), color="#000000",
                     line_width=1.2, alpha=0.7),
              styled(plot.HLine(1.0 / m), color=CURSOR, line_dash="dotted", line_width=1.2),
              styled(plot.Scatter((deim_cols.astype(float), leverage[deim_cols]), "column", "p",
                                  label=t_("deim_label")), color=METHOD_COLOR["cur_deim"], size=7,
                     marker="triangle"),
              styled(plot.Spikes((sampled, np.full(sampled.size, float(np.max(leverage)) * 0.08)), "column", "p"),
                     color=METHOD_COLOR["cur_leverage"], line_width=1.5)]
    return styled(plot.Overlay(layers), title=t_("view_probabilities", k=k, r=r), xlabel=t_("axis_column"),
                  ylabel=t_("axis_probability"), height=330, legend_position="bottom", legend_cols=3, **PLOT)


def spread_view(points, r: int, t_):
    """The error at rank r per method: one point per seed for the randomised methods (spread sideways a
    little), one for the others. ``points``: ``(method, label, errors)``; methods sit at x = 0, 1, …"""
    layers = []
    for index, (method, _, errors) in enumerate(points):
        errors = np.asarray(errors, dtype=float)
        x = index + (np.linspace(-0.2, 0.2, errors.size) if errors.size > 1 else np.zeros(1))
        layers.append(styled(plot.Scatter((x, errors), "position", "error"), color=METHOD_COLOR[method], size=8,
                             alpha=0.75))
    ticks = [(index, label) for index, (_, label, _) in enumerate(points)]
    return styled(plot.Overlay(layers), title=t_("view_spread", r=r), xlabel="", ylabel=t_("axis_error"),
                  height=300, xticks=ticks, xrotation=20, xlim=(-0.6, len(points) - 0.4), show_legend=False, **PLOT)


def eps_path_view(path, t_):
    """Post 1: ``‖T(ε) − A^†‖_F`` against ε in float64 and float32, with the closed form (linear in ε)."""
    eps = path["eps"]
    layers = [styled(plot.Curve((eps, path["closed_form"]), "ε", "gap", label=t_("closed_form")), color="#000000",
                     line_width=3, alpha=0.35),
              styled(plot.Curve((eps, path["float64"]), "ε", "gap", label="float64"), color="#0072B2", line_width=2),
              styled(plot.Curve((eps, path["float32"]), "ε", "gap", label="float32"), color="#D55E00", line_width=2,
                     line_dash="dashed")]
    return styled(plot.Overlay(layers), title=t_("view_eps"), logx=True, logy=True, xlabel="ε",
                  ylabel=t_("axis_distance"), height=320, legend_position="bottom_right", **PLOT)


def descent_view(history, t_):
    """Post 1: gradient descent's distance to ``A^†M`` from ``B₀ = 0`` and from a random B₀, and from the
    random start to its predicted limit ``A^†M + (I − A^†A)B₀``."""
    steps = np.arange(len(history["zero_to_pinv"]))
    rows = [("zero_to_pinv", "#0072B2", "solid"), ("random_to_pinv", "#D55E00", "dashed"),
            ("random_to_limit", "#009E73", "dotted")]
    layers = [styled(plot.Curve((steps, _positive(history[key])), "step", "distance", label=t_(f"descent.{key}")),
                     color=colour, line_width=2, line_dash=dash) for key, colour, dash in rows]
    return styled(plot.Overlay(layers), title=t_("view_descent"), logy=True, xlabel=t_("axis_step"),
                  ylabel=t_("axis_distance"), height=320, legend_position="top_right", **PLOT)


def geometry_view(stages, basis, stage: float, sigma, t_):
    """Post 2's figure: the unit circle and two orthonormal vectors after ``Vᵀ``, ``Σ``, ``U`` in turn;
    ``stage`` ∈ [0, 3] moves between them (linearly between consecutive stages)."""
    low = int(min(np.floor(stage), 2))
    fraction = float(stage) - low
    curve = (1 - fraction) * stages[low] + fraction * stages[low + 1]
    vectors = (1 - fraction) * basis[low] + fraction * basis[low + 1]
    closed = np.concatenate([curve, curve[:, :1]], axis=1)
    limit = 1.15 * max(1.0, float(np.max(sigma)))
    arrows = [styled(plot.Segments(([0.0], [0.0], [vectors[0][k]], [vectors[1][k]]), ["x0", "y0", "x1", "y1"]),
                     color=colour, line_width=3) for k, colour in enumerate(("#D55E00", "#0072B2"))]
    layers = [styled(plot.Curve((stages[0][0], stages[0][1]), "x", "y"), color=CURSOR, line_dash="dotted"),
              styled(plot.Curve((closed[0], closed[1]), "x", "y"), color="#000000", line_width=2), *arrows]
    names = t_("stage_names").split("|")
    title = t_("view_geometry", stage=names[int(round(stage))], s1=float(sigma[0]), s2=float(sigma[1]))
    return styled(plot.Overlay(layers), title=title, xlim=(-limit, limit), ylim=(-limit, limit), width=380,
                  height=380, show_grid=True, fig_inches=(4, 4), aspect=1)


def weights_view(weights, r: int, t_):
    """Post 2's proof picture: the weights ``w_j = (I − AA^†)_jj`` of a random A (bars) against the optimal
    0/1 pattern (dots); the objective ``Σ w_j σ_j²`` is least with weight 0 on the r largest σ."""
    j = np.arange(1, len(weights["random"]) + 1, dtype=float)
    layers = [styled(plot.Spikes((j, weights["random"]), "j", "w"), color="#0072B2", line_width=6, alpha=0.7),
              styled(plot.Scatter((j, weights["optimal"]), "j", "w"), color="#000000", size=7),
              cursor(r + 0.5)]
    title = t_("view_weights", random=weights["random_objective"], optimal=weights["optimal_objective"])
    view = styled(plot.Overlay(layers), title=title, xlabel="j", ylabel="wⱼ", ylim=(-0.05, 1.1), height=300,
                  show_legend=False, **PLOT)
    return per_backend(view, matplotlib=dict(xlim=(0.5, len(j) + 0.5)))  # the export's axes end at the data


def cr_error_view(data, scheme: str, replacement: bool, r: int, t_):
    """Post 3: ``‖CR − XY‖²/‖XY‖²`` against r: each scheme's closed-form expectation (with replacement;
    the chosen one thick), the chosen scheme's Monte Carlo median and min–max band, the top-r selection, the
    zero matrix (1) and the break-even rank."""
    ranks, sampled = data["ranks"], data["sampled"]
    layers = [styled(plot.Area((ranks, _positive(sampled.min(1)), _positive(sampled.max(1))), "r",
                               ["error2", "error2_high"]), color=SCHEME_COLOR[scheme], fill_alpha=0.18, line_width=0),
              styled(plot.Curve((ranks, _positive(np.median(sampled, 1))), "r", "error2",
                                label=t_("cr_sampled", kind=t_("with") if replacement else t_("without"))),
                     color=SCHEME_COLOR[scheme], line_width=1.4, line_dash="dotted")]
    for key, values in data["expected"].items():
        layers.append(styled(plot.Curve((ranks, _positive(values)), "r", "error2",
                                        label=t_("cr_expected", scheme=t_(f"cr_scheme.{key}"))),
                             color=SCHEME_COLOR[key], line_width=2.6 if key == scheme else 1.2))
    layers += [styled(plot.Curve((ranks, _positive(data["top"])), "r", "error2", label=t_("cr_top")),
                      color="#000000", line_width=1.6, line_dash="dashed"),
               styled(plot.HLine(1.0), color=CURSOR, line_width=1.2),
               styled(plot.VLine(data["break_even"]), color=SCHEME_COLOR[scheme], line_dash="dotted", line_width=1.2),
               cursor(r)]
    title = t_("view_cr", break_even=data["break_even"])
    return styled(plot.Overlay(layers), title=title, logy=True, xlabel=t_("axis_rank"), ylabel=t_("axis_error2"),
                  height=360, legend_position="right", **{**PLOT, "aspect": 2.4, "fig_inches": (9, 3.8)})


def cr_draw_view(draw, r: int, t_):
    """Post 3: the sampling probabilities of the chosen scheme and one draw of r indices (ticks, height ∝
    the number of times an index was drawn)."""
    p = draw["p"]
    index = np.arange(len(p), dtype=float)
    counts = np.asarray(draw["counts"], dtype=float)
    layers = [styled(plot.Curve((index, p), "i", "p", label="pᵢ"), color="#000000", line_width=1.4),
              styled(plot.Spikes((np.asarray(draw["indices"], dtype=float), counts * float(p.max()) / max(r, 1) * 4),
                                 "i", "p"), color=SELECTION, line_width=2)]
    title = t_("view_cr_draw", distinct=len(draw["indices"]), r=r, error=draw["error"])
    return styled(plot.Overlay(layers), title=title, xlabel=t_("axis_inner"), ylabel=t_("axis_probability"),
                  height=300, legend_position="top_right", **PLOT)
