"""Alert delivery: signed webhooks to a real local HTTP receiver, Atom/JSON feeds, STIX 2.1."""

from __future__ import annotations

import json
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from stix2validator import ValidationOptions, validate_string

from graphengine.alerts import Alert, ProviderRef, atom_feed, json_feed
from graphengine.alerts.stix import stix_json
from graphengine.alerts.webhooks import (
    WebhookVerificationError,
    deliver,
    new_secret,
    signed_request,
    verify,
)
from graphengine.errors import ConfigError

ALERT = Alert(
    kind="surge",
    occurred_at=datetime(2026, 1, 10, 12, 0, tzinfo=UTC),
    reason="surge: 40 reports against a baseline of 3.0",
    campaign_id="C-1",
    magnitude=40,
    baseline=3,
    signature={"representative": "about your car warranty", "callback_numbers": ["+18005550100"]},
    providers=(ProviderRef("acme", "Acme Telecom", ("gateway",), ("C",), 2),),
    traceback_ids=("T1", "T2"),
    report_ids=("R1",),
    states=("NY",),
)
OTHER = Alert(
    kind="newly_noncooperative",
    occurred_at=datetime(2026, 1, 11, tzinfo=UTC),
    reason="acme became non-cooperative",
    provider_key="acme",
    traceback_ids=("T3",),
)


class _Receiver:
    """A real HTTP server on loopback that answers with a programmed list of statuses and checks
    each delivery's signature with the receiver's secret, the way a subscriber would."""

    def __init__(self, secret: str, statuses: list[int]) -> None:
        self.secret, self.statuses, self.seen = secret, statuses, []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["content-length"]))
                try:
                    payload = verify(receiver.secret, dict(self.headers), body)
                    receiver.seen.append(("verified", self.headers["webhook-id"], payload))
                except WebhookVerificationError as exc:
                    receiver.seen.append(("refused", self.headers.get("webhook-id"), str(exc)))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> _Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def secret() -> Iterator[str]:
    yield new_secret()


def test_a_delivery_is_retried_after_a_500_and_verifies_with_the_receivers_secret(
    secret: str,
) -> None:
    waits: list[float] = []
    with _Receiver(secret, [500, 200]) as receiver:
        attempts = deliver(
            receiver.url,
            secret,
            ALERT.alert_id,
            ALERT.to_dict(),
            backoff=(0.5, 1.0),
            sleep=waits.append,
        )
    assert [(a.attempt, a.status, a.ok) for a in attempts] == [(1, 500, False), (2, 200, True)]
    assert waits == [0.5]
    assert [s[0] for s in receiver.seen] == ["verified", "verified"]
    assert receiver.seen[1][1] == ALERT.alert_id
    assert receiver.seen[1][2]["traceback_ids"] == ["T1", "T2"]


def test_a_4xx_is_not_retried_and_a_dead_receiver_exhausts_the_schedule(secret: str) -> None:
    with _Receiver(secret, [410]) as receiver:
        attempts = deliver(
            receiver.url, secret, "m1", {"a": 1}, backoff=(0.1, 0.1), sleep=lambda s: None
        )
    assert [(a.status, a.waited_after) for a in attempts] == [(410, 0.0)]
    with _Receiver(secret, []) as receiver:
        url = receiver.url
    attempts = deliver(
        url, secret, "m2", {"a": 1}, backoff=(0.1, 0.2), sleep=lambda s: None, timeout=2
    )
    assert [a.status for a in attempts] == [None, None, None]
    assert attempts[-1].error and not attempts[-1].ok
    with pytest.raises(ConfigError, match="http:// or https://"):
        deliver("file:///etc/passwd", secret, "m3", {})


def test_a_tampered_or_expired_or_foreign_signature_is_refused(secret: str) -> None:
    headers, body = signed_request(secret, "m1", {"alert": "x"})
    assert verify(secret, headers, body) == {"alert": "x"}
    with pytest.raises(WebhookVerificationError):
        verify(secret, headers, body.replace(b"x", b"y"))
    with pytest.raises(WebhookVerificationError):
        verify(new_secret(), headers, body)
    old_headers, old_body = signed_request(
        secret, "m1", {"alert": "x"}, at=datetime.now(tz=UTC) - timedelta(minutes=10)
    )
    with pytest.raises(WebhookVerificationError):
        verify(secret, old_headers, old_body)
    with pytest.raises(ConfigError, match="secret"):
        signed_request("not a secret!", "m1", {})


def test_atom_and_json_feeds_list_alerts_newest_first_with_stable_ids() -> None:
    xml = atom_feed(
        [ALERT, OTHER],
        feed_id="urn:graphengine:feed:ny-ag",
        title="NY AG alerts",
        updated=OTHER.occurred_at,
        link="http://127.0.0.1:8000/feeds/ny-ag.atom",
    )
    root = ET.fromstring(xml)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = root.findall("a:entry", ns)
    assert [e.find("a:id", ns).text for e in entries] == [
        f"urn:graphengine:alert:{OTHER.alert_id}",
        f"urn:graphengine:alert:{ALERT.alert_id}",
    ]
    assert entries[1].find("a:title", ns).text == "[TLP:AMBER] surge: C-1"
    assert json.loads(entries[1].find("a:content", ns).text)["magnitude"] == 40
    feed = json_feed([ALERT, OTHER], title="NY AG alerts", feed_url="http://127.0.0.1:8000/f.json")
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert [i["date_published"] for i in feed["items"]] == [
        "2026-01-11T00:00:00Z",
        "2026-01-10T12:00:00Z",
    ]


def test_stix_bundle_validates_and_is_reproducible() -> None:
    text = stix_json([ALERT, OTHER])
    result = validate_string(text, ValidationOptions(version="2.1"))
    assert result.is_valid, [str(e) for e in result.errors]
    assert result.errors == []
    bundle = json.loads(text)
    types = sorted(o["type"] for o in bundle["objects"])
    assert types.count("report") == 2
    assert {"campaign", "sighting", "observed-data", "phone-number", "extension-definition"} <= set(
        types
    )
    phone = next(o for o in bundle["objects"] if o["type"] == "phone-number")
    assert phone["value"] == "+18005550100"
    sighting = next(o for o in bundle["objects"] if o["type"] == "sighting")
    assert sighting["count"] == 2
    assert stix_json([OTHER, ALERT]) == text
    with pytest.raises(ConfigError, match="no alerts"):
        stix_json([])
