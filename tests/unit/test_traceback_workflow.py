"""The traceback workflow end to end, in-process: answers, records, deadlines -> hop rows -> findings."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

import loaders
from graphengine.findings import FindingsConfig, compute_findings
from graphengine.findings.noncooperation import NonCooperationRule
from graphengine.schema import routed_edges
from graphengine.traceback.records import read_record_file
from graphengine.traceback.workflow import Answer, Workflow, WorkflowError, hop_rows

T0 = dt.datetime(2025, 3, 4, 15, 0, 0, tzinfo=dt.UTC)
KNOWN = ["Terminus Wireless LLC", "Acme Transit Inc.", "Beta Telecom, Inc.", "Gamma Voice LLC"]

RECORDS = """carrier,call_start,calling_number,called_number,ingress_carrier,ingress_customer,egress_carrier,call_id_in,call_id_out,attestation,origid,identity_hash,duration_s
BETA TELECOM INC,2025-03-04T09:59:57.250-05:00,(202) 555-0101,(303) 555-0199,Gamma Voice,,Acme Transit Inc.,x1,x2,C,,,31
BETA TELECOM INC,2025-03-04T10:30:00.000-05:00,(202) 555-0101,(303) 555-0100,Delta Telco,,Acme Transit Inc.,y1,y2,C,,,12
"""


def _flow(tmp_path: Path) -> tuple[Workflow, Path]:
    wf = Workflow(KNOWN, countries={"Terminus Wireless LLC": "US"})
    wf.open(
        "TB-W1",
        "Terminus Wireless LLC",
        T0,
        "+12025550101",
        "+13035550199",
        campaign="Utility disconnect",
        now=T0,
    )
    path = tmp_path / "beta.csv"
    path.write_text(RECORDS, encoding="utf-8")
    wf.upload_records("Beta Telecom, Inc.", read_record_file(path, carrier="Beta Telecom, Inc."))
    return wf, path


def test_four_providers_two_responders_one_from_records_foreign_end(tmp_path: Path) -> None:
    wf, _ = _flow(tmp_path)
    later = T0 + dt.timedelta(hours=2)
    # Responders see only their own open request.
    assert [r.traceback_id for r in wf.requests_for("Terminus Wireless")] == ["TB-W1"]
    assert wf.requests_for("Acme Transit Inc.") == []
    nxt = wf.answer("TB-W1", 0, Answer("upstream", upstream="ACME TRANSIT, INC", by="t"), now=later)
    assert nxt is not None and nxt.provider == "Acme Transit Inc." and nxt.hop == 1
    assert nxt.due_at == later + dt.timedelta(hours=24)
    assert wf.tracebacks["TB-W1"].state == "in_progress"
    nxt = wf.answer("TB-W1", 1, Answer("upstream", upstream="beta telecom inc"), now=later)
    assert nxt is not None and nxt.provider == "Beta Telecom, Inc."
    # Beta's uploaded records answer hop 2 by themselves (one record matches: same numbers,
    # 3 s off, egress Acme); the decoy 30 minutes later does not.
    nxt = wf.answer_from_records("TB-W1", now=later)
    req2 = wf.tracebacks["TB-W1"].requests[2]
    assert req2.state == "answered_from_records" and len(req2.answer.record_sha256) == 64
    assert nxt is not None and nxt.provider == "Gamma Voice LLC"
    wf.answer(
        "TB-W1", 3, Answer("foreign_upstream", upstream="Manila Tel Inc.", country="PH"), now=later
    )
    assert wf.tracebacks["TB-W1"].state == "complete"
    rows = hop_rows(wf)
    assert rows[["hop", "provider", "upstream_provider", "role"]].values.tolist() == [
        [0, "Terminus Wireless LLC", "Acme Transit Inc.", "terminating"],
        [1, "Acme Transit Inc.", "Beta Telecom, Inc.", "intermediate"],
        [2, "Beta Telecom, Inc.", "Gamma Voice LLC", "intermediate"],
        [3, "Gamma Voice LLC", "Manila Tel Inc.", "gateway"],
        [4, "Manila Tel Inc.", "", "foreign"],
    ]
    assert rows["response"].iloc[2] == "Answered from records - upstream identified"
    # The rows load unchanged and the findings pipeline sees the path.
    out = tmp_path / "hops.csv"
    rows.to_csv(out, index=False)
    loaded = loaders.load_inputs([out])
    assert len(loaded.rejects) == 0 and len(loaded.hops) == 5
    edges = routed_edges(loaded.hops)
    assert edges[["upstream_key", "downstream_key"]].values.tolist() == [
        ["acme transit", "terminus wireless"],
        ["beta telecom", "acme transit"],
        ["gamma voice", "beta telecom"],
        ["manila tel", "gamma voice"],
    ]
    found = compute_findings(loaded.hops, loaded.providers)
    gw = found.profiles.set_index("provider_key")
    assert int(gw.loc["gamma voice", "gateway"]) == 1
    assert loaded.hops["response_category"].tolist() == [
        "responded",
        "responded",
        "responded",
        "responded",
        "foreign",
    ]


def test_overdue_hop_is_a_non_response_the_finding_counts(tmp_path: Path) -> None:
    wf, _ = _flow(tmp_path)
    for i in range(3):
        tid = f"TB-O{i}"
        wf.open(tid, "Terminus Wireless LLC", T0, "+12025550101", f"+1303555020{i}", now=T0)
        wf.answer(tid, 0, Answer("upstream", upstream="Gamma Voice LLC"), now=T0)
    assert wf.check_deadlines(T0 + dt.timedelta(hours=23)) == []
    events = wf.check_deadlines(T0 + dt.timedelta(hours=25))
    # TB-W1's hop 0 (Terminus) and the three hop-1 requests to Gamma went overdue.
    assert sorted((e.traceback_id, e.hop, e.provider) for e in events) == [
        ("TB-O0", 1, "Gamma Voice LLC"),
        ("TB-O1", 1, "Gamma Voice LLC"),
        ("TB-O2", 1, "Gamma Voice LLC"),
        ("TB-W1", 0, "Terminus Wireless LLC"),
    ]
    assert {wf.tracebacks[t].state for t in ("TB-O0", "TB-O1", "TB-O2")} == {"stalled"}
    rows = hop_rows(wf)
    out = tmp_path / "hops.csv"
    rows.to_csv(out, index=False)
    loaded = loaders.load_inputs([out])
    cats = loaded.hops.set_index(["traceback_id", "hop"])["response_category"]
    assert cats[("TB-O1", 1)] == "no_response"
    found = compute_findings(
        loaded.hops,
        loaded.providers,
        config=FindingsConfig(noncooperation=NonCooperationRule(min_nonresponse=3)),
    )
    nc = found.noncooperation.set_index("provider_key")
    assert bool(nc.loc["gamma voice", "noncooperative"]) is True
    assert int(nc.loc["gamma voice", "nonresponse_tracebacks"]) == 3
    # A late answer is recorded as late and revives the traceback.
    nxt = wf.answer(
        "TB-O0", 1, Answer("customer", customer="Robo Dialer LLC"), now=T0 + dt.timedelta(hours=30)
    )
    assert nxt is None and wf.tracebacks["TB-O0"].requests[1].state == "late_answer"
    assert wf.tracebacks["TB-O0"].state == "complete"


def test_transitions_that_are_refused(tmp_path: Path) -> None:
    wf, path = _flow(tmp_path)
    with pytest.raises(WorkflowError, match="not an open request"):
        wf.answer("TB-W1", 1, Answer("no_record"), now=T0)
    with pytest.raises(WorkflowError, match="needs the upstream"):
        wf.answer("TB-W1", 0, Answer("upstream", upstream=" "), now=T0)
    with pytest.raises(WorkflowError, match="answer kind"):
        wf.answer("TB-W1", 0, Answer("maybe"), now=T0)
    with pytest.raises(WorkflowError, match="already open"):
        wf.open("TB-W1", "X", T0, "1", "2", now=T0)
    with pytest.raises(WorkflowError, match="no zone"):
        wf.open("TB-W2", "X", dt.datetime(2025, 1, 1), "1", "2", now=T0)
    with pytest.raises(WorkflowError, match="not 'Gamma Voice'"):
        wf.upload_records("Gamma Voice", read_record_file(path))
    wf.answer("TB-W1", 0, Answer("not_our_call"), now=T0)
    assert wf.tracebacks["TB-W1"].state == "stalled"
    rows = hop_rows(wf)
    assert rows["response"].tolist() == ["Not our call - disputed"]
    wf.close("TB-W1", now=T0)
    with pytest.raises(WorkflowError, match="closed"):
        wf.answer("TB-W1", 0, Answer("no_record"), now=T0)
    assert hop_rows(wf).empty
    assert isinstance(rows, pd.DataFrame)
