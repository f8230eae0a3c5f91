"""update_campaigns takes tracebacks as a hop table keyed by report (the platform's shape) or as a
reader called once the reports are assigned, and raises the displacement they show."""

from __future__ import annotations

import pandas as pd

from graphengine.campaigns import CampaignState, update_campaigns
from graphengine.campaigns.links import traceback_gateways
from tests.helpers.campaigns import AGENTS, WARRANTY, rec


def reports(days: range) -> pd.DataFrame:
    rows = [rec(f"w{d}-{k}", d, 7 * k + d, WARRANTY.format(agent=AGENTS[k])) for d in days for k in range(5)]  # fmt: skip
    frame = pd.DataFrame.from_records(rows)
    frame["reporter"], frame["reporter_kind"] = "org:1", "carrier"
    return frame


def hops(frame: pd.DataFrame, traced: dict[str, str]) -> pd.DataFrame:
    """Two hops per traced report (terminating Carrier A, then the gateway), with ``report_id``."""
    rows = []
    for rid, gateway in traced.items():
        r = frame.loc[frame["report_id"] == rid].iloc[0]
        for hop, (provider, role) in enumerate([("Carrier A", "terminating"), (gateway, "gateway")]):  # fmt: skip
            rows.append({"traceback_id": f"T-{rid}", "hop": hop, "provider": provider, "role": role,
                         "call_time": r["call_time"], "report_id": rid})  # fmt: skip
    return pd.DataFrame(rows)


def test_gateways_of_a_hop_table_keep_the_report_and_leave_no_gateway_empty() -> None:
    table = pd.DataFrame({"traceback_id": ["T1", "T1", "T2"], "hop": [0, 1, 0],
                          "provider": ["Term", "Gate", "Term"], "role": ["terminating", "gateway", "terminating"],
                          "call_time": ["2026-01-05T10:00:00Z"] * 3, "report_id": ["7", "7", "8"]})  # fmt: skip
    got = traceback_gateways(table, keep=("report_id",))
    assert got[["traceback_id", "report_id", "gateway"]].values.tolist() == [["T1", "7", "Gate"], ["T2", "8", ""]]  # fmt: skip


def test_update_campaigns_raises_one_displacement_from_a_hop_table_and_a_reader() -> None:
    first, second = reports(range(9)), reports(range(9, 13))
    old = hops(first, {f"w{d}-0": "Gateway A" for d in (0, 1, 2)})
    state, events = update_campaigns(None, first, tracebacks=old)
    assert "displacement" not in set(events["kind"])  # one gateway only

    new = hops(second, {f"w{d}-0": "Gateway B" for d in (10, 11, 12)})
    seen: list[CampaignState] = []

    def reader(st: CampaignState) -> pd.DataFrame:
        seen.append(st)
        assert "w12-4" in st.members  # called after the new reports are assigned
        return pd.concat([old, new], ignore_index=True)

    state, events = update_campaigns(state, second, tracebacks=reader)
    assert len(seen) == 1
    (row,) = events[events["kind"] == "displacement"].to_dict(orient="records")
    cid = state.resolve(state.members["w0-0"])
    assert (row["event_id"], row["magnitude"], row["baseline"]) == (f"displacement|{cid}|2026-03-12", 3.0, 3.0)  # fmt: skip
    assert sorted(row["traceback_ids"].split(";")) == sorted(set(old["traceback_id"]) | set(new["traceback_id"]))  # fmt: skip
    assert '"from_gateway": "Gateway A"' in row["details"] and '"to_gateway": "Gateway B"' in row["details"]  # fmt: skip
    # emitted once: the same tracebacks again raise nothing new
    state, events = update_campaigns(state, second.iloc[:0], tracebacks=reader)
    assert events.empty
