"""Ecosystem detection: properties (networkx test_louvain style), planted recovery, golden
karate club, hub handling, determinism and the per-ecosystem summary."""

from __future__ import annotations

import random

import igraph as ig
import networkx as nx
import numpy as np
import pandas as pd
import pytest

from graphengine import schema
from graphengine.ecosystems import (
    HubRule,
    detect_ecosystems,
    partition_graph,
    resolution_scan,
)
from graphengine.errors import ConfigError
from tests.helpers.ecosystems import hops_from_paths, planted_paths


@pytest.fixture(scope="module")
def planted():
    paths, campaigns, truth = planted_paths()
    customers = [f"cust{i % 3}" for i in range(len(paths))]
    return hops_from_paths(paths, campaigns, customers), truth


def _nmi(truth: dict[str, int], membership: dict[str, int | None]) -> float:
    keys = sorted(truth)
    # a member left without an ecosystem counts as its own singleton (it is a miss)
    pred = [membership[k] if membership[k] is not None else -1 - i for i, k in enumerate(keys)]
    return ig.compare_communities([truth[k] for k in keys], pred, method="nmi")


def test_result_is_a_partition_of_every_provider(planted):
    hops, _ = planted
    result = detect_ecosystems(hops, runs=5, seed=3)
    frame = result.providers
    assert sorted(frame["provider_key"]) == sorted(
        set(hops["provider_key"]) | set(hops["upstream_key"].dropna())
    )
    assert frame["provider_key"].is_unique
    ids = sorted(frame["ecosystem"].dropna().unique())
    assert ids == list(range(1, len(ids) + 1)) == list(result.ecosystems["ecosystem"])
    sizes = frame["ecosystem"].value_counts().sort_index()
    assert list(sizes) == list(result.ecosystems["n_providers"])


def test_modularity_beats_singletons():
    g = ig.Graph.SBM([[0.3, 0.02, 0.02], [0.02, 0.3, 0.02], [0.02, 0.02, 0.3]], [30, 30, 30])
    part = partition_graph(g, runs=5, seed=1, hub_handling="none", min_size=1)
    singletons = g.modularity(list(range(g.vcount())))
    assert part.quality["modularity"] > singletons
    assert part.quality["modularity"] == pytest.approx(
        g.modularity([m - 1 for m in part.membership])
    )


def test_planted_ecosystems_are_recovered_and_hubs_left_out(planted):
    hops, truth = planted
    result = detect_ecosystems(hops, runs=10, seed=11)
    assert _nmi(truth, result.membership()) == pytest.approx(1.0)
    status = result.providers.set_index("provider_key")["status"]
    assert status[["term1", "term2", "transit"]].tolist() == ["hub", "hub", "hub"]
    assert (status.drop(["term1", "term2", "transit"]) == "member").all()
    assert result.providers["is_hub"].sum() == 3


@pytest.mark.parametrize("method", ["louvain", "infomap"])
def test_other_methods_recover_the_planted_ecosystems(planted, method):
    hops, truth = planted
    result = detect_ecosystems(hops, method=method, runs=5, seed=5)
    assert _nmi(truth, result.membership()) == pytest.approx(1.0)
    assert result.params["method"] == method


def test_plain_detection_puts_hubs_in_an_ecosystem(planted):
    hops, _ = planted
    result = detect_ecosystems(hops, runs=5, seed=5, hub_handling="none")
    frame = result.providers.set_index("provider_key")
    assert not frame["is_hub"].any()
    assert frame.loc[["term1", "term2", "transit"], "ecosystem"].notna().all()
    assert result.params["hub_handling"]["mode"] == "none"


def test_downweight_mode_keeps_hub_edges(planted):
    hops, truth = planted
    result = detect_ecosystems(hops, runs=5, seed=5, hub_handling="downweight")
    assert _nmi(truth, result.membership()) == pytest.approx(1.0)
    hubs = result.providers.set_index("provider_key").loc[["term1", "term2", "transit"]]
    assert (hubs["status"] == "hub").all()  # no ecosystem holds 2/3 of their traffic
    assert hubs["stability"].notna().all()  # they took part in detection


def test_hub_serving_one_ecosystem_is_attached():
    paths = [["a", "b", "c", "t"]] * 5 + [["d", "e", "g", "u"]] * 5 + [["a", "c", "t"]] * 3
    result = detect_ecosystems(hops_from_paths(paths), runs=3, seed=1)
    frame = result.providers.set_index("provider_key")
    assert frame.loc["t", "status"] == "attached_hub"
    assert frame.loc["t", "ecosystem"] == frame.loc["a", "ecosystem"]
    assert frame.loc["t", "hub_share"] == 1.0
    assert (
        result.ecosystems.set_index("ecosystem").loc[frame.loc["t", "ecosystem"], "n_attached_hubs"]
        == 1
    )


def test_same_seed_same_result_and_global_random_untouched(planted):
    hops, _ = planted
    random.seed(123)
    before = random.getstate()
    a = detect_ecosystems(hops, runs=8, seed=99)
    assert random.getstate() == before
    b = detect_ecosystems(hops, runs=8, seed=99)
    pd.testing.assert_frame_equal(a.providers, b.providers)
    pd.testing.assert_frame_equal(a.ecosystems, b.ecosystems)
    assert a.params == b.params


def test_seeded_runs_on_a_noisy_graph_are_reproducible():
    g = ig.Graph.SBM([[0.08, 0.03], [0.03, 0.08]], [60, 60])
    a = partition_graph(g, runs=10, seed=4, hub_handling="none")
    b = partition_graph(g, runs=10, seed=4, hub_handling="none")
    assert a.membership == b.membership
    np.testing.assert_array_equal(a.stability, b.stability)
    assert ((a.stability >= 0) & (a.stability <= 1)).all()


def test_canonical_ids_order_by_size_then_smallest_key():
    # ecosystem of 4 (keys m..) and two of 3: x.. and c.. -> ids m=1, c=2, x=3
    paths = [["m1", "m2", "m3", "m4"]] * 3 + [["x1", "x2", "x3"]] * 3 + [["c1", "c2", "c3"]] * 3
    result = detect_ecosystems(hops_from_paths(paths), runs=3, seed=2, hub_handling="none")
    eco = result.providers.set_index("provider_key")["ecosystem"]
    assert (eco["m1"], eco["c1"], eco["x1"]) == (1, 2, 3)


def test_karate_club_golden():
    """Zachary's karate club: best known modularity 0.4198 (4 groups) at resolution 1, and
    at resolution 0.5 the two factions except members 8 and 9 (0-based), the pair that
    community methods famously place on the other side."""
    g = ig.Graph.Famous("Zachary")
    g.vs["name"] = [f"v{i:02d}" for i in range(34)]
    best = partition_graph(g, runs=20, seed=7, hub_handling="none", min_size=1)
    assert best.n_ecosystems == 4
    assert best.quality["modularity"] == pytest.approx(0.4198, abs=1e-4)
    split = partition_graph(g, runs=20, seed=7, hub_handling="none", min_size=1, resolution=0.5)
    assert split.n_ecosystems == 2
    club = nx.get_node_attributes(nx.karate_club_graph(), "club")
    hi = split.membership[0]
    wrong = [i for i in range(34) if (split.membership[i] == hi) != (club[i] == "Mr. Hi")]
    assert wrong == [8, 9]


def test_isolated_and_small_providers_are_reported():
    providers = schema.empty_providers()
    providers["provider_key"] = pd.Series(["zz_lonely"], dtype="string")
    providers["name"] = pd.Series(["Lonely Telecom"], dtype="string")
    paths = [["a", "b", "c", "d"]] * 4 + [["p", "q", "d"]]  # p, q: a pair, below min_size
    result = detect_ecosystems(hops_from_paths(paths), providers, runs=3, seed=1)
    frame = result.providers.set_index("provider_key")
    assert frame.loc["zz_lonely", "status"] == "isolated"
    assert frame.loc["zz_lonely", "name"] == "Lonely Telecom"
    assert pd.isna(frame.loc["zz_lonely", "ecosystem"])
    assert frame.loc[["p", "q"], "status"].tolist() == ["small", "small"]
    assert frame.loc["a", "name"] == "A"  # printed name when the registry has none


def test_cpm_objective_is_passed_explicitly():
    g = ig.Graph.SBM([[0.5, 0.01], [0.01, 0.5]], [20, 20])
    g.es["weight"] = [1.0] * g.ecount()
    # CPM at resolution 1 on unit weights wants complete subgraphs: it shatters the graph,
    # which is why modularity is the default and the objective is always passed.
    shattered = partition_graph(
        g, objective="cpm", resolution=1.0, runs=3, seed=1, hub_handling="none"
    )
    assert shattered.n_ecosystems == 0
    two = partition_graph(g, objective="cpm", resolution=0.1, runs=3, seed=1, hub_handling="none")
    assert two.n_ecosystems == 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"method": "walktrap"}, "method='walktrap' is not supported"),
        ({"objective": "surprise"}, "objective='surprise' is not supported"),
        ({"resolution": 0}, "resolution=0 must be a positive number"),
        ({"runs": 0}, "runs=0 must be at least 1"),
        ({"hub_handling": "drop"}, "hub_handling mode 'drop' is not supported"),
    ],
)
def test_bad_parameters_raise_config_errors(planted, kwargs, message):
    hops, _ = planted
    with pytest.raises(ConfigError, match=message):
        detect_ecosystems(hops, **kwargs)


def test_hub_rule_validates_its_thresholds():
    with pytest.raises(ConfigError, match=r"attach_share=1.5 must be in \(0, 1\]"):
        HubRule(attach_share=1.5)
    with pytest.raises(ConfigError, match=r"degree_z=0 must be positive"):
        HubRule(degree_z=0)


def test_params_record_seed_and_versions(planted):
    hops, _ = planted
    params = detect_ecosystems(hops, runs=2, seed=17).params
    assert params["seed"] == 17 and params["runs"] == 2
    assert params["objective"] == "modularity" and params["method"] == "leiden"
    assert set(params["versions"]) >= {"igraph", "graphengine", "python"}
    assert params["versions"]["igraph"] == ig.__version__


def test_summary_hand_worked():
    # ecosystem A: f1 > g1 > i1 > t (3 tracebacks, campaign x, customer cA)
    #              f1 > g1 > i2 > t (1 traceback, campaign y)
    # ecosystem B: o1 > o2 > o3 > t (2 tracebacks, campaign z)
    paths = (
        [["f1", "g1", "i1", "t"]] * 3 + [["f1", "g1", "i2", "t"]] + [["o1", "o2", "o3", "t"]] * 2
    )
    hops = hops_from_paths(
        paths,
        campaigns=["x", "x", "x", "y", "z", "z"],
        customers=["cA", "cA", "cA", None, "cB", "cB"],
    )
    result = detect_ecosystems(hops, runs=3, seed=1)
    eco = result.ecosystems.set_index("ecosystem")
    a = eco.loc[1]
    assert (a["n_providers"], a["n_foreign"], a["n_gateway"], a["n_intermediate"]) == (4, 1, 1, 2)
    assert a["foreign_sources"] == "f1 (4)" and a["gateways"] == "g1 (4)"
    assert a["n_tracebacks"] == 4 and a["n_campaigns"] == 2
    assert a["campaigns"] == "x (3); y (1)"
    assert a["top_customers"] == "cA (3)"
    assert a["first_seen"] == pd.Timestamp("2026-01-01", tz="UTC")
    assert a["last_seen"] == pd.Timestamp("2026-01-04", tz="UTC")
    # g1 sits between f1 and both i1 and i2: 2 of the (4-1)(4-2)=6 ordered pairs
    assert a["chokepoints"] == "g1 (0.333)"
    b = eco.loc[2]
    assert (b["n_providers"], b["n_originating"], b["n_tracebacks"]) == (3, 1, 2)
    assert b["originators"] == "o1 (2)" and b["top_customers"] == "cB (2)"
    assert b["chokepoints"] == "o2 (0.500)"  # o1 -> o3: 1 of (3-1)(3-2)=2 ordered pairs
    terminating = result.providers.set_index("provider_key").loc["t"]
    assert terminating["status"] == "hub" and terminating["primary_role"] == "terminating"


def test_resolution_scan_reports_each_resolution(planted):
    hops, _ = planted
    scan = resolution_scan(hops, [0.05, 1.0, 20.0], runs=2, seed=1)
    assert list(scan.columns) == [
        "resolution",
        "n_ecosystems",
        "n_assigned",
        "largest",
        "modularity",
        "cpm_quality",
        "mean_stability",
    ]
    assert scan["resolution"].tolist() == [0.05, 1.0, 20.0]
    assert scan.loc[1, "n_ecosystems"] == 4
    assert scan.loc[0, "n_ecosystems"] < 4 < scan.loc[2, "n_ecosystems"] or (
        scan.loc[2, "n_assigned"] < scan.loc[1, "n_assigned"]
    )


def test_repr_html_names_method_and_seed(planted):
    hops, _ = planted
    text = detect_ecosystems(hops, runs=2, seed=5)._repr_html_()
    assert "4 ecosystems" in text and "seed 5" in text and "<table" in text


def test_empty_input():
    result = detect_ecosystems(schema.empty_hops(), runs=2)
    assert result.providers.empty and result.ecosystems.empty


def test_ring_of_cliques_resolution_limit_is_split():
    """Fortunato and Barthelemy's ring of 30 five-cliques joined by single edges: modularity
    merges neighbouring cliques; the split step recovers every clique."""
    k, c = 30, 5
    edges = [(i * c + a, i * c + b) for i in range(k) for a in range(c) for b in range(a + 1, c)]
    edges += [(i * c, ((i + 1) % k) * c + 1) for i in range(k)]
    g = ig.Graph(n=k * c, edges=edges)
    merged = partition_graph(g, runs=10, seed=3, hub_handling="none", split_threshold=None)
    assert merged.n_ecosystems < k
    split = partition_graph(g, runs=10, seed=3, hub_handling="none")
    assert split.n_ecosystems == k
    assert sorted(np.bincount(split.membership)[1:].tolist()) == [c] * k
    cliques = [i // c for i in range(k * c)]
    assert ig.compare_communities(cliques, split.membership, method="nmi") == pytest.approx(1.0)
    assert split.quality["n_split"] > 0


def test_hub_candidates_by_campaign_breadth_degree_and_terminating_share():
    from graphengine.ecosystems.hubs import hub_candidates

    degree = np.array([4, 4, 5, 4, 6, 5, 4, 5, 40, 0])
    campaigns = np.array([1, 2, 1, 1, 2, 1, 2, 30, 3, 0])
    terminating = np.array([0, 0, 0, 0.9, 0, 0, 0, 0, 0, 0])
    mask = hub_candidates(degree, terminating, HubRule(), campaigns)
    # 3: terminating carrier; 7: carries 30 campaigns; 8: 40 neighbours; 9: isolated, never a hub
    assert np.flatnonzero(mask).tolist() == [3, 7, 8]
    assert not hub_candidates(degree, terminating, HubRule(mode="none"), campaigns).any()
