"""Alerts on the platform: storage is idempotent, webhooks reach a real receiver through the job
runner (signed, retried after a 500, every attempt logged), and agencies' feeds, STIX export and
subscriptions show each agency only its own."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select
from stix2validator import ValidationOptions, validate_string

from graphengine.alerts.webhooks import verify
from graphengine.platform import jobs
from graphengine.platform.admin import create_api_key, create_org, create_user
from graphengine.platform.alert_models import AlertRow, Delivery
from graphengine.platform.alert_service import (
    INGEST_JOB,
    agency_alerts,
    create_subscription,
    deactivate_subscription,
    org_subscriptions,
    store_alerts,
)
from graphengine.platform.db import make_engine, session_factory, session_scope
from graphengine.platform.legal_service import create_request, parse_targets, review
from graphengine.platform.models import Organization, utcnow
from tests.helpers.platform import (
    DB_KINDS,
    PASSWORD,
    Server,
    fresh_database,
    key_client,
    seed_accounts,
    surge_alert,
    tiny_pdf,
)

pytestmark = pytest.mark.slow


class Receiver:
    """A real HTTP server on a free loopback port answering the queued statuses (then 200)."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses, self.got = list(statuses), []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["content-length"]))
                outer.got.append((dict(self.headers), body))
                self.send_response(outer.statuses.pop(0) if outer.statuses else 200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver([500])
    yield r
    r.close()


@pytest.mark.parametrize("kind", DB_KINDS)
def test_delivery_job_signs_retries_after_500_and_logs_attempts(
    kind, tmp_path, receiver, monkeypatch
) -> None:
    monkeypatch.setenv("GRAPHENGINE_STATE_DIR", str(tmp_path / "state"))
    with fresh_database(kind, tmp_path) as url:
        factory = session_factory(make_engine(url))
        with session_scope(factory) as s:
            org = create_org(s, "State AG", "agency")
            other = create_org(s, "Far AG", "agency")
            sub, secret = create_subscription(
                s, org, "test", name="NY", states=["ny"], webhook_url=receiver.url
            )
            create_subscription(
                s, other, "test", name="CA", states=["CA"], webhook_url=receiver.url
            )
            assert secret and secret.startswith("whsec_")
            new = store_alerts(s, [surge_alert()])
        assert len(new) == 1
        with session_scope(factory) as s:  # the same event again: nothing new, no second delivery
            assert store_alerts(s, [surge_alert()]) == []
        assert jobs.run_due(factory) == 1  # one matching subscription (NY), not CA
        with factory() as s:
            (first,) = s.scalars(select(Delivery)).all()
            assert (first.attempt, first.http_status, first.ok) == (1, 500, False)
            retry = s.scalars(select(jobs.Job).where(jobs.Job.state == "queued")).one()
            assert retry.due_at > utcnow()  # backed off, not due yet
        assert jobs.run_due(factory) == 0
        with session_scope(factory) as s:
            s.get(jobs.Job, retry.id).due_at = utcnow() - dt.timedelta(seconds=1)
        assert jobs.run_due(factory) == 1
        with factory() as s:
            rows = s.scalars(select(Delivery).order_by(Delivery.attempt)).all()
            assert [(d.attempt, d.http_status, d.ok) for d in rows] == [
                (1, 500, False),
                (2, 200, True),
            ]
            assert s.scalars(select(jobs.Job).where(jobs.Job.state == "queued")).all() == []
        assert len(receiver.got) == 2
        headers, body = receiver.got[1]
        payload = verify(secret, headers, body)
        assert payload["data"]["alert_id"] == new[0]
        assert payload["data"]["states"] == ["NY"]
        tampered = body.replace(b"NY", b"NJ")
        with pytest.raises(Exception, match="[Ss]ignature"):
            verify(secret, headers, tampered)
        # a fulfilled legal request notifies the same webhook, signed the same way
        with session_scope(factory) as s:
            user = create_user(s, "State AG", "inv", "investigator", PASSWORD).user
            req = create_request(
                s, user, request_type="cid", authority="AG", case_number="CID-1",
                document=tiny_pdf(), targets=parse_targets([], ["C-medicare"], [], "", ""),
                due_date="2099-01-01",
            )  # fmt: skip
            review(s, req, "user:reviewer", "accept", "in scope")
        # two jobs: the package's, then the webhook that its fulfilment queued
        assert jobs.run_due(factory) == 2
        event = verify(secret, *receiver.got[2])
        assert event["type"] == "request.fulfilled"
        assert event["data"] == {"request_id": req.id, "status": "fulfilled"}


@pytest.mark.parametrize("kind", DB_KINDS)
def test_ingest_job_turns_campaign_events_into_alerts_once(kind, tmp_path) -> None:
    events = [
        {"kind": "surge", "campaign_id": "C9", "time": "2026-02-01T00:00:00Z", "magnitude": 90,
         "baseline": 4, "report_ids": "r1;r2", "traceback_ids": "TB-9"},
        {"kind": "surge", "campaign_id": "C8", "time": "2026-02-02T00:00:00Z", "magnitude": 50,
         "baseline": 5, "report_ids": "r3", "traceback_ids": ""},
    ]  # fmt: skip
    with fresh_database(kind, tmp_path) as url:
        factory = session_factory(make_engine(url))
        with session_scope(factory) as s:
            jobs.enqueue(s, INGEST_JOB, {"events": events})
            jobs.enqueue(s, INGEST_JOB, {"events": events})  # the same events twice
        assert jobs.run_due(factory) == 2
        with factory() as s:
            assert {j.state for j in s.scalars(select(jobs.Job))} == {"done"}
            rows = s.scalars(select(AlertRow).order_by(AlertRow.campaign_id)).all()
            assert [(r.campaign_id, r.kind) for r in rows] == [("C8", "surge"), ("C9", "surge")]
            assert rows[1].payload["traceback_ids"] == ["TB-9"]
    # findings: a provider newly non-cooperative, and an RMD-removed one still carrying traffic
    hops = [
        {"traceback_id": t, "hop": 1, "provider_key": p, "provider": p.title(), "role": "gateway",
         "attestation": "C", "campaign": "C9", "call_time": at}
        for t, p, at in [("T4", "gw-b", "2026-01-03T10:00Z"), ("T5", "gw-b", "2026-01-05T10:00Z")]
    ]  # fmt: skip
    findings = {
        "hops": hops,
        "noncooperation": [
            {
                "provider_key": "gw-b",
                "noncooperative": True,
                "nonresponse_tracebacks": 2,
                "reasons": "no response on 2 of 2",
                "traceback_ids": "T4;T5",
            }
        ],  # fmt: skip
        "providers": [{"provider_key": "gw-b", "rmd_removed_on": "2026-01-04T12:00Z"}],
        "previous_noncooperative": [],
    }
    (tmp_path / "findings").mkdir()
    with fresh_database(kind, tmp_path / "findings") as url:
        factory = session_factory(make_engine(url))
        with session_scope(factory) as s:
            jobs.enqueue(s, INGEST_JOB, findings)
        assert jobs.run_due(factory) == 1
        with factory() as s:
            rows = s.scalars(select(AlertRow).order_by(AlertRow.kind)).all()
            got = [(r.kind, r.provider_key, r.payload["traceback_ids"]) for r in rows]
            assert got == [
                ("newly_noncooperative", "gw-b", ["T4", "T5"]),
                ("rmd_removed_carrying", "gw-b", ["T5"]),
            ]


@pytest.fixture(scope="module")
def two_agencies(tmp_path_factory) -> Iterator[dict]:
    folder = tmp_path_factory.mktemp("alerts")
    with fresh_database("sqlite", folder) as url:
        acc = seed_accounts(url)
        factory = session_factory(make_engine(url))
        with session_scope(factory) as s:
            ag = s.scalar(select(Organization).where(Organization.name == "State AG"))
            other = create_org(s, "Other AG", "agency")
            create_user(s, "Other AG", "investigator_b", "investigator", PASSWORD)
            sub_a, _ = create_subscription(s, ag, "test", name="NY medicare", states=["NY"])
            sub_b, _ = create_subscription(s, other, "test", name="secret-name-B", states=["CA"])
            keys = {
                "a": create_api_key(s, "State AG", "feed", ["alerts:read"], 1000)[1],
                "b": create_api_key(s, "Other AG", "feed", ["alerts:read"], 1000)[1],
            }
            (ny,) = store_alerts(s, [surge_alert(5, "NY")])
            (ca,) = store_alerts(s, [surge_alert(6, "CA", "C-auto")])
            ids = {"sub_a": sub_a.id, "sub_b": sub_b.id, "ny": ny, "ca": ca}
        server = Server(url, folder / "state").start()
        try:
            yield {"base": server.base, "keys": keys, "acc": acc, **ids}
        finally:
            server.stop()


def test_feeds_and_stix_hold_only_the_agencys_alerts(two_agencies) -> None:
    w = two_agencies
    with key_client(w["base"], w["keys"]["a"]) as a, key_client(w["base"], w["keys"]["b"]) as b:
        feed = a.get("/api/v1/alerts/feed.json").json()
        assert [i["_graphengine"]["alert_id"] for i in feed["items"]] == [w["ny"]]
        feed_b = b.get("/api/v1/alerts/feed.json").json()
        assert [i["_graphengine"]["alert_id"] for i in feed_b["items"]] == [w["ca"]]
        atom = a.get("/api/v1/alerts/feed.atom")
        assert atom.headers["content-type"].startswith("application/atom+xml")
        assert atom.text.count("<entry>") == 1 and w["ny"] in atom.text and w["ca"] not in atom.text
        stix = a.get("/api/v1/alerts/stix")
        assert stix.status_code == 200
        result = validate_string(stix.text, ValidationOptions(version="2.1"))
        assert result.is_valid, result.as_dict()
        assert "C-auto" not in stix.text and "C-medicare" in stix.text
        bundle = json.loads(stix.text)
        assert {"campaign", "sighting", "identity"} <= {o["type"] for o in bundle["objects"]}


def test_agency_b_cannot_read_agency_as_subscription_or_alert(two_agencies) -> None:
    w = two_agencies
    with key_client(w["base"], w["keys"]["b"]) as b, key_client(w["base"], w["keys"]["a"]) as a:
        theirs = b.get(f"/api/v1/subscriptions/{w['sub_a']}")
        missing = b.get("/api/v1/subscriptions/999999")
        assert theirs.status_code == missing.status_code == 404
        assert theirs.json() == missing.json() == {"error": "no such subscription"}
        assert b.get(f"/api/v1/alerts/{w['ny']}").json() == {"error": "no such alert"}
        assert b.get(f"/api/v1/alerts/{w['ca']}").json()["alert_id"] == w["ca"]
        own = a.get(f"/api/v1/subscriptions/{w['sub_a']}").json()
        assert own["name"] == "NY medicare" and "webhook_secret" not in own
        assert "secret-name-B" not in a.get(f"/api/v1/subscriptions/{w['sub_b']}").text


@pytest.mark.parametrize("kind", DB_KINDS)
def test_a_deactivated_subscription_leaves_the_alert_list(kind, tmp_path) -> None:
    """The list follows active subscriptions only; ``org_subscriptions`` still returns the
    deactivated one (the alert page stays readable through it), oldest first."""
    with fresh_database(kind, tmp_path) as url:
        factory = session_factory(make_engine(url))
        with session_scope(factory) as s:
            org = create_org(s, "Third AG", "agency")
            ny_sub, _ = create_subscription(s, org, "test", name="NY", states=["NY"])
            ca_sub, _ = create_subscription(s, org, "test", name="CA", states=["CA"])
            (ny,) = store_alerts(s, [surge_alert(5, "NY")])
            (ca,) = store_alerts(s, [surge_alert(6, "CA", "C-auto")])
            assert {r.alert_id for r in agency_alerts(s, org.id)} == {ny, ca}
            deactivate_subscription(s, ca_sub, "test")
            assert [x.id for x in org_subscriptions(s, org.id)] == [ny_sub.id, ca_sub.id]
            assert [x.id for x in org_subscriptions(s, org.id, active_only=True)] == [ny_sub.id]
            assert [r.alert_id for r in agency_alerts(s, org.id)] == [ny]
            assert {r.alert_id for r in agency_alerts(s, None)} == {ny, ca}
