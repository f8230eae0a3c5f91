"""Spark (local mode) and DuckDB stitch the same generated records to identical files."""

from __future__ import annotations

from pathlib import Path

import pytest

from graphengine.synthetic import generate
from graphengine.synthetic.records import RecordsConfig, generate_records
from graphengine.traceback.bulk import stitch_files

pytestmark = pytest.mark.slow


def test_spark_and_duckdb_give_identical_output(tmp_path: Path) -> None:
    generate(tmp_path, tracebacks=80, seed=21, show_progress=False)
    generate_records(tmp_path, RecordsConfig(seed=21, unrelated=2, ambiguous_share=0.1))
    outs = {}
    for engine in ("duckdb", "spark"):
        out = tmp_path / engine / "hops.csv"
        summary = stitch_files(
            tmp_path / "records",
            tmp_path / "suspect_calls.csv",
            out,
            providers=tmp_path / "providers.csv",
            engine=engine,
            show_progress=False,
        )
        assert summary["engine"] == engine and summary["suspect_calls"] == 80
        outs[engine] = {
            name: (out.parent / name).read_bytes()
            for name in ("hops.csv", "hops_ambiguous.csv", "hops_matches.csv")
        }
    assert outs["spark"] == outs["duckdb"]
    assert outs["duckdb"]["hops.csv"].count(b"\n") > 80
    assert outs["duckdb"]["hops_ambiguous.csv"].count(b"\n") >= 3  # header + >= 2 candidates
