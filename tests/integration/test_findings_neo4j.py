"""Findings against the real Neo4j: the frames read back give the same findings, and
--write-back puts the key scores on the Provider nodes."""

from __future__ import annotations

import pandas as pd
import pytest

from graphengine import store
from graphengine.findings import FindingsConfig, NonCooperationRule, compute_findings
from graphengine.pipeline.analysis import write_findings_back
from graphengine.store.writeback import FINDINGS_COLUMNS
from tests.helpers.findings_tiny import tiny_hops, tiny_providers

pytestmark = pytest.mark.neo4j

CONFIG = FindingsConfig(noncooperation=NonCooperationRule(min_nonresponse=2, min_stopped=2))


def _frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    hops = tiny_hops()
    hops["source_file"] = pd.Series(["tiny.csv"] * len(hops), dtype="string")
    hops["source_line"] = pd.Series(range(2, len(hops) + 2), dtype="int64")
    hops["source_sha256"] = pd.Series(["0" * 64] * len(hops), dtype="string")
    return hops, tiny_providers()


@pytest.fixture
def loaded(clean_neo4j):
    hops, providers = _frames()
    store.load_frames(clean_neo4j, hops, providers, progress=False)
    return clean_neo4j


def test_findings_from_neo4j_match_in_process(loaded):
    hops, providers = _frames()
    here = compute_findings(hops, providers, config=CONFIG)
    there = compute_findings(store.read_hops(loaded), store.read_providers(loaded), config=CONFIG)
    cols = ["rank", "provider_key", "score", "reasons", "traceback_ids"]
    pd.testing.assert_frame_equal(
        here.targets[cols].astype(str), there.targets[cols].astype(str), check_dtype=False
    )
    assert there.rmd_violations["traceback_id"].tolist() == ["tb01", "tb02", "tb03", "tb09", "tb05"]


def test_write_back_puts_scores_on_provider_nodes(loaded):
    hops, providers = _frames()
    found = compute_findings(hops, providers, config=CONFIG)
    assert write_findings_back(loaded, found) == 9
    with loaded.session() as session:
        rows = session.run(
            "MATCH (p:Provider) WHERE p.findings_rank IS NOT NULL "
            "RETURN p.key AS key, p.findings_rank AS rank, p.findings_score AS score, "
            "p.findings_repeat_gateway AS rg, p.findings_noncooperative AS nc, "
            "p.findings_gateway_tracebacks AS gw, p.findings_window_since AS since "
            "ORDER BY rank"
        ).data()
    assert [r["key"] for r in rows] == found.targets["provider_key"].tolist()
    assert [r["key"] for r in rows][:2] == ["gate", "transit"]  # transit: the top chokepoint
    gate = rows[0]
    assert gate["rank"] == 1 and gate["rg"] is True and gate["nc"] is False and gate["gw"] == 3
    assert gate["score"] == pytest.approx(found.targets.iloc[0]["score"])
    assert gate["since"] == "2024-01-10T00:00:00+00:00"
    assert {r["key"] for r in rows if r["nc"]} == {"silent", "foreignco"}
    with loaded.session() as session:
        keys = session.run("MATCH (p:Provider {key: 'gate'}) RETURN keys(p) AS k").single()["k"]
    assert set(FINDINGS_COLUMNS) <= set(keys)
