"""Authorization matrix: every route x every role, API key and anonymous gets the expected status.

Also: a carrier cannot read another carrier's reports (404), a login does not reveal whether the
user exists, forms need their CSRF token, and TOTP is required for admins, reviewers and
investigators.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pyotp
import pytest

from graphengine.platform.access import REGISTRY
from tests.helpers.campaigns import seed_campaigns
from tests.helpers.platform import (
    PASSWORD,
    Server,
    csrf_of,
    fresh_database,
    key_client,
    login,
    report,
    seed_accounts,
    seed_alert,
    seed_request,
    seed_traceback,
)

pytestmark = pytest.mark.slow

PEOPLE = ["admin", "analyst", "investigator", "reviewer", "responder_a", "responder_b"]
KEYS = ["a_write", "a_read", "b_rw"]
WHO = ["anonymous", *PEOPLE, *KEYS]
ANALYSTS = {"admin": 200, "analyst": 200, "investigator": 200, "reviewer": 200}
PORTAL = {"admin": 200, "investigator": 200, "reviewer": 200}
STAFF = {"admin": 200, "analyst": 200}
RESPONDERS = {"responder_a": 200, "responder_b": 200}

# Expected status per route; a principal not named gets the route's default.
# 303 for anonymous on pages = redirect to /login; 401 on /api/.
MATRIX: dict[tuple[str, str], dict[str, int]] = {
    ("GET", "/"): {"default": 303},
    ("GET", "/login"): {"default": 200},
    # wrong password with a valid CSRF token: 401; API-key clients have no CSRF cookie: 403
    ("POST", "/login"): {"default": 401, **dict.fromkeys(KEYS, 403)},
    ("POST", "/logout"): {"default": 303, **dict.fromkeys(KEYS, 403)},
    ("GET", "/reports"): {"default": 200, "anonymous": 303, **dict.fromkeys(KEYS, 403)},
    ("GET", "/reports.csv"): {"default": 200, "anonymous": 303, **dict.fromkeys(KEYS, 403)},
    ("GET", "/reports/{rid}"): {
        "default": 403, "anonymous": 303, **ANALYSTS, "responder_a": 200, "responder_b": 404,
    },
    ("GET", "/upload"): {
        "default": 403, "anonymous": 303, "admin": 200, "analyst": 200, "responder_a": 200, "responder_b": 200,
    },
    ("POST", "/upload"): {
        "default": 403, "anonymous": 303, "admin": 303, "analyst": 303, "responder_a": 303, "responder_b": 303,
    },
    ("GET", "/receipts/{receipt_id}"): {
        "default": 403, "anonymous": 303, **ANALYSTS, "responder_a": 200, "responder_b": 404,
    },
    ("GET", "/audit"): {"default": 403, "anonymous": 303, "admin": 200},
    ("GET", "/api/v1/health"): {"default": 200},
    ("POST", "/api/v1/reports"): {"default": 403, "anonymous": 401, "a_write": 202, "b_rw": 202},
    ("POST", "/api/v1/reports/upload"): {"default": 403, "anonymous": 401, "a_write": 202, "b_rw": 202},
    ("GET", "/api/v1/reports"): {"default": 200, "anonymous": 401, "a_write": 403},
    ("GET", "/api/v1/reports/{rid}"): {
        "default": 200, "anonymous": 401, "responder_b": 404, "a_write": 403, "b_rw": 404,
    },
    ("GET", "/api/v1/receipts/{receipt_id}"): {"default": 200, "anonymous": 401, "responder_b": 404, "b_rw": 404},
    ("GET", "/openapi.json"): {"default": 200},
    ("GET", "/docs"): {"default": 200},
    ("GET", "/static"): {"default": 200},
    ("GET", "/alerts"): {"default": 403, "anonymous": 303, **ANALYSTS},
    ("GET", "/alerts/{alert_id}"): {"default": 403, "anonymous": 303, **ANALYSTS},
    ("GET", "/subscriptions"): {"default": 403, "anonymous": 303, "investigator": 200},
    # the investigator's empty form is refused with its reason (a subscription needs a name)
    ("POST", "/subscriptions"): {"default": 403, "anonymous": 303, "investigator": 400},
    ("GET", "/api/v1/alerts/feed.atom"): {"default": 403, "anonymous": 401, "investigator": 200},
    ("GET", "/api/v1/alerts/feed.json"): {"default": 403, "anonymous": 401, "investigator": 200},
    ("GET", "/api/v1/alerts/stix"): {"default": 403, "anonymous": 401, **ANALYSTS},
    ("GET", "/api/v1/alerts/{alert_id}"): {"default": 403, "anonymous": 401, **ANALYSTS},
    ("GET", "/api/v1/subscriptions/{sid}"): {"default": 403, "anonymous": 401, "investigator": 200},
    ("GET", "/campaigns"): {"default": 403, "anonymous": 303, **ANALYSTS},
    ("GET", "/campaigns/plotly.min.js"): {"default": 403, "anonymous": 303, **ANALYSTS},
    ("GET", "/campaigns/{campaign_id}"): {"default": 403, "anonymous": 303, **ANALYSTS},
    ("GET", "/requests"): {"default": 403, "anonymous": 303, **PORTAL},
    ("GET", "/requests/new"): {"default": 403, "anonymous": 303, "investigator": 200},
    # empty forms are refused with their reason
    ("POST", "/requests"): {"default": 403, "anonymous": 303, "investigator": 400},
    ("GET", "/requests/{req_id}"): {"default": 403, "anonymous": 303, **PORTAL},
    ("POST", "/requests/{req_id}/review"): {"default": 403, "anonymous": 303, "reviewer": 400},
    # the seeded request is submitted: no failed package to retry (400 with the reason)
    ("POST", "/requests/{req_id}/package/retry"): {"default": 403, "anonymous": 303, "reviewer": 400},
    ("POST", "/requests/{req_id}/withdraw"): {"default": 403, "anonymous": 303, "investigator": 303},
    # no package before a reviewer accepts
    ("GET", "/requests/{req_id}/package"): {"default": 403, "anonymous": 303, **dict.fromkeys(PORTAL, 404)},
    ("GET", "/requests/{req_id}/document"): {"default": 403, "anonymous": 303, **PORTAL},
    # the agencies' JSON API: sessions only (keys 403, except alerts:read on the subscription list)
    ("POST", "/api/v1/session"): {"default": 401},  # a wrong password, for everyone
    ("GET", "/api/v1/requests"): {"default": 403, "anonymous": 401, **PORTAL},
    ("POST", "/api/v1/requests"): {"default": 403, "anonymous": 401, "investigator": 400},
    ("GET", "/api/v1/requests/{req_id}"): {"default": 403, "anonymous": 401, **PORTAL},
    # the page's withdraw ran first (the matrix runs in this order): 409 with the reason
    ("POST", "/api/v1/requests/{req_id}/withdraw"): {"default": 403, "anonymous": 401, "investigator": 409},
    ("GET", "/api/v1/requests/{req_id}/package"): {"default": 403, "anonymous": 401, **dict.fromkeys(PORTAL, 404)},
    ("GET", "/api/v1/requests/{req_id}/document"): {"default": 403, "anonymous": 401, **PORTAL},
    ("GET", "/api/v1/subscriptions"): {"default": 403, "anonymous": 401, "investigator": 200},
    ("POST", "/api/v1/subscriptions"): {"default": 403, "anonymous": 401, "investigator": 400},
    # deactivates the agency's subscription: run after every alert route (see the order below)
    ("DELETE", "/api/v1/subscriptions/{sid}"): {"default": 403, "anonymous": 401, "investigator": 200},
    # tracebacks: the request {hop_id} is addressed to Carrier A; other organisations get 404
    ("GET", "/tracebacks"): {"default": 403, "anonymous": 303, **STAFF},
    ("POST", "/tracebacks"): {"default": 403, "anonymous": 303, **dict.fromkeys(STAFF, 400)},
    ("GET", "/tracebacks/{tid}"): {"default": 403, "anonymous": 303, **STAFF},
    ("GET", "/hop-requests"): {"default": 403, "anonymous": 303, **STAFF, **RESPONDERS},
    ("GET", "/hop-requests/{hop_id}"): {
        "default": 403, "anonymous": 303, **STAFF, "responder_a": 200, "responder_b": 404,
    },
    # responder_a's empty answer is refused with its reason
    ("POST", "/hop-requests/{hop_id}/answer"): {
        "default": 403, "anonymous": 303, "responder_a": 400, "responder_b": 404,
    },
    ("POST", "/api/v1/tracebacks"): {"default": 403, "anonymous": 401},
    ("GET", "/api/v1/tracebacks/{tid}"): {"default": 403, "anonymous": 401, **STAFF},
    ("GET", "/api/v1/hop-requests"): {
        "default": 403, "anonymous": 401, **STAFF, **RESPONDERS, "a_write": 200, "b_rw": 200,
    },
    # a_write's body is a list, not an answer: 400; b_rw is Carrier B's: 404
    ("POST", "/api/v1/hop-requests/{hop_id}/answer"): {
        "default": 403, "anonymous": 401, "a_write": 400, "b_rw": 404,
    },
    # the test posts text/csv; records come as a multipart file
    ("POST", "/api/v1/records"): {"default": 403, "anonymous": 401, "a_write": 400},
}  # fmt: skip

CSV = "report_id,source_kind,call_time,calling_number\nu1,app_user_report,2026-01-05T10:00:00Z,2025550100\n"


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Iterator[dict]:
    folder = tmp_path_factory.mktemp("authz")
    with fresh_database("sqlite", folder) as url:
        acc = seed_accounts(url)
        alert_id, sid = seed_alert(url)
        req_id = seed_request(url, folder / "state")
        tid, hop_id = seed_traceback(url)
        campaign_id = seed_campaigns(url)["medicare"]
        server = Server(url, folder / "state").start()
        try:
            with key_client(server.base, acc.keys["a_write"]) as c:
                receipt = c.post("/api/v1/reports", json=[report(1)]).json()
            with key_client(server.base, acc.keys["a_read"]) as c:
                rid = c.get("/api/v1/reports").json()["items"][0]["id"]
            clients: dict[str, httpx.Client] = {
                "anonymous": httpx.Client(base_url=server.base, timeout=60)
            }
            clients.update({p: login(server.base, p, acc.users[p]) for p in PEOPLE})
            clients.update({k: key_client(server.base, acc.keys[k]) for k in KEYS})
            yield {
                "server": server,
                "acc": acc,
                "rid": rid,
                "receipt": receipt["receipt_id"],
                "alert_id": alert_id,
                "sid": sid,
                "req_id": req_id,
                "tid": tid,
                "hop_id": hop_id,
                "campaign_id": campaign_id,
                "clients": clients,
            }
            for c in clients.values():
                c.close()
        finally:
            server.stop()


def _call(world: dict, who: str, method: str, path: str) -> int:
    client: httpx.Client = world["clients"][who]
    url = path.replace("{rid}", str(world["rid"])).replace("{receipt_id}", world["receipt"])
    url = url.replace("{alert_id}", world["alert_id"]).replace("{sid}", str(world["sid"]))
    url = url.replace("{req_id}", str(world["req_id"]))
    url = url.replace("{tid}", world["tid"]).replace("{hop_id}", str(world["hop_id"]))
    url = url.replace("{campaign_id}", world["campaign_id"])
    if url == "/static":
        url = "/static/site.css"
    if method == "GET":
        return client.get(url).status_code
    # the JSON API's writes carry the session's CSRF token in a header
    headers = {"X-CSRF-Token": csrf_of(client.get("/reports").text)} if who in PEOPLE else {}
    if method == "DELETE":
        return client.delete(url, headers=headers).status_code
    if url.startswith("/api/"):
        if url == "/api/v1/session":
            # a name of its own per caller: the login throttle counts failures per user name
            wrong = {"username": f"nobody-{who}", "password": "wrong password!", "code": "000000"}
            return client.post(url, json=wrong).status_code
        if url == "/api/v1/requests":  # no target, an empty document: refused with the reason
            files = {"document": ("x.pdf", b"", "application/pdf")}
            return client.post(url, files=files, headers=headers).status_code
        if url.startswith(("/api/v1/requests", "/api/v1/subscriptions")):
            return client.post(url, json={}, headers=headers).status_code
        if url.endswith("/upload"):
            return client.post(url, content=CSV, headers={"Content-Type": "text/csv"}).status_code
        return client.post(url, json=[report(2)]).status_code
    token_page = "/login" if who == "anonymous" or who in KEYS else "/reports"
    token = csrf_of(client.get(token_page).text) if who not in KEYS else "none"
    if url == "/login":
        data = {
            "username": f"nobody-{who}",
            "password": "wrong password!",
            "code": "000000",
            "csrf_token": token,
        }
        return client.post(url, data=data).status_code
    if url == "/upload":
        files = {"file": ("r.csv", CSV, "text/csv")}
        return client.post(url, data={"csrf_token": token, "preset": ""}, files=files).status_code
    return client.post(url, data={"csrf_token": token}).status_code


def test_matrix_covers_every_declared_route() -> None:
    assert set(MATRIX) == set(REGISTRY)


def test_every_route_every_principal(world) -> None:
    # POST /logout ends the session: run it last; the subscription's DELETE just before it
    last = [("DELETE", "/api/v1/subscriptions/{sid}"), ("POST", "/logout")]
    routes = sorted(MATRIX, key=lambda r: last.index(r) + 1 if r in last else 0)
    got, want = {}, {}
    for method, path in routes:
        for who in WHO:
            expected = MATRIX[(method, path)]
            want[(method, path, who)] = expected.get(who, expected["default"])
            got[(method, path, who)] = _call(world, who, method, path)
    wrong = {k: (got[k], want[k]) for k in want if got[k] != want[k]}
    assert wrong == {}, f"(got, expected): {wrong}"


def test_carrier_sees_only_its_own_reports(world) -> None:
    server, acc = world["server"], world["acc"]
    with key_client(server.base, acc.keys["b_rw"]) as c:
        assert c.post("/api/v1/reports", json=[report(50, report_id="b-only")]).status_code == 202
        mine = c.get("/api/v1/reports").json()
        assert {i["reporter"] for i in mine["items"]} == {"Carrier B"}
        assert c.get(f"/api/v1/reports/{world['rid']}").status_code == 404
        assert c.get("/api/v1/reports", params={"reporter": "Carrier A"}).json()["total"] == 0
    with key_client(server.base, acc.keys["a_read"]) as c:
        assert "b-only" not in {i["report_id"] for i in c.get("/api/v1/reports").json()["items"]}
    analyst = login(server.base, "analyst", None)
    everyone = analyst.get("/api/v1/reports", params={"limit": 500}).json()["items"]
    assert {"Carrier A", "Carrier B"} <= {i["reporter"] for i in everyone}


def test_login_does_not_reveal_whether_the_user_exists(world) -> None:
    base = world["server"].base
    pages = []
    for user in ["responder_a", "no_such_user"]:
        with httpx.Client(base_url=base) as c:
            token = csrf_of(c.get("/login").text)
            r = c.post(
                "/login",
                data={"username": user, "password": "not the password", "csrf_token": token},
            )
            pages.append((r.status_code, r.text.replace(token, "TOKEN")))
    assert pages[0] == pages[1]
    assert pages[0][0] == 401 and "Wrong user name, password or code." in pages[0][1]


def test_totp_is_required_for_admins(world) -> None:
    base, acc = world["server"].base, world["acc"]
    assert acc.users["admin"] and acc.users["reviewer"] and acc.users["investigator"]
    assert acc.users["analyst"] is None and acc.users["responder_a"] is None
    for code in ["", "123456"]:
        with httpx.Client(base_url=base) as c:
            token = csrf_of(c.get("/login").text)
            r = c.post(
                "/login",
                data={"username": "admin", "password": PASSWORD, "code": code, "csrf_token": token},
            )
            assert r.status_code == 401 and "ge_session" not in r.cookies
    good = pyotp.TOTP(acc.users["admin"]).now()
    with httpx.Client(base_url=base) as c:
        token = csrf_of(c.get("/login").text)
        r = c.post(
            "/login",
            data={"username": "admin", "password": PASSWORD, "code": good, "csrf_token": token},
        )
        assert r.status_code == 303
        cookie = r.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie


def test_forms_need_the_csrf_token(world) -> None:
    base = world["server"].base
    client = login(base, "analyst", None)
    files = {"file": ("r.csv", CSV, "text/csv")}
    for data in [{}, {"csrf_token": "forged"}]:
        r = client.post("/upload", data=data, files=files)
        assert r.status_code == 403 and "CSRF token missing or wrong" in r.text
    with httpx.Client(base_url=base) as anon:
        r = anon.post("/login", data={"username": "analyst", "password": PASSWORD})
        assert r.status_code == 403
    # a token from another browser (another cookie) does not work either
    with httpx.Client(base_url=base) as other:
        foreign = csrf_of(other.get("/login").text)
    assert client.post("/upload", data={"csrf_token": foreign}, files=files).status_code == 403


def test_responder_sees_only_its_own_hop_requests(world) -> None:
    server, acc, tid, hop_id = world["server"], world["acc"], world["tid"], world["hop_id"]
    # fresh logins: the matrix test logged its clients out at the end
    mine = login(server.base, "responder_a", None).get("/hop-requests").text
    theirs = login(server.base, "responder_b", None).get("/hop-requests").text
    assert tid in mine and f"/hop-requests/{hop_id}" in mine
    assert tid not in theirs and "+13125550199" not in theirs and "No open requests." in theirs
    with key_client(server.base, acc.keys["b_rw"]) as c:
        assert c.get("/api/v1/hop-requests").json() == {"items": []}
        r = c.post(f"/api/v1/hop-requests/{hop_id}/answer", json={"answer": "no_record"})
        assert r.status_code == 404 and r.json() == {"error": f"no hop request {hop_id}"}
    with key_client(server.base, acc.keys["a_write"]) as c:
        items = c.get("/api/v1/hop-requests").json()["items"]
        assert [(i["id"], i["traceback_id"], i["provider"]) for i in items] == [
            (hop_id, tid, "Carrier A")
        ]
    # the analyst's view of the traceback names the request; an investigator's is refused
    analyst = login(server.base, "analyst", None)
    assert analyst.get(f"/api/v1/tracebacks/{tid}").json()["requests"][0]["id"] == hop_id
    investigator = login(server.base, "investigator", acc.users["investigator"])
    assert investigator.get(f"/api/v1/tracebacks/{tid}").status_code == 403
