"""The platform's campaign job raises displacement events from the platform's own tracebacks, on
SQLite and PostgreSQL: tracebacks run through the real workflow (opened from stored reports,
answered hop by hop up to a foreign upstream, so hop 1 is the gateway), the job hands their hop
rows to the engine, stores the event and queues its alert."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pandas as pd
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from graphengine.platform import jobs
from graphengine.platform.admin import create_org
from graphengine.platform.alert_models import AlertRow
from graphengine.platform.alert_service import INGEST_JOB
from graphengine.platform.campaign_models import CampaignEventRow, CampaignRun
from graphengine.platform.campaign_service import UPDATE_JOB, RunSummary, run_update
from graphengine.platform.db import make_engine, session_factory, session_scope
from graphengine.platform.models import AuditEntry, Organization, Report, utcnow
from graphengine.platform.traceback_models import HopRequestRow, TracebackRow
from graphengine.platform.traceback_service import answer_request, open_from_report
from tests.helpers.campaigns import (
    AGENTS,
    DAY0,
    MEDICARE,
    STUDENT,
    WARRANTY,
    campaign_of,
    rec,
    submit,
)
from tests.helpers.platform import DB_KINDS, fresh_database

pytestmark = pytest.mark.slow


def batch(days: range) -> list[dict[str, object]]:
    """Warranty (5 a day) and Medicare (4 a day) calls on ``days``, terminating at Carrier A."""
    rows = [
        rec(f"w{d}-{k}", d, 7 * k + d, WARRANTY.format(agent=AGENTS[k]), carrier="Carrier A")
        for d in days
        for k in range(5)
    ]
    rows += [rec(f"m{d}-{k}", d, 100 + 9 * k + d, MEDICARE, carrier="Carrier A") for d in days for k in range(4)]  # fmt: skip
    return rows


def trace(factory, report_id: str, gateway: str) -> str:
    """Trace the report: Carrier A names ``gateway``, which names a foreign upstream (complete)."""
    with session_scope(factory) as s:
        pk = s.scalar(select(Report.id).where(Report.report_id == report_id))
        tb = open_from_report(s, pk, actor="analyst")
        req0 = s.scalar(select(HopRequestRow).where(HopRequestRow.traceback_id == tb.id))
        _, req1 = answer_request(s, req0.id, org_id=None, actor="t", kind="upstream", upstream=gateway)  # fmt: skip
        answer_request(s, req1.id, org_id=None, actor="t", kind="foreign_upstream", upstream="Overseas Voice", country="PH")  # fmt: skip
        s.flush()
        assert tb.state == "complete"
        return tb.id


def run(factory, read: int) -> int:
    """Run the job; ``read``: how many tracebacks it must have read (the touched campaigns')."""
    with session_scope(factory) as s:
        summary = run_update(s)
    assert summary.run_id is not None and summary.tracebacks == read
    return summary.run_id


def displacements(factory) -> list[CampaignEventRow]:
    with factory() as s:
        return list(
            s.scalars(select(CampaignEventRow).where(CampaignEventRow.kind == "displacement"))
        )


@dataclass
class Scenario:
    org_id: int
    warranty: str
    medicare: str
    old: list[str]  # the warranty tracebacks through Gateway A
    new: list[str]  # ... and through Gateway B
    run3: int


def build(factory, org_id: int) -> Scenario:
    """Three runs: the campaigns; their Gateway A tracebacks; the warranty's Gateway B ones."""
    submit(factory, org_id, batch(range(9)))
    run(factory, 0)  # run 1: the two campaigns
    cid = campaign_of(factory)
    warranty, medicare = cid["w0-0"], cid["m0-0"]
    assert warranty != medicare
    # both campaigns' first tracebacks enter through Gateway A
    old = [trace(factory, f"w{d}-0", "Gateway A") for d in (0, 1, 2)]
    for d in (0, 1, 2):
        trace(factory, f"m{d}-0", "Gateway A")

    submit(factory, org_id, batch(range(9, 13)))
    run(factory, 6)  # run 2 reads them (both campaigns grew): one gateway, no displacement
    assert displacements(factory) == []

    # the newer warranty calls enter through Gateway B; Medicare's still through Gateway A
    new = [trace(factory, f"w{d}-0", "Gateway B") for d in (10, 11, 12)]
    for d in (10, 11, 12):
        trace(factory, f"m{d}-0", "Gateway A")
    # run 3 takes one unrelated report: the campaigns are read because tracebacks ended
    submit(factory, org_id, [rec("s0", 13, 500, STUDENT, carrier="Carrier A")])
    run3 = run(factory, 12)
    return Scenario(org_id, warranty, medicare, old, new, run3)


@contextmanager
def carrier_database(kind: str, tmp_path, monkeypatch) -> Iterator[tuple[sessionmaker, int]]:
    """A fresh database of ``kind`` with the organisation Carrier A: (session factory, its id)."""
    monkeypatch.setenv("GRAPHENGINE_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("GRAPHENGINE_TRACEBACK_PER_CAMPAIGN", "0")  # only the analyst's tracebacks
    with fresh_database(kind, tmp_path) as url:
        factory = session_factory(make_engine(url))
        with session_scope(factory) as s:
            org_id = create_org(s, "Carrier A", "carrier").id
        yield factory, org_id


@pytest.mark.parametrize("kind", DB_KINDS)
def test_campaign_job_raises_one_displacement_from_platform_tracebacks(
    kind, tmp_path, monkeypatch
) -> None:
    with carrier_database(kind, tmp_path, monkeypatch) as (factory, org_id):
        sc = build(factory, org_id)
        warranty, old, new, run3 = sc.warranty, sc.old, sc.new, sc.run3

        # one event: the warranty's; Medicare's tracebacks all went through Gateway A
        (event,) = displacements(factory)
        assert (event.event_id, event.campaign_id, event.run_id) == (
            f"displacement|{warranty}|2026-03-12",
            warranty,
            run3,
        )
        assert event.time == event.detected_at == dt.datetime(2026, 3, 12, tzinfo=dt.UTC)
        assert (event.magnitude, event.baseline) == (3.0, 3.0)  # tracebacks via new / old
        assert event.report_ids == []
        assert sorted(event.traceback_ids) == sorted(old + new)
        last_old = DAY0 + dt.timedelta(days=2, minutes=2)  # w2-0's call
        assert event.details == {
            "from_gateway": "Gateway A",
            "to_gateway": "Gateway B",
            "from_last": str(pd.Timestamp(last_old)),
        }
        with factory() as s:
            assert s.scalars(select(CampaignRun.events).order_by(CampaignRun.id)).all() == [0, 0, 1]
        # a run whose reports join no campaign, with no traceback ended since, reads none (an
        # hour passes: the tracebacks ended before run 3 started, beyond the commit-lag margin)
        with session_scope(factory) as s:
            for tb in s.scalars(select(TracebackRow)):
                tb.ended_at -= dt.timedelta(hours=1)
        submit(factory, org_id, [rec("s1", 13, 530, STUDENT, carrier="Carrier A")])
        run(factory, 0)
        assert len(displacements(factory)) == 1

        # its alert names both gateways, and the providers in the six paths
        (ingest,) = [j for j in queued(factory, INGEST_JOB)]
        assert [e["event_id"] for e in ingest.payload["events"]] == [event.event_id]
        assert jobs.run_due(factory) >= 1
        with factory() as s:
            (alert,) = s.scalars(select(AlertRow)).all()
        assert (alert.kind, alert.campaign_id) == ("displacement", warranty)
        assert alert.payload["reason"] == "campaign traffic moved from gateway Gateway A to gateway Gateway B"  # fmt: skip
        assert [(p["key"], p["tracebacks"]) for p in alert.payload["providers"]] == [
            ("carrier a", 6), ("gateway a", 3), ("gateway b", 3), ("overseas voice", 6),
        ]  # fmt: skip


def queued(factory, kind: str) -> list[jobs.Job]:
    with factory() as s:
        return list(
            s.scalars(select(jobs.Job).where(jobs.Job.kind == kind, jobs.Job.state == "queued"))
        )


def run_queued_campaign_job(factory) -> None:
    """Make the one queued campaign job due and run the queue (the worker's 30 s later)."""
    (job,) = queued(factory, UPDATE_JOB)
    with session_scope(factory) as s:
        s.get(jobs.Job, job.id).due_at = utcnow()
    assert jobs.run_due(factory) >= 1
    assert queued(factory, UPDATE_JOB) == []


@pytest.mark.parametrize("kind", DB_KINDS)
def test_ended_tracebacks_queue_the_campaign_job_that_raises_the_displacement(
    kind, tmp_path, monkeypatch
) -> None:
    """No report arrives after the tracebacks: their ending alone queues the run that raises
    the warranty campaign's displacement (and its alert), one job for all of them."""
    with carrier_database(kind, tmp_path, monkeypatch) as (factory, org_id):
        submit(factory, org_id, batch(range(13)))  # every report, up front
        run_queued_campaign_job(factory)  # run 1 (intake's): the two campaigns
        cid = campaign_of(factory)
        warranty, medicare = cid["w0-0"], cid["m0-0"]
        assert warranty != medicare

        old = [trace(factory, f"w{d}-0", "Gateway A") for d in (0, 1, 2)]
        med = [trace(factory, f"m{d}-0", "Gateway A") for d in (0, 1, 2, 10, 11)]
        (job,) = queued(factory, UPDATE_JOB)  # eight tracebacks ended: one pending job
        assert job.due_at > utcnow() + dt.timedelta(seconds=20)  # the later ones join it
        run_queued_campaign_job(factory)  # run 2: no report; one gateway in each campaign
        assert displacements(factory) == []

        new = [trace(factory, f"w{d}-0", "Gateway B") for d in (10, 11, 12)]
        med.append(trace(factory, "m12-0", "Gateway A"))
        run_queued_campaign_job(factory)  # run 3: still no report
        (event,) = displacements(factory)  # the warranty's; Medicare stayed on Gateway A
        assert (event.event_id, event.campaign_id) == (f"displacement|{warranty}|2026-03-12", warranty)  # fmt: skip
        assert event.details["from_gateway"] == "Gateway A"
        assert event.details["to_gateway"] == "Gateway B"
        assert sorted(event.traceback_ids) == sorted(old + new)
        with factory() as s:
            runs = s.scalars(select(CampaignRun).order_by(CampaignRun.id)).all()
        assert [(r.reports, r.events) for r in runs] == [(117, 0), (0, 0), (0, 1)]
        assert runs[2].after_report_pk == runs[2].through_report_pk == runs[0].through_report_pk
        with factory() as s:  # its alert was queued and ran with the queue
            (alert,) = s.scalars(select(AlertRow)).all()
        assert (alert.kind, alert.campaign_id) == ("displacement", warranty)

        # idempotent: at once (the margin re-reads 12 tracebacks) nothing new is raised; an hour
        # on, with no traceback ended since, the job reads none and stores no run
        with session_scope(factory) as s:
            again = run_update(s)
        assert (again.tracebacks, again.events) == (12, [])
        with session_scope(factory) as s:
            for tb in s.scalars(select(TracebackRow)):
                tb.ended_at -= dt.timedelta(hours=1)
        with session_scope(factory) as s:
            assert run_update(s) == RunSummary(None, 0, 0, [], {}, [], 0)
        with factory() as s:
            assert s.scalar(select(func.count()).select_from(CampaignRun)) == 4
        assert len(displacements(factory)) == 1
        with factory() as s:
            read = s.scalars(
                select(AuditEntry.detail)
                .where(AuditEntry.action == "campaigns.update")
                .order_by(AuditEntry.seq)
            ).all()
        # runs 2 and 3 read both campaigns' ended tracebacks (3 + 5, then 6 + 6 with Medicare's)
        assert [d["tracebacks_read"] for d in read] == [0, 8, 12, 12]
        assert len(med) == 6


@pytest.mark.chromium
def test_campaign_page_lists_the_displacement_with_its_gateways(tmp_path, monkeypatch) -> None:
    from playwright.sync_api import sync_playwright

    from tests.helpers import platform as helpers

    monkeypatch.setenv("GRAPHENGINE_TRACEBACK_PER_CAMPAIGN", "0")
    with fresh_database("sqlite", tmp_path) as url:
        helpers.seed_accounts(url)  # (Carrier A among them)
        factory = session_factory(make_engine(url))
        with factory() as s:
            org_id = s.scalar(select(Organization.id).where(Organization.name == "Carrier A"))
        sc = build(factory, org_id)
        server = helpers.Server(url, tmp_path / "state").start()
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(
                    executable_path=helpers.CHROMIUM, args=helpers.CHROMIUM_FLAGS
                )
                page = helpers.browser_page(browser, server, f"/campaigns/{sc.warranty}")
                rows = [r.inner_text() for r in page.query_selector_all("#events tr")][1:]
                shown = [r for r in rows if "\tdisplacement\t" in r]
                assert shown == [
                    "2026-03-12\tdisplacement\t3.00\t3.00\tgateway Gateway A to Gateway B; "
                    f"0 reports, tracebacks {', '.join(sorted(sc.old + sc.new))}"
                ]
                page.goto(server.base + f"/campaigns/{sc.medicare}")
                assert "displacement" not in page.inner_text("#events")
                browser.close()
        finally:
            server.stop()
