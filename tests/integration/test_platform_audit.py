"""The audit trail on SQLite and PostgreSQL: appends chain, `audit verify` names the first altered
or missing entry."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, update

from graphengine.cli.main import main
from graphengine.platform import audit
from graphengine.platform.admin import create_api_key, create_org
from graphengine.platform.db import make_engine, session_factory, session_scope
from graphengine.platform.models import AuditEntry
from tests.helpers.platform import DB_KINDS, fresh_database


def _verify_cli(url: str, monkeypatch, capsys) -> tuple[int, str, str]:
    monkeypatch.setenv("GRAPHENGINE_DATABASE_URL", url)
    code = main(["platform", "audit", "verify"])
    out, err = capsys.readouterr()
    return code, out.strip(), err.strip()


@pytest.mark.parametrize("kind", DB_KINDS)
def test_chain_detects_altered_and_missing_entries(kind, tmp_path, monkeypatch, capsys) -> None:
    with fresh_database(kind, tmp_path) as url:
        engine = make_engine(url)
        factory = session_factory(engine)
        with session_scope(factory) as s:
            create_org(s, "Carrier A", "carrier")
            create_api_key(s, "Carrier A", "k", ["reports:write"])
            for i in range(3):
                audit.append(
                    s, "user:alice", "download", f"reports.csv#{i}", {"rows": i, "note": "ünïcode"}
                )
        with factory() as s:
            report = audit.verify_chain(s)
            assert report.ok and report.checked == 5
            entries = s.query(AuditEntry).order_by(AuditEntry.seq).all()
            assert entries[0].prev_hash == audit.GENESIS
            assert [e.prev_hash for e in entries[1:]] == [e.entry_hash for e in entries[:-1]]
        assert _verify_cli(url, monkeypatch, capsys) == (0, "audit trail intact: 5 entries", "")

        with session_scope(factory) as s:  # someone edits entry 3's detail in the database
            s.execute(update(AuditEntry).where(AuditEntry.seq == 3).values(detail={"rows": 99}))
        with factory() as s:
            report = audit.verify_chain(s)
        assert (report.ok, report.first_bad_seq, report.problem) == (
            False,
            3,
            "entry 3 was altered (download reports.csv#0)",
        )
        assert _verify_cli(url, monkeypatch, capsys) == (
            1,
            "",
            "audit trail broken: entry 3 was altered (download reports.csv#0)",
        )

        with session_scope(factory) as s:  # put it back, then delete entry 2
            s.execute(
                update(AuditEntry)
                .where(AuditEntry.seq == 3)
                .values(detail={"rows": 0, "note": "ünïcode"})
            )
        with factory() as s:
            assert audit.verify_chain(s).ok
        with session_scope(factory) as s:
            s.execute(delete(AuditEntry).where(AuditEntry.seq == 2))
        with factory() as s:
            assert audit.verify_chain(s).problem == "entry 2 is missing"

        with session_scope(factory) as s:  # cutting the tail is noticed through the head row
            s.execute(delete(AuditEntry).where(AuditEntry.seq >= 2))
        with factory() as s:
            report = audit.verify_chain(s)
        assert report.first_bad_seq == 2 and report.problem.startswith(
            "entry 2 is missing (the trail ends at 1"
        )
        engine.dispose()
