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
) -> DemoOutcome:
    """Generate data into ``out/data``, investigate it into ``out/investigation``, score it.

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
    inv = investigate(
        [data.hops], out / "investigation", providers=data.rmd, options=options, neo4j=neo4j
    )
    truth = json.loads(data.truth.read_text(encoding="utf-8"))
    scores = score_investigation(inv, truth)
    (out / DEMO_MARKER).write_text(json.dumps(scores, indent=2) + "\n", encoding="utf-8")
    return DemoOutcome(investigation=inv, scores=scores, data_dir=data.out_dir)
