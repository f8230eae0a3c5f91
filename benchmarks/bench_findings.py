"""Speed of graphengine.findings on about 1M hops, in-process, against a naive baseline.

Data: the synthetic generator at ~195,000 tracebacks (about 1.03M hops), loaded through the real
loaders once and cached as a pickle beside the generated files (``--data DIR`` reuses it).

Measured in the same run:
* ``compute_findings`` (every finding + ranked targets), and each stage on its own;
* a **naive baseline**: a per-provider Python loop (filter the hop frame for one provider, then
  count roles, non-responses and unlisted upstreams row by row), timed on a sample of providers
  and extrapolated to all of them.

Usage: .venv/bin/python benchmarks/bench_findings.py [--tracebacks 195000] [--data DIR]
       [--sample 20]
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

import loaders
from graphengine.findings import (
    accepts_from_flagged,
    attestation_anomalies,
    chokepoints,
    compute_findings,
    flag_noncooperative,
    repeat_offenders,
    rmd_violations,
    role_profiles,
)
from graphengine.findings._common import windowed
from graphengine.findings.noncooperation import events_compact
from graphengine.schema import NONCOOPERATIVE_RESPONSES
from graphengine.synthetic import generate


def frames(folder: Path, tracebacks: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Generate (if needed), load through the loaders once, and cache the canonical frames."""
    cache = folder / f"frames-{tracebacks}-{seed}.pkl"
    if cache.exists():
        with cache.open("rb") as handle:
            return pickle.load(handle)  # noqa: S301 - our own cache file
    if not (folder / "hops.csv").exists():
        generate(folder, tracebacks=tracebacks, seed=seed, show_progress=False)
    t0 = time.perf_counter()
    loaded = loaders.load_inputs([folder / "hops.csv"], providers=folder / "rmd.csv")
    print(f"(loaders.load_inputs: {time.perf_counter() - t0:.1f} s, not part of the figures)")
    with cache.open("wb") as handle:
        pickle.dump((loaded.hops, loaded.providers), handle)
    return loaded.hops, loaded.providers


def naive_provider(hops: pd.DataFrame, listed: dict[str, bool], key: str) -> dict[str, Any]:
    """The obvious per-provider loop: filter, then walk the rows in Python."""
    mine = hops[hops["provider_key"] == key]
    roles: dict[str, set[str]] = {}
    nonresponse: set[str] = set()
    unlisted_up: set[str] = set()
    for row in mine.itertuples(index=False):
        roles.setdefault(str(row.role), set()).add(row.traceback_id)
        if row.response_category in NONCOOPERATIVE_RESPONSES:
            nonresponse.add(row.traceback_id)
        if isinstance(row.upstream_key, str) and not listed.get(row.upstream_key, False):
            unlisted_up.add(row.traceback_id)
    return {"roles": {r: len(t) for r, t in roles.items()}, "nonresponse": len(nonresponse)}


def timed(label: str, fn: Any, results: list[tuple[str, float, float]]) -> Any:
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    results.append((label, time.perf_counter() - t0, time.process_time() - c0))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracebacks", type=int, default=195_000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--data", type=Path, help="folder for the generated data and cache")
    parser.add_argument("--sample", type=int, default=20, help="providers in the naive sample")
    args = parser.parse_args(argv)
    folder = args.data or Path(tempfile.mkdtemp(prefix="bench-findings-"))
    folder.mkdir(parents=True, exist_ok=True)
    hops, providers = frames(folder, args.tracebacks, args.seed)
    n_providers = hops["provider_key"].nunique()
    print(
        f"data: {len(hops):,} hops, {hops['traceback_id'].nunique():,} tracebacks, "
        f"{n_providers:,} providers"
    )

    # Twice: the first call pays first-touch memory costs; both are reported.
    t0, c0 = time.perf_counter(), time.process_time()
    found = compute_findings(hops, providers)
    first, first_cpu = time.perf_counter() - t0, time.process_time() - c0
    t0, c0 = time.perf_counter(), time.process_time()
    found = compute_findings(hops, providers)
    total, total_cpu = time.perf_counter() - t0, time.process_time() - c0

    stages: list[tuple[str, float, float]] = []
    scoped, win = timed("compact + window", lambda: windowed(hops, None), stages)
    timed("role profiles", lambda: role_profiles(scoped, win), stages)
    timed("repeat gateways", lambda: repeat_offenders(scoped, "gateway", window=win), stages)
    events = timed("non-cooperation events", lambda: events_compact(scoped, providers, win), stages)
    nc = timed("non-cooperation rule", lambda: flag_noncooperative(scoped, events), stages)
    timed("RMD violations", lambda: rmd_violations(scoped, providers, win), stages)
    flagged = nc.loc[nc["noncooperative"], "provider_key"].tolist()
    timed("accepts from flagged", lambda: accepts_from_flagged(scoped, flagged, win), stages)
    timed("attestation anomalies", lambda: attestation_anomalies(scoped, None, win), stages)
    timed("chokepoints (igraph)", lambda: chokepoints(scoped, None, win), stages)

    listed = dict(
        zip(providers["provider_key"], providers["in_rmd"].fillna(False).astype(bool), strict=True)
    )
    sample = sorted(hops["provider_key"].unique())[:: max(1, n_providers // args.sample)]
    sample = sample[: args.sample]
    t0, c0 = time.perf_counter(), time.process_time()
    for key in sample:
        naive_provider(hops, listed, key)
    naive = (time.perf_counter() - t0) / len(sample) * n_providers
    naive_cpu = (time.process_time() - c0) / len(sample) * n_providers

    print()
    print("| step | wall s | CPU s |")
    print("|---|---|---|")
    print(f"| compute_findings, first call | {first:.1f} | {first_cpu:.1f} |")
    print(
        f"| compute_findings, second call (all findings + targets) | {total:.1f} | {total_cpu:.1f} |"
    )
    for label, seconds, cpu in stages:
        print(f"| &nbsp; {label} (alone) | {seconds:.1f} | {cpu:.1f} |")
    print(
        f"| naive per-provider loop, profiles/non-response/RMD only "
        f"({len(sample)} providers timed, x{n_providers}) | {naive:.1f} | {naive_cpu:.1f} |"
    )
    print()
    print(
        f"speed-up vs naive baseline: {naive / total:.1f}x wall, {naive_cpu / total_cpu:.1f}x CPU;"
        f" budget 60 s: wall {'met' if max(first, total) < 60 else 'NOT met'}, "
        f"CPU {'met' if max(first_cpu, total_cpu) < 60 else 'NOT met'}"
    )
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"targets: {len(found.targets)} rows; {found!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
