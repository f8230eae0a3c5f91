"""Time every saved query on a generated data set, against a full-scan baseline.

Usage::

    graphengine neo4j start            # or NEO4J_URI / NEO4J_PASSWORD for another server
    python benchmarks/bench_queries.py --tracebacks 20000 --seed 7

The script generates the data (``graphengine generate``), loads it through the real loader and
store (this **replaces** the graph of the configured database), then runs each saved query
``--repeat`` times with realistic parameters (the busiest gateway, originator and campaign of
the data) and prints the median time next to a baseline measured in the same run: one pass over
every ROUTED edge (``MATCH ()-[r:ROUTED]->() RETURN count(r.call_time)``). A ratio near 1 means
the query costs about one scan of the call-flow edges.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from graphengine import queries
from graphengine.store import graph_counts, load_frames
from graphengine.store.connection import connect
from graphengine.synthetic import generate
from loaders import load_inputs

BASELINE = "MATCH ()-[r:ROUTED]->() RETURN count(r.call_time) AS n"


def _timed(fn: Any, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracebacks", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data", type=Path, help="an existing 'graphengine generate' folder")
    parser.add_argument(
        "--keep-graph", action="store_true", help="the graph already holds --data: skip the load"
    )
    parser.add_argument("--only", nargs="*", default=None, help="time only these queries")
    args = parser.parse_args(argv)

    data = args.data
    if data is None:
        data = Path(tempfile.mkdtemp(prefix="bench-queries-"))
        generate(data, tracebacks=args.tracebacks, seed=args.seed, show_progress=False)
    loaded = load_inputs([data / "hops.csv"], providers=data / "rmd.csv")
    with connect() as driver:
        if not args.keep_graph:
            with driver.session() as session:  # IN TRANSACTIONS needs an auto-commit query
                for clear in (
                    "MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 5000 ROWS",
                    "MATCH (n) CALL (n) { DELETE n } IN TRANSACTIONS OF 5000 ROWS",
                ):
                    session.run(clear).consume()
            report = load_frames(driver, loaded.hops, loaded.providers, progress=False)
            print(f"loaded in {report.seconds:.1f} s")
        counts = graph_counts(driver)
        print(
            f"graph: {counts['Traceback']} tracebacks, {counts['ROUTED']} ROUTED edges, "
            f"{counts['Provider']} providers"
        )

        def first(name: str, column: str) -> Any:
            result = queries.execute(queries.get(name), {}, driver=driver, limit=1)
            return result.rows[0][result.columns.index(column)]

        gateway = first("repeat_gateways", "provider_key")
        originator = first("repeat_originators", "provider_key")
        campaign = loaded.hops["campaign"].mode().iloc[0]
        after = str(loaded.hops["call_time"].quantile(0.5).date())
        tb = str(loaded.hops["traceback_id"].iloc[0])
        params: dict[str, dict[str, Any]] = {
            "traceback_path": {"traceback_id": tb},
            "provider_tracebacks": {"provider": gateway},
            "upstream_tree": {"provider": gateway, "k": 6},
            "downstream_tree": {"provider": originator, "k": 6},
            "ecosystem_members": {"ecosystem": 1},
            "campaign_footprint": {"campaign": campaign},
            "shortest_connection": {"from_provider": originator, "to_provider": gateway},
            "originator_customers": {"provider": originator},
            "new_upstream_relationships": {"since": after},
            "stopped_appearing": {"after": after},
        }
        base = _timed(lambda: driver.execute_query(BASELINE), args.repeat)
        print(f"baseline (scan of every ROUTED edge): {base * 1000:.0f} ms")
        print(f"{'query':<30} {'rows':>6} {'median ms':>10} {'x baseline':>10}")
        for spec in queries.saved_queries():
            if args.only and spec.name not in args.only:
                continue
            p = params.get(spec.name, {})
            rows = len(queries.run(spec.name, driver=driver, limit=0, timeout=300, **p))
            took = _timed(
                lambda s=spec, p=p: queries.run(s.name, driver=driver, limit=0, timeout=300, **p),
                args.repeat,
            )
            print(f"{spec.name:<30} {rows:>6} {took * 1000:>10.0f} {took / base:>10.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
