"""Organisations, people and API keys: what the ``graphengine platform`` commands do.

Each function runs in the caller's session (one transaction with its audit entry).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from graphengine.errors import GraphengineError
from graphengine.platform import audit
from graphengine.platform.access import TOTP_ROLES
from graphengine.platform.models import ORG_KINDS, ROLES, ApiKey, Organization, User, utcnow
from graphengine.platform.security import (
    SCOPES,
    hash_password,
    new_api_key,
    new_totp_secret,
    totp_uri,
)

__all__ = ["AdminError", "NewUser", "create_api_key", "create_org", "create_user", "revoke_api_key"]

MIN_PASSWORD = 12


class AdminError(GraphengineError):
    """An administration command was given something it cannot do (one line)."""


def _org(session: Session, name: str) -> Organization:
    org = session.scalar(select(Organization).where(Organization.name == name))
    if org is None:
        raise AdminError(
            f"no organisation named '{name}' (create it with `graphengine platform create-org`)"
        )
    return org


def create_org(session: Session, name: str, kind: str, actor: str = "cli") -> Organization:
    """Create an organisation and return it.

    Raises
    ------
    AdminError
        Unknown kind, empty name, or the name is taken.
    """
    name = name.strip()
    if kind not in ORG_KINDS:
        raise AdminError(f"unknown organisation kind '{kind}'; use one of {', '.join(ORG_KINDS)}")
    if not name:
        raise AdminError("the organisation name is empty")
    if session.scalar(select(Organization.id).where(Organization.name == name)) is not None:
        raise AdminError(f"an organisation named '{name}' already exists")
    org = Organization(name=name, kind=kind, created_at=utcnow())
    session.add(org)
    session.flush()
    audit.append(session, actor, "create_org", f"org:{org.id}", {"name": name, "kind": kind})
    return org


@dataclass(frozen=True)
class NewUser:
    """A created user, with the TOTP secret and URI to show once (``None`` when not needed)."""

    user: User
    totp_secret: str | None
    totp_uri: str | None


def create_user(
    session: Session,
    org_name: str,
    username: str,
    role: str,
    password: str,
    *,
    totp: bool | None = None,
    totp_secret: str | None = None,
    password_hash: str | None = None,
    actor: str = "cli",
) -> NewUser:
    """Create a person in an organisation; admins, reviewers and investigators always get TOTP.

    ``password_hash`` (an argon2 hash made elsewhere, e.g. when importing accounts) is stored
    instead of hashing ``password``.

    Raises
    ------
    AdminError
        Unknown role or organisation, taken user name, or a password under 12 characters.
    """
    if role not in ROLES:
        raise AdminError(f"unknown role '{role}'; use one of {', '.join(ROLES)}")
    username = username.strip()
    if not username or len(username) > 120:
        raise AdminError("the user name must be 1-120 characters")
    if len(password) < MIN_PASSWORD:
        raise AdminError(f"the password must have at least {MIN_PASSWORD} characters")
    org = _org(session, org_name)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise AdminError(f"a user named '{username}' already exists")
    needs_totp = role in TOTP_ROLES or bool(totp) or bool(totp_secret)
    secret = (totp_secret or new_totp_secret()) if needs_totp else None
    user = User(
        org_id=org.id,
        username=username,
        password_hash=password_hash or hash_password(password),
        role=role,
        totp_secret=secret,
        active=True,
        session_epoch=0,
        created_at=utcnow(),
    )
    session.add(user)
    session.flush()
    audit.append(
        session,
        actor,
        "create_user",
        f"user:{username}",
        {"org": org.name, "role": role, "totp": needs_totp},
    )
    return NewUser(user, secret, totp_uri(secret, username) if secret else None)


def create_api_key(
    session: Session,
    org_name: str,
    name: str,
    scopes: list[str],
    rate_per_minute: int = 600,
    actor: str = "cli",
) -> tuple[ApiKey, str]:
    """Create an API key; return the stored row and the token (shown once, never stored).

    Raises
    ------
    AdminError
        Unknown organisation or scope, no scope, or a rate below 1 per minute.
    """
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown or not scopes:
        raise AdminError(f"unknown or no scope {unknown}; use some of {', '.join(SCOPES)}")
    if rate_per_minute < 1:
        raise AdminError("the rate limit must be at least 1 request per minute")
    org = _org(session, org_name)
    made = new_api_key()
    key = ApiKey(
        org_id=org.id,
        name=name,
        prefix=made.prefix,
        secret_sha256=made.digest,
        scopes=" ".join(sorted(set(scopes))),
        rate_per_minute=rate_per_minute,
        created_at=utcnow(),
    )
    session.add(key)
    session.flush()
    audit.append(
        session, actor, "create_api_key", f"key:{made.prefix}",
        {"org": org.name, "name": name, "scopes": key.scopes, "rate_per_minute": rate_per_minute},
    )  # fmt: skip
    return key, made.token


def revoke_api_key(session: Session, prefix: str, actor: str = "cli") -> ApiKey:
    """Revoke the key with this prefix (the 8 characters after ``ge_``); return it.

    Raises
    ------
    AdminError
        No key has this prefix, or it was revoked already.
    """
    key = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
    if key is None:
        raise AdminError(f"no API key with prefix '{prefix}'")
    if key.revoked_at is not None:
        raise AdminError(f"the API key '{prefix}' was revoked already")
    key.revoked_at = utcnow()
    audit.append(session, actor, "revoke_api_key", f"key:{prefix}", {})
    return key
