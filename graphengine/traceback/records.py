"""Carriers' call records (CSV or Parquet): read, validate and normalise them for matching.

One file holds one carrier's records, in the columns of design.md ("Call records and automated
traceback"): :data:`RECORD_COLUMNS`. A file is accepted whole or not at all: the first bad row
raises :class:`RecordFileError` naming the file, the line and the reason (and how many rows are
bad), so nothing is ever half-applied. Reasons:

* a required column is missing, or the file cannot be parsed as CSV/Parquet;
* ``call_start`` is empty, unreadable, or has **no zone or offset** (a local time cannot be placed
  on the clock of the other carriers);
* ``carrier`` is empty, names more than one carrier, or is not the carrier the file was uploaded
  for (compared with the provider identity rules of :mod:`loaders.identity`);
* ``duration_s`` is present but not a number.

The normalised frame (:data:`NORMALISED_COLUMNS`) has the UTC time in epoch milliseconds, the
E.164 numbers and the provider keys of ``carrier``/``ingress_carrier``/``egress_carrier``; it is
what both stitching engines read.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from graphengine.errors import InputFileError
from graphengine.schema import CALL_RECORD_COLUMNS
from loaders.identity import normalise_name
from loaders.validate import map_unique

__all__ = [
    "RECORD_COLUMNS",
    "REQUIRED_COLUMNS",
    "NORMALISED_COLUMNS",
    "RecordFileError",
    "RecordFile",
    "carrier_key",
    "e164_numbers",
    "read_record_file",
    "read_record_dir",
    "normalise",
    "record_sha256",
]

#: The columns of a call record, in design.md's order.
RECORD_COLUMNS: tuple[str, ...] = CALL_RECORD_COLUMNS
REQUIRED_COLUMNS: tuple[str, ...] = (
    "carrier",
    "call_start",
    "calling_number",
    "called_number",
    "ingress_carrier",
    "egress_carrier",
)
#: The normalised frame both engines read (strings are "" when absent, never null).
NORMALISED_COLUMNS: tuple[str, ...] = (
    "rid",
    "carrier_key",
    "t_ms",
    "calling",
    "called",
    "ingress_key",
    "ingress_carrier",
    "ingress_customer",
    "egress_key",
    "call_id_in",
    "call_id_out",
    "attestation",
    "origid",
    "identity_hash",
    "file_id",
    "line",
)

_ZONE = r"(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$"


class RecordFileError(InputFileError):
    """A call-record file was refused as a whole; the message names file, line and reason."""


@dataclass(frozen=True)
class RecordFile:
    """One validated carrier file: its raw rows (all strings) and its identity."""

    path: Path
    carrier: str  # as printed in the file
    carrier_key: str
    sha256: str  # of the file's bytes
    raw: pd.DataFrame  # RECORD_COLUMNS as strings ("" when absent), one row per record
    first_line: int  # line (CSV) or row number + 1 (Parquet) of raw's first row


@functools.lru_cache(maxsize=65536)
def carrier_key(name: object) -> str:
    """Return the provider key of a carrier name ("" for an empty name).

    Examples
    --------
    >>> carrier_key("ACME Telecom, L.L.C."), carrier_key(" ")
    ('acme telecom', '')
    """
    if not isinstance(name, str) or not name.strip():
        return ""
    return normalise_name(name)


def _phonenumbers_e164(raw: str) -> str:
    import phonenumbers

    try:
        num = phonenumbers.parse(raw, "US")
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(num):
        return ""
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)


def e164_numbers(raw: pd.Series) -> pd.Series:
    """Return the E.164 form of every number ("" when unreadable), NANP assumed for national ones.

    The common shapes (10 digits, 11 starting with 1, ``+`` and digits) are done vectorised;
    anything else goes through ``phonenumbers`` once per distinct value.

    Examples
    --------
    >>> import pandas as pd
    >>> e164_numbers(pd.Series(["(202) 555-0123", "1-202-555-0123", "+44 20 7946 0958", "x"])).tolist()
    ['+12025550123', '+12025550123', '+442079460958', '']
    """
    text = raw.fillna("").astype(str).str.strip()
    digits = text.str.replace(r"\D", "", regex=True)
    plus = text.str.startswith("+")
    n = digits.str.len()
    out = pd.Series("", index=raw.index, dtype=object)
    ten = (n == 10) & ~plus
    eleven = (n == 11) & digits.str.startswith("1")
    inter = plus & (n >= 8) & (n <= 15) & ~eleven
    out[ten] = "+1" + digits[ten]
    out[eleven] = "+" + digits[eleven]
    out[inter] = "+" + digits[inter]
    rest = (out == "") & (text != "") & (digits.str.len() > 0)
    if rest.any():
        out[rest] = map_unique(text[rest].to_numpy(dtype=object), _phonenumbers_e164)
    return out


def record_sha256(row: Iterable[object]) -> str:
    """Return the SHA-256 of one record: its RECORD_COLUMNS values joined by a unit separator.

    The same record gives the same hash whether it came from CSV or Parquet.

    Examples
    --------
    >>> record_sha256(["A"] + [""] * 12)[:12]
    '1c2b4ee8b23d'
    """
    text = "\x1f".join("" if v is None else str(v) for v in row)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _read_table(path: Path) -> tuple[pd.DataFrame, int]:
    """Return the file's rows as strings and the line number of its first data row."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            frame = pd.read_parquet(path)
            first = 1
        elif suffix == ".csv":
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
            first = 2
        else:
            raise RecordFileError(f"{path}: call records must be .csv or .parquet")
    except RecordFileError:
        raise
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        reason = " ".join(str(exc).split())
        raise RecordFileError(f"{path}: cannot be read as {suffix[1:]}: {reason}") from exc
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise RecordFileError(f"{path}: missing column(s) {', '.join(missing)}")
    if pd.api.types.is_datetime64_any_dtype(frame["call_start"]):
        raise RecordFileError(
            f"{path}: call_start must be text with a zone, not a timestamp column"
        )
    for col in RECORD_COLUMNS:
        if col not in frame.columns:
            frame[col] = ""
        else:
            s = frame[col]
            if s.dtype != object or s.isna().any():
                s = s.astype(object).where(s.notna(), "")
            frame[col] = s.astype(str)
    return frame[list(RECORD_COLUMNS)].reset_index(drop=True), first


def _fail(path: Path, bad: np.ndarray, first: int, reason: str) -> None:
    idx = np.flatnonzero(bad)
    if len(idx):
        more = f" ({len(idx)} rows)" if len(idx) > 1 else ""
        raise RecordFileError(f"{path}:{int(idx[0]) + first}: {reason}{more}; nothing was loaded")


def read_record_file(path: str | Path, carrier: str | None = None) -> RecordFile:
    """Read and validate one carrier's call-record file (CSV or Parquet).

    Parameters
    ----------
    path
        The file.
    carrier
        The carrier it was uploaded for; when given, every row's ``carrier`` must resolve to the
        same provider key.

    Returns
    -------
    RecordFile

    Raises
    ------
    RecordFileError
        For the first problem found (see the module docstring); the file is refused whole.
    """
    p = Path(path)
    if not p.is_file():
        raise RecordFileError(f"{p}: no such file")
    raw, first = _read_table(p)
    if raw.empty:
        raise RecordFileError(f"{p}: no call records")
    keys = pd.Series(map_unique(raw["carrier"].to_numpy(dtype=object), carrier_key), dtype=object)
    _fail(p, (keys == "").to_numpy(), first, "empty carrier")
    want = carrier_key(carrier) if carrier is not None else str(keys.iloc[0])
    wrong = (keys != want).to_numpy()
    if carrier is not None:
        reason = f"carrier {{!r}} is not {carrier!r}, the carrier this file was uploaded for"
    else:
        reason = f"carrier {{!r}} differs from {raw['carrier'].iloc[0]!r} (one carrier per file)"
    if wrong.any():
        _fail(p, wrong, first, reason.format(raw["carrier"].iloc[int(np.flatnonzero(wrong)[0])]))
    start = raw["call_start"].str.strip()
    _fail(p, (start == "").to_numpy(), first, "empty call_start")
    no_zone = ~start.str.contains(_ZONE, regex=True)
    _fail(p, no_zone.to_numpy(), first, "call_start has no zone or offset (e.g. Z or -05:00)")
    dur = raw["duration_s"].str.strip()
    bad_dur = (dur != "") & pd.to_numeric(dur, errors="coerce").isna()
    _fail(p, bad_dur.to_numpy(), first, "duration_s is not a number")
    sha = hashlib.sha256(p.read_bytes()).hexdigest()
    return RecordFile(p, str(raw["carrier"].iloc[0]).strip(), want, sha, raw, first)


def _times_ms(rf: RecordFile) -> np.ndarray:
    start = rf.raw["call_start"].str.strip()
    times = pd.to_datetime(start, utc=True, format="ISO8601", errors="coerce")
    _fail(rf.path, times.isna().to_numpy(), rf.first_line, "call_start is not a date and time")
    ns = times.to_numpy(dtype="datetime64[ns]").astype(np.int64)
    return (ns // 1_000_000).astype(np.int64)


def normalise(files: list[RecordFile]) -> pd.DataFrame:
    """Return the normalised frame (:data:`NORMALISED_COLUMNS`) of validated files, in order.

    ``rid`` numbers the rows 0.. across the files; ``file_id`` is the file's position.

    Raises
    ------
    RecordFileError
        When a ``call_start`` with a zone still cannot be read as a date and time.
    """
    times = [_times_ms(rf) for rf in files]
    raw = pd.concat([rf.raw for rf in files], ignore_index=True)
    n = len(raw)
    key = lambda col: map_unique(raw[col].to_numpy(dtype=object), carrier_key)  # noqa: E731
    sizes = [len(rf.raw) for rf in files]
    return pd.DataFrame(
        {
            "rid": np.arange(n, dtype=np.int64),
            "carrier_key": np.repeat([rf.carrier_key for rf in files], sizes).astype(object),
            "t_ms": np.concatenate(times),
            "calling": e164_numbers(raw["calling_number"]),
            "called": e164_numbers(raw["called_number"]),
            "ingress_key": key("ingress_carrier"),
            "ingress_carrier": raw["ingress_carrier"].str.strip(),
            "ingress_customer": raw["ingress_customer"].str.strip(),
            "egress_key": key("egress_carrier"),
            "call_id_in": raw["call_id_in"].str.strip(),
            "call_id_out": raw["call_id_out"].str.strip(),
            "attestation": raw["attestation"].str.strip().str.upper(),
            "origid": raw["origid"].str.strip(),
            "identity_hash": raw["identity_hash"].str.strip(),
            "file_id": np.repeat(np.arange(len(files), dtype=np.int64), sizes),
            "line": np.concatenate(
                [
                    np.arange(rf.first_line, rf.first_line + len(rf.raw), dtype=np.int64)
                    for rf in files
                ]
            ),
        }
    )


def record_files(directory: str | Path) -> list[Path]:
    """Return the .csv and .parquet files directly in ``directory``, sorted by name.

    Raises
    ------
    RecordFileError
        When ``directory`` is not a folder or holds no record file.
    """
    d = Path(directory)
    if not d.is_dir():
        raise RecordFileError(f"--records {d}: not a folder")
    files = sorted(p for p in d.iterdir() if p.suffix.lower() in (".csv", ".parquet"))
    if not files:
        raise RecordFileError(f"--records {d}: no .csv or .parquet call-record files")
    return files


def read_record_dir(directory: str | Path) -> tuple[list[RecordFile], pd.DataFrame]:
    """Validate every file of ``directory`` first, then return them and their normalised rows.

    Raises
    ------
    RecordFileError
        For the first bad file (nothing is returned, so nothing is half-applied), or when two
        files hold the same carrier.
    """
    files = [read_record_file(p) for p in record_files(directory)]
    seen: dict[str, Path] = {}
    for rf in files:
        if rf.carrier_key in seen:
            raise RecordFileError(
                f"{rf.path}: carrier {rf.carrier!r} already has records in {seen[rf.carrier_key]}"
            )
        seen[rf.carrier_key] = rf.path
    return files, normalise(files)
