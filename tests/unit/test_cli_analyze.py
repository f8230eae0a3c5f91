"""``graphengine analyze`` on files: outputs, determinism and one-line errors."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from graphengine.cli.main import main
from tests.helpers.ecosystems import hops_from_paths, planted_paths

COLUMNS = ["traceback_id", "hop", "provider", "upstream_provider", "role", "call_time", "campaign"]


@pytest.fixture(scope="module")
def hop_file(tmp_path_factory):
    paths, campaigns, _ = planted_paths()
    hops = hops_from_paths(paths, campaigns)
    path = tmp_path_factory.mktemp("in") / "hops.csv"
    frame = hops[COLUMNS].copy()
    # a campaign label a spreadsheet would run as a formula must come out neutralised
    frame.loc[frame["campaign"] == "campaign0", "campaign"] = "=HYPERLINK(1)"
    frame.to_csv(path, index=False)
    return path


def test_analyze_writes_tables_and_settings(hop_file, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["analyze", str(hop_file), "--out", str(out), "--runs", "4", "--seed", "9"])
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["ecosystems"] == 4 and summary["providers_hub"] == 3
    assert sorted(p.name for p in out.iterdir()) == [
        "analysis.json",
        "ecosystems.csv",
        "findings.json",
        "providers.csv",
        "targets.csv",
    ]
    providers = pd.read_csv(out / "providers.csv")
    assert len(providers) == 27 and providers["provider_key"].is_unique
    ecosystems = pd.read_csv(out / "ecosystems.csv")
    assert ecosystems["ecosystem"].tolist() == [1, 2, 3, 4]
    assert ecosystems["campaigns"].tolist()[0] == "'=HYPERLINK(1) (30)"
    settings = json.loads((out / "analysis.json").read_text())
    assert settings["ecosystems"]["seed"] == 9 and settings["ecosystems"]["runs"] == 4
    assert settings["inputs"][0]["path"] == str(hop_file)
    assert len(settings["inputs"][0]["sha256"]) == 64


def test_same_inputs_and_seed_give_identical_files(hop_file, tmp_path, capsys):
    for name in ("a", "b"):
        assert main(["analyze", str(hop_file), "--out", str(tmp_path / name), "--runs", "3"]) == 0
    for file in ("ecosystems.csv", "providers.csv", "analysis.json", "targets.csv"):
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "give traceback FILE(s) or --from-neo4j (one of the two)"),
        (["missing.csv"], "missing.csv: no such file"),
        (["HOPS", "--runs", "0"], "--runs must be at least 1, got 0"),
        (["HOPS", "--resolution", "-1"], "resolution=-1.0 must be a positive number"),
    ],
)
def test_errors_are_one_line(hop_file, tmp_path, capsys, argv, message):
    argv = [str(hop_file) if a == "HOPS" else a for a in argv]
    assert main(["analyze", *argv, "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"graphengine: error: {message}"]
