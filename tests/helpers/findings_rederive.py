"""Re-derive a targets.csv row from the hop frame and the ids the row lists, independently of
graphengine.findings (plain loops over the listed tracebacks only)."""

from __future__ import annotations

import pandas as pd

from graphengine.schema import NONCOOPERATIVE_RESPONSES

COUNTS = (
    "gateway",
    "originating",
    "nonresponse",
    "stopped",
    "rmd_violation",
    "unlisted",
    "accepts_flagged",
    "attestation",
)


def _ids(cell: object) -> list[str]:
    if cell is None or (isinstance(cell, float) and pd.isna(cell)) or cell == "":
        return []
    return str(cell).split(";")


def _listed(providers: pd.DataFrame, key: str, when: pd.Timestamp) -> bool:
    rows = providers[providers["provider_key"] == key]
    if rows.empty or pd.isna(rows.iloc[0]["in_rmd"]) or not bool(rows.iloc[0]["in_rmd"]):
        return False
    removed = rows.iloc[0]["rmd_removed_on"]
    return bool(pd.isna(removed) or removed > when)


def _foreign(hop: pd.Series) -> bool:
    country = hop["provider_country"]
    return hop["role"] == "foreign" or (not pd.isna(country) and str(country).upper() != "US")


def check_row(row: pd.Series, hops: pd.DataFrame, providers: pd.DataFrame, flagged: set[str]):
    """Assert that each count of ``row`` equals its ids and that each id proves the signal."""
    key = row["provider_key"]
    by_tb = {tb: frame.sort_values("hop") for tb, frame in hops.groupby("traceback_id")}
    for signal in COUNTS:
        ids = _ids(row[f"{signal}_ids"])
        assert row[signal] == len(ids) == len(set(ids)), (key, signal)
        for tb in ids:
            path = by_tb[tb]
            mine = path[path["provider_key"] == key]
            assert len(mine), (key, signal, tb)
            hop = mine.iloc[0]
            if signal in ("gateway", "originating"):
                assert (mine["role"] == signal).any(), (key, signal, tb)
            elif signal == "nonresponse":
                assert mine["response_category"].isin(NONCOOPERATIVE_RESPONSES).any()
            elif signal == "stopped":
                top = path.iloc[-1]
                assert top["provider_key"] == key and pd.isna(top["upstream_key"])
                assert (
                    pd.isna(top["customer"]) and top["response_category"] != "customer_identified"
                )
            elif signal == "unlisted":
                assert not _listed(providers, key, hop["call_time"]), (key, tb)
            elif signal in ("rmd_violation", "accepts_flagged"):
                ups = [
                    path[path["hop"] == h + 1].iloc[0]
                    for h in mine["hop"]
                    if (path["hop"] == h + 1).any()
                ]
                if signal == "accepts_flagged":
                    assert any(u["provider_key"] in flagged for u in ups), (key, tb)
                else:
                    assert not _foreign(hop), (key, tb)
                    assert any(
                        not _listed(providers, u["provider_key"], hop["call_time"]) for u in ups
                    ), (key, tb)
            elif signal == "attestation":
                a_signed = path[path["attestation"] == "A"]
                c_orig = (mine["attestation"] == "C") & (mine["role"] == "originating")
                assert c_orig.any() or (
                    len(a_signed) and a_signed.iloc[-1]["provider_key"] == key
                ), (key, tb)
    union = sorted({i for s in COUNTS for i in _ids(row[f"{s}_ids"])})
    assert _ids(row["traceback_ids"]) == union


def recompute_score(row: pd.Series, weights: dict[str, float]) -> float:
    """The documented score formula applied to the row's counts."""
    half = weights["half_at"]
    score = sum(weights[s] * row[s] / (row[s] + half) for s in COUNTS)
    return score + weights["chokepoint"] * row["chokepoint"]
