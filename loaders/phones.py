"""Phone numbers: keep the raw text, add an E.164 form when the number can be read.

A number is readable when it is a NANP number (10 digits, or 11 starting with 1; area code and
exchange start with 2-9), written with any punctuation, or any ``+`` number of 8-15 digits
(international E.164). Anything else (``Anonymous``, ``12345``, letters) is unreadable: the raw value
is kept and the row gets a flag, but it is not rejected.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["to_e164"]

_NANP = r"^1?([2-9]\d{2}[2-9]\d{6})$"


def to_e164(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Return ``(e164, unreadable)`` for a Series of raw phone numbers.

    ``e164`` is a string Series (``<NA>`` where unreadable or empty); ``unreadable`` is a boolean
    Series, True where a non-empty value could not be read.

    Examples
    --------
    >>> import pandas as pd
    >>> e164, bad = to_e164(pd.Series(["(202) 555-0123", "+44 20 7946 0958", "Anonymous", None]))
    >>> list(e164.fillna("-")), list(bad)
    (['+12025550123', '+442079460958', '-', '-'], [False, False, True, False])
    """
    text = raw.astype("string").str.strip()
    present = text.notna() & (text != "")
    uniq = pd.Series(text[present].unique(), dtype="string")
    # Only digits and common separators are allowed around the digits.
    shape_ok = uniq.str.fullmatch(r"\+?[\d\s().\-/]+").fillna(False).astype(bool)
    digits = uniq.str.replace(r"\D", "", regex=True)
    plus = uniq.str.startswith("+").fillna(False).astype(bool)
    nanp = digits.str.extract(_NANP, expand=False)
    intl = plus & ~digits.str.startswith("1").fillna(False) & digits.str.len().between(8, 15)
    e164 = pd.Series(pd.NA, index=uniq.index, dtype="string")
    e164 = e164.mask(shape_ok & nanp.notna() & (~plus | digits.str.startswith("1")), "+1" + nanp)
    e164 = e164.mask(shape_ok & intl & e164.isna(), "+" + digits)
    lookup = dict(zip(uniq.tolist(), e164.tolist(), strict=True))
    out = text.map(lookup, na_action="ignore").astype("string")
    out = out.where(present, pd.NA)
    unreadable = (present & out.isna()).astype(bool)
    return out, unreadable
