"""The trend figure of a campaign: daily reports, a 7-day mean, and its events.

How to read one (also in docs/campaigns.md): grey bars are reports a day (weekends are lower:
robocall volume follows the working week); the dark line is the 7-day mean, which hides the weekly
pattern; a red band marks a surge (from its onset to its end), a green line a new campaign, a black
line a stop, an orange line a decline or change of level, and a purple line a displacement (the
gateway carrying its tracebacks changed; hover for the gateways).

Figures are HTML pages that load ``plotly.min.js`` from their own folder, written once, so a
folder of fifty figures works offline without fifty copies of the library.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["trend_figure", "write_trend_figures"]

_COLOURS = {
    "new_campaign": "#2ca02c",
    "stop": "#111111",
    "decline": "#ff7f0e",
    "change_point": "#ff7f0e",
    "displacement": "#9467bd",
}


def trend_figure(campaign_id: str, daily: pd.Series, events: pd.DataFrame) -> Any:
    """Return the plotly figure of one campaign's daily series and events."""
    import plotly.graph_objects as go

    fig = go.Figure()
    fig.add_bar(x=daily.index, y=daily.to_numpy(), name="reports a day", marker_color="#b0b0b0")
    mean = daily.rolling(7, min_periods=1).mean()
    fig.add_scatter(x=daily.index, y=mean.to_numpy(), name="7-day mean", line={"color": "#1f3b73"})
    for ev in events.to_dict("records"):
        t = pd.Timestamp(str(ev["time"]))
        kind = str(ev["kind"])
        if kind == "surge":
            end_day = json.loads(str(ev["details"])).get("end", str(ev["time"]))
            end = pd.Timestamp(end_day) + pd.Timedelta(days=1)
            fig.add_vrect(x0=t, x1=end, fillcolor="#d62728", opacity=0.2, line_width=0)
            text = f"surge x{float(ev['magnitude']):.1f}"
            fig.add_annotation(x=t, y=1, yref="paper", text=text, showarrow=False)
        else:
            fig.add_vline(x=t, line_color=_COLOURS.get(kind, "#555"), line_dash="dash")
            text = kind.replace("_", " ")
            fig.add_annotation(x=t, y=0.95, yref="paper", text=text, showarrow=False)
    fig.update_layout(
        title=f"Campaign {campaign_id}: reports a day",
        xaxis_title="day (UTC)",
        yaxis_title="reports",
        template="plotly_white",
        bargap=0.05,
        height=420,
    )
    return fig


def write_trend_figures(daily: pd.DataFrame, events: pd.DataFrame, folder: Path) -> list[Path]:
    """Write ``<campaign>.html`` for each column of ``daily`` into ``folder``; return the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for cid in daily.columns:
        ev = events[events["campaign_id"] == cid] if len(events) else events
        fig = trend_figure(str(cid), daily[cid], ev)
        path = folder / f"{cid}.html"
        # "directory": one plotly.min.js beside the pages, referenced relatively (works offline).
        fig.write_html(path, include_plotlyjs="directory", full_html=True)
        paths.append(path)
    return paths
