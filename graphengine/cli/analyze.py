"""``graphengine analyze``: map provider ecosystems from files or from Neo4j.

Writes ``ecosystems.csv``, ``providers.csv`` and ``analysis.json`` (settings, inputs with
their SHA-256, seed and library versions) into ``--out``, then the findings step
(:mod:`graphengine.cli.options`) adds ``findings.json`` and ``targets.csv``; prints a one-line
JSON summary on stdout. ``--write-back`` stores ``Provider.ecosystem`` and ``Provider.ecosystem_stability``
in Neo4j.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

import loaders
from graphengine import store
from graphengine.cli.options import (
    add_arguments,
    add_detection_arguments,
    add_timezone_argument,
    config_from_args,
    detection_from_args,
    print_notes,
)
from graphengine.errors import ConfigError, InputFileError
from graphengine.pipeline.analysis import findings_step, run_analysis, write_outputs
from graphengine.store.connection import connect
from graphengine.store.read import provider_graph_from_neo4j
from graphengine.store.writeback import write_ecosystems

__all__ = ["register", "run"]

log = logging.getLogger(__name__)


def register(subparsers: Any) -> None:
    """Add the ``analyze`` verb to the CLI."""
    parser = subparsers.add_parser(
        "analyze",
        help="map provider ecosystems (and findings) from files or Neo4j",
        description=(
            "Build the weighted provider graph from traceback files (or from Neo4j with "
            "--from-neo4j), find ecosystems by seeded consensus community detection with hub "
            "handling, and write ecosystems.csv, providers.csv and analysis.json into --out. "
            "The same inputs, options and seed always give the same files."
        ),
    )
    parser.add_argument(
        "files", nargs="*", metavar="FILE", help="traceback file(s): hop or path tables"
    )
    parser.add_argument(
        "--from-neo4j",
        action="store_true",
        help="read the graph loaded in Neo4j (NEO4J_URI, ...) instead of files",
    )
    parser.add_argument("--out", required=True, metavar="DIR", help="folder for the outputs")
    parser.add_argument(
        "--providers", metavar="RMD.csv", help="provider registry in the RMD export's columns"
    )
    parser.add_argument(
        "--mapping", metavar="M.yml", help="YAML column / response mapping for the input files"
    )
    parser.add_argument(
        "--aliases", metavar="A.csv", help="alias table merging provider names into one key"
    )
    add_timezone_argument(parser)
    parser.add_argument(
        "--write-back",
        action="store_true",
        help=(
            "write Provider.ecosystem, Provider.ecosystem_stability and the findings scores "
            "into Neo4j"
        ),
    )
    add_detection_arguments(parser)
    add_arguments(parser)
    parser.set_defaults(func=run)


def _read_files(args: argparse.Namespace) -> tuple[Any, Any, list[str | Path]]:
    for name in [*args.files, args.providers, args.mapping, args.aliases]:
        if name is not None and not Path(name).is_file():
            raise InputFileError(f"{name}: no such file")
    loaded = loaders.load_inputs(
        args.files,
        providers=args.providers,
        mapping=args.mapping,
        aliases=args.aliases,
        timezone=args.timezone,
    )
    print_notes(loaded.notes)
    if len(loaded.rejects):
        log.warning(
            "%d row(s) rejected while reading; run `graphengine load` with --quarantine to "
            "see them",
            len(loaded.rejects),
        )
    if loaded.hops.empty:
        raise InputFileError("no traceback rows could be read from the input file(s)")
    inputs: list[str | Path] = [*args.files, *([args.providers] if args.providers else [])]
    return loaded.hops, loaded.providers, inputs


def run(args: argparse.Namespace) -> int:
    """Run ``graphengine analyze``; return the exit status."""
    if bool(args.files) == bool(args.from_neo4j):
        raise ConfigError("give traceback FILE(s) or --from-neo4j (one of the two)")
    if args.from_neo4j and (args.providers or args.mapping or args.aliases):
        raise ConfigError("--providers, --mapping and --aliases apply to files, not --from-neo4j")
    detection = detection_from_args(args)
    findings_config = config_from_args(args)  # reject bad findings options before slow steps
    driver = None
    try:
        graph = None
        inputs: list[str | Path] = []
        if args.from_neo4j:
            driver = _connect()
            hops, providers = store.read_hops(driver), store.read_providers(driver)
            graph = provider_graph_from_neo4j(driver)
            source = "neo4j"
        else:
            hops, providers, inputs = _read_files(args)
            source = "files"
        result = run_analysis(
            hops,
            providers,
            detection,
            graph=graph,
            source=source,
            inputs=inputs,
        )
        written = write_outputs(result, args.out)
        summary: dict[str, Any] = {
            "out": str(args.out),
            "files": [p.name for p in written],
            **result.settings["counts"],
        }
        if args.write_back:
            driver = driver or _connect()
            summary["written_back"] = write_ecosystems(driver, result.ecosystems.providers)
        summary.update(
            findings_step(
                hops,
                providers,
                result.ecosystems.providers,
                args.out,
                findings_config,
                driver if args.write_back else None,
            )
        )
    finally:
        if driver is not None:
            driver.close()
    json.dump(summary, sys.stdout, sort_keys=True)
    sys.stdout.write("\n")
    return 0


def _connect() -> Any:
    return connect()
