"""Input shapes: tell a hop table, a path table and an RMD export apart, and stage their rows.

Staging turns a :class:`~loaders.readers.RawTable` into rows of the hop shape (one row per hop) with
canonical column names, all cells still text, plus bookkeeping columns (``_file``, ``_row``,
``_line``, ``_err_column``, ``_err_reason``). Validation and typing happen later, on all files at once.

Shapes, detected by columns (after the mapping file's renames):

* **hop table**: ``hop`` and ``provider`` (required: ``traceback_id``, ``hop``, ``provider``,
  ``call_time``);
* **path table**: ``path`` (required: ``traceback_id``, ``path``, ``call_time``). ``path`` lists the
  providers in call-flow order, origin first, terminating last, separated by ``>``. Optional
  parallel lists in the same order and with the same separator: ``responses``, ``roles``,
  ``countries``. Per-traceback columns (``call_time``, ``campaign``, numbers, ``attestation``,
  ``customer``) are copied to every hop, as the synthetic hop tables do;
* **registry**: ``frn`` and ``business_name`` (the RMD export).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from graphengine.errors import InputFileError
from loaders.mapping import ColumnMapping, normalise_column
from loaders.readers import RawTable

__all__ = [
    "HOP_INPUT_COLUMNS",
    "HOP_REQUIRED_COLUMNS",
    "PATH_REQUIRED_COLUMNS",
    "REGISTRY_REQUIRED_COLUMNS",
    "PATH_SEPARATOR",
    "detect_shape",
    "canonical_frame",
    "stage_hops",
    "stage_paths",
    "combine_columns",
    "time_headers",
    "detect_first_hop",
]

#: Columns of the hop shape that an input may carry (everything else in a file is ignored).
HOP_INPUT_COLUMNS: tuple[str, ...] = (
    "traceback_id",
    "hop",
    "provider",
    "upstream_provider",
    "role",
    "response",
    "call_time",
    "campaign",
    "calling_number",
    "called_number",
    "attestation",
    "provider_country",
    "customer",
)
HOP_REQUIRED_COLUMNS: tuple[str, ...] = ("traceback_id", "hop", "provider", "call_time")
PATH_REQUIRED_COLUMNS: tuple[str, ...] = ("traceback_id", "path", "call_time")
REGISTRY_REQUIRED_COLUMNS: tuple[str, ...] = ("frn", "business_name")
#: separator of the path table's lists (whitespace around ``>`` is optional)
PATH_SEPARATOR = r"\s*>\s*"
_PARALLEL = {"responses": "response", "roles": "role", "countries": "provider_country"}


def canonical_frame(table: RawTable, mapping: ColumnMapping) -> pd.DataFrame:
    """Return the table's frame with canonical column names (mapping renames applied).

    Raises
    ------
    InputFileError
        When two file columns map onto the same canonical column.
    """
    frame = combine_columns(table, mapping)
    renames = mapping.rename([str(c) for c in frame.columns])
    targets: dict[str, str] = {}
    for source, target in renames.items():
        if target in targets:
            raise InputFileError(
                f"{table.path}: columns {targets[target]!r} and {source!r} both map to {target!r}"
            )
        targets[target] = source
    return frame.rename(columns=renames)


def combine_columns(table: RawTable, mapping: ColumnMapping) -> pd.DataFrame:
    """Return the table's frame with the mapping's ``combine`` columns joined (space between).

    A file that has none of a combination's columns is left alone (a registry next to the hop
    table); one that has only some of them is an error.

    Raises
    ------
    InputFileError
        When a file has some but not all columns of a combination.
    """
    frame = table.frame
    if not mapping.combine:
        return frame
    by_norm = {normalise_column(c): c for c in frame.columns}
    for target, sources in mapping.combine.items():
        present = [by_norm[c] for c in sources if c in by_norm]
        if not present:
            continue
        if len(present) != len(sources):
            missing = [c for c in sources if c not in by_norm]
            raise InputFileError(
                f"{table.path}: combine {target}: column(s) {', '.join(missing)} not found"
            )
        parts = [frame[c].astype(str).str.strip() for c in present]
        joined = parts[0]
        for part in parts[1:]:
            joined = (joined + " " + part).str.strip()
        frame = frame.drop(columns=present)
        frame[target] = joined.to_numpy(dtype=object)
    return frame


def time_headers(table: RawTable, mapping: ColumnMapping) -> list[str]:
    """Return the file's own header(s) that become ``call_time`` (renamed or combined)."""
    sources = mapping.combine.get("call_time")
    if sources:
        return [str(c) for c in table.frame.columns if normalise_column(c) in sources]
    renames = mapping.rename([str(c) for c in table.frame.columns])
    return [name for name, target in renames.items() if target == "call_time"]


def detect_first_hop(frame: pd.DataFrame) -> int:
    """Return 1 when every traceback of a hop table starts at hop 1 and none at 0, else 0."""
    hop = pd.to_numeric(frame["hop"], errors="coerce")
    ok = hop.notna() & (frame["traceback_id"].astype(str).str.strip() != "")
    if not ok.any():
        return 0
    firsts = hop[ok].groupby(frame.loc[ok, "traceback_id"].astype(str).str.strip()).min()
    return 1 if bool((firsts == 1).all()) else 0


def detect_shape(table: RawTable, frame: pd.DataFrame) -> str:
    """Return ``"hops"``, ``"paths"`` or ``"registry"`` from the columns of ``frame``.

    A file with ``provider`` but none of ``traceback_id``, ``hop``, ``path``, ``call_time`` is a
    provider attribute list (``provider,country`` and optional RMD columns): ``"registry"``.

    Raises
    ------
    InputFileError
        When the shape cannot be told, or a required column of the shape is missing.
    """
    cols = set(frame.columns)
    if "business_name" in cols:
        shape, required = "registry", REGISTRY_REQUIRED_COLUMNS
    elif "path" in cols:
        shape, required = "paths", PATH_REQUIRED_COLUMNS
    elif "provider" in cols and not cols & {"traceback_id", "hop", "call_time"}:
        shape, required = "registry", ("provider",)
    elif "hop" in cols or "provider" in cols:
        shape, required = "hops", HOP_REQUIRED_COLUMNS
    elif "frn" in cols:
        shape, required = "registry", REGISTRY_REQUIRED_COLUMNS
    else:
        found = ", ".join(str(c) for c in list(frame.columns)[:12])
        raise InputFileError(
            f"{table.path}: cannot tell the input shape from its columns ({found}); expected a hop "
            "table (traceback_id, hop, provider, call_time), a path table (traceback_id, path, "
            "call_time) or an RMD export (frn, business_name); use --mapping to rename columns"
        )
    missing = [c for c in required if c not in cols]
    if missing:
        what = {"hops": "hop table", "paths": "path table", "registry": "RMD export"}[shape]
        plural = "s" if len(missing) > 1 else ""
        raise InputFileError(
            f"{table.path}: {what} is missing required column{plural} {', '.join(missing)}"
        )
    return shape


def _bookkeeping(table: RawTable, file_index: int, n: int) -> dict[str, object]:
    err_col = np.full(n, None, dtype=object)
    err_reason = np.full(n, None, dtype=object)
    for pos, (column, reason) in table.row_errors.items():
        err_col[pos], err_reason[pos] = column, reason
    return {
        "_file": np.full(n, file_index, dtype=np.int64),
        "_row": np.arange(n, dtype=np.int64),
        "_line": np.asarray(table.lines, dtype=np.int64),
        "_err_column": err_col,
        "_err_reason": err_reason,
    }


def stage_hops(
    table: RawTable,
    frame: pd.DataFrame,
    file_index: int,
    first_hop: int | None = 0,
    zone: str | None = None,
) -> pd.DataFrame:
    """Stage a hop table: canonical text columns (missing ones empty) plus bookkeeping.

    ``first_hop`` is the number the file gives the terminating provider (mapping file); None
    detects it (:func:`detect_first_hop`). ``zone`` is the zone of call times without one.
    """
    n = len(frame)
    data: dict[str, object] = {}
    for col in HOP_INPUT_COLUMNS:
        data[col] = (
            frame[col].to_numpy(dtype=object) if col in frame else np.full(n, "", dtype=object)
        )
    staged = pd.DataFrame(data)
    for key, value in _bookkeeping(table, file_index, n).items():
        staged[key] = np.asarray(value)
    # When the file has no upstream column, the next hop's provider is the upstream it named.
    staged["_upstream_given"] = "upstream_provider" in frame
    base = detect_first_hop(frame) if first_hop is None else first_hop
    staged["_hop_base"] = np.int64(base)
    staged["_zone"] = zone
    return staged


def stage_paths(
    table: RawTable, frame: pd.DataFrame, file_index: int, zone: str | None = None
) -> pd.DataFrame:
    """Stage a path table: one row per provider of each path, numbered from the terminating end.

    A row whose parallel list (``responses``, ``roles``, ``countries``) has a different length from
    its ``path`` gets a row error; so does an empty ``path``.
    """
    n = len(frame)
    book = _bookkeeping(table, file_index, n)
    parts = frame["path"].astype(str).str.strip().str.split(PATH_SEPARATOR, regex=True)
    lengths = np.array([len(p) for p in parts], dtype=np.int64)
    err_col, err_reason = book["_err_column"], book["_err_reason"]
    assert isinstance(err_col, np.ndarray) and isinstance(err_reason, np.ndarray)
    for list_col in _PARALLEL:
        if list_col not in frame:
            continue
        items = frame[list_col].astype(str).str.split(PATH_SEPARATOR, regex=True)
        given = frame[list_col].astype(str).str.strip() != ""
        bad = given.to_numpy() & (np.array([len(p) for p in items], dtype=np.int64) != lengths)
        for pos in np.flatnonzero(bad):
            if err_reason[pos] is None:
                err_col[pos] = list_col
                err_reason[pos] = (
                    f"{list_col} has {len(items.iloc[pos])} entries but path has "
                    f"{lengths[pos]} providers"
                )
    rep = np.repeat(np.arange(n), lengths)
    position = np.concatenate([np.arange(k) for k in lengths]) if n else np.array([], dtype=int)
    hop = np.repeat(lengths, lengths) - 1 - position  # origin first in the path, hop 0 last
    providers: list[str] | np.ndarray = (
        np.concatenate([np.asarray(p, dtype=object) for p in parts]) if n else []
    )
    staged = pd.DataFrame({"provider": np.asarray(providers, dtype=object)})
    staged["hop"] = hop.astype(str).astype(object)
    upstream = np.full(len(staged), "", dtype=object)
    # upstream of a hop is the provider one place earlier in the path (same traceback)
    same = np.r_[False, rep[1:] == rep[:-1]]
    upstream[same] = staged["provider"].to_numpy()[np.flatnonzero(same) - 1]
    staged["upstream_provider"] = upstream
    per_traceback = ("traceback_id", "call_time", "campaign", "calling_number", "called_number")
    for col in (*per_traceback, "attestation", "customer"):
        staged[col] = frame[col].to_numpy(dtype=object)[rep] if col in frame else ""
    for list_col, target in _PARALLEL.items():
        if list_col in frame:
            items = frame[list_col].astype(str).str.split(PATH_SEPARATOR, regex=True)
            flat = [
                (lst[i] if i < len(lst) and len(lst) == lengths[r] else "")
                for r, lst in enumerate(items)
                for i in range(lengths[r])
            ]
            staged[target] = np.asarray(flat, dtype=object)
        else:
            staged[target] = ""
    staged = staged[list(HOP_INPUT_COLUMNS)]
    for key, value in book.items():
        staged[key] = np.asarray(value)[rep]
    staged["_upstream_given"] = True
    staged["_hop_base"] = np.int64(0)
    staged["_zone"] = zone
    empty_path = frame["path"].astype(str).str.strip().to_numpy()[rep] == ""
    staged.loc[
        empty_path & staged["_err_reason"].isna().to_numpy(), ["_err_column", "_err_reason"]
    ] = [
        "path",
        "missing required field 'path'",
    ]
    return staged.reset_index(drop=True)
