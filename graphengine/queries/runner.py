"""Run a saved query read-only, bounded by a row limit and a timeout.

Safety is layered:

1. Parameter values are validated against the header and always sent as Cypher parameters,
   never spliced into the text, so a hostile value is only ever data.
2. A keyword scan refuses a query file whose Cypher contains a write clause (CREATE, MERGE,
   SET, DELETE, ...) or a server command (SHOW, TERMINATE, ``CALL dbms.``...; see
   :func:`graphengine.queries.readonly.keyword_violation`) with a clear message before anything
   is sent.
3. The server plans the query with ``EXPLAIN`` and it is refused unless the plan is read-only
   (query type ``r``, no server command, only allow-listed procedures;
   :func:`graphengine.queries.readonly.check_plan`). This decides from the server, not from
   keywords.
4. The query runs in a READ transaction (``session.execute_read`` with READ access mode), so
   the server itself refuses any write the scan did not see; that refusal is translated into
   the same kind of one-line message.

Bounds: at most ``limit`` rows are fetched (one more is peeked to know whether the result was
cut), and the server aborts the transaction after ``timeout`` seconds. A cut result has
``truncated=True``; a timeout is an error that names the limit to raise.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, LiteralString, cast

import pandas as pd
from neo4j.exceptions import Neo4jError, ServiceUnavailable

import neo4j
from graphengine.errors import Neo4jUnavailable, QueryError
from graphengine.queries.header import QuerySpec, strip_strings_and_comments
from graphengine.queries.params import bind
from graphengine.queries.readonly import PlanRefusal, check_plan, keyword_violation
from graphengine.store.connection import connect, execute_read

__all__ = [
    "DEFAULT_LIMIT",
    "DEFAULT_TIMEOUT",
    "MAX_TIMEOUT",
    "QueryResult",
    "check_read_only",
    "execute",
]

#: rows returned when no limit is given; ``limit=None`` or ``0`` removes the bound.
DEFAULT_LIMIT = 1000
#: seconds before the server aborts the transaction; ``timeout=None`` or ``0`` removes it.
DEFAULT_TIMEOUT = 60.0
#: the longest timeout accepted (one day): the driver sends it in milliseconds, and ``inf``,
#: ``nan`` or ``1e300`` cannot be sent at all.
MAX_TIMEOUT = 86_400.0

# Clauses that write. The scan runs on the text with strings, backticked names and comments
# blanked out, and ignores property names (``n.set``), labels and types (``:Set``) and map
# keys (``{set: 1}``).
_WRITE_CLAUSES = re.compile(
    r"(?<![.\w$:])(?:(CREATE|MERGE|DELETE|DETACH|SET|REMOVE|DROP|FOREACH|LOAD\s+CSV|"
    r"IN\s+TRANSACTIONS|ALTER|GRANT|DENY|REVOKE)(?![\w:])|(CALL\s+dbms\.))",
    re.IGNORECASE,
)


def check_read_only(spec: QuerySpec) -> None:
    """Refuse a query whose Cypher contains a write clause (the friendly first check).

    Raises
    ------
    QueryError
        ``"<file>:<line>: query 'x' contains 'CREATE'; ..."``.
    """
    stripped = strip_strings_and_comments(spec.cypher)
    m = _WRITE_CLAUSES.search(stripped)
    if m is None:
        command = keyword_violation(spec.cypher)
        if command is not None:
            where = f"{spec.path}: " if spec.path else ""
            raise QueryError(
                f"{where}query {spec.name!r} contains {command!r}, a server command; saved "
                "queries may only read the graph"
            )
        return
    header_lines = spec.text.count("\n", 0, spec.text.find(spec.cypher)) if spec.text else 0
    lineno = header_lines + stripped.count("\n", 0, m.start()) + 1
    where = f"{spec.path}:{lineno}: " if spec.path else ""
    clause = " ".join((m.group(1) or m.group(2)).split())
    clause = clause if clause.upper().startswith("CALL") else clause.upper()
    raise QueryError(
        f"{where}query {spec.name!r} contains {clause!r}; saved queries are read-only, "
        "so graph changes belong in 'graphengine load' or 'graphengine analyze --write-back'"
    )


@dataclass
class QueryResult:
    """The rows of one run plus what bounded them.

    ``rows`` holds one tuple per record, in ``columns`` order, with Neo4j temporal values
    converted to Python ones. ``truncated`` is ``True`` when more rows existed than ``limit``.
    """

    spec: QuerySpec
    params: dict[str, Any]
    columns: list[str]
    rows: list[tuple[Any, ...]]
    truncated: bool
    limit: int | None
    timeout: float | None
    server: str = ""
    notes: list[str] = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        """Return the rows as a DataFrame; ``attrs`` carries query, params, limit and truncated."""
        frame = pd.DataFrame.from_records(self.rows, columns=self.columns)
        frame.attrs.update(
            {
                "query": self.spec.name,
                "params": dict(self.params),
                "limit": self.limit,
                "timeout": self.timeout,
                "truncated": self.truncated,
            }
        )
        return frame

    def truncation_note(self) -> str | None:
        """Return the sentence that says the row limit was hit, or ``None``."""
        if not self.truncated:
            return None
        return (
            f"output truncated: query {self.spec.name!r} returned more than {self.limit} rows; "
            "showing the first "
            f"{self.limit} (raise --limit / limit=, or narrow the parameters)"
        )


def _native(value: Any) -> Any:
    """Convert driver values into plain Python ones (temporal types, nodes, lists)."""
    if isinstance(value, neo4j.time.DateTime | neo4j.time.Date | neo4j.time.Time):
        return value.to_native()
    if isinstance(value, neo4j.time.Duration):
        return str(value)
    if isinstance(value, list):
        return [_native(v) for v in value]
    if isinstance(value, neo4j.graph.Node | neo4j.graph.Relationship):
        return {k: _native(v) for k, v in dict(value).items()}
    if isinstance(value, dict):
        return {k: _native(v) for k, v in value.items()}
    return value


def _translate(exc: Neo4jError, spec: QuerySpec, timeout: float | None) -> QueryError:
    code = exc.code or ""
    message = (exc.message or str(exc)).splitlines()[0]
    where = f"{spec.path}: " if spec.path else ""
    if code.endswith("Statement.AccessMode") or "read access mode" in message.lower():
        return QueryError(
            f"{where}query {spec.name!r} tried to write to the graph and the server refused it "
            f"(queries run in read-only transactions): {message}"
        )
    if "TransactionTimedOut" in code or "timed out" in message.lower():
        return QueryError(
            f"query {spec.name!r} stopped at the {timeout:g} s timeout; narrow the parameters "
            "or raise --timeout / timeout="
        )
    return QueryError(f"{where}query {spec.name!r} failed on the server: {code}: {message}")


def execute(
    spec: QuerySpec,
    params: Mapping[str, Any] | None = None,
    *,
    driver: neo4j.Driver | None = None,
    limit: int | None = DEFAULT_LIMIT,
    timeout: float | None = DEFAULT_TIMEOUT,
    database: str | None = None,
    check_writes: bool = True,
) -> QueryResult:
    """Validate ``params`` against ``spec`` and run it read-only.

    Parameters
    ----------
    spec
        The parsed query (see :func:`graphengine.queries.get`).
    params
        Parameter values by name: strings from the CLI or Python values.
    driver
        An open Neo4j driver; when ``None`` one is opened from the environment
        (``NEO4J_URI`` ...) and closed afterwards.
    limit
        Maximum rows to return (``None``/``0``: no limit).
    timeout
        Seconds before the server aborts the transaction (``None``/``0``: server default).
    database
        Neo4j database name (default: ``NEO4J_DATABASE`` of the settings the driver was
        opened with, or the server default).
    check_writes
        Run the keyword scan and the ``EXPLAIN`` plan check first (tests turn both off to show
        the READ transaction's own refusal).

    Returns
    -------
    QueryResult

    Raises
    ------
    QueryError
        Invalid parameters, a write attempt (scan or server), a timeout, a Cypher error, or
        returned columns that differ from the header's ``returns:``.
    Neo4jUnavailable
        When the server cannot be reached.
    """
    bound = bind(spec.params, dict(params or {}), spec.name)
    if check_writes:
        check_read_only(spec)
    limit = limit or None
    timeout = timeout or None
    if limit is not None and limit < 0:
        raise QueryError(f"limit must be a number of rows >= 0 (0: no limit), got {limit}")
    if timeout is not None and not (0 <= timeout <= MAX_TIMEOUT):  # also refuses nan
        raise QueryError(
            f"timeout must be a number of seconds from 0 to {MAX_TIMEOUT:g} (0: no timeout), "
            f"got {timeout}"
        )

    own_driver = driver is None
    if driver is None:
        driver = connect()

    def work(tx: neo4j.ManagedTransaction) -> tuple[list[str], list[tuple[Any, ...]], bool]:
        result = tx.run(cast(LiteralString, spec.cypher), bound)
        keys = list(result.keys())
        rows: list[tuple[Any, ...]] = []
        truncated = False
        for record in result:
            if limit is not None and len(rows) >= limit:
                truncated = True  # one row past the limit proves there were more
                break
            rows.append(tuple(_native(v) for v in record.values()))
        return keys, rows, truncated

    tx_fn = neo4j.unit_of_work(timeout=timeout)(work) if timeout else work
    try:
        if check_writes:
            check_plan(driver, spec.cypher, bound, database=database)
        keys, rows, truncated = execute_read(driver, tx_fn, database=database)
    except PlanRefusal as exc:
        where = f"{spec.path}: " if spec.path else ""
        raise QueryError(
            f"{where}query {spec.name!r} was refused before it ran: {exc}; saved queries may "
            "only read the graph"
        ) from None
    except ServiceUnavailable as exc:
        raise Neo4jUnavailable(
            f"Neo4j stopped answering while running query {spec.name!r} ({exc}); "
            "is it running? try `graphengine neo4j start`"
        ) from None
    except Neo4jError as exc:
        raise _translate(exc, spec, timeout) from None
    finally:
        if own_driver:
            driver.close()
    if tuple(keys) != spec.returns:
        where = f"{spec.path}: " if spec.path else ""
        raise QueryError(
            f"{where}query {spec.name!r} returned columns {', '.join(keys)} but its header says "
            f"'returns: {', '.join(spec.returns)}'; fix one of them"
        )
    result = QueryResult(
        spec=spec,
        params=bound,
        columns=keys,
        rows=rows,
        truncated=truncated,
        limit=limit,
        timeout=timeout,
    )
    return result


def iso(value: Any) -> Any:
    """Return ``value`` with datetimes/dates as ISO 8601 strings (for CSV/JSON/table output)."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
            return value.isoformat().replace("+00:00", "Z")
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [iso(v) for v in value]
    if isinstance(value, dict):
        return {k: iso(v) for k, v in value.items()}
    return value
