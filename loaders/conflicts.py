"""Conflicting rows within one traceback are flagged, never silently dropped.

A traceback is one call: every hop row of it must tell the same call time and campaign. Two
rows that disagree (the same traceback, hop and provider with a different call time or
campaign, or two hops of one traceback with different ones) mean at least one row is wrong,
and the loader cannot tell which. Before this check, the second row of a same-hop pair was
dropped as a duplicate and the disagreement between hops was never noticed.

:func:`reject_conflicts` quarantines **every row of such a traceback** with a reason that names
both values and where they were read, e.g.
``traceback TB-7 has conflicting call_time: '2024-03-01T14:05:00Z' (line 4) and
'2024-03-01T15:05:00Z' (line 5)``. A missing value does not conflict with a present one. Call
times are compared after parsing (``10:00Z`` and ``05:00-05:00`` agree); the reason quotes them
as written.

Examples
--------
>>> import pandas as pd
>>> rows = pd.DataFrame({
...     "traceback_id": ["T", "T"], "_time": pd.to_datetime(["2024-01-01", "2024-01-02"]),
...     "call_time": ["2024-01-01", "2024-01-02"], "campaign": ["x", "x"],
...     "_reason": [None, None], "_reason_column": [None, None], "_line": [2, 3], "_file": [0, 0]})
>>> reject_conflicts(rows, ["a.csv"])["_reason"].tolist()[0]
"traceback T has conflicting call_time: '2024-01-01' (line 2) and '2024-01-02' (line 3)"
"""

from __future__ import annotations

import pandas as pd

__all__ = ["CHECKED", "reject_conflicts"]

#: (column compared, column quoted in the reason): the facts every row of a traceback shares.
CHECKED: tuple[tuple[str, str], ...] = (("_time", "call_time"), ("campaign", "campaign"))


def _where(files: list[str], file_ids: list[int], lines: list[int]) -> list[str]:
    if len(set(file_ids)) == 1:
        return [f"line {ln}" for ln in lines]
    return [f"{files[f]} line {ln}" for f, ln in zip(file_ids, lines, strict=True)]


def reject_conflicts(rows: pd.DataFrame, files: list[str]) -> pd.DataFrame:
    """Give every still-good row of a traceback with conflicting facts a ``_reason``.

    ``rows`` needs ``traceback_id``, ``_reason``, ``_reason_column``, ``_line``, ``_file`` and
    the columns of :data:`CHECKED`. Returns a copy with ``_reason`` / ``_reason_column`` filled
    for those tracebacks (rows already rejected keep their own reason).
    """
    reason = rows["_reason"].to_numpy(dtype=object).copy()
    column = rows["_reason_column"].to_numpy(dtype=object).copy()
    good = pd.isna(reason) & rows["traceback_id"].notna().to_numpy()
    if not good.any():
        return rows
    live = rows[good]
    found: dict[str, tuple[str, str]] = {}
    for compared, quoted in CHECKED:
        present = live[live[compared].notna()]
        counts = present.groupby("traceback_id", sort=False)[compared].nunique()
        for tb in counts.index[counts.to_numpy() > 1]:
            if tb in found:
                continue
            mine = present[present["traceback_id"] == tb].drop_duplicates(compared)
            first, second = mine.iloc[0], mine.iloc[1]
            where = _where(
                files,
                [int(first["_file"]), int(second["_file"])],
                [first["_line"], second["_line"]],
            )
            found[str(tb)] = (
                f"traceback {tb} has conflicting {quoted}: '{first[quoted]}' ({where[0]}) and "
                f"'{second[quoted]}' ({where[1]})",
                quoted,
            )
    if not found:
        return rows
    out = rows.copy()
    victims = good & rows["traceback_id"].isin(set(found)).to_numpy()
    tbs = rows.loc[victims, "traceback_id"]
    reason[victims] = [found[str(tb)][0] for tb in tbs]
    column[victims] = [found[str(tb)][1] for tb in tbs]
    out["_reason"] = reason
    out["_reason_column"] = column
    return out
