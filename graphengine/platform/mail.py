"""The outbox sender: email-ready notices delivered over SMTP to a configured relay.

Off by default: without ``GRAPHENGINE_SMTP_HOST`` the notices stay in ``outbox_message`` unsent.
When it is set, each new notice queues one ``outbox.send`` job. A job makes one SMTP attempt:

- accepted by the relay: the message is stamped ``sent_at``;
- a temporary failure (4xx answer, connection refused, time-out): ``attempts`` and
  ``last_error`` are kept and the next attempt is queued after the back-off
  (``GRAPHENGINE_SMTP_RETRY_SECONDS``, default 60, 300, 1800 and 7200 s);
- a permanent failure (5xx answer, an address that is not one), or the back-off used up: the
  message is stamped ``failed_at``.

Every outcome is an audit entry (``outbox.sent``, ``outbox.retry``, ``outbox.failed`` on
``outbox:<id>``). The relay's password is never logged or stored in the database.

============================  =====================================================================
variable                      meaning (default)
============================  =====================================================================
``GRAPHENGINE_SMTP_HOST``     the relay's host name; unset: nothing is sent
``GRAPHENGINE_SMTP_PORT``     its port (25; 587 is usual with STARTTLS)
``GRAPHENGINE_SMTP_FROM``     the sender address (required with a host)
``GRAPHENGINE_SMTP_STARTTLS`` ``1`` to upgrade the connection with STARTTLS before sending
``GRAPHENGINE_SMTP_USERNAME`` and ``GRAPHENGINE_SMTP_PASSWORD``: log in to the relay (optional)
``GRAPHENGINE_SMTP_DOMAIN``   appended to user names that are not addresses (``jdoe`` ->
                              ``jdoe@DOMAIN``); without it such a notice fails with the reason
``GRAPHENGINE_SMTP_RETRY_SECONDS``  the waits between attempts, comma-separated
============================  =====================================================================
"""

from __future__ import annotations

import datetime as dt
import os
import re
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from sqlalchemy.orm import Session

from graphengine.errors import ConfigError
from graphengine.platform import audit, jobs
from graphengine.platform.legal_models import OutboxMessage
from graphengine.platform.models import utcnow
from graphengine.store.settings import Secret

__all__ = ["OUTBOX_JOB", "SmtpSettings", "queue_message", "send_job", "smtp_settings"]

OUTBOX_JOB = "outbox.send"
DEFAULT_RETRY = (60.0, 300.0, 1800.0, 7200.0)
_ADDRESS = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how the outbox is sent (see the module for the variables)."""

    host: str
    port: int
    sender: str
    starttls: bool = False
    username: str | None = None
    password: Secret | None = None
    domain: str | None = None
    retry: tuple[float, ...] = DEFAULT_RETRY
    timeout: float = 30.0


def smtp_settings() -> SmtpSettings | None:
    """Return the relay's settings from the environment, or None when sending is off.

    Raises
    ------
    ConfigError
        When a host is set without a sender address, or a number is malformed.
    """
    env = os.environ
    host = env.get("GRAPHENGINE_SMTP_HOST", "").strip()
    if not host:
        return None
    sender = env.get("GRAPHENGINE_SMTP_FROM", "").strip()
    if not _ADDRESS.match(sender):
        raise ConfigError("GRAPHENGINE_SMTP_FROM must be the sender's email address")
    try:
        port = int(env.get("GRAPHENGINE_SMTP_PORT") or 25)
        raw = env.get("GRAPHENGINE_SMTP_RETRY_SECONDS", "").strip()
        retry = tuple(float(x) for x in raw.split(",")) if raw else DEFAULT_RETRY
    except ValueError:
        raise ConfigError(
            "GRAPHENGINE_SMTP_PORT must be a number and GRAPHENGINE_SMTP_RETRY_SECONDS "
            "comma-separated seconds"
        ) from None
    if not 0 < port < 65536 or any(w < 0 for w in retry):
        raise ConfigError("GRAPHENGINE_SMTP_PORT or GRAPHENGINE_SMTP_RETRY_SECONDS is out of range")
    password = env.get("GRAPHENGINE_SMTP_PASSWORD")
    return SmtpSettings(
        host=host,
        port=port,
        sender=sender,
        starttls=env.get("GRAPHENGINE_SMTP_STARTTLS", "") in ("1", "true", "yes"),
        username=env.get("GRAPHENGINE_SMTP_USERNAME") or None,
        password=Secret(password) if password else None,
        domain=env.get("GRAPHENGINE_SMTP_DOMAIN", "").strip().lstrip("@") or None,
        retry=retry,
    )


def queue_message(session: Session, message: OutboxMessage) -> None:
    """Queue the sending of a new outbox ``message`` (flushed) when SMTP is configured."""
    if smtp_settings() is not None:
        jobs.enqueue(session, OUTBOX_JOB, {"message_id": message.id})


def recipient(to_address: str, settings: SmtpSettings) -> str:
    """The email address of a notice's ``to_address`` (a user name gets the configured domain).

    Raises
    ------
    ValueError
        When no address can be made of it.
    """
    address = to_address.strip()
    if "@" not in address and settings.domain:
        address = f"{address}@{settings.domain}"
    if not _ADDRESS.match(address):
        raise ValueError(
            f"{to_address!r} is not an email address (set GRAPHENGINE_SMTP_DOMAIN "
            "or use addresses as user names)"
        )
    return address


def _email(msg: OutboxMessage, to: str, settings: SmtpSettings) -> EmailMessage:
    email = EmailMessage()
    email["From"] = settings.sender
    email["To"] = to
    email["Subject"] = msg.subject
    email["Date"] = format_datetime(msg.created_at)
    email["Message-ID"] = make_msgid(
        idstring=f"outbox-{msg.id}", domain=settings.sender.split("@")[1]
    )
    email.set_content(msg.body)
    return email


def _send(email: EmailMessage, settings: SmtpSettings) -> None:
    with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout) as smtp:
        if settings.starttls:
            smtp.starttls()
        if settings.username and settings.password:
            smtp.login(settings.username, settings.password.reveal())
        smtp.send_message(email)


def _permanent(exc: Exception) -> bool:
    """A 5xx answer: the relay will never take this message (a retry cannot help)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    code = getattr(exc, "smtp_code", None)
    return isinstance(code, int) and code >= 500


def _text(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else value


def _reason(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(exc.recipients.values()))
        return f"{code} {_text(text)}"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    return f"{type(exc).__name__}: {exc}".splitlines()[0]


@jobs.handler(OUTBOX_JOB)
def send_job(session: Session, payload: dict[str, Any]) -> None:
    """One SMTP attempt for one outbox message; then stamp it sent, queue a retry, or fail it.

    The message is read in a short transaction of its own and the job's session is written only
    after the relay answered: on SQLite that transaction holds the write lock.
    """
    settings = smtp_settings()
    if settings is None:
        return  # sending was switched off since: the message stays in the outbox
    with Session(session.get_bind()) as reader:
        msg = reader.get(OutboxMessage, int(payload["message_id"]))
        if msg is None or msg.sent_at is not None or msg.failed_at is not None:
            return  # gone, or a crash after the attempt ran this job again
        reader.expunge(msg)
    error, permanent = None, False
    try:
        to = recipient(msg.to_address, settings)
        _send(_email(msg, to, settings), settings)
    except ValueError as exc:
        error, permanent = str(exc), True
    except (smtplib.SMTPException, OSError) as exc:
        error, permanent = _reason(exc)[:500], _permanent(exc)
    row = session.get(OutboxMessage, msg.id)
    assert row is not None
    row.attempts = (row.attempts or 0) + 1
    row.last_error = error
    target = f"outbox:{row.id}"
    if error is None:
        row.sent_at, row.next_attempt_at = utcnow(), None
        audit.append(session, "job:outbox.send", "outbox.sent", target, {"attempt": row.attempts})
        return
    detail = {"attempt": row.attempts, "error": error}
    if permanent or row.attempts > len(settings.retry):
        row.failed_at, row.next_attempt_at = utcnow(), None
        audit.append(session, "job:outbox.send", "outbox.failed", target, detail)
        return
    row.next_attempt_at = utcnow() + dt.timedelta(seconds=settings.retry[row.attempts - 1])
    jobs.enqueue(session, OUTBOX_JOB, dict(payload), due_at=row.next_attempt_at)
    audit.append(session, "job:outbox.send", "outbox.retry", target, detail)
