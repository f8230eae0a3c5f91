"""``graphengine generate``: write synthetic traceback data with planted ground truth."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys

from graphengine.errors import ConfigError
from graphengine.synthetic import GeneratorConfig, generate

__all__ = ["register", "run"]

_DESCRIPTION = """\
Write a synthetic traceback data set with planted ecosystems and its ground truth.

Files written into --out: hops.csv (canonical hop table), paths.csv (the same tracebacks as a
path table), rmd.csv (provider registry in the RMD export's columns), truth.json (planted world
and truth lists derived from the rows), tracebacks_truth.csv (source ecosystem per traceback) and
rmd_violations.csv (every planted RMD violation). The same seed and knobs give byte-identical
files. The defaults give the ITG's real scale: about 3,600 tracebacks a year over about 700
providers. A JSON summary is printed on stdout; see docs/synthetic.md for the truth definitions.
"""

# (flag, GeneratorConfig field, type, help); defaults are read from GeneratorConfig.
_KNOBS: tuple[tuple[str, str, type, str], ...] = (
    ("--hubs", "hubs", int, "large domestic terminating carriers shared by every ecosystem"),
    ("--transit", "transit", int, "national transit carriers shared by every ecosystem"),
    ("--regional", "regional", int, "small domestic terminating carriers (noise)"),
    ("--noise-providers", "noise_providers", int, "small legitimate-looking providers (noise)"),
    ("--legit-foreign", "legit_foreign", int, "legitimate foreign wholesale carriers"),
    ("--rmd-only", "rmd_only", int, "extra RMD filers that never carry traffic"),
    ("--hub-share", "hub_share", float, "share of tracebacks terminated by a hub"),
    ("--hub-transit-share", "hub_transit_share", float, "share of transit hops taken by hubs"),
    ("--noise-share", "noise_share", float, "share of background (no ecosystem) tracebacks"),
    (
        "--noise-foreign-share",
        "noise_foreign_share",
        float,
        "share of noise tracebacks entering from a legitimate foreign carrier",
    ),
    (
        "--leakage",
        "leakage",
        float,
        "probability that a foreign-sourced call enters via another ecosystem's gateway",
    ),
    (
        "--foreign-transit-share",
        "foreign_transit_share",
        float,
        "probability of a shared foreign transit carrier before the gateway",
    ),
    ("--variant-share", "variant_share", float, "share of providers with printed name variants"),
    (
        "--shared-intermediates",
        "shared_intermediates",
        int,
        "busy domestic intermediates shared by every ecosystem",
    ),
    (
        "--captive-originator-share",
        "captive_originator_share",
        float,
        "share of originators whose only downstream is a shared intermediate",
    ),
    (
        "--variant-print-rate",
        "variant_print_rate",
        float,
        "probability that such a provider is printed under a variant",
    ),
    (
        "--foreign-in-rmd-share",
        "foreign_in_rmd_share",
        float,
        "share of ecosystem foreign sources listed in the RMD",
    ),
    (
        "--not-in-rmd-scale",
        "not_in_rmd_scale",
        float,
        "multiplier on planted missing-from/removed-from-RMD rates (0-5)",
    ),
    (
        "--nonresponsive-scale",
        "nonresponsive_scale",
        float,
        "multiplier on the planted share of non-responsive providers (0-5)",
    ),
    (
        "--baseline-nonresponse",
        "baseline_nonresponse",
        float,
        "probability that any other provider fails to answer on one hop",
    ),
    (
        "--repeat-threshold",
        "repeat_threshold",
        int,
        "truth: tracebacks in one window that make a repeat gateway/originator",
    ),
    ("--repeat-window-days", "repeat_window_days", int, "truth: window of the repeat rule, days"),
    (
        "--noncoop-min-events",
        "noncoop_min_events",
        int,
        "truth: minimum non-cooperative hops of a non-cooperative provider",
    ),
    (
        "--noncoop-min-share",
        "noncoop_min_share",
        float,
        "truth: minimum share of non-cooperative hops of a non-cooperative provider",
    ),
)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from exc


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``generate`` verb to the CLI."""
    d = GeneratorConfig()
    p = subparsers.add_parser(
        "generate",
        help="write synthetic tracebacks with planted ecosystems and ground truth",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write the files into")
    main_options = (
        ("--tracebacks", "tracebacks", int, "N", "number of tracebacks (1,000,000: ~5.4M hops)"),
        ("--seed", "seed", int, "S", "random seed"),
        ("--ecosystems", "ecosystems", int, "K", "number of planted ecosystems (~700 providers)"),
        ("--start", "start", _date, "DATE", "first day of the call-time window, UTC"),
        ("--days", "days", int, "D", "length of the call-time window in days"),
    )
    for flag, name, kind, metavar, text in main_options:
        default = getattr(d, name)
        p.add_argument(
            flag,
            dest=name,
            type=kind,
            default=default,
            metavar=metavar,
            help=f"{text} (default {default})",
        )
    knobs = p.add_argument_group("world and truth knobs")
    for flag, name, kind, text in _KNOBS:
        default = getattr(d, name)
        knobs.add_argument(
            flag,
            dest=name,
            type=kind,
            default=default,
            metavar="X",
            help=f"{text} (default {default})",
        )
    p.add_argument(
        "--records",
        action="store_true",
        help="also write carriers' call records (records/), suspect_calls.csv, providers.csv "
        "and records_truth.csv for `graphengine traceback stitch` (see docs/traceback.md)",
    )
    p.add_argument(
        "--records-unrelated",
        type=float,
        default=10.0,
        metavar="X",
        help="rows of unrelated traffic per campaign record row (default 10)",
    )
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar on stderr")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Generate the data set described by ``args`` and print its JSON summary on stdout."""
    values = {name: getattr(args, name) for name in GeneratorConfig.field_names()}
    try:
        config = GeneratorConfig(**values)
    except TypeError as exc:  # argparse types guard this; kept as a one-line error anyway
        raise ConfigError(f"invalid generator parameters: {exc}") from exc
    data = generate(args.out, config=config, show_progress=False if args.no_progress else None)
    report = data.as_dict()
    if args.records:
        from graphengine.synthetic.records import RecordsConfig, generate_records

        rec = generate_records(
            args.out, RecordsConfig(seed=config.seed, unrelated=args.records_unrelated)
        )
        report["records"] = {
            "records_dir": str(rec.records_dir),
            "suspect_calls": str(rec.suspect_calls),
            "providers": str(rec.providers),
            "records_truth": str(rec.records_truth),
            "record_carriers": str(rec.record_carriers),
            "summary": rec.summary,
        }
    json.dump(report, sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0
