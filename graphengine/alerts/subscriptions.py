"""Subscriptions: which agency wants which alerts.

An agency subscribes by state (where the reporting consumers live), by campaign theme (words such as
"warranty" or "medicare"), by provider, and by alert kind. Each criterion left empty matches every
alert; the criteria that are set must all match (a New York agency following "warranty" gets the
warranty alerts that touch New York). Within one criterion any value matches.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from graphengine.alerts.model import ALERT_KINDS, Alert
from graphengine.errors import ConfigError

__all__ = ["Subscription", "route"]


@dataclass(frozen=True)
class Subscription:
    """What one agency follows. Empty sets match everything."""

    agency: str
    states: frozenset[str] = frozenset()
    themes: frozenset[str] = frozenset()
    providers: frozenset[str] = frozenset()
    kinds: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if not self.agency.strip():
            raise ConfigError("a subscription needs an agency")
        bad = [s for s in self.states if len(s) != 2 or not s.isalpha()]
        if bad:
            raise ConfigError(f"states are two-letter codes, not {', '.join(sorted(bad))}")
        unknown = set(self.kinds) - set(ALERT_KINDS)
        if unknown:
            raise ConfigError(f"unknown alert kind(s): {', '.join(sorted(unknown))}")
        object.__setattr__(self, "states", frozenset(s.upper() for s in self.states))
        object.__setattr__(self, "themes", frozenset(t.strip().lower() for t in self.themes))

    def matches(self, alert: Alert) -> bool:
        """True when every criterion that is set matches ``alert``."""
        if self.kinds and alert.kind not in self.kinds:
            return False
        if self.states and not self.states.intersection(alert.states):
            return False
        if self.providers:
            keys = {p.key for p in alert.providers}
            if alert.provider_key:
                keys.add(alert.provider_key)
            if not self.providers.intersection(keys):
                return False
        if self.themes:
            words = set(alert.themes)
            text = " ".join([*alert.themes, str(alert.signature.get("representative", ""))]).lower()
            if not any(t in words or t in text for t in self.themes):
                return False
        return True


def route(alerts: Iterable[Alert], subscriptions: Iterable[Subscription]) -> dict[str, list[Alert]]:
    """Agency -> the alerts its subscriptions match (each alert once per agency, in input order)."""
    out: dict[str, list[Alert]] = {}
    subs = list(subscriptions)
    for alert in alerts:
        for agency in sorted({s.agency for s in subs if s.matches(alert)}):
            out.setdefault(agency, []).append(alert)
    return out
