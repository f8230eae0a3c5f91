"""The demo: seeded synthetic data at the ITG's yearly scale, investigated and scored.

:func:`run_demo` generates data with :mod:`graphengine.synthetic`, runs
:func:`graphengine.pipeline.investigate.investigate` on the hop table and the RMD registry, and scores
the result against the generator's ``truth.json`` (see :mod:`graphengine.synthetic.scoring`).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphengine.campaigns.evaluation import score_generated
from graphengine.campaigns.io import read_reports
from graphengine.errors import ConfigError
from graphengine.pipeline.investigate import investigate
from graphengine.pipeline.investigation import InvestigateOptions, Investigation
from graphengine.synthetic import generate
from graphengine.synthetic.report_links import add_reports
from graphengine.synthetic.scoring import score_investigation

__all__ = ["DemoOutcome", "run_demo", "DEMO_MARKER"]

#: Scores of the demo; marks a folder a re-run may replace.
DEMO_MARKER = "demo_scores.json"


@dataclass
class DemoOutcome:
    """The investigation of the demo and its scores against the planted truth."""

    investigation: Investigation
    scores: dict[str, Any]
    data_dir: Path


def run_demo(
    out: Path,
    *,
    tracebacks: int = 3600,
    data_seed: int = 7,
    options: InvestigateOptions | None = None,
    neo4j: bool | None = None,
    reports_per_day: int = 300,
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
    scores = score_investigation(
        inv.load.hops, inv.analysis.ecosystems.providers, inv.findings, truth
    )
    if inv.campaigns is not None:
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
