"""Hand-built report batches for the platform's campaign job and pages.

Three scripts: vehicle warranty (from day 0, 5 calls a day), student-loan forgiveness (2 calls on
day 1, one on day 9: too few for a campaign until the third) and a new Medicare script (25 calls
on days 9 and 10, consumers in NY: a ``new_campaign`` event after the 7-day warm-up).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

WARRANTY = (
    "Hi this is {agent} calling from the vehicle service department about your car's "
    "manufacturer warranty. Our records show it is about to expire. Press 5 now to speak to a "
    "warranty specialist or press 9 to be removed from our list."
)
MEDICARE = (
    "Hello, this is an important message from the benefits office about your new Medicare card. "
    "Your old card is no longer valid and must be replaced today. Press 1 to confirm your "
    "address and receive your new card at no cost to you."
)
STUDENT = (
    "This is a final notice about your federal student loan forgiveness application. The "
    "deadline to enrol in the program is tomorrow. Call 888-555-0199 to speak with a loan "
    "counsellor before your application is closed."
)
AGENTS = ["Susie", "Melanie", "Karen", "Diane", "Ruth"]
DAY0 = dt.datetime(2026, 3, 2, 14, 0, tzinfo=dt.UTC)


def rec(
    rid: str, day: int, minute: int, text: str, state: str = "TX", carrier: str | None = None
) -> dict[str, object]:
    """One carrier honeypot report ``rid`` on ``DAY0 + day`` (plus ``minute``); ``carrier`` names
    the terminating carrier (what a traceback starts from)."""
    when = DAY0 + dt.timedelta(days=day, minutes=minute)
    extra = {} if carrier is None else {"terminating_carrier": carrier}
    return {
        **extra,
        "report_id": rid,
        "source_kind": "carrier_honeypot",
        "call_time": when.isoformat(),
        "calling_number": f"+1202555{minute % 10000:04d}",
        "called_number": "+13125550100",
        "transcript": text,
        "consumer_state": state,
    }


def first_batches() -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """Two batches for run 1: warranty on days 0-8 (45) and 2 student-loan calls; 2 more warranty."""
    a = [
        rec(f"w{d}-{k}", d, 7 * k + d, WARRANTY.format(agent=AGENTS[k]))
        for d in range(9)
        for k in range(5)
    ]
    a += [rec("s0", 1, 200, STUDENT), rec("s1", 1, 230, STUDENT)]
    b = [rec(f"late{k}", 8, 300 + k, WARRANTY.format(agent=AGENTS[k])) for k in range(2)]
    return a, b


def second_batch(carrier: str | None = None) -> list[dict[str, object]]:
    """Run 2: the new Medicare script (25 reports, days 9-10, NY, terminating at ``carrier``),
    5 warranty calls, 1 student."""
    rows = [
        rec(f"m{k}", 9 + k // 13, 11 * k, MEDICARE, state="NY", carrier=carrier) for k in range(25)
    ]
    rows += [rec(f"w9-{k}", 9, 5 * k + 1, WARRANTY.format(agent=AGENTS[k])) for k in range(5)]
    rows.append(rec("s2", 9, 400, STUDENT))
    return rows


def submit(factory: Any, org_id: int, records: list[dict[str, object]]) -> None:
    """Store ``records`` for the organisation through the platform's intake."""
    from graphengine.platform.intake import Submission, store_batch
    from loaders.reports import reports_from_records

    batch = reports_from_records(records)
    assert batch.rejected.empty
    body = hashlib.sha256(repr(records).encode()).hexdigest()
    store_batch(factory, Submission(org_id, "test", "json", body), batch)


def campaign_of(factory: Any) -> dict[str, str]:
    """Each member report's own id -> its stored campaign id."""
    from sqlalchemy import select

    from graphengine.platform.campaign_models import CampaignMember
    from graphengine.platform.models import Report

    with factory() as s:
        return dict(
            s.execute(
                select(Report.report_id, CampaignMember.campaign_id).join(
                    CampaignMember, CampaignMember.report_pk == Report.id
                )
            ).all()
        )


def seed_campaigns(url: str, org: str = "Carrier A") -> dict[str, str]:
    """Store the three scripts' reports for ``org`` and run the campaign job twice (directly).

    Returns the campaign id of each script (``warranty``, ``medicare``, ``student``).
    """
    from sqlalchemy import select

    from graphengine.platform.campaign_service import run_update
    from graphengine.platform.db import make_engine, session_factory, session_scope
    from graphengine.platform.models import Organization

    engine = make_engine(url)
    factory = session_factory(engine)
    with factory() as s:
        org_id = s.scalar(select(Organization.id).where(Organization.name == org))
    assert org_id is not None
    one, two = first_batches()
    for records in (one + two, second_batch()):
        submit(factory, org_id, records)
        with session_scope(factory) as s:
            assert run_update(s).run_id is not None
    rows = campaign_of(factory)
    engine.dispose()
    return {"warranty": rows["w0-0"], "medicare": rows["m0"], "student": rows["s0"]}
