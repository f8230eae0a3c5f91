"""Saved query campaigns_sharing_gateways on the real Neo4j, with rows worked out by hand.

The graph is the saved-query fixture (tests/data/queries/hops.csv + rmd.csv, README table) plus
two tracebacks in tests/data/queries/campaign_gateways.csv that bring other campaigns through the
SSA script's gateways:

| id | call time (UTC) | campaign | path |
|---|---|---|---|
| TB12 | 2024-06-25 10:00 | tax relief | KT[2] > GG[1, gateway] > CM[0] |
| TB13 | 2024-07-01 09:00 | auto warranty | LL[3] > FG[2, gateway] > DT[1] > BW[0] |

Its own module (and graph) so the other saved-query tests keep their hand-worked rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graphengine import queries
from graphengine.store import clear_database, load_frames
from loaders import load_inputs

pytestmark = pytest.mark.neo4j

DATA = Path(__file__).resolve().parents[1] / "data" / "queries"
SSA, AUTO, TAX = "SSA imposter", "auto warranty", "tax relief"
DT, EC, FG = "delta transit", "echo carrier", "falcon gateway"
GG, IV, JN = "granite gateway", "indigo voice", "juniper network"
NAME = {
    DT: "Delta Transit, Inc.",
    EC: "Echo Carrier",
    FG: "Falcon Gateway LLC",
    GG: "Granite Gateway LLC",
    IV: "Indigo Voice Corp.",
    JN: "Juniper Networks LLC",
}


@pytest.fixture(scope="module")
def graph(neo4j_driver: Any) -> Iterator[Any]:
    """The fixture graph and TB12, TB13, loaded through the real loader and store."""
    clear_database(neo4j_driver)
    result = load_inputs(
        [DATA / "hops.csv", DATA / "campaign_gateways.csv"], providers=DATA / "rmd.csv"
    )
    report = load_frames(neo4j_driver, result.hops, result.providers, progress=False)
    assert report.graph["Traceback"] == 13
    yield neo4j_driver


def rows(driver: Any, **params: Any) -> list[tuple[Any, ...]]:
    """Run the query and return its rows, checking the columns against the header."""
    spec = queries.get("campaigns_sharing_gateways")
    result = queries.execute(spec, params, driver=driver)
    assert tuple(result.columns) == spec.returns and not result.truncated
    return result.rows


def test_campaigns_sharing_gateways(graph: Any) -> None:
    """Gateways: FG carries SSA (TB01, TB05) and auto warranty (TB13); GG carries SSA (TB02,
    TB06) and tax relief (TB12). FG is also on TB08 (tax) and TB09 (auto) but as an
    intermediate, which does not count: auto warranty and tax relief share no gateway. Names
    sort case-sensitively ("SSA" < "auto"), so SSA is always campaign_a."""
    assert rows(graph) == [
        (SSA, AUTO, 1, [FG], [NAME[FG]], ["TB01", "TB05"], ["TB13"]),
        (SSA, TAX, 1, [GG], [NAME[GG]], ["TB02", "TB06"], ["TB12"]),
    ]
    # From March: SSA keeps TB05 (FG) and TB06 (GG); before June 28 TB13 is out: no FG pair.
    assert rows(graph, since="2024-03-01", until="2024-06-28") == [
        (SSA, TAX, 1, [GG], [NAME[GG]], ["TB06"], ["TB12"]),
    ]
    assert rows(graph, min_shared=2) == []


def test_campaigns_sharing_originators_and_intermediates(graph: Any) -> None:
    """Originating: HD carries auto warranty only (TB03, TB09); IV carries auto warranty
    (TB07) and tax relief (TB10). Intermediate hops: SSA on DT (TB01, 02, 05) and EC (TB06);
    auto warranty on DT (TB03, 04, 07, 09, 13), EC (TB03), JN (TB04, 07) and FG (TB09); tax
    relief on FG and JN (TB08), DT (TB10) and EC (TB11). So auto/tax share DT, EC, FG, JN
    (4); SSA/auto and SSA/tax share DT and EC (2)."""
    assert rows(graph, role="originating") == [
        (AUTO, TAX, 1, [IV], [NAME[IV]], ["TB07"], ["TB10"]),
    ]
    dt_ec = [DT, EC]
    assert rows(graph, role="intermediate") == [
        (AUTO, TAX, 4, [DT, EC, FG, JN], [NAME[DT], NAME[EC], NAME[FG], NAME[JN]],
         ["TB03", "TB04", "TB07", "TB09", "TB13"], ["TB08", "TB10", "TB11"]),
        (SSA, AUTO, 2, dt_ec, [NAME[DT], NAME[EC]],
         ["TB01", "TB02", "TB05", "TB06"], ["TB03", "TB04", "TB07", "TB09", "TB13"]),
        (SSA, TAX, 2, dt_ec, [NAME[DT], NAME[EC]], ["TB01", "TB02", "TB05", "TB06"], ["TB10", "TB11"]),
    ]  # fmt: skip
    assert rows(graph, role="intermediate", min_shared=3)[0][:3] == (AUTO, TAX, 4)
    assert len(rows(graph, role="intermediate", min_shared=3)) == 1
