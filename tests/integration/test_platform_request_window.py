"""A legal request's date range at its edges: the package's reports, traceback hops and engine
evidence all take ``[date_from 00:00 UTC, date_to + 1 day 00:00 UTC)`` (docs/portal.md)."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from collections.abc import Iterator

import pandas as pd
import pytest
from sqlalchemy import select

from graphengine.platform.db import make_engine, session_factory, session_scope
from graphengine.platform.legal_service import (
    build_package,
    create_request,
    package_path,
    parse_targets,
)
from graphengine.platform.models import IntakeBatch, Organization, Report, User
from graphengine.platform.traceback_models import TracebackRow
from tests.helpers.platform import DB_KINDS, fresh_database, seed_accounts, tiny_pdf

pytestmark = pytest.mark.slow

DAY = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
#: one call per edge: the day before, the day's first and last microsecond, the next day's first
TIMES = {
    "before": DAY - dt.timedelta(microseconds=1),
    "first": DAY,
    "last": DAY + dt.timedelta(days=1, microseconds=-1),
    "next": DAY + dt.timedelta(days=1),
}
PROVIDER = "Gateway Telecom"


def _iso(t: dt.datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


def _stored(t: dt.datetime) -> str:
    """The call time as the platform stores it in hop rows (whole seconds, as workflow.hop_rows)."""
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _hops(name: str, t: dt.datetime, when: str) -> list[dict[str, object]]:
    """The two hop rows of traceback ``TB-<name>`` (terminating Sunrise, gateway Gateway)."""
    common = {"traceback_id": f"TB-{name}", "call_time": when, "campaign": "Edge case",
              "calling_number": "+12025550101", "called_number": "+13125550001",
              "attestation": "C", "customer": ""}  # fmt: skip
    return [
        {**common, "hop": 0, "provider": "Sunrise Wireless", "upstream_provider": PROVIDER,
         "role": "terminating", "response": "Upstream identified", "provider_country": "US"},
        {**common, "hop": 1, "provider": PROVIDER, "upstream_provider": "",
         "role": "gateway", "response": "No response", "provider_country": "US"},
    ]  # fmt: skip


@pytest.fixture(params=DB_KINDS)
def url(request, tmp_path, monkeypatch) -> Iterator[str]:
    """A database holding one report and one complete traceback per edge time, and the same
    tracebacks as the engine's hop file."""
    monkeypatch.setenv("GRAPHENGINE_STATE_DIR", str(tmp_path / "state"))
    rows = [h for name, t in TIMES.items() for h in _hops(name, t, _iso(t))]
    hop_file = tmp_path / "hops.csv"
    pd.DataFrame(rows).to_csv(hop_file, index=False)
    monkeypatch.setenv("GRAPHENGINE_EVIDENCE_HOPS", str(hop_file))
    with fresh_database(request.param, tmp_path) as db_url:
        seed_accounts(db_url)
        engine = make_engine(db_url)
        with session_scope(session_factory(engine)) as s:
            org = s.scalars(select(Organization).order_by(Organization.id)).first()
            assert org is not None
            s.add(IntakeBatch(id="batch-edges", org_id=org.id, channel="json", body_sha256="0" * 64,
                              received_rows=4, accepted=4, duplicates=0, rejected=[]))  # fmt: skip
            s.flush()
            for name, t in TIMES.items():
                s.add(Report(org_id=org.id, batch_id="batch-edges", report_id=f"r-{name}",
                             source_kind="carrier_honeypot", call_time=t))  # fmt: skip
                s.add(TracebackRow(id=f"TB-{name}", state="complete", call_time=t,
                                   calling_number="+12025550101", called_number="+13125550001",
                                   campaign="Edge case", terminating_carrier="Sunrise Wireless",
                                   source="api", due_seconds=86400, opened_by="test",
                                   hop_rows=_hops(name, t, _stored(t))))  # fmt: skip
        engine.dispose()
        yield db_url


def _package(url: str, date_from: str, date_to: str) -> dict[str, bytes]:
    """File a request naming the provider and the dates; return its package's members."""
    engine = make_engine(url)
    with session_scope(session_factory(engine)) as s:
        user = s.scalar(select(User).where(User.username == "investigator"))
        assert user is not None
        req = create_request(
            s, user, request_type="subpoena", authority="AG", case_number="AG-5",
            document=tiny_pdf(), targets=parse_targets([PROVIDER], [], [], date_from, date_to),
            due_date="2099-01-01",
        )  # fmt: skip
        digest = build_package(s, req)
    engine.dispose()
    with zipfile.ZipFile(package_path(digest)) as z:
        return {n: z.read(n) for n in z.namelist()}


def _picked(files: dict[str, bytes]) -> dict[str, list[str]]:
    """Which edge calls each part of the package took: reports, traceback hops, engine evidence."""

    def table(name: str) -> pd.DataFrame:
        return pd.read_csv(io.BytesIO(files[name]), dtype=str, keep_default_na=False)

    index = json.loads(files["evidence/index.json"])["bundles"]
    bundle = index[0].get("bundle")
    evidence: list[str] = []
    if bundle:
        inner = json.loads(files[f"{bundle}/manifest.json"])
        edges = table(f"{bundle}/data/edges.csv")
        evidence = sorted({t for ids in edges["traceback_ids"] for t in ids.split(";")})
        assert inner["hop_rows"] == 2 * len(evidence)
    else:
        assert index[0]["not_exported"] == "no traceback in the date range"
    hops = table("traceback_hops_in_range.csv")
    assert len(hops) == 2 * hops["traceback_id"].nunique()
    return {
        "reports": sorted(table("reports_in_range.csv")["report_id"]),
        "hops": sorted(set(hops["traceback_id"])),
        "evidence": evidence,
    }


def test_one_day_takes_its_first_and_last_microsecond_only(url) -> None:
    got = _picked(_package(url, "2026-01-05", "2026-01-05"))
    assert got == {
        "reports": ["r-first", "r-last"],
        "hops": ["TB-first", "TB-last"],
        "evidence": ["TB-first", "TB-last"],
    }


def test_only_a_start_is_open_ended_and_no_dates_take_no_reports(url) -> None:
    got = _picked(_package(url, "2026-01-05", ""))
    assert got == {
        "reports": ["r-first", "r-last", "r-next"],
        "hops": ["TB-first", "TB-last", "TB-next"],
        "evidence": ["TB-first", "TB-last", "TB-next"],
    }
    every = ["TB-before", "TB-first", "TB-last", "TB-next"]
    assert _picked(_package(url, "", "")) == {"reports": [], "hops": every, "evidence": every}
