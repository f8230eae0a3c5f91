"""Shared fixtures: the real Neo4j server for tests marked ``neo4j``.

The server is the one of ``NEO4J_URI`` / ``NEO4J_PASSWORD`` (``make test`` starts the local one
and exports them); without ``NEO4J_PASSWORD`` the local server's password file is used.

When the environment variable ``CI`` is set, a missing or unreachable server FAILS the tests that
need it: CI must never pass by skipping them. Locally, without ``CI``, they are skipped with the
reason (start the server with ``graphengine neo4j start``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

__all__ = ["clear_database"]


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"Neo4j is required when CI is set: {reason}", pytrace=False)
    pytest.skip(f"Neo4j not available ({reason}); run `graphengine neo4j start`")


@pytest.fixture(scope="session")
def neo4j_driver() -> Iterator:
    """An open, verified driver to the real Neo4j, shared by the whole session.

    Its sessions use ``NEO4J_DATABASE`` through :func:`graphengine.store.connection.execute_read`
    and ``execute_write`` (or pass ``database=`` yourself).
    """
    from graphengine.errors import GraphengineError
    from graphengine.store.connection import connect

    try:
        driver = connect()
    except GraphengineError as exc:
        _unavailable(str(exc))
    with driver:
        yield driver


def clear_database(driver) -> None:
    """Delete every node and relationship (constraints and indexes stay), in batches."""
    from graphengine.store import clear_database as clear

    clear(driver)


@pytest.fixture
def clean_neo4j(neo4j_driver) -> Iterator:
    """The shared driver, on a database emptied of nodes and relationships before the test."""
    clear_database(neo4j_driver)
    yield neo4j_driver
