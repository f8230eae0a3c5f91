"""loaders.reports: our report columns and the FTC / FCC presets, row by row (hand-checked)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from loaders.reports import (
    REJECTED_COLUMNS,
    REPORT_COLUMNS,
    ReportInputError,
    read_reports,
    reports_from_csv_text,
    reports_from_json_text,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "reports"
HEADER = "report_id,source_kind,call_time,calling_number,called_number,transcript,attestation,consumer_state,audio_sha256\n"


def test_ftc_preset_rows_zone_and_state_names() -> None:
    good, bad = read_reports(DATA / "ftc_dnc.csv", preset="ftc_dnc")
    assert list(good.columns) == list(REPORT_COLUMNS) and list(bad.columns) == list(
        REJECTED_COLUMNS
    )
    # Eastern time by default: EST in January (-5), EDT in July (-4)
    assert [
        (r.line, str(r.call_time), r.calling_e164, r.consumer_state) for r in good.itertuples()
    ] == [
        (2, "2024-01-02 12:55:00+00:00", "+18005551234", "TX"),
        (3, "2024-07-02 12:30:00+00:00", "+18885550142", "TX"),
    ]
    assert bad[["line", "reason"]].values.tolist() == [
        [4, "missing required field 'call_time'"],
        [5, "consumer_state must be a two-letter state code, got 'Tejas'"],
    ]
    assert good["report_id"].str.match(r"^ftc-[0-9a-f]{20}$").all()
    again, _ = read_reports(DATA / "ftc_dnc.csv", preset="ftc_dnc")
    assert again["report_id"].tolist() == good["report_id"].tolist()  # same row, same id


def test_fcc_preset_with_an_explicit_zone() -> None:
    good, bad = read_reports(
        DATA / "fcc_complaints.csv", preset="fcc_complaints", tz="America/Chicago"
    )
    assert [
        (r.report_id, str(r.call_time), r.calling_e164, r.consumer_state, r.reported_category)
        for r in good.itertuples()
    ] == [
        ("fcc-991", "2021-01-05 16:30:00+00:00", "+13125552222", "IL", "Robocalls"),
        ("fcc-992", "2021-01-07 02:00:00+00:00", "+12125550199", "NY", "Unwanted Calls"),
    ]
    assert bad[["line", "reason"]].values.tolist() == [[4, "missing required field 'report_id'"]]


def test_our_columns_each_rule_has_its_reason() -> None:
    rows = [
        "ok1,carrier_honeypot,2026-01-05T10:00:00-05:00,(202) 555-0123,,,a,md,",
        ",agency,2026-01-05T10:00:00Z,2025550123,,,,,",
        "r3,robot,2026-01-05T10:00:00Z,2025550123,,,,,",
        "r4,agency,2026-01-05 10:00,2025550123,,,,,",
        "r5,agency,tomorrow,2025550123,,,,,",
        "r6,agency,2026-01-05T10:00:00Z,,,,,,",
        "r7,agency,2026-01-05T10:00:00Z,2025550123,,,D,,",
        "r8,agency,2026-01-05T10:00:00Z,2025550123,,,,Maryland,",
        "r9,agency,2026-01-05T10:00:00Z,2025550123,,,,,abc",
        "ok1,agency,2026-01-05T10:00:00Z,2025550123,,,,,",
        "r11,agency,2026-01-05T10:00:00Z,Anonymous,,=HYPERLINK(1),,,",
        "r12,agency,2026-01-05T10:00:00Z,2025550123",
    ]
    batch = reports_from_csv_text(HEADER + "\n".join(rows) + "\n")
    assert batch.rejected[["line", "reason"]].values.tolist() == [
        [3, "missing required field 'report_id'"],
        [4, "source_kind must be one of carrier_honeypot, carrier_analytics, app_user_report, consumer_complaint, agency, got 'robot'"],
        [5, "call_time has no time zone or offset: '2026-01-05 10:00'"],
        [6, "call_time cannot be read as a date and time: 'tomorrow'"],
        [7, "needs calling_number, called_number or transcript"],
        [8, "attestation must be A, B or C, got 'D'"],
        [9, "consumer_state must be a two-letter state code, got 'Maryland'"],
        [10, "audio_sha256 must be 64 hexadecimal characters"],
        [11, "report_id 'ok1' repeats line 2"],
        [13, "row has 4 fields but the header has 9"],
    ]  # fmt: skip
    good = batch.reports
    assert good["report_id"].tolist() == ["ok1", "r11"]
    first = good.iloc[0]
    assert (first.attestation, first.consumer_state, str(first.call_time)) == (
        "A",
        "MD",
        "2026-01-05 15:00:00+00:00",
    )
    # an unreadable number is kept raw, not rejected; text is stored as given
    assert good.iloc[1].calling_number == "Anonymous" and good.iloc[1].calling_e164 is None
    assert good.iloc[1].transcript == "=HYPERLINK(1)"


def test_json_array_and_ndjson() -> None:
    rows = [{"report_id": "j1", "source_kind": "agency", "call_time": "2026-01-05T10:00:00+01:00", "transcript": "hi"}, 7,
            {"report_id": "j3", "source_kind": "agency", "call_time": "2026-01-05T10:00:00Z", "transcript": ["x"]}]  # fmt: skip
    batch = reports_from_json_text(json.dumps(rows), ndjson=False)
    assert batch.reports["report_id"].tolist() == ["j1"]
    assert batch.rejected[["line", "reason"]].values.tolist() == [
        [2, "item must be a JSON object, got int"],
        [3, "field 'transcript' must be text, got list"],
    ]
    nd = "\n" + json.dumps(rows[0]) + "\n\n" + json.dumps(rows[2]) + "\n"
    batch = reports_from_json_text(nd, ndjson=True)
    assert batch.reports["line"].tolist() == [2] and batch.rejected["line"].tolist() == [4]
    with pytest.raises(ReportInputError, match="malformed JSON at line 2 column 2"):
        reports_from_json_text('{"a": 1}\n{oops', ndjson=True)


def test_whole_input_errors_are_one_line(tmp_path) -> None:
    with pytest.raises(
        ReportInputError, match="unknown preset 'ftc'; known presets: ftc_dnc, fcc_complaints"
    ):
        reports_from_csv_text("a\n", preset="ftc")
    with pytest.raises(ReportInputError, match="unknown time zone 'Mars/Olympus'"):
        reports_from_csv_text("a\n", preset="ftc_dnc", tz="Mars/Olympus")
    with pytest.raises(ReportInputError, match="lacks Violation_Date"):
        reports_from_csv_text("Company_Phone_Number,Created_Date\n1,2\n", preset="ftc_dnc")
    bad = tmp_path / "latin1.csv"
    bad.write_bytes(HEADER.encode() + "r1,agency,2026-01-05T10:00Z,caf\xe9\n".encode("latin-1"))
    with pytest.raises(ReportInputError, match=r"latin1.csv: not UTF-8 \(byte 0xE9 at byte offset"):
        read_reports(bad)
