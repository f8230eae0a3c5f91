"""Tracebacks on the platform: the engine's workflow, kept in the database and run by its jobs.

Each operation rebuilds the engine's :class:`~graphengine.traceback.workflow.Workflow` for one
traceback from its rows (:mod:`graphengine.platform.traceback_models`), applies one transition
there, and writes the requests, the state and (once complete or stalled) the canonical hop rows
back, in the caller's transaction. Every event of the workflow becomes an audit entry
(``traceback.opened``, ``traceback.requested``, ``traceback.answered``, ...).

* **Addressing.** A hop request goes to the organisation whose name is the provider's by the
  identity rules (``Acme Transit Inc.`` = ``ACME TRANSIT, INC``); a provider with no organisation
  on the platform cannot answer, so its request goes overdue.
* **Deadlines.** Each new request queues a ``traceback.deadline`` job at its due time (default
  ``GRAPHENGINE_TRACEBACK_DUE_HOURS`` = 24, or the traceback's own ``due_seconds``). The job marks
  every request past due ``overdue`` (a ``traceback.non_response`` audit entry; the hop row says
  ``No response by the deadline``, which the non-cooperation finding counts). A later answer is
  kept, flagged ``late``.
* **Records.** A carrier's uploaded call records (validated whole) answer its open requests whose
  call time falls in the period they cover; the traceback then goes on by itself, through every
  carrier whose records answer the next hop.
* **Completion.** Complete and stalled tracebacks keep their canonical hop rows; the
  ``traceback.load`` job loads new or changed ones into Neo4j (when ``NEO4J_URI`` is set), and
  :func:`export_hops` writes them all as a hop file for ``graphengine investigate``. A traceback
  opened from a report also queues the campaign job
  (:func:`graphengine.platform.campaign_schedule.schedule`, one queued job for any number of
  tracebacks), which evaluates its campaign's displacement then, not at the next intake.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import secrets
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

import loaders
from graphengine.alerts.rules import split_ids
from graphengine.csvsafe import neutralise_frame
from graphengine.errors import ConfigError, GraphengineError
from graphengine.platform import audit, campaign_schedule, jobs
from graphengine.platform.db import is_sqlite
from graphengine.platform.models import Organization, Report, utcnow
from graphengine.platform.request_window import Window, request_window
from graphengine.platform.settings import state_dir
from graphengine.platform.traceback_models import (
    ENDED_STATES,
    HopRequestRow,
    RecordUpload,
    TracebackRow,
)
from graphengine.store.connection import connect
from graphengine.store.load import load_frames
from graphengine.traceback.records import (
    RecordFileError,
    carrier_key,
    normalise,
    read_record_file,
)
from graphengine.traceback.stitch import HOP_OUTPUT_COLUMNS
from graphengine.traceback.workflow import (
    ANSWER_KINDS,
    Answer,
    HopRequest,
    Traceback,
    Workflow,
    WorkflowError,
    hop_rows,
)

__all__ = [
    "DEADLINE_JOB",
    "LOAD_JOB",
    "RULE_JOB",
    "OPEN_STATES",
    "TracebackError",
    "answer_request",
    "check_deadlines",
    "default_due",
    "export_hops",
    "hop_frame",
    "iso_utc",
    "open_from_campaign_events",
    "open_from_report",
    "open_requests",
    "open_traceback",
    "per_campaign",
    "record_path",
    "request_json",
    "traceback_json",
    "traceback_rows_for_targets",
    "traceback_rows_in_range",
    "upload_records",
]

DEADLINE_JOB = "traceback.deadline"
LOAD_JOB = "traceback.load"
RULE_JOB = "traceback.open_rule"
DUE_ENV = "GRAPHENGINE_TRACEBACK_DUE_HOURS"
PER_CAMPAIGN_ENV = "GRAPHENGINE_TRACEBACK_PER_CAMPAIGN"
#: request states a responder still has to answer
OPEN_STATES = ("requested", "overdue")
#: campaign event kinds that open tracebacks by rule
RULE_EVENT_KINDS = ("new_campaign", "surge")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


class TracebackError(GraphengineError):
    """A traceback operation refused, with the HTTP status that fits (message: one line)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def default_due() -> dt.timedelta:
    """Return the time allowed to answer a hop request (``GRAPHENGINE_TRACEBACK_DUE_HOURS``, 24).

    Raises
    ------
    ConfigError
        When the variable is not a positive number.
    """
    raw = os.environ.get(DUE_ENV, "").strip() or "24"
    try:
        hours = float(raw)
    except ValueError:
        hours = -1.0
    if hours <= 0:
        raise ConfigError(f"{DUE_ENV}={raw!r}: give a positive number of hours")
    return dt.timedelta(hours=hours)


def per_campaign() -> int:
    """Return how many recent reports per new or surging campaign the rule traces (default 3;
    0 turns the rule off)."""
    raw = os.environ.get(PER_CAMPAIGN_ENV, "").strip() or "3"
    if not raw.isdigit():
        raise ConfigError(f"{PER_CAMPAIGN_ENV}={raw!r}: give a whole number (0 turns the rule off)")
    return int(raw)


def record_path(stored_name: str) -> Path:
    """Where an uploaded record file is kept (by its SHA-256, never by its uploaded name)."""
    if not re.fullmatch(r"[0-9a-f]{64}\.(csv|parquet)", stored_name):
        raise TracebackError("bad stored record file name")
    return state_dir() / "records" / stored_name


# ---------------------------------------------------------------------------- workflow <-> rows
def _carrier_orgs(session: Session) -> dict[str, Organization]:
    orgs = session.scalars(select(Organization).where(Organization.kind == "carrier")).all()
    return {carrier_key(o.name): o for o in orgs if carrier_key(o.name)}


def _known(session: Session) -> tuple[list[str], dict[str, str]]:
    """The known providers (carrier organisations first, then every provider named in a request)
    and the countries answers gave."""
    names = [o.name for o in _carrier_orgs(session).values()]
    names += list(session.scalars(select(HopRequestRow.provider).distinct()))
    countries: dict[str, str] = {}
    for key, country in session.execute(
        select(HopRequestRow.upstream_key, HopRequestRow.upstream_country)
        .where(HopRequestRow.upstream_country != "")
        .distinct()
    ):
        countries[key] = country
    return names, countries


def _locked(session: Session, traceback_id: str) -> TracebackRow:
    """The traceback's row, locked until the transaction ends (PostgreSQL: ``FOR UPDATE``; SQLite
    transactions of the writing engine are serial already), with its requests re-read: two
    answers, an upload and the deadline job never advance the same traceback at once."""
    stmt = select(TracebackRow).where(TracebackRow.id == traceback_id)
    if not is_sqlite(session):
        stmt = stmt.with_for_update()
    row = session.scalar(stmt.execution_options(populate_existing=True))
    if row is None:
        raise TracebackError(f"no traceback {traceback_id}", 404)
    return row


@dataclass
class _Run:
    """One traceback's workflow rebuilt from its rows, and what to write back."""

    wf: Workflow
    tb: Traceback
    row: TracebackRow
    reqs: dict[int, HopRequestRow]
    first_event: int
    upload_of_hop: dict[int, int]


def _rebuild(session: Session, row: TracebackRow) -> _Run:
    names, countries = _known(session)
    wf = Workflow(names, due=dt.timedelta(seconds=row.due_seconds))
    wf.countries.update(countries)
    tb = Traceback(
        row.id, row.call_time, row.calling_number, row.called_number, row.campaign, row.state
    )
    reqs = {
        r.hop: r
        for r in session.scalars(
            select(HopRequestRow)
            .where(HopRequestRow.traceback_id == row.id)
            .order_by(HopRequestRow.hop)
            .execution_options(populate_existing=True)
        )
    }
    for r in reqs.values():
        ans = None
        if r.answer_kind:
            ans = Answer(
                r.answer_kind,
                upstream=r.upstream,
                customer=r.customer,
                country=r.upstream_country,
                attestation=r.attestation,
                record_sha256=r.record_sha256 or "",
                by=r.answered_by or "",
            )
        tb.requests.append(
            HopRequest(
                row.id,
                r.hop,
                r.provider,
                r.provider_key,
                r.requested_at,
                r.due_at,
                r.state,
                ans,
                r.answered_at,
                r.upstream_key,
            )
        )
        if r.provider_country != "US":
            wf.countries[r.provider_key] = r.provider_country
    wf.tracebacks[tb.id] = tb
    return _Run(wf, tb, row, reqs, len(wf.events), {})


def _rows_sha256(rows: list[dict[str, Any]]) -> str:
    text = json.dumps(rows, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _save(session: Session, run: _Run, actor: str, now: dt.datetime) -> list[HopRequestRow]:
    """Write the workflow's requests, state, hop rows and events back; return new requests."""
    orgs = _carrier_orgs(session)
    new: list[HopRequestRow] = []
    for req in run.tb.requests:
        r = run.reqs.get(req.hop)
        if r is None:
            org = orgs.get(req.provider_key)
            r = HopRequestRow(
                traceback_id=run.tb.id,
                hop=req.hop,
                provider=req.provider,
                provider_key=req.provider_key,
                provider_country=run.wf.countries.get(req.provider_key, "US"),
                org_id=org.id if org else None,
                requested_at=req.requested_at,
                due_at=req.due_at,
                upstream="",
                upstream_key="",
                upstream_country="",
                customer="",
                attestation="",
                late=False,
                from_records=False,
            )
            session.add(r)
            run.reqs[req.hop] = r
            new.append(r)
        if r.state != req.state and req.state == "overdue":
            r.overdue_at = now
        r.state = req.state
        ans = req.answer
        if ans is not None and r.answer_kind is None:
            r.answer_kind = ans.kind
            r.upstream = ans.upstream.strip()[:200]
            r.upstream_key = req.upstream_key
            r.upstream_country = (ans.country or "").upper()[:2]
            r.customer = ans.customer.strip()[:200]
            r.attestation = (ans.attestation or "").upper()[:1]
            r.answered_by = ans.by or actor
            r.answered_at = req.answered_at
            r.late = req.state == "late_answer"
            r.from_records = req.state == "answered_from_records"
            r.record_sha256 = ans.record_sha256 or None
            r.record_upload_id = run.upload_of_hop.get(req.hop)
    row = run.row
    row.state = run.tb.state
    if row.state in ENDED_STATES:
        rows = json.loads(hop_rows(run.wf, [row.id]).to_json(orient="records"))
        digest = _rows_sha256(rows)
        if digest != row.rows_sha256:
            row.hop_rows, row.rows_sha256, row.ended_at = rows, digest, now
            jobs.enqueue(session, LOAD_JOB, {})
            if row.report_pk is not None:  # the campaign job reads it: displacement, promptly
                campaign_schedule.schedule(session)
    session.flush()
    for ev in run.wf.events[run.first_event :]:
        detail: dict[str, Any] = {"hop": ev.hop, "provider": ev.provider}
        req_row = run.reqs.get(ev.hop)
        if req_row is not None and ev.kind in ("answered", "late_answer", "answered_from_records"):
            detail.update(answer=req_row.answer_kind, upstream=req_row.upstream)
            if req_row.record_sha256:
                detail["record_sha256"] = req_row.record_sha256
        who = "records" if ev.kind == "answered_from_records" else actor
        audit.append(session, who, f"traceback.{ev.kind}", f"traceback:{row.id}", detail)
    run.first_event = len(run.wf.events)
    for r in new:
        jobs.enqueue(session, DEADLINE_JOB, {"request_id": r.id}, due_at=r.due_at)
    return new


def _try_records(session: Session, run: _Run, now: dt.datetime) -> bool:
    """Answer the open request from its carrier's uploads covering the call; True if answered."""
    req = run.tb.current
    if req.state not in OPEN_STATES or run.tb.state in ("complete", "closed"):
        return False
    tol = dt.timedelta(milliseconds=run.wf.tolerance_ms)
    uploads = session.scalars(
        select(RecordUpload)
        .where(
            RecordUpload.carrier_key == req.provider_key,
            RecordUpload.period_start <= run.tb.call_time + tol,
            RecordUpload.period_end >= run.tb.call_time - tol,
        )
        .order_by(RecordUpload.id.desc())
    ).all()
    for up in uploads:
        rf = read_record_file(record_path(up.stored_name), carrier=up.carrier)
        run.wf.records = {req.provider_key: [rf]}
        run.wf.answer_from_records(run.tb.id, now=now)
        if req.state == "answered_from_records":
            run.upload_of_hop[req.hop] = up.id
            up.answered += 1
            return True
    return False


def _advance(session: Session, run: _Run, actor: str, now: dt.datetime) -> None:
    """Save, then keep answering from records while carriers' uploads answer the next hop."""
    _save(session, run, actor, now)
    while _try_records(session, run, now):
        _save(session, run, actor, now)


# ---------------------------------------------------------------------------- opening
def _tb_id() -> str:
    return f"TB-{utcnow():%Y%m%d}-{secrets.token_hex(4).upper()}"


def open_traceback(
    session: Session,
    *,
    actor: str,
    terminating_carrier: str,
    call_time: dt.datetime,
    calling_number: str,
    called_number: str,
    campaign: str = "",
    source: str = "api",
    report_pk: int | None = None,
    due: dt.timedelta | None = None,
    now: dt.datetime | None = None,
) -> TracebackRow:
    """Open a traceback from a suspect call and request hop 0 of the terminating carrier.

    Returns
    -------
    TracebackRow
        The new traceback (its hop 0 request is in the session, answered already when the
        terminating carrier's uploaded records cover the call).

    Raises
    ------
    TracebackError
        400 for a time without zone, a carrier name with no letters, a missing number or a
        due time that is not positive.
    """
    now = now or utcnow()
    due = due or default_due()
    if due <= dt.timedelta(0):
        raise TracebackError("the due time must be positive")
    if not carrier_key(terminating_carrier):
        raise TracebackError("terminating_carrier: give the victim's carrier by name")
    if not (calling_number or "").strip() or not (called_number or "").strip():
        raise TracebackError("calling_number and called_number are both needed to trace a call")
    if call_time.tzinfo is None:
        raise TracebackError("call_time needs a time zone or offset")
    row = TracebackRow(
        id=_tb_id(),
        state="open",
        call_time=call_time.astimezone(dt.UTC),
        calling_number=calling_number.strip()[:64],
        called_number=called_number.strip()[:64],
        campaign=(campaign or "").strip()[:200],
        terminating_carrier=terminating_carrier.strip()[:200],
        source=source,
        report_pk=report_pk,
        due_seconds=max(1, int(due.total_seconds())),
        opened_by=actor,
        opened_at=now,
    )
    session.add(row)
    session.flush()
    run = _rebuild(session, row)
    run.tb.requests.clear()
    del run.wf.tracebacks[row.id]
    try:
        run.tb = run.wf.open(
            row.id,
            row.terminating_carrier,
            row.call_time,
            row.calling_number,
            row.called_number,
            campaign=row.campaign,
            now=now,
        )
    except WorkflowError as exc:
        raise TracebackError(str(exc)) from exc
    run.first_event = 0
    _advance(session, run, actor, now)
    return row


def open_from_report(
    session: Session,
    report_pk: int,
    *,
    actor: str,
    campaign: str = "",
    source: str = "report",
    due: dt.timedelta | None = None,
    now: dt.datetime | None = None,
) -> TracebackRow:
    """Open a traceback from a stored report (its terminating carrier, time and numbers).

    Raises
    ------
    TracebackError
        404 when there is no such report; 400 when it names no terminating carrier or lacks a
        number.
    """
    rep = session.get(Report, report_pk)
    if rep is None:
        raise TracebackError(f"no report {report_pk}", 404)
    if not rep.terminating_carrier:
        raise TracebackError(f"report {report_pk} names no terminating carrier to ask first")
    return open_traceback(
        session,
        actor=actor,
        terminating_carrier=rep.terminating_carrier,
        call_time=rep.call_time,
        calling_number=rep.calling_e164 or rep.calling_number or "",
        called_number=rep.called_e164 or rep.called_number or "",
        campaign=campaign or rep.reported_category or "",
        source=source,
        report_pk=rep.id,
        due=due,
        now=now,
    )


def open_from_campaign_events(
    session: Session,
    events: pd.DataFrame | Sequence[dict[str, Any]],
    *,
    n: int | None = None,
    kinds: Iterable[str] = RULE_EVENT_KINDS,
    actor: str = "rule:campaigns",
    now: dt.datetime | None = None,
) -> list[TracebackRow]:
    """The opening rule: trace the ``n`` most recent reports of each new or surging campaign.

    ``events`` are campaign events in the columns of
    :data:`graphengine.campaigns.EVENT_COLUMNS` (``kind``, ``campaign_id`` and ``report_ids``,
    semicolon-separated report primary keys as the platform's campaign job writes them, are
    used). Reports that name no terminating carrier, or
    that some traceback already started from, are passed over; so running the rule twice on the
    same events opens nothing new.

    Returns
    -------
    list of TracebackRow
        The tracebacks opened, per event in order, newest report first.
    """
    n = per_campaign() if n is None else n
    if n < 1:
        return []
    wanted = set(kinds)
    records = events.to_dict("records") if isinstance(events, pd.DataFrame) else list(events)
    opened: list[TracebackRow] = []
    for ev in records:
        if str(ev.get("kind")) not in wanted:
            continue
        # the platform's campaign events name reports by primary key (reporters' ids clash)
        ids = [int(x) for x in split_ids(ev.get("report_ids")) if x.strip().isdigit()]
        if not ids:
            continue
        traced = select(TracebackRow.report_pk).where(TracebackRow.report_pk.is_not(None))
        candidates = session.scalars(
            select(Report)
            .where(
                Report.id.in_(ids),
                Report.terminating_carrier.is_not(None),
                Report.terminating_carrier != "",
                or_(Report.calling_number.is_not(None), Report.calling_e164.is_not(None)),
                Report.id.not_in(traced),
            )
            .order_by(Report.call_time.desc(), Report.id.desc())
            .limit(n)
        ).all()
        for rep in candidates:
            opened.append(
                open_from_report(
                    session,
                    rep.id,
                    actor=actor,
                    campaign=str(ev.get("campaign_id") or ""),
                    source="rule",
                    now=now,
                )
            )
    return opened


@jobs.handler(RULE_JOB)
def rule_job(session: Session, payload: dict[str, Any]) -> None:
    """Run the opening rule on the campaign events in ``payload["events"]`` (records in
    EVENT_COLUMNS; optional ``n``): what a campaign job enqueues instead of importing this module."""
    n = payload.get("n")
    open_from_campaign_events(
        session, list(payload.get("events") or ()), n=None if n is None else int(n)
    )


# ---------------------------------------------------------------------------- answering
def open_requests(session: Session, org_id: int | None) -> list[tuple[HopRequestRow, TracebackRow]]:
    """The requests still to answer (oldest first): the organisation's only, or all when None."""
    stmt = (
        select(HopRequestRow, TracebackRow)
        .join(TracebackRow, TracebackRow.id == HopRequestRow.traceback_id)
        .where(HopRequestRow.state.in_(OPEN_STATES), TracebackRow.state != "closed")
        .order_by(HopRequestRow.requested_at, HopRequestRow.id)
    )
    if org_id is not None:
        stmt = stmt.where(HopRequestRow.org_id == org_id)
    return [(r, t) for r, t in session.execute(stmt).all()]


def find_request(session: Session, request_id: int, org_id: int | None) -> HopRequestRow:
    """Return the request if the organisation (None: anybody) may see it, else 404."""
    req = session.get(HopRequestRow, request_id)
    if req is None or (org_id is not None and req.org_id != org_id):
        raise TracebackError(f"no hop request {request_id}", 404)
    return req


def answer_request(
    session: Session,
    request_id: int,
    *,
    org_id: int | None,
    actor: str,
    kind: str,
    upstream: str = "",
    customer: str = "",
    country: str = "",
    attestation: str = "",
    now: dt.datetime | None = None,
) -> tuple[HopRequestRow, HopRequestRow | None]:
    """Record a responder's answer; return the request and the next one (if the answer opened one).

    Raises
    ------
    TracebackError
        404 for a request of another organisation (or none); 409 when it is no longer open;
        400 for an unknown kind, a missing upstream name or a bad country code.
    """
    now = now or utcnow()
    req = find_request(session, request_id, org_id)
    if kind not in ANSWER_KINDS:
        raise TracebackError(f"answer kind {kind!r}: use one of {', '.join(ANSWER_KINDS)}")
    country = (country or "").strip().upper()
    if kind == "foreign_upstream" and not re.fullmatch(r"[A-Z]{2}", country):
        raise TracebackError("a foreign upstream needs its two-letter ISO country (e.g. PH)")
    if kind == "foreign_upstream" and country == "US":
        raise TracebackError("a foreign upstream's country cannot be US; answer 'upstream'")
    if len(upstream.strip()) > 200 or len(customer.strip()) > 200:
        raise TracebackError("a provider or customer name is at most 200 characters")
    attestation = (attestation or "").strip().upper()
    if attestation not in ("", "A", "B", "C"):
        raise TracebackError("attestation must be A, B or C (or empty)")
    row = _locked(session, req.traceback_id)
    run = _rebuild(session, row)
    if req.state not in OPEN_STATES or run.tb.current.hop != req.hop or row.state == "closed":
        raise TracebackError(f"hop request {request_id} is {req.state}; it takes no answer", 409)
    try:
        run.wf.answer(
            row.id,
            req.hop,
            Answer(
                kind,
                upstream=upstream,
                customer=customer,
                country=country,
                attestation=attestation,
                by=actor,
            ),
            now=now,
        )
    except WorkflowError as exc:
        raise TracebackError(str(exc)) from exc
    _advance(session, run, actor, now)
    nxt = run.reqs.get(req.hop + 1)
    return req, nxt


# ---------------------------------------------------------------------------- deadlines
def check_deadlines(session: Session, now: dt.datetime | None = None) -> list[HopRequestRow]:
    """Mark every request past its due time ``overdue`` (one non-response event each).

    Returns
    -------
    list of HopRequestRow
        The requests that went overdue in this call (none on a second call: idempotent).
    """
    now = now or utcnow()
    late = session.scalars(
        select(HopRequestRow)
        .join(TracebackRow, TracebackRow.id == HopRequestRow.traceback_id)
        .where(
            HopRequestRow.state == "requested",
            HopRequestRow.due_at < now,
            TracebackRow.state.in_(("open", "in_progress")),
        )
        .order_by(HopRequestRow.due_at, HopRequestRow.id)
    ).all()
    out = []
    for req in late:
        row = _locked(session, req.traceback_id)
        run = _rebuild(session, row)
        if run.wf.check_deadlines(now):
            _save(session, run, "job:traceback.deadline", now)
            out.append(req)
    return out


@jobs.handler(DEADLINE_JOB)
def deadline_job(session: Session, payload: dict[str, Any]) -> None:
    """Run when a request falls due: mark whatever is past due overdue (idempotent)."""
    check_deadlines(session)


# ---------------------------------------------------------------------------- records
def _display_name(filename: str) -> str:
    base = Path(filename.replace("\\", "/")).name
    return (_SAFE_NAME.sub("_", base).strip("._") or "upload")[:100]


def upload_records(
    session: Session,
    org: Organization,
    data: bytes,
    filename: str,
    *,
    actor: str,
    now: dt.datetime | None = None,
) -> tuple[RecordUpload, list[HopRequestRow]]:
    """Validate a carrier's call-record file whole, store it, and answer its open requests.

    The file is kept as ``records/<sha256>.<format>``; the uploaded name only appears in error
    messages. Requests to this carrier whose call falls in the period the records cover are
    answered from them, and each traceback then goes on by itself.

    Returns
    -------
    (RecordUpload, list of HopRequestRow)
        The upload and the requests answered from records (this carrier's and any upstream
        carrier's that the chain reached).

    Raises
    ------
    TracebackError
        403 when the organisation is not a carrier; 415 for a file that is neither .csv nor
        .parquet; 422 for a refused file (its name, line and reason; nothing is stored).
    """
    now = now or utcnow()
    if org.kind != "carrier":
        raise TracebackError("only carriers upload call records", 403)
    shown = _display_name(filename)
    suffix = Path(shown).suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise TracebackError(f"{shown}: call records must be a .csv or .parquet file", 415)
    with tempfile.TemporaryDirectory(prefix="ge-records-") as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(data)
        try:
            rf = read_record_file(path, carrier=org.name)
            times = normalise([rf])["t_ms"]
        except RecordFileError as exc:
            raise TracebackError(str(exc).replace(str(path), shown), 422) from exc
    stored = f"{rf.sha256}.{suffix[1:]}"
    target = record_path(stored)
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():  # content-addressed: the same file twice is kept once
        part = target.with_suffix(".part")
        part.write_bytes(data)
        part.replace(target)
    upload = RecordUpload(
        org_id=org.id,
        carrier=rf.carrier,
        carrier_key=rf.carrier_key,
        period_start=dt.datetime.fromtimestamp(int(times.min()) / 1000, dt.UTC),
        period_end=dt.datetime.fromtimestamp(int(times.max()) / 1000, dt.UTC),
        rows=len(rf.raw),
        file_format=suffix[1:],
        file_sha256=rf.sha256,
        stored_name=stored,
        uploaded_by=actor,
        uploaded_at=now,
        answered=0,
    )
    session.add(upload)
    session.flush()
    audit.append(
        session,
        actor,
        "records.upload",
        f"record_upload:{upload.id}",
        {
            "carrier": rf.carrier,
            "sha256": rf.sha256,
            "rows": upload.rows,
            "period": [upload.period_start.isoformat(), upload.period_end.isoformat()],
        },
    )
    waiting = session.scalars(
        select(HopRequestRow)
        .where(HopRequestRow.provider_key == rf.carrier_key, HopRequestRow.state.in_(OPEN_STATES))
        .order_by(HopRequestRow.id)
    ).all()
    answered: list[HopRequestRow] = []
    for req in waiting:
        row = _locked(session, req.traceback_id)
        run = _rebuild(session, row)
        if run.tb.current.hop != req.hop or row.state in ("complete", "closed"):
            continue
        before = {h for h, r in run.reqs.items() if r.from_records}
        while _try_records(session, run, now):
            _save(session, run, actor, now)
        answered += [r for h, r in sorted(run.reqs.items()) if r.from_records and h not in before]
    return upload, answered


# ---------------------------------------------------------------------------- hop rows
def hop_frame(
    session: Session, ids: Iterable[str] | None = None, window: Window = (None, None)
) -> pd.DataFrame:
    """Return the stored hop rows of complete and stalled tracebacks (all, or those of ``ids``;
    those whose call is in ``window``, see :mod:`.request_window`), in
    :data:`~graphengine.traceback.stitch.HOP_OUTPUT_COLUMNS`, by traceback id then hop."""
    stmt = select(TracebackRow).where(
        TracebackRow.state.in_(ENDED_STATES), TracebackRow.hop_rows.is_not(None)
    )
    if ids is not None:
        stmt = stmt.where(TracebackRow.id.in_(list(ids)))
    # the traceback's own call time: its hop rows carry the same time, cut to whole seconds
    start, end = window
    if start is not None:
        stmt = stmt.where(TracebackRow.call_time >= start)
    if end is not None:
        stmt = stmt.where(TracebackRow.call_time < end)
    rows: list[dict[str, Any]] = []
    for tb in session.scalars(stmt.order_by(TracebackRow.id)):
        rows += tb.hop_rows or ()
    frame = pd.DataFrame(rows, columns=list(HOP_OUTPUT_COLUMNS)).fillna("")
    return frame.astype({"hop": "int64"})


def export_hops(session: Session, out: str | Path) -> tuple[int, int, str]:
    """Write every stored hop row as a CSV hop file ``investigate`` reads; return
    ``(hops, tracebacks, sha256 of the file)``. The file is written whole or not at all."""
    frame = hop_frame(session)
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    frame.to_csv(part, index=False)
    part.replace(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    audit.append(
        session,
        "cli",
        "traceback.export",
        "hops",
        {"hops": len(frame), "tracebacks": int(frame["traceback_id"].nunique()), "sha256": digest},
    )
    return len(frame), int(frame["traceback_id"].nunique()), digest


def traceback_rows_in_range(
    session: Session,
    *,
    providers: Sequence[str] = (),
    campaigns: Sequence[str] = (),
    traceback_ids: Sequence[str] = (),
    window: Window = (None, None),
) -> pd.DataFrame:
    """The platform's traceback hop rows for a legal request's targets.

    A traceback is in when its call falls in ``window`` (start inclusive, end exclusive, UTC;
    open ends when None: see :mod:`.request_window`, filtered in SQL) and it is named, is of a
    named campaign, or has a hop at a named provider (compared by the identity rules). No target
    at all selects nothing.
    """
    frame = hop_frame(session, window=window)
    if frame.empty:
        return frame
    keys = {carrier_key(p) for p in providers} - {""}
    hit_ids = set(traceback_ids)
    hit_ids |= set(frame.loc[frame["campaign"].isin(set(campaigns)), "traceback_id"])
    if keys:
        pk = frame["provider"].map(carrier_key)
        hit_ids |= set(frame.loc[pk.isin(keys), "traceback_id"])
    return frame[frame["traceback_id"].isin(hit_ids)].reset_index(drop=True)


def traceback_rows_for_targets(session: Session, targets: dict[str, Any]) -> pd.DataFrame:
    """The traceback hop rows in range of a legal request's ``targets`` (its JSON: providers,
    campaigns, traceback_ids, date_from, date_to as ISO days), CSV-safe for a response package."""
    frame = traceback_rows_in_range(
        session,
        providers=list(targets.get("providers") or ()),
        campaigns=list(targets.get("campaigns") or ()),
        traceback_ids=list(targets.get("traceback_ids") or ()),
        window=request_window(targets),
    )
    return neutralise_frame(frame)


# ---------------------------------------------------------------------------- neo4j load
def _pending(engine: Any) -> list[tuple[str, str]]:
    with Session(engine) as reader:
        return [
            (i, s)
            for i, s in reader.execute(
                select(TracebackRow.id, TracebackRow.rows_sha256).where(
                    TracebackRow.rows_sha256.is_not(None),
                    or_(
                        TracebackRow.loaded_sha256.is_(None),
                        TracebackRow.loaded_sha256 != TracebackRow.rows_sha256,
                    ),
                )
            ).all()
            if s is not None
        ]


def load_pending(session: Session) -> int:
    """Load complete and stalled tracebacks not yet in Neo4j (or changed) with the store's loader;
    return how many. Nothing happens (0) when ``NEO4J_URI`` is not set.

    The rows are read in a short transaction of their own and loaded with no database lock held;
    ``session`` only records what was loaded.
    """
    if not os.environ.get("NEO4J_URI"):
        return 0
    pending = _pending(session.get_bind())
    if not pending:
        return 0
    with Session(session.get_bind()) as reader:
        frame = hop_frame(reader, [i for i, _ in pending])
    with tempfile.TemporaryDirectory(prefix="ge-tb-load-") as tmp:
        path = Path(tmp) / "platform_hops.csv"
        frame.to_csv(path, index=False)
        loaded = loaders.load_inputs([path])
    with connect() as driver:
        load_frames(driver, loaded.hops, loaded.providers, progress=False)
    for tid, digest in pending:
        row = session.get(TracebackRow, tid)
        if row is not None and row.rows_sha256 == digest:
            row.loaded_sha256 = digest
    audit.append(
        session,
        "job:traceback.load",
        "traceback.load_neo4j",
        "neo4j",
        {"tracebacks": len(pending), "hops": len(frame)},
    )
    return len(pending)


@jobs.handler(LOAD_JOB)
def load_job(session: Session, payload: dict[str, Any]) -> None:
    """Load new and changed hop rows into Neo4j (idempotent: the loader skips unchanged ones)."""
    load_pending(session)


# ---------------------------------------------------------------------------- JSON
def iso_utc(t: dt.datetime | None) -> str | None:
    """Return ``t`` as ISO 8601 in UTC with a ``Z`` (None for None)."""
    return None if t is None else t.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def request_json(req: HopRequestRow, tb: TracebackRow) -> dict[str, Any]:
    """One hop request as the responder sees it (the call to look up, and the downstream)."""
    return {
        "id": req.id,
        "traceback_id": tb.id,
        "hop": req.hop,
        "provider": req.provider,
        "state": req.state,
        "requested_at": iso_utc(req.requested_at),
        "due_at": iso_utc(req.due_at),
        "call_time": iso_utc(tb.call_time),
        "calling_number": tb.calling_number,
        "called_number": tb.called_number,
        "campaign": tb.campaign,
        "answer": req.answer_kind,
        "upstream": req.upstream or None,
        "customer": req.customer or None,
        "late": req.late,
        "from_records": req.from_records,
        "record_sha256": req.record_sha256,
    }


def traceback_json(session: Session, tb: TracebackRow) -> dict[str, Any]:
    """One traceback with its requests, for analysts."""
    reqs = session.scalars(
        select(HopRequestRow).where(HopRequestRow.traceback_id == tb.id).order_by(HopRequestRow.hop)
    ).all()
    return {
        "id": tb.id,
        "state": tb.state,
        "source": tb.source,
        "report": tb.report_pk,
        "campaign": tb.campaign,
        "call_time": iso_utc(tb.call_time),
        "terminating_carrier": tb.terminating_carrier,
        "opened_at": iso_utc(tb.opened_at),
        "ended_at": iso_utc(tb.ended_at),
        "in_neo4j": tb.rows_sha256 is not None and tb.loaded_sha256 == tb.rows_sha256,
        "requests": [request_json(r, tb) for r in reqs],
        "hops": tb.hop_rows or [],
    }


def count_tracebacks(session: Session) -> int:
    """How many tracebacks are stored."""
    return int(session.scalar(select(func.count()).select_from(TracebackRow)) or 0)
