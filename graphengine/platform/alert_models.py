"""The platform's alert tables: stored alerts, agencies' subscriptions, and webhook attempts.

An :class:`AlertRow` keeps the engine's :class:`~graphengine.alerts.Alert` as its JSON payload,
keyed by the content-derived ``alert_id`` (so storing the same event twice changes nothing). A
:class:`AlertSubscription` belongs to one agency; its webhook secret is shown once, when it is
created, and kept only to sign deliveries. Every POST of a delivery is one :class:`Delivery` row.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from graphengine.alerts import Alert, ProviderRef
from graphengine.platform.models import Base, UTCDateTime, utcnow

__all__ = ["AlertRow", "AlertSubscription", "Delivery", "alert_from_payload"]


class AlertRow(Base):
    """One alert, as the rules made it (``payload`` is ``Alert.to_dict()``)."""

    __tablename__ = "alert"
    __table_args__ = (Index("ix_alert_occurred_at", "occurred_at"),)
    alert_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    tlp: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    campaign_id: Mapped[str | None] = mapped_column(String(200), default=None)
    provider_key: Mapped[str | None] = mapped_column(String(200), default=None)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    def alert(self) -> Alert:
        """Return the engine's :class:`Alert` rebuilt from the payload."""
        return alert_from_payload(self.payload)


class AlertSubscription(Base):
    """What one agency follows (empty lists match everything) and where its webhook goes."""

    __tablename__ = "alert_subscription"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    states: Mapped[list[str]] = mapped_column(JSON, default=list)
    themes: Mapped[list[str]] = mapped_column(JSON, default=list)
    providers: Mapped[list[str]] = mapped_column(JSON, default=list)
    kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    webhook_url: Mapped[str | None] = mapped_column(String(500), default=None)
    # needed to sign each delivery; shown to the agency once, never again
    webhook_secret: Mapped[str | None] = mapped_column(String(100), default=None)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Delivery(Base):
    """One POST of one alert to one subscription's webhook."""

    __tablename__ = "alert_delivery"
    __table_args__ = (Index("ix_alert_delivery_sub_alert", "subscription_id", "alert_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("alert_subscription.id"))
    alert_id: Mapped[str] = mapped_column(ForeignKey("alert.alert_id"))
    attempt: Mapped[int] = mapped_column(Integer)
    http_status: Mapped[int | None] = mapped_column(Integer, default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    ok: Mapped[bool] = mapped_column(Boolean, default=False)
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)


def alert_from_payload(data: dict[str, Any]) -> Alert:
    """Return the :class:`Alert` whose ``to_dict()`` is ``data`` (raises ``ConfigError`` if bad)."""
    return Alert(
        kind=data["kind"],
        occurred_at=data["occurred_at"],
        reason=data["reason"],
        tlp=data["tlp"],
        campaign_id=data.get("campaign_id"),
        provider_key=data.get("provider_key"),
        magnitude=data.get("magnitude"),
        baseline=data.get("baseline"),
        signature=data.get("signature") or {},
        providers=tuple(
            ProviderRef(
                key=p["key"],
                name=p["name"],
                roles=tuple(p.get("roles", ())),
                attestations=tuple(p.get("attestations", ())),
                tracebacks=int(p.get("tracebacks", 0)),
            )
            for p in data.get("providers", ())
        ),
        traceback_ids=tuple(data.get("traceback_ids", ())),
        report_ids=tuple(data.get("report_ids", ())),
        states=tuple(data.get("states", ())),
        themes=tuple(data.get("themes", ())),
    )
