"""A non-editable install ships the saved queries (cypher/*.cypher) and the local Neo4j project."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from graphengine.store.jars import neo4j_version

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def _run(*args: str | Path, cwd: Path | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, cwd=cwd, timeout=900, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", out, REPO)
    (built,) = out.glob("graphengine-*.whl")
    return built


def test_wheel_holds_every_saved_query_and_the_neo4j_project(wheel):
    saved = sorted(p.name for p in (REPO / "cypher").glob("*.cypher"))
    assert saved, "cypher/ holds no saved query"
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {f"graphengine/cypher/{name}" for name in saved} <= names
    assert "graphengine/neo4j_project/pom.xml" in names
    assert "graphengine/neo4j_project/neo4j.conf.template" in names
    assert not any("/lib/" in n and n.endswith(".jar") for n in names)
    for name in saved:
        packed = zipfile.ZipFile(wheel).read(f"graphengine/cypher/{name}")
        assert packed == (REPO / "cypher" / name).read_bytes()


def test_installed_package_finds_its_queries_outside_the_checkout(wheel, tmp_path):
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", venv)
    _run(venv / "bin" / "python", "-m", "pip", "install", "-q", "--no-deps", wheel)
    probe = (
        "from graphengine.paths import queries_dir, repo_root\n"
        "from graphengine.store.jars import maven_project_dir, neo4j_version\n"
        "print(repo_root())\n"
        "print(queries_dir())\n"
        "print(sorted(p.name for p in queries_dir().glob('*.cypher')))\n"
        "print(maven_project_dir(), neo4j_version())\n"
    )
    # Run from an unrelated folder so that nothing of the checkout is importable.
    lines = _run(venv / "bin" / "python", "-c", probe, cwd=tmp_path).splitlines()
    site = venv / "lib"
    assert lines[0] == "None"
    assert Path(lines[1]).name == "cypher" and Path(lines[1]).is_relative_to(site)
    assert lines[2] == str(sorted(p.name for p in (REPO / "cypher").glob("*.cypher")))
    assert lines[3] == f"{site_package(lines[1])}/neo4j_project {neo4j_version()}"


def site_package(queries: str) -> str:
    """The installed graphengine package folder, given its installed queries folder."""
    return str(Path(queries).parent)
