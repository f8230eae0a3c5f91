"""Small helpers shared by the findings modules (not public).

Speed: a 1M-hop frame has string columns that pandas would hash again in every groupby, merge,
sort and drop_duplicates. :func:`windowed` therefore turns the key columns into categoricals once
(:func:`compact`; categories sorted, so code order is string order), the findings work on the
integer codes, and every public function hands back plain string columns (:func:`restore`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from graphengine.findings.window import ResolvedWindow, Window

__all__ = [
    "ID_SEP",
    "join_ids",
    "windowed",
    "add_window_columns",
    "compact",
    "restore",
    "map_keys",
    "compact_ids",
]

#: separator of traceback ids inside one CSV cell.
ID_SEP = ";"

_CATEGORY_COLUMNS = (
    "traceback_id",
    "role",
    "response_category",
    "campaign",
    "attestation",
    "provider_country",
)


def _categorical(values: pd.Series) -> pd.Series:
    codes, uniques = pd.factorize(values, sort=True)
    cat = pd.Categorical.from_codes(codes, categories=pd.Index(uniques).astype(str))
    return pd.Series(cat, index=values.index, name=values.name)


def compact(hops: pd.DataFrame) -> pd.DataFrame:
    """Return ``hops`` with the key columns as categoricals (no-op when already done).

    ``provider_key`` and ``upstream_key`` share one sorted category list, so they compare and
    merge by code.
    """
    if isinstance(hops["provider_key"].dtype, pd.CategoricalDtype):
        return hops
    out = hops.copy()
    both = pd.concat([hops["provider_key"], hops["upstream_key"]], ignore_index=True)
    codes, uniques = pd.factorize(both, sort=True)
    categories = pd.Index(uniques).astype(str)
    n = len(hops)
    for name, part in (("provider_key", codes[:n]), ("upstream_key", codes[n:])):
        out[name] = pd.Series(
            pd.Categorical.from_codes(part, categories=categories), index=hops.index, name=name
        )
    for name in _CATEGORY_COLUMNS:
        out[name] = _categorical(hops[name])
    return out


def compact_ids(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """Make ``columns`` of a (string) frame categorical, so later grouping hashes them once."""
    todo = [c for c in columns if not isinstance(frame[c].dtype, pd.CategoricalDtype)]
    if not todo:
        return frame
    return frame.assign(**{c: _categorical(frame[c]) for c in todo})


def restore(frame: pd.DataFrame) -> pd.DataFrame:
    """Turn categorical columns back into pandas string columns."""
    cats = [c for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)]
    if not cats:
        return frame
    return frame.astype({c: "string" for c in cats})


def map_keys(keys: pd.Series, table: pd.Series) -> pd.Series:
    """``keys.map(table)`` that maps each category once when ``keys`` is categorical.

    Missing keys (and keys absent from ``table``) give missing values.
    """
    if not isinstance(keys.dtype, pd.CategoricalDtype):
        return keys.map(table)
    per_category = table.reindex(keys.cat.categories)
    codes = keys.cat.codes.to_numpy()
    values = per_category.to_numpy()[np.where(codes < 0, 0, codes)] if len(per_category) else None
    out = pd.Series(values, index=keys.index, dtype=table.dtype) if values is not None else None
    if out is None:
        return pd.Series(pd.NA, index=keys.index, dtype=table.dtype)
    out[codes < 0] = None
    return out


def join_ids(frame: pd.DataFrame, by: str, ids: str = "traceback_id") -> pd.Series:
    """Sorted, de-duplicated ``ids`` per value of ``by``, joined with :data:`ID_SEP`.

    Returns a string Series indexed by the (string) values of ``by``, in sorted order.
    Vectorised: both columns are factorised (sorted), each pair becomes one integer, and
    ``numpy.unique`` sorts and de-duplicates them; then one ``str.join`` per group.
    """
    pairs = frame[[by, ids]].dropna()
    if pairs.empty:
        return pd.Series(dtype="string", index=pd.Index([], name=by, dtype="string"))
    by_codes, by_values = _sorted_codes(pairs[by])
    id_codes, id_values = _sorted_codes(pairs[ids])
    n_ids = max(len(id_values), 1)
    combined = np.unique(by_codes.astype(np.int64) * n_ids + id_codes)
    group, member = np.divmod(combined, n_ids)
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    ends = np.r_[starts[1:], len(group)]
    values = id_values.take(member).to_numpy(dtype=object)
    joined = [ID_SEP.join(values[s:e]) for s, e in zip(starts, ends, strict=True)]
    keys = by_values.take(group[starts]).to_numpy(dtype=object)
    return pd.Series(joined, index=pd.Index(keys, name=by, dtype="string"), dtype="string")


def _sorted_codes(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes whose order is the values' string order, and the values as strings.

    Our categoricals (:func:`compact`) have sorted string categories, so their codes are used
    as they are; anything else is factorised with ``sort=True``.
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        categories = values.cat.categories
        if categories.is_monotonic_increasing and categories.dtype != object:
            return values.cat.codes.to_numpy(dtype=np.int64), categories.astype(str)
    codes, uniques = pd.factorize(values, sort=True)
    return codes.astype(np.int64), pd.Index(uniques).astype(str)


def windowed(
    hops: pd.DataFrame, window: Window | ResolvedWindow | None
) -> tuple[pd.DataFrame, ResolvedWindow]:
    """Return the (compacted) hops whose ``call_time`` is inside ``window`` and the bounds.

    ``None`` means all data. An already resolved window is applied as is.
    """
    hops = compact(hops)
    if window is None:
        window = Window()
    resolved = window if isinstance(window, ResolvedWindow) else window.resolve(hops["call_time"])
    if resolved.since is None and resolved.until is None:
        return hops, resolved
    keep = resolved.mask(hops["call_time"])
    return (hops if bool(keep.all()) else hops[keep]), resolved


def add_window_columns(frame: pd.DataFrame, window: ResolvedWindow) -> pd.DataFrame:
    """Append ``window_since``/``window_until`` so every count is quoted with its window."""
    frame = restore(frame).copy()
    frame["window_since"] = pd.Series(window.since, index=frame.index, dtype="datetime64[ns, UTC]")
    frame["window_until"] = pd.Series(window.until, index=frame.index, dtype="datetime64[ns, UTC]")
    return frame
