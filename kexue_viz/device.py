"""The one place that chooses where and how the numeric core runs.

* Device: CUDA when ``torch.cuda.is_available()``, else CPU. ``KEXUE_VIZ_DEVICE`` (``cpu``,
  ``cuda``, ``cuda:1`` ...) overrides the choice.
* Threads: on the CPU, torch's intra-op thread pool is set to ``KEXUE_VIZ_THREADS`` threads,
  default 1. Measured on the 2-core development machine with ``benchmarks/bench_threads.py``
  (the work of one HiPPO slider move at N=64, L=1000; medians): idle machine 186 ms with 1
  thread vs 115 ms with 2; busy machine (load ~3) 196 vs 308 ms; with one competing process
  300 vs 949 ms, and the 2-thread p90 reached 4.6 s. A dashboard server shares its cores with
  the browser and other sessions, so 1 thread is the robust default; batch work on an idle
  machine can ask for more.
* Dtype: ``float64`` for the maths (HiPPO with large N, quadrature); ``REAL``/``COMPLEX`` name it.
"""
from __future__ import annotations

import os
from functools import lru_cache

import numpy as np
import torch

REAL = torch.float64
COMPLEX = torch.complex128
DEFAULT_THREADS = 1


@lru_cache(maxsize=1)
def get_device() -> torch.device:
    """Return the torch device every core computation uses (env ``KEXUE_VIZ_DEVICE`` wins)."""
    requested = os.environ.get("KEXUE_VIZ_DEVICE", "").strip()
    if requested:
        device = torch.device(requested)
        if device.type == "cuda" and not torch.cuda.is_available():
            raise RuntimeError(f"KEXUE_VIZ_DEVICE={requested} but torch sees no CUDA device")
        return device
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def to_core(value, like: torch.Tensor | None = None) -> torch.Tensor:
    """``value`` (a number, sequence, array, or tensor on any device) as a tensor on ``like``'s device
    and dtype, or as float64 on :func:`get_device` when ``like`` is not given. Core functions pass
    their inputs through it, so callers may hand over CPU data whichever device the core uses."""
    if isinstance(value, np.ndarray) and (not value.flags.writeable or any(step < 0 for step in value.strides)):
        value = value.copy()  # torch shares memory with arrays: it warns on read-only ones, refuses reversed ones
    if like is None:
        return torch.as_tensor(value, dtype=REAL).to(get_device())
    return torch.as_tensor(value, dtype=like.dtype).to(like.device)


def configure_threads(threads: int | None = None) -> int:
    """Set torch's intra-op thread count (``KEXUE_VIZ_THREADS``, default 1) and return it."""
    if threads is None:
        threads = int(os.environ.get("KEXUE_VIZ_THREADS", DEFAULT_THREADS))
    threads = max(1, threads)
    torch.set_num_threads(threads)
    return threads


def describe() -> str:
    """One line naming the device, dtype and thread count, for benchmark and notebook headers."""
    return f"device={get_device()} dtype={REAL} threads={torch.get_num_threads()} torch={torch.__version__}"


configure_threads()
