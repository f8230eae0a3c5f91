"""Robocall Mitigation Database (RMD) findings.

The rule (47 CFR 64.6305, in force since 28 Sept 2021): a provider may not accept traffic
**directly** from a provider that is not listed in the RMD. The FCC also removes deficient filers;
from the removal date their traffic must be refused. So a ROUTED edge upstream -> downstream where
the upstream was not listed at the call date (never listed, or removed on or before the call) is a
finding against the **downstream** provider.

Decisions (all parameters of :class:`RmdRule`)
    * ``effective``: calls before 2021-09-28 are not held to the rule.
    * ``foreign_upstreams="require"`` (default): a foreign upstream must be listed too. Since the
      2023 orders, foreign providers that send traffic with U.S. (NANP) numbers must file, and U.S.
      providers may not accept their traffic otherwise; the traced calls carry U.S. numbers. Use
      ``"exempt"`` to skip edges whose upstream is foreign.
    * ``foreign_downstreams=False`` (default): a foreign downstream provider is not bound by the
      FCC rule, so edges into a foreign hop are not findings.
    * A hop is foreign when its role is ``foreign`` or its ``provider_country`` is not ``US``.
    * RMD status comes from the provider frame (``in_rmd``, ``rmd_removed_on``). When no RMD was
      supplied (every ``in_rmd`` is empty) there are no RMD findings at all, rather than every
      provider looking unlisted; when one was supplied, an empty ``in_rmd`` or a provider missing
      from the frame counts as not listed.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from graphengine.errors import ConfigError
from graphengine.findings._common import add_window_columns, map_keys, restore, windowed
from graphengine.findings.window import ResolvedWindow, Window
from graphengine.schema import routed_edges

__all__ = [
    "RmdRule",
    "VIOLATION_COLUMNS",
    "rmd_supplied",
    "rmd_status_at",
    "is_foreign_hop",
    "rmd_violations",
    "unlisted_hops",
]

VIOLATION_COLUMNS: tuple[str, ...] = (
    "downstream_key",
    "upstream_key",
    "traceback_id",
    "hop",
    "call_time",
    "campaign",
    "reason",
    "upstream_removed_on",
    "upstream_foreign",
    "window_since",
    "window_until",
)


@dataclass(frozen=True)
class RmdRule:
    """Parameters of the RMD rule; see the module docstring for the reasoning.

    Examples
    --------
    >>> RmdRule(foreign_upstreams="exempt").foreign_upstreams
    'exempt'
    """

    effective: str = "2021-09-28"
    foreign_upstreams: str = "require"
    foreign_downstreams: bool = False

    def __post_init__(self) -> None:
        if self.foreign_upstreams not in ("require", "exempt"):
            raise ConfigError(
                f"--rmd-foreign {self.foreign_upstreams!r} must be 'require' or 'exempt'"
            )

    @property
    def effective_ts(self) -> pd.Timestamp:
        """The effective date as a UTC timestamp."""
        return pd.Timestamp(self.effective, tz="UTC")


def rmd_supplied(providers: pd.DataFrame | None) -> bool:
    """True when ``providers`` carries RMD status for at least one provider."""
    return (
        providers is not None
        and "in_rmd" in providers.columns
        and bool(providers["in_rmd"].notna().any())
    )


def rmd_status_at(
    keys: pd.Series, times: pd.Series, providers: pd.DataFrame
) -> tuple[pd.Series, pd.Series]:
    """RMD listing of each provider ``keys[i]`` at ``times[i]``.

    Returns
    -------
    (reason, removed_on)
        ``reason`` is ``"not_listed"``, ``"removed_before_call"`` or ``<NA>`` (listed at that
        time); ``removed_on`` is the provider's removal date (NaT when never removed).
    """
    table = providers.drop_duplicates("provider_key").set_index("provider_key")
    table.index = table.index.astype(str)
    in_rmd = map_keys(keys, table["in_rmd"].astype("boolean")).astype("boolean").fillna(False)
    removed = pd.to_datetime(map_keys(keys, table["rmd_removed_on"]), utc=True)
    was_removed = (removed.notna() & (removed <= times)).astype(bool)
    reason = pd.Series(pd.NA, index=keys.index, dtype="string")
    reason[~in_rmd.astype(bool)] = "not_listed"
    reason[in_rmd.astype(bool) & was_removed] = "removed_before_call"
    return reason, removed


def is_foreign_hop(hops: pd.DataFrame) -> pd.Series:
    """True for hops whose role is ``foreign`` or whose country is set and is not ``US``."""
    country = hops["provider_country"]
    values = pd.Series(country.dropna().unique()).astype(str)
    abroad = values[values.str.strip().str.upper() != "US"].tolist()
    foreign = (hops["role"] == "foreign").fillna(False) | country.isin(abroad)
    return foreign.fillna(False).astype(bool)


def _with_foreign(hops: pd.DataFrame) -> pd.DataFrame:
    """Routed edges with the foreign flag of both ends."""
    return routed_edges(hops.assign(foreign=is_foreign_hop(hops)), extra=("foreign",))


def rmd_violations(
    hops: pd.DataFrame,
    providers: pd.DataFrame | None,
    window: Window | ResolvedWindow | None = None,
    rule: RmdRule | None = None,
) -> pd.DataFrame:
    """Every ROUTED edge whose downstream accepted a call from an upstream not in the RMD.

    Parameters
    ----------
    hops
        Canonical hop frame.
    providers
        Canonical provider frame with ``in_rmd`` and ``rmd_removed_on``. ``None`` or no RMD data:
        an empty result.
    window
        Analysis window; ``None`` means all data.
    rule
        :class:`RmdRule` (defaults as documented above).

    Returns
    -------
    pandas.DataFrame
        One row per violating edge, columns :data:`VIOLATION_COLUMNS`, sorted by
        ``downstream_key``, ``call_time``, ``traceback_id``. The finding is against
        ``downstream_key``; ``reason`` is ``not_listed`` or ``removed_before_call``.
    """
    rule = rule or RmdRule()
    hops, resolved = windowed(hops, window)
    if not rmd_supplied(providers) or hops.empty:
        empty = pd.DataFrame({c: pd.Series(dtype="object") for c in VIOLATION_COLUMNS[:-2]})
        return add_window_columns(empty, resolved)[list(VIOLATION_COLUMNS)]
    assert providers is not None
    edges = _with_foreign(hops)
    edges = edges[edges["call_time"] >= rule.effective_ts]
    if rule.foreign_upstreams == "exempt":
        edges = edges[~edges["upstream_foreign"]]
    if not rule.foreign_downstreams:
        edges = edges[~edges["downstream_foreign"]]
    reason, removed = rmd_status_at(edges["upstream_key"], edges["call_time"], providers)
    edges = edges.assign(reason=reason, upstream_removed_on=removed)
    out = restore(edges[edges["reason"].notna()])
    out = out.sort_values(["downstream_key", "call_time", "traceback_id"], kind="stable")
    out = add_window_columns(out.reset_index(drop=True), resolved)
    return out[list(VIOLATION_COLUMNS)]


def unlisted_hops(
    hops: pd.DataFrame, providers: pd.DataFrame | None, rule: RmdRule | None = None
) -> pd.DataFrame:
    """Hops where the provider carried a call while not listed in the RMD (or after removal).

    Applies the same ``effective`` date and foreign-provider choice as :func:`rmd_violations`
    (a foreign hop is skipped when ``foreign_upstreams="exempt"``). Returns the matching rows of
    ``hops`` with an added ``reason`` column; empty when no RMD was supplied.
    """
    rule = rule or RmdRule()
    hops, _ = windowed(hops, None)
    if not rmd_supplied(providers) or hops.empty:
        return hops.iloc[0:0].assign(reason=pd.Series(dtype="string"))
    assert providers is not None
    sub = hops[(hops["call_time"] >= rule.effective_ts).fillna(False)]
    if rule.foreign_upstreams == "exempt":
        sub = sub[~is_foreign_hop(sub)]
    reason, _ = rmd_status_at(sub["provider_key"], sub["call_time"], providers)
    return sub.assign(reason=reason)[reason.notna()]
