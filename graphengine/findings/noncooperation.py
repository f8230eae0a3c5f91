"""Non-cooperation: the observable events, and a parameterised rule that turns them into a finding.

Events (one row per provider and traceback, see :func:`noncooperation_events`)
    * ``no_response`` / ``records_not_found`` / ``insufficient_records``: its hop's
      ``response_category`` is in :data:`graphengine.schema.NONCOOPERATIVE_RESPONSES`;
    * ``stopped_here``: the traceback stopped at it: it is the most upstream hop, it named no
      upstream provider and no customer was identified (no ``customer``/``customer_key`` and the
      response is not ``customer_identified``);
    * ``not_in_rmd`` / ``removed_from_rmd``: it carried the call while not listed in the RMD, or
      on/after its removal date (same rule and parameters as :mod:`graphengine.findings.rmd`).

Rule (:class:`NonCooperationRule`, all thresholds are parameters)
    A provider is **non-cooperative** when at least one of these holds in the window:

    1. ``nonresponse``: at least ``min_nonresponse`` (default 3, the same "third time" figure as
       the repeat rule) distinct tracebacks with a non-cooperative response **and** those are at
       least ``min_nonresponse_share`` (default 0.5) of the tracebacks it was asked about (those
       where its hop has a response category);
    2. ``stopped``: only if ``min_stopped`` > 0 (default 0 = off): at least that many tracebacks
       stopped at it;
    3. ``rmd``: only if ``min_unlisted`` > 0 (default 0 = off): at least that many tracebacks it
       carried while not listed in the RMD.

    Why (2) and (3) are off by default: most tracebacks of foreign-sourced traffic stop at a
    foreign provider that *did* answer ("foreign, cannot trace further"), so "stopped here" alone
    would brand every foreign source non-cooperative; and missing from the RMD is its own finding
    (``rmd_violations``, the ``unlisted`` target signal), while the ITG term is about traceback
    behaviour. Both stay visible as events and as target-score signals either way. The share in
    (1) keeps a large carrier that answered "records not found" on three of thousands of
    tracebacks from being flagged. ``reasons`` lists the rules that fired as short
    phrases and ``traceback_ids`` lists the evidence of exactly those rules.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from graphengine.errors import ConfigError
from graphengine.findings._common import (
    ID_SEP,
    add_window_columns,
    compact_ids,
    join_ids,
    restore,
    windowed,
)
from graphengine.findings.rmd import RmdRule, unlisted_hops
from graphengine.findings.window import ResolvedWindow, Window
from graphengine.schema import NONCOOPERATIVE_RESPONSES

__all__ = [
    "NonCooperationRule",
    "EVENT_COLUMNS",
    "NONCOOP_COLUMNS",
    "noncooperation_events",
    "flag_noncooperative",
]

EVENT_COLUMNS: tuple[str, ...] = ("provider_key", "event", "traceback_id", "hop", "call_time")

NONCOOP_COLUMNS: tuple[str, ...] = (
    "provider_key",
    "noncooperative",
    "reasons",
    "asked",
    "nonresponse_tracebacks",
    "nonresponse_share",
    "stopped_tracebacks",
    "unlisted_tracebacks",
    "traceback_ids",
    "nonresponse_ids",
    "stopped_ids",
    "unlisted_ids",
    "window_since",
    "window_until",
)

NONRESPONSE_EVENTS = tuple(sorted(NONCOOPERATIVE_RESPONSES))
UNLISTED_EVENTS = ("not_in_rmd", "removed_from_rmd")


@dataclass(frozen=True)
class NonCooperationRule:
    """Thresholds of the non-cooperation rule (see the module docstring).

    Examples
    --------
    >>> NonCooperationRule(min_nonresponse=3).min_nonresponse
    3
    """

    min_nonresponse: int = 3
    min_nonresponse_share: float = 0.5
    min_stopped: int = 0
    min_unlisted: int = 0

    def __post_init__(self) -> None:
        if not 0.0 <= self.min_nonresponse_share <= 1.0:
            raise ConfigError(
                f"--noncoop-share must be between 0 and 1, got {self.min_nonresponse_share}"
            )
        for name in ("min_nonresponse", "min_stopped", "min_unlisted"):
            if getattr(self, name) < 0:
                raise ConfigError(f"{name} must not be negative, got {getattr(self, name)}")


def noncooperation_events(
    hops: pd.DataFrame,
    providers: pd.DataFrame | None = None,
    window: Window | ResolvedWindow | None = None,
    rmd_rule: RmdRule | None = None,
) -> pd.DataFrame:
    """List every non-cooperation event in ``window`` (see the module docstring).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`EVENT_COLUMNS`, one row per (provider, event, traceback) -- a provider that
        appears twice in one traceback yields one event -- sorted by provider, event, traceback.
    """
    return restore(events_compact(hops, providers, window, rmd_rule))


#: every event kind, in the sort order of the events frame.
EVENT_KINDS: tuple[str, ...] = (
    *NONRESPONSE_EVENTS,
    "not_in_rmd",
    "removed_from_rmd",
    "stopped_here",
)


def _kind(values: pd.Series | list[str], index: pd.Index) -> pd.Series:
    kinds = pd.CategoricalDtype(categories=sorted(EVENT_KINDS))
    return pd.Series(list(values), index=index, dtype=kinds)


def events_compact(
    hops: pd.DataFrame,
    providers: pd.DataFrame | None = None,
    window: Window | ResolvedWindow | None = None,
    rmd_rule: RmdRule | None = None,
) -> pd.DataFrame:
    """:func:`noncooperation_events` with categorical key columns (for the pipeline)."""
    hops, _ = windowed(hops, window)
    cols = ["provider_key", "traceback_id", "hop", "call_time"]
    nonresp = hops.loc[hops["response_category"].isin(NONCOOPERATIVE_RESPONSES).fillna(False)]
    kinds = nonresp["response_category"].astype(str)
    parts = [nonresp[cols].assign(event=_kind(kinds, nonresp.index))]

    # The most upstream hop of each traceback: where the chain ended.
    top = hops.sort_values(["traceback_id", "hop"], kind="stable").drop_duplicates(
        "traceback_id", keep="last"
    )
    no_customer = top["customer"].isna() & top["customer_key"].isna()
    stopped = top[
        top["upstream_key"].isna()
        & no_customer
        & (top["response_category"] != "customer_identified").fillna(True)
    ]
    parts.append(stopped[cols].assign(event=_kind(["stopped_here"] * len(stopped), stopped.index)))

    unlisted = unlisted_hops(hops, providers, rmd_rule)
    event = unlisted["reason"].map(
        {"not_listed": "not_in_rmd", "removed_before_call": "removed_from_rmd"}
    )
    parts.append(unlisted[cols].assign(event=_kind(event.astype(str), unlisted.index)))

    events = pd.concat([p[list(EVENT_COLUMNS)] for p in parts], ignore_index=True)
    events = events.sort_values(["provider_key", "event", "traceback_id", "hop"], kind="stable")
    events = events.drop_duplicates(["provider_key", "event", "traceback_id"])
    return events.reset_index(drop=True)


def _ids_of(events: pd.DataFrame, kinds: tuple[str, ...], index: pd.Index) -> pd.Series:
    sub = events[events["event"].isin(kinds)]
    return join_ids(sub, "provider_key").reindex(index, fill_value="")


def _count_of(events: pd.DataFrame, kinds: tuple[str, ...], index: pd.Index) -> pd.Series:
    sub = events.loc[events["event"].isin(kinds), ["provider_key", "traceback_id"]]
    counts = sub.drop_duplicates().groupby("provider_key").size()
    counts.index = counts.index.astype(str)
    return counts.reindex(index, fill_value=0).astype("int64")


def _union(*cells: str) -> str:
    ids = sorted({i for cell in cells if cell for i in cell.split(ID_SEP)})
    return ID_SEP.join(ids)


def flag_noncooperative(
    hops: pd.DataFrame,
    events: pd.DataFrame,
    rule: NonCooperationRule | None = None,
    window: Window | ResolvedWindow | None = None,
) -> pd.DataFrame:
    """Apply ``rule`` to ``events``: one row per provider with at least one event.

    Parameters
    ----------
    hops
        The hop frame the events came from (for ``asked``: the tracebacks in which the provider
        has a recorded response category).
    events
        Output of :func:`noncooperation_events` for the same window.
    rule
        :class:`NonCooperationRule`; defaults as documented.
    window
        The same window as the events.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`NONCOOP_COLUMNS`, flagged providers first (most non-response first), then
        the others. ``traceback_ids`` is the evidence of the rules in ``reasons`` (every event id
        when nothing fired).
    """
    rule = rule or NonCooperationRule()
    hops, resolved = windowed(hops, window)
    events = compact_ids(events, ("provider_key", "traceback_id", "event"))
    index = pd.Index(
        sorted(events["provider_key"].dropna().unique().astype(str)),
        name="provider_key",
        dtype="string",
    )
    asked_hops = hops.loc[hops["response_category"].notna(), ["provider_key", "traceback_id"]]
    asked = asked_hops.drop_duplicates().groupby("provider_key").size()
    asked.index = asked.index.astype(str)
    out = pd.DataFrame(index=index)
    out["asked"] = asked.reindex(index, fill_value=0).astype("int64")
    out["nonresponse_tracebacks"] = _count_of(events, NONRESPONSE_EVENTS, index)
    denom = out["asked"].where(out["asked"] > 0, 1)
    out["nonresponse_share"] = (out["nonresponse_tracebacks"] / denom).astype("float64")
    out["stopped_tracebacks"] = _count_of(events, ("stopped_here",), index)
    out["unlisted_tracebacks"] = _count_of(events, UNLISTED_EVENTS, index)
    out["nonresponse_ids"] = _ids_of(events, NONRESPONSE_EVENTS, index)
    out["stopped_ids"] = _ids_of(events, ("stopped_here",), index)
    out["unlisted_ids"] = _ids_of(events, UNLISTED_EVENTS, index)

    fire_nonresp = (out["nonresponse_tracebacks"] >= max(rule.min_nonresponse, 1)) & (
        out["nonresponse_share"] >= rule.min_nonresponse_share
    )
    fire_stopped = (rule.min_stopped > 0) & (out["stopped_tracebacks"] >= rule.min_stopped)
    fire_unlisted = (rule.min_unlisted > 0) & (out["unlisted_tracebacks"] >= rule.min_unlisted)
    out["noncooperative"] = fire_nonresp | fire_stopped | fire_unlisted

    reasons, evidence = [], []
    for row, a, b, c in zip(
        out.itertuples(), fire_nonresp, fire_stopped, fire_unlisted, strict=True
    ):
        phrases, cells = [], []
        if a:
            phrases.append(
                f"no response or insufficient records on {row.nonresponse_tracebacks} of "
                f"{row.asked} tracebacks"
            )
            cells.append(row.nonresponse_ids)
        if b:
            phrases.append(f"traceback stopped here {row.stopped_tracebacks} times")
            cells.append(row.stopped_ids)
        if c:
            phrases.append(f"carried {row.unlisted_tracebacks} calls while not in the RMD")
            cells.append(row.unlisted_ids)
        if not cells:
            cells = [row.nonresponse_ids, row.stopped_ids, row.unlisted_ids]
        reasons.append("; ".join(phrases))
        evidence.append(_union(*(str(cell) for cell in cells)))
    out["reasons"] = pd.Series(reasons, index=index, dtype="string")
    out["traceback_ids"] = pd.Series(evidence, index=index, dtype="string")
    out = out.reset_index().sort_values(
        ["noncooperative", "nonresponse_tracebacks", "provider_key"],
        ascending=[False, False, True],
        kind="stable",
    )
    out = add_window_columns(out.reset_index(drop=True), resolved)
    return out[list(NONCOOP_COLUMNS)]
