"""Ranked investigation targets: one transparent score per provider.

Score
    ``score = sum(weight[s] * signal[s])`` over the signals below, rounded to 6 decimals.
    Each count signal ``c`` (distinct tracebacks, listed in the row's ``<signal>_ids`` column) is
    normalised as ``c / (c + half_at)``: 0 for no evidence, 0.5 at ``half_at`` tracebacks
    (default 3, the repeat threshold), approaching 1 for many. This depends on the row alone, so
    an investigator can recompute it from the ids in the row with a pocket calculator.
    The one graph-wide signal, ``chokepoint``, is the provider's weighted betweenness divided by
    the largest betweenness in the same run (``betweenness_max`` in findings.json).

Signals and default weights (:class:`TargetWeights`)
    ============== ====== ==========================================================
    signal         weight what is counted (distinct tracebacks in the window)
    ============== ====== ==========================================================
    gateway        2.0    tracebacks where it was the gateway (U.S. point of entry)
    originating    2.0    tracebacks where it was the originating provider
    nonresponse    2.0    tracebacks where it did not respond / had no or poor records
    stopped        1.0    tracebacks that stopped at it
    rmd_violation  1.5    tracebacks where it accepted a call from a non-RMD upstream
    unlisted       1.0    tracebacks it carried while not in the RMD
    accepts_flagged 1.0   tracebacks where it accepted traffic from a non-cooperative provider
    attestation    1.5    A-attested spoofed calls it signed / C attestation while originating
    chokepoint     0.5    betweenness / max betweenness (not a count)
    ============== ====== ==========================================================

Ranks are ordinal: highest score first, ties broken by ``provider_key``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from graphengine.errors import ConfigError
from graphengine.findings._common import (
    ID_SEP,
    add_window_columns,
    compact_ids,
    join_ids,
    restore,
)
from graphengine.findings.noncooperation import NONRESPONSE_EVENTS, UNLISTED_EVENTS
from graphengine.findings.window import ResolvedWindow

__all__ = ["TargetWeights", "COUNT_SIGNALS", "TARGET_COLUMNS", "rank_targets", "signal_value"]

#: count signals, in column order.
COUNT_SIGNALS: tuple[str, ...] = (
    "gateway",
    "originating",
    "nonresponse",
    "stopped",
    "rmd_violation",
    "unlisted",
    "accepts_flagged",
    "attestation",
)

TARGET_COLUMNS: tuple[str, ...] = (
    "rank",
    "provider_key",
    "name",
    "ecosystem",
    "score",
    "reasons",
    "repeat_gateway",
    "repeat_originator",
    "noncooperative",
    "tracebacks",
    *COUNT_SIGNALS,
    "betweenness",
    "chokepoint",
    "traceback_ids",
    *(f"{s}_ids" for s in COUNT_SIGNALS),
    "window_since",
    "window_until",
)


@dataclass(frozen=True)
class TargetWeights:
    """Weights of the target score and the count at which a signal reaches 0.5.

    Examples
    --------
    >>> TargetWeights(gateway=3.0).gateway
    3.0
    """

    gateway: float = 2.0
    originating: float = 2.0
    nonresponse: float = 2.0
    stopped: float = 1.0
    rmd_violation: float = 1.5
    unlisted: float = 1.0
    accepts_flagged: float = 1.0
    attestation: float = 1.5
    chokepoint: float = 0.5
    half_at: float = 3.0

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if not np.isfinite(value) or value < 0:
                raise ConfigError(f"target weight {name} must be a non-negative number")
        if self.half_at <= 0:
            raise ConfigError("target weight half_at must be greater than 0")


def signal_value(count: pd.Series | float, half_at: float) -> pd.Series | float:
    """Normalise a count into [0, 1): ``count / (count + half_at)``.

    Examples
    --------
    >>> signal_value(3, 3.0)
    0.5
    """
    return count / (count + half_at)


def _pairs(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """The (provider_key, traceback_id) evidence pairs of one signal, keys as strings."""
    pairs = frame[[key, "traceback_id"]].rename(columns={key: "provider_key"})
    return restore(pairs.dropna().drop_duplicates())


def _ids_by_provider(pairs: pd.DataFrame, index: pd.Index) -> pd.Series:
    if pairs.empty:
        return pd.Series("", index=index, dtype="string")
    return join_ids(pairs, "provider_key").reindex(index, fill_value="").astype("string")


def _count(ids: pd.Series) -> pd.Series:
    return ids.map(lambda cell: len(cell.split(ID_SEP)) if cell else 0).astype("int64")


def rank_targets(
    hops: pd.DataFrame,
    *,
    window: ResolvedWindow,
    profiles: pd.DataFrame,
    repeat: pd.DataFrame,
    noncooperation: pd.DataFrame,
    events: pd.DataFrame,
    rmd_violations: pd.DataFrame,
    accepts_from_flagged: pd.DataFrame,
    anomalies: pd.DataFrame,
    chokepoints: pd.DataFrame,
    providers: pd.DataFrame | None = None,
    weights: TargetWeights | None = None,
) -> pd.DataFrame:
    """Combine the findings into one ranked row per provider (see the module docstring).

    ``hops`` must already be restricted to ``window``; the other frames are the outputs of the
    findings functions for the same window.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`TARGET_COLUMNS`, sorted by ``rank``.
    """
    w = weights or TargetWeights()
    index = pd.Index(profiles["provider_key"], name="provider_key", dtype="string")
    ids: dict[str, pd.Series] = {}
    pairs: dict[str, pd.DataFrame] = {}
    for role in ("gateway", "originating"):
        pairs[role] = _pairs(hops[hops["role"] == role], "provider_key")
    events = compact_ids(events, ("provider_key", "traceback_id", "event"))
    for signal, kinds in (
        ("nonresponse", NONRESPONSE_EVENTS),
        ("stopped", ("stopped_here",)),
        ("unlisted", UNLISTED_EVENTS),
    ):
        pairs[signal] = _pairs(events[events["event"].isin(kinds)], "provider_key")
    pairs["rmd_violation"] = _pairs(rmd_violations, "downstream_key")
    flagged = set(noncooperation.loc[noncooperation["noncooperative"], "provider_key"])
    accepted = accepts_from_flagged[["downstream_key", "traceback_ids"]].astype("string")
    accepted = accepted.assign(traceback_id=accepted["traceback_ids"].str.split(ID_SEP))
    pairs["accepts_flagged"] = _pairs(accepted.explode("traceback_id"), "downstream_key")
    pairs["attestation"] = _pairs(anomalies, "provider_key")
    for signal, frame in pairs.items():
        ids[signal] = _ids_by_provider(frame, index)

    out = pd.DataFrame(index=index)
    prof = profiles.set_index("provider_key")
    out["tracebacks"] = prof["tracebacks"].reindex(index).astype("int64")
    score = pd.Series(0.0, index=index)
    for signal in COUNT_SIGNALS:
        out[signal] = _count(ids[signal])
        score += getattr(w, signal) * signal_value(out[signal].astype(float), w.half_at)
    choke = chokepoints.set_index("provider_key")
    out["betweenness"] = choke["betweenness"].reindex(index).fillna(0.0).astype(float)
    top = float(out["betweenness"].max()) if len(out) else 0.0
    out["chokepoint"] = out["betweenness"] / top if top > 0 else 0.0
    score += w.chokepoint * out["chokepoint"]
    out["score"] = score.round(6)
    out["ecosystem"] = choke["ecosystem"].reindex(index).astype("string")
    names = (
        providers.drop_duplicates("provider_key").set_index("provider_key")["name"]
        if providers is not None and len(providers)
        else pd.Series(dtype="string")
    )
    first = hops.dropna(subset=["provider"]).drop_duplicates("provider_key")
    printed = restore(first[["provider_key", "provider"]]).set_index("provider_key")["provider"]
    out["name"] = names.reindex(index).fillna(printed.reindex(index)).astype("string")
    rep_gw = set(repeat.loc[repeat["role"] == "gateway", "provider_key"])
    rep_or = set(repeat.loc[repeat["role"] == "originating", "provider_key"])
    out["repeat_gateway"] = index.isin(list(rep_gw))
    out["repeat_originator"] = index.isin(list(rep_or))
    out["noncooperative"] = index.isin(list(flagged))
    out["reasons"] = _reasons(out, noncooperation, w)
    for signal in COUNT_SIGNALS:
        out[f"{signal}_ids"] = ids[signal]
    every = pd.concat([pairs[s] for s in COUNT_SIGNALS], ignore_index=True)
    out["traceback_ids"] = _ids_by_provider(every, index)
    out = out.reset_index().sort_values(
        ["score", "provider_key"], ascending=[False, True], kind="stable"
    )
    out["rank"] = np.arange(1, len(out) + 1)
    out = add_window_columns(out.reset_index(drop=True), window)
    return out[list(TARGET_COLUMNS)]


def _plural(n: int, word: str = "traceback") -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _reasons(out: pd.DataFrame, noncooperation: pd.DataFrame, w: TargetWeights) -> pd.Series:
    noncoop_reasons = noncooperation.set_index("provider_key")["reasons"]
    phrases = []
    for key, row in out.iterrows():
        parts = []
        if row["noncooperative"]:
            parts.append(f"non-cooperative ({noncoop_reasons.get(key, '')})")
        if row["gateway"]:
            prefix = "repeat gateway" if row["repeat_gateway"] else "gateway"
            parts.append(f"{prefix} on {_plural(row['gateway'])}")
        if row["originating"]:
            prefix = "repeat originator" if row["repeat_originator"] else "originating"
            parts.append(f"{prefix} on {_plural(row['originating'])}")
        if row["nonresponse"] and not row["noncooperative"]:
            parts.append(f"no or poor response on {_plural(row['nonresponse'])}")
        if row["stopped"] and not row["noncooperative"]:
            parts.append(f"traceback stopped here on {_plural(row['stopped'])}")
        if row["rmd_violation"]:
            parts.append(
                f"accepted calls from non-RMD upstreams on {_plural(row['rmd_violation'])}"
            )
        if row["unlisted"]:
            parts.append(f"carried calls while not in the RMD on {_plural(row['unlisted'])}")
        if row["accepts_flagged"]:
            parts.append(
                f"accepted traffic from non-cooperative providers on "
                f"{_plural(row['accepts_flagged'])}"
            )
        if row["attestation"]:
            parts.append(f"attestation anomalies on {_plural(row['attestation'])}")
        if row["chokepoint"] >= 0.25 and w.chokepoint > 0:
            parts.append(f"chokepoint (betweenness {row['betweenness']:.4f})")
        phrases.append("; ".join(parts))
    return pd.Series(phrases, index=out.index, dtype="string")
