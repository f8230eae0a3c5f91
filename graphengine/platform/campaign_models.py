"""The platform's campaign tables: campaigns, their members, events, runs and the engine's state.

The background job (:mod:`graphengine.platform.campaign_service`) keeps them: a
:class:`CampaignMember` row ties one stored report to its campaign, a :class:`CampaignRow` holds the
campaign's profile as the engine computed it, each :class:`CampaignEventRow` is one event the
engine returned, and :class:`CampaignStateRow` (one row) holds what the engine needs to carry on:
its state document, the pool of reports waiting for others of their kind, and the last report
(by primary key) already seen. Each run of the job is one :class:`CampaignRun` row.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from graphengine.platform.models import Base, BigId, UTCDateTime, utcnow

__all__ = ["CampaignEventRow", "CampaignMember", "CampaignRow", "CampaignRun", "CampaignStateRow"]


class CampaignRow(Base):
    """One campaign (``merged_into`` is set when the engine found it to be another's script)."""

    __tablename__ = "campaign"
    campaign_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    reports: Mapped[int] = mapped_column(Integer, default=0)
    first_seen: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    last_seen: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    language: Mapped[str] = mapped_column(String(8), default="")
    representative: Mapped[str] = mapped_column(Text, default="")
    terms: Mapped[str] = mapped_column(Text, default="")  # ';'-joined distinctive terms
    callback_numbers: Mapped[str] = mapped_column(Text, default="")
    profile: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the engine's row
    daily: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)  # day -> reports
    merged_into: Mapped[str | None] = mapped_column(String(32), default=None)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class CampaignMember(Base):
    """A stored report's campaign (at most one)."""

    __tablename__ = "campaign_member"
    report_pk: Mapped[int] = mapped_column(
        BigId, ForeignKey("report.id"), primary_key=True, autoincrement=False
    )
    campaign_id: Mapped[str] = mapped_column(String(32), index=True)
    run_id: Mapped[int] = mapped_column(Integer)


class CampaignEventRow(Base):
    """One event the engine returned (surge, new campaign, stop, decline, change point...)."""

    __tablename__ = "campaign_event"
    __table_args__ = (Index("ix_campaign_event_campaign_time", "campaign_id", "time"),)
    event_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    campaign_id: Mapped[str] = mapped_column(String(32))
    time: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    detected_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    magnitude: Mapped[float | None] = mapped_column(Float, default=None)
    baseline: Mapped[float | None] = mapped_column(Float, default=None)
    report_ids: Mapped[list[str]] = mapped_column(JSON, default=list)  # report primary keys
    traceback_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    run_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class CampaignRun(Base):
    """One run of the background job: which reports it took and what it found."""

    __tablename__ = "campaign_run"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    after_report_pk: Mapped[int] = mapped_column(BigId)  # reports with a larger key were taken
    through_report_pk: Mapped[int] = mapped_column(BigId)  # ... up to and including this one
    reports: Mapped[int] = mapped_column(Integer)
    assigned: Mapped[int] = mapped_column(Integer)  # members added (incl. pooled reports)
    new_campaigns: Mapped[int] = mapped_column(Integer)
    merged: Mapped[int] = mapped_column(Integer)
    events: Mapped[int] = mapped_column(Integer)
    seconds: Mapped[float] = mapped_column(Float)


class CampaignStateRow(Base):
    """The engine's state between runs (a single row, ``id`` 1)."""

    __tablename__ = "campaign_state"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    through_report_pk: Mapped[int] = mapped_column(BigId, default=0)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)  # CampaignState.document()
    pool: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # pool_frame() rows
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
