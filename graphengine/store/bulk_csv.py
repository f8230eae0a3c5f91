"""Write the canonical frames as the header-typed CSV files of ``neo4j-admin database import``.

Pure file writing, no database: :func:`write_import_csvs` turns a hop frame (and an optional
provider frame) into one CSV per label and relationship type holding exactly the nodes,
relationships and properties that a batched :func:`graphengine.store.load_frames` writes
(docs/data-model.md), SENDS_TO included, so an imported graph and a batched one are the same
graph. The rules it reproduces, and where the batched load defines them:

- Provider rows: :func:`graphengine.store.rows.provider_rows` (the same function);
- Traceback properties from the lowest hop, plus :func:`graphengine.store.rows.content_hashes`;
- HOP: one per hop row; ROUTED: :func:`graphengine.schema.routed_edges` (taken by position in
  the (traceback, hop) order, which gives the same edges when (traceback, hop) is unique);
- Campaign: every campaign any hop names; OF_CAMPAIGN from the lowest hop's campaign;
- Customer: first row per customer key in (traceback, hop) order; FROM_CUSTOMER and
  CUSTOMER_OF from the highest hop that names a customer;
- SENDS_TO: statements.RECOMPUTE_SENDS_TO, aggregated here on integer codes.

Values are written with pyarrow's CSV writer (multi-threaded C++): a string is quoted when it
needs to be, a missing value is an empty unquoted field (no property), so an empty string stays
an empty string. Datetimes are ISO 8601 UTC with microseconds, the precision the batched load
keeps. Everything per row is vectorised: each hop column is converted to an arrow array once,
the files take rows from those arrays by position, aggregates run on integer codes, and a
datetime is formatted once per distinct value (there is no Python step per hop; at 10M hops
the earlier per-row code spent most of a 9-minute CSV phase in Python).

Examples
--------
>>> from graphengine import schema
>>> files = write_import_csvs(schema.empty_hops(), None, "/tmp/x")  # doctest: +SKIP
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from graphengine import schema
from graphengine.store import rows as R

__all__ = ["ImportFiles", "check_frames", "write_import_csvs", "ARRAY_DELIMITERS"]

#: candidate separators of list properties (aliases, campaigns), in order of preference; the
#: first one that no list element contains is used.
ARRAY_DELIMITERS: tuple[str, ...] = (";", "|", "\x1f")

_PROVIDER_PROPS: tuple[tuple[str, str], ...] = (
    ("name", ""),
    ("aliases", "string[]"),
    ("country", ""),
    ("frn", ""),
    ("in_rmd", "boolean"),
    ("rmd_implementation", ""),
    ("gateway_provider_choice", ""),
    ("intermediate_provider_choice", ""),
    ("rmd_removed_on", "datetime"),
)


@dataclass
class ImportFiles:
    """The CSV files written for one import and how to read them.

    Attributes
    ----------
    folder
        Where the files are.
    nodes, relationships
        ``(label or type, file)`` pairs, in the order the import tool takes them.
    counts
        Rows per label / relationship type (the graph the import will hold).
    array_delimiter
        Separator of list elements inside a field.
    multiline
        ``True`` when some value holds a line break (the tool then needs
        ``--multiline-fields=true``, which is slower).
    """

    folder: Path
    nodes: list[tuple[str, Path]] = field(default_factory=list)
    relationships: list[tuple[str, Path]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    array_delimiter: str = ";"
    multiline: bool = False


class _Writer:
    """Writes arrow tables as CSV in a background thread and remembers counts.

    Arrow's writer releases the GIL, so a file is written on the second core while the next
    table is computed; :meth:`close` waits for every file and raises the first error.
    """

    def __init__(self, files: ImportFiles) -> None:
        self.files = files
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bulk-csv")
        self._pending: list[Future[None]] = []

    def write(self, kind: str, name: str, table: pa.Table, *, check: bool = False) -> None:
        """Queue ``table`` for writing; with ``check``, look for line breaks in its text first
        (columns taken from the hop frame were checked once, see :class:`_HopColumns`)."""
        path = self.files.folder / f"{name.lower()}.csv"
        if check and not self.files.multiline:
            self.files.multiline = any(_has_line_break(col) for col in table.columns)
        options = pa_csv.WriteOptions(quoting_style="needed")
        self._pending.append(self._pool.submit(pa_csv.write_csv, table, path, options))
        (self.files.nodes if kind == "node" else self.files.relationships).append((name, path))
        self.files.counts[name] = table.num_rows

    def close(self, *, failed: bool = False) -> None:
        """Wait until every queued file is written and raise the first error, unless the
        caller ``failed`` already (its error is the one to report)."""
        try:
            for pending in self._pending:
                if failed:
                    pending.exception()
                else:
                    pending.result()
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)


def _has_line_break(column: pa.ChunkedArray | pa.Array) -> bool:
    kind = column.type
    if pa.types.is_dictionary(kind):
        chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
        column = pa.chunked_array([c.dictionary for c in chunks], type=kind.value_type)
        kind = kind.value_type
    if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
        return False
    # two literal searches are several times faster than one regular expression
    return any(bool(pc.any(pc.match_substring(column, ch)).as_py()) for ch in ("\n", "\r"))


def _text(values: Any) -> pa.Array:
    """A string (or dictionary) arrow array; pandas' missing values become nulls."""
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.CategoricalDtype):
        return pa.array(values)
    return pa.array(values, type=pa.string(), from_pandas=True)


def _iso(values: pd.Series | pa.Array) -> pa.Array:
    """UTC datetimes as ISO 8601 text with microseconds (``2025-01-31T09:00:00.000000Z``), a
    dictionary array: each distinct instant is formatted once (many hops share a call time)."""
    arr = values if isinstance(values, pa.Array) else pa.array(values, from_pandas=True)
    micros = arr.cast(pa.timestamp("us", tz="UTC"), safe=False).cast(pa.int64())
    valid = micros.is_valid().to_numpy(zero_copy_only=False)
    ints = micros.fill_null(0).to_numpy(zero_copy_only=False)
    codes, distinct = pd.factorize(ints)
    text = np.char.add(np.datetime_as_string(distinct.astype("datetime64[us]"), unit="us"), "Z")
    indices = pa.array(codes.astype(np.int32), mask=~valid)
    return pa.DictionaryArray.from_arrays(indices, pa.array(text, type=pa.string()))


def factorize(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize`` of a text column through arrow's hash table (about twice as fast on
    Python strings): ``(codes, distinct values)`` in order of first appearance, -1 for a
    missing value, the distinct values as an object array of ``str``."""
    # to_numpy(dtype=object) is the frame's own array of str/NA (no copy); handing pandas'
    # StringArray to arrow instead copies it and masks its NAs first (twice as slow)
    raw = values.to_numpy(dtype=object) if isinstance(values, pd.Series) else values
    return dictionary_codes(pa.array(raw, type=pa.string(), from_pandas=True).dictionary_encode())


def dictionary_codes(
    encoded: pa.DictionaryArray | pa.ChunkedArray,
) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, distinct values)`` of a dictionary-encoded array, -1 for a null; a chunked
    one (arrow splits text of over 2 GiB into chunks) gets one dictionary for all chunks."""
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.unify_dictionaries()
        found: pa.Array | pa.ChunkedArray = pa.chunked_array(
            [c.indices for c in encoded.chunks], type=encoded.type.index_type
        )
        dictionary = (
            encoded.chunks[0].dictionary if encoded.num_chunks else pa.array([], pa.string())
        )
    else:
        found, dictionary = encoded.indices, encoded.dictionary
    codes = found.fill_null(-1).to_numpy().astype(np.int64)
    return codes, np.asarray(dictionary.to_pylist(), dtype=object)


def _sorted_codes(codes: np.ndarray, uniques: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize(..., sort=True)`` from an unsorted factorization: the codes renumbered
    in the sorted order of the distinct values (-1 stays -1), and those values sorted."""
    if not len(uniques):
        return codes, uniques
    by_text = pc.array_sort_indices(pa.array(uniques, type=pa.string())).to_numpy()
    rank = np.empty(len(uniques), dtype=np.int64)
    rank[by_text] = np.arange(len(uniques), dtype=np.int64)
    return R.remap_codes(codes, rank), uniques[by_text]


def _int(values: pd.Series | np.ndarray) -> pa.Array:
    return pa.array(values, type=pa.int64(), from_pandas=True)


def _pick_delimiter(lists: list[list[str]]) -> str:
    used = {ch for items in lists for item in items for ch in ARRAY_DELIMITERS if ch in item}
    for candidate in ARRAY_DELIMITERS:
        if candidate not in used:
            return candidate
    raise ValueError("every candidate list separator occurs in a provider or campaign name")


def _joined(lists: list[list[str]], delimiter: str) -> pa.Array:
    # An empty list is written as no value; bulk_import sets it to [] after the import, as
    # the batched load stores an empty list.
    return pa.array([delimiter.join(x) if x else None for x in lists], type=pa.string())


class _HopColumns:
    """The hop frame's columns as arrow arrays, each converted once, however many files take
    rows from it.

    A text column is factorized once: its arrow array is a dictionary array (codes plus the
    distinct values), only the distinct values are converted from Python strings and checked
    for line breaks, and the same codes feed the content hashes (:meth:`row_hashes`).
    """

    def __init__(self, hops: pd.DataFrame, files: ImportFiles) -> None:
        self.hops = hops
        self.files = files
        self._cache: dict[str, pa.Array] = {}
        self._codes: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def _is_text(self, col: str) -> bool:
        dtype = self.hops[col].dtype
        text = isinstance(dtype, pd.StringDtype | pd.CategoricalDtype)
        return text or pd.api.types.is_object_dtype(dtype)

    def codes(self, col: str) -> tuple[np.ndarray, np.ndarray]:
        """``(codes, distinct values)`` of a text column; -1 codes a missing value."""
        if col not in self._codes:
            self._codes[col] = factorize(self.hops[col])
        return self._codes[col]

    def sorted_codes(self, col: str) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`codes` renumbered in sorted order of the values (``factorize(sort=True)``)."""
        key = f"{col}\x00sorted"
        if key not in self._codes:
            self._codes[key] = _sorted_codes(*self.codes(col))
        return self._codes[key]

    def __call__(self, col: str) -> pa.Array:
        if col not in self._cache:
            values = self.hops[col]
            if col == "call_time":
                arr = _iso(values)
            elif col in ("hop", "source_line", "source_hop") or not self._is_text(col):
                arr = _int(values)
            else:
                codes, uniques = self.codes(col)
                distinct = pa.array(uniques, type=pa.string(), from_pandas=True)
                if not self.files.multiline:
                    self.files.multiline = _has_line_break(distinct)
                indices = pa.array(codes.astype(np.int32), mask=codes < 0)
                arr = pa.DictionaryArray.from_arrays(indices, distinct)
            self._cache[col] = arr
        return self._cache[col]

    def take(self, col: str, positions: np.ndarray) -> pa.Array:
        return self(col).take(pa.array(positions, type=pa.int64()))

    def row_hashes(self) -> np.ndarray:
        """:func:`graphengine.store.rows.row_hashes` of the frame, from the codes: pandas
        hashes an object column by factorizing it and hashing the distinct values, which is
        what a categorical column of the same codes gives (the same uint64 values)."""
        frame: dict[str, Any] = {}
        for name in schema.HOP_COLUMNS:
            if self._is_text(name) and name != "call_time":
                codes, uniques = self.codes(name)
                frame[name] = pd.Categorical.from_codes(codes, categories=pd.Index(uniques))
            else:
                frame[name] = self.hops[name]
        return R.row_hashes(pd.DataFrame(frame))


@dataclass
class _Order:
    """Row positions of the hop frame in (traceback_id, hop) order and per-traceback bounds."""

    order: np.ndarray  # row positions, sorted by (traceback_id, hop)
    tb: np.ndarray  # traceback code per sorted row (codes follow the sorted ids)
    codes: np.ndarray  # traceback code per row (frame order)
    starts: np.ndarray  # first sorted position of each traceback
    ends: np.ndarray  # one past the last sorted position


@dataclass
class _NodeIds:
    """The node ids of the import (``--id-type=actual``): dense integers, Providers first,
    then Tracebacks, Campaigns and Customers, each in the order of its node file.

    Integer ids spare the import tool its string-to-id index (building it, and two lookups
    for each of the ~2 relationships a hop makes): at 10M hops the tool's relationship
    stage took half the time with them. The keys are ordinary string properties.
    """

    providers: pd.Index
    tracebacks: int  # first traceback id; a traceback's id is this plus its sorted code
    campaigns: pd.Index
    campaign_base: int
    customers: pd.Index
    customer_base: int

    def of(self, index: pd.Index, base: int, keys: Any) -> np.ndarray:
        """The ids of ``keys`` (values of ``index``); every key must be there."""
        pos = index.get_indexer(pd.Index(np.asarray(keys, dtype=object)))
        if len(pos) and int(pos.min()) < 0:
            raise ValueError("a relationship names a node that no node file holds")
        return pos.astype(np.int64) + base

    def of_codes(
        self, index: pd.Index, base: int, codes: tuple[np.ndarray, np.ndarray]
    ) -> np.ndarray:
        """Per row, the id of the node a factorized column names (rows coded -1 get -1)."""
        found, uniques = codes
        ids = self.of(index, base, uniques) if len(uniques) else np.empty(0, dtype=np.int64)
        return R.remap_codes(found, ids)


def _order(hops: pd.DataFrame, col: _HopColumns) -> _Order:
    codes, _ = col.sorted_codes("traceback_id")
    order = R.hop_order(hops, codes)
    tb = codes[order]
    change = np.flatnonzero(tb[1:] != tb[:-1]) + 1
    starts = np.r_[0, change] if len(tb) else np.array([], dtype=np.int64)
    ends = np.r_[change, len(tb)] if len(tb) else np.array([], dtype=np.int64)
    return _Order(order=order, tb=tb, codes=codes, starts=starts, ends=ends)


def _routed_positions(hops: pd.DataFrame, o: _Order) -> tuple[np.ndarray, np.ndarray] | None:
    """Row positions (downstream, upstream) of every ROUTED edge, or ``None`` when a
    (traceback, hop) pair repeats (then :func:`schema.routed_edges` decides)."""
    hop = hops["hop"].to_numpy(dtype=np.int64)[o.order]
    same = o.tb[1:] == o.tb[:-1]
    if bool(np.any(same & (hop[1:] == hop[:-1]))):
        return None
    edge = np.flatnonzero(same & (hop[1:] == hop[:-1] + 1))
    return o.order[edge], o.order[edge + 1]


def _routed_fallback(hops: pd.DataFrame) -> pd.DataFrame:
    """The ROUTED columns through :func:`schema.routed_edges` (repeated (traceback, hop)
    pairs: rare, so pandas speed is fine)."""
    edges = schema.routed_edges(hops)
    printed = hops[["traceback_id", "hop", "source_hop"]]
    return edges.merge(printed, on=["traceback_id", "hop"], how="left")


@dataclass
class _Routed:
    """The ROUTED edges: the arrow table of the file and integer columns for SENDS_TO."""

    table: pa.Table
    up: np.ndarray  # provider code of the upstream end
    down: np.ndarray  # provider code of the downstream end
    keys: np.ndarray  # provider key text per code
    traceback: np.ndarray  # traceback code
    campaign: np.ndarray  # campaign code, -1 for none
    campaigns: list[str]  # campaign text per code, sorted
    call_ns: pd.Series  # call time, nanoseconds since the epoch (null allowed)


def _routed(hops: pd.DataFrame, o: _Order, col: _HopColumns, ids: _NodeIds) -> _Routed:
    """The ROUTED edges (traceback_id, hop, source_hop, upstream_key, downstream_key,
    call_time, campaign, attestation, response_category); ``source_hop`` is the downstream
    hop's number as printed, as the batched load stores it."""
    positions = _routed_positions(hops, o)
    if positions is None:
        frame = _routed_fallback(hops)
        table = pa.table(
            {
                "traceback_id": _text(frame["traceback_id"]),
                "hop:long": _int(frame["hop"]),
                "source_hop:long": _int(frame["source_hop"]),
                "call_time:datetime": _iso(frame["call_time"]),
                "campaign": _text(frame["campaign"]),
                "attestation": _text(frame["attestation"]),
                "response_category": _text(frame["response_category"]),
            }
        )
        keys, key_index = pd.factorize(pd.concat([frame["upstream_key"], frame["downstream_key"]]))
        key_text = np.asarray(key_index, dtype=object)
        m = len(frame)
        up, down = keys[:m], keys[m:]
        traceback, _ = pd.factorize(frame["traceback_id"])
        campaign, label_index = pd.factorize(frame["campaign"], sort=True)
        labels = np.asarray(label_index, dtype=object)
        call = frame["call_time"]
    else:
        down, up_pos = positions
        table = pa.table(
            {
                "traceback_id": col.take("traceback_id", down),
                "hop:long": col.take("hop", down),
                "source_hop:long": col.take("source_hop", down),
                "call_time:datetime": col.take("call_time", down),
                "campaign": col.take("campaign", down),
                "attestation": col.take("attestation", down),
                "response_category": col.take("response_category", up_pos),
            }
        )
        codes, key_text = col.codes("provider_key")
        up, down_codes = codes[up_pos], codes[down]
        traceback = o.codes[down]
        camp_all, labels = col.sorted_codes("campaign")
        campaign = camp_all[down]
        call = hops["call_time"].iloc[down]
        down = down_codes
    provider_id = ids.of(ids.providers, 0, key_text)
    table = table.add_column(0, ":START_ID", _int(provider_id[up]))
    table = table.add_column(1, ":END_ID", _int(provider_id[down]))
    ns = pd.DatetimeIndex(pd.Series(call).astype("datetime64[ns, UTC]")).asi8
    return _Routed(
        table=table,
        up=np.asarray(up, dtype=np.int64),
        down=np.asarray(down, dtype=np.int64),
        keys=np.asarray(key_text, dtype=object),
        traceback=np.asarray(traceback, dtype=np.int64),
        campaign=np.asarray(campaign, dtype=np.int64),
        campaigns=[str(x) for x in labels],
        call_ns=pd.Series(ns),
    )


def _sends_to(r: _Routed, delimiter_lists: list[list[str]]) -> pd.DataFrame:
    """RECOMPUTE_SENDS_TO's aggregate: per (upstream, downstream) pair the distinct
    tracebacks, ROUTED edges, sorted distinct campaigns and first/last call time."""
    m = len(r.up)
    n_keys = max(len(r.keys), 1)
    pair = r.up * n_keys + r.down
    # hash-factorize, then number the pairs in sorted order (a sort of m values is slower)
    inv, pairs = pd.factorize(pair)
    rank = np.argsort(np.argsort(pairs, kind="stable"), kind="stable")
    inv = rank[inv]
    pairs = np.sort(pairs)
    n = len(pairs)
    n_hops = np.bincount(inv, minlength=n)
    width = int(r.traceback.max()) + 1 if m else 1
    per_pair = pd.unique(inv.astype(np.int64) * width + r.traceback) // width
    tracebacks = np.bincount(per_pair, minlength=n)
    lists: list[list[str]] = [[] for _ in range(n)]
    keep = r.campaign >= 0
    base = len(r.campaigns) + 1
    combos = np.unique(inv[keep].astype(np.int64) * base + r.campaign[keep])
    for g, c in zip((combos // base).tolist(), (combos % base).tolist(), strict=True):
        lists[g].append(r.campaigns[c])
    delimiter_lists.extend(lists)
    by_pair = r.call_ns.groupby(inv)
    return pd.DataFrame(
        {
            "up": r.keys[pairs // n_keys],
            "down": r.keys[pairs % n_keys],
            "tracebacks": tracebacks.astype(np.int64),
            "hops": n_hops.astype(np.int64),
            "campaigns": pd.Series(lists, dtype=object),
            "n_campaigns": np.array([len(x) for x in lists], dtype=np.int64),
            "first_seen": pd.to_datetime(by_pair.min().to_numpy(), unit="ns", utc=True),
            "last_seen": pd.to_datetime(by_pair.max().to_numpy(), unit="ns", utc=True),
        }
    )


def _provider_table(rows: list[dict[str, Any]], delimiter: str) -> pa.Table:
    cols: dict[str, pa.Array] = {
        ":ID": pa.array(np.arange(len(rows)), type=pa.int64()),
        "key": _text([r["key"] for r in rows]),
    }
    for prop, kind in _PROVIDER_PROPS:
        values = [r.get(prop) for r in rows]
        header = f"{prop}:{kind}" if kind else prop
        if kind == "string[]":
            cols[header] = _joined([list(v or []) for v in values], delimiter)
        elif kind == "boolean":
            cols[header] = pa.array(values, type=pa.bool_())
        elif kind == "datetime":
            cols[header] = _iso(pa.array(values, type=pa.timestamp("us", tz="UTC")))
        else:
            cols[header] = _text(values)
    return pa.table(cols)


def _traceback_table(hops: pd.DataFrame, o: _Order, col: _HopColumns, base: int) -> pa.Table:
    """One row per traceback, its properties from its lowest hop, plus its content hash
    (:func:`graphengine.store.rows.content_hashes`, summed here over the sorted rows)."""
    first = o.order[o.starts]  # the lowest hop of each traceback
    tb_cols: dict[str, pa.Array] = {
        ":ID": pa.array(np.arange(base, base + len(first)), type=pa.int64()),
        "id": col.take("traceback_id", first),
        "call_time:datetime": col.take("call_time", first),
    }
    for prop in R.TRACEBACK_PROPS:
        if prop != "call_time":
            tb_cols[prop] = col.take(prop, first)
    if len(first):
        sums = np.add.reduceat(col.row_hashes()[o.order], o.starts)  # wraps modulo 2**64
        hashes = R.fingerprints(sums, o.ends - o.starts)
    else:
        hashes = []
    tb_cols["content_hash"] = pa.array(hashes, type=pa.string())
    return pa.table(tb_cols)


def check_frames(hops: pd.DataFrame, providers: pd.DataFrame | None) -> None:
    """Check the frames against the canonical schema.

    Raises
    ------
    SchemaError
        When a frame does not follow it.
    """
    schema.check_hops(hops)
    if providers is not None:
        schema.check_providers(providers)


def write_import_csvs(
    hops: pd.DataFrame,
    providers: pd.DataFrame | None,
    folder: str | Path,
    *,
    checked: bool = False,
) -> ImportFiles:
    """Write one header-typed CSV per label and relationship type into ``folder``.

    Parameters
    ----------
    hops
        Canonical hop frame (checked with :func:`graphengine.schema.check_hops`).
    providers
        Canonical provider frame, or ``None``.
    folder
        Created if missing; files of an earlier call are overwritten.
    checked
        The caller has checked both frames already (skips a second check).

    Returns
    -------
    ImportFiles
        The files, their row counts and the reading options they need.

    Raises
    ------
    SchemaError
        When a frame does not follow the canonical schema.
    """
    if not checked:
        check_frames(hops, providers)
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    files = ImportFiles(folder=out)
    writer = _Writer(files)
    try:
        _write_all(hops, providers, files, writer)
    except BaseException:
        writer.close(failed=True)
        raise
    writer.close()
    return files


def _write_all(
    hops: pd.DataFrame, providers: pd.DataFrame | None, files: ImportFiles, writer: _Writer
) -> None:
    """Compute every file's table from the (checked) frames and queue it on ``writer``."""
    hops = R.with_source_hop(hops.reset_index(drop=True))
    col = _HopColumns(hops, files)
    o = _order(hops, col)

    provider_rows = R.provider_rows(hops, providers, order=o.order, codes=col.codes)
    campaign_codes = col.codes("campaign")
    customer_codes = col.codes("customer_key")
    named = customer_codes[0] >= 0
    sorted_named = o.order[named[o.order]]  # rows naming a customer, in (traceback, hop) order
    _, first_seen = np.unique(customer_codes[0][sorted_named], return_index=True)
    cust = sorted_named[np.sort(first_seen)]  # first row per customer, in that order
    n_providers, n_tracebacks = len(provider_rows), len(o.starts)
    ids = _NodeIds(
        providers=pd.Index([r["key"] for r in provider_rows], dtype=object),
        tracebacks=n_providers,
        campaigns=pd.Index(campaign_codes[1], dtype=object),
        campaign_base=n_providers + n_tracebacks,
        customers=pd.Index(customer_codes[1][customer_codes[0][cust]], dtype=object),
        customer_base=n_providers + n_tracebacks + len(campaign_codes[1]),
    )
    # HOP first: the largest file is written while the rest is computed
    traceback_id = o.codes + ids.tracebacks  # per row
    provider_id = ids.of_codes(ids.providers, 0, col.codes("provider_key"))
    customer_id = ids.of_codes(ids.customers, ids.customer_base, customer_codes)
    campaign_id = ids.of_codes(ids.campaigns, ids.campaign_base, campaign_codes)
    hop_cols: dict[str, pa.Array] = {
        ":START_ID": _int(traceback_id),
        ":END_ID": _int(provider_id),
    }
    for name, prop in R.HOP_PROPS.items():
        whole = name in ("hop", "source_line", "source_hop")
        hop_cols[f"{prop}:long" if whole else prop] = col(name)
    writer.write("rel", "HOP", pa.table(hop_cols))
    routed = _routed(hops, o, col, ids)
    writer.write("rel", "ROUTED", routed.table)
    lists: list[list[str]] = [list(r.get("aliases") or []) for r in provider_rows]
    sends_to = _sends_to(routed, lists)
    files.array_delimiter = delimiter = _pick_delimiter(lists)

    # --- nodes, in id order
    writer.write("node", "Provider", _provider_table(provider_rows, delimiter), check=True)
    writer.write("node", "Traceback", _traceback_table(hops, o, col, ids.tracebacks))
    writer.write(
        "node",
        "Campaign",
        pa.table(
            {
                ":ID": _int(np.arange(len(ids.campaigns)) + ids.campaign_base),
                "name": _text(pd.Series(ids.campaigns, dtype=object)),
            }
        ),
    )
    writer.write(
        "node",
        "Customer",
        pa.table(
            {
                ":ID": _int(np.arange(len(cust)) + ids.customer_base),
                "key": col.take("customer_key", cust),
                "name": col.take("customer", cust),
            }
        ),
    )

    # --- the other relationships
    first = o.order[o.starts]
    with_campaign = first[campaign_id[first] >= 0]
    writer.write(
        "rel",
        "OF_CAMPAIGN",
        pa.table(
            {
                ":START_ID": _int(traceback_id[with_campaign]),
                ":END_ID": _int(campaign_id[with_campaign]),
            }
        ),
    )
    # the highest hop of each traceback that names a customer (the originating provider)
    tb_named = o.tb[named[o.order]]
    last = np.r_[tb_named[1:] != tb_named[:-1], True] if len(tb_named) else np.array([], bool)
    link = sorted_named[last]
    writer.write(
        "rel",
        "FROM_CUSTOMER",
        pa.table({":START_ID": _int(traceback_id[link]), ":END_ID": _int(customer_id[link])}),
    )
    writer.write(
        "rel",
        "CUSTOMER_OF",
        pa.table(
            {
                ":START_ID": _int(customer_id[link]),
                ":END_ID": _int(provider_id[link]),
                "traceback_id": col.take("traceback_id", link),
            }
        ),
    )
    writer.write(
        "rel",
        "SENDS_TO",
        pa.table(
            {
                ":START_ID": _int(ids.of(ids.providers, 0, sends_to["up"])),
                ":END_ID": _int(ids.of(ids.providers, 0, sends_to["down"])),
                "tracebacks:long": _int(sends_to["tracebacks"]),
                "hops:long": _int(sends_to["hops"]),
                "campaigns:string[]": _joined(list(sends_to["campaigns"]), delimiter),
                "n_campaigns:long": _int(sends_to["n_campaigns"]),
                "first_seen:datetime": _iso(sends_to["first_seen"]),
                "last_seen:datetime": _iso(sends_to["last_seen"]),
            }
        ),
        check=True,
    )
