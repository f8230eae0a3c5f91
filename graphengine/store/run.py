"""Run one statement of :mod:`graphengine.store.statements` in a read or write transaction."""

from __future__ import annotations

from typing import Any

from neo4j import Driver, ManagedTransaction, Record, RoutingControl

__all__ = ["read", "write"]


def read(
    driver: Driver, statement: str, database: str | None = None, **params: Any
) -> list[Record]:
    """Run ``statement`` in a read transaction (READ routing) and return its records."""
    records, _, _ = driver.execute_query(
        statement, params, database_=database, routing_=RoutingControl.READ
    )
    return list(records)


def write(
    driver: Driver, statement: str, database: str | None = None, **params: Any
) -> list[Record]:
    """Run ``statement`` in its own write transaction (retried on transient errors) and return
    its records."""

    def work(tx: ManagedTransaction) -> list[Record]:
        return list(tx.run(statement, params))

    with driver.session(database=database) as session:
        return session.execute_write(work)
