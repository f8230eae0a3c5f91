"""Campaigns inside an investigation: which ecosystems and gateways carry each campaign.

``graphengine investigate TRACEBACKS... --reports REPORTS.csv`` clusters the reports into campaigns,
links tracebacks to the reports they started from (:mod:`graphengine.campaigns.links`), and for
each campaign lists its linked tracebacks, the gateways they entered through and the ecosystems of
those gateways. Displacement events need those links, so they appear only here (and in
``campaigns detect --tracebacks``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from graphengine.campaigns.io import read_reports
from graphengine.campaigns.links import link_tracebacks
from graphengine.campaigns.run import CampaignResult, detect_campaigns, write_outputs

__all__ = ["CampaignSection", "campaign_section", "CARRIER_COLUMNS"]

CARRIER_COLUMNS = ("campaign_id", "reports", "tracebacks", "gateways", "ecosystems")


@dataclass
class CampaignSection:
    """What the report's campaigns section shows, and where the files went."""

    result: CampaignResult
    links: pd.DataFrame  # report_id, traceback_id, call_time, gateway, campaign_id
    carriers: pd.DataFrame  # CARRIER_COLUMNS
    folder: Path
    skipped_rows: list[str]


def _top(counter: Counter[str], n: int = 3) -> str:
    return "; ".join(
        f"{k} ({v})" for k, v in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
    )


def campaign_section(
    reports: list[str | Path],
    hops: pd.DataFrame,
    ecosystem_of: dict[str, str],
    out: Path,
    *,
    seed: int = 7,
) -> CampaignSection:
    """Detect campaigns in ``reports``, link them to ``hops``, write ``out`` and return the section.

    ``ecosystem_of`` maps a provider key to its ecosystem id (from the investigation).
    """
    import dataclasses

    from graphengine.campaigns.state import CampaignParams

    frame, problems = read_reports(reports)
    links = link_tracebacks(frame, hops)
    params = dataclasses.replace(CampaignParams(), seed=seed)
    result = detect_campaigns(frame, params=params, tracebacks=links)
    write_outputs(result, out)
    members = dict(zip(result.members["report_id"], result.members["campaign_id"], strict=True))
    links = links.assign(campaign_id=links["report_id"].map(members)).dropna(subset=["campaign_id"])
    links.to_csv(out / "campaign_tracebacks.csv", index=False)
    rows = []
    for cid, n in zip(result.campaigns["campaign_id"], result.campaigns["reports"], strict=True):
        lk = links[links["campaign_id"] == cid]
        gws = Counter(g for g in lk["gateway"] if g)
        ecos: Counter[str] = Counter()
        for g, k in gws.items():
            if g in ecosystem_of:
                ecos[str(ecosystem_of[g])] += k
        rows.append((cid, int(n), int(lk["traceback_id"].nunique()), _top(gws), _top(ecos)))
    carriers = pd.DataFrame(rows, columns=list(CARRIER_COLUMNS))
    carriers.to_csv(out / "campaign_carriers.csv", index=False)
    return CampaignSection(result, links, carriers, out, problems)
