"""Alerts to law enforcement: rules over engine events, subscriptions, and their delivery formats.

The engine side of the coalition's ask to alert "relevant law enforcement agencies of suspected
illegal robocall campaigns". It turns campaign events and findings into :class:`Alert` objects
(:mod:`~graphengine.alerts.rules`), routes them to agencies' :class:`Subscription`\\ s, and renders
them as signed Standard Webhooks deliveries, Atom and JSON feeds, and STIX 2.1 bundles. It knows
nothing of the platform, which stores alerts and deliveries and serves the feeds.
"""

from graphengine.alerts.feeds import atom_feed, json_feed
from graphengine.alerts.model import ALERT_KINDS, TLP_LEVELS, Alert, ProviderRef
from graphengine.alerts.rules import (
    AlertRules,
    campaign_event_alerts,
    finding_alerts,
    new_gateway_alerts,
)
from graphengine.alerts.subscriptions import Subscription, route

__all__ = [
    "ALERT_KINDS",
    "TLP_LEVELS",
    "Alert",
    "AlertRules",
    "ProviderRef",
    "Subscription",
    "atom_feed",
    "campaign_event_alerts",
    "finding_alerts",
    "json_feed",
    "new_gateway_alerts",
    "route",
]
