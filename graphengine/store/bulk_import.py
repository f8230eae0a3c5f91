"""``graphengine load --bulk``: an initial import through ``neo4j-admin database import full``.

For a first load of millions of hops into an empty database, writing store files directly is
an order of magnitude faster than transactions. The steps:

1. check that the target is the **local** server (``graphengine neo4j``), that the database is
   the one Community serves (its default database, ``neo4j``) and that it is empty;
2. write header-typed CSVs from the canonical frames (:mod:`graphengine.store.bulk_csv`),
   with integer node ids (``--id-type=actual``), while the server stops;
3. run the admin tool (``org.neo4j.cli.AdminTool``, in the jars the server runs from) with
   ``--overwrite-destination``, start the server again;
4. create the constraints and indexes of a batched load (:func:`ensure_schema`: one
   transaction, awaited) and store the empty lists the CSV format cannot express.

The result is the graph a batched :func:`graphengine.store.load_frames` builds from the same
frames (tested with :func:`graphengine.store.graph_fingerprint`), so later incremental loads
skip every imported traceback. A remote server cannot be imported into from here (the tool
writes the server's files with the server stopped): :class:`BulkImportUnavailable` says so.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pandas as pd

from graphengine.errors import GraphengineError, Neo4jUnavailable
from graphengine.store import jars
from graphengine.store import local_server as neo4j_local
from graphengine.store import statements as S
from graphengine.store.bulk_csv import ImportFiles, check_frames, write_import_csvs
from graphengine.store.connection import connect
from graphengine.store.load import LoadReport, ensure_schema
from graphengine.store.read import graph_counts
from graphengine.store.settings import Neo4jSettings, home_dir, neo4j_settings

__all__ = ["BulkImportUnavailable", "bulk_load", "import_arguments", "local_target"]

#: memory of the admin tool: JVM heap and the off-heap structures of the importer.
IMPORT_HEAP = "1g"
IMPORT_OFF_HEAP = "2g"


class BulkImportUnavailable(GraphengineError):
    """``--bulk`` cannot run against this server or database; the message says what to do."""


def _host_port(uri: str) -> tuple[str, int | None]:
    rest = uri.split("://", 1)[-1].split("/", 1)[0]
    host, _, port = rest.rpartition(":")
    if not host:
        return rest.strip("[]"), None
    return host.strip("[]"), int(port) if port.isdigit() else None


def local_target(settings: Neo4jSettings, home: Path) -> int:
    """Return the Bolt port of the local server of ``home`` that ``settings`` point at.

    Raises
    ------
    BulkImportUnavailable
        When ``NEO4J_URI`` names another server (remote, or not the one of ``home``).
    """
    host, port = _host_port(settings.uri)
    server = neo4j_local.running_server(home)
    local_port = server.port if server is not None else neo4j_local.last_port(home)
    if host in {"127.0.0.1", "localhost", "::1"} and port is not None and port == local_port:
        return port
    raise BulkImportUnavailable(
        f"--bulk imports only into the local server of {home} (port {local_port or 'unknown'}): "
        f"neo4j-admin writes the store files with the server stopped, which cannot be done "
        f"over {settings.uri}; load without --bulk (transactional batches), or run "
        "neo4j-admin database import full on that server's host"
    )


def _database(settings: Neo4jSettings, port: int, home: Path) -> str:
    """The database to import into: Community serves one user database, its default."""
    default = "neo4j"
    if neo4j_local.running_server(home) is not None:
        with connect(settings) as driver:
            records, _, _ = driver.execute_query(S.SHOW_DEFAULT_DATABASE, database_="system")
            default = str(records[0]["name"])
    wanted = settings.database or default
    if wanted != default:
        raise BulkImportUnavailable(
            f"NEO4J_DATABASE={wanted!r}: the local Neo4j (Community) serves one user database, "
            f"{default!r}; unset NEO4J_DATABASE to import into it"
        )
    return default


def _check_empty(settings: Neo4jSettings, database: str) -> None:
    with connect(settings) as driver:
        records, _, _ = driver.execute_query(S.ANY_NODE, database_=database)
    if records:
        raise BulkImportUnavailable(
            f"database {database!r} is not empty; --bulk imports into an empty database only "
            "(load without --bulk to add to it)"
        )


def import_arguments(files: ImportFiles, database: str) -> list[str]:
    """Return the admin tool's arguments after ``org.neo4j.cli.AdminTool`` for ``files``.

    Examples
    --------
    >>> from pathlib import Path
    >>> f = ImportFiles(Path("/d"), nodes=[("Provider", Path("/d/provider.csv"))])
    >>> import_arguments(f, "neo4j")[:4]
    ['database', 'import', 'full', '--overwrite-destination=true']
    """
    args = [
        "database",
        "import",
        "full",
        "--overwrite-destination=true",
        "--id-type=actual",  # bulk_csv numbers the nodes itself (see _NodeIds)
        f"--array-delimiter={_delimiter_option(files.array_delimiter)}",
        f"--multiline-fields={'true' if files.multiline else 'false'}",
        f"--max-off-heap-memory={IMPORT_OFF_HEAP}",
        f"--report-file={files.folder / 'import.report'}",
    ]
    args += [f"--nodes={label}={path}" for label, path in files.nodes]
    args += [f"--relationships={kind}={path}" for kind, path in files.relationships]
    return [*args, "--", database]


def _delimiter_option(ch: str) -> str:
    return ch if ch.isprintable() else f"U+{ord(ch):04X}"


def _run_import(files: ImportFiles, database: str, home: Path) -> None:
    java = jars.java_executable()
    lib = jars.ensure_jars()
    env = {**os.environ, "NEO4J_HOME": str(home), "NEO4J_CONF": str(home / "conf")}
    command = [java, f"-Xmx{IMPORT_HEAP}", "-cp", f"{lib}/*", neo4j_local.ADMIN_TOOL]
    done = subprocess.run(
        command + import_arguments(files, database),
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        lines = [x for x in (done.stdout + done.stderr).strip().splitlines() if x.strip()]
        detail = next((x for x in reversed(lines) if "rror" in x), lines[-1] if lines else "")
        raise GraphengineError(
            f"neo4j-admin database import failed (exit {done.returncode}): {detail.strip()}; "
            f"the files are kept in {files.folder}"
        )


def _restart_after(
    failure: BaseException, stopping: Future[list[int]], port: int | None, home: Path
) -> None:
    """Start the server again (on ``port``; ``None``: it was not running) after ``failure``,
    which stays the error reported: a failed stop or start is added to it as a note."""
    try:
        stopping.result()
        if port is not None:
            neo4j_local.start(port, home=home)
    except Exception as exc:  # noqa: BLE001 - reported on the original error
        failure.add_note(f"and the local Neo4j could not be started again: {exc}")


def bulk_load(
    hops: pd.DataFrame,
    providers: pd.DataFrame | None = None,
    *,
    settings: Neo4jSettings | None = None,
    home: Path | None = None,
    replace: bool = False,
    keep_files: Path | None = None,
) -> LoadReport:
    """Import a canonical hop frame (and provider frame) into the local server's empty database.

    Parameters
    ----------
    hops, providers
        Canonical frames, as for :func:`graphengine.store.load_frames`.
    settings
        Where the graph should go (default: the environment); it must be the local server.
    home
        The local server's folder (default :func:`graphengine.store.settings.home_dir`).
    replace
        Import even when the database holds a graph, which is then **replaced** (benchmarks
        and tests); the CLI never sets it.
    keep_files
        Write the CSVs there and keep them; by default they go to a temporary folder inside
        the server's folder and are deleted after a successful import.

    Returns
    -------
    LoadReport
        ``written`` holds the rows of each file, ``graph`` the counts read back, ``timings``
        the seconds of each phase (csv, stop: what was left of the server's shutdown once
        the CSVs were written, import, start, schema, fixups, counts).

    Raises
    ------
    BulkImportUnavailable
        The target is not the local server, the database is not the one it serves, or it is
        not empty.
    SchemaError
        A frame does not follow the canonical schema (checked before the server is stopped).
    GraphengineError
        The admin tool failed (its last error line; the CSVs are kept).
    OSError
        Writing the CSVs failed (a full disk, say); the server is running again.
    """
    started = time.perf_counter()
    settings = settings or neo4j_settings()
    home = (home or home_dir()).resolve()
    port = local_target(settings, home)
    database = _database(settings, port, home)
    running = neo4j_local.running_server(home) is not None
    if running and not replace:
        _check_empty(settings, database)
    check_frames(hops, providers)  # before the server is stopped
    report = LoadReport(hops=len(hops), tracebacks=0)  # counted by the CSV writer below
    laps = report.timings
    mark = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        laps[name] = now - mark
        mark = now

    if keep_files is not None:
        folder = Path(keep_files)
    else:
        (home / "import").mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix="bulk-", dir=home / "import"))
    # The server shuts down (a checkpoint, then the JVM exits: seconds) while the CSVs are
    # written; if writing fails it is started again, so a failed call leaves it as it was.
    with ThreadPoolExecutor(max_workers=1) as pool:
        stopping = pool.submit(neo4j_local.stop, home)
        try:
            files = write_import_csvs(hops, providers, folder, checked=True)
        except BaseException as failure:
            _restart_after(failure, stopping, port if running else None, home)
            raise
        lap("csv")
        stopping.result()
    lap("stop")
    _run_import(files, database, home)
    lap("import")
    try:
        neo4j_local.start(port, home=home)
    except Neo4jUnavailable as exc:
        raise GraphengineError(f"the import finished but the server did not start: {exc}") from None
    lap("start")
    with connect(settings) as driver:
        ensure_schema(driver, database=database, together=True)
        lap("schema")
        driver.execute_query(S.EMPTY_ALIASES, database_=database)
        driver.execute_query(S.EMPTY_SENDS_TO_CAMPAIGNS, database_=database)
        lap("fixups")
        report.graph = graph_counts(driver, database=database)
        lap("counts")
    report.written = dict(files.counts)
    report.tracebacks = report.tracebacks_written = files.counts.get("Traceback", 0)
    report.hops_written = files.counts.get("HOP", 0)
    report.providers_refreshed = 0
    report.seconds = time.perf_counter() - started
    if report.graph.get("HOP") != files.counts.get("HOP"):
        raise GraphengineError(
            f"the import wrote {report.graph.get('HOP')} HOP edges, expected "
            f"{files.counts.get('HOP')}; see {files.folder / 'import.report'}"
        )
    if keep_files is None:
        shutil.rmtree(folder, ignore_errors=True)
    return report
