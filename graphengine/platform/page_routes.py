"""Server-rendered pages: login, report browsing, CSV upload with its receipt, the audit trail.

Every form carries a CSRF token (double submit: a signed HttpOnly cookie and a hidden field);
every route's roles are declared in :data:`graphengine.platform.access.REGISTRY`.
"""

from __future__ import annotations

import hashlib
import io
from urllib.parse import urlencode

import pandas as pd
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from graphengine.csvsafe import neutralise_frame
from graphengine.platform import audit
from graphengine.platform.access import SESSION_COOKIE, Principal
from graphengine.platform.api_routes import (
    RejectedBatch,
    filters_from,
    find_receipt,
    submit_csv,
)
from graphengine.platform.browse import FilterError, find_report, list_reports, report_json
from graphengine.platform.db import session_scope
from graphengine.platform.login_throttle import LoginThrottled
from graphengine.platform.models import AuditEntry, Report
from graphengine.platform.rendering import check_login, render, set_session_cookie
from loaders.reports import PRESETS

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
LOGIN_FAILED = "Wrong user name, password or code."


@router.get("/")
def home(request: Request) -> Response:
    """Send people to the report list, or to the login page."""
    who: Principal = request.state.principal
    return RedirectResponse("/reports" if who.kind == "user" else "/login", status_code=303)


@router.get("/login")
def login_page(request: Request) -> Response:
    """The login form (user name, password, and a TOTP code for roles that need one)."""
    return render(
        request, "login.html", {"error": None, "next": request.query_params.get("next", "")}
    )


def _safe_next(target: str) -> str:
    # only local paths: never an open redirect to another site
    return target if target.startswith("/") and not target.startswith("//") else "/reports"


@router.post("/login")
async def login(request: Request) -> Response:
    """Check the password (argon2) and TOTP code; set the session cookie.

    A wrong user name, password or code all get the same answer after the same work (a dummy
    hash is verified for unknown users). A user name with too many recent failures gets 429 with
    ``Retry-After`` (seconds) and the form again, its password unchecked.
    """
    form = await request.form()
    username = str(form.get("username") or "").strip()
    password = str(form.get("password") or "")
    code = str(form.get("code") or "")
    back = {"next": form.get("next") or ""}
    try:
        user = await run_in_threadpool(check_login, request, username, password, code)
    except LoginThrottled as exc:
        page = render(request, "login.html", {"error": str(exc), **back}, 429)
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    if user is None:
        return render(request, "login.html", {"error": LOGIN_FAILED, **back}, 401)
    response = RedirectResponse(_safe_next(str(form.get("next") or "/reports")), status_code=303)
    set_session_cookie(request, response, user)
    return response


@router.post("/logout")
def logout(request: Request) -> Response:
    """End the session (the cookie is deleted)."""
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/reports")
def reports_page(request: Request) -> Response:
    """Reports with filters (time, reporter, number, text) and paging."""
    f = filters_from(request)
    try:
        total, rows = list_reports(request.state.db, request.state.principal, f)
    except FilterError as exc:
        raise HTTPException(400, str(exc)) from exc
    base = f.as_query()
    prev_link = (
        f"/reports?{urlencode({**base, 'offset': max(0, f.offset - f.limit)})}"
        if f.offset
        else None
    )
    next_link = (
        f"/reports?{urlencode({**base, 'offset': f.offset + f.limit})}"
        if f.offset + f.limit < total
        else None
    )
    return render(
        request,
        "reports.html",
        {
            "filters": f,
            "total": total,
            "rows": [report_json(r, n) for r, n in rows],
            "prev_link": prev_link,
            "next_link": next_link,
            "csv_link": f"/reports.csv?{urlencode(base)}",
        },
    )


@router.get("/reports.csv")
def reports_csv(request: Request) -> Response:
    """Download the filtered reports (up to 500 per file) as CSV; the download is audited."""
    f = filters_from(request)
    who: Principal = request.state.principal
    try:
        total, rows = list_reports(request.state.db, who, f)
    except FilterError as exc:
        raise HTTPException(400, str(exc)) from exc
    frame = neutralise_frame(pd.DataFrame([report_json(r, n) for r, n in rows]))
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    data = buffer.getvalue().encode()
    with session_scope(request.app.state.write_sessions) as ws:
        audit.append(
            ws, who.actor, "download", "reports.csv",
            {"filters": f.as_query(), "offset": f.offset, "rows": len(rows), "sha256": hashlib.sha256(data).hexdigest()},
        )  # fmt: skip
    return StreamingResponse(
        iter([data]),
        media_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="reports.csv"'},
    )


@router.get("/reports/{rid}")
def report_page(request: Request, rid: int) -> Response:
    """One report; 404 when missing or another organisation's."""
    found = find_report(request.state.db, request.state.principal, rid)
    if found is None:
        raise HTTPException(404, f"no report {rid}")
    return render(request, "report.html", {"r": report_json(*found)})


@router.get("/upload")
def upload_page(request: Request) -> Response:
    """The CSV upload form (our columns or a preset)."""
    return render(request, "upload.html", {"presets": PRESETS, "error": None})


@router.post("/upload")
async def upload(request: Request) -> Response:
    """Store an uploaded CSV for the person's organisation and show the receipt."""
    form = await request.form()
    upload_file = form.get("file")
    preset = str(form.get("preset") or "") or None
    tz = str(form.get("tz") or "") or None
    if not isinstance(upload_file, UploadFile):
        return render(
            request, "upload.html", {"presets": PRESETS, "error": "choose a CSV file"}, 400
        )
    data = await upload_file.read()
    try:
        receipt = await submit_csv(request, data, upload_file.filename or "file", preset, tz, None)
    except RejectedBatch as exc:
        return render(
            request,
            "upload.html",
            {"presets": PRESETS, "error": exc.detail, "rejected": exc.rejected},
            422,
        )
    except HTTPException as exc:
        return render(
            request, "upload.html", {"presets": PRESETS, "error": exc.detail}, exc.status_code
        )
    return RedirectResponse(f"/receipts/{receipt['receipt_id']}", status_code=303)


@router.get("/receipts/{receipt_id}")
def receipt_page(request: Request, receipt_id: str) -> Response:
    """A receipt: counts, rejected rows with their line and reason, and the stored rows."""
    batch = find_receipt(request, receipt_id)
    reports = request.state.db.scalars(
        select(Report).where(Report.batch_id == batch.id).order_by(Report.id).limit(500)
    ).all()
    return render(request, "receipt.html", {"b": batch, "rows": reports})


@router.get("/audit")
def audit_page(request: Request) -> Response:
    """The newest 200 audit entries and whether the chain verifies."""
    session = request.state.db
    entries = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(200)).all()
    return render(request, "audit.html", {"entries": entries, "chain": audit.verify_chain(session)})
