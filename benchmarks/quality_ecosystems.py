"""Recovery of the planted ecosystems: NMI / ARI against the synthetic generator's truth.json.

Generates a seeded data set (graphengine.synthetic.generate, the generator's defaults: 3,600
tracebacks, 48 planted ecosystems) and the same world at 10x the tracebacks, loads hops.csv
and rmd.csv through the real loaders (automatic name normalisation, no alias table), and
scores several detection settings in one table, plain Leiden without hub handling included.

Scoring
-------
* Truth is keyed by canonical name; a provider key is mapped to the truth name most of its
  printed names resolve to (truth's ``name_map``).
* Scored providers: those with a planted ecosystem in ``truth.json`` (foreign sources,
  gateways, intermediates, originators) that appear in the hops. Hubs, national transit,
  regional terminating carriers, noise providers and shared foreign wholesalers have no
  planted ecosystem and are left out of the score.
* A scored provider that the method leaves without an ecosystem (a hub, or a group below
  ``min_size``) gets a label of its own, so it counts as a miss, never as a free pass.
* NMI and ARI come from ``igraph.compare_communities``.
* Stability: the default settings with two master seeds; NMI between the two consensus
  partitions over every provider in the graph (no ecosystem = a label of its own).

Usage: .venv/bin/python benchmarks/quality_ecosystems.py [--scales 1,10] [--seed 1] [--runs 20]
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import igraph as ig
import pandas as pd

import loaders
from graphengine.ecosystems import LEIDEN_ITERATIONS, detect_ecosystems
from graphengine.graph import provider_graph
from graphengine.synthetic import generate

__all__ = ["key_truth", "score", "main"]


def key_truth(hops: pd.DataFrame, truth: dict[str, Any]) -> dict[str, str]:
    """provider_key -> canonical truth name (majority of the names printed under the key)."""
    name_map: dict[str, str] = truth.get("name_map", {})
    votes: dict[str, Counter[str]] = {}
    printed = hops[["provider", "provider_key"]].astype(str)
    for name, key in printed.itertuples(index=False):
        votes.setdefault(key, Counter())[name_map.get(name, name)] += 1
    return {key: counts.most_common(1)[0][0] for key, counts in votes.items()}


def _labels(values: list[Any]) -> list[int]:
    codes: dict[Any, int] = {}
    return [codes.setdefault(v, len(codes)) for v in values]


def score(
    membership: dict[str, int | None], truth_of: dict[str, str], planted: dict[str, Any]
) -> tuple[int, float, float]:
    """Return (scored providers, NMI, ARI) of ``membership`` against the planted ecosystems."""
    keys = sorted(k for k in membership if planted.get(truth_of.get(k, "")) is not None)
    want = _labels([planted[truth_of[k]] for k in keys])
    got = _labels([membership[k] if membership[k] is not None else f"none-{k}" for k in keys])
    nmi = ig.compare_communities(want, got, method="nmi")
    ari = ig.compare_communities(want, got, method="adjusted_rand")
    return len(keys), float(nmi), float(ari)


def _raw_leiden(hops: pd.DataFrame, providers: pd.DataFrame, seed: int) -> dict[str, int | None]:
    """What a user would write: one community_leiden call (modularity) on the whole graph."""
    g = provider_graph(hops, providers)
    u = g.as_undirected(mode="collapse", combine_edges={"weight": "sum"})
    ig.set_random_number_generator(random.Random(seed))
    try:
        cl = u.community_leiden(
            objective_function="modularity", weights="weight", n_iterations=LEIDEN_ITERATIONS
        )
    finally:
        ig.set_random_number_generator(random)
    return {str(n): int(m) for n, m in zip(u.vs["name"], cl.membership, strict=True)}


SETTINGS: list[tuple[str, dict[str, Any]]] = [
    ("consensus Leiden, no hub handling", {"hub_handling": "none"}),
    ("consensus Leiden + hubs detached, no split", {"split_threshold": None}),
    ("consensus Leiden + hubs detached + split (default)", {}),
    ("consensus Louvain + hubs detached + split", {"method": "louvain"}),
    ("consensus Infomap + hubs detached", {"method": "infomap"}),
    ("consensus Leiden CPM 0.1 + hubs detached", {"objective": "cpm", "resolution": 0.1}),
]


def _run_scale(scale: int, seed: int, runs: int, workdir: Path) -> list[dict[str, Any]]:
    out = workdir / f"x{scale}"
    generate(out, tracebacks=3600 * scale, seed=seed, show_progress=False)
    truth = json.loads((out / "truth.json").read_text(encoding="utf-8"))
    planted: dict[str, Any] = truth["provider_ecosystem"]
    loaded = loaders.load_inputs([out / "hops.csv"], providers=out / "rmd.csv")
    hops, providers = loaded.hops, loaded.providers
    truth_of = key_truth(hops, truth)
    n_truth = len({planted[t] for t in truth_of.values() if planted.get(t) is not None})
    rows = []

    def row(name: str, membership: dict[str, int | None], seconds: float) -> None:
        n, nmi, ari = score(membership, truth_of, planted)
        sizes = Counter(v for v in membership.values() if v is not None)
        found = sum(1 for size in sizes.values() if size >= 3)  # as min_size does
        rows.append(
            {
                "scale": f"{scale}x",
                "tracebacks": 3600 * scale,
                "setting": name,
                "scored": n,
                "planted": n_truth,
                "found": found,
                "NMI": round(nmi, 3),
                "ARI": round(ari, 3),
                "seconds": round(seconds, 1),
            }
        )

    t0 = time.perf_counter()
    row("plain Leiden (1 run, no hub handling)", _raw_leiden(hops, providers, 42), 0.0)
    rows[-1]["seconds"] = round(time.perf_counter() - t0, 1)
    for name, kwargs in SETTINGS:
        t0 = time.perf_counter()
        result = detect_ecosystems(hops, providers, runs=runs, **kwargs)
        row(name, result.membership(), time.perf_counter() - t0)
    a = detect_ecosystems(hops, providers, runs=runs, seed=42).membership()
    b = detect_ecosystems(hops, providers, runs=runs, seed=43).membership()
    keys = sorted(a)
    nmi = ig.compare_communities(
        _labels([a[k] if a[k] is not None else f"none-{k}" for k in keys]),
        _labels([b[k] if b[k] is not None else f"none-{k}" for k in keys]),
        method="nmi",
    )
    rows.append(
        {
            "scale": f"{scale}x",
            "tracebacks": 3600 * scale,
            "setting": "stability: default, master seeds 42 vs 43 (NMI between them)",
            "scored": len(keys),
            "planted": n_truth,
            "found": None,
            "NMI": round(float(nmi), 3),
            "ARI": None,
            "seconds": None,
        }
    )
    return rows


def main(argv: list[str] | None = None) -> int:
    """Print the quality table (markdown) on stdout."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,10", help="traceback multiples of 3,600")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (its default: 1)")
    parser.add_argument("--runs", type=int, default=20, help="consensus runs")
    args = parser.parse_args(argv)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for scale in (int(s) for s in args.scales.split(",")):
            rows.extend(_run_scale(scale, args.seed, args.runs, Path(tmp)))
    table = pd.DataFrame(rows)
    print(table.to_markdown(index=False) if _has_tabulate() else table.to_string(index=False))
    return 0


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    raise SystemExit(main())
