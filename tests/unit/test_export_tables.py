"""Node/edge tables, neighbourhoods, paths, timelines and layouts behind the export figures.

Expected values are counted by hand from tests/helpers/export.py (see its PATHS table).
"""

from __future__ import annotations

import pandas as pd
import pytest

from graphengine.errors import ExportError
from graphengine.export import tables
from graphengine.export.labels import place_labels, text_box
from graphengine.export.layout import force_layout, layered_layout
from tests.helpers.export import (
    EXPECTED_EDGES,
    EXPECTED_TRACEBACKS,
    random_ecosystem_hops,
    small_hops,
)


@pytest.fixture(scope="module")
def hops() -> pd.DataFrame:
    return small_hops()


def test_provider_table_counts_match_hand_counts(hops):
    nodes, edges = tables.provider_tables(hops)
    assert dict(zip(nodes["provider_key"], nodes["tracebacks"], strict=True)) == EXPECTED_TRACEBACKS
    got = {
        (s, t): n
        for s, t, n in zip(edges["source"], edges["target"], edges["tracebacks"], strict=True)
    }
    assert got == EXPECTED_EDGES
    assert list(nodes.columns) == list(tables.NODE_COLUMNS)
    assert list(edges.columns) == list(tables.EDGE_COLUMNS)


def test_dominant_role_and_tie_break(hops):
    nodes, _ = tables.provider_tables(hops)
    role = dict(zip(nodes["provider_key"], nodes["role"], strict=True))
    # Connexum is a gateway on T1 and an intermediate on T6: the tie goes to gateway.
    assert role["connexum"] == "gateway"
    assert (
        nodes.set_index("provider_key").at["connexum", "role_counts"] == "gateway:1;intermediate:1"
    )
    assert role["voipmax"] == "foreign"
    assert role["transitone"] == "intermediate"
    assert role["phoneco"] == "terminating"
    # Transit One exchanges traffic with six distinct providers.
    assert nodes.set_index("provider_key").at["transitone", "degree"] == 6


def test_hub_flag_by_degree(hops):
    nodes, _ = tables.provider_tables(hops, hub_min_degree=4)
    assert tables.hub_keys(nodes) == ["connexum", "transitone"]


def test_collapse_hubs_recounts_distinct_tracebacks(hops):
    nodes, edges = tables.provider_tables(
        hops, hub_min_degree=3
    )  # sipjoin, connexum, phoneco, transitone
    merged_nodes, merged_edges = tables.collapse_hubs(nodes, edges, hops)
    assert tables.HUB_KEY in set(merged_nodes["provider_key"])
    got = {
        (s, t): n
        for s, t, n in zip(
            merged_edges["source"], merged_edges["target"], merged_edges["tracebacks"], strict=True
        )
    }
    # VoIPMax reaches a hub on T1, T2 and T3: three distinct tracebacks, not four edges.
    assert got[("voipmax", tables.HUB_KEY)] == 3
    assert got[(tables.HUB_KEY, "bigcarrier")] == 3  # T1 and T4 via transitone, T3 via sipjoin
    assert (tables.HUB_KEY, tables.HUB_KEY) not in got


def test_neighbourhood_layers(hops):
    _, edges = tables.provider_tables(hops)
    layers = tables.neighbourhood(edges, "connexum", 2)
    assert layers == {
        "connexum": 0,
        "voipmax": -1,
        "nonresp": -1,
        "transitone": 1,
        "phoneco": 1,
        "bigcarrier": 2,
    }
    # Hubs are included but not expanded.
    stopped = tables.neighbourhood(edges, "connexum", 2, stop_at={"transitone"})
    assert "bigcarrier" not in stopped and stopped["transitone"] == 1


def test_path_tables_run_from_customer_to_terminating(hops):
    nodes, edges = tables.path_tables(hops, "T4")
    assert list(nodes["node_key"]) == ["customer", "hop:2", "hop:1", "hop:0"]
    assert list(nodes["name"]) == ["Life Corp", "Lingo Telecom", "Transit One", "Big Carrier"]
    assert list(nodes["response_category"])[1] == "customer_identified"
    assert list(edges["source"]) == ["customer", "hop:2", "hop:1"]
    with pytest.raises(ExportError, match="traceback 'T99' is not in the input"):
        tables.path_tables(hops, "T99")


def test_weekly_campaigns(hops):
    weeks = tables.weekly_campaigns(hops, {"voipmax", "connexum"})
    # T1, T2 (week of 4 March), T3 (11 March), T6 (18 March)
    assert weeks.to_dict("records") == [
        {"week": "2024-03-04", "campaign": "SSA imposter", "tracebacks": 2},
        {"week": "2024-03-11", "campaign": "auto warranty", "tracebacks": 1},
        {"week": "2024-03-18", "campaign": "SSA imposter", "tracebacks": 1},
    ]


def test_resolve_provider(hops):
    nodes, _ = tables.provider_tables(hops)
    assert tables.resolve_provider(nodes, "transit one") == "transitone"
    assert tables.resolve_provider(nodes, "lingo") == "lingo"
    with pytest.raises(ExportError, match="did you mean 'Lingo Telecom'"):
        tables.resolve_provider(nodes, "Lingo Telecomm")


def test_force_layout_is_seeded_and_order_free(hops):
    nodes, edges = tables.provider_tables(hops)
    keys = list(nodes["provider_key"])
    first = force_layout(keys, edges, seed=3)
    again = force_layout(list(reversed(keys)), edges, seed=3)
    other = force_layout(keys, edges, seed=4)
    assert first == again
    assert first != other
    assert set(first) == set(keys)
    assert all(0.0 <= v <= 1.0 for xy in first.values() for v in xy)


def test_force_layout_keeps_nodes_apart():
    hops = random_ecosystem_hops()
    nodes, edges = tables.provider_tables(hops)
    coords = force_layout(list(nodes["provider_key"]), edges, seed=1)
    pts = list(coords.values())
    gap = (
        min(
            ((a[0] - b[0]) * 1.5) ** 2 + (a[1] - b[1]) ** 2
            for i, a in enumerate(pts)
            for b in pts[i + 1 :]
        )
        ** 0.5
    )
    assert gap >= 0.6 / len(pts) ** 0.5 * 0.9  # the spread pass leaves about min_gap


def test_layered_layout_flows_left_to_right(hops):
    _, edges = tables.provider_tables(hops)
    layers = tables.neighbourhood(edges, "connexum", 2)
    coords = layered_layout(layers, edges)
    assert coords["voipmax"][0] == 0.0 and coords["bigcarrier"][0] == 1.0
    assert coords["voipmax"][0] < coords["connexum"][0] < coords["phoneco"][0]
    assert layered_layout(layers, edges) == coords


def test_placed_labels_never_overlap():
    hops = random_ecosystem_hops()
    nodes, edges = tables.provider_tables(hops)
    coords = force_layout(list(nodes["provider_key"]), edges, seed=1)
    points = {k: (x * 900, y * 600) for k, (x, y) in coords.items()}
    radii = dict.fromkeys(points, 8.0)
    texts = dict(zip(nodes["provider_key"], nodes["name"], strict=True))
    order = sorted(points)
    placed = place_labels(points, radii, texts, order, font_px=11, bounds=(900, 600))
    boxes = [text_box(*points[k], radii[k], texts[k], p, 11) for k, p in placed.items() if p]
    assert len(boxes) >= len(points) * 0.6
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3])


def test_trim_layers_keeps_the_busiest_connected_providers(hops):
    _, edges = tables.provider_tables(hops)
    layers = tables.neighbourhood(edges, "transitone", 2)
    assert len(layers) == 9
    kept = tables.trim_layers(layers, edges, 4)
    # distance 1, both sides: bigcarrier 2, phoneco 2 (tracebacks over the link to the focus),
    # then connexum, formula, lingo, sipjoin with 1 each (by key): the budget ends at connexum
    assert kept == {"transitone": 0, "bigcarrier": 1, "phoneco": 1, "connexum": -1}
    kept = tables.trim_layers(layers, edges, 7)
    assert set(kept) == {
        "transitone",
        "bigcarrier",
        "phoneco",
        "connexum",
        "formula",
        "lingo",
        "sipjoin",
    }
    assert "voipmax" not in kept  # distance 2 comes after distance 1
    assert tables.trim_layers(layers, edges, 50) == layers
