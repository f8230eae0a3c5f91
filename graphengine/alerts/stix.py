"""Alerts as a STIX 2.1 bundle, for agencies whose tools speak threat intelligence.

What goes in, per alert
    * a ``report`` naming the alert (its reason is the description, its kind a label) and listing
      every object below;
    * a ``campaign`` for a campaign alert (its signature's representative transcript as the
      description);
    * an ``identity`` (organization, sector telecommunications) per provider in the alert's paths,
      and one for the producer that ``created_by_ref`` points to;
    * ``observed-data`` holding the campaign's callback numbers as ``phone-number`` observables,
      and a ``sighting`` of the campaign where the providers carried it (``count`` = tracebacks).

STIX 2.1 has no telephone-number observable, so this module defines one, ``phone-number`` with
one property ``value`` (E.164), under an ``extension-definition`` of type ``new-sco``. Markings are
STIX's TLP 1.0 definitions: TLP:CLEAR maps to TLP:WHITE, and TLP:AMBER+STRICT to TLP:AMBER with a
``tlp:amber+strict`` label, since STIX 2.1 predefines only the four TLP 1.0 markings.

Ids are UUIDv5 derived from content and times come from the alerts, so the same alerts give the
same bundle byte for byte.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import stix2
from stix2.properties import StringProperty

from graphengine.alerts.model import Alert, utc
from graphengine.errors import ConfigError

__all__ = ["PHONE_EXTENSION_ID", "PhoneNumber", "stix_bundle", "stix_json"]

#: Fixed id of our phone-number extension definition (receivers key on it; never change it).
PHONE_EXTENSION_ID = "extension-definition--5b8f4a0e-3c1e-4d55-9f3a-8d2c7e1a6b90"
_NAMESPACE = uuid.UUID("1c1b0a52-6d0c-4c8e-a2a4-5f3f0c9a7d11")

_TLP = {
    "TLP:CLEAR": stix2.TLP_WHITE,
    "TLP:GREEN": stix2.TLP_GREEN,
    "TLP:AMBER": stix2.TLP_AMBER,
    "TLP:AMBER+STRICT": stix2.TLP_AMBER,
    "TLP:RED": stix2.TLP_RED,
}


@stix2.v21.CustomObservable(
    "phone-number",
    [("value", StringProperty(required=True))],
    id_contrib_props=["value"],
    extension_name=PHONE_EXTENSION_ID,
)
class PhoneNumber:
    """A telephone number (E.164) as a STIX cyber-observable."""


def _sid(kind: str, *parts: str) -> str:
    """A content-derived id in UUIDv4 form (STIX asks v4 of domain objects; ours must repeat)."""
    digest = uuid.uuid5(_NAMESPACE, "|".join((kind, *parts))).bytes
    return f"{kind}--{uuid.UUID(bytes=digest, version=4)}"


def _stamp(value: datetime) -> str:
    return utc(value).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def stix_bundle(alerts: Sequence[Alert], *, producer: str = "graphengine") -> stix2.Bundle:
    """A STIX 2.1 bundle of ``alerts``; see the module docstring for its objects.

    Raises
    ------
    graphengine.errors.ConfigError
        When ``alerts`` is empty: an empty bundle is not worth sending.
    """
    if not alerts:
        raise ConfigError("no alerts to export")
    first = min(a.occurred_at for a in alerts)
    created = _stamp(first)
    me = stix2.Identity(
        id=_sid("identity", "producer", producer),
        name=producer,
        identity_class="organization",
        created=created,
        modified=created,
    )
    extension = stix2.ExtensionDefinition(
        id=PHONE_EXTENSION_ID,
        created_by_ref=me.id,
        created=created,
        modified=created,
        name="phone-number",
        description="A telephone number as a cyber-observable: one property, value, in E.164.",
        schema="phone-number: {value: string, required, E.164 telephone number such as "
        "+12025550143}",
        version="1.0.0",
        extension_types=["new-sco"],
    )
    objects: dict[str, Any] = {me.id: me, extension.id: extension}
    for alert in sorted(alerts, key=lambda a: (a.occurred_at, a.alert_id)):
        for obj in _alert_objects(alert, me.id):
            objects.setdefault(obj.id, obj)
    return stix2.Bundle(
        objects=list(objects.values()),
        id=_sid("bundle", *sorted(a.alert_id for a in alerts)),
        allow_custom=True,
    )


def _alert_objects(alert: Alert, producer_id: str) -> list[Any]:
    when = _stamp(alert.occurred_at)
    marking = [_TLP[alert.tlp].id]
    labels = [alert.kind] + (["tlp:amber+strict"] if alert.tlp == "TLP:AMBER+STRICT" else [])
    common = {
        "created_by_ref": producer_id,
        "created": when,
        "modified": when,
        "object_marking_refs": marking,
    }
    out: list[Any] = []
    providers = [
        stix2.Identity(
            id=_sid("identity", "provider", p.key),
            name=p.name,
            identity_class="organization",
            sectors=["telecommunications"],
            description=f"voice service provider; roles on these calls: {', '.join(p.roles) or 'unknown'}",
            **{**common, "object_marking_refs": []},
        )
        for p in alert.providers
    ]
    out.extend(providers)
    subject = None
    if alert.campaign_id:
        subject = stix2.Campaign(
            id=_sid("campaign", alert.campaign_id),
            name=alert.campaign_id,
            description=str(alert.signature.get("representative") or alert.reason),
            **{**common, "created": _stamp(alert.occurred_at)},
        )
        out.append(subject)
    callbacks = [n for n in alert.signature.get("callback_numbers", []) if n]
    numbers: list[Any] = [PhoneNumber(value=n) for n in callbacks]  # type: ignore[call-arg]
    observed = None
    if numbers:
        out.extend(numbers)
        observed = stix2.ObservedData(
            id=_sid("observed-data", alert.alert_id),
            first_observed=when,
            last_observed=when,
            number_observed=max(1, len(alert.report_ids)),
            object_refs=[n.id for n in numbers],
            **common,
        )
        out.append(observed)
    if subject is not None and providers:
        out.append(
            stix2.Sighting(
                id=_sid("sighting", alert.alert_id),
                sighting_of_ref=subject.id,
                where_sighted_refs=[p.id for p in providers],
                observed_data_refs=[observed.id] if observed is not None else None,
                count=max(1, len(alert.traceback_ids)),
                first_seen=when,
                last_seen=when,
                **common,
            )
        )
    refs = [o.id for o in out] or [producer_id]
    out.append(
        stix2.Report(
            id=_sid("report", alert.alert_id),
            name=f"{alert.alert_id}: {alert.title}",
            description=alert.reason,
            published=when,
            report_types=["campaign" if alert.campaign_id else "threat-actor"],
            labels=labels,
            object_refs=refs,
            external_references=[
                {
                    "source_name": "graphengine",
                    "external_id": alert.alert_id,
                    "description": "traceback ids: " + ", ".join(alert.traceback_ids[:50]),
                }
            ],
            **common,
        )
    )
    return out


def stix_json(alerts: Sequence[Alert], *, producer: str = "graphengine") -> str:
    """The bundle of :func:`stix_bundle` as JSON text with sorted keys (byte-reproducible)."""
    bundle = stix_bundle(alerts, producer=producer)
    return json.dumps(json.loads(bundle.serialize()), sort_keys=True, indent=1)
