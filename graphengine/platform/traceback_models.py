"""The platform's traceback tables: tracebacks, their hop requests, and carriers' record uploads.

The state machine itself is the engine's :mod:`graphengine.traceback.workflow`;
:mod:`graphengine.platform.traceback_service` rebuilds it from these rows, applies one transition
and writes the rows back. A record file is stored under the state folder by its SHA-256
(``records/<sha256>.csv|.parquet``), never by the name it was uploaded with.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from graphengine.platform.models import Base, BigId, UTCDateTime, utcnow

__all__ = ["ENDED_STATES", "HopRequestRow", "RecordUpload", "TracebackRow"]

#: traceback states whose hop rows are stored and count as evidence
ENDED_STATES = ("complete", "stalled")


class TracebackRow(Base):
    """One traceback: the suspect call, where it came from, its state and (once ended) its hops."""

    __tablename__ = "traceback"
    # ended_at: the campaign job looks up the tracebacks that ended since its previous run
    __table_args__ = (
        Index("ix_traceback_state", "state"),
        Index("ix_traceback_ended_at", "ended_at"),
    )
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), default="open")
    call_time: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    calling_number: Mapped[str] = mapped_column(String(64))
    called_number: Mapped[str] = mapped_column(String(64))
    campaign: Mapped[str] = mapped_column(String(200), default="")
    terminating_carrier: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(16))  # report, api, rule
    report_pk: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("report.id"), default=None, index=True
    )
    due_seconds: Mapped[int] = mapped_column(Integer)
    opened_by: Mapped[str] = mapped_column(String(200))
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    # canonical hop rows of a complete or stalled traceback, and their SHA-256
    hop_rows: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, default=None)
    rows_sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    # the rows_sha256 last loaded into Neo4j (differs from rows_sha256 while a load is pending)
    loaded_sha256: Mapped[str | None] = mapped_column(String(64), default=None)


class HopRequestRow(Base):
    """The question put to one provider (``org_id``: its organisation on the platform, if any)."""

    __tablename__ = "hop_request"
    __table_args__ = (
        UniqueConstraint("traceback_id", "hop", name="uq_hop_request_traceback_hop"),
        Index("ix_hop_request_org_state", "org_id", "state"),
        Index("ix_hop_request_provider_state", "provider_key", "state"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    traceback_id: Mapped[str] = mapped_column(ForeignKey("traceback.id"))
    hop: Mapped[int] = mapped_column(Integer)
    provider: Mapped[str] = mapped_column(String(200))
    provider_key: Mapped[str] = mapped_column(String(200))
    provider_country: Mapped[str] = mapped_column(String(2), default="US")
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"), default=None)
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(24), default="requested")
    answer_kind: Mapped[str | None] = mapped_column(String(24), default=None)
    upstream: Mapped[str] = mapped_column(String(200), default="")
    upstream_key: Mapped[str] = mapped_column(String(200), default="")
    upstream_country: Mapped[str] = mapped_column(String(2), default="")
    customer: Mapped[str] = mapped_column(String(200), default="")
    attestation: Mapped[str] = mapped_column(String(1), default="")
    answered_by: Mapped[str | None] = mapped_column(String(200), default=None)
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    overdue_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    from_records: Mapped[bool] = mapped_column(Boolean, default=False)
    record_sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    record_upload_id: Mapped[int | None] = mapped_column(
        ForeignKey("record_upload.id"), default=None
    )


class RecordUpload(Base):
    """One carrier's call-record file, validated whole, and the period its records cover."""

    __tablename__ = "record_upload"
    __table_args__ = (Index("ix_record_upload_carrier", "carrier_key", "period_start"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    carrier: Mapped[str] = mapped_column(String(200))
    carrier_key: Mapped[str] = mapped_column(String(200))
    period_start: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    period_end: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    rows: Mapped[int] = mapped_column(Integer)
    file_format: Mapped[str] = mapped_column(String(8))  # csv, parquet
    file_sha256: Mapped[str] = mapped_column(String(64))
    stored_name: Mapped[str] = mapped_column(String(100))  # <sha256>.<format>
    uploaded_by: Mapped[str] = mapped_column(String(200))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered: Mapped[int] = mapped_column(Integer, default=0)
