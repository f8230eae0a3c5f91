"""Phone numbers: keep the raw text, add an E.164 form when the number can be read.

A number is readable when it is a NANP number (10 digits, or 11 starting with 1; area code and
exchange start with 2-9), written with any punctuation, or any ``+`` number of 8-15 digits
(international E.164). Anything else (``Anonymous``, ``12345``, letters) is unreadable: the raw value
is kept and the row gets a flag, but it is not rejected.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from loaders.distinct import map_unique

__all__ = ["e164_of", "to_e164"]

_SHAPE = re.compile(r"\+?[\d\s().\-/]+")
_NANP = re.compile(r"1?([2-9]\d{2}[2-9]\d{6})")
_NON_DIGIT = re.compile(r"\D")


def e164_of(raw: str) -> str | None:
    """Return the E.164 form of one phone number, or None when it cannot be read.

    Examples
    --------
    >>> e164_of("(202) 555-0123"), e164_of("+44 20 7946 0958"), e164_of("Anonymous")
    ('+12025550123', '+442079460958', None)
    """
    text = raw.strip()
    if not text or not _SHAPE.fullmatch(text):
        return None
    digits = _NON_DIGIT.sub("", text)
    nanp = _NANP.fullmatch(digits)
    if nanp and (not text.startswith("+") or digits.startswith("1")):
        return "+1" + nanp.group(1)
    if text.startswith("+") and not digits.startswith("1") and 8 <= len(digits) <= 15:
        return "+" + digits
    return None


def to_e164(raw: pd.Series | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(e164, unreadable)`` for raw phone numbers (one parse per distinct value).

    ``e164`` is an object array (None where unreadable or empty); ``unreadable`` is a boolean
    array, True where a non-empty value could not be read.

    Examples
    --------
    >>> import pandas as pd
    >>> e164, bad = to_e164(pd.Series(["(202) 555-0123", "Anonymous", None]))
    >>> list(e164), bad.tolist()
    (['+12025550123', None, None], [False, True, False])
    """
    values = map_unique(np.asarray(raw, dtype=object), str.strip)
    e164 = map_unique(values, e164_of)
    unreadable = (values != "") & np.asarray(pd.isna(e164), dtype=bool)
    return e164, unreadable
