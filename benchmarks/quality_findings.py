"""Accuracy of the findings against the synthetic generator's truth.json.

Generates a seeded data set (graphengine.synthetic.generate), loads hops.csv and rmd.csv through the
real loaders, runs graphengine.findings with its defaults and prints precision/recall of the
repeat gateways, repeat originators and non-cooperative providers, and the RMD violations found
(edge-exact, by traceback and hop) -- at the default scale and at 10x.

Truth is keyed by canonical name; we map it to provider keys through the names printed in
hops.csv (truth's name_map -> the loaders' provider_key). Two identity modes are measured:

* ``aliases``: the loaders get an alias table (``alias,canonical``) written from truth's
  ``name_map``, as an investigator's edited alias table would be. This isolates the findings
  from entity resolution and is what the accuracy targets are about.
* ``auto``: the loaders' automatic name normalisation only; mismatches there are identity
  errors (e.g. a plural spelling variant that normalises to a different key), not findings
  errors, and are shown for information.

Usage: .venv/bin/python benchmarks/quality_findings.py [--scales 1,10] [--seed 7] [--base 3600]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

import loaders
from graphengine.findings import compute_findings
from graphengine.synthetic import generate
from graphengine.synthetic.scoring import precision_recall, truth_keys

__all__ = ["evaluate"]


def _names(entries: Any) -> set[str]:
    if isinstance(entries, dict):
        return set(entries)
    return {e["provider"] if isinstance(e, dict) else str(e) for e in entries}


def write_aliases(truth: dict[str, Any], path: Path) -> Path:
    """Write truth's name_map as a loaders alias table (``alias,canonical``)."""
    rows = sorted(truth.get("name_map", {}).items())
    frame = pd.DataFrame(rows, columns=["alias", "canonical"])
    frame.to_csv(path, index=False)
    return path


def evaluate(folder: Path, identity: str = "aliases") -> dict[str, Any]:
    """Load the generated data in ``folder``, run the findings and score them against truth.

    ``identity`` is ``"aliases"`` (alias table from truth's name_map) or ``"auto"``.
    """
    truth = json.loads((folder / "truth.json").read_text())
    aliases = write_aliases(truth, folder / "aliases.csv") if identity == "aliases" else None
    loaded = loaders.load_inputs(
        [folder / "hops.csv"], providers=folder / "rmd.csv", aliases=aliases
    )
    hops, providers = loaded.hops, loaded.providers
    t0 = time.perf_counter()
    found = compute_findings(hops, providers)
    seconds = time.perf_counter() - t0
    keys = truth_keys(hops, truth)

    def keyed(entries: Any) -> set[str]:
        return {keys.get(n, n) for n in _names(entries)}

    rows: dict[str, Any] = {}
    for label, mine, theirs in (
        ("repeat gateways", found.repeat_gateways, truth["repeat_gateways"]),
        ("repeat originators", found.repeat_originators, truth["repeat_originators"]),
        ("non-cooperative", found.noncooperative, truth["non_cooperative"]),
    ):
        got, want = set(mine["provider_key"]), keyed(theirs)
        p, r = precision_recall(got, want)
        rows[label] = {"found": len(got), "truth": len(want), "precision": p, "recall": r}

    planted = pd.read_csv(folder / "rmd_violations.csv", dtype=str)
    want_edges = set(zip(planted["traceback_id"], planted["hop"].astype(int), strict=True))
    v = found.rmd_violations
    got_edges = set(zip(v["traceback_id"].astype(str), v["hop"].astype(int), strict=True))
    in_rmd = set(providers.loc[providers["in_rmd"].fillna(False).astype(bool), "provider_key"])
    listed_upstream = v[v["upstream_key"].isin(in_rmd) & v["reason"].eq("not_listed")]
    p, r = precision_recall(got_edges, want_edges)
    rows["RMD violations (edges)"] = {
        "found": len(got_edges),
        "truth": len(want_edges),
        "precision": p,
        "recall": r,
        "false_positives_on_listed_upstreams": len(listed_upstream),
    }
    return {
        "tracebacks": int(hops["traceback_id"].nunique()),
        "hops": len(hops),
        "providers": int(hops["provider_key"].nunique()),
        "findings_seconds": seconds,
        "rows": rows,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,10", help="multiples of --base (default 1,10)")
    parser.add_argument("--base", type=int, default=3600, help="tracebacks at scale 1 (3600)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--identity", default="aliases,auto", help="identity modes: aliases, auto (both)"
    )
    args = parser.parse_args(argv)
    print("| scale | tracebacks | hops | identity | finding | found | truth | precision | recall |")
    print("|---|---|---|---|---|---|---|---|---|")
    for scale in [int(s) for s in args.scales.split(",")]:
        with tempfile.TemporaryDirectory() as tmp:
            generate(tmp, tracebacks=args.base * scale, seed=args.seed, show_progress=False)
            for identity in args.identity.split(","):
                result = evaluate(Path(tmp), identity)
                for label, row in result["rows"].items():
                    print(
                        f"| {scale}x | {result['tracebacks']} | {result['hops']} | {identity} | "
                        f"{label} | {row['found']} | {row['truth']} | {row['precision']:.3f} | "
                        f"{row['recall']:.3f} |"
                    )
                fp = result["rows"]["RMD violations (edges)"]["false_positives_on_listed_upstreams"]
                print(
                    f"{scale}x {identity}: findings took {result['findings_seconds']:.2f} s "
                    f"in-process; violations whose upstream is in the RMD: {fp}",
                    file=sys.stderr,
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
