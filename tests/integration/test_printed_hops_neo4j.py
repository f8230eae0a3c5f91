"""Issue 14 item 3 in Neo4j: the source's hop numbers survive the store and come back."""

from __future__ import annotations

from pathlib import Path

import pytest

from graphengine import store
from loaders import load_inputs

pytestmark = pytest.mark.neo4j

DATA = Path(__file__).resolve().parents[1] / "data" / "itg"


def test_source_hop_on_hop_and_routed_and_read_back(clean_neo4j) -> None:
    loaded = load_inputs([DATA / "traceback_export.csv"], mapping=DATA / "traceback_export.yml")
    store.load_frames(clean_neo4j, loaded.hops, loaded.providers, progress=False)
    records, _, _ = clean_neo4j.execute_query(
        "MATCH (:Traceback {id: $tb})-[h:HOP]->(p:Provider) "
        "RETURN h.hop AS hop, h.source_hop AS printed, p.key AS key ORDER BY hop",
        {"tb": "ITG-101"},
    )
    assert [(r["hop"], r["printed"]) for r in records] == [(0, 1), (1, 2), (2, 3), (3, 4)]
    routed, _, _ = clean_neo4j.execute_query(
        "MATCH (u)-[r:ROUTED {traceback_id: $tb}]->(d) "
        "RETURN u.key AS up, r.source_hop AS printed ORDER BY r.hop",
        {"tb": "ITG-101"},
    )
    # the edge into "Hop # 3" (the gateway) comes from the foreign source at "Hop # 4"
    assert [(r["up"], r["printed"]) for r in routed] == [
        ("harbor voice", 1),
        ("orbit voice solution", 2),
        ("adriatic voice", 3),
    ]
    back = store.read_hops(clean_neo4j)
    assert back["source_hop"].tolist() == loaded.hops["source_hop"].tolist()
