"""What a person checks against the source: printed hop numbers and the data's own date range.

Findings compute on the canonical ``hop`` (0 = terminating provider). A source file may number
the terminating provider 1; the hop frame then carries ``source_hop`` and every table a person
reads shows that number next to ``hop`` (:func:`add_printed_hops`).
"""

from __future__ import annotations

import pandas as pd

from graphengine.errors import ConfigError
from graphengine.findings.window import ResolvedWindow

__all__ = ["add_printed_hops", "data_range", "check_window_selects"]


def add_printed_hops(table: pd.DataFrame, hops: pd.DataFrame) -> pd.DataFrame:
    """Return ``table`` with ``source_hop`` (the number as printed) right after ``hop``.

    ``table`` needs ``traceback_id`` and ``hop``; a table without them, or hops without
    ``source_hop``, comes back unchanged.

    Examples
    --------
    >>> hops = pd.DataFrame({"traceback_id": ["T", "T"], "hop": [0, 1], "source_hop": [1, 2]})
    >>> add_printed_hops(pd.DataFrame({"traceback_id": ["T"], "hop": [1]}), hops).to_dict("list")
    {'traceback_id': ['T'], 'hop': [1], 'source_hop': [2]}
    """
    if "source_hop" not in hops or not {"traceback_id", "hop"} <= set(table.columns):
        return table
    if "source_hop" in table:
        return table
    lookup = hops[["traceback_id", "hop", "source_hop"]]
    if len(table) < len(hops) // 4:
        # only the tracebacks the table names: de-duplicating and joining the whole hop
        # table once per finding cost minutes at 10M hops (the rows kept are the same)
        lookup = lookup[lookup["traceback_id"].isin(pd.unique(table["traceback_id"].dropna()))]
    lookup = lookup.drop_duplicates(["traceback_id", "hop"])
    # events without a hop (an unlisted provider) keep an empty source_hop
    keyed = table[["traceback_id", "hop"]].astype({"traceback_id": "string", "hop": "Int64"})
    lookup = lookup.astype({"traceback_id": "string", "hop": "Int64", "source_hop": "Int64"})
    printed = keyed.merge(lookup, on=["traceback_id", "hop"], how="left")["source_hop"]
    printed = printed.fillna(keyed["hop"].reset_index(drop=True))
    out = table.copy()
    position = list(out.columns).index("hop") + 1
    if pd.api.types.is_integer_dtype(out["hop"]) and not printed.isna().any():
        out.insert(position, "source_hop", printed.astype("int64").to_numpy())
    else:
        out.insert(position, "source_hop", printed.to_numpy())
    return out


def data_range(hops: pd.DataFrame) -> str:
    """Return ``"YYYY-MM-DD to YYYY-MM-DD"``: the first and last call date of ``hops`` (UTC)."""
    times = hops["call_time"].dropna()
    if times.empty:
        return "no calls"
    return f"{times.min():%Y-%m-%d} to {times.max():%Y-%m-%d}"


def check_window_selects(hops: pd.DataFrame, scoped: pd.DataFrame, window: ResolvedWindow) -> None:
    """Raise when the window leaves no traceback of non-empty data.

    Raises
    ------
    ConfigError
        Naming the window and the data's own date range: "0 repeat gateways" from a window
        that missed the data would read as a clean bill.
    """
    if hops.empty or not scoped.empty:
        return
    raise ConfigError(
        f"the window {window.spec} selects no traceback; the data runs from "
        f"{data_range(hops)} (adjust --since/--until/--window)"
    )
