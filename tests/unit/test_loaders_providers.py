"""Issue 14 item 2: foreign carriers without a country column; provider lists; no false RMD."""

from __future__ import annotations

from pathlib import Path

import pytest

from graphengine.errors import InputFileError
from graphengine.findings import compute_findings
from loaders import load_inputs

DATA = Path(__file__).resolve().parents[1] / "data" / "itg"
EXPORT = DATA / "traceback_export.csv"
MAPPING = DATA / "traceback_export.yml"

HOPS = (
    "traceback_id,hop,provider,upstream_provider,response,call_time\n"
    "T1,0,Sunrise Wireless,Orbit Voice,Upstream identified,2024-03-01T10:00:00Z\n"
    "T1,1,Orbit Voice,Zagreb Tel d.o.o.,Upstream identified,2024-03-01T10:00:00Z\n"
    "T1,2,Zagreb Tel d.o.o.,,No response,2024-03-01T10:00:00Z\n"
    "T2,0,Sunrise Wireless,Orbit Voice,Upstream identified,2024-03-02T10:00:00Z\n"
    "T2,1,Orbit Voice,Zagreb Tel DOO,Upstream identified,2024-03-02T10:00:00Z\n"
    "T2,2,Zagreb Tel DOO,,No response,2024-03-02T10:00:00Z\n"
)


def _hops(tmp_path: Path) -> Path:
    path = tmp_path / "hops.csv"
    path.write_text(HOPS, encoding="utf-8")
    return path


def test_provider_country_list_makes_the_foreign_hop_and_the_gateway(tmp_path: Path) -> None:
    providers = tmp_path / "providers.csv"
    providers.write_text("provider,country\nZagreb Tel DOO,HR\nOrbit Voice,US\n")
    result = load_inputs([_hops(tmp_path)], providers=providers)
    assert result.hops["role"].tolist() == ["terminating", "gateway", "foreign"] * 2
    assert result.hops["provider_country"].tolist() == ["US", "US", "HR"] * 2
    frame = result.providers.set_index("provider_key")
    assert frame.loc["zagreb tel", "country"] == "HR"
    assert frame["in_rmd"].isna().all()  # a country list is no RMD registry
    findings = compute_findings(result.hops, result.providers)
    assert not findings.rmd_supplied and findings.rmd_violations.empty


def test_empty_frn_column_is_a_provider_list_not_a_registry(tmp_path: Path) -> None:
    # seen: both rows quarantined ("missing required field frn"), registry "supplied",
    # and every edge reported as an RMD violation
    providers = tmp_path / "providers.csv"
    providers.write_text("provider,country,frn\nZagreb Tel DOO,HR,\nOrbit Voice,US,\n")
    result = load_inputs([_hops(tmp_path)], providers=providers)
    assert result.rejects.empty
    assert result.providers["in_rmd"].isna().all()
    findings = compute_findings(result.hops, result.providers)
    assert not findings.rmd_supplied
    assert findings.rmd_violations.empty


def test_registry_whose_rows_all_fail_is_an_error(tmp_path: Path) -> None:
    rmd = tmp_path / "rmd.csv"
    rmd.write_text("frn,business_name\nnot-an-frn,Orbit Voice\n12x,Sunrise Wireless\n")
    with pytest.raises(InputFileError) as err:
        load_inputs([_hops(tmp_path)], providers=rmd)
    assert str(err.value) == (
        f"{rmd}: no row of the RMD registry could be read (line 2: frn must be up to 10 digits, "
        "got 'not-an-frn'); fix the file, or give a provider list without RMD columns "
        "(provider,country)"
    )


def test_one_valid_rmd_row_turns_rmd_checks_on(tmp_path: Path) -> None:
    rmd = tmp_path / "rmd.csv"
    rmd.write_text("frn,business_name\n0012345601,Sunrise Wireless\n12x,Orbit Voice\n")
    result = load_inputs([_hops(tmp_path)], providers=rmd)
    assert len(result.rejects) == 1
    frame = result.providers.set_index("provider_key")
    assert bool(frame.loc["sunrise wireless", "in_rmd"]) is True
    assert bool(frame.loc["orbit voice", "in_rmd"]) is False


def test_foreign_upstream_phrase_marks_upstream_not_the_gateway() -> None:
    # seen: "Upstream Identified - Foreign Carrier" made the *gateway's* hop foreign
    hops = load_inputs([EXPORT], mapping=MAPPING).hops
    gateway = hops[hops["response"] == "Upstream Identified - Foreign Carrier"]
    assert set(gateway["role"]) == {"gateway"}
    assert set(gateway["response_category"]) == {"responded"}
    assert set(gateway["provider_country"]) == {"US"}
    above = hops.merge(
        gateway[["traceback_id", "hop"]].assign(hop=gateway["hop"] + 1), on=["traceback_id", "hop"]
    )
    assert set(above["role"]) == {"foreign"} and len(above) == len(gateway) == 7


def test_configurable_foreign_upstream_phrase(tmp_path: Path) -> None:
    path = tmp_path / "hops.csv"
    path.write_text(
        HOPS.replace(
            "T1,1,Orbit Voice,Zagreb Tel d.o.o.,Upstream identified",
            "T1,1,Orbit Voice,Zagreb Tel d.o.o.,Offshore source named",
        )
    )
    mapping = tmp_path / "m.yml"
    mapping.write_text("foreign_upstream: [offshore source named]\n")
    result = load_inputs([path], mapping=mapping)
    # T1 names it; T2 carries the same provider: foreign by key in both
    assert result.hops["role"].tolist() == ["terminating", "gateway", "foreign"] * 2
    assert result.hops["response_category"].tolist()[1] == "responded"
