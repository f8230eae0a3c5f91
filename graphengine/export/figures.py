"""Plotly figures for case evidence: ecosystem, provider neighbourhood, traceback path, timeline.

Every figure is built from node/edge tables (:mod:`graphengine.export.tables`) and saved
coordinates (:mod:`graphengine.export.layout`), never from a random layout, so that a re-run
draws the same picture. Only SVG-based traces are used (``go.Scatter``, ``go.Bar``; never
``Scattergl``), so PDF and SVG exports stay vector. Call-flow direction is drawn with arrow
annotations (upstream -> downstream) whose width follows the edge's traceback count.

Each figure carries a title block: what it shows, the case label, the data window, the
generation time (UTC) and the SHA-256 fingerprint of the dataset.

Examples
--------
>>> import pandas as pd
>>> title = TitleBlock("Campaign timeline", "CASE-1", "2024-01-01 to 2024-01-31",
...                    "2026-01-01T00:00:00Z", "ab" * 32)
>>> weeks = pd.DataFrame({"week": ["2024-01-01"], "campaign": ["SSA imposter"], "tracebacks": [3]})
>>> fig = timeline_figure(weeks, title)
>>> fig.data[0].type
'bar'
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from graphengine.export.labels import place_labels
from graphengine.export.layout import Coordinates

__all__ = [
    "ROLE_STYLE",
    "TitleBlock",
    "FigureSize",
    "ecosystem_figure",
    "neighbourhood_figure",
    "path_figure",
    "timeline_figure",
]

#: role -> (legend label, colour, marker symbol). Okabe-Ito colours (colour-blind safe) and a
#: distinct symbol per role, so the roles stay apart on a black-and-white printout.
ROLE_STYLE: Mapping[str, tuple[str, str, str]] = {
    "foreign": ("foreign source", "#D55E00", "diamond"),
    "gateway": ("gateway (U.S. point of entry)", "#E69F00", "square"),
    "intermediate": ("intermediate", "#56B4E9", "circle"),
    "originating": ("originating", "#CC79A7", "triangle-up"),
    "terminating": ("terminating", "#009E73", "hexagon"),
    "customer": ("customer / caller", "#000000", "star"),
    "hub": ("hub providers (collapsed)", "#999999", "octagon"),
    "unknown": ("role unknown", "#BBBBBB", "circle-open"),
}

_FONT = "Arial, Helvetica, sans-serif"
_LABEL_PX = 11
_PAD = 0.04  # axis padding around the unit square
_EDGE = "rgba(70,70,70,0.6)"
_FADED_EDGE = "rgba(120,120,120,0.15)"


@dataclass(frozen=True)
class TitleBlock:
    """What every figure states about itself: subject, case, data window, time and fingerprint."""

    subject: str
    case_label: str
    data_window: str
    generated_utc: str
    fingerprint: str

    def text(self) -> str:
        """Return the plotly title text (three lines, the last two smaller)."""
        case = self.case_label or "(no case label)"
        return (
            f"<b>{self.subject}</b>"
            f"<br><span style='font-size:12px'>Case: {case} · Data window: {self.data_window}</span>"
            f"<br><span style='font-size:10px'>Generated {self.generated_utc} · "
            f"Dataset SHA-256 {self.fingerprint}</span>"
        )


@dataclass(frozen=True)
class FigureSize:
    """Pixel size of a figure and its margins (the plot area is what is left)."""

    width: int = 1200
    height: int = 800
    left: int = 20
    right: int = 230
    top: int = 100
    bottom: int = 60

    @property
    def plot_width(self) -> float:
        return float(self.width - self.left - self.right)

    @property
    def plot_height(self) -> float:
        return float(self.height - self.top - self.bottom)


def _short(name: str, limit: int = 22) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def _sizes(counts: pd.Series, smallest: float = 10.0, largest: float = 38.0) -> pd.Series:
    """Marker diameters by traceback count, area-proportional (sqrt), in pixels."""
    top = max(float(counts.max()), 1.0) if len(counts) else 1.0
    return counts.astype(float).map(lambda c: smallest + (largest - smallest) * math.sqrt(c / top))


def _widths(counts: pd.Series, thinnest: float = 1.0, widest: float = 7.0) -> pd.Series:
    top = max(float(counts.max()), 1.0) if len(counts) else 1.0
    return counts.astype(float).map(lambda c: thinnest + (widest - thinnest) * math.sqrt(c / top))


def _to_px(point: tuple[float, float], size: FigureSize) -> tuple[float, float]:
    span = 1 + 2 * _PAD
    return (
        (point[0] + _PAD) / span * size.plot_width,
        (point[1] + _PAD) / span * size.plot_height,
    )


def _base_layout(fig: go.Figure, title: TitleBlock, size: FigureSize, legend: bool) -> None:
    fig.update_layout(
        title={"text": title.text(), "x": 0.01, "xanchor": "left", "y": 0.98, "yanchor": "top"},
        width=size.width,
        height=size.height,
        margin={"l": size.left, "r": size.right, "t": size.top, "b": size.bottom},
        font={"family": _FONT, "size": 12, "color": "#222222"},
        paper_bgcolor="white",
        plot_bgcolor="white",
        showlegend=legend,
        legend={
            "x": 1.01,
            "xanchor": "left",
            "y": 1.0,
            "yanchor": "top",
            "title": {"text": "<b>Role</b> (dominant over hops)"},
            "itemsizing": "constant",
            "font": {"size": 11},
        },
        hoverlabel={"align": "left"},
    )


def _hide_axes(fig: go.Figure) -> None:
    axis = {
        "visible": False,
        "range": [-_PAD, 1 + _PAD],
        "fixedrange": False,
    }
    fig.update_xaxes(**axis)
    fig.update_yaxes(**axis)


def _node_hover(row: Mapping[Any, Any]) -> str:
    parts = [
        f"<b>{row['name']}</b>",
        f"key: {row['provider_key']}",
        f"role: {row['role']} ({row['role_counts']})",
        f"tracebacks: {row['tracebacks']}",
        f"distinct neighbours: {row['degree']}",
        f"country: {row['country'] or 'n/a'}",
        f"campaigns: {row['campaigns']}",
        f"seen: {row['first_seen']} to {row['last_seen']}",
    ]
    if row.get("hub"):
        parts.append("hub (high degree)")
    return "<br>".join(parts)


def _network(
    nodes: pd.DataFrame,
    edges: pd.DataFrame,
    coords: Coordinates,
    title: TitleBlock,
    size: FigureSize,
    *,
    fade_hubs: bool,
    focus: str | None = None,
) -> go.Figure:
    """Draw a provider network: arrows for edges, one marker trace per role, placed labels."""
    nodes = nodes[nodes["provider_key"].isin(coords)].copy()
    nodes["size"] = _sizes(nodes["tracebacks"])
    if focus is not None:
        nodes.loc[nodes["provider_key"] == focus, "size"] = nodes["size"].max() + 6
    by_key = nodes.set_index("provider_key")
    hub = {k: bool(by_key.at[k, "hub"]) and fade_hubs and k != focus for k in by_key.index}
    fig = go.Figure()

    # Edges: lines under the markers and labels, grouped into one trace per (width, fading);
    # a short arrow annotation at the downstream end shows the call-flow direction.
    points = {k: _to_px(coords[k], size) for k in by_key.index}
    size_of = {str(k): float(v) for k, v in zip(nodes["provider_key"], nodes["size"], strict=True)}
    name_of = {str(k): str(v) for k, v in zip(nodes["provider_key"], nodes["name"], strict=True)}
    edges = edges[edges["source"].isin(coords) & edges["target"].isin(coords)].copy()
    edges["width"] = _widths(edges["tracebacks"]).round(1)
    annotations = []
    lines: dict[tuple[float, bool], tuple[list[float | None], list[float | None]]] = {}
    mid_x, mid_y, mid_text = [], [], []
    records: list[dict[Any, Any]] = edges.sort_values(["tracebacks", "source", "target"]).to_dict(
        "records"
    )
    for rec in records:
        src, dst, width = str(rec["source"]), str(rec["target"]), float(rec["width"])
        (x0, y0), (x1, y1) = coords[src], coords[dst]
        faded = hub[src] or hub[dst]
        xs, ys = lines.setdefault((width, faded), ([], []))
        xs.extend([x0, x1, None])
        ys.extend([y0, y1, None])
        (px0, py0), (px1, py1) = points[src], points[dst]
        length = math.hypot(px1 - px0, py1 - py0) or 1.0
        standoff = size_of[dst] / 2 + 1
        shaft = min(length - size_of[src] / 2, standoff + 10 + width)
        if not faded:  # faded hub links get no arrowhead: dozens would blot the hub
            annotations.append(
                {
                    "x": x1,
                    "y": y1,
                    "xref": "x",
                    "yref": "y",
                    # tail offset in screen pixels (y grows downwards on screen)
                    "ax": round(-(px1 - px0) / length * shaft, 3),
                    "ay": round((py1 - py0) / length * shaft, 3),
                    "text": "",
                    "showarrow": True,
                    "arrowhead": 2,
                    "arrowsize": min(1.5, max(0.5, 2.2 / width)),  # head size ~ arrowsize * width
                    "arrowwidth": width,
                    "arrowcolor": _EDGE,
                    "standoff": standoff,
                }
            )
        mid_x.append(round((x0 + x1) / 2, 6))
        mid_y.append(round((y0 + y1) / 2, 6))
        mid_text.append(
            f"{name_of[src]} → {name_of[dst]}"
            f"<br>tracebacks: {rec['tracebacks']}<br>campaigns: {rec['campaigns']}"
            f"<br>attestation: {rec['attestations'] or 'n/a'}"
            f"<br>seen: {rec['first_seen']} to {rec['last_seen']}"
        )
    for (width, faded), (xs, ys) in sorted(lines.items()):
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                line={"width": width, "color": _FADED_EDGE if faded else _EDGE},
                hoverinfo="skip",
                showlegend=False,
                name=f"links {width}px",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=mid_x,
            y=mid_y,
            mode="markers",
            marker={"size": 8, "color": "rgba(0,0,0,0)"},
            hovertext=mid_text,
            hoverinfo="text",
            showlegend=False,
            name="link details",
        )
    )

    # Labels: placed greedily, most tracebacks first (see labels.py).
    radii = {k: size_of[k] / 2 for k in size_of}
    texts = {k: _short(name_of[k]) for k in name_of}
    traceback_count = {
        str(k): int(v) for k, v in zip(nodes["provider_key"], nodes["tracebacks"], strict=True)
    }
    order = sorted(
        by_key.index,
        key=lambda k: (k != focus, hub[k], -traceback_count[k], k),
    )
    segments = [
        (points[s], points[t])
        for s, t in zip(edges["source"], edges["target"], strict=True)
        if s in points and t in points
    ]
    positions = place_labels(
        points,
        radii,
        texts,
        order,
        font_px=_LABEL_PX,
        bounds=(size.plot_width, size.plot_height),
        segments=segments,
    )

    # One trace per role for the legend, and a separate faded trace for that role's hubs.
    for role, (label, colour, symbol) in ROLE_STYLE.items():
        members = nodes[nodes["role"] == role].sort_values("provider_key")
        if members.empty:
            continue
        plain = members[[not hub[k] for k in members["provider_key"]]]
        faded = members[[hub[k] for k in members["provider_key"]]]
        for part, is_hub in ((plain, False), (faded, True)):
            if part.empty:
                continue
            keys = list(part["provider_key"])
            fig.add_trace(
                go.Scatter(
                    x=[coords[k][0] for k in keys],
                    y=[coords[k][1] for k in keys],
                    mode="markers+text",
                    name=label if not is_hub else f"{label} (hub)",
                    legendgroup=role,
                    showlegend=not is_hub or plain.empty,
                    text=[texts[k] if positions[k] else "" for k in keys],
                    textposition=[positions[k] or "top center" for k in keys],
                    textfont={
                        "size": _LABEL_PX,
                        "shadow": "auto",
                        "color": "#666666" if is_hub else "#111111",
                    },
                    hovertext=[_node_hover(r) for r in part.to_dict("records")],
                    hoverinfo="text",
                    marker={
                        "size": [round(float(s), 3) for s in part["size"]],
                        "color": colour,
                        "symbol": symbol,
                        "opacity": 0.3 if is_hub else 1.0,
                        "line": {
                            "width": [3.5 if k == focus else 1 for k in keys],
                            "color": ["#000000" if k == focus else "#FFFFFF" for k in keys],
                        },
                    },
                )
            )
    if any(hub.values()):
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                name="faded: hub provider",
                marker={"size": 12, "color": "#999999", "opacity": 0.3, "symbol": "circle"},
                hoverinfo="skip",
            )
        )
    fig.update_layout(annotations=annotations)
    return fig


def _legend_note(fig: go.Figure, text: str) -> None:
    fig.add_annotation(
        text=text,
        xref="paper",
        yref="paper",
        x=0.0,
        y=-0.02,
        xanchor="left",
        yanchor="top",
        showarrow=False,
        font={"size": 10, "color": "#444444"},
        align="left",
    )


def ecosystem_figure(
    nodes: pd.DataFrame,
    edges: pd.DataFrame,
    coords: Coordinates,
    title: TitleBlock,
    *,
    size: FigureSize | None = None,
    fade_hubs: bool = True,
) -> go.Figure:
    """Return the ecosystem diagram.

    Parameters
    ----------
    nodes, edges
        Tables from :func:`graphengine.export.tables.provider_tables` (restricted to the
        ecosystem; hubs optionally collapsed).
    coords
        ``{provider_key: (x, y)}`` from :func:`graphengine.export.layout.force_layout`.
    title
        The title block.
    size
        Pixel size; 1200x800 by default.
    fade_hubs
        Draw providers flagged ``hub`` (and their edges) faded.

    Returns
    -------
    plotly.graph_objects.Figure
        Nodes coloured by dominant role and sized by traceback count; arrows in call-flow
        direction with width by traceback count; hover text with the details.
    """
    size = size or FigureSize()
    fig = _network(nodes, edges, coords, title, size, fade_hubs=fade_hubs)
    _base_layout(fig, title, size, legend=True)
    _hide_axes(fig)
    _legend_note(
        fig,
        "Arrows: call flow, upstream → downstream. Node size: tracebacks through the provider. "
        "Arrow width: tracebacks over the link. Faded: hub providers (their links carry no arrowheads). Unlabelled nodes: see hover "
        "text and nodes.csv.",
    )
    return fig


def neighbourhood_figure(
    nodes: pd.DataFrame,
    edges: pd.DataFrame,
    coords: Coordinates,
    layers: Mapping[str, int],
    focus: str,
    title: TitleBlock,
    *,
    size: FigureSize | None = None,
    fade_hubs: bool = True,
) -> go.Figure:
    """Return the k-hop neighbourhood of ``focus``: upstream left, downstream right, focus ringed.

    ``layers`` is the output of :func:`graphengine.export.tables.neighbourhood`; each layer
    gets a header ("2 upstream", "focus", "1 downstream", ...). See :func:`ecosystem_figure`
    for the other parameters.
    """
    size = size or FigureSize()
    fig = _network(nodes, edges, coords, title, size, fade_hubs=fade_hubs, focus=focus)
    _base_layout(fig, title, size, legend=True)
    _hide_axes(fig)
    seen: dict[int, float] = {}
    for key, layer in layers.items():
        if key in coords:
            seen[layer] = coords[key][0]
    for layer, x in sorted(seen.items()):
        label = (
            "provider"
            if layer == 0
            else f"{abs(layer)} upstream"
            if layer < 0
            else f"{layer} downstream"
        )
        fig.add_annotation(
            text=f"<b>{label}</b>",
            x=x,
            y=1.0,
            xref="x",
            yref="paper",
            yanchor="bottom",
            showarrow=False,
            font={"size": 11, "color": "#444444"},
        )
    _legend_note(
        fig,
        "Call flows left to right (upstream → downstream). Ringed: the provider in question. "
        "Node size and arrow width: tracebacks. Hubs are shown but not expanded.",
    )
    return fig


def path_figure(
    nodes: pd.DataFrame,
    coords: Coordinates,
    title: TitleBlock,
    *,
    details: Mapping[str, str] | None = None,
    size: FigureSize | None = None,
) -> go.Figure:
    """Return one traceback's hop chain, origin on the left, terminating carrier on the right.

    Parameters
    ----------
    nodes
        From :func:`graphengine.export.tables.path_tables`, in call-flow order.
    coords
        ``{node_key: (x, y)}`` (a single row, from the layered layout).
    title
        The title block; its subject should carry the call time.
    details
        Extra ``label -> value`` lines for the hover text of every hop (campaign, calling and
        called number, ...).

    Returns
    -------
    plotly.graph_objects.Figure
        Each hop labelled with provider, hop number, role, response and attestation.
    """
    size = size or FigureSize(right=40, top=110, bottom=40)
    fig = go.Figure()
    keys = list(nodes["node_key"])
    extra = "".join(f"<br>{k}: {v}" for k, v in (details or {}).items())
    annotations = []
    for up, down in zip(keys[:-1], keys[1:], strict=True):
        annotations.append(
            {
                "x": coords[down][0],
                "y": coords[down][1],
                "ax": coords[up][0],
                "ay": coords[up][1],
                "xref": "x",
                "yref": "y",
                "axref": "x",
                "ayref": "y",
                "text": "",
                "showarrow": True,
                "arrowhead": 2,
                "arrowwidth": 2.5,
                "arrowcolor": "#555555",
                "standoff": 17,
                "startstandoff": 17,
            }
        )
    for i, row in enumerate(nodes.to_dict("records")):
        role = str(row["role"]) or "unknown"
        label, colour, symbol = ROLE_STYLE.get(role, ROLE_STYLE["unknown"])
        name = "<br>".join(textwrap.wrap(str(row["name"]), 18)[:3])
        if role == "customer":
            body = f"<b>{name}</b><br>originating customer"
        else:
            body = (
                f"<b>{name}</b><br>hop {row['hop']} · {role}"
                f"<br>response: {row['response'] or 'n/a'}"
                f"<br>attestation: {row['attestation'] or 'none'}"
            )
        hover = body + (f"<br>country: {row['country']}" if row["country"] else "") + extra
        fig.add_trace(
            go.Scatter(
                x=[coords[row["node_key"]][0]],
                y=[coords[row["node_key"]][1]],
                mode="markers+text",
                name=label,
                legendgroup=role,
                showlegend=False,
                text=[body],
                textposition="bottom center" if i % 2 == 0 else "top center",
                textfont={"size": 11},
                hovertext=[hover],
                hoverinfo="text",
                marker={
                    "size": 28,
                    "color": colour,
                    "symbol": symbol,
                    "line": {"width": 1, "color": "#FFFFFF"},
                },
            )
        )
    _base_layout(fig, title, size, legend=False)
    fig.update_layout(annotations=annotations)
    fig.update_xaxes(visible=False, range=[-0.08, 1.08])
    fig.update_yaxes(visible=False, range=[0.0, 1.0])
    _legend_note(fig, "Call flows left to right: from the caller to the victim's carrier.")
    return fig


def timeline_figure(
    weeks: pd.DataFrame, title: TitleBlock, *, size: FigureSize | None = None
) -> go.Figure:
    """Return tracebacks per week, stacked by campaign.

    Parameters
    ----------
    weeks
        From :func:`graphengine.export.tables.weekly_campaigns`.
    title
        The title block.

    Returns
    -------
    plotly.graph_objects.Figure
        One ``go.Bar`` trace per campaign (sorted by name), weeks on the x axis.
    """
    size = size or FigureSize(right=230, top=100, bottom=60, left=70)
    fig = go.Figure()
    for campaign in sorted(weeks["campaign"].astype(str).unique()):
        part = weeks[weeks["campaign"] == campaign]
        fig.add_trace(
            go.Bar(
                x=list(part["week"]),
                xperiod=7 * 24 * 3600 * 1000,
                xperiodalignment="start",
                y=[int(v) for v in part["tracebacks"]],
                name=campaign,
                hovertemplate="week of %{x}<br>" + campaign + ": %{y} tracebacks<extra></extra>",
            )
        )
    _base_layout(fig, title, size, legend=True)
    fig.update_layout(barmode="stack", legend_title_text="<b>Campaign</b>", bargap=0.15)
    per_week = weeks.groupby("week")["tracebacks"].sum() if len(weeks) else pd.Series([1])
    fig.update_xaxes(
        title_text="week starting (Monday, UTC)", type="date", tickformat="%Y-%m-%d", showgrid=False
    )
    fig.update_yaxes(
        title_text="tracebacks",
        gridcolor="#DDDDDD",
        rangemode="tozero",
        dtick=max(1, math.ceil(int(per_week.max()) / 8)),
    )
    return fig
