"""Issue 14 acceptance: an investigator's own traceback export investigates right in one command.

``tests/data/itg/traceback_export.csv`` is in the layout a user brought (``Traceback ID, Hop #,
Voice Service Provider, Upstream Provider, Date/Time of Call (ET), ...``): Eastern times on both
sides of the 10 March 2024 DST change, hops numbered from 1, the foreign upstream marked only by
the gateway's response ("Upstream Identified - Foreign Carrier"), no country column, a d/b/a
name. Expected values below are worked out by hand from the file.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
from pathlib import Path

import pandas as pd
import pytest

from graphengine.cli.main import main
from loaders import load_inputs

DATA = Path(__file__).resolve().parents[1] / "data" / "itg"
EXPORT = DATA / "traceback_export.csv"
MAPPING = DATA / "traceback_export.yml"

#: traceback -> call time in UTC, by hand: EST = UTC-5 before 2024-03-10 02:00, EDT = UTC-4 after
UTC_TIMES = {
    "ITG-101": "2024-03-09 15:22",  # 10:22 AM, EST
    "ITG-102": "2024-03-10 06:30",  # 01:30 AM, EST: half an hour before the change
    "ITG-103": "2024-03-10 07:30",  # 03:30 AM, EDT: an hour and a half after
    "ITG-104": "2024-03-11 14:22",  # 10:22 AM, EDT
    "ITG-105": "2024-03-12 13:00",  # 09:00 AM ET written in the cell
    "ITG-106": "2024-03-08 21:15",  # 04:15 PM -05:00 (offset after PM)
    "ITG-107": "2024-03-11 15:05",  # 11:05 AM EDT written in the cell
    "ITG-108": "2024-03-10 05:30",  # 12:30 AM, EST
}


@pytest.fixture(scope="module")
def investigation(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("itg") / "case"
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        status = main(
            [
                "investigate",
                str(EXPORT),
                "--mapping",
                str(MAPPING),
                "--out",
                str(out),
                "--format",
                "html",
                "--runs",
                "5",
            ]
        )
    assert status == 0, err.getvalue()
    return out, err.getvalue()


def test_times_are_utc_across_the_dst_change() -> None:
    hops = load_inputs([EXPORT], mapping=MAPPING).hops
    got = hops.drop_duplicates("traceback_id").set_index("traceback_id")["call_time"]
    for tb, when in UTC_TIMES.items():
        assert got[tb] == pd.Timestamp(when, tz="UTC"), tb


def test_investigation_times_gateways_foreign_sources_and_no_rmd(investigation) -> None:
    out, stderr = investigation
    record = json.loads((out / "investigation.json").read_text())
    assert record["summary"]["first_call"] == "2024-03-08T21:15:00+00:00"
    assert record["summary"]["last_call"] == "2024-03-12T13:00:00+00:00"
    assert record["summary"]["rows_rejected"] == 0
    # the zone came from the header and the 1-based numbering was detected: both said on stderr
    assert "read as America/New_York, named by the column header" in stderr
    assert "hops read as numbered from 1" in stderr
    assert len(record["load_notes"]) == 2

    with (out / "ecosystems.csv").open() as fh:
        ecosystems = {row["gateways"]: row for row in csv.DictReader(fh)}
    orbit = ecosystems["orbit voice solution (4)"]
    assert orbit["foreign_sources"] == "adriatic voice (4)"
    assert (orbit["first_seen"], orbit["last_seen"]) == (
        "2024-03-08T21:15:00Z",
        "2024-03-11T15:05:00Z",
    )
    lotus = ecosystems["lotus communication (3)"]
    assert lotus["foreign_sources"] == "mumbai telecom (3)"  # Pvt. Ltd. = Private Limited
    assert (lotus["first_seen"], lotus["last_seen"]) == (
        "2024-03-10T05:30:00Z",
        "2024-03-12T13:00:00Z",
    )

    findings = json.loads((out / "findings.json").read_text())
    repeat = {r["provider_key"]: r["traceback_ids"] for r in findings["repeat_gateways"]}
    assert repeat == {
        "orbit voice solution": ["ITG-101", "ITG-102", "ITG-106", "ITG-107"],
        "lotus communication": ["ITG-103", "ITG-104", "ITG-108"],
    }
    assert findings["rmd_violations"] == []
    assert record["summary"]["findings_rmd_violation_edges"] == 0
    assert "no RMD data supplied" in " ".join(findings["notes"])


def test_report_shows_names_and_the_data_quality_section(investigation) -> None:
    out, _ = investigation
    page = (out / "report.html").read_text()
    assert "<section id='data-quality'>" in page
    assert "Lotus Communications Inc." in page
    # keys are for machines: no table cell of the report holds a folded key
    for key in ("lotus communication", "orbit voice solution", "mumbai telecom"):
        assert f"<td>{key}" not in page


def test_hop_numbers_as_printed_in_the_traceback_exhibit(tmp_path: Path) -> None:
    bundle = tmp_path / "tb"
    status = main(
        [
            "export",
            "traceback",
            "ITG-101",
            "--input",
            str(EXPORT),
            "--mapping",
            str(MAPPING),
            "--out",
            str(bundle),
            "--format",
            "html",
        ]
    )
    assert status == 0
    with (bundle / "data" / "nodes.csv").open() as fh:
        nodes = list(csv.DictReader(fh))
    # origin first: the source's "Hop # 4" is the foreign provider, "Hop # 1" the terminating one
    assert [(n["hop"], n["role"]) for n in nodes] == [
        ("4", "foreign"),
        ("3", "gateway"),
        ("2", "intermediate"),
        ("1", "terminating"),
    ]
    figure = (bundle / "figures" / "traceback.plotly.json").read_text()
    assert "hop 3 · gateway" in figure and "hop 0" not in figure


def test_loaded_frame_keeps_the_printed_hop_and_the_roles() -> None:
    hops = load_inputs([EXPORT], mapping=MAPPING).hops
    tb = hops[hops["traceback_id"] == "ITG-101"]
    assert tb["hop"].tolist() == [0, 1, 2, 3]
    assert tb["source_hop"].tolist() == [1, 2, 3, 4]
    assert tb["role"].tolist() == ["terminating", "intermediate", "gateway", "foreign"]
    # the gateway answered: its own category stays "responded"
    assert tb["response_category"].tolist()[2] == "responded"
    assert tb["provider_country"].isna().tolist() == [False, False, False, True]
    # d/b/a: the legal name and the trade name are one provider
    orbit = hops[hops["provider"].str.contains("Orbit")]
    assert set(orbit["provider_key"]) == {"orbit voice solution"}
