"""Read-only by construction: ask the server what a query would do before running it.

A saved or custom query runs only when the server's own plan says it is harmless. Before the
real run, :func:`check_plan` sends ``EXPLAIN <query>`` (which plans but never executes) and
refuses the query when

* the plan's query type (:attr:`neo4j.ResultSummary.query_type`) is not ``"r"`` (read only):
  ``"rw"`` and ``"w"`` write, ``"s"`` changes the schema or calls a procedure the server
  classes as ``DBMS``/schema (``dbms.listConfig``, ``db.clearQueryCaches``...);
* the plan has an operator that reads or changes the server rather than the graph:
  ``SHOW ...`` and ``TERMINATE ...`` commands (``TERMINATE TRANSACTIONS`` plans as ``"r"``, so
  the query type alone is not enough), administration commands, ``LOAD CSV``;
* the plan calls a procedure outside :data:`ALLOWED_PROCEDURES`.

Because the server resolves names, spellings that fool a text scan (``CALL `dbms`.listConfig()``,
``CALL dbms . listConfig()``) are refused like the plain one. :func:`keyword_violation` is the
second, text-only layer: it runs before anything is sent and catches the same families of
commands after undoing backticks and spaces around dots. The READ transaction the query then
runs in is the third layer.

Examples
--------
>>> keyword_violation("CALL `dbms` . listConfig()")
'CALL dbms.'
>>> keyword_violation("MATCH (t:Traceback) RETURN t.id AS id") is None
True
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, LiteralString, cast

import neo4j

__all__ = [
    "ALLOWED_PROCEDURES",
    "REFUSED_OPERATORS",
    "PlanRefusal",
    "check_plan",
    "keyword_violation",
]

#: Procedures a query may call: read-only introspection and full-text search.
ALLOWED_PROCEDURES: frozenset[str] = frozenset(
    {
        "db.labels",
        "db.relationshipTypes",
        "db.propertyKeys",
        "db.schema.visualization",
        "db.schema.nodeTypeProperties",
        "db.schema.relTypeProperties",
        "db.index.fulltext.queryNodes",
        "db.index.fulltext.queryRelationships",
    }
)

#: Plan operators (name before ``@database``) refused whatever the query type; ``Show*`` and
#: ``Terminate*`` operators are refused by prefix as well.
REFUSED_OPERATORS: frozenset[str] = frozenset(
    {"AdministrationCommand", "SystemProcedureCall", "LoadCSV"}
)

_REFUSED_PREFIXES = ("Show", "Terminate")


class PlanRefusal(Exception):
    """The server's plan shows the query is not read-only; ``str()`` says why."""


def _operators(plan: Mapping[str, Any] | None) -> Iterator[tuple[str, str]]:
    if not plan:
        return
    name = str(plan.get("operatorType", "")).split("@", 1)[0]
    details = str((plan.get("args") or {}).get("Details") or "")
    yield name, details
    for child in plan.get("children") or []:
        yield from _operators(child)


def _procedure(details: str) -> str:
    return details.split("(", 1)[0].strip().strip("`")


def refusal(query_type: str | None, plan: Mapping[str, Any] | None) -> str | None:
    """Return why a planned query is not read-only, or ``None`` when it is.

    Parameters
    ----------
    query_type
        The summary's ``query_type``: ``"r"``, ``"rw"``, ``"w"`` or ``"s"``.
    plan
        The summary's ``plan`` (nested dicts with ``operatorType``, ``args``, ``children``).

    Examples
    --------
    >>> refusal("r", {"operatorType": "ProcedureCall@neo4j",
    ...               "args": {"Details": "dbms.listConfig() :: (name :: STRING)"}})
    "it calls the procedure 'dbms.listConfig', which is not on the read-only allowlist"
    """
    for name, details in _operators(plan):
        if name in REFUSED_OPERATORS or name.startswith(_REFUSED_PREFIXES):
            return f"it runs the server command {name!r}, not a graph read"
        if name == "ProcedureCall" and _procedure(details) not in ALLOWED_PROCEDURES:
            return (
                f"it calls the procedure {_procedure(details)!r}, which is not on the "
                "read-only allowlist"
            )
    if query_type != "r":
        kinds = {"rw": "reads and writes", "w": "writes", "s": "changes the schema or server"}
        return f"the server plans it as a query that {kinds.get(str(query_type), query_type)}"
    return None


def check_plan(
    driver: neo4j.Driver,
    cypher: str,
    params: Mapping[str, Any],
    *,
    database: str | None = None,
) -> None:
    """Plan ``cypher`` with ``EXPLAIN`` (nothing runs) and refuse it unless it is read-only.

    Raises
    ------
    PlanRefusal
        With the reason (:func:`refusal`).
    neo4j.exceptions.Neo4jError
        When the server cannot plan it (syntax error, unknown procedure...).
    """
    from graphengine.store.connection import execute_read

    def work(tx: neo4j.ManagedTransaction) -> tuple[str | None, Any]:
        summary = tx.run(cast(LiteralString, "EXPLAIN " + cypher), dict(params)).consume()
        return summary.query_type, summary.plan

    query_type, plan = execute_read(driver, work, database=database)
    why = refusal(query_type, plan)
    if why is not None:
        raise PlanRefusal(why)


# --- the text layer -------------------------------------------------------------------------
_LITERALS = re.compile(r"""'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*"|//[^\n]*|/\*.*?\*/""", re.DOTALL)
_BACKTICKED = re.compile(r"`([^`]*)`")
_DOTS = re.compile(r"\s*\.\s*")
_COMMANDS = re.compile(
    r"(?<![.\w$:])(?:(TERMINATE|SHOW|START|STOP|USE)(?![\w:])|(CALL\s+dbms\.)|"
    r"(CALL\s+db\.(?!(?:labels|relationshipTypes|propertyKeys|schema\.\w+|"
    r"index\.fulltext\.query(?:Nodes|Relationships))\s*\()))",
    re.IGNORECASE,
)


def keyword_violation(cypher: str) -> str | None:
    """Return the server command a query's text names (``'TERMINATE'``, ``'CALL dbms.'``...),
    or ``None``; strings and comments are ignored, backticks and spaces around dots undone.
    """
    text = _LITERALS.sub(" ", cypher)
    text = _BACKTICKED.sub(lambda m: m.group(1), text)
    text = _DOTS.sub(".", text)
    m = _COMMANDS.search(text)
    if m is None:
        return None
    found = next(g for g in m.groups() if g)
    return " ".join(found.split()) if found.upper().startswith("CALL") else found.upper()
