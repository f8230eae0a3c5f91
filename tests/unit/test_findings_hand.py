"""Findings on the tiny fixture (tests/helpers/findings_tiny.py), every value worked out by hand.

The fixture is 10 tracebacks and 9 providers; its docstring draws each path. The window is all
data: 2024-01-10 (tb01) to 2024-09-09 (tb10) = 243 days = 243 / 30.436875 = 7.98374 months.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from graphengine.findings import (
    FindingsConfig,
    NonCooperationRule,
    TargetWeights,
    Window,
    compute_findings,
)
from tests.helpers.findings_tiny import tiny_hops, tiny_providers

#: The hand-worked configuration: chokepoint weight 0 (so scores are sums of fractions), and a
#: non-cooperation rule with the "stopped" reason switched on and 2 events enough.
NO_CHOKE = FindingsConfig(
    weights=TargetWeights(chokepoint=0.0),
    noncooperation=NonCooperationRule(min_nonresponse=2, min_stopped=2),
)


@pytest.fixture(scope="module")
def found():
    return compute_findings(tiny_hops(), tiny_providers(), config=NO_CHOKE)


def _row(frame: pd.DataFrame, key: str, column: str = "provider_key") -> pd.Series:
    rows = frame[frame[column] == key]
    assert len(rows) == 1, f"{key} has {len(rows)} rows"
    return rows.iloc[0]


def test_role_profiles_by_hand(found):
    """Counts per role (distinct tracebacks):

    term1: terminating on tb01, tb02, tb04, tb06, tb07, tb09 = 6 -> share 6/10 = 0.6
    term2: terminating on tb03, tb05, tb08, tb10 = 4
    transit: intermediate on tb01, tb02, tb04, tb06, tb07, tb08, tb10 = 7, campaigns
      {auto warranty, ssa} = 2, per month 7 / 7.98374 = 0.876782
    gate: gateway on tb01-tb03 = 3; foreignco: foreign on tb01-tb03 = 3
    origin: originating on tb04-tb06 = 3, first 2024-02-15, last 2024-04-20
    silent: 2 tracebacks, role unknown -> every role count 0
    """
    p = found.profiles.set_index("provider_key")
    assert len(p) == 9
    assert p.loc["term1", "terminating"] == 6
    assert p.loc["term1", "share_of_tracebacks"] == pytest.approx(0.6)
    assert p.loc["term2", "terminating"] == 4
    assert p.loc["transit", "intermediate"] == 7
    assert p.loc["transit", "campaigns"] == 2
    assert p.loc["transit", "tracebacks_per_month"] == pytest.approx(7 / (243 / 30.436875))
    assert p.loc["gate", "gateway"] == 3 and p.loc["foreignco", "foreign"] == 3
    assert p.loc["origin", "originating"] == 3
    assert p.loc["origin", "first_seen"] == pd.Timestamp("2024-02-15", tz="UTC")
    assert p.loc["origin", "last_seen"] == pd.Timestamp("2024-04-20", tz="UTC")
    assert p.loc["silent", "tracebacks"] == 2
    assert p.loc["silent", ["terminating", "intermediate", "gateway", "originating"]].sum() == 0
    assert (p["window_since"] == pd.Timestamp("2024-01-10", tz="UTC")).all()
    assert (p["window_until"] == pd.Timestamp("2024-09-09", tz="UTC")).all()


def test_repeat_offenders_by_hand(found):
    """3 in 12 months: gate is a gateway on tb01 (Jan), tb02 (Feb), tb03 (Jun) -> repeat gateway;
    origin originates tb04 (Feb 15), tb05 (Mar 15), tb06 (Apr 20) -> repeat originator;
    shady originates once -> not a repeat originator."""
    assert found.repeat_gateways["provider_key"].tolist() == ["gate"]
    assert found.repeat_gateways.loc[0, "traceback_ids"] == "tb01;tb02;tb03"
    assert found.repeat_originators["provider_key"].tolist() == ["origin"]
    assert found.repeat_originators.loc[0, "traceback_ids"] == "tb04;tb05;tb06"
    assert found.repeat_originators.loc[0, "span_end"] == pd.Timestamp("2024-04-20", tz="UTC")


def test_repeat_threshold_and_window_are_parameters():
    """Threshold 4: nobody has 4 gateway tracebacks. Window from 2024-02-01: gate keeps only
    tb02 and tb03, 2 < 3, so no repeat gateway; origin keeps all three."""
    hops = tiny_hops()
    assert compute_findings(hops, config=FindingsConfig(repeat_threshold=4)).repeat.empty
    late = compute_findings(hops, config=FindingsConfig(window=Window(since="2024-02-01")))
    assert late.repeat_gateways.empty
    assert late.repeat_originators["provider_key"].tolist() == ["origin"]


def test_noncooperation_by_hand(found):
    """silent: no_response on tb07 and tb08, asked 2 -> share 1.0 >= 0.5 and 2 >= 2 (rule 1);
    both tracebacks stop at it (rule 2) -> non-cooperative, evidence tb07;tb08.
    foreignco: answers "foreign" but names no upstream and no customer on tb01-tb03 -> stopped 3
    times (rule 2) -> non-cooperative; it is also not in the RMD (3 unlisted events).
    transit: insufficient_records on tb10 only, 1 of 7 asked (share 0.142857), stopped once ->
    not flagged. removed: one call (tb05) after its removal -> event, not flagged.
    """
    nc = found.noncooperation
    assert found.noncooperative["provider_key"].tolist() == ["silent", "foreignco"]
    silent = _row(nc, "silent")
    assert silent["nonresponse_tracebacks"] == 2 and silent["asked"] == 2
    assert silent["stopped_tracebacks"] == 2
    assert silent["traceback_ids"] == "tb07;tb08"
    assert silent["reasons"] == (
        "no response or insufficient records on 2 of 2 tracebacks; traceback stopped here 2 times"
    )
    foreign = _row(nc, "foreignco")
    assert foreign["reasons"] == "traceback stopped here 3 times"
    assert foreign["unlisted_tracebacks"] == 3
    assert foreign["traceback_ids"] == "tb01;tb02;tb03"
    transit = _row(nc, "transit")
    assert not transit["noncooperative"]
    assert transit["nonresponse_share"] == pytest.approx(1 / 7)
    assert _row(nc, "removed")["unlisted_ids"] == "tb05"
    events = found.events
    assert set(events.loc[events["provider_key"] == "removed", "event"]) == {"removed_from_rmd"}


def test_rmd_violations_by_hand(found):
    """Edges from non-RMD upstreams (after 2021-09-28, into U.S. providers):
    foreignco -> gate on tb01, tb02, tb03 (foreign upstreams must be listed);
    shady -> term1 on tb09 (never listed); removed -> term2 on tb05 (call 03-15, removed 03-01).
    silent -> transit is not one: silent is listed. 5 edges, findings against gate, term1, term2.
    """
    v = found.rmd_violations
    got = v[["downstream_key", "upstream_key", "traceback_id", "reason"]].values.tolist()
    assert got == [
        ["gate", "foreignco", "tb01", "not_listed"],
        ["gate", "foreignco", "tb02", "not_listed"],
        ["gate", "foreignco", "tb03", "not_listed"],
        ["term1", "shady", "tb09", "not_listed"],
        ["term2", "removed", "tb05", "removed_before_call"],
    ]


def test_rmd_foreign_exempt_and_effective_date():
    """With foreign upstreams exempt the three foreignco -> gate edges go; with the rule
    effective from 2024-04-01 only tb09 (08-08) and tb03 (06-10) remain."""
    from graphengine.findings import RmdRule

    hops, prov = tiny_hops(), tiny_providers()
    exempt = compute_findings(
        hops, prov, config=FindingsConfig(rmd=RmdRule(foreign_upstreams="exempt"))
    )
    assert exempt.rmd_violations["traceback_id"].tolist() == ["tb09", "tb05"]
    late = compute_findings(hops, prov, config=FindingsConfig(rmd=RmdRule(effective="2024-04-01")))
    assert late.rmd_violations["traceback_id"].tolist() == ["tb03", "tb09"]


def test_no_rmd_supplied_means_no_rmd_findings():
    found = compute_findings(tiny_hops())
    assert found.rmd_violations.empty
    assert not found.rmd_supplied
    assert found.notes == ["no RMD data supplied: RMD violations and RMD events were not computed"]


def test_accepts_from_flagged_by_hand(found):
    """Flagged: silent, foreignco. gate accepted foreignco's calls on tb01 (01-10), tb02, tb03
    (06-10); transit accepted silent's on tb07 (05-05) and tb08 (07-07)."""
    a = found.accepts_from_flagged
    assert a["downstream_key"].tolist() == ["gate", "transit"]
    assert a["tracebacks"].tolist() == [3, 2]
    assert a["flagged_upstreams"].tolist() == ["foreignco", "silent"]
    assert a["first_call"].tolist() == [
        pd.Timestamp("2024-01-10", tz="UTC"),
        pd.Timestamp("2024-05-05", tz="UTC"),
    ]
    assert a["last_call"].tolist() == [
        pd.Timestamp("2024-06-10", tz="UTC"),
        pd.Timestamp("2024-07-07", tz="UTC"),
    ]


def test_attestation_by_hand(found):
    """tb04 is A-attested with caller ID 202-555-0143, a 555-01XX fictional number; the most
    upstream A hop is origin (hop 2). tb06's 212-555-1234 is valid. tb09: shady originates with
    attestation C."""
    an = found.anomalies
    got = an[["provider_key", "kind", "traceback_id", "detail"]].values.tolist()
    assert got == [
        ["origin", "a_attested_spoofed", "tb04", "555-01XX fictional number"],
        ["shady", "c_at_originating", "tb09", "C attestation at an originating hop"],
    ]


def test_dno_list_marks_the_valid_number():
    """With 212-555-1234 on the DNO list, tb06 (A-attested, signed at origin) is spoofed too."""
    found = compute_findings(tiny_hops(), config=FindingsConfig(dno=frozenset({"2125551234"})))
    rows = found.anomalies[found.anomalies["traceback_id"] == "tb06"]
    assert rows[["provider_key", "detail"]].values.tolist() == [["origin", "on DNO list"]]


def test_chokepoints_by_hand(found):
    """Edge weights (distinct tracebacks): transit->term1 5, foreignco->gate 3, gate->transit 2,
    origin->transit 2, silent->transit 2, transit->term2 2, gate->term2 1, origin->removed 1,
    removed->term2 1, shady->term1 1; cost = 1/weight. n = 9, scale (n-1)(n-2) = 56.
    transit lies on the only shortest path of gate->term1, foreignco->term1, origin->term1,
    origin->term2 (1/2+1/2 = 1 < 1+1 via removed), silent->term1, silent->term2, and on one of two
    equal paths of gate->term2 (1 = 1/2+1/2) and foreignco->term2: 6 + 2 * 0.5 = 7 -> 7/56.
    gate lies on foreignco->transit, foreignco->term1, foreignco->term2: 3 -> 3/56."""
    c = found.chokepoints.set_index("provider_key")
    assert c.loc["transit", "betweenness"] == pytest.approx(7 / 56)
    assert c.loc["gate", "betweenness"] == pytest.approx(3 / 56)
    assert c.loc["term1", "betweenness"] == 0
    assert c["pagerank"].sum() == pytest.approx(1.0)
    assert c.index[0] == "transit"


def test_target_scores_by_hand(found):
    """s(c) = c / (c + 3); weights gateway 2, originating 2, nonresponse 2, stopped 1,
    rmd_violation 1.5, unlisted 1, accepts_flagged 1, attestation 1.5, chokepoint 0 here.

    gate      = 2*s(3) + 1.5*s(3) + 1*s(3)           = 1 + 0.75 + 0.5       = 2.25
    origin    = 2*s(3) + 1.5*s(1)                     = 1 + 0.375            = 1.375
    silent    = 2*s(2) + 1*s(2)                       = 0.8 + 0.4            = 1.2
    transit   = 2*s(1) + 1*s(1) + 1*s(2)              = 0.5 + 0.25 + 0.4     = 1.15
    shady     = 2*s(1) + 1*s(1) + 1.5*s(1)            = 0.5 + 0.25 + 0.375   = 1.125
    foreignco = 1*s(3) + 1*s(3)                       = 0.5 + 0.5            = 1.0
    term1     = 1.5*s(1) = 0.375; term2 = 0.375 (tie broken by key); removed = 1*s(1) = 0.25
    """
    t = found.targets
    assert t["provider_key"].tolist() == [
        "gate", "origin", "silent", "transit", "shady", "foreignco", "term1", "term2", "removed",
    ]  # fmt: skip
    assert t["score"].tolist() == pytest.approx(
        [2.25, 1.375, 1.2, 1.15, 1.125, 1.0, 0.375, 0.375, 0.25]
    )
    assert t["rank"].tolist() == list(range(1, 10))
    gate = _row(t, "gate")
    assert bool(gate["repeat_gateway"]) and not bool(gate["noncooperative"])
    assert gate["reasons"] == (
        "repeat gateway on 3 tracebacks; accepted calls from non-RMD upstreams on 3 tracebacks; "
        "accepted traffic from non-cooperative providers on 3 tracebacks"
    )
    assert gate["traceback_ids"] == "tb01;tb02;tb03"
    assert _row(t, "shady")["traceback_ids"] == "tb09"
    assert _row(t, "origin")["traceback_ids"] == "tb04;tb05;tb06"


def test_defaults_flag_nobody_and_weigh_chokepoints():
    """Default rule: 3 non-responses needed (silent has 2) and "stopped" is off (foreignco), so
    nobody is non-cooperative and nobody "accepts from flagged providers". Default chokepoint
    weight 0.5: transit (max betweenness) gains 0.5 and loses accepts_flagged 1*s(2) = 0.4 ->
    1.15 - 0.4 + 0.5 = 1.25; gate loses 0.5 and gains 0.5 * (3/56)/(7/56) = 3/14 ->
    1.75 + 0.214286 = 1.964286."""
    found = compute_findings(tiny_hops(), tiny_providers())
    assert found.noncooperative.empty and found.accepts_from_flagged.empty
    t = found.targets.set_index("provider_key")
    assert t.loc["transit", "score"] == pytest.approx(1.25)
    assert t.loc["gate", "score"] == pytest.approx(1.75 + 3 / 14, abs=1e-6)


def test_written_files_are_deterministic(tmp_path, found):
    paths = found.write(tmp_path / "a")
    again = compute_findings(tiny_hops(), tiny_providers(), config=NO_CHOKE).write(tmp_path / "b")
    for name in ("findings", "targets"):
        assert paths[name].read_bytes() == again[name].read_bytes()
    doc = json.loads(paths["findings"].read_text())
    assert doc["summary"]["noncooperative"] == 2
    assert doc["summary"]["rmd_violation_edges"] == 5
    assert doc["repeat_gateways"][0]["traceback_ids"] == ["tb01", "tb02", "tb03"]
    assert doc["window"]["since"] == "2024-01-10T00:00:00+00:00"
    csv = pd.read_csv(paths["targets"])
    assert csv["provider_key"].tolist()[:2] == ["gate", "origin"]
    assert "<table>" in found._repr_html_()
