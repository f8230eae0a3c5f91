"""Formats and layouts: JSON Lines, XLSX, a foreign layout through a mapping file, the registry."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from graphengine import schema
from graphengine.errors import InputFileError
from loaders import load_inputs, load_mapping
from loaders.mapping import ColumnMapping, categorise

DATA = Path(__file__).resolve().parents[1] / "data" / "loaders"
CONTENT = [
    c for c in schema.HOP_COLUMNS if c not in ("source_file", "source_line", "source_sha256")
]


@pytest.fixture(scope="module")
def from_csv():
    return load_inputs([DATA / "hops_clean.csv"])


@pytest.fixture()
def clean_xlsx(tmp_path):
    """The clean hop table as a workbook: hop as a number, everything else as text."""
    path = tmp_path / "hops_clean.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    with open(DATA / "hops_clean.csv", newline="") as fh:
        for i, row in enumerate(csv.reader(fh)):
            sheet.append([int(v) if i and j == 1 else v for j, v in enumerate(row)])
    book.save(path)
    return path


def test_jsonl_gives_the_same_hops(from_csv):
    result = load_inputs([DATA / "hops_clean.jsonl"])
    assert result.rejects.empty
    assert result.stats.iloc[0][["shape", "read", "loaded"]].tolist() == ["hops", 34, 34]
    pd.testing.assert_frame_equal(result.hops[CONTENT], from_csv.hops[CONTENT])
    assert result.hops["source_line"].tolist() == list(range(1, 35))  # no header line in JSONL


def test_xlsx_gives_the_same_hops(from_csv, clean_xlsx):
    result = load_inputs([clean_xlsx])
    assert result.rejects.empty
    pd.testing.assert_frame_equal(result.hops[CONTENT], from_csv.hops[CONTENT])
    # sheet row numbers: the header is row 1, like a CSV
    assert result.hops["source_line"].tolist() == from_csv.hops["source_line"].tolist()


def test_xlsx_date_cells_and_formula_cells(tmp_path):
    path = tmp_path / "cells.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["traceback_id", "hop", "provider", "call_time", "campaign"])
    sheet.append(["X-1", 0, "Sunrise Wireless Inc.", dt.datetime(2024, 3, 1, 14, 5), "=1+1"])
    book.save(path)
    with pytest.raises(InputFileError, match=r"cells.xlsx: call_time .* has no time zone"):
        load_inputs([path])  # an XLSX date cell has no zone: never silently UTC
    result = load_inputs([path], timezone="UTC")
    row = result.hops.iloc[0]
    assert row["call_time"] == pd.Timestamp("2024-03-01 14:05", tz="UTC")
    assert row["campaign"] == "=1+1"  # the formula text, not its value
    assert row["flags"] == "formula_in_campaign"


def test_foreign_layout_through_mapping():
    result = load_inputs([DATA / "foreign_layout.csv"], mapping=DATA / "foreign_layout.yml")
    assert result.rejects.empty
    hops = result.hops
    assert len(hops) == 8
    assert hops["traceback_id"].unique().tolist() == ["FX-1", "FX-2", "FX-3"]
    # roles: FX-1 ends at Lakeside with a customer; FX-2 enters through Harbor from Mumbai (IN);
    # FX-3's Redline answered something unmapped, which is not a non-response, and named no one
    assert hops["role"].tolist() == [
        "terminating", "intermediate", "originating",
        "terminating", "gateway", "foreign",
        "terminating", "originating",
    ]  # fmt: skip
    assert hops["response_category"].fillna("-").tolist() == [
        "responded", "responded", "customer_identified",
        "responded", "responded", "no_response",
        "responded", "-",
    ]  # fmt: skip
    assert hops["attestation"].tolist() == ["A"] * 3 + ["C"] * 3 + ["B"] * 2
    assert hops["provider_country"].tolist() == ["US"] * 5 + ["IN"] + ["US"] * 2
    assert (
        hops["calling_number_e164"].fillna("-").tolist()
        == ["+12025550111"] * 3 + ["+13125550112"] * 3 + ["-"] * 2
    )
    # 03/17/2024 08:30 has no zone: the header "Call Date (UTC)" names one, and a note says so
    fx3 = hops[hops["traceback_id"] == "FX-3"]
    assert fx3["call_time"].tolist() == [pd.Timestamp("2024-03-17 08:30", tz="UTC")] * 2
    assert fx3["flags"].tolist() == [
        "unreadable_calling_number",
        "unmapped_response;unreadable_calling_number",
    ]
    assert len(result.notes) == 1
    assert "read as UTC, named by the column header 'Call Date (UTC)'" in result.notes[0]


def test_foreign_layout_without_mapping_is_a_one_line_error():
    with pytest.raises(InputFileError, match="cannot tell the input shape"):
        load_inputs([DATA / "foreign_layout.csv"])


def test_mapping_errors(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("responses:\n  maybe: [perhaps]\n")
    with pytest.raises(InputFileError) as err:
        load_mapping(bad)
    assert str(err.value) == (
        f"{bad}: unknown response category ['maybe']; use responded, no_response, "
        "records_not_found, insufficient_records, foreign, customer_identified"
    )
    bad.write_text("columns: [a, b]\n")
    with pytest.raises(InputFileError, match="'columns' must map file columns"):
        load_mapping(bad)
    bad.write_text("colums:\n  a: b\n")
    with pytest.raises(InputFileError, match=r"unknown mapping key\(s\) \['colums'\]"):
        load_mapping(bad)


def test_two_columns_onto_one(tmp_path):
    path = tmp_path / "two.csv"
    path.write_text("Carrier,provider,hop,traceback_id,call_time\nA,B,0,T,2024-01-01T00:00:00Z\n")
    mapping = tmp_path / "m.yml"
    mapping.write_text("columns:\n  Carrier: provider\n")
    with pytest.raises(
        InputFileError, match="columns 'Carrier' and 'provider' both map to 'provider'"
    ):
        load_inputs([path], mapping=mapping)


def test_default_vocabulary():
    texts = {
        "No response within 24 hours": "no_response",
        "DID NOT RESPOND": "no_response",
        "NR": "no_response",
        "Call records not found": "records_not_found",
        "Responded - insufficient records": "insufficient_records",
        "Foreign provider - upstream named": "foreign",
        "Responded - customer identified": "customer_identified",
        "Upstream identified": "responded",
        "Trunk": None,  # no phrase inside a word: "nr" must not match "iNteRnal"-like text
        "Internal": None,
    }
    got = categorise(pd.Series(list(texts)), ColumnMapping())
    assert dict(zip(texts, got, strict=True)) == texts


def test_synthetic_response_texts_all_map():
    vocab = pytest.importorskip("graphengine.synthetic.vocab")
    for category, texts in vocab.RESPONSE_TEXTS.items():
        got = categorise(pd.Series(list(texts)), ColumnMapping())
        assert list(got) == [category] * len(texts), category


def test_registry_rows(tmp_path):
    rmd = tmp_path / "rmd.csv"
    rmd.write_text(
        "FRN,Business Name,implementation,gateway_provider_choice,intermediate_provider_choice,Removed On\n"
        "12345601,Sunrise Wireless Inc.,Complete,No,No,\n"
        "12345601,Sunrise Wireless Inc.,Complete,No,No,\n"
        ",Nameless FRN Co,Complete,No,No,\n"
        "ABC,Letters Telecom,Complete,No,No,\n"
        "12345602,...,Complete,No,No,\n"
        "12345603,Late Removal LLC,Complete,No,No,sometime\n"
        "12345604,Removed Voice LLC,Partial,Yes,Yes,2025-08-01\n"
    )
    result = load_inputs([DATA / "hops_clean.csv"], providers=rmd)
    assert result.rejects[["line", "column", "reason"]].values.tolist() == [
        [4, "frn", "missing required field 'frn'"],
        [5, "frn", "frn must be up to 10 digits, got 'ABC'"],
        [6, "business_name", "business_name has no letters or digits: '...'"],
        [7, "removed_on", "removal date cannot be read: 'sometime'"],
    ]
    stats = result.stats.set_index("shape").loc["registry"]
    assert stats[["read", "loaded", "rejected", "duplicates"]].tolist() == [7, 2, 4, 1]
    providers = result.providers.set_index("provider_key")
    assert providers.loc["sunrise wireless", "frn"] == "0012345601"
    assert bool(providers.loc["sunrise wireless", "in_rmd"])
    assert providers.loc["removed voice", "rmd_removed_on"] == pd.Timestamp("2025-08-01", tz="UTC")
    assert not bool(providers.loc["redline voip", "in_rmd"])


def test_no_registry_means_rmd_status_unknown(from_csv):
    assert from_csv.providers["in_rmd"].isna().all()


def test_providers_argument_must_be_a_registry():
    with pytest.raises(InputFileError, match="is not an RMD export"):
        load_inputs([DATA / "hops_clean.csv"], providers=DATA / "paths_clean.csv")


@pytest.mark.parametrize(
    ("prefix", "delimiter", "newline"),
    [("\ufeff", ",", "\r\n"), ("", ";", "\n"), ("", "\t", "\r\n"), ("", "|", "\n")],
)
def test_delimiters_bom_and_line_endings(tmp_path, prefix, delimiter, newline):
    rows = [
        ["traceback_id", "hop", "provider", "call_time"],
        ["D-1", "0", "Sunrise Wireless Inc.", "2024-03-01T14:05:00Z"],
        ["", "", "", ""],  # an all-empty record is skipped, like a blank line
        ["D-1", "1", "Keystone Transit LLC", "2024-03-01T14:05:00Z"],
    ]
    path = tmp_path / "d.csv"
    path.write_bytes((prefix + newline.join(delimiter.join(r) for r in rows) + newline).encode())
    result = load_inputs([path])
    assert result.rejects.empty
    assert result.hops["provider_key"].tolist() == ["sunrise wireless", "keystone transit"]
    assert result.hops["source_line"].tolist() == [2, 4]


def test_quoted_newline_keeps_line_numbers(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text(
        "traceback_id,hop,provider,response,call_time\n"
        'Q-1,0,Sunrise Wireless Inc.,"Responded\nsee notes",2024-03-01T14:05:00Z\n'
        "Q-1,1,Keystone Transit LLC,Responded,2024-03-01T14:05:00Z\n"
    )
    result = load_inputs([path])
    assert result.hops["source_line"].tolist() == [2, 4]
    assert result.hops["response"].tolist() == ["Responded\nsee notes", "Responded"]


def test_first_hop_shifts_one_based_layouts(tmp_path, from_csv):
    raw = pd.read_csv(DATA / "hops_clean.csv", dtype=str, keep_default_na=False)
    raw["hop"] = (raw["hop"].astype(int) + 1).astype(str)
    raw.loc[len(raw)] = {**raw.iloc[0].to_dict(), "traceback_id": "TB-ZERO", "hop": "0"}
    one_based = tmp_path / "one_based.csv"
    raw.to_csv(one_based, index=False)
    mapping = tmp_path / "m.yml"
    mapping.write_text("first_hop: 1\n")
    result = load_inputs([one_based], mapping=mapping)
    assert result.rejects[["line", "reason"]].values.tolist() == [
        [36, "hop is below first_hop 1: 0"]
    ]
    pd.testing.assert_frame_equal(result.hops[CONTENT], from_csv.hops[CONTENT])
    mapping.write_text("first_hop: -1\n")
    with pytest.raises(InputFileError, match="first_hop must be a whole number >= 0, got -1"):
        load_mapping(mapping)
