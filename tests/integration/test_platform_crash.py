"""Crash test: SIGKILL the server in the middle of a 100,000-report stream, restart it, let the
client retry with the same idempotency keys; every report is stored exactly once."""

from __future__ import annotations

import threading

import httpx
import pytest
from sqlalchemy import func, select

from graphengine.platform.audit import verify_chain
from graphengine.platform.db import make_engine, session_factory
from graphengine.platform.models import IdempotencyKey, IntakeBatch, Report
from tests.helpers.platform import (
    DB_KINDS,
    Server,
    fresh_database,
    key_client,
    report,
    seed_accounts,
)

pytestmark = pytest.mark.slow

TOTAL, BATCH, KILL_AFTER = 100_000, 1_000, 30


def _send_all(
    server: Server, token: str, batches: list[list[dict]], receipts: dict[int, dict]
) -> None:
    """Send every batch without a receipt yet; stop at the first connection failure."""
    with key_client(server.base, token) as c:
        for number, rows in enumerate(batches):
            if number in receipts:
                continue
            try:
                r = c.post(
                    "/api/v1/reports", json=rows, headers={"Idempotency-Key": f"stream-{number}"}
                )
            except httpx.TransportError:
                return
            assert r.status_code == 202, r.text
            receipts[number] = r.json()


@pytest.mark.parametrize("kind", DB_KINDS)
def test_sigkill_mid_stream_then_retry_stores_each_report_once(kind, tmp_path) -> None:
    batches = [[report(b * BATCH + i) for i in range(BATCH)] for b in range(TOTAL // BATCH)]
    with fresh_database(kind, tmp_path) as url:
        token = seed_accounts(url).keys["a_write"]
        server = Server(url, tmp_path / "state").start()
        receipts: dict[int, dict] = {}

        def killer() -> None:
            # kill as soon as KILL_AFTER receipts arrived: the client is sending the next batch
            while len(receipts) < KILL_AFTER:
                threading.Event().wait(0.005)
            server.kill()

        watcher = threading.Thread(target=killer)
        watcher.start()
        _send_all(server, token, batches, receipts)
        watcher.join()
        first_run = len(receipts)
        assert KILL_AFTER <= first_run < len(batches)
        # the batch in flight when the server died may or may not have been committed
        restarted = Server(url, tmp_path / "state2").start()
        try:
            # the client lost its receipts: it retries every batch with the same keys
            lost = dict(receipts)
            receipts.clear()
            _send_all(restarted, token, batches, receipts)
        finally:
            restarted.stop()
        assert len(receipts) == len(batches)
        replayed = [n for n, r in receipts.items() if r["replayed"]]
        assert set(lost) <= set(replayed)  # every batch acknowledged before the kill is a replay
        assert all(r["accepted"] + r["duplicates"] == BATCH for r in receipts.values())
        engine = make_engine(url)
        with session_factory(engine)() as s:
            assert s.scalar(select(func.count()).select_from(Report)) == TOTAL
            assert s.scalar(select(func.count(func.distinct(Report.report_id)))) == TOTAL
            assert s.scalar(select(func.count()).select_from(IntakeBatch)) == len(batches)
            assert s.scalar(select(func.count()).select_from(IdempotencyKey)) == len(batches)
            assert s.scalar(select(func.sum(IntakeBatch.accepted))) == TOTAL
            assert verify_chain(s).ok
        engine.dispose()
