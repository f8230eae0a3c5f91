"""Engine evidence bundles in a response package: one per provider and campaign target, drawn
from the configured hop file, sealed by the package's manifest, and the same bytes when the
package of the same request is built again (hand-worked answers: tests/data/platform/README.md)."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select

from graphengine.export.verify import verify_bundle
from graphengine.platform.db import make_engine, session_factory, session_scope
from graphengine.platform.legal_models import LegalRequest
from graphengine.platform.legal_service import (
    build_package,
    create_request,
    package_job,
    package_path,
    parse_targets,
    review,
)
from graphengine.platform.models import User
from tests.helpers.platform import fresh_database, seed_accounts, seed_alert, tiny_pdf

pytestmark = pytest.mark.slow
HOPS = Path(__file__).resolve().parents[1] / "data" / "platform" / "evidence_hops.csv"


def _accept(url: str, providers: list[str], campaigns: list[str]) -> tuple[str, str]:
    """File and accept a request; return its package's digest and a rebuild's digest."""
    factory = session_factory(make_engine(url))
    with session_scope(factory) as s:
        user = s.scalar(select(User).where(User.username == "investigator"))
        assert user is not None
        req = create_request(
            s, user, request_type="cid", authority="AG", case_number="AG-9", document=tiny_pdf(),
            targets=parse_targets(providers, campaigns, [], "2026-01-01", "2026-01-31"),
            due_date="2026-03-01",
        )  # fmt: skip
        review(s, req, "user:reviewer", "accept", "in scope")
        rid = req.id
    with session_scope(factory) as s:
        package_job(s, {"request_id": rid})  # what the job runner does with the queued job
    with factory() as s:
        req = s.get(LegalRequest, rid)
        assert req.package_sha256 is not None
        return req.package_sha256, build_package(s, req)


def _members(digest: str) -> dict[str, bytes]:
    with zipfile.ZipFile(package_path(digest)) as z:
        return {n: z.read(n) for n in z.namelist()}


def _csv(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), dtype="string")


def test_bundles_per_target_verify_and_rebuild_to_the_same_bytes(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("GRAPHENGINE_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("GRAPHENGINE_EVIDENCE_HOPS", str(HOPS))
    with fresh_database("sqlite", tmp_path) as url:
        seed_accounts(url)
        seed_alert(url)
        first, again = _accept(
            url, ["gateway telecom", "Nobody Telecom"], ["C-medicare", "Auto warranty"]
        )
    report = verify_bundle(package_path(first))
    assert report.ok, report.summary()
    files = _members(first)
    index = json.loads(files["evidence/index.json"])
    assert index["source"] == "files"
    got = {(e["kind"], e["target"]): e.get("bundle") or e["not_exported"] for e in index["bundles"]}
    assert got == {
        ("provider", "Nobody Telecom"): "provider 'Nobody Telecom' is not in the input; "
        "did you mean 'Gateway Telecom'?",
        ("provider", "gateway telecom"): "evidence/02-provider-gateway-telecom",
        ("campaign", "Auto warranty"): "evidence/03-campaign-auto-warranty",
        ("campaign", "C-medicare"): "evidence/04-campaign-c-medicare",
    }
    outer = json.loads(files["manifest.json"])
    assert outer["evidence_bundles"] == 3
    expected = {
        "02-provider-gateway-telecom": ("provider", 11, {"gateway telecom", "foreign voice",
            "middle transit", "other transit", "sunrise wireless", "bluebell wireless"}),
        "03-campaign-auto-warranty": ("ecosystem", 3,
            {"origin dialer", "middle transit", "sunrise wireless"}),
        "04-campaign-c-medicare": ("ecosystem", 8, {"gateway telecom", "foreign voice",
            "middle transit", "other transit", "sunrise wireless", "bluebell wireless"}),
    }  # fmt: skip
    for name, (kind, rows, providers) in expected.items():
        inner = json.loads(files[f"evidence/{name}/manifest.json"])
        entry = next(e for e in index["bundles"] if e.get("bundle") == f"evidence/{name}")
        raw = files[f"evidence/{name}/manifest.json"]
        assert entry["manifest_sha256"] == hashlib.sha256(raw).hexdigest()
        assert (inner["kind"], inner["hop_rows"], inner["case_label"]) == (kind, rows, "cid AG-9")
        assert inner["inputs"][0]["sha256"] == hashlib.sha256(HOPS.read_bytes()).hexdigest()
        nodes = _csv(files[f"evidence/{name}/data/nodes.csv"])
        assert set(nodes["provider_key"]) == providers
        # every file of the inner bundle is sealed by the package's own manifest too
        for rel, meta in inner["files"].items():
            assert outer["files"][f"evidence/{name}/{rel}"]["sha256"] == meta["sha256"]
        assert (
            "figures/" + ("neighbourhood" if kind == "provider" else "ecosystem") + ".html"
            in (inner["files"])
        )
    # a rebuild (the audit trail has one more entry since) draws every bundle to the same bytes
    rebuilt = _members(again)
    evidence = sorted(n for n in files if n.startswith("evidence/"))
    assert evidence == sorted(n for n in rebuilt if n.startswith("evidence/"))
    assert [n for n in evidence if files[n] != rebuilt[n]] == []


def test_without_an_engine_source_the_index_says_so(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("GRAPHENGINE_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("GRAPHENGINE_EVIDENCE_HOPS", raising=False)
    with fresh_database("sqlite", tmp_path) as url:
        seed_accounts(url)
        digest, _ = _accept(url, ["gateway telecom"], [])
    files = _members(digest)
    assert [n for n in files if n.startswith("evidence/")] == ["evidence/index.json"]
    assert json.loads(files["evidence/index.json"]) == {
        "source": None,
        "bundles": [{"kind": "provider", "target": "gateway telecom",
                     "not_exported": "no engine data is configured (GRAPHENGINE_EVIDENCE_HOPS)"}],
    }  # fmt: skip
    assert verify_bundle(package_path(digest)).ok


@pytest.mark.neo4j
def test_neo4j_as_the_engine_source_draws_the_same_network(clean_neo4j, tmp_path, monkeypatch):
    import datetime as dt

    import loaders
    from graphengine import store
    from graphengine.platform.package_evidence import load_evidence, write_target_bundles

    store.load_frames(clean_neo4j, loaders.load_inputs([HOPS]).hops, progress=False)
    window = (dt.datetime(2026, 1, 1, tzinfo=dt.UTC), dt.datetime(2026, 2, 1, tzinfo=dt.UTC))
    drawn = {}
    for source in ("neo4j", str(HOPS)):
        monkeypatch.setenv("GRAPHENGINE_EVIDENCE_HOPS", source)
        data = load_evidence()
        assert data is not None
        entries = write_target_bundles(
            tmp_path / data.source, {"providers": ["Gateway Telecom"], "campaigns": []}, [],
            window=window, case_label="cid AG-9", command_line=["test"], data=data,
            generated_at=dt.datetime(2026, 2, 2, 12, tzinfo=dt.UTC),
        )  # fmt: skip
        bundle = tmp_path / entries[0]["bundle"]
        manifest = json.loads((bundle / "manifest.json").read_text())
        drawn[data.source] = (bundle / "data" / "nodes.csv").read_bytes()
        assert manifest["hop_rows"] == 11
        if data.source == "neo4j":
            assert manifest["neo4j_server_version"].startswith("Neo4j")
            assert "MATCH" in (bundle / "query" / "01-read_hops.cypher").read_text()
            assert manifest["inputs"] == []
    assert set(_csv(drawn["neo4j"])["provider_key"]) == {"gateway telecom", "foreign voice",
        "middle transit", "other transit", "sunrise wireless", "bluebell wireless"}  # fmt: skip
    assert drawn["neo4j"] == drawn["files"]


def test_at_most_max_bundles_are_drawn(tmp_path, monkeypatch) -> None:
    import datetime as dt

    from graphengine.platform import package_evidence as pe

    monkeypatch.setattr(pe, "MAX_BUNDLES", 1)
    monkeypatch.setenv("GRAPHENGINE_EVIDENCE_HOPS", str(HOPS))
    entries = pe.write_target_bundles(
        tmp_path / "evidence", {"providers": ["Nobody", "gateway telecom", "middle transit"]}, [],
        window=(None, None), case_label="x", command_line=["test"], data=pe.load_evidence(),
        generated_at=dt.datetime(2026, 2, 2, tzinfo=dt.UTC),
    )  # fmt: skip
    assert [e.get("bundle") or e["not_exported"] for e in entries] == [
        "provider 'Nobody' is not in the input",
        "evidence/02-provider-gateway-telecom",
        "more than 1 bundles in one package",
    ]
    assert (
        json.loads((tmp_path / "evidence/02-provider-gateway-telecom/manifest.json").read_text())[
            "hop_rows"
        ]
        == 14
    )  # no date range: every hop, TB-4 of December 2025 too
