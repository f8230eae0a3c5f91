"""Who may call what: the route registry, the caller (:class:`Principal`) and the guard.

Deny by default: every route of the application declares an :class:`Access` in :data:`REGISTRY`
(method and path template), and :func:`check_registry` refuses to build an app that has a route
without one. The guard runs before every route:

- a public route lets everyone in (``csrf=True`` still demands the form's CSRF token);
- an API key (``Authorization: Bearer ge_...``) needs one of the route's ``scopes``, and is
  rate-limited (429 + ``Retry-After``);
- a logged-in person (session cookie) needs one of the route's ``roles``; forms (``POST`` pages)
  need the CSRF token (the form's ``csrf_token`` field, or the ``X-CSRF-Token`` header);
- anybody else gets 401 on ``/api/`` routes and is sent to the login page on pages.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from typing import Any

from fastapi import HTTPException, Request
from sqlalchemy import select
from starlette.routing import BaseRoute, Mount, Route

from graphengine.platform.models import ApiKey, Organization, User
from graphengine.platform.security import digest_matches, parse_api_key, unsign

__all__ = [
    "ALL_ROLES",
    "ANALYST_ROLES",
    "REGISTRY",
    "TOTP_ROLES",
    "Access",
    "Principal",
    "check_registry",
    "guard",
]

ALL_ROLES = frozenset({"admin", "analyst", "investigator", "reviewer", "responder"})
#: roles that see every organisation's reports
ANALYST_ROLES = frozenset({"admin", "analyst", "investigator", "reviewer"})
#: roles whose login needs a TOTP code
TOTP_ROLES = frozenset({"admin", "reviewer", "investigator"})
SESSION_COOKIE = "ge_session"
CSRF_COOKIE = "ge_csrf"
CSRF_HEADER = "x-csrf-token"
SESSION_MAX_AGE = 12 * 3600


@dataclass(frozen=True)
class Access:
    """What a route demands: roles (people), scopes (API keys), or nothing (public)."""

    roles: frozenset[str] = frozenset()
    scopes: frozenset[str] = frozenset()
    public: bool = False
    csrf: bool = False


@dataclass
class Principal:
    """The caller of one request."""

    kind: str  # "anonymous", "user" or "key"
    org: Organization | None = None
    user: User | None = None
    key: ApiKey | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)

    @property
    def role(self) -> str | None:
        """The person's role (``None`` for keys and anonymous callers)."""
        return self.user.role if self.user else None

    @property
    def sees_all(self) -> bool:
        """True when the caller may read every organisation's reports."""
        return self.user is not None and self.user.role in ANALYST_ROLES

    @property
    def actor(self) -> str:
        """How the audit trail names the caller (never a secret)."""
        if self.user is not None:
            return f"user:{self.user.username}"
        if self.key is not None:
            return f"key:{self.key.prefix}"
        return "anonymous"


PEOPLE = ALL_ROLES
#: who reads alerts (investigators only those of their agency's subscriptions)
ALERT_ROLES = frozenset({"admin", "analyst", "investigator", "reviewer"})
#: the agency's own people: subscriptions and feeds
AGENCY_ROLES = frozenset({"investigator"})
ALERT_SCOPES = frozenset({"alerts:read"})
#: campaigns gather every organisation's reports: the roles that see them all
CAMPAIGN_ROLES = ANALYST_ROLES
#: the legal-process portal: agencies file, reviewers (and admins) see every request
REVIEW_ROLES = frozenset({"reviewer"})
PORTAL_ROLES = frozenset({"investigator", "reviewer", "admin"})
#: tracebacks: staff open and follow them; responders answer their organisation's hop requests
TRACEBACK_STAFF = frozenset({"admin", "analyst"})
RESPONDER_PAGES = frozenset({"admin", "analyst", "responder"})
REGISTRY: dict[tuple[str, str], Access] = {
    ("GET", "/"): Access(public=True),
    ("GET", "/login"): Access(public=True),
    ("POST", "/login"): Access(public=True, csrf=True),
    ("POST", "/logout"): Access(roles=PEOPLE, csrf=True),
    ("GET", "/reports"): Access(roles=PEOPLE),
    ("GET", "/reports.csv"): Access(roles=PEOPLE),
    ("GET", "/reports/{rid}"): Access(roles=PEOPLE),
    ("GET", "/upload"): Access(roles=frozenset({"admin", "analyst", "responder"})),
    ("POST", "/upload"): Access(roles=frozenset({"admin", "analyst", "responder"}), csrf=True),
    ("GET", "/receipts/{receipt_id}"): Access(roles=PEOPLE),
    ("GET", "/audit"): Access(roles=frozenset({"admin"})),
    ("GET", "/api/v1/health"): Access(public=True),
    ("POST", "/api/v1/reports"): Access(scopes=frozenset({"reports:write"})),
    ("POST", "/api/v1/reports/upload"): Access(scopes=frozenset({"reports:write"})),
    ("GET", "/api/v1/reports"): Access(roles=PEOPLE, scopes=frozenset({"reports:read"})),
    ("GET", "/api/v1/reports/{rid}"): Access(roles=PEOPLE, scopes=frozenset({"reports:read"})),
    ("GET", "/api/v1/receipts/{receipt_id}"): Access(
        roles=PEOPLE, scopes=frozenset({"reports:read", "reports:write"})
    ),
    # the OpenAPI description and its viewer describe the API; they hold no data
    ("GET", "/openapi.json"): Access(public=True),
    ("GET", "/docs"): Access(public=True),
    ("GET", "/static"): Access(public=True),
    # alerts (issue 20): agencies see what their subscriptions follow; see alert_routes
    ("GET", "/alerts"): Access(roles=ALERT_ROLES),
    ("GET", "/alerts/{alert_id}"): Access(roles=ALERT_ROLES),
    ("GET", "/subscriptions"): Access(roles=AGENCY_ROLES),
    ("POST", "/subscriptions"): Access(roles=AGENCY_ROLES, csrf=True),
    ("GET", "/api/v1/alerts/feed.atom"): Access(roles=AGENCY_ROLES, scopes=ALERT_SCOPES),
    ("GET", "/api/v1/alerts/feed.json"): Access(roles=AGENCY_ROLES, scopes=ALERT_SCOPES),
    ("GET", "/api/v1/alerts/stix"): Access(roles=ALERT_ROLES, scopes=ALERT_SCOPES),
    ("GET", "/api/v1/alerts/{alert_id}"): Access(roles=ALERT_ROLES, scopes=ALERT_SCOPES),
    ("GET", "/api/v1/subscriptions/{sid}"): Access(roles=AGENCY_ROLES, scopes=ALERT_SCOPES),
    # campaigns (issue 18): see campaign_routes
    ("GET", "/campaigns"): Access(roles=CAMPAIGN_ROLES),
    ("GET", "/campaigns/plotly.min.js"): Access(roles=CAMPAIGN_ROLES),
    ("GET", "/campaigns/{campaign_id}"): Access(roles=CAMPAIGN_ROLES),
    # legal-process portal: agencies' investigators file, reviewers decide (see legal_routes)
    ("GET", "/requests"): Access(roles=PORTAL_ROLES),
    ("GET", "/requests/new"): Access(roles=AGENCY_ROLES),
    ("POST", "/requests"): Access(roles=AGENCY_ROLES, csrf=True),
    ("GET", "/requests/{req_id}"): Access(roles=PORTAL_ROLES),
    ("POST", "/requests/{req_id}/review"): Access(roles=REVIEW_ROLES, csrf=True),
    ("POST", "/requests/{req_id}/package/retry"): Access(roles=REVIEW_ROLES, csrf=True),
    ("POST", "/requests/{req_id}/withdraw"): Access(roles=AGENCY_ROLES, csrf=True),
    ("GET", "/requests/{req_id}/package"): Access(roles=PORTAL_ROLES),
    ("GET", "/requests/{req_id}/document"): Access(roles=PORTAL_ROLES),
    # the agencies' JSON API (agency_api): the officer's two-factor session, CSRF in a header
    ("POST", "/api/v1/session"): Access(public=True),
    ("GET", "/api/v1/requests"): Access(roles=PORTAL_ROLES),
    ("POST", "/api/v1/requests"): Access(roles=AGENCY_ROLES, csrf=True),
    ("GET", "/api/v1/requests/{req_id}"): Access(roles=PORTAL_ROLES),
    ("POST", "/api/v1/requests/{req_id}/withdraw"): Access(roles=AGENCY_ROLES, csrf=True),
    ("GET", "/api/v1/requests/{req_id}/package"): Access(roles=PORTAL_ROLES),
    ("GET", "/api/v1/requests/{req_id}/document"): Access(roles=PORTAL_ROLES),
    ("GET", "/api/v1/subscriptions"): Access(roles=AGENCY_ROLES, scopes=ALERT_SCOPES),
    ("POST", "/api/v1/subscriptions"): Access(roles=AGENCY_ROLES, csrf=True),
    ("DELETE", "/api/v1/subscriptions/{sid}"): Access(roles=AGENCY_ROLES, csrf=True),
    # automated traceback (issue 19): staff open and follow tracebacks; a responder (or a
    # carrier's key) sees and answers only its organisation's hop requests; see traceback_routes
    ("GET", "/tracebacks"): Access(roles=TRACEBACK_STAFF),
    ("POST", "/tracebacks"): Access(roles=TRACEBACK_STAFF, csrf=True),
    ("GET", "/tracebacks/{tid}"): Access(roles=TRACEBACK_STAFF),
    ("GET", "/hop-requests"): Access(roles=RESPONDER_PAGES),
    ("GET", "/hop-requests/{hop_id}"): Access(roles=RESPONDER_PAGES),
    ("POST", "/hop-requests/{hop_id}/answer"): Access(roles=frozenset({"responder"}), csrf=True),
    ("POST", "/api/v1/tracebacks"): Access(scopes=frozenset({"tracebacks:open"})),
    ("GET", "/api/v1/tracebacks/{tid}"): Access(
        roles=TRACEBACK_STAFF, scopes=frozenset({"tracebacks:open"})
    ),
    ("GET", "/api/v1/hop-requests"): Access(
        roles=RESPONDER_PAGES, scopes=frozenset({"tracebacks:respond"})
    ),
    ("POST", "/api/v1/hop-requests/{hop_id}/answer"): Access(
        scopes=frozenset({"tracebacks:respond"})
    ),
    ("POST", "/api/v1/records"): Access(scopes=frozenset({"records:write"})),
}


def route_keys(routes: list[BaseRoute]) -> set[tuple[str, str]]:
    """Return ``(method, path)`` of every route (mounts count as ``GET <path>``)."""
    keys: set[tuple[str, str]] = set()
    for route in routes:
        inner = getattr(route, "original_router", None)  # FastAPI >= 0.120 wraps included routers
        if inner is not None:
            keys |= route_keys(inner.routes)
        elif isinstance(route, Mount):
            keys.add(("GET", route.path))
        elif isinstance(route, Route) or hasattr(route, "methods"):
            for method in getattr(route, "methods", None) or {"GET"}:
                if method != "HEAD":
                    keys.add((method, getattr(route, "path", "")))
    return keys


def check_registry(routes: list[BaseRoute]) -> None:
    """Raise ``RuntimeError`` unless routes and :data:`REGISTRY` declare exactly the same set."""
    present = route_keys(routes)
    undeclared = present - set(REGISTRY)
    unrouted = set(REGISTRY) - present
    if undeclared or unrouted:
        raise RuntimeError(
            f"route registry mismatch: undeclared {sorted(undeclared)}, unrouted {sorted(unrouted)}"
        )


def _route_path(request: Request) -> str:
    route = request.scope.get("route")
    return getattr(route, "path", request.url.path)


def _from_key(request: Request, token: str) -> Principal:
    parsed = parse_api_key(token)
    if parsed is None:
        raise HTTPException(401, "invalid API key")
    prefix, secret = parsed
    session = request.state.db
    key = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
    if key is None or not digest_matches(key.secret_sha256, secret):
        raise HTTPException(401, "invalid API key")
    if key.revoked_at is not None:
        raise HTTPException(401, "this API key was revoked")
    wait = request.app.state.limiter.take(key.id, key.rate_per_minute)
    if wait:
        raise HTTPException(
            429,
            f"rate limit of {key.rate_per_minute} requests per minute exceeded; retry in {wait} s",
            headers={"Retry-After": str(wait)},
        )
    org = session.get(Organization, key.org_id)
    return Principal("key", org=org, key=key, scopes=key.scope_set)


def _from_session(request: Request) -> Principal:
    data = unsign(
        request.app.state.session_signer, request.cookies.get(SESSION_COOKIE), SESSION_MAX_AGE
    )
    if not isinstance(data, dict):
        return Principal("anonymous")
    user = request.state.db.get(User, data.get("u"))
    if user is None or not user.active or user.session_epoch != data.get("e"):
        return Principal("anonymous")
    return Principal("user", org=request.state.db.get(Organization, user.org_id), user=user)


def authenticate(request: Request) -> Principal:
    """Return the caller: an API key (Bearer), a session's user, or anonymous."""
    auth = request.headers.get("authorization", "")
    if auth:
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise HTTPException(401, "use 'Authorization: Bearer <API key>'")
        return _from_key(request, token)
    return _from_session(request)


def csrf_valid(request: Request, form_token: Any) -> bool:
    """Return True when the form's token matches the signed CSRF cookie."""
    cookie = unsign(
        request.app.state.csrf_signer, request.cookies.get(CSRF_COOKIE), SESSION_MAX_AGE
    )
    return (
        isinstance(cookie, str)
        and isinstance(form_token, str)
        and hmac.compare_digest(cookie, form_token)
    )


class LoginRequired(Exception):
    """A page needs a logged-in person: the handler redirects to /login."""


async def guard(request: Request) -> Principal:
    """FastAPI dependency on every route: authenticate, then enforce the route's :class:`Access`."""
    access = REGISTRY.get((request.method, _route_path(request)))
    if access is None:  # pragma: no cover - check_registry makes this impossible
        raise HTTPException(403, "route not declared")
    principal = authenticate(request)
    request.state.principal = principal
    is_api = request.url.path.startswith("/api/")
    if not access.public:
        if principal.kind == "anonymous":
            if is_api:
                raise HTTPException(
                    401, "authentication required", headers={"WWW-Authenticate": "Bearer"}
                )
            raise LoginRequired()
        allowed = (principal.kind == "user" and principal.role in access.roles) or (
            principal.kind == "key" and bool(principal.scopes & access.scopes)
        )
        if not allowed:
            raise HTTPException(403, "your role or key scope does not allow this")
    if access.csrf:
        # the JSON API sends the token in a header; forms in their hidden field
        token: Any = request.headers.get(CSRF_HEADER)
        if token is None:
            token = (await request.form()).get("csrf_token")
        if not csrf_valid(request, token):
            raise HTTPException(403, "CSRF token missing or wrong; reload the page and try again")
    # end the read transaction: its connection goes back to the pool while the route works
    # (an intake holds a write connection; two per request could drain the pool under load)
    request.state.db.commit()
    return principal
