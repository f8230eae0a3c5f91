"""The outbox sender against a real SMTP server (aiosmtpd, in process, on a free loopback port):
a temporary refusal is retried and then sent, a permanent one fails at once, an unreachable relay
fails once the back-off is used up, every outcome is audited, and nothing is sent when no relay
is configured."""

from __future__ import annotations

from collections.abc import Iterator
from email import message_from_bytes
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from graphengine.platform import jobs
from graphengine.platform.db import make_engine, session_factory, session_scope
from graphengine.platform.legal_models import LegalRequest, OutboxMessage
from graphengine.platform.legal_service import review
from graphengine.platform.models import AuditEntry
from tests.helpers.platform import free_port, fresh_database, seed_accounts, seed_request

pytestmark = pytest.mark.slow


class Relay:
    """An SMTP handler that answers DATA from a script (then 250) and keeps what it accepted."""

    def __init__(self, data: list[str], rcpt: str = "250 OK") -> None:
        self.data, self.rcpt, self.received = list(data), rcpt, []

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:  # noqa: E501
        if self.rcpt.startswith("250"):
            envelope.rcpt_tos.append(address)
        return self.rcpt

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        answer = self.data.pop(0) if self.data else "250 Message accepted for delivery"
        if answer.startswith("250"):
            self.received.append(envelope)
        return answer


@pytest.fixture
def world(tmp_path, monkeypatch) -> Iterator[dict]:
    monkeypatch.setenv("GRAPHENGINE_STATE_DIR", str(tmp_path / "state"))
    for name in ("HOST", "PORT", "FROM", "DOMAIN", "RETRY_SECONDS"):
        monkeypatch.delenv(f"GRAPHENGINE_SMTP_{name}", raising=False)
    with fresh_database("sqlite", tmp_path) as url:
        seed_accounts(url)
        yield {
            "url": url,
            "factory": session_factory(make_engine(url)),
            "state": tmp_path / "state",
        }


def _relay(monkeypatch, port: int) -> None:
    monkeypatch.setenv("GRAPHENGINE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("GRAPHENGINE_SMTP_PORT", str(port))
    monkeypatch.setenv("GRAPHENGINE_SMTP_FROM", "portal@graphengine.test")
    monkeypatch.setenv("GRAPHENGINE_SMTP_DOMAIN", "ag.example.gov")
    monkeypatch.setenv("GRAPHENGINE_SMTP_RETRY_SECONDS", "0")  # one retry, at once


def _reject(world: dict) -> int:
    """File a request and reject it: the agency's one person gets a notice; return its id."""
    rid = seed_request(world["url"], world["state"])
    with session_scope(world["factory"]) as s:
        req = s.get(LegalRequest, rid)
        review(s, req, "user:reviewer", "reject", "the subpoena is not signed")
        return s.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id.desc())).first()


def _state(world: dict, mid: int) -> tuple[Any, ...]:
    with world["factory"]() as s:
        m = s.get(OutboxMessage, mid)
        actions = s.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.target == f"outbox:{mid}")
            .order_by(AuditEntry.seq)
        ).all()
        return m.sent_at is not None, m.failed_at is not None, m.attempts, m.last_error, actions


def _serve(relay: Relay) -> Controller:
    controller = Controller(relay, hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller


def test_a_temporary_refusal_is_retried_then_sent(world, monkeypatch) -> None:
    relay = Relay(data=["451 4.3.0 try again later"])
    controller = _serve(relay)
    try:
        _relay(monkeypatch, controller.port)
        mid = _reject(world)
        assert jobs.run_due(world["factory"]) == 2  # the attempt and its retry
    finally:
        controller.stop()
    assert _state(world, mid) == (True, False, 2, None, ["outbox.retry", "outbox.sent"])
    (envelope,) = relay.received
    assert envelope.mail_from == "portal@graphengine.test"
    assert envelope.rcpt_tos == ["investigator@ag.example.gov"]
    mail = message_from_bytes(envelope.content)
    assert mail["Subject"] == "Request 1 (AG-2026-001) rejected"
    assert "is rejected: the subpoena is not signed" in mail.get_payload(decode=True).decode()
    with world["factory"]() as s:
        retry = s.scalar(select(AuditEntry).where(AuditEntry.action == "outbox.retry"))
        assert retry.detail == {"attempt": 1, "error": "451 4.3.0 try again later"}


def test_a_permanent_refusal_fails_at_once(world, monkeypatch) -> None:
    controller = _serve(Relay(data=[], rcpt="550 5.1.1 no such mailbox"))
    try:
        _relay(monkeypatch, controller.port)
        mid = _reject(world)
        assert jobs.run_due(world["factory"]) == 1
    finally:
        controller.stop()
    assert _state(world, mid) == (False, True, 1, "550 5.1.1 no such mailbox", ["outbox.failed"])


def test_an_unreachable_relay_fails_after_the_back_off(world, monkeypatch) -> None:
    _relay(monkeypatch, free_port())  # nothing listens there
    mid = _reject(world)
    assert jobs.run_due(world["factory"]) == 2
    sent, failed, attempts, error, actions = _state(world, mid)
    assert (sent, failed, attempts, actions) == (False, True, 2, ["outbox.retry", "outbox.failed"])
    assert error.startswith("ConnectionRefusedError")


def test_nothing_is_sent_without_a_relay(world) -> None:
    mid = _reject(world)
    with world["factory"]() as s:
        assert s.scalars(select(jobs.Job.kind)).all() == []
    assert jobs.run_due(world["factory"]) == 0
    assert _state(world, mid) == (False, False, 0, None, [])
