"""Per-provider role profiles from the hop frame: what each provider did, call by call.

Roles belong to hops, not to companies, so a provider's profile is the count of each role it
played. The profile feeds hub detection (the share of terminating hops) and the ecosystem
summaries (members by role).

Examples
--------
>>> from graphengine import schema
>>> from graphengine.ecosystems import provider_roles
>>> provider_roles.provider_profiles(schema.empty_hops()).empty
True
"""

from __future__ import annotations

import pandas as pd

from graphengine.graph import provider_keys
from graphengine.schema import ROLES

__all__ = ["PROFILE_COLUMNS", "provider_profiles"]

#: Columns of :func:`provider_profiles`, after ``provider_key``.
PROFILE_COLUMNS: tuple[str, ...] = (
    "name",
    "n_tracebacks",
    "n_hops",
    *(f"n_{role}" for role in ROLES),
    "n_campaigns",
    "primary_role",
    "terminating_share",
)


def provider_profiles(
    hops: pd.DataFrame, providers: pd.DataFrame | None = None, keys: list[str] | None = None
) -> pd.DataFrame:
    """Return one row per provider with its role counts and display name.

    Parameters
    ----------
    hops : pandas.DataFrame
        Canonical hop frame.
    providers : pandas.DataFrame, optional
        Canonical provider frame; its ``name`` is the preferred display name.
    keys : list of str, optional
        Providers to report (default: every key in ``hops`` and ``providers``); providers with
        no hop row get zero counts, so nobody is dropped.

    Returns
    -------
    pandas.DataFrame
        ``provider_key`` then :data:`PROFILE_COLUMNS`, sorted by key. ``primary_role`` is the
        role the provider played most often (ties go to the earlier role in
        :data:`graphengine.schema.ROLES`); ``terminating_share`` is the share of its hop rows
        that were terminating (a row with no role counts as terminating when it is hop 0).
    """
    if keys is None:
        keys = provider_keys(hops, providers)
    out = pd.DataFrame({"provider_key": pd.array(keys, dtype="string")}).set_index("provider_key")
    role = hops["role"].astype("string")
    role = role.mask(role.isna() & (hops["hop"] == 0), "terminating")
    frame = pd.DataFrame(
        {
            "provider_key": hops["provider_key"].astype("string"),
            "traceback_id": hops["traceback_id"],
            "role": role,
            "campaign": hops["campaign"],
            "provider": hops["provider"].astype("string"),
        }
    )
    grouped = frame.groupby("provider_key", sort=True)
    out["n_tracebacks"] = grouped["traceback_id"].nunique()
    out["n_hops"] = grouped.size()
    counts = frame.dropna(subset=["role"]).groupby(["provider_key", "role"]).size().unstack()
    for r in ROLES:
        out[f"n_{r}"] = counts[r] if r in counts.columns else 0
    out["n_campaigns"] = grouped["campaign"].nunique()
    for col in ("n_tracebacks", "n_hops", *(f"n_{r}" for r in ROLES), "n_campaigns"):
        out[col] = out[col].fillna(0).astype("int64")
    role_cols = [f"n_{r}" for r in ROLES]
    has_role = out[role_cols].sum(axis=1) > 0
    primary = out[role_cols].idxmax(axis=1).astype("string").str.slice(2)
    out["primary_role"] = primary.where(has_role).astype("string")
    share = out["n_terminating"] / out["n_hops"].where(out["n_hops"] > 0)
    out["terminating_share"] = share.fillna(0.0).astype("float64")
    out["name"] = _names(frame, providers, out.index)
    out = out.reset_index()
    return out[["provider_key", *PROFILE_COLUMNS]]


def _names(frame: pd.DataFrame, providers: pd.DataFrame | None, index: pd.Index) -> pd.Series:
    """Display name: the provider frame's name, else the most frequent printed name, else key."""
    printed = (
        frame.dropna(subset=["provider"])
        .groupby(["provider_key", "provider"])
        .size()
        .reset_index(name="n")
        .sort_values(["provider_key", "n", "provider"], ascending=[True, False, True])
        .drop_duplicates("provider_key")
        .set_index("provider_key")["provider"]
    )
    names = pd.Series(index.astype(str), index=index, dtype="string")
    names.update(printed)
    if providers is not None and "name" in providers.columns:
        listed = providers.dropna(subset=["name"]).set_index("provider_key")["name"]
        listed = listed[listed.index.isin(index)]
        names.update(listed.astype("string"))
    return names
