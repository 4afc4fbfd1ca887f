"""Server-side latency of the InfoMap dashboard, per parameter and for a tapped node.

The dashboard is built into a Bokeh document as a served session would be, then each parameter
of ``InfomapDashboard.LATENCY_MOVES`` is moved through its values, timing the whole update (every
view of the open tab that follows the parameter refreshed; without a server, synchronously). A
tap in manual mode (``assign``) is timed the same way. Medians over the moves after two warm-up
moves. Run: ``.venv/bin/python benchmarks/bench_mapequation_dashboard.py [--quick]``.
"""
from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import panel as pn
from bokeh.document import Document

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import fmt_ms, header, print_table  # noqa: E402

from kexue_viz.mapequation.dashboard import InfomapDashboard  # noqa: E402
from kexue_viz.ui import init_extension  # noqa: E402


def build(**params) -> InfomapDashboard:
    dashboard = InfomapDashboard(**params)
    document = Document()
    document.add_root(pn.panel(dashboard).get_root(document))
    return dashboard


def time_moves(dashboard, name: str, values) -> list[float]:
    times = []
    for value in values:
        start = time.perf_counter()
        if name == "tap":
            dashboard.paint = int(value) % 3
            dashboard.assign([int(value)])
        else:
            setattr(dashboard, name, value)
        times.append(1e3 * (time.perf_counter() - start))
    return times[2:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    logging.getLogger("kexue_viz").setLevel(logging.CRITICAL)
    init_extension()
    header("bench_mapequation_dashboard: InfoMap dashboard update latency (karate, defaults)")
    moves = dict(InfomapDashboard.LATENCY_MOVES)
    moves["tap"] = list(range(2, 34, 2))
    rows = []
    for name, values in moves.items():
        values = values[:6] if args.quick else values
        start = {"partition_source": "greedy"} if name == "step" else {}
        if name == "tap":
            start = {"partition_source": "manual"}
        dashboard = build(**start)
        rows.append([name, str(len(values)), fmt_ms(statistics.median(time_moves(dashboard, name, values)))])
    print_table(["move", "values", "all views ms"], rows, left=1)


if __name__ == "__main__":
    main()
