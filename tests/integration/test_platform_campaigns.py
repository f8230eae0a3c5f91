"""The platform's campaign job on SQLite and PostgreSQL: intake queues it, a run takes only the
reports stored since the last one (pooled reports included), stores campaigns, members and events
exactly as the engine's update_campaigns returns them, and its events raise alerts and open
tracebacks (the opening rule)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import select

from graphengine.campaigns import update_campaigns
from graphengine.platform import jobs
from graphengine.platform.admin import create_org
from graphengine.platform.alert_models import AlertRow
from graphengine.platform.alert_service import INGEST_JOB
from graphengine.platform.campaign_models import (
    CampaignEventRow,
    CampaignMember,
    CampaignRow,
    CampaignRun,
    CampaignStateRow,
)
from graphengine.platform.campaign_service import UPDATE_JOB, run_update
from graphengine.platform.db import make_engine, session_factory, session_scope
from graphengine.platform.models import Report, utcnow
from graphengine.platform.traceback_models import HopRequestRow, TracebackRow
from graphengine.platform.traceback_service import RULE_JOB
from tests.helpers.campaigns import first_batches, second_batch, submit
from tests.helpers.platform import DB_KINDS, fresh_database

pytestmark = pytest.mark.slow


def queued(factory, kind: str) -> list[jobs.Job]:
    with factory() as s:
        return list(
            s.scalars(select(jobs.Job).where(jobs.Job.kind == kind, jobs.Job.state == "queued"))
        )


def make_due(factory, kind: str) -> None:
    with session_scope(factory) as s:
        for job in s.scalars(select(jobs.Job).where(jobs.Job.kind == kind)):
            job.due_at = utcnow()


def engine_frame(factory, records: list[dict[str, object]]) -> pd.DataFrame:
    """The same reports as the engine sees them, keyed by the platform's primary keys."""
    with factory() as s:
        pk = dict(s.execute(select(Report.report_id, Report.id)).all())
    frame = pd.DataFrame.from_records(records)
    frame["report_id"] = [str(pk[r]) for r in frame["report_id"]]
    frame["reporter"], frame["reporter_kind"] = "org:1", "carrier"
    return frame


def members(factory) -> dict[str, tuple[str, int]]:
    with factory() as s:
        rows = s.execute(
            select(Report.report_id, CampaignMember.campaign_id, CampaignMember.run_id).join(
                Report, Report.id == CampaignMember.report_pk
            )
        ).all()
    return {r: (c, run) for r, c, run in rows}


@pytest.mark.parametrize("kind", DB_KINDS)
def test_campaign_job_updates_incrementally_and_raises_alerts(kind, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("GRAPHENGINE_STATE_DIR", str(tmp_path / "state"))
    with fresh_database(kind, tmp_path) as url:
        factory = session_factory(make_engine(url))
        with session_scope(factory) as s:
            org_id = create_org(s, "Carrier A", "carrier").id
        batch1, batch1b = first_batches()
        submit(factory, org_id, batch1)
        (job,) = queued(factory, UPDATE_JOB)
        assert job.due_at > utcnow() + dt.timedelta(seconds=20)  # later batches join this run
        submit(factory, org_id, batch1b)
        assert len(queued(factory, UPDATE_JOB)) == 1
        assert jobs.run_due(factory) == 0  # not due yet
        make_due(factory, UPDATE_JOB)
        assert jobs.run_due(factory) == 1

        # Run 1: one campaign (the warranty script, 47 reports); the 2 student-loan calls wait.
        got = members(factory)
        assert len(got) == 47 and {c for c, _ in got.values()} == {"CMP-0001"}
        assert "s0" not in got and "s1" not in got
        with factory() as s:
            (run1,) = s.scalars(select(CampaignRun)).all()
            assert (run1.after_report_pk, run1.reports, run1.assigned) == (0, 49, 47)
            assert (run1.new_campaigns, run1.events) == (1, 0)
            state = s.get(CampaignStateRow, 1)
            assert state.through_report_pk == run1.through_report_pk
            assert sorted(p["report_id"] for p in state.pool) == sorted(
                str(s.scalar(select(Report.id).where(Report.report_id == r))) for r in ("s0", "s1")
            )
            assert s.get(CampaignRow, "CMP-0001").reports == 47
        assert queued(factory, INGEST_JOB) == []  # no event: no alert job

        # Run 2 takes only the new reports; the pooled student-loan calls now make a campaign.
        batch2 = second_batch(carrier="Carrier A")
        submit(factory, org_id, batch2)
        make_due(factory, UPDATE_JOB)
        assert jobs.run_due(factory, limit=1) == 1  # (the alert job it queues is due at once)
        after = members(factory)
        assert {r: v for r, v in after.items() if r in got} == got  # earlier members unchanged
        medicare = {after[f"m{k}"][0] for k in range(25)}
        student = {after[r][0] for r in ("s0", "s1", "s2")}
        assert len(medicare) == 1 and len(student) == 1 and len(medicare | student) == 2
        assert "CMP-0001" not in medicare | student
        assert {after[r][1] for r in ("s0", "s1", "s2")} == {2}  # stored by run 2
        assert {after[f"w9-{k}"][0] for k in range(5)} == {"CMP-0001"}
        with factory() as s:
            runs = s.scalars(select(CampaignRun).order_by(CampaignRun.id)).all()
            assert (runs[1].after_report_pk, runs[1].reports) == (runs[0].through_report_pk, 31)
            assert (runs[1].assigned, runs[1].new_campaigns) == (33, 2)
            events = s.scalars(select(CampaignEventRow)).all()
            assert [(e.kind, e.campaign_id, e.run_id) for e in events] == [
                ("new_campaign", medicare.pop(), 2)
            ]
            assert len(events[0].report_ids) == 25
            event_id = events[0].event_id

        # The engine, called the same two times on the same reports, agrees row for row.
        state, e1 = update_campaigns(None, engine_frame(factory, batch1 + batch1b))
        state, e2 = update_campaigns(state, engine_frame(factory, batch2))
        with factory() as s:
            pk_of = {str(pk): rid for rid, pk in s.execute(select(Report.report_id, Report.id))}
        assert {pk_of[r]: state.resolve(c) for r, c in state.members.items()} == {
            r: c for r, (c, _) in after.items()
        }
        assert e1.empty and e2["event_id"].tolist() == [event_id]

        # The event's alert: the alerts ingest job runs the engine's rules on it.
        (ingest,) = queued(factory, INGEST_JOB)
        assert [e["event_id"] for e in ingest.payload["events"]] == [event_id]
        # ... and the traceback opening rule on the same events
        (rule,) = queued(factory, RULE_JOB)
        assert [e["event_id"] for e in rule.payload["events"]] == [event_id]
        assert jobs.run_due(factory) == 2
        with factory() as s:
            (alert,) = s.scalars(select(AlertRow)).all()
            assert (alert.kind, alert.campaign_id) == ("new_campaign", events[0].campaign_id)
            assert alert.payload["states"] == ["NY"]
            # the rule traced the campaign's three newest reports, each from Carrier A's hop 0
            traced = s.execute(
                select(Report.report_id, TracebackRow.source, TracebackRow.campaign)
                .join(TracebackRow, TracebackRow.report_pk == Report.id)
                .order_by(Report.call_time.desc())
            ).all()
            assert traced == [(f"m{k}", "rule", events[0].campaign_id) for k in (24, 23, 22)]
            asked = s.scalars(select(HopRequestRow.org_id).where(HopRequestRow.hop == 0)).all()
            assert asked == [org_id] * 3

        # Nothing new: a run stores nothing.
        with session_scope(factory) as s:
            assert run_update(s).run_id is None
        with factory() as s:
            assert len(s.scalars(select(CampaignRun)).all()) == 2
