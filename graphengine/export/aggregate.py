"""What a call-flow exhibit draws: providers in lanes, aggregated until the page stays readable.

A Letter page holds about ten boxes per lane with full names at 8 pt (the exact number depends
on how many lines the names wrap to, and on the links passing through a lane). Above that, the
exhibit **aggregates instead of shrinking**: each lane keeps its busiest providers (most
tracebacks) and merges the rest into one box "+K others (N tracebacks)"; hubs merge into one box
per lane. Links are recounted from the routed hops as distinct tracebacks between the boxes, and
each keeps the sorted list of its traceback ids. Links inside one merged box are not drawn (they
stay in ``edges.csv``, which, like ``nodes.csv``, keeps every provider).

Examples
--------
>>> others_id(2), hubs_id(3)
('__others_2__', '__hubs_3__')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from graphengine.errors import SchemaError
from graphengine.export.flow_layout import (
    LANES,
    ROLE_LANE,
    FlowLayout,
    FlowNode,
    Geometry,
    assign_lanes,
    box_height,
    box_lines,
    flow_layout,
)
from graphengine.schema import routed_edges

__all__ = ["Diagram", "build_diagram", "edge_ids", "hubs_id", "others_id", "routed_roles"]


def others_id(lane: int) -> str:
    """Return the node id of lane ``lane``'s "+K others" box."""
    return f"__others_{lane}__"


def hubs_id(lane: int) -> str:
    """Return the node id of lane ``lane``'s merged hub box."""
    return f"__hubs_{lane}__"


@dataclass
class Diagram:
    """The drawn boxes and links, their layout, and how providers map onto boxes.

    ``nodes`` columns: ``node_id, name, role, lane, tracebacks, kind`` (provider, others, hubs),
    ``members`` (';'-joined provider keys), ``hub``, ``focus``. ``edges`` columns: ``source,
    target, tracebacks, traceback_ids`` (';'-joined, sorted). ``drawn_as`` maps every provider
    key to its box; ``lanes`` every provider key to its lane.
    """

    nodes: pd.DataFrame
    edges: pd.DataFrame
    layout: FlowLayout
    drawn_as: dict[str, str]
    lanes: dict[str, int]
    aggregated: bool


def edge_ids(
    hops: pd.DataFrame, edges: pd.DataFrame, routed: pd.DataFrame | None = None
) -> pd.Series:
    """Return the sorted, ';'-joined traceback ids supporting each row of ``edges`` (same index).

    ``edges`` has ``source`` and ``target`` provider keys; ids come from the routed hops
    (``routed``: :func:`routed_roles` of ``hops`` when the caller has it already).
    """
    routed = _only_pairs(routed_roles(hops) if routed is None else routed, edges)
    grouped = (
        routed[["traceback_id", "upstream_key", "downstream_key"]]
        .astype({"traceback_id": str})
        .drop_duplicates()
        .groupby(["upstream_key", "downstream_key"], sort=False)["traceback_id"]
        .agg(lambda s: ";".join(sorted(set(s))))
    )
    pairs = list(zip(edges["source"].astype(str), edges["target"].astype(str), strict=True))
    return pd.Series([grouped.get(p, "") for p in pairs], index=edges.index, dtype=object)


def routed_roles(hops: pd.DataFrame) -> pd.DataFrame:
    """:func:`graphengine.schema.routed_edges` of ``hops`` with the role of each end
    (``upstream_role``, ``downstream_role``), taken by position rather than by two merges."""
    try:
        return routed_edges(hops, extra=("role",))
    except SchemaError:
        # repeated (traceback, hop) rows, which the loaders never produce: the first role of
        # each pair, as the merge on (traceback_id, hop) of earlier versions took
        routed = routed_edges(hops)
        roles = hops[["traceback_id", "hop", "role"]].drop_duplicates(["traceback_id", "hop"])
        down = routed.merge(roles, on=["traceback_id", "hop"], how="left")["role"]
        up = routed.assign(hop=routed["hop"] + 1).merge(
            roles, on=["traceback_id", "hop"], how="left"
        )["role"]
        return routed.assign(upstream_role=up.to_numpy(), downstream_role=down.to_numpy())


def _only_pairs(routed: pd.DataFrame, edges: pd.DataFrame) -> pd.DataFrame:
    """Routed hops whose (upstream, downstream) is a row of ``edges`` (a join, not a loop)."""
    pairs = pd.DataFrame(
        {"upstream_key": edges["source"].astype(str), "downstream_key": edges["target"].astype(str)}
    ).drop_duplicates()
    routed = routed.astype({"upstream_key": str, "downstream_key": str})
    return routed.merge(pairs, on=["upstream_key", "downstream_key"], how="inner")


def _role_lanes(roles: pd.Series) -> pd.Series:
    """Lane of each role (:data:`ROLE_LANE`; unknown or missing: intermediate)."""
    return roles.astype(object).map(ROLE_LANE).fillna(2).astype("int64")


def _detail(count: int) -> str:
    return f"{count:,} traceback{'s' if count != 1 else ''}"


def build_diagram(
    nodes: pd.DataFrame,
    edges: pd.DataFrame,
    hops: pd.DataFrame,
    *,
    collapse_hubs: bool,
    focus: str | None = None,
    geometry: Geometry | None = None,
    max_per_lane: int | None = None,
    routed: pd.DataFrame | None = None,
) -> Diagram:
    """Choose the boxes and links of an exhibit and lay them out on one page.

    Parameters
    ----------
    nodes, edges
        Provider node table (with ``hub``) and edge table of everything the exhibit is about.
    hops
        Canonical hop frame: links are recounted from it as distinct tracebacks.
    collapse_hubs
        Merge the hubs of each lane into one box even when everything fits.
    focus
        A provider that is always drawn on its own (the subject of a neighbourhood).
    geometry
        Page sizes (US Letter landscape by default).
    max_per_lane
        Most boxes per lane; by default as many as fit the page.
    routed
        :func:`routed_roles` of ``hops``, when the caller has it already.

    Returns
    -------
    Diagram
    """
    g = geometry or Geometry()
    keys = [str(k) for k in nodes["provider_key"]]
    role = dict(zip(keys, nodes["role"].astype(str), strict=True))
    name = dict(zip(keys, nodes["name"].astype(str), strict=True))
    hub = {k: bool(v) and k != focus for k, v in zip(keys, nodes["hub"], strict=True)}
    routed = _routed_units(routed_roles(hops) if routed is None else routed, edges, hub)
    provider_of = _units(keys, hub, routed)
    tb_of = _unit_tracebacks(hops, routed, provider_of, hub)
    volume = {u: len(tb_of.get(u, set())) for u in provider_of}
    unit_pairs = list(zip(routed["up_unit"], routed["down_unit"], strict=True))
    # a link drawn within a lane reads worse than a hop drawn one lane off its role
    lanes = assign_lanes(
        _hops_per_lane(hops, routed, provider_of, hub), unit_pairs, flat_penalty=2.0
    )
    units = sorted(provider_of)
    name = {
        u: name[k] if u == k else f"{name[k]} (as {LANES[lanes[u]].lower()})"
        for u, k in provider_of.items()
    }
    hub = {u: hub.get(k, False) for u, k in provider_of.items()}
    role = {u: role[provider_of[u]] for u in units}
    routed = routed.drop(columns=["upstream_key", "downstream_key"]).rename(
        columns={"up_unit": "upstream_key", "down_unit": "downstream_key"}
    )
    keys = units

    by_lane: dict[int, list[str]] = {i: [] for i in range(len(LANES))}
    tb_series = pd.Series({u: tb_of.get(u, set()) for u in keys}, dtype=object)
    for k in sorted(keys, key=lambda k: (k != focus, -volume[k], k)):
        by_lane[lanes[k]].append(k)
    # first guess of what fits: box heights against the lane height (links need room too)
    usable = (g.height - g.header) * 0.85
    cap: dict[int, int] = {}
    for lane, members in by_lane.items():
        used, n = 0.0, 0
        for k in members:
            used += box_height(box_lines(name[k], _detail(volume[k]), g), g) + g.gap
            if used > usable:
                break
            n += 1
        cap[lane] = n if n == len(members) else max(1, n - 1)
        if max_per_lane is not None:
            cap[lane] = min(cap[lane], max_per_lane)
    collapse = collapse_hubs
    while True:
        aggregated = any(cap[lane] < len(m) for lane, m in by_lane.items())
        merge_hubs = collapse or aggregated
        drawn_as: dict[str, str] = {}
        for lane, members in by_lane.items():
            singles = [k for k in members if not (merge_hubs and hub[k])]
            hubs = [k for k in members if merge_hubs and hub[k]]
            room = cap[lane] - (1 if hubs else 0)
            kept = (
                singles
                if len(singles) <= room
                else singles[: max(room - 1, 1 if focus in singles else 0)]
            )
            for k in singles:
                drawn_as[k] = k if k in kept else others_id(lane)
            for k in hubs:
                drawn_as[k] = hubs_id(lane)
        diagram_nodes, diagram_edges = _tables(
            drawn_as, lanes, role, name, volume, hub, tb_series, routed, focus, provider_of
        )
        flow_nodes = [
            FlowNode(
                node_id=r["node_id"],
                lane=int(r["lane"]),
                name=r["name"],
                detail=r["detail"],
                tracebacks=int(r["tracebacks"]),
            )
            for r in diagram_nodes.to_dict("records")
        ]
        layout = flow_layout(
            flow_nodes,
            [
                (s, t, int(w))
                for s, t, w in zip(
                    diagram_edges["source"],
                    diagram_edges["target"],
                    diagram_edges["tracebacks"],
                    strict=True,
                )
            ],
            g,
        )
        over = _overflowing(layout)
        if not over:
            break
        changed = False
        for lane in over:
            if cap[lane] > 2:
                cap[lane] -= 1
                changed = True
        if not changed:
            break  # nothing left to merge: draw what we have (boxes run off the page)
    boxes_of: dict[str, list[str]] = {}
    lanes_of: dict[str, int] = {}
    for unit, box in sorted(drawn_as.items()):
        k = provider_of[unit]
        if box not in boxes_of.setdefault(k, []):
            boxes_of[k].append(box)
        lanes_of.setdefault(k, lanes[unit])
    return Diagram(
        nodes=diagram_nodes.drop(columns="detail"),
        edges=diagram_edges,
        layout=layout,
        drawn_as={k: ";".join(v) for k, v in boxes_of.items()},
        lanes=lanes_of,
        aggregated=aggregated,
    )


def _hops_per_lane(
    hops: pd.DataFrame,
    routed: pd.DataFrame,
    provider_of: Mapping[str, str],
    hub: Mapping[str, bool],
) -> dict[str, list[float]]:
    """Hops of each unit per lane of their role: all hops of a provider; a hub unit's own."""
    wanted = {k for k in provider_of.values() if not hub.get(k, False)}
    mine = hops.loc[hops["provider_key"].isin(wanted), ["provider_key", "role"]]
    counts = pd.crosstab(mine["provider_key"].astype(str), _role_lanes(mine["role"]))
    # routed rows touching each unit (a row from a unit to itself counts once)
    ups = routed["up_unit"].value_counts()
    downs = routed["down_unit"].value_counts()
    loops = routed.loc[routed["up_unit"] == routed["down_unit"], "up_unit"].value_counts()
    out: dict[str, list[float]] = {}
    for unit, k in provider_of.items():
        if hub.get(k, False):
            lane = int(unit.rsplit("@", 1)[1])
            n = float(ups.get(unit, 0) + downs.get(unit, 0) - loops.get(unit, 0))
            out[unit] = [n if i == lane else 0.0 for i in range(len(LANES))]
        else:
            row = counts.loc[k] if k in counts.index else pd.Series(dtype=float)
            out[unit] = [float(row.get(i, 0.0)) for i in range(len(LANES))]  # type: ignore[arg-type]
    return out


def _routed_units(
    routed: pd.DataFrame, edges: pd.DataFrame, hub: Mapping[str, bool]
) -> pd.DataFrame:
    """Routed hops of the exhibit's links (``routed``: :func:`routed_roles`), each end named by
    its unit (hubs split by hop role)."""
    routed = _only_pairs(routed, edges).astype({"traceback_id": str}).reset_index(drop=True)
    down = _role_lanes(routed["downstream_role"])
    up = _role_lanes(routed["upstream_role"])

    def units(keys: pd.Series, lanes: pd.Series) -> list[str]:
        return [
            f"{k}@{int(lane)}" if hub.get(k, False) else k
            for k, lane in zip(keys.astype(str), lanes, strict=True)
        ]

    ups = units(routed["upstream_key"], up)
    downs = units(routed["downstream_key"], down)
    out = routed.drop(columns=["upstream_role", "downstream_role"])
    return out.assign(up_unit=ups, down_unit=downs)


def _units(keys: list[str], hub: Mapping[str, bool], routed: pd.DataFrame) -> dict[str, str]:
    """Return ``{unit: provider key}``: a provider, or one hub in one lane (``key@lane``)."""
    provider_of = {k: k for k in keys if not hub[k]}
    for col in ("up_unit", "down_unit"):
        for unit in routed[col].unique():
            if unit not in provider_of:
                provider_of[str(unit)] = str(unit).rsplit("@", 1)[0]
    return provider_of


def _unit_tracebacks(
    hops: pd.DataFrame,
    routed: pd.DataFrame,
    provider_of: Mapping[str, str],
    hub: Mapping[str, bool],
) -> dict[str, set[str]]:
    """Traceback ids per unit: all of a provider's; for a hub unit, those of its lane's links."""
    out: dict[str, set[str]] = {}
    hub_units = {u for u, k in provider_of.items() if hub.get(k, False)}
    for col in ("up_unit", "down_unit"):
        # only hub units keep the ids of their links; a provider's are all its tracebacks
        of_hubs = routed.loc[routed[col].isin(hub_units), [col, "traceback_id"]]
        for unit, ids in of_hubs.groupby(col)["traceback_id"]:
            out.setdefault(str(unit), set()).update(ids)
    wanted = {k for u, k in provider_of.items() if u not in hub_units}
    own = hops.loc[hops["provider_key"].isin(wanted), ["provider_key", "traceback_id"]]
    own = own.drop_duplicates()
    by_key = {
        str(key): set(map(str, ids.unique()))
        for key, ids in own.groupby("provider_key")["traceback_id"]
    }
    for unit, key in provider_of.items():
        if unit not in hub_units:
            out[unit] = set(by_key.get(key, set()))
    return out


def _overflowing(layout: FlowLayout) -> list[int]:
    return sorted({layout.lanes[k] for k, b in layout.boxes.items() if b[1] < -0.5})


def _tables(
    drawn_as: Mapping[str, str],
    lanes: Mapping[str, int],
    role: Mapping[str, str],
    name: Mapping[str, str],
    volume: Mapping[str, int],
    hub: Mapping[str, bool],
    tb_of: pd.Series,
    routed: pd.DataFrame,
    focus: str | None,
    provider_of: Mapping[str, str],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    members: dict[str, list[str]] = {}
    for k, node in drawn_as.items():
        members.setdefault(node, []).append(k)
    rows = []
    for node, keys in sorted(members.items()):
        keys = sorted(keys)
        ids: set[str] = set()
        for k in keys:
            ids |= tb_of.get(k, set())
        count = len(ids)
        lane = lanes[keys[0]]
        if node.startswith("__others_"):
            kind, label = (
                "others",
                f"+{len({provider_of[k] for k in keys})} others ({count:,} tracebacks)",
            )
            detail, node_role = "merged: see nodes.csv", "others"
        elif node.startswith("__hubs_"):
            n_hubs = len({provider_of[k] for k in keys})
            kind, label = "hubs", f"{n_hubs} hub provider{'s' if n_hubs > 1 else ''}"
            detail, node_role = _detail(count), "hub"
        else:
            kind, label, detail, node_role = "provider", name[node], _detail(count), role[node]
        rows.append(
            {
                "node_id": node,
                "name": label,
                "detail": detail,
                "role": node_role,
                "lane": lane,
                "tracebacks": count,
                "kind": kind,
                "members": ";".join(sorted({provider_of[k] for k in keys})),
                "hub": kind == "hubs" or (kind == "provider" and hub[node]),
                "focus": node == focus,
            }
        )
    nodes = pd.DataFrame(rows)
    mapped = pd.DataFrame(
        {
            "source": routed["upstream_key"].map(drawn_as),
            "target": routed["downstream_key"].map(drawn_as),
            "traceback_id": routed["traceback_id"].astype(str),
        }
    )
    mapped = mapped[mapped["source"] != mapped["target"]]
    grouped = mapped.groupby(["source", "target"], sort=True)["traceback_id"]
    edges = pd.DataFrame(
        {
            "tracebacks": grouped.nunique().astype("int64"),
            "traceback_ids": grouped.agg(lambda s: ";".join(sorted(set(s)))),
        }
    ).reset_index()
    if edges.empty:
        edges = pd.DataFrame(
            {
                "source": [],
                "target": [],
                "tracebacks": pd.Series([], dtype="int64"),
                "traceback_ids": [],
            }
        )
    return nodes, edges
