"""One row per ecosystem: who is in it, what it carried, when, for whom, and through whom.

Examples
--------
>>> import igraph as ig
>>> import pandas as pd
>>> from graphengine import schema
>>> from graphengine.ecosystems.summary import summarize_ecosystems
>>> providers = pd.DataFrame({"provider_key": pd.Series([], dtype="string"),
...                           "ecosystem": pd.Series([], dtype="Int64")})
>>> summarize_ecosystems(schema.empty_hops(), providers, ig.Graph(directed=True)).empty
True
"""

from __future__ import annotations

import igraph as ig
import pandas as pd

from graphengine.graph import betweenness

__all__ = ["SUMMARY_COLUMNS", "summarize_ecosystems", "chokepoints"]

#: Columns of :func:`summarize_ecosystems`, in order.
SUMMARY_COLUMNS: tuple[str, ...] = (
    "ecosystem",
    "n_providers",
    "n_attached_hubs",
    "n_foreign",
    "n_gateway",
    "n_intermediate",
    "n_originating",
    "n_terminating",
    "foreign_sources",
    "gateways",
    "originators",
    "n_tracebacks",
    "n_campaigns",
    "campaigns",
    "first_seen",
    "last_seen",
    "top_customers",
    "chokepoints",
    "mean_stability",
)

#: How many names the list columns keep (the busiest first).
TOP_N = 5


def _top(frame: pd.DataFrame, key: str, label: str, count: str) -> pd.Series:
    """Per ``key``: ``"label (count); ..."`` for the TOP_N largest counts (ties by label)."""
    if frame.empty:
        return pd.Series(dtype="string")
    ordered = frame.sort_values([key, count, label], ascending=[True, False, True])
    ordered = ordered.groupby(key).head(TOP_N)
    text = ordered[label].astype(str) + " (" + ordered[count].astype(str) + ")"
    return text.groupby(ordered[key]).agg("; ".join).astype("string")


def chokepoints(graph: ig.Graph, members: list[int], top: int = 3) -> list[tuple[str, float]]:
    """Return the ``top`` members with the highest weighted betweenness inside the ecosystem.

    Betweenness runs on the directed subgraph of the members, with edge length
    ``1 / weight`` so that the busiest routes are the shortest; it is normalised by
    ``(n - 1)(n - 2)``, the number of ordered pairs a vertex can sit between.

    Returns
    -------
    list of (provider_key, normalised betweenness)
        Highest first, ties by key; members with zero betweenness are left out.
    """
    n = len(members)
    if n < 3:
        return []
    sub = graph.induced_subgraph(members)
    if sub.ecount() == 0:
        return []
    between = betweenness(sub)
    names = [str(v) for v in sub.vs["name"]]
    ranked = sorted(
        ((names[i], float(b)) for i, b in enumerate(between) if b > 0), key=lambda t: (-t[1], t[0])
    )
    return ranked[:top]


def summarize_ecosystems(
    hops: pd.DataFrame, providers: pd.DataFrame, graph: ig.Graph
) -> pd.DataFrame:
    """Summarise every ecosystem in one row.

    Parameters
    ----------
    hops : pandas.DataFrame
        Canonical hop frame.
    providers : pandas.DataFrame
        The providers frame of :func:`graphengine.ecosystems.detect_ecosystems`
        (``provider_key``, ``ecosystem``, ``status``, ``stability``, ``primary_role``,
        ``n_tracebacks``).
    graph : igraph.Graph
        The provider graph (vertex ``name`` = key, edge ``weight``).

    Returns
    -------
    pandas.DataFrame
        :data:`SUMMARY_COLUMNS`, one row per ecosystem in id order:

        * ``n_<role>``: members whose most frequent role is that role;
        * ``foreign_sources``, ``gateways``, ``originators``: those members' keys with their
          traceback counts, busiest first (at most 5);
        * ``n_tracebacks``: distinct tracebacks with at least one hop at a member;
          ``campaigns``, ``first_seen`` and ``last_seen`` are over those tracebacks;
        * ``top_customers``: originating customers named at member hops, by tracebacks;
        * ``chokepoints``: members with the highest weighted betweenness (:func:`chokepoints`).
    """
    members = providers.dropna(subset=["ecosystem"])
    if members.empty:
        return _empty()
    eco_of = members.set_index("provider_key")["ecosystem"]
    out = members.groupby("ecosystem").agg(
        n_providers=("provider_key", "size"),
        mean_stability=("stability", "mean"),
    )
    out["n_attached_hubs"] = (
        (members["status"] == "attached_hub").groupby(members["ecosystem"]).sum()
    )
    role_counts = members.groupby(["ecosystem", "primary_role"]).size().unstack()
    for role in ("foreign", "gateway", "intermediate", "originating", "terminating"):
        out[f"n_{role}"] = role_counts[role] if role in role_counts.columns else 0
    for list_col, role in (
        ("foreign_sources", "foreign"),
        ("gateways", "gateway"),
        ("originators", "originating"),
    ):
        sel = members[members["primary_role"] == role]
        out[list_col] = _top(sel, "ecosystem", "provider_key", "n_tracebacks")

    keyed = hops.assign(ecosystem=hops["provider_key"].map(eco_of)).dropna(subset=["ecosystem"])
    per_tb = keyed.drop_duplicates(["ecosystem", "traceback_id"])
    out["n_tracebacks"] = per_tb.groupby("ecosystem")["traceback_id"].size()
    # first/last seen and campaigns use each traceback's own call time and campaign.
    tb_info = hops.drop_duplicates("traceback_id").set_index("traceback_id")
    per_tb = per_tb[["ecosystem", "traceback_id"]].assign(
        call_time=lambda f: f["traceback_id"].map(tb_info["call_time"]),
        campaign=lambda f: f["traceback_id"].map(tb_info["campaign"]),
    )
    out["first_seen"] = per_tb.groupby("ecosystem")["call_time"].min()
    out["last_seen"] = per_tb.groupby("ecosystem")["call_time"].max()
    out["n_campaigns"] = per_tb.groupby("ecosystem")["campaign"].nunique()
    camp = per_tb.dropna(subset=["campaign"]).groupby(["ecosystem", "campaign"]).size()
    out["campaigns"] = _top(camp.reset_index(name="n"), "ecosystem", "campaign", "n")

    cust = keyed.dropna(subset=["customer"]).assign(
        customer_label=lambda f: f["customer"].astype(str)
    )
    cust = cust.drop_duplicates(["ecosystem", "customer_label", "traceback_id"])
    cust_counts = cust.groupby(["ecosystem", "customer_label"]).size().reset_index(name="n")
    out["top_customers"] = _top(cust_counts, "ecosystem", "customer_label", "n")

    index_of = {str(name): i for i, name in enumerate(graph.vs["name"])} if graph.vcount() else {}
    chokes: dict[int, str] = {}
    for eco, keys in members.groupby("ecosystem")["provider_key"]:
        ids = sorted(index_of[str(k)] for k in keys if str(k) in index_of)
        chokes[int(str(eco))] = "; ".join(f"{k} ({b:.3f})" for k, b in chokepoints(graph, ids))
    out["chokepoints"] = pd.Series(chokes, dtype="string")

    out = out.reset_index()
    for count_col in (c for c in SUMMARY_COLUMNS if c.startswith("n_")):
        out[count_col] = out[count_col].fillna(0).astype("int64")
    for text_col in ("foreign_sources", "gateways", "originators", "campaigns", "top_customers"):
        out[text_col] = out[text_col].astype("string").fillna("")
    out["chokepoints"] = out["chokepoints"].fillna("")
    out["ecosystem"] = out["ecosystem"].astype("Int64")
    out["mean_stability"] = out["mean_stability"].astype("Float64").round(6)
    return out[list(SUMMARY_COLUMNS)].sort_values("ecosystem").reset_index(drop=True)


def _empty() -> pd.DataFrame:
    dtypes = {c: "int64" for c in SUMMARY_COLUMNS if c.startswith("n_")}
    dtypes.update({c: "datetime64[ns, UTC]" for c in ("first_seen", "last_seen")})
    dtypes.update({"ecosystem": "Int64", "mean_stability": "Float64"})
    return pd.DataFrame({c: pd.Series(dtype=dtypes.get(c, "string")) for c in SUMMARY_COLUMNS})
