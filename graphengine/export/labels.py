"""Greedy label placement, so that node labels stay legible at ~60 nodes on a printed page.

Plotly does not move text labels out of each other's way. Before a figure is drawn, every
label is tried at eight positions around its node, most important node first (by traceback
count), and placed at the first position whose estimated text box overlaps no node and no
label already placed and stays inside the plot. A label that fits nowhere is left off the
drawing; the name stays in the hover text and in ``nodes.csv``. The result depends only on
the coordinates and the texts, so it is deterministic.

Examples
--------
>>> place_labels({"a": (100.0, 100.0), "b": (104.0, 100.0)}, {"a": 5.0, "b": 5.0},
...              {"a": "Alpha", "b": "Beta"}, ["a", "b"], font_px=10, bounds=(400.0, 300.0))
{'a': 'top center', 'b': 'bottom center'}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

__all__ = ["POSITIONS", "place_labels", "text_box"]

#: plotly ``textposition`` values, in order of preference.
POSITIONS: tuple[str, ...] = (
    "top center",
    "bottom center",
    "middle right",
    "middle left",
    "top right",
    "top left",
    "bottom right",
    "bottom left",
)

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in pixels, y up
Segment = tuple[tuple[float, float], tuple[float, float]]

#: average glyph width of the sans-serif figure font, as a share of the font size.
_CHAR_WIDTH = 0.6


def text_box(x: float, y: float, radius: float, text: str, position: str, font_px: float) -> Box:
    """Return the estimated pixel box of ``text`` drawn at ``position`` around a node."""
    lines = text.split("<br>")
    width = max(len(line) for line in lines) * _CHAR_WIDTH * font_px
    height = len(lines) * font_px * 1.25
    gap = radius + 2.0
    vertical, horizontal = position.split(" ")
    if horizontal == "center":
        x0 = x - width / 2
    elif horizontal == "right":
        x0 = x + (gap if vertical == "middle" else radius * 0.7)
    else:
        x0 = x - width - (gap if vertical == "middle" else radius * 0.7)
    if vertical == "top":
        y0 = y + gap
    elif vertical == "bottom":
        y0 = y - gap - height
    else:
        y0 = y - height / 2
    return (x0, y0, x0 + width, y0 + height)


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _crosses(box: Box, segment: Segment) -> bool:
    """Liang-Barsky clipping: does the segment pass through the box?"""
    (x0, y0), (x1, y1) = segment
    dx, dy = x1 - x0, y1 - y0
    low, high = 0.0, 1.0
    for p, q in ((-dx, x0 - box[0]), (dx, box[2] - x0), (-dy, y0 - box[1]), (dy, box[3] - y0)):
        if p == 0:
            if q < 0:
                return False
            continue
        t = q / p
        if p < 0:
            low = max(low, t)
        else:
            high = min(high, t)
        if low > high:
            return False
    return True


def place_labels(
    points: Mapping[str, tuple[float, float]],
    radii: Mapping[str, float],
    texts: Mapping[str, str],
    order: Sequence[str],
    *,
    font_px: float,
    bounds: tuple[float, float],
    segments: Sequence[Segment] = (),
) -> dict[str, str | None]:
    """Choose a text position for every node, or ``None`` when its label cannot fit.

    Parameters
    ----------
    points
        Node centres in pixels of the plot area (origin bottom left).
    radii
        Marker radius of each node in pixels.
    texts
        Label text per node; ``<br>`` separates lines.
    order
        Keys in placement priority (most important first).
    font_px
        Label font size.
    bounds
        Width and height of the plot area in pixels.
    segments
        Edge lines in pixels; a position that crosses none is preferred, but a label may
        cross an edge when no other place is free.

    Returns
    -------
    dict
        ``{key: position or None}`` for every key of ``order``.
    """
    obstacles: list[Box] = [
        (x - radii[k], y - radii[k], x + radii[k], y + radii[k]) for k, (x, y) in points.items()
    ]
    placed: list[Box] = []
    result: dict[str, str | None] = {}
    for key in order:
        x, y = points[key]
        result[key] = None
        free = []
        for position in POSITIONS:
            box = text_box(x, y, radii[key], texts[key], position, font_px)
            inside = box[0] >= 0 and box[1] >= 0 and box[2] <= bounds[0] and box[3] <= bounds[1]
            if not inside:
                continue
            if any(_overlaps(box, other) for other in placed):
                continue
            if any(_overlaps(box, other) for other in obstacles):
                continue
            free.append((position, box))
        if not free:
            continue
        clear = [(p, b) for p, b in free if not any(_crosses(b, s) for s in segments)]
        position, box = (clear or free)[0]
        placed.append(box)
        result[key] = position
    return result
