"""Pages and sessions shared by every router: templates with the caller and a CSRF token, the
CSRF and session cookies, and the throttled password + TOTP check of a login.

CSRF is a double submit: a signed HttpOnly cookie, and the same token in the form's hidden
``csrf_token`` field or (JSON API) the ``X-CSRF-Token`` header.
"""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import select

from graphengine.platform import audit
from graphengine.platform.access import CSRF_COOKIE, SESSION_COOKIE, SESSION_MAX_AGE, TOTP_ROLES
from graphengine.platform.db import session_scope
from graphengine.platform.login_throttle import LoginThrottle, LoginThrottled
from graphengine.platform.models import User
from graphengine.platform.security import check_password, totp_ok, unsign
from graphengine.platform.settings import secure_cookies

__all__ = ["check_login", "csrf_token", "render", "set_csrf_cookie", "set_session_cookie"]


def csrf_token(request: Request) -> str:
    """The caller's CSRF token: the one of its cookie, or a new one (set by :func:`render`)."""
    token = unsign(request.app.state.csrf_signer, request.cookies.get(CSRF_COOKIE), SESSION_MAX_AGE)
    if isinstance(token, str):
        return token
    token = getattr(request.state, "new_csrf", None) or secrets.token_urlsafe(24)
    request.state.new_csrf = token
    return token


def _cookie(response: Response, name: str, value: str) -> None:
    response.set_cookie(
        name, value, max_age=SESSION_MAX_AGE, httponly=True, samesite="lax", secure=secure_cookies()
    )


def set_csrf_cookie(request: Request, response: Response, token: str) -> None:
    """Set the signed CSRF cookie holding ``token``."""
    _cookie(response, CSRF_COOKIE, request.app.state.csrf_signer.dumps(token))


def set_session_cookie(request: Request, response: Response, user: User) -> None:
    """Set the signed session cookie of ``user`` (ended by a bump of its ``session_epoch``)."""
    value = request.app.state.session_signer.dumps({"u": user.id, "e": user.session_epoch})
    _cookie(response, SESSION_COOKIE, value)


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    """Render a template with the caller and a CSRF token; set the CSRF cookie when new."""
    token = csrf_token(request)
    who = getattr(request.state, "principal", None)
    response = request.app.state.templates.TemplateResponse(
        request, name, {"who": who, "csrf_token": token, **context}, status_code=status
    )
    if getattr(request.state, "new_csrf", None):
        set_csrf_cookie(request, response, token)
    return response


def check_login(request: Request, username: str, password: str, code: str) -> User | None:
    """Return the user when the password (argon2) and, for its role, the TOTP code are right.

    A wrong user name, password or code all give None after the same work (a dummy hash is
    verified for unknown users). A successful login is audited and resets the name's failures.

    Raises
    ------
    LoginThrottled
        When the user name, or the client's address, has too many recent failures (the
        password is not checked).
    """
    throttle: LoginThrottle = request.app.state.login_throttle
    client = request.client.host if request.client else None
    with session_scope(request.app.state.write_sessions) as ws:
        admission = throttle.admit(ws, username, client)
    if admission.retry_after:
        raise LoginThrottled(admission.retry_after, admission.limit)
    user = _verify(request, username, password, code)
    with session_scope(request.app.state.write_sessions) as ws:
        if user is None:
            throttle.failed(ws, admission, client)
        else:
            throttle.succeeded(ws, admission)
            audit.append(ws, f"user:{user.username}", "login", f"user:{user.username}")
    return user


def _verify(request: Request, username: str, password: str, code: str) -> User | None:
    session = request.state.db
    user = session.scalar(select(User).where(User.username == username)) if username else None
    ok = check_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.active:
        return None
    if (user.role in TOTP_ROLES or user.totp_secret) and not totp_ok(user.totp_secret, code):
        return None
    return user
