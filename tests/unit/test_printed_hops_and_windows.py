"""Issue 14 items 3-5: hop numbers as printed, display names, ISO dates and empty windows."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from graphengine.errors import ConfigError
from graphengine.findings import FindingsConfig, compute_findings
from graphengine.findings.printed import add_printed_hops
from graphengine.findings.window import Window
from graphengine.pipeline.display_names import display_frame, name_map
from loaders import load_inputs

DATA = Path(__file__).resolve().parents[1] / "data" / "itg"
EXPORT = DATA / "traceback_export.csv"
MAPPING = DATA / "traceback_export.yml"

ONE_BASED = (
    "traceback_id,hop,provider,upstream_provider,response,call_time\n"
    "T1,1,Sunrise Wireless,Keystone Transit,Upstream identified,2024-03-01T10:00:00Z\n"
    "T1,2,Keystone Transit,,Customer identified,2024-03-01T10:00:00Z\n"
    "T2,1,Bluegrass Telephone,,Customer identified,2024-03-02T10:00:00Z\n"
)


def test_one_based_file_is_detected_and_said(tmp_path: Path) -> None:
    # seen: rejected with "hop 0 is missing" and no hint of first_hop: 1
    path = tmp_path / "one.csv"
    path.write_text(ONE_BASED)
    result = load_inputs([path])
    assert result.rejects.empty
    assert result.hops["hop"].tolist() == [0, 1, 0]
    assert result.hops["source_hop"].tolist() == [1, 2, 1]
    assert result.notes == [
        f"{path}: hops read as numbered from 1 (every traceback starts at hop 1, none at 0); "
        "reports print the file's own numbers. Set first_hop in the mapping file to override"
    ]
    mapping = tmp_path / "m.yml"
    mapping.write_text("first_hop: 0\n")  # the override still wins
    forced = load_inputs([path], mapping=mapping)
    assert forced.hops.empty
    assert forced.rejects["reason"].iloc[0] == (
        "traceback T1 has a gap: hop 0 is missing (hops present: 1, 2); if the file numbers "
        "the terminating provider 1, set first_hop: 1"
    )


def test_mixed_numbering_is_not_shifted(tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    path.write_text(ONE_BASED.replace("T2,1,", "T2,0,"))
    result = load_inputs([path])
    assert result.notes == []
    assert result.hops["traceback_id"].tolist() == ["T2"]


def test_findings_tables_carry_the_printed_hop() -> None:
    hops = load_inputs([EXPORT], mapping=MAPPING).hops
    table = pd.DataFrame({"traceback_id": ["ITG-101", "ITG-104"], "hop": [3, 2], "x": [1, 2]})
    out = add_printed_hops(table, hops)
    assert list(out.columns) == ["traceback_id", "hop", "source_hop", "x"]
    assert out["source_hop"].tolist() == [4, 3]
    events = compute_findings(hops).events
    stops = events[events["provider_key"] == "adriatic voice"]
    assert set(zip(stops["hop"], stops["source_hop"], strict=True)) == {(3, 4)}  # "Hop # 4"


def test_display_names_replace_keys_for_people() -> None:
    result = load_inputs([EXPORT], mapping=MAPPING)
    names = name_map(result.providers)
    frame = pd.DataFrame(
        {
            "provider_key": ["lotus communication"],
            "foreign_sources": ["mumbai telecom (3)"],
            "flagged_upstreams": ["adriatic voice;mumbai telecom"],
        }
    )
    shown = display_frame(frame, names).iloc[0].to_dict()
    assert shown == {
        "provider_key": "Lotus Communications Inc.",
        "foreign_sources": "Mumbai Telecom Pvt. Ltd. (3)",
        "flagged_upstreams": "Adriatic Voice d.o.o.;Mumbai Telecom Pvt. Ltd.",
    }


def test_window_that_selects_nothing_is_an_error_naming_the_data_range() -> None:
    # seen: --until 2023-01-01 on 2024 data exited 0 with "0 repeat gateways"
    hops = load_inputs([EXPORT], mapping=MAPPING).hops
    config = FindingsConfig(window=Window(until="2023-01-01"))
    with pytest.raises(ConfigError) as err:
        compute_findings(hops, config=config)
    assert str(err.value) == (
        "the window start to 2023-01-01 selects no traceback; the data runs from "
        "2024-03-08 to 2024-03-12 (adjust --since/--until/--window)"
    )
    assert compute_findings(hops, config=FindingsConfig(window=Window(until="2024-03-09")))


@pytest.mark.parametrize("text", ["04/01/2024", "2024/04/01", "1 April 2024", "20240401"])
def test_dates_in_options_are_iso_only(text: str) -> None:
    with pytest.raises(ConfigError, match=f"--since '{text}' is not an ISO date; use YYYY-MM-DD"):
        Window(since=text)


def test_data_quality_counts_every_flag_with_examples_and_advice() -> None:
    from graphengine.pipeline.data_quality import flag_summary

    loaders_data = Path(__file__).resolve().parents[1] / "data" / "loaders"
    hops = load_inputs(
        [loaders_data / "foreign_layout.csv"], mapping=loaders_data / "foreign_layout.yml"
    ).hops
    summary = {q["flag"]: q for q in flag_summary(hops)}
    assert {k: q["rows"] for k, q in summary.items()} == {
        "unreadable_calling_number": 2,
        "unmapped_response": 1,
    }
    example = summary["unmapped_response"]["examples"][0]
    assert (example["traceback_id"], example["hop"]) == ("FX-3", 1)
    assert example["file"].endswith("foreign_layout.csv") and example["line"] == 9
    assert "mapping file" in summary["unmapped_response"]["what_to_do"]
