"""Issue 19's acceptance over real HTTP: a traceback opened from a campaign's report walks up four
providers (two responders answer through the API, one carrier's uploaded records answer, a foreign
upstream ends it); the job runner loads the completed path into the real Neo4j, and
`graphengine platform export-hops` feeds the next `investigate`. A second traceback's hop goes
overdue under the job runner, and the non-cooperation finding counts the non-response."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from graphengine.pipeline.investigate import investigate
from graphengine.pipeline.investigation import InvestigateOptions
from graphengine.store.run import read
from graphengine.store.settings import neo4j_settings
from tests.helpers.platform import Server, fresh_database, key_client, report, seed_accounts

pytestmark = [pytest.mark.slow, pytest.mark.neo4j]

HEADER = (
    "carrier,call_start,calling_number,called_number,ingress_carrier,ingress_customer,"
    "egress_carrier,call_id_in,call_id_out,attestation,origid,identity_hash,duration_s\n"
)
# Beta's switch: the traced call (report r1: 10:01 -05:00 from (202) 555-0001 to +1 312 555 0100),
# logged 2 s late in its own number format, from Gamma, handed to Carrier B; and a decoy.
BETA_RECORDS = HEADER + (
    "BETA TELECOM INC,2026-01-05T15:01:02Z,2025550001,3125550100,GAMMA VOICE,,Carrier B,"
    "k1,k2,C,,,41\n"
    "BETA TELECOM INC,2026-01-05T15:40:00Z,2025550001,3125550177,Delta Telco,,Carrier B,"
    "k3,k4,C,,,9\n"
)


def _extra_accounts(url: str) -> dict[str, str]:
    """Beta (uploads records), Gamma (answers), and the traceback administrator's key."""
    from graphengine.platform.admin import create_api_key, create_org
    from graphengine.platform.db import make_engine, session_factory, session_scope

    engine = make_engine(url)
    keys = {}
    with session_scope(session_factory(engine)) as s:
        create_org(s, "Beta Telecom", "carrier")
        create_org(s, "Gamma Voice LLC", "carrier")
        for key, org, scopes in [
            ("beta", "Beta Telecom", ["records:write", "tracebacks:respond"]),
            ("gamma", "Gamma Voice LLC", ["tracebacks:respond"]),
            ("admin", "Traceback Admin", ["tracebacks:open"]),
        ]:
            keys[key] = create_api_key(s, org, key, scopes, 100_000)[1]
    engine.dispose()
    return keys


def _until(what: str, probe: Callable[[], Any], timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = probe()
        if got:
            return got
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def _only_request(client: httpx.Client) -> dict[str, Any]:
    items = client.get("/api/v1/hop-requests").json()["items"]
    assert len(items) == 1, items
    return items[0]


def test_traceback_end_to_end_over_http(tmp_path, clean_neo4j, monkeypatch) -> None:
    driver = clean_neo4j
    monkeypatch.setenv("NEO4J_URI", neo4j_settings().uri)  # the server loads where the test reads
    with fresh_database("sqlite", tmp_path) as url:
        acc = seed_accounts(url)
        keys = _extra_accounts(url)
        server = Server(url, tmp_path / "state").start()
        try:
            base = server.base
            a, b = key_client(base, acc.keys["a_write"]), key_client(base, acc.keys["b_rw"])
            beta, gamma = key_client(base, keys["beta"]), key_client(base, keys["gamma"])
            admin = key_client(base, keys["admin"])
            # Carrier A's honeypot reported the call; the administrator opens its traceback.
            sent = a.post("/api/v1/reports", json=[report(1, terminating_carrier="Carrier A")])
            assert sent.status_code == 202
            rid = (
                key_client(base, acc.keys["a_read"]).get("/api/v1/reports").json()["items"][0]["id"]
            )
            opened = admin.post("/api/v1/tracebacks", json={"report": rid, "campaign": "C-utility"})
            assert opened.status_code == 201, opened.text
            tid = opened.json()["id"]
            assert [(r["hop"], r["provider"]) for r in opened.json()["requests"]] == [
                (0, "Carrier A")
            ]
            assert b.get("/api/v1/hop-requests").json()["items"] == []

            # 1. Carrier A's responder names its upstream (spelled its own way)
            req = _only_request(a)
            assert (req["traceback_id"], req["called_number"]) == (tid, "+13125550100")
            r = a.post(f"/api/v1/hop-requests/{req['id']}/answer",
                       json={"answer": "upstream", "upstream": "CARRIER B, INC.", "attestation": "B"})  # fmt: skip
            assert r.status_code == 200 and r.json()["traceback_state"] == "in_progress", r.text
            assert a.get("/api/v1/hop-requests").json()["items"] == []
            # 2. Carrier B names Beta
            req = _only_request(b)
            assert req["hop"] == 1
            r = b.post(f"/api/v1/hop-requests/{req['id']}/answer",
                       json={"answer": "upstream", "upstream": "Beta Telecom Inc"})  # fmt: skip
            assert r.status_code == 200, r.text
            # 3. Beta answers nothing by hand: it uploads its call records
            req = _only_request(beta)
            assert (req["hop"], req["provider"]) == (2, "Beta Telecom")
            # a file without zones, or another carrier's, is refused whole with file, line, reason
            for text, error in [
                (BETA_RECORDS.replace("15:40:00Z", "15:40:00"),
                 "beta-jan.csv:3: call_start has no zone or offset (e.g. Z or -05:00); nothing was loaded"),
                (BETA_RECORDS.replace("BETA TELECOM INC", "Gamma Voice"),
                 "beta-jan.csv:2: carrier 'Gamma Voice' is not 'Beta Telecom', the carrier this file "
                 "was uploaded for (2 rows); nothing was loaded"),
            ]:  # fmt: skip
                bad = beta.post(
                    "/api/v1/records", files={"file": ("beta-jan.csv", text, "text/csv")}
                )
                assert (bad.status_code, bad.json()) == (422, {"error": error})
            assert _only_request(beta)["state"] == "requested"
            assert not (tmp_path / "state" / "records").exists()
            up = beta.post(
                "/api/v1/records", files={"file": ("beta-jan.csv", BETA_RECORDS, "text/csv")}
            )
            assert up.status_code == 201, up.text
            body = up.json()
            assert (body["rows"], body["period_start"], body["period_end"]) == (
                2, "2026-01-05T15:01:02Z", "2026-01-05T15:40:00Z",
            )  # fmt: skip
            assert [(x["request"], x["traceback_id"]) for x in body["answered"]] == [
                (req["id"], tid)
            ]
            assert beta.get("/api/v1/hop-requests").json()["items"] == []
            stored = tmp_path / "state" / "records" / f"{body['sha256']}.csv"
            assert stored.read_text() == BETA_RECORDS
            assert not list((tmp_path / "state").rglob("beta-jan*"))
            # 4. Gamma, reached without a person, ends the path at a foreign upstream
            req = _only_request(gamma)
            assert (req["hop"], req["provider"]) == (3, "Gamma Voice LLC")
            r = gamma.post(f"/api/v1/hop-requests/{req['id']}/answer",
                           json={"answer": "foreign_upstream", "upstream": "Manila Tel Inc.", "country": "PH"})  # fmt: skip
            assert r.json()["traceback_state"] == "complete", r.text

            tb = _until("the load into Neo4j", lambda: (
                (t := admin.get(f"/api/v1/tracebacks/{tid}").json())["in_neo4j"] and t
            ))  # fmt: skip
            assert [(q["hop"], q["state"]) for q in tb["requests"]] == [
                (0, "answered"), (1, "answered"), (2, "answered_from_records"), (3, "answered"),
            ]  # fmt: skip
            assert len(tb["requests"][2]["record_sha256"]) == 64
            path = read(
                driver,
                "MATCH (t:Traceback {id: $id})-[h:HOP]->(p:Provider) "
                "RETURN h.hop AS hop, p.name AS name, h.role AS role, h.response_category AS cat "
                "ORDER BY hop",
                id=tid,
            )
            assert [(x["hop"], x["name"], x["role"]) for x in path] == [
                (0, "Carrier A", "terminating"),
                (1, "Carrier B", "intermediate"),
                (2, "Beta Telecom", "intermediate"),
                (3, "Gamma Voice LLC", "gateway"),
                (4, "Manila Tel Inc.", "foreign"),
            ]
            routed = read(
                driver,
                "MATCH (u:Provider)-[r:ROUTED {traceback_id: $id}]->(d:Provider) "
                "RETURN u.name AS up, d.name AS down ORDER BY r.hop",
                id=tid,
            )
            assert [(x["up"], x["down"]) for x in routed] == [
                ("Carrier B", "Carrier A"), ("Beta Telecom", "Carrier B"),
                ("Gamma Voice LLC", "Beta Telecom"), ("Manila Tel Inc.", "Gamma Voice LLC"),
            ]  # fmt: skip

            # A second traceback, due in about seven seconds a hop: Gamma never answers.
            opened = admin.post("/api/v1/tracebacks", json={
                "terminating_carrier": "Carrier A", "call_time": "2026-01-06T09:30:00-05:00",
                "calling_number": "(202) 555-0002", "called_number": "312-555-0101",
                "campaign": "C-utility", "due_hours": 0.002,
            })  # fmt: skip
            assert opened.status_code == 201, opened.text
            tid2 = opened.json()["id"]
            req = _only_request(a)
            a.post(f"/api/v1/hop-requests/{req['id']}/answer",
                   json={"answer": "upstream", "upstream": "Gamma Voice"})  # fmt: skip
            tb2 = _until("the overdue hop", lambda: (
                (t := admin.get(f"/api/v1/tracebacks/{tid2}").json())["state"] == "stalled"
                and t["in_neo4j"] and t
            ))  # fmt: skip
            assert [(q["hop"], q["provider"], q["state"]) for q in tb2["requests"]] == [
                (0, "Carrier A", "answered"), (1, "Gamma Voice LLC", "overdue"),
            ]  # fmt: skip
            assert tb2["hops"][1]["response"] == "No response by the deadline"
            (hop,) = read(
                driver,
                "MATCH (:Traceback {id: $id})-[h:HOP {hop: 1}]->(p:Provider) "
                "RETURN p.name AS name, h.response_category AS cat",
                id=tid2,
            )
            assert (hop["name"], hop["cat"]) == ("Gamma Voice LLC", "no_response")
            # the overdue request is still Gamma's to answer, and says so
            assert _only_request(gamma)["state"] == "overdue"
        finally:
            server.stop()

        # the next investigate reads the platform's hop file
        hops = tmp_path / "platform_hops.csv"
        done = subprocess.run(
            [sys.executable, "-m", "graphengine.cli.main", "platform", "export-hops", "--out", str(hops)],
            env={**server.env(), "GRAPHENGINE_JOBS": "0"}, capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert "7 hops of 2 tracebacks" in done.stderr
    result = investigate(
        [hops],
        tmp_path / "investigation",
        options=InvestigateOptions(runs=1, top=0, formats=("html",)),
        neo4j=False,
        command_line=["graphengine", "investigate", str(hops)],
    )
    assert set(result.load.hops["traceback_id"]) == {tid, tid2}
    nc = result.findings.noncooperation.set_index("provider_key")
    assert int(nc.loc["gamma voice", "nonresponse_tracebacks"]) == 1
    assert set(nc.index[nc["nonresponse_tracebacks"] > 0]) == {"gamma voice"}
    gateways = result.findings.profiles.set_index("provider_key")
    assert int(gateways.loc["gamma voice", "gateway"]) == 1
    assert os.path.isfile(result.report)
