"""The JSON API: intake of reports (JSON, NDJSON, CSV), receipts, listing and health.

Every route's roles and scopes are declared in :data:`graphengine.platform.access.REGISTRY`.
"""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from graphengine.platform.access import Principal
from graphengine.platform.browse import FilterError, Filters, find_report, list_reports, report_json
from graphengine.platform.intake import (
    AllRejected,
    IdempotencyConflict,
    Submission,
    earlier_receipt,
    receipt_of,
    store_batch,
)
from graphengine.platform.models import IntakeBatch
from graphengine.platform.settings import MAX_BATCH_ROWS
from graphengine.schema import REPORT_FIELDS, REPORT_SOURCE_KINDS
from loaders.reports import (
    PRESETS,
    ReportBatch,
    ReportInputError,
    decode_utf8,
    reports_from_csv_text,
    reports_from_json_text,
)

__all__ = ["media_type", "router", "submit", "submit_csv"]

router = APIRouter(prefix="/api/v1")

# The intake routes read the raw body themselves (JSON, NDJSON or CSV, validated row by row); this
# describes it for the OpenAPI page.
_REPORT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["report_id", "source_kind", "call_time"],
    "properties": {
        "report_id": {"type": "string", "description": "your own id; unique per organisation"},
        "source_kind": {"type": "string", "enum": list(REPORT_SOURCE_KINDS)},
        "call_time": {
            "type": "string",
            "format": "date-time",
            "description": "with a zone or offset",
        },
        # the optional fields: every Report field after the three required ones
        **{name: {"type": "string"} for name in REPORT_FIELDS[3:]},
    },
}
_IDEMPOTENCY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "maxLength": 200},
    "description": "makes a retry of this request store nothing twice",
}
_JSON_BODY = {
    "parameters": [_IDEMPOTENCY],
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"type": "array", "items": _REPORT_SCHEMA}},
            "application/x-ndjson": {
                "schema": {"type": "string", "description": "one report object per line"}
            },
        },
    },
}
_CSV_BODY = {
    "parameters": [
        _IDEMPOTENCY,
        {
            "name": "preset",
            "in": "query",
            "required": False,
            "schema": {"type": "string", "enum": list(PRESETS)},
        },
        {
            "name": "tz",
            "in": "query",
            "required": False,
            "schema": {"type": "string", "default": "America/New_York"},
        },
    ],
    "requestBody": {
        "required": True,
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            },
        },
    },
}

JSON_TYPES = {"application/json"}
NDJSON_TYPES = {
    "application/x-ndjson",
    "application/ndjson",
    "application/jsonl",
    "application/x-jsonlines",
}
CSV_TYPES = {"text/csv", "application/csv"}


def media_type(request: Request) -> str:
    """Return the request's media type, lower case, without parameters ("" when none)."""
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def _idempotency_key(request: Request) -> str | None:
    key = request.headers.get("idempotency-key")
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > 200 or not key.isprintable():
        raise HTTPException(400, "Idempotency-Key must be 1-200 printable characters")
    return key


def _accepted(receipt: dict[str, Any]) -> JSONResponse:
    headers = {"Idempotent-Replayed": "true"} if receipt["replayed"] else None
    return JSONResponse(receipt, status_code=202, headers=headers)


def submit(
    request: Request,
    who: Principal,
    parse: Any,
    channel: str,
    body_sha256: str,
    preset: str | None = None,
    idempotency_key: str | None = None,
) -> dict[str, Any]:
    """Validate with ``parse()`` (a ReportBatch) and store; return the receipt (blocking work).

    Raises
    ------
    HTTPException
        400 unreadable input, 413 too many rows, 422 all rows rejected or idempotency conflict.
    """
    assert who.org is not None
    sub = Submission(
        org_id=who.org.id,
        actor=who.actor,
        channel=channel,
        body_sha256=body_sha256,
        api_key_id=who.key.id if who.key else None,
        user_id=who.user.id if who.user else None,
        preset=preset,
        idempotency_key=idempotency_key,
    )
    factory = request.app.state.write_sessions
    try:
        replay = earlier_receipt(factory, sub)  # a retry costs one lookup, not a parse
        if replay is not None:
            return replay
        batch: ReportBatch = parse()
    except IdempotencyConflict as exc:
        raise HTTPException(422, str(exc)) from exc
    except ReportInputError as exc:
        raise HTTPException(400, str(exc)) from exc
    rows = len(batch.reports) + len(batch.rejected)
    if rows == 0:
        raise HTTPException(400, "the body holds no reports")
    if rows > MAX_BATCH_ROWS:
        raise HTTPException(
            413, f"the batch has {rows} reports; the limit is {MAX_BATCH_ROWS} per request"
        )
    try:
        return store_batch(factory, sub, batch)
    except IdempotencyConflict as exc:
        raise HTTPException(422, str(exc)) from exc
    except AllRejected as exc:
        raise RejectedBatch(exc.rejected) from exc


class RejectedBatch(HTTPException):
    """422 whose JSON body lists every rejected row."""

    def __init__(self, rejected: list[dict[str, Any]]) -> None:
        super().__init__(422, f"all {len(rejected)} reports were rejected; nothing was stored")
        self.rejected = rejected


def _rejected_response(exc: RejectedBatch) -> JSONResponse:
    return JSONResponse({"error": exc.detail, "rejected": exc.rejected}, status_code=422)


@router.post(
    "/reports",
    status_code=202,
    summary="Submit reports (JSON array or NDJSON)",
    openapi_extra=_JSON_BODY,
)
async def post_reports(request: Request) -> JSONResponse:
    """Store a batch of reports exactly once; answer ``202`` with the receipt after the commit.

    Body: a JSON array of report objects (``Content-Type: application/json``) or one object per
    line (``application/x-ndjson``). Send an ``Idempotency-Key`` header to make retries safe.
    """
    who: Principal = request.state.principal
    media = media_type(request)
    if media not in JSON_TYPES | NDJSON_TYPES:
        raise HTTPException(
            415,
            "Content-Type must be application/json (an array of reports) or application/x-ndjson",
        )
    key = _idempotency_key(request)
    body = await request.body()
    try:
        text = decode_utf8(body, "body")
    except ReportInputError as exc:
        raise HTTPException(400, str(exc)) from exc
    ndjson = media in NDJSON_TYPES
    try:
        receipt = await run_in_threadpool(
            submit,
            request,
            who,
            lambda: reports_from_json_text(text, ndjson=ndjson),
            "ndjson" if ndjson else "json",
            hashlib.sha256(body).hexdigest(),
            None,
            key,
        )
    except RejectedBatch as exc:
        return _rejected_response(exc)
    return _accepted(receipt)


async def read_upload(request: Request) -> tuple[bytes, str | None, str | None]:
    """Return ``(csv bytes, preset, tz)`` from a multipart form (field ``file``) or a CSV body."""
    media = media_type(request)
    preset = request.query_params.get("preset") or None
    tz = request.query_params.get("tz") or None
    if media == "multipart/form-data":
        form = await request.form()
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise HTTPException(400, "the form has no file field named 'file'")
        data = await upload.read()
        preset = str(form.get("preset") or "") or preset
        tz = str(form.get("tz") or "") or tz
        return data, preset, tz
    if media in CSV_TYPES:
        return await request.body(), preset, tz
    raise HTTPException(
        415, "Content-Type must be text/csv or multipart/form-data with a 'file' field"
    )


def check_preset(preset: str | None) -> None:
    """Raise 400 for an unknown preset name."""
    if preset is not None and preset not in PRESETS:
        raise HTTPException(400, f"unknown preset '{preset}'; known presets: {', '.join(PRESETS)}")


@router.post(
    "/reports/upload", status_code=202, summary="Upload a CSV of reports", openapi_extra=_CSV_BODY
)
async def upload_reports(request: Request) -> JSONResponse:
    """Store a CSV of reports (our columns, or ``preset=ftc_dnc`` / ``fcc_complaints``).

    ``tz`` (IANA name, default America/New_York) is the zone of a preset's zoneless times.
    """
    key = _idempotency_key(request)
    data, preset, tz = await read_upload(request)
    try:
        receipt = await submit_csv(request, data, "file", preset, tz, key)
    except RejectedBatch as exc:
        return _rejected_response(exc)
    return _accepted(receipt)


async def submit_csv(
    request: Request,
    data: bytes,
    filename: str,
    preset: str | None,
    tz: str | None,
    key: str | None,
) -> dict[str, Any]:
    """Store an uploaded CSV of reports for the caller's organisation (API and upload page).

    The batch's digest covers the bytes, the preset and the zone, so the same file read another
    way is another batch.

    Returns
    -------
    dict
        The receipt (see :func:`submit`).

    Raises
    ------
    HTTPException
        400 for an unknown preset or a file that is not UTF-8 text (and what :func:`submit` raises).
    RejectedBatch
        When no row of the file could be stored.
    """
    check_preset(preset)
    try:
        text = decode_utf8(data, filename)
    except ReportInputError as exc:
        raise HTTPException(400, str(exc)) from exc
    digest = hashlib.sha256(data + f"\x00{preset}\x00{tz}".encode()).hexdigest()
    return await run_in_threadpool(
        submit,
        request,
        request.state.principal,
        lambda: reports_from_csv_text(text, preset, tz),
        "csv",
        digest,
        preset,
        key,
    )


def filters_from(request: Request) -> Filters:
    """Read :class:`Filters` from the query string (400 on a bad number)."""
    q = request.query_params
    try:
        return Filters(
            since=q.get("since") or None,
            until=q.get("until") or None,
            reporter=q.get("reporter") or None,
            number=q.get("number") or None,
            q=q.get("q") or None,
            limit=int(q.get("limit") or 50),
            offset=int(q.get("offset") or 0),
        )
    except ValueError as exc:
        raise HTTPException(400, "limit and offset must be whole numbers") from exc


@router.get("/reports", summary="List and filter reports")
def get_reports(request: Request) -> dict[str, Any]:
    """List reports, newest call first: ``since``/``until`` (ISO 8601 with zone), ``reporter``
    (organisation name), ``number`` (calling or called, any format), ``q`` (text), ``limit``,
    ``offset``. A carrier or app sees its own reports; analysts see all."""
    f = filters_from(request)
    try:
        total, rows = list_reports(request.state.db, request.state.principal, f)
    except FilterError as exc:
        raise HTTPException(400, str(exc)) from exc
    return {
        "total": total,
        "limit": f.limit,
        "offset": f.offset,
        "items": [report_json(r, n) for r, n in rows],
    }


@router.get("/reports/{rid}", summary="One report")
def get_report(request: Request, rid: int) -> dict[str, Any]:
    """Return one report; 404 when it does not exist or belongs to another organisation."""
    found = find_report(request.state.db, request.state.principal, rid)
    if found is None:
        raise HTTPException(404, f"no report {rid}")
    return report_json(*found)


def find_receipt(request: Request, receipt_id: str) -> IntakeBatch:
    """Return a receipt the caller may see (its organisation's, or any for analysts), else 404."""
    who: Principal = request.state.principal
    batch = request.state.db.get(IntakeBatch, receipt_id)
    if batch is None or not (who.sees_all or (who.org is not None and batch.org_id == who.org.id)):
        raise HTTPException(404, f"no receipt {receipt_id}")
    return batch


@router.get("/receipts/{receipt_id}", summary="A receipt")
def get_receipt(request: Request, receipt_id: str) -> dict[str, Any]:
    """Return the receipt of an earlier submission."""
    return receipt_of(find_receipt(request, receipt_id))


@router.get("/health", summary="Liveness")
def health() -> dict[str, str]:
    """Return ``{"status": "ok"}``."""
    return {"status": "ok"}
