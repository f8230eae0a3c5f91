"""The demo: seeded synthetic data at the ITG's yearly scale, investigated and scored.

:func:`run_demo` generates data with :mod:`loaders.synthetic`, runs
:func:`graphengine.investigate.investigate` on the hop table and the RMD registry, and scores
the result against the generator's ``truth.json`` (see :mod:`graphengine.evaluation`).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphengine.errors import ConfigError
from graphengine.evaluation import ecosystem_recovery, precision_recall, truth_keys, truth_set
from graphengine.investigate import InvestigateOptions, Investigation, investigate

__all__ = ["DemoOutcome", "run_demo", "score_investigation", "DEMO_MARKER"]

#: Scores of the demo; marks a folder a re-run may replace.
DEMO_MARKER = "demo_scores.json"


@dataclass
class DemoOutcome:
    """The investigation of the demo and its scores against the planted truth."""

    investigation: Investigation
    scores: dict[str, Any]
    data_dir: Path


def score_investigation(inv: Investigation, truth: dict[str, Any]) -> dict[str, Any]:
    """Return NMI/ARI of the ecosystems and precision/recall of the findings vs ``truth``."""
    keys = truth_keys(inv.load.hops, truth)
    eco = ecosystem_recovery(inv.analysis.ecosystems.providers, truth, keys)
    scores: dict[str, Any] = {
        "ecosystems_nmi": round(eco["nmi"], 4),
        "ecosystems_ari": round(eco["ari"], 4),
        "ecosystems_providers_scored": eco["scored"],
    }
    found = inv.findings
    for label, got, want in (
        ("repeat_gateways", found.repeat_gateways["provider_key"], truth["repeat_gateways"]),
        (
            "repeat_originators",
            found.repeat_originators["provider_key"],
            truth["repeat_originators"],
        ),
        ("noncooperative", found.noncooperative["provider_key"], truth["non_cooperative"]),
    ):
        precision, recall = precision_recall(set(got), truth_set(want, keys))
        scores[f"{label}_precision"] = round(precision, 4)
        scores[f"{label}_recall"] = round(recall, 4)
    return scores


def run_demo(
    out: Path,
    *,
    tracebacks: int = 3600,
    data_seed: int = 7,
    options: InvestigateOptions | None = None,
    neo4j: bool | None = None,
    reports_per_day: int = 150,
) -> DemoOutcome:
    """Generate data into ``out/data``, investigate it into ``out/investigation``, score it.

    With ``reports_per_day > 0`` the data also holds a report stream (``reports.csv``, linked to
    some tracebacks); the investigation gains its campaigns section, and the scores the campaign
    recovery (ARI) and surge detection (F1, median delay), false alarms on flat campaigns and
    displacements found (see :mod:`graphengine.campaigns.evaluation`).

    Raises
    ------
    ConfigError
        When ``out`` is not empty and holds no earlier demo or investigation.
    """
    from loaders.synthetic import generate

    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out} is a file; give a folder")
    if out.exists() and any(out.iterdir()):
        if not (out / DEMO_MARKER).is_file():
            raise ConfigError(
                f"--out {out} is not empty and holds no earlier demo; choose a new folder"
            )
        shutil.rmtree(out)  # an earlier demo: replaced whole, its generated data included
    data = generate(out / "data", tracebacks=tracebacks, seed=data_seed)
    reports: list[str | Path] = []
    if reports_per_day > 0:
        from graphengine.synthetic.report_links import add_reports

        cfg = data.config
        add_reports(data.out_dir, cfg.start.isoformat(), cfg.days, cfg.seed, reports_per_day)
        reports = [data.out_dir / "reports.csv"]
    inv = investigate(
        [data.hops],
        out / "investigation",
        providers=data.rmd,
        options=options,
        neo4j=neo4j,
        reports=reports or None,
    )
    truth = json.loads(data.truth.read_text(encoding="utf-8"))
    scores = score_investigation(inv, truth)
    if inv.campaigns is not None:
        from graphengine.campaigns.evaluation import score_generated
        from graphengine.campaigns.io import read_reports

        frame, _ = read_reports(reports)
        found = score_generated(data.out_dir, frame, inv.campaigns.result)
        for key in (
            "campaign_ari",
            "surge_precision",
            "surge_recall",
            "surge_f1",
            "surge_median_delay_days",
            "false_alarms_per_campaign_year",
            "displacements_found",
            "displacements_planted",
        ):
            value = found[key]
            scores[key] = round(value, 4) if isinstance(value, float) else value
    (out / DEMO_MARKER).write_text(json.dumps(scores, indent=2) + "\n", encoding="utf-8")
    return DemoOutcome(investigation=inv, scores=scores, data_dir=data.out_dir)
