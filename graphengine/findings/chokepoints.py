"""Chokepoints: providers that much of the traced traffic has to pass through.

The provider graph has one edge upstream -> downstream per pair of providers that appear on
consecutive hops, weighted by the number of distinct tracebacks on that edge (self-edges are
dropped). On it:

* **weighted betweenness** (igraph, directed): edge *cost* is ``1 / tracebacks`` so that heavily
  used links are "short"; normalised by ``(n - 1)(n - 2)``, the directed maximum, so it is in
  [0, 1] and comparable across graphs of different size;
* **PageRank** (directed, damping 0.85, weights = tracebacks): it sums to 1 over the graph.

Both are computed on the whole graph and, when an ecosystem assignment is given, again inside
each ecosystem's induced subgraph (``ecosystem_betweenness``, ``ecosystem_pagerank``).
"""

from __future__ import annotations

import igraph as ig
import numpy as np
import pandas as pd

from graphengine.findings._common import add_window_columns, restore, windowed
from graphengine.findings.window import ResolvedWindow, Window
from graphengine.graph import betweenness
from graphengine.schema import routed_edges

__all__ = ["CHOKEPOINT_COLUMNS", "provider_edges", "chokepoints"]

CHOKEPOINT_COLUMNS: tuple[str, ...] = (
    "provider_key",
    "ecosystem",
    "betweenness",
    "pagerank",
    "ecosystem_betweenness",
    "ecosystem_pagerank",
    "window_since",
    "window_until",
)


def provider_edges(hops: pd.DataFrame) -> pd.DataFrame:
    """Aggregate ROUTED edges into ``upstream_key, downstream_key, tracebacks`` (no self-edges)."""
    edges = routed_edges(hops)
    edges = edges[edges["upstream_key"] != edges["downstream_key"]]
    pairs = edges[["upstream_key", "downstream_key", "traceback_id"]].drop_duplicates()
    agg = pairs.groupby(["upstream_key", "downstream_key"], sort=True).size()
    return restore(agg.rename("tracebacks").reset_index())


def _centralities(names: list[str], edges: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    n = len(names)
    if n == 0:
        return np.zeros(0), np.zeros(0)
    index = {name: i for i, name in enumerate(names)}
    src = edges["upstream_key"].map(index).to_numpy()
    dst = edges["downstream_key"].map(index).to_numpy()
    weight = edges["tracebacks"].to_numpy(dtype=float)
    graph = ig.Graph(n=n, edges=list(zip(src.tolist(), dst.tolist(), strict=True)), directed=True)
    between = betweenness(graph, weight.tolist())
    rank = np.asarray(
        graph.pagerank(directed=True, weights=weight.tolist() if len(weight) else None),
        dtype=float,
    )
    return between, rank


def chokepoints(
    hops: pd.DataFrame,
    ecosystems: pd.DataFrame | None = None,
    window: Window | ResolvedWindow | None = None,
) -> pd.DataFrame:
    """Weighted betweenness and PageRank per provider, overall and per ecosystem.

    Parameters
    ----------
    hops
        Canonical hop frame.
    ecosystems
        Optional frame with ``provider_key`` and ``ecosystem`` (e.g. ``detect_ecosystems(...)
        .providers``). Without it the ecosystem columns are empty.
    window
        Analysis window; ``None`` means all data.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`CHOKEPOINT_COLUMNS`, one row per provider in the window, sorted by
        ``betweenness`` descending then ``provider_key``.
    """
    hops, resolved = windowed(hops, window)
    names = sorted(hops["provider_key"].dropna().unique().tolist())
    edges = provider_edges(hops)
    between, rank = _centralities(names, edges)
    out = pd.DataFrame(
        {"provider_key": pd.array(names, dtype="string"), "betweenness": between, "pagerank": rank}
    )
    out["ecosystem"] = pd.Series(pd.NA, index=out.index, dtype="string")
    out["ecosystem_betweenness"] = np.nan
    out["ecosystem_pagerank"] = np.nan
    if ecosystems is not None and len(ecosystems):
        eco = ecosystems.drop_duplicates("provider_key").set_index("provider_key")["ecosystem"]
        eco = eco.astype("string")
        out["ecosystem"] = out["provider_key"].map(eco).astype("string")
        up_eco = edges["upstream_key"].map(eco)
        same = edges[(up_eco == edges["downstream_key"].map(eco)).fillna(False).to_numpy()]
        same_eco = same["upstream_key"].map(eco)
        for label, members in out.dropna(subset=["ecosystem"]).groupby("ecosystem", sort=True):
            keys = members["provider_key"].tolist()
            b, r = _centralities(keys, same[(same_eco == label).to_numpy()])
            out.loc[members.index, "ecosystem_betweenness"] = b
            out.loc[members.index, "ecosystem_pagerank"] = r
    out = out.sort_values(["betweenness", "provider_key"], ascending=[False, True], kind="stable")
    out = add_window_columns(out.reset_index(drop=True), resolved)
    return out[list(CHOKEPOINT_COLUMNS)]
