"""HoloViews views of HiPPO online approximation. Pure functions: numpy data and a text
lookup ``t(key, **values)`` in, HoloViews objects out; the dashboard, the notebook and the
export all draw with these."""
from __future__ import annotations

import contourpy
import holoviews as hv
import numpy as np

from ..style import COLORS, CYCLE, styled

PLOT = dict(responsive=True, show_grid=True, fig_inches=(6, 2.6), aspect=2.3, tools=["hover"])


def memory_view(t, u, recon_t, recon_u, span, T, error, t_):
    """The input ``u`` (steps) with what the state at ``T`` remembers: the span shaded, the
    reconstruction over it and a cursor; the title gives ``T`` and the relative error."""
    height = max(1e-9, float(np.max(np.abs(u))) * 1.35)
    signal = styled(hv.Curve((t, u), t_("time"), t_("value"), label=t_("input")),
                    color=COLORS["input"], line_width=1.2, interpolation="steps-post")
    band = styled(hv.VSpan(*span, label=t_("remembered")), color=COLORS["measure"], alpha=0.15)
    recon = styled(hv.Curve((recon_t, recon_u), t_("time"), t_("value"), label=t_("reconstruction")),
                   color=COLORS["reconstruction"], line_width=2.2)
    return styled(signal * band * recon * cursor_line(T), title=t_("view_input", T=T, err=error), height=300,
                  ylim=(-height, height), xlim=(float(t[0]), float(t[-1])), legend_position="top_left", **PLOT)


def cursor_line(T):
    """Dashed vertical line at the cursor time ``T``."""
    return styled(hv.VLine(T), color=COLORS["cursor"], line_dash="dashed", line_width=1)


def trajectories_view(times, states, T, t_):
    """Coefficient trajectories ``x_n(t)``, one curve per column of ``states``, and the cursor."""
    curves = [styled(hv.Curve((times, states[:, n]), t_("time"), t_("coefficient"), label=f"x_{n}"),
                     color=CYCLE[n % len(CYCLE)], line_width=1.4) for n in range(states.shape[1])]
    return styled(hv.Overlay(curves) * cursor_line(T), title=t_("view_traj"), height=260, legend_position="right",
                  **PLOT)


def spectrum_view(magnitudes, log_y, t_):
    """Stem plot of ``|x_n(T)|`` against ``n``: how fast the coefficients decay."""
    n = np.arange(len(magnitudes))
    floor = max(float(np.min(magnitudes[magnitudes > 0])) if np.any(magnitudes > 0) else 1e-16, 1e-16)
    values = np.maximum(magnitudes, floor) if log_y else magnitudes
    spikes = styled(hv.Spikes((n, values), t_("index_n"), "|x_n(T)|"), color=COLORS["continuous"], line_width=2)
    heads = styled(hv.Scatter((n, values), t_("index_n"), "|x_n(T)|"), color=COLORS["continuous"], size=5)
    return styled(spikes * heads, title=t_("view_spectrum"), height=260, logy=log_y, **PLOT)


def error_view(N, online, optimal, current_N, t_):
    """Relative reconstruction error vs N (log–log): the online state and the optimal projection."""
    floor = 1e-16
    lines = []
    for key, values in (("optimal", optimal), ("online", online)):
        data = (np.asarray(N), np.maximum(np.asarray(values), floor))
        lines.append(styled(hv.Curve(data, "N", t_("rel_error"), label=t_(key)), color=COLORS[key], line_width=2))
        lines.append(styled(hv.Scatter(data, "N", t_("rel_error"), label=t_(key)), color=COLORS[key], size=6))
    marker = styled(hv.VLine(current_N), color=COLORS["cursor"], line_dash="dashed", line_width=1)
    return styled(hv.Overlay(lines) * marker, title=t_("view_error"), height=260, logx=True, logy=True,
                  legend_position="bottom_left", **PLOT)


def _region_polygons(x, y, inside, level_range, dims):
    """Outer boundaries of the region of ``inside`` (0/1 on the grid) in ``level_range``, with
    their largest area (contourpy's filled contours)."""
    generator = contourpy.contour_generator(x, y, inside, fill_type=contourpy.FillType.OuterOffset)
    points, offsets = generator.filled(*level_range)
    polygons, largest = [], 0.0
    for block, cuts in zip(points, offsets):
        for start, stop in zip(cuts[:-1], cuts[1:]):
            ring = block[start:stop]
            polygons.append({dims[0]: ring[:, 0], dims[1]: ring[:, 1]})
            largest = max(largest, 0.5 * abs(np.dot(ring[:, 0], np.roll(ring[:, 1], 1))
                                             - np.dot(ring[:, 1], np.roll(ring[:, 0], 1))))
    return polygons, largest


def stability_view(scaled_eigenvalues, amplification, title, t_, exact=None):
    """Eigenvalues ``z = ε λ(A)`` over the shaded region ``|R(z)| < 1`` of the scheme's
    amplification factor ``R`` (FE ``1+z``, BE ``1/(1-z)``, bilinear ``(1+z/2)/(1-z/2)``, ZOH ``e^z``).
    The region is drawn as filled contours of ``|R| < 1`` on a grid (stable shaded, unstable
    white, the larger drawn first so a disc shows on top of its surroundings)."""
    points = np.concatenate([scaled_eigenvalues, exact if exact is not None else []])
    re_lo = min(float(points.real.min()) * 1.15, -2.5)
    re_hi = max(float(points.real.max()) * 1.15 if points.real.max() > 0 else 0.0, 2.5)
    im_abs = max(float(np.abs(points.imag).max()) * 1.15, 2.5)
    x = np.linspace(re_lo, re_hi, 241)
    y = np.linspace(-im_abs, im_abs, 201)
    with np.errstate(divide="ignore", invalid="ignore"):  # R has a pole inside the box for BE/bilinear
        inside = (np.abs(amplification(x[None, :] + 1j * y[:, None])) < 1).astype(float)
    dims = [t_("real"), t_("imag")]
    shapes = []
    for level_range, colour, label in (((0.5, 1.5), COLORS["stability"], t_("stable_region")),
                                       ((-0.5, 0.5), "#ffffff", None)):
        polygons, largest = _region_polygons(x, y, inside, level_range, dims)
        if polygons:
            shape = hv.Polygons(polygons, dims, label=label) if label else hv.Polygons(polygons, dims)
            shapes.append((largest, styled(shape, color=colour, fill_color=colour, line_width=0,
                                           alpha=0.55 if label else 1.0)))
    layers = [shape for _, shape in sorted(shapes, key=lambda item: -item[0])]
    layers.append(styled(hv.Scatter((scaled_eigenvalues.real, scaled_eigenvalues.imag), dims[0], dims[1],
                                    label=t_("eig_numeric")), color=COLORS["continuous"], size=6, marker="circle"))
    if exact is not None:
        layers.append(styled(hv.Scatter((exact.real, exact.imag), dims[0], dims[1], label=t_("eig_exact")),
                             color=COLORS["exact"], size=9, marker="x"))
    return styled(hv.Overlay(layers), title=title, height=300, legend_position="bottom_left",
                  xlim=(re_lo, re_hi), ylim=(-im_abs, im_abs), **PLOT)


def discrete_eigen_view(eigenvalues, t_, exact=None):
    """Eigenvalues of the discrete ``Ā`` against the unit circle; title gives the spectral radius."""
    theta = np.linspace(0, 2 * np.pi, 361)
    circle = styled(hv.Curve((np.cos(theta), np.sin(theta)), t_("real"), t_("imag"), label=t_("unit_circle")),
                    color=COLORS["cursor"], line_width=1)
    finite = eigenvalues[np.isfinite(eigenvalues)]
    rho = float(np.abs(finite).max()) if finite.size else float("nan")
    layers = [circle, styled(hv.Scatter((finite.real, finite.imag), t_("real"), t_("imag"), label=t_("eig_numeric")),
                             color=COLORS["discrete"], size=6)]
    if exact is not None:
        layers.append(styled(hv.Scatter((exact.real, exact.imag), t_("real"), t_("imag"), label=t_("eig_exact")),
                             color=COLORS["exact"], size=9, marker="x"))
        rho = float(np.abs(exact).max())
    lim = max(1.1, min(float(np.abs(finite).max()) * 1.1 if finite.size else 1.1, 50.0))
    return styled(hv.Overlay(layers), title=t_("view_eig_disc", rho=rho), height=300, xlim=(-lim, lim),
                  ylim=(-lim, lim), legend_position="bottom_left",
                  **{**PLOT, "aspect": "equal", "responsive": False}, frame_width=300, frame_height=300)


AMPLIFICATION = {
    "forward_euler": lambda z: 1 + z,
    "backward_euler": lambda z: 1 / (1 - z),
    "bilinear": lambda z: (1 + z / 2) / (1 - z / 2),
    "bilinear_s4": lambda z: (1 + z / 2) / (1 - z / 2),
    "zoh": np.exp,
}
