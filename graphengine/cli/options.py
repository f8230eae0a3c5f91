"""Option groups shared by the verbs: each option is declared here once.

``load``, ``analyze``, ``export`` and ``investigate`` read traceback files and take
``--timezone`` (:func:`add_timezone_argument`); :func:`print_notes` prints what the loaders
decided on their own.

``analyze``, ``investigate`` and ``demo`` call :func:`add_detection_arguments` (the ecosystem
detection group) and :func:`add_arguments` (the findings group) when they build their parsers;
:func:`detection_from_args` and :func:`config_from_args` turn the parsed options into a
:class:`~graphengine.ecosystems.DetectionConfig` and a
:class:`~graphengine.findings.FindingsConfig`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from dataclasses import fields
from pathlib import Path

import pandas as pd

from graphengine.ecosystems import (
    DEFAULT_SEED,
    HUB_HANDLING_MODES,
    METHODS,
    OBJECTIVES,
    DetectionConfig,
    HubRule,
)
from graphengine.errors import ConfigError
from graphengine.findings import (
    FindingsConfig,
    NonCooperationRule,
    RmdRule,
    TargetWeights,
    Window,
    load_dno,
)

__all__ = [
    "TIMEZONE_HELP",
    "add_timezone_argument",
    "print_notes",
    "add_arguments",
    "config_from_args",
    "add_detection_arguments",
    "detection_from_args",
]


TIMEZONE_HELP = (
    "zone of call times that carry none (IANA name such as America/New_York, or UTC); "
    "overrides the mapping file's timezone: and a zone named in the column header. Without "
    "any of these a zoneless call time is an error, never silently UTC"
)


def add_timezone_argument(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """Add ``--timezone ZONE`` to ``parser``.

    >>> parser = argparse.ArgumentParser()
    >>> add_timezone_argument(parser)
    >>> parser.parse_args(["--timezone", "America/New_York"]).timezone
    'America/New_York'
    """
    parser.add_argument("--timezone", metavar="ZONE", default=None, help=TIMEZONE_HELP)


def print_notes(notes: Iterable[str]) -> None:
    """Print what the loaders decided on their own (one ``note:`` line each, on stderr)."""
    for note in notes:
        print(f"note: {note}", file=sys.stderr)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the findings options (window, thresholds, rules, weights) to ``parser``."""
    g = parser.add_argument_group(
        "findings", "window and rules of findings.json and targets.csv (docs/findings.md)"
    )
    g.add_argument("--since", metavar="DATE", help="count calls on or after DATE (YYYY-MM-DD)")
    g.add_argument("--until", metavar="DATE", help="count calls up to the end of DATE")
    g.add_argument(
        "--window",
        metavar="SPAN",
        help="rolling window ending at the last call (or --until), e.g. 12M, 90D, 2Y",
    )
    g.add_argument(
        "--threshold",
        type=int,
        default=3,
        metavar="N",
        help="repeat gateway/originator: at least N tracebacks in the role (default 3)",
    )
    g.add_argument(
        "--repeat-span",
        default="12M",
        metavar="SPAN",
        help="...within any rolling SPAN (default 12M), or 'window' for the whole window",
    )
    g.add_argument(
        "--noncoop-min",
        type=int,
        default=3,
        metavar="N",
        help="non-cooperative: at least N tracebacks with no/poor response (default 3)",
    )
    g.add_argument(
        "--noncoop-share",
        type=float,
        default=0.5,
        metavar="F",
        help="...and at least this share of the tracebacks it was asked about (default 0.5)",
    )
    g.add_argument(
        "--noncoop-stopped",
        type=int,
        default=0,
        metavar="N",
        help="also flag providers where N or more tracebacks stopped (default 0: off)",
    )
    g.add_argument(
        "--noncoop-unlisted",
        type=int,
        default=0,
        metavar="N",
        help="also flag providers that carried N or more calls while not in the RMD (0: off)",
    )
    g.add_argument(
        "--rmd-foreign",
        choices=("require", "exempt"),
        default="require",
        help="foreign upstreams must be in the RMD too (require, default) or are exempt",
    )
    g.add_argument(
        "--rmd-effective",
        default="2021-09-28",
        metavar="DATE",
        help="calls before DATE are not held to the RMD rule (default 2021-09-28)",
    )
    g.add_argument("--dno", metavar="FILE", help="Do-Not-Originate list, one number per line")
    names = ", ".join(f.name for f in fields(TargetWeights))
    g.add_argument(
        "--weight",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help=f"target score weight, repeatable; NAME is one of: {names}",
    )


def _weights(items: list[str]) -> TargetWeights:
    allowed = {f.name for f in fields(TargetWeights)}
    values: dict[str, float] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or name not in allowed:
            raise ConfigError(
                f"--weight {item!r}: use NAME=VALUE with NAME one of {', '.join(sorted(allowed))}"
            )
        try:
            values[name] = float(value)
        except ValueError as exc:
            raise ConfigError(f"--weight {item!r}: {value!r} is not a number") from exc
    return TargetWeights(**values)


def config_from_args(args: argparse.Namespace) -> FindingsConfig:
    """Build a :class:`FindingsConfig` from parsed options (see :func:`add_arguments`).

    Raises
    ------
    ConfigError, InputFileError
        For an invalid option value or an unreadable DNO list, naming the option.
    """
    span = None if args.repeat_span in (None, "window") else args.repeat_span
    try:
        effective = pd.Timestamp(args.rmd_effective)
    except ValueError as exc:
        raise ConfigError(f"--rmd-effective {args.rmd_effective!r} is not a date") from exc
    return FindingsConfig(
        window=Window(since=args.since, until=args.until, span=args.window),
        repeat_threshold=args.threshold,
        repeat_span=span,
        noncooperation=NonCooperationRule(
            min_nonresponse=args.noncoop_min,
            min_nonresponse_share=args.noncoop_share,
            min_stopped=args.noncoop_stopped,
            min_unlisted=args.noncoop_unlisted,
        ),
        rmd=RmdRule(effective=str(effective.date()), foreign_upstreams=args.rmd_foreign),
        weights=_weights(args.weight),
        dno=None if args.dno is None else load_dno(Path(args.dno)),
    )


def add_detection_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ecosystem detection options (method, objective, resolution, runs, seed, hubs)."""
    g = parser.add_argument_group(
        "ecosystems", "seeded consensus community detection (docs/ecosystems.md)"
    )
    g.add_argument(
        "--method",
        choices=METHODS,
        default="leiden",
        help="community detection: leiden (default), louvain, or infomap (flow-based)",
    )
    g.add_argument(
        "--objective",
        choices=OBJECTIVES,
        default="modularity",
        help="Leiden objective: modularity (default) or cpm (Constant Potts Model)",
    )
    g.add_argument(
        "--resolution",
        type=float,
        default=1.0,
        metavar="R",
        help="higher gives more, smaller ecosystems (default 1.0; leiden and louvain)",
    )
    g.add_argument(
        "--runs", type=int, default=20, metavar="N", help="seeded runs behind the consensus (20)"
    )
    g.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, metavar="S", help=f"master seed ({DEFAULT_SEED})"
    )
    g.add_argument(
        "--hubs",
        choices=HUB_HANDLING_MODES,
        default="detach",
        help=(
            "hub handling for terminating and national transit carriers: detach (default: "
            "detect without them, then attach), downweight, or none"
        ),
    )


def detection_from_args(args: argparse.Namespace) -> DetectionConfig:
    """Build a :class:`DetectionConfig` from parsed options (see :func:`add_detection_arguments`).

    Raises
    ------
    ConfigError
        For an out-of-range value, naming the option.
    """
    if args.runs < 1:
        raise ConfigError(f"--runs must be at least 1, got {args.runs}")
    return DetectionConfig(
        method=args.method,
        objective=args.objective,
        resolution=args.resolution,
        runs=args.runs,
        seed=args.seed,
        hub_handling=HubRule(mode=args.hubs),
    )
