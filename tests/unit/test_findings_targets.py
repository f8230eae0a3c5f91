"""Every number in targets.csv can be re-derived from the evidence ids it lists."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from graphengine.findings import FindingsConfig, NonCooperationRule, compute_findings
from tests.helpers.findings_rederive import check_row, recompute_score
from tests.helpers.findings_tiny import tiny_hops, tiny_providers


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("findings")
    cfg = FindingsConfig(noncooperation=NonCooperationRule(min_nonresponse=2, min_stopped=2))
    compute_findings(tiny_hops(), tiny_providers(), config=cfg).write(out)
    targets = pd.read_csv(out / "targets.csv", dtype={"ecosystem": "string"}, keep_default_na=False)
    return targets, json.loads((out / "findings.json").read_text())


@pytest.mark.parametrize("key", ["gate", "origin", "silent", "transit", "shady", "term2"])
def test_targets_csv_rows_rederive_from_their_ids(written, key):
    targets, doc = written
    row = targets[targets["provider_key"] == key].iloc[0]
    flagged = set(targets.loc[targets["noncooperative"], "provider_key"])
    check_row(row, tiny_hops(), tiny_providers(), flagged)
    weights = doc["parameters"]["weights"]
    assert float(row["score"]) == pytest.approx(recompute_score(row, weights), abs=1e-6)


def test_chokepoint_column_is_betweenness_over_the_run_maximum(written):
    targets, doc = written
    assert (
        targets["chokepoint"] - targets["betweenness"] / doc["betweenness_max"]
    ).abs().max() < 1e-12


def test_every_provider_has_one_row_ranked_by_score(written):
    targets, _ = written
    assert targets["provider_key"].is_unique and len(targets) == 9
    assert targets["score"].is_monotonic_decreasing
    assert targets["rank"].tolist() == list(range(1, 10))
