"""Failed-login throttling on SQLite and PostgreSQL: the module with an injected clock, then the
login page and the agencies' API login against a real ``graphengine serve`` process.

Time passing is simulated without sleeping: the module takes a clock, and against the server the
stored failures are moved back past the window (they live in the database, as in production).
The per-address limit (password spraying: a few guesses on many names from one address) is
tested the same way; against the server, every test client is 127.0.0.1.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pyotp
import pytest
from sqlalchemy import func, select

from graphengine.cli.main import main
from graphengine.platform.audit import verify_chain
from graphengine.platform.db import make_engine, session_factory, session_scope
from graphengine.platform.login_throttle import (
    LoginFailure,
    LoginThrottle,
    throttle_message,
    unlock_address,
)
from graphengine.platform.models import AuditEntry
from tests.helpers.platform import (
    DB_KINDS,
    PASSWORD,
    Accounts,
    Server,
    csrf_of,
    fresh_database,
    seed_accounts,
)

pytestmark = pytest.mark.slow

LOCKED_PAGE = "Too many failed sign-in attempts for this user name; try again in 15 minutes."
ADDRESS_PAGE = "Too many failed sign-in attempts from this address; try again in 15 minutes."
WRONG_PAGE = "Wrong user name, password or code."


class Clock:
    """A settable UTC clock."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


def _actions(s, action: str, target: str) -> list[dict]:
    rows = s.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == action, AuditEntry.target == target)
        .order_by(AuditEntry.seq)
    ).all()
    return [r.detail for r in rows]


@pytest.mark.parametrize("kind", DB_KINDS)
def test_sliding_window_with_an_injected_clock(kind, tmp_path) -> None:
    clock = Clock()
    throttle = LoginThrottle(3, dt.timedelta(minutes=10), clock)
    with fresh_database(kind, tmp_path) as url:
        engine = make_engine(url)
        factory = session_factory(engine)
        attempts = []
        for minute in (0, 1, 2):  # three failures at 12:00, 12:01 and 12:02
            clock.now = dt.datetime(2026, 11, 30, 12, minute, tzinfo=dt.UTC)
            with session_scope(factory) as s:
                a = throttle.admit(s, "mallory", "10.0.0.9")
                throttle.failed(s, a, "10.0.0.9")
            attempts.append((a.failures, a.retry_after))
        assert attempts == [(1, 0), (2, 0), (3, 0)]
        clock.now += dt.timedelta(seconds=30)  # 12:02:30: the first failure (12:00) frees at 12:10
        with session_scope(factory) as s:
            refused = throttle.admit(s, "mallory", "10.0.0.9")
        assert (refused.failures, refused.retry_after) == (3, 450)
        clock.now = dt.datetime(2026, 11, 30, 12, 10, 1, tzinfo=dt.UTC)
        with session_scope(factory) as s:  # one more try, and it fails: locked until 12:11
            again = throttle.admit(s, "mallory", None)
            throttle.failed(s, again, None)
        assert (again.failures, again.retry_after) == (3, 0)
        with session_scope(factory) as s:
            assert throttle.admit(s, "mallory", None).retry_after == 59
            assert throttle.admit(s, "someone_else", None).retry_after == 0
        clock.now += dt.timedelta(minutes=1)
        with session_scope(factory) as s:  # a success deletes the name's failures
            ok = throttle.admit(s, "mallory", None)
            throttle.succeeded(s, ok)
        with factory() as s:
            count = select(func.count()).where(LoginFailure.username == "mallory")
            assert s.scalar(count.select_from(LoginFailure)) == 0
            locked = _actions(s, "login_locked", "user:mallory")
            refusals = _actions(s, "login_refused", "user:mallory")
            assert verify_chain(s).ok
        assert [d["retry_after"] for d in locked] == [480, 59]  # lock-outs at 12:02, 12:10:01
        assert locked[0] == {
            "failures": 3, "retry_after": 480, "client": "10.0.0.9", "window_seconds": 600,
        }  # fmt: skip
        assert refusals == [
            {"failures": 3, "retry_after": 450, "client": "10.0.0.9"},
            {"failures": 3, "retry_after": 59, "client": None},
        ]
        engine.dispose()


@pytest.mark.parametrize("kind", DB_KINDS)
def test_parallel_attempts_admit_no_more_than_the_limit(kind, tmp_path) -> None:
    throttle = LoginThrottle(5, dt.timedelta(minutes=15))
    with fresh_database(kind, tmp_path) as url:
        engine = make_engine(url)
        factory = session_factory(engine)
        barrier = threading.Barrier(12)

        def attempt(_: int) -> int:
            barrier.wait()
            with session_scope(factory) as s:
                return throttle.admit(s, "mallory", None).retry_after

        with ThreadPoolExecutor(12) as pool:
            waits = list(pool.map(attempt, range(12)))
        assert sum(w == 0 for w in waits) == 5 and all(880 <= w <= 900 for w in waits if w)
        with factory() as s:
            assert len(_actions(s, "login_refused", "user:mallory")) == 7
        engine.dispose()


@pytest.mark.parametrize("kind", DB_KINDS)
def test_address_limit_across_names_with_an_injected_clock(kind, tmp_path) -> None:
    clock = Clock()
    throttle = LoginThrottle(3, dt.timedelta(minutes=10), clock, max_per_address=4)
    spray = "10.0.0.9"
    with fresh_database(kind, tmp_path) as url:
        engine = make_engine(url)
        factory = session_factory(engine)
        got = []
        for minute in range(4):  # one wrong password on each of 4 names, 12:00 .. 12:03
            clock.now = dt.datetime(2026, 11, 30, 12, minute, tzinfo=dt.UTC)
            with session_scope(factory) as s:
                a = throttle.admit(s, f"name{minute}", spray)
                throttle.failed(s, a, spray)
            got.append((a.failures, a.address_failures, a.retry_after))
        assert got == [(1, 1, 0), (1, 2, 0), (1, 3, 0), (1, 4, 0)]
        clock.now += dt.timedelta(seconds=30)  # 12:03:30: the 12:00 failure frees at 12:10
        with session_scope(factory) as s:
            fresh = throttle.admit(s, "fresh", spray)  # a name never tried: still refused
            other = throttle.admit(s, "fresh", "10.0.0.10")  # another address: unaffected
            unknown = throttle.admit(s, "fresh2", None)  # no address: only the name's limit
        assert (fresh.limit, fresh.failures, fresh.address_failures, fresh.retry_after) == (
            "address", 0, 4, 390,
        )  # fmt: skip
        assert (other.retry_after, other.address_failures, unknown.retry_after) == (0, 1, 0)
        clock.now = dt.datetime(2026, 11, 30, 12, 10, 1, tzinfo=dt.UTC)  # the window slid
        with session_scope(factory) as s:
            again = throttle.admit(s, "name9", spray)
            throttle.failed(s, again, spray)
            assert (again.address_failures, again.retry_after) == (4, 0)
            assert throttle.admit(s, "name10", spray).retry_after == 59  # locked until 12:11
        with session_scope(factory) as s:
            assert unlock_address(s, spray) == 5  # the 12:00 row is outside the window
        with session_scope(factory) as s:
            after = throttle.admit(s, "name11", spray)
        assert (after.retry_after, after.address_failures) == (0, 1)
        with factory() as s:
            locked = _actions(s, "login_locked", f"address:{spray}")
            refused = _actions(s, "login_refused", "user:fresh") + _actions(
                s, "login_refused", "user:name10"
            )
            unlocked = _actions(s, "login_unlocked", f"address:{spray}")
            kept = select(func.count()).select_from(LoginFailure)
            assert s.scalar(kept.where(LoginFailure.username == "name0")) == 1  # names keep theirs
            assert s.scalar(kept.where(LoginFailure.client == spray)) == 1  # name11's reservation
            assert _actions(s, "login_locked", "user:name0") == []
            assert verify_chain(s).ok
        window = {"reason": "address", "client": spray, "window_seconds": 600}
        assert locked == [
            {"failures": 4, "retry_after": 420, **window},  # 12:03: until 12:10
            {"failures": 4, "retry_after": 59, **window},  # 12:10:01: until 12:11
        ]
        assert refused == [
            {"reason": "address", "failures": 4, "retry_after": 390, "client": spray},
            {"reason": "address", "failures": 4, "retry_after": 59, "client": spray},
        ]
        assert unlocked == [{"failures": 5}]
        engine.dispose()


@pytest.mark.parametrize("kind", DB_KINDS)
def test_parallel_attempts_from_one_address_admit_no_more_than_its_limit(kind, tmp_path) -> None:
    throttle = LoginThrottle(5, dt.timedelta(minutes=15), max_per_address=4)
    with fresh_database(kind, tmp_path) as url:
        engine = make_engine(url)
        factory = session_factory(engine)
        barrier = threading.Barrier(12)

        def attempt(i: int) -> tuple[str, int]:
            barrier.wait()
            with session_scope(factory) as s:  # twelve different names: only the address
                a = throttle.admit(s, f"name{i}", "10.0.0.9")  # lock serialises them
                return a.limit, a.retry_after

        with ThreadPoolExecutor(12) as pool:
            got = list(pool.map(attempt, range(12)))
        admitted = [w for _, w in got if w == 0]
        refused = [(limit, w) for limit, w in got if w]
        assert len(admitted) == 4 and len(refused) == 8
        assert all(limit == "address" and 880 <= w <= 900 for limit, w in refused)
        with factory() as s:
            rows = s.scalar(select(func.count()).select_from(LoginFailure))
            reasons = [
                d.get("reason")
                for d in s.scalars(
                    select(AuditEntry.detail).where(AuditEntry.action == "login_refused")
                )
            ]
        assert rows == 4 and reasons == ["address"] * 8
        engine.dispose()


def test_address_setting_and_message(monkeypatch) -> None:
    from graphengine.errors import ConfigError
    from graphengine.platform.settings import login_max_failures_per_address

    monkeypatch.delenv("GRAPHENGINE_LOGIN_MAX_FAILURES_PER_ADDRESS", raising=False)
    assert login_max_failures_per_address() == 20
    monkeypatch.setenv("GRAPHENGINE_LOGIN_MAX_FAILURES_PER_ADDRESS", "50")
    assert login_max_failures_per_address() == 50
    monkeypatch.setenv("GRAPHENGINE_LOGIN_MAX_FAILURES_PER_ADDRESS", "0")
    with pytest.raises(ConfigError, match="GRAPHENGINE_LOGIN_MAX_FAILURES_PER_ADDRESS='0'"):
        login_max_failures_per_address()
    assert throttle_message(900, "address") == ADDRESS_PAGE


def test_settings_and_message(monkeypatch) -> None:
    from graphengine.errors import ConfigError
    from graphengine.platform.settings import login_max_failures, login_window

    monkeypatch.delenv("GRAPHENGINE_LOGIN_MAX_FAILURES", raising=False)
    monkeypatch.delenv("GRAPHENGINE_LOGIN_WINDOW_MINUTES", raising=False)
    assert (login_max_failures(), login_window()) == (5, dt.timedelta(minutes=15))
    monkeypatch.setenv("GRAPHENGINE_LOGIN_MAX_FAILURES", "3")
    monkeypatch.setenv("GRAPHENGINE_LOGIN_WINDOW_MINUTES", "0.5")
    assert (login_max_failures(), login_window()) == (3, dt.timedelta(seconds=30))
    for name, bad in [("MAX_FAILURES", "0"), ("WINDOW_MINUTES", "-1"), ("WINDOW_MINUTES", "x")]:
        monkeypatch.setenv(f"GRAPHENGINE_LOGIN_{name}", bad)
        with pytest.raises(ConfigError, match=f"GRAPHENGINE_LOGIN_{name}='{bad}'"):
            login_max_failures() if name == "MAX_FAILURES" else login_window()
        monkeypatch.delenv(f"GRAPHENGINE_LOGIN_{name}")
    assert throttle_message(61) == (
        "Too many failed sign-in attempts for this user name; try again in 2 minutes."
    )
    assert throttle_message(1).endswith("try again in 1 minute.")


@pytest.fixture(scope="module", params=DB_KINDS)
def live(request, tmp_path_factory) -> Iterator[tuple[Server, Accounts, str]]:
    folder = tmp_path_factory.mktemp(f"throttle-{request.param}")
    with fresh_database(request.param, folder) as url:
        accounts = seed_accounts(url)
        server = Server(url, folder / "state").start()
        try:
            yield server, accounts, url
        finally:
            server.stop()


def _wrong_code(secret: str) -> str:
    """A code the server rejects (none of the codes of the neighbouring 30-second steps)."""
    totp = pyotp.TOTP(secret)
    valid = {totp.at(time.time() + d) for d in (-60, -30, 0, 30, 60)}
    return next(c for c in ("000000", "111111", "222222") if c not in valid)


def _page_login(base: str, user: str, password: str, code: str = "") -> httpx.Response:
    with httpx.Client(base_url=base, timeout=60) as c:
        token = csrf_of(c.get("/login").text)
        data = {"username": user, "password": password, "code": code, "csrf_token": token}
        r = c.post("/login", data=data)
        r.read()
        return r


def _age(url: str, username: str) -> None:
    """Move the name's failures 16 minutes back: the 15-minute window has passed."""
    engine = make_engine(url)
    with session_scope(session_factory(engine)) as s:
        rows = s.scalars(select(LoginFailure).where(LoginFailure.username == username)).all()
        assert rows
        for row in rows:
            row.at -= dt.timedelta(minutes=16)
    engine.dispose()


def _audit(url: str, action: str, target: str) -> list[dict]:
    engine = make_engine(url)
    with session_factory(engine)() as s:
        found = _actions(s, action, target)
    engine.dispose()
    return found


def _failures(url: str, username: str) -> int:
    engine = make_engine(url)
    with session_factory(engine)() as s:
        n = s.scalar(
            select(func.count()).select_from(LoginFailure).where(LoginFailure.username == username)
        )
    engine.dispose()
    return int(n or 0)


def test_page_locks_out_after_five_wrong_codes_without_checking_the_password(live) -> None:
    server, acc, url = live
    secret = acc.users["admin"]
    assert secret
    bad = _wrong_code(secret)
    first = [_page_login(server.base, "admin", PASSWORD, bad).status_code for _ in range(5)]
    assert first == [401] * 5
    sixth = _page_login(server.base, "admin", PASSWORD, bad)
    assert sixth.status_code == 429 and LOCKED_PAGE in sixth.text
    assert 880 <= int(sixth.headers["Retry-After"]) <= 900
    good = _page_login(server.base, "admin", PASSWORD, pyotp.TOTP(secret).now())
    assert good.status_code == 429 and "ge_session" not in good.cookies
    # not checked: no login was audited, the failures did not reset, both refusals audited
    assert _audit(url, "login", "user:admin") == []
    assert _failures(url, "admin") == 5
    assert [d["failures"] for d in _audit(url, "login_refused", "user:admin")] == [5, 5]
    assert [d["failures"] for d in _audit(url, "login_locked", "user:admin")] == [5]
    _age(url, "admin")
    after = _page_login(server.base, "admin", PASSWORD, pyotp.TOTP(secret).now())
    assert after.status_code == 303 and "ge_session" in after.cookies
    assert len(_audit(url, "login", "user:admin")) == 1 and _failures(url, "admin") == 0


def test_a_success_resets_the_count(live) -> None:
    server, _, url = live
    statuses = [_page_login(server.base, "analyst", "wrong!").status_code for _ in range(4)]
    assert _page_login(server.base, "analyst", PASSWORD).status_code == 303
    statuses += [_page_login(server.base, "analyst", "wrong!").status_code for _ in range(6)]
    assert statuses == [401] * 9 + [429]
    assert _failures(url, "analyst") == 5


def test_an_unknown_user_name_is_locked_out_the_same_way(live) -> None:
    server, _, url = live
    pages = {}
    for user in ("responder_a", "no_such_user"):
        got = [_page_login(server.base, user, "not the password") for _ in range(6)]
        assert [r.status_code for r in got] == [401] * 5 + [429]
        assert WRONG_PAGE in got[0].text and LOCKED_PAGE in got[5].text
        pages[user] = got[5]
    known, unknown = pages["responder_a"], pages["no_such_user"]
    strip = csrf_of(known.text), csrf_of(unknown.text)
    assert known.text.replace(strip[0], "T") == unknown.text.replace(strip[1], "T")
    assert [d["failures"] for d in _audit(url, "login_locked", "user:no_such_user")] == [5]
    # a name longer than any account's is counted under its first 120 characters
    long = ["x" * 300, "x" * 120 + "y" * 10]
    got = [_page_login(server.base, long[i % 2], "pw").status_code for i in range(6)]
    assert got == [401] * 5 + [429]
    assert _failures(url, "x" * 120) == 5


def test_api_login_is_throttled_the_same_way(live) -> None:
    server, acc, url = live
    secret = acc.users["investigator"]
    assert secret
    bad = {"username": "investigator", "password": PASSWORD, "code": _wrong_code(secret)}
    with httpx.Client(base_url=server.base, timeout=60) as c:
        got = [c.post("/api/v1/session", json=bad) for _ in range(6)]
        assert [r.status_code for r in got] == [401] * 5 + [429]
        assert got[0].json() == {"error": "wrong user name, password or code"}
        assert got[5].json() == {"error": LOCKED_PAGE}
        assert 880 <= int(got[5].headers["Retry-After"]) <= 900
        right = {**bad, "code": pyotp.TOTP(secret).now()}
        refused = c.post("/api/v1/session", json=right)
        assert refused.status_code == 429 and "ge_session" not in refused.cookies
        assert _audit(url, "login", "user:investigator") == []
        assert len(_audit(url, "login_refused", "user:investigator")) == 2
        _age(url, "investigator")
        ok = c.post("/api/v1/session", json=right)
        assert ok.status_code == 200 and ok.json()["username"] == "investigator"
    engine = make_engine(url)
    with session_factory(engine)() as s:
        assert verify_chain(s).ok
    engine.dispose()


def test_unlock_login_ends_a_lock_out_from_the_command_line(live, monkeypatch, capsys) -> None:
    server, acc, url = live
    secret = acc.users["reviewer"]
    assert secret
    got = [_page_login(server.base, "reviewer", "wrong!").status_code for _ in range(6)]
    assert got == [401] * 5 + [429]
    monkeypatch.setenv("GRAPHENGINE_DATABASE_URL", url)
    assert main(["platform", "unlock-login", "reviewer"]) == 0
    assert capsys.readouterr().out.strip() == (
        "user name 'reviewer': 5 failed sign-in(s) cleared; it may sign in now"
    )
    assert _failures(url, "reviewer") == 0
    ok = _page_login(server.base, "reviewer", PASSWORD, pyotp.TOTP(secret).now())
    assert ok.status_code == 303 and "ge_session" in ok.cookies
    assert main(["platform", "unlock-login", "reviewer"]) == 0  # nothing left: 0, still audited
    assert "0 failed sign-in(s) cleared" in capsys.readouterr().out
    assert _audit(url, "login_unlocked", "user:reviewer") == [{"failures": 5}, {"failures": 0}]


def test_an_address_over_its_limit_is_refused_for_every_name(live, monkeypatch, capsys) -> None:
    """Runs last in the module: it fills 127.0.0.1's count up to the server's limit (500)."""
    server, acc, url = live
    assert _page_login(server.base, "spray_probe", "wrong!").status_code == 401
    engine = make_engine(url)
    factory = session_factory(engine)
    with factory() as s:  # the address reached the throttle through the real HTTP path
        probe = s.scalars(select(LoginFailure).where(LoginFailure.username == "spray_probe"))
        assert [r.client for r in probe] == ["127.0.0.1"]
    with session_scope(factory) as s:  # the rest of 500 failures on other names, just now
        mine = select(func.count()).select_from(LoginFailure)
        now = dt.datetime.now(dt.UTC)
        recent = LoginFailure.at > now - dt.timedelta(minutes=15)
        held = int(s.scalar(mine.where(LoginFailure.client == "127.0.0.1", recent)) or 0)
        s.add_all(
            LoginFailure(username=f"spray{i}", at=now, client="127.0.0.1")
            for i in range(500 - held)
        )
    secret = acc.users["reviewer"]
    page = _page_login(
        server.base, "reviewer", PASSWORD, pyotp.TOTP(secret).now() if secret else ""
    )
    assert (
        page.status_code == 429 and ADDRESS_PAGE in page.text and "ge_session" not in page.cookies
    )
    assert 880 <= int(page.headers["Retry-After"]) <= 900
    with httpx.Client(base_url=server.base, timeout=60) as c:
        api = c.post("/api/v1/session", json={"username": "nobody", "password": "x"})
    assert api.status_code == 429 and api.json() == {"error": ADDRESS_PAGE}
    last = _audit(url, "login_refused", "user:reviewer")[-1]  # earlier ones: the name's limit
    assert (last["reason"], last["failures"], last["client"]) == ("address", 500, "127.0.0.1")
    with factory() as s:
        total = int(s.scalar(mine.where(LoginFailure.client == "127.0.0.1")) or 0)
    assert total >= 500
    monkeypatch.setenv("GRAPHENGINE_DATABASE_URL", url)
    assert main(["platform", "unlock-login"]) != 0
    assert capsys.readouterr().err.strip() == (
        "graphengine: error: unlock-login needs a user name or --address ADDR"
    )
    assert main(["platform", "unlock-login", "--address", "127.0.0.1"]) == 0
    assert capsys.readouterr().out.strip() == (
        f"address '127.0.0.1': {total} failed sign-in(s) cleared; it may sign in now"
    )
    assert _audit(url, "login_unlocked", "address:127.0.0.1") == [{"failures": total}]
    ok = _page_login(server.base, "reviewer", PASSWORD, pyotp.TOTP(secret).now() if secret else "")
    assert ok.status_code == 303 and "ge_session" in ok.cookies
    with factory() as s:  # the sprayed names keep their failures
        assert s.scalar(mine.where(LoginFailure.username == "spray_probe")) == 1
    engine.dispose()
