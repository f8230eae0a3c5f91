"""Ecosystem mapping: stable communities of providers that carry each other's robocalls.

:func:`detect_ecosystems` turns canonical frames into ecosystems in four steps:

1. build the weighted directed provider graph (:mod:`graphengine.graph`);
2. **hub handling** (:class:`HubRule`): terminating carriers and national transit carriers
   touch every ecosystem and would glue them together, so they are found *before* detection
   and either detached (the default) or down-weighted;
3. **consensus**: ``runs`` seeded runs of Leiden, Louvain or Infomap; the share of runs in
   which the two ends of each edge land together (a sparse co-assignment over the edges) gives
   the consensus partition (pairs together in a majority of runs, joined transitively) and a
   per-provider **stability**;
4. hubs are attached to the ecosystem that holds most of their traffic when one clearly does,
   otherwise they stay hubs with no ecosystem; ecosystems are relabelled canonically (size
   descending, then smallest member key) so that ids are reproducible.

The seed, every parameter and the library versions are recorded in ``EcosystemResult.params``.
``docs/ecosystems.md`` explains the choices.

Examples
--------
>>> import igraph as ig
>>> from graphengine.ecosystems import partition_graph
>>> g = ig.Graph.Famous("Zachary")
>>> part = partition_graph(g, runs=5, seed=7, hubs="none")
>>> sorted(set(part.membership)) == list(range(1, part.n_ecosystems + 1))
True
"""

from __future__ import annotations

import html
import platform
import random
from dataclasses import asdict, dataclass, field
from itertools import chain
from typing import Any, Literal

import igraph as ig
import numpy as np
import pandas as pd

from graphengine.errors import ConfigError

__all__ = [
    "DEFAULT_SEED",
    "LEIDEN_ITERATIONS",
    "METHODS",
    "OBJECTIVES",
    "HUB_MODES",
    "STATUSES",
    "HubRule",
    "Partition",
    "EcosystemResult",
    "detect_ecosystems",
    "partition_graph",
    "resolution_scan",
    "write_back_ecosystems",
]

METHODS: tuple[str, ...] = ("leiden", "louvain", "infomap")
OBJECTIVES: tuple[str, ...] = ("modularity", "cpm")
HUB_MODES: tuple[str, ...] = ("detach", "downweight", "none")
#: Values of the providers frame's ``status`` column.
STATUSES: tuple[str, ...] = ("member", "attached_hub", "hub", "small", "isolated")

DEFAULT_SEED = 42
#: Leiden iterations per run (igraph's default). Iterating to convergence (-1) costs 2-3x the
#: time; the consensus over the runs absorbs the difference.
LEIDEN_ITERATIONS = 2


@dataclass(frozen=True)
class HubRule:
    """How hubs (terminating and national transit carriers) are found and handled.

    A provider is a hub **candidate** when any of these holds:

    * at least ``terminating_share`` of its hop rows are terminating (the victim's carrier sits
      at the end of every ecosystem's paths);
    * its **campaign breadth** is an outlier: ``log(1 + distinct campaigns)`` lies more than
      ``campaign_z`` robust standard deviations (1.4826 x MAD) above the median over connected
      providers. An ecosystem runs a few campaigns; a national transit carrier or a shared
      foreign wholesaler carries nearly all of them;
    * its **neighbour breadth** is an outlier: ``log(1 + distinct neighbours)`` above
      ``degree_z`` robust standard deviations (the fallback when campaigns are not labelled).

    Robust z-scores are scale-free, so the same rule serves 700 or 70,000 providers.

    Parameters
    ----------
    mode : {"detach", "downweight", "none"}
        ``detach`` (default) detects ecosystems without the candidates' edges, then attaches
        them; ``downweight`` keeps their edges with the weight multiplied by ``weight_factor``;
        ``none`` turns hub handling off (plain detection, every provider is an ordinary one).
    terminating_share : float
        Share of terminating hops that makes a provider a terminating carrier.
    campaign_z : float
        Robust z-score of log campaign count above which a provider is a hub.
    degree_z : float
        Robust z-score of log-degree above which a provider is a hub (3.5 is the
        Iglewicz-Hoaglin outlier cut-off).
    attach_share : float
        After detection, a candidate joins the ecosystem holding at least this share of its
        traffic to ecosystem members (status ``attached_hub``); otherwise it stays a ``hub``
        with no ecosystem.
    weight_factor : float
        Multiplier of hub edges in ``downweight`` mode.
    """

    mode: Literal["detach", "downweight", "none"] = "detach"
    terminating_share: float = 0.5
    campaign_z: float = 2.5
    degree_z: float = 3.5
    attach_share: float = 0.67
    weight_factor: float = 0.1

    def __post_init__(self) -> None:
        if self.mode not in HUB_MODES:
            raise ConfigError(
                f"hub_handling mode {self.mode!r} is not supported; use detach, downweight or none"
            )
        for name in ("terminating_share", "attach_share", "weight_factor"):
            value = getattr(self, name)
            if not 0.0 < value <= 1.0:
                raise ConfigError(f"hub_handling {name}={value} must be in (0, 1]")
        for name in ("campaign_z", "degree_z"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"hub_handling {name}={getattr(self, name)} must be positive")


def _hub_rule(hubs: HubRule | str | None) -> HubRule:
    if isinstance(hubs, HubRule):
        return hubs
    if hubs is None:
        return HubRule(mode="none")
    return HubRule(mode=hubs)  # type: ignore[arg-type]


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


def _check_params(method: str, objective: str, resolution: float, runs: int) -> None:
    if method not in METHODS:
        raise ConfigError(f"method={method!r} is not supported; use leiden, louvain or infomap")
    if objective not in OBJECTIVES:
        raise ConfigError(f"objective={objective!r} is not supported; use modularity or cpm")
    if not resolution > 0:
        raise ConfigError(f"resolution={resolution} must be a positive number")
    if runs < 1:
        raise ConfigError(f"runs={runs} must be at least 1")


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


def _robust_outliers(values: np.ndarray, z: float) -> np.ndarray:
    """Boolean mask of values more than ``z`` robust standard deviations above the median."""
    if values.size < 3:
        return np.zeros(values.size, dtype=bool)
    median = float(np.median(values))
    spread = 1.4826 * float(np.median(np.abs(values - median)))
    if spread == 0.0:  # more than half the values are equal: fall back to the mean deviation
        spread = 1.2533 * float(np.mean(np.abs(values - median)))
    if spread == 0.0:
        return np.zeros(values.size, dtype=bool)
    return (values - median) / spread > z


def hub_candidates(
    degree: np.ndarray,
    terminating_share: np.ndarray | None,
    rule: HubRule,
    n_campaigns: np.ndarray | None = None,
) -> np.ndarray:
    """Return the hub-candidate mask of :class:`HubRule`, given each vertex's distinct
    neighbours (``degree``), share of terminating hops and number of campaigns."""
    n = len(degree)
    if rule.mode == "none" or n == 0:
        return np.zeros(n, dtype=bool)
    mask = np.zeros(n, dtype=bool)
    connected = degree > 0
    mask[connected] = _robust_outliers(np.log1p(degree[connected].astype(float)), rule.degree_z)
    if n_campaigns is not None:
        campaigns = np.asarray(n_campaigns, dtype=float)[connected]
        mask[connected] |= _robust_outliers(np.log1p(campaigns), rule.campaign_z)
    if terminating_share is not None:
        mask |= np.asarray(terminating_share, dtype=float) >= rule.terminating_share
    return mask & connected


def _one_run(
    work: ig.Graph, directed: ig.Graph | None, method: str, objective: str, resolution: float
) -> list[int]:
    if method == "leiden":
        clustering = work.community_leiden(
            objective_function="CPM" if objective == "cpm" else "modularity",
            weights="weight",
            resolution=resolution,
            n_iterations=LEIDEN_ITERATIONS,
        )
    elif method == "louvain":
        clustering = work.community_multilevel(weights="weight", resolution=resolution)
    else:
        assert directed is not None
        clustering = directed.community_infomap(edge_weights="weight", trials=1)
    return list(clustering.membership)


def _seeded_runs(
    work: ig.Graph,
    directed: ig.Graph | None,
    method: str,
    objective: str,
    resolution: float,
    runs: int,
    seed: int,
) -> np.ndarray:
    """``runs`` memberships (runs x vertices), each run with its own derived seed.

    igraph draws from the Python generator registered with ``set_random_number_generator``;
    each run gets a private ``random.Random`` so that the caller's global ``random`` state is
    neither used nor changed, and the default generator is restored afterwards.
    """
    master = random.Random(seed)
    run_seeds = [master.randrange(2**31) for _ in range(runs)]
    out = np.empty((runs, work.vcount()), dtype=np.int64)
    try:
        for i, run_seed in enumerate(run_seeds):
            ig.set_random_number_generator(random.Random(run_seed))
            out[i] = _one_run(work, directed, method, objective, resolution)
    finally:
        ig.set_random_number_generator(random)
    return out


def _components(n: int, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    g = ig.Graph(n=n, edges=np.column_stack([src, dst]).tolist(), directed=False)
    return np.array(g.connected_components().membership, dtype=np.int64)


def _components_of(g: ig.Graph, edge_ids: np.ndarray) -> np.ndarray:
    """Connected components of ``g`` restricted to ``edge_ids`` (every vertex kept)."""
    sub = g.subgraph_edges(edge_ids.tolist(), delete_vertices=False)
    return np.array(sub.connected_components().membership, dtype=np.int64)


def _cpm_quality(
    edges: np.ndarray, w: np.ndarray, membership: np.ndarray, resolution: float
) -> float:
    inside = membership[edges[:, 0]] == membership[edges[:, 1]]
    sizes = np.bincount(membership)
    return float(w[inside].sum() - resolution * (sizes * (sizes - 1) / 2).sum())


def partition_graph(
    graph: ig.Graph,
    *,
    method: str = "leiden",
    objective: str = "modularity",
    resolution: float = 1.0,
    runs: int = 20,
    seed: int = DEFAULT_SEED,
    hubs: HubRule | str | None = "detach",
    terminating_share: np.ndarray | list[float] | None = None,
    n_campaigns: np.ndarray | list[int] | None = None,
    min_size: int = 3,
    consensus_threshold: float = 0.5,
    split_threshold: float | None = 0.3,
) -> Partition:
    """Find consensus ecosystems on a provider graph (the engine under :func:`detect_ecosystems`).

    Parameters
    ----------
    graph : igraph.Graph
        Directed or undirected; the ``weight`` edge attribute is used when present.
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
    hubs : HubRule or {"detach", "downweight", "none"}
        Hub handling; see :class:`HubRule`.
    terminating_share, n_campaigns : array-like, optional
        Per-vertex share of terminating hops and number of distinct campaigns (from
        :mod:`graphengine.profiles`), used by the hub rule.
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
    _check_params(method, objective, resolution, runs)
    if not 0.0 <= consensus_threshold < 1.0:
        raise ConfigError(f"consensus_threshold={consensus_threshold} must be in [0, 1)")
    if min_size < 1:
        raise ConfigError(f"min_size={min_size} must be at least 1")
    rule = _hub_rule(hubs)
    n = graph.vcount()
    u = _undirected(graph)
    u_ends, u_w = _edge_arrays(u)
    degree = _degree(n, u_ends)
    share = None if terminating_share is None else np.asarray(terminating_share, dtype=float)
    campaigns = None if n_campaigns is None else np.asarray(n_campaigns, dtype=float)
    is_hub = hub_candidates(degree, share, rule, campaigns)

    # The detection graph: every vertex keeps its id; hub edges are cut or down-weighted.
    det_ends, det_w = _treat_hub_edges(u_ends, u_w, is_hub, rule)
    det = _graph(n, det_ends, det_w) if rule.mode != "none" and is_hub.any() else u
    directed = None
    if method == "infomap":
        d_ends, d_w = _treat_hub_edges(*_edge_arrays(graph), is_hub, rule)
        directed = _graph(n, d_ends, d_w, directed=graph.is_directed())

    members = np.array(
        _seeded_runs(det, directed, method, objective, resolution, runs, seed), dtype=np.int64
    )
    proper = det_ends[:, 0] != det_ends[:, 1]
    src, dst, weight = det_ends[proper, 0], det_ends[proper, 1], det_w[proper]
    together = (members[:, src] == members[:, dst]).mean(axis=0) if len(src) else np.zeros(0)
    keep = together > consensus_threshold
    raw = _components_of(det, np.flatnonzero(proper)[keep])
    refined = 0
    if split_threshold is not None and method != "infomap" and objective == "modularity":
        raw, together, refined = _refine(
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
        hub_weights = _hub_weights(u_ends, u_w, label, is_hub)
        hub_share, participation = _hub_shares(hub_weights, n)
        attach = is_hub & (hub_share >= rule.attach_share)
        strongest = _strongest(hub_weights, n)
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


def _refine(
    det: ig.Graph,
    raw: np.ndarray,
    src: np.ndarray,
    dst: np.ndarray,
    together: np.ndarray,
    *,
    method: str,
    resolution: float,
    runs: int,
    seed: int,
    min_size: int,
    split_threshold: float,
    consensus_threshold: float,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Split consensus communities whose own subgraph has significant modularity.

    Returns the new labels, the co-assignment shares (edges inside a community that was
    examined take the share of the sub-runs, which decided them) and the number of splits.
    """
    raw = raw.copy()
    together = together.copy()
    sizes = np.bincount(raw)
    next_label = len(sizes)
    inside = raw[src] == raw[dst]
    order = np.argsort(raw, kind="stable")
    starts = np.concatenate([[0], np.cumsum(sizes)])
    splits = 0
    for c in np.flatnonzero(sizes >= 2 * min_size):
        ids = order[starts[c] : starts[c + 1]]  # sorted, because argsort is stable
        sub = det.induced_subgraph(ids.tolist())
        if sub.ecount() == 0:
            continue
        # A seed per community, from the master seed and the community's first vertex:
        # the result does not depend on the order communities are visited in.
        sub_seed = seed + int(ids[0])
        # Screen with the first run alone: the consensus of the runs rarely reaches a
        # modularity its best member does not, and most ecosystems are not split.
        first = _seeded_runs(sub, None, method, "modularity", resolution, 1, sub_seed)
        if sub.modularity(first[0].tolist(), weights="weight") < split_threshold:
            continue
        sub_runs = _seeded_runs(sub, None, method, "modularity", resolution, runs, sub_seed)
        eidx = np.flatnonzero(inside & (raw[src] == c))
        ls, ld = np.searchsorted(ids, src[eidx]), np.searchsorted(ids, dst[eidx])
        local = (sub_runs[:, ls] == sub_runs[:, ld]).mean(axis=0)
        keep = local > consensus_threshold
        sub_raw = _components(len(ids), ls[keep], ld[keep])
        if sub_raw.max() == 0:
            continue
        quality = sub.modularity(sub_raw.tolist(), weights="weight", directed=False)
        if quality < split_threshold:
            continue
        raw[ids] = np.where(sub_raw == 0, c, next_label + sub_raw - 1)
        next_label += int(sub_raw.max())
        together[eidx] = local
        splits += 1
    return raw, together, splits


def _names(graph: ig.Graph) -> list[Any]:
    if "name" in graph.vs.attributes():
        return list(graph.vs["name"])
    return [f"{i:012d}" for i in range(graph.vcount())]


def _treat_hub_edges(
    ends: np.ndarray, w: np.ndarray, is_hub: np.ndarray, rule: HubRule
) -> tuple[np.ndarray, np.ndarray]:
    """Cut (detach) or scale (downweight) every edge touching a hub candidate."""
    if rule.mode == "none" or not is_hub.any() or not len(ends):
        return ends, w
    touches = is_hub[ends[:, 0]] | is_hub[ends[:, 1]]
    if rule.mode == "detach":
        return ends[~touches], w[~touches]
    return ends, np.where(touches, w * rule.weight_factor, w)


def _hub_weights(
    ends: np.ndarray, w: np.ndarray, label: np.ndarray, is_hub: np.ndarray
) -> pd.DataFrame:
    """Traffic of each hub candidate to each labelled ecosystem: (hub, label, w)."""
    rows = []
    for a, b in ((0, 1), (1, 0)):
        hub, other = ends[:, a], ends[:, b]
        sel = is_hub[hub] & (label[other] >= 0) & (hub != other)
        rows.append(pd.DataFrame({"hub": hub[sel], "label": label[other[sel]], "w": w[sel]}))
    frame = pd.concat(rows, ignore_index=True)
    return frame.groupby(["hub", "label"]).agg(w=("w", "sum")).reset_index()


def _hub_shares(frame: pd.DataFrame, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Per vertex: share of its ecosystem traffic in the strongest ecosystem, and the
    participation coefficient 1 - sum of squared shares (NaN for non-hubs)."""
    share = np.full(n, np.nan)
    part = np.full(n, np.nan)
    if frame.empty:
        return share, part
    p = frame["w"] / frame.groupby("hub")["w"].transform("sum")
    by_hub = p.groupby(frame["hub"])
    best = by_hub.max()
    share[best.index.to_numpy()] = best.to_numpy()
    sq = (p**2).groupby(frame["hub"]).sum()
    part[sq.index.to_numpy()] = 1.0 - sq.to_numpy()
    return share, part


def _strongest(frame: pd.DataFrame, n: int) -> np.ndarray:
    out = np.full(n, -1, dtype=np.int64)
    if frame.empty:
        return out
    # Ties go to the smaller provisional label, so the choice is deterministic.
    best = frame.sort_values(["hub", "w", "label"], ascending=[True, False, True])
    best = best.drop_duplicates("hub")
    out[best["hub"].to_numpy()] = best["label"].to_numpy()
    return out


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


def _versions() -> dict[str, str]:
    from graphengine import __version__

    return {
        "graphengine": __version__,
        "igraph": ig.__version__,
        "python": platform.python_version(),
        "pandas": pd.__version__,
        "numpy": np.__version__,
    }


@dataclass
class EcosystemResult:
    """Ecosystems of one analysis, with everything needed to reproduce it.

    Attributes
    ----------
    providers : pandas.DataFrame
        One row per provider (none dropped): ``provider_key``, ``name``, ``ecosystem``
        (nullable int, 1 = largest), ``status`` (:data:`STATUSES`), ``stability``,
        ``is_hub``, ``hub_share``, ``participation``, ``degree`` and the role profile.
    ecosystems : pandas.DataFrame
        One row per ecosystem (see :func:`graphengine.ecosystem_summary.summarize_ecosystems`).
    params : dict
        Method, objective, resolution, runs, seed, hub rule, min size, consensus threshold,
        weight, quality of the consensus and library versions.
    graph : igraph.Graph
        The provider graph the analysis ran on (vertex ``name`` = provider key).
    co_assignment : pandas.DataFrame
        ``key_a``, ``key_b``, ``together``: share of runs that put the pair together.
    """

    providers: pd.DataFrame
    ecosystems: pd.DataFrame
    params: dict[str, Any]
    graph: ig.Graph = field(repr=False)
    co_assignment: pd.DataFrame = field(repr=False)

    def membership(self) -> dict[str, int | None]:
        """Return ``{provider_key: ecosystem or None}``."""
        eco = self.providers["ecosystem"]
        return {
            str(k): (None if pd.isna(v) else int(v))
            for k, v in zip(self.providers["provider_key"], eco, strict=True)
        }

    def __repr__(self) -> str:
        p = self.params
        return (
            f"EcosystemResult({len(self.ecosystems)} ecosystems over {len(self.providers)} "
            f"providers; {p.get('method')}/{p.get('objective')}, resolution "
            f"{p.get('resolution')}, {p.get('runs')} runs, seed {p.get('seed')})"
        )

    def _repr_html_(self) -> str:
        p = self.params
        counts = self.providers["status"].value_counts()
        head = (
            f"<p><b>{len(self.ecosystems)} ecosystems</b> over {len(self.providers)} providers "
            f"({int(counts.get('hub', 0))} hubs, {int(counts.get('attached_hub', 0))} attached "
            f"hubs, {int(counts.get('small', 0)) + int(counts.get('isolated', 0))} unassigned). "
            f"{html.escape(str(p['method']))} / {html.escape(str(p['objective']))}, "
            f"resolution {p['resolution']}, {p['runs']} runs, seed {p['seed']}, "
            f"hubs: {html.escape(str(p['hub_handling']['mode']))}.</p>"
        )
        return head + self.ecosystems.head(20).to_html(index=False)


def detect_ecosystems(
    hops: pd.DataFrame,
    providers: pd.DataFrame | None = None,
    *,
    method: str = "leiden",
    objective: str = "modularity",
    resolution: float = 1.0,
    runs: int = 20,
    seed: int = DEFAULT_SEED,
    hub_handling: HubRule | str | None = "detach",
    min_size: int = 3,
    consensus_threshold: float = 0.5,
    split_threshold: float | None = 0.3,
    weight: str | None = "tracebacks",
    graph: ig.Graph | None = None,
) -> EcosystemResult:
    """Map provider ecosystems from canonical frames.

    Parameters
    ----------
    hops : pandas.DataFrame
        Canonical hop frame.
    providers : pandas.DataFrame, optional
        Canonical provider frame (display names; listed providers are never dropped).
    method, objective, resolution, runs, seed, min_size, consensus_threshold, split_threshold
        See :func:`partition_graph`.
    hub_handling : HubRule or {"detach", "downweight", "none"}
        See :class:`HubRule`; ``"none"`` is plain detection.
    weight : {"tracebacks", "hops", "n_campaigns", None}
        Edge weight (see :func:`graphengine.graph.provider_graph`).
    graph : igraph.Graph, optional
        A provider graph already built for the same data (e.g. from Neo4j); built from
        ``hops`` when omitted.

    Returns
    -------
    EcosystemResult

    Raises
    ------
    ConfigError
        When a parameter is out of range.
    SchemaError
        When ``hops`` is not a canonical hop frame.

    Examples
    --------
    >>> from graphengine import schema
    >>> from graphengine.ecosystems import detect_ecosystems
    >>> result = detect_ecosystems(schema.empty_hops(), runs=2, seed=1)
    >>> (len(result.providers), len(result.ecosystems), result.params["seed"])
    (0, 0, 1)
    """
    from graphengine.ecosystem_summary import summarize_ecosystems
    from graphengine.graph import provider_graph
    from graphengine.profiles import provider_profiles

    _check_params(method, objective, resolution, runs)
    rule = _hub_rule(hub_handling)
    g = graph if graph is not None else provider_graph(hops, providers, weight=weight)
    keys = [str(k) for k in g.vs["name"]] if g.vcount() else []
    profiles = provider_profiles(hops, providers, keys)
    part = partition_graph(
        g,
        method=method,
        objective=objective,
        resolution=resolution,
        runs=runs,
        seed=seed,
        hubs=rule,
        terminating_share=profiles["terminating_share"].to_numpy(),
        n_campaigns=profiles["n_campaigns"].to_numpy(),
        min_size=min_size,
        consensus_threshold=consensus_threshold,
        split_threshold=split_threshold,
    )
    frame = pd.DataFrame(
        {
            "provider_key": pd.array(keys, dtype="string"),
            "ecosystem": pd.array([m or None for m in part.membership], dtype="Int64"),
            "status": pd.array(part.status, dtype="string"),
            "stability": pd.array(np.round(part.stability, 6), dtype="Float64"),
            "is_hub": pd.array(part.is_hub, dtype="boolean"),
            "hub_share": pd.array(np.round(part.hub_share, 6), dtype="Float64"),
            "participation": pd.array(np.round(part.participation, 6), dtype="Float64"),
            "degree": part.degree.astype("int64"),
        }
    )
    frame = frame.merge(profiles, on="provider_key", how="left", validate="one_to_one")
    lead = ["provider_key", "name", "ecosystem", "status", "stability"]
    frame = frame[lead + [c for c in frame.columns if c not in lead]]
    params: dict[str, Any] = {
        "method": method,
        "objective": objective if method == "leiden" else None,
        "resolution": resolution if method != "infomap" else None,
        "runs": runs,
        "seed": seed,
        "hub_handling": asdict(rule),
        "min_size": min_size,
        "consensus_threshold": consensus_threshold,
        "split_threshold": split_threshold,
        "leiden_iterations": LEIDEN_ITERATIONS,
        "weight": weight,
        "quality": part.quality,
        "versions": _versions(),
    }
    names = np.array(keys, dtype=object)
    co = part.co_assignment
    co_frame = pd.DataFrame(
        {
            "key_a": pd.array(names[co["source"].to_numpy()], dtype="string"),
            "key_b": pd.array(names[co["target"].to_numpy()], dtype="string"),
            "together": co["together"].to_numpy(),
        }
    )
    ecos = summarize_ecosystems(hops, frame, g)
    return EcosystemResult(
        providers=frame, ecosystems=ecos, params=params, graph=g, co_assignment=co_frame
    )


def resolution_scan(
    hops: pd.DataFrame,
    resolutions: list[float] | np.ndarray | None = None,
    providers: pd.DataFrame | None = None,
    *,
    method: str = "leiden",
    objective: str = "modularity",
    runs: int = 5,
    seed: int = DEFAULT_SEED,
    hub_handling: HubRule | str | None = "detach",
    min_size: int = 3,
    weight: str | None = "tracebacks",
) -> pd.DataFrame:
    """Return how the ecosystems change with the resolution, one row per resolution.

    Parameters
    ----------
    hops, providers
        Canonical frames.
    resolutions : sequence of float, optional
        Default: 0.25, 0.5, 0.75, 1, 1.5, 2, 3 (modularity); for CPM pick values around the
        edge density you expect inside an ecosystem.
    method, objective, runs, seed, hub_handling, min_size, weight
        As in :func:`detect_ecosystems` (fewer runs by default: a scan is exploratory).

    Returns
    -------
    pandas.DataFrame
        ``resolution``, ``n_ecosystems``, ``n_assigned`` (providers with an ecosystem),
        ``largest`` (providers in the largest ecosystem), ``modularity`` (standard modularity
        of the consensus on the detection graph), ``cpm_quality`` and ``mean_stability``.
    """
    from graphengine.graph import provider_graph
    from graphengine.profiles import provider_profiles

    if resolutions is None:
        resolutions = [0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0]
    g = provider_graph(hops, providers, weight=weight)
    keys = [str(k) for k in g.vs["name"]] if g.vcount() else []
    profiles = provider_profiles(hops, providers, keys)
    rows = []
    for r in resolutions:
        part = partition_graph(
            g,
            method=method,
            objective=objective,
            resolution=float(r),
            runs=runs,
            seed=seed,
            hubs=hub_handling,
            terminating_share=profiles["terminating_share"].to_numpy(),
            n_campaigns=profiles["n_campaigns"].to_numpy(),
            min_size=min_size,
        )
        m = np.array(part.membership)
        rows.append(
            {
                "resolution": float(r),
                "n_ecosystems": part.n_ecosystems,
                "n_assigned": int((m > 0).sum()),
                "largest": int(np.bincount(m)[1:].max(initial=0)) if len(m) else 0,
                "modularity": part.quality["modularity"],
                "cpm_quality": part.quality["cpm_quality"],
                "mean_stability": float(np.nanmean(part.stability))
                if np.isfinite(part.stability).any()
                else float("nan"),
            }
        )
    return pd.DataFrame(rows)


def write_back_ecosystems(driver: Any, result: EcosystemResult) -> int:
    """Write ``Provider.ecosystem`` and ``Provider.ecosystem_stability`` into Neo4j.

    Providers with no ecosystem (hubs, small groups, isolated) get both properties set to
    null, so that a re-run never leaves a stale id behind.

    Parameters
    ----------
    driver : neo4j.Driver
        An open driver; writes go through the store's batched
        :func:`graphengine.store.write_provider_properties`.
    result : EcosystemResult

    Returns
    -------
    int
        Number of providers written.
    """
    from graphengine import store

    frame = pd.DataFrame(
        {
            "provider_key": result.providers["provider_key"],
            "ecosystem": result.providers["ecosystem"],
            "ecosystem_stability": result.providers["stability"],
        }
    )
    written = store.write_provider_properties(driver, frame, ["ecosystem", "ecosystem_stability"])
    return int(written) if written is not None else len(frame)
