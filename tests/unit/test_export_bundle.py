"""Evidence bundles without a browser: manifest, verify, zip, redaction, determinism, HTML, CSV."""

from __future__ import annotations

import datetime as dt
import json
import re
import zipfile
from pathlib import Path

import networkx as nx
import pytest

from graphengine.cli.main import main
from graphengine.errors import ExportError
from graphengine.export import (
    ExportSettings,
    Provenance,
    export_ecosystem,
    export_provider,
    export_top_ecosystems,
    export_traceback,
    verify_bundle,
)
from graphengine.export.redact import number_forms
from tests.helpers.export import CALLED, small_hops, small_partition

HTML_ONLY = ExportSettings(formats=("html",), case_label="AG-UNIT-1")
T0 = dt.datetime(2026, 11, 28, 12, 0, 0, tzinfo=dt.UTC)
T1 = dt.datetime(2026, 11, 28, 12, 5, 9, tzinfo=dt.UTC)


def _eco(out: Path, settings: ExportSettings = HTML_ONLY, when: dt.datetime = T0):
    return export_ecosystem(
        small_hops(),
        small_partition(),
        1,
        out,
        settings=settings,
        provenance=Provenance(command_line=["graphengine", "export", "ecosystem", "1"]),
        generated_at=when,
    )


def test_fresh_bundle_verifies_and_lists_every_file(tmp_path):
    bundle = _eco(tmp_path / "b")
    assert bundle.files == [
        "data/edges.csv",
        "data/network.graphml",
        "data/nodes.csv",
        "data/timeline.csv",
        "figures/ecosystem.html",
        "figures/ecosystem.plotly.json",
        "figures/timeline.html",
        "figures/timeline.plotly.json",
        "layout.json",
        "settings.json",
    ]
    report = verify_bundle(tmp_path / "b")
    assert report.ok and report.summary() == "verified 10 files"
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert manifest["case_label"] == "AG-UNIT-1"
    assert manifest["created_utc"] == "2026-11-28T12:00:00Z"
    assert manifest["seed"] == 42
    assert manifest["command_line"] == ["graphengine", "export", "ecosystem", "1"]
    assert set(manifest["versions"]) >= {"graphengine", "plotly", "igraph", "kaleido", "python"}
    assert re.fullmatch(r"[0-9a-f]{64}", manifest["dataset_sha256"])
    assert manifest["neo4j_server_version"] is None


def test_verify_names_altered_missing_and_extra_files(tmp_path, capsys):
    folder = tmp_path / "b"
    _eco(folder)
    nodes = folder / "data" / "nodes.csv"
    data = bytearray(nodes.read_bytes())
    data[-2] = ord("X") if data[-2] != ord("X") else ord("Y")  # one byte
    nodes.write_bytes(bytes(data))
    report = verify_bundle(folder)
    assert report.altered == ["data/nodes.csv"] and not report.missing and not report.extra
    assert main(["evidence", "verify", str(folder)]) == 1
    assert "altered: data/nodes.csv" in capsys.readouterr().out

    (folder / "layout.json").unlink()
    (folder / "figures" / "note.txt").write_text("added later")
    report = verify_bundle(folder)
    assert report.missing == ["layout.json"]
    assert report.extra == ["figures/note.txt"]
    assert report.summary() == (
        "FAILED: altered data/nodes.csv; missing layout.json; extra figures/note.txt"
    )


def test_cli_verify_passes_on_fresh_bundle(tmp_path, capsys):
    _eco(tmp_path / "b")
    assert main(["evidence", "verify", str(tmp_path / "b")]) == 0
    assert capsys.readouterr().out.startswith("verified 10 files\n")


def test_zip_bundle_verifies_and_detects_changes(tmp_path):
    bundle = _eco(tmp_path / "b", ExportSettings(formats=("html",), zip=True))
    assert bundle.path == tmp_path / "b.zip" and not (tmp_path / "b").exists()
    assert verify_bundle(bundle.path).summary() == "verified 10 files"
    # rewrite the zip with one CSV byte changed
    tampered = tmp_path / "t.zip"
    with zipfile.ZipFile(bundle.path) as src, zipfile.ZipFile(tampered, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "data/edges.csv":
                data = data.replace(b",1,", b",7,", 1)
            dst.writestr(info, data)
    assert verify_bundle(tampered).altered == ["data/edges.csv"]


def test_out_must_be_new(tmp_path):
    _eco(tmp_path / "b")
    with pytest.raises(ExportError, match="already exists; choose a new --out"):
        _eco(tmp_path / "b")


def test_verify_rejects_a_folder_without_manifest(tmp_path):
    with pytest.raises(ExportError, match="has no manifest.json"):
        verify_bundle(tmp_path)
    assert main(["evidence", "verify", str(tmp_path / "nothing")]) == 1


def test_same_export_twice_differs_only_in_timestamp(tmp_path):
    a = _eco(tmp_path / "a", when=T0)
    b = _eco(tmp_path / "b", when=T1)
    for name in ("figures/ecosystem.plotly.json", "figures/timeline.plotly.json"):
        left = (tmp_path / "a" / name).read_text().replace("2026-11-28T12:00:00Z", "<time>")
        right = (tmp_path / "b" / name).read_text().replace("2026-11-28T12:05:09Z", "<time>")
        assert left == right
    assert (tmp_path / "a" / "layout.json").read_bytes() == (
        tmp_path / "b" / "layout.json"
    ).read_bytes()
    for name in ("data/nodes.csv", "data/edges.csv", "data/network.graphml"):
        assert a.manifest["files"][name] == b.manifest["files"][name]
    html_a = (tmp_path / "a" / "figures" / "ecosystem.html").read_text()
    html_b = (tmp_path / "b" / "figures" / "ecosystem.html").read_text()
    assert html_a.replace("2026-11-28T12:00:00Z", "") == html_b.replace("2026-11-28T12:05:09Z", "")


def test_different_seed_moves_the_layout(tmp_path):
    _eco(tmp_path / "a")
    _eco(tmp_path / "b", ExportSettings(formats=("html",), seed=7))
    a = json.loads((tmp_path / "a" / "layout.json").read_text())
    b = json.loads((tmp_path / "b" / "layout.json").read_text())
    assert a["seed"] == 42 and b["seed"] == 7
    assert a["coordinates"] != b["coordinates"]


def _all_forms() -> list[str]:
    return sorted({f for number in CALLED for f in number_forms(number)})


@pytest.mark.parametrize("kind", ["ecosystem", "provider", "traceback"])
def test_redaction_removes_every_called_number_from_every_file(tmp_path, kind):
    settings = ExportSettings(formats=("html",), redact_called_numbers=True)
    hops = small_hops()
    out = tmp_path / kind
    if kind == "ecosystem":
        export_ecosystem(hops, small_partition(), 1, out, settings=settings, generated_at=T0)
    elif kind == "provider":
        export_provider(hops, "Transit One", out, settings=settings, generated_at=T0)
    else:
        export_traceback(hops, "T1", out, settings=settings, generated_at=T0)
    forms = _all_forms()
    assert "(603) 555-0101" in forms and "+16035550101" in forms and "6035550101" in forms
    files = [p for p in out.rglob("*") if p.is_file()]
    assert len(files) >= 8
    for path in files:
        data = path.read_bytes()
        for form in forms:
            assert form.encode() not in data, f"{form} in {path}"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["redacted_called_numbers"] is True


def test_unredacted_traceback_shows_the_called_number(tmp_path):
    # the control for the redaction test: without the option the number is in the figure
    export_traceback(small_hops(), "T1", tmp_path / "t", settings=HTML_ONLY, generated_at=T0)
    assert "(603) 555-0101" in (tmp_path / "t" / "figures" / "traceback.plotly.json").read_text()


def test_html_is_offline(tmp_path):
    _eco(tmp_path / "b")
    html = (tmp_path / "b" / "figures" / "ecosystem.html").read_text()
    assert '<script src="http' not in html and "<script src='http" not in html
    # every script is inline: no src attribute at all, so neither MathJax nor a CDN is fetched
    assert re.search(r"<script[^>]*\bsrc\s*=", html) is None
    assert html.count("<script") >= 2  # plotly.js inline plus the figure
    assert len(html) > 3_000_000  # plotly.js is inlined, not fetched


def test_csv_neutralises_formula_names_and_graphml_loads(tmp_path):
    _eco(tmp_path / "b", ExportSettings(formats=("html",), hubs="show"))
    _eco(tmp_path / "c", ExportSettings(formats=("html",)))
    partition = small_partition()
    eco2 = export_ecosystem(
        small_hops(), partition, 2, tmp_path / "e2", settings=HTML_ONLY, generated_at=T0
    )
    nodes_csv = (eco2.path / "data" / "nodes.csv").read_text()
    assert "'=1+2 Telecom" in nodes_csv
    assert "\n=1+2" not in nodes_csv and ",=1+2" not in nodes_csv
    graph = nx.read_graphml(tmp_path / "b" / "data" / "network.graphml")
    assert set(graph.nodes) == {
        "voipmax",
        "connexum",
        "sipjoin",
        "transitone",
        "nonresp",
        "bigcarrier",
        "phoneco",
    }
    assert graph.edges["transitone", "bigcarrier"]["tracebacks"] == 2
    assert graph.nodes["voipmax"]["role"] == "foreign"


def test_hub_modes(tmp_path):
    for mode in ("collapse", "hide"):
        _eco(tmp_path / mode, ExportSettings(formats=("html",), hubs=mode))
    collapsed = (tmp_path / "collapse" / "data" / "nodes.csv").read_text()
    assert "__hubs__" in collapsed and "2 hub providers" in collapsed
    hidden = (tmp_path / "hide" / "data" / "nodes.csv").read_text()
    assert "phoneco" not in hidden and "bigcarrier" not in hidden and "transitone" in hidden


def test_missing_browser_is_a_clear_error_and_html_is_still_written(tmp_path, monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-such-chrome"))
    with pytest.raises(ExportError) as caught:
        _eco(tmp_path / "b", ExportSettings(formats=("html", "png")))
    message = str(caught.value)
    assert "apt-get install chromium" in message and "BROWSER_PATH" in message
    assert (tmp_path / "b" / "figures" / "ecosystem.html").is_file()
    assert not (tmp_path / "b" / "figures" / "ecosystem.png").exists()
    assert verify_bundle(tmp_path / "b").ok
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert manifest["static_images"].startswith("not written")


def test_unknown_ecosystem_and_bad_settings():
    with pytest.raises(ExportError, match="ecosystem '9' is not in the partition; known: 1, 2"):
        export_ecosystem(small_hops(), small_partition(), 9, "/tmp/never-written")
    with pytest.raises(ExportError, match="unknown --format gif"):
        ExportSettings(formats=("gif",))
    with pytest.raises(ExportError, match="unknown hub mode"):
        ExportSettings(hubs="blur")


def test_neo4j_provenance_is_recorded(tmp_path):
    provenance = Provenance(
        cypher=[
            {
                "name": "read_hops",
                "text": "MATCH (t:Traceback) RETURN t",
                "parameters": {"id": "T1"},
            }
        ],
        neo4j_server="Neo4j/5.26.0",
    )
    bundle = export_traceback(
        small_hops(), "T1", tmp_path / "q", settings=HTML_ONLY, provenance=provenance
    )
    assert "query/01-read_hops.cypher" in bundle.files
    assert json.loads((tmp_path / "q" / "query" / "parameters.json").read_text()) == {
        "01-read_hops": {"id": "T1"}
    }
    assert bundle.manifest["neo4j_server_version"] == "Neo4j/5.26.0"


def test_export_top_ecosystems_writes_one_bundle_each_largest_first(tmp_path):
    bundles = export_top_ecosystems(
        small_hops(), small_partition(), tmp_path, top=5, settings=HTML_ONLY, generated_at=T0
    )
    # ecosystem 1 has five providers, ecosystem 2 two; there are no others
    assert [b.path.name for b in bundles] == ["ecosystem-1", "ecosystem-2"]
    assert [b.manifest["subject"] for b in bundles] == ["1", "2"]
    assert all(verify_bundle(b.path).ok for b in bundles)
