"""Bulk stitching on generated call records: acceptance figures, determinism, bad input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import loaders
from graphengine.synthetic import generate
from graphengine.synthetic.records import RecordsConfig, generate_records
from graphengine.traceback.bulk import stitch_files
from graphengine.traceback.score import score_stitch


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def stitched(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    data = tmp_path_factory.mktemp("records")
    generate(data, tracebacks=400, seed=11, show_progress=False)
    generate_records(data, RecordsConfig(seed=11, ambiguous_share=0.05))
    summary = stitch_files(
        data / "records",
        data / "suspect_calls.csv",
        data / "out" / "hops.csv",
        providers=data / "providers.csv",
        show_progress=False,
    )
    return data, summary


def test_planted_paths_are_recovered_hop_for_hop(stitched: tuple[Path, dict[str, object]]) -> None:
    data, summary = stitched
    truth = _read(data / "records_truth.csv")
    score = score_stitch(
        _read(data / "out" / "hops.csv"), truth, _read(data / "out" / "hops_ambiguous.csv")
    )
    assert score["paths"] == 400
    assert score["recovered_share"] >= 0.99
    assert score["wrong_hops"] == 0
    assert score["ambiguous_planted"] >= 5
    assert score["ambiguous_reported"] == score["ambiguous_planted"]
    assert score["no_records_ends"] > 0
    assert score["no_records_ends_written"] == score["no_records_ends"]
    # 10x unrelated traffic was really there to be searched through.
    carriers = _read(data / "record_carriers.csv")
    assert summary["record_rows"] > 10 * (truth["outcome"] == "matched").sum()
    assert (carriers["keeps_records"] == "False").sum() > 0


def test_ambiguous_hops_list_every_candidate(stitched: tuple[Path, dict[str, object]]) -> None:
    data, _ = stitched
    amb = _read(data / "out" / "hops_ambiguous.csv")
    hops = _read(data / "out" / "hops.csv")
    per_hop = amb.groupby(["traceback_id", "hop"]).size()
    assert (per_hop >= 2).all()
    marked = hops[hops["response"].str.startswith("Ambiguous")]
    assert len(marked) == len(per_hop)
    assert (marked["upstream_provider"] == "").all()  # never guessed
    assert amb["record_sha256"].str.len().eq(64).all()


def test_output_loads_unchanged_and_matches_carry_record_hashes(
    stitched: tuple[Path, dict[str, object]],
) -> None:
    data, _ = stitched
    loaded = loaders.load_inputs([data / "out" / "hops.csv"])
    assert len(loaded.rejects) == 0
    assert len(loaded.hops) == len(_read(data / "out" / "hops.csv"))
    cats = loaded.hops["response_category"].value_counts()
    assert cats["records_not_found"] > 0 and cats["responded"] > 0 and cats["foreign"] > 0
    matches = _read(data / "out" / "matches.csv" if False else data / "out" / "hops_matches.csv")
    assert set(matches["key"]) == {"call_id", "identity", "numbers_time"}


def test_generated_records_are_deterministic(tmp_path: Path) -> None:
    def run(d: Path) -> dict[str, bytes]:
        generate(d, tracebacks=60, seed=3, show_progress=False)
        generate_records(d, RecordsConfig(seed=3, unrelated=2))
        files = [
            *sorted((d / "records").iterdir()),
            d / "records_truth.csv",
            d / "suspect_calls.csv",
        ]
        return {p.name: p.read_bytes() for p in files}

    assert run(tmp_path / "a") == run(tmp_path / "b")


def test_cli_reports_a_bad_record_file_in_one_line_and_writes_nothing(tmp_path: Path) -> None:
    recs = tmp_path / "recs"
    recs.mkdir()
    (recs / "a.csv").write_text(
        "carrier,call_start,calling_number,called_number,ingress_carrier,egress_carrier\n"
        "Acme,2025-01-01T10:00:00Z,2025550101,3035550199,Beta,\n",
        encoding="utf-8",
    )
    (recs / "b.csv").write_text(
        "carrier,call_start,calling_number,called_number,ingress_carrier,egress_carrier\n"
        "Beta,2025-01-01T10:00:01Z,2025550101,3035550199,,Acme\n"
        "Beta,2025-01-01 10:00:01,2025550101,3035550199,,Acme\n",
        encoding="utf-8",
    )
    calls = tmp_path / "calls.csv"
    calls.write_text(
        "traceback_id,terminating_carrier,call_time,calling_number,called_number\n"
        "T1,Acme,2025-01-01T10:00:00Z,2025550101,3035550199\n",
        encoding="utf-8",
    )
    out = tmp_path / "o" / "hops.csv"
    cmd = [
        sys.executable,
        "-m",
        "graphengine.cli.main",
        "traceback",
        "stitch",
        "--records",
        str(recs),
        "--calls",
        str(calls),
        "--out",
        str(out),
        "--no-progress",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        f"graphengine: error: {recs / 'b.csv'}:3: call_start has no zone or offset "
        "(e.g. Z or -05:00); nothing was loaded"
    ]
    assert not out.parent.exists()
    (recs / "b.csv").write_text(
        "carrier,call_start,calling_number,called_number,ingress_carrier,egress_carrier\n"
        "Beta,2025-01-01T10:00:01Z,2025550101,3035550199,,Acme\n",
        encoding="utf-8",
    )
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    hops = _read(out)
    assert hops[["hop", "provider", "upstream_provider", "role", "response"]].values.tolist() == [
        ["0", "Acme", "Beta", "terminating", "Answered from records - upstream identified"],
        ["1", "Beta", "", "originating", "Answered from records - customer identified"],
    ]
