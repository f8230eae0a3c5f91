"""Downstream accountability: who keeps accepting traffic from flagged providers.

This is the one-hop query behind the 2025 AG letters to the downstream providers of
non-cooperative providers: for every ROUTED edge whose upstream is flagged, the downstream
provider accepted that traffic. One row per downstream provider, with counts and dates.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from graphengine.findings._common import add_window_columns, join_ids, restore, windowed
from graphengine.findings.window import ResolvedWindow, Window
from graphengine.schema import routed_edges

__all__ = ["ACCEPTS_COLUMNS", "accepts_from_flagged", "summarise_by_downstream"]

ACCEPTS_COLUMNS: tuple[str, ...] = (
    "downstream_key",
    "flagged_upstreams",
    "tracebacks",
    "first_call",
    "last_call",
    "traceback_ids",
    "window_since",
    "window_until",
)


def summarise_by_downstream(edges: pd.DataFrame) -> pd.DataFrame:
    """Group edges (``routed_edges`` columns) by ``downstream_key``.

    Returns one row per downstream provider: ``flagged_upstreams`` (sorted, ';'-joined),
    ``tracebacks`` (distinct), ``first_call``, ``last_call`` and ``traceback_ids``, sorted by
    ``tracebacks`` descending then key.
    """
    grouped = edges.groupby("downstream_key", sort=True)
    out = pd.DataFrame(
        {
            "flagged_upstreams": join_ids(edges, "downstream_key", ids="upstream_key"),
            "tracebacks": grouped["traceback_id"].nunique().astype("int64"),
            "first_call": grouped["call_time"].min(),
            "last_call": grouped["call_time"].max(),
            "traceback_ids": join_ids(edges, "downstream_key"),
        }
    )
    out = out.reset_index().sort_values(
        ["tracebacks", "downstream_key"], ascending=[False, True], kind="stable"
    )
    return out.reset_index(drop=True)


def accepts_from_flagged(
    hops: pd.DataFrame,
    flagged: Iterable[str],
    window: Window | ResolvedWindow | None = None,
) -> pd.DataFrame:
    """Downstream providers that accepted calls directly from any ``flagged`` provider.

    Parameters
    ----------
    hops
        Canonical hop frame.
    flagged
        Provider keys found non-cooperative (or any other list an investigator chooses).
    window
        Analysis window; ``None`` means all data.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`ACCEPTS_COLUMNS`. Edges between two flagged providers count too: the
        downstream one still accepted the traffic. Self-edges (a provider handing to itself) do
        not.
    """
    hops, resolved = windowed(hops, window)
    keys = set(flagged)
    edges = routed_edges(hops)
    edges = edges[
        edges["upstream_key"].isin(keys) & (edges["upstream_key"] != edges["downstream_key"])
    ]
    edges = restore(edges)
    if edges.empty:
        empty = pd.DataFrame({c: pd.Series(dtype="object") for c in ACCEPTS_COLUMNS[:-2]})
        return add_window_columns(empty, resolved)[list(ACCEPTS_COLUMNS)]
    out = add_window_columns(summarise_by_downstream(edges), resolved)
    return out[list(ACCEPTS_COLUMNS)]
