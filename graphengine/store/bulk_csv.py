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

Values are written with pyarrow's CSV writer (multi-threaded C++): every string is quoted, a
missing value is an empty unquoted field (no property), so an empty string stays an empty
string. Datetimes are ISO 8601 UTC with microseconds, the precision the batched load keeps.

Examples
--------
>>> from graphengine import schema
>>> files = write_import_csvs(schema.empty_hops(), None, "/tmp/x")  # doctest: +SKIP
"""

from __future__ import annotations

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

__all__ = ["ImportFiles", "write_import_csvs", "ARRAY_DELIMITERS"]

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
    """Writes arrow tables as CSV and remembers counts and line breaks."""

    def __init__(self, files: ImportFiles) -> None:
        self.files = files

    def write(self, kind: str, name: str, table: pa.Table) -> None:
        path = self.files.folder / f"{name.lower()}.csv"
        if not self.files.multiline:
            self.files.multiline = any(_has_line_break(col) for col in table.columns)
        pa_csv.write_csv(table, path, pa_csv.WriteOptions(quoting_style="needed"))
        (self.files.nodes if kind == "node" else self.files.relationships).append((name, path))
        self.files.counts[name] = table.num_rows


def _has_line_break(column: pa.ChunkedArray) -> bool:
    kind = column.type
    if pa.types.is_dictionary(kind):
        column = pa.chunked_array([c.dictionary for c in column.chunks], type=kind.value_type)
        kind = kind.value_type
    if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
        return False
    return bool(pc.any(pc.match_substring_regex(column, r"[\r\n]")).as_py())


def _text(values: Any) -> pa.Array:
    """A string (or dictionary) arrow array; pandas' missing values become nulls."""
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.CategoricalDtype):
        return pa.array(values)
    return pa.array(values, type=pa.string(), from_pandas=True)


def _iso(values: pd.Series | pa.Array) -> pa.Array:
    """UTC datetimes as ISO 8601 text with microseconds (``2025-01-31T09:00:00.000000Z``)."""
    arr = values if isinstance(values, pa.Array) else pa.array(values, from_pandas=True)
    arr = arr.cast(pa.timestamp("us", tz="UTC"), safe=False)
    return pc.strftime(arr, format="%Y-%m-%dT%H:%M:%SZ")


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


@dataclass
class _Order:
    """Row positions of the hop frame in (traceback_id, hop) order and per-traceback bounds."""

    order: np.ndarray  # row positions, sorted by (traceback_id, hop)
    tb: np.ndarray  # traceback code per sorted row (codes follow the sorted ids)
    starts: np.ndarray  # first sorted position of each traceback
    ends: np.ndarray  # one past the last sorted position


def _order(hops: pd.DataFrame) -> _Order:
    # Integer codes: sorting 10M strings is an order of magnitude slower than a lexsort.
    codes, _ = pd.factorize(hops["traceback_id"], sort=True)
    hop = hops["hop"].to_numpy(dtype=np.int64)
    order = np.lexsort((hop, codes))
    tb = codes[order]
    change = np.flatnonzero(tb[1:] != tb[:-1]) + 1
    starts = np.r_[0, change] if len(tb) else np.array([], dtype=np.int64)
    ends = np.r_[change, len(tb)] if len(tb) else np.array([], dtype=np.int64)
    return _Order(order=order, tb=tb, starts=starts, ends=ends)


def _routed_positions(hops: pd.DataFrame, o: _Order) -> tuple[np.ndarray, np.ndarray] | None:
    """Row positions (downstream, upstream) of every ROUTED edge, or ``None`` when a
    (traceback, hop) pair repeats (then :func:`schema.routed_edges` decides)."""
    hop = hops["hop"].to_numpy(dtype=np.int64)[o.order]
    same = o.tb[1:] == o.tb[:-1]
    if bool(np.any(same & (hop[1:] == hop[:-1]))):
        return None
    edge = np.flatnonzero(same & (hop[1:] == hop[:-1] + 1))
    return o.order[edge], o.order[edge + 1]


def _routed_frame(hops: pd.DataFrame, o: _Order) -> pd.DataFrame:
    """The ROUTED edges as columns (traceback_id, hop, source_hop, upstream_key, downstream_key,
    call_time, campaign, attestation, response_category); ``source_hop`` is the downstream
    hop's number as printed, as the batched load stores it."""
    positions = _routed_positions(hops, o)
    if positions is None:
        edges = schema.routed_edges(hops)
        printed = hops[["traceback_id", "hop", "source_hop"]]
        return edges.merge(printed, on=["traceback_id", "hop"], how="left")
    down, up = positions
    return pd.DataFrame(
        {
            "traceback_id": hops["traceback_id"].to_numpy()[down],
            "hop": hops["hop"].to_numpy(dtype=np.int64)[down],
            "source_hop": hops["source_hop"].to_numpy(dtype=object)[down],
            "upstream_key": hops["provider_key"].to_numpy()[up],
            "downstream_key": hops["provider_key"].to_numpy()[down],
            "call_time": hops["call_time"].iloc[down].reset_index(drop=True),
            "campaign": hops["campaign"].to_numpy()[down],
            "attestation": hops["attestation"].to_numpy()[down],
            "response_category": hops["response_category"].to_numpy()[up],
        }
    )


def _sends_to(routed: pd.DataFrame, delimiter_lists: list[list[str]]) -> pd.DataFrame:
    """RECOMPUTE_SENDS_TO's aggregate: per (upstream, downstream) pair the distinct
    tracebacks, ROUTED edges, sorted distinct campaigns and first/last call time."""
    m = len(routed)
    keys, names = pd.factorize(
        pd.concat([routed["upstream_key"], routed["downstream_key"]], ignore_index=True)
    )
    n_keys = max(len(names), 1)
    pair = keys[:m].astype(np.int64) * n_keys + keys[m:]
    pairs, inv, n_hops = np.unique(pair, return_inverse=True, return_counts=True)
    n = len(pairs)
    tb, _ = pd.factorize(routed["traceback_id"])
    width = int(tb.max()) + 1 if m else 1
    tracebacks = np.bincount(np.unique(inv * width + tb) // width, minlength=n)
    camp, labels = pd.factorize(routed["campaign"], sort=True)
    lists: list[list[str]] = [[] for _ in range(n)]
    keep = camp >= 0
    combos = np.unique(inv[keep].astype(np.int64) * (len(labels) + 1) + camp[keep])
    label_list = [str(x) for x in labels]
    for g, c in zip(
        (combos // (len(labels) + 1)).tolist(), (combos % (len(labels) + 1)).tolist(), strict=True
    ):
        lists[g].append(label_list[c])
    delimiter_lists.extend(lists)
    ns = pd.DatetimeIndex(routed["call_time"].astype("datetime64[ns, UTC]")).asi8
    by_pair = pd.Series(ns).groupby(inv)
    names_arr = np.asarray(names, dtype=object)
    return pd.DataFrame(
        {
            "up": names_arr[pairs // n_keys],
            "down": names_arr[pairs % n_keys],
            "tracebacks": tracebacks.astype(np.int64),
            "hops": n_hops.astype(np.int64),
            "campaigns": pd.Series(lists, dtype=object),
            "n_campaigns": np.array([len(x) for x in lists], dtype=np.int64),
            "first_seen": pd.to_datetime(by_pair.min().to_numpy(), unit="ns", utc=True),
            "last_seen": pd.to_datetime(by_pair.max().to_numpy(), unit="ns", utc=True),
        }
    )


def _provider_table(rows: list[dict[str, Any]], delimiter: str) -> pa.Table:
    cols: dict[str, pa.Array] = {"key:ID(Provider)": _text([r["key"] for r in rows])}
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


def write_import_csvs(
    hops: pd.DataFrame, providers: pd.DataFrame | None, folder: str | Path
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

    Returns
    -------
    ImportFiles
        The files, their row counts and the reading options they need.

    Raises
    ------
    SchemaError
        When a frame does not follow the canonical schema.
    """
    schema.check_hops(hops)
    if providers is not None:
        schema.check_providers(providers)
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    files = ImportFiles(folder=out)
    writer = _Writer(files)
    hops = R.with_source_hop(hops.reset_index(drop=True))
    o = _order(hops)

    provider_rows = R.provider_rows(hops, providers)
    routed = _routed_frame(hops, o)
    lists: list[list[str]] = [list(r.get("aliases") or []) for r in provider_rows]
    sends_to = _sends_to(routed, lists)
    files.array_delimiter = delimiter = _pick_delimiter(lists)

    # --- nodes
    writer.write("node", "Provider", _provider_table(provider_rows, delimiter))
    first = o.order[o.starts]  # the lowest hop of each traceback
    low = hops.iloc[first]
    hashes = R.content_hashes(hops)
    tb_cols: dict[str, pa.Array] = {
        "id:ID(Traceback)": _text(low["traceback_id"]),
        "call_time:datetime": _iso(low["call_time"]),
    }
    for prop in R.TRACEBACK_PROPS:
        if prop != "call_time":
            tb_cols[prop] = _text(low[prop])
    tb_cols["content_hash"] = _text(hashes.reindex(low["traceback_id"].to_numpy()).to_numpy())
    writer.write("node", "Traceback", pa.table(tb_cols))
    campaigns = pd.unique(hops["campaign"].dropna())
    writer.write("node", "Campaign", pa.table({"name:ID(Campaign)": _text(pd.Series(campaigns))}))
    named = hops["customer_key"].notna().to_numpy()
    sorted_named = o.order[named[o.order]]  # rows naming a customer, in (traceback, hop) order
    cust = hops.iloc[sorted_named].drop_duplicates(subset=["customer_key"], keep="first")
    writer.write(
        "node",
        "Customer",
        pa.table(
            {"key:ID(Customer)": _text(cust["customer_key"]), "name": _text(cust["customer"])}
        ),
    )

    # --- relationships
    hop_cols: dict[str, pa.Array] = {
        ":START_ID(Traceback)": _text(hops["traceback_id"]),
        ":END_ID(Provider)": _text(hops["provider_key"]),
    }
    for col, prop in R.HOP_PROPS.items():
        whole = col in ("hop", "source_line", "source_hop")
        hop_cols[f"{prop}:long" if whole else prop] = _int(hops[col]) if whole else _text(hops[col])
    writer.write("rel", "HOP", pa.table(hop_cols))
    del hop_cols
    writer.write(
        "rel",
        "ROUTED",
        pa.table(
            {
                ":START_ID(Provider)": _text(routed["upstream_key"]),
                ":END_ID(Provider)": _text(routed["downstream_key"]),
                "traceback_id": _text(routed["traceback_id"]),
                "hop:long": _int(routed["hop"]),
                "source_hop:long": _int(routed["source_hop"]),
                "call_time:datetime": _iso(routed["call_time"]),
                "campaign": _text(routed["campaign"]),
                "attestation": _text(routed["attestation"]),
                "response_category": _text(routed["response_category"]),
            }
        ),
    )
    del routed
    with_campaign = low[low["campaign"].notna()]
    writer.write(
        "rel",
        "OF_CAMPAIGN",
        pa.table(
            {
                ":START_ID(Traceback)": _text(with_campaign["traceback_id"]),
                ":END_ID(Campaign)": _text(with_campaign["campaign"]),
            }
        ),
    )
    # the highest hop of each traceback that names a customer (the originating provider)
    tb_named = o.tb[named[o.order]]
    last = np.r_[tb_named[1:] != tb_named[:-1], True] if len(tb_named) else np.array([], bool)
    link = hops.iloc[sorted_named[last]]
    writer.write(
        "rel",
        "FROM_CUSTOMER",
        pa.table(
            {
                ":START_ID(Traceback)": _text(link["traceback_id"]),
                ":END_ID(Customer)": _text(link["customer_key"]),
            }
        ),
    )
    writer.write(
        "rel",
        "CUSTOMER_OF",
        pa.table(
            {
                ":START_ID(Customer)": _text(link["customer_key"]),
                ":END_ID(Provider)": _text(link["provider_key"]),
                "traceback_id": _text(link["traceback_id"]),
            }
        ),
    )
    writer.write(
        "rel",
        "SENDS_TO",
        pa.table(
            {
                ":START_ID(Provider)": _text(sends_to["up"]),
                ":END_ID(Provider)": _text(sends_to["down"]),
                "tracebacks:long": _int(sends_to["tracebacks"]),
                "hops:long": _int(sends_to["hops"]),
                "campaigns:string[]": _joined(list(sends_to["campaigns"]), delimiter),
                "n_campaigns:long": _int(sends_to["n_campaigns"]),
                "first_seen:datetime": _iso(sends_to["first_seen"]),
                "last_seen:datetime": _iso(sends_to["last_seen"]),
            }
        ),
    )
    return files
