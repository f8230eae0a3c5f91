"""Ecosystems against the real Neo4j: the projection gives the same graph as the frames, and
the write-back lands on the Provider nodes."""

from __future__ import annotations

import pandas as pd
import pytest

from graphengine import schema, store
from graphengine.cli.main import main
from graphengine.ecosystems import detect_ecosystems
from graphengine.graph import provider_graph
from graphengine.store.read import provider_graph_from_neo4j
from graphengine.store.writeback import write_ecosystems
from tests.helpers.ecosystems import hops_from_paths, planted_paths

pytestmark = pytest.mark.neo4j

EDGE_ATTRS = ("weight", "tracebacks", "hops", "n_campaigns", "campaigns", "first_seen", "last_seen")


@pytest.fixture
def frames():
    paths, campaigns, _ = planted_paths(n_eco=3, per_eco=15)
    customers = [f"cust{i % 2}" for i in range(len(paths))]
    hops = hops_from_paths(paths, campaigns, customers)
    providers = schema.empty_providers()
    providers["provider_key"] = pd.Series(["zz_quiet"], dtype="string")
    providers["name"] = pd.Series(["Quiet Carrier"], dtype="string")
    providers["in_rmd"] = pd.Series([True], dtype="boolean")
    return hops, providers


@pytest.fixture
def loaded(clean_neo4j, frames):
    hops, providers = frames
    store.load_frames(clean_neo4j, hops, providers, progress=False)
    return clean_neo4j


def _edges(g):
    names = g.vs["name"]
    return {(names[e.source], names[e.target]): tuple(e[a] for a in EDGE_ATTRS) for e in g.es}


def test_projection_gives_the_same_graph_as_the_frames(loaded, frames):
    hops, providers = frames
    from_frames = provider_graph(hops, providers)
    from_neo4j = provider_graph_from_neo4j(loaded)
    assert from_neo4j.vs["name"] == from_frames.vs["name"]
    assert "zz_quiet" in from_neo4j.vs["name"]
    assert from_neo4j.get_edgelist() == from_frames.get_edgelist()
    assert _edges(from_neo4j) == _edges(from_frames)


def test_ecosystems_from_neo4j_match_the_frames(loaded, frames):
    hops, providers = frames
    a = detect_ecosystems(hops, providers, runs=5, seed=3)
    graph = provider_graph_from_neo4j(loaded)
    b = detect_ecosystems(
        store.read_hops(loaded), store.read_providers(loaded), runs=5, seed=3, graph=graph
    )
    assert a.membership() == b.membership()
    cols = ["ecosystem", "n_providers", "n_tracebacks", "campaigns", "first_seen", "last_seen"]
    pd.testing.assert_frame_equal(a.ecosystems[cols], b.ecosystems[cols])


def test_write_back_sets_ecosystem_and_stability(loaded, frames):
    hops, providers = frames
    result = detect_ecosystems(hops, providers, runs=5, seed=3)
    assert write_ecosystems(loaded, result.providers) == len(result.providers)
    with loaded.session() as session:
        rows = session.run(
            "MATCH (p:Provider) RETURN p.key AS key, p.ecosystem AS eco, "
            "p.ecosystem_stability AS stability ORDER BY key"
        ).data()
    got = {r["key"]: (r["eco"], r["stability"]) for r in rows}
    want = result.providers.set_index("provider_key")
    assert set(got) == set(want.index)
    for key, (eco, stability) in got.items():
        if pd.isna(want.loc[key, "ecosystem"]):
            assert eco is None and stability is None, key
        else:
            assert eco == int(want.loc[key, "ecosystem"]), key
            assert stability == pytest.approx(float(want.loc[key, "stability"])), key
    assert got["transit"] == (None, None)  # a hub
    assert got["zz_quiet"] == (None, None)  # isolated


def test_analyze_from_neo4j_with_write_back(loaded, frames, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(
        ["analyze", "--from-neo4j", "--out", str(out), "--runs", "5", "--seed", "3", "--write-back"]
    )
    assert code == 0
    assert '"written_back": 22' in capsys.readouterr().out
    hops, providers = frames
    expected = detect_ecosystems(hops, providers, runs=5, seed=3).providers
    written = pd.read_csv(out / "providers.csv")
    assert written["provider_key"].tolist() == expected["provider_key"].tolist()
    assert written["ecosystem"].astype("Int64").tolist() == expected["ecosystem"].tolist()
