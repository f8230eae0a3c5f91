"""`graphengine load` argument handling that needs no server."""

from __future__ import annotations

from pathlib import Path

import pytest

from graphengine.cli.main import build_parser, main

HOPS = Path(__file__).resolve().parents[1] / "data" / "store" / "hops.csv"


def test_load_parses_every_documented_option() -> None:
    args = build_parser().parse_args(
        ["load", "a.csv", "b.jsonl", "--providers", "rmd.csv", "--mapping", "m.yml"]
        + ["--aliases", "al.csv", "--quarantine", "q.csv", "--batch-size", "500", "--strict"]
    )
    assert args.files == ["a.csv", "b.jsonl"]
    assert (args.providers, args.mapping, args.aliases, args.quarantine) == (
        "rmd.csv",
        "m.yml",
        "al.csv",
        "q.csv",
    )
    assert args.batch_size == 500 and args.strict is True and args.format == "text"


def test_missing_file_is_a_one_line_error(capsys: pytest.CaptureFixture[str], tmp_path) -> None:
    missing = tmp_path / "nope.csv"
    assert main(["load", str(missing)]) == 1
    assert capsys.readouterr().err == f"graphengine: error: {missing}: no such file\n"


def test_missing_registry_is_named(capsys: pytest.CaptureFixture[str], tmp_path) -> None:
    assert main(["load", str(HOPS), "--providers", str(tmp_path / "rmd.csv")]) == 1
    assert capsys.readouterr().err == f"graphengine: error: {tmp_path / 'rmd.csv'}: no such file\n"


def test_batch_size_must_be_positive(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["load", str(HOPS), "--batch-size", "0"]) == 1
    assert capsys.readouterr().err == "graphengine: error: --batch-size must be at least 1, got 0\n"
