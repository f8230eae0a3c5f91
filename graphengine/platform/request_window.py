"""The one definition of a legal request's date range (its window).

A request names ``date_from`` and ``date_to`` as ISO days (either may be missing). The window is
**inclusive days in UTC**: from ``date_from`` 00:00 UTC (inclusive) to the day after ``date_to``,
00:00 UTC (exclusive); a missing day leaves that end open. Everything a response package draws
"for the date range" (alerts, ``reports_in_range.csv``, ``traceback_hops_in_range.csv``, the
engine's evidence bundles) uses this window, so they agree at the edges.

This module has no dependency on the other platform modules: ``legal_service`` imports
``traceback_service``, so the window cannot live in either without an import cycle, and
``legal_models`` holds tables, not rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pandas as pd

__all__ = ["Window", "day_window", "in_window", "request_window"]

#: ``(start inclusive, end exclusive)``, timezone-aware UTC; None is an open end
Window = tuple[dt.datetime | None, dt.datetime | None]


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def day_window(date_from: dt.date | None, date_to: dt.date | None) -> Window:
    """Return the window of the inclusive days ``[date_from, date_to]`` in UTC (see the module).

    A ``datetime`` given as a day counts as its date (its time of day is ignored).
    """
    start = _midnight(date_from) if date_from is not None else None
    end = _midnight(date_to) + dt.timedelta(days=1) if date_to is not None else None
    return start, end


def request_window(targets: Mapping[str, Any]) -> Window:
    """Return the window of a request's ``targets`` (its JSON, ``date_from`` / ``date_to`` as
    ``YYYY-MM-DD`` or missing/empty).

    Raises
    ------
    ValueError
        When a date is not an ISO day (targets are checked by ``legal_service.parse_targets``,
        so only hand-edited data can do this).
    """

    def day(key: str) -> dt.date | None:
        value = targets.get(key)
        return dt.date.fromisoformat(str(value)) if value else None

    return day_window(day("date_from"), day("date_to"))


def in_window(times: pd.Series, window: Window) -> pd.Series:
    """Return the boolean mask of ``times`` (timezone-aware) inside ``window``; a missing time
    (NaT) is outside any window with a bound, inside the open window."""
    start, end = window
    keep = pd.Series(True, index=times.index)
    if start is not None:
        keep &= times >= pd.Timestamp(start)
    if end is not None:
        keep &= times < pd.Timestamp(end)
    return keep
