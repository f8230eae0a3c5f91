"""The legal-process portal's work: take a request in, move it through review, answer it.

Statuses: ``submitted`` -> ``under_review`` -> ``accepted`` / ``rejected`` / ``changes_requested``;
``withdrawn`` by the agency while the request is open. Accepting queues a ``legal.package`` job
(:func:`package_job`): while it waits or runs the request stays ``accepted`` (the package is being
prepared); it ends ``fulfilled`` once the package is built, or ``package_failed`` with the reason
in the audit trail, from where a reviewer's :func:`retry_package` queues it again. A request is
*overdue* when its due date has passed and it is still open.

Documents must be real PDFs (sniffed by their first bytes, whatever the file is called), at most
:func:`max_document_bytes`, and are stored as ``documents/<sha256>.pdf`` under the state folder.
The response package is an evidence bundle (``manifest.json`` with the SHA-256 of every file, as
``graphengine evidence verify`` checks) zipped to ``packages/<sha256>.zip``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine, or_, select
from sqlalchemy.orm import Session

from graphengine.alerts.webhooks import deliver
from graphengine.csvsafe import neutralise_frame
from graphengine.errors import ConfigError, GraphengineError
from graphengine.export.bundle import sha256_file, write_manifest, zip_folder
from graphengine.platform import audit, jobs
from graphengine.platform.alert_models import AlertRow, AlertSubscription
from graphengine.platform.db import is_sqlite, make_engine, session_factory, session_scope
from graphengine.platform.legal_models import REQUEST_TYPES, LegalRequest, OutboxMessage
from graphengine.platform.mail import queue_message
from graphengine.platform.models import AuditEntry, Organization, Report, User, utcnow
from graphengine.platform.package_evidence import load_evidence, write_target_bundles
from graphengine.platform.request_window import request_window
from graphengine.platform.settings import state_dir
from graphengine.platform.traceback_service import traceback_rows_for_targets

__all__ = [
    "RequestError",
    "build_package",
    "create_request",
    "document_path",
    "max_document_bytes",
    "package_failure",
    "package_job",
    "package_path",
    "retry_package",
    "review",
    "sniff_pdf",
    "withdraw",
]

NOTIFY_JOB = "legal.notify"
PACKAGE_JOB = "legal.package"
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:+-]{0,99}$")
_ID_RULE = "letters, digits, . _ : + -"
# providers and campaigns are named as people print them ("Falcon Gateway", "SSA imposter"):
# spaces and a little punctuation, never a slash, comma or control character
_NAME = re.compile(r"^[^\W_][\w .&'()+:-]{0,199}$")
_NAME_RULE = "letters, digits, spaces, . _ & ' ( ) + : -"
MAX_TARGETS = 200
REPORT_ROWS = 50_000
OPEN = ("submitted", "under_review", "changes_requested")
ACTIONS = {
    "start_review": (("submitted", "changes_requested"), "under_review"),
    "accept": (("submitted", "under_review"), "accepted"),
    "reject": (("submitted", "under_review"), "rejected"),
    "request_changes": (("submitted", "under_review"), "changes_requested"),
}


class RequestError(ValueError):
    """A request or an action on it was refused; the message says why (shown to the user)."""


def max_document_bytes() -> int:
    """The largest document accepted (``GRAPHENGINE_MAX_DOCUMENT_BYTES``, default 10 MiB)."""
    return int(os.environ.get("GRAPHENGINE_MAX_DOCUMENT_BYTES") or 10 * 1024 * 1024)


def sniff_pdf(data: bytes) -> None:
    """Raise :class:`RequestError` unless ``data`` is a PDF by content (``%PDF-`` ... ``%%EOF``)."""
    if not data:
        raise RequestError("the document is empty")
    if len(data) > max_document_bytes():
        # the upload is read only up to the limit + 1 byte, so its full size is unknown here
        raise RequestError(f"the document is larger than the limit of {max_document_bytes()} bytes")
    if not data.startswith(b"%PDF-"):
        raise RequestError("the document is not a PDF (it does not start with %PDF-)")
    if b"%%EOF" not in data[-2048:]:
        raise RequestError("the document is not a complete PDF (no %%EOF at its end)")


def document_path(sha256: str) -> Path:
    """Where the document with this SHA-256 is kept (the name is never the uploaded one)."""
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise RequestError("bad document hash")
    return state_dir() / "documents" / f"{sha256}.pdf"


def package_path(sha256: str) -> Path:
    """Where the response package with this SHA-256 is kept."""
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise RequestError("bad package hash")
    return state_dir() / "packages" / f"{sha256}.zip"


def _ids(
    values: list[str], what: str, pattern: re.Pattern[str] = _ID, rule: str = _ID_RULE
) -> list[str]:
    out = sorted({v.strip() for v in values if v.strip()})
    for v in out:
        if not pattern.match(v):
            raise RequestError(f"{what} {v[:40]!r} is not a valid id ({rule})")
    return out


def _date(value: str, what: str) -> dt.date | None:
    if not value.strip():
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise RequestError(f"{what} {value[:20]!r} is not a date (YYYY-MM-DD)") from None


def parse_targets(
    providers: list[str],
    campaigns: list[str],
    traceback_ids: list[str],
    date_from: str,
    date_to: str,
) -> dict[str, Any]:
    """Return the request's targets, checked; raise :class:`RequestError` with the reason."""
    targets: dict[str, Any] = {
        "providers": _ids(providers, "provider", _NAME, _NAME_RULE),
        "campaigns": _ids(campaigns, "campaign", _NAME, _NAME_RULE),
        "traceback_ids": _ids(traceback_ids, "traceback id"),
    }
    start, end = _date(date_from, "date from"), _date(date_to, "date to")
    if start and end and start > end:
        raise RequestError("the date range ends before it starts")
    targets["date_from"] = start.isoformat() if start else None
    targets["date_to"] = end.isoformat() if end else None
    count = sum(len(targets[k]) for k in ("providers", "campaigns", "traceback_ids"))
    if count == 0 and not (start and end):
        raise RequestError("name at least one target: a provider, campaign, traceback id or dates")
    if count > MAX_TARGETS:
        raise RequestError(f"{count} targets; at most {MAX_TARGETS} per request")
    return targets


def create_request(
    session: Session,
    user: User,
    *,
    request_type: str,
    authority: str,
    case_number: str,
    document: bytes,
    targets: dict[str, Any],
    due_date: str,
    alert_id: str | None = None,
) -> LegalRequest:
    """Store the document and the request (status ``submitted``); return it.

    Raises
    ------
    RequestError
        When a field is missing or malformed, or the document is not a PDF within the limit.
    """
    if request_type not in REQUEST_TYPES:
        raise RequestError(f"request type must be one of {', '.join(REQUEST_TYPES)}")
    authority, case_number = authority.strip(), case_number.strip()
    if not authority or len(authority) > 200:
        raise RequestError("the issuing authority is required (at most 200 characters)")
    if not case_number or len(case_number) > 100:
        raise RequestError("the case number is required (at most 100 characters)")
    due = _date(due_date, "due date")
    if due is None:
        raise RequestError("the due date is required")
    sniff_pdf(document)
    import hashlib

    digest = hashlib.sha256(document).hexdigest()
    path = document_path(digest)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        tmp = path.with_suffix(".part")
        tmp.write_bytes(document)
        tmp.replace(path)
    if alert_id and session.get(AlertRow, alert_id) is None:
        alert_id = None
    req = LegalRequest(
        org_id=user.org_id,
        created_by=user.id,
        request_type=request_type,
        authority=authority,
        case_number=case_number,
        document_sha256=digest,
        document_bytes=len(document),
        targets=targets,
        due_date=due,
        alert_id=alert_id,
        status="submitted",
        created_at=utcnow(),
        updated_at=utcnow(),
    )
    session.add(req)
    session.flush()
    audit.append(
        session,
        f"user:{user.username}",
        "request.submit",
        f"request:{req.id}",
        {"type": request_type, "document_sha256": digest, "alert": alert_id},
    )
    return req


def withdraw(session: Session, req: LegalRequest, actor: str) -> None:
    """The agency withdraws an open request (raises :class:`RequestError` otherwise)."""
    if req.status not in OPEN:
        raise RequestError(f"a request that is {req.status.replace('_', ' ')} cannot be withdrawn")
    req.status, req.updated_at = "withdrawn", utcnow()
    audit.append(session, actor, "request.withdraw", f"request:{req.id}")


def review(session: Session, req: LegalRequest, actor: str, action: str, reason: str) -> None:
    """Apply a reviewer's action (with its reason); accepting queues the package's job.

    Raises
    ------
    RequestError
        When the action is unknown, has no reason, or does not apply to the request's status.
    """
    if action not in ACTIONS:
        raise RequestError(f"unknown action; one of {', '.join(ACTIONS)}")
    allowed, new = ACTIONS[action]
    reason = reason.strip()
    if action != "start_review" and not reason:
        raise RequestError("give the reason for this decision")
    if req.status not in allowed:
        raise RequestError(
            f"a request that is {req.status.replace('_', ' ')} cannot be given '{action}'"
        )
    req.status, req.reason, req.updated_at = new, reason or req.reason, utcnow()
    audit.append(session, actor, f"request.{action}", f"request:{req.id}", {"reason": reason})
    if action == "accept":
        # built by the job runner, not in the reviewer's request: a large package takes minutes
        _queue_package(session, req)
    elif action in ("reject", "request_changes"):
        notify(session, req, f"{new.replace('_', ' ')}: {reason}")


def _queue_package(session: Session, req: LegalRequest) -> None:
    # one attempt: a failure is shown on the request and a reviewer retries it (retry_package)
    jobs.enqueue(session, PACKAGE_JOB, {"request_id": req.id}, max_attempts=1)


def retry_package(session: Session, req: LegalRequest, actor: str) -> None:
    """Queue the package of a request whose build failed again (audited).

    Raises
    ------
    RequestError
        When the request's package is built, being prepared, or the request was never accepted.
    """
    if req.status == "fulfilled":
        raise RequestError("the response package is already built; there is nothing to retry")
    if req.status == "accepted":
        raise RequestError("the response package is being prepared; wait for it to finish")
    if req.status != "package_failed":
        raise RequestError(
            f"a request that is {req.status.replace('_', ' ')} has no response package to retry"
        )
    req.status, req.updated_at = "accepted", utcnow()
    audit.append(session, actor, "request.package_retry", f"request:{req.id}")
    _queue_package(session, req)


def package_failure(exc: BaseException) -> str:
    """Return the one line a reviewer reads when building a package raised ``exc``."""
    if isinstance(exc, OSError):
        where = f" ({exc.filename})" if exc.filename else ""
        what = f"the package could not be written on the server: {exc.strerror or exc}{where}"
    elif isinstance(exc, GraphengineError):  # a setting or the engine's data (one line already)
        what = f"the engine's evidence could not be read: {exc}"
    else:
        what = f"building the package failed: {type(exc).__name__}: {exc}"
    return (what.splitlines() or [what])[0][:300]


def package_error(session: Session, req: LegalRequest) -> str | None:
    """The reason of the last failed build of ``req`` while it is ``package_failed``, else None."""
    if req.status != "package_failed":
        return None
    detail = session.scalar(
        select(AuditEntry.detail)
        .where(
            AuditEntry.target == f"request:{req.id}",
            AuditEntry.action == "request.package_failed",
        )
        .order_by(AuditEntry.seq.desc())
        .limit(1)
    )
    return str((detail or {}).get("error") or "") or None


@jobs.handler(PACKAGE_JOB)
def package_job(session: Session, payload: dict[str, Any]) -> None:
    """Build the package of an accepted request and mark it fulfilled (audited, notified).

    The package is read in a transaction that takes no write lock (SQLite: plain ``BEGIN``), so
    other writers go on while it is built; the job's own session writes only the outcome. Run
    again on a request that is no longer ``accepted`` (built, withdrawn), it does nothing.

    Raises
    ------
    RuntimeError
        When building failed: the request is first marked ``package_failed`` with the reason
        (:func:`package_failure`) and the failure audited, in a transaction of its own.
    """
    req_id = int(payload["request_id"])
    bind = session.get_bind()
    assert isinstance(bind, Engine)  # the job runner's sessions come from an engine's factory
    sqlite = is_sqlite(session)
    read_bind = make_engine(str(bind.url), immediate=False) if sqlite else bind
    failure: Exception | None = None
    try:
        with Session(read_bind) as reader:
            req = reader.get(LegalRequest, req_id)
            if req is None or req.status != "accepted":
                return
            try:
                digest = build_package(reader, req)
            except Exception as exc:  # any failure is the request's to show, then the job's
                failure = exc
    finally:
        if sqlite:
            read_bind.dispose()
    if failure is not None:
        reason = package_failure(failure)
        # the job's session rolls back when this raises: record the failure in one of its own
        with session_scope(session_factory(bind)) as ws:
            req = ws.get(LegalRequest, req_id)
            if req is not None and req.status == "accepted":
                req.status, req.updated_at = "package_failed", utcnow()
                audit.append(
                    ws, "system", "request.package_failed", f"request:{req_id}", {"error": reason}
                )
        raise RuntimeError(reason) from failure
    req = session.get(LegalRequest, req_id)
    if req is None or req.status != "accepted":
        return
    req.package_sha256, req.status, req.updated_at = digest, "fulfilled", utcnow()
    audit.append(session, "system", "request.fulfil", f"request:{req.id}", {"package": digest})
    notify(session, req, "fulfilled: the response package is ready to download")


def notify(session: Session, req: LegalRequest, what: str) -> None:
    """Queue an email-ready notice to each person of the agency and a webhook to its hooks."""
    org = session.get(Organization, req.org_id)
    assert org is not None
    subject = f"Request {req.id} ({req.case_number}) {what.split(':')[0]}"
    body = (
        f"Your {req.request_type.replace('_', ' ')} {req.case_number} (request {req.id}) is {what}.\n"
        f"Open the portal at /requests/{req.id} to see it."
    )
    people = session.scalars(select(User).where(User.org_id == org.id, User.active)).all()
    for person in people:
        message = OutboxMessage(
            org_id=org.id,
            to_address=person.username,
            subject=subject,
            body=body,
            created_at=utcnow(),
        )
        session.add(message)
        session.flush()
        queue_message(session, message)  # sent over SMTP when a relay is configured
    hooks = session.scalars(
        select(AlertSubscription).where(
            AlertSubscription.org_id == org.id,
            AlertSubscription.active,
            AlertSubscription.webhook_url.is_not(None),
        )
    ).all()
    for sub in hooks:
        jobs.enqueue(
            session,
            NOTIFY_JOB,
            {"subscription_id": sub.id, "request_id": req.id, "status": req.status},
        )


@jobs.handler(NOTIFY_JOB)
def notify_job(session: Session, payload: dict[str, Any]) -> None:
    """POST a signed ``request.<status>`` event to one subscription's webhook; raise to retry."""

    with Session(session.get_bind()) as reader:  # the job's session stays unused: no lock held
        sub = reader.get(AlertSubscription, int(payload["subscription_id"]))
        if sub is None or not sub.webhook_url or not sub.webhook_secret:
            return
        url, secret, sub_id = sub.webhook_url, sub.webhook_secret, sub.id
    body = {
        "type": f"request.{payload['status']}",
        "timestamp": utcnow().isoformat(),
        "data": {"request_id": payload["request_id"], "status": payload["status"]},
    }
    msg = f"msg_request_{payload['request_id']}_{payload['status']}_{sub_id}"
    attempt = deliver(url, secret, msg, body, backoff=())[0]
    if not attempt.ok:
        raise RuntimeError(f"webhook answered {attempt.status or attempt.error}")


def _matching_alerts(session: Session, req: LegalRequest) -> list[dict[str, Any]]:
    t = req.targets
    camps, provs, tbs = set(t["campaigns"]), set(t["providers"]), set(t["traceback_ids"])
    start, end = request_window(t)
    out = []
    for row in session.scalars(select(AlertRow).order_by(AlertRow.occurred_at, AlertRow.alert_id)):
        p = row.payload
        keys = {x["key"] for x in p.get("providers", [])} | {p.get("provider_key")}
        hit = (
            p.get("campaign_id") in camps
            or bool(keys & provs)
            or bool(set(p.get("traceback_ids", [])) & tbs)
        )
        if not hit and not (camps or provs or tbs):
            hit = (start is None or row.occurred_at >= start) and (
                end is None or row.occurred_at < end
            )
        if hit:
            out.append(p)
    return out


def _accepted_at(session: Session, req: LegalRequest) -> dt.datetime:
    """When ``req`` was accepted (its audit entry), so a rebuild prints the same time."""
    at = session.scalar(
        select(AuditEntry.at)
        .where(AuditEntry.target == f"request:{req.id}", AuditEntry.action == "request.accept")
        .order_by(AuditEntry.seq.desc())
        .limit(1)
    )
    return at or req.updated_at


def _engine_evidence(
    session: Session, req: LegalRequest, alerts: list[dict[str, Any]], folder: Path
) -> list[dict[str, Any]]:
    """Write the engine's evidence bundles of the request's provider and campaign targets."""
    return write_target_bundles(
        folder,
        req.targets,
        alerts,
        window=request_window(req.targets),
        case_label=f"{req.request_type} {req.case_number}",
        generated_at=_accepted_at(session, req),
        command_line=["graphengine serve", f"response package of legal request {req.id}"],
        data=load_evidence(),
    )


def build_package(session: Session, req: LegalRequest) -> str:
    """Assemble the response package of ``req``; return its SHA-256 (the file is stored by it).

    Contents: ``request.json`` (the request and its targets), ``findings/alerts.json`` (the alerts
    and their evidence for the targets), ``traceback_ids.csv`` (the traceback ids named or carried
    by those alerts), ``reports_in_range.csv`` (reports received for the date range, CSV-safe),
    ``traceback_hops_in_range.csv`` (hop rows of the platform's tracebacks for the targets),
    ``audit_trail.json`` (the request's audit entries), ``evidence/`` (the engine's bundles for
    the provider and campaign targets, see :mod:`.package_evidence`) and ``manifest.json``.
    """
    with tempfile.TemporaryDirectory(prefix="ge-package-") as tmp:
        folder = Path(tmp) / f"request-{req.id}"
        (folder / "findings").mkdir(parents=True)
        meta = {
            "request_id": req.id,
            "type": req.request_type,
            "authority": req.authority,
            "case_number": req.case_number,
            "due_date": req.due_date.isoformat(),
            "document_sha256": req.document_sha256,
            "targets": req.targets,
            "alert_id": req.alert_id,
        }
        (folder / "request.json").write_text(json.dumps(meta, indent=2, sort_keys=True))
        alerts = _matching_alerts(session, req)
        bundles = _engine_evidence(session, req, alerts, folder / "evidence")
        (folder / "findings" / "alerts.json").write_text(
            json.dumps(alerts, indent=2, sort_keys=True)
        )
        tbs = sorted(
            set(req.targets["traceback_ids"]) | {x for a in alerts for x in a["traceback_ids"]}
        )
        pd.DataFrame({"traceback_id": tbs}).to_csv(folder / "traceback_ids.csv", index=False)
        start, end = request_window(req.targets)
        stmt = select(Report).order_by(Report.call_time, Report.id).limit(REPORT_ROWS)
        if start is not None:
            stmt = stmt.where(Report.call_time >= start)
        if end is not None:
            stmt = stmt.where(Report.call_time < end)
        if start is None and end is None:
            stmt = stmt.where(Report.id < 0)  # no dates: no reports
        cols = ["report_id", "source_kind", "call_time", "calling_e164", "called_e164",
                "transcript", "attestation", "consumer_state"]  # fmt: skip
        rows = [{c: getattr(r, c) for c in cols} for r in session.scalars(stmt)]
        frame = neutralise_frame(pd.DataFrame(rows, columns=cols))
        frame.to_csv(folder / "reports_in_range.csv", index=False)
        hops = traceback_rows_for_targets(session, req.targets)  # the platform's own tracebacks
        hops.to_csv(folder / "traceback_hops_in_range.csv", index=False)
        trail = session.scalars(
            select(AuditEntry)
            .where(or_(AuditEntry.target == f"request:{req.id}"))
            .order_by(AuditEntry.seq)
        ).all()
        (folder / "audit_trail.json").write_text(
            json.dumps(
                [
                    {
                        "seq": e.seq,
                        "at": e.at.isoformat(),
                        "actor": e.actor,
                        "action": e.action,
                        "detail": e.detail,
                        "entry_hash": e.entry_hash,
                    }  # fmt: skip
                    for e in trail
                ],
                indent=2,
            )
        )
        write_manifest(
            folder,
            {
                "case_label": f"{req.request_type} {req.case_number}",
                "kind": "legal_response",
                "request_id": req.id,
                "alerts": len(alerts),
                "reports": len(frame),
                "evidence_bundles": sum(1 for b in bundles if "bundle" in b),
            },
        )
        zipped = zip_folder(folder, Path(tmp) / "package.zip")
        digest = sha256_file(zipped)
        target = package_path(digest)
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():  # the same content was packaged before: keep that copy
            shutil.move(str(zipped), target)
    return digest


def visible_requests(session: Session, org_id: int | None) -> list[LegalRequest]:
    """Requests, newest first: the organisation's, or all when ``org_id`` is None."""
    stmt = select(LegalRequest).order_by(LegalRequest.id.desc())
    if org_id is not None:
        stmt = stmt.where(LegalRequest.org_id == org_id)
    return list(session.scalars(stmt))


def check_config() -> None:
    """Raise ``ConfigError`` when the document limit is not a positive number."""
    try:
        ok = max_document_bytes() > 0
    except ValueError:
        ok = False
    if not ok:
        raise ConfigError("GRAPHENGINE_MAX_DOCUMENT_BYTES must be a positive number of bytes")
