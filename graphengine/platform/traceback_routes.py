"""Traceback pages and API: opening tracebacks, responders' hop requests, carriers' call records.

Who sees what: a responder (and a carrier's ``tracebacks:respond`` key) sees only the hop requests
addressed to its organisation; anything else answers 404, the same as a request that does not
exist. Admins and analysts see every traceback and request and open tracebacks. Every route's
roles and scopes are declared in :data:`graphengine.platform.access.REGISTRY`; every change is in
the audit trail (see :mod:`graphengine.platform.traceback_service`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from graphengine.platform.access import TRACEBACK_STAFF, Principal
from graphengine.platform.db import session_scope
from graphengine.platform.models import Organization
from graphengine.platform.rendering import render
from graphengine.platform.traceback_models import HopRequestRow, TracebackRow
from graphengine.platform.traceback_service import (
    TracebackError,
    answer_request,
    find_request,
    iso_utc,
    open_from_report,
    open_requests,
    open_traceback,
    request_json,
    traceback_json,
    upload_records,
)
from graphengine.traceback.workflow import ANSWER_KINDS

__all__ = ["api", "pages"]

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["tracebacks"])
_T = TypeVar("_T")


def request_scope(who: Principal) -> int | None:
    """The organisation whose hop requests the caller sees, or ``None`` for all of them."""
    if who.kind == "user" and who.role in TRACEBACK_STAFF:
        return None
    if who.org is None:  # pragma: no cover - every user and key belongs to an organisation
        raise HTTPException(403, "no organisation")
    return who.org.id


def _http(exc: TracebackError) -> HTTPException:
    return HTTPException(exc.status, str(exc))


async def _write(request: Request, work: Callable[[Session], _T]) -> _T:
    """Run ``work`` in a write transaction off the event loop; TracebackError -> HTTP error."""

    def run() -> _T:
        with session_scope(request.app.state.write_sessions) as ws:
            return work(ws)

    try:
        return await run_in_threadpool(run)
    except TracebackError as exc:
        raise _http(exc) from exc


async def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body() or b"{}")
    except (ValueError, UnicodeDecodeError) as exc:
        raise HTTPException(400, "the body is not JSON") from exc
    if not isinstance(body, dict):
        raise HTTPException(400, "the body must be a JSON object")
    return body


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name, "")
    if value is None:
        return ""
    if not isinstance(value, str | int | float):
        raise HTTPException(400, f"{name} must be a string")
    return str(value)


def _due(body: dict[str, Any]) -> dt.timedelta | None:
    if body.get("due_hours") in (None, ""):
        return None
    try:
        hours = float(body["due_hours"])
    except (TypeError, ValueError) as exc:
        raise HTTPException(400, "due_hours must be a number of hours") from exc
    if not 0 < hours <= 24 * 30:
        raise HTTPException(400, "due_hours must be more than 0 and at most 720")
    return dt.timedelta(hours=hours)


def _call_time(value: str) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise HTTPException(400, f"call_time must be an ISO 8601 time, got '{value[:40]}'") from exc
    if parsed.tzinfo is None:
        raise HTTPException(400, f"call_time needs a time zone or offset, got '{value[:40]}'")
    return parsed


# ---------------------------------------------------------------------------- API
@api.post("/tracebacks", status_code=201, summary="Open a traceback")
async def api_open(request: Request) -> JSONResponse:
    """Open a traceback from a stored report (``{"report": <id>}``) or from a suspect call
    (``terminating_carrier``, ``call_time`` with zone, ``calling_number``, ``called_number``,
    optional ``campaign``). ``due_hours`` overrides the default time to answer each hop."""
    who: Principal = request.state.principal
    body = await _json_body(request)
    due = _due(body)
    report = body.get("report")

    def work(ws: Session) -> dict[str, Any]:
        if report not in (None, ""):
            try:
                pk = int(report)
            except (TypeError, ValueError) as exc:
                raise TracebackError("report must be a report id (a number)") from exc
            row = open_from_report(
                ws, pk, actor=who.actor, campaign=_text(body, "campaign"), due=due
            )
        else:
            row = open_traceback(
                ws,
                actor=who.actor,
                terminating_carrier=_text(body, "terminating_carrier"),
                call_time=_call_time(_text(body, "call_time")),
                calling_number=_text(body, "calling_number"),
                called_number=_text(body, "called_number"),
                campaign=_text(body, "campaign"),
                source="api",
                due=due,
            )
        return traceback_json(ws, row)

    return JSONResponse(await _write(request, work), status_code=201)


@api.get("/tracebacks/{tid}", summary="One traceback with its hop requests")
def api_traceback(request: Request, tid: str) -> dict[str, Any]:
    """Return a traceback, its requests and (once complete or stalled) its hop rows."""
    row = request.state.db.get(TracebackRow, tid)
    if row is None:
        raise HTTPException(404, f"no traceback {tid}")
    return traceback_json(request.state.db, row)


@api.get("/hop-requests", summary="Open hop requests")
def api_requests(request: Request) -> dict[str, Any]:
    """The hop requests still to answer: a responder's or key's organisation's only."""
    rows = open_requests(request.state.db, request_scope(request.state.principal))
    return {"items": [request_json(r, t) for r, t in rows]}


@api.post("/hop-requests/{hop_id}/answer", summary="Answer a hop request")
async def api_answer(request: Request, hop_id: int) -> dict[str, Any]:
    """Answer with ``{"answer": kind, ...}``: ``upstream`` (+ ``upstream``, the provider's name),
    ``customer`` (+ ``customer``), ``foreign_upstream`` (+ ``upstream`` and ``country``),
    ``no_record`` or ``not_our_call``; optional ``attestation`` (A/B/C)."""
    who: Principal = request.state.principal
    scope = request_scope(who)
    try:  # another organisation's request is "not found" whatever the body holds
        find_request(request.state.db, hop_id, scope)
    except TracebackError as exc:
        raise _http(exc) from exc
    body = await _json_body(request)

    def work(ws: Session) -> dict[str, Any]:
        req, _ = answer_request(
            ws,
            hop_id,
            org_id=scope,
            actor=who.actor,
            kind=_text(body, "answer"),
            upstream=_text(body, "upstream"),
            customer=_text(body, "customer"),
            country=_text(body, "country"),
            attestation=_text(body, "attestation"),
        )
        tb = ws.get(TracebackRow, req.traceback_id)
        assert tb is not None
        # the caller learns the traceback's state, not whom the next request went to
        return {"request": request_json(req, tb), "traceback_state": tb.state}

    return await _write(request, work)


@api.post("/records", status_code=201, summary="Upload call records (CSV or Parquet)")
async def api_records(request: Request) -> JSONResponse:
    """Upload the caller's organisation's call records as a multipart form field ``file``
    (``.csv`` or ``.parquet``, the columns of docs/traceback.md). The file is accepted whole or
    refused whole (422 with file, line and reason); open hop requests it covers are answered."""
    who: Principal = request.state.principal
    form = await request.form()
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise HTTPException(400, "send the records as a multipart form field named 'file'")
    data = await upload.read()
    name = upload.filename or "records"

    def work(ws: Session) -> dict[str, Any]:
        org = ws.get(Organization, who.org.id if who.org else None)
        assert org is not None
        up, answered = upload_records(ws, org, data, name, actor=who.actor)
        return {
            "upload_id": up.id,
            "carrier": up.carrier,
            "rows": up.rows,
            "sha256": up.file_sha256,
            "period_start": iso_utc(up.period_start),
            "period_end": iso_utc(up.period_end),
            # only this carrier's own requests: whom the chain reached next is not its business
            "answered": [
                {"request": r.id, "traceback_id": r.traceback_id, "record_sha256": r.record_sha256}
                for r in answered
                if r.org_id == org.id
            ],
        }

    return JSONResponse(await _write(request, work), status_code=201)


# ---------------------------------------------------------------------------- pages
@pages.get("/hop-requests")
def requests_page(request: Request) -> Response:
    """The hop requests the caller's organisation has to answer (staff: all open requests)."""
    rows = open_requests(request.state.db, request_scope(request.state.principal))
    return render(request, "hop_requests.html", {"rows": rows})


def _request_context(request: Request, req_id: int) -> dict[str, object]:
    try:
        req = find_request(request.state.db, req_id, request_scope(request.state.principal))
    except TracebackError as exc:
        raise _http(exc) from exc
    tb = request.state.db.get(TracebackRow, req.traceback_id)
    down = None
    if req.hop > 0:
        down = request.state.db.scalar(
            select(HopRequestRow.provider).where(
                HopRequestRow.traceback_id == req.traceback_id, HopRequestRow.hop == req.hop - 1
            )
        )
    return {"req": req, "tb": tb, "downstream": down, "kinds": ANSWER_KINDS, "error": None}


@pages.get("/hop-requests/{hop_id}")
def request_page(request: Request, hop_id: int) -> Response:
    """One hop request: the call to look up and the answer form."""
    return render(request, "hop_request.html", _request_context(request, hop_id))


@pages.post("/hop-requests/{hop_id}/answer")
async def request_answer(request: Request, hop_id: int) -> Response:
    """A responder's answer from the form; back to the list of open requests."""
    who: Principal = request.state.principal
    form = await request.form()
    scope = request_scope(who)

    def work(ws: Session) -> None:
        answer_request(
            ws,
            hop_id,
            org_id=scope,
            actor=who.actor,
            kind=str(form.get("answer") or ""),
            upstream=str(form.get("upstream") or ""),
            customer=str(form.get("customer") or ""),
            country=str(form.get("country") or ""),
            attestation=str(form.get("attestation") or ""),
        )

    try:
        await _write(request, work)
    except HTTPException as exc:
        if exc.status_code == 404:
            raise
        context = _request_context(request, hop_id)
        context["error"] = exc.detail
        return render(request, "hop_request.html", context, exc.status_code)
    return RedirectResponse("/hop-requests", status_code=303)


@pages.get("/tracebacks")
def tracebacks_page(request: Request) -> Response:
    """Every traceback, newest first, with its state and where it waits."""
    rows = request.state.db.scalars(
        select(TracebackRow).order_by(TracebackRow.opened_at.desc()).limit(500)
    ).all()
    return render(request, "tracebacks.html", {"rows": rows, "error": None})


@pages.get("/tracebacks/{tid}")
def traceback_page(request: Request, tid: str) -> Response:
    """One traceback: its hop requests, answers and hop rows."""
    row = request.state.db.get(TracebackRow, tid)
    if row is None:
        raise HTTPException(404, f"no traceback {tid}")
    return render(request, "traceback.html", {"t": traceback_json(request.state.db, row)})


@pages.post("/tracebacks")
async def traceback_open(request: Request) -> Response:
    """Open a traceback from a report (an analyst's pick: form field ``report``)."""
    who: Principal = request.state.principal
    form = await request.form()
    raw = str(form.get("report") or "").strip()
    if not raw.isdigit():
        raise HTTPException(400, "give the report's id (a number)")

    def work(ws: Session) -> str:
        row = open_from_report(
            ws, int(raw), actor=who.actor, campaign=str(form.get("campaign") or "")
        )
        return row.id

    tid = await _write(request, work)
    return RedirectResponse(f"/tracebacks/{tid}", status_code=303)
