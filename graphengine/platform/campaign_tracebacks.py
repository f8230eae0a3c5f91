"""The platform's own tracebacks as the campaign job's displacement evidence.

The campaign job (:mod:`graphengine.platform.campaign_service`) hands the engine's
:func:`~graphengine.campaigns.update_campaigns` a reader (:func:`hop_reader`) that it calls once
the run's reports are assigned. The reader returns the canonical hop rows of the complete and
stalled tracebacks (:attr:`TracebackRow.hop_rows`) of the campaigns the run *touched*, each row
with the ``report_id`` the campaign state uses on the platform: the report's primary key as text
(``traceback.report_pk``, the report the traceback was opened from).

A campaign is touched when

* it gained members in this run, or merged with another one;
* or one of its tracebacks ended (or its hop rows changed: a late answer) since the previous run
  started, less :data:`MARGIN` (a traceback that ended while that run read is taken again; the
  events are emitted once, so a second look costs nothing).

A run with no new report (queued by a traceback that ended: see
:mod:`graphengine.platform.campaign_schedule`) touches only the second kind; when no traceback
of a campaign member ended in that window (:func:`ended_since`) it does nothing at all.

Every complete or stalled traceback of a touched campaign is read, so the engine's displacement
detector sees each such campaign's whole traceback history; an untouched campaign's tracebacks
are unchanged since an earlier run looked at them, so it cannot have a new displacement. A run
therefore reads the tracebacks of a few campaigns, never the whole table (except the first run,
where every campaign is new).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from graphengine.campaigns import CampaignState
from graphengine.platform.campaign_models import CampaignMember
from graphengine.platform.traceback_models import ENDED_STATES, TracebackRow
from graphengine.traceback.records import carrier_key
from graphengine.traceback.stitch import HOP_OUTPUT_COLUMNS

__all__ = ["MARGIN", "HOP_COLUMNS", "alert_hops", "ended_since", "hop_reader", "touched"]

#: how far before the previous run's start an ended traceback still counts as new (commit lag)
MARGIN = dt.timedelta(minutes=10)
#: the reader's columns: the canonical hop table and the report the traceback came from
HOP_COLUMNS = (*HOP_OUTPUT_COLUMNS, "report_id")
_CHUNK = 900  # bound parameters per IN (...), under SQLite's limit


def touched(state: CampaignState, known: set[str], aliases_before: dict[str, str]) -> set[str]:
    """The live campaigns that gained members (reports not in ``known``) or merged in this run."""
    out = {state.resolve(c) for r, c in state.members.items() if r not in known}
    out |= {state.resolve(old) for old in state.aliases if old not in aliases_before}
    return out


def _ended(stmt: Any) -> Any:
    return stmt.where(
        TracebackRow.state.in_(ENDED_STATES),
        TracebackRow.hop_rows.is_not(None),
        TracebackRow.report_pk.is_not(None),
    )


def ended_since(session: Session, since: dt.datetime | None) -> bool:
    """True when a traceback of a campaign member ended (or changed its hop rows) at or after
    ``since`` (the previous run's start) less :data:`MARGIN`, or ``since`` is None: what makes a
    campaign run with no new report worth running. One probe of the ``ended_at`` index."""
    if since is None:
        return True
    stmt = (
        _ended(select(TracebackRow.id))
        .join(CampaignMember, CampaignMember.report_pk == TracebackRow.report_pk)
        .where(TracebackRow.ended_at >= since - MARGIN)
        .limit(1)
    )
    return session.scalar(stmt) is not None


def _rows(session: Session, stmt: Any) -> list[dict[str, Any]]:
    out = []
    for tid, pk, rows in session.execute(stmt):
        out += [{**r, "traceback_id": tid, "report_id": str(pk)} for r in rows or ()]
    return out


def read_hops(
    session: Session,
    state: CampaignState,
    campaigns: set[str],
    *,
    after_pk: int,
    since: dt.datetime | None,
) -> pd.DataFrame:
    """Hop rows (:data:`HOP_COLUMNS`) of the ended tracebacks of ``campaigns``, of the campaigns
    of tracebacks ended at or after ``since`` (None: none), and of reports above ``after_pk``
    (this run's, not stored as members yet); ordered by traceback id, then hop."""
    campaigns = set(campaigns)
    if since is not None:
        recent = session.scalars(
            _ended(select(TracebackRow.report_pk)).where(TracebackRow.ended_at >= since)
        )
        for pk in recent:
            cid = state.members.get(str(pk))
            if cid is not None:
                campaigns.add(state.resolve(cid))
    if not campaigns:
        return pd.DataFrame(columns=list(HOP_COLUMNS))
    # stored members carry the ids of before this run: those that merged since resolve to a
    # touched campaign too
    stored = sorted(c for c in (*state.campaigns, *state.aliases) if state.resolve(c) in campaigns)
    base = _ended(select(TracebackRow.id, TracebackRow.report_pk, TracebackRow.hop_rows))
    rows: dict[str, list[dict[str, Any]]] = {}
    for lo in range(0, len(stored), _CHUNK):
        stmt = base.join(CampaignMember, CampaignMember.report_pk == TracebackRow.report_pk).where(
            CampaignMember.campaign_id.in_(stored[lo : lo + _CHUNK])
        )
        for r in _rows(session, stmt):
            rows.setdefault(r["traceback_id"], []).append(r)
    for r in _rows(session, base.where(TracebackRow.report_pk > after_pk)):
        cid = state.members.get(r["report_id"])
        if cid is not None and state.resolve(cid) in campaigns:
            rows.setdefault(r["traceback_id"], []).append(r)
    flat = [r for tid in sorted(rows) for r in _dedupe(rows[tid])]
    frame = pd.DataFrame(flat, columns=list(HOP_COLUMNS)).fillna("")
    return frame.astype({"hop": "int64"})


def _dedupe(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One copy of each hop (a traceback can be read by both queries)."""
    seen: dict[int, dict[str, Any]] = {}
    for r in rows:
        seen.setdefault(int(r["hop"]), r)
    return [seen[h] for h in sorted(seen)]


def hop_reader(
    engine: Any,
    *,
    known: set[str],
    aliases_before: dict[str, str],
    after_pk: int,
    since: dt.datetime | None,
    keep: dict[str, pd.DataFrame] | None = None,
) -> Callable[[CampaignState], pd.DataFrame]:
    """The ``tracebacks`` argument of ``update_campaigns`` for one run (see the module docstring).

    ``known`` are the members before the run, ``aliases_before`` the merges before it,
    ``after_pk`` the run's first report key less one, ``since`` the previous run's start (None on
    the first run). The reader uses a short session of its own; the frame it returns is also left
    in ``keep["hops"]`` for the alerts' payload.
    """

    def read(state: CampaignState) -> pd.DataFrame:
        with Session(engine) as session:
            frame = read_hops(
                session,
                state,
                touched(state, known, aliases_before),
                after_pk=after_pk,
                since=None if since is None else since - MARGIN,
            )
        if keep is not None:
            keep["hops"] = frame
        return frame

    return read


def alert_hops(hops: pd.DataFrame | None, traceback_ids: Iterable[str]) -> list[dict[str, Any]]:
    """The hop rows of ``traceback_ids`` with their ``provider_key``, as JSON records for the
    alerts ingest job (the providers in a displacement alert's paths)."""
    ids = set(traceback_ids)
    if hops is None or hops.empty or not ids:
        return []
    sub = hops[hops["traceback_id"].isin(ids)].drop(columns=["report_id"])
    sub = sub.assign(provider_key=sub["provider"].map(carrier_key))
    return list(json.loads(sub.to_json(orient="records")))
