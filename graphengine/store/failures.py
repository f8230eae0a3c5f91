"""One line a user can act on when Neo4j fails in the middle of a load.

A load is many write transactions; each commits whole or not at all, and the next load skips
what is already stored (:mod:`graphengine.store.load`). So when the server dies, restarts or
terminates a transaction mid-load, the right advice is always the same: bring the server back
and run the same load again. :func:`load_failure` turns the driver's exception into that
sentence, naming the URI, instead of a driver traceback.

Examples
--------
>>> from neo4j.exceptions import ServiceUnavailable
>>> str(load_failure(ServiceUnavailable("connection refused"), "bolt://127.0.0.1:7687"))
... # doctest: +NORMALIZE_WHITESPACE
'Neo4j at bolt://127.0.0.1:7687 stopped answering during the load (connection refused); every
batch committed so far is kept: start the server again (graphengine neo4j start) and re-run
the same command, the load resumes where it stopped'
"""

from __future__ import annotations

from neo4j.exceptions import DriverError, Neo4jError, ServiceUnavailable, SessionExpired

from graphengine.errors import Neo4jUnavailable

__all__ = ["INTERRUPTIONS", "load_failure"]

#: driver exceptions that mean the server went away or ended the transaction, not a bug.
INTERRUPTIONS: tuple[type[BaseException], ...] = (
    ServiceUnavailable,
    SessionExpired,
    DriverError,
    Neo4jError,
    ConnectionError,
)

_RESUME = (
    "every batch committed so far is kept: start the server again (graphengine neo4j start) "
    "and re-run the same command, the load resumes where it stopped"
)


def load_failure(exc: BaseException, uri: str) -> Neo4jUnavailable:
    """Return the one-line error for a load interrupted by ``exc`` at ``uri``."""
    first = (getattr(exc, "message", None) or str(exc) or type(exc).__name__).splitlines()
    detail = first[0] if first else type(exc).__name__
    code = getattr(exc, "code", None) or ""
    if "Terminated" in code or "terminated" in detail.lower():
        return Neo4jUnavailable(
            f"Neo4j at {uri} terminated a transaction of the load ({detail}); {_RESUME}"
        )
    if isinstance(exc, Neo4jError) and not isinstance(exc, ServiceUnavailable | SessionExpired):
        return Neo4jUnavailable(
            f"Neo4j at {uri} failed during the load ({code}: {detail}); {_RESUME}"
        )
    return Neo4jUnavailable(
        f"Neo4j at {uri} stopped answering during the load ({detail}); {_RESUME}"
    )
