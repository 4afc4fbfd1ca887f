"""Online approximation x_0..x_L of a discretised HiPPO system: naive loop vs the package's routes.

Routes timed for every configuration (float64; the states ``x_{k+1} = Ā_k x_k + B̄_k u_k`` from
``x_0 = 0``, ``L + 1`` rows):

* ``naive``: a plain per-step Python loop ``x = A @ x + B * u[k]`` allocating fresh tensors
  each step, then ``torch.stack`` (the baseline, written out below);
* ``recur``: :func:`kexue_viz.ssm.online.run_recurrence` (preallocated output, one fused
  ``addmv`` per step);
* ``conv``: :func:`kexue_viz.ssm.online.lti_states_by_convolution` (Krylov doubling for the
  kernel ``Ā^m B̄`` + zero-padded rFFT convolution), LTI systems only.
* ``chunk``: :func:`kexue_viz.ssm.online.lti_states_chunked` (blocks of 64 steps as matrix
  products, a sequential pass over block starts only), LTI systems only.

LegT (LTI, bilinear, ``w = 1``, ``dt = 1e-3``: 1000 samples per window) runs all three. LegS is
time-varying (no convolution form): naive vs ``recur``, plus the one-off cost of
:func:`kexue_viz.ssm.discretize.legs_step_matrices`, whose output alone takes ``L·N²·8`` bytes;
configurations over ``--legs-limit-gb`` are skipped and listed as such.

The input is ``_common.input_signal`` (seeded, smoothed white noise). Each cell is the median of
5 repeats (3 for naive loops whose first run takes over 1 s), taken round-robin over the routes so
that load changes on a shared machine hit every route alike. The routes must agree: the max abs
difference from the naive loop, relative to ``max |x|``, is asserted to be at most 1e-12.

Run: ``.venv/bin/python benchmarks/bench_hippo_online.py [--quick] [--device all|cpu|cuda]``.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (benchmark_devices, fmt_ms, fmt_ratio, header, input_signal, median_ms,  # noqa: E402
                     print_table, sync, time_call)

from kexue_viz.ssm.discretize import discretize, legs_step_matrices  # noqa: E402
from kexue_viz.ssm.hippo import hippo  # noqa: E402
from kexue_viz.ssm.online import lti_states_by_convolution, lti_states_chunked, run_recurrence  # noqa: E402

TOLERANCE = 1e-12  # max |x_route - x_naive| / max |x_naive|
DT = 1e-3
WINDOW = 1.0
REPEATS = 5
SLOW_REPEATS = 3  # naive loops whose first run exceeds SLOW_SECONDS
SLOW_SECONDS = 1.0


# ---- the baseline, written plainly -----------------------------------------------------------
def naive_states(Abar: torch.Tensor, Bbar: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
    """``x_{k+1} = Ā_k x_k + B̄_k u_k`` one step at a time with fresh tensors every step.
    ``Ā``: ``(n, n)`` (LTI) or ``(L, n, n)`` (time-varying); returns ``(L+1, n)``."""
    x = torch.zeros(Abar.shape[-1], dtype=Abar.dtype, device=Abar.device)
    states = [x]
    time_varying = Abar.dim() == 3
    for k in range(u.shape[0]):
        if time_varying:
            x = Abar[k] @ x + Bbar[k] * u[k]
        else:
            x = Abar @ x + Bbar * u[k]
        states.append(x)
    return torch.stack(states)


# ---- measurement helpers ---------------------------------------------------------------------
def relative_difference(x: torch.Tensor, reference: torch.Tensor) -> float:
    return float((x - reference).abs().max() / reference.abs().max())


def time_routes(routes: dict, device: torch.device, warm_up: bool):
    """Time ``routes`` (name -> zero-argument callable) round-robin; returns
    ``({name: [seconds]}, {name: last result})``. Naive routes drop to SLOW_REPEATS repeats when
    their first run exceeds SLOW_SECONDS."""
    if warm_up:  # CUDA: kernels, cuBLAS handles and cuFFT plans for this size
        for name, fn in routes.items():
            if name != "naive":
                fn()
        sync(device)
    wanted = {name: REPEATS for name in routes}
    times = {name: [] for name in routes}
    results = {}
    for _ in range(REPEATS):
        for name, fn in routes.items():
            if len(times[name]) >= wanted[name]:
                continue
            results.pop(name, None)  # free the previous result before the next run
            seconds, results[name] = time_call(fn, device)
            times[name].append(seconds)
            if name == "naive" and len(times[name]) == 1 and seconds > SLOW_SECONDS:
                wanted[name] = SLOW_REPEATS
    return times, results


class PeakMemory:
    """Peak memory of a block above what was in use when it started: CUDA allocator statistics,
    or on Linux the process's resident high-water mark (reset through ``/proc/self/clear_refs``).
    ``bytes`` stays ``None`` where neither is available."""

    def __init__(self, device: torch.device):
        self.device = device
        self.bytes = None

    @staticmethod
    def _rss_high_water() -> int | None:
        try:
            status = Path("/proc/self/status").read_text()
            return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) * 1024
        except (OSError, AttributeError):
            return None

    def __enter__(self):
        if self.device.type == "cuda":
            sync(self.device)
            torch.cuda.reset_peak_memory_stats(self.device)
            self._base = torch.cuda.memory_allocated(self.device)
        else:
            try:
                Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
                self._base = self._rss_high_water()
            except OSError:
                self._base = None
        return self

    def __exit__(self, *exc):
        if self.device.type == "cuda":
            sync(self.device)
            self.bytes = torch.cuda.max_memory_allocated(self.device) - self._base
        elif self._base is not None:
            peak = self._rss_high_water()
            self.bytes = None if peak is None else peak - self._base
        return False


# ---- the two experiments ---------------------------------------------------------------------
def bench_legt(device: torch.device, L_values, N_values, failures: list) -> None:
    columns = ["N", "L", "reps", "naive ms", "recur ms", "conv ms", "chunk ms",
               "naive/recur", "naive/conv", "naive/chunk", "rel.diff"]
    rows = []
    for N in N_values:
        A, B = hippo("legt", N, w=WINDOW, device=device)
        Abar, Bbar = discretize(A, B, DT, "bilinear")
        for L in L_values:
            u = input_signal(L, device)
            routes = {
                "naive": lambda: naive_states(Abar, Bbar, u),
                "recur": lambda: run_recurrence(Abar, Bbar, u),
                "conv": lambda: lti_states_by_convolution(Abar, Bbar, u),
                "chunk": lambda: lti_states_chunked(Abar, Bbar, u),
            }
            times, results = time_routes(routes, device, warm_up=device.type == "cuda")
            diff = max(relative_difference(results[name], results["naive"]) for name in ("recur", "conv", "chunk"))
            if not diff <= TOLERANCE:
                failures.append(f"LegT N={N} L={L} on {device}: rel.diff {diff:.1e} > {TOLERANCE:.0e}")
            ms = {name: median_ms(t) for name, t in times.items()}
            rows.append([str(N), str(L), "/".join(str(len(times[n])) for n in routes),
                         fmt_ms(ms["naive"]), fmt_ms(ms["recur"]), fmt_ms(ms["conv"]), fmt_ms(ms["chunk"]),
                         fmt_ratio(ms["naive"] / ms["recur"]), fmt_ratio(ms["naive"] / ms["conv"]),
                         fmt_ratio(ms["naive"] / ms["chunk"]), f"{diff:.1e}"])
            del results
            print(f"  LegT N={N} L={L} done", flush=True)
    print(f"\nLegT (LTI), bilinear, w={WINDOW}, dt={DT}, device={device}: median ms "
          "(reps naive/recur/conv/chunk); a/b = time(a)/time(b), above 1: b is faster;\n"
          "rel.diff = max|x_route - x_naive| / max|x_naive| over recur, conv, chunk")
    print_table(columns, rows)


def bench_legs(device: torch.device, L_values, N_values, limit_bytes: float, failures: list) -> None:
    columns = ["N", "L", "steps MB", "steps ms", "steps peak MB", "reps", "naive ms", "recur ms",
               "naive/recur", "rel.diff"]
    rows, skipped = [], []
    for N in N_values:
        A, B = hippo("legs", N, device=device)
        for L in L_values:
            size = L * N * N * 8  # the (L, N, N) float64 Ā_k alone
            if size > limit_bytes:
                skipped.append(f"N={N} L={L}: Ā_k would take L·N²·8 = {size / 1e9:.2f} GB "
                               f"> limit {limit_bytes / 1e9:.2f} GB")
                rows.append([str(N), str(L), f"{size / 1e6:.0f}", "skipped"] + ["-"] * (len(columns) - 4))
                continue
            u = input_signal(L, device)
            step_times = []
            for rep in range(SLOW_REPEATS):
                with PeakMemory(device) as peak:
                    seconds, (Abar, Bbar) = time_call(lambda: legs_step_matrices(A, B, L, "bilinear"), device)
                step_times.append(seconds)
                if rep < SLOW_REPEATS - 1:
                    del Abar, Bbar  # so that the next run's peak does not include this output
            routes = {
                "naive": lambda: naive_states(Abar, Bbar, u),
                "recur": lambda: run_recurrence(Abar, Bbar, u),
            }
            times, results = time_routes(routes, device, warm_up=device.type == "cuda")
            diff = relative_difference(results["recur"], results["naive"])
            if not diff <= TOLERANCE:
                failures.append(f"LegS N={N} L={L} on {device}: rel.diff {diff:.1e} > {TOLERANCE:.0e}")
            ms = {name: median_ms(t) for name, t in times.items()}
            rows.append([str(N), str(L), f"{size / 1e6:.0f}", fmt_ms(median_ms(step_times)),
                         "-" if peak.bytes is None else f"{peak.bytes / 1e6:.0f}",
                         f"{len(step_times)}/" + "/".join(str(len(times[n])) for n in routes),
                         fmt_ms(ms["naive"]), fmt_ms(ms["recur"]),
                         fmt_ratio(ms["naive"] / ms["recur"]), f"{diff:.1e}"])
            del results, Abar, Bbar
            print(f"  LegS N={N} L={L} done", flush=True)
    print(f"\nLegS (time-varying), bilinear, device={device}: one-off legs_step_matrices "
          "(steps MB = L·N²·8 output, peak = measured high-water above the start), then the loops "
          "(reps steps/naive/recur)")
    print_table(columns, rows)
    for line in skipped:
        print(f"  skipped {line}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="small sizes (L in {1000, 4000}, N in {16, 64}), a smoke test of a few seconds")
    parser.add_argument("--device", choices=("all", "cpu", "cuda"), default="all",
                        help="all = the CPU, plus CUDA when available (default)")
    parser.add_argument("--legs-limit-gb", type=float, default=None,
                        help="skip LegS sizes whose L·N²·8 step matrices exceed this "
                             "(default 2; 0.1 with --quick so that the skip path runs too)")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch CPU threads (default: the package's setting, KEXUE_VIZ_THREADS or 1)")
    args = parser.parse_args(argv)
    if args.threads is not None:
        torch.set_num_threads(max(1, args.threads))
    if args.quick:
        L_values, N_values = (1000, 4000), (16, 64)
    else:
        L_values, N_values = (10_000, 100_000), (64, 256)
    limit_gb = args.legs_limit_gb if args.legs_limit_gb is not None else (0.1 if args.quick else 2.0)
    devices = benchmark_devices(args.device)

    header("bench_hippo_online: online HiPPO states, naive loop vs run_recurrence vs Krylov/FFT"
           + (" [--quick]" if args.quick else ""))
    failures: list[str] = []
    for device in devices:
        # warm-up on a tiny problem: thread pools, cuBLAS/cuFFT initialisation
        A, B = hippo("legt", 8, device=device)
        Abar, Bbar = discretize(A, B, DT, "bilinear")
        u = input_signal(64, device)
        naive_states(Abar, Bbar, u), run_recurrence(Abar, Bbar, u), lti_states_by_convolution(Abar, Bbar, u)
        lti_states_chunked(Abar, Bbar, u)
        sync(device)
        print(f"== device {device} ==", flush=True)
        bench_legt(device, L_values, N_values, failures)
        print()
        bench_legs(device, L_values, N_values, limit_gb * 1e9, failures)
        print()
    if failures:
        print("FAILED accuracy checks:\n  " + "\n  ".join(failures))
        raise AssertionError("routes disagree beyond the tolerance")  # explicit: survives python -O
    print(f"all routes agree to <= {TOLERANCE:.0e} relative to max|x|")
    return 0


if __name__ == "__main__":
    sys.exit(main())
