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

from graphengine.errors import ConfigError
from graphengine.pipeline.investigate import investigate
from graphengine.pipeline.investigation import InvestigateOptions, Investigation
from graphengine.synthetic import generate
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
) -> DemoOutcome:
    """Generate data into ``out/data``, investigate it into ``out/investigation``, score it.

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
    inv = investigate(
        [data.hops], out / "investigation", providers=data.rmd, options=options, neo4j=neo4j
    )
    truth = json.loads(data.truth.read_text(encoding="utf-8"))
    scores = score_investigation(
        inv.load.hops, inv.analysis.ecosystems.providers, inv.findings, truth
    )
    (out / DEMO_MARKER).write_text(json.dumps(scores, indent=2) + "\n", encoding="utf-8")
    return DemoOutcome(investigation=inv, scores=scores, data_dir=data.out_dir)
