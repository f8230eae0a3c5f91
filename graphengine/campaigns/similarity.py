"""Verification of candidate pairs: Jaccard and containment on exact shingle sets.

LSH only proposes pairs. A pair is *verified* (an edge of the similarity graph) when

* Jaccard ``|A & B| / |A | B| >= jaccard_min``, or
* containment ``|A & B| / min(|A|, |B|) >= containment_min`` with at least ``min_shared``
  shared shingles.

Containment is what lets a fragment (a voicemail that starts mid-call) join its full script: the
fragment's shingles are a subset of the script's, though their Jaccard is low. ``min_shared``
stops a short generic fragment ("press 1 now thank you") from joining everything.

Examples
--------
>>> full = frozenset(range(40))
>>> fragment = frozenset(range(25, 40))
>>> round(jaccard(full, fragment), 3), containment(full, fragment)
(0.375, 1.0)
>>> verify(full, fragment, VerifyParams())
1.0
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["VerifyParams", "jaccard", "containment", "verify", "set_matrix", "verify_pairs"]


@dataclass(frozen=True)
class VerifyParams:
    """Thresholds of :func:`verify` (see the module docstring and docs/campaigns.md)."""

    jaccard_min: float = 0.35
    containment_min: float = 0.6
    min_shared: int = 6


def jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    """Return the Jaccard similarity of two sets (0 when both are empty)."""
    if not a and not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


def containment(a: frozenset[int], b: frozenset[int]) -> float:
    """Return ``|a & b| / min(|a|, |b|)``: how much of the smaller set the larger holds."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def verify(a: frozenset[int], b: frozenset[int], params: VerifyParams) -> float:
    """Return the edge weight of a verified pair, or 0.0 when the pair fails both tests.

    The weight is the larger of the Jaccard and the containment (containment only counts when
    at least ``params.min_shared`` shingles are shared).
    """
    if not a or not b:
        return 0.0
    inter = len(a & b)
    small = min(len(a), len(b))
    j = inter / (len(a) + len(b) - inter)
    c = inter / small if inter >= params.min_shared else 0.0
    if j >= params.jaccard_min or c >= params.containment_min:
        return max(j, c)
    return 0.0


def set_matrix(sets: list[frozenset[int]], vocab: dict[int, int] | None = None) -> Any:
    """Return a CSR 0/1 matrix, one row per set, columns from ``vocab`` (hash -> column).

    ``vocab`` is extended in place with unseen hashes, so two matrices built with the same dict
    share their columns.
    """
    from scipy import sparse

    vocab = {} if vocab is None else vocab
    indptr = np.zeros(len(sets) + 1, dtype=np.int64)
    cols: list[int] = []
    setdefault = vocab.setdefault
    for k, s in enumerate(sets):
        for h in s:
            cols.append(setdefault(h, len(vocab)))
        indptr[k + 1] = len(cols)
    data = np.ones(len(cols), dtype=np.float32)
    shape = (len(sets), max(len(vocab), 1))
    return sparse.csr_matrix((data, np.asarray(cols, dtype=np.int64), indptr), shape=shape)


def verify_pairs(
    a: Any, b: Any, ia: np.ndarray, ib: np.ndarray, params: VerifyParams
) -> np.ndarray:
    """Vectorised :func:`verify` of the pairs ``(a[ia[k]], b[ib[k]])`` of two :func:`set_matrix`.

    Returns the weight of each pair (0.0 where the pair fails), exactly as :func:`verify` would.
    """
    size_a = np.diff(a.indptr).astype(float)
    size_b = np.diff(b.indptr).astype(float)
    cols = max(a.shape[1], b.shape[1])
    if a.shape[1] < cols:
        a = a.copy()
        a.resize((a.shape[0], cols))
    if b.shape[1] < cols:
        b = b.copy()
        b.resize((b.shape[0], cols))
    out = np.zeros(len(ia))
    step = 100_000
    for lo in range(0, len(ia), step):
        qa, qb = ia[lo : lo + step], ib[lo : lo + step]
        inter = np.asarray(a[qa].multiply(b[qb]).sum(axis=1)).ravel()
        sa, sb = size_a[qa], size_b[qb]
        ok = (sa > 0) & (sb > 0)
        union = np.where(ok, sa + sb - inter, 1.0)
        j = np.where(ok, inter / union, 0.0)
        small = np.maximum(np.minimum(sa, sb), 1.0)
        c = np.where(ok & (inter >= params.min_shared), inter / small, 0.0)
        passed = (j >= params.jaccard_min) | (c >= params.containment_min)
        out[lo : lo + step] = np.where(passed, np.maximum(j, c), 0.0)
    return out
