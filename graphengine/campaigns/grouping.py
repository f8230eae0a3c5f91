"""Grouping reports on their similarity graph (LSH candidates -> verified edges -> Leiden).

Edges:

* **text**: an LSH candidate pair that passes :func:`~graphengine.campaigns.similarity.verify`,
  weighted by the larger of its Jaccard and containment;
* **callback**: two reports that read out the same callback number, weight
  ``params.callback_weight`` (each report is linked to the first report with that number, so a
  number shared by thousands of reports adds one edge per report, not a clique).

Communities are Leiden's, with the modularity objective, on the weighted graph. That is the guard
against chaining: single-link grouping (connected components) would merge two scripts joined by a
handful of fragment edges; modularity only merges groups whose edges between them are many compared
with what their sizes predict. Reports with no edge stay singletons.
"""

from __future__ import annotations

import random

import igraph as ig
import numpy as np

from graphengine.campaigns.minhash import candidate_pairs
from graphengine.campaigns.prepare import Prepared
from graphengine.campaigns.similarity import VerifyParams, set_matrix, verify_pairs

__all__ = ["similarity_edges", "cluster_batch"]


def similarity_edges(
    prep: Prepared,
    bands: int,
    rows: int,
    verify_params: VerifyParams,
    callback_weight: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(pairs, weights)`` of the verified text edges and the callback edges of ``prep``."""
    cand = candidate_pairs(prep.sig, bands, rows)
    x = set_matrix(prep.sets)
    w = verify_pairs(x, x, cand[:, 0], cand[:, 1], verify_params)
    keep = w > 0
    pairs = [cand[keep]]
    wts = [w[keep]]
    first: dict[str, int] = {}
    cb_pairs: list[tuple[int, int]] = []
    for i, numbers in enumerate(prep.callbacks):
        for num in numbers:
            if num in first:
                cb_pairs.append((first[num], i))
            else:
                first[num] = i
    if cb_pairs:
        pairs.append(np.asarray(cb_pairs, dtype=np.int64))
        wts.append(np.full(len(cb_pairs), callback_weight))
    return np.concatenate(pairs), np.concatenate(wts)


def cluster_batch(
    prep: Prepared,
    bands: int,
    rows: int,
    verify_params: VerifyParams,
    callback_weight: float,
    seed: int,
) -> list[list[int]]:
    """Return the communities of ``prep``'s similarity graph, largest first (singletons too).

    Each community is a sorted list of row indices; ties in size are ordered by first index.
    """
    n = len(prep)
    pairs, weights = similarity_edges(prep, bands, rows, verify_params, callback_weight)
    if n == 0:
        return []
    g = ig.Graph(n=n, edges=pairs.tolist(), directed=False)
    g.es["weight"] = weights.tolist()
    # Two edges between one pair (text and callback) add up; Leiden wants a simple graph.
    g.simplify(multiple=True, loops=True, combine_edges="sum")
    random.seed(seed)
    parts = g.community_leiden(objective_function="modularity", weights="weight", n_iterations=-1)
    groups: dict[int, list[int]] = {}
    for v, c in enumerate(parts.membership):
        groups.setdefault(c, []).append(v)
    return sorted(groups.values(), key=lambda m: (-len(m), m[0]))
