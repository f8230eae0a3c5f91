"""Issue 15 items 6, 7 and 9 on a second, private Neo4j (its own home and port):

* item 7: during a fresh start no process shows the password on its command line (every
  ``/proc/*/cmdline`` is read while the start runs); the home is 0700, its files 0600;
* item 6: the server is SIGKILLed in the middle of ``graphengine load``: the load ends with one
  line naming the URI and what to do, no driver traceback; after a restart the same command
  resumes to the graph a clean load makes;
* item 9: ``neo4j stop --port`` refuses a port the server does not listen on, and stops it on
  its own port.
"""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from graphengine import store
from graphengine.store.connection import connect
from graphengine.store.settings import Neo4jSettings, Secret
from graphengine.synthetic import generate

pytestmark = pytest.mark.neo4j

#: the port this issue's second server uses when it is free (else any free one)
PREFERRED_PORT = 7625


def _free_port() -> int:
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", PREFERRED_PORT)) != 0:
            return PREFERRED_PORT
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        return int(free.getsockname()[1])


def _cmdlines() -> list[str]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                out.append((entry / "cmdline").read_bytes().replace(b"\0", b" ").decode())
            except OSError:
                continue
    return out


@pytest.fixture(scope="module")
def private_server(tmp_path_factory):
    home = tmp_path_factory.mktemp("second") / "neo4j"
    port = _free_port()
    env = {**os.environ, "GRAPHENGINE_NEO4J_HOME": str(home), "GRAPHENGINE_PROGRESS": "0"}
    env.pop("NEO4J_PASSWORD", None)  # a generated password, as on a fresh clone
    env["NEO4J_URI"] = f"bolt://127.0.0.1:{port}"
    yield home, port, env
    subprocess.run(
        [sys.executable, "-m", "graphengine.cli.main", "neo4j", "stop"],
        env=env,
        capture_output=True,
        timeout=180,
    )


def _ge(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "graphengine.cli.main", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _driver(home: Path, port: int):
    password = (home / "password").read_text(encoding="utf-8").strip()
    settings = Neo4jSettings(
        uri=f"bolt://127.0.0.1:{port}",
        username="neo4j",
        password=Secret(password),
        database=None,
        password_source=str(home / "password"),
    )
    return connect(settings)


def test_a_fresh_start_keeps_the_password_off_command_lines(private_server) -> None:
    home, port, env = private_server
    starting = subprocess.Popen(
        [sys.executable, "-m", "graphengine.cli.main", "neo4j", "start", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen: set[str] = set()
    while starting.poll() is None:
        seen.update(_cmdlines())
        time.sleep(0.01)
    _, err = starting.communicate()
    assert starting.returncode == 0, err
    password = (home / "password").read_text(encoding="utf-8").strip()
    # (other servers on this machine may run their own admin tool: keep ours, by its home)
    admin = [c for c in seen if "set-initial-password" in c and str(home) in c]
    assert admin, "the scan never saw the admin tool run"
    assert all(f"@{home}/run/initial-password" in c for c in admin)  # an argument file
    assert not [c for c in seen if password in c]
    assert not list((home / "run").glob("initial-password*"))  # the file is gone

    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    auth = home / "data" / "dbms" / "auth.ini"
    assert stat.S_IMODE(auth.stat().st_mode) == 0o600
    store_files = [p for p in (home / "data").rglob("*") if p.is_file()]
    assert len(store_files) > 10
    loose = {str(p): oct(stat.S_IMODE(p.stat().st_mode)) for p in store_files}
    loose = {p: m for p, m in loose.items() if m != "0o600"}
    assert loose == {}
    folders = [p for p in home.rglob("*") if p.is_dir()]
    assert {oct(stat.S_IMODE(p.stat().st_mode)) for p in folders} == {"0o700"}


def test_a_server_killed_mid_load_gives_one_line_and_the_rerun_resumes(
    private_server, tmp_path
) -> None:
    home, port, env = private_server
    if not (home / "password").exists():
        pytest.fail("the fresh-start test must run first (it starts the server)")
    data = generate(tmp_path / "syn", tracebacks=500, seed=15, show_progress=False)
    args = ["load", str(data.hops), "--batch-size", "25", "--quarantine", str(tmp_path / "q.csv")]
    with _driver(home, port) as driver:
        store.clear_database(driver)
        child = subprocess.Popen(
            [sys.executable, "-m", "graphengine.cli.main", *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and child.poll() is None:
            if store.graph_counts(driver)["Traceback"] > 0:
                break
            time.sleep(0.02)
    assert child.poll() is None, "the load finished before the server could be killed"
    pid = int((home / "run" / "neo4j.pid").read_text().strip())
    os.kill(pid, signal.SIGKILL)
    _, err = child.communicate(timeout=120)
    assert child.returncode == 1
    lines = err.strip().splitlines()
    assert lines == [lines[-1]]  # one line, no retry noise, no traceback
    assert lines[-1].startswith(
        f"graphengine: error: Neo4j at bolt://127.0.0.1:{port} stopped answering during the load"
    )
    assert lines[-1].endswith(
        "start the server again (graphengine neo4j start) and re-run the same command, "
        "the load resumes where it stopped"
    )

    restarted = _ge(env, "neo4j", "start", "--port", str(port))
    assert restarted.returncode == 0, restarted.stderr
    resumed = _ge(env, *args)
    assert resumed.returncode == 0, resumed.stderr
    with _driver(home, port) as driver:
        after_resume = store.graph_counts(driver), store.graph_fingerprint(driver)
        assert after_resume[0]["Traceback"] == 500
        store.clear_database(driver)
        assert _ge(env, *args).returncode == 0
        assert (store.graph_counts(driver), store.graph_fingerprint(driver)) == after_resume


def test_stop_takes_a_port_and_refuses_the_wrong_one(private_server) -> None:
    home, port, env = private_server
    wrong = _ge(env, "neo4j", "stop", "--port", str(port + 1))
    assert wrong.returncode != 0
    assert wrong.stderr.strip().splitlines()[-1] == (
        f"graphengine: error: the Neo4j of home {home.resolve()} listens on port {port}, not "
        f"{port + 1}; nothing was stopped (set GRAPHENGINE_NEO4J_HOME to the home of the "
        f"server on port {port + 1})"
    )
    stopped = _ge(env, "neo4j", "stop", "--port", str(port))
    assert stopped.returncode == 0
    assert stopped.stderr.startswith("Neo4j stopped (pid ")
