"""Values that parse but cannot be trusted: out-of-range hops and times, ambiguous dates,
non-ASCII digits. Each becomes a quarantine reason or a flag, never a crash.

Decisions (docs/loading.md):

* **hop**: only ASCII digits (``١`` is refused even though Python reads it as 1), at most
  :data:`MAX_HOP`: a real traceback has a few dozen hops at most, and a huge number such as
  ``9223372036854775807`` is a broken export that would overflow the 64-bit column.
* **call_time outside what a timestamp can hold** (before 1677-09-22 or after 2262-04-11:
  ``0001-01-01``, ``9999-12-31``): the row is quarantined.
* **call_time outside** :data:`PLAUSIBLE_TIMES` (2000-01-01 to 2049-12-31, a fixed window so that the
  same input gives the same output every year): the row loads with the flag
  ``implausible_call_time`` (a time in 1900 or 2099 is a typo or a default value).
* **ambiguous dates**: ``03/04/2025`` could be 3 April or 4 March. A date written
  ``A/B/YYYY`` (or with ``.``/``-``) where both A and B are 1-12 and differ is **refused**: the
  row is quarantined with a reason asking for ``YYYY-MM-DD``. Guessing a month-first reading
  would put a call on the wrong day in evidence; ``13/04/2025`` and ``04/04/2025`` are not
  ambiguous and load.

Examples
--------
>>> import numpy as np
>>> ambiguous_dates(np.array(["03/04/2025", "13/04/2025", "2025-03-04"], dtype=object)).tolist()
[True, False, False]
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd

__all__ = [
    "MAX_HOP",
    "PLAUSIBLE_TIMES",
    "IMPLAUSIBLE_TIME_FLAG",
    "ambiguous_dates",
    "ascii_number",
    "implausible_times",
]

#: the largest hop number accepted.
MAX_HOP = 1000

#: call times outside ``[start, end)`` load with the flag :data:`IMPLAUSIBLE_TIME_FLAG`.
PLAUSIBLE_TIMES = (pd.Timestamp("2000-01-01", tz="UTC"), pd.Timestamp("2050-01-01", tz="UTC"))
IMPLAUSIBLE_TIME_FLAG = "implausible_call_time"

_SLASH_DATE = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})(?!\d)")


def ascii_number(text: str) -> bool:
    """True when ``text`` is written with ASCII characters only (``"1"``, ``"1.0"``, ``"-2"``),
    so that ``float()`` cannot read other scripts' digits (``"١"``) as numbers."""
    return text.isascii()


def ambiguous_dates(values: np.ndarray) -> np.ndarray:
    """Return a bool mask: the value starts with a ``A/B/YYYY`` date whose day and month could
    be swapped (both 1-12 and different)."""

    def check(value: object) -> bool:
        m = _SLASH_DATE.match(str(value)) if value is not None else None
        if m is None:
            return False
        a, b = int(m.group(1)), int(m.group(2))
        return 1 <= a <= 12 and 1 <= b <= 12 and a != b

    return _per_distinct(values, check)


def _per_distinct(values: np.ndarray, fn: Callable[[object], bool]) -> np.ndarray:
    arr = np.asarray(values, dtype=object)
    if not len(arr):
        return np.zeros(0, dtype=bool)
    codes, uniques = pd.factorize(arr, use_na_sentinel=False)
    return np.array([fn(u) for u in uniques], dtype=bool)[codes]


def implausible_times(times: pd.Series) -> np.ndarray:
    """Return a bool mask of times outside :data:`PLAUSIBLE_TIMES` (missing times: False)."""
    start, end = PLAUSIBLE_TIMES
    values = pd.Series(times)
    mask = values.notna() & ((values < start) | (values >= end))
    return mask.to_numpy(dtype=bool)
