"""Role profile per provider: how often it was seen in each role, within a window.

Roles belong to hops, not companies (a provider can be a gateway on one call and an intermediate
on the next), so a profile counts **distinct tracebacks** per role. A provider that appears twice
in one traceback in the same role counts once for that role.
"""

from __future__ import annotations

import pandas as pd

from graphengine.findings._common import add_window_columns, windowed
from graphengine.findings.window import ResolvedWindow, Window
from graphengine.schema import ROLES

__all__ = ["PROFILE_COLUMNS", "role_profiles"]

PROFILE_COLUMNS: tuple[str, ...] = (
    "provider_key",
    "tracebacks",
    *ROLES,
    "campaigns",
    "first_seen",
    "last_seen",
    "tracebacks_per_month",
    "share_of_tracebacks",
    "window_since",
    "window_until",
)


def role_profiles(
    hops: pd.DataFrame, window: Window | ResolvedWindow | None = None
) -> pd.DataFrame:
    """Count each provider's tracebacks per role within ``window``.

    Parameters
    ----------
    hops
        Canonical hop frame (:mod:`graphengine.schema`).
    window
        Analysis window; ``None`` means all data.

    Returns
    -------
    pandas.DataFrame
        One row per provider seen in the window, sorted by ``provider_key``, with the columns of
        :data:`PROFILE_COLUMNS`: ``tracebacks`` (distinct tracebacks in any role), one count per
        role, ``campaigns`` (distinct non-empty campaign labels), ``first_seen``/``last_seen``
        (call times), ``tracebacks_per_month`` (``tracebacks`` / window length in average months,
        at least one month), ``share_of_tracebacks`` (``tracebacks`` / all distinct tracebacks in
        the window) and the window bounds.

    Examples
    --------
    >>> import pandas as pd
    >>> from graphengine import schema
    >>> hops = pd.concat([schema.empty_hops(), pd.DataFrame({
    ...     "traceback_id": ["t1", "t1", "t2"], "hop": [0, 1, 0],
    ...     "provider_key": ["a", "b", "a"], "provider": ["A", "B", "A"],
    ...     "role": ["terminating", "originating", "terminating"],
    ...     "call_time": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-03-01"], utc=True)})])
    >>> role_profiles(hops)[["provider_key", "tracebacks", "terminating", "originating"]]
      provider_key  tracebacks  terminating  originating
    0            a           2            2            0
    1            b           1            0            1
    """
    hops, resolved = windowed(hops, window)
    total = hops["traceback_id"].nunique()
    grouped = hops.groupby("provider_key", sort=True)
    out = pd.DataFrame(
        {
            "tracebacks": grouped["traceback_id"].nunique(),
            "campaigns": grouped["campaign"].nunique(dropna=True),
            "first_seen": grouped["call_time"].min(),
            "last_seen": grouped["call_time"].max(),
        }
    )
    per_role = (
        hops[["provider_key", "role", "traceback_id"]]
        .dropna(subset=["role"])
        .drop_duplicates()
        .groupby(["provider_key", "role"])
        .size()
        .unstack(fill_value=0)
    )
    for role in ROLES:
        col = per_role[role] if role in per_role.columns else pd.Series(dtype="int64")
        out[role] = col.reindex(out.index, fill_value=0).astype("int64")
    out["tracebacks_per_month"] = out["tracebacks"] / resolved.months
    out["share_of_tracebacks"] = out["tracebacks"] / total if total else 0.0
    out = out.reset_index()
    out["provider_key"] = out["provider_key"].astype("string")
    out = add_window_columns(out, resolved)
    return out[list(PROFILE_COLUMNS)]
