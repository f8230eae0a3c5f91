"""`graphengine analyze` writes findings.json and targets.csv; findings options reach the rules."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from graphengine.cli.main import main
from graphengine.synthetic import generate


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gen")
    generate(folder, tracebacks=300, seed=4, show_progress=False)
    return folder


def _analyze(data, out, *extra: str) -> int:
    return main(
        [
            "analyze",
            str(data / "hops.csv"),
            "--providers",
            str(data / "rmd.csv"),
            "--out",
            str(out),
            "--runs",
            "2",
            *extra,
        ]
    )


def test_analyze_writes_findings_beside_ecosystems(data, tmp_path, capsys):
    assert _analyze(data, tmp_path / "a", "--window", "6M", "--threshold", "2") == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["findings_files"] == ["findings.json", "targets.csv"]
    out = tmp_path / "a"
    assert {p.name for p in out.iterdir()} >= {"ecosystems.csv", "findings.json", "targets.csv"}
    doc = json.loads((out / "findings.json").read_text())
    assert doc["parameters"]["repeat"] == {"threshold": 2, "span": "12M"}
    assert doc["window"]["spec"] == "6M ending at the last call"
    until = pd.Timestamp(doc["window"]["until"])
    assert pd.Timestamp(doc["window"]["since"]) == until - pd.DateOffset(months=6)
    targets = pd.read_csv(out / "targets.csv")
    assert targets["rank"].tolist() == list(range(1, len(targets) + 1))
    assert (pd.to_datetime(targets["window_until"]) == until).all()
    # the ecosystem column comes from the ecosystems step
    assert targets["ecosystem"].notna().any()
    assert summary["findings"]["repeat_gateways"] == len(doc["repeat_gateways"])


def test_analyze_is_deterministic_and_weights_matter(data, tmp_path, capsys):
    assert _analyze(data, tmp_path / "a") == 0
    assert _analyze(data, tmp_path / "b") == 0
    for name in ("findings.json", "targets.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert _analyze(data, tmp_path / "c", "--weight", "gateway=0", "--weight", "chokepoint=0") == 0
    base = pd.read_csv(tmp_path / "a" / "targets.csv").set_index("provider_key")
    changed = pd.read_csv(tmp_path / "c" / "targets.csv").set_index("provider_key")
    gw = base.index[base["gateway"] > 0]
    assert (changed.loc[gw, "score"] < base.loc[gw, "score"]).all()
    capsys.readouterr()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--window", "12X"], "--window '12X' is not understood"),
        (["--repeat-span", "1Q"], "--repeat-span '1Q' is not understood"),
        (["--window", "6M", "--since", "2025-01-01"], "use either --window or --since"),
        (["--weight", "foo=2"], "--weight 'foo=2': use NAME=VALUE with NAME one of"),
        (["--weight", "gateway=x"], "--weight 'gateway=x': 'x' is not a number"),
        (["--threshold", "0"], "--threshold must be at least 1, got 0"),
        (["--dno", "/no/such/dno.txt"], "cannot read DNO list /no/such/dno.txt: No such file"),
    ],
)
def test_bad_findings_options_are_one_line_errors(data, tmp_path, capsys, options, message):
    assert _analyze(data, tmp_path / "x", *options) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("graphengine: error: ")
    assert message in err
    assert "\n" not in err
    assert not (tmp_path / "x" / "ecosystems.csv").exists()  # rejected before any work
