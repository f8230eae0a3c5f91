"""The :class:`Alert`: one suspected illegal campaign or provider behaviour, told to agencies.

An alert is built from engine events (campaign events, findings) by :mod:`graphengine.alerts.rules`.
It carries the evidence an investigator needs to act on it (the campaign's signature, sample
reports, the providers in its paths with their roles and attestation, the traceback ids) and a
Traffic Light Protocol marking that says how far it may be shared.

Its id is derived from its content (kind, subject and time), so the same event always makes the same
alert: a re-run of the rules never duplicates an alert that was already delivered.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from graphengine.errors import ConfigError

__all__ = [
    "ALERT_KINDS",
    "TLP_LEVELS",
    "Alert",
    "ProviderRef",
    "utc",
]

#: What an alert can be about.
ALERT_KINDS: tuple[str, ...] = (
    "new_campaign",
    "surge",
    "new_gateway",
    "displacement",
    "newly_noncooperative",
    "rmd_removed_carrying",
)

#: FIRST's Traffic Light Protocol 2.0 labels, least to most restricted.
TLP_LEVELS: tuple[str, ...] = ("TLP:CLEAR", "TLP:GREEN", "TLP:AMBER", "TLP:AMBER+STRICT", "TLP:RED")


def utc(value: Any) -> datetime:
    """Return ``value`` (datetime, pandas Timestamp or ISO text) as an aware UTC datetime.

    Raises
    ------
    ConfigError
        When the value has no time zone: an alert's time must never be guessed.
    """
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if not isinstance(value, datetime):
        raise ConfigError(f"not a time: {value!r}")
    if value.tzinfo is None:
        raise ConfigError(f"time {value.isoformat()} has no time zone")
    return value.astimezone(UTC)


@dataclass(frozen=True)
class ProviderRef:
    """A provider in the paths behind an alert, with what it did on those calls."""

    key: str
    name: str
    roles: tuple[str, ...] = ()
    attestations: tuple[str, ...] = ()
    tracebacks: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The provider as a JSON-ready dict."""
        return {
            "key": self.key,
            "name": self.name,
            "roles": list(self.roles),
            "attestations": list(self.attestations),
            "tracebacks": self.tracebacks,
        }


def _sorted_unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({str(v) for v in values if v is not None and str(v) != ""}))


@dataclass(frozen=True)
class Alert:
    """One alert. Build it with :mod:`graphengine.alerts.rules`; ``alert_id`` is content-derived.

    Attributes
    ----------
    kind
        One of :data:`ALERT_KINDS`.
    occurred_at
        When the event behind the alert happened (UTC).
    reason
        One sentence a person reads: what happened, with the numbers.
    tlp
        One of :data:`TLP_LEVELS`.
    campaign_id, provider_key
        The subject: a campaign, a provider, or both (a new gateway of a campaign).
    magnitude, baseline
        The event's size and what was expected (e.g. reports in the surge day and the mean before).
    signature
        The campaign's signature: ``representative`` transcript, ``terms``, ``callback_numbers``.
    providers
        The providers in the paths of the alert's tracebacks.
    traceback_ids, report_ids
        The evidence: traced calls and sample reports.
    states
        Two-letter states of the consumers who reported the calls (for subscriptions).
    themes
        Words that name the campaign's theme (for subscriptions), lower case.
    """

    kind: str
    occurred_at: datetime
    reason: str
    tlp: str = "TLP:AMBER"
    campaign_id: str | None = None
    provider_key: str | None = None
    magnitude: float | None = None
    baseline: float | None = None
    signature: Mapping[str, Any] = field(default_factory=dict)
    providers: tuple[ProviderRef, ...] = ()
    traceback_ids: tuple[str, ...] = ()
    report_ids: tuple[str, ...] = ()
    states: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in ALERT_KINDS:
            raise ConfigError(f"unknown alert kind {self.kind!r}; one of {', '.join(ALERT_KINDS)}")
        if self.tlp not in TLP_LEVELS:
            raise ConfigError(f"unknown TLP marking {self.tlp!r}; one of {', '.join(TLP_LEVELS)}")
        if self.campaign_id is None and self.provider_key is None:
            raise ConfigError("an alert needs a campaign or a provider as its subject")
        object.__setattr__(self, "occurred_at", utc(self.occurred_at))
        object.__setattr__(self, "traceback_ids", _sorted_unique(self.traceback_ids))
        object.__setattr__(self, "report_ids", _sorted_unique(self.report_ids))
        object.__setattr__(self, "states", _sorted_unique(s.upper() for s in self.states))
        object.__setattr__(self, "themes", _sorted_unique(t.lower() for t in self.themes))
        object.__setattr__(self, "providers", tuple(sorted(self.providers, key=lambda p: p.key)))

    @property
    def alert_id(self) -> str:
        """``AL-`` and 16 hex digits of SHA-256 over kind, subject and time (stable across runs)."""
        text = "|".join(
            [
                self.kind,
                self.campaign_id or "",
                self.provider_key or "",
                self.occurred_at.isoformat(),
            ]
        )
        return "AL-" + hashlib.sha256(text.encode()).hexdigest()[:16]

    @property
    def title(self) -> str:
        """A short headline: kind and subject."""
        subject = " / ".join(x for x in (self.campaign_id, self.provider_key) if x)
        return f"{self.kind.replace('_', ' ')}: {subject}"

    def to_dict(self) -> dict[str, Any]:
        """The alert as a JSON-ready dict (the payload of webhooks and feeds)."""
        return {
            "alert_id": self.alert_id,
            "kind": self.kind,
            "occurred_at": self.occurred_at.isoformat().replace("+00:00", "Z"),
            "title": self.title,
            "reason": self.reason,
            "tlp": self.tlp,
            "campaign_id": self.campaign_id,
            "provider_key": self.provider_key,
            "magnitude": self.magnitude,
            "baseline": self.baseline,
            "signature": dict(self.signature),
            "providers": [p.to_dict() for p in self.providers],
            "traceback_ids": list(self.traceback_ids),
            "report_ids": list(self.report_ids),
            "states": list(self.states),
            "themes": list(self.themes),
        }

    def __repr__(self) -> str:
        return f"Alert({self.alert_id} {self.title} at {self.occurred_at:%Y-%m-%d %H:%M}Z)"
