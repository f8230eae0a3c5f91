"""Campaigns on the platform: the background job that keeps them current as reports arrive.

**Trigger.** Every intake batch that stores reports, and every traceback (opened from a report)
that ends or changes its hop rows, queues one ``campaigns.update`` job, due
:data:`DELAY_SECONDS` later, unless one is already queued: triggers that arrive meanwhile share
it, so a burst costs one run (:func:`~graphengine.platform.campaign_schedule.schedule`, called
in the trigger's transaction, so the job exists only if the reports or the ended traceback do).

**Run.** The job takes the reports stored since the last run (primary key above the state's
``through_report_pk``, oldest first, at most :data:`BATCH` of them; it queues the next run when
more are waiting), possibly none: a run queued by an ended traceback re-examines the campaigns
whose tracebacks ended since the previous run, and with no such traceback either it stores
nothing. It calls the engine's
:func:`graphengine.campaigns.update_campaigns` with the state of the previous run and, for
displacement events, a reader of the platform's complete and stalled tracebacks: the engine calls
it once the reports are assigned, and it returns the hop rows of the campaigns this run touched
(:mod:`graphengine.platform.campaign_tracebacks` says which). Reports already
assigned are never clustered again: each report is matched against the campaigns' exemplars, and
only the unmatched ones (with the pool of earlier unmatched reports) are clustered. The run then
stores, in one transaction: the new members (including pooled reports of earlier runs that now
form a campaign), merges (members move to the surviving campaign, the merged one keeps a
``merged_into``), every campaign's profile, the new events, the engine's state and a
:class:`~graphengine.platform.campaign_models.CampaignRun`. When there are new events it queues
the alerts ingest job (:data:`graphengine.platform.alert_service.INGEST_JOB`) with them (and
the hop rows of their tracebacks, so a displacement alert names the providers in its paths), so
alerts fire from campaign runs, and the traceback opening rule
(:data:`graphengine.platform.traceback_service.RULE_JOB`), which traces the newest reports of each
new or surging campaign (``GRAPHENGINE_TRACEBACK_PER_CAMPAIGN``, default 3; 0 turns it off).

The engine's report ids are the platform's report primary keys (as text), unique across
organisations. A carrier's own category label (``reported_category`` of a ``carrier_*`` source)
counts as a campaign label, as the engine's ``reporter_kind == "carrier"`` does.

The heavy part (reading the reports and clustering) runs before the job's own transaction
writes anything: on SQLite that transaction holds the write lock, and intake must not wait for
the clustering. A concurrent run (several workers on PostgreSQL) is serialised by an advisory
lock and notices that the state moved on; it then stores nothing and queues a new run.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass
from typing import Any, cast

import pandas as pd
from sqlalchemy import Table, func, insert, select, text, update
from sqlalchemy.orm import Session

from graphengine.alerts.rules import split_ids
from graphengine.campaigns import CampaignState, update_campaigns
from graphengine.campaigns.profile import campaign_table
from graphengine.platform import alert_service, audit, campaign_tracebacks, jobs, traceback_service
from graphengine.platform.campaign_models import (
    CampaignEventRow,
    CampaignMember,
    CampaignRow,
    CampaignRun,
    CampaignStateRow,
)
from graphengine.platform.campaign_schedule import DELAY_SECONDS, UPDATE_JOB, schedule
from graphengine.platform.db import is_sqlite
from graphengine.platform.models import Report, utcnow

__all__ = ["BATCH", "DELAY_SECONDS", "UPDATE_JOB", "RunSummary", "run_update", "schedule"]

#: most reports one run takes; the rest go to the next run, queued at once
BATCH = 50_000
# any constant: the advisory lock that serialises campaign runs on PostgreSQL
_LOCK_ID = 7_180_018
_STATE_ID = 1
_ACTOR = "job:campaigns.update"


@dataclass(frozen=True)
class RunSummary:
    """What one run did (``run_id`` None: nothing new, or another run got there first)."""

    run_id: int | None
    reports: int
    assigned: int
    new_campaigns: list[str]
    merged: dict[str, str]
    events: list[str]
    #: complete and stalled tracebacks read for displacement (those of the touched campaigns)
    tracebacks: int = 0


@jobs.handler(UPDATE_JOB)
def update_job(session: Session, payload: dict[str, Any]) -> None:
    """The ``campaigns.update`` job: :func:`run_update` with the payload's optional ``limit``."""
    run_update(session, limit=int(payload.get("limit", BATCH)))


# -- reading ------------------------------------------------------------------------------------


@dataclass
class _Snapshot:
    through: int
    state: CampaignState | None
    members: set[str]
    reports: pd.DataFrame
    last_run_at: dt.datetime | None = None  # when the previous run started
    last_run_id: int | None = None

    @property
    def idle(self) -> bool:
        """Nothing to do: no new report, and no state to re-examine (none yet, or no traceback
        of a campaign member ended since the previous run)."""
        return self.reports.empty and self.state is None


def _report_frame(session: Session, after: int, limit: int) -> pd.DataFrame:
    """Reports with a primary key above ``after`` as the engine's report frame (oldest first)."""
    rows = session.execute(
        select(
            Report.id,
            Report.org_id,
            Report.source_kind,
            Report.call_time,
            Report.calling_number,
            Report.called_number,
            Report.transcript,
            Report.reported_category,
            Report.consumer_state,
        )
        .where(Report.id > after)
        .order_by(Report.id)
        .limit(limit)
    ).all()
    frame = pd.DataFrame(
        rows,
        columns=[
            "pk",
            "org_id",
            "source_kind",
            "call_time",
            "calling_number",
            "called_number",
            "transcript",
            "reported_category",
            "consumer_state",
        ],
    )
    frame["report_id"] = frame["pk"].astype(str)
    frame["call_time"] = pd.to_datetime(frame["call_time"], utc=True)
    frame["reporter"] = "org:" + frame["org_id"].astype(str)
    kind = frame["source_kind"].fillna("").astype(str)
    frame["reporter_kind"] = kind.where(~kind.str.startswith("carrier"), "carrier")
    return frame


def _snapshot(session: Session, limit: int) -> _Snapshot:
    """Read the state, its members and the new reports (a short transaction of its own); the
    state is left out (``None``) when there is neither a new report nor an ended traceback."""
    row = session.get(CampaignStateRow, _STATE_ID)
    through = row.through_report_pk if row is not None else 0
    reports = _report_frame(session, through, limit)
    last_id, last = session.execute(
        select(func.max(CampaignRun.id), func.max(CampaignRun.started_at))
    ).one()
    if row is None or (reports.empty and not campaign_tracebacks.ended_since(session, last)):
        return _Snapshot(through, None, set(), reports, last, last_id)
    members = pd.DataFrame(
        session.execute(
            select(CampaignMember.report_pk, CampaignMember.campaign_id, Report.call_time).join(
                Report, Report.id == CampaignMember.report_pk
            )
        ).all(),
        columns=["report_id", "campaign_id", "call_time"],
    )
    members["report_id"] = members["report_id"].astype(str)
    pool = pd.DataFrame.from_records(row.pool) if row.pool else None
    state = CampaignState.from_parts(row.document, members, pool)
    return _Snapshot(through, state, set(members["report_id"]), reports, last, last_id)


# -- the run ------------------------------------------------------------------------------------


def run_update(session: Session, *, limit: int = BATCH) -> RunSummary:
    """Take the reports stored since the last run into the campaigns, and re-examine the
    campaigns whose tracebacks ended since; return what changed.

    With neither (nothing new) it stores nothing and returns a summary with ``run_id`` None. The
    reading and clustering use a session of their own; ``session`` (the job's transaction) only
    writes. See the module docstring for what is stored.
    """
    started, clock = utcnow(), time.perf_counter()
    with Session(session.get_bind()) as reader:
        snap = _snapshot(reader, limit)
    if snap.idle:
        return RunSummary(None, 0, 0, [], {}, [])
    before_campaigns = set(snap.state.campaigns) if snap.state is not None else set()
    before_aliases = dict(snap.state.aliases) if snap.state is not None else {}
    keep: dict[str, pd.DataFrame] = {}
    read_tracebacks = campaign_tracebacks.hop_reader(
        session.get_bind(),
        known=snap.members,
        aliases_before=before_aliases,
        after_pk=snap.through,
        since=snap.last_run_at,
        keep=keep,
    )
    state, events = update_campaigns(
        snap.state, snap.reports, tracebacks=read_tracebacks, show_progress=False
    )

    if not is_sqlite(session):
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_ID})
    current = session.get(CampaignStateRow, _STATE_ID)
    last_id = session.scalar(select(func.max(CampaignRun.id)))
    if (current.through_report_pk if current is not None else 0, last_id) != (
        snap.through,
        snap.last_run_id,
    ):  # (a run with no report leaves ``through`` as it was: the run id tells)
        schedule(session, delay=0)  # another run stored first: start again from its state
        return RunSummary(None, len(snap.reports), 0, [], {}, [])

    through = int(snap.reports["pk"].max()) if not snap.reports.empty else snap.through
    read = int(keep["hops"]["traceback_id"].nunique()) if "hops" in keep else 0
    new_members = sorted((r for r in state.members if r not in snap.members), key=int)
    merged = {old: state.resolve(old) for old in state.aliases if old not in before_aliases}
    new_campaigns = sorted(set(state.campaigns) - before_campaigns)
    run = CampaignRun(
        started_at=started,
        finished_at=started,
        after_report_pk=snap.through,
        through_report_pk=through,
        reports=len(snap.reports),
        assigned=len(new_members),
        new_campaigns=len(new_campaigns),
        merged=len(merged),
        events=len(events),
        seconds=0.0,
    )
    session.add(run)
    session.flush()
    _store_members(session, state, new_members, merged, run.id)
    profiles = _store_campaigns(session, state, merged)
    event_ids = _store_events(session, events, run.id)
    _store_state(session, state, through)
    if event_ids:
        session.flush()
        payload = _ingest_payload(session, events, profiles, keep.get("hops"))
        jobs.enqueue(session, alert_service.INGEST_JOB, payload)
        if traceback_service.per_campaign() > 0:  # the opening rule: trace new and surging ones
            jobs.enqueue(session, traceback_service.RULE_JOB, {"events": payload["events"]})
    if len(snap.reports) >= limit:
        schedule(session, delay=0)  # more reports are waiting
    run.finished_at = utcnow()
    run.seconds = round(time.perf_counter() - clock, 3)
    audit.append(
        session,
        _ACTOR,
        "campaigns.update",
        f"campaign_run:{run.id}",
        {
            "reports": run.reports,
            "through_report_pk": through,
            "assigned": run.assigned,
            "new_campaigns": new_campaigns,
            "merged": merged,
            "events": event_ids,
            "tracebacks_read": read,
        },
    )
    return RunSummary(run.id, run.reports, run.assigned, new_campaigns, merged, event_ids, read)


def _store_members(
    session: Session, state: CampaignState, new: list[str], merged: dict[str, str], run_id: int
) -> None:
    if new:
        table = cast(Table, CampaignMember.__table__)
        rows = [
            {"report_pk": int(r), "campaign_id": state.resolve(state.members[r]), "run_id": run_id}
            for r in new
        ]
        for lo in range(0, len(rows), 5000):
            session.execute(insert(table), rows[lo : lo + 5000])
    for old, into in merged.items():
        session.execute(
            update(CampaignMember).where(CampaignMember.campaign_id == old).values(campaign_id=into)
        )


def _store_campaigns(
    session: Session, state: CampaignState, merged: dict[str, str]
) -> pd.DataFrame:
    """Write every live campaign's profile (and mark merged ones); return the profile table."""
    table = campaign_table(state)
    now = utcnow()
    for rec in json.loads(table.to_json(orient="records")):
        cid = rec["campaign_id"]
        row = session.get(CampaignRow, cid)
        if row is None:
            row = CampaignRow(campaign_id=cid)
            session.add(row)
        c = state.campaigns[cid]
        row.reports = int(rec["reports"])
        row.first_seen = _ts(rec["first_seen"])
        row.last_seen = _ts(rec["last_seen"])
        row.language = str(rec["language"] or "")
        row.representative = str(rec["representative_transcript"] or "")
        row.terms = str(rec["distinctive_terms"] or "")
        row.callback_numbers = str(rec["callback_numbers"] or "")
        row.profile = rec
        row.daily = {k: int(v) for k, v in sorted(c.daily.items())}
        row.merged_into = None
        row.updated_at = now
    for old, into in merged.items():
        gone = session.get(CampaignRow, old)
        if gone is not None:  # merged in the run that made it: never stored
            gone.merged_into, gone.updated_at = into, now
    return table


def _ts(value: Any) -> dt.datetime | None:
    if value is None or value == "" or pd.isna(value):
        return None
    ts = pd.Timestamp(value)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return ts.to_pydatetime()


def _store_events(session: Session, events: pd.DataFrame, run_id: int) -> list[str]:
    stored = []
    for rec in events.to_dict(orient="records"):
        eid = str(rec["event_id"])
        if session.get(CampaignEventRow, eid) is not None:
            continue
        details = rec.get("details")
        session.add(
            CampaignEventRow(
                event_id=eid,
                kind=str(rec["kind"]),
                campaign_id=str(rec["campaign_id"]),
                time=_ts(rec["time"]),
                detected_at=_ts(rec.get("detected_at")),
                magnitude=_number(rec.get("magnitude")),
                baseline=_number(rec.get("baseline")),
                report_ids=split_ids(rec.get("report_ids")),
                traceback_ids=split_ids(rec.get("traceback_ids")),
                details=json.loads(details) if isinstance(details, str) and details else {},
                run_id=run_id,
                created_at=utcnow(),
            )
        )
        stored.append(eid)
    return stored


def _number(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _store_state(session: Session, state: CampaignState, through: int) -> None:
    row = session.get(CampaignStateRow, _STATE_ID)
    if row is None:
        row = CampaignStateRow(id=_STATE_ID)
        session.add(row)
    row.through_report_pk = through
    row.document = state.document()
    row.pool = json.loads(state.pool_frame().to_json(orient="records"))
    row.updated_at = utcnow()


def _ingest_payload(
    session: Session, events: pd.DataFrame, profiles: pd.DataFrame, hops: pd.DataFrame | None
) -> dict[str, Any]:
    """The alerts ingest job's payload: the events, their campaigns, their reports' states (the
    evidence reports may be of earlier runs, so they are read from the table) and the hop rows of
    their tracebacks (a displacement's providers)."""
    ids = sorted({int(r) for v in events["report_ids"] for r in split_ids(v)})
    states: list[Any] = []
    for lo in range(0, len(ids), 900):
        states += session.execute(
            select(Report.id, Report.consumer_state).where(Report.id.in_(ids[lo : lo + 900]))
        ).all()
    return {
        "events": json.loads(events.to_json(orient="records", date_format="iso")),
        "campaigns": json.loads(
            profiles[profiles["campaign_id"].isin(set(events["campaign_id"]))].to_json(
                orient="records"
            )
        ),
        "reports": [{"report_id": str(pk), "consumer_state": st} for pk, st in states],
        "hops": campaign_tracebacks.alert_hops(
            hops, {t for v in events["traceback_ids"] for t in split_ids(v)}
        ),
    }


def campaign_count(session: Session) -> int:
    """How many campaigns are live (not merged into another)."""
    return int(
        session.scalar(
            select(func.count()).select_from(CampaignRow).where(CampaignRow.merged_into.is_(None))
        )
        or 0
    )
