"""The agencies' JSON API: a two-factor session, legal requests, alert subscriptions.

Authentication is the officer's own session, never an API key: a request is filed by a named
person who logged in with a password and a TOTP code, as on the pages. ``POST /api/v1/session``
takes ``{"username", "password", "code"}`` as JSON and answers with the session cookie and a
CSRF token; every write then sends the cookie and the token in ``X-CSRF-Token``. The checks
are the pages' own (:func:`graphengine.platform.legal_routes.file_request`,
:func:`graphengine.platform.alert_service.create_subscription`): an agency sees only its own
requests and subscriptions, and anything else answers 404 ``{"error": "no such request"}``,
the same as an id that does not exist. Every route is declared in
:data:`graphengine.platform.access.REGISTRY`.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from graphengine.errors import ConfigError
from graphengine.platform.access import Principal
from graphengine.platform.alert_models import AlertSubscription
from graphengine.platform.alert_routes import subscription_dict
from graphengine.platform.alert_service import (
    create_subscription,
    deactivate_subscription,
    org_subscriptions,
)
from graphengine.platform.api_routes import media_type
from graphengine.platform.db import session_scope
from graphengine.platform.legal_models import LegalRequest
from graphengine.platform.legal_routes import (
    download,
    file_upload,
    find_request,
    request_scope,
)
from graphengine.platform.legal_service import (
    RequestError,
    visible_requests,
    withdraw,
)
from graphengine.platform.login_throttle import LoginThrottled
from graphengine.platform.rendering import check_login, set_csrf_cookie, set_session_cookie

__all__ = ["LOGIN_FAILED", "request_dict", "router"]

router = APIRouter(prefix="/api/v1", tags=["agencies"])
LOGIN_FAILED = "wrong user name, password or code"
_LISTS = ("states", "themes", "providers", "kinds")


async def _json_object(request: Request) -> dict[str, Any]:
    """The body as a JSON object; 415 unless it is JSON, 400 when it is not an object."""
    if media_type(request) != "application/json":
        raise HTTPException(415, "send the body as application/json")
    try:
        body = await request.json()
    except ValueError:
        raise HTTPException(400, "the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise HTTPException(400, "the body must be a JSON object")
    return body


def request_dict(req: LegalRequest, today: dt.date | None = None) -> dict[str, Any]:
    """A legal request as JSON: its fields, status, overdue flag and links."""
    return {
        "id": req.id,
        "request_type": req.request_type,
        "authority": req.authority,
        "case_number": req.case_number,
        "status": req.status,
        "overdue": req.overdue(today),
        "reason": req.reason,
        "due_date": req.due_date.isoformat(),
        "targets": req.targets,
        "alert_id": req.alert_id,
        "document_sha256": req.document_sha256,
        "document_bytes": req.document_bytes,
        "package_sha256": req.package_sha256,
        "created_at": req.created_at.isoformat(),
        "updated_at": req.updated_at.isoformat(),
        "links": {
            "self": f"/api/v1/requests/{req.id}",
            "document": f"/api/v1/requests/{req.id}/document",
            **({"package": f"/api/v1/requests/{req.id}/package"} if req.package_sha256 else {}),
        },
    }


@router.post("/session")
async def session_login(request: Request) -> Response:
    """Log in with ``{"username", "password", "code"}``; answer the CSRF token for writes.

    A wrong user name, password or code all answer the same 401; a user name with too many
    recent failures answers 429 with ``Retry-After`` (seconds), its password unchecked.
    """
    body = await _json_object(request)
    fields = [body.get(k) for k in ("username", "password", "code")]
    if not all(isinstance(v, str | type(None)) for v in fields):
        raise HTTPException(400, "username, password and code must be strings")
    username, password, code = (str(v or "") for v in fields)
    try:
        user = await run_in_threadpool(check_login, request, username.strip(), password, code)
    except LoginThrottled as exc:
        raise HTTPException(429, str(exc), headers={"Retry-After": str(exc.retry_after)}) from None
    if user is None:
        raise HTTPException(401, LOGIN_FAILED)
    token = secrets.token_urlsafe(24)
    response = JSONResponse({"username": user.username, "role": user.role, "csrf_token": token})
    set_session_cookie(request, response, user)
    set_csrf_cookie(request, response, token)
    return response


@router.get("/requests")
def requests_list(request: Request) -> Response:
    """The caller's agency's requests, newest first (reviewers and admins: every request)."""
    rows = visible_requests(request.state.db, request_scope(request.state.principal))
    return JSONResponse({"items": [request_dict(r) for r in rows], "total": len(rows)})


@router.post("/requests", status_code=201)
async def requests_create(request: Request) -> Response:
    """File a request: ``multipart/form-data`` with the PDF as ``document`` and the page's fields.

    Fields: ``request_type`` (subpoena, cid, court_order), ``authority``, ``case_number``,
    ``due_date`` and ``date_from``/``date_to`` (YYYY-MM-DD), ``providers``, ``campaigns`` and
    ``traceback_ids`` (repeat the field, or separate by commas), ``alert_id``.
    """
    if media_type(request) != "multipart/form-data":
        raise HTTPException(
            415, "send the request as multipart/form-data with the PDF as 'document'"
        )
    try:
        req_id = await file_upload(request)
    except RequestError as exc:
        raise HTTPException(400, str(exc)) from None
    with request.app.state.read_sessions() as s:
        req = s.get(LegalRequest, req_id)
        assert req is not None
        body = request_dict(req)
    return JSONResponse(body, status_code=201, headers={"Location": body["links"]["self"]})


@router.get("/requests/{req_id}")
def request_get(request: Request, req_id: int) -> Response:
    """One request (404 when it does not exist or is another agency's)."""
    req = find_request(request.state.db, request.state.principal, req_id)
    return JSONResponse(request_dict(req))


@router.post("/requests/{req_id}/withdraw")
def request_withdraw(request: Request, req_id: int) -> Response:
    """Withdraw an open request of the caller's agency; answer it as it is now."""
    who: Principal = request.state.principal
    try:
        with session_scope(request.app.state.write_sessions) as ws:
            req = find_request(ws, who, req_id)
            withdraw(ws, req, who.actor)
            body = request_dict(req)
    except RequestError as exc:
        raise HTTPException(409, str(exc)) from None
    return JSONResponse(body)


@router.get("/requests/{req_id}/package")
def request_package(request: Request, req_id: int) -> Response:
    """Download the response package (zip; audited; 404 before it is ready)."""
    req = find_request(request.state.db, request.state.principal, req_id)
    return download(request, req, "package")


@router.get("/requests/{req_id}/document")
def request_document(request: Request, req_id: int) -> Response:
    """Download the request's PDF (audited)."""
    req = find_request(request.state.db, request.state.principal, req_id)
    return download(request, req, "document")


def _own_subscriptions(request: Request) -> list[AlertSubscription]:
    who: Principal = request.state.principal
    assert who.org is not None
    return org_subscriptions(request.state.db, who.org.id)


@router.get("/subscriptions")
def subscriptions_list(request: Request) -> Response:
    """The caller's agency's subscriptions (never their webhook secrets)."""
    return JSONResponse({"items": [subscription_dict(s) for s in _own_subscriptions(request)]})


def _string_list(body: dict[str, Any], name: str) -> list[str]:
    value = body.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise HTTPException(400, f"{name} must be a list of strings")
    return value


@router.post("/subscriptions", status_code=201)
async def subscriptions_create(request: Request) -> Response:
    """Subscribe the agency: ``{"name", "states", "themes", "providers", "kinds", "webhook_url"}``.

    The answer holds ``webhook_secret`` this once (when a webhook URL was given), never again.
    """
    body = await _json_object(request)
    lists = {name: _string_list(body, name) for name in _LISTS}
    name, url = body.get("name", ""), body.get("webhook_url")
    if not isinstance(name, str) or not isinstance(url, str | type(None)):
        raise HTTPException(400, "name and webhook_url must be strings")
    who: Principal = request.state.principal
    assert who.org is not None
    try:
        with session_scope(request.app.state.write_sessions) as ws:
            org = ws.merge(who.org)
            sub, secret = create_subscription(
                ws, org, who.actor, name=name, webhook_url=(url or "").strip() or None, **lists
            )
            answer = {**subscription_dict(sub), "webhook_secret": secret}
    except ConfigError as exc:
        raise HTTPException(400, str(exc)) from None
    return JSONResponse(
        answer, status_code=201, headers={"Location": f"/api/v1/subscriptions/{answer['id']}"}
    )


@router.delete("/subscriptions/{sid}")
def subscription_delete(request: Request, sid: int) -> Response:
    """Stop one of the agency's subscriptions (kept, inactive, for the audit trail)."""
    who: Principal = request.state.principal
    with session_scope(request.app.state.write_sessions) as ws:
        sub = ws.get(AlertSubscription, sid)
        if sub is None or who.org is None or sub.org_id != who.org.id:
            raise HTTPException(404, "no such subscription")
        deactivate_subscription(ws, sub, who.actor)
        answer = subscription_dict(sub)
    return JSONResponse(answer)
