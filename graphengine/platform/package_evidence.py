"""Engine evidence bundles for a legal request's targets, inside its response package.

Where the engine's data comes from (``GRAPHENGINE_EVIDENCE_HOPS``):

- one or more **traceback files** (hop or path tables, as ``graphengine investigate`` reads them;
  several separated by ``os.pathsep``), with ``GRAPHENGINE_EVIDENCE_PROVIDERS`` for the RMD export
  when there is one: the files' SHA-256 go into every bundle's manifest;
- ``neo4j``: the graph of ``NEO4J_URI`` (read in read transactions); the Cypher and the server
  version go into every bundle;
- unset: no bundle is written, and ``evidence/index.json`` says so.

For each **provider** target, the bundle of ``graphengine export provider`` (its neighbourhood);
for each **campaign** target, the call-flow exhibit of the campaign's tracebacks (the ecosystem
bundle drawn over the tracebacks of the campaign: those its alerts carry, and the hops whose
``campaign`` label is the target). Hops are limited to the request's date range. At most
:data:`MAX_BUNDLES` bundles; a target that cannot be drawn is listed in ``index.json`` with the
reason. Bundles are written with the acceptance time as their generation time and a fixed command
line, so building the package of the same request on the same data again gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

import loaders
from graphengine import store
from graphengine.errors import ConfigError, ExportError
from graphengine.export import ExportSettings, Provenance, export_ecosystem, export_provider
from graphengine.platform.request_window import Window, in_window
from graphengine.store import statements

__all__ = [
    "MAX_BUNDLES",
    "EvidenceData",
    "evidence_formats",
    "evidence_source",
    "load_evidence",
    "write_target_bundles",
]

#: the most engine bundles one package holds (each HTML figure inlines plotly.js, ~4.8 MB)
MAX_BUNDLES = 20
SOURCE_ENV = "GRAPHENGINE_EVIDENCE_HOPS"
PROVIDERS_ENV = "GRAPHENGINE_EVIDENCE_PROVIDERS"
FORMATS_ENV = "GRAPHENGINE_EVIDENCE_FORMATS"
SEED = 42


@dataclass
class EvidenceData:
    """The hops the bundles are drawn from, and where they came from."""

    hops: pd.DataFrame
    source: str
    inputs: list[Path] = field(default_factory=list)
    cypher: list[dict[str, Any]] = field(default_factory=list)
    neo4j_server: str | None = None


def evidence_source() -> str | None:
    """Return ``GRAPHENGINE_EVIDENCE_HOPS`` (files or ``neo4j``), or None when unset."""
    return os.environ.get(SOURCE_ENV, "").strip() or None


def evidence_formats() -> tuple[str, ...]:
    """Return the figure formats of the bundles (``GRAPHENGINE_EVIDENCE_FORMATS``, default html).

    PNG, SVG and PDF need a headless Chromium in the server process; HTML and the data do not.
    """
    raw = os.environ.get(FORMATS_ENV, "").strip() or "html"
    return tuple(f.strip() for f in raw.split(",") if f.strip())


def _files(source: str) -> list[Path]:
    paths = [Path(p) for p in source.split(os.pathsep) if p.strip()]
    for path in paths:
        if not path.is_file():
            raise ConfigError(f"{SOURCE_ENV}: {path}: no such file")
    return paths


def load_evidence() -> EvidenceData | None:
    """Read the configured hops (see the module); None when no source is configured.

    Raises
    ------
    ConfigError
        When a configured file is missing or no traceback row could be loaded from it.
    GraphengineError
        When Neo4j is the source and cannot be reached.
    """
    source = evidence_source()
    if source is None:
        return None
    if source.lower() == "neo4j":
        driver = store.connect()
        try:
            return EvidenceData(
                hops=store.read_hops(driver),
                source="neo4j",
                cypher=[{"name": "read_hops", "text": statements.READ_HOPS, "parameters": {}}],
                neo4j_server=store.server_version(driver),
            )
        finally:
            driver.close()
    inputs = _files(source)
    providers = os.environ.get(PROVIDERS_ENV, "").strip() or None
    if providers is not None and not Path(providers).is_file():
        raise ConfigError(f"{PROVIDERS_ENV}: {providers}: no such file")
    loaded = loaders.load_inputs(list(inputs), providers=providers)
    if loaded.hops.empty:
        raise ConfigError(f"{SOURCE_ENV}: no traceback row could be loaded from {source}")
    recorded = [*inputs, *([Path(providers)] if providers else [])]
    return EvidenceData(hops=loaded.hops, source="files", inputs=recorded)


def _slug(text: str) -> str:
    """A folder name made only of ``[a-z0-9-]`` (targets never reach a path as typed)."""
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")[:40] or "target"


def in_range(hops: pd.DataFrame, window: Window) -> pd.DataFrame:
    """The hops of tracebacks whose call is in ``window`` (see :mod:`.request_window`)."""
    return hops[in_window(hops["call_time"], window)]


def campaign_hops(hops: pd.DataFrame, campaign: str, alerts: list[dict[str, Any]]) -> pd.DataFrame:
    """The hops of ``campaign``: tracebacks its alerts carry, or labelled with it (any case)."""
    ids = {t for a in alerts if a.get("campaign_id") == campaign for t in a["traceback_ids"]}
    label = hops["campaign"].astype("string").str.casefold() == campaign.casefold()
    return hops[hops["traceback_id"].astype(str).isin(ids) | label.fillna(False)]


def write_target_bundles(
    folder: Path,
    targets: dict[str, Any],
    alerts: list[dict[str, Any]],
    *,
    window: Window,
    case_label: str,
    generated_at: dt.datetime,
    command_line: list[str],
    data: EvidenceData | None,
) -> list[dict[str, Any]]:
    """Write one evidence bundle per provider and campaign target under ``folder``.

    Returns the entries of ``folder/index.json`` (also written): per target, its kind, the bundle
    folder and manifest SHA-256, or why no bundle was written.
    """
    folder.mkdir(parents=True, exist_ok=True)
    wanted = [("provider", p) for p in targets.get("providers", [])]
    wanted += [("campaign", c) for c in targets.get("campaigns", [])]
    entries: list[dict[str, Any]] = []
    hops = in_range(data.hops, window) if data is not None else None
    settings = ExportSettings(formats=evidence_formats(), case_label=case_label, seed=SEED)
    provenance = Provenance(
        inputs=data.inputs if data else [],
        cypher=data.cypher if data else [],
        neo4j_server=data.neo4j_server if data else None,
        command_line=command_line,
    )
    for i, (kind, target) in enumerate(wanted, start=1):
        entry: dict[str, Any] = {"kind": kind, "target": target}
        entries.append(entry)
        if hops is None:
            entry["not_exported"] = f"no engine data is configured ({SOURCE_ENV})"
            continue
        if sum("bundle" in e for e in entries) >= MAX_BUNDLES:
            entry["not_exported"] = f"more than {MAX_BUNDLES} bundles in one package"
            continue
        out = folder / f"{i:02d}-{kind}-{_slug(target)}"
        try:
            _draw(kind, target, hops, alerts, out, settings, provenance, generated_at)
        except ExportError as exc:
            if not out.exists():
                entry["not_exported"] = str(exc)
                continue
            if not (out / "manifest.json").exists():
                raise  # a half-written bundle is a bug, never shipped silently
            entry["note"] = str(exc)  # static images failed; the HTML and data are sealed
        entry["bundle"] = out.relative_to(folder.parent).as_posix()
        entry["manifest_sha256"] = hashlib.sha256((out / "manifest.json").read_bytes()).hexdigest()
    index = {"source": data.source if data else None, "bundles": entries}
    (folder / "index.json").write_text(json.dumps(index, indent=2, sort_keys=True) + "\n")
    return entries


def _draw(
    kind: str,
    target: str,
    hops: pd.DataFrame,
    alerts: list[dict[str, Any]],
    out: Path,
    settings: ExportSettings,
    provenance: Provenance,
    generated_at: dt.datetime,
) -> None:
    """Write the bundle of one target (raises ``ExportError`` with the reason it cannot)."""
    if kind == "provider":
        if hops.empty:
            raise ExportError("no traceback in the date range")
        export_provider(
            hops, target, out, settings=settings, provenance=provenance, generated_at=generated_at
        )
        return
    sub = campaign_hops(hops, target, alerts)
    if sub.empty:
        raise ExportError(f"campaign {target!r} has no traceback in the date range")
    members = dict.fromkeys(sub["provider_key"].astype(str), target)
    export_ecosystem(
        sub, members, target, out, settings=settings, provenance=provenance,
        generated_at=generated_at,
    )  # fmt: skip


def check_config() -> None:
    """Raise ``ConfigError`` when a configured evidence file is missing or a format unknown."""
    source = evidence_source()
    if source is not None and source.lower() != "neo4j":
        _files(source)
    known = ("html", "png", "svg", "pdf")
    bad = [f for f in evidence_formats() if f not in known]
    if bad:
        raise ConfigError(
            f"{FORMATS_ENV}: unknown format {','.join(bad)}; use any of {','.join(known)}"
        )
