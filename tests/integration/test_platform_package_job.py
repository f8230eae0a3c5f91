"""A legal request's response package is built by the job runner, not in the accepting request:
a build that fails (the engine's hop file it names is missing) leaves the request saying why,
audited, a reviewer's retry then builds it, and a retry of a fulfilled request is refused. On
SQLite and PostgreSQL, over HTTP against a real server whose own worker is off (the test runs the
platform's job runner, ``jobs.run_due``, itself)."""

from __future__ import annotations

import hashlib
import html
import io
import shutil
import zipfile
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from graphengine.platform import jobs
from graphengine.platform.db import make_engine, session_factory
from graphengine.platform.legal_models import LegalRequest
from graphengine.platform.models import AuditEntry
from tests.helpers.platform import (
    DB_KINDS,
    Server,
    csrf_of,
    fresh_database,
    login,
    seed_accounts,
    seed_alert,
    seed_request,
)

pytestmark = pytest.mark.slow
EVIDENCE_HOPS = Path(__file__).resolve().parents[1] / "data" / "platform" / "evidence_hops.csv"


def _cell(page: str, element_id: str) -> str:
    return html.unescape(page.split(f'id="{element_id}">', 1)[1].split("<", 1)[0])


def _status(page: str) -> str:
    """The status cell, without the overdue mark (the seeded request's due date has passed)."""
    return _cell(page, "status").removesuffix(" (overdue)")


def _post(client: httpx.Client, path: str, **data: str) -> httpx.Response:
    """POST a form to ``path`` with the CSRF token of the client's session."""
    token = csrf_of(client.get("/reports").text)
    return client.post(path, data={"csrf_token": token, **data})


@pytest.mark.parametrize("kind", DB_KINDS)
def test_failed_package_says_why_and_a_retry_builds_it(kind, tmp_path, monkeypatch) -> None:
    state = tmp_path / "state"
    hops = tmp_path / "engine" / "hops.csv"  # the engine's data: named, not there yet
    with fresh_database(kind, tmp_path) as url:
        acc = seed_accounts(url)
        seed_alert(url)
        rid = seed_request(url, state)
        monkeypatch.setenv("GRAPHENGINE_JOBS", "0")
        server = Server(url, state).start()
        # the job runs here: the state folder is the server's, the hop file the one named above
        monkeypatch.setenv("GRAPHENGINE_STATE_DIR", str(state))
        monkeypatch.setenv("GRAPHENGINE_EVIDENCE_HOPS", str(hops))
        engine = make_engine(url)
        factory = session_factory(engine)
        rev = login(server.base, "reviewer", acc.users["reviewer"])
        inv = login(server.base, "investigator", acc.users["investigator"])
        page_url = f"/requests/{rid}"
        try:
            r = _post(rev, f"{page_url}/review", action="accept", reason="in scope")
            assert r.status_code == 303
            assert _status(inv.get(page_url).text) == "accepted: package being prepared"
            # the build fails: the request says so with the reason, audited; the job is failed
            assert jobs.run_due(factory) == 1
            reason = f"the engine's evidence could not be read: GRAPHENGINE_EVIDENCE_HOPS: {hops}: no such file"  # fmt: skip
            page = rev.get(page_url).text
            assert _status(page) == "accepted: package failed"
            assert _cell(page, "package-error") == reason and 'id="retry"' in page
            theirs = inv.get(page_url).text  # the agency: failed, without the server's path
            assert (
                _cell(theirs, "package-state") == "could not be prepared; a reviewer can retry it"
            )
            assert str(hops) not in theirs and 'id="retry"' not in theirs
            with factory() as s:
                job = s.scalars(select(jobs.Job).where(jobs.Job.kind == "legal.package")).one()
                assert (job.state, job.last_error) == ("failed", f"RuntimeError: {reason}")
                failed = s.scalars(
                    select(AuditEntry).where(AuditEntry.action == "request.package_failed")
                ).one()
                assert (failed.actor, failed.target, failed.detail) == (
                    "system", f"request:{rid}", {"error": reason})  # fmt: skip
            # the agency cannot retry; while failed, the package is still not downloadable
            assert _post(inv, f"{page_url}/package/retry").status_code == 403
            assert inv.get(f"{page_url}/package").status_code == 404
            # the file is put back; the reviewer retries without anyone filing again
            hops.parent.mkdir()
            shutil.copyfile(EVIDENCE_HOPS, hops)
            assert _post(rev, f"{page_url}/package/retry").status_code == 303
            assert _status(rev.get(page_url).text) == "accepted: package being prepared"
            again = _post(rev, f"{page_url}/package/retry")
            assert (again.status_code, _cell(again.text, "error")) == (
                400, "the response package is being prepared; wait for it to finish")  # fmt: skip
            jobs.run_due(factory)
            with factory() as s:
                req = s.get(LegalRequest, rid)
                trail = s.scalars(
                    select(AuditEntry)
                    .where(AuditEntry.target == f"request:{rid}")
                    .order_by(AuditEntry.seq)
                ).all()
                states = s.scalars(
                    select(jobs.Job.state)
                    .where(jobs.Job.kind == "legal.package")
                    .order_by(jobs.Job.id)
                ).all()
            assert (req.status, states) == ("fulfilled", ["failed", "done"])
            assert [(e.actor, e.action) for e in trail] == [
                ("user:investigator", "request.submit"),
                ("user:reviewer", "request.accept"),
                ("system", "request.package_failed"),
                ("user:reviewer", "request.package_retry"),
                ("system", "request.fulfil"),
            ]
            package = inv.get(f"{page_url}/package")
            assert package.status_code == 200
            assert hashlib.sha256(package.content).hexdigest() == req.package_sha256
            with zipfile.ZipFile(io.BytesIO(package.content)) as z:
                # drawn from the file put back; the package's trail tells of the failure
                assert "evidence/01-campaign-c-medicare/manifest.json" in z.namelist()
                assert b"request.package_failed" in z.read("audit_trail.json")
            # a retry once fulfilled is refused with the reason, and changes nothing
            refused = _post(rev, f"{page_url}/package/retry")
            assert refused.status_code == 400
            assert (
                _cell(refused.text, "error")
                == "the response package is already built; there is nothing to retry"
            )
            assert _status(refused.text) == "fulfilled"
        finally:
            rev.close()
            inv.close()
            server.stop()
            engine.dispose()
