"""Speed of ecosystem detection against raw igraph and networkx, on the same provider graphs.

Each size is a planted-ecosystem traffic model built directly as a canonical hop frame:
``n`` providers in ecosystems of 40; ``3 n`` tracebacks, each a path of 3-5 providers of one
ecosystem (5% of paths borrow one provider of another ecosystem: leakage) that ends at one of
``5 + n / 2000`` shared terminating carriers (the hubs). For each size, in one run, it prints:

* ``ours_full``: :func:`graphengine.ecosystems.detect_ecosystems` with its defaults (graph
  build from the hops, role profiles, hub handling, 20-run consensus, split step, summaries);
* ``ours_1pass``: one Leiden pass through :func:`partition_graph` (``runs=1``, no hub
  handling, no split) on the provider graph, and ``raw_leiden``: one
  ``Graph.community_leiden`` call with the same objective on the same undirected graph (the
  floor);
* ``ours_per_pass``: the marginal cost of one more pass inside the consensus,
  ``(partition_graph(runs=20) - partition_graph(runs=1)) / 19`` (same settings as 1pass);
* ``nx_louvain``: ``networkx.community.louvain_communities`` on the same weighted graph.

NMI is against the planted ecosystems, hubs excluded (no ecosystem = a label of its own).
Times are CPU seconds of this process (``*_cpu``; every contender is single-threaded) and
wall seconds (``*_wall``); ratios use CPU seconds, which a shared machine distorts least.

Usage: .venv/bin/python benchmarks/bench_ecosystems.py [--sizes 1000,10000,100000]
       [--nx-max 100000] [--runs 20]
"""

from __future__ import annotations

import argparse
import random
import time
from typing import Any

import igraph as ig
import networkx as nx
import numpy as np
import pandas as pd

from graphengine import schema
from graphengine.ecosystems import LEIDEN_ITERATIONS, detect_ecosystems, partition_graph
from graphengine.ecosystems.partition import _undirected
from graphengine.graph import provider_graph

__all__ = ["planted_hops", "main"]

ECO_SIZE = 40


def planted_hops(n: int, seed: int = 1) -> tuple[pd.DataFrame, dict[str, int]]:
    """Return a canonical hop frame of the planted model and provider -> planted ecosystem."""
    rng = np.random.default_rng(seed)
    n_eco = n // ECO_SIZE
    n_hubs = 5 + n // 2000
    t = 3 * n
    eco = rng.integers(0, n_eco, size=t)
    length = rng.integers(3, 6, size=t)  # providers before the terminating hub
    slots = rng.integers(0, ECO_SIZE, size=(t, 5))
    members = eco[:, None] * ECO_SIZE + slots
    leak = rng.random(t) < 0.05
    members[leak, 1] = rng.integers(0, n_eco * ECO_SIZE, size=int(leak.sum()))
    hub = rng.integers(0, n_hubs, size=t)
    names = np.array([f"p{i:06d}" for i in range(n_eco * ECO_SIZE)], dtype=object)
    hub_names = np.array([f"hub{i:03d}" for i in range(n_hubs)], dtype=object)
    rows_tb, rows_hop, rows_key = [], [], []
    for pos in range(6):  # pos 0 = origin ... pos length = hub
        active = pos <= length
        idx = np.flatnonzero(active)
        is_hub = length[idx] == pos
        keys = np.where(is_hub, hub_names[hub[idx]], names[members[idx, np.minimum(pos, 4)]])
        rows_tb.append(idx)
        rows_hop.append(length[idx] - pos)
        rows_key.append(keys)
    tb = np.concatenate(rows_tb)
    hop = np.concatenate(rows_hop)
    key = np.concatenate(rows_key).astype(str)
    order = np.lexsort((hop, tb))
    tb, hop, key = tb[order], hop[order], key[order]
    frame = pd.DataFrame(
        {
            "traceback_id": pd.array([f"T{i:07d}" for i in tb], dtype="string"),
            "hop": hop.astype("int64"),
            "provider": pd.array(key, dtype="string"),
            "provider_key": pd.array(key, dtype="string"),
        }
    )
    same_next = np.append(tb[1:] == tb[:-1], False)
    up = np.where(same_next, np.append(key[1:], ""), "")
    frame["upstream_key"] = pd.array(np.where(up == "", None, up), dtype="string")
    frame["role"] = pd.array(
        np.where(hop == 0, "terminating", np.where(up == "", "originating", "intermediate")),
        dtype="string",
    )
    day = pd.Timestamp("2025-01-01", tz="UTC")
    frame["call_time"] = day + pd.to_timedelta(tb % 365, unit="D")
    frame["campaign"] = pd.array([f"c{e % 30}" for e in eco[tb]], dtype="string")
    out = schema.empty_hops()
    for col, dtype in schema.HOP_COLUMNS.items():
        if col in frame:
            out[col] = frame[col]
        elif dtype == "int64":
            out[col] = np.zeros(len(frame), dtype=np.int64)
        else:
            out[col] = pd.Series([None] * len(frame), dtype=dtype)
    truth = {str(names[i]): i // ECO_SIZE for i in range(len(names))}
    return out, truth


def _nmi(truth: dict[str, int], membership: dict[str, Any]) -> float:
    keys = sorted(truth)
    got: dict[Any, int] = {}
    labels = [
        got.setdefault(membership.get(k) if membership.get(k) is not None else f"-{k}", len(got))
        for k in keys
    ]
    return float(ig.compare_communities([truth[k] for k in keys], labels, method="nmi"))


def _timed(row: dict[str, Any], name: str, fn: Any) -> Any:
    """Run ``fn``; record its CPU seconds (``<name>_cpu``) and wall seconds (``<name>_wall``).

    CPU time is the figure to compare on a shared machine: every contender here is
    single-threaded, and wall time mostly measures waiting for a core.
    """
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    row[f"{name}_cpu"] = time.process_time() - c0
    row[f"{name}_wall"] = time.perf_counter() - w0
    return out


def bench(n: int, runs: int, nx_max: int) -> dict[str, Any]:
    """Time and score every contender on one size."""
    hops, truth = planted_hops(n)
    g = provider_graph(hops)
    names = [str(v) for v in g.vs["name"]]
    u = _undirected(g)
    row: dict[str, Any] = {"providers": g.vcount(), "edges": u.ecount(), "hop_rows": len(hops)}

    result = _timed(row, "ours_full", lambda: detect_ecosystems(hops, runs=runs, seed=42))
    row["ours_full_nmi"] = _nmi(truth, result.membership())

    one = _timed(
        row,
        "ours_1pass",
        lambda: partition_graph(
            g, runs=1, seed=42, hub_handling="none", split_threshold=None, min_size=1
        ),
    )
    row["ours_1pass_nmi"] = _nmi(truth, dict(zip(names, one.membership, strict=True)))
    # The marginal cost of one more Leiden pass inside the consensus (graph conversion and
    # bookkeeping are paid once per analysis, not per run).
    _timed(
        row,
        "ours_20pass",
        lambda: partition_graph(g, runs=20, seed=42, hub_handling="none", split_threshold=None),
    )
    row["ours_per_pass_cpu"] = (row["ours_20pass_cpu"] - row["ours_1pass_cpu"]) / 19

    def raw() -> Any:
        ig.set_random_number_generator(random.Random(42))
        try:
            return u.community_leiden(
                objective_function="modularity",
                weights="weight",
                n_iterations=LEIDEN_ITERATIONS,
            )
        finally:
            ig.set_random_number_generator(random)

    cl = _timed(row, "raw_leiden", raw)
    row["raw_leiden_nmi"] = _nmi(truth, dict(zip(names, cl.membership, strict=True)))

    if n <= nx_max:
        graph = nx.Graph()
        graph.add_nodes_from(range(u.vcount()))
        graph.add_weighted_edges_from(
            (a, b, w) for (a, b), w in zip(u.get_edgelist(), u.es["weight"], strict=True)
        )
        comms = _timed(
            row,
            "nx_louvain",
            lambda: nx.community.louvain_communities(graph, weight="weight", seed=42),
        )
        member = {names[v]: i for i, c in enumerate(comms) for v in c}
        row["nx_louvain_nmi"] = _nmi(truth, member)
        row["nx_over_ours_1pass"] = row["nx_louvain_cpu"] / row["ours_1pass_cpu"]
        row["nx_over_ours_full"] = row["nx_louvain_cpu"] / row["ours_full_cpu"]
        row["nx_over_ours_per_pass"] = row["nx_louvain_cpu"] / row["ours_per_pass_cpu"]
    row["ours_1pass_over_raw"] = row["ours_1pass_cpu"] / row["raw_leiden_cpu"]
    row["ours_per_pass_over_raw"] = row["ours_per_pass_cpu"] / row["raw_leiden_cpu"]
    return row


def main(argv: list[str] | None = None) -> int:
    """Print one row per size (markdown when tabulate is installed)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="providers per graph")
    parser.add_argument("--runs", type=int, default=20, help="consensus runs of ours_full")
    parser.add_argument(
        "--nx-max", type=int, default=100000, help="skip networkx above this many providers"
    )
    args = parser.parse_args(argv)
    rows = []
    for n in (int(s) for s in args.sizes.split(",")):
        rows.append(bench(n, args.runs, args.nx_max))
        print(pd.DataFrame(rows[-1:]).round(3).T.to_string(header=False), flush=True)
    table = pd.DataFrame(rows).round(3).set_index("providers").T
    try:
        print(table.to_markdown())
    except ImportError:
        print(table.to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
