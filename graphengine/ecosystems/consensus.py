"""Seeded runs of community detection and their consensus.

``runs`` seeded runs of Leiden, Louvain or Infomap (:func:`seeded_runs`); the share of runs in
which the two ends of each edge land together gives the consensus (pairs together in a majority
of runs, joined transitively: :func:`components_of`); :func:`refine` splits consensus
communities whose own subgraph has significant modularity (the resolution limit).
"""

from __future__ import annotations

import random

import igraph as ig
import numpy as np

__all__ = ["LEIDEN_ITERATIONS", "seeded_runs", "components", "components_of", "refine"]

#: Leiden iterations per run (igraph's default). Iterating to convergence (-1) costs 2-3x the
#: time; the consensus over the runs absorbs the difference.
LEIDEN_ITERATIONS = 2


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


def seeded_runs(
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


def components(n: int, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    g = ig.Graph(n=n, edges=np.column_stack([src, dst]).tolist(), directed=False)
    return np.array(g.connected_components().membership, dtype=np.int64)


def components_of(g: ig.Graph, edge_ids: np.ndarray) -> np.ndarray:
    """Connected components of ``g`` restricted to ``edge_ids`` (every vertex kept)."""
    sub = g.subgraph_edges(edge_ids.tolist(), delete_vertices=False)
    return np.array(sub.connected_components().membership, dtype=np.int64)


def refine(
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
        first = seeded_runs(sub, None, method, "modularity", resolution, 1, sub_seed)
        if sub.modularity(first[0].tolist(), weights="weight") < split_threshold:
            continue
        sub_runs = seeded_runs(sub, None, method, "modularity", resolution, runs, sub_seed)
        eidx = np.flatnonzero(inside & (raw[src] == c))
        ls, ld = np.searchsorted(ids, src[eidx]), np.searchsorted(ids, dst[eidx])
        local = (sub_runs[:, ls] == sub_runs[:, ld]).mean(axis=0)
        keep = local > consensus_threshold
        sub_raw = components(len(ids), ls[keep], ld[keep])
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
