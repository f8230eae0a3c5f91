"""`graphengine neo4j start|stop|status`: the local Neo4j for development and tests."""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import sys
from typing import Any

from graphengine.errors import ConfigError
from graphengine.store import local_server
from graphengine.store.connection import connect, server_version
from graphengine.store.settings import home_dir, neo4j_settings

__all__ = ["register"]

_HOME_HELP = (
    "The server keeps its configuration, data, logs and password in GRAPHENGINE_NEO4J_HOME "
    "(default: .neo4j at the top of the checkout); use another folder and --port for a second, "
    "isolated server."
)


def register(subparsers: Any) -> None:
    """Add the ``neo4j`` verb and its ``start``, ``stop`` and ``status`` actions."""
    parser = subparsers.add_parser(
        "neo4j",
        help="start, stop or query the local Neo4j server (development and tests)",
        description=(
            "Run a local Neo4j Community server (5.26 LTS, fetched once from Maven Central with "
            "Maven) with Bolt on 127.0.0.1 and authentication on. " + _HOME_HELP
        ),
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True

    start = actions.add_parser(
        "start",
        help="start the server in the background and wait until Bolt answers",
        description=(
            "Fetch the Neo4j jars the first time, start the server in the background and wait "
            "until the driver connects; print its Bolt URI on stdout. Does nothing when the "
            "server already runs. The password is NEO4J_PASSWORD at the first start, or a "
            "generated one written to <home>/password (mode 600). " + _HOME_HELP
        ),
    )
    _port_option(start)
    start.add_argument(
        "--timeout",
        type=float,
        default=local_server.DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"give up (and print the log's last lines) after this long "
        f"(default {local_server.DEFAULT_TIMEOUT:.0f})",
    )
    start.set_defaults(func=run_start)

    stop = actions.add_parser(
        "stop",
        help="stop the server and wait until its Java process has exited",
        description="Stop the local server cleanly (SIGTERM, then SIGKILL after 90 s). "
        + _HOME_HELP,
    )
    stop.set_defaults(func=run_stop)

    status = actions.add_parser(
        "status",
        help="print the server's URI and version (exit 1 when it does not answer)",
        description=(
            "Connect to the local server (NEO4J_USERNAME / NEO4J_PASSWORD, or the local "
            "password file) and print its URI and version from dbms.components(). " + _HOME_HELP
        ),
    )
    _port_option(
        status,
        "Bolt port to ask (default: the running server's, else a local NEO4J_URI's, else the "
        "port this home last ran on, else 7687)",
    )
    status.set_defaults(func=run_status)


def _port_option(parser: argparse.ArgumentParser, text: str | None = None) -> None:
    parser.add_argument(
        "--port",
        type=_port,
        default=None,
        metavar="P",
        help=text or "Bolt port on 127.0.0.1 (default GRAPHENGINE_NEO4J_PORT or 7687)",
    )


def _port(value: str) -> int:
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise argparse.ArgumentTypeError(f"--port {value!r} is not a TCP port (1-65535)")
    return int(value)


def run_start(args: argparse.Namespace) -> int:
    """Start the server; print its URI on stdout and what happened on stderr."""
    try:
        server = local_server.start(args.port, timeout=args.timeout)
    except local_server.Neo4jStartError as exc:
        print(exc.log_tail, file=sys.stderr)
        raise
    if server.already_running:
        note = f"Neo4j is already running (pid {server.pid}, home {server.home})"
        if args.port and args.port != server.port:
            note += f"; it listens on port {server.port}, not {args.port}"
        print(note, file=sys.stderr)
    else:
        print(f"Neo4j started (pid {server.pid}, home {server.home})", file=sys.stderr)
    print(server.uri)
    return 0


def run_stop(args: argparse.Namespace) -> int:
    """Stop the server; say whether it was running."""
    home = home_dir()
    pids = local_server.stop(home)
    if pids:
        print(f"Neo4j stopped (pid {', '.join(map(str, pids))})", file=sys.stderr)
    else:
        print(f"Neo4j was not running (home {home})", file=sys.stderr)
    return 0


def run_status(args: argparse.Namespace) -> int:
    """Print ``URI<TAB>version`` of the local server; one-line error when it does not answer."""

    server = local_server.running_server()
    settings = neo4j_settings()
    match = re.fullmatch(r"bolt://(?:127\.0\.0\.1|localhost):(\d+)/?", settings.uri)
    if match is None:
        # status is about the local server; a remote NEO4J_URI would only confuse it.
        raise ConfigError(
            f"NEO4J_URI={settings.uri} is not the local server; `graphengine neo4j status` "
            "only asks the local one (unset NEO4J_URI)"
        )
    # An explicit --port, then the running server, then an explicit NEO4J_URI, then the port
    # this home last ran on (so that `status` after `stop` names that port), then 7687.
    explicit_uri = bool(os.environ.get("NEO4J_URI"))
    if args.port:
        port = args.port
    elif server is not None:
        port = server.port
    elif explicit_uri:
        port = int(match.group(1))
    else:
        port = local_server.last_port() or int(match.group(1))
    settings = dataclasses.replace(settings, uri=f"bolt://127.0.0.1:{port}")
    with connect(settings) as driver:
        version = server_version(driver)
    where = f"pid {server.pid}, home {server.home}" if server else "not started by graphengine"
    print(f"{settings.uri}\t{version}")
    print(f"Neo4j is running ({where})", file=sys.stderr)
    return 0
