"""The store against the real Neo4j: exact counts, idempotency, replacement, round trips.

Expected numbers come from tests/data/store/README.md, worked out by hand.
"""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import clear_database

from graphengine import graph, schema, store
from graphengine.errors import SchemaError
from tests.helpers.store import EXPECTED
from tests.helpers.store import store_hops as read_store_hops

pytestmark = pytest.mark.neo4j


@pytest.fixture
def store_hops() -> pd.DataFrame:
    return read_store_hops()


_LOADED: dict[str, str] = {}


@pytest.fixture
def loaded(neo4j_driver, store_hops):
    """The driver on a graph holding exactly tests/data/store/hops.csv, for read-only tests.

    Loaded once, then reused while the graph's fingerprint still matches (another test may
    have cleared or changed it in between).
    """
    if _LOADED.get("fingerprint") != store.graph_fingerprint(neo4j_driver):
        clear_database(neo4j_driver)
        store.load_frames(neo4j_driver, store_hops, progress=False)
        _LOADED["fingerprint"] = store.graph_fingerprint(neo4j_driver)
    return neo4j_driver


def _one(driver, query: str, **params):
    records, _, _ = driver.execute_query(query, params)
    return [dict(r) for r in records]


def test_load_builds_the_hand_counted_graph(clean_neo4j, store_hops) -> None:
    report = store.load_frames(clean_neo4j, store_hops, progress=False)
    assert report.graph == EXPECTED
    assert report.hops == 14 and report.tracebacks == 4
    assert report.tracebacks_written == 4 and report.tracebacks_unchanged == 0
    assert report.written["ROUTED"] == 10 and report.written["HOP"] == 14
    assert report.hops_per_second > 0


def test_routed_edges_run_in_call_flow_direction(loaded) -> None:
    rows = _one(
        loaded,
        "MATCH (u:Provider)-[r:ROUTED]->(d:Provider) WHERE r.traceback_id = $tb "
        "RETURN u.key AS up, d.key AS down, r.hop AS hop ORDER BY hop",
        tb="T1",
    )
    assert rows == [
        {"up": "bravo", "down": "alpha", "hop": 0},
        {"up": "charlie", "down": "bravo", "hop": 1},
        {"up": "delta", "down": "charlie", "hop": 2},
    ]
    (tb,) = _one(loaded, "MATCH (t:Traceback {id: $id}) RETURN properties(t) AS p", id="T1")
    assert tb["p"]["source_file"] == "hops.csv"
    assert len(tb["p"]["source_sha256"]) == 64
    assert tb["p"]["campaign"] == "SSA imposter" and tb["p"]["attestation"] == "C"


def test_sends_to_aggregates_routed(loaded) -> None:
    edges = store.read_sends_to(loaded)
    assert len(edges) == 6
    row = edges[(edges.upstream_key == "charlie") & (edges.downstream_key == "bravo")].iloc[0]
    assert row.tracebacks == 3 and row.hops == 3 and row.n_campaigns == 2
    assert row.campaigns == "SSA imposter;auto warranty"
    assert row.first_seen == pd.Timestamp("2024-03-01T14:00:00Z")
    assert row.last_seen == pd.Timestamp("2024-04-10T16:45:00Z")
    golf = edges[edges.upstream_key == "golf"].iloc[0]
    assert (golf.downstream_key, golf.tracebacks, golf.n_campaigns, golf.campaigns) == (
        "alpha",
        1,
        0,
        "",
    )


def test_customer_and_campaign_links(loaded) -> None:
    rows = _one(
        loaded,
        "MATCH (c:Customer)-[r:CUSTOMER_OF]->(p:Provider) "
        "RETURN c.name AS name, p.key AS provider, r.traceback_id AS tb ORDER BY tb",
    )
    assert rows == [
        {"name": "Acme Leads", "provider": "delta", "tb": "T1"},
        {"name": "Acme Leads", "provider": "delta", "tb": "T3"},
    ]
    rows = _one(
        loaded,
        "MATCH (t:Traceback)-[:OF_CAMPAIGN]->(c:Campaign) "
        "RETURN c.name AS campaign, count(t) AS n ORDER BY campaign",
    )
    assert rows == [{"campaign": "SSA imposter", "n": 2}, {"campaign": "auto warranty", "n": 1}]


def test_loading_twice_changes_nothing(clean_neo4j, store_hops) -> None:
    store.load_frames(clean_neo4j, store_hops, progress=False)
    before = store.graph_fingerprint(clean_neo4j)
    again = store.load_frames(clean_neo4j, store_hops, progress=False)
    assert again.graph == EXPECTED
    assert again.tracebacks_unchanged == 4 and again.tracebacks_written == 0
    assert store.graph_fingerprint(clean_neo4j) == before


def test_a_changed_traceback_is_replaced_as_a_clean_load_would_write_it(
    clean_neo4j, store_hops
) -> None:
    store.load_frames(clean_neo4j, store_hops, progress=False)
    changed = store_hops[~((store_hops.traceback_id == "T3") & (store_hops.hop == 3))].copy()
    changed.loc[changed.traceback_id == "T3", "campaign"] = "tax relief"
    report = store.load_frames(clean_neo4j, changed, progress=False)
    assert report.tracebacks_replaced == 1 and report.tracebacks_unchanged == 3
    counts = store.graph_counts(clean_neo4j)
    # T3 lost its delta hop (and its customer link); "auto warranty" lost its only traceback
    assert counts["HOP"] == 13 and counts["ROUTED"] == 9 and counts["CUSTOMER_OF"] == 1
    assert counts["Campaign"] == 2  # SSA imposter, tax relief
    replaced = store.graph_fingerprint(clean_neo4j)
    clear_database(clean_neo4j)
    store.load_frames(clean_neo4j, changed, progress=False)
    assert store.graph_fingerprint(clean_neo4j) == replaced


def test_read_hops_gives_back_the_loaded_frame(loaded, store_hops) -> None:
    back = store.read_hops(loaded)
    schema.check_hops(back)
    expected = store_hops.sort_values(["traceback_id", "hop"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(back, expected)


def test_projection_equals_the_embedded_edge_table(loaded, store_hops) -> None:
    providers, edges = store.read_projection(loaded)
    assert sorted(providers.provider_key) == graph.provider_keys(store_hops)
    embedded = graph.edge_table(store_hops)
    pd.testing.assert_frame_equal(edges[list(embedded.columns)], embedded)


def test_provider_nodes_keep_names_and_registry_facts(clean_neo4j, store_hops) -> None:
    providers = schema.empty_providers()
    registry = pd.DataFrame(
        {
            "provider_key": pd.Series(["charlie"], dtype="string"),
            "name": pd.Series(["Charlie Gateway"], dtype="string"),
            "aliases": pd.Series(["Charlie Gateway;Charlie GW Inc"], dtype="string"),
            "frn": pd.Series(["0031234567"], dtype="string"),
            "in_rmd": pd.Series([True], dtype="boolean"),
            "rmd_removed_on": pd.Series(
                pd.to_datetime(["2025-08-06T00:00:00Z"], utc=True), dtype="datetime64[ns, UTC]"
            ),
        }
    )
    providers = pd.concat([providers, registry], ignore_index=True).astype(
        dict(schema.PROVIDER_COLUMNS)
    )
    store.load_frames(clean_neo4j, store_hops, providers, progress=False)
    frame = store.read_providers(clean_neo4j).set_index("provider_key")
    assert frame.loc["charlie", "frn"] == "0031234567"
    assert bool(frame.loc["charlie", "in_rmd"]) is True
    assert frame.loc["charlie", "aliases"] == "Charlie GW Inc;Charlie Gateway"
    assert frame.loc["charlie", "rmd_removed_on"] == pd.Timestamp("2025-08-06", tz="UTC")
    assert frame.loc["hotel", "name"] == "Hotel Carrier"
    assert pd.isna(frame.loc["hotel", "in_rmd"])
    assert frame.loc["delta", "country"] == "GB"


def test_write_provider_properties_round_trips(clean_neo4j, store_hops) -> None:
    store.load_frames(clean_neo4j, store_hops, progress=False)
    results = pd.DataFrame(
        {
            "provider_key": ["alpha", "bravo", "charlie", "nobody"],
            "ecosystem": [0, 0, 1, 2],
            "ecosystem_stability": [0.9, float("nan"), 0.5, 1.0],
        }
    )
    n = store.write_provider_properties(clean_neo4j, results, ["ecosystem", "ecosystem_stability"])
    assert n == 3  # "nobody" is not in the graph
    frame = store.read_providers(clean_neo4j).set_index("provider_key")
    assert frame.loc["charlie", "ecosystem"] == 1
    assert frame.loc["alpha", "ecosystem_stability"] == 0.9
    assert pd.isna(frame.loc["bravo", "ecosystem_stability"])  # NaN writes no property
    assert pd.isna(frame.loc["golf", "ecosystem"])
    with pytest.raises(SchemaError, match="would overwrite a property the loader owns"):
        store.write_provider_properties(clean_neo4j, results.assign(frn="x"), ["frn"])
    with pytest.raises(SchemaError, match="missing column"):
        store.write_provider_properties(clean_neo4j, results, ["score"])


def test_a_killed_sends_to_refresh_is_finished_by_the_next_load(clean_neo4j, store_hops) -> None:
    store.load_frames(clean_neo4j, store_hops, progress=False)
    clean = store.graph_fingerprint(clean_neo4j)
    # simulate a load killed after its batches committed, before SENDS_TO was rebuilt
    clean_neo4j.execute_query(
        "MATCH (u:Provider {key: $k})-[s:SENDS_TO]->() SET u:SendsToStale DELETE s", k="charlie"
    )
    assert store.graph_counts(clean_neo4j)["SENDS_TO"] == 5
    report = store.load_frames(clean_neo4j, store_hops, progress=False)
    assert report.providers_refreshed == 1 and report.tracebacks_written == 0
    assert store.graph_fingerprint(clean_neo4j) == clean
