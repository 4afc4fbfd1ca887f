"""Run every ``bench_*.py`` in this folder, in name order, each in its own process.

Run: ``.venv/bin/python benchmarks/run_all.py [--quick]``. New ``bench_*.py`` files are picked
up automatically; each should exit non-zero on failure. ``--quick`` (a smoke test) is passed to
every benchmark that offers it (its source mentions ``"--quick"``); with ``--quick`` the others
(e.g. a browser-driven one) are listed as skipped rather than run at full length.
Exits 1 when any benchmark fails (its accuracy assertion, say), after running the rest.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def benchmark_scripts() -> list[Path]:
    return sorted(HERE.glob("bench_*.py"))


def offers_quick(script: Path) -> bool:
    return '"--quick"' in script.read_text(encoding="utf-8")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="pass --quick to every benchmark")
    args = parser.parse_args(argv)
    failed, skipped, started = [], [], time.perf_counter()
    scripts = benchmark_scripts()
    for script in scripts:
        if args.quick and not offers_quick(script):
            print(f"===== {script.name}: skipped (no --quick option)\n", flush=True)
            skipped.append(script.name)
            continue
        command = [sys.executable, str(script)] + (["--quick"] if args.quick else [])
        print(f"===== {script.name} {' '.join(command[2:])}".rstrip(), flush=True)
        begin = time.perf_counter()
        code = subprocess.call(command, cwd=HERE.parent)
        print(f"===== {script.name}: exit {code} after {time.perf_counter() - begin:.1f} s\n", flush=True)
        if code != 0:
            failed.append(script.name)
    total = time.perf_counter() - started
    ran = len(scripts) - len(skipped)
    note = f"; skipped {', '.join(skipped)}" if skipped else ""
    if failed:
        print(f"FAILED: {', '.join(failed)} ({ran} run, {total:.1f} s in all{note})")
        return 1
    print(f"all {ran} benchmarks run passed ({total:.1f} s in all{note})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
