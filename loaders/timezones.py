"""Time zones of call times: cells, column headers and settings, never a silent assumption.

A call time is read in the first zone that applies:

1. a zone written in the cell: an offset (``+02:00``, ``-0500``, ``Z``, also after ``AM``/``PM``
   as in ``10:22 AM -04:00``), ``UTC``/``GMT``, or a U.S. abbreviation (:data:`US_ABBREVIATIONS`);
2. the zone given by the user: ``--timezone`` on the command line, else ``timezone:`` in the
   mapping file (an IANA name such as ``America/New_York``, or ``UTC``);
3. a zone named in the column header (``Date/Time of Call (ET)``, ``Call Time Eastern``,
   ``Call Date (UTC)``): used, and :func:`loaders.load_inputs` says so in its notes.

A time with none of these is an error for the whole file (:func:`zoneless_error`): reading local
times as UTC moves every call by hours without a trace.

Abbreviations: ``ET``/``CT``/``MT``/``PT`` (and ``Eastern`` ...) name the zone and follow its
daylight-saving rule; ``EST``/``EDT`` and the like are fixed offsets (``EST`` = UTC-5 all year).
A wall time that falls twice (the hour after a DST end) is read as the first, daylight time, and
flagged ``ambiguous_local_time``; one that never happens (the skipped hour of a DST start) is
rejected.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Iterable

import numpy as np
import pandas as pd

from graphengine.errors import ConfigError

__all__ = [
    "US_ABBREVIATIONS",
    "HEADER_ZONES",
    "check_zone",
    "header_zone",
    "split_zone",
    "localise",
    "zoneless_error",
]

#: Zone abbreviations read in cells and headers -> IANA zone or fixed offset.
US_ABBREVIATIONS: dict[str, str] = {
    "ET": "America/New_York",
    "EST": "-05:00",
    "EDT": "-04:00",
    "CT": "America/Chicago",
    "CST": "-06:00",
    "CDT": "-05:00",
    "MT": "America/Denver",
    "MST": "-07:00",
    "MDT": "-06:00",
    "PT": "America/Los_Angeles",
    "PST": "-08:00",
    "PDT": "-07:00",
    "UTC": "UTC",
    "GMT": "UTC",
    "Z": "UTC",
}
#: Words in a column header that name a zone (whole words, any case).
HEADER_ZONES: dict[str, str] = {
    "eastern": "America/New_York",
    "central": "America/Chicago",
    "mountain": "America/Denver",
    "pacific": "America/Los_Angeles",
    "et": "America/New_York",
    "ct": "America/Chicago",
    "mt": "America/Denver",
    "pt": "America/Los_Angeles",
    **{k.lower(): v for k, v in US_ABBREVIATIONS.items() if len(k) == 3},
}
# a trailing abbreviation after a clock time: "10:22 AM ET", "2024-03-01 10:22 EDT"
_CELL_ABBR = re.compile(
    r"^(?P<time>.*\d(?:\s*[AaPp]\.?[Mm]\.?)?)\s*\(?\b(?P<abbr>"
    + "|".join(k for k in US_ABBREVIATIONS if k != "Z")
    + r")\)?\s*$"
)
# an offset or Z after a clock time, possibly after AM/PM: 10:00Z, 10:22 AM -04:00
_OFFSET = re.compile(
    r"\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:\s*[AaPp]\.?[Mm]\.?)?\s*(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$"
)


def check_zone(name: str, *, where: str) -> str:
    """Return ``name`` as an IANA zone name (``UTC`` accepted in any case).

    Raises
    ------
    ConfigError
        When ``name`` is not a known zone; ``where`` says which setting gave it.

    Examples
    --------
    >>> check_zone("America/New_York", where="--timezone")
    'America/New_York'
    """
    text = str(name).strip()
    if text.upper() in US_ABBREVIATIONS:
        return US_ABBREVIATIONS[text.upper()]
    if re.fullmatch(r"[+-]\d{2}:\d{2}", text):
        return text
    try:
        zoneinfo.ZoneInfo(text)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"{where}: unknown time zone {text!r}; use an IANA name such as America/New_York, "
            "America/Chicago or UTC"
        ) from None
    return text


def header_zone(headers: Iterable[str]) -> str | None:
    """Return the zone named in any of ``headers`` (``"Date/Time of Call (ET)"``), or None.

    Examples
    --------
    >>> header_zone(["Date/Time of Call (ET)"])
    'America/New_York'
    >>> header_zone(["Call Date (UTC)"])
    'UTC'
    >>> header_zone(["call_time"]) is None
    True
    """
    for header in headers:
        for word in re.findall(r"[A-Za-z]+", str(header)):
            zone = HEADER_ZONES.get(word.lower())
            if zone is not None:
                return zone
    return None


def split_zone(value: str) -> tuple[str, str | None, bool]:
    """Return ``(text_to_parse, zone, has_offset)`` for one cell.

    ``zone`` is the IANA name or fixed offset of a trailing abbreviation (removed from the
    text); ``has_offset`` is True when the text itself carries an offset or ``Z``.

    Examples
    --------
    >>> split_zone("03/10/2024 10:22 AM ET")
    ('03/10/2024 10:22 AM', 'America/New_York', False)
    >>> split_zone("03/10/2024 10:22 AM -04:00")
    ('03/10/2024 10:22 AM -04:00', None, True)
    """
    text = value.strip()
    match = _CELL_ABBR.match(text)
    if match:
        return match.group("time").strip(), US_ABBREVIATIONS[match.group("abbr")], False
    return text, None, bool(_OFFSET.search(text))


_TWELVE_HOUR = re.compile(r"\d\s*[AaPp]\.?[Mm]\.?(?![A-Za-z])")


def us_zone_mask(values: np.ndarray, zones: np.ndarray) -> np.ndarray:
    """Return a bool mask: the row's time is written the U.S. way, with a U.S. abbreviation in
    the cell (ET, EST, CDT ...), a 12-hour clock (AM/PM), or a row zone that is an ``America/``
    or ``US/`` IANA name.

    Such rows read slash dates month-first (the U.S. convention of the traceback exports this
    tool is for); elsewhere a slash date whose day and month could be swapped is refused.
    """
    cells = np.asarray(values, dtype=object)
    in_cell = np.array(
        [
            bool(_CELL_ABBR.match(str(v).strip()) or _TWELVE_HOUR.search(str(v))) if v else False
            for v in cells
        ],
        dtype=bool,
    )
    in_row = np.array(
        [isinstance(z, str) and z.startswith(("America/", "US/")) for z in zones], dtype=bool
    )
    return in_cell | in_row


def localise(wall: pd.Series, zone: str) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """Read naive wall times in ``zone``; return ``(utc, ambiguous, nonexistent)``.

    ``zone`` is an IANA name or a fixed offset (``-05:00``). An ambiguous wall time (the repeated
    hour at the end of daylight time) is read as daylight time and marked; a non-existent one
    (the skipped hour) is NaT and marked.
    """
    values = pd.DatetimeIndex(wall)
    n = len(values)
    if re.fullmatch(r"[+-]\d{2}:\d{2}", zone):
        sign = -1 if zone[0] == "-" else 1
        delta = pd.Timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6])) * sign
        utc = (values - delta).tz_localize("UTC")
        return pd.Series(utc, index=wall.index), np.zeros(n, bool), np.zeros(n, bool)
    nat = values.tz_localize(zone, ambiguous="NaT", nonexistent="NaT")
    missing = np.asarray(nat.isna() & ~values.isna(), dtype=bool)
    dst = values.tz_localize(zone, ambiguous=np.ones(n, dtype=bool), nonexistent="NaT")
    nonexistent = np.asarray(dst.isna() & ~values.isna(), dtype=bool)
    ambiguous = missing & ~nonexistent
    return pd.Series(dst.tz_convert("UTC"), index=wall.index), ambiguous, nonexistent


def zoneless_error(file: str, line: int, value: str) -> str:
    """The one-line message for a file whose call times carry no zone and none was given."""
    return (
        f"{file}: call_time {value!r} (line {line}) has no time zone and none was given; "
        "pass --timezone ZONE (an IANA name such as America/New_York, or UTC if the times "
        "really are UTC) or set 'timezone:' in the mapping file"
    )
