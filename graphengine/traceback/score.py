"""Score a stitched hop table against the generator's records truth (``records_truth.csv``)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from graphengine.traceback.records import carrier_key
from graphengine.traceback.stitch import RESPONSES

__all__ = ["OUTCOME_RESPONSE", "score_stitch"]

#: records_truth outcome -> the response the stitcher must write at that hop.
OUTCOME_RESPONSE: dict[str, str] = {
    "matched": RESPONSES["upstream"],
    "customer": RESPONSES["customer"],
    "foreign": RESPONSES["foreign"],
    "no_records": RESPONSES["no_records"],
    "not_found": RESPONSES["not_found"],
    "ambiguous": RESPONSES["ambiguous"],
}


def _keyed(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame[["traceback_id", "hop"]].copy()
    out["hop"] = out["hop"].astype(int)
    out["pk"] = frame["provider"].fillna("").map(carrier_key)
    out["uk"] = frame["upstream_provider"].fillna("").map(carrier_key)
    return out


def score_stitch(
    hops: pd.DataFrame, truth: pd.DataFrame, ambiguous: pd.DataFrame
) -> dict[str, Any]:
    """Return path recovery, wrong hops and ambiguous reporting of a stitched table.

    A path is **recovered** when every truth row has a stitched row at the same hop with the same
    provider and upstream (provider keys) and the response of its outcome, and the stitched path
    has no extra hop. A **wrong hop** is a stitched row naming an upstream that the truth does not
    name at that hop. An ambiguous truth hop is **reported** when the ambiguous file lists at
    least ``candidates`` rows for it.

    Returns
    -------
    dict
        ``paths``, ``recovered``, ``recovered_share``, ``wrong_hops``, ``ambiguous_planted``,
        ``ambiguous_reported``, ``no_records_ends`` (truth) and ``no_records_ends_written``.
    """
    t = _keyed(truth).assign(outcome=truth["outcome"].to_numpy())
    s = _keyed(hops).assign(response=hops["response"].fillna("").to_numpy())
    m = t.merge(s, on=["traceback_id", "hop"], how="outer", suffixes=("_t", "_s"), indicator=True)
    expected = m["outcome"].map(OUTCOME_RESPONSE)
    ok_row = (
        (m["_merge"] == "both")
        & (m["pk_t"] == m["pk_s"])
        & (m["uk_t"] == m["uk_s"])
        & (m["response"] == expected)
    )
    # Rows past a foreign gateway: the truth ends at the foreign provider's own row.
    bad = m[~ok_row]
    paths = truth["traceback_id"].nunique()
    failed = set(bad["traceback_id"])
    wrong = m[(m["uk_s"].fillna("") != "") & (m["uk_s"] != m["uk_t"])]
    planted = truth[truth["outcome"] == "ambiguous"]
    counts = (
        ambiguous.assign(hop=ambiguous["hop"].astype(int)).groupby(["traceback_id", "hop"]).size()
        if len(ambiguous)
        else pd.Series(dtype="int64")
    )
    reported = sum(
        int(counts.get((tb, int(h)), 0)) >= int(c or 2)
        for tb, h, c in zip(
            planted["traceback_id"], planted["hop"], planted["candidates"].fillna(2), strict=True
        )
    )
    no_rec = t[t["outcome"] == "no_records"]
    written = s.merge(no_rec[["traceback_id", "hop"]], on=["traceback_id", "hop"])
    return {
        "paths": int(paths),
        "recovered": int(paths - len(failed)),
        "recovered_share": round((paths - len(failed)) / max(paths, 1), 6),
        "wrong_hops": len(wrong),
        "ambiguous_planted": len(planted),
        "ambiguous_reported": int(reported),
        "no_records_ends": len(no_rec),
        "no_records_ends_written": int((written["response"] == RESPONSES["no_records"]).sum()),
        "failed_examples": sorted(failed)[:5],
    }
