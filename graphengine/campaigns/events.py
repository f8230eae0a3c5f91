"""Daily and weekly counts per campaign, and the events investigators act on.

:func:`detect_events` runs every detector of :mod:`graphengine.campaigns.detectors` on the
campaigns of a state and returns one row per event, in :data:`EVENT_COLUMNS`:

``event_id``
    stable key ``kind|campaign|day`` (what :func:`~graphengine.campaigns.update_campaigns` uses to
    return each event once);
``kind``
    ``surge``, ``new_campaign``, ``stop``, ``decline``, ``change_point`` or ``displacement``;
``time``, ``detected_at``
    the day the event starts, and the day the detector could first have raised it;
``magnitude``, ``baseline``
    surge: peak observed / expected and the expected reports a day; stop / decline: reports a day
    after and before; new: reports by detection; displacement: tracebacks via the new gateway and
    via the old one;
``report_ids``, ``traceback_ids``
    the evidence (semicolon-separated, at most 50 each);
``details``
    JSON with the rest (surge end, gateways...).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from graphengine.campaigns.detectors import (
    SurgeParams,
    change_points,
    displacements,
    new_campaign_day,
    stop_day,
    surge_cusum,
    weekday_profile,
)
from graphengine.campaigns.state import CampaignState

__all__ = ["EVENT_COLUMNS", "EventParams", "daily_counts", "weekly_counts", "detect_events"]

EVENT_COLUMNS = (
    "event_id",
    "kind",
    "campaign_id",
    "time",
    "detected_at",
    "magnitude",
    "baseline",
    "report_ids",
    "traceback_ids",
    "details",
)
_EVIDENCE = 50


@dataclass(frozen=True)
class EventParams:
    """Parameters of every detector (docs/campaigns.md explains each)."""

    surge: SurgeParams = field(default_factory=SurgeParams)
    new_warmup_days: int = 7
    new_min_reports: int = 20
    stop_min_silent_days: int = 3
    stop_min_expected: float = 10.0
    decline_ratio: float = 0.5
    change_min_size: int = 7
    change_beta: float = 3.0
    displacement_min_tracebacks: int = 3
    displacement_overlap_days: int = 7


def daily_counts(state: CampaignState) -> pd.DataFrame:
    """Return reports per day (rows: every day from the first to the last report) per campaign."""
    series = {cid: pd.Series(c.daily, dtype=float) for cid, c in sorted(state.campaigns.items())}
    if not series:
        return pd.DataFrame()
    frame = pd.DataFrame(series)
    frame.index = pd.to_datetime(frame.index)
    days = pd.date_range(frame.index.min(), frame.index.max(), freq="D")
    return frame.reindex(days).fillna(0).astype(int)


def weekly_counts(daily: pd.DataFrame) -> pd.DataFrame:
    """Return reports per week (weeks start on Monday) from :func:`daily_counts`."""
    if daily.empty:
        return daily
    return daily.resample("W-MON", label="left", closed="left").sum()


def detect_events(
    state: CampaignState,
    *,
    tracebacks: pd.DataFrame | None = None,
    params: EventParams | None = None,
) -> pd.DataFrame:
    """Return every event of the campaigns in ``state`` (see the module docstring).

    ``tracebacks`` (``campaign_id, traceback_id, call_time, gateway``, as returned by
    :func:`graphengine.campaigns.links.attach_campaigns`) enables displacement events.
    """
    p = params or EventParams()
    daily = daily_counts(state)
    rows: list[dict[str, Any]] = []
    if not daily.empty:
        days = pd.DatetimeIndex(daily.index)
        weekday = days.day_of_week.to_numpy()
        factors = weekday_profile(daily.sum(axis=1).to_numpy(), weekday)
        members = state.members_frame()
        members["day"] = members["call_time"].dt.tz_convert(None).dt.normalize()
        by_campaign = {cid: g for cid, g in members.groupby("campaign_id", sort=False)}
        for cid in daily.columns:
            x = daily[cid].to_numpy()
            mem = by_campaign.get(cid, members.iloc[:0])
            rows.extend(_campaign_events(cid, x, days, weekday, factors, mem, p))
    if tracebacks is not None and len(tracebacks):
        tb = tracebacks.copy()
        tb["campaign_id"] = tb["campaign_id"].map(state.resolve)
        for d in displacements(
            tb,
            min_tracebacks=p.displacement_min_tracebacks,
            overlap_days=p.displacement_overlap_days,
        ):
            day = d.time.tz_convert(None).normalize() if d.time.tzinfo else d.time.normalize()
            rows.append(
                _row(
                    "displacement",
                    d.campaign_id,
                    day,
                    day,
                    float(d.target_count),
                    float(d.source_count),
                    [],
                    list(d.traceback_ids),
                    {
                        "from_gateway": d.source,
                        "to_gateway": d.target,
                        "from_last": str(d.source_last),
                    },
                )
            )
    frame = pd.DataFrame(rows, columns=list(EVENT_COLUMNS))
    return frame.sort_values(["time", "kind", "campaign_id"], kind="mergesort").reset_index(
        drop=True
    )


def _campaign_events(
    cid: str,
    x: np.ndarray,
    days: pd.DatetimeIndex,
    weekday: np.ndarray,
    factors: np.ndarray,
    members: pd.DataFrame,
    p: EventParams,
) -> list[dict[str, Any]]:
    out = []

    def ids(lo: int, hi: int, last: bool = False) -> list[str]:
        sel = members[
            (members["day"] >= days[lo]) & (members["day"] <= days[min(hi, len(days) - 1)])
        ]
        r = sel["report_id"].tolist()
        return r[-_EVIDENCE:] if last else r[:_EVIDENCE]

    for s in surge_cusum(x, weekday, factors, p.surge):
        out.append(
            _row(
                "surge",
                cid,
                days[s.onset],
                days[s.day],
                s.magnitude,
                s.baseline,
                ids(s.onset, s.end),
                [],
                {"end": str(days[s.end].date())},
            )
        )
    new = new_campaign_day(x, warmup_days=p.new_warmup_days, min_reports=p.new_min_reports)
    if new is not None:
        first, seen = new
        out.append(
            _row(
                "new_campaign",
                cid,
                days[first],
                days[seen],
                float(x[: seen + 1].sum()),
                0.0,
                ids(first, seen),
                [],
                {},
            )
        )
    stop = stop_day(
        x,
        weekday,
        factors,
        min_silent_days=p.stop_min_silent_days,
        min_expected=p.stop_min_expected,
    )
    if stop is not None:
        day, seen, mu = stop
        out.append(
            _row(
                "stop",
                cid,
                days[day],
                days[seen],
                0.0,
                mu,
                ids(max(0, day - 7), day - 1, True),
                [],
                {},
            )
        )
    adj = x / factors[weekday % 7]
    active = np.flatnonzero(x > 0)
    if len(active):
        lo, hi = int(active[0]), (stop[0] if stop else len(x))
        for cp in change_points(
            x[lo:hi], weekday[lo:hi], factors, min_size=p.change_min_size, beta=p.change_beta
        ):
            t = lo + cp
            before = float(adj[max(lo, t - 28) : t].mean())
            after = float(adj[t : min(hi, t + 28)].mean())
            ratio = after / before if before > 0 else float("inf")
            kind = "decline" if ratio <= p.decline_ratio else "change_point"
            out.append(
                _row(
                    kind,
                    cid,
                    days[t],
                    days[min(hi - 1, t + p.change_min_size - 1)],
                    ratio,
                    before,
                    ids(t, t + 6),
                    [],
                    {"level_after": round(after, 3)},
                )
            )
    return out


def _row(
    kind: str,
    cid: str,
    time: pd.Timestamp,
    detected: pd.Timestamp,
    magnitude: float,
    baseline: float,
    report_ids: list[str],
    traceback_ids: list[str],
    details: dict[str, Any],
) -> dict[str, Any]:
    day = str(pd.Timestamp(time).date())
    return {
        "event_id": f"{kind}|{cid}|{day}",
        "kind": kind,
        "campaign_id": cid,
        "time": day,
        "detected_at": str(pd.Timestamp(detected).date()),
        "magnitude": round(float(magnitude), 3),
        "baseline": round(float(baseline), 3),
        "report_ids": ";".join(report_ids[:_EVIDENCE]),
        "traceback_ids": ";".join(traceback_ids[:_EVIDENCE]),
        "details": json.dumps(details, sort_keys=True),
    }
