"""Node and edge tables behind every exported figure, computed from the canonical hop frame.

A figure never reads the hop frame directly: it draws a *node table* (one row per provider or
per hop) and an *edge table* (one row per call-flow edge, upstream -> downstream). The same
tables are written to the bundle as ``nodes.csv``, ``edges.csv`` and GraphML, so what the
reader sees is exactly the data behind it.

Examples
--------
>>> from graphengine import schema
>>> nodes, edges = provider_tables(schema.empty_hops())
>>> list(nodes.columns)[:3], len(edges)
(['provider_key', 'name', 'role'], 0)
"""

from __future__ import annotations

import difflib
from collections import deque
from collections.abc import Iterable, Mapping

import pandas as pd

from graphengine.errors import ExportError
from graphengine.schema import ROLES, printed_hop, routed_edges

__all__ = [
    "HUB_KEY",
    "NODE_COLUMNS",
    "EDGE_COLUMNS",
    "provider_tables",
    "hub_keys",
    "collapse_hubs",
    "neighbourhood",
    "trim_layers",
    "path_tables",
    "weekly_campaigns",
    "resolve_provider",
    "restrict",
    "data_window",
]

#: key of the single node that stands for every collapsed hub.
HUB_KEY = "__hubs__"

NODE_COLUMNS: tuple[str, ...] = (
    "provider_key",
    "name",
    "role",
    "role_counts",
    "tracebacks",
    "degree",
    "country",
    "campaigns",
    "first_seen",
    "last_seen",
    "hub",
)
EDGE_COLUMNS: tuple[str, ...] = (
    "source",
    "target",
    "tracebacks",
    "campaigns",
    "attestations",
    "first_seen",
    "last_seen",
)


_ROLE_PRIORITY: tuple[str, ...] = (
    "foreign",
    "gateway",
    "originating",
    "intermediate",
    "terminating",
)
assert set(_ROLE_PRIORITY) == set(ROLES)


def _iso(value: object) -> str:
    if value is None or pd.isna(value):  # type: ignore[call-overload]
        return ""
    return pd.Timestamp(value).strftime("%Y-%m-%dT%H:%M:%SZ")  # type: ignore[arg-type]


def _counts(frame: pd.DataFrame, keys: list[str], column: str) -> pd.DataFrame:
    """Return ``keys + [column, "n"]``: how often each value occurs per group, most frequent
    first, ties by value (so that every derived text is stable)."""
    sub = frame[[*keys, column]].dropna()
    sub = sub.assign(**{column: sub[column].astype(str)})
    counted = sub.groupby([*keys, column], sort=False).size().rename("n").reset_index()
    counted = counted.assign(_neg=-counted["n"])
    return counted.sort_values([*keys, "_neg", column], kind="stable").drop(columns="_neg")


def _joined(counted: pd.DataFrame, keys: list[str], column: str) -> pd.Series:
    """``"a:3;b:1"`` per group from :func:`_counts`."""
    text = counted[column] + ":" + counted["n"].astype(str)
    return text.groupby([counted[k] for k in keys], sort=False).agg(";".join)


def _dominant_roles(counted: pd.DataFrame) -> pd.Series:
    """Most frequent role per provider from :func:`_counts`.

    Ties go to the role that matters most for accountability: foreign, gateway, originating,
    intermediate, terminating.
    """
    order = {r: i for i, r in enumerate(_ROLE_PRIORITY)}
    top = counted.groupby("provider_key", sort=False)["n"].transform("max")
    best = counted[counted["n"] == top]
    best = best.assign(_rank=best["role"].map(lambda r: order.get(r, len(order))))
    best = best.sort_values(["provider_key", "_rank", "role"], kind="stable")
    return best.drop_duplicates("provider_key").set_index("provider_key")["role"]


def _degrees(edges: pd.DataFrame) -> dict[str, int]:
    """Number of distinct neighbours of every provider, ignoring direction."""
    pairs = pd.concat(
        [
            edges[["upstream_key", "downstream_key"]].set_axis(["a", "b"], axis=1),
            edges[["downstream_key", "upstream_key"]].set_axis(["a", "b"], axis=1),
        ]
    )
    pairs = pairs[pairs["a"] != pairs["b"]].drop_duplicates()
    return {str(k): int(v) for k, v in pairs.groupby("a").size().items()}


def provider_tables(
    hops: pd.DataFrame, *, hub_min_degree: int | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the provider node table and the aggregated provider-to-provider edge table.

    Parameters
    ----------
    hops
        A canonical hop frame (see :mod:`graphengine.schema`).
    hub_min_degree
        A provider with at least this many distinct neighbours is flagged ``hub``; ``None``
        flags none.

    Returns
    -------
    (nodes, edges)
        ``nodes`` has the columns of ``NODE_COLUMNS``, one row per provider, sorted by key;
        ``role`` is the provider's dominant role over its hops, ``tracebacks`` the number of
        distinct tracebacks it appears in. ``edges`` has ``EDGE_COLUMNS``, one row per
        upstream -> downstream pair (call-flow direction), with the number of distinct
        tracebacks that used it.
    """
    routed = routed_edges(hops)
    degree = _degrees(routed)
    key = ["provider_key"]
    grouped = hops.groupby("provider_key", sort=True)
    nodes = pd.DataFrame({"provider_key": [str(k) for k in grouped.groups]}).set_index(
        "provider_key", drop=False
    )
    names = _counts(hops, key, "provider").drop_duplicates("provider_key").set_index("provider_key")
    countries = (
        _counts(hops, key, "provider_country")
        .drop_duplicates("provider_key")
        .set_index("provider_key")
    )
    roles = _counts(hops, key, "role")
    nodes["name"] = names["provider"].reindex(nodes.index).fillna(nodes["provider_key"])
    nodes["role"] = _dominant_roles(roles).reindex(nodes.index).fillna("unknown")
    nodes["role_counts"] = _joined(roles, key, "role").reindex(nodes.index).fillna("")
    nodes["tracebacks"] = grouped["traceback_id"].nunique().astype("int64")
    nodes["degree"] = [degree.get(k, 0) for k in nodes.index]
    nodes["country"] = countries["provider_country"].reindex(nodes.index).fillna("")
    nodes["campaigns"] = grouped["campaign"].nunique().astype("int64")
    nodes["first_seen"] = grouped["call_time"].min().map(_iso)
    nodes["last_seen"] = grouped["call_time"].max().map(_iso)
    nodes = nodes.reset_index(drop=True)[list(NODE_COLUMNS[:-1])]
    nodes = nodes.astype(
        {c: object for c in ("provider_key", "name", "role", "role_counts", "country")}
    )
    if hub_min_degree is None:
        nodes["hub"] = False
    else:
        nodes["hub"] = (nodes["degree"] >= hub_min_degree).astype(bool)
    return nodes.reset_index(drop=True), _aggregate_edges(routed)


def _aggregate_edges(routed: pd.DataFrame) -> pd.DataFrame:
    if routed.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in EDGE_COLUMNS})
    pair = ["upstream_key", "downstream_key"]
    grouped = routed.groupby(pair, sort=True)
    edges = pd.DataFrame(
        {
            "tracebacks": grouped["traceback_id"].nunique().astype("int64"),
            "campaigns": grouped["campaign"].nunique().astype("int64"),
            "first_seen": grouped["call_time"].min().map(_iso),
            "last_seen": grouped["call_time"].max().map(_iso),
        }
    )
    edges["attestations"] = _joined(_counts(routed, pair, "attestation"), pair, "attestation")
    edges["attestations"] = edges["attestations"].fillna("")
    edges = edges.reset_index().rename(
        columns={"upstream_key": "source", "downstream_key": "target"}
    )
    edges = edges.astype({"source": object, "target": object, "attestations": object})
    return edges[list(EDGE_COLUMNS)]


def hub_keys(nodes: pd.DataFrame) -> list[str]:
    """Return the keys flagged ``hub`` in a node table, sorted."""
    return sorted(nodes.loc[nodes["hub"].astype(bool), "provider_key"].astype(str))


def collapse_hubs(
    nodes: pd.DataFrame, edges: pd.DataFrame, hops: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Merge every hub of ``nodes`` into one node ``HUB_KEY`` and re-aggregate the edges.

    Edge counts stay *distinct tracebacks*: they are recomputed from the routed hops with the
    hub keys mapped onto ``HUB_KEY``, restricted to the providers present in ``nodes``.
    """
    hubs = set(hub_keys(nodes))
    if not hubs:
        return nodes, edges
    keep = set(nodes["provider_key"].astype(str))
    routed = routed_edges(hops)
    routed = routed[routed["upstream_key"].isin(keep) & routed["downstream_key"].isin(keep)]
    mapping = {k: HUB_KEY for k in hubs}
    routed = routed.assign(
        upstream_key=routed["upstream_key"].map(lambda k: mapping.get(k, k)),
        downstream_key=routed["downstream_key"].map(lambda k: mapping.get(k, k)),
    )
    routed = routed[routed["upstream_key"] != routed["downstream_key"]]
    hub_rows = nodes[nodes["provider_key"].isin(hubs)]
    member_tracebacks = hops.loc[hops["provider_key"].isin(hubs), "traceback_id"].nunique()
    merged = {
        "provider_key": HUB_KEY,
        "name": f"{len(hubs)} hub providers",
        "role": "hub",
        "role_counts": ";".join(f"{k}" for k in sorted(hub_rows["name"].astype(str))),
        "tracebacks": int(member_tracebacks),
        "degree": int(hub_rows["degree"].max()),
        "country": "",
        "campaigns": int(hops.loc[hops["provider_key"].isin(hubs), "campaign"].nunique()),
        "first_seen": min(hub_rows["first_seen"]),
        "last_seen": max(hub_rows["last_seen"]),
        "hub": True,
    }
    out = pd.concat([nodes[~nodes["provider_key"].isin(hubs)], pd.DataFrame([merged])])
    return out.reset_index(drop=True), _aggregate_edges(routed)


def restrict(
    nodes: pd.DataFrame, edges: pd.DataFrame, keys: Iterable[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the node and edge tables restricted to ``keys`` (edges need both ends kept)."""
    keep = set(keys)
    n = nodes[nodes["provider_key"].isin(keep)].reset_index(drop=True)
    e = edges[edges["source"].isin(keep) & edges["target"].isin(keep)].reset_index(drop=True)
    return n, e


def neighbourhood(
    edges: pd.DataFrame, focus: str, k: int, *, stop_at: Iterable[str] = ()
) -> dict[str, int]:
    """Return ``{provider_key: layer}`` for providers within ``k`` hops of ``focus``.

    ``layer`` is negative upstream (``-1`` handed the call to ``focus``), ``0`` for the focus
    and positive downstream. A provider reachable both ways keeps the nearer side (downstream
    on a tie). Providers in ``stop_at`` (hubs) are included but not expanded further, so one
    big carrier does not pull in the whole graph.
    """
    stops = set(stop_at) - {focus}
    down: dict[str, list[str]] = {}
    up: dict[str, list[str]] = {}
    for s, t in zip(edges["source"].astype(str), edges["target"].astype(str), strict=True):
        down.setdefault(s, []).append(t)
        up.setdefault(t, []).append(s)

    def bfs(adjacency: Mapping[str, list[str]]) -> dict[str, int]:
        dist = {focus: 0}
        queue = deque([focus])
        while queue:
            node = queue.popleft()
            if dist[node] >= k or (node in stops):
                continue
            for nxt in sorted(adjacency.get(node, [])):
                if nxt not in dist:
                    dist[nxt] = dist[node] + 1
                    queue.append(nxt)
        return dist

    layers = {key: d for key, d in bfs(down).items()}
    for key, d in bfs(up).items():
        if key not in layers or d < layers[key]:
            layers[key] = -d
    return dict(sorted(layers.items()))


def trim_layers(layers: Mapping[str, int], edges: pd.DataFrame, max_nodes: int) -> dict[str, int]:
    """Keep at most ``max_nodes`` providers of a neighbourhood, the busiest links first.

    Distances are filled outward from the focus (layer 0), both sides together: a provider at
    layer ``±d`` is kept only when a kept provider one step nearer the focus exchanges calls
    with it, and at one distance providers with more tracebacks over those links come first
    (ties by key).

    Parameters
    ----------
    layers
        From :func:`neighbourhood`.
    edges
        Edge table (``source``, ``target``, ``tracebacks``) of the neighbourhood.
    max_nodes
        Upper bound on the providers kept, focus included.

    Returns
    -------
    dict
        The kept part of ``layers``, sorted by key.
    """
    if len(layers) <= max_nodes:
        return dict(sorted(layers.items()))
    weights: dict[tuple[str, str], int] = {}
    for s, t, w in zip(edges["source"], edges["target"], edges["tracebacks"], strict=True):
        weights[(str(s), str(t))] = weights.get((str(s), str(t)), 0) + int(w)
    kept = {k: 0 for k, v in layers.items() if v == 0}
    depth = max(abs(v) for v in layers.values())
    for d in range(1, depth + 1):
        score: dict[str, tuple[int, int]] = {}
        for sign in (-1, 1):
            nearer = {k for k, v in kept.items() if v == sign * (d - 1)}
            for key, v in layers.items():
                if v != sign * d:
                    continue
                # upstream layers send to the nearer layer; downstream layers receive from it
                total = sum(
                    weights.get((key, n), 0) if sign < 0 else weights.get((n, key), 0)
                    for n in nearer
                )
                if total:
                    score[key] = (total, sign * d)
        for key in sorted(score, key=lambda k: (-score[k][0], k)):
            if len(kept) >= max_nodes:
                break
            kept[key] = score[key][1]
    return dict(sorted(kept.items()))


def path_tables(hops: pd.DataFrame, traceback_id: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (nodes, edges) of one traceback's hop chain, in call-flow order.

    Nodes are keyed ``hop:<n>`` with ``n`` the hop number as printed in the source
    (:func:`graphengine.schema.printed_hop`; a provider may appear twice on one path) plus ``customer``
    when the originating customer is known; the first row is the call's origin and the last
    the terminating provider. Edges go from each hop to the next one downstream.

    Raises
    ------
    ExportError
        When no hop of ``traceback_id`` exists.
    """
    chain = hops[hops["traceback_id"].astype(str) == str(traceback_id)]
    if chain.empty:
        sample = sorted(hops["traceback_id"].astype(str).unique())[:5]
        raise ExportError(
            f"traceback {traceback_id!r} is not in the input; known ids start {sample}"
        )
    chain = chain.sort_values("hop", ascending=False, kind="stable")
    # a person compares the exhibit with the source record: print the file's own hop numbers
    chain = chain.assign(_printed=printed_hop(chain))
    rows = []
    customers = chain["customer"].dropna().astype(str)
    if len(customers):
        rows.append(
            {
                "node_key": "customer",
                "provider_key": "",
                "name": customers.iloc[0],
                "hop": int(chain["_printed"].max()) + 1,
                "role": "customer",
                "response": "",
                "response_category": "",
                "attestation": "",
                "country": "",
            }
        )
    for _, row in chain.iterrows():
        rows.append(
            {
                "node_key": f"hop:{int(row['_printed'])}",
                "provider_key": str(row["provider_key"]),
                "name": str(row["provider"]),
                "hop": int(row["_printed"]),
                "role": "" if pd.isna(row["role"]) else str(row["role"]),
                "response": "" if pd.isna(row["response"]) else str(row["response"]),
                "response_category": ""
                if pd.isna(row["response_category"])
                else str(row["response_category"]),
                "attestation": "" if pd.isna(row["attestation"]) else str(row["attestation"]),
                "country": "" if pd.isna(row["provider_country"]) else str(row["provider_country"]),
            }
        )
    nodes = pd.DataFrame(rows)
    keys = list(nodes["node_key"])
    edges = pd.DataFrame(
        {"source": keys[:-1], "target": keys[1:], "tracebacks": [1] * (len(keys) - 1)}
    )
    return nodes, edges


def weekly_campaigns(hops: pd.DataFrame, provider_keys: Iterable[str]) -> pd.DataFrame:
    """Return tracebacks per week and campaign that touch any of ``provider_keys``.

    Weeks start on Monday (UTC). Columns: ``week`` (``YYYY-MM-DD``), ``campaign`` (``"(none)"``
    when empty) and ``tracebacks`` (distinct ids), sorted by week then campaign.
    """
    keys = set(provider_keys)
    ids = hops.loc[hops["provider_key"].isin(keys), "traceback_id"].unique()
    calls = hops[hops["traceback_id"].isin(ids)].drop_duplicates("traceback_id")
    if calls.empty:
        return pd.DataFrame({"week": [], "campaign": [], "tracebacks": []})
    day = calls["call_time"].dt.tz_convert("UTC").dt.floor("D")
    week = (day - pd.to_timedelta(day.dt.day_of_week, unit="D")).dt.strftime("%Y-%m-%d")
    frame = pd.DataFrame({"week": week, "campaign": calls["campaign"].fillna("(none)").astype(str)})
    out = frame.groupby(["week", "campaign"], sort=True).size().rename("tracebacks")
    return out.reset_index().astype({"tracebacks": "int64"})


def resolve_provider(nodes: pd.DataFrame, name: str) -> str:
    """Return the provider key that ``name`` designates (key, or a printed name, any case).

    Raises
    ------
    ExportError
        When nothing matches; the message suggests the closest names.
    """
    wanted = name.strip().casefold()
    for key, printed in zip(
        nodes["provider_key"].astype(str), nodes["name"].astype(str), strict=True
    ):
        if key.casefold() == wanted or printed.casefold() == wanted:
            return key
    choices = list(nodes["name"].astype(str))
    close = difflib.get_close_matches(name, choices, n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise ExportError(f"provider {name!r} is not in the input{hint}")


def data_window(hops: pd.DataFrame) -> str:
    """Return ``"YYYY-MM-DD to YYYY-MM-DD"`` spanning the call times of ``hops``."""
    if hops.empty:
        return "no calls"
    first = pd.Timestamp(hops["call_time"].min()).strftime("%Y-%m-%d")
    last = pd.Timestamp(hops["call_time"].max()).strftime("%Y-%m-%d")
    return f"{first} to {last}"
