"""The legal-process portal over HTTP: uploads are sniffed and limited and stored by hash, an agency
sees only its own requests, a reviewer's acceptance produces a package that `graphengine evidence
verify` passes, downloads are audited, and an altered audit entry is named by `audit verify`."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, update

from graphengine.platform import jobs
from graphengine.platform.admin import create_org, create_user
from graphengine.platform.db import make_engine, session_factory, session_scope
from graphengine.platform.legal_models import LegalRequest, OutboxMessage
from graphengine.platform.legal_service import build_package
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
EVIDENCE_HOPS = Path(__file__).resolve().parents[1] / "data" / "platform" / "evidence_hops.csv"


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
        os.environ["GRAPHENGINE_EVIDENCE_HOPS"] = str(EVIDENCE_HOPS)
        os.environ["GRAPHENGINE_JOBS"] = "0"  # the tests run the jobs (jobs.run_due) themselves
        try:
            server.start()
        finally:
            del os.environ["GRAPHENGINE_MAX_DOCUMENT_BYTES"]
            del os.environ["GRAPHENGINE_EVIDENCE_HOPS"]
            del os.environ["GRAPHENGINE_JOBS"]
        clients = {u: login(server.base, u, acc.users[u]) for u in
                   ["investigator", "investigator_b", "reviewer", "responder_a"]}  # fmt: skip
        try:
            yield {"server": server, "url": url, "factory": factory, "alert": alert_id,
                   "secrets": acc.users, **clients}  # fmt: skip
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
        and _error(r) == f"the document is larger than the limit of {LIMIT} bytes"
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
    digest = hashlib.sha256(pdf).hexdigest()
    assert (state / "documents" / f"{digest}.pdf").read_bytes() == pdf
    assert not (state.parent / "evil.pdf").exists() and not list(state.rglob("evil*"))
    with portal["factory"]() as s:
        row = s.scalars(select(LegalRequest).where(LegalRequest.document_sha256 == digest)).one()
        assert (row.status, row.document_bytes) == ("submitted", len(pdf))


def test_whole_path_package_verifies_and_other_agency_sees_nothing(
    portal, tmp_path, monkeypatch
) -> None:
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
    # the reviewer accepts with a reason; the package is the job runner's work
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
    for client in (inv, rev):  # the answer came before any package: both see it being prepared
        page = client.get(f"/requests/{rid}").text
        assert 'id="status">accepted: package being prepared' in page
        assert 'id="package-state">being prepared;' in page and 'id="package"' not in page
    none_yet = inv.get(f"/requests/{rid}/package")
    assert (
        none_yet.status_code == 404
        and _error(none_yet) == "this request has no response package yet"
    )
    # the package built by calling the builder directly (another folder), before the job runs
    monkeypatch.setenv("GRAPHENGINE_EVIDENCE_HOPS", str(EVIDENCE_HOPS))
    monkeypatch.setenv("GRAPHENGINE_STATE_DIR", str(tmp_path / "direct"))
    with portal["factory"]() as s:
        direct = build_package(s, s.get(LegalRequest, rid))
    # the job runner of the platform (the server's worker is off here) builds it
    monkeypatch.setenv("GRAPHENGINE_STATE_DIR", str(portal["server"].state))
    jobs.run_due(portal["factory"])
    with portal["factory"]() as s:
        req = s.get(LegalRequest, rid)
        job = s.scalars(select(jobs.Job).where(jobs.Job.kind == "legal.package")).one()
        assert (req.status, job.state, job.last_error) == ("fulfilled", "done", None)
    page = inv.get(f"/requests/{rid}").text
    assert 'id="status">fulfilled' in page and 'id="package-state"' not in page
    package = inv.get(f"/requests/{rid}/package")
    assert package.status_code == 200
    path = tmp_path / "package.zip"
    path.write_bytes(package.content)
    # the recorded SHA-256 is the file's, and the same as the direct build's (same bytes)
    assert req.package_sha256 == hashlib.sha256(package.content).hexdigest() == direct
    assert (tmp_path / "direct" / "packages" / f"{direct}.zip").read_bytes() == package.content
    done = subprocess.run(
        [sys.executable, "-m", "graphengine.cli.main", "evidence", "verify", str(path)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        alerts = json.loads(z.read("findings/alerts.json"))
        trail = json.loads(z.read("audit_trail.json"))
    # the engine's bundle of the campaign target, drawn from the configured hop file
    bundle = "evidence/01-campaign-c-medicare/"
    assert {n for n in names if not n.startswith(bundle)} == {"manifest.json", "request.json",
        "findings/alerts.json", "traceback_ids.csv", "reports_in_range.csv", "traceback_hops_in_range.csv",
        "audit_trail.json",
        "evidence/index.json"}  # fmt: skip
    assert {bundle + "manifest.json", bundle + "figures/ecosystem.html"} <= names
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
            assert s.get(LegalRequest, rid).status == "accepted"  # the package is being prepared
        assert jobs.run_due(factory) == 1
        with factory() as s:
            req = s.get(LegalRequest, rid)
            assert req.status == "fulfilled"
            report = verify_bundle(package_path(req.package_sha256))
            assert report.ok and len(report.verified) == 7  # no engine source: evidence/index.json
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


def _actions(portal: dict, target: str) -> list[str]:
    with portal["factory"]() as s:
        query = select(AuditEntry.action).where(AuditEntry.target == target)
        return list(s.scalars(query.order_by(AuditEntry.seq)))


def _api_session(base: str, user: str, secret: str | None) -> tuple[httpx.Client, str]:
    """A client logged in through the JSON API, and its CSRF token."""
    import pyotp

    client = httpx.Client(base_url=base, timeout=60)
    code = pyotp.TOTP(secret).now() if secret else ""
    r = client.post("/api/v1/session", json={"username": user, "password": PASSWORD, "code": code})
    assert r.status_code == 200, r.text
    return client, r.json()["csrf_token"]


def _api_file(client: httpx.Client, token: str, name: str, data: bytes, **fields: str):
    form = {"request_type": "cid", "authority": "Office of the AG", "case_number": "AG-API-1",
            "due_date": "2026-02-15", "date_from": "2026-01-01", "date_to": "2026-01-31", **fields}  # fmt: skip
    return client.post(
        "/api/v1/requests",
        data=form,
        files={"document": (name, data, "application/pdf")},
        headers={"X-CSRF-Token": token},
    )


def test_json_api_files_requests_with_the_pages_checks(portal) -> None:
    base, secrets = portal["server"].base, portal["secrets"]
    # the JSON login needs the TOTP code like the page: a wrong one is the same 401
    with httpx.Client(base_url=base) as c:
        wrong = {"username": "investigator", "password": PASSWORD, "code": "000000"}
        r = c.post("/api/v1/session", json=wrong)
        assert r.status_code == 401 and r.json() == {"error": "wrong user name, password or code"}
        assert "ge_session" not in r.cookies
        assert c.post("/api/v1/session", data=wrong).status_code == 415
    inv, token = _api_session(base, "investigator", secrets["investigator"])
    other, other_token = _api_session(base, "investigator_b", secrets["investigator_b"])
    try:
        pdf = tiny_pdf("api subpoena")
        # no CSRF header: refused before anything is stored
        r = inv.post(
            "/api/v1/requests", data={"providers": "x"}, files={"document": ("a.pdf", pdf)}
        )
        assert r.status_code == 403 and "CSRF token missing or wrong" in r.json()["error"]
        errors = {
            "an executable renamed .pdf": (_api_file(inv, token, "a.pdf", b"MZ\x90\x00 renamed",
                providers="Gateway Telecom"), "the document is not a PDF (it does not start with %PDF-)"),
            "over the limit": (_api_file(inv, token, "big.pdf", tiny_pdf() + b"%" + b"x" * LIMIT,
                providers="Gateway Telecom"), f"the document is larger than the limit of {LIMIT} bytes"),
            "a traversal as a target": (_api_file(inv, token, "a.pdf", pdf,
                traceback_ids="../../etc/passwd"), "traceback id '../../etc/passwd' is not a valid id "
                "(letters, digits, . _ : + -)"),
            "a slash in a provider": (_api_file(inv, token, "a.pdf", pdf, providers="../x"),
                "provider '../x' is not a valid id (letters, digits, spaces, . _ & ' ( ) + : -)"),
        }  # fmt: skip
        bomb = io.BytesIO()
        with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("inner.pdf", b"\0" * 50_000_000)
        r = _api_file(inv, token, "package.pdf", bomb.getvalue(), providers="Gateway Telecom")
        errors["a zip bomb named .pdf"] = (
            r,
            "the document is not a PDF (it does not start with %PDF-)",
        )
        got = {k: (r.status_code, r.json()["error"]) for k, (r, _) in errors.items()}
        assert got == {k: (400, msg) for k, (_, msg) in errors.items()}
        # a good one, the targets as repeated fields and comma lists; the uploaded name is unused
        r = inv.post(
            "/api/v1/requests",
            data={"request_type": "cid", "authority": "Office of the AG", "case_number": "AG-API-1",
                  "due_date": "2026-02-15", "providers": ["Gateway Telecom", "middle transit"],
                  "campaigns": "C-medicare, Auto warranty"},
            files={"document": ("../../../../evil.pdf", pdf, "application/pdf")},
            headers={"X-CSRF-Token": token},
        )  # fmt: skip
        assert r.status_code == 201, r.text
        made = r.json()
        rid = made["id"]
        assert r.headers["location"] == f"/api/v1/requests/{rid}"
        assert (made["status"], made["case_number"], made["targets"]["providers"]) == (
            "submitted", "AG-API-1", ["Gateway Telecom", "middle transit"])  # fmt: skip
        assert made["targets"]["campaigns"] == ["Auto warranty", "C-medicare"]
        state = portal["server"].state
        assert made["document_sha256"] == hashlib.sha256(pdf).hexdigest()
        assert (state / "documents" / f"{made['document_sha256']}.pdf").read_bytes() == pdf
        assert not list(state.parent.rglob("evil*"))
        assert rid in [x["id"] for x in inv.get("/api/v1/requests").json()["items"]]
        assert inv.get(f"/api/v1/requests/{rid}/document").content == pdf
        # agency B: the same 404 as a request that does not exist, and not in its list
        for tail in ("", "/document", "/package"):
            theirs = other.get(f"/api/v1/requests/{rid}{tail}")
            missing = other.get(f"/api/v1/requests/999999{tail}")
            assert theirs.status_code == missing.status_code == 404
            assert theirs.json() == missing.json() == {"error": "no such request"}
        r = other.post(f"/api/v1/requests/{rid}/withdraw", headers={"X-CSRF-Token": other_token})
        assert r.status_code == 404 and "AG-API-1" not in r.text
        assert rid not in [x["id"] for x in other.get("/api/v1/requests").json()["items"]]
        # a responder (carrier) reaches neither the pages nor the API of the portal
        assert portal["responder_a"].get("/api/v1/requests").status_code == 403
        assert portal["responder_a"].get(f"/api/v1/requests/{rid}").status_code == 403
        # the agency withdraws; a second time is refused with the reason
        r = inv.post(f"/api/v1/requests/{rid}/withdraw", headers={"X-CSRF-Token": token})
        assert r.status_code == 200 and r.json()["status"] == "withdrawn"
        r = inv.post(f"/api/v1/requests/{rid}/withdraw", headers={"X-CSRF-Token": token})
        assert r.json() == {"error": "a request that is withdrawn cannot be withdrawn"}
    finally:
        inv.close()
        other.close()
    assert _actions(portal, f"request:{rid}") == [
        "request.submit",
        "download.document",
        "request.withdraw",
    ]


def test_json_api_manages_only_the_agencys_own_subscriptions(portal) -> None:
    base, secrets = portal["server"].base, portal["secrets"]
    inv, token = _api_session(base, "investigator", secrets["investigator"])
    other, other_token = _api_session(base, "investigator_b", secrets["investigator_b"])
    try:
        body = {"name": "Gateways", "states": ["ny"], "providers": ["gateway telecom"],
                "kinds": ["new_gateway"], "webhook_url": "https://hooks.example.org/ge"}  # fmt: skip
        bad = inv.post("/api/v1/subscriptions", json={**body, "states": "NY"},
                       headers={"X-CSRF-Token": token})  # fmt: skip
        assert (bad.status_code, bad.json()) == (400, {"error": "states must be a list of strings"})
        bad = inv.post("/api/v1/subscriptions", json={**body, "kinds": ["weather"]},
                       headers={"X-CSRF-Token": token})  # fmt: skip
        assert bad.status_code == 400 and "weather" in bad.json()["error"]
        r = inv.post("/api/v1/subscriptions", json=body, headers={"X-CSRF-Token": token})
        assert r.status_code == 201, r.text
        made = r.json()
        sid = made["id"]
        assert made["webhook_secret"].startswith("whsec_") and made["states"] == ["NY"]
        shown = inv.get(f"/api/v1/subscriptions/{sid}").json()
        assert "webhook_secret" not in shown and shown["name"] == "Gateways"
        listed = inv.get("/api/v1/subscriptions").json()["items"]
        assert sid in [x["id"] for x in listed] and all("webhook_secret" not in x for x in listed)
        # agency B neither sees nor stops it: the same 404 as a subscription that does not exist
        assert sid not in [x["id"] for x in other.get("/api/v1/subscriptions").json()["items"]]
        for method in ("GET", "DELETE"):
            theirs = other.request(method, f"/api/v1/subscriptions/{sid}",
                                   headers={"X-CSRF-Token": other_token})  # fmt: skip
            missing = other.request(method, "/api/v1/subscriptions/999999",
                                    headers={"X-CSRF-Token": other_token})  # fmt: skip
            assert theirs.status_code == missing.status_code == 404
            assert theirs.json() == missing.json() == {"error": "no such subscription"}
        r = inv.delete(f"/api/v1/subscriptions/{sid}", headers={"X-CSRF-Token": token})
        assert r.status_code == 200 and r.json()["active"] is False
    finally:
        inv.close()
        other.close()
    assert _actions(portal, f"subscription:{sid}") == [
        "subscription.create",
        "subscription.deactivate",
    ]
