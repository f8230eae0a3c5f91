"""The hop -> provider-edge rule has one implementation (:func:`graphengine.schema.routed_edges`).

The implementations it replaced are compared with it here, on generated data, before they go.
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


def test_positional_rule_equals_the_merge_rule(hops: pd.DataFrame) -> None:
    old = schema.routed_edges(hops)
    new = _common.routed(hops)
    assert len(old) == len(hops) - hops["traceback_id"].nunique()
    pd.testing.assert_frame_equal(new, old)


def test_positional_rule_equals_the_merge_rule_on_compacted_hops(hops: pd.DataFrame) -> None:
    compact = _common.compact(hops)
    pd.testing.assert_frame_equal(_common.routed(compact), schema.routed_edges(compact))


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
