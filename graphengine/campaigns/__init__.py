"""Campaigns and trends: group robocall reports by script, follow their volume, raise events.

A campaign here is defined by its **content**: reports whose transcripts are the same script
(allowing for variants, speech recognition errors and calls cut short), whatever caller ID they
came from. See docs/campaigns.md for the definition, every parameter and how to read a trend chart.

Public API
----------
:func:`detect_campaigns`
    Cluster a report frame from scratch; campaigns, members, events, daily counts.
:func:`update_campaigns`
    The platform's background job: ``(state, new reports) -> (state, new events)``; reports already
    assigned are never re-clustered.
:class:`CampaignState`, :class:`CampaignParams`
    The state carried between calls (``save`` / ``load``) and its parameters.
:func:`link_tracebacks`
    Which tracebacks started from which reports, with their gateway.
:func:`read_reports`
    Our Report CSV columns into a frame.
"""

from graphengine.campaigns.events import (
    EVENT_COLUMNS,
    EventParams,
    daily_counts,
    detect_events,
    weekly_counts,
)
from graphengine.campaigns.io import read_reports
from graphengine.campaigns.links import link_tracebacks
from graphengine.campaigns.normalise import normalise
from graphengine.campaigns.run import CampaignResult, detect_campaigns, write_outputs
from graphengine.campaigns.state import CampaignParams, CampaignState
from graphengine.campaigns.update import update_campaigns

__all__ = [
    "EVENT_COLUMNS",
    "CampaignParams",
    "CampaignResult",
    "CampaignState",
    "EventParams",
    "daily_counts",
    "detect_campaigns",
    "detect_events",
    "link_tracebacks",
    "normalise",
    "read_reports",
    "update_campaigns",
    "weekly_counts",
    "write_outputs",
]
