"""Signed webhooks for alerts, following the Standard Webhooks specification.

Each delivery is a POST of the alert as JSON with three headers: ``webhook-id`` (the alert id, so
a receiver can drop a duplicate retry), ``webhook-timestamp`` (Unix seconds) and
``webhook-signature`` (``v1,`` + base64 HMAC-SHA256 of ``id.timestamp.body`` under the receiver's
``whsec_`` secret). :func:`verify` is the receiver's side; it refuses a changed body, a wrong
secret, and a timestamp more than five minutes away from now (a replay).

:func:`deliver` retries a failed delivery (a 5xx or 429 answer, or no answer) with growing waits,
and gives up at once on any other 4xx, which a retry would not fix. Every attempt is returned, so
the caller can log it.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from graphengine.errors import ConfigError

__all__ = [
    "DEFAULT_BACKOFF",
    "DeliveryAttempt",
    "WebhookVerificationError",
    "new_secret",
    "signed_request",
    "verify",
    "deliver",
]

#: Waits in seconds before each retry: immediately, then 5 s, 5 min, 30 min, 2 h (the schedule the
#: Standard Webhooks guidance suggests, trimmed to five attempts in all).
DEFAULT_BACKOFF: tuple[float, ...] = (5.0, 300.0, 1800.0, 7200.0)


def new_secret() -> str:
    """A fresh ``whsec_`` secret (24 random bytes, base64) to share with one receiver."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def _check_secret(secret: str) -> None:
    """Refuse anything but a ``whsec_`` secret of at least 24 random bytes (the library would
    otherwise sign with whatever text it is given)."""
    try:
        raw = base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    except ValueError:
        raw = b""
    if not secret.startswith("whsec_") or len(raw) < 24:
        raise ConfigError("webhook secret must be 'whsec_' and at least 24 bytes in base64")


def _body(payload: Mapping[str, Any]) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"))


def signed_request(
    secret: str, msg_id: str, payload: Mapping[str, Any], *, at: datetime | None = None
) -> tuple[dict[str, str], bytes]:
    """The headers and body of one signed delivery.

    Raises
    ------
    ConfigError
        When the secret is not a Standard Webhooks secret.
    """
    _check_secret(secret)
    at = at or datetime.now(tz=UTC)
    body = _body(payload)
    signature = Webhook(secret).sign(msg_id, at, body)
    headers = {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
    }
    return headers, body.encode()


def verify(secret: str, headers: Mapping[str, str], body: bytes | str) -> dict[str, Any]:
    """Check a delivery's signature and age; return the payload.

    Raises
    ------
    ConfigError
        When ``secret`` is not a Standard Webhooks secret.
    WebhookVerificationError
        When the signature does not match, a header is missing, or the timestamp is more than
        five minutes off (too old: a replay; too new: a forged clock).
    """
    _check_secret(secret)
    data = body.decode() if isinstance(body, bytes) else body
    lowered = {k.lower(): v for k, v in headers.items()}
    result: dict[str, Any] = Webhook(secret).verify(data, lowered)
    return result


@dataclass(frozen=True)
class DeliveryAttempt:
    """One POST of a delivery: its number, the HTTP status (None when nothing answered), the error
    text, when it was sent, and how long the sender waited before the next attempt (0 at the end)."""

    attempt: int
    status: int | None
    error: str
    sent_at: datetime
    waited_after: float

    @property
    def ok(self) -> bool:
        """True for a 2xx answer."""
        return self.status is not None and 200 <= self.status < 300


def _post(url: str, headers: Mapping[str, str], body: bytes, timeout: float) -> int:
    request = urllib.request.Request(url, data=body, headers=dict(headers), method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def deliver(
    url: str,
    secret: str,
    msg_id: str,
    payload: Mapping[str, Any],
    *,
    backoff: Sequence[float] = DEFAULT_BACKOFF,
    timeout: float = 10.0,
    sleep: Callable[[float], None] = time.sleep,
) -> list[DeliveryAttempt]:
    """POST ``payload`` to ``url``, signed, retrying per ``backoff``; return every attempt.

    Each attempt is signed afresh (a new timestamp), so a late retry is not refused as a replay.
    The last attempt's ``ok`` says whether the delivery succeeded.

    Raises
    ------
    ConfigError
        When ``url`` is not http(s) or the secret is malformed.
    """
    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"webhook URL must be http:// or https://, not {url!r}")
    attempts: list[DeliveryAttempt] = []
    waits = [*backoff, 0.0]
    for number, wait in enumerate(waits, start=1):
        headers, body = signed_request(secret, msg_id, payload)
        sent = datetime.now(tz=UTC)
        status: int | None
        try:
            status, error = _post(url, headers, body, timeout), ""
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            status, error = None, str(getattr(exc, "reason", exc))
        retry = status is None or status == 429 or status >= 500
        last = number == len(waits) or not retry or (status is not None and status < 300)
        attempts.append(DeliveryAttempt(number, status, error, sent, 0.0 if last else wait))
        if last:
            break
        sleep(wait)
    return attempts
