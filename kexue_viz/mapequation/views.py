"""HoloViews views of flows, codelengths and searches. Pure functions: numpy data and a text
lookup ``t(key, **values)`` in, HoloViews objects out (dashboard, notebook and export share them).
Views keep their axes' structure fixed, so a partition change only pushes new data into the plots."""
from __future__ import annotations

import holoviews as hv
import numpy as np

from .. import plot
from ..style import per_backend, styled

PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#332288",
           "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677", "#882255", "#AA4499",
           "#6699CC", "#EE8866", "#BBCC33", "#77AADD"]
GREY = "#9a9a9a"
SEARCH_COLORS = {"greedy": "#D55E00", "core": "#0072B2"}
FAST = dict(datatype=["dictionary"])  # plain column dicts: 3–4× cheaper to build than the pandas default


def with_blank_row(columns: dict, blank: dict) -> dict:
    """``columns`` plus one invisible row (zero size, transparent colour). HoloViews draws a
    style column whose values are all equal as a constant, and an in-place update cannot turn a
    constant back into per-row values; the blank row keeps every mapped column varying."""
    return {key: np.append(np.asarray(values), blank[key]) for key, values in columns.items()}


# colour of the blank row (zero size, so never seen): a 6-digit hex, because HoloViews' matplotlib
# backend takes a colour column literally only when every value matches #rgb/#rrggbb; one
# "#rrggbbaa" made it colour-map the hex strings as categories (blue shades and a hex legend)
BLANK_COLOR = "#ffffff"


def rectangles(x0, y0, x1, y1, colors, **options):
    """Filled rectangles with a colour column and white edges. The hover tool is on because
    HoloViews then ships the ``color`` column with every data update (without it an in-place
    update drops the column and the rectangles vanish)."""
    columns = with_blank_row(dict(x0=np.asarray(x0, float), y0=np.asarray(y0, float), x1=np.asarray(x1, float),
                                  y1=np.asarray(y1, float), color=np.asarray(colors)),
                             dict(x0=0.0, y0=0.0, x1=0.0, y1=0.0, color=BLANK_COLOR))
    return per_backend(plot.Rectangles(columns, vdims=["color"], **FAST),
                       bokeh=dict(color="color", line_color="#dddddd", tools=["hover"], **options),
                       matplotlib=dict(color="color", edgecolor="#dddddd", **options))


def texts(x, y, text, size: int = 8, align: str = "center", angle: int = 0):
    """Text labels at (x, y)."""
    element = plot.Labels(dict(x=np.asarray(x, float), y=np.asarray(y, float), text=np.asarray(text)), ["x", "y"],
                        "text", **FAST)
    return per_backend(element, bokeh=dict(text_font_size=f"{size}pt", text_align=align, text_baseline="middle",
                                           angle=angle, text_color="#222222"),
                       matplotlib=dict(size=size, horizontalalignment=align, verticalalignment="center",
                                       rotation=angle, color="#222222"))


def module_colors(labels) -> np.ndarray:
    """A colour per node: modules ranked by their smallest node, cycling through a 20-colour
    palette (Okabe–Ito first)."""
    _, first, inverse = np.unique(np.asarray(labels), return_index=True, return_inverse=True)
    rank = np.argsort(np.argsort(first))
    return np.array(PALETTE)[rank[inverse] % len(PALETTE)]


def module_palette(labels) -> list[str]:
    """The colour of each module 0..m−1 as :func:`module_colors` draws its nodes."""
    labels = np.asarray(labels)
    colors = module_colors(labels)
    first = np.full(int(labels.max()) + 1, -1)
    first[labels[::-1]] = np.arange(len(labels))[::-1]
    return [colors[k] for k in first]


# the nodes' total marker area in an exported figure, points²: ~12 % of a 3.5-inch grid panel, so that a
# large graph (LFR's 250 nodes) shows its nodes apart rather than as one blob
NODE_AREA_BUDGET = 7600.0


def network_view(xy, pairs, pair_flow, labels, colors, p, names, boundary_only: bool, title: str):
    """Nodes at ``xy`` (area ∝ p_α, colour = module) and links (width ∝ link flow; links across
    modules drawn dark when ``boundary_only`` is set). Tap/lasso tools select nodes. In an export
    (matplotlib) marker areas shrink so that the nodes' total area stays within
    :data:`NODE_AREA_BUDGET`, and links get thinner and lighter with them (no change for small graphs)."""
    a, b = pairs
    cross = labels[a] != labels[b]
    size = 5 + 40 * np.sqrt(p / max(float(p.max()), 1e-300))
    shrink = min(1.0, NODE_AREA_BUDGET / max(float(np.sum(size ** 2 / 3)), 1e-300))
    width = 0.6 + 6.0 * pair_flow / max(float(pair_flow.max()), 1e-300) if len(pair_flow) else np.zeros(0)
    edge_color = np.where(cross & boundary_only, "#444444", "#c8c8c8")
    # columns named like the glyph fields and a hover tool: in-place updates then carry them
    columns = with_blank_row(dict(x0=xy[a, 0], y0=xy[a, 1], x1=xy[b, 0], y1=xy[b, 1], line_width=width,
                                  color=edge_color, link_flow=pair_flow),
                             dict(x0=0.0, y0=0.0, x1=0.0, y1=0.0, line_width=0.0, color=BLANK_COLOR, link_flow=0.0))
    edges = plot.Segments(columns, ["x0", "y0", "x1", "y1"], ["line_width", "color", "link_flow"], **FAST)
    edges = per_backend(edges, bokeh=dict(color="color", line_width=hv.dim("line_width"), alpha=0.8, tools=["hover"],
                                          hover_tooltips=[("flow", "@link_flow{0.00000}")]),
                        matplotlib=dict(color="color", linewidth=hv.dim("line_width") * max(shrink, 0.15),
                                        alpha=0.8 if shrink == 1.0 else 0.45))
    columns = with_blank_row(dict(x=xy[:, 0], y=xy[:, 1], node=names, module=labels + 1, flow=p, color=colors,
                                  size=size),  # the blank node comes last: node indices stay the tap indices
                             dict(x=0.0, y=0.0, node="", module=0, flow=0.0, color=BLANK_COLOR, size=0.0))
    nodes = plot.Points(columns, ["x", "y"], ["node", "module", "flow", "color", "size"], **FAST)
    nodes = per_backend(nodes,
                        bokeh=dict(color="color", size="size", line_color="white", line_width=1.0,
                                   tools=["hover", "tap", "lasso_select"],
                                   active_tools=["tap"], nonselection_alpha=1.0, selection_line_color="black",
                                   hover_tooltips=[("node", "@node"), ("module", "@module"), ("p", "@flow{0.0000}")]),
                        matplotlib=dict(color="color", s=hv.dim("size") ** 2 * (shrink / 3), edgecolors="white",
                                        linewidth=np.sqrt(shrink)))
    return styled(edges * nodes, title=title, xlim=(-1.12, 1.12), ylim=(-1.12, 1.12), xaxis=None, yaxis=None,
                  show_grid=False, height=560, responsive=True, fig_inches=(7, 7), toolbar="right")


def decomposition_view(index: float, module_terms, colors, one_level: float, rate: float | None, t_):
    """Horizontal stacked bars: L(M) = index term + one segment per module term; H(p) and the
    entropy rate below it for reference."""
    terms = np.concatenate([[index], np.asarray(module_terms)])
    right = np.cumsum(terms)
    left = right - terms
    rows = [(l, 1.6, r, 2.4, c) for l, r, c in zip(left, right, [GREY, *colors])]
    rows.append((0.0, 0.6, one_level, 1.4, "#c4c4c4"))
    if rate is not None:
        rows.append((0.0, -0.4, rate, 0.4, "#e2e2e2"))
    bars = rectangles(*zip(*rows))
    values = [right[-1], one_level] + ([rate] if rate is not None else [])
    text = texts(np.array(values) - 0.01 * one_level, [2.0, 1.0, 0.0][:len(values)], [f"{v:.4f}" for v in values],
                 size=10, align="right")
    ticks = [(2.0, t_("L_bar")), (1.0, t_("H_bar")), (0.0, t_("rate_bar"))]
    return styled(bars * text, title=t_("view_decomposition"), xlabel=t_("bits_per_step"), ylabel="",
                  yticks=ticks, ylim=(-0.7, 2.7), height=230, responsive=True, fig_inches=(6, 2.4), show_grid=True)


def bar_view(values, colors, captions, title: str, ylabel: str):
    """Bars at 0, 1, 2, ... with a caption written up from each bar's foot (module or node,
    and its Huffman codeword); in an export (matplotlib) the captions are horizontal tick labels
    under the bars instead (the export shows those that fit).
    Axes auto-range, so a different number of bars is still an in-place data update."""
    k = np.arange(len(values), dtype=float)
    values = np.asarray(values, dtype=float)
    bars = rectangles(k - 0.4, np.zeros_like(k), k + 0.4, values, colors)
    text = per_backend(texts(k, np.zeros_like(k), [f" {c}" for c in captions], size=8, align="left", angle=90),
                       matplotlib=dict(visible=False))
    view = styled(bars * text, title=title, ylabel=ylabel, xlabel="", xaxis=None, height=250, responsive=True,
                  fig_inches=(6, 2.6), show_grid=True)
    return per_backend(view, matplotlib=dict(xaxis="bottom", xticks=[(float(x), str(c)) for x, c in zip(k, captions)]))


BAND_SLOTS = 10  # search.core_move_trace's default max_levels: at most one phase band per level


def trajectory_curves(curves: dict, bands, t_):
    """L against step for each stepwise search; ``bands`` = [(start, end, label)] shades the
    phases of the 2009 search (built once per trace, reused as the step marker moves). Always
    ``BAND_SLOTS`` bands (borderless), the unused ones of zero width at the last band's end, so a
    search with another number of phases is an in-place update, not a new plot."""
    layers = [styled(plot.Curve((np.arange(len(values)), values), t_("step_axis"), t_("bits_per_step"), label=t_(key)),
                     color=SEARCH_COLORS[key], line_width=2) for key, values in curves.items()]
    end = bands[-1][1] if bands else -0.5
    spans = [(start, stop) for start, stop, _ in bands[:BAND_SLOTS]]
    spans += [(end, end)] * (BAND_SLOTS - len(spans))
    layers += [styled(plot.VSpan(start, stop), color=PALETTE[(k + 4) % len(PALETTE)], alpha=0.08, line_width=0)
               for k, (start, stop) in enumerate(spans)]
    return plot.Overlay(layers)


def trajectory_view(curves, step: int | None, current: float, t_):
    """:func:`trajectory_curves` with the current partition's L (dotted) and the step marker."""
    marker = styled(plot.VLine(step if step is not None else -1), color="#666666", line_dash="dashed")
    level = styled(plot.HLine(current), color="#000000", line_dash="dotted", line_width=1)
    return styled(curves * level * marker, title=t_("view_trajectory"), height=250, responsive=True,
                  show_grid=True, legend_position="top_right", fig_inches=(6, 2.6))


def modules_view(counts: dict, step: int | None, t_):
    """Number of modules against step for each stepwise search, with the marker."""
    layers = [styled(plot.Curve((np.arange(len(v)), v), t_("step_axis"), t_("modules_axis"), label=t_(key)),
                     color=SEARCH_COLORS[key], line_width=2) for key, v in counts.items()]
    layers.append(styled(plot.VLine(step if step is not None else -1), color="#666666", line_dash="dashed"))
    return styled(plot.Overlay(layers), title=t_("view_modules"), height=200, responsive=True, show_grid=True,
                  legend_position="top_right", fig_inches=(6, 2.2))


def icicle_rectangles(paths, p) -> tuple[np.ndarray, ...]:
    """Icicle of a module tree: one rectangle per tree node below the root (depth = row,
    width ∝ flow, ordered by path) and its top module."""
    order = sorted(range(len(paths)), key=lambda k: (tuple(paths[k]), k))
    p = np.asarray(p)[order]
    starts = np.concatenate([[0.0], np.cumsum(p)[:-1]])
    rows = []
    depth = max(len(path) for path in paths)
    for d in range(1, depth + 2):  # d = depth + 1: the leaves
        keys = ([tuple(paths[k][:d]) if len(paths[k]) >= d else None for k in order] if d <= depth
                else [(*paths[k], k) for k in order])
        current = None
        for key, x, w, k in zip(keys, starts, p, order):
            if key is None:
                current = None
                continue
            if key != current:
                rows.append([x, -d, x + w, -d + 0.9, paths[k][0] if paths[k] else 0])
                current = key
            else:
                rows[-1][2] = x + w
    return tuple(np.array(c) for c in zip(*rows))


def hierarchy_view(paths, p, t_):
    """Icicle plot of the module tree (leaves in the last row), colour = top module."""
    x0, y0, x1, y1, top = icicle_rectangles(paths, p)
    bars = rectangles(x0, y0, x1, y1, np.array(PALETTE)[top.astype(int) % len(PALETTE)])
    depth = int(-y0.min())
    ticks = [(-d + 0.45, f"{t_('depth')} {d}") for d in range(1, depth + 1)]
    return styled(bars, title=t_("view_hierarchy"), xlabel=t_("flow_axis"), ylabel="", yticks=ticks,
                  xlim=(0, 1), ylim=(-depth - 0.2, 0), height=200, responsive=True, fig_inches=(6, 2.2))


def walk_tokens_view(rows, t_, width_bits: int = 64, lines_per_row: int = 2):
    """Coded walks as coloured cells with the codewords printed (figures 4–5 of the post):
    ``rows`` = [(label, [(code, colour), ...])], each wrapped at ``width_bits`` bits and cut
    after ``lines_per_row`` lines, so the frame stays fixed while the partition changes."""
    cells, ticks = [], []
    for r, (label, tokens) in enumerate(rows):
        top = -r * (lines_per_row + 0.6)
        ticks.append((top - 0.45, label))
        x, line = 0, 0
        for code, color in tokens:
            if x + len(code) > width_bits:
                x, line = 0, line + 1
            if line == lines_per_row:
                break
            cells.append((x, top - line - 0.9, x + len(code), top - line, color, code))
            x += len(code)
    x0, y0, x1, y1, colors, codes = zip(*cells)
    boxes = rectangles(x0, y0, x1, y1, colors, alpha=0.55)
    words = texts((np.array(x0) + np.array(x1)) / 2, np.array(y0) + 0.45, codes, size=7)
    bottom = -len(rows) * (lines_per_row + 0.6) + 0.5
    return styled(boxes * words, title=t_("view_walk"), xlabel=t_("bits"), ylabel="", yticks=ticks,
                  xlim=(0, width_bits), ylim=(bottom, 0.1), height=230, responsive=True, fig_inches=(8, 3))


def coded_walk_rows(walk, one_level, two_level, labels) -> tuple[list, list]:
    """The cells of :func:`walk_tokens_view` for a walk's first steps: ``(codeword, colour)`` per
    one-level codeword (its node's module colour) and per two-level token (node codewords in their
    module's colour, index codewords white, exit codewords grey)."""
    colors, palette = module_colors(labels), module_palette(labels)
    one_row = [(code, colors[node]) for code, node in zip(one_level, walk)]
    kind_colors = {"exit": GREY, "index": "#ffffff"}
    two_row = [(token.code, kind_colors.get(token.kind) or palette[token.module]) for token in two_level]
    return one_row, two_row


def bits_view(one, two, H, L, t_):
    """Running bits per step of the one- and two-level Huffman codes, against H(p) and L(M)."""
    T = np.arange(1, len(one) + 1)
    curves = [styled(plot.Curve((T, one), "T", t_("bits_per_step"), label=t_("one_level")), color="#555555",
                     line_width=2),
              styled(plot.Curve((T, two), "T", t_("bits_per_step"), label=t_("two_level")), color="#0072B2",
                     line_width=2),
              styled(plot.HLine(H), color="#555555", line_dash="dotted"),
              styled(plot.HLine(L), color="#0072B2", line_dash="dotted")]
    return styled(plot.Overlay(curves), title=t_("view_bits"), height=250, responsive=True, show_grid=True,
                  legend_position="top_right", logx=True, fig_inches=(6, 2.6))


METHOD_COLORS = {"infomap": "#0072B2", "louvain": "#E69F00", "label_propagation": "#009E73"}


def sweep_view(points, xlabel: str, t_):
    """NMI against the swept parameter for each method; ``points`` = [(x, method, NMI, modules)]."""
    layers = []
    for method, color in METHOD_COLORS.items():
        xs = np.array([x for x, m, _, _ in points if m == method], dtype=float)
        ys = np.array([v for _, m, v, _ in points if m == method], dtype=float)
        label = t_(f"method.{method}")
        layers.append(styled(plot.Curve((xs, ys), xlabel, "NMI", label=label), color=color, line_width=2))
        layers.append(styled(plot.Scatter((xs, ys), xlabel, "NMI", label=label), color=color, size=6))
    xs = [x for x, *_ in points]
    xlim = (min(xs) - 0.05 * (max(xs) - min(xs) or 1), max(xs) + 0.05 * (max(xs) - min(xs) or 1)) if xs else (0, 1)
    return styled(plot.Overlay(layers), title=t_("view_sweep"), xlim=xlim, ylim=(-0.02, 1.05), height=250,
                  responsive=True, show_grid=True, legend_position="bottom_left", fig_inches=(6, 2.6))
