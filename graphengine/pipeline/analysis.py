"""One analysis run, shared by ``graphengine analyze`` and notebooks: frames in, tables out.

:func:`run_analysis` maps the ecosystems (and is the place later stages, such as findings,
add their step); :func:`write_outputs` writes every table of the result into a folder, plus
``analysis.json`` with the settings, the inputs and the library versions, so that the same
inputs and seed reproduce the same files byte for byte (no timestamp is written).

Examples
--------
>>> import tempfile
>>> from graphengine import schema
>>> from graphengine.pipeline.analysis import run_analysis, write_outputs
>>> result = run_analysis(schema.empty_hops(), runs=2, seed=1)
>>> sorted(result.tables())
['ecosystems.csv', 'providers.csv']
>>> [p.name for p in write_outputs(result, tempfile.mkdtemp())]
['ecosystems.csv', 'providers.csv', 'analysis.json']
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import igraph as ig
import pandas as pd

from graphengine.csvsafe import write_csv_safely
from graphengine.ecosystems import DetectionConfig, EcosystemResult, detect_ecosystems
from graphengine.export.bundle import sha256_file
from graphengine.findings import Findings, FindingsConfig, compute_findings
from graphengine.store.writeback import write_findings

log = logging.getLogger(__name__)

__all__ = [
    "AnalysisResult",
    "run_analysis",
    "write_outputs",
    "file_sha256",
    "findings_step",
    "write_findings_back",
    "SETTINGS_FILE",
]

#: Name of the settings file written beside the tables.
SETTINGS_FILE = "analysis.json"


@dataclass
class AnalysisResult:
    """Everything one analysis produced.

    Attributes
    ----------
    hops, providers : pandas.DataFrame
        The canonical frames analysed (``providers`` may be None).
    ecosystems : EcosystemResult
        Ecosystems, per-provider assignment and stability, and their parameters.
    settings : dict
        JSON-ready record of the run: ``source``, ``inputs`` (path and SHA-256),
        ``ecosystems`` (the detection parameters, seed and library versions) and counts.
    extra_tables : dict of str to DataFrame
        More tables to write (file name -> frame); later stages add theirs here.
    """

    hops: pd.DataFrame
    providers: pd.DataFrame | None
    ecosystems: EcosystemResult
    settings: dict[str, Any]
    extra_tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    def tables(self) -> dict[str, pd.DataFrame]:
        """Return file name -> frame for every table :func:`write_outputs` writes."""
        out = {
            "ecosystems.csv": self.ecosystems.ecosystems,
            "providers.csv": self.ecosystems.providers,
        }
        out.update(self.extra_tables)
        return out


def file_sha256(path: str | Path) -> str:
    """Return the hex SHA-256 of a file's bytes (:func:`graphengine.export.bundle.sha256_file`)."""
    return sha256_file(Path(path))


def run_analysis(
    hops: pd.DataFrame,
    providers: pd.DataFrame | None = None,
    config: DetectionConfig | None = None,
    *,
    graph: ig.Graph | None = None,
    source: str = "frames",
    inputs: list[str | Path] | None = None,
    **options: Any,
) -> AnalysisResult:
    """Run the analysis on canonical frames.

    Parameters
    ----------
    hops, providers : pandas.DataFrame
        Canonical frames (from the loaders or from Neo4j).
    graph : igraph.Graph, optional
        A provider graph already built (e.g. the Neo4j projection).
    source : str
        Where the frames came from (``files``, ``neo4j`` or ``frames``), recorded.
    inputs : list of path, optional
        Input files, recorded with their SHA-256.
    config, **options
        Detection options (:class:`graphengine.ecosystems.DetectionConfig`, and fields of it
        that override it: ``method``, ``objective``, ``resolution``, ``runs``, ``seed``,
        ``hub_handling``, ...).

    Returns
    -------
    AnalysisResult

    Raises
    ------
    ConfigError
        When a detection parameter is out of range.
    """
    eco = detect_ecosystems(hops, providers, config, graph=graph, **options)
    status = eco.providers["status"].value_counts()
    settings: dict[str, Any] = {
        "source": source,
        "inputs": [{"path": str(p), "sha256": file_sha256(p)} for p in inputs or []],
        "counts": {
            "hops": len(hops),
            "tracebacks": int(hops["traceback_id"].nunique()),
            "providers": len(eco.providers),
            "ecosystems": len(eco.ecosystems),
            **{f"providers_{s}": int(n) for s, n in sorted(status.items())},
        },
        "ecosystems": eco.params,
    }
    return AnalysisResult(hops=hops, providers=providers, ecosystems=eco, settings=settings)


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and value != value:  # NaN is not JSON
        return None
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def write_outputs(result: AnalysisResult, out_dir: str | Path) -> list[Path]:
    """Write every table of ``result`` as CSV, then ``analysis.json``; return the paths.

    CSV cells that a spreadsheet would run as a formula are neutralised
    (:func:`graphengine.csvsafe.write_csv_safely`); times are ISO 8601 in UTC.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in result.tables().items():
        written.append(write_csv_safely(frame, out / name, date_format="%Y-%m-%dT%H:%M:%SZ"))
    settings = out / SETTINGS_FILE
    settings.write_text(
        json.dumps(_jsonable(result.settings), indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    written.append(settings)
    return written


def write_findings_back(driver: Any, found: Findings) -> int:
    """Write the findings' key scores onto Provider nodes; return how many matched."""
    w = found.window
    return write_findings(
        driver,
        found.targets,
        found.chokepoints,
        None if w.since is None else w.since.isoformat(),
        None if w.until is None else w.until.isoformat(),
    )


def findings_step(
    hops: pd.DataFrame,
    providers: pd.DataFrame | None,
    ecosystems: pd.DataFrame | None,
    out_dir: str | Path,
    config: FindingsConfig,
    driver: Any = None,
) -> dict[str, Any]:
    """The findings step of ``graphengine analyze``: compute, write, optionally write back.

    Returns
    -------
    dict
        Summary counts for the CLI's JSON line (``findings`` key), plus
        ``findings_written_back`` when ``driver`` is given.
    """
    found = compute_findings(hops, providers, ecosystems, config)
    written = found.write(out_dir)
    for note in found.notes:
        log.warning("findings: %s", note)
    summary: dict[str, Any] = {
        "findings": found.summary(),
        "findings_files": sorted(p.name for p in written.values()),
    }
    if driver is not None:
        summary["findings_written_back"] = write_findings_back(driver, found)
    return summary
