"""Spreadsheet-formula neutralisation for every CSV graphengine writes.

A text cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab / carriage return) is run as a
formula by Excel, LibreOffice and Google Sheets when the CSV is opened ("CSV injection"). Traceback
data comes from third parties, so a provider could be named ``=HYPERLINK(...)``. Every CSV the tool
writes goes through :func:`write_csv_safely`, which prefixes such cells with a single quote (the
spreadsheet convention for "this is text").

Phone numbers in E.164 form (``+12025550123``, ``+1 (202) 555-0123``) are legitimate and left alone,
as are plain numbers such as ``-5`` or ``-1.5``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = [
    "FORMULA_PREFIXES",
    "is_formula_like",
    "formula_mask",
    "neutralise_formula",
    "neutralise_frame",
    "write_csv_safely",
]

#: First characters that make a spreadsheet treat a cell as a formula.
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")

# Values that start with a formula character but are harmless data: E.164-like phone numbers and
# plain signed numbers. Anything else starting with one of the prefixes is neutralised.
_SAFE = re.compile(r"^(?:\+[\d\s().-]{6,}|[+-]?\d+(?:\.\d+)?)$")
_PREFIX_CLASS = "[=+\\-@\t\r]"


def is_formula_like(value: object) -> bool:
    """Return True when ``value`` is text a spreadsheet would run as a formula.

    Examples
    --------
    >>> is_formula_like("=1+1"), is_formula_like("+12025550123"), is_formula_like("Acme")
    (True, False, False)
    """
    if not isinstance(value, str) or not value:
        return False
    return value[0] in FORMULA_PREFIXES and not _SAFE.match(value)


def formula_mask(series: pd.Series) -> pd.Series:
    """Return a boolean Series: True where the cell is formula-like (see :func:`is_formula_like`).

    Vectorised; missing values are False.
    """
    text = series.astype("string")
    starts = text.str.match(_PREFIX_CLASS).fillna(False).astype(bool)
    if not starts.any():
        return starts
    safe = text.str.fullmatch(_SAFE.pattern).fillna(False).astype(bool)
    return starts & ~safe


def neutralise_formula(value: Any) -> Any:
    """Return ``value`` with a leading single quote when it is formula-like, else unchanged.

    Examples
    --------
    >>> neutralise_formula("=cmd|' /C calc'!A0")
    "'=cmd|' /C calc'!A0"
    >>> neutralise_formula("+12025550123")
    '+12025550123'
    """
    if is_formula_like(value):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``frame`` whose text cells are neutralised (column names too)."""
    out = frame.copy()
    for name in out.columns:
        col = out[name]
        if pd.api.types.is_string_dtype(col) or col.dtype == object:
            mask = formula_mask(col.where(col.map(lambda v: isinstance(v, str)), None))
            if mask.any():
                col = col.astype(object)
                col[mask] = "'" + col[mask].astype(str)
                out[name] = col
    out.columns = [neutralise_formula(str(c)) for c in out.columns]
    return out


def write_csv_safely(frame: pd.DataFrame, path: str | Path, **kwargs: Any) -> Path:
    """Write ``frame`` as UTF-8 CSV with formula-like cells neutralised; return the path.

    Every CSV graphengine writes (quarantine files, report tables, evidence tables) must use this.
    ``kwargs`` go to :meth:`pandas.DataFrame.to_csv` (``index`` defaults to False).

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
    >>> _ = write_csv_safely(pd.DataFrame({"name": ["=1+1", "ok"]}), p)
    >>> p.read_text().splitlines()
    ['name', "'=1+1", 'ok']
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    kwargs.setdefault("index", False)
    neutralise_frame(frame).to_csv(target, encoding="utf-8", **kwargs)
    return target
