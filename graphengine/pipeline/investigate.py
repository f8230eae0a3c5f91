"""The main job: files in, an investigation folder out.

:func:`investigate` runs every stage of graphengine on the embedded default (no server):

1. load and validate the input files (rejected rows go to ``quarantine.csv``);
2. when asked (``neo4j=True``, or ``NEO4J_URI`` set), load the same frames into Neo4j;
3. detect ecosystems with seeded consensus, compute the findings and the ranked targets;
4. write the tables (``ecosystems.csv``, ``providers.csv``, ``targets.csv``,
   ``findings.json``, ``analysis.json``), one evidence bundle per top ecosystem under
   ``evidence/``, and the self-contained ``report.html``;
5. with Neo4j, write the ecosystems and the scores back onto the Provider nodes.

The same inputs, options and seed give the same files; only the generation time printed in
titles and manifests differs.

Examples
--------
>>> InvestigateOptions().top
5
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pandas as pd

import loaders
from graphengine import __version__, store
from graphengine.campaigns.investigation import campaign_section
from graphengine.errors import ConfigError, ExportError, InputFileError
from graphengine.export import ExportSettings, Provenance, export_ecosystem
from graphengine.export.api import prepare_hops
from graphengine.findings import compute_findings
from graphengine.pipeline.analysis import (
    AnalysisResult,
    run_analysis,
    write_findings_back,
    write_outputs,
)
from graphengine.pipeline.data_quality import flag_summary
from graphengine.pipeline.investigation import InvestigateOptions, Investigation
from graphengine.pipeline.outputs import MARKER, list_outputs
from graphengine.pipeline.report import write_report
from graphengine.progress import bar
from graphengine.store.connection import connect
from graphengine.store.writeback import write_ecosystems

__all__ = ["investigate", "MARKER"]

log = logging.getLogger(__name__)


def _use_neo4j(flag: bool | None) -> bool:
    return bool(flag) if flag is not None else bool(os.environ.get("NEO4J_URI"))


def _prepare_out(out: Path) -> None:
    """Create ``out``; clear it only when it holds an earlier investigation (its marker)."""
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out} is a file; give a folder")
    if out.exists() and any(out.iterdir()):
        if not (out / MARKER).is_file():
            raise ConfigError(
                f"--out {out} is not empty and holds no earlier investigation; choose a new folder"
            )
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)


def _top_ecosystems(analysis: AnalysisResult, top: int) -> list[Any]:
    table = analysis.ecosystems.ecosystems
    if table.empty or top == 0:
        return []
    ranked = table.sort_values(["n_tracebacks", "ecosystem"], ascending=[False, True])
    return list(ranked["ecosystem"].head(top))


def investigate(
    inputs: list[str | Path],
    out: str | Path,
    *,
    providers: str | Path | None = None,
    mapping: str | Path | None = None,
    aliases: str | Path | None = None,
    timezone: str | None = None,
    options: InvestigateOptions | None = None,
    neo4j: bool | None = None,
    command_line: list[str] | None = None,
    generated_at: dt.datetime | None = None,
    reports: list[str | Path] | None = None,
) -> Investigation:
    """Run the whole investigation on ``inputs`` and write everything into ``out``.

    Parameters
    ----------
    inputs
        Traceback files (hop or path tables; CSV, JSON Lines or XLSX).
    out
        The investigation folder: new, empty, or an earlier investigation (replaced).
    providers, mapping, aliases
        RMD registry export, column/response mapping YAML and alias table (see the loaders).
    timezone
        Zone of call times that carry none (``--timezone``; see :func:`loaders.load_inputs`).
    options
        :class:`InvestigateOptions`.
    neo4j
        Load into Neo4j and write results back; default: when ``NEO4J_URI`` is set.
    command_line
        Recorded in manifests; ``sys.argv`` when omitted.
    generated_at
        The generation time (UTC now when omitted).
    reports
        Report files (graphengine's Report columns): campaigns are detected in them, linked to
        the tracebacks they started, and written under ``out/campaigns`` and into the report.

    Returns
    -------
    Investigation

    Raises
    ------
    InputFileError
        When an input cannot be read at all, or no row could be loaded.
    ConfigError
        For an invalid option or an ``out`` folder that is not free.
    Neo4jUnavailable
        When Neo4j was asked for and cannot be reached.
    """
    opts = options or InvestigateOptions()
    out_dir = Path(out)
    for name in [*inputs, providers, mapping, aliases, *(reports or [])]:
        if name is not None and not Path(name).is_file():
            raise InputFileError(f"{name}: no such file")
    if not inputs:
        raise InputFileError("no input file given")
    _prepare_out(out_dir)
    moment = (generated_at or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    generated = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    use_neo4j = _use_neo4j(neo4j)
    steps = [
        "load",
        *(["neo4j"] if use_neo4j else []),
        "ecosystems",
        "findings",
        "evidence",
        "report",
    ]
    files: dict[str, Path] = {}
    warnings: list[str] = []
    neo4j_info: dict[str, Any] | None = None
    with bar(len(steps), "investigate", unit="steps") as progress:
        progress.set_postfix_str("loading")
        loaded = loaders.load_inputs(
            list(inputs), providers=providers, mapping=mapping, aliases=aliases, timezone=timezone
        )
        warnings.extend(loaded.notes)  # said on stderr and in the report, never silent
        if len(loaded.rejects):
            files["quarantine"] = loaders.write_quarantine(
                loaded.rejects, out_dir / "quarantine.csv"
            )
        if loaded.hops.empty:
            raise InputFileError(
                "no traceback rows could be loaded from "
                + ", ".join(str(p) for p in inputs)
                + (f"; see {files['quarantine']}" if "quarantine" in files else "")
            )
        progress.update(1)

        driver = None
        try:
            if use_neo4j:
                progress.set_postfix_str("loading into Neo4j")
                driver = connect()
                report = store.load_frames(driver, loaded.hops, loaded.providers, progress=False)
                neo4j_info = {"loaded": _plain_counts(report)}
                progress.update(1)

            progress.set_postfix_str("ecosystems")
            record_inputs = [*inputs, *([providers] if providers else [])]
            analysis = run_analysis(
                loaded.hops,
                loaded.providers,
                method=opts.method,
                objective=opts.objective,
                resolution=opts.resolution,
                runs=opts.runs,
                seed=opts.seed,
                hub_handling=opts.hub_handling,
                source="files",
                inputs=list(record_inputs),
            )
            progress.update(1)

            progress.set_postfix_str("findings")
            findings = compute_findings(
                loaded.hops, loaded.providers, analysis.ecosystems.providers, opts.findings
            )
            for path in write_outputs(analysis, out_dir):
                files[path.stem] = path
            files.update(findings.write(out_dir))
            warnings.extend(findings.notes)
            progress.update(1)

            if driver is not None:
                assert neo4j_info is not None
                neo4j_info["ecosystems_written_back"] = write_ecosystems(
                    driver, analysis.ecosystems.providers
                )
                neo4j_info["scores_written_back"] = write_findings_back(driver, findings)
        finally:
            if driver is not None:
                driver.close()

        campaigns = None
        if reports:
            progress.set_postfix_str("campaigns")

            eco = analysis.ecosystems.providers
            ecosystem_of = dict(zip(eco["provider_key"], eco["ecosystem"].astype(str), strict=True))
            campaigns = campaign_section(
                list(reports), loaded.hops, ecosystem_of, out_dir / "campaigns", seed=opts.seed
            )
            files["campaigns"] = out_dir / "campaigns" / "campaigns.csv"
            warnings.extend(f"report row skipped: {p}" for p in campaigns.skipped_rows[:20])

        progress.set_postfix_str("evidence bundles")
        bundles = _write_bundles(
            loaded.hops,
            analysis,
            opts,
            out_dir / "evidence",
            record_inputs,
            command_line,
            moment,
            warnings,
        )
        progress.update(1)

        progress.set_postfix_str("report")
        result = Investigation(
            out_dir=out_dir,
            report=out_dir / "report.html",
            files=files,
            load=loaded,
            analysis=analysis,
            findings=findings,
            bundles=bundles,
            neo4j=neo4j_info,
            generated_utc=generated,
            options=opts,
            warnings=warnings,
            campaigns=campaigns,
        )
        write_report(result, result.report)
        files["report"] = result.report
        files["investigation"] = _write_marker(result, command_line)
        progress.update(1)
    return result


def _plain_counts(report: Any) -> dict[str, Any]:
    raw = asdict(report) if hasattr(report, "__dataclass_fields__") else dict(vars(report))
    return json.loads(json.dumps(raw, default=str))


def _write_bundles(
    hops: pd.DataFrame,
    analysis: AnalysisResult,
    opts: InvestigateOptions,
    folder: Path,
    inputs: list[str | Path],
    command_line: list[str] | None,
    moment: dt.datetime,
    warnings: list[str],
) -> list[Path]:
    settings = ExportSettings(
        formats=opts.formats,
        case_label=opts.case_label,
        redact_called_numbers=opts.redact_called_numbers,
        seed=opts.seed,
    )
    provenance = Provenance(
        inputs=[Path(p) for p in inputs],
        analysis=analysis.settings,
        command_line=command_line if command_line is not None else list(sys.argv),
    )
    written: list[Path] = []
    top = _top_ecosystems(analysis, opts.top)
    # the fingerprint and provider tables read the whole hop table: once, not per bundle
    prepared = prepare_hops(hops, settings) if top else None
    for eco in top:
        target = folder / f"ecosystem-{eco}"
        try:
            bundle = export_ecosystem(
                hops,
                analysis.ecosystems,
                eco,
                target,
                settings=settings,
                provenance=provenance,
                generated_at=moment,
                prepared=prepared,
            )
            written.append(bundle.path)
        except ExportError as exc:
            # The HTML and data of the bundle are written and sealed even without a browser;
            # the report says what is missing rather than failing the whole investigation.
            warnings.append(str(exc))
            log.warning("evidence: %s", exc)
            if target.exists():
                written.append(target)
    return written


def _write_marker(result: Investigation, command_line: list[str] | None) -> Path:
    record = {
        "format": "graphengine-investigation/1",
        "graphengine": __version__,
        "generated_utc": result.generated_utc,
        "command_line": command_line if command_line is not None else list(sys.argv),
        "options": {
            **{k: v for k, v in asdict(result.options).items() if k != "findings"},
            "findings": result.options.findings.as_dict(),
        },
        "summary": result.summary(),
        "files": {k: str(v.relative_to(result.out_dir)) for k, v in sorted(result.files.items())},
        "evidence": [str(p.relative_to(result.out_dir)) for p in result.bundles],
        # written last, so every other file is final; `evidence verify FOLDER` checks them
        "outputs": list_outputs(result.out_dir),
        "neo4j": result.neo4j,
        "warnings": result.warnings,
        "load_notes": list(result.load.notes),
        "data_quality": flag_summary(result.load.hops),
    }
    path = result.out_dir / MARKER
    path.write_text(json.dumps(record, indent=2, default=str) + "\n", encoding="utf-8")
    return path
