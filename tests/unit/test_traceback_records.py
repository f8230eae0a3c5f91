"""Reading carriers' call records: clear one-line errors, whole files refused, CSV = Parquet."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from graphengine.traceback.records import (
    RecordFileError,
    read_record_dir,
    read_record_file,
    record_sha256,
)

HEADER = (
    "carrier,call_start,calling_number,called_number,ingress_carrier,egress_carrier,duration_s\n"
)


def _write(path: Path, *rows: str) -> Path:
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def test_good_file_normalises_times_numbers_and_names(tmp_path: Path) -> None:
    _write(
        tmp_path / "a.csv",
        "Acme Telecom LLC,2025-01-01T05:00:00.250-05:00,(202) 555-0101,1-303-555-0199,BETA INC.,,12",
    )
    files, rows = read_record_dir(tmp_path)
    assert files[0].carrier_key == "acme telecom"
    r = rows.iloc[0]
    assert (int(r["t_ms"]), r["calling"], r["called"], r["ingress_key"]) == (
        1735725600250,
        "+12025550101",
        "+13035550199",
        "beta",
    )
    assert int(r["line"]) == 2


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("Acme,2025-01-01T10:00:00,2025550101,3035550199,,,1", ":3: call_start has no zone"),
        ("Acme,yesterday Z,2025550101,3035550199,,,1", ":3: call_start is not a date"),
        (
            "Other Co,2025-01-01T10:00:00Z,2025550101,3035550199,,,1",
            ":3: carrier 'Other Co' differs",
        ),
        ("Acme,2025-01-01T10:00:00Z,2025550101,3035550199,,,ten", ":3: duration_s is not a number"),
        (",2025-01-01T10:00:00Z,2025550101,3035550199,,,1", ":3: empty carrier"),
    ],
)
def test_bad_rows_refuse_the_whole_file(tmp_path: Path, row: str, message: str) -> None:
    p = _write(tmp_path / "a.csv", "Acme,2025-01-01T10:00:00Z,2025550101,3035550199,,,1", row)
    with pytest.raises(RecordFileError, match=message) as err:
        files, _ = read_record_dir(tmp_path)
    assert str(err.value).startswith(str(p)) and "nothing was loaded" in str(err.value)


def test_wrong_carrier_for_the_upload(tmp_path: Path) -> None:
    p = _write(tmp_path / "a.csv", "Acme Telecom,2025-01-01T10:00:00Z,2025550101,3035550199,,,1")
    assert read_record_file(p, carrier="ACME TELECOM, INC.").carrier_key == "acme telecom"
    with pytest.raises(
        RecordFileError, match="not 'Beta Voice', the carrier this file was uploaded for"
    ):
        read_record_file(p, carrier="Beta Voice")


def test_malformed_files(tmp_path: Path) -> None:
    (tmp_path / "m.csv").write_text(
        "carrier,call_start\nAcme,2025-01-01T10:00:00Z\n", encoding="utf-8"
    )
    with pytest.raises(RecordFileError, match="missing column"):
        read_record_file(tmp_path / "m.csv")
    (tmp_path / "x.parquet").write_bytes(b"not parquet")
    with pytest.raises(RecordFileError, match="cannot be read as parquet"):
        read_record_file(tmp_path / "x.parquet")
    (tmp_path / "q.csv").write_text('carrier,call_start\n"Acme,2025\n', encoding="utf-8")
    with pytest.raises(RecordFileError, match="cannot be read as csv"):
        read_record_file(tmp_path / "q.csv")


def test_two_files_for_one_carrier_and_parquet_equals_csv(tmp_path: Path) -> None:
    p = _write(tmp_path / "a.csv", "Acme,2025-01-01T10:00:00Z,2025550101,3035550199,,,1")
    frame = pd.read_csv(p, dtype=str, keep_default_na=False)
    frame.to_parquet(tmp_path / "a2.parquet")
    with pytest.raises(RecordFileError, match="already has records in"):
        read_record_dir(tmp_path)
    a, b = read_record_file(p), read_record_file(tmp_path / "a2.parquet")
    row = lambda rf: record_sha256(rf.raw.iloc[0].tolist())  # noqa: E731
    assert row(a) == row(b)
    assert b.first_line == 1
