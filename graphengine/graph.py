"""The weighted directed provider graph that ecosystem mapping and findings run on.

One vertex per canonical provider (vertex attribute ``name`` = ``provider_key``), one edge per
ordered provider pair that exchanged at least one traced call, in **call-flow direction**
(upstream -> downstream, as :func:`graphengine.schema.routed_edges` defines it). Edge attributes:

``tracebacks``
    distinct tracebacks that crossed the edge;
``hops``
    hop rows behind the edge (a traceback may cross the same pair twice);
``n_campaigns`` and ``campaigns``
    distinct campaign labels, and the sorted labels joined by ``;``;
``first_seen`` and ``last_seen``
    the earliest and latest call time, as ISO 8601 UTC text (``2025-01-31T09:00:00Z``);
    the edge table (:func:`edge_table`) keeps them as UTC datetimes;
``weight``
    the weight the analytics use, chosen with ``weight=`` (by default ``tracebacks``).

The same graph comes from the canonical frames (:func:`provider_graph`, the embedded default)
or from an edge table aggregated in Neo4j (:func:`graph_from_edges`, fed by
:func:`provider_graph_from_neo4j`). Providers are keyed by their canonical key, never by a
Neo4j internal id, and providers without edges stay in the graph as isolated vertices.

Examples
--------
>>> import pandas as pd
>>> from graphengine import graph, schema
>>> hops = schema.empty_hops()
>>> g = graph.provider_graph(hops)
>>> (g.vcount(), g.ecount(), g.is_directed())
(0, 0, True)
"""

from __future__ import annotations

from typing import Any

import igraph as ig
import numpy as np
import pandas as pd

from graphengine.errors import ConfigError, SchemaError
from graphengine.schema import routed_edges

__all__ = [
    "EDGE_COLUMNS",
    "WEIGHTS",
    "edge_table",
    "graph_from_edges",
    "provider_graph",
    "provider_keys",
    "betweenness",
]

#: Columns of the aggregated edge table (one row per upstream -> downstream pair).
EDGE_COLUMNS: tuple[str, ...] = (
    "upstream_key",
    "downstream_key",
    "tracebacks",
    "hops",
    "n_campaigns",
    "campaigns",
    "first_seen",
    "last_seen",
)

#: Accepted values of ``weight=``: an edge column, or ``None`` for an unweighted graph.
WEIGHTS: tuple[str | None, ...] = ("tracebacks", "hops", "n_campaigns", None)


def _joined_labels(inv: np.ndarray, codes: np.ndarray, labels: np.ndarray, n: int) -> list[str]:
    """Per group 0..n-1: its distinct labels (``codes`` index ``labels``, sorted) joined by ``;``."""
    keep = codes >= 0
    combos = np.unique(inv[keep] * (len(labels) + 1) + codes[keep])
    group, code = combos // (len(labels) + 1), combos % (len(labels) + 1)
    out: list[list[str]] = [[] for _ in range(n)]
    for g, c in zip(group.tolist(), code.tolist(), strict=True):
        out[g].append(labels[c])
    return [";".join(x) for x in out]


def edge_table(hops: pd.DataFrame) -> pd.DataFrame:
    """Aggregate the ROUTED hops of ``hops`` into one row per upstream -> downstream pair.

    Parameters
    ----------
    hops : pandas.DataFrame
        A canonical hop frame (see :mod:`graphengine.schema`).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`EDGE_COLUMNS`, sorted by ``(upstream_key, downstream_key)``.

    Raises
    ------
    SchemaError
        When a column the aggregation needs is missing.
    """
    needed = ("traceback_id", "hop", "provider_key", "call_time", "campaign", "attestation")
    missing = [c for c in needed + ("response_category",) if c not in hops.columns]
    if missing:
        raise SchemaError(f"hop frame is missing column(s): {', '.join(missing)}")
    routed = routed_edges(hops)
    if routed.empty:
        return _empty_edges()
    # Integer codes throughout: a string groupby is an order of magnitude slower at 1M hops.
    m = len(routed)
    codes, found = pd.factorize(
        pd.concat([routed["upstream_key"], routed["downstream_key"]], ignore_index=True)
    )
    uniq = np.asarray(found, dtype=object)
    order = np.argsort(uniq, kind="stable")  # sorted names, so pair ids sort by key
    names = uniq[order]
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    codes = rank[codes]
    pair = codes[:m] * len(names) + codes[m:]
    pairs, inv, n_hops = np.unique(pair, return_inverse=True, return_counts=True)
    n = len(pairs)
    tb = pd.factorize(routed["traceback_id"])[0].astype(np.int64)
    tracebacks = np.bincount(np.unique(inv * (tb.max() + 1) + tb) // (tb.max() + 1), minlength=n)
    camp_codes, camp_labels = pd.factorize(routed["campaign"], sort=True)
    campaigns = _joined_labels(inv, camp_codes, np.asarray(camp_labels, dtype=object), n)
    # int64 nanoseconds: a tz-aware to_numpy() would box every value as a Timestamp.
    ns = pd.DatetimeIndex(routed["call_time"].astype("datetime64[ns, UTC]")).asi8
    by_pair = pd.Series(ns, index=inv).groupby(level=0)
    table = pd.DataFrame(
        {
            "upstream_key": pd.array(names[pairs // len(names)], dtype="string"),
            "downstream_key": pd.array(names[pairs % len(names)], dtype="string"),
            "tracebacks": tracebacks.astype("int64"),
            "hops": n_hops.astype("int64"),
            "n_campaigns": np.array([c.count(";") + 1 if c else 0 for c in campaigns]),
            "campaigns": pd.array(campaigns, dtype="string"),
            "first_seen": pd.to_datetime(by_pair.min().to_numpy(), unit="ns", utc=True),
            "last_seen": pd.to_datetime(by_pair.max().to_numpy(), unit="ns", utc=True),
        }
    )
    for col in ("first_seen", "last_seen"):
        table[col] = table[col].astype("datetime64[ns, UTC]")
    table["n_campaigns"] = table["n_campaigns"].astype("int64")
    return table[list(EDGE_COLUMNS)]


def _empty_edges() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "upstream_key": pd.Series(dtype="string"),
            "downstream_key": pd.Series(dtype="string"),
            "tracebacks": pd.Series(dtype="int64"),
            "hops": pd.Series(dtype="int64"),
            "n_campaigns": pd.Series(dtype="int64"),
            "campaigns": pd.Series(dtype="string"),
            "first_seen": pd.Series(dtype="datetime64[ns, UTC]"),
            "last_seen": pd.Series(dtype="datetime64[ns, UTC]"),
        }
    )


def provider_keys(hops: pd.DataFrame, providers: pd.DataFrame | None = None) -> list[str]:
    """Return every canonical provider key named in ``hops`` or ``providers``, sorted.

    Providers named only as an upstream (``upstream_key``) and providers listed only in the
    provider frame are included: an ecosystem analysis must never silently drop a provider.
    """
    columns = [hops["provider_key"]]
    if "upstream_key" in hops.columns:
        columns.append(hops["upstream_key"])
    if providers is not None and "provider_key" in providers.columns:
        columns.append(providers["provider_key"])
    # unique() before building Python strings: hop frames repeat each key thousands of times
    keys: set[str] = set()
    for col in columns:
        keys.update(str(k) for k in col.dropna().unique())
    return sorted(keys)


def _check_weight(weight: str | None) -> None:
    if weight not in WEIGHTS:
        allowed = ", ".join(repr(w) for w in WEIGHTS)
        raise ConfigError(f"weight={weight!r} is not supported; use one of {allowed}")


def graph_from_edges(
    edges: pd.DataFrame, vertices: list[str] | pd.Series, *, weight: str | None = "tracebacks"
) -> ig.Graph:
    """Build the directed provider graph from an aggregated edge table.

    Parameters
    ----------
    edges : pandas.DataFrame
        One row per upstream -> downstream pair with at least ``upstream_key``,
        ``downstream_key`` and the ``weight`` column; the other :data:`EDGE_COLUMNS` are
        copied as edge attributes when present.
    vertices : list of str
        Every provider key to include; edge endpoints missing from it are added.
    weight : {"tracebacks", "hops", "n_campaigns", None}
        Edge column copied to the ``weight`` attribute (``None``: every edge weighs 1).

    Returns
    -------
    igraph.Graph
        Directed; vertices sorted by key, edges sorted by ``(upstream_key, downstream_key)``,
        so that the same data always gives the same vertex and edge ids.

    Raises
    ------
    ConfigError
        When ``weight`` is not one of :data:`WEIGHTS`.
    SchemaError
        When an edge column is missing, or a pair appears twice.
    """
    _check_weight(weight)
    for col in ("upstream_key", "downstream_key") + ((weight,) if weight else ()):
        if col not in edges.columns:
            raise SchemaError(f"edge table is missing column {col!r}")
    pairs = edges[["upstream_key", "downstream_key"]].astype(str)
    if pairs.duplicated().any():
        first = pairs[pairs.duplicated()].iloc[0]
        raise SchemaError(
            f"edge table lists the pair {first['upstream_key']} -> {first['downstream_key']} "
            "more than once; aggregate it first (graph.edge_table)"
        )
    names = sorted(
        set(map(str, vertices))
        | set(pairs["upstream_key"].unique().tolist())
        | set(pairs["downstream_key"].unique().tolist())
    )
    cols = [c for c in EDGE_COLUMNS if c in edges.columns]
    eframe = edges[cols].copy()
    eframe["upstream_key"] = eframe["upstream_key"].astype("string")
    eframe["downstream_key"] = eframe["downstream_key"].astype("string")
    eframe = eframe.sort_values(["upstream_key", "downstream_key"], kind="stable")
    eframe = eframe.reset_index(drop=True)
    # Built from integer ids rather than Graph.DataFrame: the same graph, without a per-value
    # Python conversion of every attribute (minutes at a million edges).
    index = pd.Index(names)
    src = index.get_indexer(pd.Index(eframe["upstream_key"].astype(str)))
    dst = index.get_indexer(pd.Index(eframe["downstream_key"].astype(str)))
    attrs: dict[str, list[Any]] = {
        "weight": (eframe[weight].astype("float64").tolist() if weight else [1.0] * len(eframe))
    }
    for col in ("tracebacks", "hops", "n_campaigns"):
        if col in eframe.columns:
            attrs[col] = eframe[col].astype("int64").tolist()
    if "campaigns" in eframe.columns:
        attrs["campaigns"] = eframe["campaigns"].fillna("").astype(str).tolist()
    for col in ("first_seen", "last_seen"):
        if col in eframe.columns:
            attrs[col] = _iso(eframe[col])
    g = ig.Graph(
        n=len(names),
        edges=np.column_stack([src, dst]).tolist(),
        directed=True,
        vertex_attrs={"name": names},
        edge_attrs=attrs,
    )
    return g


def _iso(times: pd.Series) -> list[str | None]:
    """UTC times as ``YYYY-MM-DDTHH:MM:SSZ`` strings (None for a missing time)."""
    values = pd.to_datetime(times, utc=True).dt.tz_localize(None).to_numpy("datetime64[s]")
    text = np.datetime_as_string(values, unit="s")
    return [None if t == "NaT" else f"{t}Z" for t in text.tolist()]


def provider_graph(
    hops: pd.DataFrame,
    providers: pd.DataFrame | None = None,
    *,
    weight: str | None = "tracebacks",
) -> ig.Graph:
    """Build the weighted directed provider graph from canonical frames.

    Parameters
    ----------
    hops : pandas.DataFrame
        Canonical hop frame.
    providers : pandas.DataFrame, optional
        Canonical provider frame; its providers are added even when they have no hops.
    weight : {"tracebacks", "hops", "n_campaigns", None}
        Which edge count becomes the ``weight`` attribute. ``tracebacks`` (the default)
        counts distinct tracebacks, so one call that loops through a pair counts once.

    Returns
    -------
    igraph.Graph
        See the module docstring for the attributes.

    Raises
    ------
    ConfigError
        When ``weight`` is not supported.
    SchemaError
        When ``hops`` lacks a column the edge rule needs.

    Examples
    --------
    >>> import pandas as pd
    >>> from graphengine import graph, schema
    >>> hops = schema.empty_hops()
    >>> rows = [("T1", 0, "term"), ("T1", 1, "gw"), ("T1", 2, "foreign")]
    >>> for col, vals in zip(("traceback_id", "hop", "provider_key"), zip(*rows)):
    ...     hops[col] = pd.Series(vals, dtype=schema.HOP_COLUMNS[col])
    >>> g = graph.provider_graph(hops)
    >>> [(g.vs[e.source]["name"], g.vs[e.target]["name"], e["weight"]) for e in g.es]
    [('foreign', 'gw', 1.0), ('gw', 'term', 1.0)]
    """
    _check_weight(weight)
    edges = edge_table(hops)
    return graph_from_edges(edges, provider_keys(hops, providers), weight=weight)


def betweenness(graph: ig.Graph, weights: list[float] | None = None) -> np.ndarray:
    """Return the weighted, normalised betweenness of every vertex of a directed graph.

    The edge length is ``1 / weight`` (the busiest routes are the shortest; a non-positive
    weight counts as unreachable), and the result is divided by ``(n - 1)(n - 2)``, the number
    of ordered pairs a vertex can sit between (all zero below three vertices). ``weights``
    defaults to the ``weight`` edge attribute, else 1 per edge.
    """
    n = graph.vcount()
    if weights is None:
        weights = graph.es["weight"] if "weight" in graph.es.attributes() else None
    lengths = None
    if weights is not None and graph.ecount():
        lengths = [1.0 / w if w > 0 else 1e9 for w in weights]
    between = np.asarray(graph.betweenness(directed=True, weights=lengths), dtype=float)
    scale = (n - 1) * (n - 2)
    return between / scale if scale > 0 else np.zeros(n)
