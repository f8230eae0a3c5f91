"""``python -m graphengine.queries --write-docs docs/queries.md``: regenerate the query docs."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from graphengine.errors import GraphengineError
from graphengine.queries.catalog import saved_queries
from graphengine.queries.docs import render_docs, write_docs


def main(argv: Sequence[str] | None = None) -> int:
    """Write (or check) ``docs/queries.md`` from the saved query headers; return an exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m graphengine.queries",
        description="Generate docs/queries.md from the headers of the saved queries.",
    )
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--write-docs", metavar="FILE", help="write the Markdown page to FILE")
    group.add_argument(
        "--check-docs", metavar="FILE", help="exit 1 when FILE differs from the generated page"
    )
    args = parser.parse_args(argv)
    try:
        specs = saved_queries()
        if args.write_docs:
            path = write_docs(args.write_docs, specs)
            print(f"wrote {path} ({len(specs)} queries)", file=sys.stderr)
            return 0
        with open(args.check_docs, encoding="utf-8") as fh:
            current = fh.read()
        if current != render_docs(specs):
            print(f"{args.check_docs} is stale: run --write-docs", file=sys.stderr)
            return 1
        return 0
    except (GraphengineError, OSError) as exc:
        print(f"graphengine: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
