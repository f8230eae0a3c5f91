"""Tie a generated report stream to generated tracebacks, so campaigns meet ecosystems and gateways.

The ITG traces calls that carriers' honeypots caught. :func:`link_reports` plays that part on
generated data: each campaign of the report stream is carried by one planted ecosystem; some of its
honeypot reports become the suspect calls of that ecosystem's foreign-sourced tracebacks (the
traceback takes the report's caller ID, called number and campaign label; the report takes the
traceback's call time, at most a few days away, so the two records agree). The displaced campaign's
tracebacks run through one gateway of its ecosystem before the planted day and through another
after it, and the truth names both gateways.

Only the tracebacks chosen here change (their ``campaign``, ``calling_number`` and
``called_number``); every hop, provider, role, response and call time stays, so the traceback truth
(ecosystems, findings) is untouched.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from graphengine.synthetic.reports import generate_reports

__all__ = ["link_reports"]

_DIGITS = re.compile(r"\D")
_MAX_SHIFT_DAYS = 3


def _e164(raw: str) -> str:
    d = _DIGITS.sub("", raw)
    d = d[1:] if len(d) == 11 and d[0] == "1" else d
    return "+1" + d if len(d) == 10 else raw


def link_reports(
    hops: pd.DataFrame,
    tb_truth: pd.DataFrame,
    reports: pd.DataFrame,
    truth: dict[str, Any],
    seed: int,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any], pd.DataFrame]:
    """Link reports to tracebacks.

    Parameters
    ----------
    hops
        The generated hop table (strings, as written).
    tb_truth
        ``tracebacks_truth.csv`` (``traceback_id, source, origin``...).
    reports, truth
        :func:`graphengine.synthetic.reports.generate_reports` output over the same window.
    seed
        Seed of the choices made here.

    Returns
    -------
    tuple
        The hop table with the linked tracebacks rewritten, the reports with linked call times,
        the truth with ``campaign_ecosystem``, gateways on the displacement event and
        ``traced``, and the links (``report_id, traceback_id, campaign``).
    """
    rng = np.random.default_rng(seed)
    gw = hops[hops["role"] == "gateway"].drop_duplicates("traceback_id")[
        ["traceback_id", "provider"]
    ]
    first = hops.drop_duplicates("traceback_id")[["traceback_id", "call_time"]]
    tb = first.merge(gw, on="traceback_id", how="inner").merge(
        tb_truth[["traceback_id", "source", "origin"]], on="traceback_id"
    )
    tb = tb[(tb["source"] != "noise") & (tb["origin"] == "foreign")].copy()
    tb["time"] = pd.to_datetime(tb["call_time"], utc=True)
    tb = tb.sort_values(["time", "traceback_id"], kind="mergesort")
    by_eco = {str(e): g for e, g in tb.groupby("source", sort=True)}
    campaigns = sorted(truth["campaigns"])
    disp = {e["campaign"]: e for e in truth["events"] if e["kind"] == "displacement"}
    # Ecosystems with two busy gateways can carry a displacement; give those to displaced campaigns.
    two_gw = sorted(e for e, g in by_eco.items() if (g["provider"].value_counts() >= 4).sum() >= 2)
    others = sorted(set(by_eco) - set(two_gw))

    # Busiest first: the displaced campaign needs tracebacks on both sides of its move.
    def busy(eco: str) -> tuple[int, str]:
        counts = by_eco[eco]["provider"].value_counts()
        return (-int(counts.iloc[1]), eco)

    order_two = sorted(two_gw, key=busy)
    order_all = [x for x in (order_two + [others[int(i)] for i in rng.permutation(len(others))])]
    eco_of: dict[str, str] = {}
    for c in sorted(disp):
        if order_two:
            eco_of[c] = order_two.pop(0)
            order_all.remove(eco_of[c])
    for c in campaigns:
        if c not in eco_of and order_all:
            eco_of[c] = order_all.pop(0)
    start = pd.Timestamp(truth["start"], tz="UTC")
    rep = reports.copy()
    rep["_camp"] = rep["report_id"].map(truth["report_campaign"])
    rep["_day"] = (rep["call_time"] - start).dt.days
    honeypot = rep[
        (rep["source_kind"] == "carrier_honeypot") & (rep["_camp"] != truth["noise_label"])
    ]
    pool = {c: g for c, g in honeypot.groupby("_camp", sort=True)}
    used: set[str] = set()
    links: list[tuple[str, str, str]] = []
    new_time: dict[str, pd.Timestamp] = {}
    tb_fields: dict[str, tuple[str, str, str]] = {}
    for c in campaigns:
        eco = eco_of.get(c)
        if eco is None or c not in pool:
            continue
        cand = by_eco[eco]
        if c in disp:
            counts = cand["provider"].value_counts()
            a, b = sorted(counts.index[:2])
            # The move happens where it leaves most tracebacks on both sides (the report stream
            # has no gateway, so the planted day follows the tracebacks here).
            times = cand["time"].sort_values()
            best = max(
                range(1, len(times)),
                key=lambda k: (
                    min(
                        int(((cand["provider"] == a) & (cand["time"] < times.iloc[k])).sum()),
                        int(((cand["provider"] == b) & (cand["time"] >= times.iloc[k])).sum()),
                    ),
                    -k,
                ),
            )
            cut = times.iloc[best].normalize()
            disp[c]["day"] = int((cut - start).days)
            disp[c]["date"] = str(cut.date())
            cand = cand[
                ((cand["provider"] == a) & (cand["time"] < cut))
                | ((cand["provider"] == b) & (cand["time"] >= cut))
            ]
            disp[c]["from_gateway"], disp[c]["to_gateway"] = a, b
            disp[c]["ecosystem"] = eco
        reps = pool[c]
        rep_ids = reps["report_id"].astype(str).to_numpy()
        rep_days = reps["_day"].to_numpy()
        for tid, when in zip(cand["traceback_id"].tolist(), cand["time"].tolist(), strict=True):
            day = (pd.Timestamp(when) - start).days
            near = np.flatnonzero(np.abs(rep_days - day) <= _MAX_SHIFT_DAYS)
            near = np.array([k for k in near if rep_ids[k] not in used], dtype=int)
            if not len(near):
                continue
            k = int(near[np.argmin(np.abs(rep_days[near] - day))])
            rid = str(rep_ids[k])
            used.add(rid)
            links.append((rid, str(tid), c))
            new_time[rid] = pd.Timestamp(when)
            tb_fields[str(tid)] = (
                truth["campaigns"][c]["label"],
                _e164(str(reps["calling_number"].iloc[k])),
                _e164(str(reps["called_number"].iloc[k])),
            )
    # The displacement happens, as the tracebacks show it, on the first day a linked traceback of
    # the campaign came through the new gateway.
    when = dict(zip(tb["traceback_id"], tb["time"], strict=True))
    gate = dict(zip(tb["traceback_id"], tb["provider"], strict=True))
    for c, ev in disp.items():
        firsts = [when[t] for _, t, cc in links if cc == c and gate[t] == ev.get("to_gateway")]
        if firsts:
            day = min(firsts).normalize()
            ev["day"], ev["date"] = int((day - start).days), str(day.date())
    out_hops = hops.copy()
    sel = out_hops["traceback_id"].isin(tb_fields)
    vals = out_hops.loc[sel, "traceback_id"].map(tb_fields)
    out_hops.loc[sel, "campaign"] = [v[0] for v in vals]
    out_hops.loc[sel, "calling_number"] = [v[1] for v in vals]
    out_hops.loc[sel, "called_number"] = [v[2] for v in vals]
    rep = rep.drop(columns=["_camp", "_day"])
    moved = rep["report_id"].isin(new_time)
    rep.loc[moved, "call_time"] = rep.loc[moved, "report_id"].map(new_time)
    rep = rep.sort_values(["call_time", "report_id"], kind="mergesort").reset_index(drop=True)
    truth = dict(truth)
    truth["campaign_ecosystem"] = {c: eco_of[c] for c in sorted(eco_of)}
    truth["traced_reports"] = len(links)
    link_frame = pd.DataFrame(links, columns=["report_id", "traceback_id", "campaign"])
    return out_hops, rep, truth, link_frame


def add_reports(
    out_dir: str | Path, start: str, days: int, seed: int, reports_per_day: int
) -> dict[str, Any]:
    """Generate a report stream beside a generated traceback set in ``out_dir`` and link them.

    Writes ``reports.csv`` (Report columns), ``reports_truth.csv`` (``report_id, campaign,
    traceback_id``), rewrites the linked tracebacks in ``hops.csv`` and ``paths.csv``, and adds the
    campaign truth to ``truth.json`` under ``"reports"``. Returns a summary.
    """

    out = Path(out_dir)
    hops = pd.read_csv(out / "hops.csv", dtype=str, keep_default_na=False)
    tb_truth = pd.read_csv(out / "tracebacks_truth.csv", dtype=str, keep_default_na=False)
    reports, truth = generate_reports(seed, days=days, start=start, reports_per_day=reports_per_day)
    hops, reports, truth, links = link_reports(hops, tb_truth, reports, truth, seed)
    hops.to_csv(out / "hops.csv", index=False)
    paths = pd.read_csv(out / "paths.csv", dtype=str, keep_default_na=False)
    first = hops.drop_duplicates("traceback_id").set_index("traceback_id")
    for col in ("campaign", "calling_number", "called_number"):
        paths[col] = paths["traceback_id"].map(first[col]).fillna(paths[col])
    paths.to_csv(out / "paths.csv", index=False)
    frame = reports.copy()
    frame["call_time"] = frame["call_time"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    frame.to_csv(out / "reports.csv", index=False)
    members = pd.DataFrame(
        {
            "report_id": list(truth["report_campaign"]),
            "campaign": list(truth["report_campaign"].values()),
        }
    ).merge(links[["report_id", "traceback_id"]], on="report_id", how="left")
    members.sort_values("report_id").to_csv(out / "reports_truth.csv", index=False)
    doc = json.loads((out / "truth.json").read_text(encoding="utf-8"))
    doc["reports"] = {k: v for k, v in truth.items() if k != "report_campaign"}
    doc["reports"]["files"] = {"reports": "reports.csv", "reports_truth": "reports_truth.csv"}
    doc.setdefault("files", {}).update(reports="reports.csv", reports_truth="reports_truth.csv")
    with (out / "truth.json").open("w", encoding="utf-8", newline="\n") as fh:
        json.dump(doc, fh, indent=1, ensure_ascii=False)
        fh.write("\n")
    return {
        "reports": len(reports),
        "traced_reports": int(truth["traced_reports"]),
        "campaigns": len(truth["campaigns"]),
    }
