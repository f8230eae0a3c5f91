"""MinHash signatures and LSH banding, vectorised over many reports at once.

The estimator is the one of ``datasketch.MinHash``: ``num_perm`` random affine permutations of
the 32-bit shingle hashes, and the minimum of each. datasketch hashes one document at a time
(measured here at about 270 microseconds a report of 50 shingles, so about 5 minutes for a million),
so signatures are computed here for a whole chunk of reports with numpy. The banding is
``datasketch.MinHashLSH``'s: ``bands`` bands of ``rows`` values; two reports are candidates when
one band is equal. :func:`lsh_params` takes (bands, rows) from datasketch's own optimiser for a
Jaccard threshold, and :class:`ExemplarIndex` (the incremental path) is a ``MinHashLSH``.

Examples
--------
>>> sig = signatures([frozenset({1, 2, 3}), frozenset({1, 2, 3}), frozenset({7})], num_perm=8)
>>> sig.shape, bool((sig[0] == sig[1]).all()), bool((sig[0] == sig[2]).all())
((3, 8), True, False)
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

__all__ = [
    "MERSENNE",
    "signatures",
    "lsh_params",
    "band_keys",
    "candidate_pairs",
    "join_pairs",
    "ExemplarIndex",
]

#: Prime modulus of the affine permutations (greater than every 32-bit hash).
MERSENNE = np.uint64(4294967311)
_SEED = 1  # datasketch's default seed; the permutations are fixed so signatures persist


def _permutations(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    gen = np.random.RandomState(_SEED)
    a = gen.randint(1, 2**32 - 1, size=num_perm, dtype=np.uint64)
    b = gen.randint(0, 2**32 - 1, size=num_perm, dtype=np.uint64)
    return a, b


def signatures(sets: Sequence[frozenset[int]], num_perm: int = 64) -> np.ndarray:
    """Return the MinHash signature of each set of 32-bit shingle hashes.

    Returns
    -------
    numpy.ndarray
        ``(len(sets), num_perm)`` uint32; an empty set gets all ``2**32 - 1`` (it matches no one).
    """
    a, b = _permutations(num_perm)
    out = np.full((len(sets), num_perm), np.iinfo(np.uint32).max, dtype=np.uint32)
    step = 4096
    for lo in range(0, len(sets), step):
        chunk = sets[lo : lo + step]
        lengths = np.fromiter((len(s) for s in chunk), dtype=np.int64, count=len(chunk))
        if not lengths.sum():
            continue
        values = np.fromiter((h for s in chunk for h in s), dtype=np.uint64, count=lengths.sum())
        nonempty = np.flatnonzero(lengths)
        starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))[nonempty]
        for j in range(num_perm):
            # a, b < 2**32 and values < 2**32, so a * v + b < 2**64: no overflow in uint64.
            hv = (values * a[j] + b[j]) % MERSENNE
            out[lo + nonempty, j] = np.minimum.reduceat(hv, starts).astype(np.uint32)
    return out


@functools.lru_cache(maxsize=32)
def lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """Return datasketch's optimal (bands, rows) for a Jaccard ``threshold`` and ``num_perm``."""
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    return int(lsh.b), int(lsh.r)


def band_keys(sig: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """Return ``(n, bands)`` uint64 keys: one hash of each band's ``rows`` signature values."""
    n = sig.shape[0]
    keys = np.zeros((n, bands), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(bands):
            k = np.full(n, 1469598103934665603, dtype=np.uint64)  # FNV offset basis
            for v in sig[:, j * rows : (j + 1) * rows].T:
                k = (k ^ v.astype(np.uint64)) * np.uint64(1099511628211)
            keys[:, j] = k
    return keys


def candidate_pairs(sig: np.ndarray, bands: int, rows: int, fan: int = 2) -> np.ndarray:
    """Return candidate pairs ``(i, j)``, ``i < j``, that share a band, as an ``(m, 2)`` array.

    A bucket of ``s`` near-identical reports would give ``s * (s - 1) / 2`` pairs; instead each
    member is paired with the bucket's first member and with the next ``fan`` members (in index
    order). That keeps every bucket connected with at most ``(fan + 1) * s`` pairs, which is all the
    grouping needs, and keeps the number of pairs linear in the number of reports.
    """
    keys = band_keys(sig, bands, rows)
    empty = (sig == np.iinfo(np.uint32).max).all(axis=1)
    pairs: list[np.ndarray] = []
    idx = np.arange(sig.shape[0])
    for j in range(bands):
        k = keys[:, j]
        order = np.lexsort((idx, k))
        order = order[~empty[order]]
        ks = k[order]
        new_group = np.concatenate(([True], ks[1:] != ks[:-1]))
        group_start = np.maximum.accumulate(np.where(new_group, np.arange(len(ks)), 0))
        leader = order[group_start]
        star = leader != order
        pairs.append(np.stack([leader[star], order[star]], axis=1))
        for step in range(1, fan + 1):
            same = ks[step:] == ks[:-step]
            pairs.append(np.stack([order[:-step][same], order[step:][same]], axis=1))
    if not pairs:
        return np.zeros((0, 2), dtype=np.int64)
    allp = np.sort(np.concatenate(pairs), axis=1).astype(np.int64)
    n = np.int64(max(sig.shape[0], 1))
    codes = np.unique(allp[:, 0] * n + allp[:, 1])
    return np.stack([codes // n, codes % n], axis=1)


def join_pairs(
    qsig: np.ndarray, esig: np.ndarray, bands: int, rows: int
) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(qi, ei)``: every query/exemplar pair that shares at least one band.

    The vectorised equivalent of querying ``datasketch.MinHashLSH`` (built over ``esig``) once per
    row of ``qsig``; pairs are unique and sorted by query then exemplar.

    A query meets most exemplars of its campaign in several bands, so the raw band matches hold
    each pair a few times. They are made unique on a boolean query x exemplar mask (in blocks of
    queries of at most :data:`_MASK_BYTES`), which costs a tenth of sorting the pair codes.
    """
    full = np.iinfo(np.uint32).max
    q_ok = ~(qsig == full).all(axis=1)
    e_ok = ~(esig == full).all(axis=1)
    empty = np.zeros(0, dtype=np.int64)
    if not q_ok.any() or not e_ok.any():
        return empty, empty
    qk, ek = band_keys(qsig, bands, rows), band_keys(esig, bands, rows)
    e_idx = np.flatnonzero(e_ok)
    q_idx = np.flatnonzero(q_ok)
    n_e = esig.shape[0]
    sorted_bands = []
    for j in range(bands):
        order = e_idx[np.argsort(ek[e_idx, j], kind="stable")]
        sorted_bands.append((order, ek[order, j]))
    step = max(1, _MASK_BYTES // max(n_e, 1))
    out_q: list[np.ndarray] = []
    out_e: list[np.ndarray] = []
    for start in range(0, len(q_idx), step):
        block = q_idx[start : start + step]
        mask = np.zeros((len(block), n_e), dtype=bool)
        local = np.arange(len(block))
        for j, (order, sorted_keys) in enumerate(sorted_bands):
            lo = np.searchsorted(sorted_keys, qk[block, j], "left")
            hi = np.searchsorted(sorted_keys, qk[block, j], "right")
            cnt = hi - lo
            total = int(cnt.sum())
            if not total:
                continue
            offsets = np.arange(total) - np.repeat(np.cumsum(cnt) - cnt, cnt)
            mask[np.repeat(local, cnt), order[np.repeat(lo, cnt) + offsets]] = True
        qi, ei = np.nonzero(mask)
        out_q.append(block[qi])
        out_e.append(ei)
    return np.concatenate(out_q).astype(np.int64), np.concatenate(out_e).astype(np.int64)


#: Most bytes of one block's query x exemplar mask in :func:`join_pairs`.
_MASK_BYTES = 64 * 2**20


class ExemplarIndex:
    """A ``datasketch.MinHashLSH`` over campaign exemplars, keyed by exemplar key.

    Parameters
    ----------
    bands, rows
        The LSH banding (``bands * rows <= num_perm``).
    num_perm
        Signature length.
    """

    def __init__(self, bands: int, rows: int, num_perm: int) -> None:
        from datasketch import MinHashLSH

        self._num_perm = num_perm
        self._lsh = MinHashLSH(num_perm=num_perm, params=(bands, rows))

    def _minhash(self, sig: np.ndarray) -> Any:
        from datasketch import LeanMinHash

        # "legacy": the values are plain affine-permutation minima, as computed by signatures().
        return LeanMinHash(seed=_SEED, hashvalues=sig.astype(np.uint64), scheme="legacy")

    def insert(self, key: str, sig: np.ndarray) -> None:
        """Add one exemplar's signature under ``key``."""
        self._lsh.insert(key, self._minhash(sig), check_duplication=False)

    def remove(self, key: str) -> None:
        """Drop the exemplar ``key`` (when campaigns merge, their exemplars are re-keyed)."""
        self._lsh.remove(key)

    def query(self, sig: np.ndarray) -> list[str]:
        """Return the keys of exemplars that share a band with ``sig``, sorted."""
        if (sig == np.iinfo(np.uint32).max).all():
            return []
        return sorted(self._lsh.query(self._minhash(sig)))

    def __contains__(self, key: str) -> bool:
        return key in self._lsh.keys

    def keys(self) -> Iterator[str]:
        """Iterate over the exemplar keys."""
        return iter(self._lsh.keys)
