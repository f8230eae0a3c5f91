"""Saved Cypher queries for investigators, and a safe runner for notebooks and the CLI.

Each investigative question is one ``.cypher`` file in ``cypher/`` whose header block names
the question, its parameters and its columns (format: :mod:`graphengine.queries.header`). The
runner validates parameters against the header, sends them as Cypher parameters, and runs the
query in a read-only transaction bounded by a row limit and a timeout
(:mod:`graphengine.queries.runner`). A user's own folder of ``.cypher`` files (``--queries DIR``
or ``GRAPHENGINE_QUERIES``) uses the same format (:mod:`graphengine.queries.catalog`).

Examples
--------
>>> from graphengine import queries
>>> "upstream_tree" in [q.name for q in queries.saved_queries()]
True
>>> frame = queries.run("upstream_tree", provider="Falcon Gateway", k=2)  # doctest: +SKIP
>>> frame.attrs["truncated"]  # doctest: +SKIP
False
"""

from __future__ import annotations

import warnings
from typing import Any

import pandas as pd

import neo4j
from graphengine.queries.catalog import ENV_VAR, DirsArg, get, list_queries, saved_queries
from graphengine.queries.header import QuerySpec, parse_file, parse_text
from graphengine.queries.params import Param
from graphengine.queries.runner import (
    DEFAULT_LIMIT,
    DEFAULT_TIMEOUT,
    QueryResult,
    check_read_only,
    execute,
)

__all__ = [
    "DEFAULT_LIMIT",
    "DEFAULT_TIMEOUT",
    "ENV_VAR",
    "Param",
    "QueryResult",
    "QuerySpec",
    "TruncatedResultWarning",
    "check_read_only",
    "execute",
    "get",
    "list_queries",
    "parse_file",
    "parse_text",
    "run",
    "saved_queries",
]


def run(
    name: str,
    *,
    driver: neo4j.Driver | None = None,
    queries_dir: DirsArg = None,
    limit: int | None = DEFAULT_LIMIT,
    timeout: float | None = DEFAULT_TIMEOUT,
    database: str | None = None,
    **params: Any,
) -> pd.DataFrame:
    """Run the saved query ``name`` read-only and return its rows as a DataFrame.

    Parameters
    ----------
    name
        Query name (``graphengine query list`` shows them).
    driver
        An open Neo4j driver; default: one opened from ``NEO4J_URI`` and friends.
    queries_dir
        Extra folder(s) of your own ``.cypher`` files; they win over saved queries of the same
        name.
    limit, timeout
        Row limit (default 1000) and server-side timeout in seconds (default 60).
    database
        Neo4j database name; default ``NEO4J_DATABASE`` or the server default.
    **params
        The query's parameters, as Python values or strings.

    Returns
    -------
    pandas.DataFrame
        One column per ``returns:`` entry. ``frame.attrs`` holds ``query``, ``params``,
        ``limit``, ``timeout`` and ``truncated`` (``True`` when the row limit cut the result,
        which also raises a :class:`TruncatedResultWarning`).

    Raises
    ------
    QueryError
        Unknown query or parameter, invalid value (the message names the parameter and what
        was expected), a write attempt, a timeout or a Cypher error.
    Neo4jUnavailable
        When the server cannot be reached.

    Examples
    --------
    >>> run("non_responsive_providers", since="2024-01-01")  # doctest: +SKIP
    """
    spec = get(name, queries_dir)
    result = execute(spec, params, driver=driver, limit=limit, timeout=timeout, database=database)
    note = result.truncation_note()
    if note:  # a notebook shows this under the cell
        warnings.warn(note, TruncatedResultWarning, stacklevel=2)
    return result.to_frame()


class TruncatedResultWarning(UserWarning):
    """The row limit cut a query's result (``frame.attrs["truncated"]`` is also ``True``)."""
