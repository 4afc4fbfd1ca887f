"""HoloViews views of exact diffusion-ODE trajectories. Pure functions: numpy data and a text
lookup ``t_(key, **values)`` in, HoloViews objects out; the dashboard, the notebook and the export
draw with these. Colour = the data point an endpoint belongs to (its basin), the same in every view."""
from __future__ import annotations

import holoviews as hv
import numpy as np

from ..style import COLORS, CYCLE, active_backends, styled

PLOT = dict(responsive=True, show_grid=True, tools=["hover"])
BASIN_CMAP = CYCLE
DATA_COLOR = "#000000"


def _basin_colours(basins: np.ndarray) -> np.ndarray:
    return np.asarray(basins) % len(BASIN_CMAP)


_TEMPLATES: dict = {}


def _per_colour(element_type, table: np.ndarray, colour_index: np.ndarray, kdims, **options) -> list:
    """One element per palette colour holding the rows of ``table`` with that colour index.

    Constant colours instead of a colour-mapped column: the dashboard's in-place updates push only
    the data columns, so a mapped colour would be lost after the first frame. The styled element of
    each colour is built once (per backend set) and cloned with new data."""
    layers = []
    for index, colour in enumerate(BASIN_CMAP):
        key = (element_type, tuple(kdims), tuple(sorted(options.items())), colour, active_backends())
        template = _TEMPLATES.get(key)
        if template is None:
            template = _TEMPLATES[key] = styled(element_type(np.zeros((0, len(kdims))), kdims=list(kdims)),
                                                color=colour, **options)
        layers.append(template.clone(table[colour_index == index]))
    return layers


def paths(curves_x: np.ndarray, curves_y: np.ndarray, basins: np.ndarray, kdims, alpha=0.45, dash="solid") -> list:
    """Polylines, one per column of ``curves_x``/``curves_y`` (K, M), coloured by basin: per colour one
    table of segments (one glyph however many particles)."""
    colour = np.broadcast_to(_basin_colours(basins), curves_x[1:].shape).ravel()
    table = np.column_stack([curves_x[:-1].ravel(), curves_y[:-1].ravel(), curves_x[1:].ravel(),
                             curves_y[1:].ravel()])
    keep = np.isfinite(table).all(1)
    x0, y0 = kdims
    return _per_colour(hv.Segments, table[keep], colour[keep], (x0, y0, f"{x0}_end", f"{y0}_end"), alpha=alpha,
                       line_width=1.0, line_dash=dash)


def data_points(points: np.ndarray, kdims, t_):
    """The data as black dots (duplicates are merged into weights)."""
    return styled(hv.Points(points, kdims=list(kdims), label=t_("data")), color=DATA_COLOR, size=5, marker="circle")


def particles(positions: np.ndarray, basins: np.ndarray, kdims, t_) -> list:
    """Particles coloured by basin (one layer per colour)."""
    return _per_colour(hv.Points, positions, _basin_colours(basins), kdims, size=6, marker="circle")


def quiver(grid_x: np.ndarray, grid_y: np.ndarray, velocity: np.ndarray, span: float):
    """Field direction on a grid as short segments from each grid point; length ∝ ``log1p(|f|)``
    (the field grows like 1/σ near the data, so raw lengths would hide the far field)."""
    magnitude = np.linalg.norm(velocity, axis=1)
    scale = np.log1p(magnitude) / max(float(np.log1p(magnitude).max()), 1e-12) * span / 22
    direction = velocity / np.maximum(magnitude, 1e-300)[:, None]
    table = np.column_stack([grid_x, grid_y, grid_x + scale * direction[:, 0], grid_y + scale * direction[:, 1]])
    return styled(hv.Segments(table, kdims=["x1", "x2", "x1_end", "x2_end"]), color=COLORS["cursor"], alpha=0.8,
                  line_width=1.2)


def density_image(xs: np.ndarray, ys: np.ndarray, log_p: np.ndarray, t_, cmap="Blues", span: float = 12.0):
    """``log p_t`` on a grid, shown as ``(log p − max)/span + 1`` clipped to [0, 1]: the top ``span``
    nats of the density on a fixed colour scale (the colour mapper stays put while the data move)."""
    finite = np.isfinite(log_p)
    top = float(np.max(log_p[finite])) if finite.any() else 0.0
    shown = np.clip(np.where(finite, (log_p - top) / span + 1.0, 0.0), 0.0, 1.0)
    image = hv.Image((xs, ys, shown), kdims=["x1", "x2"], vdims=[t_("log_density")])
    return styled(image, cmap=cmap, alpha=0.85, clim=(0.0, 1.0), colorbar=False)


def plane_layers(data: np.ndarray, trajectories: np.ndarray, basins: np.ndarray, t_) -> list:
    """The layers of the main 2-D view that do not move with the view time: trajectories (K, M, 2)
    and the data (cache them: an unchanged layer costs nothing to refresh)."""
    kdims = ("x1", "x2")
    return [*paths(trajectories[..., 0], trajectories[..., 1], basins, kdims), data_points(data, kdims, t_)]


def plane_view(static: list, positions: np.ndarray, basins: np.ndarray, title: str, bounds: tuple, t_, arrows=None,
               density=None):
    """Main 2-D view: optional log-density and field arrows, the static layers of
    :func:`plane_layers`, and the particles at the view time."""
    layers = [density_image(*density, t_)] if density is not None else []
    if arrows is not None:
        layers.append(quiver(*arrows))
    layers += [*static, *particles(positions, basins, ("x1", "x2"), t_)]
    (x0, x1), (y0, y1) = bounds
    return styled(hv.Overlay(layers), title=title, xlim=(x0, x1), ylim=(y0, y1), frame_width=520, frame_height=520,
                  xlabel=t_("x1"), ylabel=t_("x2"), show_legend=False, tools=["hover"], fig_inches=(6, 6))


def tx_layers(times: np.ndarray, values: np.ndarray, basins: np.ndarray, t_, exact=None, exact_times=None,
              data=None) -> list:
    """Static layers of :func:`tx_view`: trajectories ``x(t)`` (K, M), the exact overlay (dashed) and
    the data on t = 0."""
    kdims = ("t", "x")
    layers = paths(np.repeat(times[:, None], values.shape[1], 1), values, basins, kdims, alpha=0.7)
    if exact is not None:
        layers += paths(np.repeat(exact_times[:, None], exact.shape[1], 1), exact, basins, kdims, alpha=1.0,
                        dash="dashed")
    if data is not None:
        layers.append(data_points(np.column_stack([np.zeros(len(data)), data]), kdims, t_))
    return layers


def tx_view(static: list, t_cursor: float, title: str, t_, ylabel="x1", height=300, logx=False):
    """Trajectories against t (post 15's figure layout) from :func:`tx_layers`, with the view time
    as a vertical line (``logx``: a log time axis, for T ≫ 1; pass layers without t = 0)."""
    cursor = styled(hv.VLine(t_cursor), color=COLORS["cursor"], line_dash="dashed", line_width=1)
    return styled(hv.Overlay([*static, cursor]), title=title, xlabel=t_("time"), ylabel=t_(ylabel), height=height,
                  show_legend=False, logx=logx, fig_inches=(6, 3), **PLOT)


def density_view(xs: np.ndarray, ys: np.ndarray, log_p: np.ndarray, data_layer, title: str, t_):
    """``log p_t`` heat map with the data (``data_layer``, see :func:`data_points`); the particles at
    the same time are in the main view."""
    overlay = hv.Overlay([density_image(xs, ys, log_p, t_), data_layer])
    return styled(overlay, title=title, xlabel=t_("x1"), ylabel=t_("x2"), frame_width=300, frame_height=300,
                  show_legend=False, fig_inches=(4, 4))


def density_view_1d(xs: np.ndarray, p: np.ndarray, positions: np.ndarray, title: str, t_):
    """``p_t(x)`` of the exact marginal with the particles' normalised histogram."""
    counts, edges = np.histogram(positions, bins=40, range=(xs[0], xs[-1]), density=True)
    histogram = styled(hv.Histogram((edges, counts), kdims=["x"], vdims=[t_("density")], label=t_("particles")),
                       color=COLORS["measure"], alpha=0.5, line_width=0)
    curve = styled(hv.Curve((xs, p), "x", t_("density"), label=t_("exact")), color=COLORS["exact"], line_width=2)
    return styled(histogram * curve, title=title, xlabel=t_("x"), height=300, legend_position="top_right",
                  fig_inches=(6, 3), **PLOT)


def cdf_view(xs: np.ndarray, F: np.ndarray, positions: np.ndarray, levels: np.ndarray, basins, title: str, t_):
    """The mixture CDF ``F_t`` with every particle at ``(x_t, F_T(x_T))``: they lie on the curve."""
    curve = styled(hv.Curve((xs, F), "x", t_("cdf")), color=COLORS["continuous"], line_width=2)
    dots = particles(np.column_stack([positions, levels]), basins, ("x", t_("cdf")), t_)
    return styled(hv.Overlay([curve, *dots]), title=title, xlabel=t_("x"), height=300, show_legend=False, fig_inches=(6, 3), **PLOT)


def quality_layers(sweep: dict, t_) -> list:
    """Agreement-vs-NFE curves and dots, one colour per solver (static for a reference and grid)."""
    layers = []
    for index, (solver, (nfe, agreement)) in enumerate(sweep.items()):
        colour = CYCLE[index % len(CYCLE)]
        layers.append(styled(hv.Curve((nfe, agreement), t_("nfe"), t_("agreement"), label=t_(f"solver.{solver}")),
                             color=colour, line_width=2))
        layers.append(styled(hv.Scatter((nfe, agreement), t_("nfe"), t_("agreement")), color=colour, size=5))
    return layers


def quality_view(static: list, current: tuple, reference: str, t_):
    """Basin agreement with the reference vs NFE per solver (log x, from :func:`quality_layers`),
    with the current setting marked."""
    marker = styled(hv.Scatter([current], t_("nfe"), t_("agreement"), label=t_("current")), color=COLORS["online"],
                    size=14, marker="diamond")
    return styled(hv.Overlay([*static, marker]), title=t_("view_quality", reference=reference), logx=True, ylim=(0, 1.05), height=300,
                  legend_position="bottom_right", fig_inches=(6, 3), **PLOT)


def curvature_curve(times: np.ndarray, kappa: np.ndarray, t_):
    return styled(hv.Curve((times, kappa), t_("time"), t_("curvature")), color=COLORS["continuous"], line_width=2)


def curvature_view(curve, t_cursor: float, t_):
    """Mean curvature of the reference trajectories against t (log–log), from :func:`curvature_curve`."""
    cursor = styled(hv.VLine(t_cursor), color=COLORS["cursor"], line_dash="dashed", line_width=1)
    return styled(curve * cursor, title=t_("view_curvature"), logx=True, logy=True, height=300, fig_inches=(6, 3),
                  **PLOT)


def tortuosity_view(values: np.ndarray, t_):
    """Histogram of path length over chord per trajectory (1 = straight)."""
    finite = values[np.isfinite(values)]
    top = max(1.05, float(np.quantile(finite, 0.98)) if finite.size else 1.05)
    counts, edges = np.histogram(np.clip(finite, 1.0, top), bins=30, range=(1.0, top))
    return styled(hv.Histogram((edges, counts), kdims=[t_("tortuosity")], vdims=[t_("count")]),
                  color=COLORS["measure"], title=t_("view_tortuosity"), height=300, fig_inches=(6, 3), **PLOT)


def editor_points(points: np.ndarray, t_):
    """The editable data layer (Bokeh PointDrawTool attaches to it)."""
    return styled(hv.Points(points, kdims=["x1", "x2"]), color=DATA_COLOR, size=8, title=t_("view_editor"),
                  xlim=(-3, 3), ylim=(-3, 3), frame_width=300, frame_height=300, fig_inches=(4, 4))
