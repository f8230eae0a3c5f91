"""``graphengine load --bulk``: neo4j-admin import builds the graph a batched load builds.

Runs on a second, isolated local server (its own home and port) because the import stops and
restarts the server it writes into; the shared test server is never touched.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from graphengine.store import (
    clear_database,
    graph_counts,
    graph_fingerprint,
    load_frames,
)
from graphengine.store import local_server as neo4j_local
from graphengine.store.connection import connect
from graphengine.store.settings import neo4j_settings

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "graphengine.cli.main", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=900,
        check=False,
    )


def _schema(driver) -> list[tuple]:
    """Constraints and indexes by name, kind, entity, labels or types and properties."""
    with driver.session() as session:
        rows = session.run(
            "SHOW INDEXES YIELD name, type, entityType, labelsOrTypes, properties, state"
        ).data()
        constraints = session.run(
            "SHOW CONSTRAINTS YIELD name, type, labelsOrTypes, properties"
        ).data()
    indexes = [
        (
            "index",
            r["name"],
            r["type"],
            r["entityType"],
            tuple(r["labelsOrTypes"] or ()),
            tuple(r["properties"] or ()),
            r["state"],
        )
        for r in rows
        if r["type"] != "LOOKUP"
    ]
    cons = [
        ("constraint", r["name"], r["type"], tuple(r["labelsOrTypes"]), tuple(r["properties"]))
        for r in constraints
    ]
    return sorted(indexes + cons)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A second local server on a free port; stopped after the module."""
    home = tmp_path_factory.mktemp("bulk-neo4j")
    port = _free_port()
    env = {
        "GRAPHENGINE_NEO4J_HOME": str(home),
        "GRAPHENGINE_NEO4J_HEAP": "512m",
        "GRAPHENGINE_NEO4J_PAGECACHE": "128m",
        "NEO4J_URI": f"bolt://127.0.0.1:{port}",
        "NEO4J_PASSWORD": "",
        "NEO4J_USERNAME": "",
        "NEO4J_DATABASE": "",
    }
    started = _cli("neo4j", "start", "--port", str(port), env=env)
    assert started.returncode == 0, started.stderr
    try:
        yield {"home": home, "port": port, "env": env}
    finally:
        neo4j_local.stop(home)


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> dict[str, Path]:
    """A generated data set (providers, customers, campaigns, RMD) plus the hand-made store
    fixture (a traceback without campaign, providers known only as upstreams)."""
    out = tmp_path_factory.mktemp("bulk-data")
    done = _cli(
        "generate", "--tracebacks", "400", "--seed", "5", "--out", str(out), "--no-progress", env={}
    )
    assert done.returncode == 0, done.stderr
    return {
        "hops": out / "hops.csv",
        "rmd": out / "rmd.csv",
        "store": ROOT / "tests" / "data" / "store" / "hops.csv",
    }


def _settings(server, monkeypatch):
    for name, value in server["env"].items():
        monkeypatch.setenv(name, value)
    return neo4j_settings()


def test_bulk_import_builds_the_graph_of_a_batched_load(server, data, monkeypatch):
    import loaders

    settings = _settings(server, monkeypatch)
    files = [str(data["hops"]), str(data["store"])]
    # 1. the CLI into the empty database
    done = _cli(
        "load",
        "--bulk",
        *files,
        "--providers",
        str(data["rmd"]),
        "--format",
        "json",
        env=server["env"],
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert neo4j_local.running_server(server["home"]) is not None  # restarted
    with connect(settings) as driver:
        bulk_counts = graph_counts(driver)
        bulk_print = graph_fingerprint(driver)
        bulk_schema = _schema(driver)
    assert summary["neo4j"]["graph"] == bulk_counts
    assert bulk_counts["HOP"] == summary["hops"] > 1500
    assert bulk_counts["ROUTED"] > 0 and bulk_counts["SENDS_TO"] > 0
    assert bulk_counts["Customer"] > 0 and bulk_counts["Campaign"] > 0

    # 2. a second --bulk refuses: the database is no longer empty
    again = _cli("load", "--bulk", *files, env=server["env"])
    assert again.returncode == 1
    assert again.stderr.startswith("graphengine: error: database 'neo4j' is not empty;")
    assert again.stderr.count("\n") == 1

    # 3. an incremental batched load of the same frames finds every traceback already there
    loaded = loaders.load_inputs(files, providers=str(data["rmd"]))
    assert summary["neo4j"]["tracebacks"] == loaded.hops["traceback_id"].nunique()
    assert summary["neo4j"]["tracebacks"] == bulk_counts["Traceback"]
    with connect(settings) as driver:
        report = load_frames(driver, loaded.hops, loaded.providers, progress=False)
        assert report.tracebacks_written == 0
        assert report.tracebacks_unchanged == report.tracebacks
        assert graph_fingerprint(driver) == bulk_print

        # 4. the same frames batched into the emptied database: the same graph
        clear_database(driver)
        report = load_frames(driver, loaded.hops, loaded.providers, batch_size=700, progress=False)
        assert report.tracebacks_written == report.tracebacks
        batched_counts = graph_counts(driver)
        batched_print = graph_fingerprint(driver)
        batched_schema = _schema(driver)
    assert batched_counts == bulk_counts
    assert batched_print == bulk_print
    assert batched_schema == bulk_schema
    names = {row[1] for row in bulk_schema}
    assert {"provider_key", "traceback_id", "routed_traceback_hop", "traceback_call_time"} <= names
    assert all(row[-1] == "ONLINE" for row in bulk_schema if row[0] == "index")


def test_bulk_refuses_a_remote_server_and_another_database(server, data):
    remote = _cli(
        "load",
        "--bulk",
        str(data["store"]),
        env={
            **server["env"],
            "NEO4J_URI": "bolt://db.example.org:7687",
            "NEO4J_PASSWORD": "pw-12345678",
        },
    )
    assert remote.returncode == 1
    assert remote.stderr.count("\n") == 1
    assert "--bulk imports only into the local server of" in remote.stderr
    assert "load without --bulk" in remote.stderr

    other = _cli(
        "load", "--bulk", str(data["store"]), env={**server["env"], "NEO4J_DATABASE": "cases"}
    )
    assert other.returncode == 1
    assert other.stderr == (
        "graphengine: error: NEO4J_DATABASE='cases': the local Neo4j (Community) serves one "
        "user database, 'neo4j'; unset NEO4J_DATABASE to import into it\n"
    )


def test_a_failed_write_restarts_the_server_and_leaves_the_graph(server, data, monkeypatch):
    """The server stops while the CSVs are written; a write that fails (here: a full disk,
    injected) must leave it running on its port with its graph, and a bad frame must not
    stop it at all."""
    import loaders
    from graphengine.errors import SchemaError
    from graphengine.store import bulk_import

    settings = _settings(server, monkeypatch)
    home = Path(server["home"])
    hops = loaders.load_inputs([str(data["store"])]).hops
    with connect(settings) as driver:
        clear_database(driver)
        load_frames(driver, hops, batch_size=50)
        before = graph_counts(driver)

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(bulk_import, "write_import_csvs", full_disk)
    with pytest.raises(OSError, match="No space left on device"):
        bulk_import.bulk_load(hops, settings=settings, home=home, replace=True)
    assert neo4j_local.running_server(home).port == server["port"]
    with pytest.raises(SchemaError):
        bulk_import.bulk_load(
            hops.drop(columns=["hop"]), settings=settings, home=home, replace=True
        )
    with connect(settings) as driver:
        assert graph_counts(driver) == before
