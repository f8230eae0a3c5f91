"""Campaign pages: the list of campaigns and one campaign's trend, events, reports and tracebacks.

Campaigns gather every organisation's reports, so only the roles that see every organisation's
reports read them (:data:`~graphengine.platform.access.CAMPAIGN_ROLES`). The trend chart is the
engine's own figure (:func:`graphengine.campaigns.figures.trend_figure`), drawn by plotly.js
served from the installed plotly package (no network needed).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from sqlalchemy import func, select

from graphengine.campaigns.figures import trend_figure
from graphengine.platform.campaign_models import CampaignEventRow, CampaignMember, CampaignRow
from graphengine.platform.models import Report
from graphengine.platform.rendering import render
from graphengine.platform.traceback_models import TracebackRow

__all__ = ["router", "LINKED_TRACEBACKS", "SAMPLE_REPORTS"]

router = APIRouter(include_in_schema=False)
#: reports listed on a campaign's page (the newest)
SAMPLE_REPORTS = 20
#: tracebacks listed on a campaign's page (the newest opened from its reports)
LINKED_TRACEBACKS = 50


@router.get("/campaigns")
def campaigns_page(request: Request) -> Response:
    """Every live campaign, largest first, with its latest event."""
    session = request.state.db
    rows = session.scalars(
        select(CampaignRow)
        .where(CampaignRow.merged_into.is_(None))
        .order_by(CampaignRow.reports.desc(), CampaignRow.campaign_id)
    ).all()
    latest: dict[str, CampaignEventRow] = {}
    for ev in session.scalars(select(CampaignEventRow).order_by(CampaignEventRow.time)):
        latest[ev.campaign_id] = ev
    return render(request, "campaigns.html", {"campaigns": rows, "latest": latest})


@router.get("/campaigns/plotly.min.js")
def plotly_js(request: Request) -> Response:
    """plotly.js from the installed plotly package (the trend charts draw with it)."""
    import plotly

    path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    return FileResponse(
        path, media_type="text/javascript", headers={"Cache-Control": "max-age=86400"}
    )


def daily_series(daily: dict[str, int]) -> pd.Series:
    """Reports a day from a campaign row's ``daily``, every day from first to last (0 filled)."""
    series = pd.Series(daily, dtype=float)
    if series.empty:
        return series
    series.index = pd.to_datetime(series.index)
    days = pd.date_range(series.index.min(), series.index.max(), freq="D")
    return series.reindex(days).fillna(0)


@router.get("/campaigns/{campaign_id}")
def campaign_page(request: Request, campaign_id: str) -> Response:
    """One campaign: profile, trend chart, events, sample reports, linked tracebacks."""
    session = request.state.db
    row = session.get(CampaignRow, campaign_id)
    if row is None:
        raise HTTPException(404, f"no campaign {campaign_id}")
    if row.merged_into:
        return RedirectResponse(f"/campaigns/{row.merged_into}", status_code=303)
    events = session.scalars(
        select(CampaignEventRow)
        .where(CampaignEventRow.campaign_id == campaign_id)
        .order_by(CampaignEventRow.time, CampaignEventRow.kind)
    ).all()
    frame = pd.DataFrame(
        [
            {
                "time": e.time.date().isoformat(),
                "kind": e.kind,
                "magnitude": e.magnitude,
                "details": json.dumps(e.details),
            }
            for e in events
        ],
        columns=["time", "kind", "magnitude", "details"],
    )
    figure = json.loads(trend_figure(campaign_id, daily_series(row.daily), frame).to_json())
    samples = (
        session.execute(
            select(Report)
            .join(CampaignMember, CampaignMember.report_pk == Report.id)
            .where(CampaignMember.campaign_id == campaign_id)
            .order_by(Report.call_time.desc(), Report.id.desc())
            .limit(SAMPLE_REPORTS)
        )
        .scalars()
        .all()
    )
    members = session.scalar(
        select(func.count())
        .select_from(CampaignMember)
        .where(CampaignMember.campaign_id == campaign_id)
    )
    tracebacks = session.execute(
        select(TracebackRow, Report.report_id)
        .join(Report, Report.id == TracebackRow.report_pk)
        .join(CampaignMember, CampaignMember.report_pk == TracebackRow.report_pk)
        .where(CampaignMember.campaign_id == campaign_id)
        .order_by(TracebackRow.opened_at.desc(), TracebackRow.id)
        .limit(LINKED_TRACEBACKS)
    ).all()
    return render(
        request,
        "campaign.html",
        {
            "c": row,
            "p": row.profile,
            "events": events,
            "figure": figure,
            "samples": samples,
            "members": int(members or 0),
            "tracebacks": tracebacks,
        },
    )
