"""Call-flow layout for exhibits: role lanes left to right, one box per company, routed links.

The page is cut into four **lanes**, in call-flow order: foreign and originating providers,
gateways, intermediates, terminating carriers. Each provider sits in the lane of its dominant
role, except that every link must run left to right or stay within a lane: where links disagree
with the roles, the fewest hops are drawn away from their role's lane (:func:`assign_lanes`).

Within a lane, boxes are ordered to reduce crossings (Sugiyama style): a link that skips lanes
gets a *dummy slot* in every lane it passes, so it runs between boxes, never through one, and
twelve barycentre sweeps (down and up) order boxes and slots; the order with the fewest
crossings wins. Ties are broken by the current order, so the result is deterministic.

Boxes hold the full, wrapped name, so a name never sits on a link: links leave a box on its
right side and enter the next box on its left side, each at its own *port*; links within a lane
run in a channel to the right of the lane. The traceback count of each link is drawn in the
gap between lanes, on the link itself.

All coordinates are page pixels of the plot area: ``x`` to the right, ``y`` up, origin at the
bottom left.

Examples
--------
>>> assign_lanes({"a": [3, 0, 0, 0], "b": [0, 0, 2, 0], "c": [0, 3, 0, 0]}, [("a", "c"), ("c", "b")])
{'a': 0, 'b': 2, 'c': 1}
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import igraph as ig

from graphengine.export.textmetrics import LINE_HEIGHT, text_width, wrap

__all__ = [
    "LANES",
    "ROLE_LANE",
    "Geometry",
    "FlowNode",
    "FlowLayout",
    "assign_lanes",
    "box_lines",
    "flow_layout",
    "place_counts",
]

#: lane titles, left to right (call-flow order).
LANES: tuple[str, ...] = ("Foreign / originating", "Gateway", "Intermediate", "Terminating")
#: dominant role -> lane.
ROLE_LANE: Mapping[str, int] = {
    "foreign": 0,
    "originating": 0,
    "customer": 0,
    "gateway": 1,
    "intermediate": 2,
    "unknown": 2,
    "terminating": 3,
}

Box = tuple[float, float, float, float]  # x0, y0, x1, y1
Point = tuple[float, float]


@dataclass(frozen=True)
class Geometry:
    """Sizes of the plot area and its parts, in CSS pixels (96 per inch).

    The defaults fill a US Letter landscape page (11 x 8.5 in = 1056 x 816 px) less the margins
    that hold the title, legend and exhibit stamp.
    """

    width: float = 1008.0
    height: float = 606.0
    header: float = 22.0  # lane titles at the top of the plot area
    box_width: float = 172.0
    name_px: float = 11.0
    count_px: float = 9.0
    pad: float = 5.0
    marker_room: float = 15.0  # left of the text: the role marker
    gap: float = 9.0  # least vertical gap between two boxes
    slot: float = 3.0  # height of a dummy slot (a link passing through a lane)
    edge_label_px: float = 9.0

    @property
    def lane_gap(self) -> float:
        lanes = len(LANES)
        return (self.width - lanes * self.box_width) / (lanes - 1)

    def lane_x(self, lane: int) -> tuple[float, float]:
        """Return the left and right edge of ``lane``'s boxes."""
        x0 = lane * (self.box_width + self.lane_gap)
        return x0, x0 + self.box_width

    @property
    def text_width(self) -> float:
        return self.box_width - 2 * self.pad - self.marker_room


@dataclass
class FlowNode:
    """One box: id, lane, printed lines (name, then the count line) and its volume."""

    node_id: str
    lane: int
    name: str
    detail: str
    tracebacks: int
    lines: list[str] = field(default_factory=list)


@dataclass
class FlowLayout:
    """Where everything goes. ``routes`` and ``label_boxes`` are keyed by ``(source, target)``."""

    geometry: Geometry
    lanes: dict[str, int]
    order: dict[int, list[str]]
    boxes: dict[str, Box]
    lines: dict[str, list[str]]
    routes: dict[tuple[str, str], list[Point]]
    label_boxes: dict[tuple[str, str], Box]
    crossings: int

    def name_box(self, node_id: str) -> Box:
        """Return the box the name text occupies (inside the node's box)."""
        g = self.geometry
        x0, _, _, y1 = self.boxes[node_id]
        lines = self.lines[node_id]
        widest = max(text_width(line, g.name_px) for line in lines[:-1] or [""])
        widest = max(widest, text_width(lines[-1], g.count_px))
        height = len(lines) * g.name_px * LINE_HEIGHT
        tx = x0 + g.pad + g.marker_room
        return (tx, y1 - g.pad - height, tx + widest, y1 - g.pad)

    def record(self) -> dict[str, object]:
        """Return a JSON-ready description (``layout.json``)."""

        def r(v: float) -> float:
            return round(float(v), 2)

        return {
            "space": "page pixels of the plot area; x to the right, y up, origin bottom left",
            "plot_size": [r(self.geometry.width), r(self.geometry.height)],
            "lanes": list(LANES),
            "lane_of": dict(sorted(self.lanes.items())),
            "order": {str(k): v for k, v in sorted(self.order.items())},
            "boxes": {k: [r(c) for c in b] for k, b in sorted(self.boxes.items())},
            "routes": [
                {"source": s, "target": t, "points": [[r(x), r(y)] for x, y in pts]}
                for (s, t), pts in sorted(self.routes.items())
            ],
            "edge_label_boxes": [
                {"source": s, "target": t, "box": [r(c) for c in b]}
                for (s, t), b in sorted(self.label_boxes.items())
            ],
            "crossings": self.crossings,
        }


def assign_lanes(
    hops_per_lane: Mapping[str, Sequence[float]],
    edges: Sequence[tuple[str, str]],
    *,
    flat_penalty: float = 0.0,
) -> dict[str, int]:
    """Return ``{key: lane}`` so that every edge goes left to right or stays within a lane.

    ``hops_per_lane[key][i]`` counts the key's hops whose role belongs to lane ``i``. Among all
    assignments where every edge ``s -> t`` has ``lane(s) <= lane(t)``, this returns one that
    misplaces the fewest hop-lanes (``sum over hops of |lane - lane of the hop's role|``): an
    isotonic regression on the graph, solved exactly as one minimum cut per lane boundary (a
    closure problem). A provider that is a gateway on eight calls and originating on one stays
    a gateway; a provider with few, mixed hops gives way. Keys on a cycle share a lane.
    With ``flat_penalty`` > 0, a local pass then moves keys one lane where each link (one
    per entry of ``edges``, so pass one entry per traceback to weigh by tracebacks) that
    stops running within a lane saves ``flat_penalty`` misplaced hops.

    Examples
    --------
    >>> assign_lanes({"a": [3, 0, 0, 0], "b": [0, 0, 2, 0], "c": [0, 3, 0, 0]},
    ...              [("a", "c"), ("c", "b")])
    {'a': 0, 'b': 2, 'c': 1}
    >>> assign_lanes({"a": [0, 0, 5, 0], "b": [1, 0, 1, 0]}, [("a", "b")])
    {'a': 2, 'b': 2}
    """
    keys = sorted(hops_per_lane)
    if not keys:
        return {}
    index = {k: i for i, k in enumerate(keys)}
    pairs = sorted({(index[s], index[t]) for s, t in edges if s in index and t in index and s != t})
    big = 1.0 + 2.0 * sum(float(sum(hops_per_lane[k])) for k in keys)
    lane = dict.fromkeys(keys, 0)
    source, sink = len(keys), len(keys) + 1
    for boundary in range(1, len(LANES)):
        arcs: list[tuple[int, int]] = []
        caps: list[float] = []
        for k, i in index.items():
            counts = [float(c) for c in hops_per_lane[k]]
            arcs.append((source, i))  # cut when i stays below the boundary
            caps.append(sum(counts[boundary:]) + 1e-6)
            arcs.append((i, sink))  # cut when i is lifted above it
            caps.append(sum(counts[:boundary]) + 2e-6)  # ties stay below: links flow right
        for a, b in pairs:
            arcs.append((a, b))  # above the boundary, a's downstream must be too
            caps.append(big)
        g = ig.Graph(n=len(keys) + 2, edges=arcs, directed=True)
        cut = g.mincut(source, sink, capacity=caps)
        above = set(cut.partition[0]) if source in cut.partition[0] else set(cut.partition[1])
        for k, i in index.items():
            if i in above:
                lane[k] += 1
    return _unflatten(lane, hops_per_lane, edges, flat_penalty)


def _unflatten(
    lane: dict[str, int],
    hops_per_lane: Mapping[str, Sequence[float]],
    edges: Sequence[tuple[str, str]],
    flat_penalty: float,
) -> dict[str, int]:
    """Move keys one lane left or right where that turns links within a lane into links that
    flow right, for fewer misplaced hops than ``flat_penalty`` per link made to flow; keeps
    every link left to right. Deterministic (keys in order, at most ten rounds)."""
    if flat_penalty <= 0:
        return lane
    weight: dict[tuple[str, str], int] = {}
    for s, t in edges:
        if s != t and s in lane and t in lane:
            weight[(s, t)] = weight.get((s, t), 0) + 1
    succ: dict[str, list[tuple[str, int]]] = {}
    pred: dict[str, list[tuple[str, int]]] = {}
    for (s, t), w in weight.items():
        succ.setdefault(s, []).append((t, w))
        pred.setdefault(t, []).append((s, w))

    def cost(k: str, at: int) -> float:
        misplaced = sum(c * abs(at - i) for i, c in enumerate(hops_per_lane[k]))
        flat = sum(w for t, w in succ.get(k, []) if lane[t] == at)
        flat += sum(w for s, w in pred.get(k, []) if lane[s] == at)
        return misplaced + flat_penalty * flat

    for _ in range(10):
        moved = False
        for k in sorted(lane):
            lo = max((lane[s] for s, _ in pred.get(k, [])), default=0)
            hi = min((lane[t] for t, _ in succ.get(k, [])), default=len(LANES) - 1)
            here = cost(k, lane[k])
            for at in (lane[k] + 1, lane[k] - 1):
                if lo <= at <= hi and cost(k, at) < here - 1e-9:
                    lane[k] = at
                    moved = True
                    break
        if not moved:
            break
    return lane


def box_lines(name: str, detail: str, geometry: Geometry) -> list[str]:
    """Return the lines printed in a box: the wrapped full name, then ``detail``."""
    return [*wrap(name, geometry.text_width, geometry.name_px), detail]


def box_height(lines: Sequence[str], geometry: Geometry) -> float:
    """Return the height of a box holding ``lines`` (the last one in the small count font)."""
    g = geometry
    # plotly spaces every line of an annotation by the annotation's font size, small lines too
    return 2 * g.pad + len(lines) * g.name_px * LINE_HEIGHT


def _crossings(order: Mapping[int, list[str]], segs: Mapping[int, list[tuple[str, str]]]) -> int:
    total = 0
    for lane, pairs in segs.items():
        left = {k: i for i, k in enumerate(order[lane])}
        right = {k: i for i, k in enumerate(order[lane + 1])}
        pos = [(left[a], right[b]) for a, b in pairs]
        for i in range(len(pos)):
            for j in range(i + 1, len(pos)):
                if (pos[i][0] - pos[j][0]) * (pos[i][1] - pos[j][1]) < 0:
                    total += 1
    return total


def _sweep(
    order: dict[int, list[str]], segs: Mapping[int, list[tuple[str, str]]], lanes: int
) -> dict[int, list[str]]:
    """Barycentre ordering, twelve sweeps down and up; return the order with fewest crossings."""
    best = {k: list(v) for k, v in order.items()}
    best_cross = _crossings(best, segs)
    current = {k: list(v) for k, v in order.items()}
    for sweep in range(12):
        down = sweep % 2 == 0
        seq = range(1, lanes) if down else range(lanes - 2, -1, -1)
        for lane in seq:
            other = lane - 1 if down else lane + 1
            pos = {k: i for i, k in enumerate(current[other])}
            neigh: dict[str, list[int]] = {}
            for a, b in segs.get(min(lane, other), []):
                mine, theirs = (b, a) if down else (a, b)
                neigh.setdefault(mine, []).append(pos[theirs])
            here = current[lane]
            keyed = []
            for i, k in enumerate(here):
                ns = neigh.get(k)
                bary = sum(ns) / len(ns) if ns else float(i) * max(1, len(pos)) / max(1, len(here))
                keyed.append((bary, i, k))
            current[lane] = [k for _, _, k in sorted(keyed)]
        cross = _crossings(current, segs)
        if cross < best_cross:
            best, best_cross = {k: list(v) for k, v in current.items()}, cross
    return best


def flow_layout(
    nodes: Sequence[FlowNode],
    edges: Sequence[tuple[str, str, int]],
    geometry: Geometry | None = None,
) -> FlowLayout:
    """Lay out boxes in lanes and route every link; deterministic.

    Parameters
    ----------
    nodes
        The boxes, each with its lane (see :func:`assign_lanes`).
    edges
        ``(source, target, tracebacks)``; every edge must go left to right or stay in a lane.
    geometry
        Page sizes; a US Letter landscape plot area by default.

    Returns
    -------
    FlowLayout

    Raises
    ------
    ValueError
        When an edge goes right to left or names an unknown node.
    """
    g = geometry or Geometry()
    lane_of = {n.node_id: n.lane for n in nodes}
    lines = {n.node_id: n.lines or box_lines(n.name, n.detail, g) for n in nodes}
    heights = {k: box_height(v, g) for k, v in lines.items()}
    n_lanes = len(LANES)
    order: dict[int, list[str]] = {i: [] for i in range(n_lanes)}
    for n in sorted(nodes, key=lambda n: (-n.tracebacks, n.node_id)):
        order[n.lane].append(n.node_id)

    # split every edge into lane-to-lane segments through dummy slots
    chains: dict[tuple[str, str], list[str]] = {}
    segs: dict[int, list[tuple[str, str]]] = {}
    within: list[tuple[str, str]] = []
    for s, t, _ in sorted(edges):
        if s not in lane_of or t not in lane_of:
            raise ValueError(f"edge {s} -> {t} names a node that is not drawn")
        a, b = lane_of[s], lane_of[t]
        if b < a:
            raise ValueError(f"edge {s} -> {t} goes right to left (lane {a} -> {b})")
        if a == b:
            within.append((s, t))
            continue
        chain = [s]
        for lane in range(a + 1, b):
            dummy = f"\x00{s}\x00{t}\x00{lane}"
            order[lane].append(dummy)
            heights[dummy] = g.slot
            chain.append(dummy)
        chain.append(t)
        chains[(s, t)] = chain
        for u, v in zip(chain, chain[1:], strict=False):
            segs.setdefault(lane_of[u] if u in lane_of else _dummy_lane(u), []).append((u, v))
    order = _sweep(order, segs, n_lanes)
    crossings = _crossings(order, segs)

    # vertical placement: each lane stacked top-down, spare room spread evenly (capped)
    usable = g.height - g.header
    boxes: dict[str, Box] = {}
    for lane, items in order.items():
        if not items:
            continue
        needed = sum(heights[k] for k in items) + g.gap * (len(items) - 1)
        spare = max(0.0, usable - needed)
        extra = min(spare / (len(items) + 1), 40.0)
        top = usable - (spare - extra * (len(items) - 1)) / 2 if spare else usable
        x0, x1 = g.lane_x(lane)
        for k in items:
            h = heights[k]
            boxes[k] = (x0, top - h, x1, top)
            top -= h + g.gap + extra

    routes = _route(chains, within, boxes, lane_of, g)
    drawn = {k: b for k, b in boxes.items() if not k.startswith("\x00")}
    layout = FlowLayout(
        geometry=g,
        lanes=dict(lane_of),
        order={k: [i for i in v if not i.startswith("\x00")] for k, v in order.items()},
        boxes=drawn,
        lines=lines,
        routes=routes,
        label_boxes={},
        crossings=crossings,
    )
    place_counts(layout, {(s, t): int(w) for s, t, w in edges})
    return layout


def _dummy_lane(dummy: str) -> int:
    return int(dummy.rsplit("\x00", 1)[1])


def _ports(
    keys: Sequence[str], ends: Mapping[str, list[tuple[str, float]]], boxes: Mapping[str, Box]
) -> dict[tuple[str, str], float]:
    """Spread the links of each box over its side, ordered by the other end's height."""
    out: dict[tuple[str, str], float] = {}
    for key in keys:
        links = sorted(ends.get(key, []), key=lambda e: (-e[1], e[0]))
        x0, y0, x1, y1 = boxes[key]
        for i, (other, _) in enumerate(links):
            out[(key, other)] = y1 - (y1 - y0) * (i + 1) / (len(links) + 1)
    return out


def _route(
    chains: Mapping[tuple[str, str], list[str]],
    within: Sequence[tuple[str, str]],
    boxes: Mapping[str, Box],
    lane_of: Mapping[str, int],
    g: Geometry,
) -> dict[tuple[str, str], list[Point]]:
    def mid_y(k: str) -> float:
        return (boxes[k][1] + boxes[k][3]) / 2

    right: dict[str, list[tuple[str, float]]] = {}
    left: dict[str, list[tuple[str, float]]] = {}
    for (s, t), chain in chains.items():
        right.setdefault(s, []).append((f"o:{t}", mid_y(chain[1])))
        left.setdefault(t, []).append((f"i:{s}", mid_y(chain[-2])))
    for s, t in within:
        right.setdefault(s, []).append((f"o:{t}", mid_y(t)))
        right.setdefault(t, []).append((f"i:{s}", mid_y(s)))
    real = [k for k in boxes if not k.startswith("\x00")]
    out_port = _ports(real, right, boxes)
    in_port = _ports(real, left, boxes)

    routes: dict[tuple[str, str], list[Point]] = {}
    for (s, t), chain in chains.items():
        pts: list[Point] = [(boxes[s][2], out_port[(s, f"o:{t}")])]
        for dummy in chain[1:-1]:
            x0, y0, x1, y1 = boxes[dummy]
            y = (y0 + y1) / 2
            pts += [(x0, y), (x1, y)]
        pts.append((boxes[t][0], in_port[(t, f"i:{s}")]))
        routes[(s, t)] = pts
    # links within a lane run in vertical channels right of the lane; links whose spans do not
    # overlap share a channel (interval colouring, shortest spans nearest the boxes)
    channels: dict[int, list[list[tuple[float, float]]]] = {}
    spans = []
    for s, t in within:
        y_s, y_t = out_port[(s, f"o:{t}")], out_port[(t, f"i:{s}")]
        spans.append((abs(y_s - y_t), s, t, y_s, y_t))
    room = max(g.lane_gap - 44.0, 8.0)
    for _, s, t, y_s, y_t in sorted(spans):
        lane = lane_of[s]
        lo, hi = min(y_s, y_t) - 8.0, max(y_s, y_t) + 8.0  # room for the count label
        used = channels.setdefault(lane, [])
        free = [i for i, taken in enumerate(used) if all(hi <= a or lo >= b for a, b in taken)]
        j = free[0] if free else len(used)
        if not free:
            used.append([])
        used[j].append((lo, hi))
        xc = g.lane_x(lane)[1] + 22.0 + (j * 9.0) % room
        x_edge = boxes[s][2]
        routes[(s, t)] = [(x_edge, y_s), (xc, y_s), (xc, y_t), (x_edge, y_t)]
    return routes


def place_counts(
    layout: FlowLayout, counts: Mapping[tuple[str, str], int]
) -> dict[tuple[str, str], Box]:
    """Return a box for each link's count label, on the link, in a gap, clear of names.

    The label slides along the link's first piece in a gap (middle first, then outwards) and
    takes the first spot that overlaps no count already placed; when none is free it takes the
    middle. Labels never enter a lane column, so they never touch a name.
    """
    g = layout.geometry
    height = g.edge_label_px * LINE_HEIGHT
    placed: dict[tuple[str, str], Box] = {}
    lanes = [g.lane_x(i) for i in range(len(LANES))]

    def in_gap(box: Box) -> bool:
        return all(box[2] <= x0 - 1 or box[0] >= x1 + 1 for x0, x1 in lanes)

    def clash(box: Box) -> bool:
        # keep 2 px between counts, so "51" next to "10" never reads as "5110"
        wide = (box[0] - 2, box[1] - 1, box[2] + 2, box[3] + 1)
        return any(_overlap(wide, other) for other in placed.values())

    for key in sorted(counts, key=lambda k: (-counts[k], k)):
        pts = layout.routes[key]
        width = text_width(str(counts[key]), g.edge_label_px) + 4
        if len(pts) == 4 and math.isclose(pts[0][0], pts[3][0]):
            (ax, ay), (bx, by) = pts[1], pts[2]  # within a lane: the channel
        else:
            (ax, ay), (bx, by) = pts[0], pts[1]
        candidates = []
        for t in (
            0.5,
            0.35,
            0.65,
            0.25,
            0.75,
            0.42,
            0.58,
            0.15,
            0.85,
            0.3,
            0.7,
            0.2,
            0.8,
            0.1,
            0.9,
        ):
            cx, cy = ax + (bx - ax) * t, ay + (by - ay) * t
            box = (cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2)
            if in_gap(box):
                candidates.append(box)
        if not candidates:
            cx = (ax + bx) / 2
            cy = (ay + by) / 2
            candidates = [(cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2)]
        free = [b for b in candidates if not clash(b)]
        placed[key] = (free or candidates)[0]
    layout.label_boxes = placed
    return placed


def _overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
