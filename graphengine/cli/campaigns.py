"""``graphengine campaigns detect|update``: robocall campaigns from report files."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from graphengine.errors import ConfigError

__all__ = ["register"]

_DETECT = """\
Group reports into campaigns by the content of their transcripts (MinHash LSH candidates,
Jaccard + containment verification, Leiden on the similarity graph, callback-number and reporter
label links), then detect surges, new campaigns, stops, declines and, with --tracebacks,
displacements from one gateway to another.

Writes into --out: campaigns.csv (one row per campaign: representative transcript, distinctive
terms, callback numbers, caller-ID NPA-NXX spread, first/last seen), campaign_members.csv
(report_id,campaign_id), campaign_events.csv, figures/<campaign>.html (trend chart per campaign),
state/ (what `campaigns update` and --previous read) and summary.json (also printed on stdout).
See docs/campaigns.md.
"""

_UPDATE = """\
Add new reports to the campaigns of an earlier run without re-clustering them (the platform's
background job): new reports join existing campaigns or form new ones; the state folder is
updated in place and the new events are printed as CSV on stdout.
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``campaigns`` verb and its sub-verbs to the CLI."""
    p = subparsers.add_parser(
        "campaigns", help="find robocall campaigns in reports; trends and events"
    )
    sub = p.add_subparsers(dest="campaigns_verb", metavar="ACTION")
    sub.required = True
    d = sub.add_parser(
        "detect",
        help="cluster report files into campaigns and detect their events",
        description=_DETECT,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    d.add_argument(
        "reports",
        nargs="+",
        metavar="REPORTS",
        help="report CSV file(s) in graphengine's Report columns",
    )
    d.add_argument("--out", required=True, metavar="DIR", help="folder to write into")
    d.add_argument(
        "--previous", metavar="DIR", help="an earlier --out: matching campaigns keep their ids"
    )
    d.add_argument(
        "--tracebacks",
        nargs="*",
        default=[],
        metavar="HOPS",
        help="hop table file(s): link tracebacks to reports and detect displacements",
    )
    d.add_argument("--no-figures", action="store_true", help="skip the trend figures")
    d.add_argument("--seed", type=int, default=7, metavar="S", help="seed of Leiden (7)")
    d.set_defaults(func=run_detect)
    u = sub.add_parser(
        "update",
        help="add new reports to an earlier run's campaigns (incremental)",
        description=_UPDATE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    u.add_argument(
        "state", metavar="STATE_DIR", help="the state/ folder of an earlier `campaigns detect`"
    )
    u.add_argument("reports", nargs="+", metavar="REPORTS", help="new report CSV file(s)")
    u.set_defaults(func=run_update)


def _reports(paths: list[str]) -> Any:
    from graphengine.campaigns.io import read_reports

    frame, problems = read_reports(paths)
    for line in problems[:20]:
        print(f"graphengine: skipped {line}", file=sys.stderr)
    if len(problems) > 20:
        print(f"graphengine: ... and {len(problems) - 20} more skipped rows", file=sys.stderr)
    return frame


def _tracebacks(paths: list[str], reports: Any) -> Any:
    if not paths:
        return None
    import loaders
    from graphengine.campaigns.links import link_tracebacks

    return link_tracebacks(reports, loaders.load_inputs(paths).hops)


def run_detect(args: argparse.Namespace) -> int:
    """Run ``campaigns detect``."""
    import dataclasses

    from graphengine.campaigns.run import detect_campaigns, write_outputs
    from graphengine.campaigns.state import CampaignParams, CampaignState

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out} is a file; give a folder")
    reports = _reports(args.reports)
    previous = CampaignState.load(Path(args.previous) / "state") if args.previous else None
    params = dataclasses.replace(CampaignParams(), seed=args.seed)
    result = detect_campaigns(
        reports, params=params, previous=previous, tracebacks=_tracebacks(args.tracebacks, reports)
    )
    summary = write_outputs(result, out, figures=not args.no_figures)
    json.dump(summary, sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


def run_update(args: argparse.Namespace) -> int:
    """Run ``campaigns update``."""
    from graphengine.campaigns.state import CampaignState
    from graphengine.campaigns.update import update_campaigns

    state = CampaignState.load(args.state)
    state, events = update_campaigns(state, _reports(args.reports))
    state.save(args.state)
    events.to_csv(sys.stdout, index=False)
    return 0
