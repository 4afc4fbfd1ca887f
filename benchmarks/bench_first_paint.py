"""First paint of every dashboard against a minimal Panel + HoloViews page served by the same process.

One ``panel serve`` process serves every ``apps/<slug>.py`` and a minimal page (one HoloViews curve
in a Panel column, written to a temporary script), twice: as HoloViews draws it by default (WebGL)
and on a 2-D canvas, as the dashboards draw (``kexue_viz.live.bokeh_renderer``). Each page is opened once to warm the server
(imports, pipeline results of the defaults), then ``--runs`` times in a fresh browser context;
the time from navigation to the first visible canvas of ``.kv-main-plot`` (the minimal page: its
canvas) is recorded, and the time until every plot is drawn (the frame draws the others just after
the first paint and then shows ``.kv-ready``). Printed per dashboard: the medians, and the ratio of
the first to the default minimal page's median (issue 16 asks for ≤ 1.5), and to the canvas one.
Also printed: the server-side cost of a second session at the default settings (``Dashboard().__panel__()`` timed in this process after a first one).

Run: ``python benchmarks/bench_first_paint.py [--app SLUG ...] [--runs 5]``
(needs Debian's chromium at /usr/bin/chromium).
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench_dashboard_latency import CHROMIUM_ARGS, free_port
from playwright.sync_api import sync_playwright

from kexue_viz.registry import DASHBOARDS

ROOT = Path(__file__).resolve().parents[1]
MINIMAL_APP = """import holoviews as hv
import numpy as np
import panel as pn

pn.extension()
hv.extension("bokeh")
x = np.linspace(0, 6, 200)
curve = hv.Curve((x, np.sin(x))).opts(responsive=True, height=400{options})
pn.Column("# Minimal page", pn.pane.HoloViews(curve, css_classes=["kv-main-plot"]),
          sizing_mode="stretch_width").servable()
"""
MINIMAL_PAGES = {"minimal": "", "minimal_canvas": ", backend_opts={'plot.output_backend': 'canvas'}"}
TIMEOUT_MS = 120_000


def serve(scripts: list[Path], port: int) -> subprocess.Popen:
    """``panel serve`` the scripts on ``port``; return once it answers."""
    process = subprocess.Popen([sys.executable, "-m", "panel", "serve", *map(str, scripts), "--port", str(port),
                                "--address", "127.0.0.1", "--allow-websocket-origin", f"127.0.0.1:{port}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/{scripts[0].stem}", timeout=60)
            return process
        except OSError:
            time.sleep(0.5)
    process.kill()
    raise RuntimeError("panel serve did not answer within 120 s")


def first_paint_s(browser, url: str) -> tuple[float, float]:
    """Seconds from navigation to the first visible canvas inside ``.kv-main-plot``, and to the
    mark that every plot of the page is drawn (``.kv-ready``; the minimal page: its canvas)."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    try:
        started = time.monotonic()
        page.goto(url, wait_until="commit", timeout=TIMEOUT_MS)
        page.locator(".kv-main-plot canvas").first.wait_for(state="visible", timeout=TIMEOUT_MS)
        first = time.monotonic() - started
        if "minimal" not in url:
            page.locator(".kv-ready").first.wait_for(state="attached", timeout=TIMEOUT_MS)
        return first, time.monotonic() - started
    finally:
        context.close()


def second_session_s(slug: str) -> float:
    """Seconds to build a dashboard's page (``__panel__``) after a first one in this process."""
    cls = DASHBOARDS[slug].load()
    cls().__panel__()
    started = time.perf_counter()
    cls().__panel__()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app", nargs="*", default=sorted(DASHBOARDS))
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        minimal_scripts = []
        for name, options in MINIMAL_PAGES.items():
            minimal_scripts.append(Path(folder) / f"{name}.py")
            minimal_scripts[-1].write_text(MINIMAL_APP.format(options=options))
        port = free_port()
        server = serve([*minimal_scripts, *(ROOT / "apps" / f"{slug}.py" for slug in args.app)], port)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
                times = {}
                for name in [*MINIMAL_PAGES, *args.app]:
                    url = f"http://127.0.0.1:{port}/{name}"
                    first_paint_s(browser, url)  # warm: imports, the defaults' results
                    times[name] = [first_paint_s(browser, url) for _ in range(args.runs)]
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
    base, canvas = (statistics.median(first for first, _ in times[name]) for name in MINIMAL_PAGES)
    print(f"first paint, warm server, median of {args.runs}; minimal Panel + HoloViews page: {base:.2f} s "
          f"(HoloViews' default, WebGL), {canvas:.2f} s (2-D canvas)")
    print(f"{'dashboard':24s} {'median s':>9s} {'ratio':>6s} {'/canvas':>8s} {'all drawn s':>12s} {'2nd session s':>14s}")
    for slug in args.app:
        median = statistics.median(first for first, _ in times[slug])
        drawn = statistics.median(last for _, last in times[slug])
        print(f"{slug:24s} {median:9.2f} {median / base:6.2f} {median / canvas:8.2f} {drawn:12.2f} "
              f"{second_session_s(slug):14.2f}")


if __name__ == "__main__":
    main()
