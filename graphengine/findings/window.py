"""The analysis window: which calls a finding counts, quoted beside every count.

Enforcers quote a count *and* its window ("5 tracebacks as gateway between 2024-01-01 and
2024-12-31"), so every findings frame carries ``window_since`` and ``window_until`` columns.

A :class:`Window` is either fixed (``since`` and/or ``until``) or rolling (``"12M"``: the 12 months
ending at the last call in the data). :meth:`Window.resolve` turns it into concrete bounds against
a hop frame. Bounds are **inclusive**: a call at exactly ``since`` or ``until`` counts. A date
given without a time for ``until`` means the end of that day (23:59:59.999999999 UTC).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from graphengine.errors import ConfigError

__all__ = ["Window", "ResolvedWindow", "parse_span"]

_SPAN = re.compile(r"^\s*(\d+)\s*([DWMY])\s*$", re.IGNORECASE)
# ISO 8601 only: 04/01/2024 is April 1st in the U.S. and January 4th elsewhere
_ISO_DATE = re.compile(
    r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$"
)

#: average Gregorian month, used for per-month rates.
DAYS_PER_MONTH = 365.2425 / 12


def parse_span(text: str, option: str = "--window") -> pd.DateOffset:
    """Parse a span such as ``"12M"``, ``"90D"``, ``"2Y"`` or ``"6W"`` into a calendar offset.

    Raises
    ------
    ConfigError
        When the text is not ``<positive integer><D|W|M|Y>``.

    Examples
    --------
    >>> parse_span("12M")
    <DateOffset: months=12>
    """
    match = _SPAN.match(str(text))
    if not match or int(match.group(1)) <= 0:
        raise ConfigError(
            f"{option} {text!r} is not understood; use a positive number and a unit, "
            "e.g. 12M (months), 90D (days), 6W (weeks) or 2Y (years)"
        )
    n, unit = int(match.group(1)), match.group(2).upper()
    key = {"D": "days", "W": "weeks", "M": "months", "Y": "years"}[unit]
    return pd.DateOffset(**{key: n})  # type: ignore[arg-type]


def _timestamp(value: object, name: str, end_of_day: bool = False) -> pd.Timestamp | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str) and not _ISO_DATE.match(value.strip()):
        raise ConfigError(f"--{name} {value!r} is not an ISO date; use YYYY-MM-DD")
    try:
        ts = pd.Timestamp(value)  # type: ignore[arg-type]
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"--{name} {value!r} is not a date; use YYYY-MM-DD") from exc
    if ts is pd.NaT:
        raise ConfigError(f"--{name} {value!r} is not a date; use YYYY-MM-DD")
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    date_only = isinstance(value, str) and len(value.strip()) <= 10
    if end_of_day and date_only:
        ts = ts + pd.Timedelta(days=1) - pd.Timedelta(1, "ns")
    return ts


@dataclass(frozen=True)
class ResolvedWindow:
    """Concrete inclusive bounds of an analysis window, in UTC.

    ``since``/``until`` are ``None`` only when the hop frame was empty.
    """

    since: pd.Timestamp | None
    until: pd.Timestamp | None
    spec: str

    @property
    def months(self) -> float:
        """Length in average months, floored at one month so a burst of calls on one day
        does not read as a huge monthly rate."""
        if self.since is None or self.until is None:
            return 1.0
        days = (self.until - self.since) / pd.Timedelta(days=1)
        return max(days / DAYS_PER_MONTH, 1.0)

    def mask(self, times: pd.Series) -> pd.Series:
        """Boolean mask of the ``times`` that fall inside the window."""
        keep = pd.Series(True, index=times.index)
        if self.since is not None:
            keep &= times >= self.since
        if self.until is not None:
            keep &= times <= self.until
        return keep.fillna(False).astype(bool)

    def as_dict(self) -> dict[str, str | None]:
        """JSON-ready form: ISO timestamps and the spec the user gave."""
        return {
            "since": None if self.since is None else self.since.isoformat(),
            "until": None if self.until is None else self.until.isoformat(),
            "spec": self.spec,
        }


@dataclass(frozen=True)
class Window:
    """An analysis window, fixed or rolling.

    Parameters
    ----------
    since, until
        Inclusive bounds: ISO 8601 text (``YYYY-MM-DD``, optionally a time and offset) or a
        timestamp; naive values are UTC.
        A bare date for ``until`` covers that whole day. Either may be ``None`` (open).
    span
        A rolling span such as ``"12M"``. When set, ``until`` defaults to the **last call in
        the data** and ``since = until - span``. It cannot be combined with ``since``.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.Series(pd.to_datetime(["2024-01-05", "2024-11-30"], utc=True))
    >>> w = Window(span="6M").resolve(t)
    >>> str(w.since.date()), str(w.until.date())
    ('2024-05-30', '2024-11-30')
    >>> Window(since="2024-02-01").resolve(t).mask(t).tolist()
    [False, True]
    """

    since: object = None
    until: object = None
    span: str | None = None

    def __post_init__(self) -> None:
        if self.span is not None and self.since is not None:
            raise ConfigError("use either --window or --since, not both")
        if self.span is not None:
            parse_span(self.span)
        since = _timestamp(self.since, "since")
        until = _timestamp(self.until, "until", end_of_day=True)
        if since is not None and until is not None and since > until:
            raise ConfigError(f"--since {self.since} is after --until {self.until}")

    @property
    def spec(self) -> str:
        """Human-readable description, e.g. ``"12M to last call"`` or ``"all data"``."""
        if self.span is not None:
            return f"{self.span} ending {self.until or 'at the last call'}"
        if self.since is None and self.until is None:
            return "all data"
        return f"{self.since or 'start'} to {self.until or 'end'}"

    def resolve(self, call_times: pd.Series) -> ResolvedWindow:
        """Return inclusive bounds; open ends take the first/last call in ``call_times``."""
        times = call_times.dropna()
        first = times.min() if len(times) else None
        last = times.max() if len(times) else None
        until = _timestamp(self.until, "until", end_of_day=True)
        since = _timestamp(self.since, "since")
        if self.span is not None:
            until = until if until is not None else last
            since = None if until is None else until - parse_span(self.span)
        else:
            since = since if since is not None else first
            until = until if until is not None else last
        return ResolvedWindow(since=since, until=until, spec=self.spec)
