"""torch CPU intra-op threads: 1 (kexue_viz.device's default) vs 2, on a slider-update workload.

The workloads are what one move of a HiPPO dashboard slider triggers (N = 64, L = 1000, float64):

* ``legt64 discretize + Krylov/FFT``: ``hippo('legt', 64)``, bilinear :func:`discretize`, then
  :func:`lti_states_by_convolution` (the LTI trajectory);
* ``addmv loop 64x64 x 1000``: :func:`run_recurrence` with one ``(64, 64)`` Ā (1000 ``addmv``);
* ``legs_step_matrices N=64 L=1000``: the LegS per-step matrices (one batched triangular solve);
* ``slider total``: the sum of the three within each repeat.

One larger job (``legt256 Krylov/FFT L=10^4``) shows where a second thread starts to pay.
Repeats alternate the thread order (1,2 then 2,1) so that load changes on a shared machine hit
both settings alike; the table gives the median and the 10th-90th percentile range, and the
ratio of medians (2 threads / 1 thread: above 1 means the second thread slows it down).
When CUDA is available the same workloads are also timed there (threads do not apply).

Run: ``.venv/bin/python benchmarks/bench_threads.py [--quick]``.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (benchmark_devices, fmt_ms, fmt_ratio, header, input_signal, median_ms,  # noqa: E402
                     print_table, quantile_ms, sync, time_call)

from kexue_viz.ssm.discretize import discretize, legs_step_matrices  # noqa: E402
from kexue_viz.ssm.hippo import hippo  # noqa: E402
from kexue_viz.ssm.online import lti_states_by_convolution, run_recurrence  # noqa: E402

THREADS = (1, 2)
DT = 4.0 / 1000  # the dashboard's default: duration 4, L = 1000
TOTAL = "slider total (sum of the 3)"


def workloads(device: torch.device, L: int = 1000) -> tuple[dict, dict]:
    """``(slider, large)``: name -> zero-argument callable, inputs built once on ``device``;
    ``L`` samples for the slider jobs (the dashboard's default 1000; ``--quick`` uses 250)."""
    u = input_signal(L, device)
    A64, B64 = hippo("legt", 64, device=device)
    Abar64, Bbar64 = discretize(A64, B64, DT, "bilinear")
    As, Bs = hippo("legs", 64, device=device)

    def legt_states():
        A, B = hippo("legt", 64, device=device)
        return lti_states_by_convolution(*discretize(A, B, DT, "bilinear"), u)

    slider = {
        f"legt64 discretize + Krylov/FFT L={L}": legt_states,
        f"addmv loop 64x64 x {L}": lambda: run_recurrence(Abar64, Bbar64, u),
        f"legs_step_matrices N=64 L={L}": lambda: legs_step_matrices(As, Bs, L, "bilinear"),
    }
    u_long = input_signal(10_000, device)
    A256, B256 = hippo("legt", 256, device=device)
    Abar256, Bbar256 = discretize(A256, B256, 1e-3, "bilinear")
    large = {"legt256 Krylov/FFT L=10^4 (larger job)": lambda: lti_states_by_convolution(Abar256, Bbar256, u_long)}
    return slider, large


def measure(jobs: dict, device: torch.device, repeats: int, thread_settings) -> dict:
    """``{(name, threads): [seconds]}``, interleaving thread settings (order flips every repeat);
    adds the per-repeat sum of ``jobs`` as TOTAL when there is more than one job."""
    times = {(name, t): [] for name in jobs for t in thread_settings}
    if len(jobs) > 1:
        times.update({(TOTAL, t): [] for t in thread_settings})
    for t in thread_settings:  # warm-up: pools of both sizes, allocator, caches
        torch.set_num_threads(t)
        for fn in jobs.values():
            fn()
    sync(device)
    for rep in range(repeats):
        order = thread_settings if rep % 2 == 0 else tuple(reversed(thread_settings))
        for t in order:
            torch.set_num_threads(t)
            total = 0.0
            for name, fn in jobs.items():
                seconds, _ = time_call(fn, device)
                times[(name, t)].append(seconds)
                total += seconds
            if len(jobs) > 1:
                times[(TOTAL, t)].append(total)
    return times


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="L=250, 3 repeats, no larger job: a smoke test, not a measurement")
    parser.add_argument("--repeats", type=int, default=None, help="repeats per setting (default 41, quick 3)")
    args = parser.parse_args(argv)
    repeats = args.repeats or (3 if args.quick else 41)
    slider_L = 250 if args.quick else 1000
    large_repeats = 7

    header("bench_threads: torch.set_num_threads(1) vs (2) on a HiPPO slider-update workload"
           + (" [--quick]" if args.quick else ""))
    backend = [line.strip() for line in torch.__config__.parallel_info().splitlines()
               if line.startswith(("ATen parallel backend", "Intel(R) oneAPI Math Kernel", "OpenBLAS"))]
    if backend:
        print("; ".join(backend) + "\n")
    package_threads = torch.get_num_threads()
    try:
        cpu = torch.device("cpu")
        slider, large = workloads(cpu, slider_L)
        times = measure(slider, cpu, repeats, THREADS)
        if not args.quick:
            times.update(measure(large, cpu, large_repeats, THREADS))
        names = list(slider) + [TOTAL] + ([] if args.quick else list(large))
        rows = []
        for name in names:
            one, two = times[(name, 1)], times[(name, 2)]
            rows.append([name, str(len(one)),
                         fmt_ms(median_ms(one)), f"{fmt_ms(quantile_ms(one, 0.1))}-{fmt_ms(quantile_ms(one, 0.9))}",
                         fmt_ms(median_ms(two)), f"{fmt_ms(quantile_ms(two, 0.1))}-{fmt_ms(quantile_ms(two, 0.9))}",
                         fmt_ratio(median_ms(two) / median_ms(one))])
        print("CPU, float64: median ms [p10-p90]; ratio = median(2 threads) / median(1 thread)")
        print_table(["workload", "reps", "1 thread", "p10-p90", "2 threads", "p10-p90", "2t/1t"], rows, left=1)
    finally:
        torch.set_num_threads(package_threads)

    for device in benchmark_devices("all"):
        if device.type != "cuda":
            continue
        slider, large = workloads(device, slider_L)
        cuda_times = measure(slider, device, repeats, (package_threads,))
        if not args.quick:
            cuda_times.update(measure(large, device, large_repeats, (package_threads,)))
        rows = [[name, fmt_ms(median_ms(cuda_times[(name, package_threads)]))]
                for name in list(slider) + [TOTAL] + ([] if args.quick else list(large))]
        print(f"\n{device} ({torch.cuda.get_device_name(device)}), float64, same workloads: median ms")
        print_table(["workload", "ms"], rows, left=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
