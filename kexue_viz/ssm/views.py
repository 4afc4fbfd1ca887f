"""HoloViews views of HiPPO online approximation. Pure functions: numpy data and a text
lookup ``t(key, **values)`` in, HoloViews objects out (built with :mod:`kexue_viz.plot`, so a
live plot gets specs it can update without building elements); the dashboard, the notebook and the
export all draw with these."""
from __future__ import annotations

from functools import lru_cache

import contourpy
import numpy as np

from .. import plot
from ..axes import nice_ceiling
from ..style import COLORS, CYCLE, per_backend, styled

SUBSCRIPT_DIGITS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")  # legend labels x₀, x₁, …: plain text
PLOT = dict(responsive=True, show_grid=True, fig_inches=(6, 2.6), aspect=2.3, tools=["hover"])
# the complex plane at equal scales, so that circles are circles: a square frame of fixed size with
# square limits (Bokeh keeps a responsive frame's aspect only for ranges it computes itself), the
# legend outside it; ``aspect`` is matplotlib's
COMPLEX_PLANE = dict(responsive=False, frame_width=250, frame_height=250, aspect="equal", legend_position="right")
# Bokeh draws these plots on a 2D canvas. HoloViews asks for WebGL, which copies the whole WebGL
# canvas into the plot once per glyph on every repaint: in headless Chromium (software GL) that was
# ~70 % of the browser's time per frame of the cursor player; a canvas draws the few thousand
# points of a view here in a few ms.
CANVAS = {"plot.output_backend": "canvas"}


def framed(view, **options):
    """``view`` with the dashboard's plot options (:data:`PLOT`, overridden by ``options``),
    drawn by Bokeh on a 2D canvas (:data:`CANVAS`)."""
    return styled(view, **{**PLOT, **options}).opts(backend="bokeh", backend_opts=CANVAS)


def memory_view(t, u, recon_t, recon_u, span, T, error, t_):
    """The input ``u`` (steps) with what the state at ``T`` remembers: the span shaded, the
    reconstruction over it and a cursor; the title gives ``T`` and the relative error."""
    height = max(1e-9, float(np.max(np.abs(u))) * 1.35)
    signal = styled(plot.Curve((t, u), t_("time"), t_("value"), label=t_("input")),
                    color=COLORS["input"], line_width=1.2, interpolation="steps-post")
    band = styled(plot.VSpan(*span, label=t_("remembered")), color=COLORS["measure"], alpha=0.15)
    recon = styled(plot.Curve((recon_t, recon_u), t_("time"), t_("value"), label=t_("reconstruction")),
                   color=COLORS["reconstruction"], line_width=2.2)
    return framed(signal * band * recon * cursor_line(T), title=t_("view_input", T=T, err=error), height=300,
                  ylim=(-height, height), xlim=(float(t[0]), float(t[-1])), legend_position="top_left")


def cursor_line(T, on_top: bool = False):
    """Dashed vertical line at the cursor time ``T``. ``on_top``: drawn in Bokeh's overlay layer,
    so that moving it repaints only that layer, not the plot's curves (for a plot in which only
    the cursor moves while it plays)."""
    line = styled(plot.VLine(T), color=COLORS["cursor"], line_dash="dashed", line_width=1)
    return line.opts(backend="bokeh", backend_opts={"glyph.level": "overlay"}) if on_top else line


def trajectory_curves(times, states, t_, slots: int = 0):
    """Coefficient trajectories ``x_n(t)``, one curve per column of ``states``, padded with empty
    curves up to ``slots``: a live plot keeps the same layers (and hides the empty ones' legend
    entries) when the number of curves shown changes, so that is an in-place update."""
    empty = np.empty(0)
    return plot.Overlay([styled(plot.Curve((times, states[:, n]) if n < states.shape[1] else (empty, empty),
                                           t_("time"), t_("coefficient"), label=f"x{n}".translate(SUBSCRIPT_DIGITS)),
                                color=CYCLE[n % len(CYCLE)], line_width=1.4)
                         for n in range(max(slots, states.shape[1]))])


def trajectories_view(curves, T, t_):
    """:func:`trajectory_curves` with the cursor at ``T`` (the curves can be reused as ``T`` moves)."""
    return framed(curves * cursor_line(T, on_top=True), title=t_("view_traj"), height=260, legend_position="right")


def spectrum_view(magnitudes, log_y, t_):
    """Stem plot of ``|x_n(T)|`` against ``n``: how fast the coefficients decay."""
    n = np.arange(len(magnitudes))
    floor = max(float(np.min(magnitudes[magnitudes > 0])) if np.any(magnitudes > 0) else 1e-16, 1e-16)
    values = np.maximum(magnitudes, floor) if log_y else magnitudes
    spikes = styled(plot.Spikes((n, values), t_("index_n"), "|xₙ(T)|"), color=COLORS["continuous"], line_width=2)
    heads = styled(plot.Scatter((n, values), t_("index_n"), "|xₙ(T)|"), color=COLORS["continuous"], size=5)
    # the export's axes end at the data (Bokeh pads them): half a stem's spacing keeps the end stems inside
    return per_backend(framed(spikes * heads, title=t_("view_spectrum"), height=260, logy=log_y),
                       matplotlib=dict(xlim=(-0.5, len(n) - 0.5)))


def error_view(N, online, optimal, current_N, t_):
    """Relative reconstruction error vs N (log–log): the online state and the optimal projection."""
    floor = 1e-16
    lines = []
    for key, values in (("optimal", optimal), ("online", online)):
        data = (np.asarray(N), np.maximum(np.asarray(values), floor))
        lines.append(styled(plot.Curve(data, "N", t_("rel_error"), label=t_(key)), color=COLORS[key], line_width=2))
        lines.append(styled(plot.Scatter(data, "N", t_("rel_error"), label=t_(key)), color=COLORS[key], size=6))
    marker = styled(plot.VLine(current_N), color=COLORS["cursor"], line_dash="dashed", line_width=1)
    return framed(plot.Overlay(lines) * marker, title=t_("view_error"), height=260, logx=True, logy=True,
                  legend_position="bottom_left")



@lru_cache(maxsize=64)
def stability_regions(amplification, re_lo: float, re_hi: float, im_abs: float) -> tuple:
    """``((area, rings, stable), ...)``: outer boundaries of the regions ``|R(z)| < 1`` (stable)
    and ``>= 1`` on the box, by filled contours of a 241×201 grid, largest region first (cached:
    the box only changes in :func:`nice_ceiling` steps)."""
    x = np.linspace(re_lo, re_hi, 241)
    y = np.linspace(-im_abs, im_abs, 201)
    with np.errstate(divide="ignore", invalid="ignore"):  # R has a pole inside the box for BE/bilinear
        inside = (np.abs(amplification(x[None, :] + 1j * y[:, None])) < 1).astype(float)
    generator = contourpy.contour_generator(x, y, inside, fill_type=contourpy.FillType.OuterOffset)
    regions = []
    for level_range, stable in (((0.5, 1.5), True), ((-0.5, 0.5), False)):
        points, offsets = generator.filled(*level_range)
        rings = [block[start:stop] for block, cuts in zip(points, offsets)
                 for start, stop in zip(cuts[:-1], cuts[1:])]
        if rings:
            area = max(0.5 * abs(np.dot(r[:, 0], np.roll(r[:, 1], 1)) - np.dot(r[:, 1], np.roll(r[:, 0], 1)))
                       for r in rings)
            regions.append((area, tuple(rings), stable))
    return tuple(sorted(regions, key=lambda region: -region[0]))


def complex_plane_box(points, margin: float = 1.3) -> tuple[tuple[float, float], float]:
    """``((re_lo, re_hi), im_abs)``: a square ``[re_lo, re_hi] × [-im_abs, im_abs]`` around ``points``
    and the origin (where every scheme's stability boundary passes: ``R(0) = 1``), its side
    ``margin`` times their spread rounded up by :func:`nice_ceiling` and its centre to a tenth of
    the side (so small moves of the data keep the box)."""
    re = np.append(np.asarray(points).real, 0.0)
    spread = max(float(re.max() - re.min()), 2 * float(np.abs(np.asarray(points).imag).max(initial=0.0)), 1e-12)
    side = nice_ceiling(margin * spread)
    centre = round(float(re.max() + re.min()) / 2 / (side / 10)) * side / 10
    return (centre - side / 2, centre + side / 2), side / 2


def stability_view(scaled_eigenvalues, amplification, title, t_, exact=None):
    """Eigenvalues ``z = ε λ(A)`` over the shaded region ``|R(z)| < 1`` of the scheme's
    amplification factor ``R`` (FE ``1+z``, BE ``1/(1-z)``, bilinear ``(1+z/2)/(1-z/2)``, ZOH ``e^z``),
    on a square at equal scales that frames the eigenvalues and the origin
    (:func:`complex_plane_box`): a small step puts them all near 0, where the region's boundary
    crosses; a large one spreads them to where the schemes differ. The region is drawn as filled
    contours of ``|R| < 1`` on a grid (stable shaded, unstable white, the larger drawn first so a
    disc shows on top of its surroundings)."""
    points = np.concatenate([scaled_eigenvalues, exact if exact is not None else []])
    (re_lo, re_hi), im_abs = complex_plane_box(points)
    dims = [t_("real"), t_("imag")]
    layers = []
    for _, rings, stable in stability_regions(amplification, re_lo, re_hi, im_abs):
        polygons = [{dims[0]: ring[:, 0], dims[1]: ring[:, 1]} for ring in rings]
        shape = plot.Polygons(polygons, dims, label=t_("stable_region")) if stable else plot.Polygons(polygons, dims)
        colour = COLORS["stability"] if stable else "#ffffff"
        layers.append(styled(shape, color=colour, fill_color=colour, line_width=0, alpha=0.55 if stable else 1.0,
                             show_legend=stable))
    layers.append(styled(plot.Scatter((scaled_eigenvalues.real, scaled_eigenvalues.imag), dims[0], dims[1],
                                    label=t_("eig_numeric")), color=COLORS["continuous"], size=6, marker="circle"))
    if exact is not None:
        layers.append(styled(plot.Scatter((exact.real, exact.imag), dims[0], dims[1], label=t_("eig_exact")),
                             color=COLORS["exact"], size=9, marker="x"))
    return framed(plot.Overlay(layers), title=title, xlim=(re_lo, re_hi), ylim=(-im_abs, im_abs), **COMPLEX_PLANE)


def discrete_eigen_view(eigenvalues, t_, exact=None):
    """Eigenvalues of the discrete ``Ā`` against the unit circle, at equal scales (the circle is
    round); title gives the spectral radius."""
    theta = np.linspace(0, 2 * np.pi, 361)
    circle = styled(plot.Curve((np.cos(theta), np.sin(theta)), t_("real"), t_("imag"), label=t_("unit_circle")),
                    color=COLORS["cursor"], line_width=1)
    finite = eigenvalues[np.isfinite(eigenvalues)]
    rho = float(np.abs(finite).max()) if finite.size else float("nan")
    layers = [circle, styled(plot.Scatter((finite.real, finite.imag), t_("real"), t_("imag"), label=t_("eig_numeric")),
                             color=COLORS["discrete"], size=6)]
    if exact is not None:
        layers.append(styled(plot.Scatter((exact.real, exact.imag), t_("real"), t_("imag"), label=t_("eig_exact")),
                             color=COLORS["exact"], size=9, marker="x"))
        rho = float(np.abs(exact).max())
    lim = max(1.1, nice_ceiling(min(float(np.abs(finite).max()) * 1.1 if finite.size else 1.1, 50.0)))
    return framed(plot.Overlay(layers), title=t_("view_eig_disc", rho=rho), xlim=(-lim, lim), ylim=(-lim, lim),
                  **COMPLEX_PLANE)


# ---- S4 / RTF (posts 3 and 4) ------------------------------------------------------------------
def kernel_view(kernel, reference, t_):
    """``K̄_k`` against ``k`` by S4's DPLR–Cauchy route, the reference (Krylov powers) dashed; the
    title gives the max difference relative to ``max|K̄|``."""
    k = np.arange(len(kernel))
    scale = max(float(np.max(np.abs(reference))), 1e-300)
    error = float(np.max(np.abs(kernel - reference))) / scale
    dims = (t_("lag_k"), "K̄ₖ")
    return framed(styled(plot.Curve((k, kernel), *dims, label=t_("kernel_cauchy")), color=COLORS["continuous"],
                         line_width=2.2)
                  * styled(plot.Curve((k, reference), *dims, label=t_("kernel_powers")), color=COLORS["exact"],
                           line_width=1.4, line_dash="dashed"),
                  title=t_("view_kernel", err=error), height=260, legend_position="top_right")


def transfer_view(kernel, t_):
    """``|G_L(z)|`` on the unit circle, ``z = e^{-iθ}``, at the rFFT nodes ``θ = 2πl/L`` (the DFT of
    ``K̄``, log scale) against ``θ/π``."""
    spectrum = np.abs(np.fft.rfft(kernel))
    theta = np.arange(len(spectrum)) * 2.0 / len(kernel)
    floor = max(float(spectrum.max()) * 1e-16, 1e-300)
    curve = plot.Curve((theta, np.maximum(spectrum, floor)), t_("theta_over_pi"), "|G(e⁻ⁱᶿ)|")
    return framed(styled(curve, color=COLORS["discrete"], line_width=2), title=t_("view_transfer"), height=260,
                  logy=True, xlim=(0.0, 1.0))


def ssm_output_view(t, u, y, t_):
    """The input ``u`` and the SSM output ``y = K̄ * u`` (``y_{k+1}`` drawn at ``t_{k+1}``)."""
    return framed(styled(plot.Curve((t[:-1], u), t_("time"), t_("value"), label=t_("input")), color=COLORS["input"],
                         line_width=1.0, interpolation="steps-post")
                  * styled(plot.Curve((t[1:], y), t_("time"), t_("value"), label=t_("ssm_output")),
                           color=COLORS["reconstruction"], line_width=2),
                  title=t_("view_output"), height=260, legend_position="top_left")


def route_timing_view(timings_ms: dict, N: int, L: int, t_, pending: str = ""):
    """Horizontal bars (rectangles on a numeric axis, so the plot updates in place): median
    milliseconds per kernel route for one ``(N, L)``; the routes label the y ticks. With
    ``pending`` (a message: the routes are not timed for this ``(N, L)`` yet) the bars are empty
    and the message stands across the chart; both cases have the same layers, so a live plot
    goes from one to the other in place."""
    names = [t_(f"route.{name}") for name in timings_ms]
    rows = np.arange(len(names), dtype=float)
    values = np.zeros(len(names)) if pending else np.asarray(list(timings_ms.values()), dtype=float)
    dims = [t_("milliseconds"), t_("route")]
    bars = plot.Rectangles((np.zeros_like(values), rows - 0.35, values, rows + 0.35), [*dims, "x1", "y1"])
    top = 1.0 if pending or not values.size else nice_ceiling(max(float(values.max()) * 1.05, 1e-3))
    at = ([top / 2], [float(rows.mean())], [pending]) if pending else ([], [], [])
    message = plot.Labels(dict(zip([*dims, "text"], at)), dims, "text")
    return framed(styled(bars, color=COLORS["continuous"], line_width=0)
                  * message.opts(backend="bokeh", text_font_size="10pt", text_color=COLORS["input"]),
                  title=t_("view_timing", N=N, L=L), height=260, xlim=(0.0, top), ylim=(-0.6, len(names) - 0.4),
                  yticks=list(zip(rows.tolist(), names)))


def eigenvector_profile_view(profiles: dict, t_):
    """``|v_n|`` against ``n`` on a log scale, one curve per ``N`` (eigenvalue ``λ = N/3`` of ``-A``;
    the entries below ``n = λ-1`` are exactly zero and left out)."""
    curves, smallest = [], 1.0
    for i, (N, v) in enumerate(profiles.items()):
        n = np.flatnonzero(v)
        smallest = min(smallest, float(np.abs(v[n]).min()))
        curves.append(styled(plot.Curve((n, np.abs(v[n])), t_("index_n"), "|vₙ|", label=f"N={N}"),
                             color=CYCLE[i % len(CYCLE)], line_width=2))
    return framed(plot.Overlay(curves), title=t_("view_eigvec"), height=280, logy=True, legend_position="bottom_right",
                  ylim=(smallest / 10, 10.0))


def pole_view(poles, t_, radius_sum=None):
    """Poles (roots of ``λ^N + a_1λ^{N-1} + ..``) against the unit circle; ``radius_sum`` = ``Σ|a|``."""
    theta = np.linspace(0, 2 * np.pi, 361)
    circle = styled(plot.Curve((np.cos(theta), np.sin(theta)), t_("real"), t_("imag"), label=t_("unit_circle")),
                    color=COLORS["cursor"], line_width=1)
    dots = styled(plot.Scatter((poles.real, poles.imag), t_("real"), t_("imag"), label=t_("poles")),
                  color=COLORS["discrete"], size=5, alpha=0.6)
    title = t_("view_poles") if radius_sum is None else t_("view_poles_sum", s=radius_sum)
    return framed(circle * dots, title=title, xlim=(-1.3, 1.3), ylim=(-1.3, 1.3), **COMPLEX_PLANE)
