"""Removal of called numbers (the victims' numbers) from everything an evidence bundle holds.

Redaction works at the source: the hop frame is redacted *before* any table, figure, hover
text or GraphML is built, so no called number can reach the bundle through any of them. After
the bundle is written, :func:`find_numbers` scans every file as bytes as a second line of defence.

Examples
--------
>>> import pandas as pd
>>> number_forms("(603) 555-0101")
['(603) 555-0101', '+16035550101', '16035550101', '6035550101']
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

__all__ = ["REDACTED", "number_forms", "called_number_forms", "redact_hops", "find_numbers"]

#: What a redacted called number reads as.
REDACTED = "[redacted]"


def number_forms(raw: str) -> list[str]:
    """Return the spellings of a phone number to remove: raw, E.164, 11 and 10 digits (NANP).

    Forms shorter than 7 digits are not returned (they would match unrelated text).
    """
    forms = {raw.strip()}
    digits = re.sub(r"\D", "", raw)
    if len(digits) == 10:
        digits = "1" + digits
    if len(digits) >= 7:
        forms.update({"+" + digits, digits})
        if len(digits) == 11 and digits.startswith("1"):
            forms.add(digits[1:])
    return sorted(f for f in forms if len(re.sub(r"\D", "", f)) >= 7)


def called_number_forms(hops: pd.DataFrame) -> list[str]:
    """Return every spelling of every called number in ``hops``, longest first."""
    forms: set[str] = set()
    for column in ("called_number", "called_number_e164"):
        for value in hops[column].dropna().astype(str).unique():
            forms.update(number_forms(value))
    return sorted(forms, key=lambda f: (-len(f), f))


def redact_hops(hops: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Return a copy of ``hops`` without called numbers, and the number forms removed.

    ``called_number`` and ``called_number_e164`` become ``"[redacted]"`` where set; any other
    text column that mentions a called number (a response note, a flag) has it replaced too.
    """
    forms = called_number_forms(hops)
    out = hops.copy()
    for column in ("called_number", "called_number_e164"):
        out[column] = out[column].where(out[column].isna(), REDACTED)
    if forms:
        pattern = "|".join(re.escape(f) for f in forms)
        for column in out.columns:
            if column in ("called_number", "called_number_e164"):
                continue
            if pd.api.types.is_string_dtype(out[column]):
                out[column] = out[column].str.replace(pattern, REDACTED, regex=True)
    return out, forms


def find_numbers(root: Path, forms: Iterable[str]) -> list[tuple[str, str]]:
    """Return ``(relative path, form)`` for every file under ``root`` that contains a form."""
    needles = [(f, f.encode("utf-8")) for f in forms]
    hits = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        for form, needle in needles:
            if needle in data:
                hits.append((path.relative_to(root).as_posix(), form))
    return hits
