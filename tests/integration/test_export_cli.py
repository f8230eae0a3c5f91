"""`graphengine export` and `graphengine evidence verify` end to end: generated data, Neo4j."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from graphengine.cli.main import main
from tests.helpers.export import small_hops, small_partition


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("gen")
    assert main(["generate", "--tracebacks", "300", "--seed", "11", "--out", str(out)]) == 0
    return out


@pytest.mark.chromium
@pytest.mark.slow
def test_cli_exports_generated_ecosystem_and_verifies(generated, tmp_path, capsys):
    out = tmp_path / "bundle"
    argv = [
        "export",
        "ecosystem",
        "1",
        "--input",
        str(generated / "hops.csv"),
        "--providers",
        str(generated / "rmd.csv"),
        "--out",
        str(out),
        "--format",
        "html,png",
        "--case",
        "AG-CLI-1",
        "--seed",
        "5",
    ]
    capsys.readouterr()
    assert main(argv) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["bundle"] == str(out)
    manifest = json.loads((out / "manifest.json").read_text())
    assert [i["name"] for i in manifest["inputs"]] == ["hops.csv", "rmd.csv"]
    assert manifest["seed"] == 5 and manifest["case_label"] == "AG-CLI-1"
    settings = json.loads((out / "settings.json").read_text())
    assert settings["analysis"]["ecosystems"]["seed"] == 5
    assert (out / "figures" / "ecosystem.png").stat().st_size > 10_000
    assert main(["evidence", "verify", str(out)]) == 0
    assert capsys.readouterr().out.startswith(f"verified {printed['files']} files")


def test_cli_errors_are_one_line(generated, tmp_path, capsys):
    base = [
        "--input",
        str(generated / "hops.csv"),
        "--out",
        str(tmp_path / "x"),
        "--format",
        "html",
    ]
    assert main(["export", "traceback", "NOPE", *base]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(
        "graphengine: error: traceback 'NOPE' is not in the input"
    )
    assert main(["export", "provider", "x", "--out", str(tmp_path / "y")]) == 1
    assert "give --input FILE... or --from-neo4j" in capsys.readouterr().err


@pytest.mark.neo4j
def test_export_from_neo4j_records_cypher_and_server(clean_neo4j, tmp_path, capsys):
    from graphengine import store

    hops = small_hops()
    store.load_frames(clean_neo4j, hops)
    partition = small_partition().dropna(subset=["ecosystem"])
    frame = pd.DataFrame(
        {
            "provider_key": partition["provider_key"],
            "ecosystem": partition["ecosystem"].astype("int64"),
        }
    )
    store.write_provider_properties(clean_neo4j, frame, ["ecosystem"])
    out = tmp_path / "neo"
    assert (
        main(["export", "ecosystem", "1", "--from-neo4j", "--out", str(out), "--format", "html"])
        == 0
    )
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["neo4j_server_version"].startswith("Neo4j Kernel")
    assert sorted(p.name for p in (out / "query").iterdir()) == [
        "01-read_hops.cypher",
        "02-read_providers.cypher",
        "parameters.json",
    ]
    assert (
        "MATCH (t:Traceback)-[h:HOP]->(p:Provider)"
        in (out / "query" / "01-read_hops.cypher").read_text()
    )
    nodes = pd.read_csv(out / "data" / "nodes.csv")
    assert set(nodes["provider_key"]) == {"voipmax", "connexum", "sipjoin", "transitone", "nonresp"}
    assert main(["evidence", "verify", str(out)]) == 0
