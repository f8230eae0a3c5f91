"""The :class:`Findings` result: frames for notebooks, findings.json and targets.csv for people.

Output is deterministic: the same inputs and parameters give byte-identical files (no run
timestamps inside; rows and ids are sorted).
"""

from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from graphengine.findings._common import ID_SEP
from graphengine.findings.window import ResolvedWindow

__all__ = ["Findings", "FINDINGS_FORMAT"]

#: version of the findings.json layout.
FINDINGS_FORMAT = 1


def _plain(value: Any) -> Any:
    """A JSON-ready Python value (ISO strings for times, None for missing)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts; ``*_ids`` columns become lists of ids."""
    # column by column: DataFrame.to_dict boxes every cell through a per-row dict and took
    # minutes on the id lists of 10M hops; the values are the same
    columns: dict[str, list[Any]] = {}
    for name in frame.columns:
        key = str(name)
        series = frame[name]
        if key.endswith("_ids") or key == "flagged_upstreams":
            columns[key] = [
                [] if _plain(v) in (None, "") else str(v).split(ID_SEP) for v in series.tolist()
            ]
        elif isinstance(series.dtype, np.dtype) and series.dtype.kind in "iub":
            # numpy integers and booleans (never missing): plain Python values already
            columns[key] = series.tolist()
        else:
            columns[key] = [_plain(v) for v in series.tolist()]
    keys = list(columns)
    if not keys:
        return [{} for _ in range(len(frame))]
    return [dict(zip(keys, row, strict=True)) for row in zip(*columns.values(), strict=True)]


@dataclass
class Findings:
    """Everything :func:`graphengine.findings.compute_findings` found, as frames.

    Attributes
    ----------
    window
        The resolved analysis window every count refers to.
    parameters
        The rule parameters used (thresholds, span, weights ...), JSON-ready.
    profiles, repeat, events, noncooperation, rmd_violations, accepts_from_flagged, anomalies,
    chokepoints, targets
        One frame per finding; see the module of each finding for its columns.
    """

    window: ResolvedWindow
    parameters: dict[str, Any]
    profiles: pd.DataFrame
    repeat: pd.DataFrame
    events: pd.DataFrame
    noncooperation: pd.DataFrame
    rmd_violations: pd.DataFrame
    accepts_from_flagged: pd.DataFrame
    anomalies: pd.DataFrame
    chokepoints: pd.DataFrame
    targets: pd.DataFrame
    tracebacks_in_window: int = 0
    rmd_supplied: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def repeat_gateways(self) -> pd.DataFrame:
        """Rows of :attr:`repeat` for the gateway role."""
        return self.repeat[self.repeat["role"] == "gateway"].reset_index(drop=True)

    @property
    def repeat_originators(self) -> pd.DataFrame:
        """Rows of :attr:`repeat` for the originating role."""
        return self.repeat[self.repeat["role"] == "originating"].reset_index(drop=True)

    @property
    def noncooperative(self) -> pd.DataFrame:
        """Providers the non-cooperation rule flagged."""
        return self.noncooperation[self.noncooperation["noncooperative"]].reset_index(drop=True)

    def summary(self) -> dict[str, Any]:
        """Headline counts, quoted with the window."""
        return {
            "window_since": _plain(self.window.since),
            "window_until": _plain(self.window.until),
            "tracebacks_in_window": self.tracebacks_in_window,
            "providers": len(self.profiles),
            "repeat_gateways": len(self.repeat_gateways),
            "repeat_originators": len(self.repeat_originators),
            "noncooperative": len(self.noncooperative),
            "rmd_supplied": self.rmd_supplied,
            "rmd_violation_edges": len(self.rmd_violations),
            "rmd_violating_providers": int(self.rmd_violations["downstream_key"].nunique()),
            "accepting_from_noncooperative": len(self.accepts_from_flagged),
            "attestation_anomalies": len(self.anomalies),
        }

    def to_dict(self) -> dict[str, Any]:
        """The content of findings.json."""
        betweenness = self.chokepoints["betweenness"]
        return {
            "format": FINDINGS_FORMAT,
            "window": self.window.as_dict(),
            "parameters": self.parameters,
            "summary": self.summary(),
            "notes": list(self.notes),
            "betweenness_max": _plain(float(betweenness.max())) if len(betweenness) else 0.0,
            "repeat_gateways": records(self.repeat_gateways),
            "repeat_originators": records(self.repeat_originators),
            "noncooperative": records(self.noncooperative),
            "rmd_violations": records(self.rmd_violations),
            "accepts_from_noncooperative": records(self.accepts_from_flagged),
            "attestation_anomalies": records(self.anomalies),
            "chokepoints": records(self.chokepoints),
            "profiles": records(self.profiles),
        }

    def write(self, out_dir: str | Path) -> dict[str, Path]:
        """Write ``findings.json`` and ``targets.csv`` into ``out_dir`` (created if needed).

        Returns
        -------
        dict
            ``{"findings": path, "targets": path}``.
        """
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        findings = out / "findings.json"
        # streamed: with indent, json.dumps first collects every piece of the text in a list,
        # millions of small strings for the id lists of millions of hops (same bytes either way)
        with findings.open("w", encoding="utf-8") as handle:
            json.dump(self.to_dict(), handle, indent=2, sort_keys=False)
            handle.write("\n")
        targets = out / "targets.csv"
        self.targets.to_csv(targets, index=False, lineterminator="\n")
        return {"findings": findings, "targets": targets}

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th>"
            f"<td>{html.escape(str(v))}</td></tr>"
            for k, v in self.summary().items()
        )
        top = self.targets.head(10)[
            ["rank", "provider_key", "name", "ecosystem", "score", "reasons"]
        ].to_html(index=False)
        return f"<h4>Findings</h4><table>{rows}</table><h4>Top targets</h4>{top}"

    def __repr__(self) -> str:
        parts = ", ".join(f"{k}={v}" for k, v in self.summary().items())
        return f"Findings({parts})"
