"""``graphengine export ecosystem ID | provider NAME | traceback ID --out BUNDLE``: evidence bundles.

The data comes from input files (``--input FILE... [--providers RMD.csv]``), analysed in
process (ecosystems are detected with the seeded consensus method and ``--seed``), or from
Neo4j (``--from-neo4j``), in which case the Cypher text and parameters are recorded in the
bundle. The bundle path and its manifest SHA-256 are printed as JSON on stdout.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

from graphengine import store
from graphengine.cli.options import add_timezone_argument, print_notes
from graphengine.ecosystems import detect_ecosystems
from graphengine.errors import ConfigError, InputFileError
from graphengine.store import statements
from loaders.load import load_inputs

__all__ = ["register", "run"]

log = logging.getLogger(__name__)


def _formats(text: str) -> tuple[str, ...]:
    # why: plotly and kaleido take seconds to import; only this verb draws
    from graphengine.export.api import FORMATS

    values = tuple(v.strip().lower() for v in text.split(",") if v.strip())
    unknown = [v for v in values if v not in FORMATS]
    if unknown or not values:
        raise argparse.ArgumentTypeError(
            f"unknown format(s) {','.join(unknown) or '(none)'}; use any of {','.join(FORMATS)}"
        )
    return values


def register(subparsers: Any) -> None:
    """Add the ``export`` verb and its ``ecosystem``, ``provider`` and ``traceback`` kinds."""
    parser = subparsers.add_parser(
        "export",
        help="write an evidence bundle: network diagram(s), data, layout and manifest",
        description=(
            "Export a network diagram as case evidence: figures (offline HTML, PNG, SVG, PDF), "
            "the data behind them (nodes.csv, edges.csv, GraphML), the seeded layout, the "
            "analysis settings or Cypher, and manifest.json with the SHA-256 of every file. "
            "Check a bundle later with `graphengine evidence verify BUNDLE`."
        ),
    )
    kinds = parser.add_subparsers(dest="kind", metavar="KIND")
    kinds.required = True
    for kind, metavar, text in (
        ("ecosystem", "ID", "one provider ecosystem (as numbered by `graphengine analyze`)"),
        ("provider", "NAME", "the k-hop neighbourhood of one provider (key or printed name)"),
        (
            "traceback",
            "ID",
            "the hop chain of one traceback, from the caller to the victim's carrier",
        ),
    ):
        sub = kinds.add_parser(kind, help=text, description=f"Export {text}.")
        sub.add_argument("subject", metavar=metavar, help=f"the {kind} to export")
        _add_common(sub, kind)
        sub.set_defaults(func=run)


def _add_common(sub: argparse.ArgumentParser, kind: str) -> None:
    source = sub.add_argument_group("data source (one of the two)")
    source.add_argument(
        "--input",
        nargs="+",
        metavar="FILE",
        default=[],
        help="traceback files (hop or path tables: CSV, JSON Lines, XLSX)",
    )
    source.add_argument(
        "--providers", metavar="RMD.csv", help="RMD export used as provider registry"
    )
    source.add_argument("--mapping", metavar="M.yml", help="column mapping file for the inputs")
    source.add_argument("--aliases", metavar="ALIASES.csv", help="provider alias table")
    add_timezone_argument(source)
    source.add_argument(
        "--from-neo4j",
        action="store_true",
        help="read the data (and, for ecosystems, the written-back partition) from Neo4j "
        "(NEO4J_URI etc.); the Cypher and parameters are recorded in the bundle",
    )
    sub.add_argument(
        "--out", required=True, type=Path, metavar="BUNDLE", help="bundle folder to create"
    )
    sub.add_argument(
        "--format",
        type=_formats,
        default=("html", "png", "svg", "pdf"),
        metavar="LIST",
        help="comma-separated figure formats: html,png,svg,pdf (default: all four)",
    )
    sub.add_argument(
        "--case", default="", metavar="LABEL", help="case label printed on every figure"
    )
    sub.add_argument(
        "--redact-called-numbers",
        action="store_true",
        help="remove every called (victim) number from every file of the bundle",
    )
    sub.add_argument("--zip", action="store_true", help="write BUNDLE.zip instead of a folder")
    sub.add_argument(
        "--seed",
        type=int,
        default=42,
        help="seed of the layout and the ecosystem analysis (default 42)",
    )
    sub.add_argument(
        "--hubs",
        choices=("fade", "collapse", "hide", "show"),
        default="fade",
        help="how hub providers are drawn (default: fade)",
    )
    sub.add_argument(
        "--hub-min-degree",
        type=int,
        default=25,
        metavar="N",
        help="distinct neighbours that make a provider a hub, when the analysis does not flag hubs (default 25)",
    )
    sub.add_argument("--width", type=int, default=1200, help="image width in pixels (default 1200)")
    sub.add_argument("--height", type=int, default=800, help="image height in pixels (default 800)")
    sub.add_argument("--scale", type=float, default=1.0, help="PNG pixel ratio (default 1)")
    if kind == "provider":
        sub.add_argument(
            "-k",
            "--depth",
            type=int,
            default=2,
            dest="k",
            help="hops upstream and downstream (default 2)",
        )
        sub.add_argument(
            "--max-nodes",
            type=int,
            default=80,
            help="most providers drawn; the busiest links are kept (default 80)",
        )


def _from_files(args: argparse.Namespace) -> tuple[Any, Any, list[Path]]:
    names = [*args.input, args.providers, args.mapping, args.aliases]
    for name in names:
        if name is not None and not Path(name).is_file():
            raise InputFileError(f"{name}: no such file")
    loaded = load_inputs(
        args.input,
        providers=args.providers,
        mapping=args.mapping,
        aliases=args.aliases,
        timezone=args.timezone,
    )
    print_notes(loaded.notes)
    if len(loaded.rejects):
        log.warning(
            "%d input row(s) rejected; run `graphengine load --quarantine` to see them",
            len(loaded.rejects),
        )
    if loaded.hops.empty:
        raise InputFileError("no traceback rows could be read from the --input file(s)")
    inputs = [Path(p) for p in [*args.input, args.providers, args.mapping, args.aliases] if p]
    return loaded.hops, loaded.providers, inputs


def _from_neo4j(kind: str, provenance: Any) -> tuple[Any, Any]:
    driver = store.connect()
    try:
        provenance.neo4j_server = store.server_version(driver)
        hops = store.read_hops(driver)
        provenance.cypher.append(
            {"name": "read_hops", "text": statements.READ_HOPS, "parameters": {}}
        )
        partition = None
        if kind == "ecosystem":
            partition = store.read_providers(driver)
            provenance.cypher.append(
                {"name": "read_providers", "text": statements.READ_PROVIDERS, "parameters": {}}
            )
            if "ecosystem" not in partition.columns:
                raise ConfigError(
                    "Neo4j has no Provider.ecosystem; run `graphengine analyze --from-neo4j --write-back` first"
                )
    finally:
        driver.close()
    return hops, partition


def run(args: argparse.Namespace) -> int:
    """Run ``graphengine export``; print ``{"bundle", "files", "manifest_sha256"}`` as JSON."""
    # why: plotly and kaleido take seconds to import; only this verb draws
    from graphengine import export

    if bool(args.input) == bool(args.from_neo4j):
        raise ConfigError("give --input FILE... or --from-neo4j (one of the two)")
    settings = export.ExportSettings(
        formats=args.format,
        case_label=args.case,
        redact_called_numbers=args.redact_called_numbers,
        zip=args.zip,
        width=args.width,
        height=args.height,
        scale=args.scale,
        hubs=args.hubs,
        hub_min_degree=args.hub_min_degree,
        k=getattr(args, "k", 2),
        max_nodes=getattr(args, "max_nodes", 80),
        seed=args.seed,
    )
    provenance = export.Provenance(command_line=["graphengine", *sys.argv[1:]])
    partition: Any = None
    if args.from_neo4j:
        hops, partition = _from_neo4j(args.kind, provenance)
    else:
        hops, providers, provenance.inputs = _from_files(args)
        if args.kind == "ecosystem":
            result = detect_ecosystems(hops, providers, seed=args.seed)
            provenance.analysis = {"ecosystems": result.params}
            partition = result
    if args.kind == "ecosystem":
        bundle = export.export_ecosystem(
            hops, partition, args.subject, args.out, settings=settings, provenance=provenance
        )
    elif args.kind == "provider":
        bundle = export.export_provider(
            hops, args.subject, args.out, settings=settings, provenance=provenance
        )
    else:
        bundle = export.export_traceback(
            hops, args.subject, args.out, settings=settings, provenance=provenance
        )
    out = {
        "bundle": str(bundle.path),
        "files": len(bundle.files),
        "manifest_sha256": bundle.manifest_sha256,
    }
    json.dump(out, sys.stdout, sort_keys=True)
    sys.stdout.write("\n")
    return 0
