"""The real Neo4j: connect, constraints, batched UNWIND, error handling and the local server's CLI."""

from __future__ import annotations

import dataclasses
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from neo4j.exceptions import ConstraintError

import neo4j
from graphengine.errors import Neo4jUnavailable
from graphengine.store import jars, local_server
from graphengine.store.connection import connect, execute_read, execute_write, server_version
from graphengine.store.settings import Secret, neo4j_settings

pytestmark = pytest.mark.neo4j

LABEL = "GeFoundationTest"
CONSTRAINT = "ge_foundation_test_key"
WRONG_PASSWORD = "definitely-Wrong-pw-42"


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the graphengine CLI in a fresh process, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "graphengine.cli.main", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=600,
        check=False,
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _local_port() -> int:
    """The Bolt port of the tested server when it is a local ``bolt://`` one, else skip."""
    match = re.fullmatch(r"bolt://(?:127\.0\.0\.1|localhost):(\d+)/?", neo4j_settings().uri)
    if match is None:
        pytest.skip("the CLI checks need the local server (NEO4J_URI is not bolt://127.0.0.1)")
    return int(match.group(1))


def test_connect_reports_the_server_version(neo4j_driver):
    version = server_version(neo4j_driver)
    assert re.fullmatch(r"Neo4j Kernel \d+\.\d+\.\d+ (community|enterprise)", version), version
    assert execute_read(neo4j_driver, lambda tx: tx.run("RETURN 1 AS one").single()["one"]) == 1


def test_unique_constraint_is_enforced(clean_neo4j):
    def create(tx: neo4j.ManagedTransaction, key: str) -> None:
        tx.run(f"CREATE (:{LABEL} {{key: $key}})", key=key)

    execute_write(
        clean_neo4j,
        lambda tx: tx.run(
            f"CREATE CONSTRAINT {CONSTRAINT} IF NOT EXISTS FOR (n:{LABEL}) REQUIRE n.key IS UNIQUE"
        ).consume(),
    )
    try:
        names = execute_read(
            clean_neo4j, lambda tx: [r["name"] for r in tx.run("SHOW CONSTRAINTS YIELD name")]
        )
        assert CONSTRAINT in names
        execute_write(clean_neo4j, create, "acme")
        with pytest.raises(ConstraintError):
            execute_write(clean_neo4j, create, "acme")
        count = execute_read(
            clean_neo4j, lambda tx: tx.run(f"MATCH (n:{LABEL}) RETURN count(n) AS c").single()["c"]
        )
        assert count == 1
    finally:
        execute_write(
            clean_neo4j, lambda tx: tx.run(f"DROP CONSTRAINT {CONSTRAINT} IF EXISTS").consume()
        )


def test_batched_unwind_writes_and_reads_back_every_row(clean_neo4j):
    rows = [{"key": f"p{i:05d}", "hops": i % 7, "name": f"Provider {i}"} for i in range(2_345)]
    batch = 1_000

    def write(tx: neo4j.ManagedTransaction, chunk: list[dict]) -> int:
        summary = tx.run(
            f"UNWIND $rows AS row CREATE (n:{LABEL}) SET n = row", rows=chunk
        ).consume()
        return summary.counters.nodes_created

    created = [
        execute_write(clean_neo4j, write, rows[i : i + batch]) for i in range(0, len(rows), batch)
    ]
    assert created == [1_000, 1_000, 345]

    def read(tx: neo4j.ManagedTransaction) -> list[dict]:
        result = tx.run(
            f"MATCH (n:{LABEL}) RETURN n.key AS key, n.hops AS hops, n.name AS name ORDER BY key"
        )
        return [r.data() for r in result]

    assert execute_read(clean_neo4j, read) == rows


def test_clean_neo4j_leaves_an_empty_database(clean_neo4j):
    count = execute_read(clean_neo4j, lambda tx: tx.run("MATCH (n) RETURN count(n) AS c").single())
    assert count["c"] == 0


def test_wrong_password_is_a_one_line_error(neo4j_driver):
    settings = neo4j_settings()
    wrong = dataclasses.replace(
        settings, password=Secret(WRONG_PASSWORD), password_source="NEO4J_PASSWORD"
    )
    with pytest.raises(Neo4jUnavailable) as caught:
        connect(wrong)
    assert str(caught.value) == (
        f"authentication failed for user {settings.username!r} at {settings.uri}; "
        "check NEO4J_PASSWORD"
    )
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_wrong_password_cli_exits_nonzero_with_one_line(neo4j_driver):
    port = _local_port()
    done = _cli("neo4j", "status", "--port", str(port), env={"NEO4J_PASSWORD": WRONG_PASSWORD})
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr == (
        f"graphengine: error: authentication failed for user 'neo4j' at bolt://127.0.0.1:{port}; "
        "check NEO4J_PASSWORD\n"
    )


def test_unreachable_server_is_a_one_line_error_naming_the_uri():
    port = _free_port()
    settings = dataclasses.replace(
        neo4j_settings({"NEO4J_PASSWORD": "whatever-123"}, password_file=Path("/nonexistent")),
        uri=f"bolt://127.0.0.1:{port}",
    )
    with pytest.raises(Neo4jUnavailable) as caught:
        connect(settings)
    assert str(caught.value).startswith(f"cannot reach Neo4j at bolt://127.0.0.1:{port}; ")
    done = _cli("neo4j", "status", "--port", str(port), env={"NEO4J_PASSWORD": "whatever-123"})
    assert done.returncode == 1
    assert done.stderr == (
        f"graphengine: error: cannot reach Neo4j at bolt://127.0.0.1:{port}; is it running? "
        "try `graphengine neo4j start`, or set NEO4J_URI\n"
    )


def test_start_on_the_running_server_is_a_no_op(neo4j_driver):
    port = _local_port()
    server = local_server.running_server()
    if server is None or server.port != port:
        if os.environ.get("CI"):
            pytest.fail("CI: the tested server is not the one `graphengine neo4j start` runs")
        pytest.skip("the tested server was not started by `graphengine neo4j start` here")
    done = _cli("neo4j", "start", "--port", str(port))
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"bolt://127.0.0.1:{port}\n"
    assert f"Neo4j is already running (pid {server.pid}," in done.stderr
    assert local_server.server_processes() == [server.pid]


@pytest.mark.slow
def test_lifecycle_of_a_second_isolated_server(tmp_path):
    """start -> start (no-op) -> status -> stop (no Java left) -> status fails, on its own home
    and port; Maven is never called because the jars are cached."""
    home = tmp_path / "neo4j-home"
    port = _free_port()
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    maven_calls = tmp_path / "maven-called"
    (fake_bin / "mvn").write_text(f"#!/bin/sh\necho called >> {maven_calls}\nexit 1\n")
    (fake_bin / "mvn").chmod(0o755)
    env = {
        "GRAPHENGINE_NEO4J_HOME": str(home),
        "GRAPHENGINE_NEO4J_HEAP": "512m",
        "GRAPHENGINE_NEO4J_PAGECACHE": "64m",
        "PATH": f"{fake_bin}{os.pathsep}{os.environ['PATH']}",
        "NEO4J_URI": f"bolt://127.0.0.1:{port}",
    }
    env_no_password = {**env}
    for name in ("NEO4J_PASSWORD", "NEO4J_USERNAME", "NEO4J_DATABASE"):
        env_no_password[name] = ""
    try:
        first = _cli("neo4j", "start", "--port", str(port), env=env_no_password)
        assert first.returncode == 0, first.stderr
        assert first.stdout == f"bolt://127.0.0.1:{port}\n"
        pids = local_server.server_processes(home)
        assert len(pids) == 1
        assert (home / "password").stat().st_mode & 0o777 == 0o600

        again = _cli("neo4j", "start", "--port", str(port), env=env_no_password)
        assert again.returncode == 0, again.stderr
        assert f"Neo4j is already running (pid {pids[0]}," in again.stderr
        assert local_server.server_processes(home) == pids

        status = _cli("neo4j", "status", env=env_no_password)
        assert status.returncode == 0, status.stderr
        assert re.fullmatch(
            rf"bolt://127\.0\.0\.1:{port}\tNeo4j Kernel \d+\.\d+\.\d+ community\n", status.stdout
        )
    finally:
        stopped = _cli("neo4j", "stop", env=env_no_password)
    assert stopped.returncode == 0, stopped.stderr
    assert f"Neo4j stopped (pid {pids[0]})" in stopped.stderr
    assert local_server.server_processes(home) == []
    assert not maven_calls.exists()

    # Without NEO4J_URI, status asks the port this home last ran on.
    after = _cli("neo4j", "status", env={**env_no_password, "NEO4J_URI": ""})
    assert after.returncode == 1
    assert after.stderr.startswith(
        f"graphengine: error: cannot reach Neo4j at bolt://127.0.0.1:{port}; "
    )
    assert after.stderr.count("\n") == 1


def test_a_server_that_dies_gives_the_log_tail_and_exit_1(tmp_path):
    """A JVM that cannot start (heap far too small) is reported with its log, not a hang."""
    home = tmp_path / "neo4j-home"
    port = _free_port()
    env = {
        "GRAPHENGINE_NEO4J_HOME": str(home),
        "GRAPHENGINE_NEO4J_HEAP": "1k",
        "NEO4J_PASSWORD": "",
        "NEO4J_URI": f"bolt://127.0.0.1:{port}",
    }
    done = _cli("neo4j", "start", "--port", str(port), "--timeout", "120", env=env)
    assert done.returncode == 1
    assert done.stdout == ""
    assert f"--- {home / 'logs' / 'console.log'} (last lines)" in done.stderr
    assert "Error occurred during initialization of VM" in done.stderr
    last = done.stderr.rstrip("\n").splitlines()[-1]
    assert re.fullmatch(
        rf"graphengine: error: the local Neo4j exited with code \d+ before Bolt came up on "
        rf"bolt://127\.0\.0\.1:{port}; see {re.escape(str(home / 'logs'))}",
        last,
    )
    assert local_server.server_processes(home) == []


def test_debug_logs_never_show_the_password(neo4j_driver):
    """`graphengine -v` logs the driver's Bolt messages; the password must not be among them."""
    port = _local_port()
    password = neo4j_settings().password.reveal()
    good = _cli("-v", "neo4j", "status", "--port", str(port), env={"NEO4J_PASSWORD": password})
    assert good.returncode == 0, good.stderr
    assert "LOGON" in good.stderr or "HELLO" in good.stderr  # the Bolt log really is there
    bad = _cli("-v", "neo4j", "status", "--port", str(port), env={"NEO4J_PASSWORD": WRONG_PASSWORD})
    assert bad.returncode == 1
    for done, secret in ((good, password), (bad, WRONG_PASSWORD)):
        assert secret not in done.stdout + done.stderr
    assert bad.stderr.splitlines()[-1].startswith("graphengine: error: authentication failed")


def test_generated_password_is_letters_and_digits(tmp_path, monkeypatch):
    """A generated password never starts with '-' (Neo4j's admin tool would read an option)."""
    monkeypatch.delenv("NEO4J_PASSWORD", raising=False)
    password = local_server._local_password(tmp_path)
    assert re.fullmatch(r"[A-Za-z0-9]{24}", password)
    assert (tmp_path / "password").read_text().strip() == password


def test_initial_password_may_start_with_a_dash(tmp_path):
    """Neo4j's own admin tool, for real, takes a user's password that looks like an option."""
    home = tmp_path / "home"
    local_server._write_conf(home, _free_port())
    local_server._set_initial_password(
        jars.java_executable(), jars.ensure_jars(), home, "-looks-like-an-option"
    )
    assert (home / "data" / "dbms" / "auth.ini").is_file()
