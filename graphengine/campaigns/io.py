"""Reading report files in graphengine's own Report columns (design.md) for the campaign code.

The platform's intake loader (``loaders.reports``, issue 17) reads reporters' own formats; until it
is on main, this reads our CSV columns: ``report_id`` and ``call_time`` are required, the other
Report columns (and ``reporter``, ``reporter_kind``) are used when present. A row without a report
id or with a call time that does not parse is skipped and listed in the returned problems, with
file and line; a missing file or column is a one-line :class:`~graphengine.errors.InputFileError`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from graphengine.errors import InputFileError

__all__ = ["read_reports"]

_REQUIRED = ("report_id", "call_time")


def read_reports(paths: Sequence[str | Path]) -> tuple[pd.DataFrame, list[str]]:
    """Return the reports of every CSV in ``paths`` (one frame) and the skipped rows' reasons.

    Raises
    ------
    InputFileError
        When a file is missing, unreadable, or lacks ``report_id`` or ``call_time``.
    """
    frames = []
    problems: list[str] = []
    for raw in paths:
        path = Path(raw)
        if not path.is_file():
            raise InputFileError(f"{path}: no such report file")
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
        except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise InputFileError(
                f"{path}: not a readable CSV file ({exc.__class__.__name__})"
            ) from exc
        missing = [c for c in _REQUIRED if c not in frame.columns]
        if missing:
            raise InputFileError(
                f"{path}: missing column(s) {', '.join(missing)} (a Report file needs report_id and call_time)"
            )
        times = pd.to_datetime(frame["call_time"], utc=True, errors="coerce", format="mixed")
        bad = times.isna() | (frame["report_id"].str.strip() == "")
        for pos, rid, when in zip(
            frame.index[bad].tolist(),
            frame.loc[bad, "report_id"].tolist(),
            frame.loc[bad, "call_time"].tolist(),
            strict=True,
        ):
            reason = (
                "empty report_id"
                if not str(rid).strip()
                else f"call_time {when!r} is not a date-time"
            )
            problems.append(f"{path}:{int(pos) + 2}: {reason}")
        frame = frame[~bad].copy()
        frame["call_time"] = times[~bad]
        frames.append(frame)
    if not frames:
        return pd.DataFrame({"report_id": [], "call_time": []}), problems
    out = pd.concat(frames, ignore_index=True)
    return out.drop_duplicates("report_id", keep="first").reset_index(drop=True), problems
