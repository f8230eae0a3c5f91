"""Command-line options of the findings and the findings step of ``graphengine analyze``.

The ``analyze`` verb (:mod:`graphengine.cli.analyze`) calls :func:`add_arguments` when it builds
its parser and :func:`run_step` after the ecosystems are written, so findings.json and
targets.csv land beside the ecosystem outputs.
"""

from __future__ import annotations

import argparse
import logging
from dataclasses import fields
from pathlib import Path
from typing import Any

import pandas as pd

from graphengine.errors import ConfigError
from graphengine.findings import (
    Findings,
    FindingsConfig,
    NonCooperationRule,
    RmdRule,
    TargetWeights,
    Window,
    compute_findings,
    load_dno,
)

__all__ = ["add_arguments", "config_from_args", "run_step", "write_back", "WRITE_BACK_COLUMNS"]

log = logging.getLogger(__name__)

#: Provider properties written by ``--write-back`` (all prefixed, so none collides with the
#: loader's own properties).
WRITE_BACK_COLUMNS: tuple[str, ...] = (
    "findings_rank",
    "findings_score",
    "findings_reasons",
    "findings_repeat_gateway",
    "findings_repeat_originator",
    "findings_noncooperative",
    "findings_gateway_tracebacks",
    "findings_originating_tracebacks",
    "findings_nonresponse_tracebacks",
    "findings_rmd_violation_tracebacks",
    "findings_betweenness",
    "findings_pagerank",
    "findings_window_since",
    "findings_window_until",
)


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


def write_back(driver: Any, findings: Findings) -> int:
    """Put the key scores on Provider nodes (properties :data:`WRITE_BACK_COLUMNS`).

    Returns the number of providers matched in Neo4j.
    """
    from graphengine import store

    t = findings.targets
    choke = findings.chokepoints.set_index("provider_key")
    w = findings.window
    frame = pd.DataFrame(
        {
            "provider_key": t["provider_key"],
            "findings_rank": t["rank"].astype("int64"),
            "findings_score": t["score"].astype(float),
            "findings_reasons": t["reasons"].astype("string"),
            "findings_repeat_gateway": t["repeat_gateway"].astype(bool),
            "findings_repeat_originator": t["repeat_originator"].astype(bool),
            "findings_noncooperative": t["noncooperative"].astype(bool),
            "findings_gateway_tracebacks": t["gateway"].astype("int64"),
            "findings_originating_tracebacks": t["originating"].astype("int64"),
            "findings_nonresponse_tracebacks": t["nonresponse"].astype("int64"),
            "findings_rmd_violation_tracebacks": t["rmd_violation"].astype("int64"),
            "findings_betweenness": t["betweenness"].astype(float),
            "findings_pagerank": t["provider_key"].map(choke["pagerank"]).astype(float),
            "findings_window_since": None if w.since is None else w.since.isoformat(),
            "findings_window_until": None if w.until is None else w.until.isoformat(),
        }
    )
    return int(store.write_provider_properties(driver, frame, list(WRITE_BACK_COLUMNS)))


def run_step(
    args: argparse.Namespace,
    hops: pd.DataFrame,
    providers: pd.DataFrame | None,
    ecosystems: pd.DataFrame | None,
    out_dir: str | Path,
    driver: Any = None,
    config: FindingsConfig | None = None,
) -> dict[str, Any]:
    """The findings step of ``graphengine analyze``: compute, write, optionally write back.

    ``config`` defaults to :func:`config_from_args` (callers may build it first, to reject bad
    options before the slow steps run).

    Returns
    -------
    dict
        Summary counts for the CLI's JSON line (``findings`` key), plus
        ``findings_written_back`` when ``driver`` is given.
    """
    found = compute_findings(hops, providers, ecosystems, config or config_from_args(args))
    written = found.write(out_dir)
    for note in found.notes:
        log.warning("findings: %s", note)
    summary: dict[str, Any] = {
        "findings": found.summary(),
        "findings_files": sorted(p.name for p in written.values()),
    }
    if driver is not None:
        summary["findings_written_back"] = write_back(driver, found)
    return summary
