"""When the campaign job runs: one queued ``campaigns.update`` job shared by everything that wants it.

Two things queue it, both in their own transaction (so the job exists only if their change
commits): intake storing reports (:mod:`graphengine.platform.intake`), and the traceback workflow
ending a traceback or changing an ended one's hop rows
(:mod:`graphengine.platform.traceback_service`), so a displacement is evaluated within
:data:`DELAY_SECONDS` of the traceback that shows it, not at the next intake. The job itself is
:func:`graphengine.platform.campaign_service.run_update`; this module is apart from it so the
traceback service can queue it without importing the campaign service (which imports the
traceback service for its opening rule).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from graphengine.platform import jobs
from graphengine.platform.models import utcnow

__all__ = ["DELAY_SECONDS", "UPDATE_JOB", "schedule"]

UPDATE_JOB = "campaigns.update"
#: seconds between the first trigger (intake batch, ended traceback) and the run that takes it
#: (later triggers join it)
DELAY_SECONDS = 30


def schedule(session: Session, delay: float = DELAY_SECONDS) -> bool:
    """Queue a campaign run due in ``delay`` seconds unless one is queued; True when queued.

    A burst of intake batches or of tracebacks ending together therefore costs one run. A job
    already ``running`` does not count: what committed after it started reading needs a run of
    its own.
    """
    queued = session.scalar(
        select(jobs.Job.id).where(jobs.Job.kind == UPDATE_JOB, jobs.Job.state == "queued").limit(1)
    )
    if queued is not None:
        return False
    jobs.enqueue(session, UPDATE_JOB, {}, due_at=utcnow() + dt.timedelta(seconds=delay))
    return True
