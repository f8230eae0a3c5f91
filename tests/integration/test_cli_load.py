"""`graphengine load` end to end against the real Neo4j: summary, quarantine, exit codes,
idempotency, and a real SIGKILL in the middle of a load followed by a resume."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import clear_database

from graphengine import store
from graphengine.cli.main import main
from graphengine.synthetic import generate
from tests.helpers.store import EXPECTED, STORE_DATA

pytestmark = pytest.mark.neo4j

LOADER_DATA = Path(__file__).resolve().parents[1] / "data" / "loaders"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "graphengine.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "GRAPHENGINE_PROGRESS": "0"},
    )


def test_load_prints_the_summary_and_builds_the_graph(clean_neo4j, capsys) -> None:
    assert main(["load", str(STORE_DATA / "hops.csv")]) == 0
    out = capsys.readouterr().out
    assert "read 14 rows: loaded 14, rejected 0, duplicates 0 (14 hops)" in out
    assert "tracebacks: 4 (4 written, 0 already loaded, 0 replaced)" in out
    assert store.graph_counts(clean_neo4j) == EXPECTED
    # the same command again finds everything already loaded and changes nothing
    before = store.graph_fingerprint(clean_neo4j)
    assert main(["load", str(STORE_DATA / "hops.csv")]) == 0
    assert "tracebacks: 4 (0 written, 4 already loaded, 0 replaced)" in capsys.readouterr().out
    assert store.graph_fingerprint(clean_neo4j) == before


def test_bad_rows_go_to_quarantine_and_strict_fails(clean_neo4j, tmp_path, capsys) -> None:
    good = (STORE_DATA / "hops.csv").read_text(encoding="utf-8")
    # one row with an attestation outside A/B/C, one with an empty provider
    bad = good + (
        "T9,0,Alpha Wireless,alpha,,,terminating,,,2024-06-01T10:00:00Z,,,,Z,US,,\n"
        "T8,0,,,,,terminating,,,2024-06-01T10:00:00Z,,,,A,US,,\n"
    )
    src = tmp_path / "hops_with_bad.csv"
    src.write_text(bad, encoding="utf-8")
    quarantine = tmp_path / "q.csv"
    assert main(["load", str(src), "--quarantine", str(quarantine)]) == 0
    out = capsys.readouterr().out
    assert "rejected 2" in out and f"quarantine: {quarantine}" in out
    lines = quarantine.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3  # header + 2 rows
    assert store.graph_counts(clean_neo4j)["Traceback"] == 4  # the good rows loaded

    code = main(["load", str(src), "--quarantine", str(quarantine), "--strict"])
    assert code == 1
    assert "--strict: 2 row(s) rejected" in capsys.readouterr().err


def test_nothing_loadable_and_unreadable_files_fail_in_one_line(clean_neo4j, tmp_path) -> None:
    only_bad = tmp_path / "bad.csv"
    header = (STORE_DATA / "hops.csv").read_text(encoding="utf-8").splitlines()[0]
    only_bad.write_text(
        header + "\nT8,0,,,,,terminating,,,2024-06-01T10:00:00Z,,,,A,US,,\n", encoding="utf-8"
    )
    result = _cli("load", str(only_bad), "--quarantine", str(tmp_path / "q.csv"))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"graphengine: error: nothing could be loaded: every row was rejected "
        f"(see {tmp_path / 'q.csv'})"
    )
    result = _cli("load", str(tmp_path / "missing.csv"))
    assert result.returncode == 1
    assert result.stderr.strip() == f"graphengine: error: {tmp_path / 'missing.csv'}: no such file"
    assert "Traceback" not in result.stderr
    assert store.graph_counts(clean_neo4j)["Traceback"] == 0


def test_load_with_registry_marks_rmd_providers(clean_neo4j) -> None:
    args = [
        "load",
        str(LOADER_DATA / "hops_clean.csv"),
        "--providers",
        str(LOADER_DATA / "rmd.csv"),
    ]
    assert main(args) == 0
    providers = store.read_providers(clean_neo4j)
    assert providers["in_rmd"].notna().all()  # the registry decides for every provider
    assert providers["in_rmd"].any()


def test_a_load_killed_mid_way_resumes_to_the_clean_graph(clean_neo4j, tmp_path) -> None:
    data = generate(tmp_path / "syn", tracebacks=1500, seed=11, show_progress=False)
    args = ["load", str(data.hops), "--batch-size", "100", "--quarantine", str(tmp_path / "q.csv")]
    child = subprocess.Popen(
        [sys.executable, "-m", "graphengine.cli.main", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "GRAPHENGINE_PROGRESS": "0"},
    )
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and child.poll() is None:
            if store.graph_counts(clean_neo4j)["Traceback"] > 0:
                break
            time.sleep(0.02)
        assert child.poll() is None, "the load finished before it could be killed"
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL
    partial = store.graph_counts(clean_neo4j)
    assert 0 < partial["Traceback"] < 1500  # killed mid-load: some batches, not all

    resumed = _cli(*args)
    assert resumed.returncode == 0, resumed.stderr
    assert "already loaded" in resumed.stdout
    after_resume = store.graph_fingerprint(clean_neo4j)
    counts = store.graph_counts(clean_neo4j)
    assert counts["Traceback"] == 1500

    clear_database(clean_neo4j)
    clean = _cli(*args)
    assert clean.returncode == 0, clean.stderr
    assert store.graph_counts(clean_neo4j) == counts
    assert store.graph_fingerprint(clean_neo4j) == after_resume
