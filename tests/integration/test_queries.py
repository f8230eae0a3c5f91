"""Every saved query against one hand-made fixture graph, on the real Neo4j.

The graph is tests/data/queries/hops.csv + rmd.csv, loaded through the real loader and store,
plus ecosystem ids written back (see tests/data/queries/README.md for the call flows). Every
expected row below is derived by hand from that table; the derivation is in each docstring.
Abbreviations: BW bluebell wireless, CM cobalt mobile, DT delta transit, EC echo carrier,
FG falcon gateway, GG granite gateway, HD harbor dialer, IV indigo voice, JN juniper network,
KT kestrel telecom, LL lotus link.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from graphengine import queries
from graphengine.errors import QueryError
from graphengine.store import (
    clear_database,
    graph_counts,
    graph_fingerprint,
    load_frames,
    write_provider_properties,
)
from loaders import load_inputs

pytestmark = pytest.mark.neo4j

DATA = Path(__file__).resolve().parents[1] / "data" / "queries"

BW, CM, DT, EC = "bluebell wireless", "cobalt mobile", "delta transit", "echo carrier"
FG, GG, HD, IV = "falcon gateway", "granite gateway", "harbor dialer", "indigo voice"
JN, KT, LL = "juniper network", "kestrel telecom", "lotus link"
MR = "maple routes"  # in the registry only: no traced hop
# display names come from the registry's business_name; EC and LL are not in it, so they keep
# the name printed in the hop table
NAME = {
    BW: "Bluebell Wireless Inc.",
    CM: "Cobalt Mobile LLC",
    DT: "Delta Transit, Inc.",
    EC: "Echo Carrier",
    FG: "Falcon Gateway LLC",
    GG: "Granite Gateway LLC",
    HD: "Harbor Dialer LLC",
    IV: "Indigo Voice Corp.",
    JN: "Juniper Networks LLC",
    KT: "Kestrel Telecom Ltd",
    LL: "Lotus Link",
}
ZENITH, YELLOWSTONE = "zenith leads", "yellowstone marketing"
SSA, AUTO, TAX = "SSA imposter", "auto warranty", "tax relief"


def t(month: int, day: int, hour: int) -> dt.datetime:
    """A 2024 call time in UTC."""
    return dt.datetime(2024, month, day, hour, tzinfo=dt.UTC)


# call time of each traceback (README table)
T = {
    "TB01": t(1, 10, 15),
    "TB02": t(1, 20, 16),
    "TB03": t(2, 5, 14),
    "TB04": t(2, 15, 13),
    "TB05": t(3, 10, 12),
    "TB06": t(3, 20, 18),
    "TB07": t(4, 2, 10),
    "TB08": t(4, 15, 11),
    "TB09": t(5, 5, 9),
    "TB10": t(6, 1, 8),
    "TB11": t(6, 20, 17),
}


def load_fixture(driver: Any, *extra: str) -> Any:
    """Clear the database and load hops.csv (plus ``extra`` hop files) and rmd.csv."""
    clear_database(driver)
    files = [DATA / "hops.csv", *(DATA / name for name in extra)]
    result = load_inputs(files, providers=DATA / "rmd.csv")
    return load_frames(driver, result.hops, result.providers, progress=False)


@pytest.fixture(scope="module")
def graph(neo4j_driver) -> Iterator[Any]:
    """The fixture graph, loaded once for this module through the real loader and store."""
    report = load_fixture(neo4j_driver)
    assert report.graph["ROUTED"] == 29 and report.graph["SENDS_TO"] == 20
    eco = pd.DataFrame(
        {
            "provider_key": [KT, LL, FG, GG, HD, EC, IV, JN, MR],
            "ecosystem": [1, 1, 1, 1, 2, 2, 2, 2, 2],
        }
    )
    assert write_provider_properties(neo4j_driver, eco, ["ecosystem"]) == 9
    yield neo4j_driver


def rows(driver: Any, name: str, **params: Any) -> list[tuple[Any, ...]]:
    """Run saved query ``name`` and return its rows, checking the columns against the header."""
    result = queries.execute(queries.get(name), params, driver=driver)
    assert tuple(result.columns) == queries.get(name).returns
    assert not result.truncated
    return result.rows


# --- 1. traceback_path -------------------------------------------------------------------------


def test_traceback_path(graph):
    """TB05 is LL[4] > KT[3] > FG[2, gateway] > DT[1] > BW[0], attestation C on every hop;
    KT answered (upstream LL), LL is foreign and named nobody. Printed names, hop countries."""
    when = T["TB05"]
    expected = [
        (0, BW, "Bluebell Wireless", "terminating", "Upstream identified", "responded", "C", "US", DT, None, when, SSA, 0),
        (1, DT, "Delta Transit", "intermediate", "Upstream identified", "responded", "C", "US", FG, None, when, SSA, 1),
        (2, FG, "Falcon Gateway", "gateway", "Upstream identified", "responded", "C", "US", KT, None, when, SSA, 2),
        (3, KT, "Kestrel Telecom", "foreign", "Upstream identified", "responded", "C", "GB", LL, None, when, SSA, 3),
        (4, LL, "Lotus Link", "foreign", "Foreign provider", "foreign", "C", "IN", None, None, when, SSA, 4),
    ]  # fmt: skip
    assert rows(graph, "traceback_path", traceback_id="TB05") == expected


def test_traceback_path_names_the_customer(graph):
    """TB03 ends at HD (originating), which identified its customer Zenith Leads."""
    got = rows(graph, "traceback_path", traceback_id="TB03")
    assert [(r[0], r[1], r[3], r[5], r[9]) for r in got] == [
        (0, BW, "terminating", "responded", None),
        (1, DT, "intermediate", "responded", None),
        (2, EC, "intermediate", "responded", None),
        (3, HD, "originating", "customer_identified", "Zenith Leads"),
    ]
    assert rows(graph, "traceback_path", traceback_id="TB99") == []


# --- 2. provider_tracebacks --------------------------------------------------------------------


def test_provider_tracebacks_in_window(graph):
    """FG's hops: TB01 (Jan, outside), TB05 gateway (up KT, down DT), TB08 intermediate (up JN,
    down CM), TB09 intermediate (up DT, down BW). Matched by a printed alias in capitals."""
    got = rows(
        graph,
        "provider_tracebacks",
        provider="FALCON GATEWAY",
        since="2024-03-01",
        until="2024-06-01",
    )
    assert got == [
        ("TB05", T["TB05"], SSA, 2, "gateway", "responded", KT, DT),
        ("TB08", T["TB08"], TAX, 1, "intermediate", "responded", JN, CM),
        ("TB09", T["TB09"], AUTO, 1, "intermediate", "responded", DT, BW),
    ]  # fmt: skip


def test_provider_tracebacks_matches_key_and_display_name(graph):
    """The key, the registry name and the printed name all find JN's 3 hops (TB04, TB07, TB08);
    JN named no upstream when it did not respond (TB04, TB08)."""
    expected = [
        ("TB04", T["TB04"], AUTO, 2, "intermediate", "no_response", None, DT),
        ("TB07", T["TB07"], AUTO, 2, "intermediate", "responded", IV, DT),
        ("TB08", T["TB08"], TAX, 2, "intermediate", "no_response", None, FG),
    ]
    for name in (JN, "Juniper Networks LLC", "JUNIPER NETWORKS LLC"):
        assert rows(graph, "provider_tracebacks", provider=name) == expected


# --- 3. upstream_tree --------------------------------------------------------------------------


DT_UPSTREAM_K2 = [
    # depth 1: the edge into DT on each of its 8 tracebacks
    (1, FG, NAME[FG], DT, NAME[DT], 2, ["TB01", "TB05"]),
    (1, JN, NAME[JN], DT, NAME[DT], 2, ["TB04", "TB07"]),
    (1, EC, NAME[EC], DT, NAME[DT], 1, ["TB03"]),
    (1, GG, NAME[GG], DT, NAME[DT], 1, ["TB02"]),
    (1, HD, NAME[HD], DT, NAME[DT], 1, ["TB09"]),
    (1, IV, NAME[IV], DT, NAME[DT], 1, ["TB10"]),
    # depth 2: one more hop up on the same tracebacks (TB04, TB09, TB10 end at depth 1)
    (2, KT, NAME[KT], FG, NAME[FG], 2, ["TB01", "TB05"]),
    (2, HD, NAME[HD], EC, NAME[EC], 1, ["TB03"]),
    (2, IV, NAME[IV], JN, NAME[JN], 1, ["TB07"]),
    (2, KT, NAME[KT], GG, NAME[GG], 1, ["TB02"]),
]


def test_upstream_tree_default_k(graph):
    """DT is hop 1 on TB01-05, TB07, TB10 and hop 2 on TB09. Sorted by depth, weight (desc),
    then keys."""
    assert rows(graph, "upstream_tree", provider=DT) == DT_UPSTREAM_K2


def test_upstream_tree_k3_reaches_the_second_foreign_hop(graph):
    """Depth 3 exists only on TB05: LL > KT above FG above DT. Matched by the registry name."""
    got = rows(graph, "upstream_tree", provider="Delta Transit, Inc.", k=3)
    assert got == [*DT_UPSTREAM_K2, (3, LL, NAME[LL], KT, NAME[KT], 1, ["TB05"])]


def test_upstream_tree_window(graph):
    """Only TB09 and TB10 are on/after May 1: HD > DT (TB09), IV > DT (TB10); nothing above."""
    got = rows(graph, "upstream_tree", provider=DT, since="2024-05-01")
    assert got == [
        (1, HD, NAME[HD], DT, NAME[DT], 1, ["TB09"]),
        (1, IV, NAME[IV], DT, NAME[DT], 1, ["TB10"]),
    ]


# --- 4. downstream_tree ------------------------------------------------------------------------


def test_downstream_tree_of_an_originator(graph):
    """HD is hop 3 on TB03 (> EC > DT > BW) and TB09 (> DT > FG > BW); k=2 stops before BW."""
    assert rows(graph, "downstream_tree", provider=HD) == [
        (1, HD, NAME[HD], DT, NAME[DT], 1, ["TB09"]),
        (1, HD, NAME[HD], EC, NAME[EC], 1, ["TB03"]),
        (2, DT, NAME[DT], FG, NAME[FG], 1, ["TB09"]),
        (2, EC, NAME[EC], DT, NAME[DT], 1, ["TB03"]),
    ]


def test_downstream_tree_weights(graph):
    """DT hands calls to BW on TB01, TB03, TB05, TB07, to CM on TB02, TB04, TB10 and to FG on
    TB09, where FG then hands it to BW (depth 2)."""
    assert rows(graph, "downstream_tree", provider=DT) == [
        (1, DT, NAME[DT], BW, NAME[BW], 4, ["TB01", "TB03", "TB05", "TB07"]),
        (1, DT, NAME[DT], CM, NAME[CM], 3, ["TB02", "TB04", "TB10"]),
        (1, DT, NAME[DT], FG, NAME[FG], 1, ["TB09"]),
        (2, FG, NAME[FG], BW, NAME[BW], 1, ["TB09"]),
    ]


# --- 5. repeat_gateways ------------------------------------------------------------------------


def test_repeat_gateways_tie(graph):
    """Gateway hops: FG on TB01, TB05; GG on TB02, TB06; both fed by KT. A tie: both rank 1."""
    assert rows(graph, "repeat_gateways") == [
        (1, FG, NAME[FG], 2, T["TB01"], T["TB05"], [KT], ["TB01", "TB05"]),
        (1, GG, NAME[GG], 2, T["TB02"], T["TB06"], [KT], ["TB02", "TB06"]),
    ]


def test_repeat_gateways_window_and_threshold(graph):
    """Before Mar 15 GG has only TB02, so FG ranks 1 and GG 2; min_tracebacks=2 drops GG."""
    assert rows(graph, "repeat_gateways", until="2024-03-15") == [
        (1, FG, NAME[FG], 2, T["TB01"], T["TB05"], [KT], ["TB01", "TB05"]),
        (2, GG, NAME[GG], 1, T["TB02"], T["TB02"], [KT], ["TB02"]),
    ]
    got = rows(graph, "repeat_gateways", until="2024-03-15", min_tracebacks=2)
    assert [r[1] for r in got] == [FG]


# --- 6. repeat_originators ---------------------------------------------------------------------


def test_repeat_originators(graph):
    """Originating hops: HD on TB03, TB09 (auto warranty, Zenith); IV on TB07 (auto warranty),
    TB10 (tax relief), both Yellowstone. Tie at 2."""
    assert rows(graph, "repeat_originators") == [
        (1, HD, NAME[HD], 2, T["TB03"], T["TB09"], [AUTO], [ZENITH], ["TB03", "TB09"]),
        (1, IV, NAME[IV], 2, T["TB07"], T["TB10"], [AUTO, TAX], [YELLOWSTONE], ["TB07", "TB10"]),
    ]  # fmt: skip


def test_repeat_originators_window(graph):
    """From Apr 1: IV keeps TB07 and TB10 (rank 1), HD only TB09 (rank 2)."""
    assert rows(graph, "repeat_originators", since="2024-04-01") == [
        (1, IV, NAME[IV], 2, T["TB07"], T["TB10"], [AUTO, TAX], [YELLOWSTONE], ["TB07", "TB10"]),
        (2, HD, NAME[HD], 1, T["TB09"], T["TB09"], [AUTO], [ZENITH], ["TB09"]),
    ]  # fmt: skip


# --- 7. non_responsive_providers ---------------------------------------------------------------


def test_non_responsive_providers(graph):
    """JN: no response on TB04 and TB08; EC: records not found on TB11. No other events."""
    assert rows(graph, "non_responsive_providers") == [
        (JN, NAME[JN], 2, 2, 0, 0, T["TB04"], T["TB08"], ["TB04", "TB08"]),
        (EC, NAME[EC], 1, 0, 1, 0, T["TB11"], T["TB11"], ["TB11"]),
    ]


def test_non_responsive_providers_window_orders_ties_by_last_occurrence(graph):
    """From Mar 1 both have one event; EC's (Jun 20) is more recent than JN's (Apr 15)."""
    assert rows(graph, "non_responsive_providers", since="2024-03-01") == [
        (EC, NAME[EC], 1, 0, 1, 0, T["TB11"], T["TB11"], ["TB11"]),
        (JN, NAME[JN], 1, 1, 0, 0, T["TB08"], T["TB08"], ["TB08"]),
    ]
    assert [r[0] for r in rows(graph, "non_responsive_providers", min_events=2)] == [JN]


# --- 8. downstream_of_noncooperative -----------------------------------------------------------


def test_downstream_of_noncooperative(graph):
    """Edge by edge (upstream flagged at the call time?):
    TB03 EC>DT: EC not in RMD -> DT. TB04 JN>DT: JN failed on this very call -> DT.
    TB05 LL>KT: KT's hop is foreign -> left out. TB06 GG>EC: GG removed Mar 1 -> EC;
    EC>CM: EC not in RMD -> CM. TB07 IV>JN: IV still listed (removed May 1) -> no;
    JN>DT: JN failed on TB04 (Feb 15) -> DT. TB08 JN>FG -> FG. TB10 IV>DT: IV removed -> DT.
    TB11 EC>BW: EC not in RMD and failed on this call -> BW, both reasons.
    EC had no failure before Jun 20, so it is not non-cooperative on TB03/TB06."""
    assert rows(graph, "downstream_of_noncooperative") == [
        (DT, NAME[DT], 4, [JN], [EC, IV], T["TB03"], T["TB10"], ["TB03", "TB04", "TB07", "TB10"]),
        (BW, NAME[BW], 1, [EC], [EC], T["TB11"], T["TB11"], ["TB11"]),
        (CM, NAME[CM], 1, [], [EC], T["TB06"], T["TB06"], ["TB06"]),
        (EC, NAME[EC], 1, [], [GG], T["TB06"], T["TB06"], ["TB06"]),
        (FG, NAME[FG], 1, [JN], [], T["TB08"], T["TB08"], ["TB08"]),
    ]  # fmt: skip


def test_downstream_of_noncooperative_window(graph):
    """Before Mar 1 only TB03 (EC>DT) and TB04 (JN>DT) count; min_tracebacks=3 keeps nobody."""
    assert rows(graph, "downstream_of_noncooperative", until="2024-03-01") == [
        (DT, NAME[DT], 2, [JN], [EC], T["TB03"], T["TB04"], ["TB03", "TB04"]),
    ]
    assert rows(graph, "downstream_of_noncooperative", until="2024-03-01", min_tracebacks=3) == []


# --- 9. rmd_violations -------------------------------------------------------------------------


def test_rmd_violations(graph):
    """Edges from EC (never listed): TB03 >DT, TB06 >CM, TB11 >BW. From GG after its Mar 1
    removal: TB06 >EC (TB02 in Jan was fine). From IV after May 1: TB10 >DT (TB07 in Apr was
    fine). LL>KT (TB05) is left out: KT's hop is foreign. Within TB06, call-flow order."""
    gg_removed = dt.datetime(2024, 3, 1, tzinfo=dt.UTC)
    iv_removed = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)
    assert rows(graph, "rmd_violations") == [
        ("TB03", T["TB03"], DT, NAME[DT], "intermediate", EC, NAME[EC], "not_listed", None),
        ("TB06", T["TB06"], EC, NAME[EC], "intermediate", GG, NAME[GG], "removed", gg_removed),
        ("TB06", T["TB06"], CM, NAME[CM], "terminating", EC, NAME[EC], "not_listed", None),
        ("TB10", T["TB10"], DT, NAME[DT], "intermediate", IV, NAME[IV], "removed", iv_removed),
        ("TB11", T["TB11"], BW, NAME[BW], "terminating", EC, NAME[EC], "not_listed", None),
    ]  # fmt: skip


def test_rmd_violations_effective_date(graph):
    """With the rule effective Apr 1 2024 only TB10 and TB11 remain."""
    got = rows(graph, "rmd_violations", effective="2024-04-01")
    assert [(r[0], r[2], r[5], r[7]) for r in got] == [
        ("TB10", DT, IV, "removed"),
        ("TB11", BW, EC, "not_listed"),
    ]


# --- 10. ecosystem_members ---------------------------------------------------------------------


def test_ecosystem_members(graph):
    """Ecosystem 1 = KT, LL, FG, GG. FG was gateway on TB01, TB05 (SSA) and intermediate on
    TB08 (tax), TB09 (auto); GG gateway on TB02, TB06; KT foreign on TB01, 02, 05, 06; LL on TB05."""
    assert rows(graph, "ecosystem_members", ecosystem=1) == [
        (FG, NAME[FG], "gateway", 2, [SSA], T["TB01"], T["TB05"]),
        (FG, NAME[FG], "intermediate", 2, [AUTO, TAX], T["TB08"], T["TB09"]),
        (GG, NAME[GG], "gateway", 2, [SSA], T["TB02"], T["TB06"]),
        (KT, NAME[KT], "foreign", 4, [SSA], T["TB01"], T["TB06"]),
        (LL, NAME[LL], "foreign", 1, [SSA], T["TB05"], T["TB05"]),
    ]
    assert rows(graph, "ecosystem_members", ecosystem=3) == []


def test_ecosystem_member_without_hops(graph):
    """Ecosystem 2 = HD, EC, IV, JN and MR. HD originated TB03, TB09 (auto); EC intermediate on
    TB03 (auto), TB06 (SSA), TB11 (tax); IV originated TB07 (auto), TB10 (tax); JN intermediate
    on TB04, TB07 (auto), TB08 (tax); MR is only in the registry: one row, no role, 0 tracebacks."""
    assert rows(graph, "ecosystem_members", ecosystem=2) == [
        (EC, NAME[EC], "intermediate", 3, [SSA, AUTO, TAX], T["TB03"], T["TB11"]),
        (HD, NAME[HD], "originating", 2, [AUTO], T["TB03"], T["TB09"]),
        (IV, NAME[IV], "originating", 2, [AUTO, TAX], T["TB07"], T["TB10"]),
        (JN, NAME[JN], "intermediate", 3, [AUTO, TAX], T["TB04"], T["TB08"]),
        (MR, "Maple Routes LLC", None, 0, [], None, None),
    ]


# --- 11. campaign_footprint --------------------------------------------------------------------


def test_campaign_footprint(graph):
    """SSA imposter = TB01, 02, 05, 06: gateways FG (TB01, TB05) and GG (TB02, TB06), no
    originator (the chains end abroad). Auto warranty = TB03, 04, 07, 09: originators HD
    (TB03, TB09) and IV (TB07); no gateway. Campaign matched case-insensitively."""
    assert rows(graph, "campaign_footprint", campaign=SSA) == [
        ("gateway", FG, NAME[FG], 2, T["TB01"], T["TB05"], ["TB01", "TB05"]),
        ("gateway", GG, NAME[GG], 2, T["TB02"], T["TB06"], ["TB02", "TB06"]),
    ]
    assert rows(graph, "campaign_footprint", campaign="AUTO WARRANTY") == [
        ("originating", HD, NAME[HD], 2, T["TB03"], T["TB09"], ["TB03", "TB09"]),
        ("originating", IV, NAME[IV], 1, T["TB07"], T["TB07"], ["TB07"]),
    ]
    assert rows(graph, "campaign_footprint", campaign=SSA, since="2024-03-01") == [
        ("gateway", FG, NAME[FG], 1, T["TB05"], T["TB05"], ["TB05"]),
        ("gateway", GG, NAME[GG], 1, T["TB06"], T["TB06"], ["TB06"]),
    ]


# --- 11b. providers_across_campaigns ----------------------------------------------------------


def test_providers_across_campaigns(graph):
    """Campaigns per provider (README table): DT carries SSA (TB01, 02, 05), auto warranty (TB03,
    04, 07, 09) and tax relief (TB10): 3 campaigns on 8 tracebacks; BW 3 on 6 (TB01, 03, 05, 07,
    09, 11); CM 3 on 5 (TB02, 04, 06, 08, 10); FG 3 on 4 (TB01, 05, 08, 09); EC 3 on 3 (TB03, 06,
    11); JN auto warranty and tax relief on 3 (TB04, 07, 08); IV the same two on 2 (TB07, 10).
    GG, HD, KT and LL carry one campaign each."""
    three = [SSA, AUTO, TAX]
    assert rows(graph, "providers_across_campaigns", min_campaigns=3) == [
        (DT, NAME[DT], 3, three, 8, ["TB01", "TB02", "TB03", "TB04", "TB05", "TB07", "TB09", "TB10"]),
        (BW, NAME[BW], 3, three, 6, ["TB01", "TB03", "TB05", "TB07", "TB09", "TB11"]),
        (CM, NAME[CM], 3, three, 5, ["TB02", "TB04", "TB06", "TB08", "TB10"]),
        (FG, NAME[FG], 3, three, 4, ["TB01", "TB05", "TB08", "TB09"]),
        (EC, NAME[EC], 3, three, 3, ["TB03", "TB06", "TB11"]),
    ]  # fmt: skip
    two = rows(graph, "providers_across_campaigns")
    assert [r[0] for r in two] == [DT, BW, CM, FG, EC, JN, IV]
    assert two[5] == (JN, NAME[JN], 2, [AUTO, TAX], 3, ["TB04", "TB07", "TB08"])
    assert two[6] == (IV, NAME[IV], 2, [AUTO, TAX], 2, ["TB07", "TB10"])
    # from April on: TB07-TB11; every listed provider carries two campaigns
    assert rows(graph, "providers_across_campaigns", since="2024-04-01") == [
        (BW, NAME[BW], 2, [AUTO, TAX], 3, ["TB07", "TB09", "TB11"]),
        (DT, NAME[DT], 2, [AUTO, TAX], 3, ["TB07", "TB09", "TB10"]),
        (FG, NAME[FG], 2, [AUTO, TAX], 2, ["TB08", "TB09"]),
        (IV, NAME[IV], 2, [AUTO, TAX], 2, ["TB07", "TB10"]),
        (JN, NAME[JN], 2, [AUTO, TAX], 2, ["TB07", "TB08"]),
    ]  # fmt: skip


# --- 11c. campaigns_sharing_gateways ---------------------------------------------------------


@pytest.fixture
def gateway_graph(graph) -> Iterator[Any]:
    """The fixture graph plus TB12 and TB13 (campaign_gateways.csv), which bring other campaigns
    through the SSA script's gateways; the plain fixture graph is loaded back afterwards.

    | id | call time (UTC) | campaign | path |
    |---|---|---|---|
    | TB12 | 2024-06-25 10:00 | tax relief | KT[2] > GG[1, gateway] > CM[0] |
    | TB13 | 2024-07-01 09:00 | auto warranty | LL[3] > FG[2, gateway] > DT[1] > BW[0] |
    """
    assert load_fixture(graph, "campaign_gateways.csv").graph["Traceback"] == 13
    yield graph
    assert load_fixture(graph).graph["ROUTED"] == 29


def test_campaigns_sharing_gateways(gateway_graph):
    """Gateways: FG carries SSA (TB01, TB05) and auto warranty (TB13); GG carries SSA (TB02,
    TB06) and tax relief (TB12). FG is also on TB08 (tax) and TB09 (auto) but as an
    intermediate, which does not count: auto warranty and tax relief share no gateway. Names
    sort case-sensitively ("SSA" < "auto"), so SSA is always campaign_a."""
    q = "campaigns_sharing_gateways"
    assert rows(gateway_graph, q) == [
        (SSA, AUTO, 1, [FG], [NAME[FG]], ["TB01", "TB05"], ["TB13"]),
        (SSA, TAX, 1, [GG], [NAME[GG]], ["TB02", "TB06"], ["TB12"]),
    ]
    # From March: SSA keeps TB05 (FG) and TB06 (GG); before June 28 TB13 is out: no FG pair.
    assert rows(gateway_graph, q, since="2024-03-01", until="2024-06-28") == [
        (SSA, TAX, 1, [GG], [NAME[GG]], ["TB06"], ["TB12"]),
    ]
    assert rows(gateway_graph, q, min_shared=2) == []
    # Originating: HD carries auto warranty only (TB03, TB09); IV carries auto warranty (TB07)
    # and tax relief (TB10).
    assert rows(gateway_graph, q, role="originating") == [
        (AUTO, TAX, 1, [IV], [NAME[IV]], ["TB07"], ["TB10"]),
    ]
    # Intermediate hops: SSA on DT (TB01, 02, 05) and EC (TB06); auto warranty on DT (TB03, 04,
    # 07, 09, 13), EC (TB03), JN (TB04, 07) and FG (TB09); tax relief on FG and JN (TB08), DT
    # (TB10) and EC (TB11). So auto/tax share DT, EC, FG, JN (4); SSA/auto and SSA/tax DT, EC.
    mid = [NAME[DT], NAME[EC]]
    assert rows(gateway_graph, q, role="intermediate") == [
        (AUTO, TAX, 4, [DT, EC, FG, JN], [*mid, NAME[FG], NAME[JN]],
         ["TB03", "TB04", "TB07", "TB09", "TB13"], ["TB08", "TB10", "TB11"]),
        (SSA, AUTO, 2, [DT, EC], mid, ["TB01", "TB02", "TB05", "TB06"], ["TB03", "TB04", "TB07", "TB09", "TB13"]),
        (SSA, TAX, 2, [DT, EC], mid, ["TB01", "TB02", "TB05", "TB06"], ["TB10", "TB11"]),
    ]  # fmt: skip
    assert [r[:3] for r in rows(gateway_graph, q, role="intermediate", min_shared=3)] == [
        (AUTO, TAX, 4)
    ]


# --- 12. shortest_connection -------------------------------------------------------------------


def test_shortest_connection_common_source(graph):
    """FG and GG are 2 steps apart three ways: via KT (KT>FG 2 tracebacks + KT>GG 2 = 4), via
    DT with FG>DT (2) + GG>DT (1) = 3, or DT>FG (1) + GG>DT (1) = 2. The most-evidenced chain
    wins: the common foreign source KT. Directed FG -> GG does not exist (GG's only upstream
    is KT, and KT's only upstream is LL)."""
    assert rows(graph, "shortest_connection", from_provider="Falcon Gateway", to_provider="Granite Gateway") == [
        (1, FG, NAME[FG], KT, NAME[KT], "backward", 2, T["TB01"], T["TB05"]),
        (2, KT, NAME[KT], GG, NAME[GG], "forward", 2, T["TB02"], T["TB06"]),
    ]  # fmt: skip
    assert rows(graph, "shortest_connection", from_provider=FG, to_provider=GG, directed=True) == []


def test_shortest_connection_directed_and_max_hops(graph):
    """Directed LL -> CM: LL>KT>FG>CM (3 steps, FG>CM from TB08) is the only 3-step chain;
    the others (via DT or GG/EC) take 4. With max_hops=2 there is none."""
    assert rows(graph, "shortest_connection", from_provider=LL, to_provider=CM, directed="true") == [
        (1, LL, NAME[LL], KT, NAME[KT], "forward", 1, T["TB05"], T["TB05"]),
        (2, KT, NAME[KT], FG, NAME[FG], "forward", 2, T["TB01"], T["TB05"]),
        (3, FG, NAME[FG], CM, NAME[CM], "forward", 1, T["TB08"], T["TB08"]),
    ]  # fmt: skip
    assert rows(graph, "shortest_connection", from_provider=LL, to_provider=CM, directed=True, max_hops=2) == []  # fmt: skip


# --- 13. originator_customers ------------------------------------------------------------------


def test_originator_customers(graph):
    """HD's customer Zenith Leads is on TB03 and TB09 (auto warranty); IV's Yellowstone on TB07
    (auto warranty) and TB10 (tax relief), of which only TB07 is before May 1."""
    assert rows(graph, "originator_customers", provider="Harbor Dialer") == [
        (ZENITH, "Zenith Leads", 2, [AUTO], T["TB03"], T["TB09"], ["TB03", "TB09"]),
    ]
    assert rows(graph, "originator_customers", provider=IV) == [
        (YELLOWSTONE, "Yellowstone Marketing", 2, [AUTO, TAX], T["TB07"], T["TB10"], ["TB07", "TB10"]),
    ]  # fmt: skip
    assert rows(graph, "originator_customers", provider=IV, until="2024-05-01") == [
        (YELLOWSTONE, "Yellowstone Marketing", 1, [AUTO], T["TB07"], T["TB07"], ["TB07"]),
    ]
    assert rows(graph, "originator_customers", provider=DT) == []


# --- 14. foreign_sources_by_gateway ------------------------------------------------------------


def test_foreign_sources_by_gateway(graph):
    """FG took KT (GB) traffic on TB01 and TB05; TB05 started at LL (IN) above KT. GG took KT
    traffic on TB02 and TB06, both starting at KT."""
    assert rows(graph, "foreign_sources_by_gateway") == [
        (FG, NAME[FG], KT, NAME[KT], "GB", ["GB", "IN"], 2, T["TB01"], T["TB05"], ["TB01", "TB05"]),
        (GG, NAME[GG], KT, NAME[KT], "GB", ["GB"], 2, T["TB02"], T["TB06"], ["TB02", "TB06"]),
    ]  # fmt: skip
    assert rows(graph, "foreign_sources_by_gateway", since="2024-03-15") == [
        (GG, NAME[GG], KT, NAME[KT], "GB", ["GB"], 1, T["TB06"], T["TB06"], ["TB06"]),
    ]


# --- 15. new_upstream_relationships ------------------------------------------------------------


def test_new_upstream_relationships(graph):
    """First call of each pair (README table): in [Feb 1, Apr 15) first appear HD>EC, EC>DT
    (TB03), JN>DT (TB04, again on TB07), LL>KT (TB05), GG>EC, EC>CM (TB06), IV>JN (TB07).
    JN>FG first appears on TB08, Apr 15 11:00: after the window end."""
    assert rows(graph, "new_upstream_relationships", since="2024-02-01", until="2024-04-15") == [
        (EC, NAME[EC], DT, NAME[DT], T["TB03"], "TB03", 1, ["TB03"]),
        (HD, NAME[HD], EC, NAME[EC], T["TB03"], "TB03", 1, ["TB03"]),
        (JN, NAME[JN], DT, NAME[DT], T["TB04"], "TB04", 2, ["TB04", "TB07"]),
        (LL, NAME[LL], KT, NAME[KT], T["TB05"], "TB05", 1, ["TB05"]),
        (EC, NAME[EC], CM, NAME[CM], T["TB06"], "TB06", 1, ["TB06"]),
        (GG, NAME[GG], EC, NAME[EC], T["TB06"], "TB06", 1, ["TB06"]),
        (IV, NAME[IV], JN, NAME[JN], T["TB07"], "TB07", 1, ["TB07"]),
    ]


def test_new_upstream_relationships_counts_only_the_window(graph):
    """In [Feb 1, Mar 1): JN>DT appears (TB04) but its TB07 call is outside the window."""
    got = rows(graph, "new_upstream_relationships", since="2024-02-01", until="2024-03-01")
    assert [(r[0], r[2], r[6], r[7]) for r in got] == [
        (EC, DT, 1, ["TB03"]),
        (HD, EC, 1, ["TB03"]),
        (JN, DT, 1, ["TB04"]),
    ]


# --- 16. stopped_appearing ---------------------------------------------------------------------


def test_stopped_appearing(graph):
    """Last calls: LL Mar 10 (TB05), GG and KT Mar 20 (TB06), JN Apr 15 (TB08); everyone else
    is seen in May or June."""
    assert rows(graph, "stopped_appearing", after="2024-04-01") == [
        (LL, NAME[LL], 1, ["foreign"], T["TB05"], T["TB05"], "TB05"),
        (GG, NAME[GG], 2, ["gateway"], T["TB02"], T["TB06"], "TB06"),
        (KT, NAME[KT], 4, ["foreign"], T["TB01"], T["TB06"], "TB06"),
    ]
    later = rows(graph, "stopped_appearing", after="2024-05-01")
    assert later[-1] == (JN, NAME[JN], 3, ["intermediate"], T["TB04"], T["TB08"], "TB08")
    assert [r[0] for r in later] == [LL, GG, KT, JN]
    assert [r[0] for r in rows(graph, "stopped_appearing", after="2024-04-01", min_tracebacks=2)] == [GG, KT]  # fmt: skip


def test_every_saved_query_has_a_test_here():
    """A new saved query must come with a hand-worked test in this module."""
    import inspect
    import sys

    source = inspect.getsource(sys.modules[__name__])
    missing = [q.name for q in queries.saved_queries() if f'"{q.name}"' not in source]
    assert missing == []


# --- safety: injection, read-only, bounds, user folders ----------------------------------------

HOSTILE = "x'}) DETACH DELETE n //"


def test_injection_value_is_only_data(graph):
    """A hostile value matches nothing and changes nothing, whichever parameter carries it."""
    before = graph_fingerprint(graph)
    assert rows(graph, "provider_tracebacks", provider=HOSTILE) == []
    assert rows(graph, "traceback_path", traceback_id=HOSTILE) == []
    assert rows(graph, "campaign_footprint", campaign=HOSTILE) == []
    assert (
        rows(graph, "shortest_connection", from_provider=HOSTILE, to_provider=f'"{HOSTILE}') == []
    )
    assert graph_fingerprint(graph) == before
    assert graph_counts(graph)["Provider"] == 12


def test_server_refuses_a_write_in_the_read_transaction(graph):
    """With the keyword scan turned off, the READ transaction alone stops the write."""
    spec = queries.parse_text(
        "// name: sneaky\n// question: Can a query write?\n// description: It tries.\n"
        "// returns: n\nMERGE (p:Provider {key: 'planted'}) RETURN p.key AS n\n",
        origin="sneaky",
    )
    before = graph_fingerprint(graph)
    with pytest.raises(QueryError) as err:
        queries.execute(spec, {}, driver=graph, check_writes=False)
    assert str(err.value).startswith(
        "query 'sneaky' tried to write to the graph and the server refused it "
        "(queries run in read-only transactions): Writing in read access mode not allowed"
    )
    assert graph_fingerprint(graph) == before


def _user_query(folder: Path, name: str, cypher: str, returns: str = "n") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.cypher"
    path.write_text(
        f"// name: {name}\n// question: What does {name} do?\n// description: A user query.\n"
        f"// returns: {returns}\n{cypher}\n",
        encoding="utf-8",
    )
    return path


def test_user_query_that_writes_is_refused_before_it_runs(graph, tmp_path):
    """The keyword scan names the file, the line and the clause."""
    path = _user_query(tmp_path, "plant", "MATCH (p:Provider)\nDETACH DELETE p\nRETURN 1 AS n")
    before = graph_fingerprint(graph)
    with pytest.raises(QueryError) as err:
        queries.run("plant", driver=graph, queries_dir=tmp_path)
    assert str(err.value) == (
        f"{path}:6: query 'plant' contains 'DETACH'; saved queries are read-only, so graph "
        "changes belong in 'graphengine load' or 'graphengine analyze --write-back'"
    )
    assert graph_fingerprint(graph) == before


def test_user_query_that_writes_through_a_procedure_is_refused(graph, tmp_path):
    """db.createLabel is not on the procedure allowlist: the keyword scan names it, and with
    the scan off the server's plan (query type 'w') refuses it before it runs."""
    path = _user_query(tmp_path, "label", "CALL db.createLabel('Planted') RETURN 1 AS n")
    with pytest.raises(QueryError) as err:
        queries.run("label", driver=graph, queries_dir=tmp_path)
    assert str(err.value) == (
        f"{path}: query 'label' contains 'CALL db.', a server command; saved queries may only "
        "read the graph"
    )
    labels = {
        r["label"] for r in graph.execute_query("CALL db.labels() YIELD label RETURN label").records
    }
    assert "Planted" not in labels


def test_row_limit_is_stated(graph):
    """TB05 has 5 hops: limit 2 cuts it (truncated), limit 5 returns all (not truncated)."""
    with pytest.warns(queries.TruncatedResultWarning, match="returned more than 2 rows"):
        frame = queries.run("traceback_path", driver=graph, limit=2, traceback_id="TB05")
    assert list(frame["hop"]) == [0, 1]
    assert frame.attrs["truncated"] is True and frame.attrs["limit"] == 2
    full = queries.run("traceback_path", driver=graph, limit=5, traceback_id="TB05")
    assert list(full["hop"]) == [0, 1, 2, 3, 4]
    assert full.attrs["truncated"] is False
    assert list(full.columns) == list(queries.get("traceback_path").returns)
    assert full.attrs["params"] == {"traceback_id": "TB05"}


def test_timeout_is_stated(graph, tmp_path):
    """A query that would run for minutes stops at the timeout with a clear message."""
    _user_query(
        tmp_path, "slow", "UNWIND range(1, 2000000000) AS x WITH x WHERE x < 0 RETURN count(x) AS n"
    )
    with pytest.raises(QueryError) as err:
        queries.run("slow", driver=graph, queries_dir=tmp_path, timeout=0.5)
    assert str(err.value) == (
        "query 'slow' stopped at the 0.5 s timeout; narrow the parameters or raise --timeout / timeout="
    )


def test_user_folder_wins_and_env_folder_is_read(graph, tmp_path, monkeypatch):
    """A user file named like a saved query replaces it; GRAPHENGINE_QUERIES adds a folder."""
    mine = tmp_path / "mine"
    _user_query(mine, "traceback_path", "RETURN 'mine' AS n")
    _user_query(tmp_path / "env", "count_providers", "MATCH (p:Provider) RETURN count(p) AS n")
    monkeypatch.setenv("GRAPHENGINE_QUERIES", str(tmp_path / "env"))
    assert queries.run("traceback_path", driver=graph, queries_dir=mine)["n"].tolist() == ["mine"]
    assert queries.run("count_providers", driver=graph)["n"].tolist() == [12]
    by_name = {q.name: q for q in queries.list_queries(mine)}
    assert by_name["traceback_path"].source == "user"
    assert by_name["count_providers"].source == "user"
    assert by_name["upstream_tree"].source == "saved"


def test_header_returns_must_match_the_result(graph, tmp_path):
    path = _user_query(tmp_path, "mismatch", "RETURN 1 AS a, 2 AS b", returns="a, c")
    with pytest.raises(QueryError) as err:
        queries.run("mismatch", driver=graph, queries_dir=tmp_path)
    assert str(err.value) == (
        f"{path}: query 'mismatch' returned columns a, b but its header says 'returns: a, c'; "
        "fix one of them"
    )


# --- the CLI against the same server ---------------------------------------------------------


@pytest.fixture
def cli(graph, capsys):
    """Run `graphengine ...` in-process against the fixture graph; return (code, out, err).

    The CLI opens its own driver from the NEO4J_* settings, which must reach the server of
    the `neo4j_driver` fixture; the first assertion checks that.
    """
    from graphengine.cli.main import main
    from graphengine.store.connection import connect

    with connect() as own:
        assert graph_fingerprint(own) == graph_fingerprint(graph)

    def invoke(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return invoke


def test_cli_run_json(cli):
    """Same rows as test_repeat_gateways_window_and_threshold, as JSON."""
    code, out, err = cli(
        "query", "run", "repeat_gateways", "-p", "until=2024-03-15", "--format", "json"
    )
    assert code == 0 and err == ""
    payload = json.loads(out)
    assert payload["params"] == {
        "since": None,
        "until": "2024-03-15T00:00:00Z",
        "min_tracebacks": 1,
    }
    assert payload["truncated"] is False and payload["row_count"] == 2
    assert payload["rows"][1] == {
        "rank": 2,
        "provider_key": GG,
        "provider_name": NAME[GG],
        "gateway_tracebacks": 1,
        "first_seen": "2024-01-20T16:00:00Z",
        "last_seen": "2024-01-20T16:00:00Z",
        "upstream_keys": [KT],
        "traceback_ids": ["TB02"],
    }


def test_cli_run_csv_to_file_with_limit(cli, tmp_path):
    """TB05's five hops, cut at 3 rows: the file holds 3 rows and stderr says it was cut."""
    target = tmp_path / "out" / "path.csv"
    code, out, err = cli(
        "query", "run", "traceback_path", "-p", "traceback_id=TB05", "--format", "csv",
        "--limit", "3", "--out", str(target),
    )  # fmt: skip
    assert code == 0 and out == ""
    assert "output truncated: query 'traceback_path' returned more than 3 rows" in err
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines[0] == ",".join(queries.get("traceback_path").returns)
    assert lines[1:] == [
        "0,bluebell wireless,Bluebell Wireless,terminating,Upstream identified,responded,C,US,delta transit,,2024-03-10T12:00:00Z,SSA imposter,0",
        "1,delta transit,Delta Transit,intermediate,Upstream identified,responded,C,US,falcon gateway,,2024-03-10T12:00:00Z,SSA imposter,1",
        "2,falcon gateway,Falcon Gateway,gateway,Upstream identified,responded,C,US,kestrel telecom,,2024-03-10T12:00:00Z,SSA imposter,2",
    ]


def test_cli_injection_is_data_and_table_output(cli, graph):
    """The hostile value through -p matches nothing and leaves the graph as it was."""
    before = graph_fingerprint(graph)
    code, out, err = cli("query", "run", "provider_tracebacks", "-p", f"provider={HOSTILE}")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "(no rows) columns: traceback_id, call_time, campaign, hop, role, response_category, "
        "upstream_key, downstream_key",
        "(0 rows)",
    ]
    assert graph_fingerprint(graph) == before
    code, out, err = cli("query", "run", "non_responsive_providers", "-p", "min_events=2")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].split() == list(queries.get("non_responsive_providers").returns)
    assert lines[1].split()[:2] == ["juniper", "network"]
    assert lines[-1] == "(1 rows)"


def test_cli_write_attempt_is_one_line(cli, tmp_path):
    path = _user_query(tmp_path, "plant", "CREATE (n:Planted) RETURN 1 AS n")
    code, out, err = cli("query", "run", "plant", "--queries", str(tmp_path))
    assert (code, out) == (1, "")
    assert err == (
        f"graphengine: error: {path}:5: query 'plant' contains 'CREATE'; saved queries are "
        "read-only, so graph changes belong in 'graphengine load' or 'graphengine analyze --write-back'\n"
    )
