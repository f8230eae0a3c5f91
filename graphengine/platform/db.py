"""Database engines and sessions for the platform (SQLite file or PostgreSQL).

SQLite runs in WAL mode with ``synchronous=NORMAL`` (a committed transaction survives a killed
process) and every transaction of a writing engine starts with ``BEGIN IMMEDIATE``: writers queue
on the database lock instead of failing half-way, which keeps the audit chain's read-then-append
atomic. Readers use a second engine with plain ``BEGIN`` (WAL lets them read while one writes).
On PostgreSQL the chain is serialised with a transaction-level advisory lock
(:func:`lock_for_append`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from graphengine.platform.settings import database_url

__all__ = ["is_sqlite", "lock_for_append", "make_engine", "session_factory", "session_scope"]

# any constant: the advisory lock id that serialises audit-chain appends on PostgreSQL
_AUDIT_LOCK_ID = 7_170_017


def make_engine(url: str | None = None, *, immediate: bool = True) -> Engine:
    """Return an Engine for ``url`` (default :func:`~graphengine.platform.settings.database_url`).

    A SQLite file's folder is created when missing. ``immediate=False`` gives SQLite transactions
    that take no lock until they write (for read-only work next to a writing engine).
    """
    url = url or database_url()
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[1] if ":///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 60, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # let the "begin" hook below open transactions
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    return create_engine(url, pool_size=20, max_overflow=20, pool_pre_ping=True)


def is_sqlite(engine_or_session: Engine | Session) -> bool:
    """Return True when the engine (or the session's engine) is SQLite."""
    bind = (
        engine_or_session.get_bind()
        if isinstance(engine_or_session, Session)
        else engine_or_session
    )
    return bind.dialect.name == "sqlite"


def lock_for_append(session: Session) -> None:
    """Serialise audit-chain appends: an advisory lock on PostgreSQL (SQLite is already serial)."""
    if not is_sqlite(session):
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _AUDIT_LOCK_ID})


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Return a session factory bound to ``engine`` (objects stay readable after commit)."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Yield a session inside a transaction: committed on success, rolled back on error."""
    with factory() as session, session.begin():
        yield session
