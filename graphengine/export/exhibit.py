"""One call-flow exhibit (ecosystem or provider): the diagram page, the footnote page and its data.

Used by :mod:`graphengine.export.api` for the ``ecosystem`` and ``provider`` bundles, and by
:mod:`graphengine.figures` for inline notebook figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from graphengine.export.aggregate import Diagram, build_diagram, edge_ids, routed_roles
from graphengine.export.flow_figure import flow_figure, footnote_figure
from graphengine.export.flow_layout import LANES
from graphengine.export.stamp import Stamp

__all__ = ["Exhibit", "build_exhibit"]


@dataclass
class Exhibit:
    """The pages of an exhibit and the tables written next to them.

    ``nodes`` and ``edges`` keep every provider (with ``lane`` and ``drawn_as``; edges with
    ``traceback_ids``); ``diagram_nodes`` and ``diagram_edges`` are the boxes and links drawn.
    """

    figure: go.Figure
    footnotes: go.Figure
    diagram: Diagram
    nodes: pd.DataFrame
    edges: pd.DataFrame
    diagram_nodes: pd.DataFrame
    diagram_edges: pd.DataFrame
    layout: dict[str, Any]


def build_exhibit(
    nodes: pd.DataFrame,
    edges: pd.DataFrame,
    hops: pd.DataFrame,
    *,
    title: str,
    stamp: Stamp,
    hubs: str = "fade",
    focus: str | None = None,
    max_per_lane: int | None = None,
) -> Exhibit:
    """Build the exhibit of ``nodes``/``edges`` (provider tables with ``hub``).

    Parameters
    ----------
    nodes, edges
        Provider node and edge tables of everything the exhibit is about.
    hops
        Canonical hop frame (recounts and traceback ids).
    title
        Heading of the diagram page.
    stamp
        Exhibit stamp (both pages).
    hubs
        ``fade`` (dotted boxes), ``collapse`` (one box per lane), ``show`` (as any provider);
        ``hide`` must be applied to the tables before.
    focus
        Provider ringed and always drawn on its own.
    max_per_lane
        Cap on boxes per lane; by default what fits the page.

    Returns
    -------
    Exhibit
    """
    if hubs == "show":
        nodes = nodes.assign(hub=False)
    # every hop of the exhibit's providers (and so every link among them) is in these tracebacks
    touching = hops.loc[hops["provider_key"].isin(nodes["provider_key"]), "traceback_id"]
    hops = hops[hops["traceback_id"].isin(touching.unique())]
    routed = routed_roles(hops)  # once for the diagram and the data tables
    diagram = build_diagram(
        nodes,
        edges,
        hops,
        collapse_hubs=hubs == "collapse",
        focus=focus,
        max_per_lane=max_per_lane,
        routed=routed,
    )
    shown = len(diagram.nodes)
    merged = int((diagram.nodes["kind"] != "provider").sum())
    subtitle = (
        f"{len(nodes)} providers in {shown} boxes"
        + (f" ({merged} merged boxes: the rest of a lane, or its hubs)" if merged else "")
        + f" · {len(diagram.edges)} links · lanes: {' → '.join(LANES)}"
    )
    names = {str(k): str(v) for k, v in zip(nodes["provider_key"], nodes["name"], strict=True)}
    figure = flow_figure(
        diagram, title, subtitle, stamp, page=(1, 2), fade_hubs=hubs == "fade", names=names
    )
    footnotes = footnote_figure(diagram, stamp, page=(2, 2))
    name_of = diagram.nodes.set_index("node_id")["name"].astype(str)
    diagram_edges = diagram.edges.assign(
        source_name=diagram.edges["source"].map(name_of),
        target_name=diagram.edges["target"].map(name_of),
    )[["source", "target", "source_name", "target_name", "tracebacks", "traceback_ids"]]
    keys = nodes["provider_key"].astype(str)
    data_nodes = nodes.assign(
        lane=[LANES[diagram.lanes[k]] if k in diagram.lanes else "" for k in keys],
        drawn_as=[diagram.drawn_as.get(k, "") for k in keys],
    )
    data_edges = edges.assign(traceback_ids=edge_ids(hops, edges, routed))
    record = {
        "algorithm": "call-flow lanes (role, left to right), barycentre crossing reduction "
        "with dummy slots for links that skip lanes; aggregation to fit a Letter page",
        "seed": None,
        **diagram.layout.record(),
    }
    return Exhibit(
        figure=figure,
        footnotes=footnotes,
        diagram=diagram,
        nodes=data_nodes,
        edges=data_edges,
        diagram_nodes=diagram.nodes,
        diagram_edges=diagram_edges,
        layout=record,
    )
