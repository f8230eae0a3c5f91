"""Fixtures for the platform's tests: a fresh database (SQLite or PostgreSQL), accounts, a server.

PostgreSQL is the scratch cluster of ``make test`` (``GRAPHENGINE_TEST_PG_URL``); each fixture
gets a database of its own, dropped afterwards. With ``CI`` set a missing PostgreSQL fails the
tests; locally they are skipped with the reason (``make postgres-start``).
The server is a real ``graphengine serve`` process (uvicorn) on a free loopback port.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest

PG_ENV = "GRAPHENGINE_TEST_PG_URL"
#: Debian's Chromium and the launch flags that work on the test machine (see the brief)
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
SECRET = "test-secret-key-0123456789abcdef0123456789"
PASSWORD = "correct horse battery"
DB_KINDS = ["sqlite", "postgresql"]


def free_port() -> int:
    """Return a free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pg_admin_url() -> str:
    url = os.environ.get(PG_ENV, "")
    if not url:
        reason = f"{PG_ENV} is not set (make test starts PostgreSQL; or `make postgres-start`)"
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required when CI is set: {reason}", pytrace=False)
        pytest.skip(reason)
    return url


@contextmanager
def fresh_database(kind: str, folder: Path) -> Iterator[str]:
    """Yield the URL of a new, migrated database of ``kind``; a PostgreSQL one is dropped after."""
    from sqlalchemy import create_engine, text

    from graphengine.platform.db import make_engine
    from graphengine.platform.migrate import upgrade

    if kind == "sqlite":
        url = f"sqlite:///{folder / 'platform.sqlite3'}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
        return
    admin_url = _pg_admin_url()
    name = f"ge_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@dataclass
class Accounts:
    """The test organisations' people (username -> TOTP secret or None) and API keys."""

    users: dict[str, str | None] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)


_HASH: list[str] = []


def seed_accounts(url: str) -> Accounts:
    """Create two carriers, an app, an agency and the administrator, their people and keys.

    People: ``admin``, ``analyst``, ``reviewer`` (traceback administrator), ``investigator``
    (agency), ``responder_a`` / ``responder_b`` (carriers A and B). Keys: ``a_write`` (also
    uploads records and answers hop requests) and ``a_read`` (carrier A), ``b_rw`` (carrier B,
    also answers hop requests), ``app_rw`` (the app), ``slow`` (A, 2 per minute),
    ``revoked`` (A, revoked).
    """
    from graphengine.platform.admin import create_api_key, create_org, create_user, revoke_api_key
    from graphengine.platform.db import make_engine, session_factory, session_scope
    from graphengine.platform.security import hash_password

    if not _HASH:  # argon2 is slow on purpose: hash the shared test password once per session
        _HASH.append(hash_password(PASSWORD))
    engine = make_engine(url)
    acc = Accounts()
    with session_scope(session_factory(engine)) as s:
        for name, kind in [
            ("Carrier A", "carrier"),
            ("Carrier B", "carrier"),
            ("BlockApp", "blocking_app"),
            ("State AG", "agency"),
            ("Traceback Admin", "traceback_admin"),
        ]:
            create_org(s, name, kind)
        for user, org, role in [
            ("admin", "Traceback Admin", "admin"),
            ("analyst", "Traceback Admin", "analyst"),
            ("reviewer", "Traceback Admin", "reviewer"),
            ("investigator", "State AG", "investigator"),
            ("responder_a", "Carrier A", "responder"),
            ("responder_b", "Carrier B", "responder"),
        ]:
            acc.users[user] = create_user(
                s, org, user, role, PASSWORD, password_hash=_HASH[0]
            ).totp_secret
        for key, org, scopes, rate in [
            (
                "a_write",
                "Carrier A",
                ["reports:write", "records:write", "tracebacks:respond"],
                100_000,
            ),
            ("a_read", "Carrier A", ["reports:read"], 100_000),
            ("b_rw", "Carrier B", ["reports:write", "reports:read", "tracebacks:respond"], 100_000),
            ("app_rw", "BlockApp", ["reports:write", "reports:read"], 100_000),
            ("slow", "Carrier A", ["reports:write"], 2),
            ("revoked", "Carrier A", ["reports:write"], 100),
        ]:
            row, token = create_api_key(s, org, key, scopes, rate)
            acc.keys[key] = token
        revoke_api_key(s, acc.keys["revoked"].split("_")[1])
    engine.dispose()
    return acc


class Server:
    """A ``graphengine serve`` process on a free port, on the database at ``url``."""

    def __init__(self, url: str, state: Path) -> None:
        self.url, self.state = url, state
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def env(self) -> dict[str, str]:
        """The server's environment: its database, state folder, secret key and a per-address
        login limit (500) that a module's tests do not reach."""
        env = dict(os.environ)
        env.update(
            GRAPHENGINE_DATABASE_URL=self.url,
            GRAPHENGINE_STATE_DIR=str(self.state),
            GRAPHENGINE_SECRET_KEY=SECRET,
        )
        # every test client is 127.0.0.1: a module's failed logins must not lock out the address
        env.setdefault("GRAPHENGINE_LOGIN_MAX_FAILURES_PER_ADDRESS", "500")
        return env

    def start(self, timeout: float = 60.0) -> Server:
        """Start the process and wait until ``/api/v1/health`` answers."""
        self.state.mkdir(parents=True, exist_ok=True)
        log = open(self.state / "server.log", "ab")  # noqa: SIM115 - kept open for the process
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "graphengine.cli.main", "serve", "--port", str(self.port)],
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"server exited: {(self.state / 'server.log').read_text()[-2000:]}"
                )
            try:
                if httpx.get(self.base + "/api/v1/health", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise RuntimeError("server did not answer in time")

    def kill(self) -> None:
        """SIGKILL the server (no shutdown of any kind) and reap it."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 20 s)."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


def browser_page(browser: Any, server: Server, path: str, user: str = "analyst") -> Any:
    """A new page of the Chromium ``browser`` signed in as ``user`` (password login), at ``path``."""
    page = browser.new_page()
    page.goto(f"{server.base}/login?next={path}")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(server.base + path)
    return page


def key_client(base: str, token: str) -> httpx.Client:
    """An HTTP client that sends the API key."""
    return httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60)


CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """Return the CSRF token of the first form on a page."""
    found = CSRF_FIELD.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def login(base: str, user: str, totp_secret: str | None, password: str = PASSWORD) -> httpx.Client:
    """Return a client logged in as ``user`` (TOTP code from its secret when it has one)."""
    client = httpx.Client(base_url=base, timeout=60)
    token = csrf_of(client.get("/login").text)
    code = pyotp.TOTP(totp_secret).now() if totp_secret else ""
    r = client.post(
        "/login", data={"username": user, "password": password, "code": code, "csrf_token": token}
    )
    assert r.status_code == 303, (user, r.status_code, r.text[:300])
    return client


def report(i: int, **extra: object) -> dict[str, object]:
    """A valid report with id ``r<i>`` (call times one minute apart from 2026-01-05 10:00 -05:00)."""
    minute = i % 600
    row: dict[str, object] = {
        "report_id": f"r{i}",
        "source_kind": "carrier_honeypot",
        "call_time": f"2026-01-05T{10 + minute // 60:02d}:{minute % 60:02d}:00-05:00",
        "calling_number": f"(202) 555-{i % 10000:04d}",
        "called_number": "+1 312 555 0100",
        "transcript": f"Your car warranty is about to expire, call {i}",
    }
    row.update(extra)
    return row


def surge_alert(day: int = 5, state: str = "NY", campaign: str = "C-medicare") -> object:
    """A surge :class:`~graphengine.alerts.Alert` of ``campaign`` in ``state`` on January ``day``."""
    import datetime as dt

    from graphengine.alerts import Alert, ProviderRef

    return Alert(
        kind="surge",
        occurred_at=dt.datetime(2026, 1, day, 12, tzinfo=dt.UTC),
        reason=f"{campaign}: 120 reports on 2026-01-{day:02d}, against a mean of 8 a day before",
        campaign_id=campaign,
        magnitude=120.0,
        baseline=8.0,
        signature={"representative": "this is medicare calling about your card", "terms": []},
        providers=(ProviderRef("gateway telecom", "Gateway Telecom", ("gateway",), ("C",), 2),),
        traceback_ids=("TB-1", "TB-2"),
        report_ids=("r-1", "r-2"),
        states=(state,),
        themes=("medicare",),
    )


def seed_alert(url: str, webhook_url: str | None = None) -> tuple[str, int]:
    """Subscribe ``State AG`` to NY alerts and store one surge alert; return its id and the
    subscription's id."""
    from sqlalchemy import select

    from graphengine.platform.alert_service import create_subscription, store_alerts
    from graphengine.platform.db import make_engine, session_factory, session_scope
    from graphengine.platform.models import Organization

    engine = make_engine(url)
    with session_scope(session_factory(engine)) as s:
        org = s.scalar(select(Organization).where(Organization.name == "State AG"))
        assert org is not None
        sub, _ = create_subscription(
            s, org, "test", name="NY robocalls", states=["NY"], webhook_url=webhook_url
        )
        sid = sub.id
        (alert_id,) = store_alerts(s, [surge_alert()])  # type: ignore[list-item]
    engine.dispose()
    return alert_id, sid


def tiny_pdf(text: str = "Subpoena duces tecum") -> bytes:
    """A small, well-formed one-page PDF (see :func:`graphengine.platform.demo_portal.tiny_pdf`)."""
    from graphengine.platform.demo_portal import tiny_pdf as make

    return make(text)


def seed_request(url: str, state: Path, username: str = "investigator") -> int:
    """File one subpoena as ``username`` (documents under ``state``); return the request's id."""
    from sqlalchemy import select

    from graphengine.platform.db import make_engine, session_factory, session_scope
    from graphengine.platform.legal_service import create_request, parse_targets
    from graphengine.platform.models import User

    old = os.environ.get("GRAPHENGINE_STATE_DIR")
    os.environ["GRAPHENGINE_STATE_DIR"] = str(state)
    engine = make_engine(url)
    try:
        with session_scope(session_factory(engine)) as s:
            user = s.scalar(select(User).where(User.username == username))
            assert user is not None
            req = create_request(
                s,
                user,
                request_type="subpoena",
                authority="Office of the Attorney General",
                case_number="AG-2026-001",
                document=tiny_pdf(),
                targets=parse_targets([], ["C-medicare"], ["TB-1"], "2026-01-01", "2026-01-31"),
                due_date="2026-03-01",
            )
            return req.id
    finally:
        engine.dispose()
        if old is None:
            os.environ.pop("GRAPHENGINE_STATE_DIR", None)
        else:
            os.environ["GRAPHENGINE_STATE_DIR"] = old


def seed_traceback(
    url: str, carrier: str = "Carrier A", called: str = "+13125550199"
) -> tuple[str, int]:
    """Open one traceback whose hop 0 asks ``carrier``; return its id and the request's id."""
    import datetime as dt

    from sqlalchemy import select

    from graphengine.platform.db import make_engine, session_factory, session_scope
    from graphengine.platform.traceback_models import HopRequestRow
    from graphengine.platform.traceback_service import open_traceback

    engine = make_engine(url)
    with session_scope(session_factory(engine)) as s:
        tb = open_traceback(
            s,
            actor="test",
            terminating_carrier=carrier,
            call_time=dt.datetime(2026, 1, 5, 15, tzinfo=dt.UTC),
            calling_number="+12025550101",
            called_number=called,
            campaign="C-medicare",
        )
        req = s.scalar(select(HopRequestRow).where(HopRequestRow.traceback_id == tb.id))
        assert req is not None
        ids = tb.id, req.id
    engine.dispose()
    return ids
