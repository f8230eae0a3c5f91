"""Security primitives: argon2 passwords, API keys, TOTP codes, signed cookies and CSRF tokens.

Secrets never reach a log: API keys are shown once by the command that creates them and stored as
the SHA-256 of their secret part (they carry 192 random bits, so a fast hash is safe, and intake
stays fast); passwords are stored as argon2id hashes.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeTimedSerializer

__all__ = [
    "API_KEY_PREFIX",
    "SCOPES",
    "NewApiKey",
    "check_password",
    "digest_matches",
    "hash_password",
    "new_api_key",
    "new_totp_secret",
    "parse_api_key",
    "secret_digest",
    "signer",
    "totp_ok",
    "totp_uri",
    "unsign",
]

#: Scopes an API key can carry.
SCOPES: dict[str, str] = {
    "reports:write": "submit reports (JSON, NDJSON, CSV upload)",
    "reports:read": "list and read the organisation's own reports and receipts",
    "alerts:read": "an agency's alert feeds (Atom, JSON), STIX export, alerts and subscriptions",
    "tracebacks:open": "open tracebacks and read them (the traceback administrator)",
    "tracebacks:respond": "list and answer the organisation's own hop requests",
    "records:write": "upload the carrier's own call records (CSV or Parquet)",
}
API_KEY_PREFIX = "ge"

_hasher = PasswordHasher()
_dummy: list[str] = []


def _dummy_hash() -> str:
    # verified against when the user does not exist, so a login costs the same either way;
    # made on first use with the same parameters as real hashes (not at import: it takes a while)
    if not _dummy:
        _dummy.append(_hasher.hash(secrets.token_hex(16)))
    return _dummy[0]


def hash_password(password: str) -> str:
    """Return the argon2id hash of ``password``."""
    return _hasher.hash(password)


def check_password(stored_hash: str | None, password: str) -> bool:
    """Return True when ``password`` matches ``stored_hash``.

    With ``stored_hash=None`` (no such user) a dummy hash is verified, so the answer takes as long
    as for a real user and reveals nothing.
    """
    try:
        return _hasher.verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def new_totp_secret() -> str:
    """Return a new base32 TOTP secret."""
    return pyotp.random_base32()


def totp_uri(secret: str, username: str) -> str:
    """Return the ``otpauth://`` URI an authenticator app reads (usually from a QR code)."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name="graphengine")


def totp_ok(secret: str | None, code: str) -> bool:
    """Return True when ``code`` is the current TOTP code of ``secret`` (one step of drift)."""
    if not secret:
        return False
    return pyotp.TOTP(secret).verify(code.strip().replace(" ", ""), valid_window=1)


@dataclass(frozen=True)
class NewApiKey:
    """A freshly made API key: ``token`` is shown once; ``prefix`` and ``digest`` are stored."""

    token: str
    prefix: str
    digest: str


def secret_digest(secret: str) -> str:
    """Return the stored SHA-256 (hex) of an API key's secret part."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_api_key() -> NewApiKey:
    """Return a new key ``ge_<prefix>_<secret>`` (prefix: 8 hex chars; secret: 192 bits)."""
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(24)
    return NewApiKey(f"{API_KEY_PREFIX}_{prefix}_{secret}", prefix, secret_digest(secret))


def parse_api_key(token: str) -> tuple[str, str] | None:
    """Return ``(prefix, secret)`` of a key, or ``None`` when it is not shaped like one."""
    parts = token.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != API_KEY_PREFIX or len(parts[1]) != 8:
        return None
    return parts[1], parts[2]


def digest_matches(stored: str, secret: str) -> bool:
    """Return True when ``secret`` hashes to ``stored`` (constant-time comparison)."""
    return hmac.compare_digest(stored, secret_digest(secret))


def signer(key: str, purpose: str) -> URLSafeTimedSerializer:
    """Return a serializer that signs values for one ``purpose`` (session, csrf) with ``key``."""
    return URLSafeTimedSerializer(key, salt=f"graphengine-{purpose}")


def unsign(ser: URLSafeTimedSerializer, value: str | None, max_age: int) -> object | None:
    """Return the value signed into ``value``, or ``None`` when missing, forged or too old."""
    if not value:
        return None
    try:
        return ser.loads(value, max_age=max_age)
    except BadSignature:
        return None
