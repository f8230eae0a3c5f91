"""One bad-row fixture per validation rule, with the exact reason expected.

Every file in tests/data/loaders/bad/ holds a good two-hop traceback TB-OK (lines 2-3) and the bad
row(s) from line 4 on, so each test also checks that bad rows never stop the good ones.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from graphengine.errors import InputFileError
from loaders import load_inputs, write_quarantine

BAD = Path(__file__).resolve().parents[1] / "data" / "loaders" / "bad"

# file -> [(line, column, reason)] expected in the quarantine, in order
REJECTED = {
    "missing_field.csv": [(4, "call_time", "missing required field 'call_time'")],
    "bad_time.csv": [
        (4, "call_time", "call_time cannot be read as a date and time: 'yesterday afternoon'")
    ],
    "negative_hop.csv": [(4, "hop", "hop is negative: -1")],
    "hop_not_number.csv": [(4, "hop", "hop is not a whole number: 'two'")],
    "duplicate_hop.csv": [
        (4, "hop", "duplicate hop 0 in traceback TB-BAD (lines 4, 5)"),
        (5, "hop", "duplicate hop 0 in traceback TB-BAD (lines 4, 5)"),
    ],
    "gap.csv": [
        (4, "hop", "traceback TB-BAD has a gap: hop 1 is missing (hops present: 0, 2)"),
        (5, "hop", "traceback TB-BAD has a gap: hop 1 is missing (hops present: 0, 2)"),
    ],
    "provider_empty.csv": [(4, "provider", "provider name is empty")],
    "provider_punct.csv": [(4, "provider", "provider name has no letters or digits: '?!.'")],
    "attestation.csv": [(4, "attestation", "attestation must be A, B or C, got 'D'")],
    "oversized.csv": [(4, "campaign", "field 'campaign' is 1001 characters long (limit 1000)")],
    # header (97 bytes) + two TB-OK lines (108 + 107) = 312 bytes, then "TB-BAD,0,Caf" = 12
    "non_utf8.csv": [(4, "provider", "non-UTF-8 byte 0xE9 at byte offset 324 (line 4)")],
    "too_many_fields.csv": [(4, "", "row has 10 fields but the header has 9")],
    "incomplete.csv": [
        (4, "traceback_id", "traceback TB-BAD is incomplete: its row at line 5 was rejected"),
        (5, "attestation", "attestation must be A, B or C, got 'X'"),
        (6, "traceback_id", "traceback TB-BAD is incomplete: its row at line 5 was rejected"),
    ],
}


@pytest.mark.parametrize("name", sorted(REJECTED))
def test_rule_rejects_with_exact_reason(name):
    result = load_inputs([BAD / name])
    got = list(result.rejects[["line", "column", "reason"]].itertuples(index=False, name=None))
    assert got == REJECTED[name]
    assert set(result.rejects["file"]) == {str(BAD / name)}
    # the good traceback still loads, whole
    assert result.hops["traceback_id"].tolist() == ["TB-OK", "TB-OK"]
    stats = result.stats.iloc[0]
    assert stats["rejected"] == len(REJECTED[name])
    assert stats["read"] == stats["loaded"] + stats["rejected"] + stats["duplicates"]


def test_byte_offset_is_the_offset_in_the_file():
    data = (BAD / "non_utf8.csv").read_bytes()
    assert data[324] == 0xE9
    result = load_inputs([BAD / "non_utf8.csv"])
    raw = result.rejects.iloc[0]["raw"]
    assert "Caf\ufffd Telecom" in raw  # the raw row is kept, with the bad byte replaced


def test_naive_time_is_an_error_unless_a_zone_is_given():
    # issue 14 item 1: a zoneless time was silently read as UTC (only a row flag said so)
    with pytest.raises(InputFileError) as err:
        load_inputs([BAD / "naive_time.csv"])
    message = str(err.value)
    assert "naive_time.csv: call_time" in message and "has no time zone" in message
    assert "--timezone" in message and "\n" not in message
    result = load_inputs([BAD / "naive_time.csv"], timezone="UTC")
    assert result.rejects.empty
    row = result.hops.set_index("traceback_id").loc["TB-NAIVE"]
    assert row["call_time"] == pd.Timestamp("2024-03-02 09:30:00", tz="UTC")
    assert row["flags"] == ""
    eastern = load_inputs([BAD / "naive_time.csv"], timezone="America/New_York")
    row = eastern.hops.set_index("traceback_id").loc["TB-NAIVE"]
    assert row["call_time"] == pd.Timestamp("2024-03-02 14:30:00", tz="UTC")  # EST = UTC-5


def test_unreadable_phone_is_kept_and_flagged_not_rejected():
    result = load_inputs([BAD / "bad_phone.csv"])
    assert result.rejects.empty
    row = result.hops.set_index("traceback_id").loc["TB-PHONE"]
    assert row["calling_number"] == "555-01"
    assert pd.isna(row["calling_number_e164"])
    assert row["flags"] == "unreadable_calling_number"


def test_formula_is_flagged_and_neutralised_on_output(tmp_path):
    result = load_inputs([BAD / "formula.csv"])
    assert result.rejects.empty
    row = result.hops.set_index("traceback_id").loc["TB-FORMULA"]
    assert row["provider"] == '=HYPERLINK("http://example.invalid","open")'
    # the +1 calling number is a legitimate E.164 number, not a formula
    assert row["flags"] == "formula_in_provider"
    assert row["calling_number_e164"] == "+13125550102"
    out = tmp_path / "q.csv"
    from loaders import write_csv_safely

    write_csv_safely(result.hops[["provider", "calling_number"]], out)
    back = pd.read_csv(out, dtype=str)
    pos = result.hops.index[result.hops["traceback_id"] == "TB-FORMULA"][0]
    assert back.loc[pos, "provider"] == "'" + row["provider"]
    assert back.loc[pos, "calling_number"] == "+13125550102"
    assert "Keystone Transit LLC" in set(back["provider"])  # ordinary names untouched


def test_invalid_json_line_is_quarantined():
    result = load_inputs([BAD / "bad_json.jsonl"])
    assert result.hops["traceback_id"].tolist() == ["TB-J", "TB-K"]
    assert result.rejects[["line", "reason"]].values.tolist() == [
        [3, "invalid JSON (Expecting property name enclosed in double quotes)"]
    ]
    assert result.stats.iloc[0][["read", "loaded", "rejected"]].tolist() == [3, 2, 1]


def test_quarantine_csv(tmp_path):
    result = load_inputs([BAD / "incomplete.csv"])
    path = write_quarantine(result.rejects, tmp_path / "quarantine.csv")
    back = pd.read_csv(path, dtype=str)
    assert list(back.columns) == ["file", "line", "column", "reason", "raw"]
    assert back["line"].tolist() == ["4", "5", "6"]
    assert '"attestation": "X"' in back.loc[1, "raw"]


def test_same_file_twice_counts_duplicates_not_rejects():
    result = load_inputs([BAD / "naive_time.csv", BAD / "naive_time.csv"], timezone="UTC")
    assert len(result.hops) == 3
    assert result.rejects.empty
    assert result.stats[["read", "loaded", "rejected", "duplicates"]].values.tolist() == [
        [3, 3, 0, 0],
        [3, 0, 0, 3],
    ]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("missing_column.csv", "hop table is missing required column call_time"),
        ("not_data.csv", "is a PDF, not a CSV, JSON Lines or XLSX file"),
        ("unknown_shape.csv", "cannot tell the input shape from its columns (name, value)"),
        ("no_such_file.csv", "file not found"),
    ],
)
def test_unreadable_file_is_one_line_error(name, message):
    with pytest.raises(InputFileError) as err:
        load_inputs([BAD / name])
    text = str(err.value)
    assert text.startswith(f"{BAD / name}: ")
    assert message in text
    assert "\n" not in text


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_path_table_bad_rows(tmp_path):
    path = _write(
        tmp_path,
        "paths.csv",
        "traceback_id,path,call_time,responses\n"
        "P-OK,Lakeside Dialer LLC > Sunrise Wireless Inc.,2024-03-01T14:05:00Z,\n"
        "P-EMPTY,Lakeside Dialer LLC >  > Sunrise Wireless Inc.,2024-03-01T14:05:00Z,\n"
        "P-LIST,Lakeside Dialer LLC > Sunrise Wireless Inc.,2024-03-01T14:05:00Z,Responded\n"
        "P-NOPATH,,2024-03-01T14:05:00Z,\n",
    )
    result = load_inputs([path])
    assert result.hops["traceback_id"].unique().tolist() == ["P-OK"]
    assert result.rejects[["line", "column", "reason"]].values.tolist() == [
        [3, "provider", "provider name is empty"],
        [4, "responses", "responses has 1 entries but path has 2 providers"],
        [5, "path", "missing required field 'path'"],
    ]
    assert result.stats.iloc[0][["read", "loaded", "rejected", "hops"]].tolist() == [4, 1, 3, 2]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "legacy Excel .xls is not supported"),
        ("wide.csv", "traceback_id,hop\n".encode("utf-16"), "is UTF-16 text; save it as UTF-8"),
        ("fake.xlsx", b"traceback_id,hop\n", "has an .xlsx name but is not an Excel workbook"),
        ("empty.csv", b"  \n", "file is empty"),
        (
            "zip.xlsx",
            b"PK\x03\x04not really a zip",
            "is a ZIP file but not a readable .xlsx workbook",
        ),
        (
            "latin1.csv",
            "a,b\n" + "caf\xe9,1\n" * 30,
            "is not UTF-8 text (30 of 32 lines have invalid bytes",
        ),
        ("dupe.csv", b"hop,Hop,provider\n", "column 'Hop' appears twice in the header"),
    ],
)
def test_more_unreadable_files(tmp_path, name, data, message):
    path = tmp_path / name
    path.write_bytes(data.encode("latin-1") if isinstance(data, str) else data)
    with pytest.raises(InputFileError) as err:
        load_inputs([path])
    assert str(err.value).startswith(f"{path}: ")
    assert message in str(err.value)
