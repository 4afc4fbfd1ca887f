"""Update latency of a served dashboard, driven by a real slider move in headless Chromium.

The server runs with ``KEXUE_VIZ_LOG=debug``, so every plot refresh logs its start time and
duration. For each probed widget the script presses an arrow key on the slider and reports
the time from the key press to the end of the last plot refresh it caused (browser and
server share this machine's clock). That is the server's answer: Panel's event handling (it
batches browser events for 50 ms), the computation, and the in-place update of every
affected plot. The browser's own drawing afterwards is not included.

The probed widgets are the sliders among each dashboard's ``LATENCY_MOVES`` (its class
attribute, shared with ``bench_dashboard_update.py``); the app is ``apps/<slug>.py``.

Run: ``python benchmarks/bench_dashboard_latency.py [--app SLUG ...] [--moves 8]``
(default: every registered dashboard; needs Debian's chromium at /usr/bin/chromium).
"""
from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from kexue_viz.registry import DASHBOARDS

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
REFRESH = re.compile(r"refresh (\S+) started ([\d.]+) took ([\d.]+) ms")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def refreshes(log_path: Path) -> list[tuple[str, float, float]]:
    """(plot, start, end) of every logged refresh so far."""
    found = []
    for match in REFRESH.finditer(log_path.read_text(errors="replace")):
        start = float(match.group(2))
        found.append((match.group(1), start, start + float(match.group(3)) / 1e3))
    return found


def measure(page, log_path: Path, widget: str, moves: int, settle: float = 1.5) -> list[tuple[float, float, int]]:
    """(ms to the first plot refreshed, ms to the last, plots refreshed) per key press on
    ``widget``'s slider."""
    handles = page.locator(f".kv-param-{widget} .noUi-handle")
    if handles.count() == 0:  # not a slider (a select, a text box): no arrow-key move to time
        return []
    handle = handles.first
    handle.focus()
    at_end = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
    key = "ArrowLeft" if at_end else "ArrowRight"  # one direction: every move is a value not seen before
    results = []
    for _ in range(moves):
        pressed = time.time()
        page.keyboard.press(key)
        page.wait_for_timeout(settle * 1e3)
        caused = [r for r in refreshes(log_path) if pressed <= r[1] <= pressed + settle]
        if caused:
            first = min(end for _, _, end in caused)
            last = max(end for _, _, end in caused)
            results.append(((first - pressed) * 1e3, (last - pressed) * 1e3, len(caused)))
    return results


def bench_app(playwright, slug: str, moves: int) -> None:
    """Serve ``apps/<slug>.py`` with refresh logging and time arrow-key moves of its sliders."""
    port = free_port()
    log_path = Path(tempfile.mkstemp(suffix=".log")[1])
    with log_path.open("w") as log_file:
        server = subprocess.Popen(
            [sys.executable, "-m", "panel", "serve", str(ROOT / "apps" / f"{slug}.py"), "--port", str(port),
             "--address", "127.0.0.1", "--allow-websocket-origin", f"127.0.0.1:{port}"],
            stdout=log_file, stderr=subprocess.STDOUT, env={**os.environ, "KEXUE_VIZ_LOG": "debug"})
        try:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1500, "height": 1100})
            for _ in range(60):
                try:
                    page.goto(f"http://127.0.0.1:{port}/{slug}")
                    break
                except Exception:
                    time.sleep(1)
            page.wait_for_selector(".kv-main-plot canvas", timeout=90_000)
            page.wait_for_timeout(4000)
            print(f"\ndashboard {slug}: key press -> first / last plot refreshed on the server, ms "
                  f"(medians of {moves} moves; min-max of the last)")
            print(f"{'widget':14s} {'first':>8s} {'last':>8s} {'min':>8s} {'max':>8s} {'plots':>6s}")
            for widget in getattr(DASHBOARDS[slug].load(), "LATENCY_MOVES", {}):
                values = measure(page, log_path, widget, moves)
                if values:
                    first = statistics.median(v[0] for v in values)
                    last = [v[1] for v in values]
                    plots = statistics.median(v[2] for v in values)
                    print(f"{widget:14s} {first:8.1f} {statistics.median(last):8.1f} {min(last):8.1f} "
                          f"{max(last):8.1f} {plots:6.0f}")
            browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)
            log_path.unlink(missing_ok=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app", nargs="*", choices=sorted(DASHBOARDS), help="default: all")
    parser.add_argument("--moves", type=int, default=8)
    args = parser.parse_args()
    with sync_playwright() as playwright:
        for slug in args.app or sorted(DASHBOARDS):
            bench_app(playwright, slug, args.moves)
    return 0


if __name__ == "__main__":
    sys.exit(main())
