"""Alert pages and API: the alert list and page, agencies' subscriptions, feeds and STIX export.

Who sees what: admins, analysts and reviewers see every alert; an agency (its investigators and
its ``alerts:read`` keys) sees the alerts its subscriptions follow, and only its own
subscriptions. Anything else answers 404, the same as an alert that does not exist.
"""

from __future__ import annotations

import json

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, Response

from graphengine.alerts import atom_feed, json_feed
from graphengine.alerts.stix import stix_json
from graphengine.errors import ConfigError
from graphengine.platform.access import Principal
from graphengine.platform.alert_models import AlertRow, AlertSubscription
from graphengine.platform.alert_service import (
    agency_alerts,
    create_subscription,
    deliveries_of,
    matches,
    org_subscriptions,
)
from graphengine.platform.db import session_scope
from graphengine.platform.models import utcnow
from graphengine.platform.rendering import render

__all__ = ["api", "org_scope", "pages", "subscription_dict", "visible_alert"]

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["alerts"])
NOT_FOUND = "no such alert"


def org_scope(who: Principal) -> int | None:
    """The organisation whose alerts the caller sees, or ``None`` for every alert."""
    if who.kind == "user" and who.role in ("admin", "analyst", "reviewer"):
        return None
    if who.org is None:  # pragma: no cover - every user and key belongs to an organisation
        raise HTTPException(403, "no organisation")
    return who.org.id


def visible_alert(request: Request, alert_id: str) -> AlertRow:
    """The alert if the caller may see it; 404 otherwise (the same answer as a missing one)."""
    session = request.state.db
    row = session.get(AlertRow, alert_id)
    scope = org_scope(request.state.principal)
    if row is None:
        raise HTTPException(404, NOT_FOUND)
    if scope is not None:
        subs = org_subscriptions(session, scope)
        if not any(matches(s, row.alert()) for s in subs):
            raise HTTPException(404, NOT_FOUND)
    return row


@pages.get("/alerts")
def alerts_page(request: Request) -> Response:
    """The newest alerts the caller sees."""
    rows = agency_alerts(request.state.db, org_scope(request.state.principal))
    return render(request, "alerts.html", {"alerts": rows})


@pages.get("/alerts/{alert_id}")
def alert_page(request: Request, alert_id: str) -> Response:
    """One alert: reason, timeline (event, stored, deliveries) and evidence."""
    row = visible_alert(request, alert_id)
    deliveries = deliveries_of(request.state.db, row.alert_id, org_scope(request.state.principal))
    timeline = [(row.occurred_at, "event", row.payload["reason"])]
    timeline.append((row.created_at, "alert raised", f"{row.kind}, {row.tlp}"))
    for d in deliveries:
        result = "delivered" if d.ok else f"failed ({d.http_status or d.error})"
        timeline.append((d.sent_at, f"webhook attempt {d.attempt}", result))
    timeline.sort(key=lambda t: t[0])
    return render(request, "alert.html", {"a": row.payload, "row": row, "timeline": timeline})


@pages.get("/subscriptions")
def subscriptions_page(request: Request) -> Response:
    """The agency's subscriptions and a form for a new one."""
    who: Principal = request.state.principal
    assert who.org is not None
    subs = org_subscriptions(request.state.db, who.org.id)
    return render(request, "subscriptions.html", {"subs": subs, "error": None, "secret": None})


def _split(value: object) -> list[str]:
    return [v.strip() for v in str(value or "").replace(";", ",").split(",") if v.strip()]


@pages.post("/subscriptions")
async def subscriptions_create(request: Request) -> Response:
    """Create a subscription; the page shows its webhook secret this once."""
    who: Principal = request.state.principal
    assert who.org is not None
    form = await request.form()
    try:
        with session_scope(request.app.state.write_sessions) as ws:
            org = ws.merge(who.org)
            sub, secret = create_subscription(
                ws,
                org,
                who.actor,
                name=str(form.get("name") or ""),
                states=_split(form.get("states")),
                themes=_split(form.get("themes")),
                providers=_split(form.get("providers")),
                kinds=_split(form.get("kinds")),
                webhook_url=str(form.get("webhook_url") or "").strip() or None,
            )
            sid = sub.id
    except ConfigError as exc:
        subs = org_subscriptions(request.state.db, who.org.id)
        return render(
            request, "subscriptions.html", {"subs": subs, "error": str(exc), "secret": None}, 400
        )
    request.state.db.rollback()
    subs = org_subscriptions(request.state.db, who.org.id)
    return render(
        request, "subscriptions.html", {"subs": subs, "error": None, "secret": secret, "sid": sid}
    )


def _feed_alerts(request: Request) -> list[AlertRow]:
    return agency_alerts(request.state.db, org_scope(request.state.principal))


def _feed_title(who: Principal) -> str:
    return f"graphengine alerts for {who.org.name if who.org else 'all agencies'}"


@api.get("/alerts/feed.atom")
def feed_atom(request: Request) -> Response:
    """The caller's alerts as an Atom feed (newest first)."""
    rows = _feed_alerts(request)
    alerts = [r.alert() for r in rows]
    who: Principal = request.state.principal
    updated = max((a.occurred_at for a in alerts), default=utcnow())
    body = atom_feed(
        alerts,
        feed_id=f"urn:graphengine:alerts:org:{who.org.id if who.org else 0}",
        title=_feed_title(who),
        updated=updated,
        link=str(request.url),
    )
    return Response(body, media_type="application/atom+xml")


@api.get("/alerts/feed.json")
def feed_json(request: Request) -> Response:
    """The caller's alerts as a JSON Feed 1.1 (newest first)."""
    alerts = [r.alert() for r in _feed_alerts(request)]
    doc = json_feed(alerts, title=_feed_title(request.state.principal), feed_url=str(request.url))
    return JSONResponse(doc, media_type="application/feed+json")


@api.get("/alerts/stix")
def stix_export(request: Request) -> Response:
    """The caller's alerts as a STIX 2.1 bundle."""
    alerts = [r.alert() for r in _feed_alerts(request)]
    return Response(stix_json(alerts), media_type="application/stix+json;version=2.1")


@api.get("/alerts/{alert_id}")
def alert_json(request: Request, alert_id: str) -> Response:
    """One alert as JSON (404 when missing or not the caller's)."""
    return JSONResponse(visible_alert(request, alert_id).payload)


@api.get("/subscriptions/{sid}")
def subscription_json(request: Request, sid: int) -> Response:
    """One of the caller's organisation's subscriptions (never its secret)."""
    who: Principal = request.state.principal
    sub = request.state.db.get(AlertSubscription, sid)
    if sub is None or who.org is None or sub.org_id != who.org.id:
        raise HTTPException(404, "no such subscription")
    return JSONResponse(subscription_dict(sub))


def subscription_dict(sub: AlertSubscription) -> dict[str, object]:
    """A subscription as JSON (never its webhook secret)."""
    return {
        "id": sub.id,
        "name": sub.name,
        "states": sub.states,
        "themes": sub.themes,
        "providers": sub.providers,
        "kinds": sub.kinds,
        "webhook_url": sub.webhook_url,
        "active": sub.active,
        "created_at": sub.created_at.isoformat(),
    }


def dumps(value: object) -> str:
    """JSON for templates."""
    return json.dumps(value, indent=2, sort_keys=True)
