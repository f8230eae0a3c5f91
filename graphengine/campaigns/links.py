"""Which tracebacks started from which reports, and through which gateway they entered.

A traceback starts from one suspect call: a report's caller ID, called number and call time. A
traceback and a report are linked when both numbers agree (compared as their last 10 digits) and
the call times are at most ``max_hours`` apart. The gateway of a traceback is the provider of its
first hop whose role is ``gateway`` (the U.S. point of entry; its provider key when the hops were
loaded by :func:`loaders.load_inputs`, else the printed name); a traceback with no gateway hop still
links, with an empty gateway.

Examples
--------
>>> import pandas as pd
>>> reports = pd.DataFrame({"report_id": ["R1"], "calling_number": ["(202) 555-0101"],
...     "called_number": ["+1 301 555 0199"], "call_time": ["2026-01-05T10:00:00Z"]})
>>> hops = pd.DataFrame({"traceback_id": ["T1", "T1"], "hop": [0, 1],
...     "provider": ["Term Co", "Gate Co"], "role": ["terminating", "gateway"],
...     "calling_number": ["+12025550101"] * 2, "called_number": ["3015550199"] * 2,
...     "call_time": ["2026-01-05T10:00:00Z"] * 2})
>>> link_tracebacks(reports, hops)[["report_id", "traceback_id", "gateway"]].values.tolist()
[['R1', 'T1', 'Gate Co']]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from graphengine.campaigns.state import CampaignState

__all__ = ["LINK_COLUMNS", "attach_campaigns", "link_tracebacks", "traceback_gateways"]

LINK_COLUMNS = ("report_id", "traceback_id", "call_time", "gateway")


def _digits10(values: pd.Series) -> pd.Series:
    d = values.fillna("").astype(str).str.replace(r"\D", "", regex=True)
    return d.where(d.str.len() != 11, d.str[1:]).where(lambda s: s.str.len() == 10, "")


def traceback_gateways(hops: pd.DataFrame, keep: tuple[str, ...] = ()) -> pd.DataFrame:
    """Return one row per traceback of the hop table ``hops``: ``traceback_id``, ``call_time``,
    ``gateway`` and the ``keep`` columns (from its first row).

    The gateway is the provider of the traceback's first ``gateway`` hop (its ``provider_key``
    when the hops have one, else the printed name); empty when it has none or ``hops`` has no
    ``role`` column.
    """
    first = hops.drop_duplicates("traceback_id")[["traceback_id", "call_time", *keep]].copy()
    if "role" in hops.columns:
        # The provider key (name variants folded) when the hops were loaded; else the printed name.
        name = "provider_key" if "provider_key" in hops.columns else "provider"
        gw = hops[hops["role"].astype(str) == "gateway"].drop_duplicates("traceback_id")
        gw = gw[["traceback_id", name]].rename(columns={name: "gateway"})
        first = first.merge(gw, on="traceback_id", how="left")
    else:
        first["gateway"] = ""
    first["gateway"] = first["gateway"].fillna("").astype(str)
    return first.reset_index(drop=True)


def attach_campaigns(tracebacks: pd.DataFrame, state: CampaignState) -> pd.DataFrame:
    """Return ``tracebacks`` (with ``report_id``) restricted to assigned reports, with ``campaign_id``."""
    tb = tracebacks[tracebacks["report_id"].astype(str).isin(state.members)].copy()
    tb["campaign_id"] = [state.resolve(state.members[str(r)]) for r in tb["report_id"]]
    return tb


def link_tracebacks(
    reports: pd.DataFrame, hops: pd.DataFrame, *, max_hours: float = 24.0
) -> pd.DataFrame:
    """Return ``report_id, traceback_id, call_time, gateway`` for every report-traceback link.

    ``hops`` is a canonical hop table (``traceback_id``, ``call_time``, ``calling_number``,
    ``called_number``, and ``role`` / ``provider`` for the gateway).
    """
    need = {"traceback_id", "call_time", "calling_number", "called_number"}
    if not need <= set(hops.columns) or not {"calling_number", "called_number"} <= set(
        reports.columns
    ):
        return pd.DataFrame(columns=list(LINK_COLUMNS))
    first = traceback_gateways(hops, keep=("calling_number", "called_number"))
    first["a"], first["b"] = _digits10(first["calling_number"]), _digits10(first["called_number"])
    first["t_tb"] = pd.to_datetime(first["call_time"], utc=True)
    rep = reports[["report_id", "calling_number", "called_number", "call_time"]].copy()
    rep["a"], rep["b"] = _digits10(rep["calling_number"]), _digits10(rep["called_number"])
    rep["t_rep"] = pd.to_datetime(rep["call_time"], utc=True)
    rep, first = (
        rep[(rep["a"] != "") & (rep["b"] != "")],
        first[(first["a"] != "") & (first["b"] != "")],
    )
    joined = rep[["report_id", "a", "b", "t_rep"]].merge(
        first[["traceback_id", "a", "b", "t_tb", "gateway"]], on=["a", "b"]
    )
    joined = joined[(joined["t_tb"] - joined["t_rep"]).abs() <= pd.Timedelta(hours=max_hours)]
    out = joined.rename(columns={"t_tb": "call_time"})[list(LINK_COLUMNS)]
    out["gateway"] = out["gateway"].fillna("").astype(str)
    return out.sort_values(["traceback_id", "report_id"], kind="mergesort").reset_index(drop=True)
