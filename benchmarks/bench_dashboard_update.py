"""Server-side cost of one dashboard update, without a browser.

Builds the dashboard into a Bokeh document (as a served session does), then moves one
parameter at a time through values not seen before and times the whole update: the
recomputation and the in-place refresh of every plot that depends on it. This isolates the
work the server does per slider move from the browser's drawing, which on a 2-core machine
competes for the same cores (see ``bench_dashboard_latency.py`` for the end-to-end figure).

Run: ``python benchmarks/bench_dashboard_update.py [--quick]``
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
from kexue_viz.ssm.dashboard import HippoDashboard
from kexue_viz.ui import init_extension

MOVES = {
    "N": list(range(17, 41)),
    "cursor": [round(v, 3) for v in np.linspace(0.95, 0.5, 24)],
    "freq": [round(v, 2) for v in np.linspace(2.1, 4.4, 24)],
    "n_shown": [5, 6, 7, 8, 3, 2, 9, 10, 11, 12, 13, 14],
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few moves (smoke test)")
    args = parser.parse_args()
    init_extension()
    print(describe())
    dashboard = HippoDashboard()
    document = Document()
    document.add_root(pn.panel(dashboard).get_root(document))
    print(f"{'parameter':10s} {'median ms':>10s} {'p90 ms':>8s} {'moves':>6s}")
    for name, values in MOVES.items():
        values = values[:6] if args.quick else values
        times = []
        for value in values:
            started = time.perf_counter()
            setattr(dashboard, name, value)
            times.append((time.perf_counter() - started) * 1e3)
        settled = times[2:] or times  # the first moves warm caches shared by later ones
        print(f"{name:10s} {statistics.median(settled):10.1f} {np.percentile(settled, 90):8.1f} {len(values):6d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
