"""Background jobs on SQLite and PostgreSQL: run, retry with back-off, fail, recover after a crash."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from graphengine.platform import jobs
from graphengine.platform.db import make_engine, session_factory, session_scope
from graphengine.platform.models import Organization, utcnow
from tests.helpers.platform import DB_KINDS, fresh_database


@pytest.mark.parametrize("kind", DB_KINDS)
def test_jobs_run_retry_fail_and_recover(kind, tmp_path, monkeypatch) -> None:
    calls: list[str] = []

    def make_org(session, payload) -> None:
        calls.append(payload["name"])
        session.add(Organization(name=payload["name"], kind="carrier", created_at=utcnow()))

    def flaky(session, payload) -> None:
        calls.append("flaky")
        raise ValueError("upstream said no\nsecond line")

    monkeypatch.setitem(jobs.HANDLERS, "make_org", make_org)
    monkeypatch.setitem(jobs.HANDLERS, "flaky", flaky)
    with fresh_database(kind, tmp_path) as url:
        engine = make_engine(url)
        factory = session_factory(engine)
        with session_scope(factory) as s:
            jobs.enqueue(s, "make_org", {"name": "Job Carrier"})
            jobs.enqueue(s, "flaky", {}, max_attempts=2)
            jobs.enqueue(s, "make_org", {"name": "Later"}, due_at=utcnow() + dt.timedelta(hours=1))
            jobs.enqueue(s, "unknown_kind", {}, max_attempts=1)
        assert jobs.run_due(factory) == 3  # the later one is not due
        with factory() as s:
            rows = {j.id: j for j in s.scalars(select(jobs.Job))}
            assert [(rows[i].state, rows[i].attempts) for i in (1, 2, 3, 4)] == [
                ("done", 1), ("queued", 1), ("queued", 0), ("failed", 1),
            ]  # fmt: skip
            assert rows[2].last_error == "ValueError: upstream said no"
            assert rows[2].due_at > utcnow() + dt.timedelta(seconds=20)  # backed off
            assert rows[4].last_error == "LookupError: no handler for job kind 'unknown_kind'"
            assert s.scalar(select(Organization.name)) == "Job Carrier"
        # the second failure is the last allowed attempt
        with session_scope(factory) as s:
            s.get(jobs.Job, 2).due_at = utcnow()
        assert jobs.run_due(factory) == 1
        with factory() as s:
            assert s.get(jobs.Job, 2).state == "failed"
        # a job left running by a crash is queued again at start-up
        with session_scope(factory) as s:
            job = s.get(jobs.Job, 3)
            job.state, job.due_at = "running", utcnow()
        assert jobs.recover(factory) == 1
        assert jobs.run_due(factory) == 1
        assert calls == ["Job Carrier", "flaky", "flaky", "Later"]
        engine.dispose()
