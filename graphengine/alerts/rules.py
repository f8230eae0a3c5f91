"""Alert rules: which engine events become alerts to law enforcement, with which thresholds.

Sources
    * **campaign events** (:mod:`graphengine.campaigns`): ``new_campaign`` (over a size threshold),
      ``surge`` and ``displacement`` become alerts; ``decline`` and ``stop`` do not (they end work
      rather than start it).
    * **hops**: a campaign's traffic entering the U.S. through a gateway not seen for it before
      (``new_gateway``), once the campaign has a history (``new_gateway_min_prior`` tracebacks).
    * **findings**: a provider that is non-cooperative now and was not in the previous run
      (``newly_noncooperative``); a provider removed from the RMD still carrying traced calls after
      its removal (``rmd_removed_carrying``).

Every alert carries its evidence (traceback and report ids, the providers in the paths with their
roles and attestation) and a TLP marking chosen per kind (:attr:`AlertRules.tlp`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import pandas as pd

from graphengine.alerts.model import ALERT_KINDS, TLP_LEVELS, Alert, ProviderRef, utc
from graphengine.errors import ConfigError

__all__ = [
    "AlertRules",
    "DEFAULT_TLP",
    "split_ids",
    "providers_in_paths",
    "campaign_event_alerts",
    "new_gateway_alerts",
    "finding_alerts",
]

#: Default TLP marking per alert kind: evidence about named providers and victims' reports is
#: for the receiving agencies and their partners (AMBER); a new campaign's signature may be shared
#: with the community that blocks it (GREEN).
DEFAULT_TLP: Mapping[str, str] = {
    "new_campaign": "TLP:GREEN",
    "surge": "TLP:AMBER",
    "new_gateway": "TLP:AMBER",
    "displacement": "TLP:AMBER",
    "newly_noncooperative": "TLP:AMBER",
    "rmd_removed_carrying": "TLP:AMBER",
}

#: Campaign event kinds that raise an alert; the others (decline, stop) do not.
_EVENT_KINDS = {"new_campaign", "surge", "displacement"}


@dataclass(frozen=True)
class AlertRules:
    """Thresholds of the alert rules.

    Attributes
    ----------
    new_campaign_min_reports
        A new campaign alerts once it has at least this many reports (default 20, the campaigns
        module's own new-campaign size: below that, a cluster is as likely a handful of similar
        complaints as a campaign).
    surge_min_magnitude
        A surge alerts when its magnitude (peak reports a day over the expected) is at least this
        (default 0: every surge the detector raised).
    new_gateway_min_prior
        A gateway is *new* for a campaign only if the campaign already had this many tracebacks
        before it appeared (default 3), so a campaign's first gateways are not all "new".
    rmd_min_tracebacks
        An RMD-removed provider alerts when it carried at least this many traced calls after its
        removal (default 1: accepting any is a violation).
    sample_reports
        How many report ids an alert lists as samples (default 10; all traceback ids are kept).
    tlp
        Marking per kind; defaults :data:`DEFAULT_TLP`.
    kinds
        The kinds that are switched on (default all).
    """

    new_campaign_min_reports: int = 20
    surge_min_magnitude: float = 0.0
    new_gateway_min_prior: int = 3
    rmd_min_tracebacks: int = 1
    sample_reports: int = 10
    tlp: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_TLP))
    kinds: frozenset[str] = frozenset(ALERT_KINDS)

    def __post_init__(self) -> None:
        unknown = set(self.kinds) - set(ALERT_KINDS)
        if unknown:
            raise ConfigError(f"unknown alert kind(s): {', '.join(sorted(unknown))}")
        for kind, level in self.tlp.items():
            if level not in TLP_LEVELS:
                raise ConfigError(
                    f"TLP for {kind}: {level!r} is not one of {', '.join(TLP_LEVELS)}"
                )
        if self.sample_reports < 1:
            raise ConfigError("sample_reports must be at least 1")

    def marking(self, kind: str) -> str:
        """The TLP marking of alerts of ``kind``."""
        return self.tlp.get(kind, DEFAULT_TLP[kind])


def split_ids(value: Any) -> list[str]:
    """Ids from a cell that holds a list, or text separated by ``;`` (the engine's id separator)."""
    if value is None or value is pd.NA:
        return []
    if isinstance(value, float) and pd.isna(value):
        return []
    if isinstance(value, str):
        return [part for part in value.split(";") if part]
    return [str(part) for part in value if str(part)]


def providers_in_paths(
    hops: pd.DataFrame | None, traceback_ids: Iterable[str]
) -> tuple[ProviderRef, ...]:
    """The providers of the given tracebacks, with their roles, attestations and traceback counts.

    Returns an empty tuple when ``hops`` is ``None`` or none of the tracebacks are in it.
    """
    if hops is None or hops.empty:
        return ()
    ids = set(traceback_ids)
    if not ids:
        return ()
    sub = hops[hops["traceback_id"].astype(str).isin(ids)]
    refs = []
    for key, group in sub.groupby(sub["provider_key"].astype(str), sort=True):
        names = group["provider"].dropna().astype(str)
        refs.append(
            ProviderRef(
                key=str(key),
                name=str(names.mode().iloc[0]) if not names.empty else str(key),
                roles=tuple(sorted(group["role"].dropna().astype(str).unique())),
                attestations=tuple(sorted(group["attestation"].dropna().astype(str).unique())),
                tracebacks=int(group["traceback_id"].nunique()),
            )
        )
    return tuple(refs)


def _column(frame: pd.DataFrame, *names: str) -> pd.Series:
    for name in names:
        if name in frame.columns:
            return frame[name]
    raise ConfigError(f"campaign events need a column named {' or '.join(names)}")


def _campaign_details(campaigns: pd.DataFrame | None) -> dict[str, dict[str, Any]]:
    """campaign id -> signature and themes, from a campaigns frame.

    Reads the columns :mod:`graphengine.campaigns` writes (``representative_transcript``,
    ``distinctive_terms``, ``callback_numbers``); the short names ``representative`` and ``terms``
    are accepted too.
    """
    if campaigns is None or campaigns.empty:
        return {}
    out: dict[str, dict[str, Any]] = {}
    for row in campaigns.to_dict(orient="records"):
        cid = str(row.get("campaign_id"))
        terms = split_ids(row.get("distinctive_terms", row.get("terms")))
        signature = {
            "representative": row.get("representative_transcript")
            or row.get("representative")
            or "",
            "terms": terms,
            "callback_numbers": split_ids(row.get("callback_numbers")),
        }
        out[cid] = {"signature": signature, "themes": terms}
    return out


def _states_of(reports: pd.DataFrame | None, report_ids: Sequence[str]) -> list[str]:
    if reports is None or reports.empty or "consumer_state" not in reports.columns:
        return []
    sub = reports[reports["report_id"].astype(str).isin(set(report_ids))]
    return sub["consumer_state"].dropna().astype(str).tolist()


def _displacement_reason(details: Any) -> str:
    """The displacement's sentence, naming the gateways when the event's details carry them."""
    try:
        info = json.loads(details) if isinstance(details, str) and details else {}
    except ValueError:
        info = {}
    old, new = info.get("from_gateway"), info.get("to_gateway")
    if old and new:
        return f"campaign traffic moved from gateway {old} to gateway {new}"
    return "campaign traffic moved to a new gateway"


def campaign_event_alerts(
    events: pd.DataFrame,
    *,
    campaigns: pd.DataFrame | None = None,
    reports: pd.DataFrame | None = None,
    hops: pd.DataFrame | None = None,
    rules: AlertRules | None = None,
) -> list[Alert]:
    """Alerts for the campaign events that pass the rules.

    Parameters
    ----------
    events
        Campaign events: ``kind``, ``campaign_id`` (or ``campaign``), ``time`` (or ``at``),
        ``magnitude``, ``baseline``, ``report_ids``, ``traceback_ids`` (lists or ``;``-joined).
    campaigns
        Optional campaigns frame (``campaign_id``, ``representative``, ``terms``,
        ``callback_numbers``) for the signature.
    reports
        Optional report frame (``report_id``, ``consumer_state``) for the states of an alert.
    hops
        Optional canonical hop frame, for the providers in the paths of the event's tracebacks.
    rules
        Thresholds; defaults :class:`AlertRules`.

    Returns
    -------
    list of Alert
        Sorted by time, then id. Raises :class:`ConfigError` when a required column is missing.
    """
    rules = rules or AlertRules()
    if events is None or events.empty:
        return []
    kinds = _column(events, "kind").astype(str)
    cids = _column(events, "campaign_id", "campaign").astype(str)
    times = pd.to_datetime(_column(events, "time", "at"), utc=True)
    details = _campaign_details(campaigns)
    alerts = []
    for i in range(len(events)):
        kind = kinds.iloc[i]
        if kind not in _EVENT_KINDS or kind not in rules.kinds:
            continue
        row = events.iloc[i]
        magnitude = float(row["magnitude"]) if "magnitude" in events.columns else None
        baseline = float(row["baseline"]) if "baseline" in events.columns else None
        report_ids = split_ids(row.get("report_ids"))
        if kind == "new_campaign":
            size = magnitude if magnitude is not None else len(report_ids)
            if size < rules.new_campaign_min_reports:
                continue
            reason = f"new campaign with {size:g} reports by detection"
        elif kind == "surge":
            if magnitude is not None and magnitude < rules.surge_min_magnitude:
                continue
            # campaigns' surge magnitude is peak over expected; baseline is expected reports a day
            reason = (
                f"surge: {magnitude:.1f} times the expected {baseline:.1f} reports a day"
                if magnitude is not None and baseline is not None
                else "surge in reports"
            )
        else:
            reason = _displacement_reason(row.get("details"))
        traceback_ids = split_ids(row.get("traceback_ids"))
        info = details.get(cids.iloc[i], {})
        alerts.append(
            Alert(
                kind=kind,
                occurred_at=times.iloc[i],
                reason=reason,
                tlp=rules.marking(kind),
                campaign_id=cids.iloc[i],
                magnitude=magnitude,
                baseline=baseline,
                signature=info.get("signature", {}),
                providers=providers_in_paths(hops, traceback_ids),
                traceback_ids=tuple(traceback_ids),
                report_ids=tuple(sorted(report_ids)[: rules.sample_reports]),
                states=tuple(_states_of(reports, report_ids)),
                themes=tuple(info.get("themes", ())),
            )
        )
    return sorted(alerts, key=lambda a: (a.occurred_at, a.alert_id))


def new_gateway_alerts(
    hops: pd.DataFrame,
    *,
    since: Any = None,
    rules: AlertRules | None = None,
) -> list[Alert]:
    """A campaign's calls entering through a gateway the campaign had not used before.

    A gateway hop (``role == "gateway"``) of campaign C by provider P at time t is *new* when P
    carried none of C's earlier tracebacks as gateway and C already had
    ``rules.new_gateway_min_prior`` tracebacks before t. One alert per (campaign, gateway), at the
    first such traceback; only those at or after ``since`` (an aware time) when given.

    Returns
    -------
    list of Alert
        Sorted by time, then id.
    """
    rules = rules or AlertRules()
    if "new_gateway" not in rules.kinds or hops.empty:
        return []
    tb = (
        hops.dropna(subset=["campaign"])
        .groupby("traceback_id", sort=False)
        .agg(campaign=("campaign", "first"), call_time=("call_time", "min"))
        .reset_index()
    )
    gw = hops[(hops["role"] == "gateway").fillna(False)][["traceback_id", "provider_key"]]
    gw = gw.merge(tb, on="traceback_id").sort_values(["call_time", "traceback_id"], kind="stable")
    since_ts = pd.Timestamp(since) if since is not None else None
    alerts = []
    for campaign, group in gw.groupby("campaign", sort=True):
        order = tb[tb["campaign"] == campaign].sort_values("call_time")["call_time"]
        seen: set[str] = set()
        for row in group.itertuples(index=False):
            key = str(row.provider_key)
            if key in seen:
                continue
            seen.add(key)
            at = cast(pd.Timestamp, row.call_time)
            prior = int((order < at).sum())
            if prior < rules.new_gateway_min_prior:
                continue
            if since_ts is not None and at < since_ts:
                continue
            ids = [str(row.traceback_id)]
            alerts.append(
                Alert(
                    kind="new_gateway",
                    occurred_at=utc(at),
                    reason=(
                        f"campaign {campaign} entered the U.S. through {key} for the first time, "
                        f"after {prior} earlier tracebacks through other gateways"
                    ),
                    tlp=rules.marking("new_gateway"),
                    campaign_id=str(campaign),
                    provider_key=key,
                    providers=providers_in_paths(hops, ids),
                    traceback_ids=tuple(ids),
                    themes=tuple(str(campaign).lower().split()),
                )
            )
    return sorted(alerts, key=lambda a: (a.occurred_at, a.alert_id))


def finding_alerts(
    noncooperation: pd.DataFrame,
    hops: pd.DataFrame,
    providers: pd.DataFrame | None,
    *,
    previous_noncooperative: Iterable[str] | None = None,
    rules: AlertRules | None = None,
) -> list[Alert]:
    """Alerts from findings: newly non-cooperative providers, RMD-removed providers still carrying.

    Parameters
    ----------
    noncooperation
        ``Findings.noncooperation`` of the current run.
    hops, providers
        The canonical frames the findings were computed on.
    previous_noncooperative
        Provider keys flagged in the previous run; ``None`` means there was no previous run, so
        every flagged provider is new.
    rules
        Thresholds; defaults :class:`AlertRules`.

    Returns
    -------
    list of Alert
        Sorted by time, then id.
    """
    rules = rules or AlertRules()
    alerts: list[Alert] = []
    before = set(previous_noncooperative or ())
    if "newly_noncooperative" in rules.kinds and not noncooperation.empty:
        flagged = noncooperation[noncooperation["noncooperative"].astype(bool)]
        for row in flagged.itertuples(index=False):
            key = str(row.provider_key)
            if key in before:
                continue
            ids = split_ids(row.traceback_ids)
            times = hops.loc[hops["traceback_id"].astype(str).isin(set(ids)), "call_time"]
            alerts.append(
                Alert(
                    kind="newly_noncooperative",
                    occurred_at=times.max() if not times.empty else pd.Timestamp.now(tz="UTC"),
                    reason=f"{key} became non-cooperative: {row.reasons}",
                    tlp=rules.marking("newly_noncooperative"),
                    provider_key=key,
                    magnitude=float(str(row.nonresponse_tracebacks)),
                    providers=providers_in_paths(hops, ids),
                    traceback_ids=tuple(ids),
                )
            )
    if "rmd_removed_carrying" in rules.kinds:
        alerts.extend(_rmd_removed_alerts(hops, providers, rules))
    return sorted(alerts, key=lambda a: (a.occurred_at, a.alert_id))


def _rmd_removed_alerts(
    hops: pd.DataFrame, providers: pd.DataFrame | None, rules: AlertRules
) -> list[Alert]:
    if providers is None or "rmd_removed_on" not in providers.columns or hops.empty:
        return []
    removed = providers.dropna(subset=["rmd_removed_on"]).drop_duplicates("provider_key")
    if removed.empty:
        return []
    when = dict(zip(removed["provider_key"].astype(str), removed["rmd_removed_on"], strict=True))
    sub = hops[hops["provider_key"].astype(str).isin(set(when))]
    sub = sub[sub["call_time"] >= sub["provider_key"].astype(str).map(when)]
    alerts = []
    for key, group in sub.groupby(sub["provider_key"].astype(str), sort=True):
        ids = sorted(group["traceback_id"].astype(str).unique())
        if len(ids) < rules.rmd_min_tracebacks:
            continue
        removed_on = pd.Timestamp(when[key])
        alerts.append(
            Alert(
                kind="rmd_removed_carrying",
                occurred_at=group["call_time"].max(),
                reason=(
                    f"{key} was removed from the Robocall Mitigation Database on "
                    f"{removed_on:%Y-%m-%d} and still carried {len(ids)} traced calls after it"
                ),
                tlp=rules.marking("rmd_removed_carrying"),
                provider_key=key,
                magnitude=float(len(ids)),
                providers=providers_in_paths(hops, ids),
                traceback_ids=tuple(ids),
            )
        )
    return alerts
