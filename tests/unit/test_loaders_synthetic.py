"""The synthetic generator's files load with zero rejects, and the loader agrees with its truth."""

from __future__ import annotations

import pandas as pd
import pytest

from loaders import load_inputs

synthetic = pytest.importorskip("loaders.synthetic")


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("synthetic")
    return synthetic.generate(out, tracebacks=300, seed=5, show_progress=False)


def test_hops_paths_and_rmd_load_clean(generated):
    hops = load_inputs([generated.hops], providers=generated.rmd)
    paths = load_inputs([generated.paths], providers=generated.rmd)
    for result in (hops, paths):
        assert result.rejects.empty
        assert result.stats["rejected"].sum() == 0
        assert result.hops["traceback_id"].nunique() == 300
    assert len(hops.hops) == len(paths.hops) == generated.summary["hops"]
    same = ["traceback_id", "hop", "provider", "provider_key", "upstream_key", "call_time"]
    pd.testing.assert_frame_equal(hops.hops[same], paths.hops[same])
    # every response text of the generator maps to a category
    assert hops.hops["response_category"].notna().all()


def test_derived_roles_match_the_generator(generated, tmp_path):
    given = load_inputs([generated.hops])
    raw = pd.read_csv(generated.hops, dtype=str, keep_default_na=False)
    no_roles = tmp_path / "hops_without_roles.csv"
    raw.drop(columns=["role"]).to_csv(no_roles, index=False)
    derived = load_inputs([no_roles])
    assert derived.hops["role"].tolist() == given.hops["role"].tolist()
