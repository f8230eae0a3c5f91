"""The legal-process portal's pages: requests, their review, documents and response packages.

An agency's investigators see and act on their own agency's requests only; reviewers and admins
see all of them. A request the caller may not see answers 404, the same as one that does not exist.
Every download of a document or package is written to the audit trail.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from graphengine.platform import audit
from graphengine.platform.access import Principal
from graphengine.platform.alert_models import AlertRow
from graphengine.platform.db import session_scope
from graphengine.platform.legal_models import REQUEST_TYPES, LegalRequest
from graphengine.platform.legal_service import (
    RequestError,
    create_request,
    document_path,
    max_document_bytes,
    package_error,
    package_path,
    parse_targets,
    retry_package,
    review,
    visible_requests,
    withdraw,
)
from graphengine.platform.models import User
from graphengine.platform.rendering import render

__all__ = ["download", "file_request", "file_upload", "find_request", "request_scope", "router"]

router = APIRouter(include_in_schema=False)
NOT_FOUND = "no such request"


def request_scope(who: Principal) -> int | None:
    if who.role in ("reviewer", "admin"):
        return None
    assert who.org is not None
    return who.org.id


def find_request(session: object, who: Principal, req_id: int) -> LegalRequest:
    req = session.get(LegalRequest, req_id)  # type: ignore[attr-defined]
    scope = request_scope(who)
    if req is None or (scope is not None and req.org_id != scope):
        raise HTTPException(404, NOT_FOUND)
    return req


def _split(value: object) -> list[str]:
    return [v for v in str(value or "").replace(";", ",").replace("\n", ",").split(",")]


def file_request(request: Request, who: Principal, form: FormData, document: bytes) -> int:
    """Create a request from the fields of ``form`` (a page's form or the API's multipart body)
    and the uploaded ``document``; return its id.

    Raises
    ------
    RequestError
        When a field, a target or the document is refused (the message says why).
    """

    def listed(name: str) -> list[str]:
        return [part for value in form.getlist(name) for part in _split(value)]

    targets = parse_targets(
        listed("providers"),
        listed("campaigns"),
        listed("traceback_ids"),
        str(form.get("date_from") or ""),
        str(form.get("date_to") or ""),
    )
    with session_scope(request.app.state.write_sessions) as ws:
        user = ws.get(User, who.user.id if who.user else None)
        assert user is not None
        req = create_request(
            ws,
            user,
            request_type=str(form.get("request_type") or ""),
            authority=str(form.get("authority") or ""),
            case_number=str(form.get("case_number") or ""),
            document=document,
            targets=targets,
            due_date=str(form.get("due_date") or ""),
            alert_id=str(form.get("alert_id") or "") or None,
        )
        return req.id


async def file_upload(request: Request) -> int:
    """Read the multipart body (fields and the PDF as ``document``, at most the limit + 1 byte
    of it) and file the request as the caller; return its id (raises :class:`RequestError`)."""
    form = await request.form()
    upload = form.get("document")
    data = await upload.read(max_document_bytes() + 1) if isinstance(upload, UploadFile) else b""
    return await run_in_threadpool(file_request, request, request.state.principal, form, data)


@router.get("/requests")
def requests_page(request: Request) -> Response:
    """The caller's requests (reviewers: the queue of every agency's requests)."""
    rows = visible_requests(request.state.db, request_scope(request.state.principal))
    return render(request, "requests.html", {"rows": rows})


@router.get("/requests/new")
def request_form(request: Request) -> Response:
    """The form for a new request, with the targets of an alert filled in (``?alert=``)."""
    pre: dict[str, str] = {}
    alert_id = request.query_params.get("alert")
    row = request.state.db.get(AlertRow, alert_id) if alert_id else None
    if row is not None:
        p = row.payload
        pre = {
            "alert_id": row.alert_id,
            "campaigns": p.get("campaign_id") or "",
            "providers": ", ".join(x["key"] for x in p.get("providers", [])),
            "traceback_ids": ", ".join(p.get("traceback_ids", [])),
            "date_from": row.occurred_at.date().isoformat(),
            "date_to": row.occurred_at.date().isoformat(),
        }
    return render(
        request,
        "request_new.html",
        {"pre": pre, "types": REQUEST_TYPES, "error": None, "limit": max_document_bytes()},
    )


@router.post("/requests")
async def request_create(request: Request) -> Response:
    """Create a request from the form and its uploaded PDF."""
    try:
        req_id = await file_upload(request)
    except RequestError as exc:
        form = await request.form()  # parsed once already: starlette keeps it
        pre = {k: str(form.get(k) or "") for k in (
            "alert_id", "campaigns", "providers", "traceback_ids", "date_from", "date_to",
        )}  # fmt: skip
        return render(
            request,
            "request_new.html",
            {"pre": pre, "types": REQUEST_TYPES, "error": str(exc), "limit": max_document_bytes()},
            400,
        )
    return RedirectResponse(f"/requests/{req_id}", status_code=303)


@router.get("/requests/{req_id}")
def request_page(request: Request, req_id: int) -> Response:
    """One request: its fields, status, decisions, and the package when fulfilled."""
    req = find_request(request.state.db, request.state.principal, req_id)
    return _page(request, req)


def _page(request: Request, req: LegalRequest, error: str | None = None) -> Response:
    """The request page, with ``error`` (an action refused: 400) when given."""
    context = {
        "r": req,
        "trail": audit_of(request, req.id),
        "error": error,
        "package_error": package_error(request.state.db, req),
    }
    return render(request, "request.html", context, 400 if error else 200)


def audit_of(request: Request, req_id: int) -> list[object]:
    """The request's audit entries, oldest first."""
    from sqlalchemy import select

    from graphengine.platform.models import AuditEntry

    return list(
        request.state.db.scalars(
            select(AuditEntry)
            .where(AuditEntry.target == f"request:{req_id}")
            .order_by(AuditEntry.seq)
        )
    )


async def _act(request: Request, req_id: int, fn: object) -> Response:
    who: Principal = request.state.principal
    form = await request.form()

    def work() -> None:
        with session_scope(request.app.state.write_sessions) as ws:
            req = find_request(ws, who, req_id)
            fn(ws, req, who, form)  # type: ignore[operator]

    try:
        await run_in_threadpool(work)
    except RequestError as exc:
        return _page(request, find_request(request.state.db, who, req_id), str(exc))
    return RedirectResponse(f"/requests/{req_id}", status_code=303)


@router.post("/requests/{req_id}/review")
async def request_review(request: Request, req_id: int) -> Response:
    """A reviewer's decision: start_review, accept, reject or request_changes, with a reason."""
    return await _act(
        request,
        req_id,
        lambda ws, req, who, form: review(
            ws, req, who.actor, str(form.get("action") or ""), str(form.get("reason") or "")
        ),
    )


@router.post("/requests/{req_id}/package/retry")
async def request_package_retry(request: Request, req_id: int) -> Response:
    """A reviewer queues the package of a request whose build failed again."""
    return await _act(request, req_id, lambda ws, req, who, form: retry_package(ws, req, who.actor))


@router.post("/requests/{req_id}/withdraw")
async def request_withdraw(request: Request, req_id: int) -> Response:
    """The agency withdraws its open request."""
    return await _act(request, req_id, lambda ws, req, who, form: withdraw(ws, req, who.actor))


def download(request: Request, req: LegalRequest, what: str) -> Response:
    who: Principal = request.state.principal
    if what == "package":
        if not req.package_sha256:
            raise HTTPException(404, "this request has no response package yet")
        path, digest = package_path(req.package_sha256), req.package_sha256
        name, media = f"request-{req.id}-package.zip", "application/zip"
    else:
        path, digest = document_path(req.document_sha256), req.document_sha256
        name, media = f"request-{req.id}.pdf", "application/pdf"
    if not path.is_file():
        raise HTTPException(404, f"the {what} file is missing from storage")
    with session_scope(request.app.state.write_sessions) as ws:
        audit.append(ws, who.actor, f"download.{what}", f"request:{req.id}", {"sha256": digest})
    return FileResponse(path, media_type=media, filename=name)


@router.get("/requests/{req_id}/package")
def request_package(request: Request, req_id: int) -> Response:
    """Download the response package (audited)."""
    return download(
        request, find_request(request.state.db, request.state.principal, req_id), "package"
    )


@router.get("/requests/{req_id}/document")
def request_document(request: Request, req_id: int) -> Response:
    """Download the request's PDF (audited)."""
    return download(
        request, find_request(request.state.db, request.state.principal, req_id), "document"
    )
