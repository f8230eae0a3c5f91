"""The call-flow exhibit: lanes of provider boxes, routed links with counts, a stamped page.

Drawn from a :class:`graphengine.export.aggregate.Diagram` on a US Letter landscape page
(1056 x 816 CSS px; PDF 792 x 612 pt). The axes are page pixels of the plot area, so every
position computed by :mod:`graphengine.export.flow_layout` lands exactly where it was planned
(the margins do not auto-expand). Boxes are layout shapes with the full wrapped name inside;
the role marker in each box is a scatter trace per role, and those traces *are* the legend, so
the legend marks match the drawing. Links are grouped line traces with an arrowhead where they
enter the downstream box; their traceback counts sit on the links, in the gaps between lanes.

Examples
--------
>>> tint("#D55E00", 0.25)
'#f4d6bf'
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from graphengine.export.aggregate import Diagram
from graphengine.export.flow_layout import LANES
from graphengine.export.stamp import STAMP_HEIGHT, Stamp, add_stamp

__all__ = ["PAGE", "MARGIN", "STYLE", "flow_figure", "footnote_figure", "tint"]

#: US Letter landscape in CSS pixels (96 per inch).
PAGE = (1056, 816)
#: page margins around the plot area: title on top, legend, note and stamp at the bottom.
MARGIN = {"l": 24, "r": 24, "t": 70, "b": 140}

_FONT = "Arial, Helvetica, sans-serif"
_EDGE = "rgba(55,55,55,0.75)"
_FADED_EDGE = "rgba(120,120,120,0.40)"

#: kind of box -> (legend label, colour, marker symbol); roles as in the other figures.
STYLE: Mapping[str, tuple[str, str, str]] = {
    "foreign": ("foreign source", "#D55E00", "diamond"),
    "originating": ("originating", "#CC79A7", "triangle-up"),
    "gateway": ("gateway (U.S. point of entry)", "#E69F00", "square"),
    "intermediate": ("intermediate", "#56B4E9", "circle"),
    "terminating": ("terminating", "#009E73", "hexagon"),
    "unknown": ("role unknown", "#888888", "circle-open"),
    "hub": ("hub providers (merged per lane)", "#666666", "octagon"),
    "others": ("others (merged per lane)", "#777777", "circle-dot"),
}


def tint(colour: str, share: float) -> str:
    """Return ``colour`` mixed with white (``share`` of the colour); lower-case hex."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    mix = [round(255 - (255 - c) * share) for c in (r, g, b)]
    return "#" + "".join(f"{c:02x}" for c in mix)


def _widths(counts: pd.Series) -> dict[int, float]:
    top = max(int(counts.max()), 1) if len(counts) else 1
    return {int(c): round(1.0 + 3.0 * math.sqrt(int(c) / top), 1) for c in counts}


def flow_figure(
    diagram: Diagram,
    title: str,
    subtitle: str,
    stamp: Stamp,
    *,
    page: tuple[int, int] = (1, 1),
    fade_hubs: bool = True,
    names: Mapping[str, str] | None = None,
) -> go.Figure:
    """Return the exhibit figure of ``diagram``.

    Parameters
    ----------
    diagram
        Boxes, links and their layout.
    title, subtitle
        The heading (bold) and one line under it.
    stamp
        The exhibit stamp; printed with ``page`` = (page, pages).
    fade_hubs
        Draw hub boxes (not merged) with a dotted border and faded marker.
    names
        Provider key -> printed name, for hover text of merged boxes.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    lay = diagram.layout
    g = lay.geometry
    names = names or {}
    fig = go.Figure()
    shapes: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []

    # lane bands and titles
    for i, lane_title in enumerate(LANES):
        x0, x1 = g.lane_x(i)
        shapes.append(
            {"type": "rect", "x0": x0 - 6, "x1": x1 + 6, "y0": 0, "y1": g.height, "layer": "below",
             "fillcolor": "#F4F6F9", "line": {"width": 0}}
        )  # fmt: skip
        annotations.append(
            {"text": f"<b>{lane_title}</b>", "x": (x0 + x1) / 2, "y": g.height - g.header / 2,
             "xref": "x", "yref": "y", "showarrow": False, "font": {"size": 12, "color": "#333333"}}
        )  # fmt: skip

    # links: one line trace per (width, faded); arrowheads where they enter the box
    nodes = diagram.nodes.set_index("node_id")
    name_of = {str(k): str(v) for k, v in nodes["name"].items()}
    edges = diagram.edges
    width_of = _widths(edges["tracebacks"]) if len(edges) else {}
    lines: dict[tuple[float, bool], tuple[list[float | None], list[float | None]]] = {}
    for rec in edges.sort_values(["tracebacks", "source", "target"]).to_dict("records"):
        key = (str(rec["source"]), str(rec["target"]))
        pts = lay.routes[key]
        faded = fade_hubs and bool(nodes.at[key[0], "hub"] or nodes.at[key[1], "hub"])
        width = width_of[int(rec["tracebacks"])]
        xs, ys = lines.setdefault((width, faded), ([], []))
        for x, y in pts:
            xs.append(round(x, 2))
            ys.append(round(y, 2))
        xs.append(None)
        ys.append(None)
        (px, py), (qx, qy) = pts[-2], pts[-1]
        length = math.hypot(qx - px, qy - py) or 1.0
        back = min(14.0, length)
        annotations.append(
            {"x": round(qx, 2), "y": round(qy, 2), "xref": "x", "yref": "y", "text": "",
             "showarrow": True, "arrowhead": 2, "arrowsize": max(0.8, 2.4 / width),
             "arrowwidth": width, "arrowcolor": _FADED_EDGE if faded else _EDGE,
             "ax": round(-(qx - px) / length * back, 2), "ay": round((qy - py) / length * back, 2),
             "standoff": 0}
        )  # fmt: skip
        bx0, by0, bx1, by1 = lay.label_boxes[key]
        ids = str(rec["traceback_ids"]).split(";")
        shown = ", ".join(ids[:10]) + (f" … (+{len(ids) - 10})" if len(ids) > 10 else "")
        annotations.append(
            {"x": round((bx0 + bx1) / 2, 2), "y": round((by0 + by1) / 2, 2), "xref": "x",
             "yref": "y", "text": str(int(rec["tracebacks"])), "showarrow": False,
             "font": {"size": g.edge_label_px, "color": "#111111"}, "bgcolor": "#FFFFFF",
             "borderpad": 0, "name": f"count:{key[0]}->{key[1]}",
             "hovertext": f"{name_of[key[0]]} → {name_of[key[1]]}<br>"
                          f"tracebacks: {int(rec['tracebacks'])}<br>ids: {shown}"}
        )  # fmt: skip
    for (width, faded), (xs, ys) in sorted(lines.items()):
        fig.add_trace(
            go.Scatter(
                x=xs, y=ys, mode="lines", hoverinfo="skip", showlegend=False,
                line={"width": width, "color": _FADED_EDGE if faded else _EDGE},
                name=f"links {width}px{' faded' if faded else ''}",
            )
        )  # fmt: skip

    # boxes, names, role markers (the markers are the legend)
    marker_points: dict[tuple[str, bool], list[tuple[float, float, str]]] = {}
    for node_id, row in nodes.sort_index().iterrows():
        node_id = str(node_id)
        x0, y0, x1, y1 = lay.boxes[node_id]
        role = str(row["role"]) if str(row["role"]) in STYLE else "unknown"
        _, colour, _ = STYLE[role]
        faded = fade_hubs and bool(row["hub"]) and row["kind"] == "provider"
        merged = row["kind"] != "provider"
        shapes.append(
            {"type": "rect", "x0": round(x0, 2), "x1": round(x1, 2), "y0": round(y0, 2),
             "y1": round(y1, 2), "layer": "below",
             "fillcolor": "#FFFFFF" if faded else tint(colour, 0.12 if merged else 0.22),
             "line": {"color": "#000000" if row["focus"] else colour,
                      "width": 3 if row["focus"] else 1.2,
                      "dash": "dot" if faded or merged else "solid"}}
        )  # fmt: skip
        lines_text = lay.lines[node_id]
        body = "<br>".join(lines_text[:-1]) + (
            f"<br><span style='font-size:{g.count_px:g}px;color:#444444'>{lines_text[-1]}</span>"
        )
        nb = lay.name_box(node_id)
        members = str(row["members"]).split(";")
        hover = f"<b>{row['name']}</b><br>{lines_text[-1]}"
        if merged:
            listed = [names.get(k, k) for k in members]
            hover += (
                "<br>"
                + "<br>".join(listed[:25])
                + (f"<br>… and {len(listed) - 25} more (nodes.csv)" if len(listed) > 25 else "")
            )
        annotations.append(
            {"x": round(nb[0], 2), "y": round(nb[3], 2), "xref": "x", "yref": "y",
             "xanchor": "left", "yanchor": "top", "align": "left", "text": body,
             "showarrow": False, "borderpad": 0, "name": f"name:{node_id}",
             "font": {"size": g.name_px, "color": "#111111"}, "hovertext": hover}
        )  # fmt: skip
        marker_points.setdefault((role, faded), []).append(
            (round(x0 + g.pad + 6, 2), round(y1 - g.pad - 7, 2), hover)
        )
    for role, (label, colour, symbol) in STYLE.items():
        for faded in (False, True):
            marks = marker_points.get((role, faded))
            if not marks:
                continue
            fig.add_trace(
                go.Scatter(
                    x=[p[0] for p in marks], y=[p[1] for p in marks], mode="markers",
                    name=f"{label} (hub, faded)" if faded else label,
                    hovertext=[p[2] for p in marks], hoverinfo="text",
                    marker={"size": 10, "color": colour, "symbol": symbol,
                            "opacity": 0.45 if faded else 1.0,
                            "line": {"width": 0.8, "color": "#FFFFFF"}},
                )
            )  # fmt: skip

    note = (
        "Call flow runs left to right, upstream → downstream. Numbers on links: distinct "
        "tracebacks (ids in data/diagram_edges.csv; the busiest links in the footnote table). "
        "Line width grows with tracebacks. Dotted boxes: hubs and merged providers."
    )
    annotations.append(
        {"text": note, "xref": "paper", "yref": "paper", "x": 0, "y": 0, "xanchor": "left",
         "yanchor": "top", "yshift": -58, "showarrow": False, "align": "left",
         "font": {"size": 9, "color": "#444444"}}
    )  # fmt: skip
    fig.update_layout(
        width=PAGE[0],
        height=PAGE[1],
        margin={**MARGIN, "autoexpand": False},
        font={"family": _FONT, "size": 11, "color": "#222222"},
        paper_bgcolor="white",
        plot_bgcolor="white",
        title={
            "text": f"<b>{title}</b><br><span style='font-size:11px'>{subtitle}</span>",
            "x": MARGIN["l"] / PAGE[0],
            "xanchor": "left",
            "y": 1 - 14 / PAGE[1],
            "yanchor": "top",
            "font": {"size": 15},
        },  # fmt: skip
        showlegend=True,
        legend={
            "orientation": "h",
            "x": 0,
            "xanchor": "left",
            "y": 0,
            "yanchor": "top",
            "font": {"size": 10},
            "itemsizing": "constant",
            "title": {"text": "<b>Marks</b>"},
        },  # fmt: skip
        shapes=shapes,
        annotations=annotations,
        hoverlabel={"align": "left"},
    )
    fig.update_xaxes(visible=False, range=[0, g.width], fixedrange=False)
    fig.update_yaxes(visible=False, range=[0, g.height], fixedrange=False)
    assert MARGIN["b"] >= STAMP_HEIGHT + 60
    add_stamp(fig, stamp, *page)
    return fig


def footnote_figure(
    diagram: Diagram,
    stamp: Stamp,
    *,
    top: int = 15,
    ids_shown: int = 24,
    page: tuple[int, int] = (2, 2),
) -> go.Figure:
    """Return the footnote page: the ``top`` busiest links with their supporting traceback ids.

    Each row: number, from, to, tracebacks, and the first ``ids_shown`` ids (sorted) with the
    count of the rest; every id is in ``data/diagram_edges.csv``.
    """
    names = diagram.nodes.set_index("node_id")["name"].astype(str)
    rows = footnote_rows(diagram, top=top, ids_shown=ids_shown)
    fig = go.Figure(
        go.Table(
            columnwidth=[30, 190, 190, 70, 520],
            header={
                "values": [
                    "<b>#</b>",
                    "<b>From (upstream)</b>",
                    "<b>To (downstream)</b>",
                    "<b>Tracebacks</b>",
                    "<b>Supporting traceback ids</b>",
                ],
                "fill_color": "#E8ECF2",
                "align": "left",
                "font": {"size": 10},
            },  # fmt: skip
            cells={
                "values": [
                    [r["rank"] for r in rows],
                    [names[r["source"]] for r in rows],
                    [names[r["target"]] for r in rows],
                    [r["tracebacks"] for r in rows],
                    [r["ids_text"] for r in rows],
                ],
                "align": "left",
                "font": {"size": 9},
                "height": 20,
            },
        )
    )
    fig.update_layout(
        width=PAGE[0],
        height=PAGE[1],
        margin={"l": 24, "r": 24, "t": 70, "b": 60, "autoexpand": False},
        font={"family": _FONT, "size": 10, "color": "#222222"},
        title={
            "text": "<b>Footnotes: the busiest links and the tracebacks behind them</b><br>"
            "<span style='font-size:11px'>Full id lists of every link: data/diagram_edges.csv "
            "(as drawn) and data/edges.csv (every provider pair)</span>",
            "x": 24 / PAGE[0],
            "xanchor": "left",
            "y": 1 - 14 / PAGE[1],
            "yanchor": "top",
            "font": {"size": 15},
        },  # fmt: skip
    )
    add_stamp(fig, stamp, *page)
    return fig


def footnote_rows(diagram: Diagram, *, top: int = 15, ids_shown: int = 24) -> list[dict[str, Any]]:
    """Return the footnote table's rows: busiest links first (ties by source, target)."""
    edges = diagram.edges.assign(_neg=-diagram.edges["tracebacks"])
    edges = edges.sort_values(["_neg", "source", "target"]).head(top)
    rows = []
    for rank, rec in enumerate(edges.to_dict("records"), start=1):
        ids = str(rec["traceback_ids"]).split(";")
        text = ", ".join(ids[:ids_shown])
        if len(ids) > ids_shown:
            text += f" … and {len(ids) - ids_shown} more"
        rows.append(
            {
                "rank": rank,
                "source": str(rec["source"]),
                "target": str(rec["target"]),
                "tracebacks": int(rec["tracebacks"]),
                "ids": ids[:ids_shown],
                "ids_text": text,
            }
        )
    return rows
