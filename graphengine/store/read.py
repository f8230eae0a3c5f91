"""Read the graph back as canonical frames, count it, and write analytics back.

Reads run in read transactions (``RoutingControl.READ``), so a Neo4j cluster routes them
to a reader. What comes back follows :mod:`graphengine.schema`, so analytics run the same
code on a frame loaded from files (the embedded default) and on one read from Neo4j.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import igraph as ig
import numpy as np
import pandas as pd

from graphengine import schema
from graphengine.errors import SchemaError
from graphengine.graph import graph_from_edges
from graphengine.store import rows as R
from graphengine.store import statements as S
from graphengine.store.run import read, write
from neo4j import Driver

__all__ = [
    "provider_graph_from_neo4j",
    "projection_frames",
    "graph_counts",
    "graph_fingerprint",
    "read_hops",
    "read_providers",
    "read_sends_to",
    "read_projection",
    "write_provider_properties",
    "SENDS_TO_COLUMNS",
]

#: columns of the SENDS_TO edge frame returned by :func:`read_sends_to`; the same as
#: :data:`graphengine.graph.EDGE_COLUMNS`, which aggregates the same edges in-process.
SENDS_TO_COLUMNS: dict[str, str] = {
    "upstream_key": "string",
    "downstream_key": "string",
    "tracebacks": "int64",  # distinct tracebacks
    "hops": "int64",  # ROUTED edges behind the pair
    "n_campaigns": "int64",
    "campaigns": "string",  # ';'-separated, sorted
    "first_seen": "datetime64[ns, UTC]",
    "last_seen": "datetime64[ns, UTC]",
}

#: Provider properties the store itself owns; write-back may not touch them.
_PROTECTED = frozenset(
    {"key", "name", "aliases", "country", "frn", "in_rmd", "rmd_implementation"}
    | {"gateway_provider_choice", "intermediate_provider_choice", "rmd_removed_on"}
)
_PROPERTY_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_WRITE_CHUNK = 5_000


def _read(driver: Driver, statement: str, database: str | None, **params: Any) -> list[Any]:
    return read(driver, statement, database, **params)


def graph_counts(driver: Driver, *, database: str | None = None) -> dict[str, int]:
    """Return the number of nodes per label and edges per type of the graph model.

    Examples
    --------
    >>> graph_counts(driver)["Provider"]  # doctest: +SKIP
    7
    """
    (record,) = _read(driver, S.GRAPH_COUNTS, database)
    return {k: int(v) for k, v in record.items()}


def graph_fingerprint(driver: Driver, *, database: str | None = None) -> str:
    """Return a SHA-256 over every node and relationship with all their properties.

    Nodes are described by their labels and properties, relationships by their type, their
    properties and the labels and business keys of both ends, never by Neo4j's internal ids,
    so two databases holding the same graph give the same value. Used to check that a
    re-load or a resumed load leaves exactly the graph one clean load makes.

    Examples
    --------
    >>> before = graph_fingerprint(driver)  # doctest: +SKIP
    """
    lines: list[str] = []
    for rec in _read(driver, S.FINGERPRINT_NODES, database):
        lines.append(_canonical({"labels": sorted(rec["labels"]), "props": rec["props"]}))
    for rec in _read(driver, S.FINGERPRINT_RELATIONSHIPS, database):
        lines.append(_canonical(dict(rec.items())))
    lines.sort()
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line.encode())
        digest.update(b"\n")
    return digest.hexdigest()


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=lambda v: _native(v).isoformat())


def _native(value: Any) -> Any:
    to_native = getattr(value, "to_native", None)
    return to_native() if to_native is not None else value


def _column(values: list[Any], dtype: str) -> pd.Series:
    if dtype.startswith("datetime64"):
        native = pd.Series([None if v is None else _native(v) for v in values], dtype=object)
        return pd.Series(pd.to_datetime(native, utc=True), dtype="datetime64[ns, UTC]")
    if dtype == "boolean":
        return pd.Series(values, dtype="boolean")
    if dtype == "int64":
        return pd.Series(values, dtype="int64")
    return pd.Series(values, dtype=dtype)


def read_hops(driver: Driver, *, database: str | None = None) -> pd.DataFrame:
    """Return every hop in the graph as a canonical hop frame, sorted by traceback and hop.

    The frame has the columns and dtypes of :data:`graphengine.schema.HOP_COLUMNS`, plus
    ``source_hop`` when the graph holds it; loading a frame and reading it back gives the
    same rows.

    Examples
    --------
    >>> hops = read_hops(driver)  # doctest: +SKIP
    >>> schema.check_hops(hops)  # doctest: +SKIP
    """
    records = _read(driver, S.READ_HOPS, database)
    if not records:
        return schema.empty_hops()
    prop_of_column = {col: prop for col, prop in R.HOP_PROPS.items()}
    data: dict[str, list[Any]] = {c: [] for c in schema.HOP_COLUMNS}
    for rec in records:
        hop = rec["hop"]
        tb = rec["traceback"]
        for col in schema.HOP_COLUMNS:
            if col == "traceback_id":
                value = rec["traceback_id"]
            elif col == "provider_key":
                value = rec["provider_key"]
            elif col in prop_of_column:
                value = hop.get(prop_of_column[col])
            else:
                value = tb.get(col)
            data[col].append(value)
    frame = pd.DataFrame({c: _column(data[c], dtype) for c, dtype in schema.HOP_COLUMNS.items()})
    # the hop number as printed in the source, when the loaders stored it
    if any(rec["hop"].get("source_hop") is not None for rec in records):
        printed = [rec["hop"].get("source_hop", rec["hop"].get("hop")) for rec in records]
        frame["source_hop"] = _column(printed, "int64")
    return frame.sort_values(["traceback_id", "hop"], kind="stable").reset_index(drop=True)


def read_providers(driver: Driver, *, database: str | None = None) -> pd.DataFrame:
    """Return every Provider node as a provider frame.

    The canonical columns (:data:`graphengine.schema.PROVIDER_COLUMNS`) come first, then
    every written-back property (``ecosystem``, ``ecosystem_stability``, scores...), sorted by
    name. ``aliases`` is ';'-separated as in the canonical frame.
    """
    records = _read(driver, S.READ_PROVIDERS, database)
    props = [dict(r["props"]) for r in records]
    extra = sorted({k for p in props for k in p} - set(schema.PROVIDER_COLUMNS) - {"key"})
    data: dict[str, pd.Series] = {}
    for col, dtype in schema.PROVIDER_COLUMNS.items():
        if col == "provider_key":
            values: list[Any] = [p.get("key") for p in props]
        elif col == "aliases":
            values = [";".join(p["aliases"]) if p.get("aliases") else None for p in props]
        else:
            values = [p.get(col) for p in props]
        data[col] = _column(values, dtype)
    for col in extra:
        values = [_native(p.get(col)) for p in props]
        data[col] = pd.Series(values, dtype=_infer(values))
    return pd.DataFrame(data)


def _infer(values: list[Any]) -> str:
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present):
        return "boolean"
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return "Int64"
    if present and all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        return "Float64"
    if all(isinstance(v, str) for v in present):
        return "string"
    return "object"


def read_sends_to(driver: Driver, *, database: str | None = None) -> pd.DataFrame:
    """Return the aggregated SENDS_TO edges (columns :data:`SENDS_TO_COLUMNS`), sorted by
    upstream then downstream key."""
    records = _read(driver, S.READ_SENDS_TO, database)
    data: dict[str, pd.Series] = {}
    for col, dtype in SENDS_TO_COLUMNS.items():
        values = [r[col] for r in records]
        if col == "campaigns":
            values = [";".join(v or []) for v in values]
        data[col] = _column(values, dtype)
    return pd.DataFrame(data)


def read_projection(
    driver: Driver, *, database: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return ``(providers, sends_to)``: the provider frame (:func:`read_providers`) and the
    aggregated provider-to-provider edges (:func:`read_sends_to`), for analytics that run
    ``--from-neo4j``.

    Examples
    --------
    >>> providers, edges = read_projection(driver)  # doctest: +SKIP
    >>> list(edges.columns)[:3]  # doctest: +SKIP
    ['upstream_key', 'downstream_key', 'tracebacks']
    """
    return read_providers(driver, database=database), read_sends_to(driver, database=database)


def write_provider_properties(
    driver: Driver,
    frame: pd.DataFrame,
    columns: list[str] | tuple[str, ...],
    *,
    key: str = "provider_key",
    database: str | None = None,
) -> int:
    """Write analytics results onto Provider nodes, in batches; return how many matched.

    Each listed column of ``frame`` becomes a property of the Provider whose ``key`` equals
    the row's ``provider_key``. A missing value removes the property. Rows whose key is not
    in the graph are ignored (the return value tells how many were found).

    Raises
    ------
    SchemaError
        When ``key`` or a column is missing from ``frame``, a column name is not a plain
        identifier, or a column would overwrite a property the loader owns (``name``,
        ``frn``, ...).

    Examples
    --------
    >>> write_provider_properties(driver, eco, ["ecosystem", "ecosystem_stability"])  # doctest: +SKIP
    42
    """
    missing = [c for c in [key, *columns] if c not in frame.columns]
    if missing:
        raise SchemaError(f"write-back frame is missing column(s): {', '.join(missing)}")
    for col in columns:
        if not _PROPERTY_NAME.match(col):
            raise SchemaError(
                f"write-back column {col!r} is not a valid property name "
                "(letters, digits and _ only)"
            )
        if col in _PROTECTED:
            raise SchemaError(
                f"write-back column {col!r} would overwrite a property the loader owns; rename it"
            )
    frame = frame.dropna(subset=[key])
    keys = R.pylist(frame[key].astype("string"))
    cols = {c: R.pylist(_plain(frame[c])) for c in columns}
    rows = [{"key": k, "props": {c: cols[c][i] for c in columns}} for i, k in enumerate(keys)]
    updated = 0
    for start in range(0, len(rows), _WRITE_CHUNK):
        chunk = rows[start : start + _WRITE_CHUNK]
        (record,) = write(driver, S.WRITE_PROVIDER_PROPERTIES, database, rows=chunk)
        updated += int(record["updated"])
    return updated


def _plain(series: pd.Series) -> pd.Series:
    """Floats that are NaN count as missing; everything else passes through."""
    if pd.api.types.is_float_dtype(series):
        return series.astype("Float64").where(~np.isnan(series.astype(float)), pd.NA)
    return series


def provider_graph_from_neo4j(driver: Driver, *, weight: str | None = "tracebacks") -> ig.Graph:
    """Build the provider graph from the Neo4j projection (every Provider, every SENDS_TO).

    Parameters
    ----------
    driver : neo4j.Driver
        An open driver; the read goes through :func:`read_projection`.
    weight : {"tracebacks", "hops", "n_campaigns", None}
        As in :func:`graphengine.graph.provider_graph`.

    Returns
    -------
    igraph.Graph
        The same graph :func:`graphengine.graph.provider_graph` builds from the frames that were loaded.
    """
    vertices, edges = projection_frames(read_projection(driver))
    return graph_from_edges(edges, vertices, weight=weight)


def projection_frames(projection: Any) -> tuple[list[str], pd.DataFrame]:
    """Normalise what the store's projection read returns into (vertex keys, edge table)."""
    if isinstance(projection, tuple):
        nodes, edges = projection
    else:
        nodes, edges = projection.providers, projection.edges
    keys = nodes["provider_key"] if isinstance(nodes, pd.DataFrame) else nodes
    edges = edges.copy()
    if "campaigns" in edges.columns and edges["campaigns"].map(lambda v: isinstance(v, list)).any():
        edges["campaigns"] = edges["campaigns"].map(
            lambda v: ";".join(sorted(map(str, v))) if isinstance(v, list) else v
        )
    return [str(k) for k in keys], edges
