"""The platform's tables, as SQLAlchemy 2 typed ORM classes.

One :class:`Base` holds every table; later issues (campaigns, traceback, alerts, legal process) add
their classes in modules of their own that import :class:`Base` and add an Alembic revision.

Times are stored in UTC. SQLite has no time zone type, so every ``DateTime`` column is written and
read as naive UTC (:class:`UTCDateTime` re-attaches the zone on the way out).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from graphengine.schema import REPORT_SOURCE_KINDS

__all__ = [
    "ORG_KINDS",
    "ROLES",
    "SOURCE_KINDS",
    "ApiKey",
    "AuditEntry",
    "AuditHead",
    "Base",
    "IdempotencyKey",
    "IntakeBatch",
    "Organization",
    "Report",
    "User",
    "utcnow",
]

ORG_KINDS: tuple[str, ...] = ("carrier", "blocking_app", "agency", "traceback_admin")
ROLES: tuple[str, ...] = ("admin", "analyst", "investigator", "reviewer", "responder")
SOURCE_KINDS: tuple[str, ...] = REPORT_SOURCE_KINDS


def utcnow() -> dt.datetime:
    """Return the current time, timezone-aware, in UTC."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored as naive UTC and returned timezone-aware (UTC) on every database."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        return None if value is None else value.replace(tzinfo=dt.UTC)


# Integer primary keys that are BIGINT on PostgreSQL and INTEGER (rowid) on SQLite.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    """Declarative base of every platform table."""


class Organization(Base):
    """A carrier, blocking app, agency or the traceback administrator."""

    __tablename__ = "organization"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class User(Base):
    """A person who logs in; ``totp_secret`` is set for roles that need a second factor."""

    __tablename__ = "user_account"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    username: Mapped[str] = mapped_column(String(120), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))
    totp_secret: Mapped[str | None] = mapped_column(String(64), default=None)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # bumped to end every session of the user (password change, deactivation)
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ApiKey(Base):
    """An organisation's API key: only the SHA-256 of its secret part is stored."""

    __tablename__ = "api_key"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    secret_sha256: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[str] = mapped_column(String(200))  # space-separated
    rate_per_minute: Mapped[int] = mapped_column(Integer, default=600)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def scope_set(self) -> frozenset[str]:
        """Return the key's scopes."""
        return frozenset(self.scopes.split())


class IntakeBatch(Base):
    """One accepted submission and its receipt (what ``202`` answered)."""

    __tablename__ = "intake_batch"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the receipt id (UUID)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_key.id"), default=None)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), default=None)
    channel: Mapped[str] = mapped_column(String(16))  # json, ndjson, csv
    preset: Mapped[str | None] = mapped_column(String(32), default=None)
    body_sha256: Mapped[str] = mapped_column(String(64))
    received_rows: Mapped[int] = mapped_column(Integer)
    accepted: Mapped[int] = mapped_column(Integer)
    duplicates: Mapped[int] = mapped_column(Integer)
    rejected: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class IdempotencyKey(Base):
    """An ``Idempotency-Key`` an organisation used, and the receipt it produced."""

    __tablename__ = "idempotency_key"
    __table_args__ = (UniqueConstraint("org_id", "key", name="uq_idempotency_org_key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    key: Mapped[str] = mapped_column(String(200))
    body_sha256: Mapped[str] = mapped_column(String(64))
    batch_id: Mapped[str] = mapped_column(ForeignKey("intake_batch.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Report(Base):
    """One suspected robocall, as a carrier, app, agency or complaint file reported it."""

    __tablename__ = "report"
    __table_args__ = (
        UniqueConstraint("org_id", "report_id", name="uq_report_org_report_id"),
        Index("ix_report_call_time", "call_time"),
        Index("ix_report_calling_e164", "calling_e164"),
        Index("ix_report_called_e164", "called_e164"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    batch_id: Mapped[str] = mapped_column(ForeignKey("intake_batch.id"), index=True)
    report_id: Mapped[str] = mapped_column(String(200))
    source_kind: Mapped[str] = mapped_column(String(32))
    call_time: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    calling_number: Mapped[str | None] = mapped_column(String(64), default=None)
    calling_e164: Mapped[str | None] = mapped_column(String(16), default=None)
    called_number: Mapped[str | None] = mapped_column(String(64), default=None)
    called_e164: Mapped[str | None] = mapped_column(String(16), default=None)
    transcript: Mapped[str | None] = mapped_column(Text, default=None)
    audio_sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    terminating_carrier: Mapped[str | None] = mapped_column(String(200), default=None)
    attestation: Mapped[str | None] = mapped_column(String(1), default=None)
    origid: Mapped[str | None] = mapped_column(String(64), default=None)
    reported_category: Mapped[str | None] = mapped_column(String(200), default=None)
    consumer_state: Mapped[str | None] = mapped_column(String(2), default=None)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuditEntry(Base):
    """One state change or download; ``entry_hash`` covers the entry and ``prev_hash``."""

    __tablename__ = "audit_entry"
    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(200))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The last entry's number and hash (one row), so a deleted tail is noticed too."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigId)
    entry_hash: Mapped[str] = mapped_column(String(64))
