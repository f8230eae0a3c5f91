"""Listing and filtering reports for pages, the JSON API and CSV downloads.

A carrier's or app's people and keys see their own organisation's reports only; the analyst roles
(:data:`~graphengine.platform.access.ANALYST_ROLES`) see all. A report the caller may not see is
"not found" (404), never "forbidden", so ids of other organisations' reports leak nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from graphengine.platform.access import Principal
from graphengine.platform.models import Organization, Report
from loaders.phones import e164_of

__all__ = ["MAX_PAGE", "Filters", "find_report", "list_reports", "report_json"]

MAX_PAGE = 500
_S = TypeVar("_S", bound=Select)


class FilterError(ValueError):
    """A filter value cannot be read (the message names it)."""


@dataclass(frozen=True)
class Filters:
    """Report filters: call time range, reporter (organisation name), number, text."""

    since: str | None = None
    until: str | None = None
    reporter: str | None = None
    number: str | None = None
    q: str | None = None
    limit: int = 50
    offset: int = 0

    def as_query(self) -> dict[str, Any]:
        """Return the non-empty filters (for links to the next page)."""
        return {k: v for k, v in self.__dict__.items() if v not in (None, "") and k != "offset"}


def _time(value: str, name: str) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise FilterError(f"{name} must be an ISO 8601 time, got '{value[:40]}'") from exc
    if parsed.tzinfo is None:
        raise FilterError(f"{name} needs a time zone or offset, got '{value[:40]}'")
    return parsed


def _visible(stmt: _S, who: Principal) -> _S:
    if who.sees_all:
        return stmt
    assert who.org is not None
    return stmt.where(Report.org_id == who.org.id)


def _filtered(stmt: _S, f: Filters) -> _S:
    if f.since:
        stmt = stmt.where(Report.call_time >= _time(f.since, "since"))
    if f.until:
        stmt = stmt.where(Report.call_time < _time(f.until, "until"))
    if f.reporter:
        stmt = stmt.where(
            Report.org_id
            == select(Organization.id).where(Organization.name == f.reporter).scalar_subquery()
        )
    if f.number:
        e164 = e164_of(f.number)
        if e164:
            stmt = stmt.where(or_(Report.calling_e164 == e164, Report.called_e164 == e164))
        else:
            stmt = stmt.where(
                or_(Report.calling_number == f.number, Report.called_number == f.number)
            )
    if f.q:
        stmt = stmt.where(
            or_(
                Report.transcript.contains(f.q, autoescape=True),
                Report.reported_category.contains(f.q, autoescape=True),
                Report.report_id.contains(f.q, autoescape=True),
            )
        )
    return stmt


def list_reports(
    session: Session, who: Principal, f: Filters
) -> tuple[int, list[tuple[Report, str]]]:
    """Return ``(total matching, page of (report, reporter name))``, newest call first.

    Raises
    ------
    FilterError
        A time filter cannot be read or has no zone.
    """
    if not 1 <= f.limit <= MAX_PAGE or f.offset < 0:
        raise FilterError(f"limit must be 1..{MAX_PAGE} and offset >= 0")
    base = _filtered(_visible(select(Report.id), who), f)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    page = session.execute(
        _filtered(
            _visible(
                select(Report, Organization.name).join(
                    Organization, Organization.id == Report.org_id
                ),
                who,
            ),
            f,
        )
        .order_by(Report.call_time.desc(), Report.id.desc())
        .limit(f.limit)
        .offset(f.offset)
    ).all()
    return total, [(r, name) for r, name in page]


def find_report(session: Session, who: Principal, rid: int) -> tuple[Report, str] | None:
    """Return one report and its reporter's name, or ``None`` when missing or not visible."""
    row = session.execute(
        _visible(
            select(Report, Organization.name).join(Organization, Organization.id == Report.org_id),
            who,
        ).where(Report.id == rid)
    ).first()
    return None if row is None else (row[0], row[1])


def report_json(report: Report, reporter: str) -> dict[str, Any]:
    """Return one report as JSON-ready values (times in ISO 8601 UTC)."""
    return {
        "id": report.id,
        "reporter": reporter,
        "report_id": report.report_id,
        "source_kind": report.source_kind,
        "call_time": report.call_time.isoformat(),
        "calling_number": report.calling_number,
        "calling_e164": report.calling_e164,
        "called_number": report.called_number,
        "called_e164": report.called_e164,
        "transcript": report.transcript,
        "audio_sha256": report.audio_sha256,
        "terminating_carrier": report.terminating_carrier,
        "attestation": report.attestation,
        "origid": report.origid,
        "reported_category": report.reported_category,
        "consumer_state": report.consumer_state,
        "receipt_id": report.batch_id,
        "received_at": report.received_at.isoformat(),
    }
