"""``graphengine investigate``: the main job, from traceback files to a report and evidence."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from graphengine.cli.options import add_arguments as add_findings_arguments
from graphengine.cli.options import (
    add_detection_arguments,
    add_timezone_argument,
    config_from_args,
)
from graphengine.pipeline.investigate import investigate
from graphengine.pipeline.investigation import InvestigateOptions
from graphengine.pipeline.report_rows import DEFAULT_REPORT_ROWS

__all__ = ["register", "run", "add_investigation_arguments", "options_from_args", "print_outputs"]


def add_investigation_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options shared by ``investigate`` and ``demo`` (analysis, evidence, findings)."""
    parser.add_argument("--case", default="", metavar="LABEL", help="case label for titles")
    parser.add_argument(
        "--neo4j",
        action="store_true",
        help="also load into Neo4j and write results back (default: only when NEO4J_URI is set)",
    )
    add_detection_arguments(parser)
    parser.add_argument(
        "--top",
        type=int,
        default=5,
        metavar="N",
        help="ecosystems (by traceback volume) that get a diagram and an evidence bundle (5)",
    )
    parser.add_argument(
        "--format",
        default="html,png,svg,pdf",
        metavar="LIST",
        help="evidence formats: html and any of png, svg, pdf (default all four; png/svg/pdf "
        "need Chromium)",
    )
    parser.add_argument(
        "--redact-called-numbers",
        action="store_true",
        help="remove called (victim) numbers from the evidence bundles",
    )
    parser.add_argument(
        "--report-rows",
        type=int,
        default=DEFAULT_REPORT_ROWS,
        metavar="N",
        help=f"rows each table of report.html shows at most: the top N in the table's own order "
        f"(rank, score, count); a cut table says so and links to the CSV/JSON file holding "
        f"every row. 0 shows every row ({DEFAULT_REPORT_ROWS})",
    )
    add_findings_arguments(parser)


def options_from_args(args: argparse.Namespace) -> InvestigateOptions:
    """Build :class:`~graphengine.pipeline.investigation.InvestigateOptions` from parsed options."""
    formats = tuple(f.strip().lower() for f in args.format.split(",") if f.strip())
    return InvestigateOptions(
        case_label=args.case,
        seed=args.seed,
        runs=args.runs,
        method=args.method,
        objective=args.objective,
        resolution=args.resolution,
        hub_handling=args.hubs,
        top=args.top,
        formats=formats,
        findings=config_from_args(args),
        redact_called_numbers=args.redact_called_numbers,
        report_rows=args.report_rows,
    )


def register(subparsers: Any) -> None:
    """Add the ``investigate`` verb to the CLI."""
    parser = subparsers.add_parser(
        "investigate",
        help="the main job: load, map ecosystems, compute findings, write report and evidence",
        description=(
            "Load and validate traceback files (bad rows go to quarantine.csv), detect provider "
            "ecosystems with seeded consensus, compute findings and ranked targets, and write "
            "report.html (self-contained, offline), the CSV/JSON tables and one evidence bundle "
            "per top ecosystem into --out. With --neo4j (or NEO4J_URI set) the frames are also "
            "loaded into Neo4j and the results written back."
        ),
    )
    parser.add_argument("inputs", nargs="+", metavar="INPUT", help="hop or path table files")
    parser.add_argument("--out", required=True, metavar="DIR", help="investigation folder")
    parser.add_argument("--providers", metavar="RMD.csv", help="RMD registry export")
    parser.add_argument("--mapping", metavar="M.yml", help="column/response mapping YAML")
    parser.add_argument("--aliases", metavar="A.csv", help="alias table (alias,canonical)")
    add_timezone_argument(parser)
    parser.add_argument(
        "--reports",
        nargs="+",
        metavar="REPORTS.csv",
        help="robocall report file(s): adds a campaigns section linked to the ecosystems and "
        "gateways that carry each campaign's tracebacks (see docs/campaigns.md)",
    )
    add_investigation_arguments(parser)
    parser.set_defaults(func=run)


def print_outputs(result: Any) -> None:
    """Print where everything went (stderr) and the headline numbers."""
    s = result.summary()
    err = sys.stderr
    print(
        f"loaded {s['tracebacks']} tracebacks ({s['hops']} hops, {s['providers']} providers); "
        f"{s['rows_rejected']} row(s) rejected",
        file=err,
    )
    print(
        f"{s['ecosystems']} ecosystems; {s['findings_repeat_gateways']} repeat gateways, "
        f"{s['findings_repeat_originators']} repeat originators, "
        f"{s['findings_noncooperative']} non-cooperative providers, "
        f"{s['findings_rmd_violation_edges']} RMD-violating hops",
        file=err,
    )
    print(f"report:    {result.report}", file=err)
    for key in ("targets", "findings", "ecosystems", "providers", "campaigns", "quarantine"):
        if key in result.files:
            print(f"{key + ':':<10} {result.files[key]}", file=err)
    for bundle in result.bundles:
        print(f"evidence:  {bundle}", file=err)
    for warning in result.warnings:
        print(f"warning:   {warning}", file=err)


def run(args: argparse.Namespace) -> int:
    """Run ``graphengine investigate``; return the exit status."""

    result = investigate(
        args.inputs,
        args.out,
        providers=args.providers,
        mapping=args.mapping,
        aliases=args.aliases,
        timezone=args.timezone,
        options=options_from_args(args),
        neo4j=True if args.neo4j else None,
        reports=args.reports,
    )
    print_outputs(result)
    return 0
