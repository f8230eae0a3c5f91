"""``graphengine load``: read traceback files, quarantine bad rows, write the rest to Neo4j.

Exit status: 0 when the good rows loaded (even if some rows were quarantined); 1 when
nothing could load, when ``--strict`` is given and any row was rejected, or on a one-line
error (unreadable file, Neo4j unreachable).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import loaders
from graphengine.cli.options import add_timezone_argument, print_notes
from graphengine.errors import GraphengineError, InputFileError
from graphengine.store.connection import connect
from graphengine.store.load import DEFAULT_BATCH_SIZE, load_frames

__all__ = ["register", "run", "DEFAULT_QUARANTINE"]

#: where rejected rows go when ``--quarantine`` is not given.
DEFAULT_QUARANTINE = "quarantine.csv"


def register(subparsers: Any) -> None:
    """Add the ``load`` verb to the CLI."""
    parser = subparsers.add_parser(
        "load",
        help="load traceback files into Neo4j",
        description=(
            "Read traceback files (hop table or path table; CSV, JSON Lines or XLSX), validate "
            "every row, write rejected rows to a quarantine CSV and load the rest into Neo4j "
            "(NEO4J_URI, NEO4J_USERNAME, NEO4J_PASSWORD, NEO4J_DATABASE). Loading is "
            "idempotent: running the same command again changes nothing, and a load that was "
            "interrupted finishes where it stopped."
        ),
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="traceback file(s) to load")
    parser.add_argument(
        "--providers",
        metavar="RMD.csv",
        help="provider registry in the RMD export's columns (frn, business_name, ...)",
    )
    parser.add_argument(
        "--mapping",
        metavar="M.yml",
        help="YAML file mapping other column names and response texts to the canonical ones",
    )
    parser.add_argument(
        "--aliases",
        metavar="A.csv",
        help="alias table (name, canonical name) that merges provider names into one key",
    )
    add_timezone_argument(parser)
    parser.add_argument(
        "--quarantine",
        metavar="Q.csv",
        help=f"where rejected rows are written (default: ./{DEFAULT_QUARANTINE} when any)",
    )
    parser.add_argument(
        "--batch-size",
        type=int,
        default=None,
        metavar="N",
        help="about how many hops go in one write transaction (default 10000)",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="exit with status 1 when any row was rejected (the good rows still load)",
    )
    parser.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="summary on stdout as text (default) or one JSON object",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``graphengine load``; return the exit status."""
    for name in [*args.files, args.providers, args.mapping, args.aliases]:
        if name is not None and not Path(name).is_file():
            raise InputFileError(f"{name}: no such file")
    batch_size = DEFAULT_BATCH_SIZE if args.batch_size is None else args.batch_size
    if batch_size < 1:
        raise GraphengineError(f"--batch-size must be at least 1, got {batch_size}")

    result = loaders.load_inputs(
        args.files,
        providers=args.providers,
        mapping=args.mapping,
        aliases=args.aliases,
        timezone=args.timezone,
    )
    print_notes(result.notes)
    rejected = len(result.rejects)
    quarantine: str | None = None
    if rejected:
        quarantine = args.quarantine or DEFAULT_QUARANTINE
        loaders.write_quarantine(result.rejects, quarantine)

    # nothing reaches Neo4j before every file has been read and checked
    summary: dict[str, Any] = {
        "files": [str(f) for f in args.files],
        "read": _stat(result, "read"),
        "loaded": _stat(result, "loaded"),
        "rejected": _stat(result, "rejected"),
        "duplicates": _stat(result, "duplicates"),
        "hops": len(result.hops),
        "quarantine": quarantine,
        "merged_names": len(result.merges) if result.merges is not None else 0,
    }
    if result.hops.empty:
        _print(summary, None, args.format)
        raise GraphengineError(
            "nothing could be loaded: every row was rejected"
            + (f" (see {quarantine})" if quarantine else "")
        )
    driver = connect()
    try:
        report = load_frames(driver, result.hops, result.providers, batch_size=batch_size)
    finally:
        driver.close()
    _print(summary, report.as_dict(), args.format)
    if args.strict and rejected:
        print(
            f"graphengine: --strict: {rejected} row(s) rejected (see {quarantine})",
            file=sys.stderr,
        )
        return 1
    return 0


def _stat(result: Any, name: str) -> int:
    """Total of one column of the loaders' per-file stats (input rows)."""
    return int(result.stats[name].sum()) if len(result.stats) else 0


def _print(summary: dict[str, Any], report: dict[str, Any] | None, fmt: str) -> None:
    if fmt == "json":
        print(json.dumps({**summary, "neo4j": report}, sort_keys=True))
        return
    print(
        f"read {summary['read']} rows: loaded {summary['loaded']}, "
        f"rejected {summary['rejected']}, duplicates {summary['duplicates']} "
        f"({summary['hops']} hops)"
    )
    if summary["quarantine"]:
        print(f"quarantine: {summary['quarantine']}")
    if summary["merged_names"]:
        print(f"provider names merged: {summary['merged_names']}")
    if report is not None:
        print(
            f"tracebacks: {report['tracebacks']} ({report['tracebacks_written']} written, "
            f"{report['tracebacks_unchanged']} already loaded, "
            f"{report['tracebacks_replaced']} replaced); "
            f"{report['hops_per_second']:.0f} hops/s"
        )
        graph = report["graph"]
        print("graph: " + ", ".join(f"{k} {v}" for k, v in graph.items()))
