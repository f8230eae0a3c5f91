"""Issue 15 items 4, 8 and 9: hostile or careless input never crashes a load.

Each case becomes a quarantined row with its reason (or a flag), and the good traceback TB-OK
in the same file still loads.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from graphengine.errors import InputFileError
from loaders import load_inputs

HEADER = "traceback_id,hop,provider,upstream_provider,response,call_time,calling_number,attestation,campaign\n"
GOOD = (
    "TB-OK,0,Sunrise Wireless Inc.,Keystone Transit LLC,Responded,2024-03-01T14:05:00Z,"
    "(202) 555-0101,C,SSA imposter\n"
    "TB-OK,1,Keystone Transit LLC,,Customer identified,2024-03-01T14:05:00Z,"
    "(202) 555-0101,C,SSA imposter\n"
)


def _row(tb: str = "TB-BAD", hop: str = "0", time: str = "2024-03-02T09:30:00Z", **kw) -> str:
    campaign = kw.get("campaign", "Auto warranty")
    provider = kw.get("provider", "Bluegrass Telephone Co.")
    return f"{tb},{hop},{provider},,Responded,{time},(312) 555-0102,B,{campaign}\n"


def _load(tmp_path: Path, body: str, name: str = "in.csv"):
    path = tmp_path / name
    path.write_text(HEADER + GOOD + body, encoding="utf-8")
    return load_inputs([path])


def _rejects(result) -> list[tuple[int, str, str]]:
    return list(result.rejects[["line", "column", "reason"]].itertuples(index=False, name=None))


def _good_loaded(result) -> bool:
    return result.hops["traceback_id"].tolist() == ["TB-OK", "TB-OK"]


def test_a_huge_hop_is_quarantined_not_an_overflow(tmp_path) -> None:
    result = _load(tmp_path, _row(hop="9223372036854775807"))
    assert _rejects(result) == [(4, "hop", "hop is larger than 1000: '9223372036854775807'")]
    assert _good_loaded(result)


def test_a_non_ascii_digit_is_not_a_hop(tmp_path) -> None:
    result = _load(tmp_path, _row(hop="\u0661"))  # ARABIC-INDIC DIGIT ONE
    assert _rejects(result) == [(4, "hop", "hop is not a whole number: '\u0661'")]
    assert _good_loaded(result)


@pytest.mark.parametrize("time", ["0001-01-01", "9999-12-31", "1677-09-21", "2262-04-12"])
def test_times_a_timestamp_cannot_hold_are_quarantined(tmp_path, time) -> None:
    result = _load(tmp_path, _row(time=time))
    assert _rejects(result) == [
        (
            4,
            "call_time",
            f"call_time is outside what a timestamp can hold (1677-09-22 to 2262-04-11): '{time}'",
        )
    ]
    assert _good_loaded(result)


def test_times_in_1900_or_2099_load_with_a_flag(tmp_path) -> None:
    body = _row(tb="TB-OLD", time="1900-01-01T00:00:00Z") + _row(
        tb="TB-FUTURE", time="2099-06-01T00:00:00Z"
    )
    result = _load(tmp_path, body)
    flags = dict(zip(result.hops["traceback_id"], result.hops["flags"], strict=True))
    assert flags["TB-OLD"] == "implausible_call_time"
    assert flags["TB-FUTURE"] == "implausible_call_time"
    assert flags["TB-OK"] in ("", None) or "implausible" not in str(flags["TB-OK"])


def test_an_ambiguous_date_is_refused_and_an_unambiguous_one_loads(tmp_path) -> None:
    body = _row(tb="TB-AMBIG", time="03/04/2025 10:00 +00:00") + _row(
        tb="TB-DAY", time="13/04/2025 10:00 +00:00"
    )
    result = _load(tmp_path, body)
    assert _rejects(result) == [
        (
            4,
            "call_time",
            "call_time '03/04/2025 10:00 +00:00' is ambiguous (day and month could be swapped); "
            "write it as YYYY-MM-DD",
        )
    ]
    day = result.hops[result.hops["traceback_id"] == "TB-DAY"]["call_time"].iloc[0]
    assert (day.year, day.month, day.day) == (2025, 4, 13)


def test_a_quoted_multiline_cell_over_the_csv_field_limit_is_one_quarantined_row(tmp_path):
    big = "x\n" * 70_000  # 140,000 characters: over the csv module's 131,072 default
    result = _load(tmp_path, _row(campaign=f'"{big}"'))
    assert _rejects(result) == [
        # the cell is stripped of its last line end
        (4, "campaign", f"field 'campaign' is {len(big) - 1} characters long (limit 1000)")
    ]
    assert _good_loaded(result)


def test_a_last_record_without_line_end_over_the_field_limit_is_quarantined(tmp_path) -> None:
    path = tmp_path / "no_end.csv"
    path.write_text(HEADER + GOOD + _row(campaign="y" * 300_000).rstrip("\n"), encoding="utf-8")
    result = load_inputs([path])
    assert _rejects(result) == [
        (4, "campaign", "field 'campaign' is 300000 characters long (limit 1000)")
    ]
    assert _good_loaded(result)


def test_a_file_with_no_line_end_at_all_is_one_line_error(tmp_path) -> None:
    path = tmp_path / "one_line.csv"
    path.write_text("z" * 300_000, encoding="utf-8")
    with pytest.raises(InputFileError) as err:
        load_inputs([path])
    assert str(err.value).startswith(
        f"{path}: cannot tell the input shape from its columns "
        f"({'z' * 57}... (300,000 characters)); expected a hop table"
    )
    assert "\n" not in str(err.value) and len(str(err.value)) < 500


def test_same_hop_with_another_call_time_quarantines_the_traceback(tmp_path) -> None:
    body = _row(time="2024-03-02T09:30:00Z") + _row(time="2024-03-02T11:45:00Z")
    result = _load(tmp_path, body)
    reason = (
        "traceback TB-BAD has conflicting call_time: '2024-03-02T09:30:00Z' (line 4) and "
        "'2024-03-02T11:45:00Z' (line 5)"
    )
    assert _rejects(result) == [(4, "call_time", reason), (5, "call_time", reason)]
    assert _good_loaded(result)


def test_same_hop_with_another_campaign_quarantines_the_traceback(tmp_path) -> None:
    body = _row(campaign="Auto warranty") + _row(campaign="Medicare")
    result = _load(tmp_path, body)
    reason = "traceback TB-BAD has conflicting campaign: 'Auto warranty' (line 4) and 'Medicare' (line 5)"
    assert _rejects(result) == [(4, "campaign", reason), (5, "campaign", reason)]


def test_hops_that_disagree_on_the_call_time_quarantine_the_traceback(tmp_path) -> None:
    body = _row(hop="0", time="2024-03-02T09:30:00Z") + _row(
        hop="1", provider="Harbor Voice Inc.", time="2024-03-03T09:30:00Z"
    )
    result = _load(tmp_path, body)
    assert [r[2] for r in _rejects(result)] == [
        "traceback TB-BAD has conflicting call_time: '2024-03-02T09:30:00Z' (line 4) and "
        "'2024-03-03T09:30:00Z' (line 5)"
    ] * 2
    # the same instant written in another zone is not a conflict
    same = _row(hop="0", time="2024-03-02T09:30:00Z") + _row(
        hop="1", provider="Harbor Voice Inc.", time="2024-03-02T04:30:00-05:00"
    )
    assert _rejects(_load(tmp_path, same, "same.csv")) == []


def test_header_only_file_says_there_are_no_data_rows(tmp_path) -> None:
    path = tmp_path / "header_only.csv"
    path.write_text(HEADER, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "graphengine.cli.main", "load", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "GRAPHENGINE_PROGRESS": "0"},
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == (
        f"graphengine: error: nothing could be loaded: {path} hold a header but no data rows"
    )
    assert "Traceback (most recent call last)" not in done.stderr
