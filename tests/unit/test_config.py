"""Neo4j settings, secrets, one-line connection errors and the local server's plumbing (no server)."""

from __future__ import annotations

import os
import socket

import pytest
from neo4j.exceptions import AuthError, ServiceUnavailable

from graphengine.errors import ConfigError
from graphengine.paths import queries_dir
from graphengine.store import local_server, settings
from graphengine.store.connection import unavailable_error
from graphengine.store.settings import Neo4jSettings, Secret, neo4j_settings

PASSWORD = "s3cret-Pa55word"


def _settings(**env: str) -> Neo4jSettings:
    return neo4j_settings(env, password_file=None)


def test_defaults_point_at_the_local_server(tmp_path):
    s = neo4j_settings({"NEO4J_PASSWORD": PASSWORD}, password_file=tmp_path / "none")
    assert (s.uri, s.username, s.database, s.password_source) == (
        "bolt://127.0.0.1:7687",
        "neo4j",
        None,
        "NEO4J_PASSWORD",
    )
    assert s.auth == ("neo4j", PASSWORD)


def test_every_variable_is_read(tmp_path):
    s = neo4j_settings(
        {
            "NEO4J_URI": "neo4j+s://abc.databases.example:7687",
            "NEO4J_USERNAME": "investigator",
            "NEO4J_PASSWORD": PASSWORD,
            "NEO4J_DATABASE": "cases",
        },
        password_file=tmp_path / "none",
    )
    assert (s.uri, s.username, s.database) == (
        "neo4j+s://abc.databases.example:7687",
        "investigator",
        "cases",
    )


def test_missing_password_names_the_setting(tmp_path):
    with pytest.raises(ConfigError, match=r"^NEO4J_PASSWORD is not set; export it"):
        neo4j_settings({}, password_file=tmp_path / "no-such-file")


def test_bad_uri_names_the_setting(tmp_path):
    with pytest.raises(ConfigError, match=r"^NEO4J_URI='http://x:7474' is not a Neo4j URI"):
        neo4j_settings(
            {"NEO4J_URI": "http://x:7474", "NEO4J_PASSWORD": PASSWORD},
            password_file=tmp_path / "none",
        )


def test_local_password_file_is_used_for_a_local_uri_only(tmp_path):
    file = tmp_path / "password"
    file.write_text("from-the-file\n")
    local = neo4j_settings({"NEO4J_URI": "bolt://localhost:7690"}, password_file=file)
    assert local.password.reveal() == "from-the-file"
    assert local.password_source == str(file)
    # The local server's password is never sent to a remote server.
    with pytest.raises(ConfigError, match="NEO4J_PASSWORD is not set"):
        neo4j_settings({"NEO4J_URI": "neo4j+s://remote.example:7687"}, password_file=file)


def test_password_never_shows(tmp_path):
    s = neo4j_settings({"NEO4J_PASSWORD": PASSWORD}, password_file=tmp_path / "none")
    for text in (repr(s), str(s), f"{s}", f"{s.password}", str(s.password), repr(s.password)):
        assert PASSWORD not in text
    assert "Secret('***')" in repr(s)
    assert Secret(PASSWORD) == s.password


def test_auth_error_is_one_line_without_the_password(tmp_path):
    s = neo4j_settings(
        {"NEO4J_URI": "bolt://127.0.0.1:7699", "NEO4J_PASSWORD": PASSWORD},
        password_file=tmp_path / "none",
    )
    err = unavailable_error(AuthError(f"bad credentials {PASSWORD}"), s)
    assert str(err) == (
        "authentication failed for user 'neo4j' at bolt://127.0.0.1:7699; check NEO4J_PASSWORD"
    )


def test_auth_error_names_the_password_file_when_it_was_used(tmp_path):
    file = tmp_path / "password"
    file.write_text(PASSWORD)
    s = neo4j_settings({"NEO4J_URI": "bolt://127.0.0.1:7699"}, password_file=file)
    assert str(unavailable_error(AuthError("no"), s)).endswith(
        f"check NEO4J_PASSWORD or the password file {file}"
    )


def test_unreachable_error_names_the_uri(tmp_path):
    s = neo4j_settings(
        {"NEO4J_URI": "bolt://127.0.0.1:7699", "NEO4J_PASSWORD": PASSWORD},
        password_file=tmp_path / "none",
    )
    err = unavailable_error(ServiceUnavailable("refused"), s)
    assert str(err) == (
        "cannot reach Neo4j at bolt://127.0.0.1:7699; is it running? "
        "try `graphengine neo4j start`, or set NEO4J_URI"
    )
    assert "\n" not in str(err)


def test_dotenv_fills_unset_variables_only(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text(
        "NEO4J_URI=bolt://127.0.0.1:7711\nNEO4J_PASSWORD=from-dotenv\nNEO4J_DATABASE=cases\n"
    )
    for name in ("NEO4J_URI", "NEO4J_PASSWORD", "NEO4J_USERNAME", "NEO4J_DATABASE"):
        # setenv first, so that monkeypatch also removes what load_dotenv sets: a leaked
        # NEO4J_PASSWORD would reach every later subprocess (the notebooks' kernels).
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    monkeypatch.setenv("NEO4J_DATABASE", "already-set")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(settings, "_dotenv_loaded", False)
    s = neo4j_settings()
    assert (s.uri, s.password.reveal(), s.database) == (
        "bolt://127.0.0.1:7711",
        "from-dotenv",
        "already-set",
    )


def test_queries_dir_finds_the_saved_queries():
    folder = queries_dir()
    assert folder.name == "cypher"
    assert folder.is_dir()


def test_rendered_conf_has_the_port_and_no_placeholder(tmp_path, monkeypatch):
    monkeypatch.setenv("GRAPHENGINE_NEO4J_HEAP", "2g")
    monkeypatch.setenv("GRAPHENGINE_NEO4J_PAGECACHE", "512m")
    conf = local_server._write_conf(tmp_path, 7701).read_text()
    assert "server.bolt.listen_address=127.0.0.1:7701" in conf
    assert "server.http.enabled=false" in conf
    assert "dbms.security.auth_enabled=true" in conf
    assert f"server.directories.data={tmp_path / 'data'}" in conf
    assert "server.memory.pagecache.size=512m" in conf
    assert "dbms.memory.transaction.total.max=1433m" in conf  # 70% of 2048 MiB
    assert "${" not in conf


def test_bad_memory_setting_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("GRAPHENGINE_NEO4J_HEAP", "lots")
    with pytest.raises(ConfigError, match=r"^GRAPHENGINE_NEO4J_HEAP='lots' is not a memory size"):
        local_server._write_conf(tmp_path, 7701)


def test_bad_port_variable_is_named(monkeypatch):
    monkeypatch.setenv("GRAPHENGINE_NEO4J_PORT", "70000")
    with pytest.raises(ConfigError, match=r"^GRAPHENGINE_NEO4J_PORT='70000' is not a TCP port"):
        local_server.default_port()


def test_start_refuses_a_port_taken_by_another_program(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(ConfigError, match=rf"^port {port} on 127.0.0.1 is already in use"):
            local_server.start(port, home=tmp_path / "home")
    assert local_server.server_processes(tmp_path / "home") == []


def test_generated_password_file_is_private(tmp_path, monkeypatch):
    monkeypatch.delenv("NEO4J_PASSWORD", raising=False)
    monkeypatch.setattr(settings, "_dotenv_loaded", True)
    password = local_server._local_password(tmp_path)
    file = settings.local_password_file(tmp_path)
    assert file.read_text().strip() == password
    assert len(password) >= 20
    assert file.stat().st_mode & 0o777 == 0o600
    # A second call reuses the file instead of making a new password.
    assert local_server._local_password(tmp_path) == password


def test_no_neo4j_setting_leaks_from_the_dotenv_test():
    """Runs after the .env test: what load_dotenv set there is gone again."""
    assert os.environ.get("NEO4J_PASSWORD") != "from-dotenv"
    assert os.environ.get("NEO4J_URI") != "bolt://127.0.0.1:7711"
