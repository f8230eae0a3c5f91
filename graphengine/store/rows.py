"""Turn canonical frames into the parameter rows of :mod:`graphengine.store.statements`.

Pure functions, no database: the unit tests check them directly. Every value handed to the
driver is a plain Python value (``str``, ``int``, ``bool``, ``datetime`` in UTC, ``list``)
or ``None``; pandas' missing values become ``None`` so Neo4j stores no property at all.

Examples
--------
>>> from graphengine import schema
>>> from graphengine.store import rows
>>> list(rows.batches(schema.empty_hops(), 100))
[]
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pandas as pd

from graphengine import schema
from graphengine.errors import ConfigError

__all__ = [
    "MODEL_VERSION",
    "TRACEBACK_PROPS",
    "epoch_parts",
    "HOP_PROPS",
    "pylist",
    "records",
    "columns",
    "content_hashes",
    "hop_order",
    "row_hashes",
    "fingerprints",
    "batches",
    "provider_rows",
    "remap_codes",
    "traceback_rows",
    "campaign_names",
    "customer_rows",
    "hop_rows",
    "routed_rows",
    "upstream_keys",
    "of_campaign_rows",
    "customer_link_rows",
]

#: Bumped whenever what the store writes per traceback changes; part of each content hash so
#: that a new model rewrites old tracebacks instead of skipping them as unchanged.
MODEL_VERSION = "1"

#: hop-frame columns stored once per traceback, on the Traceback node (taken from its
#: lowest hop). Hop 0 carries the attestation the terminating provider saw.
TRACEBACK_PROPS: tuple[str, ...] = (
    "call_time",
    "campaign",
    "calling_number",
    "calling_number_e164",
    "called_number",
    "called_number_e164",
    "attestation",
    "source_file",
    "source_sha256",
)

#: hop-frame column -> HOP relationship property (the per-hop facts).
HOP_PROPS: dict[str, str] = {
    "hop": "hop",
    "provider": "provider_name",
    "upstream_provider": "upstream_provider",
    "upstream_key": "upstream_key",
    "role": "role",
    "response": "response",
    "response_category": "response_category",
    "attestation": "attestation",
    "provider_country": "provider_country",
    "customer": "customer",
    "customer_key": "customer_key",
    "flags": "flags",
    "source_line": "source_line",
    "source_hop": "source_hop",
}

_ROUTED_PROPS = (
    "traceback_id",
    "hop",
    "source_hop",
    "call_time",
    "campaign",
    "attestation",
    "response_category",
)


def pylist(series: pd.Series) -> list[Any]:
    """Return ``series`` as a list of plain Python values, with ``None`` for missing ones.

    Datetimes become timezone-aware :class:`datetime.datetime` objects (UTC), integers
    ``int``, booleans ``bool``.

    Examples
    --------
    >>> import pandas as pd
    >>> pylist(pd.Series(["a", None], dtype="string"))
    ['a', None]
    """
    mask = series.isna().to_numpy()
    if isinstance(series.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(series):
        utc = pd.to_datetime(series, utc=True)
        values: list[Any] = list(utc.dt.to_pydatetime())
    elif pd.api.types.is_bool_dtype(series) and not mask.any():
        values = [bool(v) for v in series.to_numpy()]
    elif pd.api.types.is_integer_dtype(series) and not mask.any():
        values = series.to_numpy(dtype=np.int64).tolist()
    elif isinstance(series.dtype, pd.StringDtype):
        # one C-level pass; missing values come out as None already
        return list(series.to_numpy(dtype=object, na_value=None))  # type: ignore[call-overload]
    else:
        values = series.astype(object).tolist()
        values = [v.item() if isinstance(v, np.generic) else v for v in values]
    if mask.any():
        values = [None if m else v for v, m in zip(values, mask, strict=True)]
    return values


def epoch_parts(series: pd.Series) -> tuple[list[int | None], list[int | None]]:
    """Return UTC datetimes as whole seconds since the epoch and nanoseconds within the second
    (truncated to microseconds, as :func:`pylist` does), with ``None`` for missing values.

    The statements rebuild the value with ``datetime.fromepoch(s, ns)``, which stores exactly
    the DateTime (UTC offset) the driver would send for the ``datetime`` object. Sending two
    integers instead is much cheaper: the driver's packing of one ``datetime`` costs ~55 µs of
    client CPU, more than the whole rest of a hop's parameters (docs/benchmarks.md).

    Examples
    --------
    >>> import pandas as pd
    >>> epoch_parts(pd.Series(pd.to_datetime(["1970-01-01T00:00:01.5Z", None], utc=True)))
    ([1, None], [500000000, None])
    """
    utc = pd.to_datetime(series, utc=True)
    mask = utc.isna().to_numpy()
    ns = utc.dt.tz_localize(None).to_numpy(dtype="datetime64[ns]").astype(np.int64)
    micros = ns // 1000
    secs: list[int | None] = list((micros // 1_000_000).tolist())
    nanos: list[int | None] = list(((micros % 1_000_000) * 1000).tolist())
    if mask.any():
        secs = [None if m else v for v, m in zip(secs, mask, strict=True)]
        nanos = [None if m else v for v, m in zip(nanos, mask, strict=True)]
    return secs, nanos


def _split_call_time(out: dict[str, list[Any]], frame: pd.DataFrame) -> dict[str, list[Any]]:
    """Replace ``out["call_time"]`` by ``call_time_s`` and ``call_time_ns`` (:func:`epoch_parts`)."""
    out.pop("call_time", None)
    out["call_time_s"], out["call_time_ns"] = epoch_parts(frame["call_time"])
    return out


def columns(frame: pd.DataFrame, names: dict[str, str]) -> dict[str, list[Any]]:
    """Return ``{property: [values]}`` for ``names`` (frame column -> property name), with
    missing values as ``None``: the ``$cols`` parameter of the bulk statements."""
    return {prop: pylist(frame[col]) for col, prop in names.items()}


def records(frame: pd.DataFrame, names: dict[str, str]) -> list[dict[str, Any]]:
    """Return one dict per row of ``frame``: ``{property: value}`` for ``names``
    (frame column -> property name), with missing values as ``None``."""
    lists = columns(frame, names)
    props = list(lists)
    return [dict(zip(props, vals, strict=True)) for vals in zip(*lists.values(), strict=True)]


def hop_order(hops: pd.DataFrame, codes: np.ndarray | None = None) -> np.ndarray:
    """Return the row positions of ``hops`` in (traceback_id, hop) order (a stable sort).

    ``codes`` are the traceback ids' sorted factorization codes when the caller has them.
    Sorts integer codes: sorting millions of strings is an order of magnitude slower.
    """
    if codes is None:
        codes, _ = pd.factorize(hops["traceback_id"], sort=True)
    return np.lexsort((hops["hop"].to_numpy(dtype=np.int64), codes))


def row_hashes(hops: pd.DataFrame) -> np.ndarray:
    """Return pandas' fixed-key hash of every canonical column of each row (uint64)."""
    cols = list(schema.HOP_COLUMNS)
    return pd.util.hash_pandas_object(hops[cols], index=False).to_numpy(dtype=np.uint64)


def fingerprints(sums: np.ndarray, counts: np.ndarray) -> list[str]:
    """Return the content fingerprint text of each traceback from the wrapped uint64 sum of its
    :func:`row_hashes` and its row count (see :func:`content_hashes`)."""
    return [
        f"v{MODEL_VERSION}:{s:016x}:{n}"
        for s, n in zip(sums.tolist(), counts.tolist(), strict=True)
    ]


def content_hashes(hops: pd.DataFrame) -> pd.Series:
    """Return a content fingerprint per traceback id (index: traceback_id, values: str).

    The fingerprint covers every canonical column of every hop of the traceback and the
    model version, so it changes whenever anything the store would write changes. It is
    computed with pandas' fixed-key row hashing, so the same rows give the same value in
    every run. It is a change detector, not a cryptographic hash.
    """
    if hops.empty:
        return pd.Series([], dtype="string", index=pd.Index([], dtype="string"))
    row_hash = row_hashes(hops)
    codes, ids = pd.factorize(hops["traceback_id"], sort=True)
    order = np.argsort(codes, kind="stable")
    starts = np.flatnonzero(np.r_[True, codes[order][1:] != codes[order][:-1]])
    # uint64 sums wrap modulo 2**64, which is what a fingerprint wants; the row count guards
    # against a row that hashes to zero.
    sums = np.add.reduceat(row_hash[order], starts)
    counts = np.diff(np.r_[starts, len(order)])
    index = pd.Index(ids, dtype="string", name="traceback_id")
    return pd.Series(fingerprints(sums, counts), index=index, dtype="string")


def batches(hops: pd.DataFrame, batch_size: int) -> Iterator[pd.DataFrame]:
    """Yield slices of ``hops`` of about ``batch_size`` rows that never split a traceback.

    Rows are sorted by ``traceback_id`` then ``hop`` first. A traceback with more than
    ``batch_size`` hops gets a batch of its own.

    Raises
    ------
    ConfigError
        When ``batch_size`` is smaller than 1.
    """
    if batch_size < 1:
        raise ConfigError(f"--batch-size must be at least 1, got {batch_size}")
    if hops.empty:
        return
    ordered = hops.sort_values(["traceback_id", "hop"], kind="stable").reset_index(drop=True)
    ids = ordered["traceback_id"].to_numpy()
    # start offset of each traceback's rows
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    begin = 0
    n = len(ordered)
    while begin < n:
        target = begin + batch_size
        if target >= n:
            end = n
        else:
            # the first traceback start at or after target, or the next one after begin
            pos = int(np.searchsorted(starts, target, side="left"))
            end = int(starts[pos]) if pos < len(starts) else n
            if end <= begin:
                nxt = int(np.searchsorted(starts, begin, side="right"))
                end = int(starts[nxt]) if nxt < len(starts) else n
        yield ordered.iloc[begin:end]
        begin = end


def upstream_keys(routed: dict[str, list[Any]]) -> list[str]:
    """Return the distinct upstream keys of CREATE_ROUTED columns, sorted
    (MARK_SENDS_TO_STALE)."""
    return sorted(set(routed["up"]))


def _first_per_key(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    return frame.drop_duplicates(subset=[key], keep="first")


#: ``(codes, distinct values)`` of a hop column, as ``pd.factorize`` returns them.
Factorizer = Callable[[str], tuple[np.ndarray, np.ndarray]]


def provider_rows(
    hops: pd.DataFrame,
    providers: pd.DataFrame | None,
    order: np.ndarray | None = None,
    codes: Factorizer | None = None,
) -> list[dict[str, Any]]:
    """Return the MERGE_PROVIDERS rows: every provider of ``providers`` plus every key the
    hops name (as a provider or as an upstream) that the provider frame lacks.

    A provider known only from hops gets its first printed name (in traceback/hop order) as
    ``name``, every printed name as ``aliases`` and its hop country as ``country``.
    ``order`` is :func:`hop_order` of ``hops`` and ``codes`` a factorization of its columns
    when the caller has them already.
    """
    out: list[dict[str, Any]] = []
    known: set[str] = set()
    if providers is not None and not providers.empty:
        frame = _first_per_key(providers.dropna(subset=["provider_key"]), "provider_key")
        alias_lists = [
            sorted({a.strip() for a in v.split(";") if a.strip()}) if isinstance(v, str) else []
            for v in frame["aliases"].astype(object)
        ]
        base = records(
            frame,
            {
                "provider_key": "key",
                "name": "name",
                "country": "country",
                "frn": "frn",
                "in_rmd": "in_rmd",
                "rmd_implementation": "rmd_implementation",
                "gateway_provider_choice": "gateway_provider_choice",
                "intermediate_provider_choice": "intermediate_provider_choice",
                "rmd_removed_on": "rmd_removed_on",
            },
        )
        for row, aliases in zip(base, alias_lists, strict=True):
            row["aliases"] = aliases
            out.append(row)
            known.add(row["key"])
    keys = _hop_provider_names(hops, known, order, codes)
    if keys is None:
        return out
    for key, name, aliases, country in keys:
        out.append(
            {
                "key": key,
                "name": name,
                "aliases": aliases,
                "country": country,
                "frn": None,
                "in_rmd": None,
                "rmd_implementation": None,
                "gateway_provider_choice": None,
                "intermediate_provider_choice": None,
                "rmd_removed_on": None,
            }
        )
    return out


def _first_by_sequence(group: np.ndarray, seq: np.ndarray, size: int) -> np.ndarray:
    """Per group code ``0..size-1``, the smallest ``seq`` among its rows (-1 when none)."""
    best = np.full(size, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(best, group, seq)
    best[best == np.iinfo(np.int64).max] = -1
    return best


def _pandas_codes(hops: pd.DataFrame) -> Factorizer:
    def codes(col: str) -> tuple[np.ndarray, np.ndarray]:
        found, uniques = pd.factorize(hops[col])
        return found, np.asarray(uniques, dtype=object)

    return codes


def remap_codes(codes: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Return ``table[codes]`` for factorization ``codes``, a missing value (-1) staying -1
    (every code is -1 when ``table`` is empty)."""
    if not len(table):
        return np.full(len(codes), -1, dtype=np.int64)
    return np.where(codes >= 0, table[np.maximum(codes, 0)], -1)


def _concat_codes(
    first: tuple[np.ndarray, np.ndarray], second: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """The factorization of two columns one after the other, from each one's own (only the
    distinct values are factorized again)."""
    (a, a_text), (b, b_text) = first, second
    joint, text = pd.factorize(np.concatenate([a_text, b_text]))
    out = np.concatenate(
        [remap_codes(a, joint[: len(a_text)]), remap_codes(b, joint[len(a_text) :])]
    )
    return out, np.asarray(text, dtype=object)


def _hop_provider_names(
    hops: pd.DataFrame, known: set[str], order: np.ndarray | None, codes: Factorizer | None
) -> list[tuple[str, str, list[str], str | None]] | None:
    """(key, first printed name, sorted printed names, first hop country) of every key the
    hops name as a provider or an upstream and ``known`` lacks, sorted by key; ``None`` when
    there is none.

    "First" is in (traceback_id, hop) order, provider columns before upstream columns. Computed
    on integer codes: a Python step per hop (a group-wise lambda) took seconds per million hops.
    """
    n = len(hops)
    if n == 0:
        return None
    if order is None:
        order = hop_order(hops)
    codes = codes or _pandas_codes(hops)
    key, key_text = _concat_codes(codes("provider_key"), codes("upstream_key"))
    printed, printed_text = _concat_codes(codes("provider"), codes("upstream_provider"))
    wanted = np.array([k not in known for k in key_text.tolist()], dtype=bool)
    valid = key >= 0
    valid[valid] = wanted[key[valid]]
    if not valid.any():
        return None
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n, dtype=np.int64)
    seq = np.concatenate([rank, rank + n])  # position in the (part, traceback, hop) order
    size = len(key_text)
    # position (in the concatenated layout) of the row with sequence number s
    at = np.concatenate([order, order + n])
    named = valid & (printed >= 0)
    first = _first_by_sequence(key[named], seq[named], size)
    country_codes, country_text = codes("provider_country")
    has_country = valid[:n] & (country_codes >= 0)
    first_country = _first_by_sequence(key[:n][has_country], seq[:n][has_country], size)
    pairs = np.unique(key[named].astype(np.int64) * (len(printed_text) + 1) + printed[named])
    aliases: dict[int, list[str]] = {}
    for k, p in zip(
        (pairs // (len(printed_text) + 1)).tolist(),
        (pairs % (len(printed_text) + 1)).tolist(),
        strict=True,
    ):
        aliases.setdefault(k, []).append(printed_text[p])
    country_list = np.asarray(country_text, dtype=object)
    result = []
    for code in sorted(np.unique(key[valid]).tolist(), key=lambda c: key_text[c]):
        k = key_text[code]
        s = first[code]
        name = printed_text[printed[at[s]]] if s >= 0 else k
        c = first_country[code]
        country = country_list[country_codes[at[c]]] if c >= 0 else None
        result.append((k, name, sorted(aliases.get(code, [])), country))
    return result


def traceback_rows(batch: pd.DataFrame, hashes: pd.Series) -> dict[str, list[Any]]:
    """Return the MERGE_TRACEBACKS columns of a batch: one entry per traceback, its properties
    taken from its lowest hop, plus its ``content_hash``."""
    first = _first_per_key(batch.sort_values(["traceback_id", "hop"]), "traceback_id")
    props = {c: c for c in TRACEBACK_PROPS if c != "call_time"}
    out = columns(first, {"traceback_id": "id", **props})
    out["content_hash"] = [str(h) for h in hashes.reindex(first["traceback_id"]).to_numpy()]
    return _split_call_time(out, first)


def campaign_names(batch: pd.DataFrame) -> list[str]:
    """Return the distinct campaign names of a batch, sorted."""
    return sorted(set(batch["campaign"].dropna()))


def customer_rows(batch: pd.DataFrame) -> dict[str, list[Any]]:
    """Return the MERGE_CUSTOMERS columns: one entry per distinct customer key (first printed
    name)."""
    named = batch.dropna(subset=["customer_key"])
    first = _first_per_key(named, "customer_key").sort_values("customer_key")
    return columns(first, {"customer_key": "key", "customer": "name"})


def with_source_hop(batch: pd.DataFrame) -> pd.DataFrame:
    """``batch`` with ``source_hop`` (the hop as printed in the source).

    A frame without it (built by hand, not by the loaders) stores no ``source_hop`` property
    (null), so that reading it back gives the same frame.
    """
    if "source_hop" in batch:
        return batch
    return batch.assign(source_hop=pd.Series([None] * len(batch), index=batch.index, dtype=object))


def hop_rows(batch: pd.DataFrame) -> dict[str, list[Any]]:
    """Return the CREATE_HOPS columns: ``id``, ``key`` and the :data:`HOP_PROPS`."""
    return columns(
        with_source_hop(batch), {"traceback_id": "id", "provider_key": "key", **HOP_PROPS}
    )


def routed_rows(batch: pd.DataFrame) -> dict[str, list[Any]]:
    """Return the CREATE_ROUTED columns, one entry per
    :func:`graphengine.schema.routed_edges` edge: ``up``, ``down``, ``traceback_id``,
    ``hop``... in call-flow direction (upstream -> downstream)."""
    edges = schema.routed_edges(batch)
    printed = with_source_hop(batch)[["traceback_id", "hop", "source_hop"]]
    edges = edges.merge(printed, on=["traceback_id", "hop"], how="left")  # the downstream hop's
    props = {c: c for c in _ROUTED_PROPS if c != "call_time"}
    names = {"upstream_key": "up", "downstream_key": "down", **props}
    return _split_call_time(columns(edges, names), edges)


def of_campaign_rows(batch: pd.DataFrame) -> dict[str, list[Any]]:
    """Return the CREATE_OF_CAMPAIGN columns: one entry per traceback that has a campaign."""
    first = _first_per_key(batch.sort_values(["traceback_id", "hop"]), "traceback_id")
    first = first.dropna(subset=["campaign"])
    return columns(first, {"traceback_id": "id", "campaign": "campaign"})


def customer_link_rows(batch: pd.DataFrame) -> dict[str, list[Any]]:
    """Return the CREATE_CUSTOMER_LINKS columns: per traceback, its customer and the provider
    at the highest hop that names that customer (the originating provider)."""
    named = batch.dropna(subset=["customer_key"])
    last = named.sort_values(["traceback_id", "hop"]).drop_duplicates(
        subset=["traceback_id"], keep="last"
    )
    return columns(
        last,
        {"traceback_id": "id", "customer_key": "customer_key", "provider_key": "provider_key"},
    )
