"""Server-side cost of one dashboard update, without a browser, for every registered dashboard.

Builds each dashboard into a Bokeh document (as a served session does), then moves one
parameter at a time through values not seen before (the class attribute ``LATENCY_MOVES``:
parameter name -> values) and times the whole update: the recomputation and the in-place
refresh of every plot that depends on it and is on screen. A parameter is timed once per tab that
shows a view following it (and with the first tab open when a view outside the tabs follows it),
the process-wide memos emptied before each, so each row is what a reader on that tab waits for.
"re-renders" counts the plots those moves rendered afresh (a structural change of a view:
~100–400 ms each; an in-place update is the fast path). This isolates the work the server does per
slider move from the browser's drawing, which on a 2-core machine competes for the same cores (see
``bench_dashboard_latency.py`` for the end-to-end figure). The first two moves of each
parameter warm caches shared by later ones and are left out of the statistics.

Run: ``python benchmarks/bench_dashboard_update.py [--quick] [--dashboard SLUG ...]``
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time

import numpy as np
import panel as pn
from bokeh.document import Document

from kexue_viz.device import describe
from kexue_viz.live import LivePlot
from kexue_viz.pipeline import clear_memos
from kexue_viz.registry import DASHBOARDS
from kexue_viz.ui import init_extension

BUDGET_MS = 100.0  # "a slider move answers in well under 100 ms"


def time_moves(dashboard, name: str, values: list) -> tuple[list[float], list[int]]:
    """Milliseconds taken by ``setattr(dashboard, name, value)`` for each value in turn, and how
    many plots each move re-rendered in full (a structural change; in place is the fast path)."""
    times, renders = [], []
    for value in values:
        before = LivePlot.renders
        started = time.perf_counter()
        setattr(dashboard, name, value)
        times.append((time.perf_counter() - started) * 1e3)
        renders.append(LivePlot.renders - before)
    return times, renders


def screens(dashboard, name: str) -> list[str | None]:
    """The tabs to time a move of ``name`` under: each tab holding a view that follows it, and the tab open at
    first when a view outside the tabs follows it (a reader moves a control whose plots are on screen; a closed
    tab's plots refresh when it is opened). ``[None]`` for a dashboard without tabs."""
    followers = [key for key, view in dashboard._live.items() if name in view.watched()]
    tabs = {dashboard.view_tabs.get(key) for key in followers}
    first = (dashboard.tab_keys() or [None])[0]
    if None in tabs or not tabs:
        tabs = (tabs - {None}) | {first}
    return sorted(tabs, key=lambda tab: (tab != first, tab or ""))


def bench_dashboard(slug: str, quick: bool) -> None:
    cls = DASHBOARDS[slug].load()
    moves = getattr(cls, "LATENCY_MOVES", {})
    dashboard = cls()
    document = Document()
    started = time.perf_counter()
    document.add_root(pn.panel(dashboard).get_root(document))
    print(f"\n{slug}: first render {1e3 * (time.perf_counter() - started):.0f} ms")
    dashboard.open_every_tab()  # every tab built
    if not moves:
        print("  (no LATENCY_MOVES declared)")
        return
    print(f"  {'parameter':14s} {'tab on screen':18s} {'median ms':>10s} {'p95 ms':>8s} {'moves':>6s} "
          f"{'median/budget':>14s} {'re-renders':>10s}")
    for name, values in moves.items():
        values = values[:6] if quick else values
        default = getattr(dashboard, name)
        for tab in screens(dashboard, name):
            if tab is not None:
                dashboard.open_tab(tab)
            setattr(dashboard, name, default)
            clear_memos()  # each tab's moves compute their results afresh, as the first reader's did
            times, renders = time_moves(dashboard, name, values)
            settled, rerendered = times[2:] or times, renders[2:] or renders
            median = statistics.median(settled)
            print(f"  {name:14s} {tab or '-':18s} {median:10.1f} {np.percentile(settled, 95):8.1f} {len(values):6d} "
                  f"{median / BUDGET_MS:13.2f}x {sum(rerendered):10d}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few moves (smoke test)")
    parser.add_argument("--dashboard", nargs="*", choices=sorted(DASHBOARDS), help="default: all")
    args = parser.parse_args()
    init_extension()
    print(describe())
    print(f"budget per move: {BUDGET_MS:.0f} ms (ratio < 1 is within it)")
    for slug in args.dashboard or sorted(DASHBOARDS):
        bench_dashboard(slug, args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
