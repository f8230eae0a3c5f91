"""The synthetic generator's files load with zero rejects, and the loader agrees with its truth."""

from __future__ import annotations

import pandas as pd
import pytest

from loaders import load_inputs

synthetic = pytest.importorskip("graphengine.synthetic")


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


def test_identity_against_the_planted_name_map(generated):
    """Normalisation and d/b/a never merge two planted companies, and only leave apart the
    singular/plural slips ("Network" / "Networks"), which are the alias file's job."""
    import json

    from loaders.identity import build_identity

    name_map = json.loads(generated.truth.read_text())["name_map"]
    ident = build_identity(list(name_map))
    companies_per_key: dict[str, set[str]] = {}
    keys_per_company: dict[str, set[str]] = {}
    for raw, company in name_map.items():
        companies_per_key.setdefault(ident.keys[raw], set()).add(company)
        keys_per_company.setdefault(company, set()).add(ident.keys[raw])
    assert all(len(c) == 1 for c in companies_per_key.values())  # no over-merge
    for keys in keys_per_company.values():
        if len(keys) > 1:
            short, long = sorted(keys, key=len)
            assert long == short + "s"
