"""The local Neo4j server for development and tests: start, stop, status.

The jars come from :mod:`graphengine.store.jars`. The server runs Neo4j's own entry point
(``org.neo4j.server.CommunityEntryPoint``) as one detached Java process, with Bolt on
``127.0.0.1:<port>``, HTTP off and authentication on. Its configuration, data, logs, pid file and
password live in one project-local folder.

Environment variables
---------------------
``GRAPHENGINE_NEO4J_HOME``
    The server's folder (conf, data, logs, run, password); default ``.neo4j`` at the top of the
    checkout (or of the working directory when graphengine is installed). Use another folder
    and ``--port`` to run a second, isolated server.
``GRAPHENGINE_NEO4J_PORT``
    Default Bolt port (7687).
``GRAPHENGINE_NEO4J_LIB``
    The jar folder; default ``neo4j/lib`` in the checkout, else
    ``~/.cache/graphengine/neo4j-<version>/lib``.
``GRAPHENGINE_NEO4J_HEAP``, ``GRAPHENGINE_NEO4J_PAGECACHE``
    JVM heap (default ``1g``) and page cache (default ``1g``).
``NEO4J_PASSWORD``
    The password set at the first start; when unset, one is generated into
    ``<home>/password`` (mode 600).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import re
import secrets
import signal
import socket
import string
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from neo4j.exceptions import AuthError, ServiceUnavailable

import neo4j
from graphengine.errors import ConfigError, Neo4jUnavailable
from graphengine.store.jars import ensure_jars, java_executable, maven_project_dir, neo4j_version
from graphengine.store.settings import home_dir, load_dotenv_once, local_password_file

__all__ = [
    "DEFAULT_PORT",
    "LocalServer",
    "Neo4jStartError",
    "last_port",
    "log_tail",
    "restrict_permissions",
    "running_server",
    "server_processes",
    "start",
    "stop",
]

log = logging.getLogger(__name__)

DEFAULT_PORT = 7687
DEFAULT_TIMEOUT = 180.0
ENTRY_POINT = "org.neo4j.server.CommunityEntryPoint"
ADMIN_TOOL = "org.neo4j.cli.AdminTool"

#: umask of the server and its admin tool: the store (victims' numbers included), auth.ini and
#: logs are readable by the owner only (files 0600, folders 0700).
PRIVATE_UMASK = 0o077

# The flags of Neo4j's shipped configuration that the server needs on Java 17.
JVM_FLAGS = (
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+ExitOnOutOfMemoryError",
    "-XX:+UnlockExperimentalVMOptions",
    "-XX:+TrustFinalNonStaticFields",
    "-XX:+DisableExplicitGC",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Dlog4j2.disable.jmx=true",
    "-Dfile.encoding=UTF-8",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
)


class Neo4jStartError(Neo4jUnavailable):
    """The local server did not come up; ``log_tail`` holds the last lines of its log."""

    def __init__(self, message: str, log_tail: str = "") -> None:
        super().__init__(message)
        self.log_tail = log_tail


@dataclass(frozen=True)
class LocalServer:
    """A running local server.

    Attributes
    ----------
    pid : int
        Process id of the server's Java process.
    port : int
        Bolt port on 127.0.0.1.
    home : Path
        The server's folder.
    already_running : bool
        ``True`` when :func:`start` found it running and did nothing.
    """

    pid: int
    port: int
    home: Path
    already_running: bool = False

    @property
    def uri(self) -> str:
        """The Bolt URI, ``bolt://127.0.0.1:<port>``."""
        return f"bolt://127.0.0.1:{self.port}"


# --------------------------------------------------------------------------- locations


def default_port() -> int:
    """Return ``GRAPHENGINE_NEO4J_PORT`` or 7687."""
    value = os.environ.get("GRAPHENGINE_NEO4J_PORT", "").strip()
    if not value:
        return DEFAULT_PORT
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise ConfigError(f"GRAPHENGINE_NEO4J_PORT={value!r} is not a TCP port (1-65535)")
    return int(value)


# --------------------------------------------------------------------------- processes


def _cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def server_processes(home: Path | None = None) -> list[int]:
    """Return the pids of Neo4j server processes running with this home folder."""
    home = (home or home_dir()).resolve()
    wanted = f"--home-dir={home}"
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            args = _cmdline(int(entry.name))
            if ENTRY_POINT in args and wanted in args:
                pids.append(int(entry.name))
    return sorted(pids)


def _state_file(home: Path) -> Path:
    return home / "run" / "graphengine-neo4j.json"


def running_server(home: Path | None = None) -> LocalServer | None:
    """Return the running local server of ``home``, or ``None`` when it is not running."""
    home = (home or home_dir()).resolve()
    try:
        state = json.loads(_state_file(home).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        state = {}
    pids = server_processes(home)
    if not pids:
        return None
    pid = int(state.get("pid", 0))
    port = int(state.get("port", DEFAULT_PORT))
    return LocalServer(pid=pid if pid in pids else pids[0], port=port, home=home)


def last_port(home: Path | None = None) -> int | None:
    """Return the Bolt port the server of ``home`` was last started on, or ``None``."""
    try:
        state = json.loads(_state_file((home or home_dir()).resolve()).read_text(encoding="utf-8"))
        return int(state["port"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1.0)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@contextlib.contextmanager
def _locked(home: Path) -> Iterator[None]:
    """Serialise start/stop of one home folder between processes."""
    (home / "run").mkdir(parents=True, exist_ok=True)
    with open(home / "run" / "graphengine.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def log_tail(home: Path | None = None, lines: int = 25) -> str:
    """Return the last ``lines`` lines of the server's log (``neo4j.log``, else its console)."""
    logs = (home or home_dir()) / "logs"
    parts = []
    for name in ("neo4j.log", "console.log"):
        path = logs / name
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace").splitlines()
            if text:
                parts.append(f"--- {path} (last lines)\n" + "\n".join(text[-lines:]))
    return "\n".join(parts) or f"(no log in {logs})"


# --------------------------------------------------------------------------- password and conf


def _local_password(home: Path) -> str:
    """Return the password of the local server; create the password file if needed.

    ``NEO4J_PASSWORD`` wins; otherwise the password file; otherwise a new random password.
    The file (mode 600) always holds the password the server was initialised with.
    """
    load_dotenv_once()
    path = local_password_file(home)
    given = os.environ.get("NEO4J_PASSWORD")
    if given:
        if len(given) < 8:
            raise ConfigError("NEO4J_PASSWORD is too short for Neo4j: use at least 8 characters")
        password = given
    elif path.is_file():
        return path.read_text(encoding="utf-8").strip()
    else:
        # Letters and digits only: easy to paste, and never mistaken for a command-line option.
        alphabet = string.ascii_letters + string.digits
        password = "".join(secrets.choice(alphabet) for _ in range(24))
    if not (home / "data" / "dbms" / "auth.ini").exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(password + "\n")
        os.chmod(path, 0o600)
    return password


def _write_conf(home: Path, port: int) -> Path:
    template = (maven_project_dir() / "neo4j.conf.template").read_text(encoding="utf-8")
    pagecache = os.environ.get("GRAPHENGINE_NEO4J_PAGECACHE", "1g")
    heap = os.environ.get("GRAPHENGINE_NEO4J_HEAP", "1g")
    for name, value in (
        ("GRAPHENGINE_NEO4J_PAGECACHE", pagecache),
        ("GRAPHENGINE_NEO4J_HEAP", heap),
    ):
        if not re.fullmatch(r"\d+[kmgKMG]", value):
            raise ConfigError(f"{name}={value!r} is not a memory size such as 512m or 2g")
    dirs = {name: home / name for name in ("data", "logs", "import", "plugins", "run", "conf")}
    for folder in dirs.values():
        folder.mkdir(parents=True, exist_ok=True)
    text = string.Template(template).substitute(
        port=port,
        data_dir=dirs["data"],
        logs_dir=dirs["logs"],
        import_dir=dirs["import"],
        plugins_dir=dirs["plugins"],
        run_dir=dirs["run"],
        pagecache=pagecache,
        # Transactions may take up to 70% of the heap, Neo4j's own default ratio.
        tx_memory=_tx_memory(heap),
    )
    conf = dirs["conf"] / "neo4j.conf"
    conf.write_text(text, encoding="utf-8")
    return conf


def _tx_memory(heap: str) -> str:
    units = {"k": 1, "m": 1024, "g": 1024 * 1024}
    kib = int(heap[:-1]) * units[heap[-1].lower()]
    return f"{max(kib * 7 // 10 // 1024, 64)}m"


def _set_initial_password(java: str, lib: Path, home: Path, password: str) -> None:
    if (home / "data" / "dbms" / "auth.ini").exists():
        return
    env = {**os.environ, "NEO4J_HOME": str(home), "NEO4J_CONF": str(home / "conf")}
    # The password never goes on a command line, where `ps` shows it to every local user: it
    # goes in an argument file (mode 0600, deleted right after) that the admin tool's option
    # parser (picocli) expands from "@path". "--" ends the options, so a password starting
    # with "-" is still a password; the quotes and backslash escapes keep spaces and quotes.
    args_file = home / "run" / f"initial-password.{os.getpid()}.args"
    args_file.parent.mkdir(parents=True, exist_ok=True)
    quoted = '"' + password.replace("\\", "\\\\").replace('"', '\\"') + '"'
    fd = os.open(args_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(f"--\n{quoted}\n")
        done = subprocess.run(
            [java, "-cp", f"{lib}/*", ADMIN_TOOL, "dbms", "set-initial-password", f"@{args_file}"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
            umask=PRIVATE_UMASK,
        )
    finally:
        args_file.unlink(missing_ok=True)
    if done.returncode != 0:
        detail = (done.stdout + done.stderr).replace(password, "***").strip().splitlines()
        raise ConfigError(
            "neo4j-admin dbms set-initial-password failed: " + (detail[-1] if detail else "")
        )


def restrict_permissions(home: Path) -> None:
    """Make ``home`` and everything in it private to its owner: folders 0700, files 0600.

    New files are created that way by :data:`PRIVATE_UMASK`; this repairs a home made by an
    older version (0755 folders, 0644 store files). Links are left alone.
    """
    os.chmod(home, 0o700)
    for root, dirs, files in os.walk(home):
        for name in dirs:
            path = Path(root) / name
            if not path.is_symlink():
                os.chmod(path, 0o700)
        for name in files:
            path = Path(root) / name
            if not path.is_symlink():
                os.chmod(path, 0o600)


# --------------------------------------------------------------------------- start / stop


def start(
    port: int | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    home: Path | None = None,
) -> LocalServer:
    """Start the local server in the background and wait until Bolt accepts a connection.

    A second call while the server runs does nothing and returns it with
    ``already_running=True``.

    Parameters
    ----------
    port
        Bolt port on 127.0.0.1 (default ``GRAPHENGINE_NEO4J_PORT`` or 7687).
    timeout
        Seconds to wait for the server (the driver's ``verify_connectivity``).
    home
        The server's folder (default :func:`home_dir`).

    Returns
    -------
    LocalServer
        The running server (``uri``, ``pid``, ``port``).

    Raises
    ------
    ConfigError
        Java or Maven missing, bad memory settings, or the port taken by another program.
    Neo4jStartError
        The server died or did not answer within ``timeout``; ``log_tail`` has its log.
    Neo4jUnavailable
        The server answered but refused the password (it was initialised with another).
    """
    home = (home or home_dir()).resolve()
    port = port or default_port()
    home.mkdir(parents=True, exist_ok=True)
    restrict_permissions(home)
    with _locked(home):
        current = running_server(home)
        if current is not None:
            return LocalServer(current.pid, current.port, home, already_running=True)
        if _port_in_use(port):
            raise ConfigError(
                f"port {port} on 127.0.0.1 is already in use by another program; pass "
                "--port (or GRAPHENGINE_NEO4J_PORT) to use another one"
            )
        java = java_executable()
        lib = ensure_jars()
        _write_conf(home, port)
        password = _local_password(home)
        _set_initial_password(java, lib, home, password)
        restrict_permissions(home)  # the folders just made above
        heap = os.environ.get("GRAPHENGINE_NEO4J_HEAP", "1g")
        command = [
            java,
            f"-Xms{heap}",
            f"-Xmx{heap}",
            *JVM_FLAGS,
            "-cp",
            f"{lib}/*",
            ENTRY_POINT,
            f"--home-dir={home}",
            f"--config-dir={home / 'conf'}",
        ]
        console = open(home / "logs" / "console.log", "ab")  # noqa: SIM115 - handed to the child
        with console:
            # A new session: the server outlives this command and ignores its Ctrl-C.
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=console,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                cwd=home,
                umask=PRIVATE_UMASK,
            )
        state = {"pid": process.pid, "port": port, "version": neo4j_version()}
        _state_file(home).write_text(json.dumps(state), encoding="utf-8")
        server = LocalServer(process.pid, port, home)
        try:
            _wait_for_bolt(server, process, password, timeout)
        except KeyboardInterrupt:
            # Ctrl-C while waiting: do not leave a half-started server behind.
            _terminate([process.pid])
            raise
        return server


def _wait_for_bolt(
    server: LocalServer, process: subprocess.Popen[bytes], password: str, timeout: float
) -> None:
    # why: the driver takes seconds to import here; `graphengine neo4j stop` never needs it

    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise Neo4jStartError(
                f"the local Neo4j exited with code {process.returncode} before Bolt came up "
                f"on {server.uri}; see {server.home / 'logs'}",
                log_tail(server.home),
            )
        try:
            with neo4j.GraphDatabase.driver(
                server.uri, auth=("neo4j", password), connection_timeout=2.0
            ) as driver:
                driver.verify_connectivity()
            return
        except AuthError:
            raise Neo4jUnavailable(
                f"the local Neo4j at {server.uri} refused the password: it was initialised with "
                f"the one in {local_password_file(server.home)}; unset NEO4J_PASSWORD (or stop it and "
                f"delete {server.home / 'data'} to start afresh)"
            ) from None
        except (ServiceUnavailable, OSError):
            pass
        if time.monotonic() > deadline:
            _terminate([process.pid])
            raise Neo4jStartError(
                f"the local Neo4j did not accept Bolt connections on {server.uri} within "
                f"{timeout:.0f} s (stopped it); see {server.home / 'logs'}",
                log_tail(server.home),
            )
        time.sleep(0.25)


def _terminate(pids: list[int], grace: float = 90.0) -> None:
    """SIGTERM (Neo4j shuts down cleanly), then SIGKILL whatever is left after ``grace`` s."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    alive = list(pids)
    while alive and time.monotonic() < deadline:
        time.sleep(0.3)
        for pid in list(alive):
            _reap(pid)
            if not Path(f"/proc/{pid}").exists() or _is_zombie(pid):
                alive.remove(pid)
    for pid in alive:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        _reap(pid)


def _reap(pid: int) -> None:
    # Only our own children can be reaped; others are reaped by their parent (or init).
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def _is_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] == "Z"


def stop(home: Path | None = None) -> list[int]:
    """Stop the local server of ``home`` and wait until no Java process of it is left.

    Returns
    -------
    list of int
        The pids that were stopped (empty when it was not running).
    """
    home = (home or home_dir()).resolve()
    if not home.exists():
        return []
    with _locked(home):
        pids = server_processes(home)
        _terminate(pids)
        # The state file stays: it remembers the port for `status` after a stop.
        return pids
