"""The settings (:class:`InvestigateOptions`) and the outcome (:class:`Investigation`) of one
investigation; :mod:`graphengine.pipeline.investigate` runs it and
:mod:`graphengine.pipeline.report` renders it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphengine.ecosystems import DEFAULT_SEED
from graphengine.errors import ConfigError
from graphengine.findings import Findings, FindingsConfig
from graphengine.pipeline.analysis import AnalysisResult
from graphengine.pipeline.report_rows import DEFAULT_REPORT_ROWS, check_report_rows
from graphengine.reprs import key_values_html, short_repr

__all__ = ["InvestigateOptions", "Investigation"]


@dataclass(frozen=True)
class InvestigateOptions:
    """Settings of one investigation (recorded in ``investigation.json`` and the report).

    Attributes
    ----------
    case_label : str
        Printed in the report and in every evidence title block.
    seed, runs, method, resolution, objective, hub_handling
        Ecosystem detection (see :class:`graphengine.ecosystems.DetectionConfig`).
    top : int
        How many ecosystems (largest traceback volume first) get a diagram and a bundle.
    formats : tuple of str
        Evidence formats: ``html`` and any of ``png``, ``svg``, ``pdf`` (these need Chromium);
        all four by default, like every bundle.
    findings : FindingsConfig
        Window, thresholds and weights of the findings.
    redact_called_numbers : bool
        Remove called (victim) numbers from the evidence bundles.
    report_rows : int
        Rows each interactive table of ``report.html`` holds at most (the first in the table's
        own order; the output files hold every row); 0 for every row.
    """

    case_label: str = ""
    seed: int = DEFAULT_SEED
    runs: int = 20
    method: str = "leiden"
    resolution: float = 1.0
    objective: str = "modularity"
    hub_handling: str = "detach"
    top: int = 5
    formats: tuple[str, ...] = ("html", "png", "svg", "pdf")
    findings: FindingsConfig = field(default_factory=FindingsConfig)
    redact_called_numbers: bool = False
    report_rows: int = DEFAULT_REPORT_ROWS

    def __post_init__(self) -> None:
        check_report_rows(self.report_rows)
        if self.top < 0:
            raise ConfigError(f"--top must be 0 or more, got {self.top}")
        if self.runs < 1:
            raise ConfigError(f"--runs must be at least 1, got {self.runs}")


@dataclass
class Investigation:
    """What :func:`~graphengine.pipeline.investigate.investigate` produced.

    Attributes
    ----------
    out_dir : Path
        The investigation folder.
    report : Path
        ``report.html``.
    files : dict of str to Path
        Every output by role (``ecosystems``, ``targets``, ``quarantine`` ...).
    load : loaders.LoadResult
        The loaded frames, rejects and per-file statistics.
    analysis : AnalysisResult
        Ecosystems and their settings.
    findings : Findings
        Findings and ranked targets.
    bundles : list of Path
        One evidence bundle per top ecosystem.
    neo4j : dict or None
        Counts loaded and written back, when Neo4j was used.
    generated_utc : str
        The generation time printed in titles and manifests.
    """

    out_dir: Path
    report: Path
    files: dict[str, Path]
    load: Any
    analysis: AnalysisResult
    findings: Findings
    bundles: list[Path]
    neo4j: dict[str, Any] | None
    generated_utc: str
    options: InvestigateOptions
    warnings: list[str] = field(default_factory=list)
    campaigns: Any = None  # graphengine.campaigns.investigation.CampaignSection, with --reports

    def __repr__(self) -> str:
        facts = {"out_dir": str(self.out_dir), "bundles": len(self.bundles)}
        return short_repr("Investigation", {**facts, **self.summary()})

    def _repr_html_(self) -> str:
        facts = {"report": self.report, "bundles": len(self.bundles), **self.summary()}
        return key_values_html("Investigation", facts)

    def summary(self) -> dict[str, Any]:
        """Headline numbers of the data and the findings (JSON-ready)."""
        hops = self.load.hops
        times = hops["call_time"]
        return {
            "tracebacks": int(hops["traceback_id"].nunique()),
            "hops": len(hops),
            "providers": int(hops["provider_key"].nunique()),
            "first_call": None if hops.empty else times.min().isoformat(),
            "last_call": None if hops.empty else times.max().isoformat(),
            "rows_read": int(self.load.stats["read"].sum()),
            "rows_rejected": len(self.load.rejects),
            "rows_duplicate": int(self.load.stats["duplicates"].sum()),
            "ecosystems": len(self.analysis.ecosystems.ecosystems),
            **{f"findings_{k}": v for k, v in self.findings.summary().items()},
        }
