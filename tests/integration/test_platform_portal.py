"""The legal-process portal over HTTP: uploads are sniffed and limited and stored by hash, an agency
sees only its own requests, a reviewer's acceptance produces a package that `graphengine evidence
verify` passes, downloads are audited, and an altered audit entry is named by `audit verify`."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select, update

from graphengine.platform.admin import create_org, create_user
from graphengine.platform.db import make_engine, session_factory, session_scope
from graphengine.platform.legal_models import LegalRequest, OutboxMessage
from graphengine.platform.models import AuditEntry
from tests.helpers.platform import (
    DB_KINDS,
    PASSWORD,
    Server,
    csrf_of,
    fresh_database,
    login,
    seed_accounts,
    seed_alert,
    seed_request,
    tiny_pdf,
)

pytestmark = pytest.mark.slow
LIMIT = 64 * 1024


@pytest.fixture(scope="module")
def portal(tmp_path_factory) -> Iterator[dict]:
    folder = tmp_path_factory.mktemp("portal")
    with fresh_database("sqlite", folder) as url:
        acc = seed_accounts(url)
        alert_id, _ = seed_alert(url)
        factory = session_factory(make_engine(url))
        with session_scope(factory) as s:
            create_org(s, "Other AG", "agency")
            other = create_user(s, "Other AG", "investigator_b", "investigator", PASSWORD)
            acc.users["investigator_b"] = other.totp_secret
        server = Server(url, folder / "state")
        os.environ["GRAPHENGINE_MAX_DOCUMENT_BYTES"] = str(LIMIT)
        try:
            server.start()
        finally:
            del os.environ["GRAPHENGINE_MAX_DOCUMENT_BYTES"]
        clients = {u: login(server.base, u, acc.users[u]) for u in
                   ["investigator", "investigator_b", "reviewer", "responder_a"]}  # fmt: skip
        try:
            yield {"server": server, "url": url, "factory": factory, "alert": alert_id, **clients}
        finally:
            for c in clients.values():
                c.close()
            server.stop()


def _file(client: httpx.Client, name: str, data: bytes, **fields: str) -> httpx.Response:
    token = csrf_of(client.get("/requests/new").text)
    form = {
        "csrf_token": token,
        "request_type": "subpoena",
        "authority": "Office of the Attorney General",
        "case_number": "AG-7",
        "campaigns": "C-medicare",
        "traceback_ids": "TB-1",
        "date_from": "2026-01-01",
        "date_to": "2026-01-31",
        "due_date": "2026-02-15",
        **fields,
    }
    return client.post("/requests", data=form, files={"document": (name, data, "application/pdf")})


def _error(r: httpx.Response) -> str:
    return r.text.split('id="error">', 1)[1].split("<", 1)[0]


def test_uploads_are_sniffed_limited_and_stored_by_hash(portal) -> None:
    inv = portal["investigator"]
    r = _file(inv, "subpoena.pdf", b"MZ\x90\x00 this is an executable, renamed")
    assert r.status_code == 400
    assert _error(r) == "the document is not a PDF (it does not start with %PDF-)"
    big = tiny_pdf() + b"%" + b"x" * LIMIT + b"\n%%EOF\n"
    r = _file(inv, "big.pdf", big)
    assert (
        r.status_code == 400
        and _error(r) == f"the document is {LIMIT + 1} bytes; the limit is {LIMIT} bytes"
    )
    # a zip bomb named .pdf: refused by its first bytes, never opened
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a.pdf", b"\0" * 50_000_000)
    assert len(bomb.getvalue()) < LIMIT
    r = _file(inv, "package.pdf", bomb.getvalue())
    assert r.status_code == 400 and "not a PDF" in _error(r)
    r = _file(inv, "x.pdf", tiny_pdf(), traceback_ids="../../etc/passwd")
    assert r.status_code == 400 and "is not a valid id" in _error(r)
    # a traversal in the uploaded file name: stored by its hash, the name is never used
    pdf = tiny_pdf("traversal")
    r = _file(inv, "../../../../evil.pdf", pdf)
    assert r.status_code == 303
    state = portal["server"].state
    import hashlib

    digest = hashlib.sha256(pdf).hexdigest()
    assert (state / "documents" / f"{digest}.pdf").read_bytes() == pdf
    assert not (state.parent / "evil.pdf").exists() and not list(state.rglob("evil*"))
    with portal["factory"]() as s:
        row = s.scalars(select(LegalRequest).where(LegalRequest.document_sha256 == digest)).one()
        assert (row.status, row.document_bytes) == ("submitted", len(pdf))


def test_whole_path_package_verifies_and_other_agency_sees_nothing(portal, tmp_path) -> None:
    inv, other, rev = portal["investigator"], portal["investigator_b"], portal["reviewer"]
    r = _file(inv, "subpoena.pdf", tiny_pdf(), alert_id=portal["alert"])
    assert r.status_code == 303
    rid = int(r.headers["location"].rsplit("/", 1)[1])
    # agency B: the same 404 as a request that does not exist, nothing of A's in it
    for path in (f"/requests/{rid}", f"/requests/{rid}/package", f"/requests/{rid}/document"):
        theirs, missing = (
            other.get(path),
            other.get("/requests/999999" + path[len(f"/requests/{rid}") :]),
        )
        assert theirs.status_code == missing.status_code == 404
        assert "AG-7" not in theirs.text and _error(theirs) == _error(missing)
    assert "AG-7" not in other.get("/requests").text
    assert portal["responder_a"].get("/requests").status_code == 403
    # the reviewer accepts with a reason; the package is built at once
    token = csrf_of(rev.get(f"/requests/{rid}").text)
    r = rev.post(
        f"/requests/{rid}/review", data={"csrf_token": token, "action": "accept", "reason": ""}
    )
    assert r.status_code == 400 and _error(r) == "give the reason for this decision"
    r = rev.post(
        f"/requests/{rid}/review",
        data={"csrf_token": token, "action": "accept", "reason": "valid subpoena"},
    )
    assert r.status_code == 303
    page = inv.get(f"/requests/{rid}").text
    assert 'id="status">fulfilled' in page
    package = inv.get(f"/requests/{rid}/package")
    assert package.status_code == 200
    path = tmp_path / "package.zip"
    path.write_bytes(package.content)
    done = subprocess.run(
        [sys.executable, "-m", "graphengine.cli.main", "evidence", "verify", str(path)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        alerts = json.loads(z.read("findings/alerts.json"))
        trail = json.loads(z.read("audit_trail.json"))
    assert names == {"manifest.json", "request.json", "findings/alerts.json", "traceback_ids.csv",
                     "reports_in_range.csv", "traceback_hops_in_range.csv", "audit_trail.json"}  # fmt: skip
    assert [a["alert_id"] for a in alerts] == [portal["alert"]]
    assert [e["action"] for e in trail] == ["request.submit", "request.accept"]
    with portal["factory"]() as s:
        downloads = s.scalars(
            select(AuditEntry).where(
                AuditEntry.target == f"request:{rid}", AuditEntry.action == "download.package"
            )
        ).all()
        assert [d.actor for d in downloads] == ["user:investigator"]
        mails = s.scalars(select(OutboxMessage).where(OutboxMessage.subject.contains("AG-7"))).all()
        assert {m.to_address for m in mails} == {"investigator"}
        assert "ready to download" in mails[0].body
    # withdrawing a fulfilled request is refused with the reason
    token = csrf_of(inv.get(f"/requests/{rid}").text)
    r = inv.post(f"/requests/{rid}/withdraw", data={"csrf_token": token})
    assert r.status_code == 400 and _error(r) == "a request that is fulfilled cannot be withdrawn"


def test_altered_audit_entry_is_named(portal) -> None:
    env = {**os.environ, "GRAPHENGINE_DATABASE_URL": portal["url"]}
    cmd = [sys.executable, "-m", "graphengine.cli.main", "platform", "audit", "verify"]
    ok = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stderr
    with session_scope(portal["factory"]) as s:
        seq = s.scalar(select(AuditEntry.seq).where(AuditEntry.action == "request.submit").limit(1))
        s.execute(update(AuditEntry).where(AuditEntry.seq == seq).values(actor="user:someone_else"))
    bad = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    assert bad.returncode != 0
    assert f"entry {seq} was altered (request.submit" in bad.stdout + bad.stderr


@pytest.mark.parametrize("kind", DB_KINDS)
def test_review_flow_and_package_on_both_databases(kind, tmp_path, monkeypatch) -> None:
    from graphengine.export.verify import verify_bundle
    from graphengine.platform.legal_service import RequestError, package_path, review

    monkeypatch.setenv("GRAPHENGINE_STATE_DIR", str(tmp_path / "state"))
    with fresh_database(kind, tmp_path) as url:
        seed_accounts(url)
        alert_id, _ = seed_alert(url)
        rid = seed_request(url, tmp_path / "state")
        factory = session_factory(make_engine(url))
        with session_scope(factory) as s:
            req = s.get(LegalRequest, rid)
            review(s, req, "user:reviewer", "start_review", "")
            with pytest.raises(RequestError, match="under review cannot be given 'start_review'"):
                review(s, req, "user:reviewer", "start_review", "")
            review(s, req, "user:reviewer", "request_changes", "name the carrier")
        with session_scope(factory) as s:
            req = s.get(LegalRequest, rid)
            review(s, req, "user:reviewer", "start_review", "")
            review(s, req, "user:reviewer", "accept", "in scope")
        with factory() as s:
            req = s.get(LegalRequest, rid)
            assert req.status == "fulfilled"
            report = verify_bundle(package_path(req.package_sha256))
            assert report.ok and len(report.verified) == 6
            actions = s.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.target == f"request:{rid}")
                .order_by(AuditEntry.seq)
            ).all()
            assert actions == ["request.submit", "request.start_review", "request.request_changes",
                               "request.start_review", "request.accept", "request.fulfil"]  # fmt: skip
            with zipfile.ZipFile(package_path(req.package_sha256)) as z:
                assert [a["alert_id"] for a in json.loads(z.read("findings/alerts.json"))] == [
                    alert_id
                ]
