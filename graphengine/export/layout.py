"""Seeded, reproducible node coordinates for the exported diagrams (python-igraph layouts).

Two layouts, chosen by figure kind:

* :func:`force_layout` - force-directed (Fruchterman-Reingold) for ecosystem diagrams, seeded
  through ``random.seed`` (igraph's default RNG is Python's) and started from a deterministic
  circle, so that the same providers, edges and seed always give the same picture;
* :func:`layered_layout` - a left-to-right flow (Sugiyama crossing reduction within fixed
  layers) for traceback paths and provider neighbourhoods: upstream on the left, downstream on
  the right.

Coordinates are scaled into the unit square and rounded to 6 decimals so that the saved
``layout.json`` is byte-identical on a re-run.

Examples
--------
>>> import pandas as pd
>>> edges = pd.DataFrame({"source": ["a", "b"], "target": ["b", "c"], "tracebacks": [2, 1]})
>>> layered_layout({"a": -1, "b": 0, "c": 1}, edges)["a"]
(0.0, 0.5)
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence

import igraph as ig
import pandas as pd

__all__ = ["Coordinates", "force_layout", "layered_layout", "normalise", "spread"]

#: provider/node key -> (x, y) in the unit square.
Coordinates = dict[str, tuple[float, float]]


def normalise(raw: Mapping[str, Sequence[float]]) -> Coordinates:
    """Scale coordinates into [0, 1] on each axis (a constant axis maps to 0.5); round to 6 dp."""
    if not raw:
        return {}
    xs = [float(p[0]) for p in raw.values()]
    ys = [float(p[1]) for p in raw.values()]

    def scale(v: float, lo: float, hi: float) -> float:
        return 0.5 if math.isclose(hi, lo) else (v - lo) / (hi - lo)

    out = {
        k: (
            round(scale(float(p[0]), min(xs), max(xs)), 6),
            round(scale(float(p[1]), min(ys), max(ys)), 6),
        )
        for k, p in raw.items()
    }
    return dict(sorted(out.items()))


def spread(
    coords: Coordinates, min_gap: float, *, aspect: float = 1.5, rounds: int = 200
) -> Coordinates:
    """Push apart nodes closer than ``min_gap`` (unit-square distance, x stretched by ``aspect``).

    A deterministic overlap-removal pass run after the force layout: pairs are visited in key
    order and moved symmetrically along the line between them; coincident nodes are split along
    a direction fixed by their order. The result is renormalised into the unit square.
    """
    keys = sorted(coords)
    pos = {k: [coords[k][0] * aspect, coords[k][1]] for k in keys}
    for _ in range(rounds):
        moved = False
        for i, a in enumerate(keys):
            for j in range(i + 1, len(keys)):
                b = keys[j]
                dx, dy = pos[b][0] - pos[a][0], pos[b][1] - pos[a][1]
                dist = math.hypot(dx, dy)
                if dist >= min_gap:
                    continue
                if dist < 1e-9:
                    angle = 2 * math.pi * ((i * 7 + j * 13) % 17) / 17
                    dx, dy, dist = math.cos(angle), math.sin(angle), 1.0
                    push = min_gap / 2
                else:
                    push = (min_gap - dist) / 2
                ux, uy = dx / dist * push, dy / dist * push
                pos[a][0] -= ux
                pos[a][1] -= uy
                pos[b][0] += ux
                pos[b][1] += uy
                moved = True
        if not moved:
            break
    return normalise({k: (p[0] / aspect, p[1]) for k, p in pos.items()})


def _graph(keys: Sequence[str], edges: pd.DataFrame, directed: bool) -> ig.Graph:
    index = {k: i for i, k in enumerate(keys)}
    pairs = [
        (index[s], index[t])
        for s, t in zip(edges["source"].astype(str), edges["target"].astype(str), strict=True)
        if s in index and t in index and s != t
    ]
    weights = [
        math.log1p(float(w))
        for s, t, w in zip(
            edges["source"].astype(str),
            edges["target"].astype(str),
            edges["tracebacks"],
            strict=True,
        )
        if s in index and t in index and s != t
    ]
    g = ig.Graph(n=len(keys), edges=pairs, directed=directed)
    g.es["weight"] = weights
    return g


def force_layout(
    keys: Sequence[str], edges: pd.DataFrame, *, seed: int, niter: int = 1500
) -> Coordinates:
    """Return seeded Fruchterman-Reingold coordinates for ``keys``.

    Parameters
    ----------
    keys
        Node keys; sorted internally, so their order does not matter.
    edges
        Frame with ``source``, ``target`` and ``tracebacks``; heavier edges pull harder
        (weight ``log1p(tracebacks)``). Edges to unknown keys are ignored.
    seed
        Seed for igraph's random number generator.
    niter
        Iterations of the force simulation.

    Returns
    -------
    Coordinates
        ``{key: (x, y)}`` in the unit square, sorted by key.
    """
    ordered = sorted(set(keys))
    if len(ordered) <= 1:
        return {k: (0.5, 0.5) for k in ordered}
    g = _graph(ordered, edges, directed=False)
    start = [
        [math.cos(2 * math.pi * i / len(ordered)), math.sin(2 * math.pi * i / len(ordered))]
        for i in range(len(ordered))
    ]
    state = random.getstate()
    try:
        random.seed(seed)
        layout = g.layout_fruchterman_reingold(
            weights="weight" if g.ecount() else None, seed=start, niter=niter, grid="nogrid"
        )
    finally:
        random.setstate(state)  # do not disturb the caller's random stream
    coords = normalise(dict(zip(ordered, layout.coords, strict=True)))
    # keep markers (up to ~40 px on a ~700 px plot) from sitting on each other
    return spread(coords, min_gap=min(0.08, 0.6 / math.sqrt(len(ordered))))


def layered_layout(layers: Mapping[str, int], edges: pd.DataFrame) -> Coordinates:
    """Return left-to-right layered coordinates: ``x`` from the layer, ``y`` from crossing reduction.

    Parameters
    ----------
    layers
        ``{key: layer}``; any integers (negative for upstream). Smaller layers sit further left.
    edges
        Frame with ``source``, ``target``, ``tracebacks``.

    Returns
    -------
    Coordinates
        ``{key: (x, y)}`` in the unit square, sorted by key. Deterministic: the Sugiyama
        barycenter heuristic in igraph uses no randomness.
    """
    ordered = sorted(layers, key=lambda k: (layers[k], k))
    if not ordered:
        return {}
    low = min(layers.values())
    g = _graph(ordered, edges, directed=True)
    layout = g.layout_sugiyama(layers=[layers[k] - low for k in ordered], maxiter=200)
    coords = layout.coords[: len(ordered)]
    # igraph puts layers on y; turn it so that the call flows left to right, top row first.
    raw = {k: (float(layers[k]), -float(c[0])) for k, c in zip(ordered, coords, strict=True)}
    return normalise(raw)
