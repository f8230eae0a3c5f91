"""Per-agency feeds of alerts: Atom (RFC 4287) and JSON Feed 1.1.

Both are built from the same alert dicts; entry ids are ``urn:graphengine:alert:<alert_id>``, so a
feed reader sees an alert once however often the feed is fetched. Entries are newest first.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import datetime

from graphengine.alerts.model import Alert, utc

__all__ = ["atom_feed", "json_feed", "entry_id"]

_ATOM = "http://www.w3.org/2005/Atom"


def entry_id(alert: Alert) -> str:
    """The alert's stable URN, used as the entry id in both feeds."""
    return f"urn:graphengine:alert:{alert.alert_id}"


def _iso(value: datetime) -> str:
    return utc(value).isoformat().replace("+00:00", "Z")


def _newest_first(alerts: Sequence[Alert]) -> list[Alert]:
    return sorted(alerts, key=lambda a: (a.occurred_at, a.alert_id), reverse=True)


def atom_feed(
    alerts: Sequence[Alert], *, feed_id: str, title: str, updated: datetime, link: str
) -> bytes:
    """An Atom feed document (UTF-8 bytes) with one entry per alert.

    ``updated`` is the feed's own time (pass the newest alert's time for a reproducible feed);
    ``link`` is the feed's URL. Each entry's content is the alert as JSON.
    """
    ET.register_namespace("", _ATOM)
    feed = ET.Element(f"{{{_ATOM}}}feed")
    ET.SubElement(feed, f"{{{_ATOM}}}id").text = feed_id
    ET.SubElement(feed, f"{{{_ATOM}}}title").text = title
    ET.SubElement(feed, f"{{{_ATOM}}}updated").text = _iso(updated)
    ET.SubElement(feed, f"{{{_ATOM}}}link", rel="self", href=link)
    author = ET.SubElement(feed, f"{{{_ATOM}}}author")
    ET.SubElement(author, f"{{{_ATOM}}}name").text = "graphengine"
    for alert in _newest_first(alerts):
        entry = ET.SubElement(feed, f"{{{_ATOM}}}entry")
        ET.SubElement(entry, f"{{{_ATOM}}}id").text = entry_id(alert)
        ET.SubElement(entry, f"{{{_ATOM}}}title").text = f"[{alert.tlp}] {alert.title}"
        ET.SubElement(entry, f"{{{_ATOM}}}updated").text = _iso(alert.occurred_at)
        ET.SubElement(entry, f"{{{_ATOM}}}summary").text = alert.reason
        ET.SubElement(entry, f"{{{_ATOM}}}category", term=alert.kind)
        content = ET.SubElement(entry, f"{{{_ATOM}}}content", type="application/json")
        content.text = json.dumps(alert.to_dict(), sort_keys=True)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def json_feed(alerts: Sequence[Alert], *, title: str, feed_url: str) -> dict[str, object]:
    """A JSON Feed 1.1 document (a dict; ``json.dumps`` it) with one item per alert."""
    return {
        "version": "https://jsonfeed.org/version/1.1",
        "title": title,
        "feed_url": feed_url,
        "items": [
            {
                "id": entry_id(alert),
                "title": f"[{alert.tlp}] {alert.title}",
                "content_text": alert.reason,
                "date_published": _iso(alert.occurred_at),
                "tags": [alert.kind, alert.tlp],
                "_graphengine": alert.to_dict(),
            }
            for alert in _newest_first(alerts)
        ],
    }
