"""Alerts on the platform: store the engine's alerts, match agencies' subscriptions, deliver.

:func:`store_alerts` inserts the alerts not yet stored (by ``alert_id``: a re-run of the rules adds
nothing) and queues one ``alerts.deliver`` job per new alert and matching subscription that has a
webhook. The ``alerts.ingest`` job runs the engine's rules over campaign events handed in its
payload. ``alerts.deliver`` POSTs once, records the attempt as a :class:`Delivery` row, and on a
failure queues the next attempt after the Standard Webhooks back-off (5 s, 5 min, 30 min, 2 h).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from graphengine.alerts import Alert, Subscription, campaign_event_alerts, finding_alerts
from graphengine.alerts.webhooks import DEFAULT_BACKOFF, deliver, new_secret
from graphengine.errors import ConfigError
from graphengine.platform import audit, jobs
from graphengine.platform.alert_models import AlertRow, AlertSubscription, Delivery
from graphengine.platform.models import Organization, utcnow

__all__ = [
    "agency_alerts",
    "create_subscription",
    "deactivate_subscription",
    "matches",
    "org_subscriptions",
    "store_alerts",
]

DELIVER_JOB = "alerts.deliver"
INGEST_JOB = "alerts.ingest"


def _engine_subscription(sub: AlertSubscription) -> Subscription:
    return Subscription(
        agency=str(sub.org_id),
        states=frozenset(sub.states or ()),
        themes=frozenset(sub.themes or ()),
        providers=frozenset(sub.providers or ()),
        kinds=frozenset(sub.kinds or ()),
    )


def matches(sub: AlertSubscription, alert: Alert) -> bool:
    """True when the active subscription ``sub`` follows ``alert``."""
    return sub.active and _engine_subscription(sub).matches(alert)


def create_subscription(
    session: Session,
    org: Organization,
    actor: str,
    *,
    name: str,
    states: Sequence[str] = (),
    themes: Sequence[str] = (),
    providers: Sequence[str] = (),
    kinds: Sequence[str] = (),
    webhook_url: str | None = None,
) -> tuple[AlertSubscription, str | None]:
    """Add an agency's subscription; return it and the webhook secret (the only time it is shown).

    Raises
    ------
    ConfigError
        When the organisation is not an agency, a criterion is malformed, or the URL is not http(s).
    """
    if org.kind != "agency":
        raise ConfigError("only agencies subscribe to alerts")
    name = name.strip()
    if not name or len(name) > 120:
        raise ConfigError("a subscription needs a name of 1 to 120 characters")
    Subscription(  # validates states and kinds with the engine's rules
        agency=org.name,
        states=frozenset(states),
        themes=frozenset(themes),
        providers=frozenset(providers),
        kinds=frozenset(kinds),
    )
    if webhook_url and not webhook_url.startswith(("http://", "https://")):
        raise ConfigError("webhook URL must start with http:// or https://")
    secret = new_secret() if webhook_url else None
    sub = AlertSubscription(
        org_id=org.id,
        name=name,
        states=sorted({s.upper() for s in states}),
        themes=sorted({t.strip().lower() for t in themes if t.strip()}),
        providers=sorted(set(providers)),
        kinds=sorted(set(kinds)),
        webhook_url=webhook_url or None,
        webhook_secret=secret,
        active=True,
        created_at=utcnow(),
    )
    session.add(sub)
    session.flush()
    audit.append(
        session,
        actor,
        "subscription.create",
        f"subscription:{sub.id}",
        {"org": org.name, "webhook": bool(webhook_url)},
    )
    return sub, secret


def deactivate_subscription(session: Session, sub: AlertSubscription, actor: str) -> None:
    """Stop ``sub`` (no more matches or webhooks; its past deliveries stay); audited."""
    sub.active = False
    audit.append(session, actor, "subscription.deactivate", f"subscription:{sub.id}")


def store_alerts(session: Session, alerts: Iterable[Alert], actor: str = "system") -> list[str]:
    """Store the alerts not stored yet and queue their webhook deliveries; return the new ids."""
    new: list[str] = []
    subs = list(session.scalars(select(AlertSubscription).where(AlertSubscription.active)))
    for alert in alerts:
        aid = alert.alert_id
        if aid in new or session.get(AlertRow, aid) is not None:
            continue
        session.add(
            AlertRow(
                alert_id=aid,
                kind=alert.kind,
                tlp=alert.tlp,
                title=alert.title[:300],
                campaign_id=alert.campaign_id,
                provider_key=alert.provider_key,
                occurred_at=alert.occurred_at,
                payload=alert.to_dict(),
                created_at=utcnow(),
            )
        )
        session.flush()
        audit.append(session, actor, "alert.create", f"alert:{aid}", {"kind": alert.kind})
        for sub in subs:
            if sub.webhook_url and matches(sub, alert):
                jobs.enqueue(session, DELIVER_JOB, {"subscription_id": sub.id, "alert_id": aid})
        new.append(aid)
    return new


def org_subscriptions(
    session: Session, org_id: int, *, active_only: bool = False
) -> list[AlertSubscription]:
    """Return the organisation's subscriptions, oldest first; with ``active_only``, only those
    still delivering. The alert list follows active ones only, while an alert page stays
    readable through a deactivated one (the agency may have received the alert through it)."""
    stmt = select(AlertSubscription).where(AlertSubscription.org_id == org_id)
    if active_only:
        stmt = stmt.where(AlertSubscription.active)
    return list(session.scalars(stmt.order_by(AlertSubscription.id)))


def agency_alerts(session: Session, org_id: int | None, limit: int = 200) -> list[AlertRow]:
    """The newest alerts (``limit``) that the organisation's subscriptions follow; all when None."""
    rows = list(
        session.scalars(
            select(AlertRow).order_by(AlertRow.occurred_at.desc(), AlertRow.alert_id).limit(5000)
        )
    )
    if org_id is None:
        return rows[:limit]
    subs = org_subscriptions(session, org_id, active_only=True)
    out = [r for r in rows if any(matches(s, r.alert()) for s in subs)]
    return out[:limit]


def _backoff() -> tuple[float, ...]:
    return DEFAULT_BACKOFF


def _attempt_plan(
    engine: Any, payload: dict[str, Any]
) -> tuple[str, str, int, str, dict[str, Any], int] | None:
    """What to send (url, secret, subscription, alert, body, attempt number), read in a short
    transaction of its own; None when there is nothing to send."""
    with Session(engine) as reader:
        sub = reader.get(AlertSubscription, int(payload["subscription_id"]))
        row = reader.get(AlertRow, str(payload["alert_id"]))
        if sub is None or row is None or not sub.webhook_url or not sub.webhook_secret:
            return None  # deleted meanwhile: nothing to send
        done = reader.scalars(
            select(Delivery.ok).where(
                Delivery.subscription_id == sub.id, Delivery.alert_id == row.alert_id
            )
        ).all()
        if any(done):
            return None  # a crash after the POST ran this job again: it was already delivered
        body = {
            "type": "alert.created",
            "timestamp": row.created_at.isoformat(),
            "data": row.payload,
        }
        return sub.webhook_url, sub.webhook_secret, sub.id, row.alert_id, body, len(done) + 1


@jobs.handler(DELIVER_JOB)
def deliver_job(session: Session, payload: dict[str, Any]) -> None:
    """One attempt of one webhook delivery; a failure queues the next attempt after the back-off.

    The job's own session is used only after the POST: on SQLite its transaction holds the write
    lock, and a slow receiver must not stall intake for the length of its timeout.
    """
    plan = _attempt_plan(session.get_bind(), payload)
    if plan is None:
        return
    url, secret, sub_id, alert_id, body, number = plan
    attempt = deliver(url, secret, f"msg_{alert_id}_{sub_id}", body, backoff=(), timeout=10.0)[0]
    waits = _backoff()
    retry = not attempt.ok and (
        attempt.status is None or attempt.status == 429 or attempt.status >= 500
    )
    next_at = None
    if retry and number <= len(waits):
        next_at = utcnow() + dt.timedelta(seconds=waits[number - 1])
        jobs.enqueue(session, DELIVER_JOB, dict(payload), due_at=next_at)
    session.add(
        Delivery(
            subscription_id=sub_id,
            alert_id=alert_id,
            attempt=number,
            http_status=attempt.status,
            error=attempt.error or None,
            ok=attempt.ok,
            sent_at=attempt.sent_at,
            next_attempt_at=next_at,
        )
    )


def deliveries_of(session: Session, alert_id: str, org_id: int | None) -> list[Delivery]:
    """The delivery attempts of an alert (only to the organisation's subscriptions unless None)."""
    stmt = select(Delivery).where(Delivery.alert_id == alert_id).order_by(Delivery.sent_at)
    if org_id is not None:
        stmt = stmt.join(AlertSubscription, AlertSubscription.id == Delivery.subscription_id).where(
            AlertSubscription.org_id == org_id
        )
    return list(session.scalars(stmt))


def _frame(
    records: list[dict[str, Any]] | None, times: tuple[str, ...] = ()
) -> pd.DataFrame | None:
    """Records from a job's JSON payload as a frame, with its time columns parsed (UTC)."""
    if not records:
        return None
    frame = pd.DataFrame.from_records(records)
    for column in times:
        if column in frame.columns:
            frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


@jobs.handler(INGEST_JOB)
def ingest_job(session: Session, payload: dict[str, Any]) -> None:
    """Run the engine's rules over the records in ``payload`` and store the new alerts.

    ``events`` (campaign events; optional ``campaigns`` and ``reports`` give the signature and the
    states; optional ``hops`` the providers in the paths) go through ``campaign_event_alerts``.
    ``noncooperation`` with ``hops`` (and optional ``providers``, ``previous_noncooperative``) go
    through ``finding_alerts``.
    """
    hops = _frame(payload.get("hops"), ("call_time",))
    alerts: list[Alert] = []
    events = _frame(payload.get("events"))
    if events is not None:
        alerts += campaign_event_alerts(
            events,
            campaigns=_frame(payload.get("campaigns")),
            reports=_frame(payload.get("reports")),
            hops=hops,
        )
    noncooperation = _frame(payload.get("noncooperation"))
    if noncooperation is not None and hops is not None:
        previous = payload.get("previous_noncooperative")
        alerts += finding_alerts(
            noncooperation,
            hops,
            _frame(payload.get("providers"), ("rmd_removed_on",)),
            previous_noncooperative=previous,
        )
    store_alerts(session, alerts, actor="job:alerts.ingest")


def count_alerts(session: Session) -> int:
    """How many alerts are stored."""
    return int(session.scalar(select(func.count()).select_from(AlertRow)) or 0)
