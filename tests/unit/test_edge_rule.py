"""The hop -> provider-edge rule has one implementation (:func:`graphengine.schema.routed_edges`).

It replaced a merge (the rule as written in docs/data-model.md, kept below as the reference) and
a positional copy in the findings; the aggregations over it agree with the graph's edge table.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import loaders
from graphengine import graph, schema
from graphengine.export import tables
from graphengine.findings import _common
from graphengine.findings.chokepoints import provider_edges
from graphengine.synthetic import generate


@pytest.fixture(scope="module")
def hops(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    folder: Path = tmp_path_factory.mktemp("edge_rule")
    data = generate(folder, tracebacks=600, seed=13, show_progress=False)
    loaded = loaders.load_inputs([data.hops], providers=data.rmd)
    assert len(loaded.hops) > 2000
    return loaded.hops


def _by_merge(hops: pd.DataFrame) -> pd.DataFrame:
    """The rule as a merge: hop h+1 of a traceback (upstream) -> hop h (downstream)."""
    cols = ["traceback_id", "hop", "provider_key", "call_time", "campaign", "attestation"]
    down = hops[cols].rename(columns={"provider_key": "downstream_key"})
    up = hops[["traceback_id", "hop", "provider_key", "response_category"]]
    up = up.rename(columns={"provider_key": "upstream_key"}).assign(hop=up["hop"] - 1)
    edges = down.merge(up, on=["traceback_id", "hop"], how="inner")
    ordered = [*cols[:2], "upstream_key", "downstream_key", *cols[3:], "response_category"]
    return edges[ordered].sort_values(["traceback_id", "hop"], kind="stable").reset_index(drop=True)


def test_the_rule_equals_the_merge(hops: pd.DataFrame) -> None:
    new = schema.routed_edges(hops)
    assert len(new) == len(hops) - hops["traceback_id"].nunique()
    pd.testing.assert_frame_equal(new, _by_merge(hops))


def test_the_rule_equals_the_merge_on_compacted_hops(hops: pd.DataFrame) -> None:
    compact = _common.compact(hops)
    pd.testing.assert_frame_equal(schema.routed_edges(compact), _by_merge(compact))


def test_repeated_hop_pairs_pair_every_row(hops: pd.DataFrame) -> None:
    one = hops[hops["traceback_id"] == hops["traceback_id"].iloc[0]]
    doubled = pd.concat([one, one.iloc[[0]]], ignore_index=True)
    pd.testing.assert_frame_equal(schema.routed_edges(doubled), _by_merge(doubled))
    assert len(schema.routed_edges(doubled)) == len(one)


def test_findings_provider_edges_equal_the_graph_edge_table(hops: pd.DataFrame) -> None:
    old = provider_edges(_common.compact(hops))
    table = graph.edge_table(hops)
    table = table[table["upstream_key"] != table["downstream_key"]]
    new = table[["upstream_key", "downstream_key", "tracebacks"]].reset_index(drop=True)
    pd.testing.assert_frame_equal(new, old)


def test_export_edges_equal_the_graph_edge_table(hops: pd.DataFrame) -> None:
    old = tables._aggregate_edges(schema.routed_edges(hops))
    table = graph.edge_table(hops)
    assert old["source"].tolist() == table["upstream_key"].tolist()
    assert old["target"].tolist() == table["downstream_key"].tolist()
    assert old["tracebacks"].tolist() == table["tracebacks"].tolist()
    assert old["campaigns"].tolist() == table["n_campaigns"].tolist()
