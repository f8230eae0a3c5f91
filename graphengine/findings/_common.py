"""Small helpers shared by the findings modules (not public)."""

from __future__ import annotations

import pandas as pd

from graphengine.findings.window import ResolvedWindow, Window

__all__ = ["ID_SEP", "join_ids", "windowed", "add_window_columns", "as_utc"]

#: separator of traceback ids inside one CSV cell.
ID_SEP = ";"


def join_ids(frame: pd.DataFrame, by: str | list[str], ids: str = "traceback_id") -> pd.Series:
    """Sorted, de-duplicated ``ids`` per group of ``by``, joined with :data:`ID_SEP`."""
    pairs = frame[[*([by] if isinstance(by, str) else by), ids]].drop_duplicates()
    pairs = pairs.sort_values([*([by] if isinstance(by, str) else by), ids], kind="stable")
    return pairs.groupby(by, sort=True)[ids].agg(lambda s: ID_SEP.join(s.astype(str)))


def as_utc(times: pd.Series) -> pd.Series:
    """Return ``times`` as UTC datetimes (naive values are taken as UTC)."""
    times = pd.to_datetime(times, utc=True)
    return times


def windowed(
    hops: pd.DataFrame, window: Window | ResolvedWindow | None
) -> tuple[pd.DataFrame, ResolvedWindow]:
    """Return the hops whose ``call_time`` is inside ``window`` and the resolved bounds.

    ``None`` means all data. An already resolved window is applied as is.
    """
    if window is None:
        window = Window()
    resolved = window if isinstance(window, ResolvedWindow) else window.resolve(hops["call_time"])
    if resolved.since is None and resolved.until is None:
        return hops, resolved
    keep = resolved.mask(hops["call_time"])
    return (hops if bool(keep.all()) else hops[keep]), resolved


def add_window_columns(frame: pd.DataFrame, window: ResolvedWindow) -> pd.DataFrame:
    """Append ``window_since``/``window_until`` so every count is quoted with its window."""
    frame = frame.copy()
    frame["window_since"] = pd.Series(window.since, index=frame.index, dtype="datetime64[ns, UTC]")
    frame["window_until"] = pd.Series(window.until, index=frame.index, dtype="datetime64[ns, UTC]")
    return frame
