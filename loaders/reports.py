"""Robocall reports (one suspected call each): read report files and validate report rows.

Used by the platform's intake (``POST /api/v1/reports``, CSV upload) and by anyone reading a
report file (:func:`read_reports`). Input is our own columns (:data:`REPORT_FIELDS`) or one of
two public layouts, the ``preset``:

- ``ftc_dnc``: the FTC's Do Not Call reported-calls file (``Company_Phone_Number, Created_Date,
  Violation_Date, Consumer_City, Consumer_State, Consumer_Area_Code, Subject,
  Recorded_Message_Or_Robocall``);
- ``fcc_complaints``: the FCC's unwanted-calls complaint data (``id, issue_date, issue_time,
  issue_type, method, issue, caller_id_number, type_of_call_or_messge,
  advertiser_business_phone_number, state, zip, location_1``).

Row rules, in the order tried (the first that fails is the row's one reason):

=======================  ======================================================================
rule                     reason (exact text)
=======================  ======================================================================
oversized field          ``field '{col}' is {n} characters long (limit {limit})``
not text                 ``field '{col}' must be text, got {type}`` (JSON objects/arrays)
report_id                ``missing required field 'report_id'``
source_kind              ``missing required field 'source_kind'`` /
                         ``source_kind must be one of ..., got '{value}'``
call_time                ``missing required field 'call_time'`` /
                         ``call_time cannot be read as a date and time: '{value}'`` /
                         ``call_time has no time zone or offset: '{value}'``
what was seen            ``needs calling_number, called_number or transcript``
attestation              ``attestation must be A, B or C, got '{value}'``
consumer_state           ``consumer_state must be a two-letter state code, got '{value}'``
audio_sha256             ``audio_sha256 must be 64 hexadecimal characters``
repeated id              ``report_id '{id}' repeats line {n}``
=======================  ======================================================================

Phone numbers follow the loaders' rule (:func:`loaders.phones.to_e164`): the raw text is kept and
an E.164 form is added when readable; an unreadable number does not reject the row. Times follow
:func:`loaders.validate.parse_times`, except that a time without a zone is **rejected** here
(reports come from many zones; the FTC and FCC layouts have none, so their preset takes one,
``America/New_York`` unless told otherwise).

Presets' report ids: the FCC's ``id`` becomes ``fcc-<id>``; the FTC file has no id, so it is
``ftc-`` + the first 20 hex characters of the SHA-256 of the row's cells (the same row uploaded
twice is the same report).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from graphengine.errors import InputFileError
from graphengine.schema import REPORT_FIELDS as SCHEMA_REPORT_FIELDS
from graphengine.schema import REPORT_SOURCE_KINDS
from loaders.phones import to_e164
from loaders.validate import MAX_FIELD_CHARS, parse_times

__all__ = [
    "DEFAULT_PRESET_ZONE",
    "MAX_TRANSCRIPT_CHARS",
    "PRESETS",
    "REJECTED_COLUMNS",
    "REPORT_COLUMNS",
    "REPORT_FIELDS",
    "SOURCE_KINDS",
    "ReportBatch",
    "ReportInputError",
    "decode_utf8",
    "read_reports",
    "reports_from_csv_text",
    "reports_from_json_text",
    "reports_from_records",
    "validate_reports",
]

SOURCE_KINDS = REPORT_SOURCE_KINDS
#: Input columns of our own layout (report_id, source_kind and call_time are required).
REPORT_FIELDS = SCHEMA_REPORT_FIELDS
#: Columns of the canonical report frame (``call_time`` is UTC; ``line`` is the input line).
REPORT_COLUMNS: tuple[str, ...] = (
    "line",
    "report_id",
    "source_kind",
    "call_time",
    "calling_number",
    "calling_e164",
    "called_number",
    "called_e164",
    "transcript",
    "audio_sha256",
    "terminating_carrier",
    "attestation",
    "origid",
    "reported_category",
    "consumer_state",
)
REJECTED_COLUMNS: tuple[str, ...] = ("line", "report_id", "reason")
#: A transcript may be longer than other text fields (a minute of speech is ~1,000 characters).
MAX_TRANSCRIPT_CHARS = 4000
PRESETS: dict[str, str] = {
    "ftc_dnc": "FTC Do Not Call reported calls",
    "fcc_complaints": "FCC unwanted-calls complaints",
}
DEFAULT_PRESET_ZONE = "America/New_York"

_FTC_COLUMNS = (
    "Company_Phone_Number", "Created_Date", "Violation_Date", "Consumer_City", "Consumer_State",
    "Consumer_Area_Code", "Subject", "Recorded_Message_Or_Robocall",
)  # fmt: skip
_FCC_COLUMNS = (
    "id", "issue_date", "issue_time", "issue_type", "method", "issue", "caller_id_number",
    "type_of_call_or_messge", "advertiser_business_phone_number", "state", "zip", "location_1",
)  # fmt: skip
_STATES = {
    "alabama": "AL", "alaska": "AK", "arizona": "AZ", "arkansas": "AR", "california": "CA",
    "colorado": "CO", "connecticut": "CT", "delaware": "DE", "district of columbia": "DC",
    "florida": "FL", "georgia": "GA", "hawaii": "HI", "idaho": "ID", "illinois": "IL",
    "indiana": "IN", "iowa": "IA", "kansas": "KS", "kentucky": "KY", "louisiana": "LA",
    "maine": "ME", "maryland": "MD", "massachusetts": "MA", "michigan": "MI", "minnesota": "MN",
    "mississippi": "MS", "missouri": "MO", "montana": "MT", "nebraska": "NE", "nevada": "NV",
    "new hampshire": "NH", "new jersey": "NJ", "new mexico": "NM", "new york": "NY",
    "north carolina": "NC", "north dakota": "ND", "ohio": "OH", "oklahoma": "OK", "oregon": "OR",
    "pennsylvania": "PA", "rhode island": "RI", "south carolina": "SC", "south dakota": "SD",
    "tennessee": "TN", "texas": "TX", "utah": "UT", "vermont": "VT", "virginia": "VA",
    "washington": "WA", "west virginia": "WV", "wisconsin": "WI", "wyoming": "WY",
    "puerto rico": "PR", "guam": "GU", "virgin islands": "VI", "american samoa": "AS",
    "northern mariana islands": "MP",
}  # fmt: skip
_STATE_CODE = re.compile(r"[A-Z]{2}")
_HEX64 = re.compile(r"[0-9a-fA-F]{64}")


class ReportInputError(InputFileError):
    """The whole input cannot be read (not UTF-8, malformed JSON/CSV, unknown preset or zone)."""


@dataclass
class ReportBatch:
    """Validated reports: ``reports`` (:data:`REPORT_COLUMNS`) and ``rejected`` (line, reason)."""

    reports: pd.DataFrame
    rejected: pd.DataFrame


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value).strip()


def validate_reports(raw: pd.DataFrame, lines: Iterable[int] | None = None) -> ReportBatch:
    """Validate a frame of text cells in our columns; return the good rows and the rejected ones.

    Parameters
    ----------
    raw : pandas.DataFrame
        One column per :data:`REPORT_FIELDS` name (missing columns count as empty; other columns
        are ignored); cells are text, ``""`` or missing for empty.
    lines : iterable of int, optional
        The input line of each row (default 1, 2, ...), used in rejection reasons.

    Returns
    -------
    ReportBatch
        ``reports`` in :data:`REPORT_COLUMNS` (``call_time`` as UTC datetimes; empty text as
        ``None``), ``rejected`` in :data:`REJECTED_COLUMNS`, both in input order.
    """
    n = len(raw)
    line = np.arange(1, n + 1) if lines is None else np.asarray(list(lines), dtype=np.int64)
    cols: dict[str, np.ndarray] = {}
    for name in REPORT_FIELDS:
        if name in raw.columns:
            values = raw[name].to_numpy(dtype=object)
            cols[name] = np.array([_text(v) for v in values], dtype=object)
        else:
            cols[name] = np.full(n, "", dtype=object)
    reason = np.full(n, None, dtype=object)

    def reject(mask: np.ndarray, text: Any) -> None:
        todo = mask & pd.isna(reason)
        if todo.any():
            reason[todo] = text[todo] if isinstance(text, np.ndarray) else text

    if "_error" in raw.columns:  # problems found while reading (not text, wrong field count)
        err = raw["_error"].to_numpy(dtype=object)
        reject(~pd.isna(err) & (err != ""), err)
    for name in REPORT_FIELDS:
        limit = MAX_TRANSCRIPT_CHARS if name == "transcript" else MAX_FIELD_CHARS
        length = np.fromiter((len(v) for v in cols[name]), dtype=np.int64, count=n)
        big = length > limit
        if big.any():
            reject(
                big,
                np.array(
                    [f"field '{name}' is {k} characters long (limit {limit})" for k in length],
                    dtype=object,
                ),
            )
    for name in ("report_id", "source_kind", "call_time"):
        reject(cols[name] == "", f"missing required field '{name}'")
    kinds = cols["source_kind"]
    bad_kind = ~np.isin(kinds, SOURCE_KINDS)
    if bad_kind.any():
        reject(
            bad_kind,
            np.array(
                [f"source_kind must be one of {', '.join(SOURCE_KINDS)}, got '{k}'" for k in kinds],
                dtype=object,
            ),
        )
    times, naive = parse_times(cols["call_time"])
    unreadable_time = times.isna().to_numpy() & (cols["call_time"] != "")
    if unreadable_time.any() or naive.any():
        quoted = np.array([v[:80] for v in cols["call_time"]], dtype=object)
        reject(
            unreadable_time,
            np.array(
                [f"call_time cannot be read as a date and time: '{v}'" for v in quoted],
                dtype=object,
            ),
        )
        reject(
            naive,
            np.array(
                [f"call_time has no time zone or offset: '{v}'" for v in quoted], dtype=object
            ),
        )
    seen_nothing = (
        (cols["calling_number"] == "") & (cols["called_number"] == "") & (cols["transcript"] == "")
    )
    reject(seen_nothing, "needs calling_number, called_number or transcript")
    att = np.array([v.upper() for v in cols["attestation"]], dtype=object)
    bad_att = (att != "") & ~np.isin(att, ("A", "B", "C"))
    if bad_att.any():
        reject(
            bad_att,
            np.array(
                [f"attestation must be A, B or C, got '{v[:20]}'" for v in cols["attestation"]],
                dtype=object,
            ),
        )
    state = np.array([v.upper() for v in cols["consumer_state"]], dtype=object)
    bad_state = np.fromiter(
        (bool(v) and not _STATE_CODE.fullmatch(v) for v in state), dtype=bool, count=n
    )
    if bad_state.any():
        reject(
            bad_state,
            np.array(
                [
                    f"consumer_state must be a two-letter state code, got '{v[:40]}'"
                    for v in cols["consumer_state"]
                ],
                dtype=object,
            ),
        )
    bad_audio = np.fromiter(
        (bool(v) and not _HEX64.fullmatch(v) for v in cols["audio_sha256"]), dtype=bool, count=n
    )
    reject(bad_audio, "audio_sha256 must be 64 hexadecimal characters")
    ids = pd.Series(cols["report_id"])
    repeated = (ids.duplicated(keep="first") & (ids != "")).to_numpy() & pd.isna(reason)
    if repeated.any():
        first_line = dict(
            zip(
                ids[~ids.duplicated(keep="first")],
                line[~ids.duplicated(keep="first").to_numpy()],
                strict=True,
            )
        )
        reject(
            repeated,
            np.array(
                [
                    f"report_id '{v[:80]}' repeats line {first_line.get(v, 0)}"
                    for v in cols["report_id"]
                ],
                dtype=object,
            ),
        )

    ok = pd.isna(reason)
    calling_e164, _ = to_e164(cols["calling_number"][ok])
    called_e164, _ = to_e164(cols["called_number"][ok])

    def keep(name: str) -> np.ndarray:
        out = cols[name][ok].copy()
        out[out == ""] = None
        return out

    reports = pd.DataFrame(
        {
            "line": line[ok],
            "report_id": cols["report_id"][ok],
            "source_kind": kinds[ok],
            "call_time": times[ok].reset_index(drop=True),
            "calling_number": keep("calling_number"),
            "calling_e164": calling_e164,
            "called_number": keep("called_number"),
            "called_e164": called_e164,
            "transcript": keep("transcript"),
            "audio_sha256": np.array(
                [v.lower() or None for v in cols["audio_sha256"][ok]], dtype=object
            ),
            "terminating_carrier": keep("terminating_carrier"),
            "attestation": np.array([v or None for v in att[ok]], dtype=object),
            "origid": keep("origid"),
            "reported_category": keep("reported_category"),
            "consumer_state": np.array([v or None for v in state[ok]], dtype=object),
        },
        columns=list(REPORT_COLUMNS),
    )
    # text columns as plain objects with None for empty (pandas 3 would infer strings with NaN)
    text_cols = [c for c in REPORT_COLUMNS if c not in ("line", "call_time")]
    reports[text_cols] = reports[text_cols].astype(object).where(reports[text_cols].notna(), None)
    rejected = pd.DataFrame(
        {
            "line": line[~ok],
            "report_id": np.array([v[:200] for v in cols["report_id"][~ok]], dtype=object),
            "reason": reason[~ok],
        },
        columns=list(REJECTED_COLUMNS),
    )
    return ReportBatch(reports, rejected)


def reports_from_records(records: list[Any], lines: Iterable[int] | None = None) -> ReportBatch:
    """Validate a list of JSON objects (one report each); a non-object item is a rejected row."""
    objects = [item if isinstance(item, dict) else {} for item in records]
    frame = (
        pd.DataFrame.from_records(objects, columns=list(REPORT_FIELDS))
        if objects
        else pd.DataFrame(columns=list(REPORT_FIELDS))
    )
    errors = np.array(
        [
            ""
            if isinstance(item, dict)
            else f"item must be a JSON object, got {type(item).__name__}"
            for item in records
        ],
        dtype=object,
    )
    for name in REPORT_FIELDS:
        values = frame[name].to_numpy(dtype=object)
        odd = np.fromiter(
            (v.__class__ in (dict, list, bool) for v in values), dtype=bool, count=len(values)
        )
        if odd.any():
            for i in np.flatnonzero(odd):
                if not errors[i]:
                    errors[i] = f"field '{name}' must be text, got {type(values[i]).__name__}"
            frame[name] = np.where(odd, None, values)
    frame["_error"] = errors
    return validate_reports(frame, lines)


def reports_from_json_text(text: str, ndjson: bool) -> ReportBatch:
    """Validate a JSON array of reports, or NDJSON (one object per line; blank lines skipped).

    Raises
    ------
    ReportInputError
        Malformed JSON (with the line and column), or a JSON value that is not an array.
    """
    if not ndjson:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ReportInputError(
                f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
            ) from exc
        if not isinstance(data, list):
            raise ReportInputError(
                f"the body must be a JSON array of reports, got {type(data).__name__}"
            )
        return reports_from_records(data, range(1, len(data) + 1))
    items: list[Any] = []
    lines: list[int] = []
    for number, raw_line in enumerate(text.splitlines(), start=1):
        if not raw_line.strip():
            continue
        try:
            items.append(json.loads(raw_line))
        except json.JSONDecodeError as exc:
            raise ReportInputError(
                f"malformed JSON at line {number} column {exc.colno}: {exc.msg}"
            ) from exc
        lines.append(number)
    return reports_from_records(items, lines)


def _zone(tz: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(tz or DEFAULT_PRESET_ZONE)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ReportInputError(
            f"unknown time zone '{tz}' (use an IANA name such as America/Chicago)"
        ) from exc


def _read_csv_rows(text: str) -> tuple[list[str], list[list[str]], list[int]]:
    """Return the header, the rows and each row's first physical line (header is line 1)."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise ReportInputError("the CSV is empty (no header line)")
        rows: list[list[str]] = []
        lines: list[int] = []
        start = reader.line_num + 1
        for row in reader:
            if row:
                rows.append(row)
                lines.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ReportInputError(f"malformed CSV at line {reader.line_num}: {exc}") from exc
    return [h.strip().lstrip("\ufeff") for h in header], rows, lines


def _frame(header: list[str], rows: list[list[str]]) -> pd.DataFrame:
    width = len(header)
    fixed: list[list[str]] = []
    errors: list[str] = []
    for row in rows:
        if len(row) != width:
            errors.append(f"row has {len(row)} fields but the header has {width}")
            row = (row + [""] * width)[:width]
        else:
            errors.append("")
        fixed.append(row)
    frame = pd.DataFrame(fixed, columns=header, dtype=object)
    frame["_error"] = errors
    return frame


def _localise(texts: pd.Series, zone: ZoneInfo) -> pd.Series:
    """Return ISO texts with the zone's offset for readable naive times; keep others as given."""
    parsed = pd.to_datetime(texts.where(texts != ""), format="mixed", errors="coerce")
    good = parsed.notna()
    out = texts.copy()
    if good.any():
        local = parsed[good].dt.tz_localize(zone, ambiguous="NaT", nonexistent="NaT")
        iso = local.map(lambda t: t.isoformat() if t is not pd.NaT else None)
        out[good] = iso.where(iso.notna(), texts[good])
    return out


def _from_ftc(frame: pd.DataFrame, zone: ZoneInfo) -> pd.DataFrame:
    cells = frame[list(_FTC_COLUMNS)].astype(str)
    digest = cells.apply(lambda r: hashlib.sha256("\x1f".join(r).encode()).hexdigest()[:20], axis=1)
    state = frame["Consumer_State"].str.strip()
    return pd.DataFrame(
        {
            "report_id": "ftc-" + digest,
            "source_kind": "consumer_complaint",
            "call_time": _localise(frame["Violation_Date"].str.strip(), zone),
            "calling_number": frame["Company_Phone_Number"],
            "reported_category": frame["Subject"],
            "consumer_state": state.str.lower().map(_STATES).fillna(state),
            "_error": frame["_error"],
        }
    )


def _from_fcc(frame: pd.DataFrame, zone: ZoneInfo) -> pd.DataFrame:
    dates = pd.to_datetime(frame["issue_date"].str.strip(), format="mixed", errors="coerce")
    day = dates.dt.strftime("%Y-%m-%d").fillna(frame["issue_date"])
    clock = frame["issue_time"].str.strip().str.replace(".", "", regex=False).str.upper()
    when = (day + " " + clock).str.strip()
    number = frame["caller_id_number"].where(
        frame["caller_id_number"].str.strip() != "", frame["advertiser_business_phone_number"]
    )
    state = frame["state"].str.strip()
    ids = frame["id"].str.strip()
    return pd.DataFrame(
        {
            "report_id": ids.where(ids == "", "fcc-" + ids),
            "source_kind": "consumer_complaint",
            "call_time": _localise(when, zone),
            "calling_number": number,
            "reported_category": frame["issue"],
            "consumer_state": state.str.lower().map(_STATES).fillna(state),
            "_error": frame["_error"],
        }
    )


def reports_from_csv_text(
    text: str, preset: str | None = None, tz: str | None = None
) -> ReportBatch:
    """Validate a CSV of reports in our columns or a ``preset`` layout (see the module text).

    ``tz`` is the IANA zone of a preset's zoneless times (default ``America/New_York``); it is
    not used for our own columns, whose times must carry a zone.

    Raises
    ------
    ReportInputError
        Unknown preset or zone, malformed CSV (unclosed quote), no header, or a header that lacks
        the layout's required columns.
    """
    if preset is not None and preset not in PRESETS:
        raise ReportInputError(f"unknown preset '{preset}'; known presets: {', '.join(PRESETS)}")
    zone = _zone(tz) if preset else None
    header, rows, lines = _read_csv_rows(text)
    frame = _frame(header, rows)
    if preset is None:
        need: tuple[str, ...] = ("report_id", "source_kind", "call_time")
    else:
        need = _FTC_COLUMNS if preset == "ftc_dnc" else _FCC_COLUMNS
    missing = [c for c in need if c not in header]
    if missing:
        layout = f"the {preset} layout" if preset else "our report columns"
        raise ReportInputError(f"the CSV header lacks {', '.join(missing)} (needed by {layout})")
    if preset == "ftc_dnc":
        assert zone is not None
        frame = _from_ftc(frame, zone)
    elif preset == "fcc_complaints":
        assert zone is not None
        frame = _from_fcc(frame, zone)
    return validate_reports(frame, lines)


def decode_utf8(data: bytes, where: str) -> str:
    """Return ``data`` as text; a leading byte-order mark is dropped.

    Raises
    ------
    ReportInputError
        ``{where}: not UTF-8 (byte 0x.. at byte offset n)``.
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReportInputError(
            f"{where}: not UTF-8 (byte 0x{data[exc.start]:02X} at byte offset {exc.start})"
        ) from exc


def read_reports(
    path: str | Path, preset: str | None = None, tz: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read a report file (CSV, JSON array, or NDJSON by extension ``.json`` / ``.ndjson``/``.jsonl``).

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        The canonical report frame (:data:`REPORT_COLUMNS`) and the rejected rows
        (:data:`REJECTED_COLUMNS`: input line and reason).

    Raises
    ------
    ReportInputError
        When the whole file cannot be read; the message starts with the file name.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "r.csv"
    >>> _ = p.write_text("report_id,source_kind,call_time,calling_number\\n"
    ...                  "a1,app_user_report,2026-01-05T10:00:00-05:00,(202) 555-0123\\n"
    ...                  "a2,app_user_report,2026-01-05 10:00,2025550123\\n")
    >>> good, bad = read_reports(p)
    >>> good[["report_id", "calling_e164"]].values.tolist(), bad["reason"].tolist()
    ([['a1', '+12025550123']], ["call_time has no time zone or offset: '2026-01-05 10:00'"])
    """
    target = Path(path)
    try:
        data = target.read_bytes()
    except OSError as exc:
        raise ReportInputError(f"{target}: cannot be read ({exc.strerror or exc})") from exc
    text = decode_utf8(data, str(target))
    try:
        suffix = target.suffix.lower()
        if suffix in (".ndjson", ".jsonl"):
            batch = reports_from_json_text(text, ndjson=True)
        elif suffix == ".json":
            batch = reports_from_json_text(text, ndjson=False)
        else:
            batch = reports_from_csv_text(text, preset=preset, tz=tz)
    except ReportInputError as exc:
        raise ReportInputError(f"{target}: {exc}") from exc
    return batch.reports, batch.rejected
