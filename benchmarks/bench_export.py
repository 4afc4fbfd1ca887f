"""Export time per view and per composed figure, every dashboard, against issue 15's goals.

Run: ``.venv/bin/python benchmarks/bench_export.py [--quick] [--repeats N] [--format png] [DASHBOARD ...]``.

What the export button costs a reader once a page is open: a warm process (imports done, the
dashboard built, its results memoised by the pipelines: one export of each view and of the
composed figure runs untimed first), default settings, PNG at the default width preset. Each time
is the median of ``--repeats`` exports (default 3, round robin over the views of a dashboard so that
load changes on a shared machine hit every view alike), wall time as the reader waits for it, with
the CPU time of the same exports beside it (less sensitive to other processes on the machine).

Goals (issue 15, on 2 cores): one view well under ``VIEW_GOAL_S``, the composed figure under
``FIGURE_GOAL_S``; the ratio columns are time / goal (below 1 meets it). Every export is checked
to be a file of its format; the script exits 1 if one fails or is not.
"""
from __future__ import annotations

import argparse
import statistics
import time

from _common import fmt_ratio, header, print_table

from kexue_viz.registry import DASHBOARDS, WHOLE_FIGURE

VIEW_GOAL_S = 2.0
FIGURE_GOAL_S = 5.0
SIGNATURES = {"png": b"\x89PNG\r\n\x1a\n", "svg": b"<?xml", "pdf": b"%PDF-"}


def timed_export(dashboard, fmt: str, view: str) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one export of ``view``; raises if the file is not ``fmt``."""
    wall, cpu = time.perf_counter(), time.process_time()
    data = dashboard.export_bytes(fmt, view)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if not data.startswith(SIGNATURES[fmt]):
        raise SystemExit(f"{dashboard.slug} {view}: the export is not a {fmt} file: {data[:16]!r}")
    return wall, cpu


def bench_dashboard(slug: str, fmt: str, repeats: int) -> list[tuple[str, str, float, float]]:
    """(view, label, median wall s, median CPU s) for the composed figure and each view of ``slug``."""
    dashboard = DASHBOARDS[slug].load()()
    views = {WHOLE_FIGURE: dashboard.option_label("export_view", WHOLE_FIGURE), **dashboard.exportable_views()}
    for view in views:  # warm: results computed and memoised, fonts and backends loaded
        timed_export(dashboard, fmt, view)
    times = {view: [] for view in views}
    for _ in range(repeats):
        for view in views:
            times[view].append(timed_export(dashboard, fmt, view))
    return [(view, label, statistics.median(wall for wall, _ in times[view]),
             statistics.median(cpu for _, cpu in times[view])) for view, label in views.items()]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dashboards", nargs="*", metavar="DASHBOARD",
                        help=f"limit the run to these (default: all of {', '.join(DASHBOARDS)})")
    parser.add_argument("--quick", action="store_true", help="one repeat, two dashboards")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--format", choices=list(SIGNATURES), default="png")
    args = parser.parse_args(argv)
    unknown = [slug for slug in args.dashboards if slug not in DASHBOARDS]
    if unknown:
        parser.error(f"unknown dashboard(s) {', '.join(unknown)}")
    slugs = args.dashboards or (["adam_epsilon_batch", "infomap_communities"] if args.quick else list(DASHBOARDS))
    repeats = 1 if args.quick else args.repeats
    header(f"Export time per view and composed figure ({args.format}, default width, warm process); "
           f"median of {repeats}; goals: view < {VIEW_GOAL_S:g} s, composed figure < {FIGURE_GOAL_S:g} s")
    started = time.perf_counter()
    rows, worst = [], []
    for slug in slugs:
        for view, label, wall, cpu in bench_dashboard(slug, args.format, repeats):
            goal = FIGURE_GOAL_S if view == WHOLE_FIGURE else VIEW_GOAL_S
            rows.append([slug, view, f"{wall:.2f}", f"{cpu:.2f}", fmt_ratio(wall / goal), label])
            worst.append((wall / goal, slug, view))
        print(f"({slug} done, {time.perf_counter() - started:.0f} s)", flush=True)
    print()
    print_table(["dashboard", "view", "wall s", "cpu s", "wall/goal", "label"], rows, left=2)
    views = [float(row[2]) for row in rows if row[1] != WHOLE_FIGURE]
    figures = [float(row[2]) for row in rows if row[1] == WHOLE_FIGURE]
    print(f"\nviews: {len(views)}, median {statistics.median(views):.2f} s, max {max(views):.2f} s, "
          f"{sum(t >= VIEW_GOAL_S for t in views)} at or over {VIEW_GOAL_S:g} s")
    print(f"composed figures: {len(figures)}, median {statistics.median(figures):.2f} s, max {max(figures):.2f} s, "
          f"{sum(t >= FIGURE_GOAL_S for t in figures)} at or over {FIGURE_GOAL_S:g} s")
    print("slowest against their goal: " + ", ".join(f"{slug}/{view} {ratio:.2f}x"
                                                      for ratio, slug, view in sorted(worst, reverse=True)[:5]))
    print(f"total {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
