"""The batch job behind ``graphengine campaigns detect``: reports in, campaign tables out."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from graphengine.campaigns.events import EventParams, daily_counts, detect_events
from graphengine.campaigns.ids import carry_ids
from graphengine.campaigns.links import attach_campaigns
from graphengine.campaigns.profile import campaign_table
from graphengine.campaigns.state import CampaignParams, CampaignState
from graphengine.campaigns.update import assign_reports

__all__ = ["CampaignResult", "detect_campaigns", "write_outputs", "OUTPUT_FILES"]

OUTPUT_FILES = {
    "campaigns": "campaigns.csv",
    "members": "campaign_members.csv",
    "events": "campaign_events.csv",
    "figures": "figures",
    "state": "state",
}


@dataclass
class CampaignResult:
    """A detection run: the state, the campaign table, members and events."""

    state: CampaignState
    campaigns: pd.DataFrame
    members: pd.DataFrame  # report_id, campaign_id
    events: pd.DataFrame
    daily: pd.DataFrame
    id_map: dict[str, str]
    carried: list[str]  # ids taken over from the previous run


def detect_campaigns(
    reports: pd.DataFrame,
    *,
    params: CampaignParams | None = None,
    event_params: EventParams | None = None,
    previous: CampaignState | None = None,
    tracebacks: pd.DataFrame | None = None,
    show_progress: bool | None = None,
) -> CampaignResult:
    """Cluster ``reports`` into campaigns from scratch and detect their events.

    Parameters
    ----------
    reports
        Report frame (``report_id``, ``call_time``, ``transcript`` and the other Report columns).
    params, event_params
        Identification and detector parameters (defaults: the documented ones).
    previous
        The state of an earlier run: campaigns that match one of its campaigns keep its id.
    tracebacks
        ``campaign``-linked tracebacks for displacement events: a frame with ``report_id``,
        ``traceback_id``, ``call_time`` and ``gateway`` (see :mod:`graphengine.campaigns.links`).

    Returns
    -------
    CampaignResult
    """
    state = assign_reports(
        None, reports, params=params or CampaignParams(), show_progress=show_progress
    )
    id_map = carry_ids(state, previous) if previous is not None else {}
    tb = attach_campaigns(tracebacks, state) if tracebacks is not None else None
    events = detect_events(state, tracebacks=tb, params=event_params)
    state.emitted.update(events["event_id"])
    members = state.members_frame()[["report_id", "campaign_id"]].reset_index(drop=True)
    carried = sorted(v for v in id_map.values() if previous is not None and v in previous.campaigns)
    table = campaign_table(state)
    return CampaignResult(state, table, members, events, daily_counts(state), id_map, carried)


def write_outputs(result: CampaignResult, out: Path, *, figures: bool = True) -> dict[str, Any]:
    """Write the tables, trend figures and state into ``out``; return a JSON-ready summary."""
    out.mkdir(parents=True, exist_ok=True)
    result.campaigns.to_csv(out / OUTPUT_FILES["campaigns"], index=False)
    result.members.to_csv(out / OUTPUT_FILES["members"], index=False)
    result.events.to_csv(out / OUTPUT_FILES["events"], index=False)
    if figures and not result.daily.empty:
        from graphengine.campaigns.figures import write_trend_figures

        write_trend_figures(result.daily, result.events, out / OUTPUT_FILES["figures"])
    result.state.save(out / OUTPUT_FILES["state"])
    summary = {
        "out_dir": str(out),
        "campaigns": len(result.campaigns),
        "reports_assigned": len(result.members),
        "events": result.events["kind"].value_counts().sort_index().to_dict()
        if len(result.events)
        else {},
        "ids_carried_from_previous": len(result.carried),
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    return summary
