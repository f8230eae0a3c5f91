"""``graphengine traceback stitch``: trace suspect calls through carriers' call records in bulk."""

from __future__ import annotations

import argparse
import json
import sys

from graphengine.traceback.bulk import stitch_files

__all__ = ["register", "run_stitch"]

_DESCRIPTION = """\
Trace every suspect call through many carriers' call records in one pass, and write the
canonical hop table (loadable by `graphengine load` and `graphengine investigate` unchanged).

Matching per hop, strongest key first: the SIP Call-ID passed unchanged, then the STIR/SHAKEN
identity (identity_hash, or origid with the same numbers), then the E.164 calling and called
numbers inside --tolerance seconds. Two candidates no key separates are reported in the
ambiguous file with every candidate, never guessed. A carrier with no records for the time ends
the path with response "No records"; a foreign ingress (per --providers) ends it at a gateway.
Every record file is validated before anything is written: a bad file writes nothing.
See docs/traceback.md.
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``traceback`` verb (with ``stitch``) to the CLI."""
    p = subparsers.add_parser(
        "traceback",
        help="automated traceback: stitch carriers' call records into hop tables",
        description="Automated traceback tools. See docs/traceback.md.",
    )
    sub = p.add_subparsers(dest="traceback_verb", metavar="ACTION")
    sub.required = True
    s = sub.add_parser(
        "stitch",
        help="trace suspect calls through call-record files",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    s.add_argument(
        "--records",
        required=True,
        metavar="DIR",
        help="folder of call-record files (.csv/.parquet), one carrier per file",
    )
    s.add_argument(
        "--calls",
        required=True,
        metavar="CSV",
        help="suspect calls: traceback_id,terminating_carrier,call_time,"
        "calling_number,called_number[,campaign]",
    )
    s.add_argument("--out", required=True, metavar="CSV", help="hop table to write")
    s.add_argument(
        "--providers",
        metavar="CSV",
        help="name,country of known providers (marks foreign ingress carriers)",
    )
    s.add_argument(
        "--ambiguous",
        metavar="CSV",
        help="where to list ambiguous hops' candidates (default: OUT with _ambiguous before .csv)",
    )
    s.add_argument(
        "--matches",
        metavar="CSV",
        help="the record (file, line, SHA-256, key) behind every matched hop "
        "(default: OUT with _matches before .csv)",
    )
    s.add_argument(
        "--tolerance",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="largest clock difference between records of one call (default 10)",
    )
    s.add_argument(
        "--engine",
        choices=("duckdb", "spark"),
        default="duckdb",
        help="duckdb (embedded, default) or spark (local[2], or "
        "GRAPHENGINE_SPARK_MASTER / --spark-master)",
    )
    s.add_argument("--spark-master", metavar="URL", help="Spark master URL (default local[2])")
    s.add_argument("--no-progress", action="store_true", help="hide the progress bar on stderr")
    s.set_defaults(func=run_stitch)


def run_stitch(args: argparse.Namespace) -> int:
    """Run the stitch and print a JSON summary on stdout."""

    summary = stitch_files(
        args.records,
        args.calls,
        args.out,
        providers=args.providers,
        ambiguous=args.ambiguous,
        matches=args.matches,
        tolerance_s=args.tolerance,
        engine=args.engine,
        spark_master=args.spark_master,
        show_progress=False if args.no_progress else None,
    )
    json.dump(summary, sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0
