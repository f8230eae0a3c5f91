"""``graphengine platform seed-demo``: demo organisations and logins, then a day of reports
streamed through the real HTTP API.

The reports come from :func:`graphengine.synthetic.reports.generate_reports` (carriers' honeypot
calls, app users' reports, consumer complaints, consistent with its campaigns). Each reporting
organisation gets an API key and sends its own reports in batches of 500 with Idempotency-Keys, so
a re-run against the same server stores nothing twice.
"""

from __future__ import annotations

import logging
import os
import secrets
import subprocess
import sys
import time
from typing import Any

import httpx
import pandas as pd
from sqlalchemy import func, select
from tqdm import tqdm

from graphengine.errors import ConfigError
from graphengine.platform.admin import create_api_key, create_org, create_user
from graphengine.platform.db import make_engine, session_factory, session_scope
from graphengine.platform.migrate import upgrade
from graphengine.platform.models import Organization, Report
from graphengine.platform.settings import database_url, redact_url
from graphengine.platform.traceback_service import open_from_report
from graphengine.synthetic.reports import generate_reports

__all__ = ["demo_payloads", "seed_demo"]

BATCH = 500
# one line per request at INFO would bury the progress bar and the logins
logging.getLogger("httpx").setLevel(logging.WARNING)
_KIND = {"carrier": "carrier", "blocking_app": "blocking_app", "agency": "agency"}
#: demo people: (username, organisation, role); "<carrier>" is the first carrier of the stream
PEOPLE = [
    ("admin", "Traceback Consortium", "admin"),
    ("analyst", "Traceback Consortium", "analyst"),
    ("reviewer", "Traceback Consortium", "reviewer"),
    ("investigator", "<agency>", "investigator"),
    ("carrier", "<carrier>", "responder"),
]


def demo_payloads(frame: pd.DataFrame) -> dict[str, list[dict[str, Any]]]:
    """Return each reporter's reports as JSON objects (empty cells left out)."""
    out: dict[str, list[dict[str, Any]]] = {}
    fields = [c for c in frame.columns if c not in ("reporter", "reporter_kind")]
    times = frame["call_time"].map(lambda t: t.isoformat())
    for idx, row in enumerate(frame[fields].itertuples(index=False)):
        body = {k: v for k, v in zip(fields, row, strict=True) if isinstance(v, str) and v}
        body["call_time"] = times.iloc[idx]
        out.setdefault(str(frame["reporter"].iloc[idx]), []).append(body)
    return out


def _wait(base: str, proc: subprocess.Popen[bytes], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ConfigError(f"the server exited with code {proc.returncode} (is the port taken?)")
        try:
            if httpx.get(base + "/api/v1/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.3)
    raise ConfigError(f"the server did not answer on {base} within {timeout:.0f} s")


def _demo_traceback(factory: Any, carrier: str) -> str | None:
    """Open a traceback of the carrier's newest report, for the demo responder to answer."""
    with session_scope(factory) as s:
        pk = s.scalar(
            select(Report.id)
            .where(Report.terminating_carrier == carrier, Report.calling_number.is_not(None))
            .order_by(Report.call_time.desc(), Report.id)
            .limit(1)
        )
        if pk is None:
            return None
        return open_from_report(s, pk, actor="seed-demo").id


def seed_demo(
    host: str = "127.0.0.1",
    port: int = 8000,
    seed: int = 7,
    reports: int = 2000,
    keep_serving: bool = False,
) -> int:
    """Seed an empty database, stream the reports through a server on ``host:port``; return 0.

    Raises
    ------
    ConfigError
        The database already holds organisations, or the server cannot start.
    """

    url = database_url()
    engine = make_engine(url)
    upgrade(engine)
    factory = session_factory(engine)
    with factory() as s:
        if s.scalar(select(func.count()).select_from(Organization)):
            raise ConfigError(
                f"seed-demo needs an empty database; {redact_url(url)} has organisations"
            )
    frame, truth = generate_reports(seed, days=1, reports_per_day=reports)
    reporters = frame[["reporter", "reporter_kind"]].drop_duplicates().sort_values("reporter")
    logins: list[tuple[str, str, str, str | None]] = []
    keys: dict[str, str] = {}
    with session_scope(factory) as s:
        create_org(s, "Traceback Consortium", "traceback_admin", actor="seed-demo")
        for name, kind in reporters.itertuples(index=False):
            create_org(s, name, _KIND.get(kind, "carrier"), actor="seed-demo")
            keys[name] = create_api_key(
                s, name, "demo intake", ["reports:write", "reports:read"], 10_000, "seed-demo"
            )[1]
        first = {
            k: reporters[reporters.reporter_kind == k].reporter.iloc[0]
            for k in ("carrier", "agency")
        }
        for username, org, role in PEOPLE:
            org_name = first[org[1:-1]] if org.startswith("<") else org
            password = secrets.token_urlsafe(9)
            made = create_user(s, org_name, username, role, password, actor="seed-demo")
            logins.append((username, password, f"{role}, {org_name}", made.totp_secret))
    engine.dispose()

    base = f"http://{host}:{port}"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "graphengine.cli.main",
            "serve",
            "--host",
            host,
            "--port",
            str(port),
        ],
        env=dict(os.environ),
    )
    try:
        _wait(base, proc)
        payloads = demo_payloads(frame)
        accepted = 0
        with tqdm(
            total=len(frame), desc="streaming reports", unit="report", file=sys.stderr
        ) as bar:
            for name, rows in payloads.items():
                with httpx.Client(
                    base_url=base, headers={"Authorization": f"Bearer {keys[name]}"}, timeout=120
                ) as c:
                    for start in range(0, len(rows), BATCH):
                        r = c.post(
                            "/api/v1/reports",
                            json=rows[start : start + BATCH],
                            headers={"Idempotency-Key": f"seed-demo-{seed}-{name}-{start}"},
                        )
                        if r.status_code != 202:
                            raise ConfigError(
                                f"the server refused a demo batch: {r.status_code} {r.text[:200]}"
                            )
                        accepted += r.json()["accepted"]
                        bar.update(len(rows[start : start + BATCH]))
        print(
            f"\n{accepted} reports from {len(payloads)} reporters stored through {base}/api/v1/reports"
        )
        from graphengine.platform.demo_portal import seed_portal

        alert_id, request_id = seed_portal(
            factory, frame, truth, first["agency"], "investigator", "reviewer"
        )
        print(
            f"{first['agency']} subscribes to every alert; surge alert {base}/alerts/{alert_id}; "
            f"fulfilled subpoena {base}/requests/{request_id}"
        )
        tid = _demo_traceback(factory, first["carrier"])
        if tid:
            print(
                f"open traceback {base}/tracebacks/{tid}: its hop request waits for "
                f"{first['carrier']} (log in as carrier: {base}/hop-requests)"
            )
        print(
            f"Open {base}/ and log in (codes: any TOTP app, or `python -c \"import pyotp; print(pyotp.TOTP('SECRET').now())\"`):"
        )
        for username, password, what, totp in logins:
            extra = f"  TOTP secret {totp}" if totp else ""
            print(f"  {username:<13} password {password}  ({what}){extra}")
        print(f"API docs: {base}/docs", flush=True)
        if keep_serving:
            print("serving; Ctrl-C stops", flush=True)
            proc.wait()
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=30)
    return 0
