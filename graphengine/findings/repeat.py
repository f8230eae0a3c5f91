"""Repeat gateways and repeat originators: providers seen in a role again and again.

Rule (default from public comments: "a third traceback within 12 months")
    A provider is a repeat ``role`` provider when at least ``threshold`` **distinct tracebacks**
    place it in that role **within any rolling span** of ``span`` (default ``"12M"``) that lies
    inside the analysis window. With ``span=None`` the span is the analysis window itself, so the
    rule becomes "at least ``threshold`` tracebacks in the window".

    We chose "any rolling 12-month span" as the default because it is what the public proposal
    says and it does not depend on where a user happens to put the window edges; the window still
    bounds which calls count.

Each flagged provider lists **all** of its tracebacks in that role inside the window
(``traceback_ids``; ``tracebacks`` is their number) and the densest span that satisfied the rule
(``span_start``, ``span_end``, ``max_in_span``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from graphengine.errors import ConfigError
from graphengine.findings._common import add_window_columns, join_ids, windowed
from graphengine.findings.window import ResolvedWindow, Window, parse_span
from graphengine.schema import ROLES

__all__ = ["REPEAT_COLUMNS", "repeat_offenders"]

REPEAT_COLUMNS: tuple[str, ...] = (
    "provider_key",
    "role",
    "tracebacks",
    "max_in_span",
    "span_start",
    "span_end",
    "first_seen",
    "last_seen",
    "threshold",
    "span",
    "traceback_ids",
    "window_since",
    "window_until",
)

_SPAN_SECONDS = 10**10  # > 300 years in seconds: room to pack (group, seconds) into one int64


def _max_in_span(times: pd.DataFrame, span: str | None) -> pd.DataFrame:
    """Per provider, the largest number of events inside one span, and that span's first and
    last event.

    ``times`` has one row per (provider_key, traceback_id) with its ``call_time``. Vectorised:
    rows are sorted by (provider, time) and packed into one int64 key, so a single
    ``searchsorted`` finds, for every event, how many events of the same provider fall within
    ``span`` of it (itself included). ``span=None`` means one span covering everything.
    """
    times = times.sort_values(["provider_key", "call_time"], kind="stable").reset_index(drop=True)
    group = times.groupby("provider_key", sort=False).ngroup().to_numpy(dtype=np.int64)
    if span is None:
        size = times.groupby("provider_key", sort=False)["call_time"].transform("size")
        in_span = (
            size.to_numpy(dtype=np.int64) - times.groupby("provider_key").cumcount().to_numpy()
        )
    else:
        origin = times["call_time"].min()
        seconds = pd.Timedelta(seconds=1)
        start = ((times["call_time"] - origin) / seconds).to_numpy(dtype=np.int64)
        end = ((times["call_time"] + parse_span(span) - origin) / seconds).to_numpy(dtype=np.int64)
        key = group * _SPAN_SECONDS + start
        in_span = np.searchsorted(key, group * _SPAN_SECONDS + end, side="right")
        in_span = in_span - np.arange(len(key))
    times["max_in_span"] = in_span
    times["row"] = np.arange(len(times))
    # The densest span per provider; the earliest one on ties, for a stable answer.
    best = times.sort_values(
        ["provider_key", "max_in_span", "row"], ascending=[True, False, True], kind="stable"
    ).drop_duplicates("provider_key")
    last_row = best["row"].to_numpy() + best["max_in_span"].to_numpy() - 1
    best = best.assign(
        span_start=best["call_time"], span_end=times["call_time"].to_numpy()[last_row]
    )
    return best.set_index("provider_key")[["span_start", "span_end", "max_in_span"]]


def repeat_offenders(
    hops: pd.DataFrame,
    role: str,
    threshold: int = 3,
    span: str | None = "12M",
    window: Window | ResolvedWindow | None = None,
) -> pd.DataFrame:
    """Return providers with at least ``threshold`` tracebacks in ``role`` within ``span``.

    Parameters
    ----------
    hops
        Canonical hop frame.
    role
        One of :data:`graphengine.schema.ROLES`; ``"gateway"`` and ``"originating"`` are the
        repeat findings enforcers use.
    threshold
        Minimum number of distinct tracebacks (default 3).
    span
        Rolling span the tracebacks must fit in (``"12M"``, ``"90D"`` ...), or ``None`` to use the
        whole analysis window.
    window
        Analysis window; ``None`` means all data.

    Returns
    -------
    pandas.DataFrame
        One row per flagged provider, columns :data:`REPEAT_COLUMNS`, sorted by ``tracebacks``
        (descending) then ``provider_key``.

    Raises
    ------
    ConfigError
        If ``role`` is unknown, ``threshold`` < 1 or ``span`` is malformed.
    """
    if role not in ROLES:
        raise ConfigError(f"role {role!r} is not one of {', '.join(ROLES)}")
    if threshold < 1:
        raise ConfigError(f"--threshold must be at least 1, got {threshold}")
    if span is not None:
        parse_span(span, "--repeat-span")
    hops, resolved = windowed(hops, window)
    role_hops = hops.loc[hops["role"] == role, ["provider_key", "traceback_id", "call_time"]]
    # One row per (provider, traceback): the earliest call time it was seen in the role.
    in_role = role_hops.groupby(["provider_key", "traceback_id"])["call_time"].min().reset_index()
    if in_role.empty:
        return add_window_columns(pd.DataFrame(columns=list(REPEAT_COLUMNS[:-2])), resolved)[
            list(REPEAT_COLUMNS)
        ]
    dense = _max_in_span(in_role, span)
    dense.index = pd.Index(dense.index.astype(str), name="provider_key", dtype="string")
    flagged = dense.index[dense["max_in_span"] >= threshold]
    sub = in_role[in_role["provider_key"].isin(list(flagged))]
    grouped = sub.groupby("provider_key", sort=True)
    out = pd.DataFrame(
        {
            "tracebacks": grouped["traceback_id"].nunique(),
            "first_seen": grouped["call_time"].min(),
            "last_seen": grouped["call_time"].max(),
        }
    )
    out.index = pd.Index(out.index.astype(str), name="provider_key", dtype="string")
    out["traceback_ids"] = join_ids(sub, "provider_key")
    out = out.join(dense[["max_in_span", "span_start", "span_end"]])
    out["role"] = role
    out["threshold"] = threshold
    out["span"] = span if span is not None else "window"
    out = out.reset_index().sort_values(
        ["tracebacks", "provider_key"], ascending=[False, True], kind="stable"
    )
    out = add_window_columns(out.reset_index(drop=True), resolved)
    return out[list(REPEAT_COLUMNS)]
