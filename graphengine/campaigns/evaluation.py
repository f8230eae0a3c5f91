"""Scoring detected campaigns and events against the report generator's truth.

* **Campaign recovery**: adjusted Rand index over the reports that carry a transcript (a report
  without one cannot be grouped by content). A truth ``noise`` report and an unassigned report
  each count as a singleton, so leaving reports out lowers the score.
* **Surges**: a planted surge is found when a surge event of a detected campaign that maps to the
  planted campaign (by majority of its reports) is raised (``detected_at``) between the planted
  day - 1 and the planted day + length. Delay = detection day - planted day. Other surge events are false alarms.
* **False alarms per campaign-year on flat series**: surge events on campaigns whose truth is
  ``flat`` (no planted event), per campaign-year observed.
* **Displacements**: a planted displacement is found when a displacement event of a mapped
  campaign lies within 14 days of it.

Examples
--------
>>> f1(2, 0, 0)
1.0
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import igraph as ig
import numpy as np
import pandas as pd

__all__ = ["campaign_ari", "campaign_mapping", "score_events", "score_generated", "f1"]


def f1(tp: int, fp: int, fn: int) -> float:
    """Return the F1 score (1.0 when there is nothing to find and nothing was raised)."""
    if tp == 0 and fp == 0 and fn == 0:
        return 1.0
    return 2 * tp / (2 * tp + fp + fn)


def campaign_ari(
    reports: pd.DataFrame, members: Mapping[str, str], truth: Mapping[str, Any]
) -> float:
    """Return the ARI of ``members`` (report id -> campaign id) against the truth."""
    noise = truth.get("noise_label", "noise")
    labels = truth["report_campaign"]
    rows = reports[reports["transcript"].fillna("").astype(str).str.strip() != ""]
    t_codes: dict[str, int] = {}
    p_codes: dict[str, int] = {}
    a, b = [], []
    for rid in rows["report_id"].astype(str):
        t = labels.get(rid, noise)
        t = f"~{rid}" if t == noise else t
        p = members.get(rid)
        p = f"~{rid}" if p is None else p
        a.append(t_codes.setdefault(t, len(t_codes)))
        b.append(p_codes.setdefault(p, len(p_codes)))
    if not a:
        return 1.0
    return float(ig.compare_communities(a, b, method="adjusted_rand"))


def campaign_mapping(members: Mapping[str, str], truth: Mapping[str, Any]) -> dict[str, str]:
    """Return detected campaign id -> the truth campaign most of its reports belong to."""
    votes: dict[str, Counter[str]] = {}
    labels = truth["report_campaign"]
    for rid, cid in members.items():
        votes.setdefault(cid, Counter())[labels.get(rid, "noise")] += 1
    return {cid: min(c.items(), key=lambda kv: (-kv[1], kv[0]))[0] for cid, c in votes.items()}


def score_events(
    events: pd.DataFrame, mapping: Mapping[str, str], truth: Mapping[str, Any]
) -> dict[str, Any]:
    """Return surge precision/recall/F1, median delay (days), false alarms per flat
    campaign-year, and displacements found / planted."""
    start = pd.Timestamp(truth["start"])
    ev = events.copy()
    ev["truth"] = ev["campaign_id"].map(mapping)
    ev["day"] = (pd.to_datetime(ev["time"]) - start).dt.days
    ev["seen"] = (pd.to_datetime(ev["detected_at"]) - start).dt.days
    planted = [e for e in truth["events"] if e["kind"] == "surge"]
    surges = ev[ev["kind"] == "surge"]
    used: set[int] = set()
    delays = []
    for e in planted:
        lo, hi = e["day"] - 1, e["day"] + e.get("length_days", 1)
        hit = surges[(surges["truth"] == e["campaign"]) & surges["seen"].between(lo, hi)]
        hit = hit[~hit.index.isin(used)]
        if len(hit):
            used.add(int(hit.index[0]))
            delays.append(int(hit["seen"].iloc[0]) - e["day"])
    tp = len(used)
    fp = len(surges) - tp
    fn = len(planted) - tp
    flat = {k for k, v in truth["campaigns"].items() if v.get("flat")}
    flat_alarms = int(surges["truth"].isin(flat).sum())
    flat_years = len(flat) * truth["days"] / 365.0
    disp_planted = [e for e in truth["events"] if e["kind"] == "displacement"]
    disp = ev[ev["kind"] == "displacement"]
    found = 0
    for e in disp_planted:
        near = disp[(disp["truth"] == e["campaign"]) & ((disp["day"] - e["day"]).abs() <= 14)]
        found += int(len(near) > 0)
    return {
        "surges_planted": len(planted),
        "surges_raised": int(len(surges)),
        "surge_precision": tp / len(surges) if len(surges) else 1.0,
        "surge_recall": tp / len(planted) if planted else 1.0,
        "surge_f1": f1(tp, fp, fn),
        "surge_median_delay_days": float(np.median(delays)) if delays else None,
        "flat_campaigns": len(flat),
        "flat_false_alarms": flat_alarms,
        "false_alarms_per_campaign_year": flat_alarms / flat_years if flat_years else 0.0,
        "displacements_planted": len(disp_planted),
        "displacements_found": found,
    }


def score_generated(folder: str | Path, reports: pd.DataFrame, result: Any) -> dict[str, Any]:
    """Score a :func:`~graphengine.campaigns.detect_campaigns` result on ``graphengine generate
    --reports`` output in ``folder`` (``truth.json`` and ``reports_truth.csv``).

    Returns ARI, surge precision/recall/F1/median delay, false alarms per flat campaign-year and
    displacements found (a displacement event of the right campaign within 14 days).
    """
    folder = Path(folder)
    doc = json.loads((folder / "truth.json").read_text(encoding="utf-8"))["reports"]
    labels = pd.read_csv(folder / "reports_truth.csv", dtype=str, keep_default_na=False)
    truth = dict(doc)
    truth["report_campaign"] = dict(zip(labels["report_id"], labels["campaign"], strict=True))
    members = dict(zip(result.members["report_id"], result.members["campaign_id"], strict=True))
    scores = score_events(result.events, campaign_mapping(members, truth), truth)
    return {"campaign_ari": campaign_ari(reports, members, truth), **scores}
