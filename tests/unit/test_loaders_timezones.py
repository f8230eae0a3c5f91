"""Issue 14 item 1: call times are read in their real zone, never silently as UTC."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from graphengine.errors import ConfigError, InputFileError
from loaders import load_inputs
from loaders.timezones import check_zone, header_zone, split_zone

HEADER = "traceback_id,hop,provider,upstream_provider,response,call_time\n"


def _file(tmp_path: Path, times: list[str], header: str = HEADER, name: str = "t.csv") -> Path:
    rows = "".join(
        f"T{i},0,Sunrise Wireless,,Customer identified,{t}\n" for i, t in enumerate(times)
    )
    path = tmp_path / name
    path.write_text(header + rows, encoding="utf-8")
    return path


def _times(result) -> list[str]:
    return [t.strftime("%Y-%m-%d %H:%M") for t in result.hops["call_time"]]


def test_us_abbreviations_and_offsets_after_am_pm_are_read(tmp_path: Path) -> None:
    path = _file(
        tmp_path,
        [
            "03/09/2024 10:22 AM ET",  # EST in winter: UTC-5
            "07/09/2024 10:22 AM ET",  # EDT in summer: UTC-4
            "2024-07-09 10:22 EST",  # EST is a fixed offset even in July
            "2024-07-09 10:22 PDT",
            "2024-01-09 10:22 CT",
            "2024-01-09 10:22 MST",
            "03/10/2024 10:22 AM -04:00",  # the offset after AM was parsed but called zoneless
            "2024-03-10 10:22 UTC",
        ],
    )
    result = load_inputs([path])  # every cell carries its zone: no --timezone needed
    assert result.rejects.empty
    assert _times(result) == [
        "2024-03-09 15:22",
        "2024-07-09 14:22",
        "2024-07-09 15:22",
        "2024-07-09 17:22",
        "2024-01-09 16:22",
        "2024-01-09 17:22",
        "2024-03-10 14:22",
        "2024-03-10 10:22",
    ]
    assert set(result.hops["flags"]) == {""}
    assert result.notes == []


def test_zoneless_time_is_a_one_line_error_naming_file_and_option(tmp_path: Path) -> None:
    path = _file(tmp_path, ["2024-03-01T10:00:00Z", "03/01/2024 10:22 AM"])
    with pytest.raises(InputFileError) as err:
        load_inputs([path])
    message = str(err.value)
    assert message.startswith(f"{path}: call_time '03/01/2024 10:22 AM' (line 3) has no time zone")
    assert "--timezone" in message and "timezone:" in message and "\n" not in message
    assert _times(load_inputs([path], timezone="UTC")) == ["2024-03-01 10:00", "2024-03-01 10:22"]


def test_timezone_option_beats_mapping_beats_header(tmp_path: Path) -> None:
    header = HEADER.replace("call_time", "Call Time (CT)")
    path = _file(tmp_path, ["2024-01-09 10:00"], header=header)
    mapping = tmp_path / "m.yml"
    mapping.write_text("columns:\n  Call Time (CT): call_time\n")
    from_header = load_inputs([path], mapping=mapping)
    assert _times(from_header) == ["2024-01-09 16:00"]
    assert (
        "read as America/Chicago, named by the column header 'Call Time (CT)'"
        in (from_header.notes[0])
    )
    mapping.write_text("columns:\n  Call Time (CT): call_time\ntimezone: America/Denver\n")
    from_mapping = load_inputs([path], mapping=mapping)
    assert _times(from_mapping) == ["2024-01-09 17:00"] and from_mapping.notes == []
    assert _times(load_inputs([path], mapping=mapping, timezone="UTC")) == ["2024-01-09 10:00"]
    with pytest.raises(ConfigError, match="--timezone: unknown time zone 'Mars/Olympus'"):
        load_inputs([path], timezone="Mars/Olympus")
    mapping.write_text("timezone: Eastern Time\n")
    with pytest.raises(InputFileError, match="unknown time zone 'Eastern Time'"):
        load_inputs([path], mapping=mapping)


def test_dst_edges_ambiguous_flagged_skipped_rejected(tmp_path: Path) -> None:
    path = _file(tmp_path, ["2024-11-03 01:30", "2024-03-10 02:30", "2024-03-10 03:30"])
    result = load_inputs([path], timezone="America/New_York")
    assert _times(result) == ["2024-11-03 05:30", "2024-03-10 07:30"]  # first 01:30 is EDT
    assert result.hops["flags"].tolist() == ["ambiguous_local_time", ""]
    assert result.rejects["reason"].tolist() == [
        "call_time '2024-03-10 02:30' does not exist in its time zone (the clocks skipped that hour)"
    ]


def test_combine_joins_date_and_time_columns(tmp_path: Path) -> None:
    path = tmp_path / "split.csv"
    path.write_text(
        "traceback_id,hop,provider,Call Date,Call Time (ET)\n"
        "T1,0,Sunrise Wireless,03/09/2024,10:22 AM\n"
        "T2,0,Sunrise Wireless,2024-07-09,22:05\n",
        encoding="utf-8",
    )
    mapping = tmp_path / "m.yml"
    mapping.write_text("combine:\n  call_time: [Call Date, Call Time (ET)]\n")
    result = load_inputs([path], mapping=mapping)
    assert _times(result) == ["2024-03-09 15:22", "2024-07-10 02:05"]
    assert "named by the column header" in result.notes[0]
    mapping.write_text("combine:\n  call_time: [Call Date, Call Clock]\n")
    with pytest.raises(
        InputFileError, match="combine call_time: column\\(s\\) call_clock not found"
    ):
        load_inputs([path], mapping=mapping)
    mapping.write_text("combine:\n  call_time: Call Date\n")
    with pytest.raises(InputFileError, match="'combine' must map a canonical column"):
        load_inputs([path], mapping=mapping)


def test_helpers() -> None:
    assert header_zone(["Date/Time of Call (ET)"]) == "America/New_York"
    assert header_zone(["Call Time Pacific"]) == "America/Los_Angeles"
    assert header_zone(["Call Date"]) is None
    assert split_zone("10:22 AM EDT") == ("10:22 AM", "-04:00", False)
    assert split_zone("2024-03-01T10:22:00Z")[2] is True
    assert check_zone("et", where="x") == "America/New_York"
    assert pd.Timestamp("2024-01-01", tz=check_zone("Europe/Zagreb", where="x")) is not None
