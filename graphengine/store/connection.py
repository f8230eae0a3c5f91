"""Open a Neo4j driver from the settings, with one-line errors a user can act on.

:func:`connect` opens and verifies a driver: a wrong password or an unreachable server becomes a
:class:`~graphengine.errors.Neo4jUnavailable` with a hint, never a driver traceback, and never
with the password in it. :func:`execute_read` and :func:`execute_write` run a unit of work in a
managed transaction on the configured database; reads use READ access so that a cluster
(``neo4j://`` URI) routes them to a reader.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from neo4j.exceptions import AuthError, ConfigurationError, Neo4jError, ServiceUnavailable

import neo4j
from graphengine.errors import Neo4jUnavailable
from graphengine.store.settings import Neo4jSettings, neo4j_settings

__all__ = [
    "connect",
    "execute_read",
    "execute_write",
    "server_version",
    "session_database",
    "unavailable_error",
]

T = TypeVar("T")

#: seconds to wait for a TCP connection before calling the server unreachable.
CONNECTION_TIMEOUT = 10.0


def unavailable_error(exc: BaseException, settings: Neo4jSettings) -> Neo4jUnavailable:
    """Return the one-line :class:`Neo4jUnavailable` that explains ``exc`` to a user.

    Parameters
    ----------
    exc
        An exception raised by the driver while connecting.
    settings
        The settings used, to name the URI, the user and where the password came from.

    Returns
    -------
    Neo4jUnavailable
        ``authentication failed ...`` for an :class:`~neo4j.exceptions.AuthError`,
        ``cannot reach Neo4j at URI ...`` for an unreachable server, else a generic line.
    """
    if isinstance(exc, AuthError):
        check = (
            "check NEO4J_PASSWORD"
            if settings.password_source == "NEO4J_PASSWORD"
            else f"check NEO4J_PASSWORD or the password file {settings.password_source}"
        )
        return Neo4jUnavailable(
            f"authentication failed for user {settings.username!r} at {settings.uri}; {check}"
        )
    if isinstance(exc, ServiceUnavailable | OSError):
        return Neo4jUnavailable(
            f"cannot reach Neo4j at {settings.uri}; is it running? "
            "try `graphengine neo4j start`, or set NEO4J_URI"
        )
    # Other driver errors carry a server message that never contains the password.
    detail = getattr(exc, "message", None) or exc.__class__.__name__
    return Neo4jUnavailable(f"Neo4j at {settings.uri} refused the connection: {detail}")


def connect(settings: Neo4jSettings | None = None, *, verify: bool = True) -> neo4j.Driver:
    """Open a driver to Neo4j and check that it answers.

    Parameters
    ----------
    settings
        Where to connect; default :func:`graphengine.store.settings.neo4j_settings` (environment and
        ``.env``, or the local server's password file).
    verify
        Call :meth:`neo4j.Driver.verify_connectivity` before returning (default ``True``).

    Returns
    -------
    neo4j.Driver
        An open driver; close it (or use it as a context manager) when done.

    Raises
    ------
    ConfigError
        When a setting is missing or invalid (names the variable).
    Neo4jUnavailable
        When the server cannot be reached or refuses the credentials (one line, with a hint).

    Examples
    --------
    >>> with connect() as driver:  # doctest: +SKIP
    ...     execute_read(driver, lambda tx: tx.run("RETURN 1 AS one").single()["one"])
    1
    """
    settings = settings or neo4j_settings()
    try:
        driver = neo4j.GraphDatabase.driver(
            settings.uri,
            auth=settings.auth,
            connection_timeout=CONNECTION_TIMEOUT,
            notifications_min_severity="OFF",
        )
    except (ConfigurationError, ValueError) as exc:
        raise Neo4jUnavailable(f"NEO4J_URI={settings.uri!r} is not usable: {exc}") from None
    if verify:
        try:
            driver.verify_connectivity()
        except (Neo4jError, ServiceUnavailable, OSError) as exc:
            driver.close()
            # `from None`: the driver's chained traceback adds nothing a user can act on.
            raise unavailable_error(exc, settings) from None
    # Remember the database so the helpers below need no second argument.
    driver._graphengine_database = settings.database  # type: ignore[attr-defined]
    return driver


def session_database(driver: neo4j.Driver, database: str | None = None) -> str | None:
    """Return ``database``, else the ``NEO4J_DATABASE`` that :func:`connect` was given, else
    ``None`` (the server's default database)."""
    if database:
        return database
    return getattr(driver, "_graphengine_database", None)


def execute_read(
    driver: neo4j.Driver,
    work: Callable[..., T],
    *args: Any,
    database: str | None = None,
    **kwargs: Any,
) -> T:
    """Run ``work(tx, *args, **kwargs)`` in a managed READ transaction and return its result.

    READ access lets a cluster route the work to a reader; the driver retries transient
    failures. ``database`` defaults to ``NEO4J_DATABASE`` of the settings the driver was opened
    with, else the server's default database.
    """
    with driver.session(
        database=session_database(driver, database), default_access_mode=neo4j.READ_ACCESS
    ) as session:
        return session.execute_read(work, *args, **kwargs)


def execute_write(
    driver: neo4j.Driver,
    work: Callable[..., T],
    *args: Any,
    database: str | None = None,
    **kwargs: Any,
) -> T:
    """Run ``work(tx, *args, **kwargs)`` in a managed WRITE transaction and return its result.

    See :func:`execute_read` for ``database``.
    """
    with driver.session(
        database=session_database(driver, database), default_access_mode=neo4j.WRITE_ACCESS
    ) as session:
        return session.execute_write(work, *args, **kwargs)


def server_version(driver: neo4j.Driver) -> str:
    """Return the server's name, version and edition, e.g. ``Neo4j Kernel 5.26.30 community``.

    Reads ``CALL dbms.components()`` in a read transaction on the ``system`` database, which
    every user may read.
    """

    def work(tx: neo4j.ManagedTransaction) -> list[dict[str, Any]]:
        return [r.data() for r in tx.run("CALL dbms.components() YIELD name, versions, edition")]

    rows = execute_read(driver, work, database="system")
    return "; ".join(f"{r['name']} {', '.join(r['versions'])} {r['edition']}" for r in rows)
