"""Wall time of ``kexue-viz`` commands, each a fresh process as a reader runs it.

Run: ``.venv/bin/python benchmarks/bench_cli.py [--quick] [--repeats N]``.

``list`` and ``--help`` read the registry's generated table (``kexue_viz/data/dashboards.json``)
and import no numeric or plotting library; before that change every command imported all five
dashboards (torch, Panel, HoloViews, ...) for their titles. The baseline row does that import, so
the ratio column says what the table saves. A misspelt ``--set`` name is rejected before the
dashboard is imported; a real ``export`` still pays the import (reference row).

Each time is the median of the repeats (round robin over the commands, so load changes on a shared
machine hit every row alike). The script checks each command's exit status and output and exits 1
if one is wrong.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import fmt_ms, fmt_ratio, header, print_table

KEXUE_VIZ = str(Path(sys.executable).with_name("kexue-viz"))
IMPORT_ALL = "from kexue_viz.registry import DASHBOARDS\nfor entry in DASHBOARDS.values(): entry.load()"


def commands(scratch: Path) -> list[tuple[str, list[str], int, str]]:
    """(row name, argv, expected exit status, text the output must contain)."""
    figure = str(scratch / "fig.svg")
    return [
        ("baseline: import every dashboard", [sys.executable, "-c", IMPORT_ALL], 0, ""),
        ("kexue-viz list", [KEXUE_VIZ, "list"], 0, "infomap_communities"),
        ("kexue-viz --help", [KEXUE_VIZ, "--help"], 0, "kexue-viz list DASHBOARD"),
        ("kexue-viz list hippo", [KEXUE_VIZ, "list", "hippo"], 0, "integer 1…64"),
        ("kexue-viz export hippo --help", [KEXUE_VIZ, "export", "hippo", "--help"], 0, "legs | legt"),
        ("export, misspelt --set name", [KEXUE_VIZ, "export", "hippo", "--set", "mesure=legt", "-o", figure], 2,
         "did you mean 'measure'"),
        ("export hippo N=32 (reference)", [KEXUE_VIZ, "export", "hippo", "--set", "N=32", "-o", figure], 0, "wrote"),
    ]


def run_once(argv: list[str], status: int, text: str) -> float:
    """Seconds of one run; raises if the exit status or the output is not the expected one."""
    start = time.perf_counter()
    result = subprocess.run(argv, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    output = result.stdout + result.stderr
    if result.returncode != status or text not in output:
        raise SystemExit(f"{' '.join(argv)}: exit {result.returncode} (expected {status}), "
                         f"expected {text!r} in the output:\n{output[-2000:]}")
    return seconds


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 repeats")
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    repeats = 3 if args.quick else args.repeats
    header(f"kexue-viz command wall time, median of {repeats} fresh processes")
    with tempfile.TemporaryDirectory() as scratch:
        rows = commands(Path(scratch))
        times: dict[str, list[float]] = {name: [] for name, *_ in rows}
        for _ in range(repeats):
            for name, command, status, text in rows:
                times[name].append(run_once(command, status, text))
    baseline = statistics.median(times[rows[0][0]])
    table = [[name, fmt_ms(1e3 * statistics.median(seconds)), fmt_ms(1e3 * min(seconds)),
              fmt_ratio(baseline / statistics.median(seconds))] for name, seconds in times.items()]
    print_table(["command", "median ms", "min ms", "baseline / this"], table, left=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
