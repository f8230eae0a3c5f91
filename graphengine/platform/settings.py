"""Platform settings from the environment: database URL, state folder, secret key, limits.

============================  =====================================================================
variable                      meaning (default)
============================  =====================================================================
``GRAPHENGINE_STATE_DIR``     the platform's state folder (``.graphengine`` in the working folder)
``GRAPHENGINE_DATABASE_URL``  SQLAlchemy URL (``sqlite:///<state>/platform.sqlite3``); PostgreSQL
                              is ``postgresql+psycopg://user:password@host:port/db``
``GRAPHENGINE_SECRET_KEY``    key that signs session and CSRF cookies (else generated once into
                              ``<state>/secret_key``, mode 0600)
``GRAPHENGINE_SECURE_COOKIES`` ``1`` to mark cookies ``Secure`` (set it behind a TLS proxy)
``GRAPHENGINE_JOBS``          ``0`` to run no job worker in this server process (default: one)
``GRAPHENGINE_LOGIN_MAX_FAILURES`` failed logins per user name before it is locked out (``5``)
``GRAPHENGINE_LOGIN_WINDOW_MINUTES`` the window those failures are counted in, minutes (``15``)
============================  =====================================================================
"""

from __future__ import annotations

import datetime as dt
import math
import os
import secrets
from pathlib import Path

from graphengine.errors import ConfigError
from graphengine.store.settings import Secret

__all__ = [
    "MAX_BODY_BYTES",
    "MAX_BATCH_ROWS",
    "database_url",
    "login_max_failures",
    "login_max_failures_per_address",
    "login_window",
    "redact_url",
    "secret_key",
    "secure_cookies",
    "state_dir",
]

#: Largest request body the intake accepts (bytes); bigger bodies get 413.
MAX_BODY_BYTES = 16 * 1024 * 1024
#: Most reports in one request; a bigger batch gets 413 (split it).
MAX_BATCH_ROWS = 10_000


def state_dir() -> Path:
    """Return the platform's state folder (``GRAPHENGINE_STATE_DIR`` or ``./.graphengine``)."""
    return Path(os.environ.get("GRAPHENGINE_STATE_DIR") or ".graphengine").resolve()


def database_url() -> str:
    """Return the database URL: ``GRAPHENGINE_DATABASE_URL`` or the SQLite file in the state folder.

    Raises
    ------
    ConfigError
        When the URL names a database other than SQLite or PostgreSQL (psycopg 3).
    """
    url = os.environ.get("GRAPHENGINE_DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{state_dir() / 'platform.sqlite3'}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    if not (url.startswith("sqlite:///") or url.startswith("postgresql+psycopg://")):
        raise ConfigError(
            f"GRAPHENGINE_DATABASE_URL={redact_url(url)!r} is not supported: use sqlite:///FILE "
            "or postgresql+psycopg://USER:PASSWORD@HOST:PORT/DB"
        )
    return url


def redact_url(url: str) -> str:
    """Return ``url`` with any password replaced by ``***`` (safe to log).

    Examples
    --------
    >>> redact_url("postgresql+psycopg://ge:hunter2@127.0.0.1:5432/ge")
    'postgresql+psycopg://ge:***@127.0.0.1:5432/ge'
    """
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    creds, _, host = rest.rpartition("@")
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in creds else url


def secret_key() -> Secret:
    """Return the key that signs cookies: ``GRAPHENGINE_SECRET_KEY`` or ``<state>/secret_key``.

    The file is created once with 64 random hex characters (mode 0600), so sessions survive a
    restart. Several workers or machines must share the same key (set the variable).
    """
    env = os.environ.get("GRAPHENGINE_SECRET_KEY", "")
    if env:
        if len(env) < 32:
            raise ConfigError("GRAPHENGINE_SECRET_KEY is shorter than 32 characters")
        return Secret(env)
    path = state_dir() / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return Secret(path.read_text().strip())


def secure_cookies() -> bool:
    """Return True when cookies must carry ``Secure`` (``GRAPHENGINE_SECURE_COOKIES=1``)."""
    return os.environ.get("GRAPHENGINE_SECURE_COOKIES", "") in ("1", "true", "yes")


def login_max_failures() -> int:
    """Return ``GRAPHENGINE_LOGIN_MAX_FAILURES`` (default 5): failed logins before a lock-out.

    Raises
    ------
    ConfigError
        When the value is not a whole number of at least 1.
    """
    return _whole_number("GRAPHENGINE_LOGIN_MAX_FAILURES", 5)


def login_max_failures_per_address() -> int:
    """Return ``GRAPHENGINE_LOGIN_MAX_FAILURES_PER_ADDRESS`` (default 20): failed logins from one
    client address, across all user names, before that address is locked out.

    Raises
    ------
    ConfigError
        When the value is not a whole number of at least 1.
    """
    return _whole_number("GRAPHENGINE_LOGIN_MAX_FAILURES_PER_ADDRESS", 20)


def _whole_number(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip() or str(default)
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigError(f"{name}={raw!r} is not a whole number >= 1")
    return int(raw)


def login_window() -> dt.timedelta:
    """Return ``GRAPHENGINE_LOGIN_WINDOW_MINUTES`` (default 15) as a time span.

    Raises
    ------
    ConfigError
        When the value is not a positive number of minutes (fractions are allowed).
    """
    raw = os.environ.get("GRAPHENGINE_LOGIN_WINDOW_MINUTES", "").strip() or "15"
    try:
        minutes = float(raw)
    except ValueError:
        minutes = math.nan
    if not (math.isfinite(minutes) and minutes > 0):
        raise ConfigError(f"GRAPHENGINE_LOGIN_WINDOW_MINUTES={raw!r} is not a positive number")
    return dt.timedelta(minutes=minutes)
