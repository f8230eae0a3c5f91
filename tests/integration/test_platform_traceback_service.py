"""The traceback service on a real database (SQLite and PostgreSQL), without a server: opening
from reports and by rule, answers, records, deadlines, refused record files, exported hop rows."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select

import loaders
from graphengine.findings import FindingsConfig, compute_findings
from graphengine.findings.noncooperation import NonCooperationRule
from graphengine.platform import jobs
from graphengine.platform.admin import create_org
from graphengine.platform.db import make_engine, session_factory, session_scope
from graphengine.platform.intake import Submission, store_batch
from graphengine.platform.legal_service import (
    build_package,
    create_request,
    package_path,
    parse_targets,
)
from graphengine.platform.models import AuditEntry, Organization, Report, User
from graphengine.platform.request_window import day_window
from graphengine.platform.traceback_models import HopRequestRow, RecordUpload, TracebackRow
from graphengine.platform.traceback_service import (
    RULE_JOB,
    TracebackError,
    answer_request,
    check_deadlines,
    export_hops,
    open_from_campaign_events,
    open_requests,
    open_traceback,
    traceback_rows_in_range,
    upload_records,
)
from loaders.reports import reports_from_json_text
from tests.helpers.platform import DB_KINDS, fresh_database, seed_accounts, tiny_pdf

pytestmark = pytest.mark.slow

T0 = dt.datetime(2026, 1, 5, 15, 0, 0, tzinfo=dt.UTC)
HEADER = (
    "carrier,call_start,calling_number,called_number,ingress_carrier,ingress_customer,"
    "egress_carrier,call_id_in,call_id_out,attestation,origid,identity_hash,duration_s\n"
)
# Beta's switch: the traced call (3 s of clock skew, its own number format, from Gamma, handed to
# Carrier B) and an unrelated call half an hour later.
BETA_RECORDS = HEADER + (
    "BETA TELECOM INC,2026-01-05T10:00:03-05:00,(202) 555-0101,(312) 555-0199,Gamma Voice,,"
    "Carrier B,x1,x2,C,,,31\n"
    "BETA TELECOM INC,2026-01-05T10:30:00-05:00,(202) 555-0101,(312) 555-0100,Delta Telco,,"
    "Carrier B,y1,y2,C,,,12\n"
)


@pytest.fixture(params=DB_KINDS)
def db(request, tmp_path, monkeypatch) -> Iterator[object]:
    monkeypatch.setenv("GRAPHENGINE_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("NEO4J_URI", raising=False)
    with fresh_database(request.param, tmp_path) as url:
        seed_accounts(url)
        engine = make_engine(url)
        factory = session_factory(engine)
        with session_scope(factory) as s:
            for name in ("Beta Telecom", "Gamma Voice LLC"):
                create_org(s, name, "carrier", actor="test")
        yield factory
        engine.dispose()


def _org(s, name: str) -> Organization:
    org = s.scalar(select(Organization).where(Organization.name == name))
    assert org is not None
    return org


def _open(s, **kw) -> TracebackRow:
    args = dict(
        actor="test",
        terminating_carrier="CARRIER A, INC.",
        call_time=T0,
        calling_number="+12025550101",
        called_number="(312) 555-0199",
        campaign="Utility disconnect",
        now=T0,
    )
    args.update(kw)
    return open_traceback(s, **args)  # type: ignore[arg-type]


def _state(factory) -> dict[str, object]:
    with factory() as s:
        return {
            "tracebacks": [(t.id, t.state, t.rows_sha256) for t in s.scalars(select(TracebackRow))],
            "requests": [
                (r.id, r.state, r.answer_kind, r.record_sha256)
                for r in s.scalars(select(HopRequestRow))
            ],
            "uploads": s.scalar(select(func.count()).select_from(RecordUpload)),
            "audit": s.scalar(select(func.count()).select_from(AuditEntry)),
        }


def test_four_providers_answers_records_and_a_foreign_end(db, tmp_path) -> None:
    factory = db
    with session_scope(factory) as s:
        a, b, beta = _org(s, "Carrier A"), _org(s, "Carrier B"), _org(s, "Beta Telecom")
        tb = _open(s)
        tid = tb.id
        # Beta uploads before anyone asks it: the records wait for the request.
        up, answered = upload_records(
            s, beta, BETA_RECORDS.encode(), "beta calls.csv", actor="key:beta", now=T0
        )
        assert (up.rows, answered, up.stored_name) == (
            2,
            [],
            f"{hashlib.sha256(BETA_RECORDS.encode()).hexdigest()}.csv",
        )
        assert up.period_start == T0 + dt.timedelta(seconds=3)
        assert [(r.hop, r.org_id) for r, _ in open_requests(s, a.id)] == [(0, a.id)]
        assert open_requests(s, b.id) == []
    later = T0 + dt.timedelta(hours=1)
    with session_scope(factory) as s:
        ((req0, _),) = open_requests(s, a.id)
        with pytest.raises(TracebackError, match="no hop request") as refused:
            answer_request(s, req0.id, org_id=b.id, actor="user:responder_b", kind="no_record")
        assert refused.value.status == 404
        with pytest.raises(TracebackError, match="at most 200 characters"):
            answer_request(s, req0.id, org_id=a.id, actor="a", kind="upstream", upstream="x" * 201)
        _, nxt = answer_request(
            s, req0.id, org_id=a.id, actor="user:responder_a", kind="upstream",
            upstream="carrier b", now=later,
        )  # fmt: skip
        assert nxt is not None and (nxt.provider, nxt.org_id) == ("Carrier B", b.id)
        assert nxt.due_at == later + dt.timedelta(hours=24)
    with session_scope(factory) as s:
        ((req1, _),) = open_requests(s, b.id)
        # Carrier B names Beta; Beta's uploaded records answer hop 2 at once (no person).
        answer_request(
            s, req1.id, org_id=b.id, actor="key:b", kind="upstream", upstream="Beta Telecom, Inc.",
            attestation="c", now=later,
        )  # fmt: skip
        reqs = s.scalars(
            select(HopRequestRow)
            .where(HopRequestRow.traceback_id == tid)
            .order_by(HopRequestRow.hop)
        ).all()
        assert [(r.hop, r.provider, r.state) for r in reqs] == [
            (0, "Carrier A", "answered"),
            (1, "Carrier B", "answered"),
            (2, "Beta Telecom", "answered_from_records"),
            (3, "Gamma Voice LLC", "requested"),
        ]
        assert reqs[2].record_upload_id is not None and len(reqs[2].record_sha256 or "") == 64
        gamma = _org(s, "Gamma Voice LLC")
        answer_request(
            s, reqs[3].id, org_id=gamma.id, actor="user:gamma", kind="foreign_upstream",
            upstream="Manila Tel Inc.", country="ph", now=later,
        )  # fmt: skip
        row = s.get(TracebackRow, tid)
        assert row is not None and row.state == "complete" and row.rows_sha256
        actions = s.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.target == f"traceback:{tid}")
            .order_by(AuditEntry.seq)
        ).all()
        assert actions.count("traceback.requested") == 4
        assert "traceback.answered_from_records" in actions
        assert sorted(actions[:2]) == ["traceback.opened", "traceback.requested"]
        assert actions[-1] == "traceback.answered"
    out = tmp_path / "hops.csv"
    with session_scope(factory) as s:
        hops, n_tb, digest = export_hops(s, out)
    assert (hops, n_tb) == (5, 1) and digest == hashlib.sha256(out.read_bytes()).hexdigest()
    frame = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert frame[["hop", "provider", "upstream_provider", "role", "provider_country"]].values.tolist() == [
        ["0", "Carrier A", "Carrier B", "terminating", "US"],
        ["1", "Carrier B", "Beta Telecom", "intermediate", "US"],
        ["2", "Beta Telecom", "Gamma Voice LLC", "intermediate", "US"],
        ["3", "Gamma Voice LLC", "Manila Tel Inc.", "gateway", "US"],
        ["4", "Manila Tel Inc.", "", "foreign", "PH"],
    ]  # fmt: skip
    assert frame["response"].iloc[2] == "Answered from records - upstream identified"
    loaded = loaders.load_inputs([out])
    assert len(loaded.rejects) == 0 and len(loaded.hops) == 5
    with factory() as s:
        picked = traceback_rows_in_range(
            s,
            providers=["GAMMA VOICE"],
            window=day_window(dt.date(2026, 1, 1), dt.date(2026, 1, 31)),
        )
        assert len(picked) == 5
        assert traceback_rows_in_range(
            s, providers=["Gamma Voice"], window=day_window(None, dt.date(2025, 12, 31))
        ).empty
        assert traceback_rows_in_range(s).empty
    # a legal request naming Gamma (a key without spaces: the portal's ids) in January gets these rows in its response package
    with session_scope(factory) as s:
        user = s.scalar(select(User).where(User.username == "investigator"))
        req = create_request(
            s, user, request_type="subpoena", authority="Office of the AG", case_number="AG-19",
            document=tiny_pdf(), targets=parse_targets(["gamma-voice"], [], [], "2026-01-01", "2026-01-31"),
            due_date="2099-01-01",
        )  # fmt: skip
        digest = build_package(s, req)
    with zipfile.ZipFile(package_path(digest)) as z:
        rows = pd.read_csv(z.open("traceback_hops_in_range.csv"), dtype=str, keep_default_na=False)
    assert rows[["traceback_id", "hop", "provider"]].values.tolist() == [
        [tid, str(h), p] for h, p in enumerate(frame["provider"])
    ]


def test_overdue_is_a_non_response_and_a_late_answer_is_late(db, tmp_path) -> None:
    factory = db
    with session_scope(factory) as s:
        a = _org(s, "Carrier A")
        ids = [_open(s, called_number=f"+1312555020{i}").id for i in range(3)]
        for tid in ids:
            ((req, _),) = [(r, t) for r, t in open_requests(s, a.id) if t.id == tid]
            answer_request(
                s, req.id, org_id=a.id, actor="a", kind="upstream", upstream="Carrier B", now=T0
            )
    with session_scope(factory) as s:
        assert check_deadlines(s, T0 + dt.timedelta(hours=23)) == []
        late = check_deadlines(s, T0 + dt.timedelta(hours=25))
        assert sorted((r.traceback_id, r.hop, r.state) for r in late) == sorted(
            (tid, 1, "overdue") for tid in ids
        )
    with session_scope(factory) as s:
        assert check_deadlines(s, T0 + dt.timedelta(hours=26)) == []  # once only
        assert {t.state for t in s.scalars(select(TracebackRow))} == {"stalled"}
        events = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "traceback.non_response")
        ).all()
        assert sorted(e.target for e in events) == sorted(f"traceback:{t}" for t in ids)
    out = tmp_path / "hops.csv"
    with session_scope(factory) as s:
        export_hops(s, out)
    loaded = loaders.load_inputs([out])
    found = compute_findings(
        loaded.hops,
        loaded.providers,
        config=FindingsConfig(noncooperation=NonCooperationRule(min_nonresponse=3)),
    )
    nc = found.noncooperation.set_index("provider_key")
    assert int(nc.loc["carrier b", "nonresponse_tracebacks"]) == 3
    assert bool(nc.loc["carrier b", "noncooperative"]) is True
    with session_scope(factory) as s:
        b = _org(s, "Carrier B")
        (req, tb), *_ = open_requests(s, b.id)
        answer_request(
            s, req.id, org_id=b.id, actor="b", kind="customer", customer="Robo Dialer LLC",
            now=T0 + dt.timedelta(hours=30),
        )  # fmt: skip
        assert (req.state, req.late) == ("late_answer", True)
        assert s.get(TracebackRow, tb.id).state == "complete"  # type: ignore[union-attr]


def test_bad_record_files_are_refused_whole(db) -> None:
    factory = db
    with session_scope(factory) as s:
        _open(s)
    before = _state(factory)
    no_zone = BETA_RECORDS.replace("10:00:03-05:00", "10:00:03")
    wrong = BETA_RECORDS.replace(
        "BETA TELECOM INC,2026-01-05T10:30", "Gamma Voice,2026-01-05T10:30"
    )
    cases = [
        ("Beta Telecom", no_zone, "b.csv", 422, "b.csv:2: call_start has no zone or offset"),
        ("Beta Telecom", wrong, "b.csv", 422, "b.csv:3: carrier 'Gamma Voice' is not 'Beta Telecom'"),
        ("Beta Telecom", "carrier,call_start\nx,y\n", "b.csv", 422, "b.csv: missing column(s)"),
        ("Beta Telecom", BETA_RECORDS, "../../etc/b.txt", 415, "b.txt: call records must be"),
        ("Carrier A", BETA_RECORDS, "b.csv", 422, "b.csv:2: carrier 'BETA TELECOM INC' is not 'Carrier A'"),
        ("BlockApp", BETA_RECORDS, "b.csv", 403, "only carriers upload call records"),
    ]  # fmt: skip
    for org_name, text, name, status, message in cases:
        with pytest.raises(TracebackError) as refused, session_scope(factory) as s:
            upload_records(s, _org(s, org_name), text.encode(), name, actor="t")
        assert refused.value.status == status and message in str(refused.value), str(refused.value)
        assert "ge-records-" not in str(refused.value)  # no server path in the message
    assert _state(factory) == before


def test_parquet_records_and_the_opening_rule(db, tmp_path) -> None:
    factory = db
    with session_scope(factory) as s:
        a = _org(s, "Carrier A")
        rows = [
            {
                "report_id": f"r{i}", "source_kind": "carrier_honeypot",
                "call_time": f"2026-01-05T1{i}:00:00Z", "calling_number": "2025550101",
                "called_number": f"31255501{i:02d}", "terminating_carrier": "Carrier A",
            }
            for i in range(5)
        ]  # fmt: skip
        rows[4].pop("terminating_carrier")
        batch = reports_from_json_text(json.dumps(rows), ndjson=False)
    store_batch(factory, Submission(org_id=a.id, actor="t", channel="json", body_sha256="x"), batch)
    with factory() as s:
        pk = {r.report_id: str(r.id) for r in s.scalars(select(Report))}
    events = pd.DataFrame(
        [
            {"kind": "surge", "campaign_id": "C-1", "report_ids": ";".join(pk[f"r{i}"] for i in range(5))},
            {"kind": "stop", "campaign_id": "C-2", "report_ids": pk["r0"]},
        ]
    )  # fmt: skip
    with session_scope(factory) as s:
        opened = open_from_campaign_events(s, events, n=2, now=T0)
        # r4 names no carrier: the two newest of r0..r3 are r3 and r2
        reps = {r.id: r.report_id for r in s.scalars(select(Report))}
        assert [reps[t.report_pk] for t in opened] == ["r3", "r2"]  # type: ignore[index]
        assert {(t.source, t.campaign) for t in opened} == {("rule", "C-1")}
    # the same rule as a job (what the campaign job enqueues): r1 and r0 are left
    with session_scope(factory) as s:
        jobs.enqueue(s, RULE_JOB, {"events": events.to_dict("records"), "n": 2})
    assert jobs.run_due(factory) >= 1
    with session_scope(factory) as s:
        by_rule = s.scalars(select(TracebackRow).where(TracebackRow.source == "rule")).all()
        assert sorted(reps[t.report_pk] for t in by_rule) == ["r0", "r1", "r2", "r3"]  # type: ignore[index]
        assert open_from_campaign_events(s, events, n=2, now=T0) == []
    # Carrier A answers hop 0 of r3's traceback from Parquet records
    call = dict(
        carrier="Carrier A", call_start="2026-01-05T13:00:01Z", calling_number="2025550101",
        called_number="3125550103", ingress_carrier="Carrier B", ingress_customer="",
        egress_carrier="", call_id_in="", call_id_out="", attestation="B", origid="",
        identity_hash="", duration_s="20",
    )  # fmt: skip
    buf = io.BytesIO()
    pd.DataFrame([call]).to_parquet(buf, index=False)
    with session_scope(factory) as s:
        up, answered = upload_records(
            s, _org(s, "Carrier A"), buf.getvalue(), "a.parquet", actor="k"
        )
        assert up.stored_name.endswith(".parquet") and up.file_format == "parquet"
        assert [(r.traceback_id, r.hop, r.state) for r in answered] == [
            (opened[0].id, 0, "answered_from_records")
        ]
        nxt = s.scalar(
            select(HopRequestRow).where(
                HopRequestRow.traceback_id == opened[0].id, HopRequestRow.hop == 1
            )
        )
        assert nxt is not None and nxt.provider == "Carrier B" and nxt.state == "requested"
    assert Path(str(tmp_path / "state" / "records" / up.stored_name)).is_file()


def test_two_answers_at_once_advance_the_traceback_once(db) -> None:
    import threading

    factory = db
    with session_scope(factory) as s:
        a = _org(s, "Carrier A")
        tid = _open(s).id
        ((req, _),) = open_requests(s, a.id)
    start = threading.Barrier(2)
    outcome: list[object] = []

    def answer(upstream: str) -> None:
        start.wait()
        try:
            with session_scope(factory) as s:
                answer_request(
                    s, req.id, org_id=a.id, actor="a", kind="upstream", upstream=upstream
                )
            outcome.append(upstream)
        except TracebackError as exc:
            outcome.append(exc.status)

    threads = [threading.Thread(target=answer, args=(u,)) for u in ("Carrier B", "Beta Telecom")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    # one answer wins; the other finds the request answered (409), never a half-written traceback
    assert len(outcome) == 2 and outcome.count(409) == 1
    with factory() as s:
        hops = s.scalars(select(HopRequestRow).where(HopRequestRow.traceback_id == tid)).all()
        assert len(hops) == 2 and hops[0].upstream in ("Carrier B", "Beta Telecom")
        assert hops[1].provider == hops[0].upstream
