"""The legal-process portal's tables: agencies' requests (subpoenas, CIDs, court orders) and the
outbox of email-ready notices.

A request's document is stored under the platform's state folder by its SHA-256, never by the name
it was uploaded with; so is the response package.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from graphengine.platform.models import Base, UTCDateTime, utcnow

__all__ = ["REQUEST_STATUSES", "REQUEST_TYPES", "STATUS_TEXT", "LegalRequest", "OutboxMessage"]

REQUEST_TYPES: tuple[str, ...] = ("subpoena", "cid", "court_order")
REQUEST_STATUSES: tuple[str, ...] = (
    "submitted",
    "under_review",
    "accepted",
    "rejected",
    "changes_requested",
    "fulfilled",
    "withdrawn",
    "package_failed",
)
#: what a page prints for a status when its name alone would not say it (else ``_`` -> space)
STATUS_TEXT: dict[str, str] = {
    "accepted": "accepted: package being prepared",
    "package_failed": "accepted: package failed",
}


class LegalRequest(Base):
    """One agency's request for records, and where it stands."""

    __tablename__ = "legal_request"
    __table_args__ = (Index("ix_legal_request_org_status", "org_id", "status"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    created_by: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    request_type: Mapped[str] = mapped_column(String(16))
    authority: Mapped[str] = mapped_column(String(200))
    case_number: Mapped[str] = mapped_column(String(100))
    document_sha256: Mapped[str] = mapped_column(String(64))
    document_bytes: Mapped[int] = mapped_column(Integer)
    targets: Mapped[dict[str, Any]] = mapped_column(JSON)
    due_date: Mapped[dt.date] = mapped_column(Date)
    alert_id: Mapped[str | None] = mapped_column(String(32), default=None)
    status: Mapped[str] = mapped_column(String(20), default="submitted")
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    package_sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    def overdue(self, today: dt.date | None = None) -> bool:
        """True when the due date passed and the request is still open."""
        today = today or utcnow().date()
        open_ = ("submitted", "under_review", "accepted", "package_failed")
        return self.status in open_ and self.due_date < today

    def status_text(self) -> str:
        """The status as the pages print it (``accepted: package being prepared``)."""
        return STATUS_TEXT.get(self.status, self.status.replace("_", " "))


class OutboxMessage(Base):
    """An email-ready notice to an organisation's people (:mod:`.mail` sends and stamps it)."""

    __tablename__ = "outbox_message"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    to_address: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    # SMTP delivery (migration 0022): attempts so far, the last refusal, the next try, or given up
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    failed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
