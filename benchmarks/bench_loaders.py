"""Benchmark: how fast ``loaders.load_inputs`` turns files into canonical frames.

Prints, for one synthetic data set, the wall and CPU seconds and hops per second of:

* (a) ``pandas.read_csv`` of the hop table as text (the floor: parsing only, no checks);
* (b) ``load_inputs`` of the hop table with the RMD registry;
* (c) ``load_inputs`` of the same tracebacks as a path table;

and the ratio of (b) to (a), measured in the same run. CPU seconds are printed beside wall
seconds because the machine may be shared: wall time then overstates the cost.

Usage::

    .venv/bin/python benchmarks/bench_loaders.py --tracebacks 200000 --seed 11 --data /tmp/bench-load
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from loaders import load_inputs


def _timed(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--tracebacks",
        type=int,
        default=200_000,
        help="tracebacks to generate (about 5.4 hops each)",
    )
    parser.add_argument("--seed", type=int, default=11, help="generator seed")
    parser.add_argument(
        "--data",
        type=Path,
        default=Path("/tmp/bench-load"),
        help="folder for the synthetic data (reused when present)",
    )
    args = parser.parse_args(argv)

    hops_csv, paths_csv, rmd_csv = (args.data / n for n in ("hops.csv", "paths.csv", "rmd.csv"))
    if not hops_csv.exists():
        from graphengine.synthetic import generate

        print(f"generating {args.tracebacks} tracebacks into {args.data}", file=sys.stderr)
        generate(args.data, tracebacks=args.tracebacks, seed=args.seed, show_progress=False)

    floor, w_a, c_a = _timed(lambda: pd.read_csv(hops_csv, dtype=object, na_filter=False))
    n = len(floor)
    del floor
    res_b, w_b, c_b = _timed(lambda: load_inputs([hops_csv], providers=rmd_csv))
    assert res_b.rejects.empty, "synthetic data should load without rejects"
    res_c, w_c, c_c = _timed(lambda: load_inputs([paths_csv], providers=rmd_csv))
    print(f"data: {hops_csv} ({n:,} hops, {res_b.hops['traceback_id'].nunique():,} tracebacks)")
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end")
    print(f"{'step':<36}{'wall s':>9}{'cpu s':>9}{'hops/s (wall)':>16}{'hops/s (cpu)':>15}")
    for label, wall, cpu in (
        ("(a) pandas.read_csv, text only", w_a, c_a),
        ("(b) load_inputs hop table + RMD", w_b, c_b),
        ("(c) load_inputs path table + RMD", w_c, c_c),
    ):
        print(f"{label:<36}{wall:>9.1f}{cpu:>9.1f}{n / wall:>16,.0f}{n / cpu:>15,.0f}")
    print(f"ratio (b)/(a): {w_b / w_a:.1f}x wall, {c_b / c_a:.1f}x cpu")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
