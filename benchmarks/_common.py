"""Shared helpers for the benchmarks in this folder (timing, devices, header, formatting).

Not a benchmark itself: ``run_all.py`` only runs files named ``bench_*.py``.
"""
from __future__ import annotations

import datetime
import os
import platform
import statistics
import time

import torch

from kexue_viz import device as kv_device


def input_signal(L: int, device: torch.device, seed: int = 0) -> torch.Tensor:
    """Deterministic float64 input ``u_0..u_{L-1}``: seeded white noise smoothed by a 5-tap moving
    average (unit-order values; built here so that timings do not depend on the signal presets)."""
    generator = torch.Generator().manual_seed(seed)
    noise = torch.randn(L + 4, generator=generator, dtype=kv_device.REAL)
    return noise.unfold(0, 5, 1).mean(dim=1).to(device)


def benchmark_devices(choice: str = "all") -> list[torch.device]:
    """``cpu``, ``cuda`` or ``all`` (the CPU, plus CUDA when torch sees a GPU).

    The CUDA device is the package's own choice when that is a CUDA device (``KEXUE_VIZ_DEVICE``
    may name ``cuda:1``), else ``cuda``.
    """
    cuda = None
    if torch.cuda.is_available():
        chosen = kv_device.get_device()
        cuda = chosen if chosen.type == "cuda" else torch.device("cuda")
    if choice == "cpu":
        return [torch.device("cpu")]
    if choice == "cuda":
        if cuda is None:
            raise SystemExit("--device cuda: torch sees no CUDA device")
        return [cuda]
    return [torch.device("cpu")] + ([cuda] if cuda is not None else [])


def sync(device: torch.device) -> None:
    """Wait for queued kernels (CUDA launches are asynchronous; the CPU needs nothing)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def time_call(fn, device: torch.device):
    """``(seconds, result)`` of one call of ``fn()``, synchronised before and after on CUDA."""
    sync(device)
    start = time.perf_counter()
    result = fn()
    sync(device)
    return time.perf_counter() - start, result


def median_ms(seconds: list[float]) -> float:
    return 1e3 * statistics.median(seconds)


def quantile_ms(seconds: list[float], q: float) -> float:
    """Nearest-rank quantile in ms (no interpolation: the numbers are few)."""
    ordered = sorted(seconds)
    return 1e3 * ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def header(title: str) -> None:
    """Print the title, the package's device/threads line, and the machine and its load."""
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    print(title)
    print(kv_device.describe())
    print(f"date={datetime.date.today().isoformat()} machine={platform.machine()} cpus={os.cpu_count()} "
          f"python={platform.python_version()} cuda_available={torch.cuda.is_available()}"
          + (f" loadavg(1m)={load[0]:.2f}" if load else ""))
    if torch.cuda.is_available():
        print(f"gpu={torch.cuda.get_device_name()}")
    print()


def fmt_ms(ms: float | None) -> str:
    if ms is None:
        return "-"
    if ms >= 100:
        return f"{ms:.0f}"
    if ms >= 10:
        return f"{ms:.1f}"
    return f"{ms:.2f}"


def fmt_ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}x" if value >= 10 else f"{value:.2f}x"


def print_table(columns: list[str], rows: list[list[str]], left: int = 0) -> None:
    """Plain-text table, the first ``left`` columns left-aligned, the rest right-aligned."""
    widths = [max(len(c), *(len(r[i]) for r in rows)) if rows else len(c) for i, c in enumerate(columns)]

    def line(cells):
        return "  ".join(c.ljust(w) if i < left else c.rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    print(line(columns))
    print(line(["-" * w for w in widths]))
    for row in rows:
        print(line(row))
