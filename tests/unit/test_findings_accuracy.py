"""Findings against the synthetic generator's planted truth (small seeded data set).

Targets (issue 6): repeat gateways / originators precision and recall >= 0.95; non-cooperative
>= 0.9 / 0.9; planted RMD violations all found, none on an upstream that is in the RMD.
Identity is fixed with an alias table written from truth's name_map (see
benchmarks/quality_findings.py), so these numbers measure the findings, not name matching.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import loaders
from benchmarks.quality_findings import evaluate, write_aliases
from graphengine.findings import compute_findings
from graphengine.synthetic import generate
from tests.helpers.findings_rederive import check_row, recompute_score


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("synthetic")
    generate(folder, tracebacks=1500, seed=11, show_progress=False)
    return folder


@pytest.fixture(scope="module")
def scored(dataset):
    return evaluate(dataset, "aliases")


@pytest.mark.parametrize("label", ["repeat gateways", "repeat originators"])
def test_repeat_offenders_meet_targets(scored, label):
    row = scored["rows"][label]
    assert row["truth"] >= 10, "the seeded data set should plant enough to measure"
    assert row["precision"] >= 0.95 and row["recall"] >= 0.95, row


def test_noncooperative_meets_targets(scored):
    row = scored["rows"]["non-cooperative"]
    assert row["truth"] >= 5
    assert row["precision"] >= 0.9 and row["recall"] >= 0.9, row


def test_every_planted_rmd_violation_found_and_none_on_listed_upstreams(scored):
    row = scored["rows"]["RMD violations (edges)"]
    assert row["truth"] > 0
    assert row["recall"] == 1.0
    assert row["precision"] == 1.0
    assert row["false_positives_on_listed_upstreams"] == 0


def test_generated_targets_rederive_from_their_ids(dataset, tmp_path):
    truth = json.loads((dataset / "truth.json").read_text())
    aliases = write_aliases(truth, tmp_path / "aliases.csv")
    loaded = loaders.load_inputs(
        [dataset / "hops.csv"], providers=dataset / "rmd.csv", aliases=aliases
    )
    found = compute_findings(loaded.hops, loaded.providers)
    found.write(tmp_path)
    targets = pd.read_csv(
        tmp_path / "targets.csv", dtype={"ecosystem": "string"}, keep_default_na=False
    )
    doc = json.loads((tmp_path / "findings.json").read_text())
    flagged = set(targets.loc[targets["noncooperative"], "provider_key"])
    picks = [
        *targets.head(3).index,
        targets.index[targets["rmd_violation"] > 0][0],
        targets.index[targets["accepts_flagged"] > 0][0],
        targets.index[targets["nonresponse"] > 0][-1],
    ]
    hops = loaded.hops
    for i in picks:
        row = targets.loc[i]
        tbs = set(row["traceback_ids"].split(";")) if row["traceback_ids"] else set()
        check_row(row, hops[hops["traceback_id"].isin(tbs)], loaded.providers, flagged)
        assert float(row["score"]) == pytest.approx(
            recompute_score(row, doc["parameters"]["weights"]), abs=1e-6
        )
