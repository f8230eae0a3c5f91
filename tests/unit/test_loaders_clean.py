"""The clean fixtures: a hop table of 10 tracebacks (34 hops) and the same data in other shapes.

Expected values are worked out by hand from tests/data/loaders/hops_clean.csv (see the comments).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from graphengine import schema
from loaders import load_inputs

DATA = Path(__file__).resolve().parents[1] / "data" / "loaders"
HOPS = DATA / "hops_clean.csv"
PATHS = DATA / "paths_clean.csv"
RMD = DATA / "rmd.csv"
ALIASES = DATA / "aliases.csv"
CONTENT = [
    c for c in schema.HOP_COLUMNS if c not in ("source_file", "source_line", "source_sha256")
]


@pytest.fixture(scope="module")
def clean():
    return load_inputs([HOPS], providers=RMD, aliases=ALIASES)


def test_counts(clean):
    # 10 tracebacks with 4+3+3+4+3+3+4+5+2+3 = 34 hops, nothing rejected
    assert len(clean.hops) == 34
    assert clean.hops["traceback_id"].nunique() == 10
    assert clean.rejects.empty
    hop_stats = clean.stats.iloc[0]
    assert (
        hop_stats["read"],
        hop_stats["loaded"],
        hop_stats["rejected"],
        hop_stats["duplicates"],
    ) == (34, 34, 0, 0)
    assert clean.stats.iloc[1]["shape"] == "registry"
    assert clean.stats.iloc[1]["loaded"] == 9


def test_schema_and_provenance(clean):
    schema.check_hops(clean.hops)
    schema.check_providers(clean.providers)
    assert list(clean.hops.columns) == [*schema.HOP_COLUMNS, *schema.OPTIONAL_HOP_COLUMNS]
    for name, dtype in schema.HOP_COLUMNS.items():
        assert str(clean.hops[name].dtype) == dtype, name
    assert set(clean.hops["source_file"]) == {str(HOPS)}
    import hashlib

    assert set(clean.hops["source_sha256"]) == {hashlib.sha256(HOPS.read_bytes()).hexdigest()}
    # the header is line 1, so TB-001 hop 0 is line 2 and TB-010 hop 2 the last line, 35
    first = clean.hops.iloc[0]
    assert (first["traceback_id"], first["hop"], first["source_line"]) == ("TB-001", 0, 2)
    assert clean.hops["source_line"].max() == 35


def test_roles_derived(clean):
    roles = clean.hops.groupby("role").size().to_dict()
    # terminating: hop 0 of 10 tracebacks; gateway: Harbor Voice in TB-001, TB-004, TB-008;
    # foreign: Mumbai (TB-001, TB-004, TB-008) and Manila (TB-008);
    # originating: Lakeside in TB-002, TB-005, TB-010 (customer named), Redline in TB-006
    # (responded, names no upstream); everything else intermediate (34-10-3-4-4 = 13).
    assert roles == {
        "terminating": 10,
        "gateway": 3,
        "foreign": 4,
        "originating": 4,
        "intermediate": 13,
    }
    top = clean.hops[clean.hops["traceback_id"] == "TB-003"].iloc[-1]
    assert top["role"] == "intermediate"  # Redline did not respond, so it is not the origin
    assert set(clean.hops.loc[clean.hops["role"] == "foreign", "provider_country"]) == {"IN", "PH"}
    assert set(clean.hops.loc[clean.hops["role"] != "foreign", "provider_country"]) == {"US"}


def test_identity_and_providers(clean):
    keys = set(clean.hops["provider_key"])
    # 12 printed companies; the alias file folds the misspelt "Telkast Networks" into "Telcast Network"
    assert len(keys) == 11
    assert "telkast network" not in keys
    assert clean.hops.loc[
        clean.hops["provider"] == "CobaltTel", "provider_key"
    ].unique().tolist() == ["cobalt connect"]
    # providers = 11 seen + the two Summit Voice filings kept apart by FRN
    assert len(clean.providers) == 13
    in_rmd = clean.providers.set_index("provider_key")["in_rmd"]
    assert int(in_rmd.sum()) == 9
    assert not in_rmd["redline voip"]
    prairie = clean.providers.set_index("provider_key").loc["prairie telecom"]
    assert prairie["frn"] == "0012345605"
    assert prairie["rmd_removed_on"] == pd.Timestamp("2024-02-15", tz="UTC")
    apart = clean.merges[clean.merges["rule"] == "frn_kept_apart"]
    assert sorted(apart["provider_key"]) == [
        "summit voice|frn:0012345608",
        "summit voice|frn:0012345609",
    ]
    alias_rows = clean.merges[clean.merges["rule"] == "alias"]
    assert alias_rows["raw_name"].tolist() == ["Telkast Networks"]


def test_responses_and_numbers(clean):
    cats = clean.hops["response_category"].value_counts().to_dict()
    assert cats == {
        "responded": 24,
        "foreign": 3,
        "customer_identified": 3,
        "no_response": 2,
        "records_not_found": 1,
        "insufficient_records": 1,
    }
    tb9 = clean.hops[clean.hops["traceback_id"] == "TB-009"]
    assert tb9["calling_number"].tolist() == ["Anonymous", "Anonymous"]
    assert tb9["calling_number_e164"].isna().all()
    assert tb9["flags"].tolist() == ["unreadable_calling_number"] * 2
    tb1 = clean.hops[clean.hops["traceback_id"] == "TB-001"].iloc[0]
    assert tb1["calling_number_e164"] == "+12025550101"
    assert tb1["called_number_e164"] == "+16145550199"


def test_path_table_gives_the_same_hops(clean):
    paths = load_inputs([PATHS], providers=RMD, aliases=ALIASES)
    assert paths.rejects.empty
    assert paths.stats.iloc[0]["read"] == 10
    assert paths.stats.iloc[0]["hops"] == 34
    pd.testing.assert_frame_equal(paths.hops[CONTENT], clean.hops[CONTENT])
