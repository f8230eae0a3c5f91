"""Run one statement of :mod:`graphengine.store.statements` in a read or write transaction."""

from __future__ import annotations

from typing import Any

from graphengine.store.connection import session_database
from neo4j import Driver, ManagedTransaction, Record, RoutingControl

__all__ = ["read", "write"]


def read(
    driver: Driver, statement: str, database: str | None = None, **params: Any
) -> list[Record]:
    """Run ``statement`` in a read transaction (READ routing) and return its records.

    ``database`` defaults to the ``NEO4J_DATABASE`` the driver was opened with
    (:func:`graphengine.store.connection.session_database`)."""
    records, _, _ = driver.execute_query(
        statement,
        params,
        database_=session_database(driver, database),
        routing_=RoutingControl.READ,
    )
    return list(records)


def write(
    driver: Driver, statement: str, database: str | None = None, **params: Any
) -> list[Record]:
    """Run ``statement`` in its own write transaction (retried on transient errors) and return
    its records."""

    def work(tx: ManagedTransaction) -> list[Record]:
        return list(tx.run(statement, params))

    with driver.session(database=session_database(driver, database)) as session:
        return session.execute_write(work)
