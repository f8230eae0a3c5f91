"""Neo4j Community's jars and the Java that runs them (for the local server).

Neo4j Community (5.26 LTS, Java 17) comes from Maven Central through the small Maven project in
``neo4j/pom.xml``: ``mvn dependency:copy-dependencies`` fills a lib folder once (the folder is
``GRAPHENGINE_NEO4J_LIB``, default ``neo4j/lib`` in the checkout, else
``~/.cache/graphengine/neo4j-<version>/lib``), and later starts reuse it without calling Maven.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

from graphengine.errors import ConfigError
from graphengine.paths import package_dir, repo_root

__all__ = ["maven_project_dir", "neo4j_version", "lib_dir", "ensure_jars", "java_executable"]

log = logging.getLogger(__name__)


def maven_project_dir() -> Path:
    """Return the folder holding ``pom.xml`` and ``neo4j.conf.template``.

    ``neo4j/`` in a checkout; ``graphengine/neo4j_project`` inside an installed wheel.
    """
    root = repo_root()
    if root is not None and (root / "neo4j" / "pom.xml").is_file():
        return root / "neo4j"
    bundled = package_dir() / "neo4j_project"
    if (bundled / "pom.xml").is_file():
        return bundled
    raise ConfigError("cannot find neo4j/pom.xml (the local Neo4j's Maven project); reinstall")


def neo4j_version() -> str:
    """Return the Neo4j version pinned in ``neo4j/pom.xml`` (e.g. ``5.26.30``)."""
    text = (maven_project_dir() / "pom.xml").read_text(encoding="utf-8")
    match = re.search(r"<neo4j\.version>([^<]+)</neo4j\.version>", text)
    if not match:
        raise ConfigError("neo4j/pom.xml has no <neo4j.version> property")
    return match.group(1).strip()


def lib_dir() -> Path:
    """Return the folder of the server's jars (``GRAPHENGINE_NEO4J_LIB`` or a default)."""
    env = os.environ.get("GRAPHENGINE_NEO4J_LIB")
    if env:
        return Path(env).expanduser().resolve()
    root = repo_root()
    if root is not None:
        return root / "neo4j" / "lib"
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "graphengine" / f"neo4j-{neo4j_version()}" / "lib"


def ensure_jars(lib: Path | None = None) -> Path:
    """Make sure the Neo4j jars are in the lib folder; fetch them with Maven the first time.

    A marker file records a complete copy, so a later call returns at once without Maven.
    Maven first runs offline (``-o``), from ``~/.m2``; only when that fails does it download.

    Returns
    -------
    pathlib.Path
        The lib folder.

    Raises
    ------
    ConfigError
        When Maven is missing or cannot fetch the jars (the message has Maven's last lines).
    """
    lib = lib or lib_dir()
    version = neo4j_version()
    marker = lib / f".complete-{version}"
    if marker.is_file():
        return lib
    mvn = shutil.which("mvn")
    if mvn is None:
        raise ConfigError(
            "Maven (`mvn`) is not on PATH; it fetches Neo4j's jars once. Install it "
            "(Debian: apt-get install maven), or set GRAPHENGINE_NEO4J_LIB to a folder of jars"
        )
    if lib.exists():
        shutil.rmtree(lib)  # a partial copy, e.g. an interrupted first start
    lib.parent.mkdir(parents=True, exist_ok=True)
    pom = maven_project_dir() / "pom.xml"
    command = [
        mvn,
        "-B",
        "-q",
        "-f",
        str(pom),
        "dependency:copy-dependencies",
        f"-DoutputDirectory={lib}",
        "-DincludeScope=runtime",
    ]
    started = time.monotonic()
    offline = subprocess.run([*command, "-o"], capture_output=True, text=True, check=False)
    if offline.returncode != 0:
        log.info("fetching Neo4j %s jars with Maven (first time only, about 125 MB)...", version)
        online = subprocess.run(command, capture_output=True, text=True, check=False)
        if online.returncode != 0:
            tail = " | ".join((online.stdout + online.stderr).strip().splitlines()[-3:])
            raise ConfigError(f"Maven could not fetch Neo4j {version} into {lib}: {tail}")
    size = sum(p.stat().st_size for p in lib.glob("*.jar"))
    log.info(
        "Neo4j %s jars ready in %s (%d jars, %.0f MB, %.0f s)",
        version,
        lib,
        len(list(lib.glob("*.jar"))),
        size / 1e6,
        time.monotonic() - started,
    )
    marker.write_text(f"{version}\n", encoding="utf-8")
    return lib


def java_executable() -> str:
    """Return the ``java`` to run Neo4j with (``JAVA_HOME`` first, then ``PATH``).

    Raises
    ------
    ConfigError
        When no Java is found, or it is older than 17.
    """
    java_home = os.environ.get("JAVA_HOME")
    candidate = Path(java_home) / "bin" / "java" if java_home else None
    java = str(candidate) if candidate and candidate.is_file() else shutil.which("java")
    if java is None:
        raise ConfigError("Java 17+ is not installed (no `java` on PATH and no JAVA_HOME)")
    out = subprocess.run([java, "-version"], capture_output=True, text=True, check=False).stderr
    match = re.search(r'version "(\d+)', out)
    major = int(match.group(1)) if match else 0
    if major < 17:
        raise ConfigError(f"Neo4j 5 needs Java 17+, but {java} is {major or 'unknown'}")
    return java
