"""The provider registry: the Robocall Mitigation Database (RMD) export, in its own columns.

Columns used (after the mapping file's renames; case and spaces do not matter):

* ``frn`` (required): FCC Registration Number; digits, kept zero-padded to 10 digits;
* ``business_name`` (required);
* ``implementation``, ``gateway_provider_choice``, ``intermediate_provider_choice`` (optional);
* a removal date (optional), under any of :data:`REMOVAL_COLUMNS`; empty = never removed;
* ``other_dba_names`` (optional, ``;``-separated trade names, used for identity);
* ``country`` (optional).

A **provider list** (``provider,country``, no ``frn`` values) is read by the same code: ``provider``
stands for ``business_name``, ``frn`` is not required, and its rows give attributes (country,
trade names) without any RMD status. A file is an RMD export when its ``frn`` column has a value;
only then are its rows RMD filings (``_rmd``).

Rows are validated like hop rows (reading problems, oversized fields, missing ``frn`` or
``business_name``, a name with no letters or digits, an FRN that is not digits, an unreadable
removal date); bad rows are quarantined. The same FRN and name twice is a duplicate, not a reject.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from loaders.identity import has_name_characters
from loaders.readers import RawTable
from loaders.validate import MAX_FIELD_CHARS, parse_times

__all__ = ["REMOVAL_COLUMNS", "DBA_COLUMNS", "stage_registry"]

#: Accepted names of the removal-date column (first one present wins).
REMOVAL_COLUMNS: tuple[str, ...] = (
    "removal_date",
    "removed_on",
    "removed_date",
    "date_removed",
    "rmd_removed_on",
    "removed",
)
DBA_COLUMNS: tuple[str, ...] = ("other_dba_names", "dba_names", "dba")
_OPTIONAL = ("implementation", "gateway_provider_choice", "intermediate_provider_choice", "country")


def stage_registry(table: RawTable, frame: pd.DataFrame, file_index: int) -> pd.DataFrame:
    """Return the registry rows as a frame: ``name, frn, dba_names, implementation,
    gateway_provider_choice, intermediate_provider_choice, country, removed_on`` plus
    ``_file, _row, _line, _reason, _reason_column, _rmd``."""
    n = len(frame)

    def col(name: str) -> pd.Series:
        if name in frame:
            return frame[name].astype("string").fillna("").str.strip()
        return pd.Series([""] * n, index=frame.index, dtype="string")

    removal_col = next((c for c in REMOVAL_COLUMNS if c in frame), None)
    dba_col = next((c for c in DBA_COLUMNS if c in frame), None)
    name = col("business_name") if "business_name" in frame else col("provider")
    frn = col("frn")
    is_rmd = bool((frn != "").any())
    if "country" not in frame and "provider_country" in frame:
        frame = frame.assign(country=frame["provider_country"])
    removed_raw = col(removal_col) if removal_col else col("__none__")
    reason = np.full(n, None, dtype=object)
    column = np.full(n, None, dtype=object)
    for pos, (c, r) in table.row_errors.items():
        reason[pos], column[pos] = r, c

    def reject(mask: np.ndarray, where: str, text: object) -> None:
        todo = mask & pd.isna(reason)
        reason[todo] = text[todo] if isinstance(text, np.ndarray) else text
        column[todo] = where

    for c in frame.columns:
        lengths = frame[c].astype("string").fillna("").str.len().to_numpy()
        big = lengths > MAX_FIELD_CHARS
        if big.any():
            msg = np.array(
                [f"field '{c}' is {k} characters long (limit {MAX_FIELD_CHARS})" for k in lengths]
            )
            reject(big, str(c), msg.astype(object))
    if is_rmd:
        reject((frn == "").to_numpy(), "frn", "missing required field 'frn'")
    name_col = "business_name" if "business_name" in frame else "provider"
    reject((name == "").to_numpy(), name_col, f"missing required field '{name_col}'")
    no_chars = (name != "").to_numpy() & ~name.map(has_name_characters).to_numpy(dtype=bool)
    reject(
        no_chars,
        "business_name",
        ("business_name has no letters or digits: '" + name + "'").to_numpy(dtype=object),
    )
    digits = frn.str.replace(r"[\s-]", "", regex=True)
    bad_frn = ((frn != "") & ~digits.str.fullmatch(r"\d{1,10}").fillna(False)).to_numpy(dtype=bool)
    reject(
        bad_frn, "frn", ("frn must be up to 10 digits, got '" + frn + "'").to_numpy(dtype=object)
    )
    removed, _ = parse_times(removed_raw)
    bad_date = ((removed_raw != "") & removed.isna()).to_numpy()
    reject(
        bad_date,
        removal_col or "",
        ("removal date cannot be read: '" + removed_raw + "'").to_numpy(dtype=object),
    )

    out = pd.DataFrame(
        {
            "name": name.mask(name == ""),
            "frn": digits.str.zfill(10).mask(digits == ""),
            "dba_names": col(dba_col) if dba_col else col("__none__"),
            "removed_on": removed,
        }
    )
    for c in _OPTIONAL:
        values = col(c)
        out[c] = values.where(values != "", pd.NA)
    out["_file"] = file_index
    out["_row"] = np.arange(n)
    out["_line"] = np.asarray(table.lines, dtype=np.int64)
    out["_reason"] = reason
    out["_reason_column"] = column
    out["_rmd"] = is_rmd
    return out.reset_index(drop=True)
