"""Loading speed into the real Neo4j: the store's batched path against a naive baseline.

Prints hops per second for

(a) ``graphengine.store.load_frames`` on an empty graph (the batched, columnar UNWIND path);
(b) a naive baseline, one auto-commit query per hop (``statements.NAIVE_HOP``), timed on a
    small sample into a separate empty graph and extrapolated;
(c) a second, idempotent load of the same frame (everything is found unchanged);

and the ratio (a)/(b). With ``--bulk`` it measures instead ``graphengine load --bulk``
(``store.bulk_import.bulk_load``: CSV files, neo4j-admin import, restart, constraints and
indexes, all timed) on ``--hops`` against the batched load on the first ``--batched-hops``
(whole tracebacks) in the same run, and prints their ratio; the server must be the local one
of ``GRAPHENGINE_NEO4J_HOME`` (its graph is replaced). The hop frame is synthetic and canonical (built here with numpy, seeded)
so that the figures measure the store, not the file parsers. Each run empties the database
of ``NEO4J_URI`` first: point it at a server you do not mind clearing.

Usage::

    NEO4J_URI=bolt://127.0.0.1:7697 python benchmarks/bench_load.py --hops 1000000
    GRAPHENGINE_NEO4J_HOME=/tmp/bench-neo4j NEO4J_URI=bolt://127.0.0.1:7631 \
        python benchmarks/bench_load.py --bulk --hops 10000000 --batched-hops 1000000
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from pathlib import Path

import numpy as np
import pandas as pd

from graphengine import schema, store
from graphengine.store import statements as S
from graphengine.store.connection import connect, session_database
from graphengine.store.rows import pylist

CAMPAIGNS = ["SSA imposter", "auto warranty", "Amazon imposter", "student loan", "tax relief"]


def synthetic_hops(n_hops: int, seed: int, providers: int = 2000) -> pd.DataFrame:
    """A canonical hop frame of about ``n_hops`` rows: paths of 2-8 hops over ``providers``
    providers with Zipf-like popularity (a few hubs carry most traffic, as in the ITG data)."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(2, 9, size=max(1, n_hops // 5))
    lengths = lengths[: int(np.searchsorted(np.cumsum(lengths), n_hops)) + 1]
    total = int(lengths.sum())
    tb = np.repeat(np.arange(len(lengths)), lengths)
    starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
    hop = np.arange(total) - starts
    weights = 1.0 / np.arange(1, providers + 1) ** 1.1
    pick = rng.choice(providers, size=total, p=weights / weights.sum())
    keys = np.array([f"provider {i:05d}" for i in range(providers)], dtype=object)[pick]
    last = hop == np.repeat(lengths - 1, lengths)
    up = np.empty(total, dtype=object)
    up[:-1] = keys[1:]
    up[last] = None
    ids = np.array([f"TB{i:08d}" for i in range(len(lengths))], dtype=object)[tb]
    call = pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(
        rng.integers(0, 365 * 86400, size=len(lengths)), unit="s"
    )
    campaign = np.array(CAMPAIGNS, dtype=object)[rng.integers(0, len(CAMPAIGNS), len(lengths))]
    roles = np.where(hop == 0, "terminating", np.where(last, "originating", "intermediate"))
    frame = schema.empty_hops().reindex(range(total))
    frame["traceback_id"] = pd.array(ids, dtype="string")
    frame["hop"] = hop.astype("int64")
    frame["provider"] = pd.Series(keys, dtype="string").str.title()
    frame["provider_key"] = pd.array(keys, dtype="string")
    frame["upstream_key"] = pd.array(up, dtype="string")
    frame["upstream_provider"] = frame["upstream_key"].str.title()
    frame["role"] = pd.array(roles, dtype="string")
    frame["response"] = pd.array(np.where(last, "no response", "traced"), dtype="string")
    frame["response_category"] = pd.array(
        np.where(last, "no_response", "responded"), dtype="string"
    )
    frame["call_time"] = pd.Series(call[tb], dtype="datetime64[ns, UTC]")
    frame["campaign"] = pd.array(campaign[tb], dtype="string")
    frame["attestation"] = pd.array(np.where(hop == 0, "C", None), dtype="string")
    frame["provider_country"] = pd.array(["US"] * total, dtype="string")
    frame["source_file"] = pd.array(["synthetic.csv"] * total, dtype="string")
    frame["source_line"] = np.arange(2, total + 2, dtype="int64")
    frame["source_sha256"] = pd.array(["0" * 64] * total, dtype="string")
    schema.check_hops(frame)
    return frame


def server_pid() -> int | None:
    """The local server's pid from ``$GRAPHENGINE_NEO4J_HOME/run/neo4j.pid``, if there is one."""
    home = Path(os.environ.get("GRAPHENGINE_NEO4J_HOME", ".neo4j"))
    try:
        return int((home / "run" / "neo4j.pid").read_text().strip())
    except (OSError, ValueError):
        return None


def cpu_seconds(pid: int | None) -> float:
    """CPU time (user + system) used so far by this process plus the server process ``pid``.

    On a machine shared with other jobs, wall time is mostly waiting; CPU seconds per hop is
    the figure that carries over to a dedicated machine.
    """
    own = time.process_time()
    if pid is None:
        return own
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return own
    ticks = os.sysconf("SC_CLK_TCK")
    return own + (int(fields[11]) + int(fields[12])) / ticks


def clear(driver) -> None:
    store.clear_database(driver)


def naive(driver, hops: pd.DataFrame) -> float:
    """One auto-commit query per hop; return hops per second."""
    cols = {c: pylist(hops[c]) for c in hops.columns}
    started = time.perf_counter()
    with driver.session(database=session_database(driver)) as session:
        for i in range(len(hops)):
            session.run(
                S.NAIVE_HOP,
                id=cols["traceback_id"][i],
                key=cols["provider_key"][i],
                up=cols["upstream_key"][i],
                hop=cols["hop"][i],
                call_time=cols["call_time"][i],
                campaign=cols["campaign"][i],
                role=cols["role"][i],
                response_category=cols["response_category"][i],
            ).consume()
    return len(hops) / (time.perf_counter() - started)


def children_cpu() -> float:
    """CPU seconds of finished child processes (the neo4j-admin import tool)."""
    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    return use.ru_utime + use.ru_stime


def bulk(args: argparse.Namespace, hops: pd.DataFrame) -> None:
    """Batched load of a sample, then the bulk import of the whole frame; print the ratio."""
    from graphengine.store.bulk_import import bulk_load
    from graphengine.store.local_server import running_server

    ids = hops.traceback_id.unique()
    n_ids = (
        int(
            np.searchsorted(
                np.cumsum(hops.groupby("traceback_id", sort=False).size().to_numpy()),
                args.batched_hops,
            )
        )
        + 1
    )
    sample = hops[hops.traceback_id.isin(ids[:n_ids])]
    with connect() as driver:
        print(f"server: {driver.get_server_info().agent} at {driver.get_server_info().address}")
        clear(driver)
        pid = server_pid()
        cpu0 = cpu_seconds(pid)
        batched = store.load_frames(driver, sample, batch_size=args.batch_size, progress=True)
        cpu_a = cpu_seconds(pid) - cpu0
    print(
        f"(a) batched load of a sample: {batched.hops:,} hops in {batched.seconds:,.1f} s = "
        f"{batched.hops_per_second:,.0f} hops/s (CPU client + server {cpu_a:,.1f} s); "
        f"graph {batched.graph}",
        flush=True,
    )
    cpu0, child0 = time.process_time(), children_cpu()
    report = bulk_load(hops, None, replace=True)
    server = running_server()
    server_cpu = cpu_seconds(server.pid if server else None) - time.process_time()
    cpu_d = time.process_time() - cpu0 + children_cpu() - child0 + server_cpu
    print(
        f"(d) bulk import: {report.hops:,} hops in {report.seconds:,.1f} s = "
        f"{report.hops_per_second:,.0f} hops/s, constraints and indexes included; "
        f"seconds per phase {report.as_dict()['timings']}; graph {report.graph}",
        flush=True,
    )
    print(
        f"    CPU (client + import tool + restarted server): {cpu_d:,.1f} s = "
        f"{report.hops / cpu_d:,.0f} hops per CPU-second"
    )
    assert report.graph["HOP"] == len(hops), report.graph
    print(f"ratio (d)/(a): {report.hops_per_second / batched.hops_per_second:,.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hops", type=int, default=1_000_000, help="hops of the batched load")
    parser.add_argument("--naive-hops", type=int, default=3_000, help="hops of the baseline")
    parser.add_argument("--batch-size", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--bulk", action="store_true", help="bulk import of --hops against batched --batched-hops"
    )
    parser.add_argument(
        "--batched-hops", type=int, default=1_000_000, help="hops of the batched run of --bulk"
    )
    args = parser.parse_args()

    t = time.perf_counter()
    hops = synthetic_hops(args.hops, args.seed)
    print(
        f"synthetic frame: {len(hops):,} hops, {hops.traceback_id.nunique():,} tracebacks "
        f"({time.perf_counter() - t:.1f} s to build)",
        flush=True,
    )
    if args.bulk:
        bulk(args, hops)
        return
    with connect() as driver:
        print(f"server: {driver.get_server_info().agent} at {driver.get_server_info().address}")
        clear(driver)
        store.ensure_schema(driver)
        sample = hops[hops.traceback_id.isin(hops.traceback_id.unique()[: args.naive_hops // 5])]
        rate_b = naive(driver, sample)
        print(
            f"(b) naive, one query per hop: {len(sample):,} hops, {rate_b:,.0f} hops/s "
            f"(extrapolated to {len(hops):,} hops: {len(hops) / rate_b / 60:,.1f} min)",
            flush=True,
        )
        clear(driver)

        pid = server_pid()
        cpu0 = cpu_seconds(pid)
        report = store.load_frames(driver, hops, batch_size=args.batch_size, progress=True)
        cpu_a = cpu_seconds(pid) - cpu0
        print(
            f"(a) batched load: {report.hops:,} hops in {report.seconds:,.1f} s = "
            f"{report.hops_per_second:,.0f} hops/s; graph {report.graph}; "
            f"seconds per phase {report.as_dict()['timings']}",
            flush=True,
        )
        print(
            f"    CPU (client + server pid {pid}): {cpu_a:,.1f} s = "
            f"{report.hops / cpu_a:,.0f} hops per CPU-second "
            f"(at most ~{2 * report.hops / cpu_a:,.0f} hops/s with both cores to ourselves)",
            flush=True,
        )
        again = store.load_frames(driver, hops, batch_size=args.batch_size, progress=True)
        print(
            f"(c) idempotent re-load: {again.tracebacks_unchanged:,} tracebacks unchanged, "
            f"{again.seconds:,.1f} s = {again.hops_per_second:,.0f} hops/s; "
            f"graph unchanged: {again.graph == report.graph}; "
            f"seconds per phase {again.as_dict()['timings']}"
        )
        print(f"ratio (a)/(b): {report.hops_per_second / rate_b:,.0f}x")


if __name__ == "__main__":
    main()
