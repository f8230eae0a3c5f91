"""Alert rules on hand-built events, hops and findings: which events alert, and with what evidence."""

from __future__ import annotations

import pandas as pd
import pytest

from graphengine.alerts import (
    Alert,
    AlertRules,
    ProviderRef,
    Subscription,
    campaign_event_alerts,
    finding_alerts,
    new_gateway_alerts,
    route,
)
from graphengine.errors import ConfigError


def _hops(rows: list[tuple[str, int, str, str, str, str, str]]) -> pd.DataFrame:
    """(traceback, hop, provider_key, role, attestation, campaign, call_time) -> a hop frame."""
    frame = pd.DataFrame(
        rows,
        columns=[
            "traceback_id",
            "hop",
            "provider_key",
            "role",
            "attestation",
            "campaign",
            "call_time",
        ],
    )
    frame["provider"] = frame["provider_key"].str.title()
    frame["call_time"] = pd.to_datetime(frame["call_time"], utc=True)
    return frame


HOPS = _hops(
    [
        # campaign "auto warranty": three tracebacks through gateway gw-a, then one through gw-b
        ("T1", 0, "term", "terminating", "C", "auto warranty", "2026-01-01T10:00Z"),
        ("T1", 1, "gw-a", "gateway", "C", "auto warranty", "2026-01-01T10:00Z"),
        ("T2", 0, "term", "terminating", "C", "auto warranty", "2026-01-02T10:00Z"),
        ("T2", 1, "gw-a", "gateway", "C", "auto warranty", "2026-01-02T10:00Z"),
        ("T3", 0, "term", "terminating", "C", "auto warranty", "2026-01-03T10:00Z"),
        ("T3", 1, "gw-a", "gateway", "C", "auto warranty", "2026-01-03T10:00Z"),
        ("T4", 0, "term", "terminating", "B", "auto warranty", "2026-01-04T10:00Z"),
        ("T4", 1, "gw-b", "gateway", "B", "auto warranty", "2026-01-04T10:00Z"),
        ("T5", 0, "term", "terminating", "C", "auto warranty", "2026-01-05T10:00Z"),
        ("T5", 1, "gw-b", "gateway", "C", "auto warranty", "2026-01-05T10:00Z"),
    ]
)


def test_new_gateway_alerts_once_per_gateway_after_the_campaign_has_history() -> None:
    alerts = new_gateway_alerts(HOPS)
    # gw-a is the campaign's first gateway (no prior tracebacks): not new. gw-b appears after 3.
    assert [(a.campaign_id, a.provider_key, a.traceback_ids) for a in alerts] == [
        ("auto warranty", "gw-b", ("T4",))
    ]
    assert "after 3 earlier tracebacks" in alerts[0].reason
    assert alerts[0].occurred_at == pd.Timestamp("2026-01-04T10:00Z")
    assert {p.key for p in alerts[0].providers} == {"term", "gw-b"}
    assert new_gateway_alerts(HOPS, rules=AlertRules(new_gateway_min_prior=4)) == []
    assert new_gateway_alerts(HOPS, since=pd.Timestamp("2026-01-05T00:00Z")) == []


EVENTS = pd.DataFrame(
    {
        "kind": ["new_campaign", "new_campaign", "surge", "stop", "displacement"],
        "campaign_id": ["C-1", "C-2", "C-1", "C-1", "C-1"],
        "time": pd.to_datetime(
            ["2026-01-01", "2026-01-01", "2026-01-03", "2026-01-09", "2026-01-05"], utc=True
        ),
        "magnitude": [30.0, 5.0, 8.9, 0.0, 1.0],
        "baseline": [0.0, 0.0, 4.5, 12.0, 0.0],
        "report_ids": ["R1;R2;R3", "R9", "R2;R3", "", "R3"],
        "traceback_ids": ["T1", "", "T1;T2", "", "T4"],
        "details": ["{}", "{}", "{}", "{}", '{"from_gateway": "gw-a", "to_gateway": "gw-b"}'],
    }
)
REPORTS = pd.DataFrame(
    {"report_id": ["R1", "R2", "R3", "R9"], "consumer_state": ["NY", "ny", "CA", "TX"]}
)
CAMPAIGNS = pd.DataFrame(
    {
        "campaign_id": ["C-1"],
        "representative_transcript": ["we are calling about your car's extended warranty"],
        "distinctive_terms": ["warranty;vehicle"],
        "callback_numbers": ["+18005550100"],
    }
)


def test_campaign_events_pass_the_thresholds_and_carry_their_evidence() -> None:
    alerts = campaign_event_alerts(EVENTS, campaigns=CAMPAIGNS, reports=REPORTS, hops=HOPS)
    # C-2 is below the new-campaign threshold (5 < 20); stop does not alert.
    assert [(a.kind, a.campaign_id) for a in alerts] == [
        ("new_campaign", "C-1"),
        ("surge", "C-1"),
        ("displacement", "C-1"),
    ]
    surge = alerts[1]
    assert surge.reason == "surge: 8.9 times the expected 4.5 reports a day"
    assert alerts[2].reason == "campaign traffic moved from gateway gw-a to gateway gw-b"
    assert surge.traceback_ids == ("T1", "T2")
    assert surge.report_ids == ("R2", "R3")
    assert surge.states == ("CA", "NY")
    assert surge.themes == ("vehicle", "warranty")
    assert surge.signature["callback_numbers"] == ["+18005550100"]
    assert surge.tlp == "TLP:AMBER" and alerts[0].tlp == "TLP:GREEN"
    gw = {p.key: p for p in surge.providers}["gw-a"]
    assert gw == ProviderRef("gw-a", "Gw-A", ("gateway",), ("C",), 2)


def test_rules_thresholds_and_kinds_are_parameters() -> None:
    rules = AlertRules(new_campaign_min_reports=5, kinds=frozenset({"new_campaign"}))
    alerts = campaign_event_alerts(EVENTS, rules=rules)
    assert [(a.kind, a.campaign_id) for a in alerts] == [
        ("new_campaign", "C-1"),
        ("new_campaign", "C-2"),
    ]
    with pytest.raises(ConfigError, match="unknown alert kind"):
        AlertRules(kinds=frozenset({"weather"}))
    with pytest.raises(ConfigError, match="TLP:PURPLE"):
        AlertRules(tlp={"surge": "TLP:PURPLE"})
    with pytest.raises(ConfigError, match="campaign_id or campaign"):
        campaign_event_alerts(EVENTS.drop(columns=["campaign_id"]))


def test_alert_ids_are_stable_and_depend_on_subject_and_time() -> None:
    first = campaign_event_alerts(EVENTS, campaigns=CAMPAIGNS, reports=REPORTS, hops=HOPS)
    again = campaign_event_alerts(EVENTS, campaigns=CAMPAIGNS, reports=REPORTS, hops=HOPS)
    assert [a.alert_id for a in first] == [a.alert_id for a in again]
    assert len({a.alert_id for a in first}) == 3
    assert all(a.alert_id.startswith("AL-") and len(a.alert_id) == 19 for a in first)
    with pytest.raises(ConfigError, match="no time zone"):
        Alert(kind="surge", occurred_at=pd.Timestamp("2026-01-01"), reason="x", campaign_id="C")


def test_finding_alerts_newly_noncooperative_and_rmd_removed_still_carrying() -> None:
    noncoop = pd.DataFrame(
        {
            "provider_key": ["gw-a", "gw-b", "term"],
            "noncooperative": [True, True, False],
            "nonresponse_tracebacks": [3, 4, 0],
            "reasons": ["no response on 3 of 3", "no response on 4 of 5", ""],
            "traceback_ids": ["T1;T2;T3", "T4;T5", ""],
        }
    )
    providers = pd.DataFrame(
        {
            "provider_key": ["gw-a", "gw-b", "term"],
            "rmd_removed_on": pd.to_datetime([pd.NaT, "2026-01-04T12:00Z", pd.NaT], utc=True),
        }
    )
    alerts = finding_alerts(noncoop, HOPS, providers, previous_noncooperative=["gw-a"])
    kinds = [(a.kind, a.provider_key, a.traceback_ids) for a in alerts]
    # gw-a was already flagged before; gw-b is new. gw-b carried T5 after its removal (T4 was before).
    assert kinds == [
        ("newly_noncooperative", "gw-b", ("T4", "T5")),
        ("rmd_removed_carrying", "gw-b", ("T5",)),
    ]
    assert "removed from the Robocall Mitigation Database on 2026-01-04" in alerts[1].reason
    assert len(finding_alerts(noncoop, HOPS, providers)) == 3  # no previous run: both are new


def test_subscriptions_match_on_every_criterion_that_is_set() -> None:
    alerts = campaign_event_alerts(EVENTS, campaigns=CAMPAIGNS, reports=REPORTS, hops=HOPS)
    subs = [
        Subscription("NY AG", states=frozenset({"ny"})),
        Subscription("TX AG", states=frozenset({"TX"})),
        Subscription(
            "Warranty task force", themes=frozenset({"Warranty"}), kinds=frozenset({"surge"})
        ),
        Subscription("Gateway watch", providers=frozenset({"gw-b"})),
    ]
    routed = route(alerts, subs)
    # the displacement's only report (R3) came from California
    assert [a.kind for a in routed["NY AG"]] == ["new_campaign", "surge"]
    assert "TX AG" not in routed
    assert [a.kind for a in routed["Warranty task force"]] == ["surge"]
    assert [a.kind for a in routed["Gateway watch"]] == ["displacement"]  # T4 went through gw-b
    with pytest.raises(ConfigError, match="two-letter"):
        Subscription("X", states=frozenset({"New York"}))
