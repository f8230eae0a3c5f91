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

#: The canonical hop table columns written by ``traceback stitch`` (what `load` reads).
HOP_OUTPUT_COLUMNS: tuple[str, ...] = (
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


@dataclass
class _Trace:
    row: int  # position in calls
    visited: set[str] = field(default_factory=set)


def _frontier(rows: list[dict[str, object]]) -> pd.DataFrame:
    frame = pd.DataFrame(
        rows,
        columns=[
            "fid",
            "carrier_key",
            "t_ms",
            "calling",
            "called",
            "down_key",
            "cid",
            "ihash",
            "origid",
        ],
    )
    return frame.astype({"fid": "int64", "t_ms": "int64"})


def decide(cands: pd.DataFrame) -> tuple[dict[int, Any], dict[int, pd.DataFrame]]:
    """Return (fid -> the one candidate, fid -> every candidate of an ambiguous hop).

    Only the candidates at the strongest key rank of each fid count.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"fid": [0, 0, 1, 1], "rid": [5, 6, 7, 8],
    ...                   "key_rank": [1, 3, 3, 3], "dt_ms": [0, 200, 10, -40]})
    >>> one, amb = decide(c)
    >>> int(one[0]["rid"]), sorted(amb[1]["rid"].tolist())
    (5, [7, 8])
    """
    if cands.empty:
        return {}, {}
    c = cands.astype({"fid": "int64", "rid": "int64", "key_rank": "int64", "dt_ms": "int64"})
    best = c.groupby("fid")["key_rank"].transform("min")
    c = c[c["key_rank"] == best].assign(adt=lambda f: f["dt_ms"].abs())
    c = c.sort_values(["fid", "adt", "rid"], kind="stable")
    counts = c.groupby("fid")["rid"].transform("size")
    singles: list[Any] = list(c[counts == 1].itertuples(index=False))
    one: dict[int, Any] = {int(r.fid): r for r in singles}
    amb: dict[int, pd.DataFrame] = {}
    for fid, g in c[counts > 1].groupby("fid", sort=True):
        amb[int(str(fid))] = g
    return one, amb


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
        SHA-256 (see :func:`graphengine.traceback.cli.source_of`); default: empty.

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
    coverage = {
        str(k): (int(a) - tol, int(b) + tol)
        for k, a, b in zip(cov["carrier_key"], cov["first_ms"], cov["last_ms"], strict=True)
    }
    calling = e164_numbers(calls["calling_number"]).tolist()
    called = e164_numbers(calls["called_number"]).tolist()
    traces = [_Trace(i) for i in range(len(calls))]
    hop_rows: list[tuple[object, ...]] = []
    amb_rows: list[tuple[object, ...]] = []
    match_rows: list[tuple[object, ...]] = []
    stats = {"suspect_calls": len(calls), "ambiguous_hops": 0, "levels": 0}
    ids = calls["traceback_id"].tolist()
    t0 = calls["t_ms"].astype("int64").tolist()
    frontier: list[dict[str, object]] = []
    names: dict[int, str] = {}
    for i, name in enumerate(calls["terminating_carrier"].tolist()):
        frontier.append(
            {
                "fid": i,
                "carrier_key": carrier_key(name),
                "t_ms": t0[i],
                "calling": calling[i],
                "called": called[i],
                "down_key": "",
                "cid": "",
                "ihash": "",
                "origid": "",
            }
        )
        names[i] = name

    def row(
        fid: int,
        hop: int,
        provider: str,
        upstream: str,
        role: str,
        kind: str,
        attestation: str = "",
        country: str = "US",
        customer: str = "",
    ) -> None:
        hop_rows.append(
            (fid, hop, provider, upstream, role, RESPONSES[kind], attestation, country, customer)
        )

    with bar(
        len(calls),
        "stitch",
        unit="calls",
        disable=None if show_progress is None else not show_progress,
    ) as b:
        for hop in range(max_hops):
            if not frontier:
                break
            stats["levels"] += 1
            role_here = "terminating" if hop == 0 else "intermediate"
            asked: list[dict[str, object]] = []
            for f in frontier:
                fid = int(f["fid"])  # type: ignore[call-overload]
                key = str(f["carrier_key"])
                span = coverage.get(key)
                t = int(f["t_ms"])  # type: ignore[call-overload]
                if span is None or not span[0] <= t <= span[1]:
                    row(
                        fid,
                        hop,
                        names[fid],
                        "",
                        role_here,
                        "no_records",
                        country=countries.get(key, "US"),
                    )
                    b.update(1)
                else:
                    asked.append(f)
            if not asked:
                break
            fr = _frontier(asked)
            cands = engine.query(sql, {"frontier": fr})
            one, amb = decide(cands)
            wanted = sorted(
                {int(r.rid) for r in one.values()}
                | {int(x) for g in amb.values() for x in g["rid"]}
            )
            details = (
                engine.query(
                    DETAILS_SQL,
                    {"wanted": pd.DataFrame({"rid": np.asarray(wanted, dtype=np.int64)})},
                )
                if wanted
                else pd.DataFrame()
            )
            if wanted:
                details = details.sort_values("rid").reset_index(drop=True)
                files, shas = (
                    record_source(details)
                    if record_source
                    else ([""] * len(details), [""] * len(details))
                )
                details["record_file"] = files
                details["record_sha256"] = shas
            det_rows: list[Any] = list(details.itertuples(index=False)) if wanted else []
            drec: dict[int, Any] = {int(r.rid): r for r in det_rows}
            nxt: list[dict[str, object]] = []
            for f in asked:
                fid = int(f["fid"])  # type: ignore[call-overload]
                key = str(f["carrier_key"])
                if fid in amb:
                    g = amb[fid]
                    stats["ambiguous_hops"] += 1
                    row(fid, hop, names[fid], "", role_here, "ambiguous")
                    cand_rows: list[Any] = list(g.itertuples(index=False))
                    for k, c in enumerate(cand_rows, start=1):
                        d = drec[int(c.rid)]
                        amb_rows.append(
                            (
                                fid,
                                hop,
                                names[fid],
                                k,
                                KEY_NAMES[int(c.key_rank)],
                                c.dt_ms / 1000,
                                d.ingress_carrier,
                                d.ingress_customer,
                                d.record_file,
                                int(d.line),
                                d.record_sha256,
                            )
                        )
                    b.update(1)
                    continue
                if fid not in one:
                    row(fid, hop, names[fid], "", role_here, "not_found")
                    b.update(1)
                    continue
                c = one[fid]
                d = drec[int(c.rid)]
                match_rows.append(
                    (
                        fid,
                        hop,
                        names[fid],
                        KEY_NAMES[int(c.key_rank)],
                        c.dt_ms / 1000,
                        d.record_file,
                        int(d.line),
                        d.record_sha256,
                    )
                )
                traces[fid].visited.add(key)
                up_key, up_name = str(d.ingress_key), str(d.ingress_carrier)
                att = str(d.attestation)
                customer = str(d.ingress_customer)
                if customer or not up_key:
                    role = "terminating" if hop == 0 else "originating"
                    row(fid, hop, names[fid], "", role, "customer", att, customer=customer)
                    b.update(1)
                    continue
                if countries.get(up_key, "US") != "US":
                    role = "terminating" if hop == 0 else "gateway"
                    row(fid, hop, names[fid], up_name, role, "upstream", att)
                    row(fid, hop + 1, up_name, "", "foreign", "foreign", country=countries[up_key])
                    b.update(1)
                    continue
                row(fid, hop, names[fid], up_name, role_here, "upstream", att)
                if up_key in traces[fid].visited:
                    row(fid, hop + 1, up_name, "", "intermediate", "loop")
                    b.update(1)
                    continue
                names[fid] = up_name
                nxt.append(
                    {
                        "fid": fid,
                        "carrier_key": up_key,
                        "t_ms": int(d.t_ms),
                        "calling": d.calling or f["calling"],
                        "called": d.called or f["called"],
                        "down_key": key,
                        "cid": d.call_id_in,
                        "ihash": d.identity_hash,
                        "origid": d.origid,
                    }
                )
            frontier = nxt
    return _result(calls, hop_rows, amb_rows, match_rows, ids, stats)


def _result(
    calls: pd.DataFrame,
    hop_rows: list[tuple[object, ...]],
    amb_rows: list[tuple[object, ...]],
    match_rows: list[tuple[object, ...]],
    ids: list[str],
    stats: dict[str, int],
) -> StitchResult:
    h = pd.DataFrame(
        hop_rows,
        columns=[
            "fid",
            "hop",
            "provider",
            "upstream_provider",
            "role",
            "response",
            "attestation",
            "provider_country",
            "customer",
        ],
    )
    h = h.astype({"fid": "int64", "hop": "int64"})
    base = calls[["traceback_id", "call_time", "campaign", "calling_number", "called_number"]]
    h = h.join(base, on="fid")
    h = h.sort_values(["traceback_id", "hop"], kind="stable").reset_index(drop=True)
    hops = h[list(HOP_OUTPUT_COLUMNS)]
    amb = pd.DataFrame(amb_rows, columns=["fid", *AMBIGUOUS_COLUMNS[1:]])
    amb.insert(0, "traceback_id", [ids[int(i)] for i in amb["fid"]])
    amb = amb.drop(columns="fid").sort_values(["traceback_id", "hop", "candidate"], kind="stable")
    matches = pd.DataFrame(match_rows, columns=["fid", *MATCH_COLUMNS[1:]])
    matches.insert(0, "traceback_id", [ids[int(i)] for i in matches["fid"]])
    matches = matches.drop(columns="fid").sort_values(["traceback_id", "hop"], kind="stable")
    stats["hops"] = len(hops)
    stats["matched_hops"] = len(matches)
    return StitchResult(hops, amb.reset_index(drop=True), matches.reset_index(drop=True), stats)
