"""Bulk stitching: trace every suspect call hop by hop through many carriers' call records.

The tracer works one hop level at a time, for all tracebacks at once: the frontier (one row per
traceback still open) is joined with the records in one set-based query per level
(:data:`graphengine.traceback.engines.CANDIDATES_SQL`), then each traceback's candidates are
decided here, in one place, whatever the engine:

1. keys are tried strongest first: the SIP Call-ID (the downstream record's inbound Call-ID is
   this carrier's outbound one, passed unchanged), then the STIR/SHAKEN identity (identity_hash,
   or origid with the same orig/dest numbers), then the E.164 calling and called numbers; every
   key also needs the record's egress carrier to be the downstream carrier and its time within
   the tolerance (default +-10 s, for clock skew);
2. exactly one candidate at the strongest key that finds any: that record answers the hop;
3. two or more: the hop is **ambiguous**; every candidate is reported and nothing is guessed
   (two calls a few seconds apart cannot be told apart by "nearest time" when each clock may be
   5 s off);
4. none: the carrier keeps records for that time but not this call ("Record not found").

A path ends at the originating carrier (its record names a customer), at a gateway (the record's
ingress carrier is foreign: the foreign provider gets a last row of its own), at a carrier with
no records covering the time (response "No records"), or where a hop is ambiguous or not found.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from graphengine.errors import InputFileError
from graphengine.progress import bar
from graphengine.traceback.engines import (
    CANDIDATES_SQL,
    COVERAGE_SQL,
    DETAILS_SQL,
    Engine,
)
from graphengine.traceback.records import carrier_key, e164_numbers
from loaders.shapes import HOP_INPUT_COLUMNS

__all__ = [
    "HOP_OUTPUT_COLUMNS",
    "AMBIGUOUS_COLUMNS",
    "MATCH_COLUMNS",
    "RESPONSES",
    "StitchResult",
    "read_suspect_calls",
    "read_providers",
    "stitch",
]

#: The canonical hop table columns written by ``traceback stitch``: the loaders' own hop input
#: columns, so ``graphengine load`` and ``investigate`` read the output unchanged.
HOP_OUTPUT_COLUMNS: tuple[str, ...] = HOP_INPUT_COLUMNS
AMBIGUOUS_COLUMNS: tuple[str, ...] = (
    "traceback_id",
    "hop",
    "carrier",
    "candidate",
    "key",
    "dt_s",
    "ingress_carrier",
    "ingress_customer",
    "record_file",
    "record_line",
    "record_sha256",
)
MATCH_COLUMNS: tuple[str, ...] = (
    "traceback_id",
    "hop",
    "carrier",
    "key",
    "dt_s",
    "record_file",
    "record_line",
    "record_sha256",
)
#: Raw response texts; each maps to its category through the loaders' default vocabulary.
RESPONSES: dict[str, str] = {
    "upstream": "Answered from records - upstream identified",  # responded
    "customer": "Answered from records - customer identified",  # customer_identified
    "no_records": "No records",  # records_not_found (the carrier keeps none for that time)
    "not_found": "Record not found in the carrier's records",  # records_not_found
    "ambiguous": "Ambiguous in records - candidates listed, not traced further",  # unmapped
    "foreign": "Foreign provider - not traced further",  # foreign
    "loop": "Records loop back to an earlier hop - not traced further",  # unmapped
}
KEY_NAMES = {1: "call_id", 2: "identity", 3: "numbers_time"}
_ZONE = re.compile(r"(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$")


@dataclass
class StitchResult:
    """The stitched hop table, the ambiguous candidates and the record behind every matched hop."""

    hops: pd.DataFrame
    ambiguous: pd.DataFrame
    matches: pd.DataFrame
    stats: dict[str, int] = field(default_factory=dict)


def read_suspect_calls(path: str | Path) -> pd.DataFrame:
    """Read the suspect-calls file (``traceback_id, terminating_carrier, call_time,
    calling_number, called_number`` and optionally ``campaign``).

    Returns
    -------
    pandas.DataFrame
        The rows as strings plus ``t_ms`` (UTC epoch milliseconds).

    Raises
    ------
    InputFileError
        Naming file and line: a missing column, an empty id or carrier, a duplicated id, or a
        call_time that is unreadable or has no zone.
    """
    p = Path(path)
    try:
        calls = pd.read_csv(p, dtype=str, keep_default_na=False, na_filter=False)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise InputFileError(f"--calls {p}: cannot be read: {' '.join(str(exc).split())}") from exc
    need = ["traceback_id", "terminating_carrier", "call_time", "calling_number", "called_number"]
    missing = [c for c in need if c not in calls.columns]
    if missing:
        raise InputFileError(f"--calls {p}: missing column(s) {', '.join(missing)}")
    if "campaign" not in calls.columns:
        calls["campaign"] = ""
    calls = calls[[*need, "campaign"]].apply(lambda s: s.str.strip())

    def fail(mask: pd.Series, reason: str) -> None:
        if mask.any():
            line = int(np.flatnonzero(mask.to_numpy())[0]) + 2
            raise InputFileError(f"{p}:{line}: {reason}")

    fail(calls["traceback_id"] == "", "empty traceback_id")
    fail(calls["traceback_id"].duplicated(), "traceback_id appears twice")
    fail(calls["terminating_carrier"] == "", "empty terminating_carrier")
    fail(~calls["call_time"].str.contains(_ZONE), "call_time has no zone or offset")
    times = pd.to_datetime(calls["call_time"], utc=True, format="ISO8601", errors="coerce")
    fail(times.isna(), "call_time is not a date and time")
    calls["t_ms"] = times.to_numpy(dtype="datetime64[ns]").astype(np.int64) // 1_000_000
    calls["call_time"] = times.dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    return calls.reset_index(drop=True)


def read_providers(path: str | Path | None) -> dict[str, str]:
    """Return provider key -> ISO country from a ``name, country`` file ({} when none given).

    Raises
    ------
    InputFileError
        When the file cannot be read or lacks the two columns.
    """
    if path is None:
        return {}
    p = Path(path)
    try:
        frame = pd.read_csv(p, dtype=str, keep_default_na=False)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise InputFileError(f"--providers {p}: cannot be read: {exc}") from exc
    if not {"name", "country"} <= set(frame.columns):
        raise InputFileError(f"--providers {p}: needs columns name,country")
    return {
        carrier_key(n): (c.strip().upper() or "US")
        for n, c in zip(frame["name"], frame["country"], strict=True)
        if carrier_key(n)
    }


#: The frontier's columns, as :data:`graphengine.traceback.engines.CANDIDATES_SQL` reads them.
FRONTIER_COLUMNS: tuple[str, ...] = (
    "fid",
    "carrier_key",
    "t_ms",
    "calling",
    "called",
    "down_key",
    "cid",
    "ihash",
    "origid",
)
_HOP_ROW_COLUMNS = (
    "fid",
    "hop",
    "provider",
    "upstream_provider",
    "role",
    "response",
    "attestation",
    "provider_country",
    "customer",
)
_DECIDE_COLUMNS = ["fid", "rid", "key_rank", "dt_ms"]


def decide_frame(cands: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split candidates into the decided hops and the ambiguous ones, for every fid at once.

    Only the candidates at the strongest key rank of each fid count: one there answers the hop;
    two or more make it ambiguous, and none is preferred (nearest time is only their order).

    Returns
    -------
    tuple of pandas.DataFrame
        ``one``: a row (``fid, rid, key_rank, dt_ms, adt``) per fid with a single candidate;
        ``amb``: every candidate of the ambiguous fids, sorted by fid, ``|dt|`` and rid, with
        ``candidate`` numbered from 1 in that order.
    """
    if cands.empty:
        empty = pd.DataFrame({c: pd.Series(dtype="int64") for c in [*_DECIDE_COLUMNS, "adt"]})
        return empty, empty.assign(candidate=pd.Series(dtype="int64"))
    c = cands[_DECIDE_COLUMNS].astype("int64")
    best = c.groupby("fid")["key_rank"].transform("min")
    c = c[c["key_rank"] == best].assign(adt=lambda f: f["dt_ms"].abs())
    c = c.sort_values(["fid", "adt", "rid"], kind="stable")
    counts = c.groupby("fid")["rid"].transform("size")
    one = c[counts == 1].reset_index(drop=True)
    amb = c[counts > 1].reset_index(drop=True)
    amb["candidate"] = amb.groupby("fid").cumcount().astype("int64") + 1
    return one, amb


def decide(cands: pd.DataFrame) -> tuple[dict[int, Any], dict[int, pd.DataFrame]]:
    """Return (fid -> the one candidate, fid -> every candidate of an ambiguous hop).

    The same decision as :func:`decide_frame`, keyed by fid (for one traceback at a time).

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"fid": [0, 0, 1, 1], "rid": [5, 6, 7, 8],
    ...                   "key_rank": [1, 3, 3, 3], "dt_ms": [0, 200, 10, -40]})
    >>> one, amb = decide(c)
    >>> int(one[0].rid), sorted(amb[1]["rid"].tolist())
    (5, [7, 8])
    """
    one_f, amb_f = decide_frame(cands)
    singles: list[Any] = list(one_f.itertuples(index=False))
    one: dict[int, Any] = {int(r.fid): r for r in singles}
    amb: dict[int, pd.DataFrame] = {int(str(f)): g for f, g in amb_f.groupby("fid", sort=True)}
    return one, amb


def _lookup(keys: pd.Series, table: dict[str, Any], default: Any) -> list[Any]:
    """``table[k]`` for every key of ``keys``, ``default`` when absent."""
    return [table.get(k, default) for k in keys.tolist()]


def _hop_rows(
    fid: Any,
    hop: Any,
    provider: Any,
    upstream: Any,
    role: Any,
    kind: str,
    attestation: Any = "",
    country: Any = "US",
    customer: Any = "",
) -> pd.DataFrame:
    """One hop row per fid (scalars repeat; arrays and lists are taken in order)."""
    fids = np.asarray(fid, dtype=np.int64)
    columns = (fids, hop, provider, upstream, role, RESPONSES[kind], attestation, country, customer)
    data = {
        name: (np.asarray(v, dtype=object) if name != "fid" else v)
        if not np.isscalar(v)
        else np.full(len(fids), v, dtype=np.int64 if name == "hop" else object)
        for name, v in zip(_HOP_ROW_COLUMNS, columns, strict=True)
    }
    data["hop"] = np.asarray(data["hop"], dtype=np.int64)
    return pd.DataFrame(data)


def _sorted_unique(*columns: pd.Series) -> np.ndarray:
    """The distinct int64 values of ``columns``, sorted (numpy 2.4's hash-based unique is ~10x
    slower than pandas' on 100,000 ids)."""
    both = np.concatenate([c.to_numpy(dtype=np.int64) for c in columns])
    return np.sort(pd.unique(both))


def _text(frame: pd.DataFrame, column: str) -> np.ndarray:
    """The column as Python strings, "" for missing (records are read with no NA values)."""
    return frame[column].fillna("").to_numpy(dtype=object)


def stitch(
    engine: Engine,
    calls: pd.DataFrame,
    *,
    countries: dict[str, str] | None = None,
    tolerance_s: float = 10.0,
    max_hops: int = 30,
    record_source: Callable[[pd.DataFrame], tuple[list[str], list[str]]] | None = None,
    show_progress: bool | None = None,
) -> StitchResult:
    """Trace every suspect call of ``calls`` through the records loaded in ``engine``.

    Each hop level is one candidates query and one details query for every traceback still
    open; the decision and the next frontier are computed on whole frames (no per-traceback
    Python loop: at 100,000 calls that loop cost more than the SQL).

    Parameters
    ----------
    engine
        A :class:`~graphengine.traceback.engines.DuckDBEngine` or ``SparkEngine``.
    calls
        From :func:`read_suspect_calls`.
    countries
        Provider key -> ISO country (from :func:`read_providers`); unknown carriers are U.S.
    tolerance_s
        Largest clock difference accepted between two records of one call (and the suspect call).
    max_hops
        Safety bound on the path length.
    record_source
        Given the details of matched records (``file_id``, ``line``), return their file names and
        SHA-256 (see :func:`graphengine.traceback.bulk.source_of`); default: empty.

    Returns
    -------
    StitchResult
        ``hops`` in :data:`HOP_OUTPUT_COLUMNS` sorted by traceback and hop, ``ambiguous`` in
        :data:`AMBIGUOUS_COLUMNS`, ``matches`` in :data:`MATCH_COLUMNS` and counters.
    """
    countries = countries or {}
    tol = int(round(tolerance_s * 1000))
    sql = CANDIDATES_SQL.format(tol=tol)
    cov = engine.query(COVERAGE_SQL, {})
    lo = {str(k): int(a) - tol for k, a in zip(cov["carrier_key"], cov["first_ms"], strict=True)}
    hi = {str(k): int(b) + tol for k, b in zip(cov["carrier_key"], cov["last_ms"], strict=True)}
    n = len(calls)
    names = calls["terminating_carrier"].to_numpy(dtype=object)
    frontier = pd.DataFrame(
        {
            "fid": np.arange(n, dtype=np.int64),
            "carrier_key": np.asarray([carrier_key(x) for x in names], dtype=object),
            "t_ms": calls["t_ms"].to_numpy(dtype=np.int64),
            "calling": e164_numbers(calls["calling_number"]).to_numpy(dtype=object),
            "called": e164_numbers(calls["called_number"]).to_numpy(dtype=object),
            "down_key": "",
            "cid": "",
            "ihash": "",
            "origid": "",
            "name": names,
        }
    )
    # (fid, carrier key) of every matched hop so far: an upstream already on the path is a loop.
    visited = pd.MultiIndex.from_arrays([np.empty(0, dtype=np.int64), np.empty(0, dtype=object)])
    hop_parts: list[pd.DataFrame] = []
    amb_parts: list[pd.DataFrame] = []
    match_parts: list[pd.DataFrame] = []
    stats = {"suspect_calls": n, "ambiguous_hops": 0, "levels": 0}
    with bar(
        n,
        "stitch",
        unit="calls",
        disable=None if show_progress is None else not show_progress,
    ) as b:
        for hop in range(max_hops):
            if frontier.empty:
                break
            stats["levels"] += 1
            role_here = "terminating" if hop == 0 else "intermediate"
            keys = frontier["carrier_key"]
            t = frontier["t_ms"].to_numpy(dtype=np.int64)
            first = np.asarray(_lookup(keys, lo, np.iinfo(np.int64).max), dtype=np.int64)
            last = np.asarray(_lookup(keys, hi, np.iinfo(np.int64).min), dtype=np.int64)
            covered = (first <= t) & (t <= last)
            gone = frontier[~covered]
            if len(gone):
                hop_parts.append(
                    _hop_rows(
                        gone["fid"],
                        hop,
                        gone["name"],
                        "",
                        role_here,
                        "no_records",
                        country=_lookup(gone["carrier_key"], countries, "US"),
                    )
                )
                b.update(len(gone))
            asked = frontier[covered].reset_index(drop=True)
            if asked.empty:
                break
            cands = engine.query(sql, {"frontier": asked[list(FRONTIER_COLUMNS)]})
            one, amb = decide_frame(cands)
            wanted = _sorted_unique(one["rid"], amb["rid"])
            details = _details(engine, wanted, record_source)
            asked_at = asked.set_index("fid")

            # Ambiguous: one hop row, and every candidate listed; the path stops here.
            if len(amb):
                amb_fids = amb["fid"].drop_duplicates().to_numpy()
                stats["ambiguous_hops"] += len(amb_fids)
                hop_rows = asked_at.loc[amb_fids]
                hop_parts.append(
                    _hop_rows(amb_fids, hop, hop_rows["name"], "", role_here, "ambiguous")
                )
                a = amb.merge(details, on="rid", how="left", sort=False)
                amb_parts.append(
                    pd.DataFrame(
                        {
                            "fid": a["fid"].to_numpy(dtype=np.int64),
                            "hop": hop,
                            "carrier": asked_at.loc[a["fid"], "name"].to_numpy(dtype=object),
                            "candidate": a["candidate"].to_numpy(dtype=np.int64),
                            "key": [KEY_NAMES[int(k)] for k in a["key_rank"]],
                            "dt_s": a["dt_ms"].to_numpy(dtype=np.int64) / 1000,
                            "ingress_carrier": _text(a, "ingress_carrier"),
                            "ingress_customer": _text(a, "ingress_customer"),
                            "record_file": _text(a, "record_file"),
                            "record_line": a["line"].to_numpy(dtype=np.int64),
                            "record_sha256": _text(a, "record_sha256"),
                        }
                    )
                )
                b.update(len(amb_fids))

            # Not found: the carrier keeps records for that time, but none of this call.
            lost = asked[~(asked["fid"].isin(one["fid"]) | asked["fid"].isin(amb["fid"]))]
            if len(lost):
                hop_parts.append(
                    _hop_rows(lost["fid"], hop, lost["name"], "", role_here, "not_found")
                )
                b.update(len(lost))
            if one.empty:
                break
            frontier, visited = _advance(
                one, details, asked_at, hop, visited, countries, hop_parts, match_parts, b
            )
    return _result(calls, hop_parts, amb_parts, match_parts, stats)


def _details(
    engine: Engine,
    wanted: np.ndarray,
    record_source: Callable[[pd.DataFrame], tuple[list[str], list[str]]] | None,
) -> pd.DataFrame:
    """The records ``wanted`` (by rid, sorted) with their file names and SHA-256."""
    if not len(wanted):
        return pd.DataFrame({"rid": pd.Series(dtype="int64")})
    details = engine.query(DETAILS_SQL, {"wanted": pd.DataFrame({"rid": wanted})})
    details = details.sort_values("rid").reset_index(drop=True)
    files, shas = (
        record_source(details) if record_source else ([""] * len(details), [""] * len(details))
    )
    details["record_file"] = files
    details["record_sha256"] = shas
    return details


def _advance(
    one: pd.DataFrame,
    details: pd.DataFrame,
    asked_at: pd.DataFrame,
    hop: int,
    visited: pd.MultiIndex,
    countries: dict[str, str],
    hop_parts: list[pd.DataFrame],
    match_parts: list[pd.DataFrame],
    b: Any,
) -> tuple[pd.DataFrame, pd.MultiIndex]:
    """Write the matched hops' rows; return the next frontier and the visited (fid, key) pairs.

    A matched record names a customer (the path ends at its origin), a foreign ingress (it ends
    at a gateway, with a row for the foreign provider), an upstream already on the path (a
    loop, which ends it), or an upstream to ask at the next level.
    """
    m = one.merge(details, on="rid", how="left", sort=False)
    fids = m["fid"].to_numpy(dtype=np.int64)
    here = asked_at.loc[fids]
    name = here["name"].to_numpy(dtype=object)
    key = here["carrier_key"].to_numpy(dtype=object)
    role_here = "terminating" if hop == 0 else "intermediate"
    match_parts.append(
        pd.DataFrame(
            {
                "fid": fids,
                "hop": hop,
                "carrier": name,
                "key": [KEY_NAMES[int(k)] for k in m["key_rank"]],
                "dt_s": m["dt_ms"].to_numpy(dtype=np.int64) / 1000,
                "record_file": _text(m, "record_file"),
                "record_line": m["line"].to_numpy(dtype=np.int64),
                "record_sha256": _text(m, "record_sha256"),
            }
        )
    )
    visited = visited.append(pd.MultiIndex.from_arrays([fids, key]))
    up_key, up_name = _text(m, "ingress_key"), _text(m, "ingress_carrier")
    att, customer = _text(m, "attestation"), _text(m, "ingress_customer")
    origin = (customer != "") | (up_key == "")
    up_country = np.asarray([countries.get(k, "US") for k in up_key], dtype=object)
    foreign = ~origin & (up_country != "US")
    onward = ~origin & ~foreign
    if origin.any():
        role = "terminating" if hop == 0 else "originating"
        hop_parts.append(
            _hop_rows(
                fids[origin], hop, name[origin], "", role, "customer", att[origin],
                customer=customer[origin],
            )
        )  # fmt: skip
    if foreign.any():
        role = "terminating" if hop == 0 else "gateway"
        hop_parts.append(
            _hop_rows(fids[foreign], hop, name[foreign], up_name[foreign], role, "upstream",
                      att[foreign])
        )  # fmt: skip
        hop_parts.append(
            _hop_rows(fids[foreign], hop + 1, up_name[foreign], "", "foreign", "foreign",
                      country=up_country[foreign])
        )  # fmt: skip
    hop_parts.append(
        _hop_rows(fids[onward], hop, name[onward], up_name[onward], role_here, "upstream",
                  att[onward])
    )  # fmt: skip
    loop = onward & pd.MultiIndex.from_arrays([fids, up_key]).isin(visited)
    if loop.any():
        hop_parts.append(_hop_rows(fids[loop], hop + 1, up_name[loop], "", "intermediate", "loop"))
    b.update(int((origin | foreign | loop).sum()))
    go = onward & ~loop
    calling, called = _text(m, "calling"), _text(m, "called")
    nxt = pd.DataFrame(
        {
            "fid": fids[go],
            "carrier_key": up_key[go],
            "t_ms": m["t_ms"].to_numpy(dtype=np.int64)[go],
            "calling": np.where(calling != "", calling, here["calling"].to_numpy(dtype=object))[go],
            "called": np.where(called != "", called, here["called"].to_numpy(dtype=object))[go],
            "down_key": key[go],
            "cid": _text(m, "call_id_in")[go],
            "ihash": _text(m, "identity_hash")[go],
            "origid": _text(m, "origid")[go],
            "name": up_name[go],
        }
    )
    return nxt, visited


def _result(
    calls: pd.DataFrame,
    hop_parts: list[pd.DataFrame],
    amb_parts: list[pd.DataFrame],
    match_parts: list[pd.DataFrame],
    stats: dict[str, int],
) -> StitchResult:
    """Join the calls' columns on, sort by traceback and hop, and count."""
    ids = calls["traceback_id"].to_numpy(dtype=object)

    def frame(parts: list[pd.DataFrame], columns: tuple[str, ...]) -> pd.DataFrame:
        if parts:
            return pd.concat(parts, ignore_index=True)
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})

    h = frame(hop_parts, _HOP_ROW_COLUMNS).astype({"fid": "int64", "hop": "int64"})
    base = calls[["traceback_id", "call_time", "campaign", "calling_number", "called_number"]]
    h = h.join(base, on="fid")
    h = h.sort_values(["traceback_id", "hop"], kind="stable").reset_index(drop=True)
    hops = h[list(HOP_OUTPUT_COLUMNS)]
    amb = frame(amb_parts, ("fid", *AMBIGUOUS_COLUMNS[1:]))
    amb.insert(0, "traceback_id", ids[amb["fid"].to_numpy(dtype=np.int64)])
    amb = amb.drop(columns="fid").sort_values(["traceback_id", "hop", "candidate"], kind="stable")
    matches = frame(match_parts, ("fid", *MATCH_COLUMNS[1:]))
    matches.insert(0, "traceback_id", ids[matches["fid"].to_numpy(dtype=np.int64)])
    matches = matches.drop(columns="fid").sort_values(["traceback_id", "hop"], kind="stable")
    stats["hops"] = len(hops)
    stats["matched_hops"] = len(matches)
    return StitchResult(hops, amb.reset_index(drop=True), matches.reset_index(drop=True), stats)
