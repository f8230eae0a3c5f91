"""Read one input file (CSV, JSON Lines or XLSX) into a raw table of text cells.

The reader does not interpret columns; it only turns bytes into rows and remembers, for every
row, the physical line it came from (the header is line 1; for XLSX the sheet row number) and any
problem found while reading (non-UTF-8 bytes, too many fields, a JSON line that is not an object).
Those rows are quarantined later; the other rows load.

The format is detected from the content first (an XLSX file is a ZIP archive), then from the
extension (``.jsonl``, ``.ndjson``, ``.json``) or a first character ``{`` / ``[``; anything else is
read as delimited text (comma, tab, semicolon or pipe, whichever the header uses most).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import hashlib
import io
import json
import re
import warnings
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from graphengine.errors import InputFileError

__all__ = ["RawTable", "read_table", "sha256_of"]

_SURROGATE = re.compile("[\udc80-\udcff]")


@dataclass
class RawTable:
    """The rows of one file as text, before any column mapping."""

    path: Path
    sha256: str
    format: str  # "csv", "jsonl" or "xlsx"
    frame: pd.DataFrame  # one object column per column in the file, cells are str ("" = empty)
    lines: list[int]  # physical line (or sheet row) of each row of ``frame``
    #: row position -> (column, reason) for rows that must be quarantined for a reading problem
    row_errors: dict[int, tuple[str, str]] = field(default_factory=dict)
    #: (line, reason, raw text) for lines that produced no row at all (e.g. invalid JSON)
    unreadable: list[tuple[int, str, str]] = field(default_factory=list)


def sha256_of(data: bytes) -> str:
    """Return the hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def read_table(path: str | Path) -> RawTable:
    """Read ``path`` into a :class:`RawTable`.

    Raises
    ------
    InputFileError
        When the file is missing, empty, or not a CSV, JSON Lines or XLSX file (one line, naming
        the file and the problem).
    """
    target = Path(path)
    try:
        data = target.read_bytes()
    except FileNotFoundError as exc:
        raise InputFileError(f"{target}: file not found") from exc
    except IsADirectoryError as exc:
        raise InputFileError(f"{target}: is a directory, not a data file") from exc
    except OSError as exc:
        raise InputFileError(f"{target}: cannot be read ({exc.strerror})") from exc
    digest = sha256_of(data)
    if not data.strip():
        raise InputFileError(f"{target}: file is empty")
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(target, data, digest)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputFileError(
            f"{target}: legacy Excel .xls is not supported; save it as .xlsx or CSV"
        )
    if data.startswith(b"%PDF"):
        raise InputFileError(f"{target}: is a PDF, not a CSV, JSON Lines or XLSX file")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputFileError(f"{target}: is UTF-16 text; save it as UTF-8")
    if b"\x00" in data[:65536]:
        raise InputFileError(f"{target}: contains NUL bytes; not a CSV, JSON Lines or XLSX file")
    if target.suffix.lower() in {".xlsx", ".xlsm"}:
        raise InputFileError(f"{target}: has an .xlsx name but is not an Excel workbook")
    text, bad_lines = _decode(target, data)
    first = text.lstrip()[:1]
    if target.suffix.lower() in {".jsonl", ".ndjson", ".json"} or first in {"{", "["}:
        table = _read_jsonl(target, text, digest)
    else:
        table = _read_delimited(target, text, digest)
    _mark_bad_bytes(table, text, data, bad_lines)
    return table


# --------------------------------------------------------------------------- text decoding


def _decode(target: Path, data: bytes) -> tuple[str, list[int]]:
    """Decode UTF-8 keeping invalid bytes as surrogates; return the text and the bad lines."""
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    try:
        return body.decode("utf-8"), []
    except UnicodeDecodeError:
        pass
    text = body.decode("utf-8", errors="surrogateescape")
    bad_lines = sorted({text.count("\n", 0, m.start()) + 1 for m in _SURROGATE.finditer(text)})
    total = text.count("\n") + 1
    if len(bad_lines) > max(10, total // 2):
        raise InputFileError(
            f"{target}: is not UTF-8 text ({len(bad_lines)} of {total} lines have invalid bytes, "
            f"first at line {bad_lines[0]}); save it as UTF-8"
        )
    return text, bad_lines


def _mark_bad_bytes(table: RawTable, text: str, data: bytes, bad_lines: list[int]) -> None:
    """Give every row that spans a line with invalid bytes a row error with the byte offset."""
    if not bad_lines:
        return
    bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    line_starts_char = [0] + [m.end() for m in re.finditer("\n", text)]
    line_starts_byte = [0] + [m.end() for m in re.finditer(b"\n", data[bom:])]
    reasons: dict[int, str] = {}
    for line in bad_lines:
        start_c = line_starts_char[line - 1]
        end_c = line_starts_char[line] if line < len(line_starts_char) else len(text)
        m = _SURROGATE.search(text, start_c, end_c)
        if m is None:
            continue
        offset = bom + line_starts_byte[line - 1]
        offset += len(text[start_c : m.start()].encode("utf-8", "surrogateescape"))
        byte = ord(m.group()) - 0xDC00
        reasons[line] = f"non-UTF-8 byte 0x{byte:02X} at byte offset {offset} (line {line})"
    unreadable_lines = {line for line, _, _ in table.unreadable}
    for i, (line, _, raw) in enumerate(table.unreadable):
        if line in reasons:
            table.unreadable[i] = (line, reasons[line], raw)
    row_starts = table.lines
    for line, reason in reasons.items():
        if line in unreadable_lines:
            continue
        # the row that contains this physical line is the last row starting at or before it
        pos = bisect_right(row_starts, line) - 1
        if pos < 0:
            raise InputFileError(f"{table.path}: header has a {reason}; save the file as UTF-8")
        if pos in table.row_errors:
            continue
        row = table.frame.iloc[pos]
        column = next((str(c) for c in table.frame.columns if _SURROGATE.search(str(row[c]))), "")
        table.row_errors[pos] = (column, reason)
    _replace_surrogates(table)


def _replace_surrogates(table: RawTable) -> None:
    """Replace undecodable bytes (kept as surrogates) by U+FFFD in the cells of the frame.

    Their rows already carry the row error with the byte offset; pandas' pyarrow-backed
    strings refuse surrogates, so they must not reach the staging and validation steps.
    """
    for column in table.frame.columns:
        values = table.frame[column]
        if values.dtype != object:
            continue
        bad = values.map(lambda v: isinstance(v, str) and _SURROGATE.search(v) is not None)
        if bool(bad.any()):
            table.frame.loc[bad, column] = values[bad].map(lambda v: _SURROGATE.sub("\ufffd", v))


# --------------------------------------------------------------------------- delimited text


def _sniff_delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _header(target: Path, names: list[str]) -> list[str]:
    cleaned = [n.strip().lstrip("\ufeff") or f"column_{i + 1}" for i, n in enumerate(names)]
    seen: set[str] = set()
    for name in cleaned:
        low = name.lower()
        if low in seen:
            raise InputFileError(f"{target}: column {name!r} appears twice in the header")
        seen.add(low)
    return cleaned


#: the csv module's per-field limit while reading (its default, 131,072 characters, refused a
#: whole file for one long quoted cell). Long fields are read and then quarantined row by row
#: by :data:`loaders.validate.MAX_FIELD_CHARS`; this only bounds one field to the file's size.
_CSV_FIELD_LIMIT = 2**31 - 1


@contextlib.contextmanager
def _field_limit(limit: int) -> Iterator[None]:
    previous = csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def _read_delimited(target: Path, text: str, digest: str) -> RawTable:
    with _field_limit(_CSV_FIELD_LIMIT):
        return _read_delimited_checked(target, text, digest)


def _read_delimited_checked(target: Path, text: str, digest: str) -> RawTable:
    first_line = text.split("\n", 1)[0]
    delimiter = _sniff_delimiter(first_line)
    fast = _read_delimited_fast(target, text, digest, delimiter)
    if fast is not None:
        return fast
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    errors: dict[int, tuple[str, str]] = {}
    prev = 0
    try:
        for record in reader:
            start, prev = prev + 1, reader.line_num
            if not any(v.strip() for v in record):
                continue  # blank lines and all-empty records (",,,") are not rows
            if header is None:
                header = _header(target, record)
                width = len(header)
                continue
            if len(record) != width:
                if len(record) > width and not any(v.strip() for v in record[width:]):
                    record = record[:width]  # trailing empty cells (spreadsheet export)
                elif len(record) > width:
                    errors[len(rows)] = (
                        "",
                        f"row has {len(record)} fields but the header has {width}",
                    )
                    record = record[:width]
                else:
                    record = record + [""] * (width - len(record))
            rows.append(record)
            lines.append(start)
    except csv.Error as exc:
        raise InputFileError(
            f"{target}: is not a readable CSV (line {reader.line_num}: {exc})"
        ) from exc
    if header is None:
        raise InputFileError(f"{target}: has no header row")
    frame = pd.DataFrame(rows, columns=header, dtype=object) if rows else _empty(header)
    return RawTable(target, digest, "csv", frame, lines, errors)


def _read_delimited_fast(target: Path, text: str, digest: str, delimiter: str) -> RawTable | None:
    """Parse with pandas' C reader when every record is exactly one physical line.

    Returns None (the caller then uses the csv module, which tracks multi-line records and
    ragged rows) when the first line is blank, a record spans lines, or a row has too many
    fields.
    """
    if not text or text[0] in "\r\n":
        return None
    header_cells = next(csv.reader([text.split("\n", 1)[0]], delimiter=delimiter), [])
    header = _header(target, header_cells)
    try:
        # Bytes, not io.StringIO: a StringIO that is read holds its text as 4 bytes per
        # character (4x the file at 10M hops). Text with undecodable bytes (surrogates)
        # stays a StringIO.
        source: io.BytesIO | io.StringIO = io.BytesIO(text.encode("utf-8"))
    except UnicodeEncodeError:
        source = io.StringIO(text)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(
                source,
                encoding="utf-8",
                sep=delimiter,
                # categorical from the first read: the C reader keeps each distinct text once
                # instead of a Python string per cell (gigabytes at 10M rows); the columns
                # become object arrays of those shared strings below
                dtype="category",
                na_filter=False,
                keep_default_na=False,
                skip_blank_lines=False,
                index_col=False,
                header=0,
                names=header,
                engine="c",
            )
    except (pd.errors.ParserError, pd.errors.ParserWarning, pd.errors.EmptyDataError, ValueError):
        return None
    physical = text.count("\n") + (0 if text.endswith("\n") else 1)
    if len(frame) != physical - 1:
        return None  # a quoted field spans lines: line numbers need the csv module
    del source
    lines = np.arange(2, len(frame) + 2, dtype=np.int64)
    # column by column: a row-major object copy of the whole table costs gigabytes at 10M rows
    blank = np.ones(len(frame), dtype=bool)
    for col in range(frame.shape[1]):
        blank &= frame.iloc[:, col].to_numpy(dtype=object) == ""
        if not blank.any():
            break
    if not frame.shape[1]:
        blank[:] = True
    if blank.any():
        frame, lines = frame[~blank].reset_index(drop=True), lines[~blank]
    if frame.shape[1] and len(frame) and any(dt != np.dtype(object) for dt in frame.dtypes):
        columns = frame.columns
        frame = pd.DataFrame(
            {i: frame.iloc[:, i].to_numpy(dtype=object) for i in range(len(columns))}
        )
        frame.columns = columns
    return RawTable(target, digest, "csv", frame, lines.tolist(), {})


def _empty(header: list[str]) -> pd.DataFrame:
    return pd.DataFrame({h: pd.Series(dtype=object) for h in header})


# --------------------------------------------------------------------------- JSON Lines


def _cell(value: Any) -> str:
    """Render one JSON or spreadsheet value as the text a CSV would have held."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _read_jsonl(target: Path, text: str, digest: str) -> RawTable:
    records: list[dict[str, str]] = []
    lines: list[int] = []
    unreadable: list[tuple[int, str, str]] = []
    stripped = text.lstrip()
    if stripped.startswith("["):  # a plain JSON array of objects is accepted too
        try:
            items = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise InputFileError(
                f"{target}: is not valid JSON ({exc.msg} at line {exc.lineno})"
            ) from exc
        for i, item in enumerate(items if isinstance(items, list) else [], start=1):
            if isinstance(item, dict):
                records.append({str(k): _cell(v) for k, v in item.items()})
                lines.append(i)
            else:
                unreadable.append((i, "JSON item is not an object", json.dumps(item)))
    else:
        for number, line in enumerate(text.split("\n"), start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                unreadable.append((number, f"invalid JSON ({exc.msg})", line))
                continue
            if not isinstance(item, dict):
                unreadable.append((number, "JSON line is not an object", line))
                continue
            records.append({str(k): _cell(v) for k, v in item.items()})
            lines.append(number)
    if (
        not records
        and unreadable
        and len(unreadable) == sum(1 for ln in text.split("\n") if ln.strip())
    ):
        raise InputFileError(
            f"{target}: is not JSON Lines (line {unreadable[0][0]}: {unreadable[0][1]})"
        )
    columns: dict[str, None] = {}
    for rec in records:
        columns.update(dict.fromkeys(rec))
    header = _header(target, list(columns))
    frame = pd.DataFrame.from_records(records, columns=header) if records else _empty(header)
    frame = frame.astype(object).where(frame.notna(), "")
    return RawTable(target, digest, "jsonl", frame, lines, {}, unreadable)


# --------------------------------------------------------------------------- XLSX


def _read_xlsx(target: Path, data: bytes, digest: str) -> RawTable:
    # why: openpyxl is slow to import; only XLSX inputs pay for it
    import openpyxl

    try:
        # data_only=False: a cell holding a formula comes through as its formula text, so that
        # formula injection is seen and flagged rather than silently evaluated away.
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many types for a broken archive
        raise InputFileError(f"{target}: is a ZIP file but not a readable .xlsx workbook") from exc
    try:
        sheet = book.worksheets[0]
        header: list[str] | None = None
        rows: list[list[str]] = []
        lines: list[int] = []
        for number, values in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1):
            cells = [_cell(v) for v in values]
            if not any(c.strip() for c in cells):
                continue
            if header is None:
                while cells and not cells[-1].strip():
                    cells.pop()
                header = _header(target, cells)
                continue
            width = len(header)
            cells = (cells + [""] * width)[:width]
            rows.append(cells)
            lines.append(number)
    finally:
        book.close()
    if header is None:
        raise InputFileError(f"{target}: the first sheet has no header row")
    frame = pd.DataFrame(rows, columns=header, dtype=object) if rows else _empty(header)
    return RawTable(target, digest, "xlsx", frame, lines)
