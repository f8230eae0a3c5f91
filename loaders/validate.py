"""Row validation: one reason per rejected row, computed column-wise (no per-row Python).

Rules, in the order they are tried (the first that fails is the row's reason):

===========================  ===================================================================
rule                         reason (exact text; ``{...}`` is filled in)
===========================  ===================================================================
reading problem              ``non-UTF-8 byte 0x{XX} at byte offset {n} (line {l})``,
                             ``row has {n} fields but the header has {m}``, ``invalid JSON (...)``
oversized field              ``field '{col}' is {n} characters long (limit 1000)``
missing required field       ``missing required field '{col}'`` (traceback_id, hop, call_time)
provider name                ``provider name is empty`` / ``provider name has no letters or
                             digits: '{value}'``
hop                          ``hop is not a whole number: '{value}'`` (also non-ASCII digits) /
                             ``hop is larger than 1000: '{value}'`` / ``hop is negative: {n}`` /
                             ``hop is below first_hop {b}: {n}`` (mapping ``first_hop``)
time                         ``call_time '{value}' is ambiguous (...)`` (``03/04/2025``) /
                             ``call_time is outside what a timestamp can hold (...)`` /
                             ``call_time cannot be read as a date and time: '{value}'``
attestation                  ``attestation must be A, B or C, got '{value}'``
===========================  ===================================================================

Rows that pass get flags instead of rejections for softer problems (see :data:`FLAG_DOCS`).
Traceback-level rules (duplicate hops, gaps) are in :func:`check_chains`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from graphengine.csvsafe import is_formula_like
from loaders import bounds
from loaders.distinct import map_unique
from loaders.identity import has_name_characters
from loaders.timezones import localise, split_zone, us_zone_mask

__all__ = [
    "MAX_FIELD_CHARS",
    "FLAG_DOCS",
    "TEXT_COLUMNS",
    "check_rows",
    "parse_times",
    "parse_call_times",
    "check_chains",
    "add_flag",
]

#: Longest accepted text field. Real provider names, responses and campaign labels are far
#: shorter; a longer cell is a broken export (an unclosed quote swallowing lines) or an attack.
MAX_FIELD_CHARS = 1000

#: flag -> meaning; flags are kept in the ``flags`` column, ';'-separated, and never reject a row.
FLAG_DOCS: dict[str, str] = {
    "ambiguous_local_time": "the local call time happened twice (DST end); read as daylight time",
    "unreadable_calling_number": "calling_number could not be read as a phone number (raw kept)",
    "unreadable_called_number": "called_number could not be read as a phone number (raw kept)",
    "formula_in_<column>": "the text starts with = + - or @ and would run as a spreadsheet formula",
    "upstream_has_no_name": "upstream_provider had no letters or digits; treated as not named",
    "unmapped_response": "the response text matched no phrase of the vocabulary",
    "upstream_mismatch": "the upstream this hop named is not the provider of the next hop",
    "unknown_role": "the role was not one of the known roles; it was derived instead",
    "unreadable_country": "provider_country was not a two-letter code; treated as non-U.S.",
    "ambiguous_provider": "the name matches registry entries with different FRNs; not merged",
    "implausible_call_time": "call_time is before 2000 or after 2049 (loaders/bounds.py)",
}

#: Text columns checked for size and formula injection.
TEXT_COLUMNS: tuple[str, ...] = (
    "traceback_id",
    "provider",
    "upstream_provider",
    "role",
    "response",
    "campaign",
    "calling_number",
    "called_number",
    "provider_country",
    "customer",
)

# a zone or offset written after a clock time: 10:00Z, 10:00:00+02:00, 10:00 -0500, 10:00 UTC
_ZONE = r"\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:[zZ]|[+-]\d{2}(?::?\d{2})?|UTC|GMT)\s*$"


class _Column:
    """One text column factorized once: stripped distinct values and the codes to spread them."""

    def __init__(self, raw: np.ndarray) -> None:
        codes, uniques = pd.factorize(np.asarray(raw, dtype=object), use_na_sentinel=False)
        self.codes = codes
        self.uniques = np.array(
            ["" if (u is None or u is pd.NA or u != u) else str(u).strip() for u in uniques],
            dtype=object,
        )
        self.values = self.uniques[codes] if len(self.uniques) else np.empty(0, dtype=object)

    def apply(self, fn: Callable[[str], Any], dtype: Any) -> np.ndarray:
        """Return ``fn`` of every row's (stripped) value, calling ``fn`` once per distinct value."""
        if not len(self.uniques):
            return np.empty(len(self.codes), dtype=dtype)
        return np.array([fn(u) for u in self.uniques], dtype=dtype)[self.codes]


def add_flag(flags: pd.Series, mask: pd.Series | np.ndarray, flag: str) -> pd.Series:
    """Return ``flags`` with ``flag`` appended (``;``-separated) where ``mask`` is True."""
    m = np.asarray(mask, dtype=bool)
    if not m.any():
        return flags
    out = flags.copy()
    current = out[m]
    out[m] = np.where(current == "", flag, current + ";" + flag)
    return out


def _set(reason: np.ndarray, column: np.ndarray, mask: np.ndarray, col: str, text: object) -> None:
    """Give ``reason`` to rows in ``mask`` that have no reason yet."""
    todo = mask & pd.isna(reason)
    if not todo.any():
        return
    reason[todo] = text[todo] if isinstance(text, np.ndarray) else text
    column[todo] = col


def _blank_to_none(values: np.ndarray) -> np.ndarray:
    out = np.asarray(values, dtype=object).copy()
    out[out == ""] = None
    return out


def _strip(value: str) -> str:
    return str(value).strip()


def parse_times(text: pd.Series | np.ndarray) -> tuple[pd.Series, np.ndarray]:
    """Parse call times to UTC; return ``(times, naive)``.

    ISO 8601 is parsed in C; other layouts (``01/02/2024 10:00``) fall back to pandas' mixed
    parser for the few values that need it. A time with no zone or offset is **assumed to be
    UTC** and ``naive`` is True for it.
    """
    raw = map_unique(np.asarray(text, dtype=object), _strip)
    s = pd.Series(_blank_to_none(raw), dtype="object")
    times = pd.to_datetime(s, format="ISO8601", utc=True, errors="coerce")
    retry = s.notna() & times.isna()
    if retry.any():
        # the flexible parser is per value and slow: run it once per distinct text
        distinct = pd.Series(pd.unique(s[retry].to_numpy(dtype=object)), dtype=object)
        parsed = pd.to_datetime(distinct, format="mixed", utc=True, errors="coerce")
        lookup = pd.Series(parsed.array, index=distinct.to_numpy())
        filled = pd.Series(lookup.reindex(s[retry].to_numpy()).array, index=s.index[retry])
        times = times.astype("datetime64[ns, UTC]").combine_first(
            filled.astype("datetime64[ns, UTC]")
        )
    zone = re.compile(_ZONE)
    naive = (raw != "") & ~map_unique(raw, lambda v: bool(zone.search(v)), dtype=bool)
    return times.astype("datetime64[ns, UTC]"), naive


def parse_call_times(
    text: pd.Series | np.ndarray, zones: np.ndarray
) -> tuple[pd.Series, np.ndarray, np.ndarray, np.ndarray]:
    """Parse call times to UTC in their zones; return ``(times, zoneless, ambiguous, skipped)``.

    ``zones`` gives each row's default zone (IANA name, fixed offset, or None): used when the
    cell carries no offset and no abbreviation (see :mod:`loaders.timezones`). ``zoneless``
    marks readable times with no zone from anywhere (the caller turns them into an error),
    ``ambiguous`` wall times that happened twice, ``skipped`` wall times that never happened
    (their time is NaT).
    """
    raw = map_unique(np.asarray(text, dtype=object), _strip)
    zone_in = np.asarray(zones, dtype=object)
    split = map_unique(raw, lambda v: split_zone(v) if v else ("", None, False))
    n = len(raw)
    body = np.array([t[0] for t in split], dtype=object) if n else np.empty(0, dtype=object)
    cell_zone = np.array([t[1] for t in split], dtype=object) if n else np.empty(0, object)
    has_offset = np.array([t[2] for t in split], dtype=bool) if n else np.zeros(0, bool)
    times, _ = parse_times(body)
    zone = np.where(pd.isna(cell_zone), zone_in, cell_zone)
    readable = (raw != "") & times.notna().to_numpy()
    local = readable & ~has_offset & ~np.asarray(pd.isna(zone), dtype=bool)
    zoneless = readable & ~has_offset & np.asarray(pd.isna(zone), dtype=bool)
    ambiguous = np.zeros(n, dtype=bool)
    skipped = np.zeros(n, dtype=bool)
    if local.any():
        out = times.copy()
        wall = times[local].dt.tz_convert(None)
        for name in pd.unique(zone[local]):
            sel = zone[local] == name
            utc, amb, skip = localise(wall[sel], str(name))
            out.loc[wall.index[sel]] = utc.to_numpy()
            where = np.flatnonzero(local)[sel]
            ambiguous[where] = amb
            skipped[where] = skip
        times = out.astype("datetime64[ns, UTC]")
    return times, zoneless, ambiguous, skipped


_OVERFLOW = (OverflowError, ValueError, pd.errors.OutOfBoundsDatetime)


def _safe_call_times(
    values: np.ndarray, zones: np.ndarray
) -> tuple[pd.Series, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`parse_call_times`, but a value a timestamp cannot hold (year 1 or 9999) does not
    crash the whole file: return its five arrays plus ``out_of_range`` (those rows get NaT).

    The fast path parses everything at once; only when that overflows is each distinct
    (value, zone) pair tried alone to find the offenders (see :mod:`loaders.bounds`).
    """
    try:
        return (*parse_call_times(values, zones), np.zeros(len(values), dtype=bool))
    except _OVERFLOW:
        pass
    values = np.asarray(values, dtype=object)
    zones = np.asarray(zones, dtype=object)
    verdict: dict[tuple[object, object], bool] = {}
    bad = np.zeros(len(values), dtype=bool)
    for i, pair in enumerate(zip(values, zones, strict=True)):
        if pair not in verdict:
            try:
                parse_call_times(
                    np.array([pair[0]], dtype=object), np.array([pair[1]], dtype=object)
                )
                verdict[pair] = False
            except _OVERFLOW:
                verdict[pair] = True
        bad[i] = verdict[pair]
    cleaned = values.copy()
    cleaned[bad] = ""
    return (*parse_call_times(cleaned, zones), bad)


def _distinct_pairs(codes: np.ndarray, zones: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Number the distinct (value code, zone) pairs of the rows; return ``(pair of each row,
    first row of each pair)``."""
    zone_codes, zone_values = pd.factorize(zones, use_na_sentinel=False)
    combined = codes.astype(np.int64) * (len(zone_values) + 1) + zone_codes
    pair, _ = pd.factorize(combined)
    if not len(pair):
        return pair, np.zeros(0, dtype=np.int64)
    # factorize numbers pairs in order of first appearance: a row starts a pair exactly when
    # its number exceeds every number before it
    seen = np.maximum.accumulate(pair)
    first = np.flatnonzero(np.r_[True, pair[1:] > seen[:-1]])
    return pair, first


def _hop_value(text: str) -> int | None:
    if not bounds.ascii_number(text):
        return None  # float() would read other scripts' digits ("١") as numbers
    try:
        number = float(text)
    except ValueError:
        return None
    if number != number or number in (float("inf"), float("-inf")) or not number.is_integer():
        return None
    return int(number)


def check_rows(staged: pd.DataFrame) -> pd.DataFrame:
    """Validate staged hop rows; return ``staged`` with typed and checked columns added.

    Adds ``_reason`` / ``_reason_column`` (NA when the row is good), ``_hop`` (int, -1 when
    unreadable), ``_time`` (UTC), ``_attestation`` (A/B/C/NA), ``_flags`` and ``_zoneless``
    (a readable time with no zone from the cell, the row's ``_zone`` or anywhere else). Text columns come
    back stripped, as object arrays with ``None`` for empty.
    """
    n = len(staged)
    reason = staged["_err_reason"].to_numpy(dtype=object).copy()
    column = staged["_err_column"].to_numpy(dtype=object).copy()
    columns = {
        c: _Column(staged[c].to_numpy(dtype=object))
        for c in (*TEXT_COLUMNS, "hop", "call_time", "attestation")
    }
    text = {c: values.values for c, values in columns.items()}

    for col, values in columns.items():
        lengths = values.apply(len, np.int64)
        big = lengths > MAX_FIELD_CHARS
        if big.any():
            msg = np.array(
                [
                    f"field '{col}' is {k} characters long (limit {MAX_FIELD_CHARS})"
                    for k in lengths
                ],
                dtype=object,
            )
            _set(reason, column, big, col, msg)

    for col in ("traceback_id", "hop", "call_time"):
        _set(reason, column, text[col] == "", col, f"missing required field '{col}'")

    provider = text["provider"]
    empty = provider == ""
    _set(reason, column, empty, "provider", "provider name is empty")
    no_chars = ~empty & ~columns["provider"].apply(has_name_characters, bool)
    if no_chars.any():
        _set(
            reason,
            column,
            no_chars,
            "provider",
            "provider name has no letters or digits: '" + provider + "'",
        )

    hop_value = columns["hop"].apply(_hop_value, object)
    whole = np.array([v is not None for v in hop_value], dtype=bool) if n else np.zeros(0, bool)
    bad_hop = (text["hop"] != "") & ~whole
    if bad_hop.any():
        _set(reason, column, bad_hop, "hop", "hop is not a whole number: '" + text["hop"] + "'")
    huge = whole & np.array(
        [v is not None and v > bounds.MAX_HOP for v in hop_value], dtype=bool
    ).reshape(n)
    if huge.any():
        _set(
            reason,
            column,
            huge,
            "hop",
            f"hop is larger than {bounds.MAX_HOP}: '" + text["hop"] + "'",
        )
        whole = whole & ~huge  # keep the value out of the 64-bit column
    hop_int = np.where(whole, hop_value, -1).astype(np.int64)
    negative = whole & (hop_int < 0)
    if negative.any():
        _set(
            reason,
            column,
            negative,
            "hop",
            "hop is negative: " + hop_int.astype(str).astype(object),
        )
    # a layout numbered from first_hop (mapping file) is shifted so that hop 0 is terminating
    base = (
        staged["_hop_base"].to_numpy(dtype=np.int64)
        if "_hop_base" in staged
        else np.zeros(n, np.int64)
    )
    below = whole & ~negative & (hop_int < base)
    if below.any():
        msg = (
            "hop is below first_hop "
            + base.astype(str).astype(object)
            + ": "
            + hop_int.astype(str).astype(object)
        )
        _set(reason, column, below, "hop", msg)
    source_hop = hop_int.copy()  # the number as printed in the file, kept for every report
    hop_int = np.where(whole & ~negative, hop_int - base, hop_int)

    zones = (
        staged["_zone"].to_numpy(dtype=object) if "_zone" in staged else np.full(n, None, object)
    )
    # Every hop of a traceback repeats its call time: parse each distinct (text, zone) pair
    # once and spread the results (the per-value steps below cost seconds per million rows).
    pair, first = _distinct_pairs(columns["call_time"].codes, zones)
    when, where = text["call_time"][first], zones[first]
    # U.S. zones read slash dates month-first (the U.S. convention); elsewhere 03/04 is refused
    swapped = (bounds.ambiguous_dates(when) & ~us_zone_mask(when, where))[pair]
    if swapped.any():
        msg = (
            "call_time '"
            + text["call_time"]
            + "' is ambiguous (day and month could be swapped); write it as YYYY-MM-DD"
        )
        _set(reason, column, swapped, "call_time", msg)
    parsed = _safe_call_times(when, where)
    times = pd.Series(parsed[0].array.take(pair))
    zoneless, ambiguous, skipped, huge_time = (a[pair] for a in parsed[1:])
    if huge_time.any():
        msg = (
            "call_time is outside what a timestamp can hold (1677-09-22 to 2262-04-11): '"
            + text["call_time"]
            + "'"
        )
        _set(reason, column, huge_time, "call_time", msg)
    if skipped.any():
        msg = (
            "call_time '"
            + text["call_time"]
            + "' does not exist in its time zone (the clocks skipped that hour)"
        )
        _set(reason, column, skipped, "call_time", msg)
    bad_time = (text["call_time"] != "") & times.isna().to_numpy()
    if bad_time.any():
        msg = "call_time cannot be read as a date and time: '" + text["call_time"] + "'"
        _set(reason, column, bad_time, "call_time", msg)

    att = columns["attestation"].apply(str.upper, object)
    bad_att = (att != "") & ~np.isin(att, ["A", "B", "C"])
    if bad_att.any():
        msg = "attestation must be A, B or C, got '" + text["attestation"] + "'"
        _set(reason, column, bad_att, "attestation", msg)

    flags = pd.Series(np.full(n, "", dtype=object), index=staged.index, dtype=object)
    flags = add_flag(flags, ambiguous, "ambiguous_local_time")
    flags = add_flag(flags, bounds.implausible_times(times), bounds.IMPLAUSIBLE_TIME_FLAG)
    for col in TEXT_COLUMNS:
        flags = add_flag(flags, columns[col].apply(is_formula_like, bool), f"formula_in_{col}")

    out = staged.copy()
    for col in TEXT_COLUMNS:
        out[col] = _blank_to_none(text[col])
    out["_reason"] = pd.Series(reason, index=staged.index, dtype=object)
    out["_reason_column"] = pd.Series(column, index=staged.index, dtype=object)
    out["_hop"] = hop_int
    out["_source_hop"] = source_hop
    out["_time"] = times.array  # keep the DatetimeArray: to_numpy() would box every value
    out["_attestation"] = _blank_to_none(np.where(np.isin(att, ["A", "B", "C"]), att, ""))
    out["_flags"] = flags
    out["_zoneless"] = zoneless & ~bad_time
    return out


def _where(files: list[str], lines: list[int], file_ids: list[int]) -> str:
    """Say where rows are: ``lines 3, 4`` in one file, ``a.csv line 3, b.csv line 4`` across."""
    if len({files[i] for i in file_ids}) == 1:
        nums = ", ".join(str(ln) for ln in lines)
        return f"line{'s' if len(lines) > 1 else ''} {nums}"
    return ", ".join(f"{files[i]} line {ln}" for i, ln in zip(file_ids, lines, strict=True))


def check_chains(rows: pd.DataFrame, files: list[str]) -> pd.DataFrame:
    """Apply the traceback-level rules to rows that passed :func:`check_rows` and de-duplication.

    ``rows`` needs ``traceback_id``, ``_hop``, ``provider_key``, ``_file``, ``_line`` and
    ``_reason`` (rows already rejected keep their reason, but still count for their traceback).

    * **duplicate hop**: two rows give the same hop of a traceback with different providers:
      both get ``duplicate hop {h} in traceback {id} ({where})``.
    * **gap**: the hops of a traceback are not exactly 0..n: every row of it gets
      ``traceback {id} has a gap: hop {h} is missing (hops present: 0, 1, 3)``.
    * **broken by a rejected row**: any other row of a traceback that lost a row to a rejection
      gets ``traceback {id} is incomplete: its row at {where} was rejected``.

    A traceback is loaded whole or not at all, so that roles and edges are never derived from a
    partial chain. Returns ``rows`` with ``_reason`` / ``_reason_column`` filled in.
    """
    # a shallow copy (copy-on-write): only two columns change, and a deep copy of the whole
    # staged table cost a full-width copy of millions of rows
    out = rows.copy(deep=False)
    reason = out["_reason"].to_numpy(dtype=object).copy()
    column = out["_reason_column"].to_numpy(dtype=object).copy()
    has_tb = out["traceback_id"].notna().to_numpy()
    ok = pd.isna(reason)

    # duplicate hop with different providers (exact duplicates were removed before)
    live = out.loc[ok & has_tb, ["traceback_id", "_hop", "_line", "_file"]]
    dup = live.duplicated(["traceback_id", "_hop"], keep=False)
    if dup.any():
        for (tb, hop), grp in live[dup].groupby(["traceback_id", "_hop"], sort=False):
            where = _where(files, grp["_line"].tolist(), grp["_file"].tolist())
            pos = out.index.get_indexer(grp.index)
            reason[pos] = f"duplicate hop {hop} in traceback {tb} ({where})"
            column[pos] = "hop"
    ok = pd.isna(reason)

    # tracebacks that lost a row: reject the rest
    lost = out.loc[~ok & has_tb, "traceback_id"]
    if len(lost):
        first_bad = out.loc[~ok & has_tb, ["traceback_id", "_line", "_file"]]
        first_bad = first_bad.drop_duplicates("traceback_id")
        lookup = {
            tb: _where(files, [ln], [f])
            for tb, ln, f in zip(
                first_bad["traceback_id"], first_bad["_line"], first_bad["_file"], strict=True
            )
        }
        victims = ok & has_tb & out["traceback_id"].isin(set(lost)).to_numpy()
        if victims.any():
            tbs = out.loc[victims, "traceback_id"]
            reason[victims] = [
                f"traceback {tb} is incomplete: its row at {lookup[tb]} was rejected" for tb in tbs
            ]
            column[victims] = "traceback_id"
    ok = pd.isna(reason)

    # gaps among the remaining rows
    live = out.loc[ok & has_tb, ["traceback_id", "_hop"]]
    stats = live.groupby("traceback_id", sort=False)["_hop"].agg(["size", "max", "min"])
    gappy = stats[(stats["max"] != stats["size"] - 1) | (stats["min"] != 0)]
    if len(gappy):
        gap_reason: dict[str, str] = {}
        hops_of = live[live["traceback_id"].isin(gappy.index)].groupby("traceback_id")["_hop"]
        for tb, hops in hops_of:
            tb = str(tb)
            present = sorted(set(hops.tolist()))
            missing = next(h for h in range(present[-1] + 2) if h not in present)
            shown = ", ".join(str(h) for h in present)
            hint = (
                "; if the file numbers the terminating provider 1, set first_hop: 1"
                if (missing == 0)
                else ""
            )
            gap_reason[str(tb)] = (
                f"traceback {tb} has a gap: hop {missing} is missing (hops present: {shown}){hint}"
            )
        victims = ok & has_tb & out["traceback_id"].isin(gappy.index).to_numpy()
        reason[victims] = [gap_reason[str(tb)] for tb in out.loc[victims, "traceback_id"]]
        column[victims] = "hop"
    out["_reason"] = reason
    out["_reason_column"] = column
    return out
