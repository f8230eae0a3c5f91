"""Entry point of the ``graphengine`` console script.

Each verb lives in its own module under ``graphengine.cli`` and exposes
``register(subparsers)``, which adds its parser and sets ``func(args) -> int``.
Machine-readable output goes to stdout; progress and logs go to stderr.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from graphengine import __version__
from graphengine.errors import GraphengineError

#: verb modules, in the order `graphengine --help` lists them.
VERB_MODULES: tuple[str, ...] = (
    "neo4j",
    "generate",
    "load",
    "query",
    "analyze",
    "export",
    "evidence",
    "investigate",
    "traceback",
    "demo",
)


def build_parser() -> argparse.ArgumentParser:
    """Return the top-level parser with every verb registered."""
    parser = argparse.ArgumentParser(
        prog="graphengine",
        description=(
            "Investigation engine for illegal-robocall enforcement: load traceback call paths, "
            "map provider ecosystems, compute findings and export court-ready evidence."
        ),
    )
    parser.add_argument("--version", action="version", version=f"graphengine {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug detail to stderr")
    sub = parser.add_subparsers(dest="verb", metavar="VERB")
    sub.required = True
    for name in VERB_MODULES:
        module = importlib.import_module(f"graphengine.cli.{name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the process exit code (0 on success)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(message)s",
        stream=sys.stderr,
    )
    try:
        return int(args.func(args) or 0)
    except GraphengineError as exc:
        print(f"graphengine: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("graphengine: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
