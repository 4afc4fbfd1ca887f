"""The S4 kernel K̄_{<L} (post 三) and the RTF kernel (post 四): every route against the direct loop.

System: S4's LegS used time-invariantly (paper normalisation, bilinear step ``ε = 1/L·8``, so the
memory spans about an eighth of the sequence), random readout ``C`` (seeded). Each route is
timed from its own parameters, as a model holds them (set-up outside the timing):

* ``loop``: :func:`kexue_viz.ssm.kernels.kernel_powers`, L sequential mat-vecs (the baseline);
* ``krylov``: Krylov doubling ``[Ā^k B̄]`` (log₂ L dense products) then ``·C̄``;
* ``cauchy``: S4's DPLR route from ``(Λ, P, B, C̃)``: Cauchy sums at the L/2+1 roots of unity +
  Woodbury + irfft, complex128 (``cauchy64``: the same in complex64);
* ``vander``: a diagonal SSM of the same size (S4D: LegS's DPLR form without its low-rank term,
  :func:`kexue_viz.ssm.kernels.diagonal_part`) from ``(λ̄, weights)``: Vandermonde product. It is a
  different kernel (LegS itself cannot be diagonalised in float64, post 三); its error is against a
  complex128 loop ``x <- λ̄ x`` of the same diagonal system;
* ``rtf``: state-free RTF kernel ``irfft(rfft b̄ / rfft ā)`` from random stable ``(a, b)`` (Σ|a| = 0.5)
  of the same state size (converting LegS itself to ``(a, b)`` is ill-conditioned; see the notebook).
  Its error is against the impulse response of ``b(z)/a(z)`` folded modulo L (``scipy.signal.lfilter``).

Errors: max |K̄_route - K̄_ref| / max |K̄_ref|, with K̄_ref the float64 direct loop (for N ≥ 512
the float64 Krylov route stands in, checked against the loop at smaller sizes).

Sweeps (brief §7): (a) L ∈ {256, 1024, 4096, 16384} at N = 64; (b) N ∈ {16, 64, 256, 1024} at
L = 4096. Cells are medians of ``--repeats`` (default 15) runs taken round-robin over the routes;
the loop drops to 3 runs where one run exceeds 1 s. Threads: each setting of ``--threads``
(default ``1,2``). A separate table times the causal convolution ``y = K̄ * u``: zero-padded rFFT
(:func:`kexue_viz.ssm.kernels.fft_conv`) against direct ``conv1d``.

Run: ``.venv/bin/python benchmarks/bench_ssm_kernels.py [--quick] [--device all|cpu|cuda] [--threads 1,2]``.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch
from scipy import signal

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (benchmark_devices, fmt_ms, fmt_ratio, header, input_signal, median_ms,  # noqa: E402
                     print_table, time_call)

from kexue_viz.ssm.kernels import diagonal_part, fft_conv, hippo_ssm, parametrised_routes  # noqa: E402

ROUTES = ("loop", "krylov", "cauchy", "cauchy64", "vander", "rtf")
SLOW_SECONDS = 1.0
SLOW_REPEATS = 3
LOOP_REFERENCE_MAX_N = 256
EXACT_TOLERANCE = 1e-11  # krylov and cauchy (complex128) must agree with the reference
SINGLE_TOLERANCE = 1e-4  # cauchy64
RTF_TOLERANCE = 1e-12


def make_case(N: int, L: int, device: torch.device):
    """Zero-argument callables per route (:func:`kexue_viz.ssm.kernels.parametrised_routes`, set-up
    untimed) and the RTF's random stable ``(a, b)``."""
    ssm = hippo_ssm("legs", N, 8.0 / L, "random", seed=N).to(device)
    generator = torch.Generator().manual_seed(N)
    a = torch.rand(N, generator=generator, dtype=torch.float64) * 2 - 1
    a = (0.5 * a / a.abs().sum()).to(device)
    b = torch.randn(N, generator=generator, dtype=torch.float64).to(device)
    callables = parametrised_routes(ssm, L, ab=(a, b), routes=("powers", "krylov", "cauchy", "cauchy64", "diagonal",
                                                                  "rtf"))
    return dict(zip(ROUTES, callables.values())), (a, b), diagonal_part(ssm)


def folded_impulse_response(a: torch.Tensor, b: torch.Tensor, L: int) -> np.ndarray:
    """Independent RTF reference: impulse response of b(z)/a(z) (lfilter) summed modulo L, over
    enough periods that the tail is below float64 round-off."""
    a, b = a.cpu().numpy(), b.cpu().numpy()
    radius = float(np.max(np.abs(np.roots(np.concatenate([[1.0], a]))))) if len(a) <= 256 else 0.9995
    periods = int(np.ceil(40 / (L * max(1e-6, -np.log(radius))))) + 1
    impulse = np.zeros(L * periods)
    impulse[0] = 1.0
    return signal.lfilter(b, np.concatenate([[1.0], a]), impulse).reshape(periods, L).sum(axis=0)


def diagonal_loop(lam_bar: torch.Tensor, weights: torch.Tensor, L: int) -> np.ndarray:
    """Reference of the diagonal route: ``K̄_k = Re Σ w_i λ̄_i^k`` by the loop ``x <- λ̄ x`` (complex128)."""
    lam_bar, x = lam_bar.cpu().numpy(), weights.cpu().numpy()
    out = np.empty(L)
    for k in range(L):
        out[k] = x.sum().real
        x = x * lam_bar
    return out


def relative_error(got: torch.Tensor, reference: np.ndarray) -> float:
    got = got.detach().cpu().numpy()
    return float(np.max(np.abs(got - reference)) / np.max(np.abs(reference)))


def run_case(N: int, L: int, device: torch.device, repeats: int):
    """Medians (ms) and errors per route for one (N, L)."""
    routes, (a, b), (lam_bar, weights) = make_case(N, L, device)
    for fn in routes.values():  # warm-up (CUDA plans, allocator)
        fn()
    seconds = {name: [] for name in routes}
    results = {}
    for rep in range(repeats):
        for name, fn in routes.items():
            if name == "loop" and rep >= SLOW_REPEATS and min(seconds["loop"]) > SLOW_SECONDS:
                continue
            elapsed, results[name] = time_call(fn, device)
            seconds[name].append(elapsed)
    reference = results["loop"].cpu().numpy() if N <= LOOP_REFERENCE_MAX_N else results["krylov"].cpu().numpy()
    errors = {name: relative_error(results[name], reference) for name in routes if name not in ("rtf", "vander")}
    errors["vander"] = relative_error(results["vander"], diagonal_loop(lam_bar, weights, L))
    errors["rtf"] = relative_error(results["rtf"], folded_impulse_response(a, b, L))
    assert errors["krylov"] <= EXACT_TOLERANCE and errors["cauchy"] <= EXACT_TOLERANCE, (N, L, errors)
    assert errors["cauchy64"] <= SINGLE_TOLERANCE and errors["rtf"] <= RTF_TOLERANCE, (N, L, errors)
    assert errors["vander"] <= EXACT_TOLERANCE, (N, L, errors)
    return {name: median_ms(values) for name, values in seconds.items()}, errors


def sweep_table(title: str, cases: list[tuple[int, int]], device, repeats: int) -> None:
    print(title)
    rows = []
    for N, L in cases:
        ms, errors = run_case(N, L, device, repeats)
        cells = [str(N), str(L)]
        for name in ROUTES:
            ratio = ms["loop"] / ms[name] if name != "loop" else None
            cells.append(fmt_ms(ms[name]) + ("" if ratio is None else f" ({fmt_ratio(ratio)})"))
        cells += [f"{max(errors['krylov'], errors['cauchy']):.1e}", f"{errors['cauchy64']:.1e}",
                  f"{errors['vander']:.1e}", f"{errors['rtf']:.1e}"]
        rows.append(cells)
    columns = ["N", "L", *[f"{name} ms" for name in ROUTES], "err kry/cau", "err c64", "err vander", "err rtf"]
    print_table(columns, rows)
    print()


def conv_table(lengths: list[int], device, repeats: int) -> None:
    """Causal convolution y = K̄ * u: zero-padded rFFT against direct conv1d."""
    print("causal convolution y = K̄ * u (medians, ms; ratio = direct / fft)")
    rows = []
    for L in lengths:
        k, u = input_signal(L, device, seed=1), input_signal(L, device, seed=2)

        def direct():  # y_t = Σ_j k_{t-j} u_j: conv1d is a correlation, so flip the kernel
            padded = torch.nn.functional.pad(u[None, None], (L - 1, 0))
            return torch.nn.functional.conv1d(padded, torch.flip(k, [0])[None, None])[0, 0]

        fft_conv(k, u), direct()
        fft_s, direct_s = [], []
        for _ in range(repeats):
            elapsed, y_fft = time_call(lambda: fft_conv(k, u), device)
            fft_s.append(elapsed)
            elapsed, y_direct = time_call(direct, device)
            direct_s.append(elapsed)
        error = float((y_fft - y_direct).abs().max() / y_direct.abs().max())
        assert error < 1e-12, (L, error)
        rows.append([str(L), fmt_ms(median_ms(fft_s)), fmt_ms(median_ms(direct_s)),
                     fmt_ratio(median_ms(direct_s) / median_ms(fft_s)), f"{error:.1e}"])
    print_table(["L", "fft ms", "conv1d ms", "ratio", "max rel diff"], rows)
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sweeps, few repeats, one thread setting")
    parser.add_argument("--device", default="all", choices=("all", "cpu", "cuda"))
    parser.add_argument("--threads", default="1,2", help="comma-separated CPU thread counts")
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    if args.quick:
        sweep_L = [(64, L) for L in (256, 1024)]
        sweep_N = [(N, 1024) for N in (16, 64)]
        lengths, repeats, threads = [1024, 4096], 3, [int(args.threads.split(",")[0])]
    else:
        sweep_L = [(64, L) for L in (256, 1024, 4096, 16384)]
        sweep_N = [(N, 4096) for N in (16, 64, 256, 1024)]
        lengths, repeats, threads = [1024, 4096, 16384], args.repeats, [int(t) for t in args.threads.split(",")]
    header("S4 / RTF kernel K̄_{<L}: medians in ms, (ratio) = loop / route; errors relative to max|K̄|")
    for device in benchmark_devices(args.device):
        for count in threads if device.type == "cpu" else [torch.get_num_threads()]:
            torch.set_num_threads(count)
            print(f"== device={device} threads={torch.get_num_threads()}")
            sweep_table("(a) sequence length L at N = 64", sweep_L, device, repeats)
            sweep_table("(b) state size N at L = " + str(sweep_N[0][1]), sweep_N, device, repeats)
            conv_table(lengths, device, repeats)


if __name__ == "__main__":
    main()
