"""Benchmark: sustained intake through ``POST /api/v1/reports`` on SQLite and PostgreSQL.

For each database, a fresh schema and a real ``graphengine serve`` process (one uvicorn worker);
``--clients`` threads post for ``--seconds`` each:

* (a) batches of ``--batch`` reports (default 1,000) per request;
* (b) the baseline: one report per request, the same server, the same run;

and prints reports/s, requests/s, p50 and p99 request latency, the server's CPU seconds, and the
ratio (a)/(b). Every report is new (unique ids) and every request carries an Idempotency-Key, as a
carrier's client would send. The server and the clients share the machine's cores.

PostgreSQL is the cluster at ``GRAPHENGINE_TEST_PG_URL`` (``make postgres-start`` prints it); a
database is created for the run and dropped afterwards. Without it only SQLite is measured.

Usage::

    PG_PORT=11710 make postgres-start
    GRAPHENGINE_TEST_PG_URL=postgresql+psycopg://graphengine@127.0.0.1:11710/postgres \\
        .venv/bin/python benchmarks/bench_intake.py --seconds 60
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx
import numpy as np
from sqlalchemy import create_engine, text

from graphengine.platform.admin import create_api_key, create_org
from graphengine.platform.db import make_engine, session_factory, session_scope
from graphengine.platform.migrate import upgrade


def _report(i: int) -> dict[str, str]:
    minute = i % 600
    return {
        "report_id": f"__B__-{i}",
        "source_kind": "carrier_honeypot",
        "call_time": f"2026-01-05T{10 + minute // 60:02d}:{minute % 60:02d}:00-05:00",
        "calling_number": f"(202) 555-{i % 10000:04d}",
        "called_number": "+1 312 555 0100",
        "transcript": f"This is a final notice about your car's extended warranty, press one ({i % 97})",
        "attestation": "C",
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _prepare(url: str) -> str:
    engine = make_engine(url)
    upgrade(engine)
    with session_scope(session_factory(engine)) as s:
        create_org(s, "Bench Carrier", "carrier")
        token = create_api_key(
            s, "Bench Carrier", "bench", ["reports:write"], rate_per_minute=10_000_000
        )[1]
    engine.dispose()
    return token


def _serve(url: str, state: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = dict(os.environ, GRAPHENGINE_DATABASE_URL=url, GRAPHENGINE_STATE_DIR=str(state))
    proc = subprocess.Popen(
        [sys.executable, "-m", "graphengine.cli.main", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(base + "/api/v1/health", timeout=1).status_code == 200:
                return proc, base
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError("server did not start")


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _phase(
    base: str, token: str, batch: int, seconds: float, clients: int, tag: str, pid: int
) -> dict[str, float]:
    template = json.dumps([_report(i) for i in range(batch)])
    latencies: list[float] = []
    counter = iter(range(10**9))
    lock = threading.Lock()
    stop = time.perf_counter() + seconds
    errors: list[str] = []

    def client() -> None:
        with httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=120
        ) as c:
            while time.perf_counter() < stop:
                with lock:
                    n = next(counter)
                body = template.replace("__B__", f"{tag}{n}")
                t0 = time.perf_counter()
                r = c.post(
                    "/api/v1/reports",
                    content=body,
                    headers={"Content-Type": "application/json", "Idempotency-Key": f"{tag}{n}"},
                )
                elapsed = time.perf_counter() - t0
                if r.status_code != 202 or r.json()["accepted"] != batch:
                    errors.append(f"{r.status_code} {r.text[:200]}")
                    return
                with lock:
                    latencies.append(elapsed)

    cpu0, t0 = _cpu_seconds(pid), time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall, cpu = time.perf_counter() - t0, _cpu_seconds(pid) - cpu0
    if errors:
        raise RuntimeError(f"intake failed: {errors[0]}")
    lat = np.array(latencies) * 1000
    return {
        "requests": len(lat),
        "reports_per_s": len(lat) * batch / wall,
        "requests_per_s": len(lat) / wall,
        "p50_ms": float(np.percentile(lat, 50)),
        "p99_ms": float(np.percentile(lat, 99)),
        "server_cpu_s": cpu,
        "wall_s": wall,
    }


def _run(kind: str, url: str, args: argparse.Namespace, state: Path) -> None:
    token = _prepare(url)
    proc, base = _serve(url, state)
    try:
        batched = _phase(base, token, args.batch, args.seconds, args.clients, "b", proc.pid)
        single = _phase(base, token, 1, args.seconds, args.clients, "s", proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    for name, r, size in [
        (f"batches of {args.batch}", batched, args.batch),
        ("one report per request", single, 1),
    ]:
        print(
            f"{kind:<10} {name:<24} {r['reports_per_s']:>10,.0f} reports/s {r['requests_per_s']:>8,.1f} req/s "
            f"p50 {r['p50_ms']:>8.1f} ms  p99 {r['p99_ms']:>8.1f} ms  "
            f"({r['requests']:,.0f} requests x {size} in {r['wall_s']:.0f} s; server CPU {r['server_cpu_s']:.1f} s "
            f"= {r['server_cpu_s'] * 1e6 / max(1, r['requests'] * size):,.0f} us/report)",
            flush=True,
        )
    print(
        f"{kind:<10} ratio batched / one-per-request: {batched['reports_per_s'] / single['reports_per_s']:.1f}x",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seconds", type=float, default=60.0, help="length of each phase (default 60)"
    )
    parser.add_argument(
        "--batch", type=int, default=1000, help="reports per batched request (default 1000)"
    )
    parser.add_argument(
        "--clients", type=int, default=2, help="concurrent client threads (default 2)"
    )
    parser.add_argument(
        "--only", choices=["sqlite", "postgresql"], help="measure one database only"
    )
    args = parser.parse_args(argv)
    print(
        f"bench_intake: {args.seconds:.0f} s per phase, {args.clients} clients, {os.cpu_count()} cores",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="bench-intake-") as tmp:
        folder = Path(tmp)
        if args.only in (None, "sqlite"):
            _run("sqlite", f"sqlite:///{folder / 'bench.sqlite3'}", args, folder / "state-sqlite")
        admin_url = os.environ.get("GRAPHENGINE_TEST_PG_URL", "")
        if args.only in (None, "postgresql"):
            if not admin_url:
                print(
                    "postgresql: skipped (set GRAPHENGINE_TEST_PG_URL; `make postgres-start` prints it)"
                )
                return 0
            name = f"ge_bench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            try:
                _run(
                    "postgresql",
                    admin_url.rsplit("/", 1)[0] + f"/{name}",
                    args,
                    folder / "state-pg",
                )
            finally:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
