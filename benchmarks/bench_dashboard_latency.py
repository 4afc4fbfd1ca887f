"""End-to-end update latency of a served dashboard, measured in headless Chromium.

For each probed widget the script moves it by keyboard and measures, on the page's websocket,
the time from the message that carries the new value to the last document patch the server
sends back (server compute + serialisation + transport; the browser's own drawing is not
included). Run: ``python benchmarks/bench_dashboard_latency.py [--app hippo] [--moves 10]``.
Needs Debian's chromium at /usr/bin/chromium.
"""
from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PROBES = {"hippo": ["cursor", "N", "w", "freq"]}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def measure(page, frames, widget: str, moves: int, quiet: float = 0.6) -> list[float]:
    handle = page.locator(f".kv-param-{widget} .noUi-handle").first
    handle.focus()
    latencies = []
    for i in range(moves):
        frames.clear()
        sent = time.perf_counter()
        page.keyboard.press("ArrowLeft" if i % 2 else "ArrowRight")
        deadline = sent + 10
        while time.perf_counter() < deadline:
            page.wait_for_timeout(50)
            received = [t for kind, t in frames if kind == "in"]
            if received and time.perf_counter() - received[-1] > quiet:
                break
        out = [t for kind, t in frames if kind == "out"]
        received = [t for kind, t in frames if kind == "in"]
        if out and received:
            latencies.append((received[-1] - out[0]) * 1e3)
    return latencies


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app", default="hippo")
    parser.add_argument("--moves", type=int, default=10)
    args = parser.parse_args()
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "panel", "serve", str(ROOT / "apps" / f"{args.app}.py"),
                               "--port", str(port), "--address", "127.0.0.1",
                               "--allow-websocket-origin", f"127.0.0.1:{port}"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1500, "height": 1100})
            frames: list[tuple[str, float]] = []

            def on_socket(ws):
                ws.on("framesent", lambda payload: frames.append(("out", time.perf_counter())))
                ws.on("framereceived", lambda payload: frames.append(("in", time.perf_counter())))

            page.on("websocket", on_socket)
            for _ in range(60):
                try:
                    page.goto(f"http://127.0.0.1:{port}/{args.app}")
                    break
                except Exception:
                    time.sleep(1)
            page.wait_for_selector(".kv-main-plot canvas", timeout=90_000)
            page.wait_for_timeout(3000)
            print(f"{'widget':10s} {'median ms':>10s} {'min':>8s} {'max':>8s}  (n={args.moves})")
            for widget in PROBES[args.app]:
                values = measure(page, frames, widget, args.moves)
                if values:
                    print(f"{widget:10s} {statistics.median(values):10.1f} {min(values):8.1f} {max(values):8.1f}")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
