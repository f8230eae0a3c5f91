"""Emptying a scratch database: for tests and the notebooks, never part of a load."""

from __future__ import annotations

from graphengine.store import statements as S
from graphengine.store.connection import session_database
from neo4j import Driver

__all__ = ["clear_database"]


def clear_database(driver: Driver, *, database: str | None = None, batch: int = 5000) -> None:
    """Delete every node and relationship of the database; constraints and indexes stay.

    Use it only on a scratch database: nothing asks for confirmation. Deletes run in batches
    of ``batch`` rows, relationships first, so a large graph stays within the server's
    transaction memory.
    """
    with driver.session(database=session_database(driver, database)) as session:
        session.run(S.CLEAR_RELATIONSHIPS, batch=batch).consume()
        session.run(S.CLEAR_NODES, batch=batch).consume()
