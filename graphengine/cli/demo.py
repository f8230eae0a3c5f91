"""``graphengine demo``: generate a seeded dataset at the ITG's yearly scale and investigate it."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from graphengine.cli.investigate import (
    add_investigation_arguments,
    options_from_args,
    print_outputs,
)

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    """Add the ``demo`` verb to the CLI."""
    parser = subparsers.add_parser(
        "demo",
        help="the main job end to end on generated data, scored against the planted truth",
        description=(
            "Generate a seeded synthetic traceback dataset at the ITG's real yearly scale "
            "(about 3,600 tracebacks, 700 providers) into OUT/data, run `graphengine investigate` "
            "on it into OUT, and print how well the planted truth was recovered: the NMI and ARI "
            "of the ecosystems, and the precision and recall of the repeat gateways, repeat "
            "originators and non-cooperative providers. Needs no server."
        ),
    )
    parser.add_argument("--out", default="demo-out", metavar="DIR", help="output folder (demo-out)")
    parser.add_argument(
        "--tracebacks", type=int, default=3600, metavar="N", help="tracebacks to generate (3600)"
    )
    parser.add_argument(
        "--data-seed", type=int, default=7, metavar="S", help="seed of the generated data (7)"
    )
    add_investigation_arguments(parser)
    parser.set_defaults(func=run, case="DEMO (synthetic data)")


def run(args: argparse.Namespace) -> int:
    """Run ``graphengine demo``; return the exit status."""
    # why: plotly and kaleido take seconds to import; only this verb draws
    from graphengine.pipeline.demo import run_demo

    outcome = run_demo(
        Path(args.out),
        tracebacks=args.tracebacks,
        data_seed=args.data_seed,
        options=options_from_args(args),
        neo4j=True if args.neo4j else None,
    )
    print_outputs(outcome.investigation)
    print("recovery of the planted truth:", file=sys.stderr)
    for name, value in outcome.scores.items():
        print(f"  {name:<32} {value}", file=sys.stderr)
    json.dump(outcome.scores, sys.stdout, sort_keys=True)
    sys.stdout.write("\n")
    return 0
