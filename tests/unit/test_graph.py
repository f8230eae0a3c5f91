"""The provider graph: hand-worked edges, weights, attributes and isolated providers."""

from __future__ import annotations

import pandas as pd
import pytest

from graphengine import graph, schema
from graphengine.errors import ConfigError, SchemaError
from graphengine.store.read import projection_frames
from tests.helpers.ecosystems import hops_from_paths


def _edges(g):
    names = g.vs["name"]
    return {(names[e.source], names[e.target]): e.attributes() for e in g.es}


@pytest.fixture
def hops() -> pd.DataFrame:
    # T0000: a > b > t ; T0001: a > b > t ; T0002: f > b > t (campaign y) ; T0003: b > t
    return hops_from_paths(
        [["a", "b", "t"], ["a", "b", "t"], ["f", "b", "t"], ["b", "t"]],
        campaigns=["x", "x", "y", "y"],
    )


def test_edges_follow_call_flow_with_hand_counted_weights(hops):
    g = graph.provider_graph(hops)
    assert g.is_directed()
    assert g.vs["name"] == ["a", "b", "f", "t"]
    edges = _edges(g)
    assert set(edges) == {("a", "b"), ("f", "b"), ("b", "t")}
    assert edges[("b", "t")]["tracebacks"] == 4
    assert edges[("b", "t")]["weight"] == 4.0
    assert edges[("b", "t")]["n_campaigns"] == 2
    assert edges[("b", "t")]["campaigns"] == "x;y"
    assert edges[("a", "b")]["tracebacks"] == 2
    assert edges[("a", "b")]["first_seen"] == "2026-01-01T00:00:00Z"
    assert edges[("a", "b")]["last_seen"] == "2026-01-02T00:00:00Z"
    assert edges[("f", "b")]["campaigns"] == "y"


def test_weight_choices(hops):
    loop = hops_from_paths([["a", "b", "a", "b", "t"]])  # one traceback crosses a > b twice
    edges = _edges(graph.provider_graph(loop, weight="hops"))
    assert edges[("a", "b")]["weight"] == 2.0
    assert edges[("a", "b")]["tracebacks"] == 1
    assert _edges(graph.provider_graph(loop))[("a", "b")]["weight"] == 1.0
    assert {e["weight"] for e in _edges(graph.provider_graph(hops, weight=None)).values()} == {1.0}
    with pytest.raises(ConfigError, match=r"weight='calls' is not supported"):
        graph.provider_graph(hops, weight="calls")


def test_isolated_and_upstream_only_providers_are_kept(hops):
    providers = schema.empty_providers()
    providers["provider_key"] = pd.Series(["lonely", "a"], dtype="string")
    # a provider named as upstream that never answered (no hop row of its own)
    extra = hops.iloc[[0]].copy()
    extra["traceback_id"] = pd.array(["T9"], dtype="string")
    extra["upstream_key"] = pd.array(["ghost"], dtype="string")
    g = graph.provider_graph(pd.concat([hops, extra], ignore_index=True), providers)
    assert g.vs["name"] == ["a", "b", "f", "ghost", "lonely", "t"]
    assert g.degree(["lonely", "ghost"]) == [0, 0]


def test_edge_table_and_graph_from_edges_agree(hops):
    table = graph.edge_table(hops)
    assert list(table.columns) == list(graph.EDGE_COLUMNS)
    a = graph.provider_graph(hops)
    b = graph.graph_from_edges(table, graph.provider_keys(hops))
    assert a.vs["name"] == b.vs["name"]
    assert a.get_edgelist() == b.get_edgelist()
    assert a.es["weight"] == b.es["weight"]


def test_graph_from_edges_rejects_duplicate_pairs(hops):
    table = graph.edge_table(hops)
    with pytest.raises(SchemaError, match=r"pair a -> b more than once"):
        graph.graph_from_edges(pd.concat([table, table.iloc[[0]]]), [])


def test_projection_with_campaign_lists_is_normalised(hops):
    table = graph.edge_table(hops)
    listed = table.assign(campaigns=[c.split(";")[::-1] for c in table["campaigns"]])
    keys, edges = projection_frames((pd.DataFrame({"provider_key": ["a", "z"]}), listed))
    assert keys == ["a", "z"]
    assert list(edges["campaigns"]) == list(table["campaigns"])


def test_empty_hops_give_an_empty_graph():
    g = graph.provider_graph(schema.empty_hops())
    assert (g.vcount(), g.ecount()) == (0, 0)


def test_edge_table_matches_a_plain_groupby():
    from tests.helpers.ecosystems import planted_paths

    paths, campaigns, _ = planted_paths(n_eco=3, per_eco=20)
    hops = hops_from_paths(paths, campaigns)
    routed = schema.routed_edges(hops)
    expected = (
        routed.groupby(["upstream_key", "downstream_key"])
        .agg(
            tracebacks=("traceback_id", "nunique"),
            hops=("traceback_id", "size"),
            n_campaigns=("campaign", "nunique"),
            first_seen=("call_time", "min"),
            last_seen=("call_time", "max"),
        )
        .reset_index()
    )
    table = graph.edge_table(hops)
    for col in expected.columns:
        assert table[col].astype(str).tolist() == expected[col].astype(str).tolist(), col
