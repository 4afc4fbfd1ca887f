"""How many readers one server process holds: N headless pages on one dashboard, each moving its
probe slider (``.kv-probe``) with a reader's pauses; the time from each key press to the last
change the server's answer made in that page (any model but the slider itself, settled for
``QUIET_S``), p50 and p95 per N.

Server (one ``panel serve`` process) and Chromium share this machine, so on a 2-core machine the
browser's drawing of N pages competes with the server: a dedicated server holds at least this many.

Run: ``python benchmarks/bench_concurrent_readers.py [--app hippo] [--readers 1 2 4 8] [--moves 6]``
(needs Debian's chromium at /usr/bin/chromium).
"""
from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bench_dashboard_latency import CHROMIUM_ARGS, free_port
from playwright.async_api import async_playwright

from kexue_viz.registry import DASHBOARDS

ROOT = Path(__file__).resolve().parents[1]
QUIET_S = 1.0          # an answer has ended when the page has not changed for this long
ANSWER_TIMEOUT_S = 60.0
THINK_S = (0.5, 1.5)   # a reader's pause between two moves
RECORD_CHANGES = """() => { window.kvAnswer = {last: 0};
  Bokeh.documents[0].on_change(event => {
    const model = event.model;
    if (!(model && String(model.type).includes('Slider'))) window.kvAnswer.last = performance.now();
  }); }"""


async def answer_ms(page, key: str) -> float | None:
    """Press ``key`` on the focused probe slider; ms from the press to the last change of the
    answer (``None`` when nothing changed within :data:`ANSWER_TIMEOUT_S`)."""
    pressed = await page.evaluate("performance.now()")
    await page.keyboard.press(key)
    deadline = time.monotonic() + ANSWER_TIMEOUT_S
    while time.monotonic() < deadline:
        await asyncio.sleep(0.1)
        last, now = await page.evaluate("[window.kvAnswer.last, performance.now()]")
        if last > pressed and now - last > QUIET_S * 1e3:
            return last - pressed
    return None


async def reader(browser, url: str, moves: int, ready: asyncio.Barrier) -> list[float | None]:
    """One reader: open ``url``, wait for every other reader's page, then ``moves`` slider moves
    (right and left in turn, so the value stays within bounds)."""
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    await page.goto(url, timeout=300_000)
    await page.locator(".kv-main-plot canvas").first.wait_for(state="visible", timeout=300_000)
    await page.wait_for_function("Bokeh.documents.length > 0 && Bokeh.documents[0].is_idle", timeout=300_000)
    await page.evaluate(RECORD_CHANGES)
    handle = page.locator(".kv-probe .noUi-handle").first
    await handle.scroll_into_view_if_needed()
    await handle.focus()
    await ready.wait()
    answers = []
    for move in range(moves):
        await asyncio.sleep(random.uniform(*THINK_S))
        answers.append(await answer_ms(page, "ArrowRight" if move % 2 == 0 else "ArrowLeft"))
    await context.close()
    return answers


async def bench(url: str, counts: list[int], moves: int) -> None:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        print(f"{'readers':>7s} {'answers':>7s} {'p50 ms':>8s} {'p95 ms':>8s} {'max ms':>8s} {'lost':>5s}")
        for count in counts:
            ready = asyncio.Barrier(count)
            results = await asyncio.gather(*(reader(browser, url, moves, ready) for _ in range(count)))
            answers = sorted(a for answers in results for a in answers if a is not None)
            lost = sum(a is None for answers in results for a in answers)
            p95 = answers[min(len(answers) - 1, round(0.95 * (len(answers) - 1)))]
            print(f"{count:7d} {len(answers):7d} {statistics.median(answers):8.0f} {p95:8.0f} "
                  f"{answers[-1]:8.0f} {lost:5d}", flush=True)
        await browser.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app", choices=sorted(DASHBOARDS), default="hippo")
    parser.add_argument("--readers", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--moves", type=int, default=6)
    args = parser.parse_args()
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "panel", "serve", str(ROOT / "apps" / f"{args.app}.py"), "--port", str(port),
         "--address", "127.0.0.1", "--allow-websocket-origin", f"127.0.0.1:{port}", "--num-procs", "1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}/{args.app}"
        for _ in range(120):
            try:
                urllib.request.urlopen(url, timeout=30).close()
                break
            except OSError:
                time.sleep(1)
        print(f"{args.app}: one server process, {args.moves} slider moves per reader")
        asyncio.run(bench(url, args.readers, args.moves))
    finally:
        server.terminate()
        server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
