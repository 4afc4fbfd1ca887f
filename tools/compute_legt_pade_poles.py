#!/usr/bin/env python
r"""Regenerate ``kexue_viz/data/legt_pade_poles.json``: exact HiPPO-LegT poles.

For every N in 1..64 (default) this computes, with mpmath at ``--dps`` digits,
the N roots sigma_j of the [N-1/N] Padé denominator of exp(-sigma)

    Q(sigma) = sum_{j=0}^{N} (2N-1-j)! N! / ((2N-1)! j! (N-j)!) sigma^j,

which are the eigenvalues of the LegT matrix A at window w = 1 (divide by w
otherwise).  The work is done by ``kexue_viz.ssm.pade.compute_pade_poles_mpmath``
(mpmath.polyroots + residual / Newton / separation / trace verification).

Output: JSON with metadata (dps, date, mpmath version, timings per N) and
``poles[str(N)] = [[re, im], ...]`` sorted by (re, im), each component the
correctly rounded double written with 17 significant digits.

Usage (slow: about 20 s for N=64, ~10 min for 1..64 on one core)::

    nice -n 19 python tools/compute_legt_pade_poles.py            # all N = 1..64
    nice -n 19 python tools/compute_legt_pade_poles.py --resume   # keep finished N
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import sys
import time
from pathlib import Path

import mpmath
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from kexue_viz.ssm.pade import compute_pade_poles_mpmath  # noqa: E402

DEFAULT_OUTPUT = REPO / "kexue_viz" / "data" / "legt_pade_poles.json"


def _fmt(x: float) -> str:
    s = format(float(x), ".17g")
    if not any(ch in s for ch in ".eEn"):
        s += ".0"
    return s


def _dump(meta: dict, poles: dict[int, list[tuple[float, float]]], path: Path) -> None:
    """Write the table (one line per N, numbers with 17 significant digits) atomically."""
    head = json.dumps(meta, indent=2, sort_keys=False)
    assert head.endswith("}")
    lines = []
    for N in sorted(poles):
        pairs = ", ".join(f"[{_fmt(re)}, {_fmt(im)}]" for re, im in poles[N])
        lines.append(f'    "{N}": [{pairs}]')
    body = head[:-1].rstrip() + ',\n  "poles": {\n' + ",\n".join(lines) + "\n  }\n}\n"
    json.loads(body)  # must be valid JSON
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(body, encoding="utf-8")
    os.replace(tmp, path)


def _legt_A(N: int) -> np.ndarray:
    n = np.arange(N)
    r = np.sqrt(2 * n + 1)
    sign = np.where(n[None, :] < n[:, None], 1.0, (-1.0) ** np.abs(n[:, None] - n[None, :]))
    return -r[:, None] * r[None, :] * sign


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nmax", type=int, default=64)
    ap.add_argument("--nmin", type=int, default=1)
    ap.add_argument("--dps", type=int, default=50)
    ap.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    ap.add_argument("--resume", action="store_true",
                    help="keep the N already present in --output (same dps)")
    args = ap.parse_args(argv)

    poles: dict[int, list[tuple[float, float]]] = {}
    timings: dict[str, float] = {}
    if args.resume and args.output.exists():
        old = json.loads(args.output.read_text(encoding="utf-8"))
        if old.get("dps") == args.dps:
            poles = {int(k): [tuple(p) for p in v] for k, v in old["poles"].items()}
            timings = dict(old.get("timings_s", {}))
            print(f"resuming: {len(poles)} N already done", flush=True)

    meta = {
        "description": "Exact eigenvalues of the HiPPO-LegT matrix A at window w=1 "
                       "(kexue.fm/archives/10114): roots of the [N-1/N] Pade denominator "
                       "of exp(-sigma); divide by w for window w.",
        "formula": "Q(sigma) = sum_{j=0}^{N} (2N-1-j)! N! / ((2N-1)! j! (N-j)!) sigma^j",
        "method": "mpmath.polyroots (Durand-Kerner) via "
                  "kexue_viz.ssm.pade.compute_pade_poles_mpmath, verified by relative "
                  "residual, Newton step, root separation and trace identity",
        "dps": args.dps,
        "significant_digits": 17,
        "format": "poles[str(N)] = [[re, im], ...] sorted by (re, im)",
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "mpmath_version": mpmath.__version__,
        "mpmath_backend": mpmath.libmp.BACKEND,
        "python_version": platform.python_version(),
        "generator": "tools/compute_legt_pade_poles.py",
        "timings_s": timings,
    }

    t_all = time.perf_counter()
    for N in range(args.nmin, args.nmax + 1):
        if N in poles:
            continue
        t0 = time.perf_counter()
        roots = compute_pade_poles_mpmath(N, dps=args.dps)
        dt = time.perf_counter() - t0
        pairs = [(float(z.real), float(z.imag)) for z in roots]
        # the 17-digit doubles must still satisfy the trace identity
        total = sum(complex(re, im) for re, im in pairs)
        assert abs(total + N * N) <= 1e-13 * N * N, (N, total)
        if N <= 10:  # numpy is still accurate here: independent cross-check
            ev = np.sort_complex(np.linalg.eigvals(_legt_A(N)))
            ex = np.sort_complex(np.array([complex(*p) for p in pairs]))
            assert np.max(np.abs(ev - ex)) < 1e-9, (N, ev, ex)
        poles[N] = pairs
        timings[str(N)] = round(dt, 3)
        meta["timings_s"] = {k: timings[k] for k in sorted(timings, key=int)}
        _dump(meta, poles, args.output)  # checkpoint after every N
        lam = np.array([complex(*p) for p in pairs])
        print(f"N={N:3d}  {dt:8.2f} s   max|l|={np.abs(lam).max():9.4f}  "
              f"min Re={lam.real.min():9.4f}  max Re={lam.real.max():9.4f}", flush=True)
    print(f"done in {time.perf_counter() - t_all:.1f} s -> {args.output}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
