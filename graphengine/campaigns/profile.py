"""What each campaign looks like: the table written as ``campaigns.csv``.

Per campaign: reports, first and last seen, language, the representative transcript (the medoid
of its exemplars), distinctive terms, callback numbers, the caller-ID NPA-NXX spread (distinct
NPA-NXX and NPA, the top ones, and the share of *neighbour spoofing*: caller ID in the victim's
own NPA-NXX) and the reporters' labels.

Distinctive terms score a word by ``share * log(1 + C / (1 + c))``: ``share`` the fraction of the
campaign's reports that contain it, ``C`` the number of campaigns and ``c`` the campaigns where at
least 10 % of reports contain it; short words and a small stop list are left out.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from graphengine.campaigns.state import CampaignState
from graphengine.campaigns.update import medoid

__all__ = ["CAMPAIGN_COLUMNS", "campaign_table", "distinctive_terms"]

CAMPAIGN_COLUMNS = (
    "campaign_id",
    "reports",
    "first_seen",
    "last_seen",
    "language",
    "representative_report_id",
    "representative_transcript",
    "distinctive_terms",
    "callback_numbers",
    "caller_id_npanxx",
    "caller_id_npa",
    "caller_id_top_npanxx",
    "neighbour_spoofing_share",
    "reporter_labels",
)
_STOP = frozenset(
    [
        "the",
        "and",
        "you",
        "your",
        "for",
        "this",
        "that",
        "with",
        "are",
        "our",
        "has",
        "have",
        "from",
        "will",
        "now",
        "not",
        "was",
        "can",
        "all",
        "any",
        "been",
        "into",
        "about",
        "call",
        "press",
        "please",
        "thank",
        "just",
        "more",
        "what",
        "when",
        "who",
        "get",
        "one",
        "its",
        "it's",
    ]
)


def distinctive_terms(state: CampaignState, top: int = 8) -> dict[str, list[str]]:
    """Return the ``top`` distinctive words of each campaign (see the module docstring)."""
    shares: dict[str, dict[str, float]] = {}
    spread: dict[str, int] = {}
    for cid, c in state.campaigns.items():
        n = max(c.n_reports, 1)
        sh = {
            w: k / n
            for w, k in c.tokens.items()
            if len(w) > 2 and w not in _STOP and not w.isdigit()
        }
        shares[cid] = sh
        for w, v in sh.items():
            if v >= 0.1:
                spread[w] = spread.get(w, 0) + 1
    total = max(len(state.campaigns), 1)
    out = {}
    for cid, sh in shares.items():
        scored = sorted(
            ((v * math.log(1 + total / (1 + spread.get(w, 0))), w) for w, v in sh.items()),
            key=lambda t: (-t[0], t[1]),
        )
        out[cid] = [w for _, w in scored[:top]]
    return out


def _iso(ns: int | None) -> str:
    if ns is None:
        return ""
    return pd.Timestamp(ns, unit="ns", tz="UTC").strftime("%Y-%m-%dT%H:%M:%SZ")


def campaign_table(state: CampaignState) -> pd.DataFrame:
    """Return one row per campaign in :data:`CAMPAIGN_COLUMNS`, largest campaign first."""
    terms = distinctive_terms(state)
    rows = []
    for cid, c in state.campaigns.items():
        rep = medoid(c)
        npas: dict[str, int] = {}
        for k, v in c.npanxx.items():
            npas[k[:3]] = npas.get(k[:3], 0) + v
        with_caller = sum(c.npanxx.values())
        rows.append(
            {
                "campaign_id": cid,
                "reports": c.n_reports,
                "first_seen": _iso(c.first_seen),
                "last_seen": _iso(c.last_seen),
                "language": c.languages.most_common(1)[0][0] if c.languages else "",
                "representative_report_id": rep.report_id if rep else "",
                "representative_transcript": rep.transcript if rep else "",
                "distinctive_terms": ";".join(terms.get(cid, [])),
                "callback_numbers": ";".join(n for n, k in c.callbacks.most_common(10) if k >= 2),
                "caller_id_npanxx": len(c.npanxx),
                "caller_id_npa": len(npas),
                "caller_id_top_npanxx": ";".join(n for n, _ in c.npanxx.most_common(3)),
                "neighbour_spoofing_share": round(c.neighbour / with_caller, 3)
                if with_caller
                else np.nan,
                "reporter_labels": ";".join(k for k, _ in c.labels.most_common(3)),
            }
        )
    frame = pd.DataFrame(rows, columns=list(CAMPAIGN_COLUMNS))
    return frame.sort_values(
        ["reports", "campaign_id"], ascending=[False, True], kind="mergesort"
    ).reset_index(drop=True)
