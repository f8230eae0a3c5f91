"""The intake and browsing API against a real uvicorn process, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from tests.helpers.platform import (
    DB_KINDS,
    Accounts,
    Server,
    fresh_database,
    key_client,
    report,
    seed_accounts,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", params=DB_KINDS)
def live(request, tmp_path_factory) -> Iterator[tuple[Server, Accounts]]:
    folder = tmp_path_factory.mktemp(f"platform-{request.param}")
    with fresh_database(request.param, folder) as url:
        accounts = seed_accounts(url)
        server = Server(url, folder / "state").start()
        try:
            yield server, accounts
        finally:
            server.stop()


def _count(server: Server, token: str, **params: object) -> int:
    with key_client(server.base, token) as c:
        r = c.get("/api/v1/reports", params={"limit": 1, **params})
        assert r.status_code == 200, r.text
        return int(r.json()["total"])


def test_json_batch_receipt_listing_and_exactly_once(live) -> None:
    server, acc = live
    rows = [report(i) for i in range(1, 6)] + [report(6, source_kind="fax")]
    with key_client(server.base, acc.keys["a_write"]) as c:
        r = c.post("/api/v1/reports", json=rows, headers={"Idempotency-Key": "batch-1"})
        assert r.status_code == 202, r.text
        receipt = r.json()
        assert (receipt["received"], receipt["accepted"], receipt["duplicates"]) == (6, 5, 0)
        assert receipt["rejected"] == [
            {
                "line": 6,
                "report_id": "r6",
                "reason": "source_kind must be one of carrier_honeypot, carrier_analytics, "
                "app_user_report, consumer_complaint, agency, got 'fax'",
            }
        ]
        # a retry with the same key returns the same receipt and stores nothing
        again = c.post("/api/v1/reports", json=rows, headers={"Idempotency-Key": "batch-1"})
        assert again.status_code == 202 and again.headers["Idempotent-Replayed"] == "true"
        assert (
            again.json()["receipt_id"] == receipt["receipt_id"] and again.json()["replayed"] is True
        )
        # the same key with another body is refused
        other = c.post("/api/v1/reports", json=rows[:2], headers={"Idempotency-Key": "batch-1"})
        assert other.status_code == 422 and "different body" in other.json()["error"]
        # the reporter's ids make a new batch with old reports count them as duplicates
        dup = c.post("/api/v1/reports", json=[report(1), report(7)])
        assert (dup.json()["accepted"], dup.json()["duplicates"]) == (1, 1)
    assert _count(server, acc.keys["a_read"], q="Your car warranty") == 6
    with key_client(server.base, acc.keys["a_read"]) as c:
        got = c.get(f"/api/v1/receipts/{receipt['receipt_id']}").json()
        assert got["accepted"] == 5 and got["rejected"][0]["line"] == 6
        one = c.get("/api/v1/reports", params={"number": "202-555-0003"}).json()
        assert [i["report_id"] for i in one["items"]] == ["r3"]
        item = one["items"][0]
        assert (
            item["calling_e164"] == "+12025550003"
            and item["call_time"] == "2026-01-05T15:03:00+00:00"
        )
        assert item["reporter"] == "Carrier A"


def test_ndjson_and_csv_presets(live) -> None:
    server, acc = live
    body = "\n".join(json.dumps(report(i, report_id=f"n{i}")) for i in range(3)) + "\n\n"
    ftc = (
        "Company_Phone_Number,Created_Date,Violation_Date,Consumer_City,Consumer_State,"
        "Consumer_Area_Code,Subject,Recorded_Message_Or_Robocall\n"
        "8005551234,2024-01-02 08:00:57,2024-01-02 07:55:00,Austin,Texas,512,Reducing your debt,Y\n"
        "8005559999,2024-01-02 08:10:00,yesterday-ish,Austin,TX,512,Warranties,Y\n"
    )
    fcc = (
        "id,issue_date,issue_time,issue_type,method,issue,caller_id_number,type_of_call_or_messge,"
        "advertiser_business_phone_number,state,zip,location_1\n"
        "991,2021-01-05T00:00:00.000,10:30 a.m.,Phone,Wireless,Robocalls,(312) 555-2222,Prerecorded Voice,,IL,60601,\n"
    )
    with key_client(server.base, acc.keys["app_rw"]) as c:
        r = c.post(
            "/api/v1/reports", content=body, headers={"Content-Type": "application/x-ndjson"}
        )
        assert r.status_code == 202 and r.json()["accepted"] == 3, r.text
        r = c.post(
            "/api/v1/reports/upload",
            params={"preset": "ftc_dnc"},
            files={"file": ("ftc.csv", ftc, "text/csv")},
        )
        assert r.status_code == 202, r.text
        assert r.json()["accepted"] == 1
        assert r.json()["rejected"] == [
            {
                "line": 3,
                "report_id": r.json()["rejected"][0]["report_id"],
                "reason": "call_time cannot be read as a date and time: 'yesterday-ish'",
            }
        ]
        r = c.post(
            "/api/v1/reports/upload", params={"preset": "fcc_complaints", "tz": "America/Chicago"},
            content=fcc, headers={"Content-Type": "text/csv"},
        )  # fmt: skip
        assert r.status_code == 202 and r.json()["accepted"] == 1, r.text
        items = c.get("/api/v1/reports", params={"q": "Robocalls"}).json()["items"]
        assert [(i["report_id"], i["call_time"], i["consumer_state"]) for i in items] == [
            ("fcc-991", "2021-01-05T16:30:00+00:00", "IL")
        ]
        ftc_items = c.get("/api/v1/reports", params={"number": "8005551234"}).json()["items"]
        assert [
            (i["call_time"], i["consumer_state"], i["reported_category"]) for i in ftc_items
        ] == [("2024-01-02T12:55:00+00:00", "TX", "Reducing your debt")]


def test_bad_input_is_refused_and_stores_nothing(live) -> None:
    server, acc = live
    before = _count(server, acc.keys["b_rw"])
    with key_client(server.base, acc.keys["b_rw"]) as c:
        cases = [
            (c.post("/api/v1/reports", content="[1,2", headers={"Content-Type": "application/json"}), 400, "malformed JSON at line 1"),
            (c.post("/api/v1/reports", content='{"a": 1}', headers={"Content-Type": "application/json"}), 400, "must be a JSON array"),
            (c.post("/api/v1/reports", content="[]", headers={"Content-Type": "application/json"}), 400, "no reports"),
            (c.post("/api/v1/reports", content="x", headers={"Content-Type": "text/plain"}), 415, "Content-Type must be"),
            (c.post("/api/v1/reports", content=b"[\"\xff\"]", headers={"Content-Type": "application/json"}), 400, "not UTF-8 (byte 0xFF at byte offset 2)"),
            (c.post("/api/v1/reports/upload", params={"preset": "nope"}, content="a\n", headers={"Content-Type": "text/csv"}), 400, "unknown preset 'nope'; known presets: ftc_dnc, fcc_complaints"),
            (c.post("/api/v1/reports/upload", content='report_id,source_kind,call_time\n"r1,agency,2026', headers={"Content-Type": "text/csv"}), 400, "malformed CSV"),
            (c.post("/api/v1/reports/upload", content="a,b\n1,2\n", headers={"Content-Type": "text/csv"}), 400, "the CSV header lacks report_id, source_kind, call_time"),
            (c.post("/api/v1/reports", content=b"[" + b" " * (17 * 1024 * 1024) + b"]", headers={"Content-Type": "application/json"}), 413, "larger than the limit of 16777216 bytes"),
        ]  # fmt: skip
        for response, status, message in cases:
            assert response.status_code == status, (message, response.text[:300])
            assert message in response.json()["error"]
        # a whole batch of zoneless times: 422, every row's reason, nothing stored
        r = c.post(
            "/api/v1/reports",
            json=[
                report(1, call_time="2026-01-05 10:00:00"),
                report(2, call_time="2026-01-05T10:00"),
            ],
        )
        assert r.status_code == 422
        assert [x["reason"] for x in r.json()["rejected"]] == [
            "call_time has no time zone or offset: '2026-01-05 10:00:00'",
            "call_time has no time zone or offset: '2026-01-05T10:00'",
        ]
        # a 10,000-character field rejects its row only; the receipt says which rows were accepted
        r = c.post(
            "/api/v1/reports",
            json=[report(900, transcript="x" * 10_000), report(901, called_number="9" * 10_000)],
        )
        assert r.status_code == 422
        assert [x["reason"] for x in r.json()["rejected"]] == [
            "field 'transcript' is 10000 characters long (limit 4000)",
            "field 'called_number' is 10000 characters long (limit 1000)",
        ]
    assert _count(server, acc.keys["b_rw"]) == before
    # SQL and Cypher fragments are data: stored verbatim, and the tables are still there
    nasty = [
        "'; DROP TABLE report; --",
        "Robert'); DELETE FROM audit_entry WHERE ('1'='1",
        "MATCH (n) DETACH DELETE n // }) RETURN 1",
        "%_\\ 100% off",
    ]
    with key_client(server.base, acc.keys["b_rw"]) as c:
        r = c.post(
            "/api/v1/reports", json=[report(950 + i, transcript=t) for i, t in enumerate(nasty)]
        )
        assert r.status_code == 202 and r.json()["accepted"] == 4
        for text in nasty:
            found = c.get("/api/v1/reports", params={"q": text}).json()["items"]
            assert [i["transcript"] for i in found] == [text]
    assert _count(server, acc.keys["b_rw"]) == before + 4


def test_rate_limit_and_revoked_key(live) -> None:
    server, acc = live
    with key_client(server.base, acc.keys["slow"]) as c:
        statuses = [
            c.post("/api/v1/reports", json=[report(7000 + i)]).status_code for i in range(2)
        ]
        third = c.post("/api/v1/reports", json=[report(7002)])
    assert statuses == [202, 202]
    assert third.status_code == 429 and 1 <= int(third.headers["Retry-After"]) <= 30
    assert "rate limit of 2 requests per minute" in third.json()["error"]
    with key_client(server.base, acc.keys["revoked"]) as c:
        r = c.post("/api/v1/reports", json=[report(7100)])
    assert r.status_code == 401 and r.json()["error"] == "this API key was revoked"
    with key_client(server.base, "ge_00000000_" + "x" * 32) as c:
        assert c.get("/api/v1/reports").status_code == 401


def test_filters_and_paging(live) -> None:
    server, acc = live
    rows = [report(3000 + i, report_id=f"p{i}") for i in range(12)]
    with key_client(server.base, acc.keys["b_rw"]) as c:
        assert c.post("/api/v1/reports", json=rows).status_code == 202
        page1 = c.get("/api/v1/reports", params={"q": "call 30", "limit": 5}).json()
        page3 = c.get("/api/v1/reports", params={"q": "call 30", "limit": 5, "offset": 10}).json()
        assert page1["total"] == 12 and len(page1["items"]) == 5 and len(page3["items"]) == 2
        # newest call first; 3000 % 600 = 0 -> 10:00 -05:00 = 15:00 UTC, one minute apart
        assert page1["items"][0]["report_id"] == "p11"
        window = c.get(
            "/api/v1/reports",
            params={
                "q": "call 30",
                "since": "2026-01-05T15:02:00Z",
                "until": "2026-01-05T15:05:00+00:00",
            },
        ).json()
        assert sorted(i["report_id"] for i in window["items"]) == ["p2", "p3", "p4"]
        bad = c.get("/api/v1/reports", params={"since": "2026-01-05 10:00"})
        assert bad.status_code == 400 and "needs a time zone" in bad.json()["error"]
        # a carrier's filter on another reporter finds nothing of theirs
        assert c.get("/api/v1/reports", params={"reporter": "Carrier A"}).json()["total"] == 0


def test_openapi_describes_the_intake_body(live) -> None:
    server, _ = live
    spec = httpx.get(server.base + "/openapi.json").json()
    post = spec["paths"]["/api/v1/reports"]["post"]
    schema = post["requestBody"]["content"]["application/json"]["schema"]
    assert schema["items"]["required"] == ["report_id", "source_kind", "call_time"]
    assert "Idempotency-Key" in {p["name"] for p in post["parameters"]}
    upload = spec["paths"]["/api/v1/reports/upload"]["post"]
    assert {"text/csv", "multipart/form-data"} <= set(upload["requestBody"]["content"])
