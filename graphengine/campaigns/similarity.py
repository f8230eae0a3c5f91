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

from graphengine.campaigns.normalise import NOSPACE_BIT as _BIT

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
    return _per_script(a, b, params)


def _per_script(a: frozenset[int], b: frozenset[int], params: VerifyParams) -> float:
    """Containment within one script (word shingles, or no-space character shingles).

    A bilingual message (English then Chinese) holds each language's version only in part, so its
    overall containment is low; within the Chinese shingles it is high.
    """
    best = 0.0
    for mine in (lambda h: h >= _BIT, lambda h: h < _BIT):
        sa = {h for h in a if mine(h)}
        sb = {h for h in b if mine(h)}
        inter = len(sa & sb)
        mixed = len(sa) != len(a) or len(sb) != len(b)
        if mixed and inter >= params.min_shared:
            c = inter / min(len(sa), len(sb))
            if c >= params.containment_min:
                best = max(best, c)
    return best


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
    a: Any,
    b: Any,
    ia: np.ndarray,
    ib: np.ndarray,
    params: VerifyParams,
    column_hashes: np.ndarray | None = None,
) -> np.ndarray:
    """Vectorised :func:`verify` of the pairs ``(a[ia[k]], b[ib[k]])`` of two :func:`set_matrix`.

    Returns the weight of each pair (0.0 where the pair fails), exactly as :func:`verify` would;
    ``column_hashes`` (the shingle hash of each column, from :func:`set_matrix`'s vocab) enables
    the per-script containment.
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
    # Columns of no-space script shingles, for the per-script containment (see verify).
    ns_cols = np.zeros(cols, dtype=bool)
    if column_hashes is not None:
        ns_cols[: len(column_hashes)] = column_hashes >= _BIT
    a_ns = np.asarray(a[:, ns_cols].sum(axis=1)).ravel() if ns_cols.any() else np.zeros(a.shape[0])
    b_ns = np.asarray(b[:, ns_cols].sum(axis=1)).ravel() if ns_cols.any() else np.zeros(b.shape[0])
    for lo in range(0, len(ia), step):
        qa, qb = ia[lo : lo + step], ib[lo : lo + step]
        prod = a[qa].multiply(b[qb]).tocsr()
        inter = np.asarray(prod.sum(axis=1)).ravel()
        sa, sb = size_a[qa], size_b[qb]
        ok = (sa > 0) & (sb > 0)
        union = np.where(ok, sa + sb - inter, 1.0)
        j = np.where(ok, inter / union, 0.0)
        small = np.maximum(np.minimum(sa, sb), 1.0)
        c = np.where(ok & (inter >= params.min_shared), inter / small, 0.0)
        if ns_cols.any():
            i_ns = np.asarray(prod[:, ns_cols].sum(axis=1)).ravel()
            for ia_s, ib_s, i_s in (
                (a_ns[qa], b_ns[qb], i_ns),
                (sa - a_ns[qa], sb - b_ns[qb], inter - i_ns),
            ):
                mixed = (ia_s != sa) | (ib_s != sb)
                part = np.where(
                    mixed & (i_s >= params.min_shared),
                    i_s / np.maximum(np.minimum(ia_s, ib_s), 1.0),
                    0.0,
                )
                c = np.maximum(c, np.where(part >= params.containment_min, part, 0.0))
        passed = (j >= params.jaccard_min) | (c >= params.containment_min)
        out[lo : lo + step] = np.where(passed, np.maximum(j, c), 0.0)
    return out
