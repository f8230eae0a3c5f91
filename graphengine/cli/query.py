"""``graphengine query``: list, show and run the saved Cypher queries (read-only, bounded)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

import pandas as pd

from graphengine.csvsafe import neutralise_frame
from graphengine.errors import QueryError
from graphengine.queries import DEFAULT_LIMIT, DEFAULT_TIMEOUT, ENV_VAR, execute, get, list_queries
from graphengine.queries.runner import MAX_TIMEOUT, QueryResult, iso

__all__ = ["register", "parse_assignments", "render"]

FORMATS = ("table", "csv", "json")


def register(subparsers: Any) -> None:
    """Add the ``query`` verb and its ``list``, ``show`` and ``run`` sub-commands."""
    parser = subparsers.add_parser(
        "query",
        help="list, show and run the saved Cypher queries (read-only)",
        description=(
            "Investigators' saved Cypher queries (cypher/*.cypher), run against Neo4j in "
            "read-only transactions with a row limit and a timeout. Your own folder of .cypher "
            f"files with the same header joins them via --queries DIR or {ENV_VAR}; a query "
            "there wins over a saved one of the same name."
        ),
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True

    def add_queries_option(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--queries",
            metavar="DIR",
            action="append",
            default=[],
            help=f"extra folder of your own .cypher files (repeatable; also {ENV_VAR})",
        )

    p_list = actions.add_parser(
        "list", help="list the available queries", description="List every available query."
    )
    add_queries_option(p_list)
    p_list.add_argument(
        "--format", choices=("table", "json"), default="table", help="output format (default table)"
    )
    p_list.set_defaults(func=cmd_list)

    p_show = actions.add_parser(
        "show",
        help="print a query's header and Cypher",
        description="Print a query file: its header (question, parameters, columns) and Cypher.",
    )
    p_show.add_argument("name", metavar="NAME", help="query name (see 'graphengine query list')")
    add_queries_option(p_show)
    p_show.set_defaults(func=cmd_show)

    p_run = actions.add_parser(
        "run",
        help="run a query read-only and print its rows",
        description=(
            "Run a saved query in a read-only transaction. Parameters are checked against the "
            "query's header and sent as Cypher parameters. Rows go to stdout (or --out); notes "
            "such as a truncated result go to stderr."
        ),
    )
    p_run.add_argument("name", metavar="NAME", help="query name (see 'graphengine query list')")
    p_run.add_argument(
        "-p",
        "--param",
        metavar="KEY=VALUE",
        action="append",
        default=[],
        help="a query parameter, e.g. -p provider='Delta Transit' -p k=3 (repeatable)",
    )
    p_run.add_argument(
        "--format", choices=FORMATS, default="table", help="output format (default table)"
    )
    p_run.add_argument("--out", metavar="FILE", help="write the output to FILE instead of stdout")
    p_run.add_argument(
        "--limit",
        type=int,
        default=DEFAULT_LIMIT,
        metavar="N",
        help=f"return at most N rows (default {DEFAULT_LIMIT}; 0: no limit)",
    )
    p_run.add_argument(
        "--timeout",
        type=_seconds,
        default=DEFAULT_TIMEOUT,
        metavar="S",
        help=f"abort the query after S seconds (default {DEFAULT_TIMEOUT:g}; 0: server default)",
    )
    p_run.add_argument(
        "--database", metavar="NAME", help="Neo4j database (default NEO4J_DATABASE or the server's)"
    )
    add_queries_option(p_run)
    p_run.set_defaults(func=cmd_run)


def _seconds(text: str) -> float:
    """argparse type of ``--timeout``: a finite number of seconds from 0 to one day.

    Examples
    --------
    >>> _seconds("2.5")
    2.5
    """

    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not (0 <= value <= MAX_TIMEOUT):  # nan fails every comparison
        raise argparse.ArgumentTypeError(
            f"expected seconds from 0 to {MAX_TIMEOUT:g} (0: server default), got {text!r}"
        )
    return value


def parse_assignments(items: Sequence[str]) -> dict[str, str]:
    """Return ``{key: value}`` from ``key=value`` strings (the value may contain ``=``).

    Raises
    ------
    QueryError
        When an item has no ``=`` or a key is given twice.

    Examples
    --------
    >>> parse_assignments(["provider=Delta Transit", "k=3"])
    {'provider': 'Delta Transit', 'k': '3'}
    """
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise QueryError(f"-p expects KEY=VALUE, got {item!r}")
        if key in out:
            raise QueryError(f"parameter {key!r} is given twice with -p")
        out[key] = value
    return out


def cmd_list(args: argparse.Namespace) -> int:
    """Print the available queries (name, source, question)."""
    specs = list_queries(args.queries)
    if args.format == "json":
        payload = [
            {
                "name": s.name,
                "question": s.question,
                "source": s.source,
                "path": str(s.path) if s.path else None,
                "params": [
                    {
                        "name": p.name,
                        "type": p.type,
                        "required": p.required,
                        "default": p.default_text,
                        "expected": p.expectation(),
                        "example": p.example,
                    }
                    for p in s.params
                ],
                "returns": list(s.returns),
            }
            for s in specs
        ]
        json.dump(payload, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    width = max((len(s.name) for s in specs), default=4)
    for s in specs:
        marker = "" if s.source == "saved" else f"  [user: {s.path}]"
        print(f"{s.name:<{width}}  {s.question}{marker}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    """Print the query file (header and Cypher) and where it comes from."""
    spec = get(args.name, args.queries)
    print(f"// source: {spec.source} ({spec.path})", file=sys.stderr)
    text = spec.text if spec.text.endswith("\n") else spec.text + "\n"
    sys.stdout.write(text)
    return 0


def _cell(value: Any, sep: str) -> Any:
    value = iso(value)
    if isinstance(value, list):
        return sep.join("" if v is None else str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    return value


def _flat_frame(result: QueryResult, sep: str) -> pd.DataFrame:
    rows = [[_cell(v, sep) for v in row] for row in result.rows]
    return pd.DataFrame(rows, columns=result.columns, dtype=object)


def render(result: QueryResult, fmt: str, stream: TextIO) -> None:
    """Write ``result`` to ``stream`` as ``table``, ``csv`` or ``json``.

    CSV cells that a spreadsheet would run as formulas are neutralised; list cells are joined
    with ``;`` in CSV and ``, `` in a table; JSON keeps lists and carries ``truncated``.
    """
    if fmt == "json":
        payload = {
            "query": result.spec.name,
            "source": str(result.spec.path) if result.spec.path else None,
            "params": iso(result.params),
            "columns": result.columns,
            "rows": [dict(zip(result.columns, iso(list(r)), strict=True)) for r in result.rows],
            "row_count": len(result.rows),
            "limit": result.limit,
            "truncated": result.truncated,
        }
        json.dump(payload, stream, indent=2, ensure_ascii=False)
        stream.write("\n")
        return
    if fmt == "csv":
        neutralise_frame(_flat_frame(result, ";")).to_csv(stream, index=False, lineterminator="\n")
        return
    frame = _flat_frame(result, ", ").fillna("")
    if frame.empty:
        stream.write("(no rows) columns: " + ", ".join(result.columns) + "\n")
    else:
        stream.write(frame.to_string(index=False) + "\n")
    note = result.truncation_note()
    stream.write(f"({len(result.rows)} rows{'; ' + note if note else ''})\n")


def cmd_run(args: argparse.Namespace) -> int:
    """Run a query and write its rows; a truncated result is noted on stderr."""
    spec = get(args.name, args.queries)
    params = parse_assignments(args.param)
    result = execute(spec, params, limit=args.limit, timeout=args.timeout, database=args.database)
    if args.out:
        target = Path(args.out)
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("w", encoding="utf-8", newline="") as fh:
            render(result, args.format, fh)
        print(f"wrote {len(result.rows)} rows to {target}", file=sys.stderr)
    else:
        render(result, args.format, sys.stdout)
    note = result.truncation_note()
    if note:
        print(f"graphengine: {note}", file=sys.stderr)
    return 0
