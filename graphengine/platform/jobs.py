"""Background jobs with their state in the database: a restart loses nothing, no broker needed.

A job is a row of ``job`` (kind, JSON payload, state, due time, attempts). Code registers a
handler per kind with :func:`handler`; :func:`enqueue` adds a job inside the caller's transaction
(so it exists only if the change that wants it commits); :func:`run_due` runs due jobs, each in a
transaction of its own; :class:`JobWorker` calls it from a thread inside the server.

States: ``queued`` -> ``running`` -> ``done``, or back to ``queued`` with a later due time after a
failure (30 s, 60 s, 120 s, ...), or ``failed`` after ``max_attempts``. A job found ``running`` at
start-up was interrupted by a crash: :func:`recover` queues it again, so handlers must be
idempotent (run twice, change once).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from graphengine.platform.db import is_sqlite, session_scope
from graphengine.platform.models import Base, UTCDateTime, utcnow

__all__ = ["HANDLERS", "Job", "JobWorker", "enqueue", "handler", "recover", "run_due"]

log = logging.getLogger(__name__)

Handler = Callable[[Session, dict[str, Any]], None]
#: kind -> function(session, payload); the session's transaction commits when it returns
HANDLERS: dict[str, Handler] = {}


class Job(Base):
    """One unit of background work."""

    __tablename__ = "job"
    __table_args__ = (Index("ix_job_state_due", "state", "due_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16), default="queued")
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=5)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of ``kind``."""

    def register(fn: Handler) -> Handler:
        HANDLERS[kind] = fn
        return fn

    return register


def enqueue(
    session: Session,
    kind: str,
    payload: dict[str, Any] | None = None,
    *,
    due_at: dt.datetime | None = None,
    max_attempts: int = 5,
) -> Job:
    """Add a job in the caller's transaction and return it (due now unless ``due_at``)."""
    job = Job(
        kind=kind,
        payload=dict(payload or {}),
        state="queued",
        due_at=due_at or utcnow(),
        attempts=0,
        max_attempts=max_attempts,
        created_at=utcnow(),
    )
    session.add(job)
    session.flush()
    return job


def recover(factory: sessionmaker[Session]) -> int:
    """Queue again every job left ``running`` by a crash; return how many."""
    with session_scope(factory) as s:
        result = s.execute(update(Job).where(Job.state == "running").values(state="queued"))
        return int(getattr(result, "rowcount", 0) or 0)


def _claim(factory: sessionmaker[Session]) -> Job | None:
    with session_scope(factory) as s:
        stmt = (
            select(Job)
            .where(Job.state == "queued", Job.due_at <= utcnow())
            .order_by(Job.due_at, Job.id)
            .limit(1)
        )
        if not is_sqlite(s):  # several workers: each takes a different job
            stmt = stmt.with_for_update(skip_locked=True)
        job = s.scalar(stmt)
        if job is None:
            return None
        job.state, job.attempts = "running", job.attempts + 1
        return job


def run_due(factory: sessionmaker[Session], limit: int = 20) -> int:
    """Run up to ``limit`` due jobs; return how many ran (succeeded or failed)."""
    ran = 0
    while ran < limit:
        job = _claim(factory)
        if job is None:
            break
        ran += 1
        fn = HANDLERS.get(job.kind)
        error: str | None = None
        try:
            if fn is None:
                raise LookupError(f"no handler for job kind '{job.kind}'")
            with session_scope(factory) as s:
                fn(s, job.payload)
        except Exception as exc:  # a failing job must not stop the worker
            error = f"{type(exc).__name__}: {exc}".splitlines()[0][:500]
            log.warning("job %s (%s) failed: %s", job.id, job.kind, error)
        with session_scope(factory) as s:
            row = s.get(Job, job.id)
            assert row is not None
            row.last_error = error
            if error is None:
                row.state, row.finished_at = "done", utcnow()
            elif row.attempts >= row.max_attempts:
                row.state, row.finished_at = "failed", utcnow()
            else:
                row.state = "queued"
                row.due_at = utcnow() + dt.timedelta(seconds=30 * 2 ** (row.attempts - 1))
    return ran


class JobWorker:
    """A daemon thread that runs due jobs every ``interval`` seconds until :meth:`stop`."""

    def __init__(self, factory: sessionmaker[Session], interval: float = 2.0) -> None:
        self.factory, self.interval = factory, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="graphengine-jobs", daemon=True)

    def start(self) -> None:
        """Queue interrupted jobs again, then start polling."""
        recover(self.factory)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                run_due(self.factory)
            except Exception:  # the database may be briefly unavailable; try again later
                log.exception("job worker pass failed")
            self._stop.wait(self.interval)

    def stop(self) -> None:
        """Stop polling and wait for the current pass to end."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)
