"""HoloViews views of exact diffusion-ODE trajectories. Pure functions: numpy data and a text
lookup ``t_(key, **values)`` in, HoloViews objects out; the dashboard, the notebook and the export
draw with these. Colour = the data point an endpoint belongs to (its basin), the same in every view."""
from __future__ import annotations

import holoviews as hv
import matplotlib
import numpy as np

from .. import plot
from ..style import COLORS, CYCLE, styled

PLOT = dict(responsive=True, show_grid=True, tools=["hover"])
BASIN_CMAP = CYCLE
DATA_COLOR = "#000000"
EDGE_INSET = 0.97  # edge markers sit this far out from the window's centre (1: on the border, half cut)


def basin_colours(basins: np.ndarray) -> np.ndarray:
    """The palette colour (hex) of each basin index."""
    return np.asarray(BASIN_CMAP)[np.asarray(basins, dtype=int) % len(BASIN_CMAP)]


def overlay(layers: list, **options):
    """``styled(plot.Overlay(layers), **options)``."""
    return styled(plot.Overlay(layers), **options)


def plain(element_type, columns: dict, kdims, **options):
    """A ``plot.<element_type>`` of ``columns`` (name -> array) with constant styling."""
    return styled(element_type(dict(columns), kdims=list(kdims), group="Plain"), **options)


UNDRAWN_COLOUR = "#00000000"  # transparent: the colour of the row that keeps a one-colour column a column


def coloured(element_type, columns: dict, colours: np.ndarray, kdims, values: dict | None = None, **options):
    """One element for all rows of ``columns`` (name -> (R,) array), each row in its own colour
    (``colours``, hex strings, stored as the value dimension ``color``); ``values`` (name -> (R,)
    array) are further value dimensions, e.g. for a style mapped to a column or the hover.

    One element per layer however many colours (a layer per colour multiplied the elements of an
    update). The column is named ``color`` so that the dashboard's in-place update (which pushes
    the plot's data columns, hover columns included) carries the colours along with the
    positions. HoloViews draws a column whose rows share one colour as a constant colour, which an
    update could not change in place (a move that brought the rows to two colours, or back to
    one, redrew the plot: 0.5–0.9 s): such a column gets one more row, at NaN (not drawn) in
    ``UNDRAWN_COLOUR``, so the colours stay a column."""
    colours, values = np.asarray(colours, dtype=object), dict(values or {})
    if len(np.unique(colours)) == 1:
        columns, values = ({name: np.append(np.asarray(column, dtype=float), np.nan) for name, column in part.items()}
                           for part in (columns, values))
        colours = np.append(colours, UNDRAWN_COLOUR)
    element = element_type({**columns, **values, "color": colours}, kdims=list(kdims), vdims=[*values, "color"],
                           group="Coloured")
    return styled(element, color="color", tools=["hover"], **{"hover_tooltips": list(kdims), **options})


def paths(curves_x: np.ndarray, curves_y: np.ndarray, basins: np.ndarray, kdims, alpha=0.45, dash="solid"):
    """Polylines, one per column of ``curves_x``/``curves_y`` (K, M), coloured by basin: one table
    of segments (one glyph however many particles)."""
    colour = np.broadcast_to(basin_colours(basins), curves_x[1:].shape).ravel()
    table = np.column_stack([curves_x[:-1].ravel(), curves_y[:-1].ravel(), curves_x[1:].ravel(),
                             curves_y[1:].ravel()])
    keep = np.isfinite(table).all(1)
    x0, y0 = kdims
    names = (x0, y0, f"{x0}_end", f"{y0}_end")
    return coloured(plot.Segments, dict(zip(names, table[keep].T)), colour[keep], names, alpha=alpha,
                    line_width=1.0, line_dash=dash)


def data_points(points: np.ndarray, kdims):
    """The data as black dots (duplicates are merged into weights)."""
    return plain(plot.Points, dict(zip(kdims, np.asarray(points, dtype=float).T)), kdims, color=DATA_COLOR, size=5,
                 marker="circle")


def particles(positions: np.ndarray, basins: np.ndarray, kdims):
    """Particles coloured by basin (one layer)."""
    return coloured(plot.Points, dict(zip(kdims, positions.T)), basin_colours(basins), kdims, size=6, marker="circle")


def reach(positions: np.ndarray, bounds: tuple) -> tuple[np.ndarray, np.ndarray]:
    """``(offsets (M, 2) from the centre of the window bounds = ((x0, x1), (y0, y1)), reach (M,))``:
    reach = how many half-widths out each position lies along its farther axis (> 1: outside)."""
    (x0, x1), (y0, y1) = bounds
    offset = np.asarray(positions, dtype=float).reshape(-1, 2) - np.array([0.5 * (x0 + x1), 0.5 * (y0 + y1)])
    return offset, np.abs(offset / (0.5 * np.array([x1 - x0, y1 - y0]))).max(axis=1, initial=0.0)


def outside(positions: np.ndarray, bounds: tuple) -> np.ndarray:
    """Which ``positions`` (M, 2) lie outside the window ``bounds`` = ((x0, x1), (y0, y1))."""
    return reach(positions, bounds)[1] > 1.0


def edge_markers(positions: np.ndarray, basins: np.ndarray, bounds: tuple):
    """The particles outside the window ``bounds`` ((x0, x1), (y0, y1)) as triangles on its edge,
    each where the ray from the window's centre to the particle leaves the window and pointing
    along that ray (coloured by basin; the hover gives the particle's own position). A main view
    whose window follows the data (see the dashboard's ``bounds``) keeps far particles in sight."""
    offset, extent = reach(positions, bounds)
    far = extent > 1.0
    direction = offset[far]
    (x0, x1), (y0, y1) = bounds
    on_edge = np.array([0.5 * (x0 + x1), 0.5 * (y0 + y1)]) + EDGE_INSET * direction / extent[far, None]
    angle = np.arctan2(direction[:, 1], direction[:, 0]) - 0.5 * np.pi  # Bokeh's triangle points up at 0
    values = {"x1_particle": positions[far, 0], "x2_particle": positions[far, 1], "angle": angle}
    element = coloured(plot.Points, dict(zip(("x1", "x2"), on_edge.T)), basin_colours(basins[far]),
                       ("x1", "x2"), values=values, hover_tooltips=["x1_particle", "x2_particle"], size=11,
                       marker="triangle")
    return element.opts(angle="angle", backend="bokeh")  # matplotlib scatters cannot turn each marker


def arrows_table(x: np.ndarray, y: np.ndarray, dx: np.ndarray, dy: np.ndarray, kdims) -> dict:
    """Columns of a ``Segments`` element from ``(x, y)`` to ``(x + dx, y + dy)``."""
    x0, y0 = kdims
    return {x0: x, y0: y, f"{x0}_end": x + dx, f"{y0}_end": y + dy}


def quiver(grid_x: np.ndarray, grid_y: np.ndarray, velocity: np.ndarray, span: float, kdims=("x1", "x2")):
    """Field direction on a grid as short segments from each grid point; length ∝ ``log1p(|f|)``
    (the field grows like 1/σ near the data, so raw lengths would hide the far field)."""
    magnitude = np.linalg.norm(velocity, axis=1)
    scale = np.log1p(magnitude) / max(float(np.log1p(magnitude).max()), 1e-12) * span / 22
    direction = velocity / np.maximum(magnitude, 1e-300)[:, None]
    table = arrows_table(grid_x, grid_y, scale * direction[:, 0], scale * direction[:, 1], kdims)
    return plain(plot.Segments, table, list(table), color=COLORS["cursor"], alpha=0.8, line_width=1.2)


def mean_arrows(positions: np.ndarray, means: np.ndarray, basins: np.ndarray):
    """Arrows (segments) from each particle ``x_t`` to its posterior mean ``x̂_0(x_t, t)``: where
    the exact denoiser points at the view time."""
    table = arrows_table(positions[:, 0], positions[:, 1], means[:, 0] - positions[:, 0],
                         means[:, 1] - positions[:, 1], ("x1", "x2"))
    return coloured(plot.Segments, table, basin_colours(basins), list(table), alpha=0.9, line_width=1.5,
                    line_dash="dotted")


def empty_layer(kind: str):
    """The optional main-view layer ``kind`` (reference, means, selected) without data: an off layer
    keeps its place, so switching it updates the plot in place instead of re-rendering it."""
    nothing = np.zeros((0, 2))
    if kind == "reference":
        return reference_paths(nothing, nothing, ("x1", "x2"))
    if kind == "means":
        return mean_arrows(nothing, nothing, np.zeros(0, dtype=int))
    return selected_marker(nothing, ("x1", "x2"))


def reference_paths(curves_x: np.ndarray, curves_y: np.ndarray, kdims):
    """The reference solver's polylines (K, M) as dashed black segments."""
    table = np.column_stack([curves_x[:-1].ravel(), curves_y[:-1].ravel(), curves_x[1:].ravel(),
                             curves_y[1:].ravel()])
    table = table[np.isfinite(table).all(1)]
    x0, y0 = kdims
    names = (x0, y0, f"{x0}_end", f"{y0}_end")
    return plain(plot.Segments, dict(zip(names, table.T)), names, color=DATA_COLOR, alpha=0.6, line_width=1.0,
                 line_dash="dashed")


def selected_marker(position: np.ndarray, kdims):
    """A ring around the selected particle (whose weights the weight strip shows)."""
    return plain(plot.Points, dict(zip(kdims, np.asarray(position, dtype=float).reshape(-1, len(kdims)).T)), kdims,
                 color=COLORS["online"], size=16, marker="circle", fill_alpha=0.0, line_width=2.5)


def colour_image(xs: np.ndarray, ys: np.ndarray, values: np.ndarray, cmap: str, kdims, alpha: float = 1.0):
    """``values`` (len(ys), len(xs)) in [0, 1] as an RGB image coloured by the matplotlib colour map
    ``cmap``. Colours are computed here, not by a Bokeh colour mapper: the dashboard's in-place
    update (``LivePlot``) re-derives a mapper without the view's style and would turn it to the
    default palette (see the report), while RGB data carry their colours."""
    rgba = matplotlib.colormaps[cmap](np.clip(values, 0.0, 1.0)[::-1])  # image rows run top to bottom
    rgba[..., 3] = alpha
    (left, right), (bottom, top) = cell_edges(xs), cell_edges(ys)
    return hv.RGB(rgba, bounds=(left, bottom, right, top), kdims=list(kdims), vdims=["R", "G", "B", "A"])


def cell_edges(centres: np.ndarray) -> tuple[float, float]:
    """The outer edges of evenly spaced cell ``centres`` (a single cell is one unit wide)."""
    half = 0.5 * ((centres[-1] - centres[0]) / (len(centres) - 1) if len(centres) > 1 else 1.0)
    return float(centres[0] - half), float(centres[-1] + half)


def density_image(xs: np.ndarray, ys: np.ndarray, log_p: np.ndarray, cmap="Blues", span: float = 12.0):
    """``log p_t`` on a grid, shown as ``(log p − max)/span + 1`` clipped to [0, 1]: the top ``span``
    nats of the density on a fixed colour scale."""
    finite = np.isfinite(log_p)
    top = float(np.max(log_p[finite])) if finite.any() else 0.0
    shown = np.where(finite, (log_p - top) / span + 1.0, 0.0)
    return colour_image(xs, ys, shown, cmap, ("x1", "x2"), alpha=0.85)


def plane_layers(data_layer, trajectories: np.ndarray, basins: np.ndarray) -> list:
    """The layers of the main 2-D view that do not move with the view time: trajectories (K, M, 2)
    and the data (``data_layer``, see :func:`data_points`; cache them: an unchanged layer costs
    nothing to refresh)."""
    return [paths(trajectories[..., 0], trajectories[..., 1], basins, ("x1", "x2")), data_layer]


def plane_view(static: list, positions: np.ndarray, basins: np.ndarray, title: str, bounds: tuple, t_, arrows=None,
               density=None, reference=None, means=None, selected=None):
    """Main 2-D view: optional log-density and field arrows, the static layers of
    :func:`plane_layers`, reference polylines (``reference``: a layer from :func:`reference_paths`),
    the particles at the view time, arrows to their posterior means ``x̂_0`` (``means`` (M, 2)) and
    a ring at the ``selected`` particle's position. The last three are always drawn (empty when
    not given), so switching them on or off updates the plot in place instead of re-rendering it.
    Particles outside ``bounds`` are marked on its edge (:func:`edge_markers`)."""
    layers = [density_image(*density)] if density is not None else []
    if arrows is not None:
        layers.append(quiver(*arrows))
    layers += [*static, empty_layer("reference") if reference is None else reference,
               empty_layer("means") if means is None else mean_arrows(positions, means, basins),
               particles(positions, basins, ("x1", "x2")), edge_markers(positions, basins, bounds),
               empty_layer("selected") if selected is None else selected_marker(selected, ("x1", "x2"))]
    (x0, x1), (y0, y1) = bounds
    return overlay(layers, title=title, xlim=(x0, x1), ylim=(y0, y1), frame_width=520, frame_height=520,
                  xlabel=t_("x1"), ylabel=t_("x2"), show_legend=False, tools=["hover", "tap"], fig_inches=(6, 6))


def tx_layers(times: np.ndarray, values: np.ndarray, basins: np.ndarray, t_, exact=None, exact_times=None,
              data=None) -> list:
    """Static layers of :func:`tx_view`: trajectories ``x(t)`` (K, M), the exact overlay (dashed) and
    the data on t = 0."""
    kdims = ("t", "x")
    layers = [paths(np.repeat(times[:, None], values.shape[1], 1), values, basins, kdims, alpha=0.7)]
    if exact is not None:
        layers.append(paths(np.repeat(exact_times[:, None], exact.shape[1], 1), exact, basins, kdims, alpha=1.0,
                            dash="dashed"))
    if data is not None:
        layers.append(data_points(np.column_stack([np.zeros(len(data)), data]), kdims))
    return layers


def sized(width: int | None) -> dict:
    """Plot options: stretch to the pane's width, or a fixed ``width`` (for a fixed-size pane, where a
    responsive plot would get no width)."""
    return PLOT if width is None else {**PLOT, "responsive": False, "width": width}


def tx_view(static: list, t_cursor: float, title: str, t_, ylabel="x1", height=300, logx=False, ylim=None,
            width=None):
    """Trajectories against t (post 15's figure layout) from :func:`tx_layers`, with the view time
    as a vertical line (``logx``: a log time axis, for T ≫ 1; pass layers without t = 0; ``ylim``:
    fixed limits, e.g. the bulk of the paths when a heavy-tailed prior starts some far out)."""
    cursor = styled(plot.VLine(t_cursor), color=COLORS["cursor"], line_dash="dashed", line_width=1)
    limits = {} if ylim is None else {"ylim": tuple(ylim)}
    return overlay([*static, cursor], title=title, xlabel=t_("time"), ylabel=t_(ylabel), height=height,
                   show_legend=False, logx=logx, fig_inches=(6, 3), **limits, **sized(width))


def density_view(xs: np.ndarray, ys: np.ndarray, log_p: np.ndarray, data_layer, title: str, t_):
    """``log p_t`` heat map with the data (``data_layer``, see :func:`data_points`); the particles at
    the same time are in the main view."""
    return overlay([density_image(xs, ys, log_p), data_layer], title=title, xlabel=t_("x1"), ylabel=t_("x2"), frame_width=300, frame_height=300,
                  show_legend=False, fig_inches=(4, 4))


def density_view_1d(xs: np.ndarray, p: np.ndarray, positions: np.ndarray, title: str, t_, width=None):
    """``p_t(x)`` of the exact marginal with the particles' normalised histogram."""
    counts, edges = np.histogram(positions, bins=40, range=(xs[0], xs[-1]), density=True)
    histogram = styled(plot.Histogram((edges, counts), kdims=["x"], vdims=[t_("density")], label=t_("particles")),
                       color=COLORS["measure"], alpha=0.5, line_width=0)
    curve = styled(plot.Curve((xs, p), "x", t_("density"), label=t_("exact")), color=COLORS["exact"], line_width=2)
    return overlay([histogram, curve], title=title, xlabel=t_("x"), height=300, legend_position="top_right",
                   fig_inches=(6, 3), **sized(width))


def cdf_view(xs: np.ndarray, F: np.ndarray, positions: np.ndarray, levels: np.ndarray, basins, title: str, t_):
    """The mixture CDF ``F_t`` with every particle at ``(x_t, F_T(x_T))``: they lie on the curve."""
    curve = styled(plot.Curve((xs, F), "x", t_("cdf")), color=COLORS["continuous"], line_width=2)
    dots = particles(np.column_stack([positions, levels]), basins, ("x", t_("cdf")))
    return overlay([curve, dots], title=title, xlabel=t_("x"), height=300, show_legend=False, fig_inches=(6, 3), **PLOT)


def quality_layers(sweep: dict, t_) -> list:
    """Agreement-vs-NFE curves and dots, one colour per solver (static for a reference and grid)."""
    layers = []
    for index, (solver, (nfe, agreement)) in enumerate(sweep.items()):
        colour = CYCLE[index % len(CYCLE)]
        layers.append(styled(plot.Curve((nfe, agreement), t_("nfe"), t_("agreement"), label=t_(f"solver.{solver}")),
                             color=colour, line_width=2))
        layers.append(styled(plot.Scatter((nfe, agreement), t_("nfe"), t_("agreement")), color=colour, size=5))
    return layers


def quality_view(static: list, current: tuple, title: str, t_):
    """Basin agreement with the reference vs NFE per solver (log x, from :func:`quality_layers`; none
    before the sweep has run), with the current setting marked."""
    marker = styled(plot.Scatter([current], t_("nfe"), t_("agreement"), label=t_("current")), color=COLORS["online"],
                    size=14, marker="diamond")
    return overlay([*static, marker], title=title, logx=True, xlim=(1, max(1000, 2 * current[0])), ylim=(0, 1.05),
                   height=300, legend_position="bottom_right", fig_inches=(6, 3), **PLOT)


def weight_strip(times: np.ndarray, w: np.ndarray, commit: float, title: str, t_):
    """Posterior weights ``w_i(x_t, t)`` (S, N) of one particle as an image over (log₁₀ t, data
    index i), with its commitment time (a vertical line; NaN, never committed: at the left edge) —
    where the particle picks its data point."""
    log_t = np.log10(times)
    order = np.argsort(log_t)
    image = colour_image(log_t[order], np.arange(w.shape[1]), w[order].T, "Greys", (t_("log10_t"), t_("data_index")))
    marker = styled(plot.VLine(np.log10(commit) if np.isfinite(commit) else log_t.min()), color=COLORS["online"],
                    line_dash="dashed", line_width=2)
    return overlay([image, marker], title=title, height=300, show_legend=False, fig_inches=(6, 3),
                  **PLOT)


def unit_arrows(x: np.ndarray, y: np.ndarray, vector: np.ndarray, length: float) -> dict:
    """Columns of equal-length arrows along ``vector`` (R, 2) from ``(x, y)``: a direction field."""
    norm = np.maximum(np.linalg.norm(vector, axis=1), 1e-300)
    return arrows_table(x, y, length * vector[:, 0] / norm, length * vector[:, 1] / norm, ("x", "t"))


def half_plane_layers(arrows: dict, times: np.ndarray, values: np.ndarray, basins: np.ndarray, data: np.ndarray,
                      lines=None) -> list:
    """Layers of :func:`half_plane_view`: the direction of the augmented field (``arrows``, from
    :func:`unit_arrows`), exact field lines (``lines`` = (x (K, L), t (K,)), grey) when given,
    the particles' ``x(t)`` (K, M) coloured by basin, and the data on the plane t = 0."""
    layers = [plain(plot.Segments, arrows, list(arrows), color=COLORS["cursor"], alpha=0.8, line_width=1.2)]
    if lines is not None:
        x, t = lines
        layers.append(reference_paths(x, np.repeat(t[:, None], x.shape[1], 1), ("x", "t")))
    layers.append(paths(values, np.repeat(times[:, None], values.shape[1], 1), basins, ("x", "t"), alpha=0.6))
    layers.append(data_points(np.column_stack([data, np.zeros(len(data))]), ("x", "t")))
    return layers


def half_plane_view(layers: list, t_view: float, window, top: float, title: str, t_):
    """Post 13's augmented space: data on t = 0, the field ``F(x, t)`` of their masses in the upper
    half-plane, whose field lines are the PFGM trajectories, and the view time as a horizontal line."""
    cursor = styled(plot.HLine(t_view), color=COLORS["cursor"], line_dash="dashed", line_width=1)
    return overlay([*layers, cursor], title=title, xlim=tuple(window), ylim=(0.0, top),
                  xlabel=t_("x1"), ylabel=t_("t_aug"), height=300, show_legend=False, fig_inches=(6, 3), **PLOT)


def curvature_curve(times: np.ndarray, kappa: np.ndarray, t_):
    return styled(plot.Curve((times, kappa), t_("time"), t_("curvature")), color=COLORS["continuous"], line_width=2)


def curvature_view(curve, t_cursor: float, t_):
    """Mean curvature of the reference trajectories against t (log–log), from :func:`curvature_curve`."""
    cursor = styled(plot.VLine(t_cursor), color=COLORS["cursor"], line_dash="dashed", line_width=1)
    return overlay([curve, cursor], title=t_("view_curvature"), logx=True, logy=True, height=300, fig_inches=(6, 3),
                  **PLOT)


def tortuosity_view(values: np.ndarray, t_):
    """Histogram of path length over chord per trajectory (1 = straight)."""
    finite = values[np.isfinite(values)]
    top = max(1.05, float(np.quantile(finite, 0.98)) if finite.size else 1.05)
    counts, edges = np.histogram(np.clip(finite, 1.0, top), bins=30, range=(1.0, top))
    return styled(plot.Histogram((edges, counts), kdims=[t_("tortuosity")], vdims=[t_("count")]),
                  color=COLORS["measure"], title=t_("view_tortuosity"), height=300, fig_inches=(6, 3), **PLOT)


def editor_points(points: np.ndarray, t_):
    """The editable data layer (Bokeh PointDrawTool attaches to it)."""
    return styled(hv.Points(points, kdims=["x1", "x2"]), color=DATA_COLOR, size=8, title=t_("view_editor"),
                  xlim=(-3, 3), ylim=(-3, 3), frame_width=300, frame_height=300, fig_inches=(4, 4))


def circle(radius: float, centre=(0.0, 0.0), n: int = 128) -> dict:
    """Columns of a ``Segments`` polygon approximating the circle of ``radius`` about ``centre``."""
    angle = np.linspace(0.0, 2 * np.pi, n + 1)
    x, y = centre[0] + radius * np.cos(angle), centre[1] + radius * np.sin(angle)
    return arrows_table(x[:-1], y[:-1], np.diff(x), np.diff(y), ("x1", "x2"))


def gravity_lines_view(paths_xy: np.ndarray, hit: np.ndarray, sources: np.ndarray, radius: float, centre,
                       title: str, t_, limit: float):
    """Post 13's figure of a non-augmented 2-D gravity field: field lines (K, L, 2) from a far circle,
    coloured by the source they end on (``hit``; −1: none), the sources, and the circle of ``radius``
    beyond which the field is close to the centroid's (see :func:`centroid_error_view`)."""
    lines = paths(paths_xy[..., 0], paths_xy[..., 1], hit, ("x1", "x2"), alpha=0.8)
    ring = plain(plot.Segments, circle(radius, centre), ["x1", "x2", "x1_end", "x2_end"], color=COLORS["online"],
                 line_width=2.0, line_dash="dashed")
    dots = plain(plot.Points, dict(zip(("x1", "x2"), sources.T)), ["x1", "x2"], color=DATA_COLOR, size=8,
                 marker="circle")
    return overlay([lines, ring, dots], title=title, xlim=(-limit, limit), ylim=(-limit, limit), frame_width=380,
                   frame_height=380, xlabel=t_("x1"), ylabel=t_("x2"), show_legend=False, fig_inches=(5, 5))


def centroid_error_view(radii: np.ndarray, errors: np.ndarray, radius: float, error: float, title: str, t_):
    """Max relative difference between the sources' field and the field of their total mass at the
    centroid, on circles of radius R (log–log), with the ``R⁻²`` slope of a vanishing dipole and the
    current radius marked."""
    curve = styled(plot.Curve((radii, errors), t_("radius_R"), t_("centroid_error"), label=t_("measured")),
                   color=COLORS["continuous"], line_width=2)
    guide = styled(plot.Curve((radii, errors[-1] * (radii / radii[-1]) ** -2.0), t_("radius_R"), t_("centroid_error"),
                              label=t_("slope_minus_2")), color=COLORS["cursor"], line_dash="dashed", line_width=1.5)
    marker = styled(plot.Scatter([(radius, error)], t_("radius_R"), t_("centroid_error"), label=t_("current")),
                    color=COLORS["online"], size=12, marker="diamond")
    return overlay([curve, guide, marker], title=title, logx=True, logy=True, height=420,
                   legend_position="bottom_left", fig_inches=(6, 4), **PLOT)
