"""Consensus ecosystems on a provider graph: :func:`partition_graph`.

The steps: hub candidates are found and their edges cut or down-weighted
(:mod:`~graphengine.ecosystems.hubs`); ``runs`` seeded runs give a consensus and a
per-provider stability (:mod:`~graphengine.ecosystems.consensus`); hubs are attached to the
ecosystem holding most of their traffic when one clearly does; ecosystems are relabelled
canonically (size descending, then smallest member key) so that ids are reproducible.

Examples
--------
>>> import igraph as ig
>>> from graphengine.ecosystems import partition_graph
>>> g = ig.Graph.Famous("Zachary")
>>> part = partition_graph(g, runs=5, seed=7, hub_handling="none")
>>> sorted(set(part.membership)) == list(range(1, part.n_ecosystems + 1))
True
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain
from typing import Any

import igraph as ig
import numpy as np
import pandas as pd

from graphengine.ecosystems.config import DetectionConfig, detection_config
from graphengine.ecosystems.consensus import components_of, refine, seeded_runs
from graphengine.ecosystems.hubs import (
    hub_candidates,
    hub_shares,
    hub_weights,
    strongest_ecosystem,
    treat_hub_edges,
)

__all__ = ["STATUSES", "Partition", "partition_graph"]

#: Values of the providers frame's ``status`` column.
STATUSES: tuple[str, ...] = (
    "member",
    "attached_hub",
    "attached_by_paths",
    "hub",
    "small",
    "isolated",
)


@dataclass
class Partition:
    """The outcome of :func:`partition_graph`, aligned with the graph's vertex ids.

    Attributes
    ----------
    membership : list of int
        Canonical ecosystem id per vertex (1 = largest), or ``0`` for no ecosystem.
    status : list of str
        One of :data:`STATUSES` per vertex.
    stability : numpy.ndarray
        Per-vertex stability in [0, 1]; NaN for vertices that took no part in detection.
    is_hub, hub_share, participation : numpy.ndarray
        Hub candidate flag, share of traffic to the strongest ecosystem and participation
        coefficient (1 - sum of squared shares) over ecosystems; NaN when undefined.
    co_assignment : pandas.DataFrame
        ``source``, ``target`` (vertex ids of the undirected detection graph's edges) and
        ``together``, the share of runs that put both ends in one community.
    quality : dict
        ``modularity`` of the consensus partition on the detection graph, and the number of
        ecosystems.
    degree : numpy.ndarray
        Distinct neighbours of each vertex (either direction, loops ignored).
    """

    membership: list[int]
    status: list[str]
    stability: np.ndarray
    is_hub: np.ndarray
    hub_share: np.ndarray
    participation: np.ndarray
    co_assignment: pd.DataFrame
    quality: dict[str, float]
    degree: np.ndarray

    @property
    def n_ecosystems(self) -> int:
        """Number of ecosystems (ids ``1..n``)."""
        return max(self.membership, default=0)


def _undirected(g: ig.Graph) -> ig.Graph:
    """Collapse reciprocal edges into one undirected edge whose weight is the sum."""
    u = g.copy()  # a C-level copy: cheaper than rebuilding from an edge list
    for attr in u.es.attributes():
        if attr != "weight":
            del u.es[attr]
    if "weight" not in u.es.attributes():
        u.es["weight"] = [1.0] * u.ecount()
    for attr in u.vs.attributes():
        del u.vs[attr]
    if u.is_directed():
        u.to_undirected(mode="collapse", combine_edges={"weight": "sum"})
    else:
        u.simplify(multiple=True, loops=False, combine_edges={"weight": "sum"})
    return u


def _edge_arrays(g: ig.Graph) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(ends, weights)``: an (m, 2) int array of endpoints and the float weights."""
    m = g.ecount()
    flat = np.fromiter(chain.from_iterable(g.get_edgelist()), dtype=np.int64, count=2 * m)
    weights = g.es["weight"] if "weight" in g.es.attributes() else [1.0] * m
    return flat.reshape(m, 2), np.asarray(weights, dtype=float)


def _graph(n: int, ends: np.ndarray, weights: np.ndarray, directed: bool = False) -> ig.Graph:
    return ig.Graph(
        n=n, edges=ends.tolist(), directed=directed, edge_attrs={"weight": weights.tolist()}
    )


def _degree(n: int, ends: np.ndarray) -> np.ndarray:
    """Distinct neighbours per vertex of an undirected simple edge list (loops ignored)."""
    proper = ends[ends[:, 0] != ends[:, 1]]
    return np.bincount(proper.ravel(), minlength=n).astype(np.int64)


def _cpm_quality(
    edges: np.ndarray, w: np.ndarray, membership: np.ndarray, resolution: float
) -> float:
    inside = membership[edges[:, 0]] == membership[edges[:, 1]]
    sizes = np.bincount(membership)
    return float(w[inside].sum() - resolution * (sizes * (sizes - 1) / 2).sum())


def partition_graph(
    graph: ig.Graph,
    config: DetectionConfig | None = None,
    *,
    terminating_share: np.ndarray | list[float] | None = None,
    n_campaigns: np.ndarray | list[int] | None = None,
    **options: Any,
) -> Partition:
    """Find consensus ecosystems on a provider graph (the engine under :func:`detect_ecosystems`).

    Parameters
    ----------
    graph : igraph.Graph
        Directed or undirected; the ``weight`` edge attribute is used when present.
    config : DetectionConfig, optional
        The detection options (defaults: :class:`DetectionConfig`); keyword ``options`` named
        like its fields override it (``partition_graph(g, runs=5, hub_handling="none")``).
        The fields that matter here:
    method : {"leiden", "louvain", "infomap"}
        Leiden (``objective`` and ``resolution`` apply), Louvain (igraph's multilevel, with
        ``resolution``) or Infomap (on the directed graph: call paths are flows; resolution
        does not apply).
    objective : {"modularity", "cpm"}
        Leiden's objective, always passed to igraph explicitly (igraph's own default, CPM at
        resolution 1, shatters a weighted graph into singletons).
    resolution : float
        Higher values give more, smaller ecosystems.
    runs : int
        Seeded runs behind the consensus (each with a seed derived from ``seed``).
    seed : int
        Master seed; the same graph, parameters and seed give the same partition.
    hub_handling : HubRule or {"detach", "downweight", "none"}
        Hub handling; see :class:`~graphengine.ecosystems.hubs.HubRule`.
    terminating_share, n_campaigns : array-like, optional
        Per-vertex share of terminating hops and number of distinct campaigns (from
        :mod:`graphengine.ecosystems.provider_roles`), used by the hub rule.
    min_size : int
        Communities with fewer providers get no ecosystem id (status ``small``).
    consensus_threshold : float
        Two neighbours share a consensus ecosystem when they were together in more than this
        share of the runs.
    split_threshold : float or None
        Modularity has a resolution limit: in a large graph it merges small communities
        that are only weakly tied (Fortunato and Barthelemy 2007). So each consensus
        ecosystem of at least ``2 * min_size`` providers is detected again on its own
        subgraph (same method and seeded consensus); when that split reaches a modularity
        of ``split_threshold`` (0.3, Newman and Girvan's mark of significant structure) the
        ecosystem is split, once. ``None`` turns this off; it never applies to CPM or Infomap.

    Returns
    -------
    Partition

    Raises
    ------
    ConfigError
        When a parameter is out of range.
    """
    cfg = detection_config(config, options)
    method, objective, resolution = cfg.method, cfg.objective, cfg.resolution
    runs, seed, min_size = cfg.runs, cfg.seed, cfg.min_size
    consensus_threshold, split_threshold = cfg.consensus_threshold, cfg.split_threshold
    rule = cfg.hubs
    n = graph.vcount()
    u = _undirected(graph)
    u_ends, u_w = _edge_arrays(u)
    degree = _degree(n, u_ends)
    share = None if terminating_share is None else np.asarray(terminating_share, dtype=float)
    campaigns = None if n_campaigns is None else np.asarray(n_campaigns, dtype=float)
    is_hub = hub_candidates(degree, share, rule, campaigns)

    # The detection graph: every vertex keeps its id; hub edges are cut or down-weighted.
    det_ends, det_w = treat_hub_edges(u_ends, u_w, is_hub, rule)
    det = _graph(n, det_ends, det_w) if rule.mode != "none" and is_hub.any() else u
    directed = None
    if method == "infomap":
        d_ends, d_w = treat_hub_edges(*_edge_arrays(graph), is_hub, rule)
        directed = _graph(n, d_ends, d_w, directed=graph.is_directed())

    members = np.array(
        seeded_runs(det, directed, method, objective, resolution, runs, seed), dtype=np.int64
    )
    proper = det_ends[:, 0] != det_ends[:, 1]
    src, dst, weight = det_ends[proper, 0], det_ends[proper, 1], det_w[proper]
    together = (members[:, src] == members[:, dst]).mean(axis=0) if len(src) else np.zeros(0)
    keep = together > consensus_threshold
    raw = components_of(det, np.flatnonzero(proper)[keep])
    refined = 0
    if split_threshold is not None and method != "infomap" and objective == "modularity":
        raw, together, refined = refine(
            det,
            raw,
            src,
            dst,
            together,
            method=method,
            resolution=resolution,
            runs=runs,
            seed=seed,
            min_size=min_size,
            split_threshold=split_threshold,
            consensus_threshold=consensus_threshold,
        )

    # Stability: weighted agreement of each vertex's incident pairs with the consensus.
    same = raw[src] == raw[dst]
    agree = np.where(same, together, 1.0 - together)
    num = np.bincount(src, weights=weight * agree, minlength=n) + np.bincount(
        dst, weights=weight * agree, minlength=n
    )
    den = np.bincount(src, weights=weight, minlength=n) + np.bincount(
        dst, weights=weight, minlength=n
    )
    stability = np.full(n, np.nan)
    stability[den > 0] = num[den > 0] / den[den > 0]

    # Hubs take no part in detection when detached: their consensus singleton is not a vote.
    sizes = np.bincount(raw, minlength=raw.max() + 1 if n else 0)
    in_det = ~is_hub if rule.mode == "detach" else np.ones(n, dtype=bool)
    eco_ok = sizes[raw] >= min_size if n else np.zeros(0, dtype=bool)
    label = np.where(in_det & eco_ok, raw, -1)
    if rule.mode == "detach":
        stability[is_hub] = np.nan

    hub_share, participation = np.full(n, np.nan), np.full(n, np.nan)
    if is_hub.any():
        traffic = hub_weights(u_ends, u_w, label, is_hub)
        hub_share, participation = hub_shares(traffic, n)
        attach = is_hub & (hub_share >= rule.attach_share)
        strongest = strongest_ecosystem(traffic, n)
        label = np.where(is_hub, np.where(attach, strongest, -1), label)
    membership = _canonical(label, [str(v) for v in _names(graph)])

    status = np.where(
        membership > 0,
        np.where(is_hub, "attached_hub", "member"),
        np.where(is_hub, "hub", np.where(degree > 0, "small", "isolated")),
    )
    modularity = float("nan")
    if det.ecount() and n:
        modularity = float(
            det.modularity(raw.tolist(), weights="weight", resolution=1.0, directed=False)
        )
    quality = {
        "modularity": modularity,
        "cpm_quality": _cpm_quality(det_ends, det_w, raw, resolution) if n else float("nan"),
        "n_ecosystems": float(membership.max(initial=0)),
        "n_split": float(refined),
    }
    co = pd.DataFrame({"source": src, "target": dst, "together": together})
    return Partition(
        membership=membership.tolist(),
        status=status.tolist(),
        stability=stability,
        is_hub=is_hub,
        hub_share=hub_share,
        participation=participation,
        co_assignment=co,
        quality=quality,
        degree=degree,
    )


def _names(graph: ig.Graph) -> list[Any]:
    if "name" in graph.vs.attributes():
        return list(graph.vs["name"])
    return [f"{i:012d}" for i in range(graph.vcount())]


def _canonical(label: np.ndarray, names: list[str]) -> np.ndarray:
    """Relabel ``label`` (-1 = none) to 1..k by size descending, then smallest member name."""
    out = np.zeros(len(label), dtype=np.int64)
    valid = label >= 0
    if not valid.any():
        return out
    labels, inv = np.unique(label[valid], return_inverse=True)
    sizes = np.bincount(inv)
    rank = np.empty(len(names), dtype=np.int64)
    rank[np.argsort(np.asarray(names, dtype=object), kind="stable")] = np.arange(len(names))
    first = np.full(len(labels), len(names), dtype=np.int64)
    np.minimum.at(first, inv, rank[valid])
    order = np.lexsort((first, -sizes))  # size descending, then smallest member name
    new = np.empty(len(labels), dtype=np.int64)
    new[order] = np.arange(1, len(labels) + 1)
    out[valid] = new[inv]
    return out
