"""Time and size of the interactive HTML export (kexue_viz.embed): one view, one slider.

Run: ``.venv/bin/python benchmarks/bench_embed.py [--quick] [--repeats N]``.

For each dashboard, its main view with a slider of its probed parameter over the default grid (at most
21 states, ``kexue_viz.embed.DEFAULT_VALUES``), in a warm process (the dashboard imported, its view
built once at the current settings): the time to build every state's view the first time ("build":
the dashboard's pipeline computes each state) and again ("rebuild": the pipeline's memoised results,
as for a second file of the same states), the time Panel takes to embed the states (the figure
rendered once, then updated in place per state, and the page written; median of the repeats), the
total of a first file (build + embed), and the file's size, with what a state adds above a one-state
file.
``--quick``: three states, one repeat. The script checks that each file names no external address
and that a second run writes the same bytes, and exits 1 otherwise.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time

from _common import fmt_ms, header, print_table

from kexue_viz import embed
from kexue_viz.registry import DASHBOARDS

EXTERNAL = ("cdn.holoviz.org", "cdn.bokeh.org", "static/extensions/panel", "<script src")


def main_view(dashboard) -> str:
    return next(key for key, view in dashboard._plot_views().items() if view.main)


def measure(dashboard, view: str, name: str, values: list, repeats: int) -> tuple[list[str], list[str]]:
    """A table row for ``view`` with ``name`` over ``values``, and the problems found."""
    builds, embeds, files = [], [], []
    for _ in range(repeats):
        start = time.perf_counter()
        grids = embed.state_grids(dashboard, (name,), {name: values})
        frames = embed.build_states(dashboard, dashboard._plot_views()[view], grids)
        built = time.perf_counter()
        files.append(embed.embedded_page(dashboard, view, grids, frames))
        builds.append(built - start)
        embeds.append(time.perf_counter() - built)
    one_state = embed.interactive_html(dashboard, view, (name,), {name: [getattr(dashboard, name)]})
    html = files[-1]
    problems = [f"{dashboard.slug}: names {text!r}" for text in EXTERNAL if text.encode() in html]
    if any(other != html for other in files):
        problems.append(f"{dashboard.slug}: two runs wrote different bytes")
    per_state = (len(html) - len(one_state)) / max(len(values) - 1, 1) / 2 ** 10
    embed_s = statistics.median(embeds)
    row = [dashboard.slug, view, name, str(len(values)), fmt_ms(1e3 * builds[0]),
           fmt_ms(1e3 * statistics.median(builds)), fmt_ms(1e3 * embed_s), f"{builds[0] + embed_s:.1f}", f"{len(html) / 2 ** 20:.2f}", f"{per_state:.0f}"]
    return row, problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="three states, one repeat")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    repeats = 1 if args.quick else args.repeats
    header("interactive HTML export: one view, one slider (kexue_viz.embed)")
    rows, problems = [], []
    for slug, entry in DASHBOARDS.items():
        dashboard = entry.load()(lang="en")
        view, name = main_view(dashboard), dashboard.probe
        values = embed.parameter_grid(dashboard, name, embed.DEFAULT_VALUES[1])
        if args.quick:
            values = values[:3]
        dashboard._plot_views()[view].build()  # warm: the view's pipeline at the current settings
        row, found = measure(dashboard, view, name, values, repeats)
        rows.append(row)
        problems += found
        print(" ".join(row), flush=True)
    print()
    print_table(["dashboard", "view", "slider", "states", "build ms", "rebuild ms", "embed ms", "total s", "MiB",
                 "KiB/state"],
                rows, left=3)
    for problem in problems:
        print("FAILED:", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
